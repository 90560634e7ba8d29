"""Figure files and settings: PNG / PDF / SVG from one drawing (text kept as text), the
``[output.figures]`` table, ``hgvcov map`` options, the figure stage of ``hgvcov run``
(``figures_s``), titles wrapped not clipped, and timeline ticks.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import matplotlib.image as mimage
import numpy as np
import pytest

from hgvcov import plots
from hgvcov.cli import main
from hgvcov.scenario import ScenarioError, default_scenario_toml, scenario_from_toml

from .conftest import SMALL_RUN
from .test_maps import PNG_MAGIC, _dataset, _tracks

SVG_NS = "{http://www.w3.org/2000/svg}"


def _svg_texts(path) -> list[str]:
    """Every <text> element's content in an SVG (matplotlib writes text as <text> only with
    svg.fonttype = 'none'; otherwise as glyph paths)."""
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def test_one_drawing_three_formats_text_as_text(tmp_path):
    paths = [tmp_path / "m.png", tmp_path / "m.pdf", tmp_path / "m.svg"]
    out = plots.plot_coverage_map(_dataset(), "fraction_stereo", paths, title="Formats test", dpi=60)
    assert out == paths
    png = paths[0].read_bytes()
    assert png[:8] == PNG_MAGIC and mimage.imread(paths[0]).ndim == 3
    pdf = paths[1].read_bytes()
    assert pdf[:5] == b"%PDF-" and pdf.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf  # TrueType text, not glyph drawings
    texts = _svg_texts(paths[2])
    assert any("Formats test" in t for t in texts)
    assert any(t.startswith("Time in stereo") for t in texts)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pdf", "m.png", "m.svg"]


def test_bad_extension_is_refused(tmp_path):
    with pytest.raises(plots.MapError, match="allowed a file name ending in .png, .pdf, .svg"):
        plots.plot_coverage_map(_dataset(), "fraction_1", tmp_path / "m.jpg")
    assert not list(tmp_path.iterdir())


def test_write_maps_every_format_and_map_list(tmp_path):
    opts = plots.FigureOptions(formats=("png", "pdf"), maps=("fraction_2", "max_gap_s"), dpi=50)
    files = plots.write_maps(tmp_path, _dataset(), "formats", tracks=_tracks(), options=opts)
    assert sorted(p.name for p in files) == sorted(
        f"{stem}.{ext}" for stem in ("map_fraction_2", "map_max_gap", "timeline_toward_tokyo",
                                     "timeline_toward_naha") for ext in ("png", "pdf"))
    for p in files:
        assert p.read_bytes()[:4] in (PNG_MAGIC[:4], b"%PDF")


def test_long_titles_wrap_inside_the_figure(tmp_path, monkeypatch):
    """A long scenario name and sensor list wrap into lines that fit the figure (issue 17:
    the sea_of_japan title ran off the right edge)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from hgvcov.plots import coverage_maps

    ds = _dataset()
    ds.attrs["scenario_name"] = "Sea of Japan polygon: two shells, two sensor types, " * 3
    ds.attrs["sensor"] = "default: min_elevation_deg=5, field_of_regard_deg=110 | " * 4
    figs = []
    real = coverage_maps.atomic_savefig
    monkeypatch.setattr(coverage_maps, "atomic_savefig", lambda fig, p, **k: figs.append(fig) or real(fig, p, **k))
    plots.plot_coverage_map(ds, "fraction_1", tmp_path / "long.png", dpi=50)
    fig = figs[-1]
    r = FigureCanvasAgg(fig).get_renderer()
    width = fig.bbox.width
    texts = [t for t in fig.texts if t.get_text().strip()]
    assert len(texts) >= 6  # title, metric and sensor lines, wrapped
    for t in texts:
        bb = t.get_window_extent(r)
        assert bb.x0 >= 0 and bb.x1 <= width + 0.5, t.get_text()


def test_undetected_threat_timeline_has_whole_satellite_ticks(tmp_path, monkeypatch):
    """No satellite ever detects: the panel reads 0, 1, 2 satellites (issue 17: 0.000-0.054)."""
    from hgvcov.plots import timelines

    tracks = _tracks()
    tracks["n_detect"] = 0
    tracks["stereo"] = False
    figs = []
    real = timelines.atomic_savefig
    monkeypatch.setattr(timelines, "atomic_savefig", lambda fig, p, **k: figs.append(fig) or real(fig, p, **k))
    plots.plot_timeline(tracks, {}, "toward Tokyo", tmp_path / "t.png", dpi=50)
    ax = figs[-1].axes[2]
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    assert ticks == [0.0, 1.0, 2.0]


# ------------------------------------------------------------------ [output.figures]


FIGURES_OK = """
[output.figures]
formats = ["png", "svg"]
dpi = 80
projection = "platecarree"
overlays = {radars = false}
maps = ["fraction_1", "max_gap_stereo_s"]
[output.figures.fraction_1]
vmin = 0.2
vmax = 1.0
levels = 8
[output.figures.max_gap_stereo_s]
levels = [0, 600, 1800, 3600]
cmap = "lajolla_r"
"""


def test_figures_table_validates_into_options():
    sc = scenario_from_toml(default_scenario_toml() + FIGURES_OK)
    opts = plots.FigureOptions.from_mapping(sc.output.figures.model_dump())
    assert opts.formats == ("png", "svg") and opts.dpi == 80 and opts.projection == "platecarree"
    assert (opts.tracks, opts.radars, opts.area) == (True, False, True)
    assert opts.maps == ("fraction_1", "max_gap_stereo_s")
    assert opts.scale("fraction_1") == plots.VariableScale(vmin=0.2, vmax=1.0, levels=8)
    assert opts.scale("max_gap_stereo_s").levels == (0.0, 600.0, 1800.0, 3600.0)
    assert opts.map_kwargs("max_gap_stereo_s")["cmap"] == "lajolla_r"
    default = plots.FigureOptions.from_mapping(scenario_from_toml(default_scenario_toml())
                                               .output.figures.model_dump())
    assert default == plots.FigureOptions() and default.formats == ("png",)


@pytest.mark.parametrize("table, key, words", [
    ('formats = ["jpg"]', "output.figures.formats[0]", 'one of "png", "pdf" or "svg"'),
    ("fromats = []", "output.figures.fromats", "a figure option (formats, dpi"),
    ("[output.figures.fraction_stero]\nvmin = 0.2", "output.figures.fraction_stero", "coverage.nc map variable"),
    ("[output.figures.fraction_stereo]\nvmin = 20", "output.figures.fraction_stereo.vmin", "20 % is 0.2"),
    ("[output.figures.fraction_stereo]\nvmin = 0.5\nvmax = 0.2", "output.figures.fraction_stereo.vmax",
     "a value > vmin"),
    ("[output.figures.max_gap_s]\nlevels = 1", "output.figures.max_gap_s.levels", "levels >= 2"),
    ("[output.figures.max_gap_s]\ncmap = \"rainbowish\"", "output.figures.max_gap_s.cmap", "colour map name"),
    ('projection = "lamb"', "output.figures.projection", '"lambert"'),
    ("overlays = {trax = true}", "output.figures.overlays.trax", "tracks, radars, area"),
    ('maps = ["frac"]', "output.figures.maps[0]", "coverage.nc map variable"),
    ("dpi = 10", "output.figures.dpi", ">= 50"),
])
def test_figures_table_errors_name_the_key(table, key, words):
    text = default_scenario_toml() + ("\n[output.figures]\n" + table if not table.startswith("[") else
                                      "\n" + table)
    with pytest.raises(ScenarioError) as e:
        scenario_from_toml(text)
    assert e.value.key == key and words in str(e.value), str(e.value)


# ------------------------------------------------------------------ hgvcov map


@pytest.fixture
def saved_coverage(tmp_path):
    path = tmp_path / "coverage.nc"
    _dataset().to_netcdf(path)
    return path


def test_map_cli_writes_pdf_and_svg(saved_coverage, capsys):
    folder = saved_coverage.parent
    assert main(["map", str(saved_coverage), "-o", str(folder / "f.pdf"), "--vmin", "0.2", "--vmax", "1",
                 "--levels", "8", "--projection", "mercator", "--dpi", "60"]) == 0
    assert (folder / "f.pdf").read_bytes()[:5] == b"%PDF-"
    assert main(["map", str(saved_coverage), "--var", "max_gap_s", "-o", str(folder / "g.svg"),
                 "--levels", "0,600,1800,3600", "--cmap", "lajolla_r", "--no-overlays"]) == 0
    assert any(t.startswith("Longest gap") for t in _svg_texts(folder / "g.svg"))


@pytest.mark.parametrize("args, words", [
    (["-o", "f.jpg"], "expected a file name ending in .png, .pdf, .svg"),
    (["--vmin", "20"], "--vmin 20: fraction_stereo is a fraction from 0 to 1"),
    (["--vmin", "0.6", "--vmax", "0.2"], "expected vmin < vmax"),
    (["--levels", "1"], "--levels '1'"),
    (["--levels", "0.5,0.2"], "--levels '0.5,0.2'"),
    (["--cmap", "nope"], "cmap='nope'"),
])
def test_map_cli_bad_options_exit_2(saved_coverage, capsys, args, words):
    args = [a if a != "f.jpg" else str(saved_coverage.parent / "f.jpg") for a in args]
    assert main(["map", str(saved_coverage), *args]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert sorted(p.name for p in saved_coverage.parent.iterdir()) == ["coverage.nc"]


def test_map_cli_projection_names_match_the_plots():
    from hgvcov.cli import _PROJECTIONS
    from hgvcov.scenario.schema import FIGURE_PROJECTIONS

    assert _PROJECTIONS == plots.PROJECTION_NAMES == FIGURE_PROJECTIONS


# ------------------------------------------------------------------ hgvcov run


def test_run_writes_every_format_and_times_the_figures(tmp_path, capsys):
    scenario = SMALL_RUN + "\n[output.figures]\nformats = [\"png\", \"svg\"]\ndpi = 50\n"
    (tmp_path / "s.toml").write_text(scenario)
    assert main(["run", str(tmp_path / "s.toml"), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())
    t = summary["timings"]
    assert t["figures_s"] > 0.0 and t["figures_s"] == t["stages"]["figures"]
    for stem in ("map_fraction_1", "map_fraction_stereo", "map_max_gap", "timeline_toward_tokyo"):
        assert (out / f"{stem}.png").read_bytes()[:8] == PNG_MAGIC
        ET.parse(out / f"{stem}.svg")
        assert f"{stem}.svg" in summary["files"]
    assert "figures" in t["stages"] and "maps" not in t["stages"]
    # The re-plot reads the run's [output.figures] back (same dpi: same pixel size).
    assert main(["map", str(out / "coverage.nc"), "--var", "fraction_1"]) == 0
    assert mimage.imread(out / "map_fraction_1_replot.png").shape == mimage.imread(out / "map_fraction_1.png").shape
    assert np.isfinite(t["total_s"])


def test_background_png_writes_match_the_foreground_and_report_failures(tmp_path):
    """A PNG written on the background thread has the same pixels as one written directly; a
    file that cannot be written there is reported by PngWriter.wait, not lost."""
    fg = plots.plot_coverage_map(_dataset(), "fraction_1", tmp_path / "fg.png", dpi=60)
    (tmp_path / "blocked.png").mkdir()
    with plots.background_png_writes() as writer:
        bg = plots.plot_coverage_map(_dataset(), "fraction_1", tmp_path / "bg.png", dpi=60)
        plots.plot_coverage_map(_dataset(), "fraction_1", tmp_path / "blocked.png", dpi=60)
        errors = writer.wait()
    assert list(errors) == [tmp_path / "blocked.png"]
    assert np.array_equal(mimage.imread(fg), mimage.imread(bg))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bg.png", "blocked.png", "fg.png"]
