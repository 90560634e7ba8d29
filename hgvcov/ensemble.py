"""Threat ensembles (``[[threat_ensemble]]``): many flights, one summary row each.

An ensemble expands into flights (:func:`ensemble_flights`): ``samples = N`` draws N
(launch site, aim point, launch time) triples with ``numpy.random.default_rng(seed)``;
``factorial = true`` takes every launch site x aim point x launch time.  Launch times are
whole seconds after ``time.start``: ``launch_times = N`` draws N uniformly over the window
(seeded, floored to the second so that each flight is also expressible as a ``[[threat]]``
``launch_time``), or the given list.

Every flight is built and flown exactly as a ``[[threat]]`` with the same launch, aim,
vehicle and launch time (:class:`hgv_models.threats.Threat`, then
:func:`hgv_models.threats.fly_threat` at ``output.track_step_s``), and tracked by
:func:`constellation.track_coverage` with the same radar sites; its row is that threat's
``per_threat`` entry.  The Earth-fixed trajectory does not depend on the launch time (see
:func:`constellation.monte_carlo`), so each distinct (launch, aim, vehicle, manoeuvre) is
flown once and reused.  Distinct pairs are flown :data:`FLY_BLOCK_PAIRS` at a time by
:func:`hgv_models.flight.fly_threats`: the shooting (Newton search on release speed and
azimuth) of the whole block advances in lockstep, each round one call of the numba batch
glide integrator; ``fly_threat`` is that function on a batch of one, so every trajectory
is bit-identical to flying it alone.

Tracking streams over chunks of at most :data:`TRACK_CHUNK_SAMPLES` track samples (and
:data:`TRACK_CHUNK_FLIGHTS` flights), one ``track_coverage(..., tidy_tracks=False)`` call
each: only the per-flight summaries and the corridor counts are kept, never the per-sample
tracks.  A pair the vehicle cannot fly (too short,
out of range) is a row with ``status = "unreachable"`` and the reason, not an error.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
from datetime import timedelta
from typing import Any, Callable, Optional

import numpy as np
import pandas as pd

from constellation import track_coverage
from hgv_models.flight import ThreatUnreachableError, fly_threats
from hgv_models.guidance import weave
from hgv_models.threats import Threat, ThreatError

__all__ = ["CorridorGrid", "EnsembleFlight", "ensemble_flights", "run_ensemble", "ensemble_summary",
           "ENSEMBLE_COLUMNS", "TRACK_CHUNK_FLIGHTS", "TRACK_CHUNK_SAMPLES", "FLY_BLOCK_PAIRS",
           "PERCENTILES",
           "flight_bank", "flight_bank_key"]

#: At most this many flights per call of :func:`constellation.track_coverage`.
TRACK_CHUNK_FLIGHTS = 4096
#: ... and at most about this many track samples per call (memory bound: one chunk's
#: per-sample arrays at a time, ~0.4 kB per sample including the held trajectories, so
#: ~200 MB; larger chunks share more satellite propagation instants).
TRACK_CHUNK_SAMPLES = 500_000
#: Distinct pairs flown per batch (:func:`hgv_models.flight.fly_threats`).
FLY_BLOCK_PAIRS = 256
#: Percentiles of the summary (``numpy.percentile``, linear interpolation).
PERCENTILES = (10, 50, 90)

#: Columns of ``ensemble.csv`` in order.  Times in s after launch, fractions 0-1, warning
#: times in s before impact; empty = never (or not flown when ``status`` is not "ok").
ENSEMBLE_COLUMNS = (
    "ensemble", "flight", "status", "reason", "launch_lat_deg", "launch_lon_deg", "aim",
    "aim_lat_deg", "aim_lon_deg", "launch_utc", "launch_offset_s", "vehicle", "manoeuvre",
    "flight_time_s", "first_detection_s", "first_stereo_s", "custody_fraction",
    "stereo_fraction", "longest_custody_gap_s", "warning_time_s", "detection_warning_time_s",
    "radar_warning_time_s", "warning_gain_s")

_TRACK_KEYS = ("flight_time_s", "first_detection_s", "first_stereo_s", "custody_fraction",
               "stereo_fraction", "longest_custody_gap_s", "warning_time_s",
               "detection_warning_time_s", "radar_warning_time_s", "warning_gain_s",
               "launch_utc")


@dataclasses.dataclass
class CorridorGrid:
    """Where an ensemble's flights are out of custody, accumulated flight by flight.

    Counts track samples (every ``output.track_step_s`` of every flight flown) in cells of
    ``step_deg`` on a global lat/lon grid: ``n_samples`` all of them, ``n_uncovered`` those
    seen by no satellite (``n_detect == 0``).  A fixed-size accumulator: the tracks of a
    chunk are added and dropped.
    """

    step_deg: float = 1.0
    n_samples: np.ndarray = None  # (n_lat, n_lon) int64
    n_uncovered: np.ndarray = None

    def __post_init__(self):
        shape = (int(round(180 / self.step_deg)), int(round(360 / self.step_deg)))
        if self.n_samples is None:
            self.n_samples = np.zeros(shape, dtype=np.int64)
            self.n_uncovered = np.zeros(shape, dtype=np.int64)

    def add(self, lat_deg, lon_deg, uncovered) -> None:
        """Add samples at ``lat_deg``/``lon_deg`` (deg, (n,)); ``uncovered`` (n,) bool."""
        n_lat, n_lon = self.n_samples.shape
        # exact comparisons with the cell edges (``(lat + 90) // step`` rounds 39.999... up)
        lon = (np.asarray(lon_deg, dtype=float) + 180.0) % 360.0 - 180.0
        i = np.clip(np.searchsorted(self.lat_edges_deg, lat_deg, side="right") - 1, 0, n_lat - 1)
        j = np.clip(np.searchsorted(self.lon_edges_deg, lon, side="right") - 1, 0, n_lon - 1)
        cell = i * n_lon + j
        size = n_lat * n_lon
        self.n_samples += np.bincount(cell, minlength=size).reshape(n_lat, n_lon)
        self.n_uncovered += np.bincount(cell[np.asarray(uncovered, dtype=bool)],
                                        minlength=size).reshape(n_lat, n_lon)

    @property
    def lat_edges_deg(self) -> np.ndarray:
        return -90.0 + self.step_deg * np.arange(self.n_samples.shape[0] + 1)

    @property
    def lon_edges_deg(self) -> np.ndarray:
        return -180.0 + self.step_deg * np.arange(self.n_samples.shape[1] + 1)

    def uncovered_fraction(self) -> np.ndarray:
        """(n_lat, n_lon) fraction of samples out of custody; NaN where no flight passed."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n_samples > 0, self.n_uncovered / self.n_samples, np.nan)


@dataclasses.dataclass(frozen=True)
class EnsembleFlight:
    """One flight of an ensemble (before flying)."""

    name: str
    launch_lat_deg: float
    launch_lon_deg: float
    aim: str
    aim_lat_deg: float
    aim_lon_deg: float
    launch_offset_s: float
    vehicle: str
    manoeuvre: str


def _aims(spec) -> list[tuple[str, float, float]]:
    out = []
    for a in spec.aim:
        if isinstance(a, list):
            out.append((f"{a[0]:g},{a[1]:g}", float(a[0]), float(a[1])))
        else:
            out.append((a.name, float(a.lat_deg), float(a.lon_deg)))
    return out


def ensemble_flights(spec, start_utc, duration_s: float, default_vehicle: str = "cav-h"
                     ) -> list[EnsembleFlight]:
    """Expand a :class:`~hgvcov.scenario.schema.ThreatEnsembleSpec` into its flights.

    Parameters
    ----------
    spec : ThreatEnsembleSpec
    start_utc : datetime
        ``time.start`` (tz-aware UTC).
    duration_s : float
        Window length (s): random launch times lie in ``[0, duration_s)``, whole seconds.
    default_vehicle : str
        Vehicle when ``spec.vehicle`` is not given (``Threat``'s default).

    Returns
    -------
    list of EnsembleFlight
        Same seed -> same list.  Names ``"<ensemble>#<k>"`` (k from 1).
    """
    rng = np.random.default_rng(int(spec.seed))
    aims = _aims(spec)
    if isinstance(spec.launch_times, int):
        times = np.floor(rng.uniform(0.0, float(duration_s), int(spec.launch_times)))
    else:
        times = np.array([(t - start_utc).total_seconds() for t in spec.launch_times])
    vehicle = spec.vehicle or default_vehicle
    rows = []
    if spec.factorial:
        sites = [(float(a), float(b)) for a, b in spec.launch]
        for (la, lo), (an, ala, alo), t in itertools.product(sites, aims, times):
            rows.append((la, lo, an, ala, alo, float(t)))
    else:
        n = int(spec.samples)
        if spec.launch is not None:
            idx = rng.integers(0, len(spec.launch), n)
            sites = [(float(spec.launch[i][0]), float(spec.launch[i][1])) for i in idx]
        else:
            box = spec.launch_box
            # uniform over the box's area on the sphere: sin(lat) uniform
            s0, s1 = (math.sin(math.radians(v)) for v in box["lat_deg"])
            lat = np.degrees(np.arcsin(rng.uniform(s0, s1, n)))
            lon = rng.uniform(box["lon_deg"][0], box["lon_deg"][1], n)
            sites = [(float(round(a, 4)), float(round(b, 4))) for a, b in zip(lat, lon)]
        ai = rng.integers(0, len(aims), n)
        ti = rng.integers(0, len(times), n)
        for (la, lo), a, t in zip(sites, ai, ti):
            rows.append((la, lo, *aims[a], float(times[t])))
    return [EnsembleFlight(f"{spec.name}#{k + 1}", la, lo, an, ala, alo, t, vehicle,
                           spec.manoeuvre)
            for k, (la, lo, an, ala, alo, t) in enumerate(rows)]


def flight_bank(spec, f: EnsembleFlight):
    """The glide-phase bank programme of flight ``f`` (``fly_threat``'s ``bank_deg``).

    Returns
    -------
    float or GuidanceProgram
        0.0 (no manoeuvre) or :func:`hgv_models.guidance.weave` with the ensemble's
        amplitude and period.
    """
    if f.manoeuvre == "weave":
        return weave(spec.weave_amplitude_deg, spec.weave_period_s)
    return 0.0


def flight_bank_key(spec, f: EnsembleFlight) -> tuple:
    """Hashable, sortable key of :func:`flight_bank`: flights with equal keys (and the same
    launch, aim and vehicle) fly the same Earth-fixed trajectory."""
    if f.manoeuvre == "weave":
        return ("weave", float(spec.weave_amplitude_deg), float(spec.weave_period_s))
    return ("none",)


def _fly_pairs(spec, flights: list[EnsembleFlight], sample_step_s: float) -> list:
    """Fly the distinct pairs of ``flights`` (one representative flight each) in batch.

    Each pair is built as the :class:`~hgv_models.threats.Threat` the single path builds
    and flown by :func:`hgv_models.flight.fly_threats` (the batch that ``fly_threat`` runs
    as a batch of one: same trajectory bit for bit).

    Returns, per flight, its :class:`~hgv_models.trajectory.Trajectory` or the reason (str)
    it cannot be flown, without the threat's name (the reason is the pair's).
    """
    out: list = [None] * len(flights)
    idx, threats, banks = [], [], []
    for k, f in enumerate(flights):
        try:
            if isinstance(f.vehicle, str):
                th = Threat(name=f.name, launch_lat_deg=f.launch_lat_deg,
                            launch_lon_deg=f.launch_lon_deg, aim_lat_deg=f.aim_lat_deg,
                            aim_lon_deg=f.aim_lon_deg, vehicle=f.vehicle)
            else:  # a Vehicle object (Threat takes names only); fly_threats takes it as is
                th = f
        except ThreatError as exc:
            out[k] = str(exc).replace(f"threat {f.name!r}: ", "")
            continue
        idx.append(k)
        threats.append(th)
        banks.append(flight_bank(spec, f))
    flown = fly_threats(threats, sample_step_s=sample_step_s, bank_deg=banks)
    for k, res in zip(idx, flown):
        if isinstance(res, (ThreatError, ThreatUnreachableError)):
            # the reason is the pair's, not the first flight's: drop the threat's name
            out[k] = str(res).replace(f"threat {flights[k].name!r}: ", "")
        elif isinstance(res, Exception):
            raise res
        else:
            out[k] = res
    return out


def run_ensemble(spec, flights: list[EnsembleFlight], sats, sensors, start_utc, *,
                 propagator: str, radar_sites, sample_step_s: float,
                 progress: Optional[Callable[[int], Any]] = None,
                 chunk_flights: int = TRACK_CHUNK_FLIGHTS,
                 corridor: Optional[CorridorGrid] = None,
                 chunk_samples: int = TRACK_CHUNK_SAMPLES,
                 pair_block: int = FLY_BLOCK_PAIRS) -> pd.DataFrame:
    """Fly and track every flight; one row per flight (:data:`ENSEMBLE_COLUMNS`).

    Parameters
    ----------
    spec : ThreatEnsembleSpec
        For the manoeuvre parameters.
    flights : list of EnsembleFlight
        From :func:`ensemble_flights`.
    sats, sensors, start_utc, propagator, radar_sites
        As :func:`constellation.track_coverage`.
    sample_step_s : float
        Trajectory sampling step (s) (``output.track_step_s``).
    progress : callable, optional
        Called with the number of flights done.
    chunk_flights : int
        At most this many flights per ``track_coverage`` call.
    corridor : CorridorGrid, optional
        Accumulates where the flights are out of custody.
    chunk_samples : int
        ... and at most about this many track samples (memory bound, see
        :data:`TRACK_CHUNK_SAMPLES`; at least one flight per call).
    pair_block : int
        Distinct (launch, aim, vehicle, bank) pairs flown per batch; their trajectories
        are held until their flights are tracked.
    """
    rows: list[dict] = [{} for _ in flights]
    pending: list[tuple[int, EnsembleFlight, Any]] = []
    n_pending = 0
    done = 0

    def flush():
        nonlocal n_pending, done
        if not pending:
            return
        tr = track_coverage(sats, [(f.name, traj, f.launch_offset_s) for _, f, traj in pending],
                            sensors, start_utc, propagator=propagator, radar_sites=radar_sites,
                            tidy_tracks=False)
        if corridor is not None:
            corridor.add(tr.tracks["lat_deg"].to_numpy(), tr.tracks["lon_deg"].to_numpy(),
                         tr.tracks["n_detect"].to_numpy() == 0)
        for k, f, _ in pending:
            pt = tr.per_threat[f.name]
            rows[k].update({key: pt[key] for key in _TRACK_KEYS})
        done += len(pending)
        pending.clear()
        n_pending = 0
        if progress is not None:
            progress(done)

    # Flights sharing a (launch, aim, vehicle, bank) pair are visited together so that each
    # pair is flown once; pairs are flown a block at a time (batch shooting) and only the
    # block's trajectories (plus those of the pending tracking chunk) are held.
    def pair(f):
        return (f.launch_lat_deg, f.launch_lon_deg, f.aim_lat_deg, f.aim_lon_deg,
                _vehicle_key(f.vehicle), flight_bank_key(spec, f))

    order = sorted(range(len(flights)), key=lambda k: pair(flights[k]))
    groups: list[list[int]] = []
    last_key = None
    for k in order:
        key = pair(flights[k])
        if key != last_key:
            groups.append([])
            last_key = key
        groups[-1].append(k)
    step = max(1, int(pair_block))
    for g0 in range(0, len(groups), step):
        block = groups[g0:g0 + step]
        trajs = _fly_pairs(spec, [flights[g[0]] for g in block], sample_step_s)
        for g, traj in zip(block, trajs):
            for k in g:
                f = flights[k]
                launch = start_utc + timedelta(seconds=f.launch_offset_s)
                rows[k].update({
                    "ensemble": spec.name, "flight": f.name, "status": "ok", "reason": "",
                    "launch_lat_deg": f.launch_lat_deg, "launch_lon_deg": f.launch_lon_deg,
                    "aim": f.aim, "aim_lat_deg": f.aim_lat_deg, "aim_lon_deg": f.aim_lon_deg,
                    "launch_utc": launch.isoformat(timespec="milliseconds").replace(
                        "+00:00", "Z"),
                    "launch_offset_s": f.launch_offset_s, "vehicle": _vehicle_label(f.vehicle),
                    "manoeuvre": f.manoeuvre})
                if isinstance(traj, str):
                    rows[k].update(status="unreachable", reason=traj)
                    done += 1
                    if progress is not None:
                        progress(done)
                    continue
                pending.append((k, f, traj))
                n_pending += len(traj)
                if len(pending) >= chunk_flights or n_pending >= chunk_samples:
                    flush()
        del trajs
    flush()
    df = pd.DataFrame(rows)
    for c in ENSEMBLE_COLUMNS:
        if c not in df:
            df[c] = None
    return df[list(ENSEMBLE_COLUMNS)]


def _vehicle_key(vehicle):
    """Sortable grouping key of a flight's vehicle: its name, or the Vehicle object's id."""
    return (0, vehicle, 0) if isinstance(vehicle, str) else (1, "", id(vehicle))


def _vehicle_label(vehicle) -> str:
    return vehicle if isinstance(vehicle, str) else str(getattr(vehicle, "name", vehicle))


def _percentiles(values) -> dict:
    v = np.asarray([x for x in values if x is not None and not pd.isna(x)], dtype=float)
    if v.size == 0:
        return {f"p{p}": None for p in PERCENTILES}
    return {f"p{p}": float(np.percentile(v, p)) for p in PERCENTILES}


def _block(df: pd.DataFrame) -> dict:
    ok = df[df["status"] == "ok"]
    out = {"n_flights": int(len(df)), "n_unreachable": int((df["status"] != "ok").sum())}
    # a flight never seen has no warning: it counts as 0 s in the percentiles
    for col in ("warning_time_s", "detection_warning_time_s", "radar_warning_time_s"):
        vals = ok[col].astype(float).fillna(0.0) if len(ok) else []
        out[col] = _percentiles(vals)
        out[f"n_without_{col.removesuffix('_s')}"] = int(ok[col].isna().sum())
    out["custody_fraction"] = _percentiles(ok["custody_fraction"].astype(float)
                                           if len(ok) else [])
    return out


def ensemble_summary(df: pd.DataFrame) -> dict:
    """``summary.json["ensembles"]``: per ensemble and per aim point, p10/p50/p90 of the
    warning times (ours from first stereo, from first detection, ground radar alone) and of
    the custody fraction over the flights flown (a warning never given counts as 0 s; the
    ``n_without_*`` counts say how many)."""
    out = {}
    for name, g in df.groupby("ensemble", sort=False):
        blk = _block(g)
        blk["by_aim"] = {aim: _block(ga) for aim, ga in g.groupby("aim", sort=False)}
        out[str(name)] = blk
    return out
