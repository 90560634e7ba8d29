"""Progress reporting: rich bars on a terminal, plain lines otherwise.

The engine functions (``grid_coverage``, ``run_sweep``, ...) take ``progress=None`` or a
:class:`Progress`.  A :class:`Progress` is

* callable as ``progress(done, total)`` - updates the *current* task (the most recently
  started one), which is how a kernel driver reports chunk counts without knowing more;
* ``progress.task(description, total)`` - starts a new task and returns a :class:`Task`
  (itself callable as ``task(done, total=None)``, with ``advance(n=1)`` and ``close()``);
* ``progress.stage(description)`` - a context manager that times a stage and shows it as an
  indeterminate task until it ends (the elapsed seconds are kept in ``progress.timings``).

:func:`make_progress` returns a rich-backed implementation when ``enabled`` and stderr
is a terminal; a :class:`PlainProgress` (one line per stage start and end, and a progress
line with percent, elapsed time and ETA at most every :data:`PLAIN_INTERVAL_S` seconds)
when ``enabled`` and stderr is not a terminal (CI, ``nohup``, a pipe); else a
:class:`NullProgress` that does nothing but keep the stage timings.  Nothing is ever
printed to stdout (``--json`` keeps stdout clean).
"""
from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Iterator, Optional

__all__ = ["Progress", "NullProgress", "RichProgress", "PlainProgress", "Task", "make_progress",
           "PLAIN_INTERVAL_S"]

#: Seconds between two progress lines of one task in :class:`PlainProgress` (stage starts
#: and ends are always printed); ``HGVCOV_PROGRESS_INTERVAL_S`` overrides it.
PLAIN_INTERVAL_S = 10.0
#: Seconds :class:`PlainProgress` holds its first lines back: a run that fails on its input
#: within them prints its one error message alone.
PLAIN_HOLD_S = 5.0


class Task:
    """One progress task; call it as ``task(done, total=None)``."""

    def __init__(self, owner: "Progress", description: str, total: Optional[float]):
        self.owner = owner
        self.description = description
        self.total = total
        self.done = 0.0

    def __call__(self, done: float, total: Optional[float] = None) -> None:
        self.done = float(done)
        if total is not None:
            self.total = total
        self.owner._update(self)

    def advance(self, n: float = 1) -> None:
        """Add ``n`` to the completed count."""
        self(self.done + n)

    def close(self) -> None:
        """Finish the task (its bar is completed/hidden)."""
        self.owner._close(self)


class Progress:
    """Base class: keeps stage timings; subclasses draw."""

    def __init__(self):
        self.timings: dict[str, float] = {}
        self.current: Optional[Task] = None

    def task(self, description: str, total: Optional[float] = None) -> Task:
        """Start a task with ``total`` steps (None = indeterminate)."""
        t = Task(self, description, total)
        self.current = t
        self._start(t)
        return t

    def __call__(self, done: float, total: Optional[float] = None) -> None:
        if self.current is None:
            self.task("working", total)
        self.current(done, total)

    @contextmanager
    def stage(self, description: str, key: Optional[str] = None) -> Iterator[Task]:
        """Time a stage (seconds stored under ``key`` or ``description``)."""
        t0 = time.perf_counter()
        task = self.task(description, None)
        try:
            yield task
        finally:
            self.timings[key or description] = time.perf_counter() - t0
            task.close()
            if self.current is task:
                self.current = None

    def message(self, text: str) -> None:
        """A one-line note (not shown by :class:`NullProgress`)."""

    def close(self) -> None:
        """Stop drawing."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # hooks
    def _start(self, task: Task) -> None:
        pass

    def _update(self, task: Task) -> None:
        pass

    def _close(self, task: Task) -> None:
        pass


class NullProgress(Progress):
    """Draws nothing (not a terminal, ``--json``, tests)."""


class RichProgress(Progress):
    """Bars on stderr with :mod:`rich`."""

    def __init__(self):
        super().__init__()
        # rich loads only when bars are drawn (a terminal), not for `hgvcov --help` or --json.
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress as _RP,
                                   SpinnerColumn, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)
        self.console = Console(stderr=True)
        self._rp = _RP(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                       MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                       console=self.console, transient=False)
        self._ids: dict[int, int] = {}
        self._rp.start()

    def _start(self, task: Task) -> None:
        self._ids[id(task)] = self._rp.add_task(task.description, total=task.total)

    def _update(self, task: Task) -> None:
        tid = self._ids.get(id(task))
        if tid is not None:
            self._rp.update(tid, completed=task.done, total=task.total)

    def _close(self, task: Task) -> None:
        tid = self._ids.pop(id(task), None)
        if tid is not None:
            total = task.total if task.total is not None else max(task.done, 1)
            self._rp.update(tid, completed=total, total=total)

    def message(self, text: str) -> None:
        self._rp.console.print(text)

    def close(self) -> None:
        self._rp.stop()


def _fmt_s(s: float) -> str:
    """Seconds as ``"0.4 s"``, ``"8 s"``, ``"3 min 05 s"`` or ``"2 h 03 min"``."""
    s = max(0.0, float(s))
    if s < 9.95:
        return f"{s:.1f} s"
    if s < 60:
        return f"{s:.0f} s"
    m, sec = divmod(int(round(s)), 60)
    if m < 60:
        return f"{m} min {sec:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


class PlainProgress(Progress):
    """Plain lines on a stream that is not a terminal (CI logs, ``nohup``, a pipe).

    Each task prints ``hgvcov: <task>: started`` and ``hgvcov: <task>: done in <t>``, and,
    at most every ``interval_s`` seconds while it runs, ``hgvcov: <task>: <p>% (<done>/<total>),
    <t> elapsed, ETA <t>`` (without percent and ETA when the total is unknown).

    The first lines are held back until the run is under way (a :meth:`message`, such as
    the run's estimate, or ``hold_s`` seconds): a run that fails on its input before then
    prints nothing but its error; held lines are printed on a normal :meth:`close` and
    dropped when the block of ``with make_progress(...)`` ends with an exception.

    Parameters
    ----------
    stream : file
        Where the lines go (default ``sys.stderr``).
    interval_s : float
        Seconds between two progress lines of one task.
    hold_s : float
        Seconds the first lines may be held back.
    """

    def __init__(self, stream=None, interval_s: float = PLAIN_INTERVAL_S,
                 hold_s: float = PLAIN_HOLD_S):
        super().__init__()
        self.stream = sys.stderr if stream is None else stream
        self.interval_s = float(interval_s)
        self.hold_s = float(hold_s)
        self._t0 = time.perf_counter()
        self._held: Optional[list[str]] = []   # None once released
        self._started: dict[int, float] = {}
        self._last: dict[int, float] = {}

    def _write(self, line: str) -> None:
        if self._held is not None:
            self._held.append(line)
            if time.perf_counter() - self._t0 < self.hold_s:
                return
            self._release()
            return
        self._emit([line])

    def _release(self) -> None:
        held, self._held = self._held or [], None
        self._emit(held)

    def _emit(self, lines: list[str]) -> None:
        if not lines:
            return
        try:
            self.stream.write("".join(f"hgvcov: {x}\n" for x in lines))
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe must not stop the run
            pass

    def _start(self, task: Task) -> None:
        now = time.perf_counter()
        self._started[id(task)] = self._last[id(task)] = now
        self._write(f"{task.description}: started")

    def _update(self, task: Task) -> None:
        start = self._started.get(id(task))
        if start is None:
            return
        now = time.perf_counter()
        if now - self._last[id(task)] < self.interval_s:
            return
        self._last[id(task)] = now
        elapsed = now - start
        if task.total:
            frac = min(max(task.done / task.total, 0.0), 1.0)
            eta = f", ETA {_fmt_s(elapsed * (1 - frac) / frac)}" if frac > 0 else ""
            self._write(f"{task.description}: {100 * frac:.0f}% ({task.done:g}/{task.total:g}), "
                        f"{_fmt_s(elapsed)} elapsed{eta}")
        else:
            self._write(f"{task.description}: {task.done:g} done, {_fmt_s(elapsed)} elapsed")

    def _close(self, task: Task) -> None:
        start = self._started.pop(id(task), None)
        self._last.pop(id(task), None)
        if start is not None:
            self._write(f"{task.description}: done in {_fmt_s(time.perf_counter() - start)}")

    def message(self, text: str) -> None:
        self._write(text)
        if self._held is not None:
            self._release()

    def close(self) -> None:
        if self._held is not None:
            self._release()

    def __exit__(self, exc_type, *exc):
        if exc_type is not None and self._held is not None:
            self._held = None   # an error before the run got under way: its message alone
        self.close()
        return False


def _plain_interval() -> float:
    env = os.environ.get("HGVCOV_PROGRESS_INTERVAL_S")
    try:
        return max(0.0, float(env)) if env else PLAIN_INTERVAL_S
    except ValueError:
        return PLAIN_INTERVAL_S


def make_progress(enabled: bool = True, stream=None) -> Progress:
    """The progress reporter for ``stream`` (default stderr).

    Rich bars when ``enabled`` and ``stream`` is a terminal, :class:`PlainProgress` lines
    when ``enabled`` and it is not, else :class:`NullProgress`.
    """
    stream = sys.stderr if stream is None else stream
    if not enabled:
        return NullProgress()
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty:
        try:
            return RichProgress()
        except ImportError:  # pragma: no cover - rich is a dependency
            pass
    return PlainProgress(stream, interval_s=_plain_interval())
