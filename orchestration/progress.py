"""Progress of a run's long steps (landing, the dbt builds, publishing).

On a terminal, one line per step that updates in place, then stays with its
count and time; anywhere else (a log file, a pipe), plain lines: when a step
starts, every minute while it runs, and when it ends. The command line chooses
the reporter for the duration of a run (`reporting`); the steps report to
whatever is current, which outside the command line (the Dagster UI, tests,
library use) reports nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

# A terminal line is redrawn at most this often; a plain line is written this often.
REDRAW_SECONDS = 0.2
PLAIN_EVERY_SECONDS = 60.0


class Task:
    """One step's progress: `advance` as its work gets done; a context manager."""

    def __init__(self, reporter: Reporter, label: str, total: int | None, unit: str):
        self.reporter, self.label, self.total, self.unit = reporter, label, total, unit
        self.done = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()  # landing advances from its worker threads

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
            self.reporter.update(self)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def count(self) -> str:
        of = f"/{self.total}" if self.total is not None else ""
        return f"{self.done}{of} {self.unit}".strip()

    def __enter__(self) -> Task:
        if self.total != 0:  # nothing to do: nothing to report
            self.reporter.start(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.total != 0:
            self.reporter.finish(self, failed=exc[0] is not None)


class Reporter:
    """Reports nothing (the default)."""

    def task(self, label: str, total: int | None = None, unit: str = "") -> Task:
        return Task(self, label, total, unit)

    def start(self, task: Task) -> None:
        pass

    def update(self, task: Task) -> None:
        pass

    def finish(self, task: Task, failed: bool) -> None:
        pass


class TerminalReporter(Reporter):
    """One line per step, redrawn in place (carriage return, erase line)."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self._drawn = 0.0

    def _draw(self, text: str, end: str = "") -> None:
        self.stream.write(f"\r\x1b[K{text}{end}")
        self.stream.flush()

    def start(self, task: Task) -> None:
        self._draw(f"{task.label}: {task.count()}")

    def update(self, task: Task) -> None:
        now = time.monotonic()
        if now - self._drawn >= REDRAW_SECONDS:
            self._drawn = now
            self._draw(f"{task.label}: {task.count()} ({task.elapsed():.0f} s)")

    def finish(self, task: Task, failed: bool) -> None:
        state = "failed after" if failed else "in"
        self._draw(f"{task.label}: {task.count()} {state} {task.elapsed():.1f} s", end="\n")


class PlainReporter(Reporter):
    """Whole lines: at the start, every minute, at the end."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self._written: dict[int, float] = {}

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def start(self, task: Task) -> None:
        self._written[id(task)] = time.monotonic()
        total = f" ({task.total} {task.unit})" if task.total is not None else ""
        self._line(f"{task.label}: started{total}")

    def update(self, task: Task) -> None:
        now = time.monotonic()
        if now - self._written.get(id(task), now) >= PLAIN_EVERY_SECONDS:
            self._written[id(task)] = now
            self._line(f"{task.label}: {task.count()} after {task.elapsed():.0f} s")

    def finish(self, task: Task, failed: bool) -> None:
        self._written.pop(id(task), None)
        state = "failed after" if failed else "done in"
        self._line(f"{task.label}: {task.count()} {state} {task.elapsed():.1f} s")


def for_stream(stream: TextIO) -> Reporter:
    """The reporter for `stream`: redrawn lines on a terminal, plain lines otherwise."""
    isatty = getattr(stream, "isatty", None)
    return TerminalReporter(stream) if isatty and isatty() else PlainReporter(stream)


_current: Reporter = Reporter()


def current() -> Reporter:
    return _current


@contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    """Make `reporter` the current one for the duration of the block."""
    global _current
    previous, _current = _current, reporter
    try:
        yield reporter
    finally:
        _current = previous


def stderr_reporter() -> Reporter:
    return for_stream(sys.stderr)
