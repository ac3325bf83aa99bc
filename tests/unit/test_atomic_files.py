"""Files replaced whole (orchestration/atomic_files.py): a write that fails leaves the
target as it was and nothing written beside it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration.atomic_files import aside_path, is_abandoned_aside, replacing, write_text


def test_a_write_replaces_the_target_whole_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    target.write_text("old", encoding="utf-8")
    write_text(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


@pytest.mark.parametrize("before", ["old", None], ids=["replacing a file", "a new file"])
def test_a_write_that_fails_midway_leaves_the_target_as_it_was_and_no_partial_file(
    tmp_path: Path, before: str | None
) -> None:
    target = tmp_path / "batch.parquet"
    if before is not None:
        target.write_text(before)
    with pytest.raises(RuntimeError, match="disk full"), replacing(target) as aside:
        aside.write_bytes(b"half a file")
        # A DuckDB database written aside keeps its write-ahead log beside it.
        aside.with_name(aside.name + ".wal").write_bytes(b"log")
        raise RuntimeError("disk full")
    assert (target.read_text() if target.exists() else None) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ([target.name] if before else [])


def test_a_rename_that_fails_leaves_the_target_as_it_was_and_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "catalog.duckdb"
    target.write_text("old")

    def fail(src: object, dst: object) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="no space"):
        write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.duckdb"]


def test_the_aside_is_hidden_beside_the_target_and_named_for_its_writer(tmp_path: Path) -> None:
    aside = aside_path(tmp_path / "servicenorms_marts.duckdb")
    assert aside == tmp_path / f".servicenorms_marts.duckdb.{os.getpid()}.tmp"


def test_only_an_aside_whose_writer_is_gone_is_abandoned(tmp_path: Path) -> None:
    dead_pid = 2**22 + 12345  # above the kernel's pid_max: never a running process
    assert is_abandoned_aside(tmp_path / f".7.parquet.{dead_pid}.tmp")
    assert is_abandoned_aside(tmp_path / f".copy.duckdb.{dead_pid}.tmp.wal")
    assert not is_abandoned_aside(aside_path(tmp_path / "7.parquet"))  # this process writes it
    assert not is_abandoned_aside(tmp_path / f"7.parquet.{dead_pid}.tmp")  # not hidden
    assert not is_abandoned_aside(tmp_path / "7.parquet")
