"""Validated TOML scenario files (the user's main input).

The schema follows ``DESIGN.md`` ("Scenario file") and issue 6 (element shells, point
lists, polygons).  Every table refuses unknown keys (``extra="forbid"``) and wrong types
(pydantic strict mode: ``"300"`` is not an integer, ``true`` is not a number); impossible
values (altitude below ground, inclination outside 0-180 deg, ``total`` not divisible by
``planes``, phasing outside ``0 .. planes-1``, an empty region, a step <= 0, a start that
is not ISO-8601, a perigee below the surface ...) are refused too.  Every problem becomes
one :class:`ScenarioError` whose message names the key path (``constellation[0].total``),
the value and what is allowed.

File layout (all tables except ``[time]``, ``[[constellation]]`` and ``[region]`` are
optional)::

    name = "Japan stereo tracking study"
    description = "free text"

    [time]
    start = "2026-11-21T00:00:00Z"   # ISO-8601 UTC (a TOML date-time works too)
    duration_s = 86400
    step_s = 30
    propagator = "sgp4"              # or "j2" (analytic J2 secular); applies to every shell

    [[constellation]]                # one or more shells, unioned
    kind = "walker-delta"            # walker-delta | walker-star | tle | preset | elements
    total = 28
    planes = 4
    phasing = 1
    altitude_km = 1000
    inclination_deg = 81
    # epoch = "..."                  # default: time.start
    # sensor = "wide"                # a named sensor type from [sensors.wide]
    # kind = "tle"      -> path = "sats.tle"   (2-/3-line TLE or OMM XML/JSON/CSV; relative to this file)
    # kind = "preset"   -> name = "sda-tranche1-tracking"
    # kind = "elements" -> [[constellation.satellites]] tables with altitude_km or
    #                      semi_major_axis_km, eccentricity, inclination_deg, raan_deg,
    #                      arg_perigee_deg, true_anomaly_deg or mean_anomaly_deg, epoch?,
    #                      name?, bstar?; element_type = "osculating" (default) | "mean"

    [sensor]                         # the default sensor type
    min_elevation_deg = 10
    field_of_regard_deg = 120
    [sensors.wide]                   # further named sensor types (same keys, same defaults)
    field_of_regard_deg = 140

    [region]                         # a lat/lon box ...
    lat_deg = [15, 50]
    lon_deg = [115, 155]
    step_deg = 1.0
    altitude_km = 40                 # target altitude (0 ground, 40 glide layer)
    # target_intensity_kw_sr = 50    # needed when a sensor is radiometric
    # polygon = "eez.geojson"        # ... optionally masked to a GeoJSON polygon
    # points = "sites.csv"           # ... or named points instead of a box (CSV or inline list)

    [[threat]]
    library = "beijing-tokyo"        # a hgv_models.THREAT_LIBRARY entry, or:
    # name, launch = [lat, lon], aim = [lat, lon], vehicle = "cav-h"
    launch_time = "2026-11-21T00:30:00Z"   # default time.start

    [output]
    maps = true
    accesses = false                 # accesses.csv (point regions only)
    monte_carlo = 0                  # launch times per threat for montecarlo.csv (0 = off)
    track_step_s = 2.0               # sample step of tracks.csv

The propagator lives in ``[time]`` because it decides how the satellites move over the
time grid; every shell (Walker, preset, TLE, elements) uses the same one.

Paths (``path``, ``points``, ``polygon``) are relative to the scenario file.

``region.altitude_km`` is the target altitude of the box grid; for a point list it is the
altitude of every point that gives none (inline entry without ``altitude_km``, CSV without
that column or with a blank cell).
With a ``polygon`` and no ``lat_deg``/``lon_deg`` the box is the polygon's bounds rounded
outward to multiples of ``step_deg``.
"""
from __future__ import annotations

import math
import tomllib
import types
import typing
from datetime import date, datetime, timezone
from importlib import resources
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

__all__ = [
    "ScenarioError",
    "Scenario",
    "load_scenario",
    "scenario_from_dict",
    "scenario_from_toml",
    "default_scenario",
    "default_scenario_toml",
    "set_key",
    "get_key",
]

#: WGS84 equatorial radius (km): a perigee below it is below the surface.
_WGS84_A_KM = 6378.137
#: Largest region grid we even try to describe (points); the run's memory check is finer.
_MAX_POINTS_SCHEMA = 2_000_000_000


class ScenarioError(ValueError):
    """A scenario file (or dictionary) that cannot be run.

    Attributes
    ----------
    key : str or None
        Key path of the offending entry, e.g. ``"constellation[0].total"``.
    value : object
        The value found there (``None`` when the key is missing).
    allowed : str
        What would have been accepted.
    source : str or None
        The scenario file, when there is one.
    """

    def __init__(self, message: str, key: str | None = None, value: Any = None,
                 allowed: str = "", source: str | None = None):
        self.key = key
        self.value = value
        self.allowed = allowed
        self.source = source
        self.detail = message
        super().__init__(f"{source}: {message}" if source else message)


class _Problem(ValueError):
    """Raised inside validators: ``sub_key`` is appended to the location pydantic reports."""

    def __init__(self, sub_key: str | None, value: Any, allowed: str, tail: str | None = None):
        self.sub_key = sub_key
        self.value = value
        self.allowed = allowed
        self.tail = tail
        super().__init__(allowed)


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
            raise _Problem(None, value, "an ISO-8601 UTC date-time such as "
                           "\"2026-11-21T00:00:00Z\"") from None
    else:
        raise _Problem(None, value, "an ISO-8601 UTC date-time string such as "
                       "\"2026-11-21T00:00:00Z\"")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


UtcTime = Annotated[datetime, BeforeValidator(_parse_time)]


def _check_lat(value: float, key: str, shown: Any = None, what: str = "") -> None:
    if not (-90.0 <= value <= 90.0) or not math.isfinite(value):
        raise _Problem(key, value if shown is None else shown,
                       f"{what}a latitude from -90 to 90 degrees")


def _check_lon(value: float, key: str, shown: Any = None, what: str = "") -> None:
    if not (-180.0 <= value <= 360.0) or not math.isfinite(value):
        raise _Problem(key, value if shown is None else shown,
                       f"{what}a longitude from -180 to 360 degrees")


def _fmt(v: Any) -> str:
    if isinstance(v, datetime):
        return v.isoformat().replace("+00:00", "Z")
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return repr(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_fmt(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return repr(v)


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
            raise _Problem("duration_s", self.duration_s, "a finite number of seconds > 0")
        if self.step_s > self.duration_s:
            raise _Problem("step_s", self.step_s,
                           f"a step no longer than duration_s ({_fmt(self.duration_s)} s), "
                           "so that there is at least one time sample")
        return self

    @property
    def count(self) -> int:
        """Number of samples, ``floor(duration_s / step_s)`` (k = 0 .. count-1)."""
        return int(math.floor(self.duration_s / self.step_s + 1e-9))


class SensorSpec(_Model):
    """``[sensor]`` / ``[sensors.NAME]``: one sensor type (see ``constellation.sensors.Sensor``)."""

    min_elevation_deg: float = Field(10.0, ge=-90, le=90)
    field_of_regard_deg: Optional[float] = Field(None, gt=0, le=180)
    max_range_km: Optional[float] = Field(None, gt=0)
    grazing_altitude_km: Optional[float] = Field(None, ge=0)
    stereo_min_angle_deg: float = Field(20.0, ge=0, le=90)
    angular_noise_urad: float = Field(30.0, gt=0)
    detection_threshold_kw_sr: Optional[float] = Field(None, gt=0)
    reference_range_km: float = Field(1000.0, gt=0)
    noise_equivalent_irradiance_w_m2: Optional[float] = Field(None, gt=0)
    snr_threshold: float = Field(5.0, gt=0)
    band_um: Optional[list[float]] = Field(None, min_length=2, max_length=2)

    @model_validator(mode="after")
    def _band(self):
        if self.noise_equivalent_irradiance_w_m2 is not None and \
                self.detection_threshold_kw_sr is not None:
            raise _Problem("noise_equivalent_irradiance_w_m2",
                           self.noise_equivalent_irradiance_w_m2,
                           "at most one radiometric model: drop it or detection_threshold_kw_sr")
        if self.band_um is not None:
            lo, hi = self.band_um
            if not (0 < lo < hi):
                raise _Problem("band_um", self.band_um,
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
            raise _Problem("planes", self.planes,
                           f"1 to total ({self.total}) planes")
        if self.total % self.planes:
            divisors = [p for p in range(1, self.total + 1) if self.total % p == 0]
            raise _Problem("total", self.total,
                           f"a multiple of planes ({self.planes}); with total = {self.total}, "
                           f"planes may be one of {divisors[:12]}")
        if self.phasing > self.planes - 1:
            raise _Problem("phasing", self.phasing,
                           f"an integer from 0 to planes - 1 = {self.planes - 1}")
        if not math.isfinite(self.altitude_km):
            raise _Problem("altitude_km", self.altitude_km, "a finite altitude > 0 km")
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
        if names is not None and self.name.strip().lower() not in names:
            raise _Problem("name", self.name, "one of " + ", ".join(sorted(names)))
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
            raise _Problem("altitude_km", self.altitude_km,
                           "exactly one of altitude_km or semi_major_axis_km")
        if self.true_anomaly_deg is not None and self.mean_anomaly_deg is not None:
            raise _Problem("mean_anomaly_deg", self.mean_anomaly_deg,
                           "at most one of true_anomaly_deg or mean_anomaly_deg")
        a = self.semi_major_axis_km if self.semi_major_axis_km is not None \
            else _WGS84_A_KM + self.altitude_km
        perigee_alt = a * (1.0 - self.eccentricity) - _WGS84_A_KM
        if not perigee_alt > 0:
            key = "altitude_km" if self.altitude_km is not None else "semi_major_axis_km"
            if self.eccentricity > 0:
                key = "eccentricity"
            raise _Problem(key, getattr(self, key),
                           f"elements whose perigee is above the surface (perigee altitude "
                           f"a(1-e) - {_WGS84_A_KM} km = {perigee_alt:.1f} km)")
        return self

    def semi_major_axis(self) -> float:
        """Semi-major axis (km)."""
        return self.semi_major_axis_km if self.semi_major_axis_km is not None \
            else _WGS84_A_KM + self.altitude_km


class ElementsShell(_ShellBase):
    """A list of satellites by classical elements (``[[constellation.satellites]]``)."""

    kind: Literal["elements"]
    element_type: Literal["osculating", "mean"] = Field(
        "osculating", description="osculating (fitted to SGP4 mean elements) or SGP4 mean")
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
            raise _Problem(None, value, "a CSV path or a list of {name, lat_deg, lon_deg} tables")
        return value
    if isinstance(value, list):
        if not value:
            raise _Problem(None, value, "at least one point")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise _Problem(f"[{i}]", item, "a table {name, lat_deg, lon_deg, altitude_km?}")
            try:
                out.append(PointSpec.model_validate(item))
            except ValidationError as exc:
                key, val, allowed, tail = _describe(exc, item, PointSpec)
                raise _Problem(f"[{i}]" + ("" if key.startswith("[") or not key else ".")
                               + key, val, allowed, tail) from None
        return out
    raise _Problem(None, value, "a CSV path (string) or a list of {name, lat_deg, lon_deg} tables")


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
                    raise _Problem(key, getattr(self, key),
                                   "no box or polygon keys beside region.points "
                                   "(a region is either a point list or a lat/lon box)")
            return self
        if self.polygon is not None and not box:
            if self.step_deg is None:
                raise _Problem("step_deg", None, "a grid step in degrees > 0 "
                               "(the polygon is gridded at this step)")
            return self
        if self.lat_deg is None or self.lon_deg is None:
            missing = "lat_deg" if self.lat_deg is None else "lon_deg"
            raise _Problem(missing, None, "[lo, hi] in degrees (a region needs lat_deg, "
                           "lon_deg and step_deg, or points, or polygon)")
        if self.step_deg is None:
            raise _Problem("step_deg", None, "a grid step in degrees > 0")
        (la0, la1), (lo0, lo1) = self.lat_deg, self.lon_deg
        for v in (la0, la1):
            _check_lat(v, "lat_deg", self.lat_deg, "[lo, hi] with each ")
        for v in (lo0, lo1):
            _check_lon(v, "lon_deg", self.lon_deg, "[lo, hi] with each ")
        if la0 > la1:
            raise _Problem("lat_deg", self.lat_deg, "[lo, hi] with lo <= hi (the region is empty)")
        if lo0 > lo1:
            raise _Problem("lon_deg", self.lon_deg,
                           "[lo, hi] with lo <= hi (use 0..360 longitudes to cross the "
                           "antimeridian, e.g. [150, 210]); the region is empty")
        if lo1 - lo0 > 360:
            raise _Problem("lon_deg", self.lon_deg, "a span of at most 360 degrees")
        for name, (lo, hi) in (("lat", self.lat_deg), ("lon", self.lon_deg)):
            n_float = (hi - lo) / self.step_deg
            if abs(n_float - round(n_float)) > 1e-6:
                raise _Problem("step_deg", self.step_deg,
                               f"a step that divides the {name} span {hi - lo:g} deg "
                               f"({name}_deg = [{lo:g}, {hi:g}]) into whole steps "
                               "(both ends are grid points)")
        n = self.n_lat * self.n_lon
        if n > _MAX_POINTS_SCHEMA:
            raise _Problem("step_deg", self.step_deg,
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
                    raise _Problem(key, getattr(self, key),
                                   "no launch/aim beside library (the library entry fixes "
                                   "them; drop library to give your own)")
            names = _library_names()
            if names is not None and self.library not in names:
                raise _Problem("library", self.library, "one of " + ", ".join(sorted(names)))
        else:
            for key in ("launch", "aim"):
                if getattr(self, key) is None:
                    raise _Problem(key, None, "[lat_deg, lon_deg] (or library = \"NAME\" "
                                   "for a threat-library entry)")
            for key in ("launch", "aim"):
                lat, lon = getattr(self, key)
                _check_lat(lat, key, [lat, lon], "[lat_deg, lon_deg] with ")
                _check_lon(lon, key, [lat, lon], "[lat_deg, lon_deg] with ")
            if self.name is None:
                raise _Problem("name", None, "a name for this threat (used in tracks.csv)")
        if self.vehicle is not None:
            vehicles = _vehicle_names()
            if vehicles is not None and self.vehicle.lower() not in vehicles:
                raise _Problem("vehicle", self.vehicle, "one of " + ", ".join(sorted(vehicles)))
        return self

    @property
    def label(self) -> str:
        """The threat's name (the library key when only ``library`` is given)."""
        return self.name or self.library


class OutputSpec(_Model):
    """``[output]``: what to write besides coverage.nc and summary.json."""

    maps: bool = True
    accesses: bool = False
    monte_carlo: int = Field(0, ge=0, le=100_000)
    track_step_s: float = Field(2.0, gt=0, le=60)


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
    output: OutputSpec = Field(default_factory=OutputSpec)

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _source: Optional[str] = PrivateAttr(default=None)
    _data: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross(self):
        if "default" in self.sensors:
            raise _Problem("sensors.default", "(table)",
                           "another name: the [sensor] table is the default sensor type")
        known = ["default", *self.sensors]
        for i, shell in enumerate(self.constellation):
            if shell.sensor is not None and shell.sensor not in known:
                raise _Problem(f"constellation[{i}].sensor", shell.sensor,
                               "one of " + ", ".join(repr(k) for k in known)
                               + " (define others as [sensors.NAME] tables)")
        radiometric = [n for n, sp in [("sensor", self.sensor),
                                       *((f"sensors.{k}", v) for k, v in self.sensors.items())]
                       if sp.detection_threshold_kw_sr is not None
                       or sp.noise_equivalent_irradiance_w_m2 is not None]
        if radiometric and self.region.target_intensity_kw_sr is None:
            raise _Problem("region.target_intensity_kw_sr", None,
                           f"a target in-band intensity in kW/sr > 0, because {radiometric[0]} "
                           "is radiometric (detection_threshold_kw_sr or "
                           "noise_equivalent_irradiance_w_m2)")
        if self.output.accesses and self.region.kind != "points":
            raise _Problem("output.accesses", True,
                           "false unless the region is a point list (region.points)")
        for i, th in enumerate(self.threat):
            if th.launch_time is not None and th.launch_time < self.time.start:
                raise _Problem(f"threat[{i}].launch_time", th.launch_time,
                               f"a time at or after time.start ({_fmt(self.time.start)})")
        labels = [t.label for t in self.threat]
        for i, lab in enumerate(labels):
            if lab in labels[:i]:
                raise _Problem(f"threat[{i}].name", lab, "a name not used by another threat")
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

    def resolve(self, path: str) -> Path:
        """A path of the file, relative to :attr:`base_dir` unless absolute."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self._base_dir / p)

    def sensor_names(self) -> list[str]:
        """Sensor type names in sensor-index order (``default`` first)."""
        return ["default", *self.sensors]

    def constellation_summary(self) -> str:
        """One line describing the shells, e.g. ``walker-delta 28/4/1 @ 1000 km 81 deg``."""
        parts = []
        for s in self.constellation:
            if isinstance(s, WalkerShell):
                parts.append(f"{s.kind} {s.total}/{s.planes}/{s.phasing} "
                             f"@ {s.altitude_km:g} km, i={s.inclination_deg:g} deg")
            elif isinstance(s, TleShell):
                parts.append(f"tle {Path(s.path).name}")
            elif isinstance(s, PresetShell):
                parts.append(f"preset {s.name}")
            else:
                parts.append(f"elements ({len(s.satellites)} satellites)")
        return "; ".join(parts)

    # -- builders (import the engine lazily: validation needs none of it) ---------------
    def build_time_grid(self):
        """:class:`orbits.timegrid.TimeGrid` of ``time.count`` samples from ``time.start``."""
        from orbits.timegrid import time_grid
        return time_grid(self.time.start, self.time.step_s, duration_s=self.time.duration_s)

    def build_sensors(self) -> list:
        """``[Sensor]`` in :meth:`sensor_names` order (index = ``SatelliteSet.sensor_index``)."""
        import dataclasses
        from constellation.sensors import Sensor
        fields = {f.name for f in dataclasses.fields(Sensor)} \
            if dataclasses.is_dataclass(Sensor) else None
        out = []
        for name, spec in [("default", self.sensor), *self.sensors.items()]:
            kw = {k: (tuple(v) if isinstance(v, list) else v)
                  for k, v in spec.model_dump().items() if v is not None}
            if fields is not None:
                kw = {k: v for k, v in kw.items() if k in fields}
            if fields is None or "name" in fields:
                kw["name"] = name
            key = "sensor" if name == "default" else f"sensors.{name}"
            try:
                out.append(Sensor(**kw))
            except ValueError as exc:
                raise self._error(key, "(table)", str(exc)) from exc
        return out

    def build_satellites(self):
        """Union of all shells as one :class:`orbits.satellites.SatelliteSet`.

        ``sensor_index`` is set from each shell's ``sensor`` (0 = ``[sensor]``).
        Input-layer failures (``WalkerError``, ``OrbitFileError``, unknown preset) become a
        :class:`ScenarioError` naming the shell.
        """
        import numpy as np
        names = self.sensor_names()
        total = None
        for i, shell in enumerate(self.constellation):
            key = f"constellation[{i}]"
            try:
                sats = self._build_shell(i, shell)
            except ScenarioError:
                raise
            except ValueError as exc:  # WalkerError, OrbitFileError, ... (input layer)
                raise self._error(key, shell.kind, str(exc)) from exc
            idx = names.index(shell.sensor) if shell.sensor else 0
            sats.sensor_index = np.full(len(sats), idx, dtype=np.int64)
            total = sats if total is None else total + sats
        return total

    def _build_shell(self, i: int, shell):
        epoch = getattr(shell, "epoch", None) or self.time.start
        if isinstance(shell, WalkerShell):
            from constellation.walker import walker
            prefix = shell.name_prefix or (f"S{i}" if len(self.constellation) > 1 else "W")
            return walker(pattern=shell.kind.split("-")[1], total=shell.total,
                          planes=shell.planes, phasing=shell.phasing,
                          altitude_km=shell.altitude_km,
                          inclination_deg=shell.inclination_deg,
                          epoch_utc=epoch, name_prefix=prefix)
        if isinstance(shell, TleShell):
            from orbits.tle import read_orbits
            return read_orbits(self.resolve(shell.path))
        if isinstance(shell, PresetShell):
            from constellation.presets import preset
            return preset(shell.name, epoch)
        from constellation.elements import satellites_from_elements
        rows = []
        for sat in shell.satellites:
            d = sat.model_dump(exclude_none=True)
            rows.append(d)
        return satellites_from_elements(rows, self.time.start, element_type=shell.element_type,
                                        name_prefix=f"E{i}-" if len(self.constellation) > 1
                                        else "E")

    def build_grid(self):
        """``RegionGrid`` for a box/polygon region, ``PointSet`` for a point list."""
        r = self.region
        if r.kind == "points":
            from constellation.points import load_points
            src = r.points
            if isinstance(src, str):
                src = self.resolve(src)
            else:
                src = [p.model_dump(exclude_none=True) for p in src]
            try:  # points without an altitude (blank cell, no column) sit at region.altitude_km
                if _accepts(load_points, "default_altitude_km"):
                    pts = load_points(src, default_altitude_km=r.altitude_km)
                else:  # pragma: no cover - older points module
                    pts = load_points([{**p, "altitude_km": p.get("altitude_km", r.altitude_km)}
                                       for p in src] if isinstance(src, list) else src)
            except ValueError as exc:
                raise self._error("region.points", r.points if isinstance(r.points, str)
                                  else "(list)", str(exc)) from exc
            return pts
        from constellation.grid import region_grid
        lat, lon = self.box()
        return region_grid(lat, lon, r.step_deg, r.altitude_km)

    def box(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The lat/lon box (deg); for a polygon without a box, its bounds snapped to the step."""
        r = self.region
        if r.lat_deg is not None:
            return (r.lat_deg[0], r.lat_deg[1]), (r.lon_deg[0], r.lon_deg[1])
        geom = self.build_polygon()
        lon0, lat0, lon1, lat1 = geom.bounds
        s = r.step_deg
        la0 = max(-90.0, math.floor(lat0 / s) * s)
        la1 = min(90.0, math.ceil(lat1 / s) * s)
        lo0 = math.floor(lon0 / s) * s
        lo1 = math.ceil(lon1 / s) * s
        return (la0, la1), (lo0, lo1)

    def build_polygon(self):
        """The region's polygon (shapely geometry) or None."""
        if self.region.polygon is None:
            return None
        from constellation.polygon import load_polygon
        try:
            return load_polygon(self.resolve(self.region.polygon))
        except ValueError as exc:
            raise self._error("region.polygon", self.region.polygon, str(exc)) from exc

    def build_polygon_mask(self, grid, geometry=None):
        """Boolean ``(n_lat, n_lon)`` mask of the grid inside the polygon, or None.

        ``geometry``: the already loaded polygon (default: load ``region.polygon``).
        """
        geom = self.build_polygon() if geometry is None else geometry
        if geom is None:
            return None
        from constellation.polygon import polygon_mask
        mask = polygon_mask(geom, grid.lat_deg, grid.lon_deg)
        if not mask.any():
            raise self._error("region.polygon", self.region.polygon,
                              "a polygon containing at least one grid point (none of the "
                              f"grid points at step {self.region.step_deg:g} deg lies inside)")
        return mask

    def threat_launch_offsets_s(self) -> list[float]:
        """Launch time of each threat in seconds since ``time.start``."""
        return [((t.launch_time or self.time.start) - self.time.start).total_seconds()
                for t in self.threat]

    def build_threats(self) -> list[tuple[str, Any, float]]:
        """``[(name, hgv_models.threats.Threat, launch_offset_s)]`` for each ``[[threat]]``."""
        import dataclasses
        from hgv_models.threats import THREAT_LIBRARY, Threat
        out = []
        for i, (spec, offset) in enumerate(zip(self.threat, self.threat_launch_offsets_s())):
            if spec.library is not None:
                th = THREAT_LIBRARY[spec.library]
                changes = {}
                if spec.name is not None:
                    changes["name"] = spec.name
                if spec.vehicle is not None:
                    changes["vehicle"] = spec.vehicle
                if spec.description is not None:
                    changes["description"] = spec.description
                if changes:
                    th = dataclasses.replace(th, **changes)
            else:
                kw = dict(name=spec.name, launch_lat_deg=spec.launch[0],
                          launch_lon_deg=spec.launch[1], aim_lat_deg=spec.aim[0],
                          aim_lon_deg=spec.aim[1])
                if spec.vehicle is not None:
                    kw["vehicle"] = spec.vehicle
                if spec.description is not None:
                    kw["description"] = spec.description
                try:
                    th = Threat(**kw)
                except ValueError as exc:
                    raise self._error(f"threat[{i}]", spec.label, str(exc)) from exc
            out.append((spec.label, th, offset))
        return out

    def _error(self, key: str, value: Any, allowed: str) -> ScenarioError:
        return ScenarioError(f"{key} = {_fmt(value)}: {allowed}", key=key, value=value,
                             allowed=allowed, source=self._source)


def _accepts(func, name: str) -> bool:
    import inspect
    try:
        return name in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------------------
# lazily-checked names from the other modules (None = module not importable: skip)
# ---------------------------------------------------------------------------------------

def _preset_names():
    try:
        from constellation.presets import PRESETS
    except ImportError:
        return None
    return set(PRESETS)


def _library_names():
    try:
        from hgv_models.threats import THREAT_LIBRARY
    except ImportError:
        return None
    return set(THREAT_LIBRARY)


def _vehicle_names():
    try:
        from hgv_models.vehicles import VEHICLES
    except ImportError:
        return None
    return {str(n).lower() for n in VEHICLES}


# ---------------------------------------------------------------------------------------
# pydantic errors -> one ScenarioError
# ---------------------------------------------------------------------------------------

def _key_from_loc(loc, data, root: Any = None) -> tuple[str, Any, Any]:
    """Pydantic loc -> (key path, value in data or _MISSING, type at that key)."""
    key = ""
    node: Any = data
    tp: Any = Scenario if root is None else root
    parts = list(loc)
    i = 0
    while i < len(parts):
        part = parts[i]
        model = _model_of(tp, node)
        if isinstance(part, str) and model is not None and part not in model.model_fields \
                and isinstance(node, dict) and node.get("kind") == part:
            i += 1  # discriminator tag in the loc, not a key
            continue
        if isinstance(part, int):
            key += f"[{part}]"
            tp = _item_type(tp, node)
            node = node[part] if isinstance(node, list) and part < len(node) else _MISSING
        else:
            key += ("." if key else "") + part
            if model is not None and part in model.model_fields:
                tp = model.model_fields[part].annotation
            elif _is_dict(tp):
                tp = typing.get_args(_strip(tp))[1]
            else:
                tp = None
            node = node.get(part, _MISSING) if isinstance(node, dict) else _MISSING
        i += 1
    return key, node, tp


class _Missing:
    def __repr__(self):
        return "(missing)"


_MISSING = _Missing()


def _strip(tp):
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _is_dict(tp) -> bool:
    return typing.get_origin(_strip(tp)) is dict


def _model_of(tp, node):
    tp = _strip(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    if typing.get_origin(tp) in (Union, types.UnionType):
        members = [_strip(a) for a in typing.get_args(tp)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        for m in models:
            kf = m.model_fields.get("kind")
            if kf is not None and isinstance(node, dict) and \
                    node.get("kind") in typing.get_args(kf.annotation):
                return m
        if len(models) == 1:
            return models[0]
    return None


def _item_type(tp, node):
    tp = _strip(tp)
    if typing.get_origin(tp) in (Union, types.UnionType):
        for a in typing.get_args(tp):
            if typing.get_origin(_strip(a)) is list:
                tp = _strip(a)
                break
    if typing.get_origin(tp) is list:
        return typing.get_args(tp)[0]
    return None


_TYPE_WORDS = {
    "int_type": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "string_type": "a string (in quotes)",
    "bool_type": "true or false", "list_type": "a list [ ... ]",
    "tuple_type": "a list [ ... ]", "dict_type": "a table",
    "model_type": "a table", "model_attributes_type": "a table",
    "finite_number": "a finite number", "datetime_type": "an ISO-8601 UTC date-time",
}


def _allowed_text(err: dict, model_at_parent=None, loc=None) -> str:
    typ = err["type"]
    ctx = err.get("ctx") or {}
    if typ == "value_error" and isinstance(ctx.get("error"), _Problem):
        return ctx["error"].allowed
    if typ in _TYPE_WORDS:
        return _TYPE_WORDS[typ]
    if typ == "greater_than":
        return f"a value > {ctx.get('gt')}"
    if typ == "greater_than_equal":
        return f"a value >= {ctx.get('ge')}"
    if typ == "less_than":
        return f"a value < {ctx.get('lt')}"
    if typ == "less_than_equal":
        return f"a value <= {ctx.get('le')}"
    if typ == "literal_error":
        return "one of " + str(ctx.get("expected", "")).replace("'", '"')
    if typ == "too_short":
        n = ctx.get("min_length")
        return "at least one entry" if n == 1 else f"a list with at least {n} items"
    if typ == "too_long":
        return f"a list with at most {ctx.get('max_length')} items"
    if typ == "union_tag_invalid":
        return "kind = one of " + ", ".join(f'"{k}"' for k in SHELL_KINDS)
    if typ == "union_tag_not_found":
        return "a kind key: one of " + ", ".join(f'"{k}"' for k in SHELL_KINDS)
    if typ == "missing":
        return "a value (this key is required)"
    if typ == "extra_forbidden":
        if model_at_parent is not None:
            keys = [k for k in model_at_parent.model_fields]
            return "not a known key here; allowed keys: " + ", ".join(keys)
        return "not a known key here"
    msg = err.get("msg", "invalid value")
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return msg.replace("Input should be", "allowed:")


def _describe(exc: ValidationError, data: Any, root: Any = None):
    """First error of ``exc`` -> (key path, value, allowed, message tail after the key)."""
    errors = exc.errors()
    err = errors[0]
    loc = list(err["loc"])
    ctx = err.get("ctx") or {}
    prob = ctx.get("error") if err["type"] == "value_error" else None
    root = Scenario if root is None else root
    key, node, _ = _key_from_loc(loc, data, root)
    if loc:
        parent_key, parent_node, parent_tp = _key_from_loc(loc[:-1], data, root)
    else:
        parent_key, parent_node, parent_tp = "", data, root
    tail = None
    if isinstance(prob, _Problem):
        if prob.sub_key:
            if prob.sub_key.startswith("[") or not key:
                key = key + prob.sub_key
            else:
                key = key + "." + prob.sub_key
        value = prob.value
        tail = prob.tail
    else:
        value = err.get("input", node)
    if err["type"] == "union_tag_invalid":
        key, value = key + ".kind", (node.get("kind") if isinstance(node, dict) else node)
    if err["type"] == "union_tag_not_found":
        key, value = key + ".kind", None
    parent_model = _model_of(parent_tp, parent_node) if err["type"] == "extra_forbidden" else None
    allowed = _allowed_text(err, parent_model)
    if err["type"] == "missing" and loc:
        allowed = _missing_text(loc[-1], _model_of(parent_tp, parent_node)) or allowed
    if err["type"] == "list_type" and (key in ("constellation", "threat")
                                       or key.endswith("].satellites")):
        name = "constellation.satellites" if key.endswith("satellites") else key
        allowed = f"an array of tables written [[{name}]] (not [{name}])"
    if tail is None:
        if err["type"] == "missing" or value is None:
            tail = f" is missing: expected {allowed}"
        elif err["type"] == "extra_forbidden":
            where = f" in {parent_key}" if parent_key else ""
            tail = f" = {_fmt(value)}: unknown key{where}; " + \
                allowed.replace("not a known key here; ", "")
        else:
            tail = f" = {_fmt(value)}: expected {allowed}"
    if len(errors) > 1:
        tail += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return key, value, allowed, tail


def _missing_text(name: Any, model) -> str | None:
    """What a missing key should hold: a table, or the field's description."""
    if model is None or name not in getattr(model, "model_fields", {}):
        return None
    f = model.model_fields[name]
    tp = _strip(f.annotation)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"a [{name}] table"
    if typing.get_origin(tp) is list and name == "constellation":
        return "one or more [[constellation]] tables"
    if f.description:
        return f"a value: {f.description}"
    return None


def _convert(exc: ValidationError, data: dict, source: str | None) -> ScenarioError:
    key, value, allowed, tail = _describe(exc, data)
    return ScenarioError(key + tail, key=key, value=value, allowed=allowed, source=source)


# ---------------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------------

def scenario_from_dict(data: dict, base_dir: str | Path | None = None,
                       source: str | None = None) -> Scenario:
    """Validate a scenario dictionary (as TOML parses it) and resolve its paths.

    Parameters
    ----------
    data : dict
        The parsed TOML.
    base_dir : path, optional
        Folder relative paths are resolved against (default: the working directory).
    source : str, optional
        File name used in error messages.

    Raises
    ------
    ScenarioError
        One message naming the key path, the value and what is allowed.
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"a scenario must be a table of keys, got {type(data).__name__}",
                            source=source)
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _convert(exc, data, source) from None
    sc._base_dir = Path(base_dir).resolve() if base_dir is not None else Path.cwd()
    sc._source = source
    sc._data = data
    # referenced files must exist (relative to the scenario file)
    for i, shell in enumerate(sc.constellation):
        if isinstance(shell, TleShell):
            _must_exist(sc, f"constellation[{i}].path", shell.path)
    if isinstance(sc.region.points, str):
        _must_exist(sc, "region.points", sc.region.points)
    if sc.region.polygon is not None:
        _must_exist(sc, "region.polygon", sc.region.polygon)
    return sc


def _must_exist(sc: Scenario, key: str, path: str) -> None:
    p = sc.resolve(path)
    if not p.is_file():
        raise sc._error(key, path, f"expected an existing file (relative paths are taken from the "
                        f"scenario file's folder; looked for {p})")


def scenario_from_toml(text: str, base_dir: str | Path | None = None,
                       source: str | None = None) -> Scenario:
    """Parse and validate TOML text; syntax errors name the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"TOML syntax error: {exc}", source=source) from None
    return scenario_from_dict(data, base_dir=base_dir, source=source)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (paths inside are relative to it)."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"scenario file not found: {p}", key=None, value=str(p),
                            allowed="an existing TOML file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario file {p}: {exc}") from None
    return scenario_from_toml(text, base_dir=p.resolve().parent, source=str(p))


def default_scenario_toml() -> str:
    """The built-in default scenario (commented TOML; ``hgvcov init`` writes it)."""
    return resources.files("hgvcov").joinpath("data/default_scenario.toml") \
        .read_text(encoding="utf-8")


def default_scenario() -> Scenario:
    """The built-in Japan / Indo-Pacific scenario, validated."""
    return scenario_from_toml(default_scenario_toml(), base_dir=Path.cwd(),
                              source="<built-in default scenario>")


# ---------------------------------------------------------------------------------------
# key paths (sweeps): "constellation[0].total", "sensor.field_of_regard_deg"
# ---------------------------------------------------------------------------------------

def _parse_key(key: str) -> list[str | int]:
    parts: list[str | int] = []
    for dotted in key.split("."):
        if not dotted:
            raise ScenarioError(f"bad key path {key!r}", key=key)
        name, _, rest = dotted.partition("[")
        if name:
            parts.append(name)
        while rest:
            idx, _, rest = rest.partition("]")
            if not idx.isdigit():
                raise ScenarioError(f"bad key path {key!r}: index {idx!r} is not an integer",
                                    key=key)
            parts.append(int(idx))
            rest = rest[1:] if rest.startswith("[") else rest
    return parts


def get_key(data: dict, key: str) -> Any:
    """Value at a key path such as ``constellation[0].total`` (KeyError if absent)."""
    node: Any = data
    for part in _parse_key(key):
        node = node[part]
    return node


def set_key(data: dict, key: str, value: Any) -> dict:
    """Return a deep copy of ``data`` with ``key`` (a key path) set to ``value``.

    Missing tables on the way are created; list indices must exist.
    """
    import copy
    out = copy.deepcopy(data)
    node: Any = out
    parts = _parse_key(key)
    for part, nxt in zip(parts[:-1], parts[1:]):
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                raise ScenarioError(f"{key}: index {part} does not exist in the base scenario",
                                    key=key)
            node = node[part]
        else:
            if not isinstance(node, dict):
                raise ScenarioError(f"{key}: {part!r} is not inside a table", key=key)
            node = node.setdefault(part, [] if isinstance(nxt, int) else {})
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise ScenarioError(f"{key}: index {last} does not exist in the base scenario",
                                key=key)
    elif not isinstance(node, dict):
        raise ScenarioError(f"{key}: {last!r} is not inside a table", key=key)
    node[last] = value
    return out
