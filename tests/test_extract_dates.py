"""The publication-date cascade: stated markup, the date by the headline, htmldate, tags, text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsdesk.extract import extract_article
from newsdesk.extract.dates import find_text_date

BODY = "".join(
    f"<p>Paragraph {i} of a long enough article about the harbour, the ferries and the people who work there "
    f"every day, whatever the weather and the season bring to the quay.</p>"
    for i in range(8)
)


def _page(head: str = "", byline: str = "", rail: str = "", before: str = "") -> str:
    return (
        f"<html><head><title>Harbour ferries return after the long winter</title>{head}</head><body>"
        f"<header>{before}</header><article><h1>Harbour ferries return after the long winter</h1>{byline}"
        f"{BODY}</article><div class='rail'>{rail}</div></body></html>"
    )


def test_date_by_headline_outranks_generic_date_tag_and_rail_times() -> None:
    html = _page(
        head='<meta name="date" content="2020-04-30">',
        byline="<p class='meta'>Von Anna Berg 29.04.2020, 12:01 Uhr</p>",
        rail='<time datetime="2020-05-02">2. Mai 2020</time><time datetime="2020-05-03">3. Mai</time>',
        before="Mittwoch, 06.05.2020",
    )
    assert extract_article(html, "https://port.example/ferries").published_at == datetime(2020, 4, 29, tzinfo=UTC)


def test_stated_published_time_wins_and_is_utc() -> None:
    html = _page(
        head='<meta property="article:published_time" content="2020-04-29T23:30:00-04:00">',
        byline="<p>29.04.2020</p>",
    )
    published = extract_article(html, "https://port.example/ferries").published_at
    assert published == datetime(2020, 4, 30, 3, 30, tzinfo=UTC)
    assert published is not None and published.utcoffset() is not None


def test_non_article_json_ld_date_is_used_when_nothing_else_states_one() -> None:
    head = '<script type="application/ld+json">{"@type": "WebPage", "datePublished": "2014-03-17T01:44:37+01:00"}</script>'
    assert extract_article(_page(head=head), None).published_at == datetime(2014, 3, 17, 0, 44, 37, tzinfo=UTC)


def test_date_in_a_sentence_after_the_headline_is_not_the_dateline() -> None:
    html = _page(
        head='<meta name="date" content="2021-10-20">',
        byline="<p>Das Zentrum wurde am 18. Oktober 2021 am Erzberg eröffnet.</p>",
    )
    assert extract_article(html, None).published_at == datetime(2021, 10, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Posted on Freitag, 15. April 2016 by LD", datetime(2016, 4, 15, tzinfo=UTC)),
        ("Teamchef 4. 2. 2022. Text", datetime(2022, 2, 4, tzinfo=UTC)),
        ("26 | 01 | 2022 Schweiz", datetime(2022, 1, 26, tzinfo=UTC)),
        ("Von: Björn | 31.10.23 Sie suchen", datetime(2023, 10, 31, tzinfo=UTC)),
        ("26/12/2019 von Webteam", datetime(2019, 12, 26, tzinfo=UTC)),
        ("12/26/2019 by staff", datetime(2019, 12, 26, tzinfo=UTC)),
        ("05/06/2019 ambiguous, then March 3, 2020", datetime(2020, 3, 3, tzinfo=UTC)),
        ("version 1.2.3 and 31.02.2020 (no such day)", None),
        ("© 2099 nothing", None),
    ],
)
def test_find_text_date_formats(text: str, expected: datetime | None) -> None:
    assert find_text_date(text) == expected


def test_find_text_date_can_pass_over_dates_in_sentences() -> None:
    text = "Der Stammtisch findet am Mi. 5. Februar 2020 ab 19 Uhr statt. Stand: 29.01.2020 Uhr"
    assert find_text_date(text) == datetime(2020, 2, 5, tzinfo=UTC)
    assert find_text_date(text, in_sentence=False) == datetime(2020, 1, 29, tzinfo=UTC)
