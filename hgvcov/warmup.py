"""``hgvcov warmup``: compile (or load from numba's cache) every kernel a run can use.

The engine's kernels are compiled by numba on their first call and cached on disk
(:mod:`hgvcov.cachedir` says where).  A fresh installation therefore spends its first
``hgvcov run`` compiling (30-40 s on 2 cores); :func:`warmup` does that work up front by
running tiny scenarios through the same pipeline as ``hgvcov run`` (:data:`WARMUP_CASES`:
grids and point lists, SGP4 and J2, threats, Monte Carlo launch times, access intervals),
so the kernels are compiled for exactly the argument types a real run passes.  Every later
run, and every sweep worker on the machine, then only loads them.

:func:`start_flight_compile` / :func:`finish_flight_compile`: on a first run, the HGV flight
kernels compile in a child process while the run compiles the coverage kernels.

Compile times come from numba's event API (``numba.core.event``, ``"numba:compile"``),
which reports every compilation (not cache loads) with its dispatcher.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from typing import Callable, Optional

from .cachedir import KERNEL_PACKAGES

__all__ = ["WARMUP_CASES", "KernelInfo", "CompileTimer", "kernel_dispatchers", "kernel_report",
           "warmup_scenarios", "warmup", "cache_location", "start_flight_compile",
           "finish_flight_compile"]

#: Label of each warm-up case -> what it changes in the built-in scenario (made small: 1 h
#: at 2 min, a 5 deg box or three points, one threat).  Together they reach every kernel of
#: ``hgvcov run`` (checked on the built-in scenario and ``examples/*.toml``): SGP4
#: (near-Earth kernels; deep-space satellites through python-sgp4 and the frame kernel)
#: and J2 propagation (on the regular grid and at the tracks' sample instants), the grid
#: and point-list coverage kernels, threat flight and track scoring, Monte Carlo launch
#: times, access intervals.  A polygon region runs the grid kernel (the mask is applied
#: outside it), and TLE, preset, Walker and element shells all propagate with one of the
#: two propagators, so they need no case of their own.  ``[analysis] satellite_availability``
#: adds an argument to the point-list kernel (a second specialisation of it) and runs the
#: grid kernel's availability path: the J2 cases set it, the SGP4 ones do not, so both
#: specialisations are compiled (the propagator does not change the kernels' argument types).
WARMUP_CASES = {
    "grid, SGP4, threats, Monte Carlo": {"threat": True, "monte_carlo": 2},
    "grid, J2, threats, availability": {"propagator": "j2", "threat": True, "availability": 0.95},
    "points, SGP4 with a deep-space satellite, accesses": {"points": True, "deep_space": True},
    "points, J2, accesses, availability": {"points": True, "propagator": "j2", "availability": 0.95},
}

#: A Molniya-like satellite (period > 225 min: SGP4's deep-space branch).
_DEEP_SPACE_SHELL = {"kind": "elements", "element_type": "mean", "satellites": [{
    "name": "MOLNIYA-like", "semi_major_axis_km": 26600, "eccentricity": 0.74,
    "inclination_deg": 63.4, "raan_deg": 120, "arg_perigee_deg": 270, "mean_anomaly_deg": 0}]}


def warmup_scenarios() -> list[tuple[str, object]]:
    """The warm-up cases as ``(label, Scenario)`` pairs (see :data:`WARMUP_CASES`).

    Returns
    -------
    list of (str, hgvcov.scenario.Scenario)
        Small variants of the built-in scenario.
    """
    from .scenario import default_scenario_toml, scenario_from_dict
    out = []
    for label, change in WARMUP_CASES.items():
        d = tomllib.loads(default_scenario_toml())
        d["time"].update(duration_s=3600, step_s=120,
                         propagator=change.get("propagator", d["time"]["propagator"]))
        d["output"].update(maps=False, monte_carlo=change.get("monte_carlo", 0))
        threats = d.pop("threat", [])
        if change.get("threat") and threats:
            d["threat"] = [threats[0]]
        if change.get("availability"):
            d.setdefault("analysis", {})["satellite_availability"] = change["availability"]
        if change.get("deep_space"):
            d["constellation"] = list(d["constellation"]) + [dict(_DEEP_SPACE_SHELL)]
        if change.get("points"):
            d["region"] = {"altitude_km": 40, "points": [
                {"name": "Tokyo", "lat_deg": 35.68, "lon_deg": 139.77},
                {"name": "Naha", "lat_deg": 26.21, "lon_deg": 127.68},
                {"name": "Sapporo", "lat_deg": 43.06, "lon_deg": 141.35, "altitude_km": 0.0}]}
            d["output"]["accesses"] = True
        else:
            d["region"].update(lat_deg=[30, 40], lon_deg=[130, 140], step_deg=5.0)
        out.append((label, scenario_from_dict(d, source=f"warmup: {label}")))
    return out


def kernel_dispatchers() -> dict:
    """Every numba dispatcher defined in the loaded modules of the kernel packages.

    Returns
    -------
    dict
        ``"module.function"`` -> dispatcher, for the modules of
        :data:`hgvcov.cachedir.KERNEL_PACKAGES` already imported (importing the packages
        imports all their kernel modules), sorted by name.
    """
    import constellation  # noqa: F401 - loads the engine and, through it, orbits and hgv_models
    import hgv_models  # noqa: F401
    from numba.core.dispatcher import Dispatcher
    found = {}
    for mod_name, mod in list(sys.modules.items()):
        if mod is None or mod_name.split(".")[0] not in KERNEL_PACKAGES:
            continue
        for obj in list(vars(mod).values()):
            if isinstance(obj, Dispatcher):
                py = obj.py_func
                if py.__module__.split(".")[0] in KERNEL_PACKAGES:
                    found[f"{py.__module__}.{py.__qualname__}"] = obj
    return dict(sorted(found.items()))


class CompileTimer:
    """Times numba compilations per dispatcher (a ``numba:compile`` event listener).

    Use as a context manager.  :attr:`seconds` maps ``"module.function"`` to the seconds
    spent compiling that function itself (exclusive: the functions it calls that had to be
    compiled first are counted under their own names); :attr:`count` to the number of
    signatures compiled.  numba's own library functions are counted under their names too
    (``numba.*``).
    """

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.count: dict[str, int] = {}
        self._stack: list[list] = []
        self._listener = None

    def __enter__(self) -> "CompileTimer":
        from numba.core import event

        timer = self

        class _Listener(event.Listener):
            def on_start(self, ev):
                py = ev.data["dispatcher"].py_func
                timer._stack.append([f"{py.__module__}.{py.__qualname__}", time.perf_counter(), 0.0])

            def on_end(self, ev):
                name, t0, inner = timer._stack.pop()
                dt = time.perf_counter() - t0
                if timer._stack:
                    timer._stack[-1][2] += dt
                timer.seconds[name] = timer.seconds.get(name, 0.0) + dt - inner
                timer.count[name] = timer.count.get(name, 0) + 1

        self._listener = _Listener()
        event.register("numba:compile", self._listener)
        return self

    def __exit__(self, *exc) -> None:
        from numba.core import event
        event.unregister("numba:compile", self._listener)

    @property
    def total_s(self) -> float:
        """Seconds spent compiling, all functions together."""
        return sum(self.seconds.values())


@dataclass
class KernelInfo:
    """What one kernel (numba dispatcher) holds after a warm-up."""

    name: str
    signatures: list = field(default_factory=list)
    compiled: int = 0
    loaded: int = 0
    compile_s: float = 0.0

    @property
    def state(self) -> str:
        """``compiled`` (in this process), ``loaded`` (from numba's cache) or ``-``: no
        code of its own in this process: called only from other kernels (its code is
        compiled into theirs and cached with them), inlined (``inline="always"``), or not
        used by ``hgvcov run`` (library and benchmark kernels)."""
        if self.compiled:
            return "compiled"
        if self.loaded or self.signatures:
            return "loaded"
        return "-"


def kernel_report(timer: Optional[CompileTimer] = None) -> list[KernelInfo]:
    """One :class:`KernelInfo` per kernel of :func:`kernel_dispatchers`.

    Parameters
    ----------
    timer : CompileTimer, optional
        Compile times to attach (default: none).
    """
    out = []
    for name, disp in kernel_dispatchers().items():
        stats = getattr(disp, "stats", None)
        hits = sum(stats.cache_hits.values()) if stats is not None else 0
        out.append(KernelInfo(
            name=name, signatures=[str(s) for s in disp.signatures],
            compiled=timer.count.get(name, 0) if timer else 0, loaded=hits,
            compile_s=timer.seconds.get(name, 0.0) if timer else 0.0))
    return out


def cache_location() -> str:
    """Where numba caches the kernels: ``NUMBA_CACHE_DIR`` or the packages' ``__pycache__``."""
    return os.environ.get("NUMBA_CACHE_DIR") or "beside the sources (__pycache__ of " \
        + ", ".join(KERNEL_PACKAGES) + ")"


def warmup(out: Callable[[str], None] = lambda line: None) -> dict:
    """Compile or load every kernel ``hgvcov run`` can use, by running :func:`warmup_scenarios`.

    As in ``hgvcov run``, on a first warm-up with two or more cores the HGV flight kernels
    compile in a child process (:func:`start_flight_compile`); this process then loads
    them, so they are reported as ``loaded`` and their compile time is not in ``compile_s``.

    Parameters
    ----------
    out : callable, optional
        Receives one line per case as it starts and ends (the CLI prints them).

    Returns
    -------
    dict
        ``cache`` (:func:`cache_location`), ``cases`` (label -> seconds), ``total_s``,
        ``compile_s`` (seconds compiling, all kernels), ``kernels`` (one dict per kernel:
        name, state, signatures, compiled, loaded, compile_s).
    """
    from .run import run_scenario
    t0 = time.perf_counter()
    cases = {}
    scenarios = warmup_scenarios()
    with CompileTimer() as timer, tempfile.TemporaryDirectory(prefix="hgvcov-warmup-") as tmp:
        for i, (label, sc) in enumerate(scenarios, 1):
            out(f"[{i}/{len(scenarios)}] {label} ...")
            t = time.perf_counter()
            run_scenario(sc, os.path.join(tmp, str(i)), maps=False, exports=False, compile_in_parallel=True)
            cases[label] = time.perf_counter() - t
            out(f"[{i}/{len(scenarios)}] {label}: {cases[label]:.1f} s")
    kernels = kernel_report(timer)
    return {"cache": cache_location(), "cases": cases,
            "total_s": time.perf_counter() - t0, "compile_s": timer.total_s,
            "kernels": [dict(name=k.name, state=k.state, signatures=k.signatures,
                             compiled=k.compiled, loaded=k.loaded, compile_s=k.compile_s)
                        for k in kernels]}


#: What the flight-compiling process runs: one library threat through the public API.
_FLIGHT_CODE = ("from hgv_models.threats import THREAT_LIBRARY, fly_threat\n"
                "fly_threat(next(iter(THREAT_LIBRARY)))\n")


def start_flight_compile():
    """Compile the HGV flight kernels in a second process, if that will save time.

    On a first run (flight kernels neither compiled nor cached) with two or more cores, a
    child process flies one library threat, which compiles :mod:`hgv_models`' kernels into
    numba's cache while this process compiles the coverage kernels (numba compiles in one
    thread).  The two sets share no function (the layers keep ``hgv_models`` apart from
    ``orbits`` and ``constellation``), so the processes never write the same cache entry;
    :func:`finish_flight_compile` must be called before this process flies a threat.
    About 5 s less on a first run on 2 cores (docs/ARCHITECTURE.md, "Cold start").

    Returns
    -------
    subprocess.Popen or None
        The child process, or None when nothing was started.
    """
    import subprocess
    if (os.cpu_count() or 1) < 2:
        return None
    try:
        from hgv_models.dynamics import kernels_cached
        if kernels_cached():
            return None
        import hgv_models
        root = os.path.dirname(os.path.dirname(os.path.abspath(hgv_models.__file__)))
        env = dict(os.environ)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        return subprocess.Popen([sys.executable, "-c", _FLIGHT_CODE], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    except Exception:  # noqa: BLE001 - an optimisation only: this process compiles instead
        return None


def finish_flight_compile(proc, timeout_s: float = 300.0, stop: bool = False) -> None:
    """Wait for :func:`start_flight_compile`'s process, or stop it.

    Parameters
    ----------
    proc : subprocess.Popen or None
        From :func:`start_flight_compile` (None: nothing to do).
    timeout_s : float
        Longest wait (s); the process is stopped after it.
    stop : bool
        Stop it now (the run failed or was interrupted).

    Whatever happened there, this process then flies its threats (loading the kernels
    from the cache, or compiling what is missing).
    """
    if proc is None:
        return
    try:
        if stop:
            raise TimeoutError
        proc.wait(timeout=timeout_s)
    except BaseException as exc:
        proc.kill()
        proc.wait()
        if not isinstance(exc, (TimeoutError, Exception)):
            raise
