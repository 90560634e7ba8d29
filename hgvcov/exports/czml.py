"""``scenario.czml``: satellites, HGV tracks and custody intervals for Cesium-based viewers.

Written with czml3 (CZML 1.0, https://github.com/AnalyticalGraphicsInc/czml-writer/wiki).
Packets, in order:

- ``document``: the name (scenario), CZML version and the clock: the scenario window
  ``[time.start, time.start + duration_s]``, starting at its start, 60x real time.
- ``sat/<name>``, one per satellite: ``position`` sampled from the run's own propagator
  (:func:`hgvcov.exports.ground_tracks.satellite_positions`; SGP4 or J2, ITRS), as
  ``cartesian`` metres in Cesium's ``FIXED`` (Earth-fixed) frame, ``[t, x, y, z, ...]`` with
  ``t`` seconds after ``epoch`` = the scenario start, every :func:`satellite_step_s`
  seconds from 0 to ``duration_s`` (both ends), 5th-degree Lagrange interpolation; a point, a
  label and a path of one orbit behind the satellite.  Samples where the propagator
  failed (decayed satellite) are left out.
- ``threat/<name>``, one per HGV track: ``availability`` = launch to impact; ``position``
  ``cartographicDegrees`` ``[t, lon, lat, height_m, ...]`` (WGS84, height above the
  ellipsoid), every track sample (``output.track_step_s``), linear interpolation; the
  custody state as intervals: ``point.color`` and ``path.material`` colour (the maps'
  custody colours) and a custom property ``custody`` (``none`` / ``single`` / ``stereo``).
  A sample's state holds from it to the next sample, as on the maps.

Sample step of the satellites: the scenario's ``step_s`` but at least 60 s, raised so that
at most :data:`MAX_SATELLITE_SAMPLES` positions are written in all (a file of a few MB).
With 60 s samples a 5th-degree Lagrange interpolation of a LEO orbit (mean motion ``n`` ~
1e-3 rad/s) errs by about ``r (n dt)^6 / 6!`` ~ 0.3 m; at 10 min (very large constellations
over a day) by ~1 km, still far below a pixel at globe scale.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from czml3 import (Clock, Color, Document, Label, Packet, Path as CzPath, Point, Position,
                   TimeInterval, TimeIntervalCollection)
from czml3.enums import (ClockRanges, ClockSteps, HorizontalOrigins, InterpolationAlgorithms,
                         ReferenceFrames)
from czml3.properties import PolylineMaterial, SolidColorMaterial
from czml3.types import IntervalValue

from .style import CUSTODY_COLORS, custody_codes, custody_runs, rgba

__all__ = ["SCENARIO_CZML", "MAX_SATELLITE_SAMPLES", "MIN_SATELLITE_STEP_S", "satellite_step_s",
           "satellite_sample_seconds", "iso_utc", "write_czml"]

#: File name of the export.
SCENARIO_CZML = "scenario.czml"
#: Most satellite position samples in the file (all satellites together).
MAX_SATELLITE_SAMPLES = 200_000
#: Smallest satellite sample step (s): finer adds size, not accuracy (see module docstring).
MIN_SATELLITE_STEP_S = 60.0
#: Satellite colour (point and path).
SATELLITE_RGBA = [102, 204, 255, 255]


def iso_utc(t: datetime) -> str:
    """ISO-8601 UTC with ``Z``, rounded to the millisecond (shown only when not whole
    seconds)."""
    t = t.replace(tzinfo=None)
    t = t.replace(microsecond=0) + timedelta(milliseconds=round(t.microsecond / 1000.0))
    if t.microsecond:
        return t.isoformat(timespec="milliseconds") + "Z"
    return t.isoformat(timespec="seconds") + "Z"


def satellite_step_s(n_sat: int, duration_s: float, scenario_step_s: float) -> float:
    """Satellite sample step (s): ``max(scenario step, 60 s)``, raised (to whole seconds)
    until ``n_sat * (duration_s / step + 1) <= MAX_SATELLITE_SAMPLES``."""
    step = max(float(scenario_step_s), MIN_SATELLITE_STEP_S)
    per_sat = MAX_SATELLITE_SAMPLES // max(n_sat, 1) - 1
    if per_sat < 1:
        return float(duration_s)
    return max(step, float(math.ceil(duration_s / per_sat)))


def satellite_sample_seconds(duration_s: float, step_s: float) -> np.ndarray:
    """``0, step, 2 step, ..., duration_s`` (the window's end always included; s)."""
    n = int(math.floor(duration_s / step_s + 1e-9))
    t = step_s * np.arange(n + 1, dtype=np.float64)
    if duration_s - t[-1] > 1e-6:
        t = np.append(t, duration_s)
    return t


def _color_intervals(t0: datetime, t_s: np.ndarray, states: np.ndarray, alpha: int = 255):
    """Custody runs as ``[(interval, rgba, state)]``; each run lasts to the next one's start."""
    out = []
    runs = custody_runs(states)
    for k, (state, i0, i1) in enumerate(runs):
        end_s = t_s[runs[k + 1][1]] if k + 1 < len(runs) else t_s[i1]
        out.append((iso_utc(t0 + timedelta(seconds=float(t_s[i0]))),
                    iso_utc(t0 + timedelta(seconds=float(end_s))),
                    rgba(CUSTODY_COLORS[state], alpha), state))
    return out


def _threat_packet(name: str, g, start: datetime) -> Packet:
    g = g.sort_values("time_s", kind="stable")
    t = g["time_s"].to_numpy(float)
    lon = g["lon_deg"].to_numpy(float)
    lat = g["lat_deg"].to_numpy(float)
    h_m = g["altitude_km"].to_numpy(float) * 1000.0
    samples = np.column_stack([t, lon, lat, h_m]).ravel().tolist()
    states = custody_codes(g["n_detect"].to_numpy(), g["stereo"].to_numpy())
    runs = _color_intervals(start, t, states)
    colour = TimeIntervalCollection(values=[
        IntervalValue(start=a, end=b, value=Color(rgba=c)) for a, b, c, _ in runs])
    path_colour = TimeIntervalCollection(values=[
        IntervalValue(start=a, end=b, value=PolylineMaterial(
            solidColor=SolidColorMaterial(color=Color(rgba=c)))) for a, b, c, _ in runs])
    custody = TimeIntervalCollection(values=[
        IntervalValue(start=a, end=b, value=s) for a, b, _, s in runs])
    first = iso_utc(start + timedelta(seconds=float(t[0])))
    last = iso_utc(start + timedelta(seconds=float(t[-1])))
    return Packet(
        id=f"threat/{name}", name=name,
        description=f"HGV track {name}: colour = custody state (red none, orange 1+ "
                    f"satellites, green stereo)",
        availability=TimeInterval(start=first, end=last),
        position=Position(epoch=iso_utc(start), cartographicDegrees=samples,
                          interpolationAlgorithm=InterpolationAlgorithms.LINEAR),
        point=Point(pixelSize=9, color=colour,
                    outlineColor=Color(rgba=[0, 0, 0, 255]), outlineWidth=1),
        path=CzPath(width=3, leadTime=0, trailTime=float(t[-1] - t[0]) + 1.0,
                    resolution=10, material=path_colour),
        label=Label(text=name, font="12pt sans-serif", horizontalOrigin=HorizontalOrigins.LEFT,
                    pixelOffset={"cartesian2": [10, 0]}),
        properties={"custody": custody.model_dump()},
    )


def _satellite_packet(name: str, t_s: np.ndarray, pos_km: np.ndarray, ok: np.ndarray,
                      start: datetime, period_s: float) -> Packet:
    xyz_m = pos_km[ok] * 1000.0
    samples = np.column_stack([t_s[ok], np.round(xyz_m, 3)]).ravel().tolist()
    kw = {}
    if len(samples) >= 8:  # two or more samples
        kw["position"] = Position(
            epoch=iso_utc(start), cartesian=samples,
            referenceFrame=ReferenceFrames.FIXED,
            interpolationAlgorithm=InterpolationAlgorithms.LAGRANGE, interpolationDegree=5)
    return Packet(
        id=f"sat/{name}", name=name,
        description=f"satellite {name}: positions from the run's propagator",
        point=Point(pixelSize=5, color=Color(rgba=SATELLITE_RGBA)),
        label=Label(text=name, font="10pt sans-serif", show=False),
        path=CzPath(width=1, leadTime=0, trailTime=float(period_s), resolution=60,
                    material=PolylineMaterial(solidColor=SolidColorMaterial(
                        color=Color(rgba=SATELLITE_RGBA[:3] + [128])))),
        **kw)


def write_czml(path: Path, title: str, start: datetime, duration_s: float,
               satellite_names, positions: Callable[[np.ndarray], tuple],
               period_s: np.ndarray, scenario_step_s: float, tracks=None) -> Path:
    """Write ``scenario.czml``.

    Parameters
    ----------
    path : Path
        The file to write.
    title : str
        Scenario name (the document's name).
    start : datetime
        Scenario start (UTC).
    duration_s : float
        Window length (s): the clock runs over ``[start, start + duration_s]``.
    satellite_names : list of str (n_sat,)
    positions : callable
        ``positions(seconds (n,)) -> (positions_km (n, n_sat, 3) ITRS, valid (n, n_sat))``:
        the run's propagator (:func:`hgvcov.exports.ground_tracks.satellite_positions`
        bound to its satellites and start).
    period_s : ndarray (n_sat,)
        Orbit period of each satellite (s), the length of its drawn path.
    scenario_step_s : float
        ``time.step_s``; see :func:`satellite_step_s`.
    tracks : pandas.DataFrame, optional
        ``tracks.csv`` columns; one packet per threat.
    """
    names = [str(n) for n in satellite_names]
    stop = start + timedelta(seconds=float(duration_s))
    packets = [Packet(id="document", name=title or "hgv-coverage", version="1.0",
                      clock=Clock(interval=TimeInterval(start=iso_utc(start), end=iso_utc(stop)),
                                  currentTime=iso_utc(start), multiplier=60,
                                  range=ClockRanges.LOOP_STOP,
                                  step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER))]
    step = satellite_step_s(len(names), duration_s, scenario_step_s)
    t_s = satellite_sample_seconds(duration_s, step)
    pos_km, valid = positions(t_s)
    for j, name in enumerate(names):
        ok = valid[:, j] & np.isfinite(pos_km[:, j, 0])
        packets.append(_satellite_packet(name, t_s, pos_km[:, j, :], ok, start,
                                         float(period_s[j])))
    if tracks is not None and len(tracks):
        for name, g in tracks.groupby("threat", sort=False):
            packets.append(_threat_packet(str(name), g, start))
    Document(packets=packets).save(Path(path), indent=None)
    return Path(path)


def read_czml(path) -> Optional[Document]:
    """``scenario.czml`` read back through czml3's own model (validates every packet)."""
    return Document.model_validate_json(Path(path).read_text(encoding="utf-8"))
