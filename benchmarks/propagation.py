"""Propagation throughput: our SGP4 and J2 kernels against SatrecArray, cysgp4, NumPy J2, skyfield.

Run from the repository root::

    python benchmarks/propagation.py            # 100 / 1,000 / 10,000 satellites, 1 day at 30 s
    python benchmarks/propagation.py --quick    # 100 / 1,000 satellites
    python benchmarks/propagation.py --sizes 500,5000 --duration-s 43200 --json prop.json

Inputs. Two constellations per size, written out as TLEs (``sgp4.exporter.export_tle``)
and read back, so that every row propagates the *same TLEs*: circular orbits (what the
Walker builders produce) and near-circular ones with e uniform in [0, ``--ecc-max``] (the
J2 paths then solve Kepler's equation). Shells 500-1,200 km, inclinations 30-98 deg, B* up
to 2e-4. All rows use the same UTC instants (2,880 for one day at 30 s).

Rows (each at the thread counts stated in its ``threads`` column; "all" is
``numba.config.NUMBA_NUM_THREADS``, or OpenMP's count for cysgp4):

- ``SatrecArray``: python-sgp4's compiled ``SatrecArray.sgp4(jd, fr)`` (Vallado's C++ SGP4,
  one thread, no thread control): TEME positions *and velocities*, satellite-major, no
  frame rotation. The baseline of the SGP4 rows.
- ``cysgp4``: ``cysgp4.propagate_many(mjd[:, None], tles[None, :], do_eci_pos=True``,
  everything else off``)`` (Daniel Warner's C++ SGP4, OpenMP over the broadcast array):
  TEME positions, time-major. Timed with ``cysgp4.set_num_threads(1)`` and with all
  threads, in a separate spawned process (:func:`cysgp4_job`: its bundled OpenMP runtime
  and numba's would otherwise contend for the cores). Checked there against SatrecArray
  on the same lines: the maximum position difference is printed and must stay under
  ``CYSGP4_TOL_KM``.
- ``our SGP4``: :func:`orbits.propagate.propagate_sgp4` (engine "auto": numba SGP4 for these
  near-Earth satellites, ``prange`` over time, TEME->ITRS rotation by GMST 1982 fused),
  output ``(n_time, n_sat, 3)`` ITRS km + validity mask. Its one-off per-satellite
  initialisation (python-sgp4's ``sgp4init`` feeding the coefficient table, cached on the
  SatelliteSet) is reported separately as ``setup``. Checked against SatrecArray's TEME
  positions rotated with the same GMST 1982 angle in NumPy (maximum difference printed).
- ``NumPy J2``: :func:`numpy_j2` -- the same model as ``our J2`` written with NumPy array
  operations over (time, satellite) blocks: first-order secular J2 rates of RAAN, argument
  of perigee and mean anomaly (Vallado, *Fundamentals of Astrodynamics and Applications*,
  4th ed., eqs. 9-41/9-42), Kepler's equation by vectorised Newton iteration, perifocal ->
  TEME -> ITRS with the same GMST 1982 rotation. Single-threaded (NumPy element-wise
  operations do not use threads). Checked against ``our J2``: maximum difference printed,
  must stay under ``J2_TOL_M``.
- ``our J2``: :func:`orbits.propagate.propagate_j2` (``prange`` over time, angle-addition
  recurrences re-seeded every 128 steps and warm-started Kepler solutions: the default on
  regular grids), ITRS km.
- ``our J2 direct``: the same with ``method="direct"`` (every sample evaluated from scratch,
  the evaluation the NumPy baseline uses), so the same-model ratio can be read with and
  without the recurrence.
- ``skyfield loop`` (circular constellations only): ``EarthSatellite.from_satrec(...).at(t)
  .frame_xyz(itrs)`` per satellite over the whole time array. skyfield builds and caches the
  ITRS rotation of a ``Time`` object on first use, so one satellite is computed first on the
  same ``Time`` object and discarded; then ``--skyfield-sample`` satellites spread over the
  set are timed and the time is extrapolated linearly to ``n_sat`` (stated in the table).

Every timed row runs one untimed warm-up call first and reports the best of ``--repeat``
calls. JIT compilation is timed once, up front, on 3 satellites x 4 steps and printed
separately; by default numba's cache is first pointed at an empty temporary directory so
that this is a true cold compile (``--warm-cache``: the normal on-disk cache, so the figure
is a cache load). Throughput = n_sat * n_time / wall seconds.

Ratios are printed two ways: *per thread* (our 1-thread time vs the baseline's 1-thread
time) and *all threads* (our all-thread time vs the baseline at its best thread count).
Ratios between J2 and SGP4 rows compare *different models* (J2 secular is far cheaper per
state than SGP4) and are labelled so; the same-model comparisons are our SGP4 vs
SatrecArray / cysgp4 and our J2 vs NumPy J2.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

CYSGP4_TOL_KM = 1e-3
"""Largest accepted |r_cysgp4 - r_SatrecArray| (km) on the same TLEs and instants.

Both are WGS72 SGP4 implementations (Warner's and Vallado's C++); measured differences
on these LEO sets are far below a metre (printed each run). 1 m leaves room for
instant rounding (cysgp4 takes one MJD double: ~1 us, ~7 mm at 7.5 km/s)."""

J2_TOL_M = 0.01
"""Largest accepted |r_numpyJ2 - r_ourJ2| (m): our kernel's recurrences agree with direct
evaluation to < 1 mm (tests/test_orbits_j2.py); 1 cm is ten times that."""

SGP4_ROT_TOL_M = 0.01
"""Largest accepted |our SGP4 ITRS - R3(GMST82) SatrecArray TEME| (m): the numba SGP4 port
agrees with python-sgp4 to well under a millimetre on near-Earth sets (tests)."""


def _parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    C.add_common_arguments(ap)
    ap.add_argument("--sizes", default=None, help="comma-separated satellite counts")
    ap.add_argument("--duration-s", type=float, default=86400.0)
    ap.add_argument("--step-s", type=float, default=30.0)
    ap.add_argument("--repeat", type=int, default=None,
                    help="best of N timed calls per row (default 3, --quick 2; 1 above 5,000 "
                         "satellites)")
    ap.add_argument("--skyfield-sample", type=int, default=40,
                    help="satellites timed in the skyfield loop (result extrapolated)")
    ap.add_argument("--ecc-max", type=float, default=0.01,
                    help="eccentricity range of the second (eccentric) constellation")
    ap.add_argument("--warm-cache", action="store_true",
                    help="use numba's on-disk cache instead of a cold temporary one")
    return ap.parse_args(argv)


ARGS = _parse() if __name__ == "__main__" else None
if ARGS is not None and not ARGS.warm_cache:
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="hgvcov-bench-numba-")

import numpy as np  # noqa: E402

from orbits import SatelliteSet, time_grid  # noqa: E402
from orbits.constants import WGS72_A_KM, WGS72_J2  # noqa: E402
from orbits.propagate import j2_inputs, propagate_j2, propagate_sgp4  # noqa: E402
from orbits.sgp4_batch import near_earth_coefficients  # noqa: E402
from orbits.tle import parse_tle_lines  # noqa: E402

EPOCH = "2026-11-21T00:00:00Z"
TAU = 2.0 * math.pi


# ------------------------------------------------------------------------------ inputs
def constellation(n: int, ecc_max: float = 0.0) -> tuple[SatelliteSet, list]:
    """n satellites in shells 500-1,200 km, inclinations 30-98 deg, B* up to 2e-4, as TLEs.

    ``ecc_max = 0`` gives circular orbits as the Walker builders make them; otherwise
    eccentricities are uniform in [0, ecc_max]. The elements are exported to TLE lines and
    parsed back, so every propagator sees exactly the same (TLE-rounded) elements.

    Returns
    -------
    sats : SatelliteSet (parsed from the TLE lines)
    tles : list of (name, line1, line2)
    """
    from sgp4.exporter import export_tle

    rng = np.random.default_rng(12345)
    alt = rng.uniform(500.0, 1200.0, n)
    inc = rng.choice([30.0, 45.0, 53.0, 70.0, 86.0, 98.0], n)
    ecc = rng.uniform(0.0, ecc_max, n) if ecc_max > 0 else np.zeros(n)
    made = SatelliteSet.from_elements(
        [f"B{i:05d}" for i in range(n)], 6378.137 + alt, ecc, inc,
        rng.uniform(0, 360, n), rng.uniform(0, 360, n), rng.uniform(0, 360, n), EPOCH,
        bstar=rng.uniform(0.0, 2e-4, n))
    tles = [(name, *export_tle(s)) for name, s in zip(made.names, made.satrecs)]
    lines = [x for t in tles for x in t]
    return parse_tle_lines(lines, "<benchmark>"), tles


# ------------------------------------------------------------------ NumPy J2 baseline
def gmst82_numpy(jd_ut1_whole, jd_ut1_frac):
    """GMST 1982 (rad) for UT1 JD parts, the expression of :func:`orbits._kernels.gmst82`
    (AIAA 2006-6753 appendix C), element-wise in NumPy."""
    t = (jd_ut1_whole - 2451545.0 + jd_ut1_frac) / 36525.0
    g = 67310.54841 + (8640184.812866 + (0.093104 + (-6.2e-6) * t) * t) * t
    return ((jd_ut1_whole % 1.0 + jd_ut1_frac + (g / 86400.0) % 1.0) % 1.0) * TAU


def numpy_j2(p: dict, t_s, ut1_w, ut1_f, j2=WGS72_J2, r_eq_km=WGS72_A_KM, block=2_000_000):
    """J2 secular mean-element propagation to ITRS with NumPy (the model of ``our J2``).

    Parameters
    ----------
    p : dict
        :func:`orbits.propagate.j2_inputs` (``epoch_offset_s`` s, ``a_km`` km, ``ecc``,
        ``inc``, ``raan0``, ``argp0``, ``m0`` rad, ``n_rad_s`` rad/s; each (n_sat,)).
    t_s : (n_time,) seconds since the grid start
    ut1_w, ut1_f : (n_time,) UT1 Julian date parts
    block : int
        Rows of time are processed in blocks of about this many (time, satellite) pairs
        to bound the temporaries' memory.

    Returns
    -------
    (n_time, n_sat, 3) float64, ITRS km.

    Notes
    -----
    With ``p = a (1 - e^2)``, ``K = J2 (R/p)^2``, ``beta = sqrt(1 - e^2)`` (Vallado 4th ed.
    eqs. 9-41, 9-42; Brouwer 1959 first order): ``dOmega/dt = -3/2 n K cos i``,
    ``domega/dt = 3/4 n K (5 cos^2 i - 1)``, ``dM/dt = n [1 + 3/4 K beta (3 cos^2 i - 1)]``.
    Kepler's equation ``E - e sin E = M`` by Newton from ``E0 = M + e sin M`` until every
    correction is below 1e-13 rad (at most 30 iterations); ``nu = atan2(beta sin E,
    cos E - e)``, ``r = a (1 - e cos E)``, ``u = omega + nu``; with ``W = Omega - theta_GMST82``:
    ``x = r (cos W cos u - sin W sin u cos i)``, ``y = r (sin W cos u + cos W sin u cos i)``,
    ``z = r sin u sin i``. Circular orbits (e = 0) skip Kepler (``E = M``), as the kernel does.
    """
    a, e, inc = p["a_km"], p["ecc"], p["inc"]
    n = p["n_rad_s"]
    semi_latus = a * (1.0 - e * e)
    k = j2 * (r_eq_km / semi_latus) ** 2
    ci, si = np.cos(inc), np.sin(inc)
    beta = np.sqrt(1.0 - e * e)
    raan_dot = -1.5 * n * k * ci
    argp_dot = 0.75 * n * k * (5.0 * ci * ci - 1.0)
    m_dot = n * (1.0 + 0.75 * k * beta * (3.0 * ci * ci - 1.0))
    ecc_cols = np.flatnonzero(e != 0.0)
    n_time, n_sat = t_s.size, a.size
    out = np.empty((n_time, n_sat, 3))
    rows = max(1, block // max(1, n_sat))
    for k0 in range(0, n_time, rows):
        sl = slice(k0, min(n_time, k0 + rows))
        dt = t_s[sl, None] + p["epoch_offset_s"][None, :]
        theta = gmst82_numpy(ut1_w[sl], ut1_f[sl])[:, None]
        w_node = p["raan0"] + raan_dot * dt - theta
        m = p["m0"] + m_dot * dt
        m = m - TAU * np.floor(m / TAU)
        u = p["argp0"] + argp_dot * dt + m  # circular: nu = M
        r = np.broadcast_to(a, m.shape).copy()
        if ecc_cols.size:
            me, ee = m[:, ecc_cols], e[ecc_cols]
            ea = me + ee * np.sin(me)
            for _ in range(30):
                d = (ea - ee * np.sin(ea) - me) / (1.0 - ee * np.cos(ea))
                ea -= d
                if np.max(np.abs(d)) < 1e-13:
                    break
            ce = np.cos(ea)
            r[:, ecc_cols] = a[ecc_cols] * (1.0 - ee * ce)
            nu = np.arctan2(beta[ecc_cols] * np.sin(ea), ce - ee)
            u[:, ecc_cols] = (p["argp0"] + argp_dot * dt)[:, ecc_cols] + nu
        cu, su, cw, sw = np.cos(u), np.sin(u), np.cos(w_node), np.sin(w_node)
        o = out[sl]
        o[..., 0] = r * (cw * cu - sw * su * ci)
        o[..., 1] = r * (sw * cu + cw * su * ci)
        o[..., 2] = r * su * si
    return out


# ----------------------------------------------------------------------------- peers
def cysgp4_job(tles, jd_w, jd_f, thread_counts, repeat):
    """Time cysgp4 and check it against SatrecArray; runs in a separate (spawned) process.

    cysgp4 bundles its own OpenMP runtime (a vendored libgomp), numba's omp layer uses the
    system one: two thread pools that each spin-wait after a parallel region. In one
    process on few cores they slow each other down (measured: cysgp4 at 2 threads 4x slower
    than at 1, and our kernels slowed after it), so cysgp4 runs in a child process that
    never imports numba, and the parent never imports cysgp4.

    Parameters
    ----------
    tles : list of (name, line1, line2)
    jd_w, jd_f : (n_time,) UTC Julian date parts (cysgp4 gets ``MJD = jd - 2400000.5``)
    thread_counts : list of int, passed to ``cysgp4.set_num_threads``
    repeat : int, best of N after one warm-up call

    Returns
    -------
    dict: ``times`` {threads: best wall s}, ``max_diff_km`` (vs python-sgp4 SatrecArray on
    Satrecs parsed from the same lines, TEME), ``version``.
    """
    import cysgp4
    from sgp4.api import Satrec, SatrecArray

    mjd = (jd_w - 2400000.5) + jd_f
    tle_arr = np.array([cysgp4.PyTle(nm, l1, l2) for nm, l1, l2 in tles], dtype=object)

    def run():
        res = cysgp4.propagate_many(mjd[:, None], tle_arr[None, :], do_eci_pos=True,
                                    do_eci_vel=False, do_geo=False, do_topo=False,
                                    do_obs_pos=False, do_sat_azel=False)
        return res["eci_pos"]

    times = {}
    r_cy = None
    for nt in thread_counts:
        cysgp4.set_num_threads(int(nt))
        times[int(nt)], r_cy = C.best_time(run, repeat)
    arr = SatrecArray([Satrec.twoline2rv(l1, l2) for _nm, l1, l2 in tles])
    _e, r_arr, _v = arr.sgp4(jd_w, jd_f)
    diff = float(np.nanmax(np.abs(r_cy - r_arr.transpose(1, 0, 2))))
    return dict(times=times, max_diff_km=diff, version=cysgp4.__version__)


def cysgp4_pool():
    """A one-worker pool in a *spawned* process for :func:`cysgp4_job` (None if cysgp4 is
    not installed)."""
    if C.package_version("cysgp4") == "not installed":
        return None
    import concurrent.futures
    import multiprocessing

    return concurrent.futures.ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def skyfield_loop(sats, grid, sample):
    """Seconds for ``len(sats)`` satellites through skyfield, extrapolated from ``sample``.

    One satellite is computed first on the same ``Time`` object (discarded): it builds and
    caches the Time's ITRS rotation matrices, which every later satellite reuses.
    Returns ``(seconds extrapolated to n_sat, satellites timed, seconds for the warm-up)``.
    """
    from skyfield.api import EarthSatellite
    from skyfield.framelib import itrs

    from orbits.timegrid import builtin_timescale

    ts = builtin_timescale()
    t = grid.to_skyfield(ts)
    t0 = time.perf_counter()
    EarthSatellite.from_satrec(sats.satrecs[0], ts).at(t).frame_xyz(itrs).km
    warm = time.perf_counter() - t0
    m = max(1, min(sample, len(sats) - 1)) if len(sats) > 1 else 1
    idx = np.linspace(1 if len(sats) > 1 else 0, len(sats) - 1, m).astype(int)
    t0 = time.perf_counter()
    for j in idx:
        EarthSatellite.from_satrec(sats.satrecs[j], ts).at(t).frame_xyz(itrs).km
    dt = time.perf_counter() - t0
    return dt * len(sats) / len(idx), len(idx), warm


def compile_times():
    """First-call seconds (compile or cache load) of each numba path on 3 sats x 4 steps."""
    sats, _ = constellation(3, 0.01)
    grid = time_grid(EPOCH, 60.0, count=4)
    res = {}
    res["our SGP4 (numba SGP4 + fused rotation)"] = C.timed_once(
        lambda: propagate_sgp4(sats, grid))[0]
    res["our J2 (recurrence kernel)"] = C.timed_once(lambda: propagate_j2(sats, grid))[0]
    res["our J2 direct"] = C.timed_once(lambda: propagate_j2(sats, grid, method="direct"))[0]
    res["SatrecArray -> ITRS transpose kernel (deep-space path; not timed below)"] = C.timed_once(
        lambda: propagate_sgp4(sats, grid, engine="satrec_array"))[0]
    return res


def readme_table(rows, nall):
    """The README's wide table: one line per (satellites, orbits), states/s (x SatrecArray)
    per path, "1 thread / all threads" where a path has both."""
    groups = {}
    for r in rows:
        groups.setdefault((r["n_sat"], r["orbits"]), {})[(r["path"], r["threads"])] = r
    cols = [("SatrecArray", "SatrecArray (TEME)"), ("cysgp4", "cysgp4 (TEME)"),
            ("our SGP4", "our SGP4 → ITRS"), ("NumPy J2", "NumPy J2 → ITRS"),
            ("our J2", "our J2 → ITRS"), ("skyfield loop", "skyfield loop → ITRS")]

    def cell(g, path):
        out = []
        for nt in sorted({1, nall}):
            r = g.get((path, nt))
            if r is not None:
                out.append(f"{C.fmt_rate(r['states_per_s'])} ({C.fmt_ratio(r['vs_satrec_array'])})")
        return " / ".join(out)

    present = [(k, h) for k, h in cols if any(p == k for g in groups.values() for p, _ in g)]
    head = ["satellites", "orbits"] + [h for _k, h in present]
    body = [[f"{n:,}", orb] + [cell(g, k) for k, _h in present]
            for (n, orb), g in groups.items()]
    return (f"States per second (x SatrecArray); where two figures are given: 1 thread / "
            f"{nall} threads. SatrecArray, NumPy J2 and skyfield run on one thread.\n\n"
            + C.markdown_table(head, body, align="rl" + "r" * len(present)))


# ------------------------------------------------------------------------------- main
def main(args):
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    elif args.quick:
        sizes = [100, 1000]
    else:
        sizes = [100, 1000, 10000]
    repeat_default = args.repeat or (2 if args.quick else 3)
    info = C.machine_info()
    nall = C.all_threads()
    print(C.header_markdown(info, "Propagation benchmark"))
    print(f"- grid: {args.duration_s:g} s at {args.step_s:g} s; command: "
          f"`python benchmarks/propagation.py {' '.join(sys.argv[1:])}`")
    pool = cysgp4_pool()
    has_cysgp4 = pool is not None
    print()

    ct = compile_times()
    cache = "cache load (warm on-disk cache)" if args.warm_cache else \
        "cold compile (empty NUMBA_CACHE_DIR)"
    print(f"JIT {cache}, first call on 3 satellites x 4 steps, not in any figure below:\n")
    print(C.markdown_table(["kernel", "first call s"], [(k, f"{v:.2f}") for k, v in ct.items()]))
    print()

    grid = time_grid(EPOCH, args.step_s, duration_s=args.duration_s)
    jd_w, jd_f = grid.jd_utc_parts()
    ut1_w, ut1_f = grid.jd_ut1_parts()
    rows, ratios, checks = [], [], []
    for n in sizes:
        repeat = 1 if n > 5000 else max(1, repeat_default)
        n_states = n * grid.count
        for label, ecc_max in (("circular", 0.0), (f"e ≤ {args.ecc_max:g}", args.ecc_max)):
            sats, tles = constellation(n, ecc_max)
            t = {}
            # baseline: python-sgp4 SatrecArray (one thread, no thread control)
            arr = sats.satrec_array()
            t[("SatrecArray", 1)], (e_arr, r_arr, _v) = C.best_time(
                lambda: arr.sgp4(jd_w, jd_f), repeat)
            # cysgp4 (OpenMP), in its own process: 1 thread and all threads
            if pool is not None:
                cy = pool.submit(cysgp4_job, tles, jd_w, jd_f, sorted({1, nall}),
                                 repeat).result()
                for nt, sec in cy["times"].items():
                    t[("cysgp4", int(nt))] = sec
                checks.append(dict(n_sat=n, orbits=label, check="cysgp4 vs SatrecArray, TEME",
                                   max_abs_diff_m=cy["max_diff_km"] * 1e3,
                                   tolerance_m=CYSGP4_TOL_KM * 1e3))
            # ours: SGP4 (setup timed apart), 1 thread and all threads
            setup = C.timed_once(lambda: near_earth_coefficients(sats))[0]
            for nt in sorted({1, nall}):
                with C.numba_threads(nt):
                    t[("our SGP4", nt)], eph = C.best_time(lambda: propagate_sgp4(sats, grid),
                                                           repeat)
            theta = gmst82_numpy(ut1_w, ut1_f)[:, None]
            c, s = np.cos(theta), np.sin(theta)
            rt = r_arr.transpose(1, 0, 2)
            rot = np.stack([c * rt[..., 0] + s * rt[..., 1], -s * rt[..., 0] + c * rt[..., 1],
                            rt[..., 2]], axis=-1)
            d_sg = float(np.nanmax(np.abs(eph.positions_km - rot)))
            checks.append(dict(n_sat=n, orbits=label,
                               check="our SGP4 (ITRS) vs SatrecArray TEME rotated by GMST82",
                               max_abs_diff_m=d_sg * 1e3, tolerance_m=SGP4_ROT_TOL_M))
            del eph, rot, rt, r_arr, e_arr
            # J2: NumPy (same model), ours at 1 and all threads
            p = j2_inputs(sats, grid)
            ts_ = np.ascontiguousarray(grid.seconds, dtype=np.float64)
            t[("NumPy J2", 1)], r_np = C.best_time(lambda: numpy_j2(p, ts_, ut1_w, ut1_f), repeat)
            for nt in sorted({1, nall}):
                with C.numba_threads(nt):
                    t[("our J2", nt)], eph = C.best_time(lambda: propagate_j2(sats, grid), repeat)
            for nt in sorted({1, nall}):
                with C.numba_threads(nt):
                    t[("our J2 direct", nt)], _e = C.best_time(
                        lambda: propagate_j2(sats, grid, method="direct"), repeat)
            del _e
            d_j2 = float(np.nanmax(np.abs(eph.positions_km - r_np))) * 1e3
            checks.append(dict(n_sat=n, orbits=label, check="NumPy J2 vs our J2 (ITRS)",
                               max_abs_diff_m=d_j2, tolerance_m=J2_TOL_M))
            del eph, r_np
            sky_note = ""
            if ecc_max == 0.0:
                t_sky, n_sky, warm = skyfield_loop(sats, grid, args.skyfield_sample)
                t[("skyfield loop", 1)] = t_sky
                sky_note = (f"{n_sky} sats timed after a discarded warm-up satellite "
                            f"({warm:.2f} s) on the same Time; x{n / n_sky:.1f} extrapolated")
            notes = {
                "SatrecArray": "TEME pos + vel; no thread control; baseline",
                "cysgp4": "TEME pos only; OpenMP (cysgp4.set_num_threads); own process",
                "our SGP4": f"ITRS; + setup {setup:.2f} s once per set",
                "NumPy J2": "ITRS; same model as our J2; NumPy is single-threaded",
                "our J2": "ITRS; recurrences on the regular grid; vs SatrecArray is across models",
                "our J2 direct": "ITRS; every sample from scratch, as NumPy J2 does",
                "skyfield loop": "ITRS; " + sky_note,
            }
            base = t[("SatrecArray", 1)]
            for (name, nt), sec in t.items():
                rows.append(dict(n_sat=n, n_time=grid.count, orbits=label, path=name,
                                 threads=nt, wall_s=sec, states_per_s=n_states / sec,
                                 vs_satrec_array=base / sec, note=notes[name]))

            def ratio(ours, peer, kind):
                t1 = t[(ours, 1)]
                ta = t[(ours, nall)]
                peer_1 = t.get((peer, 1))
                peer_best = min(v for (nm, _), v in t.items() if nm == peer)
                ratios.append(dict(n_sat=n, orbits=label, ours=ours, baseline=peer, kind=kind,
                                   per_thread=peer_1 / t1, all_threads=peer_best / ta,
                                   threads_ours=nall,
                                   threads_baseline=min(((v, k) for (nm, k), v in t.items()
                                                         if nm == peer))[1]))

            ratio("our SGP4", "SatrecArray", "same model (SGP4)")
            if has_cysgp4:
                ratio("our SGP4", "cysgp4", "same model (SGP4)")
            ratio("our J2", "NumPy J2", "same model (J2 secular)")
            ratio("our J2 direct", "NumPy J2", "same model and evaluation (direct)")
            ratio("our J2", "SatrecArray", "different models (J2 secular vs SGP4)")
        print(f"... {n} satellites done", file=sys.stderr, flush=True)
    if pool is not None:
        pool.shutdown()

    print(readme_table(rows, nall))
    print()
    print(f"States per second over {grid.count:,} steps (best of {repeat_default} after a "
          f"warm-up call; 1 above 5,000 satellites). `threads` = threads the row ran with "
          f"({nall} = all).\n")
    print(C.markdown_table(
        ["satellites", "orbits", "path", "threads", "wall s", "states/s", "vs SatrecArray",
         "note"],
        [(f"{r['n_sat']:,}", r["orbits"], r["path"], r["threads"], C.fmt_s(r["wall_s"]),
          C.fmt_rate(r["states_per_s"]), C.fmt_ratio(r["vs_satrec_array"]), r["note"])
         for r in rows], align="rllrrrrl"))
    print()
    print("Ratios (baseline time / our time). *per thread*: ours at 1 thread vs the baseline "
          "at 1 thread; *all threads*: ours at all threads vs the baseline at its best thread "
          "count (stated).\n")
    print(C.markdown_table(
        ["satellites", "orbits", "ours", "baseline", "models", "per thread",
         "all threads", "threads (ours / baseline best)"],
        [(f"{r['n_sat']:,}", r["orbits"], r["ours"], r["baseline"], r["kind"],
          C.fmt_ratio(r["per_thread"]), C.fmt_ratio(r["all_threads"]),
          f"{r['threads_ours']} / {r['threads_baseline']}") for r in ratios],
        align="rllllrrl"))
    print()
    print("Agreement checks (same TLEs, same instants; maximum absolute coordinate difference):\n")
    print(C.markdown_table(
        ["satellites", "orbits", "check", "max difference m", "tolerance m"],
        [(f"{c['n_sat']:,}", c["orbits"], c["check"], f"{c['max_abs_diff_m']:.3g}",
          f"{c['tolerance_m']:g}") for c in checks], align="rllrr"))
    bad = [c for c in checks if not c["max_abs_diff_m"] <= c["tolerance_m"]]
    result = dict(script="propagation", argv=sys.argv[1:], header=info, compile_s=ct,
                  rows=rows, ratios=ratios, checks=checks)
    if args.json:
        C.write_json(args.json, result)
    if bad:
        print(f"\nFAILED agreement checks: {bad}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(ARGS))
