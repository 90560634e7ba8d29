"""Warning-time distributions of a threat ensemble, per aim point: ours against radar.

plot_ensemble_warning(table, ensemble, path)
    One row of ``ensemble.csv`` per flight; for each aim point a box (quartiles, whiskers at
    the 10th and 90th percentiles, as ``summary.json["ensembles"]``) of the warning time
    from the constellation's first stereo fix beside one of the ground radars alone, with
    every flight drawn as a dot.  A warning never given counts as 0 s, as in the summary.
plot_ensemble_corridor(corridor, ensemble, path)
    Map of the fraction of track samples out of custody (seen by no satellite) per cell of
    the ensemble's :class:`hgvcov.ensemble.CorridorGrid`: where the flights slip through.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from hgvcov.plots._common import MapError, atomic_savefig, slug

__all__ = ["plot_ensemble_warning", "plot_ensemble_corridor", "ensemble_figure_name"]

#: (column, label, colour) of the two distributions drawn per aim point.
_SERIES = (("warning_time_s", "constellation (first stereo)", "#1f77b4"),
           ("radar_warning_time_s", "ground radar alone", "#d62728"))


def ensemble_figure_name(ensemble: str, fmt: str = "png", kind: str = "warning") -> str:
    """File name of the ``kind`` ("warning" chart or "corridor" map) of ``ensemble``."""
    return f"ensemble_{kind}_{slug(ensemble)}.{fmt}"


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


def plot_ensemble_corridor(corridor, ensemble: str, path, title: str | None = None,
                           dpi: int = 150):
    """Map (PlateCarree) of the percentage of track samples out of custody per cell.

    Parameters
    ----------
    corridor : hgvcov.ensemble.CorridorGrid
        Counts accumulated over the ensemble's flights.
    ensemble : str
        Its name (title).
    path : str or Path or list of them

    Returns
    -------
    Path or list of Path
    """
    import cartopy.crs as ccrs

    from hgvcov.plots.overlays import add_land

    frac = corridor.uncovered_fraction()
    seen = np.isfinite(frac)
    if not seen.any():
        raise MapError(f"ensemble={ensemble!r}: no flight was flown; nothing to map")
    rows, cols = np.nonzero(seen)
    lat_e, lon_e = corridor.lat_edges_deg, corridor.lon_edges_deg
    margin = 2.0
    lat0 = max(-90.0, lat_e[rows.min()] - margin)
    lat1 = min(90.0, lat_e[rows.max() + 1] + margin)
    lon0, lon1 = lon_e[cols.min()] - margin, lon_e[cols.max() + 1] + margin
    central = 0.5 * (lon0 + lon1)
    fig = Figure(figsize=(7.5, 5.0))
    ax = fig.add_subplot(projection=ccrs.PlateCarree(central_longitude=central))
    ax.set_extent((lon0, lon1, lat0, lat1), crs=ccrs.PlateCarree())
    mesh = ax.pcolormesh(lon_e, lat_e, np.ma.masked_invalid(frac * 100.0),
                         transform=ccrs.PlateCarree(), cmap="magma_r", vmin=0.0, vmax=100.0,
                         zorder=2)
    add_land(ax, (lon0, lon1), (lat0, lat1), central_lon_deg=central, mode="outline", zorder=3)
    gl = ax.gridlines(draw_labels=True, linewidth=0.3, alpha=0.5)
    gl.top_labels = gl.right_labels = False
    cb = fig.colorbar(mesh, ax=ax, shrink=0.8)
    cb.set_label("Track samples out of custody (%)")
    n = int(corridor.n_samples.sum())
    ax.set_title(title or f"Where ensemble {ensemble!r} flies out of custody\n"
                 f"{corridor.step_deg:g} deg cells, {n:,} track samples; blank: no flight",
                 fontsize=10)
    return atomic_savefig(fig, path, dpi=dpi)
