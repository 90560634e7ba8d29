"""Warning-time distributions of a threat ensemble, per aim point: ours against radar.

plot_ensemble_warning(table, ensemble, path)
    One row of ``ensemble.csv`` per flight; for each aim point a box (quartiles, whiskers at
    the 10th and 90th percentiles, as ``summary.json["ensembles"]``) of the warning time
    from the constellation's first stereo fix beside one of the ground radars alone, with
    every flight drawn as a dot.  A warning never given counts as 0 s, as in the summary.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from hgvcov.plots._common import MapError, atomic_savefig, slug

__all__ = ["plot_ensemble_warning", "ensemble_figure_name"]

#: (column, label, colour) of the two distributions drawn per aim point.
_SERIES = (("warning_time_s", "constellation (first stereo)", "#1f77b4"),
           ("radar_warning_time_s", "ground radar alone", "#d62728"))


def ensemble_figure_name(ensemble: str, fmt: str = "png") -> str:
    """File name of the warning-time chart of ``ensemble``."""
    return f"ensemble_warning_{slug(ensemble)}.{fmt}"


def plot_ensemble_warning(table, ensemble: str, path, title: str | None = None,
                          dpi: int = 150) -> Path:
    """Box-and-dot chart of warning time (min) by aim point, constellation vs radar.

    Parameters
    ----------
    table : pandas.DataFrame
        ``ensemble.csv`` rows (:data:`hgvcov.ensemble.ENSEMBLE_COLUMNS`).
    ensemble : str
        Which ensemble to draw.
    path : str or Path or list of them
        One file per format.
    title : str, optional

    Returns
    -------
    Path or list of Path
    """
    rows = table[(table["ensemble"] == ensemble)]
    if rows.empty:
        raise MapError(f"ensemble={ensemble!r}: no such ensemble in the table; allowed: "
                       f"{sorted(set(table['ensemble']))}")
    aims = list(dict.fromkeys(rows["aim"]))
    fig = Figure(figsize=(max(5.0, 1.6 * len(aims) + 2.5), 4.5))
    ax = fig.add_subplot()
    rng = np.random.default_rng(0)  # dot jitter only
    width = 0.35
    for s, (col, label, colour) in enumerate(_SERIES):
        data, pos = [], []
        for i, aim in enumerate(aims):
            ok = rows[(rows["aim"] == aim) & (rows["status"] == "ok")]
            v = ok[col].astype(float).fillna(0.0).to_numpy() / 60.0
            x = i + (s - 0.5) * width
            if v.size:
                data.append(v)
                pos.append(x)
                ax.scatter(x + rng.uniform(-0.08, 0.08, v.size), v, s=10, color=colour,
                           alpha=0.6, zorder=3, linewidths=0)
        if data:
            ax.boxplot(data, positions=pos, widths=width * 0.8, whis=(10, 90), showfliers=False,
                       patch_artist=True, manage_ticks=False,
                       boxprops={"facecolor": colour, "alpha": 0.25, "edgecolor": colour},
                       medianprops={"color": colour, "linewidth": 2},
                       whiskerprops={"color": colour}, capprops={"color": colour})
        ax.plot([], [], color=colour, linewidth=6, alpha=0.4, label=label)
    labels = []
    for aim in aims:
        g = rows[rows["aim"] == aim]
        bad = int((g["status"] != "ok").sum())
        labels.append(f"{aim}\n{len(g) - bad} flown" + (f", {bad} unreachable" if bad else ""))
    ax.set_xticks(range(len(aims)), labels)
    ax.set_xlim(-0.7, len(aims) - 0.3)
    ax.set_ylabel("Warning time before impact (min)")
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(title or f"Warning time by aim point: ensemble {ensemble!r}\n"
                 "boxes: quartiles, whiskers: 10th-90th percentile; never warned = 0",
                 fontsize=10)
    return atomic_savefig(fig, path, dpi=dpi)
