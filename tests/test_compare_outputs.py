"""tools/compare_outputs.py: identical folders agree; any changed result is reported."""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

TOOL = Path(__file__).resolve().parents[1] / "tools" / "compare_outputs.py"
spec = importlib.util.spec_from_file_location("compare_outputs", TOOL)
compare_outputs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare_outputs)


def write_run(folder: Path, history="written 10:00", total_s=12.5) -> Path:
    folder.mkdir(parents=True)
    f1 = np.array([[0.5, np.nan], [1.0, 0.25]])
    ds = xr.Dataset({"fraction_1": (("lat", "lon"), f1)},
                    coords={"lat": [30.0, 31.0], "lon": [130.0, 131.0]},
                    attrs={"history": history, "scenario": "demo"})
    ds.to_netcdf(folder / "coverage.nc")
    pd.DataFrame({"threat": ["a", "a"], "n_detect": [1, 2],
                  "position_error_m": [np.nan, 40.5]}).to_csv(folder / "tracks.csv", index=False)
    (folder / "summary.json").write_text(json.dumps(
        {"region_statistics": {"fraction_1_mean": 0.58}, "timings": {"total_s": total_s}}))
    return folder


def test_same_results_with_other_timings_and_history_agree(tmp_path):
    a = write_run(tmp_path / "a")
    b = write_run(tmp_path / "b", history="written 11:00", total_s=99.0)
    assert compare_outputs.compare_folders(a, b) == []
    assert compare_outputs.main([str(a), str(b)]) == 0


@pytest.mark.parametrize("change, expected", [
    (lambda b: xr.load_dataset(b / "coverage.nc").assign(
        fraction_1=lambda d: d.fraction_1 + 1e-12).to_netcdf(b / "coverage.nc"),
     "coverage.nc: fraction_1 values differ"),
    (lambda b: pd.read_csv(b / "tracks.csv").assign(n_detect=[1, 3]).to_csv(
        b / "tracks.csv", index=False), "tracks.csv: column n_detect differs"),
    (lambda b: (b / "summary.json").write_text(json.dumps(
        {"region_statistics": {"fraction_1_mean": 0.59}, "timings": {}})),
     "summary.json.region_statistics.fraction_1_mean"),
    (lambda b: (b / "tracks.csv").unlink(), "tracks.csv: only in first"),
])
def test_a_changed_result_is_reported(tmp_path, change, expected):
    a = write_run(tmp_path / "a")
    b = tmp_path / "b"
    shutil.copytree(a, b)
    change(b)
    diffs = compare_outputs.compare_folders(a, b)
    assert len(diffs) == 1 and diffs[0].startswith(expected), diffs
    assert compare_outputs.main([str(a), str(b)]) == 1
