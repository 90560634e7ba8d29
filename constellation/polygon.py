"""Polygon areas of interest from GeoJSON, and grid masks.

Input (RFC 7946 GeoJSON, https://www.rfc-editor.org/rfc/rfc7946): a ``Polygon``,
``MultiPolygon``, ``GeometryCollection`` of those, ``Feature`` or ``FeatureCollection``
whose geometries are those; positions are ``[lon_deg, lat_deg]`` (a third element, height,
is ignored); holes are the second and later rings of a polygon. All polygons of a file are
unioned into one area.

Longitude convention and the antimeridian
-----------------------------------------
Geometry is handled in plain lon/lat degrees (shapely is planar): an edge between two
vertices is the straight line in (lon, lat), as in RFC 7946 Sec. 3.1.1 and as plotted in
cartopy's PlateCarree. To make a polygon that crosses 180 deg work whichever way the user
wrote it (``[170, ...] -> [-170, ...]`` as RFC 7946 discourages, ``[170..190]`` or
``0..360`` longitudes):

1. every ring is *unwrapped*: when consecutive vertices differ in longitude by more than
   180 deg, 360 deg is added to/subtracted from the later ones, so the ring is continuous
   (it may then extend past 180, e.g. 170..190);
2. each polygon is shifted by a multiple of 360 deg so that its western edge lies in
   [-180, 180); when a file holds several polygons, those west of 0 deg are moved by
   +360 deg if that makes the set narrower (pieces pre-split at 180 deg become one area
   over e.g. 170..190 deg, so the area's bounds stay compact);
3. a ring that does not close after unwrapping (its longitudes wind once around the Earth)
   encloses a pole without saying so; that is refused. A polar cap written the RFC 7946 /
   Natural Earth way, with an explicit edge along the pole (e.g. ``[180, -90] -> [-180, -90]``,
   both ends at latitude +-90) is kept as written: such an edge is not unwrapped.

:func:`polygon_mask` then tests each grid longitude ``lon``, ``lon - 360`` and
``lon + 360``, so a grid given in -180..180 or 0..360 is masked correctly against a polygon
in either representation, including already-split pieces on both sides of 180 deg.
:func:`split_at_antimeridian` returns the RFC 7946 form (pieces inside [-180, 180]) for
drawing or re-export.

Validation: unreadable file or JSON, wrong GeoJSON ``type``, non-Polygon geometries, rings
with fewer than 4 positions or not closed, latitudes outside -90..90, longitudes outside
-180..360, and invalid polygons according to shapely/GEOS (self-intersection, ring
self-intersection, hole outside shell...; ``shapely.is_valid`` / ``explain_validity``) are
refused with a :class:`PolygonError` naming the file, the feature/polygon/ring and the
problem.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.validation import explain_validity

__all__ = ["PolygonError", "load_polygon", "polygon_from_geojson", "polygon_mask",
           "split_at_antimeridian", "polygon_outline"]

_POLY_TYPES = ("Polygon", "MultiPolygon")
_ALL_TYPES = ("Polygon", "MultiPolygon", "GeometryCollection", "Feature", "FeatureCollection")


class PolygonError(ValueError):
    """Invalid polygon input; ``path``, ``where`` and ``problem`` say what and where."""

    def __init__(self, path, where, problem):
        self.path = None if path is None else str(path)
        self.where = where
        self.problem = problem
        self.key = "polygon"
        self.value = self.path
        head = f"polygon file {self.path}" if self.path else "polygon"
        if where:
            head += f", {where}"
        super().__init__(f"{head}: {problem}")


def _unwrap_ring(ring, path, where):
    """Validate a GeoJSON ring and return its (n, 2) unwrapped lon/lat array."""
    if not isinstance(ring, list) or len(ring) < 4:
        raise PolygonError(path, where, f"a linear ring needs at least 4 positions "
                           f"(RFC 7946 3.1.6), got {ring if not isinstance(ring, list) else len(ring)}")
    pts = np.empty((len(ring), 2))
    for k, pos in enumerate(ring):
        if (not isinstance(pos, (list, tuple)) or len(pos) < 2
                or not all(isinstance(c, (int, float)) and not isinstance(c, bool)
                           for c in pos[:2])):
            raise PolygonError(path, f"{where}, position {k}",
                               f"a position must be [lon_deg, lat_deg] numbers, got {pos!r}")
        lon, lat = float(pos[0]), float(pos[1])
        if not (math.isfinite(lon) and -180.0 <= lon <= 360.0):
            raise PolygonError(path, f"{where}, position {k}",
                               f"longitude {pos[0]!r} outside -180..360 degrees")
        if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
            raise PolygonError(path, f"{where}, position {k}",
                               f"latitude {pos[1]!r} outside -90..90 degrees")
        pts[k] = lon, lat
    if not np.array_equal(pts[0], pts[-1]):
        raise PolygonError(path, where, "ring is not closed: the first and last positions "
                           f"differ ({pts[0].tolist()} vs {pts[-1].tolist()}; RFC 7946 3.1.6)")
    d = np.diff(pts[:, 0])
    jumps = np.where(d > 180.0, -360.0, np.where(d < -180.0, 360.0, 0.0))
    # an edge along a pole (both ends at latitude +-90, e.g. 180,-90 -> -180,-90 closing an
    # Antarctica-style ring) is a point on the sphere: keep it as written, no unwrapping
    on_pole = (np.abs(pts[:-1, 1]) == 90.0) & (np.abs(pts[1:, 1]) == 90.0)
    jumps[on_pole] = 0.0
    pts[1:, 0] += np.cumsum(jumps)
    if abs(pts[-1, 0] - pts[0, 0]) > 1e-9:
        raise PolygonError(path, where, "ring winds around a pole (its longitudes span a full "
                           "360 degrees); polygons containing a pole are not supported - "
                           "split it or use a latitude band")
    return pts


def _polygon(coords, path, where):
    if not isinstance(coords, list) or not coords:
        raise PolygonError(path, where, "Polygon coordinates must be a non-empty list of rings")
    shell = _unwrap_ring(coords[0], path, f"{where}, exterior ring")
    holes = [_unwrap_ring(r, path, f"{where}, hole {k}") for k, r in enumerate(coords[1:], 1)]
    # shift holes next to the shell (a hole written on the other side of 180 deg)
    mid = 0.5 * (shell[:, 0].min() + shell[:, 0].max())
    for h in holes:
        h[:, 0] += 360.0 * np.round((mid - 0.5 * (h[:, 0].min() + h[:, 0].max())) / 360.0)
    shift = -360.0 * np.floor((shell[:, 0].min() + 180.0) / 360.0)
    poly = Polygon(shell + [shift, 0.0], [h + [shift, 0.0] for h in holes])
    if not poly.is_valid:
        raise PolygonError(path, where, f"invalid polygon: {explain_validity(poly)} "
                           "(e.g. a self-intersecting ring or a hole outside its shell)")
    if poly.area <= 0.0:
        raise PolygonError(path, where, "polygon has zero area")
    return poly


def _geometry_polygons(geom, path, where):
    if not isinstance(geom, dict) or "type" not in geom:
        raise PolygonError(path, where, "a GeoJSON geometry object with a 'type' is required")
    t = geom["type"]
    if t == "Polygon":
        return [_polygon(geom.get("coordinates"), path, where)]
    if t == "MultiPolygon":
        cs = geom.get("coordinates")
        if not isinstance(cs, list) or not cs:
            raise PolygonError(path, where, "MultiPolygon coordinates must be a non-empty list")
        return [_polygon(c, path, f"{where}, polygon {k}") for k, c in enumerate(cs)]
    if t == "GeometryCollection":
        out = []
        for k, g in enumerate(geom.get("geometries") or []):
            out += _geometry_polygons(g, path, f"{where}, geometry {k}")
        return out
    raise PolygonError(path, where, f"geometry type {t!r} is not an area; allowed: "
                       f"{', '.join(_POLY_TYPES)} (or a GeometryCollection of them)")


def _lon_span(polys):
    return max(p.bounds[2] for p in polys) - min(p.bounds[0] for p in polys)


def _compact(polys):
    """Shift the polygons west of 0 deg by +360 when that shrinks the longitude span of the
    set (pieces already split at the antimeridian, e.g. [170, 180] and [-180, -170], become
    one area over [170, 190] with compact bounds)."""
    shifted = [shapely.affinity.translate(p, xoff=360.0) if p.centroid.x < 0.0 else p
               for p in polys]
    return shifted if _lon_span(shifted) < _lon_span(polys) - 1e-9 else polys


def polygon_from_geojson(obj, path=None):
    """Build the area of interest from a parsed GeoJSON object (see :func:`load_polygon`)."""
    if not isinstance(obj, dict) or "type" not in obj:
        raise PolygonError(path, "", "not a GeoJSON object (no 'type' member)")
    t = obj["type"]
    polys = []
    if t == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list) or not feats:
            raise PolygonError(path, "", "FeatureCollection has no features")
        for k, f in enumerate(feats):
            if not isinstance(f, dict) or f.get("type") != "Feature":
                raise PolygonError(path, f"feature {k}", "each member of 'features' must be a Feature")
            polys += _geometry_polygons(f.get("geometry"), path, f"feature {k}")
    elif t == "Feature":
        polys = _geometry_polygons(obj.get("geometry"), path, "feature")
    elif t in ("Polygon", "MultiPolygon", "GeometryCollection"):
        polys = _geometry_polygons(obj, path, "geometry")
    else:
        raise PolygonError(path, "", f"GeoJSON type {t!r} not allowed; allowed: {', '.join(_ALL_TYPES)}")
    if not polys:
        raise PolygonError(path, "", "no Polygon or MultiPolygon found")
    if len(polys) > 1:
        polys = _compact(polys)
    geom = shapely.union_all(polys) if len(polys) > 1 else polys[0]
    if geom.is_empty or geom.area <= 0.0:
        raise PolygonError(path, "", "the polygons enclose no area")
    return geom


def load_polygon(path, base_dir=None):
    """Read a GeoJSON area of interest.

    Parameters
    ----------
    path : str or Path
        GeoJSON file (Polygon, MultiPolygon, GeometryCollection, Feature or
        FeatureCollection; lon/lat degrees; holes allowed; may cross the antimeridian).
    base_dir : str or Path, optional
        Directory a relative path is resolved against (the scenario file's folder).

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        Union of all polygons, lon/lat degrees, each polygon unwrapped to continuous
        longitudes with its western edge in [-180, 180) (module docstring).

    Raises
    ------
    PolygonError
        Missing file, invalid JSON or GeoJSON, self-intersecting or otherwise invalid
        polygons; the message names the file and the problem.
    """
    p = Path(path)
    if base_dir is not None and not p.is_absolute():
        p = Path(base_dir) / p
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolygonError(p, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise PolygonError(p, "", f"cannot read it ({e})") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise PolygonError(p, f"line {e.lineno} column {e.colno}", f"invalid JSON: {e.msg}") from None
    return polygon_from_geojson(obj, p)


def polygon_mask(geometry, lat_deg, lon_deg, include_boundary=True):
    """Which points of a lat/lon grid lie inside the polygon.

    Parameters
    ----------
    geometry : shapely Polygon or MultiPolygon
        lon/lat degrees (as :func:`load_polygon` returns).
    lat_deg : array_like, shape (n_lat,)
    lon_deg : array_like, shape (n_lon,)
        Grid axes in degrees; longitudes in any 360-degree window (-180..180, 0..360...).
    include_boundary : bool
        True (default): points on the outline count as inside (``shapely.intersects_xy``),
        like the region's inclusive lat/lon ranges. False: strict interior
        (``shapely.contains_xy``).

    Returns
    -------
    ndarray of bool, shape (n_lat, n_lon)
        True inside. Each longitude is tested as ``lon``, ``lon - 360`` and ``lon + 360``.
    """
    lat = np.asarray(lat_deg, dtype=np.float64).ravel()
    lon = np.asarray(lon_deg, dtype=np.float64).ravel()
    LON, LAT = np.meshgrid(lon, lat)
    shapely.prepare(geometry)
    pred = shapely.intersects_xy if include_boundary else shapely.contains_xy
    mask = np.zeros(LAT.shape, dtype=bool)
    for k in (-360.0, 0.0, 360.0):
        mask |= pred(geometry, LON + k, LAT)
    return mask


def split_at_antimeridian(geometry):
    """The same area with every piece inside lon [-180, 180] (RFC 7946 Sec. 3.1.9 form).

    Returns a Polygon or MultiPolygon: the parts of ``geometry`` east of 180 deg are
    clipped off and shifted by -360 deg.
    """
    pieces = []
    for k in (-360.0, 0.0, 360.0):
        part = shapely.intersection(shapely.affinity.translate(geometry, xoff=k),
                                    box(-180.0, -90.0, 180.0, 90.0))
        if not part.is_empty and part.area > 0:
            pieces.append(part)
    out = shapely.union_all(pieces)
    if isinstance(out, (Polygon, MultiPolygon)):
        return out
    polys = [g for g in getattr(out, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    return shapely.union_all(polys)


def polygon_outline(geometry):
    """Outline rings for drawing: list of (lon_deg (n,), lat_deg (n,)) arrays, exteriors
    and holes, in the geometry's own (continuous) longitudes."""
    polys = geometry.geoms if hasattr(geometry, "geoms") else [geometry]
    out = []
    for p in polys:
        for ring in [p.exterior, *p.interiors]:
            xy = np.asarray(ring.coords)
            out.append((xy[:, 0], xy[:, 1]))
    return out
