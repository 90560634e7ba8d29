"""The point-list kernel: exact tests and metrics over every (time, satellite, point) triple.

No footprint pruning: the kernel of :func:`constellation.coverage.point_coverage` (short
point lists) and the reference the grid kernel is checked and benchmarked against
(:mod:`hgvcov.baselines`, the tests): same detection test
(:func:`constellation._geometry.detect_r2`), same accumulators
(:func:`constellation._metrics.update_point`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._availability import MAX_STEREO_SATS, N_AV, STACK_SIZE, point_availability
from ._background import point_background
from ._geometry import P_INTENSITY_W_SR, P_NOISE_RAD, detect_r2, sensor_scalars, view_scalars
from ._jit import jit_parallel
from ._metrics import update_point
from ._pairs import N_REC, best_pair_sigma2


@jit_parallel
def point_chunk(pos, valid, sensor_of_sat, table, k0, pts, ups, n_lon,
                      istate, fstate, hist, t_edge, log_lo, inv_dlog, mode=0, level=None, avail=None,
                      avail_p=1.0, bg=None):
    """Baseline: the same exact tests and metrics over every (time, satellite, point) triple.

    Used by the benchmark, the tests and :func:`constellation.coverage.point_coverage` (same
    :func:`detect_r2`, same accumulators as :func:`grid_chunk`, no footprint pruning).
    Parallel over latitude rows (``n_lon`` points each). ``mode`` 1 runs the tests only
    (benchmark of the detection stage; accumulators untouched). ``level``, when given
    (``(n_point, n_t)`` int8), receives each point's coverage level per step of the chunk: 0
    none, 1 one detecting satellite, 2 two or more without a stereo pair, 3 a stereo pair
    (``mode`` 0 only; read by :func:`constellation._metrics.levels_update`). ``avail``, when
    given (``(n_point, 3)`` float64), accumulates the probabilities that >= 1, >= 2 detections and
    a stereo pair survive with each satellite available with probability ``avail_p``
    (:func:`constellation._availability.point_availability`; ``mode`` 0 only). ``bg``, when given
    (``(n_point, N_BG)`` float64), counts the samples with a space-background detection and with a
    space-background stereo pair (:func:`constellation._background.point_background`; ``mode`` 0 only).
    """
    n_t = pos.shape[0]
    n_sat = pos.shape[1]
    n_lat = pts.shape[0] // n_lon
    for i in prange(n_lat):
        cnt = np.zeros(n_lon, dtype=np.int64)
        rec = np.empty((n_lon, n_sat, N_REC), dtype=np.float64)
        ou = np.empty((n_sat, 6), dtype=np.float64)
        oi = np.empty(n_sat, dtype=np.int64)
        warm = np.full((n_lon, 2), -1, dtype=np.int64)
        av_adj = np.zeros(MAX_STEREO_SATS, dtype=np.uint64)
        av_los = np.zeros((max(n_sat, N_AV), 5), dtype=np.float64)
        av_sm = np.zeros(STACK_SIZE, dtype=np.uint64)
        av_sw = np.zeros(STACK_SIZE, dtype=np.float64)
        bg_l = np.empty(n_sat, dtype=np.int64)
        base = i * n_lon
        for k in range(n_t):
            g = k0 + k
            for s in range(n_sat):
                if not valid[k, s]:
                    continue
                si = sensor_of_sat[s]
                se, rmax2, cf, ga, gb, kthr, inten = sensor_scalars(table, si, table[si, P_INTENSITY_W_SR])
                cn, ca2, ck, req = view_scalars(table, si)
                nz2 = table[si, P_NOISE_RAD] ** 2
                sx = pos[k, s, 0]
                sy = pos[k, s, 1]
                sz = pos[k, s, 2]
                for j in range(n_lon):
                    p = base + j
                    r2 = detect_r2(sx, sy, sz, pts[p, 0], pts[p, 1], pts[p, 2], ups[p, 0], ups[p, 1], ups[p, 2],
                                   se, rmax2, cf, ga, gb, kthr, inten, cn, ca2, ck, req)
                    if r2 >= 0.0:
                        c = cnt[j]
                        rec[j, c, 0] = nz2 * r2
                        rec[j, c, 1] = s
                        cnt[j] = c + 1
            for j in range(n_lon):
                n = cnt[j]
                if n > 0 and mode == 0:
                    bv = math.inf
                    if n >= 2:
                        bv = best_pair_sigma2(rec, j, n, ou, oi, warm, pos, k, pts[base + j, 0], pts[base + j, 1],
                                           pts[base + j, 2], table, sensor_of_sat)
                    update_point(base + j, g, n, bv, istate, fstate, hist, t_edge, log_lo, inv_dlog)
                    if avail is not None:
                        point_availability(avail, avail_p, base + j, n, bv < math.inf, rec, j, pos, k, pts[base + j, 0],
                                           pts[base + j, 1], pts[base + j, 2], table, sensor_of_sat, av_adj, av_los,
                                           av_sm, av_sw)
                    if bg is not None:
                        point_background(bg, base + j, rec, j, n, pos, k, pts[base + j, 0], pts[base + j, 1],
                                         pts[base + j, 2], table, sensor_of_sat, bg_l)
                    if level is not None:
                        level[base + j, k] = 1 + (1 if n >= 2 else 0) + (1 if bv < math.inf else 0)
                elif level is not None:
                    level[base + j, k] = 0
                cnt[j] = 0
