"""Compare the results in two ``hgvcov`` output folders, ignoring what is allowed to differ.

Used to show that a change leaves results untouched (e.g. a restructure: run the default
scenario and each example before and after, then compare the folders)::

    python tools/compare_outputs.py before/ after/              # one run's folder each
    python tools/compare_outputs.py before/ after/ --recursive  # folders of run folders

Compared exactly (NaN equals NaN, no tolerance):

- ``coverage.nc``: every variable and coordinate (values, dtype, dims) and the attributes;
- every CSV (``tracks.csv``, ``accesses.csv``, ``montecarlo.csv``, ``sweep.csv``, ...):
  columns and values;
- ``summary.json`` and a sweep's ``cases/*.json``: every key except those that measure the
  run rather than its results (``timings``, ``available_bytes``, wall-clock columns), the
  paths that name the folders and checkouts being compared (``source_file``, ``files``,
  ``region_polygon``), and ``coverage.nc``'s ``history`` attribute (when it was written).

Figures (PNG) are not compared: they embed the software versions, and a restructure may
change nothing in them that this script would see. Exit code 0 when the folders agree, 1
with one line per difference otherwise, 2 on a bad argument.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

#: summary.json keys that measure the run (machine load, paths), not its results.
IGNORED_KEYS = {"timings", "available_bytes", "source_file", "files", "wall_s", "elapsed_s",
                "case_dir", "out_dir", "history", "region_polygon"}
#: The output folder's bookkeeping (which files the last run wrote), not a result.
MANIFEST = ".hgvcov-manifest.json"
#: CSV columns that measure the run.
IGNORED_COLUMNS = {"wall_s", "elapsed_s", "total_s", "coverage_s", "propagation_s",
                   "tracks_s", "write_s", "maps_s", "figures_s", "accesses_s", "monte_carlo_s"}


def same_array(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def compare_netcdf(a: Path, b: Path) -> list[str]:
    diffs = []
    with xr.open_dataset(a) as da, xr.open_dataset(b) as db:
        names_a, names_b = set(da.variables), set(db.variables)
        for name in sorted(names_a ^ names_b):
            diffs.append(f"{a.name}: variable {name!r} only in "
                         f"{'first' if name in names_a else 'second'}")
        for name in sorted(names_a & names_b):
            va, vb = da[name], db[name]
            if va.dims != vb.dims:
                diffs.append(f"{a.name}: {name} dims {va.dims} != {vb.dims}")
            elif not same_array(va.values, vb.values):
                diffs.append(f"{a.name}: {name} values differ ({describe(va.values, vb.values)})")
            diffs += compare_json(dict(va.attrs), dict(vb.attrs), f"{a.name}: {name}.attrs")
        diffs += compare_json(dict(da.attrs), dict(db.attrs), f"{a.name}: attrs")
    return diffs


def describe(a: np.ndarray, b: np.ndarray) -> str:
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        differ = ~((a == b) | (np.isnan(a) & np.isnan(b)))
        delta = np.abs(np.where(differ, a - b, 0.0))
        return f"{int(differ.sum())} of {a.size} differ, max |delta| {np.nanmax(delta):.3g}"
    return f"{int((a != b).sum())} of {a.size} differ"


def compare_csv(a: Path, b: Path) -> list[str]:
    da, db = pd.read_csv(a), pd.read_csv(b)
    cols_a = [c for c in da.columns if c not in IGNORED_COLUMNS]
    cols_b = [c for c in db.columns if c not in IGNORED_COLUMNS]
    if cols_a != cols_b:
        return [f"{a.name}: columns {cols_a} != {cols_b}"]
    if len(da) != len(db):
        return [f"{a.name}: {len(da)} rows != {len(db)} rows"]
    diffs = []
    for c in cols_a:
        x, y = da[c].to_numpy(), db[c].to_numpy()
        if x.dtype.kind in "fc" and y.dtype.kind in "fc":
            if not same_array(x.astype(float), y.astype(float)):
                diffs.append(f"{a.name}: column {c} differs ({describe(x, y)})")
        elif not (pd.isna(x) == pd.isna(y)).all() or not (x[~pd.isna(x)] == y[~pd.isna(y)]).all():
            diffs.append(f"{a.name}: column {c} differs")
    return diffs


def compare_json(a, b, where: str) -> list[str]:
    """Differences between two JSON-like values, skipping :data:`IGNORED_KEYS`."""
    if isinstance(a, dict) and isinstance(b, dict):
        diffs = []
        for k in sorted(set(a) | set(b), key=str):
            if k in IGNORED_KEYS:
                continue
            if k not in a or k not in b:
                diffs.append(f"{where}.{k} only in {'first' if k in a else 'second'}")
            else:
                diffs += compare_json(a[k], b[k], f"{where}.{k}")
        return diffs
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{where}: length {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in compare_json(x, y, f"{where}[{i}]")]
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return [] if same_array(np.asarray(a), np.asarray(b)) else [f"{where}: {a!r} != {b!r}"]
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return []
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def compare_folders(a: Path, b: Path) -> list[str]:
    """Differences between the result files of two run (or sweep) folders."""
    diffs = []
    kinds = {".nc": compare_netcdf, ".csv": compare_csv}
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    results = {p for p in files_a | files_b if p.suffix in (".nc", ".csv", ".json")
               and p.name != MANIFEST}
    for rel in sorted(results):
        if rel not in files_a or rel not in files_b:
            diffs.append(f"{rel}: only in {'first' if rel in files_a else 'second'}")
        elif rel.suffix == ".json":
            diffs += compare_json(json.loads((a / rel).read_text()),
                                  json.loads((b / rel).read_text()), str(rel))
        else:
            diffs += [f"{rel.parent / d}" if str(rel.parent) != "." else d
                      for d in kinds[rel.suffix](a / rel, b / rel)]
    return diffs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("first", type=Path)
    ap.add_argument("second", type=Path)
    ap.add_argument("--recursive", action="store_true",
                    help="compare each pair of same-named sub-folders (one run each)")
    args = ap.parse_args(argv)
    for folder in (args.first, args.second):
        if not folder.is_dir():
            print(f"compare_outputs: error: {folder} is not a folder", file=sys.stderr)
            return 2
    pairs = ([(args.first / d.name, args.second / d.name) for d in sorted(args.first.iterdir())
              if d.is_dir()] if args.recursive else [(args.first, args.second)])
    bad = 0
    for a, b in pairs:
        diffs = [f"{a.name}: missing in {args.second}"] if not b.is_dir() else compare_folders(a, b)
        n_files = sum(1 for p in a.rglob("*") if p.suffix in (".nc", ".csv", ".json"))
        print(f"{a.name}: {'identical' if not diffs else f'{len(diffs)} difference(s)'} "
              f"({n_files} result files)")
        for d in diffs:
            print(f"  {d}")
        bad += bool(diffs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
