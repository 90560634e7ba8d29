"""Satellites given by classical (Keplerian) elements: the ``kind = "elements"`` shell.

Each satellite is a mapping with

- ``altitude_km`` (semi-major axis minus the WGS84 equatorial radius 6378.137 km) **or**
  ``semi_major_axis_km``,
- ``eccentricity`` (default 0), ``inclination_deg`` (0..180), ``raan_deg`` (default 0),
  ``arg_perigee_deg`` (default 0),
- ``true_anomaly_deg`` **or** ``mean_anomaly_deg`` (default: mean anomaly 0),
- optional ``epoch`` (UTC; default: the scenario start), ``name`` (default ``E1``, ``E2``...),
  ``bstar`` (SGP4 drag term, 1/earth radii; default 0).

How the elements reach SGP4 (``element_type``)
-----------------------------------------------
Both of the project's propagators work from SGP4 *mean* elements (a python-sgp4 ``Satrec``
made with ``sgp4init``, which is what a TLE/OMM record is turned into; nothing is rounded to
TLE text precision). Classical elements from a study or another tool are usually
*osculating* (the two-body ellipse through the satellite's instantaneous position and
velocity). Mean and osculating elements differ by SGP4's short-period J2 terms, ~1e-3
relative: several km in the semi-major axis at LEO. So:

``element_type="osculating"`` (default)
    The elements are read as osculating elements in SGP4's TEME frame at the epoch
    (GCRF elements are first rotated into it, see ``frame`` below). We fit
    the SGP4 mean elements whose SGP4 state at the epoch (``Satrec.sgp4_tsince(0)``)
    reproduces the osculating position and velocity: fixed-point iteration on the
    equinoctial elements (Broucke & Cefola 1972, non-singular for circular and equatorial
    orbits) ``mean <- mean + (target - osc(SGP4(mean)))``, starting from the osculating
    elements, until the position matches to 1 mm and the velocity to 1 micrometre/s
    (measured: 4 iterations for LEO and Molniya-like orbits, 12 for near-GEO; the method
    is the "inverse SGP4" used to make TLEs from state vectors, cf. Vallado & Crawford,
    AIAA 2008-6770).
``element_type="mean"``
    The elements are handed to ``sgp4init`` unchanged as SGP4 mean elements (what a TLE
    contains). Use this for elements that *are* SGP4/Brouwer mean elements.

Measured cost (``tests/test_elements.py::test_one_day_accuracy``; print the table with
``python -m tests.naive_elements``). Reference: numerical integration (scipy DOP853,
rtol 1e-12) of two-body + J2 + J3 + J4 in SGP4's WGS72 constants from the osculating state;
position difference after 1 day, circular orbits (e = 0, RAAN 40, true anomaly 20 deg)::

    altitude_km  inclination_deg  fitted (default) km  taken as mean km
            500              0.0                0.05              20.3
            500             53.0                1.63             164.4
            500             97.0                1.41             238.4
            800             53.0                1.40             152.6
           1200             53.0                1.14             125.7
           1200             97.0                0.93             183.0

- osculating elements taken as SGP4 mean elements directly: **16-240 km** after one day,
  growing linearly with time (the 5-10 km mean-vs-osculating offset of the semi-major axis
  changes the mean motion by ~1e-3, i.e. an along-track drift);
- fitted mean elements (the default): **0.04-1.6 km** after one day, the intrinsic
  difference between SGP4's analytic theory (first-order J2, lumped J3/J4, no J2^2 secular
  terms) and the integrated zonal field; at the epoch itself the state matches to < 1 mm.
  Exception, SGP4's own: near the critical inclination (63.4 deg) with e > 0.01 SGP4 omits
  the J3/J4 long-period eccentricity terms that are singular there in Brouwer's theory, and
  the 1-day difference grows with e (measured at 800 km, 63.4 deg: 6.7 km at e = 0.01,
  32 km at e = 0.05, 71 km at e = 0.1; at 53 deg it stays under 1.2 km up to e = 0.1).

The frame of the elements (``frame``)
-------------------------------------
``frame="teme"`` (default)
    The elements are referred to SGP4's TEME frame at their epoch (the true equator and
    the mean equinox of date), as TLE/OMM elements are.
``frame="gcrf"``
    The elements are referred to the GCRF, the frame in which STK (ICRF, J2000), GMAT
    (EarthMJ2000Eq) and OrbitPy give classical elements. Aliases ``"icrf"``, ``"j2000"`` and
    ``"eme2000"`` (any case) are read as GCRF: the J2000/EME2000 mean equator and equinox
    differ from the GCRF by the frame bias, a fixed rotation of 23 mas (0.78 m at
    7,000 km, ~0.1 ms of LEO motion), negligible for ground tracks and pass times; ICRF and
    GCRF share their axes. The state built from the elements (:func:`coe_to_rv`) is rotated
    into TEME at the satellite's epoch (:func:`orbits.frames.gcrf_to_teme`, skyfield's
    TEME on its built-in timescale) and then goes on as a TEME state: osculating elements
    are fitted as above; mean elements are re-read from the rotated state
    (:func:`rv_to_equinoctial`), which keeps ``a``, ``e`` and ``M`` and turns the
    inclination, RAAN and argument of perigee into the TEME equator and equinox. The two
    frames differ by precession and nutation since J2000 (at 2026-11-21: a rotation by
    0.376 deg, of which the pole tilts 0.151 deg): read as TEME, GCRF elements put a LEO
    satellite tens of km off its track and seconds off in its pass times.

Matching STK, GMAT or OrbitPy (``examples/stk_access.toml``)
    Their classical elements are in the ICRF/J2000 frame (``frame = "gcrf"``). STK's
    ``J2Perturbation`` propagator with Element Type *Mean* propagates first-order J2
    secular drift of mean elements: ``time.propagator = "j2"`` with ``element_type =
    "mean"``. Both of our propagators precess the orbit about the TEME pole of the epoch
    (STK: Propagation Frame *True of Epoch*); STK's *Inertial* propagation frame precesses
    it about the ICRF pole (0.079 deg away in 2014, 0.151 deg in 2026) and STK's J2 uses
    EGM96 constants where ours are SGP4's WGS72. Measured on the example (ISS, one day,
    six sites, ``tests/test_elements_frame.py``): passes agree with a written-out J2 about
    the epoch's pole to 0.014 s, and with one about the ICRF pole with EGM96 constants to
    0.60 s. The same numbers with the defaults (``frame = "teme"``, ``element_type =
    "osculating"``, ``propagator = "sgp4"``) move the passes by up to 67 s and lose one;
    ``frame = "teme"`` alone by up to 10 s (and one pass lost).

True to mean anomaly (Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed.,
Sec. 2.2, Eqs. 2-9/2-4 and Algorithm 5)::

    E = 2 atan2( sqrt(1 - e) sin(nu/2), sqrt(1 + e) cos(nu/2) ),   M = E - e sin E.

Perigee below the surface (``a (1 - e) <= 6378.137 km``) is refused naming the satellite
index, its name and the key.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from orbits.constants import MU_EARTH_KM3_S2, WGS84_A_KM
from orbits.frames import gcrf_to_teme_matrix
from orbits.satellites import SatelliteSet
from orbits.timegrid import parse_utc

__all__ = ["ElementsError", "ELEMENT_KEYS", "satellites_from_elements",
           "true_to_mean_anomaly", "mean_to_true_anomaly", "coe_to_rv", "rv_to_equinoctial",
           "equinoctial_to_coe", "fit_sgp4_mean_elements", "ELEMENT_FRAMES",
           "FRAME_ALIASES", "element_frame"]

ELEMENT_KEYS = ("name", "altitude_km", "semi_major_axis_km", "eccentricity", "inclination_deg",
                "raan_deg", "arg_perigee_deg", "true_anomaly_deg", "mean_anomaly_deg",
                "epoch", "bstar")
ELEMENT_TYPES = ("osculating", "mean")
#: Frames the elements may be referred to (module docstring).
ELEMENT_FRAMES = ("teme", "gcrf")
#: Accepted spellings (lower case) and the frame each is read as.
FRAME_ALIASES = {"teme": "teme", "gcrf": "gcrf", "icrf": "gcrf", "j2000": "gcrf",
                 "eme2000": "gcrf"}
_FIT_POS_TOL_KM = 1e-6
_FIT_VEL_TOL_KM_S = 1e-9
_FIT_MAX_ITER = 50


class ElementsError(ValueError):
    """Invalid satellite elements. ``index`` (0-based), ``key``, ``value``, ``allowed``."""

    def __init__(self, index, key, value, allowed, name=None):
        self.index = index
        self.key = key
        self.value = value
        self.allowed = allowed
        who = f"satellites[{index}]" if index is not None else "satellites"
        if name is not None:
            who += f" ({name!r})"
        super().__init__(f"{who}: {key} = {value!r} is not allowed: {allowed}")


# --------------------------------------------------------------------------- anomalies

def true_to_mean_anomaly(true_anomaly_rad, eccentricity):
    """Mean anomaly (rad) from true anomaly (rad) for an ellipse (Vallado Alg. 5).

    ``E = 2 atan2(sqrt(1-e) sin(nu/2), sqrt(1+e) cos(nu/2))``, ``M = E - e sin E``.
    Broadcasts; returns M in the same revolution as nu (M = nu at e = 0).
    """
    nu = np.asarray(true_anomaly_rad, dtype=np.float64)
    e = np.asarray(eccentricity, dtype=np.float64)
    E = 2.0 * np.arctan2(np.sqrt(1.0 - e) * np.sin(0.5 * nu), np.sqrt(1.0 + e) * np.cos(0.5 * nu))
    # keep the revolution count of nu (atan2 folds into (-pi, pi])
    E = E + 2.0 * np.pi * np.round((nu - E) / (2.0 * np.pi))
    return E - e * np.sin(E)


def mean_to_true_anomaly(mean_anomaly_rad, eccentricity):
    """True anomaly (rad) from mean anomaly (rad): Newton on Kepler's equation
    ``M = E - e sin E`` (Vallado Alg. 2), then ``nu = 2 atan2(sqrt(1+e) sin(E/2),
    sqrt(1-e) cos(E/2))``."""
    M_in = np.asarray(mean_anomaly_rad, dtype=np.float64)
    e = np.asarray(eccentricity, dtype=np.float64)
    M = (M_in + np.pi) % (2.0 * np.pi) - np.pi      # (-pi, pi]; revolutions added back below
    # Vallado's starting values: E0 = M (e < 0.8) or +-pi (e >= 0.8); Newton then converges
    E = np.where(e < 0.8, M, np.where(M >= 0.0, np.pi, -np.pi))
    for _ in range(60):
        dE = (E - e * np.sin(E) - M) / (1.0 - e * np.cos(E))
        E = E - dE
        if np.all(np.abs(dE) < 1e-15):
            break
    nu = 2.0 * np.arctan2(np.sqrt(1.0 + e) * np.sin(0.5 * E), np.sqrt(1.0 - e) * np.cos(0.5 * E))
    nu = nu + 2.0 * np.pi * np.round((E - nu) / (2.0 * np.pi))
    return nu + (M_in - M)


# --------------------------------------------------------------------------- conversions

def coe_to_rv(a_km, e, i_rad, raan_rad, argp_rad, nu_rad, mu=MU_EARTH_KM3_S2):
    """Classical elements to position/velocity (Vallado Alg. 10, COE2RV).

    Returns
    -------
    r_km, v_km_s : ndarray (3,)
        In the frame the elements are referred to (here TEME).
    """
    p = a_km * (1.0 - e * e)
    r_pqw = np.array([p * math.cos(nu_rad), p * math.sin(nu_rad), 0.0]) / (1.0 + e * math.cos(nu_rad))
    v_pqw = np.array([-math.sin(nu_rad), e + math.cos(nu_rad), 0.0]) * math.sqrt(mu / p)
    cO, sO = math.cos(raan_rad), math.sin(raan_rad)
    cw, sw = math.cos(argp_rad), math.sin(argp_rad)
    ci, si = math.cos(i_rad), math.sin(i_rad)
    R = np.array([
        [cO * cw - sO * sw * ci, -cO * sw - sO * cw * ci, sO * si],
        [sO * cw + cO * sw * ci, -sO * sw + cO * cw * ci, -cO * si],
        [sw * si, cw * si, ci],
    ])
    return R @ r_pqw, R @ v_pqw


def rv_to_equinoctial(r_km, v_km_s, mu=MU_EARTH_KM3_S2, retrograde=False):
    """Position/velocity to equinoctial elements (Broucke & Cefola, Celestial Mechanics 5,
    303-310, 1972; also Vallado Sec. 2.4.3), with retrograde factor ``I = +1`` (direct) or
    ``I = -1`` (``retrograde=True``; non-singular near i = 180 deg instead of i = 0).

    Returns
    -------
    ndarray (6,)
        ``a`` (km), ``h = e sin(w + I O)``, ``k = e cos(w + I O)``, ``p = tan(i/2)^I sin O``,
        ``q = tan(i/2)^I cos O``, ``lam = M + w + I O`` (rad, mean longitude).
    """
    I = -1.0 if retrograde else 1.0
    r = np.asarray(r_km, dtype=np.float64)
    v = np.asarray(v_km_s, dtype=np.float64)
    rn = np.linalg.norm(r)
    v2 = v @ v
    a = 1.0 / (2.0 / rn - v2 / mu)
    hvec = np.cross(r, v)
    w = hvec / np.linalg.norm(hvec)
    p = w[0] / (1.0 + I * w[2])
    q = -w[1] / (1.0 + I * w[2])
    s = 1.0 + p * p + q * q
    f_hat = np.array([1.0 - p * p + q * q, 2.0 * p * q, -2.0 * I * p]) / s
    g_hat = np.array([2.0 * I * p * q, I * (1.0 + p * p - q * q), 2.0 * q]) / s
    e_vec = ((v2 - mu / rn) * r - (r @ v) * v) / mu
    k = e_vec @ f_hat
    h = e_vec @ g_hat
    L = math.atan2(r @ g_hat, r @ f_hat)          # true longitude
    e = math.hypot(h, k)
    varpi = math.atan2(h, k)
    M = float(true_to_mean_anomaly(L - varpi, e))
    return np.array([a, h, k, p, q, (M + varpi) % (2.0 * math.pi)])


def equinoctial_to_coe(eq, retrograde=False):
    """Equinoctial ``(a, h, k, p, q, lam)`` to classical ``(a, e, i, raan, argp, M)`` (rad)."""
    I = -1.0 if retrograde else 1.0
    a, h, k, p, q, lam = eq
    e = math.hypot(h, k)
    t = 2.0 * math.atan(math.hypot(p, q))
    i = math.pi - t if retrograde else t
    raan = math.atan2(p, q) % (2.0 * math.pi)
    varpi = math.atan2(h, k)
    argp = (varpi - I * raan) % (2.0 * math.pi)
    M = (lam - varpi) % (2.0 * math.pi)
    return a, e, i, raan, argp, M


def _satrec(name, a_km, e, i_rad, raan_rad, argp_rad, M_rad, epoch, bstar):
    s = SatelliteSet.from_elements([name], a_km, e, math.degrees(i_rad), math.degrees(raan_rad),
                                   math.degrees(argp_rad), math.degrees(M_rad), epoch,
                                   bstar=bstar)
    return s.satrecs[0]


def fit_sgp4_mean_elements(r_km, v_km_s, epoch_utc, bstar=0.0, name="fit"):
    """SGP4 mean elements whose SGP4 state at epoch equals ``(r_km, v_km_s)`` (TEME).

    Fixed-point iteration on equinoctial elements (module docstring); the retrograde set
    (``I = -1``) is used when the inclination exceeds 90 deg.

    Returns
    -------
    (a_km, e, i_rad, raan_rad, argp_rad, M_rad), iterations, (dr_km, dv_km_s)
        Brouwer mean semi-major axis as :meth:`SatelliteSet.from_elements` takes it, and the
        final residuals at epoch.

    Raises
    ------
    RuntimeError
        No convergence in 50 iterations (the caller reports it as an ElementsError).
    """
    hz = np.cross(r_km, v_km_s)[2]
    retro = bool(hz < 0.0)                      # inclination above 90 deg
    target = rv_to_equinoctial(r_km, v_km_s, retrograde=retro)
    mean = target.copy()
    two_pi = 2.0 * math.pi
    for it in range(1, _FIT_MAX_ITER + 1):
        coe = equinoctial_to_coe(mean, retro)
        sat = _satrec(name, *coe, epoch_utc, bstar)
        err, r, v = sat.sgp4_tsince(0.0)
        if err != 0:
            raise RuntimeError(f"SGP4 error {err} during the fit")
        dr = float(np.linalg.norm(np.subtract(r, r_km)))
        dv = float(np.linalg.norm(np.subtract(v, v_km_s)))
        if dr < _FIT_POS_TOL_KM and dv < _FIT_VEL_TOL_KM_S:
            return coe, it, (dr, dv)
        osc = rv_to_equinoctial(r, v, retrograde=retro)
        d = target - osc
        d[5] = (d[5] + math.pi) % two_pi - math.pi
        mean = mean + d
    raise RuntimeError(f"no convergence in {_FIT_MAX_ITER} iterations "
                       f"(residual {dr * 1e3:.3g} m, {dv * 1e6:.3g} mm/s)")


def element_frame(value):
    """The frame ``value`` names: ``"teme"`` or ``"gcrf"`` (aliases of :data:`FRAME_ALIASES`,
    any case, surrounding blanks ignored).

    Raises
    ------
    ElementsError
        ``key="frame"``, naming the value and the accepted spellings.
    """
    if isinstance(value, str) and value.strip().lower() in FRAME_ALIASES:
        return FRAME_ALIASES[value.strip().lower()]
    raise ElementsError(None, "frame", value, "one of " + ", ".join(
        repr(k) for k in FRAME_ALIASES) + " (any case; icrf, j2000 and eme2000 are read as gcrf)")


def _teme_coe_from_rv(r_km, v_km_s):
    """Classical ``(a, e, i, raan, argp, M)`` (km, rad) of a state, non-singular path via
    the equinoctial elements (retrograde set above 90 deg inclination)."""
    retro = bool(np.cross(r_km, v_km_s)[2] < 0.0)
    return equinoctial_to_coe(rv_to_equinoctial(r_km, v_km_s, retrograde=retro), retro)


# --------------------------------------------------------------------------- API

def _num(i, name, d, key, default=None, lo=-math.inf, hi=math.inf, allowed=None,
         lo_open=False, hi_open=False):
    if key not in d or d[key] is None:
        if default is None:
            raise ElementsError(i, key, None, allowed or "a number", name)
        return float(default)
    v = d[key]
    ok = isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(float(v))
    if ok:
        x = float(v)
        ok = (x > lo if lo_open else x >= lo) and (x < hi if hi_open else x <= hi)
    if not ok:
        raise ElementsError(i, key, v, allowed or "a finite number", name)
    return float(v)


def satellites_from_elements(list_of_dicts, default_epoch_utc, element_type="osculating",
                             name_prefix="E", frame="teme"):
    """Build a :class:`orbits.satellites.SatelliteSet` from classical elements.

    Parameters
    ----------
    list_of_dicts : list of dict
        One mapping per satellite with the keys of the module docstring
        (:data:`ELEMENT_KEYS`); angles in degrees, lengths in km.
    default_epoch_utc : str or datetime
        Epoch for satellites without ``epoch`` (the scenario start).
    element_type : {"osculating", "mean"}
        How the elements are read (module docstring): osculating elements are fitted to
        SGP4 mean elements (default); mean elements go to ``sgp4init`` unchanged.
    name_prefix : str
        Default names are ``{prefix}{index + 1}``.
    frame : {"teme", "gcrf"} or an alias ("icrf", "j2000", "eme2000"), any case
        The frame the elements are referred to (module docstring); GCRF elements are
        rotated into TEME at each satellite's epoch.

    Returns
    -------
    SatelliteSet
        One satellite per entry, in order; ``source`` says ``"elements (osculating)"`` or
        ``"elements (mean)"``, with ``", GCRF"`` added for GCRF elements.

    Raises
    ------
    ElementsError
        Unknown key, missing/ambiguous size or anomaly, out-of-range value, perigee below
        the surface; the message names the satellite index (0-based), its name and the key.
    """

    if element_type not in ELEMENT_TYPES:
        raise ElementsError(None, "element_type", element_type, "one of 'osculating', 'mean'")
    frame = element_frame(frame)
    to_teme = {}                                # epoch -> GCRF -> TEME matrix
    if not isinstance(list_of_dicts, (list, tuple)) or not list_of_dicts:
        raise ElementsError(None, "satellites", list_of_dicts, "a non-empty list of element tables")
    names, rows, epochs = [], [], []
    for i, d in enumerate(list_of_dicts):
        if not isinstance(d, dict):
            raise ElementsError(i, "satellite", d, "a table of elements")
        name = d.get("name")
        for k in d:
            if k not in ELEMENT_KEYS:
                raise ElementsError(i, k, d[k], f"a known key: one of {', '.join(ELEMENT_KEYS)}", name)
        if name is None:
            name = f"{name_prefix}{i + 1}"
        if not isinstance(name, str) or not name.strip():
            raise ElementsError(i, "name", name, "a non-empty string")
        name = name.strip()
        if name in names:
            raise ElementsError(i, "name", name, "a name not used by another satellite")
        has_alt = d.get("altitude_km") is not None
        has_sma = d.get("semi_major_axis_km") is not None
        if has_alt == has_sma:
            raise ElementsError(i, "altitude_km" if has_alt else "semi_major_axis_km", None,
                                "exactly one of altitude_km or semi_major_axis_km", name)
        e = _num(i, name, d, "eccentricity", 0.0, 0.0, 1.0, "a number with 0 <= e < 1",
                 hi_open=True)
        if has_alt:
            alt = _num(i, name, d, "altitude_km", None, 0.0, math.inf,
                       "a number > 0 km (semi-major axis minus 6378.137 km)", lo_open=True)
            a = WGS84_A_KM + alt
            size_key, size_val = "altitude_km", d["altitude_km"]
        else:
            a = _num(i, name, d, "semi_major_axis_km", None, 0.0, math.inf, "a number > 0 km",
                     lo_open=True)
            size_key, size_val = "semi_major_axis_km", d["semi_major_axis_km"]
        perigee_alt = a * (1.0 - e) - WGS84_A_KM
        if not perigee_alt > 0.0:
            key, val = (("eccentricity", d.get("eccentricity")) if e > 0 else (size_key, size_val))
            raise ElementsError(i, key, val,
                                f"elements with perigee above the surface: perigee altitude "
                                f"a(1-e) - {WGS84_A_KM} km = {perigee_alt:.1f} km", name)
        inc = _num(i, name, d, "inclination_deg", None, 0.0, 180.0, "a number from 0 to 180 deg")
        raan = _num(i, name, d, "raan_deg", 0.0)
        argp = _num(i, name, d, "arg_perigee_deg", 0.0)
        if d.get("true_anomaly_deg") is not None and d.get("mean_anomaly_deg") is not None:
            raise ElementsError(i, "true_anomaly_deg", d["true_anomaly_deg"],
                                "at most one of true_anomaly_deg or mean_anomaly_deg", name)
        if d.get("true_anomaly_deg") is not None:
            nu = math.radians(_num(i, name, d, "true_anomaly_deg"))
            M = float(true_to_mean_anomaly(nu, e))
        else:
            M = math.radians(_num(i, name, d, "mean_anomaly_deg", 0.0))
            nu = float(mean_to_true_anomaly(M, e))
        bstar = _num(i, name, d, "bstar", 0.0)
        try:
            epoch = parse_utc(d["epoch"]) if d.get("epoch") is not None else parse_utc(default_epoch_utc)
        except ValueError as exc:
            raise ElementsError(i, "epoch", d.get("epoch", default_epoch_utc),
                                f"a UTC ISO-8601 time ({exc})", name) from None
        names.append(name)
        epochs.append(epoch)
        if element_type == "mean" and frame == "teme":
            rows.append((a, e, math.radians(inc), math.radians(raan), math.radians(argp), M, bstar))
            continue
        r, v = coe_to_rv(a, e, math.radians(inc), math.radians(raan), math.radians(argp), nu)
        if frame == "gcrf":
            if epoch not in to_teme:
                to_teme[epoch] = gcrf_to_teme_matrix(epoch)
            r, v = to_teme[epoch] @ r, to_teme[epoch] @ v
            if element_type == "mean":
                # a rigid rotation: a, e and M are kept; i, RAAN, argp move to TEME's axes
                rows.append((*_teme_coe_from_rv(r, v), bstar))
                continue
        try:
            coe, _, _ = fit_sgp4_mean_elements(r, v, epoch, bstar, name)
        except (RuntimeError, ValueError) as exc:
            raise ElementsError(i, "element_type", element_type,
                                f"'mean' for this satellite: its osculating elements could not "
                                f"be fitted to SGP4 mean elements ({exc})", name) from None
        rows.append((*coe, bstar))
    arr = np.array(rows)
    return SatelliteSet.from_elements(
        names, arr[:, 0], arr[:, 1], np.degrees(arr[:, 2]), np.degrees(arr[:, 3]),
        np.degrees(arr[:, 4]), np.degrees(arr[:, 5]), epochs, bstar=arr[:, 6],
        source=f"elements ({element_type}{', GCRF' if frame == 'gcrf' else ''})")
