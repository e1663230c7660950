"""One view per page: each builds the data that the HTML page, the JSON API and the feeds all render.

As in Datasette, a view knows nothing of formats: it takes a session and parsed parameters and
returns a frozen dataclass. ``routes.py`` renders that with a template, as JSON, or as RSS/Atom/JSON
Feed; pages advertise their alternates from ``feed_path``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import quote, urlencode

from markupsafe import Markup
from sqlalchemy.orm import Session

from newsdesk.store import queries, search, story_queries
from newsdesk.store.queries import (
    ArticleDetail,
    CommentView,
    ListFilters,
    SourceRef,
    Teaser,
    TranslationView,
)
from newsdesk.store.story_queries import Coverage, Merged, Ranking, StoryCard, StoryDetail
from newsdesk.translate.languages import NAMES
from newsdesk.web.security import sanitize_article_html

RAIL_SIZE = 5  # why: the issue asks for 4–6 teasers in the "More from" rail
LANG_COOKIE = "newsdesk_lang"  # the reader's pick from the article page's language switcher
ORIGINAL = "original"  # ?lang= / cookie value: show every article in its own language
TRANSLATION_DOCS_URL = "https://github.com/newsdesk/newsdesk/blob/main/docs/translation.md"
# The translate stage's table, plus the codes outlets use that it lacks.
LANGUAGE_NAMES = {**NAMES, "no": "Norwegian", "hr": "Croatian"}


def known_language(code: str | None) -> str | None:
    """The English name of ``code``, or None when this site has no name for it."""
    return LANGUAGE_NAMES.get(code.split("-")[0].lower()) if code else None


def language_name(code: str | None) -> str:
    if not code:
        return "an unknown language"
    return known_language(code) or code


def language_label(code: str) -> str:
    """A language in running text: its name, or the code marked as unknown (``?lang=xx``)."""
    name = known_language(code)
    return name if name else f"language “{code}” (an unknown code)"


@dataclass(frozen=True)
class Reader:
    """Which language a reader wants, from the strongest signal to the weakest.

    ``?lang=`` decides alone (a code, or "original"); otherwise the language picked on the site
    (cookie), then the browser's Accept-Language (already sorted by q-value), then the site's
    default (the first target language).
    """

    wanted: str | None = None
    cookie: str | None = None
    accepted: tuple[str, ...] = ()
    default: str | None = None
    translated: frozenset[str] | None = None  # languages any translation exists in (None: unknown)

    def knowing(self, translated: frozenset[str]) -> Reader:
        """This reader, told which languages translations exist in (lists then skip needless lookups)."""
        return replace(self, translated=translated)

    def languages(self) -> list[str]:
        """Languages to show, best first; empty when the reader asked for originals."""
        if self.wanted:
            return [] if self.wanted == ORIGINAL else [self.wanted]
        if self.cookie == ORIGINAL:
            return []
        return list(dict.fromkeys(x for x in (self.cookie, *self.accepted, self.default) if x))

    def key(self) -> str:
        """The part of a response-cache key that this reader's language decides."""
        return ",".join(self.languages()[:4]) or ORIGINAL


def _base(lang: str | None) -> str:
    return (lang or "").split("-")[0].lower()


def localize(session: Session, teasers: list[Teaser], reader: Reader | None) -> list[Teaser]:
    """Teasers in the reader's language where a translation exists (one query for the whole list)."""
    langs = reader.languages() if reader else []
    if not teasers or not langs or reader is None:
        return teasers
    known = [x for x in langs if reader.translated is None or x in reader.translated]
    # Only teasers whose own language is not the reader's first choice can need a translation.
    need = [t.id for t in teasers if _base(t.lang) != langs[0]] if known else []
    found = queries.translations_for(session, need, known) if need else {}
    return queries.localize(teasers, langs, found) if found else teasers


# Why a list came out empty; each reads differently to a reader (see ``empty_reason``).
PAST_END = "past_end"  # a page number past the last article
FIRST_RUN = "first_run"  # the site holds no article at all yet
NO_MATCH = "no_match"  # articles exist, none matches this list's filters


def empty_reason(teasers: list[Teaser], page: int, newest: datetime | None) -> str:
    """"" for a list with teasers; else why it is empty. ``newest`` is ``queries.newest_change``,
    None only when no article is stored (so the first-run advice shows on a truly empty site only)."""
    if teasers:
        return ""
    if page > 1:
        return PAST_END
    return FIRST_RUN if newest is None else NO_MATCH


@dataclass(frozen=True)
class ListView:
    kind: str  # front, source, section, author, search
    title: str
    path: str  # the HTML page's path (pagination and alternates keep ``query``)
    feed_path: str  # e.g. "/source/3/feed": add ".rss", ".atom" or ".json"
    query: dict[str, str]  # active filters as query parameters
    teasers: list[Teaser]
    page: int = 1
    has_next: bool = False
    description: str = ""
    source: SourceRef | None = None
    groups: list[tuple[str, list[Teaser]]] = field(default_factory=list)
    snippets: dict[int, Markup] = field(default_factory=dict)
    last_modified: datetime | None = None
    empty: str = ""  # why the list is empty ("" when it is not): PAST_END, FIRST_RUN or NO_MATCH
    lang: str | None = None  # the language filter (the front page's ?lang=)
    stories: list[StoryCard] = field(default_factory=list)  # top stories the front page leads with

    @property
    def status(self) -> int:
        """A page past the last article is not there (404); every other list page is."""
        return 404 if self.empty == PAST_END else 200

    @property
    def lang_name(self) -> str | None:
        """The language filter's name, None when the code is unknown (the page says so)."""
        return known_language(self.lang)

    @property
    def lang_label(self) -> str:
        """The language filter in running text ("German", or the code marked unknown); "" for none."""
        return language_label(self.lang) if self.lang else ""

    def page_url(self, page: int) -> str:
        params = dict(self.query)
        if page > 1:
            params["page"] = str(page)
        return self.path + ("?" + urlencode(params) if params else "")

    def feed_url(self, ext: str, page: int = 1, extra: dict[str, str] | None = None) -> str:
        """The feed's address; ``page`` > 1 and ``extra`` (e.g. ``full=1``) are kept in its paging links."""
        params = dict(self.query) | (extra or {})
        if page > 1:
            params["page"] = str(page)
        return f"{self.feed_path}.{ext}" + ("?" + urlencode(params) if params else "")


@dataclass(frozen=True)
class MissingTranslation:
    """The article is shown in its original: none exists in the reader's first language.

    Readers are told so in plain words; what an operator can do about it (``pair`` is what
    ``newsdesk translate install`` takes: the article's language, then the reader's) is shown to
    signed-in admins only.
    """

    reader_lang: str  # the reader's first language
    original_lang: str  # the article's
    engine: str  # the configured translation engine ("none": translation is not set up)
    targeted: bool  # the reader's language is one the site translates into

    @property
    def pair(self) -> str:
        return f"{self.original_lang}-{self.reader_lang}"

    @property
    def reader_name(self) -> str | None:
        return known_language(self.reader_lang)


@dataclass(frozen=True)
class ArticleView:
    article: ArticleDetail
    title: str
    body_html: Markup
    lang: str | None  # the language shown
    original_lang: str | None
    translation: TranslationView | None
    available_langs: tuple[str, ...]
    teaser: str
    missing: MissingTranslation | None  # set when the original is shown to a reader of another language
    more_from_source: list[Teaser]
    more_by_author: list[Teaser]
    author_for_rail: str | None
    comments: list[CommentView]
    last_modified: datetime | None
    coverage: Coverage | None = None  # its story, when other articles are in it ("Full coverage")


def article_path(article_id: int) -> str:
    return f"/article/{article_id}"


def story_path(story_id: int) -> str:
    return f"/story/{story_id}"


def author_path(name: str) -> str:
    return "/author/" + quote(name, safe="")


def section_path(name: str) -> str:
    return "/section/" + quote(name, safe="")


def _group_by_section(teasers: list[Teaser]) -> list[tuple[str, list[Teaser]]]:
    groups: dict[str, list[Teaser]] = {}
    for teaser in teasers:
        groups.setdefault(teaser.section or "Latest", []).append(teaser)
    return list(groups.items())


def with_reprints(session: Session, teasers: list[Teaser]) -> list[Teaser]:
    """Teasers with the number of outlets that reprinted each (one query for the list)."""
    counts = story_queries.reprint_counts(session, [t.id for t in teasers])
    return [replace(t, reprint_count=counts[t.id]) if t.id in counts else t for t in teasers] if counts else teasers


def front_view(session: Session, *, lang: str | None = None, source_id: int | None = None,
               page: int = 1, page_size: int = 20, reader: Reader | None = None,
               include_translated: bool = False, ranking: Ranking | None = None,
               now: datetime | None = None) -> ListView:
    """The front page; ``include_translated`` (feeds) makes ``lang`` match translations into it too.

    Reprints are folded into their original. With ``ranking`` (and ``now``), page 1 of the
    unfiltered front page leads with the top stories.
    """
    filters = (ListFilters(source_id=source_id, in_lang=lang, fold_reprints=True) if include_translated
               else ListFilters(source_id=source_id, lang=lang, fold_reprints=True))
    teasers, has_next = queries.list_page(session, filters, page=page, page_size=page_size)
    teasers = with_reprints(session, localize(session, teasers, reader))
    stories: list[StoryCard] = []
    if ranking is not None and now is not None and page == 1 and not lang and source_id is None:
        stories = story_queries.top_stories(session, now=now, ranking=ranking,
                                            langs=reader.languages() if reader else (),
                                            translated=reader.translated if reader else None)
    query = {k: v for k, v in (("lang", lang or ""), ("source", str(source_id or ""))) if v}
    source = queries.get_source(session, source_id) if source_id is not None else None
    title = "Latest news"
    if lang:
        title += f" in {language_label(lang)}"
    if source:
        title += f" from {source.name}"
    # The lead story stands alone; the rest are grouped by section in order of first appearance.
    groups = _group_by_section(teasers[1:]) if page == 1 else _group_by_section(teasers)
    newest = queries.newest_change(session)
    return ListView("front", title, "/", "/feed", query, teasers, page, has_next, source=source,
                    groups=groups, last_modified=newest, empty=empty_reason(teasers, page, newest), lang=lang,
                    stories=stories)


def source_view(session: Session, source_id: int, *, page: int = 1, page_size: int = 20,
                reader: Reader | None = None) -> ListView | None:
    source = queries.get_source(session, source_id)
    if source is None:
        return None
    teasers, has_next = queries.list_page(session, ListFilters(source_id=source_id), page=page,
                                          page_size=page_size)
    teasers = localize(session, teasers, reader)
    newest = queries.newest_change(session)
    return ListView("source", source.name, f"/source/{source_id}", f"/source/{source_id}/feed", {},
                    teasers, page, has_next, description=source.home_url or "", source=source,
                    last_modified=newest, empty=empty_reason(teasers, page, newest))


def section_view(session: Session, name: str, *, page: int = 1, page_size: int = 20,
                 reader: Reader | None = None) -> ListView | None:
    teasers, has_next = queries.list_page(session, ListFilters(section=name, fold_reprints=True), page=page,
                                          page_size=page_size)
    if not teasers and page == 1:
        return None
    teasers = with_reprints(session, localize(session, teasers, reader))
    newest = queries.newest_change(session)
    return ListView("section", name, section_path(name), section_path(name) + "/feed", {}, teasers, page,
                    has_next, last_modified=newest, empty=empty_reason(teasers, page, newest))


def author_view(session: Session, name: str, *, page: int = 1, page_size: int = 20,
                reader: Reader | None = None) -> ListView | None:
    teasers, has_next = queries.list_page(session, ListFilters(author=name), page=page, page_size=page_size)
    if not teasers and page == 1:
        return None
    teasers = localize(session, teasers, reader)
    newest = queries.newest_change(session)
    return ListView("author", name, author_path(name), author_path(name) + "/feed", {}, teasers, page,
                    has_next, description="Articles by " + name, last_modified=newest,
                    empty=empty_reason(teasers, page, newest))


DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(value: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` parameter (the search form's date inputs); ValueError with a reader's message."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        if not DAY_PATTERN.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name}: {value[:40]!r} is not a date; give it as YYYY-MM-DD, e.g. 2026-11-28") from None


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def day_end(day: date) -> datetime:
    """The exclusive end of ``day`` (the next midnight); the last day there is ends at the end of time."""
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return day_start(day) + timedelta(days=1)


def check_day_range(date_from: datetime | None, date_to: datetime | None) -> None:
    if date_from is not None and date_to is not None and date_from >= date_to:
        raise ValueError("from: the first day must not be after the last day (to)")


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    source_id: int | None = None
    lang: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None  # exclusive: the midnight after the last day searched
    section: str | None = None
    author: str | None = None

    def last_day(self) -> date | None:
        """The last day searched, as the reader gave it (``date_to`` is the midnight after it)."""
        if self.date_to is None:
            return None
        if self.date_to.time() != time(0):  # day_end of the last day there is
            return self.date_to.date()
        return (self.date_to - timedelta(days=1)).date()

    def as_query(self) -> dict[str, str]:
        params = {"q": self.q}
        if self.source_id is not None:
            params["source"] = str(self.source_id)
        if self.lang:
            params["lang"] = self.lang
        if self.date_from:
            params["from"] = self.date_from.date().isoformat()
        last = self.last_day()
        if last:
            params["to"] = last.isoformat()
        if self.section:
            params["section"] = self.section
        if self.author:
            params["author"] = self.author
        return params


def search_view(session: Session, params: SearchParams, *, page: int = 1, page_size: int = 20,
                reader: Reader | None = None) -> ListView:
    page = max(1, min(page, queries.MAX_PAGE))
    filters = search.SearchFilters(params.source_id, params.lang, params.date_from, params.date_to,
                                   section=params.section, author=params.author)
    hits = search.search(session, params.q, filters, limit=page_size + 1, offset=(page - 1) * page_size)
    shown = hits[:page_size]
    teasers = localize(session, queries.teasers_by_ids(session, [h.article_id for h in shown]), reader)
    texts = queries.texts_for(session, [(h.article_id, h.lang) for h in shown])
    snippets = {
        article_id: search.highlight(text_, params.q, lang) for article_id, (text_, lang) in texts.items()
    }
    title = f"Search: {params.q}" if params.q else "Search"
    newest = queries.newest_change(session)
    return ListView("search", title, "/search", "/search/feed", params.as_query(), teasers, page,
                    len(hits) > page_size, snippets=snippets, last_modified=newest,
                    empty=empty_reason(teasers, page, newest), lang=params.lang)


def parse_accept_language(header: str | None, limit: int = 6) -> list[str]:
    """Primary language tags from an Accept-Language header, best first."""
    if not header:
        return []
    weighted = []
    for position, part in enumerate(header[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().split("-")[0].lower()
        if not tag or tag == "*" or not tag.isalpha() or len(tag) > 8:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag))
    seen: list[str] = []
    for _, _, tag in sorted(weighted):
        if tag not in seen:
            seen.append(tag)
    return seen[:limit]


def choose_translation(article: ArticleDetail, wanted: str | None, accepted: list[str], *,
                       cookie: str | None = None, default: str | None = None) -> TranslationView | None:
    """The translation to show (None for the original), by the order of :class:`Reader`.

    The first of the reader's languages the article exists in wins: its own language means the
    original, a stored translation means that translation.
    """
    return _choose(article, Reader(wanted.lower() if wanted else None, cookie, tuple(accepted), default))


def _choose(article: ArticleDetail, reader: Reader) -> TranslationView | None:
    by_lang = {t.lang: t for t in article.translations}
    original = _base(article.lang)
    for lang in reader.languages():
        if lang == original:
            return None
        if lang in by_lang:
            return by_lang[lang]
    return None


def article_view(session: Session, article_id: int, *, wanted_lang: str | None = None,
                 accepted: list[str] | None = None, reader: Reader | None = None,
                 translate_engine: str = "none", targets: tuple[str, ...] = ()) -> ArticleView | None:
    """The article in the reader's language (``reader``, or ``wanted_lang`` then ``accepted``)."""
    article = queries.get_article(session, article_id)
    if article is None:
        return None
    reader = reader or Reader(wanted_lang.lower() if wanted_lang else None, accepted=tuple(accepted or ()))
    translation = _choose(article, reader)
    html = translation.html if translation else article.html
    rail = (queries.more_from_source(session, article.source.id, article.id, RAIL_SIZE)
            if article.source else [])
    author = article.authors[0] if article.authors else None
    # "More by" skips what the outlet rail already shows (an author usually writes for that outlet).
    shown = {t.id for t in rail}
    by_author = ([t for t in queries.more_by_author(session, author, article.id, RAIL_SIZE + len(rail))
                  if t.id not in shown][:RAIL_SIZE] if author else [])
    # Both rails' translations in one query.
    rails = localize(session, rail + by_author, reader)
    rail, by_author = rails[:len(rail)], rails[len(rail):]
    langs = tuple(dict.fromkeys([x for x in [article.lang, *(t.lang for t in article.translations)] if x]))
    wants = reader.languages()
    missing = None
    if translation is None and wants and article.lang and wants[0] != _base(article.lang):
        missing = MissingTranslation(wants[0], _base(article.lang), translate_engine, wants[0] in targets)
    return ArticleView(
        article=article,
        title=(translation.title if translation and translation.title else article.title),
        body_html=sanitize_article_html(html, article.canonical_url or article.url),
        lang=translation.lang if translation else article.lang,
        original_lang=article.lang,
        translation=translation,
        available_langs=langs,
        teaser=(translation.teaser if translation and translation.teaser else article.teaser),
        missing=missing,
        more_from_source=rail,
        more_by_author=by_author,
        author_for_rail=author,
        comments=queries.published_comments(session, article.id),
        last_modified=_article_modified(session, article),
        coverage=story_queries.coverage(session, article.story_id),
    )


def _article_modified(session: Session, article: ArticleDetail) -> datetime:
    """The page's Last-Modified: the article's own change, or a later comment shown (or moderated) on it,
    so a conditional GET after an approval is not answered 304 without the comment."""
    changed = article.updated_at or article.fetched_at
    comments = queries.newest_comment_change(session, article.id)
    return max(changed, comments) if comments else changed


# --- stories ------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def country_name(code: str | None) -> str:
    """A country's English name from its ISO 3166 code (Babel's CLDR table), the code when unnamed."""
    if not code:
        return "Unknown"
    from babel import Locale

    return str(Locale("en").territories.get(code.upper()) or code.upper())


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def coverage_line(card: StoryCard) -> str:
    """"5 outlets · 2 languages", as a card and a feed item say it."""
    return f"{plural(card.outlet_count, 'outlet')} · {plural(card.language_count, 'language')}"


def story_teaser(card: StoryCard) -> Teaser:
    """A story as a feed item: its headline, who covered it, a link to its page."""
    outlets = ", ".join(o.name for o in card.outlets)
    more = card.outlet_count - len(card.outlets)
    summary = coverage_line(card) + (f": {outlets}" if outlets else "") + (f" and {more} more" if more > 0 else "")
    return Teaser(id=card.id, title=card.headline, url=card.url, published_at=card.first_seen,
                  snippet=summary + ".", image=None, section=None, lang=card.headline_lang, authors=(),
                  source=None, original_lang=card.original_lang, translated_by=card.translated_by,
                  seen_at=card.last_updated, page_path=story_path(card.id))


@dataclass(frozen=True)
class StoryView:
    """A story's page (and its ``.json``): the detail, in the reader's language where one exists."""

    detail: StoryDetail
    reader_lang: str | None  # the reader's first language (translated titles are in it)
    last_modified: datetime | None

    @property
    def card(self) -> StoryCard:
        return self.detail.card

    @property
    def title(self) -> str:
        return self.detail.card.headline

    @property
    def path(self) -> str:
        return story_path(self.detail.card.id)

    @property
    def blindspot_line(self) -> str:
        """"Reported only by Russian-language outlets" ("" when coverage spans languages)."""
        lang = self.detail.blindspot
        if not lang:
            return ""
        name = known_language(lang) or lang
        if self.detail.card.outlet_count == 1:
            return f"Reported only by one {name}-language outlet so far"
        return f"Reported only by {name}-language outlets"

    def feed_url(self, ext: str, page: int = 1, extra: dict[str, str] | None = None) -> str:
        return f"{self.path}/feed.{ext}"


def story_view(session: Session, story_id: int, *, ranking: Ranking, reader: Reader | None = None,
               site_languages: list[str] | None = None) -> StoryView | Merged | None:
    langs = reader.languages() if reader else []
    found = story_queries.get_story(session, story_id, ranking=ranking, langs=langs,
                                    translated=reader.translated if reader else None,
                                    site_languages=site_languages)
    if found is None or isinstance(found, Merged):
        return found
    return StoryView(found, langs[0] if langs else None, queries.newest_change(session))


def stories_view(session: Session, *, ranking: Ranking, now: datetime, reader: Reader | None = None,
                 limit: int = 20) -> ListView:
    """The top stories as a list: the ``/stories`` page and its feeds (items link to story pages)."""
    cards = story_queries.top_stories(session, now=now, ranking=ranking,
                                      langs=reader.languages() if reader else (),
                                      translated=reader.translated if reader else None, limit=limit)
    teasers = [story_teaser(c) for c in cards]
    newest = queries.newest_change(session)
    return ListView("stories", "Top stories", "/stories", "/stories/feed", {}, teasers,
                    description="The stories most outlets and languages are covering now", stories=cards,
                    last_modified=newest, empty=empty_reason(teasers, 1, newest))


def story_feed_view(session: Session, story_id: int, *, page_size: int = 30,
                    reader: Reader | None = None) -> ListView | Merged | None:
    """A story's coverage as a feed: its articles newest first, reprints folded into their original."""
    found = story_queries.resolve(session, story_id)
    if found is None or isinstance(found, Merged):
        return found
    ids = story_queries.story_article_ids(session, story_id, page_size)
    teasers = with_reprints(session, localize(session, queries.teasers_by_ids(session, ids), reader))
    cards = story_queries.stories_by_ids(session, [story_id], ranking=Ranking(),
                                         langs=reader.languages() if reader else ())
    title = cards[0].headline if cards else f"Story {story_id}"
    newest = queries.newest_change(session)
    return ListView("story", title, story_path(story_id), story_path(story_id) + "/feed", {}, teasers,
                    description="Every outlet's coverage of this story", stories=cards, last_modified=newest)


@dataclass(frozen=True)
class Nav:
    sections: list[str]
    sources: list[queries.SourceSummary]
    languages: list[str]
    translated_langs: frozenset[str] = frozenset()


def nav_view(session: Session) -> Nav:
    return Nav(queries.list_sections(session), queries.list_sources(session), queries.list_languages(session),
               queries.translated_languages(session))


__all__ = [
    "ArticleView",
    "LANG_COOKIE",
    "ListView",
    "MissingTranslation",
    "Nav",
    "Reader",
    "SearchParams",
    "StoryView",
    "article_view",
    "author_view",
    "check_day_range",
    "day_end",
    "day_start",
    "choose_translation",
    "front_view",
    "empty_reason",
    "known_language",
    "language_label",
    "language_name",
    "localize",
    "nav_view",
    "parse_accept_language",
    "parse_day",
    "search_view",
    "section_view",
    "source_view",
    "stories_view",
    "story_feed_view",
    "story_path",
    "story_teaser",
    "story_view",
    "with_reprints",
]
