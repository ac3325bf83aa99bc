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

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from orchestration.landing import LandingSummary


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


def raw_data_check_result(findings: Sequence[Finding]) -> AssetCheckResult:
    """Pass when there is nothing to report; otherwise fail (ERROR) naming each batch and rule."""
    if not findings:
        return AssetCheckResult(passed=True, metadata={"findings": 0})
    lines = [f.describe() for f in findings]
    table = "\n".join(
        ["| batch | rule | rows | found by |", "|---|---|---|---|"]
        + [
            f"| {f.batch} | {f.rule.replace('|', '/')} | "
            f"{'file' if f.rows is None else f.rows} | {f.source} |"
            for f in findings
        ]
    )
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(lines)[:2000],
        metadata={
            "findings": len(findings),
            "batches": MetadataValue.md(table),
            "first_finding": lines[0],
        },
    )
