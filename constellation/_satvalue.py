"""Per-satellite value: how much coverage each satellite alone provides (numba kernels).

For one (point, sample) with ``n`` detecting satellites (the engine's detection test) and the
engine's stereo test on each pair of them:

- :data:`SV_SOLE` -- ``n == 1``: the one detecting satellite is the *sole* detector (losing it
  loses the point's detection at that sample);
- :data:`SV_NEED2` -- ``n == 2``: both detecting satellites are *needed for >= 2* (losing
  either leaves fewer than two);
- :data:`SV_SOLE_STEREO` -- a stereo pair exists and every stereo pair contains satellite
  ``s`` (the intersection of the pair graph's edges, as vertex sets, holds ``s``): ``s`` is the
  *sole stereo* member (losing it loses stereo). With a single stereo pair both of its
  satellites are; with a star of pairs its centre; otherwise nobody.

Each indicator depends only on the satellites detecting the point and on pair tests between
two of them, so removing satellite ``s`` from the constellation (and rerunning) lowers the
point's count of samples with ``>= 1`` / ``>= 2`` detections / a stereo pair by exactly
``s``'s count of sole / needed-for-2 / sole-stereo samples. The grid kernel
(:func:`row_satellite_value`, or :func:`row_satellite_value_known` when the availability kernel
has counted each point's non-stereo pairs) accumulates, per grid strip and satellite, the sum over the
strip's points of the region weight times these indicators (one ``(n_strip, n_sat, 3)``
float64 array for the whole run: memory independent of the number of points and samples);
:func:`track_satellite_value` does the same along a track's samples (each weighted by its
duration). The stereo test is :func:`constellation._availability.is_stereo_pair` (the grid
kernel's pair test: :func:`constellation._pairs.pair_block` with a finite variance), and along
tracks :func:`constellation._geometry.best_stereo_pair` (the track kernel's own).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._availability import is_stereo_pair
from ._candidates import BF_X, BF_Y, BF_Z
from ._geometry import best_stereo_pair, detects_i
from ._jit import jit_inline, jit_inline_numpy_errors, jit_no_refcount, jit_parallel
from ._pairs import sort_by_key
from ._tiles import BLOCK

SV_SOLE = 0
SV_NEED2 = 1
SV_SOLE_STEREO = 2
N_SV = 3


@jit_inline_numpy_errors
def _block_pair_and(okt, r2s, pu, j0, a, b, sax, say, saz, sbx, sby, sbz, cm):
    """``okt[jj] = 0`` where slots ``a``, ``b`` are not a stereo pair at point ``j0 + jj`` (one tile).

    :func:`is_stereo_pair` (inlined) over the ``BLOCK`` points of a tile, the result stored
    without a branch, so that LLVM can if-convert and vectorise the loop (unsigned indices, a
    fixed trip count, as :func:`constellation._pairs.pair_block`); measured as fast as a
    hand-written branch-free copy of the test on the reference case.
    """
    j0u = np.uint64(j0)
    for jj in range(np.uint64(BLOCK)):
        j = j0u + jj
        tx = pu[0, j]
        ty = pu[1, j]
        tz = pu[2, j]
        ok = is_stereo_pair(sax - tx, say - ty, saz - tz, sbx - tx, sby - ty, sbz - tz, r2s[a, j], r2s[b, j], cm)
        okt[jj] = okt[jj] if ok else 0.0


@jit_inline
def _witness_block(okt, tmp, r2s, pu, j0, w0, w1, w2, w3, slot_rec, slot_cm, slot_lo, slot_hi, band_f, k):
    """Set ``okt[jj]`` to 1.0 where the witness (two disjoint pairs ``(w0, w1)``, ``(w2, w3)``, or
    the triangle ``w0, w1, w2`` when ``w3 < 0``) holds at point ``j0 + jj`` of one tile (the others
    keep their value); ``tmp`` (BLOCK,) float64 scratch."""
    # r2s of a slot is defined on its tiles slot_lo .. slot_hi only (stale elsewhere); outside
    # them the slot detects nothing, so the witness cannot hold in this tile
    q = j0 // BLOCK
    if not (slot_lo[w0] <= q <= slot_hi[w0] and slot_lo[w1] <= q <= slot_hi[w1]
            and slot_lo[w2] <= q <= slot_hi[w2] and (w3 < 0 or slot_lo[w3] <= q <= slot_hi[w3])):
        return
    for jj in range(BLOCK):
        tmp[jj] = 1.0
    r0 = slot_rec[w0]
    r1 = slot_rec[w1]
    r2 = slot_rec[w2]
    _block_pair_and(tmp, r2s, pu, j0, w0, w1, band_f[k, r0, BF_X], band_f[k, r0, BF_Y], band_f[k, r0, BF_Z],
                    band_f[k, r1, BF_X], band_f[k, r1, BF_Y], band_f[k, r1, BF_Z], min(slot_cm[w0], slot_cm[w1]))
    if w3 >= 0:
        r3 = slot_rec[w3]
        _block_pair_and(tmp, r2s, pu, j0, w2, w3, band_f[k, r2, BF_X], band_f[k, r2, BF_Y], band_f[k, r2, BF_Z],
                        band_f[k, r3, BF_X], band_f[k, r3, BF_Y], band_f[k, r3, BF_Z],
                        min(slot_cm[w2], slot_cm[w3]))
    else:
        _block_pair_and(tmp, r2s, pu, j0, w1, w2, band_f[k, r1, BF_X], band_f[k, r1, BF_Y], band_f[k, r1, BF_Z],
                        band_f[k, r2, BF_X], band_f[k, r2, BF_Y], band_f[k, r2, BF_Z],
                        min(slot_cm[w1], slot_cm[w2]))
        _block_pair_and(tmp, r2s, pu, j0, w0, w2, band_f[k, r0, BF_X], band_f[k, r0, BF_Y], band_f[k, r0, BF_Z],
                        band_f[k, r2, BF_X], band_f[k, r2, BF_Y], band_f[k, r2, BF_Z],
                        min(slot_cm[w0], slot_cm[w2]))
    for jj in range(BLOCK):
        okt[jj] = max(okt[jj], tmp[jj])


@jit_inline_numpy_errors
def _tile_needs(cnt, best, wj, okt, j0):
    """Points of the tile at ``j0`` that need the point-by-point test: detected, in the region,
    and with one or two detections or a stereo pair the witness (``okt``) does not settle.
    Branch-free integer count over the ``BLOCK`` points (vectorised)."""
    n = np.int64(0)
    j0u = np.uint64(j0)
    for jj in range(np.uint64(BLOCK)):
        j = j0u + jj
        c = cnt[j]
        st = (c >= 2.0) & (best[j] < math.inf)
        need = (c > 0.0) & (wj[j] > 0.0) & ((c <= 2.0) | (st & (okt[jj] <= 0.0)))
        n += np.int64(1) if need else np.int64(0)
    return n


@jit_no_refcount
def row_satellite_value(sv, st, wj, cnt, best, r2s, slot_rec, slot_lo, slot_hi, slot_cm, ns, band_f, band_si, k, pu,
                        j_a, j_b, tsl, dsl, los, okt, rminb, tkey, tmp):
    """Add one grid strip's per-satellite value at one step into ``sv[st]`` (step 3 of :func:`grid_chunk`).

    Parameters
    ----------
    sv : (n_strip, n_sat, N_SV) float64, in/out
        Per strip and satellite the weighted sums of the indicators (module docstring).
    st : int
        The strip's index (each strip is owned by one thread: no races).
    wj : (n_pad,) float64
        Region weight of each slot of the strip's tile layout (0 outside the region, padding).
    cnt, best : (n_pad,) float64
        Detections per point and best-pair variance (``< inf`` where a stereo pair exists, read
        where ``cnt >= 2``) as :func:`constellation._pairs.row_pairs` leaves them.
    r2s, slot_rec, slot_lo, slot_hi, slot_cm, ns
        The step's slots (:func:`constellation._detect.row_detect`): ``R^2`` per point (NaN
        where the slot's satellite does not detect), band record, first / last tile with a
        detection, ``cos theta_min``; ``ns`` slots in use.
    band_f, band_si, k
        The chunk's packed band records and the step (satellite of a record:
        ``band_si[k, rec, 0]``; its position ``band_f[k, rec, BF_X..BF_Z]``, km).
    pu : (6, n_pad) float64
        The strip's points (km, rows 0-2).
    j_a, j_b : int
        Slots of the layout to visit (whole tiles).
    tsl, dsl : (>= ns,) int64
        Scratch: the slots whose tile range holds the current tile; the detecting slots of a point.
    los : (>= ns, 3) float64
        Scratch: the detecting slots' lines of sight (km).
    okt : (BLOCK,) float64
        Scratch: per point of the current tile, whether the witness holds (see below).
    rminb : (n_slot, n_blk) float64
        Per slot and tile the smallest detected ``R^2`` (km^2; NaN: no detection in the tile).
    tkey : (>= ns,) float64
        Scratch: sort keys.
    tmp : (BLOCK,) float64
        Scratch.

    Notes
    -----
    Compiled without reference counting (it allocates nothing) and called once per strip and
    step, like :func:`constellation._availability.row_availability`. Only points with one or
    two detections, or with a stereo pair, are visited. A stereo point's detecting slots are
    taken one at a time, each tested against those before it, and the running intersection of
    the stereo pairs' vertex sets is kept (a pair holding every survivor cannot shrink it and
    is not tested); the point is done once the intersection is empty (two disjoint pairs, or
    a triangle), usually after three or four detecting slots. Such a pair of pairs or triangle
    (the *witness*) settles every point where it holds (no satellite is critical there); the
    current witness and the one before it are tested on each whole tile first
    (:func:`_witness_block`, vectorised; a tile where they settle every point costs nothing
    more), and a new witness is tested on the rest of its tile at once. The detecting slots are
    taken nearest first (smallest ``R^2`` in the tile), so a witness is made of satellites high in
    the sky that keep detecting, and keep their pairs, over the following tiles.
    """
    # witness of the last point found with no critical satellite: two disjoint stereo pairs
    # (w0, w1), (w2, w3), or a stereo triangle w0, w1, w2 (w3 = -1); -1 = none. Neighbouring
    # points mostly share it, so it settles them with two or three pair tests.
    w0 = -1
    w1 = -1
    w2 = -1
    w3 = -1
    v0 = -1  # the witness before it (tried when the current one leaves points unsettled)
    v1 = -1
    v2 = -1
    v3 = -1
    for q in range(j_a // BLOCK, j_b // BLOCK + 1):
        j0 = q * BLOCK
        for jj in range(BLOCK):
            okt[jj] = 0.0
        if w0 >= 0:
            _witness_block(okt, tmp, r2s, pu, j0, w0, w1, w2, w3, slot_rec, slot_cm, slot_lo, slot_hi, band_f, k)
        if _tile_needs(cnt, best, wj, okt, j0) == 0:
            continue  # every point: no detection, outside the region, or settled by the witness
        if v0 >= 0:
            _witness_block(okt, tmp, r2s, pu, j0, v0, v1, v2, v3, slot_rec, slot_cm, slot_lo, slot_hi, band_f, k)
            if _tile_needs(cnt, best, wj, okt, j0) == 0:
                continue
        nt = -1  # the tile's slot list, built when a point needs it
        for j in range(j0, j0 + BLOCK):
            c = cnt[j]
            if not c > 0.0:
                continue
            w = wj[j]
            if not w > 0.0:
                continue
            stereo = c >= 2.0 and best[j] < math.inf
            if c > 2.0 and not stereo:
                continue
            if c > 2.0 and okt[j - j0] > 0.0:
                continue  # a witness holds: no satellite is in every stereo pair of this point
            tx = pu[0, j]
            ty = pu[1, j]
            tz = pu[2, j]
            if nt < 0:  # the slots detecting in this tile, nearest first (see Notes)
                nt = 0
                for s in range(ns):
                    if slot_lo[s] <= q <= slot_hi[s]:
                        x = rminb[s, q]
                        if x == x:
                            tsl[nt] = s
                            tkey[nt] = x
                            nt += 1
                sort_by_key(tkey, tsl, nt)
            m = 0
            e0 = -1  # the first stereo pair, and the pair that left one survivor (for the witness)
            e1 = -1
            f0 = -1
            f1 = -1
            ia = -1  # the running intersection of the pairs' vertex sets: up to two slots (-1: none)
            ib = -1
            first = True  # no stereo pair seen yet
            empty = False
            for t in range(nt):
                b = tsl[t]
                rb2 = r2s[b, j]
                if not rb2 == rb2:
                    continue
                if stereo:
                    rb = slot_rec[b]
                    bx = band_f[k, rb, BF_X] - tx
                    by = band_f[k, rb, BF_Y] - ty
                    bz = band_f[k, rb, BF_Z] - tz
                    for u in range(m):
                        a = dsl[u]
                        if not first and (ia < 0 or ia == a) and ib < 0:
                            continue  # holds the one survivor: cannot shrink the intersection
                        if is_stereo_pair(los[u, 0], los[u, 1], los[u, 2], bx, by, bz, r2s[a, j], rb2,
                                          min(slot_cm[a], slot_cm[b])):
                            if first:
                                ia = a
                                ib = b
                                e0 = a
                                e1 = b
                                first = False
                            else:
                                ia = ia if (ia == a or ia == b) else -1
                                ib = ib if (ib == a or ib == b) else -1
                                if ia < 0 and ib >= 0:
                                    ia = ib
                                    ib = -1
                                if ia < 0:
                                    empty = True
                                    # witness: this pair with the first if disjoint, else with the
                                    # one that left one survivor if disjoint, else a triangle
                                    v0, v1, v2, v3 = w0, w1, w2, w3
                                    if a != e0 and a != e1 and b != e0 and b != e1:
                                        w0, w1, w2, w3 = e0, e1, a, b
                                    elif f0 >= 0 and a != f0 and a != f1 and b != f0 and b != f1:
                                        w0, w1, w2, w3 = f0, f1, a, b
                                    else:
                                        w0, w1, w2, w3 = e0, e1, (b if (a == e0 or a == e1) else a), -1
                                    # settle the rest of the tile with the new witness, vectorised
                                    _witness_block(okt, tmp, r2s, pu, j0, w0, w1, w2, w3, slot_rec, slot_cm,
                                                   slot_lo, slot_hi, band_f, k)
                                    break
                                if f0 < 0:
                                    f0 = a
                                    f1 = b
                    if empty:
                        break
                    los[m, 0] = bx
                    los[m, 1] = by
                    los[m, 2] = bz
                dsl[m] = b
                m += 1
            if c == 1.0:
                sv[st, band_si[k, slot_rec[dsl[0]], 0], SV_SOLE] += w
                continue
            if c == 2.0:
                sv[st, band_si[k, slot_rec[dsl[0]], 0], SV_NEED2] += w
                sv[st, band_si[k, slot_rec[dsl[1]], 0], SV_NEED2] += w
            if stereo and not empty:
                if ia >= 0:
                    sv[st, band_si[k, slot_rec[ia], 0], SV_SOLE_STEREO] += w
                if ib >= 0:
                    sv[st, band_si[k, slot_rec[ib], 0], SV_SOLE_STEREO] += w


@jit_inline
def _critical_by_pairs(sv, st, w, dsl, m, j, r2s, slot_rec, slot_cm, band_f, band_si, k, pu, deg):
    """Add ``w`` to the sole-stereo sum of each satellite in every stereo pair of point ``j``.

    ``dsl[:m]`` the point's detecting slots (``m >= 3``; at least one stereo pair). Every pair is
    tested (:func:`is_stereo_pair`); with ``E`` stereo pairs and ``deg[u]`` of them holding slot
    ``dsl[u]``, that slot is in every stereo pair iff ``deg[u] == E``. ``deg`` (>= m,) float64
    scratch.
    """
    tx = pu[0, j]
    ty = pu[1, j]
    tz = pu[2, j]
    for u in range(m):
        deg[u] = 0.0
    n_e = 0.0
    for u in range(m):
        a = dsl[u]
        ra = slot_rec[a]
        ax = band_f[k, ra, BF_X] - tx
        ay = band_f[k, ra, BF_Y] - ty
        az = band_f[k, ra, BF_Z] - tz
        for v in range(u + 1, m):
            b = dsl[v]
            rb = slot_rec[b]
            if is_stereo_pair(ax, ay, az, band_f[k, rb, BF_X] - tx, band_f[k, rb, BF_Y] - ty, band_f[k, rb, BF_Z] - tz,
                              r2s[a, j], r2s[b, j], min(slot_cm[a], slot_cm[b])):
                deg[u] += 1.0
                deg[v] += 1.0
                n_e += 1.0
    for u in range(m):
        if deg[u] == n_e:
            sv[st, band_si[k, slot_rec[dsl[u]], 0], SV_SOLE_STEREO] += w


@jit_inline_numpy_errors
def _tile_needs_known(cnt, best, wj, n_h, j0):
    """Points of the tile at ``j0`` that :func:`row_satellite_value_known` must visit: detected, in
    the region, and with one or two detections, or a stereo pair and possibly a satellite in every
    stereo pair. Branch-free count over the ``BLOCK`` points (vectorised)."""
    n = np.int64(0)
    j0u = np.uint64(j0)
    for jj in range(np.uint64(BLOCK)):
        j = j0u + jj
        c = cnt[j]
        e = n_h[j]
        st = (c >= 2.0) & (best[j] < math.inf)
        need = (c > 0.0) & (wj[j] > 0.0) & ((c <= 2.0) | (st & ((e < 0.0) | (e >= 0.5 * (c - 1.0) * (c - 2.0)))))
        n += np.int64(1) if need else np.int64(0)
    return n


@jit_no_refcount
def row_satellite_value_known(sv, st, wj, cnt, best, n_h, r2s, slot_rec, slot_lo, slot_hi, slot_cm, ns, band_f,
                              band_si, k, pu, j_a, j_b, rminb, tsl, dsl, deg):
    """:func:`row_satellite_value` where the availability kernel has counted each point's non-stereo pairs.

    ``n_h[j]``: at a point with a stereo pair, the number of pairs of its detecting satellites
    that are *not* stereo pairs (the edges of its complement graph ``H``), -1 where unknown
    (:func:`constellation._availability.row_availability`, run first at the same step). With
    ``n`` detecting satellites, satellite ``v`` is in every stereo pair iff every pair of the
    other ``n - 1`` is a non-stereo pair, so ``H`` then has at least ``(n - 1)(n - 2) / 2``
    edges: below that count no satellite is (the usual case with three or more detections, one
    comparison); at or above it, or where unknown, the point's pairs are tested
    (:func:`_critical_by_pairs`). Points with one or two detections read their detecting slots
    from the tile's slot list (built when a point of the tile needs it). Same arguments and
    results as :func:`row_satellite_value` otherwise (``tsl``, ``dsl`` (>= ns,) int64 and
    ``deg`` (>= ns,) float64 scratch).
    """
    for q in range(j_a // BLOCK, j_b // BLOCK + 1):
        if _tile_needs_known(cnt, best, wj, n_h, q * BLOCK) == 0:
            continue
        nt = -1  # the tile's slot list, built when a point needs it
        for j in range(max(j_a, q * BLOCK), min(j_b, q * BLOCK + BLOCK - 1) + 1):
            c = cnt[j]
            w = wj[j]
            if not (c > 0.0 and w > 0.0):
                continue
            stereo = c >= 2.0 and best[j] < math.inf
            n = int(c)
            if n > 2:
                if not stereo:
                    continue
                e = n_h[j]
                if e >= 0.0 and e < 0.5 * (n - 1) * (n - 2):
                    continue  # no satellite is in every stereo pair
            if nt < 0:
                nt = 0
                for s in range(ns):
                    if slot_lo[s] <= q <= slot_hi[s] and rminb[s, q] < math.inf:
                        tsl[nt] = s
                        nt += 1
            m = 0
            for t in range(nt):
                s = tsl[t]
                r2 = r2s[s, j]
                if r2 == r2:
                    dsl[m] = s
                    m += 1
            if n == 1:
                sv[st, band_si[k, slot_rec[dsl[0]], 0], SV_SOLE] += w
            elif n == 2:
                sv[st, band_si[k, slot_rec[dsl[0]], 0], SV_NEED2] += w
                sv[st, band_si[k, slot_rec[dsl[1]], 0], SV_NEED2] += w
                if stereo:  # the one pair is the stereo pair
                    sv[st, band_si[k, slot_rec[dsl[0]], 0], SV_SOLE_STEREO] += w
                    sv[st, band_si[k, slot_rec[dsl[1]], 0], SV_SOLE_STEREO] += w
            else:
                _critical_by_pairs(sv, st, w, dsl, m, j, r2s, slot_rec, slot_cm, band_f, band_si, k, pu, deg)


TS_SOLE = 0
"""Columns of :func:`track_satellite_value`'s per-sample output: the sole detector (-1: none),"""
TS_NEED2_A = 1
"""... the two satellites of a sample with exactly two detections (-1: not so),"""
TS_NEED2_B = 2
TS_STEREO_A = 3
"""... and the (at most two) satellites in every stereo pair (-1: none)."""
TS_STEREO_B = 4
N_TS = 5

TRACK_BLOCK = 64
"""Samples per parallel work item in :func:`track_satellite_value` (one scratch array per block)."""


@jit_parallel
def track_satellite_value(pos, valid, sample_ids, tidx, tgt_xyz, tgt_up, intensity_w_sr, sensor_of_sat, table, out):
    """Which satellites are sole detector / needed for >= 2 / in every stereo pair, per track sample.

    Parameters
    ----------
    pos : (n_inst, n_sat, 3) float64
        Satellite ITRS positions (km) at the chunk's instants.
    valid : (n_inst, n_sat) bool
        False where propagation failed (such satellites never detect).
    sample_ids : (m,) int64
        Samples to evaluate.
    tidx : (n_sample,) int64
        Row of ``pos`` of every sample.
    tgt_xyz, tgt_up : (n_sample, 3) float64
        Target ECEF position (km) and unit ellipsoid normal.
    intensity_w_sr : (n_sample, n_sensor) float64
        Target in-band intensity per sensor band (W/sr); NaN skips the radiometric test.
    sensor_of_sat : (n_sat,) int64
    table : (n_sensor, N_PARAM) float64
    out : (n_sample, N_TS) int64, out
        Satellite indices in the ``TS_*`` columns (-1 where none), written at ``sample_ids``.

    Notes
    -----
    Detection is :func:`constellation._geometry.detects_i` and stereo
    :func:`constellation._geometry.best_stereo_pair`, the track kernel's own tests
    (:func:`constellation._tracks.track_samples`). Every stereo pair contains ``s`` only if the
    best pair does, so only the best pair's two satellites are candidates; ``s`` is one when
    :func:`best_stereo_pair` over the detecting satellites without ``s`` finds no pair.
    """
    n_sat = pos.shape[1]
    m = sample_ids.size
    n_block = (m + TRACK_BLOCK - 1) // TRACK_BLOCK
    for blk in prange(n_block):
        det = np.empty(n_sat, dtype=np.int64)
        rest = np.empty(n_sat, dtype=np.int64)
        for q in range(blk * TRACK_BLOCK, min(m, (blk + 1) * TRACK_BLOCK)):
            i = sample_ids[q]
            t = tidx[i]
            nd = 0
            for s in range(n_sat):
                if valid[t, s] and detects_i(pos[t, s], tgt_xyz[i], tgt_up[i], table[sensor_of_sat[s]],
                                             intensity_w_sr[i, sensor_of_sat[s]]):
                    det[nd] = s
                    nd += 1
            for c in range(N_TS):
                out[i, c] = -1
            if nd == 1:
                out[i, TS_SOLE] = det[0]
            elif nd == 2:
                out[i, TS_NEED2_A] = det[0]
                out[i, TS_NEED2_B] = det[1]
            if nd < 2:
                continue
            a, b, _, _ = best_stereo_pair(pos[t], det, np.int64(nd), sensor_of_sat, table, tgt_xyz[i])
            if a < 0:
                continue
            for e in range(2):
                x = a if e == 0 else b
                col = TS_STEREO_A + e
                nr = 0
                for u in range(nd):
                    if det[u] != x:
                        rest[nr] = det[u]
                        nr += 1
                a2, _, _, _ = best_stereo_pair(pos[t], rest, np.int64(nr), sensor_of_sat, table, tgt_xyz[i])
                if a2 < 0:
                    out[i, col] = x
