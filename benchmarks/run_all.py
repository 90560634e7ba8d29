"""Regenerate every benchmark table with one command.

Run from the repository root::

    python benchmarks/run_all.py --quick      # about 10 minutes on 2 cores
    python benchmarks/run_all.py --full       # the README's sizes (long)
    python benchmarks/run_all.py --quick --only propagation,tracks --out /tmp/r.md

First prints a header (date UTC, CPU model, cores, memory, OS, Python and package
versions, numba threading layer and thread count), then runs each script of
:data:`SCRIPTS` in turn as a subprocess of the same Python, streaming its output:
``--quick`` is passed on as ``--quick``; ``--full`` passes no size flag (every script's
default is its full size). Each script also gets ``--json PATH`` and writes its figures
there. A script that is not present (``access.py`` is being written separately) is skipped
with a message.

Writes the header and everything the scripts printed (their markdown tables, headings
demoted by two levels) to ``--out`` (default ``benchmarks/RESULTS.md``) and a JSON of
every figure to ``--json`` (default: ``--out`` with the suffix ``.json``):
``{"header": ..., "mode": ..., "scripts": {name: {"command", "returncode", "wall_s",
"figures"}}}``. The exit status is 1 when any script failed, else 0.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

HERE = Path(__file__).resolve().parent
SCRIPTS = ("coverage.py", "propagation.py", "trajectories.py", "tracks.py", "access.py",
           "ensemble.py")
"""Benchmark scripts run, in this order (each accepts ``--quick`` and ``--json PATH``)."""


def _parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="each script's --quick mode (default)")
    g.add_argument("--full", action="store_true", help="each script at its full (default) size")
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"),
                    help="markdown file for all tables (default benchmarks/RESULTS.md)")
    ap.add_argument("--json", default=None,
                    help="JSON file for all figures (default: --out with suffix .json)")
    ap.add_argument("--only", default=None,
                    help="comma-separated subset of " + ", ".join(s[:-3] for s in SCRIPTS))
    a = ap.parse_args(argv)
    names = [s[:-3] for s in SCRIPTS]
    if a.only:
        want = [x.strip().removesuffix(".py") for x in a.only.split(",") if x.strip()]
        bad = [x for x in want if x not in names]
        if bad:
            ap.exit(2, f"run_all.py: error: --only {a.only!r}: unknown {', '.join(bad)}; "
                       f"allowed: {', '.join(names)}\n")
        a.scripts = [s for s in SCRIPTS if s[:-3] in want]
    else:
        a.scripts = list(SCRIPTS)
    return a


def demote(text: str, levels: int = 2) -> str:
    """Markdown headings of ``text`` pushed down ``levels`` levels (``# x`` -> ``### x``)."""
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            line = "#" * levels + line
        out.append(line)
    return "\n".join(out)


def run_script(path: Path, flags: list[str], json_path: str) -> tuple[int, str, float]:
    """Run one script, streaming its stdout (stderr passes straight through).

    Returns ``(returncode, captured stdout, wall seconds)``.
    """
    cmd = [sys.executable, str(path), *flags, "--json", json_path]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    root = str(HERE.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("MPLBACKEND", "Agg")
    t0 = time.perf_counter()
    captured = []
    with subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, text=True,
                          bufsize=1) as proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            captured.append(line)
        rc = proc.wait()
    return rc, "".join(captured), time.perf_counter() - t0


def main(argv=None) -> int:
    a = _parse(argv)
    mode = "full" if a.full else "quick"
    flags = ["--quick"] if mode == "quick" else []
    out_md = Path(a.out)
    out_json = Path(a.json) if a.json else out_md.with_suffix(".json")
    info = C.machine_info()
    head = C.header_markdown(info, f"Benchmark results ({mode})")
    head += (f"\n- command: `python benchmarks/run_all.py {' '.join(sys.argv[1:] if argv is None else argv)}`"
             "\n\nAll figures are provisional unless measured on a quiet machine; each section "
             "below is one script's output.")
    print(head, flush=True)
    md = [head]
    results = {}
    failed = []
    with tempfile.TemporaryDirectory(prefix="hgvcov-bench-") as tmp:
        for script in a.scripts:
            name = script[:-3]
            path = HERE / script
            command = f"python benchmarks/{script} {' '.join(flags)}".rstrip()
            print(f"\n## {name} — `{command}`\n", flush=True)
            if not path.exists():
                msg = f"skipped: benchmarks/{script} is not present in this checkout"
                print(msg, flush=True)
                md.append(f"## {name}\n\n{msg}")
                results[name] = dict(command=command, returncode=None, wall_s=0.0,
                                     figures=None, skipped=msg)
                continue
            jpath = str(Path(tmp) / f"{name}.json")
            rc, text, wall = run_script(path, flags, jpath)
            figures = None
            if Path(jpath).exists():
                try:
                    figures = json.loads(Path(jpath).read_text())
                except ValueError:
                    figures = None
            if rc != 0:
                failed.append(name)
            status = "ok" if rc == 0 else f"FAILED (exit status {rc})"
            print(f"\n_{name}: {status}, {wall:.0f} s_", flush=True)
            md.append(f"## {name} — `{command}`\n\n{demote(text).strip()}\n\n"
                      f"_{status}, {wall:.0f} s wall_")
            results[name] = dict(command=command, returncode=rc, wall_s=wall, figures=figures)
    out_md.write_text("\n\n".join(md) + "\n")
    C.write_json(out_json, dict(header=info, mode=mode, scripts=results))
    print(f"\nwrote {out_md} and {out_json}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
