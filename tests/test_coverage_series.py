"""Region coverage over time and the gap figures, end to end, against the brute-force oracle.

:func:`grid_coverage` and :func:`point_coverage` on random ephemerides are compared with
``tests/naive.py``: the detection counts and stereo flags of :func:`naive_coverage` (every
triple), turned into the region series by an explicit weighted sum
(:func:`naive_region_series` with :func:`naive_region_weights`, written independently of
:func:`constellation.coverage.region_weights`) and into gaps by run-length encoding
(:func:`naive_gap_figures`). Cases: a grid with a pole row over [0, 360] (seam column counted
once), an antimeridian grid, a polygon-like mask, point lists. The region series' time mean
must equal :func:`region_statistics`' area-weighted mean of the matching fraction.
"""

from __future__ import annotations

import numpy as np
import pytest

from constellation.coverage import GAP_CDF_VARIABLES, GAP_VARIABLES, SERIES_VARIABLES, grid_coverage, \
    point_coverage, region_statistics
from constellation.grid import region_grid
from constellation.sensors import Sensor
from orbits.propagate import propagate
from orbits.satellites import SatelliteSet
from orbits.timegrid import time_grid

from .naive import naive_coverage, naive_gap_figures, naive_region_series, naive_region_weights

EPOCH = "2026-11-21T00:00:00Z"
SUFFIX = ("", "_2", "_stereo")
sum_order_rtol = 1e-13  # the kernel sums the weights tile by tile, the oracle point by point
float_slack = 1e-12


def _random_sats(seed, n_sat):
    rng = np.random.default_rng(seed)
    alt = rng.uniform(700.0, 2500.0, n_sat)
    return SatelliteSet.from_elements(
        [f"S{i}" for i in range(n_sat)], 6378.137 + alt, rng.uniform(0.0, 0.02, n_sat), rng.uniform(0.0, 180.0, n_sat),
        rng.uniform(0, 360, n_sat), rng.uniform(0, 360, n_sat), rng.uniform(0, 360, n_sat), EPOCH)


def _levels(ref):
    c = ref["counts"]
    return (c >= 1, c >= 2, ref["stereo"])


def _check(ds, ref, weight, tg, point_shape):
    edges = np.concatenate([tg.seconds, [tg.seconds[-1] + tg.step_s]])
    for lv, (sfx, flags) in enumerate(zip(SUFFIX, _levels(ref))):
        series = ds[f"region_fraction{sfx or '_1'}"].values
        np.testing.assert_allclose(series, naive_region_series(flags, weight), rtol=sum_order_rtol, atol=1e-15)
        g = naive_gap_figures(flags, edges, tg.step_s)
        for var in ("n_passes", "time_average_gap_s", "mean_response_time_s"):
            name = var.replace("_s", f"{sfx}_s") if var.endswith("_s") else var + sfx
            np.testing.assert_array_equal(np.ravel(ds[name].values), g[var], err_msg=name)
        for q in (50, 90, 99):
            np.testing.assert_allclose(np.ravel(ds[f"gap_p{q}{sfx}_s"].values), g[f"gap_p{q}_s"], rtol=float_slack,
                                       atol=0)
    for table in (GAP_VARIABLES, SERIES_VARIABLES, GAP_CDF_VARIABLES):
        for k in table:
            assert {"units", "long_name", "definition"} <= set(ds[k].attrs), k
    assert ds["time"].dtype == np.dtype("datetime64[ns]")
    assert str(ds["time"].values[0]) == "2026-11-21T00:00:00.000000000"
    np.testing.assert_array_equal(ds["time_s"].values, tg.seconds)
    assert [d for d in ds.dims if d not in ("time", "gap_duration_s")] == list(point_shape)


def _check_means(ds, mask):
    st = region_statistics(ds, mask=mask)
    for sfx, frac in zip(("_1", "_2", "_stereo"), ("fraction_1", "fraction_2", "fraction_stereo")):
        assert float(ds[f"region_fraction{sfx}"].mean()) == pytest.approx(st[f"{frac}_mean"], rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("case", ["pole_seam", "antimeridian", "masked"])
def test_grid_series_and_gaps_equal_oracle(case):
    tg = time_grid(EPOCH, 97.0, count=90)
    sats = _random_sats({"pole_seam": 1, "antimeridian": 2, "masked": 3}[case], 10)
    eph = propagate(sats, tg)
    sensor = Sensor(min_elevation_deg=0.0, stereo_min_angle_deg=10.0, angular_noise_urad=30.0)
    if case == "pole_seam":
        grid = region_grid([30.0, 90.0], [0.0, 360.0], 15.0, 0.0)
    elif case == "antimeridian":
        grid = region_grid([-30.0, 30.0], [150.0, 210.0], 10.0, 0.0)
    else:
        grid = region_grid([-40.0, 40.0], [0.0, 90.0], 10.0, 0.0)
    mask = None
    if case == "masked":
        mask = np.random.default_rng(7).random(grid.shape) < 0.6
    ds = grid_coverage(eph, None, grid, sensor, mask=mask).dataset
    ref = naive_coverage(eph.positions_km, eph.valid, grid.points_ecef_km, grid.up, [sensor], np.zeros(10, int),
                         tg.seconds, tg.step_s)
    assert ref["stereo"].any() and not ref["stereo"].all()
    weight = naive_region_weights(grid.lat_deg, grid.lon_deg, mask)
    _check(ds, ref, weight, tg, ("lat", "lon"))
    _check_means(ds, mask)
    # the gaps at >= 1 agree with the existing maximum and mean gap where the point has a gap
    edges = np.concatenate([tg.seconds, [tg.seconds[-1] + tg.step_s]])
    g = naive_gap_figures(_levels(ref)[0], edges, tg.step_s)
    np.testing.assert_array_equal(np.ravel(ds["max_gap_s"].values),
                                  [max(x) * tg.step_s if x else 0.0 for x in g["gaps_samples"]])


def test_points_series_and_gaps_equal_oracle_and_the_grid_kernel():
    """Point list (cos-latitude weights, as area_statistics; a pole point weighs 0) against the
    oracle, then the same points through the grid kernel: identical per-point figures."""
    tg = time_grid(EPOCH, 60.0, count=300)
    sats = _random_sats(4, 6)
    eph = propagate(sats, tg)
    sensor = Sensor(min_elevation_deg=5.0, stereo_min_angle_deg=15.0, angular_noise_urad=30.0)
    grid = region_grid([-90.0, 90.0], [170.0, 190.0], 10.0, 0.0)
    lat2, lon2 = np.meshgrid(grid.lat_deg, grid.lon_deg, indexing="ij")
    pts = [(f"P{i}", a, b) for i, (a, b) in enumerate(zip(lat2.ravel(), lon2.ravel()))]
    ds = point_coverage(eph, None, pts, sensor, chunk_steps=41).dataset
    ref = naive_coverage(eph.positions_km, eph.valid, grid.points_ecef_km, grid.up, [sensor], np.zeros(6, int),
                         tg.seconds, tg.step_s)
    weight = naive_region_weights(lat2.ravel())
    _check(ds, ref, weight, tg, ("point",))
    _check_means(ds, None)
    mask = np.arange(len(pts)) % 3 != 1  # a point region's subset
    dm = point_coverage(eph, None, pts, sensor, mask=mask).dataset
    _check(dm, ref, naive_region_weights(lat2.ravel(), None, mask), tg, ("point",))
    _check_means(dm, mask)
    g = naive_gap_figures(_levels(ref)[0], np.concatenate([tg.seconds, [tg.seconds[-1] + 60.0]]), 60.0)
    assert max(max(x) for x in g["gaps_samples"] if x) >= 64  # long gaps: the log bins are exercised
    dg = grid_coverage(eph, None, grid, sensor, chunk_steps=53).dataset
    for k in GAP_VARIABLES:
        np.testing.assert_array_equal(np.ravel(dg[k].values), ds[k].values, err_msg=k)
    for k in GAP_CDF_VARIABLES:
        np.testing.assert_allclose(dg[k].values, ds[k].values, rtol=sum_order_rtol, atol=1e-15)


def test_one_point_one_step():
    tg = time_grid(EPOCH, 30.0, count=1)
    eph = propagate(_random_sats(5, 24), tg)
    sensor = Sensor(min_elevation_deg=5.0, stereo_min_angle_deg=10.0, angular_noise_urad=30.0)
    grid = region_grid([10.0, 10.0], [20.0, 20.0], 1.0, 0.0)
    ds = grid_coverage(eph, None, grid, sensor).dataset
    ref = naive_coverage(eph.positions_km, eph.valid, grid.points_ecef_km, grid.up, [sensor], np.zeros(24, int),
                         tg.seconds, 30.0)
    _check(ds, ref, np.ones(1), tg, ("lat", "lon"))
    assert ds.sizes["time"] == 1


def test_figures_are_drawn_from_the_engine_variables(tmp_path):
    """``figure_jobs`` lists both region figures for a run's data set; they are valid PNGs, and each
    threat's flight window is launch to impact in UTC (scenario start + ``time_s``)."""
    import pandas as pd

    from hgvcov.plots import figure_jobs
    from hgvcov.plots.series import threat_windows

    tg = time_grid(EPOCH, 120.0, count=60)
    eph = propagate(_random_sats(6, 8), tg)
    grid = region_grid([20.0, 40.0], [120.0, 150.0], 10.0, 0.0)
    ds = grid_coverage(eph, None, grid, Sensor(min_elevation_deg=5.0, stereo_min_angle_deg=10.0)).dataset
    tracks = pd.DataFrame({"threat": ["A", "A", "A", "B", "B"], "time_s": [600.0, 700.0, 1500.0, 3000.5, 3600.0]})
    win = threat_windows(tracks, ds)
    assert [w[0] for w in win] == ["A", "B"]
    assert str(win[0][1]) == "2026-11-21T00:10:00.000000000" and str(win[0][2]) == "2026-11-21T00:25:00.000000000"
    assert str(win[1][1]) == "2026-11-21T00:50:00.500000000"
    jobs = dict(figure_jobs(ds, "test", tracks=tracks))
    for name in ("region_coverage_time.png", "gap_cdf.png"):
        (out,) = jobs[(name,)]([tmp_path / name])
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
