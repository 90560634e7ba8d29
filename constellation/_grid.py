"""The grid coverage kernel: exact tests of the candidates and streaming metrics per time chunk.

:func:`grid_chunk` orchestrates, per strip of grid rows (:mod:`constellation._tiles`) and
time step, the detection (:mod:`constellation._detect`), the best stereo pair
(:mod:`constellation._pairs`) and the metric updates (:mod:`constellation._metrics`) on the
candidates found by :mod:`constellation._candidates`; the module docstring of
:mod:`constellation.coverage` describes the algorithm and the metrics.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._availability import (ACC_ROWS, ADJ_SCRATCH, LOS_COLS, LOS_ROWS, STACK_SIZE, row_availability,
                            strip_sums_load, strip_sums_store, survival_table)
from ._background import row_background, strip_above_clutter
from ._candidates import strip_candidates
from ._detect import row_detect
from ._jit import jit_parallel_numpy_errors
from ._metrics import (N_RS, N_XS, ROW_COUNT_BITS, row_gap_update, row_level_counts,
                       row_state_load, row_state_store, row_update, unpack_row_sum, xstate_load, xstate_store)
from ._pairs import row_pairs
from ._satvalue import row_satellite_value, row_satellite_value_known
from ._tiles import BLOCK, TILE_COLS, TILE_ROWS


@jit_parallel_numpy_errors
def grid_chunk(band_n, band_lh, band_f, band_si, table, k0, pts, ups, row_sin, row_cos,
               lon0_rad, step_rad, n_lon, istate, fstate, hist, t_edge, log_lo, inv_dlog, mode, xstate, ghist,
               weight, series, avail, avail_p, bg, satval):
    """Exact tests of the candidates and streaming metrics for one time chunk (output-sensitive).

    Parallel over strips of ``TILE_ROWS`` latitude rows; each strip walks the chunk's time
    steps in order, so every point's accumulators are owned by one thread (no races). A strip's
    points are stored tile by tile: tile ``q`` (``TILE_ROWS`` rows x columns ``q * TILE_COLS
    .. + TILE_COLS - 1``, ``BLOCK`` points) at indices ``q * BLOCK ..``, row-major inside the
    tile, padded with NaN points past the grid's last row and column. Compact tiles (6 x 4
    points, 3 deg x 2 deg on the 0.5 deg grid) are the unit of the pair-search bound: their
    points see the satellites at closer ranges and angles than a run of one row, so the bound
    admits fewer sweeps (counted by ``benchmarks/tile_bound.py``), and they take fewer exact
    tests at the cap edges; the candidate set-up is shared by six rows. Strips are dealt
    heaviest first (the candidates over the chunk's steps counted in a parallel pre-pass,
    which also sizes each strip's scratch), so the threads finish together. The measured
    tile shapes and orders are in ``docs/ARCHITECTURE.md``. Per step:

    1. *Detection* (:func:`row_detect`). Every satellite whose row band meets the strip (the
       step's packed band records, :func:`pack_bands`, sorted by first row, so the scan stops
       at the first band starting below the strip) is a candidate; its closed-form longitude
       windows (:func:`lon_half_width` on each row, the widest kept; :func:`lon_index_windows`)
       select the tiles it is tested on exactly with the :func:`detect_r2` inequalities
       (:func:`slot_detect`: vectorised unless the sensor has a grazing-altitude limit). The
       slot keeps ``R^2`` (km^2) per detected point (NaN elsewhere), per tile the smallest
       detected ``R^2`` (NaN when none), and its first and last tile with a detection.
    2. *Best stereo pair* (:func:`row_pairs`), tile by tile. The slots that detect in the tile
       are sorted by the tile's smallest ``q = noise^2 R^2`` and pairs are swept over the whole
       tile (:func:`pair_block`, vectorised) in that order while their lower bound
       ``L = q1 + q2 + q1 q2 / (q1 + q2) <= v`` stays below the tile's worst current best
       variance (``L`` grows with both arguments, so the first pair past it ends the search for
       that slot, and for every later slot once it fails with the next one). The worst best is
       re-read after every second sweep: a stale (larger) bound only prunes less. Exact: a
       skipped pair cannot improve any point of the tile.
    3. *Metrics.* Each detected point gets its count, gaps and best-pair error folded into the
       strip's copy of the accumulators (:func:`row_update`, vectorised; the same arithmetic
       as :func:`update_point`), copied in and out of ``istate``/``fstate`` once per strip and
       chunk; stereo samples then increment their error-histogram bin. Before that,
       :func:`row_level_counts` (vectorised) counts the strip's region points at each coverage
       level (>= 1, >= 2, stereo) per grid row, weighted by the rows' area weights into
       ``series[strip, k, level]`` (region coverage over time), and :func:`row_gap_update`
       (on a strip copy of the gap-distribution state, the arithmetic of :func:`gap_update`)
       counts the passes started and the gaps closed at each level, the gaps in the points'
       gap-length histograms.

    Work is proportional to the visible (point, satellite) pairs and to the co-visible pairs
    that survive the bound; nothing is stored per (point, satellite) beyond one strip.

    The per-strip-and-step functions (:func:`row_detect`, :func:`row_pairs`, :func:`row_update`)
    are compiled with ``_nrt=False``: they allocate nothing, and numba would otherwise increment
    and decrement the reference count of every array argument at each call, atomic operations
    on counts that the threads share (see :mod:`constellation._jit`).

    Parameters
    ----------
    band_n, band_lh, band_f, band_si
        Packed candidate bands of the chunk's steps (:func:`pack_bands`).
    table : (n_sensor, N_PARAM) float64
    k0 : int
        Global time index of the chunk's first step.
    pts, ups : (n_lat * n_lon, 3) float64
        Grid points (km) and unit normals, row-major.
    row_sin, row_cos : (n_lat,) float64
        Sine/cosine of each row's geocentric latitude.
    lon0_rad, step_rad : float
        First longitude and spacing of the grid (rad).
    n_lon : int
    istate : (n_point, N_ISTATE) int32, in/out
    fstate : (n_point, N_FSTATE) float64, in/out
    hist : (n_point, n_bins) unsigned int, in/out
        Histogram of the best-pair error, bins uniform in ``log(sigma_m)`` from ``log_lo``
        with width ``1 / inv_dlog``; values outside go to the end bins.
    t_edge : (n_time + 1,) float64
        Sample boundaries (s): sample k covers ``[t_edge[k], t_edge[k+1])``.
    mode : int
        0 full; 1 exact tests only; 2 tests and pair search without metric updates
        (profiling).
    xstate : (n_point, N_XSTATE) float64, in/out
        Gap-distribution state per level (:mod:`constellation._metrics`).
    ghist : (n_point, 3 * n_gap_bins) unsigned int, in/out
        Gap-length histograms (:func:`constellation._metrics.gap_bin`), level by level.
    weight : (n_point,) float64
        Area weight of each point in the region series (0 outside the region).
    series : (n_strip, n_t, 3) float64, out (zeroed by the caller)
        Per strip and step the summed weights of the points with >= 1, >= 2 detections and in
        stereo; strips summed in index order give the region's series.
    avail : (n_point, 3) float64, in/out, or (0, 3) to skip
        Sums over the samples of the probabilities that >= 1, >= 2 detections and a stereo pair
        survive when each satellite is available with probability ``avail_p``
        (:func:`constellation._availability.row_availability`); an empty array turns the
        accumulation off and leaves every other output as without it.
    avail_p : float
        Satellite availability, ``0 < avail_p <= 1`` (read only when ``avail`` is not empty).
    bg : (n_point, N_BG) float64, in/out, or (0, N_BG) to skip
        Samples with a space-background detection and with a space-background stereo pair
        (:func:`constellation._background.row_background`); strips whose points can only have an
        Earth background (below the clutter layer, or above it but under an elevation mask
        steeper than the layer's limb: :func:`constellation._background.strip_above_clutter`)
        are skipped.
    satval : (n_strip, n_sat, N_SV) float64, in/out, or (0, n_sat, N_SV) to skip
        Per strip and satellite the region-weighted sums of the samples at which the satellite
        is the sole detector, needed for >= 2, and in every stereo pair
        (:func:`constellation._satvalue.row_satellite_value`; with availability on,
        :func:`constellation._satvalue.row_satellite_value_known` from the availability kernel's
        count of each point's non-stereo pairs); strips summed in index order give the region's
        figures. An empty array turns the accumulation off.

    Returns
    -------
    int
        Number of exact (candidate) tests performed.
    """
    n_t = band_n.shape[0]
    n_lat = row_sin.shape[0]
    n_strip = (n_lat + TILE_ROWS - 1) // TILE_ROWS
    tests = np.zeros(n_strip, dtype=np.int64)
    work = np.zeros(n_strip, dtype=np.int64)  # candidates over the chunk's steps (a proxy for the work)
    strip_slots = np.zeros(n_strip, dtype=np.int64)  # most candidates at one step (scratch size)
    for st in prange(n_strip):
        i0 = st * TILE_ROWS
        i1 = min(i0 + TILE_ROWS, n_lat) - 1
        found = np.empty((band_lh.shape[1], 2), dtype=np.int64)
        for k in range(n_t):
            c = strip_candidates(band_n, band_lh, k, i0, i1, found)
            work[st] += c
            strip_slots[st] = max(strip_slots[st], c)
    # heaviest strips first (longest-processing-time-first): with dynamic scheduling
    # (constellation.coverage.GRID_ROWS_PER_TASK) the light ones fill in at the end, so the
    # threads finish together
    strip_order = np.argsort(-work)
    av_tab = survival_table(avail_p, 1 if avail.shape[0] > 0 else 0)  # read only, shared by the strips
    for i_ in prange(n_strip):
        i0 = strip_order[i_] * TILE_ROWS
        n_rows = min(TILE_ROWS, n_lat - i0)
        n_slot = strip_slots[strip_order[i_]]
        if n_slot == 0:
            continue
        n_blk = (n_lon + TILE_COLS - 1) // TILE_COLS
        n_pad = n_blk * BLOCK  # tiles of TILE_ROWS x TILE_COLS points (padding: no detection, cnt 0)
        r2s = np.empty((n_slot, n_pad), dtype=np.float64)
        rminb = np.empty((n_slot, n_blk), dtype=np.float64)
        slot_rec = np.empty(n_slot, dtype=np.int64)
        slot_lo = np.empty(n_slot, dtype=np.int64)
        slot_hi = np.empty(n_slot, dtype=np.int64)
        order = np.empty(n_slot, dtype=np.int64)
        bkey = np.empty(n_slot, dtype=np.float64)
        slot_nz2 = np.empty(n_slot, dtype=np.float64)
        slot_cm = np.empty(n_slot, dtype=np.float64)
        bstart = np.empty(n_blk + 2, dtype=np.int64)
        bslots = np.empty(n_slot, dtype=np.int64)
        cnt = np.zeros(n_pad, dtype=np.float64)  # detections per point (float: cheaper in the vector loops)
        best = np.empty(n_pad, dtype=np.float64)
        best_bits = best.view(np.int64)
        # region membership per slot as packed row bits (see row_gap_update) and each row's area weight
        iwa = np.zeros(n_pad, dtype=np.int64)
        iwb = np.zeros(n_pad, dtype=np.int64)
        wrow = np.zeros(TILE_ROWS, dtype=np.float64)
        pu = np.full((6, n_pad), np.nan)  # points (km), unit normals (rows 3-5), tile-major; NaN padding
        gidx = np.full(n_pad, -1, dtype=np.int64)  # global point index of each slot of the layout (-1 padding)
        for r in range(n_rows):
            for col in range(n_lon):
                j = (col // TILE_COLS) * BLOCK + r * TILE_COLS + col % TILE_COLS
                p = (i0 + r) * n_lon + col
                gidx[j] = p
                if weight[p] > 0.0:  # a row's taken points share its weight (constellation.coverage.region_weights)
                    wrow[r] = weight[p]
                    if r < 3:
                        iwa[j] = np.int64(1) << (ROW_COUNT_BITS * r)
                    else:
                        iwb[j] = np.int64(1) << (ROW_COUNT_BITS * (r - 3))
                for d in range(3):
                    pu[d, j] = pts[p, d]
                    pu[3 + d, j] = ups[p, d]
        srow = np.zeros(TILE_ROWS, dtype=np.float64)
        crow = np.zeros(TILE_ROWS, dtype=np.float64)
        for r in range(n_rows):
            srow[r] = row_sin[i0 + r]
            crow[r] = row_cos[i0 + r]
        rs = np.zeros((N_RS, n_pad), dtype=np.float64)  # the strip's streaming state
        binf = np.empty(n_pad, dtype=np.float64)
        xs = np.zeros((N_XS, n_pad), dtype=np.float64)  # the strip's gap-distribution state
        if mode == 0:
            row_state_load(rs, istate, fstate, t_edge, gidx)
            xstate_load(xs, xstate, gidx)
        nb = hist.shape[1]
        use_av = avail.shape[0] > 0
        n_av = 1 if use_av else 0  # availability scratch (pair graph, lines of sight, stacks, tile slots) only when on
        av_adj = np.zeros(ADJ_SCRATCH * n_av, dtype=np.uint64)
        av_los = np.zeros(((LOS_ROWS + n_blk) * n_av, LOS_COLS), dtype=np.float64)
        av_sm = np.zeros(STACK_SIZE * n_av, dtype=np.uint64)
        av_sw = np.zeros(STACK_SIZE * n_av, dtype=np.float64)
        av_tsl = np.empty(n_slot * n_av, dtype=np.int64)
        av_acc = np.zeros((ACC_ROWS, n_pad * n_av), dtype=np.float64)  # the strip's sums, tile-major
        if use_av:
            strip_sums_load(av_acc, avail, gidx)
        use_bg = bg.shape[0] > 0 and strip_above_clutter(pu, n_pad, table)
        n_bg = 1 if use_bg else 0  # background scratch only when a point of the strip can have a space background
        bg_n = np.zeros(n_pad * n_bg, dtype=np.float64)
        bg_f = np.zeros((n_slot * n_bg, n_pad), dtype=np.uint8)
        bg_l = np.empty(n_slot * n_bg, dtype=np.int64)
        bg_t = np.zeros((n_slot * n_bg, n_blk), dtype=np.uint8)
        use_sv = satval.shape[0] > 0
        n_sv = 1 if use_sv else 0  # per-satellite value scratch (slot weights, slot lists) only when on
        sv_w = np.zeros(n_pad * n_sv, dtype=np.float64)
        sv_tsl = np.empty(n_slot * n_sv, dtype=np.int64)
        sv_dsl = np.empty(n_slot * n_sv, dtype=np.int64)
        # with availability on, its kernel counts each stereo point's non-stereo pairs, from which
        # the per-satellite value follows at most points (row_satellite_value_known); otherwise
        # the witness kernel (row_satellite_value) needs its own scratch
        n_svw = n_sv * (1 - n_av)
        sv_los = np.empty((n_slot * n_svw, 3), dtype=np.float64)
        sv_okt = np.empty(BLOCK * n_svw, dtype=np.float64)
        sv_key = np.empty(n_slot * n_svw, dtype=np.float64)
        sv_tmp = np.empty(BLOCK * n_svw, dtype=np.float64)
        sv_nh = np.empty(n_pad * (n_sv * n_av), dtype=np.float64)
        sv_deg = np.empty(n_slot * (n_sv * n_av), dtype=np.float64)
        if use_sv:
            for j in range(n_pad):
                if gidx[j] >= 0:
                    sv_w[j] = weight[gidx[j]]
        cand = np.empty((n_slot, 2), dtype=np.int64)  # candidates of a step: band record, window count
        cf3 = np.empty((3, n_slot), dtype=np.float64)  # ... their sin/cos latitude, cos of the cap radius
        cdl = np.empty(n_slot, dtype=np.float64)  # ... their longitude half-widths on the strip (rad)
        cwin = np.empty((n_slot, 3, 2), dtype=np.int64)  # ... and their windows
        one = 1.0 + 0.0 * row_sin[i0]  # 1.0 the compiler cannot see (see pair_block)
        ntest = 0
        for k in range(n_t):
            g = k0 + k
            # ---- 1. detection
            ns, row_a, row_b, nt = row_detect(k, i0, n_rows, band_n, band_lh, band_f, band_si, table, srow, crow,
                                               lon0_rad, step_rad, n_lon, cand, cf3, cdl, cwin, pu, cnt, r2s, rminb,
                                               slot_rec, slot_lo, slot_hi, slot_nz2, slot_cm)
            ntest += nt
            if mode == 1:
                for j in range(row_a, row_b + 1):
                    cnt[j] = 0
                continue
            # ---- 2. best stereo pair per point, tile by tile
            row_pairs(k, ns, row_a, row_b, band_f, r2s, rminb, best, best_bits, pu, cnt, slot_rec, slot_lo, slot_hi,
                       slot_nz2, slot_cm, order, bkey, one, bstart, bslots)
            # ---- 3. streaming metrics
            if mode != 0:
                for j in range(row_a, row_b + 1):
                    cnt[j] = 0
                continue
            if row_a <= row_b:
                a1, b1, a2, b2, a3, b3 = row_level_counts(cnt, best, iwa, iwb, row_a, row_b)
                row_gap_update(xs, rs, cnt, best, ghist, gidx, row_a, row_b, g, t_edge[g], t_edge[g + 1])
                if use_av:
                    row_availability(av_acc, avail_p, cnt, best, r2s, slot_rec, slot_lo, slot_hi, slot_cm, band_f, k, pu,
                                     row_a, row_b, av_adj, av_los, av_sm, av_sw, av_tsl, av_tab, bstart, bslots, sv_nh)
                if use_bg:
                    row_background(bg, gidx, r2s, slot_rec, slot_lo, slot_hi, slot_cm, ns, band_f, band_si, k, table,
                                   pu, row_a, row_b, bg_n, bg_f, bg_l, bg_t)
                if use_sv and use_av:
                    row_satellite_value_known(satval, strip_order[i_], sv_w, cnt, best, sv_nh, r2s, slot_rec, slot_lo,
                                              slot_hi, slot_cm, ns, band_f, band_si, k, pu, row_a, row_b, rminb, sv_tsl,
                                              sv_dsl, sv_deg)
                elif use_sv:
                    row_satellite_value(satval, strip_order[i_], sv_w, cnt, best, r2s, slot_rec, slot_lo, slot_hi,
                                        slot_cm, ns, band_f, band_si, k, pu, row_a, row_b, sv_tsl, sv_dsl, sv_los,
                                        sv_okt, rminb, sv_key, sv_tmp)
                row_update(rs, cnt, best, binf, row_a, row_b, g, t_edge[g], t_edge[g + 1], log_lo, inv_dlog, nb)
                for j in range(row_a, row_b + 1):
                    if binf[j] >= 0.0:
                        hist[gidx[j], int(binf[j])] += 1
                sidx_ = strip_order[i_]
                series[sidx_, k, 0] = unpack_row_sum(a1, b1, wrow)
                series[sidx_, k, 1] = unpack_row_sum(a2, b2, wrow)
                series[sidx_, k, 2] = unpack_row_sum(a3, b3, wrow)
        if mode == 0:
            row_state_store(rs, istate, fstate, gidx)
            xstate_store(xs, rs, xstate, gidx)
            if use_av:
                strip_sums_store(av_acc, avail, gidx)
        tests[strip_order[i_]] = ntest
    return tests.sum()
