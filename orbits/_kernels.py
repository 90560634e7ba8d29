"""numba kernels of :mod:`orbits` (km, s, rad; float64/int arrays; never raise).

Contents
--------
- WGS84 geodesy twins of :mod:`orbits.geodesy` (scalar ``*_s`` functions usable inside
  other kernels, and array loops).
- ``gmst82``: Greenwich Mean Sidereal Time of IAU 1982 (AIAA 2006-6753 appendix C, the
  angle skyfield's ``theta_GMST1982`` returns).
- TEME -> ITRS rotation ``r_itrs = R3(theta_GMST82) r_teme`` (polar motion neglected;
  its effect is < 15 m at the Earth's surface / ~20 m at LEO, and skyfield's built-in
  timescale carries no polar motion either).
- The fused "SGP4 output -> ITRS, satellite-major -> time-major" kernel of the batch
  SGP4 path.
- The J2 secular mean-element propagator (``j2_propagate``).

Error codes follow python-sgp4 (``sgp4.api.SGP4_ERRORS``): 0 ok, 1 eccentricity
out of range, 2 mean motion / semi-major axis non-positive, 6 decayed (radius below one
Earth equatorial radius).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._jit import jit, jit_inline, jit_parallel
from .constants import WGS84_A_KM, WGS84_E2

_A = WGS84_A_KM
_E2 = WGS84_E2
_E4 = WGS84_E2 * WGS84_E2
_TAU = 2.0 * math.pi
_T0 = 2451545.0
_DAY_S = 86400.0

ERR_OK = 0
ERR_ECCENTRICITY = 1
ERR_MEAN_MOTION = 2
ERR_DECAYED = 6


# ------------------------------------------------------------------------- geodesy
@jit
def geodetic_to_ecef_s(lat_rad, lon_rad, h_km):
    """Scalar WGS84 geodetic (rad, rad, km) -> ECEF (x, y, z) km."""
    sphi = math.sin(lat_rad)
    cphi = math.cos(lat_rad)
    n = _A / math.sqrt(1.0 - _E2 * sphi * sphi)
    return ((n + h_km) * cphi * math.cos(lon_rad),
            (n + h_km) * cphi * math.sin(lon_rad),
            (n * (1.0 - _E2) + h_km) * sphi)


@jit
def ecef_to_geodetic_s(x, y, z):
    """Scalar ECEF (km) -> WGS84 (lat rad, lon rad, h km); Vermeille (2004) closed form."""
    rho2 = x * x + y * y
    rho = math.sqrt(rho2)
    p = rho2 / (_A * _A)
    q = (1.0 - _E2) / (_A * _A) * z * z
    r = (p + q - _E4) / 6.0
    s = _E4 * p * q / (4.0 * r * r * r)
    t = np.cbrt(1.0 + s + math.sqrt(s * (2.0 + s)))
    u = r * (1.0 + t + 1.0 / t)
    v = math.sqrt(u * u + _E4 * q)
    w = _E2 * (u + v - q) / (2.0 * v)
    k = math.sqrt(u + v + w * w) - w
    d = k * rho / (k + _E2)
    dz = math.sqrt(d * d + z * z)
    lat = 2.0 * math.atan2(z, d + dz)
    h = (k + _E2 - 1.0) / k * dz
    return lat, math.atan2(y, x), h


@jit
def up_vector_s(lat_rad, lon_rad):
    """Scalar unit ellipsoid normal (x, y, z) at geodetic (lat, lon) rad."""
    c = math.cos(lat_rad)
    return c * math.cos(lon_rad), c * math.sin(lon_rad), math.sin(lat_rad)


@jit
def geodetic_to_ecef_array(lat_rad, lon_rad, h_km, out):
    """1-D arrays (n,) rad, rad, km -> ``out`` (n, 3) km."""
    for i in range(lat_rad.shape[0]):
        x, y, z = geodetic_to_ecef_s(lat_rad[i], lon_rad[i], h_km[i])
        out[i, 0] = x
        out[i, 1] = y
        out[i, 2] = z


@jit
def ecef_to_geodetic_array(xyz, out):
    """``xyz`` (n, 3) km -> ``out`` (n, 3) columns lat rad, lon rad, h km."""
    for i in range(xyz.shape[0]):
        la, lo, h = ecef_to_geodetic_s(xyz[i, 0], xyz[i, 1], xyz[i, 2])
        out[i, 0] = la
        out[i, 1] = lo
        out[i, 2] = h


# -------------------------------------------------------------------------- frames
@jit
def gmst82(jd_ut1_whole, jd_ut1_frac):
    """GMST 1982 angle (rad, [0, 2 pi)) for UT1 JD = whole + frac (AIAA 2006-6753 C).

    ``theta = 2 pi frac_day(jd_ut1 + g / 86400)`` with
    ``g = 67310.54841 + (876600 h + 8640184.812866) T + 0.093104 T^2 - 6.2e-6 T^3`` s,
    T in Julian centuries of UT1 from J2000 -- the expression skyfield's
    ``theta_GMST1982`` evaluates.
    """
    t = (jd_ut1_whole - _T0 + jd_ut1_frac) / 36525.0
    g = 67310.54841 + (8640184.812866 + (0.093104 + (-6.2e-6) * t) * t) * t
    a = (jd_ut1_whole % 1.0 + jd_ut1_frac + (g / _DAY_S) % 1.0) % 1.0
    return a * _TAU


@jit_parallel
def teme_to_itrs_kernel(r_teme, ut1_whole, ut1_frac, out):
    """Rotate ``r_teme`` (n_time, n_sat, 3) km by R3(GMST82) into ``out`` (same shape).

    ``x' = cos(theta) x + sin(theta) y``, ``y' = -sin(theta) x + cos(theta) y``, ``z' = z``.
    """
    n_time = r_teme.shape[0]
    n_sat = r_teme.shape[1]
    for k in prange(n_time):
        c, s = _rotation_cos_sin(True, ut1_whole[k], ut1_frac[k])
        for j in range(n_sat):
            x = r_teme[k, j, 0]
            y = r_teme[k, j, 1]
            out[k, j, 0] = c * x + s * y
            out[k, j, 1] = -s * x + c * y
            out[k, j, 2] = r_teme[k, j, 2]


@jit_inline
def _rotation_cos_sin(rotate, ut1_whole, ut1_frac):
    """``(cos, sin)`` of GMST 1982 at the UT1 Julian date ``ut1_whole + ut1_frac``; ``(1, 0)``
    (no rotation, TEME kept) when ``rotate`` is False."""
    if not rotate:
        return 1.0, 0.0
    th = gmst82(ut1_whole, ut1_frac)
    return math.cos(th), math.sin(th)


@jit_inline
def _store_itrs(out, valid, row, j, ok, c, s, x, y, z):
    """Write TEME (x, y, z) km rotated by GMST (cos c, sin s) into ``out[row, j]``, or NaN and
    ``valid[row, j] = False`` when ``ok`` is false (the masking rule of both SGP4 paths)."""
    if ok:
        out[row, j, 0] = c * x + s * y
        out[row, j, 1] = -s * x + c * y
        out[row, j, 2] = z
    else:
        out[row, j, 0] = np.nan
        out[row, j, 1] = np.nan
        out[row, j, 2] = np.nan
    valid[row, j] = ok


@jit_parallel
def sgp4_output_to_itrs(r_sat_time, err_sat_time, ut1_whole, ut1_frac,
                        out, valid, first_error, k0, rotate):
    """Fused transpose + TEME->ITRS of python-sgp4 ``SatrecArray`` output.

    Parameters
    ----------
    r_sat_time : (n_sat, n_chunk, 3) float64, TEME km (SatrecArray layout)
    err_sat_time : (n_sat, n_chunk) uint8 SGP4 error codes
    ut1_whole, ut1_frac : (n_chunk,) UT1 Julian date parts of the chunk's samples
    out : (n_time, n_sat, 3) float64, written at rows ``k0 .. k0 + n_chunk - 1``
        (NaN where SGP4 failed)
    valid : (n_time, n_sat) bool, same rows
    first_error : (n_sat,) int64, set to the first non-zero code seen (if still 0)
    k0 : int, first output row of this chunk
    rotate : bool, False keeps TEME (transpose and masking only)
    """
    n_sat = r_sat_time.shape[0]
    n_chunk = r_sat_time.shape[1]
    for k in prange(n_chunk):
        c, s = _rotation_cos_sin(rotate, ut1_whole[k], ut1_frac[k])
        row = k0 + k
        for j in range(n_sat):
            x = r_sat_time[j, k, 0]
            y = r_sat_time[j, k, 1]
            z = r_sat_time[j, k, 2]
            e = err_sat_time[j, k]
            ok = e == 0 and math.isfinite(x) and math.isfinite(y) and math.isfinite(z)
            _store_itrs(out, valid, row, j, ok, c, s, x, y, z)
    # first error per satellite: serial over satellites (cheap), time order kept
    for j in prange(n_sat):
        if first_error[j] == 0:
            for k in range(n_chunk):
                e = err_sat_time[j, k]
                if e != 0:
                    first_error[j] = e
                    break
                x = r_sat_time[j, k, 0]
                if not math.isfinite(x):
                    first_error[j] = ERR_DECAYED
                    break


# ------------------------------------------------------------------------ J2 model
@jit
def j2_secular_rates(a_km, ecc, inc_rad, n_rad_s, j2, r_eq_km):
    """First-order J2 secular rates (rad/s) of RAAN, argument of perigee, mean anomaly.

    With ``p = a (1 - e^2)``, ``beta = sqrt(1 - e^2)`` and ``K = J2 (R/p)^2``
    (Vallado 4th ed. eqs. 9-41 / 9-42; Brouwer 1959 first order)::

        dOmega/dt = -3/2 n K cos i
        domega/dt =  3/4 n K (5 cos^2 i - 1)
        dM/dt     =  n [1 + 3/4 K beta (3 cos^2 i - 1)]
    """
    p = a_km * (1.0 - ecc * ecc)
    k = j2 * (r_eq_km / p) ** 2
    ci = math.cos(inc_rad)
    beta = math.sqrt(1.0 - ecc * ecc)
    raan_dot = -1.5 * n_rad_s * k * ci
    argp_dot = 0.75 * n_rad_s * k * (5.0 * ci * ci - 1.0)
    m_dot = n_rad_s * (1.0 + 0.75 * k * beta * (3.0 * ci * ci - 1.0))
    return raan_dot, argp_dot, m_dot


@jit
def solve_kepler(m, ecc):
    """Eccentric anomaly E (rad) with E - e sin E = M (Newton, |dE| < 1e-13, <= 30 its)."""
    m = (m - _TAU * math.floor(m / _TAU))
    if ecc == 0.0:
        return m
    e_an = m + ecc * math.sin(m) if ecc < 0.8 else math.pi if m > 0 else -math.pi
    for _ in range(30):
        f = e_an - ecc * math.sin(e_an) - m
        fp = 1.0 - ecc * math.cos(e_an)
        d = f / fp
        e_an -= d
        if abs(d) < 1e-13:
            break
    return e_an


@jit_parallel
def j2_propagate(t_s, ut1_whole, ut1_frac, epoch_offset_s, a_km, ecc, inc, raan0,
                 argp0, m0, n_rad_s, j2, r_eq_km, out, valid, err):
    """J2 secular mean-element propagation straight to ITRS.

    Parameters
    ----------
    t_s : (n_time,) seconds since the grid start
    ut1_whole, ut1_frac : (n_time,) UT1 Julian date parts of the samples
    epoch_offset_s : (n_sat,) grid start minus element epoch (s)
    a_km, ecc, inc, raan0, argp0, m0, n_rad_s : (n_sat,) mean elements at epoch
        (km, -, rad, rad, rad, rad, rad/s)
    j2, r_eq_km : the zonal coefficient and the equatorial radius it refers to
    out : (n_time, n_sat, 3) ITRS km (NaN when invalid)
    valid : (n_time, n_sat) bool
    err : (n_sat,) int64 error code (first error; 0 ok)

    Notes
    -----
    Elements drift linearly, ``Omega = Omega0 + dOmega/dt dt`` etc. (see
    :func:`j2_secular_rates`), Kepler's equation is solved for E, and the position
    ``r = a (1 - e cos E)`` at argument of latitude ``u = omega + nu`` is rotated
    straight into ITRS with the Earth-fixed node ``Omega - theta_GMST82``::

        x = r (cos W cos u - sin W sin u cos i)
        y = r (sin W cos u + cos W sin u cos i)
        z = r sin u sin i,   W = Omega - theta_GMST82

    The inertial frame is the element frame (TEME for TLE-derived elements), so the
    rotation is the same GMST 1982 one as the SGP4 path. Drag is ignored.
    """
    n_time = t_s.shape[0]
    n_sat = a_km.shape[0]
    raan_dot = np.empty(n_sat)
    argp_dot = np.empty(n_sat)
    m_dot = np.empty(n_sat)
    ci = np.empty(n_sat)
    si = np.empty(n_sat)
    beta = np.empty(n_sat)
    for j in range(n_sat):
        e = ecc[j]
        if not (e >= 0.0 and e < 1.0):
            err[j] = ERR_ECCENTRICITY
        elif not (a_km[j] > 0.0 and n_rad_s[j] > 0.0):
            err[j] = ERR_MEAN_MOTION
        else:
            err[j] = ERR_OK
        if err[j] == ERR_OK:
            rd, ad, md = j2_secular_rates(a_km[j], e, inc[j], n_rad_s[j], j2, r_eq_km)
            beta[j] = math.sqrt(1.0 - e * e)
        else:
            rd = 0.0
            ad = 0.0
            md = 0.0
            beta[j] = 0.0
        raan_dot[j] = rd
        argp_dot[j] = ad
        m_dot[j] = md
        ci[j] = math.cos(inc[j])
        si[j] = math.sin(inc[j])
    decayed_at = np.full(n_sat, n_time, dtype=np.int64)
    for k in prange(n_time):
        th = gmst82(ut1_whole[k], ut1_frac[k])
        for j in range(n_sat):
            if err[j] != ERR_OK:
                out[k, j, 0] = np.nan
                out[k, j, 1] = np.nan
                out[k, j, 2] = np.nan
                valid[k, j] = False
                continue
            dt = t_s[k] + epoch_offset_s[j]
            e = ecc[j]
            w_node = raan0[j] + raan_dot[j] * dt - th
            m = m0[j] + m_dot[j] * dt
            argp = argp0[j] + argp_dot[j] * dt
            if e == 0.0:
                r = a_km[j]
                u = argp + (m - _TAU * math.floor(m / _TAU))
            else:
                ea = solve_kepler(m, e)
                ce = math.cos(ea)
                r = a_km[j] * (1.0 - e * ce)
                nu = math.atan2(beta[j] * math.sin(ea), ce - e)
                u = argp + nu
            cu = math.cos(u)
            su = math.sin(u)
            cw = math.cos(w_node)
            sw = math.sin(w_node)
            if r < r_eq_km:
                out[k, j, 0] = np.nan
                out[k, j, 1] = np.nan
                out[k, j, 2] = np.nan
                valid[k, j] = False
                if k < decayed_at[j]:
                    decayed_at[j] = k  # benign race: any decayed row marks the satellite
            else:
                out[k, j, 0] = r * (cw * cu - sw * su * ci[j])
                out[k, j, 1] = r * (sw * cu + cw * su * ci[j])
                out[k, j, 2] = r * su * si[j]
                valid[k, j] = True
    for j in range(n_sat):
        if err[j] == ERR_OK and decayed_at[j] < n_time:
            err[j] = ERR_DECAYED


@jit_parallel
def threading_probe(n):
    """Tiny parallel reduction used by :func:`orbits.__main__.diagnostics`."""
    s = 0.0
    for i in prange(n):
        s += math.sqrt(i)
    return s


# ------------------------------------------------------------- SGP4 (near Earth)
# Column layout of the per-satellite coefficient table built by
# orbits.sgp4_numba.near_earth_coefficients from python-sgp4's reference sgp4init.
C_MO, C_MDOT, C_ARGPO, C_ARGPDOT, C_NODEO, C_NODEDOT, C_NODECF, C_CC1, C_BSTAR, C_CC4 = range(10)
C_T2COF, C_ISIMP, C_OMGCOF, C_ETA, C_XMCOF, C_DELMO, C_D2, C_D3, C_D4, C_CC5 = range(10, 20)
C_SINMAO, C_T3COF, C_T4COF, C_T5COF, C_NO, C_ECCO, C_INCLO, C_AYCOF, C_XLCOF, C_CON41 = range(20, 30)
C_X1MTH2, C_X7THM1, C_EPOCH_OFFSET_S, C_AO_POW, C_SINIO, C_COSIO = range(30, 36)
N_SGP4_COEF = 36


@jit
def sgp4_near_earth_s(c, tsince, xke, j2, radius_km):
    """SGP4 near-Earth position (TEME km) at ``tsince`` minutes; returns (x, y, z, err).

    Line-by-line transcription of the near-Earth branch of ``sgp4()`` in Vallado's
    reference code (AIAA 2006-6753; python-sgp4 ``sgp4/propagation.py``): secular
    gravity and drag, long-period periodics, Kepler's equation in (u, axn, ayn),
    short-period periodics. ``c`` is one row of the coefficient table (``C_*`` columns).
    Error codes: 1 mean eccentricity out of range, 2 mean motion <= 0, 4 semi-latus
    rectum < 0, 6 decayed (radius < 1 Earth radius); position NaN on error.
    """
    twopi = _TAU
    t = tsince
    xmdf = c[C_MO] + c[C_MDOT] * t
    argpdf = c[C_ARGPO] + c[C_ARGPDOT] * t
    nodedf = c[C_NODEO] + c[C_NODEDOT] * t
    argpm = argpdf
    mm = xmdf
    t2 = t * t
    nodem = nodedf + c[C_NODECF] * t2
    tempa = 1.0 - c[C_CC1] * t
    tempe = c[C_BSTAR] * c[C_CC4] * t
    templ = c[C_T2COF] * t2
    if c[C_ISIMP] != 1.0:
        delomg = c[C_OMGCOF] * t
        delmtemp = 1.0 + c[C_ETA] * math.cos(xmdf)
        delm = c[C_XMCOF] * (delmtemp * delmtemp * delmtemp - c[C_DELMO])
        temp = delomg + delm
        mm = xmdf + temp
        argpm = argpdf - temp
        t3 = t2 * t
        t4 = t3 * t
        tempa = tempa - c[C_D2] * t2 - c[C_D3] * t3 - c[C_D4] * t4
        tempe = tempe + c[C_BSTAR] * c[C_CC5] * (math.sin(mm) - c[C_SINMAO])
        templ = templ + c[C_T3COF] * t3 + t4 * (c[C_T4COF] + t * c[C_T5COF])
    nm = c[C_NO]
    em = c[C_ECCO]
    inclm = c[C_INCLO]
    if nm <= 0.0:
        return np.nan, np.nan, np.nan, 2
    # (xke / n)^(2/3) is constant per satellite near Earth: precomputed (C_AO_POW) with
    # the same pow() call; the updated nm = xke / am^1.5 only feeds velocities (skipped)
    am = c[C_AO_POW] * tempa * tempa
    em = em - tempe
    if em >= 1.0 or em < -0.001:
        return np.nan, np.nan, np.nan, 1
    if em < 1.0e-6:
        em = 1.0e-6
    mm = mm + c[C_NO] * templ
    xlm = mm + argpm + nodem
    nodem = nodem % twopi if nodem >= 0.0 else -((-nodem) % twopi)
    argpm = argpm % twopi
    xlm = xlm % twopi
    mm = (xlm - argpm - nodem) % twopi
    sinip = c[C_SINIO]  # sin/cos of the (constant, near-Earth) inclination
    cosip = c[C_COSIO]
    ep = em
    xincp = inclm
    argpp = argpm
    nodep = nodem
    mp = mm
    axnl = ep * math.cos(argpp)
    temp = 1.0 / (am * (1.0 - ep * ep))
    aynl = ep * math.sin(argpp) + temp * c[C_AYCOF]
    xl = mp + argpp + nodep + temp * c[C_XLCOF] * axnl
    u = (xl - nodep) % twopi
    eo1 = u
    tem5 = 9999.9
    ktr = 1
    sineo1 = 0.0
    coseo1 = 0.0
    while abs(tem5) >= 1.0e-12 and ktr <= 10:
        sineo1 = math.sin(eo1)
        coseo1 = math.cos(eo1)
        tem5 = 1.0 - coseo1 * axnl - sineo1 * aynl
        tem5 = (u - aynl * coseo1 + axnl * sineo1 - eo1) / tem5
        if abs(tem5) >= 0.95:
            tem5 = 0.95 if tem5 > 0.0 else -0.95
        eo1 = eo1 + tem5
        ktr = ktr + 1
    ecose = axnl * coseo1 + aynl * sineo1
    esine = axnl * sineo1 - aynl * coseo1
    el2 = axnl * axnl + aynl * aynl
    pl = am * (1.0 - el2)
    if pl < 0.0:
        return np.nan, np.nan, np.nan, 4
    rl = am * (1.0 - ecose)
    betal = math.sqrt(1.0 - el2)
    temp = esine / (1.0 + betal)
    sinu = am / rl * (sineo1 - aynl - axnl * temp)
    cosu = am / rl * (coseo1 - axnl + aynl * temp)
    su = math.atan2(sinu, cosu)
    sin2u = (cosu + cosu) * sinu
    cos2u = 1.0 - 2.0 * sinu * sinu
    temp = 1.0 / pl
    temp1 = 0.5 * j2 * temp
    temp2 = temp1 * temp
    mrt = rl * (1.0 - 1.5 * temp2 * betal * c[C_CON41]) + 0.5 * temp1 * c[C_X1MTH2] * cos2u
    su = su - 0.25 * temp2 * c[C_X7THM1] * sin2u
    xnode = nodep + 1.5 * temp2 * cosip * sin2u
    xinc = xincp + 1.5 * temp2 * cosip * sinip * cos2u
    if mrt < 1.0:
        return np.nan, np.nan, np.nan, 6
    sinsu = math.sin(su)
    cossu = math.cos(su)
    snod = math.sin(xnode)
    cnod = math.cos(xnode)
    sini = math.sin(xinc)
    cosi = math.cos(xinc)
    xmx = -snod * cosi
    xmy = cnod * cosi
    ux = xmx * sinsu + cnod * cossu
    uy = xmy * sinsu + snod * cossu
    uz = sini * sinsu
    mr = mrt * radius_km
    return mr * ux, mr * uy, mr * uz, 0


@jit_parallel
def sgp4_near_earth_batch(coef, t_s, ut1_whole, ut1_frac, xke, j2, radius_km, rotate,
                          out, valid, first_error, k0):
    """Near-Earth SGP4 for every (time, satellite), rotated to ITRS, parallel over time.

    Parameters
    ----------
    coef : (n_sat, N_SGP4_COEF) coefficient table (column C_EPOCH_OFFSET_S holds grid
        start minus element epoch, s)
    t_s : (n_chunk,) seconds since the grid start
    ut1_whole, ut1_frac : (n_chunk,) UT1 Julian date parts (ignored when not rotate)
    xke, j2, radius_km : SGP4 gravity constants (WGS72)
    rotate : bool, TEME -> ITRS by GMST 1982 when True
    out : (n_time, n_sat, 3) written at rows k0.., NaN on error
    valid : (n_time, n_sat) bool
    first_error : (n_sat,) int64, earliest-row error code per satellite (0 if none)
    k0 : first output row
    """
    n_chunk = t_s.shape[0]
    n_sat = coef.shape[0]
    for k in prange(n_chunk):
        c, s = _rotation_cos_sin(rotate, ut1_whole[k], ut1_frac[k])
        row = k0 + k
        for j in range(n_sat):
            tsince = (t_s[k] + coef[j, C_EPOCH_OFFSET_S]) / 60.0
            x, y, z, e = sgp4_near_earth_s(coef[j], tsince, xke, j2, radius_km)
            _store_itrs(out, valid, row, j, e == 0, c, s, x, y, z)
    # first error per satellite in time order (serial pass over invalid rows only)
    for j in prange(n_sat):
        if first_error[j] == 0:
            for k in range(n_chunk):
                if not valid[k0 + k, j]:
                    tsince = (t_s[k] + coef[j, C_EPOCH_OFFSET_S]) / 60.0
                    _x, _y, _z, e = sgp4_near_earth_s(coef[j], tsince, xke, j2, radius_km)
                    first_error[j] = e
                    break


_S3, _S5, _S7, _S9 = -1.0 / 6.0, 1.0 / 120.0, -1.0 / 5040.0, 1.0 / 362880.0
_S11, _S13, _S15 = -1.0 / 39916800.0, 1.0 / 6227020800.0, -1.0 / 1307674368000.0
_C2, _C4, _C6, _C8 = -0.5, 1.0 / 24.0, -1.0 / 720.0, 1.0 / 40320.0
_C10, _C12, _C14, _C16 = -1.0 / 3628800.0, 1.0 / 479001600.0, -1.0 / 87178291200.0, 1.0 / 20922789888000.0


@jit_inline
def _sin_small(x):
    """sin(x) by its Taylor polynomial to x^15 (truncation < 1e-22 for |x| <= 0.35)."""
    x2 = x * x
    return x * (1.0 + x2 * (_S3 + x2 * (_S5 + x2 * (_S7 + x2 * (_S9 + x2 * (
        _S11 + x2 * (_S13 + x2 * _S15)))))))


@jit_inline
def _cos_small(x):
    """cos(x) by its Taylor polynomial to x^16 (truncation < 1e-23 for |x| <= 0.35)."""
    x2 = x * x
    return 1.0 + x2 * (_C2 + x2 * (_C4 + x2 * (_C6 + x2 * (_C8 + x2 * (
        _C10 + x2 * (_C12 + x2 * (_C14 + x2 * _C16)))))))


J2_SMALL_ECC = 0.2
"""Below this eccentricity the recurrence kernel solves Kepler's equation for
delta = E - M with polynomial sin/cos (|delta| <= e / (1 - e) = 0.25)."""


@jit_parallel
def j2_propagate_regular(t0_s, step_s, ut1_whole, ut1_frac, epoch_offset_s, a_km, ecc, inc,
                         raan0, argp0, m0, n_rad_s, j2, r_eq_km, reseed, out, valid, err):
    """Fast J2 secular propagation on a *regular* grid ``t_k = t0_s + k step_s``.

    Same model and output as :func:`j2_propagate`; only the arithmetic differs. The
    angles Omega, omega, M (and u = omega + M for e = 0) are linear in time, so their
    cosines and sines advance by a rotation per step (angle-addition recurrence,
    4 multiplications instead of 2 transcendental calls) and are recomputed exactly
    every ``reseed`` steps, which bounds the rounding drift to ~reseed * 1e-16 rad.
    Eccentric orbits solve Kepler's equation by Newton's method started from a
    second-order Taylor prediction off the previous step (dE/dM = 1 / (1 - e cos E)): for
    e < ``J2_SMALL_ECC`` on delta = E - M with M's cosine/sine from the recurrence and
    polynomial sin/cos of the small delta (no transcendental calls; stop once the
    Newton step is < 1e-6 rad, leaving < 2e-13 rad), otherwise on E directly (stop
    below 1e-8 rad). The Earth rotation enters through
    per-step cos/sin of theta_GMST82 shared by all satellites:
    ``cos W = cos Omega cos theta + sin Omega sin theta`` etc.
    Parallel over satellites.
    """
    n_time = ut1_whole.shape[0]
    n_sat = a_km.shape[0]
    cth = np.empty(n_time)
    sth = np.empty(n_time)
    for k in prange(n_time):
        cth[k], sth[k] = _rotation_cos_sin(True, ut1_whole[k], ut1_frac[k])
    for j in prange(n_sat):
        e = ecc[j]
        a = a_km[j]
        if not (e >= 0.0 and e < 1.0):
            err[j] = ERR_ECCENTRICITY
        elif not (a > 0.0 and n_rad_s[j] > 0.0):
            err[j] = ERR_MEAN_MOTION
        else:
            err[j] = ERR_OK
        if err[j] != ERR_OK:
            for k in range(n_time):
                out[k, j, 0] = np.nan
                out[k, j, 1] = np.nan
                out[k, j, 2] = np.nan
                valid[k, j] = False
            continue
        rd, ad, md = j2_secular_rates(a, e, inc[j], n_rad_s[j], j2, r_eq_km)
        ci = math.cos(inc[j])
        si = math.sin(inc[j])
        beta = math.sqrt(1.0 - e * e)
        dt0 = t0_s + epoch_offset_s[j]
        # per-step rotations
        c_dO = math.cos(rd * step_s)
        s_dO = math.sin(rd * step_s)
        c_dw = math.cos(ad * step_s)
        s_dw = math.sin(ad * step_s)
        c_du = math.cos((ad + md) * step_s)
        s_du = math.sin((ad + md) * step_s)
        c_dm = math.cos(md * step_s)
        s_dm = math.sin(md * step_s)
        small = e < J2_SMALL_ECC
        cO = 1.0
        sO = 0.0
        cw = 1.0
        sw = 0.0
        cu = 1.0
        su = 0.0
        cm = 1.0
        sm = 0.0
        big_e = 0.0
        delta = 0.0
        m_prev = 0.0
        ce_prev = 1.0
        se_prev = 0.0
        decayed = False
        for k in range(n_time):
            dt = dt0 + k * step_s
            m = m0[j] + md * dt
            if k % reseed == 0:
                om = raan0[j] + rd * dt
                w = argp0[j] + ad * dt
                cO = math.cos(om)
                sO = math.sin(om)
                m_mod = m - _TAU * math.floor(m / _TAU)
                if e == 0.0:
                    u = w + m_mod
                    cu = math.cos(u)
                    su = math.sin(u)
                else:
                    cw = math.cos(w)
                    sw = math.sin(w)
                    cm = math.cos(m)
                    sm = math.sin(m)
                    big_e = solve_kepler(m, e) + (m - m_mod)
                    delta = big_e - m
            else:
                t = cO * c_dO - sO * s_dO
                sO = sO * c_dO + cO * s_dO
                cO = t
                if e == 0.0:
                    t = cu * c_du - su * s_du
                    su = su * c_du + cu * s_du
                    cu = t
                else:
                    t = cw * c_dw - sw * s_dw
                    sw = sw * c_dw + cw * s_dw
                    cw = t
                    t = cm * c_dm - sm * s_dm
                    sm = sm * c_dm + cm * s_dm
                    cm = t
                    # second-order Taylor predictor from the previous step:
                    # dE/dM = 1 / q, d2E/dM2 = -e sin E / q^3, q = 1 - e cos E
                    q = 1.0 - e * ce_prev
                    dm = m - m_prev
                    d2 = 0.5 * dm * dm * e * se_prev / (q * q * q)
                    if small:
                        delta = delta + dm * e * ce_prev / q - d2
                    else:
                        big_e = big_e + dm / q - d2
            cW = cO * cth[k] + sO * sth[k]
            sW = sO * cth[k] - cO * sth[k]
            if e == 0.0:
                r = a
                x1 = a * cu
                y1 = a * su
            else:
                se = 0.0
                ce = 1.0
                if small:
                    # Newton on g(delta) = delta - e sin(M + delta) with M's sin/cos known
                    for _ in range(30):
                        sd = _sin_small(delta)
                        cd = _cos_small(delta)
                        se = sm * cd + cm * sd
                        ce = cm * cd - sm * sd
                        d = (delta - e * se) / (1.0 - e * ce)
                        delta -= d
                        # Newton is quadratic: the error left after a step d is
                        # ~ e d^2 / (2 (1 - e)^2) < 2e-13 rad for |d| < 1e-6, e < 0.2
                        if abs(d) < 1e-6:
                            se, ce = se - d * ce, ce + d * se
                            break
                else:
                    for _ in range(30):
                        se = math.sin(big_e)
                        ce = math.cos(big_e)
                        d = (big_e - e * se - m) / (1.0 - e * ce)
                        big_e -= d
                        if abs(d) < 1e-8:  # quadratic convergence: remaining ~ d^2 / (1 - e)
                            se, ce = se - d * ce, ce + d * se
                            break
                ce_prev = ce
                se_prev = se
                r = a * (1.0 - e * ce)
                xp = a * (ce - e)
                yp = a * beta * se
                x1 = xp * cw - yp * sw
                y1 = xp * sw + yp * cw
            m_prev = m
            if r < r_eq_km:
                out[k, j, 0] = np.nan
                out[k, j, 1] = np.nan
                out[k, j, 2] = np.nan
                valid[k, j] = False
                decayed = True
            else:
                out[k, j, 0] = x1 * cW - y1 * ci * sW
                out[k, j, 1] = x1 * sW + y1 * ci * cW
                out[k, j, 2] = y1 * si
                valid[k, j] = True
        if decayed:
            err[j] = ERR_DECAYED
