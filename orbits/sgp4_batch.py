"""Parallel numba SGP4 for near-Earth satellites (the fast path of ``propagator="sgp4"``).

python-sgp4's ``SatrecArray`` runs Vallado's C++ SGP4 on one core and holds the GIL, so
threads cannot share its work. For near-Earth satellites (orbital period < 225 min,
SGP4 ``method == 'n'``: every LEO constellation this tool studies) we evaluate the same
equations in a ``parallel=True`` numba kernel (:func:`orbits._kernels.sgp4_near_earth_s`,
a line-by-line transcription of the reference ``sgp4()`` near-Earth branch) and fuse the
TEME -> ITRS rotation into it. The per-satellite constants come from python-sgp4's own
reference ``sgp4init`` (pure Python, ``sgp4.model.Satrec``) fed the very same mean
elements as the C++ ``Satrec``, so both paths share one initialisation. Deep-space
satellites (``method == 'd'``: GEO, Molniya, GPS) and satellites not in the WGS72 model
stay on ``SatrecArray``.

Agreement (tests/test_orbits_sgp4.py): Vallado's verification vectors (tcppver.out) of
the near-Earth cases to < 1 mm, and the C++ path on the same grids to < 1 mm.
"""

from __future__ import annotations

import math

import numpy as np
from sgp4.api import WGS72
from sgp4.model import Satrec as PySatrec

from . import _kernels as K
from .constants import WGS72_A_KM, WGS72_J2, WGS72_XKE_PER_MIN

__all__ = ["near_earth_coefficients", "SGP4_ENGINES"]

SGP4_ENGINES = ("auto", "numba", "satrec_array")

_JD_1949_12_31 = 2433281.5


def _coefficients_one(sr) -> np.ndarray | None:
    """Coefficient row of one C++ ``Satrec`` (None when deep space / not WGS72)."""
    if (abs(sr.radiusearthkm - WGS72_A_KM) > 1e-9 or abs(sr.j2 - WGS72_J2) > 1e-15
            or abs(sr.xke - WGS72_XKE_PER_MIN) > 1e-12):
        return None
    if sr.method != "n":
        return None
    py = PySatrec()
    epoch = (sr.jdsatepoch - _JD_1949_12_31) + sr.jdsatepochF
    py.sgp4init(WGS72, sr.operationmode or "i", sr.satnum, epoch, sr.bstar, sr.ndot,
                sr.nddot, sr.ecco, sr.argpo, sr.inclo, sr.mo, sr.no_kozai, sr.nodeo)
    if py.method != "n":
        return None
    c = np.empty(K.N_SGP4_COEF)
    c[K.C_MO] = py.mo
    c[K.C_MDOT] = py.mdot
    c[K.C_ARGPO] = py.argpo
    c[K.C_ARGPDOT] = py.argpdot
    c[K.C_NODEO] = py.nodeo
    c[K.C_NODEDOT] = py.nodedot
    c[K.C_NODECF] = py.nodecf
    c[K.C_CC1] = py.cc1
    c[K.C_BSTAR] = py.bstar
    c[K.C_CC4] = py.cc4
    c[K.C_T2COF] = py.t2cof
    c[K.C_ISIMP] = float(py.isimp)
    c[K.C_OMGCOF] = py.omgcof
    c[K.C_ETA] = py.eta
    c[K.C_XMCOF] = py.xmcof
    c[K.C_DELMO] = py.delmo
    c[K.C_D2] = py.d2
    c[K.C_D3] = py.d3
    c[K.C_D4] = py.d4
    c[K.C_CC5] = py.cc5
    c[K.C_SINMAO] = py.sinmao
    c[K.C_T3COF] = py.t3cof
    c[K.C_T4COF] = py.t4cof
    c[K.C_T5COF] = py.t5cof
    c[K.C_NO] = py.no_unkozai
    c[K.C_ECCO] = py.ecco
    c[K.C_INCLO] = py.inclo
    c[K.C_AYCOF] = py.aycof
    c[K.C_XLCOF] = py.xlcof
    c[K.C_CON41] = py.con41
    c[K.C_X1MTH2] = py.x1mth2
    c[K.C_X7THM1] = py.x7thm1
    c[K.C_EPOCH_OFFSET_S] = 0.0
    c[K.C_AO_POW] = (py.xke / py.no_unkozai) ** (2.0 / 3.0) if py.no_unkozai > 0 else np.nan
    c[K.C_SINIO] = math.sin(py.inclo)
    c[K.C_COSIO] = math.cos(py.inclo)
    return c


def near_earth_coefficients(sats):
    """SGP4 coefficient table of the near-Earth satellites of ``sats`` (cached on it).

    Parameters
    ----------
    sats : SatelliteSet

    Returns
    -------
    coef : ndarray (n_sat, N_SGP4_COEF) float64
        Rows of deep-space satellites are NaN.
    near : ndarray (n_sat,) bool
        True where the numba kernel applies.
    """
    cached = getattr(sats, "_sgp4_coef_cache", None)
    if cached is not None and cached[0] is sats.satrecs and len(sats.satrecs) == cached[1].shape[0]:
        return cached[1], cached[2]
    n = len(sats.satrecs)
    coef = np.full((n, K.N_SGP4_COEF), np.nan)
    near = np.zeros(n, dtype=bool)
    for j, sr in enumerate(sats.satrecs):
        row = _coefficients_one(sr)
        if row is not None:
            coef[j] = row
            near[j] = True
    sats._sgp4_coef_cache = (sats.satrecs, coef, near)
    return coef, near


def run_near_earth(coef, epoch_offset_s, t_s, ut1_w, ut1_f, rotate, out, valid, first_error,
                   chunk_steps):
    """Run :func:`orbits._kernels.sgp4_near_earth_batch` in time chunks into ``out``."""
    c = np.ascontiguousarray(coef)
    c[:, K.C_EPOCH_OFFSET_S] = epoch_offset_s
    n_time = t_s.shape[0]
    for k0 in range(0, n_time, chunk_steps):
        k1 = min(n_time, k0 + chunk_steps)
        K.sgp4_near_earth_batch(c, t_s[k0:k1], ut1_w[k0:k1], ut1_f[k0:k1], WGS72_XKE_PER_MIN,
                                WGS72_J2, WGS72_A_KM, rotate, out, valid, first_error, k0)
