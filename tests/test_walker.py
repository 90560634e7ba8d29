"""Walker delta/star builders against hand-computed element tables and SGP4 geometry."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from constellation.walker import WalkerError, walker, walker_elements, export

exact_deg = 1e-9  # element tables are exact arithmetic on multiples of 360/T


def _table(raan, ma, planes):
    """Reshape (T,) arrays to (P, S) for comparison with hand tables."""
    return raan.reshape(planes, -1), ma.reshape(planes, -1)


def test_delta_24_3_1_hand_table():
    # Galileo-like 56:24/3/1. RAAN 0/120/240; in-plane 360*3/24 = 45 deg;
    # plane-to-plane phase 360*1/24 = 15 deg.
    raan, ma = _table(*walker_elements("delta", 24, 3, 1, 56.0), 3)
    np.testing.assert_allclose(raan[:, 0], [0.0, 120.0, 240.0], atol=exact_deg)
    assert np.all(raan == raan[:, :1])
    expected = np.array([
        [0, 45, 90, 135, 180, 225, 270, 315],
        [15, 60, 105, 150, 195, 240, 285, 330],
        [30, 75, 120, 165, 210, 255, 300, 345],
    ], dtype=float)
    np.testing.assert_allclose(ma, expected, atol=exact_deg)


def test_star_6_2_1_hand_table():
    # star: RAAN spacing 180/2 = 90; in-plane 360*2/6 = 120; offset 360*1/6 = 60.
    raan, ma = _table(*walker_elements("star", 6, 2, 1, 86.4), 2)
    np.testing.assert_allclose(raan, [[0, 0, 0], [90, 90, 90]], atol=exact_deg)
    np.testing.assert_allclose(ma, [[0, 120, 240], [60, 180, 300]], atol=exact_deg)


def test_delta_12_4_3_wraps_mod_360():
    # offset 360*3/12 = 90 per plane; in-plane 120.
    raan, ma = _table(*walker_elements("walker-delta", 12, 4, 3, 60.0, raan0_deg=10.0), 4)
    np.testing.assert_allclose(raan[:, 0], [10, 100, 190, 280], atol=exact_deg)
    np.testing.assert_allclose(ma, [[0, 120, 240], [90, 210, 330],
                                    [180, 300, 60], [270, 30, 150]], atol=exact_deg)


def test_iridium_like_star_66_6_2():
    raan, ma = _table(*walker_elements("star", 66, 6, 2, 86.4), 6)
    np.testing.assert_allclose(raan[:, 0], [0, 30, 60, 90, 120, 150], atol=exact_deg)
    np.testing.assert_allclose(ma[0, 1], 360.0 / 11, atol=exact_deg)
    np.testing.assert_allclose(ma[1, 0], 360.0 * 2 / 66, atol=exact_deg)
    np.testing.assert_allclose(ma[5, 10], (10 * 360.0 / 11 + 5 * 720.0 / 66) % 360, atol=exact_deg)


def test_single_plane_and_raan0_wrap():
    raan, ma = walker_elements("delta", 5, 1, 0, 97.0, raan0_deg=-30.0)
    np.testing.assert_allclose(raan, 330.0, atol=exact_deg)
    np.testing.assert_allclose(ma, [0, 72, 144, 216, 288], atol=exact_deg)


def test_star_seam_spacing_iridium():
    # Iridium: six planes, 22 deg seam -> (180 - 22) / 5 = 31.6 deg between co-rotating planes
    raan, _ = walker_elements("star", 66, 6, 2, 86.4, seam_spacing_deg=22.0)
    np.testing.assert_allclose(np.unique(raan), [0, 31.6, 63.2, 94.8, 126.4, 158.0], atol=1e-9)
    with pytest.raises(WalkerError, match="seam_spacing_deg"):
        walker_elements("delta", 66, 6, 2, 86.4, seam_spacing_deg=22.0)
    with pytest.raises(WalkerError, match="strictly between 0 and 180"):
        walker_elements("star", 66, 6, 2, 86.4, seam_spacing_deg=180.0)


@pytest.mark.parametrize("pattern, T, P, F, seam", [
    ("delta", 24, 3, 1, None), ("delta", 28, 4, 1, None), ("delta", 54, 6, 5, None),
    ("star", 6, 2, 1, None), ("star", 66, 6, 2, None), ("star", 66, 6, 2, 22.0),
    ("delta", 7, 7, 3, None), ("star", 12, 1, 0, None),
])
def test_matches_tatc_walker(pattern, T, P, F, seam):
    """Independent implementation: TAT-C's WalkerConstellation (NASA/ASU tradespace tool)."""
    schemas = pytest.importorskip("tatc.schemas")
    orbit = schemas.CircularOrbit(altitude=1000e3, inclination=53.0,
                                  right_ascension_ascending_node=0.0, true_anomaly=0.0)
    kw = {} if seam is None else {"seam_spacing": seam}
    c = schemas.WalkerConstellation(name="X", orbit=orbit, number_satellites=T,
                                    number_planes=P, relative_spacing=F,
                                    configuration=pattern, **kw)
    members = c.generate_members()
    raan_ref = np.array([m.orbit.right_ascension_ascending_node for m in members]) % 360
    u_ref = np.array([m.orbit.true_anomaly for m in members]) % 360
    raan, ma = walker_elements(pattern, T, P, F, 53.0, seam_spacing_deg=seam)
    d = lambda a, b: np.abs((a - b + 180.0) % 360.0 - 180.0)  # noqa: E731
    assert d(raan, raan_ref).max() < 1e-9
    assert d(ma, u_ref).max() < 1e-9


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.data(),
       st.sampled_from(["delta", "star"]))
def test_walker_symmetry(P, S, data, pattern):
    """A Walker pattern maps onto itself when every satellite moves to the next plane
    (RAAN + D/P) and advances by 360 F / T in argument of latitude."""
    T = P * S
    F = data.draw(st.integers(0, P - 1))
    raan, ma = walker_elements(pattern, T, P, F, 50.0)
    D = 360.0 if pattern == "delta" else 180.0
    assert raan.shape == ma.shape == (T,)
    assert np.all((0 <= ma) & (ma < 360)) and np.all((0 <= raan) & (raan < 360))
    plane = np.repeat(np.arange(P), S)
    for p in range(P - 1):
        a = np.sort(ma[plane == p])
        b = np.sort(ma[plane == p + 1])
        np.testing.assert_allclose(raan[plane == p + 1], (raan[plane == p] + D / P) % 360,
                                   atol=1e-9)
        shifted = (a + 360.0 * F / T) % 360.0
        # every shifted slot coincides with one slot of the next plane (circular distance)
        d = np.abs((shifted[:, None] - b[None, :] + 180.0) % 360.0 - 180.0).min(axis=1)
        assert d.max() < 1e-9
    # equal in-plane spacing
    for p in range(P):
        a = np.sort(ma[plane == p])
        np.testing.assert_allclose(np.diff(np.r_[a, a[0] + 360]), 360.0 / S, atol=1e-9)


@pytest.mark.parametrize("args, key", [
    (("delta", 24, 5, 1, 55.0), "planes"),      # 24 not divisible by 5
    (("delta", 24, 3, 3, 55.0), "phasing"),     # F outside 0..2
    (("delta", 24, 3, -1, 55.0), "phasing"),
    (("delta", 24, 3, 1, 180.5), "inclination_deg"),
    (("delta", 24, 3, 1, -0.1), "inclination_deg"),
    (("rosette", 24, 3, 1, 55.0), "pattern"),
    (("delta", 0, 1, 0, 55.0), "total"),
    (("delta", 24.5, 3, 1, 55.0), "total"),
    (("delta", 24, 0, 0, 55.0), "planes"),
])
def test_walker_elements_rejects(args, key):
    with pytest.raises(WalkerError) as e:
        walker_elements(*args)
    assert isinstance(e.value, ValueError)
    assert e.value.key == key
    assert key in str(e.value) and repr(args[{"pattern": 0, "total": 1, "planes": 2,
                                             "phasing": 3, "inclination_deg": 4}[key]]) \
        in str(e.value)


def test_divisibility_message_lists_divisors():
    with pytest.raises(WalkerError, match=r"divisor of total = 24: one of \[1, 2, 3, 4, 6, 8, 12, 24\]"):
        walker_elements("delta", 24, 5, 0, 55.0)


@pytest.mark.parametrize("alt", [-10.0, 0.0, 99.9, float("nan"), 5e6])
def test_walker_rejects_altitude(alt):
    with pytest.raises(WalkerError, match="altitude_km") as e:
        walker("delta", 24, 3, 1, alt, 55.0, "2026-11-21T00:00:00Z")
    assert "100 km" in str(e.value)
    if alt < 0:
        assert "below the Earth's surface" in str(e.value)


# ---------------------------------------------------------------------------------------
# SatelliteSet output, checked through an independent SGP4 propagation and geometry


EPOCH = "2026-11-21T00:00:00Z"
sgp4_short_period_deg = 0.2   # J2 short-period terms: mean vs osculating angles at 1000 km
sgp4_short_period_km = 15.0   # osculating radius vs mean semi-major axis (J2 ~ 1e-3 * R)


def _osculating_angles(sat):
    """RAAN, argument of latitude (deg) and radius (km) at epoch from SGP4 r, v (TEME)."""
    e, r, v = sat.sgp4_tsince(0.0)
    assert e == 0
    r = np.array(r)
    v = np.array(v)
    h = np.cross(r, v)
    node = np.cross([0.0, 0.0, 1.0], h)
    raan = np.degrees(np.arctan2(node[1], node[0])) % 360
    nhat = node / np.linalg.norm(node)
    cosu = np.dot(nhat, r) / np.linalg.norm(r)
    sinu = np.dot(np.cross(nhat, r), h / np.linalg.norm(h)) / np.linalg.norm(r)
    u = np.degrees(np.arctan2(sinu, cosu)) % 360
    inc = np.degrees(np.arccos(h[2] / np.linalg.norm(h)))
    return raan, u, np.linalg.norm(r), inc


def _angdiff(a, b):
    return np.abs((np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0)


def test_walker_satelliteset_geometry_from_sgp4():
    sats = walker("delta", 24, 3, 1, 1000.0, 56.0, EPOCH, name_prefix="GAL")
    assert len(sats) == 24
    assert sats.names[0] == "GAL-01-01" and sats.names[9] == "GAL-02-02"
    raan_exp, ma_exp = walker_elements("delta", 24, 3, 1, 56.0)
    for k, sat in enumerate(sats.satrecs):
        raan, u, rad, inc = _osculating_angles(sat)
        assert _angdiff(raan, raan_exp[k]) < sgp4_short_period_deg
        assert _angdiff(u, ma_exp[k]) < sgp4_short_period_deg
        assert abs(inc - 56.0) < sgp4_short_period_deg
        assert abs(rad - (6378.137 + 1000.0)) < sgp4_short_period_km
        assert sat.ecco == 0.0


def test_walker_union_of_shells():
    a = walker("delta", 24, 3, 1, 1000.0, 56.0, EPOCH, name_prefix="A")
    b = walker("star", 6, 2, 1, 600.0, 97.0, EPOCH, name_prefix="B")
    u = a + b
    assert len(u) == 30
    assert u.names[:24] == a.names and u.names[24:] == b.names
    el = u.elements()
    np.testing.assert_allclose(el["inclination_deg"][24:], 97.0, atol=1e-9)


def test_walker_tle_roundtrip(tmp_path):
    """Exported TLEs parse in skyfield (independent reader) with our elements back."""
    from skyfield.api import load
    sats = walker("star", 6, 2, 1, 780.0, 86.4, EPOCH, name_prefix="IRI")
    path = tmp_path / "iri.tle"
    export(sats, path, "tle")
    ts = load.timescale(builtin=True)
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    from skyfield.api import EarthSatellite
    got = []
    for i in range(0, len(lines), 3):
        got.append(EarthSatellite(lines[i + 1], lines[i + 2], lines[i].strip(), ts))
    assert [g.name for g in got] == sats.names
    raan_exp, ma_exp = walker_elements("star", 6, 2, 1, 86.4)
    tle_angle_deg = 1e-4 + 1e-9   # TLE angle fields carry 4 decimals
    for g, r, m in zip(got, raan_exp, ma_exp):
        assert _angdiff(np.degrees(g.model.nodeo), r) <= tle_angle_deg
        assert _angdiff(np.degrees(g.model.mo), m) <= tle_angle_deg
        assert abs(np.degrees(g.model.inclo) - 86.4) <= tle_angle_deg
    # OMM export in all three CelesTrak formats reads back with the same count
    from orbits.tle import read_omm
    for fmt in ("json", "xml", "csv"):
        p = tmp_path / f"iri.{fmt}"
        export(sats, p, f"omm-{fmt}")
        back = read_omm(p)
        assert back.names == sats.names
    with pytest.raises(WalkerError, match="fmt"):
        export(sats, tmp_path / "x", "kml")
