"""GIS / 3-D exports (issue 17): coverage.nc's CRS, GeoTIFFs, tracks.kml, scenario.czml and
the satellites' ground tracks, each read back by an independent reader.

- coverage.nc's CRS: GDAL's netCDF driver through rasterio (``netcdf:path:var``).
- GeoTIFF: rasterio / GDAL (geotransform, CRS, nodata, tags, values).
- tracks.kml: lxml with the KML 2.2 namespace (not fastkml, which wrote it).
- scenario.czml: czml3's own pydantic model and plain ``json``; a satellite position against
  the engine's propagator.
- ground tracks: skyfield's ``wgs84.subpoint_of`` of the same SGP4 elements.
Degenerate cases: no threats, a point region, a global grid, a box across the antimeridian.
"""
from __future__ import annotations

import json
import math
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
import xarray as xr
from lxml import etree

from hgv_models.radar import JAPAN_RADAR_SITES
from hgvcov.cli import main
from hgvcov.exports import EXPORT_KINDS, write_exports
from hgvcov.exports.crs import WGS84_GRID_MAPPING, WGS84_WKT
from hgvcov.exports.geotiff import write_geotiffs
from hgvcov.exports.ground_tracks import satellite_positions
from hgvcov.exports.lines import split_at_seam
from hgvcov.exports.style import CUSTODY_COLORS, CUSTODY_LABELS
from hgvcov.outputs import read_manifest
from hgvcov.run import run_scenario
from hgvcov.scenario import ScenarioError, scenario_from_toml
from tests.conftest import TOKYO_THREAT, box_region, scenario_toml

KML_NS = {"k": "http://www.opengis.net/kml/2.2"}
GRIDDED = ("fraction_1", "fraction_2", "fraction_stereo", "mean_count", "max_gap_s",
           "mean_gap_s", "max_gap_stereo_s", "median_position_error_m")

#: Half an hour of the 12-satellite shell over Japan at the glide layer, one threat.
THREAT_RUN = scenario_toml(
    "exports e2e", 1800, 120, box_region((20, 50), (120, 150), 5, 40),
    sensor="min_elevation_deg = 5\nfield_of_regard_deg = 120\n",
    extra=TOKYO_THREAT + "[output]\nmaps = false\ntrack_step_s = 5\n")
#: A coarse global grid (both poles, both ends of the longitude axis), no threats.
GLOBAL_RUN = scenario_toml("global", 600, 120, box_region((-90, 90), (-180, 180), 30, 0),
                           extra="[output]\nmaps = false\n")
#: Two named points, no threats.
POINT_RUN = scenario_toml(
    "points", 600, 120,
    'points = [{name = "Tokyo", lat_deg = 35.68, lon_deg = 139.77},\n'
    '          {name = "Naha", lat_deg = 26.21, lon_deg = 127.68}]\naltitude_km = 40\n',
    extra="[output]\nmaps = false\n")


def _run(tmp_path_factory, text, name, **kw):
    work = tmp_path_factory.mktemp(name)
    sc = scenario_from_toml(text, base_dir=work)
    summary = run_scenario(sc, work / "out", **kw)
    return sc, work / "out", summary


@pytest.fixture(scope="module")
def threat_run(tmp_path_factory):
    return _run(tmp_path_factory, THREAT_RUN, "threat")


@pytest.fixture(scope="module")
def global_run(tmp_path_factory):
    return _run(tmp_path_factory, GLOBAL_RUN, "global")


@pytest.fixture(scope="module")
def point_run(tmp_path_factory):
    return _run(tmp_path_factory, POINT_RUN, "points")


# ------------------------------------------------------------------ coverage.nc CRS


def test_grid_mapping_is_wgs84_epsg_4326():
    """The WKT is EPSG:4326 as GDAL writes it, and the CF parameters are WGS84's."""
    from pyproj import CRS
    assert WGS84_WKT == rasterio.crs.CRS.from_epsg(4326).to_wkt()
    assert CRS.from_wkt(WGS84_WKT).to_epsg() == 4326
    ell = CRS.from_epsg(4326).ellipsoid
    assert WGS84_GRID_MAPPING["semi_major_axis"] == ell.semi_major_metre == 6378137.0
    assert WGS84_GRID_MAPPING["inverse_flattening"] == pytest.approx(ell.inverse_flattening,
                                                                     rel=1e-15)


@pytest.mark.parametrize("fixture", ["threat_run", "global_run"])
def test_gdal_reads_epsg_4326_from_coverage_nc(request, fixture):
    _, out, _ = request.getfixturevalue(fixture)
    ds = xr.open_dataset(out / "coverage.nc")
    assert ds["crs"].attrs["grid_mapping_name"] == "latitude_longitude"
    for var in GRIDDED:
        assert ds[var].attrs["grid_mapping"] == "crs", var
        with rasterio.open(f"netcdf:{out / 'coverage.nc'}:{var}") as r:
            assert r.crs.to_epsg() == 4326
            step = float(ds.lon[1] - ds.lon[0])
            # GDAL's geotransform: north-up, pixel centres on the grid points
            assert (r.transform.a, r.transform.e) == (step, -step)
            assert r.transform.c == float(ds.lon[0]) - step / 2
            assert r.transform.f == float(ds.lat[-1]) + step / 2
            np.testing.assert_array_equal(r.read(1), ds[var].values[::-1])
    ds.close()


def test_point_region_has_no_grid_mapping_and_no_geotiff(point_run):
    """Point regions are no raster: no crs variable, no grid_mapping, no GeoTIFF (said)."""
    _, out, summary = point_run
    ds = xr.load_dataset(out / "coverage.nc")
    assert "point" in ds.dims and "crs" not in ds.variables
    assert not any("grid_mapping" in ds[v].attrs for v in ds.variables)
    names = {p.name for p in out.iterdir()}
    assert not [n for n in names if n.endswith(".tif")]
    assert "tracks.kml" not in names          # no threats
    assert summary["exports_failed"] == []
    # satellites still have their ground tracks and their CZML packets
    assert ds["ground_track_lat_deg"].dims == ("satellite", "ground_track_time")
    assert ds.sizes["satellite"] == 12
    packets = json.loads((out / "scenario.czml").read_text())
    assert len(packets) == 1 + 12


# ------------------------------------------------------------------ GeoTIFF


def test_geotiff_per_gridded_variable_read_back_by_rasterio(threat_run):
    _, out, summary = threat_run
    ds = xr.load_dataset(out / "coverage.nc")
    for var in GRIDDED:
        name = f"{var}.tif"
        assert name in summary["files"] and name in read_manifest(out)
        with rasterio.open(out / name) as r:
            assert r.crs.to_epsg() == 4326 and r.count == 1 and r.dtypes == ("float64",)
            assert r.transform.e < 0                     # north-up
            assert (r.transform.a, r.transform.c, r.transform.f) == (5.0, 117.5, 52.5)
            assert math.isnan(r.nodata)
            tags = r.tags()
            assert tags["units"] == ds[var].attrs["units"]
            assert tags["long_name"] == ds[var].attrs["long_name"]
            np.testing.assert_array_equal(r.read(1), ds[var].values[::-1, :])
            # a grid point looked up by its coordinates
            row, col = r.index(145.0, 30.0)
            a = r.read(1)[row, col]
            b = float(ds[var].sel(lat=30.0, lon=145.0))
            assert (a == b) or (math.isnan(a) and math.isnan(b))


def _synthetic(lat, lon):
    v = np.add.outer(np.asarray(lat, float) * 1000.0, np.asarray(lon, float))
    v[0, 0] = np.nan
    return xr.Dataset({"fraction_1": (("lat", "lon"), v, {"units": "1", "long_name": "demo"}),
                       "region_mask": (("lat", "lon"), np.ones(v.shape, np.int8))},
                      coords={"lat": np.asarray(lat, float), "lon": np.asarray(lon, float)})


@pytest.mark.parametrize("lon, first_col", [
    (np.arange(150.0, 211.0, 10.0), 150.0),    # across the antimeridian, kept monotonic
    (np.arange(190.0, 221.0, 10.0), -170.0),   # 0..360 convention: shifted one turn
    (np.arange(-200.0, -149.0, 10.0), 160.0),  # below -180: shifted one turn
    (np.arange(0.0, 361.0, 30.0), 0.0),        # global 0..360, both ends kept
])
def test_geotiff_longitudes_monotonic_across_the_antimeridian(tmp_path, lon, first_col):
    lat = np.arange(-90.0, 91.0, 30.0) if lon.size == 13 else np.array([10.0, 20.0, 30.0])
    ds = _synthetic(lat, lon)
    assert write_geotiffs(ds, tmp_path.__truediv__) == ["fraction_1.tif", "region_mask.tif"]
    step = float(lon[1] - lon[0])
    with rasterio.open(tmp_path / "fraction_1.tif") as r:
        assert r.width == lon.size and r.height == lat.size
        assert r.transform.c == first_col - step / 2
        assert r.transform.f == lat[-1] + step / 2
        data = r.read(1)
        for j, x in enumerate(lon):
            row, col = r.index(first_col + (x - lon[0]), lat[1])
            assert col == j and data[row, col] == ds.fraction_1.values[1, j]
        assert np.isnan(data[-1, 0])      # the NaN at (lat[0], lon[0]): south-west corner
    with rasterio.open(tmp_path / "region_mask.tif") as r:
        assert r.dtypes == ("int8",) and r.nodata is None


# ------------------------------------------------------------------ KML


def _states(tracks: pd.DataFrame) -> list[str]:
    """Custody state per sample, written out: stereo, else >= 1 satellite, else none."""
    out = []
    for n, st in zip(tracks["n_detect"], tracks["stereo"]):
        out.append("stereo" if bool(st) else ("single" if n >= 1 else "none"))
    return out


def _coords(el) -> np.ndarray:
    text = el.find(".//k:coordinates", KML_NS).text.split()
    return np.array([[float(v) for v in c.split(",")] for c in text])


def test_tracks_kml_read_back_with_lxml(threat_run):
    _, out, summary = threat_run
    tracks = pd.read_csv(out / "tracks.csv").sort_values("time_s")
    root = etree.parse(str(out / "tracks.kml")).getroot()
    assert root.tag == "{http://www.opengis.net/kml/2.2}kml"
    doc = root.find("k:Document", KML_NS)
    assert doc.find("k:name", KML_NS).text == "exports e2e"
    # custody styles coloured like the maps (KML aabbggrr)
    for state, hex_rgb in CUSTODY_COLORS.items():
        c = doc.find(f"k:Style[@id='custody-{state}']/k:LineStyle/k:color", KML_NS).text
        assert c == "ff" + hex_rgb[5:7] + hex_rgb[3:5] + hex_rgb[1:3]
    folders = {f.find("k:name", KML_NS).text: f for f in doc.findall("k:Folder", KML_NS)}
    assert set(folders) == {"HGV tracks", "Ground radars"}
    threat = folders["HGV tracks"].find("k:Folder", KML_NS)
    marks = threat.findall("k:Placemark", KML_NS)
    names = [m.find("k:name", KML_NS).text for m in marks]
    assert names[:2] == ["toward Tokyo: launch", "toward Tokyo: aim"]
    np.testing.assert_allclose(_coords(marks[0])[0], [116.0, 40.0])
    np.testing.assert_allclose(_coords(marks[1])[0], [139.77, 35.68])
    # one LineString per run of samples in one custody state
    states = _states(tracks)
    runs = [0] + [i for i in range(1, len(states)) if states[i] != states[i - 1]]
    lines = marks[2:]
    assert len(lines) == len(runs)
    lon, lat, alt_m = (tracks[c].to_numpy() for c in ("lon_deg", "lat_deg", "altitude_km"))
    alt_m = alt_m * 1000.0
    n_vertices = 0
    for k, (m, i0) in enumerate(zip(lines, runs)):
        i1 = runs[k + 1] if k + 1 < len(runs) else len(states) - 1   # shares the next start
        assert m.find("k:styleUrl", KML_NS).text == f"#custody-{states[i0]}"
        assert m.find(".//k:altitudeMode", KML_NS).text == "absolute"
        xyz = _coords(m)
        n_vertices += len(xyz)
        # tracks.csv is rounded to 1e-6 deg and 1e-4 km, the KML to 1e-6 deg: half a unit
        # of each in the last place, twice
        tol = [2e-6, 2e-6, 0.1]
        np.testing.assert_array_less(np.abs(xyz[0] - [lon[i0], lat[i0], alt_m[i0]]), tol)
        np.testing.assert_array_less(np.abs(xyz[-1] - [lon[i1], lat[i1], alt_m[i1]]), tol)
        assert len(xyz) == i1 - i0 + 1
    assert n_vertices == len(states) + len(runs) - 1
    assert summary["per_threat"]["toward Tokyo"]


def test_kml_radar_horizons_are_the_4_3_earth_horizon(threat_run):
    """Each site's polygon is a circle of the radio horizon at the 40 km region altitude."""
    from hgvcov.plots.overlays import radar_radius_km as map_radius_km
    _, out, _ = threat_run
    root = etree.parse(str(out / "tracks.kml")).getroot()
    radars = [f for f in root.iter("{http://www.opengis.net/kml/2.2}Folder")
              if f.find("k:name", KML_NS).text == "Ground radars"][0]
    polys = [p for p in radars.findall("k:Placemark", KML_NS)
             if p.find("k:Polygon", KML_NS) is not None]
    assert len(polys) == len(JAPAN_RADAR_SITES)
    k, r_km = 4.0 / 3.0, 6371.0088      # Skolnik 2001 ch. 8: d = sqrt(2kRh1) + sqrt(2kRh2)
    for site, pm in zip(JAPAN_RADAR_SITES, polys):
        d_km = math.sqrt(2 * k * r_km * site.antenna_height_m / 1000) + math.sqrt(2 * k * r_km * 40)
        d_km = min(d_km, site.max_range_km)
        assert d_km == pytest.approx(map_radius_km(site, 40.0), rel=1e-12)   # as on the maps
        ring = _coords(pm)
        # haversine distance of every vertex on a sphere: within 0.5 % of the geodesic
        # (WGS84 vs sphere differ by < 0.5 % in distance)
        p1, p2 = np.radians(site.lat_deg), np.radians(ring[:, 1])
        dl = np.radians(ring[:, 0] - site.lon_deg)
        h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
        dist = 2 * r_km * np.arcsin(np.sqrt(h))
        np.testing.assert_allclose(dist, d_km, rtol=0.005)
        np.testing.assert_array_equal(ring[0], ring[-1])   # closed


def test_custody_colours_match_the_maps():
    from hgvcov.plots.overlays import CUSTODY_COLORS as MAP_COLORS
    from hgvcov.plots.overlays import CUSTODY_LABELS as MAP_LABELS
    assert CUSTODY_COLORS == MAP_COLORS and CUSTODY_LABELS == MAP_LABELS


# ------------------------------------------------------------------ CZML


def test_czml_read_back_with_czml3_and_checked_against_the_engine(threat_run):
    from czml3 import Document
    sc, out, _ = threat_run
    text = (out / "scenario.czml").read_text()
    doc = Document.model_validate_json(text)          # czml3's own model validates it
    packets = json.loads(text)
    assert len(doc.packets) == len(packets) == 1 + 12 + 1
    head = packets[0]
    assert head["id"] == "document" and head["version"] == "1.0"
    assert head["clock"]["interval"] == "2026-11-21T00:00:00Z/2026-11-21T00:30:00Z"
    sats = [p for p in packets if p["id"].startswith("sat/")]
    assert len(sats) == 12
    pos = sats[3]["position"]
    assert pos["referenceFrame"] == "FIXED" and pos["epoch"] == "2026-11-21T00:00:00Z"
    samples = np.array(pos["cartesian"]).reshape(-1, 4)
    np.testing.assert_array_equal(samples[:, 0], np.arange(0.0, 1801.0, 120.0))
    # one position against the engine: the run's SGP4 at t = 600 s, ITRS km -> m
    satellites = sc.build_satellites()
    eng_km, _ = satellite_positions(satellites, sc.time.start, [600.0], "sgp4")
    j = satellites.names.index(sats[3]["name"])
    np.testing.assert_allclose(samples[5, 1:], eng_km[0, j] * 1000.0, atol=1e-3, rtol=0)
    # the threat: availability launch -> impact, custody intervals as colour intervals
    threat = packets[-1]
    assert threat["id"] == "threat/toward Tokyo"
    tracks = pd.read_csv(out / "tracks.csv").sort_values("time_s")
    start = sc.time.start
    t0, t1 = tracks["time_s"].iloc[0], tracks["time_s"].iloc[-1]
    first, last = threat["availability"].split("/")
    assert pd.Timestamp(first) == pd.Timestamp(start + timedelta(seconds=float(t0)))
    assert abs(pd.Timestamp(last) - pd.Timestamp(start + timedelta(seconds=float(t1)))) \
        < pd.Timedelta(milliseconds=1)
    states = _states(tracks)
    runs = [0] + [i for i in range(1, len(states)) if states[i] != states[i - 1]]
    custody = threat["properties"]["custody"]
    colours = threat["point"]["color"]
    assert [c["string"] for c in custody] == [states[i] for i in runs]
    assert len(colours) == len(runs)
    for c, i in zip(colours, runs):
        hex_rgb = CUSTODY_COLORS[states[i]]
        assert c["rgba"] == [int(hex_rgb[1:3], 16), int(hex_rgb[3:5], 16),
                             int(hex_rgb[5:7], 16), 255]
    assert custody[0]["interval"].split("/")[0] == first
    track_pos = np.array(threat["position"]["cartographicDegrees"]).reshape(-1, 4)
    assert len(track_pos) == len(tracks)
    np.testing.assert_allclose(track_pos[0, 1:3], [116.0, 40.0], atol=1e-6)


def test_czml_without_threats_has_only_satellites(global_run):
    _, out, _ = global_run
    packets = json.loads((out / "scenario.czml").read_text())
    assert [p["id"] for p in packets[:1]] == ["document"]
    assert len(packets) == 13 and not [p for p in packets if p["id"].startswith("threat/")]


# ------------------------------------------------------------------ ground tracks


def test_ground_tracks_in_coverage_nc_match_skyfield_subpoint(threat_run):
    """Default span: one orbit of the slowest satellite, every 30 s; sub-satellite points
    within 1 cm of skyfield's ``wgs84.subpoint_of`` (measured: 1.6 mm worst over 7
    satellites x 10 samples of the built-in scenario)."""
    from skyfield.api import EarthSatellite, load, wgs84
    one_cm_m = 0.01
    sc, out, _ = threat_run
    ds = xr.open_dataset(out / "coverage.nc")
    lat, lon = ds["ground_track_lat_deg"], ds["ground_track_lon_deg"]
    assert lat.dims == lon.dims == ("satellite", "ground_track_time")
    assert lat.attrs["units"] == "degrees_north" and lon.attrs["units"] == "degrees_east"
    times = ds["ground_track_time"].values           # decoded by xarray to UTC date-times
    assert times[0] == np.datetime64("2026-11-21T00:00:00")
    step_s = (times[1] - times[0]) / np.timedelta64(1, "s")
    assert step_s == 30.0
    # one orbit at 1,000 km: Kepler's 2 pi sqrt(a^3 / mu) within 0.5 % (J2 / Kozai terms)
    a_km, mu = 6378.137 + 1000.0, 398600.4418
    period_s = 2 * math.pi * math.sqrt(a_km ** 3 / mu)
    span_s = (times[-1] - times[0]) / np.timedelta64(1, "s")
    assert span_s == pytest.approx(period_s, rel=0.005)
    sats = sc.build_satellites()
    ts = load.timescale(builtin=True)
    for j in (0, 7):
        assert str(ds["satellite"].values[j]) == sats.names[j]
        sky = EarthSatellite.from_satrec(sats.satrecs[j], ts)
        for k in (0, 37, len(times) - 1):
            t = ts.from_datetime(sc.time.start + timedelta(seconds=30.0 * k))
            sp = wgs84.subpoint_of(sky.at(t))
            dlat = float(lat[j, k]) - sp.latitude.degrees
            dlon = (float(lon[j, k]) - sp.longitude.degrees + 180.0) % 360.0 - 180.0
            d_m = math.hypot(dlat, dlon * math.cos(sp.latitude.radians)) * 111_195.0
            assert d_m < one_cm_m, (j, k, d_m)
    ds.close()


def test_ground_track_span_and_off(tmp_path):
    text = GLOBAL_RUN.replace("[output]\n", "[output]\nexports = []\n"
                              "ground_tracks = {start_s = 600, duration_s = 1200, step_s = 60}\n")
    run_scenario(scenario_from_toml(text, base_dir=tmp_path), tmp_path / "a")
    ds = xr.load_dataset(tmp_path / "a" / "coverage.nc", decode_times=False)
    np.testing.assert_array_equal(ds["ground_track_time"].values, np.arange(600.0, 1801.0, 60.0))
    assert ds["ground_track_time"].attrs["units"] == "seconds since 2026-11-21 00:00:00"
    text = GLOBAL_RUN.replace("[output]\n", "[output]\nexports = []\nground_tracks = false\n")
    run_scenario(scenario_from_toml(text, base_dir=tmp_path), tmp_path / "b")
    ds = xr.load_dataset(tmp_path / "b" / "coverage.nc")
    assert "ground_track_lat_deg" not in ds and "ground_track_time" not in ds.dims
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [
        ".hgvcov-manifest.json", "coverage.nc", "satellites.csv", "summary.json"]


def test_draw_ground_tracks_cut_at_the_map_seam(global_run):
    import cartopy.crs as ccrs
    from matplotlib.figure import Figure

    from hgvcov.plots.ground_tracks import draw_ground_tracks, ground_track_segments
    _, out, _ = global_run
    ds = xr.load_dataset(out / "coverage.nc")
    for central in (0.0, 140.0):
        segs = ground_track_segments(ds, central)
        assert len(segs) > 12          # one orbit of each crosses the seam at least once
        for s in segs:
            assert np.all(np.abs(s[:, 0]) <= 180.0 + 1e-9)
            assert np.all(np.abs(np.diff(s[:, 0])) < 90.0)     # no line across the map
        n_points = sum(len(s) for s in segs)
        assert n_points >= ds["ground_track_lat_deg"].size      # every sample drawn
    fig = Figure()
    ax = fig.add_subplot(projection=ccrs.PlateCarree(central_longitude=140.0))
    handles = draw_ground_tracks(ax, ds, central=140.0)
    assert len(handles) == 1 and len(ax.collections) == 1
    assert len(ax.collections[0].get_segments()) == len(ground_track_segments(ds, 140.0))
    assert draw_ground_tracks(ax, ds.drop_vars(["ground_track_lat_deg",
                                                 "ground_track_lon_deg"])) == []


def test_split_at_seam_against_a_written_out_crossing():
    """170 -> -170 crosses 180 halfway: the cut point is (180, lat halfway) on both sides."""
    pieces = split_at_seam([160.0, 170.0, -170.0, -160.0], [0.0, 1.0, 3.0, 4.0], [0, 10, 30, 40])
    assert len(pieces) == 2
    np.testing.assert_allclose(pieces[0][0], [160.0, 170.0, 180.0])
    np.testing.assert_allclose(pieces[0][1], [0.0, 1.0, 2.0])
    np.testing.assert_allclose(pieces[0][2], [0.0, 10.0, 20.0])
    np.testing.assert_allclose(pieces[1][0], [-180.0, -170.0, -160.0])
    np.testing.assert_allclose(pieces[1][1], [2.0, 3.0, 4.0])
    # a gap (NaN) ends a piece; a line that never crosses is one piece
    assert len(split_at_seam([10.0, 20.0, np.nan, 30.0, 40.0], np.zeros(5))) == 2
    assert len(split_at_seam([10.0, 20.0, 30.0], np.zeros(3))) == 1


# ------------------------------------------------------------------ the run and the CLI


def test_exports_listed_timed_and_global_grid_without_tracks_kml(global_run):
    _, out, summary = global_run
    names = {p.name for p in out.iterdir()}
    assert {f"{v}.tif" for v in GRIDDED} | {"scenario.czml", "coverage.nc"} <= names
    assert "tracks.kml" not in names
    assert summary["timings"]["exports_s"] > 0 and summary["exports_failed"] == []
    assert set(read_manifest(out)) == names - {".hgvcov-manifest.json"}
    with rasterio.open(out / "fraction_1.tif") as r:     # poles and both ends of lon
        assert (r.width, r.height) == (13, 7)
        assert r.bounds == (-195.0, -105.0, 195.0, 105.0)


def test_no_exports_flag_and_empty_list_remove_earlier_exports(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(GLOBAL_RUN)
    assert main(["run", "s.toml", "-o", "out", "-q"]) == 0
    assert (tmp_path / "out" / "fraction_1.tif").exists()
    assert main(["run", "s.toml", "-o", "out", "-q", "--no-exports"]) == 0
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert not [n for n in names if n.endswith((".tif", ".kml", ".czml"))]
    (tmp_path / "s.toml").write_text(GLOBAL_RUN.replace("[output]\n",
                                                        '[output]\nexports = ["czml"]\n'))
    assert main(["run", "s.toml", "-o", "out", "-q"]) == 0
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert "scenario.czml" in names and not [n for n in names if n.endswith(".tif")]


def test_unknown_export_name_is_one_clean_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(GLOBAL_RUN.replace("[output]\n",
                                                        '[output]\nexports = ["geotiff", "kmz"]\n'))
    assert main(["run", "s.toml", "-o", "out"]) == 2
    err = capsys.readouterr().err
    assert "output.exports" in err and "'kmz'" in err and '"czml"' in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    with pytest.raises(ScenarioError, match="output.ground_tracks.step_s"):
        scenario_from_toml(GLOBAL_RUN.replace("[output]\n",
                                              "[output]\nground_tracks = {step_s = 0}\n"))
    assert EXPORT_KINDS == ("geotiff", "kml", "czml")
    from hgvcov.scenario.schema import EXPORT_KINDS as SCHEMA_KINDS
    assert SCHEMA_KINDS == EXPORT_KINDS


def test_a_failing_export_costs_only_itself(tmp_path, monkeypatch):
    import hgvcov.exports.geotiff as geotiff

    def broken(*a, **k):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(geotiff, "write_geotiffs", broken)
    summary = run_scenario(scenario_from_toml(GLOBAL_RUN, base_dir=tmp_path), tmp_path / "o")
    names = {p.name for p in (tmp_path / "o").iterdir()}
    assert "coverage.nc" in names and "scenario.czml" in names
    assert not [n for n in names if n.endswith(".tif")]
    assert summary["exports_failed"] == [{"name": "geotiff",
                                          "message": "RuntimeError: disk on fire"}]


def test_write_exports_discards_the_files_of_a_failed_export(tmp_path):
    """A failure half-way through the GeoTIFFs leaves none of them staged."""
    ds = _synthetic([10.0, 20.0], [100.0, 110.0])
    ds["bad"] = (("lat", "lon", "a", "b"), np.zeros((2, 2, 1, 1)))   # 4-D: skipped, not failed
    discarded = []

    def path_for(name: str) -> Path:
        if name == "region_mask.tif":
            raise OSError("no space left")
        return tmp_path / name
    written, failed = write_exports(["geotiff"], path_for, dataset=ds,
                                    discard=discarded.append)
    assert written == [] and failed[0]["name"] == "geotiff"
    assert discarded == ["fraction_1.tif", "region_mask.tif"]
