"""Issue 16, "nothing a user does loses, mixes or misreports results": end-to-end tests.

Each test runs the ``hgvcov`` command as a subprocess (one case in-process through
:func:`hgvcov.cli.main`, to make a figure fail where no real condition can):

* regions spanning all longitudes (a polar cap, the whole globe) run with maps;
* a figure that fails costs no data: the data files are kept, the failure is named on the
  console and in ``summary.json["figures_failed"]``, the exit code is 3;
* a run owns the files it writes (``DIR/.hgvcov-manifest.json``): a rerun into the same
  folder removes what the earlier run wrote and this one did not, never a user's file, and
  a refused run changes nothing;
* ``hgvcov map`` never overwrites the run's figures unless asked to, and re-draws the run's
  tracks, launch/aim points and radar horizons when ``tracks.csv`` / ``summary.json`` sit
  beside the ``coverage.nc``.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SMALL_RUN, TOKYO_THREAT, box_region, scenario_toml

MANIFEST = ".hgvcov-manifest.json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
RUN_LIMIT_S = 900

#: A small run over a ground box without threats (no tracks, no timelines).
BOX_NO_THREAT = scenario_toml("safety box", 3600, 120, box_region((20, 50), (120, 150), 5, 40),
                              sensor="min_elevation_deg = 5\nfield_of_regard_deg = 120\n")


def hgvcov(*args, cwd=None, timeout=RUN_LIMIT_S) -> subprocess.CompletedProcess:
    """Run ``python -m hgvcov ARGS`` and capture it."""
    env = dict(os.environ)
    env.pop("HGVCOV_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "hgvcov", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file in ``folder`` (hidden ones included), by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def pngs(folder: Path) -> list[str]:
    """The maps in ``folder`` (the region-wide series figures are checked separately)."""
    return sorted(p.name for p in folder.glob("map_*.png") if p.is_file())


def series_pngs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.png") if p.is_file() and not p.name.startswith("map_"))


# ------------------------------------------------------------- 1. regions round the globe

@pytest.mark.parametrize("name, lat, lon", [
    ("polar cap", (60, 90), (0, 360)),
    ("whole globe", (-90, 90), (-180, 180)),
])
def test_region_spanning_all_longitudes_runs_with_maps(tmp_path, name, lat, lon):
    (tmp_path / "s.toml").write_text(scenario_toml(name, 3600, 120, box_region(lat, lon, 10, 0)))
    proc = hgvcov("run", "s.toml", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    out = tmp_path / "out"
    assert (out / "coverage.nc").is_file() and (out / "summary.json").is_file()
    assert pngs(out) == ["map_fraction_1.png", "map_fraction_stereo.png", "map_max_gap.png"]
    assert series_pngs(out) == ["gap_cdf.png", "region_coverage_time.png", "satellite_value.png"]
    for p in out.glob("*.png"):
        assert p.read_bytes()[:8] == PNG_MAGIC
    summary = json.loads((out / "summary.json").read_text())
    assert summary["figures_failed"] == []


# ------------------------------------------------------------- 2. a failed figure keeps the data

def test_figure_that_cannot_be_written_keeps_the_data(tmp_path):
    """A folder in the way of one figure (a real condition): that figure fails, nothing else."""
    (tmp_path / "s.toml").write_text(BOX_NO_THREAT)
    (tmp_path / "out" / "map_max_gap.png").mkdir(parents=True)
    proc = hgvcov("run", "s.toml", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    failed_lines = [ln for ln in proc.stderr.splitlines() if "map_max_gap.png" in ln]
    assert len(failed_lines) == 1, proc.stderr
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())
    assert [f["name"] for f in summary["figures_failed"]] == ["map_max_gap.png"]
    assert "folder" in summary["figures_failed"][0]["message"]
    assert (out / "coverage.nc").is_file()
    assert pngs(out) == ["map_fraction_1.png", "map_fraction_stereo.png"]
    assert (out / "map_max_gap.png").is_dir()          # the user's folder is left alone
    assert "map_max_gap.png" not in summary["files"]
    assert set(summary["files"]) <= {p.name for p in out.iterdir()}


def test_figure_that_raises_keeps_the_data_in_process(tmp_path, monkeypatch, capsys):
    """A drawing bug in one figure: the other figures and every data file are written."""
    import hgvcov.plots.standard as standard
    from hgvcov.cli import main

    real = standard.plot_coverage_map

    def broken(dataset, var, path, **kw):
        if var == "fraction_stereo":
            raise RuntimeError("drawing bug for the test")
        return real(dataset, var, path, **kw)

    monkeypatch.setattr(standard, "plot_coverage_map", broken)
    (tmp_path / "s.toml").write_text(BOX_NO_THREAT)
    rc = main(["run", str(tmp_path / "s.toml"), "-o", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 3, err
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["figures_failed"] == [{"name": "map_fraction_stereo.png",
                                          "message": "RuntimeError: drawing bug for the test"}]
    assert [ln for ln in err.splitlines() if "map_fraction_stereo.png" in ln]
    assert (out / "coverage.nc").is_file()
    assert pngs(out) == ["map_fraction_1.png", "map_max_gap.png"]
    manifest = json.loads((out / MANIFEST).read_text())
    assert sorted(manifest["files"]) == sorted(summary["files"])


# ------------------------------------------------------------- 3. output folder ownership

def test_rerun_into_same_folder_removes_only_its_own_leftovers(tmp_path):
    (tmp_path / "threats.toml").write_text(SMALL_RUN)
    (tmp_path / "plain.toml").write_text(SMALL_RUN.replace(TOKYO_THREAT, ""))
    (tmp_path / "bad.toml").write_text(SMALL_RUN.replace("total = 12", "total = 12\ncolour = 1"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")            # never written by hgvcov
    (out / "accesses.csv").write_text("user's own file\n")  # one of our names, but not ours

    first = hgvcov("run", "threats.toml", "-o", "out", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert (out / "tracks.csv").is_file() and [p for p in out.glob("timeline_*.png")]
    manifest = json.loads((out / MANIFEST).read_text())
    assert "tracks.csv" in manifest["files"] and "notes.txt" not in manifest["files"]
    assert "accesses.csv" not in manifest["files"]

    second = hgvcov("run", "plain.toml", "-o", "out", cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    names = {p.name for p in out.iterdir()}
    assert "tracks.csv" not in names
    assert not [n for n in names if n.startswith("timeline_")]
    assert (out / "notes.txt").read_text() == "my notes"
    assert (out / "accesses.csv").read_text() == "user's own file\n"
    summary = json.loads((out / "summary.json").read_text())
    manifest = json.loads((out / MANIFEST).read_text())
    assert sorted(manifest["files"]) == sorted(summary["files"])
    assert names == set(summary["files"]) | {"notes.txt", "accesses.csv", MANIFEST}

    before = digest(out)
    bad = hgvcov("run", "bad.toml", "-o", "out", cwd=tmp_path)
    assert bad.returncode == 2, bad.stderr
    assert digest(out) == before


# ------------------------------------------------------------- 4. re-plotting a saved run

@pytest.fixture(scope="module")
def threat_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("replot")
    (work / "small.toml").write_text(SMALL_RUN)
    proc = hgvcov("run", "small.toml", "-o", "out", cwd=work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


def test_map_does_not_clobber_the_run_figure(threat_run):
    work = threat_run
    out = work / "out"
    before = digest(out)
    r = hgvcov("map", "out/coverage.nc", cwd=work)
    assert r.returncode == 0, r.stderr
    assert (out / "map_fraction_stereo_replot.png").read_bytes()[:8] == PNG_MAGIC
    r = hgvcov("map", "out/coverage.nc", "--var", "max_gap_s", cwd=work)
    assert r.returncode == 0, r.stderr
    # the same name as the run's map_max_gap.png, with _replot
    assert (out / "map_max_gap_replot.png").read_bytes()[:8] == PNG_MAGIC
    after = digest(out)
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {"map_fraction_stereo_replot.png", "map_max_gap_replot.png"}
    help_text = hgvcov("map", "--help").stdout
    assert "_replot.png" in help_text
    # the re-plot reproduces the run's figure (tracks read back from tracks.csv at 6
    # significant digits: a few anti-aliased pixels may differ)
    import matplotlib.image as mpimg
    run_px = mpimg.imread(out / "map_fraction_stereo.png")
    replot_px = mpimg.imread(out / "map_fraction_stereo_replot.png")
    assert run_px.shape == replot_px.shape
    assert (abs(run_px - replot_px).max(axis=-1) > 0.02).mean() < 0.002


def test_map_redraws_tracks_beside_the_coverage(threat_run):
    from hgvcov.plots import CUSTODY_COLORS

    from .test_maps import _color_pixels

    work = threat_run
    r = hgvcov("map", "out/coverage.nc", "--var", "fraction_1", "-o", "with_tracks.png", cwd=work)
    assert r.returncode == 0, r.stderr
    (work / "alone").mkdir()
    (work / "alone" / "coverage.nc").write_bytes((work / "out" / "coverage.nc").read_bytes())
    r = hgvcov("map", "alone/coverage.nc", "--var", "fraction_1", "-o", "bare.png", cwd=work)
    assert r.returncode == 0, r.stderr
    track_px = sum(_color_pixels(work / "with_tracks.png", c) for c in CUSTODY_COLORS.values())
    bare_px = sum(_color_pixels(work / "bare.png", c) for c in CUSTODY_COLORS.values())
    assert track_px > bare_px + 100, (track_px, bare_px)


def test_manifest_never_removes_what_no_run_of_ours_wrote(tmp_path):
    """In-process: a corrupt manifest removes nothing; names it lists that are now a folder,
    a symlink or a path outside the folder are left alone; a failed commit changes nothing."""
    from hgvcov.outputs import OutputTransaction, read_manifest

    (tmp_path / "old.csv").write_text("ours")
    (tmp_path / "now_a_folder").mkdir()
    (tmp_path / "target.txt").write_text("user")
    (tmp_path / "link.png").symlink_to(tmp_path / "target.txt")
    (tmp_path / MANIFEST).write_text("{not json")
    with OutputTransaction(tmp_path) as tx:
        tx.path("a.txt").write_text("a")
    assert (tmp_path / "old.csv").is_file()                 # corrupt manifest: nothing removed
    assert read_manifest(tmp_path) == ["a.txt"]
    (tmp_path / MANIFEST).write_text(json.dumps({"files": [
        "old.csv", "now_a_folder", "link.png", "../target.txt", "a.txt"]}))
    with OutputTransaction(tmp_path) as tx:
        tx.path("b.txt").write_text("b")
    assert not (tmp_path / "old.csv").exists() and not (tmp_path / "a.txt").exists()
    assert (tmp_path / "now_a_folder").is_dir() and (tmp_path / "link.png").is_symlink()
    assert (tmp_path / "target.txt").read_text() == "user"
    before = digest(tmp_path)
    with pytest.raises(ZeroDivisionError):
        with OutputTransaction(tmp_path) as tx:
            tx.path("c.txt").write_text("c")
            1 / 0
    assert digest(tmp_path) == before
