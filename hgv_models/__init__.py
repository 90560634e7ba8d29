"""hgv_models: hypersonic glide vehicle physics for hgv-coverage.

Public API (``../shared/DESIGN.md``, "hgv_models API"):

- :func:`us1976` - US Standard Atmosphere 1976.
- :class:`Vehicle`, :data:`CAV_H`, :data:`HTV2` - glide vehicles.
- :func:`equilibrium_glide_altitude_km`, :func:`glide` - 3-DOF glide over a rotating Earth.
- :class:`Trajectory` - sampled flight with phases, heating, temperature, loads.
- :func:`fly_threat` - boost, glide and terminal dive from a launch to an aim point;
  :func:`fly_threats` many at once (shooting in lockstep, numba batch glides).
- manoeuvres in :mod:`hgv_models.guidance` (:func:`constant_bank`, :func:`weave`,
  :func:`jink`, :func:`terminal_dive`).
- threats, IR signature and ground radar (:class:`Threat`, :data:`THREAT_LIBRARY`,
  :func:`in_band_intensity_w_sr`, :func:`radar_horizon_km`, :class:`RadarSite`,
  :data:`JAPAN_RADAR_SITES`, :func:`first_radar_detection_s`).
"""

from hgv_models.atmosphere import us1976
from hgv_models.boost import boost
from hgv_models.dynamics import GlideError, equilibrium_glide_altitude_km, glide, glide_batch
from hgv_models.flight import ThreatUnreachableError, fly_threat, fly_threats
from hgv_models.guidance import (GuidanceProgram, TerminalDive, constant_bank, jink,
                                 terminal_dive, weave)
from hgv_models.trajectory import (PHASE_BOOST, PHASE_GLIDE, PHASE_NAMES, PHASE_TERMINAL,
                                   Trajectory)
from hgv_models.vehicles import CAV_H, HTV2, Vehicle, VehicleError, vehicle_by_name

__all__ = [
    "us1976", "Vehicle", "VehicleError", "CAV_H", "HTV2", "vehicle_by_name",
    "equilibrium_glide_altitude_km", "glide", "glide_batch", "GlideError", "Trajectory",
    "PHASE_BOOST", "PHASE_GLIDE", "PHASE_TERMINAL", "PHASE_NAMES", "fly_threat",
    "ThreatUnreachableError", "fly_threats", "boost", "GuidanceProgram", "TerminalDive", "constant_bank",
    "weave", "jink", "terminal_dive",
]

from hgv_models.radar import (JAPAN_RADAR_SITES, RadarSite, first_radar_detection_s,  # noqa: E402
                              radar_horizon_km)
from hgv_models.signature import in_band_intensity_w_sr  # noqa: E402
from hgv_models.threats import THREAT_LIBRARY, Threat  # noqa: E402

__all__ += ["Threat", "THREAT_LIBRARY", "in_band_intensity_w_sr", "radar_horizon_km",
            "RadarSite", "JAPAN_RADAR_SITES", "first_radar_detection_s"]
