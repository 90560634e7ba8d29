"""SatelliteSet: from_elements (Kozai/Brouwer inversion), union, sensor_index, validation."""

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sgp4.api import Satrec

from orbits import SatelliteError, SatelliteSet, propagate, time_grid
from orbits.constants import WGS72_A_KM

one_cm_km = 1e-5

ISS = ("1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991",
       "2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482")


def test_from_elements_reproduces_a_tle_satellite():
    """Elements read back from a TLE satrec rebuild the same SGP4 orbit (Kozai inversion)."""
    tle = SatelliteSet(["ISS"], [Satrec.twoline2rv(*ISS)])
    el = tle.elements()
    sr = tle.satrecs[0]
    epoch_dt = (datetime(2000, 1, 1, 12, tzinfo=timezone.utc)
                + timedelta(days=sr.jdsatepoch - 2451545.0) + timedelta(days=sr.jdsatepochF))
    rebuilt = SatelliteSet.from_elements(
        ["ISS2"], el["semi_major_axis_km"], el["eccentricity"], el["inclination_deg"],
        el["raan_deg"], el["arg_perigee_deg"], el["mean_anomaly_deg"], epoch_dt,
        bstar=el["bstar"])
    assert abs(rebuilt.satrecs[0].no_kozai - tle.satrecs[0].no_kozai) < 1e-13
    grid = time_grid("2019-12-09T17:00:00Z", 300.0, count=288)
    d = np.abs(propagate(tle, grid).positions_km - propagate(rebuilt, grid).positions_km).max()
    assert d < one_cm_km  # epoch is carried to 1 us by datetime: < 8 mm along track


def test_requested_semi_major_axis_is_sgp4_mean_axis():
    sats = SatelliteSet.from_elements(["eq", "polar"], WGS72_A_KM + 1000.0, 0.0, [0.0, 90.0],
                                      0.0, 0.0, 0.0, "2026-11-21T00:00:00Z")
    np.testing.assert_allclose(sats.elements()["semi_major_axis_km"], WGS72_A_KM + 1000.0,
                               rtol=0, atol=1e-9)
    # the Kozai mean motion differs from sqrt(GM/a^3) by the J2 term (largest at i = 0)
    n_kep = np.sqrt(398600.8 / (WGS72_A_KM + 1000.0) ** 3) * 60.0
    dk = np.array([s.no_kozai for s in sats.satrecs]) / n_kep - 1.0
    assert dk[0] > 5e-4 and dk[1] < 0


def test_union_subset_and_sensor_index():
    a = SatelliteSet.from_elements(["A1", "A2"], 7000.0, 0.0, 53.0, [0, 90], 0, 0,
                                   "2026-11-21T00:00:00Z", sensor_index=1, source="shell A")
    b = SatelliteSet.from_elements(["B1"], 7400.0, 0.0, 86.0, 0, 0, 0, "2026-11-21T00:00:00Z")
    u = a + b
    assert len(u) == 3 and u.names == ["A1", "A2", "B1"]
    assert list(u.sensor_index) == [1, 1, 0]
    assert u.source == ["shell A", "shell A", "elements"]
    assert sum([a, b]).names == u.names
    s = u[[2, 0]]
    assert s.names == ["B1", "A1"] and list(s.sensor_index) == [0, 1]
    el = u.elements()
    np.testing.assert_allclose(el["raan_deg"], [0, 90, 0], atol=1e-12)
    np.testing.assert_allclose(el["inclination_deg"], [53, 53, 86], atol=1e-12)


@pytest.mark.parametrize("kw,match", [
    (dict(eccentricity=1.0), "eccentricity=1.0"),
    (dict(inclination_deg=181.0), "inclination_deg=181.0"),
    (dict(semi_major_axis_km=6300.0), "semi_major_axis_km=6300.0"),
    (dict(raan_deg=np.nan), "raan_deg"),
])
def test_from_elements_validation(kw, match):
    args = dict(semi_major_axis_km=7000.0, eccentricity=0.0, inclination_deg=50.0,
                raan_deg=0.0, arg_perigee_deg=0.0, mean_anomaly_deg=0.0)
    args.update(kw)
    with pytest.raises(SatelliteError, match=match):
        SatelliteSet.from_elements(["x"], epoch_utc="2026-11-21T00:00:00Z", **args)


def test_constructor_validation():
    with pytest.raises(SatelliteError, match="names"):
        SatelliteSet(["a", "b"], [Satrec.twoline2rv(*ISS)])
    with pytest.raises(SatelliteError, match="sensor_index"):
        SatelliteSet(["a"], [Satrec.twoline2rv(*ISS)], sensor_index=[-1])
