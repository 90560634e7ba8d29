"""Vehicles, trajectory container and derived quantities (heating, temperature, loads)."""

import math

import numpy as np
import pytest

from hgv_models import CAV_H, HTV2, Trajectory, Vehicle, glide, vehicle_by_name
from hgv_models.atmosphere import us1976
from hgv_models.trajectory import PHASE_GLIDE, geodetic_to_ecef_km
from tests import naive_hgv


def test_htv2_parameters_tracy_wright():
    assert HTV2.lift_to_drag == 2.6
    assert HTV2.ballistic_coefficient_kg_m2 == 13000.0
    assert HTV2.max_lift_to_drag() == 2.6


def test_cav_h_mass_area_and_fit():
    assert CAV_H.mass_kg == pytest.approx(907.2)
    assert CAV_H.reference_area_m2 == pytest.approx(0.4839)
    # hand-evaluated fit at alpha = 10 deg: C_L = -0.041065 + 0.16292 + 0.02602
    cl, cd = CAV_H.coefficients(10.0, 10.0)
    assert cl == pytest.approx(0.147875, abs=1e-6)
    assert cd == pytest.approx(0.080505 - 0.03026 * 0.147875 + 0.86495 * 0.147875 ** 2, abs=1e-6)
    # table Mach nodes and in between give the same (Mach-independent fit)
    for mach in (4.0, 7.3, 12.0, 27.0):
        assert CAV_H.coefficients(mach, 10.0)[0] == pytest.approx(cl, abs=1e-12)


def test_cav_h_max_lift_to_drag():
    alpha = naive_hgv.cav_h_best_alpha_deg()
    cl, cd = naive_hgv.cav_h_coefficients(alpha)
    assert CAV_H.max_lift_to_drag(10.0) == pytest.approx(cl / cd, rel=1e-4)
    assert CAV_H.best_alpha_deg(10.0) == pytest.approx(alpha, abs=0.13)  # 0.25 deg grid
    assert 1.9 < cl / cd < 2.1


def test_table_vehicle_with_mach_dependence():
    """A user table that varies with Mach is interpolated bilinearly."""
    veh = Vehicle(mass_kg=1000.0, reference_area_m2=1.0, mach_grid=[5.0, 15.0],
                  alpha_deg_grid=[0.0, 20.0], cl_table=[[0.0, 0.4], [0.0, 0.2]],
                  cd_table=[[0.05, 0.25], [0.05, 0.15]], name="test")
    cl, cd = veh.coefficients(10.0, 10.0)
    assert cl == pytest.approx(0.15)
    assert cd == pytest.approx(0.125)
    # clamped outside the table
    assert veh.coefficients(30.0, 10.0)[0] == pytest.approx(0.1)


@pytest.mark.parametrize("kw,key", [
    (dict(lift_to_drag=-1.0, ballistic_coefficient_kg_m2=1e4), "lift_to_drag"),
    (dict(lift_to_drag=2.0), "ballistic_coefficient_kg_m2"),
    (dict(lift_to_drag=2.0, ballistic_coefficient_kg_m2=1e4, emissivity=1.5), "emissivity"),
    (dict(lift_to_drag=2.0, ballistic_coefficient_kg_m2=1e4, nose_radius_m=0.0), "nose_radius_m"),
    (dict(mass_kg=1.0, reference_area_m2=1.0, mach_grid=[5.0], alpha_deg_grid=[0.0, 1.0],
          cl_table=[[0.0, 0.1, 0.2]], cd_table=[[0.1, 0.1, 0.1]]), "cl_table"),
    (dict(cl_table=[[0.0]], cd_table=[[0.1]]), "mass_kg"),
])
def test_vehicle_validation(kw, key):
    with pytest.raises(ValueError, match=key):
        Vehicle(**kw)


def test_vehicle_by_name():
    assert vehicle_by_name("CAV-H") is CAV_H
    assert vehicle_by_name("htv2") is HTV2
    assert vehicle_by_name(HTV2) is HTV2
    with pytest.raises(ValueError, match="vehicle='x-51'"):
        vehicle_by_name("x-51")


def test_heating_temperature_loads_along_glide():
    """Sutton-Graves, radiative equilibrium, dynamic pressure and load factor recomputed
    by hand at a few samples."""
    tr = glide(HTV2, 30.0, 120.0, 45.0, 5.5, 90.0, max_time_s=600.0)
    for i in (0, 100, 400):
        atm = us1976(tr.altitude_km[i])
        v = tr.speed_km_s[i] * 1000.0
        q = 1.7415e-4 * math.sqrt(atm.density_kg_m3 / HTV2.nose_radius_m) * v ** 3
        assert tr.heating_w_cm2[i] == pytest.approx(q / 1e4, rel=1e-9)
        t = (q / (HTV2.emissivity * 5.670374419e-8)) ** 0.25
        assert tr.surface_temperature_k[i] == pytest.approx(t, rel=1e-9)
        assert tr.dynamic_pressure_pa[i] == pytest.approx(0.5 * atm.density_kg_m3 * v ** 2,
                                                          rel=1e-9)
        assert tr.mach[i] == pytest.approx(v / atm.speed_of_sound_m_s, rel=1e-9)
        drag = atm.density_kg_m3 * v ** 2 / (2 * 13000.0)
        assert tr.load_factor_g[i] == pytest.approx(drag * math.hypot(1, 2.6) / 9.80665, rel=1e-9)
    # the published order of magnitude: thousands of kelvin at the nose at Mach ~17
    assert 2000.0 < tr.surface_temperature_k[0] < 4000.0
    assert np.all(tr.phase == PHASE_GLIDE)


def test_limit_flags():
    veh = Vehicle(lift_to_drag=2.6, ballistic_coefficient_kg_m2=13000.0, max_heating_w_cm2=100.0,
                  max_dynamic_pressure_pa=1e9, max_load_factor_g=1e9)
    tr = glide(veh, 0.0, 0.0, 45.0, 5.0, 90.0, max_time_s=300.0)
    flags = tr.limit_flags
    assert np.all((flags & 1) == (tr.heating_w_cm2 > 100.0))
    assert np.all((flags & 6) == 0)
    ex = tr.limits_exceeded()
    assert set(ex) == {"max_heating_w_cm2"}
    assert ex["max_heating_w_cm2"][1] == pytest.approx(tr.heating_w_cm2.max())


def test_trajectory_ecef_against_skyfield_wgs84():
    from skyfield.api import wgs84

    lat = np.array([0.0, 35.68, -20.0, 60.0])
    lon = np.array([0.0, 139.77, -170.0, 10.0])
    alt = np.array([0.0, 40.0, 25.0, 80.0])
    xyz = geodetic_to_ecef_km(lat, lon, alt)
    for i in range(lat.size):
        ref = wgs84.latlon(lat[i], lon[i], elevation_m=alt[i] * 1000.0).itrs_xyz.km
        one_mm_km = 1e-6
        np.testing.assert_allclose(xyz[i], ref, atol=one_mm_km)
    assert xyz[0] == pytest.approx([6378.137, 0.0, 0.0])


def test_trajectory_resample_and_shape():
    tr = glide(HTV2, 10.0, 179.0, 45.0, 5.0, 90.0, output_step_s=1.0)  # crosses 180 deg
    rs = tr.resample(10.0)
    assert rs.time_s[0] == tr.time_s[0] and rs.time_s[-1] == tr.time_s[-1]
    assert np.all(np.diff(rs.time_s) <= 10.0 + 1e-9)
    i = 7
    assert rs.altitude_km[i] == pytest.approx(tr.altitude_km[70])
    # longitude interpolated across the antimeridian without a jump
    assert np.all(np.abs(np.diff(np.unwrap(np.radians(rs.lon_deg)))) < 0.1)
    assert rs.ecef_km().shape == (len(rs), 3)
    with pytest.raises(ValueError, match="step_s"):
        tr.resample(0.0)
    with pytest.raises(ValueError, match="lat_deg"):
        Trajectory(time_s=[0.0, 1.0], lat_deg=[0.0], lon_deg=[0, 0], altitude_km=[0, 0],
                   speed_km_s=[0, 0], mach=[0, 0], heading_deg=[0, 0], flight_path_deg=[0, 0],
                   phase=[1, 1], heating_w_cm2=[0, 0], surface_temperature_k=[0, 0],
                   dynamic_pressure_pa=[0, 0], load_factor_g=[0, 0])
