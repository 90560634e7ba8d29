"""TEME -> ITRS (Earth-fixed) rotation for arrays of times.

SGP4 returns positions in the True Equator Mean Equinox (TEME) frame. Following
Vallado et al., "Revisiting Spacetrack Report #3", AIAA 2006-6753, appendix C, the
Earth-fixed position is

    r_PEF = R3(theta_GMST82) r_TEME,        r_ITRS = W r_PEF

with ``theta_GMST82`` the IAU-1982 Greenwich mean sidereal time of the UT1 instant
(:func:`orbits._kernels.gmst82`) and ``W`` the polar-motion matrix. **Polar motion is
neglected** (W = I): x_p, y_p are below 0.6 arcsec, i.e. < 20 m at LEO radius, and
skyfield's built-in timescale (which our UT1 comes from) applies none either, so the
result matches skyfield's ``EarthSatellite.at(t).frame_xyz(itrs)`` to float rounding.
"""

from __future__ import annotations

import numpy as np

from . import _kernels

__all__ = ["teme_to_itrs", "gmst82_rad", "FrameError"]


class FrameError(ValueError):
    """Invalid array shapes for a frame rotation."""


def gmst82_rad(jd_ut1, fraction_ut1=0.0):
    """GMST 1982 (rad in [0, 2 pi)) for UT1 Julian dates ``jd_ut1 + fraction_ut1``.

    Parameters
    ----------
    jd_ut1, fraction_ut1 : array_like, broadcastable
        UT1 Julian date, optionally split into a whole part and a fraction (days).

    Returns
    -------
    ndarray
        Angle (rad), broadcast shape.
    """
    w, f = np.broadcast_arrays(np.asarray(jd_ut1, np.float64), np.asarray(fraction_ut1, np.float64))
    out = np.empty(w.shape)
    wf, ff, of = w.reshape(-1), f.reshape(-1), out.reshape(-1)
    for i in range(wf.size):
        of[i] = _kernels.gmst82(wf[i], ff[i])
    return out


def teme_to_itrs(r_teme_km, jd_ut1, fraction_ut1=None):
    """Rotate TEME positions into ITRS (Earth-fixed), GMST 1982, no polar motion.

    Parameters
    ----------
    r_teme_km : array_like, shape (n_time, n_sat, 3) or (n_time, 3)
        TEME positions (km); the first axis is time.
    jd_ut1 : array_like, shape (n_time,)
        UT1 Julian dates (days) of the rows, e.g. :meth:`TimeGrid.jd_ut1`. For full
        precision pass the whole part here and the remainder in ``fraction_ut1`` (see
        :meth:`TimeGrid.jd_ut1_parts`).
    fraction_ut1 : array_like, shape (n_time,), optional
        Fractional part of the UT1 Julian dates (default 0).

    Returns
    -------
    ndarray, same shape as ``r_teme_km``
        ITRS positions (km).
    """
    r = np.asarray(r_teme_km, dtype=np.float64)
    squeeze = False
    if r.ndim == 2 and r.shape[1] == 3:
        r = r[:, None, :]
        squeeze = True
    if r.ndim != 3 or r.shape[2] != 3:
        raise FrameError(
            f"r_teme_km: shape {np.shape(r_teme_km)} not allowed; expected (n_time, n_sat, 3) or (n_time, 3)")
    n_time = r.shape[0]
    w = np.broadcast_to(np.asarray(jd_ut1, dtype=np.float64), (n_time,))
    f = np.zeros(n_time) if fraction_ut1 is None else np.broadcast_to(
        np.asarray(fraction_ut1, dtype=np.float64), (n_time,))
    if np.ndim(jd_ut1) == 1 and np.shape(jd_ut1)[0] != n_time:
        raise FrameError(f"jd_ut1: length {np.shape(jd_ut1)[0]} does not match n_time={n_time}")
    # re-split for precision: whole = floor(w) + .5 convention irrelevant to gmst82
    whole = np.floor(w)
    frac = (w - whole) + f
    out = np.empty_like(r)
    _kernels.teme_to_itrs_kernel(np.ascontiguousarray(r), np.ascontiguousarray(whole),
                                 np.ascontiguousarray(frac), out)
    return out[:, 0, :] if squeeze else out
