"""Infrared signature of a hypersonic glide vehicle (in-band radiant intensity).

Model (all assumptions are parameters)
--------------------------------------
1. **Stagnation heating** -- Sutton & Graves (1971, NASA TR R-376)::

       q_s = k sqrt(rho / R_n) V^3,   k = 1.7415e-4 kg^0.5 m^-1 (Earth air),

   with ``rho`` from the U.S. Standard Atmosphere 1976 at the vehicle's
   altitude, ``V`` the air-relative speed (the trajectory's Earth-relative
   speed: the atmosphere co-rotates) and ``R_n`` the nose radius.
2. **Stagnation temperature** -- radiative-equilibrium wall,
   ``eps sigma T_s^4 = q_s`` (conduction into the structure neglected: an
   upper bound on the wall temperature for a given heating).
3. **Body temperature** -- the rest of the hot surface sees a fraction
   ``f = body_heating_fraction`` of the stagnation heating and is also in
   radiative equilibrium: ``T_b = T_s f^(1/4)``.  Laminar heating on a blunted
   body falls to roughly 0.05-0.2 of the stagnation value a few nose radii
   downstream (Lees 1956, "Laminar heat transfer over blunt-nosed bodies at
   hypersonic flight speeds", Jet Propulsion 26, 259; on flat and conical
   surfaces laminar heating decays roughly as x^-1/2); the default 0.1 sits in
   that range.  It is a knob, not a result.
4. **Radiant intensity** -- two grey Lambertian emitters (radiance the same
   in every direction) seen by the sensor with *projected* areas: the nose cap
   at ``T_s`` with projected area ``pi R_n^2`` (``nose_area_m2``) and the body
   at ``T_b`` with projected area ``hot_area_m2``::

       I = eps [ L_band(T_s) A_nose + L_band(T_b) A_hot ]      (W/sr),
       L_band(T) = integral over the band of Planck's B_lambda(T) d lambda,

   integrated exactly (series of Widger & Woodall 1976; see
   :mod:`hgv_models._signature_kernels`).  No atmospheric transmission,
   no plume/wake or shock-layer gas radiation, no aspect dependence beyond
   the projected areas you pass: the intensity *at the vehicle*.

Why the knobs matter: open estimates of HGV SWIR intensity in glide differ by
about two orders of magnitude (roughly 3 to 370 kW/sr are quoted), mostly
through emissivity, nose radius, hot area and the body temperature assumed.
Keep the assumptions next to any detection claim.  With the defaults below
(eps 0.85, R_n 0.1 m, 1 m^2 projected hot body area, f = 0.1), a vehicle at
40 km and 5 km/s gives about 87 kW/sr in 1.4-3.0 um (71 kW/sr from the body).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._signature_kernels import (
    planck_band_radiance_array,
    signature_kernel,
)
from .atmosphere import ALTITUDE_MIN_KM

__all__ = [
    "SWIR_BAND_UM",
    "MWIR_BAND_UM",
    "SignatureError",
    "SignatureResult",
    "planck_band_radiance_w_m2_sr",
    "stagnation_heat_flux_w_m2",
    "surface_temperatures_k",
    "signature",
    "in_band_intensity_w_sr",
    "trajectory_intensity_w_sr",
    "irradiance_w_m2",
]

SWIR_BAND_UM = (1.4, 3.0)
MWIR_BAND_UM = (3.0, 5.0)

DEFAULT_EMISSIVITY = 0.85
DEFAULT_NOSE_RADIUS_M = 0.1
DEFAULT_HOT_AREA_M2 = 1.0
DEFAULT_BODY_HEATING_FRACTION = 0.1


class SignatureError(ValueError):
    """Invalid signature-model input; the message names the parameter."""


class SignatureResult(NamedTuple):
    """Signature along a path; every field has the input's shape.

    Attributes
    ----------
    stagnation_heat_flux_w_m2 : ndarray
        Sutton-Graves stagnation heating, W/m^2.
    stagnation_temperature_k : ndarray
        Radiative-equilibrium stagnation temperature, K.
    body_temperature_k : ndarray
        Radiative-equilibrium body temperature, K.
    intensity_w_sr : ndarray
        In-band radiant intensity (nose + body), W/sr.
    body_intensity_w_sr : ndarray
        The body's part of ``intensity_w_sr``, W/sr.
    """

    stagnation_heat_flux_w_m2: np.ndarray
    stagnation_temperature_k: np.ndarray
    body_temperature_k: np.ndarray
    intensity_w_sr: np.ndarray
    body_intensity_w_sr: np.ndarray


def _check_band(band_um):
    try:
        lo, hi = (float(v) for v in band_um)
    except (TypeError, ValueError):
        raise SignatureError(
            f"band_um={band_um!r} must be a pair (lo_um, hi_um) of wavelengths in micrometres"
        ) from None
    if not (np.isfinite(lo) and lo > 0.0 and hi > lo):
        raise SignatureError(
            f"band_um={band_um!r}: need 0 < lo_um < hi_um (hi_um may be inf), in micrometres"
        )
    return lo, hi


def _check_positive(name, value, upper=None):
    v = float(value)
    if not (np.isfinite(v) and v > 0.0) or (upper is not None and v > upper):
        allowed = f"0 < {name} <= {upper}" if upper is not None else f"{name} > 0"
        raise SignatureError(f"{name}={value!r} is not allowed: need {allowed}")
    return v


def _check_nonnegative(name, value):
    v = float(value)
    if not (np.isfinite(v) and v >= 0.0):
        raise SignatureError(f"{name}={value!r} is not allowed: need a finite {name} >= 0")
    return v


def planck_band_radiance_w_m2_sr(temperature_k, band_um=SWIR_BAND_UM):
    """Blackbody radiance integrated over a wavelength band.

    Parameters
    ----------
    temperature_k : float or array_like
        Temperature, K (>= 0).
    band_um : (float, float)
        Band edges in micrometres; the upper edge may be ``inf``.

    Returns
    -------
    float or ndarray
        ``integral B_lambda(T) d lambda`` over the band, W m^-2 sr^-1, shape of
        ``temperature_k``.  ``(0, inf)`` gives ``sigma T^4 / pi``.
    """
    lo, hi = _check_band(band_um)
    t = np.asarray(temperature_k, dtype=np.float64)
    if np.any(~np.isfinite(t) | (t < 0.0)):
        raise SignatureError(
            f"temperature_k={temperature_k!r}: need finite temperatures >= 0 K"
        )
    out = planck_band_radiance_array(np.ascontiguousarray(t.reshape(-1)), lo, hi)
    return float(out[0]) if t.ndim == 0 else out.reshape(t.shape)


def _prepare(altitude_km, speed_km_s):
    z = np.asarray(altitude_km, dtype=np.float64)
    v = np.asarray(speed_km_s, dtype=np.float64)
    try:
        z, v = np.broadcast_arrays(z, v)
    except ValueError:
        raise SignatureError(
            f"altitude_km shape {z.shape} and speed_km_s shape {v.shape} do not broadcast"
        ) from None
    if np.any(~np.isfinite(z) | (z < ALTITUDE_MIN_KM)):
        bad = z[~(np.isfinite(z) & (z >= ALTITUDE_MIN_KM))].reshape(-1)[0]
        raise SignatureError(
            f"altitude_km={bad!r} is not allowed: need finite altitudes >= {ALTITUDE_MIN_KM} km"
        )
    if np.any(~np.isfinite(v) | (v < 0.0)):
        bad = v[~(np.isfinite(v) & (v >= 0.0))].reshape(-1)[0]
        raise SignatureError(f"speed_km_s={bad!r} is not allowed: need finite speeds >= 0 km/s")
    return z, v


def signature(altitude_km, speed_km_s, band_um=SWIR_BAND_UM, emissivity=DEFAULT_EMISSIVITY,
              nose_radius_m=DEFAULT_NOSE_RADIUS_M, hot_area_m2=DEFAULT_HOT_AREA_M2,
              body_heating_fraction=DEFAULT_BODY_HEATING_FRACTION, nose_area_m2=None):
    """Heating, temperatures and in-band intensity along a path.

    Parameters
    ----------
    altitude_km : float or array_like
        Geometric altitude, km (>= -5; density is zero above 1000 km).
    speed_km_s : float or array_like
        Air-relative speed, km/s (broadcast against ``altitude_km``).
    band_um : (float, float)
        Sensor band in micrometres, default SWIR (1.4, 3.0); MWIR is (3, 5).
    emissivity : float
        Grey-body emissivity in (0, 1]; used both for radiative equilibrium
        and for emission.
    nose_radius_m : float
        Nose radius for Sutton-Graves, m.
    hot_area_m2 : float
        Projected area (toward the sensor) of the body surface at the body
        temperature, m^2 (0 to count the nose only).
    body_heating_fraction : float
        Body heat flux as a fraction of the stagnation heat flux, in [0, 1].
    nose_area_m2 : float, optional
        Projected area of the nose cap at the stagnation temperature; default
        ``pi nose_radius_m^2``.

    Returns
    -------
    SignatureResult
        Arrays of the broadcast input shape (0-d arrays for scalars).
    """
    lo, hi = _check_band(band_um)
    eps = _check_positive("emissivity", emissivity, upper=1.0)
    rn = _check_positive("nose_radius_m", nose_radius_m)
    a_hot = _check_nonnegative("hot_area_m2", hot_area_m2)
    f = _check_nonnegative("body_heating_fraction", body_heating_fraction)
    if f > 1.0:
        raise SignatureError(
            f"body_heating_fraction={body_heating_fraction!r} is not allowed: need 0 <= f <= 1"
        )
    a_nose = np.pi * rn * rn if nose_area_m2 is None else _check_nonnegative(
        "nose_area_m2", nose_area_m2)
    z, v = _prepare(altitude_km, speed_km_s)
    shape = z.shape
    out = np.empty((z.size, 5))
    signature_kernel(np.ascontiguousarray(z.reshape(-1)), np.ascontiguousarray(v.reshape(-1)),
                     lo, hi, eps, rn, a_nose, a_hot, f, out)
    cols = [out[:, j].reshape(shape) for j in range(5)]
    return SignatureResult(*cols)


def stagnation_heat_flux_w_m2(altitude_km, speed_km_s, nose_radius_m=DEFAULT_NOSE_RADIUS_M):
    """Sutton-Graves stagnation-point heat flux (W/m^2); divide by 1e4 for W/cm^2.

    ``q = 1.7415e-4 sqrt(rho / R_n) V^3`` with US 1976 density.  Shapes as
    :func:`signature`.
    """
    r = signature(altitude_km, speed_km_s, nose_radius_m=nose_radius_m)
    q = r.stagnation_heat_flux_w_m2
    return float(q) if q.ndim == 0 else q


def surface_temperatures_k(altitude_km, speed_km_s, emissivity=DEFAULT_EMISSIVITY,
                           nose_radius_m=DEFAULT_NOSE_RADIUS_M,
                           body_heating_fraction=DEFAULT_BODY_HEATING_FRACTION):
    """(stagnation, body) radiative-equilibrium temperatures, K. Shapes as input."""
    r = signature(altitude_km, speed_km_s, emissivity=emissivity, nose_radius_m=nose_radius_m,
                  body_heating_fraction=body_heating_fraction)
    ts, tb = r.stagnation_temperature_k, r.body_temperature_k
    if ts.ndim == 0:
        return float(ts), float(tb)
    return ts, tb


def in_band_intensity_w_sr(altitude_km, speed_km_s=None, band_um=SWIR_BAND_UM,
                           emissivity=DEFAULT_EMISSIVITY, nose_radius_m=DEFAULT_NOSE_RADIUS_M,
                           hot_area_m2=DEFAULT_HOT_AREA_M2,
                           body_heating_fraction=DEFAULT_BODY_HEATING_FRACTION,
                           nose_area_m2=None):
    """In-band radiant intensity (W/sr) of the vehicle.

    Parameters
    ----------
    altitude_km : float, array_like, or trajectory
        Geometric altitude(s), km; or any object with ``altitude_km`` and
        ``speed_km_s`` arrays (then leave ``speed_km_s`` as None).
    speed_km_s : float or array_like, optional
        Air-relative speed(s), km/s.
    band_um, emissivity, nose_radius_m, hot_area_m2, body_heating_fraction, nose_area_m2
        Model assumptions; see :func:`signature` and the module docstring.
        They set the answer to within an order of magnitude: state them.

    Returns
    -------
    float or ndarray
        Intensity in W/sr; float for scalar input, else the input's shape
        ((n,) for a trajectory).
    """
    if speed_km_s is None:
        if not (hasattr(altitude_km, "altitude_km") and hasattr(altitude_km, "speed_km_s")):
            raise SignatureError(
                "speed_km_s is required unless the first argument is a trajectory with "
                "altitude_km and speed_km_s arrays"
            )
        traj = altitude_km
        altitude_km, speed_km_s = traj.altitude_km, traj.speed_km_s
    r = signature(altitude_km, speed_km_s, band_um=band_um, emissivity=emissivity,
                  nose_radius_m=nose_radius_m, hot_area_m2=hot_area_m2,
                  body_heating_fraction=body_heating_fraction, nose_area_m2=nose_area_m2)
    i = r.intensity_w_sr
    return float(i) if i.ndim == 0 else i


def trajectory_intensity_w_sr(trajectory, **kwargs):
    """In-band intensity (W/sr) at every sample of a trajectory.

    ``trajectory`` is any object with ``altitude_km`` and ``speed_km_s`` (n,)
    arrays (e.g. :class:`hgv_models.trajectory.Trajectory`); keyword arguments
    as :func:`in_band_intensity_w_sr`.  Returns an (n,) array.
    """
    for name in ("altitude_km", "speed_km_s"):
        if not hasattr(trajectory, name):
            raise SignatureError(f"trajectory has no {name!r} array")
    return np.atleast_1d(in_band_intensity_w_sr(
        np.asarray(trajectory.altitude_km, dtype=np.float64),
        np.asarray(trajectory.speed_km_s, dtype=np.float64), **kwargs))


def irradiance_w_m2(intensity_w_sr, range_km):
    """In-band irradiance at a sensor, W/m^2: ``E = I / r^2`` (point source).

    No atmospheric transmission (a space-based sensor looking down at a glider
    above most of the water vapour sees some extinction in SWIR; apply your own
    factor).  ``intensity_w_sr`` and ``range_km`` broadcast; range > 0.
    """
    i = np.asarray(intensity_w_sr, dtype=np.float64)
    r = np.asarray(range_km, dtype=np.float64)
    if np.any(~np.isfinite(r) | (r <= 0.0)):
        raise SignatureError(f"range_km={range_km!r} is not allowed: need finite ranges > 0 km")
    e = i / (r * 1.0e3) ** 2
    return float(e) if np.ndim(e) == 0 else e
