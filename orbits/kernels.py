"""Public numba building blocks of :mod:`orbits` for other packages' kernels.

The compiled functions below may be called from another package's ``@njit`` code (or from
Python); they take plain float64 scalars/arrays (km, rad, Julian dates split in a whole and a
fractional part) and never raise. They are defined in the private :mod:`orbits._kernels`;
this module is the supported way to reach them.
"""

from __future__ import annotations

from ._kernels import (
    ecef_to_geodetic_s,
    geodetic_to_ecef_s,
    gmst82,
    sgp4_near_earth_s,
    teme_to_itrs_kernel,
    up_vector_s,
)

__all__ = ["gmst82", "sgp4_near_earth_s", "teme_to_itrs_kernel", "geodetic_to_ecef_s", "ecef_to_geodetic_s", "up_vector_s"]
