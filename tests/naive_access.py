"""Slow, obvious oracle for constellation.access: dense sampling with NumPy formulas.

The detection test is re-implemented here from DESIGN.md "Detection geometry" (elevation
above the WGS84 geodetic horizon, off-nadir angle about geocentric nadir, slant range),
independently of the engine's kernels, and evaluated every ``dense_step_s`` seconds;
access intervals are the runs of True samples, with start/end at the midpoint between the
last False and the first True sample (error <= dense_step_s / 2).
"""

from __future__ import annotations

import numpy as np


def naive_visible(sat_xyz, tgt_xyz, tgt_up, min_elevation_deg, field_of_regard_deg=None,
                  max_range_km=None, min_off_nadir_deg=0.0, require_space_background=False,
                  clutter_altitude_km=20.0):
    """sat_xyz (n, 3) ITRS km; tgt_xyz, tgt_up (3,). Returns bool (n,).

    ``min_off_nadir_deg``, ``require_space_background``, ``clutter_altitude_km``: the view
    constraints of issue 19 (:func:`tests.naive_background.view_ok`).
    """
    d = sat_xyz - tgt_xyz
    rng = np.linalg.norm(d, axis=1)
    el = np.degrees(np.arcsin(d @ tgt_up / rng))
    ok = el >= min_elevation_deg
    if field_of_regard_deg is not None:
        nadir = -sat_xyz / np.linalg.norm(sat_xyz, axis=1)[:, None]
        los = -d / rng[:, None]
        off = np.degrees(np.arccos(np.clip(np.sum(nadir * los, axis=1), -1, 1)))
        ok &= off <= field_of_regard_deg / 2.0
    if max_range_km is not None:
        ok &= rng <= max_range_km
    if min_off_nadir_deg > 0.0 or require_space_background:
        from tests.naive_background import view_ok

        sen = {"min_off_nadir_deg": min_off_nadir_deg, "require_space_background": require_space_background,
               "clutter_altitude_km": clutter_altitude_km}
        for i in np.flatnonzero(ok):
            ok[i] = view_ok(sat_xyz[i], tgt_xyz, sen)
    return ok


def naive_intervals(seconds, visible):
    """Runs of True in ``visible`` sampled at ``seconds``: list of (start_s, end_s);
    an interval open at either end starts/ends at that end sample."""
    out = []
    v = np.asarray(visible, dtype=bool)
    edges = np.flatnonzero(np.diff(v.astype(np.int8)))
    start = seconds[0] if v[0] else None
    for k in edges:
        t = 0.5 * (seconds[k] + seconds[k + 1])
        if not v[k]:
            start = t
        else:
            out.append((start, t))
            start = None
    if start is not None:
        out.append((start, seconds[-1]))
    return out


def naive_elevation_deg(sat_xyz, tgt_xyz, tgt_up):
    """Elevation (deg) above the geodetic horizon: asin(d . up / |d|); sat_xyz (n, 3) km."""
    d = sat_xyz - tgt_xyz
    return np.degrees(np.arcsin(d @ tgt_up / np.linalg.norm(d, axis=1)))


def naive_runs(visible):
    """Runs of True in a sampled flag: list of (k_rise, k_set, closed) with the scan's
    bookkeeping: ``k_rise`` the sample before the first True (-1 when True at sample 0),
    ``k_set`` the last True sample (the sample before the set; ``n - 1`` when still True at
    the end), ``closed`` False when the run reaches the last sample."""
    v = np.asarray(visible, dtype=bool)
    out = []
    k = 0
    n = v.size
    while k < n:
        if v[k]:
            j = k
            while j + 1 < n and v[j + 1]:
                j += 1
            out.append((k - 1, j, j + 1 < n))
            k = j + 1
        else:
            k += 1
    return out
