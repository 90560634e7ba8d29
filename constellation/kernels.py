"""Public numba building blocks of the coverage engine, for baselines and user-written kernels.

Everything here is a compiled function (callable from another ``@njit`` function or from
Python) or an integer layout constant; units are km, s and rad, arrays plain float64/int.

Sensors
    :func:`sensor_table` packs :class:`constellation.sensors.Sensor` objects into the
    ``(n_sensor, N_PARAM)`` float64 table the kernels read; the ``P_*`` constants index a row.
    :func:`sensor_scalars` and :func:`view_scalars` unpack one row into the scalars of
    :func:`detect_r2` (the view constraints, last four: inner exclusion cone, clutter layer,
    required space background).
Detection (DESIGN.md "Detection geometry")
    :func:`detects` / :func:`detects_i` on (3,) arrays, :func:`detect_core` /
    :func:`detect_r2` on scalars (``detect_r2`` returns the squared slant range or -1), plus the
    elevation, off-nadir and range helpers; :func:`space_background` /
    :func:`space_background_s`: whether a line of sight has a space background beyond the
    target; :func:`track_background` classifies track samples.
Stereo and triangulation
    :func:`cos_convergence`, :func:`convergence_angle_rad`, :func:`is_stereo`,
    :func:`triangulation_sigma2_m` / :func:`triangulation_sigma_m`,
    :func:`best_stereo_pair` (over a list of detecting satellites) and
    :func:`best_pair_sigma2` (over a point's detection records of ``N_REC`` columns
    ``(q = (sigma R)^2, satellite)``, warm-started).
Metrics
    Per-point accumulators: ``istate`` (n_point, ``N_ISTATE``) int32 with columns ``ST_*``
    (``ST_LAST_DET`` and ``ST_LAST_ST`` start at -1), ``fstate`` (n_point, ``N_FSTATE``)
    float64 with columns ``FS_*``, and an error histogram; :func:`update_point` folds one
    (point, time step) in, :func:`finalize` turns the accumulators into the metrics of
    :mod:`constellation.coverage`.
Point-list kernel
    :func:`point_chunk`: all of the above over every (time, satellite, point) triple of
    a time chunk, parallel over rows of points (the kernel of
    :func:`constellation.coverage.point_coverage`, and a baseline for the grid kernel).
Track samples
    :func:`track_samples`: detection count, stereo flag, best pair and its triangulation
    error for each (track sample, instant) (the kernel of
    :func:`constellation.tracks.track_coverage`).
"""

from __future__ import annotations

from ._points import point_chunk
from ._geometry import (
    N_PARAM,
    P_COS_HALF_FOR,
    P_COS_STEREO_MIN,
    P_GRAZING_KM,
    P_HALF_FOR_RAD,
    P_HAS_GRAZING,
    P_INTENSITY_W_SR,
    P_MAX_RANGE_KM,
    P_MIN_EL_RAD,
    P_NOISE_RAD,
    P_REF_RANGE_KM,
    P_SIN_MIN_EL,
    P_STEREO_MIN_RAD,
    P_THRESHOLD_W_SR,
    P_CLUTTER_A2_KM2,
    P_CLUTTER_K,
    P_CLUTTER_KM,
    P_COS_MIN_OFF_NADIR,
    P_MIN_OFF_NADIR_RAD,
    P_REQUIRE_SPACE,
    best_stereo_pair,
    convergence_angle_rad,
    cos_convergence,
    cos_off_nadir,
    detect_core,
    detect_r2,
    detects,
    detects_i,
    elevation_rad,
    is_stereo,
    off_nadir_rad,
    sensor_scalars,
    sin_elevation,
    slant_range_km,
    space_background,
    space_background_s,
    triangulation_sigma2_m,
    triangulation_sigma_m,
    view_scalars,
)
from ._metrics import (
    FS_MAXGAP,
    FS_MAXGAP_ST,
    FS_SUMC,
    FS_SUMGAP,
    N_FSTATE,
    N_ISTATE,
    ST_LAST_DET,
    ST_LAST_ST,
    ST_N1,
    ST_N2,
    ST_NGAP,
    ST_NST,
    finalize,
    update_point,
)
from ._pairs import N_REC, best_pair_sigma2
from ._tracks import track_samples
from ._background import track_background
from .sensors import sensor_table

__all__ = [
    # sensors
    "sensor_table", "sensor_scalars", "N_PARAM", "P_MIN_EL_RAD", "P_SIN_MIN_EL", "P_HALF_FOR_RAD",
    "P_COS_HALF_FOR", "P_MAX_RANGE_KM", "P_HAS_GRAZING", "P_GRAZING_KM", "P_STEREO_MIN_RAD",
    "P_COS_STEREO_MIN", "P_NOISE_RAD", "P_THRESHOLD_W_SR", "P_REF_RANGE_KM", "P_INTENSITY_W_SR",
    # detection
    "detects", "detects_i", "detect_core", "detect_r2", "slant_range_km", "sin_elevation", "elevation_rad",
    "cos_off_nadir", "off_nadir_rad",
    # stereo and triangulation
    "cos_convergence", "convergence_angle_rad", "is_stereo", "triangulation_sigma2_m", "triangulation_sigma_m",
    "best_stereo_pair", "best_pair_sigma2", "N_REC",
    # metrics
    "N_ISTATE", "ST_N1", "ST_N2", "ST_NST", "ST_LAST_DET", "ST_LAST_ST", "ST_NGAP",
    "N_FSTATE", "FS_SUMC", "FS_MAXGAP", "FS_SUMGAP", "FS_MAXGAP_ST", "update_point", "finalize",
    # point-list kernel
    "point_chunk",
    # track samples
    "track_samples",
    # background and view constraints (issue 19)
    "P_CLUTTER_KM", "P_CLUTTER_A2_KM2", "P_CLUTTER_K", "P_REQUIRE_SPACE", "P_MIN_OFF_NADIR_RAD",
    "P_COS_MIN_OFF_NADIR", "view_scalars", "space_background", "space_background_s", "track_background",
]
