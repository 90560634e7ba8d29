"""Element shells in an inertial frame (issue 18): ``frame = "teme" | "gcrf"``.

Independent references: astropy's GCRS <-> TEME transform (the project rotates with
skyfield's TEME), ERFA's frame-bias matrix, a textbook state -> elements conversion written
out here, and a written-out first-order J2 secular propagation with skyfield's Earth
rotation and an elevation test for the STK-like example.
"""
from __future__ import annotations

import contextlib
import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from constellation import Sensor, access_intervals, load_points
from constellation.elements import (FRAME_ALIASES, ElementsError, coe_to_rv, element_frame,
                                    mean_to_true_anomaly, satellites_from_elements)
from hgvcov.scenario import scenario_from_toml
from hgvcov.scenario.schema import ELEMENT_FRAME_ALIASES
from orbits.frames import gcrf_to_teme, gcrf_to_teme_matrix, teme_to_gcrf
from orbits.timegrid import time_grid

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STK_TOML = EXAMPLES / "stk_access.toml"
STK_POINTS = EXAMPLES / "stk_access_points.csv"

#: Measured agreement with astropy: 0.44 mm in position (float rounding of two different
#: chains: skyfield's GCRS -> true-of-date -> TEME and astropy's GCRS -> CIRS -> ITRS ->
#: TEME). Tolerance: ten times that, far below the 0.78 m of the J2000 frame bias, the
#: first real frame difference that would show.
five_mm_km = 5e-6
#: Measured 0.052-0.055 mm/s: astropy keeps the velocity term of TEME's own slow turning
#: (precession, 7.7e-12 rad/s x 7,000 km = 0.054 mm/s) that skyfield and Vallado's
#: teme2eci leave out (orbits.frames.gcrf_to_teme). Tolerance: four times the term.
point_two_mm_s_km_s = 2e-7

# ISS (ZARYA), the TLE printed in skyfield's documentation (examples/stk_access.toml)
ISS_L1 = "1 25544U 98067A   14020.93268519  .00009878  00000-0  18200-3 0  5082"
ISS_L2 = "2 25544  51.6498 109.4756 0003572  55.9686 274.8005 15.49815350868473"


pytestmark = pytest.mark.filterwarnings("ignore::astropy.utils.exceptions.AstropyWarning",
                                        "ignore::erfa.ErfaWarning")


@contextlib.contextmanager
def _astropy_offline():
    """No IERS download; times past the bundled IERS table allowed. Polar motion and UT1
    cancel in GCRS -> ITRS -> TEME (the same polar-motion matrix on both legs; ERA - GMST82
    changes with UT1 only at 1e-11 rad per second of UT1 error)."""
    from astropy.utils import iers
    with iers.conf.set_temp("auto_download", False), \
            iers.conf.set_temp("iers_degraded_accuracy", "ignore"):
        yield


def astropy_gcrs_to_teme(r_km, v_km_s, epoch_iso):
    """(r, v) GCRS -> TEME with astropy (positions and velocities transformed together)."""
    from astropy import units as u
    from astropy.coordinates import GCRS, TEME, CartesianDifferential, CartesianRepresentation
    from astropy.time import Time
    with _astropy_offline():
        t = Time(epoch_iso.rstrip("Z"), scale="utc")
        rep = CartesianRepresentation(
            np.asarray(r_km) * u.km, differentials=CartesianDifferential(np.asarray(v_km_s) * u.km / u.s))
        out = GCRS(rep, obstime=t).transform_to(TEME(obstime=t))
        return out.cartesian.xyz.to_value(u.km), out.velocity.d_xyz.to_value(u.km / u.s)


def astropy_teme_to_gcrs_matrix(epoch_iso):
    """TEME -> GCRS rotation matrix from astropy (the three unit vectors transformed)."""
    from astropy import units as u
    from astropy.coordinates import GCRS, TEME, CartesianRepresentation
    from astropy.time import Time
    with _astropy_offline():
        t = Time(epoch_iso.rstrip("Z"), scale="utc")
        rep = CartesianRepresentation(np.eye(3) * u.km)   # columns: x, y, z unit vectors
        g = TEME(rep, obstime=t).transform_to(GCRS(obstime=t))
        return g.cartesian.xyz.to_value(u.km)             # (3, 3): column j = image of e_j


def rv2coe(r, v, mu=398600.4418):
    """Textbook state -> classical elements (Vallado 4th ed., Algorithm 9, RV2COE), for
    inclined elliptic orbits: (a km, e, i, raan, argp, M) in degrees."""
    r, v = np.asarray(r, float), np.asarray(v, float)
    rn, vn = np.linalg.norm(r), np.linalg.norm(v)
    h = np.cross(r, v)
    n = np.cross([0.0, 0.0, 1.0], h)
    e_vec = ((vn * vn - mu / rn) * r - (r @ v) * v) / mu
    e = np.linalg.norm(e_vec)
    a = 1.0 / (2.0 / rn - vn * vn / mu)
    i = math.acos(h[2] / np.linalg.norm(h))
    raan = math.acos(n[0] / np.linalg.norm(n))
    if n[1] < 0:
        raan = 2 * math.pi - raan
    argp = math.acos(np.clip(n @ e_vec / (np.linalg.norm(n) * e), -1, 1))
    if e_vec[2] < 0:
        argp = 2 * math.pi - argp
    nu = math.acos(np.clip(e_vec @ r / (e * rn), -1, 1))
    if r @ v < 0:
        nu = 2 * math.pi - nu
    E = 2 * math.atan2(math.sqrt(1 - e) * math.sin(nu / 2), math.sqrt(1 + e) * math.cos(nu / 2))
    M = (E - e * math.sin(E)) % (2 * math.pi)
    return a, e, math.degrees(i), math.degrees(raan), math.degrees(argp), math.degrees(M)


# ----------------------------------------------------------------------- (a) the rotation

@pytest.mark.parametrize("epoch", ["2000-01-01T12:00:00Z", "2014-01-20T22:23:04.000397Z",
                                   "2026-11-21T00:00:00Z", "2031-06-30T06:30:00Z"])
def test_gcrf_to_teme_matches_astropy(epoch):
    rng = np.random.default_rng(18)
    for _ in range(3):
        r = rng.normal(size=3)
        r *= rng.uniform(6700.0, 42200.0) / np.linalg.norm(r)
        v = rng.normal(size=3) * 4.0
        r_ours, v_ours = gcrf_to_teme(r, v, epoch)
        r_ref, v_ref = astropy_gcrs_to_teme(r, v, epoch)
        assert np.linalg.norm(r_ours - r_ref) < five_mm_km * np.linalg.norm(r) / 7000.0
        assert np.linalg.norm(v_ours - v_ref) < point_two_mm_s_km_s * np.linalg.norm(r) / 7000.0
        # the inverse is the transpose, and the rotation keeps lengths
        r_back, v_back = teme_to_gcrf(r_ours, v_ours, epoch)
        assert np.allclose(r_back, r, atol=1e-9) and np.allclose(v_back, v, atol=1e-12)


def test_rotation_is_precession_nutation_sized():
    """GCRF and TEME differ by ~50 arcsec per year of precession since J2000 (0.376 deg
    at 2026-11-21; 0.197 deg at 2014-01-20), the pole by ~20 arcsec per year."""
    for epoch, years in [("2014-01-20T22:23:04Z", 14.05), ("2026-11-21T00:00:00Z", 26.89)]:
        R = gcrf_to_teme_matrix(epoch)
        assert np.allclose(R @ R.T, np.eye(3), atol=1e-14)
        angle_arcsec = math.degrees(math.acos((np.trace(R) - 1) / 2)) * 3600
        # general precession 50.29 arcsec/yr (IAU 2006), projected on the equator as
        # m = 46.1 arcsec/yr with n = 20.0 arcsec/yr of pole motion: |(m, n)| = 50.3 /yr;
        # nutation adds up to ~17 arcsec: 20 arcsec tolerance.
        assert angle_arcsec == pytest.approx(math.hypot(46.1, 20.0) * years, abs=20.0)
        tilt_arcsec = math.degrees(math.acos(R[2, 2])) * 3600
        assert tilt_arcsec == pytest.approx(20.04 * years, abs=10.0)


def test_j2000_frame_bias_is_negligible():
    """The aliases j2000/eme2000 are read as GCRF: the frame bias (ERFA's bp06 bias
    matrix) is 23.0 mas, 0.78 m at 7,000 km (~0.1 ms of LEO motion)."""
    erfa = pytest.importorskip("erfa")
    rb, _, _ = erfa.bp06(2451545.0, 0.0)
    angle_mas = math.degrees(math.acos((np.trace(rb) - 1) / 2)) * 3.6e6
    assert angle_mas == pytest.approx(23.0, abs=0.1)
    assert math.radians(angle_mas / 3.6e6) * 7000.0 < 0.8e-3      # km


# ----------------------------------------------------------------------- (b) round trip

THREE = [
    dict(name="SSO", altitude_km=550.0, eccentricity=0.001, inclination_deg=97.6,
         raan_deg=40.0, arg_perigee_deg=30.0, true_anomaly_deg=20.0),
    dict(name="LEO-53", altitude_km=800.0, eccentricity=0.01, inclination_deg=53.0,
         raan_deg=200.0, arg_perigee_deg=120.0, mean_anomaly_deg=250.0,
         epoch="2026-11-20T21:00:00Z"),
    dict(name="RETRO", altitude_km=1200.0, eccentricity=0.002, inclination_deg=120.0,
         raan_deg=310.0, arg_perigee_deg=80.0, true_anomaly_deg=300.0),
]
START = "2026-11-21T00:00:00Z"
#: Passes of the rotated shell against the original. The states differ by the astropy vs
#: skyfield rotation (0.4-0.5 mm at epoch, < 0.5 mm after a day, measured) and the passes
#: came out identical to the 1 ms of the output (measured: 0.000 s, 93 and 91 passes).
#: access_intervals reports rise and set at the midpoint of a 0.05 s bisection bracket, so
#: a sub-mm change can at worst flip one bisection step: tolerance one bracket, 0.05 s.
pass_tol_s = 0.05


def gcrf_shell_via_astropy(rows, element_type):
    """The shell's elements rotated TEME -> GCRS by astropy and re-read as elements."""
    out = []
    for d in rows:
        epoch = d.get("epoch", START)
        a = 6378.137 + d["altitude_km"]
        e = d["eccentricity"]
        M = math.radians(d["mean_anomaly_deg"]) if "mean_anomaly_deg" in d else None
        nu = (float(mean_to_true_anomaly(M, e)) if M is not None
              else math.radians(d["true_anomaly_deg"]))
        r, v = coe_to_rv(a, e, *np.radians([d["inclination_deg"], d["raan_deg"],
                                            d["arg_perigee_deg"]]), nu)
        A = astropy_teme_to_gcrs_matrix(epoch)
        a2, e2, i2, O2, w2, M2 = rv2coe(A @ r, A @ v)
        out.append(dict(name=d["name"], semi_major_axis_km=a2, eccentricity=e2,
                        inclination_deg=i2, raan_deg=O2, arg_perigee_deg=w2,
                        mean_anomaly_deg=M2, epoch=epoch))
    return out


@pytest.mark.parametrize("element_type,propagator", [("osculating", "sgp4"), ("mean", "j2")])
def test_gcrf_shell_reproduces_the_teme_passes(element_type, propagator):
    teme = satellites_from_elements(THREE, START, element_type=element_type)
    rotated = gcrf_shell_via_astropy(THREE, element_type)
    gcrf = satellites_from_elements(rotated, START, element_type=element_type, frame="gcrf")
    as_teme = satellites_from_elements(rotated, START, element_type=element_type)
    assert set(gcrf.source) == {f"elements ({element_type}, GCRF)"}
    # at epoch the SGP4 states agree: measured 0.4-0.5 mm (astropy vs skyfield rotation);
    # bound 2 mm = that plus the 1 mm position tolerance of the osculating fit
    two_mm_km = 2e-6
    for s1, s2 in zip(teme.satrecs, gcrf.satrecs):
        r1 = np.array(s1.sgp4_tsince(0.0)[1])
        r2 = np.array(s2.sgp4_tsince(0.0)[1])
        assert np.linalg.norm(r1 - r2) < two_mm_km
    grid = time_grid(START, 30.0, duration_s=86400.0)
    pts = load_points(str(STK_POINTS))
    sensor = Sensor(min_elevation_deg=10.0)
    a = access_intervals(teme, pts, grid, sensor, propagator)
    b = access_intervals(gcrf, pts, grid, sensor, propagator)
    c = access_intervals(as_teme, pts, grid, sensor, propagator)
    assert len(a) > 30
    assert len(a) == len(b)
    assert list(a.point) == list(b.point) and list(a.satellite) == list(b.satellite)
    assert np.abs(a.start_s.to_numpy() - b.start_s.to_numpy()).max() <= pass_tol_s
    assert np.abs(a.end_s.to_numpy() - b.end_s.to_numpy()).max() <= pass_tol_s
    # the same numbers read as TEME (the bug) miss by seconds: this test can fail
    m = a.merge(c, on=["point", "satellite"], suffixes=("", "_c"))
    m = m[(m.start_s - m.start_s_c).abs() < 300]
    assert (m.start_s - m.start_s_c).abs().max() > 1.0


# ----------------------------------------------------------------------- (c) aliases

def _elements_toml(frame_line):
    return f"""
[time]
start = "{START}"
duration_s = 3600
step_s = 60
[[constellation]]
kind = "elements"
{frame_line}
[[constellation.satellites]]
altitude_km = 550
inclination_deg = 53
[region]
lat_deg = [20, 40]
lon_deg = [120, 140]
step_deg = 10
"""


@pytest.mark.parametrize("value,frame", [("teme", "teme"), ("TEME", "teme"), ("gcrf", "gcrf"),
                                         ("GCRF", "gcrf"), ("icrf", "gcrf"), ("ICRF", "gcrf"),
                                         ("J2000", "gcrf"), (" j2000 ", "gcrf"),
                                         ("EME2000", "gcrf"), ("eme2000", "gcrf")])
def test_frame_aliases(value, frame):
    sc = scenario_from_toml(_elements_toml(f'frame = "{value}"'))
    assert sc.constellation[0].frame == frame
    assert element_frame(value) == frame
    sats = satellites_from_elements([dict(altitude_km=550, inclination_deg=53)], START,
                                    frame=value)
    ref = satellites_from_elements([dict(altitude_km=550, inclination_deg=53)], START,
                                   frame=frame)
    assert sats.satrecs[0].inclo == ref.satrecs[0].inclo
    assert sats.satrecs[0].nodeo == ref.satrecs[0].nodeo


def test_default_frame_is_teme_and_unchanged():
    sc = scenario_from_toml(_elements_toml(""))
    assert sc.constellation[0].frame == "teme"
    d = [dict(altitude_km=550, inclination_deg=53, raan_deg=40, true_anomaly_deg=10)]
    for et in ("osculating", "mean"):
        a = satellites_from_elements(d, START, element_type=et)
        b = satellites_from_elements(d, START, element_type=et, frame="teme")
        assert set(a.source) == set(b.source) == {f"elements ({et})"}
        assert a.satrecs[0].inclo == b.satrecs[0].inclo and a.satrecs[0].mo == b.satrecs[0].mo
    # mean TEME elements still go to SGP4 as given
    m = satellites_from_elements(d, START, element_type="mean").satrecs[0]
    assert math.degrees(m.inclo) == pytest.approx(53.0, abs=1e-5)
    assert math.degrees(m.nodeo) == pytest.approx(40.0, abs=1e-5)


def test_schema_and_engine_share_the_alias_table():
    assert ELEMENT_FRAME_ALIASES == FRAME_ALIASES


# ----------------------------------------------------------------------- (d) bad values

def test_bad_frame_api_error():
    with pytest.raises(ElementsError) as info:
        satellites_from_elements([dict(altitude_km=550, inclination_deg=53)], START,
                                 frame="B1950")
    assert info.value.key == "frame" and info.value.value == "B1950"
    assert "gcrf" in str(info.value) and "j2000" in str(info.value)


@pytest.mark.parametrize("line,shown", [('frame = "B1950"', "'B1950'"), ("frame = 2000", "2000")])
def test_bad_frame_cli_exits_2(tmp_path, line, shown):
    (tmp_path / "bad.toml").write_text(_elements_toml(line))
    proc = subprocess.run([sys.executable, "-m", "hgvcov", "run", "bad.toml", "-o", "out"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip()
    assert "Traceback" not in err and err.count("\n") == 0, err
    assert err.startswith("hgvcov: error: ")
    assert f"constellation[0].frame = {shown}" in err, err
    for allowed in ('"teme"', '"gcrf"', '"icrf"', '"j2000"', '"eme2000"'):
        assert allowed in err, err
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------- STK-like example

def _example_elements():
    data = tomllib.loads(STK_TOML.read_text())
    shell = data["constellation"][0]
    return data, shell, shell["satellites"][0]


def test_stk_example_elements_rederive_from_the_tle():
    """The example's GCRF mean elements are the TLE's SGP4 mean elements rotated at the
    epoch (here with astropy's rotation): equal to the printed 1e-6 deg / 1e-6 km."""
    from sgp4.api import Satrec
    data, shell, el = _example_elements()
    assert (data["time"]["propagator"], shell["element_type"], shell["frame"]) == \
        ("j2", "mean", "gcrf")
    s = Satrec.twoline2rv(ISS_L1, ISS_L2)
    a = s.a * 6378.135                       # Brouwer a'' (WGS72 radius), as SGP4 uses it
    nu = float(mean_to_true_anomaly(s.mo, s.ecco))
    r, v = coe_to_rv(a, s.ecco, s.inclo, s.nodeo, s.argpo, nu)
    A = astropy_teme_to_gcrs_matrix(el["epoch"])
    a2, e2, i2, O2, w2, M2 = rv2coe(A @ r, A @ v)
    # a from vis-viva with one mu in and out: exact up to rounding
    assert el["semi_major_axis_km"] == pytest.approx(a2, abs=1e-6)
    assert el["eccentricity"] == pytest.approx(e2, abs=1e-9)
    for key, val in [("inclination_deg", i2), ("raan_deg", O2), ("arg_perigee_deg", w2),
                     ("mean_anomaly_deg", M2)]:
        # printed to 6 decimals; ERFA vs skyfield adds < 1e-8 deg
        assert el[key] == pytest.approx(val, abs=1e-6), key
    # and the epoch is the TLE's (day 14020.93268519)
    from datetime import datetime, timezone
    ep = datetime.fromisoformat(el["epoch"].replace("Z", "+00:00"))
    jd = (ep - datetime(2014, 1, 1, tzinfo=timezone.utc)).total_seconds() / 86400 + 1
    assert jd == pytest.approx(20.93268519, abs=1e-8)


def j2_secular_passes(el, pole, mu, j2, r_eq_km, points, start_iso, duration_s,
                      min_elevation_deg=10.0):
    """Reference passes: first-order J2 secular drift (Vallado 4th ed. eqs. 9-41/9-42,
    written out) of ``el`` (GCRF mean elements) precessing about ``pole``
    ("gcrf": the GCRF z axis, STK's 'Inertial' propagation frame; "epoch": the true pole
    of the epoch, TEME at the epoch, STK's 'True of Epoch'), GCRF -> ITRS by skyfield, a
    geodetic elevation test on the WGS84 ellipsoid; crossings by brentq to 1e-4 s.
    """
    from scipy.optimize import brentq
    from skyfield.api import load
    from skyfield.framelib import itrs
    from skyfield.sgp4lib import TEME
    ts = load.timescale(builtin=True)
    ep = ts.from_datetime(pd.Timestamp(el["epoch"]).to_pydatetime())
    t0 = ts.from_datetime(pd.Timestamp(start_iso).to_pydatetime())

    def rot(axis, t):
        c, s = math.cos(t), math.sin(t)
        return (np.array([[1, 0, 0], [0, c, -s], [0, s, c]]) if axis == 1
                else np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]))

    i0, O0, w0 = np.radians([el["inclination_deg"], el["raan_deg"], el["arg_perigee_deg"]])
    pqw_to_gcrf = rot(3, O0) @ rot(1, i0) @ rot(3, w0)
    f_to_gcrf = np.eye(3) if pole == "gcrf" else np.array(TEME.rotation_at(ep)).T
    Rf = f_to_gcrf.T @ pqw_to_gcrf                        # PQW -> propagation frame
    inc = math.acos(Rf[2, 2])
    raan = math.atan2(Rf[0, 2], -Rf[1, 2])
    argp = math.atan2(Rf[2, 0], Rf[2, 1])
    a, e = el["semi_major_axis_km"], el["eccentricity"]
    n = math.sqrt(mu / a ** 3)
    k = j2 * (r_eq_km / (a * (1 - e * e))) ** 2
    ci = math.cos(inc)
    raan_dot = -1.5 * n * k * ci
    argp_dot = 0.75 * n * k * (5 * ci * ci - 1)
    m_dot = n * (1 + 0.75 * k * math.sqrt(1 - e * e) * (3 * ci * ci - 1))

    def itrs_km(sec):
        sec = np.atleast_1d(np.asarray(sec, float))
        t = ts.tt_jd(t0.tt + sec / 86400.0)
        dt = (t.tt - ep.tt) * 86400.0
        O = raan + raan_dot * dt
        u0 = argp + argp_dot * dt
        M = math.radians(el["mean_anomaly_deg"]) + m_dot * dt
        E = M.copy()
        for _ in range(30):
            E = E - (E - e * np.sin(E) - M) / (1 - e * np.cos(E))
        nu = 2 * np.arctan2(np.sqrt(1 + e) * np.sin(E / 2), np.sqrt(1 - e) * np.cos(E / 2))
        r = a * (1 - e * np.cos(E))
        u = u0 + nu
        x = r * (np.cos(O) * np.cos(u) - np.sin(O) * np.sin(u) * ci)
        y = r * (np.sin(O) * np.cos(u) + np.cos(O) * np.sin(u) * ci)
        z = r * np.sin(u) * math.sin(inc)
        r_gcrf = f_to_gcrf @ np.stack([x, y, z])
        return np.einsum("ijn,jn->in", itrs.rotation_at(t), r_gcrf)

    f = 1 / 298.257223563
    e2 = f * (2 - f)
    tgrid = np.arange(0.0, duration_s + 1e-9, 10.0)
    r_grid = itrs_km(tgrid)
    rows = []
    for _, p in points.iterrows():
        la, lo, h = math.radians(p.lat_deg), math.radians(p.lon_deg), p.altitude_km
        N = 6378.137 / math.sqrt(1 - e2 * math.sin(la) ** 2)
        P = np.array([(N + h) * math.cos(la) * math.cos(lo), (N + h) * math.cos(la) * math.sin(lo),
                      (N * (1 - e2) + h) * math.sin(la)])
        U = np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])

        def margin(r):
            d = r - P[:, None]
            return np.degrees(np.arcsin(U @ d / np.linalg.norm(d, axis=0))) - min_elevation_deg

        g = margin(r_grid)
        for j in np.nonzero(np.sign(g[:-1]) != np.sign(g[1:]))[0]:
            tc = brentq(lambda s: float(margin(itrs_km(s))[0]), tgrid[j], tgrid[j + 1], xtol=1e-4)
            if g[j] < 0:
                rows.append([p["name"], tc, np.nan])
            elif rows and rows[-1][0] == p["name"]:
                rows[-1][2] = tc
    return pd.DataFrame(rows, columns=["point", "start_s", "end_s"])


#: hgvcov's j2 against the written-out J2 about the epoch's true pole, same WGS72
#: constants: measured 0.014 s max. Tolerance 0.05 s: the 0.025 s of the access
#: refinement (rise/set at the midpoint of a 0.05 s bracket) twice.
same_model_tol_s = 0.05
#: STK's J2 with the 'Inertial' propagation frame precesses the orbit about the GCRF pole,
#: 0.079 deg from the 2014 pole of date, and uses EGM96 constants (mu 398600.4418, J2
#: 1.08262998905e-3, R 6378.137 km): measured 0.60 s at most after this day. Bound: 1 s.
inertial_pole_tol_s = 1.0


def test_stk_example_passes_match_a_written_out_j2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hgvcov", "run", str(STK_TOML), "-o",
                           str(tmp_path / "out"), "--no-maps"], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    acc = pd.read_csv(tmp_path / "out" / "accesses.csv")
    data, _, el = _example_elements()
    points = pd.read_csv(STK_POINTS, comment="#")
    assert set(acc.point) == set(points.name)             # every site sees the ISS
    assert not acc.clipped_start.any() and not acc.clipped_end.any()
    for pole, consts, tol in [("epoch", (398600.8, 0.001082616, 6378.135), same_model_tol_s),
                              ("gcrf", (398600.4418, 1.08262998905e-3, 6378.137),
                               inertial_pole_tol_s)]:
        ref = j2_secular_passes(el, pole, *consts, points, data["time"]["start"],
                                data["time"]["duration_s"])
        assert len(ref) == len(acc) == 28, (pole, len(ref), len(acc))
        assert list(ref.point) == list(acc.point)
        assert np.abs(ref.start_s.to_numpy() - acc.start_s.to_numpy()).max() <= tol, pole
        assert np.abs(ref.end_s.to_numpy() - acc.end_s.to_numpy()).max() <= tol, pole


def test_stk_example_equals_the_teme_tle_shell(tmp_path):
    """The GCRF shell reproduces the passes of the TEME shell it was rotated from: the
    TLE's own SGP4 mean elements (TEME) in an element shell, same propagator."""
    from sgp4.api import Satrec
    s = Satrec.twoline2rv(ISS_L1, ISS_L2)
    text = STK_TOML.read_text()
    data, _, el = _example_elements()
    teme_block = (f'\nframe = "teme"\n\n[[constellation.satellites]]\nname = "ISS (ZARYA)"\n'
                  f'epoch = "{el["epoch"]}"\nsemi_major_axis_km = {s.a * 6378.135!r}\n'
                  f"eccentricity = {s.ecco!r}\ninclination_deg = {math.degrees(s.inclo)!r}\n"
                  f"raan_deg = {math.degrees(s.nodeo)!r}\n"
                  f"arg_perigee_deg = {math.degrees(s.argpo)!r}\n"
                  f"mean_anomaly_deg = {math.degrees(s.mo)!r}\n\n[sensor]")
    head, tail = text.split('\nframe = "gcrf"', 1)
    teme_text = head + teme_block + tail.split("[sensor]", 1)[1]
    runs = {}
    for label, body in [("gcrf", text), ("teme", teme_text)]:
        sc = scenario_from_toml(body, base_dir=EXAMPLES)
        sats = sc.build_satellites()
        grid = time_grid(data["time"]["start"], 30.0, duration_s=86400.0)
        runs[label] = access_intervals(sats, load_points(str(STK_POINTS)), grid,
                                       Sensor(min_elevation_deg=10.0), "j2")
    a, b = runs["teme"], runs["gcrf"]
    assert len(a) == len(b) == 28
    # printed to 1e-6 deg (0.12 m at the ISS radius): same passes to the refinement
    assert np.abs(a.start_s.to_numpy() - b.start_s.to_numpy()).max() <= same_model_tol_s
    assert np.abs(a.end_s.to_numpy() - b.end_s.to_numpy()).max() <= same_model_tol_s
