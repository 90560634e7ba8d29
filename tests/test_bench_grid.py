"""The grid benchmark's tables and its same-output peer comparison (hgvcov.bench, hgvcov.bench_peers)."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest

import hgvcov.bench as bench
import hgvcov.bench_peers as peers


def test_counts_at_samples_equals_a_loop_over_intervals():
    """Closed intervals, instants on the edges included, against the obvious double loop."""
    rng = np.random.default_rng(18)
    starts = np.round(rng.uniform(0.0, 600.0, 40), 0)
    ends = starts + np.round(rng.uniform(0.0, 120.0, 40), 0)
    t = np.arange(0.0, 750.0, 30.0)
    t = np.concatenate([t, starts[:5], ends[:5]])  # instants exactly on edges
    want = np.array([sum(1 for s, e in zip(starts, ends) if s <= x <= e) for x in t])
    np.testing.assert_array_equal(peers.counts_at_samples(starts, ends, t), want)


def test_sampled_metrics_by_hand():
    # counts 0 0 1 2 0 0 0 3 0 0 at 30 s: seen 3 of 10, >= 2 at 2 of 10, mean 0.6, longest gap 3 samples
    m = peers.sampled_metrics([0, 0, 1, 2, 0, 0, 0, 3, 0, 0], 30.0)
    assert m == {"fraction_1": 0.3, "fraction_2": 0.2, "mean_count": 0.6, "max_gap_s": 90.0}


def test_nadir_half_angle_gives_the_elevation_mask_on_a_sphere():
    """Cast the line of sight at the returned nadir angle from a satellite at 1,000 km, meet the
    sphere, and measure the elevation there: 10 deg (to rounding)."""
    re_km = 6378.137
    eta = math.radians(peers.nadir_half_angle_deg(1000.0, 10.0))
    s = np.array([re_km + 1000.0, 0.0, 0.0])
    u = np.array([-math.cos(eta), math.sin(eta), 0.0])  # unit line of sight, eta from nadir
    b = float(s @ u)
    dist = -b - math.sqrt(b * b - (float(s @ s) - re_km * re_km))  # nearest intersection
    t = s + dist * u
    up = t / re_km
    el = math.degrees(math.asin(float(up @ (s - t)) / np.linalg.norm(s - t)))
    assert abs(el - 10.0) < 1e-9


def test_numba_threads_sets_and_restores():
    before = numba.get_num_threads()
    with peers.numba_threads(1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before


def _runs():
    return {1: {"ours_s": 2.0, "ours_det_s": 1.0, "brute_s": 40.0, "brute_det_s": 36.0},
            2: {"ours_s": 1.0, "ours_det_s": 0.5, "brute_s": 20.0, "brute_det_s": 18.0}}


def test_ratio_table_gives_every_row_its_threads_and_both_ratios():
    lines = bench.ratio_table({"runs": _runs(), "np_s": 2000.0}, 4, 240)
    assert lines[0] == "| run | threads | wall s | ratio to ours at 1 thread | ratio to ours at 2 threads |"
    rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[2:]]
    assert all(len(r) == 5 for r in rows)
    by = {(r[0].split(" (")[0].split(",")[0], r[1]): r for r in rows}
    assert by[("ours", "1")][3:] == ["1.0x", "2.0x"] and by[("ours", "2")][3:] == ["0.50x", "1.0x"]
    assert by[("brute-force numba over all triples", "1")][3:] == ["20.0x", "40.0x"]
    assert by[("brute-force numba over all triples", "2")][3:] == ["10.0x", "20.0x"]
    assert by[("brute-force numba", "2")][2:] == ["18.00 vs 0.500", "18.0x", "36.0x"]
    numpy_row = next(r for r in rows if r[0].startswith("NumPy"))
    assert numpy_row[1] == "1" and numpy_row[3:] == ["1,000x", "2,000x"]
    assert "one Python thread" in numpy_row[0] and "4 of 240 steps timed, extrapolated" in numpy_row[0]


def test_tatc_table_has_no_extrapolation_and_both_thread_counts():
    row = dict(job=peers.peer_jobs(True)[1], n_point=100, n_time=2880, tatc_s=5.0, ours_s={1: 0.1, 2: 0.05},
               max_abs_diff={"fraction_1": 0.0, "fraction_2": 0.0, "mean_count": 0.0, "max_gap_s": 0.0},
               fraction_1_mean=0.7)
    lines = peers.tatc_table([row], 2)
    assert "extrapol" not in "\n".join(lines)
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    assert cells[1:6] == ["5.00", "0.100", "0.050", "50x", "100x"]


def test_tatc_and_ours_agree_on_a_small_same_job(monkeypatch):
    """TAT-C's intervals, sampled at our instants, give our counts on a small job (Walker 30/3/1,
    9 points, 12 h, 536 intervals). Both run SGP4 on the same records; their Earth-fixed frames differ by metres
    (Earth-rotation and nutation models), which at a sub-satellite speed of ~6.5 km/s moves an
    interval edge by about a millisecond, so a sample (every 30 s) disagrees only if it lies within
    that of an edge: with a handful of edges per point, expected far less than one sample per
    point. One sample per point is allowed; more would be a real difference (TAT-C's default
    geodetic nadir, 0.19 deg from the geocentric one, gives 8 samples in a point and 67
    detections in all)."""
    pytest.importorskip("tatc")
    job = dict(label="Walker 30/3/1", n_sat=30, n_planes=3, hours=12.0, n_side=3, altitude_km=1000.0,
               inclination_deg=80.0, min_elevation_deg=10.0)
    monkeypatch.setattr(peers, "peer_jobs", lambda quick: [job])
    rows = peers.run_tatc_comparison(True, out=lambda *_: None)
    assert rows is not None and len(rows) == 1
    r = rows[0]
    one_sample = 1.0 / r["n_time"]
    assert r["n_intervals"] > 0 and 0.0 < r["fraction_1_mean"] < 1.0
    assert r["max_abs_diff"]["fraction_1"] <= one_sample
    assert r["max_abs_diff"]["mean_count"] <= one_sample
