"""Constellation-scale propagation to Earth-fixed positions on a time grid.

Two propagators share one output, :class:`Ephemeris` (ITRS km, ``(n_time, n_sat, 3)``):

- ``"sgp4"`` (:func:`propagate_sgp4`): Vallado's SGP4/SDP4 (AIAA 2006-6753). Near-Earth
  satellites run in a parallel numba transcription of the reference code with the
  TEME -> ITRS rotation fused in (:mod:`orbits.sgp4_batch`); deep-space ones in
  python-sgp4's compiled ``SatrecArray``, whose output a parallel numba kernel
  transposes to time-major order and rotates (GMST 1982, see :mod:`orbits.frames`).
- ``"j2"`` (:func:`propagate_j2`): first-order J2 secular drift of the SGP4 mean
  elements (no drag, no periodic terms), in one parallel numba kernel
  (:func:`orbits._kernels.j2_propagate`). For design sweeps; its distance from SGP4 for
  circular LEO orbits is documented in :func:`propagate_j2`.

A satellite that fails (SGP4 error codes 1-6, e.g. 6 = decayed) has NaN positions and
``valid = False`` at every sample where SGP4 reports an error (SGP4 is evaluated per
sample; for a decayed satellite that is every sample after the decay); the J2 path
flags samples whose radius falls below the Earth's equatorial radius. ``error_codes``
keeps the first error and :meth:`Ephemeris.failed` names it. Nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sgp4.api import SGP4_ERRORS

from . import _kernels
from .constants import SECONDS_PER_DAY, WGS72_A_KM, WGS72_J2, WGS72_XKE_PER_MIN
from .satellites import SatelliteSet
from .sgp4_batch import SGP4_ENGINES, near_earth_coefficients, run_near_earth
from .timegrid import TimeGrid, datetime_jd_utc_parts

__all__ = ["Ephemeris", "propagate", "propagate_sgp4", "propagate_j2", "sgp4_teme", "PropagationError",
           "PROPAGATORS", "ERROR_MESSAGES"]

PROPAGATORS = ("sgp4", "j2")
ERROR_MESSAGES = dict(SGP4_ERRORS)
"""SGP4 error code -> message (python-sgp4's ``SGP4_ERRORS``)."""


class PropagationError(ValueError):
    """Invalid propagation request (message names the parameter and allowed values)."""


@dataclass
class Ephemeris:
    """Earth-fixed positions of ``n_sat`` satellites on a time grid.

    Attributes
    ----------
    grid : TimeGrid
    names : list[str], length n_sat
    positions_km : ndarray (n_time, n_sat, 3) float64
        ITRS positions (km); NaN where invalid.
    valid : ndarray (n_time, n_sat) bool
    error_codes : ndarray (n_sat,) int64
        0 ok, else the first SGP4 error code (1..6) seen on the grid.
    propagator : str
        ``"sgp4"`` or ``"j2"``.
    sensor_index : ndarray (n_sat,) int64
    """

    grid: TimeGrid
    names: list
    positions_km: np.ndarray
    valid: np.ndarray
    error_codes: np.ndarray
    propagator: str = "sgp4"
    sensor_index: np.ndarray | None = None

    @property
    def n_sat(self) -> int:
        return len(self.names)

    @property
    def n_time(self) -> int:
        return self.positions_km.shape[0]

    def failed(self) -> list:
        """Satellites with an error: list of ``(name, code, message)``."""
        out = []
        for j in np.flatnonzero(self.error_codes):
            code = int(self.error_codes[j])
            out.append((self.names[j], code, ERROR_MESSAGES.get(code, f"error code {code}")))
        return out


def _check(sats, grid):
    if not isinstance(sats, SatelliteSet):
        raise PropagationError(f"sats: expected a SatelliteSet, got {type(sats).__name__}")
    if len(sats) == 0:
        raise PropagationError("sats: the satellite set is empty")
    if not isinstance(grid, TimeGrid):
        raise PropagationError(f"grid: expected a TimeGrid, got {type(grid).__name__}")


def default_chunk_steps(n_sat: int, target_states: int = 1 << 20) -> int:
    """Time samples per SGP4 chunk: about ``target_states`` (1 Mi) states, >= 1."""
    return max(1, target_states // max(1, n_sat))


def propagate_sgp4(sats: SatelliteSet, grid: TimeGrid, chunk_steps: int | None = None,
                   engine: str = "auto") -> Ephemeris:
    """Batch SGP4 of every satellite at every grid sample, in ITRS.

    Parameters
    ----------
    sats : SatelliteSet
    grid : TimeGrid
    chunk_steps : int, optional
        Samples per ``SatrecArray`` call (bounds the temporary TEME position/velocity
        arrays to ``2 * 24 * n_sat * chunk_steps`` bytes); default ~1 Mi states.
    engine : {"auto", "numba", "satrec_array"}
        ``"auto"``: near-Earth satellites (period < 225 min) on the parallel numba
        transcription of SGP4 (:mod:`orbits.sgp4_batch`), deep-space ones on python-sgp4's
        ``SatrecArray``; ``"satrec_array"`` forces the C++ path for all; ``"numba"``
        refuses deep-space satellites.

    Returns
    -------
    Ephemeris
        ``positions_km`` (n_time, n_sat, 3) ITRS km.

    Notes
    -----
    Times are passed to SGP4 as UTC Julian dates (SGP4 epochs are UTC, AIAA 2006-6753),
    the rotation uses UT1 from skyfield's built-in table. Equivalent to skyfield's
    ``EarthSatellite(...).at(t).frame_xyz(itrs)`` (tests: < 1 m).
    """
    _check(sats, grid)
    jd_w, jd_f = grid.jd_utc_parts()
    ut1_w, ut1_f = grid.jd_ut1_parts()
    out, valid, first_error = _sgp4_batch(sats, jd_w, jd_f, ut1_w, ut1_f, chunk_steps, True,
                                          engine)
    return Ephemeris(grid, list(sats.names), out, valid, first_error, "sgp4",
                     sats.sensor_index.copy())


def sgp4_teme(sats: SatelliteSet, jd_utc, fraction_utc, chunk_steps: int | None = None,
              engine: str = "auto"):
    """Batch SGP4 in the TEME frame at explicit UTC Julian dates (no rotation).

    Parameters
    ----------
    sats : SatelliteSet
    jd_utc, fraction_utc : array_like, shape (n_time,)
        UTC Julian dates split into two parts (summed by SGP4).
    chunk_steps : int, optional
    engine : {"auto", "numba", "satrec_array"}, see :func:`propagate_sgp4`

    Returns
    -------
    r_teme_km : ndarray (n_time, n_sat, 3), NaN where SGP4 failed
    valid : ndarray (n_time, n_sat) bool
    error_codes : ndarray (n_sat,) int64, first error per satellite
    """
    if not isinstance(sats, SatelliteSet) or len(sats) == 0:
        raise PropagationError("sats: expected a non-empty SatelliteSet")
    jd_w = np.ascontiguousarray(np.asarray(jd_utc, dtype=np.float64).reshape(-1))
    jd_f = np.ascontiguousarray(np.broadcast_to(np.asarray(fraction_utc, np.float64), jd_w.shape))
    return _sgp4_batch(sats, jd_w, jd_f, jd_w, jd_f, chunk_steps, False, engine)


def _sgp4_batch(sats, jd_w, jd_f, ut1_w, ut1_f, chunk_steps, rotate, engine="auto"):
    """SGP4 of all satellites at UTC JD parts; ITRS (rotate) or TEME; NaN-masked."""
    if engine not in SGP4_ENGINES:
        raise PropagationError(f"engine={engine!r}: allowed values are {SGP4_ENGINES}")
    n_sat, n_time = len(sats), jd_w.shape[0]
    if chunk_steps is None:
        chunk_steps = default_chunk_steps(n_sat)
    if isinstance(chunk_steps, bool) or int(chunk_steps) != chunk_steps or int(chunk_steps) < 1:
        raise PropagationError(f"chunk_steps={chunk_steps!r}: must be an integer >= 1")
    chunk_steps = int(chunk_steps)
    out = np.empty((n_time, n_sat, 3), dtype=np.float64)
    valid = np.empty((n_time, n_sat), dtype=np.bool_)
    first_error = np.zeros(n_sat, dtype=np.int64)
    if engine == "satrec_array":
        near = np.zeros(n_sat, dtype=bool)
    else:
        coef, near = near_earth_coefficients(sats)
        if engine == "numba" and not near.all():
            bad = sats.names[int(np.argmin(near))]
            raise PropagationError(
                f"engine='numba': satellite {bad!r} is deep-space (period >= 225 min) or not "
                "WGS72; use engine='auto' or 'satrec_array'")
    if near.any():
        ref_w = float(jd_w[0])
        t_s = np.ascontiguousarray(((jd_w - ref_w) + jd_f) * SECONDS_PER_DAY)
        ep_w, ep_f = sats.epoch_jd_parts()
        offset = ((ref_w - ep_w) - ep_f) * SECONDS_PER_DAY
        uw = np.ascontiguousarray(ut1_w)
        uf = np.ascontiguousarray(ut1_f)
        if near.all():
            run_near_earth(coef, offset, t_s, uw, uf, rotate, out, valid, first_error, n_time)
        else:
            idx = np.flatnonzero(near)
            o = np.empty((n_time, idx.size, 3))
            v = np.empty((n_time, idx.size), dtype=np.bool_)
            fe = np.zeros(idx.size, dtype=np.int64)
            run_near_earth(coef[idx], offset[idx], t_s, uw, uf, rotate, o, v, fe, n_time)
            out[:, idx] = o
            valid[:, idx] = v
            first_error[idx] = fe
    if not near.all():
        far = np.flatnonzero(~near)
        sub = sats if far.size == n_sat else sats.subset(far)
        arr = sub.satrec_array()
        o = out if far.size == n_sat else np.empty((n_time, far.size, 3))
        v = valid if far.size == n_sat else np.empty((n_time, far.size), dtype=np.bool_)
        fe = first_error if far.size == n_sat else np.zeros(far.size, dtype=np.int64)
        for k0 in range(0, n_time, chunk_steps):
            k1 = min(n_time, k0 + chunk_steps)
            e, r, _v = arr.sgp4(jd_w[k0:k1], jd_f[k0:k1])
            _kernels.sgp4_output_to_itrs(r, e, ut1_w[k0:k1], ut1_f[k0:k1], o, v, fe, k0, rotate)
        if far.size != n_sat:
            out[:, far] = o
            valid[:, far] = v
            first_error[far] = fe
    return out, valid, first_error


def j2_inputs(sats: SatelliteSet, grid: TimeGrid) -> dict:
    """Kernel inputs of :func:`propagate_j2` (mean elements in km, rad, rad/s).

    The semi-major axis and mean motion are SGP4's Brouwer values
    ``a'' = satrec.a * 6378.135 km`` and ``n'' = xke a''^(-3/2)`` (un-Kozai'd), with WGS72
    ``J2`` and radius, so the secular rates equal SGP4's first-order J2 terms.
    """
    s = sats.satrecs
    start_w, start_f = datetime_jd_utc_parts(grid.start_utc)
    ep_w, ep_f = sats.epoch_jd_parts()
    return dict(
        epoch_offset_s=((start_w - ep_w) + (start_f - ep_f)) * SECONDS_PER_DAY,
        a_km=np.array([x.a for x in s], dtype=np.float64) * WGS72_A_KM,
        ecc=np.array([x.ecco for x in s], dtype=np.float64),
        inc=np.array([x.inclo for x in s], dtype=np.float64),
        raan0=np.array([x.nodeo for x in s], dtype=np.float64),
        argp0=np.array([x.argpo for x in s], dtype=np.float64),
        m0=np.array([x.mo for x in s], dtype=np.float64),
        # python-sgp4's Satrec exposes no_kozai (and ``no`` as an alias of it); the
        # Brouwer mean motion follows from a'' (earth radii): n'' = xke a''^(-3/2).
        n_rad_s=WGS72_XKE_PER_MIN * np.array([x.a for x in s], dtype=np.float64) ** -1.5 / 60.0,
    )


def propagate_j2(sats: SatelliteSet, grid: TimeGrid, method: str = "auto") -> Ephemeris:
    """J2 secular mean-element propagation (numba), in ITRS.

    Parameters
    ----------
    sats : SatelliteSet
    grid : TimeGrid
    method : {"auto", "recurrence", "direct"}
        ``"recurrence"`` (regular grids; the default there): angle-addition recurrences
        re-seeded every 128 steps and warm-started Kepler solutions
        (:func:`orbits._kernels.j2_propagate_regular`); ``"direct"``: every sample
        evaluated from scratch (:func:`orbits._kernels.j2_propagate`, any grid). Both
        agree to < 1 mm (tests).

    Returns
    -------
    Ephemeris
        ``positions_km`` (n_time, n_sat, 3) ITRS km, ``propagator="j2"``.

    Notes
    -----
    Model: the SGP4 mean elements at epoch drift linearly with Brouwer's first-order
    J2 rates (:func:`orbits._kernels.j2_secular_rates`, Vallado 4th ed. sec. 9.6);
    position from Kepler's equation; TEME -> ITRS by GMST 1982 exactly as the SGP4
    path. Neglected: drag (B*), J3/J4 and all short- and long-period terms.

    Accuracy against SGP4 (measured, ``tests/test_orbits_j2.py``): 48 circular orbits
    (e = 0, B* = 0) at 500-1,200 km and inclinations 0, 30, 53, 70, 86, 98 deg, one
    day at 120 s: largest difference 18.2 km (500 km, 86 deg), smallest per-orbit
    maximum 10.6 km (1,200 km, equatorial), RMS 11.0 km; 16.8 km already in the first
    hour and 18.2 km in the last, i.e. the difference is SGP4's periodic terms (J2
    short-period amplitude ~ J2 R^2 / a ~ 10 km at LEO, which mean elements leave out),
    not secular drift. Bound used in the test: ``J2_VS_SGP4_BOUND_KM`` = 25 km. With
    drag (B* > 0) SGP4 additionally decays the orbit, which this model does not.
    """
    _check(sats, grid)
    n_sat, n_time = len(sats), grid.count
    p = j2_inputs(sats, grid)
    ut1_w, ut1_f = grid.jd_ut1_parts()
    out = np.empty((n_time, n_sat, 3), dtype=np.float64)
    valid = np.empty((n_time, n_sat), dtype=np.bool_)
    err = np.zeros(n_sat, dtype=np.int64)
    if method not in ("auto", "recurrence", "direct"):
        raise PropagationError(f"method={method!r}: allowed 'auto', 'recurrence', 'direct'")
    step = grid.step_s
    if method == "recurrence" and step is None:
        raise PropagationError("method='recurrence' needs a regular grid (grid.step_s is None)")
    if method != "direct" and step is not None:
        _kernels.j2_propagate_regular(float(grid.seconds[0]), float(step), ut1_w, ut1_f,
                                      p["epoch_offset_s"], p["a_km"], p["ecc"], p["inc"],
                                      p["raan0"], p["argp0"], p["m0"], p["n_rad_s"], WGS72_J2,
                                      WGS72_A_KM, J2_RESEED_STEPS, out, valid, err)
        return Ephemeris(grid, list(sats.names), out, valid, err, "j2", sats.sensor_index.copy())
    _kernels.j2_propagate(np.ascontiguousarray(grid.seconds), ut1_w, ut1_f,
                          p["epoch_offset_s"], p["a_km"], p["ecc"], p["inc"], p["raan0"],
                          p["argp0"], p["m0"], p["n_rad_s"], WGS72_J2, WGS72_A_KM,
                          out, valid, err)
    return Ephemeris(grid, list(sats.names), out, valid, err, "j2", sats.sensor_index.copy())


J2_RESEED_STEPS = 128
"""Steps between exact re-evaluations of the angles in the recurrence J2 kernel."""

J2_VS_SGP4_BOUND_KM = 25.0
"""Documented bound on |r_J2 - r_SGP4| after <= 1 day, circular LEO 500-1,200 km (km)."""


def propagate(sats: SatelliteSet, grid: TimeGrid, propagator: str = "sgp4", **kwargs) -> Ephemeris:
    """Propagate ``sats`` on ``grid`` with ``propagator`` = ``"sgp4"`` or ``"j2"``.

    Parameters
    ----------
    sats : SatelliteSet
    grid : TimeGrid
    propagator : {"sgp4", "j2"}
    **kwargs
        Passed to :func:`propagate_sgp4` (``chunk_steps``, ``engine``) or
        :func:`propagate_j2` (``method``).

    Returns
    -------
    Ephemeris
    """
    if propagator == "sgp4":
        return propagate_sgp4(sats, grid, **kwargs)
    if propagator == "j2":
        extra = set(kwargs) - {"method"}
        if extra:
            raise PropagationError(f"propagate_j2 does not take {sorted(extra)}; allowed: method")
        return propagate_j2(sats, grid, **kwargs)
    raise PropagationError(f"propagator={propagator!r}: allowed values are 'sgp4' and 'j2'")
