"""Guidance programs and manoeuvres for the glide kernel.

A :class:`GuidanceProgram` is a small ``(n_segment, 7)`` float64 array read by
:func:`hgv_models._dynamics_kernels.program_controls`: each row ``(t0_s, t1_s, mode, p1,
p2, p3, alpha_rad)`` is active for ``t0 <= t < t1`` (time since release), the first
active row wins, and with no active row the vehicle flies at zero bank and its max-L/D
angle of attack.  Angles inside are radians; the builders below take degrees.

Manoeuvres
----------
* :func:`constant_bank` - hold a bank angle (positive = lift to the right, turning
  clockwise seen from above).
* :func:`weave` - periodic bank reversals of a given amplitude and period (the
  "S-turn" weaving used to bleed energy or confuse track prediction); the bank follows
  ``amp * tanh(sharpness * sin(2 pi t / period)) / tanh(sharpness)``, a smooth square-ish
  wave whose reversal takes about ``period / (pi * sharpness)`` seconds.
* :func:`jink` - a lateral jink at a given time: bank to one side for ``duration_s``,
  then to the other for the same time, which displaces the track sideways and returns
  the heading to roughly what it was.
* :func:`terminal_dive` - the terminal phase: within ``start_range_km`` of ground range
  to the aim point, or earlier when a circular dive onto the aim would need
  ``start_accel_g`` g, the kernel switches to a proportional-navigation dive at the aim
  (:mod:`hgv_models._dynamics_kernels` docstring).

Programs combine with ``+`` (rows of the left operand take precedence).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hgv_models import _dynamics_kernels as K


class GuidanceError(ValueError):
    """Bad manoeuvre parameter (message names it)."""


def _finite(name, value, lo=None, hi=None, lo_open=False):
    v = float(value)
    if not np.isfinite(v) or (lo is not None and (v < lo or (lo_open and v == lo))) or (
            hi is not None and v > hi):
        rng = f"in [{lo}, {hi}]" if hi is not None else (f"> {lo}" if lo_open else f">= {lo}")
        raise GuidanceError(f"{name}={value!r}: must be a finite number {rng}")
    return v


class GuidanceProgram:
    """Piecewise bank / angle-of-attack program (see module docstring).

    Parameters
    ----------
    rows : (n, 7) array_like
        ``(t0_s, t1_s, mode, p1, p2, p3, alpha_rad)`` rows.
    """

    def __init__(self, rows=None):
        arr = np.zeros((0, K.PROGRAM_COLUMNS)) if rows is None else np.array(rows, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != K.PROGRAM_COLUMNS:
            raise GuidanceError(f"GuidanceProgram rows shape {arr.shape}: must be "
                                f"(n, {K.PROGRAM_COLUMNS})")
        self.rows = arr

    def __add__(self, other):
        return GuidanceProgram(np.vstack([self.rows, as_program(other).rows]))

    def __len__(self):
        return self.rows.shape[0]

    def __repr__(self):
        return f"GuidanceProgram({self.rows.shape[0]} segments)"

    def kernel_array(self):
        """Contiguous float64 array for the kernel (one inactive padding row if empty)."""
        if self.rows.shape[0] == 0:
            return np.array([[0.0, 0.0, 0.0, 0.0, 1.0, 1.0, np.nan]])
        return np.ascontiguousarray(self.rows)

    def bank_deg(self, time_s):
        """Commanded bank angle (deg) at the given times (s since release)."""
        arr = self.kernel_array()
        t = np.atleast_1d(np.asarray(time_s, dtype=float))
        return np.degrees(np.array([K.program_controls(arr, float(x))[0] for x in t]))


def _alpha(alpha_deg):
    return np.nan if alpha_deg is None else np.radians(_finite("alpha_deg", alpha_deg, -10, 40))


def constant_bank(bank_deg, start_s=0.0, end_s=np.inf, alpha_deg=None):
    """Hold ``bank_deg`` from ``start_s`` to ``end_s`` (s since release)."""
    b = _finite("bank_deg", bank_deg, -180, 180)
    _check_window(start_s, end_s)
    return GuidanceProgram([[start_s, end_s, K.MODE_CONSTANT_BANK, np.radians(b), 0.0, 0.0,
                             _alpha(alpha_deg)]])


def weave(amplitude_deg, period_s, start_s=0.0, end_s=np.inf, sharpness=4.0, alpha_deg=None):
    """Bank reversals: ``amplitude_deg`` each side, full period ``period_s``."""
    a = _finite("amplitude_deg", amplitude_deg, 0, 90)
    p = _finite("period_s", period_s, 0, lo_open=True)
    s = _finite("sharpness", sharpness, 1.0)
    _check_window(start_s, end_s)
    return GuidanceProgram([[start_s, end_s, K.MODE_WEAVE, np.radians(a), p, s, _alpha(alpha_deg)]])


def jink(at_s, bank_deg=45.0, duration_s=30.0, alpha_deg=None):
    """Lateral jink at ``at_s``: ``bank_deg`` for ``duration_s``, then ``-bank_deg`` as long."""
    t = _finite("at_s", at_s, 0)
    d = _finite("duration_s", duration_s, 0, lo_open=True)
    b = np.radians(_finite("bank_deg", bank_deg, -90, 90))
    al = _alpha(alpha_deg)
    return GuidanceProgram([[t, t + d, K.MODE_CONSTANT_BANK, b, 0.0, 0.0, al],
                            [t + d, t + 2 * d, K.MODE_CONSTANT_BANK, -b, 0.0, 0.0, al]])


def _check_window(start_s, end_s):
    s = float(start_s)
    e = float(end_s)
    if not np.isfinite(s) or s < 0 or not (e > s):
        raise GuidanceError(f"start_s={start_s!r}, end_s={end_s!r}: need 0 <= start_s < end_s")


@dataclass(frozen=True)
class TerminalDive:
    """Terminal phase: proportional-navigation dive on the aim point.

    Parameters
    ----------
    aim_lat_deg, aim_lon_deg : float
        Aim point (deg).
    start_range_km : float
        The dive starts at the latest at this ground range to the aim (km).
    nav_gain : float
        Proportional-navigation constant N (3-5 is usual).
    start_accel_g : float
        The dive starts earlier when the normal acceleration needed to reach the aim on a
        circular arc from level flight, ``2 h V^2 / (s^2 + h^2)``, reaches this many g
        (0 disables this rule).
    """

    aim_lat_deg: float
    aim_lon_deg: float
    start_range_km: float = 80.0
    nav_gain: float = 3.0
    start_accel_g: float = 2.0

    def __post_init__(self):
        _finite("aim_lat_deg", self.aim_lat_deg, -90, 90)
        _finite("aim_lon_deg", self.aim_lon_deg, -360, 360)
        _finite("start_range_km", self.start_range_km, 0, lo_open=True)
        _finite("nav_gain", self.nav_gain, 1.0, 10.0)
        _finite("start_accel_g", self.start_accel_g, 0.0, 20.0)

    def apply(self, params):
        """Write the dive entries into a kernel parameter vector (in place)."""
        params[K.P_DIVE_ENABLED] = 1.0
        params[K.P_AIM_LAT_RAD] = np.radians(self.aim_lat_deg)
        params[K.P_AIM_LON_RAD] = np.radians(self.aim_lon_deg)
        params[K.P_DIVE_RANGE_KM] = self.start_range_km
        params[K.P_NAV_GAIN] = self.nav_gain
        params[K.P_DIVE_ACCEL_G] = self.start_accel_g
        return params


def terminal_dive(aim_lat_deg, aim_lon_deg, start_range_km=80.0, nav_gain=3.0,
                  start_accel_g=2.0):
    """Build a :class:`TerminalDive`."""
    return TerminalDive(aim_lat_deg, aim_lon_deg, start_range_km, nav_gain, start_accel_g)


def as_program(bank):
    """Bank argument of :func:`hgv_models.dynamics.glide` -> GuidanceProgram."""
    if isinstance(bank, GuidanceProgram):
        return bank
    if bank is None:
        return GuidanceProgram()
    arr = np.asarray(bank, dtype=float)
    if arr.ndim == 0:
        return constant_bank(float(arr)) if float(arr) != 0.0 else GuidanceProgram()
    return GuidanceProgram(arr)
