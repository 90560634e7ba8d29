"""Slow, obvious oracle for constellation.polygon: even-odd ray casting in pure Python.

Point-in-polygon by counting crossings of a ray towards +x (lon) with every ring edge
(exterior and holes together: even-odd rule), tried at lon, lon - 360 and lon + 360.
Only used on points that are not on an edge.
"""

from __future__ import annotations


def point_in_rings(x, y, rings):
    """Even-odd rule; rings: list of [(x, y), ...] closed lists."""
    inside = False
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:]):
            if (y1 > y) != (y2 > y):
                xc = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
                if xc > x:
                    inside = not inside
    return inside


def naive_mask(polygons, lat_deg, lon_deg):
    """polygons: list of lists of rings (lon/lat tuples). Returns nested lists of bool."""
    out = []
    for lat in lat_deg:
        row = []
        for lon in lon_deg:
            hit = False
            for rings in polygons:
                for k in (-360.0, 0.0, 360.0):
                    if point_in_rings(lon + k, lat, rings):
                        hit = True
            row.append(hit)
        out.append(row)
    return out
