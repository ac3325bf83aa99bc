"""What a landing prints: the news, not one line per file.

A headline with the totals, one line per entity with new files (files, rows
accepted, quarantined, files rejected), then only what needs a look: each
rejected file and each file with quarantined rows or a blocking finding, each
warning once per entity with how many files and rows it concerns, and the files
that are not landed. `verbose` lists every new file instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from orchestration.ingest.landing import BatchResult, LandingSummary

# Files that are not landed listed by name, before the rest are only counted.
IGNORED_LISTED = 20


@dataclass
class _EntityTotals:
    files: int = 0
    accepted: int = 0
    quarantined: int = 0
    rejected: int = 0


def _warnings(batches: list[BatchResult]) -> list[str]:
    """Each non-blocking expectation failure once per entity and rule, with the
    files and rows it concerns."""
    grouped: dict[tuple[str, str, str], list[tuple[str, int | None]]] = defaultdict(list)
    for batch in batches:
        for finding in batch.findings:
            if finding.expectation == "contract_quarantine" or finding.blocking:
                continue
            key = (batch.entity, finding.column or "-", finding.rule or finding.expectation)
            grouped[key].append((batch.source_file, finding.unexpected_count))
    lines = []
    for (entity, column, rule), hits in sorted(grouped.items()):
        rows = sum(n or 0 for _, n in hits)
        where = hits[0][0] if len(hits) == 1 else f"{len(hits)} files"
        lines.append(f"{entity}: WARN {column}: {rule}: {rows} row(s) in {where}")
    return lines


def _file_finding(batch: BatchResult) -> str | None:
    """A file's line when it needs a look on its own: rejected, rows quarantined,
    or a blocking expectation failed."""
    if batch.status == "REJECTED":
        reason = (batch.reason or "").removeprefix(f"{batch.source_file}: ")
        return f"{batch.source_file}: REJECTED: {reason}"
    blocking = [f for f in batch.findings if f.blocking]
    if not batch.rows_quarantined and not blocking:
        return None
    text = f"{batch.source_file}: {batch.rows_accepted} accepted"
    if batch.rows_quarantined:
        text += f", {batch.reason or f'{batch.rows_quarantined} quarantined'}"
    for finding in blocking:
        text += f"; ERROR {finding.column or '-'}: {finding.rule or finding.expectation}"
    return text


def landing_report(summary: LandingSummary, verbose: bool = False) -> list[str]:
    """The lines a landing prints (module docstring)."""
    new = [b for b in summary.batches if b.status != "SKIPPED"]
    lines = [
        f"landing: {len(new)} new files ({summary.rejected} rejected), {summary.skipped} "
        f"already on record, {len(summary.ignored)} ignored; {summary.rows_accepted} rows "
        f"accepted, {summary.rows_quarantined} quarantined"
    ]
    totals: dict[str, _EntityTotals] = defaultdict(_EntityTotals)
    for batch in new:
        entity = totals[batch.entity]
        entity.files += 1
        entity.accepted += batch.rows_accepted
        entity.quarantined += batch.rows_quarantined
        entity.rejected += batch.status == "REJECTED"
    if totals:
        lines.append(
            f"  {'entity':<26} {'files':>6} {'accepted':>12} {'quarantined':>12} {'rejected':>9}"
        )
        for name, t in sorted(totals.items()):
            lines.append(
                f"  {name:<26} {t.files:>6} {t.accepted:>12} {t.quarantined:>12} {t.rejected:>9}"
            )
    if verbose:
        lines += [f"  {line}" for line in format_batch_summary(new)]
    else:
        lines += [f"  {line}" for b in new if (line := _file_finding(b))]
        lines += [f"  {line}" for line in _warnings(new)]
    shown = summary.ignored if verbose else summary.ignored[:IGNORED_LISTED]
    lines += [f"  {f.source_file}: IGNORED: {f.reason}" for f in shown]
    if len(shown) < len(summary.ignored):
        lines.append(
            f"  and {len(summary.ignored) - len(shown)} more files not landed "
            "(--verbose lists them; raw._ignored_files keeps them)"
        )
    return lines


def format_batch_summary(batches: Iterable[BatchResult]) -> list[str]:
    """One line per batch: file, status, accepted and quarantined rows, failed expectations.

    Uses the findings landing attached to each `BatchResult`, so it needs no
    connection (the CLI prints it after the warehouse is closed).
    """
    lines = []
    for b in batches:
        if b.status == "SKIPPED":
            lines.append(f"{b.source_file}: skipped ({b.reason})")
            continue
        if b.status == "REJECTED":
            lines.append(f"{b.source_file}: REJECTED: {b.reason}")
            continue
        failed = [f for f in b.findings if f.expectation != "contract_quarantine"]
        text = f"{b.source_file}: {b.rows_accepted} accepted, {b.rows_quarantined} quarantined"
        if failed:
            parts = [
                f"{f.severity} {f.column or '-'}: {f.rule} "
                f"({'?' if f.unexpected_count is None else f.unexpected_count})"
                for f in failed
            ]
            text += "; failed expectations: " + "; ".join(parts)
        else:
            text += "; all expectations passed"
        lines.append(text)
    return lines

