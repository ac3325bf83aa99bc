"""Blocking data-quality findings on the raw data.

A finding is one problem with one landed batch. Landing produces findings for
rejected files and quarantined rows; further validators (e.g. expectation suites
run on each landed batch) add their own findings to the same list, and one
function turns the list into the blocking check's result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from orchestration.ingest.landing import LandingSummary


@dataclass(frozen=True)
class Finding:
    batch: str  # the batch file, relative to the landing root
    rule: str  # what was broken, in words an operator can act on
    rows: int | None = None  # rows affected; None when the whole file is affected
    source: str = "landing"  # who found it (landing, a validation suite, ...)

    def describe(self) -> str:
        rows = "whole file" if self.rows is None else f"{self.rows} row(s)"
        return f"{self.batch}: {self.rule} ({rows}, {self.source})"


def landing_findings(summary: LandingSummary, warehouse: Path | None = None) -> list[Finding]:
    """Rejected files of this landing, and its quarantined rows grouped by rule."""
    findings: list[Finding] = []
    quarantined = []
    for batch in summary.batches:
        if batch.status == "REJECTED":
            findings.append(Finding(batch.source_file, batch.reason or "file rejected"))
        elif batch.status == "LOADED" and batch.rows_quarantined:
            quarantined.append(batch)
    if not quarantined:
        return findings
    if warehouse is None:
        return findings + [
            Finding(b.source_file, b.reason or "rows quarantined", b.rows_quarantined)
            for b in quarantined
        ]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for batch in quarantined:
            rules = con.execute(
                f"select _reason, count(*) from raw.{batch.entity}__quarantine "
                "where _load_id = ? group by _reason order by count(*) desc, _reason",
                [batch.load_id],
            ).fetchall()
            findings += [Finding(batch.source_file, f"quarantined: {rule}", n) for rule, n in rules]
    finally:
        con.close()
    return findings


@dataclass(frozen=True)
class IgnoredFinding:
    """A file under the landing directory that is not landed: listed, never blocking."""

    file: str
    reason: str
    blocking: bool = False

    def describe(self) -> str:
        return f"{self.file}: ignored, {self.reason}"


def ignored_findings(summary: LandingSummary) -> list[IgnoredFinding]:
    return [IgnoredFinding(f.source_file, f.reason) for f in summary.ignored]


class AnyFinding(Protocol):
    def describe(self) -> str: ...


def _blocks(finding: AnyFinding) -> bool:
    # Findings without a severity (rejected files, quarantined rows found here)
    # block; validation findings say themselves whether they block.
    return bool(getattr(finding, "blocking", True))


def raw_data_check_result(findings: Sequence[AnyFinding]) -> AssetCheckResult:
    """Fail (ERROR) naming each batch and rule when any finding blocks; otherwise pass,
    listing the non-blocking findings in the metadata."""
    blocking = [f for f in findings if _blocks(f)]
    lines = [f.describe() for f in findings]
    metadata: dict[str, object] = {
        "findings": len(findings),
        "blocking_findings": len(blocking),
    }
    if lines:
        rows = [f"| {line.replace('|', '/')} |" for line in lines]
        metadata["batches"] = MetadataValue.md("\n".join(["| finding |", "|---|", *rows]))
        metadata["first_finding"] = lines[0]
    if not blocking:
        return AssetCheckResult(passed=True, metadata=metadata)
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(f.describe() for f in blocking)[:2000],
        metadata=metadata,
    )


def validation_findings(summary: LandingSummary, warehouse: Path) -> list[AnyFinding]:
    """The validation module's findings (rejections, quarantines, failed expectations)
    for the batches of this landing; the landing summary alone when it is unavailable."""
    load_ids = [b.load_id for b in summary.batches if b.status != "SKIPPED" and b.load_id]
    if not load_ids:
        return []
    try:
        from orchestration.ingest.validation import findings_for_load
    except ImportError:
        return list(landing_findings(summary, warehouse))
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return list(findings_for_load(con, load_ids))
    finally:
        con.close()
