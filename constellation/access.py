"""Access intervals of satellites over named points, with rise/set refined between steps.

An *access* of satellite ``s`` to point ``p`` is a maximal time interval during which the
sensor's detection test holds: all configured constraints of DESIGN.md "Detection geometry"
(elevation above the point's geodetic horizon, field of regard about geocentric nadir,
slant range, grazing altitude of the line of sight, radiometric threshold when a target
intensity is given). The test is the coverage engine's own kernel,
:func:`constellation._geometry.detects_i`, so access intervals and coverage metrics agree.

Algorithm
---------
1. **Scan (output-sensitive).** Propagate the constellation on the scenario's time grid in
   chunks of time steps (memory ``O(chunk x n_sat)`` plus ``O(n_sat x n_point)`` of pair
   state, independent of the duration). Per (time step, satellite), the grid kernel's
   candidate search (:func:`constellation._candidates.max_central_angle`, a conservative
   closed-form bound on the central angle to any detectable target) keeps only the points
   in the satellite's latitude band and footprint cap; only those get the detection test,
   and each satellite carries the list of points it currently sees, so a set is found
   without visiting the others (:func:`constellation._access.scan_candidates`, parallel
   over satellites). A change of the flag between samples ``k`` and ``k + 1`` brackets a
   rise or a set.
2. **Refine rise/set.** Bisection on the detection test inside each bracket: the satellite
   is re-propagated at the trial instants (same SGP4 and frames as the scan), halving the
   bracket as many times as the widest bracket needs to get shorter than
   ``REFINE_BRACKET_S`` (0.05 s); the reported instant is the bracket's midpoint, within
   0.025 s of the crossing of the propagated orbit, kept to the millisecond (as the
   ``*_utc`` strings). Near-Earth SGP4 satellites run in a numba kernel, one bracket per
   parallel task (:func:`constellation._access.refine_crossings_sgp4`, the numba SGP4
   transcription of :mod:`orbits.sgp4_batch`); J2 and deep-space satellites in a
   vectorised loop with one batch propagation per halving (:class:`_Refiner`).
3. **Maximum elevation.** Golden-section search on the elevation (geodetic horizon)
   between the neighbours of the best sample of the interval (clipped to the refined
   interval), to 0.05 s; it assumes the elevation is unimodal over two time steps, true for
   LEO passes at steps of a few minutes or less. Same split between a parallel kernel
   (:func:`constellation._access.max_elevation_sgp4`) and the vectorised loop.
4. **Table.** Timestamps are formatted with ``numpy.datetime64`` arithmetic and
   ``numpy.datetime_as_string`` (vectorised), rows sorted with ``numpy.lexsort``.

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
from datetime import timezone

import numpy as np
import pandas as pd

from orbits.constants import SECONDS_PER_DAY, WGS72_A_KM, WGS72_J2, WGS72_XKE_PER_MIN
from orbits.propagate import PROPAGATORS, propagate
from orbits.satellites import SatelliteSet
from orbits.sgp4_batch import near_earth_coefficients
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
TARGET_STATES_PER_CHUNK = 1_000_000
"""(time, satellite) states propagated per scan chunk (positions: ~24 MB)."""

SCAN_BUFFER_POINTS = 1024
SCAN_BUFFER_EXTRA = 256
"""Access records per satellite per scan call: ``min(n_point, SCAN_BUFFER_POINTS) +
SCAN_BUFFER_EXTRA`` (memory ``40 B x n_sat x`` that); a satellite whose records outgrow the
buffer resumes in another call, and the buffer grows to ``n_point + SCAN_BUFFER_EXTRA`` if
a satellite cannot advance. The results do not depend on it."""

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
    """``start_utc + seconds`` as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` strings (rounded to the ms).

    Vectorised: ``numpy.datetime64`` arithmetic in milliseconds and
    ``numpy.datetime_as_string`` (the same strings as ``datetime + timedelta(milliseconds=
    round(s * 1000))`` and ``strftime``: both round half to even).

    Parameters
    ----------
    start_utc : datetime
        Aware (UTC) or naive UTC.
    seconds : array_like (n,) float64
        Seconds after ``start_utc``.

    Returns
    -------
    ndarray (n,) object
        Python ``str`` per instant.
    """
    if start_utc.tzinfo is not None:
        start_utc = start_utc.astimezone(timezone.utc).replace(tzinfo=None)
    base = np.datetime64(start_utc, "ms")
    ms = np.round(np.asarray(seconds, dtype=np.float64) * 1000.0).astype(np.int64)
    txt = np.datetime_as_string(base + ms.astype("timedelta64[ms]"), unit="ms")
    return np.char.add(txt, "Z").astype(object)


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


def _scan_chunk_steps(chunk_steps, n_sat):
    """Time samples per scan chunk: the caller's value, else ~``TARGET_STATES_PER_CHUNK``
    (time, satellite) states; at least 2 either way so that every chunk holds a step."""
    if chunk_steps is None:
        chunk_steps = max(2, TARGET_STATES_PER_CHUNK // max(1, n_sat))
    return int(max(2, chunk_steps))


def _point_geometry(p_xyz, p_up):
    """The candidate search's view of the points: sorted by geocentric latitude, with bounds.

    Parameters
    ----------
    p_xyz, p_up : ndarray (n_point, 3) float64
        Point ITRS positions (km) and geodetic up unit vectors.

    Returns
    -------
    order : ndarray (n_point,) int64
        Point indices by ascending ``sin`` of the geocentric latitude.
    pts, ups, unit : ndarray (n_point, 3) float64
        Positions, up vectors and geocentric unit vectors, in ``order``.
    sin_lat : ndarray (n_point,) float64
        Ascending.
    r_min, r_max : float
        Geocentric radius range of the points (km), widened by 1e-12 relative.
    tilt_rad : float
        Largest angle between a point's up vector and its geocentric radius, + 1e-9 rad
        (as the grid kernel's bound, :mod:`constellation.coverage`).
    center : ndarray (3,) float64
        Unit vector of the points' mean direction.
    spread_rad : float
        Largest central angle from ``center`` to a point, + 1e-9 rad (``pi`` when the mean
        direction is undefined): every point lies in that cap.
    """
    r = np.linalg.norm(p_xyz, axis=1)
    unit = p_xyz / r[:, None]
    order = np.argsort(unit[:, 2], kind="stable")
    tilt = np.arctan2(np.linalg.norm(np.cross(p_up, unit), axis=1), np.sum(p_up * unit, axis=1))
    mean = unit.sum(axis=0)
    norm = float(np.linalg.norm(mean))
    if norm > 1e-6 * len(unit):
        center = mean / norm
        spread = float(np.max(np.arctan2(np.linalg.norm(np.cross(unit, center), axis=1),
                                         unit @ center))) + 1e-9
    else:
        center, spread = np.array([0.0, 0.0, 1.0]), math.pi
    c = np.ascontiguousarray
    return (order, c(p_xyz[order]), c(p_up[order]), c(unit[order]), c(unit[order, 2]),
            float(r.min()) * (1.0 - 1e-12), float(r.max()) * (1.0 + 1e-12),
            float(np.max(np.abs(tilt))) + 1e-9, c(center), spread)


def _scan(sats, time_grid, propagator, sensor_of_sat, table, intensity, p_xyz, p_up,
          chunk_steps):
    """Step 1, the scan: per satellite, candidate points only, reduced to rise/set brackets.

    Propagates the constellation chunk by chunk and runs
    :func:`constellation._access.scan_candidates` (parallel over satellites) on each chunk;
    the per-pair state (open accesses, rise sample, best sample) is carried across chunks,
    so the result does not depend on the chunking.

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
        Time samples propagated at once (>= 2); memory ``O(chunk_steps x n_sat)`` plus
        ``O(n_sat x n_point)`` of per-pair state.

    Returns
    -------
    ndarray (n_acc, 6) int64
        One ``(s, p, k_rise, k_set, k_max, closed)`` per access: satellite and point index,
        the sample before the rise (``-1`` = already open at the first sample), the sample
        before the set (``n_t - 1`` when still open at the end), the sample of highest
        elevation, and 1 when the access ended inside the grid.
    """
    n_s, n_p, n_t = len(sats), p_xyz.shape[0], time_grid.count
    (order, pts, ups, unit, sin_lat, r_min, r_max, tilt, center,
     spread) = _point_geometry(p_xyz, p_up)
    state = [np.full((n_s, n_p), -2, dtype=np.int64),     # last_vis
             np.zeros((n_s, n_p), dtype=np.int64),        # start_k
             np.zeros((n_s, n_p), dtype=np.float64),      # max_el
             np.zeros((n_s, n_p), dtype=np.int64),        # max_k
             np.zeros((n_s, n_p), dtype=np.int64),        # open_pts
             np.zeros(n_s, dtype=np.int64)]               # open_n
    # records per satellite per call: enough for the open accesses of one step in practice
    # (a satellite sees few of many points at once); grown to n_point + extra (which always
    # makes progress, see scan_candidates) if a satellite ever cannot advance
    cap = min(n_p, SCAN_BUFFER_POINTS) + SCAN_BUFFER_EXTRA
    recs, sats_of = [], []
    ev = np.empty((n_s, cap, AK.N_EV), dtype=np.int64)
    ev_n = np.zeros(n_s, dtype=np.int64)
    k0 = 0
    while k0 < n_t:
        k1 = min(n_t, k0 + chunk_steps)
        eph = propagate(sats, time_grid.subgrid(k0, k1), propagator)
        pos = np.ascontiguousarray(eph.positions_km)
        valid = np.ascontiguousarray(eph.valid)
        j_start = np.zeros(n_s, dtype=np.int64)
        while True:     # again while a satellite stopped with a full buffer
            ev_n[:] = 0
            j_prev = j_start.copy()
            AK.scan_candidates(pos, valid, k0, sensor_of_sat, table, intensity, pts, ups, unit,
                               sin_lat, center, spread, r_min, r_max, tilt, *state, ev, ev_n,
                               j_start, k1 == n_t, n_t)
            recs.append(ev[np.arange(cap)[None, :] < ev_n[:, None]])
            sats_of.append(np.repeat(np.arange(n_s, dtype=np.int64), ev_n))
            if np.all(j_start > k1 - k0):
                break
            if np.any((j_start == j_prev) & (j_start <= k1 - k0)):
                cap = n_p + SCAN_BUFFER_EXTRA
                ev = np.empty((n_s, cap, AK.N_EV), dtype=np.int64)
        k0 = k1
    rec = np.concatenate(recs) if recs else np.empty((0, AK.N_EV), dtype=np.int64)
    s_idx = np.concatenate(sats_of) if sats_of else np.empty(0, dtype=np.int64)
    return np.column_stack([s_idx, order[rec[:, AK.EV_POINT]], rec[:, AK.EV_RISE],
                            rec[:, AK.EV_SET], rec[:, AK.EV_MAX], rec[:, AK.EV_CLOSED]])


class _NearEarthPairs:
    """Near-Earth SGP4 at arbitrary (satellite, instant) pairs inside numba kernels.

    The coefficient table of :func:`orbits.sgp4_batch.near_earth_coefficients` (the same
    transcription of Vallado's SGP4 the scan's batch propagator runs, < 1 mm from the C++
    ``Satrec``), the element epochs as offsets from the grid's reference Julian date, and UT1
    at every grid sample (skyfield's built-in UT1 - UTC, as the scan); a trial instant inside
    a step takes the UT1 of the step's first sample plus the elapsed time (UT1 - UTC moves
    by milliseconds per day). ``near[s]``: satellite ``s`` can use it (else the exact
    :class:`_Refiner`).
    """

    def __init__(self, sats, time_grid):
        coef, near = near_earth_coefficients(sats)
        self.coef = np.ascontiguousarray(coef)
        self.near = np.asarray(near, dtype=bool)
        jd_w, jd_f = time_grid.jd_utc_parts()
        ref_w = float(jd_w[0])
        ep_w, ep_f = sats.epoch_jd_parts()
        self.offset_s = np.ascontiguousarray(((ref_w - ep_w) - ep_f) * SECONDS_PER_DAY)
        self.t_ref_s = float((jd_w[0] - ref_w) + jd_f[0]) * SECONDS_PER_DAY - float(
            time_grid.seconds[0])
        self.ut1_w, self.ut1_f = (np.ascontiguousarray(x) for x in time_grid.jd_ut1_parts())


def _halvings(width_s, tol_s, factor):
    """Steps of a search that multiplies the widest bracket ``width_s`` by ``factor`` until
    it is at most ``tol_s`` (the count of the vectorised ``while max(width) > tol`` loop)."""
    n = 0
    w = float(np.max(width_s)) if np.size(width_s) else 0.0
    while w > tol_s:
        w *= factor
        n += 1
    return n


def _refine_crossings(ref, sec, s_idx, p_idx, kr, ks, closed, start_s, end_s, sensor_of_sat,
                      table, intensity, p_xyz, p_up, fast=None):
    """Step 2: bisect every rise and set bracket until shorter than ``REFINE_BRACKET_S``.

    Every bracket is halved as many times as the widest one needs; brackets of near-Earth
    SGP4 satellites run in :func:`constellation._access.refine_crossings_sgp4` (one bracket
    per parallel task, the satellite propagated at each midpoint), the others (J2,
    deep-space) in the vectorised loop below (one batch propagation per halving).

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
    fast : _NearEarthPairs or None
        The numba SGP4 path (``propagator="sgp4"``); None: every bracket on ``ref``.
    """
    r_rows = np.flatnonzero(kr >= 0)           # rises: invisible at lo
    x_rows = np.flatnonzero(closed)            # sets: visible at lo
    k_lo = np.r_[kr[r_rows], ks[x_rows]]
    lo = sec[k_lo]
    hi = sec[k_lo + 1]
    lo_vis = np.r_[np.zeros(len(r_rows), bool), np.ones(len(x_rows), bool)]
    b_sat = np.r_[s_idx[r_rows], s_idx[x_rows]]
    b_pt = np.r_[p_idx[r_rows], p_idx[x_rows]]
    b_row = np.ascontiguousarray(sensor_of_sat[b_sat])
    n_iter = _halvings(hi - lo, REFINE_BRACKET_S, 0.5)
    t_cross = np.empty(len(lo))
    on_fast = np.zeros(len(lo), dtype=bool) if fast is None else fast.near[b_sat]
    f = np.flatnonzero(on_fast)
    if f.size:
        t_f = np.empty(f.size)
        AK.refine_crossings_sgp4(
            fast.coef, fast.offset_s, fast.t_ref_s, fast.ut1_w[k_lo[f]], fast.ut1_f[k_lo[f]],
            b_sat[f], b_pt[f], p_xyz, p_up, table, b_row[f], intensity, lo[f], hi[f], lo_vis[f],
            n_iter, WGS72_XKE_PER_MIN, WGS72_J2, WGS72_A_KM, t_f)
        t_cross[f] = t_f
    e = np.flatnonzero(~on_fast)
    if e.size:
        lo_e, hi_e, vis_e, sat_e = lo[e], hi[e], lo_vis[e], b_sat[e]
        tgt, up, row_e = p_xyz[b_pt[e]], p_up[b_pt[e]], b_row[e]
        out = np.empty(e.size, dtype=np.bool_)
        for _ in range(n_iter):
            mid = 0.5 * (lo_e + hi_e)
            AK.detect_rows(ref.positions(sat_e, mid), tgt, up, table, row_e, intensity, out)
            same = out == vis_e
            lo_e = np.where(same, mid, lo_e)
            hi_e = np.where(same, hi_e, mid)
        t_cross[e] = 0.5 * (lo_e + hi_e)
    start_s[r_rows] = t_cross[:len(r_rows)]
    end_s[x_rows] = t_cross[len(r_rows):]


def _max_elevation(ref, sec, s_idx, p_idx, kmax, start_s, end_s, p_xyz, p_up, fast=None):
    """Step 3: instant and value of each access's highest elevation.

    Golden-section search on the geodetic elevation between the neighbours of the best
    sample ``kmax`` (clipped to the refined interval), as many steps as the widest bracket
    needs to get below ``MAX_EL_TOL_S``; the result is the best of the search's midpoint, the
    interval ends and the best sample (an elevation that cannot be computed counts as
    ``-inf``). Near-Earth SGP4 satellites run in
    :func:`constellation._access.max_elevation_sgp4` (one access per parallel task), the
    others in the vectorised loop below.

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
    fast : _NearEarthPairs or None

    Returns
    -------
    max_t : ndarray (n_acc,) float64
        Instant of the maximum (s since the grid start).
    max_el : ndarray (n_acc,) float64
        Maximum elevation (deg).
    """
    n_t = sec.size
    a = np.maximum(sec[np.maximum(kmax - 1, 0)], start_s)
    b = np.maximum(a, np.minimum(sec[np.minimum(kmax + 1, n_t - 1)], end_s))
    n_iter = _halvings(b - a, MAX_EL_TOL_S, _INV_PHI)
    max_t = np.empty(len(s_idx))
    max_el = np.empty(len(s_idx))
    on_fast = np.zeros(len(s_idx), dtype=bool) if fast is None else fast.near[s_idx]
    f = np.flatnonzero(on_fast)
    if f.size:
        t_f, e_f = np.empty(f.size), np.empty(f.size)
        AK.max_elevation_sgp4(
            fast.coef, fast.offset_s, fast.t_ref_s, fast.ut1_w[kmax[f]], fast.ut1_f[kmax[f]],
            sec[kmax[f]], s_idx[f], p_idx[f], p_xyz, p_up, a[f], b[f], n_iter, start_s[f],
            end_s[f], sec[kmax[f]], _INV_PHI, WGS72_XKE_PER_MIN, WGS72_J2, WGS72_A_KM,
            t_f, e_f)
        max_t[f], max_el[f] = t_f, e_f
    e = np.flatnonzero(~on_fast)
    if e.size:
        max_t[e], max_el[e] = _max_elevation_exact(ref, sec[kmax[e]], s_idx[e], p_idx[e],
                                                   start_s[e], end_s[e], a[e], b[e], n_iter,
                                                   p_xyz, p_up)
    return max_t, np.degrees(max_el)


def _max_elevation_exact(ref, t_best, s_idx, p_idx, start_s, end_s, a, b, n_iter, p_xyz, p_up):
    """Golden-section search of :func:`_max_elevation` on :class:`_Refiner` positions,
    vectorised over the accesses (``n_iter`` steps on ``[a, b]``); returns (instant s,
    elevation rad)."""
    tgt, up = p_xyz[p_idx], p_up[p_idx]
    elv = np.empty(len(s_idx))

    def f(t):
        AK.elevation_pairs(ref.positions(s_idx, t), tgt, up, elv)
        return elv.copy()

    c = b - _INV_PHI * (b - a)
    d = a + _INV_PHI * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(n_iter):
        left = fc > fd              # the maximum lies in [a, d]
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        nc = np.where(left, b - _INV_PHI * (b - a), d)
        nd = np.where(left, c, a + _INV_PHI * (b - a))
        fn = f(np.where(left, nc, nd))
        fc, fd = np.where(left, fn, fd), np.where(left, fc, fn)
        c, d = nc, nd
    # candidates: the golden-section result, the interval ends and the best sample
    cand_t = np.stack([0.5 * (a + b), start_s, end_s, t_best])
    cand_e = np.stack([f(ct) for ct in cand_t])
    cand_e = np.where(np.isnan(cand_e), -np.inf, cand_e)
    best = np.argmax(cand_e, axis=0)
    cols = np.arange(len(s_idx))
    return cand_t[best, cols], cand_e[best, cols]


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
    order = np.lexsort((s_idx, start_s, p_idx))     # point, start, satellite (stable)
    p_idx, s_idx, start_s, end_s, max_t, max_el, kr, closed = (
        np.asarray(a)[order] for a in (p_idx, s_idx, start_s, end_s, max_t, max_el, kr, closed))
    df = pd.DataFrame({
        "point": np.asarray(pts.name, dtype=object)[p_idx],
        "satellite": np.asarray(sats.names, dtype=object)[s_idx],
        "start_utc": _iso_ms(start_utc, start_s),
        "end_utc": _iso_ms(start_utc, end_s),
        "duration_s": np.round(end_s - start_s, 3),
        "max_elevation_deg": max_el,
        "start_s": start_s,
        "end_s": end_s,
        "max_elevation_utc": _iso_ms(start_utc, max_t),
        "clipped_start": kr < 0,
        "clipped_end": ~closed,
    })
    return df[ACCESS_COLUMNS]


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
        Time samples propagated per scan chunk; default keeps ~1 M (time, satellite) states.

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
    chunk_steps = _scan_chunk_steps(chunk_steps, len(sats))

    raw = _scan(sats, time_grid, propagator, sensor_of_sat, table, intensity, p_xyz, p_up,
                chunk_steps)
    if not len(raw):
        return _empty_access_frame()
    s_idx, p_idx, kr, ks, kmax, closed = (np.ascontiguousarray(raw[:, i]) for i in range(6))
    closed = closed.astype(bool)
    # clipped ends stay at the grid's first / last instant; the others are refined
    start_s = np.where(kr >= 0, 0.0, sec[0])
    end_s = np.where(closed, 0.0, sec[-1])

    ref = _Refiner(sats, time_grid.start_utc, propagator)
    fast = _NearEarthPairs(sats, time_grid) if propagator == "sgp4" else None
    _refine_crossings(ref, sec, s_idx, p_idx, kr, ks, closed, start_s, end_s, sensor_of_sat,
                      table, intensity, p_xyz, p_up, fast)
    max_t, max_el = _max_elevation(ref, sec, s_idx, p_idx, kmax, start_s, end_s, p_xyz, p_up,
                                   fast)
    return _access_frame(pts, sats, time_grid.start_utc, p_idx, s_idx, start_s, end_s, max_t,
                         max_el, kr, closed)
