"""numba kernels for the U.S. Standard Atmosphere, 1976 (NOAA-S/T 76-1562).

Everything here is a pure function of float64 scalars or arrays, callable from
other ``@njit`` code; nothing raises.  Altitudes are *geometric* kilometres
above mean sea level.  The validating public API is :mod:`hgv_models.atmosphere`.

Model
-----
Reference: U.S. Standard Atmosphere, 1976, NOAA-S/T 76-1562 (NOAA, NASA, USAF,
Washington D.C., October 1976), hereafter "the standard".

**-5 km to 86 km: the standard's defining layer equations** (its Section 1.2).

* geopotential altitude ``H = r0 Z / (r0 + Z)`` with ``r0 = 6356.766 km``
  (eq. 18);
* molecular-scale temperature ``TM = TM_b + L_b (H - H_b)`` in seven layers
  with base heights ``H_b = 0, 11, 20, 32, 47, 51, 71 km'`` and lapse rates
  ``L_b = -6.5, 0, +1.0, +2.8, 0, -2.8, -2.0 K/km'`` (Table 4, eq. 23);
* pressure (eqs. 33a, 33b)::

      P = P_b [TM_b / (TM_b + L_b (H - H_b))] ** (g0' M0 / (R* L_b))   (L_b != 0)
      P = P_b exp(-g0' M0 (H - H_b) / (R* TM_b))                        (L_b == 0)

  with ``g0' = 9.80665 m^2 s^-2 m'^-1``, ``M0 = 28.9644 kg/kmol``,
  ``R* = 8.31432e3 J/(kmol K)`` and the standard's base pressures
  ``P_b`` (101325, 22632.06, 5474.889, 868.0187, 110.9063, 66.93887, 3.956420 Pa);
* density ``rho = P M0 / (R* TM)`` (eq. 42-1);
* speed of sound ``a = sqrt(gamma R* TM / M0)``, ``gamma = 1.4`` (eq. 50);
* kinetic temperature ``T = TM`` below 80 km; from 80 to 86 km ``T = TM M/M0``
  with the ratio ``M/M0`` of the standard's Table 8 (0.5 km steps, linearly
  interpolated), so that ``T(86 km) = 186.8673 K``.

**86 km to 1000 km: the standard's tables** (its Section 1.3 and Table I).

* Kinetic temperature from the standard's defining temperature-height profile
  (eqs. 25-31), evaluated exactly: isothermal 186.8673 K from 86 to 91 km;
  the elliptical segment ``T = Tc + A sqrt(1 - ((Z - 91)/a)^2)`` with
  ``Tc = 263.1905 K, A = -76.3232 K, a = -19.9429 km`` from 91 to 110 km; a
  linear rise of 12 K/km from 240 K at 110 km to 360 K at 120 km; above 120 km
  ``T = Tinf - (Tinf - T10) exp(-lambda xi)`` with ``Tinf = 1000 K``,
  ``T10 = 360 K``, ``lambda = 0.01875 /km`` and
  ``xi = (Z - 120)(r0 + 120)/(r0 + Z)``.
* Pressure and density from the standard's Table I at the 16 levels 86, 100,
  115, 130, 150, 175, 200, 250, 300, 400, 500, 600, 700, 800, 900, 1000 km
  (the level set used by the Unofficial Australian Standard Atmosphere 2000
  description of USSA1976, sworld.com.au/steven/space/atmosphere).  The 86 km
  level uses the layer-equation values above, so the profile is continuous.
  Between levels we interpolate ``ln P`` and ``ln(rho T)`` *linearly in the
  hydrostatic variable* ``Phi(Z) = integral g(z)/T(z) dz`` (``g = g0 (r0/(r0+z))^2``),
  not in ``Z``.  For a gas of constant mean molecular weight ``M`` the
  hydrostatic equation ``d ln P = -(M/R*) g dz / T`` makes ``ln P`` exactly
  linear in ``Phi``; so the interpolant is exact for the standard's own
  temperature profile and only assumes ``M`` constant between two levels
  (the same "log-interpolation" of the tables, but with the temperature
  profile's curvature taken out).  ``Phi`` is evaluated with 8-point
  Gauss-Legendre quadrature on <= 2 km panels below 120 km and in closed
  form above 120 km (using ``g dz = g(120 km) d xi``).
* **Speed of sound above 86 km.** The standard tabulates none above 86 km
  (the continuum idea fades as the mean free path grows).  We return
  ``a = sqrt(gamma P / rho) = sqrt(gamma R* T / M)`` with the kinetic
  temperature and the *local* mean molecular weight ``M = rho R* T / P``
  implied by the tables, and ``gamma`` held at 1.4.  This is continuous at
  86 km; above about 100 km, where atomic oxygen raises ``gamma`` toward 5/3,
  it understates the true value by up to ~9 %, which only affects Mach
  numbers of a boost phase far above any glide.

Outside ``-5 km <= Z <= 1000 km`` (the standard's range) and for NaN input the
kernel returns NaN in all four fields.  :func:`us1976_density_kernel` is the
drag-friendly variant: zero density above 1000 km (vacuum beyond the
standard's top, where the tabulated density is already 3.6e-15 kg/m^3).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# --- constants of the standard (Table 2 / Section 1.2) ----------------------
G0_M_S2 = 9.80665
M0_KG_KMOL = 28.9644
R_STAR_J_KMOL_K = 8.31432e3
R0_KM = 6356.766
GAMMA = 1.4
# g0' M0 / R* in K per km' (H in km')
GMR_K_KM = G0_M_S2 * M0_KG_KMOL / R_STAR_J_KMOL_K * 1.0e3

Z_MIN_KM = -5.0
Z_MAX_KM = 1000.0
Z_86_KM = 86.0
H_86_KM = R0_KM * Z_86_KM / (R0_KM + Z_86_KM)  # 84.852 km'

# Seven layers, Table 4 of the standard (geopotential km', K, K/km', Pa).
LAYER_H_KM = np.array([0.0, 11.0, 20.0, 32.0, 47.0, 51.0, 71.0])
LAYER_T_K = np.array([288.15, 216.65, 216.65, 228.65, 270.65, 270.65, 214.65])
LAYER_L_K_KM = np.array([-6.5, 0.0, 1.0, 2.8, 0.0, -2.8, -2.0])
LAYER_P_PA = np.array(
    [101325.0, 22632.06, 5474.889, 868.0187, 110.9063, 66.93887, 3.956420]
)

# M/M0 from 80 to 86 km in 0.5 km geometric steps, Table 8 of the standard.
MRATIO_Z0_KM = 80.0
MRATIO_STEP_KM = 0.5
MRATIO = np.array(
    [1.000000, 0.999996, 0.999989, 0.999971, 0.999941, 0.999909, 0.999870,
     0.999829, 0.999786, 0.999741, 0.999694, 0.999641, 0.999579]
)

# Upper-atmosphere temperature profile (Section 1.3, eqs. 25-31).
T7_K = 186.8673
Z8_KM = 91.0
TC_K = 263.1905
A_ELL_K = -76.3232
A_ELL_KM = -19.9429
Z9_KM = 110.0
T9_K = 240.0
L9_K_KM = 12.0
Z10_KM = 120.0
T10_K = 360.0
TINF_K = 1000.0
LAMBDA_PER_KM = 0.01875

# Table I levels above 86 km (geometric km, Pa, kg/m^3).  86 km row replaced
# at import by the layer-equation values (they agree with Table I's 0.37338 Pa
# and 6.958e-6 kg/m^3 to the table's printed digits).
TABLE_Z_KM = np.array(
    [86.0, 100.0, 115.0, 130.0, 150.0, 175.0, 200.0, 250.0, 300.0, 400.0,
     500.0, 600.0, 700.0, 800.0, 900.0, 1000.0]
)
TABLE_P_PA = np.array(
    [3.7338e-1, 3.2011e-2, 4.0096e-3, 1.2505e-3, 4.5422e-4, 1.7936e-4,
     8.4736e-5, 2.4767e-5, 8.7704e-6, 1.4518e-6, 3.0236e-7, 8.2130e-8,
     3.1908e-8, 1.7036e-8, 1.0873e-8, 7.5138e-9]
)
TABLE_RHO_KG_M3 = np.array(
    [6.958e-06, 5.604e-07, 4.289e-08, 8.152e-09, 2.076e-09, 6.339e-10,
     2.541e-10, 6.073e-11, 1.916e-11, 2.803e-12, 5.215e-13, 1.137e-13,
     3.070e-14, 1.136e-14, 5.759e-15, 3.561e-15]
)

# 8-point Gauss-Legendre nodes and weights on [-1, 1].
_GL_X = np.array(
    [-0.9602898564975363, -0.7966664774136267, -0.5255324099163290,
     -0.1834346424956498, 0.1834346424956498, 0.5255324099163290,
     0.7966664774136267, 0.9602898564975363]
)
_GL_W = np.array(
    [0.1012285362903763, 0.2223810344533745, 0.3137066458778873,
     0.3626837833783620, 0.3626837833783620, 0.3137066458778873,
     0.2223810344533745, 0.1012285362903763]
)


@njit(cache=True)
def geopotential_km(altitude_km):
    """Geopotential altitude H (km') of geometric altitude Z (km), eq. 18."""
    return R0_KM * altitude_km / (R0_KM + altitude_km)


@njit(cache=True)
def _lower_tm_p(h_km):
    """Molecular-scale temperature (K) and pressure (Pa) at geopotential h_km.

    Valid for ``H(-5 km) <= h_km <= 84.852 km'``; the first layer extends
    downward (the standard defines it to -5 km).
    """
    b = 0
    for i in range(1, 7):
        if h_km >= LAYER_H_KM[i]:
            b = i
    tb = LAYER_T_K[b]
    lb = LAYER_L_K_KM[b]
    dh = h_km - LAYER_H_KM[b]
    if lb != 0.0:
        tm = tb + lb * dh
        p = LAYER_P_PA[b] * (tb / tm) ** (GMR_K_KM / lb)
    else:
        tm = tb
        p = LAYER_P_PA[b] * math.exp(-GMR_K_KM * dh / tb)
    return tm, p


@njit(cache=True)
def _mratio(altitude_km):
    """M/M0 (Table 8), linear between the 0.5 km entries; 1 below 80 km."""
    if altitude_km <= MRATIO_Z0_KM:
        return 1.0
    x = (altitude_km - MRATIO_Z0_KM) / MRATIO_STEP_KM
    i = int(math.floor(x))
    n = MRATIO.shape[0]
    if i >= n - 1:
        return MRATIO[n - 1]
    f = x - i
    return MRATIO[i] + f * (MRATIO[i + 1] - MRATIO[i])


@njit(cache=True)
def upper_temperature_k(altitude_km):
    """Kinetic temperature (K) of the standard above 86 km (eqs. 25-31)."""
    z = altitude_km
    if z <= Z8_KM:
        return T7_K
    if z <= Z9_KM:
        x = (z - Z8_KM) / A_ELL_KM
        return TC_K + A_ELL_K * math.sqrt(max(0.0, 1.0 - x * x))
    if z <= Z10_KM:
        return T9_K + L9_K_KM * (z - Z9_KM)
    xi = (z - Z10_KM) * (R0_KM + Z10_KM) / (R0_KM + z)
    return TINF_K - (TINF_K - T10_K) * math.exp(-LAMBDA_PER_KM * xi)


@njit(cache=True)
def _g_over_t(z_km):
    r = R0_KM / (R0_KM + z_km)
    return G0_M_S2 * r * r / upper_temperature_k(z_km)


@njit(cache=True)
def _gl_integral(z1, z2):
    """Integral of g/T dz over [z1, z2] (km), <= 2 km Gauss-Legendre panels."""
    if z2 <= z1:
        return 0.0
    n = int(math.ceil((z2 - z1) / 2.0))
    if n < 1:
        n = 1
    width = (z2 - z1) / n
    total = 0.0
    for k in range(n):
        a = z1 + k * width
        half = 0.5 * width
        mid = a + half
        s = 0.0
        for j in range(8):
            s += _GL_W[j] * _g_over_t(mid + half * _GL_X[j])
        total += s * half
    return total


@njit(cache=True)
def _phi_above_120(z_km):
    """Integral of g/T dz from 120 km to z (closed form in xi)."""
    xi = (z_km - Z10_KM) * (R0_KM + Z10_KM) / (R0_KM + z_km)
    r = R0_KM / (R0_KM + Z10_KM)
    g10 = G0_M_S2 * r * r
    amp = TINF_K - T10_K
    inner = xi + math.log((TINF_K - amp * math.exp(-LAMBDA_PER_KM * xi)) / T10_K) / LAMBDA_PER_KM
    return g10 * inner / TINF_K


@njit(cache=True)
def hydrostatic_phi(altitude_km):
    """Phi(Z) = integral from 86 km to Z of g(z)/T(z) dz, in (m s^-2 km)/K.

    ``g = g0 (r0/(r0+z))^2`` and ``T`` the standard's kinetic temperature.
    Isothermal piece 86-91 km in closed form, 91-120 km by Gauss-Legendre,
    above 120 km in closed form.
    """
    z = altitude_km
    if z <= Z_86_KM:
        return 0.0
    # 86-91 km isothermal: integral of g0 r0^2/(r0+z)^2 dz / T7
    z1 = min(z, Z8_KM)
    phi = G0_M_S2 * R0_KM * R0_KM * (1.0 / (R0_KM + Z_86_KM) - 1.0 / (R0_KM + z1)) / T7_K
    if z <= Z8_KM:
        return phi
    z2 = min(z, Z9_KM)
    phi += _gl_integral(Z8_KM, z2)
    if z <= Z9_KM:
        return phi
    z3 = min(z, Z10_KM)
    phi += _gl_integral(Z9_KM, z3)
    if z <= Z10_KM:
        return phi
    return phi + _phi_above_120(z)


def _build_upper_nodes():
    """Table nodes: Phi, ln P, ln(rho T); 86 km row from the layer equations."""
    n = TABLE_Z_KM.shape[0]
    phi = np.empty(n)
    lnp = np.empty(n)
    lnrt = np.empty(n)
    tm86, p86 = _lower_tm_p(H_86_KM)
    rho86 = p86 * M0_KG_KMOL / (R_STAR_J_KMOL_K * tm86)
    for i in range(n):
        z = TABLE_Z_KM[i]
        t = upper_temperature_k(z)
        p = TABLE_P_PA[i]
        rho = TABLE_RHO_KG_M3[i]
        if i == 0:
            p = p86
            rho = rho86
        phi[i] = hydrostatic_phi(z)
        lnp[i] = math.log(p)
        lnrt[i] = math.log(rho * t)
    return phi, lnp, lnrt


UPPER_PHI, UPPER_LNP, UPPER_LNRHOT = _build_upper_nodes()


@njit(cache=True)
def us1976_kernel(altitude_km):
    """U.S. Standard Atmosphere 1976 at one geometric altitude.

    Parameters
    ----------
    altitude_km : float
        Geometric altitude above mean sea level, km.

    Returns
    -------
    density_kg_m3, pressure_pa, temperature_k, speed_of_sound_m_s : float
        All NaN when ``altitude_km`` is NaN or outside [-5, 1000] km.
        ``temperature_k`` is the kinetic temperature.  See the module
        docstring for the equations, tables and the speed of sound above 86 km.
    """
    z = altitude_km
    nan = math.nan
    if not (z >= Z_MIN_KM and z <= Z_MAX_KM):
        return nan, nan, nan, nan
    if z <= Z_86_KM:
        h = R0_KM * z / (R0_KM + z)
        tm, p = _lower_tm_p(h)
        rho = p * M0_KG_KMOL / (R_STAR_J_KMOL_K * tm)
        a = math.sqrt(GAMMA * R_STAR_J_KMOL_K * tm / M0_KG_KMOL)
        t = tm * _mratio(z)
        return rho, p, t, a
    # above 86 km: tables, interpolated linearly in Phi
    n = TABLE_Z_KM.shape[0]
    i = 0
    for k in range(n - 1):
        if z >= TABLE_Z_KM[k]:
            i = k
    phi = hydrostatic_phi(z)
    f = (phi - UPPER_PHI[i]) / (UPPER_PHI[i + 1] - UPPER_PHI[i])
    t = upper_temperature_k(z)
    p = math.exp(UPPER_LNP[i] + f * (UPPER_LNP[i + 1] - UPPER_LNP[i]))
    rho = math.exp(UPPER_LNRHOT[i] + f * (UPPER_LNRHOT[i + 1] - UPPER_LNRHOT[i])) / t
    a = math.sqrt(GAMMA * p / rho)
    return rho, p, t, a


@njit(cache=True)
def us1976_density_kernel(altitude_km):
    """Density (kg/m^3) for drag: as :func:`us1976_kernel`, 0 above 1000 km.

    NaN below -5 km or for NaN input (the caller's impact logic must stop
    before that).
    """
    if altitude_km > Z_MAX_KM:
        return 0.0
    rho, _, _, _ = us1976_kernel(altitude_km)
    return rho


@njit(cache=True)
def us1976_array_kernel(altitude_km, density_kg_m3, pressure_pa, temperature_k,
                        speed_of_sound_m_s):
    """Vectorised :func:`us1976_kernel` over a flat float64 array.

    Parameters
    ----------
    altitude_km : (n,) float64
        Geometric altitudes, km.
    density_kg_m3, pressure_pa, temperature_k, speed_of_sound_m_s : (n,) float64
        Output arrays, filled in place.
    """
    for i in range(altitude_km.shape[0]):
        r, p, t, a = us1976_kernel(altitude_km[i])
        density_kg_m3[i] = r
        pressure_pa[i] = p
        temperature_k[i] = t
        speed_of_sound_m_s[i] = a


@njit(cache=True)
def us1976_arrays(altitude_km):
    """Allocate-and-return variant of :func:`us1976_array_kernel`.

    Returns four (n,) float64 arrays: density, pressure, temperature, sound speed.
    """
    n = altitude_km.shape[0]
    r = np.empty(n)
    p = np.empty(n)
    t = np.empty(n)
    a = np.empty(n)
    us1976_array_kernel(altitude_km, r, p, t, a)
    return r, p, t, a
