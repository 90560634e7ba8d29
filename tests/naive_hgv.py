"""Slow, obvious oracle for the glide kernels: pure-Python RK4 of the same point-mass ODE.

Written independently of :mod:`hgv_models._dynamics_kernels` (plain ``math``, the
public :func:`hgv_models.atmosphere.us1976` for the atmosphere, and the CAV-H curve fit
evaluated directly from its polynomial rather than from the vehicle's table).
"""

from __future__ import annotations

import math

from hgv_models.atmosphere import us1976

RE = 6371.0088
MU = 398600.4418
OMEGA = 7.292115e-5


def cav_h_coefficients(alpha_deg):
    """CAV-H fit (Zhao & Zhou 2013): C_L, C_D at alpha (deg)."""
    cl = -0.041065 + 0.016292 * alpha_deg + 0.0002602 * alpha_deg ** 2
    cd = 0.080505 - 0.03026 * cl + 0.86495 * cl ** 2
    return cl, cd


def cav_h_best_alpha_deg():
    """Angle of attack (deg) of max C_L/C_D by golden-section search on [5, 25] deg."""
    a, b = 5.0, 25.0
    g = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(200):
        c = b - g * (b - a)
        d = a + g * (b - a)
        fc = cav_h_coefficients(c)[0] / cav_h_coefficients(c)[1]
        fd = cav_h_coefficients(d)[0] / cav_h_coefficients(d)[1]
        if fc > fd:
            b = d
        else:
            a = c
    return 0.5 * (a + b)


def naive_forces(alt_km, v_km_s, vehicle):
    """(lift, drag) accelerations in km/s^2 for a dict vehicle description.

    ``vehicle`` is ``{"kind": "ld", "ld": L/D, "beta": kg/m^2}`` or
    ``{"kind": "cav-h", "mass": kg, "area": m^2, "alpha_deg": alpha}``.
    """
    rho = us1976(alt_km).density_kg_m3
    v = v_km_s * 1000.0
    if vehicle["kind"] == "ld":
        d = rho * v * v / (2.0 * vehicle["beta"]) / 1000.0
        return vehicle["ld"] * d, d
    cl, cd = cav_h_coefficients(vehicle["alpha_deg"])
    qsm = 0.5 * rho * v * v * vehicle["area"] / vehicle["mass"] / 1000.0
    return qsm * cl, qsm * cd


def naive_rhs(t, y, vehicle, bank_fn, omega):
    r, lon, lat, v, gam, psi = y
    lift, drag = naive_forces(r - RE, v, vehicle)
    sigma = bank_fn(t)
    g = MU / r ** 2
    dr = v * math.sin(gam)
    dlon = v * math.cos(gam) * math.sin(psi) / (r * math.cos(lat))
    dlat = v * math.cos(gam) * math.cos(psi) / r
    dv = (-drag - g * math.sin(gam)
          + omega ** 2 * r * math.cos(lat) * (math.sin(gam) * math.cos(lat)
                                              - math.cos(gam) * math.sin(lat) * math.cos(psi)))
    dgam = (lift * math.cos(sigma) + (v ** 2 / r - g) * math.cos(gam)
            + 2 * omega * v * math.cos(lat) * math.sin(psi)
            + omega ** 2 * r * math.cos(lat)
            * (math.cos(gam) * math.cos(lat) + math.sin(gam) * math.sin(lat) * math.cos(psi))) / v
    dpsi = (lift * math.sin(sigma) / math.cos(gam)
            + v ** 2 / r * math.cos(gam) * math.sin(psi) * math.tan(lat)
            - 2 * omega * v * (math.tan(gam) * math.cos(lat) * math.cos(psi) - math.sin(lat))
            + omega ** 2 * r * math.sin(lat) * math.cos(lat) * math.sin(psi) / math.cos(gam)) / v
    return [dr, dlon, dlat, dv, dgam, dpsi]


def naive_glide(y0, vehicle, bank_fn=lambda t: 0.0, rotating=True, step_s=0.5, t_end_s=None):
    """Classical RK4 until altitude 0 (linear interpolation of the crossing) or t_end.

    Returns a list of ``(t, [r, lon, lat, V, gamma, psi])`` at every step.
    """
    omega = OMEGA if rotating else 0.0
    y = list(y0)
    t = 0.0
    out = [(t, list(y))]
    while True:
        k1 = naive_rhs(t, y, vehicle, bank_fn, omega)
        k2 = naive_rhs(t + step_s / 2, [a + step_s / 2 * b for a, b in zip(y, k1)], vehicle,
                       bank_fn, omega)
        k3 = naive_rhs(t + step_s / 2, [a + step_s / 2 * b for a, b in zip(y, k2)], vehicle,
                       bank_fn, omega)
        k4 = naive_rhs(t + step_s, [a + step_s * b for a, b in zip(y, k3)], vehicle, bank_fn,
                       omega)
        yn = [a + step_s / 6 * (b + 2 * c + 2 * d + e) for a, b, c, d, e in zip(y, k1, k2, k3, k4)]
        if yn[0] - RE <= 0.0:
            f = (y[0] - RE) / (y[0] - yn[0])
            out.append((t + f * step_s, [a + f * (b - a) for a, b in zip(y, yn)]))
            return out
        t += step_s
        y = yn
        out.append((t, list(y)))
        if t_end_s is not None and t >= t_end_s - 1e-9:
            return out
