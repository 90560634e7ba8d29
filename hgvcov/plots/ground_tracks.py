"""Satellite ground tracks drawn over a map: thin lines, cut at the map's seam.

:func:`draw_ground_tracks` reads ``ground_track_lat_deg`` / ``ground_track_lon_deg``
(satellite, ground_track_time) of ``coverage.nc`` (:mod:`hgvcov.exports.ground_tracks`) and
draws one thin line per satellite, cut where it crosses the seam of the map (the
longitude opposite the map's centre: the antimeridian for a map centred on 0 deg)
with :func:`hgvcov.exports.lines.split_at_seam`, so no line sweeps back across the map.
Like the other overlays (:mod:`hgvcov.plots.overlays`) it takes the axes' central
longitude and PlateCarree projection, draws in the axes' own -180..180 frame about that
centre, and returns the legend handles for what it drew.
"""
from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from hgvcov.exports.ground_tracks import GROUND_TRACK_LAT, GROUND_TRACK_LON
from hgvcov.exports.lines import split_at_seam

__all__ = ["ground_track_segments", "draw_ground_tracks"]


def ground_track_segments(dataset, central_lon_deg: float = 0.0, satellites=None) -> list:
    """The ground tracks of ``dataset`` as polylines in a map frame about ``central_lon_deg``.

    Parameters
    ----------
    dataset : xarray.Dataset
        ``coverage.nc`` (in memory or read back) with the ground-track variables.
    central_lon_deg : float
        The map's central longitude (deg).
    satellites : iterable of str, optional
        Names of the satellites to draw (default all).

    Returns
    -------
    list of ndarray (n, 2)
        ``(x, lat)`` vertices with ``x = lon - central_lon_deg`` in [-180, 180]; empty when
        the data set has no ground tracks.
    """
    if dataset is None or GROUND_TRACK_LAT not in dataset.variables:
        return []
    lat = np.asarray(dataset[GROUND_TRACK_LAT].values, dtype=np.float64)
    lon = np.asarray(dataset[GROUND_TRACK_LON].values, dtype=np.float64)
    names = [str(n) for n in dataset[GROUND_TRACK_LAT]["satellite"].values] \
        if "satellite" in dataset[GROUND_TRACK_LAT].coords else [str(i) for i in range(len(lat))]
    keep = None if satellites is None else {str(s) for s in satellites}
    segs = []
    for j, name in enumerate(names):
        if keep is not None and name not in keep:
            continue
        for x, y in split_at_seam(lon[j], lat[j], center_deg=central_lon_deg):
            segs.append(np.column_stack([x - central_lon_deg, y]))
    return segs


def draw_ground_tracks(ax, dataset, central: float = 0.0, proj=None, satellites=None,
                       color: str = "#3b3b3b", linewidth: float = 0.5, alpha: float = 0.55,
                       zorder: float = 3.5, label: str = "satellite ground tracks") -> list:
    """Draw the satellites' ground tracks of ``dataset`` on a map axes.

    Parameters
    ----------
    ax : cartopy GeoAxes or matplotlib Axes
    dataset : xarray.Dataset
        ``coverage.nc`` with ``ground_track_lat_deg`` / ``ground_track_lon_deg``; without
        them nothing is drawn.
    central : float
        Central longitude of the axes' PlateCarree projection (deg).
    proj : cartopy CRS, optional
        The axes' PlateCarree projection (``ccrs.PlateCarree(central_longitude=central)``);
        default: that projection on a GeoAxes, data coordinates (x = longitude) on a plain
        axes.
    satellites : iterable of str, optional
        Only these satellites (default all).
    color, linewidth, alpha, zorder
        Line style: thin and light, under the tracks (zorder 6) and radars (4-5), over
        the coverage field.
    label : str
        Legend text.

    Returns
    -------
    list of matplotlib.lines.Line2D
        One legend handle, or none when nothing was drawn.
    """
    segs = ground_track_segments(dataset, central, satellites)
    if not segs:
        return []
    kw = {}
    if proj is None and hasattr(ax, "projection"):  # a GeoAxes
        import cartopy.crs as ccrs
        proj = ccrs.PlateCarree(central_longitude=central)
    if proj is not None:
        kw["transform"] = proj
    else:  # plain axes: x is the longitude itself
        segs = [np.column_stack([s[:, 0] + central, s[:, 1]]) for s in segs]
    lc = LineCollection(segs, colors=color, linewidths=linewidth, alpha=alpha, zorder=zorder,
                        **kw)
    ax.add_collection(lc)
    return [Line2D([], [], color=color, lw=max(linewidth, 1.0), alpha=alpha, label=label)]
