"""Boost model and fly_threat: launch -> boost -> glide -> terminal dive onto the aim point."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from hgv_models import (PHASE_BOOST, PHASE_GLIDE, PHASE_TERMINAL, equilibrium_glide_altitude_km,
                        fly_threat, weave)
from hgv_models.boost import boost, destination
from hgv_models.flight import ThreatUnreachableError

R = 6371.0088
AIM_TOLERANCE_KM = 25.0  # the requirement


def haversine_km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R * math.asin(math.sqrt(h))


def _threats():
    try:
        from hgv_models.threats import THREAT_LIBRARY
        lib = list(THREAT_LIBRARY.values())
        if len(lib) >= 3:
            return [lib[0], lib[3 % len(lib)], lib[-2]]
    except ImportError:  # pragma: no cover
        pass
    return [SimpleNamespace(name="toward Tokyo", launch_lat_deg=40.0, launch_lon_deg=116.0,
                            aim_lat_deg=35.68, aim_lon_deg=139.77, vehicle="cav-h")]


GUAM_HTV2 = SimpleNamespace(name="HTV-2 toward Guam", launch_lat_deg=30.0, launch_lon_deg=105.0,
                            aim_lat_deg=13.44, aim_lon_deg=144.79, vehicle="htv2")


def check_flight(tr, threat):
    miss = haversine_km(tr.lat_deg[-1], tr.lon_deg[-1], threat.aim_lat_deg, threat.aim_lon_deg)
    assert miss <= AIM_TOLERANCE_KM
    assert tr.status == "impact"
    assert abs(tr.altitude_km[-1]) < 1e-6
    assert tr.time_s[0] == 0.0 and np.all(np.diff(tr.time_s) > 0)
    assert haversine_km(tr.lat_deg[0], tr.lon_deg[0], threat.launch_lat_deg,
                        threat.launch_lon_deg) < 1e-6
    # phases in order boost -> glide -> terminal, each present
    assert np.all(np.diff(tr.phase) >= 0)
    assert set(np.unique(tr.phase)) == {PHASE_BOOST, PHASE_GLIDE, PHASE_TERMINAL}
    assert np.all(np.isfinite(tr.heating_w_cm2)) and np.all(np.isfinite(tr.mach))
    glide = tr.phase == PHASE_GLIDE
    assert tr.mach[glide].max() > 5.0  # hypersonic glide
    return miss


@pytest.mark.parametrize("threat", _threats(), ids=lambda t: t.name)
def test_fly_threat_reaches_aim_rotating(threat):
    tr = fly_threat(threat, rotating_earth=True, sample_step_s=2.0)
    check_flight(tr, threat)
    # samples every 2 s within a phase (phase boundaries and impact add samples)
    assert np.median(np.diff(tr.time_s)) == pytest.approx(2.0)


def test_fly_threat_rotation_compensated_by_shooting():
    """Rotating and non-rotating flights both hit; the shooting picks a different
    release azimuth/speed because the Earth turns under the glider."""
    rot = fly_threat(GUAM_HTV2, rotating_earth=True)
    still = fly_threat(GUAM_HTV2, rotating_earth=False)
    check_flight(rot, GUAM_HTV2)
    check_flight(still, GUAM_HTV2)
    assert abs(rot.release["azimuth_deg"] - still.release["azimuth_deg"]) > 0.5
    # eastward flight: rotation helps, so less release speed is needed
    assert rot.release["speed_km_s"] < still.release["speed_km_s"]


def test_fly_threat_with_weaving_glide():
    threat = _threats()[0]
    tr = fly_threat(threat, bank_deg=weave(25.0, 180.0))
    check_flight(tr, threat)
    glide = tr.phase == PHASE_GLIDE
    assert np.nanmax(np.abs(tr.bank_deg[glide])) > 20.0


def test_fly_threat_unreachable_raises():
    near = SimpleNamespace(name="too close", launch_lat_deg=35.0, launch_lon_deg=135.0,
                           aim_lat_deg=35.5, aim_lon_deg=136.0, vehicle="cav-h")
    with pytest.raises(ThreatUnreachableError, match="too close"):
        fly_threat(near)
    far = SimpleNamespace(name="antipodal", launch_lat_deg=40.0, launch_lon_deg=116.0,
                          aim_lat_deg=-35.0, aim_lon_deg=-60.0, vehicle="cav-h")
    with pytest.raises(ValueError, match="max_release_speed_km_s"):
        fly_threat(far)
    with pytest.raises(ValueError, match="aim_lat_deg"):
        fly_threat(SimpleNamespace(name="bad", launch_lat_deg=0.0, launch_lon_deg=0.0,
                                   aim_lat_deg=95.0, aim_lon_deg=0.0, vehicle="htv2"))


def test_boost_reaches_release_state():
    h_r = equilibrium_glide_altitude_km("cav-h", 5.0)
    tr, rel = boost(40.0, 116.0, 95.0, 5.0, h_r, sample_step_s=1.0)
    assert rel["altitude_km"] == pytest.approx(h_r, abs=0.01)
    assert tr.speed_km_s[-1] == pytest.approx(5.0)
    assert rel["time_s"] == pytest.approx(5.0 / (3.5 * 9.80665e-3))
    assert np.all(tr.phase == PHASE_BOOST)
    assert tr.flight_path_deg[0] == pytest.approx(90.0)
    assert tr.flight_path_deg[-1] == pytest.approx(0.0, abs=1e-9)
    # release point lies on the launch azimuth's great circle at the boost ground range
    lat, lon, _ = destination(40.0, 116.0, 95.0, rel["ground_range_km"])
    assert haversine_km(lat, lon, rel["lat_deg"], rel["lon_deg"]) < 1e-6
    assert haversine_km(40.0, 116.0, rel["lat_deg"], rel["lon_deg"]) == pytest.approx(
        rel["ground_range_km"], rel=1e-9)
    with pytest.raises(ValueError, match="release_altitude_km"):
        boost(40.0, 116.0, 95.0, 2.0, 190.0)


def test_fly_threat_high_release_skips_and_still_hits():
    threat = _threats()[0]
    tr = fly_threat(threat, release_altitude_km=80.0)
    check_flight(tr, threat)
    assert tr.release["altitude_km"] == pytest.approx(80.0, abs=0.01)
    a = tr.altitude_km[tr.phase == PHASE_GLIDE]
    trough = int(np.argmin(a[: len(a) // 2]))
    assert a[trough] < 45.0 and a[trough:].max() > a[trough] + 10.0  # dips, then skips up
