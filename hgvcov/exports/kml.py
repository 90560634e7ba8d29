"""``tracks.kml``: HGV tracks coloured by custody, launch and aim points, ground radars.

Written with fastkml (KML 2.2, OGC 07-147r2); opens in Google Earth, QGIS and Cesium.
Layout::

    Document  <scenario name>          styles: custody-none / custody-single / custody-stereo,
    |                                          launch, aim, radar-site, radar-horizon
    +- Folder "HGV tracks"
    |  +- Folder <threat>
    |     +- Placemark "<threat>: launch"   Point, clampToGround
    |     +- Placemark "<threat>: aim"      Point, clampToGround
    |     +- Placemark "<threat>: <state> <t0>-<t1>"   LineString, altitudeMode absolute
    |        ... one per run of samples in one custody state (none / >= 1 / stereo)
    +- Folder "Ground radars"
       +- Placemark <site>                  Point, clampToGround
       +- Placemark "<site>: horizon ..."   Polygon (or MultiGeometry across 180 deg)

Track coordinates are longitude, latitude (deg, WGS84) and altitude in metres above the
ellipsoid (``altitudeMode`` absolute; KML's absolute altitude is above sea level, and the
difference, the geoid undulation of at most ~100 m, is invisible at glide altitudes of
20-60 km).  A sample's custody state colours the segment from it to the next sample (as on
the maps), so consecutive pieces share their end point.  Lines crossing the antimeridian are
cut there (:func:`hgvcov.exports.lines.split_at_seam`): KML longitudes are -180..180.

Radar horizons are the geodesic circles (WGS84, :class:`pyproj.Geod`) of the ground range
at which each site sees a target at the glide altitude: the 4/3-Earth radio horizon of
antenna height and target altitude (:func:`hgv_models.radar.radar_horizon_km`), capped at
the site's ``max_range_km``, as on the maps (``hgvcov.plots.overlays.radar_radius_km``).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable, Optional

import numpy as np
import pygeoif.geometry as geo
from fastkml import (KML, Document, Folder, IconStyle, LineString, LineStyle, Placemark, Point,
                     Polygon, PolyStyle, Style)
from fastkml.enums import AltitudeMode
from fastkml.geometry import MultiGeometry
from fastkml.links import Icon
from fastkml.styles import StyleUrl

from hgv_models.radar import radar_horizon_km

from .lines import split_at_seam, wrap_lon
from .style import CUSTODY_COLORS, CUSTODY_LABELS, custody_codes, custody_runs

__all__ = ["TRACKS_KML", "kml_color", "radar_radius_km", "horizon_ring", "write_tracks_kml"]

#: File name of the export.
TRACKS_KML = "tracks.kml"
#: Points on each radar horizon circle.
HORIZON_SAMPLES = 181
#: Decimal places of KML coordinates: 1e-6 deg is 0.1 m; altitudes then to 1 um (harmless).
KML_PRECISION = 6

_PIN = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"


def kml_color(hex_rgb: str, alpha: int = 255) -> str:
    """``#rrggbb`` -> KML ``aabbggrr`` (KML 2.2 ``kml:color``: alpha, blue, green, red)."""
    h = hex_rgb.lstrip("#")
    r, g, b = h[0:2], h[2:4], h[4:6]
    return f"{alpha:02x}{b}{g}{r}".lower()


def radar_radius_km(site, target_altitude_km: float) -> float:
    """Ground range (km) at which ``site`` sees a target at ``target_altitude_km``: the
    4/3-Earth radio horizon, capped at the site's ``max_range_km`` when it has one."""
    r = float(radar_horizon_km(float(site.antenna_height_m) / 1000.0, target_altitude_km))
    cap = getattr(site, "max_range_km", None)
    if cap is not None and math.isfinite(float(cap)):
        r = min(r, float(cap))
    return r


def horizon_ring(lat_deg: float, lon_deg: float, radius_km: float,
                 n: int = HORIZON_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic circle (WGS84) of ``radius_km`` about a point: ``(lon, lat)`` (n,) deg,
    closed (last = first), longitudes continuous (may leave [-180, 180])."""
    from pyproj import Geod
    az = np.linspace(0.0, 360.0, n)
    lon, lat, _ = Geod(ellps="WGS84").fwd(np.full(n, lon_deg), np.full(n, lat_deg), az,
                                          np.full(n, radius_km * 1000.0))
    lon = np.degrees(np.unwrap(np.radians(np.asarray(lon))))
    lon = lon - 360.0 * np.round((lon[0] - lon_deg) / 360.0)
    lat = np.asarray(lat)
    lon[-1], lat[-1] = lon[0], lat[0]
    return lon, lat


def _styles() -> list:
    out = [Style(id=f"custody-{s}", styles=[LineStyle(color=kml_color(c), width=3.0)])
           for s, c in CUSTODY_COLORS.items()]
    out += [
        Style(id="launch", styles=[IconStyle(color=kml_color("#ffd92f"), scale=1.1,
                                             icon=Icon(href=_PIN))]),
        Style(id="aim", styles=[IconStyle(color=kml_color("#e7298a"), scale=1.1,
                                          icon=Icon(href=_PIN))]),
        Style(id="radar-site", styles=[IconStyle(color=kml_color("#08306b"), scale=0.9,
                                                 icon=Icon(href=_PIN))]),
        Style(id="radar-horizon", styles=[LineStyle(color=kml_color("#08306b"), width=1.5),
                                          PolyStyle(color=kml_color("#08306b", 40))]),
    ]
    return out


def _point(name: str, lon: float, lat: float, style: str) -> Placemark:
    return Placemark(name=name, style_url=StyleUrl(url=f"#{style}"),
                     kml_geometry=Point(altitude_mode=AltitudeMode.clamp_to_ground,
                                        geometry=geo.Point(float(wrap_lon(lon)), float(lat))))


def _fmt_t(t_s: float) -> str:
    t = int(round(t_s))
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"


def _track_placemarks(name: str, g) -> list[Placemark]:
    """One LineString placemark per custody run of one threat's samples (time order)."""
    lon = g["lon_deg"].to_numpy(float)
    lat = g["lat_deg"].to_numpy(float)
    alt_m = g["altitude_km"].to_numpy(float) * 1000.0
    t = g["time_s"].to_numpy(float)
    codes = custody_codes(g["n_detect"].to_numpy(), g["stereo"].to_numpy())
    out = []
    for state, i0, i1 in custody_runs(codes):
        # through the next run's first sample: the segment to it keeps this state
        j1 = min(i1 + 2, lon.size)
        if j1 - i0 < 2:
            continue
        pieces = split_at_seam(lon[i0:j1], lat[i0:j1], alt_m[i0:j1])
        lines = [LineString(altitude_mode=AltitudeMode.absolute,
                            geometry=geo.LineString(list(zip(x, y, z))))
                 for x, y, z in pieces]
        geom = lines[0] if len(lines) == 1 else MultiGeometry(kml_geometries=lines)
        out.append(Placemark(
            name=f"{name}: {state} {_fmt_t(t[i0])}-{_fmt_t(t[j1 - 1])}",
            description=f"{CUSTODY_LABELS[state]}; samples {i0}-{j1 - 1}, "
                        f"time since scenario start {t[i0]:.1f}-{t[j1 - 1]:.1f} s",
            style_url=StyleUrl(url=f"#custody-{state}"), kml_geometry=geom))
    return out


def _horizon_placemark(site, radius_km: float, target_altitude_km: float) -> Placemark:
    lon, lat = horizon_ring(float(site.lat_deg), float(site.lon_deg), radius_km)
    if lon.min() >= -180.0 and lon.max() <= 180.0:
        polys = [geo.Polygon(list(zip(lon, lat)))]
    else:  # across the antimeridian: the pieces inside [-180, 180]
        from constellation import split_at_antimeridian
        from shapely.geometry import Polygon as ShPolygon
        area = split_at_antimeridian(ShPolygon(np.column_stack([lon, lat])))
        parts = getattr(area, "geoms", [area])
        polys = [geo.Polygon(list(p.exterior.coords)) for p in parts]
    kpolys = [Polygon(altitude_mode=AltitudeMode.clamp_to_ground, tessellate=True, geometry=p)
              for p in polys]
    geom = kpolys[0] if len(kpolys) == 1 else MultiGeometry(kml_geometries=kpolys)
    return Placemark(
        name=f"{site.name}: horizon {radius_km:.0f} km",
        description=f"ground range at which the site sees a {target_altitude_km:g} km target "
                    f"(4/3-Earth radio horizon, capped at the site's maximum range)",
        style_url=StyleUrl(url="#radar-horizon"), kml_geometry=geom)


def write_tracks_kml(path: Path, tracks, threats: Iterable = (), radar_sites=None,
                     radar_altitude_km: float = 40.0, title: str = "") -> Optional[Path]:
    """Write ``tracks.kml``; nothing (None) when there are no tracks.

    Parameters
    ----------
    path : Path
        The file to write.
    tracks : pandas.DataFrame or None
        ``tracks.csv`` columns (``threat``, ``time_s``, ``lat_deg``, ``lon_deg``,
        ``altitude_km``, ``n_detect``, ``stereo``).
    threats : iterable of (name, hgv_models.threats.Threat)
        Launch and aim points, by track name.
    radar_sites : list of hgv_models.radar.RadarSite, optional
    radar_altitude_km : float
        Target altitude of the radar horizons (km).
    title : str
        Document name (the scenario name).
    """
    if tracks is None or len(tracks) == 0:
        return None
    threat_by_name = dict(threats or ())
    track_folders = []
    for name, g in tracks.groupby("threat", sort=False):
        g = g.sort_values("time_s", kind="stable")
        name = str(name)
        feats = []
        th = threat_by_name.get(name)
        if th is not None:
            feats += [_point(f"{name}: launch", th.launch_lon_deg, th.launch_lat_deg, "launch"),
                      _point(f"{name}: aim", th.aim_lon_deg, th.aim_lat_deg, "aim")]
        feats += _track_placemarks(name, g)
        track_folders.append(Folder(name=name, features=feats))
    folders = [Folder(name="HGV tracks", features=track_folders)]
    if radar_sites:
        feats = []
        for site in radar_sites:
            feats.append(_point(site.name, site.lon_deg, site.lat_deg, "radar-site"))
            feats.append(_horizon_placemark(site, radar_radius_km(site, radar_altitude_km),
                                            radar_altitude_km))
        folders.append(Folder(name="Ground radars", features=feats))
    doc = Document(name=title or "hgv-coverage", styles=_styles(), features=folders,
                   description="HGV tracks coloured by custody state (red: not detected; "
                               "orange: 1+ satellites, no stereo; green: stereo track); "
                               "written by hgvcov run")
    KML(features=[doc]).write(Path(path), precision=KML_PRECISION)
    return Path(path)
