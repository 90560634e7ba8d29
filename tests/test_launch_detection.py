"""When is a launch first detected? The default scenario's answer: once the plume clears 12 km.

A space-based IR sensor sees a boost plume only once the line of sight clears the clouds and
the water vapour below the tropopause; the default scenario models that with
``grazing_altitude_km = 12`` (hgvcov/data/default_scenario.toml says why). A target below the
grazing altitude is inside the inflated ellipsoid, so no segment to it clears it: it is never
detected, whatever the satellites' geometry. These tests fly the default scenario's first
threat against its own constellation with and without that constraint.

With a radiometric sensor, detection also needs the target's in-band intensity, and the
signature model covers the hot glide body, not the rocket plume: such runs say so, in
summary.json (``limitations``) and on the console.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from constellation import track_coverage
from hgv_models import fly_threat
from hgvcov.run.summary import BOOST_PLUME_NOT_MODELLED
from hgvcov.scenario import default_scenario

from .conftest import TOKYO_THREAT, box_region, scenario_toml

CLEARANCE_KM = 12.0
#: Track altitudes are written to 0.1 m; the grazing test is exact on the ellipsoid grown by
#: 12 km, whose height above WGS84 differs from geodetic altitude by far less than 10 m.
altitude_tolerance_km = 0.01


@pytest.fixture(scope="module")
def scenario_parts():
    sc = default_scenario()
    sats = sc.build_satellites()
    name, threat, offset_s = sc.build_threats()[0]
    trajectory = fly_threat(threat, sample_step_s=2.0)
    return sc, sats, [(name, trajectory, offset_s)]


def test_default_sensor_clears_the_weather_layer():
    (sensor,) = default_scenario().build_sensors()
    assert sensor.grazing_altitude_km == CLEARANCE_KM


@pytest.mark.parametrize("grazing_km", [CLEARANCE_KM, None])
def test_first_detection_waits_for_the_plume_to_clear(scenario_parts, grazing_km):
    sc, sats, flights = scenario_parts
    (sensor,) = sc.build_sensors()
    sensor = dataclasses.replace(sensor, grazing_altitude_km=grazing_km)
    result = track_coverage(sats, flights, [sensor], sc.time.start, radar_sites=[])
    tracks = result.tracks
    detected = tracks[tracks["n_detect"] > 0]
    assert len(detected) > 0  # the threat is seen at all: the constraint is not vacuous
    name = flights[0][0]
    first_s = result.per_threat[name]["first_detection_s"]
    low = detected["altitude_km"] < CLEARANCE_KM - altitude_tolerance_km
    if grazing_km is None:
        # Without the constraint the launch is seen on the pad and below the weather.
        assert low.any() and first_s == 0.0
    else:
        assert not low.any(), detected.loc[low, ["time_s", "altitude_km"]]
        # The first detection is the first sample above 12 km that a satellite sees.
        since_launch = tracks["time_s"].to_numpy() - flights[0][2]
        above = tracks["altitude_km"].to_numpy() >= CLEARANCE_KM
        assert first_s >= since_launch[np.argmax(above)] > 0.0


def run_cli(*args, cwd):
    env = {**os.environ}
    env.pop("HGVCOV_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "hgvcov", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("radiometric", [True, False])
def test_radiometric_runs_state_that_the_plume_is_not_modelled(tmp_path, radiometric):
    sensor = "min_elevation_deg = 5\n" + ("detection_threshold_kw_sr = 10\n" if radiometric else "")
    region = box_region((30, 40), (125, 140), 5, 40)
    if radiometric:
        region += "target_intensity_kw_sr = 50\n"
    text = scenario_toml("plume note", 1800, 60, region, propagator="j2", sensor=sensor,
                         extra=TOKYO_THREAT)
    (tmp_path / "s.toml").write_text(text)
    proc = run_cli("run", "s.toml", "-o", "out", "--no-maps", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    if radiometric:
        assert summary["limitations"] == [BOOST_PLUME_NOT_MODELLED]
        assert f"note: {BOOST_PLUME_NOT_MODELLED[:60]}" in " ".join(proc.stdout.split())
    else:
        assert summary["limitations"] == []
        assert "note:" not in proc.stdout
