"""Map projections: chosen from the region, or by name.

A map's *frame* says how much of the globe it shows, from its lon/lat box
``(lon0, lon1, lat0, lat1)`` (degrees, ``lon1 - lon0 <= 360``, longitudes continuous across
the antimeridian, e.g. 150 to 210):

``'box'``
    A box narrower than 360 deg of longitude: the map shows the box.
``'north'`` / ``'south'``
    All longitudes on one side of the equator (a polar cap): a disc about the pole down to
    the box's equatorward edge.
``'world'``
    All longitudes across the equator: the whole globe.

``projection = "auto"`` (the default) picks, as a cartographer would:

=====================================================  =======================================
region                                                  projection
=====================================================  =======================================
the whole globe (``world``)                             Equal Earth (equal-area; Savric,
                                                        Patterson & Jenny 2019)
a polar cap (``north`` / ``south``), or a box whose      polar stereographic about the pole
poleward edge is beyond 70 deg and whose equatorward
edge is beyond 40 deg
a mid-latitude box (one side of the equator, centre      Lambert conformal conic, standard
at or beyond 20 deg, at most 150 deg of longitude)      parallels at 1/6 and 5/6 of the box's
                                                        latitude span (Snyder 1987, USGS
                                                        Professional Paper 1395, p. 104)
any other box (tropics, across the equator, very wide)  equirectangular (Plate Carree)
=====================================================  =======================================

Names (:data:`PROJECTION_NAMES`): ``auto``, ``platecarree`` (also ``equirectangular``),
``lambert``, ``mercator``, ``polar``, ``robinson``, ``equalearth``.  Every projection is
centred on the box's central longitude, so a region across the antimeridian is drawn in
one piece.

map_projection(name, box) -> MapProjection
"""

from __future__ import annotations

from dataclasses import dataclass

import cartopy.crs as ccrs
import numpy as np

from hgvcov.plots._common import MapError

__all__ = ["PROJECTION_NAMES", "MapProjection", "frame_kind", "map_projection", "view_lonlat_box"]

#: Projection names accepted by ``[output.figures] projection`` and ``hgvcov map --projection``.
PROJECTION_NAMES = ("auto", "platecarree", "equirectangular", "lambert", "mercator", "polar",
                    "robinson", "equalearth")

#: Mercator cannot show the poles: maps stop at this latitude (deg).
MERCATOR_MAX_LAT_DEG = 84.0


@dataclass(frozen=True)
class MapProjection:
    """How a map is projected.

    Attributes
    ----------
    name : str
        The projection used (never 'auto').
    crs : cartopy.crs.Projection
        The map's projection.
    frame : {'box', 'north', 'south', 'world'}
        What the map shows: the box, a polar disc, the whole globe (:func:`frame_kind`).
    central_lon_deg : float
        Central longitude (deg) of the projection and of the data frame.
    """

    name: str
    crs: ccrs.Projection
    frame: str
    central_lon_deg: float

    @property
    def data_crs(self) -> ccrs.PlateCarree:
        """PlateCarree about the central longitude: the frame data are drawn in."""
        return ccrs.PlateCarree(central_longitude=self.central_lon_deg)


def frame_kind(box) -> str:
    """'box' for a map box narrower than 360 deg of longitude, else 'north' / 'south'
    (all longitudes on one side of the equator) or 'world'."""
    lon0, lon1, lat0, lat1 = box
    if lon1 - lon0 < 360.0 - 1e-9:
        return "box"
    if lat0 >= 0.0:
        return "north"
    if lat1 <= 0.0:
        return "south"
    return "world"


def auto_projection_name(box) -> str:
    """The projection ``'auto'`` picks for ``box`` (see the module docstring's table)."""
    lon0, lon1, lat0, lat1 = box
    frame = frame_kind(box)
    if frame == "world":
        return "equalearth"
    if frame in ("north", "south"):
        return "polar"
    same_side = lat0 >= 0.0 or lat1 <= 0.0
    pole_edge = max(abs(lat0), abs(lat1))
    eq_edge = min(abs(lat0), abs(lat1))
    if same_side and pole_edge > 70.0 and eq_edge > 40.0:
        return "polar"
    if same_side and abs(0.5 * (lat0 + lat1)) >= 20.0 and lon1 - lon0 <= 150.0:
        return "lambert"
    return "platecarree"


def map_projection(name: str, box) -> MapProjection:
    """The projection ``name`` for a map of ``box`` (lon0, lon1, lat0, lat1 in degrees).

    Raises
    ------
    MapError
        Unknown name; 'lambert' for a box across the equator or round the globe; 'polar'
        for a box across the equator.
    """
    key = str(name).lower().replace("_", "").replace("-", "").replace(" ", "")
    if key not in PROJECTION_NAMES:
        raise MapError(f"projection={name!r}: allowed " + ", ".join(PROJECTION_NAMES))
    lon0, lon1, lat0, lat1 = box
    frame = frame_kind(box)
    central = 0.5 * (lon0 + lon1)
    central = (central + 180.0) % 360.0 - 180.0
    if key == "auto":
        key = auto_projection_name(box)
    if key == "equirectangular":
        key = "platecarree"
    same_side = lat0 >= 0.0 or lat1 <= 0.0
    if key == "platecarree":
        crs = ccrs.PlateCarree(central_longitude=central)
    elif key == "mercator":
        crs = ccrs.Mercator(central_longitude=central, min_latitude=-MERCATOR_MAX_LAT_DEG,
                            max_latitude=MERCATOR_MAX_LAT_DEG)
    elif key == "robinson":
        crs = ccrs.Robinson(central_longitude=central)
    elif key == "equalearth":
        crs = ccrs.EqualEarth(central_longitude=central)
    elif key == "lambert":
        if frame != "box" or not same_side:
            raise MapError(f"projection={name!r}: a Lambert conic needs a box on one side of the "
                           f"equator narrower than 360 deg (this map: latitude {lat0:g} to "
                           f"{lat1:g}, longitude {lon0:g} to {lon1:g}); allowed here: auto, "
                           "platecarree, mercator, robinson, equalearth"
                           + (", polar" if same_side else ""))
        span = lat1 - lat0
        p1, p2 = lat0 + span / 6.0, lat1 - span / 6.0
        if abs(p1 - p2) < 1e-6:
            p1, p2 = p1 - 0.5, p2 + 0.5
        # cartopy's cutoff is the latitude beyond which nothing is drawn: keep it outside the box.
        crs = ccrs.LambertConformal(central_longitude=central, central_latitude=0.5 * (lat0 + lat1),
                                    standard_parallels=(p1, p2),
                                    cutoff=(min(lat0 - 5.0, -30.0) if lat0 >= 0 else max(lat1 + 5.0, 30.0)))
    elif key == "polar":
        if not same_side:
            raise MapError(f"projection={name!r}: a polar map needs a region on one side of the "
                           f"equator (this map: latitude {lat0:g} to {lat1:g}); allowed here: "
                           "auto, platecarree, mercator, robinson, equalearth")
        north = lat0 >= 0.0 if lat0 != 0.0 or lat1 != 0.0 else True
        crs = (ccrs.NorthPolarStereo if north else ccrs.SouthPolarStereo)(central_longitude=central)
        if frame != "box":
            frame = "north" if north else "south"
    else:  # pragma: no cover - PROJECTION_NAMES is exhaustive
        raise MapError(f"projection={name!r}")
    if frame in ("north", "south") and key != "polar":
        frame = "world" if key in ("robinson", "equalearth") else "box"
    return MapProjection(key, crs, frame, central)


def view_lonlat_box(ax, mp: MapProjection, box) -> tuple[float, float, float, float]:
    """The lon/lat box (in the data frame's continuous longitudes, about the central
    longitude) that covers everything the axes show, with a 2 deg margin: land and
    coastlines are clipped to it, so no clip edge falls inside the view."""
    if mp.frame != "box":
        lat0, lat1 = box[2], box[3]
        if mp.frame == "north":
            lat1 = 90.0
        elif mp.frame == "south":
            lat0 = -90.0
        else:
            lat0, lat1 = -90.0, 90.0
        c = mp.central_lon_deg
        return c - 180.0, c + 180.0, max(lat0 - 2.0, -90.0), min(lat1 + 2.0, 90.0)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    t = np.linspace(0.0, 1.0, 41)
    xs = np.r_[x0 + (x1 - x0) * t, np.full_like(t, x1), x1 - (x1 - x0) * t, np.full_like(t, x0)]
    ys = np.r_[np.full_like(t, y0), y0 + (y1 - y0) * t, np.full_like(t, y1), y1 - (y1 - y0) * t]
    ll = mp.data_crs.transform_points(mp.crs, xs, ys)
    ok = np.isfinite(ll[:, 0]) & np.isfinite(ll[:, 1])
    lon0, lon1, lat0, lat1 = box
    if ok.any():
        lons = ll[ok, 0] + mp.central_lon_deg
        lats = ll[ok, 1]
        lon0, lon1 = min(lon0, float(lons.min())), max(lon1, float(lons.max()))
        lat0, lat1 = min(lat0, float(lats.min())), max(lat1, float(lats.max()))
        # The top edge of a conic / polar view may pass over the pole.
        pole = mp.crs.transform_point(0.0, 90.0 if lat1 > 0 else -90.0, ccrs.PlateCarree())
        if np.all(np.isfinite(pole)) and x0 <= pole[0] <= x1 and y0 <= pole[1] <= y1:
            lon0, lon1 = mp.central_lon_deg - 180.0, mp.central_lon_deg + 180.0
            lat0, lat1 = (lat0, 90.0) if lat1 > 0 else (-90.0, lat1)
    lon0, lon1 = lon0 - 2.0, lon1 + 2.0
    if lon1 - lon0 > 360.0:
        lon0, lon1 = mp.central_lon_deg - 180.0, mp.central_lon_deg + 180.0
    return float(lon0), float(lon1), float(max(lat0 - 2.0, -90.0)), float(min(lat1 + 2.0, 90.0))
