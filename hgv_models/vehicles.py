"""Glide vehicles: constant-L/D point masses and table-driven (Mach x angle of attack) ones.

Two public vehicles are predefined:

``HTV2``
    The "HTV-2-like" glider of the open arms-control literature: constant lift-to-drag
    ratio 2.6 and ballistic coefficient beta = m / (C_D S) = 13,000 kg/m^2 (Tracy & Wright,
    "Modeling the Performance of Hypersonic Boost-Glide Missiles", Science & Global
    Security 28(3), 135-170, 2020, section "Glide phase" and their table of parameters).

``CAV_H``
    The Common Aero Vehicle - Hypersonic (CAV-H) as used in the open trajectory-optimisation
    literature: mass 907.2 kg (2,000 lb), reference area 0.4839 m^2 (Phillips, "A Common
    Aero Vehicle (CAV) Model, Description, and Employment Guide", Schafer Corp. for
    AFRL/AFSPC, 2003).  Lift and drag coefficients are the hypersonic curve fits to that
    model's tables used in the open trajectory-optimisation literature, e.g. Jorris & Cobb,
    "Three-Dimensional Trajectory Optimization Satisfying Waypoint and No-Fly Zone
    Constraints", Journal of Guidance, Control, and Dynamics 32(2), 551-572, 2009, and
    Zhao & Zhou, "Reentry trajectory optimization for hypersonic vehicle satisfying complex
    constraints", Chinese Journal of Aeronautics 26(6), 1544-1553, 2013 (alpha in degrees;
    the coefficients below are as quoted there: check against the papers before relying on
    the third significant figure)::

        C_L = -0.041065 + 0.016292 alpha + 0.0002602 alpha^2
        C_D =  0.080505 - 0.03026 C_L + 0.86495 C_L^2

    These fits are Mach-independent over their hypersonic range of validity (consistent
    with Oswatitsch's Mach-number independence principle for blunted slender bodies at
    M >~ 5; Anderson, *Hypersonic and High-Temperature Gas Dynamics*, 2nd ed., sec. 4.5),
    so the CAV-H table holds the same alpha-row at every Mach node from 3.5 to 30; the
    vehicle machinery (:class:`Vehicle` with ``mach_grid``/``cl_table``/``cd_table``)
    takes genuinely Mach-dependent tables unchanged, bilinearly interpolated.  Maximum
    L/D of this fit is about 1.99 at alpha ~ 16.8 deg (the table samples the fit every
    0.25 deg of alpha).

Heating, dynamic-pressure and load-factor limits are parameters of the vehicle (study
values, not published CAV-H figures); :class:`hgv_models.trajectory.Trajectory` flags the
samples where they are exceeded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hgv_models import _dynamics_kernels as K


class VehicleError(ValueError):
    """A vehicle parameter is missing or out of range (message names it)."""


@dataclass(frozen=True, eq=False)
class Vehicle:
    """A point-mass glide vehicle.

    Either constant-L/D (give ``lift_to_drag`` and ``ballistic_coefficient_kg_m2``) or
    table-driven (give ``mass_kg``, ``reference_area_m2``, ``mach_grid``,
    ``alpha_deg_grid``, ``cl_table`` and ``cd_table``).

    Parameters
    ----------
    lift_to_drag : float, optional
        Constant lift-to-drag ratio (> 0).
    ballistic_coefficient_kg_m2 : float, optional
        beta = m / (C_D S) in kg/m^2 (> 0).
    name : str
        Display name.
    mass_kg, reference_area_m2 : float, optional
        Mass and aerodynamic reference area of a table vehicle.
    mach_grid : (n_mach,) array, optional
        Increasing Mach numbers of the table rows.
    alpha_deg_grid : (n_alpha,) array, optional
        Increasing angles of attack (deg) of the table columns.
    cl_table, cd_table : (n_mach, n_alpha) arrays, optional
        Lift and drag coefficients.
    nose_radius_m : float
        Stagnation-point nose radius for Sutton-Graves heating (m).
    emissivity : float
        Surface emissivity for the radiative-equilibrium temperature (0 < eps <= 1).
    max_heating_w_cm2, max_dynamic_pressure_pa, max_load_factor_g : float
        Limits flagged along trajectories.
    """

    lift_to_drag: float | None = None
    ballistic_coefficient_kg_m2: float | None = None
    name: str = "glider"
    mass_kg: float | None = None
    reference_area_m2: float | None = None
    mach_grid: np.ndarray | None = None
    alpha_deg_grid: np.ndarray | None = None
    cl_table: np.ndarray | None = None
    cd_table: np.ndarray | None = None
    nose_radius_m: float = 0.1
    emissivity: float = 0.85
    max_heating_w_cm2: float = 800.0
    max_dynamic_pressure_pa: float = 100_000.0
    max_load_factor_g: float = 4.0
    _arrays: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        table = self.cl_table is not None or self.cd_table is not None
        if table:
            for key in ("mass_kg", "reference_area_m2", "mach_grid", "alpha_deg_grid",
                        "cl_table", "cd_table"):
                if getattr(self, key) is None:
                    raise VehicleError(f"Vehicle {key}=None: a table vehicle needs mass_kg, "
                                       "reference_area_m2, mach_grid, alpha_deg_grid, cl_table "
                                       "and cd_table")
            if self.lift_to_drag is not None:
                raise VehicleError("Vehicle lift_to_drag must be None for a table vehicle")
            for key in ("mass_kg", "reference_area_m2"):
                v = float(getattr(self, key))
                if not np.isfinite(v) or v <= 0:
                    raise VehicleError(f"Vehicle {key}={v!r}: must be a finite number > 0")
            mach = np.ascontiguousarray(self.mach_grid, dtype=np.float64)
            alpha = np.ascontiguousarray(self.alpha_deg_grid, dtype=np.float64)
            cl = np.ascontiguousarray(self.cl_table, dtype=np.float64)
            cd = np.ascontiguousarray(self.cd_table, dtype=np.float64)
            if mach.ndim != 1 or mach.size < 1 or np.any(np.diff(mach) <= 0):
                raise VehicleError(f"Vehicle mach_grid={self.mach_grid!r}: must be a 1-D "
                                   "strictly increasing array")
            if alpha.ndim != 1 or alpha.size < 2 or np.any(np.diff(alpha) <= 0):
                raise VehicleError(f"Vehicle alpha_deg_grid={self.alpha_deg_grid!r}: must be a "
                                   "1-D strictly increasing array of at least 2 angles")
            for key, tab in (("cl_table", cl), ("cd_table", cd)):
                if tab.shape != (mach.size, alpha.size) or not np.all(np.isfinite(tab)):
                    raise VehicleError(f"Vehicle {key} shape {tab.shape}: must be finite with "
                                       f"shape (n_mach, n_alpha) = ({mach.size}, {alpha.size})")
            if np.any(cd <= 0):
                raise VehicleError("Vehicle cd_table: drag coefficients must be > 0")
            alpha_rad = np.radians(alpha)
            # max-L/D angle of attack per Mach node, refined on a fine alpha grid
            fine = np.linspace(alpha_rad[0], alpha_rad[-1], 2001)
            aux = np.empty((mach.size, 2))
            for i in range(mach.size):
                clf = np.interp(fine, alpha_rad, cl[i])
                cdf = np.interp(fine, alpha_rad, cd[i])
                aux[i, 0] = fine[np.argmax(clf / cdf)]
                aux[i, 1] = cd[i].min()
            params = np.zeros(K.N_PARAMS)
            params[K.P_KIND] = K.KIND_TABLE
            params[K.P_MASS_KG] = float(self.mass_kg)
            params[K.P_AREA_M2] = float(self.reference_area_m2)
            object.__setattr__(self, "_arrays", (params, mach, alpha_rad, cl, cd, aux))
        else:
            for key in ("lift_to_drag", "ballistic_coefficient_kg_m2"):
                v = getattr(self, key)
                if v is None or not np.isfinite(float(v)) or float(v) <= 0:
                    raise VehicleError(f"Vehicle {key}={v!r}: must be a finite number > 0 "
                                       "(or give aerodynamic tables)")
            params = np.zeros(K.N_PARAMS)
            params[K.P_KIND] = K.KIND_CONSTANT_LD
            params[K.P_LIFT_TO_DRAG] = float(self.lift_to_drag)
            params[K.P_BETA_KG_M2] = float(self.ballistic_coefficient_kg_m2)
            one = np.zeros(1)
            two = np.zeros(2)
            object.__setattr__(self, "_arrays", (params, one, two, np.zeros((1, 2)),
                                                 np.ones((1, 2)), np.zeros((1, 2))))
        if not (self.nose_radius_m > 0):
            raise VehicleError(f"Vehicle nose_radius_m={self.nose_radius_m!r}: must be > 0")
        if not (0 < self.emissivity <= 1):
            raise VehicleError(f"Vehicle emissivity={self.emissivity!r}: must be in (0, 1]")

    @property
    def is_table(self) -> bool:
        """True for a Mach x angle-of-attack table vehicle."""
        return self.cl_table is not None

    def kernel_arrays(self):
        """``(params, mach_grid, alpha_grid_rad, cl_table, cd_table, aero_aux)`` for kernels.

        ``params`` is a fresh copy of the ``N_PARAMS`` vector with the vehicle entries set.
        """
        params, mach, alpha, cl, cd, aux = self._arrays
        return params.copy(), mach, alpha, cl, cd, aux

    def coefficients(self, mach, alpha_deg):
        """Lift and drag coefficients (table vehicles) at ``mach``, ``alpha_deg`` (broadcast)."""
        if not self.is_table:
            raise VehicleError(f"Vehicle {self.name!r} has constant L/D; no coefficient tables")
        _p, mg, ag, cl, cd, _aux = self._arrays
        m, a = np.broadcast_arrays(np.asarray(mach, float),
                                   np.radians(np.asarray(alpha_deg, float)))
        c_l = np.empty(m.shape)
        c_d = np.empty(m.shape)
        for idx in np.ndindex(m.shape):
            c_l[idx] = K.table_lookup(mg, ag, cl, m[idx], a[idx])
            c_d[idx] = K.table_lookup(mg, ag, cd, m[idx], a[idx])
        return c_l, c_d

    def max_lift_to_drag(self, mach=10.0):
        """Maximum lift-to-drag ratio (at the max-L/D angle of attack for table vehicles)."""
        if not self.is_table:
            return float(self.lift_to_drag)
        _p, mg, ag, cl, cd, aux = self._arrays
        a = np.interp(mach, mg, aux[:, 0])
        c_l, c_d = self.coefficients(mach, np.degrees(a))
        return float(c_l / c_d)

    def best_alpha_deg(self, mach=10.0):
        """Angle of attack of maximum L/D (deg) at ``mach`` (table vehicles)."""
        if not self.is_table:
            raise VehicleError(f"Vehicle {self.name!r} has constant L/D; no angle of attack")
        _p, mg, _ag, _cl, _cd, aux = self._arrays
        return float(np.degrees(np.interp(mach, mg, aux[:, 0])))


def _cav_h_tables():
    mach = np.array([3.5, 5.0, 8.0, 10.0, 15.0, 20.0, 25.0, 30.0])
    alpha = np.arange(0.0, 25.0 + 0.125, 0.25)
    cl_row = -0.041065 + 0.016292 * alpha + 0.0002602 * alpha ** 2
    cd_row = 0.080505 - 0.03026 * cl_row + 0.86495 * cl_row ** 2
    cl = np.tile(cl_row, (mach.size, 1))
    cd = np.tile(cd_row, (mach.size, 1))
    return mach, alpha, cl, cd


_m, _a, _cl, _cd = _cav_h_tables()

CAV_H = Vehicle(
    name="CAV-H",
    mass_kg=907.2,
    reference_area_m2=0.4839,
    mach_grid=_m,
    alpha_deg_grid=_a,
    cl_table=_cl,
    cd_table=_cd,
    nose_radius_m=0.1,
)
"""Common Aero Vehicle - Hypersonic (module docstring for sources)."""

HTV2 = Vehicle(lift_to_drag=2.6, ballistic_coefficient_kg_m2=13_000.0,
               name="HTV-2-like (L/D 2.6, beta 13000 kg/m2)", nose_radius_m=0.1)
"""HTV-2-like constant-L/D glider of Tracy & Wright (2020)."""

VEHICLES = {"cav-h": CAV_H, "htv2": HTV2, "htv-2": HTV2, "ld2.6": HTV2}


def vehicle_by_name(name):
    """Look a vehicle up by name (case-insensitive): ``"cav-h"``, ``"htv2"``/``"htv-2"``.

    A :class:`Vehicle` instance is returned unchanged.
    """
    if isinstance(name, Vehicle):
        return name
    key = str(name).strip().lower()
    if key not in VEHICLES:
        raise VehicleError(f"vehicle={name!r}: unknown; allowed: {sorted(VEHICLES)}")
    return VEHICLES[key]
