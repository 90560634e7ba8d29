"""The ``hgvcov run`` pipeline: scenario -> coverage.nc, summary.json, tracks.csv, maps.

Stages (each timed; the times go to ``summary.json["timings"]``):

1. **build** - satellites (all shells, with each shell's sensor index), the time grid, the
   sensor types, the region (box grid, polygon mask or point list).
2. **estimate** - memory and run time from the problem size *before* anything big is
   allocated; a run whose estimate exceeds the memory available is refused
   (:class:`RunRefused`, exit code 2) with the estimate and what to change.
3. **coverage** - :func:`constellation.coverage.grid_coverage` (or ``point_coverage``),
   which propagates in time chunks and streams the metrics.
4. **threats** - each ``[[threat]]`` flown by :func:`hgv_models.threats.fly_threat` and
   scored by :func:`constellation.tracks.track_coverage` against the same satellites, with
   the ground-radar-only warning time from ``hgv_models.radar.JAPAN_RADAR_SITES``.
5. **accesses / Monte Carlo** (optional).
6. **write** - every file is staged in a hidden folder inside ``out_dir`` and renamed into
   place only when all of them were written (:class:`hgvcov.outputs.OutputTransaction`):
   a failed or interrupted run leaves an earlier run's files untouched.
"""
from __future__ import annotations

import json
import math
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import numpy as np

from .outputs import OutputTransaction, check_output_dir
from .progress import NullProgress, Progress
from .scenario import Scenario

__all__ = ["RunRefused", "run_scenario", "estimate_run", "available_memory_bytes",
           "package_version"]

#: Fraction of the available memory a run may plan to use.
MEMORY_HEADROOM = 0.8
#: Output variables per grid point held in memory by the coverage engine and the writer
#: (the DESIGN.md variables plus accumulators), float64.
_OUTPUT_VARS_PER_POINT = 24


class RunRefused(ValueError):
    """The run would not fit (memory) - refused before allocating; exit code 2."""


def package_version() -> str:
    """Installed version of hgv-coverage."""
    try:
        from importlib.metadata import version
        return version("hgv-coverage")
    except Exception:  # pragma: no cover - not installed
        return "0+unknown"


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
        import psutil  # optional
        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8 * 2**30


def _fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def _fmt_s(s: float) -> str:
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


# Planning constants for the up-front time estimate (steady state, JIT compile excluded),
# from `hgvcov bench --quick` on a shared 2-core machine: coverage of 300 satellites x
# 12,221 points x 240 steps (8.8e8 triples) in 1.1 s, of 301,101 points (2.2e10 triples)
# in 20.5 s, i.e. ~1-1.5 ns per (time, satellite, point) triple (the engine is
# output-sensitive: ~3 % of triples reach the exact test); propagation ~1.25e-5 s per
# satellite-sample; plus a fixed ~1 s of set-up and output; maps ~8-15 s.
_SECONDS_PER_TRIPLE = 1.5e-9
_SECONDS_FIXED = 1.0
_SECONDS_PER_SAT_STEP = 1.25e-5
_SECONDS_PER_THREAT = 1.0
_SECONDS_MAPS = 10.0


def estimate_run(n_sat: int, n_point: int, n_time: int, chunk_steps: Optional[int] = None,
                 n_threat: int = 0, maps: bool = False, n_lon: Optional[int] = None) -> dict:
    """Memory (bytes) and time (s) estimates for a run of this size.

    Memory: ``coverage.estimate_memory_bytes`` (ephemeris chunk, per-point accumulators) plus
    the output data set (``_OUTPUT_VARS_PER_POINT`` float64 per point) and a fixed 250 MiB
    for the interpreter, numba and map drawing.  Time: a linear model in
    ``n_time * n_sat * n_point`` (coverage) and ``n_time * n_sat`` (propagation); it is a
    planning figure (factor ~3), not a promise. ``n_lon``: points per grid row (None: the
    worst case, one row of ``n_point``).
    """
    outputs = n_point * _OUTPUT_VARS_PER_POINT * 8   # the written copy of the data set
    try:
        from constellation.coverage import estimate_memory_bytes
        engine = int(estimate_memory_bytes(n_sat, n_point, n_time, chunk_steps, n_lon=n_lon))
    except ImportError:  # coverage engine not installed: conservative stand-in
        steps = chunk_steps or max(1, min(n_time, (1 << 16) // max(1, n_sat)))
        engine = steps * n_sat * 3 * 8 * 2 + n_point * 16 * 8
    base = 250 * 2**20
    mem = engine + outputs + base
    t = (_SECONDS_FIXED + n_time * n_sat * n_point * _SECONDS_PER_TRIPLE
         + n_time * n_sat * _SECONDS_PER_SAT_STEP + _SECONDS_PER_THREAT * n_threat
         + (_SECONDS_MAPS if maps else 0.0))
    return {"memory_bytes": int(mem), "engine_bytes": engine, "output_bytes": outputs,
            "time_s": float(t), "n_sat": n_sat, "n_point": n_point, "n_time": n_time}


def _refuse_if_too_big(est: dict, scenario: Scenario) -> dict:
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
        f"this run needs about {_fmt_bytes(est['memory_bytes'])} of memory "
        f"({est['n_point']:,} grid points x {est['n_sat']:,} satellites, "
        f"{est['n_time']:,} time steps; est. run time {_fmt_s(est['time_s'])}) but only "
        f"{_fmt_bytes(avail)} is available (limit {MEMORY_HEADROOM:.0%} of it); try "
        + "; or ".join(hints))


def _n_point(scenario: Scenario) -> int:
    r = scenario.region
    if r.kind == "points":
        return len(r.points) if isinstance(r.points, list) else -1
    n_lat, n_lon = _n_lat_lon(scenario)
    return n_lat * n_lon


def _n_lat_lon(scenario: Scenario) -> tuple:
    """Rows and points per row of a grid region (from the box; a polygon's bounds are cheap to read)."""
    (la0, la1), (lo0, lo1) = scenario.box()
    s = scenario.region.step_deg
    return int(math.floor((la1 - la0) / s + 1e-9)) + 1, int(math.floor((lo1 - lo0) / s + 1e-9)) + 1


def _jsonable(x: Any) -> Any:
    """Make numpy scalars/arrays, datetimes and NaN JSON-safe (NaN -> None)."""
    from datetime import datetime
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_jsonable(v) for v in x.tolist()]
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return v if math.isfinite(v) else None
    if isinstance(x, datetime):
        return x.isoformat().replace("+00:00", "Z")
    if isinstance(x, Path):
        return str(x)
    if hasattr(x, "isoformat"):
        return x.isoformat()
    return x


def _nc_attr(v: Any) -> Any:
    """NetCDF-safe attribute value."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float, str, np.integer, np.floating)):
        return v
    if isinstance(v, (list, tuple)) and all(isinstance(e, (int, float)) for e in v):
        return np.asarray(v, dtype=np.float64)
    return json.dumps(_jsonable(v))


def _sensor_summary(sensor) -> str:
    s = getattr(sensor, "summary", None)
    return s() if callable(s) else repr(sensor)


def run_scenario(scenario: Scenario, out_dir, maps: bool = True,
                 progress: Optional[Progress] = None, json_mode: bool = False) -> dict:
    """Run a validated scenario and write its outputs to ``out_dir``.

    Parameters
    ----------
    scenario : Scenario
        From :func:`hgvcov.scenario.load_scenario` / ``default_scenario()``.
    out_dir : path
        Output folder (created).  Files: ``coverage.nc``, ``summary.json``, and when they
        apply ``tracks.csv``, ``accesses.csv``, ``montecarlo.csv``, ``map_*.png``,
        ``timeline_*.png``.
    maps : bool
        False skips the PNGs (as does ``[output] maps = false``).
    progress : Progress, optional
        Progress reporter (:mod:`hgvcov.progress`); None = silent.
    json_mode : bool
        Accepted for the CLI's ``--json``; the pipeline never prints either way.

    Returns
    -------
    dict
        The contents of ``summary.json``.

    Raises
    ------
    RunRefused
        The estimate does not fit in memory (nothing was allocated or written).
    ScenarioError
        Input files referenced by the scenario are unusable.
    """
    progress = progress or NullProgress()
    t_total = time.perf_counter()
    check_output_dir(out_dir)  # refuse an unusable -o DIR now, not after the computation
    stages: dict[str, float] = {}
    maps = bool(maps and scenario.output.maps)

    @contextmanager
    def timed(name):
        """Time a stage into ``stages[name]`` and show it as a progress task."""
        t0 = time.perf_counter()
        task = progress.task(name, None)
        try:
            yield task
        finally:
            stages[name] = time.perf_counter() - t0
            task.close()

    # 1. build --------------------------------------------------------------------------
    with timed("build satellites"):
        sats = scenario.build_satellites()
        tg = scenario.build_time_grid()
        sensors = scenario.build_sensors()

    # 2. estimate (before the grid or any result array is allocated) -----------------
    n_point = _n_point(scenario)
    est = None
    if n_point >= 0:
        n_lon = None if scenario.region.kind == "points" else _n_lat_lon(scenario)[1]
        est = _refuse_if_too_big(estimate_run(len(sats), n_point, tg.count,
                                              n_threat=len(scenario.threat), maps=maps, n_lon=n_lon),
                                 scenario)
    with timed("build region"):
        grid = scenario.build_grid()
        polygon = scenario.build_polygon() if scenario.region.kind == "polygon" else None
        mask = scenario.build_polygon_mask(grid, polygon) if polygon is not None else None
    is_points = scenario.region.kind == "points"
    if est is None:
        est = _refuse_if_too_big(estimate_run(len(sats), len(grid) if is_points
                                              else grid.n_point, tg.count,
                                              n_threat=len(scenario.threat), maps=maps,
                                              n_lon=None if is_points else grid.shape[1]),
                                 scenario)
    progress.message(f"estimate: {_fmt_bytes(est['memory_bytes'])} of memory "
                     f"({_fmt_bytes(est['available_bytes'])} available), about "
                     f"{_fmt_s(est['time_s'])} after JIT compilation")

    # 3. coverage ------------------------------------------------------------------------
    from constellation import coverage as cov
    propagator = scenario.time.propagator
    t0 = time.perf_counter()
    task = progress.task("coverage", None)
    kernel = cov.point_coverage if is_points else cov.grid_coverage
    res = kernel(sats, tg, grid, sensors, propagator=propagator, progress=task,
                 target_intensity_w_sr=scenario.region.target_intensity_w_sr,
                 name=scenario.name, constellation_summary=scenario.constellation_summary())
    task.close()
    stages["coverage (incl. propagation)"] = time.perf_counter() - t0
    ds = res.dataset
    # statistics over the polygon's inside, before the outside is set to NaN for the maps
    stats = cov.region_statistics(ds, mask=mask)
    if mask is not None:
        import xarray as xr
        inside = xr.DataArray(mask, dims=("lat", "lon"))
        for v in list(ds.data_vars):
            if set(ds[v].dims) == {"lat", "lon"} and ds[v].dtype.kind == "f":
                ds[v] = ds[v].where(inside)
        ds["region_mask"] = inside.astype(np.int8)
        ds["region_mask"].attrs.update(long_name="inside the region polygon",
                                       flag_values=np.array([0, 1], dtype=np.int8),
                                       flag_meanings="outside inside")
    cov_timings = dict(getattr(res, "timings", {}) or {})
    failed = [{"name": n, "code": int(c), "message": m}
              for n, c, m in (getattr(res, "failed", None) or [])]

    # 4. threats -------------------------------------------------------------------------
    tracks = None
    trajectories: list = []
    per_threat: dict = {}
    threat_objs = []
    radar_sites = None
    if scenario.threat:
        t0 = time.perf_counter()
        task = progress.task("fly threats", len(scenario.threat))
        from hgv_models.threats import fly_threat
        try:
            from hgv_models.radar import JAPAN_RADAR_SITES as radar_sites
        except ImportError:  # pragma: no cover - radar model missing
            radar_sites = None
        trajectories = []
        try:
            from hgv_models.flight import ThreatUnreachableError
        except ImportError:  # pragma: no cover
            ThreatUnreachableError = ()
        for k, (name, threat, offset) in enumerate(scenario.build_threats()):
            try:
                traj = fly_threat(threat, sample_step_s=scenario.output.track_step_s)
            except ThreatUnreachableError as exc:  # the user's launch/aim/vehicle: input
                raise scenario._error(f"threat[{k}]", name, f"a threat the vehicle can fly "
                                      f"({exc})") from exc
            trajectories.append((name, traj, offset))
            threat_objs.append(threat)
            task(k + 1)
        task.close()
        stages["fly threats"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with timed("track coverage"):
            from constellation.tracks import track_coverage
            tr = track_coverage(sats, trajectories, sensors, scenario.time.start,
                                propagator=propagator, radar_sites=radar_sites)
        tracks, per_threat = tr.tracks, dict(tr.per_threat)

    accesses = None
    if scenario.output.accesses:
        with timed("access intervals"):
            from constellation.access import access_intervals
            accesses = access_intervals(
                sats, grid, tg, sensors, propagator,
                target_intensity_w_sr=scenario.region.target_intensity_w_sr)

    montecarlo = None
    mc_summary = None
    if scenario.output.monte_carlo and scenario.threat:
        with timed("monte carlo"):
            from constellation.tracks import monte_carlo
            montecarlo = monte_carlo(sats, [(n, tj) for n, tj, _ in trajectories], sensors,
                                     scenario.time.start,
                                     n_launch_times=scenario.output.monte_carlo,
                                     window_s=scenario.time.duration_s,
                                     propagator=propagator, radar_sites=radar_sites,
                                     sample_step_s=scenario.output.track_step_s)
            try:
                from constellation.tracks import monte_carlo_summary
                mc_summary = monte_carlo_summary(montecarlo, as_dict=True)
            except ImportError:  # pragma: no cover - older tracks module
                mc_summary = None

    # 5. write (staged, renamed together at the end) -------------------------------------
    from datetime import datetime, timezone
    version = package_version()
    attrs = {
        "title": scenario.name,
        "scenario": scenario.name,
        "description": scenario.description,
        "source_file": scenario.source or "",
        "start_utc": tg.iso(0),
        "stop_utc": tg.iso(tg.count - 1),
        "step_s": float(scenario.time.step_s),
        "duration_s": float(scenario.time.duration_s),
        "n_time": int(tg.count),
        "propagator": propagator,
        "constellation": scenario.constellation_summary(),
        "n_satellites": int(len(sats)),
        "sensor": "; ".join(_sensor_summary(s) for s in sensors),
        "altitude_km": float(scenario.region.altitude_km),
        "region_kind": scenario.region.kind,
        "region_polygon": str(scenario.resolve(scenario.region.polygon))
        if scenario.region.polygon else "",
        "hgv_coverage_version": version,
        "history": f"{datetime.now(timezone.utc).isoformat(timespec='seconds')} hgvcov run",
        "Conventions": "CF-1.8",
    }
    for k, v in attrs.items():  # the engine's own attributes win; ours fill the gaps
        if k not in ds.attrs or k in ("history", "source_file"):
            ds.attrs[k] = _nc_attr(v)

    t_write = time.perf_counter()
    with OutputTransaction(out_dir) as tx:
        with timed("write coverage.nc"):
            ds.to_netcdf(tx.path("coverage.nc"))
        if tracks is not None:
            tracks.to_csv(tx.path("tracks.csv"), index=False, float_format="%.6g")
        if accesses is not None:
            accesses.to_csv(tx.path("accesses.csv"), index=False)
        if montecarlo is not None:
            montecarlo.to_csv(tx.path("montecarlo.csv"), index=False)
        map_files: list[str] = []
        if maps:
            with timed("maps"):
                from hgvcov.plots import write_maps
                written = write_maps(tx.staging, ds, scenario.name, tracks=tracks,
                                     per_threat=per_threat, radar_sites=radar_sites,
                                     threats=threat_objs or None, polygon=polygon)
                for p in written:
                    tx.path(Path(p).name)
                    map_files.append(Path(p).name)
        stages["write"] = time.perf_counter() - t_write
        total = time.perf_counter() - t_total
        prop_s = float(cov_timings.get("propagation_s", 0.0))
        coverage_s = float(cov_timings.get("coverage_s",
                                           stages["coverage (incl. propagation)"] - prop_s))
        timings = {
            "propagation_s": prop_s,
            "coverage_s": coverage_s,
            "tracks_s": stages.get("fly threats", 0.0) + stages.get("track coverage", 0.0),
            "maps_s": stages.get("maps", 0.0),
            "accesses_s": stages.get("access intervals", 0.0),
            "monte_carlo_s": stages.get("monte carlo", 0.0),
            "write_s": stages["write"],
            "total_s": total,
            "engine": cov_timings,
            "stages": dict(stages),
        }
        summary = {
            "scenario": scenario.name,
            "description": scenario.description,
            "source_file": scenario.source,
            "hgv_coverage_version": version,
            "time": {"start_utc": tg.iso(0), "stop_utc": tg.iso(tg.count - 1),
                     "step_s": scenario.time.step_s, "duration_s": scenario.time.duration_s,
                     "n_time": tg.count, "propagator": propagator},
            "constellation": {"summary": scenario.constellation_summary(),
                              "n_satellites": len(sats), "failed": failed},
            "sensors": {n: (s.to_dict() if hasattr(s, "to_dict") else repr(s))
                        for n, s in zip(scenario.sensor_names(), sensors)},
            "region": {"kind": scenario.region.kind,
                       "n_point": int(len(grid) if is_points else grid.n_point),
                       "altitude_km": scenario.region.altitude_km,
                       "lat_deg": None if is_points else list(scenario.box()[0]),
                       "lon_deg": None if is_points else list(scenario.box()[1]),
                       "step_deg": scenario.region.step_deg,
                       "polygon": scenario.region.polygon,
                       "n_inside": int(mask.sum()) if mask is not None else None},
            "region_statistics": stats,
            "per_threat": per_threat,
            "monte_carlo": mc_summary,
            "estimate": {"memory_bytes": est["memory_bytes"],
                         "available_bytes": est["available_bytes"],
                         "time_s": est["time_s"]},
            "timings": timings,
            "files": sorted(set(tx.names) | {"summary.json"}),
            "scenario_input": scenario.data,   # the validated TOML, for reproducibility
        }
        summary = _jsonable(summary)
        tx.path("summary.json").write_text(json.dumps(summary, indent=2) + "\n",
                                           encoding="utf-8")
    summary["out_dir"] = str(Path(out_dir).resolve())
    return summary
