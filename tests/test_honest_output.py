"""Issue 16, "honest console and files": what the console and the files say is what was computed.

One cheap end-to-end run (12 satellites on J2, one point, half an hour, one threat, no maps)
is shared by the console tests: its threat is detected at launch but never tracked in
stereo, the case where the console's warning column used to print ``-`` while summary.json
held the detection warning time.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pandas as pd
import pytest

from hgvcov.cli import main
from hgvcov.scenario import default_scenario_toml, scenario_from_toml

from .conftest import START_UTC, TOKYO_THREAT, scenario_toml

#: Wall-clock limits (s) for one subprocess on a loaded 2-core machine.
QUICK_LIMIT_S = 120
RUN_LIMIT_S = 600

TWO_POINTS = ('points = [{name = "Tokyo", lat_deg = 35.68, lon_deg = 139.77},\n'
              '          {name = "launch", lat_deg = 40.0, lon_deg = 116.0}]\n'
              "altitude_km = 40\n")

#: 15 minutes of the small shell (J2) over two points, the Tokyo threat, accesses on.  The
#: last sample is at 720 s (900 - 120), inside a pass over the launch point (325 .. 911 s).
HONEST_RUN = scenario_toml("honest e2e", 900, 120, TWO_POINTS, propagator="j2",
                           extra=TOKYO_THREAT + "[output]\ntrack_step_s = 10\naccesses = true\n")


def hgvcov(*args, cwd=None, timeout=QUICK_LIMIT_S) -> subprocess.CompletedProcess:
    """Run ``python -m hgvcov ARGS`` and capture it."""
    env = {k: v for k, v in os.environ.items() if k != "HGVCOV_DEBUG"}
    return subprocess.run([sys.executable, "-m", "hgvcov", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def assert_one_clean_error(rc, out, err, *fragments):
    assert rc == 2, (rc, err)
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0, err
    assert err.startswith("hgvcov: error: ")
    for f in fragments:
        assert f in err, err
    assert out == ""


@pytest.fixture(scope="module")
def honest_run(tmp_path_factory):
    """``hgvcov run honest.toml -o out --no-maps`` once: (folder, process, summary)."""
    work = tmp_path_factory.mktemp("honest")
    (work / "honest.toml").write_text(HONEST_RUN)
    proc = hgvcov("run", "honest.toml", "-o", "out", "--no-maps", cwd=work, timeout=RUN_LIMIT_S)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((work / "out" / "summary.json").read_text())
    return work, proc, summary


# ------------------------------------------------------------ 1. threat table = summary.json

def _table_rows(text: str) -> list[list[str]]:
    """Cells of every body row of the rich tables in ``text``."""
    return [[c.strip() for c in line.strip().strip("│").split("│")]
            for line in text.splitlines() if line.startswith("│")]


def _seconds(cell: str):
    return None if cell == "-" else float(cell.removesuffix(" s").replace(",", ""))


def _percent(cell: str):
    return None if cell == "-" else float(cell.removesuffix(" %")) / 100.0


#: Console threat-table columns after the name, and the summary.json key each shows.
THREAT_KEYS = ["flight_time_s", "first_detection_s", "first_stereo_s", "custody_fraction",
               "stereo_fraction", "warning_time_s", "detection_warning_time_s",
               "radar_warning_time_s"]


def test_console_threat_table_matches_summary_json(honest_run):
    _, proc, summary = honest_run
    per = summary["per_threat"]["toward Tokyo"]
    # the case of the issue: detected at launch, never in stereo
    assert per["first_detection_s"] == 0.0 and per["warning_time_s"] is None
    assert per["detection_warning_time_s"] > 0
    rows = [r for r in _table_rows(proc.stdout) if r[0] == "toward Tokyo"]
    assert len(rows) == 1, proc.stdout
    cells = rows[0][1:]
    assert len(cells) == len(THREAT_KEYS), proc.stdout
    for key, cell in zip(THREAT_KEYS, cells):
        want = per[key]
        if key.endswith("fraction"):
            assert _percent(cell) == pytest.approx(want, abs=0.0005), (key, cell)
        elif want is None:
            assert cell == "-", (key, cell)
        else:
            assert _seconds(cell) == pytest.approx(want, abs=0.5), (key, cell)
    for label in ("(stereo)", "(detect)", "(radar only)"):
        assert label in proc.stdout


def test_console_time_line_lists_every_timed_stage(honest_run):
    _, proc, summary = honest_run
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("time: "))
    tim = summary["timings"]
    assert f"total {tim['total_s']:.1f} s" in line
    shown = dict((lab.strip(), float(v)) for lab, v in
                 re.findall(r"([a-z ]+) (\d+\.\d) s", line.split("(", 1)[1]))
    headline = [k for k in tim if k.endswith("_s") and k != "total_s"]
    assert "accesses_s" in headline and tim["accesses_s"] > 0
    for key in headline:
        label = key[:-2].replace("_", " ")
        assert label in shown, (key, line)
        assert shown[label] == pytest.approx(tim[key], abs=0.051), (key, line)


# ----------------------------------------------------------------------- 2. shell epochs

def test_shell_epoch_in_console_header_and_summary_json(honest_run):
    _, proc, summary = honest_run
    shells = summary["constellation"]["shells"]
    assert len(shells) == 1
    sh = shells[0]
    assert sh["epoch_utc"] == START_UTC.replace("Z", ".000Z") == sh["epoch_last_utc"]
    assert sh["epoch_source"] == "time.start" and sh["n_satellites"] == 12
    assert f"epoch {sh['epoch_utc']} (time.start)" in proc.stdout
    # each fact once: no "(12 satellites) (12 satellites)"-style repetition
    assert not re.search(r"\((\d+) satellites\)\s*\(\1 satellites\)", proc.stdout)


def test_init_template_documents_epoch():
    text = default_scenario_toml()
    lines = [ln for ln in text.splitlines() if re.match(r"#\s*epoch\s*=", ln)]
    assert lines, "the init template shows no epoch key"
    # uncommented, the key is valid and moves the shell's epoch (not the window)
    line = lines[0]
    on = text.replace(line, line.lstrip("# ").split("#")[0].rstrip())
    sc = scenario_from_toml(on)
    shell = sc.constellation[0]
    assert shell.epoch is not None and shell.epoch != sc.time.start


def test_elements_shell_not_counted_twice(tmp_path, capsys):
    from hgvcov.report import print_summary
    sc = scenario_from_toml(HONEST_RUN.replace(
        'kind = "walker-delta"\ntotal = 12\nplanes = 3\nphasing = 1\naltitude_km = 1000\n'
        'inclination_deg = 60\n',
        'kind = "elements"\n[[constellation.satellites]]\naltitude_km = 1000\n'
        'inclination_deg = 60\n[[constellation.satellites]]\naltitude_km = 1000\n'
        'inclination_deg = 60\nraan_deg = 90\n'))
    sats = sc.build_satellites()
    summary = {"scenario": sc.name, "constellation": {
        "summary": sc.constellation_summary(), "n_satellites": len(sats),
        "shells": sc.shells()}, "time": {}}
    print_summary(summary)
    out = capsys.readouterr().out
    assert "elements (2 satellites)" in out
    assert not re.search(r"\((\d+) satellites\)\s*\(\1 satellites\)", out), out


# ------------------------------------------------------------ 3. accepted without a word

def test_threat_launched_after_the_window_is_refused(tmp_path, monkeypatch, capsys):
    late = HONEST_RUN.replace('launch_time = "2026-11-21T00:10:00Z"',
                              'launch_time = "2026-11-21T00:16:00Z"')
    (tmp_path / "late.toml").write_text(late)
    monkeypatch.chdir(tmp_path)
    rc = main(["run", "late.toml", "-o", "out"])
    cap = capsys.readouterr()
    assert_one_clean_error(rc, cap.out, cap.err, "late.toml", "threat[0].launch_time",
                           "2026-11-21T00:16:00Z", "2026-11-21T00:00:00Z",
                           "2026-11-21T00:15:00Z")
    assert not (tmp_path / "out").exists()
    # the window's last instant itself is allowed (the same rule as the start)
    edge = HONEST_RUN.replace('launch_time = "2026-11-21T00:10:00Z"',
                              'launch_time = "2026-11-21T00:15:00Z"')
    assert scenario_from_toml(edge).threat[0].launch_time.minute == 15


ISS_2019 = ("ISS (ZARYA)\n"
            "1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991\n"
            "2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482\n")

TLE_SHELL = 'kind = "tle"\npath = "old.tle"\n'
WALKER_BODY = ('kind = "walker-delta"\ntotal = 12\nplanes = 3\nphasing = 1\n'
               'altitude_km = 1000\ninclination_deg = 60\n')


def test_old_tle_warns_with_its_age(tmp_path, capsys):
    (tmp_path / "old.tle").write_text(ISS_2019)
    sc = scenario_from_toml(HONEST_RUN.replace(WALKER_BODY, TLE_SHELL), base_dir=tmp_path)
    sc.build_satellites()
    err = capsys.readouterr().err
    assert err.startswith("hgvcov: warning: constellation[0].path = 'old.tle'"), err
    # 2019-12-09T16:38:29 to the window's end 2026-11-21T00:15 is 2538.32 days
    assert "up to 2538 days" in err, err
    assert sc.shells()[0]["epoch_source"] == "file"
    assert sc.shells()[0]["max_age_days"] == pytest.approx(2538.32, abs=0.005)


def test_current_tle_does_not_warn(tmp_path, capsys):
    from orbits.tle import write_tle
    walker = scenario_from_toml(HONEST_RUN).build_satellites()
    write_tle(walker, tmp_path / "old.tle")
    sc = scenario_from_toml(HONEST_RUN.replace(WALKER_BODY, TLE_SHELL), base_dir=tmp_path)
    sc.build_satellites()
    assert capsys.readouterr().err == ""
    assert sc.shells()[0]["max_age_days"] < 0.03


def test_trajectory_negative_coordinates_and_own_folder(tmp_path):
    (tmp_path / "hgvcov-out").mkdir()
    (tmp_path / "hgvcov-out" / "trajectory.csv").write_text("a run's file\n")
    proc = hgvcov("trajectory", "--launch", "-27.5,140.0", "--aim", "-33.9,151.2",
                  "--name", "south", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "hgvcov-trajectory"
    assert (out / "trajectory.csv").exists() and (out / "trajectory.json").exists()
    assert str(out.resolve()) in proc.stdout, proc.stdout
    assert (tmp_path / "hgvcov-out" / "trajectory.csv").read_text() == "a run's file\n"
    info = json.loads((out / "trajectory.json").read_text())
    assert info["aim"] == [-33.9, 151.2] and info["launch"] == [-27.5, 140.0]
    # positions to 1e-6 deg, not 6 significant digits (151.2 -> 151.200000 +- 5e-7)
    tj = pd.read_csv(out / "trajectory.csv", dtype={"lon_deg": str})
    assert max(len(c.split(".")[1]) if "." in c else 0 for c in tj["lon_deg"]) >= 5


def test_trajectory_unknown_vehicle_named_once(tmp_path):
    proc = hgvcov("trajectory", "--launch", "40,116", "--aim", "35,139", "--vehicle", "foo",
                  cwd=tmp_path)
    assert_one_clean_error(proc.returncode, proc.stdout, proc.stderr, "--vehicle", "'foo'",
                           "cav-h")
    assert proc.stderr.count("foo") == 1, proc.stderr


# ------------------------------------------------------------------- 4. digits and words

def test_tracks_csv_keeps_the_digits_of_the_flight(honest_run):
    from hgv_models.threats import fly_threat
    from hgvcov.scenario import scenario_from_toml as load
    work, _, _ = honest_run
    text = (work / "out" / "tracks.csv").read_text()
    tracks = pd.read_csv(work / "out" / "tracks.csv")
    (_, threat, offset), = load(HONEST_RUN).build_threats()
    traj = fly_threat(threat, sample_step_s=10)
    assert len(tracks) == len(traj.time_s)
    for col, tol in (("lat_deg", 5e-7), ("lon_deg", 5e-7), ("altitude_km", 5e-5)):
        got = tracks[col].to_numpy()
        want = getattr(traj, col)
        assert abs(got - want).max() <= tol, col        # %.6g: up to 5e-4 deg (~50 m)
    assert abs(tracks["time_s"].to_numpy() - (offset + traj.time_s)).max() <= 5e-4
    err = tracks["position_error_m"].dropna()
    assert (abs(err - err.round(1)) < 1e-9).all()
    # no column is cut to 6 significant digits: the last sample's time (1,412.2 s) is whole
    last = text.splitlines()[-1].split(",")
    assert last[2] == f"{offset + traj.time_s[-1]:.3f}".rstrip("0").rstrip("."), last


def test_accesses_csv_times_are_clean_and_consistent(honest_run):
    work, _, _ = honest_run
    acc = pd.read_csv(work / "out" / "accesses.csv", dtype={"start_s": str, "end_s": str,
                                                               "duration_s": str})
    assert len(acc) >= 1
    for col in ("start_s", "end_s", "duration_s"):
        for cell in acc[col]:
            assert len(cell.split(".")[1]) <= 3 if "." in cell else True, (col, cell)
    start, end = acc["start_s"].astype(float), acc["end_s"].astype(float)
    assert ((end - start - acc["duration_s"].astype(float)).abs() < 1e-9).all()
    t0 = pd.Timestamp(START_UTC)
    for s, utc in zip(start, acc["start_utc"]):
        assert pd.Timestamp(utc) == t0 + pd.Timedelta(milliseconds=round(s * 1000)), (s, utc)


def test_bench_prints_ratios_and_goals_not_a_verdict():
    import hgvcov.bench as bench
    lines = []
    m = {"runs": {2: {"brute_s": 10.0, "brute_det_s": 6.0, "brute_cpu": 10.0, "ours_s": 0.8,
                      "ours_det_s": 0.5, "ours_cpu": 0.7, "profiled": {"metrics_s": 0.2}}},
         "np_s": 900.0}
    bench._print_comparison(m, lines.append)
    text = "\n".join(lines)
    assert "goals met" not in text and "False" not in text and "True" not in text, text
    line = next(ln for ln in lines if ln.startswith("speed-ups"))
    assert "12.5x (goal >= 20x)" in line and "1,125x (goal >= 1,000x)" in line, line


@pytest.mark.parametrize("value, ok", [(120, True), (200, True), (360, True), (361, False),
                                       (0, False)])
def test_field_of_regard_one_rule_in_schema_and_sensor(value, ok):
    from constellation.sensors import Sensor
    from hgvcov.scenario import ScenarioError
    text = HONEST_RUN.replace("[region]", f"[sensor]\nfield_of_regard_deg = {value}\n[region]")
    if ok:
        sensors = scenario_from_toml(text).build_sensors()
        assert sensors[0].field_of_regard_deg == value
        Sensor(field_of_regard_deg=value)
    else:
        with pytest.raises(ScenarioError, match=r"sensor.field_of_regard_deg"):
            scenario_from_toml(text)
        with pytest.raises(ValueError, match=r"\(0, 360\]"):
            Sensor(field_of_regard_deg=value)


# -------------------------------------------------------------------------- 5. window ends

def test_accesses_cut_by_the_window_end_are_flagged(honest_run):
    work, _, summary = honest_run
    acc = pd.read_csv(work / "out" / "accesses.csv")
    assert {"clipped_start", "clipped_end"} <= set(acc.columns)
    # samples k = 0 .. duration/step - 1: the last is start + duration - step = 720 s
    assert summary["time"]["n_time"] == 7
    assert summary["time"]["stop_utc"].startswith("2026-11-21T00:12:00")
    cut = acc[acc["clipped_end"]]
    assert len(cut) >= 1, acc
    assert (cut["end_s"] == 720.0).all()
    assert cut["end_utc"].str.startswith("2026-11-21T00:12:00.000").all()
    assert (acc.loc[~acc["clipped_end"], "end_s"] < 720.0).all()
    assert not acc["clipped_start"].any() or (acc.loc[acc["clipped_start"], "start_s"] == 0).all()
