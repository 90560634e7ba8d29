"""Shared test fixtures: the small scenario shapes the end-to-end tests run.

Every end-to-end test (``test_cli``, ``test_sweep``) flies the same small Walker shell (12
satellites in 3 planes at 1,000 km and 60 deg) over a coarse box for a short time: cheap
enough for a 2-core CI machine, large enough that coverage, stereo and gaps are not trivial.
:func:`scenario_toml` writes that shape with the parts a test varies; tests edit the text
further with ``str.replace`` on whole lines (``"total = 12"``, ``"step_s = 120"``), so the
lines here are kept one key per line.
"""
from __future__ import annotations

from pathlib import Path

import importlib

import pytest

# Importing hgvcov first clears numba's cache when any kernel module changed (numba checks a
# cached kernel against its own file only: hgvcov.cachedir.invalidate_stale_kernel_caches),
# so tests that import only constellation / orbits / hgv_models never run stale machine code.
importlib.import_module("hgvcov")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
START_UTC = "2026-11-21T00:00:00Z"

#: The small Walker-delta shell of the end-to-end tests: 60:12/3/1 at 1,000 km.
WALKER_12 = """\
[[constellation]]
kind = "walker-delta"
total = 12
planes = 3
phasing = 1
altitude_km = 1000
inclination_deg = 60
"""

#: A threat from the north China plain toward Tokyo, launched 10 min into the scenario.
TOKYO_THREAT = """\
[[threat]]
name = "toward Tokyo"
launch = [40.0, 116.0]
aim = [35.68, 139.77]
launch_time = "2026-11-21T00:10:00Z"
"""


def box_region(lat_deg, lon_deg, step_deg, altitude_km) -> str:
    """A ``[region]`` body for a lat/lon box (without the header)."""
    return (f"lat_deg = [{lat_deg[0]}, {lat_deg[1]}]\nlon_deg = [{lon_deg[0]}, {lon_deg[1]}]\n"
            f"step_deg = {step_deg}\naltitude_km = {altitude_km}\n")


def scenario_toml(name: str, duration_s: int, step_s: int, region: str, *,
                  propagator: str | None = None, sensor: str | None = None,
                  extra: str = "") -> str:
    """The end-to-end tests' scenario: :data:`WALKER_12` over ``region`` from :data:`START_UTC`.

    Parameters
    ----------
    name : str
        Scenario name.
    duration_s, step_s : int
        ``[time]`` duration and step (s).
    region : str
        Body of ``[region]`` (e.g. :func:`box_region`, or ``points = ...`` lines).
    propagator : str, optional
        ``[time] propagator`` (default: the scenario default, SGP4).
    sensor : str, optional
        Body of ``[sensor]``; None leaves the table out (the default sensor).
    extra : str
        Tables appended after the region (``[[threat]]``, ``[output]``, ...).
    """
    time = f'[time]\nstart = "{START_UTC}"\nduration_s = {duration_s}\nstep_s = {step_s}\n'
    if propagator:
        time += f'propagator = "{propagator}"\n'
    sensor_table = f"[sensor]\n{sensor}" if sensor is not None else ""
    return (f'name = "{name}"\n{time}{WALKER_12}{sensor_table}[region]\n{region}{extra}')


#: One hour of the small shell over Japan at the glide layer, one threat (test_cli's real run).
SMALL_RUN = scenario_toml(
    "small e2e", 3600, 120, box_region((20, 50), (120, 150), 5, 40),
    sensor="min_elevation_deg = 5\nfield_of_regard_deg = 120\n",
    extra=TOKYO_THREAT + "[output]\ntrack_step_s = 5\n")

#: Ten minutes over a 10 x 10 deg ground box (test_sweep's base scenario).
SWEEP_BASE = scenario_toml(
    "tiny sweep base", 600, 60, box_region((30, 40), (130, 140), 5, 0),
    sensor="min_elevation_deg = 10\nfield_of_regard_deg = 120\n")

#: A sweep over SWEEP_BASE (saved as ``base.toml``): 2 totals x 2 fields of regard.
SWEEP_2X2 = """\
base = "base.toml"
[grid]
"constellation[0].total" = [12, 24]
"sensor.field_of_regard_deg" = [100, 120]
"""


@pytest.fixture
def sweep_files(tmp_path):
    """Write ``base.toml`` and ``sweep.toml`` into ``tmp_path``; returns the sweep file's path.

    Call as ``sweep_files(sweep_text=SWEEP_2X2, base_text=SWEEP_BASE)``.
    """
    def write(sweep_text: str = SWEEP_2X2, base_text: str = SWEEP_BASE) -> Path:
        (tmp_path / "base.toml").write_text(base_text)
        path = tmp_path / "sweep.toml"
        path.write_text(sweep_text)
        return path
    return write
