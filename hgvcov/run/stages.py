"""The stages of ``hgvcov run``, one function each, called in order by
:func:`hgvcov.run.pipeline.run_scenario`.

build (:func:`build_inputs`, :func:`build_region`) -> estimate (:func:`estimate_memory`)
-> coverage (:func:`compute_coverage`) -> tracks (:func:`score_threats`,
:func:`compute_accesses`, :func:`compute_monte_carlo`) -> ground tracks
(:func:`compute_ground_tracks`) -> outputs (:func:`write_data_files`, then
:func:`write_exports` in the same transaction) -> figures (:func:`write_figures`).

Each stage is timed by a :class:`StageClock` under the name shown as its progress task;
those names are the keys of ``summary.json["timings"]["stages"]``.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

import numpy as np
import pandas as pd
import xarray as xr

from constellation import (access_intervals, grid_coverage, monte_carlo, monte_carlo_summary,
                           point_coverage, region_statistics, track_coverage)
from hgv_models.flight import ThreatUnreachableError
from hgv_models.radar import JAPAN_RADAR_SITES
from hgv_models.threats import fly_threat

from ..csvformat import ACCESS_DECIMALS, TRACK_DECIMALS, write_csv
from ..exports.ground_tracks import ground_tracks, orbit_period_s, satellite_positions
from ..outputs import OutputTransaction
from ..progress import Progress, Task
from ..scenario import Scenario
from .estimate import (estimate_run, fmt_bytes, fmt_duration, kernels_cached, refuse_if_too_big,
                       refuse_if_too_slow, region_size, run_work)

__all__ = ["StageClock", "Inputs", "Region", "Coverage", "Threats", "build_inputs",
           "build_region", "estimate_memory", "report_estimate", "compute_coverage",
           "score_threats", "compute_accesses", "compute_monte_carlo", "compute_ensembles", "Ensembles", "compute_ground_tracks",
           "write_data_files", "write_exports", "write_figures", "RADAR_TARGET_ALTITUDE_KM"]

#: Target altitude (km) of the radar horizons in tracks.kml when the region is at ground
#: level: the HGV glide layer, as on the maps.
RADAR_TARGET_ALTITUDE_KM = 40.0


class StageClock:
    """Times named stages into :attr:`seconds` and shows each as a progress task.

    Parameters
    ----------
    progress : Progress
        Where the tasks are drawn.
    """

    def __init__(self, progress: Progress):
        self.progress = progress
        self.seconds: dict[str, float] = {}

    @contextmanager
    def timed(self, name: str, total: Optional[float] = None,
              key: Optional[str] = None) -> Iterator[Task]:
        """Time a stage into ``seconds[key or name]``; yields its progress task."""
        t0 = time.perf_counter()
        task = self.progress.task(name, total)
        try:
            yield task
        finally:
            self.seconds[key or name] = time.perf_counter() - t0
            task.close()


@dataclass
class Inputs:
    """What every later stage runs on."""

    satellites: Any
    time_grid: Any
    sensors: list


@dataclass
class Region:
    """The built region: a grid (with the polygon and its mask) or a point set."""

    grid: Any
    is_points: bool
    polygon: Any = None
    mask: Optional[np.ndarray] = None

    @property
    def n_point(self) -> int:
        """Number of grid points or named points."""
        return int(len(self.grid) if self.is_points else self.grid.n_point)


@dataclass
class Coverage:
    """The coverage data set (outside a polygon set to NaN) and its region statistics."""

    dataset: xr.Dataset
    statistics: dict
    engine_timings: dict
    failed: list


@dataclass
class Threats:
    """Flown threats and how the constellation tracks them (empty without ``[[threat]]``)."""

    tracks: Any = None
    trajectories: list = field(default_factory=list)
    per_threat: dict = field(default_factory=dict)
    threats: list = field(default_factory=list)
    radar_sites: Any = None


def build_inputs(scenario: Scenario, clock: StageClock) -> Inputs:
    """Stage *build*: satellites of every shell, the time grid and the sensor types."""
    with clock.timed("build satellites"):
        return Inputs(scenario.build_satellites(), scenario.build_time_grid(),
                      scenario.build_sensors())


def build_region(scenario: Scenario, clock: StageClock) -> Region:
    """Stage *build*: the box grid, the polygon and its mask, or the point list."""
    with clock.timed("build region"):
        grid = scenario.build_grid()
        polygon = scenario.build_polygon() if scenario.region.kind == "polygon" else None
        mask = scenario.build_polygon_mask(grid, polygon) if polygon is not None else None
        return Region(grid, scenario.region.kind == "points", polygon, mask)


def estimate_memory(scenario: Scenario, inputs: Inputs, maps: bool,
                    region: Optional[Region] = None,
                    time_limit_s: Optional[float] = None) -> Optional[dict]:
    """Stage *estimate*: refuse (:class:`~hgvcov.run.estimate.RunRefused`) a run too big
    for memory or estimated to take longer than ``time_limit_s``, before the region or any
    result array is allocated.

    Without ``region`` the size is read from the scenario; None when only the built region
    knows it (a CSV point list): call again with the region.  ``time_limit_s`` None: no
    time limit (sweep cases; ``hgvcov run`` passes one).
    """
    if region is None:
        n_point, n_lon = region_size(scenario)
        if n_point < 0:
            return None
    else:
        n_point, n_lon = region.n_point, None if region.is_points else region.grid.shape[1]
    est = estimate_run(len(inputs.satellites), n_point, inputs.time_grid.count,
                       n_threat=len(scenario.threat), maps=maps, n_lon=n_lon,
                       **run_work(scenario, inputs.satellites, inputs.sensors))
    est = refuse_if_too_big(est, scenario)
    return refuse_if_too_slow(est, scenario,
                              float("inf") if time_limit_s is None else time_limit_s)


def report_estimate(progress: Progress, est: dict) -> None:
    """Show the estimate as a progress message, and say so when the kernels must compile."""
    progress.message(f"estimate: {fmt_bytes(est['memory_bytes'])} of memory "
                     f"({fmt_bytes(est['available_bytes'])} available), about "
                     f"{fmt_duration(est['time_s'])} after JIT compilation")
    if not kernels_cached(points=est.get("is_points", False)):
        progress.message("compiling the numba kernels (first run of this installation: one "
                         "time, about a minute; later runs load them from the cache; "
                         "`hgvcov warmup` compiles all of them ahead of time)")


def compute_coverage(scenario: Scenario, inputs: Inputs, region: Region,
                     clock: StageClock) -> Coverage:
    """Stage *coverage*: the engine's grid or point coverage (propagation included).

    Region statistics are taken over the polygon's inside, then the outside is set to NaN
    in the data set (for the maps) and a ``region_mask`` variable is added.
    """
    kernel = point_coverage if region.is_points else grid_coverage
    # per-satellite value (hgvcov.run.satvalue): streamed by the grid kernel
    extra = {} if region.is_points else {"satellite_value": bool(scenario.analysis.satellite_value)}
    with clock.timed("coverage", key="coverage (incl. propagation)") as task:
        res = kernel(inputs.satellites, inputs.time_grid, region.grid, inputs.sensors,
                     propagator=scenario.time.propagator, progress=task,
                     target_intensity_w_sr=scenario.region.target_intensity_w_sr,
                     name=scenario.name, constellation_summary=scenario.constellation_summary(),
                     mask=region.mask, satellite_availability=scenario.analysis.satellite_availability,
                     **extra)
    ds = res.dataset
    stats = region_statistics(ds, mask=region.mask)
    if region.mask is not None:
        _mask_outside(ds, region.mask)
    failed = [{"name": n, "code": int(c), "message": m} for n, c, m in (res.failed or [])]
    return Coverage(ds, stats, dict(res.timings or {}), failed)


def _mask_outside(ds: xr.Dataset, mask: np.ndarray) -> None:
    """Set every float map variable to NaN outside the polygon; add ``region_mask``."""
    inside = xr.DataArray(mask, dims=("lat", "lon"))
    for v in list(ds.data_vars):
        if set(ds[v].dims) == {"lat", "lon"} and ds[v].dtype.kind == "f":
            ds[v] = ds[v].where(inside)
    ds["region_mask"] = inside.astype(np.int8)
    ds["region_mask"].attrs.update(long_name="inside the region polygon",
                                   flag_values=np.array([0, 1], dtype=np.int8),
                                   flag_meanings="outside inside")


def score_threats(scenario: Scenario, inputs: Inputs, clock: StageClock) -> Threats:
    """Stage *tracks*: fly each ``[[threat]]`` and score custody and stereo along it.

    Also the ground-radar-only warning time from ``JAPAN_RADAR_SITES``.  A threat the
    vehicle cannot fly is the user's input: a ScenarioError naming ``threat[k]``.
    """
    if not scenario.threat:
        return Threats()
    out = Threats(radar_sites=JAPAN_RADAR_SITES)
    with clock.timed("fly threats", total=len(scenario.threat)) as task:
        for k, (name, threat, offset) in enumerate(scenario.build_threats()):
            try:
                traj = fly_threat(threat, sample_step_s=scenario.output.track_step_s)
            except ThreatUnreachableError as exc:
                raise scenario.input_error(f"threat[{k}]", name, f"a threat the vehicle can "
                                           f"fly ({exc})") from exc
            out.trajectories.append((name, traj, offset))
            out.threats.append(threat)
            task(k + 1)
    with clock.timed("track coverage"):
        tr = track_coverage(inputs.satellites, out.trajectories, inputs.sensors,
                            scenario.time.start, propagator=scenario.time.propagator,
                            radar_sites=out.radar_sites)
    out.tracks, out.per_threat = tr.tracks, dict(tr.per_threat)
    return out


def compute_accesses(scenario: Scenario, inputs: Inputs, region: Region,
                     clock: StageClock):
    """Stage *tracks* (optional): access intervals of each point (``output.accesses``)."""
    if not scenario.output.accesses:
        return None
    with clock.timed("access intervals"):
        return access_intervals(inputs.satellites, region.grid, inputs.time_grid, inputs.sensors,
                                scenario.time.propagator,
                                target_intensity_w_sr=scenario.region.target_intensity_w_sr)


def compute_monte_carlo(scenario: Scenario, inputs: Inputs, threats: Threats,
                        clock: StageClock) -> tuple[Any, Optional[dict]]:
    """Stage *tracks* (optional): ``output.monte_carlo`` launch times per threat.

    Returns the table and its summary, or ``(None, None)`` when off or without threats.
    """
    if not (scenario.output.monte_carlo and scenario.threat):
        return None, None
    with clock.timed("monte carlo"):
        table = monte_carlo(inputs.satellites, [(n, tj) for n, tj, _ in threats.trajectories],
                            inputs.sensors, scenario.time.start,
                            n_launch_times=scenario.output.monte_carlo,
                            window_s=scenario.time.duration_s,
                            propagator=scenario.time.propagator, radar_sites=threats.radar_sites,
                            sample_step_s=scenario.output.track_step_s)
        return table, monte_carlo_summary(table, as_dict=True)


@dataclass
class Ensembles:
    """Every ``[[threat_ensemble]]`` flown: the ``ensemble.csv`` table (one row per
    flight), ``summary.json["ensembles"]`` and each ensemble's out-of-custody corridor."""

    table: Any
    summary: dict
    corridors: dict


def compute_ensembles(scenario: Scenario, inputs: Inputs, clock: StageClock,
                      region: Optional[Region] = None, coverage: Optional[Coverage] = None
                      ) -> Optional[Ensembles]:
    """Stage *ensembles*: fly and track every ``[[threat_ensemble]]`` (:mod:`hgvcov.ensemble`).

    None without ensembles.  With the (grid) ``region`` and its ``coverage``, each
    ensemble's summary also holds ``threat_weighted``: the region statistics weighted by
    the ensemble's track samples per grid point
    (:func:`hgvcov.ensemble.threat_weighted_statistics`).
    """
    if not scenario.threat_ensemble:
        return None
    grid = region.grid if region is not None and not region.is_points else None
    from ..ensemble import (CorridorGrid, ensemble_summary, run_ensemble, scenario_flights,
                            threat_weighted_statistics, with_flight_columns)
    specs = scenario_flights(scenario)
    total = sum(len(f) for _, f in specs)
    tables, corridors = [], {}
    with clock.timed("threat ensembles", total=total) as task:
        done = 0
        for spec, flights in specs:
            corridors[spec.name] = CorridorGrid(region_grid=grid)
            tables.append(with_flight_columns(run_ensemble(
                spec, flights, inputs.satellites, inputs.sensors, scenario.time.start,
                propagator=scenario.time.propagator, radar_sites=JAPAN_RADAR_SITES,
                sample_step_s=scenario.output.track_step_s,
                progress=lambda k, d=done: task(d + k), corridor=corridors[spec.name]),
                flights))
            done += len(flights)
    table = pd.concat(tables, ignore_index=True)
    summary = ensemble_summary(table)
    if grid is not None and coverage is not None:
        for name, corridor in corridors.items():
            summary[name]["threat_weighted"] = threat_weighted_statistics(
                coverage.dataset, corridor.region_counts, region.mask)
    return Ensembles(table, summary, corridors)


def compute_ground_tracks(scenario: Scenario, inputs: Inputs, coverage: Coverage,
                          clock: StageClock) -> None:
    """Stage *ground tracks*: the satellites' sub-satellite points into ``coverage.dataset``.

    ``ground_track_lat_deg`` / ``ground_track_lon_deg`` (satellite, ground_track_time), over
    ``output.ground_tracks`` (default one orbit of the slowest satellite from the start,
    every 30 s; false: none), propagated with the run's propagator
    (:func:`hgvcov.exports.ground_tracks.ground_tracks`).
    """
    spec = scenario.output.ground_tracks
    if spec is None:
        return
    with clock.timed("ground tracks"):
        gt = ground_tracks(inputs.satellites, inputs.time_grid.start_utc, spec.start_s,
                           spec.duration_s, spec.step_s, scenario.time.propagator)
        coverage.dataset.update(gt)


def write_exports(tx: OutputTransaction, scenario: Scenario, inputs: Inputs, coverage: Coverage,
                  threats: Threats, clock: StageClock, enabled: bool = True) -> list[dict]:
    """Stage *exports*: ``output.exports`` (GeoTIFFs, tracks.kml, scenario.czml) into ``tx``.

    Runs inside the data transaction, after coverage.nc: the exports are committed with the
    data and listed in the manifest.  An export that fails is dropped from ``tx`` and
    reported (``{"name": export, "message": why}``); the data are never lost to it.  The
    export libraries are imported here, only when an export is written.
    """
    kinds = list(scenario.output.exports) if enabled else []
    if not kinds:
        return []
    from ..exports import write_exports as _write_exports
    with clock.timed("exports"):
        sats, start = inputs.satellites, inputs.time_grid.start_utc
        alt = float(scenario.region.altitude_km)

        def positions(seconds):
            return satellite_positions(sats, start, seconds, scenario.time.propagator)

        _, failed = _write_exports(
            kinds, tx.path, dataset=coverage.dataset, title=scenario.name, start=start,
            duration_s=float(scenario.time.duration_s), scenario_step_s=float(scenario.time.step_s),
            satellite_names=list(sats.names), satellite_positions=positions,
            period_s=orbit_period_s(sats), tracks=threats.tracks,
            threats=[(n, t) for (n, _, _), t in zip(threats.trajectories, threats.threats)],
            radar_sites=threats.radar_sites,
            radar_altitude_km=alt if alt > 0 else RADAR_TARGET_ALTITUDE_KM,
            discard=tx.discard)
    return failed


def write_data_files(tx: OutputTransaction, coverage: Coverage, threats: Threats, accesses,
                     montecarlo, clock: StageClock, ensembles=None) -> None:
    """Stage *outputs*: coverage.nc and, when they apply, tracks, accesses, montecarlo and
    ensemble CSVs."""
    with clock.timed("write coverage.nc"):
        coverage.dataset.to_netcdf(tx.path("coverage.nc"))
    if threats.tracks is not None:
        write_csv(threats.tracks, tx.path("tracks.csv"), TRACK_DECIMALS)
    if accesses is not None:
        write_csv(accesses, tx.path("accesses.csv"), ACCESS_DECIMALS)
    if montecarlo is not None:
        montecarlo.to_csv(tx.path("montecarlo.csv"), index=False)
    if ensembles is not None:
        ensembles.table.to_csv(tx.path("ensemble.csv"), index=False)


def write_figures(tx: OutputTransaction, scenario: Scenario, coverage: Coverage,
                  threats: Threats, region: Region, clock: StageClock,
                  ensembles=None, satvalue=None) -> list[dict]:
    """Stage *figures*: the maps and timelines, one by one, in their own transaction.

    ``[output.figures]`` decides the formats (each figure drawn once and written once per
    format), projection, overlays, maps and colour scales.  The stage is timed as
    ``figures`` (``summary.json["timings"]["figures_s"]``).

    A figure that fails (any ``Exception`` while drawing it, or a folder in the way of one
    of its files) is dropped from ``tx`` (every format of it) and reported; the others are
    still drawn.  PNGs are encoded and written on a background thread while the next figure
    is drawn (:func:`hgvcov.plots.background_png_writes`); a file that fails there is
    reported the same way.  Interrupts (``KeyboardInterrupt``) are not caught.

    Returns
    -------
    list of dict
        ``{"name": file name, "message": why}`` per failed file, in drawing order.
    """
    # matplotlib and cartopy load only for runs that draw (not --no-maps, not sweep cases).
    from hgvcov.plots import FigureOptions, background_png_writes, figure_jobs
    failed = []
    with clock.timed("figures"), background_png_writes() as writer:
        options = FigureOptions.from_mapping(scenario.output.figures.model_dump())
        jobs = figure_jobs(coverage.dataset, scenario.name, tracks=threats.tracks,
                           per_threat=threats.per_threat, radar_sites=threats.radar_sites,
                           threats=threats.threats or None, polygon=region.polygon,
                           options=options)
        if ensembles is not None:
            jobs = list(jobs) + _ensemble_jobs(ensembles, options)
        if satvalue is not None:  # satellite_value.* and map_worst_fraction_* (hgvcov.run.satvalue)
            from .satvalue import satellite_figure_jobs
            jobs = list(jobs) + satellite_figure_jobs(
                satvalue, coverage.dataset, options, scenario.name, tracks=threats.tracks,
                per_threat=threats.per_threat, radar_sites=threats.radar_sites,
                threats=threats.threats or None, polygon=region.polygon)
        for names, draw in jobs:
            blocked = [n for n in names
                       if (tx.out_dir / n).is_dir() and not (tx.out_dir / n).is_symlink()]
            if blocked:
                failed += [{"name": n, "message": f"cannot write {tx.out_dir / n}: a folder of "
                            "that name exists"} for n in blocked]
                names = tuple(n for n in names if n not in blocked)
                if not names:
                    continue
            try:
                draw([tx.path(n) for n in names])
            except Exception as exc:  # noqa: BLE001 - one figure's failure costs only itself
                for n in names:
                    tx.discard(n)
                    failed.append({"name": n, "message": f"{type(exc).__name__}: {exc}"})
        # PNGs are encoded on a background thread: collect the files that could not be written.
        for path, exc in writer.wait().items():
            if isinstance(exc, Exception):
                tx.discard(path.name)
                failed.append({"name": path.name, "message": f"{type(exc).__name__}: {exc}"})
            else:
                raise exc
    return failed


def _ensemble_jobs(ensembles: Ensembles, options) -> list:
    """``(names, draw)`` of each ensemble's warning-time chart and out-of-custody corridor
    map (:mod:`hgvcov.plots.ensemble`)."""
    from hgvcov.plots.ensemble import (ensemble_figure_name, plot_ensemble_corridor,
                                       plot_ensemble_warning)
    jobs = []
    for name, corridor in ensembles.corridors.items():
        names = tuple(ensemble_figure_name(name, fmt) for fmt in options.formats)

        def draw(paths, name=name):
            plot_ensemble_warning(ensembles.table, name, paths, dpi=options.dpi)
        jobs.append((names, draw))
        if corridor.n_samples.any():
            names = tuple(ensemble_figure_name(name, fmt, "corridor") for fmt in options.formats)

            def draw_corridor(paths, name=name, corridor=corridor):
                plot_ensemble_corridor(corridor, name, paths, dpi=options.dpi,
                                       projection=options.projection, table=ensembles.table)
            jobs.append((names, draw_corridor))
    return jobs
