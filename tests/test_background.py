"""Background of the lines of sight and the view constraints (issue 19, "Background").

- the kernels' closed-form space/earth classification against an independent ray-ellipsoid
  intersection (quadratic, discriminant written out) and a pyproj ray march over constant
  geodetic height;
- the inner exclusion cone (``min_off_nadir_deg``): the blind spot beneath a satellite and its
  radius on the ground against the law of sines;
- ``require_space_background`` removes exactly the earth-background detections (grid kernel,
  point kernel and a brute-force recount on randomised cases: antimeridian, poles, one
  satellite);
- ``fraction_space_background`` / ``fraction_stereo_space_background`` against a brute-force
  recount; ``tracks.csv``'s ``background`` column against the naive classification;
- defaults change nothing; bad keys exit 2 with one message.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from constellation.coverage import grid_coverage, point_coverage
from constellation.grid import region_grid
from constellation.sensors import DEFAULT_CLUTTER_ALTITUDE_KM, Sensor, SensorError
from constellation.kernels import detects, space_background
from orbits.geodesy import geodetic_to_ecef, up_vector
from orbits.propagate import Ephemeris
from orbits.timegrid import time_grid

from .naive_background import (WGS84_A_KM, WGS84_B_KM, naive_background_fractions, naive_off_nadir_deg,
                               naive_space_background, ray_march_min_altitude_km)

EPOCH = "2026-11-21T00:00:00Z"


def _ephemeris(positions_km, tg):
    pos = np.ascontiguousarray(positions_km, dtype=np.float64)
    n_time, n_sat, _ = pos.shape
    return Ephemeris(grid=tg, names=[f"S{i}" for i in range(n_sat)], positions_km=pos,
                     valid=np.ones((n_time, n_sat), dtype=bool), error_codes=np.zeros(n_sat, dtype=np.int64))


def _random_sat_near(rng, lat_deg, lon_deg, spread_deg, alt_lo=400.0, alt_hi=2000.0):
    lat = float(np.clip(lat_deg + rng.uniform(-spread_deg, spread_deg), -90, 90))
    lon = float(lon_deg + rng.uniform(-spread_deg, spread_deg))
    return np.asarray(geodetic_to_ecef(np.array([lat]), np.array([lon]), np.array([rng.uniform(alt_lo, alt_hi)])),
                      dtype=float).reshape(3)


# ------------------------------------------------------------------ classification
def test_closed_form_matches_ray_ellipsoid_intersection():
    """2,000 random (satellite, target, clutter) triples over the globe (poles and antimeridian
    included): the kernel's closed form and the quadratic ray intersection agree on every one."""
    rng = np.random.default_rng(19)
    n_space = 0
    for _ in range(2000):
        lat = float(rng.uniform(-90, 90))
        lon = float(rng.uniform(-180, 180))
        h_t = float(rng.choice([0.0, rng.uniform(0, 120)]))
        tgt = np.asarray(geodetic_to_ecef(np.array([lat]), np.array([lon]), np.array([h_t])), float).reshape(3)
        sat = _random_sat_near(rng, lat, lon, 40.0)
        hc = float(rng.uniform(0, 40))
        p = Sensor(clutter_altitude_km=hc).kernel_params()
        got = bool(space_background(sat, tgt, p))
        assert got == naive_space_background(sat, tgt, hc), (lat, lon, h_t, hc)
        n_space += got
    assert 100 < n_space < 1900  # both classes well represented


def test_closed_form_matches_ray_march_over_geodetic_height():
    """The clutter ellipsoid (semi-axes grown by h_c) against the surface of constant geodetic
    height h_c (pyproj): same class wherever the ray's lowest geodetic altitude is more than
    `margin_km` from h_c. The two surfaces differ by < 3 cm (test below); the march finds the
    minimum to well under a metre; `margin_km = 0.01` (10 m) covers both."""
    margin_km = 0.01
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(60):
        lat = float(rng.uniform(-89, 89))
        lon = float(rng.uniform(-180, 180))
        h_t = float(rng.uniform(20, 80))
        tgt = np.asarray(geodetic_to_ecef(np.array([lat]), np.array([lon]), np.array([h_t])), float).reshape(3)
        sat = _random_sat_near(rng, lat, lon, 35.0)
        hc = float(rng.uniform(5, 20))
        h_min = ray_march_min_altitude_km(sat, tgt)
        if abs(h_min - hc) < margin_km:
            continue
        got = bool(space_background(sat, tgt, Sensor(clutter_altitude_km=hc).kernel_params()))
        assert got == (h_min > hc), (lat, lon, h_t, hc, h_min)
        checked += 1
    assert checked >= 50


def test_sphere_closed_form_of_the_issue():
    """On the equator in the equatorial plane the clutter ellipsoid is a circle of radius a + h_c:
    space iff r_t > R_c and (el <= 0 or r_t cos(el) > R_c), el the geocentric elevation."""
    hc = 20.0
    rc = WGS84_A_KM + hc
    p = Sensor(clutter_altitude_km=hc).kernel_params()
    for h_t in (10.0, 25.0, 40.0, 60.0):
        rt = WGS84_A_KM + h_t
        tgt = np.array([rt, 0.0, 0.0])
        for el_deg in np.linspace(-10.0, 60.0, 141):
            el = math.radians(el_deg)
            sat = tgt + 3000.0 * np.array([math.sin(el), math.cos(el), 0.0])  # up = +x at the target
            want = rt > rc and (el <= 0 or rt * math.cos(el) > rc)
            if abs(rt * math.cos(el) - rc) < 1e-6:
                continue
            assert bool(space_background(sat, tgt, p)) == want, (h_t, el_deg)


def test_grown_ellipsoid_is_within_3_cm_of_the_geodetic_height_surface():
    """The stated error bound of the ellipsoid treatment: semi-axes grown by h vs points at
    geodetic height h (pyproj), geocentric radius along the same direction, h <= 20 km."""
    import pyproj

    three_cm_km = 3e-5
    tr = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    phi = np.linspace(-90, 90, 3601)
    for h in (5.0, 15.0, 20.0):
        x, y, z = tr.transform(np.zeros_like(phi), phi, np.full_like(phi, h * 1000.0))
        r = np.sqrt(x ** 2 + y ** 2 + z ** 2) / 1000.0
        psi = np.arctan2(z, np.hypot(x, y))
        rg = 1.0 / np.sqrt((np.cos(psi) / (WGS84_A_KM + h)) ** 2 + (np.sin(psi) / (WGS84_B_KM + h)) ** 2)
        assert np.max(np.abs(r - rg)) < three_cm_km


def test_strip_skip_bound_never_skips_a_space_background_detection():
    """The grid kernel's skip test (a necessary condition for a space background) holds for every
    detected space-background line of sight of 4,000 random cases (masks -5 .. 15 deg, targets
    0 .. 150 km)."""
    from constellation._background import strip_above_clutter

    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(4000):
        lat = float(rng.uniform(-90, 90))
        lon = float(rng.uniform(-180, 180))
        h_t = float(rng.uniform(0, 150))
        tgt = np.asarray(geodetic_to_ecef(np.array([lat]), np.array([lon]), np.array([h_t])), float).reshape(3)
        up = np.asarray(up_vector(np.array([lat]), np.array([lon])), float).reshape(3)
        sat = _random_sat_near(rng, lat, lon, 40.0)
        sen = Sensor(min_elevation_deg=float(rng.uniform(-5, 15)), clutter_altitude_km=float(rng.uniform(0, 30)))
        p = sen.kernel_params()
        if bool(detects(sat, tgt, up, p)) and bool(space_background(sat, tgt, p)):
            hits += 1
            pu = np.concatenate([tgt, up]).reshape(6, 1)
            assert strip_above_clutter(pu, 1, p.reshape(1, -1)), (lat, lon, h_t, sen)
    assert hits > 50


def test_schema_default_clutter_altitude_matches_the_engine():
    from hgvcov.scenario.schema import SensorSpec

    assert SensorSpec.model_fields["clutter_altitude_km"].default == DEFAULT_CLUTTER_ALTITUDE_KM
    assert Sensor().clutter_altitude_km == DEFAULT_CLUTTER_ALTITUDE_KM == 20.0


# ------------------------------------------------------------------ blind spot
def test_blind_spot_beneath_the_satellite_and_its_radius():
    """Satellite 1,000 km above (0 N, 0 E), targets on the equator (a circle of radius a in the
    equatorial plane, so the geometry is planar): with min_off_nadir_deg = eta the ground cone
    edge lies at the central angle lam = asin(r_s sin(eta) / a) - eta (law of sines in the
    triangle centre - satellite - target, the near intersection). Points inside are not
    detected, points outside (to the elevation mask) are; the detection edge found on a
    0.001 deg grid lies within one grid step of lam."""
    eta = 25.0
    rs = WGS84_A_KM + 1000.0
    lam = math.degrees(math.asin(rs * math.sin(math.radians(eta)) / WGS84_A_KM)) - eta
    sat = np.array([rs, 0.0, 0.0])
    sen = Sensor(min_elevation_deg=10.0, min_off_nadir_deg=eta)
    p = sen.kernel_params()
    lons = np.arange(0.0, 8.0, 0.001)
    tgt = np.asarray(geodetic_to_ecef(np.zeros_like(lons), lons, np.zeros_like(lons)), float)
    up = np.asarray(up_vector(np.zeros_like(lons), lons), float)
    det = np.array([bool(detects(sat, tgt[i], up[i], p)) for i in range(lons.size)])
    assert not det[0]  # directly beneath: blind
    edge = lons[np.argmax(det)]
    assert abs(edge - lam) <= 0.001, (edge, lam)
    assert det[lons > lam + 0.001].all() and not det[lons < lam - 0.001].any()
    # the oracle's off-nadir angle says the same
    for i in (0, int(np.argmax(det))):
        assert (naive_off_nadir_deg(sat, tgt[i]) >= eta) == det[i]
    # without the cone the point beneath is detected
    assert bool(detects(sat, tgt[0], up[0], Sensor(min_elevation_deg=10.0).kernel_params()))


def test_blind_spot_in_the_grid_kernel():
    """Grid kernel: one satellite above (0, 0); the grid's undetected points near nadir are
    exactly those of the brute-force matrix (which applies the cone by arccos)."""
    from .naive import naive_detect_matrix

    tg = time_grid(EPOCH, 60.0, count=1)
    sat = np.asarray(geodetic_to_ecef(np.array([0.0]), np.array([0.0]), np.array([1000.0])), float).reshape(1, 1, 3)
    grid = region_grid((-20, 20), (-20, 20), 0.5, 0.0)
    sen = Sensor(min_elevation_deg=10.0, min_off_nadir_deg=30.0)
    ds = grid_coverage(_ephemeris(sat, tg), None, grid, sen).dataset
    want = naive_detect_matrix(sat[0], grid.points_ecef_km, grid.up, sen)[0].reshape(grid.shape)
    assert np.array_equal(ds["fraction_1"].values > 0, want)
    assert ds["fraction_1"].sel(lat=0.0, lon=0.0).item() == 0.0
    assert want.sum() > 100 and (~want).sum() > 100


# ------------------------------------------------------------------ kernels vs brute force
def _random_case(rng, lat_range, lon_range, step, alt_km, n_sat, n_time, spread=30.0):
    lat0 = 0.5 * (lat_range[0] + lat_range[1])
    lon0 = 0.5 * (lon_range[0] + lon_range[1])
    pos = np.empty((n_time, n_sat, 3))
    for k in range(n_time):
        for s in range(n_sat):
            pos[k, s] = _random_sat_near(rng, lat0, lon0, spread, 500.0, 1500.0)
    tg = time_grid(EPOCH, 30.0, count=n_time)
    grid = region_grid(lat_range, lon_range, step, alt_km)
    return pos, tg, grid


CASES = {
    "antimeridian": ((20, 40), (170, 200), 2.0, 40.0, 12, 6),
    "north pole": ((78, 90), (0, 360), 6.0, 45.0, 10, 5),
    "south pole": ((-90, -78), (-180, 180), 6.0, 30.0, 10, 5),
    "one satellite": ((-10, 10), (100, 120), 2.0, 40.0, 1, 8),
}


@pytest.mark.parametrize("case", list(CASES))
def test_fractions_and_required_space_background_vs_brute_force(case):
    """Grid and point kernels against the brute-force recount: fraction_space_background and
    fraction_stereo_space_background equal the naive counts exactly; with
    require_space_background the detections are exactly the space-background ones, so
    fraction_1 / fraction_stereo of that run equal the background fractions of the plain run
    and the naive recount with the constraint applied."""
    rng = np.random.default_rng(list(CASES).index(case) + 190)
    lat_r, lon_r, step, alt, n_sat, n_time = CASES[case]
    pos, tg, grid = _random_case(rng, lat_r, lon_r, step, alt, n_sat, n_time)
    eph = _ephemeris(pos, tg)
    plain = Sensor(min_elevation_deg=-3.0, clutter_altitude_km=15.0, stereo_min_angle_deg=10.0)
    req = Sensor(min_elevation_deg=-3.0, clutter_altitude_km=15.0, stereo_min_angle_deg=10.0,
                 require_space_background=True)
    sidx = np.zeros(n_sat, dtype=np.int64)
    fsb, fst = naive_background_fractions(pos, eph.valid, grid.points_ecef_km, grid.up, [plain], sidx)
    ds = grid_coverage(eph, None, grid, plain).dataset
    assert np.array_equal(ds["fraction_space_background"].values.ravel(), fsb)
    assert np.array_equal(ds["fraction_stereo_space_background"].values.ravel(), fst)
    assert fsb.max() > 0  # the case exercises space backgrounds
    dr = grid_coverage(eph, None, grid, req).dataset
    assert np.array_equal(dr["fraction_1"].values.ravel(), fsb)
    assert np.array_equal(dr["fraction_stereo"].values.ravel(), fst)
    assert np.array_equal(dr["fraction_space_background"].values, ds["fraction_space_background"].values)
    # removes exactly the earth-background detections: the naive oracle with the constraint
    from .naive import naive_coverage

    nv = naive_coverage(pos, eph.valid, grid.points_ecef_km, grid.up, [req], sidx, tg.seconds, 30.0)
    assert np.array_equal(dr["fraction_1"].values.ravel(), np.asarray(nv["fraction_1"]).ravel())
    # point kernel on a few grid points: the same numbers
    idx = rng.choice(grid.n_point, size=min(6, grid.n_point), replace=False)
    lat2d, lon2d = np.meshgrid(grid.lat_deg, grid.lon_deg, indexing="ij")
    pts = [(f"p{i}", float(lat2d.ravel()[i]), float(lon2d.ravel()[i]), alt) for i in idx]
    pc = point_coverage(eph, None, pts, plain).dataset
    assert np.array_equal(pc["fraction_space_background"].values, fsb[idx])
    assert np.array_equal(pc["fraction_stereo_space_background"].values, fst[idx])


def test_ground_targets_have_earth_background_and_the_clutter_altitude_changes_nothing_else():
    """Defaults: a ground grid has no space background; moving the clutter layer (without
    requiring a space background) leaves every other variable identical."""
    rng = np.random.default_rng(3)
    pos, tg, grid = _random_case(rng, (20, 40), (120, 140), 2.0, 0.0, 8, 4)
    eph = _ephemeris(pos, tg)
    a = grid_coverage(eph, None, grid, Sensor()).dataset
    assert float(a["fraction_space_background"].max()) == 0.0
    pos2, tg2, grid2 = _random_case(rng, (20, 40), (120, 140), 2.0, 40.0, 8, 4)
    eph2 = _ephemeris(pos2, tg2)
    b = grid_coverage(eph2, None, grid2, Sensor(min_elevation_deg=-2.0)).dataset
    c = grid_coverage(eph2, None, grid2, Sensor(min_elevation_deg=-2.0, clutter_altitude_km=5.0)).dataset
    for v in b.data_vars:
        if "space_background" in v:
            continue
        assert np.array_equal(b[v].values, c[v].values, equal_nan=True), v
    assert float(c["fraction_space_background"].sum()) >= float(b["fraction_space_background"].sum())


# ------------------------------------------------------------------ tracks
def test_tracks_background_column_vs_naive():
    """tracks.csv ``background`` and the per-threat background fractions against the naive
    classification of every sample (naive detection with degrees, ray intersection)."""
    from constellation import walker
    from constellation.tracks import track_coverage
    from hgv_models.threats import THREAT_LIBRARY, fly_threat
    from orbits.propagate import propagate
    from orbits.timegrid import TimeGrid

    from .naive_tracks import naive_detects

    sats = walker("delta", 36, 6, 1, 1000.0, 55.0, EPOCH)
    threat = next(iter(THREAT_LIBRARY.values()))
    traj = fly_threat(threat).resample(10.0)
    sen = Sensor(min_elevation_deg=-5.0, clutter_altitude_km=20.0)
    res = track_coverage(sats, [("t", traj, 600.0)], sen, EPOCH, radar_sites=[])
    df = res.tracks
    assert list(df.columns[-1:]) == ["background"]
    eph = propagate(sats, TimeGrid.from_seconds(EPOCH, df["time_s"].to_numpy()), "sgp4")
    tgt = np.asarray(geodetic_to_ecef(df["lat_deg"].to_numpy(), df["lon_deg"].to_numpy(),
                                      df["altitude_km"].to_numpy()), float)
    up = np.asarray(up_vector(df["lat_deg"].to_numpy(), df["lon_deg"].to_numpy()), float)
    want = []
    for i in range(len(df)):
        det = [s for s in range(len(sats)) if naive_detects(list(eph.positions_km[i, s]), list(tgt[i]), list(up[i]), sen)]
        if not det:
            want.append("")
        elif any(naive_space_background(eph.positions_km[i, s], tgt[i], 20.0) for s in det):
            want.append("space")
        else:
            want.append("earth")
    got = df["background"].fillna("").tolist()
    assert got == want
    assert {"space", "earth"} <= set(want)
    pt = res.per_threat["t"]
    assert pt["custody_fraction_space_background"] == pytest.approx(want.count("space") / len(want), abs=0)
    assert 0.0 <= pt["stereo_fraction_space_background"] <= pt["stereo_fraction"]


# ------------------------------------------------------------------ access intervals
def test_access_intervals_apply_the_view_constraints():
    """Access intervals with an inner exclusion cone and a required space background: a grid
    sample lies inside a reported interval exactly when the naive oracle (tests/naive_access.py,
    the constraints by arccos and the ray intersection) says visible."""
    from constellation import walker
    from constellation.access import access_intervals
    from constellation.points import load_points
    from orbits.propagate import propagate

    from .naive_access import naive_visible

    sats = walker("delta", 12, 3, 1, 1000.0, 60.0, EPOCH)
    pts = load_points([{"name": "A", "lat_deg": 35.0, "lon_deg": 140.0}, {"name": "B", "lat_deg": 10.0,
                       "lon_deg": 179.5}, {"name": "C", "lat_deg": -40.0, "lon_deg": 20.0}], default_altitude_km=40.0)
    tg = time_grid(EPOCH, 20.0, duration_s=6 * 3600.0)
    sen = Sensor(min_elevation_deg=-5.0, min_off_nadir_deg=40.0, require_space_background=True,
                 clutter_altitude_km=15.0)
    df = access_intervals(sats, pts, tg, sen)
    eph = propagate(sats, tg)
    tgt, up = pts.ecef_km(), pts.up()
    n_vis = 0
    for s, sname in enumerate(sats.names):
        for p, pname in enumerate(pts.name):
            vis = naive_visible(eph.positions_km[:, s], tgt[p], up[p], -5.0, None, None, min_off_nadir_deg=40.0,
                                require_space_background=True, clutter_altitude_km=15.0)
            rows = df[(df["point"] == pname) & (df["satellite"] == sname)]
            inside = np.zeros(tg.count, dtype=bool)
            for a, b in zip(rows["start_s"], rows["end_s"]):
                inside |= (tg.seconds >= a) & (tg.seconds <= b)
            assert np.array_equal(inside, vis), (sname, pname)
            n_vis += int(vis.sum())
    assert n_vis > 20


# ------------------------------------------------------------------ input errors
@pytest.mark.parametrize("kw, fragment", [
    ({"clutter_altitude_km": -1.0}, "clutter_altitude_km=-1.0"),
    ({"min_off_nadir_deg": 90.0}, "min_off_nadir_deg=90.0"),
    ({"min_off_nadir_deg": 70.0, "field_of_regard_deg": 120.0}, "field_of_regard_deg / 2 = 60"),
    ({"require_space_background": 1}, "require_space_background=1"),
])
def test_sensor_rejects_bad_values(kw, fragment):
    with pytest.raises(SensorError, match=fragment.replace("(", r"\(").replace(".", r"\.")):
        Sensor(**kw)


@pytest.mark.parametrize("line, fragments", [
    ("clutter_altitude_km = -2", ["sensor.clutter_altitude_km = -2"]),
    ("min_off_nadir_deg = 95", ["sensor.min_off_nadir_deg = 95"]),
    ("min_off_nadir_deg = 61", ["sensor.min_off_nadir_deg = 61", "field_of_regard_deg / 2 = 60"]),
    ('require_space_background = "yes"', ["sensor.require_space_background"]),
])
def test_bad_keys_exit_2(tmp_path, monkeypatch, capsys, line, fragments):
    from hgvcov.cli import main

    from .conftest import SMALL_RUN

    text = SMALL_RUN.replace("field_of_regard_deg = 120\n", f"field_of_regard_deg = 120\n{line}\n")
    assert line in text
    (tmp_path / "bad.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    rc = main(["run", "bad.toml", "-o", "out"])
    cap = capsys.readouterr()
    assert rc == 2, cap.err
    err = cap.err.strip()
    assert "Traceback" not in cap.err and err.count("\n") == 0 and err.startswith("hgvcov: error: ")
    for f in fragments:
        assert f in err, err
    assert not (tmp_path / "out").exists()


def test_console_shows_background_rows_only_where_space_is_seen():
    """The region table prints the background fractions when some point has a space
    background, and leaves them out when every line of sight is look-down (all 0)."""
    from rich.console import Console

    from hgvcov.report import _region_table

    def rows(stats):
        con = Console(width=120, record=True)
        con.print(_region_table(stats))
        return con.export_text()

    base = {"fraction_1_mean": 0.7, "fraction_1_min": 0.5}
    none = dict(base, fraction_space_background_mean=0.0, fraction_space_background_min=0.0,
                fraction_space_background_max=0.0)
    some = dict(base, fraction_space_background_mean=0.25, fraction_space_background_min=0.0,
                fraction_space_background_max=0.75)
    assert "against space" not in rows(none)
    text = rows(some)
    assert ">= 1 against space" in text and "25.0 %" in text
