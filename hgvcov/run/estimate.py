"""Up-front size check of a run: memory and time estimated before anything big exists.

:func:`estimate_run` models memory (the engine's ephemeris chunk and per-point
accumulators, the output data set, a fixed base) and time (linear in the number of
(time, satellite, point) triples) from the problem size alone.  :func:`refuse_if_too_big`
raises :class:`RunRefused` (exit code 2) when the memory estimate exceeds
:data:`MEMORY_HEADROOM` of :func:`available_memory_bytes`, naming what to change.
"""
from __future__ import annotations

import math
import os
from typing import Optional

from constellation import estimate_memory_bytes

from ..scenario import Scenario

__all__ = ["RunRefused", "MEMORY_HEADROOM", "available_memory_bytes", "estimate_run",
           "refuse_if_too_big", "region_size", "fmt_bytes", "fmt_duration"]

#: Fraction of the available memory a run may plan to use.
MEMORY_HEADROOM = 0.8
#: Output variables per grid point held in memory by the coverage engine and the writer
#: (the DESIGN.md variables plus accumulators), float64.
_OUTPUT_VARS_PER_POINT = 24

# Planning constants for the time estimate (steady state, JIT compile excluded), measured
# with `hgvcov bench --quick`: ~1-1.5 ns per (time, satellite, point) triple for coverage
# (the engine is output-sensitive: ~3 % of triples reach the exact test), ~1.25e-5 s per
# satellite-sample of propagation, a fixed ~1 s of set-up and output, maps ~8-15 s.
_SECONDS_PER_TRIPLE = 1.5e-9
_SECONDS_FIXED = 1.0
_SECONDS_PER_SAT_STEP = 1.25e-5
_SECONDS_PER_THREAT = 1.0
_SECONDS_MAPS = 10.0


class RunRefused(ValueError):
    """The run would not fit (memory) - refused before allocating; exit code 2."""


def available_memory_bytes() -> int:
    """Memory this process may still use (bytes).

    ``HGVCOV_MEMORY_LIMIT_MB`` overrides (shared machines, tests); else Linux's
    ``MemAvailable`` (free + reclaimable cache, /proc/meminfo), else psutil if installed,
    else ``os.sysconf`` free pages.
    """
    env = os.environ.get("HGVCOV_MEMORY_LIMIT_MB")
    if env:
        try:
            return int(float(env) * 2**20)
        except ValueError:
            raise RunRefused(f"HGVCOV_MEMORY_LIMIT_MB={env!r}: expected a number of MiB") \
                from None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import psutil  # optional dependency: only consulted where /proc/meminfo is missing
        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8 * 2**30


def fmt_bytes(n: float) -> str:
    """``1536`` -> ``"1.5 KiB"``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def fmt_duration(s: float) -> str:
    """Seconds as ``"45 s"``, ``"12 min"`` or ``"2.5 h"``."""
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def estimate_run(n_sat: int, n_point: int, n_time: int, chunk_steps: Optional[int] = None,
                 n_threat: int = 0, maps: bool = False, n_lon: Optional[int] = None) -> dict:
    """Memory (bytes) and time (s) estimates for a run of this size.

    Memory: ``constellation.estimate_memory_bytes`` (ephemeris chunk, per-point
    accumulators) plus the output data set (``_OUTPUT_VARS_PER_POINT`` float64 per point)
    and a fixed 250 MiB for the interpreter, numba and map drawing.  Time: a linear model
    in ``n_time * n_sat * n_point`` (coverage) and ``n_time * n_sat`` (propagation); it is
    a planning figure (factor ~3), not a promise. ``n_lon``: points per grid row (None:
    the worst case, one row of ``n_point``).
    """
    outputs = n_point * _OUTPUT_VARS_PER_POINT * 8   # the written copy of the data set
    engine = int(estimate_memory_bytes(n_sat, n_point, n_time, chunk_steps, n_lon=n_lon))
    base = 250 * 2**20
    mem = engine + outputs + base
    t = (_SECONDS_FIXED + n_time * n_sat * n_point * _SECONDS_PER_TRIPLE
         + n_time * n_sat * _SECONDS_PER_SAT_STEP + _SECONDS_PER_THREAT * n_threat
         + (_SECONDS_MAPS if maps else 0.0))
    return {"memory_bytes": int(mem), "engine_bytes": engine, "output_bytes": outputs,
            "time_s": float(t), "n_sat": n_sat, "n_point": n_point, "n_time": n_time}


def refuse_if_too_big(est: dict, scenario: Scenario) -> dict:
    """``est`` with ``available_bytes`` added; :class:`RunRefused` if it does not fit.

    The message gives the estimate, what is available and what to change (a coarser step
    scaled to fit, a smaller region, fewer satellites, a bigger machine).
    """
    avail = available_memory_bytes()
    est["available_bytes"] = int(avail)
    if est["memory_bytes"] <= MEMORY_HEADROOM * avail:
        return est
    ratio = est["memory_bytes"] / (MEMORY_HEADROOM * avail)
    hints = []
    r = scenario.region
    if r.kind != "points" and r.step_deg is not None:
        coarser = r.step_deg * math.ceil(math.sqrt(ratio) * 10) / 10
        hints.append(f"a coarser grid (region.step_deg = {coarser:g} instead of {r.step_deg:g})")
        hints.append("a smaller region (region.lat_deg / region.lon_deg)")
    hints.append("fewer satellites")
    hints.append("a machine with more memory (the engine streams time in chunks, so a "
                 "longer time.duration_s alone does not need more memory)")
    raise RunRefused(
        f"this run needs about {fmt_bytes(est['memory_bytes'])} of memory "
        f"({est['n_point']:,} grid points x {est['n_sat']:,} satellites, "
        f"{est['n_time']:,} time steps; est. run time {fmt_duration(est['time_s'])}) but only "
        f"{fmt_bytes(avail)} is available (limit {MEMORY_HEADROOM:.0%} of it); try "
        + "; or ".join(hints))


def region_size(scenario: Scenario) -> tuple[int, Optional[int]]:
    """``(n_point, n_lon)`` of the region read from the scenario, before it is built.

    ``n_point`` is -1 when only the built region knows it (a point list in a CSV file);
    ``n_lon`` (points per grid row) is None for a point list.  A polygon's box comes from
    its bounds, which are cheap to read.
    """
    r = scenario.region
    if r.kind == "points":
        return (len(r.points) if isinstance(r.points, list) else -1), None
    (la0, la1), (lo0, lo1) = scenario.box()
    s = r.step_deg
    n_lat = int(math.floor((la1 - la0) / s + 1e-9)) + 1
    n_lon = int(math.floor((lo1 - lo0) / s + 1e-9)) + 1
    return n_lat * n_lon, n_lon
