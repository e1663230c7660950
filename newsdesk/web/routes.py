"""HTML pages, feeds, comment posting and the admin area.

Public pages are plain Starlette endpoints (no dependency injection on the hot path): each reads
the change counter, serves from the response cache when it can, and otherwise builds its view in a
worker thread and renders it. Parameters are parsed leniently for pages (a bad ``page`` is page 1)
and strictly for the JSON API (``api.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from newsdesk.errors import Reject, Retry, UsageError, plain_message
from newsdesk.models import MAX_URL_CHARS, FeedStatus
from newsdesk.pipeline.crawl import refresh_feed
from newsdesk.pipeline.follow import follow
from newsdesk.store import comments as comment_store
from newsdesk.store import health, queries, repo
from newsdesk.store.db import StoreBusy
from newsdesk.store.schema import Feed
from newsdesk.store.story_queries import Merged, Ranking
from newsdesk.web import accounts, api, auth, views
from newsdesk.web.cache import CachedResponse
from newsdesk.web.feeds import FORMATS, feed_extras, hub_link_header, render_feed, wants_full_text
from newsdesk.web.site import HTML, Built, Site, site_of

LANG_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})?$")
MAX_QUERY_CHARS = 300  # why: a search box, not a document
FEED_ITEMS = 30  # why: a day of a busy outlet; readers poll often


# --- parameter parsing ----------------------------------------------------------------------------


def _int(value: str | None, default: int | None = None, *, low: int = 1, high: int = 2**31 - 1) -> int | None:
    if value is None or not value.isdigit() or len(value) > 10:
        return default
    number = int(value)
    return number if low <= number <= high else default


def _page(request: Request) -> int:
    return _int(request.query_params.get("page"), 1, high=queries.MAX_PAGE) or 1


def _lang(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value if LANG_RE.match(value) else None


def _wanted(value: str | None) -> str | None:
    """A ``?lang=`` or cookie value: a language code, "original", or None when it is neither."""
    value = (value or "").strip().lower()
    return value if value == views.ORIGINAL else _lang(value)


# Readers by (?lang=, cookie, Accept-Language): browsers send a handful of distinct headers, and
# looking one up costs less than parsing it again on every (cached) page view.
_READERS: dict[tuple[str | None, str | None, str, str | None], tuple[views.Reader, str]] = {}
MAX_READERS = 2048  # why: distinct language set-ups seen between clears; a few hundred kB at most


def _reader_and_key(request: Request, wanted: str | None = None) -> tuple[views.Reader, str]:
    """The reader's languages (``wanted`` is the page's ``?lang=``, then cookie, Accept-Language,
    the site default) and their cache-key part, parsed once per distinct set of inputs."""
    cookie = None
    if "cookie" in request.headers:  # parsing cookies costs; most page views carry none
        cookie = request.cookies.get(views.LANG_COOKIE)
    header = (request.headers.get("accept-language") or "")[:500]  # why: parse_accept_language reads no more
    default = site_of(request).default_lang
    key = (wanted, cookie, header, default)
    found = _READERS.get(key)
    if found is None:
        accepted = () if wanted else tuple(views.parse_accept_language(header))
        reader = views.Reader(wanted, _wanted(cookie), accepted, default)
        if len(_READERS) >= MAX_READERS:
            _READERS.clear()
        found = _READERS[key] = (reader, reader.key())
    return found


READER_VARY = "Accept-Encoding, Accept-Language, Cookie"  # lists and articles depend on the reader's language


def _search_params(request: Request) -> tuple[views.SearchParams, str | None]:
    """The search's parameters, and a message when a date is not one (the dates are then left out).

    Dates are strict, unlike the other page parameters: a search quietly run over every date
    would look like an answer to the question asked.
    """
    qp = request.query_params
    error = None
    date_from = date_to = None
    try:
        first, last = views.parse_day(qp.get("from"), "from"), views.parse_day(qp.get("to"), "to")
        date_from = views.day_start(first) if first else None
        date_to = views.day_end(last) if last else None
        views.check_day_range(date_from, date_to)
    except ValueError as exc:
        error, date_from, date_to = str(exc), None, None
    params = views.SearchParams(
        q=(qp.get("q") or "").strip()[:MAX_QUERY_CHARS],
        source_id=_int(qp.get("source")),
        lang=_lang(qp.get("lang")),
        date_from=date_from,
        date_to=date_to,
    )
    return params, error


# --- page plumbing ------------------------------------------------------------------------------


async def _page_response(request: Request, build: Any, *, variant: str = "") -> Response:
    """Serve from the cache or build (in a thread) with ``build(site, session, nav) -> Built``.

    One build per page at a time: requests arriving while a page is being built wait for that
    build instead of starting their own (when an entry expires under load, fifty concurrent
    rebuilds of the same page would hold the interpreter for all of them).
    """
    site = site_of(request)
    counter = site.counter()
    key = site.cache_key(request, variant)
    entry = site.cache.get(key, counter)
    if entry is not None:
        return site.respond(request, entry)
    pending = site.building.get(key)
    if pending is not None:
        shared = await asyncio.shield(pending)
        if shared is not None:
            return site.respond(request, shared)
    future: asyncio.Future[CachedResponse | None] = asyncio.get_running_loop().create_future()
    site.building[key] = future
    try:

        def make() -> Built:
            with site.session() as session:
                return build(site, session, site.nav(session, counter))

        built = await run_in_threadpool(make)
        entry = site.entry(built, counter)
        if built.status < 500:
            site.cache.put(key, entry)
        future.set_result(entry)
    finally:
        if not future.done():
            future.set_result(None)  # waiters build the page themselves
        if site.building.get(key) is future:
            del site.building[key]
    return site.respond(request, entry)


def error_page(site: Site, status: int, title: str, message: str, nav: views.Nav | None = None) -> Built:
    body = site.render("error.html", status=status, title=title, message=message, nav=nav)
    return Built(body, status=status, cache_control="no-store")


def not_found(site: Site, nav: views.Nav | None = None, title: str = "Page not found",
              message: str = "There is no page at this address.") -> Built:
    return error_page(site, 404, title, message, nav)


def no_such_source(site: Site, nav: views.Nav) -> Built:
    return not_found(site, nav, "No such source", "This site follows no source with that number.")


def _list_page(site: Site, view: views.ListView | None, nav: views.Nav, *,
               missing: tuple[str, str] | None = None) -> Built:
    """A source, section or author page; ``missing`` is the 404's title and message when ``view`` is None."""
    if view is None:
        return not_found(site, nav, *missing) if missing else not_found(site, nav)
    body = site.render("list.html", view=view, nav=nav)
    return Built(body, status=view.status, last_modified=view.last_modified, vary=READER_VARY)


# --- public pages -------------------------------------------------------------------------------


async def front(request: Request) -> Response:
    qp = request.query_params
    lang, source_id, page = _lang(qp.get("lang")), _int(qp.get("source")), _page(request)
    reader, variant = _reader_and_key(request)  # ?lang= filters the front page by language, not the reader's

    def build(site: Site, session: Any, nav: views.Nav) -> Built:
        view = views.front_view(session, lang=lang, source_id=source_id, page=page,
                                page_size=site.settings.page_size, reader=reader.knowing(nav.translated_langs),
                                ranking=Ranking.from_settings(site.settings), now=site.clock())
        if source_id is not None and view.source is None:
            return no_such_source(site, nav)
        body = site.render("front.html", view=view, nav=nav, lang=lang, source_id=source_id)
        return Built(body, status=view.status, last_modified=view.last_modified, vary=READER_VARY)

    return await _page_response(request, build, variant=variant)


async def article(request: Request) -> Response:
    article_id = _int(request.path_params["article_id"])
    reader, variant = _reader_and_key(request, _wanted(request.query_params.get("lang")))
    flash = _flash_of(request, article_id)
    # Signed-in admins also see how to set up a missing translation: their pages are cached apart.
    admin = "cookie" in request.headers and (await _admin_user(request)) is not None  # most views carry no cookie
    if admin:
        variant += ";admin"

    def build(site: Site, session: Any, nav: views.Nav) -> Built:
        if article_id is None:
            return not_found(site, nav)
        view = views.article_view(session, article_id, reader=reader.knowing(nav.translated_langs),
                                  translate_engine=site.settings.translate_engine,
                                  targets=tuple(site.settings.target_language_list))
        if view is None:
            return not_found(site, nav)
        body = site.render("article.html", view=view, nav=nav, notice=COMMENT_NOTICES.get(flash or ""),
                           held=flash == "held", admin=admin,
                           limits=(comment_store.MAX_NAME_CHARS, comment_store.MAX_BODY_CHARS))
        return Built(body, last_modified=view.last_modified, cache_control="private, no-cache",
                     personal=True, vary=READER_VARY)

    if flash is not None:  # the poster's own one-time view: built for them, never cached or shared
        return await _flashed_page(request, build)
    # Readers whose languages pick the same version share a cache entry.
    return await _page_response(request, build, variant=variant)


async def _flashed_page(request: Request, build: Any) -> Response:
    """The article page built for this reader alone (it holds their notice), then the notice is spent."""
    site = site_of(request)

    def make() -> Built:
        with site.session() as session:
            built: Built = build(site, session, site.nav(session, site.counter()))
            return Built(built.body, status=built.status, cache_control="no-store", personal=True,
                         vary=built.vary)

    response = site.respond_uncached(request, await run_in_threadpool(make))
    response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _moved(site: Site, path: str) -> Built:
    """301 to where a merged story now is (its links, feeds and bookmarks keep working)."""
    body = f'Moved to <a href="{path}">{path}</a>.'
    return Built(body, status=301, location=path, cache_control="public, max-age=300")


async def story_page(request: Request) -> Response:
    """``/story/{id}``, and ``/story/{id}.json``: the same view data as the API's ``/api/v1/stories/{id}``."""
    raw = request.path_params["story_id"]
    as_json = raw.endswith(".json")
    story_id = _int(raw.removesuffix(".json"))
    reader, variant = _reader_and_key(request)

    def build(site: Site, session: Any, nav: views.Nav) -> Built:
        if story_id is None:
            return not_found(site, nav)
        view = views.story_view(session, story_id, ranking=Ranking.from_settings(site.settings),
                                reader=reader.knowing(nav.translated_langs), site_languages=nav.languages)
        if view is None:
            return not_found(site, nav, "No such story", "This site has no story with that number.")
        if isinstance(view, Merged):
            return _moved(site, views.story_path(view.target) + (".json" if as_json else ""))
        if as_json:
            return Built(api.story_detail_out(view).model_dump_json(), media_type="application/json",
                         last_modified=view.last_modified, vary=READER_VARY)
        body = site.render("story.html", view=view, nav=nav)
        return Built(body, last_modified=view.last_modified, vary=READER_VARY)

    return await _page_response(request, build, variant=variant)


async def stories_page(request: Request) -> Response:
    """``/stories``: the top stories, more of them than the front page leads with."""
    reader, variant = _reader_and_key(request)

    def build(site: Site, session: Any, nav: views.Nav) -> Built:
        view = views.stories_view(session, ranking=Ranking.from_settings(site.settings), now=site.clock(),
                                  reader=reader.knowing(nav.translated_langs), limit=site.settings.page_size)
        body = site.render("stories.html", view=view, nav=nav)
        return Built(body, last_modified=view.last_modified, vary=READER_VARY)

    return await _page_response(request, build, variant=variant)


async def source_page(request: Request) -> Response:
    source_id, page = _int(request.path_params["source_id"]), _page(request)
    reader, variant = _reader_and_key(request)

    def build(site: Site, session: Any, nav: views.Nav) -> Built:
        view = views.source_view(session, source_id, page=page, page_size=site.settings.page_size,
                                 reader=reader.knowing(nav.translated_langs)) if source_id else None
        return _list_page(site, view, nav) if view else no_such_source(site, nav)

    return await _page_response(request, build, variant=variant)


NamedListView = Callable[..., "views.ListView | None"]


def _named_list_page(view_of: NamedListView, max_chars: int,
                     missing: tuple[str, str]) -> Callable[[Request], Awaitable[Response]]:
    """A list page named by its path (a section, an author): one handler shape, several views.
    ``missing``: the 404's title and message for a name no article carries."""

    async def handler(request: Request) -> Response:
        name, page = unquote(request.path_params["name"])[:max_chars], _page(request)
        reader, variant = _reader_and_key(request)

        def build(site: Site, session: Any, nav: views.Nav) -> Built:
            return _list_page(site, view_of(session, name, page=page, page_size=site.settings.page_size,
                                            reader=reader.knowing(nav.translated_langs)), nav, missing=missing)

        return await _page_response(request, build, variant=variant)

    return handler


section_page = _named_list_page(views.section_view, 200,
                                ("No such section", "No article on this site is filed under that section."))
author_page = _named_list_page(views.author_view, 300,
                               ("No such author", "No article on this site carries that byline."))


async def search_page(request: Request) -> Response:
    (params, error), page = _search_params(request), _page(request)
    reader, variant = _reader_and_key(request)
    qp = request.query_params
    last_day = params.last_day()

    def build(site: Site, session: Any, nav: views.Nav) -> Built:
        if error:  # the form again, as typed, with what is wrong
            body = site.render("search.html", view=None, params=params, nav=nav, error=error,
                               date_from_shown=(qp.get("from") or "")[:40],
                               date_to_shown=(qp.get("to") or "")[:40])
            return Built(body, status=400, cache_control="no-store", vary=READER_VARY)
        if params.source_id is not None and queries.get_source(session, params.source_id) is None:
            return no_such_source(site, nav)
        view = views.search_view(session, params, page=page, page_size=site.settings.page_size,
                                 reader=reader.knowing(nav.translated_langs)) if params.q else None
        body = site.render("search.html", view=view, params=params, nav=nav, error=None,
                           date_from_shown=params.date_from.date().isoformat() if params.date_from else "",
                           date_to_shown=last_day.isoformat() if last_day else "")
        return Built(body, status=view.status if view else 200,
                     last_modified=view.last_modified if view else None, vary=READER_VARY)

    return await _page_response(request, build, variant=variant)


# --- feeds ----------------------------------------------------------------------------------------


PLAIN = "text/plain; charset=utf-8"


def _feed_refusal(message: str) -> Built:
    """A feed address that cannot give a feed: 400 and a line of text (feed readers show it as is)."""
    return Built(message + "\n", status=400, media_type=PLAIN, cache_control="no-store")


def _feed_endpoint(kind: str) -> Any:
    async def feed(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        base = site_of(request).base_url(request)
        qp = request.query_params

        def build(site: Site, session: Any, nav: views.Nav) -> Built:
            if fmt not in FORMATS:
                return not_found(site, nav)
            page = _int(qp.get("page"), None, high=queries.MAX_PAGE) if "page" in qp else 1
            if page is None:  # strict, unlike a page's: a reader would file page 1 again as page N
                return _feed_refusal(f"feed: page must be a whole number from 1 to {queries.MAX_PAGE}")
            if kind == "feed-search":
                params, error = _search_params(request)
                if error:
                    return _feed_refusal("search feed: " + error)
                if not params.q:
                    return _feed_refusal("search feed: give the words to follow as ?q=, "
                                         "e.g. /search/feed.rss?q=ferry")
            view = _feed_view(request, kind, session, nav, page)
            if isinstance(view, Merged):
                query = f"?{request.url.query}" if request.url.query else ""
                return _moved(site, f"{views.story_path(view.target)}/feed.{fmt}{query}")
            if view is None:
                return not_found(site, nav)
            full = wants_full_text(qp.get("full"), site.settings.feeds_full_text)
            extras = feed_extras(session, view, full=full, hub=site.settings.websub_hub)
            return Built(render_feed(fmt, view, base, site.settings.site_name, extras),
                         media_type=FORMATS[fmt], last_modified=view.last_modified,
                         cache_control="public, max-age=300")

        response = await _page_response(request, build)
        query = f"?{request.url.query}" if request.url.query else ""
        link = hub_link_header(site_of(request).settings.websub_hub, base + request.url.path + query)
        if link and fmt in FORMATS and response.status_code in (200, 304):
            response.headers["Link"] = link  # WebSub discovery: subscribers read the headers first
        return response

    return feed


def _feed_view(request: Request, kind: str, session: Any, nav: views.Nav,
               page: int) -> views.ListView | Merged | None:
    """A feed's items; ``?lang=XX`` gives them in XX where a translation exists (originals otherwise).

    Feed readers send no cookies and rarely a useful Accept-Language, so a feed's language is only
    ever its ``?lang=``: the same URL always gives the same feed. On the front page's feed ``lang``
    also keeps its filter meaning, widened to articles translated into that language. ``page``
    pages the feed like its HTML page (the feed carries RFC 5005 links).
    """
    pp, qp = request.path_params, request.query_params
    wanted = _wanted(qp.get("lang"))
    reader = views.Reader(wanted, translated=nav.translated_langs) if wanted else None
    if kind == "feed-front":
        lang = wanted if wanted != views.ORIGINAL else None
        return views.front_view(session, lang=lang, source_id=_int(qp.get("source")), include_translated=True,
                                page=page, page_size=FEED_ITEMS, reader=reader)
    if kind == "feed-source":
        source_id = _int(pp["source_id"])
        if source_id is None:
            return None
        return views.source_view(session, source_id, page=page, page_size=FEED_ITEMS, reader=reader)
    if kind == "feed-section":
        name = unquote(pp["name"])[:200]
        return views.section_view(session, name, page=page, page_size=FEED_ITEMS, reader=reader)
    if kind == "feed-author":
        name = unquote(pp["name"])[:300]
        return views.author_view(session, name, page=page, page_size=FEED_ITEMS, reader=reader)
    if kind == "feed-search":
        params, _ = _search_params(request)
        return views.search_view(session, params, page=page, page_size=FEED_ITEMS, reader=reader)
    settings = site_of(request).settings
    if kind == "feed-stories":  # one page: the top stories are a ranking, not an archive
        if page > 1:
            return None
        return views.stories_view(session, ranking=Ranking.from_settings(settings), now=site_of(request).clock(),
                                  reader=reader, limit=FEED_ITEMS)
    if kind == "feed-story":
        story_id = _int(pp["story_id"])
        if story_id is None or page > 1:
            return None
        return views.story_feed_view(session, story_id, page_size=FEED_ITEMS, reader=reader)
    return None


# --- favicon --------------------------------------------------------------------------------------

FAVICON = (Path(__file__).with_name("static") / "favicon.svg").read_bytes()
FAVICON_ETAG = '"' + hashlib.blake2b(FAVICON, digest_size=8).hexdigest() + '"'
FAVICON_MAX_AGE = 7 * 86400  # why: the icon changes with a release at most; a week spares the requests


async def favicon(request: Request) -> Response:
    """``/favicon.ico``, which browsers and feed readers ask for whatever the page says: the site's
    SVG icon (the pages link it as ``/static/favicon.svg``), so the request is never a 404."""
    headers = {"Cache-Control": f"public, max-age={FAVICON_MAX_AGE}", "ETag": FAVICON_ETAG}
    if FAVICON_ETAG in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(FAVICON, media_type="image/svg+xml", headers=headers)


# --- language preference -----------------------------------------------------------------------

LANG_COOKIE_AGE = 365 * 86400  # why: a reading language is a lasting preference


def _local_path(value: str | None) -> str:
    """``value`` when it is a path on this site (never another host), else the front page."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 500:
        return "/"
    return value if not urlsplit(value).netloc else "/"


async def set_language(request: Request) -> Response:
    """The language switcher's plain links: remember the pick in a cookie and go back to the page."""
    choice = _wanted(request.query_params.get("set"))
    target = _local_path(request.query_params.get("next"))
    response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
    if choice is None:
        response.delete_cookie(views.LANG_COOKIE, path="/")
    else:
        site_of(request).set_cookie(request, response, views.LANG_COOKIE, choice, max_age=LANG_COOKIE_AGE)
    return response


# --- comments -------------------------------------------------------------------------------------

FLASH_COOKIE = "nd_comment"  # one-time notice for the reader who just posted (never in a shared page)
FLASH_AGE = 300  # why: the redirect follows at once; a stale notice must not greet a later visit
COMMENT_NOTICES = {
    "held": "Thank you. Your comment is awaiting moderation; it will appear here once a moderator "
            "has approved it.",
    "published": "Thank you. Your comment is published.",
}


_client_ip = auth.client_ip


def _csrf_ok(request: Request, form: Any) -> bool:
    return auth.csrf_ok(request, form)


def _flash_of(request: Request, article_id: int | None) -> str | None:
    """The notice this reader's own redirect left for this article ("held.12" → held), if any."""
    value = request.cookies.get(FLASH_COOKIE) if "cookie" in request.headers else None
    state, _, target = (value or "").partition(".")
    return state if state in COMMENT_NOTICES and article_id is not None and target == str(article_id) else None


def _posted(request: Request, article_id: int, state: str) -> Response:
    response = RedirectResponse(views.article_path(article_id) + "#comments", status_code=303,
                                headers={"Cache-Control": "no-store"})
    site_of(request).set_cookie(request, response, FLASH_COOKIE, f"{state}.{article_id}", max_age=FLASH_AGE)
    return response


async def post_comment(request: Request) -> Response:
    """Store a reader's comment. Runs in a thread (it may wait for the write lock); every refusal
    shows the article again with what was typed kept and the reason beside the form."""
    site = site_of(request)
    article_id = _int(request.path_params["article_id"])
    form = await request.form(max_files=0, max_fields=10, max_part_size=64 * 1024)
    if not _csrf_ok(request, form):
        return _plain_error(site, 403, "Form expired", "Reload the article and post your comment again.")
    if article_id is None:
        return _plain_error(site, 404, "Page not found", "There is no such article.")
    if form.get("website"):  # the honeypot: people never see it, form-filling bots do
        return _posted(request, article_id, "held")
    moderation = site.settings.comments_moderation
    # why twice the limits: enough to tell "too long" and to show the reader their text again,
    # without echoing a 64 kB field back into the page
    body = str(form.get("body") or "")[:comment_store.MAX_BODY_CHARS * 2]
    name = str(form.get("name") or "")[:comment_store.MAX_NAME_CHARS * 2]
    ip_hash = comment_store.ip_key(_client_ip(request), site.tokens.secret)

    def store() -> None:
        with site.writing() as session:
            comment_store.post_comment(session, article_id=article_id, body=body, author_name=name,
                                       ip_hash=ip_hash, moderation=moderation,
                                       rate_limit=site.settings.comments_rate_limit, now=site.clock())

    try:
        await run_in_threadpool(store)
    except StoreBusy as exc:
        message = "The site is busy saving other changes. Your comment was not posted yet; try again in a moment."
        return await _comment_refused(request, article_id, 503, message, body, name, exc.retry_after)
    except Retry as exc:
        return await _comment_refused(request, article_id, 429, exc.detail.capitalize() + ".", body, name,
                                      exc.retry_after or 600)
    except Reject as exc:
        if exc.reason == "no_article":
            return _plain_error(site, 404, "Comment not posted", exc.detail.capitalize() + ".")
        return await _comment_refused(request, article_id, 400, exc.detail.capitalize() + ".", body, name)
    return _posted(request, article_id, "published" if moderation == "publish" else "held")


async def _comment_refused(request: Request, article_id: int, status: int, message: str, body: str, name: str,
                           retry_after: float | None = None) -> Response:
    """The article page again, its form holding what the reader typed and the reason beside it."""
    site = site_of(request)
    reader, _ = _reader_and_key(request, _wanted(request.query_params.get("lang")))

    def build() -> Built:
        with site.session() as session:
            nav = site.nav(session, site.counter())
            view = views.article_view(session, article_id, reader=reader.knowing(nav.translated_langs),
                                      translate_engine=site.settings.translate_engine)
            if view is None:
                return not_found(site, nav)
            page = site.render("article.html", view=view, nav=nav, comment_error=message, comment_body=body,
                               comment_name=name,
                               limits=(comment_store.MAX_NAME_CHARS, comment_store.MAX_BODY_CHARS))
            return Built(page, status=status, cache_control="no-store", personal=True, vary=READER_VARY)

    response = site.respond_uncached(request, await run_in_threadpool(build))
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, int(retry_after)))
    return response


def _plain_error(site: Site, status: int, title: str, message: str) -> Response:
    built = error_page(site, status, title, message)
    return Response(built.body, status_code=status, media_type=HTML, headers={"Cache-Control": "no-store"})


def _busy(site: Site, exc: StoreBusy) -> Response:
    response = _plain_error(site, 503, "Busy", "The site is busy saving other changes. Try again in a moment.")
    response.headers["Retry-After"] = str(max(1, int(exc.retry_after or 1)))
    return response


# --- admin ----------------------------------------------------------------------------------------


async def _admin_user(request: Request) -> int | None:
    """The signed-in admin's id (``web/auth.py`` resolves the session), else None."""
    user = await auth.current_user(request)
    return user.id if user is not None and user.is_admin else None


async def _admin_refused(request: Request) -> Response | None:
    """None for an admin; else the sign-in redirect, or 403 for a signed-in reader."""
    user = await auth.require_admin(request)
    return user if isinstance(user, Response) else None


def _admin_page(request: Request, template: str, **context: Any) -> Response:
    return auth.personal_page(request, template, **context)


async def admin_form(request: Request, **limits: int) -> Any:
    """An admin's POSTed form, or the response that refuses it: to the login page without a live
    session, 403 for a reader or without a valid CSRF token (every admin write handler starts here)."""
    result = await auth.admin_form(request, **limits)
    return result if isinstance(result, Response) else result[1]


async def admin_home(request: Request) -> Response:
    refused = await _admin_refused(request)
    return refused or RedirectResponse("/admin/comments", status_code=303)


async def admin_comments(request: Request) -> Response:
    if (refused := await _admin_refused(request)) is not None:
        return refused
    status = request.query_params.get("status", "pending")
    if status not in comment_store.STATUSES:
        status = "pending"
    site = site_of(request)

    def load() -> tuple[list[queries.CommentView], int]:
        with site.session() as session:
            return queries.comments_by_status(session, status), comment_store.pending_count(session)

    rows, pending = await run_in_threadpool(load)
    return _admin_page(request, "admin/comments.html", comments=rows, status=status, pending=pending,
                       statuses=comment_store.STATUSES)


async def admin_moderate(request: Request) -> Response:
    form = await admin_form(request, max_fields=5)
    if isinstance(form, Response):
        return form
    site = site_of(request)
    action = request.path_params["action"]
    comment_id = _int(request.path_params["comment_id"])
    if action not in ("approve", "reject", "delete") or comment_id is None:
        return _plain_error(site, 404, "Page not found", "No such action.")

    def apply() -> None:
        with site.writing() as session:
            comment_store.moderate(session, comment_id, action)

    try:
        await run_in_threadpool(apply)
    except StoreBusy as exc:
        return _busy(site, exc)
    back = str(form.get("back") or "pending")
    return RedirectResponse(f"/admin/comments?status={back if back in comment_store.STATUSES else 'pending'}",
                            status_code=303)


async def admin_sources(request: Request) -> Response:
    if (refused := await _admin_refused(request)) is not None:
        return refused
    return await _sources_page(request, message=request.query_params.get("msg"))


async def _sources_page(request: Request, *, message: str | None = None, error: str | None = None,
                        entered: dict[str, str] | None = None, status: int = 200) -> Response:
    site = site_of(request)

    def load() -> list[queries.SourceSummary]:
        with site.session() as session:
            return queries.list_sources(session, with_feeds=True)

    rows = await run_in_threadpool(load)
    response = _admin_page(request, "admin/sources.html", sources=rows, message=message, error=error,
                           entered=entered or {})
    response.status_code = status
    return response


async def admin_health(request: Request) -> Response:
    """Every feed's health (``newsdesk sources health`` as a page); ``/admin/health.json`` renders
    the same view data (STYLE.md habit 6)."""
    if (refused := await _admin_refused(request)) is not None:
        return refused
    site = site_of(request)
    fmt = request.path_params.get("fmt")
    if fmt not in (None, "json"):
        return _plain_error(site, 404, "Page not found", "The health page is at /admin/health and /admin/health.json.")
    now = site.clock()

    def load() -> health.HealthView:
        with site.session() as session:
            return health.feed_health(session, now)

    view = await run_in_threadpool(load)
    if fmt == "json":
        return Response(json.dumps(view.as_dict(), ensure_ascii=False, indent=1), media_type="application/json",
                        headers={"Cache-Control": "no-store"})
    response = _admin_page(request, "admin/health.html", view=view, recent_checks=health.RECENT_CHECKS,
                           short_days=health.SHORT_DAYS, long_days=health.LONG_DAYS)
    response.headers["Link"] = '</admin/health.json>; rel="alternate"; type="application/json"'
    return response


def _http_url(value: str) -> str | None:
    value = value.strip()
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc and len(value) <= MAX_URL_CHARS else None


async def admin_add_source(request: Request) -> Response:
    """Follow what the admin gave, as ``newsdesk sources add`` does: a feed, a sitemap, a home page
    (its feeds are discovered) or one article. The fetch runs here, under the same address guard
    as every user-given URL; a failure is shown on the form with what was typed kept."""
    form = await admin_form(request, max_fields=10, max_part_size=8 * 1024)
    if isinstance(form, Response):
        return form
    site = site_of(request)
    entered = {key: str(form.get(key) or "")[:MAX_URL_CHARS] for key in ("url", "name", "lang")}
    url = _http_url(entered["url"])
    if url is None:
        return await _sources_page(request, error="Give an http(s) URL: a feed, a sitemap, a home page or an "
                                   "article.", entered=entered, status=422)
    name = " ".join(entered["name"].split())[:300] or None
    try:
        result = await run_in_threadpool(follow, site.settings, url, name=name, lang=_lang(entered["lang"]))
    except UsageError as exc:
        return await _sources_page(request, error=plain_message(exc), entered=entered, status=422)
    return RedirectResponse(f"/admin/sources?msg={'article' if result.article_queued else 'added'}",
                            status_code=303)


async def admin_source_action(request: Request) -> Response:
    form = await admin_form(request, max_fields=5)
    if isinstance(form, Response):
        return form
    site = site_of(request)
    source_id = _int(request.path_params["source_id"])
    action = request.path_params["action"]
    if source_id is None or action not in ("pause", "resume", "remove"):
        return _plain_error(site, 404, "Page not found", "No such action.")
    def apply() -> None:
        with site.writing() as session:
            if action == "remove":
                repo.remove_source(session, source_id)
            else:
                for feed_id in session.query(Feed.id).filter(Feed.source_id == source_id).all():
                    repo.set_feed_paused(session, feed_id[0], action == "pause")

    try:
        await run_in_threadpool(apply)
    except StoreBusy as exc:
        return _busy(site, exc)
    except UsageError:
        return _plain_error(site, 404, "Page not found", "No such source.")
    return RedirectResponse(f"/admin/sources?msg={action}d", status_code=303)


async def admin_refresh_feed(request: Request) -> Response:
    """"Refresh now": check one feed at once, due or not, with its validators (an unchanged feed
    answers 304). The articles it queued are stored by the background crawl, not in this request."""
    form = await admin_form(request, max_fields=5)
    if isinstance(form, Response):
        return form
    site = site_of(request)
    feed_id = _int(request.path_params["feed_id"])

    def checkable() -> bool:
        with site.session() as session:
            feed = session.get(Feed, feed_id) if feed_id is not None else None
            return feed is not None and feed.status in (FeedStatus.ACTIVE.value, FeedStatus.FAILING.value)

    if not await run_in_threadpool(checkable):
        return _plain_error(site, 404, "Page not found", "No such feed, or it is paused or gone.")
    assert feed_id is not None
    report = await run_in_threadpool(refresh_feed, site.settings, feed_id, clock=site.clock)
    outcome = ("refresh_failed" if report.feeds_failed else "unchanged" if report.feeds_not_modified
               else "refreshed")
    return RedirectResponse(f"/admin/sources?msg={outcome}", status_code=303)


ROUTES = [
    Route("/", front, methods=["GET", "HEAD"], name="front"),
    Route("/article/{article_id}", article, methods=["GET", "HEAD"], name="article"),
    Route("/article/{article_id}/comments", post_comment, methods=["POST"], name="post-comment"),
    Route("/stories", stories_page, methods=["GET", "HEAD"], name="stories"),
    Route("/stories/feed.{fmt}", _feed_endpoint("feed-stories"), methods=["GET", "HEAD"], name="feed-stories"),
    Route("/story/{story_id}", story_page, methods=["GET", "HEAD"], name="story"),
    Route("/story/{story_id}/feed.{fmt}", _feed_endpoint("feed-story"), methods=["GET", "HEAD"], name="feed-story"),
    Route("/source/{source_id}", source_page, methods=["GET", "HEAD"], name="source"),
    Route("/section/{name}", section_page, methods=["GET", "HEAD"], name="section"),
    Route("/author/{name}", author_page, methods=["GET", "HEAD"], name="author"),
    Route("/search", search_page, methods=["GET", "HEAD"], name="search"),
    Route("/language", set_language, methods=["GET"], name="set-language"),
    Route("/favicon.ico", favicon, methods=["GET", "HEAD"], name="favicon"),
    Route("/feed.{fmt}", _feed_endpoint("feed-front"), methods=["GET", "HEAD"], name="feed-front"),
    Route("/source/{source_id}/feed.{fmt}", _feed_endpoint("feed-source"), methods=["GET", "HEAD"], name="feed-source"),
    Route("/section/{name}/feed.{fmt}", _feed_endpoint("feed-section"), methods=["GET", "HEAD"], name="feed-section"),
    Route("/author/{name}/feed.{fmt}", _feed_endpoint("feed-author"), methods=["GET", "HEAD"], name="feed-author"),
    Route("/search/feed.{fmt}", _feed_endpoint("feed-search"), methods=["GET", "HEAD"], name="feed-search"),
    Route("/admin", admin_home, methods=["GET"], name="admin"),
    Route("/admin/login", accounts.login_form, methods=["GET"], name="admin-login-form"),
    Route("/admin/login", accounts.login, methods=["POST"], name="admin-login"),
    Route("/admin/logout", accounts.logout, methods=["POST"], name="admin-logout"),
    Route("/admin/comments", admin_comments, methods=["GET"], name="admin-comments"),
    Route("/admin/comments/{comment_id}/{action}", admin_moderate, methods=["POST"], name="admin-moderate"),
    Route("/admin/sources", admin_sources, methods=["GET"], name="admin-sources"),
    Route("/admin/sources", admin_add_source, methods=["POST"], name="admin-add-source"),
    Route("/admin/sources/{source_id}/{action}", admin_source_action, methods=["POST"],
          name="admin-source-action"),
    Route("/admin/health", admin_health, methods=["GET"], name="admin-health"),
    Route("/admin/health.{fmt:str}", admin_health, methods=["GET"], name="admin-health-data"),
    Route("/admin/feeds/{feed_id}/refresh", admin_refresh_feed, methods=["POST"], name="admin-refresh-feed"),
]

__all__ = ["ROUTES", "error_page", "not_found"]
