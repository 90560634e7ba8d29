"""Colour scales of the coverage maps: range chosen from the data, discrete levels, colour maps.

A map's colour scale is chosen from the values it shows, so that a 23-50 % field spreads
over the whole colour map instead of a sliver of a fixed 0-100 % scale:

1. The *robust range* of the finite values: their 2nd and 98th percentiles
   (:data:`ROBUST_PERCENTILES`), so that a handful of outliers (a pole row, one coastal
   cell) do not decide the scale; values beyond it get the colour bar's end colours and a
   pointed end ("extend") on the bar.
2. Rounded outwards to *nice* boundaries, 5 to 10 intervals of 1, 2, 2.5 or 5 times a
   power of ten (:class:`matplotlib.ticker.MaxNLocator`), clipped to the variable's
   natural limits (0-100 % for fractions, >= 0 for durations and counts).  A field that
   spans most of 0-100 % therefore gets the full scale.
3. Fractions and durations (gaps) are drawn in those *discrete levels*
   (:class:`matplotlib.colors.BoundaryNorm`): each colour is a range one can read off
   the bar; other variables use a continuous scale between the same ends.

Every part can be overridden per variable (``[output.figures.VARIABLE]`` in a scenario,
``hgvcov map --vmin/--vmax/--levels/--cmap``): ``vmin`` and ``vmax`` in the variable's own
units as stored in ``coverage.nc`` (fractions 0-1, seconds, metres), ``levels`` a number of
equal intervals, a list of boundaries, or 0 for a continuous scale, ``cmap`` any Crameri
(``cmcrameri``) or matplotlib colour map name.

Colour maps are perceptually uniform: Crameri's scientific colour maps (Crameri, Shephard
& Heron 2020, Nature Communications 11, 5444), read straight from the ``cmcrameri``
package's data files (so :mod:`matplotlib.pyplot` is never imported), with matplotlib's
own perceptually uniform maps as the fallback when that package is missing.

colour_scale(var, values, attrs, ...) -> ColourScale
    The scale of one map.
get_colormap(name) -> Colormap
    A Crameri or matplotlib colour map by name (``_r`` reverses).
display_units(var, values, attrs) -> (multiplier, unit, kind)
    How a variable is shown: fractions in %, durations in s / min / h, distances in m / km.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from matplotlib import colormaps as mpl_colormaps
from matplotlib import colors as mcolors
from matplotlib.ticker import MaxNLocator

from hgvcov.plots._common import METRIC_STYLES, MapError

__all__ = ["ROBUST_PERCENTILES", "ColourScale", "colour_scale", "display_units", "get_colormap",
           "colormap_names", "variable_kind"]

#: Percentiles of the finite values that bound the data-driven colour range.
ROBUST_PERCENTILES = (2.0, 98.0)
#: Interval counts the automatic levels aim for (MaxNLocator's nbins is the upper end).
_AUTO_BINS = 8
#: Multiples of a power of ten that boundaries are rounded to.
_NICE_STEPS = [1, 2, 2.5, 5, 10]

# Fallbacks (matplotlib's own perceptually uniform maps) when cmcrameri is not installed.
_FALLBACK = {"batlow": "viridis", "batlow_r": "viridis_r", "lajolla": "magma",
             "lajolla_r": "magma_r", "lipari": "inferno", "lipari_r": "inferno_r",
             "devon": "cividis", "oslo": "cividis", "acton": "plasma"}


# --------------------------------------------------------------------------- colour maps


@functools.lru_cache(maxsize=None)
def _crameri_dir() -> Path | None:
    """Folder of cmcrameri's colour map tables (``cmaps/NAME.txt``), None when not installed."""
    try:
        spec = importlib.util.find_spec("cmcrameri")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    d = Path(spec.origin).parent / "cmaps"
    return d if d.is_dir() else None


def colormap_names() -> list[str]:
    """Every colour map name :func:`get_colormap` accepts (without the ``_r`` variants)."""
    d = _crameri_dir()
    crameri = sorted(p.stem for p in d.glob("*.txt")) if d else []
    return crameri + sorted(n for n in mpl_colormaps if not n.endswith("_r"))


@functools.lru_cache(maxsize=64)
def get_colormap(name: str) -> mcolors.Colormap:
    """A colour map by name: Crameri's (``batlow``, ``lajolla``, ...; ``cmc.`` prefix allowed),
    else matplotlib's registered maps; ``NAME_r`` is the reversed map.

    Crameri maps are read from the ``cmcrameri`` package's 256-entry RGB tables without
    importing it (it imports :mod:`matplotlib.pyplot`).

    Raises
    ------
    MapError
        Unknown name (the message lists a few allowed ones).
    """
    key = str(name)
    if key.startswith("cmc."):
        key = key[4:]
    base, rev = (key[:-2], True) if key.endswith("_r") else (key, False)
    d = _crameri_dir()
    if d is not None and (d / f"{base}.txt").is_file():
        rgb = np.loadtxt(d / f"{base}.txt")
        cmap = mcolors.ListedColormap(rgb, name=base)
        return cmap.reversed() if rev else cmap
    if d is None and key in _FALLBACK:
        return mpl_colormaps[_FALLBACK[key]]
    if key in mpl_colormaps:
        return mpl_colormaps[key]
    raise MapError(f"cmap={name!r}: not a known colour map; allowed: a Crameri map (batlow, lajolla, "
                   "lipari, devon, oslo, ...) or a matplotlib one (viridis, cividis, magma, ...), "
                   "with _r to reverse")


# --------------------------------------------------------------------------- units


def variable_kind(var: str, attrs: Mapping | None = None) -> str:
    """'fraction', 'duration', 'distance', 'count' or 'other': how ``var`` is scaled and shown.

    :data:`hgvcov.plots._common.METRIC_STYLES` first, then the name (``fraction*``,
    ``*_s``, ``*_m``, ``n_*``) and the ``units`` attribute.
    """
    kind = METRIC_STYLES.get(var, {}).get("kind")
    if kind:
        return kind
    units = str((attrs or {}).get("units", ""))
    if "fraction" in var or units in ("1", "fraction"):
        return "fraction"
    if var.endswith("_s") or units == "s":
        return "duration"
    if var.endswith("_m") or units == "m":
        return "distance"
    if var.startswith("n_") or var.endswith("_count"):
        return "count"
    return "other"


def display_units(var: str, values, attrs: Mapping | None = None,
                  kind: str | None = None) -> tuple[float, str, str]:
    """(multiplier, unit label, kind) that ``var`` is shown in.

    Fractions in %, durations in s, min (robust maximum from 2 min) or h (from 2 h),
    distances in m or km (from 5 km), others in their ``units`` attribute.
    """
    kind = kind or variable_kind(var, attrs)
    v = np.asarray(values, float)
    finite = v[np.isfinite(v)]
    top = float(np.percentile(np.abs(finite), ROBUST_PERCENTILES[1])) if finite.size else 0.0
    if kind == "fraction":
        return 100.0, "%", kind
    if kind == "duration":
        if top >= 2 * 3600:
            return 1 / 3600.0, "h", kind
        if top >= 120:
            return 1 / 60.0, "min", kind
        return 1.0, "s", kind
    if kind == "distance":
        return (1e-3, "km", kind) if top >= 5000 else (1.0, "m", kind)
    if kind == "count":
        return 1.0, "", kind
    return 1.0, str((attrs or {}).get("units", "")), kind


# --------------------------------------------------------------------------- the scale


@dataclass(frozen=True)
class ColourScale:
    """The colour scale of one map, in display units.

    Attributes
    ----------
    cmap : Colormap
        Missing values transparent.
    norm : Normalize
        A :class:`~matplotlib.colors.BoundaryNorm` for discrete levels.
    vmin, vmax : float
        Ends of the scale (display units).
    boundaries : ndarray or None
        Level boundaries (display units), None for a continuous scale.
    extend : {'neither', 'min', 'max', 'both'}
        Which ends of the colour bar are pointed: values lie beyond them.
    multiplier : float
        Display value = stored value * multiplier.
    unit : str
        Unit label ('%', 'min', ...; '' for counts).
    kind : str
        :func:`variable_kind`.
    from_data : bool
        True when the range was chosen from the data (no vmin/vmax given).
    """

    cmap: mcolors.Colormap
    norm: mcolors.Normalize
    vmin: float
    vmax: float
    boundaries: np.ndarray | None
    extend: str
    multiplier: float
    unit: str
    kind: str
    from_data: bool


def _natural_limits(kind: str) -> tuple[float, float]:
    """(lowest, highest) value a kind can take, in display units."""
    if kind == "fraction":
        return 0.0, 100.0
    if kind in ("duration", "distance", "count"):
        return 0.0, math.inf
    return -math.inf, math.inf


def _nice_boundaries(lo: float, hi: float, nbins: int, limits: tuple[float, float]) -> np.ndarray:
    """Boundaries at a nice step (1, 2, 2.5, 5 x 10^k) enclosing [lo, hi], at most ``nbins``
    intervals, clipped to ``limits``."""
    loc = MaxNLocator(nbins=nbins, steps=_NICE_STEPS, min_n_ticks=3)
    b = np.asarray(loc.tick_values(lo, hi), float)
    b = b[(b >= limits[0] - 1e-9) & (b <= limits[1] + 1e-9)]
    step = float(np.median(np.diff(b))) if b.size > 1 else 1.0
    # MaxNLocator may stop one step short of the data's ends (it only promises to cover
    # the view interval loosely): extend to enclose both ends.
    while b[0] > lo + 1e-9 * max(1.0, abs(lo)) and b[0] - step >= limits[0] - 1e-9:
        b = np.r_[b[0] - step, b]
    while b[-1] < hi - 1e-9 * max(1.0, abs(hi)) and b[-1] + step <= limits[1] + 1e-9:
        b = np.r_[b, b[-1] + step]
    while b.size > 2 and b[1] <= lo:  # drop boundaries wholly below / above the data
        b = b[1:]
    while b.size > 2 and b[-2] >= hi:
        b = b[:-1]
    return np.round(b, 10)


def _robust_range(shown: np.ndarray) -> tuple[float, float] | None:
    finite = shown[np.isfinite(shown)]
    if not finite.size:
        return None
    lo, hi = np.percentile(finite, ROBUST_PERCENTILES)
    return float(lo), float(hi)


def _widen_flat(lo: float, hi: float, kind: str, limits) -> tuple[float, float]:
    """A range around a (nearly) constant field, so it still gets a readable scale:
    +-5 % for fractions, +-10 % of the value otherwise (at least 1 unit)."""
    if hi - lo > 1e-9 * max(1.0, abs(hi)):
        return lo, hi
    half = 5.0 if kind == "fraction" else max(0.1 * abs(hi), 1.0)
    lo, hi = lo - half, hi + half
    if lo < limits[0]:
        lo, hi = limits[0], min(limits[0] + 2 * half, limits[1])
    if hi > limits[1]:
        lo, hi = max(limits[1] - 2 * half, limits[0]), limits[1]
    return lo, hi


def colour_scale(var: str, values, attrs: Mapping | None = None, *, vmin: float | None = None,
                 vmax: float | None = None, levels: int | Sequence[float] | None = None,
                 cmap: str | None = None) -> ColourScale:
    """The colour scale of a map of ``var`` (see the module docstring for the rules).

    Parameters
    ----------
    var : str
        Variable name (decides the kind, unit and default colour map).
    values : array_like
        The values drawn, in the variable's stored units (fractions 0-1, s, m); NaN ignored.
    attrs : mapping, optional
        The variable's attributes (``units``).
    vmin, vmax : float, optional
        Scale ends in stored units; each given one replaces the data-driven end.
    levels : int, sequence of float or None
        None: discrete levels for fractions and durations, continuous otherwise.  An int
        >= 2: that many equal intervals between the ends; 0 (or 1): continuous.  A sequence:
        the level boundaries themselves (stored units, increasing), which also set the ends.
    cmap : str, optional
        Colour map name (:func:`get_colormap`); default from :data:`METRIC_STYLES`.

    Returns
    -------
    ColourScale

    Raises
    ------
    MapError
        vmin >= vmax, a fraction end outside 0-1, levels not increasing or negative.
    """
    kind = variable_kind(var, attrs)
    v = np.asarray(values, float)
    mult, unit, kind = display_units(var, v, attrs, kind)
    shown = v * mult
    limits = _natural_limits(kind)
    for key, val in (("vmin", vmin), ("vmax", vmax)):
        if val is not None and not math.isfinite(float(val)):
            raise MapError(f"{key}={val!r}: expected a finite number")
        if val is not None and kind == "fraction" and not (0.0 <= float(val) <= 1.0):
            raise MapError(f"{key}={val!r} for {var}: expected a fraction from 0 to 1 "
                           f"(coverage.nc units; {float(val):g} % is {float(val) / 100:g})")
    bounds_given = None
    if levels is not None and not isinstance(levels, (int, np.integer)):
        bounds_given = np.asarray(list(levels), float)
        if bounds_given.size < 2 or not np.all(np.diff(bounds_given) > 0) or \
                not np.isfinite(bounds_given).all():
            raise MapError(f"levels={list(levels)!r}: expected at least two increasing finite "
                           "boundaries (or a number of levels)")
        if kind == "fraction" and (bounds_given[0] < 0 or bounds_given[-1] > 1):
            raise MapError(f"levels={list(levels)!r} for {var}: expected fractions from 0 to 1")
    elif levels is not None and int(levels) < 0:
        raise MapError(f"levels={levels!r}: expected a number of levels >= 2, 0 for a "
                       "continuous scale, or a list of boundaries")

    name = cmap or METRIC_STYLES.get(var, {}).get("cmap") or (
        "lajolla_r" if kind == "duration" else "batlow")
    cm = get_colormap(name).with_extremes(bad=(0.0, 0.0, 0.0, 0.0))

    discrete = kind in ("fraction", "duration") if levels is None else (
        bounds_given is not None or int(levels) >= 2)
    robust = _robust_range(shown)
    from_data = vmin is None and vmax is None and bounds_given is None
    if bounds_given is not None:
        b = bounds_given * mult
        lo, hi = float(b[0]), float(b[-1])
    else:
        r_lo, r_hi = robust if robust is not None else (limits[0] if math.isfinite(limits[0]) else 0.0,
                                                        limits[0] + 1.0 if math.isfinite(limits[0]) else 1.0)
        lo = float(vmin) * mult if vmin is not None else r_lo
        hi = float(vmax) * mult if vmax is not None else r_hi
        if vmin is not None and vmax is not None and lo >= hi:
            raise MapError(f"vmin={vmin!r}, vmax={vmax!r}: expected vmin < vmax")
        if vmin is not None and vmax is None and hi <= lo:
            hi = lo + max(abs(lo) * 0.1, 1.0)
        if vmax is not None and vmin is None and lo >= hi:
            lo = hi - max(abs(hi) * 0.1, 1.0)
        flat = hi - lo <= 1e-9 * max(1.0, abs(hi))
        lo, hi = _widen_flat(lo, hi, kind, limits)
        n_req = int(levels) if isinstance(levels, (int, np.integer)) and int(levels) >= 2 else None
        if n_req is not None:
            b = np.linspace(lo, hi, n_req + 1)
        else:
            b = _nice_boundaries(lo, hi, 4 if flat else _AUTO_BINS, limits)
            # User-given ends are kept exactly; the data-driven ones are rounded outwards.
            if vmin is not None:
                b = np.r_[lo, b[b > lo + 1e-9 * max(1.0, abs(lo))]]
            if vmax is not None:
                b = np.r_[b[b < hi - 1e-9 * max(1.0, abs(hi))], hi]
            lo, hi = float(b[0]), float(b[-1])

    finite = shown[np.isfinite(shown)]
    tol = 1e-9 * max(1.0, abs(hi), abs(lo))
    below = bool(finite.size and finite.min() < lo - tol)
    above = bool(finite.size and finite.max() > hi + tol)
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max",
              (True, True): "both"}[(below, above)]
    if discrete:
        norm = mcolors.BoundaryNorm(b, ncolors=cm.N, extend=extend)
        boundaries = np.asarray(b, float)
    else:
        norm = mcolors.Normalize(vmin=lo, vmax=hi)
        boundaries = None
    return ColourScale(cm, norm, float(lo), float(hi), boundaries, extend, mult, unit, kind, from_data)
