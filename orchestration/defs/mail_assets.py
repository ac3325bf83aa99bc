"""The Wednesday mail as a Dagster asset, after the published copy (orchestration/serve/mail.py)."""


from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    ConfigurableResource,
    EnvVar,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.defs.assets import PUBLISHED_MARTS
from orchestration.defs.resources import WarehouseResource
from orchestration.serve.mail import SMTP_PASSWORD_ENV, MailSettings, deliver, last_published_week
from orchestration.weeks import iso_week_key, run_week_range

WEDNESDAY_MAIL = AssetKey("wednesday_mail")


class MailResource(ConfigurableResource):
    """Where the mails go: the outbox folder and, when a host is set, the SMTP server."""

    outbox_dir: str
    sender: str
    recipient_template: str
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False

    @classmethod
    def from_settings(cls, settings: MailSettings) -> "MailResource":
        return cls(
            outbox_dir=str(settings.outbox),
            sender=settings.sender,
            recipient_template=settings.recipient_template,
            smtp_host=settings.smtp_host,
            smtp_port=settings.smtp_port,
            smtp_user=settings.smtp_user,
            # Read from the environment when the asset runs, never shown as a value.
            smtp_password=EnvVar(SMTP_PASSWORD_ENV) if settings.smtp_password else None,
            smtp_starttls=settings.smtp_starttls,
        )

    def settings(self) -> MailSettings:
        return MailSettings(
            outbox=Path(self.outbox_dir),
            sender=self.sender,
            recipient_template=self.recipient_template,
            smtp_host=self.smtp_host,
            smtp_port=self.smtp_port,
            smtp_user=self.smtp_user,
            smtp_password=self.smtp_password,
            smtp_starttls=self.smtp_starttls,
        )


def _run_weeks(context: AssetExecutionContext, warehouse: WarehouseResource) -> list[date]:
    """The Mondays of the run's weeks up to the last published week (a run past
    the platform's last measured week has nothing to tell about the weeks after
    it); for a run without partitions, the last published week."""
    published = last_published_week(warehouse.published)
    if published is None:
        return []
    weeks = run_week_range(context)
    if weeks is None:
        return [published]
    first, last = weeks
    every = [first + timedelta(days=7 * n) for n in range((last - first).days // 7 + 1)]
    return [week for week in every if week <= published]


@asset(
    key=WEDNESDAY_MAIL,
    deps=[PUBLISHED_MARTS],
    group_name="mail",
    description=(
        "The Wednesday mail: one email per seller with notifications in the run's week "
        "(plain text and HTML, Dutch and English by the seller's country), written to the "
        "outbox as .eml and sent when an SMTP host is configured; never twice for the same "
        "seller and week (the outbox's mail_ledger.sqlite)."
    ),
)
def wednesday_mail(
    context: AssetExecutionContext, warehouse: WarehouseResource, mail: MailResource
) -> MaterializeResult:
    summary = deliver(warehouse.published, _run_weeks(context, warehouse), mail.settings())
    weeks = ", ".join(iso_week_key(w) for w in summary.weeks) or "none"
    line = (
        f"{summary.written} mail(s) of week(s) {weeks} written to {summary.outbox}"
        + (f", {summary.sent} sent" if mail.smtp_host else " (no SMTP host: not sent)")
        + (f", {summary.already_on_record} already on record" if summary.already_on_record else "")
    )
    context.log.info(line)
    if summary.failed:
        context.log.warning(f"sending failed, retried next run: {', '.join(summary.failed)}")
    if summary.interrupted:
        context.log.warning(
            "sends interrupted after the claim (may have gone out, never sent again): "
            + ", ".join(summary.interrupted)
        )
    metadata: dict[str, Any] = {
        "summary": MetadataValue.text(line),
        "outbox": MetadataValue.path(str(summary.outbox)),
        "weeks": MetadataValue.text(weeks),
        "written": MetadataValue.int(summary.written),
        "sent": MetadataValue.int(summary.sent),
        "already_on_record": MetadataValue.int(summary.already_on_record),
        "failed": MetadataValue.int(len(summary.failed)),
        "interrupted": MetadataValue.int(len(summary.interrupted)),
    }
    return MaterializeResult(metadata=metadata)
