"""Baselines the grid-coverage engine is checked and benchmarked against.

- :func:`brute_force_coverage`: :func:`constellation.kernels.point_chunk` over every
  (time, satellite, point) triple of a grid, the same exact test and the same metric
  accumulators as :func:`constellation.coverage.grid_coverage` without any footprint pruning,
  parallel over latitude rows like the engine;
- :func:`numpy_broadcast_coverage`: plain NumPy broadcasting per time step, ``(n_sat,
  n_point, 3)`` arrays for the detection test (elevation mask only) and ``(n_pair, n_point)``
  arrays for the stereo pairs among the satellites visible anywhere in the region.

Used by :mod:`hgvcov.bench`, ``benchmarks/`` and the tests.
"""

from __future__ import annotations

import math
import time

import numpy as np

from constellation.kernels import N_FSTATE, N_ISTATE, ST_LAST_DET, ST_LAST_ST, point_chunk, sensor_table

__all__ = ["brute_force_coverage", "numpy_broadcast_coverage"]


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


def numpy_broadcast_coverage(positions_km, pts, ups, sensor, step_s):
    """Plain NumPy broadcasting over (satellite, point) per time step, with stereo pairs.

    Parameters
    ----------
    positions_km : (n_step, n_sat, 3)
    pts, ups : (n_point, 3)
    sensor : Sensor (elevation mask, stereo angle and noise used)

    Returns
    -------
    dict with ``counts_sum`` (n_point,), ``n1``, ``n_stereo`` and ``best_sigma_m`` of the last step.
    """
    n_point = pts.shape[0]
    sin_el = math.sin(math.radians(sensor.min_elevation_deg))
    cos_st = math.cos(math.radians(sensor.stereo_min_angle_deg))
    noise = sensor.angular_noise_urad * 1e-6
    n1 = np.zeros(n_point, dtype=np.int64)
    nst = np.zeros(n_point, dtype=np.int64)
    csum = np.zeros(n_point, dtype=np.int64)
    last = np.full(n_point, -1)
    max_gap = np.zeros(n_point)
    best = np.full(n_point, np.inf)
    for k in range(positions_km.shape[0]):
        d = positions_km[k][:, None, :] - pts[None, :, :]  # (n_sat, n_point, 3)
        r = np.linalg.norm(d, axis=-1)
        u = d / r[..., None]
        vis = np.einsum("spk,pk->sp", u, ups) >= sin_el
        cnt = vis.sum(axis=0)
        csum += cnt
        seen = cnt > 0
        n1 += seen
        gap = np.where(seen & (last < k - 1), (k - 1 - last) * step_s, 0.0)
        max_gap = np.maximum(max_gap, gap)
        last = np.where(seen, k, last)
        ids = np.flatnonzero(vis.any(axis=1))
        best = np.full(n_point, np.inf)
        q = (noise * r) ** 2
        for a in range(len(ids)):
            i = ids[a]
            js = ids[a + 1:]
            if js.size == 0:
                continue
            both = vis[i][None, :] & vis[js]
            c = np.einsum("pk,jpk->jp", u[i], u[js])
            ok = both & (np.abs(c) <= cos_st)
            s2 = 1.0 - c * c
            qi = q[i][None, :]
            qj = q[js]
            with np.errstate(divide="ignore", invalid="ignore"):
                v = (qi + qj) / s2 + qi * qj / (qi + qj)
            v = np.where(ok, v, np.inf)
            best = np.minimum(best, v.min(axis=0))
        nst += np.isfinite(best)
    return {"counts_sum": csum, "n1": n1, "n_stereo": nst, "best_sigma_m": 1000.0 * np.sqrt(best)}
