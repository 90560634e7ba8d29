"""Coverage maps: one metric of ``coverage.nc`` over the region.

A region narrower than 360 deg of longitude is drawn on a PlateCarree map of its box; one
spanning all longitudes on a polar stereographic map when it lies on one side of the
equator (a polar cap) and on a Robinson world map otherwise.

plot_coverage_map(dataset, var, path, ...)
    A grid (dims ``lat``/``lon``, drawn as cells with coastlines on top) or a point
    list (dim ``point``, drawn as markers over filled land), with the layers of
    :mod:`hgvcov.plots.overlays` (HGV tracks by custody state, launch and aim
    points, ground-radar horizons, area-of-interest outline), a colour bar in
    display units and the area-weighted statistics in the title.

The figure is sized to the map box's aspect so the layout needs no "tight" pass.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable, Mapping

import cartopy.crs as ccrs
import matplotlib
import matplotlib.path as mpath
import matplotlib.ticker as mticker
import numpy as np
from cartopy.mpl.ticker import LatitudeFormatter, LongitudeFormatter
from constellation import area_statistics
from constellation.polygon import polygon_mask
from matplotlib import colors as mcolors
from matplotlib import patheffects
from matplotlib.figure import Figure

from hgvcov.plots._common import (METRIC_STYLES, MapError, atomic_savefig, dataset_subtitle, dataset_title,
                                  first_present, target_altitude_km, wrap180)
from hgvcov.plots.overlays import add_land, draw_polygon, draw_radars, draw_tracks, threat_points, track_groups

__all__ = ["DEFAULT_TARGET_ALTITUDE_KM", "plot_coverage_map"]

DEFAULT_TARGET_ALTITUDE_KM = 40.0  # HGV glide layer, used for radar horizons when the data set has none


# --------------------------------------------------------------------------- data and colour scale


def _latlon_of(dataset) -> tuple[np.ndarray, np.ndarray, bool]:
    """(lat, lon, is_points) of a coverage data set."""
    if "point" in dataset.dims:
        lat = first_present(dataset, "lat", "lat_deg", "latitude")
        lon = first_present(dataset, "lon", "lon_deg", "longitude")
        if lat is None or lon is None:
            raise MapError(
                "dataset with dim 'point' needs per-point coordinates 'lat'/'lon' (or 'lat_deg'/'lon_deg')"
            )
        return np.asarray(lat, float).ravel(), np.asarray(lon, float).ravel(), True
    if "lat" in dataset.dims and "lon" in dataset.dims:
        return np.asarray(dataset["lat"], float), np.asarray(dataset["lon"], float), False
    raise MapError(f"dataset dims {tuple(dataset.dims)}: allowed ('lat', 'lon') for a grid or ('point',) for a point list")


def _display_scale(var: str, values: np.ndarray, attrs: Mapping) -> tuple[float, str, str, float | None, float | None]:
    """(multiplier, unit label, kind, vmin, vmax) used to show ``var``."""
    style = METRIC_STYLES.get(var, {})
    kind = style.get("kind")
    if kind is None:
        units = str(attrs.get("units", ""))
        if var.startswith("fraction") or units in ("1", "fraction"):
            kind = "fraction"
        elif var.endswith("_s"):
            kind = "duration"
        elif var.endswith("_m"):
            kind = "distance"
        else:
            kind = "other"
    finite = values[np.isfinite(values)]
    vmax_data = float(finite.max()) if finite.size else 1.0
    if kind == "fraction":
        return 100.0, "%", kind, 0.0, 100.0
    if kind == "duration":
        if vmax_data >= 2 * 3600:
            return 1 / 3600.0, "h", kind, 0.0, None
        if vmax_data >= 120:
            return 1 / 60.0, "min", kind, 0.0, None
        return 1.0, "s", kind, 0.0, None
    if kind == "distance":
        if vmax_data >= 5000:
            return 1e-3, "km", kind, 0.0, None
        return 1.0, "m", kind, 0.0, None
    if kind == "count":
        return 1.0, "", kind, 0.0, None
    return 1.0, str(attrs.get("units", "")), kind, None, None


def _long_name(var: str, attrs: Mapping) -> str:
    """Colour-bar and title name of ``var``: :data:`METRIC_STYLES`, else the variable's ``long_name``."""
    return METRIC_STYLES.get(var, {}).get("long_name") or str(attrs.get("long_name", var))


def _area_stats(values: np.ndarray, lat: np.ndarray, lon: np.ndarray, is_points: bool,
                mask=None) -> tuple[float, float, float]:
    """(area-weighted mean, minimum, maximum) of a grid field or a point list.

    :func:`constellation.area_statistics`, the implementation behind
    :func:`constellation.region_statistics` (``summary.json``), so a map title and the
    summary agree: cos-latitude weights with pole rows weight 0, NaN values left out, a
    repeated meridian (the 360 deg column of a [0, 360] grid) counted once.
    """
    st = area_statistics(values, lat, None if is_points else lon, mask)
    return st["mean"], st["min"], st["max"]


# --------------------------------------------------------------------------- map frame


def _new_map(lon0, lon1, lat0, lat1, map_width_in=8.0, top_in=1.25):
    """Figure sized to the map box's aspect (PlateCarree), leaving room for titles and colorbar."""
    central = 0.5 * (lon0 + lon1)
    proj = ccrs.PlateCarree(central_longitude=central)
    aspect = (lat1 - lat0) / max(lon1 - lon0, 1e-6)
    map_w = map_width_in if aspect <= 1.0 else max(map_width_in / aspect, 4.5)
    map_h = map_w * aspect
    bottom_in, left_in, right_in = 0.55, 0.75, 1.45
    fig_w, fig_h = map_w + left_in + right_in, map_h + top_in + bottom_in
    fig = Figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes([left_in / fig_w, bottom_in / fig_h, map_w / fig_w, map_h / fig_h], projection=proj)
    ax.set_extent([lon0 - central, lon1 - central, lat0, lat1], crs=proj)
    ax.set_facecolor("#cfe3f0")
    return fig, ax, proj, central


def _frame_kind(box) -> str:
    """'box' for a map box narrower than 360 deg of longitude, else the frame of a map round
    the globe: 'north' / 'south' (polar stereographic, the box on one side of the equator)
    or 'world'."""
    lon0, lon1, lat0, lat1 = box
    if lon1 - lon0 < 360.0 - 1e-9:
        return "box"
    if lat0 >= 0.0:
        return "north"
    if lat1 <= 0.0:
        return "south"
    return "world"


def _new_global_map(frame, box, top_in=1.25):
    """Figure and axes of a map round the globe: polar stereographic about the pole for a
    polar cap ('north' / 'south', down to the box's equatorward edge), Robinson for 'world'.

    Data are drawn, as on the box maps, in PlateCarree about the box's central longitude;
    returns (figure, axes, that data projection, central longitude, box of 360 deg).
    """
    lon0, lon1, lat0, lat1 = box
    central = 0.5 * (lon0 + lon1)
    box = (central - 180.0, central + 180.0, lat0, lat1)
    if frame == "world":
        map_proj, map_w, map_h = ccrs.Robinson(central_longitude=central), 9.0, 9.0 * 0.507
    elif frame == "north":
        map_proj, map_w, map_h = ccrs.NorthPolarStereo(central_longitude=central), 6.5, 6.5
    else:
        map_proj, map_w, map_h = ccrs.SouthPolarStereo(central_longitude=central), 6.5, 6.5
    bottom_in, left_in, right_in = 0.55, 0.75, 1.45 if frame == "world" else 1.75
    fig_w, fig_h = map_w + left_in + right_in, map_h + top_in + bottom_in
    fig = Figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes([left_in / fig_w, bottom_in / fig_h, map_w / fig_w, map_h / fig_h],
                      projection=map_proj)
    if frame == "world":
        ax.set_global()
    else:  # a disc about the pole down to the equatorward edge (set_extent degenerates here)
        edge = lat0 if frame == "north" else lat1
        x, y = map_proj.transform_point(central, edge, ccrs.PlateCarree())
        r = float(np.hypot(x, y))
        ax.set_xlim(-r, r)
        ax.set_ylim(-r, r)
        theta = np.linspace(0.0, 2.0 * np.pi, 200)
        ax.set_boundary(mpath.Path(np.column_stack([0.5 + 0.5 * np.cos(theta), 0.5 + 0.5 * np.sin(theta)])),
                        transform=ax.transAxes)
    ax.set_facecolor("#cfe3f0")
    return fig, ax, ccrs.PlateCarree(central_longitude=central), central, box


def _global_gridlines(ax, frame, lat0, lat1):
    """Dashed graticule of a map round the globe: meridians every 60 deg (45 on polar caps,
    labelled round the rim), parallels at the finest of 5, 10, 15, 30 deg giving at most six
    intervals."""
    step = next(s for s in (5, 10, 15, 30) if (lat1 - lat0) / s <= 6)
    gl = ax.gridlines(crs=ccrs.PlateCarree(), draw_labels=True, linewidth=0.4, color="#404040",
                      alpha=0.5, linestyle="--", zorder=3)
    lon_step = 60 if frame == "world" else 45
    gl.xlocator = mticker.FixedLocator(np.arange(-180, 180, lon_step).tolist())
    gl.ylocator = mticker.FixedLocator(
        np.arange(math.floor(lat0 / step) * step, lat1 + step, step).clip(-90, 90).tolist())
    gl.xformatter = LongitudeFormatter()
    gl.yformatter = LatitudeFormatter()
    gl.xlabel_style = {"size": 8}
    gl.ylabel_style = {"size": 8}
    return gl


def _cell_edges(x, lat):
    """(x, lon edges, lat edges, column order) of a grid round the globe, in the map's frame.

    Columns that wrap onto the same longitude are drawn once; the first/last column is
    repeated one turn away when its cell crosses the frame's edge (so no sliver is lost at
    +-180 deg), and edges are clipped to the frame (+-180 deg) and the poles.
    """
    order = np.argsort(x, kind="stable")
    xs, first = np.unique(x[order], return_index=True)
    order = order[first]
    dx = float(np.median(np.diff(xs))) if xs.size > 1 else 360.0
    if xs.size > 1 and xs[0] - dx / 2 < -180.0:
        xs, order = np.append(xs, xs[0] + 360.0), np.append(order, order[0])
    if xs.size > 1 and xs[-1] + dx / 2 > 180.0 and xs[-1] < 180.0:
        xs, order = np.insert(xs, 0, xs[-1] - 360.0), np.insert(order, 0, order[-1])

    def edges(v, step, lo, hi):
        mid = 0.5 * (v[1:] + v[:-1]) if v.size > 1 else np.empty(0)
        return np.clip(np.concatenate([[v[0] - step / 2], mid, [v[-1] + step / 2]]), lo, hi)

    dlat = float(np.median(np.diff(lat))) if lat.size > 1 else 1.0
    return xs, edges(xs, dx, -180.0, 180.0), edges(np.asarray(lat, float), dlat, -90.0, 90.0), order


def _gridlines(ax, lon0, lon1, lat0, lat1):
    """Dashed graticule, labelled left and bottom, at the finest of 1, 2, 5, ... 60 degrees
    that gives at most ten intervals across the box."""
    span = max(lon1 - lon0, lat1 - lat0)
    step = next(s for s in (1, 2, 5, 10, 15, 20, 30, 45, 60) if span / s <= 10)
    gl = ax.gridlines(
        crs=ccrs.PlateCarree(),
        draw_labels=True,
        linewidth=0.4,
        color="#404040",
        alpha=0.5,
        linestyle="--",
        zorder=3,
    )
    gl.top_labels = False
    gl.right_labels = False
    start = math.floor(lon0 / step) * step
    gl.xlocator = mticker.FixedLocator(wrap180(np.arange(start, lon1 + step, step)).tolist())
    gl.ylocator = mticker.FixedLocator(np.arange(math.floor(lat0 / step) * step, lat1 + step, step).tolist())
    gl.xformatter = LongitudeFormatter()
    gl.yformatter = LatitudeFormatter()
    gl.xlabel_style = {"size": 9}
    gl.ylabel_style = {"size": 9}
    return gl


def _map_box(lat, lon, is_points, extra_lonlat: Iterable[tuple[float, float]] = ()):
    """(lon0, lon1, lat0, lat1) covering the data (grid box or padded points) and extra points."""
    lon = np.asarray(lon, float)
    if is_points:
        lon_c = np.unwrap(np.radians(lon)) if lon.size else lon
        lon = np.degrees(lon_c)
        pad = 3.0
        lon0, lon1 = lon.min() - pad, lon.max() + pad
        lat0, lat1 = lat.min() - pad, lat.max() + pad
    else:
        dlon = float(np.median(np.diff(lon))) if lon.size > 1 else 1.0
        dlat = float(np.median(np.diff(lat))) if lat.size > 1 else 1.0
        lon0, lon1 = lon.min() - dlon / 2, lon.max() + dlon / 2
        lat0, lat1 = lat.min() - dlat / 2, lat.max() + dlat / 2
    center = 0.5 * (lon0 + lon1)
    for x, y in extra_lonlat:
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        x = center + wrap180(x - center)
        lon0, lon1 = min(lon0, x - 1.5), max(lon1, x + 1.5)
        lat0, lat1 = min(lat0, y - 1.5), max(lat1, y + 1.5)
    return float(lon0), float(lon1), float(max(lat0, -90.0)), float(min(lat1, 90.0))


def _region_mask(dataset, polygon, lat, lon, is_points):
    """(n_lat, n_lon) bool: inside the area of interest, or None (whole grid).

    The data set's own ``region_mask`` variable (written by ``hgvcov run`` for
    polygon regions) wins; otherwise the polygon is rasterised with
    ``constellation.polygon.polygon_mask``; a polygon it cannot rasterise
    gives None (statistics over the whole grid).
    """
    if is_points:
        return None
    if "region_mask" in getattr(dataset, "variables", {}):
        m = dataset["region_mask"]
        if set(m.dims) == {"lat", "lon"}:
            return np.asarray(m.transpose("lat", "lon")).astype(bool)
    if polygon is None:
        return None
    try:
        return np.asarray(polygon_mask(polygon, lat, lon), bool)
    except Exception:  # noqa: BLE001 - statistics over the whole grid then
        return None


# --------------------------------------------------------------------------- coverage map layers


def _map_values(dataset, var):
    """(lat, lon, is_points, data array, values) of ``var``; a grid's values are (n_lat, n_lon).

    Raises MapError naming the allowed variables when ``var`` is missing, and when a grid
    variable does not span ``lat``/``lon``.
    """
    if var not in dataset.variables:
        allowed = sorted(v for v in dataset.data_vars)
        raise MapError(f"var={var!r} is not in the data set; allowed: {allowed}")
    lat, lon, is_points = _latlon_of(dataset)
    da = dataset[var]
    values = np.asarray(da, float)
    if not is_points:
        if set(da.dims) != {"lat", "lon"}:
            raise MapError(f"var={var!r} has dims {da.dims}; a map needs ('lat', 'lon')")
        values = np.asarray(da.transpose("lat", "lon"), float)
    return lat, lon, is_points, da, values


def _overlay_lonlat(groups, threat_pts) -> list:
    """(lon, lat) points the map box must hold besides the data: every fifth track sample and each
    track's ends (great-circle arcs bulge poleward of their ends), and launch and aim points."""
    extra = []
    for g in groups.values():
        extra += list(zip(g["lon_deg"].to_numpy(float)[::5], g["lat_deg"].to_numpy(float)[::5]))
        extra += list(zip(g["lon_deg"].to_numpy(float)[[0, -1]], g["lat_deg"].to_numpy(float)[[0, -1]]))
    for _, lp, ap in threat_pts:
        extra += [lp, ap]
    return extra


def _colour_scale(var, shown, vmin, vmax):
    """(colour map, norm) of a metric in display units.

    The colour map comes from :data:`METRIC_STYLES` (viridis otherwise), with missing values
    transparent.  Without a fixed maximum the scale ends at the 99.5th percentile of the finite
    values, so that a few outliers do not wash out the rest, and always above ``vmin``.
    """
    style = METRIC_STYLES.get(var, {})
    cmap = matplotlib.colormaps[style.get("cmap", "viridis")].with_extremes(bad=(0.0, 0.0, 0.0, 0.0))
    finite = shown[np.isfinite(shown)]
    if vmax is None:
        vmax = float(np.nanpercentile(finite, 99.5)) if finite.size else 1.0
        vmax = vmax if vmax > (vmin or 0.0) else (vmin or 0.0) + 1.0
    return cmap, mcolors.Normalize(vmin=vmin, vmax=vmax)


def _draw_point_layer(ax, dataset, lat, lon, shown, cmap, norm, box, central, proj, resolution):
    """Draw a point list as coloured markers over filled land, named when there are at most 30.

    Names come from a ``name``/``point_name`` variable, else from a string ``point`` coordinate.

    Returns
    -------
    (mappable, str)
        The markers (for the colour bar) and the coastline source credit.
    """
    (lon0, lon1, lat0, lat1) = box
    source = add_land(ax, (lon0, lon1), (lat0, lat1), central, mode="fill", resolution=resolution)
    x = wrap180(lon - central)
    mappable = ax.scatter(
        x, lat, c=shown, cmap=cmap, norm=norm, s=70, edgecolors="black", linewidths=0.7, transform=proj, zorder=6
    )
    names = first_present(dataset, "name", "point_name", default=None)
    if names is None and "point" in dataset.coords and dataset["point"].dtype.kind in "OUS":
        names = dataset["point"]
    if names is not None and len(lat) <= 30:
        for xi, yi, nm in zip(x, lat, np.asarray(names).astype(str)):
            t = ax.text(xi + 0.4, yi + 0.3, nm, fontsize=7.5, transform=proj, zorder=7)
            t.set_path_effects([patheffects.withStroke(linewidth=2, foreground="white")])
    return mappable, source


def _draw_grid_layer(ax, dataset, polygon, lat, lon, shown, cmap, norm, box, central, proj, resolution,
                     round_globe=False):
    """Draw a grid as cells, land filled underneath and coastlines on top; veil cells outside the
    area of interest.

    Longitudes are wrapped into the map's frame and sorted, so a grid across the antimeridian
    draws as one block.  The land fill shows where the map reaches beyond the data.  On a map
    round the globe (``round_globe``) the cells get explicit edges (:func:`_cell_edges`).

    Returns
    -------
    (mappable, str)
        The cells (for the colour bar) and the coastline source credit.
    """
    (lon0, lon1, lat0, lat1) = box
    x = central + wrap180(lon - central) - central
    if round_globe:  # explicit cell edges, clipped at +-180 deg and the poles
        _, x_edges, lat_edges, order = _cell_edges(x, np.asarray(lat, float))
        mesh_x, mesh_y, shading = x_edges, lat_edges, "flat"
    else:
        order = np.argsort(x)
        mesh_x, mesh_y, shading = x[order], lat, "nearest"
    mappable = ax.pcolormesh(
        mesh_x, mesh_y, np.ma.masked_invalid(shown[:, order]), cmap=cmap, norm=norm,
        shading=shading, transform=proj, zorder=1, rasterized=True,
    )
    add_land(ax, (lon0, lon1), (lat0, lat1), central, mode="fill", resolution=resolution, zorder=0.5)
    source = add_land(ax, (lon0, lon1), (lat0, lat1), central, mode="outline", resolution=resolution, zorder=2.5)
    outside = _region_mask(dataset, polygon, lat, lon, False)
    if outside is not None:  # fade the cells outside the area of interest
        veil = np.where(outside, np.nan, 1.0)[:, order]
        ax.pcolormesh(mesh_x, mesh_y, np.ma.masked_invalid(veil), cmap=mcolors.ListedColormap(["white"]),
                      alpha=0.55, shading=shading, transform=proj, zorder=1.2, rasterized=True)
    return mappable, source


def _draw_overlays(ax, dataset, polygon, radar_sites, groups, threat_pts, central, proj):
    """Draw the area-of-interest outline, radar horizons and tracks, with one legend for them.

    Radar horizons are against the data set's target altitude, or
    :data:`DEFAULT_TARGET_ALTITUDE_KM` when it is at ground level or has none.  With tracks the
    legend gets a grey frame so that the custody colours stand out.
    """
    handles = draw_polygon(ax, polygon, central, proj)
    alt = target_altitude_km(dataset, None)
    radar_alt = alt if alt else DEFAULT_TARGET_ALTITUDE_KM
    handles += draw_radars(ax, radar_sites, radar_alt, central, proj)
    handles += draw_tracks(ax, groups, threat_pts, central, proj)
    if handles:
        leg = ax.legend(handles=handles, loc="lower left", fontsize=7.5, framealpha=0.92, borderpad=0.6)
        leg.set_zorder(20)
        if groups:
            leg.get_frame().set_facecolor("#9e9e9e")


def _draw_colorbar(fig, ax, mappable, kind, label):
    """Vertical colour bar right of the map, 80 % of its height; open-ended ("max") for durations
    and distances, whose scale has no fixed top."""
    pos = ax.get_position()
    cax = fig.add_axes([pos.x1 + 0.02, pos.y0 + 0.1 * pos.height, 0.022, 0.8 * pos.height])
    cbar = fig.colorbar(mappable, cax=cax, orientation="vertical", extend="max" if kind in ("duration", "distance") else "neither")
    cbar.set_label(label, fontsize=9)
    cbar.ax.tick_params(labelsize=8)


def _stats_text(values, lat, lon, is_points, mask, kind, scale, unit) -> str:
    """The statistics part of the title, over the area of interest (``mask``), the points or the region.

    Fractions give the mean and minimum in %, durations the worst and the mean, anything else
    the mean and range; grid means are area-weighted (:func:`_area_stats`).
    """
    mean, vmin_d, vmax_d = _area_stats(values, lat, lon, is_points, mask)
    where = "area of interest" if mask is not None else (f"{len(lat)} points" if is_points else "region")
    avg = "cos-latitude-weighted mean" if is_points else "area-weighted mean"
    if kind == "fraction":
        return f"{where}: {avg} {mean * 100:.1f} %, minimum {vmin_d * 100:.1f} %"
    if kind == "duration":
        return f"{where}: worst {vmax_d * scale:.1f} {unit}, {avg} {mean * scale:.1f} {unit}"
    u = f" {unit}" if unit else ""
    return f"{where}: {avg} {mean * scale:.3g}{u}, range {vmin_d * scale:.3g} to {vmax_d * scale:.3g}{u}"


def _draw_titles(fig, ax, dataset, title, name, stat, sub, n_title_lines, source):
    """Write the bold title, the metric line with its statistics and the subtitle, and the credit.

    The bold title sits above the metric and subtitle lines (``n_title_lines`` of them, which
    :func:`_new_map` left room for); the coastline source and the program name go bottom right.
    """
    ax.set_title(f"{name} — {stat}" + (f"\n{sub}" if sub else ""), fontsize=9, loc="left", pad=8)
    ax.annotate(
        dataset_title(dataset, title), xy=(0.0, 1.0), xycoords="axes fraction", xytext=(0, 14 + 12 * n_title_lines),
        textcoords="offset points", fontsize=12.5, fontweight="bold", ha="left", va="bottom",
    )
    fig.text(0.995, 0.005, f"{source}. hgv-coverage", fontsize=6.5, ha="right", va="bottom", color="#555555")


# --------------------------------------------------------------------------- public: coverage map


def plot_coverage_map(
    dataset,
    var: str,
    path,
    title: str | None = None,
    tracks=None,
    per_threat: Mapping | None = None,
    radar_sites=None,
    threats=None,
    polygon=None,
    resolution: str = "auto",
    dpi: int = 150,
) -> Path:
    """Draw one coverage metric over the region and write it as a PNG.

    Parameters
    ----------
    dataset : xarray.Dataset
        ``coverage.nc`` contents: dims ``lat``/``lon`` (a regular grid, degrees) or
        ``point`` with per-point ``lat``/``lon`` coordinates.  Attributes such as
        the scenario name, ``constellation``, ``start``/``stop``/``step_s`` and
        ``altitude_km`` decorate the title when present.
    var : str
        Variable to draw (``fraction_1``, ``fraction_2``, ``fraction_stereo``,
        ``mean_count``, ``max_gap_s``, ``mean_gap_s``, ``max_gap_stereo_s``,
        ``median_position_error_m`` or any other 2-D/point variable).
        Fractions are shown in %, gaps in s, min or h, errors in m or km.
    path : str or Path
        Destination PNG (written to a temporary name, then renamed).
    title : str, optional
        First title line; default from the data set's attributes (scenario
        name and constellation).
    tracks : pandas.DataFrame, optional
        ``tracks.csv`` rows (columns ``threat``, ``lat_deg``, ``lon_deg``,
        ``n_detect``, ``stereo``, ``time_s`` ...), drawn coloured by custody
        state (none / single / stereo).
    per_threat : mapping, optional
        Per-threat summary (unused on the map beyond the legend; accepted for
        a uniform signature).
    radar_sites : sequence of RadarSite, optional
        Each drawn with its geodesic horizon circle against a target at the
        data set's altitude (40 km when the data set is at ground level or has
        none), capped at the site's ``max_range_km``.
    threats : sequence of Threat or dicts, optional
        Launch and aim points to mark (``launch_lat_deg``, ... or ``launch``/``aim`` pairs).
    polygon : shapely geometry or (n, 2) lon/lat array, optional
        Area of interest outline.
    resolution : 'auto', 'crude', 'low' or 'intermediate'
        Coastline resolution.

    Returns
    -------
    Path
        The PNG written.
    """
    lat, lon, is_points, da, values = _map_values(dataset, var)
    scale, unit, kind, vmin, vmax = _display_scale(var, values, da.attrs)
    shown = values * scale

    groups = track_groups(tracks)
    threat_pts = threat_points(threats)
    box = _map_box(lat, lon, is_points, _overlay_lonlat(groups, threat_pts))
    sub = dataset_subtitle(dataset)
    n_title_lines = 1 + (sub.count("\n") + 1 if sub else 0)
    frame = _frame_kind(box)
    if frame == "box":
        fig, ax, proj, central = _new_map(*box, top_in=0.62 + 0.2 * n_title_lines)
    else:  # all longitudes: a polar cap or the whole globe
        fig, ax, proj, central, box = _new_global_map(frame, box, top_in=0.62 + 0.2 * n_title_lines)

    cmap, norm = _colour_scale(var, shown, vmin, vmax)
    if is_points:
        mappable, source = _draw_point_layer(ax, dataset, lat, lon, shown, cmap, norm, box, central, proj, resolution)
    else:
        mappable, source = _draw_grid_layer(ax, dataset, polygon, lat, lon, shown, cmap, norm, box, central, proj,
                                            resolution, round_globe=frame != "box")
    if frame == "box":
        _gridlines(ax, *box)
    else:
        _global_gridlines(ax, frame, box[2], box[3])
    _draw_overlays(ax, dataset, polygon, radar_sites, groups, threat_pts, central, proj)
    name = _long_name(var, da.attrs)
    _draw_colorbar(fig, ax, mappable, kind, name + (f" ({unit})" if unit else ""))

    mask = _region_mask(dataset, polygon, lat, lon, is_points)
    stat = _stats_text(values, lat, lon, is_points, mask, kind, scale, unit)
    _draw_titles(fig, ax, dataset, title, name, stat, sub, n_title_lines, source)
    # The layout above leaves room for every label: no second "tight" layout pass (halves the time).
    return atomic_savefig(fig, Path(path), dpi=dpi, tight=False)
