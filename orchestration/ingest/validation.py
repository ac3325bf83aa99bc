"""Validation of landed batches: policy, results table, findings and summaries.

Policy (see docs/data-quality.md):

- Which rows are quarantined is decided by landing with the SPEC §12 contract
  rules only. Validation never removes a row.
- Once a landing run's batches are split, their accepted rows are validated with
  the entity's expectation suite (`orchestration.ingest.expectations`), one suite run per
  entity covering all of the run's batches; failures are attributed per batch. Contract
  expectations are a second line of defence and have severity ERROR (a failure
  is a landing bug); the other checks have severity WARN.
- Every expectation result of every validated batch is appended to
  `raw._validation_results`. A batch landed without results (validation off, or a
  run that stopped before it) is validated by the next landing run.
- `max_quarantine_share` (env `SERVICENORMS_MAX_QUARANTINE_SHARE`, default 1.0 =
  never) rejects a whole batch whose share of quarantined rows is above it.

Great Expectations is imported only when the first batch is validated: its import
takes seconds and the CLI should not pay it for `--help`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration.ingest.contract import Entity

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # nothing leaves the machine

MAX_QUARANTINE_SHARE_ENV = "SERVICENORMS_MAX_QUARANTINE_SHARE"
# Names a rejection by the quarantine-share policy (as opposed to an unreadable file).
QUARANTINE_POLICY_MARKER = "above max_quarantine_share"
GX_DIR_ENV = "SERVICENORMS_GX_DIR"
DEFAULT_GX_DIR = Path(__file__).resolve().parents[2] / "gx"
EXAMPLES = 5  # unexpected values kept per result
EXAMPLE_CHARS = 120  # a 10 MB string must not be copied into the results table

RESULTS_DDL = """
create table if not exists raw._validation_results (
    load_id             bigint not null,
    entity              varchar not null,
    source_file         varchar not null,
    expectation         varchar not null,   -- GX expectation type
    "column"            varchar,            -- contract column the rule is about
    severity            varchar not null,   -- ERROR | WARN
    success             boolean not null,
    unexpected_count    bigint,
    unexpected_examples varchar,            -- up to 5 values, truncated
    validated_at        timestamptz not null,
    rule                varchar not null    -- the rule in words
)
"""


class ValidationConfigError(ValueError):
    """A validation setting (environment variable or argument) is invalid."""


def max_quarantine_share_from_env(value: float | None = None) -> float:
    """`value` if given, else `SERVICENORMS_MAX_QUARANTINE_SHARE`, else 1.0 (never reject)."""
    if value is None:
        raw = os.environ.get(MAX_QUARANTINE_SHARE_ENV, "").strip()
        if not raw:
            return 1.0
        try:
            value = float(raw)
        except ValueError:
            raise ValidationConfigError(
                f"{MAX_QUARANTINE_SHARE_ENV}={raw!r}: not a number between 0 and 1"
            ) from None
    if not 0.0 <= value <= 1.0:
        raise ValidationConfigError(f"max_quarantine_share={value!r}: must be between 0 and 1")
    return value


def ensure_results_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute(RESULTS_DDL)


def quarantine_rejection(
    source_file: str,
    rows_in_file: int,
    rows_quarantined: int,
    top_rules: Sequence[tuple[str, int]],
    max_share: float,
) -> str | None:
    """The rejection reason when the batch's quarantined share is above `max_share`, else None.

    `top_rules` are (rule, rows) pairs, most frequent first; each rule names its
    column ("grade: above maximum 10").
    """
    if rows_in_file == 0 or rows_quarantined == 0:
        return None
    share = rows_quarantined / rows_in_file
    if share <= max_share:
        return None
    rules = "; ".join(f"{rule} ({n} rows)" for rule, n in top_rules)
    return (
        f"{source_file}: {rows_quarantined} of {rows_in_file} rows ({share:.1%}) break the "
        f"contract, {QUARANTINE_POLICY_MARKER} {max_share:g}; batch rejected whole; "
        f"most frequent rules: {rules}"
    )


@dataclass(frozen=True)
class Finding:
    """One failed check on one batch, for the blocking asset check and the CLI.

    `severity` ERROR blocks (a rejected file, or a contract expectation failing on
    accepted rows); WARN informs (quarantined rows, duplicate keys, time order,
    plausibility, references, transporter codes).
    """

    source_file: str
    entity: str
    expectation: str  # GX expectation type, or `file_rejected` / `contract_quarantine`
    column: str | None
    severity: str  # ERROR | WARN
    unexpected_count: int | None  # rows affected; None when the whole file is affected
    examples: str | None = None
    rule: str = ""  # the rule in words

    @property
    def blocking(self) -> bool:
        return self.severity == "ERROR"

    def describe(self) -> str:
        where = f"column {self.column}" if self.column else "file"
        rows = "whole file" if self.unexpected_count is None else f"{self.unexpected_count} row(s)"
        rule = self.rule or self.expectation
        text = f"{self.source_file}: {where}: {rule} [{self.severity}, {rows}]"
        if self.examples:
            text += f" e.g. {self.examples}"
        return text


def _plain(value: Any) -> str:
    """An unexpected value as an operator reads it (no numpy/pandas reprs)."""
    if value is None:
        return "NULL"
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_plain(v) for v in value) + ")"
    if isinstance(value, dict):
        return "(" + ", ".join(f"{k}={_plain(v)}" for k, v in value.items()) + ")"
    if type(value).__name__ == "datetime64":  # numpy, from column-pair expectations
        import pandas as pd

        value = pd.Timestamp(value)
    if hasattr(value, "isoformat") and hasattr(value, "hour"):
        return value.isoformat(sep=" ")
    return str(value)


def _example(value: Any) -> str:
    text = _plain(value)
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + f"...({len(text)} chars)"


def _examples(values: Iterable[Any] | None) -> str | None:
    if not values:
        return None
    return ", ".join(_example(v) for v in list(values)[:EXAMPLES])


def _skip_frame_fingerprints() -> None:
    """GX hashes every frame it is given into a batch marker ("fingerprint") that
    nothing here reads; on the sampled batches of a landing run that hashing took
    about a fifth of the validation time. GX skips it for frames above its size
    threshold, so a threshold of zero skips it always."""
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


class BatchValidator:
    """Validates landed batches with the GX suites; one GX context per landing run.

    `build_docs=True` renders GX Data Docs (HTML) into `<gx_dir>/data_docs/` when
    `finish()` is called; it costs a few seconds per run, so it is off by default.
    """

    def __init__(
        self,
        *,
        build_docs: bool = False,
        gx_dir: Path | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        self.build_docs = build_docs
        self.gx_dir = Path(gx_dir or os.environ.get(GX_DIR_ENV) or DEFAULT_GX_DIR)
        self.now = now or dt.datetime.now(dt.UTC)
        self._context: Any = None
        self._definitions: dict[str, Any] = {}
        self._preparing: threading.Thread | None = None
        self.validated = 0

    def prepare_in_background(self, entities: Iterable[Entity]) -> None:
        """Import GX and build the context and the suites of `entities` on a
        background thread, while the files land.

        The import alone takes seconds; landing spends its time in DuckDB, which
        releases the GIL, so the two overlap. Validation waits for it to finish.
        A failure here is forgotten: validation then builds what it needs itself
        and records any error as it always does.
        """
        if self._preparing is not None or self._context is not None:
            return
        todo = list(entities)
        self._preparing = threading.Thread(
            target=self._prepare, args=(todo,), name="gx-prepare", daemon=True
        )
        self._preparing.start()

    def _prepare(self, entities: list[Entity]) -> None:
        try:
            from orchestration.ingest import expectations

            self._ctx()
            for entity in entities:
                for part in (expectations.BATCH, expectations.CROSS):
                    self._definition(entity, part)
        except Exception:  # validation builds them again and reports the error
            self._context = None
            self._definitions = {}

    def wait_prepared(self) -> None:
        """Until the background preparation (if any) has finished."""
        if self._preparing is not None:
            self._preparing.join()
            self._preparing = None

    @property
    def docs_index(self) -> Path:
        return self.gx_dir / "data_docs" / "index.html"

    def _ctx(self) -> Any:
        if self._context is None:
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            sites: dict[str, Any] = {}
            if self.build_docs:
                sites["local_site"] = {
                    "class_name": "SiteBuilder",
                    "show_how_to_buttons": False,
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str((self.gx_dir / "data_docs").resolve()),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                }
            config = DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                data_docs_sites=sites,
                analytics_enabled=False,
                progress_bars=ProgressBarsConfig(globally=False),
            )
            self._context = gx.get_context(mode="ephemeral", project_config=config)
            self._source = self._context.data_sources.add_pandas("raw")
            _skip_frame_fingerprints()
        return self._context

    def _definition(self, entity: Entity, part: str) -> Any:
        name = f"raw_{entity.name}__{part}"
        if name not in self._definitions:
            import great_expectations as gx

            from orchestration.ingest import expectations

            ctx = self._ctx()
            suite = ctx.suites.add(expectations.suite_for(entity, now=self.now, part=part))
            if not suite.expectations:
                self._definitions[name] = None
                return None
            asset = self._source.add_dataframe_asset(name)
            batch_def = asset.add_batch_definition_whole_dataframe("landed_batch")
            self._definitions[name] = ctx.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch_def, suite=suite)
            )
        return self._definitions[name]

    def _run(self, definition: Any, frame: Any) -> list[Any]:
        """Pass/fail of every expectation of `definition` on `frame`.

        GX's fixed cost per expectation dominates on small frames (~10-25 ms each,
        whatever the row count) and computing unexpected lists roughly doubles it,
        so this asks only pass/fail; `_detail` explains the failures per batch.
        With Data Docs on, one full pass through the ValidationDefinition instead,
        so the results land in the context's store that the docs are rendered from.
        """
        if self.build_docs:
            summary = {"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}
            run = definition.run(batch_parameters={"dataframe": frame}, result_format=summary)
            return list(run.results)
        batch = definition.data.get_batch(batch_parameters={"dataframe": frame})
        return list(batch.validate(definition.suite, result_format="BOOLEAN_ONLY").results)

    def _detail(self, definition: Any, configs: list[Any], frame: Any) -> list[Any]:
        """SUMMARY results (counts, examples) of the expectations `configs` on `frame`."""
        import great_expectations as gx

        details = []
        for config in configs:
            expectation = config.to_domain_obj()
            expectation.id = None  # a copy: ids belong to the stored suite
            details.append(expectation)
        retry = gx.ExpectationSuite(name=f"{definition.suite.name}__failed", expectations=details)
        batch = definition.data.get_batch(batch_parameters={"dataframe": frame})
        summary = {"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}
        return list(batch.validate(retry, result_format=summary).results)

    @staticmethod
    def _result_row(
        outcome: Any, load_id: int, entity: str, source_file: str, validated_at: dt.datetime
    ) -> tuple[Any, ...]:
        config = outcome.expectation_config
        meta = config.meta or {}
        res = outcome.result or {}
        success = bool(outcome.success)
        examples = None
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            success = False
            examples = _example(outcome.exception_info.get("exception_message"))
        elif not success:
            examples = _examples(res.get("partial_unexpected_list")) or (
                _example(res["observed_value"]) if "observed_value" in res else None
            )
        count = res.get("unexpected_count", 0 if success else None)
        return (
            load_id,
            entity,
            source_file,
            config.type,
            meta.get("column"),
            meta.get("severity", "ERROR"),
            success,
            None if count is None else int(count),
            examples,
            validated_at,
            meta.get("rule", config.type),
        )

    def validate_loads(
        self,
        con: duckdb.DuckDBPyConnection,
        entity: Entity,
        loads: Sequence[tuple[int, str]],
        *,
        cross: bool = False,
    ) -> dict[int, list[Finding]]:
        """Validate the accepted rows of the batches `loads` `(load_id, source_file)` of
        one entity in a single suite run; append every result, one row per batch and
        expectation; return each batch's failures.

        Expectations that pass on the whole frame pass for every batch in it. An
        expectation that fails is re-run per batch (`_load_id`) with counts and
        examples, so each failure is attributed to the file it came from.

        `cross=False`: contract and in-batch checks, right after the run's batches are in.
        `cross=True`: checks against other landed entities.
        """
        self.wait_prepared()
        from orchestration.ingest import expectations

        ensure_results_table(con)
        loads = sorted({(int(i), f) for i, f in loads})
        if not loads:
            return {}
        validated_at = dt.datetime.now(dt.UTC)
        rows: list[tuple[Any, ...]] = []
        try:
            part = expectations.CROSS if cross else expectations.BATCH
            definition = self._definition(entity, part)
            if definition is None:
                return {}
            id_list = ", ".join(str(i) for i, _ in loads)
            accepted = dict(
                con.execute(
                    f"select _load_id, count(*) from raw.{entity.name} "
                    f"where _load_id in ({id_list}) group by 1"
                ).fetchall()
            )
            sizes = [(i, accepted.get(i, 0)) for i, _ in loads]
            frame = expectations.to_frame(con, entity, sizes, cross=cross)
            outcomes = self._run(definition, frame)
            failed = [o.expectation_config for o in outcomes if not o.success]
            by_load = dict(tuple(frame.groupby("_load_id", sort=True))) if failed else {}
            for load_id, source_file in loads:
                detailed = iter(())
                if failed:
                    part_frame = by_load.get(load_id, frame.iloc[0:0])
                    detailed = iter(self._detail(definition, failed, part_frame))
                for outcome in outcomes:
                    if not outcome.success:
                        outcome = next(detailed)
                    rows.append(
                        self._result_row(outcome, load_id, entity.name, source_file, validated_at)
                    )
        except Exception as exc:  # a crash in GX must not lose the batches; it is an ERROR
            message = _example(f"{type(exc).__name__}: {exc}")
            rows = [
                (load_id, entity.name, source_file, "validation_run", None, "ERROR", False,
                 None, message, validated_at, "the expectation suite runs")
                for load_id, source_file in loads
            ]
        con.executemany(
            "insert into raw._validation_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
        self.validated += len(loads)
        findings: dict[int, list[Finding]] = {i: [] for i, _ in loads}
        for r in rows:
            if not r[6]:
                findings[r[0]].append(Finding(r[2], r[1], r[3], r[4], r[5], r[7], r[8], r[10]))
        return findings

    def finish(self) -> Path | None:
        """End of a landing run: build Data Docs when asked; return the index page."""
        self.wait_prepared()
        if not self.build_docs or self._context is None:
            return None
        self.gx_dir.mkdir(parents=True, exist_ok=True)
        self._context.build_data_docs()
        return self.docs_index


def findings_for_load(
    con: duckdb.DuckDBPyConnection, load_ids: Iterable[int]
) -> list[Finding]:
    """Everything that went wrong with the given batches, ERROR findings first.

    - a REJECTED batch: one `file_rejected` finding with the reason. A file that
      cannot be read or lacks a contract column is a WARN: it stays on record and
      the run goes on with the other files (SPEC §3/§12). A batch rejected by the
      `max_quarantine_share` policy is an ERROR: the operator asked for that to stop the run;
    - quarantined rows: one WARN finding (`contract_quarantine`) per rule, with the
      row count and example natural keys;
    - failed expectations from `raw._validation_results` with their severity.

    A blocking check should fail when any finding has `blocking` (severity ERROR).
    """
    from orchestration.ingest.contract import ENTITIES

    ids = sorted({int(i) for i in load_ids})
    if not ids:
        return []
    id_list = ", ".join(str(i) for i in ids)
    findings: list[Finding] = []
    batches = con.execute(
        f"select load_id, entity, source_file, status, reason from raw._batches "
        f"where load_id in ({id_list}) order by source_file"
    ).fetchall()
    for load_id, entity_name, source_file, status, reason in batches:
        if status == "REJECTED":
            by_policy = QUARANTINE_POLICY_MARKER in (reason or "")
            findings.append(
                Finding(source_file, entity_name, "file_rejected", None,
                        "ERROR" if by_policy else "WARN", None, None, reason or "file rejected")
            )
            continue
        entity = ENTITIES[entity_name]
        key = " || '/' || ".join(f"coalesce(\"{k}\", 'NULL')" for k in entity.natural_key)
        quarantined = con.execute(
            f"select rule, count(*), list({key} order by _row_number)[1:{EXAMPLES}] "
            f"from raw.{entity_name}__quarantine, unnest(string_split(_reason, '; ')) as t(rule) "
            f"where _load_id = ? group by rule order by count(*) desc, rule",
            [load_id],
        ).fetchall()
        for rule, n, keys in quarantined:
            column = rule.split(":", 1)[0]
            findings.append(
                Finding(source_file, entity_name, "contract_quarantine", column, "WARN", n,
                        _examples(keys), f"row quarantined: {rule}")
            )
    has_results = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = '_validation_results'"
    ).fetchone()[0]
    if has_results:
        for row in con.execute(
            f"select source_file, entity, expectation, \"column\", severity, unexpected_count, "
            f"unexpected_examples, rule from raw._validation_results "
            f"where load_id in ({id_list}) and not success order by source_file, severity, rule"
        ).fetchall():
            findings.append(Finding(*row))
    findings.sort(key=lambda f: (f.severity != "ERROR", f.source_file))
    return findings
