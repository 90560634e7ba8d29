"""Threat timelines: altitude, Mach, detecting satellites and custody state of one threat against time.

plot_timeline(tracks_df, per_threat, threat_name, path, radar_sites)
    One PNG per threat, with first detection, first stereo track and the ground
    radar's first detection marked, and the warning times they give.
radar_first_detection_from_tracks_s(track, radar_sites)
    When the first ground radar sees a track, for summaries that lack it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Mapping

import matplotlib.patches
import matplotlib.ticker
import numpy as np
from hgv_models.radar import radar_horizon_km
from matplotlib import colors as mcolors
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from hgvcov.plots._common import MapError, atomic_savefig, finite_or_none, first_present, wrap_text
from hgvcov.plots.overlays import CUSTODY_CODES, CUSTODY_COLORS, custody_state

__all__ = ["PHASE_COLORS", "plot_timeline", "radar_first_detection_from_tracks_s"]

_LEFT = 0.1  # left edge of the panels (figure fraction): room for two-line axis names

#: Background shading of the flight phases (``tracks.csv`` column ``phase``).
#: Greys, so that they are not read as the custody colours (red / orange / green).
PHASE_COLORS = {"boost": "#e4e4e4", "glide": "#f7f7f7", "terminal": "#e4e4e4"}

# Keys looked up in a per-threat summary (first present wins); seconds since launch.
_FIRST_DETECT_KEYS = ("first_detection_s", "time_to_first_detection_s", "first_detect_s")
_FIRST_STEREO_KEYS = ("first_stereo_s", "time_to_first_stereo_s", "first_stereo_track_s")
_RADAR_KEYS = (
    "radar_first_detection_s",
    "first_radar_detection_s",
    "ground_radar_first_detection_s",
    "radar_detection_s",
)
_WARNING_KEYS = ("warning_time_s", "stereo_warning_time_s")
_RADAR_WARNING_KEYS = ("radar_warning_time_s", "ground_radar_warning_time_s")


def radar_first_detection_from_tracks_s(track, radar_sites) -> float:
    """Seconds after launch at which the first ground radar sees a track, NaN if none does.

    A radar sees a target when the great-circle ground range is within both the
    radio horizon ``hgv_models.radar.radar_horizon_km(antenna_height_km,
    target_altitude_km)`` (4/3-Earth refraction) and the site's ``max_range_km``.
    Ground range uses a spherical Earth of mean radius 6371.0088 km (haversine);
    the resulting error (< 0.5 %) is far below the horizon model's.

    Parameters
    ----------
    track : pandas.DataFrame
        One threat's ``tracks.csv`` rows (``time_s``, ``lat_deg``, ``lon_deg``, ``altitude_km``).
    radar_sites : sequence of RadarSite
    """
    if not radar_sites or len(track) == 0:
        return float("nan")
    t = track["time_s"].to_numpy(float)
    t = t - t[0]
    lat = np.radians(track["lat_deg"].to_numpy(float))
    lon = np.radians(track["lon_deg"].to_numpy(float))
    alt = track["altitude_km"].to_numpy(float)
    seen = np.zeros(t.shape, bool)
    for site in radar_sites:
        slat = math.radians(float(first_present(site, "lat_deg")))
        slon = math.radians(float(first_present(site, "lon_deg")))
        h_km = float(first_present(site, "antenna_height_m", default=0.0)) / 1000.0
        a = np.sin((lat - slat) / 2) ** 2 + math.cos(slat) * np.cos(lat) * np.sin((lon - slon) / 2) ** 2
        ground_km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
        horizon = np.asarray(radar_horizon_km(h_km, np.maximum(alt, 0.0)), float)
        max_r = finite_or_none(first_present(site, "max_range_km"))
        ok = ground_km <= horizon
        if max_r is not None:
            ok &= ground_km <= max_r
        seen |= ok
    return float(t[np.argmax(seen)]) if seen.any() else float("nan")


def _threat_rows(tracks_df, threat_name):
    """One threat's ``tracks.csv`` rows sorted by time; MapError naming what is missing or allowed."""
    if "threat" not in tracks_df.columns:
        raise MapError("tracks_df is missing column 'threat'")
    g = tracks_df[tracks_df["threat"].astype(str) == str(threat_name)]
    if len(g) == 0:
        names = sorted(tracks_df["threat"].astype(str).unique())
        raise MapError(f"threat_name={threat_name!r} has no rows in tracks; allowed: {names}")
    for col in ("time_s", "altitude_km", "mach", "n_detect", "stereo"):
        if col not in g.columns:
            raise MapError(f"tracks_df is missing column {col!r}")
    return g.sort_values("time_s")


def _threat_info(per_threat, threat_name) -> Mapping:
    """The threat's summary dict: ``per_threat[threat_name]``, or ``per_threat`` itself when it is
    already that threat's dict; empty when there is none."""
    info = {}
    if per_threat:
        info = per_threat.get(threat_name, per_threat) if isinstance(per_threat, Mapping) else {}
        info = info if isinstance(info, Mapping) else {}
    return info


def _shade_phases(axes, g, x):
    """Shade the flight phases (column ``phase``, if any) on the physical panels and name them on top.

    Each run of equal phase is one span from its first to its last sample, coloured by
    :data:`PHASE_COLORS`; unknown phases are left blank.
    """
    if "phase" not in g.columns:
        return
    ph = g["phase"].astype(str).str.lower().to_numpy()
    edges = np.flatnonzero(ph[1:] != ph[:-1]) + 1
    starts = np.r_[0, edges]
    ends = np.r_[edges, len(ph) - 1]
    for s, e in zip(starts, ends):
        c = PHASE_COLORS.get(ph[s])
        if c:
            for a in axes[:3]:
                a.axvspan(x[s], x[e], color=c, zorder=0, lw=0)
            axes[0].text(0.5 * (x[s] + x[e]), 0.97, ph[s], transform=axes[0].get_xaxis_transform(),
                         ha="center", va="top", fontsize=8, color="#555555")


def _draw_flight_panels(axes, g, x) -> np.ndarray:
    """Draw altitude, Mach (with the Mach 5 hypersonic line) and the number of detecting satellites.

    Returns
    -------
    numpy.ndarray
        The detecting-satellite counts, as floats.
    """
    axes[0].plot(x, g["altitude_km"].to_numpy(float), color="#08519c", lw=1.8)
    axes[0].set_ylabel("Altitude (km)")
    axes[1].plot(x, g["mach"].to_numpy(float), color="#a50f15", lw=1.8)
    axes[1].axhline(5.0, color="#a50f15", lw=0.6, ls=":")
    axes[1].set_ylabel("Mach")
    n = g["n_detect"].to_numpy(float)
    axes[2].step(x, n, where="post", color="#2b2b2b", lw=1.4)
    axes[2].fill_between(x, 0, n, step="post", color="#9ecae1", alpha=0.6)
    axes[2].set_ylabel("Satellites\ndetecting")
    # Whole satellites only, and a scale up to at least 2 so that a threat no satellite
    # sees still reads "0 of 0, 1, 2" (not ticks of 0.000 ... 0.054).
    top = max(2.0, float(np.nanmax(n)) if n.size and np.isfinite(n).any() else 0.0)
    axes[2].yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5, integer=True, min_n_ticks=3))
    axes[2].set_ylim(0.0, top * 1.12)
    for a in axes[:2]:
        a.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    return n


def _draw_custody_strip(ax, x, state, tu):
    """Draw the custody state as a strip of cells (none / single / stereo), one per sample.

    Each cell runs from its sample to the next; the last one is as wide as the step before it
    (1 time unit for a single sample).  The strip carries the time axis label.
    """
    codes = np.array([CUSTODY_CODES[s] for s in state])
    cmap = mcolors.ListedColormap([CUSTODY_COLORS[k] for k in ("none", "single", "stereo")])
    xe = np.r_[x, x[-1] + (x[-1] - x[-2] if len(x) > 1 else 1.0)]
    ax.pcolormesh(xe, [0, 1], codes[None, :], cmap=cmap, vmin=-0.5, vmax=2.5, shading="flat")
    ax.set_yticks([])
    ax.set_ylabel("Custody", rotation=0, ha="right", va="center")
    ax.set_xlabel(f"Time since launch ({tu})")


def _event_times(info, g, t_s, n, state, radar_sites):
    """(first detection, first stereo track, ground radar first detection) in seconds after launch.

    Each is read from the summary ``info`` first; a missing first detection or first stereo
    track is read off the track (``n``, ``state``), and a missing radar detection is computed
    from ``radar_sites`` when the track has positions.  None where there is no such event.
    """
    fd = finite_or_none(first_present(info, *_FIRST_DETECT_KEYS))
    if fd is None and (n >= 1).any():
        fd = float(t_s[np.argmax(n >= 1)])
    fs = finite_or_none(first_present(info, *_FIRST_STEREO_KEYS))
    if fs is None and (state == "stereo").any():
        fs = float(t_s[np.argmax(state == "stereo")])
    rd = finite_or_none(first_present(info, *_RADAR_KEYS))
    if rd is None and radar_sites and "lat_deg" in g.columns and "altitude_km" in g.columns:
        rd = finite_or_none(radar_first_detection_from_tracks_s(g, radar_sites))
    return fd, fs, rd


def _draw_events(axes, fd, fs, rd, tf, tu):
    """Mark the events with vertical lines across every panel; under the time axis, list them
    with their times in one row and the custody colours in the next (never over the data)."""
    events = []
    for t_ev, label, color, ls in (
        (fd, "first detection", "#f08c28", "-"),
        (fs, "first stereo track", "#138d4f", "-"),
        (rd, "ground radar first detection", "#08306b", "--"),
    ):
        if t_ev is None:
            continue
        for a in axes:
            a.axvline(t_ev * tf, color=color, lw=1.6, ls=ls, zorder=5)
        events.append(Line2D([], [], color=color, lw=1.6, ls=ls, label=f"{label}: {t_ev * tf:.1f} {tu}"))
    fig = axes[0].figure
    bottom = axes[3].get_position().y0
    row_h = 0.2 / fig.get_size_inches()[1]
    y = bottom - 0.5 / fig.get_size_inches()[1]
    if events:
        fig.legend(handles=events, loc="upper center", bbox_to_anchor=(0.5 + _LEFT / 2 - 0.0125, y),
                   ncol=len(events), fontsize=8, frameon=False, handlelength=2.4, columnspacing=2.0)
        y -= row_h
    custody_handles = [
        matplotlib.patches.Patch(facecolor=CUSTODY_COLORS[k], edgecolor="#555555", label=f"custody: {lab}")
        for k, lab in (("none", "none"), ("single", "single (1+ satellites)"), ("stereo", "stereo track"))
    ]
    fig.legend(handles=custody_handles, loc="upper center", bbox_to_anchor=(0.5 + _LEFT / 2 - 0.0125, y),
               ncol=3, fontsize=8, frameon=False, columnspacing=2.0)


def _fmt_duration(v) -> str:
    """A duration for the summary line: "none", whole seconds below 2 minutes, else minutes."""
    return "none" if v is None else (f"{v / 60:.1f} min" if v >= 120 else f"{v:.0f} s")


def _whole_seconds(t) -> str:
    """A UTC time string without its fractional seconds (whole seconds are plenty here)."""
    return re.sub(r"\.\d+", "", str(t))


def _draw_titles(fig, info, threat_name, t_s, state, fs, rd) -> float:
    """Write the title and the summary lines above the panels (wrapped to the figure's width);
    returns the height (inches from the bottom) of the last line's baseline.

    The summary gives the vehicle and launch/impact times when known, the flight time, the
    shares of the flight in custody and in stereo, and the warning times from the first stereo
    track and from the ground radar alone.  A warning time missing from the summary is the
    flight time left after that event.
    """
    flight = t_s[-1]
    custody = float(np.mean(state != "none")) * 100
    stereo_pct = float(np.mean(state == "stereo")) * 100
    warn = finite_or_none(first_present(info, *_WARNING_KEYS))
    if warn is None and fs is not None:
        warn = flight - fs
    rwarn = finite_or_none(first_present(info, *_RADAR_WARNING_KEYS))
    if rwarn is None and rd is not None:
        rwarn = flight - rd
    line2 = (
        f"flight {_fmt_duration(flight)}; custody {custody:.0f} % and stereo {stereo_pct:.0f} % of the flight; "
        f"warning from first stereo track {_fmt_duration(warn)} vs ground radar only {_fmt_duration(rwarn)}"
    )
    who = [f"vehicle {v}" for v in (first_present(info, "vehicle"),) if v]
    launch_utc, impact_utc = first_present(info, "launch_utc"), first_present(info, "impact_utc")
    if launch_utc:
        who.append(f"launch {_whole_seconds(launch_utc)}"
                   + (f", impact {_whole_seconds(impact_utc)}" if impact_utc else ""))
    fig_w, fig_h = fig.get_size_inches()
    text_w = fig_w * (1.0 - _LEFT - 0.02)
    lines = wrap_text(f"Threat timeline: {threat_name}", text_w, 12.5, bold=True)
    y_in = fig_h - 0.12
    for line in lines:
        y_in -= 12.5 * 1.3 / 72.0
        fig.text(_LEFT, y_in / fig_h, line, fontsize=12.5, fontweight="bold", ha="left", va="baseline")
    y_in -= 0.06
    for line in wrap_text(("; ".join(who) + "\n" if who else "") + line2, text_w, 8.5):
        y_in -= 8.5 * 1.45 / 72.0
        fig.text(_LEFT, y_in / fig_h, line, fontsize=8.5, ha="left", va="baseline")
    return y_in


def plot_timeline(tracks_df, per_threat: Mapping | None, threat_name: str, path, radar_sites=None, dpi: int = 150) -> Path:
    """Altitude, Mach, detecting satellites and custody state of one threat against time since launch.

    Four panels share the time axis (minutes when the flight lasts over 10 minutes, else
    seconds): altitude, Mach and detecting satellites, shaded by flight phase, and the custody
    strip, with the first detection, first stereo track and ground radar first detection marked
    across all of them, and a summary of the warning times above.

    Parameters
    ----------
    tracks_df : pandas.DataFrame
        ``tracks.csv`` rows (all threats or one); needs ``threat``, ``time_s``,
        ``altitude_km``, ``mach``, ``n_detect``, ``stereo``; ``phase`` shades
        boost / glide / terminal.
    per_threat : mapping, optional
        ``{threat_name: summary dict}`` (or that threat's dict).  Times in
        seconds after launch are read from ``first_detection_s``,
        ``first_stereo_s`` and ``radar_first_detection_s`` (or their older
        names, e.g. ``time_to_first_detection_s``), and warning times from
        ``warning_time_s`` / ``radar_warning_time_s``.  A first detection or
        first stereo track missing from the summary is read off the track, and
        a missing warning time is the flight time left after that event.
    threat_name : str
    path : str or Path
        Destination PNG (temporary name, then renamed).
    radar_sites : sequence of RadarSite, optional
        Used to compute the ground radar's first detection when the summary
        lacks it.

    Returns
    -------
    Path
    """
    g = _threat_rows(tracks_df, threat_name)
    info = _threat_info(per_threat, threat_name)

    t_s = g["time_s"].to_numpy(float)
    t_s = t_s - t_s[0]
    minutes = t_s[-1] > 600
    tf = 1 / 60.0 if minutes else 1.0
    tu = "min" if minutes else "s"
    x = t_s * tf
    state = custody_state(g["n_detect"].to_numpy(), g["stereo"].to_numpy())

    fig = Figure(figsize=(10.0, 7.8))
    fd, fs, rd = _event_times(info, g, t_s, g["n_detect"].to_numpy(float), state, radar_sites)
    title_bottom_in = _draw_titles(fig, info, threat_name, t_s, state, fs, rd)
    # Fixed margins (inches) instead of a "tight" pass: the titles above (as many lines as
    # they took), the time axis and the custody key below.
    gs = fig.add_gridspec(4, 1, height_ratios=[2.2, 1.5, 1.5, 0.55], hspace=0.12, left=_LEFT, right=0.975,
                          top=(title_bottom_in - 0.22) / 7.8, bottom=1.05 / 7.8)
    axes = [fig.add_subplot(gs[i]) for i in range(4)]
    for a in axes[1:]:
        a.sharex(axes[0])

    _shade_phases(axes, g, x)
    _draw_flight_panels(axes, g, x)
    _draw_custody_strip(axes[3], x, state, tu)
    for a in axes[:3]:
        a.grid(True, lw=0.4, alpha=0.5)
        a.tick_params(labelbottom=False)
    pad = 0.012 * (x[-1] - x[0]) if x[-1] > x[0] else 1.0
    axes[0].set_xlim(x[0] - pad, x[-1] + pad)  # events at launch (t = 0) stay visible
    axes[3].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=10, steps=[1, 2, 2.5, 5, 10]))
    _draw_events(axes, fd, fs, rd, tf, tu)
    return atomic_savefig(fig, path, dpi=dpi, tight=False)
