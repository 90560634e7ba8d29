"""Grid-coverage benchmark: ours vs brute-force numba vs NumPy broadcasting; TAT-C on a same-output job.

Run from the repository root::

    python benchmarks/coverage.py            # full: reference case over 1 day, 0.1 deg memory, scaling, TAT-C
    python benchmarks/coverage.py --quick    # 2-hour version (also what ``hgvcov bench`` runs)
    python benchmarks/coverage.py --json out.json

All baselines run in the same process on the same ephemeris and compute the same eight
metrics; ours and the brute force are timed at 1 thread and at all numba threads, and every
row of the printed GitHub-markdown ratio table gives its thread count and its ratio to ours
at both. TAT-C, which computes access intervals, is compared in a table of its own on a job
both run in full, its intervals sampled at our instants (:mod:`hgvcov.bench_peers`). JIT
compile time is reported separately (a child process with an empty numba cache). See
:mod:`hgvcov.bench` for what each baseline computes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hgvcov.bench import run_bench  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2-hour reference case, smaller scaling table")
    ap.add_argument("--no-fine", action="store_true", help="skip the 0.1 deg grid memory run")
    ap.add_argument("--no-scaling", action="store_true", help="skip the scaling table")
    ap.add_argument("--no-tatc", action="store_true", help="skip the TAT-C comparison")
    ap.add_argument("--json", help="also write every figure to this JSON file")
    a = ap.parse_args(argv)
    res = run_bench(quick=a.quick, fine=not a.no_fine, scaling=not a.no_scaling,
                    tatc=False if a.no_tatc else None)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
