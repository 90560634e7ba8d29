"""Cold start (issue 21): light CLI commands import nothing heavy, the numba cache falls back
to a per-user folder when the installation is not writable, ``hgvcov warmup`` lists the
kernels."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hgvcov.cachedir import numba_cache_dir, user_cache_dir

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "numpy", "cartopy", "dask", "xarray", "pandas", "matplotlib", "pydantic",
         "constellation", "orbits", "hgv_models")


def _modules_after(argv: list[str], tmp_path: Path) -> set[str]:
    """The heavy modules loaded by ``hgvcov ARGV`` run in a fresh interpreter."""
    code = ("import sys\nfrom hgvcov.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            f"print('LOADED:' + ' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-c", code, *argv], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=60)
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith("LOADED:"), p.stderr
    return set(last[len("LOADED:"):].split())


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["warmup", "--help"], []])
def test_help_imports_nothing_heavy(argv, tmp_path):
    assert _modules_after(argv, tmp_path) == set()


def test_init_imports_no_engine(tmp_path):
    loaded = _modules_after(["init", str(tmp_path / "s.toml")], tmp_path)
    assert (tmp_path / "s.toml").is_file()
    assert not loaded & {"numba", "cartopy", "dask", "xarray", "constellation", "orbits",
                         "hgv_models", "matplotlib"}


def test_import_hgvcov_leaves_numba_unloaded(tmp_path):
    code = "import sys, hgvcov; print('numba' in sys.modules)"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False"


# --- the numba cache folder ------------------------------------------------------------

def test_cache_dir_untouched_when_writable(tmp_path):
    assert numba_cache_dir({}, [tmp_path], writable=lambda d: True) is None


def test_cache_dir_user_folder_when_not_writable(tmp_path):
    got = numba_cache_dir({"HOME": str(tmp_path)}, [tmp_path, tmp_path / "b"],
                          writable=lambda d: d != tmp_path / "b")
    assert got == user_cache_dir({}) == Path.home() / ".cache" / "hgv-coverage" / "numba"


def test_cache_dir_respects_xdg(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert numba_cache_dir(env, [tmp_path], writable=lambda d: False) == \
        tmp_path / "xdg" / "hgv-coverage" / "numba"
    # a relative XDG_CACHE_HOME is invalid by the spec: ignored
    assert user_cache_dir({"XDG_CACHE_HOME": "rel"}) == Path.home() / ".cache" / "hgv-coverage" / "numba"


def test_cache_dir_never_overrides_the_user(tmp_path):
    for value in ("/somewhere", ""):
        assert numba_cache_dir({"NUMBA_CACHE_DIR": value}, [tmp_path],
                               writable=lambda d: False) is None


def test_default_writability_check(tmp_path):
    from hgvcov.cachedir import _cache_writable
    assert _cache_writable(tmp_path)  # no __pycache__ yet, folder writable
    (tmp_path / "__pycache__").mkdir()
    assert _cache_writable(tmp_path)
    assert not _cache_writable(tmp_path / "missing")


def test_import_sets_numba_cache_dir_for_a_read_only_install(tmp_path):
    """In a fresh interpreter whose kernel packages look read-only, importing hgvcov sets
    NUMBA_CACHE_DIR (under XDG_CACHE_HOME) before numba is imported, and numba uses it."""
    code = ("import os, hgvcov.cachedir as c\n"
            "c._cache_writable = lambda d: False\n"
            "print(c.configure_numba_cache())\n"
            "import numba\nprint(numba.config.CACHE_DIR)")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    want = str(tmp_path / "hgv-coverage" / "numba")
    assert out.stdout.split() == [want, want], out.stderr


# --- hgvcov warmup ---------------------------------------------------------------------

def test_warmup_cases_cover_run_kinds():
    from hgvcov.warmup import warmup_scenarios
    scs = dict(warmup_scenarios())
    kinds = {sc.region.kind for sc in scs.values()}
    assert kinds == {"box", "points"}
    assert {sc.time.propagator for sc in scs.values()} == {"sgp4", "j2"}
    assert any(sc.output.monte_carlo for sc in scs.values())
    assert any(sc.output.accesses for sc in scs.values())
    assert any(sc.region.kind == "box" and sc.time.propagator == "j2" and sc.threat
               for sc in scs.values())
    assert any(sh.kind == "elements" for sc in scs.values() for sh in sc.constellation)
    assert not any(sc.output.maps for sc in scs.values())


def test_warmup_lists_kernels(capsys):
    from hgvcov.cli import main
    assert main(["warmup", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    states = {k["name"]: k["state"] for k in result["kernels"]}
    for name in ("constellation._grid.grid_chunk", "constellation._points.point_chunk",
                 "orbits._kernels.sgp4_near_earth_batch", "orbits._kernels.j2_propagate_regular",
                 "hgv_models._dynamics_kernels.integrate_batch",
                 "hgv_models._shooting_kernels.release_batch", "constellation._tracks.track_metrics",
                 "constellation._access.scan_candidates"):
        assert states[name] in ("compiled", "loaded"), name
    # the cases run one after another inside the warm-up: their sum cannot exceed its total
    assert set(result["cases"]) and sum(result["cases"].values()) <= result["total_s"]
    # a second warm-up in the same process compiles nothing
    assert main(["warmup", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["compile_s"] == 0.0
    assert not any(k["state"] == "compiled" for k in again["kernels"])


def test_warmup_plain_output(capsys):
    from hgvcov.cli import main
    from hgvcov.warmup import WARMUP_CASES
    assert main(["warmup"]) == 0
    cap = capsys.readouterr()
    assert "constellation._grid.grid_chunk" in cap.out
    assert f"[{len(WARMUP_CASES)}/{len(WARMUP_CASES)}]" in cap.err and "done in" in cap.err


# --- first run: the flight kernels compile in a second process --------------------------

def test_flight_compile_not_started_when_cached(monkeypatch):
    import hgv_models.dynamics as dyn
    from hgvcov.warmup import finish_flight_compile, start_flight_compile
    monkeypatch.setattr(dyn, "kernels_cached", lambda: True)
    assert start_flight_compile() is None
    finish_flight_compile(None)  # nothing to wait for


def test_flight_compile_child_runs_and_is_joined(monkeypatch):
    import hgv_models.dynamics as dyn
    from hgvcov.warmup import finish_flight_compile, start_flight_compile
    monkeypatch.setattr(dyn, "kernels_cached", lambda: False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    proc = start_flight_compile()
    assert proc is not None
    finish_flight_compile(proc)
    assert proc.returncode == 0  # the child flew its threat (here: loading the cache)


def test_flight_compile_child_stopped_on_failure(monkeypatch):
    import hgv_models.dynamics as dyn
    from hgvcov.warmup import finish_flight_compile, start_flight_compile
    monkeypatch.setattr(dyn, "kernels_cached", lambda: False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    proc = start_flight_compile()
    finish_flight_compile(proc, stop=True)
    assert proc.returncode is not None


def test_no_child_on_one_core(monkeypatch):
    from hgvcov.warmup import start_flight_compile
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert start_flight_compile() is None
