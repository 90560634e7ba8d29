"""Slow, obvious pure-Python oracles for the numba kernels of :mod:`orbits`.

Every function here loops element by element with :mod:`math` only, written from the
textbook formulas independently of ``orbits/_kernels.py``; tests assert both agree.
"""

from __future__ import annotations

import math

A = 6378.137
F = 1.0 / 298.257223563
E2 = F * (2.0 - F)


def geodetic_to_ecef(lat_deg, lon_deg, h_km):
    """Textbook WGS84 forward transform of one point -> (x, y, z) km."""
    phi = math.radians(lat_deg)
    lam = math.radians(lon_deg)
    n = A / math.sqrt(1.0 - E2 * math.sin(phi) ** 2)
    return ((n + h_km) * math.cos(phi) * math.cos(lam),
            (n + h_km) * math.cos(phi) * math.sin(lam),
            (n * (1.0 - E2) + h_km) * math.sin(phi))


def ecef_to_geodetic(x, y, z):
    """Fixed-point iteration on latitude (Heiskanen & Moritz 1967 sec. 5-3) -> deg, deg, km.

    ``phi <- atan2(z + e^2 N sin(phi), p)`` until |dphi| < 1e-15 rad, then
    ``h = p / cos(phi) - N`` (or ``z / sin(phi) - N (1 - e^2)`` near the poles).
    """
    p = math.hypot(x, y)
    lam = math.atan2(y, x)
    phi = math.atan2(z, p * (1.0 - E2))
    for _ in range(200):
        n = A / math.sqrt(1.0 - E2 * math.sin(phi) ** 2)
        new = math.atan2(z + E2 * n * math.sin(phi), p)
        if abs(new - phi) < 1e-15:
            phi = new
            break
        phi = new
    n = A / math.sqrt(1.0 - E2 * math.sin(phi) ** 2)
    if abs(phi) < math.radians(45.0):
        h = p / math.cos(phi) - n
    else:
        h = z / math.sin(phi) - n * (1.0 - E2)
    return math.degrees(phi), math.degrees(lam), h


def gmst82(jd_ut1):
    """IAU 1982 GMST (rad) from the seconds polynomial (Aoki et al. 1982), one JD."""
    tu = (jd_ut1 - 2451545.0) / 36525.0
    gmst_s = (67310.54841 + (876600.0 * 3600.0 + 8640184.812866) * tu
              + 0.093104 * tu * tu - 6.2e-6 * tu ** 3)
    return math.radians((gmst_s % 86400.0) / 240.0)


def teme_to_itrs(r_teme, jd_ut1):
    """Rotate one TEME vector (km) by R3(GMST82) -> ITRS (x, y, z) km."""
    th = gmst82(jd_ut1)
    x, y, z = r_teme
    return (math.cos(th) * x + math.sin(th) * y, -math.sin(th) * x + math.cos(th) * y, z)


def kepler_E(m, e):
    """Eccentric anomaly by bisection on E - e sin E - M (monotonic), rad."""
    m = m % (2.0 * math.pi)
    lo, hi = 0.0, 2.0 * math.pi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid - e * math.sin(mid) - m > 0.0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def j2_position_inertial(a, e, i, raan0, argp0, m0, n, dt, j2, re):
    """Secular-J2 position (km) in the element frame after dt seconds.

    Rates from Vallado (4th ed.) eqs. 9-41, 9-42 and the anomalistic mean motion
    n [1 + 3/2 J2 (R/p)^2 sqrt(1-e^2) (1 - 3/2 sin^2 i)]; the position by the classical
    3-1-3 rotation R3(-Omega) R1(-i) R3(-omega) of the perifocal vector.
    """
    p = a * (1 - e * e)
    raan = raan0 - 1.5 * n * j2 * (re / p) ** 2 * math.cos(i) * dt
    argp = argp0 + 0.75 * n * j2 * (re / p) ** 2 * (4 - 5 * math.sin(i) ** 2) * dt
    m = m0 + n * (1 + 1.5 * j2 * (re / p) ** 2 * math.sqrt(1 - e * e)
                  * (1 - 1.5 * math.sin(i) ** 2)) * dt
    E = kepler_E(m, e)
    xp = a * (math.cos(E) - e)
    yp = a * math.sqrt(1 - e * e) * math.sin(E)
    co, so = math.cos(argp), math.sin(argp)
    cO, sO = math.cos(raan), math.sin(raan)
    ci, si = math.cos(i), math.sin(i)
    # perifocal -> inertial
    x1, y1 = co * xp - so * yp, so * xp + co * yp
    x2, y2, z2 = x1, ci * y1, si * y1
    return (cO * x2 - sO * y2, sO * x2 + cO * y2, z2)
