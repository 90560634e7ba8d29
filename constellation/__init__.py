"""constellation: the engine of hgv-coverage, what a constellation of IR satellites sees.

Shell builders (:func:`walker`, :func:`preset`, :func:`satellites_from_elements`; TLE/OMM
files through :mod:`orbits`), sensors (:class:`Sensor`), regions (:func:`region_grid`,
:func:`load_points`, :func:`load_polygon` with :func:`polygon_mask`), and what they give:
coverage of a grid or of named points streamed through time (:func:`grid_coverage`,
:func:`point_coverage`, :func:`region_statistics`, :func:`area_statistics`), custody and stereo along HGV tracks
(:func:`track_coverage`, :func:`monte_carlo`) and access intervals (:func:`access_intervals`).

The numba kernels behind them live in the package's ``_``-prefixed modules (plain float64
arrays, km, s, rad, error codes instead of exceptions); this layer owns validation, units
and time objects. It imports :mod:`orbits` and :mod:`hgv_models`, never the application
(:mod:`hgvcov`).
"""

from constellation.access import ACCESS_COLUMNS, AccessError, access_intervals
from constellation.coverage import (METRIC_VARIABLES, CoverageError, CoverageResult, area_statistics,
                                    estimate_memory_bytes, grid_coverage, point_coverage,
                                    region_statistics, repeated_meridian_columns)
from constellation.elements import ElementsError, satellites_from_elements
from constellation.grid import GridError, RegionGrid, region_grid
from constellation.points import PointSet, PointsError, load_points
from constellation.polygon import (PolygonError, load_polygon, polygon_mask, polygon_outline,
                                   split_at_antimeridian)
from constellation.presets import PRESETS, PresetError, preset, preset_names
from constellation.sensors import Sensor, SensorError, sensor_table
from constellation.satvalue import rank_satellites, track_satellite_value, worst_case_losses
from constellation.tracks import (TRACK_COLUMNS, TrackError, TrackResult, launch_offsets_s,
                                  monte_carlo, monte_carlo_summary, track_coverage)
from constellation.walker import WalkerError, walker, walker_elements

__all__ = [
    "walker", "walker_elements", "WalkerError",
    "preset", "preset_names", "PRESETS", "PresetError",
    "satellites_from_elements", "ElementsError",
    "Sensor", "SensorError", "sensor_table",
    "region_grid", "RegionGrid", "GridError",
    "load_points", "PointSet", "PointsError",
    "load_polygon", "polygon_mask", "polygon_outline", "split_at_antimeridian", "PolygonError",
    "grid_coverage", "point_coverage", "region_statistics", "area_statistics", "repeated_meridian_columns",
    "estimate_memory_bytes",
    "CoverageResult", "CoverageError", "METRIC_VARIABLES",
    "track_coverage", "monte_carlo", "monte_carlo_summary", "launch_offsets_s", "TrackResult",
    "TrackError", "TRACK_COLUMNS",
    "access_intervals", "AccessError", "ACCESS_COLUMNS",
    "track_satellite_value", "worst_case_losses", "rank_satellites",
]
