"""The Wednesday mail as rendered: what it says and in which language, the same
bytes every time (delivery from a published copy: tests/e2e/test_mail.py)."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest

from orchestration.serve.mail import (
    MailSettings,
    Notification,
    Outlook,
    SellerWeek,
    TrajectoryOutlook,
    render,
    weeks_to_mail,
)

STRIKE = Notification("FULFILMENT", "STRIKE", 0.925, ">=", 0.93, 3, "TEMPORARY_CLOSURE", "strike")
REVIEWS = Notification("REVIEWS", "MAIL", 7.4, ">=", 8.0, None, None, "improvement needed")


def seller_week(country: str, *notifications: Notification, name: str = "Boekenhoek"):
    return SellerWeek(
        "S1", name, country, date(2026, 3, 2), notifications or (STRIKE, REVIEWS), "OPEN", 5, 0
    )


def parts(message_bytes: bytes) -> tuple:
    message = message_from_bytes(message_bytes, policy=default_policy)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return message, text, html


def settings(tmp_path: Path, **smtp) -> MailSettings:
    return MailSettings(outbox=tmp_path / "outbox", **smtp)


def test_a_dutch_seller_reads_dutch_and_a_belgian_seller_dutch_then_english(
    tmp_path: Path,
) -> None:
    nl, nl_text, _ = parts(render(seller_week("NL"), settings(tmp_path)).as_bytes())
    assert nl["Content-Language"] == "nl"
    assert nl["Subject"] == "Strike voor Boekenhoek: servicenormen week 2026-W10"
    assert nl_text.startswith("Beste Boekenhoek,") and "Dear" not in nl_text
    be, be_text, be_html = parts(render(seller_week("BE"), settings(tmp_path)).as_bytes())
    assert be["Content-Language"] == "nl, en"
    assert be["Subject"] == (
        "Strike voor Boekenhoek: servicenormen week 2026-W10 / "
        "Strike for Boekenhoek: service norms week 2026-W10"
    )
    assert be_text.index("Beste Boekenhoek,") < be_text.index("Dear Boekenhoek,")
    assert '<section lang="nl">' in be_html and '<section lang="en">' in be_html


def test_the_mail_names_indicator_value_norm_and_trajectory_action_in_text_and_html(
    tmp_path: Path,
) -> None:
    _, text, html = parts(render(seller_week("NL"), settings(tmp_path)).as_bytes())
    for part in (text, html):
        assert "Op tijd geleverd" in part and "92,5 %" in part and "minimaal 93,0 %" in part
        assert "strike 5 van uw verbetertraject" in part
        assert "tijdelijke sluiting van uw winkel" in part
        assert "Gemiddeld reviewcijfer" in part and "7,4" in part and "minimaal 8,0" in part
    _, text, _ = parts(render(seller_week("XX"), settings(tmp_path)).as_bytes())
    assert "Delivered on time: 92.5% (norm at least 93.0%; strike, 3 incident(s))" in text


def test_a_mail_renders_to_the_same_bytes_every_time(tmp_path: Path) -> None:
    first = render(seller_week("BE"), settings(tmp_path)).as_bytes()
    assert render(seller_week("BE"), settings(tmp_path)).as_bytes() == first
    message = message_from_bytes(first, policy=default_policy)
    assert message["Message-ID"] == "<2026-W10.S1@marketplace.invalid>"
    assert message["Date"] == "Wed, 11 Mar 2026 06:00:00 +0100"  # the week's cut-off
    other = render(seller_week("BE", REVIEWS), settings(tmp_path)).as_bytes()
    assert other != first


def test_a_shop_name_is_escaped_in_the_html(tmp_path: Path) -> None:
    mail = seller_week("NL", name="<b>A&B</b>")
    _, _, html = parts(render(mail, settings(tmp_path)).as_bytes())
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in html and "<b>A&B" not in html


def test_a_run_mails_its_weeks_from_the_last_mailed_week_on_never_history() -> None:
    w = [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert weeks_to_mail(w, None) == [w[2]]  # a first build mails only its last week
    assert weeks_to_mail([w[1]], w[0]) == [w[1]]  # the next Wednesday
    assert weeks_to_mail(w, w[0]) == w  # a catch-up after missed Wednesdays
    assert weeks_to_mail([w[0]], w[2]) == []  # a re-run of an old week
    assert weeks_to_mail([w[2]], w[2]) == [w[2]]  # the same week again: late additions only


def test_mail_settings_come_from_the_environment_and_reject_bad_values(tmp_path: Path) -> None:
    found = MailSettings.from_env(
        tmp_path / "wh.duckdb",
        {"SERVICENORMS_SMTP_HOST": "mail.example", "SERVICENORMS_SMTP_PORT": "2525"},
    )
    assert (found.outbox, found.smtp_host, found.smtp_port) == (
        tmp_path / "outbox",
        "mail.example",
        2525,
    )
    with pytest.raises(ValueError, match="SERVICENORMS_SMTP_PORT"):
        MailSettings.from_env(tmp_path, {"SERVICENORMS_SMTP_PORT": "smtp"})
    with pytest.raises(ValueError, match="seller_id"):
        MailSettings.from_env(tmp_path, {"SERVICENORMS_MAIL_TO": "all@example.org"})


def test_what_it_takes_is_told_from_the_outlook_in_both_languages(tmp_path: Path) -> None:
    mail = SellerWeek(
        "S1",
        "Boekenhoek",
        "BE",
        date(2026, 3, 2),
        (STRIKE, REVIEWS),
        "OPEN",
        2,
        0,
        {"FULFILMENT": Outlook(0.9, 40, 2, 3), "REVIEWS": Outlook(7.4, None, None, None)},
        TrajectoryOutlook(3, 5, 24, 0.14),
    )
    _, text, html = parts(render(mail, settings(tmp_path)).as_bytes())
    for part in (text, html):
        assert (
            "van uw gebruikelijke 40 artikelen per week mogen er volgende week hoogstens 2 "
            "te laat geleverd worden" in part
        )
        assert "of your usual 40 items a week, at most 2 may be delivered late next week" in part
        assert "haalt de norm weer na 3 goede weken op rij" in part
        assert "back at the norm after 3 conforming weeks in a row" in part
        assert "Nog 3 strike(s) tot tijdelijke sluiting" in part
        assert "24 more weeks without a strike complete the trajectory" in part
        assert "Chance of a strike next week, from your last six weeks: 14%" in part
