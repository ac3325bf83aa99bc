"""What `servicenorms run` prints on generated data: the news per entity and the
progress of its steps (the report's rules: tests/unit/test_output.py)."""

from __future__ import annotations

from conftest import OPERATED_WEEKS, OperatedWarehouse

from orchestration.ingest.contract import ENTITIES


def test_a_run_prints_the_news_and_reports_the_progress_of_its_steps(
    operated_warehouse: OperatedWarehouse,
) -> None:
    out = operated_warehouse.output.splitlines()
    assert out[0].startswith("creating a new warehouse at ")
    # One line per entity, no line for a file without findings.
    entity_lines = [line for line in out if line.split()[:1] and line.split()[0] in ENTITIES]
    assert sorted(line.split()[0] for line in entity_lines) == sorted(ENTITIES)
    assert not any(".parquet:" in line and "WARN" not in line for line in out)
    # The generator's track & trace warning: once, for every shipments file with it.
    (warning,) = [line for line in out if "WARN track_and_trace" in line]
    assert warning.startswith("  shipments: ") and warning.endswith(" files")
    assert len(out) < 60 + OPERATED_WEEKS * 2
    progress = operated_warehouse.progress
    for step in ("landing", "validating", "dbt servicenorms_weekly", "dbt servicenorms_marts",
                 "publishing"):
        assert f"\n{step}: started" in f"\n{progress}", step
        assert any(line.startswith(f"{step}: ") and " done in " in line
                   for line in progress.splitlines()), step
