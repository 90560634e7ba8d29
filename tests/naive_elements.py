"""Independent reference for constellation.elements: numerical orbit integration.

Cowell integration (scipy ``solve_ivp``, DOP853, rtol 1e-12, atol 1e-9 km) of the
two-body + J2 + J3 + J4 zonal field in SGP4's own WGS72 constants (Hoots & Roehrich,
Spacetrack Report #3; Vallado, *Fundamentals of Astrodynamics*, 4th ed., Eq. 8-34 and the
closed-form zonal accelerations of Sec. 8.7.1), in TEME taken as inertial (its precession
over a day is ~0.1 arcsec). Drag, third bodies and SRP are off, as in SGP4 with bstar = 0.

The initial state of the integration comes from :func:`coe2rv`, the textbook classical
elements -> position/velocity conversion written out here (perifocal vectors rotated by
``R3(-RAAN) R1(-i) R3(-argp)``, Vallado Algorithm 10 "COE2RV"), not from the project's
``constellation.elements.coe_to_rv``; it reproduces Vallado's Example 2-6 (tests).

Run ``python -m tests.naive_elements`` to print the 1-day accuracy table quoted in
constellation/elements.py.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import solve_ivp

MU_WGS84 = 398600.4418  # EGM96/WGS84 GM (km^3/s^2): the GM osculating elements are defined with
MU = 398600.8          # WGS72 GM, km^3/s^2
RE = 6378.135          # WGS72 equatorial radius, km
J2 = 0.001082616
J3 = -0.00000253881
J4 = -0.00000165597


def _rot1(angle_rad):
    """Rotation matrix R1(angle) about the first axis (passive, Vallado eq. 3-15)."""
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    return [[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]]


def _rot3(angle_rad):
    """Rotation matrix R3(angle) about the third axis (passive, Vallado eq. 3-15)."""
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    return [[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]]


def _matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def _matvec(a, x):
    return [sum(a[i][k] * x[k] for k in range(3)) for i in range(3)]


def coe2rv(p_km, e, i_rad, raan_rad, argp_rad, nu_rad, mu=MU_WGS84):
    """Classical elements -> (r_km, v_km_s) as two 3-lists (Vallado, *Fundamentals of
    Astrodynamics and Applications*, 4th ed., Algorithm 10 "COE2RV").

    Perifocal (PQW) state ``r = [p cos nu, p sin nu, 0] / (1 + e cos nu)``,
    ``v = sqrt(mu / p) [-sin nu, e + cos nu, 0]``, rotated to the reference frame by
    ``R3(-RAAN) R1(-i) R3(-argp)``.  Takes the semi-latus rectum ``p = a (1 - e^2)`` (km).
    """
    r_pqw = [p_km * math.cos(nu_rad) / (1.0 + e * math.cos(nu_rad)),
             p_km * math.sin(nu_rad) / (1.0 + e * math.cos(nu_rad)), 0.0]
    k = math.sqrt(mu / p_km)
    v_pqw = [-k * math.sin(nu_rad), k * (e + math.cos(nu_rad)), 0.0]
    rot = _matmul(_matmul(_rot3(-raan_rad), _rot1(-i_rad)), _rot3(-argp_rad))
    return _matvec(rot, r_pqw), _matvec(rot, v_pqw)


def zonal_accel(r):
    x, y, z = r
    r2 = x * x + y * y + z * z
    rn = math.sqrt(r2)
    z2 = z * z / r2
    a = -MU / (r2 * rn) * np.asarray(r)
    c2 = -1.5 * J2 * MU * RE ** 2 / rn ** 5
    a = a + c2 * np.array([x * (1 - 5 * z2), y * (1 - 5 * z2), z * (3 - 5 * z2)])
    c3 = -2.5 * J3 * MU * RE ** 3 / rn ** 7
    a = a + c3 * np.array([x * (3 * z - 7 * z ** 3 / r2), y * (3 * z - 7 * z ** 3 / r2),
                           6 * z * z - 7 * z ** 4 / r2 - 0.6 * r2])
    c4 = 1.875 * J4 * MU * RE ** 4 / rn ** 7
    a = a + c4 * np.array([x * (1 - 14 * z2 + 21 * z2 * z2), y * (1 - 14 * z2 + 21 * z2 * z2),
                           z * (5 - 70.0 / 3.0 * z2 + 21 * z2 * z2)])
    return a


def integrate(r0_km, v0_km_s, t_s):
    """State at times ``t_s`` (s, increasing from 0): positions (n, 3) km."""
    def rhs(_t, y):
        return np.r_[y[3:], zonal_accel(y[:3])]
    sol = solve_ivp(rhs, (0.0, float(t_s[-1])), np.r_[r0_km, v0_km_s], method="DOP853",
                    rtol=1e-12, atol=1e-9, t_eval=np.asarray(t_s, dtype=float))
    assert sol.success
    return sol.y[:3].T


def one_day_errors(altitude_km, inclination_deg, eccentricity=0.0, epoch="2026-11-21T00:00:00Z"):
    """(fitted_km, direct_km): SGP4 position error after 1 day vs the integration, for
    osculating elements fitted to SGP4 mean elements and for them taken as mean directly."""
    from constellation.elements import satellites_from_elements
    el = {"altitude_km": altitude_km, "eccentricity": eccentricity,
          "inclination_deg": inclination_deg, "raan_deg": 40.0, "arg_perigee_deg": 30.0,
          "true_anomaly_deg": 20.0}
    a = 6378.137 + altitude_km
    r0, v0 = coe2rv(a * (1.0 - eccentricity ** 2), eccentricity, math.radians(inclination_deg),
                    math.radians(40.0), math.radians(30.0), math.radians(20.0))
    ref = integrate(r0, v0, [0.0, 86400.0])[-1]
    out = []
    for kind in ("osculating", "mean"):
        sat = satellites_from_elements([el], epoch, element_type=kind).satrecs[0]
        e, r, _ = sat.sgp4_tsince(1440.0)
        assert e == 0
        out.append(float(np.linalg.norm(np.subtract(r, ref))))
    return tuple(out)


if __name__ == "__main__":
    print("altitude_km inclination_deg  fitted_error_km  as_mean_error_km  (after 1 day)")
    for alt in (500.0, 800.0, 1200.0):
        for inc in (0.0, 53.0, 97.0):
            f, d = one_day_errors(alt, inc)
            print(f"{alt:11.0f} {inc:15.1f} {f:16.3f} {d:17.1f}")
