"""Degenerate inputs of grid / point coverage, one test per case, each against the oracle
(tests/naive.py): small and zero stereo angles (error histogram range and overflow), NaN
positions flagged valid, a one-sample irregular time grid, a decaying satellite, and the
seam column of a [0, 360] grid in region_statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from constellation.coverage import grid_coverage, point_coverage, region_statistics
from constellation.grid import region_grid
from constellation.sensors import Sensor
from orbits.geodesy import geodetic_to_ecef, up_vector
from orbits.propagate import Ephemeris
from orbits.timegrid import TimeGrid, time_grid

from .naive import naive_coverage

EPOCH = "2026-11-21T00:00:00Z"
half_bin_slack = 1 + 1e-9  # the reported median is within half a histogram bin (attribute), float rounding


def _ephemeris(positions_km, tg, valid=None):
    pos = np.ascontiguousarray(positions_km, dtype=np.float64)
    n_time, n_sat, _ = pos.shape
    if valid is None:
        valid = np.ones((n_time, n_sat), dtype=bool)
    return Ephemeris(grid=tg, names=[f"S{i}" for i in range(n_sat)], positions_km=pos, valid=valid,
                     error_codes=np.zeros(n_sat, dtype=np.int64))


def _target(lat=0.0, lon=0.0):
    pts = np.asarray(geodetic_to_ecef(np.array([lat]), np.array([lon]), np.array([0.0])), dtype=float).reshape(1, 3)
    ups = np.asarray(up_vector(np.array([lat]), np.array([lon])), dtype=float).reshape(1, 3)
    return pts, ups


def _pair_over_target(tgt, up, angles_deg, range_km=1000.0):
    """(n_time, 2, 3): two satellites ``range_km`` from ``tgt``, lines of sight ``angles_deg[k]`` apart.

    Satellite 0 is at the zenith, satellite 1 tilted from it by the angle (about an axis in
    the horizontal plane), so the convergence angle seen from the target is the angle itself.
    """
    e = np.cross(up, [0.0, 0.0, 1.0])
    e /= np.linalg.norm(e)
    out = np.empty((len(angles_deg), 2, 3))
    for k, a in enumerate(np.radians(angles_deg)):
        out[k, 0] = tgt + range_km * up
        out[k, 1] = tgt + range_km * (math.cos(a) * up + math.sin(a) * e)
    return out


def _check_median(got, want, rel):
    assert np.isnan(got) == np.isnan(want)
    if not np.isnan(want):
        assert abs(got - want) <= rel * want * half_bin_slack, (got, want, rel)


# convergence angles (deg) of the pair at successive samples: from far below 0.1 deg to 2 deg
ANGLES = [0.05, 0.05, 0.05, 0.07, 0.12, 0.2, 0.3, 0.6, 1.0, 2.0, 0.05]


@pytest.mark.parametrize("kernel", ["point", "grid"])
@pytest.mark.parametrize("theta", [0.0, 0.1, 0.5])
def test_median_error_small_stereo_angles_equals_oracle(theta, kernel):
    """The issue's case: pairs 0.05 deg apart with theta = 0 gave 14,455 m against 17,146 m (top bin)."""
    sensor = Sensor(min_elevation_deg=0.0, stereo_min_angle_deg=theta, angular_noise_urad=20.0)
    pts, ups = _target()
    tg = time_grid(EPOCH, 60.0, count=len(ANGLES))
    eph = _ephemeris(_pair_over_target(pts[0], ups[0], ANGLES), tg)
    if kernel == "point":
        ds = point_coverage(eph, None, [("T", 0.0, 0.0)], sensor).dataset
    else:
        grid = region_grid([0.0, 0.0], [0.0, 0.0], 1.0, 0.0)
        pts, ups = grid.points_ecef_km, grid.up
        ds = grid_coverage(eph, None, grid, sensor).dataset
    ref = naive_coverage(eph.positions_km, eph.valid, pts, ups, [sensor], [0, 0], tg.seconds, tg.step_s)
    assert ref["stereo"].sum() >= 3
    got = float(np.ravel(ds["median_position_error_m"].values)[0])
    _check_median(got, ref["median_position_error_m"][0], ds.attrs["median_position_error_rel_resolution"])
    assert ds.attrs["median_position_error_overflow_samples"] == 0
    assert ds.attrs["median_position_error_overflow_possible"] == int(theta < 0.01)
    for var in ("fraction_1", "fraction_2", "fraction_stereo", "max_gap_stereo_s"):
        np.testing.assert_array_equal(np.ravel(ds[var].values), ref[var], err_msg=var)


@pytest.mark.parametrize("kernel", ["point", "grid"])
def test_theta_zero_median_in_overflow_bin_is_inf_and_counted(kernel):
    """theta = 0: pairs 1e-4 deg apart exceed any finite histogram; their median is +inf, counted."""
    sensor = Sensor(min_elevation_deg=0.0, stereo_min_angle_deg=0.0, angular_noise_urad=20.0)
    pts, ups = _target()
    angles = [1e-4, 1e-4, 1e-4, 1.0, 2.0]  # 3 of 5 stereo samples far above the top: median overflows
    tg = time_grid(EPOCH, 60.0, count=len(angles))
    eph = _ephemeris(_pair_over_target(pts[0], ups[0], angles), tg)
    if kernel == "point":
        ds = point_coverage(eph, None, [("T", 0.0, 0.0)], sensor).dataset
    else:
        grid = region_grid([0.0, 0.0], [0.0, 0.0], 1.0, 0.0)
        pts, ups = grid.points_ecef_km, grid.up
        ds = grid_coverage(eph, None, grid, sensor).dataset
    ref = naive_coverage(eph.positions_km, eph.valid, pts, ups, [sensor], [0, 0], tg.seconds, tg.step_s)
    top = ds.attrs["median_position_error_hist_top_m"]
    errors = np.asarray(ref["errors"][0])
    assert errors.size == 5 and ref["median_position_error_m"][0] > top
    assert float(np.ravel(ds["median_position_error_m"].values)[0]) == math.inf
    assert ds.attrs["median_position_error_overflow_samples"] == int(np.sum(errors > top)) == 3
    assert ds.attrs["median_position_error_overflow_points"] == 1
    assert ds.attrs["median_position_error_overflow_possible"] == 1


def test_theta_tiny_1e6_deg_equals_oracle():
    """theta = 1e-6 deg (below the histogram's 0.01 deg floor): finite medians still match the oracle."""
    sensor = Sensor(min_elevation_deg=0.0, stereo_min_angle_deg=1e-6, angular_noise_urad=20.0)
    pts, ups = _target()
    angles = [1e-3, 0.02, 0.05, 0.3, 3.0]
    tg = time_grid(EPOCH, 60.0, count=len(angles))
    eph = _ephemeris(_pair_over_target(pts[0], ups[0], angles), tg)
    ds = point_coverage(eph, None, [("T", 0.0, 0.0)], sensor).dataset
    ref = naive_coverage(eph.positions_km, eph.valid, pts, ups, [sensor], [0, 0], tg.seconds, tg.step_s)
    assert ref["stereo"].sum() == 5
    _check_median(float(ds["median_position_error_m"].values[0]), ref["median_position_error_m"][0],
                  ds.attrs["median_position_error_rel_resolution"])
    top = ds.attrs["median_position_error_hist_top_m"]
    assert ds.attrs["median_position_error_overflow_samples"] == int(np.sum(np.asarray(ref["errors"][0]) > top))


def _stats_ds(lat, lon, field):
    import xarray as xr
    return xr.Dataset({k: (("lat", "lon"), field.copy()) for k in
                       ("fraction_1", "fraction_2", "fraction_stereo", "mean_count", "max_gap_s", "mean_gap_s",
                        "max_gap_stereo_s", "median_position_error_m")},
                      coords={"lat": lat, "lon": lon})


def test_region_statistics_counts_the_360_seam_column_once():
    """A [0, 360] grid: column 360 is column 0's points; statistics equal those of [0, 330]."""
    lat = np.array([0.0, 30.0, 60.0, 90.0])
    lon = np.arange(0.0, 360.0 + 1e-9, 30.0)
    rng = np.random.default_rng(3)
    f = rng.uniform(0.0, 1.0, (lat.size, lon.size))
    f[:, 0] = 1.0  # a seam column unlike the rest, so counting it twice shows
    f[:, -1] = f[:, 0]
    got = region_statistics(_stats_ds(lat, lon, f))
    want = region_statistics(_stats_ds(lat, lon[:-1], f[:, :-1]))
    assert got["n_points"] == lat.size * (lon.size - 1)
    assert got == pytest.approx(want, rel=1e-15)
    # oracle: explicit cos-latitude weights over the distinct points, poles weight 0
    w = np.cos(np.radians(lat))[:, None] * np.ones(lon.size - 1)
    w[lat == 90.0] = 0.0
    assert got["fraction_1_mean"] == pytest.approx((f[:, :-1] * w).sum() / w.sum(), rel=1e-14)


def _random_eph(seed, n_sat, tg):
    from orbits.propagate import propagate
    from orbits.satellites import SatelliteSet
    rng = np.random.default_rng(seed)
    alt = rng.uniform(500.0, 2500.0, n_sat)
    sats = SatelliteSet.from_elements(
        [f"S{i}" for i in range(n_sat)], 6378.137 + alt, rng.uniform(0.0, 0.02, n_sat), rng.uniform(0.0, 180.0, n_sat),
        rng.uniform(0, 360, n_sat), rng.uniform(0, 360, n_sat), rng.uniform(0, 360, n_sat), EPOCH)
    return propagate(sats, tg)


@pytest.mark.parametrize("kernel", ["point", "grid"])
def test_nan_positions_flagged_valid_do_not_detect_and_do_not_poison(kernel):
    """NaN positions with valid = True: that satellite-sample detects nothing (as the oracle's
    non-finite range), no crash, and every other point's metrics are the oracle's."""
    tg = time_grid(EPOCH, 97.0, count=30)
    eph = _random_eph(42, 16, tg)
    pos = eph.positions_km.copy()
    pos[5:20, 3] = np.nan
    pos[::4, 7, 1] = np.nan  # one component only
    eph = _ephemeris(pos, tg)  # valid everywhere
    sensor = Sensor(min_elevation_deg=0.0, stereo_min_angle_deg=10.0, angular_noise_urad=30.0)
    grid = region_grid([-40.0, 40.0], [0.0, 90.0], 10.0, 0.0)
    pts, ups = grid.points_ecef_km, grid.up
    if kernel == "point":
        lat2, lon2 = np.meshgrid(grid.lat_deg, grid.lon_deg, indexing="ij")
        ds = point_coverage(eph, None, [(f"P{i}", a, b) for i, (a, b) in enumerate(zip(lat2.ravel(), lon2.ravel()))],
                            sensor).dataset
    else:
        ds = grid_coverage(eph, None, grid, sensor).dataset
    with np.errstate(invalid="ignore"):
        ref = naive_coverage(pos, eph.valid, pts, ups, [sensor], np.zeros(16, int), tg.seconds, tg.step_s)
    assert ref["stereo"].sum() > 0
    for var in ("fraction_1", "fraction_2", "fraction_stereo", "mean_count", "max_gap_s", "max_gap_stereo_s"):
        np.testing.assert_array_equal(np.ravel(ds[var].values), ref[var], err_msg=var)
    rel = ds.attrs["median_position_error_rel_resolution"]
    assert math.isfinite(rel) and math.isfinite(ds.attrs["median_position_error_hist_top_m"])
    got = np.ravel(ds["median_position_error_m"].values)
    for g, w in zip(got, ref["median_position_error_m"]):
        _check_median(g, w, rel)


@pytest.mark.parametrize("regular", [False, True])
def test_one_sample_time_grid_equals_oracle(regular):
    """One sample: on an irregular grid (no step known) it lasts 0 s (= the grid's duration_s), so
    a point never seen has a 0 s gap; a one-sample regular grid's sample lasts its step."""
    tg = time_grid(EPOCH, 30.0, count=1) if regular else TimeGrid.from_seconds(EPOCH, [0.0])
    duration = 30.0 if regular else 0.0
    assert tg.duration_s == duration
    eph = _random_eph(5, 24, tg)
    sensor = Sensor(min_elevation_deg=5.0, stereo_min_angle_deg=10.0, angular_noise_urad=30.0)
    grid = region_grid([-60.0, 60.0], [0.0, 350.0], 10.0, 0.0)
    ds = grid_coverage(eph, None, grid, sensor).dataset
    ref = naive_coverage(eph.positions_km, eph.valid, grid.points_ecef_km, grid.up, [sensor], np.zeros(24, int),
                         tg.seconds, duration)
    assert 0 < ref["counts"].astype(bool).sum() < grid.n_point  # some points seen, some not
    for var in ("fraction_1", "fraction_2", "fraction_stereo", "mean_count", "max_gap_s", "mean_gap_s",
                "max_gap_stereo_s"):
        np.testing.assert_array_equal(np.ravel(ds[var].values), ref[var], err_msg=var)
    assert np.nanmax(ds["max_gap_s"].values) == duration == ds.attrs["duration_s"]


def test_satellite_decaying_below_its_initial_perigee_equals_oracle():
    """Two satellites with strong drag (B* = 0.05) decay from 440 km to ~120 km in 10 days (far more
    than the 100 km pad below the initial perigee); sampled at t = 0 and over the last orbit, the
    targets under the track see them in stereo at ranges (<= 200 km) below the initial perigee
    height minus 100 km (~340 km), the old lower end of the histogram. The error
    histogram's range must hold those errors: medians equal the oracle's."""
    from orbits.geodesy import ecef_to_geodetic
    from orbits.propagate import propagate
    from orbits.satellites import SatelliteSet

    sats = SatelliteSet.from_elements(["A", "B"], 6378.137 + 450.0, 0.001, 51.6, 0.0, 0.0, [0.0, -1.0], EPOCH,
                                      bstar=0.05)
    day10 = 10 * 86400.0
    tg = TimeGrid.from_seconds(EPOCH, np.concatenate([[0.0], np.arange(day10 - 5400.0, day10, 20.0)]))
    eph = propagate(sats, tg)
    assert eph.valid.all()
    r = np.linalg.norm(eph.positions_km, axis=-1)
    perigee0 = (6378.137 + 450.0) * (1 - 0.001)
    assert r[1:].min() < perigee0 - 250.0  # decayed by far more than the 100 km pad
    lat, lon, _ = ecef_to_geodetic(eph.positions_km[1:][::25, 0])  # under satellite A, late in the run
    points = [(f"P{i}", float(a), float(b)) for i, (a, b) in enumerate(zip(lat, lon))]
    # ranges <= 200 km: every stereo sample is closer than the initial perigee allows
    sensor = Sensor(min_elevation_deg=0.0, stereo_min_angle_deg=5.0, angular_noise_urad=30.0, max_range_km=200.0)
    ds = point_coverage(sats, tg, points, sensor).dataset
    pts = np.asarray(geodetic_to_ecef(lat, lon, np.zeros_like(lat)), float).reshape(-1, 3)
    ups = np.asarray(up_vector(lat, lon), float).reshape(-1, 3)
    ref = naive_coverage(eph.positions_km, eph.valid, pts, ups, [sensor], [0, 0], tg.seconds, 20.0)
    assert ref["stereo"].any(axis=0).sum() >= 3
    rel = ds.attrs["median_position_error_rel_resolution"]
    for g, w in zip(ds["median_position_error_m"].values, ref["median_position_error_m"]):
        _check_median(float(g), w, rel)
    np.testing.assert_array_equal(ds["fraction_stereo"].values, ref["fraction_stereo"])


def test_region_statistics_of_an_overflowed_median():
    """A point whose median overflowed (+inf): the mean and maximum are +inf (not silently
    dropped, as NaN points are) and the count of such points is reported."""
    lat = np.array([0.0, 30.0])
    lon = np.array([0.0, 10.0])
    f = np.array([[10.0, np.nan], [math.inf, 20.0]])
    st = region_statistics(_stats_ds(lat, lon, f))
    assert st["median_position_error_m_mean"] == math.inf == st["median_position_error_m_max"]
    assert st["median_position_error_m_overflow_points"] == 1
    g = np.array([[10.0, np.nan], [np.nan, 20.0]])
    st = region_statistics(_stats_ds(lat, lon, g))
    w = math.cos(math.radians(30.0))
    assert st["median_position_error_m_mean"] == pytest.approx((10.0 + 20.0 * w) / (1.0 + w), rel=1e-15)
    assert st["median_position_error_m_overflow_points"] == 0
