"""HGV track coverage Monte Carlo: our numba kernels vs NumPy broadcasting.

Run from the repository root::

    python benchmarks/tracks.py                 # 100 launch times, samples every 5 s
    python benchmarks/tracks.py --quick         # 50 launch times, smaller baseline subset
    python benchmarks/tracks.py --launches 100 --step 5 --baseline-subset 3000 --json t.json

Workload: Walker 300/10/1 at 1,000 km and 80 deg, default sensor (10 deg elevation mask,
20 deg stereo angle), three library threats (north-china-tokyo, central-china-kadena,
central-china-guam) flown once with ``hgv_models.fly_threat`` and sampled every ``--step``
seconds, launched at ``--launches`` stratified random times across one day (snapped to the
sample step): the :func:`constellation.tracks.monte_carlo` workload.

Rows (stage by stage; ours at 1 thread and at all threads, ``numba.set_num_threads``):

* ``propagation, distinct instants`` -- both sides call the same
  ``orbits.propagate(..., "sgp4")`` on the *distinct* sample instants (``np.unique`` of all
  sample times: launches snapped to the sample step share instants). Ours: the
  propagation stage of ``monte_carlo`` (chunked, interleaved with detection); baseline: one
  call on all distinct instants, timed in full (best of ``--repeat``). Same function, so the ratio is ~1: listed
  so the totals add up.
* ``propagation, every sample (no de-duplication)`` -- labelled alternative baseline: every
  sample instant propagated as given (what a per-launch loop does), timed on
  ``--baseline-subset`` samples and extrapolated linearly.
* ``detection + best stereo pair`` -- ours: :func:`constellation.kernels.track_samples`
  (numba, ``prange`` over sample blocks) plus the handover kernel, as timed inside
  ``monte_carlo``; baseline: NumPy broadcasting over (samples x satellites) for the
  elevation test, then per sample a vectorised pair search (cosine matrix, stereo window,
  closed-form triangulation error, argmin), timed on ``--baseline-subset`` samples and
  extrapolated. Its counts, stereo flags and errors are checked against our kernel on that
  subset (assertions). NumPy is single-threaded.
* ``total`` -- ours: wall time of ``monte_carlo`` (also metrics); baseline: the two
  same-method stages above (distinct instants + NumPy detection); and, labelled, with the
  non-deduplicated propagation.

JIT compile (or cache load) is timed apart on a 2-launch first call; ours is then timed
best of ``--repeat`` after a warm-up call at all threads, and once at 1 thread.
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

from constellation import kernels  # noqa: E402
from constellation.sensors import Sensor, sensor_table  # noqa: E402
from constellation.tracks import prepare_flight, reach_parameters, launch_offsets_s, monte_carlo  # noqa: E402
from constellation.walker import walker  # noqa: E402
from hgv_models import fly_threat  # noqa: E402
from hgv_models.threats import THREAT_LIBRARY  # noqa: E402
from orbits.propagate import propagate  # noqa: E402
from orbits.timegrid import TimeGrid  # noqa: E402

START = "2026-11-21T00:00:00Z"
THREATS = ("north-china-tokyo", "central-china-kadena", "central-china-guam")


def samples(flights, offsets):
    sec, xyz, up = [], [], []
    for fl in flights:
        for off in offsets:
            sec.append(off + fl.time_s)
            xyz.append(fl.xyz)
            up.append(fl.up)
    return np.concatenate(sec), np.concatenate(xyz), np.concatenate(up)


def numpy_baseline(pos_s, tgt, up, sensor):
    """Counts, stereo flags and best-pair errors with NumPy broadcasting (pos_s: (m, n_sat, 3))."""
    d = pos_s - tgt[:, None, :]
    r = np.linalg.norm(d, axis=2)
    sin_el = np.einsum("msk,mk->ms", d, up) / r
    det = sin_el >= math.sin(math.radians(sensor.min_elevation_deg))
    n_detect = det.sum(axis=1)
    stereo = np.zeros(len(tgt), bool)
    err = np.full(len(tgt), np.nan)
    cmin = math.cos(math.radians(sensor.stereo_min_angle_deg))
    sig = sensor.angular_noise_urad * 1e-6
    for i in np.flatnonzero(n_detect >= 2):
        idx = np.flatnonzero(det[i])
        u = d[i, idx] / r[i, idx, None]
        c = u @ u.T
        a, b = np.triu_indices(idx.size, 1)
        ok = np.abs(c[a, b]) <= cmin
        if not ok.any():
            continue
        a, b = a[ok], b[ok]
        q1 = (sig * r[i, idx[a]]) ** 2
        q2 = (sig * r[i, idx[b]]) ** 2
        s2 = 1.0 - c[a, b] ** 2
        e = 1000.0 * np.sqrt((q1 + q2) / s2 + q1 * q2 / (q1 + q2))
        stereo[i] = True
        err[i] = e.min()
    return n_detect, stereo, err


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    C.add_common_arguments(ap)
    ap.add_argument("--launches", type=int, default=None, help="launch times (100; --quick 50)")
    ap.add_argument("--step", type=float, default=5.0)
    ap.add_argument("--baseline-subset", type=int, default=None,
                    help="samples the NumPy baseline is timed on (3000; --quick 2000)")
    ap.add_argument("--repeat", type=int, default=None, help="best of N (3; --quick 2)")
    args = ap.parse_args(argv)
    launches = args.launches or (50 if args.quick else 100)
    subset = args.baseline_subset or (2000 if args.quick else 3000)
    repeat = args.repeat or (2 if args.quick else 3)
    info = C.machine_info()
    nall = C.all_threads()
    print(C.header_markdown(info, "Track coverage Monte Carlo benchmark"))
    print(f"- command: `python benchmarks/tracks.py "
          f"{' '.join(sys.argv[1:] if argv is None else argv)}`")
    print()

    sats = walker("delta", 300, 10, 1, 1000.0, 80.0, START)
    sensor = Sensor()
    t_fly, trajs = C.timed_once(
        lambda: [(n, fly_threat(THREAT_LIBRARY[n], sample_step_s=args.step)) for n in THREATS])

    def run(n_launch):
        return monte_carlo(sats, trajs, sensor, START, n_launch_times=n_launch, seed=1,
                           sample_step_s=args.step, radar_sites=[])

    jit_s, _ = C.timed_once(lambda: run(2))
    ours = {}
    wall, df = C.best_time(lambda: run(launches), repeat, warmup=1)
    ours[nall] = dict(df.attrs["timings"], wall_s=wall)
    with C.numba_threads(1):
        wall1, df1 = C.best_time(lambda: run(launches), 1, warmup=0)
    ours[1] = dict(df1.attrs["timings"], wall_s=wall1)
    tim = ours[nall]
    n_samp, n_inst = tim["n_samples"], tim["n_instants"]

    # ---- the same samples for the baselines
    flights = [prepare_flight(n, t, [sensor], args.step, None) for n, t in trajs]
    offsets = launch_offsets_s(launches, 86400.0, seed=1, snap_s=args.step)
    sec, xyz, up = samples(flights, offsets)
    instants, tidx = np.unique(sec, return_inverse=True)
    assert instants.size == n_inst and sec.size == n_samp, "baseline workload differs from ours"
    rng = np.random.default_rng(0)
    sub = np.sort(rng.choice(sec.size, size=min(subset, sec.size), replace=False))

    base = {}
    # propagation, same de-duplication as ours: every distinct instant, timed in full
    grid_u = TimeGrid.from_seconds(START, instants)
    for nt in sorted({1, nall}):
        with C.numba_threads(nt):
            base[("prop_dedup", nt)], eph_u = C.best_time(
                lambda: propagate(sats, grid_u, "sgp4"), repeat, warmup=0)
    # propagation without de-duplication (labelled): subset of samples, extrapolated
    grid_s = TimeGrid.from_seconds(START, np.sort(sec[sub]))
    for nt in sorted({1, nall}):
        with C.numba_threads(nt):
            t_s, _ = C.best_time(lambda: propagate(sats, grid_s, "sgp4"), repeat, warmup=0)
        base[("prop_all", nt)] = t_s * sec.size / sub.size

    # detection baseline: NumPy broadcasting on the subset, positions of the distinct instants
    idx = sub
    pos_s = np.ascontiguousarray(eph_u.positions_km[tidx[idx]])
    valid = np.ascontiguousarray(eph_u.valid[tidx[idx]])
    t0 = time.perf_counter()
    nd_b, st_b, err_b = numpy_baseline(pos_s, xyz[idx], up[idx], sensor)
    det_sub = time.perf_counter() - t0
    base[("detect", 1)] = det_sub * sec.size / sub.size

    # our kernel on exactly the same subset: agreement check and per-sample time
    m = idx.size
    table = sensor_table([sensor])
    nd = np.zeros(m, np.int64)
    st = np.zeros(m, bool)
    conv = np.full(m, np.nan)
    err = np.full(m, np.nan)
    pa = np.full(m, -1, np.int64)
    pb = np.full(m, -1, np.int64)
    near = np.full(m, -1, np.int64)
    tid = np.arange(m, dtype=np.int64)
    inten = np.full((m, 1), np.nan)
    si = np.zeros(len(sats), np.int64)
    x_s = np.ascontiguousarray(xyz[idx])
    u_s = np.ascontiguousarray(up[idx])
    rs_max = float(np.nanmax(np.linalg.norm(pos_s, axis=2)))
    k_sub, _ = C.best_time(lambda: kernels.track_samples(
        pos_s, valid, 0, tid, tid, x_s, u_s, inten, si, table, nd, st, conv, err, pa, pb, near,
        rs_max, *reach_parameters(table)), 3)
    assert np.array_equal(nd, nd_b), "n_detect differs from the NumPy baseline"
    assert np.array_equal(st, st_b), "stereo differs from the NumPy baseline"
    np.testing.assert_allclose(err, err_b, rtol=1e-9)

    def row(stage, o1, oa, b1, ba, note):
        return dict(stage=stage, ours_1=o1, ours_all=oa, base_1=b1, base_all=ba,
                    per_thread=(b1 / o1) if (o1 and b1) else None,
                    all_threads=(min(b1, ba) / oa) if (oa and ba) else None, note=note)

    o1, oa = ours[1], ours[nall]
    tot_b1 = base[("prop_dedup", 1)] + base[("detect", 1)]
    tot_ba = base[("prop_dedup", nall)] + base[("detect", 1)]
    tot_nd1 = base[("prop_all", 1)] + base[("detect", 1)]
    tot_nda = base[("prop_all", nall)] + base[("detect", 1)]
    rows = [
        row(f"propagation, {n_inst:,} distinct instants", o1["propagation_s"],
            oa["propagation_s"], base[("prop_dedup", 1)], base[("prop_dedup", nall)],
            "same `orbits.propagate` call both sides; timed in full"),
        row(f"propagation, every one of {n_samp:,} samples (no de-duplication)", None, None,
            base[("prop_all", 1)], base[("prop_all", nall)],
            f"baseline without np.unique; {sub.size:,} samples timed, extrapolated"),
        row("detection + best stereo pair", o1["detection_s"], oa["detection_s"],
            base[("detect", 1)], base[("detect", 1)],
            f"NumPy broadcasting (1 thread); {sub.size:,} samples timed, extrapolated"),
        row("total, same de-duplication (main row)", o1["wall_s"], oa["wall_s"], tot_b1, tot_ba,
            "ours incl. metrics; baseline = distinct-instant propagation + NumPy detection"),
        row("total, baseline without de-duplication", o1["wall_s"], oa["wall_s"], tot_nd1, tot_nda,
            "labelled alternative: every sample propagated"),
    ]
    print(f"Workload: {len(sats)} satellites, {len(trajs)} threats x {launches} launches = "
          f"{len(df)} tracks, {n_samp:,} samples at {n_inst:,} distinct instants. Flying the 3 "
          f"threats: {t_fly:.2f} s (incl. hgv_models JIT). Ours, first call on 2 launches "
          f"(JIT compile or cache load + run): {jit_s:.2f} s, not in any figure below (a cache load "
          f"when numba's on-disk cache is warm); ours "
          f"at {nall} threads best of {repeat} after a warm-up call, at 1 thread one call.\n")

    def f(x):
        return C.fmt_s(x) if x else "–"

    print(C.markdown_table(
        ["stage", "ours 1 thread s", f"ours {nall} threads s", "baseline 1 thread s",
         f"baseline {nall} threads s", "per thread", "all threads", "note"],
        [(r["stage"], f(r["ours_1"]), f(r["ours_all"]), f(r["base_1"]), f(r["base_all"]),
          C.fmt_ratio(r["per_thread"]), C.fmt_ratio(r["all_threads"]), r["note"]) for r in rows],
        align="lrrrrrrl"))
    print(f"\n*per thread*: baseline at 1 thread / ours at 1 thread; *all threads*: baseline at "
          f"its best thread count / ours at {nall} threads. The NumPy detection is "
          "single-threaded, so its 1-thread time is used in both baseline columns. Per sample "
          f"on the same {m:,}-sample subset: NumPy {det_sub / m * 1e6:.0f} us, our kernel "
          f"({nall} threads) {k_sub / m * 1e6:.1f} us (x{det_sub / k_sub:.1f}); counts, stereo "
          "flags and triangulation errors agree (asserted).")
    result = dict(script="tracks", argv=sys.argv[1:] if argv is None else argv, header=info,
                  launches=launches, n_samples=n_samp, n_instants=n_inst, jit_s=jit_s,
                  ours={str(k): v for k, v in ours.items()}, rows=rows,
                  per_sample_us=dict(numpy=det_sub / m * 1e6, ours=k_sub / m * 1e6))
    if args.json:
        C.write_json(args.json, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
