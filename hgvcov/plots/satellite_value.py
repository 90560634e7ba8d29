"""What each satellite buys, as a ranked bar chart read from ``satellites.csv``.

plot_satellite_value(table, path, title=None, top=20)
    The ``top`` satellites by ``sole_coverage_s`` (ties: ``needed_for_2_s``, ``sole_stereo_s``,
    name), most valuable at the top, each with its three figures side by side as horizontal
    bars in minutes (region-mean time during which the satellite is the only detector, one of
    exactly two, in every stereo pair). The figures are the engine's
    (:mod:`constellation.satvalue`); nothing is re-derived here. matplotlib only.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from hgvcov.plots._common import MapError, atomic_savefig

__all__ = ["SATELLITE_VALUE_STYLES", "plot_satellite_value", "SATELLITE_VALUE_FIGURE"]

SATELLITE_VALUE_FIGURE = "satellite_value"
"""Stem of the chart's file name (``satellite_value.png`` and the other formats)."""

#: (satellites.csv column, legend label, colour) of the three bars of each satellite.
SATELLITE_VALUE_STYLES = (
    ("sole_coverage_s", "only satellite detecting (losing it loses coverage)", "#1b9e77"),
    ("needed_for_2_s", "one of exactly two detecting (losing it loses >= 2)", "#7570b3"),
    ("sole_stereo_s", "in every stereo pair (losing it loses stereo)", "#d95f02"),
)


def plot_satellite_value(table, path, title: str | None = None, top: int = 20, dpi: int = 150) -> Path:
    """Ranked horizontal bar chart of the most valuable satellites.

    Parameters
    ----------
    table : pandas.DataFrame
        ``satellites.csv``: ``name`` and the columns of :data:`SATELLITE_VALUE_STYLES` (s).
    path : str or Path, or a list of them
        One file per format (.png, .pdf, .svg), drawn once.
    title : str or None
        Scenario name for the title.
    top : int
        Satellites shown (the most valuable first).
    dpi : int

    Returns
    -------
    Path or list of Path
    """
    cols = [c for c, _, _ in SATELLITE_VALUE_STYLES]
    missing = [c for c in ["satellite", *cols] if c not in table.columns]
    if missing:
        raise MapError(f"table: missing columns {missing}; needs satellite and {cols}")
    vals = table[cols].to_numpy(dtype=float)
    vals = np.where(np.isfinite(vals), vals, 0.0)
    names = table["satellite"].astype(str).to_list()
    order = sorted(range(len(names)), key=lambda i: (-vals[i, 0], -vals[i, 1], -vals[i, 2], names[i]))
    order = order[:max(1, int(top))]
    n = len(order)
    fig = Figure(figsize=(9.5, 1.6 + 0.42 * n), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(n)[::-1].astype(float)  # the most valuable at the top
    h = 0.26
    for c, (_, label, colour) in enumerate(SATELLITE_VALUE_STYLES):
        ax.barh(y + (1 - c) * h, vals[order, c] / 60.0, height=h, color=colour, label=label)
    ax.set_yticks(y, [names[i] for i in order], fontsize=8)
    ax.set_xlabel("region-mean time over the window (minutes)")
    ax.set_xlim(left=0)
    ax.grid(True, axis="x", alpha=0.3)
    if not np.any(vals[order] > 0):
        ax.text(0.5, 0.5, "no satellite is critical anywhere in the region", transform=ax.transAxes,
                ha="center", va="center")
    # below the axes (constrained layout makes room): the longest bars reach the right edge
    fig.legend(loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    head = f"What each satellite buys (top {n} of {len(names)} by sole coverage)"
    if title:
        head += f" — {title}"
    ax.set_title(textwrap.fill(head, 90, break_on_hyphens=False), fontsize=10)
    return atomic_savefig(fig, path, dpi=dpi, tight=False)
