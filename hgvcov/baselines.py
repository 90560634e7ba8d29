"""Baselines the grid-coverage engine is checked and benchmarked against.

- :func:`brute_force_coverage`: :func:`constellation.kernels.point_chunk` over every
  (time, satellite, point) triple of a grid, the same exact test and the same metric
  accumulators as :func:`constellation.coverage.grid_coverage` without any footprint pruning,
  parallel over latitude rows like the engine;
- :func:`numpy_broadcast_coverage`: plain NumPy broadcasting per time step (one Python thread
  driving NumPy; no BLAS calls), ``(n_sat, n_point, 3)`` arrays for the detection test
  (elevation mask, field of regard, maximum range) and ``(n_js, n_point)`` arrays for the
  stereo pairs among the satellites that detect some point, with all eight streamed metrics of
  ``coverage.nc`` (:func:`error_axis_from_dataset` gives it the engine's error-histogram axis).

Used by :mod:`hgvcov.bench`, ``benchmarks/`` and the tests.
"""

from __future__ import annotations

import math
import time

import numpy as np

from constellation.kernels import (
    N_FSTATE,
    N_ISTATE,
    P_COS_HALF_FOR,
    P_COS_STEREO_MIN,
    P_HAS_GRAZING,
    P_MAX_RANGE_KM,
    P_NOISE_RAD,
    P_SIN_MIN_EL,
    ST_LAST_DET,
    ST_LAST_ST,
    point_chunk,
    sensor_table,
)

__all__ = ["brute_force_coverage", "numpy_broadcast_coverage", "error_axis_from_dataset", "METRICS"]

METRICS = ("fraction_1", "fraction_2", "fraction_stereo", "mean_count", "max_gap_s", "mean_gap_s",
           "max_gap_stereo_s", "median_position_error_m")
"""The eight metrics of ``coverage.nc`` (:mod:`constellation.coverage`), in its order."""


def _state(n_point, n_bins=512):
    ist = np.zeros((n_point, N_ISTATE), dtype=np.int32)
    ist[:, ST_LAST_DET] = -1
    ist[:, ST_LAST_ST] = -1
    return ist, np.zeros((n_point, N_FSTATE)), np.zeros((n_point, n_bins), dtype=np.uint16)


def brute_force_coverage(eph, grid, sensor, mode=0, chunk=720):
    """Run the every-triple numba kernel over all of ``eph`` x ``grid``.

    Parameters
    ----------
    eph : orbits.propagate.Ephemeris
    grid : constellation.grid.RegionGrid
    sensor : constellation.sensors.Sensor
        One sensor type for every satellite.
    mode : int
        0: tests and metrics; 1: detection tests only (accumulators untouched).
    chunk : int
        Time steps per kernel call.

    Returns
    -------
    (seconds, istate)
        Wall time of the kernel calls and the ``(n_point, N_ISTATE)`` int32 accumulators
        (columns ``constellation.kernels.ST_*``).
    """
    table = sensor_table([sensor])
    pts = grid.points_ecef_km
    ups = grid.up
    n_sat = eph.positions_km.shape[1]
    sidx = np.zeros(n_sat, dtype=np.int64)
    ist, fs, h = _state(grid.n_point)
    t_edge = np.concatenate([eph.grid.seconds, [eph.grid.seconds[-1] + (eph.grid.step_s or 1.0)]])
    t0 = time.perf_counter()
    for k0 in range(0, eph.n_time, chunk):
        k1 = min(eph.n_time, k0 + chunk)
        point_chunk(np.ascontiguousarray(eph.positions_km[k0:k1]), np.ascontiguousarray(eph.valid[k0:k1]),
                          sidx, table, k0, pts, ups, grid.shape[1], ist, fs, h, t_edge, math.log(1.0), 50.0, mode)
    return time.perf_counter() - t0, ist


def error_axis_from_dataset(ds):
    """The engine's error-histogram axis, read back from a coverage dataset's attributes.

    The engine bins ``log(sigma_m)`` into ``n_bins`` uniform bins between ``lo`` and ``hi`` plus
    an overflow bin (module docstring of :mod:`constellation.coverage`); the dataset stores
    ``hi`` (``median_position_error_hist_top_m``), the half-bin relative resolution
    ``exp(dlog / 2) - 1`` (``median_position_error_rel_resolution``) and the bin count (in
    ``median_position_error_method``), from which ``dlog = 2 log1p(res)`` and
    ``log lo = log hi - n_bins dlog``. The round trip through ``expm1``/``log1p`` moves the bin
    edges by a few parts in 1e15 of ``log(sigma)``, far below a bin (0.8 % of ``sigma`` for the
    reference case).

    Parameters
    ----------
    ds : xarray.Dataset
        ``CoverageResult.dataset`` of :func:`constellation.coverage.grid_coverage` or
        :func:`constellation.coverage.point_coverage`.

    Returns
    -------
    (float, float, int)
        ``log_lo`` (natural log of the lowest bin edge in m), ``dlog`` (bin width in
        ``log(sigma_m)``), ``n_bins`` (regular bins, the overflow bin not counted).
    """
    n_bins = int(str(ds.attrs["median_position_error_method"]).split("log-uniform histogram, ")[1].split(" ")[0])
    dlog = 2.0 * math.log1p(float(ds.attrs["median_position_error_rel_resolution"]))
    log_lo = math.log(float(ds.attrs["median_position_error_hist_top_m"])) - n_bins * dlog
    return log_lo, dlog, n_bins


def _detect_numpy(pos_k, valid_k, pts, ups, par):
    """Detection flags and squared ranges, (n_sat, n_point), for one time step by broadcasting.

    The inequalities of :func:`constellation.kernels.detect_r2` in the same arrangement
    (elevation ``(d . n)^2 >= sin^2(eps) R^2`` without a square root, range ``R^2 <= R_max^2``,
    field of regard ``(s . d)^2 >= cos^2(half) |s|^2 R^2``) with the dot products summed in the
    same order, so that the flags equal the engine's bit for bit.
    """
    d = pos_k[:, None, :] - pts[None, :, :]  # (n_sat, n_point, 3) target -> satellite, km
    dx, dy, dz = d[..., 0], d[..., 1], d[..., 2]
    r2 = dx * dx + dy * dy + dz * dz
    vis = r2 > 0.0  # also rejects NaN positions
    vis &= valid_k[:, None]
    up = dx * ups[None, :, 0] + dy * ups[None, :, 1] + dz * ups[None, :, 2]
    se = par[P_SIN_MIN_EL]
    if se >= 0.0:
        vis &= (up >= 0.0) & ~(up * up < se * se * r2)
    else:
        vis &= ~((up < 0.0) & (up * up > se * se * r2))
    rmax = par[P_MAX_RANGE_KM]
    vis &= ~(r2 > rmax * rmax)
    cf = par[P_COS_HALF_FOR]
    if cf > -1.5:
        sx, sy, sz = pos_k[:, 0:1], pos_k[:, 1:2], pos_k[:, 2:3]
        rs2 = sx * sx + sy * sy + sz * sz
        w = sx * dx + sy * dy + sz * dz
        if cf >= 0.0:
            vis &= (w >= 0.0) & ~(w * w < cf * cf * r2 * rs2)
        else:
            vis &= ~((w < 0.0) & (w * w > cf * cf * r2 * rs2))
    return vis, d, r2


def _best_pair_numpy(vis, d, r2, nz2, cm):
    """Smallest triangulation variance (km^2) over the stereo pairs per point, ``inf`` without one.

    For each satellite ``i`` that detects some point, all later such satellites ``j`` at once
    ((n_js, n_point) arrays): ``t = d_i . d_j``, ``P = R_i^2 R_j^2``; stereo iff
    ``t^2 <= cos^2(theta_min) P`` and ``P - t^2 > 0``; variance
    ``v = (q_i + q_j) P / (P - t^2) + q_i q_j / (q_i + q_j)``, ``q = noise^2 R^2`` (the
    closed form of :func:`constellation.kernels.triangulation_sigma2_m`, as the engine's pair
    search evaluates it). Every pair is evaluated (no pruning).
    """
    n_point = vis.shape[1]
    best = np.full(n_point, np.inf)
    if cm < 0.0:
        return best
    ids = np.flatnonzero(vis.any(axis=1))
    q = nz2 * r2
    for a in range(len(ids) - 1):
        i = ids[a]
        js = ids[a + 1:]
        both = vis[i][None, :] & vis[js]
        di = d[i]
        dj = d[js]
        t = di[None, :, 0] * dj[..., 0] + di[None, :, 1] * dj[..., 1] + di[None, :, 2] * dj[..., 2]
        pr = r2[i][None, :] * r2[js]
        s2 = pr - t * t
        ok = both & (t * t <= cm * cm * pr) & (s2 > 0.0)
        qi = q[i][None, :]
        qj = q[js]
        qs = qi + qj
        with np.errstate(divide="ignore", invalid="ignore"):
            v = qs * pr / s2 + qi * qj / qs
        best = np.minimum(best, np.where(ok, v, np.inf).min(axis=0))
    return best


def _median_from_hist(hist, nst, log_lo, dlog):
    """Median of each point's histogram as the engine's ``finalize``: the mean of the centres of
    the bins holding the lower and upper middle samples (``+inf`` for the overflow bin, NaN
    without stereo samples)."""
    nb = hist.shape[1]
    centre = np.exp(log_lo + (np.arange(nb) + 0.5) * dlog)
    centre[-1] = np.inf
    cum = np.cumsum(hist, axis=1)
    lo_rank = (nst - 1) // 2
    hi_rank = nst // 2
    b_lo = np.argmax(cum > lo_rank[:, None], axis=1)
    b_hi = np.argmax(cum > hi_rank[:, None], axis=1)
    med = 0.5 * (centre[b_lo] + centre[b_hi])
    return np.where(nst > 0, med, np.nan)


def numpy_broadcast_coverage(positions_km, pts, ups, sensor, step_s, *, valid=None, t_edge_s=None,
                             error_axis=None):
    """All eight coverage metrics of ``coverage.nc`` by plain NumPy broadcasting, step by step.

    One Python thread drives NumPy (element-wise operations and reductions, no BLAS calls, so
    no hidden threads). Per time step: the detection test over ``(n_sat, n_point)`` arrays
    (:func:`_detect_numpy`: the engine's inequalities for the elevation mask, field of regard
    and maximum range), the best stereo pair over every pair of satellites that detect some
    point (:func:`_best_pair_numpy`, no pruning), then the streamed accumulators of
    :mod:`constellation._metrics` updated with array operations: counts of samples with >= 1,
    >= 2 detections and with a stereo pair, the sum of counts, closed gaps (duration
    ``t_edge[k] - t_edge[last + 1]``) and their maxima, and a histogram of the best pair's error
    binned in ``log(sigma_m)`` exactly as the engine's ``update_point``. At the end the gaps still
    open are closed and the metrics formed as in the engine's ``finalize``.

    Parameters
    ----------
    positions_km : (n_step, n_sat, 3) float64
        Satellite ECEF positions (km).
    pts, ups : (n_point, 3) float64
        Target ECEF positions (km) and unit ellipsoid normals.
    sensor : constellation.sensors.Sensor
        One sensor for every satellite. The line-of-sight grazing test is not implemented
        here (ValueError); there is no target intensity, so, as in the engine called without
        ``target_intensity_w_sr``, no radiometric test is made.
    step_s : float
        Sample spacing (s); the sample edges are ``step_s * arange(n_step + 1)`` unless
        ``t_edge_s`` is given.
    valid : (n_step, n_sat) bool, optional
        Ephemeris validity (``Ephemeris.valid``); invalid samples detect nothing.
    t_edge_s : (n_step + 1,) float64, optional
        Sample edges (s) as the engine's ``_time_edges``: sample ``k`` lasts from
        ``t_edge_s[k]`` to ``t_edge_s[k + 1]``.
    error_axis : (float, float, int), optional
        ``(log_lo, dlog, n_bins)`` of the engine's error histogram
        (:func:`error_axis_from_dataset`): the median is then read from the same histogram as
        the engine's. Without it the median is exact (every stereo sample's error kept,
        ``n_step x n_point`` floats), which the engine's histogram median approximates to
        within half a bin.

    Returns
    -------
    dict
        The eight metrics, each ``(n_point,)`` float64 (units as ``coverage.nc``: fractions,
        satellites, s, m), plus the raw integer counts ``n1``, ``n2``, ``n_stereo``,
        ``counts_sum`` and ``best_sigma_m`` of the last step.
    """
    positions_km = np.asarray(positions_km, dtype=np.float64)
    n_step, n_sat, _ = positions_km.shape
    n_point = pts.shape[0]
    par = sensor_table([sensor])[0]
    if par[P_HAS_GRAZING] > 0.5:
        raise ValueError(f"sensor.grazing_altitude_km={sensor.grazing_altitude_km!r}: the NumPy baseline "
                         f"implements the elevation mask, field of regard and maximum range only; use None")
    nz2 = par[P_NOISE_RAD] ** 2
    cm = par[P_COS_STEREO_MIN]
    if valid is None:
        valid = np.ones((n_step, n_sat), dtype=bool)
    if t_edge_s is None:
        t_edge_s = step_s * np.arange(n_step + 1, dtype=np.float64)
    t_edge_s = np.asarray(t_edge_s, dtype=np.float64)
    n1 = np.zeros(n_point, dtype=np.int64)
    n2 = np.zeros(n_point, dtype=np.int64)
    nst = np.zeros(n_point, dtype=np.int64)
    csum = np.zeros(n_point, dtype=np.int64)
    last_det = np.full(n_point, -1, dtype=np.int64)
    last_st = np.full(n_point, -1, dtype=np.int64)
    n_gap = np.zeros(n_point, dtype=np.int64)
    sum_gap = np.zeros(n_point)
    max_gap = np.zeros(n_point)
    max_gap_st = np.zeros(n_point)
    rows = np.arange(n_point)
    if error_axis is not None:
        log_lo, dlog, n_bins = error_axis
        hist = np.zeros((n_point, n_bins + 1), dtype=np.int64)
    else:
        errors_m = np.full((n_step, n_point), np.nan)
    best = np.full(n_point, np.inf)
    for k in range(n_step):
        vis, d, r2 = _detect_numpy(positions_km[k], valid[k], pts, ups, par)
        cnt = vis.sum(axis=0)
        det = cnt > 0
        csum += cnt
        n1 += det
        n2 += cnt >= 2
        gap = t_edge_s[k] - t_edge_s[last_det + 1]
        closes = det & (last_det < k - 1)
        n_gap += closes
        sum_gap += np.where(closes, gap, 0.0)
        max_gap = np.where(closes & (gap > max_gap), gap, max_gap)
        last_det = np.where(det, k, last_det)
        best = _best_pair_numpy(vis, d, r2, nz2, cm)
        st = (cnt >= 2) & (best < np.inf)
        nst += st
        gap = t_edge_s[k] - t_edge_s[last_st + 1]
        closes = st & (last_st < k - 1)
        max_gap_st = np.where(closes & (gap > max_gap_st), gap, max_gap_st)
        last_st = np.where(st, k, last_st)
        if error_axis is not None:
            with np.errstate(divide="ignore"):
                x = (0.5 * np.log(best) + math.log(1000.0) - log_lo) / dlog
            b = np.floor(np.clip(x, 0.0, n_bins)).astype(np.int64)
            hist[rows[st], b[st]] += 1
        else:
            errors_m[k, st] = 1000.0 * np.sqrt(best[st])
    # close the gaps still open at the end of the window (finalize)
    end = t_edge_s[n_step]
    gap = end - t_edge_s[last_det + 1]
    open_end = last_det < n_step - 1
    n_gap_all = n_gap + open_end
    sum_gap = sum_gap + np.where(open_end, gap, 0.0)
    max_gap = np.where(open_end & (gap > max_gap), gap, max_gap)
    gap = end - t_edge_s[last_st + 1]
    max_gap_st = np.where((last_st < n_step - 1) & (gap > max_gap_st), gap, max_gap_st)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_gap = np.where(n_gap_all > 0, sum_gap / np.maximum(n_gap_all, 1), 0.0)
    if error_axis is not None:
        median = _median_from_hist(hist, nst, log_lo, dlog)
    else:
        with np.errstate(all="ignore"):
            median = np.full(n_point, np.nan)
            has = nst > 0
            median[has] = np.nanmedian(errors_m[:, has], axis=0)
    return {"fraction_1": n1 / n_step, "fraction_2": n2 / n_step, "fraction_stereo": nst / n_step,
            "mean_count": csum / n_step, "max_gap_s": max_gap, "mean_gap_s": mean_gap,
            "max_gap_stereo_s": max_gap_st, "median_position_error_m": median,
            "n1": n1, "n2": n2, "n_stereo": nst, "counts_sum": csum, "best_sigma_m": 1000.0 * np.sqrt(best)}
