"""Up-front size check of a run: memory and time estimated before anything big exists.

:func:`estimate_run` models memory (the engine's ephemeris chunk and per-point
accumulators, the output data set, a fixed base) and time (the work the run will do: see
:func:`estimate_run`) from the problem size.  :func:`refuse_if_too_big` raises
:class:`RunRefused` (exit code 2) when the memory estimate exceeds :data:`MEMORY_HEADROOM`
of :func:`available_memory_bytes`, :func:`refuse_if_too_slow` when the time estimate
exceeds :func:`time_limit_s` (one hour unless ``HGVCOV_TIME_LIMIT_S`` or ``--max-time``
says otherwise); both name what to change, with numbers that would fit.
"""
from __future__ import annotations

import math
import os
from typing import Optional

from constellation import estimate_memory_bytes
from constellation.coverage import kernels_cached

from ..scenario import Scenario

__all__ = ["RunRefused", "MEMORY_HEADROOM", "DEFAULT_TIME_LIMIT_S", "available_memory_bytes",
           "time_limit_s", "estimate_run", "run_work", "availability_bytes", "visible_fraction", "kernels_cached",
           "refuse_if_too_big", "refuse_if_too_slow", "region_size", "fmt_bytes",
           "fmt_duration"]

#: Fraction of the available memory a run may plan to use.
MEMORY_HEADROOM = 0.8
#: Output variables per grid point held in memory by the coverage engine and the writer
#: (the DESIGN.md variables plus accumulators, and the 18 gap-distribution figures), float64.
_OUTPUT_VARS_PER_POINT = 42

#: Default limit of the time estimate (s): a longer run is refused unless asked for.
DEFAULT_TIME_LIMIT_S = 3600.0

# Planning constants of the time estimate (warm steady state: numba kernels compiled and
# cached), fitted with benchmarks/estimate_calibration.py (the default scenario, the
# examples, the grid reference case at 300 and 1,200 satellites, 12 satellites on a 0.1
# deg grid for 4 days and on a 0.01 deg grid for 6 hours at 1 s) on a 2-core machine when it was otherwise idle; under load from
# other processes the same runs took up to 5x longer:
# * per satellite-sample: propagation and candidate bands (~0.3 us for SGP4);
# * per visible satellite-point pair: exact test and detection update (~1.35 ns);
# * per candidate stereo pair at a point and step (~0.05 ns: pairs are pruned early);
# * per point-sample: metric update (0.2-1.7 ns, the least certain constant: 0.8 ns);
#   per point: dataset, statistics, NetCDF (~1 us).
_S_PER_SAT_SAMPLE = {"sgp4": 3.0e-7, "j2": 2.0e-7}
_S_PER_VISIBLE_PAIR = 1.35e-9
_S_PER_STEREO_PAIR = 5.0e-11
_S_PER_POINT_SAMPLE = 8.0e-10
_S_PER_POINT = 1.0e-6
# Point lists: no candidate bands, every satellite-point pair is tested.
_S_PER_POINT_PAIR = 4.0e-9
# Access intervals: per satellite-point-sample, and per visible pair (refinement).
_S_PER_ACCESS_TRIPLE = 2.0e-9
_S_PER_ACCESS_PAIR = 5.0e-8
# Threats: per track sample flown, per track sample and satellite scored.
_S_PER_TRACK_SAMPLE = 1.2e-4
_S_PER_TRACK_SAT_SAMPLE = 1.0e-6
# Fixed set-up and outputs, and per figure drawn (maps ~0.3-0.6 s each).
_SECONDS_FIXED = 0.6
_SECONDS_PER_FIGURE = 0.3  # default scenario: 9 figures in 2.0-2.4 s warm (2026-12-05)
# Degraded mode (``[analysis] satellite_availability``): per point-sample, the binomial sums
# and the expected stereo fraction (P2 minus the complement-graph corrections per group of
# tiles, constellation._availability); measured on the grid reference case (``python
# benchmarks/coverage.py --quick --only-availability``, 2.9 million point-samples): 0.05-0.057 s
# more on 1 thread (2026-12-05, 2-core machine shared with other jobs).
_S_PER_POINT_SAMPLE_AVAILABILITY = 1.9e-8
#: Availability memory per point (bytes): the engine's three sums (``(n_point, 3)`` float64,
#: 24 B), the data set's three ``expected_fraction_*`` variables (24 B) and their written copy
#: (24 B, as ``_OUTPUT_VARS_PER_POINT`` counts the other variables').
AVAILABILITY_BYTES_PER_POINT = 72
#: Availability scratch of the grid kernel per thread (bytes): the depth-first stacks
#: (``2 * 2,081 * 8``), the complement and pair graphs, remembered keys, candidate pairs and
#: per-point edges (248 uint64), the per-point and remembered rows (72 x 7 float64), the
#: binomial / clique-weight table (65 x 67 float64, shared by the threads: counted per thread,
#: a few tens of kB over); plus
#: :data:`AVAILABILITY_BYTES_PER_COLUMN` per grid column (per tile of 4 columns one row of 7
#: float64, the tile's centre and radius, the strip's sums and corrections, 4 x 24 float64, and
#: each point's count of non-stereo pairs for the per-satellite value, 24 float64) and 8 B per
#: detection slot (at most ``n_sat``: its line in a group's slot list).
AVAILABILITY_THREAD_BYTES = 2 * 2081 * 8 + 248 * 8 + 72 * 7 * 8 + 65 * 67 * 8
AVAILABILITY_BYTES_PER_COLUMN = 254
#: Mean HGV ground speed (km/s) and boost time (s) for the flight time of a threat.
_HGV_KM_S = 2.5
_BOOST_S = 300.0
#: Figures drawn besides the timelines (one per threat): three maps, the region coverage
#: over time and the gap-duration distribution.
_N_MAPS = 5


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
                 n_threat: int = 0, maps: bool = False, n_lon: Optional[int] = None, *,
                 visible_fraction: float = 0.05, propagator: str = "sgp4",
                 is_points: bool = False, track_samples: float = 0.0,
                 accesses: bool = False, monte_carlo: int = 0, availability: bool = False,
                 worst_case_runs: int = 0) -> dict:
    """Memory (bytes) and time (s) estimates for a run of this size.

    Memory: ``constellation.estimate_memory_bytes`` (ephemeris chunk, per-point
    accumulators) plus the output data set (``_OUTPUT_VARS_PER_POINT`` float64 per point)
    and a fixed 250 MiB for the interpreter, numba and map drawing; with ``availability``,
    also :func:`availability_bytes`.

    Time (warm: after JIT compilation) follows the work the engine does: satellite-samples
    ``n_time * n_sat`` (propagation, candidate bands); visible satellite-point pairs
    ``n_time * n_point * n_sat * visible_fraction`` (exact tests, detection updates);
    candidate stereo pairs ``n_time * n_point * k**2 / 2`` with ``k = n_sat *
    visible_fraction`` satellites in view of a point; point-samples (metric updates); track
    samples (flight and scoring against every satellite, ``1 + monte_carlo`` times); access
    refinement; figures; with ``availability``, point-samples again (the degraded-mode
    sums).  It is a planning figure (within ~3x on the calibration cases of
    ``benchmarks/estimate_calibration.py``), not a promise.

    Parameters
    ----------
    n_sat, n_point, n_time : int
        Satellites, grid points (or named points), time samples.
    chunk_steps : int, optional
        Time samples per engine chunk (memory only).
    n_threat : int
        ``[[threat]]`` entries (one timeline figure each).
    maps : bool
        Whether the maps and timelines are drawn.
    n_lon : int, optional
        Points per grid row (None: the worst case, one row of ``n_point``).
    visible_fraction : float
        Mean fraction of the points one satellite sees at a time (:func:`visible_fraction`).
    propagator : str
        ``"sgp4"`` or ``"j2"``.
    is_points : bool
        A point list (every satellite-point pair tested) rather than a grid.
    track_samples : float
        Track samples of all threats together (flight time / ``output.track_step_s``).
    accesses : bool
        Access intervals are computed (``output.accesses``).
    monte_carlo : int
        Extra launch times per threat (``output.monte_carlo``).
    availability : bool
        ``[analysis] satellite_availability`` is set (the ``expected_fraction_*`` figures).
    worst_case_runs : int
        Extra grid runs of the greedy worst case (``analysis.worst_case_losses``), each
        costing the propagation and coverage parts again.

    Returns
    -------
    dict
        ``memory_bytes``, ``engine_bytes``, ``output_bytes``, ``time_s``, ``n_sat``,
        ``n_point``, ``n_time``, ``visible_fraction``, ``is_points``, ``time_parts``
        (seconds per part of the model) and ``availability_bytes`` (0 without availability).
    """
    outputs = n_point * _OUTPUT_VARS_PER_POINT * 8   # the written copy of the data set
    engine = int(estimate_memory_bytes(n_sat, n_point, n_time, chunk_steps, n_lon=n_lon))
    base = 250 * 2**20
    avail = availability_bytes(n_sat, n_point, n_lon, is_points) if availability else 0
    mem = engine + outputs + base + avail
    model = dict(n_sat=n_sat, n_point=n_point, n_time=n_time, n_threat=n_threat, maps=maps,
                 vis=visible_fraction, propagator=propagator, is_points=is_points,
                 track_samples=track_samples, accesses=accesses, monte_carlo=monte_carlo,
                 worst_case_runs=worst_case_runs)
    parts = _time_parts(**model)
    if availability:
        parts["availability_s"] = float(n_time) * n_point * _S_PER_POINT_SAMPLE_AVAILABILITY
    return {"memory_bytes": int(mem), "engine_bytes": engine, "output_bytes": outputs,
            "availability_bytes": int(avail),
            "time_s": float(sum(parts.values())), "n_sat": n_sat, "n_point": n_point,
            "n_time": n_time, "visible_fraction": float(visible_fraction),
            "is_points": bool(is_points), "time_parts": parts, "time_model": model}


def availability_bytes(n_sat: int, n_point: int, n_lon: Optional[int] = None, is_points: bool = False,
                       n_threads: Optional[int] = None) -> int:
    """Memory (bytes) the degraded-mode figures add (``[analysis] satellite_availability``).

    :data:`AVAILABILITY_BYTES_PER_POINT` per point (the engine's sums and the data set's
    variables); for a grid, per thread the kernel's scratch (:data:`AVAILABILITY_THREAD_BYTES`,
    :data:`AVAILABILITY_BYTES_PER_COLUMN` per grid column, 8 B per satellite); for a point
    list, per thread the pair graph and stacks only.

    Parameters
    ----------
    n_sat, n_point : int
    n_lon : int, optional
        Grid columns (None: the worst case, one row of ``n_point``).
    is_points : bool
        A point list.
    n_threads : int, optional
        Threads (default ``os.cpu_count()``, numba's default and its most).
    """
    threads = int(n_threads or os.cpu_count() or 1)
    per_thread = AVAILABILITY_THREAD_BYTES
    if not is_points:
        per_thread += AVAILABILITY_BYTES_PER_COLUMN * (n_point if n_lon is None else int(n_lon)) + 8 * int(n_sat)
    return int(n_point) * AVAILABILITY_BYTES_PER_POINT + threads * per_thread


def _time_parts(n_sat, n_point, n_time, n_threat, maps, vis, propagator, is_points,
                track_samples, accesses, monte_carlo, worst_case_runs=0) -> dict:
    """Seconds per part of the time model of :func:`estimate_run`."""
    sat_samples = float(n_time) * n_sat
    pairs = sat_samples * n_point * vis                  # visible satellite-point pairs
    in_view = n_sat * vis                                 # satellites in view of a point
    stereo = float(n_time) * n_point * in_view * in_view / 2
    if is_points:
        coverage = sat_samples * n_point * _S_PER_POINT_PAIR
    else:
        coverage = pairs * _S_PER_VISIBLE_PAIR
    parts = {
        "setup_s": _SECONDS_FIXED + n_point * _S_PER_POINT,
        "propagation_s": sat_samples * _S_PER_SAT_SAMPLE.get(propagator, 3.0e-6),
        "coverage_s": coverage + stereo * _S_PER_STEREO_PAIR
        + float(n_time) * n_point * _S_PER_POINT_SAMPLE,
        "tracks_s": (1 + monte_carlo) * track_samples
        * (_S_PER_TRACK_SAMPLE + n_sat * _S_PER_TRACK_SAT_SAMPLE),
        "accesses_s": (sat_samples * n_point * _S_PER_ACCESS_TRIPLE
                       + pairs * _S_PER_ACCESS_PAIR) if accesses else 0.0,
        "figures_s": (_N_MAPS + n_threat) * _SECONDS_PER_FIGURE if maps else 0.0,
    }
    # the greedy worst case reruns the grid k times (hgvcov.run.satvalue); its maps and chart
    parts["worst_case_s"] = worst_case_runs * (parts["propagation_s"] + parts["coverage_s"])
    if maps and worst_case_runs:
        parts["figures_s"] += 3 * _SECONDS_PER_FIGURE
    return {k: float(v) for k, v in parts.items()}


def visible_fraction(semi_major_axis_km, sensors, sensor_index, target_altitude_km: float) -> float:
    """Mean fraction of the sphere a satellite sees (its visibility cap), over satellites.

    The cap's Earth-central half-angle ``lam`` is the smaller of the elevation mask's
    (``lam = 90 deg - eps - asin(r_t cos(eps) / r_s)``) and the field of regard's (the
    half-cone ``eta``: ``lam = asin(r_s sin(eta) / r_t) - eta``, or the horizon's when the
    cone reaches past it); the cap covers ``(1 - cos lam) / 2`` of the sphere, which is the
    fraction of a region's points a satellite sees on average over its orbit.

    Parameters
    ----------
    semi_major_axis_km : array_like
        Satellite orbit radii (km); eccentric orbits are taken at their semi-major axis.
    sensors : list of Sensor
        Sensor types (``min_elevation_deg``, ``field_of_regard_deg``).
    sensor_index : array_like of int
        Each satellite's sensor type.
    target_altitude_km : float
        Altitude of the region's points.

    Returns
    -------
    float
        Mean cap fraction in [0, 1].
    """
    r_t = 6371.0 + float(target_altitude_km)
    fracs = []
    for a, k in zip(semi_major_axis_km, sensor_index):
        s = sensors[int(k)] if 0 <= int(k) < len(sensors) else sensors[0]
        r_s = max(float(a), r_t + 1.0)
        eps = math.radians(s.min_elevation_deg)
        lam = math.pi / 2 - eps - math.asin(min(1.0, r_t * math.cos(eps) / r_s))
        if s.field_of_regard_deg is not None:
            eta = math.radians(min(s.field_of_regard_deg, 360.0)) / 2
            x = r_s * math.sin(min(eta, math.pi / 2)) / r_t
            if x < 1.0:
                lam = min(lam, math.asin(x) - eta)
        fracs.append((1 - math.cos(max(lam, 0.0))) / 2)
    return float(sum(fracs) / len(fracs)) if fracs else 0.0


def run_work(scenario: Scenario, satellites, sensors) -> dict:
    """The keyword arguments of :func:`estimate_run` that describe a scenario's work.

    Parameters
    ----------
    scenario : Scenario
    satellites : SatelliteSet
        Built satellites (``elements()`` gives their radii and sensor index).
    sensors : list of Sensor
        Built sensor types.

    Returns
    -------
    dict
        ``visible_fraction``, ``propagator``, ``is_points``, ``track_samples``,
        ``accesses``, ``monte_carlo``, ``availability``.
    """
    el = satellites.elements()
    vis = visible_fraction(el["semi_major_axis_km"], sensors, el["sensor_index"],
                           scenario.region.altitude_km or 0.0)
    samples = 0.0
    if scenario.threat:
        from hgv_models.threats import great_circle_distance_km
        step = float(scenario.output.track_step_s)
        for _, threat, _ in scenario.build_threats():
            km = great_circle_distance_km(threat.launch_lat_deg, threat.launch_lon_deg,
                                          threat.aim_lat_deg, threat.aim_lon_deg)
            samples += (_BOOST_S + km / _HGV_KM_S) / step
    if scenario.threat_ensemble:  # every flight of every [[threat_ensemble]] is tracked
        import numpy as np
        from hgv_models.threats import great_circle_distance_km

        from ..ensemble import scenario_flights
        step = float(scenario.output.track_step_s)
        for _spec, fl in scenario_flights(scenario):
            km = great_circle_distance_km(np.array([f.launch_lat_deg for f in fl]),
                                          np.array([f.launch_lon_deg for f in fl]),
                                          np.array([f.aim_lat_deg for f in fl]),
                                          np.array([f.aim_lon_deg for f in fl]))
            samples += float(np.sum((_BOOST_S + km / _HGV_KM_S) / step))
    return {"visible_fraction": vis, "propagator": scenario.time.propagator,
            "is_points": scenario.region.kind == "points", "track_samples": samples,
            "accesses": bool(scenario.output.accesses),
            "monte_carlo": int(scenario.output.monte_carlo or 0),
            "availability": scenario.analysis.satellite_availability is not None,
            "worst_case_runs": int(getattr(scenario.analysis, "worst_case_losses", 0) or 0)
            if scenario.region.kind != "points" else 0}


def time_limit_s() -> float:
    """The time-estimate limit (s): ``HGVCOV_TIME_LIMIT_S`` or :data:`DEFAULT_TIME_LIMIT_S`."""
    env = os.environ.get("HGVCOV_TIME_LIMIT_S")
    if not env:
        return DEFAULT_TIME_LIMIT_S
    try:
        value = float(env)
    except ValueError:
        value = float("nan")
    if not value > 0:
        raise RunRefused(f"HGVCOV_TIME_LIMIT_S={env!r}: expected a number of seconds > 0")
    return value


def refuse_if_too_slow(est: dict, scenario: Scenario, limit_s: Optional[float] = None) -> dict:
    """``est`` with ``time_limit_s`` added; :class:`RunRefused` if its time is over the limit.

    Parameters
    ----------
    est : dict
        From :func:`estimate_run`.
    scenario : Scenario
        For the suggestions (its time step, grid step, duration).
    limit_s : float, optional
        Limit (s); None: :func:`time_limit_s`; ``inf``: accept any run.

    Raises
    ------
    RunRefused
        One message: the estimate, the limit, how to accept anyway, and what to change
        (a coarser ``time.step_s``, a coarser ``region.step_deg``, a shorter
        ``time.duration_s``, fewer satellites) with the values that would fit.
    """
    limit = time_limit_s() if limit_s is None else float(limit_s)
    est["time_limit_s"] = limit
    if est["time_s"] <= limit:
        return est
    hints = _time_hints(est, scenario, limit)
    raise RunRefused(
        f"this run would take about {fmt_duration(est['time_s'])} (estimate after JIT "
        f"compilation: {est['n_point']:,} points x {est['n_sat']:,} satellites x "
        f"{est['n_time']:,} time steps), over the limit of {fmt_duration(limit)}; try "
        + "; or ".join(hints)
        + f"; or accept it with --yes or a higher limit (--max-time {_limit_arg(est['time_s'])}"
        " or HGVCOV_TIME_LIMIT_S)")


def _limit_arg(seconds: float) -> str:
    """A ``--max-time`` value at least ``seconds``: ``"45min"``, ``"7h"``, ``"3d"``."""
    if seconds <= 3600:
        return f"{math.ceil(seconds / 60)}min"
    if seconds <= 4 * 86400:
        return f"{math.ceil(seconds / 3600)}h"
    return f"{math.ceil(seconds / 86400)}d"


def _time_hints(est: dict, scenario: Scenario, limit: float) -> list[str]:
    """What to change so that the time estimate fits ``limit``: each suggestion alone,
    with the value found by re-evaluating the model (rounded to two significant digits)."""
    model = est["time_model"]

    def fits(**change) -> bool:
        return sum(_time_parts(**{**model, **change}).values()) <= limit

    t = scenario.time
    n_time = int(est["n_time"])
    duration = t.step_s * n_time
    hints = []
    step = _search(t.step_s, up=True,
                   fits=lambda x: fits(n_time=max(1, int(duration // x))))
    if step is not None:
        hints.append(f"a coarser time step (time.step_s = {step:g} instead of {t.step_s:g})")
    r = scenario.region
    if r.kind != "points" and r.step_deg is not None:
        (la0, la1), (lo0, lo1) = scenario.box()

        def n_point(x):
            return ((int(math.floor((la1 - la0) / x + 1e-9)) + 1)
                    * (int(math.floor((lo1 - lo0) / x + 1e-9)) + 1))
        deg = next((x for x in _coarser_steps(r.step_deg, la1 - la0, lo1 - lo0,
                                              whole=r.kind == "box")
                    if fits(n_point=n_point(x))), None)
        if deg is not None:
            hints.append(f"a coarser grid (region.step_deg = {deg:g} instead of "
                         f"{r.step_deg:g})")
    dur = _search(duration, up=False,
                  fits=lambda x: x >= t.step_s and fits(n_time=max(1, int(x // t.step_s))))
    if dur is not None:
        hints.append(f"a shorter run (time.duration_s = {dur:.0f} instead of {duration:.0f})")
    n_sat = int(est["n_sat"])
    sats = _search(n_sat, up=False, fits=lambda x: x >= 1 and fits(n_sat=int(x)))
    if sats is not None and int(sats) >= 1:
        hints.append(f"fewer satellites (at most about {int(sats):,} instead of {n_sat:,})")
    if not hints:
        hints.append("fewer threats, a larger output.track_step_s, or --no-maps")
    return hints


def _coarser_steps(step: float, lat_span: float, lon_span: float, whole: bool):
    """Grid steps coarser than ``step``, finest first; ``whole``: only steps that divide
    both spans into whole steps (a box region's rule), values of at most 3 decimals first.
    """
    if not whole:   # a polygon's box is rounded to the step: any step will do
        x = step
        while x < 360:
            x = _round_up(x * 1.05)
            yield x
        return
    n_max = int(round(lat_span / step)) if lat_span > 0 else int(round(lon_span / step))
    span = lat_span if lat_span > 0 else lon_span
    valid = []
    for n in range(n_max - 1, 0, -1):
        x = round(span / n, 6)
        if x <= step:
            continue
        if all(abs(sp / x - round(sp / x)) <= 1e-6 for sp in (lat_span, lon_span)):
            valid.append(x)
    nice = [x for x in valid if abs(round(x, 3) - x) < 1e-9]
    yield from nice
    yield from (x for x in valid if x not in nice)


def _search(x0: float, up: bool, fits) -> Optional[float]:
    """The value nearest ``x0`` (larger if ``up``, else smaller; two significant digits)
    for which ``fits(value)``; None when none within a factor 1e6."""
    x = float(x0)
    for _ in range(400):
        x = x * 1.05 if up else x / 1.05
        if up and x > x0 * 1e6 or not up and x < x0 * 1e-6:
            return None
        v = _round_up(x) if up else _round_down(x)
        if v != x0 and fits(v):
            return v
    return None


def _round_up(x: float) -> float:
    """``x`` rounded up to two significant digits (a value that still fits)."""
    if x <= 0:
        return x
    e = 10 ** (math.floor(math.log10(x)) - 1)
    return math.ceil(x / e - 1e-9) * e


def _round_down(x: float) -> float:
    """``x`` rounded down to two significant digits."""
    if x <= 0:
        return x
    e = 10 ** (math.floor(math.log10(x)) - 1)
    return math.floor(x / e + 1e-9) * e


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
