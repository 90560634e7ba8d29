"""python -m orbits / diagnostics(): versions and numba threading layer."""

import subprocess
import sys


def test_diagnostics_reports_versions_and_threading_layer():
    import numba

    from orbits import diagnostics

    info = diagnostics()
    assert info["versions"]["numba"] == numba.__version__
    assert info["numba_threading_layer"] in ("tbb", "omp", "workqueue")
    assert set(info["versions"]) >= {"numba", "llvmlite", "numpy", "sgp4", "skyfield", "astropy"}


def test_python_m_orbits_prints_versions():
    out = subprocess.run([sys.executable, "-m", "orbits"], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    for word in ("numba", "llvmlite", "numpy", "sgp4", "skyfield", "astropy",
                 "threading layer"):
        assert word in out
