"""numba kernels of the aim-point shooting (:mod:`hgv_models.flight`): the burnout state of
the kinematic boost and the equilibrium glide altitude, one scalar at a time.

Both were NumPy / Python loops called once per shooting iteration (80 % of a flight's
time); here they are the same formulas in compiled scalar code:

* :func:`boost_burnout` - the pitch-programme exponent ``p`` of
  :func:`hgv_models.boost.boost` on the same bracket [0.05, 60], burnout altitude from an 801-node trapezoid integration of
  ``dh/dt = V sin(gamma)``), then burnout altitude and ground range from the 4001-node
  profile (``ds/dt = V cos(gamma) R / (R + h)``), module docstring of
  :mod:`hgv_models.boost`.  The root is found by the Illinois method on ln p (about ten
  profiles) instead of sixty bisections: same root, burnout altitude within 1e-10 km.
* :func:`equilibrium_altitude_km` - the fixed-point iteration of
  :func:`hgv_models.dynamics.equilibrium_glide_altitude_km` (lift + centrifugal =
  gravity, density inverted through US 1976 by 80 bisections of [0, 120] km).

The trapezoid sums run in the same order as ``numpy.cumsum``; results agree with the
NumPy versions to rounding (sin/cos/pow of libm vs NumPy's loops), far below any physical
tolerance (tests/test_ensemble_batch.py).
"""

from __future__ import annotations

import math

from numba import prange

from ._atmosphere_kernels import us1976_kernel
from ._dynamics_kernels import (G0_KM_S2, KIND_CONSTANT_LD, MU_EARTH_KM3_S2, P_AREA_M2,
                                P_BETA_KG_M2, P_KIND, P_LIFT_TO_DRAG, P_MASS_KG, R_EARTH_KM,
                                table_lookup)
from ._jit import jit, jit_parallel

__all__ = ["boost_profile_end", "boost_burnout", "boost_burnout_bracketed",
           "density_altitude_km", "equilibrium_altitude_km", "release_batch"]


@jit
def boost_profile_end(p, v_r, gamma_r, n, t_burn):
    """Burnout altitude and ground range (km) of the pitch programme with exponent ``p``.

    ``u_i = i / (n - 1)``, ``gamma = gamma_r + (pi/2 - gamma_r)(1 - u)^p``, ``V = V_r u``;
    trapezoid sums of ``dh/dt`` and ``ds/dt`` over ``n`` nodes of the burn ``t_burn`` (s).
    """
    dt = t_burn / (n - 1)
    h = 0.0
    s = 0.0
    dh_prev = 0.0
    ds_prev = 0.0
    for i in range(n):
        u = i / (n - 1)
        gam = gamma_r + (0.5 * math.pi - gamma_r) * (1.0 - u) ** p
        v = v_r * u
        dh = v * math.sin(gam)
        if i > 0:
            h = h + 0.5 * (dh + dh_prev) * dt
        ds = v * math.cos(gam) * R_EARTH_KM / (R_EARTH_KM + h)
        if i > 0:
            s = s + 0.5 * (ds + ds_prev) * dt
        dh_prev = dh
        ds_prev = ds
    return h, s


@jit
def _profile_end_slope(p, v_r, gamma_r, n, t_burn):
    """Burnout altitude (km) of exponent ``p`` and its derivative in ln p (km), 801-node
    trapezoid sums as :func:`boost_profile_end` (``d gamma / d ln p = (pi/2 - gamma_r)
    (1 - u)^p ln(1 - u) p``)."""
    dt = t_burn / (n - 1)
    h = 0.0
    dhdx = 0.0
    dh_prev = 0.0
    g_prev = 0.0
    for i in range(n):
        u = i / (n - 1)
        w = 1.0 - u
        pw = w ** p
        gam = gamma_r + (0.5 * math.pi - gamma_r) * pw
        v = v_r * u
        dh = v * math.sin(gam)
        g = 0.0
        if w > 0.0:
            g = v * math.cos(gam) * (0.5 * math.pi - gamma_r) * pw * math.log(w) * p
        if i > 0:
            h = h + 0.5 * (dh + dh_prev) * dt
            dhdx = dhdx + 0.5 * (g + g_prev) * dt
        dh_prev = dh
        g_prev = g
    return h, dhdx


@jit
def boost_burnout(v_r, h_r, gamma_r, t_burn):
    """Pitch exponent and burnout state of :func:`hgv_models.boost.boost` (fast path:
    Newton on ln p from p = 3, ~5 profiles; else the bracketing method of
    :func:`boost_burnout_bracketed`)."""
    x = math.log(3.0)
    x_lo = math.log(0.05)
    x_hi = math.log(60.0)
    for _ in range(12):
        f, d = _profile_end_slope(math.exp(x), v_r, gamma_r, 801, t_burn)
        f -= h_r
        if abs(f) < 1e-10:
            p = math.exp(x)
            h, s = boost_profile_end(p, v_r, gamma_r, 4001, t_burn)
            return p, h, s, math.nan, math.nan
        if not (d < 0.0):
            break
        x_new = x - f / d
        if not (x_lo < x_new < x_hi):
            break
        x = x_new
    return boost_burnout_bracketed(v_r, h_r, gamma_r, t_burn)


@jit
def boost_burnout_bracketed(v_r, h_r, gamma_r, t_burn):
    """Pitch exponent and burnout state of :func:`hgv_models.boost.boost`.

    The root is bracketed by [0.05, 60] (reachability checked at both ends).

    Returns
    -------
    p : float
        Exponent (NaN when ``h_r`` is outside the reachable range).
    altitude_km, ground_range_km : float
        At burnout, from the 4001-node profile.
    reach_lo_km, reach_hi_km : float
        Reachable burnout altitudes (exponents 60 and 0.05), for the error message.
    """
    lo = 0.05
    hi = 60.0
    a_hi = boost_profile_end(hi, v_r, gamma_r, 801, t_burn)[0]
    a_lo = boost_profile_end(lo, v_r, gamma_r, 801, t_burn)[0]
    if not (a_hi <= h_r <= a_lo):
        return math.nan, math.nan, math.nan, a_hi, a_lo
    # Illinois (modified regula falsi) on x = ln p: the burnout altitude falls smoothly
    # and monotonically with p, so ~10 profiles reach the root to rounding where the
    # geometric bisection of boost() needed 60 (Dowell & Jarratt 1971, BIT 11, 168).
    x0 = math.log(lo)
    x1 = math.log(hi)
    f0 = a_lo - h_r
    f1 = a_hi - h_r
    side = 0
    p = math.sqrt(lo * hi)
    for _ in range(100):
        if f0 == f1:
            x = 0.5 * (x0 + x1)
        else:
            x = x1 - f1 * (x1 - x0) / (f1 - f0)
        if not (min(x0, x1) < x < max(x0, x1)):
            x = 0.5 * (x0 + x1)
        fx = boost_profile_end(math.exp(x), v_r, gamma_r, 801, t_burn)[0] - h_r
        p = math.exp(x)
        if fx == 0.0 or abs(x1 - x0) < 1e-13:
            break
        if (fx > 0.0) == (f1 > 0.0):
            x1 = x
            f1 = fx
            if side == -1:
                f0 *= 0.5
            side = -1
        else:
            x0 = x
            f0 = fx
            if side == 1:
                f1 *= 0.5
            side = 1
        if abs(fx) < 1e-10:
            break
    h, s = boost_profile_end(p, v_r, gamma_r, 4001, t_burn)
    return p, h, s, a_hi, a_lo


@jit
def density_altitude_km(rho_target):
    """Altitude (km) where the US 1976 density equals ``rho_target`` (bisection, 0-120 km)."""
    lo = 0.0
    hi = 120.0
    if rho_target >= us1976_kernel(lo)[0]:
        return lo
    if rho_target <= us1976_kernel(hi)[0]:
        return hi
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if us1976_kernel(mid)[0] > rho_target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@jit
def _interp_clamped(xg, yg, x):
    """``numpy.interp`` (clamped linear interpolation, xg increasing)."""
    n = xg.shape[0]
    if x <= xg[0]:
        return yg[0]
    if x >= xg[n - 1]:
        return yg[n - 1]
    k = 0
    while xg[k + 1] <= x:
        k += 1
    return yg[k] + (x - xg[k]) * (yg[k + 1] - yg[k]) / (xg[k + 1] - xg[k])


@jit
def equilibrium_altitude_km(params, mach_grid, alpha_grid, cl_tab, aero_aux, speed_km_s):
    """Equilibrium glide altitude (km) at ``speed_km_s``; NaN at or above circular speed.

    ``params`` etc. as :meth:`hgv_models.vehicles.Vehicle.kernel_arrays`.  Table vehicles
    fly the max-L/D angle of attack of the Mach node table (``aero_aux[:, 0]``).
    """
    v = speed_km_s
    h = 40.0
    for _ in range(50):
        r = R_EARTH_KM + h
        g = MU_EARTH_KM3_S2 / r ** 2
        net = g - v * v / r
        if net <= 0.0:
            return math.nan
        vm = v * 1000.0
        if params[P_KIND] == KIND_CONSTANT_LD:
            rho = 2.0 * params[P_BETA_KG_M2] * net * 1000.0 / (vm * vm * params[P_LIFT_TO_DRAG])
        else:
            a = us1976_kernel(h)[3]
            mach = vm / a
            alpha = _interp_clamped(mach_grid, aero_aux[:, 0], mach)
            c_l = table_lookup(mach_grid, alpha_grid, cl_tab, mach, alpha)
            rho = 2.0 * params[P_MASS_KG] * net * 1000.0 / (vm * vm * params[P_AREA_M2] * c_l)
        h_new = density_altitude_km(rho)
        if abs(h_new - h) < 1e-7:
            return h_new
        h = h_new
    return h


@jit_parallel
def release_batch(speed_km_s, min_altitude_km, mean_acceleration_g, params, mach_grid,
                  alpha_grid, cl_tab, aero_aux, out):
    """Release altitude and boost burnout of many trials (``prange`` over trials).

    ``speed_km_s`` (n,) release speeds; ``min_altitude_km`` (n,) lower bound of the release
    altitude (NaN: none); ``out`` (n, 7) receives: release altitude (equilibrium glide
    altitude, or the bound when higher; NaN at or above circular speed), burn time (s),
    pitch exponent, burnout altitude and ground range (km) (NaN when unreachable), and the
    reachable burnout altitudes (km, low and high end; NaN when reachable).  Each row is the
    scalar kernels on that row's inputs alone.
    """
    for i in prange(speed_km_s.shape[0]):
        v = speed_km_s[i]
        h = equilibrium_altitude_km(params, mach_grid, alpha_grid, cl_tab, aero_aux, v)
        if min_altitude_km[i] > h:
            h = min_altitude_km[i]
        t_burn = v / (mean_acceleration_g * G0_KM_S2)
        out[i, 0] = h
        out[i, 1] = t_burn
        if math.isnan(h):
            for c in range(2, 7):
                out[i, c] = math.nan
            continue
        p, h_end, s_end, reach_lo, reach_hi = boost_burnout(v, h, 0.0, t_burn)
        out[i, 2] = p
        out[i, 3] = h_end
        out[i, 4] = s_end
        out[i, 5] = reach_lo
        out[i, 6] = reach_hi

