"""Propagation throughput: our SGP4 and J2 paths vs python-sgp4's SatrecArray and skyfield.

Run::

    python benchmarks/propagation.py            # 100 / 1,000 / 10,000 satellites, 1 day at 30 s
    python benchmarks/propagation.py --quick    # 100 / 1,000 satellites
    python benchmarks/propagation.py --sizes 500,5000 --duration-s 43200

Two constellations per size: circular orbits (what the Walker builders produce, the
J2 path's design-sweep use) and near-circular ones with e uniform in [0, --ecc-max]
(J2 then solves Kepler's equation). On each, in one process, side by side, over the
same UTC instants (2,880 for one day at 30 s):

- ``orbits SGP4``: :func:`orbits.propagate.propagate_sgp4` (engine "auto": parallel numba
  SGP4 for these near-Earth satellites, TEME->ITRS fused), output ``(n_time, n_sat, 3)``
  ITRS km + validity mask. Its one-off per-satellite initialisation (python-sgp4's
  reference ``sgp4init`` feeding the coefficient table, cached on the SatelliteSet) is
  reported separately as ``setup``.
- ``orbits J2``: :func:`orbits.propagate.propagate_j2`, same output.
- ``SatrecArray``: python-sgp4's compiled ``SatrecArray.sgp4(jd, fr)`` alone (TEME,
  satellite-major, positions + velocities; *no* frame rotation) -- the baseline.
- ``skyfield loop``: ``EarthSatellite.from_satrec(...).at(t).frame_xyz(itrs)`` per
  satellite over the whole time array, timed on a subsample of satellites and
  extrapolated linearly to n_sat (stated in the table).

JIT compilation is measured once, up front, on tiny inputs and printed separately; by
default numba's cache is pointed at an empty temporary directory first so that this is a
true cold compile (``--warm-cache`` uses the normal on-disk cache instead).
Throughput = n_sat * n_time / wall seconds (best of ``--repeat``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def _parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="sizes 100 and 1,000 only")
    ap.add_argument("--sizes", default=None, help="comma-separated satellite counts")
    ap.add_argument("--duration-s", type=float, default=86400.0)
    ap.add_argument("--step-s", type=float, default=30.0)
    ap.add_argument("--repeat", type=int, default=5,
                    help="best of N for every path (N=1 above 5,000 satellites)")
    ap.add_argument("--skyfield-sample", type=int, default=8,
                    help="satellites timed in the skyfield loop (result extrapolated)")
    ap.add_argument("--ecc-max", type=float, default=0.01,
                    help="eccentricity range of the second (eccentric) constellation")
    ap.add_argument("--warm-cache", action="store_true",
                    help="use numba's on-disk cache instead of a cold temporary one")
    return ap.parse_args()


ARGS = _parse()
if not ARGS.warm_cache:
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="hgvcov-bench-numba-")

import numpy as np  # noqa: E402

from orbits import SatelliteSet, time_grid  # noqa: E402
from orbits.__main__ import diagnostics  # noqa: E402
from orbits.propagate import propagate_j2, propagate_sgp4  # noqa: E402
from orbits.sgp4_batch import near_earth_coefficients  # noqa: E402

EPOCH = "2026-11-21T00:00:00Z"


def constellation(n: int, ecc_max: float = 0.0) -> SatelliteSet:
    """n satellites in shells 500-1,200 km, inclinations 30-98 deg, B* up to 2e-4.

    ``ecc_max = 0`` gives circular orbits as the Walker builders make them; otherwise
    eccentricities are uniform in [0, ecc_max].
    """
    rng = np.random.default_rng(12345)
    alt = rng.uniform(500.0, 1200.0, n)
    inc = rng.choice([30.0, 45.0, 53.0, 70.0, 86.0, 98.0], n)
    ecc = rng.uniform(0.0, ecc_max, n) if ecc_max > 0 else np.zeros(n)
    return SatelliteSet.from_elements(
        [f"B{i:05d}" for i in range(n)], 6378.137 + alt, ecc, inc,
        rng.uniform(0, 360, n), rng.uniform(0, 360, n), rng.uniform(0, 360, n), EPOCH,
        bstar=rng.uniform(0.0, 2e-4, n))


def best(fn, repeat):
    t_best = float("inf")
    out = None
    for _ in range(repeat):
        out = None
        t0 = time.perf_counter()
        out = fn()
        t_best = min(t_best, time.perf_counter() - t0)
    return t_best, out


def compile_times():
    sats = constellation(3)
    grid = time_grid(EPOCH, 60.0, count=4)
    res = {}
    t0 = time.perf_counter()
    propagate_sgp4(sats, grid)
    res["orbits SGP4 (numba SGP4 + rotation)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    propagate_j2(sats, grid)
    res["orbits J2"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    propagate_sgp4(sats, grid, engine="satrec_array")
    res["SatrecArray -> ITRS transpose kernel (deep-space path)"] = time.perf_counter() - t0
    return res


def skyfield_loop(sats, grid, sample):
    from skyfield.api import EarthSatellite
    from skyfield.framelib import itrs

    from orbits.timegrid import builtin_timescale

    ts = builtin_timescale()
    t = grid.to_skyfield(ts)
    idx = np.linspace(0, len(sats) - 1, min(sample, len(sats))).astype(int)
    t0 = time.perf_counter()
    for j in idx:
        EarthSatellite.from_satrec(sats.satrecs[j], ts).at(t).frame_xyz(itrs).km
    dt = time.perf_counter() - t0
    return dt * len(sats) / len(idx), len(idx)


def main():
    if ARGS.sizes:
        sizes = [int(s) for s in ARGS.sizes.split(",")]
    elif ARGS.quick:
        sizes = [100, 1000]
    else:
        sizes = [100, 1000, 10000]
    info = diagnostics()
    print(f"# Propagation benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n")
    print(f"python {info['python']}, numba {info['versions']['numba']}, sgp4 "
          f"{info['versions']['sgp4']}, skyfield {info['versions']['skyfield']}; numba "
          f"threading layer {info['numba_threading_layer']} with {info['numba_num_threads']} "
          f"threads on {info['cpu_count']} CPUs; load average {os.getloadavg()[0]:.2f}")
    print(f"grid: {ARGS.duration_s:g} s at {ARGS.step_s:g} s; command: "
          f"python benchmarks/propagation.py {' '.join(sys.argv[1:])}\n")
    ct = compile_times()
    cache = "warm on-disk cache" if ARGS.warm_cache else "cold: empty NUMBA_CACHE_DIR"
    print(f"JIT compile ({cache}), first call on 3 satellites x 4 steps:")
    for k, v in ct.items():
        print(f"- {k}: {v:.2f} s")
    print()

    grid = time_grid(EPOCH, ARGS.step_s, duration_s=ARGS.duration_s)
    rows = []
    for n in sizes:
        repeat = 1 if n > 5000 else max(1, ARGS.repeat)
        n_states = n * grid.count
        jd_w, jd_f = grid.jd_utc_parts()
        for label, ecc_max in (("circular", 0.0), (f"e <= {ARGS.ecc_max:g}", ARGS.ecc_max)):
            sats = constellation(n, ecc_max)
            t0 = time.perf_counter()
            near_earth_coefficients(sats)
            setup = time.perf_counter() - t0
            arr = sats.satrec_array()
            t_arr, res = best(lambda: arr.sgp4(jd_w, jd_f), repeat)
            del res
            t_sgp4, res = best(lambda: propagate_sgp4(sats, grid), repeat)
            del res
            t_j2, res = best(lambda: propagate_j2(sats, grid), repeat)
            del res
            entries = [
                ("SatrecArray (TEME only)", t_arr, "baseline"),
                ("orbits SGP4 -> ITRS", t_sgp4, f"+ setup {setup:.2f} s once per set"),
                ("orbits J2 -> ITRS", t_j2, ""),
            ]
            if ecc_max == 0.0:
                t_sky, n_sky = skyfield_loop(sats, grid, ARGS.skyfield_sample)
                entries.append(("skyfield loop -> ITRS", t_sky, f"{n_sky} sats timed, extrapolated"))
            base = n_states / t_arr
            for name, t, note in entries:
                rows.append((n, grid.count, label, name, t, n_states / t, n_states / t / base, note))
        print(f"... {n} satellites done", file=sys.stderr, flush=True)

    print("| satellites | steps | orbits | path | wall s | states/s | vs SatrecArray | note |")
    print("|---:|---:|---|---|---:|---:|---:|---|")
    for n, nt, label, name, t, sps, ratio, note in rows:
        print(f"| {n:,} | {nt:,} | {label} | {name} | {t:.3f} | {sps / 1e6:.2f} M | "
              f"{ratio:.2f}x | {note} |")


if __name__ == "__main__":
    main()
