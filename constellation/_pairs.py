"""Best stereo pair searches: smallest triangulation variance over the detecting satellites.

Two exact searches with the same variance (module docstring of
:mod:`constellation._geometry`, without square roots) and the same pruning bound
``v >= L(q1, q2) = q1 + q2 + q1 q2 / (q1 + q2)``, ``q = (sigma R)^2``:

- per point (:func:`best_pair_sigma2`), over a point's detection records (``N_REC`` columns),
  warm-started from the previous step's best pair: the every-triple kernel
  (:mod:`constellation._points`);
- per tile of a grid strip (:func:`row_pairs`, layout in :mod:`constellation._tiles`): slots
  sorted by the tile's smallest ``q`` (:func:`sort_by_key`), pairs swept over whole tiles
  (:func:`pair_block`, vectorised) while ``L`` stays below the tile's worst current best
  (:func:`block_max`): the grid kernel (:mod:`constellation._grid`).
"""

from __future__ import annotations

import math

import numpy as np

from ._candidates import BF_X, BF_Y, BF_Z
from ._geometry import P_COS_STEREO_MIN
from ._jit import jit_inline, jit_inline_numpy_errors, jit_no_refcount
from ._tiles import BLOCK

N_REC = 2
"""Width of a point's detection record (:func:`best_pair_sigma2`): q = (sigma R)^2, satellite index."""


@jit_inline
def best_pair_sigma2(rec, j, n, ou, oi, warm, pos, k, tx, ty, tz, table, sensor_of_sat):
    """Smallest triangulation variance (km^2) over the stereo pairs among ``n`` detecting satellites.

    Slots ``c < n`` of point ``j`` (target at ``tx, ty, tz``, km) hold one detection each,
    written at detection time as ``rec[j, c] = (q, satellite)`` with ``q = (sigma R)^2`` (km^2;
    the index stored as float64, exact). For a pair with lines of sight ``d1, d2`` (target ->
    satellite, unnormalised, km; ``d = pos[k, sat] - t``, recomputed here from ``pos``),
    ``P = R1^2 R2^2`` and ``t = d1 . d2``: ``cos gamma = t / sqrt(P)``, so the stereo test
    ``|cos gamma| <= cos theta_min`` is ``t^2 <= cos^2(theta_min) P`` (``cos theta_min >= 0``),
    ``P sin^2 gamma = P - t^2``, and the variance of the module docstring is
    ``v = (q1 + q2) P / (P - t^2) + q1 q2 / (q1 + q2)`` (no square root at all).

    Exact search with pruning: ``v >= L(q1, q2) = q1 + q2 + q1 q2 / (q1 + q2)``. The search
    starts from ``warm[j] = (sat_a, sat_b)``, the point's best pair at the previous time step: if
    both satellites still detect the point and still form a stereo pair, its value is a tight
    initial ``best``. Satellites with ``q + q_min >= best`` are dropped; the others are copied
    with their ``d``, ``R^2`` and ``cos theta_min`` into the scratch ``ou`` ((n_sat, 6) float64)
    and ``oi`` ((n_sat,) int64), and every pair whose bound ``L`` is below ``best`` is tested.
    Comparisons are cross-multiplied (no divisions) except when a pair improves ``best``.
    ``warm`` (n_lon, 2) int64 is updated with the best pair (-1 when none). Returns ``inf`` when
    no stereo pair exists.
    """
    pa = warm[j, 0]
    pb = warm[j, 1]
    best = math.inf
    ba = -1
    bb = -1
    qa = -1.0
    qb = -1.0
    qmin = math.inf
    for a in range(n):
        sv = rec[j, a, 1]
        qv = rec[j, a, 0]
        if qv < qmin:
            qmin = qv
        if sv == pa:
            qa = qv
        elif sv == pb:
            qb = qv
    if qa >= 0.0 and qb >= 0.0:
        ax = pos[k, pa, 0] - tx
        ay = pos[k, pa, 1] - ty
        az = pos[k, pa, 2] - tz
        bx = pos[k, pb, 0] - tx
        by = pos[k, pb, 1] - ty
        bz = pos[k, pb, 2] - tz
        dt = ax * bx + ay * by + az * bz
        pr = (ax * ax + ay * ay + az * az) * (bx * bx + by * by + bz * bz)
        cm = min(table[sensor_of_sat[pa], P_COS_STEREO_MIN], table[sensor_of_sat[pb], P_COS_STEREO_MIN])
        if cm >= 0.0 and dt * dt <= cm * cm * pr:
            s2 = pr - dt * dt
            if s2 > 0.0:
                qs = qa + qb
                best = qs * pr / s2 + qa * qb / qs
                ba = pa
                bb = pb
    m = 0
    for a in range(n):
        qv = rec[j, a, 0]
        if qv + qmin < best:
            sa = int(rec[j, a, 1])
            dx = pos[k, sa, 0] - tx
            dy = pos[k, sa, 1] - ty
            dz = pos[k, sa, 2] - tz
            ou[m, 0] = qv
            ou[m, 1] = dx
            ou[m, 2] = dy
            ou[m, 3] = dz
            ou[m, 4] = dx * dx + dy * dy + dz * dz
            ou[m, 5] = table[sensor_of_sat[sa], P_COS_STEREO_MIN]
            oi[m] = sa
            m += 1
    for a in range(m - 1):
        q1 = ou[a, 0]
        u1x = ou[a, 1]
        u1y = ou[a, 2]
        u1z = ou[a, 3]
        r1 = ou[a, 4]
        c1 = ou[a, 5]
        for b in range(a + 1, m):
            q2 = ou[b, 0]
            qs = q1 + q2
            if qs * qs + q1 * q2 >= best * qs:  # L(q1, q2) >= best
                continue
            dt = u1x * ou[b, 1] + u1y * ou[b, 2] + u1z * ou[b, 3]
            pr = r1 * ou[b, 4]
            cm = min(c1, ou[b, 5])
            if cm >= 0.0 and dt * dt <= cm * cm * pr:
                s2 = pr - dt * dt  # R1^2 R2^2 sin^2(gamma)
                # v = qs R1^2 R2^2 / s2 + q1 q2 / qs < best, multiplied through by s2 qs > 0
                if s2 > 0.0 and qs * qs * pr + q1 * q2 * s2 < best * s2 * qs:
                    best = qs * pr / s2 + q1 * q2 / qs
                    ba = oi[a]
                    bb = oi[b]
    warm[j, 0] = ba
    warm[j, 1] = bb
    return best


@jit_inline_numpy_errors
def pair_block(r2s, a, b, j0, sax, say, saz, sbx, sby, sbz, pu, nz2a, nz2b, cm2, best, one):
    """Fold the pair of slots ``a``, ``b`` into ``best`` over the ``BLOCK`` points ``j0 .. j0 + BLOCK - 1``.

    Same quantities as :func:`best_pair_sigma2` (module docstring): with ``d = sat - t`` per
    point, ``t = d1 . d2``, ``P = R1^2 R2^2``, the pair is stereo iff ``t^2 <= cos^2(theta_min) P``
    and ``P - t^2 > 0``; its variance is ``v = ((q1 + q2)^2 P + q1 q2 (P - t^2)) / ((P - t^2)(q1 + q2))``
    (= ``(q1 + q2) P / (P - t^2) + q1 q2 / (q1 + q2)``, one division) with ``q = noise^2 R^2``
    (km^2, ``nz2a``/``nz2b`` the squared noise in rad^2).

    ``r2s[a, j]`` holds ``R^2`` (km^2), NaN where the satellite does not detect point ``j`` (a
    NaN makes the stereo test false); ``pu[0:3]`` are the strip's points (km, tile-major, as in
    :func:`slot_detect`); ``sax ... sbz`` the satellites (km); ``cm2`` is ``cos^2(theta_min)``
    of the pair; ``best`` (km^2, inf when none) is updated in place.

    Written for LLVM's vectoriser: a fixed trip count (whole block, no remainder loop), unsigned
    indices, a branch-free body and no reduction (a floating-point ``max`` would keep it scalar;
    see :func:`block_max`). ``one`` is 1.0 passed at run time: storing ``best * one``
    (exactly ``best``) where the pair does not improve the point keeps the store unconditional;
    with ``best`` itself LLVM emits a masked store (``vmaskmovpd``), several times slower on AMD
    processors.
    """
    j0u = np.uint64(j0)
    for jj in range(np.uint64(BLOCK)):
        j = j0u + jj
        r1 = r2s[a, j]
        r2 = r2s[b, j]
        tx = pu[0, j]
        ty = pu[1, j]
        tz = pu[2, j]
        ax = sax - tx
        ay = say - ty
        az = saz - tz
        bx = sbx - tx
        by = sby - ty
        bz = sbz - tz
        dt = ax * bx + ay * by + az * bz
        pr = r1 * r2
        q1 = nz2a * r1
        q2 = nz2b * r2
        qs = q1 + q2
        s2 = pr - dt * dt
        v = (qs * qs * pr + q1 * q2 * s2) / (s2 * qs)
        bj = best[j]
        ok = (dt * dt <= cm2 * pr) & (s2 > 0.0) & (v < bj)
        best[j] = v if ok else bj * one


@jit_inline
def sort_by_key(keys, order, m):
    """Insertion sort of ``keys[:m]`` ascending, ``order[:m]`` permuted alike (stable; fast when nearly sorted)."""
    for t in range(1, m):
        x = keys[t]
        a = order[t]
        c = t
        while c > 0 and keys[c - 1] > x:
            keys[c] = keys[c - 1]
            order[c] = order[c - 1]
            c -= 1
        keys[c] = x
        order[c] = a


@jit_inline
def block_max(best_bits, j0):
    """Largest of ``best[j0 : j0 + BLOCK]`` (all >= 0), found on the IEEE-754 bit patterns.

    ``best_bits`` is ``best.view(np.int64)``. For non-negative doubles (inf included) the bit
    patterns order as the values do, and an integer maximum needs none of the NaN care that
    keeps the float one from vectorising.
    """
    m = np.int64(0)
    j0u = np.uint64(j0)
    for jj in range(np.uint64(BLOCK)):  # unsigned: no negative-index wraparound, vectorised
        m = max(m, best_bits[j0u + jj])
    return np.int64(m).view(np.float64)


@jit_no_refcount
def row_pairs(k, ns, row_a, row_b, band_f, r2s, rminb, best, best_bits, pu, cnt, slot_rec, slot_lo, slot_hi,
               slot_nz2, slot_cm, order, bkey, one, bstart, bslots):
    """Best stereo pair of every point of one strip at one step, tile by tile (step 2 of :func:`grid_chunk`).

    ``ns`` slots hold the strip's detections (``r2s``, ``rminb``: smallest ``R^2`` per tile,
    ``slot_*``: band record, first/last tile, squared noise, ``cos theta_min``); points
    ``row_a .. row_b`` (tile-major indices, whole tiles) get ``best[j]`` = the smallest
    triangulation variance (km^2) over the stereo pairs, ``inf`` when none, 0 where fewer than
    two satellites detect (``cnt``). A tile (``BLOCK`` points: ``TILE_ROWS`` x ``TILE_COLS``)
    is the unit of the bound; the code reads "block" for it. A function of its own (one call
    per strip and step): inside the kernel's large loop body its registers spilled to the
    stack. ``bstart`` (n_blk + 1,) and ``bslots`` (n_slot,) int64 are scratch: the slots
    bucketed by their first tile (a counting sort), so each tile visits only the slots that
    start in it.
    """
    q_first = row_a // BLOCK
    q_last = row_b // BLOCK
    for q in range(q_first, q_last + 2):
        bstart[q] = 0
    for a in range(ns):
        bstart[slot_lo[a] + 1] += 1
    for q in range(q_first + 1, q_last + 2):
        bstart[q] += bstart[q - 1]
    for a in range(ns):  # bstart[q] ends as the end of bucket q - 1 ... shifted back below
        q = slot_lo[a]
        bslots[bstart[q]] = a
        bstart[q] += 1
    for q in range(q_last + 1, q_first, -1):
        bstart[q] = bstart[q - 1]
    bstart[q_first] = 0
    ja = np.uint64(q_first * BLOCK)
    for jj in range(np.uint64((q_last - q_first + 1) * BLOCK)):
        # 0 where fewer than two satellites detect: no pair can lower it, and the block's
        # worst best (the pruning bound) is then simply the largest entry of the block
        best[ja + jj] = math.inf if cnt[ja + jj] >= 2 else 0.0
    n_prev = 0  # slots of the previous block, in its order (carried: the order changes slowly)
    for q in range(q_first, q_last + 1):
        jl = q * BLOCK
        m = 0
        # the block's smallest q per slot; inf for a slot detecting nothing in this block
        # (a gap between its first and last block): sorted last, the L bound stops before it
        for t in range(n_prev):  # slots of the previous block that reach into this one
            a = order[t]
            if slot_hi[a] >= q:
                order[m] = a
                x = slot_nz2[a] * rminb[a, q]
                bkey[m] = x if x < math.inf else math.inf
                m += 1
        for t in range(bstart[q], bstart[q + 1]):  # slots starting in this block
            a = bslots[t]
            order[m] = a
            x = slot_nz2[a] * rminb[a, q]
            bkey[m] = x if x < math.inf else math.inf
            m += 1
        sort_by_key(bkey, order, m)  # by the block's smallest q (nearly sorted)
        n_prev = m
        # worst best of the block (inf while a point with 2+ detections has no pair)
        mb = block_max(best_bits, jl)
        if mb == 0.0:
            continue
        # L(q1, q2) = q1 + q2 + q1 q2 / (q1 + q2) grows with both arguments: along the sorted
        # list, once it reaches the block's worst best no later pair can improve any point
        n_sw = 0
        for ia in range(m - 1):
            a = order[ia]
            qa = bkey[ia]
            qs = qa + bkey[ia + 1]
            if qs * qs + qa * bkey[ia + 1] >= mb * qs:
                break
            sa = slot_rec[a]
            xa = band_f[k, sa, BF_X]
            ya = band_f[k, sa, BF_Y]
            za = band_f[k, sa, BF_Z]
            for ib in range(ia + 1, m):
                qb = bkey[ib]
                qs = qa + qb
                if qs * qs + qa * qb >= mb * qs:
                    break
                b = order[ib]
                cm = min(slot_cm[a], slot_cm[b])
                if cm < 0.0:
                    continue
                sb = slot_rec[b]
                pair_block(r2s, a, b, jl, xa, ya, za, band_f[k, sb, BF_X], band_f[k, sb, BF_Y], band_f[k, sb, BF_Z],
                            pu, slot_nz2[a], slot_nz2[b], cm * cm, best, one)
                n_sw += 1
                if n_sw & 1 == 0:  # a stale (larger) bound only prunes less: exact either way
                    mb = block_max(best_bits, jl)
