"""Sensor model: validation, kernel parameters, scalar detection / stereo kernels vs oracles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from constellation._geometry import (
    N_PARAM,
    P_COS_HALF_FOR,
    P_GRAZING_KM,
    P_HAS_GRAZING,
    P_INTENSITY_W_SR,
    P_MAX_RANGE_KM,
    P_NOISE_RAD,
    P_REF_RANGE_KM,
    P_SIN_MIN_EL,
    P_THRESHOLD_W_SR,
    WGS84_A_KM,
    WGS84_B_KM,
    best_stereo_pair,
    convergence_angle_rad,
    detects,
    elevation_rad,
    is_stereo,
    off_nadir_rad,
    segment_clears_ellipsoid,
    slant_range_km,
    triangulation_sigma_m,
)
from constellation.sensors import Sensor, SensorError, sensor_table
from orbits.geodesy import geodetic_to_ecef, up_vector

from .naive import naive_convergence_deg, naive_detect_matrix, naive_triangulation_sigma_m

one_microradian = 1e-6


@pytest.mark.parametrize("field,value,match", [
    ("min_elevation_deg", 95.0, r"min_elevation_deg=95.0.*\[-90, 90\]"),
    ("field_of_regard_deg", 0.0, r"field_of_regard_deg=0.0.*\(0, 360\]"),
    ("max_range_km", -5.0, r"max_range_km=-5.0"),
    ("grazing_altitude_km", -1.0, r"grazing_altitude_km=-1.0"),
    ("stereo_min_angle_deg", 91.0, r"stereo_min_angle_deg=91.0.*\[0, 90\]"),
    ("angular_noise_urad", 0.0, r"angular_noise_urad=0.0"),
    ("detection_threshold_kw_sr", -1.0, r"detection_threshold_kw_sr=-1.0"),
    ("min_elevation_deg", float("nan"), r"min_elevation_deg=nan: must be finite"),
    ("max_range_km", "far", r"max_range_km='far': must be a number"),
    ("band_um", (5.0, 3.0), r"band_um"),
])
def test_sensor_validation_names_field_value_and_allowed(field, value, match):
    with pytest.raises(SensorError, match=match):
        Sensor(**{field: value})


def test_two_radiometric_models_are_refused():
    with pytest.raises(SensorError, match="at most one radiometric model"):
        Sensor(detection_threshold_kw_sr=1.0, noise_equivalent_irradiance_w_m2=1e-12)


def test_kernel_params_layout():
    s = Sensor(min_elevation_deg=15.0, field_of_regard_deg=100.0, max_range_km=3000.0, grazing_altitude_km=20.0,
               stereo_min_angle_deg=25.0, angular_noise_urad=40.0, detection_threshold_kw_sr=2.0,
               reference_range_km=1500.0)
    p = s.kernel_params(target_intensity_w_sr=5e3)
    assert p.shape == (N_PARAM,)
    assert p[P_SIN_MIN_EL] == pytest.approx(math.sin(math.radians(15.0)))
    assert p[P_COS_HALF_FOR] == pytest.approx(math.cos(math.radians(50.0)))
    assert p[P_MAX_RANGE_KM] == 3000.0 and p[P_HAS_GRAZING] == 1.0 and p[P_GRAZING_KM] == 20.0
    assert p[P_NOISE_RAD] == pytest.approx(40e-6)
    assert p[P_THRESHOLD_W_SR] == 2000.0 and p[P_REF_RANGE_KM] == 1500.0 and p[P_INTENSITY_W_SR] == 5e3
    q = Sensor().kernel_params()
    assert q[P_COS_HALF_FOR] == -2.0 and math.isinf(q[P_MAX_RANGE_KM]) and q[P_HAS_GRAZING] == 0.0
    assert math.isnan(q[P_THRESHOLD_W_SR])
    # NEI model: threshold = snr * NEI * R_ref^2 (W/sr)
    n = Sensor(noise_equivalent_irradiance_w_m2=1e-13, snr_threshold=4.0, reference_range_km=1000.0)
    assert n.threshold_w_sr() == pytest.approx(4.0 * 1e-13 * 1e12)
    assert sensor_table([s, Sensor()]).shape == (2, N_PARAM)


def _random_geometry(rng, n):
    lat = rng.uniform(-90, 90, n)
    lon = rng.uniform(-180, 180, n)
    h = rng.choice([0.0, 20.0, 40.0], n)
    tgt = geodetic_to_ecef(lat, lon, h)
    up = up_vector(lat, lon)
    d = rng.normal(size=(n, 3))
    d /= np.linalg.norm(d, axis=1)[:, None]
    sat = tgt + d * rng.uniform(300, 6000, n)[:, None] + up * rng.uniform(0, 2000, n)[:, None]
    return sat, tgt, up


@pytest.mark.parametrize("kw", [
    dict(min_elevation_deg=10.0),
    dict(min_elevation_deg=-5.0, field_of_regard_deg=110.0),
    dict(min_elevation_deg=0.0, max_range_km=3000.0, grazing_altitude_km=15.0),
    dict(min_elevation_deg=5.0, field_of_regard_deg=200.0, grazing_altitude_km=0.0),
    dict(min_elevation_deg=-30.0, detection_threshold_kw_sr=3.0, reference_range_km=1000.0),
])
def test_detects_equals_naive_definition_on_random_geometry(kw):
    rng = np.random.default_rng(len(kw) * 100 + int(kw["min_elevation_deg"] + 50))
    sensor = Sensor(**kw)
    intensity = 9000.0 if sensor.radiometric else None
    p = sensor.kernel_params(intensity)
    sat, tgt, up = _random_geometry(rng, 3000)
    got = np.array([detects(sat[i], tgt[i], up[i], p) for i in range(len(sat))])
    want = np.array([naive_detect_matrix(sat[i:i + 1], tgt[i:i + 1], up[i:i + 1], sensor, intensity)[0, 0]
                     for i in range(len(sat))])
    np.testing.assert_array_equal(got, want)
    assert 0.05 < got.mean() < 0.95  # both outcomes exercised


def test_grazing_segment_test_against_dense_sampling():
    """Exact scaled-sphere test vs sampling the segment every ~50 m for the lowest altitude."""
    from orbits.geodesy import ecef_to_geodetic

    rng = np.random.default_rng(4)
    g = 25.0
    checked = 0
    for _ in range(120):
        sat, tgt, _ = _random_geometry(rng, 1)
        tgt = geodetic_to_ecef(rng.uniform(-80, 80), rng.uniform(-180, 180), 40.0)
        sat = sat[0]
        n = int(np.linalg.norm(sat - tgt) / 0.05) + 2
        tau = np.linspace(0.0, 1.0, n)
        line = sat[None, :] + tau[:, None] * (tgt - sat)[None, :]
        # altitude over the inflated ellipsoid ~ geodetic height - g (within metres at these heights)
        h_min = ecef_to_geodetic(line)[2].min()
        if abs(h_min - g) < 0.2:
            continue  # too close to call with the sampled approximation
        clears = segment_clears_ellipsoid(sat, tgt, WGS84_A_KM + g, WGS84_B_KM + g)
        assert clears == (h_min > g)
        checked += 1
    assert checked > 90


def test_convergence_stereo_and_triangulation_kernels():
    rng = np.random.default_rng(8)
    for _ in range(50):
        tgt = geodetic_to_ecef(rng.uniform(-60, 60), rng.uniform(-180, 180), 30.0)
        s1 = tgt + rng.normal(size=3) * 2000.0
        s2 = tgt + rng.normal(size=3) * 2000.0
        ang = convergence_angle_rad(s1, s2, tgt)
        assert math.degrees(ang) == pytest.approx(naive_convergence_deg(s1, s2, tgt), abs=1e-9)
        theta = 20.0
        assert is_stereo(s1, s2, tgt, math.cos(math.radians(theta))) == (theta <= math.degrees(ang) <= 180 - theta)
        assert triangulation_sigma_m(s1, s2, tgt, 30e-6) == pytest.approx(
            naive_triangulation_sigma_m(s1, s2, tgt, 30e-6), rel=1e-9)
    # closed form at 90 deg and equal ranges R: sigma^2 = 2 s^2 R^2 + s^2 R^2 / 2
    t = np.array([6378.137, 0.0, 0.0])
    s1 = t + np.array([1000.0, 0.0, 0.0])
    s2 = t + np.array([0.0, 1000.0, 0.0])
    assert triangulation_sigma_m(s1, s2, t, 30e-6) == pytest.approx(30e-6 * 1e6 * math.sqrt(2.5), rel=1e-12)


def test_best_stereo_pair_picks_smallest_error():
    rng = np.random.default_rng(9)
    tgt = geodetic_to_ecef(35.0, 139.0, 40.0)
    sats = tgt + rng.normal(size=(6, 3)) * 1500.0 + up_vector(35.0, 139.0) * 1500.0
    sensors = [Sensor(stereo_min_angle_deg=20.0, angular_noise_urad=30.0),
               Sensor(stereo_min_angle_deg=30.0, angular_noise_urad=60.0)]
    sidx = np.array([0, 1, 0, 1, 0, 1])
    table = sensor_table(sensors)
    i, j, gamma, sigma = best_stereo_pair(sats, np.arange(6), 6, sidx, table, tgt)
    best = (math.inf, None)
    for a in range(6):
        for b in range(a + 1, 6):
            th = max(sensors[sidx[a]].stereo_min_angle_deg, sensors[sidx[b]].stereo_min_angle_deg)
            ang = naive_convergence_deg(sats[a], sats[b], tgt)
            if th <= ang <= 180 - th:
                s = naive_triangulation_sigma_m(sats[a], sats[b], tgt, sensors[sidx[a]].angular_noise_urad * 1e-6,
                                                sensors[sidx[b]].angular_noise_urad * 1e-6)
                if s < best[0]:
                    best = (s, (a, b), ang)
    assert (i, j) == best[1]
    assert sigma == pytest.approx(best[0], rel=1e-9)
    assert math.degrees(gamma) == pytest.approx(best[2], abs=1e-9)
    assert best_stereo_pair(sats, np.arange(1), 1, sidx, table, tgt)[0] == -1


def test_elevation_and_off_nadir_helpers():
    t = geodetic_to_ecef(0.0, 0.0, 0.0)
    up = up_vector(0.0, 0.0)
    sat = t + up * 1000.0
    assert elevation_rad(sat, t, up) == pytest.approx(math.pi / 2)
    assert off_nadir_rad(sat, t) == pytest.approx(0.0, abs=one_microradian)
    assert slant_range_km(sat, t) == pytest.approx(1000.0)
