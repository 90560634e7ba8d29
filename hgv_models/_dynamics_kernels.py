"""numba kernels for 3-DOF point-mass hypersonic glide over a rotating spherical Earth.

Everything here works on plain float64 arrays in km, s and rad and never raises:
failures come back as status codes that the API layer (:mod:`hgv_models.dynamics`)
turns into exceptions.

Equations of motion
-------------------
State ``y = (r, lon, lat, V, gamma, psi)``: geocentric radius r (km), longitude and
(spherical) latitude (rad), Earth-relative speed V (km/s), Earth-relative flight-path
angle gamma (rad, positive up) and heading psi (rad, clockwise from north).  Over a
spherical Earth rotating at rate omega, with lift and drag accelerations L and D
(km/s^2), bank angle sigma (positive banks the lift vector to the right of the
velocity, i.e. turns the vehicle clockwise seen from above) and inverse-square gravity
g = mu / r^2, the point-mass equations of Vinh, Busemann & Culp (*Hypersonic and
Planetary Entry Flight Mechanics*, Univ. of Michigan Press, 1980, ch. 2, eqs. 2.83-2.88,
written with heading measured from north as in Lu, "Predictor-corrector entry guidance
for low-lifting vehicles", J. Guid. Control Dyn. 31(4), 2008, eq. 1) are::

    dr/dt     = V sin(gamma)
    dlon/dt   = V cos(gamma) sin(psi) / (r cos(lat))
    dlat/dt   = V cos(gamma) cos(psi) / r
    dV/dt     = -D - g sin(gamma)
                + omega^2 r cos(lat) (sin(gamma) cos(lat) - cos(gamma) sin(lat) cos(psi))
    V dgamma/dt = L cos(sigma) + (V^2 / r - g) cos(gamma) + 2 omega V cos(lat) sin(psi)
                + omega^2 r cos(lat) (cos(gamma) cos(lat) + sin(gamma) sin(lat) cos(psi))
    V dpsi/dt = L sin(sigma) / cos(gamma) + V^2 cos(gamma) sin(psi) tan(lat) / r
                - 2 omega V (tan(gamma) cos(lat) cos(psi) - sin(lat))
                + omega^2 r sin(lat) cos(lat) sin(psi) / cos(gamma)

The terms in ``2 omega V`` are the Coriolis acceleration, those in ``omega^2 r`` the
centrifugal acceleration.  ``omega = 0`` gives the non-rotating equations.

Aerodynamics
------------
Two vehicle kinds share one parameter vector (indices ``P_*`` below):

* ``KIND_CONSTANT_LD``: drag acceleration ``D = rho V^2 / (2 beta)`` with ballistic
  coefficient ``beta = m / (C_D S)`` (kg/m^2) and ``L = (L/D) D``.
* ``KIND_TABLE``: ``C_L(M, alpha)`` and ``C_D(M, alpha)`` tabulated on a Mach x angle of
  attack grid (bilinear interpolation, clamped at the table edges), ``D = rho V^2 S C_D /
  (2 m)``, ``L = rho V^2 S C_L / (2 m)``.  Angle of attack is the commanded one or, when
  the command is NaN, the angle of maximum L/D at that Mach number (pre-computed per
  Mach node by the API layer and interpolated).  ``aero_aux`` (n_mach, 2) holds those
  angles (rad) and the zero-lift (minimum) drag coefficient per Mach node.  For the
  constant-L/D kind the table arguments are ignored placeholders.

Density and speed of sound come from :func:`hgv_models._atmosphere_kernels.us1976_kernel`
(US Standard Atmosphere 1976).

Guidance program
----------------
``program`` is a ``(n_segment, PROGRAM_COLUMNS)`` float64 array; the first row with
``t0 <= t < t1`` is active (none active: bank 0, angle of attack for max L/D):

* column ``0, 1``: ``t0, t1`` (s since the start of the integration),
* column ``2``: mode, ``MODE_CONSTANT_BANK`` (bank = p1) or ``MODE_WEAVE`` (bank =
  p1 * tanh(p3 sin(2 pi (t - t0) / p2)) / tanh(p3): bank reversals of amplitude p1 rad
  and period p2 s; p3 >= 1 sets how square the reversal is (the roll rate through zero
  bank is 2 pi p1 p3 / (p2 tanh p3) rad/s).  The profile is smooth (C-infinity) so the
  fixed-step RK4 keeps its fourth order; bank steps (constant-bank segments, jinks)
  are handled by ending steps on the segment boundaries,
* columns ``3, 4, 5``: p1, p2, p3,
* column ``6``: angle of attack (rad), NaN for max L/D.

Terminal phase: when ``P_DIVE_ENABLED`` is 1 and either the great-circle ground range s
to the aim point falls to ``P_DIVE_RANGE_KM``, or the normal acceleration needed to
reach the aim on a circular arc tangent to level flight, ``2 h V^2 / (s^2 + h^2)`` (h the
height above the aim), reaches ``P_DIVE_ACCEL_G`` g0 (checked at the start of each step,
latched; the second rule starts the dive early enough when the vehicle is fast and high,
where little lift is available), the vehicle switches to a proportional-navigation dive at
the aim point: commanded normal acceleration ``a = N (w_los x v)`` with
``w_los = (rho x rho_dot) / |rho|^2`` for the line of sight ``rho`` from the vehicle to
the aim point (Zarchan, *Tactical and Strategic
Missile Guidance*, 6th ed., ch. 2), plus compensation of the gravity component normal to
the velocity, realised by bank angle and lift magnitude and limited by the lift available
at the max-L/D angle of attack.  For the table vehicle the drag then follows the
parabolic polar through the zero-lift and max-L/D table points, for the constant-L/D
vehicle drag is unchanged (only the lift is modulated).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._atmosphere_kernels import us1976_kernel
from ._jit import jit, jit_parallel

# --- constants (km, s) -------------------------------------------------------------
R_EARTH_KM = 6371.0088  # IUGG mean Earth radius (Moritz 2000), as orbits.constants
MU_EARTH_KM3_S2 = 398600.4418  # WGS84 / EGM96 GM
OMEGA_EARTH_RAD_S = 7.292115e-5  # WGS84 rotation rate
G0_KM_S2 = 9.80665e-3  # standard gravity, for load factor

# --- vehicle / run parameter vector indices -------------------------------------------
P_KIND = 0
P_LIFT_TO_DRAG = 1
P_BETA_KG_M2 = 2
P_MASS_KG = 3
P_AREA_M2 = 4
P_OMEGA_RAD_S = 5
P_NAV_GAIN = 6
P_DIVE_ENABLED = 7
P_AIM_LAT_RAD = 8
P_AIM_LON_RAD = 9
P_DIVE_RANGE_KM = 10
P_IMPACT_ALT_KM = 11
P_CEILING_KM = 12
P_MIN_SPEED_KM_S = 13
P_DIVE_ACCEL_G = 14
#: Output phase (s, in [0, output step)): dense-output samples at ``k * output_step_s -
#: phase`` (k >= 1) instead of ``k * output_step_s``; 0 for every caller but the threat
#: flights of :mod:`hgv_models.flight`, which put them on whole steps since launch.
P_OUTPUT_PHASE_S = 15
#: Glide step (s): when > ``step_s``, the RK4 step of the glide phase (before the terminal
#: dive) on constant-bank programme segments (not while weaving: the bank varies within a
#: step) wherever the dive cannot start within it (a bound on the dive-start tests at the
#: end of the step, :func:`glide_step_safe`); ``step_s`` elsewhere (the terminal phase,
#: the approach to the dive start, which is thus tested at the same ``step_s`` boundaries
#: as with ``step_s`` throughout).  0 for every caller but the final threat flights of
#: :mod:`hgv_models.flight`.
P_GLIDE_STEP_S = 16
N_PARAMS = 17

KIND_CONSTANT_LD = 0
KIND_TABLE = 1

MODE_CONSTANT_BANK = 0
MODE_WEAVE = 1
PROGRAM_COLUMNS = 7

PHASE_GLIDE = 1
PHASE_TERMINAL = 2

# --- output record columns ---------------------------------------------------------
O_TIME = 0
O_R = 1
O_LON = 2
O_LAT = 3
O_V = 4
O_GAMMA = 5
O_PSI = 6
O_PHASE = 7
O_LIFT = 8  # lift acceleration km/s^2
O_DRAG = 9  # drag acceleration km/s^2
O_BANK = 10  # bank angle rad
N_OUT = 11

# --- status codes ------------------------------------------------------------------
STATUS_IMPACT = 0
STATUS_MAX_TIME = 1
STATUS_CEILING = 2
STATUS_MIN_SPEED = 3
STATUS_BUFFER_FULL = 4
STATUS_NON_FINITE = 5


@jit
def _interp1(xg, yg, x):
    """Clamped linear interpolation of yg(xg) at x (xg increasing)."""
    n = xg.shape[0]
    if n == 1 or x <= xg[0]:
        return yg[0]
    if x >= xg[n - 1]:
        return yg[n - 1]
    lo = 0
    hi = n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xg[mid] <= x:
            lo = mid
        else:
            hi = mid
    f = (x - xg[lo]) / (xg[hi] - xg[lo])
    return yg[lo] + f * (yg[hi] - yg[lo])


@jit
def _bracket(xg, x):
    """Index lo and fraction f such that x ~ xg[lo] + f (xg[lo+1] - xg[lo]), clamped."""
    n = xg.shape[0]
    if n == 1:
        return 0, 0.0
    if x <= xg[0]:
        return 0, 0.0
    if x >= xg[n - 1]:
        return n - 2, 1.0
    lo = 0
    hi = n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xg[mid] <= x:
            lo = mid
        else:
            hi = mid
    return lo, (x - xg[lo]) / (xg[hi] - xg[lo])


@jit
def table_lookup(mach_grid, alpha_grid, table, mach, alpha):
    """Bilinear, edge-clamped interpolation of ``table[i_mach, i_alpha]``."""
    nm = mach_grid.shape[0]
    na = alpha_grid.shape[0]
    im, fm = _bracket(mach_grid, mach)
    ia, fa = _bracket(alpha_grid, alpha)
    im1 = im + 1 if nm > 1 else im
    ia1 = ia + 1 if na > 1 else ia
    c00 = table[im, ia]
    c01 = table[im, ia1]
    c10 = table[im1, ia]
    c11 = table[im1, ia1]
    return (1.0 - fm) * ((1.0 - fa) * c00 + fa * c01) + fm * ((1.0 - fa) * c10 + fa * c11)


@jit
def aero_accel(params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux, altitude_km, speed_km_s,
               alpha_cmd, terminal):
    """Lift and drag accelerations (km/s^2) at one state.

    Returns ``(lift, drag, drag_zero_lift)``; ``alpha_cmd`` NaN selects the max-L/D angle
    of attack.  ``aero_aux`` (n_mach, 2) holds per Mach node the max-L/D angle of attack
    (rad) and the zero-lift drag coefficient; ``drag_zero_lift`` is only computed when
    ``terminal`` is true (else it equals ``drag``).
    """
    rho, _p, _t, a_m_s = us1976_kernel(altitude_km)
    v_m_s = speed_km_s * 1000.0
    if params[P_KIND] == KIND_CONSTANT_LD:
        drag = rho * v_m_s * v_m_s / (2.0 * params[P_BETA_KG_M2]) * 1e-3
        lift = params[P_LIFT_TO_DRAG] * drag
        return lift, drag, drag
    mach = v_m_s / a_m_s
    q_s_over_m = 0.5 * rho * v_m_s * v_m_s * params[P_AREA_M2] / params[P_MASS_KG] * 1e-3
    alpha = alpha_cmd
    if math.isnan(alpha):
        alpha = _interp1(mach_grid, aero_aux[:, 0], mach)
    cl = table_lookup(mach_grid, alpha_grid, cl_tab, mach, alpha)
    cd = table_lookup(mach_grid, alpha_grid, cd_tab, mach, alpha)
    drag = q_s_over_m * cd
    drag0 = drag
    if terminal:
        drag0 = q_s_over_m * _interp1(mach_grid, aero_aux[:, 1], mach)
    return q_s_over_m * cl, drag, drag0


@jit
def program_controls(program, t):
    """Bank angle (rad) and angle-of-attack command (rad or NaN) at time t."""
    for k in range(program.shape[0]):
        if program[k, 0] <= t < program[k, 1]:
            mode = program[k, 2]
            p1 = program[k, 3]
            if mode == MODE_WEAVE:
                c = program[k, 5]
                s = math.tanh(c * math.sin(2.0 * math.pi * (t - program[k, 0]) / program[k, 4]))
                return p1 * s / math.tanh(c), program[k, 6]
            return p1, program[k, 6]
    return 0.0, np.nan


@jit
def great_circle_km(lat1, lon1, lat2, lon2, radius_km):
    """Haversine great-circle distance (km) on a sphere of radius radius_km."""
    s1 = math.sin(0.5 * (lat2 - lat1))
    s2 = math.sin(0.5 * (lon2 - lon1))
    h = s1 * s1 + math.cos(lat1) * math.cos(lat2) * s2 * s2
    if h > 1.0:
        h = 1.0
    return 2.0 * radius_km * math.asin(math.sqrt(h))


@jit
def _pn_lift(params, y, lift_max, drag_max_ld, drag_zero_lift, g):
    """Proportional-navigation lift magnitude, bank angle and drag toward the aim point."""
    r = y[0]
    lon = y[1]
    lat = y[2]
    v = y[3]
    gam = y[4]
    psi = y[5]
    # vehicle ENU basis in ECEF (spherical)
    clat = math.cos(lat)
    slat = math.sin(lat)
    clon = math.cos(lon)
    slon = math.sin(lon)
    tlat = params[P_AIM_LAT_RAD]
    tlon = params[P_AIM_LON_RAD]
    rt = R_EARTH_KM + params[P_IMPACT_ALT_KM]
    dx = rt * math.cos(tlat) * math.cos(tlon) - r * clat * clon
    dy = rt * math.cos(tlat) * math.sin(tlon) - r * clat * slon
    dz = rt * math.sin(tlat) - r * slat
    re_ = -slon * dx + clon * dy
    rn = -slat * clon * dx - slat * slon * dy + clat * dz
    ru = clat * clon * dx + clat * slon * dy + slat * dz
    ve = v * math.cos(gam) * math.sin(psi)
    vn = v * math.cos(gam) * math.cos(psi)
    vu = v * math.sin(gam)
    rho2 = re_ * re_ + rn * rn + ru * ru
    # rho_dot = -v (aim point fixed on the Earth); w = rho x rho_dot / |rho|^2
    wx = (rn * (-vu) - ru * (-vn)) / rho2
    wy = (ru * (-ve) - re_ * (-vu)) / rho2
    wz = (re_ * (-vn) - rn * (-ve)) / rho2
    nav = params[P_NAV_GAIN]
    # a = N (w x v)
    ae = nav * (wy * vu - wz * vn)
    an = nav * (wz * ve - wx * vu)
    au = nav * (wx * vn - wy * ve)
    # gravity compensation: add +g up (its normal part is kept by the projection below)
    au += g
    # unit vectors: velocity, right = v x up, lift0 = right x v
    vh_e = ve / v
    vh_n = vn / v
    vh_u = vu / v
    rt_e = vh_n * 1.0 - vh_u * 0.0
    rt_n = vh_u * 0.0 - vh_e * 1.0
    rt_u = 0.0
    nr = math.sqrt(rt_e * rt_e + rt_n * rt_n)
    if nr < 1e-9:
        rt_e = math.cos(psi)
        rt_n = -math.sin(psi)
        nr = 1.0
    rt_e /= nr
    rt_n /= nr
    l0_e = rt_n * vh_u - rt_u * vh_n
    l0_n = rt_u * vh_e - rt_e * vh_u
    l0_u = rt_e * vh_n - rt_n * vh_e
    a_vert = ae * l0_e + an * l0_n + au * l0_u
    a_lat = ae * rt_e + an * rt_n + au * rt_u
    lift = math.sqrt(a_vert * a_vert + a_lat * a_lat)
    bank = math.atan2(a_lat, a_vert)
    if lift > lift_max:
        lift = lift_max
    if params[P_KIND] == KIND_CONSTANT_LD or lift_max <= 0.0:
        drag = drag_max_ld
    else:
        f = lift / lift_max
        drag = drag_zero_lift + (drag_max_ld - drag_zero_lift) * f * f
    return lift, bank, drag


@jit
def forces(t, y, terminal, params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux, program):
    """Lift (km/s^2), drag (km/s^2) and bank angle (rad) at time t, state y."""
    alt = y[0] - R_EARTH_KM
    g = MU_EARTH_KM3_S2 / (y[0] * y[0])
    # np.bool_(True) rather than True: numba compiles a kernel once per literal argument
    # value (Literal[bool](True), Literal[bool](False), bool: three signatures of
    # aero_accel, forces and rhs); a bool variable gives one (docs/ARCHITECTURE.md,
    # "Cold start")
    if terminal:
        lift_max, drag_b, drag0 = aero_accel(
            params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux, alt, y[3], np.nan,
            np.bool_(True))
        lift, bank, drag = _pn_lift(params, y, lift_max, drag_b, drag0, g)
        return lift, bank, drag
    bank, alpha = program_controls(program, t)
    lift, drag, _d0 = aero_accel(
        params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux, alt, y[3], alpha,
        np.bool_(False))
    return lift, bank, drag


@jit
def rhs(t, y, terminal, params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux, program, dy):
    """Right-hand side of the Vinh-Busemann-Culp equations (module docstring) into dy."""
    r = y[0]
    lat = y[2]
    v = y[3]
    gam = y[4]
    psi = y[5]
    lift, bank, drag = forces(t, y, terminal, params, mach_grid, alpha_grid, cl_tab, cd_tab,
                              aero_aux, program)
    w = params[P_OMEGA_RAD_S]
    g = MU_EARTH_KM3_S2 / (r * r)
    cg = math.cos(gam)
    sg = math.sin(gam)
    cl = math.cos(lat)
    sl = math.sin(lat)
    cp = math.cos(psi)
    sp = math.sin(psi)
    dy[0] = v * sg
    dy[1] = v * cg * sp / (r * cl)
    dy[2] = v * cg * cp / r
    dy[3] = -drag - g * sg + w * w * r * cl * (sg * cl - cg * sl * cp)
    if bank == 0.0:
        cb = 1.0
        sb = 0.0
    else:
        cb = math.cos(bank)
        sb = math.sin(bank)
    dy[4] = (lift * cb + (v * v / r - g) * cg + 2.0 * w * v * cl * sp
             + w * w * r * cl * (cg * cl + sg * sl * cp)) / v
    dy[5] = (lift * sb / cg + v * v * cg * sp * sl / (r * cl)
             - 2.0 * w * v * (sg / cg * cl * cp - sl)
             + w * w * r * sl * cl * sp / cg) / v


@jit
def rk4_step(t, y, h, terminal, params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux, program,
             k1, out, k2, k3, k4, tmp, t_last):
    """One classical fourth-order Runge-Kutta step of size h from (t, y) into out.

    ``k1`` must hold the derivative at (t, y) (it is reused from the end of the previous
    step, FSAL-style).  The last stage is evaluated at time ``t_last`` (``t + h``, or
    just before it when the step ends on a programme breakpoint, so that the controls of
    the segment being integrated are used throughout the step).
    """
    for i in range(6):
        tmp[i] = y[i] + 0.5 * h * k1[i]
    rhs(t + 0.5 * h, tmp, terminal, params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux,
        program, k2)
    for i in range(6):
        tmp[i] = y[i] + 0.5 * h * k2[i]
    rhs(t + 0.5 * h, tmp, terminal, params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux,
        program, k3)
    for i in range(6):
        tmp[i] = y[i] + h * k3[i]
    rhs(t_last, tmp, terminal, params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux, program,
        k4)
    for i in range(6):
        out[i] = y[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])


@jit
def _record(row, t, y, terminal):
    """Write time, state and phase; force columns are NaN until :func:`fill_forces`."""
    row[O_TIME] = t
    for i in range(6):
        row[O_R + i] = y[i]
    row[O_PHASE] = PHASE_TERMINAL if terminal else PHASE_GLIDE
    row[O_LIFT] = np.nan
    row[O_DRAG] = np.nan
    row[O_BANK] = np.nan


@jit
def fill_forces(records, n, params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux, program):
    """Fill the lift, drag and bank columns of ``records[:n]`` from time, state and phase.

    The controls are a function of (t, state, phase) only, so they are recomputed exactly
    as the integrator used them (the left limit is not distinguished at a programme
    breakpoint: a sample falling exactly on one reports the new segment's bank).
    """
    y = np.empty(6)
    for i in range(n):
        for j in range(6):
            y[j] = records[i, O_R + j]
        terminal = records[i, O_PHASE] == PHASE_TERMINAL
        lift, bank, drag = forces(records[i, O_TIME], y, terminal, params, mach_grid, alpha_grid,
                                  cl_tab, cd_tab, aero_aux, program)
        records[i, O_LIFT] = lift
        records[i, O_DRAG] = drag
        records[i, O_BANK] = bank


@jit
def hermite(t0, y0, f0, t1, y1, f1, t, out):
    """Cubic Hermite interpolation of the state between two steps (dense output).

    Uses the states and derivatives at both ends; its error is O(h^4), the order of the
    RK4 step itself.
    """
    h = t1 - t0
    s = (t - t0) / h
    s2 = s * s
    s3 = s2 * s
    h00 = 2.0 * s3 - 3.0 * s2 + 1.0
    h10 = s3 - 2.0 * s2 + s
    h01 = -2.0 * s3 + 3.0 * s2
    h11 = s3 - s2
    for i in range(6):
        out[i] = h00 * y0[i] + h10 * h * f0[i] + h01 * y1[i] + h11 * h * f1[i]


@jit
def next_breakpoint(program, t):
    """Earliest programme segment start or end strictly after t (inf if none)."""
    best = np.inf
    for k in range(program.shape[0]):
        for c in range(2):
            b = program[k, c]
            if b > t + 1e-9 and b < best and program[k, 0] < program[k, 1]:
                best = b
    return best


@jit
def weave_active(program, t):
    """Whether the programme segment in force at ``t`` (as :func:`program_controls`) weaves."""
    for k in range(program.shape[0]):
        if program[k, 0] <= t < program[k, 1]:
            return program[k, 2] == MODE_WEAVE
    return False


@jit
def glide_step_safe(y, h, params):
    """Whether the terminal dive's start tests cannot fire within a glide step of ``h`` s.

    Over the step the ground range to the aim falls by at most ``V_b h`` and the height
    above the impact altitude grows by at most as much, with ``V_b = V + g0 h + 0.5`` km/s
    (the speed can grow only by gravity's along-path component; 0.5 km/s covers the
    Earth's rotation, ``omega R = 0.46`` km/s, in case of doubt on the frame), so the range
    test (``range <= dive range``) and the circular-dive acceleration test (``2 dz V^2 /
    (range^2 + dz^2) >= a_dive``, :class:`hgv_models.guidance.TerminalDive`) are bounded
    from the step's start.  True: no test can fire at the step's end nor at any ``step_s``
    boundary inside it.
    """
    rng = great_circle_km(y[2], y[1], params[P_AIM_LAT_RAD], params[P_AIM_LON_RAD],
                          R_EARTH_KM)
    vb = y[3] + G0_KM_S2 * h + 0.5
    travel = vb * h
    rng_lo = rng - travel
    if rng_lo <= params[P_DIVE_RANGE_KM] or rng_lo <= 0.0:
        return False
    if params[P_DIVE_ACCEL_G] > 0.0:
        dz_hi = y[0] - R_EARTH_KM - params[P_IMPACT_ALT_KM] + travel
        if 2.0 * dz_hi * vb * vb / (rng_lo * rng_lo) >= params[P_DIVE_ACCEL_G] * G0_KM_S2:
            return False
    return True


@jit
def integrate(y0, step_s, output_step_s, max_time_s, params, mach_grid, alpha_grid, cl_tab, cd_tab,
              aero_aux, program, out):
    """Integrate one trajectory with fixed-step RK4 until impact or another stop.

    Parameters
    ----------
    y0 : (6,) float64
        Initial state (r km, lon rad, lat rad, V km/s, gamma rad, psi rad).
    step_s : float
        RK4 step (s).  Steps are shortened to end on guidance-programme breakpoints
        (segment starts/ends), so bank discontinuities never fall inside a step.  With the
        dive enabled, ``params[P_GLIDE_STEP_S]`` (when larger) is the step of the glide
        phase on constant-bank segments away from the dive start (:func:`glide_step_safe`).
    output_step_s : float
        Output interval (s); samples at k * output_step_s come from cubic Hermite
        interpolation between steps (dense output, states and derivatives at both ends).
    max_time_s : float
        Stop (status ``STATUS_MAX_TIME``) after this flight time.
    params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux, program
        Vehicle/run parameters, aerodynamic tables and guidance program (module doc).
    out : (n_max, N_OUT) float64
        Output records; the last written row is the exact impact state when the
        status is ``STATUS_IMPACT`` (impact time found by bisection of the last step,
        re-integrated with RK4, to 1e-9 km in altitude).  Time, state and phase columns
        are written; the lift/drag/bank columns are NaN until :func:`fill_forces`.

    Returns
    -------
    n_written : int
    status : int
    """
    y = y0.copy()
    ynew = np.empty(6)
    f = np.empty(6)
    fnew = np.empty(6)
    k2 = np.empty(6)
    k3 = np.empty(6)
    k4 = np.empty(6)
    tmp = np.empty(6)
    yi = np.empty(6)
    t = 0.0
    terminal = np.bool_(False)  # a bool variable, not the constant False: see forces
    n_max = out.shape[0]
    z_imp = params[P_IMPACT_ALT_KM]
    dive = params[P_DIVE_ENABLED] != 0.0
    _record(out[0], t, y, terminal)
    n = 1
    rhs(t, y, terminal, params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux, program, f)
    while True:
        if dive and not terminal:
            rng = great_circle_km(y[2], y[1], params[P_AIM_LAT_RAD], params[P_AIM_LON_RAD],
                                  R_EARTH_KM)
            dz = y[0] - R_EARTH_KM - z_imp
            arc_accel = 2.0 * dz * y[3] * y[3] / (rng * rng + dz * dz)
            if rng <= params[P_DIVE_RANGE_KM] or (
                    params[P_DIVE_ACCEL_G] > 0.0
                    and arc_accel >= params[P_DIVE_ACCEL_G] * G0_KM_S2):
                terminal = np.bool_(True)
                rhs(t, y, terminal, params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux,
                    program, f)
        h = step_s
        if (dive and not terminal and params[P_GLIDE_STEP_S] > step_s
                and not weave_active(program, t)
                and glide_step_safe(y, params[P_GLIDE_STEP_S], params)):
            h = params[P_GLIDE_STEP_S]
        brk = next_breakpoint(program, t)
        at_break = False
        if brk < t + h + 1e-9:
            h = brk - t
            at_break = True
        if t + h > max_time_s:
            h = max_time_s - t
            at_break = False
        rk4_step(t, y, h, terminal, params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux,
                 program, f, ynew, k2, k3, k4, tmp, t + h - 1e-9 if at_break else t + h)
        ok = True
        for i in range(6):
            if not math.isfinite(ynew[i]):
                ok = False
        if not ok:
            return n, STATUS_NON_FINITE
        t_end = t + h
        impact = ynew[0] - R_EARTH_KM <= z_imp
        if impact:
            # bisect the step length so that the altitude lands on z_imp
            lo = 0.0
            hi = h
            mid = h
            for _it in range(80):
                mid = 0.5 * (lo + hi)
                rk4_step(t, y, mid, terminal, params, mach_grid, alpha_grid, cl_tab, cd_tab,
                         aero_aux, program, f, ynew, k2, k3, k4, tmp,
                         t + mid - 1e-9 if (at_break and mid == h) else t + mid)
                dz = ynew[0] - R_EARTH_KM - z_imp
                if dz > 0.0:
                    lo = mid
                else:
                    hi = mid
                if abs(dz) < 1e-9 or hi - lo < 1e-12:
                    break
            t_end = t + mid
        # derivative at the end of the step, seen from inside the step (left limit at a
        # programme breakpoint) for the dense output
        rhs(t_end - 1e-9 if at_break else t_end, ynew, terminal, params, mach_grid, alpha_grid,
            cl_tab, cd_tab, aero_aux, program, fnew)
        # dense output at grid times in (t, t_end]
        while True:
            tk = n * output_step_s - params[P_OUTPUT_PHASE_S]
            if tk > t_end + 1e-9 or (impact and tk >= t_end - 1e-9):
                break
            if n >= n_max:
                return n, STATUS_BUFFER_FULL
            if abs(tk - t_end) <= 1e-9:
                _record(out[n], tk, ynew, terminal)
            else:
                hermite(t, y, f, t_end, ynew, fnew, tk, yi)
                _record(out[n], tk, yi, terminal)
            n += 1
        if impact:
            if n >= n_max:
                return n, STATUS_BUFFER_FULL
            _record(out[n], t_end, ynew, terminal)
            return n + 1, STATUS_IMPACT
        for i in range(6):
            y[i] = ynew[i]
        t = t_end
        if at_break:
            rhs(t, y, terminal, params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux, program, f)
        else:
            for i in range(6):
                f[i] = fnew[i]
        if y[0] - R_EARTH_KM > params[P_CEILING_KM]:
            return n, STATUS_CEILING
        if y[3] < params[P_MIN_SPEED_KM_S]:
            return n, STATUS_MIN_SPEED
        if t >= max_time_s - 1e-9:
            return n, STATUS_MAX_TIME


@jit_parallel
def integrate_batch(y0s, step_s, output_step_s, max_time_s, params2d, mach_grid, alpha_grid, cl_tab,
                    cd_tab, aero_aux, programs, out, n_written, status, with_forces):
    """Integrate many trajectories in parallel (``prange`` over trajectories).

    ``y0s`` (n_traj, 6), ``params2d`` (n_traj, N_PARAMS), ``programs`` (n_traj, n_seg,
    PROGRAM_COLUMNS) (rows with t0 >= t1 are inactive padding), ``out`` (n_traj, n_max,
    N_OUT); ``n_written`` and ``status`` (n_traj,) int64 are filled in; the force columns
    are filled (:func:`fill_forces`) when ``with_forces`` is true, else left NaN.
    """
    for i in prange(y0s.shape[0]):
        nw, st = integrate(y0s[i], step_s, output_step_s, max_time_s, params2d[i], mach_grid,
                           alpha_grid, cl_tab, cd_tab, aero_aux, programs[i], out[i])
        n_written[i] = nw
        status[i] = st
        if with_forces:
            fill_forces(out[i], nw, params2d[i], mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux,
                        programs[i])


@jit
def derived_quantities(records, n, params, mach_grid, alpha_grid, cl_tab, cd_tab, aero_aux,
                       nose_radius_m, emissivity, out):
    """Mach, Sutton-Graves heating, equilibrium temperature, dynamic pressure, load factor.

    ``out`` (n, 5) receives: Mach number; stagnation-point convective heating (W/cm^2)
    ``q = k sqrt(rho / R_n) V^3`` with ``k = 1.7415e-4 kg^0.5 / m`` for air (Sutton &
    Graves, NASA TR R-376, 1971; SI units, V in m/s, R_n in m); radiative-equilibrium
    surface temperature ``T = (q / (eps sigma))^(1/4)`` (K); dynamic pressure
    ``rho V^2 / 2`` (Pa); load factor ``sqrt(L^2 + D^2) / g0`` (g).
    """
    sigma_sb = 5.670374419e-8
    for i in range(n):
        alt = records[i, O_R] - R_EARTH_KM
        v = records[i, O_V] * 1000.0
        rho, _p, _t, a = us1976_kernel(alt)
        q = 1.7415e-4 * math.sqrt(rho / nose_radius_m) * v * v * v
        out[i, 0] = v / a
        out[i, 1] = q * 1e-4
        out[i, 2] = (q / (emissivity * sigma_sb)) ** 0.25
        out[i, 3] = 0.5 * rho * v * v
        lift = records[i, O_LIFT]
        drag = records[i, O_DRAG]
        out[i, 4] = math.sqrt(lift * lift + drag * drag) / G0_KM_S2
