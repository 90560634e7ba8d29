"""Coverage maps: one metric of ``coverage.nc`` over the region.

plot_coverage_map(dataset, var, path, ...)
    A grid (dims ``lat``/``lon``, drawn as cells with coastlines on top) or a point
    list (dim ``point``, drawn as labelled markers over filled land), with the layers of
    :mod:`hgvcov.plots.overlays` (HGV tracks by custody state, launch and aim points,
    ground-radar sites and horizons, area-of-interest outline), a colour bar in display
    units and the area-weighted statistics in the title.

How a map is made:

* **Colour scale** from the data (:func:`hgvcov.plots.scales.colour_scale`): robust
  range rounded to nice levels, discrete levels for fractions and gaps, overridable
  (``vmin``, ``vmax``, ``levels``, ``cmap``).  Only the values inside the area of
  interest decide it.
* **Projection** from the region (:func:`hgvcov.plots.projections.map_projection`):
  Lambert conformal conic for a mid-latitude box, polar stereographic for a polar cap,
  Equal Earth for the globe, Plate Carree otherwise; overridable (``projection``).
  Every projection is centred on the region, so one across the antimeridian is drawn
  in one piece.
* **Layout** computed in inches before anything is rendered (no "tight" pass): the map
  at its projected aspect, titles wrapped to the figure's width, the legend in columns
  under the map (never over the data), the colour bar on the right, labels placed
  apart by :func:`adjustText.adjust_text` on a light stand-in figure.
* **Formats**: PNG, PDF or SVG from the file extension; several at once from one
  drawing.  Vector files keep text as text; the coverage cells are embedded as an image.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Mapping

import cartopy.crs as ccrs
import matplotlib.path as mpath
import matplotlib.ticker as mticker
import numpy as np
from cartopy.mpl.ticker import LatitudeFormatter, LongitudeFormatter
from constellation import area_statistics
from constellation.polygon import polygon_mask
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hgvcov.plots._common import (METRIC_STYLES, MapError, atomic_savefig, dataset_subtitle, dataset_title,
                                  figure_paths, first_present, halo, target_altitude_km, text_width_in,
                                  wrap180, wrap_text)
from hgvcov.plots.overlays import (add_land, draw_polygon, draw_radars, draw_tracks, threat_points,
                                   track_groups)
from hgvcov.plots.ground_tracks import draw_ground_tracks
from hgvcov.plots.options import DEFAULT_OVERLAYS, OVERLAY_NAMES
from hgvcov.plots.projections import MapProjection, frame_kind, map_projection, view_lonlat_box
from hgvcov.plots.scales import ColourScale, colour_scale

__all__ = ["DEFAULT_TARGET_ALTITUDE_KM", "plot_coverage_map"]

DEFAULT_TARGET_ALTITUDE_KM = 40.0  # HGV glide layer, used for radar horizons when the data set has none

# Layout (inches and points).  The map is at most MAP_MAX_W_IN wide and MAP_MAX_H_IN high.
MAP_MAX_W_IN, MAP_MAX_H_IN, MAP_MIN_W_IN = 8.2, 6.8, 5.0
LEFT_IN, RIGHT_IN = 0.8, 1.55          # latitude labels; colour bar with its tick labels and name
TICKS_IN, CREDIT_IN, TOP_PAD_IN = 0.36, 0.24, 0.16
TITLE_PT, METRIC_PT, SUB_PT, LEGEND_PT, KEY_PT = 12.5, 9.5, 8.0, 8.0, 7.5
LINE_SPACING = 1.3
OCEAN = "#cfe3f0"
#: Smallest map box (deg): a one-row or one-point region still shows its surroundings.
MIN_BOX_SPAN_DEG = 8.0
#: Smallest height / width (and width / height) of a map box: thin regions get context.
MIN_BOX_ASPECT = 0.3


# --------------------------------------------------------------------------- data


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
        return np.asarray(dataset["lat"], float).ravel(), np.asarray(dataset["lon"], float).ravel(), False
    raise MapError(f"dataset dims {tuple(dataset.dims)}: allowed ('lat', 'lon') for a grid or ('point',) for a point list")


def _long_name(var: str, attrs: Mapping) -> str:
    """Colour-bar and title name of ``var``: :data:`METRIC_STYLES`, else the variable's ``long_name``;
    a worst-case variable names the satellites removed (its ``removed_satellites`` attribute)."""
    name = METRIC_STYLES.get(var, {}).get("long_name") or str(attrs.get("long_name", var))
    removed = str(attrs.get("removed_satellites", "") or "")
    if removed:
        names = [n.strip() for n in removed.split(",")]
        lost = removed if len(names) <= 3 else f"{len(names)} satellites ({', '.join(names[:2])}, ...)"
        name = name.replace("worst-case losses", f"after losing {lost}")
    return name


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
        values = np.asarray(da.transpose("lat", "lon"), float).reshape(lat.size, lon.size)
    return lat, lon, is_points, da, values


def _grid_steps(dataset, lat, lon) -> tuple[float, float]:
    """(lat step, lon step) of a grid in degrees.  An axis with one value takes the other's
    step, or the data set's ``step_deg`` / ``region_step_deg`` attribute, else 1 deg."""
    def step(v):
        v = np.asarray(v, float)
        return float(np.median(np.abs(np.diff(v)))) if v.size > 1 else None

    dlat, dlon = step(lat), step(lon)
    attr = None
    for key in ("step_deg", "region_step_deg", "grid_step_deg"):
        attr = attr or _finite(getattr(dataset, "attrs", {}).get(key))
    dlat = dlat or dlon or attr or 1.0
    dlon = dlon or dlat or attr or 1.0
    return dlat, dlon


def _finite(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) and v > 0 else None


def _overlay_switches(overlays) -> dict[str, bool]:
    """``{'tracks', 'radars', 'area', 'ground_tracks'}`` switches from True / False (the
    default overlays on / everything off) or a mapping of them (unnamed: their default)."""
    if isinstance(overlays, bool) or overlays is None:
        on = overlays is not False
        return {k: on and k in DEFAULT_OVERLAYS for k in OVERLAY_NAMES}
    if isinstance(overlays, Mapping):
        bad = [k for k in overlays if k not in OVERLAY_NAMES]
        if bad:
            raise MapError(f"overlays={dict(overlays)!r}: allowed keys " + ", ".join(OVERLAY_NAMES))
        return {k: bool(overlays.get(k, k in DEFAULT_OVERLAYS)) for k in OVERLAY_NAMES}
    raise MapError(f"overlays={overlays!r}: allowed true, false or a mapping of "
                   + ", ".join(OVERLAY_NAMES) + " to true / false")


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
            return np.asarray(m.transpose("lat", "lon")).astype(bool).reshape(lat.size, lon.size)
    if polygon is None:
        return None
    try:
        return np.asarray(polygon_mask(polygon, lat, lon), bool)
    except Exception:  # noqa: BLE001 - statistics over the whole grid then
        return None


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


# --------------------------------------------------------------------------- map box and frame


def _map_box(lat, lon, is_points, extra_lonlat: Iterable[tuple[float, float]] = (), steps=None):
    """(lon0, lon1, lat0, lat1) covering the data (grid cells or padded points) and extra points.

    Longitudes stay continuous across the antimeridian (e.g. 150 to 210).  A box thinner
    than :data:`MIN_BOX_SPAN_DEG` or flatter than :data:`MIN_BOX_ASPECT` is padded about
    its centre, so a one-row or one-point region is drawn with its surroundings.
    """
    lat = np.asarray(lat, float)
    lon = np.asarray(lon, float)
    if is_points:
        lon = np.degrees(np.unwrap(np.radians(lon))) if lon.size else lon
        pad = 3.0
        lon0, lon1 = lon.min() - pad, lon.max() + pad
        lat0, lat1 = lat.min() - pad, lat.max() + pad
    else:
        if steps is None:
            dlat = float(np.median(np.diff(lat))) if lat.size > 1 else 1.0
            dlon = float(np.median(np.diff(lon))) if lon.size > 1 else 1.0
        else:
            dlat, dlon = steps
        lon0, lon1 = lon.min() - dlon / 2, lon.max() + dlon / 2
        lat0, lat1 = lat.min() - dlat / 2, lat.max() + dlat / 2
    center = 0.5 * (lon0 + lon1)
    for x, y in extra_lonlat:
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        x = center + wrap180(x - center)
        lon0, lon1 = min(lon0, x - 1.5), max(lon1, x + 1.5)
        lat0, lat1 = min(lat0, y - 1.5), max(lat1, y + 1.5)
    lon0, lon1 = float(lon0), float(min(lon1, lon0 + 360.0))
    lat0, lat1 = float(max(lat0, -90.0)), float(min(lat1, 90.0))
    if lon1 - lon0 < 360.0 - 1e-9:  # pad thin boxes (not maps round the globe)
        want_lat = max(MIN_BOX_SPAN_DEG, MIN_BOX_ASPECT * (lon1 - lon0))
        if lat1 - lat0 < want_lat:
            mid = 0.5 * (lat0 + lat1)
            lat0, lat1 = mid - want_lat / 2, mid + want_lat / 2
            if lat0 < -90.0:
                lat0, lat1 = -90.0, -90.0 + want_lat
            if lat1 > 90.0:
                lat0, lat1 = 90.0 - want_lat, 90.0
        want_lon = max(MIN_BOX_SPAN_DEG, MIN_BOX_ASPECT * (lat1 - lat0))
        if lon1 - lon0 < want_lon:
            mid = 0.5 * (lon0 + lon1)
            lon0, lon1 = mid - want_lon / 2, mid + want_lon / 2
    return float(lon0), float(lon1), float(lat0), float(lat1)


def _frame_kind(box) -> str:
    """'box', 'north', 'south' or 'world' (:func:`hgvcov.plots.projections.frame_kind`)."""
    return frame_kind(box)


def _coast_resolution(box, mp: MapProjection) -> str:
    """GSHHS resolution for the map's extent: intermediate below 25 degrees of arc across,
    low up to 100, crude beyond (the extent: the box's latitude span, or its longitude span
    times the cosine of its middle latitude, whichever is larger; a polar disc spans twice
    its colatitude)."""
    lon0, lon1, lat0, lat1 = box
    if mp.frame in ("north", "south"):
        span = 2.0 * (90.0 - min(abs(lat0), abs(lat1)))
    elif mp.frame == "world":
        span = 360.0
    else:
        mid = math.radians(0.5 * (lat0 + lat1))
        span = max((lon1 - lon0) * math.cos(mid), lat1 - lat0)
    return "intermediate" if span <= 25.0 else "low" if span <= 100.0 else "crude"


def _set_view(ax, mp: MapProjection, box):
    """Set the axes' view: the box, a polar disc down to the box's equatorward edge, or the
    whole globe."""
    lon0, lon1, lat0, lat1 = box
    c = mp.central_lon_deg
    if mp.frame == "world":
        ax.set_global()
    elif mp.frame in ("north", "south"):  # a disc about the pole (set_extent degenerates here)
        edge = lat0 if mp.frame == "north" else lat1
        x, y = mp.crs.transform_point(c, edge, ccrs.PlateCarree())
        r = float(np.hypot(x, y))
        ax.set_xlim(-r, r)
        ax.set_ylim(-r, r)
        theta = np.linspace(0.0, 2.0 * np.pi, 200)
        ax.set_boundary(mpath.Path(np.column_stack([0.5 + 0.5 * np.cos(theta), 0.5 + 0.5 * np.sin(theta)])),
                        transform=ax.transAxes)
    else:
        x0 = wrap180(lon0 - c) if lon1 - lon0 < 360.0 - 1e-9 else -180.0
        x1 = x0 + (lon1 - lon0) if lon1 - lon0 < 360.0 - 1e-9 else 180.0
        if mp.name == "mercator":
            lat0, lat1 = max(lat0, -80.0), min(lat1, 80.0)
        # The projected box's bounding rectangle, from its edges sampled densely (a conic's
        # curved top edge bulges between the corners), with a 1 % margin.
        t = np.linspace(0.0, 1.0, 181)
        bx = np.r_[x0 + (x1 - x0) * t, np.full_like(t, x1), x1 - (x1 - x0) * t, np.full_like(t, x0)]
        by = np.r_[np.full_like(t, lat0), lat0 + (lat1 - lat0) * t, np.full_like(t, lat1), lat1 - (lat1 - lat0) * t]
        p = mp.crs.transform_points(mp.data_crs, bx, by)[:, :2]
        p = p[np.isfinite(p).all(axis=1)]
        (px0, py0), (px1, py1) = p.min(axis=0), p.max(axis=0)
        mx, my = 0.01 * (px1 - px0), 0.01 * (py1 - py0)
        if mp.name == "platecarree":
            mx = my = 0.0
        ax.set_xlim(px0 - mx, px1 + mx)
        ax.set_ylim(py0 - my, py1 + my)


# --------------------------------------------------------------------------- graticule


def _graticule_step(span_deg: float) -> float:
    """The finest of 1, 2, 5, 10, 15, 20, 30, 45, 60 degrees giving at most nine intervals."""
    return next(s for s in (1, 2, 5, 10, 15, 20, 30, 45, 60) if span_deg / s <= 9)


def _crossings(px, py, level, along):
    """Positions along one axis where a polyline crosses ``level`` on the other (linear
    interpolation between samples)."""
    d = py - level
    ok = np.isfinite(d) & np.isfinite(px)
    out = []
    for i in np.flatnonzero(ok[:-1] & ok[1:] & (np.sign(d[:-1]) != np.sign(d[1:]))):
        f = d[i] / (d[i] - d[i + 1])
        out.append(px[i] + f * (px[i + 1] - px[i]))
    return out


def _gridlines(ax, lon0, lon1, lat0, lat1, mp: MapProjection | None = None, view=None):
    """Dashed graticule of a box map every :func:`_graticule_step` degrees, labelled where the
    meridians cross the bottom edge and the parallels the left edge.

    Lines are projected once (vectorised) and drawn as one collection; cartopy's general
    gridliner (which projects every line at every draw) costs several times more.
    """
    import matplotlib.transforms as mtransforms
    from matplotlib.collections import LineCollection

    step = _graticule_step(max(lon1 - lon0, lat1 - lat0))
    vlon0, vlon1, vlat0, vlat1 = view if view is not None else (lon0, lon1, lat0, lat1)
    c = mp.central_lon_deg if mp is not None else 0.5 * (lon0 + lon1)
    data_crs = mp.data_crs if mp is not None else ccrs.PlateCarree(central_longitude=c)
    crs = ax.projection
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    lats_f = np.linspace(max(vlat0, -89.9), min(vlat1, 89.9), 121)
    lons_f = np.linspace(vlon0, vlon1, 241)
    segs, xlabels, ylabels = [], [], []
    for lon in np.arange(math.ceil(vlon0 / step) * step, vlon1 + 1e-9, step):
        p = crs.transform_points(data_crs, np.full_like(lats_f, lon - c), lats_f)
        segs.append(p[:, :2])
        xlabels += [(x, lon) for x in _crossings(p[:, 0], p[:, 1], y0, "x") if x0 < x < x1]
    for lat in np.arange(math.ceil(max(vlat0, -90.0) / step) * step, min(vlat1, 90.0) + 1e-9, step):
        if abs(lat) >= 90.0:
            continue
        p = crs.transform_points(data_crs, lons_f - c, np.full_like(lons_f, lat))
        segs.append(p[:, :2])
        ylabels += [(y, lat) for y in _crossings(p[:, 1], p[:, 0], x0, "y") if y0 < y < y1]
    ax.add_collection(LineCollection(segs, colors="#404040", linewidths=0.4, alpha=0.5, linestyles="--",
                                     zorder=3, transform=ax.transData), autolim=False)
    fmt_lon, fmt_lat = LongitudeFormatter(), LatitudeFormatter()
    bottom = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    left = mtransforms.blended_transform_factory(ax.transAxes, ax.transData)
    margin_x, margin_y = 0.02 * (x1 - x0), 0.02 * (y1 - y0)
    for x, lon in xlabels:
        if x0 + margin_x <= x <= x1 - margin_x:
            ax.annotate(fmt_lon(float(wrap180(lon))), (x, 0.0), xycoords=bottom, xytext=(0, -4),
                        textcoords="offset points", ha="center", va="top", fontsize=8.5, annotation_clip=False)
    for y, lat in ylabels:
        if y0 + margin_y <= y <= y1 - margin_y:
            ax.annotate(fmt_lat(float(lat)), (0.0, y), xycoords=left, xytext=(-4, 0),
                        textcoords="offset points", ha="right", va="center", fontsize=8.5, annotation_clip=False)


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


# --------------------------------------------------------------------------- data layers


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


def _box_cell_edges(x, lat, dlat, dlon):
    """(lon edges, lat edges, column order) of a grid inside a box (frame longitudes ``x``):
    cell edges half way between centres, half a step beyond the outer ones; a single row or
    column is one step wide."""
    order = np.argsort(x, kind="stable")
    xs = x[order]

    def edges(v, step, lo, hi):
        mid = 0.5 * (v[1:] + v[:-1]) if v.size > 1 else np.empty(0)
        return np.clip(np.concatenate([[v[0] - step / 2], mid, [v[-1] + step / 2]]), lo, hi)

    return edges(xs, dlon, -540.0, 540.0), edges(np.asarray(lat, float), dlat, -90.0, 90.0), order


def _draw_grid_layer(ax, shown, lat, lon, scale: ColourScale, mp: MapProjection, steps):
    """Draw a grid as cells (NaN cells transparent) in the map's data frame; returns the mesh.

    Longitudes are wrapped into the map's frame and sorted, so a grid across the
    antimeridian draws as one block; on a map round the globe the cells get explicit edges
    clipped at +-180 deg and the poles (:func:`_cell_edges`).
    """
    c = mp.central_lon_deg
    x = wrap180(lon - c)
    if mp.frame != "box" or (lon.max() - lon.min() + steps[1] >= 360.0 - 1e-9):
        _, x_edges, lat_edges, order = _cell_edges(x, np.asarray(lat, float))
    else:
        # continuous frame longitudes (a box across the frame's edge stays in one piece)
        x = wrap180(lon[0] - c) + (np.degrees(np.unwrap(np.radians(lon))) - lon[0])
        x_edges, lat_edges, order = _box_cell_edges(x, lat, *steps)
    return ax.pcolormesh(x_edges, lat_edges, np.ma.masked_invalid(shown[:, order]), cmap=scale.cmap,
                         norm=scale.norm, shading="flat", transform=mp.data_crs, zorder=1, rasterized=True)


def _fmt_value(v: float, unit: str) -> str:
    """A value for a label: 3 significant digits, the unit after it."""
    if not np.isfinite(v):
        return "no data"
    s = f"{v:.0f}" if abs(v) >= 10 or unit == "%" else f"{v:.2g}"
    return f"{s} {unit}".strip() if unit != "%" else f"{s} %"


#: A point map with more named points than this numbers its markers and lists the names
#: and values in a key beside the map (written out, 20 names crowd each other).
KEY_MIN_POINTS = 12


def _point_names(dataset, n: int) -> list[str] | None:
    """Point names from a ``name``/``point_name`` variable, else a string ``point`` coordinate."""
    names = first_present(dataset, "name", "point_name", default=None)
    if names is None and "point" in getattr(dataset, "coords", {}) and dataset["point"].dtype.kind in "OUS":
        names = dataset["point"]
    if names is None:
        return None
    names = [str(v) for v in np.asarray(names).ravel()]
    return names if len(names) == n else None


def _draw_point_layer(ax, dataset, lat, lon, shown, scale: ColourScale, mp: MapProjection, labels):
    """Draw points as coloured markers and label them.

    Up to :data:`KEY_MIN_POINTS` named points are labelled ``name: value``; more are
    numbered north to south, and the returned key lists ``(number, name, value)`` for a
    table beside the map.  A single grid cell (no names) is labelled with its value.

    Returns
    -------
    (mappable, key)
        The markers (for the colour bar) and the key rows ([] when labels are written out).
    """
    x = wrap180(lon - mp.central_lon_deg)
    px, py = mp.crs.transform_points(mp.data_crs, x, lat)[:, :2].T
    mappable = ax.scatter(px, py, c=shown, cmap=scale.cmap, norm=scale.norm, s=75, edgecolors="black",
                          linewidths=0.8, transform=ax.transData, zorder=6.5, plotnonfinite=True)
    names = _point_names(dataset, len(lat))
    key = []
    if names is not None and len(lat) > KEY_MIN_POINTS:
        order = np.argsort(-np.asarray(lat, float), kind="stable")
        for k, i in enumerate(order, start=1):
            labels.append((float(x[i]), float(lat[i]), str(k), "number"))
            key.append((k, names[i], _fmt_value(shown[i], scale.unit)))
    elif len(lat) <= 40:
        nm = names or [""] * len(lat)
        for xi, yi, n, v in zip(x, lat, nm, shown):
            text = f"{n}: {_fmt_value(v, scale.unit)}" if n else _fmt_value(v, scale.unit)
            labels.append((float(xi), float(yi), text, "point"))
    return mappable, key


def _key_width_in(key) -> float:
    """Width (inches) of the point key's three columns."""
    if not key:
        return 0.0
    w_num = max(text_width_in(str(k), KEY_PT) for k, _, _ in key)
    w_name = max(text_width_in(n, KEY_PT) for _, n, _ in key)
    w_val = max(text_width_in(v, KEY_PT) for _, _, v in key)
    return w_num + w_name + w_val + 0.35


def _draw_key(fig, key, x_in, top_in, height_in):
    """The point key: number, name and value per row, from ``top_in`` down (inches), in as
    many columns as the map's height needs."""
    fw, fh = fig.get_size_inches()
    row = KEY_PT * 1.45 / 72.0
    per_col = max(1, int(height_in / row))
    w_num = max(text_width_in(str(k), KEY_PT) for k, _, _ in key)
    w_name = max(text_width_in(n, KEY_PT) for _, n, _ in key)
    w_val = max(text_width_in(v, KEY_PT) for _, _, v in key)
    col_w = w_num + w_name + w_val + 0.35
    for j, (k, name, val) in enumerate(key):
        c, r = divmod(j, per_col)
        x0 = x_in + c * col_w
        y = (top_in - (r + 1) * row) / fh
        fig.text((x0 + w_num) / fw, y, str(k), fontsize=KEY_PT, ha="right", va="baseline", fontweight="bold")
        fig.text((x0 + w_num + 0.1) / fw, y, name, fontsize=KEY_PT, ha="left", va="baseline")
        fig.text((x0 + w_num + 0.2 + w_name + w_val) / fw, y, val, fontsize=KEY_PT, ha="right", va="baseline")


# --------------------------------------------------------------------------- labels


#: Label text styles by kind.
_LABEL_STYLE = {
    "threat": {"fontsize": 8.0, "fontweight": "bold", "color": "#111111"},
    "radar": {"fontsize": 7.0, "color": "#3f007d"},
    "point": {"fontsize": 7.5, "color": "#111111"},
    "number": {"fontsize": 7.5, "fontweight": "bold", "color": "#111111"},
}


#: Label placements already computed: the maps of one run share their box, overlays and
#: size, so adjustText runs once per run, not once per map.
_PLACEMENTS: "OrderedDict[tuple, list]" = OrderedDict()


def _label_positions(size_in, lims, items, avoid_pts) -> list[tuple[float, float, str, str, bool]]:
    """Where to write each label: ``[(x, y, ha, va, leader)]`` in map coordinates.

    ``items`` are ``(x, y, text, kind)`` in map coordinates, ``avoid_pts`` (n, 2) map points
    labels must not cover.  :func:`adjustText.adjust_text` runs on a stand-in figure of the
    map's size holding only the texts, with a fixed random seed and number of iterations
    (deterministic).  ``leader`` is True for a label moved far from its point.  Cached.
    """
    key = (tuple(np.round(size_in, 4)), tuple(np.round(lims, 3)),
           tuple((round(x, 3), round(y, 3), t, k) for x, y, t, k in items),
           np.round(np.asarray(avoid_pts, float), 3).tobytes())
    hit = _PLACEMENTS.get(key)
    if hit is not None:
        return hit
    from adjustText import adjust_text

    w_in, h_in = size_in
    x0, x1, y0, y1 = lims
    stand_in = Figure(figsize=(w_in, h_in))
    canvas = FigureCanvasAgg(stand_in)
    sax: Axes = stand_in.add_axes([0.0, 0.0, 1.0, 1.0])
    sax.set_xlim(x0, x1)
    sax.set_ylim(y0, y1)
    dx = 5.0 / 72.0 * (x1 - x0) / w_in  # each label starts about 5 points right of its point
    proxies = []
    for x, y, text, kind in items:
        style = _LABEL_STYLE[kind]
        proxies.append(sax.text(x + dx, y, text, ha="left", va="center", fontsize=style["fontsize"],
                                fontweight=style.get("fontweight", "normal")))
    pts = np.array([(x, y) for x, y, _, _ in items], float)
    avoid = np.asarray(avoid_pts, float).reshape(-1, 2)
    allp = np.vstack([pts, avoid]) if avoid.size else pts
    # Crowded maps need more iterations: about 40 for a few labels, 200 for twenty.
    iter_lim = int(min(300, 30 + 8 * len(proxies)))
    state = np.random.get_state()
    try:
        np.random.seed(20261121)
        adjust_text(proxies, x=allp[:, 0], y=allp[:, 1], ax=sax, iter_lim=iter_lim,
                    expand=(1.15, 1.35), force_text=(0.3, 0.5), force_static=(0.3, 0.5),
                    force_pull=(0.02, 0.02), ensure_inside_axes=True, prevent_crossings=True)
    finally:
        np.random.set_state(state)
    renderer = canvas.get_renderer()
    out = []
    for proxy, (x, y, _, _) in zip(proxies, items):
        tx, ty = proxy.get_position()
        d_px = np.hypot(*(sax.transData.transform((tx, ty)) - sax.transData.transform((x, y))))
        bb = proxy.get_window_extent(renderer)
        leader = bool(d_px > 0.5 * bb.width + 8.0 or d_px > 0.5 * bb.height + 14.0)
        out.append((float(tx), float(ty), proxy.get_ha(), proxy.get_va(), leader))
    _PLACEMENTS[key] = out
    while len(_PLACEMENTS) > 16:
        _PLACEMENTS.popitem(last=False)
    return out


def _place_labels(fig, ax, mp: MapProjection, labels, avoid_xy, size_in):
    """Write ``labels`` ((x, y, text, kind) in the data frame) beside their points, moved apart
    so that none overlaps another or a marker (:func:`_label_positions`), with a white halo;
    a label moved far from its point gets a thin leader line.  ``size_in`` is the map's
    (width, height) in inches."""
    if not labels:
        return
    xs = np.array([lab[0] for lab in labels], float)
    ys = np.array([lab[1] for lab in labels], float)
    pts = mp.crs.transform_points(mp.data_crs, xs, ys)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    keep = [i for i in range(len(labels)) if np.isfinite(pts[i, :2]).all()
            and x0 <= pts[i, 0] <= x1 and y0 <= pts[i, 1] <= y1]
    if not keep:
        return
    avoid = np.asarray(avoid_xy, float).reshape(-1, 2) if len(avoid_xy) else np.empty((0, 2))
    if avoid.size:
        ap = mp.crs.transform_points(mp.data_crs, avoid[:, 0], avoid[:, 1])[:, :2]
        ap = ap[np.isfinite(ap).all(axis=1)]
    else:
        ap = np.empty((0, 2))
    items = [(float(pts[i, 0]), float(pts[i, 1]), labels[i][2], labels[i][3]) for i in keep]
    placed = _label_positions(size_in, (x0, x1, y0, y1), items, ap)
    for (x, y, text, kind), (tx, ty, ha, va, leader) in zip(items, placed):
        t = ax.text(tx, ty, text, transform=ax.transData, ha=ha, va=va, zorder=9.5, clip_on=False,
                    path_effects=halo(2.6, "white", 0.95), **_LABEL_STYLE[kind])
        if leader:
            ax.annotate("", xy=(x, y), xytext=(tx, ty), xycoords="data", textcoords="data",
                        arrowprops={"arrowstyle": "-", "lw": 0.7, "color": "#222222", "shrinkA": 0.0,
                                    "shrinkB": 3.0, "patchA": t, "path_effects": halo(2.0, "white", 0.8)},
                        zorder=9.4)


# --------------------------------------------------------------------------- legend, colour bar, titles


def _legend_columns(handles, width_in) -> int:
    """Most columns (up to 3) whose widest entries fit ``width_in`` side by side."""
    widths = [text_width_in(h.get_label(), LEGEND_PT) + 0.75 for h in handles]
    for ncol in (3, 2):
        cols = [max(widths[i::ncol]) for i in range(ncol)] if len(widths) >= ncol else widths
        if sum(cols) <= width_in:
            return min(ncol, len(handles))
    return 1


def _draw_colorbar(fig, cax, mappable, scale: ColourScale, label, height_in):
    """Vertical colour bar in ``cax``: level boundaries as ticks (discrete scales), pointed ends
    where the data run past the scale, the name and unit beside it (wrapped to its height)."""
    kw = {"extend": scale.extend, "orientation": "vertical"}
    if scale.boundaries is not None:
        kw.update(spacing="proportional", ticks=scale.boundaries if scale.boundaries.size <= 13 else None)
    cbar = fig.colorbar(mappable, cax=cax, **kw)
    cbar.set_label("\n".join(wrap_text(label, 0.96 * height_in, 9)), fontsize=9)
    cbar.ax.tick_params(labelsize=8)
    if scale.boundaries is not None:
        cbar.ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
        cbar.ax.minorticks_off()
    return cbar


def _stats_text(values, lat, lon, is_points, mask, scale: ColourScale) -> str:
    """The statistics part of the title, over the area of interest (``mask``), the points or the region.

    Fractions give the mean and minimum in %, durations the worst and the mean, anything else
    the mean and range; grid means are area-weighted (:func:`_area_stats`).
    """
    kind, mult, unit = scale.kind, scale.multiplier, scale.unit
    mean, vmin_d, vmax_d = _area_stats(values, lat, lon, is_points, mask)
    where = "area of interest" if mask is not None else (f"{len(lat)} points" if is_points else "region")
    avg = "cos-latitude-weighted mean" if is_points else "area-weighted mean"
    if kind == "fraction":
        return f"{where}: {avg} {mean * 100:.1f} %, minimum {vmin_d * 100:.1f} %"
    if kind == "duration":
        return f"{where}: worst {vmax_d * mult:.1f} {unit}, {avg} {mean * mult:.1f} {unit}"
    u = f" {unit}" if unit else ""
    return f"{where}: {avg} {mean * mult:.3g}{u}, range {vmin_d * mult:.3g} to {vmax_d * mult:.3g}{u}"


def _draw_titles(fig, ax, dataset, title, name, stat, sub, layout, source):
    """Write the bold title, the metric line with its statistics, the subtitle (each wrapped
    to the figure's width, as :func:`_layout` measured) and the credit bottom right."""
    fig_w, fig_h = fig.get_size_inches()
    y_in = fig_h - TOP_PAD_IN
    for lines, size, weight, color in ((layout["title"], TITLE_PT, "bold", "black"),
                                       (layout["metric"], METRIC_PT, "normal", "black"),
                                       (layout["sub"], SUB_PT, "normal", "#333333")):
        for line in lines:
            y_in -= size * LINE_SPACING / 72.0
            fig.text(LEFT_IN / fig_w, y_in / fig_h, line, fontsize=size, fontweight=weight, color=color,
                     ha="left", va="baseline")
        y_in -= 0.06
    fig.text(1.0 - 0.06 / fig_w, 0.05 / fig_h, f"{source}. hgv-coverage", fontsize=6.5, ha="right",
             va="bottom", color="#555555")


def _layout(aspect: float, frame: str, title_text: str, metric_text: str, sub: str, handles,
            key=()) -> dict:
    """Sizes (inches) of every block of a map figure, from the map's projected aspect
    (height / width) and the texts: the map as large as fits MAP_MAX_W_IN x MAP_MAX_H_IN,
    titles wrapped to the figure width, the legend's columns and rows."""
    map_w = min(MAP_MAX_W_IN, MAP_MAX_H_IN / max(aspect, 1e-6))
    map_w = max(map_w, MAP_MIN_W_IN)
    map_h = map_w * aspect
    right = RIGHT_IN + (0.4 if frame in ("north", "south") else 0.0)
    key_w = 0.0
    if key:
        per_col = max(1, int(map_h / (KEY_PT * 1.45 / 72.0)))
        key_w = math.ceil(len(key) / per_col) * _key_width_in(key) + 0.1
    right += key_w
    fig_w = LEFT_IN + map_w + right
    text_w = fig_w - LEFT_IN - 0.15
    title = wrap_text(title_text, text_w, TITLE_PT, bold=True)
    metric = wrap_text(metric_text, text_w, METRIC_PT)
    subl = wrap_text(sub, text_w, SUB_PT) if sub else []
    top = TOP_PAD_IN + 0.12 + sum(len(ls) * pt * LINE_SPACING / 72.0 + 0.06
                                  for ls, pt in ((title, TITLE_PT), (metric, METRIC_PT), (subl, SUB_PT)))
    ncol = _legend_columns(handles, fig_w - LEFT_IN) if handles else 1
    rows = math.ceil(len(handles) / ncol) if handles else 0
    legend_h = rows * LEGEND_PT * 2.1 / 72.0 + (0.1 if rows else 0.0)
    ticks = TICKS_IN + (0.12 if frame in ("north", "south") else 0.0)
    bottom = ticks + legend_h + CREDIT_IN
    return {"map_w": map_w, "map_h": map_h, "fig_w": fig_w, "fig_h": top + map_h + bottom, "top": top,
            "bottom": bottom, "ticks": ticks, "legend_h": legend_h, "ncol": ncol, "right": right, "key_w": key_w,
            "title": title, "metric": metric, "sub": subl}


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
    *,
    vmin: float | None = None,
    vmax: float | None = None,
    levels=None,
    cmap: str | None = None,
    projection: str = "auto",
    overlays=True,
):
    """Draw one coverage metric over the region and write it as PNG, PDF or SVG.

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
    path : str or Path, or a list of them
        Destination file(s); the format comes from each extension (.png, .pdf, .svg),
        one drawing written to every file (each to a temporary name, then renamed).
    title : str, optional
        First title line; default from the data set's attributes (scenario
        name and constellation).
    tracks : pandas.DataFrame, optional
        ``tracks.csv`` rows (columns ``threat``, ``lat_deg``, ``lon_deg``,
        ``n_detect``, ``stereo``, ``time_s`` ...), drawn coloured by custody
        state (none / single / stereo) over a white-and-dark casing.
    per_threat : mapping, optional
        Per-threat summary (accepted for a uniform signature; not drawn).
    radar_sites : sequence of RadarSite, optional
        Each drawn as a labelled marker with its geodesic horizon circle against a target
        at the data set's altitude (40 km when the data set is at ground level or has
        none), capped at the site's ``max_range_km``.
    threats : sequence of Threat or dicts, optional
        Launch and aim points to mark (``launch_lat_deg``, ... or ``launch``/``aim`` pairs).
    polygon : shapely geometry or (n, 2) lon/lat array, optional
        Area of interest: outlined; cells outside it are left out of the colour scale and
        not drawn.
    resolution : 'auto', 'crude', 'low' or 'intermediate'
        Coastline resolution; 'auto' picks from the map's visible extent.
    dpi : int
        Resolution of a PNG, and of the coverage cells embedded in a PDF / SVG.
    vmin, vmax : float, optional
        Colour scale ends in the variable's stored units (fractions 0-1, s, m); default
        from the data (:func:`hgvcov.plots.scales.colour_scale`).
    levels : int or sequence of float, optional
        Number of colour levels (0 for a continuous scale) or their boundaries.
    cmap : str, optional
        Colour map name (Crameri's, e.g. ``batlow``, or matplotlib's).
    projection : str
        'auto' (from the region), 'platecarree', 'lambert', 'mercator', 'polar',
        'robinson' or 'equalearth' (:mod:`hgvcov.plots.projections`).
    overlays : bool or mapping
        False hides every overlay; a mapping switches ``tracks`` (tracks, launch/aim
        markers and names), ``radars`` (sites and horizons) and ``area`` (the area-of-
        interest outline) one by one.

    Returns
    -------
    Path or list of Path
        The file written (a list when ``path`` is a list).
    """
    paths = figure_paths(path)
    lat, lon, is_points, da, values = _map_values(dataset, var)
    show = _overlay_switches(overlays)
    mask = _region_mask(dataset, polygon, lat, lon, is_points)
    drawn = values if mask is None else np.where(mask, values, np.nan)
    scale = colour_scale(var, drawn, da.attrs, vmin=vmin, vmax=vmax, levels=levels, cmap=cmap)
    shown = drawn * scale.multiplier

    groups = track_groups(tracks) if show["tracks"] else {}
    threat_pts = threat_points(threats) if show["tracks"] else []
    sites = list(radar_sites or []) if show["radars"] else []
    single_cell = (not is_points) and lat.size == 1 and lon.size == 1
    steps = _grid_steps(dataset, lat, lon)
    box = _map_box(lat, lon, is_points or single_cell, _overlay_lonlat(groups, threat_pts), steps=steps)
    mp = map_projection(projection, box)

    fig = Figure(figsize=(10.0, 8.0))
    ax = fig.add_axes([0.0, 0.0, 1.0, 1.0], projection=mp.crs)
    _set_view(ax, mp, box)
    ax.set_facecolor(OCEAN)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    aspect = (y1 - y0) / (x1 - x0)
    view = view_lonlat_box(ax, mp, box)

    labels: list = []
    avoid: list = []
    key: list = []
    if is_points or single_cell:
        mappable, key = _draw_point_layer(ax, dataset, lat, lon, shown.ravel(), scale, mp, labels)
        avoid += list(zip(wrap180(lon - mp.central_lon_deg), lat))
    else:
        mappable = _draw_grid_layer(ax, shown, lat, lon, scale, mp, steps)
    res = _coast_resolution(box, mp) if resolution == "auto" else resolution
    add_land(ax, view[:2], view[2:], mp.central_lon_deg, mode="fill", resolution=res, zorder=0.5)
    source = add_land(ax, view[:2], view[2:], mp.central_lon_deg, mode="outline", resolution=res, zorder=2.5)
    if mp.frame == "box":
        _gridlines(ax, *box, mp=mp, view=view)
    else:
        _global_gridlines(ax, mp.frame, box[2], box[3])

    handles = draw_polygon(ax, polygon, mp.central_lon_deg, mp.data_crs) if show["area"] else []
    if show["ground_tracks"]:
        handles += draw_ground_tracks(ax, dataset, mp.central_lon_deg, mp.data_crs)
    alt = target_altitude_km(dataset, None)
    radar_alt = alt if alt else DEFAULT_TARGET_ALTITUDE_KM
    handles += draw_radars(ax, sites, radar_alt, mp.central_lon_deg, mp.data_crs, labels=labels)
    handles += draw_tracks(ax, groups, threat_pts, mp.central_lon_deg, mp.data_crs, labels=labels)
    for lab in labels:
        avoid.append(lab[:2])
    for g in groups.values():  # keep labels off the tracks (about 30 points along each)
        gl = g["lon_deg"].to_numpy(float)
        every = max(1, len(gl) // 30)
        avoid += list(zip(wrap180(gl - mp.central_lon_deg), g["lat_deg"].to_numpy(float)))[::every]
    for _, lp, ap in threat_pts:
        avoid.append((float(wrap180(ap[0] - mp.central_lon_deg)), ap[1]))

    name = _long_name(var, da.attrs)
    stat = _stats_text(values, lat, lon, is_points, mask, scale)
    sub = dataset_subtitle(dataset)
    lay = _layout(aspect, mp.frame, dataset_title(dataset, title), f"{name} — {stat}", sub, handles, key)
    fig.set_size_inches(lay["fig_w"], lay["fig_h"])
    fw, fh = lay["fig_w"], lay["fig_h"]
    ax.set_position([LEFT_IN / fw, lay["bottom"] / fh, lay["map_w"] / fw, lay["map_h"] / fh])
    cbar_h = 0.8 * lay["map_h"] if lay["map_h"] > 2.5 else lay["map_h"]
    cbar_gap = 0.62 if mp.frame in ("north", "south") else 0.28  # a disc's labels stand out of it
    cax = fig.add_axes([(LEFT_IN + lay["map_w"] + cbar_gap) / fw,
                        (lay["bottom"] + 0.5 * (lay["map_h"] - cbar_h)) / fh, 0.2 / fw, cbar_h / fh])
    _draw_colorbar(fig, cax, mappable, scale, name + (f" ({scale.unit})" if scale.unit else ""), cbar_h)
    if handles:
        fig.legend(handles=handles, loc="upper left", ncol=lay["ncol"], fontsize=LEGEND_PT, frameon=False,
                   bbox_to_anchor=(LEFT_IN / fw - 0.01, (lay["bottom"] - lay["ticks"]) / fh),
                   borderaxespad=0.0, handlelength=2.6, columnspacing=1.4, handletextpad=0.6)
    if key:
        _draw_key(fig, key, fw - lay["key_w"], lay["bottom"] + lay["map_h"], lay["map_h"])
    _draw_titles(fig, ax, dataset, title, name, stat, sub, lay, source)
    _place_labels(fig, ax, mp, labels, avoid, (lay["map_w"], lay["map_h"]))
    # The layout above leaves room for every label: no second "tight" layout pass.
    written = atomic_savefig(fig, paths, dpi=dpi, tight=False)
    return written[0] if isinstance(path, (str, Path)) else written
