"""Output that shows the news: a run prints one line per entity, then only the
files with findings and each warning once per entity with its count (`--verbose`
lists every file); long steps report progress, redrawn on a terminal and in
plain lines otherwise; a run creating a warehouse says so."""

from __future__ import annotations

import io

from orchestration.ingest.landing import BatchResult, IgnoredFile, LandingSummary
from orchestration.ingest.report import landing_report
from orchestration.ingest.validation import Finding
from orchestration.progress import PlainReporter, TerminalReporter, for_stream


def _warn(source_file: str, rows: int) -> Finding:
    return Finding(source_file, "shipments", "expect_column_values_to_not_be_null",
                   "track_and_trace", "WARN", rows,
                   rule="track_and_trace present on PARCEL lines of tracked transporters")


def _summary() -> LandingSummary:
    shipments = [
        BatchResult("shipments", f"shipments/2026-W{n:02d}.parquet", "LOADED", n, 100, 100, 0,
                    findings=[_warn(f"shipments/2026-W{n:02d}.parquet", n)])
        for n in range(1, 6)
    ]
    return LandingSummary(
        batches=[
            *shipments,
            BatchResult("sellers", "sellers/a.csv", "LOADED", 6, 2, 2, 0),
            BatchResult("sellers", "sellers/b.csv", "REJECTED", 7,
                        reason="sellers/b.csv: file cannot be read as csv: line 3: ..."),
            BatchResult("returns", "returns/r.csv", "LOADED", 8, 3, 2, 1,
                        reason="1 row(s) quarantined: quantity: below minimum 1 (1)"),
            BatchResult("returns", "returns/old.csv", "SKIPPED", 1,
                        reason="already on record as batch 1 (LOADED)"),
        ],
        ignored=[IgnoredFile("orders/x.csv", "folder orders/ is not an entity", 10)],
    )


def test_the_landing_report_has_a_line_per_entity_then_only_the_news() -> None:
    lines = landing_report(_summary())
    assert lines[0] == (
        "landing: 8 new files (1 rejected), 1 already on record, 1 ignored; "
        "504 rows accepted, 1 quarantined"
    )
    table = {line.split()[0]: line.split()[1:] for line in lines[2:5]}
    assert table == {
        "returns": ["1", "2", "1", "0"],
        "sellers": ["2", "2", "0", "1"],
        "shipments": ["5", "500", "0", "0"],
    }
    news = lines[5:]
    assert news == [
        "  sellers/b.csv: REJECTED: file cannot be read as csv: line 3: ...",
        "  returns/r.csv: 2 accepted, 1 row(s) quarantined: quantity: below minimum 1 (1)",
        "  shipments: WARN track_and_trace: track_and_trace present on PARCEL lines of tracked "
        "transporters: 15 row(s) in 5 files",
        "  orders/x.csv: IGNORED: folder orders/ is not an entity",
    ]


def test_verbose_lists_every_new_file() -> None:
    lines = landing_report(_summary(), verbose=True)
    for n in range(1, 6):
        assert any(line.startswith(f"  shipments/2026-W{n:02d}.parquet: 100 accepted")
                   for line in lines)
    assert any(line.startswith("  sellers/a.csv: 2 accepted, 0 quarantined") for line in lines)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_redrawn_on_a_terminal_and_plain_lines_elsewhere() -> None:
    terminal, log = _Terminal(), io.StringIO()
    assert isinstance(for_stream(terminal), TerminalReporter)
    assert isinstance(for_stream(log), PlainReporter)
    for stream in (terminal, log):
        with for_stream(stream).task("landing", 3, "new files") as task:
            for _ in range(3):
                task.advance()
    assert terminal.getvalue().startswith("\r\x1b[Klanding: 0/3 new files")
    assert terminal.getvalue().endswith(" s\n") and "\rlanding" not in terminal.getvalue()[-40:]
    assert "landing: 3/3 new files in " in terminal.getvalue()
    plain = log.getvalue().splitlines()
    assert plain[0] == "landing: started (3 new files)"
    assert plain[-1].startswith("landing: 3/3 new files done in ") and len(plain) == 2
    assert "\r" not in log.getvalue()
