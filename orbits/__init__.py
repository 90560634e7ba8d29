"""orbits: time grids, WGS84 geodesy, TEME->ITRS frames, SatelliteSet, batch SGP4 and J2
propagation, TLE/OMM I/O for hgv-coverage.

Imports nothing from ``constellation`` or ``hgv_models``.
"""

from .constants import (J2, MU_EARTH_KM3_S2, OMEGA_EARTH_RAD_S, R_EARTH_MEAN_KM, WGS84_A_KM,
                        WGS84_B_KM, WGS84_E2, WGS84_F)
from .frames import FrameError, gmst82_rad, teme_to_itrs
from .geodesy import GeodesyError, ecef_to_geodetic, geodetic_to_ecef, up_vector
from .propagate import (Ephemeris, PropagationError, propagate, propagate_j2,
                        propagate_sgp4)
from .satellites import SatelliteError, SatelliteSet
from .timegrid import TimeGrid, TimeGridError, parse_utc, time_grid
from .tle import OrbitFileError, read_omm, read_orbits, read_tle, write_omm, write_tle

__all__ = [
    "J2", "MU_EARTH_KM3_S2", "OMEGA_EARTH_RAD_S", "R_EARTH_MEAN_KM", "WGS84_A_KM",
    "WGS84_B_KM", "WGS84_E2", "WGS84_F",
    "FrameError", "gmst82_rad", "teme_to_itrs",
    "GeodesyError", "ecef_to_geodetic", "geodetic_to_ecef", "up_vector",
    "Ephemeris", "PropagationError", "propagate", "propagate_j2", "propagate_sgp4",
    "SatelliteError", "SatelliteSet",
    "TimeGrid", "TimeGridError", "parse_utc", "time_grid",
    "OrbitFileError", "read_omm", "read_orbits", "read_tle", "write_omm", "write_tle",
    "diagnostics",
]


def diagnostics() -> dict:
    """Versions of numba/llvmlite/numpy/sgp4/skyfield/astropy and numba's threading layer
    (see :func:`orbits.__main__.diagnostics`)."""
    from .__main__ import diagnostics as _diagnostics

    return _diagnostics()
