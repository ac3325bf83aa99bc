"""Inline SVG charts for the performance pages: no JavaScript, no network.

Every chart is an `<svg role="img">` with a `<title>` and a `<desc>` that say in
words what it shows; the pages put the same numbers in a table beside it. Marks
differ in shape as well as colour (a strike is a diamond, a breach a triangle,
a week that meets the norm a filled circle, one that misses it without a
breach an open circle), so colour is never the only signal.

Each mark carries `data-week` and each chart `data-chart`, so a browser test
can count what was drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from markupsafe import Markup

# Plot geometry (SVG user units); the CSS scales each chart to its box.
WIDTH = 640
HEIGHT = 190
LEFT = 64
RIGHT = 14
TOP = 12
BOTTOM = 30

#: The state of a weekly value against its norm, most severe last.
STATES = ("meets", "misses", "breach", "strike")
STATE_LABELS = {
    "meets": "meets the norm",
    "misses": "misses the norm (below the incident floor: no breach)",
    "breach": "breach",
    "strike": "strike",
}


@dataclass(frozen=True)
class WeekPoint:
    week: date
    label: str  # e.g. 2026-W05
    value: float
    norm: float | None
    state: str  # one of STATES


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: Sequence[int | None]


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    meets: int
    misses: int


@dataclass(frozen=True)
class TimelineEvent:
    week: date
    kind: str  # a trajectory action, STRIKE (no action), COMPLETED or GROEISTART_END
    label: str


def _num(x: float) -> str:
    """Compact coordinates: a tenth of a unit is finer than a pixel."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) within [lo, hi]: the
    widest such step that still gives three ticks."""
    span = hi - lo
    if span <= 0:
        return [lo]
    power = 10 ** math.floor(math.log10(span / (count - 1)))
    ticks: list[float] = []
    for step in [m * power for m in (10, 5, 2.5, 2, 1, 0.5, 0.25, 0.2, 0.1)]:
        first = math.ceil(lo / step - 1e-9)
        ticks = [round(k * step, 12) for k in range(first, math.floor(hi / step + 1e-9) + 1)]
        if len(ticks) >= 3:
            break
    return ticks


def value_range(
    values: Sequence[float], bounds: tuple[float, float] | None = None
) -> tuple[float, float]:
    """The range a value axis shows: the values with some air, within `bounds`
    (a share never below 0 % or above 100 %), never empty."""
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    span = hi - lo
    pad = span * 0.1 if span else (abs(hi) * 0.05 or 0.01)
    lo, hi = lo - pad, hi + pad
    if bounds is not None:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
        if hi <= lo:
            lo, hi = bounds
    return lo, hi


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [
        f'<svg class="chart" data-chart="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]


def _y_axis(
    ticks: Sequence[float], y: Callable[[float], float], fmt: Callable[[float], str], width: int
) -> list[str]:
    return [
        f'<line class="grid" x1="{LEFT}" x2="{width - RIGHT}" y1="{_num(y(t))}" y2="{_num(y(t))}"/>'
        f'<text class="tick" x="{LEFT - 6}" y="{_num(y(t) + 4)}" text-anchor="end">'
        f"{escape(fmt(t))}</text>"
        for t in ticks
    ]


def _x_labels(labels: Sequence[str], x: Callable[[int], float], height: int) -> list[str]:
    """The first, middle and last week under the plot (the outer ones kept inside it)."""
    if not labels:
        return []
    last = len(labels) - 1
    anchors = {0: "start", last: "end"}
    slot = (x(1) - x(0)) / 2 if last else 0
    shift = {0: -slot, last: slot}
    return [
        f'<text class="tick" x="{_num(x(i) + shift.get(i, 0))}" y="{height - 8}" '
        f'text-anchor="{anchors.get(i, "middle")}">{escape(labels[i])}</text>'
        for i in sorted({0, last // 2, last})
    ]


def _slots(count: int, width: int) -> tuple[float, Callable[[int], float]]:
    slot = (width - LEFT - RIGHT) / max(count, 1)
    return slot, lambda i: LEFT + (i + 0.5) * slot


def _runs(points: Sequence[tuple[int, str]]) -> list[str]:
    """Polylines through consecutive slots, broken where a slot has no value."""
    runs: list[list[str]] = []
    previous = None
    for i, xy in points:
        if previous != i - 1:
            runs.append([])
        runs[-1].append(xy)
        previous = i
    return [f'<polyline class="value" points="{" ".join(r)}"/>' for r in runs if len(r) > 1]


def _mark(state: str, x: float, y: float, tip: str, week: date) -> str:
    attrs = f'class="mark {state}" data-week="{week.isoformat()}"'
    title = f"<title>{escape(tip)}</title>"
    if state == "strike":
        return f'<path {attrs} d="M{_num(x)} {_num(y - 7)}l7 7-7 7-7-7z">{title}</path>'
    if state == "breach":
        return f'<path {attrs} d="M{_num(x)} {_num(y - 6)}l6 10h-12z">{title}</path>'
    return f'<circle {attrs} cx="{_num(x)}" cy="{_num(y)}" r="4">{title}</circle>'


def trend_chart(
    chart_id: str,
    name: str,
    weeks: Sequence[date],
    week_labels: Sequence[str],
    points: Sequence[WeekPoint],
    fmt: Callable[[float], str],
    bounds: tuple[float, float] | None = None,
) -> Markup:
    """Weekly values of one indicator over `weeks`, the norm as a dashed step line,
    every measured week marked by its state (strikes as diamonds)."""
    width, height = WIDTH, HEIGHT
    slots = {w: i for i, w in enumerate(weeks)}
    plotted = [p for p in points if p.week in slots]
    lo, hi = value_range(
        [p.value for p in plotted] + [p.norm for p in plotted if p.norm is not None], bounds
    )
    slot, x = _slots(len(weeks), width)

    def y(v: float) -> float:
        return TOP + (hi - v) / (hi - lo) * (height - TOP - BOTTOM)

    strikes = [p.label for p in plotted if p.state == "strike"]
    breaches = [p.label for p in plotted if p.state == "breach"]
    desc = (
        f"{len(plotted)} measured weeks from {week_labels[0]} to {week_labels[-1]}. "
        + (f"Strikes in {', '.join(strikes)}. " if strikes else "No strikes. ")
        + (f"Breaches without a strike in {', '.join(breaches)}." if breaches else "")
    )
    parts = _open(chart_id, f"{name}: weekly value against the norm", desc.strip(), width, height)
    parts += _y_axis(nice_ticks(lo, hi), y, fmt, width)
    parts += _x_labels(week_labels, x, height)
    # The norm: a horizontal segment per measured week, joined into a step line.
    norm_path: list[str] = []
    previous = None
    for p in plotted:
        i = slots[p.week]
        if p.norm is None:
            previous = None
            continue
        ny = _num(y(p.norm))
        if previous == i - 1:
            norm_path.append(f"V{ny}H{_num(x(i) + slot / 2)}")
        else:
            norm_path.append(f"M{_num(x(i) - slot / 2)} {ny}H{_num(x(i) + slot / 2)}")
        previous = i
    if norm_path:
        parts.append(f'<path class="norm" d="{"".join(norm_path)}"/>')
    parts += _runs(
        [(slots[p.week], f"{_num(x(slots[p.week]))},{_num(y(p.value))}") for p in plotted]
    )
    parts += [
        _mark(
            p.state, x(slots[p.week]), y(p.value), f"{p.label}: {fmt(p.value)}, {p.state}", p.week
        )
        for p in plotted
    ]
    parts.append("</svg>")
    return Markup("".join(parts))


def share_chart(
    chart_id: str,
    name: str,
    weeks: Sequence[date],
    week_labels: Sequence[str],
    values: Sequence[float | None],
) -> Markup:
    """A share (0–100 %) per week as a line with a mark per week."""
    width, height = 420, 170
    _, x = _slots(len(weeks), width)

    def y(v: float) -> float:
        return TOP + (1 - v) * (height - TOP - BOTTOM)

    measured = [(i, v) for i, v in enumerate(values) if v is not None]
    desc = (
        f"Share of measured sellers meeting the {name} norm, {week_labels[0]} to {week_labels[-1]}"
    )
    if measured:
        i, v = measured[-1]
        desc += f"; {v * 100:.1f} % in {week_labels[i]}."
    else:
        desc += "; no seller measured."
    parts = _open(chart_id, f"{name}: share of sellers meeting the norm", desc, width, height)
    parts += _y_axis((0.0, 0.5, 1.0), y, lambda v: f"{v * 100:.0f} %", width)
    parts += _x_labels(week_labels, x, height)
    parts += _runs([(i, f"{_num(x(i))},{_num(y(v))}") for i, v in measured])
    parts += [
        f'<circle class="mark share" data-week="{weeks[i].isoformat()}" cx="{_num(x(i))}" '
        f'cy="{_num(y(v))}" r="3"><title>{week_labels[i]}: {v * 100:.1f} %</title></circle>'
        for i, v in measured
    ]
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bars(
    chart_id: str,
    title: str,
    weeks: Sequence[date],
    week_labels: Sequence[str],
    series: Sequence[Series],
) -> Markup:
    """Counts per week stacked by series; each series has its own fill pattern."""
    width, height = 1100, 240
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(weeks))]
    top = max(totals, default=0) or 1
    slot, x = _slots(len(weeks), width)

    def y(v: float) -> float:
        return TOP + (top - v) / top * (height - TOP - BOTTOM)

    desc = (
        "; ".join(f"{s.label}: {sum(v or 0 for v in s.values)} in total" for s in series)
        + f", {week_labels[0]} to {week_labels[-1]}."
    )
    parts = _open(chart_id, title, desc, width, height)
    parts += _y_axis([t for t in nice_ticks(0, top) if t == int(t)], y, lambda v: f"{v:.0f}", width)
    parts += _x_labels(week_labels, x, height)
    bar = max(slot * 0.7, 1)
    for i, week in enumerate(weeks):
        base = 0
        for s in series:
            v = s.values[i] or 0
            if v:
                y0, y1 = y(base + v), y(base)
                parts.append(
                    f'<rect class="bar {s.key}" data-week="{week.isoformat()}" '
                    f'x="{_num(x(i) - bar / 2)}" y="{_num(y0)}" width="{_num(bar)}" '
                    f'height="{_num(y1 - y0)}"><title>{week_labels[i]}: {v} {escape(s.label)}'
                    "</title></rect>"
                )
                base += v
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(chart_id: str, name: str, bins: Sequence[Bin], fmt: Callable[[float], str]) -> Markup:
    """Sellers per six-week score bin; those below their norm stacked on top, hatched."""
    width, height = 420, 170
    top = max((b.meets + b.misses for b in bins), default=0) or 1
    slot = (width - LEFT - RIGHT) / max(len(bins), 1)

    def y(v: float) -> float:
        return TOP + (top - v) / top * (height - TOP - BOTTOM)

    meets = sum(b.meets for b in bins)
    misses = sum(b.misses for b in bins)
    desc = (
        f"{meets + misses} sellers with a six-week {name} score: {meets} meet their norm, "
        f"{misses} do not."
    )
    if bins:
        desc += f" Scores from {fmt(bins[0].low)} to {fmt(bins[-1].high)}."
    parts = _open(chart_id, f"{name}: distribution of six-week scores", desc, width, height)
    parts += _y_axis([t for t in nice_ticks(0, top) if t == int(t)], y, lambda v: f"{v:.0f}", width)
    for i, b in enumerate(bins):
        x0 = LEFT + i * slot + 1
        base = 0
        for key, count in (("meets", b.meets), ("misses", b.misses)):
            if count:
                y0, y1 = y(base + count), y(base)
                verb = "meet" if key == "meets" else "are below"
                parts.append(
                    f'<rect class="bar {key}" x="{_num(x0)}" y="{_num(y0)}" '
                    f'width="{_num(max(slot - 2, 1))}" height="{_num(y1 - y0)}"><title>'
                    f"{escape(fmt(b.low))} to {escape(fmt(b.high))}: {count} {verb} the norm"
                    "</title></rect>"
                )
                base += count
    if bins:
        edges = [bins[0].low] + [b.high for b in bins]
        last = len(bins)
        for i, anchor in ((0, "start"), (last // 2, "middle"), (last, "end")):
            parts.append(
                f'<text class="tick" x="{_num(LEFT + i * slot)}" y="{height - 8}" '
                f'text-anchor="{anchor}">{escape(fmt(edges[i]))}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


TIMELINE_KINDS = {
    "GROEISTART_END": "GroeiStart ended",
    "MAIL": "strike: mail",
    "TEMPORARY_CLOSURE": "strike: temporary closure",
    "FINAL_WARNING": "strike: final warning",
    "DEFINITIVE_CLOSURE": "strike: definitive closure",
    "STRIKE": "strike after the closure",
    "COMPLETED": "trajectory completed",
}


def _timeline_mark(kind: str, x: float, y: float) -> str:
    """One shape per kind of event (the legend draws the same shapes)."""
    if kind == "MAIL":
        return f'<path d="M{_num(x)} {_num(y - 7)}l7 7-7 7-7-7z"/>'
    if kind == "TEMPORARY_CLOSURE":
        return f'<rect x="{_num(x - 6)}" y="{_num(y - 6)}" width="12" height="12"/>'
    if kind == "FINAL_WARNING":
        return f'<path d="M{_num(x)} {_num(y - 8)}l8 14h-16z"/>'
    if kind == "DEFINITIVE_CLOSURE":
        return (
            f'<rect x="{_num(x - 7)}" y="{_num(y - 7)}" width="14" height="14"/>'
            f'<path class="cross" d="M{_num(x - 4)} {_num(y - 4)}l8 8m0-8l-8 8"/>'
        )
    if kind == "COMPLETED":
        return (
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="7"/>'
            f'<path class="tick-mark" d="M{_num(x - 4)} {_num(y)}l3 3 5-6"/>'
        )
    if kind == "GROEISTART_END":
        return f'<path d="M{_num(x)} {_num(y - 14)}V{_num(y + 14)}"/>'
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4"/>'


def timeline_chart(
    chart_id: str,
    weeks: Sequence[date],
    week_labels: Sequence[str],
    events: Sequence[TimelineEvent],
) -> Markup:
    """A seller's weeks from the first measured one, with the trajectory's events."""
    width, height = WIDTH * 2, 78
    slot, x = _slots(len(weeks), width)
    slots = {w: i for i, w in enumerate(weeks)}
    mid = 30
    shown = [e for e in events if e.week in slots]
    counts: dict[str, int] = {}
    for e in shown:
        counts[e.kind] = counts.get(e.kind, 0) + 1
    desc = (
        f"Weeks {week_labels[0]} to {week_labels[-1]}: "
        + (
            ", ".join(f"{n} × {TIMELINE_KINDS[k]}" for k, n in counts.items())
            if counts
            else "no strike"
        )
        + "."
    )
    parts = _open(chart_id, "Trajectory timeline", desc, width, height)
    parts.append(f'<path class="axis" d="M{LEFT} {mid}H{width - RIGHT}"/>')
    parts += _x_labels(week_labels, x, height)
    for e in shown:
        parts.append(
            f'<g class="event {e.kind.lower()}" data-week="{e.week.isoformat()}">'
            f"<title>{escape(week_labels[slots[e.week]])}: {escape(e.label)}</title>"
            f"{_timeline_mark(e.kind, x(slots[e.week]), mid)}</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def smiley(conforms: bool | None) -> Markup:
    """The face sellers know: green and smiling when the six-week score meets the
    norm, red and frowning when not, grey and straight when not measured."""
    if conforms is None:
        state, label, mouth = "none", "Not measured", "M13 27h14"
    elif conforms:
        state, label, mouth = "green", "Green: meets the norm", "M12 24q8 8 16 0"
    else:
        state, label, mouth = "red", "Red: below the norm", "M12 29q8-8 16 0"
    return Markup(
        f'<svg class="smiley {state}" viewBox="0 0 40 40" role="img" aria-label="{label}" '
        'xmlns="http://www.w3.org/2000/svg"><circle class="face" cx="20" cy="20" r="18"/>'
        '<circle class="eye" cx="14" cy="15" r="2.5"/><circle class="eye" cx="26" cy="15" r="2.5"/>'
        f'<path class="mouth" d="{mouth}"/></svg>'
    )


def _legend(items: Sequence[tuple[str, str]]) -> Markup:
    return Markup(
        '<ul class="legend">'
        + "".join(
            f'<li><svg class="legend-mark" viewBox="0 0 20 20" aria-hidden="true">{shape}</svg>'
            f"{escape(label)}</li>"
            for shape, label in items
        )
        + "</ul>"
    )


def legend_marks() -> Markup:
    """The legend of the trend charts, drawn with the same shapes."""
    items = [(_mark(s, 10, 10, STATE_LABELS[s], date(2000, 1, 3)), STATE_LABELS[s]) for s in STATES]
    items.append(('<path class="norm" d="M0 10H20"/>', "the norm"))
    return _legend(items)


def legend_timeline() -> Markup:
    return _legend(
        [
            (f'<g class="event {k.lower()}">{_timeline_mark(k, 10, 10)}</g>', label)
            for k, label in TIMELINE_KINDS.items()
        ]
    )
