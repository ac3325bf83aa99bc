"""Expectation suites (Great Expectations 1.x) for every raw entity, built from the contract.

Each suite is derived from `contract.ENTITIES`, so a column, enum or range added to
the contract is checked here without a second edit. Every expectation carries
`meta` with:

- ``severity``: ``ERROR`` for the contract rules of SPEC §12 (types, required,
  enums, ranges). Landing already quarantines rows breaking them, so on the
  accepted rows they must all pass; a failure is a bug in landing.
- ``WARN`` for everything SPEC §12 does not make a quarantine rule: duplicate keys
  inside one batch (the last row wins), time order, plausibility, references to
  other landed entities, transporter codes. They are reported, never acted on,
  because the marts must follow SPEC §12 exactly.
- ``column``: the contract column the rule is about (also for derived columns).
- ``rule``: the rule in words, used in every message.

GX 1.x has no DuckDB data source, so batches are validated as a pandas DataFrame.
`loads_sql` selects (a sample of) the accepted rows of every batch of an entity
landed in one run and joins the related landed rows in DuckDB (time order across
entities, references) into ``__``-prefixed derived columns before the frame
reaches GX.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # nothing leaves the machine
# GX imports PySpark when it is installed (the Spark engine's extra), which warns that
# it does not support pandas 3 yet: GX validates pandas frames here, never Spark ones.
warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
)

import duckdb  # noqa: E402
import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402
import pandas as pd  # noqa: E402
from great_expectations.expectations.row_conditions import Column  # noqa: E402

from orchestration.ingest.contract import (  # noqa: E402
    BOOLEAN,
    DATE,
    DECIMAL,
    INTEGER,
    TIMESTAMPTZ,
    VARCHAR,
    Entity,
)
from orchestration.sql_text import quote_identifier as _q  # noqa: E402

ERROR = "ERROR"
WARN = "WARN"

# Plausibility window: the platform's data starts well after 2015, and nothing can
# happen more than a day after it was landed (a day of slack for clock skew).
EARLIEST_PLAUSIBLE = dt.datetime(2015, 1, 1)
FUTURE_SLACK = dt.timedelta(days=1)
# A seller's registration date describes the seller, not an event of the measured
# period: long-standing sellers legitimately registered before 2015.
NO_PLAUSIBLE_FLOOR = {("sellers", "registered_at")}

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

# The pandas dtypes of each contract type once `to_frame` has normalised them.
# GX 1.x compares pandas dtypes by identity and cannot match pandas 3's string
# dtype or tz-aware timestamps, so strings are handed over as Python objects
# (checked value by value as `str`) and timestamps as naive UTC. Timestamps are
# nanosecond and integers 64-bit because GX's range checks are vectorised only for
# those dtypes; otherwise they run a Python function per value (~20x slower).
PANDAS_TYPES: dict[str, list[str]] = {
    VARCHAR: ["str"],
    TIMESTAMPTZ: ["datetime64[ns]"],
    DATE: ["datetime64[us]", "datetime64[ns]", "datetime64[s]"],
    INTEGER: ["int64", "Int64"],
    DECIMAL: ["float64"],
    BOOLEAN: ["bool", "BooleanDtype"],
}

# Time order inside one entity: (entity, later column, earlier column).
TIME_ORDER_SAME_ENTITY = (("customer_questions", "first_response_at", "created_at"),)


@dataclass(frozen=True)
class Join:
    """A derived column taken from the latest landed row of another entity.

    `value` NULL-safe semantics: the derived column is NULL when no related row
    exists, so time-order checks then say nothing and only the reference check fires.
    """

    entity: str  # the entity being validated
    key: str  # its column pointing at the other entity
    other: str  # the other raw entity
    other_key: str
    other_value: str  # the column fetched from the other entity
    agg: str = "min"  # several related rows (shipment lines): the earliest


# Cross-entity time order: entity.later >= other.value via `key`.
_ORDERED_AT = Join("shipments", "order_item_id", "order_items", "order_item_id", "ordered_at")
_SHIPPED_AT = Join("transport_events", "shipment_id", "shipments", "shipment_id", "shipped_at")
CROSS_TIME_ORDER: tuple[tuple[Join, str], ...] = (
    (_ORDERED_AT, "shipped_at"),
    (_ORDERED_AT, "handed_over_at"),
    (_SHIPPED_AT, "event_at"),
)

# References across batches: column -> the raw entity (and key) it must exist in.
REFERENCES: dict[str, tuple[str, str]] = {
    "order_item_id": ("order_items", "order_item_id"),
    "seller_id": ("sellers", "seller_id"),
}


@dataclass(frozen=True)
class Transporters:
    codes: tuple[str, ...]
    tracked: tuple[str, ...]


def load_transporters(path: Path = SEEDS / "transporters.csv") -> Transporters:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return Transporters(
        codes=tuple(r["transporter_code"] for r in rows),
        tracked=tuple(
            r["transporter_code"] for r in rows if r["tracked"].strip().lower() == "true"
        ),
    )


def _derived(join: Join) -> str:
    return f"__{join.other}__{join.other_value}"


def _unknown(column: str) -> str:
    return f"__unknown__{column}"


def references_for(entity: Entity) -> list[tuple[str, str, str]]:
    """(column, other entity, other key) for each cross-batch reference `entity` has."""
    out = []
    for column, (other, other_key) in REFERENCES.items():
        if other != entity.name and column in entity.column_names:
            out.append((column, other, other_key))
    return out


def joins_for(entity: Entity) -> list[tuple[Join, str]]:
    return [(j, later) for j, later in CROSS_TIME_ORDER if j.entity == entity.name]


MAX_VALIDATED_ROWS_ENV = "SERVICENORMS_GX_MAX_ROWS"
DEFAULT_MAX_VALIDATED_ROWS = 200_000
# Sampling draws keys by a hash bucket in [0, SAMPLE_BUCKETS).
SAMPLE_BUCKETS = 1_000_000


def max_validated_rows() -> int:
    """Rows one suite run sees per entity and landing run, spread evenly over the
    run's batches (env SERVICENORMS_GX_MAX_ROWS; 0 = every row)."""
    raw = os.environ.get(MAX_VALIDATED_ROWS_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_VALIDATED_ROWS
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{MAX_VALIDATED_ROWS_ENV}={raw!r} is not a whole number") from None
    if value < 0:
        raise ValueError(f"{MAX_VALIDATED_ROWS_ENV}={raw!r} must be 0 (all rows) or more")
    return value


def sample_buckets(rows: int, quota: int) -> int:
    """How many of SAMPLE_BUCKETS hash buckets keep about `quota` of `rows` rows."""
    if rows <= quota:
        return SAMPLE_BUCKETS
    return max(1, SAMPLE_BUCKETS * quota // rows)


def loads_sql(
    entity: Entity, loads: Sequence[tuple[int, int]], *, cross: bool = False
) -> str:
    """The accepted rows of the loads `(load_id, accepted rows)`, with their
    `_load_id`; with `cross`, plus the derived columns of the cross-entity checks.

    One suite run covers every batch of an entity in a landing run (GX's fixed cost
    is per run and per expectation, not per row). Expectations run in pandas, tens
    of thousands of rows a second, while the contract itself is enforced on every
    row in SQL at landing, so each batch is profiled on a deterministic sample of
    about `max_validated_rows() / len(loads)` rows. The sample takes whole natural
    keys (a hash bucket of the key), so a key's duplicates inside a batch are
    sampled together and the in-batch uniqueness check stays exact for them.
    Related rows are looked up only for the sampled keys (semi-join first), so the
    cost follows the sample, not the size of the raw tables.
    """
    name = entity.name
    if not loads:
        raise ValueError("loads_sql needs at least one load")
    limit = max_validated_rows()
    quota = -(-limit // len(loads)) if limit else 0
    values = ", ".join(
        f"({int(load_id)}, {sample_buckets(rows, quota) if limit else SAMPLE_BUCKETS})"
        for load_id, rows in loads
    )
    key = ", ".join(_q(k) for k in entity.natural_key)
    rows_sql = (
        f"select r.* from raw.{name} r join (values {values}) as s(load_id, buckets) "
        f"on r._load_id = s.load_id "
        f"where s.buckets >= {SAMPLE_BUCKETS} or hash({key}) % {SAMPLE_BUCKETS} < s.buckets"
    )
    ctes = [f"batch as ({rows_sql})"]
    if not cross:
        return f"with {ctes[0]} select * from batch order by _load_id, _row_number"
    # Only the columns the cross-entity checks read: conversion to pandas is the cost.
    needed = ["_load_id", *entity.natural_key]
    for join, later in joins_for(entity):
        needed += [join.key, later]
    needed += [column for column, _, _ in references_for(entity)]
    selects = [f"batch.{_q(c)}" for c in dict.fromkeys(needed)]
    joins = []
    seen: set[tuple[str, str, str]] = set()
    for join, _later in joins_for(entity):
        ident = (join.other, join.key, join.other_value)
        if ident in seen:
            continue
        seen.add(ident)
        alias = f"j_{len(seen)}"
        other_key, key_col = _q(join.other_key), _q(join.key)
        ctes.append(
            f"{alias} as (select {other_key} as k, {join.agg}({_q(join.other_value)}) as v "
            f"from raw.{join.other} where {other_key} in (select {key_col} from batch) group by 1)"
        )
        joins.append(f"left join {alias} on {alias}.k = batch.{key_col}")
        selects.append(f"{alias}.v as {_q(_derived(join))}")
    for column, other, other_key in references_for(entity):
        alias = f"r_{column}"
        ctes.append(
            f"{alias} as (select distinct {_q(other_key)} as k from raw.{other} "
            f"where {_q(other_key)} in (select {_q(column)} from batch))"
        )
        joins.append(f"left join {alias} on {alias}.k = batch.{_q(column)}")
        selects.append(
            f"case when batch.{_q(column)} is not null and {alias}.k is null "
            f"then batch.{_q(column)} end as {_q(_unknown(column))}"
        )
    return (
        f"with {', '.join(ctes)} select {', '.join(selects)} from batch "
        f"{' '.join(joins)} order by batch._load_id, batch._row_number"
    )


def to_frame(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    loads: Sequence[tuple[int, int]],
    *,
    cross: bool = False,
) -> pd.DataFrame:
    """Fetch `loads_sql` as a DataFrame with dtypes GX 1.x can check (see PANDAS_TYPES)."""
    with warnings.catch_warnings():
        # DuckDB's DataFrame conversion uses a pandas argument pandas 3 deprecates.
        warnings.simplefilter("ignore")
        df = con.execute(loads_sql(entity, loads, cross=cross)).df()
    for name in df.columns:
        series = df[name]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            naive = series.dt.tz_convert("UTC").dt.tz_localize(None)
            df[name] = naive.astype("datetime64[ns]")
        elif str(series.dtype) in ("int32", "Int32"):
            df[name] = series.astype("int64" if series.dtype == "int32" else "Int64")
        elif pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
            df[name] = series.astype(object)
    return df


def _meta(severity: str, column: str | None, rule: str) -> dict[str, str | None]:
    return {"severity": severity, "column": column, "rule": rule}


def _fmt(x: float) -> str:
    return f"{x:g}"


def contract_expectations(entity: Entity) -> list[gxe.Expectation]:
    """SPEC §12 contract rules (ERROR): columns and types, required, enums, ranges."""
    out: list[gxe.Expectation] = [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=entity.column_names,
            exact_match=False,
            meta=_meta(ERROR, None, f"columns present: {', '.join(entity.column_names)}"),
        )
    ]
    for col in entity.columns:
        out.append(
            gxe.ExpectColumnValuesToBeInTypeList(
                column=col.name,
                type_list=PANDAS_TYPES[col.type],
                meta=_meta(ERROR, col.name, f"type is {col.type}"),
            )
        )
        if col.required:
            out.append(
                gxe.ExpectColumnValuesToNotBeNull(
                    column=col.name, meta=_meta(ERROR, col.name, "required value is present")
                )
            )
        if col.required_when:
            other, value = col.required_when
            out.append(
                gxe.ExpectColumnValuesToNotBeNull(
                    column=col.name,
                    row_condition=Column(other) == value,
                    meta=_meta(ERROR, col.name, f"required when {other} is {value}"),
                )
            )
        if col.enum is not None:
            out.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=col.name,
                    value_set=list(col.enum),
                    meta=_meta(ERROR, col.name, f"one of {'|'.join(col.enum)}"),
                )
            )
        if col.min is not None or col.max is not None:
            bounds = []
            if col.min is not None:
                bounds.append(f">= {_fmt(col.min)}")
            if col.max is not None:
                bounds.append(f"<= {_fmt(col.max)}")
            out.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=col.name,
                    min_value=col.min,
                    max_value=col.max,
                    meta=_meta(ERROR, col.name, f"value {' and '.join(bounds)}"),
                )
            )
    return out


def warning_expectations(
    entity: Entity, *, now: dt.datetime, transporters: Transporters
) -> list[gxe.Expectation]:
    """Checks beyond SPEC §12 (WARN): recorded, never used to drop a row."""
    out: list[gxe.Expectation] = []
    key = list(entity.natural_key)
    key_rule = f"natural key ({', '.join(key)}) unique within the batch (the last row wins)"
    key_meta = _meta(WARN, ",".join(key), key_rule)
    # One frame holds every batch of the run: uniqueness is per batch (`_load_id`),
    # since a later batch restating a key is a correction, not a duplicate.
    out.append(
        gxe.ExpectCompoundColumnsToBeUnique(column_list=[*key, "_load_id"], meta=key_meta)
    )

    for name, later, earlier in TIME_ORDER_SAME_ENTITY:
        if name == entity.name:
            out.append(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=later,
                    column_B=earlier,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                    meta=_meta(WARN, later, f"{later} >= {earlier}"),
                )
            )
    # Naive UTC, like the frame (see to_frame).
    latest = (now.astimezone(dt.UTC).replace(tzinfo=None) + FUTURE_SLACK).replace(microsecond=0)
    for col in entity.columns:
        if col.type != TIMESTAMPTZ:
            continue
        floor = None if (entity.name, col.name) in NO_PLAUSIBLE_FLOOR else EARLIEST_PLAUSIBLE
        since = "" if floor is None else f"not before {floor:%Y-%m-%d} and "
        out.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=col.name,
                min_value=floor,
                max_value=latest,
                meta=_meta(
                    WARN,
                    col.name,
                    f"plausible: {since}not after load time + 1 day "
                    f"({latest:%Y-%m-%d %H:%M:%S} UTC)",
                ),
            )
        )

    if entity.name == "shipments":
        out.append(
            gxe.ExpectColumnValuesToBeInSet(
                column="transporter_code",
                value_set=list(transporters.codes),
                meta=_meta(
                    WARN, "transporter_code", "transporter_code known in seeds/transporters.csv"
                ),
            )
        )
        out.append(
            gxe.ExpectColumnValuesToNotBeNull(
                column="track_and_trace",
                # SPEC §12: only PARCEL lines of a tracked transporter can be tracked.
                row_condition=(Column("parcel_type") == "PARCEL")
                & Column("transporter_code").is_in(transporters.tracked),
                meta=_meta(
                    WARN,
                    "track_and_trace",
                    "track_and_trace present on PARCEL lines of tracked transporters",
                ),
            )
        )
    return out


def cross_entity_expectations(entity: Entity) -> list[gxe.Expectation]:
    """Time order against other entities and references (WARN), on `loads_sql(cross=True)`.

    Files land in path order, so `sellers/` lands after every other entity of the
    same run; these checks therefore run once all batches of a landing run are in.
    """
    out: list[gxe.Expectation] = []
    for join, later in joins_for(entity):
        out.append(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=later,
                column_B=_derived(join),
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                meta=_meta(
                    WARN,
                    later,
                    f"{later} >= {join.other}.{join.other_value} (via {join.key})",
                ),
            )
        )

    for column, other, other_key in references_for(entity):
        out.append(
            gxe.ExpectColumnValuesToBeNull(
                column=_unknown(column),
                meta=_meta(WARN, column, f"{column} exists in landed raw.{other}.{other_key}"),
            )
        )

    return out


BATCH = "batch"
CROSS = "cross"


def suite_for(
    entity: Entity,
    *,
    now: dt.datetime,
    part: str = BATCH,
    transporters: Transporters | None = None,
) -> gx.ExpectationSuite:
    """An expectation suite of one raw entity.

    part `batch`: contract (ERROR) and in-batch checks (WARN), run right after the
    rows are split; `now` is the load time (plausibility). part `cross`: checks
    against other landed entities, run at the end of the landing run.
    """
    if part == BATCH:
        transporters = transporters or load_transporters()
        expectations = contract_expectations(entity) + warning_expectations(
            entity, now=now, transporters=transporters
        )
    elif part == CROSS:
        expectations = cross_entity_expectations(entity)
    else:
        raise ValueError(f"unknown suite part {part!r}")
    return gx.ExpectationSuite(
        name=f"raw_{entity.name}__{part}",
        expectations=expectations,
        meta={"entity": entity.name, "source": "orchestration.ingest.contract.ENTITIES"},
    )
