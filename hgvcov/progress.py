"""Progress reporting: rich bars on a terminal, silence otherwise.

The engine functions (``grid_coverage``, ``run_sweep``, ...) take ``progress=None`` or a
:class:`Progress`.  A :class:`Progress` is

* callable as ``progress(done, total)`` - updates the *current* task (the most recently
  started one), which is how a kernel driver reports chunk counts without knowing more;
* ``progress.task(description, total)`` - starts a new task and returns a :class:`Task`
  (itself callable as ``task(done, total=None)``, with ``advance(n=1)`` and ``close()``);
* ``progress.stage(description)`` - a context manager that times a stage and shows it as an
  indeterminate task until it ends (the elapsed seconds are kept in ``progress.timings``).

:func:`make_progress` returns a rich-backed implementation only when ``enabled`` and
stderr is a terminal; otherwise a :class:`NullProgress` that does nothing but keep the
stage timings.  Nothing is ever printed to stdout (``--json`` keeps stdout clean).
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator, Optional

__all__ = ["Progress", "NullProgress", "RichProgress", "Task", "make_progress"]


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
        """A one-line note (only shown on a terminal)."""

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


def make_progress(enabled: bool = True, stream=None) -> Progress:
    """Rich bars when ``enabled`` and ``stream`` (default stderr) is a terminal."""
    stream = sys.stderr if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if enabled and tty:
        try:
            return RichProgress()
        except ImportError:  # pragma: no cover - rich is a dependency
            pass
    return NullProgress()
