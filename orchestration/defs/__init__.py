"""The Dagster definitions: assets, checks, schedules, sensors and resources."""
