"""The Wednesday mail: one email per seller and week, written to an outbox and,
with an SMTP host configured, sent, never twice for the same seller and week.

What a mail says comes from the published marts: the week's rows of
`seller_notifications` (indicator, value, norm, STRIKE or MAIL, the trajectory
action), the seller's `seller_trajectory_weeks` row (where the trajectory
stands) and, for the latest finalised week, `seller_outlook` (what it takes:
how many of next week's events may fail, how many good weeks bring the
six-week score back to the norm, strikes left before closure, the chance of a
strike next week). Language by the seller's country (LANGUAGES): Dutch for NL; Dutch with
English below it for BE, whose sellers write Dutch, French or German and whom
the warehouse cannot tell apart (English is the marketplace's second language
for sellers); English for any other country.

The record of what was written and sent is a small SQLite database in the
outbox (`mail_ledger.sqlite`), beside the mails: it outlives a rebuilt
warehouse, so rebuilding never mails a week again. A mail is claimed
(`sending`) before it is handed to the SMTP server and marked `sent` after: a
send that failed (the server refused, or could not be reached) is retried by the
next run, a send interrupted in between is not (it may have gone out) and is
reported instead. At most once, as promised.

Mails are byte-identical for the same marts (Date is the week's cut-off,
Message-ID and MIME boundary derive from seller and week), so a re-rendered
mail can be compared with the one in the outbox.
"""

from __future__ import annotations

import hashlib
import html
import os
import smtplib
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from itertools import groupby
from pathlib import Path

import duckdb

from orchestration.atomic_files import write_bytes
from orchestration.serve.retailer_v10 import seller_file_name
from orchestration.weeks import iso_week_key, measurement_cutoff

OUTBOX_ENV = "SERVICENORMS_OUTBOX"
SMTP_HOST_ENV = "SERVICENORMS_SMTP_HOST"
SMTP_PORT_ENV = "SERVICENORMS_SMTP_PORT"
SMTP_USER_ENV = "SERVICENORMS_SMTP_USER"
SMTP_PASSWORD_ENV = "SERVICENORMS_SMTP_PASSWORD"
SMTP_STARTTLS_ENV = "SERVICENORMS_SMTP_STARTTLS"
MAIL_FROM_ENV = "SERVICENORMS_MAIL_FROM"
MAIL_TO_ENV = "SERVICENORMS_MAIL_TO"
LEDGER = "mail_ledger.sqlite"
DEFAULT_FROM = "Service norms <servicenorms@marketplace.invalid>"
# The landing contract carries no seller address: the marketplace maps the seller
# id to one (a template, or its relay). `.invalid` can never reach anybody.
DEFAULT_TO = "seller-{seller_id}@sellers.invalid"

LANGUAGES: dict[str, tuple[str, ...]] = {"NL": ("nl",), "BE": ("nl", "en")}
DEFAULT_LANGUAGES = ("en",)


@dataclass(frozen=True)
class MailSettings:
    outbox: Path
    sender: str = DEFAULT_FROM
    recipient_template: str = DEFAULT_TO
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False

    @classmethod
    def from_env(cls, warehouse: Path, env: dict | None = None) -> MailSettings:
        """From SERVICENORMS_OUTBOX (default: `outbox/` beside the warehouse),
        SERVICENORMS_MAIL_FROM / _MAIL_TO (a template with `{seller_id}`) and
        SERVICENORMS_SMTP_HOST / _PORT / _USER / _PASSWORD / _STARTTLS (1 or true)."""
        env = os.environ if env is None else env
        port = env.get(SMTP_PORT_ENV) or "25"
        if not port.isdigit():
            raise ValueError(f"{SMTP_PORT_ENV}={port!r} is not a port number")
        template = env.get(MAIL_TO_ENV) or DEFAULT_TO
        if "{seller_id}" not in template:
            raise ValueError(f"{MAIL_TO_ENV}={template!r} must contain {{seller_id}}")
        return cls(
            outbox=Path(env.get(OUTBOX_ENV) or Path(warehouse).resolve().parent / "outbox"),
            sender=env.get(MAIL_FROM_ENV) or DEFAULT_FROM,
            recipient_template=template,
            smtp_host=env.get(SMTP_HOST_ENV) or None,
            smtp_port=int(port),
            smtp_user=env.get(SMTP_USER_ENV) or None,
            smtp_password=env.get(SMTP_PASSWORD_ENV) or None,
            smtp_starttls=(env.get(SMTP_STARTTLS_ENV) or "").lower() in ("1", "true", "yes"),
        )


# --- what a mail says -------------------------------------------------------------

INDICATOR_NAMES = {
    "nl": {
        "FULFILMENT": "Op tijd geleverd",
        "HANDOVER": "Op tijd overgedragen aan de vervoerder (VVB)",
        "CANCELLATIONS": "Annuleringen",
        "RESPONSE_TIME": "Klantvragen op tijd beantwoord",
        "TRACK_AND_TRACE": "Geldige track & trace",
        "PHONE_AVAILABILITY": "Telefonische bereikbaarheid",
        "CASE_ITEM_RATIO": "Klantvragen per artikel",
        "RETURNS": "Retouren",
        "REVIEWS": "Gemiddeld reviewcijfer",
        "NPS": "Net Promoter Score van de maand",
    },
    "en": {
        "FULFILMENT": "Delivered on time",
        "HANDOVER": "Handed over to the carrier on time (VVB)",
        "CANCELLATIONS": "Cancellations",
        "RESPONSE_TIME": "Customer questions answered in time",
        "TRACK_AND_TRACE": "Valid track & trace",
        "PHONE_AVAILABILITY": "Phone availability",
        "CASE_ITEM_RATIO": "Customer questions per item",
        "RETURNS": "Returns",
        "REVIEWS": "Average review grade",
        "NPS": "Net Promoter Score of the month",
    },
}

ACTIONS = {
    "nl": {
        "MAIL": "een waarschuwing per e-mail (deze mail)",
        "TEMPORARY_CLOSURE": "tijdelijke sluiting van uw winkel tot een verbeterplan is "
        "goedgekeurd",
        "FINAL_WARNING": "een laatste waarschuwing: de volgende strike sluit uw winkel",
        "DEFINITIVE_CLOSURE": "definitieve sluiting van uw winkel",
    },
    "en": {
        "MAIL": "a warning by e-mail (this mail)",
        "TEMPORARY_CLOSURE": "temporary closure of your shop until an improvement plan is approved",
        "FINAL_WARNING": "a final warning: the next strike closes your shop",
        "DEFINITIVE_CLOSURE": "definitive closure of your shop",
    },
}

REASONS = {
    "nl": {
        "strike": "strike",
        "improvement needed": "verbetering nodig",
        "improvement needed (fewer than 25 responses)": "verbetering nodig (minder dan 25 "
        "antwoorden: nog niet betrouwbaar)",
        "no strike: GroeiStart": "geen strike: u zit nog in GroeiStart",
        "no strike: mitigating circumstance": "geen strike: verzachtende omstandigheid",
    },
    "en": {
        "strike": "strike",
        "improvement needed": "improvement needed",
        "improvement needed (fewer than 25 responses)": "improvement needed (fewer than 25 "
        "responses: not yet reliable)",
        "no strike: GroeiStart": "no strike: you are still in GroeiStart",
        "no strike: mitigating circumstance": "no strike: mitigating circumstance",
    },
}

TEXT = {
    "nl": {
        "subject_strike": "Strike voor {shop}: servicenormen week {week}",
        "subject_mail": "Servicenormen week {week}: aandachtspunten voor {shop}",
        "greeting": "Beste {shop},",
        "intro": "Dit is uw overzicht van de servicenormen over week {week} ({first} t/m {last}), "
        "definitief sinds {cutoff}.",
        "indicator": "Indicator",
        "value": "Uw score",
        "norm": "Norm",
        "status": "Status",
        "at_least": "minimaal",
        "at_most": "maximaal",
        "incidents": "{n} incident(en)",
        "strike_action": "Deze strike is strike {count} van uw verbetertraject en leidt tot: "
        "{action}.",
        "trajectory_open": "Uw verbetertraject telt {count} strike(s). Na 24 weken zonder strike "
        "is het traject afgerond; u heeft er nu {clean}.",
        "trajectory_closed": "Uw winkel is definitief gesloten.",
        "takes": "Wat ervoor nodig is: van uw gebruikelijke {volume} {events} per week mogen er "
        "volgende week hoogstens {allowed} {failing}.",
        "back": "Uw zesweekse score ({value}) haalt de norm weer na {weeks} goede {weeks_word} "
        "op rij.",
        "meets": "Uw zesweekse score ({value}) voldoet aan de norm.",
        "week": "week",
        "weeks": "weken",
        "what_it_takes": "Wat ervoor nodig is",
        "trajectory_count": "Uw verbetertraject telt {count} strike(s).",
        "until_temporary": "Nog {n} strike(s) tot tijdelijke sluiting van uw winkel.",
        "until_definitive": "Nog {n} strike(s) tot definitieve sluiting.",
        "to_complete": "Na nog {n} weken zonder strike is het traject afgerond.",
        "risk": "Kans op een strike volgende week, naar uw laatste zes weken: {p}.",
        "closing": "Met vriendelijke groet,\nPartnerservice",
    },
    "en": {
        "subject_strike": "Strike for {shop}: service norms week {week}",
        "subject_mail": "Service norms week {week}: points to improve for {shop}",
        "greeting": "Dear {shop},",
        "intro": "This is your service norm summary for week {week} ({first} to {last}), "
        "final since {cutoff}.",
        "indicator": "Indicator",
        "value": "Your score",
        "norm": "Norm",
        "status": "Status",
        "at_least": "at least",
        "at_most": "at most",
        "incidents": "{n} incident(s)",
        "strike_action": "This strike is strike {count} of your improvement trajectory and "
        "leads to: {action}.",
        "trajectory_open": "Your improvement trajectory counts {count} strike(s). After 24 weeks "
        "without a strike it is completed; you now have {clean}.",
        "trajectory_closed": "Your shop is closed for good.",
        "takes": "What it takes: of your usual {volume} {events} a week, at most {allowed} may "
        "{failing} next week.",
        "back": "Your six-week score ({value}) is back at the norm after {weeks} conforming "
        "{weeks_word} in a row.",
        "meets": "Your six-week score ({value}) meets the norm.",
        "week": "week",
        "weeks": "weeks",
        "what_it_takes": "What it takes",
        "trajectory_count": "Your improvement trajectory counts {count} strike(s).",
        "until_temporary": "{n} more strike(s) until the temporary closure of your shop.",
        "until_definitive": "{n} more strike(s) until the definitive closure.",
        "to_complete": "{n} more weeks without a strike complete the trajectory.",
        "risk": "Chance of a strike next week, from your last six weeks: {p}.",
        "closing": "Kind regards,\nPartner service",
    },
}

# What a week's events are, and what failing means, for "what it takes".
EVENTS = {
    "nl": {
        "FULFILMENT": ("artikelen", "te laat geleverd worden"),
        "HANDOVER": ("artikelen", "te laat overgedragen worden"),
        "CANCELLATIONS": ("bestelde artikelen", "geannuleerd worden"),
        "RESPONSE_TIME": ("klantvragen", "te laat beantwoord worden"),
        "TRACK_AND_TRACE": ("pakketten", "zonder geldige track & trace verstuurd worden"),
        "PHONE_AVAILABILITY": ("telefoontjes", "onbeantwoord blijven"),
        "CASE_ITEM_RATIO": ("bestelde artikelen", "tot een klantvraag leiden"),
        "RETURNS": ("bestelde artikelen", "geretourneerd worden"),
    },
    "en": {
        "FULFILMENT": ("items", "be delivered late"),
        "HANDOVER": ("items", "be handed over late"),
        "CANCELLATIONS": ("items ordered", "be cancelled"),
        "RESPONSE_TIME": ("customer questions", "be answered late"),
        "TRACK_AND_TRACE": ("parcels", "go without a valid track & trace code"),
        "PHONE_AVAILABILITY": ("calls", "go unanswered"),
        "CASE_ITEM_RATIO": ("items ordered", "lead to a customer question"),
        "RETURNS": ("items ordered", "be returned"),
    },
}

RATIO_INDICATORS = frozenset(
    {
        "FULFILMENT",
        "HANDOVER",
        "CANCELLATIONS",
        "RESPONSE_TIME",
        "TRACK_AND_TRACE",
        "PHONE_AVAILABILITY",
        "CASE_ITEM_RATIO",
        "RETURNS",
    }
)


@dataclass(frozen=True)
class Notification:
    indicator: str
    notification_type: str  # STRIKE or MAIL
    value: float
    norm_condition: str
    norm_value: float
    incident_count: int | None
    trajectory_action: str | None
    reason: str


@dataclass(frozen=True)
class Outlook:
    """What it takes, for one indicator (marts.seller_outlook of the mail's week)."""

    value_6w: float
    median_weekly_denominator: int | None
    allowed_failures_next_week: int | None
    conforming_weeks_to_norm: int | None


@dataclass(frozen=True)
class TrajectoryOutlook:
    """How far the trajectory is from closure or completion (marts.seller_outlook)."""

    strikes_until_temporary_closure: int | None
    strikes_until_definitive_closure: int | None
    clean_weeks_to_complete: int | None
    strike_risk_next_week: float | None


@dataclass(frozen=True)
class SellerWeek:
    """Everything one mail says."""

    seller_id: str
    display_name: str | None
    country: str | None
    week_start: date
    notifications: tuple[Notification, ...]
    trajectory_status: str | None = None
    trajectory_strike_count: int | None = None
    consecutive_clean_weeks: int | None = None
    # Present when the mail's week is the outlook's (the latest finalised week).
    outlook: dict[str, Outlook] = field(default_factory=dict)
    trajectory_outlook: TrajectoryOutlook | None = None

    @property
    def shop(self) -> str:
        return self.display_name or self.seller_id

    @property
    def languages(self) -> tuple[str, ...]:
        return LANGUAGES.get(self.country or "", DEFAULT_LANGUAGES)

    @property
    def has_strike(self) -> bool:
        return any(n.notification_type == "STRIKE" for n in self.notifications)


def _number(value: float, language: str, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if language == "nl" else text


def format_value(indicator: str, value: float, language: str) -> str:
    """92,5 % / 92.5% for ratios; a grade with one decimal; NPS as a whole number."""
    if indicator in RATIO_INDICATORS:
        percent = _number(100 * value, language, 1)
        return f"{percent} %" if language == "nl" else f"{percent}%"
    if indicator == "NPS":
        return _number(value, language, 0)
    return _number(value, language, 1)


def format_norm(n: Notification, language: str) -> str:
    words = TEXT[language]["at_least" if n.norm_condition == ">=" else "at_most"]
    return f"{words} {format_value(n.indicator, n.norm_value, language)}"


def _status(n: Notification, language: str) -> str:
    reason = REASONS[language].get(n.reason, n.reason)
    if n.incident_count is not None:
        reason += ", " + TEXT[language]["incidents"].format(n=n.incident_count)
    return reason


def _week_facts(mail: SellerWeek, language: str) -> dict[str, str]:
    first = mail.week_start
    last = date.fromordinal(first.toordinal() + 6)
    cutoff = measurement_cutoff(first)
    return {
        "shop": mail.shop,
        "week": iso_week_key(first),
        "first": first.isoformat(),
        "last": last.isoformat(),
        "cutoff": cutoff.strftime("%Y-%m-%d %H:%M"),
    }


def what_it_takes(mail: SellerWeek, n: Notification, language: str) -> list[str]:
    """Next week's allowed failures and the weeks back to the norm, from the outlook."""
    outlook = mail.outlook.get(n.indicator)
    if outlook is None:
        return []
    text, lines = TEXT[language], []
    events = EVENTS[language].get(n.indicator)
    if events and outlook.allowed_failures_next_week is not None:
        lines.append(
            text["takes"].format(
                volume=outlook.median_weekly_denominator,
                events=events[0],
                allowed=outlook.allowed_failures_next_week,
                failing=events[1],
            )
        )
    value = format_value(n.indicator, outlook.value_6w, language)
    weeks = outlook.conforming_weeks_to_norm
    if weeks == 0:
        lines.append(text["meets"].format(value=value))
    elif weeks is not None:
        word = text["week"] if weeks == 1 else text["weeks"]
        lines.append(text["back"].format(value=value, weeks=weeks, weeks_word=word))
    return lines


def _percent(p: float, language: str) -> str:
    if p < 0.005:
        return "< 1 %" if language == "nl" else "< 1%"
    return f"{100 * p:.0f} %" if language == "nl" else f"{100 * p:.0f}%"


def _trajectory_lines(mail: SellerWeek, language: str) -> list[str]:
    text = TEXT[language]
    lines = []
    for n in mail.notifications:
        if n.notification_type == "STRIKE" and n.trajectory_action:
            lines.append(
                text["strike_action"].format(
                    count=mail.trajectory_strike_count,
                    action=ACTIONS[language].get(n.trajectory_action, n.trajectory_action),
                )
            )
            break
    outlook = mail.trajectory_outlook
    if mail.trajectory_status == "CLOSED":
        lines.append(text["trajectory_closed"])
    elif mail.trajectory_status == "OPEN" and outlook is None:
        lines.append(
            text["trajectory_open"].format(
                count=mail.trajectory_strike_count, clean=mail.consecutive_clean_weeks
            )
        )
    elif mail.trajectory_status == "OPEN":
        if not lines:  # a strike's line already gave the count
            lines.append(text["trajectory_count"].format(count=mail.trajectory_strike_count))
        for key, n in (
            ("until_temporary", outlook.strikes_until_temporary_closure),
            ("until_definitive", outlook.strikes_until_definitive_closure),
            ("to_complete", outlook.clean_weeks_to_complete),
        ):
            if n is not None:
                lines.append(text[key].format(n=n))
    if outlook is not None and outlook.strike_risk_next_week and mail.trajectory_status != "CLOSED":
        lines.append(text["risk"].format(p=_percent(outlook.strike_risk_next_week, language)))
    return lines


def subject(mail: SellerWeek) -> str:
    key = "subject_strike" if mail.has_strike else "subject_mail"
    return " / ".join(TEXT[lang][key].format(**_week_facts(mail, lang)) for lang in mail.languages)


def plain_text(mail: SellerWeek) -> str:
    parts = []
    for language in mail.languages:
        text, facts = TEXT[language], _week_facts(mail, language)
        lines = [text["greeting"].format(**facts), "", text["intro"].format(**facts), ""]
        for n in mail.notifications:
            name = INDICATOR_NAMES[language].get(n.indicator, n.indicator)
            marker = "STRIKE" if n.notification_type == "STRIKE" else "-"
            lines.append(
                f"{marker} {name}: {format_value(n.indicator, n.value, language)} "
                f"({text['norm'].lower()} {format_norm(n, language)}; {_status(n, language)})"
            )
            lines += [f"  {line}" for line in what_it_takes(mail, n, language)]
        trajectory = _trajectory_lines(mail, language)
        if trajectory:
            lines += ["", *trajectory]
        lines += ["", text["closing"]]
        parts.append("\n".join(lines))
    return "\n\n-----\n\n".join(parts) + "\n"


def html_text(mail: SellerWeek) -> str:
    e = html.escape
    sections = []
    for language in mail.languages:
        text, facts = TEXT[language], _week_facts(mail, language)
        rows = "".join(
            "<tr{style}><td>{name}</td><td>{value}</td><td>{norm}</td><td>{status}</td>"
            "<td>{takes}</td></tr>".format(
                style=' style="color:#b00020"' if n.notification_type == "STRIKE" else "",
                name=e(INDICATOR_NAMES[language].get(n.indicator, n.indicator)),
                value=e(format_value(n.indicator, n.value, language)),
                norm=e(format_norm(n, language)),
                status=e(_status(n, language)),
                takes="<br>".join(e(line) for line in what_it_takes(mail, n, language)),
            )
            for n in mail.notifications
        )
        trajectory = "".join(f"<p>{e(line)}</p>" for line in _trajectory_lines(mail, language))
        closing = "<br>".join(e(line) for line in text["closing"].splitlines())
        sections.append(
            f'<section lang="{language}">'
            f"<p>{e(text['greeting'].format(**facts))}</p>"
            f"<p>{e(text['intro'].format(**facts))}</p>"
            '<table border="1" cellpadding="4" cellspacing="0">'
            f"<tr><th>{e(text['indicator'])}</th><th>{e(text['value'])}</th>"
            f"<th>{e(text['norm'])}</th><th>{e(text['status'])}</th>"
            f"<th>{e(text['what_it_takes'])}</th></tr>"
            f"{rows}</table>{trajectory}<p>{closing}</p></section>"
        )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        + "<hr>".join(sections)
        + "</body></html>\n"
    )


def message_id(mail: SellerWeek, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1].rstrip(">").strip() or "localhost"
    return f"<{iso_week_key(mail.week_start)}.{seller_file_name(mail.seller_id)[:-5]}@{domain}>"


def render(mail: SellerWeek, settings: MailSettings) -> EmailMessage:
    """The mail as a multipart/alternative message (plain text and HTML)."""
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = settings.sender
    message["To"] = settings.recipient_template.format(seller_id=mail.seller_id)
    message["Subject"] = subject(mail)
    message["Date"] = format_datetime(measurement_cutoff(mail.week_start))
    message["Message-ID"] = message_id(mail, settings.sender)
    message["X-Servicenorms-Seller"] = mail.seller_id
    message["X-Servicenorms-Week"] = iso_week_key(mail.week_start)
    message.set_content(plain_text(mail), cte="quoted-printable")
    message.add_alternative(html_text(mail), subtype="html", cte="quoted-printable")
    # After the parts exist: making the message multipart moves Content-* headers.
    message["Content-Language"] = ", ".join(mail.languages)
    # A boundary from the content instead of a random one: the same mail, the same bytes.
    digest = hashlib.sha256(plain_text(mail).encode() + html_text(mail).encode()).hexdigest()
    message.set_boundary(f"=_servicenorms_{digest[:32]}")
    return message


# --- reading the week from the published marts ------------------------------------


def read_week(published: Path, week_start: date) -> list[SellerWeek]:
    """Every seller with notifications in the week, with its trajectory row."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(
            """
            select n.seller_id, n.display_name, n.country, n.indicator, n.notification_type,
                   n.value, n.norm_condition, n.norm_value, n.incident_count,
                   n.trajectory_action, n.reason,
                   t.trajectory_status, t.trajectory_strike_count, t.consecutive_clean_weeks
            from marts.seller_notifications as n
            left join marts.seller_trajectory_weeks as t
                on t.seller_id = n.seller_id and t.week_start = n.week_start
            where n.week_start = ?
            order by n.seller_id, n.notification_type desc, n.indicator
            """,
            [week_start],
        ).fetchall()
    finally:
        con.close()
    outlook, trajectory = _read_outlook(published, week_start)
    mails = []
    for seller, group in groupby(rows, key=lambda row: row[0]):
        group = list(group)
        first = group[0]
        mails.append(
            SellerWeek(
                seller_id=seller,
                display_name=first[1],
                country=first[2],
                week_start=week_start,
                notifications=tuple(Notification(*row[3:11]) for row in group),
                trajectory_status=first[11],
                trajectory_strike_count=first[12],
                consecutive_clean_weeks=first[13],
                outlook=outlook.get(seller, {}),
                trajectory_outlook=trajectory.get(seller),
            )
        )
    return mails


def _read_outlook(
    published: Path, week_start: date
) -> tuple[dict[str, dict[str, Outlook]], dict[str, TrajectoryOutlook]]:
    """marts.seller_outlook when it is as of the mail's week (it holds only the
    latest finalised week): per seller, per indicator and for the trajectory."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(
            """
            select seller_id, indicator, value_6w, median_weekly_denominator,
                   allowed_failures_next_week, conforming_weeks_to_norm,
                   strikes_until_temporary_closure, strikes_until_definitive_closure,
                   clean_weeks_to_complete, seller_strike_risk_next_week
            from marts.seller_outlook
            where week_start = ?
            order by seller_id, indicator
            """,
            [week_start],
        ).fetchall()
    finally:
        con.close()
    per_indicator: dict[str, dict[str, Outlook]] = {}
    trajectory: dict[str, TrajectoryOutlook] = {}
    for seller, indicator, *figures in rows:
        per_indicator.setdefault(seller, {})[indicator] = Outlook(*figures[:4])
        trajectory[seller] = TrajectoryOutlook(*figures[4:])
    return per_indicator, trajectory


def last_published_week(published: Path) -> date | None:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute("select max(week_start) from marts.platform_week_summary").fetchone()[0]
    finally:
        con.close()


# --- the ledger, the outbox and SMTP ----------------------------------------------


class Ledger:
    """What was written and sent, per seller and week (SQLite, in the outbox)."""

    def __init__(self, outbox: Path):
        outbox.mkdir(parents=True, exist_ok=True)
        self.path = outbox / LEDGER
        with closing(self._connect()) as con, con:
            con.execute(
                "create table if not exists mails (seller_id text not null, "
                "week_start text not null, message_id text not null, file text not null, "
                "status text not null check (status in ('written', 'sending', 'sent', "
                "'failed')), written_at text not null, sent_at text, error text, "
                "primary key (seller_id, week_start))"
            )
            con.execute(
                "create table if not exists weeks (week_start text primary key, "
                "mailed_at text not null)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def latest_week(self) -> date | None:
        with closing(self._connect()) as con:
            value = con.execute("select max(week_start) from weeks").fetchone()[0]
        return date.fromisoformat(value) if value else None

    def known(self, week_start: date) -> set[str]:
        with closing(self._connect()) as con:
            return {
                r[0]
                for r in con.execute(
                    "select seller_id from mails where week_start = ?", [week_start.isoformat()]
                )
            }

    def record_written(self, mail: SellerWeek, message: EmailMessage, file: Path, now: str) -> None:
        with closing(self._connect()) as con, con:
            con.execute(
                "insert into mails (seller_id, week_start, message_id, file, status, written_at) "
                "values (?, ?, ?, ?, 'written', ?)",
                [
                    mail.seller_id,
                    mail.week_start.isoformat(),
                    message["Message-ID"],
                    str(file),
                    now,
                ],
            )

    def record_week(self, week_start: date, now: str) -> None:
        with closing(self._connect()) as con, con:
            con.execute("insert or ignore into weeks values (?, ?)", [week_start.isoformat(), now])

    def to_send(self, weeks: Iterable[date]) -> list[tuple[str, str, str]]:
        """(seller, week, file) of the mails of these weeks written but not sent yet,
        and of every week's mails whose send failed."""
        wanted = [w.isoformat() for w in weeks]
        marks = ",".join("?" * len(wanted)) or "null"
        with closing(self._connect()) as con:
            return con.execute(
                "select seller_id, week_start, file from mails "
                f"where (status = 'written' and week_start in ({marks})) or status = 'failed' "
                "order by week_start, seller_id",
                wanted,
            ).fetchall()

    def set_status(
        self, seller: str, week: str, status: str, now: str, error: str | None = None
    ) -> None:
        with closing(self._connect()) as con, con:
            con.execute(
                "update mails set status = ?, sent_at = case when ? = 'sent' then ? "
                "else sent_at end, error = ? where seller_id = ? and week_start = ?",
                [status, status, now, error, seller, week],
            )

    def interrupted(self) -> list[tuple[str, str]]:
        with closing(self._connect()) as con:
            return con.execute(
                "select seller_id, week_start from mails where status = 'sending' order by 2, 1"
            ).fetchall()


@dataclass
class MailSummary:
    outbox: Path
    weeks: list[date] = field(default_factory=list)
    written: int = 0
    already_on_record: int = 0
    sent: int = 0
    failed: list[str] = field(default_factory=list)
    # Sends interrupted after the claim: never retried (they may have gone out).
    interrupted: list[str] = field(default_factory=list)


def weeks_to_mail(run_weeks: Sequence[date], latest_mailed: date | None) -> list[date]:
    """The weeks a run mails: its weeks from the latest week already mailed on
    (late additions to that week too; a catch-up after missed Wednesdays), but
    never history: with nothing mailed yet, only the run's last week."""
    if not run_weeks:
        return []
    if latest_mailed is None:
        return [max(run_weeks)]
    return sorted(w for w in set(run_weeks) if w >= latest_mailed)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def deliver(published: Path, run_weeks: Sequence[date], settings: MailSettings) -> MailSummary:
    """Write the mails of the weeks to mail (weeks_to_mail) to the outbox, once per
    seller and week, then send what is due when an SMTP host is configured."""
    ledger = Ledger(settings.outbox)
    summary = MailSummary(settings.outbox, weeks_to_mail(run_weeks, ledger.latest_week()))
    for week_start in summary.weeks:
        known = ledger.known(week_start)
        for mail in read_week(published, week_start):
            if mail.seller_id in known:
                summary.already_on_record += 1
                continue
            message = render(mail, settings)
            file = (
                settings.outbox
                / iso_week_key(week_start)
                / (seller_file_name(mail.seller_id)[:-5] + ".eml")
            )
            file.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(file, message.as_bytes())
            ledger.record_written(mail, message, file, _now())
            summary.written += 1
        ledger.record_week(week_start, _now())
    if settings.smtp_host:
        _send(ledger, summary, settings)
    summary.interrupted = [f"{s} {w}" for s, w in ledger.interrupted()]
    return summary


def _send(ledger: Ledger, summary: MailSummary, settings: MailSettings) -> None:
    """Send the due mails over one SMTP session. A refusal (an SMTP error reply) is
    `failed` and retried by the next run; a connection lost mid-send leaves the
    mail `sending` (it may have been accepted) and ends the session."""
    due = ledger.to_send(summary.weeks)
    if not due:
        return
    try:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
    except (smtplib.SMTPException, OSError) as exc:
        for seller, week, _ in due:
            ledger.set_status(seller, week, "failed", _now(), f"connecting: {exc}")
            summary.failed.append(f"{seller} {week}")
        return
    with smtp:
        for seller, week, file in due:
            message = message_from_bytes(Path(file).read_bytes(), policy=SMTP_POLICY)
            ledger.set_status(seller, week, "sending", _now())
            try:
                smtp.send_message(message)
            except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
                ledger.set_status(seller, week, "failed", _now(), str(exc))
                summary.failed.append(f"{seller} {week}")
                continue
            except (smtplib.SMTPServerDisconnected, OSError):
                break  # left `sending`: reported as interrupted, never sent again
            ledger.set_status(seller, week, "sent", _now())
            summary.sent += 1
