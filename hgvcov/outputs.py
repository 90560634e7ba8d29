"""Atomic output writing: a failed or interrupted run never clobbers earlier results.

A run stages every file under a hidden folder inside the output directory
(``DIR/.hgvcov-partial-<pid>-<random>/``, same file system, so renames are atomic) and
only when everything has been written does :meth:`OutputTransaction.commit` move each file
to its final name with :func:`os.replace`.  The renames run with SIGINT/SIGTERM blocked so
that Ctrl-C cannot split the set.  On any exception (including ``KeyboardInterrupt``) the
staging folder is removed and the earlier run's files are left byte-for-byte as they were.

A run owns the files it writes.  Each commit records them in ``DIR/.hgvcov-manifest.json``
(:data:`MANIFEST_NAME`); the next commit into that folder removes the files the previous
manifest lists that the new run does not write again (e.g. ``tracks.csv`` and
``timeline_*.png`` after a run without threats, the maps after ``--no-maps``), so results
of two runs never sit side by side.  Files no run of ours wrote (not on the manifest) are
never touched, whatever their names: ``-o .`` is safe.  The removals happen inside the same
signal-blocked commit and are undone with it.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

__all__ = ["MANIFEST_NAME", "OutputError", "OutputTransaction", "atomic_path",
           "write_text_atomic", "check_output_dir", "read_manifest"]

_PREFIX = ".hgvcov-partial-"
#: The file, in an output folder, listing what the last run wrote there.
MANIFEST_NAME = ".hgvcov-manifest.json"


def _plain_name(name) -> bool:
    return (isinstance(name, str) and bool(name) and Path(name).name == name
            and name not in (".", "..", MANIFEST_NAME) and not name.startswith(_PREFIX))


def read_manifest(out_dir: str | os.PathLike) -> list[str]:
    """Names of the files the last run wrote in ``out_dir`` (its manifest), [] if none.

    An unreadable or malformed manifest counts as none (nothing will be removed), and only
    plain file names in the folder itself are returned.
    """
    try:
        data = json.loads((Path(out_dir) / MANIFEST_NAME).read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    if not isinstance(files, list):
        return []
    return [n for n in files if _plain_name(n)]


class OutputError(ValueError):
    """The output location cannot be used (not a folder, not writable, ...)."""


def _prepare_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"output path {out_dir} exists and is not a folder; "
                          "choose another with -o DIR")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {out_dir}: {exc.strerror or exc}") \
            from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise OutputError(f"output folder {out_dir} is not writable; choose another with -o DIR")
    return out_dir


def check_output_dir(out_dir: str | os.PathLike) -> Path:
    """Refuse (:class:`OutputError`) an output folder that could not be written, *without*
    creating anything: called before a long computation so that the user is not told at
    the end.  Returns the path."""
    p = Path(out_dir).expanduser()
    if p.exists():
        if not p.is_dir():
            raise OutputError(f"output path {p} exists and is not a folder; "
                              "choose another with -o DIR")
        if not os.access(p, os.W_OK | os.X_OK):
            raise OutputError(f"output folder {p} is not writable; choose another with -o DIR")
        return p
    parent = p.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot create output folder {p}: {parent} is not a writable "
                          "folder; choose another with -o DIR")
    return p


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale(out_dir: Path) -> None:
    """Remove staging folders left by runs that were killed (their process is gone)."""
    for p in out_dir.glob(_PREFIX + "*"):
        try:
            pid = int(p.name[len(_PREFIX):].split("-")[0])
        except ValueError:
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(p, ignore_errors=True)


@contextmanager
def _signals_blocked() -> Iterator[None]:
    sigs = {signal.SIGINT, signal.SIGTERM}
    can_block = hasattr(signal, "pthread_sigmask")
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs) if can_block else None
    try:
        yield
    finally:
        if can_block:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


class OutputTransaction:
    """Stage files for ``out_dir`` and publish them all at once.

    Usage::

        with OutputTransaction(out_dir) as tx:
            ds.to_netcdf(tx.path("coverage.nc"))
            tx.path("summary.json").write_text(...)
        # all files renamed into out_dir here; on an exception nothing changed

    Parameters
    ----------
    out_dir : path
        Destination folder (created if missing).
    keep : iterable of str
        Files this run already committed to ``out_dir`` in an earlier transaction (e.g. the
        data files before the figures): they stay on the manifest and are not removed.

    On commit the manifest becomes ``keep`` plus the names staged here, and the files the
    previous manifest lists that are not on the new one are removed.
    """

    def __init__(self, out_dir: str | os.PathLike, keep=()):
        self.out_dir = _prepare_dir(Path(out_dir))
        _clean_stale(self.out_dir)
        self.staging = self.out_dir / f"{_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            self.staging.mkdir()
        except OSError as exc:
            raise OutputError(f"cannot write in output folder {self.out_dir}: "
                              f"{exc.strerror or exc}") from None
        self._names: list[str] = []
        self.keep = [n for n in keep if _plain_name(n)]
        self.committed: list[Path] = []
        self.removed: list[str] = []
        self._open = True

    def path(self, name: str) -> Path:
        """Staged path for the final file ``out_dir/name`` (``name`` has no folders)."""
        if not self._open:
            raise RuntimeError("transaction already finished")
        if not _plain_name(name) or name == ".previous":
            raise ValueError(f"output name {name!r} must be a plain file name")
        if name not in self._names:
            self._names.append(name)
        return self.staging / name

    def discard(self, name: str) -> None:
        """Drop a staged name (e.g. a figure that failed), and its staged file if any."""
        if name in self._names:
            self._names.remove(name)
            (self.staging / name).unlink(missing_ok=True)

    @property
    def names(self) -> list[str]:
        """Final names staged so far, in order."""
        return list(self._names)

    def commit(self) -> list[Path]:
        """Move every staged file to its final name; returns the final paths.

        Two phases with SIGINT/SIGTERM blocked: existing files of those names are first
        moved aside into the staging folder, then the new files are moved in.  If any rename
        fails, the new files are taken out again and the old ones put back, so the folder
        ends either wholly old or wholly new.
        """
        missing = [n for n in self._names if not (self.staging / n).is_file()]
        if missing:
            raise RuntimeError(f"staged output files were never written: {missing}")
        backup = self.staging / ".previous"
        moved_aside: list[str] = []
        placed: list[str] = []
        owned = sorted(set(self.keep) | set(self._names))
        stale = [n for n in read_manifest(self.out_dir) if n not in owned
                 and (self.out_dir / n).is_file() and not (self.out_dir / n).is_symlink()]
        manifest_tmp = self.staging / MANIFEST_NAME
        manifest_tmp.write_text(json.dumps({"written_by": "hgvcov", "files": owned}, indent=1)
                                + "\n", encoding="utf-8")
        manifest = self.out_dir / MANIFEST_NAME
        with _signals_blocked():
            try:
                backup.mkdir()
                if manifest.is_file():
                    os.replace(manifest, backup / MANIFEST_NAME)
                    moved_aside.append(MANIFEST_NAME)
                for n in stale:  # the previous run's files this run does not write again
                    os.replace(self.out_dir / n, backup / n)
                    moved_aside.append(n)
                for n in self._names:
                    final = self.out_dir / n
                    if final.is_dir() and not final.is_symlink():
                        raise OutputError(f"cannot write {final}: a folder of that name exists")
                    if final.exists() or final.is_symlink():
                        os.replace(final, backup / n)
                        moved_aside.append(n)
                for n in self._names:
                    os.replace(self.staging / n, self.out_dir / n)
                    placed.append(n)
                os.replace(manifest_tmp, manifest)
                placed.append(MANIFEST_NAME)
            except BaseException:
                for n in placed:
                    try:
                        os.replace(self.out_dir / n, self.staging / n)
                    except OSError:
                        pass
                for n in moved_aside:
                    try:
                        os.replace(backup / n, self.out_dir / n)
                    except OSError:
                        pass
                raise
            self.committed = [self.out_dir / n for n in self._names]
            self.removed = stale
            shutil.rmtree(self.staging, ignore_errors=True)
            self._open = False
        return list(self.committed)

    def abort(self) -> None:
        """Drop everything staged; the output folder is as before."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self._open = False

    def __enter__(self) -> "OutputTransaction":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                self.abort()
                raise
        else:
            self.abort()
        return False


def atomic_path(final: str | os.PathLike, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` then rename ``tmp_path`` to ``final`` (same folder).

    ``tmp_path`` keeps ``final``'s suffix (so e.g. matplotlib picks the format).  On any
    exception the temporary file is removed and ``final`` is untouched.
    """
    final = Path(final).expanduser()
    folder = _prepare_dir(final.parent if str(final.parent) else Path("."))
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=final.suffix, dir=folder)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        writer(tmp_path)
        with _signals_blocked():
            os.replace(tmp_path, final)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return final


def write_text_atomic(final: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``final`` atomically."""
    return atomic_path(final, lambda p: p.write_text(text, encoding="utf-8"))
