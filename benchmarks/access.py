"""Access-interval benchmark: ``constellation.access_intervals`` vs brahe ``location_accesses``.

Run from the repository root::

    python benchmarks/access.py             # full job (minutes: brahe takes most of it)
    python benchmarks/access.py --quick     # smaller job, ~1-2 min with brahe
    python benchmarks/access.py --json out.json
    python benchmarks/access.py --no-brahe  # ours only (stage profile)

Job (issue 18): Walker 300/10/1 at 1,000 km and 80 deg inclination; 100 points on a 10 x 10
lattice over Japan (30-45 N, 128-146 E, sea level); one day from 2026-11-21T00:00Z at 30 s
steps; a 10 deg elevation mask. ``--quick``: Walker 100/10/1 and a 5 x 5 lattice over the same
box (a third of the satellites, a quarter of the points), same day, step and mask.

Both sides get the **same TLEs**: the constellation is written as a TLE file
(:func:`orbits.tle.write_tle`) and read back (:func:`orbits.tle.read_tle`) for ours, and
the same lines build brahe's ``SGPPropagator.from_tle``. brahe runs offline with a
``StaticEOPProvider.from_zero()`` (UT1 = UTC, no polar motion; ours uses skyfield's
built-in UT1-UTC, 0.086 s that day, <= 40 m of Earth rotation, and no polar motion), its grid search at 30 s like ours, and ``time_tolerance``
0.05 s, the width our rise/set bisection stops at (:data:`constellation.access.REFINE_BRACKET_S`).

Timed (wall clock, ``time.perf_counter``):

- ours: ``access_intervals`` (which returns the table ``accesses.csv`` is written from,
  timestamps formatted), best of 3 after a warm-up call (JIT compile / cache load outside
  the timing), at 1 numba thread and at all threads; per-stage times from wrappers around
  the module's stage functions; and the CSV write (:func:`hgvcov.csvformat.write_csv`);
  the cores used are the process's CPU time over the wall time of that call;
- brahe: one ``location_accesses`` call at 1 thread and one at all threads
  (``brahe.set_num_threads``, ``AccessSearchConfig(num_threads=...)``).

Matching: an interval of ours and one of brahe's match when they have the same satellite and
point and overlap in time (one-to-one, in start order). Start/end differences (ours minus
brahe, s) are taken over matched intervals that are not clipped at the day's ends.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numba  # noqa: E402

import constellation.access as access_mod  # noqa: E402
from constellation.access import access_intervals  # noqa: E402
from constellation.points import load_points  # noqa: E402
from constellation.sensors import Sensor  # noqa: E402
from constellation.walker import walker  # noqa: E402
from hgvcov.bench_peers import numba_threads  # noqa: E402
from hgvcov.csvformat import ACCESS_DECIMALS, write_csv  # noqa: E402
from orbits.timegrid import time_grid  # noqa: E402
from orbits.tle import read_tle, write_tle  # noqa: E402

START = "2026-11-21T00:00:00Z"
STEP_S = 30.0
DAY_S = 86400.0
MIN_EL_DEG = 10.0
BRAHE_TOL_S = 0.05
STAGES = (("_scan", "scan (propagate + test + brackets)"),
          ("_refine_crossings", "rise/set refinement"),
          ("_max_elevation", "maximum elevation"),
          ("_access_frame", "table + timestamp strings"))


def build_job(quick, workdir):
    """Satellites (read back from a TLE file), points, time grid, sensor and the TLE path."""
    n_sat, n_side = (100, 5) if quick else (300, 10)
    sats0 = walker("delta", n_sat, 10, 1, 1000.0, 80.0, START, name_prefix="W")
    tle_path = write_tle(sats0, Path(workdir) / "walker.tle")
    sats = read_tle(tle_path)
    lats = np.linspace(30.0, 45.0, n_side)
    lons = np.linspace(128.0, 146.0, n_side)
    pts = load_points([{"name": f"P{i:02d}{j:02d}", "lat_deg": float(la), "lon_deg": float(lo)}
                       for i, la in enumerate(lats) for j, lo in enumerate(lons)])
    grid = time_grid(START, STEP_S, duration_s=DAY_S)
    return sats, pts, grid, Sensor(min_elevation_deg=MIN_EL_DEG), tle_path


class StageTimer:
    """Wraps the stage functions of :mod:`constellation.access` to sum their wall times."""

    def __init__(self):
        self.t = {}
        self._orig = {}

    def __enter__(self):
        for name, label in STAGES:
            fn = getattr(access_mod, name, None)
            if fn is None:
                continue
            self._orig[name] = fn

            def wrapped(*a, _fn=fn, _label=label, **k):
                t0 = time.perf_counter()
                try:
                    return _fn(*a, **k)
                finally:
                    self.t[_label] = self.t.get(_label, 0.0) + time.perf_counter() - t0
            setattr(access_mod, name, wrapped)
        return self

    def __exit__(self, *exc):
        for name, fn in self._orig.items():
            setattr(access_mod, name, fn)


def time_ours(sats, pts, grid, sensor, threads, repeats, workdir):
    """Best-of-``repeats`` wall time of ``access_intervals`` at ``threads`` numba threads."""
    with numba_threads(threads):
        return _time_ours(sats, pts, grid, sensor, repeats, workdir)


def _time_ours(sats, pts, grid, sensor, repeats, workdir):
    best = None
    for _ in range(repeats):
        with StageTimer() as st:
            c0 = os.times()
            t0 = time.perf_counter()
            df = access_intervals(sats, pts, grid, sensor)
            wall = time.perf_counter() - t0
            c1 = os.times()
        t0 = time.perf_counter()
        write_csv(df, Path(workdir) / "accesses.csv", ACCESS_DECIMALS)
        csv_s = time.perf_counter() - t0
        cpu = (c1.user - c0.user) + (c1.system - c0.system)
        if best is None or wall < best["wall_s"]:
            best = {"wall_s": wall, "stages_s": dict(st.t), "csv_write_s": csv_s, "cpu_s": cpu}
    return df, best


def ut1_minus_utc_s(grid):
    """UT1 - UTC (s) at the grid's first instant, as our frames use it (skyfield built-in)."""
    uw, uf = grid.jd_ut1_parts()
    cw, cf = grid.jd_utc_parts()
    return float(((uw[0] - cw[0]) + (uf[0] - cf[0])) * DAY_S)


def run_brahe(tle_path, pts, grid, threads):
    """brahe ``location_accesses`` on the same TLEs, points, day and mask.

    Returns (list of (satellite, point, start_s, end_s), wall s, brahe version)."""
    import brahe as bh

    # UT1 = UTC, no polar motion: brahe 1.8.0 with StaticEOPProvider.from_values(ut1_utc=0.086)
    # (our UT1-UTC on that day) moves its passes by ~80 s, so the zero provider is used; the
    # 0.086 s of Earth rotation it leaves out is <= 40 m on the ground (~0.01 s of a pass)
    bh.set_global_eop_provider_from_static_provider(bh.StaticEOPProvider.from_zero())
    bh.set_num_threads(threads)
    lines = [ln.rstrip("\n") for ln in Path(tle_path).read_text().splitlines() if ln.strip()]
    props = []
    for i in range(0, len(lines), 3):
        p = bh.SGPPropagator.from_tle(lines[i + 1], lines[i + 2], 60.0)
        props.append(p.with_name(lines[i].strip()))
    locs = [bh.PointLocation(float(lo), float(la), 1000.0 * float(h)).with_name(str(n))
            for n, la, lo, h in zip(pts.name, pts.lat_deg, pts.lon_deg, pts.altitude_km)]
    t0 = bh.Epoch(2026, 11, 21, 0, 0, 0.0, time_system=bh.TimeSystem.UTC)
    t1 = t0 + DAY_S
    cfg = bh.AccessSearchConfig(initial_time_step=STEP_S, time_tolerance=BRAHE_TOL_S,
                                parallel=threads > 1, num_threads=threads)
    c = bh.ElevationConstraint(min_elevation_deg=MIN_EL_DEG)
    tic = time.perf_counter()
    wins = bh.location_accesses(locs, props, t0, t1, c, config=cfg)
    wall = time.perf_counter() - tic
    out = [(w.satellite_name, w.location_name, float(w.window_open - t0),
            float(w.window_close - t0)) for w in wins]
    return out, wall, getattr(bh, "__version__", "?")


def match(df, theirs, t_end):
    """Match intervals by satellite, point and overlap; statistics of start/end differences."""
    ours = {}
    for s, p, a, b, cs, ce in zip(df.satellite, df.point, df.start_s, df.end_s,
                                  df.clipped_start, df.clipped_end):
        ours.setdefault((s, p), []).append((a, b, cs, ce))
    ref = {}
    for s, p, a, b in theirs:
        ref.setdefault((s, p), []).append((a, b))
    n_match = 0
    only_ours = only_brahe = 0
    dur_ours, dur_brahe = [0.0], [0.0]      # durations of the unmatched intervals (s)
    d_start, d_end = [], []
    for key in set(ours) | set(ref):
        A = sorted(ours.get(key, []))
        B = sorted(ref.get(key, []))
        i = j = 0
        while i < len(A) and j < len(B):
            a0, a1, cs, ce = A[i]
            b0, b1 = B[j]
            if a1 < b0:
                only_ours += 1
                dur_ours.append(a1 - a0)
                i += 1
            elif b1 < a0:
                only_brahe += 1
                dur_brahe.append(b1 - b0)
                j += 1
            else:
                n_match += 1
                if not cs and b0 > 1e-6:
                    d_start.append(a0 - b0)
                if not ce and b1 < t_end - 1e-6:
                    d_end.append(a1 - b1)
                i += 1
                j += 1
        only_ours += len(A) - i
        only_brahe += len(B) - j
        dur_ours += [a1 - a0 for a0, a1, _, _ in A[i:]]
        dur_brahe += [b1 - b0 for b0, b1 in B[j:]]

    def stats(d):
        d = np.abs(np.asarray(d))
        if d.size == 0:
            return {"n": 0, "median_s": math.nan, "p99_s": math.nan, "max_s": math.nan}
        return {"n": int(d.size), "median_s": float(np.median(d)),
                "p99_s": float(np.percentile(d, 99)), "max_s": float(d.max())}
    signed = np.asarray(d_start + d_end)
    return {"ours": int(len(df)), "brahe": int(len(theirs)), "matched": n_match,
            "only_ours": only_ours, "only_brahe": only_brahe,
            "only_ours_max_duration_s": float(max(dur_ours)),
            "only_brahe_max_duration_s": float(max(dur_brahe)),
            "start_diff": stats(d_start), "end_diff": stats(d_end),
            "mean_signed_diff_s": float(signed.mean()) if signed.size else math.nan}


def _md(rows, header):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="Walker 100/10/1 x 25 points (a smaller job, ~1-2 min with brahe)")
    ap.add_argument("--no-brahe", action="store_true", help="time ours only")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of ours (best kept)")
    ap.add_argument("--json", help="also write every figure to this JSON file")
    a = ap.parse_args(argv)
    n_all = numba.config.NUMBA_NUM_THREADS
    res = {"quick": a.quick, "threads_all": n_all, "cpu_count": os.cpu_count()}
    with tempfile.TemporaryDirectory() as wd:
        sats, pts, grid, sensor, tle = build_job(a.quick, wd)
        job = (f"Walker {len(sats)} sats at 1,000 km, 80 deg x {len(pts)} points over Japan x "
               f"1 day at {STEP_S:g} s ({grid.count} steps), {MIN_EL_DEG:g} deg mask")
        if a.quick:
            job += " (--quick: a third of the satellites, a quarter of the points)"
        res["job"] = job
        res["ut1_minus_utc_ours_s"] = ut1_minus_utc_s(grid)
        print(f"## Access intervals: {job}\n")
        t0 = time.perf_counter()
        access_intervals(sats, pts, time_grid(START, STEP_S, count=4), sensor)
        res["warmup_s"] = time.perf_counter() - t0
        runs = {}
        for th in sorted({1, n_all}):
            df, runs[th] = time_ours(sats, pts, grid, sensor, th, a.repeats, wd)
        res["ours"] = {str(k): v for k, v in runs.items()}
        res["n_access"] = int(len(df))
        br = {}
        if not a.no_brahe:
            for th in sorted({1, n_all}):
                windows, wall, ver = run_brahe(tle, pts, grid, th)
                br[th] = wall
            res["brahe"] = {"version": ver, "wall_s": {str(k): v for k, v in br.items()},
                            "time_tolerance_s": BRAHE_TOL_S}
            res["match"] = match(df, windows, DAY_S)

    rows = []
    for th in sorted(runs):
        r = runs[th]
        row = [th, f"{r['wall_s']:.3f}", f"{r['cpu_s'] / r['wall_s']:.2f}",
               f"{r['csv_write_s']:.3f}"]
        if br:
            row += [f"{br[th]:.2f}", f"{br[th] / r['wall_s']:.1f}x"]
        rows.append(row)
    head = ["threads", "ours access_intervals (s)", "cores used (CPU s / wall s)",
            "ours CSV write (s)"]
    if br:
        head += [f"brahe {res['brahe']['version']} location_accesses (s)", "brahe / ours"]
    print(_md(rows, head))
    print(f"\n{res['n_access']} accesses; JIT warm-up (compile or cache load) "
          f"{res['warmup_s']:.1f} s, not included.\n")
    stage_rows = []
    for label in [lab for _, lab in STAGES]:
        vals = [runs[th]["stages_s"].get(label) for th in sorted(runs)]
        if all(v is None for v in vals):
            continue
        stage_rows.append([label] + [f"{v:.3f}" if v is not None else "-" for v in vals])
    stage_rows.append(["total access_intervals"] + [f"{runs[th]['wall_s']:.3f}" for th in sorted(runs)])
    print(_md(stage_rows, ["stage (s)"] + [f"{th} thread(s)" for th in sorted(runs)]))
    if br:
        m = res["match"]
        print()
        print(_md([[m["ours"], m["brahe"], m["matched"], m["only_ours"], m["only_brahe"],
                    f"{m['only_ours_max_duration_s']:.1f} / {m['only_brahe_max_duration_s']:.1f}"]],
                  ["ours", "brahe", "matched", "only ours", "only brahe",
                   "longest unmatched, ours / brahe (s)"]))
        print()
        print(_md([[k.replace("_diff", ""), m[k]["n"], f"{m[k]['median_s']:.3f}",
                    f"{m[k]['p99_s']:.3f}", f"{m[k]['max_s']:.3f}"]
                   for k in ("start_diff", "end_diff")],
                  ["|ours - brahe|", "n", "median (s)", "p99 (s)", "max (s)"]))
        print(f"\nmean signed difference (ours - brahe) {m['mean_signed_diff_s']:+.3f} s; "
              f"brahe time_tolerance {BRAHE_TOL_S} s, ours bracket "
              f"{access_mod.REFINE_BRACKET_S} s (midpoint).")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
