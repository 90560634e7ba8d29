"""U.S. Standard Atmosphere, 1976 (public API).

``us1976(altitude_km)`` returns density, pressure, kinetic temperature and
speed of sound for scalar or array geometric altitudes.  The physics, the
tables used above 86 km and the treatment of the speed of sound there are
documented in :mod:`hgv_models._atmosphere_kernels`; numba code should call
``us1976_kernel`` / ``us1976_density_kernel`` from that module directly.

Reference: U.S. Standard Atmosphere, 1976, NOAA-S/T 76-1562 (NOAA, NASA, USAF).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._atmosphere_kernels import (
    Z_MAX_KM,
    Z_MIN_KM,
    us1976_arrays,
    us1976_density_kernel,
    us1976_kernel,
)

__all__ = [
    "AtmosphereRangeError",
    "AtmosphereState",
    "us1976",
    "us1976_kernel",
    "us1976_density_kernel",
    "ALTITUDE_MIN_KM",
    "ALTITUDE_MAX_KM",
]

ALTITUDE_MIN_KM = Z_MIN_KM
ALTITUDE_MAX_KM = Z_MAX_KM


class AtmosphereRangeError(ValueError):
    """An altitude outside the standard's range [-5, 1000] km (or not finite)."""


class AtmosphereState(NamedTuple):
    """Atmospheric state; each field a float or an array of the input's shape.

    Attributes
    ----------
    density_kg_m3 : float or ndarray
        Mass density, kg/m^3.
    pressure_pa : float or ndarray
        Pressure, Pa.
    temperature_k : float or ndarray
        Kinetic temperature, K.
    speed_of_sound_m_s : float or ndarray
        Speed of sound, m/s (above 86 km: ``sqrt(1.4 P / rho)``, see
        :mod:`hgv_models._atmosphere_kernels`).
    """

    density_kg_m3: float | np.ndarray
    pressure_pa: float | np.ndarray
    temperature_k: float | np.ndarray
    speed_of_sound_m_s: float | np.ndarray


def us1976(altitude_km) -> AtmosphereState:
    """U.S. Standard Atmosphere 1976 at geometric altitude(s).

    Parameters
    ----------
    altitude_km : float or array_like, any shape
        Geometric altitude above mean sea level, km, within [-5, 1000].

    Returns
    -------
    AtmosphereState
        Named tuple ``(density_kg_m3, pressure_pa, temperature_k,
        speed_of_sound_m_s)``; Python floats for scalar input, otherwise
        float64 arrays with the input's shape.

    Raises
    ------
    AtmosphereRangeError
        (a ``ValueError``) if any altitude is not finite or lies outside
        [-5, 1000] km; the message names the first offending value.

    Examples
    --------
    >>> round(us1976(0.0).density_kg_m3, 4)
    1.225
    """
    z = np.asarray(altitude_km, dtype=np.float64)
    bad = ~(np.isfinite(z) & (z >= Z_MIN_KM) & (z <= Z_MAX_KM))
    if np.any(bad):
        first = z.reshape(-1)[np.flatnonzero(bad.reshape(-1))[0]]
        raise AtmosphereRangeError(
            f"altitude_km={first!r} is outside the U.S. Standard Atmosphere 1976 "
            f"range: allowed finite values in [{Z_MIN_KM}, {Z_MAX_KM}] km"
        )
    if z.ndim == 0:
        r, p, t, a = us1976_kernel(float(z))
        return AtmosphereState(float(r), float(p), float(t), float(a))
    flat = np.ascontiguousarray(z.reshape(-1))
    r, p, t, a = us1976_arrays(flat)
    shape = z.shape
    return AtmosphereState(r.reshape(shape), p.reshape(shape), t.reshape(shape), a.reshape(shape))
