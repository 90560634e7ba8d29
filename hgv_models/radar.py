"""Ground-radar horizon and first-detection time of a threat.

Horizon with standard refraction
--------------------------------
Tropospheric refraction bends radar rays toward the ground; the standard
treatment replaces the Earth radius ``R`` by an effective radius ``k R`` with
``k = 4/3`` and draws rays straight (Skolnik, *Introduction to Radar Systems*,
3rd ed., 2001, Ch. 8, "Atmospheric refraction: standard propagation").  For
antenna height ``h1`` and target altitude ``h2`` (both << kR) the maximum
distance at which the target is above the radar's horizon is::

    d = sqrt(2 k R h1) + sqrt(2 k R h2)

(the tangent-line distance on the effective Earth, summed over the radar's
and the target's legs, with ``h^2`` neglected beside ``2 k R h``).  With ``R = 6371.0088 km``
a 30 m antenna sees a 40 km glider only inside 847 km.

Visibility and detection
------------------------
A trajectory sample is *visible* to a site when its great-circle ground range
from the site is within the horizon distance ``d`` for its altitude and its
straight-line slant range (spherical Earth) is within the site's
``max_range_km``.  Detection is not modelled beyond that (no radar equation,
RCS, clutter or track-initiation delay): the first-visible time is an upper
bound on how early that radar could report the threat.  Times are those of
the trajectory's samples, so the answer is resolved to its sample step.

Example sites (approximate, public)
-----------------------------------
:data:`JAPAN_RADAR_SITES` holds public example sites: the four JASDF J/FPS-5
ballistic-missile-defence radars at Shimokoshikijima (Kagoshima), Sado
Island (Niigata), Ominato (Aomori) and Yozadake (Okinawa) (Asahi Shimbun,
"'Gamera' radar leads defense of Japanese airspace", 28 March 2012), and the
two U.S. AN/TPY-2 radars at Shariki (Tsugaru, Aomori) and Kyogamisaki
(Kyotango, Kyoto) (Asahi Shimbun, 2 August 2013: "more than 1,000
kilometers").  Positions are approximate (about 0.05 deg) from the named
localities; antenna heights are rough (summit elevation of the hill or
mountain the site sits on, where known, plus ~20 m for the antenna), and the
maximum ranges (1,000 km) are round numbers, not performance data.  They are
examples for what-if comparisons: replace them with your own sites.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .threats import R_EARTH_MEAN_KM, great_circle_distance_km

__all__ = [
    "STANDARD_REFRACTION_K",
    "RadarError",
    "RadarSite",
    "JAPAN_RADAR_SITES",
    "radar_horizon_km",
    "radar_visible",
    "radar_visibility_matrix",
    "first_radar_detection_s",
]

#: Effective-Earth-radius factor of the standard atmosphere (Skolnik 2001).
STANDARD_REFRACTION_K = 4.0 / 3.0


class RadarError(ValueError):
    """Invalid radar site or horizon input; the message names the parameter."""


def radar_horizon_km(antenna_height_km, target_altitude_km, k=STANDARD_REFRACTION_K,
                     earth_radius_km=R_EARTH_MEAN_KM):
    """Radar horizon distance over a refracting Earth, km.

    ``d = sqrt(2 k R h1) + sqrt(2 k R h2)`` (Skolnik 2001, Ch. 8).

    Parameters
    ----------
    antenna_height_km : float or array_like
        Antenna height above sea level, km (>= 0).
    target_altitude_km : float or array_like
        Target altitude, km; negative altitudes (below the surface) give NaN.
    k : float
        Effective-Earth-radius factor, > 0 (4/3 standard; 1 for no refraction).
    earth_radius_km : float
        Earth radius, km.

    Returns
    -------
    float or ndarray
        Horizon distance, km, broadcast shape of the inputs.
    """
    kf = float(k)
    if not (math.isfinite(kf) and kf > 0.0):
        raise RadarError(f"k={k!r} is not allowed: need a finite effective-radius factor k > 0")
    h1 = np.asarray(antenna_height_km, dtype=np.float64)
    if np.any(~np.isfinite(h1) | (h1 < 0.0)):
        raise RadarError(
            f"antenna_height_km={antenna_height_km!r} is not allowed: need finite heights >= 0 km"
        )
    h2 = np.asarray(target_altitude_km, dtype=np.float64)
    kr2 = 2.0 * kf * float(earth_radius_km)
    with np.errstate(invalid="ignore"):
        d = np.sqrt(kr2 * h1) + np.sqrt(kr2 * np.where(h2 >= 0.0, h2, np.nan))
    return float(d) if np.ndim(d) == 0 else d


@dataclass
class RadarSite:
    """A ground radar.

    Parameters
    ----------
    name : str
        Non-empty name.
    lat_deg, lon_deg : float
        Position, degrees.
    antenna_height_m : float
        Antenna height above sea level, m (>= 0).
    max_range_km : float
        Maximum slant range, km (> 0).
    description : str
        Provenance and caveats.
    """

    name: str
    lat_deg: float
    lon_deg: float
    antenna_height_m: float
    max_range_km: float
    description: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise RadarError(f"name={self.name!r}: need a non-empty string")
        checks = (
            ("lat_deg", self.lat_deg, -90.0, 90.0),
            ("lon_deg", self.lon_deg, -180.0, 360.0),
            ("antenna_height_m", self.antenna_height_m, 0.0, 10000.0),
            ("max_range_km", self.max_range_km, 0.0, 1.0e5),
        )
        for field, value, lo, hi in checks:
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise RadarError(f"site {self.name!r}: {field}={value!r} is not a number") from None
            ok = math.isfinite(v) and lo <= v <= hi and not (field == "max_range_km" and v == 0.0)
            if not ok:
                raise RadarError(
                    f"site {self.name!r}: {field}={value!r} is out of range: need "
                    f"{lo} {'<' if field == 'max_range_km' else '<='} {field} <= {hi}"
                )
            setattr(self, field, v)

    def horizon_km(self, target_altitude_km, k=STANDARD_REFRACTION_K):
        """Horizon distance (km) of this site for target altitude(s)."""
        return radar_horizon_km(self.antenna_height_m / 1000.0, target_altitude_km, k=k)


JAPAN_RADAR_SITES: list[RadarSite] = [
    RadarSite("Shimokoshikijima J/FPS-5", 31.70, 129.75, 520.0, 1000.0,
              "JASDF Shimokoshikijima Sub Base, Kagoshima; approximate position on the island, "
              "rough antenna height; range a round number."),
    RadarSite("Sado J/FPS-5", 38.07, 138.40, 1060.0, 1000.0,
              "JASDF Sado Sub Base on the Osado mountains (Mt. Myoken, ~1,040 m), Niigata; "
              "approximate."),
    RadarSite("Ominato J/FPS-5", 41.28, 141.13, 900.0, 1000.0,
              "JASDF Ominato Sub Base on Mt. Kamabuse (~880 m), Mutsu, Aomori; approximate."),
    RadarSite("Yozadake J/FPS-5", 26.12, 127.71, 190.0, 1000.0,
              "JASDF Yozadake Sub Base (Yoza-dake, ~170 m), southern Okinawa; approximate."),
    RadarSite("Shariki AN/TPY-2", 40.88, 140.32, 40.0, 1000.0,
              "U.S. AN/TPY-2 (forward-based X-band) at Shariki, Tsugaru, Aomori; coastal, "
              "approximate."),
    RadarSite("Kyogamisaki AN/TPY-2", 35.77, 135.22, 150.0, 1000.0,
              "U.S. AN/TPY-2 beside the JASDF Kyogamisaki Sub Base, Kyotango, Kyoto; "
              "approximate."),
]


def _slant_range_km(ground_range_km, h1_km, h2_km, radius_km=R_EARTH_MEAN_KM):
    """Straight-line distance between two points above a sphere, km."""
    theta = ground_range_km / radius_km
    r1 = radius_km + h1_km
    r2 = radius_km + h2_km
    return np.sqrt(np.maximum(r1 * r1 + r2 * r2 - 2.0 * r1 * r2 * np.cos(theta), 0.0))


def _trajectory_arrays(trajectory):
    try:
        lat = np.asarray(trajectory.lat_deg, dtype=np.float64)
        lon = np.asarray(trajectory.lon_deg, dtype=np.float64)
        alt = np.asarray(trajectory.altitude_km, dtype=np.float64)
    except AttributeError as e:
        raise RadarError(f"trajectory lacks an array: {e}; need lat_deg, lon_deg, altitude_km "
                         "(and time_s for detection times)") from None
    if not (lat.shape == lon.shape == alt.shape) or lat.ndim != 1:
        raise RadarError(f"trajectory arrays must be 1-D and equal length: lat_deg {lat.shape}, "
                         f"lon_deg {lon.shape}, altitude_km {alt.shape}")
    return lat, lon, alt


def _as_sites(sites):
    if isinstance(sites, RadarSite):
        return [sites]
    sites = list(sites)
    for s in sites:
        if not isinstance(s, RadarSite):
            raise RadarError(f"sites must be RadarSite objects, got {type(s).__name__}")
    return sites


def radar_visibility_matrix(trajectory, sites, k=STANDARD_REFRACTION_K):
    """Per-site visibility of every trajectory sample.

    Parameters
    ----------
    trajectory : object
        With (n,) arrays ``lat_deg``, ``lon_deg``, ``altitude_km``.
    sites : RadarSite or sequence of RadarSite
        The radars.
    k : float
        Effective-Earth-radius factor.

    Returns
    -------
    ndarray of bool, shape (n_site, n)
        True where the sample is inside the site's refraction horizon (by
        great-circle ground range) and within its maximum slant range.
    """
    lat, lon, alt = _trajectory_arrays(trajectory)
    sites = _as_sites(sites)
    out = np.zeros((len(sites), lat.size), dtype=bool)
    for j, s in enumerate(sites):
        ground = great_circle_distance_km(s.lat_deg, s.lon_deg, lat, lon)
        h1 = s.antenna_height_m / 1000.0
        horizon = radar_horizon_km(h1, alt, k=k)
        slant = _slant_range_km(ground, h1, alt)
        with np.errstate(invalid="ignore"):
            out[j] = (ground <= horizon) & (slant <= s.max_range_km)
    return out


def radar_visible(trajectory, sites=None, k=STANDARD_REFRACTION_K):
    """(n,) bool: is each trajectory sample visible to at least one site?

    ``sites`` defaults to :data:`JAPAN_RADAR_SITES`.  See
    :func:`radar_visibility_matrix`.
    """
    sites = JAPAN_RADAR_SITES if sites is None else sites
    return radar_visibility_matrix(trajectory, sites, k=k).any(axis=0)


def first_radar_detection_s(trajectory, sites=None, k=STANDARD_REFRACTION_K):
    """Time of the first trajectory sample visible to any site, s (NaN if never).

    Parameters
    ----------
    trajectory : object
        With (n,) arrays ``time_s`` (increasing), ``lat_deg``, ``lon_deg``,
        ``altitude_km``.
    sites : RadarSite or sequence of RadarSite, optional
        Default :data:`JAPAN_RADAR_SITES`.
    k : float
        Effective-Earth-radius factor (4/3).

    Returns
    -------
    float
        ``time_s`` of the first visible sample (same time origin as the
        trajectory), or NaN.
    """
    try:
        t = np.asarray(trajectory.time_s, dtype=np.float64)
    except AttributeError:
        raise RadarError("trajectory lacks a time_s array") from None
    vis = radar_visible(trajectory, sites, k=k)
    if t.shape != vis.shape:
        raise RadarError(f"time_s shape {t.shape} differs from the position arrays {vis.shape}")
    idx = np.flatnonzero(vis)
    return float(t[idx[0]]) if idx.size else math.nan
