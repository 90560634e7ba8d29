"""Candidate search of the grid kernel: which satellites may detect which grid rows and columns.

Per (time step, satellite) a closed-form, conservative bound on the geocentric central angle
to any detectable target (:func:`max_central_angle`) gives the satellite's band of latitude
rows (:func:`cap_bounds`); each step's non-empty bands are packed into contiguous records
sorted by first row (:func:`pack_bands`, columns ``BF_*``). Per grid strip the records whose
band meets it are the candidates (:func:`strip_candidates`), and per row the cap's
longitude half-width (:func:`lon_half_width`, with the libm-free :func:`acos_upper`) maps to
index windows on the longitude axis (:func:`lon_index_windows`). Every bound errs on the
large side: the exact test (:mod:`constellation._detect`) decides.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._geometry import (
    P_COS_HALF_FOR,
    P_GRAZING_KM,
    P_HALF_FOR_RAD,
    P_HAS_GRAZING,
    P_INTENSITY_W_SR,
    P_MAX_RANGE_KM,
    P_MIN_EL_RAD,
    P_REF_RANGE_KM,
    P_THRESHOLD_W_SR,
    WGS84_B_KM,
)
from ._jit import jit, jit_inline, jit_parallel

CAP_PAD_RAD = 1e-7
"""Angular padding (rad, ~0.6 m on the ground) added to every closed-form footprint bound."""


@jit
def max_central_angle(r_sat, params, r_min, r_max, tilt_rad):
    """Conservative upper bound on the geocentric central angle satellite -> detected target (rad).

    See :func:`_max_central_angle` (this computes its per-sensor ``cos_eps`` first).
    """
    return _max_central_angle(r_sat, params, r_min, r_max, tilt_rad,
                              math.cos(params[P_MIN_EL_RAD] - tilt_rad - 1e-9))


@jit_inline
def _max_central_angle(r_sat, params, r_min, r_max, tilt_rad, cos_eps):
    """Conservative upper bound on the geocentric central angle satellite -> detected target.

    Targets lie in the spherical shell ``r_min <= |t| <= r_max`` (km); the geodetic normal
    differs from the geocentric radius by at most ``tilt_rad``. Each constraint gives a closed
    form bound (see :mod:`constellation.coverage` for the derivations):

    - elevation ``>= eps`` (geodetic) implies geocentric elevation ``>= eps' = eps - tilt``;
      on a sphere of radius r: ``lambda <= acos(r cos eps' / r_s) - eps'``, largest at r_min;
    - range ``<= R``: ``cos lambda >= (r_s^2 + r^2 - R^2) / (2 r_s r)``, minimised over the
      shell (ends and the stationary point ``r = sqrt(r_s^2 - R^2)``);
    - grazing altitude g: the segment must clear the sphere of radius ``b + g`` inscribed in
      the inflated ellipsoid: ``lambda <= acos(r_g / r_s) + acos(r_g / r)``, largest at r_max
      (no target when ``r_max < r_g``);
    - field of regard half-angle eta: near branch ``lambda <= asin(r_s sin eta / r) - eta``
      (largest at r_min), valid when the far branch
      ``lambda >= pi - asin(r_s sin eta / r_min) - eta`` is excluded by the other bounds.

    ``cos_eps`` is ``cos(eps')`` for the sensor (hoisted out of the per-satellite loop).

    Returns
    -------
    float
        Bound in rad, padded by ``CAP_PAD_RAD``; ``pi`` or more means no limit; negative means
        no target can be detected.
    """
    lam = math.pi
    # elevation
    eps = params[P_MIN_EL_RAD] - tilt_rad - 1e-9
    if eps > -0.5 * math.pi and r_sat > r_min:
        x = r_min * cos_eps / r_sat
        if x < 1.0:
            lam = min(lam, math.acos(x) - eps)
        else:
            lam = -1.0
    # range (geometric max range and radiometric range)
    rng = params[P_MAX_RANGE_KM]
    thr = params[P_THRESHOLD_W_SR]
    inten = params[P_INTENSITY_W_SR]
    if thr == thr and inten == inten:
        if inten <= 0.0:
            return -1.0
        rng = min(rng, params[P_REF_RANGE_KM] * math.sqrt(inten / thr))
    if rng < math.inf:
        rng = rng * (1.0 + 1e-12) + 1e-9
        f = (r_sat * r_sat + r_min * r_min - rng * rng) / (2.0 * r_sat * r_min)
        f2 = (r_sat * r_sat + r_max * r_max - rng * rng) / (2.0 * r_sat * r_max)
        if f2 < f:
            f = f2
        s2 = r_sat * r_sat - rng * rng
        if s2 > 0.0:
            rc = math.sqrt(s2)
            if r_min < rc < r_max:
                f3 = (r_sat * r_sat + rc * rc - rng * rng) / (2.0 * r_sat * rc)
                if f3 < f:
                    f = f3
        if f > 1.0:
            return -1.0
        if f > -1.0:
            lam = min(lam, math.acos(f))
    # grazing altitude
    if params[P_HAS_GRAZING] > 0.5:
        rg = (WGS84_B_KM + params[P_GRAZING_KM]) * (1.0 - 1e-8)
        if r_max < rg or r_sat < rg:
            return -1.0
        lam = min(lam, math.acos(rg / r_sat) + math.acos(rg / r_max))
    # field of regard
    eta = params[P_HALF_FOR_RAD]
    if params[P_COS_HALF_FOR] > -1.5 and eta < 0.5 * math.pi:
        x = r_sat * math.sin(eta) / r_min
        if x < 1.0:
            near = math.asin(x) - eta
            far = math.pi - math.asin(x) - eta
            if lam < far - 1e-9:
                lam = min(lam, near)
    if lam < 0.0:
        return -1.0
    return lam + CAP_PAD_RAD


@jit_parallel
def cap_bounds(pos, valid, sensor_of_sat, table, r_min, r_max, tilt_rad, row_sin, lon0_rad, lon_span_rad,
               cos_lam, sin_lat_s, cos_lat_s, lon_s, row_lo, row_hi):
    """Candidate search: footprint bound and latitude-row band of every (time, satellite).

    Parameters
    ----------
    pos : (n_t, n_sat, 3) float64
        Satellite ECEF positions (km).
    valid : (n_t, n_sat) bool
    sensor_of_sat : (n_sat,) int64
    table : (n_sensor, N_PARAM) float64
    r_min, r_max : float
        Geocentric radius range of the grid points (km).
    tilt_rad : float
        Largest normal-vs-radius angle on the grid (rad).
    row_sin : (n_lat,) float64
        Sine of each grid row's geocentric latitude (ascending). The band is found in sine:
        ``sin(phi_s +- lambda) = sin phi_s cos lambda +- cos phi_s sin lambda`` (no ``atan2``
        for the satellite's latitude), the whole side up to a pole when
        ``cos(phi_s +- lambda) <= 0``.
    lon0_rad, lon_span_rad : float
        First longitude of the grid and its span (rad). A cap not containing a pole spans
        ``|dlon| <= asin(sin(lambda) / cos(phi_s))`` in longitude; satellites whose span misses
        the grid's longitudes (modulo 2 pi) get no rows.
    cos_lam, sin_lat_s, cos_lat_s, lon_s : (n_t, n_sat) float64, output
        Cosine of the padded max central angle (-2 = whole sphere), sine/cosine of the
        sub-satellite geocentric latitude, sub-satellite longitude (rad).
    row_lo, row_hi : (n_t, n_sat) int64, output
        First/last candidate row (row_lo > row_hi: none).
    """
    n_t = pos.shape[0]
    n_sat = pos.shape[1]
    n_lat = row_sin.shape[0]
    cos_eps = np.empty(table.shape[0])
    for si in range(table.shape[0]):
        cos_eps[si] = math.cos(table[si, P_MIN_EL_RAD] - tilt_rad - 1e-9)
    for q in prange(n_t * n_sat):
        k = q // n_sat
        s = q % n_sat
        row_lo[k, s] = 1
        row_hi[k, s] = 0
        cos_lam[k, s] = 2.0
        if not valid[k, s]:
            continue
        x = pos[k, s, 0]
        y = pos[k, s, 1]
        z = pos[k, s, 2]
        rho = math.sqrt(x * x + y * y)
        rs = math.sqrt(rho * rho + z * z)
        if not rs > 0.0:
            continue
        si = sensor_of_sat[s]
        lam = _max_central_angle(rs, table[si], r_min, r_max, tilt_rad, cos_eps[si])
        if lam < 0.0:
            continue
        sl = z / rs
        cl = rho / rs
        sin_lat_s[k, s] = sl
        cos_lat_s[k, s] = cl
        lon_s[k, s] = math.atan2(y, x)
        if lam >= math.pi:
            cos_lam[k, s] = -2.0
            row_lo[k, s] = 0
            row_hi[k, s] = n_lat - 1
            continue
        c_lam = math.cos(lam)
        s_lam = math.sin(lam)
        # cos(|phi_s| + lambda) > 0: the cap holds no pole (the 1e-9 margin as a sine)
        if cl * c_lam - abs(sl) * s_lam > 1e-9 and lon_span_rad < 2.0 * math.pi - 1e-9:
            x = s_lam / cl
            if x < 1.0:
                dl = math.asin(x) + 1e-9
                twopi = 2.0 * math.pi
                a = lon_s[k, s] - dl - lon0_rad
                a = a - twopi * math.floor(a / twopi)
                if a > lon_span_rad + 1e-9 and a + 2.0 * dl < twopi - 1e-9:
                    continue
        cos_lam[k, s] = c_lam
        # rows with phi_s - lambda <= phi <= phi_s + lambda (one row of padding each side)
        lo = 0
        if cl * c_lam + sl * s_lam > 0.0:  # cos(phi_s - lambda) > 0: the south pole is outside
            lo = np.searchsorted(row_sin, sl * c_lam - cl * s_lam, side="left") - 1
        hi = n_lat - 1
        if cl * c_lam - sl * s_lam > 0.0:  # cos(phi_s + lambda) > 0: the north pole is outside
            hi = np.searchsorted(row_sin, sl * c_lam + cl * s_lam, side="right")
        if lo < 0:
            lo = 0
        if hi > n_lat - 1:
            hi = n_lat - 1
        row_lo[k, s] = lo
        row_hi[k, s] = hi


ACOS_PAD_RAD = 1e-7
"""Padding added to :func:`acos_upper` (5x the polynomial's largest error)."""


@jit_inline
def acos_upper(x):
    """An upper bound of ``acos(x)`` (rad) within ``1.3e-7`` of it, for ``-1 <= x <= 1``, without libm.

    ``acos|x| = sqrt(1 - |x|) (a0 + a1 |x| + ... + a7 |x|^7)`` with ``|error| <= 2e-8``
    (Abramowitz & Stegun 4.4.46, Hastings' approximation; ``2.2e-8`` measured in float64),
    ``acos(x) = pi - acos(-x)`` for ``x < 0``, plus ``ACOS_PAD_RAD``. Used only for the
    candidate longitude windows, which must contain the exact ones (every candidate is then
    tested exactly); the polynomial is cheaper there than libm's ``acos``
    (``docs/ARCHITECTURE.md``).
    """
    ax = abs(x)
    p = -0.0012624911
    p = p * ax + 0.0066700901
    p = p * ax - 0.0170881256
    p = p * ax + 0.0308918810
    p = p * ax - 0.0501743046
    p = p * ax + 0.0889789874
    p = p * ax - 0.2145988016
    p = p * ax + 1.5707963050
    r = math.sqrt(1.0 - ax) * p
    if x < 0.0:
        r = math.pi - r
    return r + ACOS_PAD_RAD


LON_NONE = -1.0
"""Half-width code of :func:`lon_half_width`: the row does not meet the cap."""
LON_FULL = 8.0
"""Half-width code of :func:`lon_half_width`: the whole row (above pi, any longitude)."""


@jit_inline
def lon_half_width(sin_lat_r, cos_lat_r, sin_lat_s, cos_lat_s, cos_lam):
    """Longitude half-width (rad, an upper bound) of a satellite's cap on one grid row.

    A point of geocentric latitude ``phi`` at longitude offset ``dl`` from the sub-satellite
    point is within central angle ``lambda`` iff
    ``cos(dl) >= (cos(lambda) - sin(phi_s) sin(phi)) / (cos(phi_s) cos(phi))``; the half-width
    is ``acos`` of the right-hand side (:func:`acos_upper`, plus 1e-9 rad), ``LON_NONE`` when
    the row misses the cap, ``LON_FULL`` when the cap holds the whole row (or ``cos_lam <=
    -1.5``, the whole sphere; or a pole row). Branch-free (selects), so a loop over the
    candidates of a row vectorises.
    """
    num = cos_lam - sin_lat_s * sin_lat_r
    den = cos_lat_s * cos_lat_r
    c = num / den
    full = (cos_lam <= -1.5) | (num <= -den - 1e-12) | (den < 1e-12) | (c <= -1.0)
    dl = acos_upper(min(c, 1.0)) + 1e-9  # a bound: the window may only grow
    dl = LON_FULL if full else dl
    return LON_NONE if (num > den + 1e-12) & (cos_lam > -1.5) else dl


@jit_inline
def lon_index_windows(dl, lon_s, lon0_rad, step_rad, n_lon, out):
    """Candidate index ranges on the regular longitude axis for half-width ``dl`` (rad).

    The window ``[lon_s - dl, lon_s + dl]`` is mapped onto the axis (offsets ``j * step``
    from ``lon0``) modulo 2 pi, padded by one index on each side; ``dl`` from
    :func:`lon_half_width` (``LON_NONE``: no range; ``LON_FULL`` or a window of nearly 2 pi:
    the whole row).

    Parameters
    ----------
    out : (3, 2) int64, output
        Up to three disjoint inclusive index ranges ``[out[m, 0], out[m, 1]]``.

    Returns
    -------
    int
        Number of ranges written (0 = none).
    """
    if dl < 0.0:
        return 0
    twopi = 2.0 * math.pi
    if 2.0 * dl >= twopi - 2.0 * step_rad - 1e-9:
        out[0, 0] = 0
        out[0, 1] = n_lon - 1
        return 1
    # products with reciprocals instead of divisions (hoisted out of the caller's loops): each
    # quotient moves by a few ulp at most, which the one-index padding absorbs
    inv_step = 1.0 / step_rad
    a = lon_s - dl - lon0_rad
    a = a - twopi * math.floor(a * (0.5 / math.pi))
    w = 2.0 * dl
    n = 0
    for m in range(-1, 2):
        lo = math.ceil((a + twopi * m) * inv_step) - 1.0
        hi = math.floor((a + w + twopi * m) * inv_step) + 1.0
        if lo < 0.0:
            lo = 0.0
        if hi > n_lon - 1.0:
            hi = n_lon - 1.0
        if lo <= hi:
            out[n, 0] = int(lo)
            out[n, 1] = int(hi)
            n += 1
    return n


BF_X = 0  # float64 columns of a packed band record (``band_f``): satellite ECEF x, y, z (km)
BF_Y = 1
BF_Z = 2
BF_SIN_LAT = 3  # sine / cosine of the sub-satellite geocentric latitude
BF_COS_LAT = 4
BF_LON = 5  # sub-satellite longitude (rad)
BF_COS_LAM = 6  # cosine of the padded max central angle (-2 = whole sphere)
N_BF = 7


@jit_parallel
def pack_bands(pos, sensor_of_sat, cos_lam, sin_lat_s, cos_lat_s, lon_s, row_lo, row_hi,
               band_n, band_lh, band_f, band_si):
    """Per time step, the satellites with a non-empty row band, packed and sorted by first row.

    :func:`constellation._grid.grid_chunk` visits every (strip, step): packed records sorted by
    ``row_lo`` let a strip stop at the first band starting below it and read each candidate's
    data from one contiguous record, instead of scanning all satellites and reading their data
    at scattered indices (cache misses).

    Parameters
    ----------
    pos : (n_t, n_sat, 3) float64
    sensor_of_sat : (n_sat,) int64
    cos_lam ... row_hi : (n_t, n_sat)
        Output of :func:`cap_bounds`.
    band_n : (n_t,) int64, output
        Number of records of each step.
    band_lh : (n_t, n_sat, 2) int64, output
        ``(row_lo, row_hi)`` of record ``t`` (ascending ``row_lo``; ties keep satellite order).
    band_f : (n_t, n_sat, N_BF) float64, output
        Columns ``BF_*``.
    band_si : (n_t, n_sat, 2) int64, output
        ``(satellite index, sensor row)``.
    """
    n_t = row_lo.shape[0]
    n_sat = row_lo.shape[1]
    for k in prange(n_t):
        # stable counting sort of the satellites with a band by row_lo (ties keep satellite order)
        top = 0
        for s in range(n_sat):
            if row_lo[k, s] <= row_hi[k, s] and row_lo[k, s] > top:
                top = row_lo[k, s]
        start = np.zeros(top + 2, dtype=np.int64)
        m = 0
        for s in range(n_sat):
            if row_lo[k, s] <= row_hi[k, s]:
                start[row_lo[k, s] + 1] += 1
                m += 1
        band_n[k] = m
        for r in range(1, top + 2):
            start[r] += start[r - 1]
        for s in range(n_sat):
            if row_lo[k, s] <= row_hi[k, s]:
                t = start[row_lo[k, s]]
                band_si[k, t, 0] = s
                start[row_lo[k, s]] = t + 1
        for t in range(m):
            s = band_si[k, t, 0]
            band_si[k, t, 1] = sensor_of_sat[s]
            band_lh[k, t, 0] = row_lo[k, s]
            band_lh[k, t, 1] = row_hi[k, s]
            band_f[k, t, BF_X] = pos[k, s, 0]
            band_f[k, t, BF_Y] = pos[k, s, 1]
            band_f[k, t, BF_Z] = pos[k, s, 2]
            band_f[k, t, BF_SIN_LAT] = sin_lat_s[k, s]
            band_f[k, t, BF_COS_LAT] = cos_lat_s[k, s]
            band_f[k, t, BF_LON] = lon_s[k, s]
            band_f[k, t, BF_COS_LAM] = cos_lam[k, s]


@jit_inline
def strip_candidates(band_n, band_lh, k, i0, i1, cand):
    """Band records of step ``k`` whose row band meets rows ``i0 .. i1``, into ``cand[:, 0]``; returns their count.

    The records are sorted by first row (:func:`pack_bands`), so the scan stops at the first
    band starting below the strip.
    """
    nc = 0
    for s in range(band_n[k]):  # band record index (ascending first row)
        if band_lh[k, s, 0] > i1:
            break
        if band_lh[k, s, 1] >= i0:
            cand[nc, 0] = s
            nc += 1
    return nc
