"""Scalar detection and stereo geometry of the coverage engine (numba; km, rad; never raise).

The one definition of "satellite detects target" and of "stereo pair" that grid, point, track
and access kernels share: the sensor parameter vector layout (``P_*`` indices of a row of the
sensor table built by :func:`constellation.sensors.sensor_table`), the detection test in
array and scalar forms, convergence angle, triangulation error and the best stereo pair
among detecting satellites.

Detection test
--------------
:func:`detects` (and its scalar forms :func:`detects_i`, :func:`detect_core`,
:func:`detect_r2`) implements DESIGN.md "Detection geometry" for one (satellite, target) pair.
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
- inner exclusion cone ``eta_min`` (``min_off_nadir_deg``; off at 0): the off-nadir angle
  ``eta`` must be ``>= eta_min``, i.e. ``cos(eta) <= cos(eta_min)``, tested as ``sat . d <= 0 or
  (sat . d)^2 <= cos^2(eta_min) |sat|^2 R^2`` (``cos(eta_min) > 0`` since ``eta_min < 90 deg``).
- space background required (``require_space_background``; off by default): the line of sight
  continued beyond the target must have a space background (:func:`space_background_s`).

Background of a line of sight
-----------------------------
What the sensor sees *behind* the target: continue the line of sight satellite -> target past
the target, ``x(lambda) = t - lambda d / R``, ``lambda > 0``. The background is **Earth** when
that ray meets the Earth grown by a clutter layer of altitude ``h_c`` (clouds, the lower
atmosphere's bright and structured background: the look-down case), **space** otherwise (the
limb or cold space behind the target: the physically easier case for an infrared sensor,
which sees the target against a dark, uniform background; e.g. Simmons, F. S., *Rocket
Exhaust Plume Phenomenology*, Aerospace Press 2000, ch. 6 on earth versus hard-body/space
backgrounds; Wertz & Larson, *SMAD* 3rd ed., sec. 9.4 on Earth-background clutter).

Closed form for a sphere of radius ``R_c``: with ``r_t = |t|`` and ``el`` the satellite's
elevation above the plane normal to the target's radius, the ray leaves the target with
``t . (-d) = -r_t R sin(el)``; for ``el <= 0`` it moves away from the centre and never comes
closer than ``r_t``; for ``el > 0`` its closest approach to the centre is ``r_t cos(el)`` (at
``lambda = r_t sin el``). So the background is space iff ``r_t > R_c`` and (``el <= 0`` or
``r_t cos(el) > R_c``); squared and without angles: ``|t|^2 - R_c^2 > 0`` and (``t . d <= 0``
or ``(t . d)^2 < (|t|^2 - R_c^2) R^2``).

Ellipsoid: the clutter surface is the WGS84 ellipsoid with both semi-axes grown by ``h_c``
(``A = a + h_c``, ``B = b + h_c``), the convention of the grazing altitude above. Scaling x, y
by ``1/A`` and z by ``1/B`` maps it onto the unit sphere and the ray onto a ray (a linear map
preserves lines and the sign of the ray parameter), so the sphere's closed form applies
exactly in the scaled space; multiplied by ``A^2`` it reads, with ``k = (A / B)^2``,
``q = tx^2 + ty^2 + k tz^2 - A^2 > 0`` and (``w = tx dx + ty dy + k tz dz <= 0`` or
``w^2 < q (dx^2 + dy^2 + k dz^2)``). No square root, no angle. The grown ellipsoid differs
from the surface at constant geodetic height ``h_c`` by less than 3 cm in geocentric radius for
``h_c <= 20 km`` (2.8 cm at 20 km, 2.1 cm at 15 km; exact at the equator and the poles; a
second-order effect in ``h_c`` and the flattening; checked in ``tests/test_background.py``),
far below the uncertainty of any clutter altitude.

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
"""

from __future__ import annotations

import math

from ._jit import jit, jit_inline

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
# view constraints (issue 19, "Background"): appended so that the columns above keep their indices
P_CLUTTER_KM = 13  # clutter-layer altitude h_c (km) of the background classification
P_CLUTTER_A2_KM2 = 14  # (a + h_c)^2, km^2 (a = WGS84 semi-major axis)
P_CLUTTER_K = 15  # ((a + h_c) / (b + h_c))^2: the z weight of the clutter ellipsoid's scaled metric
P_REQUIRE_SPACE = 16  # 1.0: a detection needs a space background; 0.0: off
P_MIN_OFF_NADIR_RAD = 17  # inner exclusion cone (half angle about geocentric nadir), rad
P_COS_MIN_OFF_NADIR = 18  # its cosine; 2.0 when off (min_off_nadir_deg = 0)
N_PARAM = 19

GRAZING_TOL = 1e-9
"""Tolerance on the squared scaled closest-approach norm of the grazing test (~3 mm)."""


# ---------------------------------------------------------------- scalar geometry
@jit
def slant_range_km(sat_xyz, tgt_xyz):
    """Distance satellite -> target (km). ``sat_xyz``, ``tgt_xyz``: (3,) ECEF km."""
    dx = sat_xyz[0] - tgt_xyz[0]
    dy = sat_xyz[1] - tgt_xyz[1]
    dz = sat_xyz[2] - tgt_xyz[2]
    return math.sqrt(dx * dx + dy * dy + dz * dz)


@jit
def sin_elevation(sat_xyz, tgt_xyz, tgt_up):
    """Sine of the satellite's elevation above the target's horizon of unit normal ``tgt_up``."""
    dx = sat_xyz[0] - tgt_xyz[0]
    dy = sat_xyz[1] - tgt_xyz[1]
    dz = sat_xyz[2] - tgt_xyz[2]
    r = math.sqrt(dx * dx + dy * dy + dz * dz)
    if r == 0.0:
        return 1.0
    return (dx * tgt_up[0] + dy * tgt_up[1] + dz * tgt_up[2]) / r


@jit_inline
def clamp_unit(x):
    """``x`` clipped to [-1, 1]: a cosine or sine from rounded dot products, before acos/asin."""
    if x > 1.0:
        return 1.0
    if x < -1.0:
        return -1.0
    return x


@jit
def elevation_rad(sat_xyz, tgt_xyz, tgt_up):
    """Elevation (rad) of the satellite above the target's (geodetic) horizon."""
    return math.asin(clamp_unit(sin_elevation(sat_xyz, tgt_xyz, tgt_up)))


@jit
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


@jit
def off_nadir_rad(sat_xyz, tgt_xyz):
    """Off-nadir angle (rad) of the target about geocentric nadir."""
    return math.acos(clamp_unit(cos_off_nadir(sat_xyz, tgt_xyz)))


@jit
def segment_clears_ellipsoid(p0, p1, a_km, b_km):
    """True when the segment p0 -> p1 never enters the spheroid (a, a, b).

    Scales x, y by ``1/a`` and z by ``1/b`` (the spheroid becomes the unit sphere) and checks
    that the closest approach of the segment to the origin has squared norm
    ``>= 1 - GRAZING_TOL`` (``GRAZING_TOL = 1e-9``, about 3 mm in radius, so an end point
    lying exactly on the spheroid, e.g. a ground target with grazing altitude 0, is not
    "below" it through rounding).
    """
    return segment_clears_ellipsoid_s(p0[0], p0[1], p0[2], p1[0], p1[1], p1[2], a_km, b_km)


@jit_inline
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


@jit_inline
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


@jit_inline
def view_scalars(table, si):
    """Unpack the view constraints of sensor row ``si``: the last four arguments of :func:`detect_r2`.

    Returns
    -------
    (cos_min_off_nadir (2.0 = off), clutter_a2_km2, clutter_k, require_space (1.0 / 0.0))
    """
    return table[si, P_COS_MIN_OFF_NADIR], table[si, P_CLUTTER_A2_KM2], table[si, P_CLUTTER_K], \
        table[si, P_REQUIRE_SPACE]


@jit_inline
def space_background_s(sx, sy, sz, tx, ty, tz, ca2, ck):
    """Whether the line of sight satellite -> target has a space background beyond the target.

    Closed form of the module docstring ("Background of a line of sight") for the clutter
    ellipsoid ``(A, A, B)`` given by ``ca2 = A^2`` (km^2) and ``ck = (A / B)^2``: space iff
    ``q = tx^2 + ty^2 + ck tz^2 - A^2 > 0`` (target above the clutter layer) and
    (``w = t . d <= 0`` in the scaled metric, the satellite at or below the target's scaled
    horizon, or ``w^2 < q (dx^2 + dy^2 + ck dz^2)``, the ray's closest approach above the
    layer), ``d = sat - tgt`` (km). Positions ECEF km; NaN positions give False.
    """
    q = tx * tx + ty * ty + ck * tz * tz - ca2
    if not q > 0.0:
        return False
    dx = sx - tx
    dy = sy - ty
    dz = sz - tz
    w = tx * dx + ty * dy + ck * tz * dz
    if w <= 0.0:
        return True
    v = dx * dx + dy * dy + ck * dz * dz
    return w * w < q * v


@jit
def space_background(sat_xyz, tgt_xyz, params):
    """:func:`space_background_s` on (3,) ECEF arrays (km) with the clutter layer of sensor vector ``params``."""
    return space_background_s(sat_xyz[0], sat_xyz[1], sat_xyz[2], tgt_xyz[0], tgt_xyz[1], tgt_xyz[2],
                              params[P_CLUTTER_A2_KM2], params[P_CLUTTER_K])


@jit_inline
def detect_r2(sx, sy, sz, tx, ty, tz, ux, uy, uz, se, rmax2, cf, ga, gb, kthr, inten, cn, ca2, ck, req):
    """Detection test on scalars; returns the squared slant range (km^2) when detected, else -1.

    Same inequalities as :func:`detects_i` (module docstring), arranged without square roots
    where possible: elevation ``d . n >= sin(eps) R`` as ``d . n >= 0 and (d . n)^2 >=
    sin^2(eps) R^2`` for ``eps >= 0`` (mirrored for ``eps < 0``), range as ``R^2 <= R_max^2``,
    radiometric as ``I >= (threshold / R_ref^2) R^2``; then the view constraints of
    :func:`view_scalars`: the inner exclusion cone (``cn = cos(eta_min)``, ``>= 1.5`` = off) as
    ``sat . d <= 0 or (sat . d)^2 <= cn^2 |sat|^2 R^2``, and, when ``req > 0.5``, a space
    background (:func:`space_background_s` with ``ca2``, ``ck``). With both off (the defaults)
    the decisions are those of the first six tests alone.
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
    if cn < 1.5:
        rs2 = sx * sx + sy * sy + sz * sz
        w = sx * dx + sy * dy + sz * dz
        if w > 0.0 and w * w > cn * cn * r2 * rs2:
            return -1.0
    if req > 0.5 and not space_background_s(sx, sy, sz, tx, ty, tz, ca2, ck):
        return -1.0
    return r2


@jit_inline
def detect_core(sx, sy, sz, tx, ty, tz, ux, uy, uz, table, si, intensity_w_sr):
    """Scalar form of :func:`detects_i` reading sensor row ``si`` of ``table`` (no array views)."""
    se, rmax2, cf, ga, gb, kthr, inten = sensor_scalars(table, si, intensity_w_sr)
    cn, ca2, ck, req = view_scalars(table, si)
    return detect_r2(sx, sy, sz, tx, ty, tz, ux, uy, uz, se, rmax2, cf, ga, gb, kthr, inten, cn, ca2, ck, req) >= 0.0


@jit
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


@jit
def detects(sat_xyz, tgt_xyz, tgt_up, params):
    """:func:`detects_i` with the target intensity stored in ``params[P_INTENSITY_W_SR]``."""
    return detects_i(sat_xyz, tgt_xyz, tgt_up, params, params[P_INTENSITY_W_SR])


@jit
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
    return clamp_unit((ax * bx + ay * by + az * bz) / (na * nb))


@jit
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


@jit
def is_stereo(sat1, sat2, tgt, cos_stereo_min):
    """Stereo test ``|cos gamma| <= cos(theta_min)`` (gamma in [theta_min, pi - theta_min])."""
    return abs(cos_convergence(sat1, sat2, tgt)) <= cos_stereo_min


@jit
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


@jit
def triangulation_sigma_m(sat1, sat2, tgt, noise_rad):
    """1-sigma 3-D triangulation error (m) with equal per-line-of-sight noise ``noise_rad``."""
    return triangulation_sigma2_m(sat1, sat2, tgt, noise_rad, noise_rad)


@jit
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
