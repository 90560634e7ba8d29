"""numba kernels of :mod:`constellation.access` (float64 arrays, km, rad; never raise).

They evaluate the coverage engine's own detection test
(:func:`constellation._geometry.detects_i`: elevation mask, field of regard, range, grazing
altitude, radiometric threshold) and the geodetic elevation
(:func:`constellation._geometry.elevation_rad`) on

- a time chunk of a constellation against a point list (:func:`visibility_chunk`), and
- arbitrary (satellite position, point) pairs (:func:`detect_pairs`, :func:`elevation_pairs`)
  for the rise/set bisection and the maximum-elevation search.

A NaN satellite position (decayed / failed SGP4) never detects (``detects_i`` rejects it)
and has NaN elevation.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from orbits.kernels import gmst82

from ._geometry import detects_i, elevation_rad
from ._jit import jit, jit_parallel


@jit_parallel
def visibility_chunk(pos, valid, sensor_of_sat, table, intensity, pts, ups, vis, el):
    """Detection flags and elevations for every (time, satellite, point) of a chunk.

    Parameters
    ----------
    pos : (n_t, n_s, 3) float64
        Satellite ITRS positions (km).
    valid : (n_t, n_s) bool
    sensor_of_sat : (n_s,) int64
        Row of ``table`` each satellite uses.
    table : (n_sensor, N_PARAM) float64
        Sensor parameter vectors (:func:`constellation.sensors.sensor_table`).
    intensity : float
        Target intensity (W/sr) for the radiometric test; NaN skips it.
    pts, ups : (n_p, 3) float64
        Point ITRS positions (km) and unit ellipsoid normals.
    vis : (n_t, n_s, n_p) bool, out
    el : (n_t, n_s, n_p) float64, out
        Elevation (rad); NaN where the satellite position is invalid.
    """
    n_t, n_s, _ = pos.shape
    n_p = pts.shape[0]
    for t in prange(n_t):
        for s in range(n_s):
            prm = table[sensor_of_sat[s]]
            for p in range(n_p):
                if not valid[t, s]:
                    vis[t, s, p] = False
                    el[t, s, p] = np.nan
                    continue
                vis[t, s, p] = detects_i(pos[t, s], pts[p], ups[p], prm, intensity)
                el[t, s, p] = elevation_rad(pos[t, s], pts[p], ups[p])


@jit
def detect_pairs(sat, tgt, up, params, intensity, out):
    """``out[i] = detects_i(sat[i], tgt[i], up[i], params, intensity)``; shapes (n, 3)."""
    for i in range(sat.shape[0]):
        out[i] = detects_i(sat[i], tgt[i], up[i], params, intensity)


@jit
def elevation_pairs(sat, tgt, up, out):
    """``out[i]`` = elevation (rad) of ``sat[i]`` above the horizon of ``tgt[i]``; NaN for a
    NaN satellite position."""
    for i in range(sat.shape[0]):
        if sat[i, 0] != sat[i, 0]:
            out[i] = np.nan
        else:
            out[i] = elevation_rad(sat[i], tgt[i], up[i])


@jit
def teme_to_itrs_pairs(r_teme, ut1_whole, ut1_frac, out):
    """Rotate TEME positions ``r_teme`` (n, 3) km, each at its own UT1 instant, into ITRS.

    Same rotation as :func:`orbits.kernels.teme_to_itrs_kernel` (R3 of GMST 1982 via
    :func:`orbits.kernels.gmst82`, no polar motion), serial: the refinement calls it with
    a few hundred rows per bisection step, where a parallel launch costs more than it saves.
    """
    for i in range(r_teme.shape[0]):
        th = gmst82(ut1_whole[i], ut1_frac[i])
        c = math.cos(th)
        s = math.sin(th)
        x = r_teme[i, 0]
        y = r_teme[i, 1]
        out[i, 0] = c * x + s * y
        out[i, 1] = -s * x + c * y
        out[i, 2] = r_teme[i, 2]


@jit
def detect_rows(sat, tgt, up, table, sensor_row, intensity, out):
    """``out[i] = detects_i(sat[i], tgt[i], up[i], table[sensor_row[i]], intensity)``."""
    for i in range(sat.shape[0]):
        out[i] = detects_i(sat[i], tgt[i], up[i], table[sensor_row[i]], intensity)
