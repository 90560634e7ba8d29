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
    #                      name?, bstar?; element_type = "osculating" (default) | "mean";
    #                      frame = "teme" (default) | "gcrf" (aliases icrf, j2000, eme2000)

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

Modules: :mod:`~hgvcov.scenario.schema` (the pydantic models), :mod:`~hgvcov.scenario.errors`
(:class:`ScenarioError` and the translation of pydantic errors into one message),
:mod:`~hgvcov.scenario.load` (files, TOML text, dictionaries, the default),
:mod:`~hgvcov.scenario.builders` (engine objects from a validated scenario) and
:mod:`~hgvcov.scenario.keys` (key paths for sweeps).
"""
from .errors import ScenarioError
from .keys import get_key, set_key
from .load import (default_scenario, default_scenario_toml, load_scenario, scenario_from_dict,
                   scenario_from_toml)
from .schema import (SHELL_KINDS, ElementsShell, OutputSpec, PointSpec, PresetShell, RegionSpec,
                     SatelliteElements, Scenario, SensorSpec, ThreatSpec, TimeSpec, TleShell,
                     WalkerShell)

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
    "TimeSpec",
    "SensorSpec",
    "WalkerShell",
    "TleShell",
    "PresetShell",
    "ElementsShell",
    "SatelliteElements",
    "PointSpec",
    "RegionSpec",
    "ThreatSpec",
    "OutputSpec",
    "SHELL_KINDS",
]
