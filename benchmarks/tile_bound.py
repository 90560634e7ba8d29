"""Offline count of the pair-search work for different tile shapes (the grid kernel's design tool).

How many best-stereo-pair sweeps the grid kernel's bound admits depends on the unit it is
computed over (``TILE_ROWS`` x ``TILE_COLS`` points in ``constellation/_tiles.py``). This
script replays the search on the captured quick reference case (``python
benchmarks/kernel_ab.py capture`` first) for a few time steps, without the kernel's layout or
vectorisation, and counts per point and step:

- ``sweeps``: tile sweeps the kernel's search makes (slots sorted by the tile's smallest
  ``q = noise^2 R^2``, pairs while ``L = q1 + q2 + q1 q2 / (q1 + q2)`` is below the tile's worst
  current best, the worst best re-read every second sweep, as ``row_pairs``);
- ``evals``: point-pair evaluations (sweeps x points per tile), the work that costs;
- ``oracle``: pairs with ``L`` below the tile's *final* worst best (no search order can go below);
- ``tests``: exact tests per detection when every satellite is tested on every tile where it
  detects something (the cost of coarse tiles at the cap edges);

and, with ``--angle``, the sweeps left by an additional angle bound (lines of sight from the
tile centre, each widened by ``asin(radius / range)``, bound ``sin^2`` of the convergence angle
over the tile). Usage::

    python benchmarks/tile_bound.py                     # shapes 1x16, 4x4, 6x4, 8x4
    python benchmarks/tile_bound.py --shapes 1x16 6x4 --angle --steps 40

Counts only; times come from ``benchmarks/kernel_ab.py`` on edited copies of the kernel.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
from pathlib import Path

import numpy as np
from numba import njit

ROOT = Path(__file__).resolve().parents[1]
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from constellation._pairs import sort_by_key  # noqa: E402  (the grid kernel's own slot sort, replayed here)
from constellation.kernels import (  # noqa: E402
    P_COS_STEREO_MIN,
    P_INTENSITY_W_SR,
    P_NOISE_RAD,
    detect_r2,
    sensor_scalars,
    view_scalars,
)

DEFAULT_ARGS = Path(__import__("tempfile").gettempdir()) / "hgvcov_grid_chunk_args.pkl"


@njit(cache=True)
def detect_step(k, band_n, band_f, table, pts, ups, r2):
    """``r2[p, s]``: ``R^2`` (km^2) of record ``s`` at point ``p`` where it detects, negative elsewhere."""
    se, rmax2, cf, ga, gb, kthr, inten = sensor_scalars(table, 0, table[0, P_INTENSITY_W_SR])
    cn, ca2, ck, req = view_scalars(table, 0)
    for p in range(pts.shape[0]):
        for s in range(band_n[k]):
            r2[p, s] = detect_r2(band_f[k, s, 0], band_f[k, s, 1], band_f[k, s, 2], pts[p, 0], pts[p, 1],
                                   pts[p, 2], ups[p, 0], ups[p, 1], ups[p, 2], se, rmax2, cf, ga, gb, kthr, inten,
                                   cn, ca2, ck, req)


@njit(cache=True)
def pair_variance(r2, p, a, b, band_f, k, pts, nz2, cm2):
    """The variance of ``pair_block`` (km^2) for records ``a``, ``b`` at point ``p``; inf if not stereo."""
    r1 = r2[p, a]
    r2b = r2[p, b]
    if not (r1 >= 0.0 and r2b >= 0.0):
        return math.inf
    dt = 0.0
    for d in range(3):
        dt += (band_f[k, a, d] - pts[p, d]) * (band_f[k, b, d] - pts[p, d])
    pr = r1 * r2b
    q1 = nz2 * r1
    q2 = nz2 * r2b
    qs = q1 + q2
    s2 = pr - dt * dt
    if dt * dt <= cm2 * pr and s2 > 0.0:
        return (qs * qs * pr + q1 * q2 * s2) / (s2 * qs)
    return math.inf


@njit(cache=True)
def count_tiles(r2, n, k, band_f, pts, nz2, cm, n_lat, n_lon, th, tw, use_angle):
    """Sweeps, point-pair evaluations, oracle pairs and tile tests of one step (see the module docstring)."""
    cm2 = cm * cm
    n_sw = 0
    evals = 0
    n_or = 0
    tile_tests = 0
    tp = np.empty(th * tw, np.int64)
    best = np.empty(th * tw)
    keys = np.empty(n)
    order = np.empty(n, np.int64)
    ux = np.empty(n)
    uy = np.empty(n)
    uz = np.empty(n)
    widen = np.empty(n)
    for i0 in range(0, n_lat, th):
        for j0 in range(0, n_lon, tw):
            m = 0
            for i in range(i0, min(i0 + th, n_lat)):
                for j in range(j0, min(j0 + tw, n_lon)):
                    tp[m] = i * n_lon + j
                    m += 1
            c = np.zeros(3)
            for t in range(m):
                c += pts[tp[t]]
            c /= m
            radius = 0.0
            for t in range(m):
                radius = max(radius, math.sqrt(((pts[tp[t]] - c) ** 2).sum()))
            ns = 0
            for s in range(n):
                mn = math.inf
                for t in range(m):
                    v = r2[tp[t], s]
                    if 0.0 <= v < mn:
                        mn = v
                if mn < math.inf:
                    order[ns] = s
                    keys[ns] = nz2 * mn
                    ns += 1
            tile_tests += ns * th * tw
            if ns < 2:
                continue
            sort_by_key(keys, order, ns)  # by the tile's smallest q, as row_pairs
            for t in range(ns):
                d = band_f[k, order[t], :3] - c
                rng = math.sqrt((d * d).sum())
                ux[t] = d[0] / rng
                uy[t] = d[1] / rng
                uz[t] = d[2] / rng
                widen[t] = math.asin(radius / rng) if radius < rng else math.pi
            mb = 0.0
            for t in range(m):
                cnt = 0
                for s in range(n):
                    if r2[tp[t], s] >= 0.0:
                        cnt += 1
                best[t] = math.inf if cnt >= 2 else 0.0
                mb = max(mb, best[t])
            if mb == 0.0:
                continue
            swept = 0
            for ia in range(ns - 1):
                qa = keys[ia]
                qs = qa + keys[ia + 1]
                if qs * qs + qa * keys[ia + 1] >= mb * qs:
                    break
                for ib in range(ia + 1, ns):
                    qb = keys[ib]
                    qs = qa + qb
                    if qs * qs + qa * qb >= mb * qs:
                        break
                    if use_angle:
                        g = math.acos(max(-1.0, min(1.0, ux[ia] * ux[ib] + uy[ia] * uy[ib] + uz[ia] * uz[ib])))
                        lo = g - widen[ia] - widen[ib]
                        hi = g + widen[ia] + widen[ib]
                        s2max = 1.0 if lo <= 0.5 * math.pi <= hi else max(math.sin(max(lo, 0.0)) ** 2,
                                                                             math.sin(min(hi, math.pi)) ** 2)
                        if qs / s2max + qa * qb / qs >= mb:
                            continue
                    for t in range(m):
                        v = pair_variance(r2, tp[t], order[ia], order[ib], band_f, k, pts, nz2, cm2)
                        if v < best[t]:
                            best[t] = v
                    n_sw += 1
                    evals += m
                    swept += 1
                    if swept % 2 == 0:
                        mb = 0.0
                        for t in range(m):
                            mb = max(mb, best[t])
            final = 0.0
            for t in range(m):
                final = max(final, best[t])
            for ia in range(ns - 1):
                for ib in range(ia + 1, ns):
                    qs = keys[ia] + keys[ib]
                    if qs + keys[ia] * keys[ib] / qs < final:
                        n_or += 1
    return n_sw, evals, n_or, tile_tests


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--args", type=Path, default=DEFAULT_ARGS, help="captured grid_chunk call (kernel_ab.py capture)")
    ap.add_argument("--shapes", nargs="+", default=["1x16", "4x4", "6x4", "8x4"], help="ROWSxCOLS")
    ap.add_argument("--steps", type=int, default=20, help="time steps sampled evenly from the captured chunk")
    ap.add_argument("--angle", action="store_true", help="also count with the angle bound")
    a = ap.parse_args(argv)
    if not a.args.exists():
        raise SystemExit(f"{a.args}: no captured call; run `python benchmarks/kernel_ab.py capture` first")
    with open(a.args, "rb") as f:
        args = pickle.load(f)
    band_n, band_f, table, pts, ups, n_lon = args[0], args[2], args[4], args[6], args[7], args[12]
    if table.shape[0] != 1:
        raise SystemExit("the count assumes one sensor type (the reference case)")
    n_lat = pts.shape[0] // n_lon
    nz2 = table[0, P_NOISE_RAD] ** 2
    cm = table[0, P_COS_STEREO_MIN]
    shapes = [tuple(int(v) for v in s.lower().split("x")) for s in a.shapes]
    variants = [(th, tw, False) for th, tw in shapes] + ([(th, tw, True) for th, tw in shapes] if a.angle else [])
    steps = np.unique(np.linspace(0, band_n.shape[0] - 1, a.steps).astype(int))
    r2 = np.empty((pts.shape[0], band_f.shape[1]))
    totals = {v: np.zeros(4) for v in variants}
    detections = 0
    for k in steps:
        detect_step(k, band_n, band_f, table, pts, ups, r2)
        n = int(band_n[k])
        detections += int((r2[:, :n] >= 0.0).sum())
        for th, tw, ang in variants:
            totals[(th, tw, ang)] += count_tiles(r2, n, k, band_f, pts, nz2, cm, n_lat, n_lon, th, tw, ang)
    point_steps = len(steps) * pts.shape[0]
    print(f"captured case: {n_lat} x {n_lon} points, {len(steps)} of {band_n.shape[0]} steps; per point and step:")
    print(f"{'tile':>8} {'angle':>6} {'sweeps':>8} {'evals':>8} {'oracle':>8} {'tests/detection':>16}")
    for (th, tw, ang), (n_sw, evals, n_or, tests) in totals.items():
        print(f"{th:>4}x{tw:<3} {'yes' if ang else 'no':>6} {n_sw / point_steps:8.3f} {evals / point_steps:8.2f} "
              f"{n_or / point_steps:8.3f} {tests / detections:16.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
