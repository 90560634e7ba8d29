"""Physical and geodetic constants used by :mod:`orbits` (km, s, rad).

Sources
-------
- WGS84 ellipsoid: NIMA TR8350.2, *Department of Defense World Geodetic System 1984*,
  3rd ed. (2000), Table 3.1: a = 6378.137 km, 1/f = 298.257223563.
- ``MU_EARTH_KM3_S2`` and ``J2``: EGM96 / WGS84 values (GM = 398600.4418 km^3/s^2,
  unnormalised J2 = 1.08262668e-3; Vallado, *Fundamentals of Astrodynamics and
  Applications*, 4th ed., Table D-1 / D-2).
- ``OMEGA_EARTH_RAD_S``: WGS84 nominal mean angular velocity of the Earth (7.292115e-5 rad/s).
- ``R_EARTH_MEAN_KM``: IUGG mean radius R1 = (2a + b)/3 of WGS84 (Moritz, *Geodetic Reference
  System 1980*, J. Geodesy 74, 2000).
- ``WGS72_*``: the constants SGP4 is defined with (Hoots & Roehrich, Spacetrack Report #3,
  1980; Vallado et al., "Revisiting Spacetrack Report #3", AIAA 2006-6753). TLE mean
  elements are only meaningful together with these, so :meth:`SatelliteSet.from_elements`
  converts a semi-major axis to mean motion with them.
"""

from __future__ import annotations

import math

WGS84_A_KM: float = 6378.137
"""WGS84 equatorial radius (km)."""
WGS84_F: float = 1.0 / 298.257223563
"""WGS84 flattening (dimensionless)."""
WGS84_B_KM: float = WGS84_A_KM * (1.0 - WGS84_F)
"""WGS84 polar radius (km), b = a (1 - f) = 6356.752314245 km."""
WGS84_E2: float = WGS84_F * (2.0 - WGS84_F)
"""WGS84 first eccentricity squared, e^2 = f (2 - f)."""

MU_EARTH_KM3_S2: float = 398600.4418
"""Earth's gravitational parameter GM (km^3/s^2), EGM96/WGS84."""
J2: float = 1.08262668e-3
"""Unnormalised second zonal harmonic of the geopotential (EGM96)."""
OMEGA_EARTH_RAD_S: float = 7.292115e-5
"""WGS84 nominal mean angular velocity of the Earth (rad/s)."""
R_EARTH_MEAN_KM: float = 6371.0088
"""IUGG mean Earth radius R1 = (2a + b)/3 (km)."""

# SGP4's own gravity model (WGS72), AIAA 2006-6753 "getgravconst('wgs72')".
WGS72_MU_KM3_S2: float = 398600.8
"""WGS72 GM used by SGP4 (km^3/s^2)."""
WGS72_A_KM: float = 6378.135
"""WGS72 equatorial radius used by SGP4 (km)."""
WGS72_J2: float = 0.001082616
"""WGS72 J2 used by SGP4."""
WGS72_XKE_PER_MIN: float = 60.0 / math.sqrt(WGS72_A_KM**3 / WGS72_MU_KM3_S2)
"""SGP4's ``xke`` = sqrt(GM / a^3) in 1/min (Earth radii units)."""

SECONDS_PER_DAY: float = 86400.0
MINUTES_PER_DAY: float = 1440.0
JD_J2000: float = 2451545.0
"""Julian date of J2000.0 (TT), 2000-01-01 12:00."""
