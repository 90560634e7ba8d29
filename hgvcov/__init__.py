"""hgvcov: the application the ``hgvcov`` command is.

Scenario files (:mod:`hgvcov.scenario`), the run pipeline (:mod:`hgvcov.run`), output
writing, progress, sweeps, the benchmark driver, the command line and the figures
(:mod:`hgvcov.plots`). It builds on the engine (:mod:`constellation`), which builds on
:mod:`orbits` and :mod:`hgv_models`; nothing below imports this package.
"""
