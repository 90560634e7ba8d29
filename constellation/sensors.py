"""Sensor model of a tracking satellite: the constraints that decide "satellite detects target".

A :class:`Sensor` holds every constraint of ``DESIGN.md`` ("Detection geometry"); all
configured constraints must hold at once:

``min_elevation_deg``
    Elevation of the satellite above the target's local **geodetic** horizon (the plane
    normal to the WGS84 ellipsoid normal at the target), ``asin(u . n)`` with ``u`` the unit
    vector target -> satellite and ``n`` the ellipsoid normal (as skyfield's
    ``wgs84.latlon(...).at(t)`` / ``altaz()``).
``field_of_regard_deg``
    Full cone angle about **geocentric** nadir (direction satellite -> Earth centre); the
    off-nadir angle of the target must be ``<= field_of_regard_deg / 2``. ``None``: no limit.
``max_range_km``
    Slant range satellite -> target. ``None``: no limit.
``grazing_altitude_km``
    The straight segment satellite -> target must not enter the WGS84 ellipsoid with both
    semi-axes grown by this altitude (``a + g``, ``a + g``, ``b + g``). Tested exactly by
    scaling space so that this ellipsoid becomes the unit sphere and checking the segment's
    closest approach to the origin. A target *below* the grazing altitude lies inside that
    ellipsoid and is therefore never detected (the literal definition). ``None``: no test.
Radiometric (optional)
    ``detection_threshold_kw_sr`` (kW/sr at ``reference_range_km``): detected when the
    target's in-band intensity ``I >= threshold * (range / reference_range)^2``, i.e. the
    irradiance ``I / range^2`` clears the irradiance the threshold source gives at the
    reference range (inverse-square law, no atmospheric transmission: the line of sight of a
    space-based sensor to a target above ~20 km crosses little absorbing air; stated
    limitation). Alternatively ``noise_equivalent_irradiance_w_m2`` with ``snr_threshold``:
    detected when ``I / range^2 >= snr_threshold * NEI`` (range in m), which is the same test
    with threshold ``snr * NEI * reference_range^2``. ``band_um`` is the band the intensity
    is computed in (passed to ``hgv_models.signature.in_band_intensity_w_sr``).

View constraints and background (issue 19)
    ``clutter_altitude_km`` (default :data:`DEFAULT_CLUTTER_ALTITUDE_KM` = 20 km): altitude of
    the clutter layer that decides each line of sight's background. Continued beyond the
    target, the line of sight meets the Earth grown by this layer ("earth" background: the
    target seen against clouds and the lit or warm lower atmosphere) or not ("space": limb or
    cold space behind the target). Closed form in :mod:`constellation._geometry` ("Background
    of a line of sight"). ``require_space_background`` (default false): when true a
    detection needs a space background. ``min_off_nadir_deg`` (default 0 = off): inner
    exclusion cone about geocentric nadir; the off-nadir angle must be ``>= min_off_nadir_deg``
    (limb-viewing sensors have a blind spot beneath each satellite).

Stereo: two detecting satellites form a stereo pair when their lines of sight meet at the
target at a convergence angle in ``[stereo_min_angle_deg, 180 - stereo_min_angle_deg]``.
``angular_noise_urad`` is each line of sight's 1-sigma angular error (per transverse axis),
used for the triangulation error (see :func:`constellation._geometry.triangulation_sigma_m`).

Kernel parameter vector
-----------------------
:meth:`Sensor.kernel_params` packs the sensor into a float64 vector read by the numba
kernels in :mod:`constellation._geometry`; the indices are the ``P_*`` constants there.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from ._geometry import (
    N_PARAM,
    P_COS_HALF_FOR,
    P_COS_STEREO_MIN,
    P_GRAZING_KM,
    P_HALF_FOR_RAD,
    P_HAS_GRAZING,
    P_CLUTTER_A2_KM2,
    P_CLUTTER_K,
    P_CLUTTER_KM,
    P_COS_MIN_OFF_NADIR,
    P_INTENSITY_W_SR,
    P_MAX_RANGE_KM,
    P_MIN_OFF_NADIR_RAD,
    P_REQUIRE_SPACE,
    WGS84_A_KM,
    WGS84_B_KM,
    P_MIN_EL_RAD,
    P_NOISE_RAD,
    P_REF_RANGE_KM,
    P_SIN_MIN_EL,
    P_STEREO_MIN_RAD,
    P_THRESHOLD_W_SR,
)

__all__ = ["Sensor", "SensorError", "sensor_table", "as_sensor_list", "DEFAULT_CLUTTER_ALTITUDE_KM"]

DEFAULT_CLUTTER_ALTITUDE_KM = 20.0
"""Default clutter-layer altitude (km) of the background classification.

The top of the weather: deep convective cloud tops reach the tropopause, about 16-18 km in the
tropics and 8-12 km at mid and high latitudes, with overshooting tops a few km above it (Wallace
& Hobbs, *Atmospheric Science*, 2nd ed., 2006, sec. 1.3.3 and ch. 8; the tropical tropopause
near 17 km, Holton, *An Introduction to Dynamic Meteorology*, 4th ed., sec. 1.3). 20 km clears
the highest cloud tops of the theatre (the tropical western Pacific), so a line of sight
passing above it sees only the stratosphere and space behind the target; users may lower it
(e.g. 15 km) for a mid-latitude study.
"""


class SensorError(ValueError):
    """Invalid sensor parameter; the message names the field, the value and what is allowed."""


def _finite(name, value, allow_none=False):
    if value is None:
        if allow_none:
            return None
        raise SensorError(f"sensor.{name}=None: a number is required")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise SensorError(f"sensor.{name}={value!r}: must be a number")
    v = float(value)
    if not math.isfinite(v):
        raise SensorError(f"sensor.{name}={value!r}: must be finite")
    return v


@dataclass
class Sensor:
    """Constraints and noise of one sensor type (see the module docstring for definitions).

    Parameters
    ----------
    name : str
        Label (e.g. ``"wide-field warning"``).
    min_elevation_deg : float
        Minimum elevation of the satellite above the target's geodetic horizon (deg, [-90, 90]).
    field_of_regard_deg : float or None
        Full cone angle about geocentric nadir (deg, (0, 360]; >= 2x the Earth's angular
        radius means no effective limit). ``None``: unlimited.
    max_range_km : float or None
        Maximum slant range (km, > 0). ``None``: unlimited.
    grazing_altitude_km : float or None
        Minimum altitude of the line of sight over the inflated WGS84 ellipsoid (km, >= 0).
        ``None``: no test (the line of sight may even cross the Earth unless the elevation
        mask forbids it; with ``min_elevation_deg >= 0`` it cannot).
    stereo_min_angle_deg : float
        Minimum convergence angle of a stereo pair (deg, [0, 90]).
    angular_noise_urad : float
        Line-of-sight 1-sigma angular noise per transverse axis (microradians, > 0).
    detection_threshold_kw_sr : float or None
        Radiometric threshold (kW/sr) at ``reference_range_km``. ``None``: off.
    reference_range_km : float
        Range at which ``detection_threshold_kw_sr`` applies (km, > 0).
    noise_equivalent_irradiance_w_m2 : float or None
        Alternative radiometric model: NEI (W/m^2); detected when ``I / R^2 >= snr * NEI``.
        Mutually exclusive with ``detection_threshold_kw_sr``.
    snr_threshold : float
        Signal-to-noise ratio required with the NEI model (> 0).
    band_um : tuple of float
        Spectral band (micrometres) the target intensity is computed in.
    clutter_altitude_km : float
        Altitude (km, [0, 100]) of the clutter layer above the WGS84 ellipsoid (both semi-axes
        grown by it) that decides whether a line of sight has an Earth or a space background.
    require_space_background : bool
        When true, a detection also needs a space background.
    min_off_nadir_deg : float
        Inner exclusion cone (deg, [0, 90)): the off-nadir angle about geocentric nadir must be
        at least this (0 = off). Must be below ``field_of_regard_deg / 2`` when that is set.
    """

    name: str = "default"
    min_elevation_deg: float = 10.0
    field_of_regard_deg: float | None = None
    max_range_km: float | None = None
    grazing_altitude_km: float | None = None
    stereo_min_angle_deg: float = 20.0
    angular_noise_urad: float = 30.0
    detection_threshold_kw_sr: float | None = None
    reference_range_km: float = 1000.0
    noise_equivalent_irradiance_w_m2: float | None = None
    snr_threshold: float = 5.0
    band_um: tuple = field(default=(3.0, 5.0))
    clutter_altitude_km: float = DEFAULT_CLUTTER_ALTITUDE_KM
    require_space_background: bool = False
    min_off_nadir_deg: float = 0.0

    def __post_init__(self):
        self.validate()

    # ------------------------------------------------------------------ validation
    def validate(self):
        """Check every field; raise :class:`SensorError` naming the first bad one."""
        if not isinstance(self.name, str):
            raise SensorError(f"sensor.name={self.name!r}: must be a string")
        v = _finite("min_elevation_deg", self.min_elevation_deg)
        if not -90.0 <= v <= 90.0:
            raise SensorError(f"sensor.min_elevation_deg={v}: allowed range is [-90, 90] deg")
        v = _finite("field_of_regard_deg", self.field_of_regard_deg, allow_none=True)
        if v is not None and not 0.0 < v <= 360.0:
            raise SensorError(f"sensor.field_of_regard_deg={v}: full cone angle must be in (0, 360] deg")
        v = _finite("max_range_km", self.max_range_km, allow_none=True)
        if v is not None and not v > 0.0:
            raise SensorError(f"sensor.max_range_km={v}: must be > 0 km")
        v = _finite("grazing_altitude_km", self.grazing_altitude_km, allow_none=True)
        if v is not None and not 0.0 <= v <= 10000.0:
            raise SensorError(f"sensor.grazing_altitude_km={v}: allowed range is [0, 10000] km")
        v = _finite("stereo_min_angle_deg", self.stereo_min_angle_deg)
        if not 0.0 <= v <= 90.0:
            raise SensorError(f"sensor.stereo_min_angle_deg={v}: allowed range is [0, 90] deg")
        v = _finite("angular_noise_urad", self.angular_noise_urad)
        if not v > 0.0:
            raise SensorError(f"sensor.angular_noise_urad={v}: must be > 0 microradians")
        v = _finite("detection_threshold_kw_sr", self.detection_threshold_kw_sr, allow_none=True)
        if v is not None and not v > 0.0:
            raise SensorError(f"sensor.detection_threshold_kw_sr={v}: must be > 0 kW/sr (or None = off)")
        v = _finite("reference_range_km", self.reference_range_km)
        if not v > 0.0:
            raise SensorError(f"sensor.reference_range_km={v}: must be > 0 km")
        v = _finite("noise_equivalent_irradiance_w_m2", self.noise_equivalent_irradiance_w_m2, allow_none=True)
        if v is not None and not v > 0.0:
            raise SensorError(f"sensor.noise_equivalent_irradiance_w_m2={v}: must be > 0 W/m^2 (or None = off)")
        if v is not None and self.detection_threshold_kw_sr is not None:
            raise SensorError(
                "sensor.noise_equivalent_irradiance_w_m2 and sensor.detection_threshold_kw_sr: "
                "give at most one radiometric model"
            )
        v = _finite("snr_threshold", self.snr_threshold)
        if not v > 0.0:
            raise SensorError(f"sensor.snr_threshold={v}: must be > 0")
        try:
            lo, hi = (float(x) for x in self.band_um)
        except (TypeError, ValueError):
            raise SensorError(f"sensor.band_um={self.band_um!r}: must be two numbers (lo, hi) in micrometres") from None
        if not (0.0 < lo < hi and math.isfinite(hi)):
            raise SensorError(f"sensor.band_um={self.band_um!r}: need 0 < lo < hi micrometres")
        self.band_um = (lo, hi)
        v = _finite("clutter_altitude_km", self.clutter_altitude_km)
        if not 0.0 <= v <= 100.0:
            raise SensorError(f"sensor.clutter_altitude_km={v}: allowed range is [0, 100] km")
        if not isinstance(self.require_space_background, (bool, np.bool_)):
            raise SensorError(f"sensor.require_space_background={self.require_space_background!r}: "
                              f"must be true or false")
        v = _finite("min_off_nadir_deg", self.min_off_nadir_deg)
        if not 0.0 <= v < 90.0:
            raise SensorError(f"sensor.min_off_nadir_deg={v}: allowed range is [0, 90) deg (0 = no exclusion cone)")
        if self.field_of_regard_deg is not None and v > 0.0 and not v < float(self.field_of_regard_deg) / 2.0:
            raise SensorError(f"sensor.min_off_nadir_deg={v}: must be below field_of_regard_deg / 2 = "
                              f"{float(self.field_of_regard_deg) / 2.0:g} deg (otherwise nothing is detected)")

    # ------------------------------------------------------------------ derived
    @property
    def radiometric(self) -> bool:
        """True when a radiometric detection model is configured."""
        return self.detection_threshold_kw_sr is not None or self.noise_equivalent_irradiance_w_m2 is not None

    def threshold_w_sr(self) -> float:
        """Equivalent intensity threshold (W/sr) at ``reference_range_km``; NaN when off."""
        if self.detection_threshold_kw_sr is not None:
            return float(self.detection_threshold_kw_sr) * 1000.0
        if self.noise_equivalent_irradiance_w_m2 is not None:
            ref_m = float(self.reference_range_km) * 1000.0
            return float(self.snr_threshold) * float(self.noise_equivalent_irradiance_w_m2) * ref_m * ref_m
        return math.nan

    def kernel_params(self, target_intensity_w_sr=None) -> np.ndarray:
        """Pack the sensor into the float64 parameter vector of :mod:`constellation._geometry`.

        Parameters
        ----------
        target_intensity_w_sr : float or None
            In-band intensity of the target (W/sr) for the radiometric test, stored in slot
            ``P_INTENSITY_W_SR`` (NaN when None: the kernel then skips the radiometric test;
            the API layer refuses a radiometric sensor without an intensity).

        Returns
        -------
        ndarray, shape (N_PARAM,)
            Angles in radians (and their sines/cosines), distances in km.
        """
        p = np.full(N_PARAM, np.nan)
        el = math.radians(self.min_elevation_deg)
        p[P_MIN_EL_RAD] = el
        p[P_SIN_MIN_EL] = math.sin(el)
        if self.field_of_regard_deg is None:
            p[P_HALF_FOR_RAD] = math.pi
            p[P_COS_HALF_FOR] = -2.0
        else:
            half = math.radians(self.field_of_regard_deg) / 2.0
            p[P_HALF_FOR_RAD] = half
            p[P_COS_HALF_FOR] = -2.0 if half >= math.pi else math.cos(half)
        p[P_MAX_RANGE_KM] = math.inf if self.max_range_km is None else float(self.max_range_km)
        if self.grazing_altitude_km is None:
            p[P_HAS_GRAZING] = 0.0
            p[P_GRAZING_KM] = 0.0
        else:
            p[P_HAS_GRAZING] = 1.0
            p[P_GRAZING_KM] = float(self.grazing_altitude_km)
        st = math.radians(self.stereo_min_angle_deg)
        p[P_STEREO_MIN_RAD] = st
        p[P_COS_STEREO_MIN] = math.cos(st)
        p[P_NOISE_RAD] = float(self.angular_noise_urad) * 1e-6
        p[P_THRESHOLD_W_SR] = self.threshold_w_sr()
        p[P_REF_RANGE_KM] = float(self.reference_range_km)
        p[P_INTENSITY_W_SR] = math.nan if target_intensity_w_sr is None else float(target_intensity_w_sr)
        hc = float(self.clutter_altitude_km)
        p[P_CLUTTER_KM] = hc
        p[P_CLUTTER_A2_KM2] = (WGS84_A_KM + hc) ** 2
        p[P_CLUTTER_K] = ((WGS84_A_KM + hc) / (WGS84_B_KM + hc)) ** 2
        p[P_REQUIRE_SPACE] = 1.0 if self.require_space_background else 0.0
        eta = math.radians(float(self.min_off_nadir_deg))
        p[P_MIN_OFF_NADIR_RAD] = eta
        p[P_COS_MIN_OFF_NADIR] = math.cos(eta) if eta > 0.0 else 2.0
        return p

    def to_dict(self) -> dict:
        """Plain dict of the fields (for attributes and summary.json)."""
        d = asdict(self)
        d["band_um"] = list(self.band_um)
        return d

    def summary(self) -> str:
        """One-line human description used in dataset attributes."""
        parts = [f"{self.name}: min_elevation_deg={self.min_elevation_deg:g}"]
        for key in ("field_of_regard_deg", "max_range_km", "grazing_altitude_km", "detection_threshold_kw_sr",
                    "noise_equivalent_irradiance_w_m2"):
            val = getattr(self, key)
            if val is not None:
                parts.append(f"{key}={val:g}")
        parts.append(f"stereo_min_angle_deg={self.stereo_min_angle_deg:g}")
        parts.append(f"angular_noise_urad={self.angular_noise_urad:g}")
        if self.clutter_altitude_km != DEFAULT_CLUTTER_ALTITUDE_KM:
            parts.append(f"clutter_altitude_km={self.clutter_altitude_km:g}")
        if self.require_space_background:
            parts.append("require_space_background=true")
        if self.min_off_nadir_deg:
            parts.append(f"min_off_nadir_deg={self.min_off_nadir_deg:g}")
        return ", ".join(parts)


def as_sensor_list(sensors) -> list:
    """Normalise ``Sensor`` / list of ``Sensor`` / dict(s) of Sensor fields to a list of Sensors."""
    if sensors is None:
        return [Sensor()]
    if isinstance(sensors, (Sensor, dict)):
        sensors = [sensors]
    out = []
    for i, s in enumerate(sensors):
        if isinstance(s, Sensor):
            out.append(s)
        elif isinstance(s, dict):
            try:
                out.append(Sensor(**s))
            except TypeError as exc:
                raise SensorError(f"sensors[{i}]: {exc}") from None
        else:
            raise SensorError(f"sensors[{i}]={s!r}: expected a Sensor or a dict of Sensor fields")
    if not out:
        raise SensorError("sensors=[]: at least one sensor is required")
    return out


def sensor_table(sensors, target_intensity_w_sr=None) -> np.ndarray:
    """Stack :meth:`Sensor.kernel_params` of several sensors.

    Parameters
    ----------
    sensors : Sensor or sequence of Sensor
        Sensor types; satellite ``i`` uses row ``SatelliteSet.sensor_index[i]``.
    target_intensity_w_sr : float or None
        Target intensity written into every row (see :meth:`Sensor.kernel_params`).

    Returns
    -------
    ndarray, shape (n_sensor, N_PARAM), float64
    """
    lst = as_sensor_list(sensors)
    return np.ascontiguousarray(np.stack([s.kernel_params(target_intensity_w_sr) for s in lst]))
