"""What a failed run says: one line naming the cause and what to do.

The errors a run meets arrive wrapped (Dagster's step failure around dagster-dbt's
around dbt's around DuckDB's, or SQLite's under Dagster's own storage), and the
cause sits somewhere in their text. `explain` recognises the causes an operator
can act on in any of those texts:

* a full disk, with the path that could not be written (DuckDB and Python name
  it; SQLite only says "disk I/O error", so then the fullest disk the run writes
  to is named when it has next to nothing left);
* the warehouse held by another process, with its PID (DuckDB allows one
  writer, or readers only: readers belong on the published copy);

and `dbt_failure` names the dbt models and tests that failed, with their errors,
from a dbt step's run results.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DISK_FULL = re.compile(r"No space left on device|database or disk is full|\[Errno 28\]", re.I)
# SQLite reports a full disk as an I/O error; it counts as one when the disk is (nearly) full.
DISK_IO = re.compile(r"disk I/O error", re.I)
# DuckDB: `Could not write file "/x/y.duckdb.wal": No space left on device`;
# Python: `[Errno 28] No space left on device: '/x/y'`.
PATH_IN_ERROR = re.compile(
    r"""(?:file|directory) "(?P<quoted>[^"]+)"[^\n]*?No space|"""
    r"""\[Errno 28\][^:\n]*: '(?P<python>[^']+)'"""
)
LOCKED = re.compile(
    r'Could not set lock on file "(?P<path>[^"]+)": Conflicting lock is held in '
    r"(?P<program>.+?) \(PID (?P<pid>\d+)\)"
)
# Below this many free bytes a disk counts as full (what a failed write leaves).
NEARLY_FULL_BYTES = 64 * 1024 * 1024
# A qualified class name before the message, e.g. "dagster.DagsterError: ".
CLASS_PREFIX = re.compile(r"^(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Failure|Failed): ")


@dataclass(frozen=True)
class Places:
    """Where a run reads and writes: named in the explanations."""

    warehouse: Path
    published: Path | None = None
    # Other folders the run writes (Dagster's home, dbt's target folder).
    others: tuple[Path, ...] = field(default_factory=tuple)

    def folders(self) -> list[Path]:
        candidates = [self.warehouse.parent, *(p.parent for p in [self.published] if p)]
        return [*candidates, *self.others]


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _fullest(folders: Iterable[Path]) -> tuple[Path, int] | None:
    """The folder whose disk has the least free space, with that space."""
    seen = [(folder, shutil.disk_usage(_existing(folder)).free) for folder in folders]
    return min(seen, key=lambda fs: fs[1]) if seen else None


def _size(free: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if free < 1024 or unit == "GB":
            return f"{free:.0f} {unit}" if unit == "bytes" else f"{free:.1f} {unit}"
        free /= 1024
    return f"{free:.1f} GB"


def explain(text: str, places: Places | None = None) -> str | None:
    """One line naming the cause and what to do, when `text` (an error with its
    causes) shows a cause an operator can act on; None otherwise."""
    locked = LOCKED.search(text)
    if locked:
        path = Path(locked["path"])
        what = "the warehouse" if places and path == places.warehouse else "the file"
        readers = (
            f"; readers belong on the published copy {places.published}"
            if places and places.published
            else "; readers belong on the published copy"
        )
        return (
            f"{what} {path} is held by another process (PID {locked['pid']}, "
            f"{locked['program']}): let it finish or stop it, then run again{readers}"
        )
    full = DISK_FULL.search(text)
    fullest = _fullest(places.folders()) if places else None
    if full or (DISK_IO.search(text) and fullest and fullest[1] < NEARLY_FULL_BYTES):
        named = PATH_IN_ERROR.search(text)
        if named:
            where = Path(named["quoted"] or named["python"])
        elif fullest:
            where = fullest[0]
        else:
            where = None
        free = f" ({_size(shutil.disk_usage(_existing(where)).free)} free now)" if where else ""
        place = f" holding {where}" if where else ""
        return (
            f"disk full: no space left on the device{place}{free}; free space there and run "
            "again (batches and models already committed stay)"
        )
    return None


def first_line(text: str) -> str:
    """The first line of an error text, without the exception's class name."""
    for line in text.strip().splitlines():
        if line.strip():
            return CLASS_PREFIX.sub("", line.strip())
    return text.strip()


# dbt's heading of a node's error, e.g. "Runtime Error in model x (models/x.sql)".
DBT_HEADING = re.compile(r"^\w+ (?:Error|Failure|Warning) in \w+ \S+ \([^)]*\)$")


def dbt_message(message: str) -> str:
    """A dbt node's error in one line: its first line after dbt's heading."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    body = [line for line in lines if not DBT_HEADING.match(line)] or lines or [message]
    return first_line(body[0])[:300]


def dbt_failure(target: Path, error_text: str, places: Places | None = None) -> str:
    """Why a dbt step failed, in one line: a cause `explain` knows, else the failed
    models and tests from the step's `run_results.json` with their first error line
    (else dbt's own error text), and where the step's log is."""
    explained = explain(error_text, places)
    if explained:
        return explained
    failed: list[str] = []
    results = Path(target) / "run_results.json"
    if results.exists():
        for result in json.loads(results.read_text()).get("results", []):
            if result.get("status") in ("error", "fail", "runtime error"):
                kind, _, name = result["unique_id"].partition(".")
                name = name.split(".", 1)[-1]  # drop the project name
                message = dbt_message(result.get("message") or result.get("status"))
                failed.append(f"dbt {kind} {name} failed: {message}")
    if not failed:
        parsed = error_text.split("Errors parsed from dbt logs:", 1)
        failed.append(f"dbt failed: {first_line(parsed[-1])}")
    more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    return f"{failed[0]}{more}; dbt's log: {Path(target) / 'dbt.log'}"


class StepFailed(Exception):
    """A step of a run failed for the reason its message gives in one line."""


def exception_text(exc: BaseException) -> str:
    """The messages (and notes) of an exception and of every exception behind it."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__name__}: {current}")
        parts.extend(getattr(current, "__notes__", []))
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def describe_exception(exc: BaseException, places: Places | None = None) -> str:
    """One line for an exception that ended a command: a cause `explain` knows,
    else its first line."""
    return explain(exception_text(exc), places) or (
        first_line(str(exc)) or type(exc).__name__
    )
