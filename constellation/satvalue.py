"""What each satellite buys: per-satellite value along tracks, ranking, and the greedy worst case.

Three figures per satellite (definitions in :mod:`constellation._satvalue`):

- ``sole_coverage_s``: time during which it is the only satellite detecting;
- ``needed_for_2_s``: time during which exactly two detect and it is one of them;
- ``sole_stereo_s``: time during which a stereo pair exists and every stereo pair contains it.

Over a region grid they are region means (seconds, area-weighted as the region series),
computed inside the grid kernel by :func:`constellation.coverage.grid_coverage` with
``satellite_value=True`` (``SATELLITE_VALUE_VARIABLES``, dim ``satellite``). Removing satellite
``s`` lowers the region mean of ``fraction_1`` / ``fraction_2`` / ``fraction_stereo`` by exactly
its figure divided by the window ``window_s`` (the indicators depend only on the detecting set
and on two-satellite pair tests). Along tracks (:func:`track_satellite_value`) each sample
counts ``flight_time_s / n_samples`` seconds, so removing ``s`` lowers a threat's
``custody_fraction`` / ``stereo_fraction`` by exactly ``track_sole_custody_s`` /
``track_sole_stereo_s`` over its flight time.

:func:`rank_satellites` orders satellites by value (sole coverage, then needed for 2, then sole
stereo, largest first, then name); :func:`worst_case_losses` removes the most valuable
satellite and reruns the grid, ``k`` times (greedy), for the degraded-mode maps
``worst_fraction_1`` / ``_2`` / ``_stereo``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from orbits.propagate import Ephemeris, propagate
from orbits.satellites import SatelliteSet
from orbits.timegrid import TimeGrid, parse_utc

from . import _satvalue as SV
from .coverage import SATELLITE_VALUE_VARIABLES, CoverageError, grid_coverage, region_statistics
from .sensors import as_sensor_list, sensor_table
from .tracks import DEFAULT_CHUNK_STATES, TrackError, prepare_flight

__all__ = ["SATELLITE_FIGURES", "TRACK_VALUE_COLUMNS", "WORST_CASE_VARIABLES", "track_satellite_value",
           "rank_satellites", "worst_case_losses", "WorstCase", "check_worst_case_losses"]

SATELLITE_FIGURES = tuple(SATELLITE_VALUE_VARIABLES)
"""``("sole_coverage_s", "needed_for_2_s", "sole_stereo_s")``: the ranking keys, in order."""

TRACK_VALUE_COLUMNS = ("satellite", "threat", "track_sole_custody_s", "track_needed_for_2_s",
                       "track_sole_stereo_s")
"""Columns of :func:`track_satellite_value` (``satellite_tracks.csv``)."""

WORST_CASE_VARIABLES = {
    f"worst_fraction{sfx}": ("1", f"fraction of time steps with {words} after losing the k most valuable "
                                  f"satellites (greedy)")
    for sfx, words in (("_1", "at least one satellite detecting the point"),
                       ("_2", "at least two satellites detecting the point"),
                       ("_stereo", "a stereo pair"))
}
"""Per-point degraded-mode coverage of :func:`worst_case_losses`: (units, long_name)."""

WORST_CASE_DEFINITION = (
    "greedy: remove the satellite with the largest region-mean sole_coverage_s (ties: needed_for_2_s, then "
    "sole_stereo_s, largest first, then name), rerun the grid without it, and repeat k times; the fraction of "
    "the last rerun")


def check_worst_case_losses(k, n_sat=None):
    """``k`` as an int in ``[0, n_sat)`` (``worst_case_losses``); raises :class:`CoverageError` naming it."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise CoverageError(f"worst_case_losses={k!r}: must be an integer >= 0 (satellites to remove; 0 = off)")
    if n_sat is not None and k >= n_sat and k > 0:
        raise CoverageError(f"worst_case_losses={k!r}: must be smaller than the number of satellites ({n_sat})")
    return int(k)


def rank_satellites(names, figures) -> np.ndarray:
    """Indices of the satellites from most to least valuable.

    Parameters
    ----------
    names : sequence of str (n_sat,)
    figures : array_like (n_sat, 3)
        ``sole_coverage_s``, ``needed_for_2_s``, ``sole_stereo_s`` (s).

    Returns
    -------
    ndarray (n_sat,) int64
        Sorted by sole coverage, then needed for 2, then sole stereo (largest first), then
        name (alphabetical).
    """
    f = np.asarray(figures, dtype=np.float64)
    keys = sorted(range(len(names)), key=lambda i: (-f[i, 0], -f[i, 1], -f[i, 2], str(names[i])))
    return np.asarray(keys, dtype=np.int64)


def _figures(ds):
    return np.stack([np.asarray(ds[v].values, dtype=np.float64) for v in SATELLITE_FIGURES], axis=1)


@dataclass
class WorstCase:
    """Result of :func:`worst_case_losses`.

    Attributes
    ----------
    removed : list of str
        Satellites removed, in greedy order.
    removed_figures : list of dict
        The figures (``SATELLITE_FIGURES``, s) each removed satellite had when it was picked.
    fractions : dict of str to ndarray
        ``worst_fraction_1`` / ``_2`` / ``_stereo`` per point, the grid's shape.
    statistics : dict
        :func:`constellation.coverage.region_statistics` of the last rerun.
    timings : list of float
        Seconds per rerun.
    """

    removed: list
    removed_figures: list
    fractions: dict
    statistics: dict
    timings: list = field(default_factory=list)


def _without(sats, keep):
    """``sats`` restricted to the satellites where ``keep`` (bool (n_sat,)) is true."""
    if isinstance(sats, SatelliteSet):
        return sats.subset(np.flatnonzero(keep))
    if isinstance(sats, Ephemeris):
        eph = Ephemeris(grid=sats.grid, names=[n for n, k in zip(sats.names, keep) if k],
                        positions_km=np.ascontiguousarray(sats.positions_km[:, keep]),
                        valid=np.ascontiguousarray(sats.valid[:, keep]),
                        error_codes=np.asarray(sats.error_codes)[keep], propagator=sats.propagator)
        si = getattr(sats, "sensor_index", None)
        if si is not None:
            eph.sensor_index = np.asarray(si)[keep]
        return eph
    raise CoverageError(f"sats: expected a SatelliteSet or an Ephemeris, got {type(sats).__name__}")


def worst_case_losses(sats, time_grid, grid, sensors, k, base=None, *, mask=None, progress=None,
                      **grid_kwargs) -> WorstCase:
    """Coverage after losing the ``k`` most valuable satellites, picked greedily one at a time.

    Parameters
    ----------
    sats : SatelliteSet or Ephemeris
    time_grid, grid, sensors
        As :func:`constellation.coverage.grid_coverage`.
    k : int
        Satellites to remove, ``0 <= k < n_sat``.
    base : xarray.Dataset or None
        The full constellation's :func:`grid_coverage` dataset with ``satellite_value=True``
        (computed here when None).
    mask : array_like of bool or None
        The region (as :func:`grid_coverage`; region statistics and weights).
    progress : callable or None
        ``progress(i, k)`` after each rerun.
    **grid_kwargs
        Passed to every :func:`grid_coverage` call (``propagator``, ``target_intensity_w_sr``,
        ...).

    Returns
    -------
    WorstCase
        With ``k = 0`` the full constellation's fractions and no removal.

    Notes
    -----
    Greedy: at each step the satellite with the largest ``sole_coverage_s`` of the *current*
    constellation (ties: :func:`rank_satellites`) is removed and the grid rerun, with the
    figures, for the next pick. The greedy choice is not guaranteed to be the worst set of
    ``k`` (that search is combinatorial); it is the one whose first loss hurts ``fraction_1``
    most, then the next given that one.
    """
    names = list(sats.names)
    k = check_worst_case_losses(k, len(names))
    if base is None or "sole_coverage_s" not in base:
        base = grid_coverage(sats, time_grid, grid, sensors, mask=mask, satellite_value=True, **grid_kwargs).dataset
    keep = np.ones(len(names), dtype=bool)
    ds = base
    removed, removed_figs, timings = [], [], []
    for i in range(k):
        cur = [n for n, kp in zip(names, keep) if kp]
        figs = _figures(ds)
        pick = int(rank_satellites(cur, figs)[0])
        removed.append(cur[pick])
        removed_figs.append({f: float(figs[pick, c]) for c, f in enumerate(SATELLITE_FIGURES)})
        keep[names.index(cur[pick])] = False
        t0 = time.perf_counter()
        ds = grid_coverage(_without(sats, keep), time_grid, grid, sensors, mask=mask,
                           satellite_value=i + 1 < k, **grid_kwargs).dataset
        timings.append(time.perf_counter() - t0)
        if progress is not None:
            progress(i + 1, k)
    fractions = {f"worst_fraction{sfx}": np.asarray(ds[f"fraction{sfx}"].values).copy()
                 for sfx in ("_1", "_2", "_stereo")}
    return WorstCase(removed, removed_figs, fractions, region_statistics(ds, mask=mask), timings)


def track_satellite_value(sats, trajectories, sensors, scenario_start_utc, propagator="sgp4",
                          sample_step_s=None, intensity_w_sr=None, chunk_states=DEFAULT_CHUNK_STATES) -> pd.DataFrame:
    """Per satellite and threat: time along the flight as sole detector, needed for 2, sole stereo member.

    Parameters
    ----------
    sats, trajectories, sensors, scenario_start_utc, propagator, sample_step_s, intensity_w_sr, chunk_states
        As :func:`constellation.tracks.track_coverage` (``trajectories`` a list of
        ``(threat_name, trajectory, launch_offset_s)``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TRACK_VALUE_COLUMNS`, one row per (satellite, threat), threats in the
        given order, satellites in the set's order. Seconds: the number of samples at which
        the satellite is sole / needed for 2 / in every stereo pair times
        ``flight_time_s / n_samples`` (``flight_time_s`` the last sample's time since launch, as
        ``tracks.per_threat``), so each figure over the flight time is exactly the drop of the
        threat's custody / (>= 2) / stereo fraction without the satellite. Detection and
        stereo are the track kernel's (:func:`constellation._geometry.detects_i`,
        :func:`constellation._geometry.best_stereo_pair`).

    Raises
    ------
    TrackError
        Bad satellites, trajectories or sensor indices (the message names them).
    """
    start = parse_utc(scenario_start_utc)
    if not isinstance(sats, SatelliteSet) or len(sats) == 0:
        raise TrackError("sats: expected a non-empty orbits.SatelliteSet")
    sensors = as_sensor_list(sensors)
    si = np.ascontiguousarray(np.asarray(sats.sensor_index, dtype=np.int64))
    if si.size and si.max() >= len(sensors):
        raise TrackError(f"sats.sensor_index={int(si.max())}: only {len(sensors)} sensor(s) given "
                         f"(allowed 0..{len(sensors) - 1})")
    table = sensor_table(sensors)
    n_sat = len(sats)
    rows = []
    for k, item in enumerate(trajectories):
        try:
            name, traj, offset = item
        except (TypeError, ValueError):
            raise TrackError(f"trajectories[{k}]: expected (threat_name, trajectory, launch_offset_s)") from None
        fl = prepare_flight(str(name), traj, sensors, sample_step_s, intensity_w_sr)
        n = fl.time_s.size
        instants, tidx = np.unique(float(offset) + fl.time_s, return_inverse=True)
        tidx = np.ascontiguousarray(tidx.reshape(-1).astype(np.int64))
        out = np.full((n, SV.N_TS), -1, dtype=np.int64)
        chunk = max(1, int(chunk_states) // n_sat)
        for c0 in range(0, instants.size, chunk):
            c1 = min(instants.size, c0 + chunk)
            eph = propagate(sats, TimeGrid.from_seconds(start, instants[c0:c1]), propagator)
            ids = np.ascontiguousarray(np.flatnonzero((tidx >= c0) & (tidx < c1)).astype(np.int64))
            SV.track_satellite_value(np.ascontiguousarray(eph.positions_km), np.ascontiguousarray(eph.valid), ids,
                                     np.ascontiguousarray(tidx - c0), fl.xyz, fl.up, fl.intensity, si, table, out)
        dt = float(fl.time_s[-1]) / n if n > 0 else 0.0
        cnt = np.zeros((n_sat, 3), dtype=np.int64)
        for c, cols in enumerate(((SV.TS_SOLE,), (SV.TS_NEED2_A, SV.TS_NEED2_B), (SV.TS_STEREO_A, SV.TS_STEREO_B))):
            for col in cols:
                v = out[:, col]
                np.add.at(cnt[:, c], v[v >= 0], 1)
        for s in range(n_sat):
            rows.append((sats.names[s], fl.name, cnt[s, 0] * dt, cnt[s, 1] * dt, cnt[s, 2] * dt))
    return pd.DataFrame(rows, columns=list(TRACK_VALUE_COLUMNS))
