"""The JSON API under ``/api/v1/``: the same views as the HTML pages, rendered as JSON.

Pydantic models describe every answer, so ``/openapi.json`` is the contract (schemathesis checks
the API against it in the suite). Errors are ``{"error": {"status": …, "message": …}}`` with the
matching status. Answers carry an ETag and Cache-Control, and a matching If-None-Match gets 304.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from newsdesk.store import queries, story_queries
from newsdesk.store.queries import ListFilters, Teaser
from newsdesk.store.story_queries import Merged, Ranking, StoryCard
from newsdesk.web import views
from newsdesk.web.security import sanitize_article_html
from newsdesk.web.site import Built, site_of

LANG_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})?$"
LANG_RE = re.compile(LANG_PATTERN)
SHOW_LANG_PATTERN = r"^([A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})?|original)$"
MAX_LIMIT = 100  # why: one answer stays small; the cursor fetches the rest


class ErrorBody(BaseModel):
    status: int
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class SourceOut(BaseModel):
    id: int
    name: str
    home_url: str | None = None
    lang: str | None = None


class SourceSummaryOut(SourceOut):
    country: str | None = None
    article_count: int


class TeaserOut(BaseModel):
    id: int
    title: str
    url: str = Field(description="The original article's URL at its outlet.")
    page_url: str = Field(description="The article's page on this site.")
    published_at: datetime | None
    snippet: str
    image: str | None
    section: str | None
    lang: str | None
    authors: list[str]
    source: SourceOut | None
    original_lang: str | None = Field(None, description="Set when title and snippet are a translation into `lang`.")
    translated_by: str | None = Field(None, description="The engine that made that translation.")


class TranslationOut(BaseModel):
    title: str
    teaser: str
    html: str = Field(description="Sanitized translated HTML.")
    engine: str = Field(description="The engine that made the translation.")


class ArticleOut(BaseModel):
    id: int
    title: str
    url: str
    canonical_url: str
    page_url: str
    published_at: datetime | None
    updated_at: datetime | None
    fetched_at: datetime
    lang: str | None = Field(description="The language title, teaser, html and text are in.")
    original_lang: str | None = Field(description="The language the article was published in.")
    translated_by: str | None = Field(description="The engine, when the article is given in translation.")
    authors: list[str]
    section: str | None
    image: str | None
    html: str = Field(description="Sanitized article HTML.")
    text: str
    teaser: str
    cited_sources: list[str]
    text_sources: list[str] = Field(description="Outlets the text came from, by its closing \"Source:\" line.")
    tags: list[str]
    source: SourceOut | None
    translations: dict[str, TranslationOut] = Field(description="Every stored translation, by language.")


class ArticleList(BaseModel):
    items: list[TeaserOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next batch; null at the end.")


class SearchHitOut(TeaserOut):
    highlight: str = Field(description="HTML snippet with matched words in <mark>; text is escaped.")


class SearchResults(BaseModel):
    query: str
    page: int
    has_next: bool
    items: list[SearchHitOut]


class SourceList(BaseModel):
    items: list[SourceSummaryOut]


class StoryOut(BaseModel):
    id: int = Field(description="The story's id: its first article's id, stable across a rebuild.")
    page_url: str = Field(description="The story's page on this site.")
    headline: str
    headline_lang: str | None = Field(description="The language the headline is in.")
    original_lang: str | None = Field(None, description="Set when the headline is a machine translation "
                                      "of the first article's title (from this language).")
    translated_by: str | None = Field(None, description="The engine that made that translation.")
    in_reader_lang: bool = Field(description="False when no headline exists in the language asked for: "
                                 "the first article's title is given as published.")
    url: str = Field(description="The first article's URL at its outlet.")
    first_seen: datetime
    last_updated: datetime
    article_count: int
    outlet_count: int
    language_count: int
    reprint_count: int
    languages: dict[str, int] = Field(description="Articles per language.")
    outlets: list[SourceOut] = Field(description="The first outlets to report it, in order (a few).")


class ReprintOut(BaseModel):
    id: int
    page_url: str
    source: SourceOut | None
    at: datetime


class StoryArticleOut(BaseModel):
    id: int
    page_url: str
    title: str = Field(description="The title as published.")
    lang: str | None
    translated_title: str | None = Field(description="The title in the language asked for, where a translation exists.")
    translated_lang: str | None
    source: SourceOut | None
    country: str | None = Field(description="The outlet's country (ISO 3166 alpha-2), when known.")
    at: datetime = Field(description="Publication time (the fetch time when the given date is implausible).")
    url: str
    reprints: list[ReprintOut] = Field(description="Copies of this text other outlets ran (folded here).")


class LanguageShareOut(BaseModel):
    lang: str | None
    articles: int
    outlets: int


class CountryShareOut(BaseModel):
    country: str | None = Field(description="ISO 3166 alpha-2; null: unknown.")
    articles: int
    outlets: int


class StoryDetailOut(StoryOut):
    first_reported_by: SourceOut | None
    first_reported_at: datetime | None
    articles: list[StoryArticleOut] = Field(description="The timeline, earliest first; reprints folded.")
    by_language: list[LanguageShareOut]
    by_country: list[CountryShareOut]
    blindspot: str | None = Field(description="The one language all coverage is in, when the site reads others.")
    truncated: bool = Field(description="The timeline holds the first articles only (the counts hold all).")


class StoryList(BaseModel):
    items: list[StoryOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next batch; null at the end.")


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Bad parameters"},
    404: {"model": ErrorOut, "description": "Not found"},
    422: {"model": ErrorOut, "description": "Invalid parameters"},
}

router = APIRouter(prefix="/api/v1", responses=ERRORS)


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _source(ref: queries.SourceRef | None) -> SourceOut | None:
    return SourceOut(id=ref.id, name=ref.name, home_url=ref.home_url, lang=ref.lang) if ref else None


def teaser_out(t: Teaser) -> TeaserOut:
    return TeaserOut(id=t.id, title=t.title, url=t.url, page_url=views.article_path(t.id),
                     published_at=t.published_at, snippet=t.snippet, image=t.image, section=t.section,
                     lang=t.lang, authors=list(t.authors), source=_source(t.source),
                     original_lang=t.original_lang, translated_by=t.translated_by)


def article_out(view: views.ArticleView) -> ArticleOut:
    """The article as shown (original or translation), with every translation alongside."""
    a, shown = view.article, view.translation
    base = a.canonical_url or a.url
    return ArticleOut(
        id=a.id, title=view.title, url=a.url, canonical_url=a.canonical_url, page_url=views.article_path(a.id),
        published_at=a.published_at, updated_at=a.updated_at, fetched_at=a.fetched_at, lang=view.lang,
        original_lang=a.lang, translated_by=shown.engine if shown else None,
        authors=list(a.authors), section=a.section, image=a.image, html=str(view.body_html),
        text=shown.text if shown else a.text, teaser=view.teaser, cited_sources=list(a.cited_sources),
        text_sources=list(a.text_sources),
        tags=list(a.tags), source=_source(a.source),
        translations={t.lang: TranslationOut(title=t.title, teaser=t.teaser, engine=t.engine,
                                             html=str(sanitize_article_html(t.html, base)))
                      for t in a.translations},
    )


def story_out(card: StoryCard) -> StoryOut:
    return StoryOut(id=card.id, page_url=views.story_path(card.id), headline=card.headline,
                    headline_lang=card.headline_lang, original_lang=card.original_lang,
                    translated_by=card.translated_by, in_reader_lang=card.in_reader_lang, url=card.url,
                    first_seen=card.first_seen, last_updated=card.last_updated, article_count=card.article_count,
                    outlet_count=card.outlet_count, language_count=card.language_count,
                    reprint_count=card.reprint_count, languages=dict(card.languages),
                    outlets=[o for o in (_source(x) for x in card.outlets) if o is not None])


def story_detail_out(view: views.StoryView) -> StoryDetailOut:
    """The story page's data as JSON: ``/api/v1/stories/{id}`` and ``/story/{id}.json``."""
    d = view.detail
    articles = [
        StoryArticleOut(id=a.article_id, page_url=views.article_path(a.article_id), title=a.title, lang=a.lang,
                        translated_title=a.translated_title, translated_lang=a.translated_lang,
                        source=_source(a.source), country=a.country, at=a.at, url=a.url,
                        reprints=[ReprintOut(id=r.article_id, page_url=views.article_path(r.article_id),
                                             source=_source(r.source), at=r.at) for r in a.reprints])
        for a in d.items
    ]
    return StoryDetailOut(
        **story_out(d.card).model_dump(), first_reported_by=_source(d.first_reported_by),
        first_reported_at=d.first_reported_at, articles=articles,
        by_language=[LanguageShareOut(lang=x.lang, articles=x.articles, outlets=x.outlets) for x in d.by_language],
        by_country=[CountryShareOut(country=x.country, articles=x.articles, outlets=x.outlets) for x in d.by_country],
        blindspot=d.blindspot, truncated=d.truncated,
    )


def _json(request: Request, model: BaseModel, last_modified: datetime | None = None) -> Response:
    built = Built(model.model_dump_json(), media_type="application/json",
                  cache_control="public, max-age=30", last_modified=last_modified)
    return site_of(request).respond_uncached(request, built)


# RFC 3339 / ISO 8601 as the schema's ``date-time`` means it. Pydantic also takes a bare number as a
# Unix time ("0" is 1970), which the schema does not offer and which is never what a client meant.
DATE_TIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?)?"
)


def _raw(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value.strip() if value is not None else None


def _since(request: Request, value: datetime | None) -> datetime | None:
    """``since`` in UTC, refused unless it was written as a date-time (400)."""
    raw = _raw(request, "since")
    if value is None or raw is None:
        return None
    if not DATE_TIME_RE.fullmatch(raw):
        raise ApiError(400, f"since: {raw[:40]!r} is not an ISO 8601 date-time; give e.g. 2026-11-28T06:00:00Z")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # within a day of the calendar's ends: nothing is published out there
        return datetime.max.replace(tzinfo=UTC) if value.year > 1 else datetime.min.replace(tzinfo=UTC)


def _day(request: Request, name: str, value: date | None, *, end: bool = False) -> datetime | None:
    """A ``date`` parameter as a UTC bound, refused unless it was written YYYY-MM-DD (400)."""
    if value is None:
        return None
    try:
        day = views.parse_day(_raw(request, name), name)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from exc
    if day is None:
        return None
    return views.day_end(day) if end else views.day_start(day)


LangQ = Annotated[str | None, Query(pattern=LANG_PATTERN, description="ISO 639 language code")]
SourceQ = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Source id")]


@router.get("/articles", response_model=ArticleList, summary="List articles, newest first")
def list_articles(
    request: Request,
    source: SourceQ = None,
    lang: LangQ = None,
    section: Annotated[str | None, Query(max_length=200)] = None,
    author: Annotated[str | None, Query(max_length=300, description="Only articles by this author")] = None,
    q: Annotated[str | None, Query(max_length=300, description="Full-text query")] = None,
    since: Annotated[datetime | None, Query(description="Only articles published at or after (ISO 8601)")] = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> Response:
    since = _since(request, since)
    site = site_of(request)
    with site.session() as session:
        if q and q.strip():
            # Every filter is part of the search query itself, so a page is full unless the
            # matches ran out, and a cursor is given only when more follow.
            offset = _offset_cursor(cursor)
            params = views.SearchParams(q=q, source_id=source, lang=lang.lower() if lang else None,
                                        date_from=since, section=section or None, author=author or None)
            if offset % limit:
                raise ApiError(400, "cursor does not fit this limit")
            if offset // limit >= queries.MAX_PAGE:  # search_view would give its last page again
                raise ApiError(400, f"search results end after {queries.MAX_PAGE} pages; narrow the query")
            view = views.search_view(session, params, page=1 + offset // limit, page_size=limit)
            next_cursor = _encode_offset(offset + limit) if view.has_next and view.teasers else None
            return _json(request, ArticleList(items=[teaser_out(t) for t in view.teasers], next_cursor=next_cursor))
        filters = ListFilters(source_id=source, lang=lang.lower() if lang else None, section=section,
                              author=author or None, since=since)
        try:
            items, next_cursor = queries.list_after(session, filters, cursor=cursor, limit=limit)
        except ValueError as exc:
            raise ApiError(400, "invalid cursor") from exc
        return _json(request, ArticleList(items=[teaser_out(t) for t in items], next_cursor=next_cursor),
                     queries.newest_change(session))


def _encode_offset(offset: int) -> str:
    return f"o{offset}"


def _offset_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not re.fullmatch(r"o\d{1,6}", cursor):
        raise ApiError(400, "invalid cursor")
    return int(cursor[1:])


@router.get("/articles/{article_id}", response_model=ArticleOut, summary="One article")
def get_article(
    request: Request,
    article_id: int,
    lang: Annotated[str | None, Query(
        pattern=SHOW_LANG_PATTERN,
        description="Give title, teaser, html and text in this language when a translation exists; "
                    "`original` for the published text. Without it the article is as published.")] = None,
) -> Response:
    if not 1 <= article_id <= 2**31 - 1:  # ids are INTEGER columns: PostgreSQL refuses a larger one
        raise ApiError(404, "no such article")
    # An API client asks for what it wants: no cookie, Accept-Language or site default here.
    reader = views.Reader(lang.lower() if lang else views.ORIGINAL)
    with site_of(request).session() as session:
        view = views.article_view(session, article_id, reader=reader)
        if view is None:
            raise ApiError(404, "no such article")
        return _json(request, article_out(view), view.last_modified)


@router.get("/stories", response_model=StoryList, summary="List stories, most recently updated first")
def list_stories(
    request: Request,
    lang: Annotated[str | None, Query(pattern=LANG_PATTERN,
                                      description="Only stories with an article in this language")] = None,
    since: Annotated[datetime | None, Query(description="Only stories updated at or after (ISO 8601)")] = None,
    headline_lang: Annotated[str | None, Query(
        pattern=LANG_PATTERN, alias="headline_lang",
        description="Give headlines in this language where one exists (an outlet's own title in it, else a "
                    "translation of the first article); without it, as the first article was published.")] = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> Response:
    since = _since(request, since)
    site = site_of(request)
    langs = [headline_lang.lower()] if headline_lang else []
    with site.session() as session:
        try:
            cards, next_cursor = story_queries.stories_after(
                session, ranking=Ranking.from_settings(site.settings), cursor=cursor, limit=limit,
                lang=lang.lower() if lang else None, since=since, langs=langs)
        except ValueError as exc:
            raise ApiError(400, "invalid cursor") from exc
        return _json(request, StoryList(items=[story_out(c) for c in cards], next_cursor=next_cursor),
                     queries.newest_change(session))


@router.get("/stories/{story_id}", response_model=StoryDetailOut, summary="One story: its coverage",
            responses={301: {"description": "The story was merged into another: Location names it."}})
def get_story(
    request: Request,
    story_id: int,
    lang: Annotated[str | None, Query(
        pattern=LANG_PATTERN,
        description="Give the headline and translated titles in this language where they exist.")] = None,
) -> Response:
    if not 1 <= story_id <= 2**31 - 1:
        raise ApiError(404, "no such story")
    site = site_of(request)
    reader = views.Reader(lang.lower() if lang else views.ORIGINAL)
    with site.session() as session:
        view = views.story_view(session, story_id, ranking=Ranking.from_settings(site.settings), reader=reader)
        if view is None:
            raise ApiError(404, "no such story")
        if isinstance(view, Merged):
            target = f"/api/v1/stories/{view.target}" + (f"?lang={lang}" if lang else "")
            return Response(status_code=301, headers={"Location": target, "Cache-Control": "public, max-age=300"})
        return _json(request, story_detail_out(view), view.last_modified)


@router.get("/sources", response_model=SourceList, summary="Every followed source")
def list_sources(request: Request) -> Response:
    with site_of(request).session() as session:
        rows = queries.list_sources(session)
    return _json(request, SourceList(items=[
        SourceSummaryOut(id=s.id, name=s.name, home_url=s.home_url, lang=s.lang, country=s.country,
                         article_count=s.article_count)
        for s in rows
    ]))


@router.get("/search", response_model=SearchResults, summary="Ranked full-text search")
def search_articles(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=300)],
    source: SourceQ = None,
    lang: LangQ = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    page: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> Response:
    params = views.SearchParams(q=q, source_id=source, lang=lang.lower() if lang else None,
                                date_from=_day(request, "from", date_from),
                                date_to=_day(request, "to", date_to, end=True))
    with site_of(request).session() as session:
        view = views.search_view(session, params, page=page, page_size=limit)
    items = [
        SearchHitOut(**teaser_out(t).model_dump(), highlight=str(view.snippets.get(t.id, "")))
        for t in view.teasers
    ]
    return _json(request, SearchResults(query=q, page=page, has_next=view.has_next, items=items))


__all__ = ["ApiError", "router", "story_detail_out", "story_out"]
