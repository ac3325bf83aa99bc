"""The ISO weeks a run covers, read from its tags (one partition or a partition range)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from orchestration.partitions import week_for_partition_key

# The instant a run takes as now when it decides which weeks are finalised
# (`servicenorms run --as-of`); a run without it takes the clock.
AS_OF_TAG = "servicenorms/as_of"


def run_partition_keys(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """(first, last) partition key of a run, or None for an unpartitioned run."""
    if ASSET_PARTITION_RANGE_START_TAG in tags and ASSET_PARTITION_RANGE_END_TAG in tags:
        return tags[ASSET_PARTITION_RANGE_START_TAG], tags[ASSET_PARTITION_RANGE_END_TAG]
    if PARTITION_NAME_TAG in tags:
        return tags[PARTITION_NAME_TAG], tags[PARTITION_NAME_TAG]
    return None


def run_week_range(tags: Mapping[str, str]) -> tuple[date, date] | None:
    """(first Monday, last Monday) of a run, or None for an unpartitioned run."""
    keys = run_partition_keys(tags)
    if keys is None:
        return None
    return week_for_partition_key(keys[0]), week_for_partition_key(keys[1])


def partition_range_tags(first_key: str, last_key: str) -> dict[str, str]:
    """Run tags for one run over the partitions [first_key, last_key]."""
    return {ASSET_PARTITION_RANGE_START_TAG: first_key, ASSET_PARTITION_RANGE_END_TAG: last_key}


def run_as_of(tags: Mapping[str, str]) -> datetime:
    """The run's `now`: its as-of tag (ISO-8601 with offset) or the clock."""
    given = tags.get(AS_OF_TAG)
    return datetime.fromisoformat(given) if given else datetime.now(UTC)
