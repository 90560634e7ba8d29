"""Threat library: validation, lookup and great-circle distances."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from pyproj import Geod

from hgv_models import threats as T
from hgv_models.threats import (
    R_EARTH_MEAN_KM,
    THREAT_LIBRARY,
    Threat,
    ThreatError,
    great_circle_distance_km,
    threat,
)

ONE_METRE_KM = 1e-3
SPHERE_VS_ELLIPSOID_REL = 6e-3   # a sphere differs from the WGS84 geodesic by <= ~0.5 %
WGS84 = Geod(ellps="WGS84")


def test_closed_form_distances():
    # quarter meridian and half equator on the sphere: pi R / 2 and pi R
    assert great_circle_distance_km(0.0, 0.0, 90.0, 0.0) == pytest.approx(
        math.pi * R_EARTH_MEAN_KM / 2, abs=ONE_METRE_KM)
    assert great_circle_distance_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(
        math.pi * R_EARTH_MEAN_KM, abs=ONE_METRE_KM)
    # one degree of equator, and a tiny separation (haversine is well conditioned)
    assert great_circle_distance_km(0.0, 10.0, 0.0, 11.0) == pytest.approx(
        2 * math.pi * R_EARTH_MEAN_KM / 360, abs=ONE_METRE_KM)
    assert great_circle_distance_km(35.0, 139.0, 35.0, 139.0 + 1e-7) == pytest.approx(
        R_EARTH_MEAN_KM * math.radians(1e-7) * math.cos(math.radians(35.0)), rel=1e-6)
    # symmetric, vectorised with broadcasting
    d = great_circle_distance_km(np.array([10.0, 20.0]), 100.0, 30.0, np.array([[120.0], [130.0]]))
    assert d.shape == (2, 2)
    assert great_circle_distance_km(30.0, 120.0, 10.0, 100.0) == pytest.approx(d[0, 0])


@pytest.mark.parametrize("t", list(THREAT_LIBRARY.values()), ids=lambda t: t.name)
def test_library_ranges_match_wgs84_geodesic_and_docstring(t):
    _, _, geodesic_m = WGS84.inv(t.launch_lon_deg, t.launch_lat_deg, t.aim_lon_deg, t.aim_lat_deg)
    assert t.ground_range_km == pytest.approx(geodesic_m / 1e3, rel=SPHERE_VS_ELLIPSOID_REL)
    # the module docstring table lists the rounded spherical range on the threat's row
    rows = [line for line in T.__doc__.splitlines() if line.startswith(t.name.split("-")[0])]
    listed = [int(m) for row in rows for m in re.findall(r"\s(\d{3,4})$", row)]
    assert round(t.ground_range_km) in listed


def test_library_covers_the_region():
    aims = " ".join(t.description for t in THREAT_LIBRARY.values())
    for place in ("Tokyo", "Kadena", "Guam", "Taipei", "Pyeongtaek"):
        assert place in aims
    for t in THREAT_LIBRARY.values():
        assert t.vehicle == "cav-h"
        assert 500.0 < t.ground_range_km < 6000.0


def test_lookup_and_unknown_name_lists_valid_names():
    assert threat("SICHUAN-TAIPEI") is THREAT_LIBRARY["sichuan-taipei"]
    with pytest.raises(ThreatError) as e:
        threat("nowhere")
    msg = str(e.value)
    assert "nowhere" in msg
    for name in THREAT_LIBRARY:
        assert name in msg


@pytest.mark.parametrize("kwargs, field", [
    (dict(launch_lat_deg=91.0), "launch_lat_deg"),
    (dict(aim_lat_deg=float("nan")), "aim_lat_deg"),
    (dict(launch_lon_deg=-200.0), "launch_lon_deg"),
    (dict(aim_lon_deg="east"), "aim_lon_deg"),
    (dict(name=""), "name"),
    (dict(vehicle="paper-plane"), "vehicle"),
])
def test_validation_names_the_field(kwargs, field):
    base = dict(name="x", launch_lat_deg=40.0, launch_lon_deg=116.0, aim_lat_deg=35.68,
                aim_lon_deg=139.77)
    base.update(kwargs)
    with pytest.raises(ValueError, match=field):
        Threat(**base)


def test_launch_and_aim_too_close():
    with pytest.raises(ThreatError, match="km apart"):
        Threat("short", 35.0, 139.0, 35.1, 139.1)


def test_fly_threat_delegates_with_library_name(monkeypatch):
    import hgv_models.flight as flight

    seen = {}

    def fake(th, rotating_earth=True, sample_step_s=2.0, **kw):
        seen.update(threat=th, rotating_earth=rotating_earth, step=sample_step_s, kw=kw)
        return "trajectory"

    monkeypatch.setattr(flight, "fly_threat", fake)
    assert T.fly_threat("central-china-guam", rotating_earth=False, sample_step_s=5.0,
                        bank_deg=10.0) == "trajectory"
    assert seen["threat"] is THREAT_LIBRARY["central-china-guam"]
    assert seen["rotating_earth"] is False and seen["step"] == 5.0
    assert seen["kw"] == {"bank_deg": 10.0}
