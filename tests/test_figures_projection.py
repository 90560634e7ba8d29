"""Map projections and extents (hgvcov.plots.projections, hgvcov.plots.coverage_maps):
the projection chosen from the region, the view holding the whole region (across the
antimeridian too), thin regions drawn, every overlay on the map, and labels kept apart.
"""

from __future__ import annotations

import cartopy.crs as ccrs
import numpy as np
import pytest
import xarray as xr

from hgvcov import plots
from hgvcov.plots import coverage_maps
from hgvcov.plots.projections import auto_projection_name, map_projection

# A projected map coordinate is exact to PROJ's round trip (micrometres); a metre is plenty.
one_metre = 1.0


def _grid(lat, lon, value=0.4):
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    f = value + 0.3 * np.sin(np.radians(la * 7)) * np.cos(np.radians(lo * 5))
    return xr.Dataset({"fraction_stereo": (("lat", "lon"), np.clip(f, 0, 1))},
                      coords={"lat": lat, "lon": lon}, attrs={"scenario_name": "projection test"})


@pytest.mark.parametrize("box, name", [
    ((115.0, 155.0, 15.0, 50.0), "lambert"),       # the default Japan box: mid-latitudes
    ((160.0, 220.0, 40.0, 65.0), "lambert"),       # across the antimeridian, mid-latitudes
    ((90.0, 130.0, -10.0, 15.0), "platecarree"),   # across the equator
    ((0.0, 360.0, 60.0, 90.0), "polar"),           # a polar cap
    ((-60.0, 30.0, 72.0, 88.0), "polar"),          # a high-latitude box
    ((0.0, 360.0, -90.0, 90.0), "equalearth"),     # the globe (equal-area)
    ((-170.0, 0.0, 20.0, 50.0), "platecarree"),    # wider than 150 deg
])
def test_auto_projection_from_the_region(box, name):
    assert auto_projection_name(box) == name
    assert map_projection("auto", box).name == name


def test_lambert_standard_parallels_at_one_sixth():
    """Snyder's rule of thumb for a conic: standard parallels 1/6 of the span inside each edge."""
    mp = map_projection("lambert", (115.0, 155.0, 14.0, 50.0))
    params = mp.crs.proj4_params
    assert (params["lat_1"], params["lat_2"]) == pytest.approx((14.0 + 6.0, 50.0 - 6.0))
    assert params["lon_0"] == pytest.approx(135.0)


def test_named_projections_and_bad_names():
    box = (115.0, 155.0, 15.0, 50.0)
    assert isinstance(map_projection("mercator", box).crs, ccrs.Mercator)
    assert isinstance(map_projection("robinson", box).crs, ccrs.Robinson)
    assert map_projection("equirectangular", box).name == "platecarree"
    with pytest.raises(plots.MapError, match="projection='orthographic': allowed auto, platecarree"):
        map_projection("orthographic", box)
    with pytest.raises(plots.MapError, match="Lambert conic needs a box on one side of the equator"):
        map_projection("lambert", (90.0, 130.0, -10.0, 15.0))


def _capture_axes(monkeypatch):
    """The GeoAxes and MapProjection of each map drawn."""
    seen = []
    real = coverage_maps._set_view

    def spy(ax, mp, box):
        seen.append((ax, mp, box))
        return real(ax, mp, box)

    monkeypatch.setattr(coverage_maps, "_set_view", spy)
    return seen


@pytest.mark.parametrize("lat, lon, name", [
    (np.arange(20.0, 46.01, 2.0), np.arange(120.0, 150.01, 2.0), "lambert"),
    (np.arange(40.0, 65.01, 1.0), np.arange(160.0, 220.01, 2.0), "lambert"),  # antimeridian
    (np.arange(-10.0, 15.01, 1.0), np.arange(90.0, 130.01, 1.0), "platecarree"),
])
def test_view_holds_every_cell_corner(tmp_path, monkeypatch, lat, lon, name):
    """Every corner of every grid cell lies inside the drawn map's limits."""
    seen = _capture_axes(monkeypatch)
    plots.plot_coverage_map(_grid(lat, lon), "fraction_stereo", tmp_path / "m.png", dpi=40)
    ax, mp, _ = seen[-1]
    assert mp.name == name
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    step = 0.5 * (lon[1] - lon[0]), 0.5 * (lat[1] - lat[0])
    cx = np.r_[lon - step[0], lon + step[0]]
    cy = np.r_[lat - step[1], lat + step[1]]
    gx, gy = np.meshgrid(cx, cy)
    p = mp.crs.transform_points(ccrs.PlateCarree(), gx.ravel(), gy.ravel())
    assert p[:, 0].min() >= x0 - one_metre and p[:, 0].max() <= x1 + one_metre
    assert p[:, 1].min() >= y0 - one_metre and p[:, 1].max() <= y1 + one_metre
    # ... and the data frame is centred on the region (no split at the antimeridian).
    assert mp.central_lon_deg == pytest.approx(((lon[0] + lon[-1]) / 2 + 180.0) % 360.0 - 180.0)


@pytest.mark.parametrize("lat, lon", [
    (np.array([35.0]), np.arange(120.0, 150.01, 1.0)),     # one row
    (np.arange(20.0, 46.01, 1.0), np.array([139.0])),      # one column
    (np.array([35.0]), np.array([139.0])),                 # one point
])
def test_thin_regions_are_drawn(tmp_path, monkeypatch, lat, lon):
    """One-row, one-column and one-point grids draw their cells (or a labelled marker) in a
    map box of at least MIN_BOX_SPAN_DEG each way."""
    seen = []
    real = coverage_maps.colour_scale
    monkeypatch.setattr(coverage_maps, "colour_scale", lambda *a, **k: seen.append(1) or real(*a, **k))
    ds = _grid(lat, lon)
    box = coverage_maps._map_box(lat, lon, lat.size * lon.size == 1, steps=coverage_maps._grid_steps(ds, lat, lon))
    assert box[1] - box[0] >= coverage_maps.MIN_BOX_SPAN_DEG - 1e-9
    assert box[3] - box[2] >= coverage_maps.MIN_BOX_SPAN_DEG - 1e-9
    out = plots.plot_coverage_map(ds, "fraction_stereo", tmp_path / "thin.png", dpi=60)
    import matplotlib.image as mimage
    img = mimage.imread(out)[..., :3]
    scale = real("fraction_stereo", ds["fraction_stereo"].values)
    # at least one pixel in the colour of a drawn value (not only land, ocean and text)
    rgb = np.array(scale.cmap(scale.norm(float(ds["fraction_stereo"].values.ravel()[0] * 100)))[:3])
    assert np.sum(np.all(np.abs(img - rgb) < 0.02, axis=-1)) > 20


def test_overlays_on_every_map_and_switchable(tmp_path):
    """Tracks, launch/aim markers, radar sites and the area outline go on every map: legend
    entries name them; overlays=False leaves them (and the legend) out."""
    from hgv_models import radar

    from .test_maps import _dataset, _tracks

    site = radar.RadarSite("Sado J/FPS-5", 38.07, 138.4, 1060.0, 1000.0)
    threats = [{"name": "toward Tokyo", "launch": [40.0, 124.0], "aim": [35.68, 139.77]}]
    polygon = np.array([[125.0, 25.0], [145.0, 25.0], [145.0, 42.0], [125.0, 42.0], [125.0, 25.0]])
    labels = {}

    from matplotlib.figure import Figure
    real_legend = Figure.legend

    def spy(self, *a, **k):
        labels.setdefault("all", []).append([h.get_label() for h in k.get("handles", [])])
        return real_legend(self, *a, **k)

    Figure.legend = spy
    try:
        for var in ("fraction_1", "max_gap_s"):
            plots.plot_coverage_map(_dataset(), var, tmp_path / f"{var}.png", tracks=_tracks(),
                                    threats=threats, radar_sites=[site], polygon=polygon, dpi=40)
        plots.plot_coverage_map(_dataset(), "fraction_1", tmp_path / "bare.png", tracks=_tracks(),
                                threats=threats, radar_sites=[site], polygon=polygon, dpi=40, overlays=False)
    finally:
        Figure.legend = real_legend
    want = {"area of interest", "not detected", "custody (1+ satellites, no stereo)", "stereo track",
            "launch", "aim point"}
    for entry in labels["all"]:
        assert want <= set(entry)
        assert any(e.startswith("ground-radar site and horizon") for e in entry)
    assert len(labels["all"]) == 2  # the bare map has no legend at all
    assert plots.overlays.radar_label(site) == "Sado"


def test_labels_do_not_overlap(tmp_path, monkeypatch):
    """Radar and threat names placed by adjustText: no two label boxes overlap, including the
    close pairs of the issue (Kadena / Naha-like sites a few km apart)."""
    from hgv_models import radar
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from .test_maps import _dataset

    sites = [radar.RadarSite("Kadena", 26.36, 127.77, 30.0, 1000.0),
             radar.RadarSite("Naha", 26.21, 127.68, 30.0, 1000.0),
             radar.RadarSite("Tokyo", 35.68, 139.77, 30.0, 1000.0),
             radar.RadarSite("Yokosuka", 35.29, 139.67, 30.0, 1000.0)]
    figs = []
    real = coverage_maps.atomic_savefig
    monkeypatch.setattr(coverage_maps, "atomic_savefig", lambda fig, p, **k: figs.append(fig) or real(fig, p, **k))
    plots.plot_coverage_map(_dataset(), "fraction_1", tmp_path / "labels.png", radar_sites=sites, dpi=60)
    fig = figs[-1]
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = [a for a in fig.axes if hasattr(a, "projection")][0]
    texts = [t for t in ax.texts if t.get_text() in {"Kadena", "Naha", "Tokyo", "Yokosuka"}]
    assert len(texts) == 4
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())


def test_point_map_with_many_sites_uses_a_key(tmp_path, monkeypatch):
    """More than KEY_MIN_POINTS named points: markers are numbered north to south and a key
    lists number, name and value."""
    n = coverage_maps.KEY_MIN_POINTS + 3
    lat = np.linspace(26.0, 43.0, n)
    lon = np.linspace(127.0, 142.0, n)
    names = [f"site {i}" for i in range(n)]
    ds = xr.Dataset({"fraction_stereo": ("point", np.linspace(0.6, 0.99, n))},
                    coords={"point": np.arange(n), "name": ("point", names), "lat": ("point", lat),
                            "lon": ("point", lon)})
    keys = []
    real = coverage_maps._draw_key
    monkeypatch.setattr(coverage_maps, "_draw_key", lambda fig, key, *a: keys.append(key) or real(fig, key, *a))
    plots.plot_coverage_map(ds, "fraction_stereo", tmp_path / "pts.png", dpi=40)
    key = keys[-1]
    assert [k for k, _, _ in key] == list(range(1, n + 1))
    assert key[0][1] == f"site {n - 1}" and key[0][2] == "99 %"   # northernmost first
    assert key[-1][1] == "site 0" and key[-1][2] == "60 %"
