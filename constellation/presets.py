"""Preset constellations: public, *notional* infrared missile-tracking layers.

None of these layers has published orbital elements for every satellite, so each preset
is a Walker pattern chosen to match what has been said in public (number of satellites,
number of planes, altitude, inclination). Every preset says which of its numbers are
sourced and which are our assumption (``notional``). For the real orbits of satellites
already launched, download their TLEs/OMM from CelesTrak and use a ``kind = "tle"`` shell.

Presets
-------
``sda-tranche0-tracking``
    US Space Development Agency (SDA) Tranche 0 Tracking Layer: 8 wide-field-of-view IR
    satellites (4 SpaceX, 4 L3Harris; contracts October 2020) [1]_. The first two were
    launched on 2 April 2023 "into a 1,000 km orbit, inclined 80 degrees" [2]_.
    Notional: modelled as Walker delta 80:8/2/1 at 1,000 km (the real satellites went up on
    three launches: the four SpaceX ones in 2023, the four L3Harris ones in February 2024
    [10]_).
``sda-tranche1-tracking``
    SDA Tranche 1 Tracking Layer: 28 satellites (14 L3Harris, 14 Northrop Grumman), "two
    planes and seven space vehicles per plane" per vendor, "28 satellites across four planes"
    [3]_, "launched in batches of seven to polar orbits about 600 miles [~970 km] above
    Earth" [4]_. Sourced: 28 satellites, 4 planes x 7, ~1,000 km. Notional: inclination
    80 deg (as Tranche 0), equally spaced nodes and phasing F = 1 (Walker delta 80:28/4/1).
``sda-tranche2-tracking``
    SDA Tranche 2 Tracking Layer: "54 - and potentially more - space vehicles with infrared
    sensors in six orbital planes" [5]_ (awards: L3Harris, Lockheed Martin, Sierra Space,
    18 each [6]_). Sourced: 54 satellites, 6 planes (9 per plane). Notional: 1,000 km,
    80 deg, Walker delta 80:54/6/1.
``japan-hgv-tracking``
    Japan-style small-satellite HGV-tracking layer. Japan's Ministry of Defense is reported
    to plan "a network of 50 compact satellites in a low Earth orbit to track
    next-generation hypersonic missiles" [7]_, and Japan and the US agreed in April 2024 to
    cooperate on a satellite network to detect and track hypersonic glide weapons [8]_.
    Entirely notional apart from the count: Walker delta 50:50/5/1 at 600 km (a typical
    small-satellite altitude); 50 deg inclination puts the densest coverage (latitudes near
    the inclination) just north of Japan's 24-46 deg N span.
``japan-hgv-demo``
    The three-satellite demonstration reported for the mid-2020s, "launched into a
    low-altitude orbit of about 400 kilometers" [9]_. Notional: one plane of 3 at 400 km,
    50 deg inclination (Walker delta 50:3/1/0).

References
----------
.. [1] Defense Daily, "Tranche 0 satellites to participate in Northern Edge exercise next
   summer" (2022): "L3Harris Technologies and SpaceX are each building four satellites for
   the Tracking Layer's Tranche 0 under contracts awarded in October 2020."
.. [2] NASASpaceflight.com, D. Lentz, "SpaceX launches initial satellites for Space
   Development Agency", 2 April 2023, https://www.nasaspaceflight.com/2023/04/tranche-0-flight-1/
.. [3] Microwaves & RF, "SDA announces awards to build T1 tracking layer" (July 2022),
   https://www.mwrf.com/markets/defense/article/21247644/
.. [4] SpaceNews, "L3Harris, Northrop Grumman to build 28 missile-tracking satellites for
   U.S. Space Development Agency", 18 July 2022.
.. [5] Via Satellite, F. Wolfe, "SDA solicits 54 Tranche 2 Tracking Layer satellites",
   18 September 2023, https://www.satellitetoday.com/government-military/2023/09/18/sda-solicits-54-tranche-2-tracking-layer-satellites/
.. [6] Payload, "SDA awards Tranche 2 Tracking Layer contracts" (January 2024),
   https://payloadspace.com/sda-awards-tranche-2-tracking-layer-contracts/
.. [7] The Asahi Shimbun (Asia & Japan Watch), "Japan plans to deploy a network of 50
   compact satellites..." (2022), https://www.asahi.com/ajw/articles/14759571 (page seen at
   ajw-origin.potaufeu.asahi.com/ajw/articles/14759571)
.. [8] The Yomiuri Shimbun, "Japan, U.S. to cooperate on satellite network for detecting
   hypersonic glide weapons", 8 April 2024,
   https://japannews.yomiuri.co.jp/politics/defense-security/20240408-179363/
.. [9] The Yomiuri Shimbun, "Japan to launch satellites to build observation network,
   eyeing detection of HGVs", 22 November 2021.
.. [10] Defense Daily, "SDA expects to begin to get data from L3Harris tracking satellites
   in late May" (April 2024): four L3Harris Tranche 0 tracking satellites launched in
   February 2024; four SpaceX ones launched the year before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .walker import walker

__all__ = ["PresetError", "WalkerShell", "PresetSpec", "PRESETS", "preset", "preset_names"]


class PresetError(ValueError):
    """Unknown preset name. ``key``, ``value`` and ``allowed`` name the problem."""

    def __init__(self, value, allowed):
        self.key = "name"
        self.value = value
        self.allowed = list(allowed)
        super().__init__(f"preset name = {value!r} is not a known preset; "
                         f"allowed: {', '.join(self.allowed)}")


@dataclass(frozen=True)
class WalkerShell:
    """One Walker shell of a preset (see :func:`constellation.walker.walker`)."""

    pattern: str
    total: int
    planes: int
    phasing: int
    altitude_km: float
    inclination_deg: float
    raan0_deg: float = 0.0


@dataclass(frozen=True)
class PresetSpec:
    """A preset constellation.

    Attributes
    ----------
    name : str
        Key in :data:`PRESETS`.
    description : str
        One line.
    shells : tuple of WalkerShell
    name_prefix : str
        Satellite names are ``{prefix}-{plane:02d}-{slot:02d}`` (``-s{k}`` appended to the
        prefix when there are several shells).
    notional : tuple of str
        The parameters that are assumptions rather than published figures.
    sources : tuple of str
        Short citations (full list in the module docstring).
    """

    name: str
    description: str
    shells: tuple
    name_prefix: str
    notional: tuple = field(default_factory=tuple)
    sources: tuple = field(default_factory=tuple)

    @property
    def total(self) -> int:
        """Number of satellites."""
        return sum(s.total for s in self.shells)

    def build(self, epoch_utc):
        """The preset's :class:`orbits.satellites.SatelliteSet` at ``epoch_utc``."""
        out = None
        for k, sh in enumerate(self.shells):
            prefix = self.name_prefix if len(self.shells) == 1 else f"{self.name_prefix}-s{k + 1}"
            sats = walker(sh.pattern, sh.total, sh.planes, sh.phasing, sh.altitude_km,
                          sh.inclination_deg, epoch_utc, name_prefix=prefix,
                          raan0_deg=sh.raan0_deg)
            try:
                sats.source = [f"preset {self.name} (notional: {', '.join(self.notional)})"
                               if self.notional else f"preset {self.name}"] * len(sats)
            except AttributeError:  # pragma: no cover
                pass
            out = sats if out is None else out + sats
        return out


PRESETS: dict[str, PresetSpec] = {
    p.name: p for p in (
        PresetSpec(
            name="sda-tranche0-tracking",
            description="SDA Tranche 0 Tracking Layer, 8 satellites at ~1,000 km, 80 deg",
            shells=(WalkerShell("delta", 8, 2, 1, 1000.0, 80.0),),
            name_prefix="T0TRK",
            notional=("planes", "phasing", "node spacing"),
            sources=("Defense Daily 2022 (8 satellites: 4 SpaceX, 4 L3Harris)",
                     "NASASpaceflight 2023-04-02 (1,000 km, 80 deg)"),
        ),
        PresetSpec(
            name="sda-tranche1-tracking",
            description="SDA Tranche 1 Tracking Layer, 28 satellites in 4 planes at ~1,000 km",
            shells=(WalkerShell("delta", 28, 4, 1, 1000.0, 80.0),),
            name_prefix="T1TRK",
            notional=("inclination", "phasing", "node spacing"),
            sources=("Microwaves & RF 2022 (28 satellites, 4 planes x 7)",
                     "SpaceNews 2022-07-18 (polar orbits, ~600 miles)"),
        ),
        PresetSpec(
            name="sda-tranche2-tracking",
            description="SDA Tranche 2 Tracking Layer, 54 satellites in 6 planes at ~1,000 km",
            shells=(WalkerShell("delta", 54, 6, 1, 1000.0, 80.0),),
            name_prefix="T2TRK",
            notional=("altitude", "inclination", "phasing", "node spacing"),
            sources=("Via Satellite 2023-09-18 (54 satellites, six planes)",
                     "Payload 2024 (18 each: L3Harris, Lockheed Martin, Sierra Space)"),
        ),
        PresetSpec(
            name="japan-hgv-tracking",
            description="Japan-style small-satellite HGV-tracking layer (notional), 50 at 600 km",
            shells=(WalkerShell("delta", 50, 5, 1, 600.0, 50.0),),
            name_prefix="JPTRK",
            notional=("planes", "altitude", "inclination", "phasing", "node spacing"),
            sources=("Asahi Shimbun 2022 (50 compact satellites in LEO)",
                     "Yomiuri Shimbun 2024-04-08 (Japan-US HGV detection network)"),
        ),
        PresetSpec(
            name="japan-hgv-demo",
            description="Japan three-satellite demonstration (notional), 400 km",
            shells=(WalkerShell("delta", 3, 1, 0, 400.0, 50.0),),
            name_prefix="JPDEMO",
            notional=("inclination", "in-plane spacing"),
            sources=("Yomiuri Shimbun 2021-11-22 (three satellites, ~400 km)",),
        ),
    )
}
"""All presets by name."""


def preset_names() -> list[str]:
    """Sorted list of valid preset names."""
    return sorted(PRESETS)


def preset(name: str, epoch_utc):
    """Build a preset constellation.

    Parameters
    ----------
    name : str
        One of :func:`preset_names` (case-insensitive, surrounding blanks ignored).
    epoch_utc : str or datetime
        Element epoch (UTC).

    Returns
    -------
    SatelliteSet

    Raises
    ------
    PresetError
        Unknown name; the message lists every valid name.
    """
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in PRESETS:
        raise PresetError(name, preset_names())
    return PRESETS[key].build(epoch_utc)
