"""End-to-end tests of the ``hgvcov`` command line, run as subprocesses.

Cheap checks (bad input, init, refusals) come first; the one real run (coarse grid, one
hour, one threat) is shared by the tests after it.  The pipeline's numba kernels are
``cache=True``, so only the first run in a fresh checkout pays the JIT compile.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import hgvcov.bench as bench
import hgvcov.run as run_package
from constellation.polygon import load_polygon, polygon_mask
from hgv_models.threats import great_circle_distance_km
from hgvcov.cli import main
from hgvcov.outputs import MANIFEST_NAME, OutputError, OutputTransaction
from hgvcov.run import run_scenario
from hgvcov.scenario import default_scenario_toml, load_scenario, scenario_from_toml

from .conftest import EXAMPLES, SMALL_RUN, scenario_toml

#: Generous wall-clock limits (s) for one subprocess on a loaded 2-core CI machine.
QUICK_LIMIT_S = 120
RUN_LIMIT_S = 900

SMALL = SMALL_RUN

def hgvcov(*args, cwd=None, env=None, timeout=QUICK_LIMIT_S) -> subprocess.CompletedProcess:
    """Run ``python -m hgvcov ARGS`` (the ``hgvcov`` entry point) and capture it."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("HGVCOV_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "hgvcov", *map(str, args)],
                          cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file in ``folder`` (hidden ones included), by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_one_clean_error(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr
    assert err.count("\n") == 0, err          # one message
    assert err.startswith("hgvcov: error: ")
    for f in fragments:
        assert f in err, err
    assert proc.stdout == ""


# ---------------------------------------------------------------------------- cheap first

BAD = {
    "unknown key": (SMALL.replace("step_s = 120", "step_s = 120\nstepsize = 3"),
                    ["time.stepsize", "unknown key"]),
    "total not divisible": (SMALL.replace("total = 12", "total = 13"),
                            ["constellation[0].total = 13", "multiple of planes (3)"]),
    "phasing": (SMALL.replace("phasing = 1", "phasing = 3"),
                ["constellation[0].phasing = 3", "0 to planes - 1 = 2"]),
    "inclination": (SMALL.replace("inclination_deg = 60", "inclination_deg = 181"),
                    ["constellation[0].inclination_deg = 181", "<= 180"]),
    "empty region": (SMALL.replace("lat_deg = [20, 50]", "lat_deg = [50, 20]"),
                     ["region.lat_deg", "empty"]),
    "wrong type": (SMALL.replace("step_deg = 5", 'step_deg = "5"'),
                   ["region.step_deg = '5'", "a number"]),
    "start": (SMALL.replace('"2026-11-21T00:00:00Z"\nduration', '"tomorrow"\nduration'),
              ["time.start = 'tomorrow'", "ISO-8601"]),
    "toml syntax": (SMALL.replace("planes = 3", "planes = = 3"), ["line", "TOML"]),
    "missing tle": (SMALL.replace('kind = "walker-delta"', 'kind = "tle"\npath = "no.tle"')
                    .replace("total = 12\nplanes = 3\nphasing = 1\naltitude_km = 1000\n"
                             "inclination_deg = 60\n", ""),
                    ["constellation[0].path = 'no.tle'", "existing file"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_scenario_exits_2_with_one_message(tmp_path, monkeypatch, capsys, case):
    """In-process (``cli.main``) for every case: same code path, no interpreter start-up."""
    text, fragments = BAD[case]
    (tmp_path / "bad.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    rc = main(["run", "bad.toml", "-o", "out"])
    cap = capsys.readouterr()
    assert_one_clean_error(subprocess.CompletedProcess([], rc, cap.out, cap.err),
                           "bad.toml", *fragments)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", ["total not divisible", "toml syntax"])
def test_bad_scenario_subprocess(tmp_path, case):
    text, fragments = BAD[case]
    (tmp_path / "bad.toml").write_text(text)
    proc = hgvcov("run", "bad.toml", "-o", "out", cwd=tmp_path)
    assert_one_clean_error(proc, "bad.toml", *fragments)
    assert not (tmp_path / "out").exists()


def test_bad_tle_contents_exit_2(tmp_path):
    (tmp_path / "sats.tle").write_text("ISS\n1 25544U this is not a TLE\n2 25544 nor this\n")
    text = SMALL.replace('kind = "walker-delta"', 'kind = "tle"\npath = "sats.tle"').replace(
        "total = 12\nplanes = 3\nphasing = 1\naltitude_km = 1000\ninclination_deg = 60\n", "")
    (tmp_path / "s.toml").write_text(text)
    proc = hgvcov("run", "s.toml", "-o", "out", cwd=tmp_path)
    assert_one_clean_error(proc, "constellation[0]", "sats.tle")


def test_cli_usage_errors_exit_2(tmp_path):
    assert_one_clean_error(hgvcov("run", "missing.toml", cwd=tmp_path), "missing.toml")
    assert_one_clean_error(hgvcov("run", "--frobnicate", cwd=tmp_path), "--frobnicate")
    assert_one_clean_error(hgvcov("map", "nothing.nc", cwd=tmp_path), "nothing.nc")


def test_bench_is_quick_unless_asked_for_the_full_case(monkeypatch):
    """``hgvcov bench`` runs the quick comparison (issue 4); ``--full`` the 1-day reference case."""

    calls = []
    monkeypatch.setattr(bench, "run_bench", lambda quick=True, out=print, **kw: calls.append(quick) or {})
    assert main(["bench"]) == 0
    assert main(["bench", "--quick"]) == 0
    assert main(["bench", "--full"]) == 0
    assert calls == [True, True, False]
    assert_one_clean_error(hgvcov("bench", "--quick", "--full"), "--full")


def test_bad_sweep_file_exits_2(tmp_path, monkeypatch, capsys):
    (tmp_path / "base.toml").write_text(SMALL)
    (tmp_path / "sweep.toml").write_text(
        'base = "base.toml"\n[grid]\n"constellation[0].total" = [12, 13]\n')
    monkeypatch.chdir(tmp_path)
    rc = main(["sweep", "sweep.toml", "-o", "sw"])
    cap = capsys.readouterr()
    assert_one_clean_error(subprocess.CompletedProcess([], rc, cap.out, cap.err),
                           "constellation[0].total", "13", "multiple of planes (3)")


def test_init_round_trips(tmp_path):
    proc = hgvcov("init", "s.toml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "s.toml"
    assert path.read_text() == default_scenario_toml()
    sc = load_scenario(path)
    assert sc.region.altitude_km == 40 and len(sc.threat) >= 3
    before = path.read_bytes()
    proc = hgvcov("init", "s.toml", cwd=tmp_path)           # refuses to overwrite
    assert_one_clean_error(proc, "exists", "--force")
    assert path.read_bytes() == before
    path.write_text("# edited\n")
    assert hgvcov("init", "s.toml", "--force", cwd=tmp_path).returncode == 0
    assert path.read_text() == default_scenario_toml()
    # a folder gets scenario.toml inside it
    (tmp_path / "d").mkdir()
    assert hgvcov("init", "d", cwd=tmp_path).returncode == 0
    assert (tmp_path / "d" / "scenario.toml").read_text() == default_scenario_toml()


def test_memory_refusal_before_allocating(tmp_path):
    (tmp_path / "s.toml").write_text(SMALL.replace("step_deg = 5", "step_deg = 0.01"))
    proc = hgvcov("run", "s.toml", "-o", "out", cwd=tmp_path,
                  env={"HGVCOV_MEMORY_LIMIT_MB": "200"})
    assert_one_clean_error(proc, "memory", "grid points", "region.step_deg")
    assert not (tmp_path / "out").exists()


def test_output_path_that_is_a_file_is_refused_up_front(tmp_path, monkeypatch, capsys):
    (tmp_path / "s.toml").write_text(SMALL)
    (tmp_path / "taken").write_text("not a folder")
    monkeypatch.chdir(tmp_path)
    rc = main(["run", "s.toml", "-o", "taken"])
    cap = capsys.readouterr()
    assert_one_clean_error(subprocess.CompletedProcess([], rc, cap.out, cap.err),
                           "taken", "not a folder")
    assert (tmp_path / "taken").read_text() == "not a folder"


def test_trajectory_command(tmp_path):
    proc = hgvcov("trajectory", "--threat", "korea-inland-tokyo", "-o", "tj", "--json",
                  cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["threat"] == "korea-inland-tokyo"
    # the flight ends at the aim point (Tokyo) within the library's 25 km contract
    assert great_circle_distance_km(*info["impact"], 35.68, 139.77) < 25.0
    lines = (tmp_path / "tj" / "trajectory.csv").read_text().splitlines()
    assert lines[0].startswith("time_s,lat_deg,lon_deg,altitude_km")
    assert len(lines) > 10
    bad = hgvcov("trajectory", "--launch", "40,116", "--aim", "95,116", cwd=tmp_path)
    assert_one_clean_error(bad, "--aim", "-90..90")


def test_internal_error_exit_1_short_message_and_debug(tmp_path, monkeypatch, capsys):
    """A bug (not bad input) is exit 1 with a hint; --debug adds the traceback."""

    def broken(*a, **k):
        raise ValueError("a plain ValueError from inside the engine is not an input error")

    monkeypatch.setattr(run_package, "run_scenario", broken)
    (tmp_path / "s.toml").write_text(SMALL)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "s.toml"]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "--debug" in err and "Traceback" not in err
    assert main(["--debug", "run", "s.toml"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_version(tmp_path):
    proc = hgvcov("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("hgvcov ")
    proc = hgvcov("version", "--json", cwd=tmp_path)
    assert proc.returncode == 0
    info = json.loads(proc.stdout)
    assert info["hgv-coverage"] and info["python"]


# ------------------------------------------------------- output transaction (in-process)

def test_transaction_failure_leaves_previous_files(tmp_path):
    (tmp_path / "summary.json").write_text("old summary")
    (tmp_path / "keep.txt").write_text("user file")
    before = digest(tmp_path)
    with pytest.raises(ZeroDivisionError):
        with OutputTransaction(tmp_path) as tx:
            tx.path("summary.json").write_text("new")
            tx.path("coverage.nc").write_bytes(b"partial")
            1 / 0
    assert digest(tmp_path) == before
    with OutputTransaction(tmp_path) as tx:
        tx.path("summary.json").write_text("new")
    assert (tmp_path / "summary.json").read_text() == "new"
    assert (tmp_path / "keep.txt").read_text() == "user file"
    # nothing hidden left but the folder's manifest of what the run wrote
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [MANIFEST_NAME]


def test_transaction_rolls_back_a_failed_commit(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "b.txt").mkdir()                  # cannot be replaced by a file
    with pytest.raises(OutputError):
        with OutputTransaction(tmp_path) as tx:
            tx.path("a.txt").write_text("new a")
            tx.path("b.txt").write_text("new b")
    assert (tmp_path / "a.txt").read_text() == "old a"
    assert (tmp_path / "b.txt").is_dir()


def test_unwritable_output_is_input_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        OutputTransaction(tmp_path / "file")


# ---------------------------------------------------------------------- one real run

@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """``hgvcov run small.toml --json`` once; later tests reuse its folder."""
    work = tmp_path_factory.mktemp("e2e")
    (work / "small.toml").write_text(SMALL)
    t0 = time.perf_counter()
    proc = hgvcov("run", "small.toml", "-o", "out", "--json", cwd=work, timeout=RUN_LIMIT_S)
    return work, proc, time.perf_counter() - t0


def test_run_writes_every_file_and_json(small_run):
    work, proc, _ = small_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)        # stdout is the JSON and nothing else
    out = work / "out"
    names = {p.name for p in out.iterdir()}
    for f in ("coverage.nc", "summary.json", "tracks.csv", "map_fraction_1.png",
              "map_fraction_stereo.png", "map_max_gap.png"):
        assert f in names, names
    assert any(n.startswith("timeline_") for n in names)
    assert [n for n in names if n.startswith(".")] == [MANIFEST_NAME]  # no staging left behind
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk["region_statistics"] == summary["region_statistics"]
    assert set(summary["files"]) <= names
    stats = summary["region_statistics"]
    assert 0.0 <= stats["fraction_stereo_mean"] <= stats["fraction_1_mean"] <= 1.0
    assert stats["n_points"] == 7 * 7
    # propagation, the coverage kernels and the write stage are disjoint intervals of the run
    tim = summary["timings"]
    assert all(math.isfinite(tim[k]) and tim[k] >= 0.0 for k in ("propagation_s", "coverage_s", "write_s"))
    assert tim["propagation_s"] + tim["coverage_s"] + tim["write_s"] <= tim["total_s"]
    assert list(summary["per_threat"]) == ["toward Tokyo"]
    assert summary["constellation"]["n_satellites"] == 12

    ds = xr.load_dataset(out / "coverage.nc")
    assert (ds.sizes["lat"], ds.sizes["lon"]) == (7, 7)
    assert {"time", "gap_duration_s"} <= set(ds.dims)  # region series and gap CDFs
    assert ds.sizes["time"] == ds.attrs["n_time"]
    assert float(ds.lat[0]) == 20.0 and float(ds.lon[-1]) == 150.0
    for var in ("fraction_1", "fraction_2", "fraction_stereo", "mean_count", "max_gap_s",
                "mean_gap_s", "max_gap_stereo_s", "median_position_error_m"):
        assert var in ds
    assert ds.attrs["n_time"] == 30                      # 3600 s / 120 s samples
    tracks = pd.read_csv(out / "tracks.csv")
    for col in ("threat", "time_utc", "time_s", "lat_deg", "lon_deg", "altitude_km",
                "speed_km_s", "mach", "phase", "n_detect", "stereo", "convergence_deg",
                "position_error_m"):
        assert col in tracks.columns
    assert set(tracks["threat"]) == {"toward Tokyo"}
    assert tracks["time_s"].iloc[0] == pytest.approx(600.0)   # launch at 00:10


def test_failed_run_leaves_previous_outputs_byte_identical(small_run):
    work, proc, _ = small_run
    assert proc.returncode == 0
    before = digest(work / "out")
    (work / "bad.toml").write_text(SMALL.replace("altitude_km = 1000", "altitude_km = -5"))
    proc2 = hgvcov("run", "bad.toml", "-o", "out", cwd=work)
    assert_one_clean_error(proc2, "constellation[0].altitude_km = -5")
    assert digest(work / "out") == before


def _default_sigint():
    """In the child before exec: Ctrl-C as in a terminal. A shell starting the test suite in
    the background (``cmd &`` without job control) makes SIGINT ignored, and an ignored
    SIGINT is inherited, so the run would never see the signal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_interrupted_run_leaves_previous_outputs_byte_identical(small_run):
    """Ctrl-C while the new files are being written: exit 130, old files untouched."""
    work, proc, _ = small_run
    assert proc.returncode == 0
    out = work / "out"
    before = digest(out)
    env = {**os.environ}
    env.pop("HGVCOV_DEBUG", None)
    p = subprocess.Popen([sys.executable, "-m", "hgvcov", "run", "small.toml",
                          "-o", "out"], cwd=work, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)
    deadline = time.time() + RUN_LIMIT_S
    try:
        while time.time() < deadline and p.poll() is None:
            if any(q.name.startswith(".hgvcov-partial-") for q in out.iterdir()):
                break                                  # staging has begun
            time.sleep(0.005)
        assert p.poll() is None, "the run finished before it could be interrupted"
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=QUICK_LIMIT_S)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert digest(out) == before
    assert [q.name for q in out.iterdir() if q.name.startswith(".")] == [MANIFEST_NAME]


def test_map_replots_saved_coverage(small_run):
    work, proc, _ = small_run
    assert proc.returncode == 0
    r = hgvcov("map", "out/coverage.nc", "--var", "fraction_1", "-o", "f1.png", cwd=work)
    assert r.returncode == 0, r.stderr
    assert (work / "f1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = hgvcov("map", "out/coverage.nc", "--var", "nope", cwd=work)
    assert_one_clean_error(bad, "--var 'nope'", "fraction_stereo")


# ------------------------------------------- polygon and point regions (in-process, no maps)

def short_j2(name: str, region: str, output: str = "") -> str:
    """Half an hour of the small shell on J2 at the glide layer over ``region``."""
    return scenario_toml(name, 1800, 120, region + "\naltitude_km = 40\n", propagator="j2",
                         extra=output + "\n" if output else "")


def test_polygon_region_masks_grid_and_statistics(tmp_path):
    poly = EXAMPLES / "sea_of_japan_box.geojson"
    text = short_j2("polygon", f'polygon = "{poly}"\nstep_deg = 1.0')
    sc = scenario_from_toml(text, base_dir=tmp_path)
    summary = run_scenario(sc, tmp_path / "out", maps=False)
    ds = xr.load_dataset(tmp_path / "out" / "coverage.nc")
    # the box is the polygon's bounds (128.5..141 E, 35..48 N) rounded out to whole degrees
    assert (float(ds.lat[0]), float(ds.lat[-1])) == (35.0, 48.0)
    assert (float(ds.lon[0]), float(ds.lon[-1])) == (128.0, 141.0)
    expected = polygon_mask(load_polygon(poly), ds.lat.values, ds.lon.values)
    inside = ds["region_mask"].values.astype(bool)
    assert np.array_equal(inside, expected)
    assert np.isnan(ds["fraction_1"].values[~inside]).all()
    assert np.isfinite(ds["fraction_1"].values[inside]).all()
    assert summary["region"]["n_inside"] == int(expected.sum())
    assert summary["region_statistics"]["n_points"] == int(expected.sum())
    # the statistics are over the inside only: the minimum equals the inside's minimum
    assert summary["region_statistics"]["fraction_1_min"] == pytest.approx(
        float(np.nanmin(ds["fraction_1"].values)))


def test_point_region_with_accesses(tmp_path):
    region = ('points = [{name = "Tokyo", lat_deg = 35.68, lon_deg = 139.77},\n'
              '          {name = "Naha", lat_deg = 26.21, lon_deg = 127.68, altitude_km = 0}]')
    text = short_j2("points", region, "[output]\naccesses = true")
    sc = scenario_from_toml(text, base_dir=tmp_path)
    summary = run_scenario(sc, tmp_path / "out", maps=False)
    ds = xr.load_dataset(tmp_path / "out" / "coverage.nc")
    assert ds.sizes["point"] == 2
    assert summary["region"]["kind"] == "points"
    acc = pd.read_csv(tmp_path / "out" / "accesses.csv")
    assert list(acc.columns[:6]) == ["point", "satellite", "start_utc", "end_utc",
                                     "duration_s", "max_elevation_deg"]
    assert set(acc["point"]) <= {"Tokyo", "Naha"}
    assert "accesses.csv" in summary["files"]
