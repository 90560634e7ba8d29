"""The standard set of figures written by ``hgvcov run``: three coverage maps and one timeline per threat.

It spans two kinds of figure (:mod:`hgvcov.plots.coverage_maps` and
:mod:`hgvcov.plots.timelines`), so it lives apart from both.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable, Mapping

from hgvcov.plots._common import slug
from hgvcov.plots.coverage_maps import plot_coverage_map
from hgvcov.plots.series import plot_gap_cdf, plot_region_coverage_time
from hgvcov.plots.timelines import plot_timeline

__all__ = ["STANDARD_MAPS", "figure_jobs", "map_file_name", "saved_run_overlays", "write_maps"]

#: (file name, variable drawn) of the maps :func:`write_maps` writes, in order.
STANDARD_MAPS = (
    ("map_fraction_1.png", "fraction_1"),
    ("map_fraction_stereo.png", "fraction_stereo"),
    ("map_max_gap.png", "max_gap_s"),
)


def map_file_name(var: str, suffix: str = "") -> str:
    """File name of the map of ``var``: the name ``hgvcov run`` gives it (``map_max_gap.png``
    for ``max_gap_s``, see :data:`STANDARD_MAPS`), else ``map_<var>.png``; ``suffix`` goes
    before the extension (``map_max_gap_replot.png``)."""
    stem = {v: f for f, v in STANDARD_MAPS}.get(var, f"map_{var}.png")[: -len(".png")]
    return f"{stem}{suffix}.png"


def figure_jobs(
    dataset,
    title: str | None,
    tracks=None,
    per_threat: Mapping | None = None,
    radar_sites=None,
    threats=None,
    polygon=None,
) -> list[tuple[str, Callable[[Path], Path]]]:
    """The standard figures as ``(file name, draw)`` pairs; ``draw(path)`` writes that figure.

    Same figures, names and order as :func:`write_maps` (which calls each ``draw``); the
    run pipeline calls them one by one so that one failed figure costs only itself.
    """
    jobs = []
    for fname, var in STANDARD_MAPS:
        if var not in dataset.variables:
            continue
        on_stereo = var == "fraction_stereo"
        jobs.append((fname, partial(
            _draw_map, dataset, var, title=title, tracks=tracks if on_stereo else None,
            per_threat=per_threat, radar_sites=radar_sites if on_stereo else None,
            threats=threats if on_stereo else None, polygon=polygon)))
    if tracks is not None and len(tracks):
        used = set()
        for name in dict.fromkeys(tracks["threat"].astype(str)):
            stem = slug(name)
            while stem in used:
                stem += "_"
            used.add(stem)
            jobs.append((f"timeline_{stem}.png", partial(
                _draw_timeline, tracks, per_threat, name, radar_sites=radar_sites)))
    if "region_fraction_1" in dataset.variables:  # region-wide figures (hgvcov.plots.series)
        jobs.append(("region_coverage_time.png", partial(plot_region_coverage_time, dataset, tracks=tracks,
                                                          title=title)))
    if "region_gap_cdf_1" in dataset.variables:
        jobs.append(("gap_cdf.png", partial(plot_gap_cdf, dataset, title=title)))
    return jobs


def _draw_map(dataset, var, path, **kw) -> Path:
    # looked up at call time, so that a test can replace plot_coverage_map on this module
    return plot_coverage_map(dataset, var, path, **kw)


def _draw_timeline(tracks, per_threat, name, path, radar_sites=None) -> Path:
    return plot_timeline(tracks, per_threat, name, path, radar_sites=radar_sites)


def write_maps(
    out_dir,
    dataset,
    title: str | None,
    tracks=None,
    per_threat: Mapping | None = None,
    radar_sites=None,
    threats=None,
    polygon=None,
) -> list[Path]:
    """Write the standard maps and one timeline per threat into ``out_dir``.

    Files: ``map_fraction_1.png``, ``map_fraction_stereo.png`` (with the HGV
    tracks, launch/aim points and radar horizons), ``map_max_gap.png`` and
    ``timeline_<threat>.png`` for every threat in ``tracks`` (threat name
    lower-cased, non-alphanumerics replaced by ``_``, a ``_`` appended
    while two threats would share a name).  Variables missing from
    the data set are skipped.  Each file is written under a temporary name and
    renamed when complete.

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = figure_jobs(dataset, title, tracks=tracks, per_threat=per_threat,
                       radar_sites=radar_sites, threats=threats, polygon=polygon)
    return [draw(out_dir / fname) for fname, draw in jobs]


def saved_run_overlays(folder) -> dict:
    """What a run in ``folder`` drew over its stereo map, read back from its files.

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
