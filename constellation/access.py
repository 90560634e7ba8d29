"""Access intervals of satellites over named points, with rise/set refined between steps.

An *access* of satellite ``s`` to point ``p`` is a maximal time interval during which the
sensor's detection test holds: all configured constraints of DESIGN.md "Detection geometry"
(elevation above the point's geodetic horizon, field of regard about geocentric nadir,
slant range, grazing altitude of the line of sight, radiometric threshold when a target
intensity is given). The test is the coverage engine's own kernel,
:func:`constellation._geometry.detects_i`, so access intervals and coverage metrics agree.

Algorithm
---------
1. **Scan.** Propagate the constellation on the scenario's time grid in chunks of time
   steps (memory ``O(chunk x n_sat x n_point)``, independent of the duration) and evaluate
   the detection test and the elevation for every (time, satellite, point)
   (:func:`constellation._access.visibility_chunk`). A change of the flag between
   samples ``k`` and ``k + 1`` brackets a rise or a set.
2. **Refine rise/set.** Bisection on the detection test inside each bracket: the satellite
   is re-propagated alone at the trial instants (:func:`orbits.propagate.propagate` on a
   :meth:`orbits.timegrid.TimeGrid.from_seconds` grid, the same propagator and frames as the
   scan), halving the bracket until it is shorter than ``REFINE_BRACKET_S`` (0.05 s); the
   reported instant is the bracket's midpoint, within 0.025 s of the crossing of the
   propagated orbit, kept to the millisecond (as the ``*_utc`` strings). All brackets of one satellite are refined together (one propagation
   per bisection step).
3. **Maximum elevation.** Golden-section search on the elevation (geodetic horizon)
   between the neighbours of the best sample of the interval (clipped to the refined
   interval), to 0.05 s; it assumes the elevation is unimodal over two time steps, true for
   LEO passes at steps of a few minutes or less.

Limitations (stated): a pass, or a gap between two passes, shorter than one time step can
be missed entirely or merged (the scan only sees the samples); choose ``step_s`` below the
shortest pass of interest. When a constraint toggles twice inside one step (e.g. range and
elevation limits both crossed) the bisection finds one of the crossings. An access open at
the grid's first or last sample starts/ends there and is flagged ``clipped_start`` /
``clipped_end`` (not refined). A satellite that fails to propagate (NaN position) has no
access from the failing sample on.

Comparison with skyfield: for an elevation mask alone, the rise/set instants agree with
skyfield's ``EarthSatellite.find_events`` (which brackets events to 0.5 s and reports the
bracket's later end) within ``0.5 s + 0.05 s``, and with a root of skyfield's continuous
``altaz()`` elevation to within 0.05 s (``tests/test_access.py``). skyfield's elevation is
the same geometric, refraction-free elevation above the WGS84 geodetic horizon.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pandas as pd

from orbits.propagate import PROPAGATORS, propagate
from orbits.satellites import SatelliteSet
from orbits.timegrid import TimeGrid

from . import _access as AK
from .points import PointSet, load_points
from .sensors import as_sensor_list, sensor_table

__all__ = ["AccessError", "access_intervals", "ACCESS_COLUMNS", "REFINE_BRACKET_S"]

ACCESS_COLUMNS = ["point", "satellite", "start_utc", "end_utc", "duration_s",
                  "max_elevation_deg", "start_s", "end_s", "max_elevation_utc",
                  "clipped_start", "clipped_end"]
"""DataFrame columns: the contract's six first, then seconds since the grid start, the
instant of maximum elevation and the clipping flags."""

REFINE_BRACKET_S = 0.05
"""Rise/set brackets are halved until shorter than this (s); the midpoint is reported."""
MAX_EL_TOL_S = 0.05
"""Golden-section search for the maximum elevation stops below this bracket (s)."""
TARGET_STATES_PER_CHUNK = 4_000_000
"""(time, satellite, point) triples evaluated per scan chunk (bounds memory to ~40 MB)."""

_INV_PHI = (math.sqrt(5.0) - 1.0) / 2.0
_J2_BATCH_STATES = 4_000_000
"""Largest (satellite x instant) batch the J2 refinement propagates in one call."""


class AccessError(ValueError):
    """Invalid access request. ``key``, ``value``, ``allowed`` name the problem."""

    def __init__(self, key, value, allowed):
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"{key} = {value!r} is not allowed: {allowed}")


def _iso_ms(start_utc, seconds):
    """``start_utc + seconds`` as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (rounded to the millisecond)."""
    dt = start_utc + timedelta(milliseconds=round(float(seconds) * 1000.0))
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class _Refiner:
    """Positions of (satellite, instant) pairs, each satellite at its own trial instants.

    ``"sgp4"``: ``Satrec.sgp4_array`` per satellite (the same C++ SGP4 the scan's
    ``SatrecArray`` runs), TEME -> ITRS with the same GMST 1982 rotation
    (:func:`constellation._access.teme_to_itrs_pairs`) and skyfield's built-in UT1,
    as :func:`orbits.propagate.propagate_sgp4` does. ``"j2"``: :func:`orbits.propagate.propagate`
    of the involved satellites on all trial instants in one call when that is at most
    ``_J2_BATCH_STATES`` states (each row then takes its own pair), else per satellite.
    """

    def __init__(self, sats, start_utc, propagator):
        self.sats = sats
        self.start = start_utc
        self.propagator = propagator

    def positions(self, sat_idx, t_s):
        """ITRS km (n, 3) of satellite ``sat_idx[i]`` at ``t_s[i]`` s after the start; NaN
        where propagation fails."""
        t_s = np.asarray(t_s, dtype=np.float64)
        sat_idx = np.asarray(sat_idx, dtype=np.int64)
        n = t_s.size
        out = np.full((n, 3), np.nan)
        if n == 0:
            return out
        order = np.argsort(t_s, kind="stable")
        grid = TimeGrid.from_seconds(self.start, t_s[order])
        inv = np.empty(n, dtype=np.int64)
        inv[order] = np.arange(n)
        if self.propagator == "sgp4":
            jd_w, jd_f = (x[inv] for x in grid.jd_utc_parts())
            ut1_w, ut1_f = (np.ascontiguousarray(x[inv]) for x in grid.jd_ut1_parts())
            r_teme = np.full((n, 3), np.nan)
            for s in np.unique(sat_idx):
                rows = np.flatnonzero(sat_idx == s)
                e, r, _v = self.sats.satrecs[s].sgp4_array(jd_w[rows], jd_f[rows])
                r = np.asarray(r, dtype=np.float64)
                r[np.asarray(e) != 0] = np.nan
                r_teme[rows] = r
            AK.teme_to_itrs_pairs(r_teme, ut1_w, ut1_f, out)
            return out
        uniq, col = np.unique(sat_idx, return_inverse=True)
        if uniq.size * n <= _J2_BATCH_STATES:
            # one call for every involved satellite at every trial instant (the J2 kernel
            # does ~1e7 states/s), then keep each row's own (instant, satellite) pair:
            # far cheaper than one parallel kernel launch per satellite
            eph = propagate(self.sats.subset(uniq), grid, self.propagator)
            pos = np.where(eph.valid[..., None], eph.positions_km, np.nan)
            out[:] = pos[inv, col]
            return out
        for s in uniq:
            rows = np.flatnonzero(sat_idx == s)
            o = np.argsort(t_s[rows], kind="stable")
            g = TimeGrid.from_seconds(self.start, t_s[rows][o])
            eph = propagate(self.sats.subset([s]), g, self.propagator)
            pos = np.where(eph.valid[:, :1], eph.positions_km[:, 0, :], np.nan)
            out[rows[o]] = pos
        return out


def _as_points(points):
    if isinstance(points, PointSet):
        return points
    return load_points(points)


def _check_access_inputs(sats, points, time_grid, sensor, propagator, target_intensity_w_sr):
    """Validate an :func:`access_intervals` request and build the detection test's inputs.

    Parameters
    ----------
    sats, points, time_grid, sensor, propagator, target_intensity_w_sr
        As :func:`access_intervals`.

    Returns
    -------
    pts : constellation.points.PointSet
        The target points.
    table : ndarray (n_sensor, k) float64
        :func:`constellation.sensors.sensor_table` of the sensors.
    intensity : float
        Target in-band intensity (W/sr), NaN when none is given (no radiometric sensor).
    sensor_of_sat : ndarray (n_sat,) int64
        Row of ``table`` used by each satellite (C-contiguous, as the kernels take it).

    Raises
    ------
    AccessError
        As :func:`access_intervals`, checked in this order: satellites, propagator, time
        grid, then (after the points are loaded) the radiometric intensity and the sensor
        indices; an invalid point list raises the loader's own error in between.
    """
    if not isinstance(sats, SatelliteSet):
        raise AccessError("sats", type(sats).__name__, "a SatelliteSet")
    if propagator not in PROPAGATORS:
        raise AccessError("propagator", propagator, f"one of {', '.join(PROPAGATORS)}")
    if not isinstance(time_grid, TimeGrid) or time_grid.count < 2:
        raise AccessError("time_grid", time_grid, "a TimeGrid with at least 2 samples")
    pts = _as_points(points)
    sensors = as_sensor_list(sensor)
    if any(s.radiometric for s in sensors) and target_intensity_w_sr is None:
        raise AccessError("target_intensity_w_sr", None,
                          "a target intensity in W/sr when the sensor has a radiometric "
                          "threshold (or a sensor without one)")
    table = sensor_table(sensors, target_intensity_w_sr)
    intensity = math.nan if target_intensity_w_sr is None else float(target_intensity_w_sr)
    sensor_of_sat = np.ascontiguousarray(sats.sensor_index.astype(np.int64))
    if sensor_of_sat.size and sensor_of_sat.max() >= table.shape[0]:
        raise AccessError("sensor", f"{table.shape[0]} sensor(s)",
                          f"at least {sensor_of_sat.max() + 1} sensors: satellites refer to "
                          f"sensor index {sensor_of_sat.max()}")
    return pts, table, intensity, sensor_of_sat


def _scan_chunk_steps(chunk_steps, n_sat, n_point):
    """Time samples per scan chunk: the caller's value, else ~``TARGET_STATES_PER_CHUNK``
    (time, satellite, point) triples; at least 2 either way so that every chunk holds a step."""
    if chunk_steps is None:
        chunk_steps = max(2, TARGET_STATES_PER_CHUNK // max(1, n_sat * n_point))
    return int(max(2, chunk_steps))


class _PassTracker:
    """Rise/set brackets and best samples of every (satellite, point) pair, fed in time order.

    The scan calls :meth:`step` once per time sample with that sample's detection flags and
    elevations; a flag that changes between samples ``k - 1`` and ``k`` brackets a rise or a
    set in ``[k - 1, k]``. :meth:`close` ends the accesses still open at the last sample.

    Attributes
    ----------
    raw : list of tuple
        One entry per access, ``(s, p, k_rise, k_set, k_max, closed)``: satellite and point
        index, the sample before the rise (``-1`` = already open at the first sample), the
        sample before the set (``n_t - 1`` when still open at the end), the sample of highest
        elevation, and whether the access ended inside the grid.
    """

    def __init__(self, n_sat, n_point):
        self.prev_vis = None
        # sample before the rise; -1 = open at start
        self.start_k = np.full((n_sat, n_point), -1, dtype=np.int64)
        self.max_el = np.full((n_sat, n_point), -np.inf)
        self.max_k = np.zeros((n_sat, n_point), dtype=np.int64)
        self.raw = []

    def step(self, k, v, e):
        """Take sample ``k``: ``v`` (n_sat, n_point) bool detection flags, ``e`` (n_sat,
        n_point) float64 elevations (rad); records the accesses that set at ``k``."""
        if self.prev_vis is None:
            # open at the first sample: start clipped
            self.start_k[v] = -1
            self.max_el[v] = e[v]
            self.max_k[v] = k
        else:
            rise = v & ~self.prev_vis
            sets = self.prev_vis & ~v
            if sets.any():
                for s_i, p_i in zip(*np.nonzero(sets)):
                    self.raw.append((s_i, p_i, self.start_k[s_i, p_i], k - 1,
                                     self.max_k[s_i, p_i], True))
            if rise.any():
                self.start_k[rise] = k - 1
                self.max_el[rise] = -np.inf
            better = v & (e > self.max_el)
            self.max_el[better] = e[better]
            self.max_k[better] = k
        self.prev_vis = v.copy()

    def close(self, n_t):
        """Record the accesses still open at the last sample (``n_t - 1``) as unclosed."""
        for s_i, p_i in zip(*np.nonzero(self.prev_vis)):
            self.raw.append((s_i, p_i, self.start_k[s_i, p_i], n_t - 1, self.max_k[s_i, p_i],
                             False))


def _scan(sats, time_grid, propagator, sensor_of_sat, table, intensity, p_xyz, p_up,
          chunk_steps):
    """Step 1, the scan: detection flags on the grid, chunk by chunk, reduced to brackets.

    Parameters
    ----------
    sats : orbits.satellites.SatelliteSet
    time_grid : orbits.timegrid.TimeGrid
        ``n_t >= 2`` samples.
    propagator : str
    sensor_of_sat : ndarray (n_sat,) int64
    table : ndarray (n_sensor, k) float64
    intensity : float
        W/sr, NaN for none.
    p_xyz, p_up : ndarray (n_point, 3) float64
        Point ECEF positions (km) and geodetic up unit vectors.
    chunk_steps : int
        Time samples propagated and tested at once (>= 2); memory
        ``O(chunk_steps x n_sat x n_point)``.

    Returns
    -------
    list of tuple
        :attr:`_PassTracker.raw`: one ``(s, p, k_rise, k_set, k_max, closed)`` per access.
    """
    n_s, n_p, n_t = len(sats), p_xyz.shape[0], time_grid.count
    tracker = _PassTracker(n_s, n_p)
    k0 = 0
    while k0 < n_t:
        k1 = min(n_t, k0 + chunk_steps)
        eph = propagate(sats, time_grid.subgrid(k0, k1), propagator)
        m = k1 - k0
        vis = np.empty((m, n_s, n_p), dtype=np.bool_)
        el = np.empty((m, n_s, n_p), dtype=np.float64)
        AK.visibility_chunk(np.ascontiguousarray(eph.positions_km), np.ascontiguousarray(eph.valid),
                            sensor_of_sat, table, intensity, p_xyz, p_up, vis, el)
        for j in range(m):
            tracker.step(k0 + j, vis[j], el[j])
        k0 = k1
    tracker.close(n_t)
    return tracker.raw


def _refine_crossings(ref, sec, s_idx, p_idx, kr, ks, closed, start_s, end_s, sensor_of_sat,
                      table, intensity, p_xyz, p_up):
    """Step 2: bisect every rise and set bracket until shorter than ``REFINE_BRACKET_S``.

    Parameters
    ----------
    ref : _Refiner
        Re-propagates satellites at trial instants.
    sec : ndarray (n_t,) float64
        Grid instants (s since the grid start).
    s_idx, p_idx, kr, ks : ndarray (n_acc,) int64
        Satellite, point, sample before the rise (``-1``: clipped) and before the set.
    closed : ndarray (n_acc,) bool
        The access set inside the grid (its set is refined).
    start_s, end_s : ndarray (n_acc,) float64
        Updated in place: refined rises (rows with ``kr >= 0``) and sets (``closed`` rows)
        become their bracket's final midpoint (s since the grid start).
    sensor_of_sat, table, intensity, p_xyz, p_up
        The detection test's inputs, as in :func:`_scan`.
    """
    r_rows = np.flatnonzero(kr >= 0)           # rises: invisible at lo
    x_rows = np.flatnonzero(closed)            # sets: visible at lo
    lo = np.r_[sec[kr[r_rows]], sec[ks[x_rows]]]
    hi = np.r_[sec[kr[r_rows] + 1], sec[ks[x_rows] + 1]]
    lo_vis = np.r_[np.zeros(len(r_rows), bool), np.ones(len(x_rows), bool)]
    b_sat = np.r_[s_idx[r_rows], s_idx[x_rows]]
    b_pt = np.r_[p_idx[r_rows], p_idx[x_rows]]
    b_row = np.ascontiguousarray(sensor_of_sat[b_sat])
    tgt, up = p_xyz[b_pt], p_up[b_pt]
    out = np.empty(len(lo), dtype=np.bool_)
    while len(lo) and np.max(hi - lo) > REFINE_BRACKET_S:
        mid = 0.5 * (lo + hi)
        AK.detect_rows(ref.positions(b_sat, mid), tgt, up, table, b_row, intensity, out)
        same = out == lo_vis
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    t_cross = 0.5 * (lo + hi)
    start_s[r_rows] = t_cross[:len(r_rows)]
    end_s[x_rows] = t_cross[len(r_rows):]


def _max_elevation(ref, sec, s_idx, p_idx, kmax, start_s, end_s, p_xyz, p_up):
    """Step 3: instant and value of each access's highest elevation.

    Golden-section search on the geodetic elevation between the neighbours of the best
    sample ``kmax`` (clipped to the refined interval), to ``MAX_EL_TOL_S``; the result is the
    best of the search's midpoint, the interval ends and the best sample (an elevation that
    cannot be computed counts as ``-inf``).

    Parameters
    ----------
    ref : _Refiner
    sec : ndarray (n_t,) float64
        Grid instants (s since the grid start).
    s_idx, p_idx, kmax : ndarray (n_acc,) int64
        Satellite, point and best sample of each access.
    start_s, end_s : ndarray (n_acc,) float64
        Refined interval (s since the grid start).
    p_xyz, p_up : ndarray (n_point, 3) float64

    Returns
    -------
    max_t : ndarray (n_acc,) float64
        Instant of the maximum (s since the grid start).
    max_el : ndarray (n_acc,) float64
        Maximum elevation (deg).
    """
    n_t = sec.size
    tgt, up = p_xyz[p_idx], p_up[p_idx]
    elv = np.empty(len(s_idx))

    def f(t):
        AK.elevation_pairs(ref.positions(s_idx, t), tgt, up, elv)
        return elv.copy()

    a = np.maximum(sec[np.maximum(kmax - 1, 0)], start_s)
    b = np.maximum(a, np.minimum(sec[np.minimum(kmax + 1, n_t - 1)], end_s))
    c = b - _INV_PHI * (b - a)
    d = a + _INV_PHI * (b - a)
    fc, fd = f(c), f(d)
    while np.max(b - a) > MAX_EL_TOL_S:
        left = fc > fd              # the maximum lies in [a, d]
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        nc = np.where(left, b - _INV_PHI * (b - a), d)
        nd = np.where(left, c, a + _INV_PHI * (b - a))
        fn = f(np.where(left, nc, nd))
        fc, fd = np.where(left, fn, fd), np.where(left, fc, fn)
        c, d = nc, nd
    # candidates: the golden-section result, the interval ends and the best sample
    cand_t = np.stack([0.5 * (a + b), start_s, end_s, sec[kmax]])
    cand_e = np.stack([f(ct) for ct in cand_t])
    cand_e = np.where(np.isnan(cand_e), -np.inf, cand_e)
    best = np.argmax(cand_e, axis=0)
    cols = np.arange(len(s_idx))
    return cand_t[best, cols], np.degrees(cand_e[best, cols])


def _empty_access_frame():
    """The :data:`ACCESS_COLUMNS` frame with no rows (each column with its dtype)."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        ACCESS_COLUMNS, [object, object, object, object, float, float, float, float,
                         object, bool, bool])})


def _access_frame(pts, sats, start_utc, p_idx, s_idx, start_s, end_s, max_t, max_el, kr,
                  closed):
    """Build the result: one row per access, :data:`ACCESS_COLUMNS`, sorted.

    Parameters
    ----------
    pts : constellation.points.PointSet
    sats : orbits.satellites.SatelliteSet
    start_utc : datetime
        Grid start (the ``*_utc`` strings are this plus the seconds, to the millisecond).
    p_idx, s_idx, kr : ndarray (n_acc,) int64
        Point, satellite and sample before the rise (``-1``: clipped start).
    start_s, end_s, max_t, max_el : ndarray (n_acc,) float64
        Refined rise and set, instant of the maximum (s since the grid start) and the
        maximum elevation (deg).
    closed : ndarray (n_acc,) bool
        False where the access is still open at the last sample (clipped end).

    Returns
    -------
    pandas.DataFrame
        Sorted by point (input order), start, satellite; index 0..n_acc-1.
    """
    # Rise, set and maximum are good to REFINE_BRACKET_S / MAX_EL_TOL_S; the bisection leaves
    # binary fractions (736.3330078125) that no refinement resolved.  Every time is kept to
    # the millisecond, as the *_utc strings, and the duration is the difference of the kept
    # times (so duration_s == end_s - start_s in the table and in accesses.csv).
    start_s, end_s, max_t = (np.round(np.asarray(a, dtype=np.float64), 3)
                             for a in (start_s, end_s, max_t))
    df = pd.DataFrame({
        "point": [pts.name[i] for i in p_idx],
        "satellite": [sats.names[i] for i in s_idx],
        "start_utc": [_iso_ms(start_utc, t) for t in start_s],
        "end_utc": [_iso_ms(start_utc, t) for t in end_s],
        "duration_s": np.round(end_s - start_s, 3),
        "max_elevation_deg": max_el,
        "start_s": start_s,
        "end_s": end_s,
        "max_elevation_utc": [_iso_ms(start_utc, t) for t in max_t],
        "clipped_start": kr < 0,
        "clipped_end": ~closed,
        "_p": p_idx,
        "_s": s_idx,
    })
    df = df.sort_values(["_p", "start_s", "_s"], kind="stable").drop(columns=["_p", "_s"])
    return df.reset_index(drop=True)[ACCESS_COLUMNS]


def access_intervals(sats, points, time_grid, sensor=None, propagator="sgp4",
                     target_intensity_w_sr=None, chunk_steps=None):
    """Access intervals of every satellite over every point, rise/set refined to 0.025 s.

    Rise and set are bisected until the bracket is shorter than :data:`REFINE_BRACKET_S`
    (0.05 s) and reported at its midpoint (within 0.025 s); every time is kept to 1 ms.

    Parameters
    ----------
    sats : orbits.satellites.SatelliteSet
        Satellite ``i`` uses sensor ``sats.sensor_index[i]`` when ``sensor`` is a list.
    points : constellation.points.PointSet, CSV path or list of dicts
        Target points (see :func:`constellation.points.load_points`).
    time_grid : orbits.timegrid.TimeGrid
        Scan grid (at least 2 samples). Passes shorter than its step can be missed.
    sensor : Sensor, list of Sensor, dict or None
        Detection constraints (:class:`constellation.sensors.Sensor`); None = default Sensor.
    propagator : {"sgp4", "j2"}
        Used for the scan and the refinement alike.
    target_intensity_w_sr : float, optional
        In-band intensity of the point target (W/sr) for a radiometric sensor; required
        when any sensor has a radiometric threshold.
    chunk_steps : int, optional
        Time samples per scan chunk; default keeps ~4 M (time, sat, point) triples.

    Returns
    -------
    pandas.DataFrame
        One row per access, columns :data:`ACCESS_COLUMNS`: ``point``, ``satellite``,
        ``start_utc``, ``end_utc`` (ISO-8601 UTC strings, millisecond resolution, ``Z``),
        ``duration_s``, ``max_elevation_deg`` (geodetic elevation, deg), ``start_s``,
        ``end_s`` (s since the grid start), ``max_elevation_utc``, ``clipped_start``,
        ``clipped_end`` (bool: the access was already open at the first sample / still open
        at the last one). Sorted by point (input order), start, satellite.

    Raises
    ------
    AccessError
        Unknown propagator, fewer than 2 time samples, radiometric sensor without intensity,
        sensor index out of range.
    """

    pts, table, intensity, sensor_of_sat = _check_access_inputs(
        sats, points, time_grid, sensor, propagator, target_intensity_w_sr)
    p_xyz = np.ascontiguousarray(pts.ecef_km(), dtype=np.float64)
    p_up = np.ascontiguousarray(pts.up(), dtype=np.float64)
    sec = np.asarray(time_grid.seconds, dtype=np.float64)
    chunk_steps = _scan_chunk_steps(chunk_steps, len(sats), len(pts))

    raw = _scan(sats, time_grid, propagator, sensor_of_sat, table, intensity, p_xyz, p_up,
                chunk_steps)
    if not raw:
        return _empty_access_frame()
    raw = np.array(raw, dtype=np.int64)
    s_idx, p_idx, kr, ks, kmax, closed = (raw[:, i] for i in range(6))
    closed = closed.astype(bool)
    # clipped ends stay at the grid's first / last instant; the others are refined
    start_s = np.where(kr >= 0, 0.0, sec[0])
    end_s = np.where(closed, 0.0, sec[-1])

    ref = _Refiner(sats, time_grid.start_utc, propagator)
    _refine_crossings(ref, sec, s_idx, p_idx, kr, ks, closed, start_s, end_s, sensor_of_sat,
                      table, intensity, p_xyz, p_up)
    max_t, max_el = _max_elevation(ref, sec, s_idx, p_idx, kmax, start_s, end_s, p_xyz, p_up)
    return _access_frame(pts, sats, time_grid.start_utc, p_idx, s_idx, start_s, end_s, max_t,
                         max_el, kr, closed)
