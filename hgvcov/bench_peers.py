"""Peer comparison of the coverage benchmark: TAT-C and ours on the same job, same output.

TAT-C (``tatc``, :func:`tatc.analysis.collect_observations`) computes access *intervals*
(start and end refined to a millisecond) of points by satellites; ours computes sampled
coverage metrics. To compare the same output on the same job, both get

- the same satellites: TAT-C's ``WalkerConstellation`` members, whose SGP4 records
  (``GeneralPerturbationsElements.to_satrec``) are handed to our engine unchanged;
- the same points (a lattice over the reference region, at height 0 on WGS84) and the same
  window;
- the same detection rule: a cone of half-angle ``eta`` about geocentric nadir (TAT-C
  ``field_of_regard = 2 eta``, ``nadir_reference = "geocentric"``; ours
  ``Sensor(field_of_regard_deg=2 eta, min_elevation_deg=0)``; at ``eta`` the elevation is
  about 10 deg, so the 0 deg mask never binds), ``eta = asin(sin(rho) cos(10 deg))``,
  ``sin rho = R_E / (R_E + h)`` (Wertz, *Space Mission Analysis and Design*, 3rd ed., eq. 5-26:
  the nadir angle at which a satellite at altitude ``h`` sees the ground at 10 deg elevation);

and TAT-C's intervals are evaluated at our sample instants (:func:`counts_at_samples`): the
number of satellites whose interval ``[start, end]`` contains ``t_k`` is TAT-C's detection count
at sample ``k``, from which :func:`sampled_metrics` forms ``fraction_1``, ``fraction_2``,
``mean_count`` and ``max_gap_s`` with the engine's definitions. What is left between the two is
the geometry itself: TAT-C's interval edges come from skyfield's ITRS (its own Earth rotation and
precession-nutation) and ours from our TEME->ITRS transform, so a sample within a few
milliseconds of an edge can fall on different sides.

Nothing is extrapolated: both run the whole job, timed in this process (TAT-C after a small
warm-up call, ours after a call that compiles or loads its kernels; ours best of 3 at 1 thread
and at all numba threads; TAT-C once: it is pure Python/NumPy in one thread).
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import numba
import numpy as np

from constellation.coverage import point_coverage
from constellation.sensors import Sensor
from orbits.satellites import SatelliteSet
from orbits.timegrid import time_grid

__all__ = ["numba_threads", "nadir_half_angle_deg", "counts_at_samples", "sampled_metrics", "peer_jobs",
           "run_tatc_comparison", "tatc_table"]

START = datetime(2026, 11, 21, tzinfo=timezone.utc)
STEP_S = 30.0
R_EARTH_KM = 6378.137


def nadir_half_angle_deg(altitude_km, min_elevation_deg):
    """Nadir angle (deg) at which a satellite at ``altitude_km`` sees the ground at ``min_elevation_deg``.

    ``sin(eta) = sin(rho) cos(eps)``, ``sin(rho) = R_E / (R_E + h)`` on a sphere of radius
    ``R_E = 6378.137 km`` (Wertz, SMAD 3rd ed., eq. 5-26).
    """
    rho = math.asin(R_EARTH_KM / (R_EARTH_KM + altitude_km))
    return math.degrees(math.asin(math.sin(rho) * math.cos(math.radians(min_elevation_deg))))


def counts_at_samples(starts_s, ends_s, t_s):
    """Number of intervals ``[start, end]`` (closed) containing each instant.

    Parameters
    ----------
    starts_s, ends_s : (n_interval,) float64
        Interval edges (s), ``start <= end``.
    t_s : (n_time,) float64
        Instants (s).

    Returns
    -------
    (n_time,) int64
        ``#{i : start_i <= t} - #{i : end_i < t}``, which counts the intervals with
        ``start_i <= t <= end_i`` because every interval that ended before ``t`` also started
        before it.
    """
    s = np.sort(np.asarray(starts_s, dtype=np.float64))
    e = np.sort(np.asarray(ends_s, dtype=np.float64))
    t = np.asarray(t_s, dtype=np.float64)
    return (np.searchsorted(s, t, side="right") - np.searchsorted(e, t, side="left")).astype(np.int64)


def sampled_metrics(counts, step_s):
    """``fraction_1``, ``fraction_2``, ``mean_count`` and ``max_gap_s`` of one point's sample counts.

    The engine's definitions (:mod:`constellation.coverage`): fractions of the samples with >= 1
    / >= 2 detections, the mean count, and the longest run of samples without detection times
    ``step_s`` (runs at the window's ends included).

    Parameters
    ----------
    counts : (n_time,) int
        Detecting satellites at each sample.
    step_s : float
        Sample spacing (s).

    Returns
    -------
    dict of float
    """
    c = np.asarray(counts)
    seen = c > 0
    longest = run = 0
    for v in seen:
        run = 0 if v else run + 1
        longest = max(longest, run)
    return {"fraction_1": float(seen.mean()), "fraction_2": float((c >= 2).mean()),
            "mean_count": float(c.mean()), "max_gap_s": float(longest * step_s)}


def _lattice(n_side):
    """``n_side`` x ``n_side`` points over the reference region, 2.5-47.5 N, 102.5-157.5 E, height 0."""
    lats = np.linspace(2.5, 47.5, n_side)
    lons = np.linspace(102.5, 157.5, n_side)
    return [(float(a), float(b)) for a in lats for b in lons]


def peer_jobs(quick):
    """The jobs both tools run: the reference constellation, and a sparse one with gaps.

    Returns
    -------
    list of dict
        ``label``, ``n_sat``, ``n_planes``, ``hours``, ``n_side`` (points = ``n_side^2``),
        ``altitude_km``, ``inclination_deg``, ``min_elevation_deg``.
    """
    ref_hours = 6.0 if quick else 24.0
    return [
        dict(label="Walker 300/10/1", n_sat=300, n_planes=10, hours=ref_hours, n_side=10, altitude_km=1000.0,
             inclination_deg=80.0, min_elevation_deg=10.0),
        dict(label="Walker 30/3/1", n_sat=30, n_planes=3, hours=24.0, n_side=10, altitude_km=1000.0,
             inclination_deg=80.0, min_elevation_deg=10.0),
    ]


def _tatc_members(job, eta_deg):
    from tatc.schemas import CircularOrbit, Instrument, WalkerConstellation

    wc = WalkerConstellation(
        name="w", instruments=[Instrument(name="ir", field_of_regard=2.0 * eta_deg, nadir_reference="geocentric")],
        orbit=CircularOrbit(mean_altitude=job["altitude_km"] * 1e3, inclination=job["inclination_deg"], epoch=START),
        number_satellites=job["n_sat"], number_planes=job["n_planes"], relative_spacing=1)
    return wc.generate_members()


def _time_tatc(members, latlon, hours):
    """Run ``collect_observations`` once (after a 1-point, 1-satellite, 10-minute warm-up).

    Returns (wall s, CPU s, data frame)."""
    from tatc.analysis import collect_observations
    from tatc.schemas import Point

    pts = [Point(id=i, latitude=a, longitude=b) for i, (a, b) in enumerate(latlon)]
    collect_observations(pts[:1], members[:1], START, START + timedelta(minutes=10))
    c0 = time.process_time()
    t0 = time.perf_counter()
    df = collect_observations(pts, members, START, START + timedelta(hours=hours))
    return time.perf_counter() - t0, time.process_time() - c0, df


def _tatc_counts(df, latlon, t_s):
    """TAT-C's detection count at each of our sample instants, (n_point, n_time)."""
    import pandas as pd

    t0 = pd.Timestamp(START)
    s = (df["start"] - t0).dt.total_seconds().to_numpy()
    e = (df["end"] - t0).dt.total_seconds().to_numpy()
    x = df.geometry.x.to_numpy()
    y = df.geometry.y.to_numpy()
    out = np.zeros((len(latlon), t_s.size), dtype=np.int64)
    for p, (a, b) in enumerate(latlon):
        m = (np.abs(x - b) < 1e-9) & (np.abs(y - a) < 1e-9)
        out[p] = counts_at_samples(s[m], e[m], t_s)
    return out


@contextmanager
def numba_threads(n):
    """Run numba's parallel kernels on ``n`` threads inside the block, then restore the count.

    ``numba.set_num_threads`` limits the threads of every ``prange`` loop started from this
    thread; ``n`` must be between 1 and ``numba.config.NUMBA_NUM_THREADS``.
    """
    prev = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield n
    finally:
        numba.set_num_threads(prev)


def _time_ours(sats, tg, points, sensor, threads, repeats=3):
    """Best wall time (propagation + coverage + dataset, the whole ``point_coverage`` call) of ``repeats``."""
    best = (math.inf, None)
    with numba_threads(threads):
        for _ in range(repeats):
            t0 = time.perf_counter()
            r = point_coverage(sats, tg, points, sensor)
            dt = time.perf_counter() - t0
            if dt < best[0]:
                best = (dt, r)
    return best


def run_tatc_comparison(quick, out=print):
    """Run every peer job with TAT-C and ours; print one line per job and return the figures.

    Returns
    -------
    list of dict or None
        Per job: the job, ``n_point``, ``n_time``, ``tatc_s``, ``tatc_cpu_s``,
        ``n_intervals``, ``ours_s`` ({threads: s}), ``max_abs_diff`` ({metric: value}),
        ``differing_samples`` (sum over points of ``|Δ fraction_1| n_time``: samples covered
        by one tool and not the other, net per point), ``differing_detections`` (the same
        with ``mean_count``: (sample, satellite) detections, net per point), ``detections``
        (ours' total) and ``fraction_1_mean``. None when TAT-C cannot run.
    """
    import importlib.util

    if importlib.util.find_spec("tatc") is None:  # pragma: no cover - optional
        out("TAT-C: not installed (pip install tatc); skipped")
        return None
    all_threads = numba.get_num_threads()
    rows = []
    for job in peer_jobs(quick):
        eta = nadir_half_angle_deg(job["altitude_km"], job["min_elevation_deg"])
        latlon = _lattice(job["n_side"])
        try:
            members = _tatc_members(job, eta)
            tatc_s, tatc_cpu, df = _time_tatc(members, latlon, job["hours"])
        except Exception as exc:  # offline failure (downloads) or API change
            out(f"TAT-C: failed to run offline ({type(exc).__name__}: {str(exc)[:200]}); skipped")
            return None
        sats = SatelliteSet([m.name for m in members],
                            [m.orbit.to_gp_orbit().elements[0].to_satrec() for m in members], source="tatc")
        tg = time_grid(START.strftime("%Y-%m-%dT%H:%M:%SZ"), STEP_S, duration_s=job["hours"] * 3600.0)
        points = [(f"p{i}", a, b, 0.0) for i, (a, b) in enumerate(latlon)]
        sensor = Sensor(min_elevation_deg=0.0, field_of_regard_deg=2.0 * eta)
        point_coverage(sats, time_grid(START.strftime("%Y-%m-%dT%H:%M:%SZ"), STEP_S, count=2), points[:1], sensor)
        ours_s = {}
        res = None
        for n in sorted({1, all_threads}):
            ours_s[n], res = _time_ours(sats, tg, points, sensor, n)
        ds = res.dataset
        counts = _tatc_counts(df, latlon, np.asarray(tg.seconds, dtype=np.float64))
        theirs = [sampled_metrics(c, STEP_S) for c in counts]
        diff = {}
        for name in ("fraction_1", "fraction_2", "mean_count", "max_gap_s"):
            t = np.array([m[name] for m in theirs])
            diff[name] = float(np.max(np.abs(ds[name].values - t)))
        d1 = np.abs(ds["fraction_1"].values - np.array([m["fraction_1"] for m in theirs]))
        dc = np.abs(ds["mean_count"].values - np.array([m["mean_count"] for m in theirs]))
        row = dict(job=job, eta_deg=eta, n_point=len(points), n_time=tg.count, tatc_s=tatc_s, tatc_cpu_s=tatc_cpu,
                   n_intervals=int(len(df)), ours_s=ours_s, max_abs_diff=diff,
                   differing_samples=int(round(float(d1.sum()) * tg.count)),
                   differing_detections=int(round(float(dc.sum()) * tg.count)),
                   detections=int(round(float(ds["mean_count"].values.sum()) * tg.count)),
                   fraction_1_mean=float(ds["fraction_1"].values.mean()))
        out(f"TAT-C vs ours, {job['label']} ({job['altitude_km']:.0f} km, {job['inclination_deg']:.0f} deg), "
            f"{len(points)} points x {tg.count} steps of {STEP_S:.0f} s ({job['hours']:g} h), nadir cone "
            f"{eta:.3f} deg: TAT-C {tatc_s:.2f} s wall / {tatc_cpu:.2f} s CPU ({len(df):,} intervals); ours "
            + ", ".join(f"{s:.3f} s at {n} thread{'s' if n > 1 else ''}" for n, s in ours_s.items())
            + f"; detections (point, sample, satellite): ours {row['detections']:,}, sum over points of "
            f"|ours - TAT-C| {row['differing_detections']:,}; max |d fraction_1| {diff['fraction_1']:.2e}")
        rows.append(row)
    return rows


def tatc_table(rows, all_threads):
    """GitHub-markdown table of the peer comparison (same job, same output, nothing extrapolated).

    Parameters
    ----------
    rows : list of dict
        :func:`run_tatc_comparison`'s result.
    all_threads : int
        numba's thread count for the all-threads columns.

    Returns
    -------
    list of str
        Table lines.
    """
    n = all_threads
    lines = [f"| job (same satellites, points, window, 30 s samples, nadir cone) | TAT-C s (1 thread) "
             f"| ours s, 1 thread | ours s, {n} threads | TAT-C / ours, 1 thread | TAT-C / ours, {n} threads "
             f"| max abs Δ fraction_1 | max abs Δ mean_count | max abs Δ max_gap_s | fraction_1 mean |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        j = r["job"]
        o1 = r["ours_s"][1]
        on = r["ours_s"][n]
        d = r["max_abs_diff"]
        lines.append(f"| {j['label']} at {j['altitude_km']:,.0f} km / {j['inclination_deg']:.0f}°, "
                     f"{r['n_point']} points × {r['n_time']:,} steps ({j['hours']:g} h) | {r['tatc_s']:.2f} "
                     f"| {o1:.3f} | {on:.3f} | {r['tatc_s'] / o1:,.0f}x | {r['tatc_s'] / on:,.0f}x "
                     f"| {d['fraction_1']:.4f} | {d['mean_count']:.4f} | {d['max_gap_s']:.0f} "
                     f"| {r['fraction_1_mean']:.4f} |")
    return lines
