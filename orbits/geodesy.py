"""WGS84 geodetic <-> Earth-fixed (ITRS/ECEF) Cartesian coordinates, vectorised.

Equations
---------
Forward (exact), with prime-vertical radius ``N = a / sqrt(1 - e^2 sin^2 phi)``::

    x = (N + h) cos(phi) cos(lam)
    y = (N + h) cos(phi) sin(lam)
    z = (N (1 - e^2) + h) sin(phi)

Inverse: the exact closed form of H. Vermeille, "Computing geodetic coordinates from
geocentric coordinates", J. Geodesy 78 (2004) 94-95 (valid everywhere outside the
evolute of the ellipsoid, i.e. farther than ~43 km from the Earth's centre, which covers
every target and satellite this tool handles).

``phi`` is geodetic latitude, ``lam`` longitude (east positive, returned in
(-180, 180]), ``h`` height above the WGS84 ellipsoid (NIMA TR8350.2). The numba twins
(``_kernels.geodetic_to_ecef_s`` / ``ecef_to_geodetic_s``) implement the same formulas
for use inside compiled loops; tests assert both agree with each other and with
skyfield's ``wgs84`` to < 1 mm.
"""

from __future__ import annotations

import numpy as np

from .constants import WGS84_A_KM, WGS84_E2

__all__ = ["geodetic_to_ecef", "ecef_to_geodetic", "up_vector", "GeodesyError"]


class GeodesyError(ValueError):
    """Invalid geodetic input (message names the parameter and allowed range)."""


def _check_lat(lat_deg):
    lat = np.asarray(lat_deg, dtype=np.float64)
    bad = ~(np.abs(lat) <= 90.0)
    if np.any(bad):
        v = lat[bad].flat[0] if lat.ndim else float(lat)
        raise GeodesyError(f"lat_deg={v!r}: geodetic latitude must be finite and within [-90, 90]")
    return lat


def geodetic_to_ecef(lat_deg, lon_deg, altitude_km):
    """WGS84 geodetic coordinates to Earth-fixed Cartesian position.

    Parameters
    ----------
    lat_deg, lon_deg, altitude_km : array_like
        Geodetic latitude (deg, [-90, 90]), longitude (deg, any real) and height above
        the ellipsoid (km). Broadcast against each other to shape ``S``.

    Returns
    -------
    ndarray, shape S + (3,)
        ITRS/ECEF position (km).
    """
    lat = np.deg2rad(_check_lat(lat_deg))
    lon = np.deg2rad(np.asarray(lon_deg, dtype=np.float64))
    h = np.asarray(altitude_km, dtype=np.float64)
    lat, lon, h = np.broadcast_arrays(lat, lon, h)
    sphi = np.sin(lat)
    cphi = np.cos(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sphi * sphi)
    out = np.empty(lat.shape + (3,), dtype=np.float64)
    out[..., 0] = (n + h) * cphi * np.cos(lon)
    out[..., 1] = (n + h) * cphi * np.sin(lon)
    out[..., 2] = (n * (1.0 - WGS84_E2) + h) * sphi
    return out


def ecef_to_geodetic(xyz_km):
    """Earth-fixed Cartesian position to WGS84 geodetic coordinates (Vermeille 2004).

    Parameters
    ----------
    xyz_km : array_like, shape S + (3,)
        ITRS/ECEF position (km); farther than ~43 km from the geocentre.

    Returns
    -------
    lat_deg, lon_deg, altitude_km : ndarray, shape S each
        Geodetic latitude (deg), longitude (deg, (-180, 180]) and ellipsoidal height (km).
    """
    xyz = np.asarray(xyz_km, dtype=np.float64)
    if xyz.shape[-1:] != (3,):
        raise GeodesyError(f"xyz_km: last axis must have length 3, got shape {xyz.shape}")
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    a = WGS84_A_KM
    e2 = WGS84_E2
    e4 = e2 * e2
    rho2 = x * x + y * y
    rho = np.sqrt(rho2)
    p = rho2 / (a * a)
    q = (1.0 - e2) / (a * a) * z * z
    r = (p + q - e4) / 6.0
    s = e4 * p * q / (4.0 * r * r * r)
    t = np.cbrt(1.0 + s + np.sqrt(s * (2.0 + s)))
    u = r * (1.0 + t + 1.0 / t)
    v = np.sqrt(u * u + e4 * q)
    w = e2 * (u + v - q) / (2.0 * v)
    k = np.sqrt(u + v + w * w) - w
    d = k * rho / (k + e2)
    dz = np.sqrt(d * d + z * z)
    lat = 2.0 * np.arctan2(z, d + dz)
    h = (k + e2 - 1.0) / k * dz
    lon = np.arctan2(y, x)
    return np.rad2deg(lat), np.rad2deg(lon), h


def up_vector(lat_deg, lon_deg):
    """Unit outward normal to the WGS84 ellipsoid (local geodetic zenith).

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Geodetic latitude and longitude (deg), broadcast to shape ``S``.

    Returns
    -------
    ndarray, shape S + (3,)
        ``(cos phi cos lam, cos phi sin lam, sin phi)`` in ITRS axes (dimensionless).
    """
    lat = np.deg2rad(_check_lat(lat_deg))
    lon = np.deg2rad(np.asarray(lon_deg, dtype=np.float64))
    lat, lon = np.broadcast_arrays(lat, lon)
    out = np.empty(lat.shape + (3,), dtype=np.float64)
    c = np.cos(lat)
    out[..., 0] = c * np.cos(lon)
    out[..., 1] = c * np.sin(lon)
    out[..., 2] = np.sin(lat)
    return out
