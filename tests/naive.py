"""Slow, obvious oracles for the fast kernels (shared file: add functions, never rewrite others').

Coverage oracles (constellation.coverage and its kernels)
------------------------------------------------------------------
Plain NumPy over every (time, satellite, point) triple, written from the DESIGN.md
definitions with angles in degrees via arcsin/arccos (not the kernels' sine/cosine
comparisons), the triangulation covariance by explicit 3x3 matrix inversion, gaps by
run-length encoding of the whole boolean time series, and the exact median by ``np.median``.
"""

from __future__ import annotations

import math

import numpy as np

WGS84_A_KM = 6378.137
WGS84_B_KM = WGS84_A_KM * (1.0 - 1.0 / 298.257223563)
GRAZING_TOL = 1e-9  # definition detail shared with the kernel (a target ON the surface is not below it)


def _sensor_get(sensor, key, default=None):
    if isinstance(sensor, dict):
        return sensor.get(key, default)
    return getattr(sensor, key, default)


def naive_detect_matrix(sat_xyz, pts, ups, sensor, intensity_w_sr=None):
    """Boolean (n_sat, n_point): does satellite i detect point j (all constraints)?

    sat_xyz (n_sat, 3) km, pts/ups (n_point, 3); ``sensor`` a Sensor or dict of its fields.
    """
    sat_xyz = np.asarray(sat_xyz, dtype=float)
    d = sat_xyz[:, None, :] - pts[None, :, :]
    rng = np.linalg.norm(d, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        el_deg = np.degrees(np.arcsin(np.clip(np.einsum("spk,pk->sp", d, ups) / rng, -1, 1)))
        ok = el_deg >= _sensor_get(sensor, "min_elevation_deg")
        ok &= np.isfinite(rng) & (rng > 0)
        fov = _sensor_get(sensor, "field_of_regard_deg")
        if fov is not None:
            rs = np.linalg.norm(sat_xyz, axis=-1)[:, None]
            cosang = np.einsum("sk,spk->sp", -sat_xyz, -d) / (rs * rng)
            off_deg = np.degrees(np.arccos(np.clip(cosang, -1, 1)))
            ok &= off_deg <= fov / 2.0
        mr = _sensor_get(sensor, "max_range_km")
        if mr is not None:
            ok &= rng <= mr
        g = _sensor_get(sensor, "grazing_altitude_km")
        if g is not None:
            scale = np.array([WGS84_A_KM + g, WGS84_A_KM + g, WGS84_B_KM + g])
            p0 = (sat_xyz / scale)[:, None, :]
            p1 = (pts / scale)[None, :, :]
            v = p1 - p0
            tau = np.clip(-np.sum(p0 * v, axis=-1) / np.sum(v * v, axis=-1), 0.0, 1.0)
            closest = p0 + tau[..., None] * v
            ok &= np.sum(closest * closest, axis=-1) >= 1.0 - GRAZING_TOL
        thr = _sensor_get(sensor, "detection_threshold_kw_sr")
        nei = _sensor_get(sensor, "noise_equivalent_irradiance_w_m2")
        if (thr is not None or nei is not None) and intensity_w_sr is not None:
            ref = _sensor_get(sensor, "reference_range_km", 1000.0)
            if thr is not None:
                need = thr * 1000.0 * (rng / ref) ** 2
                ok &= intensity_w_sr >= need
            else:
                snr = _sensor_get(sensor, "snr_threshold", 5.0)
                irr = intensity_w_sr / (rng * 1000.0) ** 2
                ok &= irr >= snr * nei
    mon = _sensor_get(sensor, "min_off_nadir_deg", 0.0) or 0.0
    if mon > 0.0 or _sensor_get(sensor, "require_space_background", False):
        from tests.naive_background import view_ok  # issue 19: inner exclusion cone, space background

        for i in range(sat_xyz.shape[0]):
            for j in range(pts.shape[0]):
                if ok[i, j]:
                    ok[i, j] = view_ok(sat_xyz[i], pts[j], sensor)
    return ok


def naive_triangulation_sigma_m(s1, s2, tgt, noise1_rad, noise2_rad=None):
    """sqrt(trace(J^-1)) with J = sum_i (I - u_i u_i^T) / (sigma_i R_i)^2, by matrix inversion (m)."""
    if noise2_rad is None:
        noise2_rad = noise1_rad
    J = np.zeros((3, 3))
    for s, sig in ((s1, noise1_rad), (s2, noise2_rad)):
        d = np.asarray(s, float) - np.asarray(tgt, float)
        r = np.linalg.norm(d)
        u = d / r
        J += (np.eye(3) - np.outer(u, u)) / (sig * r * 1000.0) ** 2
    return float(np.sqrt(np.trace(np.linalg.inv(J))))


def naive_convergence_deg(s1, s2, tgt):
    a = np.asarray(s1, float) - tgt
    b = np.asarray(s2, float) - tgt
    return float(np.degrees(np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1))))


def _runs_of_false(flags):
    """Lengths (start, stop_exclusive) of maximal runs of False."""
    out = []
    start = None
    for k, f in enumerate(flags):
        if not f and start is None:
            start = k
        elif f and start is not None:
            out.append((start, k))
            start = None
    if start is not None:
        out.append((start, len(flags)))
    return out


def naive_coverage(positions_km, valid, pts, ups, sensors, sensor_index, seconds, step_s, intensity_w_sr=None):
    """Brute-force coverage metrics, every triple.

    Parameters
    ----------
    positions_km : (n_time, n_sat, 3); valid : (n_time, n_sat) bool
    pts, ups : (n_point, 3)
    sensors : list of Sensor; sensor_index : (n_sat,) int
    seconds : (n_time,) sample times; step_s : duration of the last sample

    Returns
    -------
    dict of (n_point,) arrays with the DESIGN.md metric names, plus ``counts`` (n_time, n_point),
    ``stereo`` (n_time, n_point) bool and ``errors`` (list per point of best-pair errors, m).
    """
    n_time, n_sat, _ = positions_km.shape
    n_point = pts.shape[0]
    counts = np.zeros((n_time, n_point), dtype=int)
    stereo = np.zeros((n_time, n_point), dtype=bool)
    errors = [[] for _ in range(n_point)]
    sensor_index = np.asarray(sensor_index)
    for k in range(n_time):
        det = np.zeros((n_sat, n_point), dtype=bool)
        for si, sen in enumerate(sensors):
            m = (sensor_index == si) & valid[k]
            if m.any():
                det[m] = naive_detect_matrix(positions_km[k][m], pts, ups, sen, intensity_w_sr)
        counts[k] = det.sum(axis=0)
        for p in range(n_point):
            ids = np.flatnonzero(det[:, p])
            best = math.inf
            for a in range(len(ids)):
                for b in range(a + 1, len(ids)):
                    i, j = ids[a], ids[b]
                    theta = max(sensors[sensor_index[i]].stereo_min_angle_deg,
                                sensors[sensor_index[j]].stereo_min_angle_deg)
                    ang = naive_convergence_deg(positions_km[k, i], positions_km[k, j], pts[p])
                    if theta <= ang <= 180.0 - theta:
                        sig = naive_triangulation_sigma_m(
                            positions_km[k, i], positions_km[k, j], pts[p],
                            sensors[sensor_index[i]].angular_noise_urad * 1e-6,
                            sensors[sensor_index[j]].angular_noise_urad * 1e-6)
                        best = min(best, sig)
            if best < math.inf:
                stereo[k, p] = True
                errors[p].append(best)
    edges = np.concatenate([np.asarray(seconds, float), [seconds[-1] + step_s]])
    out = {
        "fraction_1": (counts >= 1).mean(axis=0),
        "fraction_2": (counts >= 2).mean(axis=0),
        "fraction_stereo": stereo.mean(axis=0),
        "mean_count": counts.mean(axis=0),
        "max_gap_s": np.zeros(n_point),
        "mean_gap_s": np.zeros(n_point),
        "max_gap_stereo_s": np.zeros(n_point),
        "median_position_error_m": np.full(n_point, np.nan),
    }
    for p in range(n_point):
        gaps = [edges[b] - edges[a] for a, b in _runs_of_false(counts[:, p] >= 1)]
        out["max_gap_s"][p] = max(gaps) if gaps else 0.0
        out["mean_gap_s"][p] = float(np.mean(gaps)) if gaps else 0.0
        gaps = [edges[b] - edges[a] for a, b in _runs_of_false(stereo[:, p])]
        out["max_gap_stereo_s"][p] = max(gaps) if gaps else 0.0
        if errors[p]:
            out["median_position_error_m"][p] = float(np.median(errors[p]))
    out["counts"] = counts
    out["stereo"] = stereo
    out["errors"] = errors
    return out


def spherical_cap_central_angle_deg(altitude_km, elevation_deg, radius_km=6378.137):
    """Textbook Earth central angle of the coverage circle (Wertz, *Space Mission Analysis and
    Design*, 3rd ed., eqs. 5-16 to 5-18): sin(rho) = R / (R + h), sin(eta) = sin(rho) cos(eps),
    lambda = 90 deg - eps - eta."""
    rho = math.asin(radius_km / (radius_km + altitude_km))
    eta = math.asin(math.sin(rho) * math.cos(math.radians(elevation_deg)))
    return 90.0 - elevation_deg - math.degrees(eta)


# ---------------------------------------------------------------------------- gap distribution, region series
def naive_gap_bin_centre_samples(m):
    """Centre (samples) of the gap-histogram bin holding a gap of ``m`` samples, from the stated rule.

    Below 64 samples a bin per length (the length itself); from ``2^e`` to ``2^(e+1) - 1``
    (``e >= 6``) 32 equal bins of ``2^(e - 5)`` lengths, the bin of ``m`` starting at
    ``m`` rounded down to a multiple of that width; its centre is the mean of its first and
    last length.
    """
    m = int(m)
    if m < 64:
        return float(m)
    e = m.bit_length() - 1
    width = 2 ** (e - 5)
    first = (m // width) * width
    return (first + (first + width - 1)) / 2.0


def naive_gap_runs(flags):
    """Gaps of one point's boolean series as (first sample, one past the last) of each run of False."""
    return _runs_of_false(list(bool(f) for f in flags))


def naive_gap_figures(flags, edges, sample_s):
    """Gap-distribution figures of each point from its boolean series, the obvious way.

    Parameters
    ----------
    flags : (n_time, n_point) bool
        Whether the point is at the level (>= 1, >= 2, stereo) at each sample.
    edges : (n_time + 1,) float
        Sample boundaries (s).
    sample_s : float
        Seconds per sample (gap lengths in samples -> seconds for the percentiles).

    Returns
    -------
    dict of (n_point,) arrays
        ``n_passes`` (runs of True), ``time_average_gap_s`` (sum of squared gap durations over
        the window), ``mean_response_time_s`` (half that), ``gap_p50_s`` / ``gap_p90_s`` /
        ``gap_p99_s`` (``np.percentile`` of the gap lengths replaced by their bin centres, times
        ``sample_s``; 0 without gaps), ``gap_p50_exact_s``... (``np.percentile`` of the gap
        durations themselves) and ``gaps_samples`` (list per point of gap lengths in samples).
    """
    flags = np.asarray(flags, dtype=bool)
    n_time, n_point = flags.shape
    window = edges[-1] - edges[0]
    out = {k: np.zeros(n_point) for k in ("n_passes", "time_average_gap_s", "mean_response_time_s")}
    for q in (50, 90, 99):
        out[f"gap_p{q}_s"] = np.zeros(n_point)
        out[f"gap_p{q}_exact_s"] = np.zeros(n_point)
    out["gaps_samples"] = []
    for p in range(n_point):
        f = flags[:, p]
        out["n_passes"][p] = sum(1 for k in range(n_time) if f[k] and (k == 0 or not f[k - 1]))
        runs = naive_gap_runs(f)
        durations = [edges[b] - edges[a] for a, b in runs]
        lengths = [b - a for a, b in runs]
        sq = 0.0
        for d in durations:
            sq += d * d
        out["time_average_gap_s"][p] = sq / window if window > 0 else 0.0
        out["mean_response_time_s"][p] = sq / (2.0 * window) if window > 0 else 0.0
        out["gaps_samples"].append(lengths)
        if lengths:
            centres = [naive_gap_bin_centre_samples(m) for m in lengths]
            for q in (50, 90, 99):
                out[f"gap_p{q}_s"][p] = float(np.percentile(centres, q)) * sample_s
                out[f"gap_p{q}_exact_s"][p] = float(np.percentile(np.asarray(lengths, float) * sample_s, q))
    return out


def naive_region_weights(lat_deg, lon_deg=None, mask=None):
    """Area weights written out: cos(latitude), 0 at the poles, one column per meridian, mask applied.

    ``lat_deg`` (n_lat,) with ``lon_deg`` (n_lon,) for a grid (row-major result), or (n_point,)
    without. A longitude column whose meridian (mod 360) already appeared further left gets 0;
    when every weight is 0 the taken points get 1 each.
    """
    lat = np.asarray(lat_deg, float)
    if lon_deg is None:
        lat_pt = lat
        taken = np.ones(lat.size, bool)
    else:
        lon = np.asarray(lon_deg, float)
        lat_pt = np.repeat(lat, lon.size)
        seen = []
        col_ok = []
        for x in lon:
            m = x % 360.0
            dup = any(abs(m - s) < 1e-9 or abs(abs(m - s) - 360.0) < 1e-9 for s in seen)
            col_ok.append(not dup)
            seen.append(m)
        taken = np.tile(np.array(col_ok), lat.size)
    if mask is not None:
        taken = taken & np.asarray(mask, bool).ravel()
    w = np.array([0.0 if (not t or abs(a) >= 90.0) else math.cos(math.radians(a)) for a, t in zip(lat_pt, taken)])
    if not (w > 0).any():
        w = taken.astype(float)
    return w


def naive_region_series(flags, weights):
    """Region fraction per sample: explicit weighted sum over points of ``flags`` (n_time, n_point)."""
    flags = np.asarray(flags, bool)
    wsum = float(np.sum(weights))
    return np.array([sum(weights[p] for p in range(flags.shape[1]) if flags[k, p]) / wsum
                     for k in range(flags.shape[0])])


def naive_region_gap_cdf(gaps_samples, weights, tops_samples):
    """Area-weighted mean of the points' gap-length CDFs at ``tops_samples`` (points with gaps only)."""
    num = np.zeros(len(tops_samples))
    den = 0.0
    for lengths, w in zip(gaps_samples, weights):
        if not lengths or not w > 0:
            continue
        g = np.asarray(lengths)
        num += w * np.array([np.count_nonzero(g <= t) / g.size for t in tops_samples])
        den += w
    return num / den if den > 0 else np.full(len(tops_samples), np.nan)


# ---------------------------------------------------------------------------- satellite availability
def naive_detections_and_pairs(positions_km, valid, pts, ups, sensors, sensor_index, intensity_w_sr=None):
    """Per sample, which satellites detect each point and which pairs of them are stereo pairs.

    Returns ``det`` (n_time, n_sat, n_point) bool and ``pair`` (n_time, n_point, n_sat, n_sat)
    bool: both satellites detect the point and their lines of sight converge at an angle in
    ``[theta, 180 - theta]`` deg, ``theta`` the larger ``stereo_min_angle_deg`` of the two
    (DESIGN.md), angles from :func:`naive_convergence_deg`. Detection does not depend on the other
    satellites, so removing a satellite is masking its row / its pairs.
    """
    n_time, n_sat, _ = positions_km.shape
    n_point = pts.shape[0]
    sensor_index = np.asarray(sensor_index)
    det = np.zeros((n_time, n_sat, n_point), dtype=bool)
    pair = np.zeros((n_time, n_point, n_sat, n_sat), dtype=bool)
    for k in range(n_time):
        for si, sen in enumerate(sensors):
            m = (sensor_index == si) & valid[k]
            if m.any():
                det[k, m] = naive_detect_matrix(positions_km[k][m], pts, ups, sen, intensity_w_sr)
        for p in range(n_point):
            ids = np.flatnonzero(det[k, :, p])
            for a in range(len(ids)):
                for b in range(a + 1, len(ids)):
                    i, j = ids[a], ids[b]
                    theta = max(sensors[sensor_index[i]].stereo_min_angle_deg,
                                sensors[sensor_index[j]].stereo_min_angle_deg)
                    ang = naive_convergence_deg(positions_km[k, i], positions_km[k, j], pts[p])
                    if theta <= ang <= 180.0 - theta:
                        pair[k, p, i, j] = pair[k, p, j, i] = True
    return det, pair


def _surviving_levels(det, pair, up):
    """Indicators (n_time, n_point) of >= 1, >= 2 surviving detections and a surviving stereo pair.

    ``up`` (n_time, n_sat) bool: the satellites available at each sample.
    """
    d = det & up[:, :, None]
    counts = d.sum(axis=1)
    both = up[:, None, :, None] & up[:, None, None, :]
    stereo = (pair & both).any(axis=(2, 3))
    return counts >= 1, counts >= 2, stereo


def naive_expected_fractions_enumeration(det, pair, p):
    """Expected ``fraction_1``, ``fraction_2``, ``fraction_stereo`` (each (n_point,)) by enumeration.

    Every subset S of the satellites survives with probability ``p^|S| (1-p)^(n_sat-|S|)``; the
    fractions recomputed with the others removed are weighted by it and summed (2^n_sat
    subsets; the same subset at every sample, which has the same expectation per sample as
    independent draws per sample, by linearity).
    """
    n_time, n_sat, n_point = det.shape
    out = np.zeros((3, n_point))
    for s in range(1 << n_sat):
        alive = np.array([(s >> i) & 1 for i in range(n_sat)], dtype=bool)
        w = p ** int(alive.sum()) * (1.0 - p) ** int(n_sat - alive.sum())
        levels = _surviving_levels(det, pair, np.broadcast_to(alive, (n_time, n_sat)))
        for i, lv in enumerate(levels):
            out[i] += w * lv.mean(axis=0)
    return out


def naive_expected_fractions_monte_carlo(det, pair, p, n_draws, rng):
    """Monte Carlo estimate of the expected fractions: each satellite up with probability ``p``,
    drawn independently at every sample, ``n_draws`` draws.

    Returns ``mean`` (3, n_point) and its standard error ``sem`` (3, n_point) (sample standard
    deviation over the draws / sqrt(n_draws)).
    """
    n_time, n_sat, n_point = det.shape
    vals = np.zeros((n_draws, 3, n_point))
    for d in range(n_draws):
        up = rng.random((n_time, n_sat)) < p
        for i, lv in enumerate(_surviving_levels(det, pair, up)):
            vals[d, i] = lv.mean(axis=0)
    return vals.mean(axis=0), vals.std(axis=0, ddof=1) / math.sqrt(n_draws)
