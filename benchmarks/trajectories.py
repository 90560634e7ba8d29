"""HGV glide trajectories: our numba RK4 batch vs a NumPy RK4 batch and scipy's solve_ivp.

Run from the repository root::

    python benchmarks/trajectories.py            # 1,000 trajectories
    python benchmarks/trajectories.py --quick    # 500 trajectories, smaller solve_ivp subsets
    python benchmarks/trajectories.py --n 500 --scipy-subset 20 --json traj.json

Workload: ``n`` glides (half HTV-2-like constant L/D, half CAV-H table aerodynamics) from
random release states over the Indo-Pacific (speed 3-7 km/s, altitude 0-15 km above the
equilibrium glide altitude, flight-path angle -1..1 deg, any heading) with random bank
programmes (constant bank, weaving, a jink), rotating Earth, to impact (max 3,600 s),
states sampled every 1 s. Rows:

* ``ours``: :func:`hgv_models.dynamics.glide_batch` -- fixed-step classical RK4 (2 s steps,
  shortened to end on bank-programme breakpoints), cubic Hermite dense output at 1 s,
  impact time by bisection of the last step, ``prange`` over trajectories; states only
  (``with_forces=False``). Timed with ``numba.set_num_threads(1)`` and with all threads
  (best of 3 after a warm-up call). JIT compile (or cache load) is timed apart: the first
  call, on 2 toy trajectories per vehicle, before anything else runs the kernels.
* ``NumPy RK4 batch`` (same method): :func:`numpy_glide_batch` -- the same algorithm with
  NumPy array operations over all still-flying trajectories at once: same 2 s step and
  breakpoint shortening, same right-hand side (Vinh-Busemann-Culp equations of
  :mod:`hgv_models._dynamics_kernels`), same US Standard Atmosphere 1976 (its seven-layer
  closed form below 86 km vectorised; the rare samples above 86 km call the compiled scalar
  :func:`hgv_models._atmosphere_kernels.us1976_kernel`, counted and printed), same
  aerodynamic tables (brackets by ``numpy.searchsorted``, the kernel's edge-clamped
  bilinear formula), same Hermite dense output and impact bisection (vectorised over the
  trajectories that hit the ground in a step). One thread (NumPy element-wise operations
  are single-threaded). Its impact points are compared with ours (maximum difference
  printed, must stay under ``SAME_METHOD_TOL_M``), best of ``--numpy-repeat``.
* ``solve_ivp, compiled RHS`` (different method): ``scipy.integrate.solve_ivp`` (RK45,
  rtol = atol = 1e-9 in km/rad/km-s, the tolerance at which its impact points are as
  accurate as ours: both are compared with a DOP853 rtol 1e-12 reference on the subset
  and the errors printed) with ``t_eval`` every 1 s and a terminal altitude-0 event; its
  right-hand side calls the compiled :func:`hgv_models._dynamics_kernels.rhs`. One
  trajectory is run first (discarded) to warm the compiled functions, then
  ``--scipy-subset`` trajectories spread over the workload are timed and the time is
  extrapolated linearly to ``n`` (trajectories are independent, so the cost is additive).
* ``solve_ivp, Python RHS``: the same with the right-hand side written in Python (it calls
  the compiled atmosphere/aero/programme scalars); warmed on one trajectory first (the
  first call loads those compiled functions, ~0.6 s, not counted), then
  ``--python-rhs-subset`` trajectories timed and extrapolated to ``n``.

scipy and NumPy run on one thread; a ratio "per thread" divides their time by our 1-thread
time, "all threads" by our all-thread time (their best thread count is their only one).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

from hgv_models import CAV_H, HTV2, equilibrium_glide_altitude_km  # noqa: E402
from hgv_models import _atmosphere_kernels as A  # noqa: E402
from hgv_models import _dynamics_kernels as K  # noqa: E402
from hgv_models._atmosphere_kernels import us1976_kernel  # noqa: E402
from hgv_models.dynamics import glide_batch, initial_state, program_table, run_parameters  # noqa: E402
from hgv_models.guidance import constant_bank, jink, weave  # noqa: E402

STEP_S = 2.0
OUTPUT_STEP_S = 1.0
MAX_TIME_S = 3600.0
SAME_METHOD_TOL_M = 0.01
"""Largest accepted impact-point difference (m) between ours and the NumPy RK4 batch: the
same arithmetic in another order (rounding ~1e-16 relative, a few hundred steps)."""


def workload(n, seed=7):
    rng = np.random.default_rng(seed)
    vehicles = [HTV2 if i < n // 2 else CAV_H for i in range(n)]
    states, progs = [], []
    for i in range(n):
        v = rng.uniform(3.0, 7.0)
        h = equilibrium_glide_altitude_km(vehicles[i], v) + rng.uniform(0.0, 15.0)
        states.append((rng.uniform(0.0, 45.0), rng.uniform(100.0, 160.0), h, v,
                       rng.uniform(0.0, 360.0), rng.uniform(-1.0, 1.0)))
        kind = i % 3
        if kind == 0:
            progs.append(constant_bank(rng.uniform(-20.0, 20.0)))
        elif kind == 1:
            progs.append(weave(rng.uniform(10.0, 45.0), rng.uniform(60.0, 300.0)))
        else:
            progs.append(jink(rng.uniform(30.0, 600.0), rng.uniform(-45.0, 45.0),
                              rng.uniform(10.0, 60.0)))
    return vehicles, np.array(states), progs


BASELINE_RTOL = 1e-9  # accuracy-matched to our 2-s RK4 (errors vs the reference printed)


def scipy_one(vehicle, state, prog, python_rhs=False, method="RK45", rtol=BASELINE_RTOL):
    params, mach_g, alpha_g, cl, cd, aux = run_parameters(vehicle, True)
    parr = prog.kernel_array()
    dy = np.empty(6)

    if python_rhs:
        def f(t, y):
            r, _lon, lat, v, gam, psi = y
            bank = K.program_controls(parr, t)[0]
            rho, _p, _t, a = us1976_kernel(r - K.R_EARTH_KM)
            vm = v * 1000.0
            if vehicle.is_table:
                lift, drag, _d0 = K.aero_accel(params, mach_g, alpha_g, cl, cd, aux,
                                               r - K.R_EARTH_KM, v, math.nan, False)
            else:
                drag = rho * vm * vm / (2.0 * vehicle.ballistic_coefficient_kg_m2) * 1e-3
                lift = vehicle.lift_to_drag * drag
            w = K.OMEGA_EARTH_RAD_S
            g = K.MU_EARTH_KM3_S2 / r ** 2
            cg, sg, cl_, sl = math.cos(gam), math.sin(gam), math.cos(lat), math.sin(lat)
            cp, sp = math.cos(psi), math.sin(psi)
            return [v * sg, v * cg * sp / (r * cl_), v * cg * cp / r,
                    -drag - g * sg + w * w * r * cl_ * (sg * cl_ - cg * sl * cp),
                    (lift * math.cos(bank) + (v * v / r - g) * cg + 2 * w * v * cl_ * sp
                     + w * w * r * cl_ * (cg * cl_ + sg * sl * cp)) / v,
                    (lift * math.sin(bank) / cg + v * v * cg * sp * sl / (r * cl_)
                     - 2 * w * v * (sg / cg * cl_ * cp - sl)
                     + w * w * r * sl * cl_ * sp / cg) / v]
    else:
        def f(t, y):
            K.rhs(t, y, False, params, mach_g, alpha_g, cl, cd, aux, parr, dy)
            return dy.copy()

    def hit_ground(t, y):
        return y[0] - K.R_EARTH_KM

    hit_ground.terminal = True
    hit_ground.direction = -1
    y0 = initial_state(*state)
    sol = solve_ivp(f, (0.0, MAX_TIME_S), y0, method=method, rtol=rtol, atol=rtol,
                    t_eval=np.arange(0.0, MAX_TIME_S + 1e-9, OUTPUT_STEP_S), events=hit_ground)
    if sol.t_events[0].size:
        return sol.y_events[0][0], sol.nfev
    return sol.y[:, -1], sol.nfev


# ------------------------------------------------------------- NumPy RK4 batch baseline
def _us1976_rho_a(z_km):
    """Density (kg/m^3) and speed of sound (m/s), US Standard Atmosphere 1976, vectorised.

    Below 86 km the standard's closed form (geopotential altitude, seven layers of constant
    lapse rate, Table 4; as :func:`hgv_models._atmosphere_kernels._lower_tm_p`); above 86 km
    or outside [-5, 1000] km each sample goes through the compiled scalar ``us1976_kernel``.
    Returns ``(rho, a, n_scalar_calls)``.
    """
    h = A.R0_KM * z_km / (A.R0_KM + z_km)
    b = np.clip(np.searchsorted(A.LAYER_H_KM, h, side="right") - 1, 0, 6)
    tb, lb = A.LAYER_T_K[b], A.LAYER_L_K_KM[b]
    dh = h - A.LAYER_H_KM[b]
    tm = tb + lb * dh
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        p = np.where(lb != 0.0, A.LAYER_P_PA[b] * (tb / tm) ** (A.GMR_K_KM / lb),
                     A.LAYER_P_PA[b] * np.exp(-A.GMR_K_KM * dh / tb))
    rho = p * A.M0_KG_KMOL / (A.R_STAR_J_KMOL_K * tm)
    a = np.sqrt(A.GAMMA * A.R_STAR_J_KMOL_K * tm / A.M0_KG_KMOL)
    odd = np.flatnonzero(~((z_km >= A.Z_MIN_KM) & (z_km <= A.Z_86_KM)))
    for i in odd:
        rho[i], _p, _t, a[i] = us1976_kernel(float(z_km[i]))
    return rho, a, odd.size


def _bracket(xg, x):
    """Index and fraction as the kernel's ``_bracket`` (edge-clamped), vectorised."""
    n = xg.size
    lo = np.clip(np.searchsorted(xg, x, side="right") - 1, 0, n - 2)
    f = (x - xg[lo]) / (xg[lo + 1] - xg[lo])
    f = np.where(x <= xg[0], 0.0, np.where(x >= xg[n - 1], 1.0, f))
    lo = np.where(x <= xg[0], 0, lo)
    return lo, f


class NumpyGlide:
    """Right-hand side, controls and RK4 step of one vehicle's batch, NumPy-vectorised.

    Mirrors :func:`hgv_models._dynamics_kernels.rhs`, ``aero_accel``, ``program_controls``,
    ``rk4_step``, ``hermite`` and ``next_breakpoint`` expression by expression (the
    terminal-dive branch is not needed: ``glide_batch`` runs without one).
    """

    def __init__(self, vehicle):
        self.params, self.mach_g, self.alpha_g, self.cl, self.cd, self.aux = \
            run_parameters(vehicle, True)
        if self.params[K.P_DIVE_ENABLED] != 0.0:
            raise ValueError("the NumPy baseline has no terminal dive")
        self.scalar_atmosphere_calls = 0

    def controls(self, prog, t):
        """Bank (rad) and angle-of-attack command (rad or NaN) per trajectory at times t."""
        t0, t1 = prog[:, :, 0], prog[:, :, 1]
        act = (t0 <= t[:, None]) & (t[:, None] < t1)
        k = act.argmax(axis=1)
        row = prog[np.arange(prog.shape[0]), k]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = row[:, 5]
            s = np.tanh(c * np.sin(2.0 * np.pi * (t - row[:, 0]) / row[:, 4]))
            bank = np.where(row[:, 2] == K.MODE_WEAVE, row[:, 3] * s / np.tanh(c), row[:, 3])
        any_ = act.any(axis=1)
        return np.where(any_, bank, 0.0), np.where(any_, row[:, 6], np.nan)

    def aero(self, alt, v, alpha_cmd):
        """Lift and drag accelerations (km/s^2)."""
        p = self.params
        rho, a, n_odd = _us1976_rho_a(alt)
        self.scalar_atmosphere_calls += n_odd
        vm = v * 1000.0
        if p[K.P_KIND] == K.KIND_CONSTANT_LD:
            drag = rho * vm * vm / (2.0 * p[K.P_BETA_KG_M2]) * 1e-3
            return p[K.P_LIFT_TO_DRAG] * drag, drag
        mach = vm / a
        qsm = 0.5 * rho * vm * vm * p[K.P_AREA_M2] / p[K.P_MASS_KG] * 1e-3
        im, fm = _bracket(self.mach_g, mach)
        a_max = self.aux[im, 0] + fm * (self.aux[im + 1, 0] - self.aux[im, 0])
        alpha = np.where(np.isnan(alpha_cmd), a_max, alpha_cmd)
        ia, fa = _bracket(self.alpha_g, alpha)

        def lookup(tab):
            return ((1.0 - fm) * ((1.0 - fa) * tab[im, ia] + fa * tab[im, ia + 1])
                    + fm * ((1.0 - fa) * tab[im + 1, ia] + fa * tab[im + 1, ia + 1]))

        return qsm * lookup(self.cl), qsm * lookup(self.cd)

    def rhs(self, t, y, prog):
        """Vinh-Busemann-Culp right-hand side, (m, 6) states -> (m, 6) derivatives."""
        r, lat, v, gam, psi = y[:, 0], y[:, 2], y[:, 3], y[:, 4], y[:, 5]
        bank, alpha = self.controls(prog, t)
        lift, drag = self.aero(r - K.R_EARTH_KM, v, alpha)
        w = self.params[K.P_OMEGA_RAD_S]
        g = K.MU_EARTH_KM3_S2 / (r * r)
        cg, sg, cl, sl = np.cos(gam), np.sin(gam), np.cos(lat), np.sin(lat)
        cp, sp = np.cos(psi), np.sin(psi)
        cb, sb = np.cos(bank), np.sin(bank)
        dy = np.empty_like(y)
        dy[:, 0] = v * sg
        dy[:, 1] = v * cg * sp / (r * cl)
        dy[:, 2] = v * cg * cp / r
        dy[:, 3] = -drag - g * sg + w * w * r * cl * (sg * cl - cg * sl * cp)
        dy[:, 4] = (lift * cb + (v * v / r - g) * cg + 2.0 * w * v * cl * sp
                    + w * w * r * cl * (cg * cl + sg * sl * cp)) / v
        dy[:, 5] = (lift * sb / cg + v * v * cg * sp * sl / (r * cl)
                    - 2.0 * w * v * (sg / cg * cl * cp - sl)
                    + w * w * r * sl * cl * sp / cg) / v
        return dy

    def rk4(self, t, y, h, k1, prog, t_last):
        """One classical RK4 step per row (k1 = derivative at (t, y))."""
        hh = (0.5 * h)[:, None]
        k2 = self.rhs(t + 0.5 * h, y + hh * k1, prog)
        k3 = self.rhs(t + 0.5 * h, y + hh * k2, prog)
        k4 = self.rhs(t_last, y + h[:, None] * k3, prog)
        return y + (h / 6.0)[:, None] * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def _next_breakpoint(prog, t):
    """Earliest programme segment start or end strictly after t (inf if none), per row."""
    b = prog[:, :, 0:2]
    ok = (b > t[:, None, None] + 1e-9) & (prog[:, :, 0] < prog[:, :, 1])[:, :, None]
    return np.where(ok, b, np.inf).min(axis=(1, 2))


def _hermite(t0, y0, f0, t1, y1, f1, t):
    """Cubic Hermite dense output between two steps (rows)."""
    h = t1 - t0
    s = (t - t0) / h
    s2 = s * s
    s3 = s2 * s
    c = [(2.0 * s3 - 3.0 * s2 + 1.0), (s3 - 2.0 * s2 + s), (-2.0 * s3 + 3.0 * s2), (s3 - s2)]
    c = [x[:, None] for x in c]
    hh = h[:, None]
    return c[0] * y0 + c[1] * hh * f0 + c[2] * y1 + c[3] * hh * f1


def numpy_glide_batch(vehicle, states, progs, step_s=STEP_S, output_step_s=OUTPUT_STEP_S,
                      max_time_s=MAX_TIME_S):
    """The RK4 glide batch of :func:`hgv_models.dynamics.glide_batch` in NumPy.

    Parameters
    ----------
    vehicle : Vehicle
    states : (n, 6) rows ``(lat_deg, lon_deg, altitude_km, speed_km_s, heading_deg,
        flight_path_deg)``
    progs : list of n GuidanceProgram
    step_s, output_step_s, max_time_s : float (s)

    Returns
    -------
    records : (n, n_max, 7) float64 -- time (s) and state (r km, lon, lat rad, V km/s,
        gamma, psi rad) per output sample (the kernel's ``O_TIME .. O_PSI`` columns)
    n_written : (n,) int64
    status : (n,) int64 (``K.STATUS_*``)
    scalar_atmosphere_calls : int -- samples that needed the scalar atmosphere (> 86 km)
    """
    m = NumpyGlide(vehicle)
    n = len(states)
    prog_all = program_table(progs)
    y = np.array([initial_state(*row) for row in states])
    n_max = int(max_time_s / output_step_s) + 3
    out = np.full((n, n_max, 7), np.nan)
    out[:, 0, 0] = 0.0
    out[:, 0, 1:] = y
    n_written = np.ones(n, dtype=np.int64)
    status = np.full(n, -1, dtype=np.int64)
    t = np.zeros(n)
    f = m.rhs(t, y, prog_all)
    z_imp = m.params[K.P_IMPACT_ALT_KM]
    n_dense = int(math.ceil(step_s / output_step_s)) + 2
    idx = np.arange(n)
    while idx.size:
        yi, ti, fi, pi = y[idx], t[idx], f[idx], prog_all[idx]
        h = np.full(idx.size, step_s)
        brk = _next_breakpoint(pi, ti)
        at_break = brk < ti + h + 1e-9
        h = np.where(at_break, brk - ti, h)
        over = ti + h > max_time_s
        h = np.where(over, max_time_s - ti, h)
        at_break &= ~over
        ynew = m.rk4(ti, yi, h, fi, pi, np.where(at_break, ti + h - 1e-9, ti + h))
        finite = np.isfinite(ynew).all(axis=1)
        t_end = ti + h
        impact = finite & (ynew[:, 0] - K.R_EARTH_KM <= z_imp)
        if impact.any():  # bisect the step length so that the altitude lands on z_imp
            j = np.flatnonzero(impact)
            lo, hi, mid = np.zeros(j.size), h[j].copy(), h[j].copy()
            done = np.zeros(j.size, dtype=bool)
            yb_all = ynew[j].copy()
            for _it in range(80):
                a_ = np.flatnonzero(~done)
                if a_.size == 0:
                    break
                jj = j[a_]
                mid[a_] = 0.5 * (lo[a_] + hi[a_])
                tl = np.where(at_break[jj] & (mid[a_] == h[jj]), ti[jj] + mid[a_] - 1e-9,
                              ti[jj] + mid[a_])
                yb = m.rk4(ti[jj], yi[jj], mid[a_], fi[jj], pi[jj], tl)
                yb_all[a_] = yb
                dz = yb[:, 0] - K.R_EARTH_KM - z_imp
                up = dz > 0.0
                lo[a_] = np.where(up, mid[a_], lo[a_])
                hi[a_] = np.where(up, hi[a_], mid[a_])
                done[a_] = (np.abs(dz) < 1e-9) | (hi[a_] - lo[a_] < 1e-12)
            ynew[j] = yb_all
            t_end[j] = ti[j] + mid
        fnew = m.rhs(np.where(at_break, t_end - 1e-9, t_end), ynew, pi)
        nw = n_written[idx]
        for _ in range(n_dense):  # dense output at grid times in (t, t_end]
            tk = nw * output_step_s
            want = finite & ~(tk > t_end + 1e-9) & ~(impact & (tk >= t_end - 1e-9))
            if not want.any():
                break
            if np.any(nw[want] >= n_max):
                raise RuntimeError("output buffer full")
            yk = _hermite(ti, yi, fi, t_end, ynew, fnew, tk)
            exact = np.abs(tk - t_end) <= 1e-9
            yk[exact] = ynew[exact]
            w = np.flatnonzero(want)
            out[idx[w], nw[w], 0] = tk[w]
            out[idx[w], nw[w], 1:] = yk[w]
            nw[w] += 1
        w = np.flatnonzero(impact)
        out[idx[w], nw[w], 0] = t_end[w]
        out[idx[w], nw[w], 1:] = ynew[w]
        nw[w] += 1
        n_written[idx] = nw
        status[idx[impact]] = K.STATUS_IMPACT
        status[idx[~finite]] = K.STATUS_NON_FINITE
        cont = np.flatnonzero(finite & ~impact)
        ci = idx[cont]
        y[ci] = ynew[cont]
        t[ci] = t_end[cont]
        fc = fnew[cont]
        rb = np.flatnonzero(at_break[cont])
        if rb.size:
            fc[rb] = m.rhs(t_end[cont][rb], ynew[cont][rb], pi[cont][rb])
        f[ci] = fc
        yc = y[ci]
        st = np.full(ci.size, -1)
        st = np.where(t[ci] >= max_time_s - 1e-9, K.STATUS_MAX_TIME, st)
        st = np.where(yc[:, 3] < m.params[K.P_MIN_SPEED_KM_S], K.STATUS_MIN_SPEED, st)
        st = np.where(yc[:, 0] - K.R_EARTH_KM > m.params[K.P_CEILING_KM], K.STATUS_CEILING, st)
        status[ci] = st
        idx = ci[st < 0]
    return out, n_written, status, m.scalar_atmosphere_calls


# ----------------------------------------------------------------------------- ours
def run_ours(vehicles, states, progs):
    """Our batch on the whole workload (two vehicles). Returns ``(htv2, cav_h)`` batches."""
    half = len(vehicles) // 2
    a = glide_batch(HTV2, states[:half], progs[:half], step_s=STEP_S,
                    output_step_s=OUTPUT_STEP_S, max_time_s=MAX_TIME_S, with_forces=False)
    b = glide_batch(CAV_H, states[half:], progs[half:], step_s=STEP_S,
                    output_step_s=OUTPUT_STEP_S, max_time_s=MAX_TIME_S, with_forces=False)
    return a, b


def run_numpy(vehicles, states, progs):
    """The NumPy RK4 batch on the whole workload (two vehicles)."""
    half = len(vehicles) // 2
    return (numpy_glide_batch(HTV2, states[:half], progs[:half]),
            numpy_glide_batch(CAV_H, states[half:], progs[half:]))


def timed(fn, repeat, warmup=1):
    """``(best wall s, CPU s of that run, result)`` after ``warmup`` untimed calls."""
    out = None
    for _ in range(warmup):
        out = fn()
    best = (math.inf, math.inf)
    for _ in range(repeat):
        out = None
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, (time.perf_counter() - t0, time.process_time() - c0))
    return best[0], best[1], out


def xyz(r, lon, lat):
    """Spherical (r km, lon, lat rad) -> Cartesian km."""
    return r * np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon),
                         math.sin(lat)])


def end_points(batches, n):
    """Last written (r, lon, lat) of each trajectory from the two half batches."""
    half = n // 2
    ends = np.empty((n, 3))
    for off, (rec, nw, _st, *_rest) in ((0, batches[0]), (half, batches[1])):
        for i in range(nw.size):
            ends[off + i] = rec[i, nw[i] - 1, 1:4] if rec.shape[2] == 7 else \
                rec[i, nw[i] - 1, K.O_R:K.O_R + 3]
    return ends


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    C.add_common_arguments(ap)
    ap.add_argument("--n", type=int, default=None, help="trajectories (default 1,000; --quick 500)")
    ap.add_argument("--scipy-subset", type=int, default=None,
                    help="solve_ivp (compiled RHS) trajectories timed (default 20; --quick 10)")
    ap.add_argument("--python-rhs-subset", type=int, default=None,
                    help="solve_ivp (Python RHS) trajectories timed (default 6; --quick 3)")
    ap.add_argument("--numpy-repeat", type=int, default=None,
                    help="best of N NumPy batch runs (default 2; --quick 1)")
    args = ap.parse_args(argv)
    q = args.quick
    n = args.n or (500 if q else 1000)
    m_sub = min(n, args.scipy_subset or (10 if q else 20))
    k_sub = min(m_sub, args.python_rhs_subset or (3 if q else 6))
    np_rep = args.numpy_repeat or (1 if q else 2)
    info = C.machine_info()
    nall = C.all_threads()
    print(C.header_markdown(info, "HGV trajectory benchmark"))
    print(f"- workload: {n:,} trajectories, RK4 {STEP_S:g} s, output every {OUTPUT_STEP_S:g} s, "
          f"rotating Earth, max {MAX_TIME_S:g} s; command: "
          f"`python benchmarks/trajectories.py {' '.join(sys.argv[1:] if argv is None else argv)}`")
    print()
    toy = np.array([[20.0, 120.0, 40.0, 5.0, 90.0, 0.0], [30.0, 130.0, 45.0, 6.0, 0.0, 0.0]])
    t_jit, _ = C.timed_once(lambda: (glide_batch(HTV2, toy, max_time_s=10.0),
                                     glide_batch(CAV_H, toy, max_time_s=10.0)))
    vehicles, states, progs = workload(n)
    res = {}
    for nt in sorted({1, nall}):
        with C.numba_threads(nt):
            w, c, ours = timed(lambda: run_ours(vehicles, states, progs), 3)
        res[("ours", nt)] = (w, c)
    n_samples = int(ours[0][1].sum() + ours[1][1].sum())
    n_impact = int((ours[0][2] == K.STATUS_IMPACT).sum() + (ours[1][2] == K.STATUS_IMPACT).sum())
    ends_ours = end_points(ours, n)

    # same method: NumPy RK4 batch
    w, c, nb = timed(lambda: run_numpy(vehicles, states, progs), np_rep, warmup=0)
    res[("numpy", 1)] = (w, c)
    ends_np = end_points(nb, n)
    st_np = np.concatenate([nb[0][2], nb[1][2]])
    st_ours = np.concatenate([ours[0][2], ours[1][2]])
    d_np = max(float(np.linalg.norm(xyz(*ends_ours[i]) - xyz(*ends_np[i]))) * 1e3 for i in range(n))
    n_np_samples = int(nb[0][1].sum() + nb[1][1].sum())
    odd = nb[0][3] + nb[1][3]

    # solve_ivp subsets, spread over the workload (both vehicles, all programme kinds)
    idx = np.linspace(0, n - 1, m_sub).astype(int)
    scipy_one(vehicles[idx[0]], states[idx[0]], progs[idx[0]])  # warm the compiled RHS
    t0, c0 = time.perf_counter(), time.process_time()
    ends_scipy, nfev = {}, 0
    for i in idx:
        y_end, nf = scipy_one(vehicles[i], states[i], progs[i])
        nfev += nf
        ends_scipy[i] = y_end
    res[("scipy", 1)] = ((time.perf_counter() - t0) / m_sub * n,
                         (time.process_time() - c0) / m_sub * n)
    err_ours, err_scipy = [], []
    for i in idx:
        ref, _nf = scipy_one(vehicles[i], states[i], progs[i], method="DOP853", rtol=1e-12)
        p_ref = xyz(*ref[:3])
        err_ours.append(np.linalg.norm(xyz(*ends_ours[i]) - p_ref) * 1e3)
        err_scipy.append(np.linalg.norm(xyz(*ends_scipy[i][:3]) - p_ref) * 1e3)
    sub2 = idx[np.linspace(0, m_sub - 1, k_sub).astype(int)]
    t_warm_py, _ = C.timed_once(lambda: scipy_one(vehicles[sub2[0]], states[sub2[0]],
                                                  progs[sub2[0]], python_rhs=True))
    t0, c0 = time.perf_counter(), time.process_time()
    for i in sub2:
        scipy_one(vehicles[i], states[i], progs[i], python_rhs=True)
    res[("pyrhs", 1)] = ((time.perf_counter() - t0) / k_sub * n,
                         (time.process_time() - c0) / k_sub * n)

    t1, ta = res[("ours", 1)][0], res[("ours", nall)][0]
    rows_spec = [
        ("ours", f"ours, numba RK4 batch ({nall} threads)", nall, "–"),
        ("ours", "ours, numba RK4 batch (1 thread)", 1, "–"),
        ("numpy", "NumPy RK4 batch, same method and step", 1, "same method; all trajectories"),
        ("scipy", "`solve_ivp` RK45 rtol 1e-9, numba-compiled RHS", 1,
         f"different method; {m_sub} timed, x{n / m_sub:.0f} extrapolated"),
        ("pyrhs", "`solve_ivp` RK45 rtol 1e-9, Python RHS", 1,
         f"different method; {k_sub} timed after a warm-up run, x{n / k_sub:.0f} extrapolated"),
    ]
    rows = []
    for key, label, nt, note in rows_spec:
        w, c = res[(key, nt)]
        ours_row = key == "ours"
        rows.append(dict(run=label, threads=nt, wall_s=w, cpu_s=c,
                         per_thread=None if ours_row else w / t1,
                         all_threads=None if ours_row else w / ta, note=note))
    print(f"JIT compile / cache load (first call, 2 toy trajectories per vehicle): {t_jit:.2f} s "
          "(not in any figure below; a cache load when numba's on-disk cache is warm, "
          "`benchmarks/cold_start.py` measures cold compiles). Ours: best of 3 after a warm-up call; "
          f"{n_samples:,} samples, {n_impact}/{n} impacts.\n")
    print(C.markdown_table(
        ["run", "threads", "wall s", "CPU s", "per thread", "all threads", "note"],
        [(r["run"], r["threads"], C.fmt_s(r["wall_s"]), C.fmt_s(r["cpu_s"]),
          C.fmt_ratio(r["per_thread"]) if r["per_thread"] else "1x" if r["threads"] == 1 else "–",
          C.fmt_ratio(r["all_threads"]) if r["all_threads"] else
          "1x" if r["threads"] == nall else "–", r["note"]) for r in rows],
        align="lrrrrrl"))
    print("\n*per thread*: the row's wall time / ours at 1 thread; *all threads*: the row's "
          f"wall time at its best thread count (NumPy and scipy: 1) / ours at {nall} threads.\n")
    checks = dict(
        numpy_vs_ours_max_impact_diff_m=d_np, numpy_vs_ours_tolerance_m=SAME_METHOD_TOL_M,
        numpy_status_equal=bool(np.array_equal(st_np, st_ours)),
        numpy_samples=n_np_samples, ours_samples=n_samples,
        numpy_scalar_atmosphere_calls=odd,
        scipy_rhs_calls_per_traj=nfev / m_sub,
        err_vs_dop853_ours_median_m=float(np.median(err_ours)),
        err_vs_dop853_ours_max_m=float(np.max(err_ours)),
        err_vs_dop853_scipy_median_m=float(np.median(err_scipy)),
        err_vs_dop853_scipy_max_m=float(np.max(err_scipy)),
        python_rhs_warmup_s=t_warm_py)
    print(C.markdown_table(
        ["check", "value"],
        [("ours vs NumPy RK4: max impact-point difference, all trajectories",
          f"{d_np:.3g} m (tolerance {SAME_METHOD_TOL_M:g} m)"),
         ("ours vs NumPy RK4: same stop status / samples written",
          f"{'yes' if checks['numpy_status_equal'] else 'NO'} / {n_samples:,} vs {n_np_samples:,}"),
         ("NumPy RK4: samples above 86 km through the scalar atmosphere", f"{odd:,}"),
         (f"impact error vs DOP853 rtol 1e-12, {m_sub} trajectories: ours median / max",
          f"{np.median(err_ours):.2f} / {np.max(err_ours):.2f} m"),
         ("same, `solve_ivp` RK45 rtol 1e-9 median / max",
          f"{np.median(err_scipy):.2f} / {np.max(err_scipy):.2f} m"),
         ("`solve_ivp` right-hand-side calls per trajectory", f"{nfev / m_sub:.0f}"),
         ("`solve_ivp` Python RHS warm-up run (not counted)", f"{t_warm_py:.2f} s")],
        align="lr"))
    result = dict(script="trajectories", argv=sys.argv[1:] if argv is None else argv,
                  header=info, n=n, jit_s=t_jit, rows=rows, checks=checks)
    if args.json:
        C.write_json(args.json, result)
    ok = d_np <= SAME_METHOD_TOL_M and checks["numpy_status_equal"]
    if not ok:
        print("\nFAILED: the NumPy RK4 batch does not reproduce ours", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
