"""Exact detection tests of the grid kernel, one strip and time step at a time.

:func:`row_detect` takes the candidates of a strip (:mod:`constellation._candidates`), builds
their longitude windows and, per candidate, :func:`slot_detect` tests every point of the
tiles its windows meet (layout in :mod:`constellation._tiles`) with the inequalities of
:func:`constellation._geometry.detect_r2`, bit for bit, vectorised unless the sensor has a
grazing-altitude limit. The results (``R^2`` per detected point, per-tile minima) fill the
strip's slot buffers that the pair search (:mod:`constellation._pairs`) reads.
"""

from __future__ import annotations

import math

import numpy as np

from ._candidates import (
    BF_COS_LAM,
    BF_COS_LAT,
    BF_LON,
    BF_SIN_LAT,
    BF_X,
    BF_Y,
    BF_Z,
    LON_NONE,
    lon_half_width,
    lon_index_windows,
    strip_candidates,
)
from ._geometry import P_COS_STEREO_MIN, P_INTENSITY_W_SR, P_NOISE_RAD, detect_r2, sensor_scalars, view_scalars
from ._jit import jit_inline, jit_inline_numpy_errors, jit_no_refcount
from ._tiles import BLOCK, TILE_COLS, TILE_ROWS


@jit_inline
def _row_point_geometry(sx, sy, sz, pu, j):
    """``(R^2, d . n, sat . d)`` for ``d = sat - t`` (km), the operations and order of :func:`detect_r2`.

    ``t = pu[0:3, j]`` and ``n = pu[3:6, j]``: point ``j`` of the strip layout of :func:`grid_chunk`.
    """
    dx = sx - pu[0, j]
    dy = sy - pu[1, j]
    dz = sz - pu[2, j]
    return dx * dx + dy * dy + dz * dz, dx * pu[3, j] + dy * pu[4, j] + dz * pu[5, j], sx * dx + sy * dy + sz * dz


QNAN_BITS = 0x7FF8000000000000
"""Bit pattern of the quiet NaN written for "not detected" (above every positive double's)."""


@jit_inline
def _in_window_list(j, win, nw):
    """Whether index ``j`` lies in one of the inclusive windows ``win[:nw]``."""
    for m in range(nw):
        if win[m, 0] <= j <= win[m, 1]:
            return True
    return False


@jit_inline
def _store_lane(r2s, cnt, slot, j, ok, r2, mb):
    """Write one tested point of :func:`slot_detect`: ``R^2`` or NaN, its count, the block's bit minimum."""
    v = r2 if ok else math.nan
    r2s[slot, j] = v
    cnt[j] += 1.0 if ok else 0.0
    return min(mb, np.float64(v).view(np.int64))


@jit_inline
def _block_meets_windows(q, win, nw):
    """Whether tile ``q`` (columns ``q * TILE_COLS .. q * TILE_COLS + TILE_COLS - 1``) meets a window of ``win[:nw]``."""
    lo = q * TILE_COLS
    hi = lo + TILE_COLS - 1
    for m in range(nw):
        if win[m, 0] <= hi and win[m, 1] >= lo:
            return True
    return False


@jit_inline_numpy_errors
def slot_detect(r2s, rminb, slot, win, nw, pu, cnt, sx, sy, sz, se, rmax2, cf, ga, gb, kthr, inten, cn, ca2, ck,
                req):
    """Exact tests of one satellite on one strip over the tiles its longitude windows meet.

    The strip's points are stored tile by tile (:func:`grid_chunk`): tile ``q`` holds columns
    ``q * TILE_COLS .. + TILE_COLS - 1`` of the strip's ``TILE_ROWS`` rows at indices
    ``q * BLOCK .. q * BLOCK + BLOCK - 1`` (row-major inside the tile). Fills slot ``slot`` of
    the strip buffers over tiles ``min(win[:nw, 0]) // TILE_COLS .. max(win[:nw, 1]) //
    TILE_COLS``: in every tile that meets a candidate window (inclusive column ranges from
    :func:`lon_index_windows`, valid for every row of the strip) all ``BLOCK`` points are tested
    exactly, those outside the windows too (the windows are conservative, so the test rejects
    them; testing them is cheaper than masking them); tiles between the windows, which meet
    none, are written as no detection without a test. ``r2s[slot, j]`` = ``R^2`` (km^2) where the
    satellite detects point ``j``, NaN elsewhere (the pair sweep reads whole tiles); detections
    are added to ``cnt`` (float64); ``rminb[slot, q]`` is the tile's smallest detected ``R^2``
    shrunk by ``1e-9`` relative (the pruning bounds built on it stay below the swept values
    despite rounding), NaN when none. Padding points (past the grid's last row or column) must
    hold NaN coordinates (``R^2`` NaN fails the test). Inlined into :func:`row_detect`, so the
    strip arrays are not passed again for every satellite.

    Decisions are those of :func:`detect_r2` bit for bit: every inequality is evaluated with
    the same operations in the same order; negated rejections are written as the complementary
    comparison, equivalent because all operands are finite once ``R^2 > 0`` holds (a NaN
    position makes ``R^2`` NaN and fails that test). Without a grazing-altitude limit
    (``gb == 0``) the body is branch-free and vectorised by LLVM (unsigned indices, the block
    minimum as an integer minimum over the IEEE-754 bits, where the positive quiet NaN is above
    every positive double); the usual sensors (non-negative mask, no radiometric test, with or
    without a field of regard) get shorter predicates, because LLVM does not drop the unused
    terms of the general one when the flags are run-time values. With a grazing limit the test
    is the scalar :func:`detect_r2`, on the window points only; so is it with a view constraint
    (``cn``, ``ca2``, ``ck``, ``req`` of :func:`constellation._geometry.view_scalars`: an inner
    exclusion cone or a required space background), which only removes detections (the windows
    stay a superset). ``pu`` (6, n_pad) float64 holds the strip's points (km) and unit normals,
    tile-major.

    Returns
    -------
    (q_lo, q_hi) : int
        First and last tile with a detection (``-1, -1`` when none).
    """
    w0 = win[0, 0]
    w1 = win[0, 1]
    for m in range(1, nw):
        w0 = min(w0, win[m, 0])
        w1 = max(w1, win[m, 1])
    se2 = se * se
    cf2 = cf * cf
    rs2 = sx * sx + sy * sy + sz * sz
    se_pos = se >= 0.0
    se_neg = se < 0.0
    no_for = cf <= -1.5
    cf_pos = cf >= 0.0 and not no_for
    cf_neg = cf < 0.0 and not no_for
    no_rad = kthr < 0.0
    kind = 3
    if gb > 0.0 or cn < 1.5 or req > 0.5:
        kind = 0
    elif se_pos and no_rad and no_for:
        kind = 1
    elif se_pos and no_rad and cf_pos:
        kind = 2
    q_lo = -1
    q_hi = -1
    for q in range(w0 // TILE_COLS, w1 // TILE_COLS + 1):
        j0u = np.uint64(q * BLOCK)
        mb = np.int64(QNAN_BITS)
        if nw > 1 and not _block_meets_windows(q, win, nw):
            for jj in range(np.uint64(BLOCK)):
                r2s[slot, j0u + jj] = math.nan
        elif kind == 1:
            for jj in range(np.uint64(BLOCK)):
                j = j0u + jj
                r2, up_dot, w = _row_point_geometry(sx, sy, sz, pu, j)
                ok = (r2 > 0.0) & (up_dot >= 0.0) & (up_dot * up_dot >= se2 * r2) & (r2 <= rmax2)
                mb = _store_lane(r2s, cnt, slot, j, ok, r2, mb)
        elif kind == 2:
            for jj in range(np.uint64(BLOCK)):
                j = j0u + jj
                r2, up_dot, w = _row_point_geometry(sx, sy, sz, pu, j)
                ok = ((r2 > 0.0) & (up_dot >= 0.0) & (up_dot * up_dot >= se2 * r2) & (r2 <= rmax2)
                      & (w >= 0.0) & (w * w >= cf2 * r2 * rs2))
                mb = _store_lane(r2s, cnt, slot, j, ok, r2, mb)
        elif kind == 3:
            for jj in range(np.uint64(BLOCK)):
                j = j0u + jj
                r2, up_dot, w = _row_point_geometry(sx, sy, sz, pu, j)
                e2 = up_dot * up_dot
                lim = se2 * r2
                ok_el = (se_pos & (up_dot >= 0.0) & (e2 >= lim)) | (se_neg & ((up_dot >= 0.0) | (e2 <= lim)))
                w2 = w * w
                flim = cf2 * r2 * rs2
                ok_for = no_for | (cf_pos & (w >= 0.0) & (w2 >= flim)) | (cf_neg & ((w >= 0.0) | (w2 <= flim)))
                ok = (r2 > 0.0) & ok_el & (r2 <= rmax2) & ok_for & (no_rad | (inten >= kthr * r2))
                mb = _store_lane(r2s, cnt, slot, j, ok, r2, mb)
        else:  # grazing-altitude limit or a view constraint: the scalar test, window points only
            for jj in range(BLOCK):
                j = q * BLOCK + jj
                v = math.nan
                if _in_window_list(q * TILE_COLS + jj % TILE_COLS, win, nw):
                    r2 = detect_r2(sx, sy, sz, pu[0, j], pu[1, j], pu[2, j], pu[3, j], pu[4, j], pu[5, j],
                                   se, rmax2, cf, ga, gb, kthr, inten, cn, ca2, ck, req)
                    if r2 >= 0.0:
                        v = r2
                        cnt[j] += 1.0
                r2s[slot, j] = v
                mb = min(mb, np.float64(v).view(np.int64))
        mn = np.int64(mb).view(np.float64)
        if mn < math.inf:
            if q_lo < 0:
                q_lo = q
            q_hi = q
        rminb[slot, q] = mn * (1.0 - 1e-9)
    return q_lo, q_hi


@jit_no_refcount
def row_detect(k, i0, n_rows, band_n, band_lh, band_f, band_si, table, srow, crow, lon0_rad, step_rad, n_lon, cand,
                cf3, cdl, cwin, pu, cnt, r2s, rminb, slot_rec, slot_lo, slot_hi, slot_nz2, slot_cm):
    """Detection on the strip of rows ``i0 .. i0 + n_rows - 1`` at step ``k`` of the chunk (step 1 of :func:`grid_chunk`).

    Every satellite whose row band meets the strip (the step's packed band records,
    :func:`pack_bands`, sorted by first row, so the scan stops at the first band starting below
    the strip) is a candidate. Its longitude half-width on the strip is the largest of its
    half-widths on the strip's rows (:func:`lon_half_width`; the codes order as needed:
    ``LON_NONE`` < any width < ``LON_FULL``), so one set of column windows covers every row; the
    half-widths come first, one branch-free loop per row over contiguous copies of the
    candidates' latitude and cap data in the scratch ``cf3`` (3, n), which vectorises (into
    ``cdl`` (n,)); then their index windows (:func:`lon_index_windows`, into ``cwin`` (n, 3, 2);
    ``cand`` (n, 2) holds the band record and the window count); then each candidate whose
    windows meet the grid is tested exactly (:func:`slot_detect`). A satellite that detects
    something keeps the slot (``r2s``, ``rminb`` and the ``slot_*`` arrays: band record,
    first/last tile, squared noise, ``cos theta_min``); the next one reuses it otherwise. One
    call per strip and step, so the strip arrays are passed once per step rather than once per
    satellite. ``srow``, ``crow`` (TILE_ROWS,): sine and cosine of the rows' geocentric latitude.

    Returns
    -------
    (ns, row_a, row_b, n_tests) : int
        Slots filled, first and last point index (tile-major) of the tiles with a detection
        (``n_lon * TILE_ROWS, -1`` when none) and the points inside the candidate windows on
        the strip's rows (the exact tests the windows call for).
    """
    nc = strip_candidates(band_n, band_lh, k, i0, i0 + n_rows - 1, cand)
    for c in range(nc):
        s = cand[c, 0]
        cf3[0, c] = band_f[k, s, BF_SIN_LAT]  # contiguous copies for the vectorised loops below
        cf3[1, c] = band_f[k, s, BF_COS_LAT]
        cf3[2, c] = band_f[k, s, BF_COS_LAM]
        cdl[c] = LON_NONE
    for r in range(n_rows):
        sr = srow[r]
        cr = crow[r]
        for cu in range(np.uint64(nc)):  # branch-free, unsigned, unit stride: vectorised over the candidates
            cdl[cu] = max(cdl[cu], lon_half_width(sr, cr, cf3[0, cu], cf3[1, cu], cf3[2, cu]))
    for c in range(nc):
        cand[c, 1] = lon_index_windows(cdl[c], band_f[k, cand[c, 0], BF_LON], lon0_rad, step_rad, n_lon, cwin[c])
    ns = 0
    row_a = n_lon * TILE_ROWS
    row_b = -1
    n_tests = 0
    for c in range(nc):
        nw = cand[c, 1]
        if nw == 0:
            continue
        s = cand[c, 0]
        win = cwin[c]
        for m in range(nw):
            n_tests += (win[m, 1] + 1 - win[m, 0]) * n_rows
        si = band_si[k, s, 1]
        se, rmax2, cf, ga, gb, kthr, inten = sensor_scalars(table, si, table[si, P_INTENSITY_W_SR])
        cn, ca2, ck, req = view_scalars(table, si)
        q_lo, q_hi = slot_detect(r2s, rminb, ns, win, nw, pu, cnt, band_f[k, s, BF_X], band_f[k, s, BF_Y],
                                  band_f[k, s, BF_Z], se, rmax2, cf, ga, gb, kthr, inten, cn, ca2, ck, req)
        if q_lo < 0:
            continue  # nothing detected: the slot is reused
        slot_nz2[ns] = table[si, P_NOISE_RAD] ** 2
        slot_cm[ns] = table[si, P_COS_STEREO_MIN]
        slot_rec[ns] = s  # band record (band_f row) of the slot's satellite
        slot_lo[ns] = q_lo  # first and last tile with a detection
        slot_hi[ns] = q_hi
        ns += 1
        row_a = min(row_a, q_lo * BLOCK)
        row_b = max(row_b, q_hi * BLOCK + BLOCK - 1)
    return ns, row_a, row_b, n_tests
