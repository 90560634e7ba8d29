"""numba compilation options of the engine's kernels, in one place.

Every kernel module of :mod:`constellation` decorates its functions with one of these instead
of spelling ``numba.njit`` options out, so a kernel's options are named for why they are set.
All of them compile in nopython mode and cache the machine code on disk (``cache=True``,
under ``__pycache__``); ``fastmath`` is off everywhere (numba's default): the kernels' results
must equal the brute-force oracle bit for bit.

``jit``
    Plain compiled function.
``jit_inline``
    Inlined into the caller at numba IR level (``inline="always"``): small helpers of the
    per-point loops, so that the caller's loop body is one function LLVM can vectorise.
``jit_parallel``
    ``parallel=True``: the outermost ``prange`` loop runs on numba's thread pool.
``jit_parallel_numpy_errors``
    ``parallel=True, error_model="numpy"``: as ``jit_parallel``, and a division by zero gives
    inf/NaN instead of raising, so divisions carry no zero check (which keeps loops
    vectorisable).
``jit_inline_numpy_errors``
    ``inline="always", error_model="numpy"``: an inlined helper whose loops must vectorise.
``jit_no_refcount``
    ``error_model="numpy", _nrt=False``: the per-strip-and-step functions of the grid kernel
    (:func:`constellation._detect.row_detect`, :func:`constellation._pairs.row_pairs`,
    :func:`constellation._metrics.row_update`). ``_nrt`` is a private numba option: with it
    false the function is compiled without the numba runtime (NRT). They allocate nothing,
    and with the runtime numba increments and decrements the reference count of every array
    argument at each call, atomic operations on counts that the threads share: about a tenth
    of the grid kernel's time, since they are called once per strip and time step (see
    ``docs/ARCHITECTURE.md``). A function compiled so must not allocate arrays (numba then
    refuses to compile it). Being private, the option may change with numba versions; it is
    used here only, so dropping it is a one-line change (same results, slower).
"""

from __future__ import annotations

from numba import njit

__all__ = ["jit", "jit_inline", "jit_parallel", "jit_parallel_numpy_errors", "jit_inline_numpy_errors",
           "jit_no_refcount"]

jit = njit(cache=True)
jit_inline = njit(cache=True, inline="always")
jit_parallel = njit(cache=True, parallel=True)
jit_parallel_numpy_errors = njit(cache=True, parallel=True, error_model="numpy")
jit_inline_numpy_errors = njit(cache=True, error_model="numpy", inline="always")
jit_no_refcount = njit(cache=True, error_model="numpy", _nrt=False)
