"""Time estimate of ``hgvcov run`` against the measured run time, case by case.

Runs each calibration case as ``python -m hgvcov run CASE -o DIR --json --yes`` (a
subprocess, as a user would) and prints a table: the up-front estimate
(``summary.json["estimate"]["time_s"]``), the pipeline's measured total
(``summary.json["timings"]["total_s"]``, after imports), the wall-clock time of the
process (imports included) and their ratio.  The estimate is a warm steady-state figure
(numba kernels already compiled and cached), so each case is first run once untimed
unless ``--cold``.

Cases: the built-in default scenario, ``examples/japan_sites.toml``,
``examples/sea_of_japan.toml``, ``examples/elements.toml``, the grid reference case of
:func:`hgvcov.bench.reference_case` (Walker 300/10/1 at 1,000 km and 80 deg, 0.5 deg grid
over 0-50N 100-160E at the ground, 10 deg elevation mask, one day at 30 s, no maps), and
three scaling checks: the reference grid with 1,200 satellites for 2 hours, 12
satellites over 90,601 points (0.1 deg) for 4 days at 60 s, and 12 satellites over
251,001 points (0.01 deg) for 6 hours at 1 s.

Usage::

    python benchmarks/estimate_calibration.py [--cold] [--repeat N] [--only NAME ...]

Timings on a shared machine are noisy: use ``--repeat`` and read the spread.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

#: The grid reference case of ``hgvcov.bench.reference_case`` as a scenario file.
REFERENCE_TOML = """\
name = "grid reference case"
[time]
start = "2026-11-21T00:00:00Z"
duration_s = 86400
step_s = 30
[[constellation]]
kind = "walker-delta"
total = 300
planes = 10
phasing = 1
altitude_km = 1000
inclination_deg = 80
[sensor]
min_elevation_deg = 10
[region]
lat_deg = [0, 50]
lon_deg = [100, 160]
step_deg = 0.5
altitude_km = 0
[output]
maps = false
"""


#: Scaling checks beside the reference case: 4x the satellites (2 hours), and a sparse
#: case (12 satellites, 90,601 points at 0.1 deg, 4 days at 60 s).
REF_1200_TOML = REFERENCE_TOML.replace("total = 300", "total = 1200").replace(
    "duration_s = 86400", "duration_s = 7200")
SPARSE_TOML = """\
name = "sparse"
[time]
start = "2026-11-21T00:00:00Z"
duration_s = 345600
step_s = 60
[[constellation]]
kind = "walker-delta"
total = 12
planes = 3
phasing = 1
altitude_km = 1000
inclination_deg = 60
[sensor]
min_elevation_deg = 5
field_of_regard_deg = 120
[region]
lat_deg = [20, 50]
lon_deg = [120, 150]
step_deg = 0.1
altitude_km = 40
[output]
maps = false
"""

#: The refused "year at 1 s over a 0.01 deg grid" shape, cut to 6 hours: 251,001 points.
FINE_6H_TOML = SPARSE_TOML.replace("duration_s = 345600", "duration_s = 21600").replace(
    "step_s = 60", "step_s = 1").replace("lat_deg = [20, 50]", "lat_deg = [30, 35]").replace(
    "lon_deg = [120, 150]", "lon_deg = [130, 135]").replace("step_deg = 0.1", "step_deg = 0.01")


def cases(tmp: Path) -> dict[str, list[str]]:
    """Calibration cases: name -> the ``hgvcov run`` arguments before ``-o``."""
    files = {}
    for name, text in (("reference", REFERENCE_TOML), ("ref-1200-2h", REF_1200_TOML),
                       ("sparse-0.1deg", SPARSE_TOML), ("fine-0.01deg-6h", FINE_6H_TOML)):
        files[name] = tmp / f"{name}.toml"
        files[name].write_text(text)
    return {
        "default": [],
        "japan_sites": [str(EXAMPLES / "japan_sites.toml")],
        "sea_of_japan": [str(EXAMPLES / "sea_of_japan.toml")],
        "elements": [str(EXAMPLES / "elements.toml")],
        "reference": [str(files["reference"])],
        "ref-1200-2h": [str(files["ref-1200-2h"])],
        "sparse-0.1deg": [str(files["sparse-0.1deg"])],
        "fine-0.01deg-6h": [str(files["fine-0.01deg-6h"])],
    }


def run_case(args: list[str], out: Path) -> tuple[dict, float]:
    """Run ``hgvcov run ARGS -o OUT --json --yes``; returns (summary, wall seconds)."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "hgvcov", "run", *args, "-o", str(out),
                           "--json", "--yes"], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{args}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout), wall


def main(argv=None) -> int:
    """Print the calibration table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cold", action="store_true", help="no untimed warm-up run per case")
    p.add_argument("--repeat", type=int, default=1, help="timed runs per case (default 1)")
    p.add_argument("--only", nargs="*", help="case names to run (default: all)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        todo = cases(tmp)
        if args.only:
            todo = {k: v for k, v in todo.items() if k in args.only}
        print(f"{'case':<16} {'estimate s':>10} {'measured s':>10} {'wall s':>8} "
              f"{'est/meas':>8}  stages (s)")
        for name, case_args in todo.items():
            if not args.cold:
                run_case(case_args, tmp / f"{name}-warm")
            for k in range(args.repeat):
                summary, wall = run_case(case_args, tmp / f"{name}-{k}")
                est = summary["estimate"]["time_s"]
                meas = summary["timings"]["total_s"]
                stages = ", ".join(f"{s} {t:.1f}" for s, t in summary["timings"]["stages"].items()
                                   if t >= 0.05)
                print(f"{name:<16} {est:>10.1f} {meas:>10.1f} {wall:>8.1f} {est / meas:>8.2f}  "
                      f"{stages}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
