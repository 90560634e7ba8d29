"""Stage *satellite value* of ``hgvcov run``: what each satellite buys, from one run.

The grid figures come from the coverage stage itself (``grid_coverage(satellite_value=True)``,
``[analysis] satellite_value``, on by default for grid regions); this stage adds the same
figures along every threat's track (:func:`constellation.satvalue.track_satellite_value`) and,
with ``[analysis] worst_case_losses = k``, the greedy worst case after losing the ``k`` most
valuable satellites (:func:`constellation.satvalue.worst_case_losses`, ``k`` grid reruns).

Outputs: ``satellites.csv`` (:data:`SATELLITE_COLUMNS`), ``satellite_tracks.csv``
(:data:`constellation.satvalue.TRACK_VALUE_COLUMNS`), ``worst_fraction_*`` in coverage.nc,
``summary.json["satellites"]`` (:func:`satellite_summary`), the chart ``satellite_value.png``
and the ``map_worst_fraction_*`` maps (:func:`satellite_figure_jobs`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Optional

import numpy as np
import pandas as pd

from constellation.coverage import SATELLITE_VALUE_VARIABLES
from constellation.satvalue import (SATELLITE_FIGURES, TRACK_VALUE_COLUMNS, WORST_CASE_DEFINITION,
                                    WORST_CASE_VARIABLES, rank_satellites, track_satellite_value,
                                    worst_case_losses)

from ..csvformat import write_csv
from ..scenario import Scenario
from ..serialize import jsonable

__all__ = ["SATELLITE_COLUMNS", "SatelliteValue", "check_satellite_value_inputs", "compute_satellite_value", "write_satellite_files",
           "satellite_figure_jobs", "satellite_summary", "TOP_SATELLITES", "WORST_CASE_STAGE"]

#: Columns of ``satellites.csv``, in order.
SATELLITE_COLUMNS = (
    "satellite", "shell", "shell_index", "plane", "index_in_plane",
    "sole_coverage_s", "needed_for_2_s", "sole_stereo_s",
    "sole_coverage_fraction", "needed_for_2_fraction", "sole_stereo_fraction",
    "track_sole_custody_s", "track_needed_for_2_s", "track_sole_stereo_s",
)
#: Satellites listed in ``summary.json["satellites"]["top"]`` (the console names three).
TOP_SATELLITES = 10
#: Name of the worst-case stage's progress task and timing key.
WORST_CASE_STAGE = "worst case"
_DECIMALS = {c: 3 for c in SATELLITE_COLUMNS if c.endswith("_s")} | \
    {c: 9 for c in SATELLITE_COLUMNS if c.endswith("_fraction")}


@dataclass
class SatelliteValue:
    """What the stage computed: the tables, the worst case, the ``summary.json`` block."""

    table: pd.DataFrame
    tracks: Optional[pd.DataFrame]
    worst: Any
    summary: dict


def _shell_columns(scenario: Scenario, n_sat: int) -> dict:
    """``shell`` (summary), ``shell_index``, ``plane`` and ``index_in_plane`` (1-based; empty
    for shells without planes) of every satellite, from the shells as built."""
    shell = np.full(n_sat, "", dtype=object)
    shell_index = np.full(n_sat, -1, dtype=np.int64)
    plane = pd.array([pd.NA] * n_sat, dtype="Int64")
    in_plane = pd.array([pd.NA] * n_sat, dtype="Int64")
    i0 = 0
    for rec, spec in zip(scenario.shells(), scenario.constellation):
        n = int(rec.get("n_satellites", 0))
        sl = slice(i0, min(n_sat, i0 + n))
        shell[sl] = rec.get("summary", "")
        shell_index[sl] = int(rec.get("index", 0))
        planes = getattr(spec, "planes", None)
        if planes and n and n % int(planes) == 0:  # Walker: plane-major, {prefix}-{plane}-{slot}
            per = n // int(planes)
            k = np.arange(sl.stop - sl.start)
            plane[sl] = k // per + 1
            in_plane[sl] = k % per + 1
        i0 += n
    return {"shell": shell, "shell_index": shell_index, "plane": plane, "index_in_plane": in_plane}


def satellite_table(scenario: Scenario, names, dataset, tracks: Optional[pd.DataFrame]) -> pd.DataFrame:
    """``satellites.csv``: one row per satellite (:data:`SATELLITE_COLUMNS`), in the set's order.

    Grid figures from ``dataset`` (NaN when not computed: a point-list region, or
    ``[analysis] satellite_value = false``), fractions of the window ``dataset.attrs["window_s"]``,
    track figures summed over the threats (0 without threats).
    """
    n = len(names)
    cols: dict[str, Any] = {"satellite": list(names)}
    cols.update(_shell_columns(scenario, n))
    have = all(v in dataset for v in SATELLITE_FIGURES)
    window = float(dataset.attrs.get("window_s", np.nan)) if have else np.nan
    for v in SATELLITE_FIGURES:
        cols[v] = np.asarray(dataset[v].values, dtype=np.float64) if have else np.full(n, np.nan)
    for v in SATELLITE_FIGURES:
        cols[v[:-len("_s")] + "_fraction"] = cols[v] / window if window > 0 else np.full(n, np.nan)
    for v in TRACK_VALUE_COLUMNS[2:]:
        if tracks is not None and len(tracks):
            tot = tracks.groupby("satellite", sort=False)[v].sum()
            cols[v] = np.array([float(tot.get(nm, 0.0)) for nm in names])
        else:
            cols[v] = np.zeros(n)
    return pd.DataFrame(cols)[list(SATELLITE_COLUMNS)]


def _worst_into_dataset(ds, worst, region) -> None:
    """``worst_fraction_*`` (lat, lon) with units, definition and the removed satellites; NaN outside a polygon."""
    removed = ", ".join(worst.removed)
    for var, (units, long_name) in WORST_CASE_VARIABLES.items():
        v = np.asarray(worst.fractions[var], dtype=np.float64)
        if region.mask is not None:
            v = np.where(region.mask, v, np.nan)
        ds[var] = (("lat", "lon"), v)
        ds[var].attrs.update({"units": units, "long_name": long_name, "definition": WORST_CASE_DEFINITION,
                              "removed_satellites": removed, "worst_case_losses": len(worst.removed)})


def check_satellite_value_inputs(scenario: Scenario, inputs) -> None:
    """Refuse ``[analysis] worst_case_losses`` of as many satellites as the built constellation has
    (a :class:`ScenarioError` naming the key, exit code 2), before any computation."""
    k = int(getattr(scenario.analysis, "worst_case_losses", 0) or 0)
    n = len(inputs.satellites)
    if k > 0 and k >= n:
        raise scenario.input_error("analysis.worst_case_losses", k,
                                   f"an integer from 0 to {n - 1} (fewer than the {n} satellites of the "
                                   f"constellation)")


def compute_satellite_value(scenario: Scenario, inputs, region, coverage, threats, clock) -> Optional[SatelliteValue]:
    """Stage *satellite value*: track figures, the greedy worst case, the tables and summary.

    None when ``[analysis] satellite_value`` is false. Adds ``worst_fraction_*`` to
    ``coverage.dataset`` when ``worst_case_losses > 0``.
    """
    an = scenario.analysis
    if not getattr(an, "satellite_value", True):
        return None
    sats = inputs.satellites
    track_df = None
    if threats.trajectories:
        with clock.timed("satellite value along tracks"):
            track_df = track_satellite_value(sats, threats.trajectories, inputs.sensors, scenario.time.start,
                                             propagator=scenario.time.propagator)
    worst = None
    k = int(getattr(an, "worst_case_losses", 0) or 0)
    if k > 0:
        check_satellite_value_inputs(scenario, inputs)
        with clock.timed(WORST_CASE_STAGE, total=k) as task:
            worst = worst_case_losses(sats, inputs.time_grid, region.grid, inputs.sensors, k, base=coverage.dataset,
                                      mask=region.mask, progress=lambda i, _n: task(i),
                                      propagator=scenario.time.propagator,
                                      target_intensity_w_sr=scenario.region.target_intensity_w_sr)
        _worst_into_dataset(coverage.dataset, worst, region)
    table = satellite_table(scenario, list(sats.names), coverage.dataset, track_df)
    return SatelliteValue(table, track_df, worst, satellite_summary(table, worst, coverage.dataset))


def satellite_summary(table: pd.DataFrame, worst, dataset) -> dict:
    """``summary.json["satellites"]``: definitions, the top :data:`TOP_SATELLITES`, totals, worst case."""
    figs = table[list(SATELLITE_FIGURES)].to_numpy(dtype=float)
    grid = bool(np.isfinite(figs).all())
    order = rank_satellites(table["satellite"].to_list(), np.where(np.isfinite(figs), figs, 0.0))
    track_cols = list(TRACK_VALUE_COLUMNS[2:])
    top = []
    for i in order[:TOP_SATELLITES]:
        row = table.iloc[int(i)]
        top.append({"satellite": str(row["satellite"]), "shell": str(row["shell"]),
                    **{c: float(row[c]) for c in SATELLITE_FIGURES},
                    **{c: float(row[c]) for c in track_cols}})
    out = {
        "n_satellites": int(len(table)),
        "window_s": float(dataset.attrs.get("window_s", np.nan)) if grid else None,
        "definitions": {k: {"units": u, "definition": d} for k, (u, _, d) in SATELLITE_VALUE_VARIABLES.items()},
        "ranked_by": list(SATELLITE_FIGURES) + ["satellite"],
        "top": top,
        "totals": {**{c: float(np.nansum(table[c])) for c in SATELLITE_FIGURES},
                   **{c: float(np.nansum(table[c])) for c in track_cols}},
        "n_sole_critical": int(np.sum(table["sole_coverage_s"].to_numpy(dtype=float) > 0)) if grid else None,
        "worst_case": None,
    }
    if worst is not None:
        st = worst.statistics
        out["worst_case"] = {
            "worst_case_losses": len(worst.removed),
            "removed": list(worst.removed),
            "removed_figures": [dict(f) for f in worst.removed_figures],
            "definition": WORST_CASE_DEFINITION,
            **{f"worst_{v}_{s}": st[f"{v}_{s}"] for v in ("fraction_1", "fraction_2", "fraction_stereo")
               for s in ("mean", "min")},
            "rerun_s": [float(t) for t in worst.timings],
        }
    return jsonable(out)


def write_satellite_files(tx, sv: Optional[SatelliteValue]) -> None:
    """``satellites.csv`` and, with threats, ``satellite_tracks.csv`` into the transaction ``tx``."""
    if sv is None:
        return
    write_csv(sv.table, tx.path("satellites.csv"), _DECIMALS)
    if sv.tracks is not None:
        write_csv(sv.tracks, tx.path("satellite_tracks.csv"), {c: 3 for c in TRACK_VALUE_COLUMNS[2:]})


def satellite_figure_jobs(sv: Optional[SatelliteValue], dataset, options, title, **overlays) -> list:
    """``(file names, draw)`` of the chart ``satellite_value.*`` and the ``map_worst_fraction_*`` maps.

    ``overlays``: the keyword arguments the standard maps get (``tracks``, ``per_threat``,
    ``radar_sites``, ``threats``, ``polygon``). The worst-case maps take the colour scale of
    the matching ``fraction_*`` map (``[output.figures.fraction_1]`` ...), so the two compare.
    """
    if sv is None:
        return []
    from hgvcov.plots.satellite_value import SATELLITE_VALUE_FIGURE, plot_satellite_value
    jobs = []
    if np.isfinite(sv.table["sole_coverage_s"].to_numpy(dtype=float)).all():
        names = tuple(f"{SATELLITE_VALUE_FIGURE}.{fmt}" for fmt in options.formats)
        jobs.append((names, partial(plot_satellite_value, sv.table, title=title, dpi=options.dpi)))
    for var in WORST_CASE_VARIABLES:
        if var not in dataset.variables:
            continue
        names = tuple(f"map_{var}.{fmt}" for fmt in options.formats)
        jobs.append((names, partial(_draw_map, dataset, var, title=title, **overlays,
                                    **options.map_kwargs(var.replace("worst_", "")))))
    return jobs


def _draw_map(dataset, var, path, **kw):
    from hgvcov.plots.coverage_maps import plot_coverage_map
    return plot_coverage_map(dataset, var, path, **kw)
