"""Benchmark: 1,000 glide trajectories, numba batch kernel vs scipy's solve_ivp.

Run: ``python benchmarks/trajectories.py [--n 1000] [--scipy-subset 20]``

Workload: ``n`` glides (half HTV-2-like constant L/D, half CAV-H table aerodynamics) from
random release states over the Indo-Pacific (speed 3-7 km/s, altitude 0-15 km above the
equilibrium glide altitude, flight-path angle -1..1 deg, any heading) with random bank
programmes (constant bank, weaving, a jink), rotating Earth, to impact (max 3,600 s),
sampled every 1 s.

* ours: :func:`hgv_models.dynamics.glide_batch` - fixed-step RK4 (2 s steps, cubic
  Hermite dense output at 1 s), ``prange`` over trajectories, exact impact by bisection;
  states only (``with_forces=False``), as solve_ivp returns.  The step is chosen to match
  the baseline's accuracy: the impact-point difference between the two is printed.
  JIT compile (or cache load) is timed apart on a 2-trajectory warm-up; steady state is
  the best of 3 runs; a 1-thread run shows how much of the gain is parallelism.
* baseline: ``scipy.integrate.solve_ivp`` (RK45, rtol = atol = 1e-9 in km/rad/km-s,
  the tolerance at which its impact points are as accurate as ours: both are compared
  with a DOP853 rtol 1e-12 reference on the subset and the errors printed) with
  ``t_eval`` every 1 s and a terminal altitude-0 event, on the *same* equations: its
  right-hand side calls the compiled :func:`hgv_models._dynamics_kernels.rhs` (the fastest
  way to use solve_ivp here; a pure-Python right-hand side is timed too, on fewer runs).
  solve_ivp is timed on a subset and extrapolated linearly to ``n`` (each trajectory is
  independent, so the cost is additive); the subset's impact points are compared with
  ours to show both integrate the same flights.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numba  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

from hgv_models import CAV_H, HTV2, equilibrium_glide_altitude_km  # noqa: E402
from hgv_models import _dynamics_kernels as K  # noqa: E402
from hgv_models._atmosphere_kernels import us1976_kernel  # noqa: E402
from hgv_models.dynamics import glide_batch, initial_state, run_parameters  # noqa: E402
from hgv_models.guidance import constant_bank, jink, weave  # noqa: E402

STEP_S = 2.0
OUTPUT_STEP_S = 1.0
MAX_TIME_S = 3600.0


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


def run_ours(vehicles, states, progs):
    """Returns ((wall s, cpu s), htv2 batch, cav-h batch)."""
    n = len(vehicles)
    half = n // 2
    t0 = time.perf_counter()
    c0 = time.process_time()
    a = glide_batch(HTV2, states[:half], progs[:half], step_s=STEP_S,
                    output_step_s=OUTPUT_STEP_S, max_time_s=MAX_TIME_S, with_forces=False)
    b = glide_batch(CAV_H, states[half:], progs[half:], step_s=STEP_S,
                    output_step_s=OUTPUT_STEP_S, max_time_s=MAX_TIME_S, with_forces=False)
    dt = (time.perf_counter() - t0, time.process_time() - c0)
    return dt, a, b


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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--scipy-subset", type=int, default=20)
    ap.add_argument("--python-rhs-subset", type=int, default=4)
    args = ap.parse_args(argv)
    n = args.n
    vehicles, states, progs = workload(n)
    print(f"hgv glide benchmark: {n} trajectories (1 s output, RK4 {STEP_S} s), rotating Earth")
    print(f"numba {numba.__version__}, threads {numba.get_num_threads()}, "
          f"threading layer (after run) below; CPU count {os.cpu_count()}")

    t0 = time.perf_counter()
    glide_batch(HTV2, states[:2], progs[:2], max_time_s=10.0)
    glide_batch(CAV_H, states[-2:], progs[-2:], max_time_s=10.0)
    t_jit = time.perf_counter() - t0
    print(f"JIT compile / cache load (2-trajectory warm-up): {t_jit:.2f} s")

    times = []
    for _ in range(3):
        dt, a, b = run_ours(vehicles, states, progs)
        times.append(dt)
    t_ours, c_ours = min(times)
    n_samples = int(a[1].sum() + b[1].sum())
    n_impact = int((a[2] == K.STATUS_IMPACT).sum() + (b[2] == K.STATUS_IMPACT).sum())
    nthreads = numba.get_num_threads()
    print(f"threading layer: {numba.threading_layer()}")
    print(f"ours (numba batch, {nthreads} threads): {t_ours:.3f} s wall, {c_ours:.3f} s CPU "
          f"(best of 3 wall: {', '.join(f'{x[0]:.3f}' for x in times)}), {n_samples} samples, "
          f"{n_impact}/{n} impacts")
    numba.set_num_threads(1)
    one = [run_ours(vehicles, states, progs)[0] for _ in range(2)]
    numba.set_num_threads(nthreads)
    t_one, c_one = min(one)
    print(f"ours (numba batch, 1 thread): {t_one:.3f} s wall, {c_one:.3f} s CPU (best of 2), "
          f"{c_one / n * 1e3:.3f} ms CPU per trajectory")

    # scipy subset: spread over the workload (both vehicles, all programme kinds)
    m = min(args.scipy_subset, n)
    idx = np.linspace(0, n - 1, m).astype(int)
    ends_ours = {}
    for i in idx:
        rec, nw = (a[0][i], a[1][i]) if i < n // 2 else (b[0][i - n // 2], b[1][i - n // 2])
        ends_ours[i] = rec[nw - 1, K.O_R:K.O_R + 3]
    def xyz(y):
        return y[0] * np.array([math.cos(y[2]) * math.cos(y[1]), math.cos(y[2]) * math.sin(y[1]),
                                math.sin(y[2])])

    scipy_one(vehicles[idx[0]], states[idx[0]], progs[idx[0]])  # warm the compiled RHS
    t0, c0 = time.perf_counter(), time.process_time()
    ends_scipy, nfev = {}, 0
    for i in idx:
        y_end, nf = scipy_one(vehicles[i], states[i], progs[i])
        nfev += nf
        ends_scipy[i] = y_end
    t_scipy = (time.perf_counter() - t0) / m * n
    c_scipy = (time.process_time() - c0) / m * n
    print(f"scipy solve_ivp RK45 rtol {BASELINE_RTOL:g} (compiled RHS), {m} trajectories "
          f"({nfev / m:.0f} RHS calls each) extrapolated to {n}: {t_scipy:.1f} s wall, "
          f"{c_scipy:.1f} s CPU")
    err_ours, err_scipy = [], []
    for i in idx:
        ref, _nf = scipy_one(vehicles[i], states[i], progs[i], method="DOP853", rtol=1e-12)
        p_ref = xyz(ref)
        r0, lon0, lat0 = ends_ours[i]
        err_ours.append(np.linalg.norm(xyz((r0, lon0, lat0)) - p_ref) * 1e3)
        err_scipy.append(np.linalg.norm(xyz(ends_scipy[i]) - p_ref) * 1e3)
    print(f"  impact-point error vs DOP853 rtol 1e-12 reference on the subset: ours median "
          f"{np.median(err_ours):.2f} m, max {np.max(err_ours):.2f} m; solve_ivp median "
          f"{np.median(err_scipy):.2f} m, max {np.max(err_scipy):.2f} m")

    k = min(args.python_rhs_subset, m)
    sub2 = idx[np.linspace(0, m - 1, k).astype(int)]
    t0, c0 = time.perf_counter(), time.process_time()
    for i in sub2:
        scipy_one(vehicles[i], states[i], progs[i], python_rhs=True)
    t_py = (time.perf_counter() - t0) / k * n
    c_py = (time.process_time() - c0) / k * n
    print(f"scipy solve_ivp RK45 (Python RHS), {k} trajectories extrapolated to {n}: "
          f"{t_py:.1f} s wall, {c_py:.1f} s CPU")

    print()
    print(f"{'':36s}{'wall s':>9s}{'CPU s':>9s}{'x wall':>9s}{'x CPU':>9s}")
    rows = [(f"numba batch ({nthreads} threads)", t_ours, c_ours),
            ("numba batch (1 thread)", t_one, c_one),
            ("solve_ivp, compiled RHS (extrap.)", t_scipy, c_scipy),
            ("solve_ivp, Python RHS (extrap.)", t_py, c_py)]
    for name, w, c in rows:
        print(f"{name:36s}{w:9.3f}{c:9.3f}{w / t_ours:9.1f}{c / c_one:9.1f}")
    print("(x wall: relative to the all-thread batch wall time; x CPU: relative to the "
          "1-thread batch CPU time)")
    best = min(t_ours, t_one)
    print(f"speed-up vs solve_ivp (compiled RHS): {t_scipy / t_ours:.0f}x wall-clock with "
          f"{nthreads} threads, {t_scipy / t_one:.0f}x wall-clock with 1 thread, "
          f"{c_scipy / c_one:.0f}x per CPU-second single-threaded; best wall-clock "
          f"{t_scipy / best:.0f}x (goal >= 50x)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(a loaded machine penalises the multi-thread run most)")
    print(f"JIT compile / cache load reported separately: {t_jit:.2f} s")


if __name__ == "__main__":
    main()
