"""numba kernels of HGV track coverage (plain float64/int arrays; km, s, rad; never raise).

The detection and stereo geometry is **not** re-implemented here: every test goes through
:func:`constellation._geometry.detects_i` (all sensor constraints of DESIGN.md) and
:func:`constellation._geometry.best_stereo_pair` (stereo window and smallest triangulation
error), so grid coverage and track coverage share one definition of "detects" and "stereo".

Data layout
-----------
A *track* is one threat flown once from one launch time; its samples are stored
contiguously, track after track, in global sample arrays of length ``n_sample``
(``track_start[k] <= i < track_stop[k]``). Each sample refers to one row ``tidx[i]`` of the
sorted array of distinct sample instants; satellite positions are propagated in chunks of
consecutive instants ``[c0, c1)`` (``pos`` is the chunk, ``(c1 - c0, n_sat, 3)`` km ITRS),
so memory is bounded by the chunk, not by the number of samples.

Kernels
-------
:func:`track_samples`
    Per sample (parallel over samples of the chunk): number of detecting satellites, the
    best stereo pair (smallest triangulation error), its convergence angle and 1-sigma error,
    and the nearest detecting satellite.
:func:`track_handovers`
    Per track (serially: a cheap pass; sequential in time, state carried across chunks): the
    pair and single-satellite handover counts (definitions in :mod:`constellation.tracks`).
:func:`track_metrics`
    Per track (serially): first detection / first stereo times, custody and
    stereo fractions, longest gaps, error statistics.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._geometry import (
    P_COS_STEREO_MIN,
    best_stereo_pair,
    convergence_angle_rad,
    cos_convergence,
    detects_i,
    slant_range_km,
)
from ._jit import jit, jit_parallel

# columns of the per-track metric array filled by :func:`track_metrics`
M_FIRST_DETECTION_S = 0
M_FIRST_STEREO_S = 1
M_CUSTODY_FRACTION = 2
M_STEREO_FRACTION = 3
M_LONGEST_CUSTODY_GAP_S = 4
M_LONGEST_STEREO_GAP_S = 5
M_MEDIAN_ERROR_M = 6
M_MIN_ERROR_M = 7
M_MEAN_N_DETECT = 8
M_MAX_N_DETECT = 9
M_FLIGHT_TIME_S = 10
N_METRIC = 11

SAMPLE_BLOCK = 64
"""Samples per parallel work item in :func:`track_samples` (one scratch array per block)."""


GEODETIC_NORMAL_TILT_RAD = 0.0034
"""Upper bound of the angle between the WGS84 ellipsoid normal and the geocentric radial
direction at any target point (geodetic minus geocentric latitude: at most 0.19242 deg =
0.0033584 rad, at 45 deg latitude on the surface, less above it), rounded up to 0.0034 rad
(0.195 deg)."""


@jit
def reach_bound2_km2(tgt, rs_max_km, sin_el_min, cos_el_min, max_range_km):
    """Square of an upper bound (km^2) of the slant range of any satellite that can detect ``tgt``.

    A satellite at geocentric radius ``rs <= rs_max`` seen from a target at radius ``rt``
    under a *geocentric* elevation ``e`` (elevation above the plane normal to the radial
    direction) is at slant range ``R(e) = -rt sin e + sqrt(rs^2 - rt^2 cos^2 e)`` (law of
    cosines in the triangle Earth centre - target - satellite), decreasing in ``e``. The
    sensor's geodetic elevation differs from the geocentric one by at most the tilt of the
    ellipsoid normal (:data:`GEODETIC_NORMAL_TILT_RAD`), so the caller passes the sine and
    cosine of ``min_elevation - tilt``; the range limit caps the bound. A 1e-6 relative plus
    1 m absolute margin covers rounding. Returns ``inf`` (no pruning) when the geometry
    does not apply (``rs_max < rt``).
    """
    rt = math.sqrt(tgt[0] * tgt[0] + tgt[1] * tgt[1] + tgt[2] * tgt[2])
    b = max_range_km
    if rs_max_km >= rt and sin_el_min > -1.0:
        q = rs_max_km * rs_max_km - rt * rt * cos_el_min * cos_el_min
        if q >= 0.0:
            r = -rt * sin_el_min + math.sqrt(q)
            if r < b:
                b = r
    if b == math.inf:
        return math.inf
    b = b * (1.0 + 1e-6) + 1e-3
    return b * b


@jit_parallel
def track_samples(pos, valid, c0, sample_ids, tidx, tgt_xyz, tgt_up, intensity_w_sr,
                  sensor_of_sat, table, n_detect, stereo, convergence_rad, error_m,
                  pair_a, pair_b, nearest, rs_max_km=math.inf, sin_el_min=-1.0,
                  cos_el_min=0.0, max_range_km=math.inf):
    """Detection count and best stereo pair for the samples of one time chunk.

    Parameters
    ----------
    pos : (n_chunk, n_sat, 3) float64
        Satellite ITRS positions (km) at the chunk's instants ``c0 .. c0 + n_chunk - 1``.
    valid : (n_chunk, n_sat) bool
        False where propagation failed (such satellites never detect).
    c0 : int
        Global index of the chunk's first instant.
    sample_ids : (m,) int64
        Global indices of the samples whose instant lies in this chunk.
    tidx : (n_sample,) int64
        Global instant index of every sample.
    tgt_xyz, tgt_up : (n_sample, 3) float64
        Target ECEF position (km) and unit WGS84 ellipsoid normal.
    intensity_w_sr : (n_sample, n_sensor) float64
        Target in-band intensity per sensor band (W/sr); NaN skips the radiometric test.
    sensor_of_sat : (n_sat,) int64
        Row of ``table`` for each satellite.
    table : (n_sensor, N_PARAM) float64
        ``constellation.sensors.sensor_table``.
    rs_max_km, sin_el_min, cos_el_min, max_range_km : float
        Inputs of the exact pre-filter :func:`reach_bound2_km2` (largest satellite radius in
        the chunk, sine/cosine of the smallest *geocentric* elevation any sensor accepts,
        largest maximum range); the defaults disable it. Satellites beyond the bound are
        skipped without calling the full test, which they would fail.

    Outputs (written at the sample indices)
    ----------------------------------------
    n_detect : int64 ; stereo : bool
    convergence_rad : best stereo pair's convergence angle; without a stereo pair but with
        >= 2 detecting satellites, the angle of the detecting pair closest to 90 deg; NaN
        with fewer than 2.
    error_m : 1-sigma triangulation error (m) of the best stereo pair; NaN without stereo.
    pair_a, pair_b : satellite indices of the best stereo pair (-1 without stereo).
    nearest : nearest detecting satellite (smallest slant range), -1 when none.
    """
    n_sat = pos.shape[1]
    m = sample_ids.size
    n_block = (m + SAMPLE_BLOCK - 1) // SAMPLE_BLOCK
    for blk in prange(n_block):
        det = np.empty(n_sat, dtype=np.int64)
        q1 = min(m, (blk + 1) * SAMPLE_BLOCK)
        for q in range(blk * SAMPLE_BLOCK, q1):
            i = sample_ids[q]
            t = tidx[i] - c0
            tgt = tgt_xyz[i]
            up = tgt_up[i]
            nd = 0
            near = -1
            near_r = math.inf
            rb2 = reach_bound2_km2(tgt, rs_max_km, sin_el_min, cos_el_min, max_range_km)
            for s in range(n_sat):
                if not valid[t, s]:
                    continue
                dx = pos[t, s, 0] - tgt[0]
                dy = pos[t, s, 1] - tgt[1]
                dz = pos[t, s, 2] - tgt[2]
                if dx * dx + dy * dy + dz * dz > rb2:
                    continue  # provably out of reach (see reach_bound2_km2)
                k = sensor_of_sat[s]
                if detects_i(pos[t, s], tgt, up, table[k], intensity_w_sr[i, k]):
                    det[nd] = s
                    nd += 1
                    r = slant_range_km(pos[t, s], tgt)
                    if r < near_r:
                        near_r = r
                        near = s
            n_detect[i] = nd
            nearest[i] = near
            stereo[i] = False
            pair_a[i] = -1
            pair_b[i] = -1
            error_m[i] = math.nan
            convergence_rad[i] = math.nan
            if nd >= 2:
                a, b, g, sig = best_stereo_pair(pos[t], det, np.int64(nd), sensor_of_sat, table, tgt)
                if a >= 0:
                    stereo[i] = True
                    pair_a[i] = a
                    pair_b[i] = b
                    convergence_rad[i] = g
                    error_m[i] = sig
                else:
                    # no stereo pair: report the detecting pair closest to orthogonal
                    best_c = 2.0
                    ba = -1
                    bb = -1
                    for u in range(nd):
                        for v in range(u + 1, nd):
                            c = abs(cos_convergence(pos[t, det[u]], pos[t, det[v]], tgt))
                            if c < best_c:
                                best_c = c
                                ba = det[u]
                                bb = det[v]
                    convergence_rad[i] = convergence_angle_rad(pos[t, ba], pos[t, bb], tgt)


@jit
def _detects_sat(pos, valid, t, s, tgt, up, intensity_row, sensor_of_sat, table):
    if s < 0 or not valid[t, s]:
        return False
    k = sensor_of_sat[s]
    return detects_i(pos[t, s], tgt, up, table[k], intensity_row[k])


# Serial (jit, not jit_parallel) like track_metrics: one cheap pass per track; on 2 cores,
# 804 tracks (Monte Carlo 200), serial costs 0.02 s per run and saves ~3 s of compilation
# for the two (docs/ARCHITECTURE.md, "Cold start").
@jit
def track_handovers(pos, valid, c0, c1, tidx, track_stop, cursor, tgt_xyz, tgt_up,
                    intensity_w_sr, sensor_of_sat, table, n_detect, stereo, pair_a, pair_b,
                    nearest, held_a, held_b, held_single, pair_handovers, single_handovers):
    """Advance every track's handover state machine through the samples of one chunk.

    Pair handover: when a track is in stereo, the tracker holds one stereo pair (the best
    pair at the moment stereo is (re)acquired) as long as that same pair remains a stereo
    pair (both satellites still detect and their convergence angle stays in the stereo
    window). When it stops being one while the track is still in stereo through another
    pair, that is one handover and the tracker takes the current best pair. Losing stereo
    altogether drops the held pair (reacquisition is not a handover).

    Single-satellite (custody) handover: same rule with one satellite, the nearest detecting
    satellite taken at (re)acquisition and at each handover.

    Parameters
    ----------
    pos, valid : chunk positions (km) and validity, as in :func:`track_samples`.
    c0, c1 : int
        Global instant range ``[c0, c1)`` of the chunk.
    tidx : (n_sample,) int64
        Global instant index of every sample (non-decreasing within each track).
    track_stop : (n_track,) int64
        One past each track's last sample.
    cursor : (n_track,) int64, in/out
        Next unprocessed sample of each track (starts at the track's first sample).
    held_a, held_b, held_single : (n_track,) int64, in/out
        Held pair / satellite (-1 when none).
    pair_handovers, single_handovers : (n_track,) int64, in/out
        Running counts.
    Other arrays as in :func:`track_samples` (read only, already filled for these samples).
    """
    n_track = track_stop.size
    for tr in range(n_track):
        k = cursor[tr]
        while k < track_stop[tr] and tidx[k] < c1:
            t = tidx[k] - c0
            tgt = tgt_xyz[k]
            up = tgt_up[k]
            irow = intensity_w_sr[k]
            if stereo[k]:
                a = held_a[tr]
                b = held_b[tr]
                if a < 0:
                    held_a[tr] = pair_a[k]
                    held_b[tr] = pair_b[k]
                else:
                    keep = False
                    if (_detects_sat(pos, valid, t, a, tgt, up, irow, sensor_of_sat, table)
                            and _detects_sat(pos, valid, t, b, tgt, up, irow, sensor_of_sat, table)):
                        cmin = min(table[sensor_of_sat[a], P_COS_STEREO_MIN],
                                   table[sensor_of_sat[b], P_COS_STEREO_MIN])
                        keep = abs(cos_convergence(pos[t, a], pos[t, b], tgt)) <= cmin
                    if not keep:
                        pair_handovers[tr] += 1
                        held_a[tr] = pair_a[k]
                        held_b[tr] = pair_b[k]
            else:
                held_a[tr] = -1
                held_b[tr] = -1
            if n_detect[k] > 0:
                s = held_single[tr]
                if s < 0:
                    held_single[tr] = nearest[k]
                elif not _detects_sat(pos, valid, t, s, tgt, up, irow, sensor_of_sat, table):
                    single_handovers[tr] += 1
                    held_single[tr] = nearest[k]
            else:
                held_single[tr] = -1
            k += 1
        cursor[tr] = k


@jit
def _on(state, mode, k):
    if mode == 1:
        return state[k] > 0
    return bool(state[k])


@jit
def _longest_gap_s(time_s, state, mode, lo, hi, first):
    """Longest run of samples without coverage in ``[first, hi)`` (s), 0 when none.

    Coverage at sample ``k``: ``state[k] > 0`` (mode 1, ``state`` = detection counts) or
    ``state[k]`` true (mode 2, ``state`` = stereo flags).

    A run of off samples ``a .. b`` lasts ``time_s[min(b + 1, hi - 1)] - time_s[a]``: from
    the first sample without coverage to the next sample with it (or to the last sample,
    the impact). On a uniform step this is (number of off samples) x step for interior runs.
    """
    best = 0.0
    k = first
    while k < hi:
        if _on(state, mode, k):
            k += 1
            continue
        a = k
        while k < hi and not _on(state, mode, k):
            k += 1
        end = k if k < hi else hi - 1
        g = time_s[end] - time_s[a]
        if g > best:
            best = g
    return best


@jit  # serial: see track_handovers
def track_metrics(time_s, track_start, track_stop, n_detect, stereo, error_m, out):
    """Per-track custody metrics from the per-sample results.

    Parameters
    ----------
    time_s : (n_sample,) float64
        Seconds since launch of every sample (non-decreasing within a track).
    track_start, track_stop : (n_track,) int64
        Sample range of each track.
    n_detect : (n_sample,) int64
    stereo : (n_sample,) bool
    error_m : (n_sample,) float64
    out : (n_track, N_METRIC) float64
        Filled with the ``M_*`` columns below (NaN = never / undefined):

        - ``M_FIRST_DETECTION_S``, ``M_FIRST_STEREO_S``: ``time_s`` of the first sample with
          >= 1 detecting satellite / a stereo pair.
        - ``M_CUSTODY_FRACTION``, ``M_STEREO_FRACTION``: fraction of samples with >= 1 / stereo.
        - ``M_LONGEST_CUSTODY_GAP_S``: longest run without detection after the first
          detection (:func:`_longest_gap_s`); the whole flight when never detected.
        - ``M_LONGEST_STEREO_GAP_S``: same for stereo.
        - ``M_MEDIAN_ERROR_M``, ``M_MIN_ERROR_M``: of the stereo samples' 1-sigma error.
        - ``M_MEAN_N_DETECT``, ``M_MAX_N_DETECT``.
        - ``M_FLIGHT_TIME_S``: ``time_s`` of the last sample (impact), i.e. seconds from
          launch to impact.
    """
    n_track = track_start.size
    for tr in range(n_track):
        lo = track_start[tr]
        hi = track_stop[tr]
        n = hi - lo
        fd = -1
        fs = -1
        n_c = 0
        n_s = 0
        sum_d = 0.0
        max_d = 0.0
        for k in range(lo, hi):
            nd = n_detect[k]
            sum_d += nd
            if nd > max_d:
                max_d = nd
            if nd > 0:
                n_c += 1
                if fd < 0:
                    fd = k
            if stereo[k]:
                n_s += 1
                if fs < 0:
                    fs = k
        flight = time_s[hi - 1]
        out[tr, M_FLIGHT_TIME_S] = flight
        out[tr, M_FIRST_DETECTION_S] = time_s[fd] if fd >= 0 else math.nan
        out[tr, M_FIRST_STEREO_S] = time_s[fs] if fs >= 0 else math.nan
        out[tr, M_CUSTODY_FRACTION] = n_c / n if n > 0 else math.nan
        out[tr, M_STEREO_FRACTION] = n_s / n if n > 0 else math.nan
        # np.int64(...): fd, fs and nd may be typed as the literal -1 / 0 they start at;
        # a literal argument would compile the callee once more (docs/ARCHITECTURE.md,
        # "Cold start")
        if fd >= 0:
            out[tr, M_LONGEST_CUSTODY_GAP_S] = _longest_gap_s(time_s, n_detect, 1, lo, hi, np.int64(fd))
        else:
            out[tr, M_LONGEST_CUSTODY_GAP_S] = time_s[hi - 1] - time_s[lo]
        if fs >= 0:
            out[tr, M_LONGEST_STEREO_GAP_S] = _longest_gap_s(time_s, stereo, 2, lo, hi, np.int64(fs))
        else:
            out[tr, M_LONGEST_STEREO_GAP_S] = time_s[hi - 1] - time_s[lo]
        if n_s > 0:
            errs = np.empty(n_s, dtype=np.float64)
            j = 0
            for k in range(lo, hi):
                if stereo[k]:
                    errs[j] = error_m[k]
                    j += 1
            out[tr, M_MEDIAN_ERROR_M] = np.median(errs)
            out[tr, M_MIN_ERROR_M] = np.min(errs)
        else:
            out[tr, M_MEDIAN_ERROR_M] = math.nan
            out[tr, M_MIN_ERROR_M] = math.nan
        out[tr, M_MEAN_N_DETECT] = sum_d / n if n > 0 else math.nan
        out[tr, M_MAX_N_DETECT] = max_d

