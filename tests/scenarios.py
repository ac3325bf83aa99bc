"""Tiny hand-built landing data that exercises the rules of docs/SPEC.md.

`LandingBuilder` writes CSV landing files `<landing>/<entity>/<batch>.csv` whose
header is the contract columns of the entity in contract order; `None` is
written as an empty field (NULL) and timestamps are ISO-8601 with an explicit
offset. `build_all_scenarios` adds every scenario to one builder; each scenario
uses its own seller ids (and, where platform-wide ratios matter, its own
product groups), so one dbt build serves every test.

Times in the scenarios are written as Europe/Amsterdam wall-clock text
("2026-03-06 15:00") and converted with `local()`.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from orchestration.ingest.contract import ENTITIES

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# The last week the fixture builds; later than every scenario's activity.
BUILD_LAST_WEEK = date(2029, 1, 1)


def local(text: str) -> str:
    """'2026-03-06 15:00[:ss]' in Amsterdam wall-clock time -> ISO-8601 with its offset."""
    naive = datetime.fromisoformat(text)
    return naive.replace(tzinfo=AMSTERDAM).isoformat()


def utc(text: str) -> str:
    """'2026-03-07 23:30' in UTC -> ISO-8601 with offset +00:00."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("UTC")).isoformat()


def day(d: date | str, hh_mm: str = "10:00") -> str:
    """A local timestamp on day `d` at `hh_mm`."""
    return local(f"{d} {hh_mm}")


def monday(text: str) -> date:
    d = date.fromisoformat(text)
    assert d.isoweekday() == 1, f"{text} is not a Monday"
    return d


def weeks_after(week: date, n: int) -> date:
    return week + timedelta(days=7 * n)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class LandingBuilder:
    """Collects rows per (entity, batch) and writes them as contract CSV files."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
        self._counter = 0

    def next_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}-{self._counter:05d}"

    def add(self, entity: str, batch: str = "batch_001", **values: object) -> dict[str, object]:
        columns = ENTITIES[entity].column_names
        unknown = set(values) - set(columns)
        if unknown:
            raise KeyError(f"{entity}: not contract columns: {sorted(unknown)}")
        row = {c: values.get(c) for c in columns}
        self._rows[(entity, batch)].append(row)
        return row

    def write(self, landing: Path) -> list[Path]:
        written = []
        for (entity, batch), rows in sorted(self._rows.items()):
            folder = landing / entity
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{batch}.csv"
            columns = ENTITIES[entity].column_names
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(columns)
                for row in rows:
                    writer.writerow([_text(row[c]) for c in columns])
            written.append(path)
        return written

    # -- entities -------------------------------------------------------------

    def seller(self, seller_id: str, country: str = "NL") -> None:
        self.add(
            "sellers",
            seller_id=seller_id,
            display_name=f"Shop {seller_id}",
            country=country,
            registered_at=local("2015-06-01 12:00"),
        )

    def item(
        self,
        seller_id: str,
        *,
        ordered: str,
        promise: date | str,
        item_id: str | None = None,
        order_id: str | None = None,
        fulfilment: str = "FBR",
        shipping: str | None = "OWN",
        time_frame: str | None = "REGULAR",
        exact: date | str | None = None,
        product_group: str = "GEN",
        latest_handover_at: str | None = None,
        batch: str = "batch_001",
    ) -> str:
        item_id = item_id or self.next_id(f"{seller_id}-I")
        self.add(
            "order_items",
            batch=batch,
            order_item_id=item_id,
            order_id=order_id or f"O-{item_id}",
            seller_id=seller_id,
            ordered_at=ordered,
            product_group=product_group,
            ean=None,
            quantity=1,
            unit_price="10.00",
            fulfilment_method=fulfilment,
            shipping_method=None if fulfilment == "FBB" else shipping,
            time_frame_type=time_frame,
            latest_delivery_date=str(promise),
            exact_delivery_date=None if exact is None else str(exact),
            expiry_date=None,
            latest_handover_at=latest_handover_at,
        )
        return item_id

    def shipment(
        self,
        item_id: str,
        *,
        shipped: str,
        transporter: str,
        tnt: str | None = None,
        parcel_type: str = "PARCEL",
        handed_over: str | None = None,
        shipment_id: str | None = None,
    ) -> str:
        shipment_id = shipment_id or self.next_id("S")
        self.add(
            "shipments",
            shipment_id=shipment_id,
            order_item_id=item_id,
            shipped_at=shipped,
            transporter_code=transporter,
            track_and_trace=tnt,
            parcel_type=parcel_type,
            handed_over_at=handed_over,
        )
        return shipment_id

    def event(self, shipment_id: str, code: str, at: str) -> None:
        self.add("transport_events", shipment_id=shipment_id, event_code=code, event_at=at)

    def confirmation(self, item_id: str, answer: str | None, asked: str | None = None) -> None:
        self.add("delivery_confirmations", order_item_id=item_id, asked_at=asked, answer=answer)

    def cancellation(self, item_id: str, at: str, by: str, reason: str | None = "OTHER") -> None:
        self.add(
            "cancellations", order_item_id=item_id, cancelled_at=at, initiated_by=by,
            reason_code=reason,
        )

    def question(
        self,
        seller_id: str,
        *,
        created: str,
        response: str | None = None,
        item_id: str | None = None,
        case_id: str | None = None,
        batch: str = "batch_001",
    ) -> str:
        case_id = case_id or self.next_id(f"{seller_id}-Q")
        self.add(
            "customer_questions",
            batch=batch,
            case_id=case_id,
            seller_id=seller_id,
            order_item_id=item_id,
            created_at=created,
            first_response_at=response,
            forwarded_by_bol=False,
        )
        return case_id

    def call(self, seller_id: str, started: str, answered: bool) -> str:
        call_id = self.next_id(f"{seller_id}-C")
        self.add("phone_calls", call_id=call_id, seller_id=seller_id, started_at=started,
                 answered=answered)
        return call_id

    def review(
        self, seller_id: str, submitted: str, grade: int, order_id: str | None = None
    ) -> None:
        review_id = self.next_id(f"{seller_id}-R")
        self.add("reviews", review_id=review_id, seller_id=seller_id,
                 order_id=order_id or f"O-{review_id}", submitted_at=submitted, grade=grade)

    def return_(self, seller_id: str, item_id: str, registered: str, quantity: int = 1,
                main_reason: str | None = "DEFECT", return_id: str | None = None) -> str:
        return_id = return_id or self.next_id(f"{seller_id}-RET")
        self.add("returns", return_id=return_id, order_item_id=item_id,
                 seller_id=seller_id, registered_at=registered, quantity=quantity,
                 main_reason=main_reason)
        return return_id

    def nps(self, seller_id: str, responded: str, score: int) -> None:
        response_id = self.next_id(f"{seller_id}-NPS")
        self.add("nps_responses", response_id=response_id, seller_id=seller_id,
                 case_id=f"CASE-{response_id}", responded_at=responded, score=score)

    def circumstance(
        self,
        circumstance_id: str,
        *,
        starts_on: str,
        ends_on: str,
        scope: str,
        country: str,
        indicators: str,
        effect: str,
        transporter_code: str | None = None,
        withdrawn: bool | None = None,
        batch: str = "batch_001",
    ) -> None:
        self.add(
            "mitigating_circumstances",
            batch=batch,
            circumstance_id=circumstance_id,
            starts_on=starts_on,
            ends_on=ends_on,
            scope=scope,
            transporter_code=transporter_code,
            country=country,
            indicators=indicators,
            effect=effect,
            description=f"scenario {circumstance_id}",
            withdrawn=withdrawn,
        )

    # -- composites -----------------------------------------------------------

    def history(self, seller_id: str, week: date, orders: int = 100) -> None:
        """`orders` single-item FBB orders on the Monday of `week`: the seller is past
        GroeiStart from the next week on. FBB items only add CASE_ITEM_RATIO and
        RETURNS denominators (product group HISTORY, never asked about)."""
        for n in range(orders):
            self.item(
                seller_id,
                item_id=f"{seller_id}-H{n:03d}",
                ordered=day(week, "08:00"),
                promise=week + timedelta(days=2),
                fulfilment="FBB",
                product_group="HISTORY",
            )

    def on_time_item(self, seller_id: str, ordered: str, promise: date | str, **kw) -> str:
        """An FBR OWN item sent as an untracked letter, no confirmation: on time."""
        item_id = self.item(seller_id, ordered=ordered, promise=promise, **kw)
        self.shipment(item_id, shipped=ordered, transporter="BRIEFPOST", parcel_type="LETTER")
        return item_id

    def late_item(self, seller_id: str, ordered: str, promise: date | str, **kw) -> str:
        """An FBR OWN item that never shipped: late."""
        return self.item(seller_id, ordered=ordered, promise=promise, **kw)

    def fulfilment_week(self, seller_id: str, week: date, items: int, late: int) -> None:
        """`items` FBR OWN items ordered on Monday of `week` and due on its Wednesday,
        `late` of them never shipped."""
        for n in range(items):
            add = self.late_item if n < late else self.on_time_item
            add(seller_id, day(week, "09:00"), week + timedelta(days=2))


# -- the scenarios ---------------------------------------------------------------

HISTORY_WEEK = monday("2026-01-05")
EXAMPLE_WEEK = monday("2026-03-02")


def worked_examples(b: LandingBuilder) -> None:
    # §10 examples 1-3: FULFILMENT 40/3 late, 20/2 late, 100/7 late.
    for seller_id, items, late in (("EX1-A", 40, 3), ("EX2-A", 20, 2), ("EX3-A", 100, 7)):
        b.seller(seller_id)
        b.history(seller_id, HISTORY_WEEK)
        b.fulfilment_week(seller_id, EXAMPLE_WEEK, items, late)

    # §10 example 4: 120 FBR items ordered in W, 3 seller cancellations in W.
    b.seller("EX4-A")
    b.history("EX4-A", HISTORY_WEEK)
    w = EXAMPLE_WEEK
    for n in range(120):
        if n < 3:
            item_id = b.item("EX4-A", ordered=day(w, "09:00"), promise=w + timedelta(days=4))
            b.cancellation(item_id, day(w + timedelta(days=1), "11:00"), "SELLER", "OUT_OF_STOCK")
        else:
            b.on_time_item("EX4-A", day(w, "09:00"), w + timedelta(days=4))
    # ... and a customer cancellation on the promise date (not counted) vs one a day later
    # (counted). The late one is 00:30 local on the next day, still the promise date in UTC.
    b.seller("EX4-B")
    promise = w + timedelta(days=2)  # Wed 2026-03-04
    b.item("EX4-B", item_id="EX4-B-ON-PROMISE", ordered=day(w, "09:00"), promise=promise)
    b.cancellation("EX4-B-ON-PROMISE", day(promise, "20:00"), "CUSTOMER", "REQUESTED_BY_CUSTOMER")
    b.item("EX4-B", item_id="EX4-B-DAY-AFTER", ordered=day(w, "09:00"), promise=promise)
    b.cancellation("EX4-B-DAY-AFTER", local("2026-03-05 00:30"), "CUSTOMER",
                   "REQUESTED_BY_CUSTOMER")
    for _ in range(8):
        b.on_time_item("EX4-B", day(w, "09:00"), promise)

    # §10 example 5: 24H_EXCL_WEEKENDS, NL; each question once answered exactly at the
    # deadline and once one second later.
    b.seller("EX5-A")
    b.seller("EX6-A")
    for seller_id, cases in (("EX5-A", EXAMPLE5_DEADLINES), ("EX6-A", EXAMPLE6_DEADLINES)):
        for key, created, deadline in cases:
            b.question(seller_id, case_id=f"{key}-AT", created=local(created),
                       response=local(deadline))
            b.question(seller_id, case_id=f"{key}-AFTER", created=local(created),
                       response=local(_plus_seconds(deadline, 1)))

    # §10 example 7: six weekly FULFILMENT pools 9/10, 10/10 x4, 45/50.
    b.seller("EX7-A")
    for n, (items, late) in enumerate(((10, 1), (10, 0), (10, 0), (10, 0), (10, 0), (50, 5))):
        b.fulfilment_week("EX7-A", weeks_after(EXAMPLE_WEEK, n), items, late)

    # §10 example 8: strikes in 7 consecutive weeks, then one more after the closure.
    b.seller("EX8-A")
    b.history("EX8-A", HISTORY_WEEK)
    for n in EX8A_STRIKE_OFFSETS:
        b.fulfilment_week("EX8-A", weeks_after(HISTORY_WEEK, n), 3, 3)
    # One strike, 24 clean weeks, later a new strike.
    b.seller("EX8-B")
    b.history("EX8-B", HISTORY_WEEK)
    for n in EX8B_STRIKE_OFFSETS:
        b.fulfilment_week("EX8-B", weeks_after(HISTORY_WEEK, n), 3, 3)


def _plus_seconds(text: str, seconds: int) -> str:
    return (datetime.fromisoformat(text) + timedelta(seconds=seconds)).isoformat(sep=" ")


# (case key, created local, expected deadline local)
EXAMPLE5_DEADLINES = [
    ("EX5-FRI", "2026-03-06 15:00:00", "2026-03-09 15:00:00"),
    ("EX5-SAT", "2026-03-07 10:00:00", "2026-03-10 00:00:00"),
    ("EX5-ASCENSION", "2026-05-13 10:00:00", "2026-05-15 10:00:00"),
]
# 8_WORKING_HOURS applies to weeks up to 2020-12-31.
EXAMPLE6_DEADLINES = [
    ("EX6-FRI15", "2020-03-06 15:00:00", "2020-03-09 15:00:00"),
    ("EX6-FRI18", "2020-03-06 18:00:00", "2020-03-09 17:00:00"),
]
EX8A_STRIKE_OFFSETS = [1, 2, 3, 4, 5, 6, 7, 9]
EX8B_STRIKE_OFFSETS = [1, 30]


# -- more rules -----------------------------------------------------------------

# (case key, seller, created local, expected deadline local, SLA of the norm version)
H24, H8 = "24H_EXCL_WEEKENDS", "8_WORKING_HOURS"
SLA_DEADLINES = [
    # DST starts Sun 2026-03-29: wall-clock deadline, 24 counting hours.
    ("SLA-DST", "SLA-NL", "2026-03-27 15:00:00", "2026-03-30 15:00:00", H24),
    # King's Day Mon 2026-04-27 is a holiday in NL only, Labour Day Fri 2026-05-01 in BE only.
    ("SLA-KING-NL", "SLA-NL", "2026-04-24 15:00:00", "2026-04-28 15:00:00", H24),
    ("SLA-KING-BE", "SLA-BE", "2026-04-24 15:00:00", "2026-04-27 15:00:00", H24),
    ("SLA-LABOUR-NL", "SLA-NL", "2026-04-30 12:00:00", "2026-05-01 12:00:00", H24),
    ("SLA-LABOUR-BE", "SLA-BE", "2026-04-30 12:00:00", "2026-05-04 12:00:00", H24),
    # Created on a holiday: the next counting day is used up, ending at 24:00.
    ("SLA-ON-HOLIDAY", "SLA-NL", "2026-05-14 10:00:00", "2026-05-16 00:00:00", H24),
    ("SLA-MIDNIGHT", "SLA-NL", "2026-06-01 00:00:00", "2026-06-02 00:00:00", H24),
    # Fractional seconds count: half a second after midnight leaves the day short
    # by that half second, taken from the next counting day (Monday after Friday).
    ("SLA-SUBSECOND", "SLA-NL", "2026-06-03 10:00:00.700", "2026-06-04 10:00:00.700", H24),
    ("SLA-MIDNIGHT-SUBSECOND", "SLA-NL", "2026-06-05 00:00:00.500", "2026-06-08 00:00:00.500",
     H24),
    # 8 working hours: a full office day ends at 17:00; holidays are skipped.
    ("SLA-OLD-MON-EARLY", "SLA-OLD", "2020-03-02 08:00:00", "2020-03-02 17:00:00", H8),
    ("SLA-OLD-TUE-MID", "SLA-OLD", "2020-03-03 10:30:00", "2020-03-04 10:30:00", H8),
    ("SLA-OLD-XMAS", "SLA-OLD", "2020-12-24 15:00:00", "2020-12-28 15:00:00", H8),
    ("SLA-OLD-SUBSECOND", "SLA-OLD", "2020-03-03 16:59:59.250", "2020-03-04 16:59:59.250", H8),
    # Fri 2021-01-01 is in the week of Mon 2020-12-28: still the old SLA.
    ("SLA-OLD-NEW-YEAR", "SLA-OLD", "2021-01-01 10:00:00", "2021-01-04 17:00:00", H8),
    ("SLA-NEW-RULE", "SLA-OLD", "2021-01-04 10:00:00", "2021-01-05 10:00:00", H24),
    # Christmas 2028: Mon 25 and Tue 26 are NL holidays, only Mon 25 in BE.
    ("PEND-NL-XMAS", "PEND-NL", "2028-12-22 15:00:00", "2028-12-27 15:00:00", H24),
    ("PEND-BE-XMAS", "PEND-BE", "2028-12-22 15:00:00", "2028-12-26 15:00:00", H24),
    ("PEND-NL-MON", "PEND-NL", "2028-12-18 10:00:00", "2028-12-19 10:00:00", H24),
    # A deadline exactly at the cut-off (Wed 06:00) is not before it: pending.
    ("PEND-NL-AT-CUTOFF", "PEND-NL", "2028-12-22 06:00:00", "2028-12-27 06:00:00", H24),
]
PENDING_WEEK = monday("2028-12-18")

FULFILMENT_RULES_WEEK = monday("2026-04-13")
TRACKING_WEEK = monday("2026-04-20")
HANDOVER_WEEK = monday("2026-05-04")
HANDOVER_NORM_WEEKS = (monday("2026-06-29"), monday("2026-07-06"))
TNT_WEEK = monday("2026-05-11")
CANCEL_RULES_WEEK = monday("2026-05-18")
PHONE_WEEKS = (monday("2026-04-20"), monday("2026-04-27"))
DYNAMIC_WEEK = monday("2026-04-06")
REVIEWS_WEEK = monday("2026-06-01")
GROEISTART_WEEKS = (monday("2026-01-05"), monday("2026-01-12"), monday("2026-01-19"))
EXCLUDE_WEEKS = {
    "PLATFORM": monday("2026-09-07"),
    "TRANSPORTER": monday("2026-09-14"),
    "WITHDRAWN": monday("2026-09-21"),
}
NO_STRIKE_WEEK = monday("2026-10-05")
CORRECTION_WEEK = monday("2026-10-12")

# Track & trace lines: (key, transporter, code, parcel type, expected valid).
TNT_LINES = [
    ("TNT-OK", "TNT", "3SABCD1234567", "PARCEL", True),
    ("TNT-LOWER", "TNT", "3sABCD1234567", "PARCEL", False),
    ("TNT-SUFFIX", "TNT", "3SABCD1234567X", "PARCEL", False),
    ("TNT-NULL", "TNT", None, "PARCEL", False),
    ("DHL-OK", "DHL", "JVGL1234567890", "PARCEL", True),
    ("DHL-SHORT", "DHL", "JJD123", "PARCEL", False),
    ("DPD-OK", "DPD-NL", "12345678901234", "PARCEL", True),
    ("DPD-13", "DPD-NL", "1234567890123", "PARCEL", False),
    ("BPOST-OK", "BPOST_BE", "CD123456789012", "PARCEL", True),
    ("GLS-OK", "GLS", "12345678901", "PARCEL", True),
    ("BRIEFPOST-PARCEL", "BRIEFPOST", "3SABCD1234567", "PARCEL", False),
    ("OTHER-PARCEL", "OTHER", "3SABCD1234567", "PARCEL", False),
    ("UNKNOWN-PARCEL", "UPS", "1Z999AA10123456784", "PARCEL", False),
    ("TNT-LETTER", "TNT", "3SABCD1234567", "LETTER", False),
]


def more_rules(b: LandingBuilder) -> None:
    # -- response SLA: DST, holidays per country, pending vs late -------------------
    for seller_id, country in (("SLA-NL", "NL"), ("SLA-BE", "BE"), ("SLA-OLD", "NL"),
                               ("PEND-NL", "NL"), ("PEND-BE", "BE")):
        b.seller(seller_id, country)
    for key, seller_id, created, deadline, _sla in SLA_DEADLINES:
        if key.startswith("PEND"):
            response = None  # unanswered at the cut-off
        else:
            response = local(deadline)  # exactly at the deadline: on time
        b.question(seller_id, case_id=key, created=local(created), response=response)
    # A tenth of a second after a deadline with a fraction is late.
    b.question("SLA-NL", case_id="SUBSECOND-LATE", created=local("2026-06-03 11:00:00.700"),
               response=local("2026-06-04 11:00:00.800"))
    # The CASE_ITEM_RATIO denominator of the pending week: 10 items ordered in it.
    for _ in range(10):
        b.item("PEND-NL", ordered=day(PENDING_WEEK, "09:00"), promise=PENDING_WEEK,
               fulfilment="FBB")

    # -- FULFILMENT population: FBB, APPOINTMENT, VVB and cancelled items are out ---
    w = FULFILMENT_RULES_WEEK
    promise = w + timedelta(days=2)
    b.seller("FUL-R")
    for _ in range(2):
        b.on_time_item("FUL-R", day(w, "09:00"), promise)
    b.on_time_item("FUL-R", day(w, "09:00"), promise, time_frame=None)
    b.item("FUL-R", item_id="FUL-R-FBB-LATE", ordered=day(w, "09:00"), promise=promise,
           fulfilment="FBB")
    b.item("FUL-R", item_id="FUL-R-APPOINTMENT-LATE", ordered=day(w, "09:00"), promise=promise,
           time_frame="APPOINTMENT")
    b.item("FUL-R", item_id="FUL-R-VVB", ordered=day(w, "09:00"), promise=promise,
           shipping="VVB", latest_handover_at=day(w, "18:00"))
    b.item("FUL-R", item_id="FUL-R-CANCELLED", ordered=day(w, "09:00"), promise=promise)
    b.cancellation("FUL-R-CANCELLED", day(w, "10:00"), "CUSTOMER", "REQUESTED_BY_CUSTOMER")
    # An exact delivery date overrides the latest one: due in the next week, not in W.
    b.late_item("FUL-R", day(w, "09:00"), promise, exact=promise + timedelta(days=7))

    # -- tracked vs untracked on-time delivery ---------------------------------------
    w = TRACKING_WEEK
    promise = w + timedelta(days=2)  # Wed 2026-04-22
    b.seller("TRK-R")

    def tracked(key: str, events: list[tuple[str, str]], transporter: str = "TNT",
                code: str = "3SABCD1234567") -> str:
        item_id = b.item("TRK-R", item_id=f"TRK-{key}", ordered=day(w, "09:00"), promise=promise)
        sid = b.shipment(item_id, shipped=day(w, "12:00"), transporter=transporter, tnt=code)
        for code_, at in events:
            b.event(sid, code_, at)
        return item_id

    tracked("ATTEMPT-LATE-EVENING", [("DELIVERED_AT_CUSTOMER", local("2026-04-22 23:30"))])
    tracked("ATTEMPT-AFTER-MIDNIGHT", [("DELIVERY_ATTEMPTED", local("2026-04-23 00:30"))])
    tracked("FIRST-ATTEMPT-COUNTS", [("DELIVERY_ATTEMPTED", local("2026-04-21 14:00")),
                                     ("DELIVERED_AT_CUSTOMER", local("2026-04-24 14:00"))])
    tracked("PICK-UP-POINT", [("AT_PICK_UP_POINT", local("2026-04-22 10:00"))])
    tracked("NEIGHBOURS", [("DELIVERED_AT_NEIGHBOURS", local("2026-04-22 10:00"))])
    tracked("NO-ATTEMPT", [("PRE_ANNOUNCED", local("2026-04-20 14:00")),
                           ("IN_TRANSIT", local("2026-04-21 14:00")),
                           ("PICKED_UP_AT_PICK_UP_POINT", local("2026-04-22 10:00"))])
    not_received = tracked("NOT-RECEIVED-BUT-TRACKED",
                           [("DELIVERED_AT_CUSTOMER", local("2026-04-22 10:00"))])
    b.confirmation(not_received, "NOT_RECEIVED")

    def untracked(key: str, answer: str | None | bool, transporter: str = "OTHER",
                  parcel_type: str = "PARCEL", code: str | None = None) -> str:
        item_id = b.item("TRK-R", item_id=f"TRK-{key}", ordered=day(w, "09:00"), promise=promise)
        b.shipment(item_id, shipped=day(w, "12:00"), transporter=transporter, tnt=code,
                   parcel_type=parcel_type)
        if answer is not False:  # False: no confirmation row at all
            b.confirmation(item_id, answer, asked=local("2026-04-25 10:00"))
        return item_id

    untracked("UNTRACKED-NOT-RECEIVED", "NOT_RECEIVED")
    untracked("UNTRACKED-RECEIVED", "RECEIVED", transporter="BRIEFPOST", parcel_type="LETTER")
    untracked("INVALID-CODE-NO-REPLY", None, transporter="TNT", code="3SABC")
    untracked("UNTRACKED-NO-CONFIRMATION", False)
    b.item("TRK-R", item_id="TRK-NO-SHIPMENT", ordered=day(w, "09:00"), promise=promise)
    # Two lines: the tracked one attempts late; the untracked line's early event is ignored.
    item_id = b.item("TRK-R", item_id="TRK-TWO-LINES", ordered=day(w, "09:00"), promise=promise)
    s1 = b.shipment(item_id, shipped=day(w, "12:00"), transporter="TNT", tnt="3SABCD7654321")
    s2 = b.shipment(item_id, shipped=day(w, "12:00"), transporter="OTHER", tnt="X")
    b.event(s1, "DELIVERED_AT_CUSTOMER", local("2026-04-24 10:00"))
    b.event(s2, "DELIVERED_AT_CUSTOMER", local("2026-04-21 10:00"))

    # -- HANDOVER --------------------------------------------------------------------
    w = HANDOVER_WEEK
    deadline = local("2026-05-05 18:00")
    b.seller("HND-R")

    def vvb(key: str) -> str:
        return b.item("HND-R", item_id=f"HND-{key}", ordered=day(w, "09:00"),
                      promise=w + timedelta(days=3), shipping="VVB", latest_handover_at=deadline)

    b.shipment(vvb("AT-DEADLINE"), shipped=day(w, "12:00"), transporter="TNT",
               tnt="3SABCD1234567", handed_over=deadline)
    b.shipment(vvb("ONE-SECOND-LATE"), shipped=day(w, "12:00"), transporter="TNT",
               tnt="3SABCD1234567", handed_over=local("2026-05-05 18:00:01"))
    vvb("NO-SHIPMENT")
    b.cancellation(vvb("CANCELLED"), day(w, "10:00"), "CUSTOMER")  # not in the population
    b.shipment(vvb("NO-SCAN"), shipped=day(w, "12:00"), transporter="TNT", tnt="3SABCD1234567")
    two = vvb("EARLIEST-OF-TWO")
    b.shipment(two, shipped=day(w, "12:00"), transporter="TNT", tnt="3SABCD1234567",
               handed_over=local("2026-05-06 09:00"))
    b.shipment(two, shipped=day(w, "12:00"), transporter="TNT", tnt="3SABCD1234568",
               handed_over=local("2026-05-05 17:00"))

    # -- HANDOVER norm version change: 94/100 on time in both weeks ---------------------
    b.seller("HNV-A")
    b.history("HNV-A", HISTORY_WEEK)
    for w in HANDOVER_NORM_WEEKS:
        due = local(f"{w + timedelta(days=2)} 18:00")
        for n in range(100):
            item_id = b.item("HNV-A", ordered=day(w, "09:00"), promise=w + timedelta(days=4),
                             shipping="VVB", latest_handover_at=due)
            b.shipment(item_id, shipped=day(w, "12:00"), transporter="TNT",
                       tnt="3SABCD1234567",
                       handed_over=due if n >= 6 else local(f"{w + timedelta(days=3)} 09:00"))

    # -- TRACK_AND_TRACE validity --------------------------------------------------------
    w = TNT_WEEK
    b.seller("TT-R")
    for key, transporter, code, parcel_type, _valid in TNT_LINES:
        item_id = b.item("TT-R", item_id=f"TT-{key}", ordered=day(w, "09:00"),
                         promise=w + timedelta(days=3))
        b.shipment(item_id, shipment_id=f"S-TT-{key}", shipped=day(w + timedelta(days=1)),
                   transporter=transporter, tnt=code, parcel_type=parcel_type)
    # A cancelled FBR item's PARCEL line counts; an FBB item's line does not.
    item_id = b.item("TT-R", item_id="TT-CANCELLED", ordered=day(w, "09:00"),
                     promise=w + timedelta(days=3))
    b.cancellation(item_id, day(w + timedelta(days=1), "15:00"), "SELLER")
    b.shipment(item_id, shipment_id="S-TT-CANCELLED", shipped=day(w + timedelta(days=1)),
               transporter="TNT", tnt="3SABCD1234567")
    item_id = b.item("TT-R", item_id="TT-FBB", ordered=day(w, "09:00"),
                     promise=w + timedelta(days=3), fulfilment="FBB")
    b.shipment(item_id, shipment_id="S-TT-FBB", shipped=day(w + timedelta(days=1)),
               transporter="TNT", tnt="bad")

    # -- CANCELLATIONS: SYSTEM and SELLER count -------------------------------------------
    w = CANCEL_RULES_WEEK
    b.seller("CANC-R")
    for by in ("SYSTEM", "SELLER"):
        item_id = b.item("CANC-R", ordered=day(w, "09:00"), promise=w + timedelta(days=2))
        b.cancellation(item_id, day(w + timedelta(days=1)), by, "NOT_AVAIL_IN_TIME")
    for _ in range(3):
        b.on_time_item("CANC-R", day(w, "09:00"), w + timedelta(days=2))
    # FBB items are not in the CANCELLATIONS population, even when cancelled.
    item_id = b.item("CANC-R", ordered=day(w, "09:00"), promise=w + timedelta(days=2),
                     fulfilment="FBB")
    b.cancellation(item_id, day(w + timedelta(days=1)), "SELLER")

    # -- PHONE_AVAILABILITY office hours -------------------------------------------------
    b.seller("PH-NL", "NL")
    b.seller("PH-BE", "BE")
    for seller_id in ("PH-NL", "PH-BE"):
        b.call(seller_id, local("2026-04-20 08:59:59"), False)
        b.call(seller_id, local("2026-04-20 09:00:00"), True)
        b.call(seller_id, local("2026-04-20 16:59:59"), False)
        b.call(seller_id, local("2026-04-20 17:00:00"), False)
        b.call(seller_id, local("2026-04-25 12:00:00"), False)  # Saturday
        b.call(seller_id, local("2026-04-27 10:00:00"), False)  # King's Day (NL only)
        b.call(seller_id, local("2026-04-28 10:00:00"), True)

    dynamic_norms(b)
    reviews_and_nps(b)
    groeistart(b)
    circumstances(b)
    corrections_and_unknown_sellers(b)


def dynamic_norms(b: LandingBuilder) -> None:
    """March 2026 platform ratios per product group (DYN-P is the only seller of
    DYN-G1/G2 that month): DYN-G1 questions 4/100 = 0.04, returns 10/100 = 0.10;
    DYN-G2 questions 10/50 = 0.20, returns 1/50 = 0.02; DYN-G3 had no items.
    A seller that is not landed (GHOST-1) adds G1 items and questions that must be ignored."""
    b.seller("DYN-P")
    march = date(2026, 3, 2)
    g1 = [b.item("DYN-P", ordered=day(march, "09:00"), promise=march, fulfilment="FBB",
                 product_group="DYN-G1") for _ in range(100)]
    g2 = [b.item("DYN-P", ordered=day(march, "09:00"), promise=march, fulfilment="FBB",
                 product_group="DYN-G2") for _ in range(50)]
    for item_id in g1[:4]:
        b.question("DYN-P", created=day("2026-03-10"), response=day("2026-03-10", "11:00"),
                   item_id=item_id)
    for item_id in g2[:10]:
        b.question("DYN-P", created=day("2026-03-10"), response=day("2026-03-10", "11:00"),
                   item_id=item_id)
    for item_id in g1[:10]:
        b.return_("DYN-P", item_id, day("2026-03-20"))
    b.return_("DYN-P", g2[0], day("2026-03-20"))
    # Not a landed seller: its items and questions are ignored by the platform ratios.
    ghost = [b.item("GHOST-1", ordered=day(march, "09:00"), promise=march, fulfilment="FBB",
                    product_group="DYN-G1") for _ in range(10)]
    for item_id in ghost:
        b.question("GHOST-1", created=day("2026-03-10"), item_id=item_id)
        b.return_("GHOST-1", item_id, day("2026-03-20"))
    b.question("GHOST-1", created=day("2026-03-10"), item_id=g1[50])

    w = DYNAMIC_WEEK
    # DYN-S: 5 G1 + 5 G2 items in W -> CIR norm 0.5*0.04 + 0.5*0.20 = 0.12,
    # RETURNS norm 0.5*0.10 + 0.5*0.02 = 0.06.
    b.seller("DYN-S")
    s_items = [b.item("DYN-S", ordered=day(w, "09:00"), promise=w, fulfilment="FBB",
                      product_group="DYN-G1") for _ in range(4)]
    cancelled = b.item("DYN-S", ordered=day(w, "09:00"), promise=w + timedelta(days=2),
                       product_group="DYN-G1")
    b.cancellation(cancelled, day(w, "10:00"), "CUSTOMER")
    s_items += [b.item("DYN-S", ordered=day(w, "09:00"), promise=w, fulfilment="FBB",
                       product_group="DYN-G2") for _ in range(5)]
    b.question("DYN-S", created=day(w + timedelta(days=1)), item_id=s_items[0],
               response=day(w + timedelta(days=1), "12:00"))
    b.question("DYN-S", created=day(w + timedelta(days=2)))  # not linked to an item
    b.return_("DYN-S", s_items[1], day(w + timedelta(days=3)), quantity=3)
    # DYN-C: only G2 -> 0.20, capped at 0.15 (RETURNS is not capped: 0.02).
    b.seller("DYN-C")
    for _ in range(4):
        b.item("DYN-C", ordered=day(w, "09:00"), promise=w, fulfilment="FBB",
               product_group="DYN-G2")
    # DYN-F: 5 G1 + 5 G3 (no items in March: static 0.05) -> CIR 0.045, RETURNS 0.075.
    b.seller("DYN-F")
    for group in ("DYN-G1", "DYN-G3"):
        for _ in range(5):
            b.item("DYN-F", ordered=day(w, "09:00"), promise=w, fulfilment="FBB",
                   product_group=group)


def reviews_and_nps(b: LandingBuilder) -> None:
    # REV-A: 5 reviews in [2026-03-08, 2026-06-08) -> mean of those 5; older ones and the
    # one a day before the window are left out. The 03-07 23:30 UTC review is 03-08 local.
    b.seller("REV-A")
    b.review("REV-A", local("2026-01-10 12:00"), 1)
    b.review("REV-A", local("2026-03-07 12:00"), 1)
    b.review("REV-A", utc("2026-03-07 23:30"), 10)
    for d, grade in (("2026-04-10", 8), ("2026-05-01", 8), ("2026-05-20", 7), ("2026-06-07", 9)):
        b.review("REV-A", day(d, "12:00"), grade)
    b.review("REV-A", local("2026-06-08 00:30"), 1)  # next week
    # REV-B: only 2 reviews in the window -> all reviews before the end count.
    b.seller("REV-B")
    for d, grade in (("2025-12-01", 4), ("2026-01-05", 6), ("2026-02-01", 5),
                     ("2026-05-02", 9), ("2026-06-03", 10)):
        b.review("REV-B", day(d, "12:00"), grade)

    # NPS-A: Nov 2024 (norm 10): 2 promoters, 1 passive, 1 detractor -> 25, unreliable.
    # Mar 2025 (norm 25): 10 promoters, 10 passives, 5 detractors -> 20, reliable.
    # A response at 2025-03-31 22:30 UTC is 1 April local.
    b.seller("NPS-A")
    for score in (9, 10, 8, 6):
        b.nps("NPS-A", day("2024-11-12"), score)
    for score in [9, 10] * 5 + [7, 8] * 5 + [0, 3, 5, 6, 6]:
        b.nps("NPS-A", day("2025-03-12"), score)
    b.nps("NPS-A", utc("2025-03-31 22:30"), 10)


def groeistart(b: LandingBuilder) -> None:
    """GS-A: 97 orders in week 1, orders 98-100 in week 2 (3 late FULFILMENT items: a
    breach in the week of the 100th order, no strike), 3 late items in week 3: strike."""
    h1, h2, h3 = GROEISTART_WEEKS
    b.seller("GS-A")
    b.history("GS-A", h1, orders=97)
    b.fulfilment_week("GS-A", h2, 3, 3)
    b.fulfilment_week("GS-A", h3, 3, 3)


def circumstances(b: LandingBuilder) -> None:
    # PLATFORM, NL only, FULFILMENT, Tue-Wed 2026-09-08..09: the NL items due in the
    # window (one on time on 09-08, 3 late on 09-09) are removed; the BE seller's stay.
    w = EXCLUDE_WEEKS["PLATFORM"]
    b.circumstance("C-PLATFORM-NL", starts_on="2026-09-08", ends_on="2026-09-09",
                   scope="PLATFORM", country="NL", indicators="FULFILMENT",
                   effect="EXCLUDE_EVENTS")
    for seller_id, country, late in (("EXC-P-NL", "NL", 3), ("EXC-P-BE", "BE", 2)):
        b.seller(seller_id, country)
        for _ in range(10):
            b.on_time_item(seller_id, day(w, "09:00"), w + timedelta(days=4))
        b.on_time_item(seller_id, day(w, "09:00"), w + timedelta(days=1))  # due in the window
        for _ in range(late):
            b.late_item(seller_id, day(w, "09:00"), w + timedelta(days=2))

    # TRANSPORTER DHL, all countries, FULFILMENT and TRACK_AND_TRACE (written untidily,
    # a tab among the spaces):
    # DHL items and lines are removed; TNT ones stay.
    w = EXCLUDE_WEEKS["TRANSPORTER"]
    b.circumstance("C-DHL", starts_on="2026-09-14", ends_on="2026-09-20", scope="TRANSPORTER",
                   transporter_code="DHL", country="ALL",
                   indicators=" fulfilment |\tTrack_And_Trace ", effect="EXCLUDE_EVENTS")
    # Without a transporter code a TRANSPORTER circumstance matches nothing.
    b.circumstance("C-NO-CODE", starts_on="2026-09-14", ends_on="2026-09-20",
                   scope="TRANSPORTER", country="ALL", indicators="ALL",
                   effect="EXCLUDE_EVENTS")
    b.seller("EXC-T", "BE")
    promise = w + timedelta(days=2)
    for transporter, code, on_time in (
        [("TNT", "3SABCD1234567", True)] * 5
        + [("TNT", "3SABCD1234567", False)] * 2
        + [("DHL", "JVGL1234567890", False)] * 2
        + [("DHL", "bad-dhl-code", None)]
    ):
        item_id = b.item("EXC-T", ordered=day(w, "09:00"), promise=promise)
        sid = b.shipment(item_id, shipped=day(w, "12:00"), transporter=transporter, tnt=code)
        if on_time is None:
            b.confirmation(item_id, "NOT_RECEIVED")
        else:
            at = promise if on_time else promise + timedelta(days=1)
            b.event(sid, "DELIVERED_AT_CUSTOMER", day(at, "14:00"))

    # A circumstance withdrawn by a later file has no effect.
    w = EXCLUDE_WEEKS["WITHDRAWN"]
    for batch, withdrawn in (("batch_001", False), ("batch_002", True)):
        b.circumstance("C-WITHDRAWN", starts_on="2026-09-21", ends_on="2026-09-27",
                       scope="PLATFORM", country="ALL", indicators="ALL",
                       effect="EXCLUDE_EVENTS", withdrawn=withdrawn, batch=batch)
    b.seller("EXC-W")
    b.fulfilment_week("EXC-W", w, 13, 3)

    # NO_STRIKE on FULFILMENT for NL, one day (Wed 2026-10-07). NS-NL and NS-BE both have
    # a FULFILMENT breach (3/10 late) and a CANCELLATIONS breach (3 seller cancellations).
    w = NO_STRIKE_WEEK
    b.circumstance("C-NO-STRIKE", starts_on="2026-10-07", ends_on="2026-10-07",
                   scope="TRANSPORTER", transporter_code="DHL", country="NL",
                   indicators="FULFILMENT", effect="NO_STRIKE")
    for seller_id, country in (("NS-NL", "NL"), ("NS-BE", "BE")):
        b.seller(seller_id, country)
        b.history(seller_id, HISTORY_WEEK)
        b.fulfilment_week(seller_id, w, 10, 3)
        for _ in range(3):
            item_id = b.item(seller_id, ordered=day(w, "09:00"), promise=w + timedelta(days=2))
            b.cancellation(item_id, day(w, "12:00"), "SELLER")


def corrections_and_unknown_sellers(b: LandingBuilder) -> None:
    # A question landed unanswered (late at the cut-off), then corrected by a later file
    # with a first response within the SLA.
    w = CORRECTION_WEEK
    b.seller("COR-A")
    b.question("COR-A", case_id="COR-Q1", created=day(w, "10:00"), response=None)
    b.question("COR-A", case_id="COR-Q1", created=day(w, "10:00"),
               response=day(w + timedelta(days=1), "09:00"), batch="batch_002")
    # Inside one file the last row of a key wins.
    b.question("COR-A", case_id="COR-Q2", created=day(w, "11:00"),
               response=day(w + timedelta(days=3), "11:00"))
    b.question("COR-A", case_id="COR-Q2", created=day(w, "11:00"),
               response=day(w, "12:00"))
    # An order item corrected to another promise date: the later file wins.
    b.late_item("COR-A", day(w, "09:00"), w + timedelta(days=2), item_id="COR-I1")
    b.late_item("COR-A", day(w, "09:00"), w + timedelta(days=9), item_id="COR-I1",
                batch="batch_002")
    # GHOST-2 is never landed as a seller: its rows are ignored everywhere.
    b.fulfilment_week("GHOST-2", w, 5, 5)
    b.call("GHOST-2", day(w + timedelta(days=1), "10:00"), False)
    b.review("GHOST-2", day(w + timedelta(days=1)), 1)


# -- trajectory, six-week and week-assignment edges ---------------------------------

TRAJECTORY_START = monday("2027-01-04")
# Strike offsets (weeks after TRAJECTORY_START) per seller.
TRAJECTORY_STRIKES = {
    # 23 clean weeks between two strikes: still the same trajectory.
    "TRJ-23": [1, 25],
    # 24 clean weeks: the first completes, the next strike opens trajectory 2.
    "TRJ-24": [1, 26],
    # Closed, then more than 24 clean weeks and a strike: still CLOSED.
    "TRJ-CLOSED": [1, 2, 3, 4, 5, 6, 7, 40],
}
SIX_WEEK_START = monday("2027-03-01")
YEAR_END_ITEM_DAY = date(2027, 1, 1)  # a Friday in ISO week 2026-W53


def trajectory_rules(b: LandingBuilder) -> None:
    history = TRAJECTORY_START
    for seller_id, offsets in TRAJECTORY_STRIKES.items():
        b.seller(seller_id)
        b.history(seller_id, history)
        for n in offsets:
            b.fulfilment_week(seller_id, weeks_after(history, n), 3, 3)

    # GS-B: 99 items but 98 orders in the first week (one order has two items); order 99
    # in week 2, order 100 in week 3, more in week 4; 3 late items in each of weeks 2-4.
    h1, h2, h3, h4 = (weeks_after(TRAJECTORY_START, n) for n in range(4))
    b.seller("GS-B")
    b.history("GS-B", h1, orders=97)
    for n in range(2):
        b.item("GS-B", item_id=f"GS-B-TWO-ITEMS-{n}", order_id="GS-B-ORDER-98",
               ordered=day(h1, "09:00"), promise=h1 + timedelta(days=2), fulfilment="FBB")
    for w, orders in ((h2, ["99"]), (h3, ["100"]), (h4, ["101", "102", "103"])):
        for n in range(3):
            order = orders[min(n, len(orders) - 1)]
            b.late_item("GS-B", day(w, "09:00"), w + timedelta(days=2),
                        order_id=f"GS-B-ORDER-{order}")

    # SIX-A: 4 FBR items ordered in week 1 (3 on time, one cancelled by the seller in
    # week 2): week 2 has a CANCELLATIONS numerator but no denominator.
    w = SIX_WEEK_START
    b.seller("SIX-A")
    for _ in range(3):
        b.on_time_item("SIX-A", day(w, "09:00"), w + timedelta(days=2))
    item_id = b.item("SIX-A", ordered=day(w, "09:00"), promise=w + timedelta(days=9))
    b.cancellation(item_id, day(w + timedelta(days=8), "10:00"), "SELLER")

    # WK-A: an FBB item ordered and a question created Monday 00:30 local (Sunday in
    # UTC) belong to the Monday's week; an item ordered on Fri 2027-01-01 is ISO 2026-W53.
    b.seller("WK-A")
    monday_early = local("2027-03-08 00:30")
    b.item("WK-A", ordered=monday_early, promise=date(2027, 3, 10), fulfilment="FBB")
    b.question("WK-A", created=monday_early, response=local("2027-03-08 09:00"))
    b.item("WK-A", ordered=day(YEAR_END_ITEM_DAY, "12:00"), promise=date(2027, 1, 5),
           fulfilment="FBB")


# -- circumstances linked through items, orders and lines --------------------------------

LINKED_EXCLUSION_WEEK = monday("2026-11-02")
CANCEL_EXCLUSION_WEEK = monday("2026-11-09")


def linked_circumstances(b: LandingBuilder) -> None:
    """TNT_PROCESSING for GLS, all indicators, all countries, week of 2026-11-02: every
    event linked to a GLS shipment goes; phone calls never match a transporter scope."""
    w = LINKED_EXCLUSION_WEEK
    b.circumstance("C-GLS", starts_on="2026-11-02", ends_on="2026-11-08",
                   scope="TNT_PROCESSING", transporter_code="GLS", country="ALL",
                   indicators="ALL", effect="EXCLUDE_EVENTS")
    b.seller("EXC-X")
    promise = w + timedelta(days=2)
    items = {}
    for transporter, code in (("GLS", "12345678901"), ("GLS", "12345678902"),
                              ("TNT", "3SABCD1234567")):
        item_id = b.item("EXC-X", ordered=day(w, "09:00"), promise=promise,
                         order_id=f"EXC-X-O-{transporter}")
        sid = b.shipment(item_id, shipped=day(w, "12:00"), transporter=transporter, tnt=code)
        b.event(sid, "DELIVERED_AT_CUSTOMER", day(promise, "12:00"))
        items.setdefault(transporter, item_id)
    created = day(w + timedelta(days=1), "10:00")
    answered = day(w + timedelta(days=1), "11:00")
    b.question("EXC-X", created=created, response=answered, item_id=items["GLS"])
    b.question("EXC-X", created=created, response=answered, item_id=items["TNT"])
    b.question("EXC-X", created=created, response=None)  # unlinked, late
    b.return_("EXC-X", items["GLS"], day(w + timedelta(days=3)))
    b.return_("EXC-X", items["TNT"], day(w + timedelta(days=3)))
    b.review("EXC-X", day(w + timedelta(days=4)), 2, order_id="EXC-X-O-GLS")
    b.review("EXC-X", day(w + timedelta(days=4)), 9, order_id="EXC-X-O-TNT")
    b.call("EXC-X", day(w + timedelta(days=1), "10:00"), False)

    # CANCELLATIONS: a window on the cancellation date only removes the numerator.
    w = CANCEL_EXCLUSION_WEEK
    b.circumstance("C-CANCEL", starts_on="2026-11-12", ends_on="2026-11-12",
                   scope="PLATFORM", country="NL", indicators="CANCELLATIONS",
                   effect="EXCLUDE_EVENTS")
    b.seller("EXC-C")
    for n in range(10):
        item_id = b.on_time_item("EXC-C", day(w, "09:00"), w + timedelta(days=4))
        if n < 3:
            b.cancellation(item_id, day(w + timedelta(days=3), "10:00"), "SELLER")
    # A fourth seller cancellation on Friday is outside the window.
    item_id = b.item("EXC-C", ordered=day(w, "09:00"), promise=w + timedelta(days=4))
    b.cancellation(item_id, day(w + timedelta(days=4), "10:00"), "SELLER")


# -- incidents: the reasons no other scenario shows --------------------------------------

INCIDENT_WEEK = monday("2026-08-03")


def incident_reasons(b: LandingBuilder) -> None:
    """INC-R in a week of its own (product group INC-G, so no other seller's dynamic
    norm moves): a question answered hours late, a handover an hour late, a seller
    cancellation without a reason code and a return without a main reason."""
    w = INCIDENT_WEEK
    b.seller("INC-R")
    b.question("INC-R", case_id="INC-Q-HOURS-LATE", created=day(w, "10:00"),
               response=day(w + timedelta(days=1), "15:12"))
    b.item("INC-R", item_id="INC-VVB-HOUR-LATE", ordered=day(w, "09:00"),
           promise=w + timedelta(days=3), shipping="VVB", latest_handover_at=day(w, "18:00"),
           product_group="INC-G")
    b.shipment("INC-VVB-HOUR-LATE", shipped=day(w, "12:00"), transporter="TNT",
               tnt="3SABCD1234567", handed_over=day(w, "19:12"))
    b.item("INC-R", item_id="INC-CANCELLED-NO-CODE", ordered=day(w, "09:00"),
           promise=w + timedelta(days=3), product_group="INC-G")
    b.cancellation("INC-CANCELLED-NO-CODE", day(w + timedelta(days=1), "11:00"), "SELLER",
                   reason=None)
    returned = b.on_time_item("INC-R", day(w, "09:00"), w + timedelta(days=2),
                              item_id="INC-RETURNED", product_group="INC-G")
    b.return_("INC-R", returned, day(w + timedelta(days=4), "16:45"), main_reason=None,
              return_id="INC-RET-NO-REASON")


# -- the week in progress ------------------------------------------------------------------

# The fixture's build is as of the cut-off of BUILD_LAST_WEEK (Wed 2029-01-10 06:00):
# the week after it is in progress.
PROVISIONAL_WEEK = BUILD_LAST_WEEK + timedelta(days=7)


def week_in_progress(b: LandingBuilder) -> None:
    """PROV-A, active only in the week in progress: 3 of 4 items due Wednesday not
    shipped; a question of Monday 10:00 unanswered (deadline Tue 10:00, passed), one
    of Tuesday 10:00 unanswered (deadline Wed 10:00, after the build's moment:
    pending), one answered within the hour."""
    w = PROVISIONAL_WEEK
    b.seller("PROV-A")
    b.fulfilment_week("PROV-A", w, 4, 3)
    b.question("PROV-A", case_id="PROV-Q-PASSED", created=day(w, "10:00"))
    b.question("PROV-A", case_id="PROV-Q-PENDING", created=day(w + timedelta(days=1), "10:00"))
    b.question("PROV-A", case_id="PROV-Q-ANSWERED", created=day(w, "11:00"),
               response=day(w, "11:30"))


def build_all_scenarios(landing: Path) -> LandingBuilder:
    b = LandingBuilder()
    worked_examples(b)
    more_rules(b)
    trajectory_rules(b)
    linked_circumstances(b)
    incident_reasons(b)
    week_in_progress(b)
    b.write(landing)
    return b


@dataclass
class ScenarioWarehouse:
    """The built warehouse of every scenario, queried through fresh connections."""

    path: Path
    landing: Path

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.path))
        try:
            con.execute("set TimeZone = 'UTC'")
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        con = duckdb.connect(str(self.path))
        try:
            con.execute("set TimeZone = 'UTC'")
            cur = con.execute(sql, params or [])
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        finally:
            con.close()

    def indicator(self, seller_id: str, week: date, indicator: str) -> dict | None:
        found = self.rows(
            "select * from marts.seller_week_indicators "
            "where seller_id = ? and week_start = ? and indicator = ?",
            [seller_id, week, indicator],
        )
        assert len(found) <= 1
        return found[0] if found else None

    def trajectory(self, seller_id: str) -> dict[date, dict]:
        return {
            r["week_start"]: r
            for r in self.rows(
                "select * from marts.seller_trajectory_weeks where seller_id = ? "
                "order by week_start",
                [seller_id],
            )
        }
