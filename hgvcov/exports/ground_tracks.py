"""Satellite positions and ground tracks from the run's own propagator.

:func:`satellite_positions` propagates a :class:`orbits.SatelliteSet` to arbitrary offsets
from the scenario start with :func:`orbits.propagate` (the same SGP4 or J2 path, the same
TEME -> ITRS rotation as the coverage engine), so that the ground tracks drawn on the maps
and the satellites of ``scenario.czml`` are exactly the satellites the coverage was computed
for.  :func:`ground_tracks` turns them into sub-satellite points: the geodetic latitude and
longitude of the satellite's ITRS position (:func:`orbits.ecef_to_geodetic`, Vermeille
2004), i.e. the foot of the normal to the WGS84 ellipsoid through the satellite (what
skyfield's ``wgs84.subpoint_of`` returns; tests/test_exports.py compares them).

``coverage.nc`` stores them as ``ground_track_lat_deg`` and ``ground_track_lon_deg``, dims
``(satellite, ground_track_time)``; ``ground_track_time`` is seconds since the scenario start
(CF ``units = "seconds since <start, UTC>"``, so xarray decodes it to UTC date-times on reading).
"""
from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import xarray as xr

from orbits import SatelliteSet, TimeGrid, ecef_to_geodetic, propagate

__all__ = ["GROUND_TRACK_LAT", "GROUND_TRACK_LON", "GROUND_TRACK_TIME", "SATELLITE_DIM",
           "orbit_period_s", "satellite_positions", "ground_tracks"]

#: Variable and dimension names in ``coverage.nc``.
GROUND_TRACK_LAT = "ground_track_lat_deg"
GROUND_TRACK_LON = "ground_track_lon_deg"
GROUND_TRACK_TIME = "ground_track_time"
SATELLITE_DIM = "satellite"

_SECONDS_PER_DAY = 86400.0


def orbit_period_s(sats: SatelliteSet) -> np.ndarray:
    """Nodal-ish period of each satellite from its SGP4 mean motion, ``1 day / n`` (s), (n_sat,).

    ``n`` is the Kozai mean motion of the element set (rev/day), the TLE's line-2 value;
    a period of 1 / n is within ~0.1 % of the anomalistic period for LEO.
    """
    rev_per_day = np.asarray(sats.elements()["mean_motion_rev_per_day"], dtype=np.float64)
    return _SECONDS_PER_DAY / rev_per_day


def satellite_positions(sats: SatelliteSet, start_utc: datetime, seconds,
                        propagator: str = "sgp4") -> tuple[np.ndarray, np.ndarray]:
    """ITRS positions of every satellite at ``start_utc + seconds``.

    Parameters
    ----------
    sats : SatelliteSet
    start_utc : datetime
        The scenario start (tz-aware UTC).
    seconds : array_like (n_time,)
        Offsets from ``start_utc`` (s), ascending.
    propagator : {"sgp4", "j2"}
        The run's propagator (``time.propagator``).

    Returns
    -------
    positions_km : ndarray (n_time, n_sat, 3)
        ITRS / ECEF (km); NaN where the propagator failed (decayed satellite).
    valid : ndarray (n_time, n_sat) bool
    """
    grid = TimeGrid.from_seconds(start_utc, np.asarray(seconds, dtype=np.float64))
    eph = propagate(sats, grid, propagator)
    return eph.positions_km, eph.valid


def ground_track_seconds(start_s: float, duration_s: float, step_s: float) -> np.ndarray:
    """``start_s + k step_s`` for ``k = 0 .. floor(duration_s / step_s)`` (both ends; s)."""
    n = int(math.floor(duration_s / step_s + 1e-9)) + 1
    return start_s + step_s * np.arange(n, dtype=np.float64)


def ground_tracks(sats: SatelliteSet, start_utc: datetime, start_s: float = 0.0,
                  duration_s: float | None = None, step_s: float = 30.0,
                  propagator: str = "sgp4") -> xr.Dataset:
    """Sub-satellite points of every satellite over ``[start_s, start_s + duration_s]``.

    Parameters
    ----------
    sats : SatelliteSet
    start_utc : datetime
        The scenario start; times are offsets from it.
    start_s : float
        First sample (s after ``start_utc``).
    duration_s : float, optional
        Span (s); default one orbit of the slowest satellite (:func:`orbit_period_s`), so
        that every satellite draws its whole ground track once.
    step_s : float
        Sample step (s); 30 s is ~200 km of ground track in LEO, smooth at map scale.
    propagator : {"sgp4", "j2"}

    Returns
    -------
    xarray.Dataset
        ``ground_track_lat_deg``, ``ground_track_lon_deg`` (satellite, ground_track_time):
        geodetic latitude (deg) and longitude (deg, (-180, 180]); NaN where the propagator
        failed.  Coordinates ``satellite`` (names) and ``ground_track_time`` (s since
        ``start_utc``).
    """
    if duration_s is None:
        duration_s = float(np.max(orbit_period_s(sats)))
    seconds = ground_track_seconds(start_s, duration_s, step_s)
    pos_km, valid = satellite_positions(sats, start_utc, seconds, propagator)
    lat, lon, _ = ecef_to_geodetic(pos_km)
    lat = np.where(valid, lat, np.nan).T
    lon = np.where(valid, lon, np.nan).T
    epoch = start_utc.replace(tzinfo=None).isoformat(sep=" ")  # UTC (CF: no zone = UTC)
    dims = (SATELLITE_DIM, GROUND_TRACK_TIME)
    return xr.Dataset(
        {GROUND_TRACK_LAT: (dims, lat, {
            "units": "degrees_north", "standard_name": "latitude",
            "long_name": "geodetic latitude (WGS84) of the sub-satellite point"}),
         GROUND_TRACK_LON: (dims, lon, {
             "units": "degrees_east", "standard_name": "longitude",
             "long_name": "longitude of the sub-satellite point, (-180, 180]"})},
        coords={SATELLITE_DIM: (SATELLITE_DIM, np.asarray(sats.names, dtype=str),
                                {"long_name": "satellite name"}),
                GROUND_TRACK_TIME: (GROUND_TRACK_TIME, seconds, {
                    "units": f"seconds since {epoch}", "standard_name": "time",
                    "long_name": "ground-track sample time",
                    "comment": f"propagated with {propagator}; step {step_s:g} s"})})
