"""The ``hgvcov run`` pipeline: scenario -> coverage.nc, summary.json, tracks.csv, maps.

:func:`run_scenario` calls the stages of :mod:`hgvcov.run.stages` in order:

1. **build** - satellites (all shells, with each shell's sensor index), the time grid, the
   sensor types; then the region (box grid, polygon mask or point list).
2. **estimate** - memory and run time from the problem size *before* anything big is
   allocated; a run whose estimate exceeds the memory available, or the time limit when
   one is given, is refused (:class:`~hgvcov.run.estimate.RunRefused`, exit code 2) with
   the estimate and what to change.
3. **coverage** - :func:`constellation.grid_coverage` (or ``point_coverage``), which
   propagates in time chunks and streams the metrics.
4. **tracks** - each ``[[threat]]`` flown by :func:`hgv_models.threats.fly_threat` and
   scored by :func:`constellation.track_coverage` against the same satellites, with the
   ground-radar-only warning time; access intervals and Monte Carlo launch times when asked.
5. **ground tracks** - the satellites' sub-satellite points (``output.ground_tracks``) are
   added to ``coverage.nc``.
6. **outputs** - ``coverage.nc``, the CSVs, the exports (``output.exports``: GeoTIFFs,
   ``tracks.kml``, ``scenario.czml``) and ``summary.json`` are staged in a hidden
   folder inside ``out_dir`` and renamed into place together only when all of them were
   written (:class:`hgvcov.outputs.OutputTransaction`): a failed or interrupted run leaves
   an earlier run's files untouched.  The same commit removes the files the previous run
   in that folder wrote and this one does not (``.hgvcov-manifest.json``), so the figures
   of the earlier run never sit beside the new data.
   An export that fails is left out and listed in ``summary.json["exports_failed"]``.
7. **figures** - drawn afterwards, one by one, in a second transaction: a figure that fails
   is left out and listed in ``summary.json["figures_failed"]`` (rewritten with the
   figures and the final timings); the data are never lost to a figure.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

from ..outputs import OutputTransaction, check_output_dir
from ..progress import NullProgress, Progress
from ..scenario import Scenario
from ..version import package_version
from ..warmup import finish_flight_compile, start_flight_compile
from .stages import (StageClock, build_inputs, build_region, compute_accesses, compute_coverage,
                     compute_ensembles, compute_ground_tracks, compute_monte_carlo, estimate_memory, report_estimate,
                     score_threats, write_data_files, write_exports, write_figures)
from .satvalue import check_satellite_value_inputs, compute_satellite_value, write_satellite_files
from .summary import annotate_dataset, run_summary, run_timings

__all__ = ["InterruptedAfterData", "run_scenario"]


class InterruptedAfterData(KeyboardInterrupt):
    """Ctrl-C while the figures were drawn: the data files and ``summary.json`` (without
    the figures) were already written; ``summary`` is that summary (with ``out_dir``)."""

    def __init__(self, summary: dict):
        super().__init__()
        self.summary = summary


def run_scenario(scenario: Scenario, out_dir, maps: bool = True,
                 progress: Optional[Progress] = None, json_mode: bool = False,
                 time_limit_s: Optional[float] = None, compile_in_parallel: bool = False,
                 exports: bool = True) -> dict:
    """Run a validated scenario and write its outputs to ``out_dir``.

    Parameters
    ----------
    scenario : Scenario
        From :func:`hgvcov.scenario.load_scenario` / ``default_scenario()``.
    out_dir : path
        Output folder (created).  Files: ``coverage.nc``, ``summary.json``, and when they
        apply ``tracks.csv``, ``accesses.csv``, ``montecarlo.csv``, the exports
        (``*.tif``, ``tracks.kml``, ``scenario.czml``), ``map_*.png``, ``timeline_*.png``.
    maps : bool
        False skips the PNGs (as does ``[output] maps = false``).
    progress : Progress, optional
        Progress reporter (:mod:`hgvcov.progress`); None = silent.
    json_mode : bool
        Accepted for the CLI's ``--json``; the pipeline never prints either way.
    time_limit_s : float, optional
        Refuse a run whose time estimate exceeds it (s); None: no limit (``hgvcov run``
        passes ``--max-time``, ``HGVCOV_TIME_LIMIT_S`` or one hour).
    compile_in_parallel : bool
        On a first run with threats, compile the HGV flight kernels in a child process
        while this one compiles the coverage kernels
        (:func:`hgvcov.warmup.start_flight_compile`; ``hgvcov run`` passes True).
    exports : bool
        False skips the exports (as does ``[output] exports = []``; ``hgvcov run
        --no-exports``).

    Returns
    -------
    dict
        The contents of ``summary.json``, plus ``out_dir`` (the resolved output folder).

    Raises
    ------
    RunRefused
        The estimate does not fit in memory, or exceeds the time limit (nothing was
        allocated or written).
    ScenarioError
        Input files referenced by the scenario are unusable.
    OutputError
        ``out_dir`` cannot be written (checked before any computation).
    InterruptedAfterData
        Ctrl-C while the figures were drawn (a ``KeyboardInterrupt``): the data files
        are written; the exception carries their summary.

    A figure that cannot be drawn does not raise: it is listed in the summary's
    ``figures_failed`` (``[{"name": ..., "message": ...}]``) and every other file is kept;
    likewise an export that cannot be written, in ``exports_failed``.
    """
    progress = progress or NullProgress()
    t_total = time.perf_counter()
    check_output_dir(out_dir)  # refuse an unusable -o DIR now, not after the computation
    clock = StageClock(progress)
    maps = bool(maps and scenario.output.maps)

    inputs = build_inputs(scenario, clock)
    check_satellite_value_inputs(scenario, inputs)  # worst_case_losses < n_sat, before the run
    est = estimate_memory(scenario, inputs, maps, time_limit_s=time_limit_s)  # before the grid
    region = build_region(scenario, clock)
    if est is None:  # a point list from a file: its size is known now
        est = estimate_memory(scenario, inputs, maps, region, time_limit_s=time_limit_s)
    report_estimate(progress, est)

    flight = start_flight_compile() if compile_in_parallel and (scenario.threat or
                                                                    scenario.threat_ensemble) else None
    try:
        coverage = compute_coverage(scenario, inputs, region, clock)
    except BaseException:
        finish_flight_compile(flight, stop=True)
        raise
    finish_flight_compile(flight)
    threats = score_threats(scenario, inputs, clock)
    accesses = compute_accesses(scenario, inputs, region, clock)
    montecarlo, mc_summary = compute_monte_carlo(scenario, inputs, threats, clock)
    ensembles = compute_ensembles(scenario, inputs, clock, region, coverage)
    satvalue = compute_satellite_value(scenario, inputs, region, coverage, threats, clock)
    compute_ground_tracks(scenario, inputs, coverage, clock)

    version = package_version()
    annotate_dataset(coverage.dataset, scenario, inputs, version)
    t_write = time.perf_counter()

    exports_failed: list[dict] = []

    def summary_of(files, figures_failed=()):
        timings = run_timings(clock.seconds, coverage.engine_timings,
                              time.perf_counter() - t_total)
        out = run_summary(scenario, inputs, region, coverage, threats, mc_summary, est,
                          timings, files, version, figures_failed, exports_failed)
        if ensembles is not None:
            out["ensembles"] = ensembles.summary
        if satvalue is not None:
            out["satellites"] = satvalue.summary
        return out

    # The data first, in one transaction: no figure can cost it.
    with OutputTransaction(out_dir) as tx:
        write_data_files(tx, coverage, threats, accesses, montecarlo, clock, ensembles)
        write_satellite_files(tx, satvalue)
        clock.seconds["write"] = time.perf_counter() - t_write
        exports_failed = write_exports(tx, scenario, inputs, coverage, threats, clock,
                                       enabled=exports)
        summary = summary_of(tx.names)
        _write_summary(tx, summary)
    data_files = tx.names
    summary["out_dir"] = str(Path(out_dir).resolve())
    if maps:
        try:
            with OutputTransaction(out_dir, keep=data_files) as ftx:
                failed = write_figures(ftx, scenario, coverage, threats, region, clock,
                                       ensembles, satvalue)
                summary = summary_of(data_files + ftx.names, failed)
                _write_summary(ftx, summary)
        except KeyboardInterrupt as exc:
            raise InterruptedAfterData(summary) from exc
        summary["out_dir"] = str(Path(out_dir).resolve())
    return summary


def _write_summary(tx: OutputTransaction, summary: dict) -> None:
    tx.path("summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
