"""Threat ensembles: batch flying and tracking vs the per-threat path in a loop.

Run from the repository root::

    python benchmarks/ensemble.py                 # 10,000 flights (issue 20's goal)
    python benchmarks/ensemble.py --quick         # 1,000 flights, smaller baseline subset
    python benchmarks/ensemble.py --flights 2000 --baseline-subset 40 --json e.json
    python benchmarks/ensemble.py --workload factorial   # one of the two workloads

Workloads: the built-in default scenario's constellation (``sda-tranche1-tracking``, 28
satellites, default sensor), window (6 h from 2026-11-21T00:00Z) and track step (2 s);
one ``[[threat_ensemble]]`` of ``--flights`` flights, CAV-H, no manoeuvre, seed 1, aim
points the built-in library's defended sites (Tokyo, Kadena AB, Andersen AFB Guam,
Taipei):

* ``box`` (issue 20's goal) -- launch points uniform over the area of a box on the Asian
  mainland (28-46 N, 100-128 E), launch times 100 whole seconds drawn over the window:
  every flight a distinct (launch, aim) pair, so every flight is flown.
* ``factorial`` -- 5 launch sites (:data:`SITES`) x 4 aims x ``--flights / 20`` launch
  times drawn over the window (``factorial = true``): 20 distinct pairs, each flown once
  and its trajectory tracked at every launch time.

Rows (ours at 1 thread and at all threads, ``numba.set_num_threads``; wall clock and CPU
time of the process, ``time.process_time``, all threads; split into flying and tracking by
``run_ensemble(timings=...)``):

* ``ours`` -- :func:`hgvcov.ensemble.run_ensemble`: distinct pairs flown in blocks by
  :func:`hgv_models.flight.fly_threats` (shooting iterations in lockstep, one numba batch
  glide call per round), tracked by ``track_coverage(..., tidy_tracks=False)`` in chunks of
  ~500,000 samples, corridor grid accumulated.  Timed once after a warm-up run of 8
  flights (compiles / loads the kernels).
* ``per-threat loop`` -- the existing single-threat path per flight: ``Threat`` +
  :func:`hgv_models.threats.fly_threat` + :func:`constellation.track_coverage` (one flight
  per call, tidy table built, as ``[[threat]]`` entries are scored), timed on
  ``--baseline-subset`` flights spread over the ensemble (every (N/k)-th, after one
  warm-up flight) and extrapolated linearly to all flights (stated).  Since this branch ``fly_threat`` itself runs the batch code on a
  batch of one (numba boost burnout, 2 s shooting steps), so this baseline is already
  faster than the loop before the branch; the figure measured before is quoted in the
  README; ``--baseline-checkout DIR`` times that older code too (same flights, its own
  ``fly_threat``), in a subprocess.

Check: for the subset, the per-flight figures of ``ensemble.csv`` (flight time, first
detection, first stereo, custody and stereo fractions, longest gap, warning times) must
equal the per-threat path's exactly (``==``, NaN = NaN); the script prints how many differ
(0 expected) and fails otherwise.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402

from constellation import track_coverage  # noqa: E402
from hgv_models.threats import THREAT_LIBRARY, Threat, fly_threat  # noqa: E402
from hgvcov.ensemble import (ENSEMBLE_COLUMNS, FLIGHT_COLUMNS, CorridorGrid,  # noqa: E402
                             ensemble_flights, flight_bank, run_ensemble)
from hgvcov.run.stages import JAPAN_RADAR_SITES  # noqa: E402
from hgvcov.scenario import scenario_from_toml  # noqa: E402
from hgvcov.scenario.load import default_scenario_toml  # noqa: E402

AIMS = {"tokyo": "north-china-tokyo", "kadena": "central-china-kadena",
        "guam": "central-china-guam", "taipei": "sichuan-taipei"}
BOX = {"lat_deg": (28.0, 46.0), "lon_deg": (100.0, 128.0)}
#: Launch sites of the factorial workload (lat, lon deg): Beijing area, Jilin, Hunan,
#: Sichuan, Shandong.
SITES = ((40.0, 116.0), (44.0, 125.5), (28.0, 113.0), (30.6, 104.0), (36.0, 120.0))
#: ensemble.csv columns that come from the tracking (compared with the per-threat path).
TRACK_KEYS = tuple(c for c in ENSEMBLE_COLUMNS[ENSEMBLE_COLUMNS.index("flight_time_s"):]
                   if c not in FLIGHT_COLUMNS) + ("launch_utc",)


def scenario(n_flights: int, workload: str = "box"):
    aims = ", ".join(f'{{name = "{k}", lat_deg = {THREAT_LIBRARY[v].aim_lat_deg}, '
                     f'lon_deg = {THREAT_LIBRARY[v].aim_lon_deg}}}' for k, v in AIMS.items())
    if workload == "factorial":
        n_times = max(1, int(n_flights) // (len(SITES) * len(AIMS)))
        sites = ", ".join(f"[{a}, {b}]" for a, b in SITES)
        body = f"""launch = [{sites}]
factorial = true
launch_times = {n_times}"""
    else:
        body = f"""launch_box = {{lat_deg = [{BOX['lat_deg'][0]}, {BOX['lat_deg'][1]}], lon_deg = [{BOX['lon_deg'][0]}, {BOX['lon_deg'][1]}]}}
launch_times = 100
samples = {int(n_flights)}"""
    text = default_scenario_toml() + f"""
[[threat_ensemble]]
name = "japan-sites"
{body}
aim = [{aims}]
seed = 1
"""
    return scenario_from_toml(text)


def per_threat(spec, f, sats, sensors, sc):
    """The existing path for one flight: Threat, fly_threat, track_coverage."""
    th = Threat(name=f.name, launch_lat_deg=f.launch_lat_deg, launch_lon_deg=f.launch_lon_deg,
                aim_lat_deg=f.aim_lat_deg, aim_lon_deg=f.aim_lon_deg, vehicle=f.vehicle)
    try:
        traj = fly_threat(th, sample_step_s=sc.output.track_step_s, bank_deg=flight_bank(spec, f))
    except ValueError as exc:
        return str(exc)
    tr = track_coverage(sats, [(f.name, traj, f.launch_offset_s)], sensors, sc.time.start,
                        propagator=sc.time.propagator, radar_sites=JAPAN_RADAR_SITES)
    return tr.per_threat[f.name]


_OTHER = """
import json, sys, time
sys.path.insert(0, sys.argv[1]); sys.path.insert(1, sys.argv[2])
import ensemble as E
sc = E.scenario(int(sys.argv[3]), sys.argv[5])
spec = sc.threat_ensemble[0]
fl = E.ensemble_flights(spec, sc.time.start, sc.time.duration_s)
fl = fl[:: max(1, len(fl) // int(sys.argv[4]))][: int(sys.argv[4])]
sats, sensors = sc.build_satellites(), sc.build_sensors()
E.per_threat(spec, fl[0], sats, sensors, sc)
t0 = time.perf_counter()
for f in fl:
    E.per_threat(spec, f, sats, sensors, sc)
print(json.dumps({"s": time.perf_counter() - t0}))
"""


def other_checkout(path, n, k, workload="box"):
    """Seconds for ``k`` flights of the per-threat loop with the code in ``path``."""
    import json
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    env = {key: v for key, v in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = os.path.abspath(path)
    out = subprocess.run([sys.executable, "-c", _OTHER, os.path.abspath(path), here, str(n),
                          str(k), workload], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["s"]


def same(a, b) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        na = a is None or (isinstance(a, float) and math.isnan(a))
        nb = b is None or (isinstance(b, float) and math.isnan(b))
        return na and nb
    return a == b


def run_workload(workload, n, k_sub, a, rows, summary):
    """Time ours (1 and all threads) and the per-threat loop on ``k_sub`` flights; append
    table rows; return the number of per-flight figures differing from the per-threat path."""
    sc = scenario(n, workload)
    spec = sc.threat_ensemble[0]
    flights = ensemble_flights(spec, sc.time.start, sc.time.duration_s)
    n = len(flights)
    sats, sensors = sc.build_satellites(), sc.build_sensors()
    kw = dict(propagator=sc.time.propagator, radar_sites=JAPAN_RADAR_SITES,
              sample_step_s=sc.output.track_step_s)
    n_pairs = len({(f.launch_lat_deg, f.launch_lon_deg, f.aim) for f in flights})
    print(f"Workload `{workload}`: {n:,} flights, {n_pairs:,} distinct (launch, aim) pairs "
          f"({len(sats)} satellites, {sc.time.duration_s / 3600:g} h window, track step "
          f"{sc.output.track_step_s:g} s); per-threat path timed on {k_sub} flights and "
          f"extrapolated x{n / k_sub:,.1f}.\n")
    t_first, _ = C.timed_once(lambda: run_ensemble(spec, flights[:8], sats, sensors,
                                                   sc.time.start, **kw))
    ours, cpu, split = {}, {}, {}
    nt_all = C.all_threads()
    df = None
    for nt in sorted({1, nt_all}):
        with C.numba_threads(nt):
            corridor = CorridorGrid()
            tim: dict = {}
            c0 = time.process_time()
            t0 = time.perf_counter()
            df = run_ensemble(spec, flights, sats, sensors, sc.time.start, corridor=corridor,
                              timings=tim, **kw)
            ours[nt] = time.perf_counter() - t0
            cpu[nt] = time.process_time() - c0
            split[nt] = tim
    n_ok = int((df["status"] == "ok").sum())

    sub = flights[:: max(1, n // k_sub)][:k_sub]  # spread over the ensemble
    base, base_cpu = {}, {}
    results = None
    for nt in sorted({1, nt_all}):
        with C.numba_threads(nt):
            per_threat(spec, sub[0], sats, sensors, sc)  # warm-up
            c0 = time.process_time()
            t0 = time.perf_counter()
            results = [per_threat(spec, f, sats, sensors, sc) for f in sub]
            base[nt] = (time.perf_counter() - t0) * n / len(sub)
            base_cpu[nt] = (time.process_time() - c0) * n / len(sub)

    other = None
    if a.baseline_checkout:
        other = other_checkout(a.baseline_checkout, n, k_sub, workload) * n / k_sub

    by_name = df.set_index("flight")
    n_diff = 0
    for f, r in zip(sub, results):
        row = by_name.loc[f.name]
        if isinstance(r, str):
            n_diff += row["status"] == "ok"
            continue
        for key in TRACK_KEYS:
            v = row[key]
            v = None if (v is None or (isinstance(v, float) and math.isnan(v))) else v
            n_diff += not same(v, r[key])

    for nt in sorted(ours):
        ref = base[1] if nt == 1 else min(base.values())
        sp = split[nt]
        rows.append([workload, f"ours ({n_ok:,} flown, {n - n_ok} unreachable)", nt,
                     C.fmt_s(ours[nt]), C.fmt_s(cpu[nt]),
                     f"{sp['fly_wall_s']:.1f} / {sp['fly_cpu_s']:.1f}",
                     f"{sp['track_wall_s']:.1f} / {sp['track_cpu_s']:.1f}",
                     f"{n / ours[nt]:,.0f}", C.fmt_ratio(ref / ours[nt]),
                     C.fmt_ratio(other / ours[nt]) if other else "–"])
    for nt in sorted(base):
        rows.append([workload, f"per-threat loop (extrapolated from {len(sub)})", nt,
                     C.fmt_s(base[nt]), C.fmt_s(base_cpu[nt]), "–", "–",
                     f"{n / base[nt]:,.0f}", "1", "–"])
    if other:
        rows.append([workload, f"per-threat loop, {a.baseline_checkout} (extrapolated from "
                     f"{k_sub})", nt_all, C.fmt_s(other), "–", "–", "–", f"{n / other:,.0f}",
                     "–", "1"])
    summary[workload] = {"flights": n, "distinct_pairs": n_pairs, "baseline_subset": len(sub),
                         "ours_wall_s": {str(k): v for k, v in ours.items()},
                         "ours_cpu_s": {str(k): v for k, v in cpu.items()},
                         "ours_split_s": {str(k): v for k, v in split.items()},
                         "per_threat_loop_s": {str(k): v for k, v in base.items()},
                         "per_threat_loop_cpu_s": {str(k): v for k, v in base_cpu.items()},
                         "first_call_s": t_first, "other_checkout_s": other, "n_ok": n_ok,
                         "n_differing": n_diff}
    print(f"- `{workload}`: first call (8 flights: kernel compile or cache load): "
          f"{t_first:.1f} s; check: {len(sub)} flights, per-flight figures differing from "
          f"the per-threat path: {n_diff} (0 expected)")
    if workload == "box":
        print(f"- goal: 10,000 flights <= 60 s warm on 2 cores; ours at {nt_all} threads: "
              f"{ours[nt_all]:.1f} s wall ({cpu[nt_all]:.1f} s CPU) for {n:,} "
              f"(x{10000 / n:g} -> {ours[nt_all] * 10000 / n:.1f} s for 10,000, linear)")
    print()
    return n_diff


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flights", type=int, default=None, help="ensemble size (10,000; quick 1,000)")
    ap.add_argument("--baseline-subset", type=int, default=None,
                    help="flights timed on the per-threat path (100; quick 30)")
    ap.add_argument("--workload", choices=("box", "factorial", "both"), default="both",
                    help="box: every flight a distinct pair; factorial: 5 sites x 4 aims x "
                         "launch times (default both)")
    ap.add_argument("--baseline-checkout", default=None, metavar="DIR",
                    help="also time the per-threat loop with the code of another checkout "
                         "(e.g. `git worktree add /tmp/base 9496ea1`, the code before batch "
                         "flying), in a subprocess at all threads")
    C.add_common_arguments(ap)
    a = ap.parse_args(argv)
    n = a.flights or (1000 if a.quick else 10000)
    k_sub = a.baseline_subset or (30 if a.quick else 100)
    info = C.machine_info()
    print(C.header_markdown(info, "Threat ensemble benchmark"))
    print(f"- command: `python benchmarks/ensemble.py {' '.join(sys.argv[1:] if argv is None else argv)}`")
    if hasattr(os, "getloadavg"):
        print(f"- load average at start (1, 5, 15 min): "
              f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    rows: list = []
    summary: dict = {}
    n_diff = 0
    for w in (("box", "factorial") if a.workload == "both" else (a.workload,)):
        n_diff += run_workload(w, n, k_sub, a, rows, summary)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(C.markdown_table(["workload", "path", "threads", "wall s", "CPU s",
                            "flying wall / CPU s", "tracking wall / CPU s", "flights/s",
                            "ratio to per-threat loop (1 thread: per thread; all: vs its best)",
                            "ratio to other checkout"], rows))
    print()
    print(f"- peak RSS of the process: {peak_mb:.0f} MB")
    if hasattr(os, "getloadavg"):
        print(f"- load average at the end (1, 5, 15 min): "
              f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if a.json:
        C.write_json(a.json, {"threads_all": C.all_threads(), "peak_rss_mb": peak_mb,
                              "workloads": summary})
    return 1 if n_diff else 0


if __name__ == "__main__":
    sys.exit(main())
