"""The vectorised row kernels of the grid engine against their scalar references.

``slot_detect`` must take exactly the decisions of ``detect_r2`` (bit for bit: the grid's
counts equal the brute-force oracle's), ``row_update`` must leave the state ``update_point``
(the brute force's) leaves, ``pair_block`` must give each point the smallest stereo variance
over the pairs swept, equal to the matrix-inversion triangulation error of ``tests/naive.py``
within rounding.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from constellation._candidates import acos_upper
from constellation._detect import slot_detect
from constellation._geometry import WGS84_A_KM, WGS84_B_KM, WGS84_E2, detect_r2
from constellation._metrics import (
    N_FSTATE,
    N_ISTATE,
    N_RS,
    ST_LAST_DET,
    ST_LAST_ST,
    ST_NGAP,
    ln_positive,
    row_state_load,
    row_state_store,
    row_update,
    update_point,
)
from constellation._pairs import block_max, pair_block
from constellation._tiles import BLOCK, TILE_COLS, TILE_ROWS

from .naive import naive_convergence_deg, naive_triangulation_sigma_m

rounding = 1e-9  # relative; the closed-form variance vs a 3x3 inversion in float64


def _row(rng, n, lat_deg, alt_km):
    """Points of one grid row (km, ITRS) and their unit geodetic normals."""
    lat = math.radians(lat_deg)
    lon = np.radians(100.0 + 0.5 * np.arange(n))
    a, e2 = WGS84_A_KM, WGS84_E2
    nrad = a / math.sqrt(1.0 - e2 * math.sin(lat) ** 2)
    px = (nrad + alt_km) * math.cos(lat) * np.cos(lon)
    py = (nrad + alt_km) * math.cos(lat) * np.sin(lon)
    pz = np.full(n, (nrad * (1.0 - e2) + alt_km) * math.sin(lat))
    ux = math.cos(lat) * np.cos(lon)
    uy = math.cos(lat) * np.sin(lon)
    uz = np.full(n, math.sin(lat))
    return px, py, pz, ux, uy, uz


def _sat_above(rng, lat_deg, lon_deg, alt_km):
    r = WGS84_A_KM + alt_km
    la, lo = math.radians(lat_deg), math.radians(lon_deg)
    return r * math.cos(la) * math.cos(lo), r * math.cos(la) * math.sin(lo), r * math.sin(la)


def _windows(rng, n):
    """One to three disjoint inclusive index windows inside ``[0, n)`` (as lon_index_windows writes)."""
    nw = int(rng.choice([1, 1, 2, 3]))
    cuts = np.sort(rng.choice(np.arange(n), size=2 * nw, replace=False))
    win = np.full((3, 2), 999, dtype=np.int64)  # unused rows hold junk, as in grid_chunk
    for m in range(nw):
        win[m] = cuts[2 * m], cuts[2 * m + 1]
    return win, nw


def _strip(rng, n_rows, n_lon, lat_deg, alt_km):
    """A strip of ``n_rows`` grid rows 0.5 deg apart in grid_chunk's tile-major layout.

    Returns ``pu`` (6, n_pad) (NaN on the padding: rows past ``n_rows``, columns past
    ``n_lon``), and ``row_of``, ``col_of`` (n_pad,) (-1 on the padding).
    """
    n_blk = -(-n_lon // TILE_COLS)
    n_pad = n_blk * BLOCK
    pu = np.full((6, n_pad), np.nan)
    row_of = np.full(n_pad, -1)
    col_of = np.full(n_pad, -1)
    for r in range(n_rows):
        row = _row(rng, n_lon, lat_deg + 0.5 * r, alt_km)
        for col in range(n_lon):
            j = (col // TILE_COLS) * BLOCK + r * TILE_COLS + col % TILE_COLS
            pu[:, j] = [v[col] for v in row]
            row_of[j], col_of[j] = r, col
    return pu, row_of, col_of


@pytest.mark.parametrize("seed", range(6))
def test_slot_detect_takes_the_decisions_of_detect_r2(seed):
    """Bit-equal decisions and ``R^2`` on every point of the tiles meeting the windows (all
    points there are tested; with a grazing limit only the window columns), NaN in the tiles
    between windows and on the NaN padding (short strips, the last partial tile), nothing
    written outside the covered tiles, exact tile minima and first/last detecting tile."""
    rng = np.random.default_rng(seed)
    n = 121
    n_rows = int(rng.integers(1, TILE_ROWS + 1))
    lat = float(rng.uniform(-60, 60))
    pu, row_of, col_of = _strip(rng, n_rows, n, lat, float(rng.choice([0.0, 30.0])))
    n_pad = pu.shape[1]
    n_blk = n_pad // BLOCK
    checked = 0
    detected = 0
    between = 0
    for _ in range(40):
        sx, sy, sz = _sat_above(rng, lat + rng.uniform(-25, 25), rng.uniform(90, 190), rng.uniform(400, 2000))
        se = math.sin(math.radians(rng.choice([-5.0, 0.0, 10.0, 20.0])))
        rmax2 = float(rng.choice([math.inf, 2500.0 ** 2]))
        cf = float(rng.choice([-2.0, math.cos(math.radians(55.0)), math.cos(math.radians(100.0))]))
        kthr = float(rng.choice([-1.0, 2.0e4 / 3000.0 ** 2]))
        inten = 2.5e4
        ga, gb = (0.0, 0.0)
        if rng.random() < 0.25:  # grazing-altitude limit: the scalar path
            g_km = float(rng.uniform(0.0, 80.0))
            ga, gb = WGS84_A_KM + g_km, WGS84_B_KM + g_km
        # view constraints (inner exclusion cone, required space background): off, or on (the scalar path)
        cn, ca2, ck, req = 2.0, (WGS84_A_KM + 20.0) ** 2, ((WGS84_A_KM + 20.0) / (WGS84_B_KM + 20.0)) ** 2, 0.0
        if rng.random() < 0.25:
            cn = math.cos(math.radians(float(rng.uniform(5.0, 50.0))))
            req = float(rng.choice([0.0, 1.0]))
        scalar_path = gb > 0.0 or cn < 1.5 or req > 0.5
        win, nw = _windows(rng, n)
        r2s = np.full((2, n_pad), -7.0)
        rminb = np.full((2, n_blk), -7.0)
        cnt = np.zeros(n_pad)  # float64, as in grid_chunk
        q_lo, q_hi = slot_detect(r2s, rminb, 1, win, nw, pu, cnt, sx, sy, sz, se, rmax2, cf, ga, gb, kthr,
                                    inten, cn, ca2, ck, req)
        inside = np.zeros(n_blk * TILE_COLS, dtype=bool)  # window columns
        for m in range(nw):
            inside[win[m, 0]:win[m, 1] + 1] = True
        qa, qb = win[:nw, 0].min() // TILE_COLS, win[:nw, 1].max() // TILE_COLS
        want_lo = want_hi = -1
        for q in range(n_blk):
            blk = range(q * BLOCK, (q + 1) * BLOCK)
            if not qa <= q <= qb:
                assert all(r2s[1, j] == -7.0 and cnt[j] == 0 for j in blk)  # nothing written
                assert rminb[1, q] == -7.0
                continue
            meets = bool(inside[q * TILE_COLS:(q + 1) * TILE_COLS].any())
            between += not meets
            vals = []
            for j in blk:
                col = q * TILE_COLS + (j - q * BLOCK) % TILE_COLS
                tested = meets and (inside[col] if scalar_path else True)
                if not tested or row_of[j] < 0:
                    assert np.isnan(r2s[1, j]) and cnt[j] == 0
                    continue
                assert col_of[j] == col
                want = detect_r2(sx, sy, sz, *pu[:, j], se, rmax2, cf, ga, gb, kthr, inten, cn, ca2, ck, req)
                checked += 1
                if want >= 0.0:
                    detected += 1
                    vals.append(want)
                    assert r2s[1, j] == want and cnt[j] == 1
                else:
                    assert np.isnan(r2s[1, j]) and cnt[j] == 0
            if vals:
                assert rminb[1, q] == min(vals) * (1.0 - 1e-9)
                want_hi = q
                want_lo = q if want_lo < 0 else want_lo
            else:
                assert np.isnan(rminb[1, q])
        assert (q_lo, q_hi) == (want_lo, want_hi)
        assert np.all(r2s[0] == -7.0) and np.all(rminb[0] == -7.0)
    assert checked > 1000 and 0 < detected < checked  # both outcomes exercised
    assert between > 0  # tiles between two windows (no test, NaN) exercised


@pytest.mark.parametrize("seed", range(3))
def test_row_update_equals_the_per_point_update(seed):
    """The vectorised row update leaves exactly the state of ``update_point`` (the brute force's)."""
    rng = np.random.default_rng(50 + seed)
    n_lon, n_pad, n_t, nb = 37, 48, 300, 64
    t_edge = np.concatenate([[0.0], np.cumsum(rng.uniform(5.0, 60.0, n_t))])  # irregular samples
    log_lo, inv_dlog = math.log(20.0), nb / math.log(5000.0 / 20.0)
    ist = np.zeros((n_lon, N_ISTATE), dtype=np.int32)
    ist[:, ST_LAST_DET] = -1
    ist[:, ST_LAST_ST] = -1
    fst = np.zeros((n_lon, N_FSTATE))
    hist = np.zeros((n_lon, nb), dtype=np.uint16)
    ist2, fst2, hist2 = ist.copy(), fst.copy(), hist.copy()
    rs = np.zeros((N_RS, n_pad))
    gidx = np.where(np.arange(n_pad) < n_lon, np.arange(n_pad), -1)  # padding: -1
    row_state_load(rs, ist2, fst2, t_edge, gidx)
    binf = np.empty(n_pad)
    p_det = rng.uniform(0.2, 0.9, n_lon)  # per point: long runs and gaps of both kinds
    for g in range(n_t):
        cnt = np.zeros(n_pad)
        cnt[:n_lon] = np.where(rng.random(n_lon) < p_det, rng.integers(1, 6, n_lon), 0)
        var = (rng.uniform(5.0, 8000.0, n_pad) / 1000.0) ** 2  # km^2; some outside the histogram
        best = np.where(cnt >= 2, np.where(rng.random(n_pad) < 0.2, np.inf, var), 0.0)
        for j in range(n_lon):
            if cnt[j] > 0:
                update_point(j, g, int(cnt[j]), best[j] if cnt[j] >= 2 else math.inf, ist, fst, hist, t_edge,
                                log_lo, inv_dlog)
        row_update(rs, cnt, best, binf, 0, n_lon - 1, g, t_edge[g], t_edge[g + 1], log_lo, inv_dlog, nb)
        assert np.all(cnt == 0.0)  # reset for the next step
        for j in range(n_lon):
            if binf[j] >= 0.0:
                hist2[j, int(binf[j])] += 1
    row_state_store(rs, ist2, fst2, gidx)
    assert np.array_equal(ist, ist2)
    assert np.array_equal(fst, fst2)  # same operations in the same order: bit for bit
    assert np.array_equal(hist, hist2)
    assert hist[:, 0].sum() > 0 and hist[:, -1].sum() > 0 and ist[:, ST_NGAP].min() > 0


@pytest.mark.parametrize("seed", range(4))
def test_pair_block_gives_the_smallest_stereo_triangulation_error(seed):
    rng = np.random.default_rng(100 + seed)
    n = 3 * BLOCK
    lat = float(rng.uniform(-50, 50))
    px, py, pz, *_ = _row(rng, n, lat, 0.0)
    pu = np.array([px, py, pz, px, py, pz])  # rows 3-5 (normals) unused by pair_block
    sats = [_sat_above(rng, lat + rng.uniform(-20, 20), rng.uniform(95, 130), 1000.0) for _ in range(5)]
    noise = [float(rng.uniform(20e-6, 80e-6)) for _ in sats]
    theta_min = 20.0
    r2s = np.empty((len(sats), n))
    for a, s in enumerate(sats):
        r2 = (s[0] - px) ** 2 + (s[1] - py) ** 2 + (s[2] - pz) ** 2
        r2[rng.random(n) < 0.2] = np.nan  # points this satellite does not detect
        r2s[a] = r2
    best = np.full(n, np.inf)
    cm2 = math.cos(math.radians(theta_min)) ** 2
    for a in range(len(sats)):
        for b in range(a + 1, len(sats)):
            for j0 in range(0, n, BLOCK):
                pair_block(r2s, a, b, j0, *sats[a], *sats[b], pu, noise[a] ** 2, noise[b] ** 2, cm2,
                              best, 1.0)
    n_stereo = 0
    for j in range(n):
        tgt = np.array([px[j], py[j], pz[j]])
        want = math.inf
        for a in range(len(sats)):
            for b in range(a + 1, len(sats)):
                if np.isnan(r2s[a, j]) or np.isnan(r2s[b, j]):
                    continue
                g = naive_convergence_deg(np.array(sats[a]), np.array(sats[b]), tgt)
                if theta_min <= g <= 180.0 - theta_min:
                    want = min(want, naive_triangulation_sigma_m(np.array(sats[a]), np.array(sats[b]), tgt,
                                                                 noise[a], noise[b]))
        got = 1000.0 * math.sqrt(best[j]) if math.isfinite(best[j]) else math.inf
        if math.isinf(want):
            assert math.isinf(got)
        else:
            n_stereo += 1
            assert abs(got - want) <= rounding * want
    assert n_stereo > n // 2


def test_block_max_on_the_bit_patterns_equals_the_max():
    rng = np.random.default_rng(7)
    for _ in range(50):
        best = rng.uniform(0.0, 1e6, BLOCK) ** rng.uniform(0.1, 3.0)
        best[rng.random(BLOCK) < 0.2] = np.inf
        best[rng.random(BLOCK) < 0.2] = 0.0
        got = block_max(best.view(np.int64), 0)
        assert got == best.max()


def test_ln_positive_matches_math_log():
    """The libm-free logarithm of the histogram binning agrees with math.log over 600 decades."""
    two_e_minus_15 = 2e-15  # absolute, in ln units (the series' truncation and rounding)
    four_ulp = 4 * np.finfo(float).eps  # relative: rounding of e ln 2 for large exponents
    rng = np.random.default_rng(5)
    edges = [1.0, 2.0, 0.5, math.sqrt(2.0), np.nextafter(math.sqrt(2.0), 2.0), 1e-12, 3.7e8,
             np.finfo(float).max, np.finfo(float).tiny]  # fold point of the mantissa, extremes
    xs = np.concatenate([10.0 ** rng.uniform(-300, 300, 20000), edges])
    for x in xs:
        want = math.log(x)
        assert abs(ln_positive(float(x)) - want) <= two_e_minus_15 + four_ulp * abs(want), x


def test_acos_upper_bounds_acos_from_above_within_its_pad():
    """The candidate windows use ``acos_upper``: it must never be below ``acos`` (a window that is
    too narrow would lose detections) and stay within 1.3e-7 rad above it."""
    x = np.concatenate([np.linspace(-1.0, 1.0, 400001), [-1.0, -0.0, 0.0, 1.0],
                        1.0 - np.logspace(-16, -1, 2000), -1.0 + np.logspace(-16, -1, 2000)])
    got = np.array([acos_upper(v) for v in x])
    excess = got - np.arccos(x)
    assert excess.min() >= 0.0
    assert excess.max() <= 1.3e-7
