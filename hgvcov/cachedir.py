"""Where numba caches the compiled kernels: beside the sources, or a per-user folder.

The kernels are compiled with ``cache=True``: numba writes the machine code into the
``__pycache__`` folder beside each kernel module (``orbits/``, ``hgv_models/``,
``constellation/``), so only the first run on a machine compiles (about 40 s on 2 cores)
and every later one loads it (under a second).  When the installation is not writable (a
system-wide or read-only environment, a container image), :func:`configure_numba_cache`,
called when :mod:`hgvcov` is first imported and so before numba is, points
``NUMBA_CACHE_DIR`` at a per-user folder: ``$XDG_CACHE_HOME/hgv-coverage/numba``
(default ``~/.cache/hgv-coverage/numba``).  A ``NUMBA_CACHE_DIR`` the user set is never
changed, and nothing is changed when the package folders are writable.

Numba checks a cached kernel against its own source file only, so a kernel whose callee
in another module changed (``constellation/_metrics.py`` under ``_grid.py``'s
``grid_chunk``, say, after an upgrade) would load its stale machine code.
:func:`invalidate_stale_kernel_caches`, also run when :mod:`hgvcov` is imported, keeps a
digest of every kernel module's source beside the cache and clears the cache when it
changes.  The kernel modules are the ``_*.py`` modules and ``kernels.py`` of
:data:`KERNEL_PACKAGES`: the import-linter contracts in ``pyproject.toml`` forbid kernel
modules to import API modules, so these files are everything a kernel can depend on.

This module imports only the standard library: it runs on every ``hgvcov --help``.
"""
from __future__ import annotations

import hashlib
import os
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional

__all__ = ["KERNEL_PACKAGES", "user_cache_dir", "numba_cache_dir", "configure_numba_cache",
           "kernel_sources_digest", "kernel_cache_dirs", "invalidate_stale_kernel_caches"]

#: File beside the cached kernels holding the digest of the sources they were built from.
KERNEL_STAMP = "hgvcov-kernel-sources.sha256"

#: The packages whose modules hold numba kernels compiled with ``cache=True``.
KERNEL_PACKAGES = ("orbits", "hgv_models", "constellation")


def user_cache_dir(environ: Optional[Mapping[str, str]] = None) -> Path:
    """The per-user numba cache folder of hgv-coverage.

    Parameters
    ----------
    environ : mapping, optional
        Environment to read (default ``os.environ``).

    Returns
    -------
    Path
        ``$XDG_CACHE_HOME/hgv-coverage/numba`` when ``XDG_CACHE_HOME`` is set to an
        absolute path (the XDG base-directory rule), else ``~/.cache/hgv-coverage/numba``.
    """
    env = os.environ if environ is None else environ
    xdg = env.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "hgv-coverage" / "numba"


def _package_dirs(packages: Iterable[str] = KERNEL_PACKAGES) -> list[Path]:
    """The folders of ``packages``, found without importing them."""
    out = []
    for name in packages:
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            spec = None
        for loc in (spec.submodule_search_locations or []) if spec else []:
            out.append(Path(loc))
    return out


def _cache_writable(pkg_dir: Path) -> bool:
    """Whether numba can write its cache beside the sources in ``pkg_dir``.

    ``pkg_dir/__pycache__`` must be a writable folder, or absent in a writable
    ``pkg_dir`` (numba creates it).
    """
    pycache = pkg_dir / "__pycache__"
    if pycache.is_dir():
        return os.access(pycache, os.W_OK | os.X_OK)
    return pkg_dir.is_dir() and os.access(pkg_dir, os.W_OK | os.X_OK)


def numba_cache_dir(environ: Optional[Mapping[str, str]] = None,
                    package_dirs: Optional[Iterable[Path]] = None,
                    writable: Optional[Callable[[Path], bool]] = None) -> Optional[Path]:
    """The ``NUMBA_CACHE_DIR`` hgv-coverage should set, or None to leave numba's choice.

    Parameters
    ----------
    environ : mapping, optional
        Environment to read (default ``os.environ``).
    package_dirs : iterable of Path, optional
        Folders of the kernel packages (default: those of :data:`KERNEL_PACKAGES`).
    writable : callable, optional
        ``writable(dir) -> bool``: whether numba can cache beside the sources in ``dir``
        (default: ``dir/__pycache__`` is a writable folder, or absent in a writable ``dir``).

    Returns
    -------
    Path or None
        None when the user set ``NUMBA_CACHE_DIR`` (even to an empty string: numba's own
        rule) or when every package folder is writable; else :func:`user_cache_dir`.
    """
    env = os.environ if environ is None else environ
    if "NUMBA_CACHE_DIR" in env:
        return None
    dirs = list(_package_dirs() if package_dirs is None else package_dirs)
    writable = _cache_writable if writable is None else writable
    if all(writable(Path(d)) for d in dirs):
        return None
    return user_cache_dir(env)


def configure_numba_cache() -> Optional[Path]:
    """Set ``NUMBA_CACHE_DIR`` to :func:`user_cache_dir` when the installation is not writable.

    Called when :mod:`hgvcov` is imported.  Numba reads ``NUMBA_CACHE_DIR`` when it is
    imported, so when numba is already imported its configuration is updated as well (the
    kernels not yet decorated then cache there).  Worker processes of a sweep inherit the
    environment variable.

    Returns
    -------
    Path or None
        The folder set, or None when nothing was changed.
    """
    path = numba_cache_dir()
    if path is None:
        return None
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    config = sys.modules.get("numba.core.config")
    if config is not None:
        config.CACHE_DIR = str(path)
    return path


def _kernel_files(package_dirs: Iterable[Path]) -> list[Path]:
    files = []
    for d in package_dirs:
        d = Path(d)
        files += [f for f in d.glob("*.py") if f.name.startswith("_") or f.name == "kernels.py"]
    return sorted(files, key=lambda f: (f.parent.name, f.name))


def kernel_sources_digest(package_dirs: Optional[Iterable[Path]] = None) -> str:
    """SHA-256 of the kernel modules' sources (names and contents), hex.

    Parameters
    ----------
    package_dirs : iterable of Path, optional
        Folders of the kernel packages (default: those of :data:`KERNEL_PACKAGES`).
    """
    dirs = list(_package_dirs() if package_dirs is None else package_dirs)
    h = hashlib.sha256()
    for f in _kernel_files(dirs):
        h.update(f"{f.parent.name}/{f.name}\0".encode())
        try:
            h.update(f.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
    return h.hexdigest()


def kernel_cache_dirs(package_dirs: Optional[Iterable[Path]] = None,
                      cache_dir: Optional[str] = None) -> list[Path]:
    """The folders where numba caches the kernels of ``package_dirs``.

    ``package/__pycache__`` (numba's in-tree locator) when ``cache_dir`` is empty, else
    numba's layout under ``NUMBA_CACHE_DIR``: ``<cache_dir>/<folder name>_<sha1 of the
    folder's absolute path>`` (``numba.core.caching._CacheLocator.get_suitable_cache_subpath``).
    """
    dirs = list(_package_dirs() if package_dirs is None else package_dirs)
    if not cache_dir:
        return [Path(d) / "__pycache__" for d in dirs]
    out = []
    for d in dirs:
        path = os.path.abspath(str(d))
        hashed = hashlib.sha1(path.encode()).hexdigest()
        out.append(Path(cache_dir) / f"{os.path.split(path)[-1]}_{hashed}")
    return out


def invalidate_stale_kernel_caches(environ: Optional[Mapping[str, str]] = None,
                                   package_dirs: Optional[Iterable[Path]] = None) -> list[Path]:
    """Remove numba's cached kernels when the kernel sources changed since they were built.

    Each cache folder (:func:`kernel_cache_dirs`) holds :data:`KERNEL_STAMP` with the
    :func:`kernel_sources_digest` of the sources its kernels were built from.  When the
    stamp is missing or differs, the folder's ``*.nbi`` / ``*.nbc`` files are removed (the
    kernels compile again on first use) and the stamp is rewritten.  Errors (a read-only
    folder) are ignored: numba then recompiles or loads as before.

    Returns
    -------
    list of Path
        The cache files removed.
    """
    env = os.environ if environ is None else environ
    dirs = list(_package_dirs() if package_dirs is None else package_dirs)
    digest = kernel_sources_digest(dirs)
    removed: list[Path] = []
    for cdir in kernel_cache_dirs(dirs, env.get("NUMBA_CACHE_DIR") or None):
        if not cdir.is_dir():
            continue
        stamp = cdir / KERNEL_STAMP
        try:
            if stamp.read_text(encoding="ascii").strip() == digest:
                continue
        except (OSError, UnicodeDecodeError):
            pass
        for f in [*cdir.glob("*.nbi"), *cdir.glob("*.nbc")]:
            try:
                f.unlink()
                removed.append(f)
            except OSError:
                pass
        try:
            tmp = cdir / f".{KERNEL_STAMP}.{os.getpid()}"
            tmp.write_text(digest + "\n", encoding="ascii")
            os.replace(tmp, stamp)
        except OSError:
            pass
    return removed
