"""Threat ensembles (``[[threat_ensemble]]``, :mod:`hgvcov.ensemble`).

The oracle of every ``ensemble.csv`` row is the existing single-threat path: the same
flight written as a ``[[threat]]`` (launch, aim, launch time) and scored by
:func:`hgvcov.run.stages.score_threats`.  Both fly with ``fly_threat`` and track with
``track_coverage`` on the same satellites, so the figures must agree exactly (the tracking
of one flight does not depend on the others tracked with it).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from hgvcov.cli import main
from hgvcov.ensemble import ENSEMBLE_COLUMNS, ensemble_flights
from hgvcov.progress import NullProgress
from hgvcov.run.pipeline import run_scenario
from hgvcov.run.stages import StageClock, build_inputs, score_threats
from hgvcov.scenario import scenario_from_toml

from .conftest import box_region, scenario_toml

TOKYO = (35.68, 139.77)
#: Far beyond the ~9,000 km a CAV-H can glide from east Asia (Caribbean).
FAR_AIM = (10.0, -60.0)
SITES = ((40.0, 116.0), (44.0, 125.5))
TIMES = ("2026-11-21T00:10:00Z", "2026-11-21T00:20:00Z")

ENSEMBLE = f"""\
[[threat_ensemble]]
name = "grid"
launch = [[{SITES[0][0]}, {SITES[0][1]}], [{SITES[1][0]}, {SITES[1][1]}]]
aim = [{{name = "tokyo", lat_deg = {TOKYO[0]}, lon_deg = {TOKYO[1]}}}, [{FAR_AIM[0]}, {FAR_AIM[1]}]]
launch_times = ["{TIMES[0]}", "{TIMES[1]}"]
factorial = true
"""

SAMPLED = f"""\
[[threat_ensemble]]
name = "drawn"
launch = [[{SITES[0][0]}, {SITES[0][1]}], [{SITES[1][0]}, {SITES[1][1]}]]
aim = [{{name = "tokyo", lat_deg = {TOKYO[0]}, lon_deg = {TOKYO[1]}}}]
launch_times = 3
samples = 5
seed = 7
"""

OUTPUT = "[output]\ntrack_step_s = 5\n"


def _scenario_text(extra: str) -> str:
    return scenario_toml("ensemble", 3600, 120, box_region((20, 50), (120, 150), 5, 40),
                         sensor="min_elevation_deg = 5\nfield_of_regard_deg = 120\n",
                         extra=extra + OUTPUT)


@pytest.fixture(scope="module")
def ensemble_run(tmp_path_factory):
    """One run with both ensembles; returns (summary, ensemble.csv table, scenario)."""
    out = tmp_path_factory.mktemp("ens") / "out"
    sc = scenario_from_toml(_scenario_text(ENSEMBLE + SAMPLED))
    summary = run_scenario(sc, out, maps=False, exports=False)
    table = pd.read_csv(out / "ensemble.csv", keep_default_na=True)
    return summary, table, sc


def test_factorial_rows_and_unreachable(ensemble_run):
    summary, table, _ = ensemble_run
    assert tuple(table.columns) == ENSEMBLE_COLUMNS
    grid = table[table["ensemble"] == "grid"]
    assert len(grid) == 2 * 2 * 2  # sites x aims x launch times
    far = grid[grid["aim_lat_deg"] == FAR_AIM[0]]
    assert len(far) == 4 and set(far["status"]) == {"unreachable"}
    assert all("release speed" in r for r in far["reason"])  # the reason, not a silent drop
    assert far["flight_time_s"].isna().all()
    near = grid[grid["aim"] == "tokyo"]
    assert set(near["status"]) == {"ok"}
    assert summary["ensembles"]["grid"]["n_unreachable"] == 4
    assert summary["ensembles"]["grid"]["by_aim"]["tokyo"]["n_unreachable"] == 0


@pytest.fixture(scope="module")
def single_path(ensemble_run):
    """The flown rows of the ensembles run again as ``[[threat]]`` entries (score_threats)."""
    _, table, _ = ensemble_run
    ok = table[table["status"] == "ok"].reset_index(drop=True)
    threats = "".join(
        f'[[threat]]\nname = "{r.flight}"\nlaunch = [{r.launch_lat_deg}, {r.launch_lon_deg}]\n'
        f'aim = [{r.aim_lat_deg}, {r.aim_lon_deg}]\nlaunch_time = "{r.launch_utc}"\n'
        for r in ok.itertuples())
    sc = scenario_from_toml(_scenario_text(threats))
    clock = StageClock(NullProgress())
    return score_threats(sc, build_inputs(sc, clock), clock)


def test_rows_equal_single_threat_path(ensemble_run, single_path):
    """Each flown row equals the same flight run as a ``[[threat]]`` (exact)."""
    _, table, _ = ensemble_run
    ok = table[table["status"] == "ok"].reset_index(drop=True)
    single = single_path.per_threat
    assert len(single) == len(ok) == 4 + 5
    for r in ok.itertuples():
        ref = single[r.flight]
        for col in ("flight_time_s", "first_detection_s", "first_stereo_s", "custody_fraction",
                    "stereo_fraction", "longest_custody_gap_s", "warning_time_s",
                    "detection_warning_time_s", "radar_warning_time_s"):
            got = getattr(r, col)
            want = ref[col]
            if want is None:
                assert math.isnan(got), (r.flight, col, got)
            else:  # the CSV round trip keeps full precision (shortest repr)
                assert got == want, (r.flight, col, got, want)
        assert r.launch_utc == ref["launch_utc"]


def test_percentiles_by_aim_point(ensemble_run):
    """p10/p50/p90 as numpy's linear interpolation, written out: sorted v, rank p(n-1)."""
    summary, table, _ = ensemble_run
    tokyo = table[(table["ensemble"] == "grid") & (table["aim"] == "tokyo")]
    got = summary["ensembles"]["grid"]["by_aim"]["tokyo"]
    for col in ("warning_time_s", "radar_warning_time_s", "detection_warning_time_s",
                "custody_fraction"):
        v = sorted(tokyo[col].fillna(0.0))  # a warning never given counts as 0 s
        for p in (10, 50, 90):
            rank = p / 100 * (len(v) - 1)
            lo = math.floor(rank)
            hi = min(lo + 1, len(v) - 1)
            want = v[lo] + (rank - lo) * (v[hi] - v[lo])
            assert got[col][f"p{p}"] == pytest.approx(want, rel=1e-12, abs=1e-9)
    assert got["n_without_warning_time"] == int(tokyo["warning_time_s"].isna().sum())


def test_seed_reproducible_and_changes(ensemble_run):
    _, table, sc = ensemble_run
    spec = sc.threat_ensemble[1]
    a = ensemble_flights(spec, sc.time.start, sc.time.duration_s)
    b = ensemble_flights(spec, sc.time.start, sc.time.duration_s)
    assert a == b
    drawn = table[table["ensemble"] == "drawn"]
    assert list(drawn["launch_offset_s"]) == [f.launch_offset_s for f in a]
    assert list(drawn["launch_lat_deg"]) == [f.launch_lat_deg for f in a]
    # launch times: whole seconds inside the window
    assert all(0 <= f.launch_offset_s < 3600 and f.launch_offset_s == int(f.launch_offset_s)
               for f in a)
    other = ensemble_flights(spec.model_copy(update={"seed": 8}), sc.time.start,
                             sc.time.duration_s)
    assert [f.launch_offset_s for f in other] != [f.launch_offset_s for f in a]


def test_launch_box_draws_inside_the_box():
    sc = scenario_from_toml(_scenario_text(
        '[[threat_ensemble]]\nname = "box"\nlaunch_box = {lat_deg = [38, 42], '
        'lon_deg = [114, 118]}\naim = [[35.68, 139.77]]\nsamples = 200\nseed = 1\n'))
    fl = ensemble_flights(sc.threat_ensemble[0], sc.time.start, sc.time.duration_s)
    lat = np.array([f.launch_lat_deg for f in fl])
    lon = np.array([f.launch_lon_deg for f in fl])
    assert len(fl) == 200
    assert lat.min() >= 38 and lat.max() <= 42 and lon.min() >= 114 and lon.max() <= 118
    # equal-area draw: half the flights south of the latitude splitting the box's area
    mid = math.degrees(math.asin((math.sin(math.radians(38)) + math.sin(math.radians(42))) / 2))
    assert abs((lat < mid).mean() - 0.5) < 0.12  # 200 draws: 3.4 sigma of a binomial


@pytest.mark.parametrize("line, key", [
    ('manoeuvre = "loop"', "manoeuvre"),
    ('launch = [[40, 116, 3]]', "launch[0]"),
    ('aim = [[95, 139]]', "aim[0]"),
    ('colour = "red"', "colour"),
    ('launch_times = 0', "launch_times"),
])
def test_bad_keys_exit_2(tmp_path, capsys, line, key):
    body = ('[[threat_ensemble]]\nname = "x"\nlaunch = [[40.0, 116.0]]\naim = [[35.68, 139.77]]\n'
            'samples = 2\n')
    k = line.split(" = ")[0]
    body = "\n".join(ln for ln in body.splitlines() if not ln.startswith(k + " ")) + "\n" + line
    path = tmp_path / "bad.toml"
    path.write_text(_scenario_text(body + "\n"))
    assert main(["run", str(path), "-o", str(tmp_path / "out"), "--no-maps"]) == 2
    err = capsys.readouterr().err
    assert f"threat_ensemble[0].{key}" in err, err
    assert "Traceback" not in err


def test_no_ensemble_no_csv(tmp_path):
    sc = scenario_from_toml(scenario_toml("plain", 600, 60, box_region((30, 35), (130, 135), 5, 0)))
    summary = run_scenario(sc, tmp_path / "out", maps=False, exports=False)
    assert not (tmp_path / "out" / "ensemble.csv").exists()
    assert "ensembles" not in summary
    assert "ensembles" not in json.loads((tmp_path / "out" / "summary.json").read_text())


def test_chunked_tracking_gives_the_same_rows(ensemble_run, single_path):
    """Streaming over chunks of 2 flights changes no figure (and keeps the flight order);
    the corridor counts equal a 1-degree histogram of the single-threat path's tracks."""
    from hgv_models.radar import JAPAN_RADAR_SITES
    from hgvcov.ensemble import CorridorGrid, run_ensemble

    _, table, sc = ensemble_run
    spec = sc.threat_ensemble[1]
    flights = ensemble_flights(spec, sc.time.start, sc.time.duration_s)
    clock = StageClock(NullProgress())
    inputs = build_inputs(sc, clock)
    corridor = CorridorGrid(step_deg=1.0)
    got = run_ensemble(spec, flights, inputs.satellites, inputs.sensors, sc.time.start,
                       propagator=sc.time.propagator, radar_sites=JAPAN_RADAR_SITES,
                       sample_step_s=sc.output.track_step_s, chunk_flights=2,
                       corridor=corridor)
    want = table[table["ensemble"] == "drawn"].reset_index(drop=True)
    assert list(got["flight"]) == [f.name for f in flights] == list(want["flight"])
    for col in ("first_detection_s", "first_stereo_s", "custody_fraction", "stereo_fraction",
                "longest_custody_gap_s", "warning_time_s", "radar_warning_time_s"):
        np.testing.assert_array_equal(got[col].astype(float).to_numpy(),
                                      want[col].astype(float).to_numpy(), err_msg=col)
    tracks = single_path.tracks
    mine = tracks[tracks["threat"].isin(list(got["flight"]))]
    lon = (mine["lon_deg"].to_numpy() + 180.0) % 360.0 - 180.0
    edges = (np.arange(-90.0, 90.5, 1.0), np.arange(-180.0, 180.5, 1.0))
    lat = mine["lat_deg"].to_numpy()
    all_n, _, _ = np.histogram2d(lat, lon, bins=edges)
    out = mine["n_detect"].to_numpy() == 0
    out_n, _, _ = np.histogram2d(lat[out], lon[out], bins=edges)
    np.testing.assert_array_equal(corridor.n_samples, all_n.astype(np.int64))
    np.testing.assert_array_equal(corridor.n_uncovered, out_n.astype(np.int64))
    assert corridor.n_uncovered.sum() > 0 and corridor.n_samples.sum() > corridor.n_uncovered.sum()


def test_warning_chart_written(ensemble_run, tmp_path):
    from hgvcov.plots import MapError
    from hgvcov.plots.ensemble import ensemble_figure_name, plot_ensemble_warning

    _, table, _ = ensemble_run
    path = plot_ensemble_warning(table, "grid", tmp_path / ensemble_figure_name("grid"))
    assert path.stat().st_size > 10_000 and path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(MapError, match="'nope'"):
        plot_ensemble_warning(table, "nope", tmp_path / "x.png")


def test_run_draws_the_ensemble_figures(tmp_path):
    """With maps on, each ensemble gets its warning chart and its corridor map."""
    sc = scenario_from_toml(_scenario_text(
        '[[threat_ensemble]]\nname = "one"\nlaunch = [[40.0, 116.0]]\n'
        'aim = [[35.68, 139.77]]\nlaunch_times = 2\nsamples = 2\n'))
    summary = run_scenario(sc, tmp_path / "out", maps=True, exports=False)
    assert summary["figures_failed"] == []
    for name in ("ensemble_warning_one.png", "ensemble_corridor_one.png"):
        assert (tmp_path / "out" / name).read_bytes()[:4] == b"\x89PNG", name
    assert len(pd.read_csv(tmp_path / "out" / "ensemble.csv")) == 2
    assert {"ensemble.csv", "ensemble_warning_one.png"} <= set(summary["files"])



def test_estimate_counts_the_ensemble_flights():
    """The run-time estimate tracks every ensemble flight: 10 flights of ~2,100 km add the
    track samples of 10 such threats (the samples of one flight written out below)."""
    from hgv_models.threats import great_circle_distance_km
    from hgvcov.run.estimate import run_work

    plain = scenario_from_toml(_scenario_text(""))
    ens = scenario_from_toml(_scenario_text(
        '[[threat_ensemble]]\nname = "ten"\nlaunch = [[40.0, 116.0]]\naim = [[35.68, 139.77]]\n'
        'samples = 10\n'))
    one = scenario_from_toml(_scenario_text(
        '[[threat]]\nname = "one"\nlaunch = [40.0, 116.0]\naim = [35.68, 139.77]\n'))
    clock = StageClock(NullProgress())
    inputs = build_inputs(plain, clock)

    def samples(sc):
        return run_work(sc, inputs.satellites, inputs.sensors)["track_samples"]

    assert samples(plain) == 0.0
    per_flight = samples(one)
    km = great_circle_distance_km(40.0, 116.0, 35.68, 139.77)
    assert per_flight > km / 3.0 / 5.0  # slower than 3 km/s on average, 5 s steps
    assert samples(ens) == pytest.approx(10 * per_flight, rel=1e-12)


def test_weave_flies_the_guidance_weave():
    """``manoeuvre = "weave"`` flies hgv_models' weave bank programme: the row equals
    fly_threat(bank_deg=weave(amplitude, period)) tracked by track_coverage, and the ground
    track leaves the straight flight's (the weave is really flown)."""
    from constellation import track_coverage
    from hgv_models.guidance import weave
    from hgv_models.radar import JAPAN_RADAR_SITES
    from hgv_models.threats import Threat, fly_threat
    from hgvcov.ensemble import run_ensemble

    sc = scenario_from_toml(_scenario_text(
        '[[threat_ensemble]]\nname = "w"\nlaunch = [[40.0, 116.0]]\naim = [[35.68, 139.77]]\n'
        'launch_times = ["2026-11-21T00:10:00Z"]\nfactorial = true\nmanoeuvre = "weave"\n'
        'weave_amplitude_deg = 30\nweave_period_s = 150\n'))
    spec = sc.threat_ensemble[0]
    flights = ensemble_flights(spec, sc.time.start, sc.time.duration_s)
    inputs = build_inputs(sc, StageClock(NullProgress()))
    got = run_ensemble(spec, flights, inputs.satellites, inputs.sensors, sc.time.start,
                       propagator="sgp4", radar_sites=JAPAN_RADAR_SITES, sample_step_s=5.0)
    th = Threat("w#1", 40.0, 116.0, 35.68, 139.77)
    traj = fly_threat(th, sample_step_s=5.0, bank_deg=weave(30.0, 150.0))
    ref = track_coverage(inputs.satellites, [("w#1", traj, 600.0)], inputs.sensors,
                         sc.time.start, radar_sites=JAPAN_RADAR_SITES).per_threat["w#1"]
    assert got.loc[0, "manoeuvre"] == "weave"
    for col in ("flight_time_s", "custody_fraction", "stereo_fraction", "longest_custody_gap_s"):
        assert got.loc[0, col] == ref[col], col
    straight = fly_threat(th, sample_step_s=5.0)
    assert got.loc[0, "flight_time_s"] != straight.time_s[-1]
