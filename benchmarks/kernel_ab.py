"""Interleaved A/B timing of grid-kernel variants on the captured reference-case call.

A performance engineer's tool for ``constellation._grid.grid_chunk``. The shared development
machine's speed drifts by 10-30 % within minutes, so comparing two separate runs of
``benchmarks/coverage.py`` cannot resolve a 5 % change; timing the variants alternately in
one process on the same arguments can.

The grid kernel is a set of modules of :mod:`constellation` (``GRID_MODULES``: the jit options,
geometry, candidates, tiles, detection, pairs, metrics and ``_grid.py``, which import each
other relatively). A *variant* is a directory holding that set: ``constellation`` itself, or
a copy made with ``snapshot``. Usage, from the repository root::

    python benchmarks/kernel_ab.py capture                  # pickles one grid_chunk call (quick case)
    python benchmarks/kernel_ab.py snapshot /tmp/k_new      # copies the module set ... edit the copies ...
    NUMBA_NUM_THREADS=1 python benchmarks/kernel_ab.py time constellation /tmp/k_new
    NUMBA_NUM_THREADS=1 python benchmarks/kernel_ab.py time A B --mode 1 --rounds 15

``time`` imports each variant's module set as a package of its own (a copy under a temporary
directory, so numba caches each variant separately), runs the captured call once per variant
(compile or cache load), checks that every variant leaves exactly the accumulators of the first
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
GRID_MODULES = ("_jit", "_geometry", "_candidates", "_tiles", "_detect", "_pairs", "_metrics", "_availability", "_background", "_satvalue", "_grid")
"""The modules of :mod:`constellation` that ``grid_chunk`` is compiled from (a variant's files)."""
STATE_ARGS = (13, 14, 15)  # istate, fstate, hist in grid_chunk's signature
MODE_ARG = 19


def capture(out: Path) -> None:
    """Run the quick reference case and pickle the arguments of its last ``grid_chunk`` call."""
    from constellation import coverage
    from hgvcov.bench import reference_case

    sats, tg, grid, sensor = reference_case(quick=True)
    calls = []
    orig = coverage.grid_chunk

    def record(*a):
        calls.append([x.copy() if isinstance(x, np.ndarray) else x for x in a])
        return orig(*a)

    coverage.grid_chunk = record  # the name grid_coverage calls
    try:
        coverage.grid_coverage(sats, tg, grid, [sensor], chunk_steps=tg.count)  # one chunk: the whole 2 hours
    finally:
        coverage.grid_chunk = orig
    with open(out, "wb") as f:
        pickle.dump(calls[-1], f)
    print(f"captured grid_chunk call ({tg.count} steps, {grid.n_point:,} points) -> {out}")


def _missing(directory: Path):
    return [m for m in GRID_MODULES if not (directory / f"{m}.py").is_file()]


def snapshot(out: Path) -> None:
    """Copy the grid kernel's module set of ``constellation/`` into ``out`` (a variant to edit)."""
    out.mkdir(parents=True, exist_ok=True)
    for m in GRID_MODULES:
        shutil.copy(ROOT / "constellation" / f"{m}.py", out / f"{m}.py")
    print(f"copied {', '.join(m + '.py' for m in GRID_MODULES)} -> {out}")


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
        pkg = tmp / name
        pkg.mkdir()
        (pkg / "__init__.py").write_text("")
        for m in GRID_MODULES:
            shutil.copy(Path(p) / f"{m}.py", pkg / f"{m}.py")
        mods.append(importlib.import_module(f"{name}._grid"))
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
    n = sub.add_parser("snapshot", help="copy the grid kernel's module set into a directory, to edit")
    n.add_argument("out", type=Path)
    t = sub.add_parser("time", help="time kernel variants against each other, interleaved")
    t.add_argument("paths", nargs="+", type=Path,
                   help="directories holding the grid kernel's module set (constellation, or snapshot copies)")
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
    elif a.cmd == "snapshot":
        snapshot(a.out)
    else:
        for p in a.paths:
            if _missing(p):
                raise SystemExit(f"{p}: not a grid kernel variant (missing {', '.join(_missing(p))}.py); "
                                 f"make one with `python benchmarks/kernel_ab.py snapshot DIR`")
        if not a.args.exists():
            raise SystemExit(f"{a.args}: no captured call; run `python benchmarks/kernel_ab.py capture` first")
        if a.rows_per_task is None:
            from constellation.coverage import GRID_ROWS_PER_TASK

            a.rows_per_task = GRID_ROWS_PER_TASK
        time_variants([str(p) for p in a.paths], a.args, a.mode, a.rounds, not a.no_check, a.rows_per_task)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
