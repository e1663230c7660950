"""Server-drawn SVG charts: untrusted names are escaped, the table holds the drawn data, empty data says so."""

from __future__ import annotations

from datetime import date, timedelta

import lxml.html

from newsdesk.web.charts import EMPTY_MESSAGE, Series, bar_chart, format_value, line_chart, nice_ticks

HOSTILE = '<script>alert("x")</script> & "quotes"'
D0 = date(2026, 3, 1)


def _doc(markup: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(str(markup), create_parent="div")


def _table(doc: lxml.html.HtmlElement) -> list[list[str]]:
    return [[c.text_content() for c in tr.xpath("th|td")] for tr in doc.xpath("//details//tbody/tr")]


def test_line_chart_escapes_untrusted_text() -> None:
    markup = line_chart([Series(HOSTILE, [(D0, 3)]), Series("b", [(D0, 1)])], title=HOSTILE, y_label=HOSTILE)
    assert "<script>" not in markup
    doc = _doc(markup)
    assert not doc.xpath("//script")
    assert doc.xpath("//figcaption")[0].text_content() == HOSTILE
    assert HOSTILE in [li.text_content().strip() for li in doc.xpath("//ul[@class='chart-legend']/li")]
    assert doc.xpath("//table/thead//th")[1].text_content() == HOSTILE


def test_bar_chart_escapes_untrusted_labels() -> None:
    markup = bar_chart([(HOSTILE, 2.0)], title=HOSTILE, y_label=HOSTILE)
    assert "<script>" not in markup
    doc = _doc(markup)
    assert _table(doc) == [[HOSTILE, "2"]]
    assert doc.xpath("//rect[@data-chart-point]/title")[0].text_content() == f"{HOSTILE}: 2"


def test_line_chart_table_equals_data_and_points_have_titles() -> None:
    a = [(D0 + timedelta(days=i), float(i * 3)) for i in range(10)]
    b = [(D0 + timedelta(days=i), float(10 - i)) for i in range(0, 10, 2)]
    doc = _doc(line_chart([Series("alpha", a), Series("beta", b)], title="Per day", y_label="Articles"))
    svg = doc.xpath("//svg")[0]
    assert svg.get("role") == "img"
    label_id = svg.get("aria-labelledby")
    assert doc.xpath(f"//*[@id='{label_id}']")[0].text_content() == "Per day"
    assert len(doc.xpath("//g[@class='chart-series']/path")) == 2
    beta = dict(b)
    expected = [[d.isoformat(), format_value(v), format_value(beta[d]) if d in beta else ""] for d, v in a]
    assert _table(doc) == expected
    titles = [t.text_content() for t in doc.xpath("//circle[@data-chart-point]/title")]
    assert len(titles) == len(a) + len(b)
    assert "alpha — 2026-03-04: 9" in titles


def test_gaps_are_shaded_and_listed() -> None:
    points = [(D0 + timedelta(days=i), 1.0) for i in range(10)]
    doc = _doc(
        line_chart(
            [Series("a", points)],
            title="t",
            y_label="y",
            gaps=[(D0 + timedelta(days=3), D0 + timedelta(days=4))],
        )
    )
    gap = doc.xpath("//g[@class='chart-gap']")
    assert len(gap) == 1
    assert gap[0].xpath("text")[0].text_content() == "not collected"
    assert gap[0].xpath("rect/title")[0].text_content() == "not collected 2026-03-04 to 2026-03-05"
    assert (
        "Not collected: 2026-03-04 to 2026-03-05" in doc.xpath("//p[@class='chart-gaps']")[0].text_content()
    )
    assert not doc.xpath("//ul[@class='chart-legend']")  # one series: no legend


def test_bar_chart_table_equals_rows_in_order() -> None:
    rows = [("Le Monde", 120.0), ("Spiegel", 45.5), ("A very long source name that must be cut short", 3.0)]
    doc = _doc(bar_chart(rows, title="By source", y_label="Articles"))
    assert _table(doc) == [[name, format_value(v)] for name, v in rows]
    assert len(doc.xpath("//rect[@data-chart-point]")) == 3
    labels = [t.text_content() for t in doc.xpath("//g[@class='chart-bar']/text[1]")]
    assert labels[2].endswith("…") and len(labels[2]) <= 26


def test_empty_data_says_so() -> None:
    for markup in (
        line_chart([], title="Nothing", y_label="y"),
        line_chart([Series("a", [])], title="Nothing", y_label="y"),
        bar_chart([], title="Nothing", y_label="y"),
    ):
        doc = _doc(markup)
        assert not doc.xpath("//svg")
        assert doc.xpath("//p[@class='empty']")[0].text_content() == EMPTY_MESSAGE


def test_nice_ticks_cover_the_top_value() -> None:
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(0.37) == [0, 0.1, 0.2, 0.3, 0.4]
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(100) == [0, 20, 40, 60, 80, 100]


def test_same_chart_same_markup() -> None:
    series = [Series("a", [(D0, 1.0), (D0 + timedelta(days=1), 2.0)])]
    assert line_chart(series, title="t", y_label="y") == line_chart(series, title="t", y_label="y")
