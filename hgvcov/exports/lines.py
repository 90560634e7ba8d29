"""Polylines in longitude/latitude cut where they cross a longitude seam.

A track sampled in time is continuous on the sphere, but drawn in a plate-carree frame (a
map about a central longitude, or KML's [-180, 180] longitudes) it must be cut where it
crosses the frame's edge, or the line would sweep back across the whole map.
:func:`split_at_seam` wraps longitudes into ``[center - 180, center + 180)`` and cuts the
line there, adding the crossing point (interpolated linearly in longitude, as the track is
drawn between samples) at both edges so that the pieces meet the seam.
"""
from __future__ import annotations

import numpy as np

__all__ = ["wrap_lon", "split_at_seam"]


def wrap_lon(lon_deg, center_deg: float = 0.0) -> np.ndarray:
    """Longitudes wrapped into ``[center - 180, center + 180)`` (deg)."""
    lon = np.asarray(lon_deg, dtype=np.float64)
    return (lon - center_deg + 180.0) % 360.0 - 180.0 + center_deg


def split_at_seam(lon_deg, lat_deg, *others, center_deg: float = 0.0) -> list[tuple]:
    """Cut a lon/lat polyline where it crosses the seam ``center_deg +- 180``.

    Consecutive samples are taken to be joined the short way round (less than 180 deg of
    longitude apart).  Samples with a NaN coordinate end a piece (a gap in the track).

    Parameters
    ----------
    lon_deg, lat_deg : array_like (n,)
        The polyline (deg); longitudes in any convention.
    *others : array_like (n,)
        Values carried along (altitude, time ...), interpolated at the crossings.
    center_deg : float
        Central longitude of the frame (deg); 0 gives KML's [-180, 180).

    Returns
    -------
    list of tuple of ndarray
        One ``(lon, lat, *others)`` per piece, longitudes in
        ``[center - 180, center + 180]`` (the crossing points sit exactly on the edges);
        pieces of fewer than two samples are dropped.
    """
    lon = np.asarray(lon_deg, dtype=np.float64)
    cols = [np.asarray(lat_deg, dtype=np.float64)] + [np.asarray(o, dtype=np.float64)
                                                      for o in others]
    out: list[tuple] = []
    finite = np.isfinite(lon) & np.isfinite(cols[0])
    # runs of finite samples
    edges = np.flatnonzero(np.diff(np.concatenate(([0], finite.astype(np.int8), [0]))))
    for a, b in zip(edges[::2], edges[1::2]):
        out += _split_run(lon[a:b], [c[a:b] for c in cols], center_deg)
    return [p for p in out if p[0].size >= 2]


def _split_run(lon, cols, center):
    # continuous longitude (no jumps), then cut at every multiple of the seam
    cont = np.degrees(np.unwrap(np.radians(lon)))
    cont = wrap_lon(cont[0], center) + (cont - cont[0])
    k = np.floor((cont - (center - 180.0)) / 360.0)  # which copy of the frame each sample is in
    pieces = []
    start = 0
    prefix_lon, prefix_cols = [], [[] for _ in cols]
    for i in range(1, cont.size):
        if k[i] == k[i - 1]:
            continue
        # crossing between samples i-1 and i at the seam between frames k[i-1] and k[i]
        seam = center - 180.0 + 360.0 * max(k[i], k[i - 1])
        f = (seam - cont[i - 1]) / (cont[i] - cont[i - 1])
        at = [c[i - 1] + f * (c[i] - c[i - 1]) for c in cols]
        off = 360.0 * k[i - 1]
        lon_piece = np.concatenate((prefix_lon, cont[start:i] - off, [seam - off]))
        col_pieces = [np.concatenate((p, c[start:i], [v])) for p, c, v in zip(prefix_cols, cols, at)]
        pieces.append((lon_piece, *col_pieces))
        off_next = 360.0 * k[i]
        prefix_lon = [seam - off_next]
        prefix_cols = [[v] for v in at]
        start = i
    off = 360.0 * k[-1]
    pieces.append((np.concatenate((prefix_lon, cont[start:] - off)),
                   *[np.concatenate((p, c[start:])) for p, c in zip(prefix_cols, cols)]))
    return pieces
