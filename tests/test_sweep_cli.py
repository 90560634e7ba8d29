"""End-to-end tests of ``hgvcov sweep`` run as subprocesses (``python -m hgvcov sweep ...``).

* a sweep in which some cases fail exits 3 and lists each failed case on stderr (one line:
  case id, swept values, message); finished cases are kept and a rerun runs only the rest;
* a ``--scheduler`` address where no scheduler answers, or a malformed one, exits 2 with one
  message within ``--connect-timeout`` (loopback addresses only);
* the console table names every swept key distinguishably (no two ``constellation...``).

A case is made to fail for real, the way a sweep meets it: ``HGVCOV_MEMORY_LIMIT_MB`` lets
the coarse-grid case fit and refuses the fine-grid one (``RunRefused`` inside the case, after
the sweep file was accepted), so the sweep goes on and records that case as failed.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from .conftest import SWEEP_BASE

#: Wall-clock limits (s) for one subprocess on a loaded 2-core machine.
QUICK_LIMIT_S = 60
RUN_LIMIT_S = 600

#: Memory limit (MiB) under which SWEEP_BASE at step_deg = 5 (about 314 MiB estimated) fits
#: and at step_deg = 0.1 (about 328 MiB, 10,201 points) does not (80 % headroom: 320 MiB).
MEMORY_LIMIT_MB = "400"


def hgvcov(*args, env=None, timeout=QUICK_LIMIT_S) -> subprocess.CompletedProcess:
    """Run ``python -m hgvcov ARGS`` and capture it (no COLUMNS: rich's default 80 columns)."""
    full_env = {**os.environ, **(env or {})}
    for name in ("HGVCOV_DEBUG", "COLUMNS", "HGVCOV_MEMORY_LIMIT_MB"):
        if name not in (env or {}):
            full_env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "hgvcov", *map(str, args)], env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def write_sweep(folder: Path, grid: str) -> Path:
    """``base.toml`` (SWEEP_BASE) and ``sweep.toml`` with the given ``[grid]`` lines."""
    (folder / "base.toml").write_text(SWEEP_BASE)
    path = folder / "sweep.toml"
    path.write_text(f'base = "base.toml"\n[grid]\n{grid}')
    return path


def free_loopback_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------- failed cases: exit 3

def traceback_of_ours(stderr: str) -> bool:
    """A traceback through our packages (a Dask worker's shutdown noise, which can print a
    heartbeat traceback through ``distributed/`` while the cluster closes, is not ours)."""
    return "Traceback" in stderr and any(f"/{pkg}/" in stderr for pkg in
                                         ("hgvcov", "constellation", "orbits", "hgv_models"))



def test_failed_cases_exit_3_listed_on_stderr_and_resumable(tmp_path):
    p = write_sweep(tmp_path, '"region.step_deg" = [5, 0.1]\n')
    out = tmp_path / "out"
    env = {"HGVCOV_MEMORY_LIMIT_MB": MEMORY_LIMIT_MB}
    proc = hgvcov("sweep", p, "-o", out, env=env, timeout=RUN_LIMIT_S)
    assert proc.returncode == 3, (proc.returncode, proc.stderr)

    df = pd.read_csv(out / "sweep.csv")
    assert list(df["status"]) == ["ok", "error"], df["error"].tolist()
    ok_id, bad_id = df["case_id"]
    assert "RunRefused" in df["error"][1]
    # One stderr line for the failed case: its id, its swept values and the reason.
    lines = [ln for ln in proc.stderr.splitlines() if bad_id in ln]
    assert len(lines) == 1, proc.stderr
    assert "region.step_deg = 0.1" in lines[0]
    assert "RunRefused" in lines[0] and "needs about" in lines[0]
    assert ok_id not in proc.stderr
    assert "1 of 2 cases failed" in proc.stderr
    assert not traceback_of_ours(proc.stderr), proc.stderr
    # The table still shows both rows; the finished case's results are written.
    assert "ok" in proc.stdout and "error" in proc.stdout
    ok_file = out / "cases" / f"{ok_id}.json"
    ok_summary = out / "cases" / ok_id / "summary.json"
    before = (ok_file.stat().st_mtime_ns, ok_summary.stat().st_mtime_ns)
    err_file = out / "cases" / f"{bad_id}.error.json"
    err_before = err_file.read_text()

    # A rerun runs only the failed case (the finished one is not touched) and says so again.
    proc2 = hgvcov("sweep", p, "-o", out, env=env, timeout=RUN_LIMIT_S)
    assert proc2.returncode == 3, (proc2.returncode, proc2.stderr)
    assert (ok_file.stat().st_mtime_ns, ok_summary.stat().st_mtime_ns) == before
    assert err_file.read_text() != err_before  # retried: a new elapsed time
    assert len([ln for ln in proc2.stderr.splitlines() if bad_id in ln]) == 1
    assert list(pd.read_csv(out / "sweep.csv")["status"]) == ["ok", "error"]


def test_failed_cases_with_json_keep_stdout_json(tmp_path):
    """--json: stdout is the JSON rows only; the failures go to stderr; exit 3."""
    import json

    p = write_sweep(tmp_path, '"region.step_deg" = [0.1]\n')
    proc = hgvcov("sweep", p, "-o", tmp_path / "out", "--json",
                  env={"HGVCOV_MEMORY_LIMIT_MB": MEMORY_LIMIT_MB}, timeout=RUN_LIMIT_S)
    assert proc.returncode == 3, (proc.returncode, proc.stderr)
    rows = json.loads(proc.stdout)
    assert [r["status"] for r in rows] == ["error"]
    assert rows[0]["case_id"] in proc.stderr and "RunRefused" in proc.stderr


# --------------------------------------------------------------------- --scheduler: exit 2


def _assert_one_clean_error(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr
    assert err.count("\n") == 0, err
    assert err.startswith("hgvcov: error: ")
    assert "bug" not in err
    for f in fragments:
        assert f in err, err
    assert proc.stdout == ""


def test_unreachable_scheduler_exits_2_quickly(tmp_path):
    p = write_sweep(tmp_path, '"region.step_deg" = [5]\n')
    address = f"tcp://127.0.0.1:{free_loopback_port()}"
    t0 = time.monotonic()
    proc = hgvcov("sweep", p, "-o", tmp_path / "out", "--scheduler", address, "--connect-timeout", "2")
    elapsed = time.monotonic() - t0
    _assert_one_clean_error(proc, "--scheduler", address, "2 s")
    assert elapsed < 25, elapsed  # the 2 s timeout plus start-up, not distributed's 30 s
    # Nothing was run before the address was checked.
    assert not list((tmp_path / "out").glob("cases/*.json"))


def test_malformed_scheduler_exits_2(tmp_path):
    p = write_sweep(tmp_path, '"region.step_deg" = [5]\n')
    proc = hgvcov("sweep", p, "-o", tmp_path / "out", "--scheduler", "127.0.0.1::x")
    _assert_one_clean_error(proc, "--scheduler", "'127.0.0.1::x'", "tcp://host:8786")
    assert not list((tmp_path / "out").glob("cases/*.json"))


def test_bad_connect_timeout_exits_2(tmp_path):
    p = write_sweep(tmp_path, '"region.step_deg" = [5]\n')
    proc = hgvcov("sweep", p, "--connect-timeout", "0")
    assert proc.returncode == 2, proc.stderr
    assert "--connect-timeout" in proc.stderr and "'0'" in proc.stderr
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------- console table


def _header_cells(stdout: str) -> list[str]:
    line = next(ln for ln in stdout.splitlines() if "status" in ln and "┃" in ln)
    return [c.strip() for c in line.strip().strip("┃").split("┃")]


def test_table_names_swept_keys_distinguishably(tmp_path):
    p = write_sweep(tmp_path, '"constellation[0].total" = [12, 24]\n'
                              '"constellation[0].altitude_km" = [1000]\n')
    proc = hgvcov("sweep", p, "-o", tmp_path / "out", timeout=RUN_LIMIT_S)
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    cells = _header_cells(proc.stdout)
    assert cells[:3] == ["total", "altitude_km", "status"], proc.stdout
    assert not any("…" in c for c in cells), proc.stdout
    # The short names are explained with the full key paths.
    assert "total = constellation[0].total" in proc.stdout
    assert "altitude_km = constellation[0].altitude_km" in proc.stdout
