"""numba kernels for the HGV infrared signature (see :mod:`hgv_models.signature`).

Pure functions of float64 scalars/arrays; nothing raises (NaN on bad input).

Equations
---------
* Sutton-Graves stagnation-point convective heating (Sutton & Graves 1971,
  NASA TR R-376)::

      q_s = k sqrt(rho / R_n) V^3,   k = 1.7415e-4 kg^0.5 m^-1 (Earth air)

  ``q_s`` in W/m^2, ``rho`` kg/m^3, ``R_n`` m, ``V`` m/s.
* Radiative equilibrium wall: ``eps sigma T^4 = q`` (conduction into the
  structure and re-radiation from the gas neglected).
* Planck band radiance (W m^-2 sr^-1) of a blackbody between wavelengths
  ``lam1 < lam2``::

      L = (2 k^4 T^4 / (h^3 c^2)) [G(x2) - G(x1)],  x = h c / (lam k T),
      G(x) = integral_x^inf t^3/(e^t - 1) dt
           = sum_n e^{-n x} (x^3/n + 3 x^2/n^2 + 6 x/n^3 + 6/n^4)

  (the exact series of Widger & Woodall 1976, Bull. Amer. Meteor. Soc. 57,
  1217), summed until the terms fall below 1e-17 of the sum; for
  ``x < 1e-3`` we use ``G(x) = pi^4/15 - (x^3/3 - x^4/8 + x^5/60)``.
  ``G(0) = pi^4/15`` gives Stefan-Boltzmann, ``sigma T^4 / pi``.
"""

from __future__ import annotations

import math

import numpy as np

from ._atmosphere_kernels import us1976_density_kernel
from ._jit import jit

SUTTON_GRAVES_K_EARTH = 1.7415e-4  # kg^0.5 / m, Sutton & Graves (1971)
STEFAN_BOLTZMANN_W_M2_K4 = (2.0 * math.pi ** 5 * 1.380649e-23 ** 4
                            / (15.0 * 6.62607015e-34 ** 3 * 299792458.0 ** 2))  # 5.670374419e-8
PLANCK_J_S = 6.62607015e-34  # exact (SI 2019)
SPEED_OF_LIGHT_M_S = 299792458.0  # exact
BOLTZMANN_J_K = 1.380649e-23  # exact (SI 2019)
PI4_OVER_15 = math.pi ** 4 / 15.0


@jit
def planck_tail_integral(x):
    """G(x) = integral from x to infinity of t^3 / (e^t - 1) dt (x >= 0)."""
    if not (x >= 0.0):
        return math.nan
    if x < 1.0e-3:
        return PI4_OVER_15 - (x ** 3 / 3.0 - x ** 4 / 8.0 + x ** 5 / 60.0)
    total = 0.0
    x2 = x * x
    x3 = x2 * x
    for n in range(1, 100000):
        fn = float(n)
        term = math.exp(-fn * x) * (x3 / fn + 3.0 * x2 / fn ** 2 + 6.0 * x / fn ** 3
                                    + 6.0 / fn ** 4)
        total += term
        if term < 1.0e-17 * total:
            break
    return total


@jit
def planck_band_radiance_kernel(temperature_k, lo_um, hi_um):
    """Blackbody radiance (W m^-2 sr^-1) between lo_um and hi_um (micrometres).

    ``hi_um`` may be ``inf`` (integral to infinite wavelength).  Returns 0 for
    ``temperature_k <= 0`` and NaN for NaN input.
    """
    if not (temperature_k == temperature_k):
        return math.nan
    if temperature_k <= 0.0:
        return 0.0
    c2 = PLANCK_J_S * SPEED_OF_LIGHT_M_S / (BOLTZMANN_J_K * temperature_k)  # m
    x1 = c2 / (lo_um * 1.0e-6)
    x2 = 0.0 if math.isinf(hi_um) else c2 / (hi_um * 1.0e-6)
    scale = (2.0 * BOLTZMANN_J_K ** 4 * temperature_k ** 4
             / (PLANCK_J_S ** 3 * SPEED_OF_LIGHT_M_S ** 2))
    return scale * (planck_tail_integral(x2) - planck_tail_integral(x1))


@jit
def sutton_graves_w_m2(density_kg_m3, speed_m_s, nose_radius_m):
    """Stagnation-point convective heat flux (W/m^2), Sutton-Graves."""
    return SUTTON_GRAVES_K_EARTH * math.sqrt(density_kg_m3 / nose_radius_m) * speed_m_s ** 3


@jit
def radiative_equilibrium_k(heat_flux_w_m2, emissivity):
    """Wall temperature (K) with eps sigma T^4 = q."""
    if heat_flux_w_m2 <= 0.0:
        return 0.0
    return (heat_flux_w_m2 / (emissivity * STEFAN_BOLTZMANN_W_M2_K4)) ** 0.25


@jit
def signature_kernel(altitude_km, speed_km_s, lo_um, hi_um, emissivity, nose_radius_m,
                     nose_area_m2, hot_area_m2, body_heating_fraction, out):
    """Vectorised IR signature along a path.

    Parameters
    ----------
    altitude_km, speed_km_s : (n,) float64
        Geometric altitude (km) and air-relative speed (km/s).
    lo_um, hi_um : float
        Band edges, micrometres.
    emissivity, nose_radius_m, nose_area_m2, hot_area_m2, body_heating_fraction : float
        See :func:`hgv_models.signature.in_band_intensity_w_sr`.
    out : (n, 5) float64
        Filled with columns: stagnation heat flux W/m^2, stagnation temperature K,
        body temperature K, in-band intensity W/sr, and the body's share of it.
    """
    n = altitude_km.shape[0]
    for i in range(n):
        rho = us1976_density_kernel(altitude_km[i])
        v = speed_km_s[i] * 1.0e3
        if not (rho == rho and v == v) or v < 0.0:
            for j in range(5):
                out[i, j] = math.nan
            continue
        q = sutton_graves_w_m2(rho, v, nose_radius_m)
        t_stag = radiative_equilibrium_k(q, emissivity)
        t_body = radiative_equilibrium_k(body_heating_fraction * q, emissivity)
        l_nose = planck_band_radiance_kernel(t_stag, lo_um, hi_um)
        l_body = planck_band_radiance_kernel(t_body, lo_um, hi_um)
        i_body = emissivity * l_body * hot_area_m2
        out[i, 0] = q
        out[i, 1] = t_stag
        out[i, 2] = t_body
        out[i, 3] = emissivity * l_nose * nose_area_m2 + i_body
        out[i, 4] = i_body


@jit
def planck_band_radiance_array(temperature_k, lo_um, hi_um):
    """:func:`planck_band_radiance_kernel` over a flat (n,) array."""
    out = np.empty(temperature_k.shape[0])
    for i in range(temperature_k.shape[0]):
        out[i] = planck_band_radiance_kernel(temperature_k[i], lo_um, hi_um)
    return out
