"""Degenerate tracks for constellation.tracks.track_coverage, one test per case, each against
the slow oracle (tests/naive_tracks.py): an empty trajectory, a one-sample trajectory, and a
glide over the north pole (through lat 90 exactly)."""

from __future__ import annotations

import numpy as np
import pytest

from constellation.sensors import Sensor
from constellation.tracks import TrackError, track_coverage
from constellation.walker import walker
from tests import naive_tracks as NT
from tests.test_tracks import START, angle_tol_deg, error_rel_tol, make_traj


@pytest.fixture(scope="module")
def polar_shell():
    return walker("delta", 48, 6, 1, 1000.0, 85.0, START)


def _assert_matches_oracle(res, naive, name, time_s):
    g = res.tracks[res.tracks.threat == name]
    nv = naive[name]
    assert g["n_detect"].tolist() == nv["n_detect"]
    assert g["stereo"].tolist() == nv["stereo"]
    np.testing.assert_allclose(g["position_error_m"], nv["position_error_m"], rtol=error_rel_tol)
    np.testing.assert_allclose(g["convergence_deg"], nv["convergence_deg"], atol=angle_tol_deg, rtol=0)
    pt = res.per_threat[name]
    covered = [n >= 1 for n in nv["n_detect"]]
    assert pt["custody_fraction"] == np.mean(covered)
    assert pt["stereo_fraction"] == np.mean(nv["stereo"])
    assert pt["longest_custody_gap_s"] == NT.naive_longest_gap_s(list(time_s), covered)
    assert pt["longest_stereo_gap_s"] == NT.naive_longest_gap_s(list(time_s), nv["stereo"])
    assert pt["handovers"] == nv["handovers"] and pt["custody_handovers"] == nv["custody_handovers"]


def test_empty_trajectory_is_a_named_error(polar_shell):
    """No samples: nothing to score; a TrackError naming the threat (no crash, no empty row)."""
    traj = make_traj(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
    with pytest.raises(TrackError, match="'empty'.*at least one sample"):
        track_coverage(polar_shell, [("empty", traj, 0.0)], Sensor(), START, radar_sites=[])


@pytest.mark.parametrize("lat", [40.0, -89.0])
def test_one_sample_trajectory_equals_oracle(polar_shell, lat):
    """One sample: flight time 0, fractions over one sample (0 or 1), gaps 0; per-sample values
    and per-threat metrics equal the oracle's."""
    t = np.array([0.0])
    traj = make_traj(t, lat, 130.0, 40.0)
    item = [("one", traj, 1234.0)]
    sensor = Sensor(min_elevation_deg=0.0, stereo_min_angle_deg=10.0)
    res = track_coverage(polar_shell, item, sensor, START, radar_sites=[])
    naive = NT.naive_track(polar_shell, item, [sensor], START)
    assert len(res.tracks) == 1 and res.per_threat["one"]["flight_time_s"] == 0.0
    _assert_matches_oracle(res, naive, "one", t)


def test_glide_over_the_north_pole_equals_oracle(polar_shell):
    """A great circle over the pole: lat 80 -> 90 (a sample exactly at the pole) -> 80 on the
    opposite meridian; every sample and the per-threat metrics equal the oracle's."""
    n = 41
    t = np.arange(n) * 30.0
    lat = np.concatenate([np.linspace(80.0, 90.0, 21), np.linspace(89.5, 80.0, 20)])
    lon = np.where(np.arange(n) <= 20, 10.0, 190.0)
    lon = (lon + 180.0) % 360.0 - 180.0
    traj = make_traj(t, lat, lon, 40.0)
    sensor = Sensor(min_elevation_deg=5.0, stereo_min_angle_deg=15.0, angular_noise_urad=30.0)
    item = [("pole", traj, 3000.0)]
    res = track_coverage(polar_shell, item, sensor, START, radar_sites=[])
    naive = NT.naive_track(polar_shell, item, [sensor], START)
    _assert_matches_oracle(res, naive, "pole", t)
    assert sum(naive["pole"]["stereo"]) > 0 and naive["pole"]["n_detect"][20] >= 1
    g = res.tracks
    assert np.all(np.isfinite(g["lat_deg"])) and g["lat_deg"].max() == 90.0
