"""Ground radar: 4/3-Earth horizon, site model, first detection of a trajectory."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.optimize import brentq

from hgv_models.radar import (
    JAPAN_RADAR_SITES,
    RadarError,
    RadarSite,
    first_radar_detection_s,
    radar_horizon_km,
    radar_visibility_matrix,
    radar_visible,
)

R_KM = 6371.0088
ONE_METRE_KM = 1e-3


def test_design_example_30m_antenna_40km_glider():
    # sqrt(2 * 4/3 * 6371.0088 * 0.03) + sqrt(2 * 4/3 * 6371.0088 * 40)
    #   = 22.5905... + 824.348... = 846.939 km  ("~850 km" in DESIGN.md)
    expect = math.sqrt(2 * 4 / 3 * R_KM * 0.03) + math.sqrt(2 * 4 / 3 * R_KM * 40.0)
    assert expect == pytest.approx(846.939, abs=0.001)
    assert radar_horizon_km(0.03, 40.0) == pytest.approx(expect, abs=ONE_METRE_KM)


def test_no_refraction_matches_exact_tangent_geometry():
    # k = 1: tangent length sqrt((R+h)^2 - R^2) = sqrt(2Rh + h^2); the formula drops h^2,
    # a relative error of h / (4R) per leg
    for h in (0.01, 1.0, 20.0, 60.0):
        exact = math.sqrt(2 * R_KM * h + h * h)  # = sqrt((R+h)^2 - R^2), no cancellation
        got = radar_horizon_km(0.0, h, k=1.0)
        assert got == pytest.approx(exact, rel=h / (4 * R_KM) + 1e-12)
    # refraction stretches the horizon by sqrt(4/3)
    assert radar_horizon_km(0.1, 30.0) == pytest.approx(
        math.sqrt(4 / 3) * radar_horizon_km(0.1, 30.0, k=1.0), rel=1e-12)


def test_horizon_shapes_and_below_ground():
    d = radar_horizon_km(np.array([0.0, 0.03]), np.array([[0.0], [40.0]]))
    assert d.shape == (2, 2)
    assert d[0, 0] == 0.0
    assert math.isnan(radar_horizon_km(0.03, -1.0))
    with pytest.raises(RadarError, match="antenna_height_km"):
        radar_horizon_km(-0.1, 40.0)
    with pytest.raises(RadarError, match="k="):
        radar_horizon_km(0.03, 40.0, k=0.0)


def _meridian_track(site_lat, site_lon, start_km, speed_km_s, altitude_km, step_s=0.1,
                    duration_s=None):
    """Target flying due south along the site's meridian toward it."""
    duration_s = start_km / speed_km_s if duration_s is None else duration_s
    t = np.arange(0.0, duration_s, step_s)
    ground = start_km - speed_km_s * t
    lat = site_lat + np.degrees(ground / R_KM)
    return SimpleNamespace(time_s=t, lat_deg=lat, lon_deg=np.full_like(t, site_lon),
                           altitude_km=np.full_like(t, altitude_km))


def test_first_detection_of_straight_line_inbound_glider():
    site = RadarSite("test", 35.0, 135.0, antenna_height_m=30.0, max_range_km=3000.0)
    traj = _meridian_track(35.0, 135.0, 2000.0, 2.0, 40.0, step_s=0.1)
    t_expect = (2000.0 - radar_horizon_km(0.03, 40.0)) / 2.0  # 576.53 s
    t = first_radar_detection_s(traj, [site])
    assert t == pytest.approx(t_expect, abs=0.1 + 1e-9)  # one sample step
    assert t >= t_expect


def test_first_detection_limited_by_max_range():
    site = RadarSite("short", 35.0, 135.0, antenna_height_m=30.0, max_range_km=500.0)
    traj = _meridian_track(35.0, 135.0, 2000.0, 2.0, 40.0, step_s=0.1)

    def slant(ground_km):  # independent: Cartesian points on the sphere
        th = ground_km / R_KM
        a = np.array([0.0, R_KM + 0.03])
        b = (R_KM + 40.0) * np.array([math.sin(th), math.cos(th)])
        return float(np.linalg.norm(b - a))

    ground_at_500 = brentq(lambda g: slant(g) - 500.0, 1.0, 1000.0, xtol=1e-9)
    t_expect = (2000.0 - ground_at_500) / 2.0
    assert first_radar_detection_s(traj, site) == pytest.approx(t_expect, abs=0.1 + 1e-9)


def test_never_visible_is_nan_and_low_target_is_late():
    site = RadarSite("test", 35.0, 135.0, antenna_height_m=30.0, max_range_km=3000.0)
    far = _meridian_track(35.0, 135.0, 3000.0, 2.0, 40.0, duration_s=500.0)  # stays > 2000 km
    assert math.isnan(first_radar_detection_s(far, [site]))
    low = _meridian_track(35.0, 135.0, 2000.0, 2.0, 20.0)
    high = _meridian_track(35.0, 135.0, 2000.0, 2.0, 60.0)
    assert first_radar_detection_s(low, [site]) > first_radar_detection_s(high, [site])


def test_visibility_matrix_and_any_site():
    a = RadarSite("a", 35.0, 135.0, 30.0, 3000.0)
    b = RadarSite("b", 30.0, 135.0, 30.0, 3000.0)  # ~556 km south of a
    traj = _meridian_track(35.0, 135.0, 2000.0, 2.0, 40.0, step_s=1.0)
    m = radar_visibility_matrix(traj, [a, b])
    assert m.shape == (2, traj.time_s.size)
    assert np.array_equal(radar_visible(traj, [a, b]), m[0] | m[1])
    assert m[0].sum() > m[1].sum()


def test_japan_sites_and_validation():
    assert len(JAPAN_RADAR_SITES) >= 4
    names = " ".join(s.name for s in JAPAN_RADAR_SITES)
    for place in ("Shimokoshikijima", "Sado", "Ominato", "Yozadake"):
        assert place in names
    for s in JAPAN_RADAR_SITES:
        assert 24.0 < s.lat_deg < 46.0 and 122.0 < s.lon_deg < 146.0
        assert "approximate" in s.description
    with pytest.raises(RadarError, match="lat_deg"):
        RadarSite("x", 95.0, 135.0, 30.0, 1000.0)
    with pytest.raises(RadarError, match="max_range_km"):
        RadarSite("x", 35.0, 135.0, 30.0, 0.0)
    with pytest.raises(RadarError, match="antenna_height_m"):
        RadarSite("x", 35.0, 135.0, -5.0, 1000.0)
    with pytest.raises(RadarError, match="time_s"):
        first_radar_detection_s(SimpleNamespace(lat_deg=[1.0], lon_deg=[1.0], altitude_km=[1.0]))
