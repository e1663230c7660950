"""The demo outlets' article record, and the tiny link markup its paragraphs use.

Paragraphs are plain text with ``[anchor](/news/slug)`` links so the corpus stays data (no HTML to
escape by hand) while the rendered pages still carry links in the middle of sentences, which the
translation stage must carry across. A link's target is the other article's path on the same outlet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from newsdesk.demo.outlets import BY_KEY

LINK = re.compile(r"\[([^\[\]]+)\]\(([^()\s]+)\)")


@dataclass(frozen=True)
class DemoArticle:
    """One article of one sample outlet (``outlet`` is its key); ``image`` is a path on that outlet."""

    outlet: str
    slug: str
    lang: str
    title: str
    authors: tuple[str, ...]
    section: str
    published_at: datetime
    body_paragraphs: tuple[str, ...]
    tags: tuple[str, ...]
    image: str
    cited: tuple[str, ...] = ()
    source_line: str | None = None

    @property
    def path(self) -> str:
        when = self.published_at
        return BY_KEY[self.outlet].path.format(slug=self.slug, y=f"{when:%Y}", m=f"{when:%m}", d=f"{when:%d}")

    @property
    def plain_paragraphs(self) -> tuple[str, ...]:
        """The paragraphs as a reader sees them: link markup replaced by its anchor text."""
        return tuple(plain_text(p) for p in self.body_paragraphs)


def plain_text(paragraph: str) -> str:
    return LINK.sub(lambda m: m.group(1), paragraph)


def segments(paragraph: str) -> Iterator[tuple[str, str | None]]:
    """Split a paragraph into (text, href) pieces; href is None for plain text."""
    pos = 0
    for m in LINK.finditer(paragraph):
        if m.start() > pos:
            yield paragraph[pos : m.start()], None
        yield m.group(1), m.group(2)
        pos = m.end()
    if pos < len(paragraph):
        yield paragraph[pos:], None


def article(
    outlet: str,
    slug: str,
    lang: str,
    title: str,
    authors: tuple[str, ...],
    section: str,
    published: str,
    tags: tuple[str, ...],
    paragraphs: tuple[str, ...],
    *,
    cited: tuple[str, ...] = (),
    source_line: str | None = None,
) -> DemoArticle:
    """Build a record from literal data; ``published`` is ISO 8601 and must carry its offset."""
    if outlet not in BY_KEY:
        raise ValueError(f"demo: {slug} names an unknown outlet {outlet!r}")
    if lang != BY_KEY[outlet].lang:
        raise ValueError(f"demo: {slug} is {lang}, its outlet {outlet} publishes in {BY_KEY[outlet].lang}")
    published_at = datetime.fromisoformat(published)
    if published_at.tzinfo is None:
        raise ValueError(f"demo: {slug} published time has no zone offset")
    return DemoArticle(
        outlet=outlet,
        slug=slug,
        lang=lang,
        title=title,
        authors=authors,
        section=section,
        published_at=published_at,
        body_paragraphs=paragraphs,
        tags=tags,
        image=f"/images/{slug}.png",
        cited=cited,
        source_line=source_line,
    )
