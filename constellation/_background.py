"""Background of the detections: space-background coverage, streamed (numba; km; never raise).

Each detecting line of sight has an Earth or a space background beyond the target
(:func:`constellation._geometry.space_background_s`, closed form and sources in the module
docstring of :mod:`constellation._geometry`, "Background of a line of sight"). Per sample and
target this module counts the detections with a space background and looks for a stereo pair
whose two lines of sight both have one, under the engine's stereo definition (the test of
:func:`constellation._pairs.pair_block` and :func:`constellation._pairs.best_pair_sigma2`:
``cos theta_min >= 0``, ``t^2 <= cos^2(theta_min) P`` and ``P - t^2 > 0`` with ``t = d1 . d2``,
``P = R1^2 R2^2``, ``theta_min`` the larger of the two sensors' minimum angles):

- grid (:func:`row_background`, called by :func:`constellation._grid.grid_chunk` per strip and
  step on the slots :func:`constellation._detect.row_detect` filled);
- point lists (:func:`point_background`, called by :func:`constellation._points.point_chunk`
  on a point's detection records);
- tracks (:func:`track_background`, per track sample, beside
  :func:`constellation._tracks.track_samples`).

Accumulators ``bg`` ``(n_point, N_BG)`` float64 hold, per point, the number of samples with
``>= 1`` space-background detection (``BG_SPACE``) and with a space-background stereo pair
(``BG_STEREO_SPACE``); divided by ``n_time`` they are ``fraction_space_background`` and
``fraction_stereo_space_background``. Memory is independent of the number of samples.

Cost: a target below every sensor's clutter layer (a ground grid), or seen only above an
elevation mask steeper than the limb angle of the clutter layer (the default 10 deg mask and
targets below ~90 km), can only have an Earth background, so such a strip is skipped
(:func:`strip_above_clutter`); otherwise each detection costs one closed-form test
(a few multiplications), and the pair search runs only at points with at least two
space-background detections.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._candidates import BF_X, BF_Y, BF_Z
from ._geometry import (P_CLUTTER_A2_KM2, P_CLUTTER_K, P_CLUTTER_KM, P_COS_STEREO_MIN, P_MIN_EL_RAD, WGS84_B_KM,
                        cos_convergence, detects_i, space_background_s)
from ._jit import jit, jit_inline, jit_no_refcount, jit_parallel
from ._tiles import BLOCK
from ._tracks import GEODETIC_NORMAL_TILT_RAD, reach_bound2_km2

BG_SPACE = 0
"""Column of ``bg``: samples with at least one space-background detection."""
BG_STEREO_SPACE = 1
"""Column of ``bg``: samples with a stereo pair whose two lines of sight have a space background."""
N_BG = 2

TRACK_BG_NONE = -1
"""``track_background`` code: not detected."""
TRACK_BG_EARTH = 0
"""``track_background`` code: detected, every detecting line of sight against the Earth."""
TRACK_BG_SPACE = 1
"""``track_background`` code: at least one detecting line of sight against space."""


@jit_inline
def stereo_pair_ok(ax, ay, az, bx, by, bz, r1, r2, cm):
    """The engine's stereo test on lines of sight ``a``, ``b`` (target -> satellite, km) with ``R^2`` ``r1``, ``r2``.

    ``cm = min(cos theta_min)`` of the two sensors. Same operations as
    :func:`constellation._pairs.pair_block` (``dt^2 <= cm^2 P`` and ``P - dt^2 > 0``; a
    negative ``cm`` means no pair is stereo).
    """
    if cm < 0.0:
        return False
    dt = ax * bx + ay * by + az * bz
    pr = r1 * r2
    cm2 = cm * cm
    return (dt * dt <= cm2 * pr) and (pr - dt * dt > 0.0)


@jit
def strip_above_clutter(pu, n_pad, table):
    """Whether a point of a strip can see a line of sight against space (else every background is Earth).

    ``pu`` (6, n_pad): the strip's points (km; NaN padding), as in
    :func:`constellation._detect.slot_detect`. Exact necessary conditions, per sensor of
    ``table``: the point lies above the sensor's clutter ellipsoid ``(A, A, B)`` (``q > 0`` of
    :func:`constellation._geometry.space_background_s`), and the elevation mask admits a line of
    sight that passes above it. The ellipsoid contains the sphere of radius ``B = b + h_c``, so a
    ray that misses it misses that sphere: its geocentric elevation ``e`` at the target is
    ``<= 0`` or ``|t| cos(e) > B``. The geocentric elevation is at least the geodetic one minus
    the tilt of the ellipsoid normal (``GEODETIC_NORMAL_TILT_RAD``), so with ``m = min_elevation -
    tilt``: possible iff ``m <= 0`` or (``|t| > B`` and ``m < acos(B / |t|)``). With the usual
    10 deg mask and targets below ~90 km no point qualifies, and the grid kernel skips the
    classification altogether.
    """
    for j in range(n_pad):
        if point_may_see_space(pu[0, j], pu[1, j], pu[2, j], table):
            return True
    return False


@jit
def point_may_see_space(tx, ty, tz, table):
    """The test of :func:`strip_above_clutter` for one target ``(tx, ty, tz)`` (km; NaN gives False)."""
    for si in range(table.shape[0]):
        q = tx * tx + ty * ty + table[si, P_CLUTTER_K] * tz * tz - table[si, P_CLUTTER_A2_KM2]
        if not q > 0.0:
            continue
        m = table[si, P_MIN_EL_RAD] - GEODETIC_NORMAL_TILT_RAD
        if m <= 0.0:
            return True
        b_km = WGS84_B_KM + table[si, P_CLUTTER_KM]
        r = math.sqrt(tx * tx + ty * ty + tz * tz)
        if r > b_km and m < math.acos(b_km / r):
            return True
    return False


@jit_no_refcount
def row_background(bg, gidx, r2s, slot_rec, slot_lo, slot_hi, slot_cm, ns, band_f, band_si, k, table, pu,
                   row_a, row_b, sbn, sbf, sbl, sbt):
    """Space-background counts of one strip and step of the grid kernel, folded into ``bg``.

    Slot ``a < ns`` (filled by :func:`constellation._detect.row_detect`) holds the satellite of
    band record ``slot_rec[a]`` and ``R^2`` per detected point (NaN elsewhere) over its tiles
    ``slot_lo[a] .. slot_hi[a]``. Every detected point is classified
    (:func:`space_background_s` with the clutter layer of the slot's sensor, row
    ``band_si[k, slot_rec[a], 1]`` of ``table``) into ``sbf[a, j]`` (1 / 0; uint8 scratch
    ``(n_slot, n_pad)``; ``sbt`` (n_slot, n_tile) uint8: whether the slot has one in the tile),
    counted in ``sbn`` (n_pad,) float64. Points with ``>= 1`` get
    ``bg[p, BG_SPACE] += 1``; points with ``>= 2`` are searched for a stereo pair of
    space-background slots (:func:`stereo_pair_ok`; ``slot_cm``: each slot's ``cos theta_min``)
    among the slots with a space-background detection in the point's tile (gathered once per
    tile into the scratch ``sbl`` (n_slot,) int64), stopping at the first one, and get
    ``bg[p, BG_STEREO_SPACE] += 1`` when one exists.
    ``gidx``: global point index of each layout slot (-1 padding). Points ``row_a .. row_b``
    (tile-major) cover every detection of the step. The classification loop is the test of
    :func:`space_background_s` written branch-free (same decisions; LLVM vectorises it), and the
    function allocates nothing, so it is compiled without reference counting, like the other
    per-strip-and-step functions (:mod:`constellation._jit`).
    """
    for j in range(row_a, row_b + 1):
        sbn[j] = 0.0
    for a in range(ns):
        s = slot_rec[a]
        si = band_si[k, s, 1]
        ca2 = table[si, P_CLUTTER_A2_KM2]
        ck = table[si, P_CLUTTER_K]
        sx = band_f[k, s, BF_X]
        sy = band_f[k, s, BF_Y]
        sz = band_f[k, s, BF_Z]
        for q in range(slot_lo[a], slot_hi[a] + 1):
            j0u = np.uint64(q * BLOCK)
            anyf = np.uint8(0)
            for jj in range(np.uint64(BLOCK)):  # branch-free: vectorised
                j = j0u + jj
                tx = pu[0, j]
                ty = pu[1, j]
                tz = pu[2, j]
                dx = sx - tx
                dy = sy - ty
                dz = sz - tz
                qc = tx * tx + ty * ty + ck * tz * tz - ca2
                w = tx * dx + ty * dy + ck * tz * dz
                v = dx * dx + dy * dy + ck * dz * dz
                r2 = r2s[a, j]
                # the decisions of space_background_s, on the detected points only
                ok = (r2 == r2) & (qc > 0.0) & ((w <= 0.0) | (w * w < qc * v))
                f = np.uint8(1) if ok else np.uint8(0)
                sbf[a, j] = f
                anyf |= f
                sbn[j] += 1.0 if ok else 0.0
            sbt[a, q] = anyf
    for q in range(row_a // BLOCK, row_b // BLOCK + 1):
        # the tile's slots with a space-background detection, gathered once per tile
        nt = 0
        for a in range(ns):
            if slot_lo[a] <= q <= slot_hi[a] and sbt[a, q] > 0:
                sbl[nt] = a
                nt += 1
        if nt == 0:
            continue
        for j in range(q * BLOCK, q * BLOCK + BLOCK):
            if sbn[j] < 1.0:
                continue
            p = gidx[j]
            bg[p, BG_SPACE] += 1.0
            if sbn[j] < 2.0:
                continue
            tx = pu[0, j]
            ty = pu[1, j]
            tz = pu[2, j]
            found = False
            for ia in range(nt - 1):
                a = sbl[ia]
                if sbf[a, j] == 0:
                    continue
                sa = slot_rec[a]
                ax = band_f[k, sa, BF_X] - tx
                ay = band_f[k, sa, BF_Y] - ty
                az = band_f[k, sa, BF_Z] - tz
                for ib in range(ia + 1, nt):
                    b = sbl[ib]
                    if sbf[b, j] == 0:
                        continue
                    sb = slot_rec[b]
                    if stereo_pair_ok(ax, ay, az, band_f[k, sb, BF_X] - tx, band_f[k, sb, BF_Y] - ty,
                                      band_f[k, sb, BF_Z] - tz, r2s[a, j], r2s[b, j], min(slot_cm[a], slot_cm[b])):
                        found = True
                        break
                if found:
                    break
            if found:
                bg[p, BG_STEREO_SPACE] += 1.0


@jit
def point_background(bg, p, rec, j, n, pos, k, tx, ty, tz, table, sensor_of_sat, sbl):
    """Space-background counts of point ``p`` at step ``k`` from its ``n`` detection records.

    ``rec[j, c, 1]`` (c < n) is the detecting satellite's index (as float64, exact; written by
    :func:`constellation._points.point_chunk`); ``pos[k, s]`` its position (km); the target at
    ``tx, ty, tz`` (km). Adds 1 to ``bg[p, BG_SPACE]`` when a detecting line of sight has a space
    background and to ``bg[p, BG_STEREO_SPACE]`` when two of them form a stereo pair
    (:func:`stereo_pair_ok`). ``sbl`` (>= n,) int64 scratch. A target that cannot see space
    (:func:`point_may_see_space`) returns at once.
    """
    if not point_may_see_space(tx, ty, tz, table):
        return
    m = 0
    for c in range(n):
        s = np.int64(rec[j, c, 1])
        si = sensor_of_sat[s]
        if space_background_s(pos[k, s, 0], pos[k, s, 1], pos[k, s, 2], tx, ty, tz,
                              table[si, P_CLUTTER_A2_KM2], table[si, P_CLUTTER_K]):
            sbl[m] = s
            m += 1
    if m == 0:
        return
    bg[p, BG_SPACE] += 1.0
    for ia in range(m - 1):
        a = sbl[ia]
        ax = pos[k, a, 0] - tx
        ay = pos[k, a, 1] - ty
        az = pos[k, a, 2] - tz
        for ib in range(ia + 1, m):
            b = sbl[ib]
            bx = pos[k, b, 0] - tx
            by = pos[k, b, 1] - ty
            bz = pos[k, b, 2] - tz
            cm = min(table[sensor_of_sat[a], P_COS_STEREO_MIN], table[sensor_of_sat[b], P_COS_STEREO_MIN])
            if stereo_pair_ok(ax, ay, az, bx, by, bz, ax * ax + ay * ay + az * az, bx * bx + by * by + bz * bz,
                              cm):
                bg[p, BG_STEREO_SPACE] += 1.0
                return


@jit_parallel
def track_background(pos, valid, c0, sample_ids, tidx, tgt_xyz, tgt_up, intensity_w_sr, sensor_of_sat, table,
                     n_detect, background, stereo_space, rs_max_km=math.inf, sin_el_min=-1.0, cos_el_min=0.0,
                     max_range_km=math.inf):
    """Background of each track sample of one time chunk (arguments as :func:`constellation._tracks.track_samples`).

    Writes at the sample indices: ``background`` (int8) :data:`TRACK_BG_SPACE` when at least one
    detecting line of sight (:func:`constellation._geometry.detects_i`) has a space background,
    :data:`TRACK_BG_EARTH` when detected only against the Earth, :data:`TRACK_BG_NONE` when not
    detected; ``stereo_space`` (bool): a stereo pair of two detecting lines of sight that both
    have a space background, with the track kernel's stereo test
    (``|cos gamma| <= cos theta_min``, :func:`constellation._geometry.cos_convergence`, as in
    :func:`constellation._geometry.best_stereo_pair`), so it implies ``stereo``.
    """
    n_sat = pos.shape[1]
    m_all = sample_ids.size
    for q in prange(m_all):
        i = sample_ids[q]
        stereo_space[i] = False
        if n_detect[i] == 0:
            background[i] = TRACK_BG_NONE
            continue
        tgt = tgt_xyz[i]
        tx = tgt[0]
        ty = tgt[1]
        tz = tgt[2]
        if not point_may_see_space(tx, ty, tz, table):
            background[i] = TRACK_BG_EARTH
            continue
        t = tidx[i] - c0
        up = tgt_up[i]
        rb2 = reach_bound2_km2(tgt, rs_max_km, sin_el_min, cos_el_min, max_range_km)
        sbl = np.empty(n_sat, dtype=np.int64)
        m = 0
        for s in range(n_sat):
            if not valid[t, s]:
                continue
            dx = pos[t, s, 0] - tx
            dy = pos[t, s, 1] - ty
            dz = pos[t, s, 2] - tz
            if dx * dx + dy * dy + dz * dz > rb2:
                continue  # provably out of reach (as in track_samples)
            si = sensor_of_sat[s]
            if not detects_i(pos[t, s], tgt, up, table[si], intensity_w_sr[i, si]):
                continue
            if space_background_s(pos[t, s, 0], pos[t, s, 1], pos[t, s, 2], tx, ty, tz,
                                  table[si, P_CLUTTER_A2_KM2], table[si, P_CLUTTER_K]):
                sbl[m] = s
                m += 1
        background[i] = TRACK_BG_SPACE if m > 0 else TRACK_BG_EARTH
        found = False
        for ia in range(m - 1):
            a = sbl[ia]
            for ib in range(ia + 1, m):
                b = sbl[ib]
                cm = min(table[sensor_of_sat[a], P_COS_STEREO_MIN], table[sensor_of_sat[b], P_COS_STEREO_MIN])
                if abs(cos_convergence(pos[t, a], pos[t, b], tgt)) <= cm:
                    found = True
                    break
            if found:
                break
        stereo_space[i] = found
