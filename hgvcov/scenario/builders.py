"""Engine objects from a validated :class:`~hgvcov.scenario.schema.Scenario`.

Each builder turns one part of the scenario into what :mod:`constellation` runs on: the
satellites of every shell (with each shell's sensor index), the time grid, the sensor
types, the region (box grid, polygon and its mask, or a point list) and the threats.
Failures of the input layer (``WalkerError``, ``OrbitFileError``, an unreadable point or
polygon file, a threat the library refuses ...) become a :class:`ScenarioError` naming
the scenario key, like every validation error.

This module imports the engine; :class:`Scenario`'s ``build_*`` methods import it on first
use so that validating a scenario does not.
"""
from __future__ import annotations

import dataclasses
import math
import sys
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from constellation import (Sensor, load_points, load_polygon, polygon_mask, preset,
                           region_grid, satellites_from_elements, walker)
from hgv_models.threats import THREAT_LIBRARY, Threat
from hgv_models.vehicles import Vehicle
from orbits.satellites import SatelliteSet
from orbits.timegrid import TimeGrid, datetime_jd_utc_parts, time_grid
from orbits.tle import read_orbits

from .errors import ScenarioError
from .schema import PresetShell, Scenario, TleShell, WalkerShell

__all__ = ["build_time_grid", "build_sensors", "build_satellites", "build_shell", "build_grid",
           "region_box", "build_polygon", "build_polygon_mask", "build_threats",
           "shell_epochs", "TLE_AGE_WARN_DAYS"]

#: A TLE/OMM shell whose element epochs lie more than this many days from the analysis
#: window draws a warning: SGP4 is fitted to observations near the epoch, and its error
#: grows from a few km at epoch by roughly 1-3 km per day for LEO (Vallado et al. 2006,
#: "Revisiting Spacetrack Report #3", AIAA 2006-6753, sec. 7); years away the positions
#: mean nothing.
TLE_AGE_WARN_DAYS = 30.0

#: Keyword arguments :class:`constellation.Sensor` accepts (a spec key it lacks is dropped).
_SENSOR_FIELDS = frozenset(f.name for f in dataclasses.fields(Sensor))


def build_time_grid(scenario: Scenario) -> TimeGrid:
    """``time.count`` samples every ``time.step_s`` from ``time.start``."""
    t = scenario.time
    return time_grid(t.start, t.step_s, duration_s=t.duration_s)


def build_sensors(scenario: Scenario) -> list[Sensor]:
    """``[Sensor]`` in ``scenario.sensor_names()`` order (index = ``sensor_index``)."""
    out = []
    for name, spec in [("default", scenario.sensor), *scenario.sensors.items()]:
        kw = {k: (tuple(v) if isinstance(v, list) else v)
              for k, v in spec.model_dump().items() if v is not None and k in _SENSOR_FIELDS}
        kw["name"] = name
        key = "sensor" if name == "default" else f"sensors.{name}"
        try:
            out.append(Sensor(**kw))
        except ValueError as exc:
            raise scenario.input_error(key, "(table)", str(exc)) from exc
    return out


def build_satellites(scenario: Scenario) -> SatelliteSet:
    """Union of all shells as one satellite set.

    ``sensor_index`` is set from each shell's ``sensor`` (0 = ``[sensor]``).  Input-layer
    failures (``WalkerError``, ``OrbitFileError``, unknown preset) become a
    :class:`ScenarioError` naming the shell.
    """
    names = scenario.sensor_names()
    total = None
    shells = []
    for i, shell in enumerate(scenario.constellation):
        try:
            sats = build_shell(scenario, i, shell)
        except ScenarioError:
            raise
        except ValueError as exc:  # WalkerError, OrbitFileError, ... (input layer)
            raise scenario.input_error(f"constellation[{i}]", shell.kind, str(exc)) from exc
        idx = names.index(shell.sensor) if shell.sensor else 0
        sats.sensor_index = np.full(len(sats), idx, dtype=np.int64)
        shells.append(shell_epochs(scenario, i, shell, sats))
        total = sats if total is None else total + sats
    scenario.record_shells(shells)
    return total


def _iso_ms(dt: datetime) -> str:
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shell_epochs(scenario: Scenario, i: int, shell, sats: SatelliteSet) -> dict:
    """The element epochs ``constellation[i]`` was built with, for the run's report.

    Walker and preset shells are phased at their epoch (``constellation[i].epoch``, default
    ``time.start``): the same shell with another start is another constellation. A TLE/OMM
    shell keeps its file's epochs; one more than :data:`TLE_AGE_WARN_DAYS` from the window
    prints a warning on stderr naming the shell, the file and the age in days.

    Returns
    -------
    dict
        ``index``, ``kind``, ``summary``, ``n_satellites``, ``epoch_utc`` (the earliest
        epoch), ``epoch_last_utc`` (the latest), ``epoch_source`` (``"time.start"``,
        ``"constellation[i].epoch"``, ``"file"`` or ``"per satellite"``) and
        ``max_age_days`` (largest distance in days from an epoch to the window's start or
        end).
    """
    start = scenario.time.start
    sw, sf = datetime_jd_utc_parts(start)
    w, f = sats.epoch_jd_parts()
    off_days = (np.asarray(w) - sw) + (np.asarray(f) - sf)
    first = start + timedelta(days=float(np.min(off_days)))
    last = start + timedelta(days=float(np.max(off_days)))
    span_days = scenario.time.duration_s / 86400.0
    age = float(np.max(np.maximum(np.abs(off_days), np.abs(off_days - span_days))))
    if isinstance(shell, TleShell):
        source = "file"
    elif isinstance(shell, (WalkerShell, PresetShell)):
        source = f"constellation[{i}].epoch" if shell.epoch is not None else "time.start"
    else:
        given = [s.epoch is not None for s in shell.satellites]
        source = ("per satellite" if any(given) and not all(given) else
                  f"constellation[{i}].satellites[].epoch" if all(given) else "time.start")
    rec = {"index": i, "kind": shell.kind, "summary": scenario.shell_summary(shell),
           "n_satellites": int(len(sats)), "epoch_utc": _iso_ms(first),
           "epoch_last_utc": _iso_ms(last), "epoch_source": source,
           "max_age_days": round(age, 3)}
    if isinstance(shell, TleShell) and age > TLE_AGE_WARN_DAYS:
        when = "before" if np.max(off_days) < 0 else "after" if np.min(off_days) > 0 else "from"
        print(f"hgvcov: warning: constellation[{i}].path = {shell.path!r}: element epochs "
              f"{rec['epoch_utc']} .. {rec['epoch_last_utc']} lie up to {age:.0f} days "
              f"{when} the analysis window (more than {TLE_AGE_WARN_DAYS:.0f} days); SGP4 "
              "positions drift by km per day away from the epoch: use current elements",
              file=sys.stderr)
    return rec


def build_shell(scenario: Scenario, i: int, shell) -> SatelliteSet:
    """The satellites of ``constellation[i]`` (Walker, TLE/OMM file, preset or elements)."""
    epoch = getattr(shell, "epoch", None) or scenario.time.start
    several = len(scenario.constellation) > 1
    if isinstance(shell, WalkerShell):
        prefix = shell.name_prefix or (f"S{i}" if several else "W")
        return walker(pattern=shell.kind.split("-")[1], total=shell.total,
                      planes=shell.planes, phasing=shell.phasing,
                      altitude_km=shell.altitude_km,
                      inclination_deg=shell.inclination_deg,
                      epoch_utc=epoch, name_prefix=prefix)
    if isinstance(shell, TleShell):
        return read_orbits(scenario.resolve(shell.path))
    if isinstance(shell, PresetShell):
        return preset(shell.name, epoch)
    rows = [sat.model_dump(exclude_none=True) for sat in shell.satellites]
    return satellites_from_elements(rows, scenario.time.start, element_type=shell.element_type,
                                    name_prefix=f"E{i}-" if several else "E", frame=shell.frame)


def build_grid(scenario: Scenario):
    """``RegionGrid`` for a box/polygon region, ``PointSet`` for a point list.

    Points without an altitude (inline entry without ``altitude_km``, blank CSV cell, no
    column) sit at ``region.altitude_km``.
    """
    r = scenario.region
    if r.kind != "points":
        lat, lon = region_box(scenario)
        return region_grid(lat, lon, r.step_deg, r.altitude_km)
    src = r.points
    if isinstance(src, str):
        src = scenario.resolve(src)
    else:
        src = [p.model_dump(exclude_none=True) for p in src]
    try:
        return load_points(src, default_altitude_km=r.altitude_km)
    except ValueError as exc:
        raise scenario.input_error("region.points", r.points if isinstance(r.points, str)
                                   else "(list)", str(exc)) from exc


def region_box(scenario: Scenario) -> tuple[tuple[float, float], tuple[float, float]]:
    """The lat/lon box (deg); for a polygon without a box, its bounds snapped outward to
    multiples of ``region.step_deg``."""
    r = scenario.region
    if r.lat_deg is not None:
        return (r.lat_deg[0], r.lat_deg[1]), (r.lon_deg[0], r.lon_deg[1])
    lon0, lat0, lon1, lat1 = build_polygon(scenario).bounds
    s = r.step_deg
    la0 = max(-90.0, math.floor(lat0 / s) * s)
    la1 = min(90.0, math.ceil(lat1 / s) * s)
    lo0 = math.floor(lon0 / s) * s
    lo1 = math.ceil(lon1 / s) * s
    return (la0, la1), (lo0, lo1)


def build_polygon(scenario: Scenario):
    """The region's polygon (shapely geometry) or None."""
    path = scenario.region.polygon
    if path is None:
        return None
    try:
        return load_polygon(scenario.resolve(path))
    except ValueError as exc:
        raise scenario.input_error("region.polygon", path, str(exc)) from exc


def build_polygon_mask(scenario: Scenario, grid, geometry=None):
    """Boolean ``(n_lat, n_lon)`` mask of ``grid`` inside the polygon, or None.

    ``geometry``: the already loaded polygon (default: load ``region.polygon``).  A polygon
    that holds no grid point is refused: the run would have nothing to cover.
    """
    geom = build_polygon(scenario) if geometry is None else geometry
    if geom is None:
        return None
    mask = polygon_mask(geom, grid.lat_deg, grid.lon_deg)
    if not mask.any():
        raise scenario.input_error(
            "region.polygon", scenario.region.polygon,
            "a polygon containing at least one grid point (none of the grid points at step "
            f"{scenario.region.step_deg:g} deg lies inside)")
    return mask


def build_threats(scenario: Scenario) -> list[tuple[str, Any, float]]:
    """``[(name, hgv_models.threats.Threat, launch_offset_s)]`` for each ``[[threat]]``.

    A library entry keeps its launch and aim points; ``name``, ``vehicle`` and
    ``description`` given beside ``library`` replace the entry's.
    """
    out = []
    offsets = scenario.threat_launch_offsets_s()
    for i, (spec, offset) in enumerate(zip(scenario.threat, offsets)):
        extra = {k: getattr(spec, k) for k in ("vehicle", "description")
                 if getattr(spec, k) is not None}
        if "vehicle" in extra:
            extra["vehicle"] = scenario_vehicle(scenario, extra["vehicle"])
        if spec.library is not None:
            if spec.name is not None:
                extra = {"name": spec.name, **extra}
            th = THREAT_LIBRARY[spec.library]
            if extra:
                th = dataclasses.replace(th, **extra)
        else:
            try:
                th = Threat(name=spec.name, launch_lat_deg=spec.launch[0],
                            launch_lon_deg=spec.launch[1], aim_lat_deg=spec.aim[0],
                            aim_lon_deg=spec.aim[1], **extra)
            except ValueError as exc:
                raise scenario.input_error(f"threat[{i}]", spec.label, str(exc)) from exc
        out.append((spec.label, th, offset))
    return out


class ScenarioVehicle(Vehicle):
    """A :class:`hgv_models.vehicles.Vehicle` defined by a ``[[vehicle]]`` table.

    It prints as its name (``ensemble.csv``'s ``vehicle`` column) and orders by name against
    other vehicles and library vehicle names (strings), so that flights can be sorted by
    vehicle whichever way it is given.  Equality and hashing stay by identity (one object
    per table).
    """

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def _key(other):
        return other.name if isinstance(other, Vehicle) else other

    def __lt__(self, other):
        return self.name < self._key(other)

    def __gt__(self, other):
        return self.name > self._key(other)

    def __le__(self, other):
        return self is other or self < other

    def __ge__(self, other):
        return self is other or self > other


def build_vehicles(scenario: Scenario) -> dict:
    """``{name.lower(): ScenarioVehicle}`` of the ``[[vehicle]]`` tables (constant L/D)."""
    out = {}
    for v in scenario.vehicle:
        out[v.name.strip().lower()] = ScenarioVehicle(
            lift_to_drag=float(v.lift_to_drag),
            ballistic_coefficient_kg_m2=float(v.ballistic_coefficient_kg_m2),
            name=v.name.strip(), nose_radius_m=float(v.nose_radius_m))
    return out


def scenario_vehicle(scenario: Scenario, name):
    """``name`` as ``fly_threat`` takes it: the ``[[vehicle]]`` object of that name, else the
    library name unchanged."""
    if name is None:
        return None
    return build_vehicles(scenario).get(str(name).strip().lower(), name)
