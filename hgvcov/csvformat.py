"""Writing the run's CSV tables with the digits their quantities carry (issue 16).

pandas writes a float with ``float_format="%.6g"`` to six significant digits: a longitude
of 139.7712 becomes 139.771 (about 90 m), and a time of 86,370.25 s becomes 86370.2.
Without a format it writes the shortest repr of the double, so a bisected instant such as
``736.3330078125`` shows digits that no refinement produced.  :func:`write_csv` rounds each
known column to a fixed number of decimals (the resolution the column is good to, or
finer) and writes every other float column at full precision.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd

__all__ = ["TRACK_DECIMALS", "ACCESS_DECIMALS", "TRAJECTORY_DECIMALS", "write_csv"]

#: Decimals of tracks.csv columns: lat/lon 1e-6 deg (0.1 m), altitude 0.1 m, speed 1 mm/s,
#: times 1 ms, angles 1e-4 deg, position error 0.1 m.
TRACK_DECIMALS = {
    "time_s": 3, "time_since_launch_s": 3, "lat_deg": 6, "lon_deg": 6, "altitude_km": 4,
    "speed_km_s": 6, "mach": 4, "convergence_deg": 4, "position_error_m": 1,
}

#: Decimals of ``hgvcov trajectory``'s trajectory.csv: as tracks.csv, plus heading and
#: flight-path angle to 1e-4 deg; heating, temperature, pressure and load at full precision.
TRAJECTORY_DECIMALS = {
    "time_s": 3, "lat_deg": 6, "lon_deg": 6, "altitude_km": 4, "speed_km_s": 6, "mach": 4,
    "heading_deg": 4, "flight_path_deg": 4,
}

#: Decimals of accesses.csv columns: times to 1 ms (as the ``*_utc`` strings; rise and set
#: are refined to 0.05 s), elevation to 1e-4 deg.
ACCESS_DECIMALS = {
    "start_s": 3, "end_s": 3, "duration_s": 3, "max_elevation_deg": 4,
}


def write_csv(df: pd.DataFrame, path, decimals: Mapping[str, int]) -> Path:
    """Write ``df`` to ``path`` (no index) with ``decimals[column]`` decimals per column.

    Float columns not in ``decimals`` are written at full precision (shortest repr).
    Returns the path.
    """
    out = df.copy()
    for col, n in decimals.items():
        if col in out.columns and pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(n)
    out.to_csv(path, index=False)
    return Path(path)
