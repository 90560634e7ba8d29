"""Time to first result (issue 21): how long a newcomer waits, cold and warm.

Times, each as a separate ``hgvcov`` process (wall clock, what a user waits):

* ``hgvcov --help`` and ``hgvcov version`` (median of ``--repeat``);
* the first ``hgvcov run`` of the built-in scenario with an empty numba cache (the kernels
  compile), with maps and, on a second empty cache, with ``--no-maps``;
* a second (warm) run, with and without maps (median of ``--repeat``);
* a sweep's worker not recompiling: a 3-case sweep of the built-in scenario (maps off) on an
  empty cache; the client runs the first case itself (compiling the kernels, see
  :mod:`hgvcov.sweep`), the two others run on LocalCluster workers, whose case times must be
  close to a warm run's;
* with ``--warmup``: ``hgvcov warmup`` on an empty cache, then the first run after it.

By default every "empty cache" is a fresh ``NUMBA_CACHE_DIR`` in a temporary folder and the
command is ``python -m hgvcov`` of this checkout (nothing of the checkout's own cache is
touched).  ``--fresh-venv`` instead builds a virtual environment in a temporary folder,
``pip install``\\ s this checkout into it and times its ``hgvcov`` (a newcomer's first run:
no ``.pyc`` files, no font cache, no numba cache).

Usage::

    python benchmarks/cold_start.py [--repeat 3] [--warmup] [--fresh-venv] [--json]

Timings on a shared machine are noisy: repeat the script and report the spread.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (key, what, target seconds or None)
TARGETS = {
    "help": ("hgvcov --help", 0.5),
    "version": ("hgvcov version", None),
    "first_run_maps": ("first hgvcov run (maps, empty cache)", 35.0),
    "first_run_nomaps": ("first hgvcov run --no-maps (empty cache)", 35.0),
    "warm_run_maps": ("warm hgvcov run (maps)", None),
    "warm_run_nomaps": ("warm hgvcov run --no-maps", 2.0),
    "warmup_cold": ("hgvcov warmup (empty cache)", None),
    "run_after_warmup": ("hgvcov run --no-maps after warmup", 2.0),
    "sweep_client_case": ("sweep: client's case (compiles)", None),
    "sweep_worker_case": ("sweep: slowest worker case (loads)", None),
    "sweep_warm_case": ("sweep: the same case, warm, in a run", None),
}


class Runner:
    """Runs ``hgvcov`` commands in a work folder with a chosen numba cache."""

    def __init__(self, work: Path, fresh_venv: bool):
        self.work = work
        self.env = dict(os.environ, MPLBACKEND="Agg")
        self.env.pop("NUMBA_CACHE_DIR", None)
        if fresh_venv:
            venv = work / "venv"
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(ROOT)], check=True)
            print(f"# venv built and hgv-coverage installed in {time.perf_counter() - t:.0f} s",
                  file=sys.stderr)
            self.cmd = [str(venv / "bin" / "hgvcov")]
            self.fresh_cache = False  # the venv's own __pycache__ is empty
        else:
            self.cmd = [sys.executable, "-m", "hgvcov"]
            self.env["PYTHONPATH"] = str(ROOT) + os.pathsep + self.env.get("PYTHONPATH", "")
            self.fresh_cache = True
        self.n_cache = 0

    def new_cache(self) -> None:
        """Start an empty numba cache (a fresh NUMBA_CACHE_DIR; in a fresh venv, only the
        first call is empty: its cache lives in site-packages)."""
        if self.fresh_cache:
            self.n_cache += 1
            self.env["NUMBA_CACHE_DIR"] = str(self.work / f"numba-cache-{self.n_cache}")

    def time(self, *args: str) -> float:
        """Wall seconds of ``hgvcov ARGS`` (raises when it fails)."""
        t = time.perf_counter()
        p = subprocess.run(self.cmd + list(args), cwd=self.work, env=self.env,
                           capture_output=True, text=True)
        dt = time.perf_counter() - t
        if p.returncode != 0:
            raise RuntimeError(f"hgvcov {' '.join(args)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
        return dt


def _median(runner: Runner, n: int, *args: str) -> tuple[float, list[float]]:
    times = [runner.time(*args) for _ in range(n)]
    return statistics.median(times), times


def _sweep(runner: Runner) -> dict:
    """The 3-case sweep on an empty cache; per-case elapsed seconds (client's and workers')."""
    base = runner.work / "sweep_base.toml"
    runner.time("init", str(base), "--force")
    d = base.read_text().replace("maps = true", "maps = false")
    base.write_text(d)
    (runner.work / "sweep.toml").write_text(
        'base = "sweep_base.toml"\n\n[grid]\n"sensor.field_of_regard_deg" = [110, 120, 130]\n')
    out = runner.work / "sweep-out"
    runner.new_cache()
    runner.time("sweep", "sweep.toml", "-o", str(out))
    cases = []
    for f in sorted((out / "cases").glob("*.json")):
        c = json.loads(f.read_text())
        cases.append((c.get("overrides", {}), float(c["elapsed_s"])))
    # the client runs the cheapest case first; all cost the same, so it is the slowest one
    cases.sort(key=lambda c: -c[1])
    client, workers = cases[0], cases[1:]
    warm = runner.time("run", str(base), "-o", "warm-sweep-case", "--no-maps", "-q")
    return {"sweep_client_case": client[1],
            "sweep_worker_case": max(w[1] for w in workers) if workers else float("nan"),
            "sweep_warm_case": warm, "sweep_cases": cases}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="repeats of the quick commands")
    ap.add_argument("--fresh-venv", action="store_true",
                    help="pip install this checkout into a temporary venv and time that")
    ap.add_argument("--warmup", action="store_true", help="also time hgvcov warmup, cold")
    ap.add_argument("--no-sweep", action="store_true", help="skip the sweep")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)
    res: dict = {"cpu_count": os.cpu_count(), "fresh_venv": args.fresh_venv}
    with tempfile.TemporaryDirectory(prefix="hgvcov-cold-") as tmp:
        r = Runner(Path(tmp), args.fresh_venv)
        r.new_cache()
        res["help"], res["help_all"] = _median(r, args.repeat, "--help")
        res["first_run_maps"] = r.time("run", "-o", "out-maps", "-q")
        res["warm_run_maps"], res["warm_run_maps_all"] = _median(r, args.repeat, "run", "-o", "out-maps", "-q")
        res["warm_run_nomaps"], res["warm_run_nomaps_all"] = _median(
            r, args.repeat, "run", "-o", "out-nomaps", "-q", "--no-maps")
        res["version"], res["version_all"] = _median(r, args.repeat, "version")
        if r.fresh_cache:
            r.new_cache()
            res["first_run_nomaps"] = r.time("run", "-o", "out-nomaps-cold", "-q", "--no-maps")
        if args.warmup and r.fresh_cache:
            r.new_cache()
            res["warmup_cold"] = r.time("warmup", "-q")
            res["run_after_warmup"] = r.time("run", "-o", "out-after-warmup", "-q", "--no-maps")
        if not args.no_sweep:
            res.update(_sweep(r))
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    print(f"cold start, {res['cpu_count']} cores, "
          + ("fresh venv" if args.fresh_venv else "this checkout, fresh NUMBA_CACHE_DIR per cold case"))
    print(f"{'what':<42} {'seconds':>8} {'target':>8}  ok")
    for key, (what, target) in TARGETS.items():
        if key not in res:
            continue
        v = res[key]
        spread = res.get(f"{key}_all")
        extra = f"  ({', '.join(f'{x:.2f}' for x in spread)})" if spread else ""
        tgt = f"<= {target:g}" if target else ""
        ok = ("yes" if v <= target else "NO") if target else ""
        print(f"{what:<42} {v:8.2f} {tgt:>8}  {ok:<3}{extra}")
    if "sweep_worker_case" in res:
        w, c, h = res["sweep_worker_case"], res["sweep_client_case"], res["sweep_warm_case"]
        verdict = "workers loaded the cache" if w < 0.5 * c else "a worker may have recompiled"
        print(f"sweep: workers' slowest case {w:.1f} s vs client's compiling case {c:.1f} s "
              f"and a warm run {h:.1f} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
