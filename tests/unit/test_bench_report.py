"""The benchmark's Markdown table: each stage's figures and the ratios to the floors."""

from __future__ import annotations

import json
from pathlib import Path

from bench.run import markdown_table


def test_the_table_shows_cpu_ratios_in_the_cpu_column_and_work_ratios_in_the_work_column(
    tmp_path: Path,
) -> None:
    stage = {
        "stage": "floor", "wall_s": 10.0, "cpu_s": 15.0, "peak_rss_mb": 100.0,
        "startup_s": 0.1, "work_s": 9.9, "rows": 1000, "rows_per_s": 101,
    }
    document = {
        "scale": {"name": "tiny", "sellers": 2, "weeks": 3},
        "stages": [stage],
        "ratios": {"dbt_full_build_over_floor": 1.9, "dbt_full_build_over_floor_cpu": 2.1},
    }
    (tmp_path / "tiny.json").write_text(json.dumps(document))
    rows = markdown_table(tmp_path).splitlines()
    assert rows[2] == "| tiny (2 × 3) | floor | 10.0 | 15.0 | 100 | 0.1 | 9.9 | 1,000 | 101 |"
    assert rows[3] == "| tiny (2 × 3) | dbt full build over floor | |  | | | 1.9× | | |"
    assert rows[4] == "| tiny (2 × 3) | dbt full build over floor cpu | | 2.1× | | |  | | |"
