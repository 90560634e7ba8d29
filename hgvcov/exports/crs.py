"""The coordinate reference system of ``coverage.nc``, written so that GIS tools find it.

``coverage.nc`` is CF-1.8 with ``lat`` / ``lon`` coordinates (geodetic latitude and
longitude on the WGS84 ellipsoid, DESIGN.md "Conventions").  CF coordinates alone do not
tell GDAL (and so QGIS, rasterio) the datum: a file without a grid mapping opens with no
CRS.  :func:`add_grid_mapping` adds the CF grid mapping (CF-1.8 section 5.6 and appendix F,
"Latitude-Longitude"): a scalar variable :data:`CRS_VARIABLE` with
``grid_mapping_name = "latitude_longitude"``, the WGS84 ellipsoid (``semi_major_axis``,
``inverse_flattening``) and its ``crs_wkt`` (CF 1.7+; GDAL reads the EPSG code from it),
referenced by ``grid_mapping = "crs"`` on every gridded variable (every variable whose
dimensions include both ``lat`` and ``lon``).

Point regions (a ``point`` dimension with ``lat(point)`` / ``lon(point)`` coordinates) are
left alone: they are no raster, GDAL's raster driver cannot open them whatever their
attributes, and a list of named sites is no CF discrete sampling geometry either (those are
features with a time axis; ours are statistics over the window).  Their ``lat`` / ``lon``
attributes already state WGS84 geodetic degrees.
"""
from __future__ import annotations

import numpy as np

__all__ = ["CRS_VARIABLE", "WGS84_WKT", "WGS84_GRID_MAPPING", "gridded_variables",
           "add_grid_mapping"]

#: Name of the grid-mapping variable in ``coverage.nc``.
CRS_VARIABLE = "crs"

#: EPSG:4326 as OGC WKT 1 (GDAL's form, with the EPSG authority codes); the same text as
#: ``pyproj.CRS.from_epsg(4326)`` / ``rasterio.crs.CRS.from_epsg(4326).to_wkt()`` give
#: (checked in tests/test_exports.py).  Written out so that writing coverage.nc needs no pyproj.
WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]')

#: Attributes of the grid-mapping variable: CF-1.8 appendix F "Latitude-Longitude" on the
#: WGS84 ellipsoid (a = 6378137 m, 1/f = 298.257223563; NIMA TR8350.2, 3rd ed., table 3.1),
#: with the CF 1.8 names of the datum and the WKT (GDAL reads its EPSG code from ``crs_wkt``).
WGS84_GRID_MAPPING = {
    "grid_mapping_name": "latitude_longitude",
    "semi_major_axis": 6378137.0,
    "inverse_flattening": 298.257223563,
    "longitude_of_prime_meridian": 0.0,
    "reference_ellipsoid_name": "WGS 84",
    "horizontal_datum_name": "World Geodetic System 1984",
    "prime_meridian_name": "Greenwich",
    "geographic_crs_name": "WGS 84",
    "crs_wkt": WGS84_WKT,
}


def gridded_variables(ds) -> list[str]:
    """Names of the data variables of ``ds`` laid out on the lat/lon grid (both dims)."""
    return [str(v) for v in ds.data_vars
            if "lat" in ds[v].dims and "lon" in ds[v].dims]


def add_grid_mapping(ds) -> list[str]:
    """Add the WGS84 grid mapping to a gridded coverage data set, in place.

    Adds the scalar ``int32`` variable :data:`CRS_VARIABLE` with
    :data:`WGS84_GRID_MAPPING` and sets ``grid_mapping = "crs"`` on every variable of
    :func:`gridded_variables`.  A data set without a ``lat`` and a ``lon`` dimension (a
    point region) is left unchanged.

    Parameters
    ----------
    ds : xarray.Dataset
        ``coverage.nc`` before it is written.

    Returns
    -------
    list of str
        The variables that now reference the grid mapping (empty for point regions).
    """
    if "lat" not in ds.dims or "lon" not in ds.dims:
        return []
    names = gridded_variables(ds)
    ds[CRS_VARIABLE] = ((), np.int32(0), dict(WGS84_GRID_MAPPING))
    for v in names:
        ds[v].attrs["grid_mapping"] = CRS_VARIABLE
    return names
