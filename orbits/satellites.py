"""A set of satellites carried as SGP4 mean elements (``sgp4.api.Satrec``).

Every satellite, whether read from a TLE/OMM file or built from Keplerian elements
(Walker shells, presets), is one python-sgp4 ``Satrec``: epoch, Kozai mean motion
``no_kozai``, ``ecco``, ``inclo``, ``nodeo``, ``argpo``, ``mo`` and ``bstar`` are all it
needs, and both propagators (:func:`orbits.propagate.propagate_sgp4`,
:func:`orbits.propagate.propagate_j2`) read them from there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sgp4.api import WGS72, Satrec, SatrecArray

from .constants import (MINUTES_PER_DAY, WGS72_A_KM, WGS72_J2, WGS72_XKE_PER_MIN)
from .timegrid import datetime_jd_utc_parts, parse_utc

__all__ = ["SatelliteSet", "SatelliteError"]

_JD_1949_12_31 = 2433281.5  # SGP4 "epoch" argument counts days from 1949-12-31 00:00 UTC


class SatelliteError(ValueError):
    """Invalid satellite set or orbital element (message names parameter and value)."""


def _kozai_from_brouwer(n_brouwer_rad_min, ecc, inc_rad):
    """Kozai mean motion whose SGP4 un-Kozai'ing gives ``n_brouwer_rad_min``.

    Inverts SGP4's ``initl`` (AIAA 2006-6753 / Hoots & Roehrich 1980)::

        a1 = (xke / n_K)^(2/3),  d1 = 3/4 J2 (3 cos^2 i - 1) / (1 - e^2)^(3/2)
        del = d1 / a1^2,  a0 = a1 (1 - del^2 - del (1/3 + 134 del^2 / 81))
        n_B = n_K / (1 + d1 / a0^2)

    by fixed-point iteration ``n_K <- n_B (1 + d1 / a0(n_K)^2)`` (|del| ~ 1e-3, converges
    to machine precision in a handful of steps).
    """
    n_b = np.asarray(n_brouwer_rad_min, dtype=np.float64)
    cosio2 = np.cos(inc_rad) ** 2
    omeosq = 1.0 - ecc * ecc
    d1 = 0.75 * WGS72_J2 * (3.0 * cosio2 - 1.0) / (np.sqrt(omeosq) * omeosq)
    n_k = n_b.copy()
    for _ in range(8):
        ak = (WGS72_XKE_PER_MIN / n_k) ** (2.0 / 3.0)
        de = d1 / (ak * ak)
        adel = ak * (1.0 - de * de - de * (1.0 / 3.0 + 134.0 * de * de / 81.0))
        n_k = n_b * (1.0 + d1 / (adel * adel))
    return n_k


def _as_array(name, value, n):
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 0:
        a = np.full(n, float(a))
    a = a.reshape(-1)
    if a.size != n:
        raise SatelliteError(f"{name}: got {a.size} values for {n} satellites")
    if not np.all(np.isfinite(a)):
        bad = a[~np.isfinite(a)][0]
        raise SatelliteError(f"{name}={float(bad)!r}: must be finite")
    return a


class SatelliteSet:
    """Satellites as SGP4 mean elements.

    Parameters
    ----------
    names : sequence of str, length n_sat
    satrecs : sequence of sgp4.api.Satrec, length n_sat
    sensor_index : array_like of int, shape (n_sat,), optional
        Which sensor (index into the scenario's sensor table) each satellite carries;
        default 0 for all.
    source : sequence of str, optional
        Where each satellite came from (file path, ``"walker-delta 28/4/1"``...);
        default ``"elements"``.

    Attributes
    ----------
    names : list[str]
    satrecs : list[Satrec]
    sensor_index : ndarray (n_sat,) int64
    source : list[str]
    """

    def __init__(self, names, satrecs, sensor_index=None, source=None):
        names = [str(n) for n in names]
        satrecs = list(satrecs)
        if len(names) != len(satrecs):
            raise SatelliteError(
                f"names: {len(names)} names for {len(satrecs)} satrecs; they must match")
        for i, s in enumerate(satrecs):
            if not isinstance(s, Satrec):
                raise SatelliteError(
                    f"satrecs[{i}]: expected sgp4.api.Satrec, got {type(s).__name__}")
        n = len(names)
        if sensor_index is None:
            si = np.zeros(n, dtype=np.int64)
        else:
            si = np.asarray(sensor_index).reshape(-1)
            if si.size == 1 and n != 1:
                si = np.full(n, si[0])
            if si.size != n or (si.size and (not np.issubdtype(si.dtype, np.integer) or si.min() < 0)):
                raise SatelliteError(
                    f"sensor_index: need {n} non-negative integers, got {np.asarray(sensor_index)!r}")
            si = si.astype(np.int64)
        if source is None:
            src = ["elements"] * n
        elif isinstance(source, str):
            src = [source] * n
        else:
            src = [str(s) for s in source]
            if len(src) != n:
                raise SatelliteError(f"source: {len(src)} entries for {n} satellites")
        self.names = names
        self.satrecs = satrecs
        self.sensor_index = si
        self.source = src
        self._array = None

    # -- container protocol -------------------------------------------------------
    def __len__(self) -> int:
        return len(self.names)

    def __add__(self, other: "SatelliteSet") -> "SatelliteSet":
        """Union of two sets (e.g. several shells): names, satrecs, sensors concatenated."""
        if not isinstance(other, SatelliteSet):
            return NotImplemented
        return SatelliteSet(self.names + other.names, self.satrecs + other.satrecs,
                            np.concatenate([self.sensor_index, other.sensor_index]),
                            self.source + other.source)

    def __radd__(self, other):
        if other == 0:  # lets sum([...]) work
            return self
        return NotImplemented

    def subset(self, index) -> "SatelliteSet":
        """Satellites at integer positions or boolean mask ``index``."""
        idx = np.arange(len(self))[index]
        idx = np.atleast_1d(idx)
        return SatelliteSet([self.names[i] for i in idx], [self.satrecs[i] for i in idx],
                            self.sensor_index[idx], [self.source[i] for i in idx])

    def __getitem__(self, index):
        return self.subset(index)

    def __repr__(self) -> str:
        return f"SatelliteSet(n_sat={len(self)}, first={self.names[:3]!r})"

    def with_sensor_index(self, sensor_index) -> "SatelliteSet":
        """Copy with another ``sensor_index`` (scalar or (n_sat,))."""
        return SatelliteSet(self.names, self.satrecs, sensor_index, self.source)

    def satrec_array(self) -> SatrecArray:
        """python-sgp4 ``SatrecArray`` of all satellites (built once, cached)."""
        if self._array is None:
            self._array = SatrecArray(self.satrecs)
        return self._array

    # -- elements -----------------------------------------------------------------
    def epoch_jd_parts(self):
        """Element epochs as UTC Julian date parts ``(whole, fraction)``, (n_sat,) each."""
        w = np.array([s.jdsatepoch for s in self.satrecs], dtype=np.float64)
        f = np.array([s.jdsatepochF for s in self.satrecs], dtype=np.float64)
        return w, f

    def elements(self) -> dict:
        """SGP4 mean elements as (n_sat,) arrays.

        Returns
        -------
        dict
            ``semi_major_axis_km`` (SGP4's Brouwer mean a0'', WGS72 radius),
            ``mean_motion_rev_per_day`` (Kozai, as in a TLE), ``eccentricity``,
            ``inclination_deg``, ``raan_deg``, ``arg_perigee_deg``,
            ``mean_anomaly_deg``, ``bstar`` (1/earth radii), ``epoch_jd`` (UTC),
            ``sensor_index``.
        """
        s = self.satrecs
        deg = np.rad2deg
        w, f = self.epoch_jd_parts()
        return {
            "semi_major_axis_km": np.array([x.a for x in s], dtype=np.float64) * WGS72_A_KM,
            "mean_motion_rev_per_day": np.array([x.no_kozai for x in s]) * MINUTES_PER_DAY / (2 * math.pi),
            "eccentricity": np.array([x.ecco for x in s], dtype=np.float64),
            "inclination_deg": deg(np.array([x.inclo for x in s], dtype=np.float64)),
            "raan_deg": deg(np.array([x.nodeo for x in s], dtype=np.float64)),
            "arg_perigee_deg": deg(np.array([x.argpo for x in s], dtype=np.float64)),
            "mean_anomaly_deg": deg(np.array([x.mo for x in s], dtype=np.float64)),
            "bstar": np.array([x.bstar for x in s], dtype=np.float64),
            "epoch_jd": w + f,
            "sensor_index": self.sensor_index.copy(),
        }

    @classmethod
    def from_elements(cls, names, semi_major_axis_km, eccentricity, inclination_deg,
                      raan_deg, arg_perigee_deg, mean_anomaly_deg, epoch_utc, bstar=0.0,
                      sensor_index=None, source="elements", first_satnum=1):
        """Build SGP4 ``Satrec`` objects from mean Keplerian elements.

        Parameters
        ----------
        names : sequence of str, length n_sat
        semi_major_axis_km : array_like, (n_sat,) or scalar
            Mean semi-major axis (km); perigee ``a (1 - e)`` must exceed the WGS72
            equatorial radius 6378.135 km.
        eccentricity : array_like, in [0, 1)
        inclination_deg : array_like, in [0, 180]
        raan_deg, arg_perigee_deg, mean_anomaly_deg : array_like (deg, any real)
        epoch_utc : str or datetime, or a sequence of them (n_sat,)
        bstar : array_like, optional
            SGP4 drag term B* (1/earth radii); 0 = no drag.
        sensor_index, source : see :class:`SatelliteSet`
        first_satnum : int
            Catalogue numbers are ``first_satnum + i`` (used in exported TLEs).

        Returns
        -------
        SatelliteSet

        Notes
        -----
        SGP4 is initialised with ``sgp4init`` in the WGS72 gravity model it is defined
        with, "improved" mode (AIAA 2006-6753). A TLE's mean motion is *Kozai*'s mean
        motion n_K; SGP4 first converts it into *Brouwer*'s n'' and the semi-major axis
        a'' = (xke / n'')^(2/3) that its secular theory uses (the two differ by the J2
        term ``d1 = 3/4 J2 (3 cos^2 i - 1) / (1 - e^2)^(3/2)``, up to ~6 km in a at
        LEO). Taking ``n = sqrt(GM / a^3)`` as the Kozai mean motion would therefore
        shift the orbit; instead we set n'' = sqrt(GM / a^3) (WGS72 GM) and invert
        SGP4's un-Kozai step exactly (:func:`_kozai_from_brouwer`), so that
        ``elements()["semi_major_axis_km"]`` returns the requested ``a``.
        """
        names = [str(n) for n in names]
        n = len(names)
        if n == 0:
            raise SatelliteError("names: at least one satellite is required")
        a = _as_array("semi_major_axis_km", semi_major_axis_km, n)
        e = _as_array("eccentricity", eccentricity, n)
        inc = _as_array("inclination_deg", inclination_deg, n)
        raan = _as_array("raan_deg", raan_deg, n)
        argp = _as_array("arg_perigee_deg", arg_perigee_deg, n)
        ma = _as_array("mean_anomaly_deg", mean_anomaly_deg, n)
        bs = _as_array("bstar", bstar, n)
        bad = (e < 0) | (e >= 1)
        if bad.any():
            raise SatelliteError(
                f"eccentricity={float(e[bad][0])!r} (satellite {names[np.argmax(bad)]!r}): allowed 0 <= e < 1")
        bad = (inc < 0) | (inc > 180)
        if bad.any():
            raise SatelliteError(
                f"inclination_deg={float(inc[bad][0])!r} (satellite {names[np.argmax(bad)]!r}): allowed 0..180")
        perigee = a * (1.0 - e)
        bad = perigee <= WGS72_A_KM
        if bad.any():
            i = int(np.argmax(bad))
            raise SatelliteError(
                f"semi_major_axis_km={float(a[i])!r} (satellite {names[i]!r}): perigee radius "
                f"{perigee[i]:.3f} km is below the Earth's equatorial radius {WGS72_A_KM} km "
                "(perigee altitude must be > 0)")
        if isinstance(epoch_utc, np.ndarray):
            epoch_utc = epoch_utc.tolist() if epoch_utc.ndim else epoch_utc.item()
        if isinstance(epoch_utc, (str, bytes)) or not isinstance(epoch_utc, Sequence):
            epochs = [parse_utc(epoch_utc)] * n
        else:
            if len(epoch_utc) != n:
                raise SatelliteError(f"epoch_utc: {len(epoch_utc)} epochs for {n} satellites")
            epochs = [parse_utc(x) for x in epoch_utc]
        inc_r = np.deg2rad(inc)
        n_brouwer = WGS72_XKE_PER_MIN * (a / WGS72_A_KM) ** -1.5  # rad/min
        n_kozai = _kozai_from_brouwer(n_brouwer, e, inc_r)
        two_pi = 2 * math.pi
        satrecs = []
        cache = {}
        for i in range(n):
            ep = epochs[i]
            if ep not in cache:
                w, f = datetime_jd_utc_parts(ep)
                cache[ep] = (w - _JD_1949_12_31) + f
            sr = Satrec()
            sr.sgp4init(WGS72, "i", int(first_satnum + i), cache[ep], float(bs[i]), 0.0, 0.0,
                        float(e[i]), float(np.deg2rad(argp[i]) % two_pi), float(inc_r[i]),
                        float(np.deg2rad(ma[i]) % two_pi), float(n_kozai[i]),
                        float(np.deg2rad(raan[i]) % two_pi))
            if sr.error != 0:
                raise SatelliteError(
                    f"satellite {names[i]!r}: SGP4 initialisation failed with error {sr.error}")
            satrecs.append(sr)
        return cls(names, satrecs, sensor_index=sensor_index, source=source)
