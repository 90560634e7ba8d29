"""IR signature: Planck band integrals, heating, and a glide-condition value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from hgv_models import _signature_kernels as SK
from hgv_models.atmosphere import us1976
from hgv_models.signature import (
    MWIR_BAND_UM,
    SWIR_BAND_UM,
    SignatureError,
    in_band_intensity_w_sr,
    planck_band_radiance_w_m2_sr,
    signature,
    stagnation_heat_flux_w_m2,
    surface_temperatures_k,
    irradiance_w_m2,
    trajectory_intensity_w_sr,
)
from tests.naive_atmosphere import naive_planck_band_radiance

H = 6.62607015e-34            # exact SI constants
C = 299792458.0
KB = 1.380649e-23
SIGMA = 2 * math.pi ** 5 * KB ** 4 / (15 * H ** 3 * C ** 2)  # = 5.670374419...e-8
SERIES_REL_TOL = 1e-12        # exact series vs closed form
QUAD_REL_TOL = 1e-9           # vs adaptive quadrature
WIEN_B_UM_K = 2897.771955     # CODATA Wien displacement constant, um K


def planck_lambda(lam_m, t):
    return 2 * H * C ** 2 / lam_m ** 5 / np.expm1(H * C / (lam_m * KB * t))


@pytest.mark.parametrize("t", [300.0, 1000.0, 1733.0, 3000.0, 6000.0])
def test_total_band_is_stefan_boltzmann(t):
    assert SIGMA == pytest.approx(5.670374419e-8, rel=1e-9)  # CODATA 2018 printed value
    got = planck_band_radiance_w_m2_sr(t, (1e-6, math.inf))
    assert got == pytest.approx(SIGMA * t ** 4 / math.pi, rel=SERIES_REL_TOL)


@pytest.mark.parametrize("t", [500.0, 1200.0, 2000.0, 3100.0])
@pytest.mark.parametrize("band", [SWIR_BAND_UM, MWIR_BAND_UM, (8.0, 12.0)])
def test_band_matches_scipy_quad_and_simpson(t, band):
    ref, _ = integrate.quad(lambda lam: planck_lambda(lam, t), band[0] * 1e-6, band[1] * 1e-6,
                            epsabs=0.0, epsrel=1e-13, limit=200)
    got = planck_band_radiance_w_m2_sr(t, band)
    assert got == pytest.approx(ref, rel=QUAD_REL_TOL)
    assert got == pytest.approx(naive_planck_band_radiance(t, *band, n=4000), rel=1e-8)


def test_band_additivity_and_tail_series_small_x():
    t = 2500.0
    a = planck_band_radiance_w_m2_sr(t, (1.0, 3.0))
    b = planck_band_radiance_w_m2_sr(t, (3.0, 7.0))
    assert a + b == pytest.approx(planck_band_radiance_w_m2_sr(t, (1.0, 7.0)), rel=1e-13)
    # G(x) small-x branch joins the series branch
    assert SK.planck_tail_integral(0.999e-3) == pytest.approx(SK.planck_tail_integral(1.001e-3),
                                                              rel=1e-9)
    assert SK.planck_tail_integral(0.0) == pytest.approx(math.pi ** 4 / 15, rel=1e-15)


def test_wien_peak_sits_in_the_band_with_most_radiance_per_um():
    t = 2000.0
    peak_um = WIEN_B_UM_K / t  # 1.449 um
    width = 0.02
    centres = np.linspace(0.8, 3.0, 221)
    per_um = [planck_band_radiance_w_m2_sr(t, (c - width / 2, c + width / 2)) for c in centres]
    best = centres[int(np.argmax(per_um))]
    assert best == pytest.approx(peak_um, abs=0.01)


def test_sutton_graves_and_radiative_equilibrium_closed_form():
    z, v, rn, eps = 40.0, 5.0, 0.1, 0.85
    rho = us1976(z).density_kg_m3
    q = 1.7415e-4 * math.sqrt(rho / rn) * (v * 1e3) ** 3
    assert stagnation_heat_flux_w_m2(z, v, nose_radius_m=rn) == pytest.approx(q, rel=1e-12)
    ts, tb = surface_temperatures_k(z, v, emissivity=eps, nose_radius_m=rn,
                                    body_heating_fraction=0.1)
    assert eps * SIGMA * ts ** 4 == pytest.approx(q, rel=1e-12)
    assert tb == pytest.approx(ts * 0.1 ** 0.25, rel=1e-12)
    # ~435 W/cm^2 and ~3080 K at the nose: the magnitude of HTV-class glide heating
    assert 400.0 < q / 1e4 < 470.0
    assert 3000.0 < ts < 3200.0


def test_intensity_is_sum_of_lambertian_emitters():
    z, v = 35.0, 5.5
    r = signature(z, v, emissivity=0.8, nose_radius_m=0.05, hot_area_m2=2.0,
                  body_heating_fraction=0.08)
    ln = planck_band_radiance_w_m2_sr(float(r.stagnation_temperature_k), SWIR_BAND_UM)
    lb = planck_band_radiance_w_m2_sr(float(r.body_temperature_k), SWIR_BAND_UM)
    expect = 0.8 * (ln * math.pi * 0.05 ** 2 + lb * 2.0)
    assert float(r.intensity_w_sr) == pytest.approx(expect, rel=1e-12)


US1976_RHO_40KM_KG_M3 = 3.9957e-3  # U.S. Standard Atmosphere 1976, Table I, Z = 40,000 m


def test_default_glide_value_from_first_principles():
    """Defaults at 40 km, 5 km/s rebuilt by hand: the printed US 1976 density, Sutton-Graves
    with k = 1.7415e-4, radiative equilibrium, f^(1/4) body temperature and the band
    radiance by adaptive quadrature of Planck's law, two Lambertian emitters.

    The printed density carries +-0.5 in its 5th digit (1.25e-5 relative) and I varies as
    ~rho^0.5 here, so the table alone allows 6e-6; measured 2.7e-6, allowed 1.5e-5."""
    eps, nose_radius_m, hot_area_m2, f = 0.85, 0.1, 1.0, 0.1  # documented defaults
    speed_m_s = 5000.0
    q_w_m2 = 1.7415e-4 * math.sqrt(US1976_RHO_40KM_KG_M3 / nose_radius_m) * speed_m_s ** 3
    t_nose_k = (q_w_m2 / (eps * SIGMA)) ** 0.25
    t_body_k = t_nose_k * f ** 0.25

    def band_radiance(t):
        return integrate.quad(lambda lam: planck_lambda(lam, t), 1.4e-6, 3.0e-6, epsabs=0.0,
                              epsrel=1e-13, limit=200)[0]

    body_w_sr = eps * band_radiance(t_body_k) * hot_area_m2
    expect_w_sr = eps * band_radiance(t_nose_k) * math.pi * nose_radius_m ** 2 + body_w_sr
    printed_density_rel = 1.5e-5
    got = in_band_intensity_w_sr(40.0, 5.0)
    assert got == pytest.approx(expect_w_sr, rel=printed_density_rel)
    # inside the 3-370 kW/sr quoted for SWIR glide, and as the module docstring states:
    # "about 87 kW/sr in 1.4-3.0 um (71 kW/sr from the body)"
    assert 3e3 < got < 370e3
    assert round(got / 1e3) == 87 and round(body_w_sr / 1e3) == 71


def test_trajectory_object_and_shapes():
    class T:
        altitude_km = np.array([60.0, 45.0, 30.0, 0.5])
        speed_km_s = np.array([6.0, 5.5, 4.0, 2.0])

    a = trajectory_intensity_w_sr(T())
    b = in_band_intensity_w_sr(T())
    assert a.shape == (4,) and np.allclose(a, b)
    assert in_band_intensity_w_sr(np.full((2, 3), 40.0), 5.0).shape == (2, 3)
    assert isinstance(in_band_intensity_w_sr(40.0, 5.0), float)
    # faster and lower is brighter
    assert in_band_intensity_w_sr(30.0, 6.0) > in_band_intensity_w_sr(40.0, 5.0)


def test_validation_names_parameter():
    with pytest.raises(SignatureError, match="emissivity"):
        in_band_intensity_w_sr(40.0, 5.0, emissivity=1.5)
    with pytest.raises(SignatureError, match="band_um"):
        in_band_intensity_w_sr(40.0, 5.0, band_um=(3.0, 1.0))
    with pytest.raises(SignatureError, match="speed_km_s"):
        in_band_intensity_w_sr(40.0, -1.0)
    with pytest.raises(SignatureError, match="altitude_km"):
        in_band_intensity_w_sr(-10.0, 5.0)
    with pytest.raises(SignatureError, match="speed_km_s"):
        in_band_intensity_w_sr(40.0)
    with pytest.raises(ValueError, match="body_heating_fraction"):
        in_band_intensity_w_sr(40.0, 5.0, body_heating_fraction=2.0)


def test_irradiance_inverse_square():
    # 100 kW/sr at 2000 km: 1e5 / (2e6 m)^2 = 2.5e-8 W/m^2
    assert irradiance_w_m2(1e5, 2000.0) == pytest.approx(2.5e-8, rel=1e-15)
    assert irradiance_w_m2(np.array([1e5, 4e5]), 1000.0).shape == (2,)
    with pytest.raises(SignatureError, match="range_km"):
        irradiance_w_m2(1e5, 0.0)
