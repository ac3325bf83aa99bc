"""Synthetic bol.com-style marketplace: writes a landing directory (SPEC §3).

Everything is vectorised NumPy/Arrow; the only Python loops run per week, per
entity or per small category (transporter, product group). Each week is generated
and written on its own, so memory stays bounded at bol scale.

All times are generated as *local* (Europe/Amsterdam) wall-clock seconds and
converted to UTC only when a column is built, so DST weeks shift correctly.

File layout (the path relative to the landing root sorts in delivery order):

- ``sellers/<week>-0-sellers.<ext>``: the sellers known at the start, plus one
  file per week in which new sellers join;
- ``<entity>/<week>-1-weekly.<ext>``: the rows whose event happened in that
  local ISO week, in their state at the end of that week;
- ``<entity>/<week>-2-corrections.<ext>``: later versions of earlier rows
  (late first responses, changed delivery-confirmation answers, fixed track &
  trace codes), delivered with the week in which the change happened;
- ``mitigating_circumstances/<week>-1-calendar.<ext>`` and a later
  ``<week>-2-withdrawal.<ext>`` that retracts one of its rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from orchestration.ingest.contract import (
    CANCEL_REASONS,
    ENTITIES,
    EVENT_CODES,
    TIME_FRAME_TYPES,
    WEEKLY_INDICATORS,
)

TZ = "Europe/Amsterdam"
MIN = 60
HOUR = 3600
DAY = 86400
# Rows may trail the last generated week (returns, reviews, late answers); none later.
TAIL_WEEKS = 8

_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    "DATE": pa.date32(),
    "INTEGER": pa.int32(),
    "DECIMAL(10,2)": pa.decimal128(10, 2),
    "BOOLEAN": pa.bool_(),
}

DICT_COLUMNS: dict[str, list[str]] = {
    name: [
        c.name
        for c in ent.columns
        if c.enum or c.name in ("product_group", "transporter_code", "main_reason", "seller_id")
    ]
    for name, ent in ENTITIES.items()
}

SCHEMAS: dict[str, pa.Schema] = {
    name: pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in ent.columns])
    for name, ent in ENTITIES.items()
}

# Indicator "levels" per seller and week: 0 = excellent behaviour, 1 = clearly bad.
IND = (*WEEKLY_INDICATORS, "NPS")
I_FUL, I_HAN, I_CAN, I_RSP, I_TNT, I_PHO, I_CIR, I_RET, I_REV, I_NPS = range(len(IND))
STRIKE_INDICATORS = (I_FUL, I_HAN, I_CAN, I_RSP)
MAIL_INDICATORS = (I_TNT, I_PHO, I_CIR, I_RET, I_REV, I_NPS)

# name, share of items, question rate, return rate, median price, share sent as letter
GROUPS = (
    ("FASHION", 0.14, 0.050, 0.180, 35.0, 0.05),
    ("SHOES", 0.06, 0.045, 0.150, 60.0, 0.00),
    ("ELECTRONICS", 0.10, 0.060, 0.050, 90.0, 0.02),
    ("COMPUTER", 0.07, 0.065, 0.040, 120.0, 0.05),
    ("HOME_GARDEN", 0.15, 0.035, 0.040, 40.0, 0.02),
    ("TOYS", 0.10, 0.030, 0.030, 25.0, 0.05),
    ("BOOKS", 0.12, 0.015, 0.010, 18.0, 0.55),
    ("SPORTS", 0.08, 0.035, 0.060, 45.0, 0.05),
    ("BEAUTY", 0.10, 0.030, 0.020, 20.0, 0.30),
    ("BABY", 0.08, 0.040, 0.040, 30.0, 0.05),
)
G_NAMES = [g[0] for g in GROUPS]
G_SHARE = np.array([g[1] for g in GROUPS])
G_QRATE = np.array([g[2] for g in GROUPS])
G_RRATE = np.array([g[3] for g in GROUPS])
G_PRICE = np.array([g[4] for g in GROUPS])
G_LETTER = np.array([g[5] for g in GROUPS])
G_WEARABLE = np.isin(G_NAMES, ["FASHION", "SHOES"])

TRANSPORTERS = ("TNT", "DHL", "DPD-NL", "BPOST_BE", "GLS", "BRIEFPOST", "OTHER")
T_TNT, T_DHL, T_DPD, T_BPOST, T_GLS, T_BRIEF, T_OTHER = range(len(TRANSPORTERS))
T_TRACKED = np.array([True, True, True, True, True, False, False])
# Parcel carrier mix for own shipping (BRIEFPOST is chosen separately for letters).
T_MIX_NL = np.array([0.52, 0.22, 0.12, 0.02, 0.10, 0.0, 0.02])
T_MIX_BE = np.array([0.10, 0.14, 0.06, 0.58, 0.10, 0.0, 0.02])

TIME_FRAMES = TIME_FRAME_TYPES
TF_REG, TF_EVE, TF_APP, TF_SAME, TF_SUN = range(5)
TF_P = np.array([0.83, 0.06, 0.03, 0.04, 0.03, 0.01])  # last = NULL

EVENTS = EVENT_CODES
E_PRE, E_ATT, E_TRANS, E_TRY, E_NEIGH, E_CUST, E_PICKED, E_PUP, E_RTS = range(len(EVENTS))

_R = {r: i for i, r in enumerate(CANCEL_REASONS)}
SELLER_REASONS = (
    np.array(
        [
            _R[r]
            for r in (
                "OUT_OF_STOCK",
                "BAD_CONDITION",
                "INCORRECT_PRICE",
                "TECH_ISSUE",
                "UNFINDABLE_ITEM",
                "HIGHER_SHIPCOST",
                "NOT_AVAIL_IN_TIME",
                "OTHER",
            )
        ]
    ),
    np.array([0.55, 0.07, 0.10, 0.06, 0.07, 0.05, 0.05, 0.05]),
)
CUSTOMER_REASONS = (
    np.array(
        [
            _R[r]
            for r in (
                "REQUESTED_BY_CUSTOMER",
                "ORDERED_TWICE",
                "NO_BOL_GUARANTEE",
                "RETAIN_ITEM",
                "HIGHER_SHIPCOST",
                "OTHER",
            )
        ]
    ),
    np.array([0.55, 0.17, 0.05, 0.05, 0.06, 0.12]),
)
RETURN_REASONS = (
    "DOES_NOT_FIT",
    "NOT_AS_EXPECTED",
    "DEFECTIVE",
    "WRONG_ARTICLE",
    "CHANGED_MIND",
    "DAMAGED_IN_TRANSIT",
    "OTHER",
)

# Order times: busier on Sunday/Monday and in the evening.
DOW_P = np.array([0.16, 0.15, 0.14, 0.14, 0.13, 0.11, 0.17])
HOUR_W = np.array(
    [2, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 3, 4, 5, 5.5, 6, 6, 5.5, 5.5, 5.5, 6, 6.5, 7.5, 9, 9, 7, 4],
    dtype=float,
)
HOUR_P = HOUR_W / HOUR_W.sum()

TIERS = ("excellent", "average", "struggling", "deteriorating", "recovering", "tiny")
T_EXC, T_AVG, T_STR, T_DET, T_REC, T_TINY = range(len(TIERS))

ADJ = (
    "Groene",
    "Blije",
    "Snelle",
    "Slimme",
    "Oranje",
    "Gouden",
    "Kleine",
    "Grote",
    "Vrolijke",
    "Eerlijke",
    "Nordic",
    "Urban",
    "Happy",
    "Smart",
    "Royal",
    "Dutch",
    "Vlaamse",
    "Echte",
    "Lekker",
    "Puur",
)
SURNAMES = (
    "Van Dijk",
    "De Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Mulder",
    "De Boer",
    "Peeters",
    "Janssens",
    "Maes",
    "Claes",
    "Wouters",
    "Hendriks",
    "Dekker",
    "Willems",
)
NOUNS = (
    "Boekhandel",
    "Winkel",
    "Store",
    "Shop",
    "Wonen",
    "Mode",
    "Speelgoed",
    "Tech",
    "Sport",
    "Beauty",
    "Tuin",
    "Baby",
    "Gadgets",
    "Schoenen",
    "Huis",
    "Deals",
    "Outlet",
    "Keuken",
)
SUFFIX_NL = ("", " B.V.", " BV", " VOF", " Online")
SUFFIX_BE = ("", " BV", " BVBA", " SRL", " Online")


@dataclass
class GenerateSummary:
    out: Path
    files: int
    rows: dict[str, int] = field(default_factory=dict)
    first_week: str = ""
    last_week: str = ""


# --------------------------------------------------------------------------- helpers


def parse_week(week: str) -> dt.date:
    """The Monday of an ISO week written as ``YYYY-Www``."""
    m = re.fullmatch(r"(\d{4})-W(\d{2})", week or "")
    if not m:
        raise ValueError(f"bad week {week!r}: expected YYYY-Www, e.g. 2025-W40")
    try:
        return dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise ValueError(f"bad week {week!r}: no such ISO week") from None


def week_label(monday: dt.date) -> str:
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _epoch_day(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


class _Clock:
    """Local wall-clock → UTC, via a per-hour offset table built with the tz database.

    Inside a skipped hour (spring) all times map to the transition instant and the
    repeated hour (autumn) is read as summer time, so the mapping stays monotonic.
    """

    def __init__(self, lo_day: int, hi_day: int) -> None:
        self.h0 = lo_day * 24
        hours = np.arange(lo_day * 24, hi_day * 24 + 2, dtype=np.int64)
        local = pd.DatetimeIndex(hours.astype("datetime64[h]").astype("datetime64[s]"))
        utc = (
            local.tz_localize(
                TZ, ambiguous=np.ones(len(hours), dtype=bool), nonexistent="shift_forward"
            )
            .as_unit("s")
            .asi8
        )
        self.start = utc[:-1]
        self.span = np.diff(utc)

    def utc(self, local_s: np.ndarray) -> np.ndarray:
        h = local_s // HOUR - self.h0
        h = np.clip(h, 0, len(self.start) - 1)
        return self.start[h] + np.minimum(local_s % HOUR, self.span[h])


class _Holidays:
    """Business-day calendars (Mon–Fri minus public holidays) for NL and BE."""

    def __init__(self, first_year: int, last_year: int) -> None:
        years = range(first_year, last_year + 1)
        self.cal = {
            c: np.busdaycalendar(
                weekmask="1111100",
                holidays=sorted(holidays.country_holidays(c, years=years).keys()),
            )
            for c in ("NL", "BE")
        }

    def offset(self, days: np.ndarray, n: np.ndarray | int, nl: np.ndarray) -> np.ndarray:
        """Business day `n` days after `days` (rolled forward first), per country."""
        d = days.astype("datetime64[D]")
        a = np.busday_offset(d, n, roll="forward", busdaycal=self.cal["NL"])
        b = np.busday_offset(d, n, roll="forward", busdaycal=self.cal["BE"])
        return np.where(nl, a, b).astype(np.int64)

    def is_busday(self, days: np.ndarray, nl: np.ndarray) -> np.ndarray:
        d = days.astype("datetime64[D]")
        return np.where(
            nl,
            np.is_busday(d, busdaycal=self.cal["NL"]),
            np.is_busday(d, busdaycal=self.cal["BE"]),
        )


def _strs(
    labels: tuple[str, ...] | list[str], codes: np.ndarray, mask: np.ndarray | None = None
) -> pa.Array:
    """Category codes → string array (NULL where mask or code < 0)."""
    codes = np.asarray(codes)
    null = codes < 0 if mask is None else (mask | (codes < 0))
    idx = pa.array(np.where(null, 0, codes).astype(np.int32), mask=null)
    return pa.DictionaryArray.from_arrays(idx, pa.array(list(labels), pa.string())).cast(
        pa.string()
    )


def _ids(prefix: str, nums: np.ndarray, width: int, mask: np.ndarray | None = None) -> pa.Array:
    """prefix + zero-padded number, built as one fixed-width byte matrix (no per-row work)."""
    nums = np.asarray(nums, dtype=np.int64)
    n = len(nums)
    if n:
        width = max(width, len(str(int(nums.max()))))
    pre = np.frombuffer(prefix.encode(), dtype=np.uint8)
    size = len(pre) + width
    mat = np.empty((n, size), dtype=np.uint8)
    mat[:, : len(pre)] = pre
    rest = nums.copy()
    for col in range(size - 1, len(pre) - 1, -1):
        mat[:, col] = 48 + rest % 10
        rest //= 10
    offsets = np.arange(0, (n + 1) * size, size, dtype=np.int32)
    validity = None
    if mask is not None and mask.any():
        validity = pa.py_buffer(np.packbits(~mask, bitorder="little").tobytes())
    return pa.Array.from_buffers(
        pa.string(), n, [validity, pa.py_buffer(offsets.tobytes()), pa.py_buffer(mat.tobytes())]
    )


def _chars(rng: np.random.Generator, n: int, alphabet: bytes, lo: int, hi: int) -> np.ndarray:
    """n random strings of length lo..hi over alphabet (as a NumPy bytes array)."""
    if n == 0:
        return np.array([], dtype=f"S{max(hi, 1)}")
    alpha = np.frombuffer(alphabet, dtype=np.uint8)
    mat = alpha[rng.integers(0, len(alpha), size=(n, hi))]
    length = rng.integers(lo, hi + 1, size=n)
    mat[np.arange(hi)[None, :] >= length[:, None]] = 0  # NULs are stripped by the S dtype
    return np.ascontiguousarray(mat).view(f"S{hi}").ravel()


def _bstr(arr: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(arr, pa.binary()), pa.string())


def _bern(rng: np.random.Generator, p: np.ndarray | float, n: int) -> np.ndarray:
    return rng.random(n) < p


def _choice(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    return np.searchsorted(np.cumsum(p) / np.sum(p), rng.random(n), side="right").clip(
        0, len(p) - 1
    )


def _decimal(cents: np.ndarray) -> pa.Array:
    """int64 cents → decimal128(10,2) without going through floats."""
    cents = np.asarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = cents >> 63  # sign extension of the 128-bit value
    return pa.Array.from_buffers(
        pa.decimal128(10, 2), len(cents), [None, pa.py_buffer(words.tobytes())]
    )


def _season(monday: dt.date) -> float:
    """Volume factor: a November–December peak, a quiet January."""
    mid = monday + dt.timedelta(days=3)
    if mid.month == 11:
        return 1.3 + 0.55 * mid.day / 30
    if mid.month == 12:
        return 1.85 if mid.day <= 20 else 1.2
    if mid.month == 1:
        return 0.9
    return 1.0


# --------------------------------------------------------------------------- sellers


@dataclass
class _Sellers:
    n: int
    nl: np.ndarray
    tier: np.ndarray
    join_week: np.ndarray
    rate: np.ndarray  # mean items per ordinary week
    fbb_share: np.ndarray
    vvb_share: np.ndarray
    primary_group: np.ndarray
    letter_factor: np.ndarray
    main_carrier: np.ndarray
    base: np.ndarray  # (n, len(IND)) level when not in a bad spell
    weak: np.ndarray  # (n, len(IND)) bool: affected by the tier's bad spell
    registered_local: np.ndarray


def _tier_counts(n: int) -> list[int]:
    # Problem tiers are over-represented at demo scale so every rule fires; a big
    # platform gets more realistic shares.
    share = 0.05 if n <= 1000 else 0.03
    frac = {T_STR: share, T_DET: share, T_REC: share, T_TINY: 0.03, T_EXC: 0.25}
    counts = [0] * len(TIERS)
    left = n
    # Problem tiers first (at least one each when there is room), so tests see them too.
    for t in (T_STR, T_DET, T_REC, T_TINY, T_EXC):
        k = min(left, max(1, round(frac[t] * n)) if n >= 8 else round(frac[t] * n))
        counts[t] = k
        left -= k
    counts[T_AVG] = left
    return counts


def _make_sellers(n: int, weeks: int, start_day: int, seed: int) -> _Sellers:
    rng = np.random.default_rng([seed, 0, 0])
    nl = rng.random(n) < 0.7
    tier = np.repeat(np.arange(len(TIERS)), _tier_counts(n))
    tier = tier[rng.permutation(n)]

    # Heavy-tailed size: many small shops, a few big ones (mean ≈ 46 items a week).
    rate = rng.lognormal(np.log(14.0), 1.3, n)
    base = np.where(
        (tier == T_EXC)[:, None],
        rng.uniform(0.0, 0.04, (n, len(IND))),
        rng.uniform(0.03, 0.18, (n, len(IND))),
    )
    weak = np.zeros((n, len(IND)), dtype=bool)
    fbb_share = np.where(rng.random(n) < 0.3, 0.0, rng.beta(2.0, 1.8, n))
    vvb_share = np.where(rng.random(n) < 0.5, 0.0, rng.beta(2.0, 2.5, n))

    # Problem sellers: each gets a strike indicator and two mail indicators, round
    # robin, so at demo scale every indicator has sellers that breach it.
    for t in (T_STR, T_DET, T_REC):
        idx = np.flatnonzero(tier == t)
        for k, s in enumerate(idx):
            si = STRIKE_INDICATORS[(k + t) % len(STRIKE_INDICATORS)]
            weak[s, si] = True
            if t != T_REC:
                weak[s, MAIL_INDICATORS[k % len(MAIL_INDICATORS)]] = True
                weak[s, MAIL_INDICATORS[(k + 3) % len(MAIL_INDICATORS)]] = True
            # Large enough that the incident floors are reached (10 late questions!).
            lo = {I_RSP: 260.0, I_CAN: 110.0}.get(si, 80.0)
            rate[s] = max(rate[s], rng.uniform(lo, 2 * lo))
            if si in (I_FUL, I_CAN, I_HAN):
                fbb_share[s] = min(fbb_share[s], 0.15)
            if si == I_HAN:
                vvb_share[s] = 0.75
            elif si == I_FUL:
                vvb_share[s] = min(vvb_share[s], 0.2)
        if t == T_REC:
            base[idx] = rng.uniform(0.0, 0.02, (len(idx), len(IND)))
    tiny = tier == T_TINY
    rate[tiny] = min(1.2, 70.0 / weeks)  # never 100 orders: GroeiStart throughout

    # Some ordinary sellers join mid-period.
    join_week = np.zeros(n, dtype=np.int64)
    if weeks >= 4:
        ordinary = np.flatnonzero(np.isin(tier, (T_EXC, T_AVG)))
        joiners = ordinary[rng.random(len(ordinary)) < 0.07]
        join_week[joiners] = rng.integers(1, max(2, int(weeks * 0.6)), len(joiners))

    primary_group = _choice(rng, G_SHARE, n)
    letter_factor = rng.uniform(0.5, 1.5, n)
    main_carrier = np.where(nl, _choice(rng, T_MIX_NL, n), _choice(rng, T_MIX_BE, n))
    main_carrier = np.where(main_carrier == T_OTHER, T_TNT, main_carrier)
    # Sellers present from the start registered long ago; joiners just before joining.
    reg_day = np.where(
        join_week > 0,
        start_day + 7 * join_week - rng.integers(3, 25, n),
        start_day - rng.integers(30, 12 * 365, n),
    )
    registered_local = reg_day * DAY + rng.integers(8 * HOUR, 22 * HOUR, n)
    return _Sellers(
        n,
        nl,
        tier,
        join_week,
        rate,
        fbb_share,
        vvb_share,
        primary_group,
        letter_factor,
        main_carrier,
        base,
        weak,
        registered_local,
    )


def _levels(s: _Sellers, w: int, weeks: int, rng: np.random.Generator) -> np.ndarray:
    """Per seller and indicator, how badly the seller behaves in week w (0..~1.2)."""
    spell = np.zeros(s.n)
    half = weeks // 2
    spell[s.tier == T_STR] = 1.0
    if w >= half:
        spell[s.tier == T_DET] = min(1.0, (w - half + 1) / 3)
    if w < 3:
        spell[s.tier == T_REC] = 0.9
    noise = rng.lognormal(0.0, 0.25, (s.n, len(IND)))
    lvl = s.base * noise + s.weak * spell[:, None] * rng.uniform(0.85, 1.2, (s.n, len(IND)))
    return np.clip(lvl, 0.0, 1.3)


def _p(lvl: np.ndarray, good: float, bad: float) -> np.ndarray:
    # Convex: ordinary sellers stay close to "good", only a real bad spell hurts.
    return good + lvl**1.5 * (bad - good)


# --------------------------------------------------------------------------- batches


class _Writer:
    def __init__(self, out: Path, fmt: str, clock: _Clock) -> None:
        self.out = out
        self.fmt = fmt
        self.clock = clock
        self.files = 0
        self.rows: dict[str, int] = {e: 0 for e in ENTITIES}
        # (entity, kind) -> week -> list of tables
        self.pending: dict[tuple[str, str], dict[int, list[pa.Table]]] = {}
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.inflight: list[Future[None]] = []
        # Batch names are `<week>-<prefix><kind>`; weeks after a year get "following-".
        self.kind_prefix = ""

    def ts(self, local_s: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
        utc = self.clock.utc(np.asarray(local_s, dtype=np.int64)) * 1_000_000
        return pa.array(utc, type=pa.timestamp("us", tz="UTC"), mask=mask)

    @staticmethod
    def date(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
        return pa.array(np.asarray(days).astype(np.int32), type=pa.date32(), mask=mask)

    @staticmethod
    def table(entity: str, cols: dict[str, pa.Array]) -> pa.Table:
        schema = SCHEMAS[entity]
        assert list(cols) == schema.names, (entity, list(cols))
        return pa.Table.from_arrays([cols[f.name].cast(f.type) for f in schema], schema=schema)

    def add(
        self,
        entity: str,
        kind: str,
        week: np.ndarray,
        build: Callable[[np.ndarray], dict[str, pa.Array]],
    ) -> None:
        """Queue rows for the batch of their (local) event week.

        `build` gets the row positions already ordered by week, so the (string-heavy)
        table is built once in batch order instead of being reshuffled afterwards.
        """
        week = np.asarray(week)
        if len(week) == 0:
            return
        order = np.argsort(week, kind="stable")
        table = self.table(entity, build(order))
        weeks, first = np.unique(week[order], return_index=True)
        bounds = list(first) + [table.num_rows]
        slot = self.pending.setdefault((entity, kind), {})
        for k, wk in enumerate(weeks):
            slot.setdefault(int(wk), []).append(table.slice(bounds[k], bounds[k + 1] - bounds[k]))

    def flush(self, w: int, label: str, always: bool) -> None:
        self.drain()
        for entity in ENTITIES:
            for kind in ("1-weekly", "2-corrections"):
                parts = self.pending.get((entity, kind), {}).pop(w, [])
                if parts or (
                    always
                    and kind == "1-weekly"
                    and entity != "mitigating_circumstances"
                    and entity != "sellers"
                ):
                    tbl = pa.concat_tables(parts) if parts else SCHEMAS[entity].empty_table()
                    self.write(entity, f"{label}-{self.kind_prefix}{kind}", tbl)

    def pending_weeks(self) -> list[int]:
        return sorted({wk for slot in self.pending.values() for wk, v in slot.items() if v})

    def write(self, entity: str, stem: str, table: pa.Table) -> None:
        """Write one batch file; encoding runs on the writer thread (Arrow drops the GIL),
        overlapping with the generation of the next week."""
        d = self.out / entity
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"{stem}.{self.fmt}"
        self.files += 1
        self.rows[entity] += table.num_rows
        self.inflight.append(self.pool.submit(self._encode, entity, path, table))

    def drain(self) -> None:
        """Wait for queued writes (bounds memory to about one week in flight)."""
        futures, self.inflight = self.inflight, []
        for f in futures:
            f.result()

    def close(self) -> None:
        try:
            self.drain()
        finally:
            self.pool.shutdown(wait=True)

    def _encode(self, entity: str, path: Path, table: pa.Table) -> None:
        if self.fmt == "parquet":
            pq.write_table(
                table,
                path,
                compression="zstd",
                row_group_size=1 << 20,
                # Dictionary pages only pay off for the low-cardinality columns.
                use_dictionary=DICT_COLUMNS[entity],
            )
        else:
            cols = []
            for f, col in zip(table.schema, table.columns, strict=True):
                if pa.types.is_timestamp(f.type):
                    col = pc.strftime(
                        pc.cast(col, pa.timestamp("s", tz="UTC")), format="%Y-%m-%dT%H:%M:%S+00:00"
                    )
                cols.append(pc.cast(col, pa.string()))
            pcsv.write_csv(
                pa.Table.from_arrays(cols, names=table.schema.names),
                path,
                pcsv.WriteOptions(include_header=True, quoting_style="needed"),
            )


# --------------------------------------------------------------------------- generation


@dataclass
class _Ctx:
    weeks: int
    seed: int
    start_day: int
    sellers: _Sellers
    hol: _Holidays
    wr: _Writer
    strike: tuple[int, int]  # TNT strike, local days [from, to)
    outage: tuple[int, int]  # platform outage, local seconds [from, to)
    seller_labels: list[str] = field(default_factory=list)

    def week_of(self, local_s: np.ndarray) -> np.ndarray:
        return (local_s // DAY - self.start_day) // 7


def _tnt_codes(rng: np.random.Generator, carrier: np.ndarray) -> pa.Array:
    """Valid track & trace codes per carrier (NULL for untracked carriers)."""
    n = len(carrier)
    out = np.zeros(n, dtype="S32")
    digits, alnum = b"0123456789", b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    upper = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for t in (T_TNT, T_DHL, T_DPD, T_BPOST, T_GLS):
        idx = np.flatnonzero(carrier == t)
        k = len(idx)
        if k == 0:
            continue
        if t == T_TNT:
            code = np.char.add(
                np.char.add(b"3S", _chars(rng, k, upper, 4, 4)), _chars(rng, k, digits, 7, 9)
            )
        elif t == T_DHL:
            pre = np.where(rng.random(k) < 0.6, b"JVGL", b"JJD")
            code = np.char.add(pre, _chars(rng, k, digits, 10, 18))
        elif t == T_DPD:
            code = _chars(rng, k, digits, 14, 14)
        elif t == T_BPOST:
            pre = np.where(rng.random(k) < 0.7, b"32", b"CD")
            body = np.where(
                rng.random(k) < 0.6, _chars(rng, k, digits, 22, 22), _chars(rng, k, alnum, 12, 22)
            )
            code = np.char.add(pre, body)
        else:
            code = _chars(rng, k, digits, 11, 12)
        out[idx] = code
    return pc.cast(pa.array(out, pa.binary(), mask=~T_TRACKED[carrier]), pa.string())


def _spoil(rng: np.random.Generator, codes: pa.Array, carrier: np.ndarray) -> pa.Array:
    """Typical mistakes: missing, truncated, stray space, lower case."""
    n = len(carrier)
    kind = rng.integers(0, 4, n)
    has_letters = np.isin(carrier, (T_TNT, T_DHL))
    kind = np.where((kind == 3) & ~has_letters, 1, kind)
    trunc = pc.utf8_slice_codeunits(codes, 0, 6)
    spaced = pc.binary_join_element_wise(codes, " ", "")
    lower = pc.utf8_lower(codes)
    res = pc.case_when(
        pc.make_struct(pa.array(kind == 1), pa.array(kind == 2), pa.array(kind == 3)),
        trunc,
        spaced,
        lower,
        codes,
    )
    return pc.if_else(pa.array(kind == 0), pa.scalar(None, pa.string()), res)


def _week(ctx: _Ctx, w: int, monday: dt.date) -> None:
    S, hol, wr = ctx.sellers, ctx.hol, ctx.wr
    yyww = int(week_label(monday)[2:4] + week_label(monday)[6:8])
    rng = np.random.default_rng([ctx.seed, w + 1, 1])
    lvl = _levels(S, w, ctx.weeks, rng)
    week0 = (ctx.start_day + 7 * w) * DAY

    def ident(prefix: str, nums: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
        """IDs of this week's rows: prefix, yyww, 7-digit sequence number."""
        return _ids(f"{prefix}{yyww:04d}", nums, 7, mask)

    def sellers_of(idx: np.ndarray) -> pa.Array:
        return _strs(ctx.seller_labels, idx)

    # ---- order items --------------------------------------------------------
    active = S.join_week <= w
    lam = S.rate * _season(monday) * rng.lognormal(0.0, 0.12, S.n) * active
    cnt = rng.poisson(lam)
    N = int(cnt.sum())
    s = np.repeat(np.arange(S.n), cnt)
    new_order = rng.random(N) < 0.82
    starts = (np.cumsum(cnt) - cnt)[cnt > 0]
    new_order[starts] = True
    order_no = np.cumsum(new_order) - 1
    n_orders = int(order_no[-1] + 1) if N else 0
    o_time = (
        week0
        + _choice(rng, DOW_P, n_orders) * DAY
        + _choice(rng, HOUR_P, n_orders) * HOUR
        + rng.integers(0, HOUR, n_orders)
    )
    ordered = o_time[order_no]
    nl = S.nl[s]
    od = ordered // DAY
    oh = (ordered % DAY) // HOUR
    dow = (od + 3) % 7

    grp = np.where(rng.random(N) < 0.7, S.primary_group[s], _choice(rng, G_SHARE, N))
    fbb = rng.random(N) < S.fbb_share[s]
    vvb = ~fbb & (rng.random(N) < S.vvb_share[s])
    own = ~fbb & ~vvb
    tf = _choice(rng, TF_P, N)
    tf = np.where(tf == 5, -1, tf)
    tf = np.where((tf == TF_SAME) & ((oh >= 12) | (dow == 6)), TF_REG, tf)
    tf = np.where(vvb & np.isin(tf, (TF_SAME, TF_APP, TF_SUN)), TF_REG, tf)

    bus_days = np.searchsorted([0.6, 0.88], rng.random(N), side="right") + 1
    latest = hol.offset(od, bus_days, nl)
    exact = np.full(N, -1, dtype=np.int64)
    exact = np.where(tf == TF_SAME, od, exact)
    exact = np.where(tf == TF_SUN, od + np.where(dow < 6, 6 - dow, 7), exact)
    exact = np.where(tf == TF_APP, od + rng.integers(3, 15, N), exact)
    # VVB: hand over by 18:00 on the same or next business day (later when ordered late).
    ho_day = hol.offset(od + (oh >= 12), rng.integers(0, 2, N) * (rng.random(N) < 0.3), nl)
    latest = np.where(vvb, np.maximum(latest, hol.offset(ho_day, 1, nl)), latest)
    has_exact = exact >= 0
    latest = np.where(has_exact, exact, latest)
    promise = latest
    expiry = promise + np.where(tf == TF_APP, 2, 5)
    ho_deadline = ho_day * DAY + 18 * HOUR

    qty = np.minimum(1 + rng.geometric(0.8, N) - 1, 5)
    price = rng.lognormal(np.log(G_PRICE[grp]), 0.6)
    cents = np.round(price * 100).astype(np.int64)
    cents = np.where(rng.random(N) < 0.6, (cents // 100) * 100 + 99, cents)
    # EAN-13 with a valid check digit from a per-seller catalogue.
    prefix = np.where(nl, 87, 54).astype(np.int64)
    body = prefix * 10**10 + (s.astype(np.int64) * 7919 % 10**6) * 10**4 + rng.integers(0, 400, N)
    digits = np.stack([(body // 10 ** (11 - i)) % 10 for i in range(12)])
    weights = np.where(np.arange(12) % 2 == 0, 1, 3)[:, None]
    check = (10 - (digits * weights).sum(axis=0) % 10) % 10
    ean_null = rng.random(N) < 0.01

    ean = body * 10 + check
    wr.add(
        "order_items",
        "1-weekly",
        np.full(N, w),
        lambda o: {
            "order_item_id": ident("OI", o),
            "order_id": ident("O", order_no[o]),
            "seller_id": sellers_of(s[o]),
            "ordered_at": wr.ts(ordered[o]),
            "product_group": _strs(G_NAMES, grp[o]),
            "ean": pc.cast(pa.array(ean[o], mask=ean_null[o]), pa.string()),
            "quantity": pa.array(qty[o].astype(np.int32)),
            "unit_price": _decimal(cents[o]),
            "fulfilment_method": _strs(("FBR", "FBB"), fbb[o].astype(np.int8)),
            "shipping_method": _strs(("OWN", "VVB"), vvb[o].astype(np.int8), mask=fbb[o]),
            "time_frame_type": _strs(TIME_FRAMES, tf[o]),
            "latest_delivery_date": wr.date(latest[o]),
            "exact_delivery_date": wr.date(exact[o], mask=~has_exact[o]),
            "expiry_date": wr.date(expiry[o]),
            "latest_handover_at": wr.ts(ho_deadline[o], mask=~vvb[o]),
        },
    )

    # ---- cancellations ------------------------------------------------------
    l_ful, l_can = lvl[s, I_FUL], lvl[s, I_CAN]
    p_late = _p(l_ful, 0.008, 0.17)
    u = rng.random(N)
    p_sel = np.where(fbb, 0.0, _p(l_can, 0.0015, 0.05))
    p_cb = np.full(N, 0.009)
    p_ca = np.where(fbb, 0.0, 0.0008 + 0.01 * p_late)
    p_sys = np.where(fbb, 0.0, _p(l_can, 0.0006, 0.006))
    c1 = p_sel
    c2 = c1 + p_cb
    c3 = c2 + p_ca
    c4 = c3 + p_sys
    ctype = np.select([u < c1, u < c2, u < c3, u < c4], [1, 2, 3, 4], 0)
    cancelled = ctype > 0
    ci = np.flatnonzero(cancelled)
    ct = ctype[ci]
    o_c = ordered[ci]
    p_c = promise[ci]
    c_at = np.select(
        [ct == 1, ct == 2, ct == 3],
        [
            o_c + rng.integers(20 * MIN, 40 * HOUR, len(ci)),
            np.maximum(
                o_c + MIN,
                np.minimum(
                    o_c + rng.lognormal(np.log(3 * HOUR), 1.0, len(ci)).astype(np.int64),
                    p_c * DAY + 12 * HOUR,
                ),
            ),
            (p_c + rng.integers(1, 4, len(ci))) * DAY + rng.integers(9 * HOUR, 21 * HOUR, len(ci)),
        ],
        (expiry[ci] + 1) * DAY + rng.integers(5 * MIN, HOUR, len(ci)),
    )
    reason = np.select(
        [ct == 1, ct == 2, ct == 3],
        [
            SELLER_REASONS[0][_choice(rng, SELLER_REASONS[1], len(ci))],
            CUSTOMER_REASONS[0][_choice(rng, CUSTOMER_REASONS[1], len(ci))],
            np.where(rng.random(len(ci)) < 0.7, _R["NOT_AVAIL_IN_TIME"], _R["OTHER"]),
        ],
        np.where(rng.random(len(ci)) < 0.7, _R["NOT_AVAIL_IN_TIME"], -1),
    )
    reason = np.where(rng.random(len(ci)) < 0.02, -1, reason)
    wr.add(
        "cancellations",
        "1-weekly",
        ctx.week_of(c_at),
        lambda o: {
            "order_item_id": ident("OI", ci[o]),
            "cancelled_at": wr.ts(c_at[o]),
            "initiated_by": _strs(("X", "SELLER", "CUSTOMER", "CUSTOMER", "SYSTEM"), ct[o]),
            "reason_code": _strs(CANCEL_REASONS, reason[o]),
        },
    )

    # ---- shipments ----------------------------------------------------------
    l_tnt = lvl[s, I_TNT]
    late = own & ~cancelled & (rng.random(N) < p_late)
    no_ship = late & (rng.random(N) < 0.08)
    shipped_item = ~fbb & ~cancelled & ~no_ship
    si = np.flatnonzero(shipped_item)
    M = len(si)
    ss = s[si]
    m_nl, m_vvb, m_grp = nl[si], vvb[si], grp[si]
    m_ord, m_prom, m_tf, m_late = ordered[si], promise[si], tf[si], late[si]

    letter = ~m_vvb & (rng.random(M) < G_LETTER[m_grp] * S.letter_factor[ss])
    mix = np.where(m_nl[:, None], T_MIX_NL, T_MIX_BE)
    mix = mix + np.where(np.arange(len(TRANSPORTERS)) == T_OTHER, 0.25 * l_tnt[si][:, None], 0)
    cdf = np.cumsum(mix, axis=1) / mix.sum(axis=1)[:, None]
    rnd_carrier = (cdf < rng.random(M)[:, None]).sum(axis=1)
    carrier = np.where(rng.random(M) < 0.8, S.main_carrier[ss], rnd_carrier)
    vvb_carrier = np.where(
        m_nl,
        np.where(rng.random(M) < 0.85, T_TNT, T_DHL),
        np.where(rng.random(M) < 0.7, T_BPOST, T_TNT),
    )
    carrier = np.where(m_vvb, vvb_carrier, np.where(letter, T_BRIEF, carrier))
    parcel_letter = letter | (~m_vvb & (carrier == T_TNT) & (rng.random(M) < 0.03))

    # TNT strike: NL TNT parcels due in the window mostly arrive late.
    in_strike = (
        ~m_vvb
        & m_nl
        & (carrier == T_TNT)
        & (m_prom >= ctx.strike[0])
        & (m_prom < ctx.strike[1])
        & (rng.random(M) < 0.6)
    )
    m_late = m_late | in_strike

    # First delivery attempt (local): on or before the promise date unless late.
    back = np.searchsorted([0.72, 0.95], rng.random(M), side="right")
    min_day = np.where(m_tf == TF_SAME, m_ord // DAY, m_ord // DAY + 1)
    back = np.where(m_tf == TF_APP, 0, back)
    att_day = np.where(m_late, m_prom + rng.integers(1, 4, M), np.maximum(m_prom - back, min_day))
    att_day = np.where(m_tf == TF_SUN, np.where(m_late, att_day, m_prom), att_day)
    att_tod = np.where(
        m_tf == TF_EVE,
        rng.integers(17 * HOUR + 1800, 21 * HOUR + 1800, M),
        rng.integers(9 * HOUR, 21 * HOUR, M),
    )
    att_tod = np.where(m_tf == TF_SAME, rng.integers(17 * HOUR, 22 * HOUR, M), att_tod)
    attempt = att_day * DAY + att_tod
    transit = rng.integers(12 * HOUR, 30 * HOUR, M) + (~m_nl) * 8 * HOUR
    gap0 = np.maximum(attempt - m_ord, 2 * HOUR)
    shipped = np.maximum(
        attempt - transit, m_ord + np.minimum(gap0 // 3, rng.integers(10 * MIN, 2 * HOUR, M))
    )
    # VVB: handover against the deadline, delivery the day after.
    m_ho = ho_deadline[si]
    l_han = lvl[ss, I_HAN]
    ho_late = m_vvb & (rng.random(M) < _p(l_han, 0.01, 0.16))
    no_scan = ho_late & (rng.random(M) < 0.1)
    ho_on = m_ord + ((m_ho - m_ord) * rng.uniform(0.3, 0.98, M)).astype(np.int64)
    ho_at = np.where(ho_late, m_ho + rng.integers(HOUR, 40 * HOUR, M), ho_on)
    v_ship = m_ord + ((ho_at - m_ord) * rng.uniform(0.2, 0.8, M)).astype(np.int64)
    shipped = np.where(m_vvb, v_ship, shipped)
    attempt = np.where(m_vvb, ho_at + rng.integers(12 * HOUR, 30 * HOUR, M), attempt)

    tracked_carrier = T_TRACKED[carrier]
    valid_codes = _tnt_codes(rng, carrier)
    p_bad_code = _p(l_tnt[si], 0.003, 0.12)
    invalid = ~m_vvb & tracked_carrier & ~parcel_letter & (rng.random(M) < p_bad_code)
    codes = pc.if_else(pa.array(invalid), _spoil(rng, valid_codes, carrier), valid_codes)
    other_code = _bstr(np.char.add(b"OT", _chars(rng, M, b"0123456789", 10, 10)))
    codes = pc.if_else(pa.array((carrier == T_OTHER) & (rng.random(M) < 0.5)), other_code, codes)
    tracked = tracked_carrier & ~parcel_letter & ~invalid
    # AT_TRANSPORTER = first carrier scan = handed_over_at, for tracked lines.
    gap = attempt - shipped
    at_tr = shipped + (gap * rng.uniform(0.1, 0.3, M)).astype(np.int64)
    handed = np.where(m_vvb, ho_at, at_tr)
    handed_null = (m_vvb & no_scan) | (~m_vvb & ~tracked)

    def ship_cols(o: np.ndarray, code: pa.Array, ho: np.ndarray, ho_null: np.ndarray) -> dict:
        return {
            "shipment_id": ident("SH", o),
            "order_item_id": ident("OI", si[o]),
            "shipped_at": wr.ts(shipped[o]),
            "transporter_code": _strs(TRANSPORTERS, carrier[o]),
            "track_and_trace": code.take(pa.array(o)),
            "parcel_type": _strs(("PARCEL", "LETTER"), parcel_letter[o].astype(np.int8)),
            "handed_over_at": wr.ts(ho[o], mask=ho_null[o]),
        }

    wr.add(
        "shipments",
        "1-weekly",
        ctx.week_of(shipped),
        lambda o: ship_cols(o, codes, handed, handed_null),
    )
    # Some wrong codes are fixed later (a correction with the valid code).
    fix = np.flatnonzero(invalid & (rng.random(M) < 0.3))
    fix_week = ctx.week_of(shipped[fix]) + 1 + (rng.random(len(fix)) < 0.3)
    wr.add(
        "shipments",
        "2-corrections",
        fix_week,
        lambda o: ship_cols(fix[o], valid_codes, at_tr, np.zeros(M, dtype=bool)),
    )

    # ---- transport events (tracked lines, and lines whose code gets fixed) ----
    ev_line = tracked.copy()
    ev_line[fix] = True
    ev_line &= ~(m_vvb & no_scan)
    li = np.flatnonzero(ev_line)
    k = len(li)
    sh, at, g = shipped[li], attempt[li], gap[li]
    first = _choice(rng, np.array([0.76, 0.07, 0.07, 0.10]), k)  # CUST, NEIGH, TRY, PUP
    first_code = np.array([E_CUST, E_NEIGH, E_TRY, E_PUP])[first]
    second_pup = (first == 2) & (rng.random(k) < 0.4)
    second = np.where(first == 2, np.where(second_pup, E_PUP, E_CUST), -1)
    second_at = at + DAY + rng.integers(-2 * HOUR, 3 * HOUR, k)
    pup = (first == 3) | second_pup
    pup_at = np.where(first == 3, at, second_at)
    rts = pup & (rng.random(k) < 0.08)
    third = np.where(pup, np.where(rts, E_RTS, E_PICKED), -1)
    third_at = pup_at + np.where(
        rts, rng.integers(8 * DAY, 12 * DAY, k), rng.integers(2 * HOUR, 5 * DAY, k)
    )
    pre_at = sh + np.minimum(rng.integers(MIN, 30 * MIN, k), g // 20)
    trans_at = sh + (g * rng.uniform(0.4, 0.8, k)).astype(np.int64)
    v_ho = ho_at[li]
    trans_at = np.where(
        m_vvb[li], v_ho + ((at - v_ho) * rng.uniform(0.2, 0.6, k)).astype(np.int64), trans_at
    )
    ev_ship = np.concatenate([li] * 6)
    ev_code = np.concatenate(
        [np.full(k, E_PRE), np.full(k, E_ATT), np.full(k, E_TRANS), first_code, second, third]
    )
    ev_at = np.concatenate([pre_at, at_tr[li], trans_at, at, second_at, third_at])
    vvb_li = m_vvb[li]
    ev_at[k : 2 * k] = np.where(vvb_li, ho_at[li], at_tr[li])
    keep = ev_code >= 0
    ev_ship, ev_code, ev_at = ev_ship[keep], ev_code[keep], ev_at[keep]
    wr.add(
        "transport_events",
        "1-weekly",
        ctx.week_of(ev_at),
        lambda o: {
            "shipment_id": ident("SH", ev_ship[o]),
            "event_code": _strs(EVENTS, ev_code[o]),
            "event_at": wr.ts(ev_at[o]),
        },
    )

    # ---- delivery confirmations (own shipments without a usable code) ---------
    ask = np.flatnonzero(~m_vvb & ~tracked)
    a = len(ask)
    asked = (m_prom[ask] + 1) * DAY + rng.integers(10 * HOUR, 14 * HOUR, a)
    r = rng.random(a)
    answer = np.where(
        m_late[ask], np.where(r < 0.9, 1, -1), np.select([r < 0.70, r < 0.99], [0, -1], 1)
    )

    def conf_cols(o: np.ndarray, ans: np.ndarray) -> dict:
        return {
            "order_item_id": ident("OI", si[ask[o]]),
            "asked_at": wr.ts(asked[o]),
            "answer": _strs(("RECEIVED", "NOT_RECEIVED"), ans[o]),
        }

    wr.add(
        "delivery_confirmations",
        "1-weekly",
        ctx.week_of(asked),
        lambda o: conf_cols(o, answer),
    )
    # A customer changes the answer later (RECEIVED <-> NOT_RECEIVED).
    flip = np.flatnonzero((answer >= 0) & (rng.random(a) < 0.06))
    flip_week = ctx.week_of(asked[flip]) + 1 + (rng.random(len(flip)) < 0.4)
    wr.add(
        "delivery_confirmations",
        "2-corrections",
        flip_week,
        lambda o: conf_cols(flip[o], 1 - answer),
    )

    # ---- customer questions --------------------------------------------------
    qmult = _p(lvl[s, I_CIR], 0.8, 2.6)
    q_p = G_QRATE[grp] * qmult
    qi = np.flatnonzero(rng.random(N) < 0.85 * q_p)
    nq = len(qi)
    q_created_l = ordered[qi] + np.minimum(
        rng.lognormal(np.log(30 * HOUR), 1.0, nq).astype(np.int64), 10 * DAY
    )
    # ~15 % of questions are not about an order item.
    unl = rng.poisson(0.15 * np.bincount(s, weights=q_p, minlength=S.n))
    nu = int(unl.sum())
    u_seller = np.repeat(np.arange(S.n), unl)
    u_created = (
        week0
        + _choice(rng, np.array([0.17, 0.17, 0.16, 0.16, 0.14, 0.1, 0.1]), nu) * DAY
        + rng.integers(7 * HOUR, 23 * HOUR, nu)
    )
    q_seller = np.concatenate([s[qi], u_seller])
    created = np.concatenate([q_created_l, u_created])
    q_item = np.concatenate([qi, np.full(nu, -1)])
    nq_all = nq + nu
    q_nl = S.nl[q_seller]
    cday, ctod = created // DAY, created % DAY
    cbus = hol.is_busday(cday, q_nl)
    deadline = np.where(
        cbus, hol.offset(cday, 1, q_nl) * DAY + ctod, (hol.offset(cday, 0, q_nl) + 1) * DAY
    )
    l_rsp = lvl[q_seller, I_RSP]
    r = rng.random(nq_all)
    p_un = _p(l_rsp, 0.004, 0.08)
    unanswered = r < p_un
    q_late = ~unanswered & (r < p_un + _p(l_rsp, 0.015, 0.6))
    hour = ctod // HOUR
    next_morning = hol.offset(cday + 1, 0, q_nl) * DAY + rng.integers(8 * HOUR, 10 * HOUR, nq_all)
    start = np.where(
        cbus & (hour >= 7) & (hour < 22),
        created,
        np.where(cbus & (hour < 7), cday * DAY + 8 * HOUR, next_morning),
    )
    start = np.where(~cbus & (rng.random(nq_all) < 0.2), created, start)  # some work weekends
    on_time = np.minimum(
        start + rng.lognormal(np.log(2.5 * HOUR), 0.9, nq_all).astype(np.int64),
        deadline - rng.integers(MIN, HOUR, nq_all),
    )
    on_time = np.maximum(on_time, created + MIN)
    late_resp = deadline + np.minimum(
        rng.lognormal(np.log(14 * HOUR), 0.9, nq_all).astype(np.int64), 6 * DAY
    )
    resp = np.where(q_late, late_resp, on_time)
    in_outage = (created >= ctx.outage[0]) & (created < ctx.outage[1])
    resp = np.where(
        in_outage, np.maximum(resp, ctx.outage[1] + rng.integers(HOUR, 5 * HOUR, nq_all)), resp
    )
    q_week = ctx.week_of(created)
    known = ~unanswered & (resp < (ctx.start_day + 7 * (q_week + 1)) * DAY)
    fwd = rng.random(nq_all)

    def q_cols(o: np.ndarray, no_resp: np.ndarray) -> dict:
        return {
            "case_id": ident("C", o),
            "seller_id": sellers_of(q_seller[o]),
            "order_item_id": ident("OI", q_item[o], mask=q_item[o] < 0),
            "created_at": wr.ts(created[o]),
            "first_response_at": wr.ts(resp[o], mask=no_resp[o]),
            "forwarded_by_bol": pa.array(fwd[o] < 0.12, mask=fwd[o] > 0.98),
        }

    wr.add("customer_questions", "1-weekly", q_week, lambda o: q_cols(o, ~known))
    # Answers after the weekly extract arrive as corrections in the week of the answer.
    lr = np.flatnonzero(~unanswered & ~known)
    wr.add(
        "customer_questions",
        "2-corrections",
        ctx.week_of(resp[lr]),
        lambda o: q_cols(lr[o], np.zeros(nq_all, dtype=bool)),
    )

    # ---- NPS responses (a survey after a customer-service case) --------------
    ni = np.flatnonzero(rng.random(nq_all) < 0.35)
    after = np.where(unanswered[ni], created[ni], resp[ni])
    responded = after + rng.integers(2 * HOUR, 6 * DAY, len(ni))
    l_nps = lvl[q_seller[ni], I_NPS] + 0.5 * q_late[ni]
    r = rng.random(len(ni))
    prom = r < _p(l_nps, 0.62, 0.22)
    det = ~prom & (r > 1 - _p(l_nps, 0.10, 0.5))
    score = np.where(
        prom,
        rng.integers(9, 11, len(ni)),
        np.where(
            det,
            _choice(rng, np.array([1, 1, 1, 2, 2, 4, 6.0]), len(ni)),
            rng.integers(7, 9, len(ni)),
        ),
    )
    wr.add(
        "nps_responses",
        "1-weekly",
        ctx.week_of(responded),
        lambda o: {
            "response_id": ident("N", o),
            "seller_id": sellers_of(q_seller[ni[o]]),
            "case_id": ident("C", ni[o]),
            "responded_at": wr.ts(responded[o]),
            "score": pa.array(score[o].astype(np.int32)),
        },
    )

    # ---- phone calls ----------------------------------------------------------
    calls = rng.poisson(0.01 * cnt + 0.03 * active)
    nc = int(calls.sum())
    c_s = np.repeat(np.arange(S.n), calls)
    office = rng.random(nc) < 0.75
    c_day = np.where(
        office,
        rng.integers(0, 5, nc),
        np.where(rng.random(nc) < 0.6, rng.integers(0, 5, nc), rng.integers(5, 7, nc)),
    )
    c_tod = np.where(
        office,
        rng.integers(9 * HOUR, 17 * HOUR, nc),
        np.where(
            c_day < 5,
            np.where(
                rng.random(nc) < 0.5,
                rng.integers(17 * HOUR, 21 * HOUR, nc),
                rng.integers(7 * HOUR, 9 * HOUR, nc),
            ),
            rng.integers(10 * HOUR, 18 * HOUR, nc),
        ),
    )
    started = week0 + c_day * DAY + c_tod
    office_real = office & hol.is_busday(started // DAY, S.nl[c_s])
    p_ans = np.where(office_real, 1 - _p(lvl[c_s, I_PHO], 0.04, 0.4), 0.45)
    p_ans = np.where((started >= ctx.outage[0]) & (started < ctx.outage[1]), 0.3, p_ans)
    answered = rng.random(nc) < p_ans
    wr.add(
        "phone_calls",
        "1-weekly",
        np.full(nc, w),
        lambda o: {
            "call_id": ident("PC", o),
            "seller_id": sellers_of(c_s[o]),
            "started_at": wr.ts(started[o]),
            "answered": pa.array(answered[o]),
        },
    )

    # ---- returns ----------------------------------------------------------------
    l_ret = lvl[s, I_RET]
    ri = np.flatnonzero(
        ~cancelled & ~no_ship & (rng.random(N) < G_RRATE[grp] * _p(l_ret, 0.85, 2.6))
    )
    nr = len(ri)
    reg = ordered[ri] + np.clip(rng.lognormal(np.log(8 * DAY), 0.5, nr), 3 * DAY, 28 * DAY).astype(
        np.int64
    )
    r_qty = np.where(rng.random(nr) < 0.8, 1, qty[ri])
    wear = G_WEARABLE[grp[ri]]
    reason = np.where(
        wear & (rng.random(nr) < 0.55),
        0,
        1 + _choice(rng, np.array([0.3, 0.2, 0.08, 0.25, 0.07, 0.1]), nr),
    )
    reason = np.where(rng.random(nr) < 0.02, -1, reason)
    wr.add(
        "returns",
        "1-weekly",
        ctx.week_of(reg),
        lambda o: {
            "return_id": ident("RT", o),
            "order_item_id": ident("OI", ri[o]),
            "seller_id": sellers_of(s[ri[o]]),
            "registered_at": wr.ts(reg[o]),
            "quantity": pa.array(r_qty[o].astype(np.int32)),
            "main_reason": _strs(RETURN_REASONS, reason[o]),
        },
    )

    # ---- reviews (per order, on its first line) -----------------------------------
    first_line = np.flatnonzero(new_order & ~cancelled)
    vi = first_line[rng.random(len(first_line)) < 0.085]
    nv = len(vi)
    sub = ordered[vi] + rng.integers(4 * DAY, 24 * DAY, nv)
    sub = (sub // DAY) * DAY + rng.integers(8 * HOUR, 23 * HOUR, nv)
    mu = 9.0 - 3.2 * lvl[s[vi], I_REV] - 1.5 * late[vi]
    grade = np.clip(np.round(mu + rng.normal(0, 1.4, nv)), 1, 10).astype(np.int32)
    wr.add(
        "reviews",
        "1-weekly",
        ctx.week_of(sub),
        lambda o: {
            "review_id": ident("R", o),
            "seller_id": sellers_of(s[vi[o]]),
            "order_id": ident("O", order_no[vi[o]]),
            "submitted_at": wr.ts(sub[o]),
            "grade": pa.array(grade[o]),
        },
    )


def _circumstances(ctx: _Ctx, mondays: list[dt.date]) -> None:
    wr, weeks = ctx.wr, ctx.weeks
    strike_w, outage_w, third_w, withdraw_w = (min(i, weeks - 1) for i in (8, 14, 20, 22))

    def day(w: int, d: int) -> int:
        return ctx.start_day + 7 * w + d

    rows = {
        "circumstance_id": ["MC-001", "MC-002", "MC-003"],
        "starts_on": [day(strike_w, 1), day(outage_w, 2), day(third_w, 0)],
        "ends_on": [day(strike_w, 3), day(outage_w, 3), day(third_w, 2)],
        "scope": ["TRANSPORTER", "PLATFORM", "TRANSPORTER"],
        "transporter_code": ["TNT", None, "BPOST_BE"],
        "country": ["NL", "ALL", "BE"],
        "indicators": ["FULFILMENT", "RESPONSE_TIME|PHONE_AVAILABILITY", "FULFILMENT"],
        "effect": ["EXCLUDE_EVENTS", "NO_STRIKE", "EXCLUDE_EVENTS"],
        "description": [
            "PostNL strike in the Netherlands",
            "Seller portal outage: messages and phone routing unavailable",
            "bpost sorting centre incident (under investigation)",
        ],
        "withdrawn": [False, False, False],
    }

    def build(r: dict[str, list]) -> pa.Table:
        cols = {
            k: pa.array(v, SCHEMAS["mitigating_circumstances"].field(k).type)
            if k not in ("starts_on", "ends_on")
            else wr.date(np.array(v))
            for k, v in r.items()
        }
        return wr.table("mitigating_circumstances", cols)

    wr.write("mitigating_circumstances", f"{week_label(mondays[0])}-1-calendar", build(rows))
    withdrawn = {k: [v[2]] for k, v in rows.items()}
    withdrawn["withdrawn"] = [True]
    withdrawn["description"] = ["bpost sorting centre incident: withdrawn, no impact found"]
    wr.write(
        "mitigating_circumstances",
        f"{week_label(mondays[withdraw_w])}-2-withdrawal",
        build(withdrawn),
    )


def _write_sellers(ctx: _Ctx, mondays: list[dt.date]) -> None:
    S, wr = ctx.sellers, ctx.wr
    rng = np.random.default_rng([ctx.seed, 0, 1])
    n = S.n
    style = rng.random(n) < 0.5
    first = np.where(
        style,
        np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)],
        np.array(ADJ)[rng.integers(0, len(ADJ), n)],
    )
    noun = np.array(NOUNS)[rng.integers(0, len(NOUNS), n)]
    suffix = np.where(
        S.nl, np.array(SUFFIX_NL)[rng.integers(0, 5, n)], np.array(SUFFIX_BE)[rng.integers(0, 5, n)]
    )
    name = np.char.add(np.char.add(np.char.add(first, " "), noun), suffix)
    ids = pa.array(ctx.seller_labels, pa.string())
    tbl = wr.table(
        "sellers",
        {
            "seller_id": ids,
            "display_name": pa.array(name.tolist(), pa.string()),
            "country": _strs(("BE", "NL"), S.nl.astype(np.int8)),
            "registered_at": wr.ts(S.registered_local),
        },
    )
    for jw in np.unique(S.join_week):
        rows = np.flatnonzero(S.join_week == jw)
        wr.write("sellers", f"{week_label(mondays[jw])}-0-sellers", tbl.take(pa.array(rows)))


def _check_size(sellers: int, weeks: int, fmt: str) -> None:
    if not isinstance(sellers, int) or sellers < 1:
        raise ValueError(f"sellers must be a positive integer, got {sellers!r}")
    if not isinstance(weeks, int) or weeks < 1:
        raise ValueError(f"weeks must be a positive integer, got {weeks!r}")
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be 'parquet' or 'csv', got {fmt!r}")


def _context(
    out: Path, sellers: int, weeks: int, start_week: str, seed: int, fmt: str, horizon: int
) -> tuple[_Ctx, list[dt.date]]:
    """The generation context of a `weeks`-week year; `horizon` weeks have Mondays."""
    monday0 = parse_week(start_week)
    mondays = [monday0 + dt.timedelta(weeks=i) for i in range(horizon + TAIL_WEEKS + 1)]
    start_day = _epoch_day(monday0)
    end_day = start_day + 7 * (horizon + TAIL_WEEKS + 2)
    clock = _Clock(start_day - 13 * 366, end_day + 7)
    hol = _Holidays(monday0.year - 1, mondays[-1].year + 1)
    sellers_ = _make_sellers(sellers, weeks, start_day, seed)
    strike_w, outage_w = min(8, weeks - 1), min(14, weeks - 1)
    ctx = _Ctx(
        weeks=weeks,
        seed=seed,
        start_day=start_day,
        sellers=sellers_,
        hol=hol,
        wr=_Writer(out, fmt, clock),
        strike=(start_day + 7 * strike_w + 1, start_day + 7 * strike_w + 4),
        outage=(
            (start_day + 7 * outage_w + 2) * DAY + 9 * HOUR,
            (start_day + 7 * outage_w + 3) * DAY + 20 * HOUR,
        ),
        seller_labels=[f"S{i:0{max(6, len(str(sellers)))}d}" for i in range(sellers)],
    )
    return ctx, mondays


def _summary(out: Path, wr: _Writer, first: dt.date, last: dt.date) -> GenerateSummary:
    return GenerateSummary(
        out=out,
        files=wr.files,
        rows=dict(wr.rows),
        first_week=week_label(first),
        last_week=week_label(last),
    )


def generate(
    out: Path,
    sellers: int = 300,
    weeks: int = 40,
    start_week: str = "2025-W40",
    seed: int = 7,
    fmt: str = "parquet",
) -> GenerateSummary:
    """Write a landing directory with `weeks` weeks of data for `sellers` sellers."""
    _check_size(sellers, weeks, fmt)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"output directory {out} exists and is not empty")
    out.mkdir(parents=True, exist_ok=True)
    ctx, mondays = _context(out, sellers, weeks, start_week, seed, fmt, weeks)
    wr = ctx.wr
    try:
        _write_sellers(ctx, mondays)
        _circumstances(ctx, mondays)
        for w in range(weeks):
            _week(ctx, w, mondays[w])
            wr.flush(w, week_label(mondays[w]), always=True)
        for w in wr.pending_weeks():
            wr.flush(w, week_label(mondays[w]), always=False)
    finally:
        wr.close()
    return _summary(out, wr, mondays[0], mondays[weeks - 1])


def generate_following_week(
    out: Path,
    week: str,
    sellers: int = 300,
    weeks: int = 40,
    start_week: str = "2025-W40",
    seed: int = 7,
    fmt: str = "parquet",
) -> GenerateSummary:
    """Write the batches of one week after a generated year, as they arrive on its
    Wednesday: same sellers, seed and ids as `generate(out, sellers, weeks, ...)`.

    The week's files hold the rows of the weeks after the year that fall in
    `week`: its own orders and the late rows of the following weeks before it.
    The year's own rows that trail into `week` were written by `generate`; these
    files (`<week>-following-1-weekly`, `-following-2-corrections`) sort after
    theirs. Lets the Wednesday run be measured again on a warehouse that already
    holds the year (`python -m bench.run --stages next_week,wednesday_run`).
    """
    _check_size(sellers, weeks, fmt)
    target = (parse_week(week) - parse_week(start_week)).days // 7
    if target < weeks:
        raise ValueError(
            f"{week} is inside the generated year ({start_week} + {weeks} weeks): pick a later week"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx, mondays = _context(out, sellers, weeks, start_week, seed, fmt, target + 1)
    wr = ctx.wr
    wr.kind_prefix = "following-"
    try:
        for w in range(weeks, target + 1):
            _week(ctx, w, mondays[w])
            # Only `week`'s batches are written: the rows other weeks' batches
            # would hold are dropped as they come (memory stays one week's).
            for slot in wr.pending.values():
                for other in [k for k in slot if k != target]:
                    del slot[other]
        wr.flush(target, week_label(mondays[target]), always=True)
    finally:
        wr.close()
    return _summary(out, wr, mondays[target], mondays[target])
