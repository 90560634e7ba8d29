"""Scenario schema: the default validates; each bad input is one ScenarioError naming the
key path, the value and what is allowed; paths are relative to the scenario file."""
from __future__ import annotations

import tomllib
from datetime import datetime, timezone

import pytest

from hgvcov.scenario import (
    ScenarioError,
    default_scenario,
    default_scenario_toml,
    get_key,
    load_scenario,
    scenario_from_dict,
    scenario_from_toml,
    set_key,
)


@pytest.fixture(scope="module")
def base() -> dict:
    return tomllib.loads(default_scenario_toml())


WALKER = {"kind": "walker-delta", "total": 24, "planes": 4, "phasing": 1,
          "altitude_km": 1000, "inclination_deg": 80}


def _err(data, source="s.toml") -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, source=source)
    return info.value


def test_default_scenario_is_valid_and_sized_for_a_laptop():
    sc = default_scenario()
    # Japan / Indo-Pacific at the glide layer
    assert sc.region.lat_deg == [15.0, 50.0] and sc.region.lon_deg == [115.0, 155.0]
    assert sc.region.altitude_km == 40.0
    assert (sc.region.n_lat, sc.region.n_lon) == (36, 41)
    # 6 h at 60 s: samples k = 0 .. duration/step - 1
    assert sc.time.count == 360
    assert sc.time.start == datetime(2026, 11, 21, tzinfo=timezone.utc)
    assert 3 <= len(sc.threat) <= 5
    assert sc.output.maps is True
    assert sc.sensor_names() == ["default"]


def test_init_text_round_trips_through_the_schema(tmp_path):
    p = tmp_path / "scenario.toml"
    p.write_text(default_scenario_toml())
    sc = load_scenario(p)
    assert sc.model_dump() == default_scenario().model_dump()
    assert sc.base_dir == tmp_path.resolve()
    assert sc.source == str(p)


def test_toml_datetime_and_naive_times_are_utc(base):
    # (a start the default's threats still launch in: a launch after the window is refused)
    sc = scenario_from_dict(set_key(base, "time.start", datetime(2026, 11, 20, 23, 4, 5)))
    assert sc.time.start == datetime(2026, 11, 20, 23, 4, 5, tzinfo=timezone.utc)
    sc = scenario_from_dict(set_key(base, "time.start", "2026-11-21T08:04:05+09:00"))
    assert sc.time.start == datetime(2026, 11, 20, 23, 4, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize("key, value, allowed", [
    ("time.step_s", 0, "> 0"),
    ("time.step_s", -30, "> 0"),
    ("time.duration_s", 0, "> 0"),
    ("time.start", "21/11/2026", "ISO-8601"),
    ("time.start", 20261121, "ISO-8601"),
    ("time.propagator", "kepler", '"sgp4" or "j2"'),
    ("time.step_s", "30", "a number"),
    ("time.duration_s", float("inf"), "a finite number"),
    ("sensor.min_elevation_deg", float("nan"), "a finite number"),
    ("region.altitude_km", -1, ">= 0"),
    ("region.step_deg", 0, "> 0"),
    ("region.step_deg", 0.7, "whole steps"),
    ("region.lat_deg", [50, 15], "lo <= hi"),
    ("region.lat_deg", [-95, 15], "-90 to 90"),
    ("region.lon_deg", [100, 400], "-180 to 360"),
    ("region.lon_deg", [100], "at least 2 items"),
    ("region.lon_deg", [100, 120, 140], "at most 2 items"),
    ("sensor.field_of_regard_deg", 400, "<= 360"),
    ("sensor.min_elevation_deg", 95, "<= 90"),
    ("sensor.angular_noise_urad", 0, "> 0"),
    ("sensor.band_um", [5, 3], "0 < lo < hi"),
    ("output.maps", "yes", "true or false"),
    ("output.monte_carlo", -1, ">= 0"),
    ("threat[1].launch_time", "2026-11-20T00:00:00Z", "at or after time.start"),
    ("threat[1].name", "north-china-tokyo", "not used by another threat"),
    ("threat[0].library", "mars-tokyo", "north-china-tokyo"),
    ("threat[0].vehicle", 3, "a string"),
    ("constellation[0].name", "sda-tranche9-tracking", "sda-tranche1-tracking"),
])
def test_bad_value_names_key_value_and_allowed(base, key, value, allowed):
    e = _err(set_key(base, key, value))
    assert e.key == key
    msg = str(e)
    assert msg.startswith("s.toml: " + key)
    assert allowed in msg
    assert "\n" not in msg


@pytest.mark.parametrize("change, key, allowed", [
    ({"total": 30}, "constellation[0].total", "multiple of planes (4)"),
    ({"phasing": 4}, "constellation[0].phasing", "0 to planes - 1 = 3"),
    ({"phasing": -1}, "constellation[0].phasing", ">= 0"),
    ({"inclination_deg": 180.5}, "constellation[0].inclination_deg", "<= 180"),
    ({"inclination_deg": -0.1}, "constellation[0].inclination_deg", ">= 0"),
    ({"altitude_km": -200}, "constellation[0].altitude_km", "> 0"),
    ({"altitude_km": 0}, "constellation[0].altitude_km", "> 0"),
    ({"planes": 0}, "constellation[0].planes", ">= 1"),
    ({"total": True}, "constellation[0].total", "an integer"),
    ({"total": 24.0}, "constellation[0].total", "an integer"),
    ({"kind": "ring"}, "constellation[0].kind", '"walker-delta"'),
    ({"sensor": "wide"}, "constellation[0].sensor", "'default'"),
    ({"totl": 24}, "constellation[0].totl", "allowed keys: sensor, kind, total"),
])
def test_bad_walker_shell(base, change, key, allowed):
    e = _err(set_key(base, "constellation[0]", {**WALKER, **change}))
    assert e.key == key
    assert allowed in str(e)


def test_value_shown_in_message(base):
    e = _err(set_key(base, "constellation[0]", {**WALKER, "inclination_deg": 200}))
    assert str(e) == "s.toml: constellation[0].inclination_deg = 200: expected a value <= 180.0"
    assert e.value == 200


def test_unknown_keys_everywhere(base):
    for key in ("colour", "time.stepsize", "sensor.fov_deg", "region.lat", "output.png",
                "threat[0].speed", "sensors.wide.fov"):
        data = set_key(base, key, 1) if not key.startswith("sensors.") else \
            set_key(base, "sensors", {"wide": {"fov": 1}})
        e = _err(data)
        assert e.key == key, str(e)
        assert "unknown key" in str(e)
        assert "allowed keys:" in str(e)


def test_missing_required_tables_and_keys(base):
    data = {k: v for k, v in base.items() if k != "time"}
    assert _err(data).key == "time"
    data = set_key(base, "time", {"start": "2026-11-21T00:00:00Z", "step_s": 60})
    e = _err(data)
    assert e.key == "time.duration_s" and "missing" in str(e)
    e = _err(set_key(base, "constellation[0]", {"total": 3}))
    assert e.key == "constellation[0].kind"
    assert _err(set_key(base, "constellation", [])).key == "constellation"


def test_step_longer_than_duration_is_empty(base):
    e = _err(set_key(set_key(base, "time.duration_s", 30), "time.step_s", 60))
    assert e.key == "time.step_s" and "at least one time sample" in str(e)


def test_only_first_of_several_problems_in_one_message(base):
    data = set_key(set_key(base, "time.step_s", -1), "region.step_deg", -1)
    msg = str(_err(data))
    assert msg.count("\n") == 0
    assert "more problem" in msg


def test_toml_syntax_error_names_the_line():
    with pytest.raises(ScenarioError) as info:
        scenario_from_toml('name = "x"\n[time]\nstart = \n', source="bad.toml")
    assert "line 3" in str(info.value)
    assert str(info.value).startswith("bad.toml: TOML syntax error")


def test_missing_scenario_file(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "nope.toml")


# ---- issue 6: elements, points, polygons -------------------------------------------------

def test_elements_shell(base):
    sats = [{"name": "A", "altitude_km": 550, "inclination_deg": 53, "true_anomaly_deg": 10},
            {"semi_major_axis_km": 7000, "eccentricity": 0.01, "inclination_deg": 98,
             "raan_deg": 40, "arg_perigee_deg": 90, "mean_anomaly_deg": 5,
             "epoch": "2026-11-20T12:00:00Z"}]
    sc = scenario_from_dict(set_key(base, "constellation[0]",
                                    {"kind": "elements", "satellites": sats}))
    shell = sc.constellation[0]
    assert shell.satellites[0].semi_major_axis() == pytest.approx(6378.137 + 550)
    assert shell.satellites[1].epoch == datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


@pytest.mark.parametrize("sat, key, allowed", [
    # perigee a(1-e) - R = 7000 * 0.5 - 6378 < 0
    ({"semi_major_axis_km": 7000, "eccentricity": 0.5, "inclination_deg": 50},
     "constellation[0].satellites[0].eccentricity", "perigee is above the surface"),
    ({"altitude_km": -10, "inclination_deg": 50},
     "constellation[0].satellites[0].altitude_km", "perigee is above the surface"),
    ({"altitude_km": 500, "semi_major_axis_km": 7000, "inclination_deg": 50},
     "constellation[0].satellites[0].altitude_km", "exactly one of"),
    ({"altitude_km": 500, "inclination_deg": 50, "true_anomaly_deg": 1,
      "mean_anomaly_deg": 2}, "constellation[0].satellites[0].mean_anomaly_deg", "at most one"),
    ({"altitude_km": 500, "inclination_deg": 50, "eccentricity": 1.0},
     "constellation[0].satellites[0].eccentricity", "< 1"),
    ({"altitude_km": 500}, "constellation[0].satellites[0].inclination_deg", "missing"),
])
def test_bad_elements(base, sat, key, allowed):
    e = _err(set_key(base, "constellation[0]", {"kind": "elements", "satellites": [sat]}))
    assert e.key == key
    assert allowed in str(e)


def test_inline_points_and_their_errors(base):
    pts = [{"name": "Tokyo", "lat_deg": 35.68, "lon_deg": 139.77},
           {"name": "Naha", "lat_deg": 26.21, "lon_deg": 127.68, "altitude_km": 0}]
    sc = scenario_from_dict(set_key(base, "region", {"points": pts, "altitude_km": 40}))
    assert sc.region.kind == "points"
    bad = [dict(pts[0]), {"name": "X", "lat_deg": 10, "lon_deg": 400}]
    e = _err(set_key(base, "region", {"points": bad}))
    assert e.key == "region.points[1].lon_deg" and "-180 to 360" in str(e)
    e = _err(set_key(base, "region", {"points": [{**pts[0], "population": 3}]}))
    assert e.key == "region.points[0].population" and "unknown key" in str(e)
    e = _err(set_key(base, "region", {"points": pts, "lat_deg": [0, 1], "step_deg": 1}))
    assert e.key == "region.lat_deg"
    e = _err(set_key(base, "region", {"points": []}))
    assert e.key == "region.points"


PATH_SCENARIO = """
name = "paths"
[time]
start = "2026-11-21T00:00:00Z"
duration_s = 600
step_s = 60
[[constellation]]
kind = "tle"
path = "data/sats.tle"
[region]
points = "{points}"
altitude_km = 40
"""


def test_paths_are_relative_to_the_scenario_file(tmp_path, monkeypatch):
    sub = tmp_path / "study"
    (sub / "data").mkdir(parents=True)
    (sub / "data" / "sites.csv").write_text("name,lat_deg,lon_deg\nTokyo,35.68,139.77\n")
    (sub / "data" / "sats.tle").write_text("")
    p = sub / "s.toml"
    p.write_text(PATH_SCENARIO.format(points="data/sites.csv"))
    monkeypatch.chdir(tmp_path)  # another working directory: paths still found
    sc = load_scenario(p)
    assert sc.resolve(sc.constellation[0].path) == (sub / "data" / "sats.tle").resolve()
    assert sc.resolve(sc.region.points) == (sub / "data" / "sites.csv").resolve()
    p.write_text(PATH_SCENARIO.format(points="data/missing.csv"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert info.value.key == "region.points"
    assert str((sub / "data" / "missing.csv").resolve()) in str(info.value)
    p.write_text(PATH_SCENARIO.format(points="data/sites.csv").replace("data/sats", "sats"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert info.value.key == "constellation[0].path"


def test_named_sensors(base):
    data = set_key(base, "sensors", {"wide": {"field_of_regard_deg": 140}})
    data = set_key(data, "constellation[0].sensor", "wide")
    sc = scenario_from_dict(data)
    assert sc.sensor_names() == ["default", "wide"]
    assert sc.sensors["wide"].field_of_regard_deg == 140
    assert sc.sensors["wide"].min_elevation_deg == 10.0  # own defaults, not [sensor]'s
    e = _err(set_key(base, "sensors", {"default": {}}))
    assert e.key == "sensors.default"


def test_accesses_need_points(base):
    e = _err(set_key(base, "output.accesses", True))
    assert e.key == "output.accesses"


def test_custom_threat(base):
    own = {"name": "t", "launch": [40.0, 116.0], "aim": [35.68, 139.77]}
    sc = scenario_from_dict(set_key(base, "threat[0]", own))
    assert sc.threat[0].label == "t"
    e = _err(set_key(base, "threat[0]", {**own, "launch": [100, 3]}))
    assert e.key == "threat[0].launch" and "-90 to 90" in str(e)
    e = _err(set_key(base, "threat[0]", {**own, "vehicle": "x-51"}))
    assert e.key == "threat[0].vehicle" and "cav-h" in str(e)


def test_library_threat_excludes_launch_aim(base):
    e = _err(set_key(base, "threat[0]", {"library": "x", "launch": [1, 2]}))
    assert e.key in ("threat[0].launch", "threat[0].library")
    e = _err(set_key(base, "threat[0]", {"name": "t", "launch": [30, 120]}))
    assert e.key == "threat[0].aim" and "missing" in str(e)


def test_set_and_get_key(base):
    d = set_key(base, "constellation[0].total", 54)
    assert get_key(d, "constellation[0].total") == 54
    assert "total" not in base["constellation"][0]  # deep copy
    assert get_key(set_key(base, "sensor.max_range_km", 5000), "sensor.max_range_km") == 5000
    with pytest.raises(ScenarioError):
        set_key(base, "constellation[5].total", 3)


def test_single_table_where_array_of_tables_is_needed(base):
    e = _err(set_key(base, "constellation", {"kind": "preset", "name": "sda-tranche1-tracking"}))
    assert e.key == "constellation" and "[[constellation]]" in str(e)
    e = _err(set_key(base, "time", 5))
    assert e.key == "time" and "a table" in str(e)
