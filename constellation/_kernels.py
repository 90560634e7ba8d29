"""numba kernels of the coverage engine (plain float64/int arrays; km, s, rad; never raise).

Detection test
--------------
:func:`detects` implements DESIGN.md "Detection geometry" for one (satellite, target) pair.
With ``d = sat - tgt``, ``R = |d|`` and ``n`` the unit WGS84 ellipsoid normal at the target:

- elevation:   ``sin(el) = (d . n) / R >= sin(min_elevation)``   (geodetic horizon)
- field of regard: off-nadir angle ``eta`` between ``-sat`` (geocentric nadir) and
  ``tgt - sat``: ``cos(eta) = (sat . d) / (|sat| R) >= cos(FOR / 2)``
- range: ``R <= max_range``
- grazing altitude ``g``: scale x, y by ``1/(a+g)`` and z by ``1/(b+g)`` (WGS84 a, b) so the
  inflated ellipsoid is the unit sphere; the segment ``p0 + tau (p1 - p0)``, tau in [0, 1],
  clears it iff its closest approach to the origin, at
  ``tau* = clip(-p0 . (p1 - p0) / |p1 - p0|^2, 0, 1)``, has norm ``> 1``.
  (A linear map preserves segments, so this is exact.)
- radiometric: ``I >= threshold * (R / R_ref)^2`` when a threshold is set and the target
  intensity ``I`` (W/sr) is known (not NaN).

Stereo and triangulation
------------------------
Convergence angle ``gamma`` of two lines of sight at the target: angle between ``s1 - t`` and
``s2 - t``. Stereo pair: ``gamma in [theta_min, pi - theta_min]``, i.e.
``|cos gamma| <= cos theta_min`` (with two sensor types: the larger ``theta_min``).

Triangulation 1-sigma error (:func:`triangulation_sigma_m`): each sensor measures the unit
line of sight ``u_i`` with isotropic transverse angular noise ``sigma_i`` (rad, per axis), so
its position information is ``P_i / (sigma_i R_i)^2`` with ``P_i = I - u_i u_i^T`` (a bearing
error ``sigma`` displaces the line by ``sigma R`` transverse to it). The least-squares
intersection ``x = argmin sum_i |P_i (x - s_i)|^2 / (sigma_i R_i)^2`` has covariance
``C = J^-1``, ``J = sum_i w_i P_i``, ``w_i = 1 / (sigma_i R_i)^2`` (Fisher information of the
linearised bearings-only problem, e.g. Bar-Shalom, Li & Kirubarajan, *Estimation with
Applications to Tracking and Navigation*, Wiley 2001, ch. 2-3; Hartley & Zisserman, *Multiple
View Geometry*, 2nd ed., sec. 12.2). In the basis (in-plane, normal to the plane of the two
lines of sight) ``J`` splits into the in-plane block ``w1 v1 v1^T + w2 v2 v2^T`` (``v_i`` the
in-plane normals of ``u_i``; ``det = w1 w2 sin^2 gamma``, ``trace = w1 + w2``) and the
out-of-plane value ``w1 + w2``, hence

    trace C = (sigma1^2 R1^2 + sigma2^2 R2^2) / sin^2(gamma)
              + sigma1^2 R1^2 sigma2^2 R2^2 / (sigma1^2 R1^2 + sigma2^2 R2^2)

and the reported 1-sigma (3-D RMS) position error is ``sqrt(trace C)``; for equal noise
``sigma * sqrt((R1^2 + R2^2) / sin^2 gamma + R1^2 R2^2 / (R1^2 + R2^2))``. The first term is
the familiar ``sigma sqrt(R1^2 + R2^2) / sin(gamma)`` in-plane error. Tests check it against
a Monte Carlo of noisy bearings within 5 %.

Grid kernels
------------
See :func:`cap_bounds` (closed-form footprint bound per satellite and time step) and
:func:`grid_chunk` (exact tests of the candidates and streaming metrics); the module
docstring of :mod:`constellation.coverage` describes the algorithm and the metrics.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

# WGS84 (NIMA TR8350.2); identical to orbits.constants.
WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563
WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)

# ---------------------------------------------------------------- sensor parameter vector
P_MIN_EL_RAD = 0
P_SIN_MIN_EL = 1
P_HALF_FOR_RAD = 2
P_COS_HALF_FOR = 3  # -2 when unlimited
P_MAX_RANGE_KM = 4  # inf when unlimited
P_HAS_GRAZING = 5  # 1.0 / 0.0
P_GRAZING_KM = 6
P_STEREO_MIN_RAD = 7
P_COS_STEREO_MIN = 8
P_NOISE_RAD = 9
P_THRESHOLD_W_SR = 10  # NaN when off
P_REF_RANGE_KM = 11
P_INTENSITY_W_SR = 12  # NaN when unknown
N_PARAM = 13

GRAZING_TOL = 1e-9
"""Tolerance on the squared scaled closest-approach norm of the grazing test (~3 mm)."""


# ---------------------------------------------------------------- scalar geometry
@njit(cache=True, fastmath=False)
def slant_range_km(sat_xyz, tgt_xyz):
    """Distance satellite -> target (km). ``sat_xyz``, ``tgt_xyz``: (3,) ECEF km."""
    dx = sat_xyz[0] - tgt_xyz[0]
    dy = sat_xyz[1] - tgt_xyz[1]
    dz = sat_xyz[2] - tgt_xyz[2]
    return math.sqrt(dx * dx + dy * dy + dz * dz)


@njit(cache=True)
def sin_elevation(sat_xyz, tgt_xyz, tgt_up):
    """Sine of the satellite's elevation above the target's horizon of unit normal ``tgt_up``."""
    dx = sat_xyz[0] - tgt_xyz[0]
    dy = sat_xyz[1] - tgt_xyz[1]
    dz = sat_xyz[2] - tgt_xyz[2]
    r = math.sqrt(dx * dx + dy * dy + dz * dz)
    if r == 0.0:
        return 1.0
    return (dx * tgt_up[0] + dy * tgt_up[1] + dz * tgt_up[2]) / r


@njit(cache=True)
def elevation_rad(sat_xyz, tgt_xyz, tgt_up):
    """Elevation (rad) of the satellite above the target's (geodetic) horizon."""
    s = sin_elevation(sat_xyz, tgt_xyz, tgt_up)
    if s > 1.0:
        s = 1.0
    elif s < -1.0:
        s = -1.0
    return math.asin(s)


@njit(cache=True)
def cos_off_nadir(sat_xyz, tgt_xyz):
    """Cosine of the target's angle off geocentric nadir as seen from the satellite."""
    dx = sat_xyz[0] - tgt_xyz[0]
    dy = sat_xyz[1] - tgt_xyz[1]
    dz = sat_xyz[2] - tgt_xyz[2]
    r = math.sqrt(dx * dx + dy * dy + dz * dz)
    rs = math.sqrt(sat_xyz[0] ** 2 + sat_xyz[1] ** 2 + sat_xyz[2] ** 2)
    if r == 0.0 or rs == 0.0:
        return 1.0
    return (sat_xyz[0] * dx + sat_xyz[1] * dy + sat_xyz[2] * dz) / (r * rs)


@njit(cache=True)
def off_nadir_rad(sat_xyz, tgt_xyz):
    """Off-nadir angle (rad) of the target about geocentric nadir."""
    c = cos_off_nadir(sat_xyz, tgt_xyz)
    if c > 1.0:
        c = 1.0
    elif c < -1.0:
        c = -1.0
    return math.acos(c)


@njit(cache=True)
def segment_clears_ellipsoid(p0, p1, a_km, b_km):
    """True when the segment p0 -> p1 never enters the spheroid (a, a, b).

    Scales x, y by ``1/a`` and z by ``1/b`` (the spheroid becomes the unit sphere) and checks
    that the closest approach of the segment to the origin has squared norm
    ``>= 1 - GRAZING_TOL`` (``GRAZING_TOL = 1e-9``, about 3 mm in radius, so an end point
    lying exactly on the spheroid, e.g. a ground target with grazing altitude 0, is not
    "below" it through rounding).
    """
    return segment_clears_ellipsoid_s(p0[0], p0[1], p0[2], p1[0], p1[1], p1[2], a_km, b_km)


@njit(cache=True, inline="always")
def segment_clears_ellipsoid_s(px, py, pz, qx, qy, qz, a_km, b_km):
    """Scalar form of :func:`segment_clears_ellipsoid` (segment (px, py, pz) -> (qx, qy, qz), km)."""
    x0 = px / a_km
    y0 = py / a_km
    z0 = pz / b_km
    dx = qx / a_km - x0
    dy = qy / a_km - y0
    dz = qz / b_km - z0
    dd = dx * dx + dy * dy + dz * dz
    tau = 0.0
    if dd > 0.0:
        tau = -(x0 * dx + y0 * dy + z0 * dz) / dd
        if tau < 0.0:
            tau = 0.0
        elif tau > 1.0:
            tau = 1.0
    cx = x0 + tau * dx
    cy = y0 + tau * dy
    cz = z0 + tau * dz
    return cx * cx + cy * cy + cz * cz >= 1.0 - GRAZING_TOL


@njit(cache=True, inline="always")
def sensor_scalars(table, si, intensity_w_sr):
    """Unpack sensor row ``si`` into the scalars :func:`detect_r2` takes.

    Returns
    -------
    (sin_min_el, max_range_sq_km2, cos_half_for (-2 = off), grazing_a_km, grazing_b_km (0 = off),
    k_thr (W/sr/km^2, threshold / R_ref^2; -1 = no radiometric test), intensity_w_sr)
    """
    rmax = table[si, P_MAX_RANGE_KM]
    ga = 0.0
    gb = 0.0
    if table[si, P_HAS_GRAZING] > 0.5:
        ga = WGS84_A_KM + table[si, P_GRAZING_KM]
        gb = WGS84_B_KM + table[si, P_GRAZING_KM]
    thr = table[si, P_THRESHOLD_W_SR]
    kthr = -1.0
    if thr == thr and intensity_w_sr == intensity_w_sr:
        ref = table[si, P_REF_RANGE_KM]
        kthr = thr / (ref * ref)
    return table[si, P_SIN_MIN_EL], rmax * rmax, table[si, P_COS_HALF_FOR], ga, gb, kthr, intensity_w_sr


@njit(cache=True, inline="always")
def detect_r2(sx, sy, sz, tx, ty, tz, ux, uy, uz, se, rmax2, cf, ga, gb, kthr, inten):
    """Detection test on scalars; returns the squared slant range (km^2) when detected, else -1.

    Same inequalities as :func:`detects_i` (module docstring), arranged without square roots
    where possible: elevation ``d . n >= sin(eps) R`` as ``d . n >= 0 and (d . n)^2 >=
    sin^2(eps) R^2`` for ``eps >= 0`` (mirrored for ``eps < 0``), range as ``R^2 <= R_max^2``,
    radiometric as ``I >= (threshold / R_ref^2) R^2``.
    """
    dx = sx - tx
    dy = sy - ty
    dz = sz - tz
    r2 = dx * dx + dy * dy + dz * dz
    if not r2 > 0.0:  # also rejects NaN positions
        return -1.0
    up_dot = dx * ux + dy * uy + dz * uz
    if se >= 0.0:
        if up_dot < 0.0 or up_dot * up_dot < se * se * r2:
            return -1.0
    elif up_dot < 0.0 and up_dot * up_dot > se * se * r2:
        return -1.0
    if r2 > rmax2:
        return -1.0
    if cf > -1.5:
        rs2 = sx * sx + sy * sy + sz * sz
        w = sx * dx + sy * dy + sz * dz
        if cf >= 0.0:
            if w < 0.0 or w * w < cf * cf * r2 * rs2:
                return -1.0
        elif w < 0.0 and w * w > cf * cf * r2 * rs2:
            return -1.0
    if gb > 0.0 and not segment_clears_ellipsoid_s(sx, sy, sz, tx, ty, tz, ga, gb):
        return -1.0
    if kthr >= 0.0:
        if inten < kthr * r2:
            return -1.0
    return r2


@njit(cache=True, inline="always")
def detect_core(sx, sy, sz, tx, ty, tz, ux, uy, uz, table, si, intensity_w_sr):
    """Scalar form of :func:`detects_i` reading sensor row ``si`` of ``table`` (no array views)."""
    se, rmax2, cf, ga, gb, kthr, inten = sensor_scalars(table, si, intensity_w_sr)
    return detect_r2(sx, sy, sz, tx, ty, tz, ux, uy, uz, se, rmax2, cf, ga, gb, kthr, inten) >= 0.0


@njit(cache=True)
def detects_i(sat_xyz, tgt_xyz, tgt_up, params, intensity_w_sr):
    """Does the satellite detect the target? (all configured constraints at once).

    The elevation test ``(d . n) >= sin(eps) R`` is evaluated without a square root as
    ``d . n >= 0 and (d . n)^2 >= sin^2(eps) R^2`` for ``eps >= 0`` (and the mirrored form for
    ``eps < 0``), which is the same inequality.

    Parameters
    ----------
    sat_xyz, tgt_xyz : (3,) float64
        ECEF positions (km).
    tgt_up : (3,) float64
        Unit WGS84 ellipsoid normal at the target.
    params : (N_PARAM,) float64
        Sensor vector from ``Sensor.kernel_params``.
    intensity_w_sr : float
        Target in-band intensity (W/sr); NaN skips the radiometric test.

    Returns
    -------
    bool
    """
    return detect_core(sat_xyz[0], sat_xyz[1], sat_xyz[2], tgt_xyz[0], tgt_xyz[1], tgt_xyz[2],
                       tgt_up[0], tgt_up[1], tgt_up[2], params.reshape(1, params.shape[0]), 0, intensity_w_sr)


@njit(cache=True)
def detects(sat_xyz, tgt_xyz, tgt_up, params):
    """:func:`detects_i` with the target intensity stored in ``params[P_INTENSITY_W_SR]``."""
    return detects_i(sat_xyz, tgt_xyz, tgt_up, params, params[P_INTENSITY_W_SR])


@njit(cache=True)
def cos_convergence(sat1, sat2, tgt):
    """Cosine of the convergence angle of the lines of sight sat1->tgt and sat2->tgt."""
    ax = sat1[0] - tgt[0]
    ay = sat1[1] - tgt[1]
    az = sat1[2] - tgt[2]
    bx = sat2[0] - tgt[0]
    by = sat2[1] - tgt[1]
    bz = sat2[2] - tgt[2]
    na = math.sqrt(ax * ax + ay * ay + az * az)
    nb = math.sqrt(bx * bx + by * by + bz * bz)
    if na == 0.0 or nb == 0.0:
        return 1.0
    c = (ax * bx + ay * by + az * bz) / (na * nb)
    if c > 1.0:
        c = 1.0
    elif c < -1.0:
        c = -1.0
    return c


@njit(cache=True)
def convergence_angle_rad(sat1, sat2, tgt):
    """Convergence angle (rad, [0, pi]) of two lines of sight meeting at the target.

    Computed as ``atan2(|a x b|, a . b)`` (accurate at small and large angles) with
    ``a = sat1 - tgt``, ``b = sat2 - tgt``.
    """
    ax = sat1[0] - tgt[0]
    ay = sat1[1] - tgt[1]
    az = sat1[2] - tgt[2]
    bx = sat2[0] - tgt[0]
    by = sat2[1] - tgt[1]
    bz = sat2[2] - tgt[2]
    cx = ay * bz - az * by
    cy = az * bx - ax * bz
    cz = ax * by - ay * bx
    return math.atan2(math.sqrt(cx * cx + cy * cy + cz * cz), ax * bx + ay * by + az * bz)


@njit(cache=True)
def is_stereo(sat1, sat2, tgt, cos_stereo_min):
    """Stereo test ``|cos gamma| <= cos(theta_min)`` (gamma in [theta_min, pi - theta_min])."""
    return abs(cos_convergence(sat1, sat2, tgt)) <= cos_stereo_min


@njit(cache=True)
def triangulation_sigma2_m(sat1, sat2, tgt, noise1_rad, noise2_rad):
    """1-sigma 3-D position error (m) of the two-ray least-squares intersection.

    ``sqrt(trace C)`` with the covariance of the module docstring; ``inf`` for parallel lines
    of sight. Positions in km (ECEF, (3,)), noises in rad per transverse axis.
    """
    ax = sat1[0] - tgt[0]
    ay = sat1[1] - tgt[1]
    az = sat1[2] - tgt[2]
    bx = sat2[0] - tgt[0]
    by = sat2[1] - tgt[1]
    bz = sat2[2] - tgt[2]
    r1s = ax * ax + ay * ay + az * az
    r2s = bx * bx + by * by + bz * bz
    cx = ay * bz - az * by
    cy = az * bx - ax * bz
    cz = ax * by - ay * bx
    cross2 = cx * cx + cy * cy + cz * cz
    if not cross2 > 0.0:
        return math.inf
    sin2 = cross2 / (r1s * r2s)
    q1 = noise1_rad * noise1_rad * r1s
    q2 = noise2_rad * noise2_rad * r2s
    var_km2 = (q1 + q2) / sin2 + q1 * q2 / (q1 + q2)
    return 1000.0 * math.sqrt(var_km2)


@njit(cache=True)
def triangulation_sigma_m(sat1, sat2, tgt, noise_rad):
    """1-sigma 3-D triangulation error (m) with equal per-line-of-sight noise ``noise_rad``."""
    return triangulation_sigma2_m(sat1, sat2, tgt, noise_rad, noise_rad)


@njit(cache=True)
def best_stereo_pair(sat_xyz, det_idx, n_det, sensor_of_sat, table, tgt):
    """Best stereo pair (smallest triangulation error) among detecting satellites.

    Parameters
    ----------
    sat_xyz : (n_sat, 3) float64
        Satellite positions (km) at this time.
    det_idx : (>= n_det,) int
        Indices of the detecting satellites (first ``n_det`` entries used).
    n_det : int
    sensor_of_sat : (n_sat,) int
        Row of ``table`` for each satellite.
    table : (n_sensor, N_PARAM) float64
    tgt : (3,) float64
        Target position (km).

    Returns
    -------
    (i, j, gamma_rad, sigma_m)
        Satellite indices of the best pair (-1, -1, NaN, NaN when no stereo pair exists).
    """
    bi = -1
    bj = -1
    bg = math.nan
    bs = math.inf
    for a in range(n_det):
        i = det_idx[a]
        pi_ = table[sensor_of_sat[i]]
        for b in range(a + 1, n_det):
            j = det_idx[b]
            pj = table[sensor_of_sat[j]]
            cmin = min(pi_[P_COS_STEREO_MIN], pj[P_COS_STEREO_MIN])
            c = cos_convergence(sat_xyz[i], sat_xyz[j], tgt)
            if abs(c) <= cmin:
                s = triangulation_sigma2_m(sat_xyz[i], sat_xyz[j], tgt, pi_[P_NOISE_RAD], pj[P_NOISE_RAD])
                if s < bs:
                    bs = s
                    bi = i
                    bj = j
                    bg = convergence_angle_rad(sat_xyz[i], sat_xyz[j], tgt)
    if bi < 0:
        return -1, -1, math.nan, math.nan
    return bi, bj, bg, bs


# ====================================================================== grid coverage kernels
# Per-point streaming state (all 1-D arrays over points unless noted):
ST_N1 = 0  # int32 columns of the ``istate`` (n_point, N_ISTATE) array
ST_N2 = 1
ST_NST = 2
ST_LAST_DET = 3  # last time index with a detection (-1 none yet)
ST_LAST_ST = 4  # last time index with a stereo pair (-1 none yet)
ST_NGAP = 5  # number of closed detection gaps
N_ISTATE = 6
FS_SUMC = 0  # float64 columns of the ``fstate`` (n_point, N_FSTATE) array
FS_MAXGAP = 1
FS_SUMGAP = 2
FS_MAXGAP_ST = 3
N_FSTATE = 4

LN_1000 = math.log(1000.0)
N_REC = 2
"""Width of a detection record of the row buffers: q = (sigma R)^2, satellite index."""
TILE_ROWS = 6
"""grid_chunk: grid rows per strip (a thread's unit of work), and rows of a tile."""
TILE_COLS = 4
"""grid_chunk: grid columns per tile."""
BLOCK = TILE_ROWS * TILE_COLS
"""grid_chunk: points per tile, stored contiguously (tile-major); the vectorised loops' trip count."""
CAP_PAD_RAD = 1e-7
"""Angular padding (rad, ~0.6 m on the ground) added to every closed-form footprint bound."""


@njit(cache=True)
def max_central_angle(r_sat, params, r_min, r_max, tilt_rad):
    """Conservative upper bound on the geocentric central angle satellite -> detected target (rad).

    See :func:`_max_central_angle` (this computes its per-sensor ``cos_eps`` first).
    """
    return _max_central_angle(r_sat, params, r_min, r_max, tilt_rad,
                              math.cos(params[P_MIN_EL_RAD] - tilt_rad - 1e-9))


@njit(cache=True, inline="always")
def _max_central_angle(r_sat, params, r_min, r_max, tilt_rad, cos_eps):
    """Conservative upper bound on the geocentric central angle satellite -> detected target.

    Targets lie in the spherical shell ``r_min <= |t| <= r_max`` (km); the geodetic normal
    differs from the geocentric radius by at most ``tilt_rad``. Each constraint gives a closed
    form bound (see :mod:`constellation.coverage` for the derivations):

    - elevation ``>= eps`` (geodetic) implies geocentric elevation ``>= eps' = eps - tilt``;
      on a sphere of radius r: ``lambda <= acos(r cos eps' / r_s) - eps'``, largest at r_min;
    - range ``<= R``: ``cos lambda >= (r_s^2 + r^2 - R^2) / (2 r_s r)``, minimised over the
      shell (ends and the stationary point ``r = sqrt(r_s^2 - R^2)``);
    - grazing altitude g: the segment must clear the sphere of radius ``b + g`` inscribed in
      the inflated ellipsoid: ``lambda <= acos(r_g / r_s) + acos(r_g / r)``, largest at r_max
      (no target when ``r_max < r_g``);
    - field of regard half-angle eta: near branch ``lambda <= asin(r_s sin eta / r) - eta``
      (largest at r_min), valid when the far branch
      ``lambda >= pi - asin(r_s sin eta / r_min) - eta`` is excluded by the other bounds.

    ``cos_eps`` is ``cos(eps')`` for the sensor (hoisted out of the per-satellite loop).

    Returns
    -------
    float
        Bound in rad, padded by ``CAP_PAD_RAD``; ``pi`` or more means no limit; negative means
        no target can be detected.
    """
    lam = math.pi
    # elevation
    eps = params[P_MIN_EL_RAD] - tilt_rad - 1e-9
    if eps > -0.5 * math.pi and r_sat > r_min:
        x = r_min * cos_eps / r_sat
        if x < 1.0:
            lam = min(lam, math.acos(x) - eps)
        else:
            lam = -1.0
    # range (geometric max range and radiometric range)
    rng = params[P_MAX_RANGE_KM]
    thr = params[P_THRESHOLD_W_SR]
    inten = params[P_INTENSITY_W_SR]
    if thr == thr and inten == inten:
        if inten <= 0.0:
            return -1.0
        rng = min(rng, params[P_REF_RANGE_KM] * math.sqrt(inten / thr))
    if rng < math.inf:
        rng = rng * (1.0 + 1e-12) + 1e-9
        f = (r_sat * r_sat + r_min * r_min - rng * rng) / (2.0 * r_sat * r_min)
        f2 = (r_sat * r_sat + r_max * r_max - rng * rng) / (2.0 * r_sat * r_max)
        if f2 < f:
            f = f2
        s2 = r_sat * r_sat - rng * rng
        if s2 > 0.0:
            rc = math.sqrt(s2)
            if r_min < rc < r_max:
                f3 = (r_sat * r_sat + rc * rc - rng * rng) / (2.0 * r_sat * rc)
                if f3 < f:
                    f = f3
        if f > 1.0:
            return -1.0
        if f > -1.0:
            lam = min(lam, math.acos(f))
    # grazing altitude
    if params[P_HAS_GRAZING] > 0.5:
        rg = (WGS84_B_KM + params[P_GRAZING_KM]) * (1.0 - 1e-8)
        if r_max < rg or r_sat < rg:
            return -1.0
        lam = min(lam, math.acos(rg / r_sat) + math.acos(rg / r_max))
    # field of regard
    eta = params[P_HALF_FOR_RAD]
    if params[P_COS_HALF_FOR] > -1.5 and eta < 0.5 * math.pi:
        x = r_sat * math.sin(eta) / r_min
        if x < 1.0:
            near = math.asin(x) - eta
            far = math.pi - math.asin(x) - eta
            if lam < far - 1e-9:
                lam = min(lam, near)
    if lam < 0.0:
        return -1.0
    return lam + CAP_PAD_RAD


@njit(cache=True, parallel=True)
def cap_bounds(pos, valid, sensor_of_sat, table, r_min, r_max, tilt_rad, row_sin, lon0_rad, lon_span_rad,
               cos_lam, sin_lat_s, cos_lat_s, lon_s, row_lo, row_hi):
    """Candidate search: footprint bound and latitude-row band of every (time, satellite).

    Parameters
    ----------
    pos : (n_t, n_sat, 3) float64
        Satellite ECEF positions (km).
    valid : (n_t, n_sat) bool
    sensor_of_sat : (n_sat,) int64
    table : (n_sensor, N_PARAM) float64
    r_min, r_max : float
        Geocentric radius range of the grid points (km).
    tilt_rad : float
        Largest normal-vs-radius angle on the grid (rad).
    row_sin : (n_lat,) float64
        Sine of each grid row's geocentric latitude (ascending). The band is found in sine:
        ``sin(phi_s +- lambda) = sin phi_s cos lambda +- cos phi_s sin lambda`` (no ``atan2``
        for the satellite's latitude), the whole side up to a pole when
        ``cos(phi_s +- lambda) <= 0``.
    lon0_rad, lon_span_rad : float
        First longitude of the grid and its span (rad). A cap not containing a pole spans
        ``|dlon| <= asin(sin(lambda) / cos(phi_s))`` in longitude; satellites whose span misses
        the grid's longitudes (modulo 2 pi) get no rows.
    cos_lam, sin_lat_s, cos_lat_s, lon_s : (n_t, n_sat) float64, output
        Cosine of the padded max central angle (-2 = whole sphere), sine/cosine of the
        sub-satellite geocentric latitude, sub-satellite longitude (rad).
    row_lo, row_hi : (n_t, n_sat) int64, output
        First/last candidate row (row_lo > row_hi: none).
    """
    n_t = pos.shape[0]
    n_sat = pos.shape[1]
    n_lat = row_sin.shape[0]
    cos_eps = np.empty(table.shape[0])
    for si in range(table.shape[0]):
        cos_eps[si] = math.cos(table[si, P_MIN_EL_RAD] - tilt_rad - 1e-9)
    for q in prange(n_t * n_sat):
        k = q // n_sat
        s = q % n_sat
        row_lo[k, s] = 1
        row_hi[k, s] = 0
        cos_lam[k, s] = 2.0
        if not valid[k, s]:
            continue
        x = pos[k, s, 0]
        y = pos[k, s, 1]
        z = pos[k, s, 2]
        rho = math.sqrt(x * x + y * y)
        rs = math.sqrt(rho * rho + z * z)
        if not rs > 0.0:
            continue
        si = sensor_of_sat[s]
        lam = _max_central_angle(rs, table[si], r_min, r_max, tilt_rad, cos_eps[si])
        if lam < 0.0:
            continue
        sl = z / rs
        cl = rho / rs
        sin_lat_s[k, s] = sl
        cos_lat_s[k, s] = cl
        lon_s[k, s] = math.atan2(y, x)
        if lam >= math.pi:
            cos_lam[k, s] = -2.0
            row_lo[k, s] = 0
            row_hi[k, s] = n_lat - 1
            continue
        c_lam = math.cos(lam)
        s_lam = math.sin(lam)
        # cos(|phi_s| + lambda) > 0: the cap holds no pole (the 1e-9 margin as a sine)
        if cl * c_lam - abs(sl) * s_lam > 1e-9 and lon_span_rad < 2.0 * math.pi - 1e-9:
            x = s_lam / cl
            if x < 1.0:
                dl = math.asin(x) + 1e-9
                twopi = 2.0 * math.pi
                a = lon_s[k, s] - dl - lon0_rad
                a = a - twopi * math.floor(a / twopi)
                if a > lon_span_rad + 1e-9 and a + 2.0 * dl < twopi - 1e-9:
                    continue
        cos_lam[k, s] = c_lam
        # rows with phi_s - lambda <= phi <= phi_s + lambda (one row of padding each side)
        lo = 0
        if cl * c_lam + sl * s_lam > 0.0:  # cos(phi_s - lambda) > 0: the south pole is outside
            lo = np.searchsorted(row_sin, sl * c_lam - cl * s_lam, side="left") - 1
        hi = n_lat - 1
        if cl * c_lam - sl * s_lam > 0.0:  # cos(phi_s + lambda) > 0: the north pole is outside
            hi = np.searchsorted(row_sin, sl * c_lam + cl * s_lam, side="right")
        if lo < 0:
            lo = 0
        if hi > n_lat - 1:
            hi = n_lat - 1
        row_lo[k, s] = lo
        row_hi[k, s] = hi


ACOS_PAD_RAD = 1e-7
"""Padding added to :func:`acos_upper` (5x the polynomial's largest error)."""


@njit(cache=True, inline="always")
def acos_upper(x):
    """An upper bound of ``acos(x)`` (rad) within ``1.3e-7`` of it, for ``-1 <= x <= 1``, without libm.

    ``acos|x| = sqrt(1 - |x|) (a0 + a1 |x| + ... + a7 |x|^7)`` with ``|error| <= 2e-8``
    (Abramowitz & Stegun 4.4.46, Hastings' approximation; ``2.2e-8`` measured in float64),
    ``acos(x) = pi - acos(-x)`` for ``x < 0``, plus ``ACOS_PAD_RAD``. Used only for the
    candidate longitude windows, which must contain the exact ones (every candidate is then
    tested exactly): libm's ``acos`` was most of the windows' time.
    """
    ax = abs(x)
    p = -0.0012624911
    p = p * ax + 0.0066700901
    p = p * ax - 0.0170881256
    p = p * ax + 0.0308918810
    p = p * ax - 0.0501743046
    p = p * ax + 0.0889789874
    p = p * ax - 0.2145988016
    p = p * ax + 1.5707963050
    r = math.sqrt(1.0 - ax) * p
    if x < 0.0:
        r = math.pi - r
    return r + ACOS_PAD_RAD


LON_NONE = -1.0
"""Half-width code of :func:`lon_half_width`: the row does not meet the cap."""
LON_FULL = 8.0
"""Half-width code of :func:`lon_half_width`: the whole row (above pi, any longitude)."""


@njit(cache=True, inline="always")
def lon_half_width(sin_lat_r, cos_lat_r, sin_lat_s, cos_lat_s, cos_lam):
    """Longitude half-width (rad, an upper bound) of a satellite's cap on one grid row.

    A point of geocentric latitude ``phi`` at longitude offset ``dl`` from the sub-satellite
    point is within central angle ``lambda`` iff
    ``cos(dl) >= (cos(lambda) - sin(phi_s) sin(phi)) / (cos(phi_s) cos(phi))``; the half-width
    is ``acos`` of the right-hand side (:func:`acos_upper`, plus 1e-9 rad), ``LON_NONE`` when
    the row misses the cap, ``LON_FULL`` when the cap holds the whole row (or ``cos_lam <=
    -1.5``, the whole sphere; or a pole row). Branch-free (selects), so a loop over the
    candidates of a row vectorises.
    """
    num = cos_lam - sin_lat_s * sin_lat_r
    den = cos_lat_s * cos_lat_r
    c = num / den
    full = (cos_lam <= -1.5) | (num <= -den - 1e-12) | (den < 1e-12) | (c <= -1.0)
    dl = acos_upper(min(c, 1.0)) + 1e-9  # a bound: the window may only grow
    dl = LON_FULL if full else dl
    return LON_NONE if (num > den + 1e-12) & (cos_lam > -1.5) else dl


@njit(cache=True, inline="always")
def lon_index_windows(dl, lon_s, lon0_rad, step_rad, n_lon, out):
    """Candidate index ranges on the regular longitude axis for half-width ``dl`` (rad).

    The window ``[lon_s - dl, lon_s + dl]`` is mapped onto the axis (offsets ``j * step``
    from ``lon0``) modulo 2 pi, padded by one index on each side; ``dl`` from
    :func:`lon_half_width` (``LON_NONE``: no range; ``LON_FULL`` or a window of nearly 2 pi:
    the whole row).

    Parameters
    ----------
    out : (3, 2) int64, output
        Up to three disjoint inclusive index ranges ``[out[m, 0], out[m, 1]]``.

    Returns
    -------
    int
        Number of ranges written (0 = none).
    """
    if dl < 0.0:
        return 0
    twopi = 2.0 * math.pi
    if 2.0 * dl >= twopi - 2.0 * step_rad - 1e-9:
        out[0, 0] = 0
        out[0, 1] = n_lon - 1
        return 1
    # products with reciprocals instead of divisions (hoisted out of the caller's loops): each
    # quotient moves by a few ulp at most, which the one-index padding absorbs
    inv_step = 1.0 / step_rad
    a = lon_s - dl - lon0_rad
    a = a - twopi * math.floor(a * (0.5 / math.pi))
    w = 2.0 * dl
    n = 0
    for m in range(-1, 2):
        lo = math.ceil((a + twopi * m) * inv_step) - 1.0
        hi = math.floor((a + w + twopi * m) * inv_step) + 1.0
        if lo < 0.0:
            lo = 0.0
        if hi > n_lon - 1.0:
            hi = n_lon - 1.0
        if lo <= hi:
            out[n, 0] = int(lo)
            out[n, 1] = int(hi)
            n += 1
    return n


BF_X = 0  # float64 columns of a packed band record (``band_f``): satellite ECEF x, y, z (km)
BF_Y = 1
BF_Z = 2
BF_SIN_LAT = 3  # sine / cosine of the sub-satellite geocentric latitude
BF_COS_LAT = 4
BF_LON = 5  # sub-satellite longitude (rad)
BF_COS_LAM = 6  # cosine of the padded max central angle (-2 = whole sphere)
N_BF = 7


@njit(cache=True, parallel=True)
def pack_bands(pos, sensor_of_sat, cos_lam, sin_lat_s, cos_lat_s, lon_s, row_lo, row_hi,
               band_n, band_lh, band_f, band_si):
    """Per time step, the satellites with a non-empty row band, packed and sorted by first row.

    :func:`grid_chunk` visits every (row, step); scanning all satellites there and reading their
    data at scattered indices was, with the longitude windows, about a quarter of its time (cache
    misses, ``perf record``). Packed records sorted by ``row_lo`` let a row stop at the first
    band starting below it and read each candidate's data from one contiguous record.

    Parameters
    ----------
    pos : (n_t, n_sat, 3) float64
    sensor_of_sat : (n_sat,) int64
    cos_lam ... row_hi : (n_t, n_sat)
        Output of :func:`cap_bounds`.
    band_n : (n_t,) int64, output
        Number of records of each step.
    band_lh : (n_t, n_sat, 2) int64, output
        ``(row_lo, row_hi)`` of record ``t`` (ascending ``row_lo``; ties keep satellite order).
    band_f : (n_t, n_sat, N_BF) float64, output
        Columns ``BF_*``.
    band_si : (n_t, n_sat, 2) int64, output
        ``(satellite index, sensor row)``.
    """
    n_t = row_lo.shape[0]
    n_sat = row_lo.shape[1]
    for k in prange(n_t):
        # stable counting sort of the satellites with a band by row_lo (ties keep satellite order)
        top = 0
        for s in range(n_sat):
            if row_lo[k, s] <= row_hi[k, s] and row_lo[k, s] > top:
                top = row_lo[k, s]
        start = np.zeros(top + 2, dtype=np.int64)
        m = 0
        for s in range(n_sat):
            if row_lo[k, s] <= row_hi[k, s]:
                start[row_lo[k, s] + 1] += 1
                m += 1
        band_n[k] = m
        for r in range(1, top + 2):
            start[r] += start[r - 1]
        for s in range(n_sat):
            if row_lo[k, s] <= row_hi[k, s]:
                t = start[row_lo[k, s]]
                band_si[k, t, 0] = s
                start[row_lo[k, s]] = t + 1
        for t in range(m):
            s = band_si[k, t, 0]
            band_si[k, t, 1] = sensor_of_sat[s]
            band_lh[k, t, 0] = row_lo[k, s]
            band_lh[k, t, 1] = row_hi[k, s]
            band_f[k, t, BF_X] = pos[k, s, 0]
            band_f[k, t, BF_Y] = pos[k, s, 1]
            band_f[k, t, BF_Z] = pos[k, s, 2]
            band_f[k, t, BF_SIN_LAT] = sin_lat_s[k, s]
            band_f[k, t, BF_COS_LAT] = cos_lat_s[k, s]
            band_f[k, t, BF_LON] = lon_s[k, s]
            band_f[k, t, BF_COS_LAM] = cos_lam[k, s]


@njit(cache=True, inline="always")
def _best_pair_sigma2(rec, j, n, ou, oi, warm, pos, k, tx, ty, tz, table, sensor_of_sat):
    """Smallest triangulation variance (km^2) over the stereo pairs among ``n`` detecting satellites.

    Slots ``c < n`` of point ``j`` (target at ``tx, ty, tz``, km) hold one detection each,
    written at detection time as ``rec[j, c] = (q, satellite)`` with ``q = (sigma R)^2`` (km^2;
    the index stored as float64, exact). For a pair with lines of sight ``d1, d2`` (target ->
    satellite, unnormalised, km; ``d = pos[k, sat] - t``, recomputed here from ``pos``),
    ``P = R1^2 R2^2`` and ``t = d1 . d2``: ``cos gamma = t / sqrt(P)``, so the stereo test
    ``|cos gamma| <= cos theta_min`` is ``t^2 <= cos^2(theta_min) P`` (``cos theta_min >= 0``),
    ``P sin^2 gamma = P - t^2``, and the variance of the module docstring is
    ``v = (q1 + q2) P / (P - t^2) + q1 q2 / (q1 + q2)`` (no square root at all).

    Exact search with pruning: ``v >= L(q1, q2) = q1 + q2 + q1 q2 / (q1 + q2)``. The search
    starts from ``warm[j] = (sat_a, sat_b)``, the point's best pair at the previous time step: if
    both satellites still detect the point and still form a stereo pair, its value is a tight
    initial ``best``. Satellites with ``q + q_min >= best`` are dropped; the others are copied
    with their ``d``, ``R^2`` and ``cos theta_min`` into the scratch ``ou`` ((n_sat, 6) float64)
    and ``oi`` ((n_sat,) int64), and every pair whose bound ``L`` is below ``best`` is tested.
    Comparisons are cross-multiplied (no divisions) except when a pair improves ``best``.
    ``warm`` (n_lon, 2) int64 is updated with the best pair (-1 when none). Returns ``inf`` when
    no stereo pair exists.
    """
    pa = warm[j, 0]
    pb = warm[j, 1]
    best = math.inf
    ba = -1
    bb = -1
    qa = -1.0
    qb = -1.0
    qmin = math.inf
    for a in range(n):
        sv = rec[j, a, 1]
        qv = rec[j, a, 0]
        if qv < qmin:
            qmin = qv
        if sv == pa:
            qa = qv
        elif sv == pb:
            qb = qv
    if qa >= 0.0 and qb >= 0.0:
        ax = pos[k, pa, 0] - tx
        ay = pos[k, pa, 1] - ty
        az = pos[k, pa, 2] - tz
        bx = pos[k, pb, 0] - tx
        by = pos[k, pb, 1] - ty
        bz = pos[k, pb, 2] - tz
        dt = ax * bx + ay * by + az * bz
        pr = (ax * ax + ay * ay + az * az) * (bx * bx + by * by + bz * bz)
        cm = min(table[sensor_of_sat[pa], P_COS_STEREO_MIN], table[sensor_of_sat[pb], P_COS_STEREO_MIN])
        if cm >= 0.0 and dt * dt <= cm * cm * pr:
            s2 = pr - dt * dt
            if s2 > 0.0:
                qs = qa + qb
                best = qs * pr / s2 + qa * qb / qs
                ba = pa
                bb = pb
    m = 0
    for a in range(n):
        qv = rec[j, a, 0]
        if qv + qmin < best:
            sa = int(rec[j, a, 1])
            dx = pos[k, sa, 0] - tx
            dy = pos[k, sa, 1] - ty
            dz = pos[k, sa, 2] - tz
            ou[m, 0] = qv
            ou[m, 1] = dx
            ou[m, 2] = dy
            ou[m, 3] = dz
            ou[m, 4] = dx * dx + dy * dy + dz * dz
            ou[m, 5] = table[sensor_of_sat[sa], P_COS_STEREO_MIN]
            oi[m] = sa
            m += 1
    for a in range(m - 1):
        q1 = ou[a, 0]
        u1x = ou[a, 1]
        u1y = ou[a, 2]
        u1z = ou[a, 3]
        r1 = ou[a, 4]
        c1 = ou[a, 5]
        for b in range(a + 1, m):
            q2 = ou[b, 0]
            qs = q1 + q2
            if qs * qs + q1 * q2 >= best * qs:  # L(q1, q2) >= best
                continue
            dt = u1x * ou[b, 1] + u1y * ou[b, 2] + u1z * ou[b, 3]
            pr = r1 * ou[b, 4]
            cm = min(c1, ou[b, 5])
            if cm >= 0.0 and dt * dt <= cm * cm * pr:
                s2 = pr - dt * dt  # R1^2 R2^2 sin^2(gamma)
                # v = qs R1^2 R2^2 / s2 + q1 q2 / qs < best, multiplied through by s2 qs > 0
                if s2 > 0.0 and qs * qs * pr + q1 * q2 * s2 < best * s2 * qs:
                    best = qs * pr / s2 + q1 * q2 / qs
                    ba = oi[a]
                    bb = oi[b]
    warm[j, 0] = ba
    warm[j, 1] = bb
    return best


LN_2 = math.log(2.0)
SQRT_2 = math.sqrt(2.0)


@njit(cache=True, inline="always")
def ln_positive(x):
    """Natural logarithm of a positive normal float64 without a libm call (abs. error < 2e-15).

    ``x = 2^e m`` with the exponent and mantissa read from the IEEE-754 bits, ``m`` folded
    into ``[sqrt(2)/2, sqrt(2)]``; then ``ln m = 2 atanh(z) = 2 (z + z^3/3 + z^5/5 + ...)``,
    ``z = (m - 1) / (m + 1)``, ``|z| <= 0.1716``, summed to ``z^17/17`` (next term < 1e-16;
    Abramowitz & Stegun 4.1.27). The metric updates need one logarithm per stereo (point,
    step) for the error histogram's bin; libm's ``log`` call was ~6 % of the grid kernel.
    """
    bits = np.float64(x).view(np.int64)
    e = (bits >> 52) - 1023
    m = np.int64((bits & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000).view(np.float64)
    if m > SQRT_2:
        m *= 0.5
        e += 1
    z = (m - 1.0) / (m + 1.0)
    z2 = z * z
    p = 1.0 / 17.0
    p = p * z2 + 1.0 / 15.0
    p = p * z2 + 1.0 / 13.0
    p = p * z2 + 1.0 / 11.0
    p = p * z2 + 1.0 / 9.0
    p = p * z2 + 1.0 / 7.0
    p = p * z2 + 1.0 / 5.0
    p = p * z2 + 1.0 / 3.0
    p = p * z2 + 1.0
    return e * LN_2 + 2.0 * z * p


@njit(cache=True, inline="always")
def _update_point(p, g, n, best_var, istate, fstate, hist, t_edge, log_lo, inv_dlog):
    """Streaming update of point ``p`` detected by ``n >= 1`` satellites at time index ``g``."""
    istate[p, ST_N1] += 1
    fstate[p, FS_SUMC] += n
    if n >= 2:
        istate[p, ST_N2] += 1
    last = istate[p, ST_LAST_DET]
    if last < g - 1:
        gap = t_edge[g] - t_edge[last + 1]
        istate[p, ST_NGAP] += 1
        fstate[p, FS_SUMGAP] += gap
        if gap > fstate[p, FS_MAXGAP]:
            fstate[p, FS_MAXGAP] = gap
    istate[p, ST_LAST_DET] = g
    if best_var < math.inf:
        istate[p, ST_NST] += 1
        last = istate[p, ST_LAST_ST]
        if last < g - 1:
            gap = t_edge[g] - t_edge[last + 1]
            if gap > fstate[p, FS_MAXGAP_ST]:
                fstate[p, FS_MAXGAP_ST] = gap
        istate[p, ST_LAST_ST] = g
        nb = hist.shape[1]
        x = (0.5 * ln_positive(best_var) + LN_1000 - log_lo) * inv_dlog  # log(sigma_m), sigma_m = 1000 sqrt(var)
        if x < 0.0:
            b = 0
        elif x >= nb:
            b = nb - 1
        else:
            b = int(x)
        hist[p, b] += 1


# row-local copy of the streaming state inside grid_chunk (float64 rows of ``rs``, (N_RS, n_pad)):
RS_N1 = 0  # samples with >= 1 detection
RS_N2 = 1  # samples with >= 2 detections
RS_NST = 2  # samples with a stereo pair
RS_LAST_DET = 3  # last sample with a detection (-1 none)
RS_LAST_ST = 4  # last sample with a stereo pair (-1 none)
RS_NGAP = 5  # closed detection gaps
RS_SUMC = 6  # sum of the detection counts
RS_MAXGAP = 7
RS_SUMGAP = 8
RS_MAXGAP_ST = 9
RS_T_DET = 10  # t_edge[last detection + 1]: start of the running detection gap (s)
RS_T_ST = 11  # t_edge[last stereo sample + 1]
N_RS = 12


@njit(cache=True)
def _row_state_load(rs, istate, fstate, t_edge, gidx):
    """Copy the streaming state of the points ``gidx`` (global indices, -1 = padding, skipped) into ``rs``."""
    for j in range(gidx.shape[0]):
        p = gidx[j]
        if p < 0:
            continue
        rs[RS_N1, j] = istate[p, ST_N1]
        rs[RS_N2, j] = istate[p, ST_N2]
        rs[RS_NST, j] = istate[p, ST_NST]
        rs[RS_LAST_DET, j] = istate[p, ST_LAST_DET]
        rs[RS_LAST_ST, j] = istate[p, ST_LAST_ST]
        rs[RS_NGAP, j] = istate[p, ST_NGAP]
        rs[RS_SUMC, j] = fstate[p, FS_SUMC]
        rs[RS_MAXGAP, j] = fstate[p, FS_MAXGAP]
        rs[RS_SUMGAP, j] = fstate[p, FS_SUMGAP]
        rs[RS_MAXGAP_ST, j] = fstate[p, FS_MAXGAP_ST]
        rs[RS_T_DET, j] = t_edge[istate[p, ST_LAST_DET] + 1]
        rs[RS_T_ST, j] = t_edge[istate[p, ST_LAST_ST] + 1]


@njit(cache=True)
def _row_state_store(rs, istate, fstate, gidx):
    """Write the copy ``rs`` back to the points ``gidx`` (-1 = padding, skipped; counts are integers held exactly in float64)."""
    for j in range(gidx.shape[0]):
        p = gidx[j]
        if p < 0:
            continue
        istate[p, ST_N1] = int(rs[RS_N1, j])
        istate[p, ST_N2] = int(rs[RS_N2, j])
        istate[p, ST_NST] = int(rs[RS_NST, j])
        istate[p, ST_LAST_DET] = int(rs[RS_LAST_DET, j])
        istate[p, ST_LAST_ST] = int(rs[RS_LAST_ST, j])
        istate[p, ST_NGAP] = int(rs[RS_NGAP, j])
        fstate[p, FS_SUMC] = rs[RS_SUMC, j]
        fstate[p, FS_MAXGAP] = rs[RS_MAXGAP, j]
        fstate[p, FS_SUMGAP] = rs[RS_SUMGAP, j]
        fstate[p, FS_MAXGAP_ST] = rs[RS_MAXGAP_ST, j]


@njit(cache=True, error_model="numpy", _nrt=False)
def _row_update(rs, cnt, best, binf, j_a, j_b, g, t_g, t_g1, log_lo, inv_dlog, nb):
    """Streaming update of points ``j_a .. j_b`` of one strip at sample ``g`` (vectorised).

    The same accumulations as :func:`_update_point`, on the row copy ``rs`` ((N_RS, n_pad)
    float64) and without branches, so LLVM vectorises it: ``cnt[j]`` detections (float64, reset
    to 0 here), ``best[j]`` the best stereo variance (km^2; ``inf`` without a stereo pair, read
    only where ``cnt >= 2``). A gap closes when a detection follows a run without one:
    ``t_g - t_edge[last + 1]`` (s), with ``t_edge[last + 1]`` kept in ``rs`` so no gather is
    needed (the same subtraction as :func:`_update_point`, bit for bit). ``binf[j]`` receives the
    error-histogram bin of a stereo sample (``log sigma_m`` with :func:`ln_positive`) or -1.
    ``t_g``, ``t_g1`` are ``t_edge[g]``, ``t_edge[g + 1]``.
    """
    gf = np.float64(g)
    nbf = np.float64(nb - 1)
    jau = np.uint64(j_a)
    for jj in range(np.uint64(j_b + 1 - j_a)):
        j = jau + jj  # unsigned: no negative-index wraparound, which keeps LLVM from vectorising
        c = cnt[j]
        det = c > 0.0
        bv = best[j]
        st = (c >= 2.0) & (bv < math.inf)
        one_d = 1.0 if det else 0.0
        rs[RS_N1, j] += one_d
        rs[RS_SUMC, j] += c
        rs[RS_N2, j] += 1.0 if c >= 2.0 else 0.0
        open_gap = det & (rs[RS_LAST_DET, j] < gf - 1.0)
        gap = t_g - rs[RS_T_DET, j]
        rs[RS_NGAP, j] += 1.0 if open_gap else 0.0
        rs[RS_SUMGAP, j] += gap if open_gap else 0.0
        mg = rs[RS_MAXGAP, j]
        rs[RS_MAXGAP, j] = gap if (open_gap & (gap > mg)) else mg
        rs[RS_LAST_DET, j] = gf if det else rs[RS_LAST_DET, j]
        rs[RS_T_DET, j] = t_g1 if det else rs[RS_T_DET, j]
        rs[RS_NST, j] += 1.0 if st else 0.0
        open_st = st & (rs[RS_LAST_ST, j] < gf - 1.0)
        gs = t_g - rs[RS_T_ST, j]
        ms = rs[RS_MAXGAP_ST, j]
        rs[RS_MAXGAP_ST, j] = gs if (open_st & (gs > ms)) else ms
        rs[RS_LAST_ST, j] = gf if st else rs[RS_LAST_ST, j]
        rs[RS_T_ST, j] = t_g1 if st else rs[RS_T_ST, j]
        x = (0.5 * ln_positive(bv if st else 1.0) + LN_1000 - log_lo) * inv_dlog
        x = min(max(x, 0.0), nbf)
        binf[j] = math.floor(x) if st else -1.0
        cnt[j] = 0.0


@njit(cache=True, inline="always")
def _row_point_geometry(sx, sy, sz, pu, j):
    """``(R^2, d . n, sat . d)`` for ``d = sat - t`` (km), the operations and order of :func:`detect_r2`.

    ``t = pu[0:3, j]`` and ``n = pu[3:6, j]``: point ``j`` of the strip layout of :func:`grid_chunk`.
    """
    dx = sx - pu[0, j]
    dy = sy - pu[1, j]
    dz = sz - pu[2, j]
    return dx * dx + dy * dy + dz * dz, dx * pu[3, j] + dy * pu[4, j] + dz * pu[5, j], sx * dx + sy * dy + sz * dz


QNAN_BITS = 0x7FF8000000000000
"""Bit pattern of the quiet NaN written for "not detected" (above every positive double's)."""


@njit(cache=True, inline="always")
def _in_window_list(j, win, nw):
    """Whether index ``j`` lies in one of the inclusive windows ``win[:nw]``."""
    for m in range(nw):
        if win[m, 0] <= j <= win[m, 1]:
            return True
    return False


@njit(cache=True, inline="always")
def _store_lane(r2s, cnt, slot, j, ok, r2, mb):
    """Write one tested point of :func:`_slot_detect`: ``R^2`` or NaN, its count, the block's bit minimum."""
    v = r2 if ok else math.nan
    r2s[slot, j] = v
    cnt[j] += 1.0 if ok else 0.0
    return min(mb, np.float64(v).view(np.int64))


@njit(cache=True, inline="always")
def _block_meets_windows(q, win, nw):
    """Whether tile ``q`` (columns ``q * TILE_COLS .. q * TILE_COLS + TILE_COLS - 1``) meets a window of ``win[:nw]``."""
    lo = q * TILE_COLS
    hi = lo + TILE_COLS - 1
    for m in range(nw):
        if win[m, 0] <= hi and win[m, 1] >= lo:
            return True
    return False


@njit(cache=True, error_model="numpy", inline="always")
def _slot_detect(r2s, rminb, slot, win, nw, pu, cnt, sx, sy, sz, se, rmax2, cf, ga, gb, kthr, inten):
    """Exact tests of one satellite on one strip over the tiles its longitude windows meet.

    The strip's points are stored tile by tile (:func:`grid_chunk`): tile ``q`` holds columns
    ``q * TILE_COLS .. + TILE_COLS - 1`` of the strip's ``TILE_ROWS`` rows at indices
    ``q * BLOCK .. q * BLOCK + BLOCK - 1`` (row-major inside the tile). Fills slot ``slot`` of
    the strip buffers over tiles ``min(win[:nw, 0]) // TILE_COLS .. max(win[:nw, 1]) //
    TILE_COLS``: in every tile that meets a candidate window (inclusive column ranges from
    :func:`lon_index_windows`, valid for every row of the strip) all ``BLOCK`` points are tested
    exactly, those outside the windows too (the windows are conservative, so the test rejects
    them; testing them is cheaper than masking them); tiles between the windows, which meet
    none, are written as no detection without a test. ``r2s[slot, j]`` = ``R^2`` (km^2) where the
    satellite detects point ``j``, NaN elsewhere (the pair sweep reads whole tiles); detections
    are added to ``cnt`` (float64); ``rminb[slot, q]`` is the tile's smallest detected ``R^2``
    shrunk by ``1e-9`` relative (the pruning bounds built on it stay below the swept values
    despite rounding), NaN when none. Padding points (past the grid's last row or column) must
    hold NaN coordinates (``R^2`` NaN fails the test). Inlined into :func:`_row_detect`: as a
    call of its own, passing the strip arrays cost about as much as testing a tile.

    Decisions are those of :func:`detect_r2` bit for bit: every inequality is evaluated with
    the same operations in the same order; negated rejections are written as the complementary
    comparison, equivalent because all operands are finite once ``R^2 > 0`` holds (a NaN
    position makes ``R^2`` NaN and fails that test). Without a grazing-altitude limit
    (``gb == 0``) the body is branch-free and vectorised by LLVM (unsigned indices, the block
    minimum as an integer minimum over the IEEE-754 bits, where the positive quiet NaN is above
    every positive double); the usual sensors (non-negative mask, no radiometric test, with or
    without a field of regard) get shorter predicates, because LLVM does not drop the unused
    terms of the general one when the flags are run-time values. With a grazing limit the test
    is the scalar :func:`detect_r2`, on the window points only. ``pu`` (6, n_pad) float64 holds
    the strip's points (km) and unit normals, tile-major.

    Returns
    -------
    (q_lo, q_hi) : int
        First and last tile with a detection (``-1, -1`` when none).
    """
    w0 = win[0, 0]
    w1 = win[0, 1]
    for m in range(1, nw):
        w0 = min(w0, win[m, 0])
        w1 = max(w1, win[m, 1])
    se2 = se * se
    cf2 = cf * cf
    rs2 = sx * sx + sy * sy + sz * sz
    se_pos = se >= 0.0
    se_neg = se < 0.0
    no_for = cf <= -1.5
    cf_pos = cf >= 0.0 and not no_for
    cf_neg = cf < 0.0 and not no_for
    no_rad = kthr < 0.0
    kind = 3
    if gb > 0.0:
        kind = 0
    elif se_pos and no_rad and no_for:
        kind = 1
    elif se_pos and no_rad and cf_pos:
        kind = 2
    q_lo = -1
    q_hi = -1
    for q in range(w0 // TILE_COLS, w1 // TILE_COLS + 1):
        j0u = np.uint64(q * BLOCK)
        mb = np.int64(QNAN_BITS)
        if nw > 1 and not _block_meets_windows(q, win, nw):
            for jj in range(np.uint64(BLOCK)):
                r2s[slot, j0u + jj] = math.nan
        elif kind == 1:
            for jj in range(np.uint64(BLOCK)):
                j = j0u + jj
                r2, up_dot, w = _row_point_geometry(sx, sy, sz, pu, j)
                ok = (r2 > 0.0) & (up_dot >= 0.0) & (up_dot * up_dot >= se2 * r2) & (r2 <= rmax2)
                mb = _store_lane(r2s, cnt, slot, j, ok, r2, mb)
        elif kind == 2:
            for jj in range(np.uint64(BLOCK)):
                j = j0u + jj
                r2, up_dot, w = _row_point_geometry(sx, sy, sz, pu, j)
                ok = ((r2 > 0.0) & (up_dot >= 0.0) & (up_dot * up_dot >= se2 * r2) & (r2 <= rmax2)
                      & (w >= 0.0) & (w * w >= cf2 * r2 * rs2))
                mb = _store_lane(r2s, cnt, slot, j, ok, r2, mb)
        elif kind == 3:
            for jj in range(np.uint64(BLOCK)):
                j = j0u + jj
                r2, up_dot, w = _row_point_geometry(sx, sy, sz, pu, j)
                e2 = up_dot * up_dot
                lim = se2 * r2
                ok_el = (se_pos & (up_dot >= 0.0) & (e2 >= lim)) | (se_neg & ((up_dot >= 0.0) | (e2 <= lim)))
                w2 = w * w
                flim = cf2 * r2 * rs2
                ok_for = no_for | (cf_pos & (w >= 0.0) & (w2 >= flim)) | (cf_neg & ((w >= 0.0) | (w2 <= flim)))
                ok = (r2 > 0.0) & ok_el & (r2 <= rmax2) & ok_for & (no_rad | (inten >= kthr * r2))
                mb = _store_lane(r2s, cnt, slot, j, ok, r2, mb)
        else:  # grazing-altitude limit: the scalar test, window points only
            for jj in range(BLOCK):
                j = q * BLOCK + jj
                v = math.nan
                if _in_window_list(q * TILE_COLS + jj % TILE_COLS, win, nw):
                    r2 = detect_r2(sx, sy, sz, pu[0, j], pu[1, j], pu[2, j], pu[3, j], pu[4, j], pu[5, j],
                                   se, rmax2, cf, ga, gb, kthr, inten)
                    if r2 >= 0.0:
                        v = r2
                        cnt[j] += 1.0
                r2s[slot, j] = v
                mb = min(mb, np.float64(v).view(np.int64))
        mn = np.int64(mb).view(np.float64)
        if mn < math.inf:
            if q_lo < 0:
                q_lo = q
            q_hi = q
        rminb[slot, q] = mn * (1.0 - 1e-9)
    return q_lo, q_hi


@njit(cache=True, inline="always")
def _strip_candidates(band_n, band_lh, k, i0, i1, cand):
    """Band records of step ``k`` whose row band meets rows ``i0 .. i1``, into ``cand[:, 0]``; returns their count.

    The records are sorted by first row (:func:`pack_bands`), so the scan stops at the first
    band starting below the strip.
    """
    nc = 0
    for s in range(band_n[k]):  # band record index (ascending first row)
        if band_lh[k, s, 0] > i1:
            break
        if band_lh[k, s, 1] >= i0:
            cand[nc, 0] = s
            nc += 1
    return nc


@njit(cache=True, error_model="numpy", _nrt=False)
def _row_detect(k, i0, n_rows, band_n, band_lh, band_f, band_si, table, srow, crow, lon0_rad, step_rad, n_lon, cand,
                cf3, cdl, cwin, pu, cnt, r2s, rminb, slot_rec, slot_lo, slot_hi, slot_nz2, slot_cm):
    """Detection on the strip of rows ``i0 .. i0 + n_rows - 1`` at step ``k`` of the chunk (step 1 of :func:`grid_chunk`).

    Every satellite whose row band meets the strip (the step's packed band records,
    :func:`pack_bands`, sorted by first row, so the scan stops at the first band starting below
    the strip) is a candidate. Its longitude half-width on the strip is the largest of its
    half-widths on the strip's rows (:func:`lon_half_width`; the codes order as needed:
    ``LON_NONE`` < any width < ``LON_FULL``), so one set of column windows covers every row; the
    half-widths come first, one branch-free loop per row over contiguous copies of the
    candidates' latitude and cap data in the scratch ``cf3`` (3, n), which vectorises (into
    ``cdl`` (n,)); then their index windows (:func:`lon_index_windows`, into ``cwin`` (n, 3, 2);
    ``cand`` (n, 2) holds the band record and the window count); then each candidate whose
    windows meet the grid is tested exactly (:func:`_slot_detect`). A satellite that detects
    something keeps the slot (``r2s``, ``rminb`` and the ``slot_*`` arrays: band record,
    first/last tile, squared noise, ``cos theta_min``); the next one reuses it otherwise. One
    call per strip and step, so the strip arrays are passed once per step rather than once per
    satellite. ``srow``, ``crow`` (TILE_ROWS,): sine and cosine of the rows' geocentric latitude.

    Returns
    -------
    (ns, row_a, row_b, n_tests) : int
        Slots filled, first and last point index (tile-major) of the tiles with a detection
        (``n_lon * TILE_ROWS, -1`` when none) and the points inside the candidate windows on
        the strip's rows (the exact tests the windows call for).
    """
    nc = _strip_candidates(band_n, band_lh, k, i0, i0 + n_rows - 1, cand)
    for c in range(nc):
        s = cand[c, 0]
        cf3[0, c] = band_f[k, s, BF_SIN_LAT]  # contiguous copies for the vectorised loops below
        cf3[1, c] = band_f[k, s, BF_COS_LAT]
        cf3[2, c] = band_f[k, s, BF_COS_LAM]
        cdl[c] = LON_NONE
    for r in range(n_rows):
        sr = srow[r]
        cr = crow[r]
        for cu in range(np.uint64(nc)):  # branch-free, unsigned, unit stride: vectorised over the candidates
            cdl[cu] = max(cdl[cu], lon_half_width(sr, cr, cf3[0, cu], cf3[1, cu], cf3[2, cu]))
    for c in range(nc):
        cand[c, 1] = lon_index_windows(cdl[c], band_f[k, cand[c, 0], BF_LON], lon0_rad, step_rad, n_lon, cwin[c])
    ns = 0
    row_a = n_lon * TILE_ROWS
    row_b = -1
    n_tests = 0
    for c in range(nc):
        nw = cand[c, 1]
        if nw == 0:
            continue
        s = cand[c, 0]
        win = cwin[c]
        for m in range(nw):
            n_tests += (win[m, 1] + 1 - win[m, 0]) * n_rows
        si = band_si[k, s, 1]
        se, rmax2, cf, ga, gb, kthr, inten = sensor_scalars(table, si, table[si, P_INTENSITY_W_SR])
        q_lo, q_hi = _slot_detect(r2s, rminb, ns, win, nw, pu, cnt, band_f[k, s, BF_X], band_f[k, s, BF_Y],
                                  band_f[k, s, BF_Z], se, rmax2, cf, ga, gb, kthr, inten)
        if q_lo < 0:
            continue  # nothing detected: the slot is reused
        slot_nz2[ns] = table[si, P_NOISE_RAD] ** 2
        slot_cm[ns] = table[si, P_COS_STEREO_MIN]
        slot_rec[ns] = s  # band record (band_f row) of the slot's satellite
        slot_lo[ns] = q_lo  # first and last tile with a detection
        slot_hi[ns] = q_hi
        ns += 1
        row_a = min(row_a, q_lo * BLOCK)
        row_b = max(row_b, q_hi * BLOCK + BLOCK - 1)
    return ns, row_a, row_b, n_tests


@njit(cache=True, error_model="numpy", inline="always")
def _pair_block(r2s, a, b, j0, sax, say, saz, sbx, sby, sbz, pu, nz2a, nz2b, cm2, best, one):
    """Fold the pair of slots ``a``, ``b`` into ``best`` over the ``BLOCK`` points ``j0 .. j0 + BLOCK - 1``.

    Same quantities as :func:`_best_pair_sigma2` (module docstring): with ``d = sat - t`` per
    point, ``t = d1 . d2``, ``P = R1^2 R2^2``, the pair is stereo iff ``t^2 <= cos^2(theta_min) P``
    and ``P - t^2 > 0``; its variance is ``v = ((q1 + q2)^2 P + q1 q2 (P - t^2)) / ((P - t^2)(q1 + q2))``
    (= ``(q1 + q2) P / (P - t^2) + q1 q2 / (q1 + q2)``, one division) with ``q = noise^2 R^2``
    (km^2, ``nz2a``/``nz2b`` the squared noise in rad^2).

    ``r2s[a, j]`` holds ``R^2`` (km^2), NaN where the satellite does not detect point ``j`` (a
    NaN makes the stereo test false); ``pu[0:3]`` are the strip's points (km, tile-major, as in
    :func:`_slot_detect`); ``sax ... sbz`` the satellites (km); ``cm2`` is ``cos^2(theta_min)``
    of the pair; ``best`` (km^2, inf when none) is updated in place.

    Written for LLVM's vectoriser: a fixed trip count (whole block, no remainder loop), unsigned
    indices, a branch-free body and no reduction (a floating-point ``max`` would keep it scalar;
    see :func:`_block_max`). ``one`` is 1.0 passed at run time: storing ``best * one``
    (exactly ``best``) where the pair does not improve the point keeps the store unconditional;
    with ``best`` itself LLVM emits a masked store (``vmaskmovpd``), several times slower on AMD
    processors.
    """
    j0u = np.uint64(j0)
    for jj in range(np.uint64(BLOCK)):
        j = j0u + jj
        r1 = r2s[a, j]
        r2 = r2s[b, j]
        tx = pu[0, j]
        ty = pu[1, j]
        tz = pu[2, j]
        ax = sax - tx
        ay = say - ty
        az = saz - tz
        bx = sbx - tx
        by = sby - ty
        bz = sbz - tz
        dt = ax * bx + ay * by + az * bz
        pr = r1 * r2
        q1 = nz2a * r1
        q2 = nz2b * r2
        qs = q1 + q2
        s2 = pr - dt * dt
        v = (qs * qs * pr + q1 * q2 * s2) / (s2 * qs)
        bj = best[j]
        ok = (dt * dt <= cm2 * pr) & (s2 > 0.0) & (v < bj)
        best[j] = v if ok else bj * one


@njit(cache=True, inline="always")
def _sort_by_key(keys, order, m):
    """Insertion sort of ``keys[:m]`` ascending, ``order[:m]`` permuted alike (stable; fast when nearly sorted)."""
    for t in range(1, m):
        x = keys[t]
        a = order[t]
        c = t
        while c > 0 and keys[c - 1] > x:
            keys[c] = keys[c - 1]
            order[c] = order[c - 1]
            c -= 1
        keys[c] = x
        order[c] = a


@njit(cache=True, inline="always")
def _block_max(best_bits, j0):
    """Largest of ``best[j0 : j0 + BLOCK]`` (all >= 0), found on the IEEE-754 bit patterns.

    ``best_bits`` is ``best.view(np.int64)``. For non-negative doubles (inf included) the bit
    patterns order as the values do, and an integer maximum needs none of the NaN care that
    keeps the float one from vectorising.
    """
    m = np.int64(0)
    j0u = np.uint64(j0)
    for jj in range(np.uint64(BLOCK)):  # unsigned: no negative-index wraparound, vectorised
        m = max(m, best_bits[j0u + jj])
    return np.int64(m).view(np.float64)


@njit(cache=True, error_model="numpy", _nrt=False)
def _row_pairs(k, ns, row_a, row_b, band_f, r2s, rminb, best, best_bits, pu, cnt, slot_rec, slot_lo, slot_hi,
               slot_nz2, slot_cm, order, bkey, one, bstart, bslots):
    """Best stereo pair of every point of one strip at one step, tile by tile (step 2 of :func:`grid_chunk`).

    ``ns`` slots hold the strip's detections (``r2s``, ``rminb``: smallest ``R^2`` per tile,
    ``slot_*``: band record, first/last tile, squared noise, ``cos theta_min``); points
    ``row_a .. row_b`` (tile-major indices, whole tiles) get ``best[j]`` = the smallest
    triangulation variance (km^2) over the stereo pairs, ``inf`` when none, 0 where fewer than
    two satellites detect (``cnt``). A tile (``BLOCK`` points: ``TILE_ROWS`` x ``TILE_COLS``)
    is the unit of the bound; the code reads "block" for it. A function of its own (one call
    per strip and step): inside the kernel's large loop body its registers spilled to the
    stack. ``bstart`` (n_blk + 1,) and ``bslots`` (n_slot,) int64 are scratch: the slots
    bucketed by their first tile (a counting sort), so each tile visits only the slots that
    start in it.
    """
    q_first = row_a // BLOCK
    q_last = row_b // BLOCK
    for q in range(q_first, q_last + 2):
        bstart[q] = 0
    for a in range(ns):
        bstart[slot_lo[a] + 1] += 1
    for q in range(q_first + 1, q_last + 2):
        bstart[q] += bstart[q - 1]
    for a in range(ns):  # bstart[q] ends as the end of bucket q - 1 ... shifted back below
        q = slot_lo[a]
        bslots[bstart[q]] = a
        bstart[q] += 1
    for q in range(q_last + 1, q_first, -1):
        bstart[q] = bstart[q - 1]
    bstart[q_first] = 0
    ja = np.uint64(q_first * BLOCK)
    for jj in range(np.uint64((q_last - q_first + 1) * BLOCK)):
        # 0 where fewer than two satellites detect: no pair can lower it, and the block's
        # worst best (the pruning bound) is then simply the largest entry of the block
        best[ja + jj] = math.inf if cnt[ja + jj] >= 2 else 0.0
    n_prev = 0  # slots of the previous block, in its order (carried: the order changes slowly)
    for q in range(q_first, q_last + 1):
        jl = q * BLOCK
        m = 0
        # the block's smallest q per slot; inf for a slot detecting nothing in this block
        # (a gap between its first and last block): sorted last, the L bound stops before it
        for t in range(n_prev):  # slots of the previous block that reach into this one
            a = order[t]
            if slot_hi[a] >= q:
                order[m] = a
                x = slot_nz2[a] * rminb[a, q]
                bkey[m] = x if x < math.inf else math.inf
                m += 1
        for t in range(bstart[q], bstart[q + 1]):  # slots starting in this block
            a = bslots[t]
            order[m] = a
            x = slot_nz2[a] * rminb[a, q]
            bkey[m] = x if x < math.inf else math.inf
            m += 1
        _sort_by_key(bkey, order, m)  # by the block's smallest q (nearly sorted)
        n_prev = m
        # worst best of the block (inf while a point with 2+ detections has no pair)
        mb = _block_max(best_bits, jl)
        if mb == 0.0:
            continue
        # L(q1, q2) = q1 + q2 + q1 q2 / (q1 + q2) grows with both arguments: along the sorted
        # list, once it reaches the block's worst best no later pair can improve any point
        n_sw = 0
        for ia in range(m - 1):
            a = order[ia]
            qa = bkey[ia]
            qs = qa + bkey[ia + 1]
            if qs * qs + qa * bkey[ia + 1] >= mb * qs:
                break
            sa = slot_rec[a]
            xa = band_f[k, sa, BF_X]
            ya = band_f[k, sa, BF_Y]
            za = band_f[k, sa, BF_Z]
            for ib in range(ia + 1, m):
                qb = bkey[ib]
                qs = qa + qb
                if qs * qs + qa * qb >= mb * qs:
                    break
                b = order[ib]
                cm = min(slot_cm[a], slot_cm[b])
                if cm < 0.0:
                    continue
                sb = slot_rec[b]
                _pair_block(r2s, a, b, jl, xa, ya, za, band_f[k, sb, BF_X], band_f[k, sb, BF_Y], band_f[k, sb, BF_Z],
                            pu, slot_nz2[a], slot_nz2[b], cm * cm, best, one)
                n_sw += 1
                if n_sw & 1 == 0:  # a stale (larger) bound only prunes less: exact either way
                    mb = _block_max(best_bits, jl)


@njit(cache=True, parallel=True, error_model="numpy")
def grid_chunk(band_n, band_lh, band_f, band_si, table, k0, pts, ups, row_sin, row_cos,
               lon0_rad, step_rad, n_lon, istate, fstate, hist, t_edge, log_lo, inv_dlog, mode):
    """Exact tests of the candidates and streaming metrics for one time chunk (output-sensitive).

    Parallel over strips of ``TILE_ROWS`` latitude rows; each strip walks the chunk's time
    steps in order, so every point's accumulators are owned by one thread (no races). A strip's
    points are stored tile by tile: tile ``q`` (``TILE_ROWS`` rows x columns ``q * TILE_COLS
    .. + TILE_COLS - 1``, ``BLOCK`` points) at indices ``q * BLOCK ..``, row-major inside the
    tile, padded with NaN points past the grid's last row and column. Compact tiles (6 x 4
    points, 3 deg x 2 deg on the 0.5 deg grid) are the unit of the pair-search bound: their
    points see the satellites at closer ranges and angles than a 16-point run of one row (8 deg
    of longitude), so the bound admits fewer sweeps (``benchmarks/tile_bound.py`` on the quick
    reference case: 7.4 point-pair evaluations per point and step instead of 11.7), and they
    take fewer exact tests at the cap edges (1.16 instead of 1.24 tests per detection); the
    candidate set-up is shared by six rows. Quick reference case, one call, interleaved (``benchmarks/kernel_ab.py``):
    rows of 16-point blocks 155 ms (1 thread), 4 x 4 tiles 95-99 ms, 6 x 4 87-88 ms, 8 x 4
    84-87 ms, 2 x 8, 8 x 2, 8 x 8, 16 x 4 slower; with 2 threads 6 x 4 and heaviest strips first
    42.5 ms against 49.3 for 4 x 4 in round-robin order. Strips are dealt heaviest first (the
    candidates over the chunk's steps counted in a parallel pre-pass, which also sizes each
    strip's scratch). Per step:

    1. *Detection* (:func:`_row_detect`). Every satellite whose row band meets the strip (the
       step's packed band records, :func:`pack_bands`, sorted by first row, so the scan stops
       at the first band starting below the strip) is a candidate; its closed-form longitude
       windows (:func:`lon_half_width` on each row, the widest kept; :func:`lon_index_windows`)
       select the tiles it is tested on exactly with the :func:`detect_r2` inequalities
       (:func:`_slot_detect`: vectorised unless the sensor has a grazing-altitude limit). The
       slot keeps ``R^2`` (km^2) per detected point (NaN elsewhere), per tile the smallest
       detected ``R^2`` (NaN when none), and its first and last tile with a detection.
    2. *Best stereo pair* (:func:`_row_pairs`), tile by tile. The slots that detect in the tile
       are sorted by the tile's smallest ``q = noise^2 R^2`` and pairs are swept over the whole
       tile (:func:`_pair_block`, vectorised) in that order while their lower bound
       ``L = q1 + q2 + q1 q2 / (q1 + q2) <= v`` stays below the tile's worst current best
       variance (``L`` grows with both arguments, so the first pair past it ends the search for
       that slot, and for every later slot once it fails with the next one). The worst best is
       re-read after every second sweep: a stale (larger) bound only prunes less. Exact: a
       skipped pair cannot improve any point of the tile.
    3. *Metrics.* Each detected point gets its count, gaps and best-pair error folded into the
       strip's copy of the accumulators (:func:`_row_update`, vectorised; the same arithmetic
       as :func:`_update_point`), copied in and out of ``istate``/``fstate`` once per strip and
       chunk; stereo samples then increment their error-histogram bin.

    Work is proportional to the visible (point, satellite) pairs and to the co-visible pairs
    that survive the bound; nothing is stored per (point, satellite) beyond one strip.

    The per-strip-and-step functions (:func:`_row_detect`, :func:`_row_pairs`, :func:`_row_update`)
    are compiled with ``_nrt=False``: they allocate nothing, and numba would otherwise increment
    and decrement the reference count of every array argument at each call, atomic operations
    on counts that the two threads share (about a tenth of the kernel's time).

    Parameters
    ----------
    band_n, band_lh, band_f, band_si
        Packed candidate bands of the chunk's steps (:func:`pack_bands`).
    table : (n_sensor, N_PARAM) float64
    k0 : int
        Global time index of the chunk's first step.
    pts, ups : (n_lat * n_lon, 3) float64
        Grid points (km) and unit normals, row-major.
    row_sin, row_cos : (n_lat,) float64
        Sine/cosine of each row's geocentric latitude.
    lon0_rad, step_rad : float
        First longitude and spacing of the grid (rad).
    n_lon : int
    istate : (n_point, N_ISTATE) int32, in/out
    fstate : (n_point, N_FSTATE) float64, in/out
    hist : (n_point, n_bins) unsigned int, in/out
        Histogram of the best-pair error, bins uniform in ``log(sigma_m)`` from ``log_lo``
        with width ``1 / inv_dlog``; values outside go to the end bins.
    t_edge : (n_time + 1,) float64
        Sample boundaries (s): sample k covers ``[t_edge[k], t_edge[k+1])``.
    mode : int
        0 full; 1 exact tests only; 2 tests and pair search without metric updates
        (profiling).

    Returns
    -------
    int
        Number of exact (candidate) tests performed.
    """
    n_t = band_n.shape[0]
    n_lat = row_sin.shape[0]
    n_strip = (n_lat + TILE_ROWS - 1) // TILE_ROWS
    tests = np.zeros(n_strip, dtype=np.int64)
    work = np.zeros(n_strip, dtype=np.int64)  # candidates over the chunk's steps (a proxy for the work)
    strip_slots = np.zeros(n_strip, dtype=np.int64)  # most candidates at one step (scratch size)
    for st in prange(n_strip):
        i0 = st * TILE_ROWS
        i1 = min(i0 + TILE_ROWS, n_lat) - 1
        found = np.empty((band_lh.shape[1], 2), dtype=np.int64)
        for k in range(n_t):
            c = _strip_candidates(band_n, band_lh, k, i0, i1, found)
            work[st] += c
            strip_slots[st] = max(strip_slots[st], c)
    # heaviest strips first (longest-processing-time-first): with dynamic scheduling
    # (constellation.coverage.GRID_ROWS_PER_TASK) the light ones fill in at the end, so the
    # threads finish together
    strip_order = np.argsort(-work)
    for i_ in prange(n_strip):
        i0 = strip_order[i_] * TILE_ROWS
        n_rows = min(TILE_ROWS, n_lat - i0)
        n_slot = strip_slots[strip_order[i_]]
        if n_slot == 0:
            continue
        n_blk = (n_lon + TILE_COLS - 1) // TILE_COLS
        n_pad = n_blk * BLOCK  # tiles of TILE_ROWS x TILE_COLS points (padding: no detection, cnt 0)
        r2s = np.empty((n_slot, n_pad), dtype=np.float64)
        rminb = np.empty((n_slot, n_blk), dtype=np.float64)
        slot_rec = np.empty(n_slot, dtype=np.int64)
        slot_lo = np.empty(n_slot, dtype=np.int64)
        slot_hi = np.empty(n_slot, dtype=np.int64)
        order = np.empty(n_slot, dtype=np.int64)
        bkey = np.empty(n_slot, dtype=np.float64)
        slot_nz2 = np.empty(n_slot, dtype=np.float64)
        slot_cm = np.empty(n_slot, dtype=np.float64)
        bstart = np.empty(n_blk + 2, dtype=np.int64)
        bslots = np.empty(n_slot, dtype=np.int64)
        cnt = np.zeros(n_pad, dtype=np.float64)  # detections per point (float: cheaper in the vector loops)
        best = np.empty(n_pad, dtype=np.float64)
        best_bits = best.view(np.int64)
        pu = np.full((6, n_pad), np.nan)  # points (km), unit normals (rows 3-5), tile-major; NaN padding
        gidx = np.full(n_pad, -1, dtype=np.int64)  # global point index of each slot of the layout (-1 padding)
        for r in range(n_rows):
            for col in range(n_lon):
                j = (col // TILE_COLS) * BLOCK + r * TILE_COLS + col % TILE_COLS
                p = (i0 + r) * n_lon + col
                gidx[j] = p
                for d in range(3):
                    pu[d, j] = pts[p, d]
                    pu[3 + d, j] = ups[p, d]
        srow = np.zeros(TILE_ROWS, dtype=np.float64)
        crow = np.zeros(TILE_ROWS, dtype=np.float64)
        for r in range(n_rows):
            srow[r] = row_sin[i0 + r]
            crow[r] = row_cos[i0 + r]
        rs = np.zeros((N_RS, n_pad), dtype=np.float64)  # the strip's streaming state
        binf = np.empty(n_pad, dtype=np.float64)
        if mode == 0:
            _row_state_load(rs, istate, fstate, t_edge, gidx)
        nb = hist.shape[1]
        cand = np.empty((n_slot, 2), dtype=np.int64)  # candidates of a step: band record, window count
        cf3 = np.empty((3, n_slot), dtype=np.float64)  # ... their sin/cos latitude, cos of the cap radius
        cdl = np.empty(n_slot, dtype=np.float64)  # ... their longitude half-widths on the strip (rad)
        cwin = np.empty((n_slot, 3, 2), dtype=np.int64)  # ... and their windows
        one = 1.0 + 0.0 * row_sin[i0]  # 1.0 the compiler cannot see (see _pair_block)
        ntest = 0
        for k in range(n_t):
            g = k0 + k
            # ---- 1. detection
            ns, row_a, row_b, nt = _row_detect(k, i0, n_rows, band_n, band_lh, band_f, band_si, table, srow, crow,
                                               lon0_rad, step_rad, n_lon, cand, cf3, cdl, cwin, pu, cnt, r2s, rminb,
                                               slot_rec, slot_lo, slot_hi, slot_nz2, slot_cm)
            ntest += nt
            if mode == 1:
                for j in range(row_a, row_b + 1):
                    cnt[j] = 0
                continue
            # ---- 2. best stereo pair per point, tile by tile
            _row_pairs(k, ns, row_a, row_b, band_f, r2s, rminb, best, best_bits, pu, cnt, slot_rec, slot_lo, slot_hi,
                       slot_nz2, slot_cm, order, bkey, one, bstart, bslots)
            # ---- 3. streaming metrics
            if mode != 0:
                for j in range(row_a, row_b + 1):
                    cnt[j] = 0
                continue
            if row_a <= row_b:
                _row_update(rs, cnt, best, binf, row_a, row_b, g, t_edge[g], t_edge[g + 1], log_lo, inv_dlog, nb)
                for j in range(row_a, row_b + 1):
                    if binf[j] >= 0.0:
                        hist[gidx[j], int(binf[j])] += 1
        if mode == 0:
            _row_state_store(rs, istate, fstate, gidx)
        tests[strip_order[i_]] = ntest
    return tests.sum()


@njit(cache=True, parallel=True)
def brute_force_chunk(pos, valid, sensor_of_sat, table, k0, pts, ups, n_lon,
                      istate, fstate, hist, t_edge, log_lo, inv_dlog, mode=0):
    """Baseline: the same exact tests and metrics over every (time, satellite, point) triple.

    Used by the benchmark, the tests and :func:`constellation.coverage.point_coverage` (same
    :func:`detect_r2`, same accumulators as :func:`grid_chunk`, no footprint pruning).
    Parallel over latitude rows (``n_lon`` points each). ``mode`` 1 runs the tests only
    (benchmark of the detection stage; accumulators untouched).
    """
    n_t = pos.shape[0]
    n_sat = pos.shape[1]
    n_lat = pts.shape[0] // n_lon
    for i in prange(n_lat):
        cnt = np.zeros(n_lon, dtype=np.int64)
        rec = np.empty((n_lon, n_sat, N_REC), dtype=np.float64)
        ou = np.empty((n_sat, 6), dtype=np.float64)
        oi = np.empty(n_sat, dtype=np.int64)
        warm = np.full((n_lon, 2), -1, dtype=np.int64)
        base = i * n_lon
        for k in range(n_t):
            g = k0 + k
            for s in range(n_sat):
                if not valid[k, s]:
                    continue
                si = sensor_of_sat[s]
                se, rmax2, cf, ga, gb, kthr, inten = sensor_scalars(table, si, table[si, P_INTENSITY_W_SR])
                nz2 = table[si, P_NOISE_RAD] ** 2
                sx = pos[k, s, 0]
                sy = pos[k, s, 1]
                sz = pos[k, s, 2]
                for j in range(n_lon):
                    p = base + j
                    r2 = detect_r2(sx, sy, sz, pts[p, 0], pts[p, 1], pts[p, 2], ups[p, 0], ups[p, 1], ups[p, 2],
                                   se, rmax2, cf, ga, gb, kthr, inten)
                    if r2 >= 0.0:
                        c = cnt[j]
                        rec[j, c, 0] = nz2 * r2
                        rec[j, c, 1] = s
                        cnt[j] = c + 1
            for j in range(n_lon):
                n = cnt[j]
                if n > 0 and mode == 0:
                    bv = math.inf
                    if n >= 2:
                        bv = _best_pair_sigma2(rec, j, n, ou, oi, warm, pos, k, pts[base + j, 0], pts[base + j, 1],
                                           pts[base + j, 2], table, sensor_of_sat)
                    _update_point(base + j, g, n, bv, istate, fstate, hist, t_edge, log_lo, inv_dlog)
                cnt[j] = 0


@njit(cache=True, parallel=True)
def finalize(istate, fstate, hist, t_edge, n_time, log_lo, dlog,
             fraction_1, fraction_2, fraction_stereo, mean_count, max_gap, mean_gap, max_gap_st, median_err):
    """Close gaps still open at the end of the window and turn accumulators into metrics.

    Gaps: a gap is a maximal run of consecutive samples without detection (without a stereo
    pair for ``max_gap_st``); its duration is ``t_edge[end + 1] - t_edge[start]`` (= number of
    samples x step_s on a regular grid). Runs touching the start or the end of the window count
    (truncated by it). ``mean_gap`` is 0 for a point never without detection. The median of the
    best-pair error is read from the log histogram as the mean of the bin centres holding the
    lower and upper middle samples (NaN without stereo).
    """
    n_point = istate.shape[0]
    nb = hist.shape[1]
    for p in prange(n_point):
        fraction_1[p] = istate[p, ST_N1] / n_time
        fraction_2[p] = istate[p, ST_N2] / n_time
        fraction_stereo[p] = istate[p, ST_NST] / n_time
        mean_count[p] = fstate[p, FS_SUMC] / n_time
        mg = fstate[p, FS_MAXGAP]
        sg = fstate[p, FS_SUMGAP]
        ng = istate[p, ST_NGAP]
        last = istate[p, ST_LAST_DET]
        if last < n_time - 1:
            gap = t_edge[n_time] - t_edge[last + 1]
            ng += 1
            sg += gap
            if gap > mg:
                mg = gap
        max_gap[p] = mg
        mean_gap[p] = sg / ng if ng > 0 else 0.0
        mgs = fstate[p, FS_MAXGAP_ST]
        last = istate[p, ST_LAST_ST]
        if last < n_time - 1:
            gap = t_edge[n_time] - t_edge[last + 1]
            if gap > mgs:
                mgs = gap
        max_gap_st[p] = mgs
        nst = istate[p, ST_NST]
        if nst == 0:
            median_err[p] = math.nan
        else:
            lo_rank = (nst - 1) // 2
            hi_rank = nst // 2
            cum = 0
            v_lo = math.nan
            v_hi = math.nan
            for b in range(nb):
                c = hist[p, b]
                if c == 0:
                    continue
                if cum <= lo_rank < cum + c:
                    v_lo = math.exp(log_lo + (b + 0.5) * dlog)
                if cum <= hi_rank < cum + c:
                    v_hi = math.exp(log_lo + (b + 0.5) * dlog)
                    break
                cum += c
            median_err[p] = 0.5 * (v_lo + v_hi)
