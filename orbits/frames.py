"""TEME -> ITRS (Earth-fixed) rotation for arrays of times, and GCRF <-> TEME at one instant.

SGP4 returns positions in the True Equator Mean Equinox (TEME) frame. Following
Vallado et al., "Revisiting Spacetrack Report #3", AIAA 2006-6753, appendix C, the
Earth-fixed position is

    r_PEF = R3(theta_GMST82) r_TEME,        r_ITRS = W r_PEF

with ``theta_GMST82`` the IAU-1982 Greenwich mean sidereal time of the UT1 instant
(:func:`orbits._kernels.gmst82`) and ``W`` the polar-motion matrix. **Polar motion is
neglected** (W = I): x_p, y_p are below 0.6 arcsec, i.e. < 20 m at LEO radius, and
skyfield's built-in timescale (which our UT1 comes from) applies none either, so the
result matches skyfield's ``EarthSatellite.at(t).frame_xyz(itrs)`` to float rounding.

GCRF -> TEME (:func:`gcrf_to_teme_matrix`, :func:`gcrf_to_teme`) is skyfield's
``skyfield.sgp4lib.TEME.rotation_at(t)`` on the built-in timescale (nothing downloaded)::

    r_TEME = R3(theta_GMST82 - theta_GAST) N P B r_GCRF

with ``N P B`` the IAU 2000A/2006 nutation, precession and frame-bias matrix (skyfield
``t.M``) and ``GAST`` the matching apparent sidereal time: rotating the true-of-date frame
about its pole by ``GAST - GMST82`` puts the x axis where ``R3(theta_GMST82)`` above sends
it to the Greenwich meridian, so TEME here is exactly the frame :func:`teme_to_itrs`
assumes (Vallado et al. 2006, appendix C, define it through the IAU-1980 equation of the
equinoxes; the two differ by the 1982-vs-2006 sidereal-time models, ~1 mas today). The
frame bias ``B`` (GCRF vs the J2000/EME2000 mean equator and equinox; Petit & Luzum, IERS
Conventions 2010, sec. 5.5.4: pole offsets xi0 = -16.6 mas, eta0 = -6.8 mas, equinox offset
-14.6 mas) is a rotation by 23.0 mas (``erfa.bp06``), 0.78 m at 7,000 km: J2000, ICRF and
EME2000 elements can be read as GCRF with no visible difference in a ground track or a
pass time (0.78 m is ~0.1 ms of LEO motion).
"""

from __future__ import annotations

import numpy as np

from . import _kernels

__all__ = ["teme_to_itrs", "gmst82_rad", "gcrf_to_teme_matrix", "gcrf_to_teme",
           "teme_to_gcrf", "FrameError"]


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


def gcrf_to_teme_matrix(epoch_utc):
    """Rotation matrix GCRF -> TEME at one UTC instant (skyfield's TEME, see module docstring).

    Parameters
    ----------
    epoch_utc : str or datetime
        UTC instant (ISO-8601 string or tz-aware datetime, as :func:`orbits.timegrid.parse_utc`).

    Returns
    -------
    ndarray (3, 3)
        ``R`` with ``r_teme = R @ r_gcrf``; its transpose is TEME -> GCRF.
    """
    from skyfield.sgp4lib import TEME

    from .timegrid import builtin_timescale, parse_utc

    t = builtin_timescale().from_datetime(parse_utc(epoch_utc))
    return np.array(TEME.rotation_at(t), dtype=np.float64)


def _rotate(R, r_km, v_km_s):
    r = np.asarray(r_km, dtype=np.float64)
    v = np.asarray(v_km_s, dtype=np.float64)
    if r.shape[-1:] != (3,) or v.shape[-1:] != (3,):
        raise FrameError(f"r_km, v_km_s: shapes {r.shape}, {v.shape} not allowed; expected (..., 3)")
    return r @ R.T, v @ R.T


def gcrf_to_teme(r_km, v_km_s, epoch_utc):
    """Rotate a GCRF position/velocity into TEME at ``epoch_utc``.

    The velocity is rotated like the position, as Vallado's ``teme2eci`` and skyfield do:
    the term of TEME's own slow turning (precession, 50 arcsec/yr = 7.7e-12 rad/s, plus
    nutation) is left out. It is 0.05 mm/s at LEO (measured against astropy's
    GCRS -> TEME, which keeps it: ``tests/test_elements_frame.py``), i.e. at most ~15 m
    along track after a day, ~2 ms of LEO motion.

    Parameters
    ----------
    r_km, v_km_s : array_like (..., 3)
        Position (km) and velocity (km/s) in GCRF.
    epoch_utc : str or datetime
        The instant of the state.

    Returns
    -------
    r_km, v_km_s : ndarray (..., 3)
        In TEME.
    """
    return _rotate(gcrf_to_teme_matrix(epoch_utc), r_km, v_km_s)


def teme_to_gcrf(r_km, v_km_s, epoch_utc):
    """Inverse of :func:`gcrf_to_teme` (the transposed rotation)."""
    return _rotate(gcrf_to_teme_matrix(epoch_utc).T, r_km, v_km_s)
