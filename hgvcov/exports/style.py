"""Custody states and their colours: the one definition used by the maps and timelines
(:mod:`hgvcov.plots.overlays` re-exports them) and by the KML and CZML exports.

Kept free of matplotlib and cartopy so that writing the exports loads neither.
"""
from __future__ import annotations

import numpy as np

__all__ = ["CUSTODY_COLORS", "CUSTODY_LABELS", "custody_codes", "custody_runs", "rgba"]

#: Colour of each custody state (as on the maps): no satellite, >= 1 satellite, stereo.
CUSTODY_COLORS = {"none": "#d7301f", "single": "#fdae61", "stereo": "#31e08a"}
#: Legend text of each custody state (as on the maps).
CUSTODY_LABELS = {
    "none": "not detected",
    "single": "custody (1+ satellites, no stereo)",
    "stereo": "stereo track",
}


def _as_bool(x) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype == bool:
        return a
    if a.dtype.kind in "iuf":
        return np.nan_to_num(a.astype(float)) != 0
    return np.array([str(v).strip().lower() in ("true", "1", "yes") for v in a], dtype=bool)


def custody_codes(n_detect, stereo) -> np.ndarray:
    """Custody state per track sample: ``"none"`` (0 satellites), ``"single"`` (>= 1, no
    stereo pair) or ``"stereo"``; ``stereo`` may be booleans, numbers or strings (as read
    back from tracks.csv).  Returns an (n,) array of str."""
    n = np.nan_to_num(np.asarray(n_detect, dtype=float))
    out = np.where(n >= 1, "single", "none").astype(object)
    out[_as_bool(stereo)] = "stereo"
    return out.astype(str)


def custody_runs(states) -> list[tuple[str, int, int]]:
    """Maximal runs of equal state: ``[(state, first index, last index)]`` (inclusive)."""
    s = np.asarray(states)
    if s.size == 0:
        return []
    cut = np.flatnonzero(s[1:] != s[:-1]) + 1
    starts = np.concatenate(([0], cut))
    ends = np.concatenate((cut - 1, [s.size - 1]))
    return [(str(s[a]), int(a), int(b)) for a, b in zip(starts, ends)]


def rgba(hex_rgb: str, alpha: int = 255) -> list[int]:
    """``#rrggbb`` -> ``[r, g, b, a]`` (0-255), CZML's ``rgba``."""
    h = hex_rgb.lstrip("#")
    return [int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), int(alpha)]
