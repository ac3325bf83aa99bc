"""Files replaced whole: written under a hidden name beside their target and renamed
over it, so a reader sees the old file or the new one, never part of one.

The name written aside is `.<target name>.<pid>.tmp` (hidden: Spark and the page
server skip it). A write that fails removes it; a process killed mid-write leaves it,
and `is_abandoned_aside` tells whoever tidies the folder that its writer is gone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.processes import is_running

# `.<name>.<pid>.tmp`, and the `.wal` a DuckDB database written there keeps beside it.
_ASIDE = re.compile(r"^\..+\.(?P<pid>\d+)\.tmp(?:\.wal)?$")


def aside_path(target: Path) -> Path:
    """Where this process writes `target` before renaming it into place."""
    target = Path(target)
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def _remove_aside(aside: Path) -> None:
    aside.unlink(missing_ok=True)
    aside.with_name(f"{aside.name}.wal").unlink(missing_ok=True)


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yield the path to write `target` at; when the block ends, rename it over `target`.

    When the block (or the rename) raises, what it wrote is removed and `target` is
    left as it was. Whatever writes the file must have closed it when the block ends
    (a DuckDB connection on it included)."""
    target = Path(target)
    aside = aside_path(target)
    _remove_aside(aside)  # this process's own, from a write killed with the same pid
    try:
        yield aside
        os.replace(aside, target)
    except BaseException:
        _remove_aside(aside)
        raise


def write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data`, whole."""
    with replacing(path) as aside:
        aside.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` in UTF-8, whole."""
    write_bytes(path, text.encode("utf-8"))


def is_abandoned_aside(path: Path) -> bool:
    """True for a file written aside by a process that no longer runs: a write killed
    before its rename (a running writer may be mid-write: its file is not abandoned)."""
    aside = _ASIDE.match(Path(path).name)
    return aside is not None and not is_running(int(aside["pid"]))
