"""Shared helpers of the benchmark scripts: run header, markdown tables, timing, threads, JSON.

Every script in ``benchmarks/`` prints GitHub-flavoured markdown (the form the README's
"Performance" section carries) and accepts ``--json PATH`` to write every figure it printed.
This module keeps what they share in one place:

- :func:`machine_info` / :func:`header_markdown`: date (UTC), CPU model, cores, memory, OS,
  Python, package versions, numba threading layer and thread count, load average;
- :func:`markdown_table`: a table with right-aligned numeric columns;
- :func:`best_time`: best-of-N wall time after an untimed warm-up call;
- :func:`numba_threads`: a context manager that runs a block with N numba threads;
- :func:`write_json`: figures to a JSON file (NumPy scalars converted).

Thread-count conventions used by all scripts: "1 thread" rows run with
``numba.set_num_threads(1)``; "all threads" rows with ``numba.config.NUMBA_NUM_THREADS``
(the number of CPUs numba sees, or ``NUMBA_NUM_THREADS`` from the environment). Ratios are
printed twice: *per thread* (our 1-thread time against the single-threaded baseline) and
*all threads* (our all-thread time against the baseline at its best thread count).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

PACKAGES = ("numpy", "numba", "sgp4", "skyfield", "cysgp4", "brahe", "tatc", "scipy")
"""Distributions whose versions every header reports (``not installed`` when absent)."""

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


# ------------------------------------------------------------------------ machine header
def _cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (Linux), else :func:`platform.processor`."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    """Total physical memory (GiB) from /proc/meminfo; NaN when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024.0 ** 2
    except (OSError, ValueError, IndexError):
        pass
    return math.nan


def package_version(name: str) -> str:
    """Installed version of distribution ``name`` or ``"not installed"`` (no import)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def numba_threading() -> tuple[str, int]:
    """numba's threading layer and default thread count.

    numba picks its layer only when a parallel region first runs, so a tiny
    ``parallel=True`` function (not cached, compiles in about a second) is run first.
    """
    import numba
    import numpy as np

    @numba.njit(parallel=True, cache=False)
    def _probe(n):
        s = 0.0
        for i in numba.prange(n):
            s += i
        return s

    try:
        _probe(np.int64(100))
        layer = numba.threading_layer()
    except Exception as exc:  # a header never crashes a benchmark
        layer = f"unavailable ({type(exc).__name__})"
    return layer, int(numba.config.NUMBA_NUM_THREADS)


def machine_info() -> dict:
    """Facts printed at the top of every benchmark run (all JSON-serialisable)."""
    layer, nthreads = numba_threading()
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = math.nan
    return {
        "date_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gib": round(_memory_gib(), 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "versions": {p: package_version(p) for p in PACKAGES},
        "numba_threading_layer": layer,
        "numba_threads": nthreads,
        "load_average_1min": round(load, 2),
    }


def header_markdown(info: dict, title: str | None = None) -> str:
    """The machine header as markdown lines (optionally under a ``#`` title)."""
    v = info["versions"]
    lines = []
    if title:
        lines += [f"# {title}", ""]
    lines += [
        f"- date: {info['date_utc']}",
        f"- machine: {info['cpu']}, {info['cpu_count']} cores, {info['memory_gib']} GiB memory",
        f"- OS: {info['os']}; Python {info['python']}",
        "- packages: " + ", ".join(f"{k} {v[k]}" for k in PACKAGES),
        f"- numba threading layer {info['numba_threading_layer']}, "
        f"{info['numba_threads']} threads; 1-minute load average at start "
        f"{info['load_average_1min']}",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ tables
def markdown_table(headers, rows, align=None) -> str:
    """GitHub markdown table.

    Parameters
    ----------
    headers : sequence of str
    rows : sequence of sequences (cells converted with ``str``)
    align : str, optional
        One character per column, ``"l"`` or ``"r"``; default: first column left, the
        rest right.
    """
    ncol = len(headers)
    align = align or ("l" + "r" * (ncol - 1))
    sep = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(sep) + "|"]
    for r in rows:
        if len(r) != ncol:
            raise ValueError(f"row {r!r}: {len(r)} cells for {ncol} columns")
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def fmt_rate(x: float) -> str:
    """States (or samples) per second as ``"1.23 M/s"``."""
    if not math.isfinite(x):
        return "–"
    if x >= 1e8:
        return f"{x / 1e6:.0f} M/s"
    return f"{x / 1e6:.2f} M/s"


def fmt_ratio(x: float) -> str:
    """A ratio as ``"3.1x"`` (``"–"`` when undefined)."""
    if x is None or not math.isfinite(x):
        return "–"
    if x >= 100:
        return f"{x:,.0f}x"
    if x >= 10:
        return f"{x:.1f}x"
    return f"{x:.2f}x"


def fmt_s(x: float) -> str:
    """Seconds with 3 significant-ish digits."""
    if x is None or not math.isfinite(x):
        return "–"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.3f}"


# ------------------------------------------------------------------------------ timing
def best_time(fn, repeat: int = 3, warmup: int = 1):
    """Best wall time (s) of ``repeat`` calls of ``fn()`` after ``warmup`` untimed calls.

    Returns ``(best_s, result_of_last_call)``. The warm-up absorbs JIT compilation or
    cache loading, first-touch page faults and lazily built caches, so that the figure is
    the steady state; callers time those one-off costs separately.
    """
    out = None
    for _ in range(max(0, warmup)):
        out = fn()
    best = math.inf
    for _ in range(max(1, repeat)):
        out = None
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def timed_once(fn):
    """``(wall_s, result)`` of one call (for first calls: compile / cache load)."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def all_threads() -> int:
    """numba's maximum thread count (what ``numba.set_num_threads`` may go up to)."""
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)


def numba_threads(n: int):
    """Run the block with ``n`` numba threads, restoring the previous count after
    (:func:`hgvcov.bench_peers.numba_threads`, imported on first use)."""
    from hgvcov.bench_peers import numba_threads as threads

    return threads(int(n))


# -------------------------------------------------------------------------------- JSON
def _jsonable(x):
    try:
        import numpy as np

        if isinstance(x, np.generic):
            return x.item()
        if isinstance(x, np.ndarray):
            return x.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return str(x)


def write_json(path, obj) -> None:
    """Write ``obj`` (dicts/lists of numbers and strings, NumPy scalars allowed) to ``path``.

    NaN and infinities become ``null`` (JSON has no NaN).
    """
    Path(path).write_text(json.dumps(_clean(obj), indent=2, default=_jsonable))


def _clean(obj):
    """NaN / inf -> None (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def add_common_arguments(ap) -> None:
    """``--quick``, ``--full`` (the default, accepted for :mod:`run_all`) and ``--json PATH``."""
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="smallest sizes (a few minutes on 2 cores)")
    g.add_argument("--full", action="store_true", help="all sizes (the default)")
    ap.add_argument("--json", metavar="PATH", help="also write every figure to this JSON file")
