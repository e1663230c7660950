"""Read models of stories for the site, the feeds, the JSON API and ``newsdesk stories list/show``.

One function per view, each a few indexed queries whatever the number of stories shown: the
story rows (counts are kept on them, never counted here), then one query for the first articles
of all the stories listed (a window function, bounded per story), then one for the translations
their headlines may need. The story page reads its articles on ``ix_articles_story_id`` and its
language and outlet split as one aggregate.

Times are on the story clock: an article's ``published_at`` when it is plausible (not later than
an hour after it was fetched), else when it was fetched, as the clustering stage orders them.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from newsdesk.store import queries
from newsdesk.store.queries import SourceRef, TeaserTranslation, decode_cursor, snippet
from newsdesk.store.schema import Article, Source, Story

PLAUSIBLE_AHEAD = timedelta(hours=1)  # why: the clustering stage's rule: a date past fetch + 1 h is a wrong one
# why 200: top stories are ranked in Python from at most the 200 newest multi-outlet stories of the
# window (read on the last_updated index); a busier window than that ranks its newest 200
CANDIDATES = 200
MAX_MERGE_HOPS = 8  # why: merges are explicit and rare; a longer chain is a loop, not history
# ccTLDs used as generic names (a .io or .tv site says nothing about where the outlet is)
GENERIC_CCTLDS = frozenset({"ai", "cc", "co", "eu", "fm", "gg", "io", "la", "ly", "me", "nu", "tk", "to", "tv",
                            "ws"})
TLD_COUNTRY = {"uk": "GB"}  # the one ccTLD that is not its country's ISO 3166 code


@dataclass(frozen=True)
class Ranking:
    """How top stories are picked and shown (the ``stories_*`` settings; see their help)."""

    top_count: int = 5
    min_outlets: int = 2
    language_weight: float = 1.5
    half_life_hours: float = 12.0
    window_hours: float = 72.0
    card_outlets: int = 4
    page_articles: int = 500

    @classmethod
    def from_settings(cls, settings: Any) -> Ranking:
        return cls(settings.stories_top_count, settings.stories_top_min_outlets,
                   settings.stories_rank_language_weight, settings.stories_rank_half_life_hours,
                   settings.stories_top_window_hours, settings.stories_card_outlets,
                   settings.story_page_max_articles)

    def score(self, outlets: int, languages: int, last_updated: datetime, ref: datetime) -> float:
        """(outlets + weight × extra languages), halved every half-life of age before ``ref``."""
        age_hours = max(0.0, (ref - last_updated).total_seconds() / 3600)
        base = outlets + self.language_weight * max(0, languages - 1)
        return base * math.pow(0.5, age_hours / self.half_life_hours)


@dataclass(frozen=True)
class StoryCard:
    """A story as lists show it: its headline in the reader's language where one exists."""

    id: int
    headline: str
    headline_lang: str | None  # the language the headline is in
    original_lang: str | None  # set when the headline is a machine translation (``translated_by`` made it)
    translated_by: str | None
    in_reader_lang: bool  # False: no headline in the reader's language; the original is shown, marked
    first_seen: datetime
    last_updated: datetime
    article_count: int
    outlet_count: int
    language_count: int
    reprint_count: int
    languages: tuple[tuple[str, int], ...]  # (code, articles), most covered first
    outlets: tuple[SourceRef, ...]  # the first few, in the order they reported
    url: str  # the first article's original URL
    snippet: str  # the first article's teaser
    score: float = 0.0


@dataclass(frozen=True)
class Reprint:
    article_id: int
    source: SourceRef | None
    at: datetime


@dataclass(frozen=True)
class TimelineItem:
    article_id: int
    title: str
    lang: str | None
    translated_title: str | None  # the title in the reader's language, where a translation exists
    translated_lang: str | None
    source: SourceRef | None
    country: str | None  # ISO 3166 alpha-2, None when unknown
    at: datetime  # story clock
    url: str
    reprints: tuple[Reprint, ...] = ()


@dataclass(frozen=True)
class LanguageShare:
    lang: str | None
    articles: int
    outlets: int


@dataclass(frozen=True)
class CountryShare:
    country: str | None  # None: unknown
    articles: int
    outlets: int


@dataclass(frozen=True)
class StoryDetail:
    card: StoryCard
    items: tuple[TimelineItem, ...]  # originals in story-clock order, reprints folded under each
    first_reported_by: SourceRef | None
    first_reported_at: datetime | None
    by_language: tuple[LanguageShare, ...]
    by_country: tuple[CountryShare, ...]
    blindspot: str | None  # the one language all coverage is in, when the site reads others too
    truncated: bool  # the timeline shows the first ``page_articles`` only


@dataclass(frozen=True)
class Merged:
    """The story asked for was merged into ``target``: its page redirects there."""

    target: int


@dataclass(frozen=True)
class Coverage:
    """What an article page says of its story: "Full coverage: N outlets"."""

    story_id: int
    article_count: int
    outlet_count: int
    language_count: int


# --- small helpers ---------------------------------------------------------------------------------


def _base(lang: str | None) -> str:
    return (lang or "").split("-")[0].lower()


def story_clock(published_at: datetime | None, fetched_at: datetime) -> datetime:
    """The article's time on the story clock (see the module docstring)."""
    if published_at is not None and published_at <= fetched_at + PLAUSIBLE_AHEAD:
        return published_at
    return fetched_at


def country_of(country: str | None, *urls: str | None) -> str | None:
    """The outlet's country: ``sources.country``, else its site's country-code TLD, else None."""
    if country and country.strip():
        return country.strip().upper()[:8]
    for url in urls:
        if not url:
            continue
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            continue
        tld = host.rsplit(".", 1)[-1].lower() if "." in host else ""
        if len(tld) == 2 and tld.isascii() and tld.isalpha() and tld not in GENERIC_CCTLDS:
            return TLD_COUNTRY.get(tld, tld.upper())
        if host:
            return None  # the outlet's own site decides; a wire URL further on would not
    return None


def _source(row: Any) -> SourceRef | None:
    if row.source_id is None or row.source_name is None:
        return None
    return SourceRef(row.source_id, row.source_name, row.source_home, row.source_lang)


def encode_cursor(when: datetime, story_id: int) -> str:
    """The same opaque shape as the article list's cursors (``queries.decode_cursor`` reads both)."""
    raw = json.dumps([when.isoformat(), story_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# --- cards -----------------------------------------------------------------------------------------

_STORY_COLUMNS = (Story.id, Story.titles, Story.first_seen, Story.last_updated, Story.article_count,
                  Story.outlet_count, Story.language_count, Story.reprint_count, Story.languages)


# Statements the front page runs on every cache miss, built once: constructing these selects
# (a subquery's column proxies above all) costs more than running them (as in ``queries._prepared``).
_BUILT: dict[str, Any] = {}


def _statement(name: str) -> Any:
    stmt = _BUILT.get(name)
    if stmt is None:
        stmt = _BUILT[name] = _build(name)
    return stmt


def _build(name: str) -> Any:
    if name == "newest":
        return select(Story.last_updated).where(_live()).order_by(Story.last_updated.desc()).limit(1)
    if name == "candidates":
        # "+ 0": the outlet_count index would find nearly every story; walking last_updated
        # backwards over the window, newest first, is the cheap plan
        return (select(*_STORY_COLUMNS)
                .where(_live(), Story.last_updated >= bindparam("since"),
                       Story.outlet_count + 0 >= bindparam("min_outlets"))
                .order_by(Story.last_updated.desc(), Story.id.desc())
                .limit(CANDIDATES))
    if name == "first_articles":
        when = func.coalesce(Article.published_at, Article.fetched_at)
        numbered = (
            select(Article.id, Article.story_id, Article.title, Article.lang, Article.url, Article.canonical_url,
                   Article.teaser, Article.description,
                   func.substr(Article.text, 1, queries.SNIPPET_SOURCE_CHARS).label("text_head"),
                   Article.source_id, Article.reprint_of,
                   func.row_number().over(partition_by=Article.story_id, order_by=(when, Article.id)).label("rn"))
            .where(Article.story_id.in_(bindparam("ids", expanding=True)))
            .subquery()
        )
        return (select(numbered, Source.name.label("source_name"), Source.home_url.label("source_home"),
                       Source.lang.label("source_lang"))
                .outerjoin(Source, Source.id == numbered.c.source_id)
                .where(numbered.c.rn <= bindparam("per_story"))
                .order_by(numbered.c.story_id, numbered.c.rn))
    if name == "coverage":
        return (select(Story.id, Story.article_count, Story.outlet_count, Story.language_count)
                .where(Story.id == bindparam("story_id")))
    raise KeyError(name)


def _first_articles(session: Session, story_ids: Sequence[int], per_story: int) -> dict[int, list[Any]]:
    """The first ``per_story`` articles of each story (story-clock order), in one query.

    A window function numbers each story's articles on ``ix_articles_story_id``; bodies are not
    read, only a snippet's worth of text of each.
    """
    if not story_ids:
        return {}
    rows = session.execute(_statement("first_articles"), {"ids": list(story_ids), "per_story": per_story}).all()
    out: dict[int, list[Any]] = {}
    for row in rows:
        out.setdefault(row.story_id, []).append(row)
    return out


def _translations(session: Session, ids: Sequence[int], langs: Sequence[str],
                  translated: frozenset[str] | None) -> dict[tuple[int, str], TeaserTranslation]:
    wanted = [x for x in langs if translated is None or x in translated]
    return queries.translations_for(session, ids, wanted) if ids and wanted else {}


def _headline(titles: Mapping[str, str], seed: Any | None, langs: Sequence[str],
              found: Mapping[tuple[int, str], TeaserTranslation]) -> tuple[str, str | None, str | None, str | None, bool]:
    """(headline, its language, original language, engine, in the reader's language).

    For each of the reader's languages, best first: the story's own title in it (an outlet wrote
    in it), else a translation of the story's first article into it. Else the first article's
    title as published (``stories.titles`` of its language), marked as not in the reader's.
    """
    by_base = {_base(k): v for k, v in titles.items() if v}
    for lang in langs:
        if by_base.get(lang):
            return by_base[lang], lang, None, None, True
        tr = found.get((seed.id, lang)) if seed is not None else None
        if seed is not None and tr is not None and tr.title:
            return tr.title, lang, seed.lang, tr.engine, True
    if seed is not None and seed.title:
        return seed.title, seed.lang, None, None, not langs
    first: tuple[str | None, str] = next(iter(titles.items()), (None, "(untitled)"))
    return first[1], first[0], None, None, not langs


def _cards(session: Session, rows: Sequence[Any], langs: Sequence[str], ranking: Ranking,
           translated: frozenset[str] | None = None,
           scores: Mapping[int, float] | None = None) -> list[StoryCard]:
    """Cards for story rows: three queries in all (rows, first articles, translations)."""
    firsts = _first_articles(session, [r.id for r in rows], ranking.card_outlets * 3)
    seeds = {r.id: (firsts.get(r.id) or [None])[0] for r in rows}
    seed_ids = [s.id for s in seeds.values() if s is not None and _base(s.lang) not in langs[:1]]
    found = _translations(session, seed_ids, langs, translated)
    cards = []
    for r in rows:
        seed = seeds[r.id]
        headline, lang, original, engine, in_reader = _headline(r.titles or {}, seed, langs, found)
        outlets: dict[int, SourceRef] = {}
        for a in firsts.get(r.id, []):
            ref = _source(a)
            if ref is not None and ref.id not in outlets and len(outlets) < ranking.card_outlets:
                outlets[ref.id] = ref
        languages = tuple(sorted(((k, int(v)) for k, v in (r.languages or {}).items()), key=lambda kv: (-kv[1], kv[0])))
        cards.append(StoryCard(
            id=r.id, headline=headline or "(untitled)", headline_lang=lang, original_lang=original,
            translated_by=engine, in_reader_lang=in_reader, first_seen=r.first_seen, last_updated=r.last_updated,
            article_count=r.article_count, outlet_count=r.outlet_count, language_count=r.language_count,
            reprint_count=r.reprint_count, languages=languages, outlets=tuple(outlets.values()),
            url=(seed.canonical_url or seed.url) if seed is not None else "",
            snippet=snippet(seed.teaser or seed.description or seed.text_head or "") if seed is not None else "",
            score=(scores or {}).get(r.id, 0.0),
        ))
    return cards


def _live() -> Any:
    """Stories not merged into another. Why coalesce: "merged_into IS NULL" is an index search,
    and SQLite would take the merged_into index (every live story) and sort, where walking the
    ``last_updated`` index and skipping the few merged ones is what is cheap."""
    return func.coalesce(Story.merged_into, 0) == 0


def newest_story_time(session: Session) -> datetime | None:
    """The newest live story's ``last_updated`` (walks the index backwards to the first unmerged)."""
    return session.execute(_statement("newest")).scalar()


def top_stories(session: Session, *, now: datetime, ranking: Ranking, langs: Sequence[str] = (),
                translated: frozenset[str] | None = None, limit: int | None = None) -> list[StoryCard]:
    """The stories the front page leads with, best first (``Ranking.score``).

    The recency reference is the newest story's time, or ``now`` if that is later than now: a
    site whose crawl paused still shows its last day's top stories, and a wrong future date
    cannot make every other story look old.
    """
    limit = ranking.top_count if limit is None else limit
    if limit <= 0:
        return []
    newest = newest_story_time(session)
    if newest is None:
        return []
    ref = min(now, newest)
    rows = session.execute(_statement("candidates"), {"since": ref - timedelta(hours=ranking.window_hours),
                                                     "min_outlets": ranking.min_outlets}).all()
    scores = {r.id: ranking.score(r.outlet_count, r.language_count, r.last_updated, ref) for r in rows}
    best = sorted(rows, key=lambda r: (-scores[r.id], -r.last_updated.timestamp(), -r.id))[:limit]
    return _cards(session, best, list(langs), ranking, translated, scores)


def stories_after(session: Session, *, ranking: Ranking, cursor: str | None = None, limit: int = 20,
                  lang: str | None = None, since: datetime | None = None, langs: Sequence[str] = (),
                  translated: frozenset[str] | None = None) -> tuple[list[StoryCard], str | None]:
    """Stories most recently updated first, after ``cursor`` (keyset on ``last_updated``, ``id``).

    ``lang``: only stories with an article in that language; ``since``: updated at or after.
    Merged stories are left out (their articles are in the story they were merged into).
    """
    stmt = select(*_STORY_COLUMNS).where(_live())
    if lang:
        stmt = stmt.where(exists().where(Article.story_id == Story.id, Article.lang == lang))
    if since is not None:
        stmt = stmt.where(Story.last_updated >= since)
    if cursor:
        when, last_id = decode_cursor(cursor)
        if when is None:
            raise ValueError("invalid cursor")
        stmt = stmt.where(or_(Story.last_updated < when, and_(Story.last_updated == when, Story.id < last_id)))
    rows = session.execute(stmt.order_by(Story.last_updated.desc(), Story.id.desc()).limit(limit + 1)).all()
    shown = rows[:limit]
    cards = _cards(session, shown, list(langs), ranking, translated)
    next_cursor = encode_cursor(shown[-1].last_updated, shown[-1].id) if len(rows) > limit and shown else None
    return cards, next_cursor


def stories_by_ids(session: Session, story_ids: Sequence[int], *, ranking: Ranking, langs: Sequence[str] = (),
                   translated: frozenset[str] | None = None) -> list[StoryCard]:
    """Cards of the given stories, in the given order (unknown ids are left out)."""
    if not story_ids:
        return []
    rows = {r.id: r for r in session.execute(select(*_STORY_COLUMNS).where(Story.id.in_(list(story_ids))))}
    return _cards(session, [rows[i] for i in story_ids if i in rows], list(langs), ranking, translated)


# --- one story -------------------------------------------------------------------------------------


def resolve(session: Session, story_id: int) -> int | Merged | None:
    """``story_id`` when it is a live story, ``Merged(target)`` when merges folded it into another
    (followed to the end of the chain), None when there is no such story."""
    current, hops = story_id, 0
    while True:
        merged = session.execute(select(Story.id, Story.merged_into).where(Story.id == current)).first()
        if merged is None:
            return None if current == story_id else Merged(current)
        if merged.merged_into is None or hops >= MAX_MERGE_HOPS or merged.merged_into == current:
            return current if current == story_id else Merged(current)
        current, hops = merged.merged_into, hops + 1


def _story_articles(session: Session, story_id: int, cap: int) -> list[Any]:
    rows = session.execute(
        select(Article.id, Article.title, Article.lang, Article.url, Article.canonical_url, Article.published_at,
               Article.fetched_at, Article.reprint_of, Article.source_id, Source.name.label("source_name"),
               Source.home_url.label("source_home"), Source.lang.label("source_lang"),
               Source.country.label("source_country"))
        .outerjoin(Source, Source.id == Article.source_id)
        .where(Article.story_id == story_id)
        .order_by(func.coalesce(Article.published_at, Article.fetched_at), Article.id)
        .limit(cap + 1)
    ).all()
    return sorted(rows, key=lambda r: (story_clock(r.published_at, r.fetched_at), r.id))


def _splits(session: Session, story_id: int) -> tuple[tuple[LanguageShare, ...], tuple[CountryShare, ...]]:
    """Articles and outlets per language and per country: one aggregate over the story's articles."""
    rows = session.execute(
        select(Article.lang, Article.source_id, func.count().label("n"), Source.country, Source.home_url)
        .outerjoin(Source, Source.id == Article.source_id)
        .where(Article.story_id == story_id)
        .group_by(Article.lang, Article.source_id, Source.country, Source.home_url)
    ).all()
    langs: dict[str | None, tuple[int, set[int | None]]] = {}
    countries: dict[str | None, tuple[int, set[int | None]]] = {}
    for row in rows:
        lang = _base(row.lang) or None
        country = country_of(row.country, row.home_url)
        for table, key in ((langs, lang), (countries, country)):
            n, outlets = table.get(key, (0, set()))
            outlets.add(row.source_id)
            table[key] = (n + int(row.n), outlets)

    def order(table: dict[str | None, tuple[int, set[int | None]]]) -> list[tuple[str | None, int, int]]:
        items = [(k, n, len(o)) for k, (n, o) in table.items()]
        return sorted(items, key=lambda x: (x[0] is None, -x[2], -x[1], x[0] or ""))

    return (tuple(LanguageShare(k, n, o) for k, n, o in order(langs)),
            tuple(CountryShare(k, n, o) for k, n, o in order(countries)))


def get_story(session: Session, story_id: int, *, ranking: Ranking, langs: Sequence[str] = (),
              translated: frozenset[str] | None = None,
              site_languages: Iterable[str] | None = None) -> StoryDetail | Merged | None:
    """One story: its card, timeline (reprints folded), first report, splits and blindspot.

    ``site_languages``: the languages the site's articles are in (``queries.list_languages``,
    read here when not given). A story covered in one language is a blindspot only on a site
    that reads others: on a site of English outlets alone every story would be one.
    """
    found = resolve(session, story_id)
    if found is None or isinstance(found, Merged):
        return found
    row = session.execute(select(*_STORY_COLUMNS).where(Story.id == story_id)).first()
    if row is None:
        return None
    card = _cards(session, [row], list(langs), ranking, translated)[0]
    articles = _story_articles(session, story_id, ranking.page_articles)
    truncated = len(articles) > ranking.page_articles
    articles = articles[:ranking.page_articles]
    reader = [x for x in langs[:1]]
    need = [a.id for a in articles if reader and _base(a.lang) != reader[0]]
    titles = _translations(session, need, reader, translated)
    ids = {a.id for a in articles}
    reprints: dict[int, list[Reprint]] = {}
    for a in articles:
        if a.reprint_of is not None and a.reprint_of in ids:
            reprints.setdefault(a.reprint_of, []).append(
                Reprint(a.id, _source(a), story_clock(a.published_at, a.fetched_at)))
    items = []
    for a in articles:
        if a.reprint_of is not None and a.reprint_of in ids:
            continue
        tr = titles.get((a.id, reader[0])) if reader else None
        items.append(TimelineItem(
            article_id=a.id, title=a.title or "(untitled)", lang=a.lang,
            translated_title=tr.title if tr is not None and tr.title else None,
            translated_lang=reader[0] if tr is not None and tr.title else None,
            source=_source(a), country=country_of(a.source_country, a.source_home),
            at=story_clock(a.published_at, a.fetched_at), url=a.canonical_url or a.url,
            reprints=tuple(reprints.get(a.id, ())),
        ))
    by_language, by_country = _splits(session, story_id)
    site_langs = {_base(x) for x in (queries.list_languages(session) if site_languages is None else site_languages)}
    only = by_language[0].lang if len(by_language) == 1 else None
    blindspot = only if only and len(site_langs - {only}) > 0 else None
    first = articles[0] if articles else None
    return StoryDetail(
        card=card, items=tuple(items), first_reported_by=_source(first) if first is not None else None,
        first_reported_at=story_clock(first.published_at, first.fetched_at) if first is not None else None,
        by_language=by_language, by_country=by_country, blindspot=blindspot, truncated=truncated,
    )


def story_article_ids(session: Session, story_id: int, limit: int) -> list[int]:
    """A story's originals (reprints left out), newest first: the items of its feed."""
    rows = session.execute(
        select(Article.id).where(Article.story_id == story_id, Article.reprint_of.is_(None))
        .order_by(func.coalesce(Article.published_at, Article.fetched_at).desc(), Article.id.desc())
        .limit(limit)
    ).scalars().all()
    return list(rows)


# --- per article and per list ----------------------------------------------------------------------


def coverage(session: Session, story_id: int | None) -> Coverage | None:
    """The article's story, when it holds more than the article itself (one primary-key lookup)."""
    if story_id is None:
        return None
    row = session.execute(_statement("coverage"), {"story_id": story_id}).first()
    if row is None or row.article_count <= 1:
        return None
    return Coverage(row.id, row.article_count, row.outlet_count, row.language_count)


def reprint_counts(session: Session, article_ids: Sequence[int]) -> dict[int, int]:
    """Outlets that reprinted each listed article (only those reprinted), in one query on
    ``ix_articles_reprint_of``: lists show "reprinted by N outlets" instead of N items."""
    if not article_ids:
        return {}
    rows = session.execute(
        select(Article.reprint_of, func.count(func.distinct(func.coalesce(Article.source_id, -Article.id))))
        .where(Article.reprint_of.in_(list(article_ids)))
        .group_by(Article.reprint_of)
    ).all()
    return {int(original): int(n) for original, n in rows if original is not None}


__all__ = [
    "Coverage",
    "CountryShare",
    "LanguageShare",
    "Merged",
    "Ranking",
    "Reprint",
    "StoryCard",
    "StoryDetail",
    "TimelineItem",
    "country_of",
    "coverage",
    "encode_cursor",
    "get_story",
    "newest_story_time",
    "reprint_counts",
    "resolve",
    "stories_after",
    "stories_by_ids",
    "story_article_ids",
    "story_clock",
    "top_stories",
]
