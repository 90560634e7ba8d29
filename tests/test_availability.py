"""Degraded-mode coverage: expected fractions with each satellite available with probability p.

Oracles: the binomial probabilities written out with ``math.comb``; the pair-graph survival
against an enumeration of the surviving subsets; the kernels' ``expected_fraction_*`` against
an enumeration over every failure subset of a tiny constellation (tests/naive.py, detections
and pairs recomputed in degrees with satellites removed) and against Monte Carlo over failure
draws (removed satellites run through the engine itself).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from constellation._availability import STACK_SIZE, count_probabilities, stereo_survival
from constellation.coverage import (AVAILABILITY_VARIABLES, CoverageError, grid_coverage, point_coverage,
                                    region_statistics)
from constellation.grid import region_grid
from constellation.sensors import Sensor
from orbits.propagate import propagate
from orbits.satellites import SatelliteSet
from orbits.timegrid import time_grid

from .naive import (naive_detections_and_pairs, naive_expected_fractions_enumeration,
                    naive_expected_fractions_monte_carlo)

EPOCH = "2026-11-21T00:00:00Z"
#: Sums of at most a few hundred probabilities, each good to ~1e-16, divided by n_time: 1e-12 is
#: some thousand times the rounding and far below any modelling difference (1 / n_time ~ 0.03).
sum_rounding = 1e-12
#: Monte Carlo agreement, in standard errors (a false alarm per comparison < 1e-4).
four_sigma = 4.0
LEVELS = ("_1", "_2", "_stereo")


def _sats(rng, n, alt_lo=800.0, alt_hi=2500.0):
    alt = rng.uniform(alt_lo, alt_hi, n)
    return SatelliteSet.from_elements(
        [f"S{i}" for i in range(n)], 6378.137 + alt, np.zeros(n), rng.uniform(0.0, 180.0, n),
        rng.uniform(0, 360, n), rng.uniform(0, 360, n), rng.uniform(0, 360, n), EPOCH)


SENSOR = Sensor(name="s", min_elevation_deg=0.0, stereo_min_angle_deg=25.0, angular_noise_urad=30.0)


def _stack():
    return np.zeros(STACK_SIZE, dtype=np.uint64), np.zeros(STACK_SIZE)


def test_count_probabilities_are_the_binomial_tails():
    for p in (1e-3, 0.3, 0.5, 0.9, 1.0):
        for n in range(0, 40):
            pmf = [math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(n + 1)]
            want1 = sum(pmf[1:])
            want2 = sum(pmf[2:])
            got1, got2 = count_probabilities(n, p)
            assert abs(got1 - want1) <= 1e-14, (n, p)
            assert abs(got2 - want2) <= 1e-14, (n, p)
    assert count_probabilities(1, 1.0) == (1.0, 0.0)
    assert count_probabilities(2, 1.0) == (1.0, 1.0)


def _enumerate_survival(adj_sets, k, p):
    tot = 0.0
    for s in range(1 << k):
        alive = [i for i in range(k) if (s >> i) & 1]
        if any(j in adj_sets[i] for i in alive for j in alive):
            tot += p ** len(alive) * (1 - p) ** (k - len(alive))
    return tot


@pytest.mark.parametrize("seed", range(6))
def test_stereo_survival_equals_subset_enumeration(seed):
    rng = np.random.default_rng(seed)
    sm, sw = _stack()
    for _ in range(30):
        k = int(rng.integers(2, 13))
        dens = rng.uniform(0.05, 1.0)
        adj = np.zeros(64, dtype=np.uint64)
        sets = [set() for _ in range(k)]
        for a in range(k):
            for b in range(a + 1, k):
                if rng.random() < dens:
                    adj[a] |= np.uint64(1 << b)
                    adj[b] |= np.uint64(1 << a)
                    sets[a].add(b)
                    sets[b].add(a)
        p = float(rng.uniform(0.05, 1.0))
        assert abs(stereo_survival(adj, k, p, sm, sw) - _enumerate_survival(sets, k, p)) <= 1e-13


def test_stereo_survival_closed_forms():
    sm, sw = _stack()
    p, q = 0.8, 0.2
    for k in (2, 5, 20, 64):
        full = np.zeros(64, dtype=np.uint64)
        for a in range(k):
            for b in range(k):
                if a != b:
                    full[a] |= np.uint64(1 << b)
        # complete graph: a pair survives iff >= 2 satellites do
        assert abs(stereo_survival(full, k, p, sm, sw) - (1 - q ** k - k * p * q ** (k - 1))) <= 1e-14
    # a perfect matching of m pairs: independent pairs, 1 - (1 - p^2)^m
    m = 12
    adj = np.zeros(64, dtype=np.uint64)
    for i in range(m):
        adj[2 * i] = np.uint64(1 << (2 * i + 1))
        adj[2 * i + 1] = np.uint64(1 << (2 * i))
    assert abs(stereo_survival(adj, 2 * m, p, sm, sw) - (1 - (1 - p * p) ** m)) <= 1e-13
    assert stereo_survival(adj, 2 * m, 1.0, sm, sw) == 1.0
    assert stereo_survival(np.zeros(64, dtype=np.uint64), 5, p, sm, sw) == 0.0


def _tiny_case(n_sat=8, seed=0):
    rng = np.random.default_rng(seed)
    sats = _sats(rng, n_sat, 5000.0, 9000.0)  # high orbits: up to 4 of 8 detect a point at once
    tg = time_grid(EPOCH, 113.0, count=24)
    eph = propagate(sats, tg)
    return sats, tg, eph


SENSOR_B = Sensor(name="b", min_elevation_deg=5.0, field_of_regard_deg=100.0, stereo_min_angle_deg=40.0,
                  angular_noise_urad=50.0)


@pytest.mark.parametrize("two_sensors", [False, True])
def test_grid_and_point_kernels_equal_failure_subset_enumeration(two_sensors):
    sats, tg, eph = _tiny_case()
    sensors = [SENSOR, SENSOR_B] if two_sensors else [SENSOR]
    sidx = np.arange(len(sats)) % len(sensors)
    eph.sensor_index = sidx
    grid = region_grid([10.0, 50.0], [100.0, 160.0], 10.0, 0.0)
    p = 0.7
    ds = grid_coverage(eph, None, grid, sensors, satellite_availability=p).dataset
    det, pair = naive_detections_and_pairs(eph.positions_km, eph.valid, grid.points_ecef_km, grid.up, sensors, sidx)
    want = naive_expected_fractions_enumeration(det, pair, p)
    n_det = det.sum(axis=1)
    # stereo, 3+ detections, and samples with 3+ detections but not every pair a stereo pair
    assert want[2].max() > 0.1 and (n_det >= 4).any()
    assert ((n_det >= 3) & (pair.sum(axis=(2, 3)) < n_det * (n_det - 1))).any()
    for i, sfx in enumerate(LEVELS):
        np.testing.assert_allclose(ds[f"expected_fraction{sfx}"].values.ravel(), want[i], rtol=0,
                                   atol=sum_rounding, err_msg=sfx)
    pts = [(f"P{i}", float(la), float(lo)) for i, (la, lo) in enumerate([(30.0, 130.0), (50.0, 100.0), (10.0, 160.0)])]
    dp = point_coverage(eph, None, pts, sensors, satellite_availability=p).dataset
    for i, sfx in enumerate(LEVELS):
        got = dp[f"expected_fraction{sfx}"].values
        ref = ds[f"expected_fraction{sfx}"].sel(lat=dp["lat"].values, lon=dp["lon"].values).values.diagonal()
        np.testing.assert_allclose(got, ref, rtol=0, atol=sum_rounding, err_msg=sfx)


def test_p_one_equals_fractions_and_leaves_every_other_variable_unchanged():
    sats, tg, eph = _tiny_case(10, seed=5)
    grid = region_grid([0.0, 60.0], [90.0, 170.0], 10.0, 0.0)
    base = grid_coverage(eph, None, grid, SENSOR).dataset
    for p in (1.0, 0.5):
        ds = grid_coverage(eph, None, grid, SENSOR, satellite_availability=p).dataset
        for v in base.data_vars:
            np.testing.assert_array_equal(ds[v].values, base[v].values, err_msg=v)
        if p == 1.0:
            for sfx in LEVELS:
                np.testing.assert_array_equal(ds[f"expected_fraction{sfx}"].values, ds[f"fraction{sfx}"].values)
    assert not any(v in base for v in AVAILABILITY_VARIABLES)
    assert "satellite_availability" not in base.attrs


def test_never_seen_point_and_one_satellite():
    sats = SatelliteSet.from_elements(["A"], [6378.137 + 1000.0], [0.0], [0.0], [0.0], [0.0], [0.0], EPOCH)
    tg = time_grid(EPOCH, 60.0, count=40)
    # equatorial orbit: the 70 deg row is never seen, the equator often
    grid = region_grid([0.0, 70.0], [0.0, 60.0], 10.0, 0.0)
    p = 0.6
    ds = grid_coverage(sats, tg, grid, SENSOR, satellite_availability=p).dataset
    f1 = ds["fraction_1"].values
    assert f1[0].max() > 0 and f1[-1].max() == 0.0
    np.testing.assert_allclose(ds["expected_fraction_1"].values, p * f1, rtol=0, atol=sum_rounding)
    assert np.all(ds["expected_fraction_2"].values == 0.0)
    assert np.all(ds["expected_fraction_stereo"].values == 0.0)
    assert np.all(ds["expected_fraction_1"].values[-1] == 0.0)


def test_expected_fractions_agree_with_monte_carlo_over_failure_draws():
    """Monte Carlo, two ways: removed satellites run through the engine itself (whole-window
    failures: the same expectation per sample), and per-sample draws on the naive detections."""
    rng = np.random.default_rng(11)
    sats = _sats(rng, 40, 5000.0, 9000.0)
    tg = time_grid(EPOCH, 127.0, count=16)
    eph = propagate(sats, tg)
    grid = region_grid([20.0, 40.0], [120.0, 150.0], 10.0, 0.0)
    p = 0.2  # low enough that no level is certain: the sample standard errors are not 0
    ds = grid_coverage(eph, None, grid, SENSOR, satellite_availability=p).dataset
    n_draws = 300
    vals = np.zeros((n_draws, 3) + grid.shape)
    valid0 = eph.valid.copy()
    for d in range(n_draws):
        eph.valid = valid0 & (rng.random(len(sats)) < p)[None, :]
        r = grid_coverage(eph, None, grid, SENSOR).dataset
        for i, sfx in enumerate(LEVELS):
            vals[d, i] = r[f"fraction{sfx}"].values
    eph.valid = valid0
    mean = vals.mean(axis=0)
    sem = vals.std(axis=0, ddof=1) / math.sqrt(n_draws)
    det, pair = naive_detections_and_pairs(eph.positions_km, eph.valid, grid.points_ecef_km, grid.up, [SENSOR],
                                           np.zeros(len(sats), dtype=int))
    assert det.sum(axis=1).max() >= 10  # many detecting satellites: beyond the 8-satellite enumeration
    n_mc = 4000  # per-sample draws: standard error <= 0.002 here, so a 1 % error in p shows
    mc2, sem2 = naive_expected_fractions_monte_carlo(det, pair, p, n_mc, np.random.default_rng(12))
    # where every draw came out alike (sample deviation 0) a differing draw has probability below
    # ~3 / n_draws (rule of three, 95 %), so the tolerance never drops below that
    for i, sfx in enumerate(LEVELS):
        got = ds[f"expected_fraction{sfx}"].values
        assert np.all(np.abs(got - mean[i]) <= np.maximum(four_sigma * sem[i], 3.0 / n_draws)), sfx
        assert np.all(np.abs(got.ravel() - mc2[i]) <= np.maximum(four_sigma * sem2[i], 3.0 / n_mc)), sfx
    assert ds["expected_fraction_stereo"].values.max() > 0.2 and ds["expected_fraction_1"].values.max() < 0.99


def test_bad_availability_and_region_statistics():
    sats, tg, eph = _tiny_case(4, seed=1)
    grid = region_grid([20.0, 40.0], [120.0, 140.0], 10.0, 0.0)
    for bad in (0.0, -0.5, 1.5, float("nan"), True, "0.5"):
        with pytest.raises(CoverageError, match="satellite_availability"):
            grid_coverage(eph, None, grid, SENSOR, satellite_availability=bad)
    ds = grid_coverage(eph, None, grid, SENSOR, satellite_availability=0.9).dataset
    st = region_statistics(ds)
    assert st["satellite_availability"] == 0.9
    for sfx in LEVELS:
        assert st[f"expected_fraction{sfx}_min"] == pytest.approx(float(ds[f"expected_fraction{sfx}"].min()))
        assert st[f"expected_fraction{sfx}_mean"] <= st[f"fraction{sfx}_mean"] + 1e-12
    assert "expected_fraction_1_mean" not in region_statistics(grid_coverage(eph, None, grid, SENSOR).dataset)


def test_cli_run_with_availability_and_bad_value(tmp_path, monkeypatch, capsys):
    import json

    import xarray as xr

    from hgvcov.cli import main

    from .conftest import SWEEP_BASE

    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text(SWEEP_BASE + "\n[analysis]\nsatellite_availability = 1.2\n")
    assert main(["run", "bad.toml", "-o", "bad"]) == 2
    err = capsys.readouterr().err
    assert "analysis.satellite_availability" in err and "1.2" in err and "(0, 1]" in err
    assert "Traceback" not in err and not (tmp_path / "bad").exists()
    (tmp_path / "s.toml").write_text(SWEEP_BASE + "\n[analysis]\nsatellite_availability = 0.9\n")
    assert main(["run", "s.toml", "-o", "out", "--no-maps", "--no-exports"]) == 0
    out = capsys.readouterr().out
    assert "expected (availability p = 0.9)" in out
    with xr.open_dataset(tmp_path / "out" / "coverage.nc") as ds:
        assert ds.attrs["satellite_availability"] == 0.9
        for sfx in LEVELS:
            e = ds[f"expected_fraction{sfx}"].values
            f = ds[f"fraction{sfx}"].values
            assert np.all(e <= f + 1e-12) and ds[f"expected_fraction{sfx}"].attrs["units"] == "1"
    st = json.loads((tmp_path / "out" / "summary.json").read_text())["region_statistics"]
    assert st["satellite_availability"] == 0.9
    assert st["expected_fraction_stereo_mean"] <= st["fraction_stereo_mean"]
