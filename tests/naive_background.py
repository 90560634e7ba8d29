"""Slow, obvious oracles of the background classification and the view constraints (issue 19).

Written from the definitions, independently of the kernels' closed form
(:func:`constellation._geometry.space_background_s`, which works with the closest approach of
the ray in a scaled space):

- :func:`ray_meets_ellipsoid`: the line of sight continued beyond the target, ``t + lam u``
  (``u`` the unit vector satellite -> target, ``lam > 0``), is intersected with the ellipsoid
  ``(x^2 + y^2) / A^2 + z^2 / B^2 = 1`` (``A = a + h_c``, ``B = b + h_c``) by solving the
  quadratic in ``lam`` with the discriminant written out; "earth" when a root with
  ``lam > 0`` exists or the target is inside;
- :func:`ray_march_min_altitude_km`: the smallest geodetic altitude (pyproj, WGS84, a
  different surface: constant geodetic height) along the ray, by dense sampling then a
  bounded scalar minimisation (scipy), to compare with ``h_c``;
- :func:`naive_off_nadir_deg`: the off-nadir angle by ``arccos`` in degrees.
"""

from __future__ import annotations

import math

import numpy as np

WGS84_A_KM = 6378.137
WGS84_B_KM = WGS84_A_KM * (1.0 - 1.0 / 298.257223563)


def ray_meets_ellipsoid(sat, tgt, clutter_km):
    """True when the ray beyond the target meets (or starts inside) the WGS84 ellipsoid grown by ``clutter_km``."""
    s = np.asarray(sat, float)
    t = np.asarray(tgt, float)
    u = (t - s) / np.linalg.norm(t - s)
    w = np.array([1.0 / (WGS84_A_KM + clutter_km) ** 2, 1.0 / (WGS84_A_KM + clutter_km) ** 2,
                  1.0 / (WGS84_B_KM + clutter_km) ** 2])
    # (t + lam u)^T W (t + lam u) = 1  ->  qa lam^2 + qb lam + qc = 0
    qa = float(np.sum(w * u * u))
    qb = 2.0 * float(np.sum(w * t * u))
    qc = float(np.sum(w * t * t)) - 1.0
    if qc <= 0.0:
        return True  # the target is inside (or on) the clutter layer
    disc = qb * qb - 4.0 * qa * qc
    if disc < 0.0:
        return False
    lam_far = (-qb + math.sqrt(disc)) / (2.0 * qa)
    return lam_far > 0.0  # both roots share the sign of -qb (their product qc/qa > 0)


def naive_space_background(sat, tgt, clutter_km):
    """"space" (True) or "earth" (False) by :func:`ray_meets_ellipsoid`."""
    return not ray_meets_ellipsoid(sat, tgt, clutter_km)


def ray_march_min_altitude_km(sat, tgt, length_km=20000.0, n=4001):
    """Smallest geodetic altitude (km, pyproj WGS84) along the ray beyond the target, up to ``length_km``."""
    import pyproj
    from scipy.optimize import minimize_scalar

    tr = pyproj.Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)
    s = np.asarray(sat, float)
    t = np.asarray(tgt, float)
    u = (t - s) / np.linalg.norm(t - s)

    def alt(lam):
        p = (t + np.multiply.outer(np.atleast_1d(lam), u)) * 1000.0
        return tr.transform(p[:, 0], p[:, 1], p[:, 2])[2] / 1000.0

    lams = np.linspace(0.0, length_km, n)
    h = alt(lams)
    i = int(np.argmin(h))
    lo = lams[max(i - 1, 0)]
    hi = lams[min(i + 1, n - 1)]
    if hi > lo:
        r = minimize_scalar(lambda x: float(alt(x)[0]), bounds=(lo, hi), method="bounded",
                            options={"xatol": 1e-6})
        return min(float(r.fun), float(h[i]))
    return float(h[i])


def naive_off_nadir_deg(sat, tgt):
    """Angle (deg) at the satellite between geocentric nadir and the line of sight to the target."""
    s = np.asarray(sat, float)
    t = np.asarray(tgt, float)
    nadir = -s / np.linalg.norm(s)
    los = (t - s) / np.linalg.norm(t - s)
    return math.degrees(math.acos(max(-1.0, min(1.0, float(nadir @ los)))))


def view_ok(sat, tgt, sensor):
    """The view constraints of ``sensor`` (object or dict): inner exclusion cone and required space background."""
    get = (lambda k, d: sensor.get(k, d)) if isinstance(sensor, dict) else (lambda k, d: getattr(sensor, k, d))
    mon = get("min_off_nadir_deg", 0.0) or 0.0
    if mon > 0.0 and naive_off_nadir_deg(sat, tgt) < mon:
        return False
    if get("require_space_background", False) and not naive_space_background(sat, tgt, get("clutter_altitude_km", 20.0)):
        return False
    return True


def naive_background_fractions(positions_km, valid, pts, ups, sensors, sensor_index):
    """Brute-force ``fraction_space_background`` and ``fraction_stereo_space_background`` per point.

    Every (time, satellite, point): detection by :func:`tests.naive.naive_detect_matrix`
    (the view constraints included), background by :func:`naive_space_background`, stereo by
    the convergence angle in degrees (``theta_min <= gamma <= 180 - theta_min``, the larger
    ``theta_min`` of the two sensors). Returns two (n_point,) arrays.
    """
    from tests.naive import naive_detect_matrix

    n_time, n_sat = positions_km.shape[:2]
    n_point = pts.shape[0]
    fsb = np.zeros(n_point)
    fst = np.zeros(n_point)
    for k in range(n_time):
        det = np.zeros((n_sat, n_point), dtype=bool)
        for si, sen in enumerate(sensors):
            rows = np.flatnonzero((sensor_index == si) & valid[k])
            if rows.size:
                det[rows] = naive_detect_matrix(positions_km[k, rows], pts, ups, sen)
        for p in range(n_point):
            space = [s for s in np.flatnonzero(det[:, p])
                     if naive_space_background(positions_km[k, s], pts[p],
                                               sensors[sensor_index[s]].clutter_altitude_km)]
            if space:
                fsb[p] += 1
            done = False
            for ia in range(len(space)):
                for ib in range(ia + 1, len(space)):
                    a, b = space[ia], space[ib]
                    da = positions_km[k, a] - pts[p]
                    db = positions_km[k, b] - pts[p]
                    g = math.degrees(math.acos(max(-1.0, min(1.0, float(da @ db) / (np.linalg.norm(da) * np.linalg.norm(db))))))
                    th = max(sensors[sensor_index[a]].stereo_min_angle_deg, sensors[sensor_index[b]].stereo_min_angle_deg)
                    if th <= g <= 180.0 - th and 0.0 < g < 180.0:
                        done = True
                        break
                if done:
                    break
            fst[p] += done
    return fsb / n_time, fst / n_time
