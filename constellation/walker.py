"""Walker delta and Walker star constellations.

A Walker constellation ``i:T/P/F`` puts ``T`` satellites in ``P`` equally populated
circular orbital planes of the same inclination ``i`` and altitude, ``S = T/P`` satellites
per plane, with the relative phasing parameter ``F`` (an integer ``0 <= F <= P-1``).

Definition used here (the standard one; Walker 1984, Wertz 2001):

- plane ``p = 0 .. P-1`` has right ascension of the ascending node

  - delta pattern: ``RAAN_p = RAAN_0 + p * 360 / P`` (nodes spread over the full 360 deg),
  - star pattern:  ``RAAN_p = RAAN_0 + p * 180 / P`` (nodes spread over 180 deg, so that
    ascending and descending halves of near-polar planes interleave);

- satellite ``s = 0 .. S-1`` of plane ``p`` has argument of latitude (= mean anomaly, since
  the orbit is circular and the argument of perigee is taken as 0)

  ``u_ps = s * 360 * P / T + p * 360 * F / T``  (mod 360),

  i.e. in-plane spacing ``360 P / T = 360 / S`` and a phase offset of ``360 F / T`` between
  a plane and the next one east of it.

Sources
-------
- J. G. Walker, "Satellite constellations", *Journal of the British Interplanetary
  Society* 37, 559-572 (1984): the ``T/P/F`` notation and the phase offset ``360 F / T``.
- J. G. Walker, "Circular orbit patterns providing continuous whole Earth coverage",
  RAE Technical Report 70211 (1970) (delta patterns).
- J. R. Wertz, *Mission Geometry; Orbit and Constellation Design and Management*
  (Microcosm/Kluwer, 2001), Sec. 7.6: Walker delta vs. "star" (polar, Adams & Rider /
  Walker star) patterns with nodes over 180 deg.

Altitudes are measured above the WGS84 equatorial radius: the semi-major axis is
``a = 6378.137 km + altitude_km``; the orbits are circular (eccentricity 0). The satellites
are built as SGP4 mean elements by :meth:`orbits.satellites.SatelliteSet.from_elements`
(zero drag term ``bstar``), i.e. these are *mean* circular orbits in SGP4's sense.

Export to other tools: ``orbits.tle.write_tle(sats, path)`` and
``orbits.tle.write_omm(sats, path, fmt="json"|"xml"|"csv")`` (see :func:`export`).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from orbits import tle
from orbits.constants import WGS84_A_KM
from orbits.satellites import SatelliteSet

__all__ = [
    "WalkerError",
    "MIN_ALTITUDE_KM",
    "MAX_ALTITUDE_KM",
    "walker_elements",
    "walker_names",
    "walker",
    "export",
]

MIN_ALTITUDE_KM: float = 100.0
"""Lowest circular-orbit altitude accepted (km). Below ~100 km (the Karman line) an orbit
decays within one revolution; SGP4 itself stops at a perigee below 1 Earth radius."""
MAX_ALTITUDE_KM: float = 400000.0
"""Highest circular-orbit altitude accepted (km): about the lunar distance, beyond which
an Earth-centred Keplerian/SGP4 orbit is meaningless."""

PATTERNS = ("delta", "star")


class WalkerError(ValueError):
    """Impossible Walker parameters.

    Attributes
    ----------
    key : str
        The parameter at fault (``"total"``, ``"planes"``, ``"phasing"``, ...).
    value : object
        The rejected value.
    allowed : str
        What would have been accepted.
    """

    def __init__(self, key: str, value, allowed: str, detail: str = ""):
        self.key = key
        self.value = value
        self.allowed = allowed
        msg = f"Walker parameter {key} = {value!r} is not allowed: {allowed}"
        if detail:
            msg += f" ({detail})"
        super().__init__(msg)


def _norm_pattern(pattern: str) -> str:
    if not isinstance(pattern, str):
        raise WalkerError("pattern", pattern, "one of 'delta', 'star'")
    p = pattern.strip().lower()
    if p.startswith("walker-"):
        p = p[len("walker-"):]
    if p not in PATTERNS:
        raise WalkerError("pattern", pattern, "one of 'delta', 'star' "
                          "(or 'walker-delta', 'walker-star')")
    return p


def _as_int(key: str, value, allowed: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (Integral, Real)):
        raise WalkerError(key, value, allowed)
    if isinstance(value, Real) and not isinstance(value, Integral):
        if not math.isfinite(value) or float(value) != int(value):
            raise WalkerError(key, value, allowed)
    return int(value)


def _check_walker(pattern, total, planes, phasing, inclination_deg):
    pattern = _norm_pattern(pattern)
    total = _as_int("total", total, "an integer >= 1")
    if total < 1:
        raise WalkerError("total", total, "an integer >= 1")
    planes = _as_int("planes", planes, f"an integer from 1 to total = {total}")
    if planes < 1 or planes > total:
        raise WalkerError("planes", planes, f"an integer from 1 to total = {total}")
    if total % planes != 0:
        divisors = [d for d in range(1, total + 1) if total % d == 0]
        raise WalkerError(
            "planes", planes,
            f"a divisor of total = {total}: one of {divisors}",
            f"total = {total} is not divisible by planes = {planes}")
    phasing = _as_int("phasing", phasing, f"an integer from 0 to planes - 1 = {planes - 1}")
    if phasing < 0 or phasing > planes - 1:
        raise WalkerError("phasing", phasing,
                          f"an integer from 0 to planes - 1 = {planes - 1}")
    if isinstance(inclination_deg, bool) or not isinstance(inclination_deg, Real) \
            or not (0.0 <= float(inclination_deg) <= 180.0):
        raise WalkerError("inclination_deg", inclination_deg, "a number from 0 to 180 degrees")
    return pattern, total, planes, phasing, float(inclination_deg)


def _check_altitude(altitude_km) -> float:
    allowed = (f"a number from {MIN_ALTITUDE_KM:g} km to {MAX_ALTITUDE_KM:g} km above the "
               f"WGS84 equatorial radius (below {MIN_ALTITUDE_KM:g} km an orbit cannot "
               f"survive one revolution; below 0 it is under the surface)")
    if isinstance(altitude_km, bool) or not isinstance(altitude_km, Real) \
            or not math.isfinite(float(altitude_km)):
        raise WalkerError("altitude_km", altitude_km, allowed)
    if not (MIN_ALTITUDE_KM <= float(altitude_km) <= MAX_ALTITUDE_KM):
        detail = "below the Earth's surface" if float(altitude_km) < 0.0 else ""
        raise WalkerError("altitude_km", altitude_km, allowed, detail)
    return float(altitude_km)


def walker_elements(pattern: str, total: int, planes: int, phasing: int,
                    inclination_deg: float, raan0_deg: float = 0.0,
                    seam_spacing_deg: float | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """RAAN and mean anomaly of every satellite of a Walker ``i:T/P/F`` pattern.

    Parameters
    ----------
    pattern : {"delta", "star"}
        Node spread of 360 deg (delta) or 180 deg (star). ``"walker-delta"`` and
        ``"walker-star"`` are accepted too.
    total : int
        ``T``, number of satellites (>= 1).
    planes : int
        ``P``, number of planes; must divide ``T``.
    phasing : int
        ``F``, relative phasing, ``0 <= F <= P - 1``.
    inclination_deg : float
        Inclination (deg), ``0 <= i <= 180``. Only validated here (it does not enter
        RAAN or mean anomaly).
    raan0_deg : float, optional
        RAAN of the first plane (deg), default 0.
    seam_spacing_deg : float, optional
        Star pattern only: RAAN difference across the *seam* (between the ascending side of
        the last plane and the descending side of the first, which face each other); the
        other planes are then ``(180 - seam) / (P - 1)`` apart (e.g. Iridium: six planes
        31.6 deg apart, 22 deg seam). Default None: all ``180 / P`` apart (the standard
        star). Same convention as TAT-C's ``WalkerConstellation.seam_spacing``.

    Returns
    -------
    raan_deg, mean_anomaly_deg : ndarray, shape (T,)
        In degrees, in ``[0, 360)``, ordered plane by plane (satellite ``s`` of plane ``p``
        at index ``p * S + s``). With a circular orbit and argument of perigee 0 the mean
        anomaly equals the argument of latitude ``u``.

    Notes
    -----
    ``RAAN_p = RAAN_0 + p * D / P`` with ``D = 360`` (delta) or ``180`` (star);
    ``M_ps = s * 360 P / T + p * 360 F / T`` (Walker 1984). See the module docstring.

    Raises
    ------
    WalkerError
        If ``T`` is not divisible by ``P``, ``F`` is outside ``0..P-1``, the inclination is
        outside 0..180 deg or the pattern is unknown.
    """
    pattern, T, P, F, _ = _check_walker(pattern, total, planes, phasing, inclination_deg)
    if isinstance(raan0_deg, bool) or not isinstance(raan0_deg, Real) \
            or not math.isfinite(float(raan0_deg)):
        raise WalkerError("raan0_deg", raan0_deg, "a finite number of degrees")
    S = T // P
    step = (360.0 if pattern == "delta" else 180.0) / P
    if seam_spacing_deg is not None:
        if pattern != "star":
            raise WalkerError("seam_spacing_deg", seam_spacing_deg,
                              "None for a delta pattern (a seam exists only in star patterns)")
        if isinstance(seam_spacing_deg, bool) or not isinstance(seam_spacing_deg, Real) \
                or not (0.0 < float(seam_spacing_deg) < 180.0):
            raise WalkerError("seam_spacing_deg", seam_spacing_deg,
                              "a number of degrees strictly between 0 and 180")
        if P > 1:
            step = (180.0 - float(seam_spacing_deg)) / (P - 1)
    p = np.repeat(np.arange(P), S).astype(np.float64)
    s = np.tile(np.arange(S), P).astype(np.float64)
    raan = np.mod(float(raan0_deg) + p * step, 360.0)
    # phase in units of 360/T: s*P + p*F, reduced exactly in integers before scaling
    phase_units = np.mod(s * P + p * F, T)
    mean_anomaly = phase_units * (360.0 / T)
    return raan, mean_anomaly


def walker_names(name_prefix: str, planes: int, per_plane: int) -> list[str]:
    """Satellite names ``{prefix}-{plane:02d}-{slot:02d}`` (1-based plane and slot).

    Wider fields are used when there are more than 99 planes or slots.
    """
    wp = max(2, len(str(planes)))
    ws = max(2, len(str(per_plane)))
    return [f"{name_prefix}-{p + 1:0{wp}d}-{s + 1:0{ws}d}"
            for p in range(planes) for s in range(per_plane)]


def walker(pattern: str = "delta", total: int = 24, planes: int = 3, phasing: int = 1,
           altitude_km: float = 1000.0, inclination_deg: float = 55.0,
           epoch_utc="2026-11-21T00:00:00Z", name_prefix: str = "W",
           raan0_deg: float = 0.0, seam_spacing_deg: float | None = None):
    """Build a Walker delta or star constellation as a :class:`orbits.satellites.SatelliteSet`.

    Parameters
    ----------
    pattern : {"delta", "star"}
        See :func:`walker_elements`.
    total, planes, phasing : int
        ``T``, ``P``, ``F`` of the ``i:T/P/F`` notation.
    altitude_km : float
        Circular-orbit altitude above the WGS84 equatorial radius (km); semi-major axis
        ``a = 6378.137 + altitude_km``. Allowed ``MIN_ALTITUDE_KM`` (100) to
        ``MAX_ALTITUDE_KM``.
    inclination_deg : float
        0 to 180 deg.
    epoch_utc : str or datetime
        Element epoch (UTC ISO-8601 string or tz-aware datetime).
    name_prefix : str
        Names are ``{prefix}-{plane:02d}-{slot:02d}``, 1-based.
    raan0_deg : float
        RAAN of the first plane (deg).
    seam_spacing_deg : float, optional
        Star patterns: RAAN gap across the seam (see :func:`walker_elements`).

    Returns
    -------
    SatelliteSet
        ``T`` satellites, eccentricity 0, argument of perigee 0, ``bstar = 0``, ordered
        plane by plane. Unite shells with ``+``.

    Raises
    ------
    WalkerError
        On any impossible parameter (message names the key, value and what is allowed).
    """
    pattern_n, T, P, F, inc = _check_walker(pattern, total, planes, phasing, inclination_deg)
    alt = _check_altitude(altitude_km)
    if not isinstance(name_prefix, str) or not name_prefix.strip():
        raise WalkerError("name_prefix", name_prefix, "a non-empty string")

    raan, mean_anomaly = walker_elements(pattern_n, T, P, F, inc, raan0_deg, seam_spacing_deg)
    n = T
    names = walker_names(name_prefix.strip(), P, T // P)
    sats = SatelliteSet.from_elements(
        names=names,
        semi_major_axis_km=np.full(n, WGS84_A_KM + alt),
        eccentricity=np.zeros(n),
        inclination_deg=np.full(n, inc),
        raan_deg=raan,
        arg_perigee_deg=np.zeros(n),
        mean_anomaly_deg=mean_anomaly,
        epoch_utc=epoch_utc,
    )
    label = f"walker-{pattern_n} {inc:g}:{T}/{P}/{F} at {alt:g} km"
    if seam_spacing_deg is not None:
        label += f", seam {float(seam_spacing_deg):g} deg"
    try:
        sats.source = [label] * n
    except AttributeError:  # pragma: no cover - SatelliteSet without a settable source
        pass
    return sats


def export(sats, path, fmt: str = "tle"):
    """Write a constellation so that other tools can read it.

    Parameters
    ----------
    sats : SatelliteSet
    path : str or Path
    fmt : {"tle", "omm-json", "omm-xml", "omm-csv"}
        ``"tle"`` writes 3-line TLEs with :func:`orbits.tle.write_tle`; the ``omm-*``
        formats write CCSDS OMM records as CelesTrak serves them with
        :func:`orbits.tle.write_omm`.
    """

    f = fmt.lower()
    if f == "tle":
        return tle.write_tle(sats, path)
    if f.startswith("omm-") and f[4:] in ("json", "xml", "csv"):
        return tle.write_omm(sats, path, fmt=f[4:])
    raise WalkerError("fmt", fmt, "one of 'tle', 'omm-json', 'omm-xml', 'omm-csv'")
