"""Threat ensembles (``[[threat_ensemble]]``): many flights, one summary row each.

An ensemble expands into flights (:func:`ensemble_flights`): ``samples = N`` draws N
(launch site, aim point, launch time) triples with ``numpy.random.default_rng(seed)``;
``factorial = true`` takes every launch site x aim point x launch time.  Launch times are
whole seconds after ``time.start``: ``launch_times = N`` draws N uniformly over the window
(seeded, floored to the second so that each flight is also expressible as a ``[[threat]]``
``launch_time``), or the given list.

Inputs: launch sites (``launch``), a box (``launch_box``) or a GeoJSON polygon
(``launch_area``, drawn uniformly by area on the sphere: :func:`sample_polygon`); aim points
listed, from a CSV file (read as ``region.points``) or ``"region"`` (the region's points);
one vehicle or a list (library names or ``[[vehicle]]`` tables, drawn per flight or crossed
in a factorial); manoeuvre ``none``/``weave``/``jink`` or a list, with parameters fixed or
``[lo, hi]`` ranges drawn per flight and stored in :class:`EnsembleFlight` and in
``ensemble.csv`` (:data:`FLIGHT_COLUMNS`).  The draws of an ensemble without the newer
inputs are unchanged (same seed, same flights as before they existed); vehicles,
manoeuvres and ranges draw from a second stream (``default_rng([seed, 1])``).

Threat-weighted coverage: :class:`CorridorGrid` also counts the track samples on the
coverage grid's points (:meth:`CorridorGrid.region_indices`), and
:func:`threat_weighted_statistics` weights the region's per-point figures by those counts.

Every flight is built and flown exactly as a ``[[threat]]`` with the same launch, aim,
vehicle and launch time (:class:`hgv_models.threats.Threat`, then
:func:`hgv_models.threats.fly_threat` at ``output.track_step_s``), and tracked by
:func:`constellation.track_coverage` with the same radar sites; its row is that threat's
``per_threat`` entry.  The Earth-fixed trajectory does not depend on the launch time (see
:func:`constellation.monte_carlo`), so each distinct (launch, aim, vehicle, manoeuvre) is
flown once and reused.  Distinct pairs are flown :data:`FLY_BLOCK_PAIRS` at a time by
:func:`hgv_models.flight.fly_threats`: the shooting (Newton search on release speed and
azimuth) of the whole block advances in lockstep, each round one call of the numba batch
glide integrator; ``fly_threat`` is that function on a batch of one, so every trajectory
is bit-identical to flying it alone.

Tracking streams over chunks of at most :data:`TRACK_CHUNK_SAMPLES` track samples (and
:data:`TRACK_CHUNK_FLIGHTS` flights), one ``track_coverage(..., tidy_tracks=False)`` call
each: only the per-flight summaries and the corridor counts are kept, never the per-sample
tracks.  A pair the vehicle cannot fly (too short,
out of range) is a row with ``status = "unreachable"`` and the reason, not an error.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import time
from datetime import timedelta
from typing import Any, Callable, Optional

import numpy as np
import pandas as pd

from constellation import track_coverage
from hgv_models.flight import ThreatUnreachableError, fly_threats
from hgv_models.guidance import jink, weave
from hgv_models.threats import Threat, ThreatError

__all__ = ["CorridorGrid", "EnsembleFlight", "ensemble_flights", "run_ensemble", "ensemble_summary",
           "ENSEMBLE_COLUMNS", "TRACK_CHUNK_FLIGHTS", "TRACK_CHUNK_SAMPLES", "FLY_BLOCK_PAIRS",
           "PERCENTILES",
           "flight_bank", "flight_bank_key", "FLIGHT_COLUMNS", "with_flight_columns",
           "threat_weighted_statistics", "NOMINAL_GLIDE_SPEED_KM_S", "sample_polygon",
           "scenario_flights", "EnsembleInputError"]

#: At most this many flights per call of :func:`constellation.track_coverage`.
TRACK_CHUNK_FLIGHTS = 4096
#: ... and at most about this many track samples per call (memory bound: one chunk's
#: per-sample arrays at a time, ~0.4 kB per sample including the held trajectories, so
#: ~200 MB; larger chunks share more satellite propagation instants).
TRACK_CHUNK_SAMPLES = 500_000
#: Distinct pairs flown per batch (:func:`hgv_models.flight.fly_threats`).
FLY_BLOCK_PAIRS = 256
#: Percentiles of the summary (``numpy.percentile``, linear interpolation).
PERCENTILES = (10, 50, 90)

#: Columns of ``ensemble.csv`` in order.  Times in s after launch, fractions 0-1, warning
#: times in s before impact; empty = never (or not flown when ``status`` is not "ok").
ENSEMBLE_COLUMNS = (
    "ensemble", "flight", "status", "reason", "launch_lat_deg", "launch_lon_deg", "aim",
    "aim_lat_deg", "aim_lon_deg", "launch_utc", "launch_offset_s", "vehicle", "manoeuvre",
    "flight_time_s", "first_detection_s", "first_stereo_s", "custody_fraction",
    "stereo_fraction", "longest_custody_gap_s", "warning_time_s", "detection_warning_time_s",
    "radar_warning_time_s", "warning_gain_s", "bank_amplitude_deg", "bank_period_s",
    "jink_at_s", "jink_duration_s")

#: The drawn per-flight manoeuvre parameters, appended to :data:`ENSEMBLE_COLUMNS`: the
#: weave amplitude or jink bank (deg), the weave period (s), the jink start (s after
#: release) and the duration of each jink half (s); empty when the manoeuvre has none.
FLIGHT_COLUMNS = ("bank_amplitude_deg", "bank_period_s", "jink_at_s", "jink_duration_s")

#: Mean ground speed (km/s) that turns ``jink_at_fraction`` into a time after release:
#: ``jink_at_s = fraction * D / NOMINAL_GLIDE_SPEED_KM_S`` for a launch-aim great-circle
#: distance D (the same mean glide speed as the run estimate's track-sample count).  The
#: glide's true duration is known only after the flight is shot, and the jink is part of
#: that shooting, so a fraction of the nominal glide time is used, stated in the CSV.
NOMINAL_GLIDE_SPEED_KM_S = 2.5

_TRACK_KEYS = ("flight_time_s", "first_detection_s", "first_stereo_s", "custody_fraction",
               "stereo_fraction", "longest_custody_gap_s", "warning_time_s",
               "detection_warning_time_s", "radar_warning_time_s", "warning_gain_s",
               "launch_utc")


@dataclasses.dataclass
class CorridorGrid:
    """Where an ensemble's flights are out of custody, accumulated flight by flight.

    Counts track samples (every ``output.track_step_s`` of every flight flown) in cells of
    ``step_deg`` on a global lat/lon grid: ``n_samples`` all of them, ``n_uncovered`` those
    seen by no satellite (``n_detect == 0``).  A fixed-size accumulator: the tracks of a
    chunk are added and dropped.
    """

    step_deg: float = 1.0
    n_samples: np.ndarray = None  # (n_lat, n_lon) int64
    n_uncovered: np.ndarray = None
    #: The coverage region's grid (:class:`constellation.RegionGrid`, regular at its
    #: ``step_deg``); when given, :attr:`region_counts` counts the samples per grid point.
    region_grid: Any = None
    #: (n_lat, n_lon) int64 track samples whose nearest grid point is that point (within
    #: half a grid step in latitude and in longitude); samples off the grid not counted.
    region_counts: np.ndarray = None
    #: Every sample added (on the region's grid or not).
    n_samples_total: int = 0

    def __post_init__(self):
        shape = (int(round(180 / self.step_deg)), int(round(360 / self.step_deg)))
        if self.n_samples is None:
            self.n_samples = np.zeros(shape, dtype=np.int64)
            self.n_uncovered = np.zeros(shape, dtype=np.int64)
        if self.region_grid is not None and self.region_counts is None:
            self.region_counts = np.zeros((self.region_grid.lat_deg.size,
                                           self.region_grid.lon_deg.size), dtype=np.int64)

    def region_indices(self, lat_deg, lon_deg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(i, j, on_grid)``: the nearest region grid point of each sample, and whether it
        is within half a step of it.

        The grid is regular: ``i = rint((lat - lat0) / step)``; longitudes are first moved
        by multiples of 360 deg into ``[lon0 - step/2, lon0 - step/2 + 360)`` so that a grid
        given in 0..360 (e.g. across the antimeridian, ``[150, 210]``) or -180..180 takes
        samples of either convention, then ``j = rint((lon - lon0) / step)``.  A grid
        spanning 360 deg never gets its repeated last meridian.
        """
        g = self.region_grid
        step = float(g.step_deg) if np.isfinite(g.step_deg) else 1.0
        lat = np.asarray(lat_deg, dtype=float)
        lon0 = float(g.lon_deg[0])
        lon = (np.asarray(lon_deg, dtype=float) - (lon0 - 0.5 * step)) % 360.0 + (lon0 - 0.5 * step)
        i = np.rint((lat - float(g.lat_deg[0])) / step).astype(np.int64)
        j = np.rint((lon - lon0) / step).astype(np.int64)
        ok = (i >= 0) & (i < g.lat_deg.size) & (j >= 0) & (j < g.lon_deg.size)
        return i, j, ok

    def add(self, lat_deg, lon_deg, uncovered) -> None:
        """Add samples at ``lat_deg``/``lon_deg`` (deg, (n,)); ``uncovered`` (n,) bool."""
        n_lat, n_lon = self.n_samples.shape
        # exact comparisons with the cell edges (``(lat + 90) // step`` rounds 39.999... up)
        lon = (np.asarray(lon_deg, dtype=float) + 180.0) % 360.0 - 180.0
        i = np.clip(np.searchsorted(self.lat_edges_deg, lat_deg, side="right") - 1, 0, n_lat - 1)
        j = np.clip(np.searchsorted(self.lon_edges_deg, lon, side="right") - 1, 0, n_lon - 1)
        cell = i * n_lon + j
        size = n_lat * n_lon
        self.n_samples += np.bincount(cell, minlength=size).reshape(n_lat, n_lon)
        self.n_uncovered += np.bincount(cell[np.asarray(uncovered, dtype=bool)],
                                        minlength=size).reshape(n_lat, n_lon)
        self.n_samples_total += int(np.size(lat_deg))
        if self.region_grid is not None:
            ri, rj, ok = self.region_indices(lat_deg, lon_deg)
            shape = self.region_counts.shape
            self.region_counts += np.bincount(ri[ok] * shape[1] + rj[ok],
                                              minlength=shape[0] * shape[1]).reshape(shape)

    @property
    def lat_edges_deg(self) -> np.ndarray:
        return -90.0 + self.step_deg * np.arange(self.n_samples.shape[0] + 1)

    @property
    def lon_edges_deg(self) -> np.ndarray:
        return -180.0 + self.step_deg * np.arange(self.n_samples.shape[1] + 1)

    def uncovered_fraction(self) -> np.ndarray:
        """(n_lat, n_lon) fraction of samples out of custody; NaN where no flight passed."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n_samples > 0, self.n_uncovered / self.n_samples, np.nan)


@dataclasses.dataclass(frozen=True)
class EnsembleFlight:
    """One flight of an ensemble (before flying)."""

    name: str
    launch_lat_deg: float
    launch_lon_deg: float
    aim: str
    aim_lat_deg: float
    aim_lon_deg: float
    launch_offset_s: float
    vehicle: Any
    manoeuvre: str
    #: weave amplitude or jink bank angle (deg); None: the ensemble's value / no manoeuvre
    bank_amplitude_deg: Optional[float] = None
    #: weave period (s)
    bank_period_s: Optional[float] = None
    #: jink start, s after release (glide start)
    jink_at_s: Optional[float] = None
    #: duration of each half of the jink (s)
    jink_duration_s: Optional[float] = None


class EnsembleInputError(ValueError):
    """A ``[[threat_ensemble]]`` input that cannot be used: ``key`` (below the ensemble),
    ``value`` and what is ``allowed``."""

    def __init__(self, key: str, value: Any, allowed: str):
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key} = {value!r}: {allowed}")


def _aims(spec, scenario=None) -> list[tuple[str, float, float]]:
    """``[(name, lat_deg, lon_deg)]`` of the aim points: the list, a CSV file (read like
    ``region.points``) or ``"region"`` (the region's named points, or its grid points inside
    the polygon, named ``"lat,lon"``)."""
    if not isinstance(spec.aim, str):
        out = []
        for a in spec.aim:
            if isinstance(a, list):
                out.append((f"{a[0]:g},{a[1]:g}", float(a[0]), float(a[1])))
            else:
                out.append((a.name, float(a.lat_deg), float(a.lon_deg)))
        return out
    if scenario is None:
        raise EnsembleInputError("aim", spec.aim, "a list of points (a CSV file or \"region\" "
                                 "needs the scenario)")
    from constellation import load_points, repeated_meridian_columns

    from hgvcov.scenario.schema import AIM_REGION
    if spec.aim.strip().lower() == AIM_REGION:
        grid = scenario.build_grid()
        if scenario.region.kind == "points":
            return [(str(n), float(a), float(b))
                    for n, a, b in zip(grid.name, grid.lat_deg, grid.lon_deg)]
        mask = np.ones((grid.lat_deg.size, grid.lon_deg.size), dtype=bool)
        if scenario.region.kind == "polygon" or scenario.region.polygon is not None:
            mask = scenario.build_polygon_mask(grid)
        mask = mask & ~repeated_meridian_columns(grid.lon_deg)[None, :]
        ii, jj = np.nonzero(mask)
        return [(f"{grid.lat_deg[i]:g},{grid.lon_deg[j]:g}", float(grid.lat_deg[i]),
                 float(grid.lon_deg[j])) for i, j in zip(ii, jj)]
    try:
        pts = load_points(scenario.resolve(spec.aim))
    except ValueError as exc:
        raise EnsembleInputError("aim", spec.aim, f"\"region\" or a readable points CSV "
                                 f"(name, lat_deg, lon_deg): {exc}") from exc
    return [(str(n), float(a), float(b)) for n, a, b in zip(pts.name, pts.lat_deg, pts.lon_deg)]


def sample_polygon(geometry, n: int, rng: np.random.Generator, max_batches: int = 10_000
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniform by area on the sphere inside a lon/lat polygon.

    Rejection sampling from the polygon's bounding box: latitude from ``arcsin`` of a
    uniform ``sin(lat)`` (equal area on the sphere: the area element is
    ``cos(lat) dlat dlon = d(sin lat) dlon``), longitude uniform, kept when inside
    (``shapely.contains_xy``; edges straight in lon/lat as in
    :mod:`constellation.polygon`).  Draws go in batches of ``max(64, 2 n)``; the first
    ``n`` accepted, in draw order, are returned, so the result depends only on ``rng``.

    Parameters
    ----------
    geometry : shapely Polygon or MultiPolygon
        As :func:`constellation.load_polygon` returns it: rings unwrapped across the
        antimeridian (longitudes may run past 180, e.g. 170..190).
    n : int
    rng : numpy.random.Generator

    Returns
    -------
    lat_deg, lon_deg : ndarray (n,)
        Longitudes wrapped to [-180, 180).
    """
    import shapely
    lon0, lat0, lon1, lat1 = geometry.bounds
    s0, s1 = math.sin(math.radians(lat0)), math.sin(math.radians(lat1))
    lat_out, lon_out, got = [], [], 0
    batch = max(64, 2 * int(n))
    for _ in range(max_batches):
        if got >= n:
            break
        lat = np.degrees(np.arcsin(rng.uniform(s0, s1, batch)))
        lon = rng.uniform(lon0, lon1, batch)
        inside = shapely.contains_xy(geometry, lon, lat)
        lat_out.append(lat[inside])
        lon_out.append(lon[inside])
        got += int(inside.sum())
    else:
        raise EnsembleInputError("launch_area", "(polygon)", "a polygon with an area "
                                 "(almost no draw from its bounding box fell inside)")
    lat = np.concatenate(lat_out)[:n]
    lon = np.concatenate(lon_out)[:n]
    return lat, (lon + 180.0) % 360.0 - 180.0


def _draw(rng: np.random.Generator, rng_range: Optional[tuple[float, float]], n: int):
    """``n`` values uniform in ``rng_range`` (no draw when fixed: lo == hi); None if unset."""
    if rng_range is None:
        return None
    lo, hi = rng_range
    if lo == hi:
        return np.full(n, lo)
    return rng.uniform(lo, hi, n)


def _vehicles(spec, scenario, default_vehicle):
    """Each ``vehicle`` name as flown: a ``[[vehicle]]`` object, else the name as given."""
    defined = scenario.build_vehicles() if scenario is not None else {}
    out = []
    for v in spec.vehicles:
        if v is None:
            out.append(default_vehicle)
        elif v.strip().lower() in defined:
            out.append(defined[v.strip().lower()])
        else:
            out.append(v)
    return out


def ensemble_flights(spec, start_utc, duration_s: float, default_vehicle: str = "cav-h",
                     scenario=None) -> list[EnsembleFlight]:
    """Expand a :class:`~hgvcov.scenario.schema.ThreatEnsembleSpec` into its flights.

    Parameters
    ----------
    spec : ThreatEnsembleSpec
    start_utc : datetime
        ``time.start`` (tz-aware UTC).
    duration_s : float
        Window length (s): random launch times lie in ``[0, duration_s)``, whole seconds.
    default_vehicle : str
        Vehicle when ``spec.vehicle`` is not given (``Threat``'s default).
    scenario : Scenario, optional
        Needed for inputs the scenario resolves: ``launch_area`` and ``aim`` files (relative
        to the scenario file), ``aim = "region"`` and ``[[vehicle]]`` names.

    Returns
    -------
    list of EnsembleFlight
        Same seed -> same list.  Names ``"<ensemble>#<k>"`` (k from 1).

    Raises
    ------
    EnsembleInputError
        An input file that cannot be used, or too many flights (the key is relative to the
        ensemble, e.g. ``launch_area``).

    Notes
    -----
    Draws, in this order from ``numpy.random.default_rng(seed)``: launch times (when
    ``launch_times = N``), launch sites (index per flight, or the box / polygon draws),
    aim index, launch-time index (as before vehicles and manoeuvres could vary, so an
    ensemble without them expands to the same flights).  Vehicles, manoeuvres and their
    parameter ranges are drawn from a second stream, ``default_rng([seed, 1])``: vehicle
    index (when several), manoeuvre index (when several), then one value per flight of each
    range given as ``[lo, hi]`` in the order weave amplitude, weave period, jink bank, jink
    start, jink duration.  In a factorial ensemble vehicles and manoeuvres are crossed
    (sites x aims x times x vehicles x manoeuvres) and the ranges drawn per flight.
    """
    rng = np.random.default_rng(int(spec.seed))
    aims = _aims(spec, scenario)
    if not aims:
        raise EnsembleInputError("aim", spec.aim, "at least one aim point (the region has none)")
    if isinstance(spec.launch_times, int):
        times = np.floor(rng.uniform(0.0, float(duration_s), int(spec.launch_times)))
    else:
        times = np.array([(t - start_utc).total_seconds() for t in spec.launch_times])
    vehicles = _vehicles(spec, scenario, default_vehicle)
    manoeuvres = spec.manoeuvres
    rows = []
    if spec.factorial:
        from hgvcov.scenario.schema import MAX_ENSEMBLE_FLIGHTS
        sites = [(float(a), float(b)) for a, b in spec.launch]
        count = len(sites) * len(aims) * len(times) * len(vehicles) * len(manoeuvres)
        if count > MAX_ENSEMBLE_FLIGHTS:
            raise EnsembleInputError("factorial", True, f"at most {MAX_ENSEMBLE_FLIGHTS:,} "
                                     f"flights (this gives {count:,}; use samples = N)")
        for (la, lo), (an, ala, alo), t, v, m in itertools.product(sites, aims, times, vehicles,
                                                                  manoeuvres):
            rows.append((la, lo, an, ala, alo, float(t), v, m))
    else:
        n = int(spec.samples)
        if spec.launch is not None:
            idx = rng.integers(0, len(spec.launch), n)
            sites = [(float(spec.launch[i][0]), float(spec.launch[i][1])) for i in idx]
        elif spec.launch_box is not None:
            box = spec.launch_box
            # uniform over the box's area on the sphere: sin(lat) uniform
            s0, s1 = (math.sin(math.radians(v)) for v in box["lat_deg"])
            lat = np.degrees(np.arcsin(rng.uniform(s0, s1, n)))
            lon = rng.uniform(box["lon_deg"][0], box["lon_deg"][1], n)
            sites = [(float(round(a, 4)), float(round(b, 4))) for a, b in zip(lat, lon)]
        else:
            lat, lon = sample_polygon(_launch_polygon(spec, scenario), n, rng)
            sites = [(float(round(a, 4)), float(round(b, 4))) for a, b in zip(lat, lon)]
        ai = rng.integers(0, len(aims), n)
        ti = rng.integers(0, len(times), n)
        rng2 = np.random.default_rng([int(spec.seed), 1])
        vi = rng2.integers(0, len(vehicles), n) if len(vehicles) > 1 else np.zeros(n, int)
        mi = rng2.integers(0, len(manoeuvres), n) if len(manoeuvres) > 1 else np.zeros(n, int)
        for (la, lo), a, t, v, m in zip(sites, ai, ti, vi, mi):
            rows.append((la, lo, *aims[a], float(times[t]), vehicles[v], manoeuvres[m]))
    if spec.factorial:
        rng2 = np.random.default_rng([int(spec.seed), 1])
    n = len(rows)
    amp = _draw(rng2, spec.range_of("weave_amplitude_deg"), n)
    period = _draw(rng2, spec.range_of("weave_period_s"), n)
    jbank = _draw(rng2, spec.range_of("jink_bank_deg"), n)
    j_at = _draw(rng2, spec.range_of("jink_at_s"), n)
    j_frac = _draw(rng2, spec.range_of("jink_at_fraction"), n)
    if j_at is None and j_frac is None:
        j_frac = np.full(n, 0.5)
    jdur = _draw(rng2, spec.range_of("jink_duration_s"), n)
    out = []
    for k, (la, lo, an, ala, alo, t, v, m) in enumerate(rows):
        extra = {}
        if m == "weave":
            extra = {"bank_amplitude_deg": float(amp[k]), "bank_period_s": float(period[k])}
        elif m == "jink":
            if j_at is not None:
                at = float(j_at[k])
            else:
                from hgv_models.threats import great_circle_distance_km
                d_km = great_circle_distance_km(la, lo, ala, alo)
                at = float(round(j_frac[k] * d_km / NOMINAL_GLIDE_SPEED_KM_S, 3))
            extra = {"bank_amplitude_deg": float(jbank[k]), "jink_at_s": at,
                     "jink_duration_s": float(jdur[k])}
        out.append(EnsembleFlight(f"{spec.name}#{k + 1}", la, lo, an, ala, alo, t, v, m,
                                  **extra))
    return out


def scenario_flights(scenario) -> list[tuple[Any, list[EnsembleFlight]]]:
    """``[(spec, flights)]`` of every ``[[threat_ensemble]]`` of ``scenario``.

    Raises
    ------
    ScenarioError
        An unusable input, naming ``threat_ensemble[i].KEY``, its value and what is allowed.
    """
    out = []
    for i, spec in enumerate(scenario.threat_ensemble):
        try:
            out.append((spec, ensemble_flights(spec, scenario.time.start,
                                               scenario.time.duration_s, scenario=scenario)))
        except EnsembleInputError as exc:
            raise scenario.input_error(f"threat_ensemble[{i}].{exc.key}", exc.value,
                                       exc.allowed) from exc
    return out


def _launch_polygon(spec, scenario):
    """The ``launch_area`` polygon (:func:`constellation.load_polygon`, path relative to the
    scenario file)."""
    from constellation import load_polygon
    if scenario is None:
        raise EnsembleInputError("launch_area", spec.launch_area,
                                 "a GeoJSON polygon path read with the scenario")
    try:
        return load_polygon(scenario.resolve(spec.launch_area))
    except ValueError as exc:
        raise EnsembleInputError("launch_area", spec.launch_area,
                                 f"a GeoJSON Polygon/MultiPolygon file: {exc}") from exc


def flight_bank(spec, f: EnsembleFlight):
    """The glide-phase bank programme of flight ``f`` (``fly_threat``'s ``bank_deg``).

    Returns
    -------
    float or GuidanceProgram
        0.0 (no manoeuvre), :func:`hgv_models.guidance.weave` with the flight's amplitude
        and period, or :func:`hgv_models.guidance.jink` at the flight's start time with its
        bank and half duration.  A weave flight without drawn values (built by hand) takes
        the ensemble's fixed ``weave_amplitude_deg`` / ``weave_period_s``.
    """
    if f.manoeuvre == "weave":
        amp, period = _weave_parameters(spec, f)
        return weave(amp, period)
    if f.manoeuvre == "jink":
        return jink(f.jink_at_s, f.bank_amplitude_deg, f.jink_duration_s)
    return 0.0


def _weave_parameters(spec, f):
    amp = f.bank_amplitude_deg if f.bank_amplitude_deg is not None else spec.weave_amplitude_deg
    period = f.bank_period_s if f.bank_period_s is not None else spec.weave_period_s
    return float(amp), float(period)


def flight_bank_key(spec, f: EnsembleFlight) -> tuple:
    """Hashable, sortable key of :func:`flight_bank`: flights with equal keys (and the same
    launch, aim and vehicle) fly the same Earth-fixed trajectory."""
    if f.manoeuvre == "weave":
        return ("weave", *_weave_parameters(spec, f))
    if f.manoeuvre == "jink":
        return ("jink", float(f.jink_at_s), float(f.bank_amplitude_deg), float(f.jink_duration_s))
    return ("none",)


def with_flight_columns(table: pd.DataFrame, flights: list[EnsembleFlight]) -> pd.DataFrame:
    """``table`` (rows in ``flights`` order, from :func:`run_ensemble`) with the vehicle as
    its name and the drawn manoeuvre parameters (:data:`FLIGHT_COLUMNS`) filled in."""
    out = table.copy()
    out["vehicle"] = [str(f.vehicle) for f in flights]
    for c in FLIGHT_COLUMNS:
        out[c] = [getattr(f, c) for f in flights]
    return out[list(ENSEMBLE_COLUMNS)]


def _fly_pairs(spec, flights: list[EnsembleFlight], sample_step_s: float) -> list:
    """Fly the distinct pairs of ``flights`` (one representative flight each) in batch.

    Each pair is built as the :class:`~hgv_models.threats.Threat` the single path builds
    and flown by :func:`hgv_models.flight.fly_threats` (the batch that ``fly_threat`` runs
    as a batch of one: same trajectory bit for bit).

    Returns, per flight, its :class:`~hgv_models.trajectory.Trajectory` or the reason (str)
    it cannot be flown, without the threat's name (the reason is the pair's).
    """
    out: list = [None] * len(flights)
    idx, threats, banks = [], [], []
    for k, f in enumerate(flights):
        try:
            if isinstance(f.vehicle, str):
                th = Threat(name=f.name, launch_lat_deg=f.launch_lat_deg,
                            launch_lon_deg=f.launch_lon_deg, aim_lat_deg=f.aim_lat_deg,
                            aim_lon_deg=f.aim_lon_deg, vehicle=f.vehicle)
            else:  # a Vehicle object (Threat takes names only); fly_threats takes it as is
                th = f
        except ThreatError as exc:
            out[k] = str(exc).replace(f"threat {f.name!r}: ", "")
            continue
        idx.append(k)
        threats.append(th)
        banks.append(flight_bank(spec, f))
    flown = fly_threats(threats, sample_step_s=sample_step_s, bank_deg=banks)
    for k, res in zip(idx, flown):
        if isinstance(res, (ThreatError, ThreatUnreachableError)):
            # the reason is the pair's, not the first flight's: drop the threat's name
            out[k] = str(res).replace(f"threat {flights[k].name!r}: ", "")
        elif isinstance(res, Exception):
            raise res
        else:
            out[k] = res
    return out


def run_ensemble(spec, flights: list[EnsembleFlight], sats, sensors, start_utc, *,
                 propagator: str, radar_sites, sample_step_s: float,
                 progress: Optional[Callable[[int], Any]] = None,
                 chunk_flights: int = TRACK_CHUNK_FLIGHTS,
                 corridor: Optional[CorridorGrid] = None,
                 chunk_samples: int = TRACK_CHUNK_SAMPLES,
                 pair_block: int = FLY_BLOCK_PAIRS,
                 timings: Optional[dict] = None) -> pd.DataFrame:
    """Fly and track every flight; one row per flight (:data:`ENSEMBLE_COLUMNS`).

    Parameters
    ----------
    spec : ThreatEnsembleSpec
        For the manoeuvre parameters.
    flights : list of EnsembleFlight
        From :func:`ensemble_flights`.
    sats, sensors, start_utc, propagator, radar_sites
        As :func:`constellation.track_coverage`.
    sample_step_s : float
        Trajectory sampling step (s) (``output.track_step_s``).
    progress : callable, optional
        Called with the number of flights done.
    chunk_flights : int
        At most this many flights per ``track_coverage`` call.
    corridor : CorridorGrid, optional
        Accumulates where the flights are out of custody.
    chunk_samples : int
        ... and at most about this many track samples (memory bound, see
        :data:`TRACK_CHUNK_SAMPLES`; at least one flight per call).
    pair_block : int
        Distinct (launch, aim, vehicle, bank) pairs flown per batch; their trajectories
        are held until their flights are tracked.
    timings : dict, optional
        Receives (adds to) the seconds spent flying (``fly_wall_s``, ``fly_cpu_s``) and
        tracking (``track_wall_s``, ``track_cpu_s``): wall clock and CPU time of the process
        (all threads, ``time.process_time``).
    """
    clock = {k: 0.0 for k in ("fly_wall_s", "fly_cpu_s", "track_wall_s", "track_cpu_s")}
    rows: list[dict] = [{} for _ in flights]
    pending: list[tuple[int, EnsembleFlight, Any]] = []
    n_pending = 0
    done = 0

    def flush():
        nonlocal n_pending, done
        if not pending:
            return
        w0, c0 = time.perf_counter(), time.process_time()
        tr = track_coverage(sats, [(f.name, traj, f.launch_offset_s) for _, f, traj in pending],
                            sensors, start_utc, propagator=propagator, radar_sites=radar_sites,
                            tidy_tracks=False)
        if corridor is not None:
            corridor.add(tr.tracks["lat_deg"].to_numpy(), tr.tracks["lon_deg"].to_numpy(),
                         tr.tracks["n_detect"].to_numpy() == 0)
        for k, f, _ in pending:
            pt = tr.per_threat[f.name]
            rows[k].update({key: pt[key] for key in _TRACK_KEYS})
        clock["track_wall_s"] += time.perf_counter() - w0
        clock["track_cpu_s"] += time.process_time() - c0
        done += len(pending)
        pending.clear()
        n_pending = 0
        if progress is not None:
            progress(done)

    # Flights sharing a (launch, aim, vehicle, bank) pair are visited together so that each
    # pair is flown once; pairs are flown a block at a time (batch shooting) and only the
    # block's trajectories (plus those of the pending tracking chunk) are held.
    def pair(f):
        return (f.launch_lat_deg, f.launch_lon_deg, f.aim_lat_deg, f.aim_lon_deg,
                _vehicle_key(f.vehicle), flight_bank_key(spec, f))

    order = sorted(range(len(flights)), key=lambda k: pair(flights[k]))
    groups: list[list[int]] = []
    last_key = None
    for k in order:
        key = pair(flights[k])
        if key != last_key:
            groups.append([])
            last_key = key
        groups[-1].append(k)
    step = max(1, int(pair_block))
    for g0 in range(0, len(groups), step):
        block = groups[g0:g0 + step]
        w0, c0 = time.perf_counter(), time.process_time()
        trajs = _fly_pairs(spec, [flights[g[0]] for g in block], sample_step_s)
        clock["fly_wall_s"] += time.perf_counter() - w0
        clock["fly_cpu_s"] += time.process_time() - c0
        for g, traj in zip(block, trajs):
            for k in g:
                f = flights[k]
                launch = start_utc + timedelta(seconds=f.launch_offset_s)
                rows[k].update({
                    "ensemble": spec.name, "flight": f.name, "status": "ok", "reason": "",
                    "launch_lat_deg": f.launch_lat_deg, "launch_lon_deg": f.launch_lon_deg,
                    "aim": f.aim, "aim_lat_deg": f.aim_lat_deg, "aim_lon_deg": f.aim_lon_deg,
                    "launch_utc": launch.isoformat(timespec="milliseconds").replace(
                        "+00:00", "Z"),
                    "launch_offset_s": f.launch_offset_s, "vehicle": _vehicle_label(f.vehicle),
                    "manoeuvre": f.manoeuvre})
                if isinstance(traj, str):
                    rows[k].update(status="unreachable", reason=traj)
                    done += 1
                    if progress is not None:
                        progress(done)
                    continue
                pending.append((k, f, traj))
                n_pending += len(traj)
                if len(pending) >= chunk_flights or n_pending >= chunk_samples:
                    flush()
        del trajs
    flush()
    if timings is not None:
        for k, v in clock.items():
            timings[k] = timings.get(k, 0.0) + v
    df = pd.DataFrame(rows)
    for c in ENSEMBLE_COLUMNS:
        if c not in df:
            df[c] = None
    return df[list(ENSEMBLE_COLUMNS)]


#: Per-point variables of coverage.nc summarised with threat weights (when present).
THREAT_WEIGHTED_VARIABLES = ("fraction_1", "fraction_2", "fraction_stereo", "mean_count",
                             "mean_gap_s", "median_position_error_m", "expected_fraction_1",
                             "expected_fraction_2", "expected_fraction_stereo")


def threat_weighted_statistics(dataset, counts, mask=None) -> dict:
    """Region statistics weighted by where an ensemble's flights are.

    The weight of grid point k is ``c_k``, the number of the ensemble's track samples
    (every ``output.track_step_s`` of every flight flown, boost to impact) whose nearest
    grid point it is (:meth:`CorridorGrid.region_indices`): the time the ensemble's flights
    spend over that point's cell.  For each variable v of
    :data:`THREAT_WEIGHTED_VARIABLES` in ``dataset``: ``<v>_mean = sum_k c_k v_k /
    sum_k c_k`` over the points inside ``mask`` where v is not NaN (a repeated meridian
    column left out as in :func:`constellation.area_statistics`).  Unlike the area
    statistics there is no cos(latitude) factor: a count of samples already measures time
    over the cell, whatever its area.

    Parameters
    ----------
    dataset : xarray.Dataset
        coverage.nc of a grid region (dims lat, lon).
    counts : (n_lat, n_lon) int array
        :attr:`CorridorGrid.region_counts`.
    mask : (n_lat, n_lon) bool, optional
        The polygon mask (None: every point).

    Returns
    -------
    dict
        ``n_samples_on_grid`` (sum of the weights used, inside the mask), ``n_points_weighted``
        (points with weight > 0) and ``<v>_mean`` per variable (None when no sample falls
        on the region, or not finite).
    """
    from constellation import repeated_meridian_columns
    c = np.asarray(counts, dtype=np.float64)
    take = np.ones(c.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool).copy()
    take &= ~repeated_meridian_columns(np.asarray(dataset["lon"].values))[None, :]
    out = {"n_samples_on_grid": int(c[take].sum()), "n_points_weighted": int((c[take] > 0).sum())}
    for var in THREAT_WEIGHTED_VARIABLES:
        if var not in dataset:
            continue
        v = np.asarray(dataset[var].values, dtype=np.float64)
        t = take & ~np.isnan(v) & (c > 0)
        w = c[t]
        mean = float(np.sum(w * v[t]) / np.sum(w)) if w.sum() > 0 else math.nan
        out[f"{var}_mean"] = mean if math.isfinite(mean) else None
    return out


def _vehicle_key(vehicle):
    """Sortable grouping key of a flight's vehicle: its name, or the Vehicle object's id."""
    return (0, vehicle, 0) if isinstance(vehicle, str) else (1, "", id(vehicle))


def _vehicle_label(vehicle) -> str:
    return vehicle if isinstance(vehicle, str) else str(getattr(vehicle, "name", vehicle))


def _percentiles(values) -> dict:
    v = np.asarray([x for x in values if x is not None and not pd.isna(x)], dtype=float)
    if v.size == 0:
        return {f"p{p}": None for p in PERCENTILES}
    return {f"p{p}": float(np.percentile(v, p)) for p in PERCENTILES}


def _block(df: pd.DataFrame) -> dict:
    ok = df[df["status"] == "ok"]
    out = {"n_flights": int(len(df)), "n_unreachable": int((df["status"] != "ok").sum())}
    # a flight never seen has no warning: it counts as 0 s in the percentiles
    for col in ("warning_time_s", "detection_warning_time_s", "radar_warning_time_s"):
        vals = ok[col].astype(float).fillna(0.0) if len(ok) else []
        out[col] = _percentiles(vals)
        out[f"n_without_{col.removesuffix('_s')}"] = int(ok[col].isna().sum())
    out["custody_fraction"] = _percentiles(ok["custody_fraction"].astype(float)
                                           if len(ok) else [])
    return out


def ensemble_summary(df: pd.DataFrame) -> dict:
    """``summary.json["ensembles"]``: per ensemble and per aim point, p10/p50/p90 of the
    warning times (ours from first stereo, from first detection, ground radar alone) and of
    the custody fraction over the flights flown (a warning never given counts as 0 s; the
    ``n_without_*`` counts say how many)."""
    out = {}
    for name, g in df.groupby("ensemble", sort=False):
        blk = _block(g)
        blk["by_aim"] = {aim: _block(ga) for aim, ga in g.groupby("aim", sort=False)}
        out[str(name)] = blk
    return out
