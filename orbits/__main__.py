"""``python -m orbits``: versions of the numerical stack and numba's threading layer.

:func:`diagnostics` returns the same facts as a dict (the CLI's ``hgvcov version`` uses it).
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

__all__ = ["diagnostics", "main"]

_PACKAGES = ("numba", "llvmlite", "numpy", "sgp4", "skyfield", "astropy", "hgv-coverage")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def diagnostics() -> dict:
    """Versions and runtime facts of the numerical stack.

    Runs a tiny ``parallel=True`` numba kernel first, because numba only picks its
    threading layer (tbb, omp or workqueue) when a parallel region first executes.

    Returns
    -------
    dict
        ``python``, ``platform``, ``versions`` (dist name -> version string),
        ``numba_threading_layer``, ``numba_num_threads``, ``cpu_count``,
        ``sgp4_accelerated`` (python-sgp4 uses its compiled C++ core),
        ``numba_cache_dir``.
    """
    import numba

    from . import _kernels

    info = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "versions": {name: _version(name) for name in _PACKAGES},
        "cpu_count": os.cpu_count(),
        "numba_num_threads": int(numba.get_num_threads()),
    }
    try:
        _kernels.threading_probe(1000)
        info["numba_threading_layer"] = numba.threading_layer()
    except Exception as exc:  # report, never crash a diagnostics command
        info["numba_threading_layer"] = f"unavailable ({type(exc).__name__}: {exc})"
    try:
        from sgp4.api import accelerated

        info["sgp4_accelerated"] = bool(accelerated)
    except ImportError:
        info["sgp4_accelerated"] = False
    info["numba_cache_dir"] = numba.config.CACHE_DIR or "(next to the sources, __pycache__)"
    return info


def format_diagnostics(info: dict) -> str:
    """Human-readable lines of :func:`diagnostics` output."""
    lines = [f"python {info['python']} on {info['platform']}"]
    for name, ver in info["versions"].items():
        lines.append(f"{name:<14} {ver}")
    lines.append(f"numba threading layer: {info['numba_threading_layer']} "
                 f"({info['numba_num_threads']} threads, {info['cpu_count']} CPUs)")
    lines.append(f"sgp4 compiled core: {'yes' if info['sgp4_accelerated'] else 'no (pure Python)'}")
    lines.append(f"numba cache: {info['numba_cache_dir']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    """Print :func:`diagnostics`; ``--json`` prints it as JSON."""
    argv = sys.argv[1:] if argv is None else argv
    info = diagnostics()
    if "--json" in argv:
        import json

        print(json.dumps(info, indent=2))
    else:
        print(format_diagnostics(info))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
