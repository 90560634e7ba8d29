"""``hgvcov run``: a validated scenario in, coverage, tracks, summary and maps out.

:func:`run_scenario` (:mod:`~hgvcov.run.pipeline`) runs the stages of
:mod:`~hgvcov.run.stages` - build, estimate, coverage, tracks, outputs, figures - and
returns the summary that :mod:`~hgvcov.run.summary` assembles; the memory check before
any large allocation is :mod:`~hgvcov.run.estimate`.
"""
from ..version import package_version
from .estimate import MEMORY_HEADROOM, RunRefused, available_memory_bytes, estimate_run
from .pipeline import InterruptedAfterData, run_scenario

__all__ = ["InterruptedAfterData", "RunRefused", "run_scenario", "estimate_run", "available_memory_bytes",
           "package_version", "MEMORY_HEADROOM"]
