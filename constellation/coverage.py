"""Grid and point coverage: exact, output-sensitive, streamed through time.

Algorithm (per time chunk of ``chunk_steps`` samples, satellites propagated by
:func:`orbits.propagate.propagate` one chunk at a time)

1. **Candidate search** (:func:`constellation._candidates.cap_bounds`, parallel over
   (time, satellite)). Every detectable target lies within a geocentric central angle
   ``lambda_max`` of the sub-satellite direction; ``lambda_max`` is the smallest of closed-form
   bounds from the elevation mask, the maximum (and radiometric) range, the grazing altitude
   and the field of regard, evaluated for the spherical shell ``r_min <= |t| <= r_max`` that
   holds the grid points and for the geocentric elevation ``eps - tilt`` (``tilt`` = largest
   angle between the geodetic normal and the geocentric radius on the grid, <= 0.193 deg), and
   padded by 1e-7 rad (derivations in :func:`constellation._candidates.max_central_angle`). The
   latitude rows inside ``[phi_s - lambda, phi_s + lambda]`` (geocentric latitude of each row;
   binary search) form the satellite's band; :func:`constellation._candidates.pack_bands` packs
   each step's non-empty bands into contiguous records sorted by first row.
2. **Exact tests** (:func:`constellation._grid.grid_chunk`, parallel over strips of six
   latitude rows, the points stored in tiles of 6 x 4). For each row in a band the longitude
   window follows in closed form from the spherical law of cosines,
   ``cos(dl) >= (cos lambda - sin phi_s sin phi) / (cos phi_s cos phi)``, the widest of the
   strip's rows kept, mapped onto the regular longitude axis modulo 360 deg (antimeridian)
   with one index of padding and full rows where the cap covers a pole. Only the tiles those
   windows meet are tested, with the inequalities of
   :func:`constellation._geometry.detects` (vectorised over each tile); work
   grows with the visible (time, satellite, point) triples, not with satellites x points.
   Because the bounds are conservative and the final test is exact, counts equal a
   brute-force loop over all triples exactly (tests).
3. **Best stereo pair** (same kernel, per strip and time step, tile by tile: 24 points, 3 deg x
   2 deg on a 0.5 deg grid). Each satellite that detects part of the strip keeps ``R^2`` over
   it and its smallest ``R^2`` per tile; in each tile the satellites are taken by increasing
   ``q = (sigma R)^2`` and pairs are swept over the tile (vectorised) while the lower bound
   ``q1 + q2 + q1 q2 / (q1 + q2)`` of the pair's variance (at the tile's smallest ``q``) stays
   below the tile's worst current best. The skips are exact: the triangulation variance is
   never below that bound.
4. **Streaming metrics** (same kernel, in time order): per point the
   number of samples with >= 1, >= 2 detections and with a stereo pair, the sum of counts,
   the index of the last detection / last stereo sample, the longest and summed closed gaps,
   and a histogram of the best-pair triangulation error. Memory is
   ``O(n_point * (n_bins + const) + chunk_steps * n_sat)``, independent of the number of
   samples (:func:`estimate_memory_bytes`).

Metric definitions (``dataset`` variables, DESIGN.md names)

- ``fraction_1`` / ``fraction_2`` / ``fraction_stereo``: fraction of the ``n_time`` samples
  with >= 1 / >= 2 detecting satellites / at least one stereo pair.
- ``mean_count``: mean number of detecting satellites per sample.
- ``max_gap_s`` / ``mean_gap_s``: a *gap* is a maximal run of consecutive samples without any
  detection; its duration is the number of samples times ``step_s`` (on an irregular grid: from
  the run's first sample to the next sample after it; the last sample lasts as long as the
  step before it; the one sample of a one-sample grid without a known step lasts 0 s).
  Runs open at the start or end of the window count as gaps (truncated by the window), so a
  point never seen has ``max_gap_s = mean_gap_s = duration_s`` (regular grids and one-sample
  grids; on an irregular grid of several samples ``TimeGrid.duration_s`` leaves out the last
  sample's duration, which the gap includes); a point never without detection has both 0.
- ``max_gap_stereo_s``: the same for runs without a stereo pair.
- ``median_position_error_m``: median over the stereo samples of the best pair's 1-sigma
  triangulation error (:func:`constellation._geometry.triangulation_sigma2_m`), NaN when the
  point is never in stereo. **Histogram method**: each sample's error goes into a histogram
  of ``error_bins`` bins uniform in ``log(error)`` between bounds derived from the geometry
  (``lo = sigma_min R_min``, ``hi = sigma_max R_max sqrt(2 / sin^2 theta_h + 1/2)`` with
  ``theta_h = max(theta_min, HIST_THETA_FLOOR_DEG = 0.01 deg)``, ``theta_min`` the smallest
  ``stereo_min_angle_deg``; ``R_min`` from the lowest satellite radius of the run, decay
  included), plus one **overflow bin** above ``hi``. With ``theta_min >= 0.01 deg`` no value
  can fall outside ``[lo, hi]``; with a smaller ``theta_min`` (0 allowed: the error is unbounded
  as the convergence angle goes to 0) larger errors are counted in the overflow bin. The
  median is the mean of the centres of the bins holding the two middle samples, ``+inf``
  when one of them is in the overflow bin (the median is then known only to exceed
  ``hi``). The relative error of a finite reported median is at most half a bin,
  ``exp(dlog / 2) - 1`` (stored as the attribute ``median_position_error_rel_resolution``;
  about 0.4 % for the reference case with 512 bins, more for small ``theta_min``). The
  attributes ``median_position_error_hist_top_m`` (``hi``),
  ``median_position_error_overflow_possible`` (0/1), ``median_position_error_overflow_samples``
  (stereo point-samples above ``hi``) and ``median_position_error_overflow_points`` (points
  whose median is ``+inf``) report the overflow. Exact streaming medians would need memory
  growing with time.

Region coverage over time and the gap distribution (``SERIES_VARIABLES``, ``GAP_VARIABLES``,
``GAP_CDF_VARIABLES``; each variable carries ``units``, ``long_name`` and ``definition``)

- ``region_fraction_1`` / ``_2`` / ``_stereo`` on the ``time`` dimension (coordinates
  ``time``, datetime64 UTC, and ``time_s``, seconds since the start): per sample, the
  area-weighted fraction of the region's points with >= 1 / >= 2 detecting satellites / a
  stereo pair. Weights (:func:`region_weights`) are those of :func:`area_statistics`:
  ``cos(lat)``, 0 on a pole row, a repeated 360-degree seam column and points outside
  ``mask`` left out, every taken point weighted 1 when all cosines are 0; so the series' time
  mean equals the area-weighted mean of the matching ``fraction_*`` (to rounding). Summed in
  the kernel per strip and step (the grid kernel counts the points at each level per grid row
  as packed integers, weighted by the row's cosine; strips added in index order), so a run's
  series is the same on any number of threads. Memory ``O(n_time)``, not ``O(n_time x
  n_point)``.
- Per point and level (suffix ``""`` / ``_2`` / ``_stereo``, as ``max_gap_stereo_s``): gaps
  are the maximal runs of samples not at the level, runs open at the window's ends included
  (truncated by it), exactly as ``max_gap_s``. ``n_passes`` (runs of samples at the level),
  ``time_average_gap_s = sum d_i^2 / T`` (STK Coverage "Time Average Gap": the duration of the
  gap a random instant falls in, 0 when covered; Wertz, *Space Mission Analysis and Design*,
  3rd ed., sec. 7.2), ``mean_response_time_s = sum d_i^2 / (2 T)`` (STK "Response Time",
  average: the expected wait from a random instant until the level is reached), ``T`` the
  window (``t_edge[-1] - t_edge[0]``, 0 when it is 0), and ``gap_p50_s`` / ``gap_p90_s`` /
  ``gap_p99_s``: NumPy's linear percentile of the point's gap durations, each gap's length in
  samples replaced by its **gap-histogram** bin centre (0 without a gap). The histogram
  (HDR style, :func:`constellation._metrics.gap_bin`) has one bin per length below 64 samples
  and 32 bins per octave above (width at most 1/32 of the bin's lower edge), so a percentile is
  exact when its two order statistics are below 64 samples and within 1/64 relative (half a
  bin) otherwise. Lengths are converted with ``step_s`` (irregular grids: the mean sample
  duration). Memory: ``3 * gap_histogram_bins(n_time)`` counts per point (238 bins per level
  for 2,880 samples) in uint16 (uint32 beyond 131,070 samples, where one bin could hold more
  than 65,535 gaps), plus 96 B of state: 1.5 KB per point for a day at 30 s.
- ``region_gap_cdf_1`` / ``_2`` / ``_stereo`` on ``gap_duration_s`` (the longest duration of
  each histogram bin, s): the area-weighted mean over the region's points that have a gap of
  each point's gap-duration CDF (exact at those durations); NaN when no point has a gap.

Degraded mode (``AVAILABILITY_VARIABLES``, only with ``satellite_availability = p``): each
satellite is independently available with probability ``p`` at every sample.
``expected_fraction_1`` / ``_2`` / ``_stereo`` are the expected fractions of the samples with
>= 1 / >= 2 surviving detecting satellites / a surviving stereo pair: per sample with ``n``
detecting satellites ``1 - (1-p)^n`` and ``1 - (1-p)^n - n p (1-p)^(n-1)`` (binomial), and the
exact probability that some valid pair of the sample's pair graph survives
(:mod:`constellation._availability`), summed over the samples and divided by ``n_time``. At
``p = 1`` they equal ``fraction_1`` / ``_2`` / ``_stereo`` exactly.

Background (``BACKGROUND_VARIABLES``, always computed): ``fraction_space_background`` is the
fraction of the ``n_time`` samples with at least one detecting line of sight whose
continuation beyond the target misses the Earth grown by the sensor's
``clutter_altitude_km`` (a space or limb background; closed form in
:mod:`constellation._geometry`, "Background of a line of sight"), and
``fraction_stereo_space_background`` the fraction with a stereo pair (the engine's stereo test)
whose two lines of sight both have a space background (:mod:`constellation._background`).
A target below the clutter layer (a ground grid) only has Earth backgrounds: both are 0 there,
and the grid kernel skips the classification on such strips.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numba
import numpy as np
import xarray as xr

from orbits.geodesy import geodetic_to_ecef, up_vector
from orbits.propagate import ERROR_MESSAGES, Ephemeris, propagate

from orbits.satellites import SatelliteSet
from orbits.timegrid import TimeGrid

from ._availability import N_AV
from ._background import BG_SPACE, BG_STEREO_SPACE, N_BG
from ._points import point_chunk
from ._candidates import N_BF, cap_bounds, pack_bands
from ._grid import grid_chunk
from ._satvalue import N_SV
from ._metrics import (N_FSTATE, N_ISTATE, N_LEVELS, N_XSTATE, PERCENTILES, ST_LAST_DET, ST_LAST_ST, X_LAST,
                       X_PER_LEVEL, X_T, finalize, finalize_gaps, gap_bin, gap_bin_range, levels_update,
                       region_gap_cdf)
from ._tiles import TILE_COLS, TILE_ROWS
from .grid import RegionGrid
from .sensors import as_sensor_list, sensor_table

__all__ = [
    "CoverageError",
    "CoverageResult",
    "grid_coverage",
    "point_coverage",
    "region_statistics",
    "area_statistics",
    "repeated_meridian_columns",
    "estimate_memory_bytes",
    "kernels_cached",
    "METRIC_VARIABLES",
    "SERIES_VARIABLES",
    "GAP_VARIABLES",
    "GAP_CDF_VARIABLES",
    "AVAILABILITY_VARIABLES",
    "BACKGROUND_VARIABLES",
    "gap_histogram_bins",
    "region_weights",
    "SATELLITE_VALUE_VARIABLES",
]

METRIC_VARIABLES = {
    "fraction_1": ("1", "fraction of time steps with at least one satellite detecting the point"),
    "fraction_2": ("1", "fraction of time steps with at least two satellites detecting the point"),
    "fraction_stereo": ("1", "fraction of time steps with at least one stereo pair"),
    "mean_count": ("1", "mean number of satellites detecting the point"),
    "max_gap_s": ("s", "longest interval without detection (open intervals at the window ends included)"),
    "mean_gap_s": ("s", "mean interval without detection (open intervals at the window ends included)"),
    "max_gap_stereo_s": ("s", "longest interval without a stereo pair"),
    "median_position_error_m": ("m", "median 1-sigma triangulation error of the best stereo pair while in stereo"),
}

LEVEL_SUFFIXES = ("", "_2", "_stereo")
"""Name suffix of each coverage level (>= 1 detection, >= 2 detections, a stereo pair), DESIGN.md style."""
LEVEL_WORDS = ("at least one satellite detecting", "at least two satellites detecting", "a stereo pair")

_GAP_CONVENTION = ("A gap is a maximal run of consecutive samples without {lvl}; runs touching the start or the "
                   "end of the window count, truncated by it (as max_gap_s); duration = samples x step_s.")

SERIES_VARIABLES = {
    f"region_fraction{sfx or '_1'}": (
        "1", f"area-weighted fraction of the region with {w}, per time step",
        f"sum_p w_p [point p has {w} at the sample] / sum_p w_p, w_p = cos(latitude) (0 on a pole row), "
        f"points outside the region mask and repeated 360-degree seam columns excluded, every taken point "
        f"weighted 1 when all weights are 0 (the weights of constellation.area_statistics); its mean over "
        f"time equals the area-weighted mean of fraction{sfx or '_1'}")
    for sfx, w in zip(LEVEL_SUFFIXES, LEVEL_WORDS)
}
"""The region's coverage over time, on the ``time`` dimension: (units, long_name, definition)."""


def _gap_variables():
    out = {}
    for sfx, w in zip(LEVEL_SUFFIXES, LEVEL_WORDS):
        conv = _GAP_CONVENTION.format(lvl=w)
        out[f"n_passes{sfx}"] = (
            "1", f"number of passes (runs of samples with {w})",
            f"number of maximal runs of consecutive samples with {w} (coverage intervals, STK 'Number of "
            f"Accesses' / SMAD 'number of passes' on the sampled time line)")
        out[f"time_average_gap{sfx}_s"] = (
            "s", f"time-average gap without {w}",
            f"sum_i d_i^2 / T: duration of the gap a random instant of the window falls in (0 when covered); "
            f"d_i the gap durations, T the window (n_time x step_s). STK Coverage 'Time Average Gap'; Wertz, "
            f"Space Mission Analysis and Design, 3rd ed., sec. 7.2. {conv}")
        out[f"mean_response_time{sfx}_s"] = (
            "s", f"mean response time until {w}",
            f"sum_i d_i^2 / (2 T): expected wait from a random instant of the window until the next sample with "
            f"{w} (0 when covered), continuous-time form. STK Coverage 'Response Time' (Average); Wertz, SMAD "
            f"3rd ed., sec. 7.2. {conv}")
        for q in PERCENTILES:
            out[f"gap_p{int(q)}{sfx}_s"] = (
                "s", f"{int(q)}th percentile of the gap durations without {w}",
                f"numpy.percentile (linear) of the point's gap durations, each gap length in samples replaced by "
                f"its histogram bin's centre: exact below 64 samples, relative error <= 1/64 above (bins of "
                f"width <= 1/32 of their lower edge); 0 for a point with no gap. {conv}")
    return out


GAP_VARIABLES = _gap_variables()
"""Per-point gap-distribution figures of merit: (units, long_name, definition)."""

GAP_CDF_VARIABLES = {
    f"region_gap_cdf{sfx or '_1'}": (
        "1", f"area-weighted cumulative distribution of the gap durations without {w}",
        f"sum_p w_p F_p(d) / sum_p w_p over the region's points with at least one gap (weights as the "
        f"region_fraction series), F_p(d) the fraction of point p's gaps lasting at most d = gap_duration_s; "
        f"{_GAP_CONVENTION.format(lvl=w)} NaN when no point has a gap")
    for sfx, w in zip(LEVEL_SUFFIXES, LEVEL_WORDS)
}
"""Region-wide gap-duration CDFs, on the ``gap_duration_s`` dimension: (units, long_name, definition)."""

AVAILABILITY_VARIABLES = {
    f"expected_fraction{sfx or '_1'}": (
        "1", f"expected fraction of time steps with {w}, each satellite available with probability p",
        f"mean over the samples of P[{w} among the surviving satellites], each detecting satellite surviving "
        f"independently with probability p = satellite_availability (dataset attribute); "
        + ("1 - (1-p)^n, n the detecting count (binomial)" if sfx == "" else
           "1 - (1-p)^n - n p (1-p)^(n-1), n the detecting count (binomial)" if sfx == "_2" else
           "exact probability that at least one valid stereo pair of the sample's pair graph survives "
           "(vertex-elimination recursion; NaN past 64 detecting satellites or 2^20 recursion nodes)"))
    for sfx, w in zip(LEVEL_SUFFIXES, LEVEL_WORDS)
}
"""Per-point expected coverage under satellite availability p: (units, long_name, definition)."""


BACKGROUND_VARIABLES = {
    "fraction_space_background": (
        "1", "fraction of time steps with at least one space-background detection",
        "samples with at least one detecting line of sight that, continued beyond the target, misses the WGS84 "
        "ellipsoid grown by the sensor's clutter_altitude_km (limb or space behind the target) / n_time; "
        "0 for targets below the clutter layer"),
    "fraction_stereo_space_background": (
        "1", "fraction of time steps with a stereo pair of two space-background lines of sight",
        "samples with a stereo pair (convergence angle in [theta_min, 180 - theta_min]) whose two lines of sight "
        "both have a space background (as fraction_space_background) / n_time"),
}
"""Per-point background figures (issue 19): (units, long_name, definition)."""

_BG_COLUMNS = {"fraction_space_background": BG_SPACE, "fraction_stereo_space_background": BG_STEREO_SPACE}


def _background_state(n_point):
    """Per-point counts of space-background samples ((n_point, N_BG) float64, :mod:`constellation._background`)."""
    return np.zeros((n_point, N_BG), dtype=np.float64)


def _add_background(ds, bg, n_time, point_dims, shape):
    """Add ``BACKGROUND_VARIABLES`` (counts / ``n_time``) to ``ds``."""
    for k, (units, long_name, definition) in BACKGROUND_VARIABLES.items():
        ds[k] = (point_dims, (bg[:, _BG_COLUMNS[k]] / n_time).reshape(shape))
        ds[k].attrs.update({"units": units, "long_name": long_name, "definition": definition})
    return ds


SATELLITE_VALUE_VARIABLES = {
    "sole_coverage_s": (
        "s", "region-mean time during which the satellite is the only one detecting a point",
        "area-weighted mean over the region's points (weights of region_weights) of the number of samples at "
        "which the satellite is the point's only detecting satellite, times the sample duration; removing the "
        "satellite lowers the region mean of fraction_1 by exactly sole_coverage_s / window_s"),
    "needed_for_2_s": (
        "s", "region-mean time during which the satellite is one of exactly two detecting a point",
        "as sole_coverage_s, counting the samples at which exactly two satellites detect the point and the "
        "satellite is one of them (losing it leaves fewer than two); removing the satellite lowers the region "
        "mean of fraction_2 by exactly needed_for_2_s / window_s"),
    "sole_stereo_s": (
        "s", "region-mean time during which every stereo pair of a point contains the satellite",
        "as sole_coverage_s, counting the samples at which the point has a stereo pair (the engine's stereo "
        "test) and every stereo pair contains the satellite (losing it loses stereo); removing the satellite "
        "lowers the region mean of fraction_stereo by exactly sole_stereo_s / window_s"),
}
"""Per-satellite value over the region (dim ``satellite``): (units, long_name, definition)."""


def _satellite_value_state(n_strip, n_sat, on):
    """Per strip and satellite accumulators of :func:`constellation._satvalue.row_satellite_value` (empty when off)."""
    return np.zeros((n_strip if on else 0, n_sat, N_SV), dtype=np.float64)


def _add_satellite_value(ds, satval, names, weight, n_time, sample_s):
    """Add ``SATELLITE_VALUE_VARIABLES`` (dim ``satellite``) from the per-strip sums, strips added in index order."""
    if satval.shape[0] == 0:
        return ds
    tot = np.zeros(satval.shape[1:], dtype=np.float64)
    for st in range(satval.shape[0]):  # index order: the same sums on any number of threads
        tot += satval[st]
    wsum = float(np.sum(weight))
    mean_samples = tot / wsum if wsum > 0.0 else np.zeros_like(tot)
    ds = ds.assign_coords(satellite=("satellite", np.asarray(list(names), dtype=object),
                                     {"long_name": "satellite name"}))
    for i, (k, (units, long_name, definition)) in enumerate(SATELLITE_VALUE_VARIABLES.items()):
        ds[k] = ("satellite", mean_samples[:, i] * sample_s)
        ds[k].attrs.update({"units": units, "long_name": long_name, "definition": definition})
    ds.attrs["window_s"] = float(n_time * sample_s)
    return ds


def _check_availability(p):
    """``satellite_availability`` as a float in ``(0, 1]``, or None.

    Raises
    ------
    CoverageError
        Naming the parameter, the value and the allowed range.
    """
    if p is None:
        return None
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or not 0.0 < float(p) <= 1.0:
        raise CoverageError(f"satellite_availability={p!r}: must be a number in (0, 1] (the probability that "
                            f"each satellite is available)")
    return float(p)


def _availability_state(n_point, p):
    """Per-point sums of the surviving-coverage probabilities ((n_point, 3) float64; (0, 3) when ``p`` is None)."""
    return np.zeros((n_point if p is not None else 0, N_AV), dtype=np.float64)


def _add_availability(ds, avail, n_time, p, point_dims, shape):
    """Add ``AVAILABILITY_VARIABLES`` (``avail`` sums / ``n_time``) to ``ds`` when ``p`` is given."""
    if p is None:
        return ds
    for i, (k, (units, long_name, definition)) in enumerate(AVAILABILITY_VARIABLES.items()):
        ds[k] = (point_dims, (avail[:, i] / n_time).reshape(shape))
        ds[k].attrs.update({"units": units, "long_name": long_name, "definition": definition})
    ds.attrs["satellite_availability"] = float(p)
    return ds


DEFAULT_ERROR_BINS = 512
DEFAULT_CHUNK_STATES = 1 << 16
"""Default satellite-samples per time chunk (``chunk_steps = DEFAULT_CHUNK_STATES // n_sat``).

Every grid strip walks the whole chunk's packed band records, so a chunk whose records fit in
the processor cache keeps that walk out of main memory,
and the candidate stage allocates less (measurements in ``docs/ARCHITECTURE.md``).
"""


GRID_ROWS_PER_TASK = 1
"""Iterations (strips of rows) of :func:`constellation._grid.grid_chunk`'s parallel loop handed to a thread at a time.

Set with :func:`numba.parallel_chunksize` around each call: a thread takes its next strip when
it finishes one (dynamic scheduling) instead of one fixed share of them, so the threads finish
together although the work per strip varies with latitude and with where the satellites are
(the kernel orders the strips heaviest first); measurements in ``docs/ARCHITECTURE.md``.
The setting cannot be made inside the kernel without losing numba's on-disk cache.
"""


class CoverageError(ValueError):
    """Invalid coverage request (the message names the parameter, the value and what is allowed)."""


@dataclass
class CoverageResult:
    """Result of :func:`grid_coverage` / :func:`point_coverage`.

    Attributes
    ----------
    dataset : xarray.Dataset
        DESIGN.md variables on dims ``(lat, lon)`` (grid) or ``(point,)`` (point list).
    timings : dict
        Seconds per stage: ``propagation_s``, ``candidate_s`` (footprint bounds and bands),
        ``exact_s`` (exact tests; with ``profile=False`` this includes the per-step metric
        updates fused into the same pass), ``metrics_s`` (finalisation, plus the per-step
        updates when profiled), ``output_s`` (dataset assembly), ``coverage_s``
        (candidate + exact + metrics), ``total_s``.
    failed : list of (name, code, message)
        Satellites masked because propagation failed at some sample.
    counters : dict
        ``exact_tests`` (candidate tests performed), ``triples`` (n_time x n_sat x n_point),
        ``chunks``, ``chunk_steps``.
    """

    dataset: xr.Dataset
    timings: dict
    failed: list = field(default_factory=list)
    counters: dict = field(default_factory=dict)

    def to_netcdf(self, path):
        """Write ``dataset`` as NetCDF (``coverage.nc``)."""
        self.dataset.to_netcdf(path)


# ---------------------------------------------------------------------------- helpers
def _version():
    try:
        from importlib.metadata import version

        return version("hgv-coverage")
    except Exception:  # pragma: no cover - not installed
        return "unknown"


def estimate_memory_bytes(n_sat, n_point, n_time, chunk_steps=None, n_lon=None, error_bins=DEFAULT_ERROR_BINS,
                          n_threads=None):
    """Upper estimate of the peak memory (bytes) of :func:`grid_coverage`.

    Parameters
    ----------
    n_sat, n_point, n_time : int
    chunk_steps : int or None
        Time samples per chunk (default as :func:`grid_coverage`).
    n_lon : int or None
        Points per latitude row (default ``n_point``, the worst case: one row).
    error_bins : int
    n_threads : int or None
        numba threads (default ``numba.get_num_threads()``).

    Returns
    -------
    int
        Per point: grid positions and normals (48 B), state (56 B), histogram
        (2 or 4 B per bin), outputs (64 B) and xarray copies (64 B); the gap distribution's
        state (96 B), its three gap-length histograms (``3 * gap_histogram_bins(n_time)`` bins
        of 2 B, 4 B past 131,070 samples; 1,428 B for 2,880 samples), its 18 outputs (144 B)
        and their xarray copies (144 B); the area weight (8 B). Per sample: the region series
        and its time coordinates (64 B). Per chunk: positions,
        validity, band arrays and their packed, sorted copy (~140 B per satellite-sample) and
        SGP4 work arrays (~3x the positions). Per thread: one strip buffer of
        ``TILE_ROWS`` rows padded to whole tiles (:func:`constellation._grid.grid_chunk`),
        ``8 B`` per point and detection slot (``R^2``; at most ``n_sat`` slots) plus the tile
        minima, the strip's points, counts, point indices and streaming-state copy (~184 B per
        point) and scratch; the background counts (16 B per point and variable) and scratch; the
        per-satellite value sums (``N_SV`` float64 per strip of ``TILE_ROWS`` rows and satellite)
        and scratch. Independent of ``n_time`` beyond ``chunk_steps``.
    """

    n_sat = int(n_sat)
    n_point = int(n_point)
    n_time = int(n_time)
    if chunk_steps is None:
        chunk_steps = max(1, DEFAULT_CHUNK_STATES // max(1, n_sat))
    chunk_steps = min(int(chunk_steps), max(1, n_time))
    n_lon = n_point if n_lon is None else int(n_lon)
    n_threads = numba.get_num_threads() if n_threads is None else int(n_threads)
    hb = 2 if n_time < 65535 else 4
    per_point = 48 + 56 + hb * (int(error_bins) + 1) + 64 + 64
    ghb = np.dtype(_gap_hist_dtype(n_time)).itemsize
    per_point += 96 + ghb * N_LEVELS * gap_histogram_bins(n_time) + 144 + 144 + 8
    per_chunk = chunk_steps * n_sat * (24 * 4 + 1 + 8 * 6 + 8 * 11)  # ... + pack_bands' records
    n_blk = -(-n_lon // TILE_COLS)  # tiles per strip
    strip = TILE_ROWS * TILE_COLS * n_blk  # points per strip buffer, padding included
    per_thread = strip * (n_sat * 8 + 184) + n_blk * n_sat * 8 + n_sat * 64  # slots; points, state; scratch
    per_chunk += -(-max(1, n_point // max(1, n_lon)) // TILE_ROWS) * chunk_steps * N_LEVELS * 8  # strip sums
    per_point += 2 * 8 * N_BG  # background counts and their two output variables
    per_thread += strip * (n_sat + 8) + n_sat * 8  # background scratch (strips that can see space only)
    n_strip = -(-max(1, n_point // max(1, n_lon)) // TILE_ROWS)
    per_run = n_strip * n_sat * N_SV * 8  # per-satellite value sums, per strip (constellation._satvalue)
    per_thread += strip * 8 + n_sat * 48 + 2 * 8 * TILE_ROWS * TILE_COLS  # ... and their scratch
    return int(per_run + per_point * n_point + per_chunk + 64 * n_time + per_thread * n_threads + 64 * 2**20)


def kernels_cached(points=False):
    """Whether the coverage kernel is compiled or in numba's on-disk cache for this code.

    Checks the kernel of the run's kind (:func:`constellation._grid.grid_chunk` for grids,
    :func:`constellation._points.point_chunk` for point lists; the other kernels of a run are
    compiled together with it): compiled in this process, or a cache index on disk
    (``__pycache__`` or ``NUMBA_CACHE_DIR``) that numba accepts for the current source file
    (same modification time and size) and that holds at least one compiled signature.

    Parameters
    ----------
    points : bool
        The point-list kernel instead of the grid kernel.

    Returns
    -------
    bool
        False when the next run will compile the kernels first (about a minute); True when
        it will not, or when numba's cache cannot be inspected (the check relies on numba's
        cache internals, which may change between numba versions).
    """
    disp = point_chunk if points else grid_chunk
    if getattr(disp, "signatures", None):
        return True
    try:
        cache_file = disp._cache._cache_file
        return bool(cache_file._load_index())
    except Exception:  # noqa: BLE001 - numba internals changed: claim nothing
        return True


def _sats_and_grid(sats, time_grid):
    """Normalise the (sats, time_grid) / Ephemeris input."""
    if isinstance(sats, Ephemeris):
        eph = sats
        if time_grid is not None and time_grid is not eph.grid:
            raise CoverageError("time_grid: give either an Ephemeris (its grid is used) or a SatelliteSet and a TimeGrid")
        return None, eph, eph.grid
    if not isinstance(sats, SatelliteSet):
        raise CoverageError(f"sats: expected a SatelliteSet or an Ephemeris, got {type(sats).__name__}")
    if len(sats) == 0:
        raise CoverageError("sats: the satellite set is empty")
    if not isinstance(time_grid, TimeGrid):
        raise CoverageError(f"time_grid: expected a TimeGrid, got {type(time_grid).__name__}")
    return sats, None, time_grid


def _sensor_index(sats, eph, n_sensor):
    idx = None
    if sats is not None:
        idx = getattr(sats, "sensor_index", None)
        n_sat = len(sats)
    else:
        idx = eph.sensor_index
        n_sat = eph.n_sat
    if idx is None:
        idx = np.zeros(n_sat, dtype=np.int64)
    idx = np.ascontiguousarray(idx, dtype=np.int64)
    if idx.shape != (n_sat,):
        raise CoverageError(f"sensor_index: shape {idx.shape} does not match {n_sat} satellites")
    if idx.size and (idx.min() < 0 or idx.max() >= n_sensor):
        raise CoverageError(
            f"sensor_index: values {int(idx.min())}..{int(idx.max())} must index the {n_sensor} sensor(s) given"
        )
    return idx


def _time_edges(grid: TimeGrid):
    """Sample boundaries (n_time + 1,): sample k lasts from seconds[k] to seconds[k+1].

    The last sample lasts ``step_s`` on a regular grid (a one-sample grid from
    :func:`orbits.timegrid.time_grid` remembers its step), else as long as the step before it;
    the single sample of a one-sample irregular grid (no step known) lasts 0 s, as the grid's
    ``duration_s`` (then gaps are 0 s and fractions, defined on sample counts, are 0 or 1).
    """
    t = np.asarray(grid.seconds, dtype=np.float64)
    step = grid.step_s
    if step is None:
        step = float(t[-1] - t[-2]) if t.size > 1 else 0.0
    return np.concatenate([t, [t[-1] + step]])


def _stream_state(n_point, n_time, error_bins):
    """Per-point streaming accumulators, initialised for a run with no step seen yet.

    Returns
    -------
    istate : (n_point, N_ISTATE) int32
        Step counters and last-seen step indices (``-1`` = never detected / never stereo).
    fstate : (n_point, N_FSTATE) float64
        Sums and running gap maxima.
    hist : (n_point, error_bins + 1) uint16 or uint32
        Log-spaced histogram of the best-pair position error (counts of steps; uint16 when
        fewer than 65,535 steps can land in one bin); the last column is the overflow bin
        (errors above the finite range's top, possible only when a sensor's
        ``stereo_min_angle_deg`` is below :data:`HIST_THETA_FLOOR_DEG`).
    """
    istate = np.zeros((n_point, N_ISTATE), dtype=np.int32)
    istate[:, ST_LAST_DET] = -1
    istate[:, ST_LAST_ST] = -1
    fstate = np.zeros((n_point, N_FSTATE), dtype=np.float64)
    hist = np.zeros((n_point, error_bins + 1), dtype=np.uint16 if n_time < 65535 else np.uint32)
    return istate, fstate, hist


def gap_histogram_bins(n_time):
    """Bins of one level's gap-length histogram for a run of ``n_time`` samples (bin 0 unused).

    Gaps of ``m < 64`` samples have bin ``m`` (exact); above, 32 bins per octave
    (:func:`constellation._metrics.gap_bin`), up to the bin of ``n_time`` (the longest gap).
    """
    return int(gap_bin(max(1, int(n_time)))) + 1


def _gap_hist_dtype(n_time):
    """uint16 when no bin can hold more than 65,535 gaps (at most ``ceil(n_time / 2)`` gaps), else uint32."""
    return np.uint16 if (int(n_time) + 1) // 2 <= 65535 else np.uint32


def _gap_state(n_point, t_edge):
    """Gap-distribution accumulators: ``xstate`` (n_point, N_XSTATE) float64 and ``ghist``.

    ``ghist`` (n_point, 3 * :func:`gap_histogram_bins`) uint16 or uint32: one gap-length
    histogram per level (>= 1, >= 2, stereo), level by level. ``xstate`` holds per level the
    last sample at that level (-1 none), ``t_edge`` of the sample after it, the passes started
    and the sum of squared closed gaps (s^2).
    """
    n_time = t_edge.shape[0] - 1
    xstate = np.zeros((n_point, N_XSTATE), dtype=np.float64)
    for lv in range(N_LEVELS):
        xstate[:, lv * X_PER_LEVEL + X_LAST] = -1.0
        xstate[:, lv * X_PER_LEVEL + X_T] = t_edge[0]
    ghist = np.zeros((n_point, N_LEVELS * gap_histogram_bins(n_time)), dtype=_gap_hist_dtype(n_time))
    return xstate, ghist


def region_weights(lat_deg, lon_deg=None, mask=None) -> np.ndarray:
    """Area weight of each point in the region series and gap CDFs (those of :func:`area_statistics`).

    Parameters
    ----------
    lat_deg : array_like
        ``(n_lat,)`` grid latitudes (with ``lon_deg`` ``(n_lon,)``) or ``(n_point,)`` point latitudes.
    lon_deg : array_like or None
        Grid longitudes; None for a point list.
    mask : array_like of bool or None
        Points inside the region (``(n_lat, n_lon)`` or ``(n_point,)``); None = all.

    Returns
    -------
    ndarray (n_point,) float64
        Row-major: ``cos(lat)`` (0 on a pole row, |lat| >= 90) for points in ``mask`` and not on
        a repeated 360-degree meridian (:func:`repeated_meridian_columns`), 0 for the others; 1
        for every taken point when all their cosines are 0 (a region of pole points only), as
        :func:`area_statistics` falls back to the plain mean.
    """
    lat = np.asarray(lat_deg, dtype=np.float64)
    if lon_deg is not None:
        lon = np.asarray(lon_deg, dtype=np.float64)
        lat2 = np.broadcast_to(lat[:, None], (lat.size, lon.size))
        take = np.broadcast_to(~repeated_meridian_columns(lon)[None, :], lat2.shape)
    else:
        lat2 = lat
        take = np.ones(lat.shape, dtype=bool)
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.shape != lat2.shape:
            raise CoverageError(f"mask: shape {m.shape} must equal the region's point shape {lat2.shape}")
        take = take & m
    w = np.where(np.abs(lat2) >= 90.0, 0.0, np.cos(np.deg2rad(lat2)))
    w = np.where(take, w, 0.0)
    if not np.any(w > 0.0):
        w = take.astype(np.float64)
    return np.ascontiguousarray(w.ravel(), dtype=np.float64)


def _sample_s(tg, t_edge):
    """Seconds per sample for converting gap lengths (samples) to durations: the grid's step, or the mean sample."""
    if tg.step_s is not None:
        return float(tg.step_s)
    n = t_edge.shape[0] - 1
    return float(t_edge[-1] - t_edge[0]) / n if n > 0 else 0.0


def _finalize_gaps(xstate, ghist, t_edge, tg, weight):
    """Per-point gap figures and region-wide gap CDFs (dicts of arrays named as :data:`GAP_VARIABLES`)."""
    n_point = xstate.shape[0]
    n_time = t_edge.shape[0] - 1
    nbg = ghist.shape[1] // N_LEVELS
    passes = np.empty((N_LEVELS, n_point))
    tag = np.empty((N_LEVELS, n_point))
    mrt = np.empty((N_LEVELS, n_point))
    pct = np.empty((N_LEVELS, len(PERCENTILES), n_point))
    sample_s = _sample_s(tg, t_edge)
    finalize_gaps(xstate, ghist, t_edge, n_time, sample_s, passes, tag, mrt, pct)
    cdf = np.empty((N_LEVELS, nbg))
    region_gap_cdf(ghist, weight, cdf)
    out = {}
    for lv, sfx in enumerate(LEVEL_SUFFIXES):
        out[f"n_passes{sfx}"] = passes[lv]
        out[f"time_average_gap{sfx}_s"] = tag[lv]
        out[f"mean_response_time{sfx}_s"] = mrt[lv]
        for iq, q in enumerate(PERCENTILES):
            out[f"gap_p{int(q)}{sfx}_s"] = pct[lv, iq]
    # CDF at the top of each bin: gaps of at most (lo + width - 1) samples (bin 0, no gap, dropped)
    tops = np.array([_bin_top(b) for b in range(1, nbg)], dtype=np.float64)
    cdfs = {f"region_gap_cdf{sfx or '_1'}": cdf[lv, 1:] for lv, sfx in enumerate(LEVEL_SUFFIXES)}
    return out, tops * sample_s, cdfs


def _bin_top(b):
    """Longest gap (samples) in gap-histogram bin ``b``."""
    lo, w = gap_bin_range(b)
    return lo + w - 1


def _series_time_coords(tg):
    """``time`` (datetime64[ns] UTC) and ``time_s`` (s since start) coordinates of the region series."""
    secs = np.asarray(tg.seconds, dtype=np.float64)
    start = np.datetime64(tg.start_utc.replace(tzinfo=None), "ns")
    times = start + np.round(secs * 1e9).astype("timedelta64[ns]")
    return {
        "time": ("time", times, {"standard_name": "time", "long_name": "sample instant (UTC)"}),
        "time_s": ("time", secs, {"units": "s", "long_name": "seconds since the scenario start"}),
    }


def _add_gap_and_series(ds, tg, gap_out, tops_s, cdfs, series, point_dims):
    """Put the gap figures (on ``point_dims``), the region series (``time``) and the gap CDFs into ``ds``."""
    for k, v in gap_out.items():
        ds[k] = (point_dims, v.reshape(tuple(ds.sizes[d] for d in point_dims)))
    ds = ds.assign_coords(_series_time_coords(tg))
    for lv, sfx in enumerate(LEVEL_SUFFIXES):
        ds[f"region_fraction{sfx or '_1'}"] = ("time", series[:, lv])
    ds = ds.assign_coords(gap_duration_s=("gap_duration_s", tops_s, {
        "units": "s", "long_name": "gap duration (upper edge of a gap-histogram bin)"}))
    for k, v in cdfs.items():
        ds[k] = ("gap_duration_s", v)
    for table in (GAP_VARIABLES, SERIES_VARIABLES, GAP_CDF_VARIABLES):
        for k, (units, long_name, definition) in table.items():
            if k in ds:
                ds[k].attrs.update({"units": units, "long_name": long_name, "definition": definition})
    ds.attrs["gap_histogram"] = ("per point and level, gap lengths in samples: one bin per length below 64 samples, "
                                 "32 bins per octave above (width <= 1/32 of the lower edge); percentiles exact "
                                 "below 64 samples, within 1/64 relative above")
    return ds


def _series_from_sums(sums, weight):
    """Region fractions (n_time, 3) from summed weights: divided by the weights' total (NaN when 0)."""
    wsum = float(np.sum(weight))
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / wsum if wsum > 0.0 else np.full_like(sums, np.nan)


def _satellite_radius_range(sats, eph, tg=None, propagator="sgp4"):
    """Geocentric radius range (km) that bounds every valid satellite position of the run.

    With an ephemeris: the smallest and largest finite radius of the valid samples (NaN
    positions flagged valid are ignored, as the kernels ignore them), padded by 0.1 %.
    Otherwise from the elements: perigee ``a (1 - e)`` minus 100 km and apogee ``a (1 + e)``
    plus 100 km (short-period perturbations), the perigee side lowered further to the lowest
    radius reached during the last orbit of the run (``tg``; one sample per minute over the
    longest period, propagated with ``propagator``) minus 100 km, so that a satellite whose orbit
    decays during a long SGP4 run (drag lowers the perigee monotonically) stays inside the
    error histogram's range.
    """
    if eph is not None:
        pos = eph.positions_km[eph.valid]
        r = np.linalg.norm(pos[np.all(np.isfinite(pos), axis=-1)], axis=-1)
        if r.size == 0:
            return 6378.0, 6378.0 + 1.0
        return float(r.min()) * 0.999, float(r.max()) * 1.001
    el = sats.elements()
    a = np.asarray(el["semi_major_axis_km"], dtype=np.float64)
    e = np.asarray(el["eccentricity"], dtype=np.float64)
    lo = float(np.min(a * (1 - e))) - 100.0
    hi = float(np.max(a * (1 + e))) + 100.0
    if tg is not None and propagator == "sgp4":
        lo = min(lo, _end_of_run_min_radius(sats, tg, propagator, float(np.max(a))) - 100.0)
    return lo, hi


def _end_of_run_min_radius(sats, tg, propagator, a_max_km):
    """Lowest finite satellite radius (km) over the last orbital period of ``tg`` (1-min samples)."""
    period_s = 2.0 * math.pi * math.sqrt(max(a_max_km, 6378.0) ** 3 / 398600.4418)
    t_end = float(tg.seconds[-1])
    t0 = max(float(tg.seconds[0]), t_end - period_s)
    n = max(2, int(math.ceil((t_end - t0) / 60.0)) + 1)
    end = TimeGrid.from_seconds(tg.start_utc, np.linspace(t0, t_end, n))
    try:
        e = propagate(sats, end, propagator)
    except Exception:  # noqa: BLE001 - no better bound than the elements'
        return math.inf
    pos = e.positions_km[e.valid]
    r = np.linalg.norm(pos[np.all(np.isfinite(pos), axis=-1)], axis=-1)
    return float(r.min()) if r.size else math.inf


HIST_THETA_FLOOR_DEG = 0.01
"""Smallest stereo convergence angle (deg) the error histogram's finite range is sized for.

With ``min(stereo_min_angle_deg) >= HIST_THETA_FLOOR_DEG`` no error can exceed the histogram's
top; below it (``stereo_min_angle_deg = 0`` makes the error unbounded) the top is the bound at
this angle and larger errors go to an overflow bin (see :func:`_error_hist_bounds`).
"""


def _error_hist_bounds(sensors, rs_min, rs_max, r_min, r_max, tilt_rad):
    """Bounds (m) of the error histogram's finite range and whether an overflow is possible.

    The best pair's variance is ``sigma^2 = (q1 + q2) / sin^2 gamma + q1 q2 / (q1 + q2)`` with
    ``q_i = (noise_i R_i)^2`` (:func:`constellation._geometry.triangulation_sigma2_m`); it grows
    with each ``q_i``, so with ``gamma`` in ``[theta, 180 deg - theta]``,
    ``sigma <= noise_max R_max sqrt(2 / sin^2 theta + 1/2)`` and
    ``sigma >= noise_min R_min`` (``R_min = rs_min - r_max``, at least 1 km; ``R_max`` from the
    elevation mask, the maximum range and the shell radii).

    Returns
    -------
    lo, hi : float
        ``0.99 noise_min R_min`` and ``1.01 noise_max R_max sqrt(2 / sin^2 theta_h + 1/2)`` (m),
        ``theta_h = max(theta_min, HIST_THETA_FLOOR_DEG)``, ``theta_min`` the smallest
        ``stereo_min_angle_deg`` of the sensors.
    overflow_possible : bool
        ``theta_min < HIST_THETA_FLOOR_DEG``: errors above ``hi`` can occur (overflow bin).
    """
    noise = np.array([s.angular_noise_urad for s in sensors]) * 1e-6
    range_min = max(rs_min - r_max, 1.0)
    lo = 1000.0 * noise.min() * range_min * 0.99
    eps = min(math.radians(s.min_elevation_deg) for s in sensors) - tilt_rad
    rmax_geo = rs_max + r_max
    if eps > -0.5 * math.pi:
        cands = []
        for r in (r_min, r_max):
            v = rs_max * rs_max - (r * math.cos(eps)) ** 2
            cands.append(math.sqrt(max(v, 0.0)) - r * math.sin(eps))
        rmax_geo = min(rmax_geo, max(cands))
    ranges = [s.max_range_km for s in sensors]
    if all(x is not None for x in ranges):
        rmax_geo = min(rmax_geo, max(ranges))
    theta_min = min(s.stereo_min_angle_deg for s in sensors)
    theta = max(theta_min, HIST_THETA_FLOOR_DEG)
    sin2 = math.sin(math.radians(theta)) ** 2
    hi = 1000.0 * noise.max() * rmax_geo * math.sqrt(2.0 / sin2 + 0.5) * 1.01
    if not hi > lo:
        hi = lo * 10.0
    return lo, hi, theta_min < HIST_THETA_FLOOR_DEG


def _metric_state(sats, eph, sensors, r_min, r_max, tilt_rad, n_point, tg, error_bins, propagator="sgp4"):
    """Error-histogram axis and empty streaming accumulators for a grid or point run.

    Returns ``(log_lo, dlog, istate, fstate, hist, t_edge, hi_m, overflow_possible)``: the
    histogram's first edge and bin width in ``log(error_m)`` (bounds from
    :func:`_error_hist_bounds` for the satellites' radius range
    (:func:`_satellite_radius_range`) and the targets' radii ``r_min .. r_max`` km),
    :func:`_stream_state` (``error_bins`` regular bins plus the overflow bin),
    :func:`_time_edges`, the top of the finite range (m) and whether errors can overflow it.
    """
    rs_min, rs_max = _satellite_radius_range(sats, eph, tg, propagator)
    lo, hi, overflow = _error_hist_bounds(sensors, rs_min, rs_max, r_min, r_max, tilt_rad)
    log_lo = math.log(lo)
    dlog = (math.log(hi) - log_lo) / error_bins
    istate, fstate, hist = _stream_state(n_point, tg.count, error_bins)
    return (log_lo, dlog, istate, fstate, hist, _time_edges(tg), hi, overflow)


def _check_radiometric(sensors, target_intensity_w_sr):
    if target_intensity_w_sr is not None:
        v = float(target_intensity_w_sr)
        if not (math.isfinite(v) and v >= 0.0):
            raise CoverageError(f"target_intensity_w_sr={target_intensity_w_sr!r}: must be a finite number >= 0 W/sr")
        return v
    for s in sensors:
        if s.radiometric:
            raise CoverageError(
                f"target_intensity_w_sr=None: sensor {s.name!r} has a radiometric threshold, so the target's "
                f"in-band intensity (W/sr) is required"
            )
    return None


def _chunk_steps(chunk_steps, n_sat, n_time):
    if chunk_steps is None:
        chunk_steps = max(1, DEFAULT_CHUNK_STATES // max(1, n_sat))
    if isinstance(chunk_steps, bool) or not isinstance(chunk_steps, (int, np.integer)) or chunk_steps < 1:
        raise CoverageError(f"chunk_steps={chunk_steps!r}: must be a positive integer (time samples per chunk)")
    return int(min(chunk_steps, n_time))


def _chunks(sats, eph, grid, propagator, chunk):
    """Yield (k0, positions, valid, error_codes, seconds spent propagating)."""
    n_time = grid.count
    for k0 in range(0, n_time, chunk):
        k1 = min(n_time, k0 + chunk)
        t0 = time.perf_counter()
        if eph is not None:
            pos = np.ascontiguousarray(eph.positions_km[k0:k1])
            valid = np.ascontiguousarray(eph.valid[k0:k1])
            codes = eph.error_codes
        else:
            e = propagate(sats, grid.subgrid(k0, k1), propagator)
            pos = np.ascontiguousarray(e.positions_km)
            valid = np.ascontiguousarray(e.valid)
            codes = e.error_codes
        yield k0, pos, valid & np.all(np.isfinite(pos), axis=-1), codes, time.perf_counter() - t0


def _failed_list(names, codes):

    out = []
    for j in np.flatnonzero(codes):
        c = int(codes[j])
        out.append((names[j], c, ERROR_MESSAGES.get(c, f"error code {c}")))
    return out


def _constellation_summary(sats, eph, propagator):
    if sats is not None:
        n = len(sats)
        src = sorted(set(getattr(sats, "source", []) or []))
        s = f"{n} satellites, propagator {propagator}"
        if src:
            s += ", sources: " + "; ".join(src[:8])
        return s
    return f"{eph.n_sat} satellites, propagator {eph.propagator} (precomputed ephemeris)"


# ---------------------------------------------------------------------------- grid coverage
@dataclass
class _GridRequest:
    """A validated :func:`grid_coverage` request, in the form the kernels take.

    Attributes
    ----------
    sats : SatelliteSet or None
        Satellites to propagate (None when an ephemeris is given).
    eph : Ephemeris or None
        Precomputed positions (None when ``sats`` is given).
    tg : TimeGrid
        The time grid, ``n_time = tg.count`` samples.
    sensors : list of Sensor
    table : ndarray (n_sensor, k) float64
        :func:`constellation.sensors.sensor_table` of ``sensors``.
    sidx : ndarray (n_sat,) int64
        Row of ``table`` used by each satellite.
    names : list of str
        Satellite names (n_sat,).
    chunk : int
        Time samples per chunk.
    """

    sats: SatelliteSet | None
    eph: Ephemeris | None
    tg: TimeGrid
    sensors: list
    table: np.ndarray
    sidx: np.ndarray
    names: list
    chunk: int


def _check_grid_request(sats, time_grid, grid, sensors, target_intensity_w_sr, chunk_steps,
                        error_bins) -> _GridRequest:
    """Validate the inputs of :func:`grid_coverage` (same meanings) and build the sensor table.

    Checked in this order: satellites / ephemeris and time grid, ``grid``, sensors, target
    intensity, sensor indices, ``error_bins``, ``chunk_steps``.

    Raises
    ------
    CoverageError
        Naming the parameter, the value and what is allowed.
    """
    sats, eph, tg = _sats_and_grid(sats, time_grid)
    if not isinstance(grid, RegionGrid):
        raise CoverageError(f"grid: expected a RegionGrid (constellation.grid.region_grid), got {type(grid).__name__}")
    sensors = as_sensor_list(sensors)
    intensity = _check_radiometric(sensors, target_intensity_w_sr)
    table = sensor_table(sensors, intensity)
    sidx = _sensor_index(sats, eph, len(sensors))
    names = list(sats.names) if sats is not None else list(eph.names)
    if isinstance(error_bins, bool) or not isinstance(error_bins, (int, np.integer)) or not 8 <= error_bins <= 65536:
        raise CoverageError(f"error_bins={error_bins!r}: must be an integer in [8, 65536]")
    chunk = _chunk_steps(chunk_steps, len(names), tg.count)
    return _GridRequest(sats, eph, tg, sensors, table, sidx, names, chunk)


@dataclass
class _GridGeometry:
    """Arrays of a :class:`RegionGrid` that the candidate and exact-test kernels take.

    Attributes
    ----------
    n_lon : int
        Points per latitude row.
    pts, ups : ndarray (n_point, 3) float64
        ECEF positions (km) and unit ellipsoid normals, row-major (longitude fastest).
    r_min, r_max : float
        Smallest and largest geocentric radius of the points (km), padded by 1e-12 relative
        so that the candidate bounds hold for every row.
    tilt : float
        Largest normal-to-radius angle on the grid (rad), plus 1e-9.
    row_sin, row_cos : ndarray (n_lat,) float64
        Sine and cosine of each row's geocentric latitude.
    lon0, step, lon_span : float
        First longitude, longitude step and span of the longitude axis (rad).
    """

    n_lon: int
    pts: np.ndarray
    ups: np.ndarray
    r_min: float
    r_max: float
    tilt: float
    row_sin: np.ndarray
    row_cos: np.ndarray
    lon0: float
    step: float
    lon_span: float

    @classmethod
    def from_grid(cls, grid: RegionGrid) -> "_GridGeometry":
        """The kernel arrays of ``grid`` (positions, normals, row trigonometry, padded bounds)."""
        pts = grid.points_ecef_km
        ups = grid.up
        gc_lat, radius = grid.row_geometry()
        return cls(
            n_lon=grid.shape[1],
            pts=pts,
            ups=ups,
            r_min=float(radius.min()) * (1.0 - 1e-12),
            r_max=float(radius.max()) * (1.0 + 1e-12),
            tilt=grid.max_normal_tilt_rad() + 1e-9,
            row_sin=np.sin(gc_lat),
            row_cos=np.cos(gc_lat),
            lon0=math.radians(float(grid.lon_deg[0])),
            step=math.radians(float(grid.step_deg)),
            lon_span=math.radians(float(grid.lon_deg[-1] - grid.lon_deg[0])),
        )


def _candidate_bands(pos, valid, sidx, table, geo):
    """Stage 1 of one chunk: each satellite's band of latitude rows, packed per time step.

    Parameters
    ----------
    pos : ndarray (nc, n_sat, 3) float64
        Satellite ECEF positions (km) of the chunk's ``nc`` samples.
    valid : ndarray (nc, n_sat) bool
    sidx : ndarray (n_sat,) int64
    table : ndarray (n_sensor, k) float64
    geo : _GridGeometry

    Returns
    -------
    band_n : ndarray (nc,) int64
        Non-empty bands per step.
    band_lh, band_f, band_si : ndarray (nc, n_sat, 2) int64, (nc, n_sat, N_BF) float64, (nc, n_sat, 2) int64
        Packed band records of :func:`constellation._candidates.pack_bands`.
    """
    nc, n_sat = pos.shape[:2]
    cos_lam = np.empty((nc, n_sat))
    sls = np.zeros((nc, n_sat))
    cls = np.zeros((nc, n_sat))
    lons = np.zeros((nc, n_sat))
    rlo = np.empty((nc, n_sat), dtype=np.int64)
    rhi = np.empty((nc, n_sat), dtype=np.int64)
    cap_bounds(pos, valid, sidx, table, geo.r_min, geo.r_max, geo.tilt, geo.row_sin, geo.lon0, geo.lon_span,
               cos_lam, sls, cls, lons, rlo, rhi)
    band_n = np.empty(nc, dtype=np.int64)
    band_lh = np.empty((nc, n_sat, 2), dtype=np.int64)
    band_f = np.empty((nc, n_sat, N_BF))
    band_si = np.empty((nc, n_sat, 2), dtype=np.int64)
    pack_bands(pos, sidx, cos_lam, sls, cls, lons, rlo, rhi, band_n, band_lh, band_f, band_si)
    return band_n, band_lh, band_f, band_si


def _exact_pass(bands, table, k0, geo, stream, test_only):
    """Stages 2-4 of one chunk: :func:`constellation._grid.grid_chunk` on the packed bands.

    Parameters
    ----------
    bands : tuple
        :func:`_candidate_bands` of the chunk.
    table : ndarray (n_sensor, k) float64
    k0 : int
        Grid index of the chunk's first sample.
    geo : _GridGeometry
    stream : tuple
        ``(istate, fstate, hist, t_edge, log_lo, dlog, xstate, ghist, weight, sums, avail,
        avail_p, bg, satval)``: the streaming accumulators (updated in place unless ``test_only``), the error
        histogram's axis (see :func:`_metric_state`), the gap-distribution state
        (:func:`_gap_state`), the points' area weights (:func:`region_weights`), the ``(n_time,
        3)`` per-sample sums of the weights at each coverage level (the chunk's rows filled), and
        the availability sums (:func:`_availability_state`; empty = off) with ``p``, and the
        background counts (:func:`_background_state`), and the per-strip, per-satellite value sums
        (:func:`_satellite_value_state`; empty = off).
    test_only : bool
        Run the exact tests alone, without the metric updates (``profile=True`` timing pass).

    Returns
    -------
    int
        Exact tests performed, as the kernel counts them.
    """
    band_n, band_lh, band_f, band_si = bands
    istate, fstate, hist, t_edge, log_lo, dlog, xstate, ghist, weight, sums, avail, avail_p, bg, satval = stream
    nc = band_n.shape[0]
    n_strip = -(-geo.row_sin.shape[0] // TILE_ROWS)
    series = np.zeros((n_strip, nc, N_LEVELS))
    with numba.parallel_chunksize(GRID_ROWS_PER_TASK):
        n = int(grid_chunk(band_n, band_lh, band_f, band_si, table, k0, geo.pts, geo.ups, geo.row_sin,
                           geo.row_cos, geo.lon0, geo.step, geo.n_lon, istate, fstate, hist, t_edge, log_lo,
                           1.0 / dlog, 1 if test_only else 0, xstate, ghist, weight, series, avail,
                           avail_p, bg, satval))
    if not test_only:
        acc = sums[k0:k0 + nc]
        for st in range(n_strip):  # strips in index order: the same sums on any number of threads
            acc += series[st]
    return n


def _grid_chunk_loop(req, geo, propagator, stream, profile, progress, timings):
    """Propagate chunk by chunk and feed each chunk through the candidate and exact stages.

    Parameters
    ----------
    req : _GridRequest
    geo : _GridGeometry
    propagator : str
    stream : tuple
        As :func:`_exact_pass`; the accumulators end up holding the whole run.
    profile : bool
        Also time a test-only pass per chunk (see :func:`grid_coverage`).
    progress : callable or None
        ``progress(samples_done, n_time)`` after each chunk.
    timings : dict
        ``propagation_s``, ``candidate_s``, ``exact_s``, ``metrics_s`` incremented (s).

    Returns
    -------
    codes_all : ndarray (n_sat,) int64
        First non-zero propagation error code of each satellite (0 = none).
    n_tests : int
        Exact tests performed (counted by the fused pass only).
    n_chunks : int
    """
    codes_all = np.zeros(len(req.names), dtype=np.int64)
    n_tests = 0
    n_chunks = 0
    done = 0
    for k0, pos, valid, codes, t_prop in _chunks(req.sats, req.eph, req.tg, propagator, req.chunk):
        timings["propagation_s"] += t_prop
        codes_all = np.where(codes_all == 0, codes, codes_all)
        t0 = time.perf_counter()
        bands = _candidate_bands(pos, valid, req.sidx, req.table, geo)
        t1 = time.perf_counter()
        timings["candidate_s"] += t1 - t0
        t_exact_only = 0.0
        if profile:
            _exact_pass(bands, req.table, k0, geo, stream, test_only=True)
            t2 = time.perf_counter()
            t_exact_only = t2 - t1
            t1 = t2
        n_tests += _exact_pass(bands, req.table, k0, geo, stream, test_only=False)
        t_fused = time.perf_counter() - t1
        if profile:  # fused pass minus the test-only pass = per-step metric updates
            timings["exact_s"] += t_exact_only
            timings["metrics_s"] += max(0.0, t_fused - t_exact_only)
        else:
            timings["exact_s"] += t_fused
        n_chunks += 1
        done += pos.shape[0]
        if progress is not None:
            progress(done, req.tg.count)
    return codes_all, n_tests, n_chunks


def _grid_dataset(out, grid, req, propagator, name, constellation_summary, dlog, error_bins, attrs):
    """Build the grid's dataset: metric variables on ``(lat, lon)``, CF coordinates, attributes.

    Parameters
    ----------
    out : dict of str to ndarray (n_point,)
        :func:`_finalize`'s metrics, row-major.
    grid : RegionGrid
    req : _GridRequest
    propagator, name, constellation_summary, error_bins, attrs
        As :func:`grid_coverage`.
    dlog : float
        Error-histogram bin width in ``log(error_m)``.

    Returns
    -------
    xarray.Dataset
    """
    n_lat, n_lon = grid.shape
    coords = {
        "lat": ("lat", grid.lat_deg.copy(), {"units": "degrees_north", "standard_name": "latitude",
                                             "long_name": "geodetic latitude (WGS84)", "axis": "Y"}),
        "lon": ("lon", grid.lon_deg.copy(), {"units": "degrees_east", "standard_name": "longitude",
                                             "long_name": "longitude", "axis": "X"}),
    }
    data_vars = {k: (("lat", "lon"), v.reshape(n_lat, n_lon)) for k, v in out.items()}
    ds = _make_dataset(data_vars, coords, req.tg, req.sensors, name, constellation_summary or
                       _constellation_summary(req.sats, req.eph, propagator), len(req.names), dlog, error_bins,
                       attrs)
    ds.attrs["target_altitude_km"] = float(grid.altitude_km)
    ds.attrs["grid_step_deg"] = float(grid.step_deg)
    return ds


def grid_coverage(sats, time_grid=None, grid=None, sensors=None, propagator="sgp4", chunk_steps=None,
                  target_intensity_w_sr=None, progress=None, *, name="", constellation_summary=None,
                  error_bins=DEFAULT_ERROR_BINS, profile=False, attrs=None, mask=None,
                  satellite_availability=None, satellite_value=False) -> CoverageResult:
    """Coverage of a regular region grid by a constellation over a time grid.

    Parameters
    ----------
    sats : SatelliteSet or Ephemeris
        Satellites (propagated here chunk by chunk) or precomputed positions (then
        ``time_grid`` must be None or the ephemeris' grid).
    time_grid : TimeGrid
        Samples ``start + k step_s``.
    grid : RegionGrid
        Target points (:func:`constellation.grid.region_grid`).
    sensors : Sensor or list of Sensor
        Sensor types; satellite i uses ``sensors[sats.sensor_index[i]]``.
    propagator : {"sgp4", "j2"}
    chunk_steps : int or None
        Time samples propagated and processed at once (default ~1 Mi satellite states).
    target_intensity_w_sr : float or None
        Target in-band intensity (W/sr), required when a sensor is radiometric.
    progress : callable or None
        ``progress(samples_done, n_time)`` after each chunk.
    name : str
        Scenario name (dataset attribute).
    constellation_summary : str or None
        Dataset attribute (default: count, propagator and sources).
    error_bins : int
        Bins of the triangulation-error histogram (median resolution, see module docstring).
    profile : bool
        Also time the exact tests alone (one extra test-only pass per chunk) so that
        ``timings`` separates ``exact_s`` from the per-step metric updates.
    attrs : dict or None
        Extra dataset attributes.
    mask : array_like of bool (n_lat, n_lon) or None
        The region's points (a polygon's inside) for the region-wide series and gap CDFs
        (:func:`region_weights`); None = the whole grid. Per-point variables cover every point.
    satellite_availability : float or None
        ``p`` in ``(0, 1]``: also compute ``AVAILABILITY_VARIABLES`` (expected coverage with each
        satellite independently available with probability ``p``); None = not computed.
    satellite_value : bool
        Also compute ``SATELLITE_VALUE_VARIABLES`` (dim ``satellite``): each satellite's
        region-mean sole, needed-for-2 and sole-stereo time (:mod:`constellation._satvalue`),
        and the dataset attribute ``window_s`` (``n_time`` x the sample duration).

    Returns
    -------
    CoverageResult
    """
    t_start = time.perf_counter()
    if not isinstance(satellite_value, (bool, np.bool_)):
        raise CoverageError(f"satellite_value={satellite_value!r}: must be True or False")
    req = _check_grid_request(sats, time_grid, grid, sensors, target_intensity_w_sr, chunk_steps, error_bins)
    avail_p = _check_availability(satellite_availability)
    n_sat = len(req.names)
    n_time = req.tg.count
    n_point = grid.n_point
    geo = _GridGeometry.from_grid(grid)
    log_lo, dlog, istate, fstate, hist, t_edge, hi_m, overflow = _metric_state(
        req.sats, req.eph, req.sensors, geo.r_min, geo.r_max, geo.tilt, n_point, req.tg, error_bins, propagator)

    weight = region_weights(grid.lat_deg, grid.lon_deg, mask)
    xstate, ghist = _gap_state(n_point, t_edge)
    sums = np.zeros((n_time, N_LEVELS))

    timings = dict(propagation_s=0.0, candidate_s=0.0, exact_s=0.0, metrics_s=0.0, output_s=0.0)
    avail = _availability_state(n_point, avail_p)
    bg = _background_state(n_point)
    satval = _satellite_value_state(-(-grid.shape[0] // TILE_ROWS), n_sat, bool(satellite_value))
    stream = (istate, fstate, hist, t_edge, log_lo, dlog, xstate, ghist, weight, sums, avail,
              avail_p if avail_p is not None else 1.0, bg, satval)
    codes_all, n_tests, n_chunks = _grid_chunk_loop(req, geo, propagator, stream, profile, progress, timings)

    t0 = time.perf_counter()
    out = _finalize(istate, fstate, hist, t_edge, n_time, log_lo, dlog)
    n_over = int(hist[:, -1].sum())
    del istate, fstate, hist
    gap_out, tops_s, cdfs = _finalize_gaps(xstate, ghist, t_edge, req.tg, weight)
    del xstate, ghist
    timings["metrics_s"] += time.perf_counter() - t0

    t0 = time.perf_counter()
    ds = _grid_dataset(out, grid, req, propagator, name, constellation_summary, dlog, error_bins,
                       dict(attrs or {}, **_overflow_attrs(hi_m, overflow, n_over, out)))
    ds = _add_gap_and_series(ds, req.tg, gap_out, tops_s, cdfs, _series_from_sums(sums, weight), ("lat", "lon"))
    ds = _add_availability(ds, avail, n_time, avail_p, ("lat", "lon"), grid.shape)
    ds = _add_background(ds, bg, n_time, ("lat", "lon"), grid.shape)
    ds = _add_satellite_value(ds, satval, req.names, weight, n_time, _sample_s(req.tg, t_edge))
    timings["output_s"] = time.perf_counter() - t0
    timings["coverage_s"] = timings["candidate_s"] + timings["exact_s"] + timings["metrics_s"]
    timings["total_s"] = time.perf_counter() - t_start
    counters = dict(exact_tests=n_tests, triples=int(n_time) * n_sat * n_point, chunks=n_chunks,
                    chunk_steps=req.chunk, n_time=int(n_time), n_sat=n_sat, n_point=int(n_point))
    return CoverageResult(dataset=ds, timings=timings, failed=_failed_list(req.names, codes_all), counters=counters)


def _finalize(istate, fstate, hist, t_edge, n_time, log_lo, dlog):
    n_point = istate.shape[0]
    out = {k: np.empty(n_point) for k in METRIC_VARIABLES}
    finalize(istate, fstate, hist, t_edge, n_time, log_lo, dlog, out["fraction_1"], out["fraction_2"],
               out["fraction_stereo"], out["mean_count"], out["max_gap_s"], out["mean_gap_s"],
               out["max_gap_stereo_s"], out["median_position_error_m"])
    return out


def _overflow_attrs(hi_m, overflow_possible, n_overflow, out):
    """Dataset attributes describing the error histogram's top and its overflow bin.

    ``median_position_error_hist_top_m``: top of the histogram's finite range (m);
    ``median_position_error_overflow_possible``: 1 when ``stereo_min_angle_deg`` allows errors
    above it (:data:`HIST_THETA_FLOOR_DEG`), else 0; ``median_position_error_overflow_samples``:
    stereo (point, sample) pairs whose best-pair error exceeded the top (all points);
    ``median_position_error_overflow_points``: points whose median fell in the overflow bin
    (their ``median_position_error_m`` is ``+inf``).
    """
    med = out["median_position_error_m"]
    return {
        "median_position_error_hist_top_m": float(hi_m),
        "median_position_error_overflow_possible": int(bool(overflow_possible)),
        "median_position_error_overflow_samples": int(n_overflow),
        "median_position_error_overflow_points": int(np.count_nonzero(np.isposinf(med))),
    }


def _make_dataset(data_vars, coords, tg, sensors, name, constellation_summary, n_sat, dlog, error_bins, attrs):
    ds = xr.Dataset(data_vars=data_vars, coords=coords)
    for k, (units, long_name) in METRIC_VARIABLES.items():
        if k in ds:
            ds[k].attrs.update({"units": units, "long_name": long_name})
    step = tg.step_s
    ds.attrs.update({
        "Conventions": "CF-1.8",
        "title": f"hgv-coverage detection and stereo coverage{': ' + name if name else ''}",
        "scenario_name": str(name),
        "start_utc": tg.iso(0),
        "stop_utc": tg.iso(tg.count - 1),
        "time_coverage_start": tg.iso(0),
        "time_coverage_end": tg.iso(tg.count - 1),
        "step_s": float(step) if step is not None else float("nan"),
        "n_time": int(tg.count),
        "duration_s": float(tg.duration_s),
        "constellation": str(constellation_summary),
        "n_satellites": int(n_sat),
        "sensor": " | ".join(s.summary() for s in sensors),
        "version": _version(),
        "source": "hgv-coverage constellation.coverage",
        "gap_definition": "maximal runs of samples without detection, duration = samples x step_s, "
                          "runs open at the window ends included",
        "median_position_error_method": f"log-uniform histogram, {error_bins} bins plus an overflow bin; median = "
                                        f"mean of the bin centres holding the two middle samples (+inf when one "
                                        f"of them is in the overflow bin)",
        "median_position_error_rel_resolution": float(math.expm1(dlog / 2.0)),
    })
    if attrs:
        for k, v in attrs.items():
            ds.attrs[str(k)] = v if isinstance(v, (int, float, str, np.ndarray)) else str(v)
    return ds


# ---------------------------------------------------------------------------- point lists
def point_coverage(sats, time_grid=None, points=None, sensors=None, propagator="sgp4", chunk_steps=None,
                   target_intensity_w_sr=None, progress=None, *, name="", constellation_summary=None,
                   error_bins=DEFAULT_ERROR_BINS, attrs=None, mask=None,
                   satellite_availability=None) -> CoverageResult:
    """Coverage metrics for a list of named points (dataset dim ``point``).

    Parameters
    ----------
    points : PointSet-like or list
        An object with ``name``, ``lat_deg``, ``lon_deg`` and optionally ``altitude_km``
        (e.g. :class:`constellation.points.PointSet`), or a list of ``(name, lat, lon[, alt])``
        tuples / dicts with those keys.
    mask : array_like of bool (n_point,) or None
        Points taken into the region series and gap CDFs (default all; weights as
        :func:`area_statistics`: cos latitude).
    Other parameters as :func:`grid_coverage`.

    Notes
    -----
    Point lists are short, so every (time, satellite, point) triple is tested
    (:func:`constellation._points.point_chunk`, parallel over points); metrics are the
    same as for grids.
    """

    t_start = time.perf_counter()
    sats, eph, tg = _sats_and_grid(sats, time_grid)
    pnames, lat, lon, alt = _normalise_points(points)
    avail_p = _check_availability(satellite_availability)
    sensors = as_sensor_list(sensors)
    intensity = _check_radiometric(sensors, target_intensity_w_sr)
    table = sensor_table(sensors, intensity)
    sidx = _sensor_index(sats, eph, len(sensors))
    names = list(sats.names) if sats is not None else list(eph.names)
    n_sat = len(names)
    n_time = tg.count
    chunk = _chunk_steps(chunk_steps, n_sat, n_time)
    n_point = lat.size
    pts = np.ascontiguousarray(geodetic_to_ecef(lat, lon, alt))
    ups = np.ascontiguousarray(up_vector(lat, lon))
    radius = np.linalg.norm(pts, axis=-1)
    gc = np.arctan2(pts[:, 2], np.hypot(pts[:, 0], pts[:, 1]))
    tilt = float(np.max(np.abs(np.deg2rad(lat) - gc))) + 1e-9
    log_lo, dlog, istate, fstate, hist, t_edge, hi_m, overflow = _metric_state(
        sats, eph, sensors, float(radius.min()), float(radius.max()), tilt, n_point, tg, error_bins, propagator)
    weight = region_weights(lat, None, mask)
    xstate, ghist = _gap_state(n_point, t_edge)
    sums = np.zeros((n_time, N_LEVELS))
    level = np.zeros((n_point, chunk), dtype=np.int8)
    avail = _availability_state(n_point, avail_p)
    bg = _background_state(n_point)
    timings = dict(propagation_s=0.0, candidate_s=0.0, exact_s=0.0, metrics_s=0.0, output_s=0.0)
    codes_all = np.zeros(n_sat, dtype=np.int64)
    done = 0
    for k0, pos, valid, codes, t_prop in _chunks(sats, eph, tg, propagator, chunk):
        timings["propagation_s"] += t_prop
        codes_all = np.where(codes_all == 0, codes, codes_all)
        t0 = time.perf_counter()
        nc = pos.shape[0]
        lv = level[:, :nc] if nc == chunk else np.zeros((n_point, nc), dtype=np.int8)
        if avail_p is None:
            point_chunk(pos, valid, sidx, table, k0, pts, ups, 1, istate, fstate, hist, t_edge, log_lo,
                        1.0 / dlog, 0, lv, None, 1.0, bg)
        else:
            point_chunk(pos, valid, sidx, table, k0, pts, ups, 1, istate, fstate, hist, t_edge, log_lo,
                        1.0 / dlog, 0, lv, avail, avail_p, bg)
        levels_update(lv, k0, xstate, ghist, t_edge, weight, sums[k0:k0 + nc])
        timings["exact_s"] += time.perf_counter() - t0
        done += pos.shape[0]
        if progress is not None:
            progress(done, n_time)
    t0 = time.perf_counter()
    out = _finalize(istate, fstate, hist, t_edge, n_time, log_lo, dlog)
    n_over = int(hist[:, -1].sum())
    gap_out, tops_s, cdfs = _finalize_gaps(xstate, ghist, t_edge, tg, weight)
    timings["metrics_s"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    coords = {
        "point": ("point", np.arange(n_point)),
        "name": ("point", np.array(pnames, dtype=object), {"long_name": "point name"}),
        "lat": ("point", lat, {"units": "degrees_north", "standard_name": "latitude"}),
        "lon": ("point", lon, {"units": "degrees_east", "standard_name": "longitude"}),
        "altitude_km": ("point", alt, {"units": "km", "long_name": "height above the WGS84 ellipsoid"}),
    }
    data_vars = {k: ("point", v) for k, v in out.items()}
    ds = _make_dataset(data_vars, coords, tg, sensors, name, constellation_summary or
                       _constellation_summary(sats, eph, propagator), n_sat, dlog, error_bins,
                       dict(attrs or {}, **_overflow_attrs(hi_m, overflow, n_over, out)))
    ds = _add_gap_and_series(ds, tg, gap_out, tops_s, cdfs, _series_from_sums(sums, weight), ("point",))
    ds = _add_availability(ds, avail, n_time, avail_p, ("point",), (n_point,))
    ds = _add_background(ds, bg, n_time, ("point",), (n_point,))
    timings["output_s"] = time.perf_counter() - t0
    timings["coverage_s"] = timings["candidate_s"] + timings["exact_s"] + timings["metrics_s"]
    timings["total_s"] = time.perf_counter() - t_start
    counters = dict(exact_tests=int(n_time) * n_sat * n_point, triples=int(n_time) * n_sat * n_point,
                    chunks=-(-n_time // chunk), chunk_steps=chunk, n_time=int(n_time), n_sat=n_sat,
                    n_point=int(n_point))
    return CoverageResult(dataset=ds, timings=timings, failed=_failed_list(names, codes_all), counters=counters)


def _normalise_points(points):
    if points is None:
        raise CoverageError("points: a point list is required")
    if hasattr(points, "lat_deg") and hasattr(points, "lon_deg"):
        names = [str(n) for n in getattr(points, "name", range(len(points.lat_deg)))]
        lat = np.asarray(points.lat_deg, dtype=np.float64).ravel()
        lon = np.asarray(points.lon_deg, dtype=np.float64).ravel()
        alt = np.broadcast_to(np.asarray(getattr(points, "altitude_km", 0.0), dtype=np.float64), lat.shape).copy()
    else:
        names, lat, lon, alt = [], [], [], []
        for i, p in enumerate(points):
            if isinstance(p, dict):
                try:
                    names.append(str(p.get("name", f"P{i}")))
                    lat.append(float(p["lat_deg"]))
                    lon.append(float(p["lon_deg"]))
                    alt.append(float(p.get("altitude_km", 0.0)))
                except (KeyError, TypeError, ValueError):
                    raise CoverageError(f"points[{i}]={p!r}: needs numeric lat_deg and lon_deg") from None
            else:
                try:
                    names.append(str(p[0]))
                    lat.append(float(p[1]))
                    lon.append(float(p[2]))
                    alt.append(float(p[3]) if len(p) > 3 else 0.0)
                except (IndexError, TypeError, ValueError):
                    raise CoverageError(f"points[{i}]={p!r}: expected (name, lat_deg, lon_deg[, altitude_km])") from None
        lat = np.array(lat, dtype=np.float64)
        lon = np.array(lon, dtype=np.float64)
        alt = np.array(alt, dtype=np.float64)
    if lat.size == 0:
        raise CoverageError("points: the point list is empty")
    if np.any(~(np.abs(lat) <= 90.0)):
        raise CoverageError(f"points.lat_deg: values must be within [-90, 90], got {lat[~(np.abs(lat) <= 90)][0]!r}")
    if np.any(~np.isfinite(lon)):
        raise CoverageError("points.lon_deg: values must be finite")
    if np.any(~((alt >= 0.0) & (alt <= 2000.0))):
        raise CoverageError("points.altitude_km: values must be within [0, 2000] km")
    return names, lat, lon, alt


# ---------------------------------------------------------------------------- statistics
def repeated_meridian_columns(lon_deg) -> np.ndarray:
    """Longitude columns that repeat an earlier column's meridian (modulo 360 deg).

    A grid over ``[0, 360]`` (or ``[-180, 180]``) has its last column on the first one's
    meridian: the same points, which area statistics must count once.

    Parameters
    ----------
    lon_deg : array_like (n_lon,)

    Returns
    -------
    ndarray (n_lon,) bool
        True for a column whose ``lon mod 360`` equals that of an earlier column (to 1e-9 deg).
    """
    lon = np.mod(np.asarray(lon_deg, dtype=np.float64), 360.0)
    key = np.round(lon * 1e9).astype(np.int64) % (360 * 10**9)
    _, first = np.unique(key, return_index=True)
    dup = np.ones(lon.size, dtype=bool)
    dup[first] = False
    return dup


def area_statistics(values, lat_deg, lon_deg=None, mask=None) -> dict:
    """Area-weighted mean, minimum and maximum of a grid field or a point list.

    The one implementation behind :func:`region_statistics` and the map titles of
    :mod:`hgvcov.plots`.

    Parameters
    ----------
    values : array_like
        ``(n_lat, n_lon)`` grid field (then ``lat_deg`` is ``(n_lat,)`` and ``lon_deg``
        ``(n_lon,)``) or ``(n_point,)`` point values (``lat_deg`` ``(n_point,)``, ``lon_deg``
        None).
    lat_deg, lon_deg : array_like
    mask : array_like of bool or None
        Points to include, same shape as ``values``; None = all.

    Returns
    -------
    dict
        ``n``: points taken (in ``mask``, value not NaN, a repeated meridian's column
        (:func:`repeated_meridian_columns`) left out so the seam of a ``[0, 360]`` grid counts
        once); ``mean`` = ``sum(w v) / sum(w)`` with ``w = cos(lat)`` (0 on a pole row,
        |lat| >= 90: a pole point has no area) over those points, or their plain mean when
        every weight is 0; ``min``, ``max`` over those points (pole points included). All NaN
        when ``n = 0``. ``+inf`` values are kept (an unbounded median error makes the mean
        ``+inf``).
    """
    v = np.asarray(values, dtype=np.float64)
    lat = np.asarray(lat_deg, dtype=np.float64)
    if v.ndim == 2:
        lat2 = np.broadcast_to(lat[:, None], v.shape)
    else:
        lat2 = np.broadcast_to(lat, v.shape)
    w = np.where(np.abs(lat2) >= 90.0, 0.0, np.cos(np.deg2rad(lat2)))
    take = ~np.isnan(v)
    if mask is not None:
        take &= np.asarray(mask, dtype=bool)
    if v.ndim == 2 and lon_deg is not None:
        take &= ~repeated_meridian_columns(lon_deg)[None, :]
    n = int(take.sum())
    if n == 0:
        return {"n": 0, "mean": math.nan, "min": math.nan, "max": math.nan}
    pos = take & (w > 0.0)
    if pos.any():
        mean = float(np.sum(v[pos] * w[pos]) / np.sum(w[pos]))
    else:
        mean = float(np.mean(v[take]))
    return {"n": n, "mean": mean, "min": float(v[take].min()), "max": float(v[take].max())}


def region_statistics(ds, mask=None) -> dict:
    """Area-weighted (cos latitude) region statistics of a coverage dataset.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`grid_coverage` (dims lat, lon) or :func:`point_coverage` (dim point).
    mask : array_like of bool or None
        Points to include (shape ``(n_lat, n_lon)`` or ``(n_point,)``); None = all.

    Returns
    -------
    dict
        ``n_points`` (in ``mask``; a repeated meridian's column, e.g. 360 deg next to 0 deg,
        counted once); ``<var>_mean`` (cos-lat weighted, pole rows weight 0) and ``<var>_min``
        for ``fraction_1``, ``fraction_2``, ``fraction_stereo``, ``mean_count``;
        ``max_gap_s_worst`` and ``max_gap_stereo_s_worst`` (largest over the points),
        ``mean_gap_s_mean``; ``median_position_error_m_mean`` (weighted over points ever in
        stereo, NaN if none; ``+inf`` when some point's median overflowed the error
        histogram) and ``median_position_error_m_max``; every value so far is
        :func:`area_statistics` of its variable (NaN values left out).
        ``median_position_error_m_overflow_points``: points whose median is ``+inf``
        (``summary.json`` writes infinities as null; this count says why).
        With ``satellite_availability`` set (dataset attribute): that ``p`` as
        ``satellite_availability``, and ``expected_fraction_1/_2/_stereo`` ``_mean`` and ``_min``
        likewise. ``fraction_space_background`` and ``fraction_stereo_space_background``
        ``_mean``, ``_min`` and ``_max`` (when in the dataset).
    """
    lat = np.asarray(ds["lat"].values, dtype=np.float64)
    if "point" in ds.dims:
        shape = (ds.sizes["point"],)
        lon = None
    else:
        shape = (ds.sizes["lat"], ds.sizes["lon"])
        lon = np.asarray(ds["lon"].values, dtype=np.float64)
    if mask is None:
        m = np.ones(shape, dtype=bool)
    else:
        m = np.asarray(mask, dtype=bool)
        if m.shape != shape:
            raise CoverageError(f"mask: shape {m.shape} must equal the dataset's point shape {shape}")
    if lon is not None:
        m = m & ~repeated_meridian_columns(lon)[None, :]
    n = int(m.sum())
    if n == 0:
        raise CoverageError("mask: selects no point")
    out = {"n_points": n}

    def stats(var):
        return area_statistics(np.asarray(ds[var].values, dtype=np.float64), lat, lon, m)

    for var in ("fraction_1", "fraction_2", "fraction_stereo", "mean_count"):
        st = stats(var)
        out[f"{var}_mean"] = st["mean"]
        out[f"{var}_min"] = st["min"]
    out["max_gap_s_worst"] = stats("max_gap_s")["max"]
    out["max_gap_stereo_s_worst"] = stats("max_gap_stereo_s")["max"]
    out["mean_gap_s_mean"] = stats("mean_gap_s")["mean"]
    st = stats("median_position_error_m")
    out["median_position_error_m_mean"] = st["mean"]
    out["median_position_error_m_max"] = st["max"]
    e = np.asarray(ds["median_position_error_m"].values, dtype=np.float64)
    out["median_position_error_m_overflow_points"] = int(np.count_nonzero(np.isposinf(e) & m))
    if "satellite_availability" in ds.attrs:
        out["satellite_availability"] = float(ds.attrs["satellite_availability"])
    for var in AVAILABILITY_VARIABLES:
        if var in ds:
            st = stats(var)
            out[f"{var}_mean"] = st["mean"]
            out[f"{var}_min"] = st["min"]
    for var in BACKGROUND_VARIABLES:
        if var in ds:
            st = stats(var)
            out[f"{var}_mean"] = st["mean"]
            out[f"{var}_min"] = st["min"]
            out[f"{var}_max"] = st["max"]
    return out
