"""What a run reports: ``summary.json``, its ``timings`` and the NetCDF global attributes.

:func:`run_summary` is the contents of ``summary.json`` (also what ``hgvcov run --json``
prints and what a sweep case records); :func:`annotate_dataset` fills the CF global
attributes of ``coverage.nc`` that the engine did not set.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import numpy as np

from ..exports.crs import add_grid_mapping
from ..scenario import Scenario
from ..serialize import jsonable
from .stages import Coverage, Inputs, Region, Threats

__all__ = ["annotate_dataset", "nc_attr", "run_timings", "run_summary"]


def nc_attr(v: Any) -> Any:
    """A NetCDF-safe attribute value (None -> "", bool -> int, other objects -> JSON)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float, str, np.integer, np.floating)):
        return v
    if isinstance(v, (list, tuple)) and all(isinstance(e, (int, float)) for e in v):
        return np.asarray(v, dtype=np.float64)
    return json.dumps(jsonable(v))


def _sensor_summary(sensor) -> str:
    s = getattr(sensor, "summary", None)
    return s() if callable(s) else repr(sensor)


def annotate_dataset(ds, scenario: Scenario, inputs: Inputs, version: str) -> None:
    """Set the global attributes of ``coverage.nc``: the engine's own win, except
    ``history`` and ``source_file``, which always describe this run; on a lat/lon grid,
    add the WGS84 grid mapping ``crs`` referenced by every gridded variable
    (:func:`hgvcov.exports.crs.add_grid_mapping`)."""
    tg = inputs.time_grid
    attrs = {
        "title": scenario.name,
        "scenario": scenario.name,
        "description": scenario.description,
        "source_file": scenario.source or "",
        "start_utc": tg.iso(0),
        "stop_utc": tg.iso(tg.count - 1),
        "step_s": float(scenario.time.step_s),
        "duration_s": float(scenario.time.duration_s),
        "n_time": int(tg.count),
        "propagator": scenario.time.propagator,
        "constellation": scenario.constellation_summary(),
        "n_satellites": int(len(inputs.satellites)),
        "sensor": "; ".join(_sensor_summary(s) for s in inputs.sensors),
        "altitude_km": float(scenario.region.altitude_km),
        "region_kind": scenario.region.kind,
        "region_polygon": str(scenario.resolve(scenario.region.polygon))
        if scenario.region.polygon else "",
        "hgv_coverage_version": version,
        "history": f"{datetime.now(timezone.utc).isoformat(timespec='seconds')} hgvcov run",
        "Conventions": "CF-1.8",
    }
    for k, v in attrs.items():
        if k not in ds.attrs or k in ("history", "source_file"):
            ds.attrs[k] = nc_attr(v)
    add_grid_mapping(ds)  # the CF grid mapping GDAL / QGIS read the CRS from (grids only)


def run_timings(stages: dict[str, float], engine: dict, total_s: float) -> dict:
    """``summary.json["timings"]``: headline seconds, the engine's split and every stage."""
    prop_s = float(engine.get("propagation_s", 0.0))
    coverage_s = float(engine.get("coverage_s",
                                  stages["coverage (incl. propagation)"] - prop_s))
    return {
        "propagation_s": prop_s,
        "coverage_s": coverage_s,
        "tracks_s": stages.get("fly threats", 0.0) + stages.get("track coverage", 0.0),
        "figures_s": stages.get("figures", 0.0),
        "accesses_s": stages.get("access intervals", 0.0),
        "monte_carlo_s": stages.get("monte carlo", 0.0),
        "ground_tracks_s": stages.get("ground tracks", 0.0),
        "exports_s": stages.get("exports", 0.0),
        "write_s": stages["write"],
        "total_s": total_s,
        "engine": engine,
        "stages": dict(stages),
    }


def _region_summary(scenario: Scenario, region: Region) -> dict:
    r = scenario.region
    box = None if region.is_points else scenario.box()
    return {"kind": r.kind,
            "n_point": region.n_point,
            "altitude_km": r.altitude_km,
            "lat_deg": None if box is None else list(box[0]),
            "lon_deg": None if box is None else list(box[1]),
            "step_deg": r.step_deg,
            "polygon": r.polygon,
            "n_inside": int(region.mask.sum()) if region.mask is not None else None}


#: Said wherever threat results come from a radiometric sensor (summary.json ``limitations``
#: and the console): the signature model covers the glide body, not the rocket plume.
BOOST_PLUME_NOT_MODELLED = (
    "radiometric detection uses the vehicle's aero-thermal signature (hgv_models.signature: "
    "stagnation and body heating); the boost-phase rocket plume is not modelled, so with a "
    "radiometric sensor first detection comes only once the glider itself is hot enough "
    "(late, conservative), and times before release understate what a plume-tracking "
    "sensor would see")


def result_limitations(inputs: Inputs, threats: Threats) -> list[str]:
    """The modelling limitations that bear on this run's results, as sentences."""
    notes = []
    if threats.per_threat and any(s.radiometric for s in inputs.sensors):
        notes.append(BOOST_PLUME_NOT_MODELLED)
    return notes


def run_summary(scenario: Scenario, inputs: Inputs, region: Region, coverage: Coverage,
                threats: Threats, monte_carlo: dict | None, est: dict, timings: dict,
                files: list[str], version: str, figures_failed=(), exports_failed=()) -> dict:
    """The contents of ``summary.json`` (JSON-safe; ``files`` includes summary.json).

    ``figures_failed`` lists the figures that could not be drawn, as
    ``{"name": file name, "message": why}`` (empty when every figure was written);
    ``exports_failed`` the exports that could not be written, as ``{"name": export,
    "message": why}``.
    """
    tg = inputs.time_grid
    summary = {
        "scenario": scenario.name,
        "description": scenario.description,
        "source_file": scenario.source,
        "hgv_coverage_version": version,
        "time": {"start_utc": tg.iso(0), "stop_utc": tg.iso(tg.count - 1),
                 "step_s": scenario.time.step_s, "duration_s": scenario.time.duration_s,
                 "n_time": tg.count, "propagator": scenario.time.propagator},
        "constellation": {"summary": scenario.constellation_summary(),
                          "n_satellites": len(inputs.satellites), "failed": coverage.failed,
                          "shells": scenario.shells()},
        "sensors": {n: s.to_dict() for n, s in zip(scenario.sensor_names(), inputs.sensors)},
        "region": _region_summary(scenario, region),
        "region_statistics": coverage.statistics,
        "per_threat": threats.per_threat,
        "monte_carlo": monte_carlo,
        "estimate": {"memory_bytes": est["memory_bytes"],
                     "available_bytes": est["available_bytes"],
                     "time_s": est["time_s"]},
        "timings": timings,
        "files": sorted(set(files) | {"summary.json"}),
        "figures_failed": [dict(f) for f in figures_failed],
        "exports_failed": [dict(f) for f in exports_failed],
        "limitations": result_limitations(inputs, threats),
        "scenario_input": scenario.data,   # the validated TOML, for reproducibility
    }
    return jsonable(summary)
