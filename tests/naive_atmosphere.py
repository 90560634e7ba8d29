"""Slow, obvious oracles for hgv_models' atmosphere and signature kernels.

Pure Python, no numba, written independently of the kernels:

* :func:`naive_us1976_lower` integrates the standard's layer equations with
  base pressures *derived* layer by layer from 101325 Pa (instead of the
  standard's printed base pressures that the kernel stores), walking the
  layers in an explicit loop, and uses the specific gas constant form
  ``P = rho (R*/M0) TM``.
* :func:`naive_planck_band_radiance` integrates Planck's law with a plain
  composite Simpson rule on a uniform wavelength grid.
"""

from __future__ import annotations

import math

R_STAR = 8314.32        # J/(kmol K), U.S. Standard Atmosphere 1976
M0 = 28.9644            # kg/kmol
G0 = 9.80665            # m/s^2
R0_M = 6356766.0        # m
LAYERS = [  # (base geopotential m', lapse K/m')
    (0.0, -0.0065), (11000.0, 0.0), (20000.0, 0.0010), (32000.0, 0.0028),
    (47000.0, 0.0), (51000.0, -0.0028), (71000.0, -0.0020), (84852.0, None),
]
MRATIO_80_86 = [1.000000, 0.999996, 0.999989, 0.999971, 0.999941, 0.999909,
                0.999870, 0.999829, 0.999786, 0.999741, 0.999694, 0.999641,
                0.999579]


def naive_us1976_lower(altitude_km):
    """(density kg/m^3, pressure Pa, kinetic temperature K, sound speed m/s).

    Geometric altitude in [-5, 86] km.  Layer walk from sea level.
    """
    z_m = altitude_km * 1000.0
    h = R0_M * z_m / (R0_M + z_m)
    t = 288.15
    p = 101325.0
    for i in range(7):
        hb, lapse = LAYERS[i]
        htop = LAYERS[i + 1][0]
        last = i == 6 or h < htop
        dh = (h if last else htop) - hb
        if lapse == 0.0:
            p = p * math.exp(-G0 * M0 * dh / (R_STAR * t))
        else:
            t_new = t + lapse * dh
            p = p * (t / t_new) ** (G0 * M0 / (R_STAR * lapse))
            t = t_new
        if last:
            break
    rho = p / ((R_STAR / M0) * t)
    a = math.sqrt(1.4 * (R_STAR / M0) * t)
    t_kin = t
    if altitude_km > 80.0:
        x = (altitude_km - 80.0) / 0.5
        k = min(int(x), 11)
        f = x - k
        t_kin = t * (MRATIO_80_86[k] + f * (MRATIO_80_86[k + 1] - MRATIO_80_86[k]))
    return rho, p, t_kin, a


H_PLANCK = 6.62607015e-34
C_LIGHT = 299792458.0
K_BOLTZ = 1.380649e-23


def naive_planck_band_radiance(temperature_k, lo_um, hi_um, n=20000):
    """Band radiance (W m^-2 sr^-1) of a blackbody, Simpson's rule in wavelength."""
    if n % 2:
        n += 1
    a = lo_um * 1e-6
    b = hi_um * 1e-6
    h = (b - a) / n

    def planck(lam):
        return 2.0 * H_PLANCK * C_LIGHT ** 2 / lam ** 5 / (
            math.exp(H_PLANCK * C_LIGHT / (lam * K_BOLTZ * temperature_k)) - 1.0)

    s = planck(a) + planck(b)
    for i in range(1, n):
        s += (4.0 if i % 2 else 2.0) * planck(a + i * h)
    return s * h / 3.0
