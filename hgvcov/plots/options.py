"""Figure options: what ``[output.figures]`` (and ``hgvcov map``'s flags) ask of the figures.

The scenario schema (:class:`hgvcov.scenario.schema.FiguresSpec`) validates the TOML table;
this module holds the plain, validated values the drawing code reads, so that
:mod:`hgvcov.plots` does not depend on the schema.

FigureOptions
    Formats, dpi, projection, overlays, coastline resolution, the maps drawn and per-variable
    colour scales.
VariableScale
    ``vmin`` / ``vmax`` / ``levels`` / ``cmap`` of one variable's map.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from hgvcov.plots._common import MapError

__all__ = ["FIGURE_FORMATS", "DEFAULT_MAPS", "OVERLAY_NAMES", "DEFAULT_OVERLAYS", "VariableScale", "FigureOptions"]

#: File formats figures can be written in (matplotlib backends: Agg, pdf, svg).
FIGURE_FORMATS = ("png", "pdf", "svg")
#: The maps ``hgvcov run`` draws by default, in order.
DEFAULT_MAPS = ("fraction_1", "fraction_stereo", "max_gap_s")
#: Overlay layers that can be switched off one by one.
#: Overlays a map can carry; the first three are on by default, ``ground_tracks`` (the
#: satellites' ground tracks stored in coverage.nc) is off unless asked for.
OVERLAY_NAMES = ("tracks", "radars", "area", "ground_tracks")
#: Overlays drawn when ``overlays = true``.
DEFAULT_OVERLAYS = ("tracks", "radars", "area")


@dataclass(frozen=True)
class VariableScale:
    """Colour scale overrides of one variable, in its stored units (fractions 0-1, s, m).

    Attributes
    ----------
    vmin, vmax : float or None
        Scale ends; None chooses that end from the data.
    levels : int, tuple of float or None
        Number of equal intervals (>= 2), 0 for a continuous scale, or the boundaries.
    cmap : str or None
        Colour map name (:func:`hgvcov.plots.scales.get_colormap`).
    """

    vmin: float | None = None
    vmax: float | None = None
    levels: int | tuple[float, ...] | None = None
    cmap: str | None = None

    def as_kwargs(self) -> dict:
        """Keyword arguments for :func:`hgvcov.plots.plot_coverage_map`."""
        return {"vmin": self.vmin, "vmax": self.vmax, "levels": self.levels, "cmap": self.cmap}


@dataclass(frozen=True)
class FigureOptions:
    """The figure settings of a run (``[output.figures]``); the defaults draw what
    ``hgvcov run`` always drew, as PNG.

    Attributes
    ----------
    formats : tuple of str
        File formats, each figure written once per format (:data:`FIGURE_FORMATS`).
    dpi : int
        Resolution of PNGs and of the raster layers (coverage cells) in PDF/SVG.
    projection : str
        Map projection name (:data:`hgvcov.plots.projections.PROJECTION_NAMES`).
    tracks, radars, area : bool
        Overlays on every map: HGV tracks with launch / aim markers, ground-radar sites
        with their horizons, the area-of-interest outline.
    ground_tracks : bool
        The satellites' ground tracks (``ground_track_lat_deg`` / ``_lon_deg`` of
        coverage.nc, ``[output] ground_tracks``) as thin lines; off by default.
    coastlines : str
        'auto' (from the map's extent), 'crude', 'low' or 'intermediate'.
    maps : tuple of str
        Variables of ``coverage.nc`` drawn as maps, in order.
    scales : mapping of str to VariableScale
        Colour scale overrides per variable.
    """

    formats: tuple[str, ...] = ("png",)
    dpi: int = 150
    projection: str = "auto"
    tracks: bool = True
    radars: bool = True
    area: bool = True
    ground_tracks: bool = False
    coastlines: str = "auto"
    maps: tuple[str, ...] = DEFAULT_MAPS
    scales: Mapping[str, VariableScale] = field(default_factory=dict)

    @property
    def overlays(self) -> dict[str, bool]:
        """``{"tracks": ..., "radars": ..., "area": ..., "ground_tracks": ...}``."""
        return {k: getattr(self, k) for k in OVERLAY_NAMES}

    def scale(self, var: str) -> VariableScale:
        """The overrides of ``var`` (all None when it has none)."""
        return self.scales.get(var, VariableScale())

    def map_kwargs(self, var: str) -> dict:
        """Keyword arguments of :func:`hgvcov.plots.plot_coverage_map` for ``var``."""
        return {"dpi": self.dpi, "projection": self.projection, "overlays": self.overlays,
                "resolution": self.coastlines, **self.scale(var).as_kwargs()}

    def with_scale(self, var: str, **overrides) -> "FigureOptions":
        """A copy whose scale of ``var`` has the given non-None fields replaced."""
        current = self.scale(var)
        new = replace(current, **{k: v for k, v in overrides.items() if v is not None})
        return replace(self, scales={**self.scales, var: new})

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any] | None) -> "FigureOptions":
        """Options from an ``[output.figures]`` table (a plain dict, as validated by
        :class:`hgvcov.scenario.schema.FiguresSpec` and dumped; None: the defaults).

        ``overlays`` may be a bool (all on / all off) or a table of
        :data:`OVERLAY_NAMES`; every other table is one variable's scale.
        """
        if not table:
            return cls()
        t = dict(table)
        kw: dict[str, Any] = {}
        if "formats" in t and t["formats"] is not None:
            formats = tuple(str(f).lower().lstrip(".") for f in t.pop("formats"))
            bad = [f for f in formats if f not in FIGURE_FORMATS]
            if bad or not formats:
                raise MapError(f"formats={list(formats)!r}: allowed a non-empty list of "
                               + ", ".join(FIGURE_FORMATS))
            kw["formats"] = tuple(dict.fromkeys(formats))
        for key in ("dpi", "projection", "coastlines"):
            if t.get(key) is not None:
                kw[key] = t.pop(key)
            else:
                t.pop(key, None)
        if t.get("maps") is not None:
            kw["maps"] = tuple(t.pop("maps"))
        else:
            t.pop("maps", None)
        ov = t.pop("overlays", True)
        if isinstance(ov, bool):
            kw.update({k: ov for k in DEFAULT_OVERLAYS})
        elif isinstance(ov, Mapping):
            for k, v in ov.items():
                if k not in OVERLAY_NAMES:
                    raise MapError(f"overlays.{k}: allowed " + ", ".join(OVERLAY_NAMES))
                if v is not None:
                    kw[k] = bool(v)
        scales = {}
        for var, sc in t.items():
            if sc is None:
                continue
            if not isinstance(sc, Mapping):
                raise MapError(f"{var} = {sc!r}: expected a table of vmin, vmax, levels, cmap")
            levels = sc.get("levels")
            if levels is not None and not isinstance(levels, int):
                levels = tuple(float(x) for x in levels)
            scales[var] = VariableScale(
                vmin=None if sc.get("vmin") is None else float(sc["vmin"]),
                vmax=None if sc.get("vmax") is None else float(sc["vmax"]),
                levels=levels, cmap=sc.get("cmap"))
        kw["scales"] = scales
        return cls(**kw)
