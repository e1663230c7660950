"""Charts drawn on the server as inline SVG, so a page shows them without JavaScript.

Why hand-written SVG: the chart must be drawn with no script and no network, inside a strict CSP
(no inline styles), with a table view; a charting library measured against it is still to be
recorded in a decision (issue 13). Each chart is a ``<figure>`` holding

- an ``<svg role="img" aria-labelledby=…>`` with axes, tick labels, a legend when there are several
  series, and a ``<title>`` on every point or bar (browsers show it on hover, no script needed);
- shaded bands labelled "not collected" for the ``gaps`` of a line chart (days a source in scope
  was not fetched, so a dip there is no news);
- a ``<details><summary>Table</summary><table>`` with the same numbers, for screen readers and for
  anyone who wants the figures.

Every text that reaches the page (series names, bar labels, titles) is escaped here: names come
from feeds and users. Colours and sizes are presentation attributes and classes (the CSP refuses
inline ``style``); ``/static/charts.js`` adds an optional hover tooltip on top.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

# Colour-blind-safe palette (Okabe–Ito), in the order series are drawn.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
GAP_FILL = "#d9d9d9"
EMPTY_MESSAGE = "No data for this chart yet."
# Margins around the plot area (px): room for value labels on the left and date labels below.
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 40
BAR_HEIGHT, BAR_GAP = 20, 6  # px per bar and between bars: readable labels at phone width
LABEL_WIDTH = 180  # px kept left of the bars for their labels
LABEL_CHARS = 26  # longer bar labels are cut with "…" (the full label is in the bar's <title>)
Y_TICKS = 5  # about this many value ticks: enough to read a value, few enough to stay legible
X_TICKS = 6  # at most this many date labels: they must not overlap at 640 px


@dataclass(frozen=True)
class Series:
    """One line: a name for the legend and (day, value) points, in any order."""

    name: str
    points: Sequence[tuple[date, float]]


def format_value(value: float) -> str:
    """A number for a label: whole numbers with thousands separators, others to 3 significant digits."""
    if math.isfinite(value) and value == int(value):
        return f"{int(value):,}"
    return f"{value:.3g}"


def nice_ticks(top: float, count: int = Y_TICKS) -> list[float]:
    """Round tick values from 0 up to at least ``top`` (steps of 1, 2 or 5 × a power of ten)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 12) for i in range(n + 1)]


def _svg(kind: str, title: str, body: Markup, width: int, height: int) -> Markup:
    """The ``<svg>`` around a chart's drawing, labelled by its own ``<title>`` (its id from the content)."""
    chart_id = _chart_id(kind, title, str(body))
    return Markup(
        '<svg class="chart-svg" role="img" aria-labelledby="{0}-title" viewBox="0 0 {1} {2}" width="{1}" height="{2}" '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        '<title id="{0}-title">{3}</title>{4}</svg>'
    ).format(chart_id, width, height, title, body)


def _chart_id(kind: str, title: str, body: str) -> str:
    """A stable id for aria-labelledby: same chart, same id (so cached pages stay identical)."""
    digest = hashlib.blake2s(f"{kind}\0{title}\0{body}".encode(), digest_size=5).hexdigest()
    return f"chart-{digest}"


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _empty(title: str) -> Markup:
    return Markup(
        '<figure class="chart chart-empty"><figcaption>{}</figcaption><p class="empty">{}</p></figure>'
    ).format(title, EMPTY_MESSAGE)


def _days_between(first: date, last: date, count: int) -> list[date]:
    span = (last - first).days
    if span <= 0:
        return [first]
    step = max(1, math.ceil(span / (count - 1)))
    return [first + timedelta(days=d) for d in range(0, span + 1, step)]


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    y_label: str,
    gaps: Sequence[tuple[date, date]] = (),
    width: int = 640,
    height: int = 240,
) -> Markup:
    """A chart of values per day, one line per series; ``gaps`` (first day, last day, inclusive) shaded."""
    drawn = [s for s in series if s.points]
    if not drawn:
        return _empty(title)
    days = sorted({d for s in drawn for d, _ in s.points})
    gap_days = [(a, b) for a, b in gaps if a <= b]
    first = min([days[0], *(a for a, _ in gap_days)])
    last = max([days[-1], *(b for _, b in gap_days)])
    ticks = nice_ticks(max(v for s in drawn for _, v in s.points))
    top = ticks[-1]
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    span = max((last - first).days, 1)
    day_w = plot_w / (span + 1)  # each day owns a slot; its point sits in the middle

    def x(d: date) -> float:
        return LEFT + ((d - first).days + 0.5) * day_w

    def y(v: float) -> float:
        return TOP + plot_h - (v / top) * plot_h

    parts: list[Markup] = []
    for a, b in gap_days:
        x0 = LEFT + (a - first).days * day_w
        wide = ((b - a).days + 1) * day_w
        label = f"not collected {a.isoformat()}" + ("" if a == b else f" to {b.isoformat()}")
        parts.append(
            Markup(
                '<g class="chart-gap"><rect x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="0.6">'
                "<title>{}</title></rect>"
                '<text x="{}" y="{}" font-size="10" fill="#444" text-anchor="middle">not collected</text></g>'
            ).format(_num(x0), TOP, _num(wide), plot_h, GAP_FILL, label, _num(x0 + wide / 2), TOP + 10)
        )
    for tick in ticks:
        parts.append(
            Markup(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e3e3e3"/>'
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#5f6368">{}</text>'
            ).format(
                LEFT,
                width - RIGHT,
                _num(y(tick)),
                _num(y(tick)),
                LEFT - 6,
                _num(y(tick) + 4),
                format_value(tick),
            )
        )
    for d in _days_between(first, last, X_TICKS):
        parts.append(
            Markup(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#5f6368"/>'
                '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#5f6368">{}</text>'
            ).format(
                _num(x(d)),
                _num(x(d)),
                TOP + plot_h,
                TOP + plot_h + 4,
                _num(x(d)),
                TOP + plot_h + 16,
                d.isoformat(),
            )
        )
    parts.append(
        Markup(
            '<line class="chart-axis" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#1a1a1a"/>'
            '<line class="chart-axis" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#1a1a1a"/>'
            '<text x="12" y="{}" font-size="11" fill="#5f6368" transform="rotate(-90 12 {})" '
            'text-anchor="middle">{}</text>'
        ).format(
            LEFT,
            width - RIGHT,
            TOP + plot_h,
            TOP + plot_h,
            LEFT,
            LEFT,
            TOP,
            TOP + plot_h,
            _num(TOP + plot_h / 2),
            _num(TOP + plot_h / 2),
            y_label,
        )
    )
    radius = 3 if day_w >= 6 else 1.5  # long ranges: smaller dots, so the line stays visible
    for i, s in enumerate(drawn):
        colour = PALETTE[i % len(PALETTE)]
        points = sorted(s.points)
        path = " ".join(
            f"{'M' if j == 0 else 'L'}{_num(x(d))} {_num(y(v))}" for j, (d, v) in enumerate(points)
        )
        dots = Markup("").join(
            Markup(
                '<circle data-chart-point cx="{}" cy="{}" r="{}" fill="{}"><title>{}</title></circle>'
            ).format(_num(x(d)), _num(y(v)), radius, colour, f"{s.name} — {d.isoformat()}: {format_value(v)}")
            for d, v in points
        )
        parts.append(
            Markup(
                '<g class="chart-series"><path d="{}" fill="none" stroke="{}" stroke-width="2"/>{}</g>'
            ).format(path, colour, dots)
        )
    svg = _svg("line", title, Markup("").join(parts), width, height)
    return _figure(
        title, svg, _legend(drawn) if len(drawn) > 1 else Markup(""), _line_table(drawn, y_label, gap_days)
    )


def _legend(series: Sequence[Series]) -> Markup:
    items = Markup("").join(
        Markup(
            '<li><svg width="14" height="10" aria-hidden="true"><rect width="14" height="10" fill="{}"/></svg> {}</li>'
        ).format(PALETTE[i % len(PALETTE)], s.name)
        for i, s in enumerate(series)
    )
    return Markup('<ul class="chart-legend">{}</ul>').format(items)


def _line_table(series: Sequence[Series], y_label: str, gaps: Sequence[tuple[date, date]]) -> Markup:
    days = sorted({d for s in series for d, _ in s.points})
    values = [dict(s.points) for s in series]
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(s.name) for s in series)
    rows = Markup("").join(
        Markup('<tr><th scope="row">{}</th>{}</tr>').format(
            d.isoformat(),
            Markup("").join(
                Markup("<td>{}</td>").format(format_value(v[d]) if d in v else "") for v in values
            ),
        )
        for d in days
    )
    note = Markup("")
    if gaps:
        spans = ", ".join(a.isoformat() if a == b else f"{a.isoformat()} to {b.isoformat()}" for a, b in gaps)
        note = Markup('<p class="chart-gaps">Not collected: {}</p>').format(spans)
    return Markup(
        '<table><caption>{}</caption><thead><tr><th scope="col">Day</th>{}</tr></thead><tbody>{}</tbody></table>{}'
    ).format(y_label, head, rows, note)


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str, y_label: str, width: int = 640) -> Markup:
    """Horizontal bars, one per (label, value) row in the order given (labels may be long names)."""
    if not rows:
        return _empty(title)
    ticks = nice_ticks(max(max(v for _, v in rows), 0))
    top = ticks[-1]
    label_w = min(LABEL_WIDTH, width // 3)
    plot_w = width - label_w - RIGHT - 40  # 40 px for the value printed after the longest bar
    height = TOP + len(rows) * (BAR_HEIGHT + BAR_GAP) + 28

    def x(v: float) -> float:
        return label_w + max(v, 0) / top * plot_w

    parts: list[Markup] = []
    bottom = TOP + len(rows) * (BAR_HEIGHT + BAR_GAP)
    for tick in ticks:
        parts.append(
            Markup(
                '<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="#e3e3e3"/>'
                '<text x="{0}" y="{3}" font-size="11" text-anchor="middle" fill="#5f6368">{4}</text>'
            ).format(_num(x(tick)), TOP, bottom, bottom + 14, format_value(tick))
        )
    for i, (label, value) in enumerate(rows):
        top_y = TOP + i * (BAR_HEIGHT + BAR_GAP)
        short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        parts.append(
            Markup(
                '<g class="chart-bar"><text x="{}" y="{}" font-size="12" text-anchor="end" fill="#1a1a1a">{}</text>'
                '<rect data-chart-point x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>'
                '<text x="{}" y="{}" font-size="11" fill="#5f6368">{}</text></g>'
            ).format(
                label_w - 6,
                top_y + BAR_HEIGHT - 6,
                short,
                label_w,
                top_y,
                _num(max(x(value) - label_w, 0.5)),
                BAR_HEIGHT,
                PALETTE[0],
                f"{label}: {format_value(value)}",
                _num(x(value) + 4),
                top_y + BAR_HEIGHT - 6,
                format_value(value),
            )
        )
    parts.append(
        Markup('<line class="chart-axis" x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="#1a1a1a"/>').format(
            label_w, TOP, bottom
        )
    )
    svg = _svg("bar", title, Markup("").join(parts), width, height)
    table_rows = Markup("").join(
        Markup('<tr><th scope="row">{}</th><td>{}</td></tr>').format(label, format_value(value))
        for label, value in rows
    )
    table = Markup(
        '<table><thead><tr><th scope="col">Name</th><th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>'
    ).format(y_label, table_rows)
    return _figure(title, svg, Markup(""), table)


def _figure(title: str, svg: Markup, legend: Markup, table: Markup) -> Markup:
    return Markup(
        '<figure class="chart"><figcaption>{}</figcaption>{}{}'
        '<details class="chart-table"><summary>Table</summary>{}</details></figure>'
    ).format(escape(title), svg, legend, table)
