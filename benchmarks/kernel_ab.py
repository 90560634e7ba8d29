"""Interleaved A/B timing of grid-kernel variants on the captured reference-case call.

A performance engineer's tool for ``constellation/_kernels.py: grid_chunk``. The shared
development machine's speed drifts by 10-30 % within minutes, so comparing two separate runs
of ``benchmarks/coverage.py`` cannot resolve a 5 % change; timing the variants alternately in
one process on the same arguments can. Usage, from the repository root::

    python benchmarks/kernel_ab.py capture                  # pickles one grid_chunk call (quick case)
    cp constellation/_kernels.py /tmp/k_new.py                # ... edit the copy ...
    NUMBA_NUM_THREADS=1 python benchmarks/kernel_ab.py time constellation/_kernels.py /tmp/k_new.py
    NUMBA_NUM_THREADS=1 python benchmarks/kernel_ab.py time A.py B.py --mode 1 --rounds 15

``time`` imports each file as a module of its own (a copy under a temporary directory, so
numba caches each variant separately), runs the captured call once per variant (compile or
cache load), checks that every variant leaves exactly the accumulators of the first
(``istate``, ``fstate``, ``hist``; skip with ``--no-check`` for ablations that change results),
then times them in turn, ``--rounds`` times, and prints each variant's minimum (wall and
process CPU), with the parallel chunk size ``constellation.coverage`` uses (``--rows-per-task``).
``--mode``: the kernel's ``mode`` argument (0 full, 1 exact tests only, 2 tests and pair
search), which splits the time by stage.
"""

from __future__ import annotations

import argparse
import importlib
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/coverage.py would shadow the `coverage` package numba probes for
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

DEFAULT_ARGS = Path(tempfile.gettempdir()) / "hgvcov_grid_chunk_args.pkl"
STATE_ARGS = (13, 14, 15)  # istate, fstate, hist in grid_chunk's signature
MODE_ARG = 19


def capture(out: Path) -> None:
    """Run the quick reference case and pickle the arguments of its last ``grid_chunk`` call."""
    from constellation import _kernels as K
    from hgvcov.bench import reference_case
    from constellation.coverage import grid_coverage

    sats, tg, grid, sensor = reference_case(quick=True)
    calls = []
    orig = K.grid_chunk

    def record(*a):
        calls.append([x.copy() if isinstance(x, np.ndarray) else x for x in a])
        return orig(*a)

    K.grid_chunk = record
    try:
        grid_coverage(sats, tg, grid, [sensor], chunk_steps=tg.count)  # one chunk: the whole 2 hours
    finally:
        K.grid_chunk = orig
    with open(out, "wb") as f:
        pickle.dump(calls[-1], f)
    print(f"captured grid_chunk call ({tg.count} steps, {grid.n_point:,} points) -> {out}")


def _fresh(args, mode):
    a = [x.copy() if isinstance(x, np.ndarray) else x for x in args]
    a[MODE_ARG] = mode
    return a


def time_variants(paths, args_path: Path, mode: int, rounds: int, check: bool, rows_per_task: int) -> None:
    import numba

    numba.set_parallel_chunksize(rows_per_task)  # as constellation.coverage sets it around its calls
    with open(args_path, "rb") as f:
        args = pickle.load(f)
    tmp = Path(tempfile.mkdtemp(prefix="kernel_ab_"))
    sys.path.insert(0, str(tmp))
    mods = []
    for i, p in enumerate(paths):
        name = f"kernel_ab_variant_{i}"
        shutil.copy(p, tmp / f"{name}.py")
        mods.append(importlib.import_module(name))
    outs = []
    for m in mods:
        a = _fresh(args, mode)
        m.grid_chunk(*a)  # compile or load from the cache, outside the timing
        outs.append(a)
    if check:
        for i in range(1, len(mods)):
            for idx in STATE_ARGS:
                if not np.array_equal(outs[0][idx], outs[i][idx]):
                    raise SystemExit(f"{paths[i]} leaves different accumulators than {paths[0]} "
                                     f"(argument {idx}); use --no-check for ablations")
    wall = [np.inf] * len(mods)
    cpu = [np.inf] * len(mods)
    for _ in range(rounds):
        for i, m in enumerate(mods):
            a = _fresh(args, mode)
            w0, c0 = time.perf_counter(), time.process_time()
            m.grid_chunk(*a)
            wall[i] = min(wall[i], time.perf_counter() - w0)
            cpu[i] = min(cpu[i], time.process_time() - c0)
    print(f"mode {mode}, minimum of {rounds} interleaved rounds"
          f"{'' if not check else ', accumulators identical'}:")
    for p, w, c in zip(paths, wall, cpu):
        print(f"  {w * 1e3:8.1f} ms wall {c * 1e3:8.1f} ms CPU  {p}")
    shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture", help="pickle one grid_chunk call of the quick reference case")
    c.add_argument("--out", type=Path, default=DEFAULT_ARGS)
    t = sub.add_parser("time", help="time kernel files against each other, interleaved")
    t.add_argument("paths", nargs="+", type=Path, help="copies of constellation/_kernels.py")
    t.add_argument("--args", type=Path, default=DEFAULT_ARGS)
    t.add_argument("--mode", type=int, default=0, choices=(0, 1, 2))
    t.add_argument("--rounds", type=int, default=11)
    t.add_argument("--no-check", action="store_true")
    t.add_argument("--rows-per-task", type=int, default=None,
                   help="numba parallel chunk size (default: constellation.coverage.GRID_ROWS_PER_TASK; 0 = "
                        "numba's static split)")
    a = ap.parse_args(argv)
    if a.cmd == "capture":
        capture(a.out)
    else:
        if not a.args.exists():
            raise SystemExit(f"{a.args}: no captured call; run `python benchmarks/kernel_ab.py capture` first")
        if a.rows_per_task is None:
            from constellation.coverage import GRID_ROWS_PER_TASK

            a.rows_per_task = GRID_ROWS_PER_TASK
        time_variants([str(p) for p in a.paths], a.args, a.mode, a.rounds, not a.no_check, a.rows_per_task)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
