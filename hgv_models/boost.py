"""Boost phase: a documented kinematic burnout-state model from launch to glide release.

This is deliberately simple (no thrust, mass or staging model): it carries the glider
from the launch point to a prescribed release (burnout) state along the great circle
leaving the launch point at the launch azimuth, with a smooth pitch programme, so that
the track, the times and the altitudes of the boost are plausible for sensing studies.

Model (all quantities Earth-relative, spherical Earth of radius R)
-----------------------------------------------------------------
* burn time ``T = V_r / a_mean`` with the mean axial acceleration ``a_mean`` (default
  3.5 g0: ~170 s to 6 km/s, in the range of two-stage solid MRBM/IRBM boosters, e.g.
  Wright & Tracy's boost assumptions in Science & Global Security 28(3), 2020);
* speed rises linearly, ``V(t) = V_r u`` with ``u = t / T``;
* flight-path angle follows the pitch programme
  ``gamma(u) = gamma_r + (90 deg - gamma_r) (1 - u)^p`` (vertical lift-off, gravity-turn
  like pitch-over, ``gamma_r`` at burnout);
* altitude and ground range integrate ``dh/dt = V sin(gamma)`` and
  ``ds/dt = V cos(gamma) R / (R + h)``; the exponent ``p`` is found by bisection so
  that the burnout altitude equals the requested release altitude (a larger ``p``
  pitches over earlier and gives a lower, more depressed boost).

The heading along the great circle at burnout is the release heading of the glide.
"""

from __future__ import annotations

import math

import numpy as np

from hgv_models import _dynamics_kernels as K
from hgv_models import _shooting_kernels as SK
from hgv_models._atmosphere_kernels import us1976_arrays
from hgv_models.trajectory import PHASE_BOOST, Trajectory


class BoostError(ValueError):
    """Bad boost parameter or unreachable release state (message names it)."""


def destination(lat_deg, lon_deg, azimuth_deg, distance_km, radius_km=K.R_EARTH_KM):
    """Point and final bearing at ``distance_km`` along a great circle (spherical formulas).

    Returns ``(lat_deg, lon_deg, final_azimuth_deg)``; arrays broadcast.
    """
    lat1 = np.radians(lat_deg)
    lon1 = np.radians(lon_deg)
    az = np.radians(azimuth_deg)
    d = np.asarray(distance_km, dtype=float) / radius_km
    lat2 = np.arcsin(np.sin(lat1) * np.cos(d) + np.cos(lat1) * np.sin(d) * np.cos(az))
    lon2 = lon1 + np.arctan2(np.sin(az) * np.sin(d) * np.cos(lat1),
                             np.cos(d) - np.sin(lat1) * np.sin(lat2))
    # bearing at the destination = reverse bearing back to the start, plus 180 deg
    back = np.arctan2(np.sin(lon1 - lon2) * np.cos(lat1),
                      np.cos(lat2) * np.sin(lat1)
                      - np.sin(lat2) * np.cos(lat1) * np.cos(lon1 - lon2))
    final = (np.degrees(back) + 180.0) % 360.0
    return np.degrees(lat2), (np.degrees(lon2) + 180.0) % 360.0 - 180.0, final


def _profile(p, v_r, gamma_r, n=2001, t_burn=1.0):
    u = np.linspace(0.0, 1.0, n)
    gam = gamma_r + (0.5 * np.pi - gamma_r) * (1.0 - u) ** p
    v = v_r * u
    dt = t_burn / (n - 1)
    dh = v * np.sin(gam)
    h = np.concatenate([[0.0], np.cumsum(0.5 * (dh[1:] + dh[:-1]) * dt)])
    ds_dt = v * np.cos(gam) * K.R_EARTH_KM / (K.R_EARTH_KM + h)
    s = np.concatenate([[0.0], np.cumsum(0.5 * (ds_dt[1:] + ds_dt[:-1]) * dt)])
    return u, gam, v, h, s


def _check_range(name, val, lo, hi):
    if not (math.isfinite(float(val)) and lo <= float(val) <= hi):
        raise BoostError(f"{name}={val!r}: must be a finite number in [{lo}, {hi}]")


def _release_values(release_speed_km_s, release_altitude_km, release_flight_path_deg,
                    mean_acceleration_g):
    """Validated release values: speed (km/s), altitude (km), flight-path angle (rad) and the
    burn time ``v / (a g0)`` (s)."""
    for name, val, lo, hi in (("release_speed_km_s", release_speed_km_s, 1.0, 7.8),
                              ("release_altitude_km", release_altitude_km, 15.0, 200.0),
                              ("release_flight_path_deg", release_flight_path_deg, -10.0, 30.0),
                              ("mean_acceleration_g", mean_acceleration_g, 1.0, 20.0)):
        _check_range(name, val, lo, hi)
    v_r = float(release_speed_km_s)
    return (v_r, float(release_altitude_km), math.radians(release_flight_path_deg),
            v_r / (mean_acceleration_g * K.G0_KM_S2))


def boost(launch_lat_deg, launch_lon_deg, azimuth_deg, release_speed_km_s, release_altitude_km,
          release_flight_path_deg=0.0, mean_acceleration_g=3.5, sample_step_s=2.0,
          vehicle_name="booster", pitch_exponent=None):
    """Kinematic boost from the launch point to the release state (module docstring).

    Parameters
    ----------
    launch_lat_deg, launch_lon_deg : float
        Launch point (deg).
    azimuth_deg : float
        Launch azimuth, clockwise from north (deg).
    release_speed_km_s : float
        Burnout (release) speed, Earth-relative (km/s), 1-7.8.
    release_altitude_km : float
        Burnout altitude (km), 15-200.
    release_flight_path_deg : float
        Burnout flight-path angle (deg), -10..30.
    mean_acceleration_g : float
        Mean axial acceleration over the burn (g0 units), 1-20.
    sample_step_s : float
        Sampling interval (s) of the returned trajectory (burnout sample appended).
    vehicle_name : str
        Name carried by the returned trajectory.
    pitch_exponent : float, optional
        The pitch-programme exponent when already solved for these release values (as
        :func:`boost_release` returns it); default: solved here.

    Returns
    -------
    trajectory : Trajectory
        Boost samples, phase ``PHASE_BOOST`` (heating etc. from the same formulas as the
        glide with the nominal 0.1 m nose radius; load factor is the axial acceleration).
    release : dict
        ``lat_deg, lon_deg, altitude_km, speed_km_s, heading_deg, flight_path_deg,
        time_s, ground_range_km`` at burnout.
    """
    _check_range("sample_step_s", sample_step_s, 0.01, 60.0)
    v_r, h_r, g_r, t_burn = _release_values(release_speed_km_s, release_altitude_km,
                                            release_flight_path_deg, mean_acceleration_g)

    # pitch exponent by geometric bisection on the burnout altitude (compiled kernel)
    if pitch_exponent is not None:
        p, reach_lo, reach_hi = float(pitch_exponent), math.nan, math.nan
    else:
        p, _h, _s, reach_lo, reach_hi = SK.boost_burnout(v_r, h_r, g_r, t_burn)
    if not math.isfinite(p):
        raise BoostError(
            f"release_altitude_km={h_r!r}: not reachable with release_speed_km_s={v_r!r} and "
            f"mean_acceleration_g={mean_acceleration_g!r} (reachable "
            f"{reach_lo:.1f}-{reach_hi:.1f} km)")
    u, gam, v, h, s = _profile(p, v_r, g_r, n=4001, t_burn=t_burn)
    t = u * t_burn
    ts = np.arange(0.0, t_burn, float(sample_step_s))
    if ts[-1] < t_burn:
        ts = np.append(ts, t_burn)
    hs = np.interp(ts, t, h)
    ss = np.interp(ts, t, s)
    vs = np.interp(ts, t, v)
    gs = np.interp(ts, t, gam)
    lat, lon, hdg = destination(launch_lat_deg, launch_lon_deg, azimuth_deg, ss)
    hdg = np.where(ss > 0, hdg, float(azimuth_deg) % 360.0)
    rho, _p, _t, a = us1976_arrays(np.ascontiguousarray(hs, dtype=np.float64))
    vm = vs * 1000.0
    q = 1.7415e-4 * np.sqrt(rho / 0.1) * vm ** 3
    traj = Trajectory(
        time_s=ts, lat_deg=lat, lon_deg=lon, altitude_km=hs, speed_km_s=vs, mach=vm / a,
        heading_deg=hdg, flight_path_deg=np.degrees(gs),
        phase=np.full(ts.shape, PHASE_BOOST), heating_w_cm2=q * 1e-4,
        surface_temperature_k=(q / (0.85 * 5.670374419e-8)) ** 0.25,
        dynamic_pressure_pa=0.5 * rho * vm ** 2,
        load_factor_g=np.full(ts.shape, float(mean_acceleration_g)),
        vehicle_name=vehicle_name, status="burnout")
    release = {"lat_deg": float(lat[-1]), "lon_deg": float(lon[-1]), "altitude_km": float(hs[-1]),
               "speed_km_s": v_r, "heading_deg": float(hdg[-1]),
               "flight_path_deg": float(release_flight_path_deg), "time_s": float(t_burn),
               "ground_range_km": float(ss[-1]), "pitch_exponent": p}
    return traj, release


def boost_release(launch_lat_deg, launch_lon_deg, azimuth_deg, release_speed_km_s,
                  release_altitude_km, release_flight_path_deg=0.0, mean_acceleration_g=3.5):
    """The release (burnout) state of :func:`boost` alone, without its samples.

    Same model and parameters as :func:`boost` (the burnout altitude and ground range of
    the 4001-node profile, compiled: :func:`hgv_models._shooting_kernels.boost_burnout`);
    what the aim-point shooting needs at each trial.

    Returns
    -------
    dict
        ``lat_deg, lon_deg, altitude_km, speed_km_s, heading_deg, flight_path_deg, time_s,
        ground_range_km, pitch_exponent`` at burnout (as ``boost(...)[1]``).
    """
    v_r, h_r, g_r, t_burn = _release_values(release_speed_km_s, release_altitude_km,
                                            release_flight_path_deg, mean_acceleration_g)
    p, h, s, reach_lo, reach_hi = SK.boost_burnout(v_r, h_r, g_r, t_burn)
    if not math.isfinite(p):
        raise BoostError(
            f"release_altitude_km={h_r!r}: not reachable with release_speed_km_s={v_r!r} and "
            f"mean_acceleration_g={mean_acceleration_g!r} (reachable "
            f"{reach_lo:.1f}-{reach_hi:.1f} km)")
    lat, lon, hdg = destination(float(launch_lat_deg), float(launch_lon_deg),
                                float(azimuth_deg), s)
    hdg = float(hdg) if s > 0 else float(azimuth_deg) % 360.0
    return {"lat_deg": float(lat), "lon_deg": float(lon), "altitude_km": float(h),
            "speed_km_s": v_r, "heading_deg": hdg,
            "flight_path_deg": float(release_flight_path_deg), "time_s": float(t_burn),
            "ground_range_km": float(s), "pitch_exponent": float(p)}
