"""Streaming coverage metrics: per-point accumulators, their updates and the final metrics.

Accumulators per point (``istate`` int32 columns ``ST_*``, ``fstate`` float64 columns
``FS_*``, and a histogram of the best-pair error in ``log(sigma_m)``) are updated once per
time step, in time order: :func:`update_point` for one point, :func:`row_update` (vectorised)
on a grid strip's float64 copy ``rs`` (rows ``RS_*``, loaded and stored with
:func:`row_state_load` / :func:`row_state_store`). :func:`finalize` closes the gaps still open
at the end of the window and turns the accumulators into the metrics of
:mod:`constellation.coverage`. :func:`ln_positive` is the libm-free logarithm for the
histogram bin.
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
