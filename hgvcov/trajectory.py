"""``hgvcov trajectory``: one HGV threat flown alone, as a table and a summary.

The table (``trajectory.csv``) holds the flight's sampled state (position, speed, Mach,
phase, heating, loads); the summary (``trajectory.json``) its flight time, impact point,
peak Mach and altitude and the ground-radar-only warning time against
``hgv_models.radar.JAPAN_RADAR_SITES``.
"""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from hgv_models.radar import JAPAN_RADAR_SITES, first_radar_detection_s
from hgv_models.threats import THREAT_LIBRARY, Threat, fly_threat
from hgv_models.trajectory import PHASE_NAMES

from .csvformat import TRAJECTORY_DECIMALS, write_csv
from .outputs import OutputTransaction

__all__ = ["THREAT_LIBRARY", "Threat", "library_listing", "library_threat", "fly", "trajectory_table",
           "trajectory_summary", "write_trajectory", "TABLE_COLUMNS"]

#: Trajectory attributes written to trajectory.csv, in column order (those the model has).
TABLE_COLUMNS = ("time_s", "lat_deg", "lon_deg", "altitude_km", "speed_km_s", "mach",
                 "heading_deg", "flight_path_deg", "phase", "heating_w_cm2",
                 "surface_temperature_k", "dynamic_pressure_pa", "load_factor_g")


def library_listing() -> list[str]:
    """One line per threat-library entry: launch -> aim, vehicle, description."""
    return [f"{name}: ({th.launch_lat_deg:.2f}, {th.launch_lon_deg:.2f}) -> "
            f"({th.aim_lat_deg:.2f}, {th.aim_lon_deg:.2f}) {th.vehicle}"
            + (f"  {th.description}" if getattr(th, "description", "") else "")
            for name, th in THREAT_LIBRARY.items()]


def library_threat(name: str, vehicle: str | None = None) -> Threat:
    """The threat-library entry ``name``, flown by ``vehicle`` when given."""
    th = THREAT_LIBRARY[name]
    return dataclasses.replace(th, vehicle=vehicle) if vehicle else th


def trajectory_table(traj) -> pd.DataFrame:
    """The sampled flight as a table (phase codes as names)."""
    cols = {name: np.asarray(getattr(traj, name)) for name in TABLE_COLUMNS
            if getattr(traj, name, None) is not None}
    if "phase" in cols:
        cols["phase"] = [PHASE_NAMES[int(p)] for p in cols["phase"]]
    return pd.DataFrame(cols)


def trajectory_summary(threat: Threat, traj, table: pd.DataFrame) -> dict:
    """Flight time, impact, peak Mach and altitude, ground-radar-only warning."""
    radar_first = float(first_radar_detection_s(traj, JAPAN_RADAR_SITES))
    seen = math.isfinite(radar_first)
    t = np.asarray(traj.time_s)
    glide = table["altitude_km"].to_numpy() if "altitude_km" in table else None
    return {
        "threat": threat.name, "vehicle": getattr(traj, "vehicle_name", threat.vehicle),
        "launch": [threat.launch_lat_deg, threat.launch_lon_deg],
        "aim": [threat.aim_lat_deg, threat.aim_lon_deg],
        "flight_time_s": float(t[-1] - t[0]),
        "impact": [float(np.asarray(traj.lat_deg)[-1]), float(np.asarray(traj.lon_deg)[-1])],
        "max_mach": float(np.nanmax(table["mach"])) if "mach" in table else None,
        "max_altitude_km": float(np.nanmax(glide)) if glide is not None else None,
        "radar_first_detection_s": radar_first if seen else None,
        "radar_warning_s": float(t[-1] - radar_first) if seen else None,
    }


def fly(threat: Threat, step_s: float) -> tuple[pd.DataFrame, dict]:
    """Fly ``threat`` sampled every ``step_s`` seconds: ``(table, summary)``."""
    traj = fly_threat(threat, sample_step_s=step_s)
    table = trajectory_table(traj)
    return table, trajectory_summary(threat, traj, table)


def write_trajectory(out_dir, table: pd.DataFrame, summary: dict) -> Path:
    """Write trajectory.csv and trajectory.json into ``out_dir`` together (atomically)."""
    with OutputTransaction(out_dir) as tx:
        write_csv(table, tx.path("trajectory.csv"), TRAJECTORY_DECIMALS)
        tx.path("trajectory.json").write_text(json.dumps(summary, indent=2) + "\n")
    return Path(out_dir)
