"""Helpers shared by every kind of figure: the error type, atomic PNG writes, and data-set labels.

Everything here is free of cartopy, so the sweep and timeline modules need no map
machinery.  The module is private to :mod:`hgvcov.plots`; its names are public so the
figure modules can share them.

MapError
    Bad input to a plotting function.
METRIC_STYLES
    How each coverage variable is labelled and coloured (maps) and named (sweep axes).
atomic_savefig(fig, path, dpi, tight)
    Write a figure (PNG, PDF or SVG, from each file's extension; one figure to several
    files) to temporary siblings and rename them into place, so an interrupted run never
    leaves a half-written file under a final name.  Vector files keep text as text.
wrap_text(text, width_in, fontsize, bold)
    Break a title into lines that fit a width (measured with the font, not guessed).
halo(width, color)
    The white outline (path effect) that keeps labels and overlays readable on any colour.
slug(name), wrap180(x), first_present(obj, *names), finite_or_none(v)
    Small conversions used while reading summaries, tracks and threat definitions.
dataset_title(dataset, title), dataset_subtitle(dataset), target_altitude_km(dataset, default)
    Title lines built from a coverage data set's attributes.
"""

from __future__ import annotations

import functools
import math
import os
import re
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Mapping

import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

__all__ = [
    "MapError",
    "METRIC_STYLES",
    "FORMAT_OF_SUFFIX",
    "atomic_savefig",
    "background_png_writes",
    "PngWriter",
    "figure_paths",
    "wrap_text",
    "text_width_in",
    "halo",
    "slug",
    "wrap180",
    "first_present",
    "finite_or_none",
    "dataset_title",
    "dataset_subtitle",
    "target_altitude_km",
]

#: How each coverage variable is shown: long name, unit kind and colour map (a Crameri
#: scientific colour map, :mod:`hgvcov.plots.scales`).  Fractions: ``batlow`` (dark blue =
#: little coverage, light = much); durations: ``lajolla_r`` (light = short gaps, dark = long);
#: counts: ``batlow``; distances (errors): ``lipari``.
METRIC_STYLES: dict[str, dict[str, Any]] = {
    "fraction_1": {"long_name": "Time detected by at least 1 satellite", "kind": "fraction", "cmap": "batlow"},
    "fraction_2": {"long_name": "Time detected by at least 2 satellites", "kind": "fraction", "cmap": "batlow"},
    "fraction_stereo": {"long_name": "Time in stereo (convergence-angle) track", "kind": "fraction", "cmap": "batlow"},
    "mean_count": {"long_name": "Mean number of detecting satellites", "kind": "count", "cmap": "batlow"},
    "max_gap_s": {"long_name": "Longest gap with no satellite detecting", "kind": "duration", "cmap": "lajolla_r"},
    "mean_gap_s": {"long_name": "Mean gap with no satellite detecting", "kind": "duration", "cmap": "lajolla_r"},
    "max_gap_stereo_s": {"long_name": "Longest gap without a stereo track", "kind": "duration", "cmap": "lajolla_r"},
    "median_position_error_m": {
        "long_name": "Median stereo triangulation error (1-sigma)",
        "kind": "distance",
        "cmap": "lipari",
    },
    # after losing the k most valuable satellites (hgvcov.run.satvalue)
    "worst_fraction_1": {"long_name": "Time detected by at least 1 satellite, worst-case losses", "kind": "fraction",
                         "cmap": "batlow"},
    "worst_fraction_2": {"long_name": "Time detected by at least 2 satellites, worst-case losses", "kind": "fraction",
                         "cmap": "batlow"},
    "worst_fraction_stereo": {"long_name": "Time in stereo track, worst-case losses", "kind": "fraction",
                              "cmap": "batlow"},
}

#: File format of each figure file extension.
FORMAT_OF_SUFFIX = {".png": "png", ".pdf": "pdf", ".svg": "svg"}


class MapError(ValueError):
    """Bad input to a plotting function (names the parameter, the value and what is allowed)."""


def figure_paths(path) -> list[Path]:
    """``path`` (one path, or several for one figure in several formats) as a list of Paths,
    each with a figure extension (:data:`FORMAT_OF_SUFFIX`); MapError otherwise."""
    paths = [Path(p) for p in ([path] if isinstance(path, (str, os.PathLike)) else path)]
    if not paths:
        raise MapError("path=[]: expected at least one file name")
    for p in paths:
        if p.suffix.lower() not in FORMAT_OF_SUFFIX:
            raise MapError(f"path={str(p)!r}: allowed a file name ending in "
                           + ", ".join(FORMAT_OF_SUFFIX))
    return paths


#: rc settings while saving: vector files keep text as text (SVG <text>, PDF TrueType
#: fonts), and the SVG ids / PDF dates are fixed so the same figure gives the same bytes.
_SAVE_RC = {"svg.fonttype": "none", "pdf.fonttype": 42, "svg.hashsalt": "hgv-coverage"}


class PngWriter:
    """Encodes and writes PNGs on one background thread while the caller draws the next figure
    (zlib compression releases the GIL, so on two cores the two overlap).

    Used through :func:`background_png_writes`; :func:`atomic_savefig` hands it the rendered
    pixels of a PNG-only figure.  Each file is written to a temporary sibling and renamed
    into place, as in the foreground.
    """

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hgvcov-png")
        self._pending: dict[Path, Any] = {}

    def submit(self, path: Path, canvas, dpi: float) -> None:
        """Write the canvas's rendered RGBA buffer to ``path`` as PNG (in the background)."""
        rgba = np.asarray(canvas.buffer_rgba())
        self._pending[path] = self._pool.submit(_write_png, path, rgba, dpi, canvas)

    def wait(self) -> dict[Path, BaseException]:
        """Wait for every pending file; ``{path: exception}`` of those that failed."""
        errors = {}
        for path, fut in list(self._pending.items()):
            try:
                fut.result()
            except BaseException as exc:  # noqa: BLE001 - reported per file to the caller
                errors[path] = exc
        self._pending.clear()
        return errors

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _write_png(path: Path, rgba: np.ndarray, dpi: float, canvas) -> None:
    # ``canvas`` is passed only to keep the rendered buffer alive until it is written.
    import matplotlib.image as mimage

    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}-{id(rgba):x}{path.suffix}")
    try:
        mimage.imsave(tmp, rgba, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


_PNG_WRITER: ContextVar[PngWriter | None] = ContextVar("hgvcov_png_writer", default=None)


@contextmanager
def background_png_writes():
    """Within this block :func:`atomic_savefig` writes PNG-only figures on a background
    thread; the block's end waits for every file.  Yields the :class:`PngWriter`, whose
    :meth:`~PngWriter.wait` reports the files that failed (call it before the block ends
    to handle them; otherwise the first failure is raised when the block ends)."""
    writer = PngWriter()
    token = _PNG_WRITER.set(writer)
    try:
        yield writer
    finally:
        _PNG_WRITER.reset(token)
        errors = writer.wait()
        writer.close()
        if errors:
            raise next(iter(errors.values()))


def atomic_savefig(fig: Figure, path, dpi: int = 150, tight: bool = True):
    """Save ``fig`` to ``path`` (or to each of several paths, one per format), each through a
    temporary sibling renamed into place.

    The format comes from each file's extension (.png, .pdf, .svg).  PNGs are written
    with light zlib compression (level 1: larger files than the default level 6, several times
    faster).  In PDF and SVG files text stays text and raster layers (the coverage cells)
    are embedded at ``dpi``.

    Returns
    -------
    Path or list of Path
        The file written (a list when ``path`` was a list).
    """
    paths = figure_paths(path)
    writer = _PNG_WRITER.get()
    if writer is not None and not tight and all(p.suffix.lower() == ".png" for p in paths):
        # Render here (matplotlib is not thread-safe); encode and write in the background.
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig.set_dpi(dpi)
        fig.patch.set_facecolor("white")
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        for p in paths:
            p.parent.mkdir(parents=True, exist_ok=True)
            writer.submit(p, canvas, dpi)
        return paths[0] if isinstance(path, (str, os.PathLike)) else paths
    tmps = []
    try:
        with matplotlib.rc_context(_SAVE_RC):
            for p in paths:
                p.parent.mkdir(parents=True, exist_ok=True)
                fmt = FORMAT_OF_SUFFIX[p.suffix.lower()]
                tmp = p.with_name(f".{p.stem}.tmp-{os.getpid()}-{id(fig):x}{p.suffix}")
                tmps.append(tmp)
                kw = {"pil_kwargs": {"compress_level": 1}} if fmt == "png" else \
                    {"metadata": {"CreationDate": None} if fmt == "pdf" else {"Date": None}}
                fig.savefig(tmp, dpi=dpi, format=fmt, bbox_inches="tight" if tight else None,
                            facecolor="white", **kw)
        for tmp, p in zip(tmps, paths):
            os.replace(tmp, p)
    finally:
        for tmp in tmps:
            if tmp.exists():
                tmp.unlink()
    return paths[0] if isinstance(path, (str, os.PathLike)) else paths


def halo(width: float = 2.5, color: str = "white", alpha: float = 1.0) -> list:
    """Path effects drawing an outline of ``width`` points under a line or text, so that it
    stays readable over any colour map."""
    return [patheffects.withStroke(linewidth=width, foreground=color, alpha=alpha)]


@functools.lru_cache(maxsize=4096)
def text_width_in(text: str, fontsize: float, bold: bool = False) -> float:
    """Width of ``text`` (one line) in inches at ``fontsize`` points, measured with
    matplotlib's default font."""
    from matplotlib.textpath import TextToPath

    prop = FontProperties(size=fontsize, weight="bold" if bold else "normal")
    w, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return w / 72.0


def wrap_text(text: str, width_in: float, fontsize: float, bold: bool = False) -> list[str]:
    """Break ``text`` (existing line breaks kept) into lines no wider than ``width_in``
    inches, at spaces (a single word wider than the line is cut)."""
    lines: list[str] = []
    for para in str(text).split("\n"):
        words = para.split(" ")
        line = ""
        for w in words:
            cand = w if not line else f"{line} {w}"
            if not line or text_width_in(cand, fontsize, bold) <= width_in:
                line = cand
                continue
            lines.append(line)
            line = w
        while text_width_in(line, fontsize, bold) > width_in and len(line) > 8:
            cut = len(line)
            while cut > 8 and text_width_in(line[:cut], fontsize, bold) > width_in:
                cut -= max(1, cut // 10)
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


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
    """Time span, step, target altitude and sensor of a data set: up to two lines (the
    drawing code wraps them to its width), '' when none is known."""
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
        lines.append(f"sensor {sensor}")
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
