"""Track coverage: how a constellation detects, holds and triangulates each HGV flight.

For every threat trajectory (from :func:`hgv_models.fly_threat` or any object with the
same arrays) and every sample of it, launch to impact, this module answers: how many
satellites detect the vehicle, is there a stereo pair, what is the best pair's convergence
angle and 1-sigma triangulation error. Per threat it derives the custody timeline
(first detection, first stereo track, fractions, gaps, handovers) and the warning time,
beside the ground-radar-only warning time. :func:`monte_carlo` repeats this for many
launch times across a day, because the answer depends on where the constellation happens
to be when the vehicle flies.

Geometry
--------
Each sample's target point is the trajectory's geodetic ``(lat_deg, lon_deg,
altitude_km)`` on WGS84 (:func:`orbits.geodesy.geodetic_to_ecef`) with the local ellipsoid
normal (:func:`orbits.geodesy.up_vector`) as the horizon normal. Satellites are propagated
(:func:`orbits.propagate`) at exactly the sample instants ``scenario_start + launch_offset_s
+ time_s``; the instants of all threats (and all Monte Carlo launches) are merged and
deduplicated, then propagated in chunks of consecutive instants so memory is bounded by
the chunk, not by the number of samples. "Detects" and "stereo pair" are DESIGN.md's
definitions, evaluated by the same numba functions as the grid coverage
(:func:`constellation._geometry.detects_i`, :func:`constellation._geometry.best_stereo_pair`).

Radiometric sensors (``Sensor.detection_threshold_kw_sr`` or the NEI model) use the
target's in-band intensity at each sample, from
:func:`hgv_models.signature.trajectory_intensity_w_sr` in the sensor's ``band_um`` (or
the intensities given by the caller), tested against the threshold at the actual slant
range (inverse-square law).

Definitions of the per-sample columns (``tracks.csv``)
------------------------------------------------------
``n_detect``
    Satellites whose sensor detects the target.
``stereo``
    At least one stereo pair among them.
``convergence_deg``
    Convergence angle of the best stereo pair (the pair with the smallest triangulation
    error). Without a stereo pair but with two or more detecting satellites: the angle of
    the detecting pair closest to 90 deg (it shows why there is no stereo); empty with fewer
    than two.
``position_error_m``
    1-sigma 3-D triangulation error of the best stereo pair
    (:func:`constellation._geometry.triangulation_sigma2_m`); empty without stereo.
``background`` (appended after the extra columns)
    ``"space"`` when at least one detecting line of sight, continued beyond the target, misses
    the Earth grown by the sensor's ``clutter_altitude_km`` (limb or space behind the target;
    :func:`constellation._geometry.space_background_s`), ``"earth"`` when the target is
    detected only against the Earth, empty when not detected.

Definitions of the per-threat results (``summary.json``)
---------------------------------------------------------
Times "after launch" are seconds since launch (``time_s`` of the trajectory).

``first_detection_s``, ``first_stereo_s``
    ``time_s`` of the first sample with >= 1 detecting satellite / a stereo pair; None if
    never.
``custody_fraction``, ``stereo_fraction``
    Fraction of the samples (launch to impact) with >= 1 detecting satellite / stereo.
``custody_fraction_space_background``, ``stereo_fraction_space_background``
    Fraction of the samples with a space-background detection (``background == "space"``) /
    with a stereo pair whose two lines of sight both have a space background (the track
    kernel's stereo test; :func:`constellation._background.track_background`).
``longest_custody_gap_s`` (and ``longest_stereo_gap_s``)
    Longest interval without detection (stereo) after the first detection (first stereo),
    up to impact. A run of uncovered samples ``a .. b`` lasts from sample ``a`` to the next
    covered sample (or to impact): on a uniform step, (number of uncovered samples) x step.
    The time before the first detection is reported as ``first_detection_s``, not as a gap.
    A threat never detected has the whole flight as its gap.
``handovers``
    Stereo-pair handovers: a tracker holds one stereo pair (the best pair when stereo is
    acquired) as long as that same pair stays a stereo pair; each time it stops being one
    while stereo continues through another pair counts one handover (then the current best
    pair is held). Losing stereo altogether and reacquiring it later is not a handover.
    This hysteresis avoids counting flicker between near-equal pairs.
``custody_handovers``
    The same rule for single-satellite custody (the nearest detecting satellite is held).
``warning_time_s``
    ``flight_time_s - first_stereo_s`` (impact minus first stereo track); None if never in
    stereo. ``detection_warning_time_s``: the same from the first detection.
``radar_first_detection_s``, ``radar_warning_time_s``
    Ground-radar-only equivalents from :func:`hgv_models.radar.first_radar_detection_s`
    over ``radar_sites`` (default :data:`hgv_models.radar.JAPAN_RADAR_SITES`).
``warning_gain_s``
    ``warning_time_s - radar_warning_time_s`` (what the space layer adds; a radar that never
    sees the threat counts as 0 s of radar warning; None without stereo or without radars).
``miss_distance_km``
    Great-circle distance from impact to the aim point when the trajectory records it
    (``fly_threat`` stores it in ``trajectory.release["miss_km"]``), else None.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from hgv_models.flight import fly_threat
from hgv_models.radar import JAPAN_RADAR_SITES, first_radar_detection_s, radar_visible
from hgv_models.signature import trajectory_intensity_w_sr
from hgv_models.trajectory import PHASE_NAMES
from orbits.geodesy import geodetic_to_ecef, up_vector
from orbits.propagate import propagate
from orbits.satellites import SatelliteSet
from orbits.timegrid import TimeGrid, parse_utc

from . import _tracks as TK
from ._background import TRACK_BG_EARTH, TRACK_BG_SPACE, track_background
from ._geometry import P_MAX_RANGE_KM, P_MIN_EL_RAD
from .sensors import as_sensor_list, sensor_table

__all__ = [
    "TRACK_COLUMNS",
    "TrackError",
    "TrackResult",
    "track_coverage",
    "monte_carlo",
    "monte_carlo_summary",
    "launch_offsets_s",
]

TRACK_COLUMNS = [
    "threat", "time_utc", "time_s", "lat_deg", "lon_deg", "altitude_km", "speed_km_s", "mach",
    "phase", "n_detect", "stereo", "convergence_deg", "position_error_m",
]
"""``tracks.csv`` columns of DESIGN.md, in order (extra columns follow them)."""

EXTRA_TRACK_COLUMNS = ["time_since_launch_s", "best_pair", "nearest_satellite", "background"]


DEFAULT_CHUNK_STATES = 1 << 21
"""Satellite states (instants x satellites) propagated per chunk: 2 Mi states = 48 MiB of positions."""

DEFAULT_MC_BATCH_SAMPLES = 500_000
"""Track samples per Monte Carlo batch (about 75 MB of per-sample arrays)."""

MC_COLUMNS = [
    "threat", "launch_index", "launch_offset_s", "launch_utc", "impact_utc", "flight_time_s",
    "first_detection_s", "first_stereo_s", "custody_fraction", "stereo_fraction",
    "longest_custody_gap_s", "longest_stereo_gap_s", "handovers", "custody_handovers",
    "warning_time_s", "detection_warning_time_s", "radar_first_detection_s",
    "radar_warning_time_s", "median_position_error_m", "mean_n_detect", "max_n_detect",
]
"""Columns of the :func:`monte_carlo` table (one row per threat per launch time)."""


class TrackError(ValueError):
    """Invalid track-coverage input; the message names the parameter, the value and what is allowed."""


@dataclass
class TrackResult:
    """Result of :func:`track_coverage`.

    Attributes
    ----------
    tracks : pandas.DataFrame
        One row per threat per sample: :data:`TRACK_COLUMNS` in order, then
        ``time_since_launch_s``, ``best_pair`` (``"A+B"`` satellite names of the best stereo
        pair, empty without stereo) and ``nearest_satellite`` (empty when undetected).
    per_threat : dict
        Threat name -> JSON-serialisable dict (floats, ints, str, None for "never"); keys in
        the module docstring.
    timings : dict
        Seconds per stage: ``propagation_s``, ``detection_s``, ``metrics_s``, ``radar_s``,
        ``total_s``.
    failed : list of (name, code, message)
        Satellites whose propagation failed on some sample (masked, never detecting).
    """

    tracks: pd.DataFrame
    per_threat: dict
    timings: dict = field(default_factory=dict)
    failed: list = field(default_factory=list)


# ----------------------------------------------------------------------------- inputs
@dataclass
class PreparedFlight:
    """One prepared trajectory (Earth-fixed, independent of launch time)."""

    name: str
    traj: object
    time_s: np.ndarray  # (n,) since launch
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    altitude_km: np.ndarray
    speed_km_s: np.ndarray
    mach: np.ndarray
    phase_name: np.ndarray  # (n,) object
    xyz: np.ndarray  # (n, 3) km
    up: np.ndarray  # (n, 3)
    intensity: np.ndarray  # (n, n_sensor) W/sr, NaN = no radiometric test
    miss_distance_km: float | None
    radar_first_s: float | None = None
    radar_compared: bool = False


def _array(traj, name, n=None, required=True, label="trajectory"):
    if not hasattr(traj, name):
        if required:
            raise TrackError(f"{label}: has no {name!r} array (needs time_s, lat_deg, lon_deg, altitude_km)")
        return None
    a = np.asarray(getattr(traj, name), dtype=np.float64).reshape(-1)
    if n is not None and a.size != n:
        raise TrackError(f"{label}.{name}: {a.size} values for {n} samples of time_s; they must match")
    return a


def _miss_distance_km(traj):
    for attr in ("miss_distance_km", "miss_km"):
        v = getattr(traj, attr, None)
        if v is not None:
            return float(v)
    rel = getattr(traj, "release", None)
    if isinstance(rel, dict) and rel.get("miss_km") is not None:
        return float(rel["miss_km"])
    return None


def prepare_flight(name, traj, sensors, sample_step_s, intensity_override):
    """Validate one trajectory and put it in the kernels' terms (:class:`PreparedFlight`).

    Resampled at ``sample_step_s`` (s, None = as given), positions and local up vectors in
    ECEF (km) on the WGS84 ellipsoid, in-band intensity per sensor (W/sr; from
    ``intensity_override`` (n,) or (n, n_sensor), else from the trajectory's heating when a
    sensor has a radiometric threshold, else NaN). Raises :class:`TrackError` naming the
    trajectory and the field on bad input.
    """
    label = f"trajectories[{name!r}]"
    miss = _miss_distance_km(traj)
    if sample_step_s is not None:
        step = float(sample_step_s)
        if not (math.isfinite(step) and step > 0):
            raise TrackError(f"sample_step_s={sample_step_s!r}: must be a finite number > 0 (s) or None")
        if not hasattr(traj, "resample"):
            raise TrackError(f"{label}: sample_step_s={sample_step_s} needs a trajectory with resample(step_s)")
        traj = traj.resample(step)
    t = _array(traj, "time_s", label=label)
    n = t.size
    if n < 1:
        raise TrackError(f"{label}.time_s: empty trajectory; need at least one sample")
    if not np.all(np.isfinite(t)):
        raise TrackError(f"{label}.time_s: all times must be finite")
    if t[0] < 0:
        raise TrackError(f"{label}.time_s[0]={t[0]}: times are seconds since launch, must be >= 0")
    if n > 1 and np.any(np.diff(t) < 0):
        raise TrackError(f"{label}.time_s: must be non-decreasing")
    lat = _array(traj, "lat_deg", n, label=label)
    lon = _array(traj, "lon_deg", n, label=label)
    alt = _array(traj, "altitude_km", n, label=label)
    for nm, a in (("lat_deg", lat), ("lon_deg", lon), ("altitude_km", alt)):
        if not np.all(np.isfinite(a)):
            raise TrackError(f"{label}.{nm}: all values must be finite")
    if np.any(np.abs(lat) > 90.0):
        raise TrackError(f"{label}.lat_deg={lat[np.abs(lat) > 90][0]}: must be within [-90, 90]")
    if np.any(alt < -1.0):
        raise TrackError(f"{label}.altitude_km={alt.min()}: below ground (allowed >= -1 km)")
    speed = _array(traj, "speed_km_s", n, required=False, label=label)
    mach = _array(traj, "mach", n, required=False, label=label)
    speed = np.full(n, np.nan) if speed is None else speed
    mach = np.full(n, np.nan) if mach is None else mach
    ph = getattr(traj, "phase", None)
    names = PHASE_NAMES
    if ph is None:
        phase_name = np.full(n, "", dtype=object)
    else:
        ph = np.asarray(ph).reshape(-1)
        if ph.size != n:
            raise TrackError(f"{label}.phase: {ph.size} values for {n} samples")
        if ph.dtype.kind in "iu" or ph.dtype.kind == "f":
            codes, inv = np.unique(ph.astype(np.int64), return_inverse=True)
            lut = np.array([names.get(int(p), str(int(p))) for p in codes], dtype=object)
            phase_name = lut[inv.reshape(-1)]
        else:
            phase_name = ph.astype(object)
    xyz = np.ascontiguousarray(geodetic_to_ecef(lat, lon, alt))
    up = np.ascontiguousarray(up_vector(lat, lon))
    inten = np.full((n, len(sensors)), np.nan)
    for k, s in enumerate(sensors):
        if not s.radiometric:
            continue
        if intensity_override is not None and name in intensity_override:
            v = np.asarray(intensity_override[name], dtype=np.float64)
            if v.ndim == 2:
                if v.shape != (n, len(sensors)):
                    raise TrackError(f"intensity_w_sr[{name!r}]: shape {v.shape}, expected ({n},) or ({n}, {len(sensors)})")
                v = v[:, k]
            elif v.shape != (n,):
                raise TrackError(f"intensity_w_sr[{name!r}]: shape {v.shape}, expected ({n},) or ({n}, {len(sensors)})")
        else:
            v = trajectory_intensity_w_sr(traj, band_um=tuple(s.band_um))
        if np.any(np.isnan(v)):
            raise TrackError(f"intensity_w_sr[{name!r}]: NaN intensity for radiometric sensor {s.name!r}")
        inten[:, k] = v
    return PreparedFlight(name, traj, t, lat, lon, alt, speed, mach, phase_name, xyz, up, inten, miss)


def _sensor_setup(sats, sensors):
    if not isinstance(sats, SatelliteSet):
        raise TrackError(f"sats: expected an orbits.SatelliteSet, got {type(sats).__name__}")
    if len(sats) == 0:
        raise TrackError("sats: the satellite set is empty")
    sensors = as_sensor_list(sensors)
    si = np.ascontiguousarray(np.asarray(sats.sensor_index, dtype=np.int64))
    if si.size and si.max() >= len(sensors):
        raise TrackError(f"sats.sensor_index={int(si.max())}: only {len(sensors)} sensor(s) given "
                         f"(allowed 0..{len(sensors) - 1})")
    table = sensor_table(sensors)  # intensity slot NaN: per-sample intensities are passed separately
    return sensors, si, table


def _radar_first_s(flight, radar_sites):
    if radar_sites is None:
        return None
    v = float(first_radar_detection_s(flight.traj, radar_sites))
    return v if math.isfinite(v) else None


def _radar_first_all(flights, radar_sites):
    """:func:`_radar_first_s` of every flight, from one visibility call over all their
    samples (the test is per sample, so the booleans are those of flight by flight; the
    per-call overhead was ~0.6 ms a flight in ensembles)."""
    if radar_sites is None or not flights:
        return [None] * len(flights)
    sizes = np.array([f.time_s.size for f in flights], dtype=np.int64)
    cat = _Samples(np.concatenate([f.time_s for f in flights]),
                   np.concatenate([f.lat_deg for f in flights]),
                   np.concatenate([f.lon_deg for f in flights]),
                   np.concatenate([f.altitude_km for f in flights]))
    idx = np.flatnonzero(radar_visible(cat, radar_sites))
    stops = np.cumsum(sizes)
    first = np.searchsorted(idx, stops - sizes)  # first visible sample at or after the start
    out = []
    for p, stop in zip(first, stops):
        v = float(cat.time_s[idx[p]]) if p < idx.size and idx[p] < stop else math.nan
        out.append(v if math.isfinite(v) else None)
    return out


@dataclass
class _Samples:
    """Concatenated samples of several flights, as :func:`hgv_models.radar.radar_visible`
    reads a trajectory."""

    time_s: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    altitude_km: np.ndarray


def _default_radar_sites(radar_sites):
    if radar_sites is not None:
        return list(radar_sites) or None
    return list(JAPAN_RADAR_SITES)


# ----------------------------------------------------------------------------- core
@dataclass
class _Core:
    tidx: np.ndarray
    instants_s: np.ndarray
    time_since_launch_s: np.ndarray
    track_start: np.ndarray
    track_stop: np.ndarray
    n_detect: np.ndarray
    stereo: np.ndarray
    convergence_rad: np.ndarray
    error_m: np.ndarray
    pair_a: np.ndarray
    pair_b: np.ndarray
    nearest: np.ndarray
    metrics: np.ndarray
    pair_handovers: np.ndarray
    single_handovers: np.ndarray
    failed: list
    timings: dict
    background: np.ndarray | None = None  # (n_sample,) int8 TRACK_BG_* codes (None when not computed)
    stereo_space: np.ndarray | None = None  # (n_sample,) bool: a space-background stereo pair


def reach_parameters(table):
    """(sin, cos of the smallest geocentric elevation, largest max range) for the pre-filter."""
    el = float(np.min(table[:, P_MIN_EL_RAD])) - TK.GEODETIC_NORMAL_TILT_RAD
    if el <= -math.pi / 2:
        return -1.0, 0.0, math.inf
    return math.sin(el), math.cos(el), float(np.max(table[:, P_MAX_RANGE_KM]))


def _evaluate(sats, flights, tracks, si, table, start_utc, propagator, chunk_states, background=False):
    """Run the kernels over ``tracks`` = list of (flight index, launch offset s).

    ``background``: also classify each sample's background
    (:func:`constellation._background.track_background`, one more detection pass).
    """
    t_prop = 0.0
    t_det = 0.0
    n_track = len(tracks)
    lens = np.array([flights[f].time_s.size for f, _ in tracks], dtype=np.int64)
    track_stop = np.cumsum(lens)
    track_start = track_stop - lens
    n = int(track_stop[-1])
    n_sensor = table.shape[0]
    sample_s = np.empty(n)
    tsl = np.empty(n)
    xyz = np.empty((n, 3))
    up = np.empty((n, 3))
    inten = np.empty((n, n_sensor))
    for k, (f, off) in enumerate(tracks):
        fl = flights[f]
        sl = slice(track_start[k], track_stop[k])
        sample_s[sl] = off + fl.time_s
        tsl[sl] = fl.time_s
        xyz[sl] = fl.xyz
        up[sl] = fl.up
        inten[sl] = fl.intensity
    instants, tidx = np.unique(sample_s, return_inverse=True)
    tidx = np.ascontiguousarray(tidx.reshape(-1).astype(np.int64))
    n_inst = instants.size
    order = np.argsort(tidx, kind="stable")
    tsorted = tidx[order]

    n_detect = np.zeros(n, dtype=np.int64)
    stereo = np.zeros(n, dtype=np.bool_)
    conv = np.full(n, np.nan)
    err = np.full(n, np.nan)
    pa = np.full(n, -1, dtype=np.int64)
    pb = np.full(n, -1, dtype=np.int64)
    near = np.full(n, -1, dtype=np.int64)
    cursor = track_start.copy()
    held_a = np.full(n_track, -1, dtype=np.int64)
    held_b = np.full(n_track, -1, dtype=np.int64)
    held_s = np.full(n_track, -1, dtype=np.int64)
    ho_pair = np.zeros(n_track, dtype=np.int64)
    ho_single = np.zeros(n_track, dtype=np.int64)
    bgc = np.full(n if background else 0, -1, dtype=np.int8)
    sts = np.zeros(n if background else 0, dtype=np.bool_)

    reach = reach_parameters(table)
    chunk = max(1, int(chunk_states) // len(sats))
    failed = {}
    for c0 in range(0, n_inst, chunk):
        c1 = min(n_inst, c0 + chunk)
        t0 = time.perf_counter()
        eph = propagate(sats, TimeGrid.from_seconds(start_utc, instants[c0:c1]), propagator)
        pos = np.ascontiguousarray(eph.positions_km)
        valid = np.ascontiguousarray(eph.valid)
        for item in eph.failed():
            failed.setdefault(item[0], item)
        t1 = time.perf_counter()
        lo = np.searchsorted(tsorted, c0, side="left")
        hi = np.searchsorted(tsorted, c1, side="left")
        ids = np.ascontiguousarray(order[lo:hi])
        rs_max = float(np.nanmax(np.linalg.norm(pos, axis=2))) if valid.any() else 0.0
        TK.track_samples(pos, valid, c0, ids, tidx, xyz, up, inten, si, table,
                         n_detect, stereo, conv, err, pa, pb, near, rs_max, *reach)
        if background:
            track_background(pos, valid, c0, ids, tidx, xyz, up, inten, si, table, n_detect, bgc, sts, rs_max,
                             *reach)
        TK.track_handovers(pos, valid, c0, c1, tidx, track_stop, cursor, xyz, up, inten, si,
                           table, n_detect, stereo, pa, pb, near, held_a, held_b, held_s,
                           ho_pair, ho_single)
        t_prop += t1 - t0
        t_det += time.perf_counter() - t1
    t0 = time.perf_counter()
    metrics = np.empty((n_track, TK.N_METRIC))
    TK.track_metrics(tsl, track_start, track_stop, n_detect, stereo, err, metrics)
    t_met = time.perf_counter() - t0
    return _Core(tidx, instants, tsl, track_start, track_stop, n_detect, stereo, conv, err, pa, pb,
                 near, metrics, ho_pair, ho_single, list(failed.values()),
                 {"propagation_s": t_prop, "detection_s": t_det, "metrics_s": t_met,
                  "n_instants": int(n_inst), "n_samples": int(n)},
                 bgc if background else None, sts if background else None)


def _none(v):
    v = float(v)
    return v if math.isfinite(v) else None


def _utc_strings(start: datetime, seconds: np.ndarray) -> np.ndarray:
    """ISO-8601 UTC strings (millisecond resolution, 'Z') of ``start + seconds``."""
    base = np.datetime64(start.replace(tzinfo=None), "us")
    t = base + np.round(np.asarray(seconds, dtype=np.float64) * 1e6).astype("timedelta64[us]")
    return np.char.add(np.datetime_as_string(t, unit="ms"), "Z")


def _background_words(codes):
    """``tracks.csv`` ``background`` column: "space" / "earth" / "" (not detected) from TRACK_BG_* codes."""
    out = np.full(codes.size, "", dtype=object)
    out[codes == TRACK_BG_SPACE] = "space"
    out[codes == TRACK_BG_EARTH] = "earth"
    return out


def _background_fractions(codes, stereo_space):
    """Per-threat ``custody_fraction_space_background`` and ``stereo_fraction_space_background`` (fractions of samples)."""
    n = codes.size
    if n == 0:
        return {"custody_fraction_space_background": math.nan, "stereo_fraction_space_background": math.nan}
    return {"custody_fraction_space_background": float(np.count_nonzero(codes == TRACK_BG_SPACE) / n),
            "stereo_fraction_space_background": float(np.count_nonzero(stereo_space) / n)}


def _track_summary(flight, metrics_row, pair_ho, single_ho, start, offset_s):
    m = metrics_row
    flight_time = float(m[TK.M_FLIGHT_TIME_S])
    first_det = _none(m[TK.M_FIRST_DETECTION_S])
    first_st = _none(m[TK.M_FIRST_STEREO_S])
    radar_first = flight.radar_first_s
    warn = None if first_st is None else flight_time - first_st
    radar_warn = None if radar_first is None else flight_time - radar_first
    launch, impact = _utc_strings(start, np.array([offset_s, offset_s + flight_time]))
    return {
        "launch_utc": str(launch),
        "impact_utc": str(impact),
        "launch_offset_s": float(offset_s),
        "flight_time_s": flight_time,
        "n_samples": int(flight.time_s.size),
        "first_detection_s": first_det,
        "first_stereo_s": first_st,
        "custody_fraction": float(m[TK.M_CUSTODY_FRACTION]),
        "stereo_fraction": float(m[TK.M_STEREO_FRACTION]),
        "longest_custody_gap_s": float(m[TK.M_LONGEST_CUSTODY_GAP_S]),
        "longest_stereo_gap_s": float(m[TK.M_LONGEST_STEREO_GAP_S]),
        "handovers": int(pair_ho),
        "custody_handovers": int(single_ho),
        "warning_time_s": warn,
        "detection_warning_time_s": None if first_det is None else flight_time - first_det,
        "radar_first_detection_s": radar_first,
        "radar_warning_time_s": radar_warn,
        "warning_gain_s": (None if warn is None or not flight.radar_compared
                           else warn - (radar_warn or 0.0)),
        "median_position_error_m": _none(m[TK.M_MEDIAN_ERROR_M]),
        "min_position_error_m": _none(m[TK.M_MIN_ERROR_M]),
        "mean_n_detect": float(m[TK.M_MEAN_N_DETECT]),
        "max_n_detect": int(m[TK.M_MAX_N_DETECT]),
        "miss_distance_km": flight.miss_distance_km,
        "vehicle": str(getattr(flight.traj, "vehicle_name", "") or ""),
    }


# ----------------------------------------------------------------------------- public API
def track_coverage(sats, trajectories, sensors, scenario_start_utc, propagator="sgp4",
                   radar_sites=None, sample_step_s=None, intensity_w_sr=None,
                   chunk_states=DEFAULT_CHUNK_STATES, tidy_tracks=True) -> TrackResult:
    """Detection, custody and stereo tracking of each threat trajectory by a constellation.

    Parameters
    ----------
    sats : orbits.SatelliteSet
        The constellation; ``sats.sensor_index[i]`` selects satellite ``i``'s sensor.
    trajectories : list of (str, Trajectory, float)
        ``(threat_name, trajectory, launch_offset_s)``: the trajectory (any object with
        ``time_s`` (s since launch, non-decreasing), ``lat_deg``, ``lon_deg``,
        ``altitude_km`` arrays; ``speed_km_s``, ``mach``, ``phase`` optional) and its launch
        time in seconds after ``scenario_start_utc``. Names must be unique.
    sensors : Sensor or list of Sensor
    scenario_start_utc : str or datetime
        Scenario start (UTC); ``time_s`` in the output counts from it.
    propagator : {"sgp4", "j2"}
    radar_sites : sequence of hgv_models.radar.RadarSite, optional
        Ground radars for the radar-only comparison; default ``JAPAN_RADAR_SITES``. An empty
        list disables the comparison (None values).
    sample_step_s : float, optional
        Resample each trajectory at this step (s) first (``Trajectory.resample``); default:
        use the trajectory's own samples.
    intensity_w_sr : dict, optional
        Threat name -> target in-band intensity per sample (W/sr), shape ``(n,)`` or
        ``(n, n_sensor)``, used by radiometric sensors instead of the hgv_models signature
        model.
    chunk_states : int
        Satellite states propagated per chunk (memory bound, ~24 bytes each).
    tidy_tracks : bool
        Build the per-sample table (default).  False: ``.tracks`` holds only the columns
        ``lat_deg``, ``lon_deg``, ``n_detect`` and ``time_since_launch_s`` (all samples of all
        threats, in input order), built from whole arrays, for callers that only need the
        per-threat summaries (threat ensembles); ``.per_threat`` is the same.

    Returns
    -------
    TrackResult
        ``.tracks`` (DataFrame, :data:`TRACK_COLUMNS` first), ``.per_threat`` (name -> dict),
        ``.timings``, ``.failed``.

    Raises
    ------
    TrackError
        Bad satellites, trajectories, names, steps or sensor indices (the message names them).
    """
    t_all = time.perf_counter()
    start = parse_utc(scenario_start_utc)
    sensors, si, table = _sensor_setup(sats, sensors)
    if not isinstance(trajectories, (list, tuple)) or not trajectories:
        raise TrackError(f"trajectories={trajectories!r}: need a non-empty list of (threat_name, trajectory, launch_offset_s)")
    flights = []
    tracks = []
    seen = set()
    for k, item in enumerate(trajectories):
        try:
            name, traj, offset = item
        except (TypeError, ValueError):
            raise TrackError(f"trajectories[{k}]: expected (threat_name, trajectory, launch_offset_s)") from None
        name = str(name)
        if name in seen:
            raise TrackError(f"trajectories[{k}]: threat name {name!r} appears twice; names must be unique")
        seen.add(name)
        try:
            offset = float(offset)
        except (TypeError, ValueError):
            raise TrackError(f"trajectories[{k}] launch_offset_s={offset!r}: must be a number of seconds") from None
        if not math.isfinite(offset):
            raise TrackError(f"trajectories[{k}] launch_offset_s={offset!r}: must be finite")
        flights.append(prepare_flight(name, traj, sensors, sample_step_s, intensity_w_sr))
        tracks.append((k, offset))
    t0 = time.perf_counter()
    sites = _default_radar_sites(radar_sites)
    for fl, first in zip(flights, _radar_first_all(flights, sites)):
        fl.radar_first_s = first
        fl.radar_compared = sites is not None
    t_radar = time.perf_counter() - t0

    core = _evaluate(sats, flights, tracks, si, table, start, propagator, chunk_states, background=True)

    t0 = time.perf_counter()
    if not tidy_tracks:
        per_threat = {}
        for k, (f, off) in enumerate(tracks):
            fl = flights[f]
            per_threat[fl.name] = _track_summary(fl, core.metrics[k], core.pair_handovers[k],
                                                 core.single_handovers[k], start, off)
            sl = slice(core.track_start[k], core.track_stop[k])
            per_threat[fl.name].update(_background_fractions(core.background[sl], core.stereo_space[sl]))
        df = pd.DataFrame({
            "lat_deg": np.concatenate([flights[f].lat_deg for f, _ in tracks]),
            "lon_deg": np.concatenate([flights[f].lon_deg for f, _ in tracks]),
            "n_detect": core.n_detect,
            "time_since_launch_s": core.time_since_launch_s})
        timings = dict(core.timings)
        timings.update(radar_s=t_radar, output_s=time.perf_counter() - t0,
                       total_s=time.perf_counter() - t_all)
        return TrackResult(df, per_threat, timings, core.failed)
    # tidy table
    names = np.asarray(sats.names, dtype=object)
    parts = []
    per_threat = {}
    for k, (f, off) in enumerate(tracks):
        fl = flights[f]
        sl = slice(core.track_start[k], core.track_stop[k])
        sec = off + fl.time_s
        pa, pb = core.pair_a[sl], core.pair_b[sl]
        has = pa >= 0
        best = np.full(pa.size, "", dtype=object)
        if has.any():
            best[has] = names[pa[has]] + "+" + names[pb[has]]
        nr = core.nearest[sl]
        nearest = np.full(nr.size, "", dtype=object)
        nearest[nr >= 0] = names[nr[nr >= 0]]
        parts.append(pd.DataFrame({
            "threat": fl.name,
            "time_utc": _utc_strings(start, sec),
            "time_s": sec,
            "lat_deg": fl.lat_deg,
            "lon_deg": fl.lon_deg,
            "altitude_km": fl.altitude_km,
            "speed_km_s": fl.speed_km_s,
            "mach": fl.mach,
            "phase": fl.phase_name,
            "n_detect": core.n_detect[sl],
            "stereo": core.stereo[sl],
            "convergence_deg": np.degrees(core.convergence_rad[sl]),
            "position_error_m": core.error_m[sl],
            "time_since_launch_s": fl.time_s,
            "best_pair": best,
            "nearest_satellite": nearest,
            "background": _background_words(core.background[sl]),
        }))
        per_threat[fl.name] = _track_summary(fl, core.metrics[k], core.pair_handovers[k],
                                             core.single_handovers[k], start, off)
        per_threat[fl.name].update(_background_fractions(core.background[sl], core.stereo_space[sl]))
    df = pd.concat(parts, ignore_index=True)
    t_out = time.perf_counter() - t0
    timings = dict(core.timings)
    timings.update(radar_s=t_radar, output_s=t_out, total_s=time.perf_counter() - t_all)
    return TrackResult(df, per_threat, timings, core.failed)


def launch_offsets_s(n_launch_times, window_s=86400.0, seed=None, sampling="stratified",
                     snap_s=None, window_start_s=0.0):
    """Launch times (s after the scenario start) for :func:`monte_carlo`.

    Parameters
    ----------
    n_launch_times : int
        Number of launch times (>= 1).
    window_s : float
        Length of the launch window (s, > 0), starting at ``window_start_s``.
    seed : int or None
        Seed of ``numpy.random.default_rng`` (same seed -> same launch times).
    sampling : {"stratified", "uniform", "even"}
        ``"stratified"``: one uniform draw in each of ``n`` equal sub-windows (1-D Latin
        hypercube: same distribution as independent uniform draws, lower variance of the
        percentiles); ``"uniform"``: independent uniform draws; ``"even"``: evenly spaced,
        ``window_start_s + k * window_s / n`` (deterministic, no seed).
    snap_s : float, optional
        Round each time down to a multiple of ``snap_s`` (s). With trajectories sampled on
        the same step this makes every launch share the same propagation instants.

    Returns
    -------
    ndarray, shape (n_launch_times,), sorted ascending
    """
    try:
        n = int(n_launch_times)
    except (TypeError, ValueError):
        raise TrackError(f"n_launch_times={n_launch_times!r}: must be an integer >= 1") from None
    if n < 1 or n != n_launch_times:
        raise TrackError(f"n_launch_times={n_launch_times!r}: must be an integer >= 1")
    w = float(window_s)
    if not (math.isfinite(w) and w > 0):
        raise TrackError(f"window_s={window_s!r}: must be a finite number of seconds > 0")
    rng = np.random.default_rng(seed)
    if sampling == "stratified":
        off = (np.arange(n) + rng.random(n)) * (w / n)
    elif sampling == "uniform":
        off = np.sort(rng.random(n) * w)
    elif sampling == "even":
        off = np.arange(n) * (w / n)
    else:
        raise TrackError(f"sampling={sampling!r}: allowed 'stratified', 'uniform', 'even'")
    if snap_s is not None:
        s = float(snap_s)
        if not (math.isfinite(s) and s > 0):
            raise TrackError(f"snap_s={snap_s!r}: must be a finite number > 0 (s) or None")
        off = np.floor(off / s) * s
    return off + float(window_start_s)


def _mc_flights_input(threats_or_trajectories, sample_step_s):
    """Normalise the Monte Carlo input to [(name, trajectory)]; fly Threats once.

    The launch time plays no part in the Monte Carlo (it draws its own), so a threat listed
    twice (same object, or equal Threats) is flown and counted once; different flights
    sharing a name get ``" #2"``, ``" #3"``... suffixes.
    """
    items = threats_or_trajectories
    if isinstance(items, dict):
        items = list(items.items())
    elif not isinstance(items, (list, tuple)):
        items = [items]
    if not items:
        raise TrackError("threats_or_trajectories: empty; give Threats or (name, trajectory) pairs")
    raw = []
    for k, it in enumerate(items):
        if isinstance(it, tuple) and len(it) in (2, 3) and isinstance(it[0], str):
            name, obj = it[0], it[1]
        elif hasattr(it, "launch_lat_deg"):
            name, obj = getattr(it, "name", f"threat{k}"), it
        else:
            raise TrackError(f"threats_or_trajectories[{k}]={it!r}: expected a hgv_models Threat or "
                             "(name, trajectory[, launch_offset_s])")
        name = str(name)
        prev = [o for n, o in raw if n == name]
        if prev:
            if any(p is obj or (hasattr(obj, "launch_lat_deg") and p == obj) for p in prev):
                continue  # the same threat listed twice (e.g. two launch times): one flight suffices
            name = f"{name} #{len(prev) + 1}"
        raw.append((name, obj))
    out = []
    for name, obj in raw:
        if hasattr(obj, "launch_lat_deg"):  # a Threat: fly it once (Earth-fixed track)

            obj = fly_threat(obj, sample_step_s=sample_step_s)
        out.append((name, obj))
    return out


def monte_carlo(sats, threats_or_trajectories, sensors, scenario_start_utc, n_launch_times=100,
                window_s=None, propagator="sgp4", seed=0, radar_sites=None, sample_step_s=5.0,
                sampling="stratified", duration_s=None, intensity_w_sr=None,
                chunk_states=DEFAULT_CHUNK_STATES,
                max_samples_per_batch=DEFAULT_MC_BATCH_SAMPLES) -> pd.DataFrame:
    """Distribution of custody and warning time over many launch times across the day.

    Every threat is flown **once** and then shifted in time: the vehicle's trajectory is
    integrated in the Earth-fixed (rotating) frame from a launch point fixed on the Earth,
    and those equations of motion do not depend on the time of day, so the Earth-fixed
    ground track, altitude and speed profile are the same for every launch time. Only the
    satellites' positions relative to it change. For each launch time ``t_L`` (the same
    set for every threat: common random numbers, so threats are compared on the same
    constellation states) the samples sit at ``scenario_start + t_L + time_s``. Launch
    times are snapped to multiples of ``sample_step_s`` so all launches share one set of
    propagation instants (one pass over the day however many launches).

    Parameters
    ----------
    sats : orbits.SatelliteSet
    threats_or_trajectories : Threat, list of Threat, dict name -> Threat/Trajectory, or list of (name, trajectory)
        Threats are flown with ``hgv_models.fly_threat(threat, sample_step_s=sample_step_s)``.
    sensors : Sensor or list of Sensor
    scenario_start_utc : str or datetime
    n_launch_times : int
        Launch times per threat.
    window_s : float, optional
        Launch window length after the scenario start (s); default ``duration_s`` if given,
        else 86,400 s (one day).
    propagator : {"sgp4", "j2"}
    seed : int or None
        Random seed of the launch times (same seed -> same table).
    radar_sites : optional
        As :func:`track_coverage` (the radar-only warning is the same for every launch time).
    sample_step_s : float or None
        Track sampling step (s); trajectories are resampled to it and launch times snapped
        to its multiples. None: keep each trajectory's samples and do not snap (Threats are
        then flown at 2 s).
    sampling : {"stratified", "uniform", "even"}
        See :func:`launch_offsets_s`.
    duration_s : float, optional
        Alias of ``window_s`` (the scenario duration).
    intensity_w_sr : dict, optional
        As :func:`track_coverage` (per sample of the resampled trajectory).
    chunk_states : int
        Satellite states propagated per chunk.
    max_samples_per_batch : int
        Launch times are processed in batches of consecutive times holding at most about
        this many track samples (at least one launch per batch), so memory stays bounded
        however many launches are asked for (~150 bytes per sample).

    Returns
    -------
    pandas.DataFrame
        One row per (threat, launch time), columns :data:`MC_COLUMNS` (NaN = never).
        ``df.attrs["timings"]`` holds stage timings.
    """
    t_all = time.perf_counter()
    start = parse_utc(scenario_start_utc)
    sensors, si, table = _sensor_setup(sats, sensors)
    if window_s is None:
        window_s = 86400.0 if duration_s is None else duration_s
    step = None
    if sample_step_s is not None:
        step = float(sample_step_s)
        if not (math.isfinite(step) and step > 0):
            raise TrackError(f"sample_step_s={sample_step_s!r}: must be a finite number > 0 (s) or None")
    offsets = launch_offsets_s(n_launch_times, window_s, seed=seed, sampling=sampling, snap_s=step)
    pairs = _mc_flights_input(threats_or_trajectories, 2.0 if step is None else step)
    flights = [prepare_flight(name, traj, sensors, step, intensity_w_sr) for name, traj in pairs]
    sites = _default_radar_sites(radar_sites)
    for fl in flights:
        fl.radar_first_s = _radar_first_s(fl, sites)
        fl.radar_compared = sites is not None
    # launches in batches of consecutive launch times (bounded memory; batches overlap in
    # time only at their edges, so instants are still shared within each batch)
    per_launch = sum(fl.time_s.size for fl in flights)
    batch = max(1, int(max_samples_per_batch) // max(1, per_launch))
    metrics, ho_pair, ho_single, fidx, offs = [], [], [], [], []
    failed = {}
    timings = {"propagation_s": 0.0, "detection_s": 0.0, "metrics_s": 0.0, "n_instants": 0, "n_samples": 0}
    for b0 in range(0, len(offsets), batch):
        tracks = [(f, float(off)) for f in range(len(flights)) for off in offsets[b0:b0 + batch]]
        core = _evaluate(sats, flights, tracks, si, table, start, propagator, chunk_states)
        metrics.append(core.metrics)
        ho_pair.append(core.pair_handovers)
        ho_single.append(core.single_handovers)
        fidx += [f for f, _ in tracks]
        offs += [o for _, o in tracks]
        for item in core.failed:
            failed.setdefault(item[0], item)
        for key in timings:
            timings[key] += core.timings[key]
    # rows ordered threat by threat, launch times ascending
    order = np.lexsort((np.array(offs), np.array(fidx)))
    m = np.concatenate(metrics)[order]
    fidx = np.array(fidx)[order]
    offs = np.array(offs)[order]
    pair_handovers = np.concatenate(ho_pair)[order]
    single_handovers = np.concatenate(ho_single)[order]
    flight_time = m[:, TK.M_FLIGHT_TIME_S]
    radar_first = np.array([np.nan if flights[f].radar_first_s is None else flights[f].radar_first_s
                            for f in fidx])
    df = pd.DataFrame({
        "threat": [flights[f].name for f in fidx],
        "launch_index": np.tile(np.arange(len(offsets)), len(flights)),
        "launch_offset_s": offs,
        "launch_utc": _utc_strings(start, offs),
        "impact_utc": _utc_strings(start, offs + flight_time),
        "flight_time_s": flight_time,
        "first_detection_s": m[:, TK.M_FIRST_DETECTION_S],
        "first_stereo_s": m[:, TK.M_FIRST_STEREO_S],
        "custody_fraction": m[:, TK.M_CUSTODY_FRACTION],
        "stereo_fraction": m[:, TK.M_STEREO_FRACTION],
        "longest_custody_gap_s": m[:, TK.M_LONGEST_CUSTODY_GAP_S],
        "longest_stereo_gap_s": m[:, TK.M_LONGEST_STEREO_GAP_S],
        "handovers": pair_handovers,
        "custody_handovers": single_handovers,
        "warning_time_s": flight_time - m[:, TK.M_FIRST_STEREO_S],
        "detection_warning_time_s": flight_time - m[:, TK.M_FIRST_DETECTION_S],
        "radar_first_detection_s": radar_first,
        "radar_warning_time_s": flight_time - radar_first,
        "median_position_error_m": m[:, TK.M_MEDIAN_ERROR_M],
        "mean_n_detect": m[:, TK.M_MEAN_N_DETECT],
        "max_n_detect": m[:, TK.M_MAX_N_DETECT].astype(np.int64),
    }, columns=MC_COLUMNS)
    timings["total_s"] = time.perf_counter() - t_all
    df.attrs["timings"] = timings
    df.attrs["failed"] = list(failed.values())
    df.attrs["seed"] = seed
    return df


SUMMARY_PERCENTILES = (5, 25, 50, 75, 95)


def monte_carlo_summary(df, percentiles=SUMMARY_PERCENTILES, as_dict=False):
    """Percentiles of the Monte Carlo table per threat.

    For each threat: ``n_launches``; ``p_detect`` and ``p_stereo`` (fraction of launch times
    with any detection / any stereo track); ``warning_time_s`` percentiles with a launch never
    tracked in stereo counted as **0 s** of warning (the space layer gave none), so the
    low percentiles show the worst cases; percentiles of ``custody_fraction``,
    ``stereo_fraction``, ``longest_custody_gap_s`` and ``first_stereo_s`` (the last over
    launches that reached stereo only); and the (launch-independent) ``radar_warning_time_s``.

    Parameters
    ----------
    df : pandas.DataFrame
        :func:`monte_carlo` output.
    percentiles : sequence of float
        In [0, 100].

    as_dict : bool
        Return ``{threat: {column: float or None}}`` (JSON-serialisable, None for NaN), e.g.
        for ``summary.json``, instead of the DataFrame.

    Returns
    -------
    pandas.DataFrame or dict
        Index: threat; columns ``<quantity>_p<q>`` (e.g. ``warning_time_s_p50``), plus
        ``*_mean``, ``n_launches``, ``p_detect``, ``p_stereo``, ``radar_warning_time_s``.
    """
    need = {"threat", "warning_time_s", "custody_fraction", "stereo_fraction", "first_stereo_s",
            "first_detection_s", "longest_custody_gap_s", "radar_warning_time_s"}
    missing = need - set(df.columns)
    if missing:
        raise TrackError(f"df: missing columns {sorted(missing)} (give monte_carlo()'s table)")
    ps = [float(p) for p in percentiles]
    if any(not 0 <= p <= 100 for p in ps):
        raise TrackError(f"percentiles={percentiles!r}: each must be in [0, 100]")
    rows = {}
    for name, g in df.groupby("threat", sort=False):
        r = {"n_launches": int(len(g)),
             "p_detect": float(np.mean(np.isfinite(g["first_detection_s"].to_numpy(float)))),
             "p_stereo": float(np.mean(np.isfinite(g["first_stereo_s"].to_numpy(float))))}
        series = {
            "warning_time_s": np.nan_to_num(g["warning_time_s"].to_numpy(float), nan=0.0),
            "custody_fraction": g["custody_fraction"].to_numpy(float),
            "stereo_fraction": g["stereo_fraction"].to_numpy(float),
            "longest_custody_gap_s": g["longest_custody_gap_s"].to_numpy(float),
            "first_stereo_s": g["first_stereo_s"].to_numpy(float),
        }
        for q, v in series.items():
            v = v[np.isfinite(v)]
            for p in ps:
                r[f"{q}_p{p:g}"] = float(np.percentile(v, p)) if v.size else np.nan
            r[f"{q}_mean"] = float(v.mean()) if v.size else np.nan
        rw = g["radar_warning_time_s"].to_numpy(float)
        r["radar_warning_time_s"] = float(rw[0]) if rw.size else np.nan
        rows[name] = r
    if as_dict:
        return {name: {k: (int(v) if k == "n_launches" else _none(v)) for k, v in r.items()}
                for name, r in rows.items()}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "threat"
    return out
