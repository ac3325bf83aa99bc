"""Audited, append-only landing of files into the DuckDB schema `raw` (SPEC §3, §12).

One file is one batch. Every batch is recorded in `raw._batches` with its content
hash, status and reason. Rows that break the contract go to
`raw.<entity>__quarantine` with their original values and the rules they broke;
the other rows are appended to `raw.<entity>`, typed and stamped with
`_load_id`, `_loaded_at`, `_source_file` and `_row_number`. Nothing is updated or
deleted, and a file whose content hash is already on record is never loaded again.
All row work happens in DuckDB SQL.

Once every file of a run is split, the accepted rows are validated with each
entity's expectation suite (`orchestration.ingest.validation`, one suite run per entity
and landing run); the results are appended to `raw._validation_results`, one row
per batch and expectation. Validation never changes
which rows are quarantined: that stays the SPEC §12 contract. Only the optional
`max_quarantine_share` can reject a batch whole (default 1.0: never).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration import progress
from orchestration.ingest.contract import ENTITIES, LOAD_COLUMNS, Column, Entity
from orchestration.ingest.transaction import after_failure, transaction
from orchestration.ingest.validation import (
    BatchValidator,
    Finding,
    ensure_results_table,
    max_quarantine_share_from_env,
    quarantine_rejection,
)
from orchestration.sql_text import quote_identifier as _q
from orchestration.sql_text import quote_literal as _lit

SUPPORTED_EXTENSIONS = (".parquet", ".csv")
# DuckDB's CSV reader refuses lines over 2 MB by default; a well-formed file with a
# long text value is still a readable file (SPEC §12 rejects only unreadable ones).
CSV_MAX_LINE_BYTES = 32 * 1024 * 1024

BATCHES_DDL = """
create table if not exists raw._batches (
    load_id          bigint primary key,
    entity           varchar not null,
    source_file      varchar not null,   -- relative to the landing root
    content_hash     varchar not null,   -- sha256 of the file bytes
    file_bytes       bigint not null,
    status           varchar not null,   -- LOADED | REJECTED
    rows_in_file     bigint,
    rows_accepted    bigint,
    rows_quarantined bigint,
    reason           varchar,
    loaded_at        timestamptz not null
)
"""

# Every file under the landing directory that is not a batch: an unknown entity
# folder, another extension, a sub-folder of an entity folder, the landing root.
# Recorded once per file and reason (the first run that found it); reported by
# every run while the file is there.
IGNORED_FILES_DDL = """
create table if not exists raw._ignored_files (
    source_file  varchar not null,   -- relative to the landing root
    reason       varchar not null,
    file_bytes   bigint not null,
    noticed_at   timestamptz not null,
    primary key (source_file, reason)
)
"""

REJECTED_FILES_DDL = """
create table if not exists raw._rejected_files (
    load_id      bigint primary key,
    source_file  varchar not null,
    content      blob not null          -- the file's bytes, kept so nothing is lost
)
"""


# Each landing file's digest with the size and times it was hashed at: a later
# run hashes only files whose size or times differ (new or rewritten). The
# change time (st_ctime) moves on every write and no tool can set it back, so a
# file rewritten in place with its size and modification time restored is
# still hashed again. A file changed within the last SETTLED_NS before it was
# hashed is not cached: file times tick coarsely (milliseconds), so a second
# write in the same tick could leave them unchanged. A cache: the batch
# registry (`raw._batches`) stays the record.
SETTLED_NS = 2_000_000_000
FILE_DIGESTS_DDL = """
create table if not exists audit.landing_file_digests (
    source_file  varchar primary key,    -- relative to the landing root
    file_bytes   bigint not null,
    modified_ns  bigint not null,        -- st_mtime_ns
    changed_ns   bigint not null,        -- st_ctime_ns
    content_hash varchar not null        -- sha256 of the file bytes
)
"""


class LandingError(Exception):
    """The landing directory itself is unusable (a bad file is recorded, not raised)."""


@dataclass
class BatchResult:
    entity: str
    source_file: str
    status: str  # LOADED | REJECTED | SKIPPED (already on record)
    load_id: int | None = None
    rows_in_file: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    reason: str | None = None
    # Failed expectations of this batch (validation.Finding), for summaries.
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class IgnoredFile:
    """A file under the landing directory that is not landed, and why."""

    source_file: str  # relative to the landing root
    reason: str
    file_bytes: int = 0


@dataclass
class LandingSummary:
    batches: list[BatchResult] = field(default_factory=list)
    # Files under the landing directory that are not batches (survey_landing).
    ignored: list[IgnoredFile] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for b in self.batches if b.status == status)

    @property
    def loaded(self) -> int:
        return self.count("LOADED")

    @property
    def rejected(self) -> int:
        return self.count("REJECTED")

    @property
    def skipped(self) -> int:
        return self.count("SKIPPED")

    @property
    def rows_accepted(self) -> int:
        return sum(b.rows_accepted for b in self.batches)

    @property
    def rows_quarantined(self) -> int:
        return sum(b.rows_quarantined for b in self.batches)


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `raw`, the batch registry and every raw and quarantine table
    (and the file digest cache in schema `audit`)."""
    con.execute("create schema if not exists raw")
    con.execute(BATCHES_DDL)
    con.execute(REJECTED_FILES_DDL)
    con.execute(IGNORED_FILES_DDL)
    # Bookkeeping that is not landed data lives in schema `audit`.
    con.execute("create schema if not exists audit")
    con.execute(FILE_DIGESTS_DDL)
    ensure_results_table(con)
    for entity in ENTITIES.values():
        cols = [f"{_q(c.name)} {c.type}" for c in entity.columns]
        cols += [f"{_q(n)} {t}" for n, t in LOAD_COLUMNS]
        con.execute(f"create table if not exists raw.{entity.name} ({', '.join(cols)})")
        qcols = [f"{_q(c.name)} varchar" for c in entity.columns]
        qcols += [
            "_load_id bigint",
            "_source_file varchar",
            "_row_number bigint",
            "_reason varchar",
            "_quarantined_at timestamptz",
        ]
        con.execute(
            f"create table if not exists raw.{entity.name}__quarantine ({', '.join(qcols)})"
        )


def ignored_reason(parts: tuple[str, ...]) -> str | None:
    """Why the file at `parts` (its path relative to the landing root) is not a
    batch, or None when it is one (`<entity>/<name>.parquet|.csv`)."""
    if len(parts) == 1:
        return "not in an entity folder: files land in <landing>/<entity>/"
    entity = parts[0]
    if entity not in ENTITIES:
        return (
            f"folder {entity}/ is not an entity of the landing contract "
            f"(one of {', '.join(sorted(ENTITIES))})"
        )
    if len(parts) > 2:
        folder = "/".join(parts[1:-1])
        return f"in the sub-folder {folder}/ of {entity}/: files land only directly in {entity}/"
    suffix = Path(parts[-1]).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        kind = f"extension {suffix}" if suffix else "a file without extension"
        return f"{kind} is not landed (only {' and '.join(SUPPORTED_EXTENSIONS)})"
    return None


def survey_landing(landing: Path) -> tuple[list[tuple[str, Path]], list[IgnoredFile]]:
    """Every file under `landing`: the batches as (entity, path), sorted by path
    relative to the landing root (the load order of SPEC §12), and the files that
    are not batches, with the reason."""
    found: list[tuple[str, Path]] = []
    ignored: list[IgnoredFile] = []
    for folder, subfolders, names in os.walk(landing):
        subfolders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            parts = path.relative_to(landing).parts
            if not path.is_file():
                reason = "not a regular file (a broken link or a special file)"
                ignored.append(IgnoredFile("/".join(parts), reason))
                continue
            reason = ignored_reason(parts)
            if reason is None:
                found.append((parts[0], path))
            else:
                ignored.append(IgnoredFile("/".join(parts), reason, path.stat().st_size))
    found.sort(key=lambda ep: ep[1].relative_to(landing).as_posix())
    ignored.sort(key=lambda f: f.source_file)
    return found, ignored


def discover_files(landing: Path) -> list[tuple[str, Path]]:
    """(entity, path) for every batch `<landing>/<entity>/*.parquet|*.csv`, in load order."""
    return survey_landing(landing)[0]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _reader_sql(path: Path, header: list[str] | None = None) -> str:
    """The table function reading `path`; a CSV as its `header` says, every column
    as text (the contract casts decide what is valid; an empty field is NULL,
    SPEC §12). Nothing is guessed: a row whose fields do not match the header is
    an error naming its line, not a reason to read the file another way."""
    p = _lit(str(path))
    if path.suffix.lower() == ".parquet":
        return f"read_parquet({p})"
    columns = ", ".join(f"{_lit(name)}: 'VARCHAR'" for name in header or [])
    return (
        f"read_csv({p}, header = true, auto_detect = false, columns = {{{columns}}}, "
        "delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
        f"max_line_size = {CSV_MAX_LINE_BYTES})"
    )


def _csv_header(path: Path) -> list[str]:
    """The column names of a CSV file's first record (UTF-8, a byte-order mark allowed);
    only the lines of that record are read."""
    with path.open("rb") as fh:
        lines = (raw.decode("utf-8-sig" if n == 0 else "utf-8") for n, raw in enumerate(fh))
        return next(csv.reader(lines), [])


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CSV_FIELDS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _csv_fault(message: str) -> str | None:
    """'line N: <fault>' from DuckDB's error on a malformed CSV row, or None."""
    line = _CSV_LINE.search(message)
    if line is None:
        return None
    fields = _CSV_FIELDS.search(message)
    if fields:
        expected, found = fields.groups()
        return (
            f"line {line[1]}: {found} field(s) where the header has {expected} "
            "(rule: every row has the header's fields)"
        )
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    faults = [
        ln for ln in lines[1:]
        if not ln.startswith(("Original Line", "Possible fixes", "*", "file ="))
        and " = " not in ln
    ]
    return f"line {line[1]}: {faults[0].rstrip('.').lower() if faults else 'malformed row'}"


def _read_error(exc: duckdb.Error) -> str:
    """The useful part of a DuckDB reader error: its first line and its cause.

    The full text repeats the offending line, which may be megabytes long.
    """
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    parts = [lines[0]]
    for ln in lines[1:]:
        if ln.startswith(("Original Line", "Possible Solution", "LINE ", "^")) or "=" in ln:
            continue
        parts.append(ln)
        break
    return ": ".join(p[:300] for p in parts)


def _invalid_utf8_location(path: Path) -> str | None:
    """'line N, column C' of the first byte sequence that is not UTF-8 in a CSV, or None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        header: list[str] | None = None
        for number, raw in enumerate(fh, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as err:
                if header is None:
                    return f"line {number} (the header)"
                prefix = raw[: err.start].decode("utf-8", errors="replace")
                field_index = len(next(csv.reader([prefix]), [""])) - 1
                column = header[field_index] if field_index < len(header) else f"#{field_index + 1}"
                return f"line {number}, column {column}"
            if header is None:
                header = next(csv.reader([raw.decode("utf-8")]), [])
    return None


def _typed(col: Column, source_expr: str) -> str:
    """`source_expr` (the column as read from the file) cast to the contract type."""
    return f"try_cast({source_expr} as {col.type})"


def _skipped(entity: str, rel: str, load_id: int, status: str) -> BatchResult:
    """A file whose content is already on record as batch `load_id`."""
    reason = f"already on record as batch {load_id} ({status})"
    return BatchResult(entity, rel, "SKIPPED", load_id=load_id, reason=reason)


def _violation_sql(col: Column, source_expr: str) -> list[tuple[str, str]]:
    """(condition, message) pairs: the row breaks `col`'s contract when condition is true.

    `source_expr` is the column as read from the file; the typed value is
    `try_cast(source_expr as type)`.
    """
    typed = _typed(col, source_expr)
    rules: list[tuple[str, str]] = []
    rules.append(
        (
            f"{source_expr} is not null and {typed} is null",
            f"{col.name}: cannot be cast to {col.type}",
        )
    )
    if col.required:
        rules.append((f"{source_expr} is null", f"{col.name}: required value is missing"))
    if col.enum is not None:
        allowed = ", ".join(_lit(v) for v in col.enum)
        rules.append(
            (
                f"{typed} is not null and {typed} not in ({allowed})",
                f"{col.name}: not one of {'|'.join(col.enum)}",
            )
        )
    if col.min is not None:
        rules.append(
            (
                f"{typed} is not null and {typed} < {col.min}",
                f"{col.name}: below minimum {col.min:g}",
            )
        )
    if col.max is not None:
        rules.append(
            (
                f"{typed} is not null and {typed} > {col.max}",
                f"{col.name}: above maximum {col.max:g}",
            )
        )
    return rules


def _conditional_rules(entity: Entity, typed_of: dict[str, str]) -> list[tuple[str, str]]:
    rules = []
    for col in entity.columns:
        if col.required_when:
            other, value = col.required_when
            rules.append(
                (
                    f"{typed_of[other]} = {_lit(value)} and {typed_of[col.name]} is null",
                    f"{col.name}: required when {other} is {value}",
                )
            )
    return rules


def quarantine_reason(rows: int, top_rules: list[tuple[str, int]]) -> str:
    """'2 row(s) quarantined: quantity: below minimum 1 (2)' — the three rules broken
    most (a row may break several)."""
    rules = "; ".join(f"{rule} ({n})" for rule, n in top_rules[:3])
    more = "; …" if len(top_rules) > 3 else ""
    return f"{rows} row(s) quarantined: {rules}{more}"


class Lander:
    """Lands the files of a landing directory into an open DuckDB connection."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        landing: Path,
        *,
        max_quarantine_share: float | None = None,
        build_docs: bool = False,
        gx_dir: Path | None = None,
        validate: bool = True,
    ):
        """`max_quarantine_share`: reject a batch whole when more than this share of
        its rows is quarantined (None: env SERVICENORMS_MAX_QUARANTINE_SHARE, else 1.0,
        i.e. never). `build_docs`: render GX Data Docs into `<gx_dir>/data_docs/`.
        `validate=False` only splits rows (the benchmark times validation as a
        stage of its own with `validate_pending`); every run of the pipeline validates."""
        self.validate = validate
        self.con = con
        self.workers = max(1, int(os.environ.get("SERVICENORMS_LANDING_WORKERS", "2")))
        self.landing = landing.resolve()
        self.max_quarantine_share = max_quarantine_share_from_env(max_quarantine_share)
        # One GX context for the whole run: creating it per batch costs seconds.
        self.validator = BatchValidator(build_docs=build_docs, gx_dir=gx_dir)
        # Casting text without an offset to TIMESTAMPTZ must read it as UTC (SPEC §12).
        con.execute("set TimeZone = 'UTC'")
        # The same memory bound as the dbt profile: large batches spill to disk.
        limit = os.environ.get("SERVICENORMS_MEMORY_LIMIT", "8GB").replace("'", "")
        con.execute(f"set memory_limit = '{limit}'")
        ensure_raw_schema(con)

    def land_all(self) -> LandingSummary:
        """Land every file of the landing directory not already on record (by
        content: the sha256 of each file, read only for new or changed files).

        Load ids are given in path order before anything lands, so they are the
        same whatever order the work finishes in. The entities' files then land
        concurrently, one entity per worker (`SERVICENORMS_LANDING_WORKERS`,
        default 2): entities write disjoint tables, and inside an entity the files
        land one by one in path order. Inserting one file keeps one core busy
        (DuckDB compresses on the inserting thread), so a second worker keeps the
        second core busy.
        """
        files, ignored = survey_landing(self.landing)
        self._record_ignored(ignored)
        rels = [self._relative(path) for _, path in files]
        digests = self._digests([path for _, path in files], rels)
        known = {
            (entity, digest): (load_id, status)
            for entity, digest, load_id, status in self.con.execute(
                "select entity, content_hash, load_id, status from raw._batches"
            ).fetchall()
        }
        next_id = self._next_load_id()
        batches: list[BatchResult | None] = [None] * len(files)
        first_in_run: dict[tuple[str, str], int] = {}
        # (position, its path relative to the landing root, position of the same file earlier)
        repeats: list[tuple[int, str, int]] = []
        queues: dict[str, list[tuple[int, Path, str, int, str]]] = {}  # pos, path, rel, id, hash
        for pos, ((entity, path), rel, digest) in enumerate(zip(files, rels, digests, strict=True)):
            if (entity, digest) in known:
                batches[pos] = _skipped(entity, rel, *known[(entity, digest)])
            elif (entity, digest) in first_in_run:
                repeats.append((pos, rel, first_in_run[(entity, digest)]))
            else:
                first_in_run[(entity, digest)] = pos
                queues.setdefault(entity, []).append((pos, path, rel, next_id, digest))
                next_id += 1

        if self.validate and queues:
            # GX's import and suites get ready while the new files land.
            self.validator.prepare_in_background(ENTITIES[entity] for entity in queues)

        new_files = sum(len(queue) for queue in queues.values())
        task = progress.current().task("landing", new_files, "new files")

        def land_queue(entity: str) -> list[tuple[int, BatchResult]]:
            con = self.con.cursor()
            try:
                con.execute("set TimeZone = 'UTC'")
                landed = []
                for pos, path, rel, load_id, digest in queues[entity]:
                    entity_def = ENTITIES[entity]
                    landed.append(
                        (pos, self._land_new_file(con, entity_def, path, rel, digest, load_id))
                    )
                    task.advance()
                return landed
            finally:
                con.close()

        # Largest entities first, so the workers finish together.
        order = sorted(queues, key=lambda e: -sum(q[1].stat().st_size for q in queues[e]))
        with task, ThreadPoolExecutor(self.workers) as pool:
            for landed in pool.map(land_queue, order):
                for pos, result in landed:
                    batches[pos] = result
        for pos, rel, earlier in repeats:
            first = batches[earlier]
            batches[pos] = _skipped(first.entity, rel, first.load_id, first.status)
        summary = LandingSummary(batches=[b for b in batches if b is not None], ignored=ignored)
        if self.validate:
            self.validate_pending(summary.batches)
            # Also when nothing was left to validate (every new file rejected):
            # no thread outlives the landing run.
            self.validator.wait_prepared()
        return summary

    def _record_ignored(self, ignored: list[IgnoredFile]) -> None:
        """Keep each ignored file and its reason in `raw._ignored_files` (once)."""
        if ignored:
            self.con.executemany(
                "insert or ignore into raw._ignored_files values (?, ?, ?, now())",
                [(f.source_file, f.reason, f.file_bytes) for f in ignored],
            )

    def _digests(self, paths: list[Path], rels: list[str]) -> list[str]:
        """The sha256 of each file (`rels`: their batch names): from
        `audit.landing_file_digests` when its size and times are the ones it was
        hashed at, else read (and recorded)."""
        known = {
            rel: (size, modified, changed, digest)
            for rel, size, modified, changed, digest in self.con.execute(
                "select source_file, file_bytes, modified_ns, changed_ns, content_hash "
                "from audit.landing_file_digests"
            ).fetchall()
        }
        # Stat before reading: a file written meanwhile has other times next run.
        stat_time = time.time_ns()
        stats = [path.stat() for path in paths]
        digests: list[str | None] = []
        for rel, st in zip(rels, stats, strict=True):
            cached = known.get(rel)
            now = (st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            digests.append(cached[3] if cached is not None and cached[:3] == now else None)
        todo = [i for i, d in enumerate(digests) if d is None]
        with ThreadPoolExecutor(self.workers) as pool:
            hashed = pool.map(lambda i: file_sha256(paths[i]), todo)
            for i, digest in zip(todo, hashed, strict=True):
                digests[i] = digest
        settled_before = stat_time - SETTLED_NS
        rows = [
            (rels[i], st.st_size, st.st_mtime_ns, st.st_ctime_ns, digests[i])
            for i, st in ((i, stats[i]) for i in todo)
            if max(st.st_mtime_ns, st.st_ctime_ns) < settled_before
        ]
        if rows:
            self.con.executemany(
                "insert or replace into audit.landing_file_digests values (?, ?, ?, ?, ?)", rows
            )
        return [str(d) for d in digests]

    def validate_pending(self, batches: list[BatchResult]) -> None:
        """Validate every loaded batch that has no validation results yet: this run's,
        and any an earlier run landed without validating (validation off, or a run
        that stopped in between). One suite run per entity, then the cross-entity
        checks, in one transaction; failures are attached to this run's `batches`.

        The cross-entity checks (references, time order) run after all files are in
        because files land in path order (`sellers/` after the entities that refer to
        sellers). Their results are warnings only.
        """
        pending = self.con.execute(
            "select b.entity, b.load_id, b.source_file from raw._batches b "
            "where b.status = 'LOADED' and not exists (select 1 from raw._validation_results v "
            "where v.load_id = b.load_id) order by b.load_id"
        ).fetchall()
        if not pending:
            return
        by_entity: dict[str, list[tuple[int, str]]] = {}
        for entity, load_id, source_file in pending:
            by_entity.setdefault(entity, []).append((load_id, source_file))
        found: dict[int, list[Finding]] = {}
        task = progress.current().task("validating", 2 * len(by_entity), "suite runs")
        with task, transaction(self.con):
            for cross in (False, True):
                for entity, loads in by_entity.items():
                    result = self.validator.validate_loads(
                        self.con, ENTITIES[entity], loads, cross=cross
                    )
                    for load_id, findings in result.items():
                        found.setdefault(load_id, []).extend(findings)
                    task.advance()
        for b in batches:
            if b.status == "LOADED" and b.load_id in found:
                b.findings += found[b.load_id]
        self.validator.finish()

    def _next_load_id(self) -> int:
        sql = "select coalesce(max(load_id), 0) + 1 from raw._batches"
        return self.con.execute(sql).fetchone()[0]

    def land_file(self, entity: Entity, path: Path) -> BatchResult:
        """Land one file (unless its content is on record) on the Lander's connection."""
        rel = self._relative(path)
        digest = file_sha256(path)
        seen = self.con.execute(
            "select load_id, status from raw._batches where content_hash = ? and entity = ?",
            [digest, entity.name],
        ).fetchone()
        if seen is not None:
            return _skipped(entity.name, rel, *seen)
        return self._land_new_file(self.con, entity, path, rel, digest, self._next_load_id())

    def _relative(self, path: Path) -> str:
        """The batch's name: its path relative to the landing root (SPEC §12 load order)."""
        return path.resolve().relative_to(self.landing).as_posix()

    def _land_new_file(
        self,
        con: duckdb.DuckDBPyConnection,
        entity: Entity,
        path: Path,
        rel: str,
        digest: str,
        load_id: int,
    ) -> BatchResult:
        """Split one new file into raw and quarantine (or reject it) as batch `load_id`,
        in one transaction on `con`."""
        checked = f"_landing_checked_{entity.name}"
        try:
            # Reading happens before the transaction: a failed read must not abort it.
            rejection = self._read_checked(con, entity, path, rel, checked)
            with transaction(con):
                if rejection is None:
                    result = self._split_rows(con, entity, checked, rel, load_id)
                else:
                    result = BatchResult(
                        entity.name, rel, "REJECTED", load_id=load_id, reason=rejection
                    )
                if result.status == "REJECTED":
                    con.execute(
                        "insert into raw._rejected_files values (?, ?, ?)",
                        [load_id, rel, path.read_bytes()],
                    )
                loaded = result.status == "LOADED"
                con.execute(
                    "insert into raw._batches values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                    [
                        load_id,
                        entity.name,
                        rel,
                        digest,
                        path.stat().st_size,
                        result.status,
                        result.rows_in_file if loaded else None,
                        result.rows_accepted if loaded else None,
                        result.rows_quarantined if loaded else None,
                        result.reason,
                    ],
                )
        except BaseException as cause:
            after_failure(con, f"drop table if exists {checked}", cause)
            raise
        con.execute(f"drop table if exists {checked}")
        return result

    def _read_checked(
        self, con: duckdb.DuckDBPyConnection, entity: Entity, path: Path, rel: str, checked: str
    ) -> str | None:
        """Read the file once into a temp table of its contract columns, each row
        with its position in the file and the contract rules it breaks (NULL when
        none); return the rejection reason of an unreadable file, or None.

        One pass: the file is read, numbered and checked by a single statement
        (landing is the largest copy of a weekly run; every extra copy of a file
        costs as much as the read itself).
        """
        kind = path.suffix.lower()[1:]
        if path.stat().st_size == 0:
            return f"{rel}: file is empty (no header, no rows)"
        header = None
        if kind == "csv":
            try:
                header = _csv_header(path)
            except UnicodeDecodeError:
                where = _invalid_utf8_location(path) or "line 1 (the header)"
                return (
                    f"{rel}: file cannot be read as csv: {where}: not valid UTF-8 "
                    "(rule: CSV text must be UTF-8)"
                )
            except csv.Error as exc:
                return f"{rel}: file cannot be read as csv: line 1 (the header): {exc}"
            twice = sorted({name for name in header if header.count(name) > 1})
            if twice:
                return f"{rel}: the header names column(s) {', '.join(twice)} more than once"
        reader = _reader_sql(path, header)
        try:
            # The columns come from the file's metadata (Parquet) or header (CSV).
            described = con.execute(f"describe select * from {reader}").fetchall()
            present = [r[0] for r in described]
            missing = [c for c in entity.column_names if c not in present]
            if missing:
                return (
                    f"{rel}: missing contract column(s) {', '.join(missing)} "
                    f"for entity {entity.name} (found: {', '.join(present)})"
                )
            typed_of = {c.name: _typed(c, _q(c.name)) for c in entity.columns}
            rules: list[tuple[str, str]] = []
            for col in entity.columns:
                rules += _violation_sql(col, _q(col.name))
            rules += _conditional_rules(entity, typed_of)
            reasons = ", ".join(f"case when {cond} then {_lit(msg)} end" for cond, msg in rules)
            columns = ", ".join(_q(c.name) for c in entity.columns)
            con.execute(
                f"create or replace temp table {checked} as "
                f"select {columns}, row_number() over () as __row_number, "
                f"nullif(concat_ws('; ', {reasons}), '') as __reason from {reader}"
            )
        except duckdb.Error as exc:
            message = (_csv_fault(str(exc)) if kind == "csv" else None) or _read_error(exc)
            if kind == "csv" and "unicode" in str(exc).lower():
                where = _invalid_utf8_location(path)
                if where:
                    message = f"{where}: not valid UTF-8 (rule: CSV text must be UTF-8); {message}"
            return f"{rel}: file cannot be read as {kind}: {message}"
        return None

    def _split_rows(
        self, con: duckdb.DuckDBPyConnection, entity: Entity, checked: str, rel: str, load_id: int
    ) -> BatchResult:
        """Append the checked rows to `raw.<entity>` or its quarantine.

        No ORDER BY: a scan of the temp table returns its rows in insertion
        order (DuckDB preserves insertion order), i.e. in file order."""
        total, bad = con.execute(f"select count(*), count(__reason) from {checked}").fetchone()
        top: list[tuple[str, int]] = []
        if bad:  # the rules broken most, for the batch's reason
            top = con.execute(
                f"select rule, count(*) from {checked}, "
                "unnest(string_split(__reason, '; ')) as t(rule) "
                "group by rule order by count(*) desc, rule limit 4"
            ).fetchall()
        if bad and self.max_quarantine_share < 1.0:
            rejection = quarantine_rejection(rel, total, bad, top[:3], self.max_quarantine_share)
            if rejection is not None:
                # Rejected whole: no row goes to raw or quarantine; the bytes are kept.
                return BatchResult(entity.name, rel, "REJECTED", load_id=load_id, reason=rejection)
        typed_cols = ", ".join(f"{_typed(c, _q(c.name))} as {_q(c.name)}" for c in entity.columns)
        # A file without quarantined rows (nearly all of them) skips the filter.
        accepted = "" if bad == 0 else " where __reason is null"
        con.execute(
            f"insert into raw.{entity.name} select {typed_cols}, "
            f"{load_id}, now(), {_lit(rel)}, __row_number from {checked}{accepted}"
        )
        if bad:
            text_cols = ", ".join(f"cast({_q(c.name)} as varchar)" for c in entity.columns)
            con.execute(
                f"insert into raw.{entity.name}__quarantine select {text_cols}, "
                f"{load_id}, {_lit(rel)}, __row_number, __reason, now() "
                f"from {checked} where __reason is not null"
            )
        return BatchResult(
            entity.name,
            rel,
            "LOADED",
            load_id=load_id,
            rows_in_file=total,
            rows_accepted=total - bad,
            rows_quarantined=bad,
            reason=None if bad == 0 else quarantine_reason(bad, top),
        )


def land_directory(
    landing: Path,
    warehouse: Path | str,
    *,
    max_quarantine_share: float | None = None,
    build_docs: bool = False,
    gx_dir: Path | None = None,
) -> LandingSummary:
    """Land every new batch of `landing` into the warehouse file `warehouse`.

    Options as for `Lander`; the defaults follow SPEC §12 exactly."""
    landing = Path(landing)
    if not landing.is_dir():
        raise LandingError(f"{landing}: landing directory does not exist")
    con = duckdb.connect(str(warehouse))
    try:
        lander = Lander(
            con,
            landing,
            max_quarantine_share=max_quarantine_share,
            build_docs=build_docs,
            gx_dir=gx_dir,
        )
        return lander.land_all()
    finally:
        con.close()
