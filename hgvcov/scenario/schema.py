"""The scenario schema: pydantic models of every TOML table (see :mod:`hgvcov.scenario`).

Every table refuses unknown keys (``extra="forbid"``) and wrong types (strict mode:
``"300"`` is not an integer, ``true`` is not a number); the ``model_validator`` methods
refuse impossible combinations (``total`` not a multiple of ``planes``, an empty region,
a perigee below the surface ...) by raising :class:`~hgvcov.scenario.errors.Problem`,
which :mod:`hgvcov.scenario.errors` turns into one message naming the key path.

A validated :class:`Scenario` builds the run's engine objects through its ``build_*``
methods, which delegate to :mod:`hgvcov.scenario.builders`.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from .errors import Problem, ScenarioError, describe_validation_error, fmt_value, key_error

__all__ = ["Scenario", "TimeSpec", "SensorSpec", "WalkerShell", "TleShell", "PresetShell",
           "SatelliteElements", "ElementsShell", "Shell", "SHELL_KINDS", "PointSpec",
           "RegionSpec", "ThreatSpec", "ThreatEnsembleSpec", "AimPointSpec", "VehicleSpec",
           "ENSEMBLE_RANGES", "AIM_REGION",
           "ENSEMBLE_MANOEUVRES", "OutputSpec", "GroundTrackSpec", "EXPORT_KINDS",
           "FiguresSpec", "FigureScaleSpec", "FigureOverlaysSpec", "FIGURE_PROJECTIONS",
           "MAP_VARIABLE_PATTERN", "UtcTime", "WGS84_A_KM", "AnalysisSpec"]

#: WGS84 equatorial radius (km): a perigee below it is below the surface.
WGS84_A_KM = 6378.137
#: Largest region grid we even try to describe (points); the run's memory check is finer.
_MAX_POINTS_SCHEMA = 2_000_000_000


# ---------------------------------------------------------------------------------------
# value parsers
# ---------------------------------------------------------------------------------------

def _parse_time(value: Any) -> Any:
    """ISO-8601 string or TOML date-time -> tz-aware UTC datetime (naive = UTC)."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Problem(None, value, "an ISO-8601 UTC date-time such as "
                           "\"2026-11-21T00:00:00Z\"") from None
    else:
        raise Problem(None, value, "an ISO-8601 UTC date-time string such as "
                       "\"2026-11-21T00:00:00Z\"")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


UtcTime = Annotated[datetime, BeforeValidator(_parse_time)]


def _check_lat(value: float, key: str, shown: Any = None, what: str = "") -> None:
    if not (-90.0 <= value <= 90.0) or not math.isfinite(value):
        raise Problem(key, value if shown is None else shown,
                       f"{what}a latitude from -90 to 90 degrees")


def _check_lon(value: float, key: str, shown: Any = None, what: str = "") -> None:
    if not (-180.0 <= value <= 360.0) or not math.isfinite(value):
        raise Problem(key, value if shown is None else shown,
                       f"{what}a longitude from -180 to 360 degrees")


# ---------------------------------------------------------------------------------------
# schema
# ---------------------------------------------------------------------------------------

class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_default=False,
                              allow_inf_nan=False)


class TimeSpec(_Model):
    """``[time]``: the analysis window and propagator."""

    start: UtcTime = Field(description="first time sample (UTC, ISO-8601)")
    duration_s: float = Field(gt=0, description="window length (s)")
    step_s: float = Field(gt=0, description="sample step (s)")
    propagator: Literal["sgp4", "j2"] = Field(
        "sgp4", description="sgp4 (SGP4/SDP4 on mean elements) or j2 (analytic J2 secular)")

    @model_validator(mode="after")
    def _window(self):
        if not math.isfinite(self.duration_s):
            raise Problem("duration_s", self.duration_s, "a finite number of seconds > 0")
        if self.step_s > self.duration_s:
            raise Problem("step_s", self.step_s,
                           f"a step no longer than duration_s ({fmt_value(self.duration_s)} s), "
                           "so that there is at least one time sample")
        return self

    @property
    def count(self) -> int:
        """Number of samples, ``floor(duration_s / step_s)`` (k = 0 .. count-1)."""
        return int(math.floor(self.duration_s / self.step_s + 1e-9))


class SensorSpec(_Model):
    """``[sensor]`` / ``[sensors.NAME]``: one sensor type (see ``constellation.sensors.Sensor``)."""

    min_elevation_deg: float = Field(10.0, ge=-90, le=90)
    # Full cone angle about geocentric nadir, (0, 360] deg as constellation.sensors.Sensor:
    # the off-nadir angle of a target is 0..180 deg, so a cone up to 360 deg is meaningful.
    # Above 180 deg it reaches above the satellite's local horizontal, which matters only
    # for targets higher than the satellite (region.altitude_km is up to 1,000 km); for
    # targets below the satellite every value from 180 up is the same as no limit.
    field_of_regard_deg: Optional[float] = Field(None, gt=0, le=360)
    max_range_km: Optional[float] = Field(None, gt=0)
    grazing_altitude_km: Optional[float] = Field(None, ge=0)
    stereo_min_angle_deg: float = Field(20.0, ge=0, le=90)
    angular_noise_urad: float = Field(30.0, gt=0)
    detection_threshold_kw_sr: Optional[float] = Field(None, gt=0)
    reference_range_km: float = Field(1000.0, gt=0)
    noise_equivalent_irradiance_w_m2: Optional[float] = Field(None, gt=0)
    snr_threshold: float = Field(5.0, gt=0)
    band_um: Optional[list[float]] = Field(None, min_length=2, max_length=2)
    # Background and view constraints (issue 19; constellation.sensors.Sensor). The default
    # clutter altitude equals constellation.sensors.DEFAULT_CLUTTER_ALTITUDE_KM (not imported:
    # the schema stays free of the engine; tests/test_background.py checks they agree).
    clutter_altitude_km: float = Field(20.0, ge=0, le=100, description=(
        "altitude (km) of the clutter layer: a line of sight that, continued beyond the target, passes above it "
        "has a space background"))
    require_space_background: bool = Field(False, description="a detection needs a space background")
    min_off_nadir_deg: float = Field(0.0, ge=0, lt=90, description=(
        "inner exclusion cone about nadir (deg, 0 = off): the blind spot beneath a limb-viewing sensor"))

    @model_validator(mode="after")
    def _view_cone(self):
        if self.min_off_nadir_deg > 0 and self.field_of_regard_deg is not None and \
                not self.min_off_nadir_deg < self.field_of_regard_deg / 2:
            raise Problem("min_off_nadir_deg", self.min_off_nadir_deg,
                          f"0 <= min_off_nadir_deg < field_of_regard_deg / 2 = {self.field_of_regard_deg / 2:g} deg "
                          f"(otherwise the sensor detects nothing)")
        return self

    @model_validator(mode="after")
    def _band(self):
        if self.noise_equivalent_irradiance_w_m2 is not None and \
                self.detection_threshold_kw_sr is not None:
            raise Problem("noise_equivalent_irradiance_w_m2",
                           self.noise_equivalent_irradiance_w_m2,
                           "at most one radiometric model: drop it or detection_threshold_kw_sr")
        if self.band_um is not None:
            lo, hi = self.band_um
            if not (0 < lo < hi):
                raise Problem("band_um", self.band_um,
                               "[lo, hi] in micrometres with 0 < lo < hi, e.g. [3.0, 5.0]")
        return self


class _ShellBase(_Model):
    sensor: Optional[str] = Field(None, description="named sensor type ([sensors.NAME])")


class WalkerShell(_ShellBase):
    """Walker delta (RAAN spread over 360 deg) or star (over 180 deg) shell ``total/planes/phasing``."""

    kind: Literal["walker-delta", "walker-star"]
    total: int = Field(ge=1, description="number of satellites, a multiple of planes")
    planes: int = Field(ge=1, description="number of orbit planes")
    phasing: int = Field(0, ge=0, description="Walker phasing factor 0 .. planes-1")
    altitude_km: float = Field(gt=0, description="circular altitude above the equatorial radius")
    inclination_deg: float = Field(ge=0, le=180, description="inclination 0 to 180 deg")
    epoch: Optional[UtcTime] = None
    name_prefix: Optional[str] = None

    @model_validator(mode="after")
    def _pattern(self):
        if self.planes > self.total:
            raise Problem("planes", self.planes,
                           f"1 to total ({self.total}) planes")
        if self.total % self.planes:
            divisors = [p for p in range(1, self.total + 1) if self.total % p == 0]
            raise Problem("total", self.total,
                           f"a multiple of planes ({self.planes}); with total = {self.total}, "
                           f"planes may be one of {divisors[:12]}")
        if self.phasing > self.planes - 1:
            raise Problem("phasing", self.phasing,
                           f"an integer from 0 to planes - 1 = {self.planes - 1}")
        if not math.isfinite(self.altitude_km):
            raise Problem("altitude_km", self.altitude_km, "a finite altitude > 0 km")
        return self


class TleShell(_ShellBase):
    """Satellites from a TLE (2- or 3-line) or OMM (XML/JSON/CSV) file."""

    kind: Literal["tle"]
    path: str = Field(min_length=1, description="a TLE/OMM file, relative to the scenario file")


class PresetShell(_ShellBase):
    """A named constellation from ``constellation.presets.PRESETS``."""

    kind: Literal["preset"]
    name: str = Field(description="a preset name such as \"sda-tranche1-tracking\"")
    epoch: Optional[UtcTime] = None

    @model_validator(mode="after")
    def _known(self):
        names = _preset_names()
        if self.name.strip().lower() not in names:
            raise Problem("name", self.name, "one of " + ", ".join(sorted(names)))
        return self


class SatelliteElements(_Model):
    """One satellite by classical osculating/mean elements (issue 6)."""

    name: Optional[str] = None
    altitude_km: Optional[float] = Field(
        None, description="semi-major axis minus the WGS84 equatorial radius (km)")
    semi_major_axis_km: Optional[float] = Field(None, gt=0)
    eccentricity: float = Field(0.0, ge=0, lt=1)
    inclination_deg: float = Field(ge=0, le=180, description="inclination 0 to 180 deg")
    raan_deg: float = 0.0
    arg_perigee_deg: float = 0.0
    true_anomaly_deg: Optional[float] = None
    mean_anomaly_deg: Optional[float] = None
    epoch: Optional[UtcTime] = None
    bstar: float = Field(0.0, description="SGP4 drag term (1/earth radii)")

    @model_validator(mode="after")
    def _size(self):
        if (self.altitude_km is None) == (self.semi_major_axis_km is None):
            raise Problem("altitude_km", self.altitude_km,
                           "exactly one of altitude_km or semi_major_axis_km")
        if self.true_anomaly_deg is not None and self.mean_anomaly_deg is not None:
            raise Problem("mean_anomaly_deg", self.mean_anomaly_deg,
                           "at most one of true_anomaly_deg or mean_anomaly_deg")
        a = self.semi_major_axis_km if self.semi_major_axis_km is not None \
            else WGS84_A_KM + self.altitude_km
        perigee_alt = a * (1.0 - self.eccentricity) - WGS84_A_KM
        if not perigee_alt > 0:
            key = "altitude_km" if self.altitude_km is not None else "semi_major_axis_km"
            if self.eccentricity > 0:
                key = "eccentricity"
            raise Problem(key, getattr(self, key),
                           f"elements whose perigee is above the surface (perigee altitude "
                           f"a(1-e) - {WGS84_A_KM} km = {perigee_alt:.1f} km)")
        return self

    def semi_major_axis(self) -> float:
        """Semi-major axis (km)."""
        return self.semi_major_axis_km if self.semi_major_axis_km is not None \
            else WGS84_A_KM + self.altitude_km


#: ``constellation[].frame`` spellings (lower case) -> frame; the same table as
#: ``constellation.elements.FRAME_ALIASES`` (kept here so validation imports no engine).
ELEMENT_FRAME_ALIASES = {"teme": "teme", "gcrf": "gcrf", "icrf": "gcrf", "j2000": "gcrf",
                         "eme2000": "gcrf"}


def _element_frame(value: Any) -> Any:
    """``frame`` of an elements shell: an alias of ELEMENT_FRAME_ALIASES, any case."""
    if isinstance(value, str) and value.strip().lower() in ELEMENT_FRAME_ALIASES:
        return ELEMENT_FRAME_ALIASES[value.strip().lower()]
    raise Problem(None, value, "one of " + ", ".join(f'"{k}"' for k in ELEMENT_FRAME_ALIASES)
                  + " (any case; icrf, j2000 and eme2000 are read as gcrf)")


class ElementsShell(_ShellBase):
    """A list of satellites by classical elements (``[[constellation.satellites]]``).

    ``frame`` is the frame the elements are referred to: ``"teme"`` (default, as TLEs) or
    ``"gcrf"`` (as STK, GMAT and OrbitPy give them; ``"icrf"``, ``"j2000"``, ``"eme2000"``
    are read as GCRF, the J2000 frame bias of 23 mas being negligible here). See
    :mod:`constellation.elements`.
    """

    kind: Literal["elements"]
    element_type: Literal["osculating", "mean"] = Field(
        "osculating", description="osculating (fitted to SGP4 mean elements) or SGP4 mean")
    frame: Annotated[str, BeforeValidator(_element_frame)] = Field(
        "teme", description="frame of the elements: teme (default) or gcrf "
        "(aliases icrf, j2000, eme2000)")
    satellites: list[SatelliteElements] = Field(min_length=1)


Shell = Annotated[Union[WalkerShell, TleShell, PresetShell, ElementsShell],
                  Field(discriminator="kind")]
SHELL_KINDS = ("walker-delta", "walker-star", "tle", "preset", "elements")


class PointSpec(_Model):
    """One inline point of ``region.points``."""

    name: str = Field(min_length=1)
    lat_deg: float
    lon_deg: float
    altitude_km: Optional[float] = Field(None, ge=-0.5, le=100)

    @model_validator(mode="after")
    def _range(self):
        _check_lat(self.lat_deg, "lat_deg")
        _check_lon(self.lon_deg, "lon_deg")
        return self


def _points_value(value: Any) -> Any:
    # a path (str) or an inline list of point tables; other types are refused here so the
    # union below never reports one error per member.
    if isinstance(value, str):
        if not value.strip():
            raise Problem(None, value, "a CSV path or a list of {name, lat_deg, lon_deg} tables")
        return value
    if isinstance(value, list):
        if not value:
            raise Problem(None, value, "at least one point")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise Problem(f"[{i}]", item, "a table {name, lat_deg, lon_deg, altitude_km?}")
            try:
                out.append(PointSpec.model_validate(item))
            except ValidationError as exc:
                key, val, allowed, tail = describe_validation_error(exc, item, PointSpec)
                raise Problem(f"[{i}]" + ("" if key.startswith("[") or not key else ".")
                               + key, val, allowed, tail) from None
        return out
    raise Problem(None, value, "a CSV path (string) or a list of {name, lat_deg, lon_deg} tables")


class RegionSpec(_Model):
    """``[region]``: a lat/lon box (optionally masked by a polygon) or a list of points."""

    lat_deg: Optional[list[float]] = Field(None, min_length=2, max_length=2)
    lon_deg: Optional[list[float]] = Field(None, min_length=2, max_length=2)
    step_deg: Optional[float] = Field(None, gt=0, le=90)
    altitude_km: float = Field(0.0, ge=0, le=1000,
                               description="target altitude (0 ground, 40 glide layer)")
    points: Annotated[Any, BeforeValidator(_points_value)] = None
    polygon: Optional[str] = Field(None, min_length=1)
    target_intensity_kw_sr: Optional[float] = Field(
        None, gt=0, description="in-band intensity of the region's notional target (kW/sr); "
        "needed when a sensor is radiometric (threats use their own signature)")

    @model_validator(mode="after")
    def _shape(self):
        box = self.lat_deg is not None or self.lon_deg is not None
        if self.points is not None:
            for key in ("lat_deg", "lon_deg", "step_deg", "polygon"):
                if getattr(self, key) is not None:
                    raise Problem(key, getattr(self, key),
                                   "no box or polygon keys beside region.points "
                                   "(a region is either a point list or a lat/lon box)")
            return self
        if self.polygon is not None and not box:
            if self.step_deg is None:
                raise Problem("step_deg", None, "a grid step in degrees > 0 "
                               "(the polygon is gridded at this step)")
            return self
        if self.lat_deg is None or self.lon_deg is None:
            missing = "lat_deg" if self.lat_deg is None else "lon_deg"
            raise Problem(missing, None, "[lo, hi] in degrees (a region needs lat_deg, "
                           "lon_deg and step_deg, or points, or polygon)")
        if self.step_deg is None:
            raise Problem("step_deg", None, "a grid step in degrees > 0")
        (la0, la1), (lo0, lo1) = self.lat_deg, self.lon_deg
        for v in (la0, la1):
            _check_lat(v, "lat_deg", self.lat_deg, "[lo, hi] with each ")
        for v in (lo0, lo1):
            _check_lon(v, "lon_deg", self.lon_deg, "[lo, hi] with each ")
        if la0 > la1:
            raise Problem("lat_deg", self.lat_deg, "[lo, hi] with lo <= hi (the region is empty)")
        if lo0 > lo1:
            raise Problem("lon_deg", self.lon_deg,
                           "[lo, hi] with lo <= hi (use 0..360 longitudes to cross the "
                           "antimeridian, e.g. [150, 210]); the region is empty")
        if lo1 - lo0 > 360:
            raise Problem("lon_deg", self.lon_deg, "a span of at most 360 degrees")
        for name, (lo, hi) in (("lat", self.lat_deg), ("lon", self.lon_deg)):
            n_float = (hi - lo) / self.step_deg
            if abs(n_float - round(n_float)) > 1e-6:
                raise Problem("step_deg", self.step_deg,
                               f"a step that divides the {name} span {hi - lo:g} deg "
                               f"({name}_deg = [{lo:g}, {hi:g}]) into whole steps "
                               "(both ends are grid points)")
        n = self.n_lat * self.n_lon
        if n > _MAX_POINTS_SCHEMA:
            raise Problem("step_deg", self.step_deg,
                           f"a coarser step: this box has {n:.3g} grid points")
        return self

    @property
    def target_intensity_w_sr(self) -> Optional[float]:
        """``target_intensity_kw_sr`` in W/sr (None when not given)."""
        k = self.target_intensity_kw_sr
        return None if k is None else 1000.0 * k

    @property
    def kind(self) -> str:
        """``"points"``, ``"polygon"`` or ``"box"``."""
        if self.points is not None:
            return "points"
        return "polygon" if self.polygon is not None else "box"

    @property
    def n_lat(self) -> int:
        """Grid rows: ``lat0, lat0 + step, ..., lat1`` (both ends included)."""
        return int(math.floor((self.lat_deg[1] - self.lat_deg[0]) / self.step_deg + 1e-9)) + 1

    @property
    def n_lon(self) -> int:
        """Grid columns (both ends included)."""
        return int(math.floor((self.lon_deg[1] - self.lon_deg[0]) / self.step_deg + 1e-9)) + 1


class ThreatSpec(_Model):
    """``[[threat]]``: a library threat or a launch/aim pair."""

    name: Optional[str] = Field(None, min_length=1)
    library: Optional[str] = None
    launch: Optional[list[float]] = Field(None, min_length=2, max_length=2)
    aim: Optional[list[float]] = Field(None, min_length=2, max_length=2)
    launch_time: Optional[UtcTime] = None
    vehicle: Optional[str] = None
    description: Optional[str] = None

    @model_validator(mode="after")
    def _source(self):
        if self.library is not None:
            for key in ("launch", "aim"):
                if getattr(self, key) is not None:
                    raise Problem(key, getattr(self, key),
                                   "no launch/aim beside library (the library entry fixes "
                                   "them; drop library to give your own)")
            names = _library_names()
            if self.library not in names:
                raise Problem("library", self.library, "one of " + ", ".join(sorted(names)))
        else:
            for key in ("launch", "aim"):
                if getattr(self, key) is None:
                    raise Problem(key, None, "[lat_deg, lon_deg] (or library = \"NAME\" "
                                   "for a threat-library entry)")
            for key in ("launch", "aim"):
                lat, lon = getattr(self, key)
                _check_lat(lat, key, [lat, lon], "[lat_deg, lon_deg] with ")
                _check_lon(lon, key, [lat, lon], "[lat_deg, lon_deg] with ")
            if self.name is None:
                raise Problem("name", None, "a name for this threat (used in tracks.csv)")
        # vehicle: checked by Scenario against the library and the file's [[vehicle]] tables
        return self

    @property
    def label(self) -> str:
        """The threat's name (the library key when only ``library`` is given)."""
        return self.name or self.library


class AimPointSpec(_Model):
    """One named aim point of a ``[[threat_ensemble]]``: ``{name, lat_deg, lon_deg}``."""

    name: str = Field(min_length=1)
    lat_deg: float
    lon_deg: float

    @model_validator(mode="after")
    def _range(self):
        _check_lat(self.lat_deg, "lat_deg")
        _check_lon(self.lon_deg, "lon_deg")
        return self


#: Manoeuvre profiles a ``[[threat_ensemble]]`` may fly (``hgv_models.guidance``): none, a
#: sinusoidal bank weave over the whole glide (``weave_amplitude_deg``, ``weave_period_s``)
#: or one lateral jink (``jink_bank_deg``, ``jink_at_s`` / ``jink_at_fraction``,
#: ``jink_duration_s``).
ENSEMBLE_MANOEUVRES = ("none", "weave", "jink")
#: Most flights one ``[[threat_ensemble]]`` may hold.
MAX_ENSEMBLE_FLIGHTS = 100_000
#: ``aim`` value that draws the aim points among the region's points (grid points inside
#: the polygon, or the named points).
AIM_REGION = "region"

#: Per-flight manoeuvre parameters of a ``[[threat_ensemble]]``: key -> (default, lowest,
#: highest, whether the lowest is excluded).  Each is a number or a range ``[lo, hi]`` drawn
#: uniformly per flight.
ENSEMBLE_RANGES = {
    "weave_amplitude_deg": (20.0, 0.0, 80.0, True),
    "weave_period_s": (200.0, 0.0, 1.0e5, True),
    "jink_bank_deg": (45.0, -90.0, 90.0, False),
    "jink_at_s": (None, 0.0, 2.0e4, False),
    "jink_at_fraction": (None, 0.0, 1.0, False),
    "jink_duration_s": (30.0, 0.0, 1.0e4, True),
}


def _range_value(key: str, value: Any) -> Optional[tuple[float, float]]:
    """``value`` of an :data:`ENSEMBLE_RANGES` key as ``(lo, hi)`` (lo == hi: fixed)."""
    if value is None:
        return None
    _default, lo, hi, open_lo = ENSEMBLE_RANGES[key]
    allowed = (f"a number {'>' if open_lo else '>='} {lo:g} and <= {hi:g}, or a range "
               "[lo, hi] of such numbers with lo <= hi (drawn uniformly per flight)")
    if isinstance(value, bool):
        raise Problem(key, value, allowed)
    if isinstance(value, (int, float)):
        pair = [value, value]
    elif isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        pair = list(value)
    else:
        raise Problem(key, value, allowed)
    a, b = float(pair[0]), float(pair[1])
    for v in (a, b):
        if not math.isfinite(v) or v < lo or v > hi or (open_lo and v == lo):
            raise Problem(key, value, allowed)
    if a > b:
        raise Problem(key, value, allowed)
    return (a, b)


class VehicleSpec(_Model):
    """``[[vehicle]]``: a constant-L/D glide vehicle (:class:`hgv_models.vehicles.Vehicle`)
    usable by name in ``[[threat]]`` and ``[[threat_ensemble]]`` ``vehicle``."""

    name: str = Field(min_length=1)
    lift_to_drag: float = Field(gt=0, le=10, description="constant lift-to-drag ratio")
    ballistic_coefficient_kg_m2: float = Field(
        gt=0, le=1.0e6, description="beta = m / (C_D S), kg/m^2")
    nose_radius_m: float = Field(0.1, gt=0, le=10, description="nose radius for heating, m")


class ThreatEnsembleSpec(_Model):
    """``[[threat_ensemble]]``: many flights from launch sites (a box, a polygon) to aim points.

    ``samples = N`` draws N (launch, aim, launch time[, vehicle, manoeuvre]) tuples with the
    ``seed``; ``factorial = true`` flies every launch site x aim point x launch time
    (x vehicle x manoeuvre).  Launch times are ``launch_times = N`` (uniform over the window,
    seeded, whole seconds) or a list of ISO-8601 times.  Aim points are a list, a CSV file
    (``name, lat_deg, lon_deg`` like ``region.points``) or ``"region"`` (the region's
    points).  Manoeuvre parameters are numbers or ``[lo, hi]`` ranges drawn per flight.
    """

    name: str = Field(min_length=1)
    launch: Optional[list[list[float]]] = Field(None, min_length=1)
    launch_box: Optional[dict[str, list[float]]] = None
    aim: Union[str, list[Union[list[float], AimPointSpec]]] = Field(min_length=1)
    vehicle: Union[None, str, list[str]] = None
    launch_times: Union[int, list[UtcTime]] = 1
    samples: Optional[int] = Field(None, gt=0)
    factorial: bool = False
    seed: int = 0
    manoeuvre: Union[str, list[str]] = "none"
    weave_amplitude_deg: Union[float, list[float]] = 20.0
    weave_period_s: Union[float, list[float]] = 200.0
    launch_area: Optional[str] = Field(None, min_length=1)
    jink_bank_deg: Union[float, list[float]] = 45.0
    jink_at_s: Union[None, float, list[float]] = None
    jink_at_fraction: Union[None, float, list[float]] = None
    jink_duration_s: Union[float, list[float]] = 30.0

    @model_validator(mode="after")
    def _check(self):
        given = [k for k in ("launch", "launch_box", "launch_area") if getattr(self, k) is not None]
        if len(given) != 1:
            raise Problem(given[1] if len(given) > 1 else "launch",
                          getattr(self, given[1]) if len(given) > 1 else None,
                          "exactly one of launch = [[lat_deg, lon_deg], ...], launch_box = "
                          "{lat_deg = [a, b], lon_deg = [c, d]} or launch_area = "
                          "\"file.geojson\"")
        if self.launch is not None:
            for j, site in enumerate(self.launch):
                if len(site) != 2:
                    raise Problem(f"launch[{j}]", site, "[lat_deg, lon_deg]")
                _check_lat(site[0], f"launch[{j}]", site, "[lat_deg, lon_deg] with ")
                _check_lon(site[1], f"launch[{j}]", site, "[lat_deg, lon_deg] with ")
        elif self.launch_box is not None:
            box = self.launch_box
            if set(box) != {"lat_deg", "lon_deg"} or any(len(v) != 2 for v in box.values()):
                raise Problem("launch_box", box, "{lat_deg = [south, north], lon_deg = "
                              "[west, east]}")
            for v in box["lat_deg"]:
                _check_lat(v, "launch_box.lat_deg", box["lat_deg"], "[south, north] with ")
            for v in box["lon_deg"]:
                _check_lon(v, "launch_box.lon_deg", box["lon_deg"], "[west, east] with ")
            if not (box["lat_deg"][0] <= box["lat_deg"][1]
                    and box["lon_deg"][0] <= box["lon_deg"][1]):
                raise Problem("launch_box", box, "south <= north and west <= east")
        if self.factorial and self.launch is None:
            key = "launch_box" if self.launch_box is not None else "launch_area"
            raise Problem("factorial", True, f"false when {key} is given (an area has no "
                          "finite list of sites: use samples = N)")
        if isinstance(self.aim, str):
            if not self.aim.strip():
                raise Problem("aim", self.aim, "a list of points, a CSV path or \"region\"")
        else:
            for j, a in enumerate(self.aim):
                if isinstance(a, list):
                    if len(a) != 2:
                        raise Problem(f"aim[{j}]", a,
                                      "[lat_deg, lon_deg] or {name, lat_deg, lon_deg}")
                    _check_lat(a[0], f"aim[{j}]", a, "[lat_deg, lon_deg] with ")
                    _check_lon(a[1], f"aim[{j}]", a, "[lat_deg, lon_deg] with ")
        if isinstance(self.launch_times, int) and not self.launch_times >= 1:
            raise Problem("launch_times", self.launch_times,
                          "a whole number >= 1 or a list of ISO-8601 UTC times")
        if isinstance(self.launch_times, list) and not self.launch_times:
            raise Problem("launch_times", self.launch_times, "a non-empty list of times")
        if (self.samples is None) == (not self.factorial):
            raise Problem("samples", self.samples,
                          "exactly one of samples = N (random draws) or factorial = true")
        allowed = ("one of " + ", ".join(repr(m) for m in ENSEMBLE_MANOEUVRES)
                   + ", or a non-empty list of them (drawn per flight)")
        if isinstance(self.manoeuvre, list):
            if not self.manoeuvre:
                raise Problem("manoeuvre", self.manoeuvre, allowed)
            for j, m in enumerate(self.manoeuvre):
                if m not in ENSEMBLE_MANOEUVRES:
                    raise Problem(f"manoeuvre[{j}]", m, allowed)
        elif self.manoeuvre not in ENSEMBLE_MANOEUVRES:
            raise Problem("manoeuvre", self.manoeuvre, allowed)
        if isinstance(self.vehicle, list) and not self.vehicle:
            raise Problem("vehicle", self.vehicle, "a vehicle name or a non-empty list of them")
        for key in ENSEMBLE_RANGES:
            _range_value(key, getattr(self, key))
        if self.jink_at_s is not None and self.jink_at_fraction is not None:
            raise Problem("jink_at_fraction", self.jink_at_fraction,
                          "at most one of jink_at_s and jink_at_fraction")
        if self.n_flights > MAX_ENSEMBLE_FLIGHTS:
            raise Problem("samples" if self.samples else "factorial", self.samples or True,
                          f"at most {MAX_ENSEMBLE_FLIGHTS:,} flights (this gives "
                          f"{self.n_flights:,})")
        return self

    def range_of(self, key: str) -> Optional[tuple[float, float]]:
        """An :data:`ENSEMBLE_RANGES` key as ``(lo, hi)`` (equal when fixed); None if unset."""
        return _range_value(key, getattr(self, key))

    @property
    def vehicles(self) -> list[Optional[str]]:
        """``vehicle`` as a list (``[None]`` when not given: the default vehicle)."""
        if self.vehicle is None:
            return [None]
        return list(self.vehicle) if isinstance(self.vehicle, list) else [self.vehicle]

    @property
    def manoeuvres(self) -> list[str]:
        """``manoeuvre`` as a list."""
        return list(self.manoeuvre) if isinstance(self.manoeuvre, list) else [self.manoeuvre]

    @property
    def n_flights(self) -> int:
        """Number of flights (samples, or sites x aims x launch times x vehicles x
        manoeuvres; 0 when the aim points come from a file or the region, known only when
        they are read)."""
        if self.samples is not None:
            return int(self.samples)
        if isinstance(self.aim, str):
            return 0
        n_t = self.launch_times if isinstance(self.launch_times, int) else len(self.launch_times)
        return (len(self.launch or []) * len(self.aim) * n_t * len(self.vehicles)
                * len(self.manoeuvres))


#: Names allowed in ``output.exports`` (hgvcov.exports): ``*.tif`` per gridded variable,
#: ``tracks.kml``, ``scenario.czml``.
EXPORT_KINDS = ("geotiff", "kml", "czml")
#: Most ground-track samples per satellite (``duration_s / step_s``).
MAX_GROUND_TRACK_SAMPLES = 100_000


class GroundTrackSpec(_Model):
    """``[output] ground_tracks = {...}``: the span of the satellites' ground tracks in
    coverage.nc (``ground_track_lat_deg`` / ``ground_track_lon_deg``)."""

    start_s: float = Field(0.0, ge=0, le=10 * 86400.0,
                           description="first sample, seconds after time.start")
    duration_s: Optional[float] = Field(
        None, gt=0, le=10 * 86400.0,
        description="span (s); default one orbit of the slowest satellite")
    step_s: float = Field(30.0, gt=0, le=3600.0, description="sample step (s)")

    @model_validator(mode="after")
    def _size(self):
        if self.duration_s is not None and \
                self.duration_s / self.step_s > MAX_GROUND_TRACK_SAMPLES:
            raise Problem("step_s", self.step_s,
                          f"a step of at least duration_s / {MAX_GROUND_TRACK_SAMPLES} = "
                          f"{self.duration_s / MAX_GROUND_TRACK_SAMPLES:g} s "
                          f"(at most {MAX_GROUND_TRACK_SAMPLES} samples per satellite)")
        return self


_GROUND_TRACKS_ALLOWED = ("true (one orbit from time.start, every 30 s), false (none) or a "
                          "table {start_s, duration_s, step_s}")


def _ground_tracks_value(value: Any) -> Any:
    # true -> the default span, false -> none, a table -> GroundTrackSpec (one message per
    # bad key, not one per member of a union).
    if value is True:
        return GroundTrackSpec()
    if value is False:
        return None
    if isinstance(value, GroundTrackSpec):
        return value
    if isinstance(value, dict):
        try:
            return GroundTrackSpec.model_validate(value)
        except ValidationError as exc:
            key, val, allowed, tail = describe_validation_error(exc, value, GroundTrackSpec)
            raise Problem(key or None, val, allowed, tail) from None
    raise Problem(None, value, _GROUND_TRACKS_ALLOWED)


#: Projection names of ``[output.figures] projection`` (see :mod:`hgvcov.plots.projections`).
FIGURE_PROJECTIONS = ("auto", "platecarree", "equirectangular", "lambert", "mercator", "polar",
                      "robinson", "equalearth")
#: The maps drawn when ``[output.figures] maps`` is not given.
DEFAULT_FIGURE_MAPS = ("fraction_1", "fraction_stereo", "max_gap_s")
_GAP_STEMS = r"max_gap|mean_gap|time_average_gap|mean_response_time|gap_p\d{1,2}"
#: coverage.nc variables that can be mapped (and styled in ``[output.figures.VARIABLE]``):
#: the fractions, counts, gaps (with their ``_2`` / ``_stereo`` variants) and errors of
#: DESIGN.md's Outputs.
MAP_VARIABLE_PATTERN = re.compile(
    r"^(?:fraction_(?:1|2|stereo)|expected_fraction_(?:1|2|stereo)|fraction(?:_stereo)?_space_background"
    r"|mean_count|n_passes(?:_2|_stereo)?|median_position_error_m"
    rf"|(?:{_GAP_STEMS})(?:_2|_stereo)?_s|(?:{_GAP_STEMS})_s(?:_2|_stereo)?)$")
_MAP_VARIABLE_WORDS = ("a coverage.nc map variable: fraction_1, fraction_2, fraction_stereo, mean_count, "
                       "max_gap_s, mean_gap_s, max_gap_stereo_s, median_position_error_m, n_passes, "
                       "time_average_gap_s, mean_response_time_s, gap_p50_s / gap_p90_s / gap_p99_s "
                       "(with _2 / _stereo variants), expected_fraction_1 / _2 / _stereo")


class FigureScaleSpec(_Model):
    """``[output.figures.VARIABLE]``: the colour scale of one variable's map.

    Values are in the variable's own units as stored in coverage.nc: fractions 0-1
    (``vmin = 0.2`` is 20 %), durations in seconds, distances in metres.  Unset keys are
    chosen from the data: the 2nd-98th percentile range rounded out to nice levels.
    """

    vmin: Optional[float] = Field(None, description="lower end of the colour scale (stored units)")
    vmax: Optional[float] = Field(None, description="upper end of the colour scale (stored units)")
    levels: Optional[Union[int, list[float]]] = Field(
        None, description="number of equal colour levels (>= 2), 0 for a continuous scale, or the "
                          "level boundaries (stored units, increasing)")
    cmap: Optional[str] = Field(None, min_length=1,
                                description="colour map: a Crameri name (batlow, lajolla, lipari, "
                                            "devon, ...) or a matplotlib one; _r reverses")

    @model_validator(mode="after")
    def _scale(self):
        if self.vmin is not None and self.vmax is not None and self.vmin >= self.vmax:
            raise Problem("vmax", self.vmax, f"a value > vmin ({fmt_value(self.vmin)})")
        if isinstance(self.levels, int) and (self.levels < 0 or self.levels == 1):
            raise Problem("levels", self.levels, "a number of levels >= 2, 0 for a continuous scale, "
                                                 "or a list of boundaries")
        if isinstance(self.levels, list):
            b = self.levels
            if len(b) < 2 or any(not math.isfinite(v) for v in b) or \
                    any(b2 <= b1 for b1, b2 in zip(b, b[1:])):
                raise Problem("levels", b, "at least two increasing boundaries, e.g. [0, 0.25, 0.5, "
                                           "0.75, 1] (or a number of levels)")
        if self.cmap is not None:
            from hgvcov.plots.scales import get_colormap  # matplotlib only when a cmap is named
            from hgvcov.plots import MapError
            try:
                get_colormap(self.cmap)
            except MapError:
                raise Problem("cmap", self.cmap, "a colour map name: a Crameri map (batlow, lajolla, "
                                                 "lipari, devon, oslo, ...) or a matplotlib one "
                                                 "(viridis, cividis, magma, ...), _r to reverse") from None
        return self


class FigureOverlaysSpec(_Model):
    """``[output.figures.overlays]``: each overlay drawn on every map, on (true) or off."""

    tracks: bool = Field(True, description="HGV tracks by custody state, launch and aim markers, "
                                           "threat names")
    radars: bool = Field(True, description="ground-radar sites, names and horizon circles")
    area: bool = Field(True, description="the area-of-interest (polygon) outline")
    ground_tracks: bool = Field(False, description="the satellites' ground tracks stored in "
                                                   "coverage.nc ([output] ground_tracks)")


class FiguresSpec(_Model):
    """``[output.figures]``: how the maps and timelines look and which files they make.

    Keys:

    ``formats``
        File formats, each figure written once per format: any of ``"png"``, ``"pdf"``,
        ``"svg"`` (default ``["png"]``).  PDF and SVG keep text as text.
    ``dpi``
        Resolution of PNGs and of the coverage cells inside PDF/SVG (50-600, default 150).
    ``projection``
        ``"auto"`` (default: Lambert conformal conic for a mid-latitude box, polar
        stereographic for a polar cap, Equal Earth for the globe, Plate Carree otherwise),
        ``"platecarree"`` (or ``"equirectangular"``), ``"lambert"``, ``"mercator"``,
        ``"polar"``, ``"robinson"``, ``"equalearth"``.
    ``overlays``
        ``true`` (default) / ``false`` for all, or a table ``{tracks, radars, area}``.
    ``coastlines``
        ``"auto"`` (from the map's extent), ``"crude"``, ``"low"`` or ``"intermediate"``.
    ``maps``
        coverage.nc variables drawn as maps, in order (default ``["fraction_1",
        "fraction_stereo", "max_gap_s"]``).
    ``[output.figures.VARIABLE]``
        The colour scale of one variable (:class:`FigureScaleSpec`: ``vmin``, ``vmax``,
        ``levels``, ``cmap``), e.g. ``[output.figures.fraction_stereo] vmin = 0.2``.
    """

    model_config = ConfigDict(extra="allow", strict=True, validate_default=False, allow_inf_nan=False)
    __pydantic_extra__: dict[str, FigureScaleSpec] = Field(init=False)

    formats: list[Literal["png", "pdf", "svg"]] = Field(
        default_factory=lambda: ["png"], min_length=1, description="figure file formats")
    dpi: int = Field(150, ge=50, le=600, description="PNG resolution (dots per inch)")
    projection: Literal[FIGURE_PROJECTIONS] = Field("auto", description="map projection")
    overlays: Union[bool, FigureOverlaysSpec] = Field(True, description="overlays on every map")
    coastlines: Literal["auto", "crude", "low", "intermediate"] = Field(
        "auto", description="GSHHS coastline resolution")
    maps: list[str] = Field(default_factory=lambda: list(DEFAULT_FIGURE_MAPS),
                            description="coverage.nc variables drawn as maps")

    @model_validator(mode="before")
    @classmethod
    def _variable_tables(cls, data):
        if not isinstance(data, dict):
            return data
        ov = data.get("overlays", True)
        if isinstance(ov, dict):
            for k, v in ov.items():
                if k not in FigureOverlaysSpec.model_fields or not isinstance(v, bool):
                    raise Problem(f"overlays.{k}", v, "true or false for each of "
                                  + ", ".join(FigureOverlaysSpec.model_fields))
        elif not isinstance(ov, bool):
            raise Problem("overlays", ov, "true, false, or a table of "
                          + ", ".join(FigureOverlaysSpec.model_fields) + " (each true or false)")
        for key, value in data.items():
            if key in cls.model_fields:
                continue
            if not MAP_VARIABLE_PATTERN.match(str(key)) or not isinstance(value, dict):
                raise Problem(key, value, "a figure option (" + ", ".join(cls.model_fields)
                              + ") or a [output.figures.VARIABLE] table of vmin / vmax / levels / "
                                "cmap, VARIABLE " + _MAP_VARIABLE_WORDS)
        return data

    @model_validator(mode="after")
    def _maps_and_fractions(self):
        for i, var in enumerate(self.maps):
            if not MAP_VARIABLE_PATTERN.match(var):
                raise Problem(f"maps[{i}]", var, _MAP_VARIABLE_WORDS)
        for var, spec in (self.model_extra or {}).items():
            if "fraction" not in var:
                continue
            for key in ("vmin", "vmax"):
                v = getattr(spec, key)
                if v is not None and not 0.0 <= v <= 1.0:
                    raise Problem(f"{var}.{key}", v, f"a fraction from 0 to 1 (coverage.nc units: "
                                                     f"{v:g} % is {v / 100:g})")
            if isinstance(spec.levels, list) and not (0.0 <= spec.levels[0] and spec.levels[-1] <= 1.0):
                raise Problem(f"{var}.levels", spec.levels, "boundaries that are fractions from 0 to 1")
        return self

    @property
    def scales(self) -> dict[str, FigureScaleSpec]:
        """The ``[output.figures.VARIABLE]`` tables by variable name."""
        return dict(self.model_extra or {})


class OutputSpec(_Model):
    """``[output]``: what to write besides coverage.nc and summary.json."""

    maps: bool = True
    figures: FiguresSpec = Field(default_factory=FiguresSpec,
                                 description="[output.figures]: formats, projection, colour scales")
    accesses: bool = False
    monte_carlo: int = Field(0, ge=0, le=100_000)
    track_step_s: float = Field(2.0, gt=0, le=60)
    exports: list[str] = Field(default_factory=lambda: list(EXPORT_KINDS),
                               description="GIS / 3-D exports: geotiff, kml, czml ([] = none)")
    ground_tracks: Annotated[Any, BeforeValidator(_ground_tracks_value)] = Field(
        default_factory=GroundTrackSpec,
        description="satellite ground tracks in coverage.nc: true, false or a table")

    @model_validator(mode="after")
    def _exports(self):
        for name in self.exports:
            if name not in EXPORT_KINDS:
                raise Problem("exports", self.exports,
                              "a list of names from " + ", ".join(f'"{k}"' for k in EXPORT_KINDS)
                              + f" (or [] for none); {name!r} is not one")
        if len(set(self.exports)) != len(self.exports):
            raise Problem("exports", self.exports, "each export named at most once")
        return self


class AnalysisSpec(_Model):
    """``[analysis]``: optional analyses beyond the nominal coverage.

    ``satellite_availability = p`` (``0 < p <= 1``): each satellite is independently
    available with probability ``p``; coverage.nc then gains ``expected_fraction_1``,
    ``expected_fraction_2`` and ``expected_fraction_stereo`` (absent = not computed).

    ``satellite_value`` (default true): per-satellite value (``satellites.csv``,
    ``satellite_value.png``); ``worst_case_losses = k`` (default 0 = off): coverage after
    losing the ``k`` most valuable satellites, greedily (``worst_fraction_*``).
    """

    satellite_availability: Optional[float] = Field(
        None, description="probability that each satellite is available, in (0, 1] (absent = no availability figures)")

    @model_validator(mode="after")
    def _probability(self):
        p = self.satellite_availability
        if p is not None and not 0.0 < p <= 1.0:
            raise Problem("satellite_availability", p,
                          "a probability in (0, 1]: the chance that each satellite is available "
                          "(1 = always; leave the key out for no availability figures)")
        return self

    satellite_value: bool = Field(
        True, description="per-satellite value: satellites.csv, satellite_value.png (grid regions; false = off)")
    worst_case_losses: int = Field(
        0, description="remove the k most valuable satellites greedily and map what is left (0 = off)")

    @model_validator(mode="after")
    def _losses(self):
        k = self.worst_case_losses
        if k < 0:
            raise Problem("worst_case_losses", k,
                          "an integer >= 0: the number of most valuable satellites to remove, one at a "
                          "time (0 = no worst case)")
        if k > 0 and not self.satellite_value:
            raise Problem("worst_case_losses", k,
                          "0 while satellite_value = false (the worst case ranks satellites by their value)")
        return self


class Scenario(_Model):
    """A validated scenario; build the run's objects with the ``build_*`` methods."""

    name: str = "hgv-coverage scenario"
    description: str = ""
    time: TimeSpec
    constellation: list[Shell] = Field(min_length=1)
    sensor: SensorSpec = Field(default_factory=SensorSpec)
    sensors: dict[str, SensorSpec] = Field(default_factory=dict)
    region: RegionSpec
    threat: list[ThreatSpec] = Field(default_factory=list)
    threat_ensemble: list[ThreatEnsembleSpec] = Field(default_factory=list)
    vehicle: list[VehicleSpec] = Field(default_factory=list)
    output: OutputSpec = Field(default_factory=OutputSpec)
    analysis: AnalysisSpec = Field(default_factory=AnalysisSpec)

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _source: Optional[str] = PrivateAttr(default=None)
    _data: dict = PrivateAttr(default_factory=dict)
    _shells: Optional[list] = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _cross(self):
        if "default" in self.sensors:
            raise Problem("sensors.default", "(table)",
                           "another name: the [sensor] table is the default sensor type")
        known = ["default", *self.sensors]
        for i, shell in enumerate(self.constellation):
            if shell.sensor is not None and shell.sensor not in known:
                raise Problem(f"constellation[{i}].sensor", shell.sensor,
                               "one of " + ", ".join(repr(k) for k in known)
                               + " (define others as [sensors.NAME] tables)")
        radiometric = [n for n, sp in [("sensor", self.sensor),
                                       *((f"sensors.{k}", v) for k, v in self.sensors.items())]
                       if sp.detection_threshold_kw_sr is not None
                       or sp.noise_equivalent_irradiance_w_m2 is not None]
        if radiometric and self.region.target_intensity_kw_sr is None:
            raise Problem("region.target_intensity_kw_sr", None,
                           f"a target in-band intensity in kW/sr > 0, because {radiometric[0]} "
                           "is radiometric (detection_threshold_kw_sr or "
                           "noise_equivalent_irradiance_w_m2)")
        if self.analysis.worst_case_losses > 0 and self.region.kind == "points":
            raise Problem("analysis.worst_case_losses", self.analysis.worst_case_losses,
                          "0 for a point-list region (the worst case reruns a grid: use a box or polygon region)")
        if self.output.accesses and self.region.kind != "points":
            raise Problem("output.accesses", True,
                           "false unless the region is a point list (region.points)")
        end = self.time.start + timedelta(seconds=self.time.duration_s)
        for i, th in enumerate(self.threat):
            if th.launch_time is not None and not self.time.start <= th.launch_time <= end:
                raise Problem(f"threat[{i}].launch_time", th.launch_time,
                               f"a time at or after time.start ({fmt_value(self.time.start)}) "
                               f"and at or before the window's end, time.start + duration_s "
                               f"({fmt_value(end)})")
        for i, ens in enumerate(self.threat_ensemble):
            for j, lt in enumerate(ens.launch_times if isinstance(ens.launch_times, list) else []):
                if not self.time.start <= lt <= end:
                    raise Problem(f"threat_ensemble[{i}].launch_times[{j}]", lt,
                                  f"a time from time.start ({fmt_value(self.time.start)}) to "
                                  f"the window's end ({fmt_value(end)})")
            if ens.name in [e.name for e in self.threat_ensemble[:i]]:
                raise Problem(f"threat_ensemble[{i}].name", ens.name,
                              "a name not used by another threat_ensemble")
        library = _vehicle_names()
        defined = []
        for i, v in enumerate(self.vehicle):
            if v.name.strip().lower() in library or v.name.strip().lower() in defined:
                raise Problem(f"vehicle[{i}].name", v.name,
                              "a name not used by a library vehicle ("
                              + ", ".join(sorted(library)) + ") or another [[vehicle]]")
            defined.append(v.name.strip().lower())
        known = "one of " + ", ".join(sorted(library | set(defined))) + (
            "" if defined else " (or define one in a [[vehicle]] table)")
        for i, th in enumerate(self.threat):
            if th.vehicle is not None and th.vehicle.strip().lower() not in library | set(defined):
                raise Problem(f"threat[{i}].vehicle", th.vehicle, known)
        for i, ens in enumerate(self.threat_ensemble):
            names = ens.vehicle if isinstance(ens.vehicle, list) else [ens.vehicle]
            for j, v in enumerate(names):
                if v is not None and v.strip().lower() not in library | set(defined):
                    key = "vehicle" + (f"[{j}]" if isinstance(ens.vehicle, list) else "")
                    raise Problem(f"threat_ensemble[{i}].{key}", v, known)
        labels = [t.label for t in self.threat]
        for i, lab in enumerate(labels):
            if lab in labels[:i]:
                raise Problem(f"threat[{i}].name", lab, "a name not used by another threat")
        return self

    # -- information ------------------------------------------------------------------
    @property
    def base_dir(self) -> Path:
        """Directory relative paths are resolved against (the scenario file's folder)."""
        return self._base_dir

    @property
    def source(self) -> Optional[str]:
        """The scenario file this came from (None for dictionaries / the default)."""
        return self._source

    @property
    def data(self) -> dict:
        """The raw (TOML) dictionary this scenario was validated from."""
        return self._data

    def set_origin(self, base_dir: Path, source: Optional[str], data: dict) -> None:
        """Record where this scenario came from (done once, by the loaders)."""
        self._base_dir = base_dir
        self._source = source
        self._data = data

    def resolve(self, path: str) -> Path:
        """A path of the file, relative to :attr:`base_dir` unless absolute."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self._base_dir / p)

    def sensor_names(self) -> list[str]:
        """Sensor type names in sensor-index order (``default`` first)."""
        return ["default", *self.sensors]

    @staticmethod
    def shell_summary(s) -> str:
        """One shell in words, e.g. ``walker-delta 28/4/1 @ 1000 km, i=81 deg``."""
        if isinstance(s, WalkerShell):
            return (f"{s.kind} {s.total}/{s.planes}/{s.phasing} "
                    f"@ {s.altitude_km:g} km, i={s.inclination_deg:g} deg")
        if isinstance(s, TleShell):
            return f"tle {Path(s.path).name}"
        if isinstance(s, PresetShell):
            return f"preset {s.name}"
        return f"elements ({len(s.satellites)} satellites" \
            + (", GCRF)" if s.frame == "gcrf" else ")")

    def constellation_summary(self) -> str:
        """One line describing the shells, e.g. ``walker-delta 28/4/1 @ 1000 km, i=81 deg``."""
        return "; ".join(self.shell_summary(s) for s in self.constellation)

    def record_shells(self, shells: list) -> None:
        """Keep what :meth:`build_satellites` built per shell (see :meth:`shells`)."""
        self._shells = list(shells)

    def shells(self) -> list[dict]:
        """Per shell: kind, summary, satellites and the element epochs used
        (:func:`hgvcov.scenario.builders.shell_epochs`); empty before :meth:`build_satellites`."""
        return [dict(s) for s in (self._shells or [])]


    # -- building the run's objects: see hgvcov.scenario.builders.  The builders module
    # (and with it the engine: numba, xarray) is imported on the first build, so that
    # validating a scenario never loads it.
    def build_time_grid(self):
        """:class:`orbits.timegrid.TimeGrid` of ``time.count`` samples from ``time.start``."""
        from . import builders
        return builders.build_time_grid(self)

    def build_sensors(self) -> list:
        """``[Sensor]`` in :meth:`sensor_names` order (index = ``SatelliteSet.sensor_index``)."""
        from . import builders
        return builders.build_sensors(self)

    def build_satellites(self):
        """Union of all shells as one :class:`orbits.satellites.SatelliteSet` (see
        :func:`hgvcov.scenario.builders.build_satellites`)."""
        from . import builders
        return builders.build_satellites(self)

    def build_grid(self):
        """``RegionGrid`` for a box/polygon region, ``PointSet`` for a point list."""
        from . import builders
        return builders.build_grid(self)

    def box(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The lat/lon box (deg); for a polygon without a box, its bounds snapped to the step."""
        from . import builders
        return builders.region_box(self)

    def build_polygon(self):
        """The region's polygon (shapely geometry) or None."""
        from . import builders
        return builders.build_polygon(self)

    def build_polygon_mask(self, grid, geometry=None):
        """Boolean ``(n_lat, n_lon)`` mask of the grid inside the polygon, or None.

        ``geometry``: the already loaded polygon (default: load ``region.polygon``).
        """
        from . import builders
        return builders.build_polygon_mask(self, grid, geometry)

    def threat_launch_offsets_s(self) -> list[float]:
        """Launch time of each threat in seconds since ``time.start``."""
        return [((t.launch_time or self.time.start) - self.time.start).total_seconds()
                for t in self.threat]

    def build_threats(self) -> list[tuple[str, Any, float]]:
        """``[(name, hgv_models.threats.Threat, launch_offset_s)]`` for each ``[[threat]]``."""
        from . import builders
        return builders.build_threats(self)

    def build_vehicles(self) -> dict:
        """``{name (lower case): hgv_models.vehicles.Vehicle}`` of the ``[[vehicle]]`` tables."""
        from . import builders
        return builders.build_vehicles(self)

    def input_error(self, key: str, value: Any, allowed: str) -> ScenarioError:
        """A :class:`ScenarioError` ``KEY = VALUE: ALLOWED`` naming this scenario's file."""
        return key_error(key, value, allowed, source=self._source)


# ---------------------------------------------------------------------------------------
# names checked against the engine's catalogues.  The engine is imported when a name is
# checked, not when this module loads: validating a scenario that uses no preset, library
# threat or vehicle name (``hgvcov init``, most sweep cases) stays light.
# ---------------------------------------------------------------------------------------

def _preset_names() -> set[str]:
    from constellation.presets import PRESETS
    return set(PRESETS)


def _library_names() -> set[str]:
    from hgv_models.threats import THREAT_LIBRARY
    return set(THREAT_LIBRARY)


def _vehicle_names() -> set[str]:
    from hgv_models.vehicles import VEHICLES
    return {str(n).lower() for n in VEHICLES}
