"""Degraded mode on fine grids, where the grid kernel decides most stereo pairs once per group of tiles.

``constellation._availability`` decides the pairs of each group of two tiles of the grid (6 x 4
points each) from the group's centre with a bound on how far a pair's convergence angle can
change across it, and tests only the pairs the bound cannot decide at each point. Oracles: per (sample, point), the pair
graph from tests/naive.py (detections and convergence angles recomputed in degrees) and the
probability that some stereo pair survives by enumeration of the surviving subsets of the
detecting satellites. Also here: ``hgvcov warmup`` leaves nothing of the availability path to
compile, and the run's memory estimate counts the availability figures.
"""

from __future__ import annotations

import numpy as np
import pytest

from constellation.coverage import SATELLITE_VALUE_VARIABLES, grid_coverage, point_coverage, region_weights
from constellation.grid import region_grid
from constellation.sensors import Sensor
from orbits.propagate import propagate
from orbits.satellites import SatelliteSet
from orbits.timegrid import time_grid

from .naive import naive_detections_and_pairs
from .naive_satvalue import naive_grid_satellite_value

EPOCH = "2026-11-21T00:00:00Z"
#: Sums of at most a few dozen probabilities, each good to ~1e-16, divided by n_time: 1e-12 is
#: some thousand times the rounding and far below what one wrong edge of a pair graph changes
#: (a probability of order p^2 (1 - p)^(k-2) >= 1e-3 for the k <= 12 satellites here, / n_time).
sum_rounding = 1e-12
SENSOR = Sensor(name="s", min_elevation_deg=0.0, stereo_min_angle_deg=25.0, angular_noise_urad=30.0)
SENSOR_B = Sensor(name="b", min_elevation_deg=5.0, stereo_min_angle_deg=40.0, angular_noise_urad=50.0)


def _low_case(n_sat, seed, n_time=10):
    """Random low orbits (800-2,000 km): ranges of 1,000-4,000 km, so lines of sight turn by
    several degrees across a tile and many pairs cross the stereo threshold inside one."""
    rng = np.random.default_rng(seed)
    alt = rng.uniform(800.0, 2000.0, n_sat)
    sats = SatelliteSet.from_elements(
        [f"S{i}" for i in range(n_sat)], 6378.137 + alt, np.zeros(n_sat), rng.uniform(20.0, 160.0, n_sat),
        rng.uniform(100, 160, n_sat), rng.uniform(0, 360, n_sat), rng.uniform(0, 360, n_sat), EPOCH)
    tg = time_grid(EPOCH, 97.0, count=n_time)
    return propagate(sats, tg)


def _stereo_survival_oracle(det, pair, p):
    """Expected stereo fraction per point: per (sample, point) the probability that a stereo pair
    of the detecting satellites survives, by enumeration of their surviving subsets."""
    n_time, n_sat, n_point = det.shape
    out = np.zeros(n_point)
    for k in range(n_time):
        for j in range(n_point):
            ids = np.flatnonzero(det[k, :, j])
            n = len(ids)
            if n < 2:
                continue
            adj = pair[k, j][np.ix_(ids, ids)].astype(np.int64)
            if not adj.any():
                continue
            subsets = ((np.arange(1 << n)[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int64)
            paired = np.einsum("si,ij,sj->s", subsets, adj, subsets) > 0
            alive = subsets.sum(axis=1)
            out[j] += float(np.sum(np.where(paired, p ** alive * (1.0 - p) ** (n - alive), 0.0)))
    return out / n_time


def _threshold_crossings(det, pair, shape):
    """Cases (sample, pair, neighbouring points along a row or a column) where both satellites
    detect both points and the pair is a stereo pair at one of them only: what a tile graph
    must not get wrong."""
    n_time, n_sat, _ = det.shape
    d = det.reshape(n_time, n_sat, *shape)
    pr = pair.reshape(n_time, *shape, n_sat, n_sat)
    count = 0
    for sa, sb in (((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
                   ((slice(None, -1), slice(None)), (slice(1, None), slice(None)))):
        t = (slice(None),)
        dd = np.moveaxis(d[t + t + sa] & d[t + t + sb], 1, -1)  # (n_time, .., .., n_sat): detects both points
        ok = dd[..., :, None] & dd[..., None, :]
        count += int(np.count_nonzero((pr[t + sa] != pr[t + sb]) & ok)) // 2
    return count


@pytest.mark.parametrize("seed", [0, 1])
def test_fine_grid_equals_per_point_subset_enumeration(seed):
    """0.5 deg grid (whole tiles of 6 x 4 points and ragged edges), random low orbits."""
    eph = _low_case(60, seed)
    grid = region_grid([20.0, 33.0], [118.0, 131.5], 0.5, 0.0)  # 27 x 28 points: padded tiles
    p = 0.8
    ds = grid_coverage(eph, None, grid, SENSOR, satellite_availability=p).dataset
    det, pair = naive_detections_and_pairs(eph.positions_km, eph.valid, grid.points_ecef_km, grid.up, [SENSOR],
                                           np.zeros(60, dtype=np.int64))
    n_det = det.sum(axis=1)
    # the case tests what it is meant to: graphs of several satellites, some not complete,
    # and stereo pairs that become valid or invalid between neighbouring points
    assert n_det.max() >= 4
    assert ((n_det >= 3) & (pair.sum(axis=(2, 3)) < n_det * (n_det - 1))).any()
    assert _threshold_crossings(det, pair, grid.shape) >= 20
    want = _stereo_survival_oracle(det, pair, p)
    got = ds["expected_fraction_stereo"].values.ravel()
    assert want.max() > 0.2
    np.testing.assert_allclose(got, want, rtol=0, atol=sum_rounding)


def test_fine_grid_two_sensors_equals_point_kernel():
    """Two sensor types (the pair takes the larger stereo threshold): grid kernel (tile graphs)
    against the point-list kernel (one graph per point) at every grid point, and both against
    the enumeration."""
    eph = _low_case(60, 0, n_time=8)
    sidx = np.arange(60) % 2
    eph.sensor_index = sidx
    sensors = [SENSOR, SENSOR_B]
    grid = region_grid([24.0, 30.0], [120.0, 126.0], 0.5, 0.0)
    p = 0.6
    ds = grid_coverage(eph, None, grid, sensors, satellite_availability=p).dataset
    lat, lon = np.meshgrid(grid.lat_deg, grid.lon_deg, indexing="ij")
    pts = [(f"P{i}", float(a), float(b)) for i, (a, b) in enumerate(zip(lat.ravel(), lon.ravel()))]
    dp = point_coverage(eph, None, pts, sensors, satellite_availability=p).dataset
    for v in ("expected_fraction_1", "expected_fraction_2", "expected_fraction_stereo"):
        np.testing.assert_allclose(ds[v].values.ravel(), dp[v].values, rtol=0, atol=sum_rounding, err_msg=v)
    det, pair = naive_detections_and_pairs(eph.positions_km, eph.valid, grid.points_ecef_km, grid.up, sensors, sidx)
    want = _stereo_survival_oracle(det, pair, p)
    assert want.max() > 0.1
    np.testing.assert_allclose(ds["expected_fraction_stereo"].values.ravel(), want, rtol=0, atol=sum_rounding)


def test_warmup_leaves_the_availability_variants_compiled(tmp_path):
    """After ``hgvcov warmup`` a run compiles nothing, with or without ``satellite_availability``
    (it adds an argument to the point-list kernel: a second specialisation)."""
    from hgvcov.run import run_scenario
    from hgvcov.scenario.schema import AnalysisSpec
    from hgvcov.warmup import CompileTimer, warmup, warmup_scenarios

    cases = warmup_scenarios()
    has = {(sc.region.kind, sc.analysis.satellite_availability is not None) for _, sc in cases}
    assert has == {("box", True), ("box", False), ("points", True), ("points", False)}
    warmup()
    with CompileTimer() as timer:
        for i, (_, sc) in enumerate(cases):  # each case with availability switched over
            p = None if sc.analysis.satellite_availability is not None else 0.9
            flipped = sc.model_copy(update={"analysis": AnalysisSpec(satellite_availability=p)})
            run_scenario(flipped, tmp_path / str(i), maps=False, exports=False)
    assert timer.total_s == 0.0, timer.seconds


def test_estimate_counts_the_availability_memory():
    from constellation._availability import (ACC_ROWS, ADJ_SCRATCH, LOS_COLS, LOS_ROWS, MAX_STEREO_SATS, STACK_SIZE,
                                             T_COLS)
    from constellation._tiles import BLOCK, TILE_COLS
    from hgvcov.run.estimate import (AVAILABILITY_BYTES_PER_COLUMN, AVAILABILITY_THREAD_BYTES, availability_bytes,
                                     estimate_run)

    # the kernel's scratch, as constellation._grid.grid_chunk allocates it per strip
    assert AVAILABILITY_THREAD_BYTES == (2 * STACK_SIZE * 8 + ADJ_SCRATCH * 8 + LOS_ROWS * LOS_COLS * 8
                                         + (MAX_STEREO_SATS + 1) * T_COLS * 8)
    # per tile: its centre and radius, the strip's sums and corrections, the non-stereo pair counts
    assert AVAILABILITY_BYTES_PER_COLUMN * TILE_COLS == LOS_COLS * 8 + (ACC_ROWS + 1) * BLOCK * 8
    n_point, n_lon, n_sat = 12_221, 121, 300
    off = estimate_run(n_sat, n_point, 240, n_lon=n_lon)
    on = estimate_run(n_sat, n_point, 240, n_lon=n_lon, availability=True)
    added = on["memory_bytes"] - off["memory_bytes"]
    # the sums: 3 float64 per point (24 B), the data set's 3 variables and their written copy
    assert added == on["availability_bytes"] == availability_bytes(n_sat, n_point, n_lon)
    assert added >= 3 * 24 * n_point
    assert availability_bytes(n_sat, n_point, n_lon, n_threads=2) == \
        72 * n_point + 2 * (AVAILABILITY_THREAD_BYTES + 254 * n_lon + 8 * n_sat)
    assert off["availability_bytes"] == 0
    assert on["time_parts"]["availability_s"] > 0 and "availability_s" not in off["time_parts"]


def test_run_work_reads_the_scenario_key():
    import tomllib

    from hgvcov.run.estimate import run_work
    from hgvcov.scenario import default_scenario_toml, scenario_from_dict

    d = tomllib.loads(default_scenario_toml())
    d.pop("threat", None)
    sc = scenario_from_dict(d)
    sats, sensors = sc.build_satellites(), sc.build_sensors()
    assert run_work(sc, sats, sensors)["availability"] is False
    d["analysis"] = {"satellite_availability": 0.95}
    sc = scenario_from_dict(d)
    assert run_work(sc, sats, sensors)["availability"] is True


def test_benchmark_availability_row(monkeypatch):
    """benchmarks/coverage.py's degraded-mode row on a tiny stand-in for the reference case."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "coverage.py"
    spec = importlib.util.spec_from_file_location("bench_coverage_script", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    eph = _low_case(20, 3, n_time=4)
    tiny = (eph, time_grid(EPOCH, 97.0, count=4), region_grid([20.0, 26.0], [120.0, 126.0], 1.0, 0.0), SENSOR)

    def small_case(quick):
        return tiny

    monkeypatch.setattr(mod, "reference_case", small_case)
    monkeypatch.setattr(sys.modules["orbits.propagate"], "propagate", lambda sats, tg: sats)
    lines = []
    rows = mod.availability_row(True, out=lines.append, repeats=1)
    assert rows[0]["threads"] == 1
    for r in rows:
        assert r["off_s"] > 0 and r["on_s"] > 0 and r["ratio"] == r["on_s"] / r["off_s"]
        assert r["all_s"] > 0 and r["all_ratio"] == r["all_s"] / r["off_s"]
    assert any(line.startswith("| 1 |") for line in lines)


def _subset_corr(n, h_pairs, p):
    """``P2(n) - PS`` by enumeration in exact rational arithmetic: ``PS`` = probability that a
    surviving subset of the ``n`` satellites holds a stereo pair (every pair except ``h_pairs``)."""
    from fractions import Fraction

    stereo = np.ones((n, n), dtype=bool)
    np.fill_diagonal(stereo, False)
    for a, b in h_pairs:
        stereo[a, b] = stereo[b, a] = False
    pf = Fraction(p)
    qf = 1 - pf
    ps = Fraction(0)
    for m in range(1 << n):
        alive = [i for i in range(n) if m >> i & 1]
        if any(stereo[a, b] for ia, a in enumerate(alive) for b in alive[ia + 1:]):
            ps += pf ** len(alive) * qf ** (n - len(alive))
    p2 = 1 - qf ** n - n * pf * qf ** (n - 1)
    return float(p2 - ps)


@pytest.mark.parametrize("seed", range(4))
def test_complement_corrections_equal_subset_enumeration(seed):
    """The grid kernel's ``corr = P2 - PS`` from the complement graph H (non-stereo pairs):
    clique counts (2, 3, 4 vertices) where H has no 5-clique, the general path (cliques of any
    size, or the pair graph's elimination where H is dense) always; H from empty to complete,
    n from 2 to 12, p over (0, 1]."""
    from constellation import _availability as av

    rng = np.random.default_rng(seed)
    sm = np.zeros(av.STACK_SIZE, dtype=np.uint64)
    sw = np.zeros(av.STACK_SIZE)
    tol = 1e-15  # against exact rationals: sums of a few hundred products, each good to ~1e-16
    for _ in range(40):
        n = int(rng.integers(2, 13))
        p = float(rng.choice([1.0, 0.95, 0.5, 0.1, rng.uniform(1e-3, 1.0)]))
        tab = av.survival_table(p, 1)
        pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
        density = float(rng.choice([0.0, 0.05, 0.2, 0.5, 0.9, 1.0]))
        h_pairs = [ab for ab in pairs if rng.random() < density][:av.MAX_UNDECIDED]
        if not h_pairs:
            continue
        adj = np.zeros(av.ADJ_SCRATCH, dtype=np.uint64)
        for i, (a, b) in enumerate(h_pairs):
            adj[av._A_UND + i] = np.uint64(a | (b << 6))
        h = np.uint64(0)
        for i in range(len(h_pairs)):
            h |= np.uint64(1) << np.uint64(i)
        want = _subset_corr(n, h_pairs, p)
        r2s = np.ones((n, 1))
        tsl = np.arange(n, dtype=np.int64)
        got = av.complement_correction(adj, h, n, p, tab, r2s, tsl, n, ~np.uint64(0), 0, sm, sw)
        assert abs(got - want) <= tol, (n, p, h_pairs)
        c2, c3, c4, small = av.complement_clique_counts(adj, h, sm, sw)
        assert c2 == len(h_pairs)
        if small:
            got = c2 * tab[n, av.T_PW + 2] + c3 * tab[n, av.T_PW + 3] + c4 * tab[n, av.T_PW + 4]
            assert abs(got - want) <= tol, (n, p, h_pairs)
        else:  # a 5-clique exists
            assert len(h_pairs) >= 10


@pytest.mark.parametrize("raan_step_deg, ma_step_deg, past_limit", [(4.0, 25.0, False), (3.0, 8.0, True)])
def test_clustered_satellites_grid_equals_point_kernel(raan_step_deg, ma_step_deg, past_limit):
    """Clusters of seven satellites a few tens of km apart (every pair inside a cluster is not a
    stereo pair): complement graphs with 7-cliques and dense complements (two clusters in view),
    and tiles with more than MAX_UNDECIDED candidate pairs (four in view: solved point by
    point). Grid kernel against the point-list kernel (each point's pair graph solved alone)
    at every grid point."""
    from constellation._availability import MAX_UNDECIDED

    n_cl, per = 5, 7
    names, raan, ma = [], [], []
    for c in range(n_cl):
        for i in range(per):
            names.append(f"C{c}-{i}")
            raan.append(124.0 + raan_step_deg * c)
            ma.append(ma_step_deg * c + 0.25 * i)
    n_sat = len(names)
    sats = SatelliteSet.from_elements(names, np.full(n_sat, 6378.137 + 1000.0), np.zeros(n_sat),
                                      np.full(n_sat, 50.0), np.array(raan), np.zeros(n_sat), np.array(ma), EPOCH)
    tg = time_grid(EPOCH, 60.0, count=6)
    eph = propagate(sats, tg)
    grid = region_grid([25.0, 31.0], [122.0, 130.0], 0.5, 0.0)
    det, pair = naive_detections_and_pairs(eph.positions_km, eph.valid, grid.points_ecef_km, grid.up, [SENSOR],
                                           np.zeros(n_sat, dtype=np.int64))
    # the case tests what it is meant to: many detecting satellites, some clusters fully in view
    # (a 5-clique of non-stereo pairs) and more non-stereo pairs than a tile's candidate list
    n_det = det.sum(axis=1)
    non_stereo = (det[:, :, None, :] & det[:, None, :, :]).transpose(0, 3, 1, 2) & ~pair
    n_non = (non_stereo.sum(axis=(2, 3)) - n_det) // 2  # the diagonal counts once per detecting satellite
    assert n_det.max() >= 12
    assert n_non.max() >= 21  # a whole cluster: a 7-clique of the complement
    assert (n_non.max() > MAX_UNDECIDED) == past_limit
    p = 0.9
    ds = grid_coverage(eph, None, grid, SENSOR, satellite_availability=p, satellite_value=True).dataset
    assert float(ds["fraction_stereo"].max()) >= 0.5
    # the per-satellite value, from the availability kernel's non-stereo pair counts (a star: a
    # whole cluster and one satellite more, the lone one in every stereo pair; and, past the
    # limit, tiles where they are unknown), against the brute-force recount
    want = naive_grid_satellite_value(det, pair, region_weights(grid.lat_deg, grid.lon_deg), tg.step_s)
    got = np.stack([ds[v].values for v in SATELLITE_VALUE_VARIABLES], axis=1)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    assert want[:, 2].max() > 0.0
    lat, lon = np.meshgrid(grid.lat_deg, grid.lon_deg, indexing="ij")
    pts = [(f"P{i}", float(a), float(b)) for i, (a, b) in enumerate(zip(lat.ravel(), lon.ravel()))]
    dp = point_coverage(eph, None, pts, SENSOR, satellite_availability=p).dataset
    for v in ("expected_fraction_1", "expected_fraction_2", "expected_fraction_stereo"):
        np.testing.assert_allclose(ds[v].values.ravel(), dp[v].values, rtol=0, atol=sum_rounding, err_msg=v)


def test_more_than_64_detecting_satellites_reads_nan_stereo_and_exact_counts():
    """Past MAX_STEREO_SATS detecting satellites at a sample, the grid kernel's stereo probability
    is NaN (never a wrong number) and the >= 1 / >= 2 probabilities still follow the binomial
    tails: against the point-list kernel at every grid point, and the counts against the
    naive detections."""
    from constellation._availability import MAX_STEREO_SATS

    n_sat = 90
    rng = np.random.default_rng(11)
    # medium-Earth orbits over the region: most of them above the horizon of every point
    sats = SatelliteSet.from_elements(
        [f"M{i}" for i in range(n_sat)], np.full(n_sat, 6378.137 + 20000.0), np.zeros(n_sat),
        rng.uniform(20.0, 40.0, n_sat), rng.uniform(100.0, 140.0, n_sat), np.zeros(n_sat),
        rng.uniform(-30.0, 30.0, n_sat), EPOCH)
    tg = time_grid(EPOCH, 300.0, count=3)
    eph = propagate(sats, tg)
    grid = region_grid([20.0, 26.0], [118.0, 124.0], 1.0, 0.0)
    det, pair = naive_detections_and_pairs(eph.positions_km, eph.valid, grid.points_ecef_km, grid.up, [SENSOR],
                                           np.zeros(n_sat, dtype=np.int64))
    n_det = det.sum(axis=1)  # (n_time, n_point)
    assert n_det.max() > MAX_STEREO_SATS and n_det.min() >= 2  # the case tests what it is meant to
    p = 0.7
    ds = grid_coverage(eph, None, grid, SENSOR, satellite_availability=p).dataset
    lat, lon = np.meshgrid(grid.lat_deg, grid.lon_deg, indexing="ij")
    pts = [(f"P{i}", float(a), float(b)) for i, (a, b) in enumerate(zip(lat.ravel(), lon.ravel()))]
    dp = point_coverage(eph, None, pts, SENSOR, satellite_availability=p).dataset
    q = 1.0 - p
    want1 = (1.0 - q ** n_det).mean(axis=0)
    want2 = (1.0 - q ** n_det - n_det * p * q ** (n_det - 1)).mean(axis=0)
    np.testing.assert_allclose(ds["expected_fraction_1"].values.ravel(), want1, rtol=0, atol=sum_rounding)
    np.testing.assert_allclose(ds["expected_fraction_2"].values.ravel(), want2, rtol=0, atol=sum_rounding)
    got = ds["expected_fraction_stereo"].values.ravel()
    past = (n_det > MAX_STEREO_SATS).any(axis=0)
    assert past.any() and np.isnan(got[past]).all()
    np.testing.assert_allclose(got, dp["expected_fraction_stereo"].values, rtol=0, atol=sum_rounding)


def _convergence_deg(sat_a, sat_b, x):
    """Convergence angle (deg) of satellites ``sat_a``, ``sat_b`` (km) at points ``x`` (..., 3): arccos of the unit lines of sight.

    :func:`tests.naive.naive_convergence_deg` over an array of points at once."""
    la = sat_a - x
    lb = sat_b - x
    c = np.sum(la * lb, axis=-1) / (np.linalg.norm(la, axis=-1) * np.linalg.norm(lb, axis=-1))
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("theta_deg", [0.0, 20.0, 45.0])
def test_group_bound_decides_only_pairs_valid_at_every_point_of_the_group(seed, theta_deg):
    """``_tile_graph`` (the bound on how fast a pair's convergence angle changes across a group,
    ``|grad gamma| = |a - b| / (r_a r_b)``) against the angle recomputed with ``arccos`` at every
    point of the group and at random points of the ball it bounds: no pair it decides is ever
    outside ``[theta_min, 180 - theta_min]``. Satellites 900-4,000 km from the centre, 300 km up
    or more, half of them placed so that a pair's angle at the group's centre lies within 6 deg
    of either threshold; the case must contain pairs valid at the centre and invalid at some
    point of the group (what the bound must not decide), and the bound must decide most pairs
    more than 30 deg from a threshold."""
    from constellation import _availability as av
    from constellation._tiles import BLOCK

    rng = np.random.default_rng(seed)
    lat0, lon0 = np.radians(rng.uniform(-80.0, 80.0)), np.radians(rng.uniform(-180.0, 180.0))
    n_pt = av.GROUP * BLOCK
    lat = lat0 + np.radians(0.5) * (np.arange(n_pt) // 12)
    lon = lon0 + np.radians(0.5) * (np.arange(n_pt) % 12)
    pts = 6378.137 * np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    c = pts.mean(axis=0)
    rho = np.linalg.norm(pts - c, axis=1).max()
    up = c / np.linalg.norm(c)
    cm = np.cos(np.radians(theta_deg))
    sats = []
    while len(sats) < 60:
        d = rng.normal(size=3)
        d = d / np.linalg.norm(d)
        if d @ up < 0.1:  # above the horizon of the centre
            continue
        s = c + d * rng.uniform(900.0, 4000.0)
        if np.linalg.norm(s) - 6378.137 < 300.0:
            continue
        sats.append(s)
        if len(sats) % 2 == 0:  # a partner near a threshold at the centre: rotate d about a random axis
            target = np.radians(rng.choice([theta_deg, 180.0 - theta_deg]) + rng.uniform(-6.0, 6.0))
            ax = np.cross(d, rng.normal(size=3))
            ax /= np.linalg.norm(ax)
            e = d * np.cos(target) + np.cross(ax, d) * np.sin(target)
            s2 = c + e * rng.uniform(900.0, 4000.0)
            if e @ up > 0.0 and np.linalg.norm(s2) - 6378.137 >= 300.0:
                sats.append(s2)
    sats = np.array(sats[:60])
    band_f = np.zeros((1, len(sats), 8))
    band_f[0, :, :3] = sats
    pu = np.ascontiguousarray(pts.T)
    los = np.zeros((av.LOS_ROWS + av.GROUP, av.LOS_COLS))
    adj = np.zeros(av.ADJ_SCRATCH, dtype=np.uint64)
    sw = np.zeros(av.STACK_SIZE)
    ball = c + rng.normal(size=(2000, 3)) * rho
    far = np.linalg.norm(ball - c, axis=1) > rho
    ball[far] = c + (ball[far] - c) / np.linalg.norm(ball[far] - c, axis=1)[:, None] * rho * rng.uniform(0, 1, (far.sum(), 1))
    checked = decided_far = far_pairs = must_not = 0
    for start in range(0, 60, 10):  # groups of 10 satellites (45 pairs: at most MAX_UNDECIDED candidates)
        idx = np.arange(start, start + 10)
        tsl = idx.astype(np.int64)
        nu = av._tile_graph(band_f, 0, pu, 0, np.arange(len(sats), dtype=np.int64), np.full(len(sats), cm), tsl,
                            10, adj, los, sw)
        assert nu >= 0
        cand = {(int(v) & 63, int(v) >> 6) for v in adj[av._A_UND:av._A_UND + nu]}
        for a in range(10):
            for b in range(a + 1, 10):
                g = _convergence_deg(sats[idx[a]], sats[idx[b]], np.concatenate([pts, ball]))
                valid = (g >= theta_deg) & (g <= 180.0 - theta_deg)
                g_c = _convergence_deg(sats[idx[a]], sats[idx[b]], c)
                far = min(g_c - theta_deg, 180.0 - theta_deg - g_c) > 30.0
                far_pairs += 1 if far else 0
                if (a, b) not in cand:
                    assert valid.all(), (a, b, g.min(), g.max(), g_c)
                    checked += 1
                    decided_far += 1 if far else 0
                elif theta_deg <= g_c <= 180.0 - theta_deg and not valid.all():
                    must_not += 1
    if theta_deg > 0.0:  # (at 0 a pair is invalid only on the line through both satellites)
        assert must_not >= 3  # pairs valid at the centre, not everywhere: kept as candidates
    assert decided_far >= 0.8 * far_pairs  # and the bound is not vacuous
    assert checked >= 60
