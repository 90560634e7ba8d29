"""Tests of constellation.tracks (track coverage of HGV flights and its Monte Carlo mode).

References: the slow oracle in tests/naive_tracks.py (one instant and one satellite at a
time, textbook geometry, numerically inverted Fisher information), skyfield's own
topocentric elevations and rise/set events, hand-built custody timelines, and direct calls
of hgv_models.radar for the radar-only warning time.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from constellation import _tracks as TK
from constellation.sensors import Sensor
from constellation.tracks import (
    MC_COLUMNS,
    TRACK_COLUMNS,
    TrackError,
    launch_offsets_s,
    monte_carlo,
    monte_carlo_summary,
    track_coverage,
)
from constellation.walker import walker
from hgv_models.trajectory import Trajectory
from orbits.timegrid import builtin_timescale, parse_utc
from tests import naive_tracks as NT

START = "2026-11-21T00:00:00Z"
# Convergence angle: same geometry, different formula (kernel atan2, oracle acos).  acos
# loses ~1e-16 / sin(theta) rad; measured max 4.8e-13 deg over the mixed and random cases;
# 1e-10 deg holds for any angle above ~0.005 deg.
angle_tol_deg = 1e-10
# Triangulation error: closed form vs numerically inverted 3x3 Fisher information, whose
# condition number is at most ~(100 urad / 10 urad)^2 * (range ratio ~3)^2 / sin^2(10 deg)
# ~ 3e4 here, so inversion costs <= ~3e-12 relative; measured max 2.0e-15.
error_rel_tol = 1e-11
# Elevation band around the mask inside which skyfield recounts are skipped: both sides run
# python-sgp4 and the same TEME -> ITRS (GMST 1982, skyfield's built-in UT1, no polar motion),
# measured 1.9e-12 deg apart (tests/test_coverage.py), so only rounding needs excusing.
skyfield_margin_deg = 1e-9
event_margin_s = 1.0  # skyfield rise/set times are refined to well under this


def make_traj(t, lat, lon, alt, speed=5.0, phase=1):
    """A real hgv_models Trajectory from given arrays (other arrays filled plausibly)."""
    t = np.asarray(t, float)
    n = t.size
    full = lambda v: np.broadcast_to(np.asarray(v, float), (n,)).copy()  # noqa: E731
    return Trajectory(time_s=t, lat_deg=full(lat), lon_deg=full(lon), altitude_km=full(alt),
                      speed_km_s=full(speed), mach=full(speed) / 0.295, heading_deg=full(90.0),
                      flight_path_deg=full(0.0), phase=np.broadcast_to(phase, (n,)).astype(np.int64),
                      heating_w_cm2=full(0.0), surface_temperature_k=full(300.0),
                      dynamic_pressure_pa=full(0.0), load_factor_g=full(0.0), vehicle_name="synthetic")


@pytest.fixture(scope="module")
def mixed():
    """60 satellites with two sensor types (one radiometric) and two synthetic threats."""
    sats = walker("delta", 60, 6, 1, 1200.0, 70.0, START).with_sensor_index(np.arange(60) % 2)
    wide = Sensor(name="wide", min_elevation_deg=5.0, field_of_regard_deg=130.0, max_range_km=5000.0,
                  grazing_altitude_km=20.0, stereo_min_angle_deg=20.0, angular_noise_urad=30.0)
    radiometric = Sensor(name="fire-control", min_elevation_deg=10.0, stereo_min_angle_deg=30.0,
                         angular_noise_urad=50.0, detection_threshold_kw_sr=10.0, reference_range_km=1000.0)
    n = 91
    t = np.arange(n) * 10.0
    # boost from the ground (altitude 0 is below the wide sensor's 20 km grazing altitude)
    alt = np.minimum(40.0, t / 3.0)
    west = make_traj(t, np.linspace(40.0, 35.68, n), np.linspace(116.0, 139.77, n), alt,
                     phase=np.where(t < 120, 0, 1))
    south = make_traj(t, np.linspace(28.0, 13.58, n), np.linspace(113.0, 144.93, n), 45.0)
    trajs = [("west", west, 600.0), ("south", south, 5000.0)]
    intensity = {"west": np.geomspace(2e3, 5e4, n), "south": np.geomspace(5e4, 3e3, n)}
    return sats, [wide, radiometric], trajs, intensity


@pytest.fixture(scope="module")
def mixed_result(mixed):
    sats, sensors, trajs, intensity = mixed
    return track_coverage(sats, trajs, sensors, START, radar_sites=[], intensity_w_sr=intensity)


@pytest.fixture(scope="module")
def mixed_naive(mixed):
    sats, sensors, trajs, intensity = mixed
    return NT.naive_track(sats, trajs, sensors, START, intensity_w_sr=intensity)


def test_columns_and_types(mixed_result):
    df = mixed_result.tracks
    assert list(df.columns[: len(TRACK_COLUMNS)]) == TRACK_COLUMNS
    assert df["stereo"].dtype == bool
    assert len(df) == 182
    w = df[df.threat == "west"]
    np.testing.assert_allclose(w["time_s"], 600.0 + np.arange(91) * 10.0)
    assert w["time_utc"].iloc[1] == "2026-11-21T00:10:10.000Z"
    assert set(w["phase"]) == {"boost", "glide"}
    # empty position error exactly when there is no stereo pair
    assert np.array_equal(np.isnan(df["position_error_m"]), ~df["stereo"])
    assert np.all(np.isnan(df["convergence_deg"][df["n_detect"] < 2]))


def test_matches_naive_oracle(mixed, mixed_result, mixed_naive):
    sats, sensors, trajs, intensity = mixed
    df = mixed_result.tracks
    total_stereo = 0
    handovers = [0, 0]
    for name, _, _ in trajs:
        g = df[df.threat == name]
        nv = mixed_naive[name]
        assert g["n_detect"].tolist() == nv["n_detect"]
        assert g["stereo"].tolist() == nv["stereo"]
        names = np.asarray(sats.names)
        pairs = [None if p is None else f"{names[p[0]]}+{names[p[1]]}" for p in nv["pair"]]
        assert [p or None for p in g["best_pair"]] == pairs
        np.testing.assert_allclose(g["convergence_deg"], nv["convergence_deg"], atol=angle_tol_deg, rtol=0)
        np.testing.assert_allclose(g["position_error_m"], nv["position_error_m"], rtol=error_rel_tol)
        assert mixed_result.per_threat[name]["handovers"] == nv["handovers"]
        assert mixed_result.per_threat[name]["custody_handovers"] == nv["custody_handovers"]
        total_stereo += sum(nv["stereo"])
        handovers[0] += nv["handovers"]
        handovers[1] += nv["custody_handovers"]
    # the case is not trivial: stereo and no-stereo samples, several detecting satellites
    assert 10 < total_stereo < len(df) - 10
    assert df["n_detect"].max() >= 3
    assert handovers[0] >= 1 and handovers[1] >= 2
    # ground samples of the boost lie below the wide sensor's grazing altitude: only the
    # radiometric sensor (no grazing test) may see them
    ground = df[(df.threat == "west") & (df.altitude_km < 20.0)]
    assert len(ground) > 0


@pytest.mark.parametrize("sensor_kw, range_km, need_w_sr", [
    # 10 kW/sr at 1,000 km gives 1e4 / (1e6 m)^2 = 1e-8 W/m^2: at 2,000 km 40 kW/sr is needed
    (dict(detection_threshold_kw_sr=10.0, reference_range_km=1000.0), 2000.0, 4.0e4),
    # SNR 4 on an NEI of 1e-13 W/m^2: 4e-13 W/m^2, i.e. 0.4 W/sr at 1,000 km, 3.6 at 3,000 km
    (dict(noise_equivalent_irradiance_w_m2=1e-13, snr_threshold=4.0), 3000.0, 3.6),
])
def test_radiometric_threshold_hand_values(sensor_kw, range_km, need_w_sr):
    """Inverse-square law by hand: the oracle's test and the kernel's detect a target
    straight below the satellite just above the needed intensity, not just below it."""
    from constellation._geometry import detects

    sensor = Sensor(min_elevation_deg=0.0, **sensor_kw)
    tgt, up = (np.array(v) for v in NT.target_point(10.0, 20.0, 30.0))
    sat = tgt + range_km * up
    for factor, expect in ((1.0 + 1e-9, True), (1.0 - 1e-9, False)):
        intensity = need_w_sr * factor
        assert NT.radiometric_clears(sensor, intensity, range_km) == expect
        assert bool(detects(sat, tgt, up, sensor.kernel_params(intensity))) == expect
        assert NT.naive_detects(list(sat), list(tgt), list(up), sensor, intensity) == expect


def test_radiometric_threshold_changes_counts(mixed, mixed_result):
    """Raising the target intensity can only add detections, and here it does."""
    sats, sensors, trajs, intensity = mixed
    bright = {k: v * 1e3 for k, v in intensity.items()}
    r2 = track_coverage(sats, trajs, sensors, START, radar_sites=[], intensity_w_sr=bright)
    a = mixed_result.tracks["n_detect"].to_numpy()
    b = r2.tracks["n_detect"].to_numpy()
    assert np.all(b >= a) and np.any(b > a)


def test_chunking_does_not_change_results(mixed, mixed_result):
    """Propagating 7 instants at a time (handover state carried across chunks) changes nothing."""
    sats, sensors, trajs, intensity = mixed
    r = track_coverage(sats, trajs, sensors, START, radar_sites=[], intensity_w_sr=intensity,
                       chunk_states=len(sats) * 7)
    pd.testing.assert_frame_equal(r.tracks, mixed_result.tracks)
    assert r.per_threat == mixed_result.per_threat


def test_recount_with_skyfield_elevations():
    """n_detect for an elevation-only sensor equals a recount from skyfield's altaz."""
    from skyfield.api import EarthSatellite, wgs84

    sats = walker("delta", 48, 6, 1, 1000.0, 80.0, START)
    n = 12
    t = np.arange(n) * 60.0
    traj = make_traj(t, np.linspace(40.0, 30.0, n), np.linspace(120.0, 145.0, n), 40.0)
    res = track_coverage(sats, [("x", traj, 3000.0)], Sensor(min_elevation_deg=10.0), START, radar_sites=[])
    ts = builtin_timescale()
    start = parse_utc(START)
    checked = 0
    for k in range(n):
        tt = ts.from_datetime(start + timedelta(seconds=3000.0 + t[k]))
        place = wgs84.latlon(float(traj.lat_deg[k]), float(traj.lon_deg[k]), elevation_m=40000.0)
        count = 0
        for name, rec in zip(sats.names, sats.satrecs):
            el = (EarthSatellite.from_satrec(rec, ts) - place).at(tt).altaz()[0].degrees
            if abs(el - 10.0) < skyfield_margin_deg:
                break
            count += el >= 10.0
        else:
            assert res.tracks["n_detect"].iloc[k] == count
            checked += 1
    assert checked >= n - 2
    assert res.tracks["n_detect"].sum() > 0


def _pass_case():
    """One satellite over a stationary target; skyfield rise/set events give the truth."""
    from skyfield.api import EarthSatellite, wgs84

    sats = walker("delta", 1, 1, 0, 1000.0, 80.0, START, raan0_deg=140.0)
    ts = builtin_timescale()
    start = parse_utc(START)
    lat, lon, alt = 35.68, 139.77, 40.0
    place = wgs84.latlon(lat, lon, elevation_m=alt * 1000.0)
    sat = EarthSatellite.from_satrec(sats.satrecs[0], ts)
    tt, ev = sat.find_events(place, ts.from_datetime(start), ts.from_datetime(start + timedelta(hours=24)),
                             altitude_degrees=10.0)
    secs = np.array([(x - start).total_seconds() for x in tt.utc_datetime()])
    rises = secs[ev == 0]
    sets = secs[ev == 2]
    sets = sets[sets > rises[0]]
    assert rises.size >= 2 and sets.size >= 2, "the test orbit must pass twice over the target"
    # track: stationary vehicle from 300 s before the first rise to 300 s after the 2nd set,
    # every 5 s, leaving out the samples within 1 s of a rise or set (skyfield refines
    # events to ~0.5 s)
    step = 5.0
    launch = math.floor(rises[0]) - 300.0
    t = np.arange(0.0, sets[1] + 300.0 - launch, step)
    events = np.concatenate([rises[:2], sets[:2]])
    t = t[np.min(np.abs((launch + t)[:, None] - events[None, :]), axis=1) >= event_margin_s]
    shift = 0.0
    traj = make_traj(t, lat, lon, alt, speed=0.0)
    return sats, traj, launch + shift, rises[:2], sets[:2], t


def test_known_visibility_window():
    sats, traj, offset, rises, sets, t = _pass_case()
    res = track_coverage(sats, [("pass", traj, offset)], Sensor(min_elevation_deg=10.0), START, radar_sites=[])
    s = offset + t
    covered = ((s >= rises[0]) & (s <= sets[0])) | ((s >= rises[1]) & (s <= sets[1]))
    assert res.tracks["n_detect"].tolist() == covered.astype(int).tolist()
    p = res.per_threat["pass"]
    first = t[np.argmax(s >= rises[0])]
    assert p["first_detection_s"] == first
    assert p["custody_fraction"] == covered.sum() / t.size
    # gaps: from the first sample after a set to the first sample at/after the next rise
    # (or to the last sample, the impact)
    after_set0 = t[np.argmax(s > sets[0])]
    at_rise1 = t[np.argmax(s >= rises[1])]
    after_set1 = t[np.argmax(s > sets[1])]
    assert p["longest_custody_gap_s"] == max(at_rise1 - after_set0, t[-1] - after_set1)
    # one satellite: never stereo, no handovers (reacquisition after a gap is not a handover)
    assert p["first_stereo_s"] is None and p["warning_time_s"] is None
    assert p["stereo_fraction"] == 0.0 and p["longest_stereo_gap_s"] == t[-1]
    assert p["handovers"] == 0 and p["custody_handovers"] == 0
    assert p["detection_warning_time_s"] == t[-1] - first
    assert p["flight_time_s"] == t[-1]
    assert np.isnan(res.tracks["convergence_deg"]).all()


def test_metrics_kernel_constructed_timeline():
    """Custody metrics of a hand-made timeline with answers worked out by hand."""
    #              0    1    2    3    4    5    6    7    8    9
    n_detect = np.array([0, 0, 1, 2, 0, 0, 0, 3, 2, 0], dtype=np.int64)
    stereo = np.array([0, 0, 0, 1, 0, 0, 0, 1, 1, 0], dtype=bool)
    err = np.where(stereo, np.array([0, 0, 0, 90, 0, 0, 0, 30, 60, 0.0]), np.nan)
    t = np.arange(10) * 4.0
    out = np.empty((1, TK.N_METRIC))
    TK.track_metrics(t, np.array([0]), np.array([10]), n_detect, stereo, err, out)
    m = out[0]
    assert m[TK.M_FIRST_DETECTION_S] == 8.0
    assert m[TK.M_FIRST_STEREO_S] == 12.0
    assert m[TK.M_CUSTODY_FRACTION] == 0.4
    assert m[TK.M_STEREO_FRACTION] == 0.3
    # custody lost at samples 4-6 (t = 16 .. 28, back at 28): 12 s; sample 9 (t=36) runs to impact (36): 0 s
    assert m[TK.M_LONGEST_CUSTODY_GAP_S] == 12.0
    # stereo lost 4..6 -> 28 - 16 = 12 s
    assert m[TK.M_LONGEST_STEREO_GAP_S] == 12.0
    assert m[TK.M_MEDIAN_ERROR_M] == 60.0 and m[TK.M_MIN_ERROR_M] == 30.0
    assert m[TK.M_MEAN_N_DETECT] == 0.8 and m[TK.M_MAX_N_DETECT] == 3
    assert m[TK.M_FLIGHT_TIME_S] == 36.0
    assert m[TK.M_LONGEST_CUSTODY_GAP_S] == NT.naive_longest_gap_s(t, n_detect > 0)


def test_gap_kernel_matches_naive_on_random_timelines():
    rng = np.random.default_rng(7)
    n_track, n = 50, 40
    n_detect = (rng.random(n_track * n) < 0.6).astype(np.int64) * rng.integers(1, 4, n_track * n)
    stereo = (n_detect >= 2) & (rng.random(n_track * n) < 0.7)
    t = np.tile(np.cumsum(rng.uniform(1.0, 6.0, n)) - 1.0, n_track)
    t[::n] = 0.0
    start = np.arange(n_track) * n
    out = np.empty((n_track, TK.N_METRIC))
    TK.track_metrics(t, start, start + n, n_detect, stereo, np.where(stereo, 1.0, np.nan), out)
    for k in range(n_track):
        sl = slice(k * n, (k + 1) * n)
        assert out[k, TK.M_LONGEST_CUSTODY_GAP_S] == NT.naive_longest_gap_s(list(t[sl]), list(n_detect[sl] > 0))
        assert out[k, TK.M_LONGEST_STEREO_GAP_S] == NT.naive_longest_gap_s(list(t[sl]), list(stereo[sl]))


@pytest.fixture(scope="module")
def library_threat():
    from hgv_models import fly_threat
    from hgv_models.threats import THREAT_LIBRARY

    return fly_threat(THREAT_LIBRARY["north-china-tokyo"], sample_step_s=4.0)


def test_real_threat_warning_times(library_threat):
    from hgv_models.radar import JAPAN_RADAR_SITES, first_radar_detection_s

    traj = library_threat
    sats = walker("delta", 120, 10, 1, 1000.0, 80.0, START)
    res = track_coverage(sats, [("toward Tokyo", traj, 1800.0)], Sensor(), START)
    p = res.per_threat["toward Tokyo"]
    json.dumps(p, allow_nan=False)  # JSON-serialisable, None for "never"
    flight = float(traj.time_s[-1])
    assert p["flight_time_s"] == flight
    assert set(res.tracks["phase"]) == {"boost", "glide", "terminal"}
    radar_first = first_radar_detection_s(traj, JAPAN_RADAR_SITES)
    assert p["radar_first_detection_s"] == pytest.approx(radar_first, abs=0)
    assert p["radar_warning_time_s"] == flight - radar_first
    assert p["first_stereo_s"] is not None, "120 satellites at 1000 km must reach stereo on this flight"
    assert p["warning_time_s"] == flight - p["first_stereo_s"]
    assert p["warning_gain_s"] == p["warning_time_s"] - p["radar_warning_time_s"]
    assert p["detection_warning_time_s"] == flight - p["first_detection_s"]
    assert p["miss_distance_km"] == traj.release["miss_km"]
    launch = parse_utc(p["launch_utc"])
    impact = parse_utc(p["impact_utc"])
    assert abs((impact - launch).total_seconds() - flight) <= 1e-3
    assert launch == parse_utc(START) + timedelta(seconds=1800)
    # the stereo time is the time of the first stereo row
    g = res.tracks
    assert p["first_stereo_s"] == g["time_since_launch_s"][g["stereo"]].iloc[0]
    # with resampling: samples every 20 s plus impact
    r20 = track_coverage(sats, [("toward Tokyo", traj, 1800.0)], Sensor(), START, sample_step_s=20.0)
    tl = r20.tracks["time_since_launch_s"].to_numpy()
    assert tl[-1] == flight and np.allclose(np.diff(tl[:-1]), 20.0)


@pytest.fixture(scope="module")
def mc_case():
    sats = walker("delta", 30, 5, 1, 1000.0, 70.0, START)
    n = 61
    t = np.arange(n) * 10.0
    traj = make_traj(t, np.linspace(40.0, 35.68, n), np.linspace(116.0, 139.77, n), 40.0)
    return sats, [("west", traj)], Sensor(min_elevation_deg=5.0)


def test_monte_carlo_reproducible_and_consistent(mc_case):
    sats, trajs, sensor = mc_case
    a = monte_carlo(sats, trajs, sensor, START, n_launch_times=8, seed=42, sample_step_s=10.0, radar_sites=[])
    b = monte_carlo(sats, trajs, sensor, START, n_launch_times=8, seed=42, sample_step_s=10.0, radar_sites=[])
    c = monte_carlo(sats, trajs, sensor, START, n_launch_times=8, seed=43, sample_step_s=10.0, radar_sites=[])
    assert list(a.columns) == MC_COLUMNS
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a["launch_offset_s"], c["launch_offset_s"])
    # stratified: one launch in each eighth of the day, on the 10 s sampling grid
    off = a["launch_offset_s"].to_numpy()
    assert np.array_equal(np.floor(off / 10800.0), np.arange(8))
    assert np.all(off % 10.0 == 0)
    # the custody of the answer depends on the launch time
    assert a["custody_fraction"].nunique() > 1
    # each row is what track_coverage gives for that launch time
    for k in (0, 5):
        r = track_coverage(sats, [("west", trajs[0][1], off[k])], sensor, START, radar_sites=[],
                           sample_step_s=10.0)
        p = r.per_threat["west"]
        row = a.iloc[k]
        for key in ("custody_fraction", "stereo_fraction", "longest_custody_gap_s", "handovers",
                    "custody_handovers", "flight_time_s"):
            assert row[key] == p[key], key
        for key in ("first_stereo_s", "warning_time_s", "first_detection_s"):
            assert (math.isnan(row[key]) and p[key] is None) or row[key] == p[key], key


def test_monte_carlo_summary_percentiles(mc_case):
    sats, trajs, sensor = mc_case
    df = monte_carlo(sats, trajs, sensor, START, n_launch_times=8, seed=1, sample_step_s=10.0, radar_sites=[])
    s = monte_carlo_summary(df)
    w = np.nan_to_num(df["warning_time_s"].to_numpy(), nan=0.0)
    assert s.loc["west", "warning_time_s_p50"] == np.percentile(w, 50)
    assert s.loc["west", "custody_fraction_p5"] == np.percentile(df["custody_fraction"], 5)
    assert s.loc["west", "p_stereo"] == np.mean(np.isfinite(df["first_stereo_s"]))
    assert s.loc["west", "n_launches"] == 8
    d = monte_carlo_summary(df, as_dict=True)
    json.dumps(d, allow_nan=False)
    assert d["west"]["warning_time_s_p50"] == s.loc["west", "warning_time_s_p50"]
    assert d["west"]["radar_warning_time_s"] is None  # no radars compared
    # a launch never tracked in stereo contributes 0 s of warning
    df2 = df.copy()
    df2.loc[0, ["warning_time_s", "first_stereo_s"]] = np.nan
    s2 = monte_carlo_summary(df2)
    w2 = np.nan_to_num(df2["warning_time_s"].to_numpy(), nan=0.0)
    assert s2.loc["west", "warning_time_s_p5"] == np.percentile(w2, 5)


def test_launch_offsets():
    a = launch_offsets_s(100, 86400.0, seed=3)
    assert np.all((a >= 0) & (a < 86400.0)) and np.all(np.diff(a) > 0)
    assert np.array_equal(np.floor(a / 864.0), np.arange(100))
    assert np.array_equal(launch_offsets_s(4, 100.0, sampling="even"), [0.0, 25.0, 50.0, 75.0])
    with pytest.raises(TrackError, match="n_launch_times"):
        launch_offsets_s(0)
    with pytest.raises(TrackError, match="sampling"):
        launch_offsets_s(3, sampling="sobol")


def test_input_errors(mc_case):
    sats, trajs, sensor = mc_case
    traj = trajs[0][1]
    with pytest.raises(TrackError, match="appears twice"):
        track_coverage(sats, [("a", traj, 0.0), ("a", traj, 10.0)], sensor, START, radar_sites=[])
    with pytest.raises(TrackError, match="sensor_index"):
        track_coverage(sats.with_sensor_index(1), [("a", traj, 0.0)], sensor, START, radar_sites=[])
    bad = make_traj(traj.time_s[::-1].copy(), 40.0, 116.0, 40.0)
    with pytest.raises(TrackError, match="non-decreasing"):
        track_coverage(sats, [("a", bad, 0.0)], sensor, START, radar_sites=[])
    with pytest.raises(TrackError, match="sample_step_s"):
        track_coverage(sats, [("a", traj, 0.0)], sensor, START, radar_sites=[], sample_step_s=-1)
    with pytest.raises(TrackError, match="launch_offset_s"):
        track_coverage(sats, [("a", traj, "soon")], sensor, START, radar_sites=[])
    with pytest.raises(TrackError, match="trajectories"):
        track_coverage(sats, [], sensor, START)


def test_monte_carlo_threat_listed_twice_is_flown_once(mc_case):
    sats, trajs, sensor = mc_case
    traj = trajs[0][1]
    other = make_traj(traj.time_s, 30.0, 130.0, 40.0)
    df = monte_carlo(sats, [("west", traj), ("west", traj), ("west", other)], sensor, START,
                     n_launch_times=3, seed=0, sample_step_s=10.0, radar_sites=[])
    assert df["threat"].tolist() == ["west"] * 3 + ["west #2"] * 3


def _satellite_at_elevation(lat_deg, lon_deg, alt_km, az_deg, el_deg, rs_km):
    """Satellite at radius rs_km seen from the target at geodetic elevation el_deg, azimuth az_deg."""
    tgt, up = (np.array(v) for v in NT.target_point(lat_deg, lon_deg, alt_km))
    phi, lam = math.radians(lat_deg), math.radians(lon_deg)
    east = np.array([-math.sin(lam), math.cos(lam), 0.0])
    north = np.array([-math.sin(phi) * math.cos(lam), -math.sin(phi) * math.sin(lam), math.cos(phi)])
    az, el = math.radians(az_deg), math.radians(el_deg)
    d = math.cos(el) * (math.cos(az) * north + math.sin(az) * east) + math.sin(el) * up
    b = tgt @ d  # |tgt + R d| = rs  ->  R^2 + 2 b R + |tgt|^2 - rs^2 = 0
    R = -b + math.sqrt(b * b - (tgt @ tgt - rs_km ** 2))
    return tgt, up, tgt + R * d, R


def test_reach_prefilter_never_rejects_a_detecting_satellite():
    """Satellites placed just above the elevation mask lie inside the pre-filter's bound,
    at every latitude and azimuth; without the ellipsoid-normal tilt the bound would fail."""
    from constellation._geometry import detects_i

    fails_without_tilt = 0
    for lat in (0.0, 20.0, 45.0, 60.0, 89.0, -45.0):
        for alt in (0.0, 40.0):
            for min_el in (-5.0, 0.0, 10.0, 45.0):
                sensor = Sensor(min_elevation_deg=min_el)
                p = sensor.kernel_params()
                el = math.radians(min_el) - TK.GEODETIC_NORMAL_TILT_RAD
                for az in range(0, 360, 15):
                    for rs in (6878.0, 7378.0):
                        tgt, up, sat, R = _satellite_at_elevation(lat, 130.0, alt, az, min_el + 1e-7, rs)
                        assert detects_i(sat, tgt, up, p, math.nan)
                        bound2 = TK.reach_bound2_km2(tgt, rs, math.sin(el), math.cos(el), math.inf)
                        assert R * R <= bound2, (lat, alt, min_el, az, rs)
                        e0 = math.radians(min_el)
                        fails_without_tilt += R * R > TK.reach_bound2_km2(tgt, rs, math.sin(e0), math.cos(e0), math.inf)
    assert fails_without_tilt > 0


def test_monte_carlo_batches_do_not_change_results(mc_case):
    sats, trajs, sensor = mc_case
    kw = dict(n_launch_times=6, seed=5, sample_step_s=10.0, radar_sites=[])
    a = monte_carlo(sats, trajs, sensor, START, **kw)
    b = monte_carlo(sats, trajs, sensor, START, max_samples_per_batch=100, **kw)  # one launch per batch
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("seed", [11, 13, 15])
def test_random_cases_match_oracle(seed):
    """Random shells, sensors and tracks (polar, across the antimeridian) agree with the oracle."""
    rng = np.random.default_rng(seed)
    total, planes = 48, 6
    sats = walker("delta", total, planes, int(rng.integers(0, planes)), float(rng.uniform(500, 1500)),
                  float(rng.uniform(40, 100)), START).with_sensor_index(rng.integers(0, 2, total))
    sensors = [
        Sensor(min_elevation_deg=float(rng.uniform(0, 20)), field_of_regard_deg=float(rng.uniform(60, 140)),
               max_range_km=float(rng.uniform(1500, 4000)), grazing_altitude_km=float(rng.uniform(0, 30)),
               stereo_min_angle_deg=float(rng.uniform(10, 40))),
        Sensor(min_elevation_deg=float(rng.uniform(-5, 15)), stereo_min_angle_deg=float(rng.uniform(10, 40)),
               angular_noise_urad=float(rng.uniform(10, 100))),
    ]
    n = 25
    t = np.sort(rng.uniform(0, 1200, n))
    polar = make_traj(t, np.linspace(80.0, 89.9, n), np.linspace(0.0, 170.0, n), rng.uniform(30, 60, n))
    dateline = make_traj(t, np.linspace(-10.0, 10.0, n), np.linspace(175.0, 185.0, n), 40.0)
    trajs = [("polar", polar, float(rng.uniform(0, 80000))), ("dateline", dateline, float(rng.uniform(0, 80000)))]
    res = track_coverage(sats, trajs, sensors, START, radar_sites=[], chunk_states=total * 5)
    naive = NT.naive_track(sats, trajs, sensors, START)
    for name, _, _ in trajs:
        g = res.tracks[res.tracks.threat == name]
        assert g["n_detect"].tolist() == naive[name]["n_detect"]
        assert g["stereo"].tolist() == naive[name]["stereo"]
        np.testing.assert_allclose(g["position_error_m"], naive[name]["position_error_m"], rtol=error_rel_tol)
        np.testing.assert_allclose(g["convergence_deg"], naive[name]["convergence_deg"], atol=angle_tol_deg, rtol=0)
        assert res.per_threat[name]["handovers"] == naive[name]["handovers"]
        assert res.per_threat[name]["custody_handovers"] == naive[name]["custody_handovers"]
    assert res.tracks["stereo"].sum() > 0


def test_radiometric_sensor_uses_hgv_signature(library_threat):
    """Without an override the intensity comes from hgv_models.signature in the sensor's band,
    and the inverse-square threshold removes the far detections only."""
    from hgv_models.signature import trajectory_intensity_w_sr

    traj = library_threat
    sats = walker("delta", 120, 10, 1, 1000.0, 80.0, START)
    band = (3.0, 5.0)
    intensity = trajectory_intensity_w_sr(traj, band_um=band)
    thr_kw_sr = float(np.median(intensity)) / 1000.0
    radiometric = Sensor(detection_threshold_kw_sr=thr_kw_sr, reference_range_km=2000.0, band_um=band)
    geometric = Sensor()
    item = [("t", traj, 900.0)]
    a = track_coverage(sats, item, radiometric, START, radar_sites=[])
    b = track_coverage(sats, item, radiometric, START, radar_sites=[], intensity_w_sr={"t": intensity})
    g = track_coverage(sats, item, geometric, START, radar_sites=[])
    pd.testing.assert_frame_equal(a.tracks, b.tracks)
    na, ng = a.tracks["n_detect"].to_numpy(), g.tracks["n_detect"].to_numpy()
    assert np.all(na <= ng) and np.any(na < ng) and na.sum() > 0
