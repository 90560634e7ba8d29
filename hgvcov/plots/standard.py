"""The standard set of figures written by ``hgvcov run``: three coverage maps and one timeline per threat.

It spans two kinds of figure (:mod:`hgvcov.plots.coverage_maps` and
:mod:`hgvcov.plots.timelines`), so it lives apart from both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from hgvcov.plots._common import slug
from hgvcov.plots.coverage_maps import plot_coverage_map
from hgvcov.plots.timelines import plot_timeline

__all__ = ["STANDARD_MAPS", "write_maps"]

#: (file name, variable drawn) of the maps :func:`write_maps` writes, in order.
STANDARD_MAPS = (
    ("map_fraction_1.png", "fraction_1"),
    ("map_fraction_stereo.png", "fraction_stereo"),
    ("map_max_gap.png", "max_gap_s"),
)


def write_maps(
    out_dir,
    dataset,
    title: str | None,
    tracks=None,
    per_threat: Mapping | None = None,
    radar_sites=None,
    threats=None,
    polygon=None,
) -> list[Path]:
    """Write the standard maps and one timeline per threat into ``out_dir``.

    Files: ``map_fraction_1.png``, ``map_fraction_stereo.png`` (with the HGV
    tracks, launch/aim points and radar horizons), ``map_max_gap.png`` and
    ``timeline_<threat>.png`` for every threat in ``tracks`` (threat name
    lower-cased, non-alphanumerics replaced by ``_``, a ``_`` appended
    while two threats would share a name).  Variables missing from
    the data set are skipped.  Each file is written under a temporary name and
    renamed when complete.

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fname, var in STANDARD_MAPS:
        if var not in dataset.variables:
            continue
        on_stereo = var == "fraction_stereo"
        written.append(
            plot_coverage_map(
                dataset,
                var,
                out_dir / fname,
                title=title,
                tracks=tracks if on_stereo else None,
                per_threat=per_threat,
                radar_sites=radar_sites if on_stereo else None,
                threats=threats if on_stereo else None,
                polygon=polygon,
            )
        )
    if tracks is not None and len(tracks):
        used = set()
        for name in dict.fromkeys(tracks["threat"].astype(str)):
            stem = slug(name)
            while stem in used:
                stem += "_"
            used.add(stem)
            written.append(plot_timeline(tracks, per_threat, name, out_dir / f"timeline_{stem}.png", radar_sites=radar_sites))
    return written