"""numba compilation options of the :mod:`hgv_models` kernel modules (``_*_kernels.py``), in one place.

All compile in nopython mode and cache the machine code on disk (``cache=True``, under
``__pycache__``); ``fastmath`` is off (numba's default).

``jit``
    Plain compiled function.
``jit_parallel``
    ``parallel=True``: the outermost ``prange`` loop runs on numba's thread pool.
"""

from __future__ import annotations

from numba import njit

__all__ = ["jit", "jit_parallel"]

jit = njit(cache=True)
jit_parallel = njit(cache=True, parallel=True)
