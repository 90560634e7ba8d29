"""Per-satellite value: sole coverage, needed for >= 2, sole stereo (constellation._satvalue).

Oracles: a brute-force recount per (point, satellite, sample) on the naive detections and
stereo pairs (tests/naive_satvalue.py over tests/naive.py, in degrees); and the identity that
defines the figures: rerunning the engine with satellite ``s`` removed (its samples marked
invalid) lowers the region mean of ``fraction_1`` / ``fraction_2`` / ``fraction_stereo`` by
exactly ``sole_coverage_s`` / ``needed_for_2_s`` / ``sole_stereo_s`` over ``window_s``. All three
identities hold exactly (each indicator depends only on the detecting set and on pair tests
between two of its members, and removing a satellite changes neither for the others), so the
tolerance is float rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from constellation.coverage import (SATELLITE_VALUE_VARIABLES, CoverageError, grid_coverage, region_statistics,
                                    region_weights)
from constellation.grid import region_grid
from constellation.sensors import Sensor
from orbits.propagate import propagate
from orbits.satellites import SatelliteSet
from orbits.timegrid import time_grid

from .naive import naive_detections_and_pairs
from .naive_satvalue import critical_satellites, naive_grid_satellite_value

EPOCH = "2026-11-21T00:00:00Z"
#: Weighted sums of at most a few thousand terms of order 1, divided by the weight sum and
#: multiplied by the step (~100 s): rounding ~1e-12 s; 1e-9 s is a thousand times that and far
#: below one sample (the smallest real difference, ~100 s / n_point).
sum_rounding_s = 1e-9
#: Region means of fractions, recomputed from a rerun: rounding ~1e-15; a miscounted sample moves
#: them by >= 1 / (n_time x n_point) ~ 1e-4.
fraction_rounding = 1e-12
FIGS = tuple(SATELLITE_VALUE_VARIABLES)

SENSOR = Sensor(name="s", min_elevation_deg=0.0, stereo_min_angle_deg=25.0, angular_noise_urad=30.0)
SENSOR_B = Sensor(name="b", min_elevation_deg=5.0, field_of_regard_deg=100.0, stereo_min_angle_deg=40.0,
                  angular_noise_urad=50.0)


def _sats(rng, n, alt_lo=5000.0, alt_hi=9000.0):
    alt = rng.uniform(alt_lo, alt_hi, n)
    return SatelliteSet.from_elements(
        [f"S{i}" for i in range(n)], 6378.137 + alt, np.zeros(n), rng.uniform(0.0, 180.0, n),
        rng.uniform(0, 360, n), rng.uniform(0, 360, n), rng.uniform(0, 360, n), EPOCH)


def _case(n_sat, seed, count=24, step_s=113.0):
    rng = np.random.default_rng(seed)
    sats = _sats(rng, n_sat)
    tg = time_grid(EPOCH, step_s, count=count)
    return sats, tg, propagate(sats, tg)


def _figures(ds):
    return np.stack([ds[v].values for v in FIGS], axis=1)


CASES = [
    # (n_sat, seed, lat range, lon range, step, two sensors)
    (8, 0, (10.0, 50.0), (100.0, 160.0), 10.0, False),
    (8, 1, (10.0, 50.0), (100.0, 160.0), 10.0, True),
    (10, 2, (-30.0, 30.0), (160.0, 200.0), 10.0, False),  # across the antimeridian
    (6, 3, (60.0, 90.0), (0.0, 360.0), 15.0, False),  # a pole row and a repeated meridian
    (1, 4, (-40.0, 40.0), (0.0, 120.0), 10.0, False),  # one satellite
    (2, 5, (-40.0, 40.0), (0.0, 120.0), 10.0, False),  # two satellites
]


#: Availability on: the per-satellite value then follows from the availability kernel's count of
#: each point's non-stereo pairs (constellation._satvalue.row_satellite_value_known), a second
#: path checked against the same oracle.
AVAILABILITY = [None, 0.9]


@pytest.mark.parametrize("availability", AVAILABILITY)
@pytest.mark.parametrize("n_sat, seed, lat, lon, step, two", CASES)
def test_grid_figures_equal_brute_force_recount(n_sat, seed, lat, lon, step, two, availability):
    sats, tg, eph = _case(n_sat, seed)
    sensors = [SENSOR, SENSOR_B] if two else [SENSOR]
    sidx = np.arange(n_sat) % len(sensors)
    eph.sensor_index = sidx
    grid = region_grid(list(lat), list(lon), step, 0.0)
    ds = grid_coverage(eph, None, grid, sensors, satellite_value=True, satellite_availability=availability).dataset
    det, pair = naive_detections_and_pairs(eph.positions_km, eph.valid, grid.points_ecef_km, grid.up, sensors, sidx)
    w = region_weights(grid.lat_deg, grid.lon_deg)
    want = naive_grid_satellite_value(det, pair, w, tg.step_s)
    got = _figures(ds)
    np.testing.assert_allclose(got, want, rtol=0, atol=sum_rounding_s)
    assert list(ds["satellite"].values) == list(sats.names)
    assert ds.attrs["window_s"] == tg.count * tg.step_s
    n_det = det.sum(axis=1)
    if n_sat == 1:
        # one satellite: its sole coverage is all covered time, nothing else
        f1 = region_statistics(ds)["fraction_1_mean"]
        assert got[0, 0] > 0
        assert abs(got[0, 0] - f1 * ds.attrs["window_s"]) <= sum_rounding_s
        assert np.all(got[:, 1:] == 0.0)
    elif n_sat == 2:
        f2 = region_statistics(ds)["fraction_2_mean"]
        fs = region_statistics(ds)["fraction_stereo_mean"]
        np.testing.assert_allclose(got[:, 1], f2 * ds.attrs["window_s"], rtol=0, atol=sum_rounding_s)
        np.testing.assert_allclose(got[:, 2], fs * ds.attrs["window_s"], rtol=0, atol=sum_rounding_s)
    else:
        # the case exercises each figure (so a wrong kernel cannot pass on zeros)
        assert (got > 0).any(axis=0).all(), got
        assert (n_det >= 3).any() or n_sat < 8  # and samples with three or more detections


@pytest.mark.parametrize("availability", AVAILABILITY)
@pytest.mark.parametrize("seed, alt_lo, alt_hi, theta_deg, stars_expected",
                         [(7, 5000.0, 9000.0, 25.0, False), (8, 1500.0, 6000.0, 60.0, True)])
def test_many_satellites_dense_grid_equal_brute_force_recount(seed, alt_lo, alt_hi, theta_deg, stars_expected,
                                                              availability):
    """Many detecting satellites on whole tiles of points: the kernel's shortcuts (a witness of two
    disjoint stereo pairs or a triangle, tested on whole tiles) against the plain recount; a wide
    stereo angle makes stars (one satellite in every pair among three or more) common."""
    rng = np.random.default_rng(seed)
    sats = _sats(rng, 36, alt_lo, alt_hi)
    tg = time_grid(EPOCH, 97.0, count=12)
    eph = propagate(sats, tg)
    sensor = Sensor(name="w", min_elevation_deg=5.0, stereo_min_angle_deg=theta_deg, angular_noise_urad=30.0)
    grid = region_grid([20.0, 41.0], [120.0, 141.0], 1.5, 0.0)  # 15 x 15 points: whole and partial tiles
    det, pair = naive_detections_and_pairs(eph.positions_km, eph.valid, grid.points_ecef_km, grid.up, [sensor],
                                           np.zeros(36, dtype=int))
    w = region_weights(grid.lat_deg, grid.lon_deg)
    want = naive_grid_satellite_value(det, pair, w, tg.step_s)
    # several chunkings: a strip's slot buffers then hold other satellites' stale values from
    # earlier steps, which the kernel must never read (a regression this test caught)
    for chunk_steps in (None, 1, 3, 5):
        ds = grid_coverage(eph, None, grid, sensor, satellite_value=True, chunk_steps=chunk_steps,
                           satellite_availability=availability).dataset
        np.testing.assert_allclose(_figures(ds), want, rtol=0, atol=sum_rounding_s, err_msg=str(chunk_steps))
    # the cases have points with many detections; the second, sole-stereo satellites among three or more
    n_det = det.sum(axis=1)
    assert n_det.max() >= 7
    if not stars_expected:
        return
    stars = 0
    for k in range(tg.count):
        for p in np.flatnonzero(n_det[k] >= 3):
            ids = [int(i) for i in np.flatnonzero(det[k, :, p])]
            stars += bool(critical_satellites(ids, lambda i, j: bool(pair[k, p, i, j]))[2])
    assert stars > 0


@pytest.mark.parametrize("n_sat, seed, lat, lon, step, two", [CASES[0], CASES[2], CASES[3]])
def test_removing_a_satellite_lowers_region_means_by_its_figures(n_sat, seed, lat, lon, step, two):
    sats, tg, eph = _case(n_sat, seed)
    sensors = [SENSOR, SENSOR_B] if two else [SENSOR]
    grid = region_grid(list(lat), list(lon), step, 0.0)
    ds = grid_coverage(eph, None, grid, sensors, satellite_value=True).dataset
    base = region_statistics(ds)
    window = ds.attrs["window_s"]
    got = _figures(ds)
    valid0 = eph.valid.copy()
    for s in range(n_sat):
        eph.valid = valid0.copy()
        eph.valid[:, s] = False
        st = region_statistics(grid_coverage(eph, None, grid, sensors).dataset)
        for c, lv in enumerate(("fraction_1", "fraction_2", "fraction_stereo")):
            drop = base[f"{lv}_mean"] - st[f"{lv}_mean"]
            assert abs(drop - got[s, c] / window) <= fraction_rounding, (s, lv, drop, got[s, c] / window)
    eph.valid = valid0


def test_figures_off_leave_the_dataset_unchanged_and_bad_flag():
    sats, tg, eph = _case(8, 0)
    grid = region_grid([10.0, 50.0], [100.0, 160.0], 10.0, 0.0)
    base = grid_coverage(eph, None, grid, SENSOR).dataset
    on = grid_coverage(eph, None, grid, SENSOR, satellite_value=True).dataset
    for v in base.data_vars:
        np.testing.assert_array_equal(on[v].values, base[v].values, err_msg=v)
    assert not any(v in base for v in FIGS)
    with pytest.raises(CoverageError, match="satellite_value"):
        grid_coverage(eph, None, grid, SENSOR, satellite_value="yes")


def test_critical_satellites_oracle_on_hand_made_graphs():
    pairs = {(0, 1), (0, 2), (0, 3)}  # a star centred on 0

    def star(i, j):
        return (min(i, j), max(i, j)) in pairs

    assert critical_satellites([0, 1, 2, 3], star) == (set(), set(), {0})
    assert critical_satellites([1, 2], lambda i, j: True) == (set(), {1, 2}, {1, 2})
    assert critical_satellites([4], lambda i, j: True) == ({4}, set(), set())
    assert critical_satellites([0, 1, 2], lambda i, j: True) == (set(), set(), set())  # a triangle


# ---------------------------------------------------------------------------- tracks
class _Line:
    """A straight synthetic flight: great-circle-free linear interpolation in lat/lon (enough for a test)."""

    def __init__(self, lat0, lon0, lat1, lon1, alt_km, duration_s, step_s):
        self.time_s = np.arange(0.0, duration_s + 0.5 * step_s, step_s)
        f = self.time_s / duration_s
        self.lat_deg = lat0 + (lat1 - lat0) * f
        self.lon_deg = lon0 + (lon1 - lon0) * f
        self.altitude_km = np.full(self.time_s.size, alt_km)


def _track_case(seed, n_sat=8):
    from orbits.geodesy import geodetic_to_ecef, up_vector
    rng = np.random.default_rng(seed)
    sats = _sats(rng, n_sat, 1500.0, 4000.0)  # low enough for samples seen by one satellite only
    lines = [("north", _Line(30.0, 120.0, 40.0, 150.0, 40.0, 1800.0, 20.0), 300.0),
             ("dateline", _Line(-10.0, 170.0, 10.0, 195.0, 30.0, 1500.0, 25.0), 0.0)]
    return sats, lines, geodetic_to_ecef, up_vector


@pytest.mark.parametrize("seed", [0, 1])
def test_track_figures_equal_brute_force_recount_and_custody_drop(seed):
    from constellation.satvalue import TRACK_VALUE_COLUMNS, track_satellite_value
    from constellation.tracks import track_coverage
    from orbits.timegrid import TimeGrid

    from .naive_satvalue import naive_track_satellite_value
    sats, lines, geodetic_to_ecef, up_vector = _track_case(seed)
    sensors = [SENSOR, SENSOR_B]
    sats = sats.with_sensor_index(np.arange(len(sats)) % 2)
    df = track_satellite_value(sats, lines, sensors, EPOCH)
    assert (df[list(TRACK_VALUE_COLUMNS[2:])].to_numpy() > 0).any(axis=0).all()  # each figure exercised
    assert list(df.columns) == list(TRACK_VALUE_COLUMNS)
    assert len(df) == len(sats) * len(lines)
    full = track_coverage(sats, lines, sensors, EPOCH, radar_sites=[]).per_threat
    for name, traj, off in lines:
        got = df[df["threat"] == name][list(TRACK_VALUE_COLUMNS[2:])].to_numpy()
        n = traj.time_s.size
        dt = traj.time_s[-1] / n
        eph = propagate(sats, TimeGrid.from_seconds(EPOCH, off + traj.time_s))
        xyz = geodetic_to_ecef(traj.lat_deg, traj.lon_deg, traj.altitude_km)
        up = up_vector(traj.lat_deg, traj.lon_deg)
        want = naive_track_satellite_value(eph.positions_km, eph.valid, xyz, up, sensors,
                                           np.arange(len(sats)) % 2, dt)
        np.testing.assert_allclose(got, want, rtol=0, atol=sum_rounding_s, err_msg=name)
        # removing s lowers custody / stereo fractions by its figure over the flight time
        for s in range(len(sats)):
            keep = np.flatnonzero(np.arange(len(sats)) != s)
            red = track_coverage(sats.subset(keep), [(name, traj, off)], sensors, EPOCH, radar_sites=[]).per_threat[name]
            ft = full[name]["flight_time_s"]
            assert abs(full[name]["custody_fraction"] - red["custody_fraction"] - got[s, 0] / ft) <= 1e-12
            assert abs(full[name]["stereo_fraction"] - red["stereo_fraction"] - got[s, 2] / ft) <= 1e-12


# ---------------------------------------------------------------------------- greedy worst case
def _brute_force_greedy(eph, grid, sensors, k):
    """Greedy by reruns: at each step remove the satellite whose removal lowers the region mean of
    fraction_1 most (ties: fraction_2, then fraction_stereo, then name), drops rounded to 1e-12."""
    valid0 = eph.valid.copy()
    alive = list(range(len(eph.names)))
    removed = []
    for _ in range(k):
        eph.valid = valid0.copy()
        eph.valid[:, [i for i in range(len(eph.names)) if i not in alive]] = False
        base = region_statistics(grid_coverage(eph, None, grid, sensors).dataset)
        keys = []
        for s in alive:
            eph.valid = valid0.copy()
            eph.valid[:, [i for i in range(len(eph.names)) if i not in alive or i == s]] = False
            st = region_statistics(grid_coverage(eph, None, grid, sensors).dataset)
            drops = [round(base[f"{lv}_mean"] - st[f"{lv}_mean"], 12)
                     for lv in ("fraction_1", "fraction_2", "fraction_stereo")]
            keys.append((-drops[0], -drops[1], -drops[2], eph.names[s], s))
        pick = min(keys)[-1]
        removed.append(eph.names[pick])
        alive.remove(pick)
    eph.valid = valid0.copy()
    eph.valid[:, [i for i in range(len(eph.names)) if i not in alive]] = False
    ds = grid_coverage(eph, None, grid, sensors).dataset
    eph.valid = valid0
    return removed, ds


def test_greedy_worst_case_equals_brute_force_greedy():
    from constellation.satvalue import worst_case_losses
    sats, tg, eph = _case(8, 0)
    grid = region_grid([10.0, 50.0], [100.0, 160.0], 10.0, 0.0)
    k = 3
    wc = worst_case_losses(eph, None, grid, SENSOR, k)
    removed, ds = _brute_force_greedy(eph, grid, [SENSOR], k)
    assert wc.removed == removed
    for sfx in ("_1", "_2", "_stereo"):
        np.testing.assert_array_equal(wc.fractions[f"worst_fraction{sfx}"], ds[f"fraction{sfx}"].values)
    assert len(wc.removed_figures) == k and wc.removed_figures[0]["sole_coverage_s"] > 0
    # the same from a SatelliteSet (satellites dropped rather than masked)
    wc2 = worst_case_losses(sats, tg, grid, SENSOR, k)
    assert wc2.removed == removed
    for v in wc.fractions:
        np.testing.assert_array_equal(wc2.fractions[v], wc.fractions[v])


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True, 8])
def test_bad_worst_case_losses_is_refused(bad):
    from constellation.satvalue import check_worst_case_losses
    with pytest.raises(CoverageError, match="worst_case_losses"):
        check_worst_case_losses(bad, 8)


# ---------------------------------------------------------------------------- hgvcov run
def _hgvcov(*args, timeout=900):
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k != "HGVCOV_DEBUG"}
    return subprocess.run([sys.executable, "-m", "hgvcov", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("value, fragment", [
    ("-1", "an integer >= 0"),
    ("1.5", "analysis.worst_case_losses"),
    ('"2"', "analysis.worst_case_losses"),
    ("true", "analysis.worst_case_losses"),
    ("12", "an integer from 0 to 11"),  # as many as the 12 satellites
])
def test_bad_worst_case_losses_exits_2_with_one_clear_message(tmp_path, value, fragment):
    from .conftest import SMALL_RUN
    path = tmp_path / "s.toml"
    path.write_text(SMALL_RUN + f"[analysis]\nworst_case_losses = {value}\n")
    proc = _hgvcov("run", path, "-o", tmp_path / "out", "--no-maps")
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    err = proc.stderr.strip().splitlines()[-1]
    assert "Traceback" not in proc.stderr
    assert err.startswith("hgvcov: error: ") and "worst_case_losses" in err and fragment in err, err


def test_worst_case_on_a_point_list_is_refused(tmp_path):
    from hgvcov.scenario import scenario_from_toml
    from hgvcov.scenario.errors import ScenarioError

    from .conftest import scenario_toml
    text = scenario_toml("pts", 600, 60, 'points = [{name = "A", lat_deg = 35.0, lon_deg = 139.0}]\n',
                         extra="[analysis]\nworst_case_losses = 1\n")
    with pytest.raises(ScenarioError, match="worst_case_losses"):
        scenario_from_toml(text)


def test_run_writes_satellites_csv_chart_and_worst_case(tmp_path):
    import json

    import pandas as pd
    import xarray as xr

    from constellation.satvalue import TRACK_VALUE_COLUMNS
    from hgvcov.run.satvalue import SATELLITE_COLUMNS

    from .conftest import SMALL_RUN
    path = tmp_path / "s.toml"
    k = 2
    path.write_text(SMALL_RUN + f"[analysis]\nworst_case_losses = {k}\n")
    out = tmp_path / "out"
    proc = _hgvcov("run", path, "-o", out)
    assert proc.returncode == 0, proc.stderr
    tab = pd.read_csv(out / "satellites.csv")
    assert list(tab.columns) == list(SATELLITE_COLUMNS)
    assert len(tab) == 12 and tab["plane"].tolist() == [1] * 4 + [2] * 4 + [3] * 4
    assert tab["index_in_plane"].tolist() == [1, 2, 3, 4] * 3
    trk = pd.read_csv(out / "satellite_tracks.csv")
    assert list(trk.columns) == list(TRACK_VALUE_COLUMNS) and len(trk) == 12
    np.testing.assert_allclose(tab["track_sole_custody_s"], trk["track_sole_custody_s"], atol=2e-3)
    assert (out / "satellite_value.png").stat().st_size > 10_000
    for v in ("worst_fraction_1", "worst_fraction_2", "worst_fraction_stereo"):
        assert (out / f"map_{v}.png").is_file()
    ds = xr.open_dataset(out / "coverage.nc")
    summ = json.loads((out / "summary.json").read_text())
    sat = summ["satellites"]
    wc = sat["worst_case"]
    assert len(wc["removed"]) == k and ds["worst_fraction_1"].attrs["removed_satellites"] == ", ".join(wc["removed"])
    assert ds["worst_fraction_1"].attrs["units"] == "1" and "greedy" in ds["worst_fraction_1"].attrs["definition"]
    # the first removal is the top-ranked satellite; losing satellites never raises coverage
    assert wc["removed"][0] == sat["top"][0]["satellite"]
    assert wc["worst_fraction_1_mean"] <= summ["region_statistics"]["fraction_1_mean"]
    assert np.all(ds["worst_fraction_1"].values <= ds["fraction_1"].values)
    # the satellite figures in coverage.nc and the CSV are the same numbers
    np.testing.assert_allclose(tab["sole_coverage_s"], ds["sole_coverage_s"].values, atol=1e-3)
    np.testing.assert_allclose(tab["sole_coverage_fraction"], ds["sole_coverage_s"].values / ds.attrs["window_s"],
                               atol=1e-9)
    assert ds["sole_coverage_s"].attrs["units"] == "s"
    top3 = [t["satellite"] for t in sat["top"][:3]]
    assert all(n in proc.stdout for n in top3) and "most critical satellites" in proc.stdout
    for name in ("satellites.csv", "satellite_tracks.csv", "satellite_value.png"):
        assert name in summ["files"]


def test_worst_case_map_title_names_the_lost_satellites():
    """The worst-case maps say which satellites were removed (a brief needs it), shortened
    past three."""
    from hgvcov.plots.coverage_maps import _long_name

    assert _long_name("worst_fraction_stereo", {"removed_satellites": "A-1, B-2"}) == \
        "Time in stereo track, after losing A-1, B-2"
    assert _long_name("worst_fraction_1", {"removed_satellites": "A, B, C, D"}).endswith(
        "after losing 4 satellites (A, B, ...)")
    assert _long_name("fraction_1", {}) == "Time detected by at least 1 satellite"
