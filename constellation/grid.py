"""Regular geodetic latitude/longitude grid of target points over a region.

Points sit at ``lat0, lat0 + step, ..., lat1`` and ``lon0, lon0 + step, ..., lon1`` (both ends
included, DESIGN.md), at one height ``altitude_km`` above the WGS84 ellipsoid (0 = ground,
20-60 km = HGV glide layer). Longitudes are kept as given and may run past 180 deg to cross
the antimeridian (``[170, 200]``) or start negative (``[-10, 10]``); the span may not exceed
360 deg. Latitudes may reach the poles (all points of a pole row coincide; each still counts as
a grid point, with area weight ``cos(90 deg) = 0``).

Area weights are ``cos(latitude)`` (the area of a regular lat/lon cell is proportional to
``cos(lat)`` to first order in the step), used for region statistics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from orbits.geodesy import geodetic_to_ecef, up_vector

__all__ = ["RegionGrid", "GridError", "region_grid", "axis_values"]

_TOL = 1e-9


class GridError(ValueError):
    """Invalid region/grid parameter (the message names the parameter, value and allowed values)."""


def _pair(name, value):
    try:
        lo, hi = value
        lo = float(lo)
        hi = float(hi)
    except (TypeError, ValueError):
        raise GridError(f"{name}={value!r}: must be two numbers [start, stop] in degrees") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise GridError(f"{name}={value!r}: must be finite")
    if hi < lo:
        raise GridError(f"{name}={value!r}: stop must be >= start (to cross the antimeridian use e.g. [170, 200])")
    return lo, hi


def axis_values(name, lo, hi, step_deg):
    """Values ``lo, lo + step, ..., hi`` (both ends), refusing a span that is not a multiple of the step."""
    span = hi - lo
    n_float = span / step_deg
    n = int(round(n_float))
    if abs(n_float - n) > 1e-6:
        raise GridError(
            f"{name}=[{lo:g}, {hi:g}] with step_deg={step_deg:g}: the span {span:g} deg must be a whole "
            f"number of steps (both ends are grid points)"
        )
    vals = lo + step_deg * np.arange(n + 1, dtype=np.float64)
    vals[-1] = hi
    return vals


@dataclass
class RegionGrid:
    """Regular geodetic grid of target points.

    Attributes
    ----------
    lat_deg : ndarray, shape (n_lat,)
        Geodetic latitudes, ascending (deg).
    lon_deg : ndarray, shape (n_lon,)
        Longitudes, ascending, as given (may exceed 180 deg).
    altitude_km : float
        Height of every point above the WGS84 ellipsoid (km).
    step_deg : float
        Grid spacing (deg); also the longitude step the coverage kernel relies on.
    """

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    altitude_km: float = 0.0
    step_deg: float = field(default=float("nan"))

    def __post_init__(self):
        self.lat_deg = np.ascontiguousarray(self.lat_deg, dtype=np.float64)
        self.lon_deg = np.ascontiguousarray(self.lon_deg, dtype=np.float64)
        if self.lat_deg.ndim != 1 or self.lat_deg.size == 0:
            raise GridError("lat_deg: must be a non-empty 1-D array")
        if self.lon_deg.ndim != 1 or self.lon_deg.size == 0:
            raise GridError("lon_deg: must be a non-empty 1-D array")
        if np.any(~(np.abs(self.lat_deg) <= 90.0)):
            raise GridError(f"lat_deg: values must be within [-90, 90], got {self.lat_deg.min():g}..{self.lat_deg.max():g}")
        if np.any(np.diff(self.lat_deg) <= 0) or np.any(np.diff(self.lon_deg) <= 0):
            raise GridError("lat_deg/lon_deg: must be strictly ascending")
        if self.lon_deg[-1] - self.lon_deg[0] > 360.0 + _TOL:
            raise GridError(f"lon_deg: span {self.lon_deg[-1] - self.lon_deg[0]:g} deg exceeds 360 deg")
        if not math.isfinite(self.step_deg):
            if self.lon_deg.size > 1:
                self.step_deg = float(self.lon_deg[1] - self.lon_deg[0])
            elif self.lat_deg.size > 1:
                self.step_deg = float(self.lat_deg[1] - self.lat_deg[0])
            else:
                self.step_deg = 1.0
        if self.lon_deg.size > 1 and not np.allclose(np.diff(self.lon_deg), self.step_deg, rtol=0, atol=1e-9):
            raise GridError("lon_deg: must be regularly spaced by step_deg (the coverage kernel relies on it)")
        alt = float(self.altitude_km)
        if not (math.isfinite(alt) and 0.0 <= alt <= 2000.0):
            raise GridError(f"altitude_km={self.altitude_km!r}: target altitude must be in [0, 2000] km")
        self.altitude_km = alt

    # -------------------------------------------------------------- sizes
    @property
    def shape(self):
        """``(n_lat, n_lon)``."""
        return (self.lat_deg.size, self.lon_deg.size)

    @property
    def n_point(self):
        """Number of grid points ``n_lat * n_lon``."""
        return self.lat_deg.size * self.lon_deg.size

    # -------------------------------------------------------------- geometry
    @property
    def lat2d_deg(self):
        """Latitude of each point, shape (n_lat, n_lon)."""
        return np.broadcast_to(self.lat_deg[:, None], self.shape)

    @property
    def lon2d_deg(self):
        """Longitude of each point, shape (n_lat, n_lon)."""
        return np.broadcast_to(self.lon_deg[None, :], self.shape)

    @property
    def points_ecef_km(self):
        """ECEF positions (km), shape (n_point, 3), row-major (latitude rows, longitude fastest)."""
        return np.ascontiguousarray(
            geodetic_to_ecef(self.lat2d_deg, self.lon2d_deg, self.altitude_km).reshape(-1, 3)
        )

    @property
    def up(self):
        """Unit WGS84 ellipsoid normals, shape (n_point, 3)."""
        return np.ascontiguousarray(up_vector(self.lat2d_deg, self.lon2d_deg).reshape(-1, 3))

    @property
    def area_weights(self):
        """``cos(lat)`` weight of each point, shape (n_lat, n_lon)."""
        w = np.cos(np.deg2rad(self.lat_deg))
        w = np.where(np.abs(self.lat_deg) >= 90.0, 0.0, w)
        return np.ascontiguousarray(np.broadcast_to(w[:, None], self.shape))

    def row_geometry(self):
        """Geocentric latitude (rad) and geocentric radius (km) of each latitude row.

        Returns
        -------
        geoc_lat_rad, radius_km : ndarray, shape (n_lat,) each
            Identical for every longitude of a row (the geodetic -> ECEF map is symmetric about
            the polar axis). ``geoc_lat_rad`` is ascending.
        """
        xyz = geodetic_to_ecef(self.lat_deg, 0.0, self.altitude_km)
        rho = np.hypot(xyz[:, 0], xyz[:, 1])
        return np.arctan2(xyz[:, 2], rho), np.sqrt(rho**2 + xyz[:, 2] ** 2)

    def max_normal_tilt_rad(self):
        """Largest angle (rad) between the ellipsoid normal and the geocentric radius on the grid."""
        gc, _ = self.row_geometry()
        return float(np.max(np.abs(np.deg2rad(self.lat_deg) - gc)))


def region_grid(lat_range_deg, lon_range_deg, step_deg, altitude_km=0.0) -> RegionGrid:
    """Build the regular grid of a region.

    Parameters
    ----------
    lat_range_deg : (float, float)
        ``[lat0, lat1]`` geodetic latitude bounds (deg, within [-90, 90], lat0 <= lat1).
    lon_range_deg : (float, float)
        ``[lon0, lon1]`` longitude bounds (deg, lon0 <= lon1, span <= 360; e.g. ``[170, 200]``
        crosses the antimeridian).
    step_deg : float
        Grid spacing in both directions (deg, > 0); each span must be a whole number of steps.
    altitude_km : float
        Target height above the ellipsoid (km, [0, 2000]).

    Returns
    -------
    RegionGrid

    Raises
    ------
    GridError
        Naming the parameter, the bad value and what is allowed.
    """
    try:
        step = float(step_deg)
    except (TypeError, ValueError):
        raise GridError(f"step_deg={step_deg!r}: must be a positive number of degrees") from None
    if not (math.isfinite(step) and step > 0.0):
        raise GridError(f"step_deg={step_deg!r}: must be a positive number of degrees")
    lat0, lat1 = _pair("lat_range_deg", lat_range_deg)
    if lat0 < -90.0 or lat1 > 90.0:
        raise GridError(f"lat_range_deg=[{lat0:g}, {lat1:g}]: must be within [-90, 90]")
    lon0, lon1 = _pair("lon_range_deg", lon_range_deg)
    if lon1 - lon0 > 360.0:
        raise GridError(f"lon_range_deg=[{lon0:g}, {lon1:g}]: span must be <= 360 deg")
    if lon0 < -360.0 or lon1 > 720.0:
        raise GridError(f"lon_range_deg=[{lon0:g}, {lon1:g}]: must lie within [-360, 720] deg")
    lat = axis_values("lat_range_deg", lat0, lat1, step)
    lon = axis_values("lon_range_deg", lon0, lon1, step)
    try:
        alt = float(altitude_km)
    except (TypeError, ValueError):
        raise GridError(f"altitude_km={altitude_km!r}: must be a number of km in [0, 2000]") from None
    return RegionGrid(lat_deg=lat, lon_deg=lon, altitude_km=alt, step_deg=step)
