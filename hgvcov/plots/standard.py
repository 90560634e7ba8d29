"""The standard set of figures written by ``hgvcov run``: the coverage maps (three by default)
and one timeline per threat, in every format asked for.

It spans two kinds of figure (:mod:`hgvcov.plots.coverage_maps` and
:mod:`hgvcov.plots.timelines`), so it lives apart from both.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable, Mapping

from hgvcov.plots._common import background_png_writes, slug
from hgvcov.plots.coverage_maps import plot_coverage_map
from hgvcov.plots.options import FigureOptions
from hgvcov.plots.series import plot_gap_cdf, plot_region_coverage_time
from hgvcov.plots.timelines import plot_timeline

__all__ = ["STANDARD_MAPS", "figure_jobs", "map_file_name", "map_stem", "saved_run_overlays",
           "saved_figure_options", "write_maps"]

#: (file name, variable drawn) of the maps :func:`write_maps` writes by default, in order
#: (``[output.figures] maps`` changes the list; ``formats`` the extensions).
STANDARD_MAPS = (
    ("map_fraction_1.png", "fraction_1"),
    ("map_fraction_stereo.png", "fraction_stereo"),
    ("map_max_gap.png", "max_gap_s"),
)


def map_stem(var: str) -> str:
    """File name of the map of ``var`` without extension: the name ``hgvcov run`` gives it
    (``map_max_gap`` for ``max_gap_s``, see :data:`STANDARD_MAPS`), else ``map_<var>``."""
    return {v: f for f, v in STANDARD_MAPS}.get(var, f"map_{var}.png")[: -len(".png")]


def map_file_name(var: str, suffix: str = "", fmt: str = "png") -> str:
    """File name of the map of ``var`` (:func:`map_stem`); ``suffix`` goes before the
    extension (``map_max_gap_replot.png``), ``fmt`` is the extension."""
    return f"{map_stem(var)}{suffix}.{fmt}"


def figure_jobs(
    dataset,
    title: str | None,
    tracks=None,
    per_threat: Mapping | None = None,
    radar_sites=None,
    threats=None,
    polygon=None,
    options: FigureOptions | None = None,
) -> list[tuple[tuple[str, ...], Callable[[list[Path]], object]]]:
    """The standard figures as ``(file names, draw)`` pairs; ``draw(paths)`` draws that figure
    once and writes it to every path (one per format of ``options.formats``).

    Same figures, names and order as :func:`write_maps` (which calls each ``draw``); the
    run pipeline calls them one by one so that one failed figure costs only itself.  Every
    map carries the overlays (tracks, launch/aim points, radar horizons, area outline)
    that ``options`` leaves on.
    """
    opts = options or FigureOptions()
    jobs = []
    for var in opts.maps:
        if var not in dataset.variables:
            continue
        names = tuple(f"{map_stem(var)}.{fmt}" for fmt in opts.formats)
        jobs.append((names, partial(
            _draw_map, dataset, var, title=title, tracks=tracks, per_threat=per_threat,
            radar_sites=radar_sites, threats=threats, polygon=polygon, **opts.map_kwargs(var))))
    if tracks is not None and len(tracks):
        used = set()
        for name in dict.fromkeys(tracks["threat"].astype(str)):
            stem = slug(name)
            while stem in used:
                stem += "_"
            used.add(stem)
            names = tuple(f"timeline_{stem}.{fmt}" for fmt in opts.formats)
            jobs.append((names, partial(
                _draw_timeline, tracks, per_threat, name, radar_sites=radar_sites, dpi=opts.dpi)))
    if "region_fraction_1" in dataset.variables:  # region-wide figures (hgvcov.plots.series)
        names = tuple(f"region_coverage_time.{fmt}" for fmt in opts.formats)
        jobs.append((names, partial(plot_region_coverage_time, dataset, tracks=tracks, title=title,
                                    dpi=opts.dpi)))
    if "region_gap_cdf_1" in dataset.variables:
        names = tuple(f"gap_cdf.{fmt}" for fmt in opts.formats)
        jobs.append((names, partial(plot_gap_cdf, dataset, title=title, dpi=opts.dpi)))
    return jobs


def _draw_map(dataset, var, path, **kw):
    # looked up at call time, so that a test can replace plot_coverage_map on this module
    return plot_coverage_map(dataset, var, path, **kw)


def _draw_timeline(tracks, per_threat, name, path, radar_sites=None, dpi=150):
    return plot_timeline(tracks, per_threat, name, path, radar_sites=radar_sites, dpi=dpi)


def write_maps(
    out_dir,
    dataset,
    title: str | None,
    tracks=None,
    per_threat: Mapping | None = None,
    radar_sites=None,
    threats=None,
    polygon=None,
    options: FigureOptions | None = None,
) -> list[Path]:
    """Write the standard maps and one timeline per threat into ``out_dir``.

    Files (PNG by default, one per format of ``options.formats``):
    ``map_fraction_1``, ``map_fraction_stereo`` and ``map_max_gap`` (or the maps of
    ``options.maps``), each with the HGV tracks, launch/aim points and radar horizons
    when given, and ``timeline_<threat>`` for every threat in ``tracks`` (threat name
    lower-cased, non-alphanumerics replaced by ``_``, a ``_`` appended while two threats
    would share a name).  Variables missing from the data set are skipped.  Each file is
    written under a temporary name and renamed when complete.

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = figure_jobs(dataset, title, tracks=tracks, per_threat=per_threat,
                       radar_sites=radar_sites, threats=threats, polygon=polygon, options=options)
    written = []
    with background_png_writes():  # PNGs encoded while the next figure is drawn
        for names, draw in jobs:
            paths = [out_dir / n for n in names]
            draw(paths)
            written += paths
    return written


def saved_figure_options(folder) -> dict:
    """The ``[output.figures]`` table of the run in ``folder`` (from its ``summary.json``'s
    ``scenario_input``), ``{}`` when there is none or the file is missing."""
    import json

    try:
        summary = json.loads((Path(folder) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    scenario_input = summary.get("scenario_input") if isinstance(summary, dict) else None
    output = scenario_input.get("output") if isinstance(scenario_input, dict) else None
    figures = output.get("figures") if isinstance(output, dict) else None
    return dict(figures) if isinstance(figures, dict) else {}


def saved_run_overlays(folder) -> dict:
    """What a run in ``folder`` drew over its maps, read back from its files.

    ``tracks.csv`` gives the tracks; ``summary.json`` the title (scenario name), the
    per-threat results and the threats' launch and aim points (its ``scenario_input``);
    radar horizons are drawn as ``hgvcov run`` draws them when threats exist
    (``hgv_models.radar.JAPAN_RADAR_SITES``).  Files that are missing or unreadable are
    skipped, so the result may be empty.

    Returns
    -------
    dict
        Keyword arguments for :func:`hgvcov.plots.plot_coverage_map` (``tracks``,
        ``per_threat``, ``threats``, ``radar_sites``) plus ``title`` when known.
    """
    import json

    import pandas as pd

    folder = Path(folder)
    out: dict = {}
    summary = {}
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    if not isinstance(summary, dict):
        summary = {}
    if isinstance(summary.get("scenario"), str):
        out["title"] = summary["scenario"]
    try:
        tracks = pd.read_csv(folder / "tracks.csv")
    except (OSError, ValueError):
        tracks = None
    if tracks is None or not len(tracks) or not {"threat", "lat_deg", "lon_deg", "n_detect",
                                                 "stereo"} <= set(tracks.columns):
        return out
    out["tracks"] = tracks
    if isinstance(summary.get("per_threat"), dict):
        out["per_threat"] = summary["per_threat"]
    scenario_input = summary.get("scenario_input")
    listed = scenario_input.get("threat") if isinstance(scenario_input, dict) else None
    threats = [t for t in listed or [] if isinstance(t, dict) and t.get("launch") is not None
               and t.get("aim") is not None]
    if threats:
        out["threats"] = threats
    from hgv_models.radar import JAPAN_RADAR_SITES
    out["radar_sites"] = JAPAN_RADAR_SITES
    return out
