"""numba kernels for the U.S. Standard Atmosphere, 1976 (NOAA-S/T 76-1562).

Everything here is a pure function of float64 scalars or arrays, callable from
other ``@njit`` code; nothing raises.  Altitudes are *geometric* kilometres
above mean sea level.  The validating public API is :mod:`hgv_models.atmosphere`.

Model
-----
Reference: U.S. Standard Atmosphere, 1976, NOAA-S/T 76-1562 (NOAA, NASA, USAF,
Washington D.C., October 1976), hereafter "the standard".

**-5 km to 86 km: the standard's defining layer equations** (its Section 1.2).

* geopotential altitude ``H = r0 Z / (r0 + Z)`` with ``r0 = 6356.766 km``;
* molecular-scale temperature ``TM = TM_b + L_b (H - H_b)`` in seven layers
  with base heights ``H_b = 0, 11, 20, 32, 47, 51, 71 km'`` and lapse rates
  ``L_b = -6.5, 0, +1.0, +2.8, 0, -2.8, -2.0 K/km'`` (Table 4);
* pressure (hydrostatic integration within each layer)::

      P = P_b [TM_b / (TM_b + L_b (H - H_b))] ** (g0' M0 / (R* L_b))   (L_b != 0)
      P = P_b exp(-g0' M0 (H - H_b) / (R* TM_b))                        (L_b == 0)

  with ``g0' = 9.80665 m^2 s^-2 m'^-1``, ``M0 = 28.9644 kg/kmol``,
  ``R* = 8.31432e3 J/(kmol K)`` and the standard's base pressures
  ``P_b`` (101325, 22632.06, 5474.889, 868.0187, 110.9063, 66.93887, 3.956420 Pa);
* density ``rho = P M0 / (R* TM)``;
* speed of sound ``a = sqrt(gamma R* TM / M0)``, ``gamma = 1.4``;
* kinetic temperature ``T = TM`` below 80 km; from 80 to 86 km ``T = TM M/M0``
  with the ratio ``M/M0`` of the standard's Table 8 (0.5 km steps, linearly
  interpolated), so that ``T(86 km) = 186.8673 K``.

**86 km to 1000 km: the standard's tables** (its Section 1.3 and Table I).

* Kinetic temperature from the standard's defining temperature-height profile
  (Section 1.3), evaluated exactly: isothermal 186.8673 K from 86 to 91 km;
  the elliptical segment ``T = Tc + A sqrt(1 - ((Z - 91)/a)^2)`` with
  ``Tc = 263.1905 K, A = -76.3232 K, a = -19.9429 km`` from 91 to 110 km; a
  linear rise of 12 K/km from 240 K at 110 km to 360 K at 120 km; above 120 km
  ``T = Tinf - (Tinf - T10) exp(-lambda xi)`` with ``Tinf = 1000 K``,
  ``T10 = 360 K``, ``lambda = 0.01875 /km`` and
  ``xi = (Z - 120)(r0 + 120)/(r0 + Z)``.
* Pressure ``P`` and mean molecular weight ``M`` from the standard's Table I
  at 88 tabulated levels (86, 87, ..., 91, 93, ..., 99, 100, 101, 103, ...,
  109, 110, 111, ..., 120, 125, ..., 150, 160, ..., 500, 525, ..., 1000 km);
  density
  ``rho = P M / (R* T)``.  Between two levels ``ln P`` is a cubic
  Hermite polynomial in the hydrostatic variable
  ``Phi(Z) = integral from 86 km of g(z)/T(z) dz`` (``g = g0 (r0/(r0+z))^2``),
  with three-point finite-difference slopes of the tabulated ``ln P`` in
  ``Phi``; ``M`` is linear in ``Z`` between levels.  In hydrostatic balance
  ``d ln P / d Phi = -M / R*``, so with constant ``M`` and any temperature
  profile ``ln P`` is exactly linear in ``Phi``: this log-interpolation of the
  table takes the standard's own temperature profile out of the curvature
  and the cubic handles the slowly varying ``M``.  Leaving a level out and
  interpolating across the gap reproduces it to < 0.1 % (tests; the 99-101 km
  levels excepted), where ``ln P`` linear in ``Phi`` errs by up to 1 % (at
  500-700 km).  The 100 km row (P = 3.2011e-2 Pa; M = 28.40 from that row's
  rho = 5.604e-7 kg/m^3 and T = 195.08 K) is added to the 87 levels because
  the table's pressure gradient changes sharply there (the standard's N2
  profile changes from its mixed to its diffusive form at 100 km).
  ``Phi`` is evaluated with 8-point Gauss-Legendre quadrature on <= 2 km
  panels from 91 to 120 km and in closed form elsewhere (isothermal 86-91 km;
  above 120 km with ``g dz = g(120 km) d xi``).
* **Speed of sound above 86 km.** The standard tabulates none above 86 km
  (the continuum idea fades as the mean free path grows).  We return
  ``a = sqrt(gamma R* T / M)`` with the kinetic temperature ``T`` and the
  local, tabulated mean molecular weight ``M`` (equivalently
  ``sqrt(gamma P / rho)``), ``gamma`` held at 1.4.  This is continuous at
  86 km; where the gas becomes mostly atomic (O, He, H: ``gamma`` -> 5/3,
  above a few hundred km) it understates the ideal-gas value by up to
  sqrt((5/3)/1.4) - 1 = 9 %.  That only touches Mach numbers of a boost phase
  far above any glide.

Outside ``-5 km <= Z <= 1000 km`` (the standard's range) and for NaN input the
kernel returns NaN in all four fields.  :func:`us1976_density_kernel` is the
drag-friendly variant: zero density above 1000 km (vacuum beyond the
standard's top, where the tabulated density is already 3.6e-15 kg/m^3).
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import jit

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

# Table I of the standard above 86 km: geometric altitude (km), pressure (Pa)
# and mean molecular weight M (kg/kmol) at 88 of its tabulated levels (86-1000 km).
# Transcription cross-checked against the copy in NASA JSC's Trick/CML
# std_atmos_1976 model (which cites NASA N77-16482 = NOAA-S/T 76-1562); the
# densities rho = P M / (R* T) reproduce the standard's printed density column
# to its 4 significant figures (tests/test_atmosphere.py).
TABLE_Z_KM = np.array([
    86.0, 87.0, 88.0, 89.0, 90.0, 91.0, 93.0, 95.0, 97.0, 99.0, 100.0,
    101.0, 103.0, 105.0, 107.0, 109.0, 110.0, 111.0, 112.0, 113.0, 114.0,
    115.0, 116.0, 117.0, 118.0, 119.0, 120.0, 125.0, 130.0, 135.0, 140.0,
    145.0, 150.0, 160.0, 170.0, 180.0, 190.0, 200.0, 210.0, 220.0, 230.0,
    240.0, 250.0, 260.0, 270.0, 280.0, 290.0, 300.0, 310.0, 320.0, 330.0,
    340.0, 350.0, 360.0, 370.0, 380.0, 390.0, 400.0, 410.0, 420.0, 430.0,
    440.0, 450.0, 460.0, 470.0, 480.0, 490.0, 500.0, 525.0, 550.0, 575.0,
    600.0, 625.0, 650.0, 675.0, 700.0, 725.0, 750.0, 775.0, 800.0, 825.0,
    850.0, 875.0, 900.0, 925.0, 950.0, 975.0, 1000.0,
])
TABLE_P_PA = np.array([
    3.7338E-01, 3.1259E-01, 2.6173E-01, 2.1919E-01, 1.8359E-01, 1.5381E-01,
    1.0801E-01, 7.5966E-02, 5.3571E-02, 3.7948E-02, 3.2011E-02, 2.7192E-02, 1.9742E-02,
    1.4477E-02, 1.0751E-02, 8.1142E-03, 7.1042E-03, 6.2614E-03, 5.5547E-03,
    4.9570E-03, 4.4473E-03, 4.0096E-03, 3.6312E-03, 3.3022E-03, 3.0144E-03,
    2.7615E-03, 2.5382E-03, 1.7354E-03, 1.2505E-03, 9.3568E-04, 7.2028E-04,
    5.6691E-04, 4.5422E-04, 3.0395E-04, 2.1210E-04, 1.5271E-04, 1.1266E-04,
    8.4736E-05, 6.4756E-05, 5.0149E-05, 3.9276E-05, 3.1059E-05, 2.4767E-05,
    1.9894E-05, 1.6083E-05, 1.3076E-05, 1.0683E-05, 8.7704E-06, 7.2285E-06,
    5.9796E-06, 4.9630E-06, 4.1320E-06, 3.4498E-06, 2.8878E-06, 2.4234E-06,
    2.0384E-06, 1.7184E-06, 1.4518E-06, 1.2291E-06, 1.0427E-06, 8.8645E-07,
    7.5517E-07, 6.4468E-07, 5.5155E-07, 4.7292E-07, 4.0642E-07, 3.5011E-07,
    3.0236E-07, 2.1200E-07, 1.5137E-07, 1.1028E-07, 8.2130E-08, 6.2601E-08,
    4.8865E-08, 3.9048E-08, 3.1908E-08, 2.6611E-08, 2.2599E-08, 1.9493E-08,
    1.7036E-08, 1.5051E-08, 1.3415E-08, 1.2043E-08, 1.0873E-08, 9.8635E-09,
    8.9816E-09, 8.2043E-09, 7.5138E-09,
])
TABLE_M_KG_KMOL = np.array([
    28.9522, 28.9500, 28.9400, 28.9300, 28.9100, 28.8900, 28.8200, 28.7300, 28.6200, 28.4800,
    28.4000,
    28.3000, 28.1000, 27.8800, 27.6400, 27.3900, 27.2700, 27.1400, 27.0200, 26.9000, 26.7900,
    26.6800, 26.5800, 26.4800, 26.3800, 26.2900, 26.2000, 25.8000, 25.4400, 25.0900, 24.7500,
    24.4200, 24.1000, 23.4900, 22.9000, 22.3400, 21.8100, 21.3000, 20.8300, 20.3700, 19.9500,
    19.5600, 19.1900, 18.8500, 18.5300, 18.2400, 17.9700, 17.7300, 17.5000, 17.2900, 17.0900,
    16.9100, 16.7400, 16.5700, 16.4200, 16.2700, 16.1300, 15.9800, 15.8400, 15.7000, 15.5500,
    15.4000, 15.2500, 15.0800, 14.9100, 14.7300, 14.5400, 14.3300, 13.7600, 13.0900, 12.3400,
    11.5100, 10.6200, 9.7200, 8.8300, 8.0000, 7.2400, 6.5800, 6.0100, 5.5400, 5.1600,
    4.8500, 4.6000, 4.4000, 4.2500, 4.1200, 4.0200, 3.9400,
])

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


@jit
def geopotential_km(altitude_km):
    """Geopotential altitude H (km') of geometric altitude Z (km), eq. 18."""
    return R0_KM * altitude_km / (R0_KM + altitude_km)


@jit
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


@jit
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


@jit
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


@jit
def _g_over_t(z_km):
    r = R0_KM / (R0_KM + z_km)
    return G0_M_S2 * r * r / upper_temperature_k(z_km)


@jit
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


@jit
def _phi_above_120(z_km):
    """Integral of g/T dz from 120 km to z (closed form in xi)."""
    xi = (z_km - Z10_KM) * (R0_KM + Z10_KM) / (R0_KM + z_km)
    r = R0_KM / (R0_KM + Z10_KM)
    g10 = G0_M_S2 * r * r
    amp = TINF_K - T10_K
    inner = xi + math.log((TINF_K - amp * math.exp(-LAMBDA_PER_KM * xi)) / T10_K) / LAMBDA_PER_KM
    return g10 * inner / TINF_K


@jit
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


def _build_upper_nodes(phi=None):
    """Nodes for the upper interpolation: Phi, ln P and d ln P / d Phi.

    ``phi``: :data:`UPPER_PHI_NODES` (the module uses those); None computes them with
    :func:`hydrostatic_phi` (which compiles it: tests check that both agree bit for bit).

    Slopes are the three-point (non-uniform) finite differences of ln P in
    Phi, one-sided at the ends.  (The standard's tabulated pressure is not
    exactly hydrostatic with its tabulated M between 86 and ~100 km -- its
    atomic-oxygen profile carries flux terms -- so the slopes are taken from
    the table itself, not from -M/R*.)
    """
    n = TABLE_Z_KM.shape[0]
    if phi is None:
        phi = np.empty(n)
        for i in range(n):
            phi[i] = hydrostatic_phi(TABLE_Z_KM[i])
    phi = np.array(phi, dtype=np.float64)
    lnp = np.log(TABLE_P_PA)
    slope = np.empty(n)
    for i in range(1, n - 1):
        h0 = phi[i] - phi[i - 1]
        h1 = phi[i + 1] - phi[i]
        s0 = (lnp[i] - lnp[i - 1]) / h0
        s1 = (lnp[i + 1] - lnp[i]) / h1
        slope[i] = (h1 * s0 + h0 * s1) / (h0 + h1)
    slope[0] = (lnp[1] - lnp[0]) / (phi[1] - phi[0])
    slope[n - 1] = (lnp[n - 1] - lnp[n - 2]) / (phi[n - 1] - phi[n - 2])
    return phi, lnp, slope


#: ``hydrostatic_phi(TABLE_Z_KM)`` as the compiled kernel computes it, written out so that
#: importing the module compiles nothing (computing them here compiled or loaded
#: ``hydrostatic_phi`` on every ``import hgv_models``: 0.1 s warm, 0.6 s cold; see
#: docs/ARCHITECTURE.md, "Cold start").  ``tests/test_atmosphere.py`` checks them against
#: ``_build_upper_nodes()`` bit for bit.
UPPER_PHI_NODES = (
    0.0, 0.0510796244416901, 0.10214339737713311, 0.1531913261838888, 0.20422341823503362,
    0.2552396808990456, 0.35715491691352014, 0.4585877133171142, 0.5591169769056552,
    0.6583159536976761, 0.7072801730115228, 0.7557457369773523, 0.8509431893091801,
    0.9433968045054519, 1.0324923404535657, 1.1173573214346275, 1.1577188069535638,
    1.1962403131178627, 1.2329581012409243, 1.268032589869555, 1.3016037053399088,
    1.3337942299843646, 1.3647124932643404, 1.3944545547409068, 1.4231059898515874,
    1.450743362180631, 1.4774354460346495, 1.5989640024158476, 1.7053036313174885,
    1.8007583970688503, 1.8880546466133272, 1.9690281176092261, 2.0449734206578425,
    2.1853325328946838, 2.3142989227121964, 2.4350391123669732, 2.5496268463134912,
    2.659487910034655, 2.7656394123599677, 2.8688280023495123, 2.9696143391312195,
    3.0684271363643028, 3.165599079511867, 3.26139147099915, 3.3560116061169802,
    3.449625311542995, 3.5423661754819937, 3.6343424601062386, 3.7256423555188043,
    3.816338024479512, 3.9064887506716786, 3.9961434125415054, 4.085342443117577,
    4.1741193935579695, 4.2625021881132295, 4.350514136663781, 4.438174755334845,
    4.525500434147782, 4.612504982044021, 4.699200073100676, 4.7855956127778, 4.871700039195968,
    4.957520571452858, 5.0430634146417646, 5.128333929381469, 5.213336772193183,
    5.298076011881862, 5.382555226132313, 5.592635599752764, 5.801150813835239,
    6.008133100162254, 6.213608889070045, 6.417600796953801, 6.620128899071956,
    6.821211548055876, 7.020865902511424, 7.219108269940657, 7.415954330328148,
    7.611419282774506, 7.80551794234375, 7.998264804594362, 8.1896740890633, 8.379759768994528,
    8.568535592044231, 8.756015095042818, 8.942211614824414, 9.127138296440453,
    9.310808099621838,
)
UPPER_PHI, UPPER_LNP, UPPER_DLNP_DPHI = _build_upper_nodes(UPPER_PHI_NODES)


@jit
def upper_interpolate(altitude_km, table_z_km, table_phi, table_lnp, table_slope,
                      table_m):
    """Pressure (Pa) and mean molecular weight (kg/kmol) between table levels.

    ``ln P`` is a cubic Hermite polynomial in ``Phi`` through the two
    bracketing levels with the given end slopes; ``M`` is linear in altitude.
    Arguments are the node arrays (see
    :func:`_build_upper_nodes`) so a test can interpolate with levels left out.
    Returns NaN outside the table.
    """
    z = altitude_km
    n = table_z_km.shape[0]
    if not (z >= table_z_km[0] and z <= table_z_km[n - 1]):
        return math.nan, math.nan
    lo = 0
    hi = n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if table_z_km[mid] <= z:
            lo = mid
        else:
            hi = mid
    i = lo
    h = table_phi[i + 1] - table_phi[i]
    t = (hydrostatic_phi(z) - table_phi[i]) / h
    t2 = t * t
    t3 = t2 * t
    lnp = ((2.0 * t3 - 3.0 * t2 + 1.0) * table_lnp[i]
           + (t3 - 2.0 * t2 + t) * h * table_slope[i]
           + (-2.0 * t3 + 3.0 * t2) * table_lnp[i + 1]
           + (t3 - t2) * h * table_slope[i + 1])
    fz = (z - table_z_km[i]) / (table_z_km[i + 1] - table_z_km[i])
    m = table_m[i] + fz * (table_m[i + 1] - table_m[i])
    return math.exp(lnp), m


@jit
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
    # above 86 km: Table I, hydrostatic Hermite interpolation in Phi
    t = upper_temperature_k(z)
    p, m = upper_interpolate(z, TABLE_Z_KM, UPPER_PHI, UPPER_LNP, UPPER_DLNP_DPHI,
                             TABLE_M_KG_KMOL)
    rho = p * m / (R_STAR_J_KMOL_K * t)
    a = math.sqrt(GAMMA * R_STAR_J_KMOL_K * t / m)
    return rho, p, t, a


@jit
def us1976_density_kernel(altitude_km):
    """Density (kg/m^3) for drag: as :func:`us1976_kernel`, 0 above 1000 km.

    NaN below -5 km or for NaN input (the caller's impact logic must stop
    before that).
    """
    if altitude_km > Z_MAX_KM:
        return 0.0
    rho, _, _, _ = us1976_kernel(altitude_km)
    return rho


@jit
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


@jit
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
