"""Streaming coverage metrics: per-point accumulators, their updates and the final metrics.

Accumulators per point (``istate`` int32 columns ``ST_*``, ``fstate`` float64 columns
``FS_*``, and a histogram of the best-pair error in ``log(sigma_m)``) are updated once per
time step, in time order: :func:`update_point` for one point, :func:`row_update` (vectorised)
on a grid strip's float64 copy ``rs`` (rows ``RS_*``, loaded and stored with
:func:`row_state_load` / :func:`row_state_store`). :func:`finalize` closes the gaps still open
at the end of the window and turns the accumulators into the metrics of
:mod:`constellation.coverage`. :func:`ln_positive` is the libm-free logarithm for the
histogram bin.

Gap distribution and region series (per level: >= 1, >= 2 detections, stereo): per-point
state ``xstate`` (columns ``X_*`` per level) and gap-length histograms ``ghist`` (HDR layout,
:func:`gap_bin`), updated by :func:`gap_update` (point lists, via :func:`levels_update`) or, in
the grid kernel, :func:`row_gap_update` on a strip copy (:func:`xstate_load` /
:func:`xstate_store`) with :func:`row_level_counts` / :func:`unpack_row_sum` for the region's
per-step sums; :func:`finalize_gaps` closes the open gaps and gives passes, time-average gap,
mean response time and percentiles (:func:`hist_percentiles`), :func:`region_gap_cdf` the
area-weighted gap-duration CDF.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._jit import jit, jit_inline, jit_no_refcount, jit_parallel

# Per-point streaming state (all 1-D arrays over points unless noted):
ST_N1 = 0  # int32 columns of the ``istate`` (n_point, N_ISTATE) array
ST_N2 = 1
ST_NST = 2
ST_LAST_DET = 3  # last time index with a detection (-1 none yet)
ST_LAST_ST = 4  # last time index with a stereo pair (-1 none yet)
ST_NGAP = 5  # number of closed detection gaps
N_ISTATE = 6
FS_SUMC = 0  # float64 columns of the ``fstate`` (n_point, N_FSTATE) array
FS_MAXGAP = 1
FS_SUMGAP = 2
FS_MAXGAP_ST = 3
N_FSTATE = 4

LN_1000 = math.log(1000.0)
LN_2 = math.log(2.0)
SQRT_2 = math.sqrt(2.0)


@jit_inline
def ln_positive(x):
    """Natural logarithm of a positive normal float64 without a libm call (abs. error < 2e-15).

    ``x = 2^e m`` with the exponent and mantissa read from the IEEE-754 bits, ``m`` folded
    into ``[sqrt(2)/2, sqrt(2)]``; then ``ln m = 2 atanh(z) = 2 (z + z^3/3 + z^5/5 + ...)``,
    ``z = (m - 1) / (m + 1)``, ``|z| <= 0.1716``, summed to ``z^17/17`` (next term < 1e-16;
    Abramowitz & Stegun 4.1.27). The metric updates need one logarithm per stereo (point,
    step) for the error histogram's bin, cheaper without libm's ``log``
    (``docs/ARCHITECTURE.md``).
    """
    bits = np.float64(x).view(np.int64)
    e = (bits >> 52) - 1023
    m = np.int64((bits & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000).view(np.float64)
    if m > SQRT_2:
        m *= 0.5
        e += 1
    z = (m - 1.0) / (m + 1.0)
    z2 = z * z
    p = 1.0 / 17.0
    p = p * z2 + 1.0 / 15.0
    p = p * z2 + 1.0 / 13.0
    p = p * z2 + 1.0 / 11.0
    p = p * z2 + 1.0 / 9.0
    p = p * z2 + 1.0 / 7.0
    p = p * z2 + 1.0 / 5.0
    p = p * z2 + 1.0 / 3.0
    p = p * z2 + 1.0
    return e * LN_2 + 2.0 * z * p


@jit_inline
def update_point(p, g, n, best_var, istate, fstate, hist, t_edge, log_lo, inv_dlog):
    """Streaming update of point ``p`` detected by ``n >= 1`` satellites at time index ``g``."""
    istate[p, ST_N1] += 1
    fstate[p, FS_SUMC] += n
    if n >= 2:
        istate[p, ST_N2] += 1
    last = istate[p, ST_LAST_DET]
    if last < g - 1:
        gap = t_edge[g] - t_edge[last + 1]
        istate[p, ST_NGAP] += 1
        fstate[p, FS_SUMGAP] += gap
        if gap > fstate[p, FS_MAXGAP]:
            fstate[p, FS_MAXGAP] = gap
    istate[p, ST_LAST_DET] = g
    if best_var < math.inf:
        istate[p, ST_NST] += 1
        last = istate[p, ST_LAST_ST]
        if last < g - 1:
            gap = t_edge[g] - t_edge[last + 1]
            if gap > fstate[p, FS_MAXGAP_ST]:
                fstate[p, FS_MAXGAP_ST] = gap
        istate[p, ST_LAST_ST] = g
        nb = hist.shape[1]
        x = (0.5 * ln_positive(best_var) + LN_1000 - log_lo) * inv_dlog  # log(sigma_m), sigma_m = 1000 sqrt(var)
        if x < 0.0:
            b = 0
        elif x >= nb:
            b = nb - 1
        else:
            b = int(x)
        hist[p, b] += 1


# row-local copy of the streaming state inside grid_chunk (float64 rows of ``rs``, (N_RS, n_pad)):
RS_N1 = 0  # samples with >= 1 detection
RS_N2 = 1  # samples with >= 2 detections
RS_NST = 2  # samples with a stereo pair
RS_LAST_DET = 3  # last sample with a detection (-1 none)
RS_LAST_ST = 4  # last sample with a stereo pair (-1 none)
RS_NGAP = 5  # closed detection gaps
RS_SUMC = 6  # sum of the detection counts
RS_MAXGAP = 7
RS_SUMGAP = 8
RS_MAXGAP_ST = 9
RS_T_DET = 10  # t_edge[last detection + 1]: start of the running detection gap (s)
RS_T_ST = 11  # t_edge[last stereo sample + 1]
N_RS = 12


@jit
def row_state_load(rs, istate, fstate, t_edge, gidx):
    """Copy the streaming state of the points ``gidx`` (global indices, -1 = padding, skipped) into ``rs``."""
    for j in range(gidx.shape[0]):
        p = gidx[j]
        if p < 0:
            continue
        rs[RS_N1, j] = istate[p, ST_N1]
        rs[RS_N2, j] = istate[p, ST_N2]
        rs[RS_NST, j] = istate[p, ST_NST]
        rs[RS_LAST_DET, j] = istate[p, ST_LAST_DET]
        rs[RS_LAST_ST, j] = istate[p, ST_LAST_ST]
        rs[RS_NGAP, j] = istate[p, ST_NGAP]
        rs[RS_SUMC, j] = fstate[p, FS_SUMC]
        rs[RS_MAXGAP, j] = fstate[p, FS_MAXGAP]
        rs[RS_SUMGAP, j] = fstate[p, FS_SUMGAP]
        rs[RS_MAXGAP_ST, j] = fstate[p, FS_MAXGAP_ST]
        rs[RS_T_DET, j] = t_edge[istate[p, ST_LAST_DET] + 1]
        rs[RS_T_ST, j] = t_edge[istate[p, ST_LAST_ST] + 1]


@jit
def row_state_store(rs, istate, fstate, gidx):
    """Write the copy ``rs`` back to the points ``gidx`` (-1 = padding, skipped; counts are integers held exactly in float64)."""
    for j in range(gidx.shape[0]):
        p = gidx[j]
        if p < 0:
            continue
        istate[p, ST_N1] = int(rs[RS_N1, j])
        istate[p, ST_N2] = int(rs[RS_N2, j])
        istate[p, ST_NST] = int(rs[RS_NST, j])
        istate[p, ST_LAST_DET] = int(rs[RS_LAST_DET, j])
        istate[p, ST_LAST_ST] = int(rs[RS_LAST_ST, j])
        istate[p, ST_NGAP] = int(rs[RS_NGAP, j])
        fstate[p, FS_SUMC] = rs[RS_SUMC, j]
        fstate[p, FS_MAXGAP] = rs[RS_MAXGAP, j]
        fstate[p, FS_SUMGAP] = rs[RS_SUMGAP, j]
        fstate[p, FS_MAXGAP_ST] = rs[RS_MAXGAP_ST, j]


@jit_no_refcount
def row_update(rs, cnt, best, binf, j_a, j_b, g, t_g, t_g1, log_lo, inv_dlog, nb):
    """Streaming update of points ``j_a .. j_b`` of one strip at sample ``g`` (vectorised).

    The same accumulations as :func:`update_point`, on the row copy ``rs`` ((N_RS, n_pad)
    float64) and without branches, so LLVM vectorises it: ``cnt[j]`` detections (float64, reset
    to 0 here), ``best[j]`` the best stereo variance (km^2; ``inf`` without a stereo pair, read
    only where ``cnt >= 2``). A gap closes when a detection follows a run without one:
    ``t_g - t_edge[last + 1]`` (s), with ``t_edge[last + 1]`` kept in ``rs`` so no gather is
    needed (the same subtraction as :func:`update_point`, bit for bit). ``binf[j]`` receives the
    error-histogram bin of a stereo sample (``log sigma_m`` with :func:`ln_positive`) or -1.
    ``t_g``, ``t_g1`` are ``t_edge[g]``, ``t_edge[g + 1]``.
    """
    gf = np.float64(g)
    nbf = np.float64(nb - 1)
    jau = np.uint64(j_a)
    for jj in range(np.uint64(j_b + 1 - j_a)):
        j = jau + jj  # unsigned: no negative-index wraparound, which keeps LLVM from vectorising
        c = cnt[j]
        det = c > 0.0
        bv = best[j]
        st = (c >= 2.0) & (bv < math.inf)
        one_d = 1.0 if det else 0.0
        rs[RS_N1, j] += one_d
        rs[RS_SUMC, j] += c
        rs[RS_N2, j] += 1.0 if c >= 2.0 else 0.0
        open_gap = det & (rs[RS_LAST_DET, j] < gf - 1.0)
        gap = t_g - rs[RS_T_DET, j]
        rs[RS_NGAP, j] += 1.0 if open_gap else 0.0
        rs[RS_SUMGAP, j] += gap if open_gap else 0.0
        mg = rs[RS_MAXGAP, j]
        rs[RS_MAXGAP, j] = gap if (open_gap & (gap > mg)) else mg
        rs[RS_LAST_DET, j] = gf if det else rs[RS_LAST_DET, j]
        rs[RS_T_DET, j] = t_g1 if det else rs[RS_T_DET, j]
        rs[RS_NST, j] += 1.0 if st else 0.0
        open_st = st & (rs[RS_LAST_ST, j] < gf - 1.0)
        gs = t_g - rs[RS_T_ST, j]
        ms = rs[RS_MAXGAP_ST, j]
        rs[RS_MAXGAP_ST, j] = gs if (open_st & (gs > ms)) else ms
        rs[RS_LAST_ST, j] = gf if st else rs[RS_LAST_ST, j]
        rs[RS_T_ST, j] = t_g1 if st else rs[RS_T_ST, j]
        x = (0.5 * ln_positive(bv if st else 1.0) + LN_1000 - log_lo) * inv_dlog
        x = min(max(x, 0.0), nbf)
        binf[j] = math.floor(x) if st else -1.0
        cnt[j] = 0.0


@jit_parallel
def finalize(istate, fstate, hist, t_edge, n_time, log_lo, dlog,
             fraction_1, fraction_2, fraction_stereo, mean_count, max_gap, mean_gap, max_gap_st, median_err):
    """Close gaps still open at the end of the window and turn accumulators into metrics.

    Gaps: a gap is a maximal run of consecutive samples without detection (without a stereo
    pair for ``max_gap_st``); its duration is ``t_edge[end + 1] - t_edge[start]`` (= number of
    samples x step_s on a regular grid). Runs touching the start or the end of the window count
    (truncated by it). ``mean_gap`` is 0 for a point never without detection. The median of the
    best-pair error is read from the log histogram as the mean of the bin centres holding the
    lower and upper middle samples (NaN without stereo). The histogram's last column is the
    overflow bin (errors above ``exp(log_lo + (nb - 1) dlog)``, ``nb = hist.shape[1]``): a
    middle sample there makes the median ``+inf``.
    """
    n_point = istate.shape[0]
    nb = hist.shape[1]
    for p in prange(n_point):
        fraction_1[p] = istate[p, ST_N1] / n_time
        fraction_2[p] = istate[p, ST_N2] / n_time
        fraction_stereo[p] = istate[p, ST_NST] / n_time
        mean_count[p] = fstate[p, FS_SUMC] / n_time
        mg = fstate[p, FS_MAXGAP]
        sg = fstate[p, FS_SUMGAP]
        ng = istate[p, ST_NGAP]
        last = istate[p, ST_LAST_DET]
        if last < n_time - 1:
            gap = t_edge[n_time] - t_edge[last + 1]
            ng += 1
            sg += gap
            if gap > mg:
                mg = gap
        max_gap[p] = mg
        mean_gap[p] = sg / ng if ng > 0 else 0.0
        mgs = fstate[p, FS_MAXGAP_ST]
        last = istate[p, ST_LAST_ST]
        if last < n_time - 1:
            gap = t_edge[n_time] - t_edge[last + 1]
            if gap > mgs:
                mgs = gap
        max_gap_st[p] = mgs
        nst = istate[p, ST_NST]
        if nst == 0:
            median_err[p] = math.nan
        else:
            lo_rank = (nst - 1) // 2
            hi_rank = nst // 2
            cum = 0
            v_lo = math.nan
            v_hi = math.nan
            for b in range(nb):
                c = hist[p, b]
                if c == 0:
                    continue
                centre = math.inf if b == nb - 1 else math.exp(log_lo + (b + 0.5) * dlog)
                if cum <= lo_rank < cum + c:
                    v_lo = centre
                if cum <= hi_rank < cum + c:
                    v_hi = centre
                    break
                cum += c
            median_err[p] = 0.5 * (v_lo + v_hi)


# ---------------------------------------------------------------------------- gap distribution
# Per-point state of the gap-distribution figures (float64 columns of ``xstate``, (n_point, N_XSTATE);
# integers held exactly): for each level L = 0 (>= 1 detection), 1 (>= 2), 2 (stereo), column
# ``L * X_PER_LEVEL + X_*``.
X_LAST = 0  # last sample index at this level (-1 none yet)
X_T = 1  # t_edge[last + 1]: start of the running gap (s)
X_NRUN = 2  # runs (passes) of samples at this level started so far
X_SQ = 3  # sum of the squared closed gap durations (s^2)
X_PER_LEVEL = 4
N_LEVELS = 3
N_XSTATE = N_LEVELS * X_PER_LEVEL

GAP_EXACT_BINS = 64
"""Gap lengths of fewer than this many samples have their own histogram bin (exact)."""
GAP_SUB_BINS = 32
"""Bins per octave above :data:`GAP_EXACT_BINS` samples: bin width at most 1/32 of its lower edge."""


@jit_inline
def gap_bin(m):
    """Histogram bin of a gap of ``m >= 1`` samples (HDR-histogram layout).

    ``m < 64``: bin ``m`` (exact; bin 0 unused). ``m >= 64``, ``2^e <= m < 2^(e+1)`` (``e >= 6``):
    32 bins of width ``2^(e-5)`` per octave, bin ``64 + 32 (e - 6) + (m >> (e - 5)) - 32``.
    """
    if m < GAP_EXACT_BINS:
        return m
    e = 6
    while (m >> (e + 1)) > 0:
        e += 1
    return GAP_EXACT_BINS + GAP_SUB_BINS * (e - 6) + (m >> (e - 5)) - GAP_SUB_BINS


@jit_inline
def gap_bin_range(b):
    """``(lo, width)`` in samples of histogram bin ``b``: it holds gaps of ``lo .. lo + width - 1`` samples."""
    if b < GAP_EXACT_BINS:
        return b, 1
    o = (b - GAP_EXACT_BINS) // GAP_SUB_BINS
    sub = (b - GAP_EXACT_BINS) % GAP_SUB_BINS
    w = 1 << (o + 1)
    return (GAP_SUB_BINS + sub) * w, w


@jit_inline
def _gap_level_update(xstate, ghist, p, c0, nbg, g, t_g, t_g1):
    """One level (columns from ``c0``, histogram columns from ``(c0 // X_PER_LEVEL) * nbg``) seen at sample ``g``."""
    last = xstate[p, c0 + X_LAST]
    if last < g - 1.0 or g == 0:
        xstate[p, c0 + X_NRUN] += 1.0
    if last < g - 1.0:
        d = t_g - xstate[p, c0 + X_T]
        xstate[p, c0 + X_SQ] += d * d
        ghist[p, (c0 // X_PER_LEVEL) * nbg + gap_bin(np.int64(g - 1 - last))] += 1
    xstate[p, c0 + X_LAST] = g
    xstate[p, c0 + X_T] = t_g1


@jit_inline
def gap_update(xstate, ghist, p, lv2, lst, g, t_g, t_g1):
    """Point ``p`` has >= 1 detection at sample ``g`` (``lv2``: >= 2; ``lst``: a stereo pair).

    At each level held the sample starts a pass when the previous sample was not at that level
    (or ``g = 0``), and closes the gap before it when there was one: its duration
    ``t_g - t_edge[last + 1]`` (s, the same subtraction as :func:`update_point`'s gaps) is
    squared into ``X_SQ`` and its length ``g - 1 - last`` (samples) counted in ``ghist``
    (``(n_point, 3 * nbg)``, level ``L``'s bins at ``L * nbg``, :func:`gap_bin`).
    """
    nbg = ghist.shape[1] // N_LEVELS
    _gap_level_update(xstate, ghist, p, 0, nbg, g, t_g, t_g1)
    if lv2:
        _gap_level_update(xstate, ghist, p, X_PER_LEVEL, nbg, g, t_g, t_g1)
    if lst:
        _gap_level_update(xstate, ghist, p, 2 * X_PER_LEVEL, nbg, g, t_g, t_g1)


@jit_inline
def _lerp(a, b, t):
    """``a + (b - a) t`` evaluated as NumPy's percentile interpolation does (``numpy.lib._function_base_impl._lerp``)."""
    d = b - a
    if t >= 0.5:
        return b - d * (1.0 - t)
    return a + d * t


@jit_inline
def hist_percentiles(ghist, p, off, nbg, n, qs, out, iq0, stride):
    """Percentiles ``qs`` (0-100) of the ``n >= 1`` gaps in ``ghist[p, off:off + nbg]``, in samples.

    NumPy's default (``method="linear"``) rule on the sorted gap lengths, each replaced by its
    bin's centre ``lo + (width - 1) / 2`` (exact below :data:`GAP_EXACT_BINS` samples): rank
    ``h = (q / 100) (n - 1)``, the values of order ``floor(h)`` and ``floor(h) + 1`` (at most
    ``n - 1``) interpolated as :func:`_lerp`. One scan of the bins for all of ``qs``; result
    ``i`` goes to ``out[iq0 + i * stride]`` (flat view).
    """
    nq = len(qs)
    ranks = np.empty(2 * nq, dtype=np.int64)
    vals = np.zeros(2 * nq)
    for i in range(nq):
        h = (qs[i] / 100.0) * (n - 1)
        lo = int(math.floor(h))
        ranks[2 * i] = lo
        ranks[2 * i + 1] = min(lo + 1, n - 1)
    left = 2 * nq
    cum = 0
    for b in range(nbg):
        c = np.int64(ghist[p, off + b])
        if c == 0:
            continue
        lo, w = gap_bin_range(b)
        centre = lo + 0.5 * (w - 1)
        for r in range(2 * nq):
            if ranks[r] >= 0 and ranks[r] < cum + c:
                vals[r] = centre
                ranks[r] = -1
                left -= 1
        cum += c
        if left == 0:
            break
    for i in range(nq):
        h = (qs[i] / 100.0) * (n - 1)
        out[iq0 + i * stride] = _lerp(vals[2 * i], vals[2 * i + 1], h - math.floor(h))


PERCENTILES = (50.0, 90.0, 99.0)
"""Percentiles of the gap durations reported per point and level (``gap_p50_s`` ...)."""


@jit_parallel
def finalize_gaps(xstate, ghist, t_edge, n_time, sample_s, n_passes, time_average_gap, mean_response_time, gap_pct):
    """Close the gaps still open at the end of the window; passes, time-average gap, response time, percentiles.

    Gaps follow the convention of :func:`finalize`: maximal runs of samples not at the level,
    runs touching the start or the end of the window included (truncated by it). Per level ``L``
    (0: >= 1, 1: >= 2, 2: stereo), outputs ``(N_LEVELS, n_point)``: ``n_passes`` (runs of samples
    at the level), ``time_average_gap = sum(d_i^2) / T`` and ``mean_response_time =
    sum(d_i^2) / (2 T)`` (``d_i`` the gap durations, ``T = t_edge[n_time] - t_edge[0]``, 0 when
    ``T = 0``), and ``gap_pct`` ``(N_LEVELS, 3, n_point)``, C-contiguous: :func:`hist_percentiles` of
    :data:`PERCENTILES` times ``sample_s`` (s; 0 for a point with no gap). ``ghist`` gains the
    closing gaps.
    """
    n_point = xstate.shape[0]
    nbg = ghist.shape[1] // N_LEVELS
    tt = t_edge[n_time] - t_edge[0]
    qs = np.array(PERCENTILES)
    nq = qs.shape[0]
    flat = gap_pct.reshape(-1)  # (N_LEVELS, nq, n_point) C-contiguous
    for p in prange(n_point):
        for lv in range(N_LEVELS):
            c0 = lv * X_PER_LEVEL
            sq = xstate[p, c0 + X_SQ]
            last = xstate[p, c0 + X_LAST]
            if last < n_time - 1:
                d = t_edge[n_time] - xstate[p, c0 + X_T]
                sq += d * d
                ghist[p, lv * nbg + gap_bin(np.int64(n_time - 1 - last))] += 1
            n_passes[lv, p] = xstate[p, c0 + X_NRUN]
            time_average_gap[lv, p] = sq / tt if tt > 0.0 else 0.0
            mean_response_time[lv, p] = sq / (2.0 * tt) if tt > 0.0 else 0.0
            n = np.int64(0)
            for b in range(nbg):
                n += np.int64(ghist[p, lv * nbg + b])
            if n == 0:
                for iq in range(nq):
                    flat[(lv * nq + iq) * n_point + p] = 0.0
            else:
                hist_percentiles(ghist, p, lv * nbg, nbg, n, qs, flat, lv * nq * n_point + p, n_point)
                for iq in range(nq):
                    flat[(lv * nq + iq) * n_point + p] *= sample_s


CDF_BLOCKS = 64
"""Fixed blocks of points whose partial sums :func:`region_gap_cdf` adds in order (deterministic on any thread count)."""


@jit_parallel
def region_gap_cdf(ghist, weight, cdf):
    """Area-weighted mean over points of each point's gap-length CDF, per level.

    ``cdf[L, b] = sum_p w_p F_p(b) / sum_p w_p`` over the points with ``weight > 0`` and at least
    one gap at level ``L``, ``F_p(b)`` the fraction of point ``p``'s gaps in bins ``0 .. b``
    (NaN for a level no weighted point has a gap at). The points are cut into
    :data:`CDF_BLOCKS` fixed blocks summed in parallel, each in point order, and the blocks'
    sums added in block order: the same result on any number of threads.
    """
    n_point = ghist.shape[0]
    nbg = ghist.shape[1] // N_LEVELS
    part = np.zeros((CDF_BLOCKS, N_LEVELS, nbg))
    pw = np.zeros((CDF_BLOCKS, N_LEVELS))
    per = (n_point + CDF_BLOCKS - 1) // CDF_BLOCKS
    for blk in prange(CDF_BLOCKS):
        for p in range(blk * per, min(n_point, (blk + 1) * per)):
            w = weight[p]
            if not w > 0.0:
                continue
            for lv in range(N_LEVELS):
                n = np.int64(0)
                for b in range(nbg):
                    n += np.int64(ghist[p, lv * nbg + b])
                if n == 0:
                    continue
                pw[blk, lv] += w
                cum = np.int64(0)
                for b in range(nbg):
                    cum += np.int64(ghist[p, lv * nbg + b])
                    part[blk, lv, b] += w * (cum / n)
    for lv in range(N_LEVELS):
        wsum = 0.0
        for blk in range(CDF_BLOCKS):
            wsum += pw[blk, lv]
        for b in range(nbg):
            acc = 0.0
            for blk in range(CDF_BLOCKS):
                acc += part[blk, lv, b]
            cdf[lv, b] = acc / wsum if wsum > 0.0 else math.nan


@jit_parallel
def levels_update(level, k0, xstate, ghist, t_edge, weight, series):
    """Gap-distribution updates and region sums from a chunk's coverage levels (point lists).

    ``level`` ``(n_point, n_t)`` int8 (0 none, 1 one satellite, 2 two or more, 3 stereo; from
    :func:`constellation._points.point_chunk`) for global samples ``k0 .. k0 + n_t - 1``:
    :func:`gap_update` per point and detected sample (parallel over points, each point's samples
    in time order), and ``series[k, L] = sum_p weight[p] [level[p, k] > L]`` (parallel over
    samples, points summed in order: deterministic), ``series`` ``(n_t, 3)``.
    """
    n_point = level.shape[0]
    n_t = level.shape[1]
    for p in prange(n_point):
        for k in range(n_t):
            lv = level[p, k]
            if lv > 0:
                g = k0 + k
                gap_update(xstate, ghist, p, lv >= 2, lv >= 3, g, t_edge[g], t_edge[g + 1])
    for k in prange(n_t):
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        for p in range(n_point):
            lv = level[p, k]
            w = weight[p]
            if lv >= 1:
                s1 += w
            if lv >= 2:
                s2 += w
            if lv >= 3:
                s3 += w
        series[k, 0] = s1
        series[k, 1] = s2
        series[k, 2] = s3


# ---------------------------------------------------------------------------- gap state, strip copy (grid kernel)
# Rows of the grid kernel's strip copy ``xs`` ((N_XS, n_pad) float64). The last sample and the
# running gap's start at >= 1 detection and in stereo are rows RS_LAST_DET / RS_T_DET and
# RS_LAST_ST / RS_T_ST of the strip's ``rs`` (row_update keeps them), so ``xs`` holds the rest.
XS_LAST_2 = 0
XS_T_2 = 1
XS_NRUN = 2  # rows 2, 3, 4: passes at each level
XS_SQ = 5  # rows 5, 6, 7: sums of squared closed gaps at each level
N_XS = 8


@jit
def xstate_load(xs, xstate, gidx):
    """Copy the gap-distribution state of the points ``gidx`` (-1 = padding, skipped) into the strip copy ``xs``."""
    for j in range(gidx.shape[0]):
        p = gidx[j]
        if p < 0:
            continue
        xs[XS_LAST_2, j] = xstate[p, X_PER_LEVEL + X_LAST]
        xs[XS_T_2, j] = xstate[p, X_PER_LEVEL + X_T]
        for lv in range(N_LEVELS):
            xs[XS_NRUN + lv, j] = xstate[p, lv * X_PER_LEVEL + X_NRUN]
            xs[XS_SQ + lv, j] = xstate[p, lv * X_PER_LEVEL + X_SQ]


@jit
def xstate_store(xs, rs, xstate, gidx):
    """Write the strip copies back to the points ``gidx`` (-1 = padding, skipped): ``xs``, and the
    >= 1 and stereo levels' last sample and gap start from ``rs`` (:func:`row_update`'s state)."""
    for j in range(gidx.shape[0]):
        p = gidx[j]
        if p < 0:
            continue
        xstate[p, X_LAST] = rs[RS_LAST_DET, j]
        xstate[p, X_T] = rs[RS_T_DET, j]
        xstate[p, X_PER_LEVEL + X_LAST] = xs[XS_LAST_2, j]
        xstate[p, X_PER_LEVEL + X_T] = xs[XS_T_2, j]
        xstate[p, 2 * X_PER_LEVEL + X_LAST] = rs[RS_LAST_ST, j]
        xstate[p, 2 * X_PER_LEVEL + X_T] = rs[RS_T_ST, j]
        for lv in range(N_LEVELS):
            xstate[p, lv * X_PER_LEVEL + X_NRUN] = xs[XS_NRUN + lv, j]
            xstate[p, lv * X_PER_LEVEL + X_SQ] = xs[XS_SQ + lv, j]


@jit_no_refcount
def row_gap_update(xs, rs, cnt, best, ghist, gidx, j_a, j_b, g, t_g, t_g1):
    """Gap-distribution update of slots ``j_a .. j_b`` of one strip at sample ``g``.

    The arithmetic of :func:`gap_update` on the strip copy ``xs`` ((N_XS, n_pad)): ``cnt[j]``
    detections (float64; read, not reset), ``best[j]`` the best stereo variance (read where
    ``cnt >= 2``); the >= 1 and stereo levels' last sample and gap start are read from ``rs``
    before :func:`row_update` advances them (so this must run first). Branches, not vector
    code: a slot's state changes only where a level starts a pass (rare) or, for >= 2, where it
    holds (its last sample), so touching only those keeps the strip's state traffic low (the
    branch-free version that wrote every row at every slot was ~2x slower, measured on the
    0.1 deg grid). Closed gaps are counted in ``ghist`` at once (rows ``gidx[j]``).
    """
    gf = np.float64(g)
    nbg = ghist.shape[1] // N_LEVELS
    for j in range(j_a, j_b + 1):
        c = cnt[j]
        if not c > 0.0:
            continue
        last = rs[RS_LAST_DET, j]
        if last < gf - 1.0 or g == 0:
            xs[XS_NRUN, j] += 1.0
            if last < gf - 1.0:
                d = t_g - rs[RS_T_DET, j]
                xs[XS_SQ, j] += d * d
                ghist[gidx[j], gap_bin(np.int64(gf - 1.0 - last))] += 1
        if c >= 2.0:
            last = xs[XS_LAST_2, j]
            if last < gf - 1.0 or g == 0:
                xs[XS_NRUN + 1, j] += 1.0
                if last < gf - 1.0:
                    d = t_g - xs[XS_T_2, j]
                    xs[XS_SQ + 1, j] += d * d
                    ghist[gidx[j], nbg + gap_bin(np.int64(gf - 1.0 - last))] += 1
            xs[XS_LAST_2, j] = gf
            xs[XS_T_2, j] = t_g1
            if best[j] < math.inf:
                last = rs[RS_LAST_ST, j]
                if last < gf - 1.0 or g == 0:
                    xs[XS_NRUN + 2, j] += 1.0
                    if last < gf - 1.0:
                        d = t_g - rs[RS_T_ST, j]
                        xs[XS_SQ + 2, j] += d * d
                        ghist[gidx[j], 2 * nbg + gap_bin(np.int64(gf - 1.0 - last))] += 1


ROW_COUNT_BITS = 21
"""Bits of each row's count in :func:`row_level_counts`' packed integer sums (up to 2,097,151 columns)."""
ROW_COUNT_MASK = (1 << ROW_COUNT_BITS) - 1


@jit_no_refcount
def row_level_counts(cnt, best, iwa, iwb, j_a, j_b):
    """Points of slots ``j_a .. j_b`` at each coverage level, counted per grid row of the strip, packed.

    ``iwa[j]`` is ``2^(21 r)`` for a slot of row ``r < 3`` in the region (0 otherwise), ``iwb[j]``
    the same for rows 3-5; returns their sums over the slots with >= 1 detection, >= 2, and a
    stereo pair (``cnt``, ``best`` as :func:`row_gap_update`): ``(a1, b1, a2, b2, a3, b3)``.
    Integer sums vectorise where float sums cannot without reassociation;
    :func:`unpack_row_sum` weighs them.
    """
    a1 = np.int64(0)
    b1 = np.int64(0)
    a2 = np.int64(0)
    b2 = np.int64(0)
    a3 = np.int64(0)
    b3 = np.int64(0)
    zero = np.int64(0)
    jau = np.uint64(j_a)
    for jj in range(np.uint64(j_b + 1 - j_a)):
        j = jau + jj
        c = cnt[j]
        two = c >= 2.0
        st = two & (best[j] < math.inf)
        ia = iwa[j]
        ib = iwb[j]
        a1 += ia if c > 0.0 else zero
        b1 += ib if c > 0.0 else zero
        a2 += ia if two else zero
        b2 += ib if two else zero
        a3 += ia if st else zero
        b3 += ib if st else zero
    return a1, b1, a2, b2, a3, b3


@jit_inline
def unpack_row_sum(a, b, wrow):
    """``sum_r wrow[r] count_r`` of :func:`row_level_counts`' packed row counts (rows 0-2 in ``a``, 3-5 in ``b``), rows in order."""
    s = 0.0
    for r in range(3):
        s += wrow[r] * np.float64((a >> (ROW_COUNT_BITS * r)) & ROW_COUNT_MASK)
    for r in range(3):
        s += wrow[3 + r] * np.float64((b >> (ROW_COUNT_BITS * r)) & ROW_COUNT_MASK)
    return s
