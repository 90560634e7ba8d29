"""Gap-distribution figures of merit against the slow oracle (``tests/naive.py``).

The streaming kernels (:func:`constellation._metrics.levels_update`, the same per-point update
:func:`constellation._metrics.gap_update` the grid kernel calls, then
:func:`constellation._metrics.finalize_gaps` and :func:`constellation._metrics.region_gap_cdf`)
are fed coverage-level series drawn at random from the whole allowed range (gaps from one
sample to the whole window, regular and irregular time grids, chunks of any size) and the
degenerate ones (one point, one sample, always covered, never covered). Definitions that are
exact (passes, sums of squared gaps, percentiles of the bin centres) must match exactly;
percentiles against the raw gap durations within the stated bin bound: exact below 64
samples, else within 1/64 relative (half of a bin at most 1/32 of its lower edge wide).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from constellation._metrics import N_LEVELS, gap_bin, gap_bin_range, levels_update
from constellation.coverage import (GAP_VARIABLES, _finalize_gaps, _gap_state, _time_edges, gap_histogram_bins)
from orbits.timegrid import TimeGrid, time_grid

from .naive import naive_gap_bin_centre_samples, naive_gap_figures, naive_region_gap_cdf, naive_region_series

EPOCH = "2026-11-21T00:00:00Z"
SUFFIX = ("", "_2", "_stereo")
bin_bound = 1.0 / 64.0  # half a bin, bins at most 1/32 of their lower edge wide
float_slack = 1e-12  # relative: float rounding of the interpolation


def _run_levels(level, tg, chunk, weight):
    """The point-list streaming path on given levels: returns (per-point figures, tops_s, cdfs, series)."""
    n_point, n_time = level.shape
    t_edge = _time_edges(tg)
    xstate, ghist = _gap_state(n_point, t_edge)
    sums = np.zeros((n_time, N_LEVELS))
    for k0 in range(0, n_time, chunk):
        k1 = min(n_time, k0 + chunk)
        levels_update(np.ascontiguousarray(level[:, k0:k1]), k0, xstate, ghist, t_edge, weight, sums[k0:k1])
    out, tops_s, cdfs = _finalize_gaps(xstate, ghist, t_edge, tg, weight)
    return out, tops_s, cdfs, sums / weight.sum()


def _random_levels(rng, n_point, n_time):
    """Nested random coverage (stereo within >= 2 within >= 1) with run lengths log-uniform up to the window."""
    def runs(p_on):
        f = np.zeros(n_time, bool)
        k = 0
        on = rng.random() < p_on
        while k < n_time:
            n = int(math.exp(rng.uniform(0.0, math.log(n_time + 1.0))))
            f[k:k + n] = on
            k += max(n, 1)
            on = not on
        return f
    lv = np.zeros((n_point, n_time), np.int8)
    for p in range(n_point):
        mode = rng.integers(0, 6)
        if mode == 0:
            f1 = np.ones(n_time, bool)  # always covered
        elif mode == 1:
            f1 = np.zeros(n_time, bool)  # never covered
        else:
            f1 = runs(0.5)
        f2 = f1 & runs(0.6)
        f3 = f2 & runs(0.6)
        lv[p] = f1.astype(np.int8) + f2 + f3
    return lv


def _check_against_oracle(level, tg, out, cdfs, tops_s, sample_s, weight):
    edges = _time_edges(tg)
    for lv, sfx in enumerate(SUFFIX):
        ref = naive_gap_figures((level > lv).T, edges, sample_s)
        np.testing.assert_array_equal(out[f"n_passes{sfx}"], ref["n_passes"], err_msg=sfx)
        np.testing.assert_array_equal(out[f"time_average_gap{sfx}_s"], ref["time_average_gap_s"], err_msg=sfx)
        np.testing.assert_array_equal(out[f"mean_response_time{sfx}_s"], ref["mean_response_time_s"], err_msg=sfx)
        for q in (50, 90, 99):
            got = out[f"gap_p{q}{sfx}_s"]
            np.testing.assert_allclose(got, ref[f"gap_p{q}_s"], rtol=float_slack, atol=0, err_msg=f"p{q}{sfx}")
            exact = ref[f"gap_p{q}_exact_s"]
            assert np.all(np.abs(got - exact) <= bin_bound * exact * (1 + float_slack) + 1e-9), (q, sfx)
            short = np.array([bool(g) and max(g) < 64 for g in ref["gaps_samples"]])
            np.testing.assert_allclose(got[short], exact[short], rtol=float_slack, atol=0)
        tops = np.rint(tops_s / sample_s).astype(int) if sample_s > 0 else np.arange(1, tops_s.size + 1)
        want = naive_region_gap_cdf(ref["gaps_samples"], weight, tops)
        np.testing.assert_allclose(cdfs[f"region_gap_cdf{sfx or '_1'}"], want, rtol=1e-13, atol=1e-15)


def test_gap_bins_follow_the_stated_rule():
    """Every length up to 2^20 samples: exact bins below 64, contiguous bins, width <= 1/32 of the lower edge."""
    prev = 0
    for m in range(1, 1 << 20):
        b = gap_bin(m)
        lo, w = gap_bin_range(b)
        assert lo <= m <= lo + w - 1
        assert b in (prev, prev + 1)
        prev = b
        if m < 64:
            assert (lo, w) == (m, 1)
        else:
            assert w <= lo / 32
        if m % 997 == 0 or m < 300:
            assert lo + (w - 1) / 2 == naive_gap_bin_centre_samples(m)
    assert gap_histogram_bins(2880) == gap_bin(2880) + 1 == 238


@pytest.mark.parametrize("seed", range(6))
def test_random_levels_equal_oracle(seed):
    rng = np.random.default_rng(seed)
    n_time = int(rng.choice([1, 2, 7, 63, 64, 65, 200, 1500, 3000]))
    n_point = int(rng.integers(1, 40))
    level = _random_levels(rng, n_point, n_time)
    step = float(rng.choice([1.0, 30.0, 97.0]))
    tg = time_grid(EPOCH, step, count=n_time)
    weight = rng.uniform(0.0, 1.0, n_point)
    weight[rng.random(n_point) < 0.2] = 0.0
    weight[0] = 0.5
    chunk = int(rng.integers(1, n_time + 2))
    out, tops_s, cdfs, series = _run_levels(level, tg, chunk, weight)
    _check_against_oracle(level, tg, out, cdfs, tops_s, step, weight)
    for lv in range(N_LEVELS):
        np.testing.assert_allclose(series[:, lv], naive_region_series((level > lv).T, weight), rtol=1e-13, atol=1e-15)
    assert set(out) == set(GAP_VARIABLES)


def test_irregular_time_grid_equals_oracle():
    """Irregular samples: squared gaps from the real durations; percentiles in samples x the mean sample."""
    rng = np.random.default_rng(11)
    secs = np.cumsum(rng.uniform(5.0, 60.0, 400))
    tg = TimeGrid.from_seconds(EPOCH, secs - secs[0])
    level = _random_levels(rng, 12, 400)
    weight = np.ones(12)
    out, tops_s, cdfs, _ = _run_levels(level, tg, 37, weight)
    edges = _time_edges(tg)
    sample_s = (edges[-1] - edges[0]) / 400
    edges_ref = naive_gap_figures((level > 0).T, edges, sample_s)
    np.testing.assert_array_equal(out["time_average_gap_s"], edges_ref["time_average_gap_s"])
    np.testing.assert_allclose(out["gap_p90_s"], edges_ref["gap_p90_s"], rtol=float_slack, atol=0)


@pytest.mark.parametrize("n_time", [1, 5, 64, 3000])
def test_always_and_never_covered(n_time):
    """Always covered: one pass, no gap (percentiles and averages 0). Never covered: no pass,
    one gap of the whole window (its percentiles are the window, to the bin bound), TAG = T,
    mean response time T / 2."""
    step = 30.0
    tg = time_grid(EPOCH, step, count=n_time)
    level = np.array([np.full(n_time, 3), np.zeros(n_time)], np.int8)
    out, _, cdfs, series = _run_levels(level, tg, 1000, np.array([1.0, 1.0]))
    window = n_time * step
    for sfx in SUFFIX:
        assert out[f"n_passes{sfx}"].tolist() == [1.0, 0.0]
        assert out[f"time_average_gap{sfx}_s"].tolist() == [0.0, window]
        assert out[f"mean_response_time{sfx}_s"].tolist() == [0.0, window / 2]
        for q in (50, 90, 99):
            got = out[f"gap_p{q}{sfx}_s"]
            assert got[0] == 0.0
            assert got[1] == naive_gap_bin_centre_samples(n_time) * step
            assert abs(got[1] - window) <= bin_bound * window
        cdf = cdfs[f"region_gap_cdf{sfx or '_1'}"]
        assert cdf[-1] == 1.0 and np.all(cdf[:-1] == 0.0)  # the only gap is the longest possible
    assert np.all(series == 0.5)


def test_one_sample_grids():
    """One sample covered / not: a regular grid's sample lasts its step, an irregular one's 0 s."""
    for tg, dur in ((time_grid(EPOCH, 30.0, count=1), 30.0), (TimeGrid.from_seconds(EPOCH, [0.0]), 0.0)):
        level = np.array([[1], [0]], np.int8)
        out, _, _, _ = _run_levels(level, tg, 1, np.ones(2))
        assert out["n_passes"].tolist() == [1.0, 0.0]
        assert out["gap_p50_s"].tolist() == [0.0, dur]
        assert out["time_average_gap_s"].tolist() == [0.0, dur]  # T = dur; 0 when T = 0
