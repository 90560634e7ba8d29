"""Region-wide figures read from ``coverage.nc``: coverage over time and the gap-duration CDF.

plot_region_coverage_time(dataset, path, tracks=None, title=None)
    ``region_fraction_1`` / ``_2`` / ``_stereo`` (area-weighted fraction of the region seen
    by >= 1, >= 2 satellites and in stereo) against UTC time, each threat's flight (launch to
    impact, from ``tracks.csv``) shaded and labelled.
plot_gap_cdf(dataset, path, title=None)
    ``region_gap_cdf_1`` / ``_2`` / ``_stereo`` against ``gap_duration_s`` (in minutes): the
    area-weighted share of coverage gaps no longer than a duration.

Both only draw what the engine computed (:mod:`constellation.coverage`); nothing is
re-derived here.  matplotlib only (no map machinery).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from hgvcov.plots._common import MapError, atomic_savefig, dataset_subtitle, dataset_title

__all__ = ["SERIES_STYLES", "plot_region_coverage_time", "plot_gap_cdf", "threat_windows"]

#: (suffix of the variables, legend label, colour, line style) of the three coverage levels.
SERIES_STYLES = (
    ("_1", ">= 1 satellite detecting", "#1b9e77", "-"),
    ("_2", ">= 2 satellites detecting", "#7570b3", "--"),
    ("_stereo", "stereo pair", "#d95f02", "-"),
)
_GAP_LABELS = {"_1": "gaps with no satellite detecting", "_2": "gaps with fewer than 2 detecting",
               "_stereo": "gaps without a stereo pair"}
_TITLE_WIDTH = 80


def _title(dataset, title, what, width=_TITLE_WIDTH):
    """The title (wrapped at ``width`` characters) over the window / sensor lines, each of
    those wrapped too, so a narrow figure never clips them."""
    head = textwrap.fill(f"{what} — {dataset_title(dataset, title)}", width, break_on_hyphens=False)
    sub = dataset_subtitle(dataset)
    lines = [textwrap.fill(line, int(width * 1.3), break_on_hyphens=False) for line in sub.splitlines()] if sub else []
    return "\n".join([head, *lines])


def threat_windows(tracks, dataset) -> list[tuple[str, np.datetime64, np.datetime64]]:
    """Each threat's flight window (launch to impact) in UTC, from ``tracks.csv`` rows.

    Parameters
    ----------
    tracks : pandas.DataFrame or None
        Columns ``threat`` and ``time_s`` (seconds since the scenario start; the track runs
        from launch to impact).
    dataset : xarray.Dataset
        Holds the ``time`` / ``time_s`` coordinates that anchor ``time_s`` in UTC.

    Returns
    -------
    list of (name, start, stop)
        In the order the threats first appear; empty without tracks.
    """
    if tracks is None or not len(tracks) or not {"threat", "time_s"} <= set(tracks.columns):
        return []
    t0 = np.asarray(dataset["time"].values)[0] - np.round(float(dataset["time_s"].values[0]) * 1e9).astype(
        "timedelta64[ns]")
    out = []
    for name in dict.fromkeys(tracks["threat"].astype(str)):
        t = tracks.loc[tracks["threat"].astype(str) == name, "time_s"].to_numpy(float)
        t = t[np.isfinite(t)]
        if not t.size:
            continue
        out.append((name, t0 + np.round(t.min() * 1e9).astype("timedelta64[ns]"),
                    t0 + np.round(t.max() * 1e9).astype("timedelta64[ns]")))
    return out


def _need(dataset, names):
    missing = [n for n in names if n not in dataset.variables]
    if missing:
        raise MapError(f"dataset: variables {missing} are missing (a coverage.nc from an older hgv-coverage?); "
                       f"they are written by constellation.grid_coverage / point_coverage")


def plot_region_coverage_time(dataset, path, tracks=None, title: str | None = None, dpi: int = 150) -> Path:
    """Region coverage over time: the three ``region_fraction_*`` series against UTC time.

    Parameters
    ----------
    dataset : xarray.Dataset
        ``coverage.nc`` contents with ``time`` and ``region_fraction_1`` / ``_2`` / ``_stereo``.
    path : str or Path, or a list of them
        One file per format (.png, .pdf, .svg), drawn once.
        PNG written (atomically).
    tracks : pandas.DataFrame or None
        ``tracks.csv`` rows: each threat's flight is shaded and labelled (:func:`threat_windows`).
    title : str or None
        Scenario name (default: the data set's).

    Returns
    -------
    Path
    """
    names = [f"region_fraction{s}" for s, _, _, _ in SERIES_STYLES]
    _need(dataset, names + ["time"])
    time = np.asarray(dataset["time"].values)
    fig = Figure(figsize=(11, 5.2), layout="constrained")  # no tight bbox: PNG encoded in the background
    ax = fig.add_subplot()
    for (sfx, label, colour, ls), name in zip(SERIES_STYLES, names):
        y = 100.0 * np.asarray(dataset[name].values, float)
        mean = np.nanmean(y) if np.isfinite(y).any() else float("nan")
        ax.plot(time, y, ls, color=colour, lw=1.4, drawstyle="steps-post",
                label=f"{label} (time mean {mean:.1f} %)")
    windows = threat_windows(tracks, dataset)
    for i, (name, a, b) in enumerate(windows):
        ax.axvspan(a, b, color="0.55", alpha=0.18, lw=0)
        ax.annotate(textwrap.shorten(name, 28), xy=(a + (b - a) / 2, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(0, -4 - 11 * (i % 3)), textcoords="offset points", ha="center", va="top", fontsize=8,
                    color="0.25")
    ax.set_ylim(0, 100)
    ax.set_xlim(time[0], time[-1] if time.size > 1 else time[0] + np.timedelta64(1, "s"))
    ax.set_ylabel("area of the region covered (%)")
    ax.set_xlabel("time (UTC)")
    ax.grid(True, alpha=0.3)
    import matplotlib.dates as mdates
    loc = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    handles, labels = ax.get_legend_handles_labels()
    if windows:
        from matplotlib.patches import Patch
        handles.append(Patch(color="0.55", alpha=0.18))
        labels.append("threat flight (launch to impact)")
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=8, frameon=False)
    ax.set_title(_title(dataset, title, "Region coverage over time (area-weighted)"), fontsize=10)
    return atomic_savefig(fig, path, dpi=dpi, tight=False)


def plot_gap_cdf(dataset, path, title: str | None = None, dpi: int = 150) -> Path:
    """Region-wide gap-duration CDF for >= 1, >= 2 and stereo coverage, durations in minutes.

    Parameters
    ----------
    dataset : xarray.Dataset
        With ``gap_duration_s`` and ``region_gap_cdf_1`` / ``_2`` / ``_stereo`` (area-weighted
        share of a point's gaps lasting at most that long).
    path : str or Path, or a list of them
        One file per format (.png, .pdf, .svg), drawn once.
    title : str or None

    Returns
    -------
    Path
    """
    names = [f"region_gap_cdf{s}" for s, _, _, _ in SERIES_STYLES]
    _need(dataset, names + ["gap_duration_s"])
    x_min = np.asarray(dataset["gap_duration_s"].values, float) / 60.0
    fig = Figure(figsize=(11, 5.2), layout="constrained")
    ax = fig.add_subplot()
    drawn = 0
    for (sfx, label, colour, ls), name in zip(SERIES_STYLES, names):
        y = 100.0 * np.asarray(dataset[name].values, float)
        if not np.isfinite(y).any():
            continue
        ax.plot(x_min, y, ls, color=colour, lw=1.6, drawstyle="steps-post", label=_GAP_LABELS[sfx])
        drawn += 1
    if not drawn:
        ax.text(0.5, 0.5, "no coverage gaps in the region", transform=ax.transAxes, ha="center", va="center")
    positive = x_min[x_min > 0]
    if positive.size:  # log axis from the shortest possible gap (one step) to the longest bin
        ax.set_xscale("log")
        ax.set_xlim(positive[0] / 1.25, max(positive[-1], positive[0] * 10))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_ylim(0, 100)
    ax.set_xlabel("gap duration (minutes)")
    ax.set_ylabel("gaps no longer than this (%, area-weighted over points)")
    ax.grid(True, which="both", alpha=0.3)
    if drawn:
        ax.legend(loc="lower right", fontsize=8)
    ax.set_title(_title(dataset, title, "Distribution of coverage-gap durations (revisit)"),
                 fontsize=10)
    return atomic_savefig(fig, path, dpi=dpi, tight=False)
