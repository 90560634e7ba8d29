"""Smoke runs of the benchmark scripts (tiny sizes) and checks of their same-model baselines.

Each script is run as a subprocess at a size that takes seconds once the numba cache is
warm, with ``--json``; the tests assert on the figures it wrote (the agreement checks
between our kernels and the baselines, the rows and thread counts present), so a script
that breaks, or a baseline that stops computing the same thing as our kernel, fails CI.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def _run(script, *args, tmp_path, timeout=900):
    out = tmp_path / f"{Path(script).stem}.json"
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run([sys.executable, str(BENCH / script), *args, "--json", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout, json.loads(out.read_text())


def _load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCH))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(BENCH))
    return mod


def test_propagation_smoke(tmp_path):
    stdout, res = _run("propagation.py", "--sizes", "6", "--duration-s", "600", "--repeat", "1",
                       "--skyfield-sample", "2", "--warm-cache", tmp_path=tmp_path)
    assert "| satellites | orbits | path | threads |" in stdout
    paths = {r["path"] for r in res["rows"]}
    assert {"SatrecArray", "our SGP4", "NumPy J2", "our J2", "skyfield loop"} <= paths
    threads = {r["threads"] for r in res["rows"] if r["path"] == "our SGP4"}
    assert 1 in threads
    # every agreement check is inside its stated tolerance (the script also exits 1 if not)
    for c in res["checks"]:
        assert c["max_abs_diff_m"] <= c["tolerance_m"], c
    kinds = {r["kind"] for r in res["ratios"]}
    assert "different models (J2 secular vs SGP4)" in kinds


def test_propagation_cysgp4_agrees_with_python_sgp4(tmp_path):
    pytest.importorskip("cysgp4")
    _stdout, res = _run("propagation.py", "--sizes", "4", "--duration-s", "300", "--repeat", "1",
                        "--skyfield-sample", "1", "--warm-cache", tmp_path=tmp_path)
    cy = [c for c in res["checks"] if c["check"].startswith("cysgp4")]
    assert len(cy) == 2
    # two SGP4 implementations on the same TLEs: measured ~8 mm (MJD rounding); 1 m bound
    one_meter = 1.0
    assert all(c["max_abs_diff_m"] < one_meter for c in cy)
    assert {r["threads"] for r in res["rows"] if r["path"] == "cysgp4"} >= {1}


def test_numpy_j2_matches_kernel():
    """The NumPy J2 baseline reproduces propagate_j2 (same model) to well under a centimetre."""
    prop = _load("propagation")
    from orbits import time_grid
    from orbits.propagate import j2_inputs, propagate_j2

    sats, _tles = prop.constellation(5, 0.02)
    grid = time_grid(prop.EPOCH, 60.0, count=50)
    ours = propagate_j2(sats, grid, method="direct").positions_km
    ut1_w, ut1_f = grid.jd_ut1_parts()
    base = prop.numpy_j2(j2_inputs(sats, grid), np.asarray(grid.seconds, float), ut1_w, ut1_f,
                         block=60)
    one_cm_km = 1e-5
    assert np.max(np.abs(ours - base)) < one_cm_km
    # and the radius is that of the input shells: a in 6,878-7,578 km, e <= 0.02, so
    # r = a (1 - e cos E) lies in [6,740, 7,730] km (a few km of Brouwer/Kozai margin)
    r = np.linalg.norm(base, axis=2)
    assert 6700.0 < r.min() and r.max() < 7800.0


def test_numpy_rk4_batch_matches_glide_batch():
    """The NumPy RK4 baseline integrates the same flights as the numba batch."""
    traj = _load("trajectories")
    from hgv_models import CAV_H, HTV2

    vehicles, states, progs = traj.workload(6, seed=3)
    for veh, sl in ((HTV2, slice(0, 3)), (CAV_H, slice(3, 6))):
        rec, nw, st = traj.glide_batch(veh, states[sl], progs[sl], step_s=traj.STEP_S,
                                       output_step_s=1.0, max_time_s=600.0, with_forces=False)
        rec_b, nw_b, st_b, _odd = traj.numpy_glide_batch(veh, states[sl], progs[sl],
                                                          max_time_s=600.0)
        assert np.array_equal(nw, nw_b) and np.array_equal(st, st_b)
        for i in range(nw.size):
            a = rec[i, : nw[i], traj.K.O_TIME:traj.K.O_PSI + 1]
            b = rec_b[i, : nw[i], :]
            # radius to a micrometre, angles to 1e-12 rad (6 um on the ground): rounding only
            np.testing.assert_allclose(a[:, 1], b[:, 1], atol=1e-9)
            np.testing.assert_allclose(a[:, 2:], b[:, 2:], atol=1e-12)


def test_trajectories_smoke(tmp_path):
    stdout, res = _run("trajectories.py", "--n", "6", "--scipy-subset", "2",
                       "--python-rhs-subset", "1", tmp_path=tmp_path)
    assert "NumPy RK4 batch, same method and step" in stdout
    assert res["checks"]["numpy_status_equal"]
    assert res["checks"]["numpy_vs_ours_max_impact_diff_m"] <= res["checks"]["numpy_vs_ours_tolerance_m"]
    assert {r["threads"] for r in res["rows"]} >= {1}


def test_tracks_smoke(tmp_path):
    stdout, res = _run("tracks.py", "--launches", "2", "--baseline-subset", "100", "--repeat", "1",
                       tmp_path=tmp_path)
    assert "total, same de-duplication (main row)" in stdout
    assert res["n_instants"] <= res["n_samples"]
    stages = [r["stage"] for r in res["rows"]]
    assert any("no de-duplication" in s for s in stages)


def test_run_all_skips_missing_script_and_writes_files(tmp_path, monkeypatch):
    run_all = _load("run_all")
    missing = "does_not_exist.py"
    monkeypatch.setattr(run_all, "SCRIPTS", (missing,))
    out = tmp_path / "R.md"
    rc = run_all.main(["--quick", "--only", "does_not_exist", "--out", str(out)])
    assert rc == 0
    text = out.read_text()
    assert "skipped: benchmarks/does_not_exist.py is not present" in text
    assert "numba threading layer" in text
    res = json.loads(out.with_suffix(".json").read_text())
    assert res["mode"] == "quick" and res["scripts"]["does_not_exist"]["returncode"] is None


def test_run_all_rejects_unknown_script(tmp_path):
    proc = subprocess.run([sys.executable, str(BENCH / "run_all.py"), "--only", "nope",
                           "--out", str(tmp_path / "x.md")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert "--only 'nope'" in proc.stderr and "allowed:" in proc.stderr
