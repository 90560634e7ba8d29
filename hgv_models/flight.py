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

The returned trajectory starts at launch (``time_s`` 0) with the boost samples, then the
glide (and terminal) samples resampled at ``sample_step_s``, ending with the exact impact
sample.
"""

from __future__ import annotations

import math

import numpy as np

from hgv_models import _dynamics_kernels as K
from hgv_models.boost import boost, destination
from hgv_models.dynamics import GlideError, equilibrium_glide_altitude_km, glide
from hgv_models.guidance import TerminalDive, as_program
from hgv_models.trajectory import Trajectory
from hgv_models.vehicles import vehicle_by_name

MAX_MISS_KM = 25.0


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
               min_release_speed_km_s=2.0, max_release_speed_km_s=7.4, release_altitude_km=None):
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
    az_aim = _bearing_deg(la0, lo0, la1, lo1)
    over = float(overshoot_km) if overshoot_km is not None else max(250.0, 0.12 * dist)
    dive_rng = (float(dive_start_range_km) if dive_start_range_km is not None
                else min(150.0, max(60.0, 0.05 * dist)))
    program = as_program(bank_deg)
    # overshoot point O beyond the aim on the launch->aim great circle
    o_lat, o_lon, _ = destination(la0, lo0, az_aim, dist + over)
    o_lat, o_lon = float(o_lat), float(o_lon)
    total = dist + over

    def fly(v_r, az, dive, step=sample_step_s):
        h_r = equilibrium_glide_altitude_km(veh, v_r)
        if release_altitude_km is not None:
            h_r = max(h_r, float(release_altitude_km))
        btraj, rel = boost(la0, lo0, az, v_r, h_r, mean_acceleration_g=mean_acceleration_g,
                           sample_step_s=step, vehicle_name=veh.name)
        gtraj = glide(veh, rel["lat_deg"], rel["lon_deg"], rel["altitude_km"], v_r,
                      rel["heading_deg"], 0.0, bank_deg=program, rotating_earth=rotating_earth,
                      step_s=step_s, output_step_s=step, max_time_s=20000.0,
                      terminal_dive=dive)
        return btraj, rel, gtraj

    def residual(v_r, az):
        _b, _rel, g = fly(v_r, az, None, step=10.0)
        if g.status != "impact":
            return None
        at, xt = along_cross_km(la0, lo0, az_aim, g.lat_deg[-1], g.lon_deg[-1])
        return np.array([at - total, xt])

    ld = veh.max_lift_to_drag(15.0)
    v = min(max(_closed_form_speed(ld, 0.9 * total), min_release_speed_km_s),
            max_release_speed_km_s)
    az = az_aim
    res = residual(v, az)
    if res is None:
        raise ThreatUnreachableError(f"threat {name!r}: first trial glide did not end in impact")
    for _it in range(30):
        if abs(res[0]) < 2.0 and abs(res[1]) < 2.0:
            break
        dv, da = 0.005, 0.05
        r_v = residual(min(v + dv, max_release_speed_km_s + 0.05), az)
        r_a = residual(v, az + da)
        if r_v is None or r_a is None:
            raise ThreatUnreachableError(f"threat {name!r}: glide did not impact while shooting")
        jac = np.column_stack([(r_v - res) / dv, (r_a - res) / da])
        try:
            step = np.linalg.solve(jac, -res)
        except np.linalg.LinAlgError:
            raise ThreatUnreachableError(f"threat {name!r}: singular shooting Jacobian") from None
        # damp: at most 0.5 km/s and 5 deg per iteration
        scale = min(1.0, 0.5 / max(abs(step[0]), 1e-12), 5.0 / max(abs(step[1]), 1e-12))
        v_new = v + scale * step[0]
        if v_new > max_release_speed_km_s and v >= max_release_speed_km_s - 1e-9:
            raise ThreatUnreachableError(
                f"threat {name!r}: aim point {dist:.0f} km away needs a release speed above "
                f"max_release_speed_km_s={max_release_speed_km_s} for vehicle {veh.name!r}")
        if v_new < min_release_speed_km_s and v <= min_release_speed_km_s + 1e-9:
            raise ThreatUnreachableError(
                f"threat {name!r}: aim point {dist:.0f} km away needs a release speed below "
                f"min_release_speed_km_s={min_release_speed_km_s}; increase overshoot_km")
        v = min(max(v_new, min_release_speed_km_s), max_release_speed_km_s)
        az = az + scale * step[1]
        res = residual(v, az)
        if res is None:
            raise ThreatUnreachableError(f"threat {name!r}: glide did not impact while shooting")
    else:
        raise ThreatUnreachableError(f"threat {name!r}: shooting did not converge "
                                     f"(residual {res[0]:.1f} km along, {res[1]:.1f} km across)")
    dive = TerminalDive(la1, lo1, start_range_km=dive_rng, nav_gain=nav_gain,
                        start_accel_g=dive_start_accel_g)
    try:
        btraj, rel, gtraj = fly(v, az, dive)
    except GlideError as e:
        raise ThreatUnreachableError(f"threat {name!r}: final flight failed: {e}") from None
    miss = _gc_distance_km(gtraj.lat_deg[-1], gtraj.lon_deg[-1], la1, lo1)
    if gtraj.status != "impact" or not miss <= max_miss_km:
        raise ThreatUnreachableError(
            f"threat {name!r}: final miss {miss:.1f} km exceeds max_miss_km={max_miss_km} "
            f"(status {gtraj.status})")
    gtraj.time_s = gtraj.time_s + rel["time_s"]
    traj = Trajectory.concatenate([btraj, gtraj], vehicle_name=veh.name, status="impact",
                                  limits=gtraj.limits)
    traj.release = dict(rel, azimuth_deg=az, miss_km=miss, overshoot_km=over,
                        dive_start_range_km=dive_rng)
    return traj
