"""numba compilation options of :mod:`orbits._kernels`, in one place.

All compile in nopython mode and cache the machine code on disk (``cache=True``, under
``__pycache__``); ``fastmath`` is off everywhere (numba's default).

``jit``
    Plain compiled function.
``jit_inline``
    Inlined into the caller at numba IR level (``inline="always"``), for small helpers of
    vectorised loops.
``jit_parallel``
    ``parallel=True``: the outermost ``prange`` loop runs on numba's thread pool.
"""

from __future__ import annotations

from numba import njit

__all__ = ["jit", "jit_inline", "jit_parallel"]

jit = njit(cache=True)
jit_inline = njit(cache=True, inline="always")
jit_parallel = njit(cache=True, parallel=True)
