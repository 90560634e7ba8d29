"""Fly a threat: boost, glide and terminal dive from a launch point to an aim point.

:func:`fly_threat` finds, by a shooting method, the release (burnout) speed and the
launch azimuth such that the flight ends on the aim point, whatever Earth rotation does:

1. Geometry: great-circle distance D and initial bearing from launch to aim; an
   *overshoot point* O lies ``overshoot_km`` beyond the aim on that great circle.
2. Shooting (2-D Newton with finite-difference Jacobian, damped): unknowns release speed
   V_r and launch azimuth; residuals are the along-track and cross-track offsets of the
   impact of the *unguided* glide (no terminal dive) from O, measured in the launch->O
   great-circle frame.  Release altitude is (by default) the equilibrium glide altitude
   at V_r with zero flight-path angle (:func:`hgv_models.dynamics.equilibrium_glide_altitude_km`).
   Starting guess: the azimuth of the great circle and V_r from the closed-form
   equilibrium-glide range ``R = (L/D)(r/2) ln(1 / (1 - V^2/V_c^2))`` inverted for the
   distance remaining after boost.
3. The converged release state is flown again with the terminal dive enabled
   (:class:`hgv_models.guidance.TerminalDive`): within ``dive_start_range_km`` of the aim
   (or earlier, when a circular dive onto the aim would need ``dive_start_accel_g``) the
   vehicle spends its surplus energy (the overshoot) in a proportional-navigation dive
   onto the aim point.  Arrival speeds are then Mach ~1.5-3.5 after the dive through the
   dense lower atmosphere (point-mass model, no thrust).
4. The miss distance must be below ``max_miss_km`` (default 25 km) or
   :class:`ThreatUnreachableError` (a ``ValueError``) is raised; it is also raised when
   the required release speed is outside the boost model's range (too short or too long
   a flight for the vehicle).

Batch: :func:`fly_threats` flies many threats together, their shooting iterations in
lockstep (each round one call of the numba batch glide integrator,
:func:`hgv_models._dynamics_kernels.integrate_batch`, parallel over glides), then their
final flights likewise.  :func:`fly_threat` is :func:`fly_threats` on a batch of one: a
threat's trajectory is bit-identical whichever batch it is flown in.  The trial glides of
the shooting use RK4 steps of ``shooting_step_s`` (4 s), the final flight ``step_s``
(0.5 s) in the terminal dive and its approach, ``glide_step_s`` (4 s) on the glide before
(constant bank); the release states of each round's trials come from one parallel kernel call
(:func:`hgv_models._shooting_kernels.release_batch`: equilibrium altitude and the boost
model's burnout, as :func:`hgv_models.boost.boost_release`).

The returned trajectory starts at launch (``time_s`` 0) with the boost samples, then the
glide (and terminal) samples at ``sample_step_s``, ending with the exact impact sample.
All samples but the burnout and the impact lie on whole multiples of ``sample_step_s``
since launch (the glide's dense output is phased to the launch grid), so flights launched
on whole seconds share their sample instants (one satellite propagation for all).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from hgv_models import _dynamics_kernels as K
from hgv_models import _shooting_kernels as SK
from hgv_models.boost import BoostError, boost, destination
from hgv_models.dynamics import (GlideError, initial_state, records_to_trajectory,
                                 run_parameters)
from hgv_models.guidance import TerminalDive, as_program
from hgv_models.trajectory import Trajectory
from hgv_models.vehicles import vehicle_by_name

MAX_MISS_KM = 25.0
#: RK4 step (s) of the final flight's glide phase away from the dive start (the terminal
#: dive and its approach fly ``step_s``, 0.5 s): see ``glide_step_s`` of :func:`fly_threat`.
GLIDE_STEP_S = 4.0


class ThreatUnreachableError(ValueError):
    """The aim point cannot be reached (message names the threat and the reason)."""


def _gc_distance_km(lat1, lon1, lat2, lon2):
    return float(K.great_circle_km(math.radians(lat1), math.radians(lon1), math.radians(lat2),
                                   math.radians(lon2), K.R_EARTH_KM))


def _bearing_deg(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def along_cross_km(lat0, lon0, az0_deg, lat, lon):
    """Along-track and signed cross-track distance (km, right positive) of a point
    relative to the great circle leaving (lat0, lon0) at azimuth az0 (spherical)."""
    d = _gc_distance_km(lat0, lon0, lat, lon) / K.R_EARTH_KM
    b = math.radians(_bearing_deg(lat0, lon0, lat, lon) - az0_deg)
    xt = math.asin(max(-1.0, min(1.0, math.sin(d) * math.sin(b))))
    at = math.atan2(math.sin(d) * math.cos(b), math.cos(d))
    return at * K.R_EARTH_KM, xt * K.R_EARTH_KM


def _closed_form_speed(lift_to_drag, range_km, altitude_km=40.0):
    r = K.R_EARTH_KM + altitude_km
    vc = math.sqrt(K.MU_EARTH_KM3_S2 / r)
    x = 1.0 - math.exp(-2.0 * range_km / (lift_to_drag * r))
    return vc * math.sqrt(max(x, 0.0))


def fly_threat(threat, rotating_earth=True, sample_step_s=2.0, *, bank_deg=0.0,
               overshoot_km=None, dive_start_range_km=None, dive_start_accel_g=2.0,
               nav_gain=3.0,
               mean_acceleration_g=3.5, max_miss_km=MAX_MISS_KM, step_s=0.5,
               min_release_speed_km_s=2.0, max_release_speed_km_s=7.4, release_altitude_km=None,
               shooting_step_s=4.0, glide_step_s=GLIDE_STEP_S):
    """Boost -> glide -> terminal dive from ``threat``'s launch point to its aim point.

    Parameters
    ----------
    threat : object
        Anything with ``name``, ``launch_lat_deg``, ``launch_lon_deg``, ``aim_lat_deg``,
        ``aim_lon_deg`` and ``vehicle`` (name or :class:`~hgv_models.vehicles.Vehicle`)
        attributes, e.g. :class:`hgv_models.threats.Threat`.
    rotating_earth : bool
        Fly over the rotating Earth (Coriolis, centrifugal); the shooting compensates.
    sample_step_s : float
        Sampling interval of the returned trajectory (s).
    bank_deg : float or GuidanceProgram
        Glide-phase bank programme (weaving, jinks...) included in the shooting.
    overshoot_km : float, optional
        Energy margin: the unguided glide is aimed this far beyond the aim point
        (default ``max(250, 0.12 D)`` km for a launch-aim distance D).
    dive_start_range_km : float, optional
        Ground range to the aim where the terminal dive starts at the latest (default
        ``min(150, max(60, 0.05 D))`` km).
    dive_start_accel_g : float
        The dive starts earlier when a circular dive onto the aim would need this normal
        acceleration (:class:`hgv_models.guidance.TerminalDive`).
    nav_gain : float
        Proportional-navigation constant of the dive.
    mean_acceleration_g : float
        Boost mean axial acceleration (:func:`hgv_models.boost.boost`).
    max_miss_km : float
        Largest accepted miss distance (km).
    step_s : float
        RK4 step bound (s).
    min_release_speed_km_s, max_release_speed_km_s : float
        Release speeds the boost can deliver.
    release_altitude_km : float, optional
        Burnout altitude (km).  Default: the equilibrium glide altitude at the release
        speed (smooth entry into the glide).  A higher release (e.g. 80-100 km) gives the
        natural skip/phugoid entry; it must be at least the equilibrium altitude.
    shooting_step_s : float
        RK4 step of the shooting's trial (unguided) glides (s).  4 s moves their impact
        points by metres against the 2 km convergence test: the library threats' flights
        (with and without weaving) stay within 1.2 m of shooting at 0.5 s (0.4 m at 2 s,
        56 m at 8 s), at an eighth of the cost.
    glide_step_s : float or None
        RK4 step (s) of the final flight's glide phase on constant-bank programme segments
        where the terminal dive cannot start within the step (a bound on its start tests,
        :func:`hgv_models._dynamics_kernels.glide_step_safe`); the approach to the dive
        start, the dive and weaving segments fly ``step_s``, so the dive starts on the same
        ``step_s`` boundary as with ``step_s`` throughout (``None``).  At 4 s (default) every
        sample of the library flights stays within 0.09 m of ``None`` (1.4 m at 8 s; RK4's
        error grows as h^4), at a third of the final flight's cost.

    Returns
    -------
    Trajectory
        ``time_s`` since launch; phases boost (0), glide (1), terminal (2).

    Raises
    ------
    ThreatUnreachableError
        If no release speed in range reaches the aim, or the final miss exceeds
        ``max_miss_km``.
    """
    (res,) = fly_threats([threat], rotating_earth, sample_step_s, bank_deg=[bank_deg],
                         overshoot_km=overshoot_km, dive_start_range_km=dive_start_range_km,
                         dive_start_accel_g=dive_start_accel_g, nav_gain=nav_gain,
                         mean_acceleration_g=mean_acceleration_g, max_miss_km=max_miss_km,
                         step_s=step_s, min_release_speed_km_s=min_release_speed_km_s,
                         max_release_speed_km_s=max_release_speed_km_s,
                         release_altitude_km=release_altitude_km,
                         shooting_step_s=shooting_step_s, glide_step_s=glide_step_s)
    if isinstance(res, Exception):
        raise res
    return res


#: Shooting glides per call of the batch integrator (4 output rows each: small).
SHOOT_BATCH = 8192
#: Final flights per call of the batch integrator (records at ``sample_step_s`` over
#: 20,000 s: ~0.9 MB per flight at 2 s, so ~60 MB per call).
FINAL_BATCH = 64
#: Longest glide flown (s).
MAX_GLIDE_S = 20000.0
#: Batches smaller than this (glides or release speeds) run their parallel kernel on the
#: calling thread alone (``numba.set_num_threads(1)`` around the call: the same compiled
#: kernel, so the same numbers).  A parallel region needs every thread of numba's pool to
#: get a core before it ends; on a busy machine that wait (~0.3 ms a region measured, on 2
#: cores shared with 2-3 other jobs) exceeded the work of a few glides, and ``fly_threat``
#: (a batch of one: ~30 regions) was 10x slower at 2 threads than at 1.
PARALLEL_MIN_BATCH = 16


class _Threads:
    """Run numba's parallel kernels on one thread while ``n < PARALLEL_MIN_BATCH``."""

    def __init__(self, n):
        self.n = n
        self.prev = None

    def __enter__(self):
        if self.n < PARALLEL_MIN_BATCH:
            self.prev = numba.get_num_threads()
            if self.prev > 1:
                numba.set_num_threads(1)
            else:
                self.prev = None
        return self

    def __exit__(self, *exc):
        if self.prev is not None:
            numba.set_num_threads(self.prev)


class _Pair:
    """Shooting state of one threat of :func:`fly_threats`."""

    __slots__ = ("name", "veh", "la0", "lo0", "la1", "lo1", "dist", "az_aim", "over",
                 "dive_rng", "program", "parr", "total", "v", "az", "res", "error", "done")

    def fail(self, msg):
        self.error = ThreatUnreachableError(f"threat {self.name!r}: {msg}")
        self.done = True


def _glide_state(rel, v_r):
    """Kernel start state of the glide from a boost release (checks as ``dynamics.glide``)."""
    lat, alt = rel["lat_deg"], rel["altitude_km"]
    if not (math.isfinite(lat) and abs(lat) <= 89.9):
        raise GlideError(f"lat_deg={lat!r}: the spherical equations are singular at the poles; "
                         "use |lat_deg| <= 89.9")
    if not (math.isfinite(alt) and 0.0 <= alt <= 200.0):
        raise GlideError(f"altitude_km={alt!r}: must be a finite number in [0, 200]")
    return initial_state(lat, rel["lon_deg"], alt, v_r, rel["heading_deg"], 0.0)


def _integrate(veh, starts, params, programs, step_s, output_step_s, with_forces):
    """Glides of one vehicle in one numba batch call (``prange`` over glides).

    ``starts`` (n, 6) kernel states, ``params`` list of (N_PARAMS,), ``programs`` list of
    kernel program arrays.  Each glide is :func:`hgv_models._dynamics_kernels.integrate`
    on its own inputs, so its records do not depend on the others in the batch.
    """
    n = len(starts)
    n_seg = max(len(a) for a in programs)
    table = np.zeros((n, n_seg, K.PROGRAM_COLUMNS))
    table[:, :, 6] = np.nan
    for i, a in enumerate(programs):
        table[i, : len(a)] = a
    _p, mach_g, alpha_g, cl, cd, aux = veh.kernel_arrays()
    n_max = int(MAX_GLIDE_S / output_step_s) + 3
    out = np.empty((n, n_max, K.N_OUT))
    n_written = np.zeros(n, dtype=np.int64)
    status = np.zeros(n, dtype=np.int64)
    with _Threads(n):
        K.integrate_batch(np.array(starts, dtype=float).reshape(n, 6), float(step_s),
                          float(output_step_s), MAX_GLIDE_S,
                          np.array(params).reshape(n, K.N_PARAMS), mach_g, alpha_g, cl, cd,
                          aux, table, out, n_written, status, bool(with_forces))
    return out, n_written, status


def fly_threats(threats, rotating_earth=True, sample_step_s=2.0, *, bank_deg=0.0,
                overshoot_km=None, dive_start_range_km=None, dive_start_accel_g=2.0,
                nav_gain=3.0, mean_acceleration_g=3.5, max_miss_km=MAX_MISS_KM, step_s=0.5,
                min_release_speed_km_s=2.0, max_release_speed_km_s=7.4,
                release_altitude_km=None, shooting_step_s=4.0, glide_step_s=GLIDE_STEP_S):
    """Fly many threats together: :func:`fly_threat` in batch.

    The shooting iterations of all threats advance in lockstep: each round integrates the
    trial glides of every threat still searching in one call of the numba batch
    integrator (parallel over glides), then the final flights (terminal dive, records at
    ``sample_step_s``) likewise.  Every glide is the same kernel on the same inputs as when
    the threat is flown alone, and the per-threat arithmetic is the same code, so each
    result is bit-identical to ``fly_threat`` of that threat (which is this function on a
    batch of one).

    Parameters
    ----------
    threats : sequence
        As :func:`fly_threat`'s ``threat``.
    bank_deg : float, GuidanceProgram or sequence of them
        One bank programme for all threats, or one per threat.
    shooting_step_s : float
        RK4 step of the trial glides (s) (:func:`fly_threat`).
    glide_step_s : float or None
        RK4 step of the final flights' glide phase (s) (:func:`fly_threat`).
    rotating_earth, sample_step_s, overshoot_km, dive_start_range_km, dive_start_accel_g,
    nav_gain, mean_acceleration_g, max_miss_km, step_s, min_release_speed_km_s,
    max_release_speed_km_s, release_altitude_km
        As :func:`fly_threat`, for every threat.

    Returns
    -------
    list
        Per threat, in order: its :class:`Trajectory`, or the exception ``fly_threat``
        would raise for it (:class:`ThreatUnreachableError`, or another error of bad input).
    """
    threats = list(threats)
    banks = list(bank_deg) if isinstance(bank_deg, (list, tuple)) else [bank_deg] * len(threats)
    if len(banks) != len(threats):
        raise ValueError(f"bank_deg: {len(banks)} programmes for {len(threats)} threats")
    shoot_step = float(shooting_step_s)
    pairs = []
    results: list = [None] * len(threats)
    for k, (threat, bank) in enumerate(zip(threats, banks)):
        try:
            pairs.append((k, _setup(threat, bank, overshoot_km, dive_start_range_km)))
        except Exception as exc:  # noqa: BLE001 - returned, raised by fly_threat
            results[k] = exc
    for veh in {id(p.veh): p.veh for _, p in pairs}.values():
        group = [(k, p) for k, p in pairs if p.veh is veh]
        kw = dict(rotating_earth=rotating_earth, mean_acceleration_g=mean_acceleration_g,
                  release_altitude_km=release_altitude_km, burnout={})
        _shoot(veh, [p for _, p in group], shoot_step, min_release_speed_km_s,
               max_release_speed_km_s, kw)
        live = [(k, p) for k, p in group if p.error is None]
        for b0 in range(0, len(live), FINAL_BATCH):
            block = live[b0:b0 + FINAL_BATCH]
            trajs = _final(veh, [p for _, p in block], sample_step_s, step_s, dive_start_accel_g,
                           nav_gain, max_miss_km, kw, glide_step_s)
            for (k, _p), tr in zip(block, trajs):
                results[k] = tr
        for k, p in group:
            if p.error is not None:
                results[k] = p.error
    return results


def _setup(threat, bank, overshoot_km, dive_start_range_km) -> _Pair:
    name = getattr(threat, "name", "threat")
    try:
        veh = vehicle_by_name(getattr(threat, "vehicle", "cav-h"))
        la0 = float(threat.launch_lat_deg)
        lo0 = float(threat.launch_lon_deg)
        la1 = float(threat.aim_lat_deg)
        lo1 = float(threat.aim_lon_deg)
    except AttributeError as e:
        raise ThreatUnreachableError(f"threat {name!r}: missing attribute ({e}); needs "
                                     "launch_lat_deg, launch_lon_deg, aim_lat_deg, aim_lon_deg, "
                                     "vehicle") from None
    for key, v, lim in (("launch_lat_deg", la0, 89.9), ("aim_lat_deg", la1, 89.9),
                        ("launch_lon_deg", lo0, 360.0), ("aim_lon_deg", lo1, 360.0)):
        if not (math.isfinite(v) and abs(v) <= lim):
            raise ThreatUnreachableError(f"threat {name!r}: {key}={v!r} must be within "
                                         f"[-{lim}, {lim}]")
    dist = _gc_distance_km(la0, lo0, la1, lo1)
    if dist < 300.0:
        raise ThreatUnreachableError(f"threat {name!r}: launch-aim distance {dist:.0f} km is "
                                     "below the 300 km minimum of the boost-glide model")
    p = _Pair()
    p.name, p.veh, p.la0, p.lo0, p.la1, p.lo1, p.dist = name, veh, la0, lo0, la1, lo1, dist
    p.az_aim = _bearing_deg(la0, lo0, la1, lo1)
    p.over = float(overshoot_km) if overshoot_km is not None else max(250.0, 0.12 * dist)
    p.dive_rng = (float(dive_start_range_km) if dive_start_range_km is not None
                  else min(150.0, max(60.0, 0.05 * dist)))
    p.program = as_program(bank)
    p.parr = p.program.kernel_array()
    # (the overshoot point O lies beyond the aim on the launch->aim great circle, at
    # distance ``total`` from the launch point: the residuals are measured from it)
    p.total = dist + p.over
    p.error = None
    p.done = False
    return p


def _releases(veh, trials, kw):
    """Release states of ``trials`` = [(pair, v_r, az)]: per trial ``(rel, h_r)`` (the
    :func:`hgv_models.boost.boost_release` dict and the requested release altitude) or the
    exception building it raises.  Altitude and burnout of all trials in one parallel
    kernel call (:func:`hgv_models._shooting_kernels.release_batch`), each row computed on
    its own inputs."""
    n = len(trials)
    out: list = [None] * n
    if n == 0:
        return out
    accel = float(kw["mean_acceleration_g"])
    if not (math.isfinite(accel) and 1.0 <= accel <= 20.0):
        err = BoostError(f"mean_acceleration_g={kw['mean_acceleration_g']!r}: must be a finite "
                         "number in [1.0, 20.0]")
        return [err] * n
    h_min = kw["release_altitude_km"]
    # the burnout depends on the release speed alone: each speed is solved once per call
    # of fly_threats (the azimuth trial of a Newton round and the final flight repeat one)
    cache = kw["burnout"]
    new = sorted({float(t[1]) for t in trials if float(t[1]) not in cache})
    if new:
        v = np.array(new, dtype=float)
        lo = np.full(v.size, np.nan if h_min is None else float(h_min))
        params, mach_g, alpha_g, cl, _cd, aux = veh.kernel_arrays()
        res = np.empty((v.size, 7))
        with _Threads(v.size):
            SK.release_batch(v, lo, accel, params, mach_g, alpha_g, cl, aux, res)
        for vi, row in zip(new, res):
            cache[vi] = tuple(float(x) for x in row)
    for j, (p, v_r, az) in enumerate(trials):
        h_r, t_burn, pe, h_end, s_end, reach_lo, reach_hi = cache[float(v_r)]
        if not (math.isfinite(v_r) and 1.0 <= v_r <= 7.8):
            out[j] = BoostError(f"release_speed_km_s={v_r!r}: must be a finite number in "
                                "[1.0, 7.8]")
        elif not math.isfinite(h_r):
            r = K.R_EARTH_KM + 40.0
            out[j] = GlideError(f"speed_km_s={v_r!r}: at or above circular speed "
                                f"({math.sqrt(K.MU_EARTH_KM3_S2 / r):.3f} km/s); "
                                "no equilibrium glide")
        elif not 15.0 <= h_r <= 200.0:
            out[j] = BoostError(f"release_altitude_km={h_r!r}: must be a finite number in "
                                "[15.0, 200.0]")
        elif not math.isfinite(pe):
            out[j] = BoostError(
                f"release_altitude_km={h_r!r}: not reachable with release_speed_km_s={v_r!r} "
                f"and mean_acceleration_g={accel!r} (reachable {reach_lo:.1f}-{reach_hi:.1f} "
                "km)")
        else:
            lat, lon, hdg = destination(p.la0, p.lo0, float(az), s_end)
            hdg = float(hdg) if s_end > 0 else float(az) % 360.0
            out[j] = ({"lat_deg": float(lat), "lon_deg": float(lon), "altitude_km": h_end,
                       "speed_km_s": float(v_r), "heading_deg": hdg, "flight_path_deg": 0.0,
                       "time_s": t_burn, "ground_range_km": s_end, "pitch_exponent": pe}, h_r)
    return out


def _residuals(veh, trials, shoot_step, kw):
    """Impact offsets from the overshoot point of the unguided glides ``trials`` =
    [(pair, v_r, az)]: per trial ``array([along - total, cross])`` (km), None when the glide
    does not end in impact, or the exception raised building it."""
    out: list = [None] * len(trials)
    idx, starts, params, progs = [], [], [], []
    base = run_parameters(veh, kw["rotating_earth"])[0]
    for j, ((p, v_r, az), rel) in enumerate(zip(trials, _releases(veh, trials, kw))):
        try:
            if isinstance(rel, Exception):
                raise rel
            starts.append(_glide_state(rel[0], v_r))
        except Exception as exc:  # noqa: BLE001 - the pair's error
            out[j] = exc
            continue
        idx.append(j)
        params.append(base)
        progs.append(p.parr)
    for b0 in range(0, len(idx), SHOOT_BATCH):
        sl = slice(b0, b0 + SHOOT_BATCH)
        rec, nw, st = _integrate(veh, starts[sl], params[sl], progs[sl], shoot_step,
                                 MAX_GLIDE_S, False)
        for i, j in enumerate(idx[sl]):
            p = trials[j][0]
            if st[i] == K.STATUS_NON_FINITE:
                out[j] = GlideError("glide: integration produced non-finite values (state left "
                                    "the atmosphere model's range?) after "
                                    f"{rec[i, nw[i] - 1, 0]:.1f} s")
            elif st[i] == K.STATUS_IMPACT:
                last = rec[i, nw[i] - 1]
                lat = math.degrees(last[K.O_LAT])
                lon = (math.degrees(last[K.O_LON]) + 180.0) % 360.0 - 180.0
                at, xt = along_cross_km(p.la0, p.lo0, p.az_aim, lat, lon)
                out[j] = np.array([at - p.total, xt])
    return out


def _trial_round(veh, pairs, shoot_step, kw, no_impact):
    """Glide every pair of ``pairs`` from its current (speed, azimuth) in one batch and store
    the miss residual, the error, or the failure ``no_impact`` (a glide that never landed)."""
    res = _residuals(veh, [(p, p.v, p.az) for p in pairs], shoot_step, kw)
    for p, r in zip(pairs, res):
        if isinstance(r, Exception):
            p.error, p.done = r, True
        elif r is None:
            p.fail(no_impact)
        else:
            p.res = r


def _shoot(veh, pairs, shoot_step, v_min, v_max, kw):
    """2-D damped Newton on (release speed, azimuth) for all ``pairs`` in lockstep."""
    ld = veh.max_lift_to_drag(15.0)
    for p in pairs:
        p.v = min(max(_closed_form_speed(ld, 0.9 * p.total), v_min), v_max)
        p.az = p.az_aim
    _trial_round(veh, pairs, shoot_step, kw, "first trial glide did not end in impact")
    dv, da = 0.005, 0.05
    for _it in range(30):
        for p in pairs:
            if not p.done and abs(p.res[0]) < 2.0 and abs(p.res[1]) < 2.0:
                p.done = True  # converged
        act = [p for p in pairs if not p.done]
        if not act:
            break
        trials = []
        for p in act:
            trials.append((p, min(p.v + dv, v_max + 0.05), p.az))
            trials.append((p, p.v, p.az + da))
        res = _residuals(veh, trials, shoot_step, kw)
        moved = []
        for i, p in enumerate(act):
            r_v, r_a = res[2 * i], res[2 * i + 1]
            for r in (r_v, r_a):
                if isinstance(r, Exception):
                    p.error, p.done = r, True
                    break
            if p.done:
                continue
            if r_v is None or r_a is None:
                p.fail("glide did not impact while shooting")
                continue
            jac = np.column_stack([(r_v - p.res) / dv, (r_a - p.res) / da])
            try:
                step = np.linalg.solve(jac, -p.res)
            except np.linalg.LinAlgError:
                p.fail("singular shooting Jacobian")
                continue
            # damp: at most 0.5 km/s and 5 deg per iteration
            scale = min(1.0, 0.5 / max(abs(step[0]), 1e-12), 5.0 / max(abs(step[1]), 1e-12))
            v_new = p.v + scale * step[0]
            if v_new > v_max and p.v >= v_max - 1e-9:
                p.fail(f"aim point {p.dist:.0f} km away needs a release speed above "
                       f"max_release_speed_km_s={v_max} for vehicle {veh.name!r}")
                continue
            if v_new < v_min and p.v <= v_min + 1e-9:
                p.fail(f"aim point {p.dist:.0f} km away needs a release speed below "
                       f"min_release_speed_km_s={v_min}; increase overshoot_km")
                continue
            p.v = min(max(v_new, v_min), v_max)
            p.az = p.az + scale * step[1]
            moved.append(p)
        _trial_round(veh, moved, shoot_step, kw, "glide did not impact while shooting")
    for p in pairs:
        if not p.done:
            p.fail(f"shooting did not converge (residual {p.res[0]:.1f} km along, "
                   f"{p.res[1]:.1f} km across)")


def _final(veh, pairs, sample_step_s, step_s, dive_accel_g, nav_gain, max_miss_km, kw,
           glide_step_s=None):
    """Final flights (boost samples + glide with terminal dive) of converged pairs."""
    out: list = [None] * len(pairs)
    idx, starts, params, progs, rels, runps = [], [], [], [], [], []
    releases = _releases(veh, [(p, p.v, p.az) for p in pairs], kw)
    h_rs = []
    for j, p in enumerate(pairs):
        dive = TerminalDive(p.la1, p.lo1, start_range_km=p.dive_rng, nav_gain=nav_gain,
                            start_accel_g=dive_accel_g)
        try:
            if isinstance(releases[j], Exception):
                raise releases[j]
            rel, h_r = releases[j]
            y0 = _glide_state(rel, p.v)
            runp = run_parameters(veh, kw["rotating_earth"], dive)
        except GlideError as e:
            out[j] = ThreatUnreachableError(f"threat {p.name!r}: final flight failed: {e}")
            continue
        except Exception as exc:  # noqa: BLE001 - as fly_threat raised it
            out[j] = exc
            continue
        # glide samples on whole multiples of sample_step_s since launch (like the boost's):
        # flights launched on whole seconds then share their sample instants
        runp[0][K.P_OUTPUT_PHASE_S] = rel["time_s"] % float(sample_step_s)
        if glide_step_s is not None:
            runp[0][K.P_GLIDE_STEP_S] = float(glide_step_s)
        idx.append(j)
        starts.append(y0)
        params.append(runp[0])
        progs.append(p.parr)
        rels.append(rel)
        runps.append(runp)
        h_rs.append(h_r)
    if not idx:
        return out
    rec, nw, st = _integrate(veh, starts, params, progs, step_s, sample_step_s, True)
    for i, j in enumerate(idx):
        p, rel = pairs[j], rels[i]
        if st[i] == K.STATUS_NON_FINITE:
            out[j] = ThreatUnreachableError(
                f"threat {p.name!r}: final flight failed: glide: integration produced "
                "non-finite values (state left the atmosphere model's range?) after "
                f"{rec[i, nw[i] - 1, 0]:.1f} s")
            continue
        gtraj = records_to_trajectory(rec[i, :nw[i]].copy(), veh, st[i], runp=runps[i])
        miss = _gc_distance_km(gtraj.lat_deg[-1], gtraj.lon_deg[-1], p.la1, p.lo1)
        if gtraj.status != "impact" or not miss <= max_miss_km:
            out[j] = ThreatUnreachableError(
                f"threat {p.name!r}: final miss {miss:.1f} km exceeds max_miss_km={max_miss_km} "
                f"(status {gtraj.status})")
            continue
        btraj, _rel = boost(p.la0, p.lo0, p.az, p.v, h_rs[i],
                            mean_acceleration_g=kw["mean_acceleration_g"],
                            sample_step_s=sample_step_s, vehicle_name=veh.name,
                            pitch_exponent=rel["pitch_exponent"])
        t = gtraj.time_s + rel["time_s"]
        # snap the dense-output samples (not release nor impact) onto the grid they were
        # computed for (they are off by rounding, ~1e-13 s)
        t[1:-1] = np.round(t[1:-1] / float(sample_step_s)) * float(sample_step_s)
        gtraj.time_s = t
        traj = Trajectory.concatenate([btraj, gtraj], vehicle_name=veh.name, status="impact",
                                      limits=gtraj.limits)
        traj.release = dict(rel, azimuth_deg=p.az, miss_km=miss, overshoot_km=p.over,
                            dive_start_range_km=p.dive_rng)
        out[j] = traj
    return out
