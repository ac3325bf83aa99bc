"""The Wednesday mail from a published copy: the outbox, a real SMTP server on
127.0.0.1, and never twice for the same seller and week (what a mail says and in
which language: tests/unit/test_mail_rendering.py)."""

from __future__ import annotations

import sqlite3
from datetime import date
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import duckdb
from dagster import materialize
from loopback import SmtpSink, smtp_server

from orchestration.defs.mail_assets import MailResource, wednesday_mail
from orchestration.defs.resources import WarehouseResource
from orchestration.serve.mail import EVENTS, LEDGER, MailSettings, deliver
from orchestration.weeks import partition_range_tags

WEEK = date(2026, 9, 21)  # 2026-W39, the published demo's last week


def parts(message_bytes: bytes) -> tuple:
    message = message_from_bytes(message_bytes, policy=default_policy)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return message, text, html


def settings(tmp_path: Path, **smtp) -> MailSettings:
    return MailSettings(outbox=tmp_path / "outbox", **smtp)


def notified_sellers(published: Path, week: date) -> dict[str, set[str]]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(
            "select seller_id, indicator from marts.seller_notifications where week_start = ?",
            [week],
        ).fetchall()
    finally:
        con.close()
    out: dict[str, set[str]] = {}
    for seller, indicator in rows:
        out.setdefault(seller, set()).add(indicator)
    return out


def outbox_files(outbox: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((outbox / "2026-W39").glob("*.eml"))}


def test_the_weeks_mails_sit_in_the_outbox_one_per_notified_seller(
    published_demo: Path, tmp_path: Path
) -> None:
    expected = notified_sellers(published_demo, WEEK)
    assert len(expected) >= 3
    summary = deliver(published_demo, [WEEK], settings(tmp_path))
    assert (summary.written, summary.sent, summary.weeks) == (len(expected), 0, [WEEK])
    files = outbox_files(tmp_path / "outbox")
    assert sorted(files) == sorted(f"{s}.eml" for s in expected)
    for seller, indicators in expected.items():
        message, text, html = parts(files[f"{seller}.eml"])
        assert message["X-Servicenorms-Seller"] == seller
        assert message["To"] == f"seller-{seller}@sellers.invalid"
        assert text and html and len(text.splitlines()) > len(indicators)


def test_a_week_run_again_writes_no_mail_twice(published_demo: Path, tmp_path: Path) -> None:
    deliver(published_demo, [WEEK], settings(tmp_path))
    before = outbox_files(tmp_path / "outbox")
    (tmp_path / "outbox" / "2026-W39" / sorted(before)[0]).unlink()  # even a removed file
    again = deliver(published_demo, [WEEK], settings(tmp_path))
    assert (again.written, again.already_on_record) == (0, len(before))
    assert len(outbox_files(tmp_path / "outbox")) == len(before) - 1
    # A re-run of an older week afterwards mails nothing.
    assert deliver(published_demo, [date(2026, 9, 14)], settings(tmp_path)).weeks == []


def test_mails_reach_an_smtp_server_once_across_runs(published_demo: Path, tmp_path: Path) -> None:
    sink = SmtpSink()
    with smtp_server(sink) as port:
        smtp = settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port)
        first = deliver(published_demo, [WEEK], smtp)
        second = deliver(published_demo, [WEEK], smtp)
    files = outbox_files(tmp_path / "outbox")
    assert first.sent == len(files) == len(sink.messages) > 0
    assert (second.written, second.sent) == (0, 0)
    received = {parts(m)[0]["Message-ID"]: m for m in sink.messages}
    for data in files.values():
        message, text, _ = parts(data)
        assert parts(received[message["Message-ID"]])[1] == text
        assert [message["To"]] in sink.recipients


def test_a_refused_mail_is_sent_by_the_next_run_once_the_server_accepts(
    published_demo: Path, tmp_path: Path
) -> None:
    refusing = SmtpSink(refuse=True)
    with smtp_server(refusing) as port:
        failed = deliver(
            published_demo, [WEEK], settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port)
        )
    assert failed.sent == 0 and len(failed.failed) == failed.written > 0
    accepting = SmtpSink()
    with smtp_server(accepting) as port:
        smtp = settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port)
        retried = deliver(published_demo, [date(2026, 9, 28)], smtp)  # next week's run
        deliver(published_demo, [date(2026, 9, 28)], smtp)
    # The next run sends its own week's mails and the refused ones, each once.
    assert retried.sent == failed.written + retried.written == len(accepting.messages)
    weeks = [parts(m)[0]["X-Servicenorms-Week"] for m in accepting.messages]
    assert weeks.count("2026-W39") == failed.written


def test_a_send_interrupted_after_its_claim_is_reported_and_never_repeated(
    published_demo: Path, tmp_path: Path
) -> None:
    deliver(published_demo, [WEEK], settings(tmp_path))  # written, not sent (no SMTP yet)
    ledger = tmp_path / "outbox" / LEDGER
    con = sqlite3.connect(ledger)
    (seller,) = con.execute("select min(seller_id) from mails").fetchone()
    # A run that crashed between handing this mail to the server and recording it.
    con.execute("update mails set status = 'sending' where seller_id = ?", [seller])
    con.commit()
    con.close()
    sink = SmtpSink()
    with smtp_server(sink) as port:
        summary = deliver(
            published_demo, [WEEK], settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port)
        )
    assert summary.interrupted == [f"{seller} {WEEK}"]
    assert seller not in {parts(m)[0]["X-Servicenorms-Seller"] for m in sink.messages}
    assert summary.sent == len(sink.messages) == len(outbox_files(tmp_path / "outbox")) - 1


def test_an_unreachable_smtp_server_fails_the_sends_not_the_run(
    published_demo: Path, tmp_path: Path
) -> None:
    import socket

    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    summary = deliver(
        published_demo, [WEEK], settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    )
    assert summary.sent == 0 and len(summary.failed) == summary.written > 0


def test_the_mail_asset_mails_the_runs_last_published_week(
    published_demo: Path, tmp_path: Path
) -> None:
    warehouse = published_demo.parent.parent / "servicenorms.duckdb"
    resources = {
        "warehouse": WarehouseResource(
            landing_dir=str(tmp_path),
            warehouse_path=str(warehouse),
            published_path=str(published_demo),
        ),
        "mail": MailResource.from_settings(settings(tmp_path)),
    }
    result = materialize(
        [wednesday_mail],
        resources=resources,
        # A run reaching past the platform's last measured week (2026-W39).
        tags=partition_range_tags("2026-09-14", "2026-10-12"),
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("wednesday_mail")
    assert materialization.metadata["weeks"].value == "2026-W39"
    assert materialization.metadata["written"].value == len(notified_sellers(published_demo, WEEK))


def test_the_weeks_mails_say_what_it_takes_from_the_published_outlook(
    published_demo: Path, tmp_path: Path
) -> None:
    con = duckdb.connect(str(published_demo), read_only=True)
    try:
        seller, indicator, volume, allowed = con.execute(
            """
            select n.seller_id, n.indicator, o.median_weekly_denominator,
                   o.allowed_failures_next_week
            from marts.seller_notifications as n
            join marts.seller_outlook as o using (seller_id, week_start, indicator)
            where n.week_start = ? and o.allowed_failures_next_week is not null
            order by all limit 1
            """,
            [WEEK],
        ).fetchone()
    finally:
        con.close()
    deliver(published_demo, [WEEK], settings(tmp_path))
    _, text, _ = parts((tmp_path / "outbox" / "2026-W39" / f"{seller}.eml").read_bytes())
    events, failing = EVENTS["nl"][indicator]
    # Every demo seller is NL or BE: the Dutch text is always there.
    assert (
        f"van uw gebruikelijke {volume} {events} per week mogen er volgende week "
        f"hoogstens {allowed} {failing}" in text
    )
