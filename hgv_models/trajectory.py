"""The :class:`Trajectory` container shared by glide, boost and threat flights.

Coordinates: the dynamics run over a spherical Earth of radius ``R_EARTH_KM``
(6371.0088 km).  Latitude, longitude and altitude of a trajectory are reported as if the
spherical latitude were the WGS84 geodetic latitude and the height above the sphere
the height above the ellipsoid: the user's geodetic launch and aim coordinates go into
the spherical model unchanged and come out unchanged, and :meth:`Trajectory.ecef_km`
places each sample on the WGS84 ellipsoid through those geodetic coordinates (so a
trajectory that ends at altitude 0 ends on the ellipsoid surface at the aim point).  The
price is a horizontal distortion of at most ~0.2 % (the ellipsoid's local radii of
curvature differ from the mean radius by up to ~0.7 %), well inside the accuracy of
point-mass glide models.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

PHASE_BOOST = 0
PHASE_GLIDE = 1
PHASE_TERMINAL = 2
PHASE_NAMES = {PHASE_BOOST: "boost", PHASE_GLIDE: "glide", PHASE_TERMINAL: "terminal"}

# WGS84 (NIMA TR8350.2); hgv_models imports nothing from orbits (docs/ARCHITECTURE.md)
_WGS84_A_KM = 6378.137
_WGS84_F = 1.0 / 298.257223563
_WGS84_E2 = _WGS84_F * (2.0 - _WGS84_F)

LIMIT_HEATING = 1
LIMIT_DYNAMIC_PRESSURE = 2
LIMIT_LOAD_FACTOR = 4

_ARRAYS = ("time_s", "lat_deg", "lon_deg", "altitude_km", "speed_km_s", "mach", "heading_deg",
           "flight_path_deg", "phase", "heating_w_cm2", "surface_temperature_k",
           "dynamic_pressure_pa", "load_factor_g", "bank_deg")
_ANGLES = ("lon_deg", "heading_deg", "bank_deg")


def geodetic_to_ecef_km(lat_deg, lon_deg, altitude_km):
    """WGS84 geodetic -> Earth-fixed Cartesian (km), shape ``(..., 3)``.

    ``N = a / sqrt(1 - e^2 sin^2 lat)``; ``x = (N + h) cos lat cos lon``,
    ``y = (N + h) cos lat sin lon``, ``z = (N (1 - e^2) + h) sin lat``.
    """
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    h = np.asarray(altitude_km, dtype=float)
    n = _WGS84_A_KM / np.sqrt(1.0 - _WGS84_E2 * np.sin(lat) ** 2)
    x = (n + h) * np.cos(lat) * np.cos(lon)
    y = (n + h) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - _WGS84_E2) + h) * np.sin(lat)
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


@dataclass
class Trajectory:
    """A sampled flight, launch (or release) to impact.

    All arrays have shape ``(n,)``; the last sample is the impact (altitude 0) when
    ``status == "impact"``.

    Attributes
    ----------
    time_s : seconds since launch (or since release for a bare glide)
    lat_deg, lon_deg : latitude and longitude (deg; see module docstring for the datum)
    altitude_km : height above the surface (km)
    speed_km_s : Earth-relative speed (km/s)
    mach : Mach number (US 1976 speed of sound)
    heading_deg : Earth-relative heading, clockwise from north (deg)
    flight_path_deg : Earth-relative flight-path angle, positive up (deg)
    phase : int codes ``PHASE_BOOST``, ``PHASE_GLIDE``, ``PHASE_TERMINAL``
    heating_w_cm2 : Sutton-Graves stagnation-point heating (W/cm^2)
    surface_temperature_k : radiative-equilibrium stagnation temperature (K)
    dynamic_pressure_pa : rho V^2 / 2 (Pa)
    load_factor_g : aerodynamic load factor sqrt(L^2 + D^2) / g0 (g)
    bank_deg : bank angle (deg; NaN in boost)
    vehicle_name : str
    status : "impact", "max_time", ... (how the integration stopped)
    limits : dict of the vehicle limits used for :attr:`limit_flags`
    release : dict, for :func:`hgv_models.flight.fly_threat` flights: the release
        (burnout) state and the shooting results (``speed_km_s``, ``azimuth_deg``,
        ``altitude_km``, ``time_s``, ``miss_km``, ...); empty otherwise
    """

    time_s: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    altitude_km: np.ndarray
    speed_km_s: np.ndarray
    mach: np.ndarray
    heading_deg: np.ndarray
    flight_path_deg: np.ndarray
    phase: np.ndarray
    heating_w_cm2: np.ndarray
    surface_temperature_k: np.ndarray
    dynamic_pressure_pa: np.ndarray
    load_factor_g: np.ndarray
    bank_deg: np.ndarray = None
    vehicle_name: str = ""
    status: str = "impact"
    limits: dict = field(default_factory=dict)
    release: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.bank_deg is None:
            self.bank_deg = np.full(np.shape(self.time_s), np.nan)
        for name in _ARRAYS:
            dtype = np.int64 if name == "phase" else np.float64
            setattr(self, name, np.asarray(getattr(self, name), dtype=dtype))
        n = self.time_s.shape
        for name in _ARRAYS:
            if getattr(self, name).shape != n:
                raise ValueError(f"Trajectory {name} shape {getattr(self, name).shape} != "
                                 f"time_s shape {n}")

    def __len__(self):
        return int(self.time_s.size)

    @property
    def phase_names(self):
        """Phase names per sample (list of str)."""
        return [PHASE_NAMES[int(p)] for p in self.phase]

    @property
    def duration_s(self):
        return float(self.time_s[-1] - self.time_s[0])

    @property
    def limit_flags(self):
        """Bit mask per sample: 1 heating, 2 dynamic pressure, 4 load factor above limit."""
        f = np.zeros(self.time_s.shape, dtype=np.int64)
        lim = self.limits or {}
        if "max_heating_w_cm2" in lim:
            f |= np.where(self.heating_w_cm2 > lim["max_heating_w_cm2"], LIMIT_HEATING, 0)
        if "max_dynamic_pressure_pa" in lim:
            f |= np.where(self.dynamic_pressure_pa > lim["max_dynamic_pressure_pa"],
                          LIMIT_DYNAMIC_PRESSURE, 0)
        if "max_load_factor_g" in lim:
            f |= np.where(self.load_factor_g > lim["max_load_factor_g"], LIMIT_LOAD_FACTOR, 0)
        return f

    def limits_exceeded(self):
        """``{limit name: (first time_s exceeded, peak value)}`` for each exceeded limit."""
        out = {}
        checks = (("max_heating_w_cm2", self.heating_w_cm2),
                  ("max_dynamic_pressure_pa", self.dynamic_pressure_pa),
                  ("max_load_factor_g", self.load_factor_g))
        for key, arr in checks:
            if key in (self.limits or {}):
                bad = arr > self.limits[key]
                if np.any(bad):
                    out[key] = (float(self.time_s[np.argmax(bad)]), float(np.nanmax(arr)))
        return out

    def ecef_km(self):
        """Earth-fixed positions on WGS84 (km), shape ``(n, 3)`` (module docstring)."""
        return geodetic_to_ecef_km(self.lat_deg, self.lon_deg, self.altitude_km)

    def resample(self, step_s):
        """Linear resampling at ``t0, t0 + step_s, ...`` plus the final sample.

        Longitudes, headings and bank angles are unwrapped before interpolation and
        wrapped back to (-180, 180]; the phase code is the one of the sample at or before
        each new time.
        """
        step = float(step_s)
        if not np.isfinite(step) or step <= 0:
            raise ValueError(f"step_s={step_s!r}: must be a finite number > 0")
        t = self.time_s
        new_t = np.arange(t[0], t[-1], step)
        if new_t.size == 0 or new_t[-1] < t[-1]:
            new_t = np.append(new_t, t[-1])
        kw = {}
        for name in _ARRAYS:
            a = getattr(self, name)
            if name == "time_s":
                kw[name] = new_t
            elif name == "phase":
                idx = np.clip(np.searchsorted(t, new_t, side="right") - 1, 0, t.size - 1)
                kw[name] = a[idx]
            elif name in _ANGLES:
                ok = np.isfinite(a)
                if not np.any(ok):
                    kw[name] = np.full(new_t.shape, np.nan)
                    continue
                u = np.degrees(np.unwrap(np.radians(a[ok])))
                v = np.interp(new_t, t[ok], u)
                v = (v + 180.0) % 360.0 - 180.0
                # keep NaNs where the source had them (e.g. bank during boost)
                nan_src = np.interp(new_t, t, (~ok).astype(float)) > 0.5
                v[nan_src] = np.nan
                kw[name] = v
            else:
                kw[name] = np.interp(new_t, t, a)
        return replace(self, **kw)

    def to_dict(self):
        """Arrays and metadata as a plain dict (arrays as lists)."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in d.items()}

    @staticmethod
    def concatenate(parts, vehicle_name=None, status=None, limits=None):
        """Join trajectories (times must increase; duplicate boundary samples dropped)."""
        kw = {}
        keep = []
        last_t = -np.inf
        for p in parts:
            m = p.time_s > last_t + 1e-9
            keep.append(m)
            if np.any(m):
                last_t = p.time_s[m][-1]
        for name in _ARRAYS:
            kw[name] = np.concatenate([getattr(p, name)[m] for p, m in zip(parts, keep)])
        return Trajectory(**kw, vehicle_name=vehicle_name or parts[-1].vehicle_name,
                          status=status or parts[-1].status,
                          limits=limits if limits is not None else parts[-1].limits)
