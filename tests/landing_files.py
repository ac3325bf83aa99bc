"""Small landing files the landing tests write on the fly: two sellers, two phone
calls, and `write` for any other file."""

from __future__ import annotations

from pathlib import Path

SELLERS_CSV = (
    "seller_id,display_name,country,registered_at\n"
    "S1,Shop One,NL,2025-01-01 10:00:00\n"
    "S2,,BE,2025-02-01T09:00:00+01:00\n"
)
CALLS_CSV = (
    "call_id,seller_id,started_at,answered\n"
    "PC1,S1,2026-03-02T10:00:00+00:00,true\n"
    "PC2,S1,2026-03-02T11:00:00+00:00,false\n"
)


def write(path: Path, text: str | bytes) -> Path:
    """Write `text` (UTF-8) or bytes at `path`, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_landing(root: Path, calls_csv: str = CALLS_CSV) -> Path:
    """A landing folder `root` with SELLERS_CSV as sellers/2026-W01.csv and `calls_csv`
    as phone_calls/2026-W10.csv."""
    write(root / "sellers" / "2026-W01.csv", SELLERS_CSV)
    write(root / "phone_calls" / "2026-W10.csv", calls_csv)
    return root
