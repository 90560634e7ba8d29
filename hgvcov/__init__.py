"""hgvcov: the application the ``hgvcov`` command is.

Scenario files (:mod:`hgvcov.scenario`), the run pipeline (:mod:`hgvcov.run`), sweeps on
Dask (:mod:`hgvcov.sweep`), atomic output writing (:mod:`hgvcov.outputs`), progress
(:mod:`hgvcov.progress`), console reports (:mod:`hgvcov.report`), single-threat
trajectories (:mod:`hgvcov.trajectory`), the command line (:mod:`hgvcov.cli`) and the
figures (:mod:`hgvcov.plots`).  It builds on the engine (:mod:`constellation`), which
builds on :mod:`orbits` and :mod:`hgv_models`; nothing below imports this package.

The names below are loaded on first use (module ``__getattr__``): ``import hgvcov`` runs
for every ``hgvcov --help`` and must not pull in pydantic, numpy or the engine.

Importing it also points numba's cache at a per-user folder when the installation is not
writable (:func:`hgvcov.cachedir.configure_numba_cache`; before numba is imported), and
clears that cache when the kernel sources changed since it was built
(:func:`hgvcov.cachedir.invalidate_stale_kernel_caches`).
"""
from __future__ import annotations

from importlib import import_module

from .cachedir import configure_numba_cache, invalidate_stale_kernel_caches

configure_numba_cache()
invalidate_stale_kernel_caches()

__all__ = [
    "Scenario", "ScenarioError", "load_scenario", "scenario_from_dict", "scenario_from_toml",
    "default_scenario", "default_scenario_toml",
    "run_scenario", "estimate_run", "available_memory_bytes", "RunRefused",
    "run_sweep", "load_sweep", "SweepError",
    "OutputError", "OutputTransaction",
    "__version__",
]

#: Public name -> the module that defines it (imported when the name is first used).
_HOME = {
    "Scenario": "hgvcov.scenario", "ScenarioError": "hgvcov.scenario",
    "load_scenario": "hgvcov.scenario", "scenario_from_dict": "hgvcov.scenario",
    "scenario_from_toml": "hgvcov.scenario", "default_scenario": "hgvcov.scenario",
    "default_scenario_toml": "hgvcov.scenario",
    "run_scenario": "hgvcov.run", "estimate_run": "hgvcov.run",
    "available_memory_bytes": "hgvcov.run", "RunRefused": "hgvcov.run",
    "run_sweep": "hgvcov.sweep", "load_sweep": "hgvcov.sweep", "SweepError": "hgvcov.sweep",
    "OutputError": "hgvcov.outputs", "OutputTransaction": "hgvcov.outputs",
}


def __getattr__(name: str) -> object:
    if name == "__version__":
        from hgvcov.version import package_version
        value = package_version()
    elif name in _HOME:
        value = getattr(import_module(_HOME[name]), name)
    else:
        raise AttributeError(f"module 'hgvcov' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
