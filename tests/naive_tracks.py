"""Slow, obvious oracle for constellation.tracks (plain Python loops, one instant at a time).

Independent of the fast path in everything but SGP4 itself: each sample instant is
propagated on its own (``orbits.propagate`` on a one-sample grid), the target point and its
horizon normal come from the textbook WGS84 formulas written out here, every constraint of
DESIGN.md's "Detection geometry" is evaluated with ``math`` in degrees (the radiometric one
from the inverse-square law written out, not from ``Sensor.threshold_w_sr``), every pair of
detecting satellites is tried, and the triangulation error is ``sqrt(trace(J^-1))`` with the
Fisher information ``J = sum_i (I - u_i u_i^T) / (sigma_i R_i)^2`` inverted numerically
(``numpy.linalg.inv``), not the closed form used by the kernels.
"""

from __future__ import annotations

import math

import numpy as np

WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563
WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)


def target_point(lat_deg, lon_deg, altitude_km):
    """WGS84 geodetic -> ECEF (km) and the unit ellipsoid normal, as two 3-lists."""
    phi = math.radians(lat_deg)
    lam = math.radians(lon_deg)
    n = WGS84_A_KM / math.sqrt(1.0 - WGS84_E2 * math.sin(phi) ** 2)
    xyz = [(n + altitude_km) * math.cos(phi) * math.cos(lam),
           (n + altitude_km) * math.cos(phi) * math.sin(lam),
           (n * (1.0 - WGS84_E2) + altitude_km) * math.sin(phi)]
    up = [math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)]
    return xyz, up


def _sub(a, b):
    return [a[0] - b[0], a[1] - b[1], a[2] - b[2]]


def _dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _norm(a):
    return math.sqrt(_dot(a, a))


def _angle_deg(a, b):
    c = _dot(a, b) / (_norm(a) * _norm(b))
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


def los_clears(sat, tgt, grazing_km):
    """Does the segment sat -> tgt stay outside the WGS84 ellipsoid grown by ``grazing_km``?

    Minimises ``(x^2 + y^2) / A^2 + z^2 / B^2`` along the segment (a quadratic in the
    segment parameter, minimised at its vertex clipped to [0, 1]); outside when >= 1 (with
    the same ~3 mm tolerance as the kernels, so targets exactly on the surface count).
    """
    A = WGS84_A_KM + grazing_km
    B = WGS84_B_KM + grazing_km
    d = _sub(tgt, sat)
    # f(tau) = sum w_k (s_k + tau d_k)^2, w = (1/A^2, 1/A^2, 1/B^2)
    w = [1.0 / A ** 2, 1.0 / A ** 2, 1.0 / B ** 2]
    qa = sum(w[k] * d[k] * d[k] for k in range(3))
    qb = 2.0 * sum(w[k] * sat[k] * d[k] for k in range(3))
    qc = sum(w[k] * sat[k] * sat[k] for k in range(3))
    tau = 0.0 if qa == 0 else min(1.0, max(0.0, -qb / (2.0 * qa)))
    f = qa * tau * tau + qb * tau + qc
    return f >= 1.0 - 1e-9


def naive_detects(sat, tgt, up, sensor, intensity_w_sr=float("nan")):
    """All configured constraints of ``sensor`` (a constellation.sensors.Sensor), in degrees."""
    d = _sub(sat, tgt)
    r = _norm(d)
    if not r > 0:
        return False
    elevation_deg = math.degrees(math.asin(max(-1.0, min(1.0, _dot(d, up) / r))))
    if elevation_deg < sensor.min_elevation_deg:
        return False
    if sensor.field_of_regard_deg is not None:
        off_nadir_deg = _angle_deg([-sat[0], -sat[1], -sat[2]], _sub(tgt, sat))
        if off_nadir_deg > sensor.field_of_regard_deg / 2.0:
            return False
    if sensor.max_range_km is not None and r > sensor.max_range_km:
        return False
    if sensor.grazing_altitude_km is not None and not los_clears(sat, tgt, sensor.grazing_altitude_km):
        return False
    if intensity_w_sr == intensity_w_sr and not radiometric_clears(sensor, intensity_w_sr, r):
        return False
    from tests.naive_background import view_ok  # inner exclusion cone, required space background (issue 19)
    return view_ok(sat, tgt, sensor)


def radiometric_clears(sensor, intensity_w_sr, range_km):
    """Radiometric test from its definition (DESIGN.md "Detection geometry"), inverse-square law.

    The target's irradiance at the sensor is ``E = I / R^2`` (W/m^2, R in m, no atmospheric
    transmission).  With ``detection_threshold_kw_sr`` the sensor needs the irradiance that
    a source of that intensity gives at ``reference_range_km``: ``E >= 1000 I_thr / R_ref^2``;
    with ``noise_equivalent_irradiance_w_m2`` it needs ``E >= snr_threshold * NEI``.  Neither
    configured: no radiometric limit.
    """
    irradiance_w_m2 = intensity_w_sr / (range_km * 1000.0) ** 2
    if sensor.detection_threshold_kw_sr is not None:
        reference_m = sensor.reference_range_km * 1000.0
        return irradiance_w_m2 >= sensor.detection_threshold_kw_sr * 1000.0 / reference_m ** 2
    if sensor.noise_equivalent_irradiance_w_m2 is not None:
        return irradiance_w_m2 >= sensor.snr_threshold * sensor.noise_equivalent_irradiance_w_m2
    return True


def naive_triangulation_sigma_m(s1, s2, tgt, noise1_rad, noise2_rad):
    """sqrt(trace(J^-1)) (m) of two bearing-only lines of sight, J inverted numerically."""
    J = np.zeros((3, 3))
    for s, sig in ((s1, noise1_rad), (s2, noise2_rad)):
        d = np.array(_sub(s, tgt))
        r = np.linalg.norm(d)
        u = d / r
        J += (np.eye(3) - np.outer(u, u)) / (sig * r) ** 2
    return 1000.0 * math.sqrt(np.trace(np.linalg.inv(J)))


def is_stereo_pair(s1, s2, tgt, min_angle_deg):
    g = _angle_deg(_sub(s1, tgt), _sub(s2, tgt))
    return min_angle_deg <= g <= 180.0 - min_angle_deg, g


def naive_track(sats, trajectories, sensors, start_utc, propagator="sgp4", intensity_w_sr=None):
    """Per-sample results and handover counts, one sample and one satellite at a time.

    Parameters as :func:`constellation.tracks.track_coverage` (``sensors`` a list, no
    resampling).

    Returns
    -------
    dict name -> dict with lists ``n_detect``, ``stereo``, ``convergence_deg``,
    ``position_error_m``, ``pair`` ((i, j) or None), ``detecting`` (lists of indices) and the
    counts ``handovers``, ``custody_handovers``.
    """
    from orbits.propagate import propagate
    from orbits.timegrid import TimeGrid

    sensors = list(sensors)
    out = {}
    for name, traj, offset in trajectories:
        res = {k: [] for k in ("n_detect", "stereo", "convergence_deg", "position_error_m", "pair",
                               "detecting", "positions", "target")}
        for k in range(len(traj.time_s)):
            t = float(offset) + float(traj.time_s[k])
            eph = propagate(sats, TimeGrid.from_seconds(start_utc, [t]), propagator)
            tgt, up = target_point(float(traj.lat_deg[k]), float(traj.lon_deg[k]), float(traj.altitude_km[k]))
            det = []
            for s in range(len(sats)):
                if not eph.valid[0, s]:
                    continue
                sen = sensors[int(sats.sensor_index[s])]
                inten = float("nan")
                if intensity_w_sr is not None and name in intensity_w_sr:
                    inten = float(np.asarray(intensity_w_sr[name])[k])
                if naive_detects(list(eph.positions_km[0, s]), tgt, up, sen, inten):
                    det.append(s)
            pos = eph.positions_km[0]
            best = None
            closest = None
            for a in range(len(det)):
                for b in range(a + 1, len(det)):
                    i, j = det[a], det[b]
                    si, sj = sensors[int(sats.sensor_index[i])], sensors[int(sats.sensor_index[j])]
                    ok, g = is_stereo_pair(list(pos[i]), list(pos[j]), tgt,
                                           max(si.stereo_min_angle_deg, sj.stereo_min_angle_deg))
                    if closest is None or abs(g - 90.0) < abs(closest[0] - 90.0):
                        closest = (g, i, j)
                    if ok:
                        e = naive_triangulation_sigma_m(list(pos[i]), list(pos[j]), tgt,
                                                        si.angular_noise_urad * 1e-6,
                                                        sj.angular_noise_urad * 1e-6)
                        if best is None or e < best[0]:
                            best = (e, g, i, j)
            res["n_detect"].append(len(det))
            res["detecting"].append(det)
            res["stereo"].append(best is not None)
            res["pair"].append(None if best is None else (best[2], best[3]))
            res["position_error_m"].append(float("nan") if best is None else best[0])
            if best is not None:
                res["convergence_deg"].append(best[1])
            elif closest is not None:
                res["convergence_deg"].append(closest[0])
            else:
                res["convergence_deg"].append(float("nan"))
            res["positions"].append(pos.copy())
            res["target"].append(tgt)
        res["handovers"], res["custody_handovers"] = _naive_handovers(res, sats, sensors)
        out[name] = res
    return out


def _naive_handovers(res, sats, sensors):
    """Handover counts with the hysteresis rule of constellation.tracks, sample by sample."""
    held = None
    single = None
    n_pair = 0
    n_single = 0
    for k in range(len(res["n_detect"])):
        det = res["detecting"][k]
        if res["stereo"][k]:
            if held is None:
                held = res["pair"][k]
            else:
                i, j = held
                keep = False
                if i in det and j in det:
                    si, sj = sensors[int(sats.sensor_index[i])], sensors[int(sats.sensor_index[j])]
                    keep, _ = is_stereo_pair(list(res["positions"][k][i]), list(res["positions"][k][j]),
                                             res["target"][k],
                                             max(si.stereo_min_angle_deg, sj.stereo_min_angle_deg))
                if not keep:
                    n_pair += 1
                    held = res["pair"][k]
        else:
            held = None
        if det:
            tgt = res["target"][k]
            nearest = min(det, key=lambda s: _norm(_sub(list(res["positions"][k][s]), tgt)))
            if single is None:
                single = nearest
            elif single not in det:
                n_single += 1
                single = nearest
        else:
            single = None
    return n_pair, n_single


def naive_longest_gap_s(time_s, covered):
    """Longest run without coverage after the first covered sample (s); see constellation.tracks."""
    idx = [k for k, c in enumerate(covered) if c]
    if not idx:
        return time_s[-1] - time_s[0]
    best = 0.0
    k = idx[0]
    n = len(covered)
    while k < n:
        if covered[k]:
            k += 1
            continue
        a = k
        while k < n and not covered[k]:
            k += 1
        best = max(best, time_s[min(k, n - 1)] - time_s[a])
    return best
