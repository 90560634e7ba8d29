"""hgvcov.exports: a run's results in the files GIS and 3-D tools read.

Written by ``hgvcov run`` next to ``coverage.nc`` (``[output] exports``, default all three;
``--no-exports`` or ``exports = []`` for none), in the same output transaction as the data:

``geotiff``
    ``<variable>.tif`` for every gridded map variable (EPSG:4326, north-up, NaN nodata,
    ``units`` / ``long_name`` tags): :mod:`hgvcov.exports.geotiff` (rioxarray).  None for
    a point region.
``kml``
    ``tracks.kml``: HGV tracks coloured by custody, launch / aim points, ground radars and
    their horizons: :mod:`hgvcov.exports.kml` (fastkml).  None without threats.
``czml``
    ``scenario.czml``: satellites, HGV tracks and custody intervals for Cesium:
    :mod:`hgvcov.exports.czml` (czml3).

Also here: the CF grid mapping that makes ``coverage.nc`` open in GDAL / QGIS with its CRS
(:mod:`hgvcov.exports.crs`), and the satellites' ground tracks stored in ``coverage.nc``
(:mod:`hgvcov.exports.ground_tracks`).

The export libraries (rioxarray, fastkml, czml3) are imported only when an export is
written (:func:`write_exports`), so ``import hgvcov.exports`` stays light.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Optional

from .crs import CRS_VARIABLE, add_grid_mapping

__all__ = ["EXPORT_KINDS", "CRS_VARIABLE", "add_grid_mapping", "write_exports"]

#: The exports ``[output] exports`` may name, in writing order.
EXPORT_KINDS = ("geotiff", "kml", "czml")


class _Recorder:
    """Wraps ``path_for`` and remembers the names asked for (to discard them on failure)."""

    def __init__(self, path_for: Callable[[str], Path]):
        self.path_for = path_for
        self.names: list[str] = []

    def __call__(self, name: str) -> Path:
        self.names.append(name)
        return self.path_for(name)


def write_exports(kinds: Iterable[str], path_for: Callable[[str], Path], *, dataset,
                  title: str = "", start=None, duration_s: float = 0.0,
                  scenario_step_s: float = 60.0, satellite_names=(),
                  satellite_positions: Optional[Callable] = None, period_s=None,
                  tracks=None, threats=(), radar_sites=None,
                  radar_altitude_km: float = 40.0,
                  discard: Optional[Callable[[str], None]] = None) -> tuple[list[str], list[dict]]:
    """Write the named exports; an export that fails costs only itself.

    Parameters
    ----------
    kinds : iterable of str
        Names from :data:`EXPORT_KINDS`.
    path_for : callable
        ``path_for(file_name) -> Path`` to write that file to (``OutputTransaction.path``).
    dataset : xarray.Dataset
        ``coverage.nc``.
    title : str
        Scenario name.
    start, duration_s, scenario_step_s
        Scenario start (datetime, UTC), window length and time step (s): the CZML clock and
        satellite sampling.
    satellite_names, satellite_positions, period_s
        The satellites for the CZML: names, ``positions(seconds) -> (positions_km
        (n, n_sat, 3), valid (n, n_sat))`` and orbit periods (s).
    tracks : pandas.DataFrame, optional
        ``tracks.csv`` (no threats: no ``tracks.kml``, no threat packets).
    threats : iterable of (name, Threat)
        Launch and aim points for the KML.
    radar_sites, radar_altitude_km
        Ground radars and the target altitude of their horizons (km).
    discard : callable, optional
        ``discard(file_name)``: drop a staged file of a failed export
        (``OutputTransaction.discard``).

    Returns
    -------
    written : list of str
        File names written.
    failed : list of dict
        ``{"name": export, "message": why}`` per failed export (other exceptions than
        ``Exception``, e.g. ``KeyboardInterrupt``, propagate).
    """
    written: list[str] = []
    failed: list[dict] = []
    for kind in kinds:
        rec = _Recorder(path_for)
        try:
            if kind == "geotiff":
                if "lat" in dataset.dims and "lon" in dataset.dims:
                    from .geotiff import write_geotiffs
                    write_geotiffs(dataset, rec, title=title)
            elif kind == "kml":
                if tracks is not None and len(tracks):
                    from .kml import TRACKS_KML, write_tracks_kml
                    write_tracks_kml(rec(TRACKS_KML), tracks, threats, radar_sites,
                                     radar_altitude_km, title)
            elif kind == "czml":
                if satellite_positions is not None:
                    from .czml import SCENARIO_CZML, write_czml
                    write_czml(rec(SCENARIO_CZML), title, start, duration_s, satellite_names,
                               satellite_positions, period_s, scenario_step_s, tracks)
            else:
                raise ValueError(f"unknown export {kind!r}; allowed: {', '.join(EXPORT_KINDS)}")
        except Exception as exc:  # noqa: BLE001 - one export's failure costs only itself
            for name in rec.names:
                if discard is not None:
                    discard(name)
            failed.append({"name": kind, "message": f"{type(exc).__name__}: {exc}"})
            continue
        written += rec.names
    return written, failed
