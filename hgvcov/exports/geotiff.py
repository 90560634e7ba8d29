"""GeoTIFF of every gridded map variable of ``coverage.nc`` (rioxarray / GDAL).

One single-band file per variable, ``<variable>.tif`` (``fraction_stereo.tif``, ...), in
EPSG:4326 (WGS84 geodetic degrees), north-up (rows from north to south, negative y pixel
size), pixel-is-area with the grid points at the pixel centres (so a 0.5 deg grid from
``lat0`` has its top edge at ``lat1 + 0.25``), float64 values exactly as in ``coverage.nc``
with NaN as nodata (outside a polygon region, or a metric that does not apply), and the
variable's ``units`` and ``long_name`` as GDAL metadata tags.  A variable with a third
dimension besides ``lat`` and ``lon`` becomes one band per index of it.

Longitudes: the grid's axis is strictly ascending (``constellation.grid``), possibly
beyond 180 deg for a box across the antimeridian (``lon_deg = [150, 210]``) or given in
0..360 degrees; a GeoTIFF's geotransform needs exactly that (monotonic columns), so the axis
is kept, shifted by a whole number of turns so that its first column lies in
[-180, 180): ``[150, 210]`` stays ``150 .. 210`` (GDAL and QGIS draw it east of 180 deg),
``[190, 220]`` becomes ``-170 .. -140``, a global ``[0, 360]`` grid keeps its 361 columns.
Integer variables (``region_mask``) keep their type and have no nodata.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import rioxarray
import xarray as xr

from .crs import WGS84_WKT, gridded_variables

#: Importing rioxarray registers the ``.rio`` accessor on xarray objects used below.
RIO_ACCESSOR_FROM = rioxarray.__name__

__all__ = ["geotiff_name", "geotiff_variables", "first_column_shift_deg", "write_geotiffs"]


def geotiff_name(var: str) -> str:
    """File name of the GeoTIFF of ``var``: ``<var>.tif``."""
    return f"{var}.tif"


def geotiff_variables(ds: xr.Dataset) -> list[str]:
    """The variables :func:`write_geotiffs` writes: gridded (``lat`` and ``lon`` dims), at
    most one other dimension; none for a point region."""
    return [v for v in gridded_variables(ds) if ds[v].ndim <= 3]


def first_column_shift_deg(lon0_deg: float) -> float:
    """Whole turns (deg) that bring the first grid column into [-180, 180)."""
    return -360.0 * float(np.floor((lon0_deg + 180.0) / 360.0))


def _raster(ds: xr.Dataset, var: str) -> xr.DataArray:
    da = ds[var]
    other = [d for d in da.dims if d not in ("lat", "lon")]
    da = da.transpose(*other, "lat", "lon")
    lat = ds["lat"].to_numpy().astype(np.float64)
    lon = ds["lon"].to_numpy().astype(np.float64)
    lon = lon + first_column_shift_deg(lon[0])
    order = np.argsort(-lat, kind="stable")  # north-up
    coords = {"y": lat[order], "x": lon}
    for d in other:
        coords[d] = np.arange(da.sizes[d])
    out = xr.DataArray(np.ascontiguousarray(da.to_numpy()[..., order, :]),
                       dims=(*other, "y", "x"), coords=coords)
    out = out.rio.write_crs(WGS84_WKT)
    if out.dtype.kind == "f":
        out = out.rio.write_nodata(np.nan, encoded=False)
    return out


def write_geotiffs(ds: xr.Dataset, path_for: Callable[[str], Path],
                   title: str = "") -> list[str]:
    """Write ``<var>.tif`` for every variable of :func:`geotiff_variables`.

    Parameters
    ----------
    ds : xarray.Dataset
        ``coverage.nc`` (in memory or read back).
    path_for : callable
        ``path_for(file_name) -> Path`` where that file is to be written (an
        :class:`~hgvcov.outputs.OutputTransaction`'s ``path``, or a folder's ``__truediv__``).
    title : str
        Scenario name, written as the ``scenario`` tag.

    Returns
    -------
    list of str
        File names written (none for a point region).
    """
    names = []
    for var in geotiff_variables(ds):
        da = _raster(ds, var)
        attrs = ds[var].attrs
        tags = {"variable": var, "units": str(attrs.get("units", "")),
                "long_name": str(attrs.get("long_name", "")),
                "source": "hgv-coverage coverage.nc", "scenario": str(title)}
        name = geotiff_name(var)
        with warnings.catch_warnings():  # rioxarray 0.19 multiplies Affines with `*`
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            da.rio.to_raster(path_for(name), driver="GTiff", tags=tags, compress="DEFLATE")
        names.append(name)
    return names
