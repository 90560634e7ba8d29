"""Sweeps on Dask (hgvcov.sweep): key paths, validation, resumability, a real tiny sweep."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pandas as pd
import pytest

from hgvcov import sweep
from hgvcov.sweep import SweepError

from .conftest import SWEEP_2X2, SWEEP_BASE


class FakeRunner:
    """Stands in for run_scenario: a summary whose statistics follow the case's parameters."""

    def __init__(self, fail_total=None):
        self.calls = []
        self.lock = threading.Lock()
        self.fail_total = fail_total

    def __call__(self, scenario, out_dir, maps=True, exports=True, progress=None):
        assert maps is False and exports is False
        shell = scenario.constellation[0]
        total = shell.total
        fov = scenario.sensor.field_of_regard_deg
        with self.lock:
            self.calls.append((total, fov))
        if total == self.fail_total:
            raise RuntimeError(f"synthetic failure for total={total}")
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        return {
            "scenario": scenario.name,
            "constellation": {"n_satellites": total},
            "region_statistics": {
                "fraction_1": {"mean": min(1.0, total / 20), "min": 0.1},
                "fraction_stereo": {"mean": total / 100 * fov / 120, "min": 0.0},
                "max_gap_s": 600.0 / total,
            },
            "per_threat": {"toward Tokyo": {"stereo_fraction": total / 200, "warning_time_s": 10.0 * total,
                                            "vehicle": "CAV-H"}},
            "timings": {"total_s": 0.01},
        }


@pytest.fixture
def fake_runner(monkeypatch):
    runner = FakeRunner()
    monkeypatch.setattr(sweep, "_runner", lambda: runner)
    return runner


# ----------------------------------------------------------------------------- key paths


def test_parse_key_path():
    assert sweep.parse_key_path("constellation[0].total") == ("constellation", 0, "total")
    assert sweep.parse_key_path("sensor.field_of_regard_deg") == ("sensor", "field_of_regard_deg")
    assert sweep.parse_key_path("region.lat_deg[1]") == ("region", "lat_deg", 1)
    assert sweep.parse_key_path("a[2][3].b") == ("a", 2, 3, "b")
    for bad in ("", "constellation[x].total", "sensor..fov", "constellation[0]total", ".a", "a[-1]"):
        with pytest.raises(SweepError) as exc:
            sweep.parse_key_path(bad)
        assert repr(bad) in str(exc.value)


def test_get_and_set_path():
    d = {"constellation": [{"total": 12}], "sensor": {"fov": 1}}
    assert sweep.get_path(d, "constellation[0].total") == 12
    sweep.set_path(d, "constellation[0].total", 24)
    assert d["constellation"][0]["total"] == 24
    sweep.set_path(d, "sensor.max_range_km", 5000)  # optional leaf may be new
    assert d["sensor"]["max_range_km"] == 5000
    with pytest.raises(SweepError, match=r"index \[3\] is out of range.*allowed 0..0"):
        sweep.get_path(d, "constellation[3].total")
    with pytest.raises(SweepError, match="region is not in the base scenario"):
        sweep.set_path(d, "region.step_deg", 1.0)
    with pytest.raises(SweepError, match="is not an array"):
        sweep.get_path(d, "sensor[0].fov")
    with pytest.raises(SweepError, match="not in the base scenario"):
        sweep.get_path(d, "sensor.nothing")


def test_case_id_is_stable():
    o = {"constellation[0].total": 12, "sensor.field_of_regard_deg": 100}
    # Fixed value: changing the hash would orphan every user's finished cases.
    assert sweep.case_id(o) == "a14bb08fc48c75b9"
    assert sweep.case_id(dict(reversed(list(o.items())))) == sweep.case_id(o)
    assert sweep.case_id({"constellation[0].total": 12.0, "sensor.field_of_regard_deg": 100}) == sweep.case_id(o)
    assert sweep.case_id({"constellation[0].total": 13, "sensor.field_of_regard_deg": 100}) != sweep.case_id(o)


# ----------------------------------------------------------------------------- validation


def test_load_sweep(tmp_path, sweep_files):
    spec = sweep.load_sweep(sweep_files())
    assert spec.keys == ["constellation[0].total", "sensor.field_of_regard_deg"]
    assert [c.overrides for c in spec.cases] == [
        {"constellation[0].total": 12, "sensor.field_of_regard_deg": 100},
        {"constellation[0].total": 12, "sensor.field_of_regard_deg": 120},
        {"constellation[0].total": 24, "sensor.field_of_regard_deg": 100},
        {"constellation[0].total": 24, "sensor.field_of_regard_deg": 120},
    ]
    assert len({c.case_id for c in spec.cases}) == 4
    d = spec.case_scenario_dict(spec.cases[3])
    assert d["constellation"][0]["total"] == 24 and d["sensor"]["field_of_regard_deg"] == 120
    assert spec.base["constellation"][0]["total"] == 12  # base untouched


@pytest.mark.parametrize(
    "grid_line, key, fragment",
    [
        ('"constellation[0].total" = 12', "constellation[0].total", "must be a list"),
        ('"constellation[0].total" = []', "constellation[0].total", "empty"),
        ('"constellation[0].total" = [12, "many"]', "constellation[0].total", "'many' is a string"),
        ('"constellation[0].total" = [12, 12]', "constellation[0].total", "listed twice"),
        ('"constellation[1].total" = [12]', "constellation[1].total", "out of range"),
        ('"orbit.total" = [12]', "orbit.total", "not in the base scenario"),
        ('"constellation[0].total" = [12, 13]', "constellation[0].total", "13"),  # not a multiple of planes
        ('"sensor.min_elevation_deg" = [10, 95]', "sensor.min_elevation_deg", "95"),  # above 90
        ('"sensor.fov_deg" = [10]', "sensor.fov_deg", "fov_deg"),  # unknown optional key
    ],
)
def test_bad_grid_values_are_named(tmp_path, grid_line, key, fragment, sweep_files):
    p = sweep_files(f'base = "base.toml"\n[grid]\n{grid_line}\n')
    with pytest.raises(SweepError) as exc:
        sweep.load_sweep(p)
    assert exc.value.key == key
    assert key in str(exc.value) and fragment in str(exc.value)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('base = "missing.toml"\n[grid]\n"sensor.field_of_regard_deg" = [100]\n', "not found"),
        ('[grid]\n"sensor.field_of_regard_deg" = [100]\n', "base"),
        ('base = "base.toml"\n', "[grid]"),
        ('base = "base.toml"\nworkers = 3\n[grid]\n"sensor.field_of_regard_deg" = [100]\n', "'workers'"),
        ('base = "base.toml"\n[grid]\n"sensor.field_of_regard_deg" = [100]\n[plot]\nx = "sensor.min_elevation_deg"\n',
         "plot.x"),
        ('base = "base.toml"\n[grid\n', "TOML"),
    ],
)
def test_bad_sweep_files(tmp_path, text, fragment, sweep_files):
    with pytest.raises(SweepError, match=None) as exc:
        sweep.load_sweep(sweep_files(text))
    assert fragment in str(exc.value)


# ----------------------------------------------------------------------------- running


def test_sweep_runs_every_case_and_resumes(tmp_path, fake_runner, sweep_files):
    p = sweep_files()
    out = tmp_path / "out"
    df = sweep.run_sweep(p, out, processes=False, n_workers=2)
    assert sorted(fake_runner.calls) == [(12, 100), (12, 120), (24, 100), (24, 120)]
    assert list(df.columns[:4]) == ["case_id", "constellation[0].total", "sensor.field_of_regard_deg", "status"]
    assert (df["status"] == "ok").all()
    row = df[(df["constellation[0].total"] == 24) & (df["sensor.field_of_regard_deg"] == 100)].iloc[0]
    assert row["fraction_stereo.mean"] == pytest.approx(0.24 * 100 / 120)
    assert row["max_gap_s"] == pytest.approx(25.0)
    assert row["n_satellites"] == 24
    assert row["threat.toward Tokyo.warning_time_s"] == pytest.approx(240.0)
    assert "threat.toward Tokyo.vehicle" not in df.columns
    on_disk = pd.read_csv(out / "sweep.csv")
    assert len(on_disk) == 4 and list(on_disk.columns) == list(df.columns)
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    case_files = sorted((out / "cases").glob("*.json"))
    assert len(case_files) == 4
    mtimes = {f: f.stat().st_mtime_ns for f in case_files}

    # Rerun: nothing is recomputed, case files untouched, same table.
    fake_runner.calls.clear()
    df2 = sweep.run_sweep(p, out, processes=False, n_workers=2)
    assert fake_runner.calls == []
    assert {f: f.stat().st_mtime_ns for f in case_files} == mtimes
    pd.testing.assert_frame_equal(df.reset_index(drop=True), df2.reset_index(drop=True))

    # Lose one case (as if its worker died before finishing): only that case reruns.
    lost = out / "cases" / f"{df.iloc[1]['case_id']}.json"
    lost.unlink()
    sweep.run_sweep(p, out, processes=False, n_workers=2)
    assert fake_runner.calls == [(12, 120)]

    # Extending the grid runs only the new cases.
    fake_runner.calls.clear()
    p.write_text(SWEEP_2X2.replace("[12, 24]", "[12, 24, 36]"))
    df3 = sweep.run_sweep(p, out, processes=False, n_workers=2)
    assert sorted(fake_runner.calls) == [(36, 100), (36, 120)]
    assert len(df3) == 6 and (df3["status"] == "ok").all()
    assert not [f for f in os.listdir(out) if ".tmp" in f]


def test_changed_base_scenario_invalidates_cases(tmp_path, fake_runner, sweep_files):
    p = sweep_files('base = "base.toml"\n[grid]\n"sensor.field_of_regard_deg" = [100, 120]\n')
    out = tmp_path / "out"
    sweep.run_sweep(p, out, processes=False, n_workers=1)
    assert len(fake_runner.calls) == 2
    (tmp_path / "base.toml").write_text(SWEEP_BASE.replace("duration_s = 600", "duration_s = 1200"))
    fake_runner.calls.clear()
    sweep.run_sweep(p, out, processes=False, n_workers=1)
    assert len(fake_runner.calls) == 2


def test_failed_case_is_reported_and_retried(tmp_path, monkeypatch, sweep_files):
    runner = FakeRunner(fail_total=24)
    monkeypatch.setattr(sweep, "_runner", lambda: runner)
    p = sweep_files()
    out = tmp_path / "out"
    df = sweep.run_sweep(p, out, processes=False, n_workers=2)
    bad = df[df["constellation[0].total"] == 24]
    assert (bad["status"] == "error").all()
    assert bad["error"].str.contains("synthetic failure for total=24").all()
    assert (df[df["constellation[0].total"] == 12]["status"] == "ok").all()
    assert len(list((out / "cases").glob("*.error.json"))) == 2

    runner.fail_total = None
    runner.calls.clear()
    df2 = sweep.run_sweep(p, out, processes=False, n_workers=2)
    assert sorted(runner.calls) == [(24, 100), (24, 120)]
    assert (df2["status"] == "ok").all()
    assert not list((out / "cases").glob("*.error.json"))


_REAL_RUN_CASE = sweep._run_case


def _dying_run_case(payload):
    """Module level so that Dask can pickle it by reference."""
    o = payload["overrides"]
    if o["constellation[0].total"] == 24 and o["sensor.field_of_regard_deg"] == 120:
        raise RuntimeError("worker lost")
    return _REAL_RUN_CASE(payload)


def test_task_that_dies_keeps_other_results(tmp_path, fake_runner, monkeypatch, sweep_files):
    """A task lost on the Dask side (e.g. KilledWorker) is an error row; finished cases are kept."""
    monkeypatch.setattr(sweep, "_run_case", _dying_run_case)
    p = sweep_files()
    df = sweep.run_sweep(p, tmp_path / "out", processes=False, n_workers=2)
    assert list(df["status"]) == ["ok", "ok", "ok", "error"]
    assert "worker lost" in df.iloc[3]["error"]
    assert len(list((tmp_path / "out" / "cases").glob("*[0-9a-f].json"))) == 3


def test_bad_sweep_runs_nothing(tmp_path, fake_runner, sweep_files):
    p = sweep_files('base = "base.toml"\n[grid]\n"constellation[0].total" = [12, 13]\n')
    with pytest.raises(SweepError):
        sweep.run_sweep(p, tmp_path / "out", processes=False)
    assert fake_runner.calls == []
    assert not (tmp_path / "out").exists()


def test_real_tiny_sweep(tmp_path, sweep_files):
    """Two real cases through run_scenario on a small threaded LocalCluster."""
    p = sweep_files('base = "base.toml"\n[grid]\n"constellation[0].total" = [12, 24]\n')
    out = tmp_path / "out"
    df = sweep.run_sweep(p, out, processes=False, n_workers=1)
    assert list(df["status"]) == ["ok", "ok"], df["error"].tolist()
    for cid in df["case_id"]:
        summary = json.loads((out / "cases" / cid / "summary.json").read_text())
        assert summary["constellation"]["n_satellites"] in (12, 24)
    stereo_cols = [c for c in df.columns if "fraction_stereo" in c]
    assert stereo_cols
    assert (out / "sweep.csv").exists()


def test_warm_cases_cover_categorical_values(tmp_path, sweep_files):
    text = ('base = "base.toml"\n[grid]\n"constellation[0].total" = [24, 12]\n'
            '"time.propagator" = ["sgp4", "j2"]\n')
    base = SWEEP_BASE.replace("step_s = 60", 'step_s = 60\npropagator = "sgp4"')
    spec = sweep.load_sweep(sweep_files(text, base))
    warm = sweep._warm_cases(spec, spec.cases)
    # The cheapest case (12 satellites) for each propagator, cheapest first.
    assert [c.overrides for c in warm] == [
        {"constellation[0].total": 12, "time.propagator": "sgp4"},
        {"constellation[0].total": 12, "time.propagator": "j2"},
    ]


class RecordingProgress:
    """The hgvcov.progress interface, recording what the sweep reports."""

    def __init__(self):
        self.updates = []
        self.closed = False

    def task(self, description, total=None):
        outer = self

        class _Task:
            def __call__(self, done, total=None):
                outer.updates.append((done, total))

            def close(self):
                outer.closed = True

        return _Task()


def test_existing_scheduler_and_progress(tmp_path, fake_runner, sweep_files):
    """A scheduler given by address (as `hgvcov sweep --scheduler tcp://...` does) runs the cases."""
    from dask.distributed import LocalCluster

    p = sweep_files()
    prog = RecordingProgress()
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        df = sweep.run_sweep(p, tmp_path / "out", scheduler=cluster.scheduler_address, progress=prog)
        assert cluster.scheduler is not None and cluster.status.name == "running"  # not closed by the sweep
    assert (df["status"] == "ok").all() and len(fake_runner.calls) == 4
    assert prog.updates[0] == (0, 4) and prog.updates[-1] == (4, 4) and prog.closed


@pytest.mark.slow
def test_real_sweep_on_worker_processes(tmp_path, sweep_files):
    """The default path: cases run in separate worker processes (loading numba's cache warmed
    by the in-process first case); results identical to an in-process run of the same case."""
    p = sweep_files('base = "base.toml"\n[grid]\n"sensor.field_of_regard_deg" = [110, 120]\n')
    out = tmp_path / "out"
    df = sweep.run_sweep(p, out, processes=True, n_workers=1)
    assert list(df["status"]) == ["ok", "ok"], df["error"].tolist()
    # Rerun on threads from scratch: same numbers from the other execution path.
    df2 = sweep.run_sweep(p, tmp_path / "out2", processes=False, n_workers=1, warm=False)
    cols = [c for c in df.columns if c.startswith("fraction_")]
    pd.testing.assert_frame_equal(df[cols], df2[cols])
    # A wider field of regard never loses coverage.
    mean_1 = next(c for c in cols if c.startswith("fraction_1") and "mean" in c)
    assert df.iloc[1][mean_1] >= df.iloc[0][mean_1]


def test_workers_fit_in_memory(tmp_path, monkeypatch, sweep_files):
    spec = sweep.load_sweep(sweep_files())
    mem = max(sweep._case_memory_bytes(sweep._case_scenario(spec, c)) for c in spec.cases)
    assert mem > 0
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    monkeypatch.setenv("HGVCOV_MEMORY_LIMIT_MB", str(3.5 * 1.25 * mem / 2**20))
    assert sweep._default_workers(8, mem) == 3  # memory, not the 16 cores, decides
    assert sweep._default_workers(2, mem) == 2  # never more workers than cases
    monkeypatch.setenv("HGVCOV_MEMORY_LIMIT_MB", "1")
    assert sweep._default_workers(8, mem) == 1  # at least one (run_scenario refuses a case that cannot fit)


def test_warm_up_moves_on_when_the_cheapest_case_fails(tmp_path, monkeypatch, sweep_files):
    runner = FakeRunner(fail_total=12)
    monkeypatch.setattr(sweep, "_runner", lambda: runner)
    df = sweep.run_sweep(sweep_files(), tmp_path / "out", processes=False, n_workers=1)
    # In this process, cheapest first, until one succeeds: both 12-satellite cases fail, then 24.
    assert runner.calls[:3] == [(12, 100), (12, 120), (24, 100)]
    assert list(df["status"]) == ["error", "error", "ok", "ok"]


# ----------------------------------------------------------------------------- console and scheduler


def test_sweep_column_labels_are_short_and_distinct():
    from hgvcov.report import sweep_column_labels

    assert sweep_column_labels(["constellation[0].total", "constellation[0].altitude_km"]) == \
        ["total", "altitude_km"]
    # Same last name: the indexed name is kept with its index, never a bare "[0].total".
    assert sweep_column_labels(["constellation[0].total", "constellation[1].total",
                                "sensor.field_of_regard_deg"]) == \
        ["constellation[0].total", "constellation[1].total", "field_of_regard_deg"]
    assert sweep_column_labels(["region.lat_deg[0]", "region.lat_deg[1]"]) == ["lat_deg[0]", "lat_deg[1]"]
    assert sweep_column_labels(["a.total", "b.x.total"]) == ["a.total", "x.total"]


def test_print_sweep_failures_one_line_per_case(tmp_path, monkeypatch, sweep_files):
    import io

    from hgvcov.report import print_sweep_failures

    runner = FakeRunner(fail_total=24)
    monkeypatch.setattr(sweep, "_runner", lambda: runner)
    df = sweep.run_sweep(sweep_files(), tmp_path / "out", processes=False, n_workers=1)
    buf = io.StringIO()
    assert print_sweep_failures(df, tmp_path / "out", stream=buf) == 2
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("hgvcov: 2 of 4 cases failed")
    for cid, fov in zip(df["case_id"][2:], (100, 120)):
        (line,) = [ln for ln in lines if cid in ln]
        assert f"constellation[0].total = 24, sensor.field_of_regard_deg = {fov}" in line
        assert line.endswith("RuntimeError: synthetic failure for total=24")
    ok = io.StringIO()
    assert print_sweep_failures(df[df["status"] == "ok"], tmp_path, stream=ok) == 0
    assert ok.getvalue() == ""


def test_unreachable_scheduler_is_refused_before_any_case(tmp_path, fake_runner, sweep_files):
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    with pytest.raises(SweepError, match=r"--scheduler 'tcp://127\.0\.0\.1:\d+': no dask scheduler answered "
                                         r"within 1 s") as exc:
        sweep.run_sweep(sweep_files(), tmp_path / "out", scheduler=f"tcp://127.0.0.1:{port}",
                        connect_timeout=1)
    assert time.monotonic() - t0 < 10
    assert exc.value.key == "--scheduler"
    assert fake_runner.calls == [] and not (tmp_path / "out").exists()
    with pytest.raises(SweepError, match="is not a valid scheduler address"):
        sweep.connect_scheduler("tcp://127.0.0.1:notaport", 1)
    with pytest.raises(SweepError, match="seconds > 0"):
        sweep.connect_scheduler("tcp://127.0.0.1:8786", 0)
