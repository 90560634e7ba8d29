"""Time grids: a UTC start instant plus float seconds since that start.

Every array in the engine is indexed by a :class:`TimeGrid` sample ``k`` whose instant
is ``start_utc + seconds[k]`` (seconds of UTC, i.e. the Julian date of sample ``k`` is
``jd_utc(start) + seconds[k] / 86400``, the convention SGP4 uses for its epochs and
times; AIAA 2006-6753 section "time").  UT1 and TT come from skyfield's built-in
tables (``load.timescale(builtin=True)``: IERS finals delta-T / UT1-UTC and leap
seconds shipped inside skyfield), so nothing is ever downloaded.

A regular grid from :func:`time_grid` has samples ``k * step_s`` for
``k = 0 .. count - 1`` with ``count = floor(duration_s / step_s)`` (DESIGN.md: the
stop instant ``start + duration_s`` is *not* sampled).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import numpy as np

from .constants import SECONDS_PER_DAY

__all__ = ["TimeGridError", "parse_utc", "TimeGrid", "time_grid", "builtin_timescale"]

_JD_UNIX_EPOCH = 2440587.5  # JD(UTC) of 1970-01-01T00:00:00Z


class TimeGridError(ValueError):
    """Invalid time string or time-grid parameter (message names the parameter)."""


@lru_cache(maxsize=1)
def builtin_timescale():
    """Return skyfield's built-in timescale (no network access), cached.

    Returns
    -------
    skyfield.timelib.Timescale
        ``skyfield.api.load.timescale(builtin=True)``.
    """
    from skyfield.api import load

    return load.timescale(builtin=True)


_ISO_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?"
    r"\s*(Z|z|UTC|[+-]\d{2}:?\d{2})?\s*$"
)


def parse_utc(s) -> datetime:
    """Parse an ISO-8601 UTC instant into a timezone-aware UTC ``datetime``.

    Parameters
    ----------
    s : str or datetime
        ``"2026-11-21T00:00:00Z"``, ``"2026-11-21 00:00:00.5"``, ``"2026-11-21"`` or an
        explicit offset (``"+09:00"``, converted to UTC). A string without an offset is
        taken as UTC. A ``datetime`` is returned converted to UTC (a naive one is taken
        as UTC).

    Returns
    -------
    datetime
        tz-aware, ``tzinfo=timezone.utc``, microsecond resolution.

    Raises
    ------
    TimeGridError
        Naming the string and the accepted form, for anything unparseable (including
        the leap second ``:60``, which ``datetime`` cannot represent).
    """
    if isinstance(s, datetime):
        if s.tzinfo is None:
            return s.replace(tzinfo=timezone.utc)
        return s.astimezone(timezone.utc)
    if not isinstance(s, str):
        raise TimeGridError(
            f"time {s!r}: expected an ISO-8601 UTC string such as '2026-11-21T00:00:00Z' "
            f"or a datetime, got {type(s).__name__}"
        )
    m = _ISO_RE.match(s)
    if not m:
        raise TimeGridError(
            f"time {s!r} is not an ISO-8601 UTC instant; allowed: "
            "'YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM]' or 'YYYY-MM-DD'"
        )
    y, mo, d, hh, mi, ss, frac, tz = m.groups()
    try:
        micro = int(round(float(frac) * 1e6)) if frac else 0
        second = int(ss or 0)
        extra = timedelta(0)
        if micro >= 1_000_000:  # rounding of e.g. .9999999
            micro -= 1_000_000
            extra = timedelta(seconds=1)
        dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), second, micro,
                      tzinfo=timezone.utc) + extra
    except ValueError as exc:
        raise TimeGridError(f"time {s!r} is not a valid calendar instant: {exc}") from None
    if tz and tz not in ("Z", "z", "UTC"):
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        dt = dt - sign * offset
    return dt


def datetime_jd_utc_parts(dt: datetime) -> tuple[float, float]:
    """Split the UTC Julian date of ``dt`` into (whole, fraction) for precision."""
    days = (dt - datetime(1970, 1, 1, tzinfo=timezone.utc))
    # exact integer day count + fraction of day (microsecond exact)
    day_count = days.days
    frac = (days.seconds + days.microseconds * 1e-6) / SECONDS_PER_DAY
    whole = _JD_UNIX_EPOCH + day_count  # ends in .5
    return float(whole), float(frac)


class TimeGrid:
    """Sample instants ``start_utc + seconds[k]`` (UTC seconds).

    Parameters
    ----------
    start_utc : datetime or str
        Start instant (tz-aware UTC after :func:`parse_utc`).
    seconds : array_like, shape (n_time,)
        Seconds since ``start_utc``; finite, non-decreasing, at least one sample.

    Attributes
    ----------
    start_utc : datetime
    seconds : ndarray, shape (n_time,), float64
    """

    def __init__(self, start_utc, seconds):
        self.start_utc = parse_utc(start_utc)
        sec = np.ascontiguousarray(np.asarray(seconds, dtype=np.float64).reshape(-1))
        if sec.size == 0:
            raise TimeGridError("seconds: a time grid needs at least one sample, got 0")
        if not np.all(np.isfinite(sec)):
            raise TimeGridError("seconds: all sample offsets must be finite")
        if sec.size > 1 and np.any(np.diff(sec) < 0):
            raise TimeGridError("seconds: sample offsets must be non-decreasing")
        sec.setflags(write=False)
        self.seconds = sec
        self._step_s = None
        self._ts_cache = None

    # -- constructors -------------------------------------------------------------
    @classmethod
    def from_seconds(cls, start_utc, seconds) -> "TimeGrid":
        """Grid at arbitrary offsets ``seconds`` (s) after ``start_utc``."""
        return cls(start_utc, seconds)

    # -- properties ---------------------------------------------------------------
    @property
    def count(self) -> int:
        """Number of samples ``n_time``."""
        return int(self.seconds.size)

    def __len__(self) -> int:
        return self.count

    @property
    def step_s(self):
        """Constant step (s) when the samples are ``k * step_s`` (relative 1e-9), else None.

        A one-sample grid built by :func:`time_grid` remembers its step; a one-sample
        grid from :meth:`from_seconds` has ``step_s = None``.
        """
        if self._step_s is not None:
            return self._step_s
        if self.count < 2:
            return None
        step = float(self.seconds[1] - self.seconds[0])
        if step <= 0:
            return None
        k = np.arange(self.count, dtype=np.float64)
        expect = self.seconds[0] + k * step
        if np.allclose(self.seconds, expect, rtol=0.0, atol=1e-9 * max(1.0, abs(self.seconds[-1]))):
            return step
        return None

    @property
    def stop_utc(self) -> datetime:
        """Instant of the *last sample* (``start_utc + seconds[-1]``), tz-aware UTC."""
        return self.start_utc + timedelta(seconds=float(self.seconds[-1]))

    @property
    def duration_s(self) -> float:
        """``count * step_s`` for a regular grid, else ``seconds[-1] - seconds[0]`` (s)."""
        step = self.step_s
        if step is not None:
            return float(self.count * step)
        return float(self.seconds[-1] - self.seconds[0])

    # -- time scales --------------------------------------------------------------
    def jd_utc_parts(self) -> tuple[np.ndarray, np.ndarray]:
        """UTC Julian dates split as ``(whole, fraction)`` arrays, shape (n_time,) each.

        ``whole`` is the start's integer-and-a-half JD (same for all samples) and
        ``fraction`` the remaining days, so that no precision is lost to the large JD.
        This is the (jd, fr) pair python-sgp4's ``sgp4_array`` expects.
        """
        whole, frac = datetime_jd_utc_parts(self.start_utc)
        fr = frac + self.seconds / SECONDS_PER_DAY
        return np.full(self.count, whole), fr

    def jd_utc(self) -> np.ndarray:
        """UTC Julian dates, shape (n_time,) (days; ~20 us resolution as one float)."""
        w, f = self.jd_utc_parts()
        return w + f

    def to_skyfield(self, ts=None):
        """The grid as a skyfield ``Time`` array (shape (n_time,)).

        Parameters
        ----------
        ts : skyfield Timescale, optional
            Defaults to :func:`builtin_timescale`.
        """
        ts = ts or builtin_timescale()
        # skyfield's Timescale.utc takes a seconds array far beyond 60 and carries it
        # into the date, giving the same UTC instants as jd_utc_parts() (tests: < 30 us).
        s = self.start_utc
        return ts.utc(s.year, s.month, s.day, s.hour, s.minute,
                      s.second + s.microsecond * 1e-6 + self.seconds)

    def _skyfield_cached(self):
        if self._ts_cache is None:
            self._ts_cache = self.to_skyfield()
        return self._ts_cache

    def jd_ut1_parts(self) -> tuple[np.ndarray, np.ndarray]:
        """UT1 Julian dates split as ``(whole, fraction)`` (skyfield built-in UT1-UTC)."""
        t = self._skyfield_cached()
        whole = np.broadcast_to(np.asarray(t.whole, dtype=np.float64), (self.count,)).copy()
        frac = np.broadcast_to(np.asarray(t.ut1_fraction, dtype=np.float64), (self.count,)).copy()
        return whole, frac

    def jd_ut1(self) -> np.ndarray:
        """UT1 Julian dates, shape (n_time,)."""
        w, f = self.jd_ut1_parts()
        return w + f

    def jd_tt(self) -> np.ndarray:
        """TT Julian dates, shape (n_time,)."""
        t = self._skyfield_cached()
        return np.broadcast_to(np.asarray(t.tt, dtype=np.float64), (self.count,)).copy()

    # -- formatting ---------------------------------------------------------------
    def datetime(self, i: int) -> datetime:
        """Sample ``i`` as a tz-aware UTC datetime (microsecond resolution)."""
        return self.start_utc + timedelta(seconds=float(self.seconds[i]))

    def iso(self, i: int) -> str:
        """Sample ``i`` as ``'YYYY-MM-DDTHH:MM:SS[.ffffff]Z'``."""
        return _iso(self.datetime(i))

    def utc_iso_array(self) -> list[str]:
        """All samples as ISO strings (see :meth:`iso`)."""
        return [_iso(self.start_utc + timedelta(seconds=float(s))) for s in self.seconds]

    def subgrid(self, start: int, stop: int) -> "TimeGrid":
        """Samples ``start:stop`` as a grid with the same start instant (for streaming)."""
        g = TimeGrid.__new__(TimeGrid)
        g.start_utc = self.start_utc
        g.seconds = self.seconds[start:stop]
        if g.seconds.size == 0:
            raise TimeGridError(f"subgrid: empty slice {start}:{stop} of {self.count} samples")
        g._step_s = self.step_s
        g._ts_cache = None
        return g

    def __repr__(self) -> str:
        step = self.step_s
        return (f"TimeGrid(start_utc={_iso(self.start_utc)!r}, count={self.count}, "
                f"step_s={step!r})")


def _iso(dt: datetime) -> str:
    if dt.microsecond:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


def time_grid(start_utc, step_s, duration_s=None, count=None) -> TimeGrid:
    """Regular grid ``start + k * step_s``, ``k = 0 .. count - 1``.

    Parameters
    ----------
    start_utc : str or datetime
        ISO-8601 UTC start.
    step_s : float
        Step (s), > 0.
    duration_s : float, optional
        Span (s), >= step_s; gives ``count = floor(duration_s / step_s)`` (a relative
        tolerance of 1e-9 absorbs float noise such as ``0.3 / 0.1``).
    count : int, optional
        Number of samples (>= 1). Exactly one of ``duration_s`` and ``count``.

    Returns
    -------
    TimeGrid
    """
    try:
        step = float(step_s)
    except (TypeError, ValueError):
        raise TimeGridError(f"step_s={step_s!r}: must be a number of seconds > 0") from None
    if not (math.isfinite(step) and step > 0):
        raise TimeGridError(f"step_s={step_s!r}: must be a finite number of seconds > 0")
    if (duration_s is None) == (count is None):
        raise TimeGridError("time_grid: give exactly one of duration_s and count")
    if duration_s is not None:
        try:
            dur = float(duration_s)
        except (TypeError, ValueError):
            raise TimeGridError(f"duration_s={duration_s!r}: must be a number of seconds") from None
        if not (math.isfinite(dur) and dur >= step):
            raise TimeGridError(
                f"duration_s={duration_s!r}: must be finite and >= step_s ({step:g} s)")
        n = int(math.floor(dur / step * (1.0 + 1e-9)))
    else:
        if isinstance(count, bool) or int(count) != count or int(count) < 1:
            raise TimeGridError(f"count={count!r}: must be an integer >= 1")
        n = int(count)
    seconds = np.arange(n, dtype=np.float64) * step
    g = TimeGrid(start_utc, seconds)
    g._step_s = step
    return g
