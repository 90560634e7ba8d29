"""Helpers shared by every kind of figure: the error type, atomic PNG writes, and data-set labels.

Everything here is free of cartopy, so the sweep and timeline modules need no map
machinery.  The module is private to :mod:`hgvcov.plots`; its names are public so the
figure modules can share them.

MapError
    Bad input to a plotting function.
METRIC_STYLES
    How each coverage variable is labelled and coloured (maps) and named (sweep axes).
atomic_savefig(fig, path, dpi, tight)
    Write a PNG to a temporary sibling and rename it into place, so an interrupted run
    never leaves a half-written file under the final name.
slug(name), wrap180(x), first_present(obj, *names), finite_or_none(v)
    Small conversions used while reading summaries, tracks and threat definitions.
dataset_title(dataset, title), dataset_subtitle(dataset), target_altitude_km(dataset, default)
    Title lines built from a coverage data set's attributes.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "MapError",
    "METRIC_STYLES",
    "atomic_savefig",
    "slug",
    "wrap180",
    "first_present",
    "finite_or_none",
    "dataset_title",
    "dataset_subtitle",
    "target_altitude_km",
]

#: How each coverage variable is shown: long name, unit kind, colormap, vmin, vmax.
METRIC_STYLES: dict[str, dict[str, Any]] = {
    "fraction_1": {"long_name": "Time detected by at least 1 satellite", "kind": "fraction", "cmap": "cividis"},
    "fraction_2": {"long_name": "Time detected by at least 2 satellites", "kind": "fraction", "cmap": "cividis"},
    "fraction_stereo": {"long_name": "Time in stereo (convergence-angle) track", "kind": "fraction", "cmap": "cividis"},
    "mean_count": {"long_name": "Mean number of detecting satellites", "kind": "count", "cmap": "cividis"},
    "max_gap_s": {"long_name": "Longest gap with no satellite detecting", "kind": "duration", "cmap": "magma_r"},
    "mean_gap_s": {"long_name": "Mean gap with no satellite detecting", "kind": "duration", "cmap": "magma_r"},
    "max_gap_stereo_s": {"long_name": "Longest gap without a stereo track", "kind": "duration", "cmap": "magma_r"},
    "median_position_error_m": {
        "long_name": "Median stereo triangulation error (1-sigma)",
        "kind": "distance",
        "cmap": "plasma",
    },
}


class MapError(ValueError):
    """Bad input to a plotting function (names the parameter, the value and what is allowed)."""


def atomic_savefig(fig: Figure, path: Path, dpi: int = 150, tight: bool = True) -> Path:
    """Save ``fig`` as PNG to a temporary sibling of ``path`` and rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}-{id(fig):x}.png")
    try:
        fig.savefig(tmp, dpi=dpi, format="png", bbox_inches="tight" if tight else None, facecolor="white")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def slug(name: str) -> str:
    """File-name part for ``name``: lower case, runs of non-alphanumerics as ``_`` ('threat' if empty)."""
    s = re.sub(r"[^A-Za-z0-9]+", "_", str(name)).strip("_").lower()
    return s or "threat"


def wrap180(x):
    """Longitudes (degrees) wrapped into [-180, 180)."""
    return (np.asarray(x, dtype=float) + 180.0) % 360.0 - 180.0


def first_present(obj, *names, default=None):
    """First present, non-None attribute / mapping key among ``names`` (``default`` if none).

    Summaries, radar sites and threat definitions arrive as objects or dicts, under
    several historical key names; this reads them all the same way.
    """
    for n in names:
        if isinstance(obj, Mapping):
            if n in obj and obj[n] is not None:
                return obj[n]
        elif getattr(obj, n, None) is not None:
            return getattr(obj, n)
    return default


def finite_or_none(v):
    """``float(v)`` when it is a finite number, else None."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def dataset_title(dataset, title: str | None) -> str:
    """Scenario name and constellation: ``title`` (or the data set's scenario name), plus the
    data set's ``constellation`` attribute when the title does not already contain it."""
    attrs = dict(getattr(dataset, "attrs", {}))
    name = title or first_present(attrs, "scenario_name", "scenario", "name", "title", default="hgv-coverage")
    cons = first_present(attrs, "constellation", "constellation_summary")
    if cons and str(cons) not in str(name):
        return f"{name} — {cons}"
    return str(name)


def dataset_subtitle(dataset) -> str:
    """Time span, step, target altitude and sensor of a data set: up to two lines, '' when none is known."""
    attrs = dict(getattr(dataset, "attrs", {}))
    bits = []
    start = first_present(attrs, "start_utc", "start")
    stop = first_present(attrs, "stop_utc", "stop")
    step = first_present(attrs, "step_s")
    if start and stop:
        bits.append(f"{start} to {stop}")
    elif start:
        bits.append(f"from {start}")
    if step is not None:
        bits.append(f"every {float(step):g} s")
    alt = target_altitude_km(dataset, None)
    if alt is not None:
        bits.append("targets at ground level" if alt == 0 else f"targets at {alt:g} km altitude")
    lines = [", ".join(bits)] if bits else []
    sensor = first_present(attrs, "sensor", "sensor_summary")
    if sensor:
        sensor = f"sensor {sensor}"
        lines.append(sensor if len(sensor) <= 125 else sensor[:122] + "...")
    return "\n".join(lines)


def target_altitude_km(dataset, default):
    """Target altitude of a data set (km): a uniform ``altitude_km`` variable, else an attribute, else ``default``."""
    if dataset is None:
        return default
    if "altitude_km" in getattr(dataset, "coords", {}) or "altitude_km" in getattr(dataset, "variables", {}):
        a = np.asarray(dataset["altitude_km"], float).ravel()
        if a.size and np.isfinite(a).all() and np.all(a == a[0]):
            return float(a[0])
    v = finite_or_none(first_present(dict(dataset.attrs), "altitude_km", "target_altitude_km", "region_altitude_km"))
    return v if v is not None else default
