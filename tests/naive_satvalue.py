"""Slow, obvious oracles of the per-satellite value (constellation._satvalue): recounts by brute force.

Inputs are the naive detections and stereo pairs of :func:`tests.naive.naive_detections_and_pairs`
(per sample, satellite and point, in degrees) for the grid, and the naive track recount of
:mod:`tests.naive_tracks` for tracks. Each (point, sample) is visited in plain Python loops.
"""

from __future__ import annotations

import numpy as np

from .naive_tracks import is_stereo_pair, naive_detects


def critical_satellites(ids, is_pair):
    """(sole, needed_for_2, sole_stereo) sets of one (point, sample) with detecting satellites ``ids``.

    ``is_pair(i, j)`` says whether detecting satellites ``i``, ``j`` form a stereo pair. Sole: the
    one satellite when ``len(ids) == 1``; needed for 2: both when ``len(ids) == 2``; sole stereo:
    the satellites in every stereo pair (the intersection of the pairs as sets), empty when none.
    """
    ids = list(ids)
    sole = set(ids) if len(ids) == 1 else set()
    need2 = set(ids) if len(ids) == 2 else set()
    pairs = [{i, j} for a, i in enumerate(ids) for j in ids[a + 1:] if is_pair(i, j)]
    stereo = set.intersection(*pairs) if pairs else set()
    return sole, need2, stereo


def naive_grid_satellite_value(det, pair, weights, sample_s):
    """Region-mean seconds (n_sat, 3) per satellite: sole, needed for 2, sole stereo.

    ``det`` (n_time, n_sat, n_point) bool, ``pair`` (n_time, n_point, n_sat, n_sat) bool,
    ``weights`` (n_point,) the region weights; the weighted sum over points and samples of each
    indicator, divided by the sum of the weights, times ``sample_s`` (s).
    """
    n_time, n_sat, n_point = det.shape
    out = np.zeros((n_sat, 3))
    for k in range(n_time):
        for p in range(n_point):
            w = float(weights[p])
            if w <= 0.0:
                continue
            ids = [int(i) for i in np.flatnonzero(det[k, :, p])]
            sets = critical_satellites(ids, lambda i, j: bool(pair[k, p, i, j]))
            for c, s in enumerate(sets):
                for i in s:
                    out[i, c] += w
    return out / float(np.sum(weights)) * sample_s


def naive_track_satellite_value(sat_pos_km, valid, tgt_km, up, sensors, sensor_index, sample_s):
    """Per-satellite seconds (n_sat, 3) along one track: sole, needed for 2, sole stereo.

    ``sat_pos_km`` (n_sample, n_sat, 3) satellite positions at the track's samples, ``tgt_km``
    and ``up`` (n_sample, 3); detection by :func:`naive_detects`, stereo by
    :func:`naive_tracks.is_stereo_pair` with the larger ``stereo_min_angle_deg`` of the two;
    each sample counts ``sample_s`` seconds.
    """
    n, n_sat, _ = sat_pos_km.shape
    out = np.zeros((n_sat, 3))
    for k in range(n):
        ids = [s for s in range(n_sat) if valid[k, s] and
               naive_detects(sat_pos_km[k, s], tgt_km[k], up[k], sensors[sensor_index[s]])]

        def is_pair(i, j):
            th = max(sensors[sensor_index[i]].stereo_min_angle_deg, sensors[sensor_index[j]].stereo_min_angle_deg)
            return is_stereo_pair(sat_pos_km[k, i], sat_pos_km[k, j], tgt_km[k], th)[0]

        for c, s in enumerate(critical_satellites(ids, is_pair)):
            for i in s:
                out[i, c] += sample_s
    return out
