"""Named target points (sites to protect): CSV files or inline lists.

A point list is the ``region.points`` input of a scenario: each point has a ``name``, a
WGS84 geodetic latitude ``lat_deg`` (-90..90), a longitude ``lon_deg`` (-180..360, east
positive; 0..360 is accepted for Pacific-centred lists) and an optional height
``altitude_km`` above the WGS84 ellipsoid (default 0; 40 puts the "site" in the HGV glide
layer).

CSV format (``examples/japan_sites.csv``)::

    # comment lines start with '#'; blank lines are ignored
    name,lat_deg,lon_deg,altitude_km
    Tokyo,35.6812,139.7671,0
    Naha,26.2124,127.6809,

The header must name ``name``, ``lat_deg`` and ``lon_deg``; ``altitude_km`` is optional
(column or cell may be left out, meaning 0). Any other column is refused with its name and
line number, so that a misspelt ``altitude_m`` or ``lat`` cannot be silently ignored.
Names must be unique and non-empty (they label the ``point`` dimension of coverage.nc).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from orbits.geodesy import geodetic_to_ecef, up_vector

__all__ = ["PointsError", "PointSet", "load_points", "POINT_COLUMNS",
           "LAT_RANGE_DEG", "LON_RANGE_DEG", "ALTITUDE_RANGE_KM"]

POINT_COLUMNS = ("name", "lat_deg", "lon_deg", "altitude_km")
REQUIRED_COLUMNS = ("name", "lat_deg", "lon_deg")
LAT_RANGE_DEG = (-90.0, 90.0)
LON_RANGE_DEG = (-180.0, 360.0)
ALTITUDE_RANGE_KM = (-0.5, 100.0)
"""Target heights accepted: from the Dead Sea shore (-0.43 km) to the Karman line; above
100 km a "site" is no longer a surface or glide-layer target."""


class PointsError(ValueError):
    """Invalid point list.

    Attributes
    ----------
    key : str
        The column/key at fault (``"lat_deg"``, ``"columns"``...).
    value : object
        The rejected value.
    allowed : str
        What would have been accepted.
    path : str or None
        The CSV file, when read from one.
    line : int or None
        1-based line number in the file (or 1-based index of the inline entry).
    """

    def __init__(self, key, value, allowed, path=None, line=None, where="line"):
        self.key = key
        self.value = value
        self.allowed = allowed
        self.path = None if path is None else str(path)
        self.line = line
        loc = ""
        if self.path is not None:
            loc = f"{self.path}"
            if line is not None:
                loc += f", {where} {line}"
            loc += ": "
        elif line is not None:
            loc = f"points entry {line}: "
        super().__init__(f"{loc}{key} = {value!r} is not allowed: {allowed}")


@dataclass
class PointSet:
    """A list of named target points.

    Attributes
    ----------
    name : list of str, length n_point
    lat_deg : ndarray (n_point,) float64
        WGS84 geodetic latitude (deg).
    lon_deg : ndarray (n_point,) float64
        Longitude (deg) as given (-180..360).
    altitude_km : ndarray (n_point,) float64
        Height above the WGS84 ellipsoid (km).
    source : str
        File path, or ``"inline"``.
    """

    name: list
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    altitude_km: np.ndarray
    source: str = "inline"

    def __len__(self) -> int:
        return len(self.name)

    @property
    def lon_deg_180(self) -> np.ndarray:
        """Longitudes wrapped to [-180, 180) (deg)."""
        return (self.lon_deg + 180.0) % 360.0 - 180.0

    def ecef_km(self) -> np.ndarray:
        """Earth-fixed positions, shape (n_point, 3) km (WGS84, :mod:`orbits.geodesy`)."""
        return geodetic_to_ecef(self.lat_deg, self.lon_deg, self.altitude_km)

    def up(self) -> np.ndarray:
        """Unit normals to the ellipsoid (local geodetic up), shape (n_point, 3)."""
        return up_vector(self.lat_deg, self.lon_deg)

    def to_dataframe(self):
        """pandas DataFrame with columns ``name, lat_deg, lon_deg, altitude_km``."""
        return pd.DataFrame({"name": self.name, "lat_deg": self.lat_deg,
                             "lon_deg": self.lon_deg, "altitude_km": self.altitude_km})


def _number(key, text, allowed, lo, hi, path, line, where):
    try:
        v = float(text)
    except (TypeError, ValueError):
        raise PointsError(key, text, allowed, path, line, where) from None
    if isinstance(text, bool) or not math.isfinite(v) or not (lo <= v <= hi):
        raise PointsError(key, text, allowed, path, line, where)
    return v


def _validate_rows(rows, path, default_altitude_km=0.0):
    """rows: iterable of (line, dict). Returns a PointSet."""
    names, lats, lons, alts = [], [], [], []
    seen = {}
    where = "line" if path is not None else "entry"
    for line, row in rows:
        name = row.get("name")
        if name is None or not isinstance(name, str) or not name.strip():
            raise PointsError("name", name, "a non-empty string", path, line, where)
        name = name.strip()
        if name in seen:
            raise PointsError("name", name, f"a unique name (already used at {where} "
                              f"{seen[name]})", path, line, where)
        seen[name] = line
        lat = _number("lat_deg", row.get("lat_deg"), "a number from -90 to 90 (degrees)",
                      *LAT_RANGE_DEG, path, line, where)
        lon = _number("lon_deg", row.get("lon_deg"), "a number from -180 to 360 (degrees)",
                      *LON_RANGE_DEG, path, line, where)
        alt_raw = row.get("altitude_km")
        if alt_raw is None or (isinstance(alt_raw, str) and not alt_raw.strip()):
            alt = default_altitude_km
        else:
            alt = _number("altitude_km", alt_raw,
                          f"a number from {ALTITUDE_RANGE_KM[0]:g} to "
                          f"{ALTITUDE_RANGE_KM[1]:g} km (height above the WGS84 ellipsoid)",
                          *ALTITUDE_RANGE_KM, path, line, where)
        names.append(name)
        lats.append(lat)
        lons.append(lon)
        alts.append(alt)
    if not names:
        raise PointsError("points", [] if path is None else "(no rows)",
                          "at least one point", path)
    return PointSet(names, np.array(lats), np.array(lons), np.array(alts),
                    source="inline" if path is None else str(path))


def _read_csv(path: Path, default_altitude_km=0.0) -> PointSet:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PointsError("path", str(path), "an existing CSV file") from None
    except UnicodeDecodeError as e:
        raise PointsError("path", str(path), f"a UTF-8 text file ({e.reason})") from None
    physical = text.splitlines()
    # keep original line numbers: feed csv only non-comment, non-blank lines
    kept = [(i + 1, ln) for i, ln in enumerate(physical)
            if ln.strip() and not ln.lstrip().startswith("#")]
    if not kept:
        raise PointsError("header", "(empty file)",
                          "a header line naming name, lat_deg, lon_deg[, altitude_km]", path)
    header_line, header_text = kept[0]
    header = [h.strip() for h in next(csv.reader([header_text]))]
    for h in header:
        if h not in POINT_COLUMNS:
            raise PointsError("column", h, f"one of {', '.join(POINT_COLUMNS)}",
                              path, header_line)
    for req in REQUIRED_COLUMNS:
        if req not in header:
            raise PointsError("columns", header, f"a header with {', '.join(REQUIRED_COLUMNS)} "
                              f"(optional altitude_km); missing {req}", path, header_line)
    if len(set(header)) != len(header):
        raise PointsError("columns", header, "each column named once", path, header_line)

    def rows():
        for line, ln in kept[1:]:
            cells = next(csv.reader([ln]))
            if len(cells) > len(header):
                raise PointsError("row", ln, f"at most {len(header)} cells ({', '.join(header)})",
                                  path, line)
            cells = cells + [""] * (len(header) - len(cells))
            yield line, {h: c.strip() for h, c in zip(header, cells)}

    return _validate_rows(rows(), path, default_altitude_km)


def load_points(path_or_list, base_dir=None, default_altitude_km=0.0) -> PointSet:
    """Load named target points from a CSV file or an inline list of dicts.

    Parameters
    ----------
    path_or_list : str, Path or list of dict
        A CSV path (see the module docstring for the format), or a list of mappings with
        keys ``name``, ``lat_deg``, ``lon_deg`` and optional ``altitude_km`` (the scenario's
        inline ``[[region.points]]`` form).
    base_dir : str or Path, optional
        Directory a relative CSV path is resolved against (the scenario file's folder).
    default_altitude_km : float
        Height given to points without ``altitude_km`` (the scenario's ``region.altitude_km``;
        default 0).

    Returns
    -------
    PointSet

    Raises
    ------
    PointsError
        Unknown column or key (named, with its line or entry number), missing or
        non-numeric values, latitude outside -90..90, longitude outside -180..360,
        altitude outside -0.5..100 km, empty or duplicate names, empty list.
    """
    if isinstance(path_or_list, PointSet):
        return path_or_list
    dalt = _number("default_altitude_km", default_altitude_km,
                   f"a number from {ALTITUDE_RANGE_KM[0]:g} to {ALTITUDE_RANGE_KM[1]:g} km",
                   *ALTITUDE_RANGE_KM, None, None, "line")
    if isinstance(path_or_list, (str, Path)):
        p = Path(path_or_list)
        if base_dir is not None and not p.is_absolute():
            p = Path(base_dir) / p
        return _read_csv(p, dalt)
    if isinstance(path_or_list, (list, tuple)):
        def rows():
            for i, entry in enumerate(path_or_list, start=1):
                if not isinstance(entry, dict):
                    raise PointsError("points", entry,
                                      "a table with name, lat_deg, lon_deg[, altitude_km]",
                                      line=i)
                for k in entry:
                    if k not in POINT_COLUMNS:
                        raise PointsError("key", k, f"one of {', '.join(POINT_COLUMNS)}", line=i)
                yield i, entry
        return _validate_rows(rows(), None, dalt)
    raise PointsError("points", path_or_list,
                      "a CSV file path or a list of {name, lat_deg, lon_deg[, altitude_km]}")
