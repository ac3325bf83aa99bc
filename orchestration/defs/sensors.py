"""Recompute the weeks a mitigating circumstance touches when the calendar changes (SPEC §8).

The sensor reads the `mitigating_circumstances` folder of the landing directory,
not the warehouse: the warehouse has one writer, and a sensor opening it would
fail (or block) while a run writes. The latest row per `circumstance_id` wins,
as in staging (files in relative-path order, the last row of a file last). The
cursor keeps a hash and the window per circumstance; a new, changed or
withdrawn circumstance requests one run over the partitions from the first
affected week to the last partition, because six-week scores and trajectories
of every later week depend on it.

A sensor without a cursor (its first tick on an instance) starts from what the
warehouse has already applied: the circumstances of the files it has landed
(their content hashes in `raw._batches`), read once, read-only. A UI opened on a
warehouse that `servicenorms run` built recomputes nothing; a file not landed
yet is a change as always. While a run holds the warehouse, that first tick
waits for the next.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    WeeklyPartitionsDefinition,
    sensor,
)

from orchestration.defs.resources import WarehouseResource
from orchestration.ingest.landing import SUPPORTED_EXTENSIONS, file_sha256
from orchestration.weeks import (
    iso_week_key,
    partition_key_for_week,
    partition_range_tags,
    week_start_of,
)

CIRCUMSTANCES_SENSOR = "mitigating_circumstances_sensor"
ENTITY = "mitigating_circumstances"
FIELDS = (
    "circumstance_id",
    "starts_on",
    "ends_on",
    "scope",
    "transporter_code",
    "country",
    "indicators",
    "effect",
    "description",
    "withdrawn",
)
CIRCUMSTANCES_TAG = "servicenorms/circumstances"


@dataclass(frozen=True)
class Circumstance:
    circumstance_id: str
    digest: str
    starts_on: date | None
    ends_on: date | None
    effect: str
    withdrawn: bool


def _read_file(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple]:
    p = "'" + str(path).replace("'", "''") + "'"
    reader = (
        f"read_parquet({p})"
        if path.suffix.lower() == ".parquet"
        else f"read_csv({p}, header = true, all_varchar = true)"
    )
    present = {r[0] for r in con.execute(f"describe select * from {reader}").fetchall()}
    cols = ", ".join(
        f'cast("{f}" as varchar)' if f in present else "cast(null as varchar)" for f in FIELDS
    )
    return con.execute(f"select {cols} from {reader}").fetchall()


def _as_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def circumstance_files(landing: Path) -> list[Path]:
    """The circumstances files of the landing folder, in load order (relative path)."""
    folder = Path(landing) / ENTITY
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS),
        key=lambda p: p.relative_to(landing).as_posix(),
    )


def read_circumstances(landing: Path, files: list[Path] | None = None) -> dict[str, Circumstance]:
    """The latest row per circumstance_id in the landing folder's files (or `files`,
    in load order).

    A file that cannot be read is left to landing, which rejects and reports it.
    """
    if files is None:
        files = circumstance_files(landing)
    latest: dict[str, Circumstance] = {}
    con = duckdb.connect()
    try:
        for path in files:
            try:
                rows = _read_file(con, path)
            except duckdb.Error:
                continue
            for row in rows:
                values = dict(zip(FIELDS, row, strict=True))
                cid = values["circumstance_id"]
                if not cid:
                    continue
                digest = hashlib.sha256(json.dumps(row).encode()).hexdigest()[:16]
                withdrawn = (values["withdrawn"] or "").strip().lower() in ("true", "t", "1", "yes")
                latest[cid] = Circumstance(
                    cid,
                    digest,
                    _as_date(values["starts_on"]),
                    _as_date(values["ends_on"]),
                    values["effect"] or "",
                    withdrawn,
                )
    finally:
        con.close()
    return latest


@dataclass(frozen=True)
class Change:
    circumstance: Circumstance
    first_week: date | None  # earliest week touched by the old or the new window
    last_week: date | None


def detect_changes(current: dict[str, Circumstance], cursor: dict[str, dict]) -> list[Change]:
    """New or changed circumstances; a changed window touches its old and new weeks."""
    changes = []
    for cid, c in sorted(current.items()):
        before = cursor.get(cid)
        if before is not None and before.get("digest") == c.digest:
            continue
        starts = [d for d in (c.starts_on, _as_date((before or {}).get("starts_on"))) if d]
        ends = [d for d in (c.ends_on, _as_date((before or {}).get("ends_on"))) if d]
        changes.append(
            Change(
                c,
                week_start_of(min(starts)) if starts else None,
                week_start_of(max(ends)) if ends else None,
            )
        )
    return changes


class WarehouseBusy(Exception):
    """A run holds the warehouse: what it applied cannot be read now."""


def applied_circumstances(landing: Path, warehouse: Path) -> dict[str, Circumstance]:
    """The circumstances the warehouse has applied: those of the landing files whose
    content it has landed (none when there is no warehouse yet). Raises
    WarehouseBusy while a writer holds it."""
    if not Path(warehouse).exists():
        return {}
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseBusy(str(exc).splitlines()[0]) from None
    try:
        registered = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw' and table_name = '_batches'"
        ).fetchone()[0]
        landed = set()
        if registered:
            landed = {
                digest
                for (digest,) in con.execute(
                    "select content_hash from raw._batches where entity = ? and status = 'LOADED'",
                    [ENTITY],
                ).fetchall()
            }
    finally:
        con.close()
    files = [p for p in circumstance_files(landing) if file_sha256(p) in landed]
    return read_circumstances(landing, files)


def new_cursor(current: dict[str, Circumstance]) -> str:
    return json.dumps(
        {
            cid: {
                "digest": c.digest,
                "starts_on": c.starts_on.isoformat() if c.starts_on else None,
                "ends_on": c.ends_on.isoformat() if c.ends_on else None,
            }
            for cid, c in sorted(current.items())
        },
        sort_keys=True,
    )


def describe_changes(changes: list[Change]) -> str:
    """'MC-1 NO_STRIKE 2026-W42..2026-W43; MC-2 withdrawn 2026-W40' — which weeks each touches."""
    parts = []
    for ch in changes:
        c = ch.circumstance
        what = "withdrawn" if c.withdrawn else c.effect
        if ch.first_week and ch.last_week and ch.first_week != ch.last_week:
            weeks = f"{iso_week_key(ch.first_week)}..{iso_week_key(ch.last_week)}"
        else:
            weeks = iso_week_key(ch.first_week) if ch.first_week else "no valid window"
        parts.append(f"{c.circumstance_id} {what} {weeks}")
    return "; ".join(parts)


def build_circumstances_sensor(job, partitions_def: WeeklyPartitionsDefinition) -> SensorDefinition:
    @sensor(
        name=CIRCUMSTANCES_SENSOR,
        job=job,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            "A new, changed or withdrawn mitigating circumstance in the landing folder requests "
            "one run over its weeks and every later week."
        ),
    )
    def mitigating_circumstances_sensor(
        context: SensorEvaluationContext, warehouse: WarehouseResource
    ) -> SensorResult | SkipReason:
        current = read_circumstances(warehouse.landing)
        if context.cursor:
            cursor = json.loads(context.cursor)
        else:
            try:
                cursor = json.loads(
                    new_cursor(applied_circumstances(warehouse.landing, warehouse.warehouse))
                )
            except WarehouseBusy as busy:
                return SkipReason(f"first tick: the warehouse is busy, trying again ({busy})")
        changes = detect_changes(current, cursor)
        if not changes:
            return SensorResult(
                skip_reason=SkipReason("no new or changed mitigating circumstance"),
                cursor=new_cursor(current),
            )
        first_key = partitions_def.get_first_partition_key()
        last_key = partitions_def.get_last_partition_key()
        starts = [ch.first_week for ch in changes if ch.first_week is not None]
        if not starts or first_key is None or last_key is None:
            # Nothing measurable is touched; landing still records the rows on the next run.
            return SensorResult(
                skip_reason=SkipReason("no affected week"), cursor=new_cursor(current)
            )
        start_key = max(partition_key_for_week(min(starts)), first_key)
        if start_key > last_key:
            return SensorResult(
                skip_reason=SkipReason(f"circumstances only touch weeks after {last_key}"),
                cursor=new_cursor(current),
            )
        description = describe_changes(changes)
        context.log.info(f"recomputing {start_key}..{last_key}: {description}")
        request = RunRequest(
            run_key=hashlib.sha256(f"{start_key}:{last_key}:{description}".encode()).hexdigest()[
                :16
            ]
            + ":"
            + ",".join(sorted(ch.circumstance.digest for ch in changes)),
            tags={
                **partition_range_tags(start_key, last_key),
                CIRCUMSTANCES_TAG: description[:4000],
                "servicenorms/trigger": "mitigating_circumstances",
            },
        )
        return SensorResult(run_requests=[request], cursor=new_cursor(current))

    return mitigating_circumstances_sensor
