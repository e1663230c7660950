"""Read models for the site, the JSON API and the feeds: plain frozen dataclasses, built by indexed queries.

Lists are newest first (``published_at`` then ``id``, both descending, on the composite indexes of
migration 0002) and select only the columns a teaser shows, never article bodies. HTML pages use
page numbers; the API uses opaque cursors (keyset pagination), so deep pages stay cheap.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select, text
from sqlalchemy.orm import Session

from newsdesk.store.schema import (
    Article,
    ArticleAuthor,
    Comment,
    Feed,
    FetchLog,
    Source,
    Translation,
)

SNIPPET_CHARS = 160  # why: the teaser length; about two lines on a phone
SNIPPET_SOURCE_CHARS = 400  # why: enough body text to cut a 160-character snippet from
MAX_PAGE = 500  # why: offset pages past this are refused; deep history is for the cursor API


def snippet(text_: str, limit: int = SNIPPET_CHARS) -> str:
    """``text_`` squeezed to one line and cut at a word boundary to at most ``limit`` characters, with "…"."""
    flat = " ".join(text_.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # why: one long word must not leave a stub of a snippet
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—…") + "…"


@dataclass(frozen=True)
class SourceRef:
    id: int
    name: str
    home_url: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class Teaser:
    id: int
    title: str
    url: str
    published_at: datetime | None
    snippet: str
    image: str | None
    section: str | None
    lang: str | None
    authors: tuple[str, ...]
    source: SourceRef | None
    original_lang: str | None = None  # set when title and snippet are a translation (``lang`` is then its language)
    translated_by: str | None = None  # the engine that made that translation
    seen_at: datetime | None = None  # when the article was first fetched: not a publication date
    reprint_count: int = 0  # outlets that reprinted this text (lists fold them: "reprinted by N outlets")
    page_path: str | None = None  # the item's page when it is not an article's (a story in a story feed)


@dataclass(frozen=True)
class TranslationView:
    lang: str
    title: str
    html: str
    text: str
    engine: str
    teaser: str = ""


@dataclass(frozen=True)
class TeaserTranslation:
    """What a list shows of a translation: its title, a snippet, and the engine that made it."""

    article_id: int
    lang: str
    title: str
    snippet: str
    engine: str


@dataclass(frozen=True)
class ArticleDetail:
    id: int
    title: str
    url: str
    canonical_url: str
    published_at: datetime | None
    updated_at: datetime | None
    fetched_at: datetime
    lang: str | None
    authors: tuple[str, ...]
    section: str | None
    image: str | None
    html: str
    text: str
    teaser: str
    description: str | None
    cited_sources: tuple[str, ...]
    tags: tuple[str, ...]
    source: SourceRef | None
    translations: tuple[TranslationView, ...] = ()
    text_sources: tuple[str, ...] = ()  # outlets the text came from ("Text from …" on the page)
    story_id: int | None = None  # the story it belongs to (None: not clustered yet)
    reprint_of: int | None = None  # the earliest copy of the same text, when this is a reprint


@dataclass(frozen=True)
class CommentView:
    id: int
    article_id: int
    author_name: str | None
    body: str
    status: str
    created_at: datetime
    article_title: str | None = None


@dataclass(frozen=True)
class FeedStatus:
    id: int
    url: str
    kind: str
    status: str
    last_error: str | None
    next_check_at: datetime | None
    last_checked_at: datetime | None
    last_success_at: datetime | None
    consecutive_failures: int


@dataclass(frozen=True)
class SourceSummary:
    id: int
    name: str
    home_url: str | None
    lang: str | None
    country: str | None
    article_count: int
    feeds: tuple[FeedStatus, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ListFilters:
    source_id: int | None = None
    lang: str | None = None
    section: str | None = None
    author: str | None = None
    since: datetime | None = None
    in_lang: str | None = None  # written in this language, or translated into it (feeds)
    fold_reprints: bool = False  # leave reprints out (their original says "reprinted by N outlets")


# --- lists --------------------------------------------------------------------------------------

_TEASER_COLUMNS = (
    Article.id,
    Article.title,
    Article.url,
    Article.canonical_url,
    Article.published_at,
    Article.teaser,
    Article.description,
    func.substr(Article.text, 1, SNIPPET_SOURCE_CHARS).label("text_head"),
    Article.image,
    Article.section,
    Article.lang,
    Article.authors,
    Article.source_id,
    Source.name.label("source_name"),
    Source.home_url.label("source_home"),
    Source.lang.label("source_lang"),
    Article.fetched_at.label("seen_at"),
)


def _newest_first(session: Session) -> list[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return [Article.published_at.desc().nulls_last(), Article.id.desc()]
    return [Article.published_at.desc(), Article.id.desc()]  # SQLite puts NULL last in DESC already


def _teaser_select(filters: ListFilters) -> Select[Any]:
    stmt = select(*_TEASER_COLUMNS).outerjoin(Source, Source.id == Article.source_id)
    if filters.author:
        stmt = stmt.join(ArticleAuthor, ArticleAuthor.article_id == Article.id).where(
            ArticleAuthor.name == filters.author
        )
    if filters.source_id is not None:
        stmt = stmt.where(Article.source_id == filters.source_id)
    if filters.lang:
        stmt = stmt.where(Article.lang == filters.lang)
    if filters.section:
        stmt = stmt.where(Article.section == filters.section)
    if filters.in_lang:
        translated = select(Translation.article_id).where(Translation.lang == filters.in_lang)
        stmt = stmt.where(or_(Article.lang == filters.in_lang, Article.id.in_(translated)))
    if filters.since is not None:
        stmt = stmt.where(Article.published_at >= filters.since)
    if filters.fold_reprints:
        # why coalesce: "reprint_of IS NULL" is an index search, so SQLite would walk the
        # reprint_of index (nearly every row) and sort them all instead of the newest-first index
        stmt = stmt.where(func.coalesce(Article.reprint_of, 0) == 0)
    return stmt


def _teaser(row: Any) -> Teaser:
    source = (
        SourceRef(row.source_id, row.source_name, row.source_home, row.source_lang)
        if row.source_id is not None and row.source_name is not None
        else None
    )
    return Teaser(
        id=row.id,
        title=row.title or "(untitled)",
        url=row.canonical_url or row.url,
        published_at=row.published_at,
        snippet=snippet(row.teaser or row.description or row.text_head or ""),
        image=row.image,
        section=row.section,
        lang=row.lang,
        authors=tuple(row.authors or ()),
        source=source,
        seen_at=row.seen_at,
    )


def list_page(session: Session, filters: ListFilters = ListFilters(), *, page: int = 1,
              page_size: int = 20) -> tuple[list[Teaser], bool]:
    """One page of teasers (1-based) and whether another page follows."""
    page = max(1, min(page, MAX_PAGE))
    if filters.author and filters == ListFilters(author=filters.author):
        # Author pages walk the (name, published_at) index, then fetch just those teasers.
        ids = session.execute(
            select(ArticleAuthor.article_id)
            .where(ArticleAuthor.name == filters.author)
            .order_by(ArticleAuthor.published_at.desc(), ArticleAuthor.article_id.desc())
            .limit(page_size + 1)
            .offset((page - 1) * page_size)
        ).scalars().all()
        return teasers_by_ids(session, list(ids[:page_size])), len(ids) > page_size
    stmt = (
        _teaser_select(filters)
        .order_by(*_newest_first(session))
        .limit(page_size + 1)
        .offset((page - 1) * page_size)
    )
    rows = session.execute(stmt).all()
    return [_teaser(r) for r in rows[:page_size]], len(rows) > page_size


def encode_cursor(teaser: Teaser) -> str:
    raw = json.dumps([teaser.published_at.isoformat() if teaser.published_at else None, teaser.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime | None, int]:
    """The (published_at, id) position a cursor stands for; ValueError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        published, article_id = json.loads(raw)
        when = datetime.fromisoformat(published) if published is not None else None
        if when is not None and when.tzinfo is None:
            raise ValueError("naive time")
        if not isinstance(article_id, int) or isinstance(article_id, bool):
            raise ValueError("bad id")
        return when, article_id
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ValueError("invalid cursor") from exc


def list_after(session: Session, filters: ListFilters = ListFilters(), *, cursor: str | None = None,
               limit: int = 20) -> tuple[list[Teaser], str | None]:
    """Keyset pagination: teasers after ``cursor`` and the cursor of the next batch (None at the end)."""
    stmt = _teaser_select(filters)
    if cursor:
        when, last_id = decode_cursor(cursor)
        if when is None:
            stmt = stmt.where(Article.published_at.is_(None), Article.id < last_id)
        else:
            stmt = stmt.where(
                or_(
                    Article.published_at < when,
                    and_(Article.published_at == when, Article.id < last_id),
                    Article.published_at.is_(None),
                )
            )
    rows = session.execute(stmt.order_by(*_newest_first(session)).limit(limit + 1)).all()
    items = [_teaser(r) for r in rows[:limit]]
    return items, (encode_cursor(items[-1]) if len(rows) > limit and items else None)


# Statements the article page runs on every cache miss, built once per dialect: constructing a
# SQLAlchemy select costs more than running it on SQLite. Values go in as bound parameters.
_PREPARED: dict[tuple[str, str], Any] = {}


def _prepared(session: Session, name: str) -> Any:
    dialect = session.get_bind().dialect.name
    stmt = _PREPARED.get((name, dialect))
    if stmt is None:
        stmt = _PREPARED[(name, dialect)] = _build(name, session)
    return stmt


def _build(name: str, session: Session) -> Any:
    teasers = select(*_TEASER_COLUMNS).outerjoin(Source, Source.id == Article.source_id)
    if name == "by_ids":
        return teasers.where(Article.id.in_(bindparam("ids", expanding=True)))
    if name == "from_source":
        return (teasers.where(Article.source_id == bindparam("source_id"), Article.id != bindparam("exclude"))
                .order_by(*_newest_first(session)).limit(bindparam("n")))
    if name == "by_author":
        return (select(ArticleAuthor.article_id)
                .where(ArticleAuthor.name == bindparam("name"), ArticleAuthor.article_id != bindparam("exclude"))
                .order_by(ArticleAuthor.published_at.desc(), ArticleAuthor.article_id.desc())
                .limit(bindparam("n")))
    if name == "comments":
        return (select(Comment)
                .where(Comment.article_id == bindparam("article_id"), Comment.status == "published")
                .order_by(Comment.created_at, Comment.id).limit(bindparam("n")))
    if name == "translations":
        return (select(Translation.lang, Translation.title, Translation.html, Translation.text, Translation.engine,
                       Translation.teaser)
                .where(Translation.article_id == bindparam("article_id")).order_by(Translation.lang))
    if name == "list_translations":
        return (select(Translation.article_id, Translation.lang, Translation.title, Translation.teaser,
                       func.substr(Translation.text, 1, SNIPPET_SOURCE_CHARS).label("text_head"), Translation.engine)
                .where(Translation.article_id.in_(bindparam("ids", expanding=True)),
                       Translation.lang.in_(bindparam("langs", expanding=True))))
    if name == "article":
        return (select(Article.__table__, Source.name.label("source_name"), Source.home_url.label("source_home"),
                       Source.lang.label("source_lang"))
                .outerjoin(Source, Source.id == Article.source_id).where(Article.id == bindparam("article_id")))
    raise KeyError(name)


def teasers_by_ids(session: Session, ids: Sequence[int]) -> list[Teaser]:
    """Teasers for ``ids`` in the given order (missing ids are left out)."""
    if not ids:
        return []
    rows = session.execute(_prepared(session, "by_ids"), {"ids": list(ids)}).all()
    by_id = {r.id: _teaser(r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def more_from_source(session: Session, source_id: int, exclude_id: int, n: int = 5) -> list[Teaser]:
    rows = session.execute(_prepared(session, "from_source"),
                           {"source_id": source_id, "exclude": exclude_id, "n": n}).all()
    return [_teaser(r) for r in rows]


def more_by_author(session: Session, author: str, exclude_id: int, n: int = 5) -> list[Teaser]:
    """The author's newest articles, found on the (name, published_at) index of ``article_authors``."""
    ids = session.execute(_prepared(session, "by_author"), {"name": author, "exclude": exclude_id, "n": n})
    return teasers_by_ids(session, list(ids.scalars().all()))


# --- one article ----------------------------------------------------------------------------------


def get_article(session: Session, article_id: int) -> ArticleDetail | None:
    """One article with its outlet and translations: two prepared Core queries, no ORM objects."""
    row = session.execute(_prepared(session, "article"), {"article_id": article_id}).first()
    if row is None:
        return None
    translations = session.execute(_prepared(session, "translations"), {"article_id": article_id}).all()
    return ArticleDetail(
        id=row.id,
        title=row.title or "(untitled)",
        url=row.url,
        canonical_url=row.canonical_url,
        published_at=row.published_at,
        updated_at=row.updated_at,
        fetched_at=row.fetched_at,
        lang=row.lang,
        authors=tuple(row.authors or ()),
        section=row.section,
        image=row.image,
        html=row.html or "",
        text=row.text or "",
        teaser=row.teaser or "",
        description=row.description,
        cited_sources=tuple(row.cited_sources or ()),
        text_sources=tuple(row.text_sources or ()),
        story_id=row.story_id,
        reprint_of=row.reprint_of,
        tags=tuple(row.tags or ()),
        source=SourceRef(row.source_id, row.source_name, row.source_home, row.source_lang)
        if row.source_id is not None and row.source_name is not None else None,
        translations=tuple(
            TranslationView(t.lang, t.title or "", t.html or "", t.text or "", t.engine, t.teaser or "")
            for t in translations
        ),
    )


def translations_for(session: Session, ids: Sequence[int],
                     langs: Sequence[str]) -> dict[tuple[int, str], TeaserTranslation]:
    """The translations into ``langs`` of the listed articles, keyed by (article id, language).

    One query for the whole list (never one per teaser), on the ``translations.article_id`` index;
    bodies are not read, only a snippet's worth of text.
    """
    if not ids or not langs:
        return {}
    rows = session.execute(_prepared(session, "list_translations"), {"ids": list(ids), "langs": list(langs)})
    return {
        (r.article_id, r.lang): TeaserTranslation(r.article_id, r.lang, r.title or "",
                                                  snippet(r.teaser or r.text_head or ""), r.engine)
        for r in rows
    }


def localize(teasers: Sequence[Teaser], langs: Sequence[str],
             found: dict[tuple[int, str], TeaserTranslation]) -> list[Teaser]:
    """Each teaser in the first of ``langs`` it is available in: its own language, or a translation."""
    out = []
    for t in teasers:
        original = (t.lang or "").split("-")[0].lower()
        for lang in langs:
            if lang == original:
                break
            tr = found.get((t.id, lang))
            if tr is not None and tr.title:
                t = replace(t, title=tr.title, snippet=tr.snippet or t.snippet, lang=lang,
                            original_lang=t.lang, translated_by=tr.engine)
                break
        out.append(t)
    return out


def texts_for(session: Session, hits: Sequence[tuple[int, str]]) -> dict[int, tuple[str, str | None]]:
    """Plain text and its language per (article id, language) hit: a translation's when the hit was one.

    Two queries for the whole page of hits, whatever its size.
    """
    if not hits:
        return {}
    ids = [article_id for article_id, _ in hits]
    wanted = dict(hits)
    out: dict[int, tuple[str, str | None]] = {}
    for article_id, lang, text_ in session.execute(
        select(Translation.article_id, Translation.lang, Translation.text).where(Translation.article_id.in_(ids))
    ):
        if wanted.get(article_id) == lang and text_:
            out[article_id] = (text_, lang)
    missing = [i for i in ids if i not in out]
    if missing:
        for row in session.execute(select(Article.id, Article.text, Article.lang).where(Article.id.in_(missing))):
            out[row.id] = (row.text or "", row.lang)
    return out


def bodies_for(session: Session, teasers: Sequence[Teaser]) -> dict[int, str]:
    """Each teaser's stored HTML in the language the teaser is given in (a translation's when it is one).

    For full-text feeds: two queries for the whole list, and only for the articles asked for.
    """
    translated = {t.id: t.lang for t in teasers if t.original_lang and t.lang}
    out: dict[int, str] = {}
    if translated:
        for article_id, lang, html in session.execute(
            select(Translation.article_id, Translation.lang, Translation.html)
            .where(Translation.article_id.in_(list(translated)))
        ):
            if translated.get(article_id) == lang and html:
                out[article_id] = html
    missing = [t.id for t in teasers if t.id not in out]
    if missing:
        out.update((row[0], row[1]) for row in session.execute(select(Article.id, Article.html).where(Article.id.in_(missing))))
    return {k: v or "" for k, v in out.items()}


SYNDICATION_KINDS = ("rss", "atom", "json")  # feed kinds a reader can subscribe to (not sitemaps or pages)


def feed_urls(session: Session, source_ids: Sequence[int]) -> dict[int, str]:
    """The followed syndication feed of each outlet (its oldest active one): RSS ``<source url>``."""
    if not source_ids:
        return {}
    rows = session.execute(
        select(Feed.source_id, Feed.url)
        .where(Feed.source_id.in_(list(set(source_ids))), Feed.kind.in_(SYNDICATION_KINDS),
               Feed.status == "active")
        .order_by(Feed.id)
    ).all()
    out: dict[int, str] = {}
    for source_id, url in rows:
        out.setdefault(source_id, url)
    return out


def newest_comment_change(session: Session, article_id: int) -> datetime | None:
    """When the article's shown comments last changed: the newest published one, or any moderation
    (rejecting a published comment removes it from the page)."""
    posted = session.execute(
        select(func.max(Comment.created_at)).where(Comment.article_id == article_id, Comment.status == "published")
    ).scalar()
    moderated = session.execute(
        select(func.max(Comment.moderated_at)).where(Comment.article_id == article_id)
    ).scalar()
    times = [t for t in (posted, moderated) if t is not None]
    return max(times) if times else None


# --- sources, sections --------------------------------------------------------------------------


def get_source(session: Session, source_id: int) -> SourceRef | None:
    source = session.get(Source, source_id)
    return SourceRef(source.id, source.name, source.home_url, source.lang) if source else None


def list_sources(session: Session, *, with_feeds: bool = False) -> list[SourceSummary]:
    """Sources by name with their article counts. The public lists (``with_feeds`` False: the
    navigation, the search form, the API) leave out a source with neither feeds nor articles: one
    made implicitly by a one-off fetch that stored nothing, which readers have no use for."""
    counts = {row[0]: row[1] for row in
              session.execute(select(Article.source_id, func.count()).group_by(Article.source_id))}
    followed = set(session.scalars(select(Feed.source_id).distinct())) if not with_feeds else set()
    feeds_by_source: dict[int, list[FeedStatus]] = {}
    if with_feeds:
        for f in session.execute(select(Feed).order_by(Feed.id)).scalars():
            feeds_by_source.setdefault(f.source_id, []).append(
                FeedStatus(f.id, f.url, f.kind, f.status, f.last_error, f.next_check_at,
                           f.last_checked_at, f.last_success_at, f.consecutive_failures)
            )
    return [
        SourceSummary(s.id, s.name, s.home_url, s.lang, s.country, int(counts.get(s.id, 0)),
                      tuple(feeds_by_source.get(s.id, ())))
        for s in session.execute(select(Source).order_by(func.lower(Source.name), Source.id)).scalars()
        if with_feeds or counts.get(s.id) or s.id in followed
    ]


def list_sections(session: Session, limit: int = 12) -> list[str]:
    """The sections with the most articles (for the navigation bar)."""
    rows = session.execute(
        select(Article.section, func.count().label("n"))
        .where(Article.section.is_not(None), Article.section != "")
        .group_by(Article.section)
        .order_by(text("n DESC"), Article.section)
        .limit(limit)
    ).all()
    return [r.section for r in rows]


def list_languages(session: Session) -> list[str]:
    rows = session.execute(select(Article.lang).where(Article.lang.is_not(None)).distinct()).scalars()
    return sorted(r for r in rows if r)


def translated_languages(session: Session) -> frozenset[str]:
    """Every language some article is translated into (lists skip the translation lookup for others)."""
    return frozenset(session.execute(select(Translation.lang).distinct()).scalars())


def newest_change(session: Session) -> datetime | None:
    """The newest fetch time (an index lookup): the Last-Modified of lists."""
    return session.execute(select(func.max(Article.fetched_at))).scalar()


def last_change(session: Session) -> int:
    """The change counter triggers bump on every write the site shows (see migration 0002)."""
    if session.get_bind().dialect.name == "postgresql":
        return int(session.execute(text("SELECT last_value FROM site_change_seq")).scalar_one())
    return int(session.execute(text("SELECT counter FROM site_changes WHERE id = 1")).scalar_one())


# --- comments -----------------------------------------------------------------------------------


def _comment_view(c: Comment, title: str | None = None) -> CommentView:
    return CommentView(c.id, c.article_id, c.author_name, c.body, c.status, c.created_at, title)


def published_comments(session: Session, article_id: int, limit: int = 200) -> list[CommentView]:
    rows = session.execute(_prepared(session, "comments"), {"article_id": article_id, "n": limit}).scalars()
    return [_comment_view(c) for c in rows]


def comments_by_status(session: Session, status: str, limit: int = 100) -> list[CommentView]:
    rows = session.execute(
        select(Comment, Article.title)
        .join(Article, Article.id == Comment.article_id)
        .where(Comment.status == status)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    ).all()
    return [_comment_view(c, title) for c, title in rows]


def recent_fetch_errors(session: Session, limit: int = 20) -> list[FetchLog]:
    return list(
        session.execute(
            select(FetchLog).where(FetchLog.error.is_not(None)).order_by(FetchLog.at.desc()).limit(limit)
        ).scalars()
    )


def utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


__all__ = [
    "ArticleDetail",
    "CommentView",
    "FeedStatus",
    "ListFilters",
    "SourceRef",
    "SourceSummary",
    "Teaser",
    "TeaserTranslation",
    "TranslationView",
    "bodies_for",
    "comments_by_status",
    "decode_cursor",
    "encode_cursor",
    "feed_urls",
    "get_article",
    "get_source",
    "last_change",
    "list_after",
    "list_languages",
    "list_page",
    "list_sections",
    "list_sources",
    "more_by_author",
    "more_from_source",
    "newest_change",
    "newest_comment_change",
    "published_comments",
    "snippet",
    "teasers_by_ids",
    "localize",
    "texts_for",
    "translated_languages",
    "translations_for",
]
