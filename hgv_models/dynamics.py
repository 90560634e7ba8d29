"""Glide flight: equilibrium glide altitude and the 3-DOF glide integrator API.

The equations of motion (Vinh, Busemann & Culp 1980), the aerodynamics and the RK4
integrator with its impact event are documented in :mod:`hgv_models._dynamics_kernels`.

Equilibrium glide
-----------------
With zero flight-path angle and no rotation, lift plus the centrifugal term balances
gravity::

    L / m = g - V^2 / r        (L / m = rho V^2 / (2 beta) (L/D) for constant L/D,
                                L / m = rho V^2 S C_L(M, alpha*) / (2 m) for tables)

which fixes the density, hence the altitude through US 1976 (bisection; table vehicles
iterate because the Mach number depends on the altitude).  For V above circular speed
no equilibrium exists.
"""

from __future__ import annotations

import math

import numpy as np

from hgv_models import _dynamics_kernels as K
from hgv_models import _shooting_kernels as SK
from hgv_models.guidance import GuidanceProgram, TerminalDive, as_program
from hgv_models.trajectory import Trajectory
from hgv_models.vehicles import Vehicle, vehicle_by_name

STATUS_NAMES = {K.STATUS_IMPACT: "impact", K.STATUS_MAX_TIME: "max_time",
                K.STATUS_CEILING: "ceiling", K.STATUS_MIN_SPEED: "min_speed",
                K.STATUS_BUFFER_FULL: "buffer_full", K.STATUS_NON_FINITE: "non_finite"}


class GlideError(ValueError):
    """Bad glide input or a failed integration (message names the parameter)."""


def _check(name, value, lo=None, hi=None):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise GlideError(f"{name}={value!r}: must be a number") from None
    if not math.isfinite(v) or (lo is not None and v < lo) or (hi is not None and v > hi):
        raise GlideError(f"{name}={value!r}: must be a finite number in [{lo}, {hi}]")
    return v


def equilibrium_glide_altitude_km(vehicle, speed_km_s):
    """Altitude (km) of equilibrium (gamma = 0) glide at ``speed_km_s``, non-rotating Earth.

    Parameters
    ----------
    vehicle : Vehicle or str
    speed_km_s : float or array_like
        Earth-relative speed (km/s), below circular speed (~7.9 km/s).

    Returns
    -------
    float or ndarray
        Altitude (km), solved from lift + centrifugal = gravity (module docstring); the
        radius used for g and the centrifugal term is the one at that altitude.
    """
    veh = vehicle_by_name(vehicle)
    v_arr = np.asarray(speed_km_s, dtype=float)
    out = np.empty(v_arr.shape)
    params, mach_g, alpha_g, cl, _cd, aux = veh.kernel_arrays()
    for idx in np.ndindex(v_arr.shape):
        v = float(v_arr[idx])
        if not math.isfinite(v) or v <= 0:
            raise GlideError(f"speed_km_s={v!r}: must be a finite number > 0")
        # the fixed-point iteration below, compiled (hgv_models._shooting_kernels)
        h = SK.equilibrium_altitude_km(params, mach_g, alpha_g, cl, aux, v)
        if not math.isfinite(h):
            r = K.R_EARTH_KM + 40.0
            raise GlideError(f"speed_km_s={v!r}: at or above circular speed "
                             f"({math.sqrt(K.MU_EARTH_KM3_S2 / r):.3f} km/s); "
                             "no equilibrium glide")
        out[idx] = h
    return float(out) if out.ndim == 0 else out


def initial_state(lat_deg, lon_deg, altitude_km, speed_km_s, heading_deg, flight_path_deg):
    """Kernel state vector ``(r, lon, lat, V, gamma, psi)`` from API units."""
    return np.array([K.R_EARTH_KM + altitude_km, math.radians(lon_deg), math.radians(lat_deg),
                     speed_km_s, math.radians(flight_path_deg), math.radians(heading_deg)])


def run_parameters(vehicle, rotating_earth=True, dive=None, ceiling_km=300.0,
                   min_speed_km_s=0.05, impact_altitude_km=0.0):
    """Kernel inputs ``(params, mach_grid, alpha_grid, cl, cd, aux)`` for a run."""
    params, mach, alpha, cl, cd, aux = vehicle.kernel_arrays()
    params[K.P_OMEGA_RAD_S] = K.OMEGA_EARTH_RAD_S if rotating_earth else 0.0
    params[K.P_CEILING_KM] = ceiling_km
    params[K.P_MIN_SPEED_KM_S] = min_speed_km_s
    params[K.P_IMPACT_ALT_KM] = impact_altitude_km
    params[K.P_NAV_GAIN] = 3.0
    if dive is not None:
        if not isinstance(dive, TerminalDive):
            raise GlideError(f"terminal_dive={dive!r}: must be a guidance.TerminalDive or None")
        dive.apply(params)
    return params, mach, alpha, cl, cd, aux


def records_to_trajectory(records, vehicle, status, time_offset_s=0.0, runp=None):
    """Kernel output records ``(n, N_OUT)`` -> :class:`Trajectory` with derived fields."""
    params, mach_g, alpha_g, cl, cd, aux = runp if runp is not None else run_parameters(vehicle)
    n = records.shape[0]
    der = np.empty((n, 5))
    K.derived_quantities(records, n, params, mach_g, alpha_g, cl, cd, aux,
                         float(vehicle.nose_radius_m), float(vehicle.emissivity), der)
    return Trajectory(
        time_s=records[:, K.O_TIME] + time_offset_s,
        lat_deg=np.degrees(records[:, K.O_LAT]),
        lon_deg=(np.degrees(records[:, K.O_LON]) + 180.0) % 360.0 - 180.0,
        altitude_km=records[:, K.O_R] - K.R_EARTH_KM,
        speed_km_s=records[:, K.O_V].copy(),
        mach=der[:, 0],
        heading_deg=np.degrees(records[:, K.O_PSI]) % 360.0,
        flight_path_deg=np.degrees(records[:, K.O_GAMMA]),
        phase=records[:, K.O_PHASE].astype(np.int64),
        heating_w_cm2=der[:, 1],
        surface_temperature_k=der[:, 2],
        dynamic_pressure_pa=der[:, 3],
        load_factor_g=der[:, 4],
        bank_deg=np.degrees(records[:, K.O_BANK]),
        vehicle_name=vehicle.name,
        status=STATUS_NAMES.get(int(status), str(status)),
        limits={"max_heating_w_cm2": vehicle.max_heating_w_cm2,
                "max_dynamic_pressure_pa": vehicle.max_dynamic_pressure_pa,
                "max_load_factor_g": vehicle.max_load_factor_g},
    )


def glide(vehicle, lat_deg, lon_deg, altitude_km, speed_km_s, heading_deg, flight_path_deg=0.0,
          bank_deg=0.0, rotating_earth=True, step_s=1.0, output_step_s=1.0, max_time_s=7200.0,
          terminal_dive=None, impact_altitude_km=0.0, require_impact=False):
    """Fly an unpowered glide from a release state to impact.

    Parameters
    ----------
    vehicle : Vehicle or str
        :class:`~hgv_models.vehicles.Vehicle` or a name (``"cav-h"``, ``"htv2"``).
    lat_deg, lon_deg : float
        Release point (deg; geodetic latitude used as the spherical latitude).
    altitude_km : float
        Release altitude (km), 0-200.
    speed_km_s : float
        Earth-relative release speed (km/s), 0.3-8.
    heading_deg : float
        Heading, clockwise from north (deg).
    flight_path_deg : float
        Flight-path angle (deg, positive up), within (-89, 89).
    bank_deg : float or GuidanceProgram or (n, 7) array
        Constant bank angle (deg) or a guidance program (:mod:`hgv_models.guidance`).
    rotating_earth : bool
        Include Coriolis and centrifugal terms (False: non-rotating Earth).
    step_s : float
        RK4 step (s); steps are shortened to end on guidance-programme breakpoints.
        1 s keeps the position error below a centimetre over a full glide (see
        tests/test_dynamics.py step-halving test); 2-4 s is still at the metre level.
    output_step_s : float
        Sampling interval of the returned trajectory (s), independent of ``step_s``
        (cubic Hermite dense output between steps); the exact impact sample is appended.
    max_time_s : float
        Give up after this flight time (trajectory ``status == "max_time"``).
    terminal_dive : guidance.TerminalDive, optional
        Proportional-navigation terminal dive on an aim point.
    impact_altitude_km : float
        Altitude at which the flight ends (default 0).
    require_impact : bool
        Raise :class:`GlideError` unless the flight ends in impact.

    Returns
    -------
    Trajectory
        ``time_s`` since release; phase codes glide (1) and terminal (2).
    """
    veh = vehicle_by_name(vehicle)
    lat = _check("lat_deg", lat_deg, -90, 90)
    lon = _check("lon_deg", lon_deg, -360, 360)
    alt = _check("altitude_km", altitude_km, 0, 200)
    v = _check("speed_km_s", speed_km_s, 0.3, 8.0)
    hdg = _check("heading_deg", heading_deg, -360, 360)
    fpa = _check("flight_path_deg", flight_path_deg, -89, 89)
    st = _check("step_s", step_s, 1e-3, 60)
    ost = _check("output_step_s", output_step_s, 1e-3, 600)
    tmax = _check("max_time_s", max_time_s, 1.0, 86400)
    zimp = _check("impact_altitude_km", impact_altitude_km, 0, 100)
    if alt < zimp:
        raise GlideError(f"altitude_km={alt!r}: below impact_altitude_km={zimp!r}")
    if abs(lat) > 89.9:
        raise GlideError(f"lat_deg={lat!r}: the spherical equations are singular at the poles; "
                         "use |lat_deg| <= 89.9")
    try:
        program = as_program(bank_deg)
    except ValueError as e:
        raise GlideError(f"bank_deg={bank_deg!r}: {e}") from None
    runp = run_parameters(veh, rotating_earth, terminal_dive, impact_altitude_km=zimp)
    y0 = initial_state(lat, lon, alt, v, hdg, fpa)
    n_max = int(tmax / ost) + 3
    out = np.empty((n_max, K.N_OUT))
    params, mach_g, alpha_g, cl, cd, aux = runp
    parr = program.kernel_array()
    n, status = K.integrate(y0, st, ost, tmax, params, mach_g, alpha_g, cl, cd, aux, parr, out)
    K.fill_forces(out, n, params, mach_g, alpha_g, cl, cd, aux, parr)
    if status == K.STATUS_NON_FINITE:
        raise GlideError("glide: integration produced non-finite values (state left the "
                         f"atmosphere model's range?) after {out[n - 1, 0]:.1f} s")
    if require_impact and status != K.STATUS_IMPACT:
        raise GlideError(f"glide: no impact within max_time_s={tmax!r} "
                         f"(stopped: {STATUS_NAMES[int(status)]})")
    return records_to_trajectory(out[:n], veh, status, runp=runp)


def glide_batch(vehicle, states, programs=None, rotating_earth=True, step_s=1.0,
                output_step_s=1.0, max_time_s=3600.0, with_forces=True):
    """Integrate many glides at once (numba ``prange`` over trajectories).

    Parameters
    ----------
    vehicle : Vehicle or str
    states : (n, 6) array_like
        Rows ``(lat_deg, lon_deg, altitude_km, speed_km_s, heading_deg, flight_path_deg)``.
    programs : list of GuidanceProgram / float / None, optional
        One bank program per trajectory.
    rotating_earth, step_s, output_step_s, max_time_s
        As for :func:`glide`.
    with_forces : bool
        Fill the lift, drag and bank columns of the records (False leaves them NaN,
        states only, like ``solve_ivp``'s output).

    Returns
    -------
    records : (n, n_max, N_OUT) float64
        Raw kernel records (:mod:`hgv_models._dynamics_kernels` ``O_*`` columns).
    n_written : (n,) int64
    status : (n,) int64
    """
    veh = vehicle_by_name(vehicle)
    s = np.asarray(states, dtype=float)
    if s.ndim != 2 or s.shape[1] != 6:
        raise GlideError(f"states shape {s.shape}: must be (n, 6)")
    n = s.shape[0]
    progs = [as_program(p) for p in (programs if programs is not None else [None] * n)]
    if len(progs) != n:
        raise GlideError(f"programs: {len(progs)} given for {n} states")
    parr = program_table(progs)
    params, mach_g, alpha_g, cl, cd, aux = run_parameters(veh, rotating_earth)
    params2d = np.tile(params, (n, 1))
    y0s = np.array([initial_state(*row) for row in s])
    n_max = int(max_time_s / output_step_s) + 3
    out = np.empty((n, n_max, K.N_OUT))
    n_written = np.zeros(n, dtype=np.int64)
    status = np.zeros(n, dtype=np.int64)
    K.integrate_batch(y0s, float(step_s), float(output_step_s), float(max_time_s), params2d,
                      mach_g, alpha_g, cl, cd, aux,
                      parr, out, n_written, status, bool(with_forces))
    return out, n_written, status


__all__ = ["GlideError", "equilibrium_glide_altitude_km", "glide", "glide_batch", "kernels_cached", "Vehicle",
           "GuidanceProgram", "program_table"]


def program_table(programs) -> np.ndarray:
    """The bank programs of a batch as one kernel array.

    Parameters
    ----------
    programs : sequence of GuidanceProgram
        One program per trajectory.

    Returns
    -------
    (n, n_segment, PROGRAM_COLUMNS) float64
        Each program's :meth:`GuidanceProgram.kernel_array` rows, padded to the longest with
        inactive rows (zeros, column 6 NaN) as the batch kernel expects.
    """
    n_seg = max(len(p.kernel_array()) for p in programs)
    table = np.zeros((len(programs), n_seg, K.PROGRAM_COLUMNS))
    table[:, :, 6] = np.nan
    for i, p in enumerate(programs):
        a = p.kernel_array()
        table[i, : len(a)] = a
    return table


def kernels_cached() -> bool:
    """Whether the threat-flight kernels are compiled, or in numba's on-disk cache for this code.

    Checks the entry points a flight calls (their callees are compiled with them):
    :func:`hgv_models._dynamics_kernels.integrate` (single glides),
    :func:`~hgv_models._dynamics_kernels.integrate_batch` (``fly_threat``'s glides) and
    :func:`hgv_models._shooting_kernels.release_batch` (its release states): each compiled
    in this process, or a cache index on disk that numba accepts for the current source
    file and that holds at least one signature.

    Returns
    -------
    bool
        False when the next flight compiles kernels first (seconds on 2 cores); True
        when it will not, or when numba's cache cannot be inspected (numba internals).
    """
    for fn in (K.integrate, K.integrate_batch, SK.release_batch):
        if fn.signatures:
            continue
        try:
            if not fn._cache._cache_file._load_index():
                return False
        except Exception:  # noqa: BLE001 - numba internals changed: claim nothing
            return True
    return True
