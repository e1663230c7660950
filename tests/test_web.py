"""The reader site over real HTTP semantics (Starlette TestClient against the ASGI app, real SQLite).

Pages, the article page's parts, translations, HTTP caching, security headers, escaping, comments
(CSRF, honeypot, rate limit, moderation), the admin area, and error pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select, text
from starlette.testclient import TestClient

from newsdesk.clock import fixed_clock
from newsdesk.settings import load_settings
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.queries import snippet
from newsdesk.store.schema import Article, Comment, Feed, Source, Translation
from newsdesk.store.search import index_article
from newsdesk.store.users import create_user
from newsdesk.web.app import create_app
from newsdesk.web.cache import STALE_GRACE
from newsdesk.web.site import relative_time
from tests.conftest import BACKENDS, database_copy, seeded_database
from tests.support.origin import Origin
from tests.support.pages import rss
from tests.support.webdata import BASE_TIME, RELATIVE_CASES, SITE_NOW, seed_articles

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def make_client(url: str, *, stale_grace: float = STALE_GRACE, **overrides: object) -> TestClient:
    settings = load_settings(database_url=url, secret_key="test-secret", **overrides)
    app = create_app(settings, stale_grace=stale_grace, clock=fixed_clock(SITE_NOW))
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module", params=BACKENDS)
def seeded_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate and seed once per backend; each test gets its own copy."""
    with seeded_database(request.param, tmp_path_factory.mktemp("web-seed"), lambda url: seed_articles(url, 40)) as url:
        yield url


@pytest.fixture
def site_url(seeded_db: str, tmp_path: Path) -> Iterator[str]:
    with database_copy(seeded_db, tmp_path) as url:
        yield url


@pytest.fixture
def client(site_url: str) -> Iterator[TestClient]:
    with make_client(site_url) as c:
        yield c


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "form has no CSRF field"
    return unescape(match.group(1))


def add_article(url: str, **fields: object) -> int:
    with session_scope(engine_for(url)) as session:
        values: dict[str, object] = {
            "source_id": 1, "url": "https://outlet1.example/x", "canonical_url": "https://outlet1.example/x",
            "title": "Fresh headline", "text": "Fresh body text.", "html": "<p>Fresh body text.</p>",
            "lang": "en", "content_hash": "f" * 64, "published_at": BASE_TIME + timedelta(hours=1),
            "section": "City", "authors": [],
        }
        values.update(fields)
        article = Article(**values)
        session.add(article)
        session.flush()
        index_article(session, article)
        return article.id


# --- pages ----------------------------------------------------------------------------------------


def test_front_page_groups_by_section_and_links_feeds(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    html = r.text
    for section in ("Business", "Culture", "Sport"):
        assert f'<a href="/section/{section}">{section}</a>' in html
    assert 'class="lead-story"' in html
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert 'type="application/atom+xml"' in html and 'type="application/feed+json"' in html
    assert 'rel="next" href="/?page=2"' in html
    page2 = client.get("/?page=2").text
    assert 'rel="prev"' in page2
    first_ids = set(re.findall(r'href="/article/(\d+)"', html))
    second_ids = set(re.findall(r'href="/article/(\d+)"', page2))
    assert first_ids and second_ids and not first_ids & second_ids


def test_front_page_filters_by_language_and_source(client: TestClient, site_url: str) -> None:
    with session_scope(engine_for(site_url)) as session:
        ru_ids = {str(i) for i in session.execute(select(Article.id).where(Article.lang == "ru")).scalars()}
        src2 = {str(i) for i in session.execute(select(Article.id).where(Article.source_id == 2)).scalars()}
    ru_page = client.get("/?lang=ru").text
    shown = set(re.findall(r'<h[23] class="headline" lang="ru"><a href="/article/(\d+)"', ru_page))
    assert shown and shown <= ru_ids
    assert 'lang="en"><a href="/article/' not in ru_page
    src_page = client.get("/?source=2").text
    shown = set(re.findall(r'class="headline"[^>]*><a href="/article/(\d+)"', src_page))
    assert shown and shown <= src2
    assert "from Outlet 2" in src_page
    assert client.get("/?lang=<script>&source=abc&page=-4").status_code == 200  # junk parameters ignored


def test_article_page_has_every_part(client: TestClient, site_url: str) -> None:
    with session_scope(engine_for(site_url)) as session:
        article = next(a for a in session.scalars(select(Article).order_by(Article.id)) if a.cited_sources)
        article_id, author, canonical = article.id, article.authors[0], article.canonical_url
        cited = article.cited_sources[0]
    r = client.get(f"/article/{article_id}")
    assert r.status_code == 200
    html = r.text
    assert re.search(r'<time datetime="2026-11-2\dT\d\d:\d\d:00\+00:00" data-local>', html)
    assert re.search(r'class="ago" data-ago="[^"]+">\d+ hours? ago<', html)
    assert f'rel="author" href="/author/{author.replace(" ", "%20")}"' in html
    assert f'href="{canonical}"' in html
    assert cited in html
    rail = html.split('class="rail-block more-from"')[1].split("</section>")[0]
    rail_ids = re.findall(r'class="headline"[^>]*><a href="/article/(\d+)"', rail)
    assert 4 <= len(rail_ids) <= 6 and str(article_id) not in rail_ids
    for snip in re.findall(r'<p class="snippet"[^>]*>([^<]*)</p>', rail):
        text_ = unescape(snip)
        assert len(text_) <= 160
    assert "More by " in html
    assert "What do you think?" in html
    assert 'class="translation-notice-slot"' in html and "Machine-translated" not in html


@pytest.mark.parametrize(("seconds", "label"), RELATIVE_CASES)
def test_relative_time_rounds_down_at_every_boundary(seconds: float, label: str) -> None:
    assert relative_time(SITE_NOW - timedelta(seconds=seconds), SITE_NOW) == label


def test_relative_times_follow_the_site_clock(site_url: str) -> None:
    """Pages read "now" from the clock the app was given, never from the system."""
    later = load_settings(database_url=site_url, secret_key="test-secret")
    with TestClient(create_app(later, clock=fixed_clock(BASE_TIME + timedelta(days=3, hours=20)))) as c:
        page = c.get("/").text
    assert ">3 days ago<" in page and " hours ago<" not in page


def test_snippet_cuts_at_a_word_boundary() -> None:
    long = "word " * 60
    cut = snippet(long)
    assert len(cut) <= 160 and cut.endswith("…") and not cut.endswith(" …")
    assert cut[:-1].split()[-1] == "word"
    assert snippet("short text") == "short text"
    assert snippet("x" * 400).endswith("…") and len(snippet("x" * 400)) <= 160


def test_source_author_section_pages(client: TestClient) -> None:
    assert "The Harbour Courier" in client.get("/source/1").text
    assert client.get("/source/999").status_code == 404
    page = client.get("/author/Anna%20Berg").text
    assert "Articles by Anna Berg" in page and 'class="teaser row"' in page
    assert client.get("/author/Nobody%20Here").status_code == 404
    section = client.get("/section/Sport").text
    assert section.count('class="teaser row"') >= 5
    assert '<link rel="alternate" type="application/rss+xml" title="Sport (RSS)" href="/section/Sport/feed.rss">' in section


def test_translation_notice_and_language_choice(client: TestClient, site_url: str) -> None:
    with session_scope(engine_for(site_url)) as session:
        article = session.execute(select(Article).where(Article.lang == "ru").limit(1)).scalar_one()
        article.translations.append(Translation(lang="en", title="Translated headline", text="Translated body",
                                                html="<p>Translated body</p>", engine="tiny-mt"))
        session.flush()
        index_article(session, article)
        article_id = article.id
    original = client.get(f"/article/{article_id}", headers={"Accept-Language": "ru"}).text  # default: en
    assert "Machine-translated" not in original and "Translated headline" not in original
    chosen = client.get(f"/article/{article_id}?lang=en").text
    assert "Translated headline" in chosen and "<p>Translated body</p>" in chosen
    assert "Machine-translated from Russian by tiny-mt." in chosen
    assert f'href="/article/{article_id}?lang=original"' in chosen
    by_header = client.get(f"/article/{article_id}", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "Machine-translated from Russian" in by_header
    prefers_ru = client.get(f"/article/{article_id}", headers={"Accept-Language": "ru,en;q=0.5"}).text
    assert "Machine-translated" not in prefers_ru
    back = client.get(f"/article/{article_id}?lang=original", headers={"Accept-Language": "en"}).text
    assert "Machine-translated" not in back


def test_search_page_highlights_and_filters(client: TestClient) -> None:
    html = client.get("/search?q=ferries").text
    assert "<mark>" in html and 'class="teaser row"' in html
    ru = client.get("/search?q=фестивалях&lang=ru").text  # stems to the same word as "фестиваль"
    assert "<mark>фестиваль</mark>" in ru.lower()
    assert 'lang="en"' not in ru.split('class="list results"')[1]
    nothing = client.get("/search?q=ferry&from=2030-01-01").text
    assert "Nothing found" in nothing
    assert client.get("/search").status_code == 200


# --- HTTP -----------------------------------------------------------------------------------------


def test_security_headers_everywhere(client: TestClient) -> None:
    for path in ("/", "/article/1", "/nope", "/api/v1/sources", "/static/site.css"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "<script>" not in client.get("/").text  # no inline script anywhere
    assert '<script src="/static/site.js" defer></script>' in client.get("/").text


def test_etag_last_modified_304_and_gzip(client: TestClient) -> None:
    r = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["cache-control"].startswith("public")
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/", headers={"If-None-Match": '"other"'}).status_code == 200
    raw = client.get("/feed.rss", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    api = client.get("/api/v1/articles", headers={"Accept-Encoding": "gzip"})
    assert api.headers["etag"] and api.headers["content-encoding"] == "gzip"
    assert client.get("/api/v1/articles", headers={"If-None-Match": api.headers["etag"]}).status_code == 304


def test_article_page_is_personal_but_revalidates(client: TestClient) -> None:
    first = client.get("/article/2")
    assert first.headers["cache-control"] == "private, no-cache"
    assert "nd_csrf" in first.cookies
    token = csrf_of(first.text)
    second = client.get("/article/2")  # same cookie: same token, same ETag
    assert csrf_of(second.text) == token and second.headers["etag"] == first.headers["etag"]
    assert client.get("/article/2", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    with TestClient(client.app) as other:
        other_token = csrf_of(other.get("/article/2").text)
    assert other_token != token


def test_new_article_invalidates_the_cache(site_url: str) -> None:
    # A write made elsewhere (the crawl) shows once the grace period is over; here it is zero.
    with make_client(site_url, stale_grace=0) as client:
        before = client.get("/")
        add_article(site_url, title="Lighthouse reopens after repairs")
        after = client.get("/", headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200 and "Lighthouse reopens after repairs" in after.text


def test_own_writes_show_at_once_despite_the_grace(site_url: str) -> None:
    with make_client(site_url, comments_moderation="publish", stale_grace=3600) as client:
        assert "First!" not in client.get("/article/5").text  # cached now
        post_comment(client, 5, "First!")
        assert "First!" in client.get("/article/5").text
        client.get("/")  # cached now
        add_article(site_url, title="Written by the crawl")  # another process's write
        assert "Written by the crawl" not in client.get("/").text  # within the grace: the cached page


def test_hostile_values_are_escaped(client: TestClient, site_url: str) -> None:
    article_id = add_article(
        site_url,
        title='<script>alert("t")</script>Headline',
        authors=['"><img src=x onerror=alert(1)>'],
        html='<p onclick="evil()">Body<script>alert(2)</script><a href="javascript:alert(3)">x</a>'
        '<iframe src="https://evil.example"></iframe><img src="/i.png"></p>',
        section="<b>Sec</b>",
        cited_sources=["<i>Wire</i>"],
    )
    html = client.get(f"/article/{article_id}").text
    assert "<script>alert" not in html and "<img src=x" not in html and "onclick" not in html
    assert "javascript:" not in html and "<iframe" not in html and "<b>Sec</b>" not in html
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;Headline" in html
    assert '<img src="https://outlet1.example/i.png"' in html  # relative URL resolved against the article
    front = client.get("/").text
    assert "<script>alert" not in front
    rss = client.get("/feed.rss").text
    assert "<script>" not in rss


def check_json_feed(r: object) -> None:
    """JSON Feed 1.1's required members and types (feedparser 6.0 reads no JSON Feed)."""
    from datetime import datetime

    assert r.status_code == 200 and r.headers["content-type"].startswith("application/feed+json")  # type: ignore[attr-defined]
    feed = r.json()  # type: ignore[attr-defined]
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["feed_url"].startswith("http://testserver/")
    assert feed["items"]
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["url"].startswith("http://testserver/article/")
        assert isinstance(item.get("content_text"), str) or isinstance(item.get("content_html"), str)
        datetime.fromisoformat(item["date_published"])
        assert all(isinstance(a["name"], str) for a in item.get("authors", []))


def test_feeds_are_valid(client: TestClient) -> None:
    import feedparser

    for path in ("/feed", "/source/1/feed", "/section/Sport/feed", "/author/Anna%20Berg/feed",
                 "/search/feed", "/feed"):
        query = "?q=ferry" if path == "/search/feed" else ""
        check_json_feed(client.get(f"{path}.json{query}"))
        for ext in ("rss", "atom"):
            query = "?q=ferry" if path == "/search/feed" else ""
            r = client.get(f"{path}.{ext}{query}")
            assert r.status_code == 200, (path, ext)
            parsed = feedparser.parse(r.content, response_headers={"content-type": r.headers["content-type"]})
            assert parsed.bozo == 0, (path, ext, parsed.get("bozo_exception"))
            assert parsed.entries and parsed.entries[0].link.startswith("http://testserver/article/")
            assert parsed.entries[0].title
    assert client.get("/feed.xml").status_code == 404
    assert client.get("/search/feed.rss").status_code == 400  # a search feed needs a query


# --- comments -------------------------------------------------------------------------------------


def post_comment(client: TestClient, article_id: int, body: str, **extra: str) -> object:
    token = csrf_of(client.get(f"/article/{article_id}").text)
    data = {"csrf": token, "name": "Reader", "body": body, "website": ""}
    data.update(extra)
    return client.post(f"/article/{article_id}/comments", data=data, follow_redirects=False)


def comments_in_db(url: str) -> list[Comment]:
    with session_scope(engine_for(url)) as session:
        return list(session.execute(select(Comment).order_by(Comment.id)).scalars())


def test_comment_is_held_then_approved_and_shown_escaped(client: TestClient, site_url: str) -> None:
    body = "Nice <script>alert('x')</script> see https://example.org/a?b=1&c=2."
    r = post_comment(client, 3, body)
    assert r.status_code == 303 and r.headers["location"] == "/article/3#comments"  # type: ignore[attr-defined]
    stored = comments_in_db(site_url)
    assert len(stored) == 1 and stored[0].status == "pending" and stored[0].body == body
    held = client.get("/article/3").text
    assert "alert(&#39;x&#39;)" not in held and "awaiting moderation" in held  # the poster's one-time notice
    # approve through the admin area
    with session_scope(engine_for(site_url)) as session:
        create_user(session, "editor", "correct horse battery")
    login_page = client.get("/admin/login")
    r2 = client.post("/admin/login", data={"csrf": csrf_of(login_page.text), "username": "editor",
                                           "password": "correct horse battery"}, follow_redirects=False)
    assert r2.status_code == 303 and "nd_admin" in r2.cookies
    queue = client.get("/admin/comments").text
    assert "&lt;script&gt;" in queue and "<script>alert" not in queue
    r3 = client.post(f"/admin/comments/{stored[0].id}/approve", data={"csrf": csrf_of(queue)},
                     follow_redirects=False)
    assert r3.status_code == 303
    page = client.get("/article/3").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "<script>alert" not in page
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener"' in page


def test_comment_publish_mode(site_url: str) -> None:
    with make_client(site_url, comments_moderation="publish") as c:
        r = post_comment(c, 4, "Published straight away")
        assert r.headers["location"] == "/article/4#comments"  # type: ignore[attr-defined]
        assert "Published straight away" in c.get("/article/4").text


def test_comment_defences(client: TestClient, site_url: str) -> None:
    # no token, wrong token, cross-site origin
    assert client.post("/article/3/comments", data={"body": "hi there"}).status_code == 403
    client.get("/article/3")
    assert client.post("/article/3/comments", data={"csrf": "forged.token", "body": "hi"}).status_code == 403
    token = csrf_of(client.get("/article/3").text)
    cross = client.post("/article/3/comments", data={"csrf": token, "body": "hello"},
                        headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    # honeypot: looks accepted, nothing stored
    r = post_comment(client, 3, "I am a bot", website="http://spam.example")
    assert r.status_code == 303 and comments_in_db(site_url) == []  # type: ignore[attr-defined]
    # length limits
    assert post_comment(client, 3, "x" * 4001).status_code == 400  # type: ignore[attr-defined]
    assert post_comment(client, 3, " ").status_code == 400  # type: ignore[attr-defined]
    assert post_comment(client, 3, "ok", name="n" * 81).status_code == 400  # type: ignore[attr-defined]
    missing = client.post("/article/99999/comments", data={"csrf": token, "body": "no such article"})
    assert missing.status_code == 404
    # rate limit: 5 per 10 minutes per address (settings default)
    for n in range(5):
        assert post_comment(client, 3, f"comment number {n}").status_code == 303  # type: ignore[attr-defined]
    limited = post_comment(client, 3, "one too many")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "600"  # type: ignore[attr-defined]
    assert len(comments_in_db(site_url)) == 5


# --- admin ----------------------------------------------------------------------------------------


def login(client: TestClient, url: str) -> None:
    with session_scope(engine_for(url)) as session:
        create_user(session, "admin", "s3cret-passphrase")
    token = csrf_of(client.get("/admin/login").text)
    r = client.post("/admin/login", data={"csrf": token, "username": "admin", "password": "s3cret-passphrase"},
                    follow_redirects=False)
    assert r.status_code == 303


def test_admin_requires_login(client: TestClient, site_url: str) -> None:
    for path in ("/admin", "/admin/comments", "/admin/sources"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin/login"
    assert client.post("/admin/sources/1/remove", follow_redirects=False).headers["location"] == "/admin/login"
    with session_scope(engine_for(site_url)) as session:
        create_user(session, "admin", "s3cret-passphrase")
    token = csrf_of(client.get("/admin/login").text)
    bad = client.post("/admin/login", data={"csrf": token, "username": "admin", "password": "wrong-password"})
    assert bad.status_code == 401 and "Wrong username or password" in bad.text
    forged = client.cookies.get("nd_csrf")
    client.cookies.set("nd_admin", "forged.cookie.value")
    assert client.get("/admin/sources", follow_redirects=False).status_code == 303
    assert forged


def test_admin_sources_status_add_pause_remove(site_url: str, origin: Origin) -> None:
    """The admin's sources page: feed health, and adding a source the way `sources add` does (here
    a home page whose feed is discovered), with errors shown on the form."""
    origin.route("/", '<!doctype html><html><head><title>New Outlet home</title>'
                      '<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body>Hi</body></html>')
    origin.route("/rss.xml", rss([{"title": "One", "link": origin.url("/one")}], title="New Outlet feed"),
                 content_type="application/rss+xml")
    with session_scope(engine_for(site_url)) as session:
        feed = session.execute(select(Feed).where(Feed.source_id == 2)).scalar_one()
        feed.status, feed.last_error, feed.consecutive_failures = "failing", "fetch: HTTP 503", 3
        feed.next_check_at = BASE_TIME + timedelta(hours=2)
    client = make_client(site_url, fetch_allow_private_networks=True)
    login(client, site_url)
    page = client.get("/admin/sources").text
    assert "fetch: HTTP 503" in page and "3 failures in a row" in page and "status-failing" in page
    assert 'datetime="2026-11-28T11:00:00+00:00"' in page
    token = csrf_of(page)
    r = client.post("/admin/sources", data={"csrf": token, "url": origin.url("/"), "name": "New Outlet", "lang": "de"},
                    follow_redirects=False)
    assert r.headers["location"] == "/admin/sources?msg=added"
    with session_scope(engine_for(site_url)) as session:
        source = session.execute(select(Source).where(Source.name == "New Outlet")).scalar_one()
        new_id = source.id
        assert source.lang == "de" and [(f.url, f.kind, f.status) for f in source.feeds] == [
            (origin.url("/rss.xml"), "rss", "active")]
    again = client.post("/admin/sources", data={"csrf": token, "url": origin.url("/rss.xml")})
    assert again.status_code == 422 and "is already followed" in again.text
    assert f'value="{origin.url("/rss.xml")}"' in again.text  # what was typed is kept
    bad = client.post("/admin/sources", data={"csrf": token, "url": "javascript:alert(1)"})
    assert bad.status_code == 422 and "Give an http(s) URL" in bad.text
    client.post(f"/admin/sources/{new_id}/pause", data={"csrf": token})
    with session_scope(engine_for(site_url)) as session:
        assert session.execute(select(Feed.status).where(Feed.source_id == new_id)).scalar_one() == "paused"
    assert ">Resume<" in client.get("/admin/sources").text
    client.post(f"/admin/sources/{new_id}/resume", data={"csrf": token})
    client.post(f"/admin/sources/{new_id}/remove", data={"csrf": token})
    with session_scope(engine_for(site_url)) as session:
        assert session.get(Source, new_id) is None
    # a POST without the token does nothing
    assert client.post("/admin/sources/1/remove", data={}).status_code == 403
    client.close()


def test_admin_add_source_refuses_private_addresses_by_default(site_url: str, origin: Origin) -> None:
    origin.route("/rss.xml", rss([]), content_type="application/rss+xml")
    client = make_client(site_url, fetch_allow_private_networks=False)  # the default (the suite allows them)
    login(client, site_url)
    token = csrf_of(client.get("/admin/sources").text)
    refused = client.post("/admin/sources", data={"csrf": token, "url": origin.url("/rss.xml")})
    assert refused.status_code == 422 and "Could not add" in refused.text
    assert "127.0.0.1" in refused.text and origin.hits("/rss.xml") == 0  # refused before connecting
    client.close()


def test_logout(client: TestClient, site_url: str) -> None:
    login(client, site_url)
    page = client.get("/admin/comments").text
    client.post("/admin/logout", data={"csrf": csrf_of(page)})
    assert client.get("/admin/comments", follow_redirects=False).status_code == 303


# --- errors ---------------------------------------------------------------------------------------


def test_error_pages_look_like_the_site(site_url: str) -> None:
    with make_client(site_url) as c:
        missing = c.get("/no/such/page")
        assert missing.status_code == 404 and 'class="masthead"' in missing.text and "Page not found" in missing.text
        assert c.get("/article/abc").status_code == 404
        assert c.get("/api/v1/nothing").json() == {"error": {"status": 404, "message": "Not Found"}}
        with engine_for(site_url).begin() as conn:
            conn.execute(text("DROP TABLE article_authors"))
        broken = c.get("/author/Anna%20Berg")
        assert broken.status_code == 500 and 'class="masthead"' in broken.text
        assert "Something went wrong" in broken.text and "Traceback" not in broken.text
        assert "content-security-policy" in broken.headers


def test_gzip_body_is_the_page(client: TestClient) -> None:
    """A client that accepts gzip gets the page gzipped (the test client decodes it back)."""
    raw = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert raw.status_code == 200 and raw.headers["content-encoding"] == "gzip"
    assert "<title>Newsdesk</title>" in raw.text
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == raw.text


def test_cli_creates_an_admin_who_can_log_in(site_url: str) -> None:
    from click.testing import CliRunner

    from newsdesk.cli import main

    runner = CliRunner()
    made = runner.invoke(main, ["--db", site_url, "admin", "create-user", "chief", "--password-stdin"],
                         input="a long enough passphrase\n")
    assert made.exit_code == 0, made.output
    again = runner.invoke(main, ["--db", site_url, "admin", "create-user", "chief", "--password-stdin"],
                          input="another passphrase\n")
    assert again.exit_code == 2 and "exists" in again.output
    short = runner.invoke(main, ["--db", site_url, "admin", "create-user", "intern", "--password-stdin"],
                          input="short\n")
    assert short.exit_code == 2
    with session_scope(engine_for(site_url)) as session:
        stored = session.execute(text("SELECT password_hash FROM users WHERE username = 'chief'")).scalar_one()
        assert stored.startswith("$argon2id$") and "passphrase" not in stored
    with make_client(site_url) as c:
        token = csrf_of(c.get("/admin/login").text)
        r = c.post("/admin/login", data={"csrf": token, "username": "chief",
                                         "password": "a long enough passphrase"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin"
    reindexed = runner.invoke(main, ["--db", site_url, "admin", "reindex-search", "--json"])
    assert reindexed.exit_code == 0 and '"indexed": 40' in reindexed.output
