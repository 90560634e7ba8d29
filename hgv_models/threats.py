"""Threat library: example HGV launch/aim pairs across the Indo-Pacific.

A :class:`Threat` is a launch point, an aim point and a vehicle name; the
flight itself (boost, glide, terminal dive, reaching the aim point within
25 km) is :func:`fly_threat` (implemented in :mod:`hgv_models.flight`,
re-exported here as the internal interface spec lists it).

The library's launch points are *illustrative points in broad inland areas*,
plainly described by region; they are not known launch sites, and nothing
here says who would fly what at whom.  Aim points are well-known public
places (city centres, the public positions of air bases).  Ground ranges are
great-circle distances on a sphere of mean radius 6371.0088 km, rounded to
the kilometre (``tests/test_threats.py`` recomputes them):

=====================  =====================================  ======================  ========
name                   launch (region, lat, lon)              aim (lat, lon)          range km
=====================  =====================================  ======================  ========
north-china-tokyo      inland North China Plain, 40.0, 116.0  Tokyo, 35.68, 139.77    2135
northeast-china-tokyo  inland Jilin, NE China, 44.0, 125.5    Tokyo, 35.68, 139.77    1526
korea-inland-tokyo     inland northern Korean peninsula,      Tokyo, 35.68, 139.77    1277
                       40.5, 126.5
central-china-kadena   inland Hunan, central China, 28.0,     Kadena AB, Okinawa,     1471
                       113.0                                  26.355, 127.767
sichuan-taipei         Sichuan Basin, 30.6, 104.0             Taipei, 25.033, 121.565 1832
central-china-guam     inland Henan, central China, 34.7,     Andersen AFB, Guam,     3923
                       113.6                                  13.584, 144.930
northeast-china-       inland Heilongjiang, NE China, 45.7,   Camp Humphreys,         972
pyeongtaek             126.6                                  Pyeongtaek, 36.963,
                                                              127.031
=====================  =====================================  ======================  ========

Aim coordinates are approximate public positions (about 0.01 deg): Tokyo
Station area; Kadena Air Base and Andersen Air Force Base runways; Taipei
city centre; Camp Humphreys, Pyeongtaek.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hgv_models import flight
from hgv_models.vehicles import Vehicle, vehicle_by_name

__all__ = [
    "R_EARTH_MEAN_KM",
    "ThreatError",
    "Threat",
    "THREAT_LIBRARY",
    "threat",
    "great_circle_distance_km",
    "fly_threat",
    "vehicle_by_name",
]

#: IUGG mean Earth radius R1 = (2a + b)/3 of GRS80/WGS84, km (Moritz 1980,
#: "Geodetic Reference System 1980", Bull. Geodesique 54, 395).
R_EARTH_MEAN_KM = 6371.0088

#: Shortest launch-to-aim distance accepted for a threat, km.
MIN_THREAT_RANGE_KM = 100.0


class ThreatError(ValueError):
    """Invalid threat definition or unknown threat name (message names the field)."""


def great_circle_distance_km(lat1_deg, lon1_deg, lat2_deg, lon2_deg,
                             radius_km=R_EARTH_MEAN_KM):
    """Great-circle distance on a sphere (haversine formula), km.

    ``d = 2 R asin( sqrt( sin^2(dphi/2) + cos phi1 cos phi2 sin^2(dlambda/2) ) )``
    (Sinnott 1984, Sky & Telescope 68, 159), well conditioned at small
    distances; the argument is clipped to 1 for antipodal points.  The
    spherical model differs from the WGS84 geodesic by up to ~0.5 %.

    Parameters
    ----------
    lat1_deg, lon1_deg, lat2_deg, lon2_deg : float or array_like
        Geodetic latitudes and longitudes, degrees (broadcast together).
    radius_km : float
        Sphere radius, default the IUGG mean radius 6371.0088 km.

    Returns
    -------
    float or ndarray
        Distance in km, broadcast shape of the inputs.
    """
    p1 = np.radians(np.asarray(lat1_deg, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2_deg, dtype=np.float64))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2_deg, dtype=np.float64) - np.asarray(lon1_deg, dtype=np.float64))
    h = np.sin(dp / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    d = 2.0 * radius_km * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(d) if np.ndim(d) == 0 else d


def _check_lat(field, value):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ThreatError(f"{field}={value!r} is not a number: need degrees in [-90, 90]") from None
    if not (math.isfinite(v) and -90.0 <= v <= 90.0):
        raise ThreatError(f"{field}={value!r} is out of range: need degrees in [-90, 90]")
    return v


def _check_lon(field, value):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ThreatError(
            f"{field}={value!r} is not a number: need degrees in [-180, 360]") from None
    if not (math.isfinite(v) and -180.0 <= v <= 360.0):
        raise ThreatError(f"{field}={value!r} is out of range: need degrees in [-180, 360]")
    return v


@dataclass
class Threat:
    """One HGV threat: launch point, aim point and vehicle.

    Parameters
    ----------
    name : str
        Non-empty identifier.
    launch_lat_deg, launch_lon_deg : float
        Launch point, degrees (latitude in [-90, 90], longitude in [-180, 360]).
    aim_lat_deg, aim_lon_deg : float
        Aim point, degrees.
    vehicle : str or Vehicle
        Vehicle name understood by :func:`hgv_models.vehicles.vehicle_by_name`
        (``"cav-h"``, ``"htv2"``), or a :class:`~hgv_models.vehicles.Vehicle`.
    description : str
        Plain-language description of the launch area and aim point.

    Raises
    ------
    ThreatError
        (a ``ValueError``) naming the field: empty name, coordinates out of
        range, launch and aim closer than 100 km, or an unknown vehicle.
    """

    name: str
    launch_lat_deg: float
    launch_lon_deg: float
    aim_lat_deg: float
    aim_lon_deg: float
    vehicle: str = "cav-h"
    description: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise ThreatError(f"name={self.name!r}: need a non-empty string")
        self.launch_lat_deg = _check_lat("launch_lat_deg", self.launch_lat_deg)
        self.launch_lon_deg = _check_lon("launch_lon_deg", self.launch_lon_deg)
        self.aim_lat_deg = _check_lat("aim_lat_deg", self.aim_lat_deg)
        self.aim_lon_deg = _check_lon("aim_lon_deg", self.aim_lon_deg)
        if not isinstance(self.vehicle, Vehicle) and (
                not isinstance(self.vehicle, str) or not self.vehicle.strip()):
            raise ThreatError(f"vehicle={self.vehicle!r}: need a vehicle name such as 'cav-h' "
                              "or a Vehicle")
        try:
            vehicle_by_name(self.vehicle)
        except ValueError as e:  # the message names the vehicle and the valid names
            raise ThreatError(f"threat {self.name!r}: {e}") from None
        if not isinstance(self.description, str):
            raise ThreatError(f"description={self.description!r}: need a string")
        rng = self.ground_range_km
        if rng < MIN_THREAT_RANGE_KM:
            raise ThreatError(
                f"threat {self.name!r}: launch and aim are {rng:.1f} km apart; need at least "
                f"{MIN_THREAT_RANGE_KM:.0f} km"
            )

    @property
    def ground_range_km(self) -> float:
        """Great-circle launch-to-aim distance, km (mean-radius sphere)."""
        return great_circle_distance_km(self.launch_lat_deg, self.launch_lon_deg,
                                        self.aim_lat_deg, self.aim_lon_deg)


_LIBRARY = [
    Threat("north-china-tokyo", 40.0, 116.0, 35.68, 139.77, "cav-h",
           "Illustrative point in the inland North China Plain (40.0 N, 116.0 E; the DESIGN.md "
           "example) to central Tokyo (35.68 N, 139.77 E)."),
    Threat("northeast-china-tokyo", 44.0, 125.5, 35.68, 139.77, "cav-h",
           "Illustrative point in inland Jilin province, north-east China (44.0 N, 125.5 E) to "
           "central Tokyo."),
    Threat("korea-inland-tokyo", 40.5, 126.5, 35.68, 139.77, "cav-h",
           "Illustrative point in the inland north of the Korean peninsula (40.5 N, 126.5 E) to "
           "central Tokyo."),
    Threat("central-china-kadena", 28.0, 113.0, 26.355, 127.767, "cav-h",
           "Illustrative point in inland Hunan province, central China (28.0 N, 113.0 E) to "
           "Kadena Air Base, Okinawa (26.355 N, 127.767 E)."),
    Threat("sichuan-taipei", 30.6, 104.0, 25.033, 121.565, "cav-h",
           "Illustrative point in the Sichuan Basin (30.6 N, 104.0 E) to central Taipei "
           "(25.033 N, 121.565 E)."),
    Threat("central-china-guam", 34.7, 113.6, 13.584, 144.930, "cav-h",
           "Illustrative point in inland Henan province, central China (34.7 N, 113.6 E) to "
           "Andersen Air Force Base, Guam (13.584 N, 144.930 E)."),
    Threat("northeast-china-pyeongtaek", 45.7, 126.6, 36.963, 127.031, "cav-h",
           "Illustrative point in inland Heilongjiang province, north-east China (45.7 N, "
           "126.6 E) to Camp Humphreys, Pyeongtaek, Republic of Korea (36.963 N, 127.031 E)."),
]

#: Example threats by name; see the module docstring for the table of ranges.
THREAT_LIBRARY: dict[str, Threat] = {t.name: t for t in _LIBRARY}


def threat(name: str) -> Threat:
    """Look up a library threat by name (case-insensitive).

    Raises
    ------
    ThreatError
        Naming the unknown name and listing the valid ones.
    """
    key = str(name).strip().lower()
    if key in THREAT_LIBRARY:
        return THREAT_LIBRARY[key]
    raise ThreatError(
        f"unknown threat name={name!r}; valid names: {', '.join(sorted(THREAT_LIBRARY))}"
    )


def fly_threat(threat, rotating_earth=True, sample_step_s=2.0, **kwargs):
    """Fly a threat (boost, glide, terminal dive); see :func:`hgv_models.flight.fly_threat`.

    ``threat`` may be a :class:`Threat` or a library name.
    """
    if isinstance(threat, str):
        threat = _lookup(threat)  # the parameter shadows threat()
    return flight.fly_threat(threat, rotating_earth=rotating_earth, sample_step_s=sample_step_s,
                       **kwargs)


def _lookup(name):
    return threat(name)

