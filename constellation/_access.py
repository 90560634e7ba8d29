"""numba kernels of :mod:`constellation.access` (float64 arrays, km, rad; never raise).

They evaluate the coverage engine's own detection test
(:func:`constellation._geometry.detects_i`: elevation mask, field of regard, range, grazing
altitude, radiometric threshold) and the geodetic elevation
(:func:`constellation._geometry.elevation_rad`) on

- a time chunk of a constellation against a point list, candidates only
  (:func:`scan_candidates`, with the grid kernel's footprint bound), reduced to rise/set
  records;
- arbitrary (satellite position, point) pairs (:func:`detect_pairs`, :func:`elevation_pairs`,
  :func:`detect_rows`) for the vectorised rise/set bisection and maximum-elevation search;
- per bracket / per access with near-Earth SGP4 evaluated in the kernel
  (:func:`refine_crossings_sgp4`, :func:`max_elevation_sgp4`), parallel.

A NaN satellite position (decayed / failed SGP4) never detects (``detects_i`` rejects it)
and has NaN elevation.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from orbits.kernels import gmst82, sgp4_near_earth_s

from ._candidates import max_central_angle
from ._geometry import detects_i, elevation_rad
from ._jit import jit, jit_inline, jit_parallel


@jit
def detect_pairs(sat, tgt, up, params, intensity, out):
    """``out[i] = detects_i(sat[i], tgt[i], up[i], params, intensity)``; shapes (n, 3)."""
    for i in range(sat.shape[0]):
        out[i] = detects_i(sat[i], tgt[i], up[i], params, intensity)


@jit
def elevation_pairs(sat, tgt, up, out):
    """``out[i]`` = elevation (rad) of ``sat[i]`` above the horizon of ``tgt[i]``; NaN for a
    NaN satellite position."""
    for i in range(sat.shape[0]):
        if sat[i, 0] != sat[i, 0]:
            out[i] = np.nan
        else:
            out[i] = elevation_rad(sat[i], tgt[i], up[i])


@jit
def teme_to_itrs_pairs(r_teme, ut1_whole, ut1_frac, out):
    """Rotate TEME positions ``r_teme`` (n, 3) km, each at its own UT1 instant, into ITRS.

    Same rotation as :func:`orbits.kernels.teme_to_itrs_kernel` (R3 of GMST 1982 via
    :func:`orbits.kernels.gmst82`, no polar motion), serial: the refinement calls it with
    a few hundred rows per bisection step, where a parallel launch costs more than it saves.
    """
    for i in range(r_teme.shape[0]):
        th = gmst82(ut1_whole[i], ut1_frac[i])
        c = math.cos(th)
        s = math.sin(th)
        x = r_teme[i, 0]
        y = r_teme[i, 1]
        out[i, 0] = c * x + s * y
        out[i, 1] = -s * x + c * y
        out[i, 2] = r_teme[i, 2]


@jit
def detect_rows(sat, tgt, up, table, sensor_row, intensity, out):
    """``out[i] = detects_i(sat[i], tgt[i], up[i], table[sensor_row[i]], intensity)``."""
    for i in range(sat.shape[0]):
        out[i] = detects_i(sat[i], tgt[i], up[i], table[sensor_row[i]], intensity)


# ------------------------------------------------------------------ output-sensitive path
EV_POINT = 0  # int64 columns of an access record (``ev``): point (sorted order), the sample
EV_RISE = 1   # before the rise (-1: open at the first sample), the sample before the set
EV_SET = 2    # (n_t - 1 when still open at the end), the sample of highest elevation, and 1
EV_MAX = 3    # when the access set inside the grid (0: still open at the last sample)
EV_CLOSED = 4
N_EV = 5


@jit_inline
def _emit(ev, ev_n, s, cap, p, k_rise, k_set, k_max, closed):
    """Append one access record to satellite ``s``'s buffer (counted even past ``cap``)."""
    n = ev_n[s]
    if n < cap:
        ev[s, n, EV_POINT] = p
        ev[s, n, EV_RISE] = k_rise
        ev[s, n, EV_SET] = k_set
        ev[s, n, EV_MAX] = k_max
        ev[s, n, EV_CLOSED] = closed
    ev_n[s] = n + 1


@jit_parallel
def scan_candidates(pos, valid, k0, sensor_of_sat, table, intensity, pts, ups, unit, sin_lat,
                    center, spread_rad, r_min, r_max, tilt_rad, last_vis, start_k, max_el,
                    max_k, open_pts, open_n, ev, ev_n, j_start, finish, n_t):
    """Scan one time chunk, satellite by satellite, testing only the candidate points.

    The grid kernel's candidate search (:func:`constellation._candidates.max_central_angle`:
    a closed-form, conservative bound ``lambda`` on the geocentric central angle between a
    satellite and any target it can detect, for targets in the shell ``r_min <= |t| <= r_max``
    whose normals tilt at most ``tilt_rad`` from the radius) first rejects the (step,
    satellite) whose cap misses the points' bounding cap (``center``, ``spread_rad``:
    central angle to the sub-satellite point above ``lambda + spread``), then selects the
    points whose geocentric latitude lies in ``[phi_s - lambda, phi_s + lambda]`` (a
    binary search on the points sorted by ``sin(latitude)``) and whose central angle to the
    sub-satellite point is at most ``lambda`` (``u_s . u_p >= cos(lambda)``). Only those get
    the exact test (:func:`constellation._geometry.detects_i`); a non-candidate cannot be
    detected. Every satellite keeps the list of points it currently sees (``open_pts``), so
    a set is found without visiting the other points: the work per step is the candidates
    plus the open accesses, not ``n_point``.

    The bookkeeping is that of the former dense scan (every triple tested): a rise between
    samples ``k - 1`` and ``k`` records ``k - 1`` (``-1`` when visible at the grid's first
    sample), the best sample is the first of highest elevation, a set between ``k - 1`` and
    ``k`` emits ``(p, k_rise, k - 1, k_max, 1)``; ``finish`` emits the accesses still open
    as ``(p, k_rise, n_t - 1, k_max, 0)``.

    Parameters
    ----------
    pos : (m, n_s, 3) float64
        Satellite ITRS positions (km) at samples ``k0 .. k0 + m - 1``.
    valid : (m, n_s) bool
        False: no detection (a failed propagation).
    k0 : int
        Grid index of the chunk's first sample.
    sensor_of_sat : (n_s,) int64
        Row of ``table`` each satellite uses.
    table : (n_sensor, N_PARAM) float64
        Sensor parameter vectors (:func:`constellation.sensors.sensor_table`).
    intensity : float
        Target intensity (W/sr) for the radiometric test; NaN skips it.
    pts, ups, unit : (n_p, 3) float64
        Points sorted by ``sin_lat``: ITRS positions (km), geodetic up vectors, geocentric
        unit vectors.
    sin_lat : (n_p,) float64
        Sine of each point's geocentric latitude, ascending.
    center : (3,) float64; spread_rad : float
        Unit vector and angular radius (rad, padded; ``pi`` or more: none) of a cap that
        holds every point.
    r_min, r_max, tilt_rad : float
        The points' geocentric radius range (km) and largest normal tilt (rad), padded.
    last_vis, start_k, max_k : (n_s, n_p) int64, in/out
        Last sample at which the pair was seen (-2: never), the rise record and the best
        sample of the open access.
    max_el : (n_s, n_p) float64, in/out
        Highest elevation (rad) of the open access so far.
    open_pts : (n_s, n_p) int64, in/out; open_n : (n_s,) int64, in/out
        Points each satellite sees at the latest sample (the first ``open_n[s]`` entries).
    ev : (n_s, cap, N_EV) int64, out; ev_n : (n_s,) int64, in/out
        Access records (``EV_*`` columns) appended per satellite. A satellite stops before a
        step whose sets might not fit (``ev_n + open_n > cap``; ``cap >= n_p`` guarantees
        progress once the caller has emptied the buffer).
    j_start : (n_s,) int64, in/out
        Chunk step each satellite resumes at; on return the step it stopped at, or ``m + 1``
        when it is done with the chunk (``m``: only the ``finish`` records are left).
    finish : bool
        The chunk ends the grid: emit the still-open accesses.
    n_t : int
        Grid samples.
    """
    m = pos.shape[0]
    n_s = pos.shape[1]
    n_p = pts.shape[0]
    cap = ev.shape[1]
    for s in prange(n_s):
        prm = table[sensor_of_sat[s]]
        j = j_start[s]
        if j > m:
            continue
        while j < m:
            if ev_n[s] + open_n[s] > cap:
                break           # the buffer may not hold this step's sets: resume here
            k = k0 + j
            if valid[j, s]:
                x = pos[j, s, 0]
                y = pos[j, s, 1]
                z = pos[j, s, 2]
                rs = math.sqrt(x * x + y * y + z * z)
                lam = -1.0
                if rs > 0.0:
                    lam = max_central_angle(rs, prm, r_min, r_max, tilt_rad)
                if lam >= 0.0 and lam + spread_rad < math.pi:
                    if (x * center[0] + y * center[1] + z * center[2]
                            < rs * (math.cos(lam + spread_rad) - 1e-12)):
                        lam = -1.0      # the cap misses every point
                if lam >= 0.0:
                    i0 = 0
                    i1 = n_p
                    cos_lam = -2.0
                    if lam < math.pi:
                        cos_lam = math.cos(lam) - 1e-12
                        phi = math.asin(min(1.0, max(-1.0, z / rs)))
                        if phi - lam > -0.5 * math.pi:
                            i0 = np.searchsorted(sin_lat, math.sin(phi - lam) - 1e-12)
                        if phi + lam < 0.5 * math.pi:
                            i1 = np.searchsorted(sin_lat, math.sin(phi + lam) + 1e-12,
                                                 side="right")
                    ux = x / rs
                    uy = y / rs
                    uz = z / rs
                    for p in range(i0, i1):
                        if ux * unit[p, 0] + uy * unit[p, 1] + uz * unit[p, 2] < cos_lam:
                            continue
                        if not detects_i(pos[j, s], pts[p], ups[p], prm, intensity):
                            continue
                        e = elevation_rad(pos[j, s], pts[p], ups[p])
                        if last_vis[s, p] == k - 1 and k > 0:
                            if e > max_el[s, p]:
                                max_el[s, p] = e
                                max_k[s, p] = k
                        else:
                            start_k[s, p] = k - 1
                            max_el[s, p] = e
                            max_k[s, p] = k
                            open_pts[s, open_n[s]] = p
                            open_n[s] += 1
                        last_vis[s, p] = k
            # sets: open accesses not seen at k
            w = 0
            for i in range(open_n[s]):
                p = open_pts[s, i]
                if last_vis[s, p] == k:
                    open_pts[s, w] = p
                    w += 1
                else:
                    _emit(ev, ev_n, s, cap, p, start_k[s, p], k - 1, max_k[s, p], 1)
            open_n[s] = w
            j += 1
        if j == m and finish:
            if ev_n[s] + open_n[s] > cap:
                j_start[s] = m
                continue
            for i in range(open_n[s]):
                p = open_pts[s, i]
                _emit(ev, ev_n, s, cap, p, start_k[s, p], n_t - 1, max_k[s, p], 0)
        j_start[s] = j if j < m else m + 1


@jit_inline
def _sgp4_itrs(coef, offset_s, t_s, ut1_w, ut1_f, xke, j2, radius_km, out):
    """ITRS position (km) into ``out`` (3,) of one near-Earth SGP4 satellite ``t_s`` seconds
    after the reference of ``offset_s``; NaN on an SGP4 error. Same steps as
    :func:`orbits.kernels.sgp4_near_earth_s` then R3(GMST 1982 at UT1 ``ut1_w + ut1_f``), as
    the batch propagator does."""
    x, y, z, err = sgp4_near_earth_s(coef, (t_s + offset_s) / 60.0, xke, j2, radius_km)
    if err != 0:
        out[0] = np.nan
        out[1] = np.nan
        out[2] = np.nan
        return
    th = gmst82(ut1_w, ut1_f)
    c = math.cos(th)
    s = math.sin(th)
    out[0] = c * x + s * y
    out[1] = -s * x + c * y
    out[2] = z


@jit_parallel
def refine_crossings_sgp4(coef, offset_s, t_ref_s, ut1_w, ut1_f0, b_sat, b_pt, pts, ups, table,
                          sensor_row, intensity, lo, hi, lo_vis, n_iter, xke, j2, radius_km,
                          t_cross):
    """Bisect rise/set brackets on the detection test, one bracket per thread task.

    Each bracket ``[lo[i], hi[i]]`` (s since the grid start) is halved ``n_iter`` times (the
    number the widest bracket needs to get below the tolerance, as the vectorised bisection
    did): the satellite is propagated at the midpoint (near-Earth SGP4,
    :func:`_sgp4_itrs`) and the test decides which half keeps the crossing. The result is
    the final bracket's midpoint.

    Parameters
    ----------
    coef : (n_sat, N_SGP4_COEF) float64
        SGP4 coefficients (:func:`orbits.sgp4_batch.near_earth_coefficients`).
    offset_s : (n_sat,) float64
        Reference instant minus element epoch (s).
    t_ref_s : float
        Grid start after the reference instant (s).
    ut1_w, ut1_f0 : (n_b,) float64
        UT1 Julian date of each bracket's ``lo`` (whole, fraction); an instant ``dt`` later
        has UT1 fraction ``ut1_f0 + dt / 86400`` (UT1 - UTC is constant over a bracket).
    b_sat, b_pt, sensor_row : (n_b,) int64
    pts, ups : (n_p, 3) float64
    table : (n_sensor, N_PARAM) float64
    intensity : float
    lo, hi : (n_b,) float64
        Brackets (s since the grid start); ``lo_vis`` (n_b,) bool: detection at ``lo``.
    n_iter : int
    xke, j2, radius_km : float
        WGS72 SGP4 constants.
    t_cross : (n_b,) float64, out
    """
    n_b = lo.shape[0]
    for i in prange(n_b):
        r = np.empty(3)
        a = lo[i]
        b = hi[i]
        s = b_sat[i]
        p = b_pt[i]
        prm = table[sensor_row[i]]
        for _ in range(n_iter):
            mid = 0.5 * (a + b)
            _sgp4_itrs(coef[s], offset_s[s], t_ref_s + mid, ut1_w[i],
                       ut1_f0[i] + (mid - lo[i]) / 86400.0, xke, j2, radius_km, r)
            if detects_i(r, pts[p], ups[p], prm, intensity) == lo_vis[i]:
                a = mid
            else:
                b = mid
        t_cross[i] = 0.5 * (a + b)


@jit_inline
def _elev_at(coef, offset_s, t_ref_s, ut1_w, ut1_f0, t0, t, tgt, up, xke, j2, radius_km, r):
    """Elevation (rad, NaN when SGP4 fails) at ``t`` s since the grid start; UT1 from the
    value ``ut1_f0`` at ``t0``."""
    _sgp4_itrs(coef, offset_s, t_ref_s + t, ut1_w, ut1_f0 + (t - t0) / 86400.0, xke, j2,
               radius_km, r)
    if r[0] != r[0]:
        return np.nan
    return elevation_rad(r, tgt, up)


@jit_parallel
def max_elevation_sgp4(coef, offset_s, t_ref_s, ut1_w, ut1_f0, t0, s_idx, p_idx, pts, ups,
                       a_in, b_in, n_iter, t_start, t_end, t_best, inv_phi, xke, j2, radius_km,
                       max_t, max_el):
    """Golden-section search of each access's highest elevation, one access per task.

    The search of :func:`constellation.access._max_elevation` (``n_iter`` steps on
    ``[a_in, b_in]``, then the best of the search's midpoint, the interval ends
    ``t_start``/``t_end`` and the best sample ``t_best``, NaN counting as ``-inf``, ties to
    the first), with the satellite propagated at every trial instant (:func:`_elev_at`).
    ``ut1_w``/``ut1_f0`` are the UT1 parts at ``t0`` (s since the grid start), per access.
    Outputs ``max_t`` (s since the grid start) and ``max_el`` (rad, ``-inf`` when none).
    """
    n = a_in.shape[0]
    for i in prange(n):
        r = np.empty(3)
        cf = coef[s_idx[i]]
        off = offset_s[s_idx[i]]
        tgt = pts[p_idx[i]]
        up = ups[p_idx[i]]
        uw = ut1_w[i]
        uf = ut1_f0[i]
        tt = t0[i]
        a = a_in[i]
        b = b_in[i]
        c = b - inv_phi * (b - a)
        d = a + inv_phi * (b - a)
        fc = _elev_at(cf, off, t_ref_s, uw, uf, tt, c, tgt, up, xke, j2, radius_km, r)
        fd = _elev_at(cf, off, t_ref_s, uw, uf, tt, d, tgt, up, xke, j2, radius_km, r)
        for _ in range(n_iter):
            if fc > fd:
                b = d
                nc = b - inv_phi * (b - a)
                nd = c
                fn = _elev_at(cf, off, t_ref_s, uw, uf, tt, nc, tgt, up, xke, j2, radius_km, r)
                fd = fc
                fc = fn
            else:
                a = c
                nc = d
                nd = a + inv_phi * (b - a)
                fn = _elev_at(cf, off, t_ref_s, uw, uf, tt, nd, tgt, up, xke, j2, radius_km, r)
                fc = fd
                fd = fn
            c = nc
            d = nd
        best_t = 0.5 * (a + b)
        best_e = _elev_at(cf, off, t_ref_s, uw, uf, tt, best_t, tgt, up, xke, j2, radius_km, r)
        if best_e != best_e:
            best_e = -np.inf
        for q in range(3):
            if q == 0:
                ct = t_start[i]
            elif q == 1:
                ct = t_end[i]
            else:
                ct = t_best[i]
            ce = _elev_at(cf, off, t_ref_s, uw, uf, tt, ct, tgt, up, xke, j2, radius_km, r)
            if ce != ce:
                ce = -np.inf
            if ce > best_e:
                best_e = ce
                best_t = ct
        max_t[i] = best_t
        max_el[i] = best_e
