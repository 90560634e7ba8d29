"""The NumPy-broadcasting baseline of the grid benchmark computes the engine's eight metrics.

The benchmark's ratio to NumPy is only meaningful if both compute the same output; these
tests run :func:`hgvcov.baselines.numpy_broadcast_coverage` and the engine
(:func:`constellation.coverage.grid_coverage`, :func:`constellation.coverage.point_coverage`)
on small cases with gaps, multiple coverage and stereo, and compare every metric.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from constellation.coverage import grid_coverage, point_coverage
from constellation.grid import region_grid
from constellation.sensors import Sensor
from hgvcov.baselines import METRICS, error_axis_from_dataset, numpy_broadcast_coverage
from orbits.geodesy import geodetic_to_ecef, up_vector
from orbits.propagate import propagate
from orbits.satellites import SatelliteSet
from orbits.timegrid import time_grid

EPOCH = "2026-11-21T00:00:00Z"
EXACT = ("fraction_1", "fraction_2", "fraction_stereo", "mean_count", "max_gap_s", "mean_gap_s",
         "max_gap_stereo_s")


def _sats(n, seed):
    """``n`` satellites on random low orbits (500-2,500 km, near-circular, any inclination)."""
    rng = np.random.default_rng(seed)
    alt = rng.uniform(500.0, 2500.0, n)
    return SatelliteSet.from_elements(
        [f"S{i}" for i in range(n)], 6378.137 + alt, rng.uniform(0.0, 0.02, n), rng.uniform(0.0, 180.0, n),
        rng.uniform(0, 360, n), rng.uniform(0, 360, n), rng.uniform(0, 360, n), EPOCH)


def _assert_same_metrics(npy, ds_values, axis_rel_res):
    """Counts and gaps exactly; the histogram median within one bin (2 x the half-bin resolution):
    both bin the same variance, computed with the same formula, so a sample can only change bin
    when it lies within rounding (1e-15 relative) of a bin edge."""
    for name in EXACT:
        np.testing.assert_array_equal(npy[name], ds_values[name], err_msg=name)
    ours = ds_values["median_position_error_m"]
    theirs = npy["median_position_error_m"]
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    ok = ~np.isnan(ours)
    one_bin = 2.0 * axis_rel_res
    assert np.all(np.abs(theirs[ok] / ours[ok] - 1.0) <= one_bin)


@pytest.mark.parametrize("sensor", [
    Sensor(min_elevation_deg=10.0),
    Sensor(min_elevation_deg=0.0, field_of_regard_deg=100.0, max_range_km=3500.0, stereo_min_angle_deg=25.0,
           angular_noise_urad=40.0),
], ids=["elevation-mask", "for-and-range"])
def test_numpy_baseline_equals_grid_engine_on_all_eight_metrics(sensor):
    sats = _sats(24, 18)
    grid = region_grid([0.0, 30.0], [100.0, 130.0], 3.0, 0.0)
    tg = time_grid(EPOCH, 60.0, count=90)
    eph = propagate(sats, tg)
    ds = grid_coverage(eph, None, grid, sensor).dataset
    got = {k: ds[k].values.ravel() for k in METRICS}
    # the case must exercise what is compared: gaps, double coverage, stereo and stereo gaps
    assert 0.05 < got["fraction_1"].mean() < 0.95 and got["fraction_2"].max() > 0.0
    assert got["fraction_stereo"].max() > 0.0 and got["max_gap_stereo_s"].min() > 0.0
    axis = error_axis_from_dataset(ds)
    npy = numpy_broadcast_coverage(eph.positions_km, grid.points_ecef_km, grid.up, sensor, 60.0,
                                   valid=eph.valid, error_axis=axis)
    _assert_same_metrics(npy, got, float(ds.attrs["median_position_error_rel_resolution"]))


def test_numpy_baseline_equals_point_engine_and_exact_median():
    """Points with height, against point_coverage; and the baseline's exact median (every
    stereo sample kept) lies within the engine's stated half-bin resolution of the engine's
    histogram median: each middle sample's bin centre is within a factor ``exp(dlog / 2)`` of
    the sample, hence so is their mean."""
    sats = _sats(30, 7)
    sensor = Sensor(min_elevation_deg=5.0, stereo_min_angle_deg=15.0)
    lat = np.array([10.0, 25.0, 40.0, -30.0, 60.0])
    lon = np.array([110.0, 125.0, 140.0, 20.0, -70.0])
    alt = np.array([0.0, 20.0, 40.0, 0.0, 5.0])
    tg = time_grid(EPOCH, 30.0, count=150)
    eph = propagate(sats, tg)
    ds = point_coverage(eph, None, [(f"p{i}", lat[i], lon[i], alt[i]) for i in range(5)], sensor).dataset
    got = {k: ds[k].values for k in METRICS}
    assert got["fraction_stereo"].max() > 0.0
    pts = np.ascontiguousarray(geodetic_to_ecef(lat, lon, alt))
    ups = np.ascontiguousarray(up_vector(lat, lon))
    res = float(ds.attrs["median_position_error_rel_resolution"])
    npy = numpy_broadcast_coverage(eph.positions_km, pts, ups, sensor, 30.0, valid=eph.valid,
                                   error_axis=error_axis_from_dataset(ds))
    _assert_same_metrics(npy, got, res)
    exact = numpy_broadcast_coverage(eph.positions_km, pts, ups, sensor, 30.0, valid=eph.valid)
    for name in EXACT:
        np.testing.assert_array_equal(exact[name], got[name], err_msg=name)
    ok = ~np.isnan(got["median_position_error_m"])
    rel = np.abs(got["median_position_error_m"][ok] / exact["median_position_error_m"][ok] - 1.0)
    assert np.all(rel <= res * (1.0 + 1e-9)), (rel, res)


def test_numpy_baseline_gaps_follow_the_engine_definition():
    """Hand-checked gap arithmetic: one satellite straight above the point at steps 2-3 and 7 of
    10 (30 s): detection gaps are steps 0-1 (60 s), 4-6 (90 s) and 8-9 (60 s), so max 90 s,
    mean 70 s; with one satellite there is never a stereo pair, so the stereo gap is the whole
    window, 300 s, and the median is NaN."""
    pt = np.ascontiguousarray(geodetic_to_ecef(np.array([0.0]), np.array([0.0]), np.array([0.0])))
    up = np.ascontiguousarray(up_vector(np.array([0.0]), np.array([0.0])))
    above = pt[0] + 1000.0 * up[0]
    below = -above
    pos = np.array([[above if k in (2, 3, 7) else below] for k in range(10)])
    npy = numpy_broadcast_coverage(pos, pt, up, Sensor(min_elevation_deg=10.0), 30.0)
    assert npy["fraction_1"][0] == 0.3 and npy["fraction_2"][0] == 0.0 and npy["mean_count"][0] == 0.3
    assert npy["max_gap_s"][0] == 90.0 and npy["mean_gap_s"][0] == 70.0
    assert npy["max_gap_stereo_s"][0] == 300.0 and math.isnan(npy["median_position_error_m"][0])


def test_numpy_baseline_refuses_the_grazing_test():
    pt = np.zeros((1, 3))
    with pytest.raises(ValueError, match="grazing_altitude_km"):
        numpy_broadcast_coverage(np.ones((1, 1, 3)), pt, pt, Sensor(grazing_altitude_km=10.0), 30.0)
