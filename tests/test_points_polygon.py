"""Named points (CSV / inline) and GeoJSON polygon areas: parsing, validation, masks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from constellation.points import PointSet, PointsError, load_points
from constellation.polygon import (PolygonError, load_polygon, polygon_from_geojson,
                                   polygon_mask, split_at_antimeridian)
from tests.naive_polygon import naive_mask

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


# ----------------------------------------------------------------------------- points

def test_example_sites_load():
    pts = load_points(EXAMPLES / "japan_sites.csv")
    assert isinstance(pts, PointSet)
    assert len(pts) >= 20
    i = pts.name.index("Tokyo")
    assert (pts.lat_deg[i], pts.lon_deg[i], pts.altitude_km[i]) == (35.6812, 139.7671, 0.0)
    j = pts.name.index("Misawa Air Base")
    assert pts.altitude_km[j] == 0.0          # blank cell -> 0
    assert pts.altitude_km[pts.name.index("Tokyo (glide layer)")] == 40.0
    assert np.all((pts.lat_deg > 20) & (pts.lat_deg < 46))   # all inside Japan's span
    assert np.all((pts.lon_deg > 122) & (pts.lon_deg < 146))


def test_default_altitude_for_points_without_one():
    pts = load_points(EXAMPLES / "japan_sites.csv", default_altitude_km=12.0)
    assert pts.altitude_km[pts.name.index("Misawa Air Base")] == 12.0
    assert pts.altitude_km[pts.name.index("Tokyo")] == 12.0
    assert pts.altitude_km[pts.name.index("Tokyo (glide layer)")] == 40.0   # explicit kept
    pts = load_points([{"name": "a", "lat_deg": 0, "lon_deg": 0}], default_altitude_km=12.5)
    assert pts.altitude_km[0] == 12.5
    with pytest.raises(PointsError, match="default_altitude_km"):
        load_points([{"name": "a", "lat_deg": 0, "lon_deg": 0}], default_altitude_km=500)


def test_points_ecef_matches_skyfield():
    from skyfield.api import wgs84
    pts = load_points([{"name": "Naha", "lat_deg": 26.2124, "lon_deg": 127.6792},
                       {"name": "high", "lat_deg": -45.0, "lon_deg": 350.0, "altitude_km": 40}])
    one_mm_km = 1e-6
    xyz = pts.ecef_km()
    for k in range(2):
        ref = wgs84.latlon(pts.lat_deg[k], pts.lon_deg[k],
                           elevation_m=pts.altitude_km[k] * 1e3).itrs_xyz.km
        np.testing.assert_allclose(xyz[k], ref, atol=one_mm_km)
    np.testing.assert_allclose(pts.lon_deg_180, [127.6792, -10.0])


def _csv(tmp_path, text):
    p = tmp_path / "pts.csv"
    p.write_text(text)
    return p


def test_unknown_column_named_with_line(tmp_path):
    p = _csv(tmp_path, "# sites\nname,lat_deg,lon_deg,altitude_m\nA,1,2,3\n")
    with pytest.raises(PointsError) as e:
        load_points(p)
    assert e.value.line == 2 and e.value.key == "column"
    assert "'altitude_m'" in str(e.value) and "line 2" in str(e.value)
    assert str(p) in str(e.value) and "altitude_km" in str(e.value)


@pytest.mark.parametrize("row, key", [
    ("A,90.5,10", "lat_deg"),
    ("A,-91,10", "lat_deg"),
    ("A,10,-180.1", "lon_deg"),
    ("A,10,360.5", "lon_deg"),
    ("A,north,10", "lat_deg"),
    ("A,10,nan", "lon_deg"),
    ("A,10,10,-1", "altitude_km"),
    (",10,10", "name"),
])
def test_bad_values_named(tmp_path, row, key):
    p = _csv(tmp_path, f"name,lat_deg,lon_deg,altitude_km\nOK,0,0,0\n\n{row}\n")
    with pytest.raises(PointsError) as e:
        load_points(p)
    assert e.value.key == key and e.value.line == 4
    assert key in str(e.value) and "line 4" in str(e.value)


def test_limits_inclusive_and_inline_errors():
    pts = load_points([{"name": "S", "lat_deg": -90, "lon_deg": -180},
                       {"name": "N", "lat_deg": 90, "lon_deg": 360}])
    assert len(pts) == 2
    with pytest.raises(PointsError, match="points entry 2: key = 'lat'"):
        load_points([{"name": "a", "lat_deg": 0, "lon_deg": 0},
                     {"name": "b", "lat": 0, "lon_deg": 0}])
    with pytest.raises(PointsError, match="unique"):
        load_points([{"name": "a", "lat_deg": 0, "lon_deg": 0},
                     {"name": "a", "lat_deg": 1, "lon_deg": 0}])
    with pytest.raises(PointsError, match="at least one point"):
        load_points([])


def test_missing_required_column_and_file(tmp_path):
    with pytest.raises(PointsError, match="missing lon_deg"):
        load_points(_csv(tmp_path, "name,lat_deg\nA,1\n"))
    with pytest.raises(PointsError, match="an existing CSV file"):
        load_points(tmp_path / "nope.csv")
    with pytest.raises(PointsError, match="at most 3 cells"):
        load_points(_csv(tmp_path, "name,lat_deg,lon_deg\nA,1,2,3\n"))


# ----------------------------------------------------------------------------- polygons

def _write(tmp_path, obj, name="p.geojson"):
    p = tmp_path / name
    p.write_text(json.dumps(obj) if not isinstance(obj, str) else obj)
    return p


def _poly(*rings):
    return {"type": "Polygon", "coordinates": [list(map(list, r)) for r in rings]}


SQUARE = [(130, 30), (140, 30), (140, 40), (130, 40), (130, 30)]
HOLE = [(133, 33), (137, 33), (137, 37), (133, 37), (133, 33)]


def test_mask_square_with_hole_exact():
    g = polygon_from_geojson(_poly(SQUARE, HOLE))
    lat = np.arange(28.0, 42.1, 1.0)
    lon = np.arange(128.0, 142.1, 1.0)
    m = polygon_mask(g, lat, lon)
    LON, LAT = np.meshgrid(lon, lat)
    inside_outer = (LON >= 130) & (LON <= 140) & (LAT >= 30) & (LAT <= 40)
    inside_hole = (LON > 133) & (LON < 137) & (LAT > 33) & (LAT < 37)
    np.testing.assert_array_equal(m, inside_outer & ~inside_hole)   # boundary inclusive
    strict = polygon_mask(g, lat, lon, include_boundary=False)
    np.testing.assert_array_equal(
        strict, (LON > 130) & (LON < 140) & (LAT > 30) & (LAT < 40)
        & ~((LON >= 133) & (LON <= 137) & (LAT >= 33) & (LAT <= 37)))


def test_mask_matches_naive_ray_casting_on_example():
    path = EXAMPLES / "sea_of_japan_box.geojson"
    g = load_polygon(path)
    ring = json.loads(path.read_text())["geometry"]["coordinates"]
    # offsets keep grid points off the polygon's edges (ray casting is undefined there)
    lat = np.arange(33.0, 50.0, 0.37) + 0.0113
    lon = np.arange(126.0, 143.0, 0.41) + 0.0071
    m = polygon_mask(g, lat, lon)
    ref = np.array(naive_mask([[[tuple(p) for p in r] for r in ring]], lat, lon))
    assert m.shape == (lat.size, lon.size)
    np.testing.assert_array_equal(m, ref)
    assert 0.1 < m.mean() < 0.6


def test_antimeridian_forms_agree():
    """One area written three ways (jump at 180, 0..360, pre-split FeatureCollection) gives
    the same mask on a -180..180 grid and on a 0..360 grid."""
    jump = _poly([(170, -10), (-170, -10), (-170, 10), (170, 10), (170, -10)])
    wide = _poly([(170, -10), (190, -10), (190, 10), (170, 10), (170, -10)])
    split = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry":
            _poly([(170, -10), (180, -10), (180, 10), (170, 10), (170, -10)])},
        {"type": "Feature", "properties": {}, "geometry":
            _poly([(-180, -10), (-170, -10), (-170, 10), (-180, 10), (-180, -10)])}]}
    lat = np.arange(-15.0, 15.1, 1.0)
    lon_a = np.arange(-180.0, 180.0, 1.0)
    lon_b = np.arange(0.0, 360.0, 1.0)
    LON, LAT = np.meshgrid(lon_b, lat)
    expected_b = (LON >= 170) & (LON <= 190) & (np.abs(LAT) <= 10)
    for obj in (jump, wide, split):
        g = polygon_from_geojson(obj)
        assert g.area == pytest.approx(400.0)
        np.testing.assert_array_equal(polygon_mask(g, lat, lon_b), expected_b)
        ma = polygon_mask(g, lat, lon_a)
        np.testing.assert_array_equal(ma, expected_b[:, np.r_[180:360, 0:180]])
    # the pre-split pieces are merged into one compact area
    g = polygon_from_geojson(split)
    assert g.geom_type == "Polygon" and g.bounds == (170.0, -10.0, 190.0, 10.0)
    # polygons far apart on either side of 0 deg are not moved
    far = polygon_from_geojson({"type": "MultiPolygon", "coordinates": [
        [[[10, 0], [20, 0], [20, 5], [10, 0]]], [[[-20, 0], [-10, 0], [-10, 5], [-20, 0]]]]})
    assert far.bounds[0] == -20.0 and far.bounds[2] == 20.0
    s = split_at_antimeridian(polygon_from_geojson(jump))
    assert s.geom_type == "MultiPolygon" and s.area == pytest.approx(400.0)
    assert s.bounds == (-180.0, -10.0, 180.0, 10.0)


def test_antimeridian_example_with_hole():
    g = load_polygon(EXAMPLES / "north_pacific_antimeridian.geojson")
    assert g.area == pytest.approx(25 * 15 - 0.5 * (4 + 7) * 3)
    lat = np.array([42.0, 46.5])
    lon = np.array([-175.0, 176.0, 185.0, 160.0])
    np.testing.assert_array_equal(polygon_mask(g, lat, lon),
                                  [[True, True, True, False],
                                   [True, False, True, False]])


def test_polar_cap_with_edge_along_the_pole():
    ring = [(-180, -90), (-180, -60)] + [(lon, -60) for lon in range(-150, 180, 30)] + \
        [(180, -60), (180, -90), (-180, -90)]
    g = polygon_from_geojson(_poly(ring))
    assert g.area == pytest.approx(360.0 * 30.0)
    lat = np.array([-80.0, -61.0, -59.0, 0.0])
    lon = np.arange(0.0, 360.0, 45.0)
    m = polygon_mask(g, lat, lon)
    assert m[:2].all() and not m[2:].any()


@pytest.mark.parametrize("obj, pattern", [
    ("{not json", r"line 1 column 2: invalid JSON"),
    ({"type": "Point", "coordinates": [1, 2]}, r"type 'Point' not allowed"),
    ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
     r"'LineString' is not an area"),
    (_poly([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)]), r"Self-intersection"),
    (_poly([(0, 0), (1, 0), (1, 1), (0, 1)]), r"not closed"),
    (_poly([(0, 0), (1, 0), (0, 0)]), r"at least 4 positions"),
    (_poly([(0, 0), (1, 0), (1, 95), (0, 0)]), r"latitude 95 outside -90..90"),
    (_poly([(0, 0), (400, 0), (1, 1), (0, 0)]), r"longitude 400 outside -180..360"),
    (_poly(SQUARE, [(150, 33), (152, 33), (152, 35), (150, 33)]), r"invalid polygon: Hole"),
    (_poly([(0, 80), (120, 80), (-120, 80), (0, 80)]), r"winds around a pole"),
    ({"type": "FeatureCollection", "features": []}, r"no features"),
])
def test_bad_geojson_refused_naming_file(tmp_path, obj, pattern):
    p = _write(tmp_path, obj)
    with pytest.raises(PolygonError, match=pattern) as e:
        load_polygon(p)
    assert isinstance(e.value, ValueError)
    assert str(p) in str(e.value)


def test_missing_polygon_file(tmp_path):
    with pytest.raises(PolygonError, match="file not found"):
        load_polygon("nowhere.geojson", base_dir=tmp_path)
