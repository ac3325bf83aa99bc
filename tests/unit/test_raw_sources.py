"""The raw sources declare the landing contract's columns: on Spark they are the
schema of the Parquet tables each run registers (macros/sources/raw_tables.sql),
so a column added to the contract and not to `_sources.yml` would be missing there."""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestration.ingest.contract import ENTITIES, LOAD_COLUMNS

SOURCES_YML = Path(__file__).resolve().parents[2] / "models" / "staging" / "_sources.yml"


def declared_raw_tables() -> dict[str, list[tuple[str, str]]]:
    sources = yaml.safe_load(SOURCES_YML.read_text())["sources"]
    raw = next(s for s in sources if s["name"] == "raw")
    return {
        table["name"]: [(c["name"], c["data_type"]) for c in table.get("columns", [])]
        for table in raw["tables"]
    }


def test_every_entity_is_a_raw_source_with_the_contract_columns_in_order():
    declared = declared_raw_tables()
    for entity in ENTITIES.values():
        expected = [(c.name, c.type.lower()) for c in entity.columns]
        expected += [(name, kind.lower()) for name, kind in LOAD_COLUMNS]
        assert declared.get(entity.name) == expected, entity.name


def test_only_landed_entities_declare_columns():
    with_columns = {name for name, columns in declared_raw_tables().items() if columns}
    assert with_columns == set(ENTITIES)
