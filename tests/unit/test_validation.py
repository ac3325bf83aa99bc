"""Validation of landed batches: the bad-input corpus, the quarantine threshold,
re-validation of corrected rows, findings, summaries and Data Docs."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from landing_files import write

from orchestration.ingest.contract import ENTITIES
from orchestration.ingest.landing import BatchResult, LandingSummary, land_directory
from orchestration.ingest.report import format_batch_summary
from orchestration.ingest.validation import (
    MAX_QUARANTINE_SHARE_ENV,
    ValidationConfigError,
    findings_for_load,
    max_quarantine_share_from_env,
)

CORPUS = Path(__file__).parents[1] / "bad_inputs" / "landing"
LONG = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> tuple[LandingSummary, Path]:
    """The corpus plus the 10 MB string case, landed once with Data Docs on."""
    root = tmp_path_factory.mktemp("corpus")
    landing = root / "landing"
    shutil.copytree(CORPUS, landing)
    write(
        landing / "sellers" / "long_string.csv",
        "seller_id,display_name,country,registered_at\n"
        f"S9,{'x' * LONG},NL,2024-01-01T10:00:00Z\n",
    )
    summary = land_directory(
        landing, root / "w.duckdb", max_quarantine_share=1.0, build_docs=True, gx_dir=root / "gx"
    )
    return summary, root


@pytest.fixture(scope="module")
def con(landed: tuple[LandingSummary, Path]) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(landed[1] / "w.duckdb"), read_only=True)
    yield c
    c.close()


def batch(landed: tuple[LandingSummary, Path], source_file: str) -> BatchResult:
    (found,) = [b for b in landed[0].batches if b.source_file == source_file]
    return found


def failed(con: duckdb.DuckDBPyConnection, source_file: str) -> list[tuple]:
    return con.execute(
        'select severity, "column", rule, unexpected_count, unexpected_examples '
        "from raw._validation_results where source_file = ? and not success order by rule",
        [source_file],
    ).fetchall()


# --- files rejected whole ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("source_file", "words"),
    [
        ("reviews/truncated.parquet", ["cannot be read as parquet"]),
        ("sellers/wrong_delimiter.csv", ["missing contract column", "country", "registered_at"]),
        ("phone_calls/missing_column.csv", ["missing contract column", "started_at"]),
        (
            "sellers/non_utf8.csv",
            ["cannot be read as csv", "line 2, column display_name", "not valid UTF-8"],
        ),
        ("returns/empty.csv", ["file is empty"]),
        (
            "sellers/ragged_row.csv",
            ["cannot be read as csv", "line 3: 3 field(s) where the header has 4"],
        ),
        ("sellers/unterminated_quote.csv", ["line 3: value with unterminated quote"]),
    ],
)
def test_unreadable_or_incomplete_files_are_rejected_whole_with_file_and_rule(
    landed: tuple[LandingSummary, Path], con: duckdb.DuckDBPyConnection, source_file: str,
    words: list[str],
) -> None:
    b = batch(landed, source_file)
    assert b.status == "REJECTED"
    assert b.reason.startswith(source_file)
    for word in words:
        assert word in b.reason
    kept = con.execute(
        "select content from raw._rejected_files where source_file = ?", [source_file]
    ).fetchone()[0]
    assert bytes(kept) == (CORPUS / source_file).read_bytes()
    assert failed(con, source_file) == []  # nothing landed, nothing validated


# --- rows quarantined by the SPEC §12 contract -------------------------------------------


@pytest.mark.parametrize(
    ("source_file", "entity", "reason"),
    [
        ("order_items/wrong_type.csv", "order_items", "quantity: cannot be cast to INTEGER"),
        ("reviews/wrong_type.parquet", "reviews", "grade: cannot be cast to INTEGER"),
        (
            "cancellations/unknown_enum.csv",
            "cancellations",
            "initiated_by: not one of SELLER|CUSTOMER|SYSTEM",
        ),
        ("returns/negative_quantity.csv", "returns", "quantity: below minimum 1"),
        ("reviews/grade_11.csv", "reviews", "grade: above maximum 10"),
        (
            "customer_questions/null_keys.csv",
            "customer_questions",
            "case_id: required value is missing",
        ),
    ],
)
def test_contract_violations_quarantine_one_row_and_accept_the_other(
    landed: tuple[LandingSummary, Path], con: duckdb.DuckDBPyConnection, source_file: str,
    entity: str, reason: str,
) -> None:
    b = batch(landed, source_file)
    assert (b.status, b.rows_in_file, b.rows_accepted, b.rows_quarantined) == ("LOADED", 2, 1, 1)
    reasons = con.execute(
        f"select _reason from raw.{entity}__quarantine where _source_file = ?", [source_file]
    ).fetchall()
    assert reasons == [(reason,)]
    # The second line of defence passes on the accepted row.
    assert [f for f in failed(con, source_file) if f[0] == "ERROR"] == []
    (finding,) = [
        f for f in findings_for_load(con, [b.load_id]) if f.expectation == "contract_quarantine"
    ]
    assert finding.column == reason.split(":")[0] and finding.source_file == source_file
    assert reason in finding.describe()


# --- accepted, with or without warnings ---------------------------------------------------


def test_extra_column_is_accepted_and_ignored(
    landed: tuple[LandingSummary, Path], con: duckdb.DuckDBPyConnection
) -> None:
    b = batch(landed, "phone_calls/extra_column.csv")
    assert (b.status, b.rows_accepted, b.rows_quarantined) == ("LOADED", 2, 0)
    assert "agent_name" not in {r[0] for r in con.execute("describe raw.phone_calls").fetchall()}
    assert failed(con, b.source_file) == []


def test_duplicate_keys_are_accepted_with_a_warning_and_the_last_row_wins(
    landed: tuple[LandingSummary, Path], con: duckdb.DuckDBPyConnection
) -> None:
    b = batch(landed, "phone_calls/duplicate_keys.csv")
    assert (b.status, b.rows_accepted, b.rows_quarantined) == ("LOADED", 3, 0)
    ((severity, column, rule, count, examples),) = failed(con, b.source_file)
    assert (severity, column, count) == ("WARN", "call_id", 2)
    assert "unique within the batch" in rule and "PC20" in examples
    # Staging's rule (macro latest_per_key): latest file, then last row.
    answered = con.execute(
        "select answered from raw.phone_calls where call_id = 'PC20' "
        "qualify row_number() over (partition by call_id "
        "order by _source_file desc, _row_number desc) = 1"
    ).fetchone()[0]
    assert answered is True


@pytest.mark.parametrize(
    ("source_file", "column", "rule_words", "example"),
    [
        (
            "customer_questions/response_before_created.csv",
            "first_response_at",
            "first_response_at >= created_at",
            "2026-03-02 09:00:00",
        ),
        ("phone_calls/year_2090.csv", "started_at", "plausible", "2090-03-02 10:00:00"),
        (
            "shipments/unknown_order_item.csv",
            "order_item_id",
            "order_item_id exists in landed raw.order_items",
            "I999",
        ),
    ],
)
def test_suspicious_rows_are_accepted_with_a_warning_naming_file_column_and_rule(
    landed: tuple[LandingSummary, Path], con: duckdb.DuckDBPyConnection, source_file: str,
    column: str, rule_words: str, example: str,
) -> None:
    b = batch(landed, source_file)
    assert (b.status, b.rows_accepted, b.rows_quarantined) == ("LOADED", 2, 0)
    ((severity, col, rule, count, examples),) = failed(con, source_file)
    assert (severity, col, count) == ("WARN", column, 1)
    assert rule_words in rule and example in examples
    (finding,) = [f for f in b.findings]
    text = finding.describe()
    assert source_file in text and column in text and rule_words in text
    assert not finding.blocking


def test_transporter_checks_warn_on_unknown_code_missing_code_and_time_order(
    landed: tuple[LandingSummary, Path], con: duckdb.DuckDBPyConnection
) -> None:
    b = batch(landed, "shipments/transporter.csv")
    assert (b.status, b.rows_accepted, b.rows_quarantined) == ("LOADED", 3, 0)
    got = {(col, count) for severity, col, _rule, count, _ in failed(con, b.source_file)}
    assert got == {("transporter_code", 1), ("track_and_trace", 1), ("shipped_at", 1)}
    examples = " ".join(r[4] for r in failed(con, b.source_file))
    assert "UPS" in examples


def test_a_ten_megabyte_string_is_accepted_and_examples_stay_short(
    landed: tuple[LandingSummary, Path], con: duckdb.DuckDBPyConnection
) -> None:
    b = batch(landed, "sellers/long_string.csv")
    assert (b.status, b.rows_accepted, b.rows_quarantined) == ("LOADED", 1, 0)
    length = con.execute(
        "select length(display_name) from raw.sellers where seller_id = 'S9'"
    ).fetchone()[0]
    assert length == LONG
    longest = con.execute(
        "select max(length(unexpected_examples)) from raw._validation_results"
    ).fetchone()[0]
    assert longest < 2000


# --- invariants over the whole corpus ----------------------------------------------------


def test_every_loaded_batch_keeps_the_accounting_invariant(
    landed: tuple[LandingSummary, Path], con: duckdb.DuckDBPyConnection
) -> None:
    for b in landed[0].batches:
        assert b.status in ("LOADED", "REJECTED")
        if b.status == "LOADED":
            assert b.rows_in_file == b.rows_accepted + b.rows_quarantined
    for entity in ENTITIES:
        rows = con.execute(
            f"""select b.source_file, b.rows_in_file, b.rows_accepted, b.rows_quarantined,
                   (select count(*) from raw.{entity} r where r._load_id = b.load_id),
                   (select count(*) from raw.{entity}__quarantine q where q._load_id = b.load_id)
                from raw._batches b where b.entity = '{entity}' and b.status = 'LOADED'"""
        ).fetchall()
        for source_file, total, accepted, quarantined, in_raw, in_quarantine in rows:
            assert total == accepted + quarantined, source_file
            assert (accepted, quarantined) == (in_raw, in_quarantine), source_file


def test_every_landed_batch_is_validated_and_no_contract_expectation_fails(
    landed: tuple[LandingSummary, Path], con: duckdb.DuckDBPyConnection
) -> None:
    loaded = {b.load_id for b in landed[0].batches if b.status == "LOADED"}
    sql = "select distinct load_id from raw._validation_results"
    validated = {r[0] for r in con.execute(sql).fetchall()}
    assert validated == loaded
    errors = con.execute(
        "select source_file, rule from raw._validation_results "
        "where severity = 'ERROR' and not success"
    ).fetchall()
    assert errors == []
    sql = "select distinct severity from raw._validation_results"
    assert {r[0] for r in con.execute(sql).fetchall()} == {
        "ERROR",
        "WARN",
    }


def test_unreadable_files_are_reported_but_do_not_block_the_run(
    landed: tuple[LandingSummary, Path], con: duckdb.DuckDBPyConnection
) -> None:
    ids = [b.load_id for b in landed[0].batches]
    findings = findings_for_load(con, ids)
    rejected = {b.source_file for b in landed[0].batches if b.status == "REJECTED"}
    reported = {f.source_file for f in findings if f.expectation == "file_rejected"}
    assert rejected and reported == rejected
    # The run goes on with the other files; nothing in this corpus is a contract bug.
    assert [f for f in findings if f.blocking] == []
    assert findings_for_load(con, []) == []


def test_batch_summary_has_one_line_per_batch_with_counts_and_failures(
    landed: tuple[LandingSummary, Path],
) -> None:
    lines = format_batch_summary(landed[0].batches)
    assert len(lines) == len(landed[0].batches)
    by_file = {line.split(":", 1)[0]: line for line in lines}
    assert "1 accepted, 1 quarantined" in by_file["reviews/grade_11.csv"]
    assert "WARN started_at: plausible" in by_file["phone_calls/year_2090.csv"]
    assert "REJECTED" in by_file["returns/empty.csv"]
    assert "all expectations passed" in by_file["sellers/00-base.csv"]


def test_data_docs_are_built_when_asked(landed: tuple[LandingSummary, Path]) -> None:
    index = landed[1] / "gx" / "data_docs" / "index.html"
    assert index.is_file() and "raw_reviews__batch" in index.read_text(encoding="utf-8")


# --- policy: quarantine threshold ---------------------------------------------------------

REVIEWS_3_OF_4_BAD = (
    "review_id,seller_id,order_id,submitted_at,grade\n"
    "R1,S1,O1,2026-03-02T10:00:00Z,9\n"
    "R2,S1,O2,2026-03-02T10:00:00Z,11\n"
    "R3,S1,O3,2026-03-02T10:00:00Z,12\n"
    "R4,S1,O4,2026-03-02T10:00:00Z,0\n"
)


def test_a_batch_above_the_quarantine_threshold_is_rejected_whole_and_kept(tmp_path: Path) -> None:
    root = tmp_path / "landing"
    write(root / "reviews" / "a.csv", REVIEWS_3_OF_4_BAD)
    summary = land_directory(root, tmp_path / "w.duckdb", max_quarantine_share=0.5)
    (b,) = summary.batches
    assert b.status == "REJECTED"
    assert b.reason.startswith("reviews/a.csv: 3 of 4 rows (75.0%)")
    assert "max_quarantine_share 0.5" in b.reason
    assert "grade: above maximum 10 (2 rows)" in b.reason
    assert "grade: below minimum 1 (1 rows)" in b.reason
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert con.execute("select count(*) from raw.reviews").fetchone()[0] == 0
    assert con.execute("select count(*) from raw.reviews__quarantine").fetchone()[0] == 0
    kept = con.execute("select content from raw._rejected_files").fetchone()[0]
    assert bytes(kept) == REVIEWS_3_OF_4_BAD.encode()
    assert con.execute("select status, rows_in_file from raw._batches").fetchall() == [
        ("REJECTED", None)
    ]
    # The operator asked for such batches to stop the run: the finding blocks.
    (finding,) = findings_for_load(con, [b.load_id])
    assert finding.blocking and "reviews/a.csv" in finding.describe()
    con.close()


def test_the_threshold_comes_from_the_environment_and_defaults_to_never(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MAX_QUARANTINE_SHARE_ENV, raising=False)
    assert max_quarantine_share_from_env() == 1.0
    root = tmp_path / "landing"
    write(root / "reviews" / "a.csv", REVIEWS_3_OF_4_BAD)
    (b,) = land_directory(root, tmp_path / "default.duckdb").batches
    assert (b.status, b.rows_accepted, b.rows_quarantined) == ("LOADED", 1, 3)

    monkeypatch.setenv(MAX_QUARANTINE_SHARE_ENV, "0.75")
    (b,) = land_directory(root, tmp_path / "equal.duckdb").batches
    assert b.status == "LOADED"  # a share equal to the threshold is not above it
    monkeypatch.setenv(MAX_QUARANTINE_SHARE_ENV, "0.7")
    (b,) = land_directory(root, tmp_path / "above.duckdb").batches
    assert b.status == "REJECTED"
    monkeypatch.setenv(MAX_QUARANTINE_SHARE_ENV, "lots")
    with pytest.raises(ValidationConfigError, match=MAX_QUARANTINE_SHARE_ENV):
        land_directory(root, tmp_path / "bad.duckdb")


# --- re-validation ------------------------------------------------------------------------


def test_a_quarantined_row_corrected_later_is_accepted_and_the_quarantine_keeps_history(
    tmp_path: Path,
) -> None:
    root = tmp_path / "landing"
    head = "review_id,seller_id,order_id,submitted_at,grade\n"
    write(root / "reviews" / "2026-W10.csv", head + "R1,S1,O1,2026-03-02T10:00:00Z,11\n")
    warehouse = tmp_path / "w.duckdb"
    first = land_directory(root, warehouse)
    assert (first.batches[0].rows_accepted, first.batches[0].rows_quarantined) == (0, 1)
    write(root / "reviews" / "2026-W11.csv", head + "R1,S1,O1,2026-03-02T10:00:00Z,9\n")
    second = land_directory(root, warehouse)
    assert [(b.status, b.rows_accepted) for b in second.batches] == [("SKIPPED", 0), ("LOADED", 1)]
    con = duckdb.connect(str(warehouse))
    latest = con.execute(
        "select grade, _source_file from raw.reviews qualify row_number() over "
        "(partition by review_id order by _source_file desc, _row_number desc) = 1"
    ).fetchall()
    assert latest == [(9, "reviews/2026-W11.csv")]
    history = con.execute(
        "select grade, _source_file, _reason from raw.reviews__quarantine"
    ).fetchall()
    assert history == [("11", "reviews/2026-W10.csv", "grade: above maximum 10")]
    con.close()


# --- the generator's output is clean -------------------------------------------------------


def test_generator_output_passes_validation_without_rejections_quarantine_or_errors(
    tmp_path: Path,
) -> None:
    generator = pytest.importorskip("orchestration.generator")
    generator.generate(tmp_path / "landing", sellers=12, weeks=2, start_week="2025-W40", seed=7)
    summary = land_directory(tmp_path / "landing", tmp_path / "w.duckdb")
    assert summary.loaded > 0
    assert (summary.rejected, summary.rows_quarantined) == (0, 0)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    errors = con.execute(
        "select source_file, rule, unexpected_examples from raw._validation_results "
        "where severity = 'ERROR' and not success"
    ).fetchall()
    con.close()
    assert errors == []


def test_large_batches_are_profiled_on_a_deterministic_sample_of_whole_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.ingest.expectations import to_frame

    root = tmp_path / "landing"
    (root / "phone_calls").mkdir(parents=True)
    lines = ["call_id,seller_id,started_at,answered"]
    # 500 keys, each twice in the file: a duplicate must be sampled with its twin.
    lines += [f"PC{i % 500},S1,2026-03-02T10:00:00+00:00,true" for i in range(1000)]
    (root / "phone_calls" / "a.csv").write_text("\n".join(lines) + "\n")
    warehouse = tmp_path / "w.duckdb"
    land_directory(root, warehouse)
    con = duckdb.connect(str(warehouse))
    monkeypatch.setenv("SERVICENORMS_GX_MAX_ROWS", "100")
    sample = to_frame(con, ENTITIES["phone_calls"], [(1, 1000)])
    assert 40 <= len(sample) <= 200
    assert (sample.groupby("call_id").size() == 2).all()
    again = to_frame(con, ENTITIES["phone_calls"], [(1, 1000)])
    assert sample["call_id"].tolist() == again["call_id"].tolist()
    monkeypatch.setenv("SERVICENORMS_GX_MAX_ROWS", "0")
    assert len(to_frame(con, ENTITIES["phone_calls"], [(1, 1000)])) == 1000
    # The duplicates are found on the sample, and every row is still checked
    # against the contract in SQL, sample or not.
    monkeypatch.setenv("SERVICENORMS_GX_MAX_ROWS", "100")
    assert con.execute("select count(*) from raw.phone_calls").fetchone()[0] == 1000
    con.close()


def test_one_suite_run_covers_several_batches_and_attributes_failures_per_file(
    tmp_path: Path,
) -> None:
    root = tmp_path / "landing"
    header = "call_id,seller_id,started_at,answered\n"
    write(root / "phone_calls" / "a.csv", header + "PC1,S1,2026-03-02T10:00:00Z,true\n")
    # A correction of PC1 in a later file is not a duplicate; PC2 twice in one file is.
    write(
        root / "phone_calls" / "b.csv",
        header + "PC1,S1,2026-03-02T10:00:00Z,false\n"
        "PC2,S1,2026-03-02T11:00:00Z,true\nPC2,S1,2026-03-02T11:00:00Z,false\n",
    )
    write(root / "phone_calls" / "c.csv", header + "PC3,S1,2090-03-02T10:00:00Z,true\n")
    write(
        root / "sellers" / "s.csv",
        "seller_id,display_name,country,registered_at\nS1,Shop,NL,2024-01-01T10:00:00Z\n",
    )
    summary = land_directory(root, tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        per_file = con.execute(
            "select source_file, count(*), count(*) filter (where not success) "
            "from raw._validation_results where entity = 'phone_calls' group by 1 order by 1"
        ).fetchall()
        assert [(f, bad) for f, _, bad in per_file] == [
            ("phone_calls/a.csv", 0), ("phone_calls/b.csv", 1), ("phone_calls/c.csv", 1)
        ]
        assert len({n for _, n, _ in per_file}) == 1  # every expectation, for every batch
        by_file = {b.source_file: b.findings for b in summary.batches}
        assert [f.rule for f in by_file["phone_calls/b.csv"]] == [
            "natural key (call_id) unique within the batch (the last row wins)"
        ]
        assert "PC2" in by_file["phone_calls/b.csv"][0].examples
        assert "plausible" in by_file["phone_calls/c.csv"][0].rule
    finally:
        con.close()


def test_batches_landed_without_validation_are_validated_by_the_next_run(
    tmp_path: Path,
) -> None:
    from orchestration.ingest.landing import Lander

    root = tmp_path / "landing"
    header = "call_id,seller_id,started_at,answered\n"
    write(root / "phone_calls" / "a.csv", header + "PC1,S1,2090-03-02T10:00:00Z,true\n")
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    Lander(con, root, validate=False).land_all()
    assert con.execute("select count(*) from raw._validation_results").fetchone()[0] == 0
    con.close()
    summary = land_directory(root, warehouse)
    assert [b.status for b in summary.batches] == ["SKIPPED"]
    con = duckdb.connect(str(warehouse), read_only=True)
    failed_rules = con.execute(
        "select rule from raw._validation_results where load_id = 1 and not success"
    ).fetchall()
    con.close()
    assert sorted(r[0].split(":")[0].split(" ")[0] for r in failed_rules) == [
        "plausible", "seller_id"
    ]


def test_validation_does_not_fingerprint_the_frames_it_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GX's batch fingerprint (a hash of the whole frame) is never read: skipped."""
    from great_expectations.execution_engine import pandas_execution_engine

    def refuse(df: object) -> str:
        raise AssertionError("a validated frame was fingerprinted")

    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", refuse)
    monkeypatch.setattr(pandas_execution_engine, "HASH_THRESHOLD", 1e9)
    landing = tmp_path / "landing"
    shutil.copytree(CORPUS, landing)
    summary = land_directory(landing, tmp_path / "w.duckdb", max_quarantine_share=1.0)
    validated = [b for b in summary.batches if b.status == "LOADED"]
    assert validated and any(f.severity == "WARN" for b in validated for f in b.findings)


# --- GX made ready while the files land ---------------------------------------------------


def test_gx_and_the_suites_are_prepared_while_the_files_land(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The landing run hands the entities it lands to the validator before any file
    lands; the suites are built then (once), and validation uses them."""
    from orchestration.ingest import validation
    from orchestration.ingest.landing import Lander

    prepared: list[list[str]] = []
    real = validation.BatchValidator._prepare

    def record(self: validation.BatchValidator, entities: list) -> None:
        prepared.append(sorted(e.name for e in entities))
        real(self, entities)

    monkeypatch.setattr(validation.BatchValidator, "_prepare", record)
    root = tmp_path / "landing"
    header = "call_id,seller_id,started_at,answered\n"
    write(root / "phone_calls" / "a.csv", header + "PC1,S1,2025-03-03T10:00:00Z,true\n")
    write(root / "sellers" / "s.csv", "seller_id,display_name,country,registered_at\n"
          "S1,Shop,NL,2024-01-01T10:00:00Z\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    lander = Lander(con, root)
    built = []
    real_definition = lander.validator._definition
    monkeypatch.setattr(
        lander.validator, "_definition",
        lambda entity, part: built.append((entity.name, part)) or real_definition(entity, part),
    )
    summary = lander.land_all()
    validated_loads = con.execute(
        "select count(distinct load_id) from raw._validation_results"
    ).fetchone()[0]
    con.close()
    assert prepared == [["phone_calls", "sellers"]]
    # Each suite is built once, by the preparation; validation finds them ready.
    prepared_suites = sorted(set(built))
    assert prepared_suites == sorted(
        (e, p) for e in ("phone_calls", "sellers") for p in ("batch", "cross")
    )
    assert set(lander.validator._definitions) == {f"raw_{e}__{p}" for e, p in prepared_suites}
    assert [b.status for b in summary.batches] == ["LOADED", "LOADED"]
    assert validated_loads == 2


def test_a_failed_preparation_is_forgotten_and_validation_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.ingest import validation

    calls = {"n": 0}
    real_ctx = validation.BatchValidator._ctx

    def fail_first(self: validation.BatchValidator) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            self._context = object()  # half-built state must not survive the failure
            raise RuntimeError("no GX on this thread")
        return real_ctx(self)

    monkeypatch.setattr(validation.BatchValidator, "_ctx", fail_first)
    root = tmp_path / "landing"
    header = "call_id,seller_id,started_at,answered\n"
    write(root / "phone_calls" / "a.csv", header + "PC1,S1,2090-03-02T10:00:00Z,true\n")
    summary = land_directory(root, tmp_path / "w.duckdb")
    assert calls["n"] >= 2
    (landed,) = summary.batches
    assert landed.status == "LOADED"
    # Validated for real (both suites ran: a date too far ahead, an unknown seller),
    # not a crash of the suite.
    assert sorted(f.rule.split(":")[0].split(" ")[0] for f in landed.findings) == [
        "plausible", "seller_id"
    ]
    assert not [f for f in landed.findings if f.expectation == "validation_run"]


def test_no_preparation_outlives_a_landing_run_that_had_nothing_to_validate(
    tmp_path: Path,
) -> None:
    """Every new file rejected: nothing to validate, and still no thread left behind."""
    import threading

    from orchestration.ingest.landing import Lander

    root = tmp_path / "landing"
    write(root / "returns" / "empty.csv", "")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    lander = Lander(con, root)
    summary = lander.land_all()
    con.close()
    assert [b.status for b in summary.batches] == ["REJECTED"]
    assert lander.validator._preparing is None
    assert not [t for t in threading.enumerate() if t.name == "gx-prepare"]
