"""Sweep plots: one swept metric against a swept parameter, one line per value of another.

plot_sweep(df, x, y, line_by, path)
    Draws ``sweep.csv`` columns with readable axis labels (:func:`pretty_label`,
    :func:`pretty_stat`).
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from hgvcov.plots._common import METRIC_STYLES, MapError, atomic_savefig

__all__ = ["plot_sweep", "pretty_label", "pretty_stat"]

# Axis labels of common swept parameters, by the last part of the column name.
_PRETTY_KEYS = {
    "total": "Number of satellites",
    "altitude_km": "Orbit altitude (km)",
    "field_of_regard_deg": "Field of regard (deg)",
    "inclination_deg": "Inclination (deg)",
    "planes": "Orbit planes",
    "min_elevation_deg": "Minimum elevation (deg)",
    "stereo_min_angle_deg": "Minimum stereo convergence angle (deg)",
    "max_range_km": "Maximum range (km)",
}


def pretty_label(key: str) -> str:
    """Axis label of a swept column: 'constellation[0].total' -> 'Number of satellites' (else the column name)."""
    leaf = re.split(r"[.\]]", str(key))[-1] or str(key)
    return _PRETTY_KEYS.get(leaf, str(key))


_STAT_WORDS = {"mean": "region mean", "min": "region minimum", "max": "region maximum", "worst": "worst in region"}


def pretty_stat(col: str) -> str:
    """'fraction_stereo_mean' / 'fraction_stereo.mean' -> 'Time in stereo ... track, region mean'."""
    for var in sorted(METRIC_STYLES, key=len, reverse=True):
        for sep in ("_", "."):
            if col.startswith(var + sep):
                rest = col[len(var) + 1:]
                return f"{METRIC_STYLES[var]['long_name']}, {_STAT_WORDS.get(rest, rest.replace('_', ' '))}"
    return col.replace("_", " ")


def plot_sweep(df, x: str, y: str, line_by: str | None, path, title: str | None = None, dpi: int = 150) -> Path:
    """One swept metric against a swept parameter, one line per value of another parameter.

    Where other swept parameters vary too, each point is the mean over them and
    a band shows their minimum to maximum.

    Parameters
    ----------
    df : pandas.DataFrame
        ``sweep.csv`` rows.
    x : str
        Column on the x axis (e.g. ``"constellation[0].total"``).
    y : str
        Column on the y axis (e.g. the region mean of ``fraction_stereo``);
        fractions in [0, 1] are shown in %.
    line_by : str or None
        Column whose values give separate lines (e.g. ``"constellation[0].altitude_km"``
        or ``"sensor.field_of_regard_deg"``); None for one line.
    path : str or Path
    title : str, optional

    Returns
    -------
    Path
    """
    for role, col in (("x", x), ("y", y), ("line_by", line_by)):
        if col is not None and col not in df.columns:
            raise MapError(f"{role}={col!r} is not a column of the sweep table; allowed: {list(df.columns)}")
    data = df.dropna(subset=[y])
    yv = data[y].astype(float)
    is_fraction = ("fraction" in y) and yv.between(0.0, 1.0).all()
    yscale = 100.0 if is_fraction else 1.0

    fig = Figure(figsize=(8.5, 5.6))
    ax = fig.add_subplot(1, 1, 1)
    groups = [(None, data)] if line_by is None else list(data.groupby(line_by, sort=True))
    cmap = matplotlib.colormaps["viridis"]
    for i, (val, g) in enumerate(groups):
        color = cmap(0.1 + 0.8 * i / max(len(groups) - 1, 1)) if line_by is not None else "#08519c"
        stats = g.groupby(x)[y].agg(["mean", "min", "max"]).sort_index()
        xs = stats.index.to_numpy(float)
        ax.plot(xs, stats["mean"] * yscale, marker="o", color=color, lw=2,
                label=None if line_by is None else f"{val:g}" if isinstance(val, (int, float)) else str(val))
        if (stats["max"] > stats["min"]).any():
            ax.fill_between(xs, stats["min"] * yscale, stats["max"] * yscale, color=color, alpha=0.15, lw=0)
    ax.set_xlabel(pretty_label(x))
    ylab = pretty_stat(y)
    ax.set_ylabel(f"{ylab} (%)" if is_fraction else ylab)
    if is_fraction:
        ax.set_ylim(0, 103)
    ax.grid(True, lw=0.4, alpha=0.6)
    if line_by is not None:
        ax.legend(title=pretty_label(line_by), fontsize=9, title_fontsize=9, loc="best")
    ax.set_title(title or f"{ylab} vs {pretty_label(x).lower()}", fontsize=10.5, loc="left", fontweight="bold")
    return atomic_savefig(fig, Path(path), dpi=dpi)
