"""Warning-time distributions of a threat ensemble, per aim point: ours against radar.

plot_ensemble_warning(table, ensemble, path)
    One row of ``ensemble.csv`` per flight; for each aim point a box (quartiles, whiskers at
    the 10th and 90th percentiles, as ``summary.json["ensembles"]``) of the warning time
    from the constellation's first stereo fix beside one of the ground radars alone, with
    every flight drawn as a dot.  A warning never given counts as 0 s, as in the summary.
plot_ensemble_corridor(corridor, ensemble, path)
    Map of the fraction of track samples out of custody (seen by no satellite) per cell of
    the ensemble's :class:`hgvcov.ensemble.CorridorGrid`: where the flights slip through;
    the box follows the flights across the antimeridian, in the maps' projection options.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from hgvcov.plots._common import MapError, atomic_savefig, slug

__all__ = ["plot_ensemble_warning", "plot_ensemble_corridor", "ensemble_figure_name",
           "corridor_box"]

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


def corridor_box(corridor, margin_deg: float = 3.0) -> tuple[float, float, float, float]:
    """Smallest lon/lat box ``(lon0, lon1, lat0, lat1)`` (deg) holding every cell some
    flight passed through, plus ``margin_deg``.

    Longitudes are continuous across the antimeridian: the box starts east of the widest
    run of empty columns (circularly), so flights from the Asian mainland past 180 deg give
    e.g. ``(98, 202, ...)``, not the whole globe.  ``lon1 - lon0`` is at most 360.
    """
    seen = corridor.n_samples > 0
    if not seen.any():
        raise MapError("corridor: no track sample; nothing to map")
    rows = np.nonzero(seen.any(axis=1))[0]
    cols = np.nonzero(seen.any(axis=0))[0]
    n_lon = seen.shape[1]
    step = corridor.step_deg
    if cols.size == 1:
        west, width = int(cols[0]), 1
    else:
        gaps = np.diff(np.r_[cols, cols[0] + n_lon])  # empty run after each seen column
        k = int(np.argmax(gaps))
        west = int(cols[(k + 1) % cols.size])
        width = int(cols[k] - west) % n_lon + 1
    lon0 = float(corridor.lon_edges_deg[west]) - margin_deg
    lon1 = lon0 + min(width * step + 2.0 * margin_deg, 360.0)
    lat_e = corridor.lat_edges_deg
    lat0 = max(-90.0, float(lat_e[rows.min()]) - margin_deg)
    lat1 = min(90.0, float(lat_e[rows.max() + 1]) + margin_deg)
    return lon0, lon1, lat0, lat1


def _set_box_view(ax, mp, box) -> None:
    """The axes' view: the projected box's bounding rectangle (edges sampled densely, a
    conic's top edge bulges), a polar disc, or the globe."""
    import matplotlib.path as mpath
    import cartopy.crs as ccrs
    lon0, lon1, lat0, lat1 = box
    c = mp.central_lon_deg
    if mp.frame == "world":
        ax.set_global()
        return
    if mp.frame in ("north", "south"):
        edge = lat0 if mp.frame == "north" else lat1
        x, y = mp.crs.transform_point(c, edge, ccrs.PlateCarree())
        r = float(np.hypot(x, y))
        ax.set_xlim(-r, r)
        ax.set_ylim(-r, r)
        theta = np.linspace(0.0, 2.0 * np.pi, 200)
        ax.set_boundary(mpath.Path(np.column_stack([0.5 + 0.5 * np.cos(theta),
                                                    0.5 + 0.5 * np.sin(theta)])),
                        transform=ax.transAxes)
        return
    if mp.name == "mercator":
        lat0, lat1 = max(lat0, -80.0), min(lat1, 80.0)
    x0 = lon0 - c
    x1 = lon1 - c
    t = np.linspace(0.0, 1.0, 181)
    bx = np.r_[x0 + (x1 - x0) * t, np.full_like(t, x1), x1 - (x1 - x0) * t, np.full_like(t, x0)]
    by = np.r_[np.full_like(t, lat0), lat0 + (lat1 - lat0) * t, np.full_like(t, lat1),
               lat1 - (lat1 - lat0) * t]
    p = mp.crs.transform_points(mp.data_crs, bx, by)[:, :2]
    p = p[np.isfinite(p).all(axis=1)]
    (px0, py0), (px1, py1) = p.min(axis=0), p.max(axis=0)
    ax.set_xlim(px0, px1)
    ax.set_ylim(py0, py1)


def plot_ensemble_corridor(corridor, ensemble: str, path, title: str | None = None,
                           dpi: int = 150, projection: str = "auto", table=None):
    """Map of the percentage of track samples out of custody per cell.

    The map box is the smallest one holding every cell a flight passed
    (:func:`corridor_box`, continuous across the antimeridian), drawn in ``projection``
    (:func:`hgvcov.plots.projections.map_projection`: ``auto`` picks from the box as for
    the coverage maps).  With ``table`` (``ensemble.csv`` rows) the launch points (dots)
    and aim points (labelled diamonds) of the ensemble are drawn on top.

    Parameters
    ----------
    corridor : hgvcov.ensemble.CorridorGrid
        Counts accumulated over the ensemble's flights.
    ensemble : str
        Its name (title).
    path : str or Path or list of them
    title : str, optional
    dpi : int
    projection : str
        ``[output.figures] projection``.
    table : pandas.DataFrame, optional

    Returns
    -------
    Path or list of Path
    """
    import matplotlib.patheffects as pe

    from hgvcov.plots.overlays import add_land
    from hgvcov.plots.projections import map_projection, view_lonlat_box

    frac = corridor.uncovered_fraction()
    if not np.isfinite(frac).any():
        raise MapError(f"ensemble={ensemble!r}: no flight was flown; nothing to map")
    box = corridor_box(corridor)
    lon0, lon1, lat0, lat1 = box
    mp = map_projection(projection, box)
    c = mp.central_lon_deg
    # cells re-ordered to continuous longitudes from the box's west edge (no seam inside)
    step = corridor.step_deg
    n_lon = frac.shape[1]
    j0 = int(np.floor((lon0 + 180.0) / step))
    width = min(int(np.ceil((lon1 - lon0) / step)) + 1, n_lon)
    cols = (j0 + np.arange(width)) % n_lon
    lon_e = -180.0 + step * (j0 + np.arange(width + 1))
    shown = np.ma.masked_invalid(frac[:, cols] * 100.0)

    fig = Figure(figsize=(8.0, 5.5))
    ax = fig.add_subplot(projection=mp.crs)
    _set_box_view(ax, mp, box)
    ax.set_facecolor("#eef3f7")
    mesh = ax.pcolormesh(lon_e - c, corridor.lat_edges_deg, shown, transform=mp.data_crs,
                         cmap="magma_r", vmin=0.0, vmax=100.0, zorder=2)
    lon0_v, lon1_v, lat0_v, lat1_v = view_lonlat_box(ax, mp, box)
    land_box, land_lat = (lon0_v, lon1_v), (lat0_v, lat1_v)
    add_land(ax, land_box, land_lat, central_lon_deg=c, mode="fill", zorder=1)
    add_land(ax, land_box, land_lat, central_lon_deg=c, mode="outline", zorder=3)
    gl = ax.gridlines(draw_labels=True, linewidth=0.3, alpha=0.5, zorder=3.5,
                      x_inline=False, y_inline=False)
    gl.top_labels = gl.right_labels = False
    if table is not None:
        rows = table[table["ensemble"] == ensemble]
        if len(rows):
            lx = (rows["launch_lon_deg"].astype(float).to_numpy() - c + 180.0) % 360.0 - 180.0
            ax.scatter(lx, rows["launch_lat_deg"].astype(float), s=6, color="#1f77b4",
                       transform=mp.data_crs, zorder=4, linewidths=0, label="launch points")
            aims = rows.drop_duplicates("aim")
            if len(aims) <= 12:
                ax.scatter((aims["aim_lon_deg"].astype(float) - c + 180.0) % 360.0 - 180.0,
                           aims["aim_lat_deg"].astype(float), s=40, marker="D",
                           color="#2ca02c", edgecolors="black", linewidths=0.6,
                           transform=mp.data_crs, zorder=5, label="aim points")
                dx = 0.012 * (lon1 - lon0)
                for _, r in aims.iterrows():
                    x = (float(r["aim_lon_deg"]) - c + 180.0) % 360.0 - 180.0
                    east = x > 0.25 * (lon1 - lon0)  # label west of points in the east
                    ax.text(x - dx if east else x + dx, float(r["aim_lat_deg"]) + 0.5 * dx,
                            str(r["aim"]), ha="right" if east else "left",
                            transform=mp.data_crs, fontsize=8, zorder=6,
                            path_effects=[pe.withStroke(linewidth=2.5, foreground="white")])
            ax.legend(loc="lower left", fontsize=7, framealpha=0.8)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    aspect = (y1 - y0) / (x1 - x0)  # colour bar about as tall as a wide map
    cb = fig.colorbar(mesh, ax=ax, shrink=float(min(0.8, max(0.45, 1.1 * aspect))))
    cb.set_label("Track samples out of custody (%)")
    n = int(corridor.n_samples.sum())
    ax.set_title(title or f"Where ensemble {ensemble!r} flies out of custody\n"
                 f"{corridor.step_deg:g} deg cells, {n:,} track samples; blank: no flight",
                 fontsize=10)
    return atomic_savefig(fig, path, dpi=dpi)
