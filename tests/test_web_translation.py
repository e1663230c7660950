"""Reading translations on the site, in feeds and in the API, on SQLite and PostgreSQL.

A Russian outlet with one article translated into English, one not, and one English article
(``tests/support/webdata.seed_translated``), served by the real ASGI app through Starlette's
TestClient: the reader's language by precedence (``?lang=``, the switcher's cookie,
Accept-Language with q-values, the site default), the original one click away with its own
``lang``, the "not set up" hint, translated teasers in every list, feeds and the JSON API.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import feedparser
import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from newsdesk.clock import fixed_clock
from newsdesk.settings import load_settings
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.users import create_user
from newsdesk.web import views
from newsdesk.web.app import create_app
from tests.support.webdata import EN_TEASER, EN_TITLE, RU_TITLE, SITE_NOW, TranslatedWorld, seed_translated

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def world(db_url: str) -> TranslatedWorld:
    return seed_translated(db_url)


def make_client(url: str, **overrides: object) -> TestClient:
    settings = load_settings(database_url=url, secret_key="test-secret", **overrides)
    return TestClient(create_app(settings, clock=fixed_clock(SITE_NOW)), raise_server_exceptions=False)


@pytest.fixture
def client(db_url: str, world: TranslatedWorld) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def shown(page: str) -> str:
    """Which version the article page shows: "en" (translation) or "ru" (original)."""
    match = re.search(r'<h1 class="story-title" lang="(\w+)">([^<]*)</h1>', page)
    assert match, "no headline"
    lang, title = match.groups()
    assert (lang, html.unescape(title)) in (("en", EN_TITLE), ("ru", RU_TITLE))
    return lang


def test_language_precedence(client: TestClient, world: TranslatedWorld) -> None:
    path = f"/article/{world.ru_translated}"
    # no signal at all: the site default (first target language, "en")
    assert shown(client.get(path).text) == "en"
    # Accept-Language, q-values honoured whatever the order
    assert shown(client.get(path, headers={"Accept-Language": "ru;q=0.3, en;q=0.8"}).text) == "en"
    assert shown(client.get(path, headers={"Accept-Language": "en;q=0.2, ru"}).text) == "ru"
    assert shown(client.get(path, headers={"Accept-Language": "fr, ru;q=0.5, en;q=0.4"}).text) == "ru"
    # nothing acceptable exists: the default
    assert shown(client.get(path, headers={"Accept-Language": "fr, de;q=0.5"}).text) == "en"
    # the cookie beats Accept-Language
    client.cookies.set(views.LANG_COOKIE, "original")
    assert shown(client.get(path, headers={"Accept-Language": "en"}).text) == "ru"
    client.cookies.set(views.LANG_COOKIE, "en")
    assert shown(client.get(path, headers={"Accept-Language": "ru"}).text) == "en"
    # ?lang= beats the cookie and the header
    assert shown(client.get(path + "?lang=original", headers={"Accept-Language": "en"}).text) == "ru"
    client.cookies.set(views.LANG_COOKIE, "original")
    assert shown(client.get(path + "?lang=en", headers={"Accept-Language": "ru"}).text) == "en"
    # junk in the cookie is ignored
    client.cookies.set(views.LANG_COOKIE, "<script>")
    assert shown(client.get(path, headers={"Accept-Language": "ru"}).text) == "ru"


def test_site_default_is_first_target_language(db_url: str, world: TranslatedWorld) -> None:
    with make_client(db_url, target_languages="ru,en") as c:
        assert shown(c.get(f"/article/{world.ru_translated}").text) == "ru"
        assert shown(c.get(f"/article/{world.ru_translated}", headers={"Accept-Language": "en"}).text) == "en"


def test_translation_and_original_carry_their_lang(client: TestClient, world: TranslatedWorld) -> None:
    translated = client.get(f"/article/{world.ru_translated}?lang=en").text
    body = translated.split('class="story-body"')[1]
    assert body.startswith(' lang="en"')
    assert "The ferry at the pier" in body and "Паром" not in body  # the caption is part of the body
    assert '<a href="https://vestnik.example/port"' in body
    assert f'<meta name="description" content="{EN_TEASER}">' in translated
    assert "Machine-translated from Russian by tiny-mt." in translated
    link = re.search(r'<a class="read-original" href="([^"]+)" hreflang="ru">Read the original</a>', translated)
    assert link and link.group(1) == f"/article/{world.ru_translated}?lang=original"
    original = client.get(link.group(1)).text
    assert '<h1 class="story-title" lang="ru">' in original
    body = original.split('class="story-body"')[1]
    assert body.startswith(' lang="ru"') and "Паром у причала" in body
    assert "Machine-translated" not in original
    assert '<html lang="en">' in original  # the page's own words stay English; the article says its own


def test_switcher_remembers_the_choice(client: TestClient, world: TranslatedWorld) -> None:
    path = f"/article/{world.ru_translated}"
    page = client.get(path, headers={"Accept-Language": "en"}).text
    links = dict(re.findall(r'<a hreflang="(\w+)" rel="nofollow" href="([^"]+)">', page))
    assert "ru" in links  # the original, as a plain link (no script needed)
    pick = client.get(html.unescape(links["ru"]), follow_redirects=False)
    assert pick.status_code == 303 and pick.headers["location"] == path
    assert f"{views.LANG_COOKIE}=original" in pick.headers["set-cookie"]
    assert "HttpOnly" in pick.headers["set-cookie"] and "Max-Age=" in pick.headers["set-cookie"]
    after = client.get(path, headers={"Accept-Language": "en"}).text  # the client keeps the cookie
    assert shown(after) == "ru"
    back = dict(re.findall(r'<a hreflang="(\w+)" rel="nofollow" href="([^"]+)">', after))
    client.get(html.unescape(back["en"]))
    assert shown(client.get(path, headers={"Accept-Language": "ru"}).text) == "en"
    # the redirect stays on this site
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        away = client.get("/language", params={"set": "en", "next": target}, follow_redirects=False)
        assert away.headers["location"] == "/"
    cleared = client.get("/language", params={"set": "<b>", "next": path}, follow_redirects=False)
    assert f'{views.LANG_COOKIE}=""' in cleared.headers["set-cookie"]


def test_cached_pages_keep_languages_apart(client: TestClient, world: TranslatedWorld) -> None:
    path = f"/article/{world.ru_translated}"
    for _ in range(2):  # the second round is served from the response cache
        en = client.get(path, headers={"Accept-Language": "en"})
        ru = client.get(path, headers={"Accept-Language": "ru"})
        assert shown(en.text) == "en" and shown(ru.text) == "ru"
        for response in (en, ru):
            vary = response.headers["vary"]
            assert "Accept-Language" in vary and "Cookie" in vary
        front_en = client.get("/", headers={"Accept-Language": "en"})
        front_ru = client.get("/", headers={"Accept-Language": "ru"})
        assert EN_TITLE in front_en.text and RU_TITLE not in front_en.text
        assert RU_TITLE in front_ru.text and EN_TITLE not in front_ru.text
        assert "Accept-Language" in front_en.headers["vary"] and "Cookie" in front_en.headers["vary"]


def _notice(page: str) -> str:
    """The "no translation" notice of an article page, as HTML ("" when the page has none)."""
    match = re.search(r'<div class="notice not-translated" role="note">(.*?)</div>', page, re.S)
    return match.group(1) if match else ""


def _sign_in(client: TestClient, db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        create_user(session, "editor", "translation-admin-pass")
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/admin/login").text)
    assert token
    signed = client.post("/admin/login", data={"csrf": html.unescape(token.group(1)), "username": "editor",
                                               "password": "translation-admin-pass"}, follow_redirects=False)
    assert signed.status_code == 303


def test_missing_translation_notice_speaks_to_readers(client: TestClient, world: TranslatedWorld,
                                                      db_url: str) -> None:
    # an English article read in Russian: reader words only, no operator instructions, no backticks
    ru = {"Accept-Language": "ru"}
    notice = _notice(client.get(f"/article/{world.en_article}", headers=ru).text)
    assert "No Russian translation of this article; read the original in English below." in notice
    assert "`" not in notice and "NEWSDESK_" not in notice and "newsdesk translate" not in notice
    assert "For admins" not in notice
    # a Russian article read in English (a target language): the translation may still come
    notice = _notice(client.get(f"/article/{world.ru_untranslated}", headers={"Accept-Language": "en"}).text)
    assert "No English translation of this article yet; read the original in Russian below." in notice
    # a language this site has no name for is not shown as a bare code
    odd = _notice(client.get(f"/article/{world.en_article}", headers={"Accept-Language": "xq"}).text)
    assert "No translation of this article into your language; read the original in English below." in odd
    # a reader of the article's language, a translated article and "original" need no notice
    assert _notice(client.get(f"/article/{world.ru_untranslated}", headers=ru).text) == ""
    assert _notice(client.get(f"/article/{world.ru_translated}?lang=en").text) == ""
    assert _notice(client.get(f"/article/{world.en_article}?lang=original", headers=ru).text) == ""

    # a signed-in admin also gets the set-up steps, in <code>, for the pair article → reader (en-ru)
    _sign_in(client, db_url)
    admin = _notice(client.get(f"/article/{world.en_article}", headers=ru).text)
    assert "No Russian translation of this article; read the original in English below." in admin
    assert "<code>newsdesk translate install en-ru</code>" in admin and "ru-en" not in admin
    assert "<code>NEWSDESK_TRANSLATE_ENGINE=local</code>" in admin and "`" not in admin
    assert f'href="{views.TRANSLATION_DOCS_URL}"' in admin
    into_en = _notice(client.get(f"/article/{world.ru_untranslated}", headers={"Accept-Language": "en"}).text)
    assert "<code>newsdesk translate install ru-en</code>" in into_en
    # the admin's page is cached apart: a reader after them still sees reader words only
    client.cookies.clear()
    assert "For admins" not in _notice(client.get(f"/article/{world.en_article}", headers=ru).text)


def test_missing_translation_notice_with_an_engine(db_url: str, world: TranslatedWorld) -> None:
    with make_client(db_url, translate_engine="libretranslate", libretranslate_url="http://127.0.0.1:9") as c:
        page = c.get(f"/article/{world.ru_untranslated}", headers={"Accept-Language": "en"}).text
        assert "Рыбаки вышли в море" in page
        assert "No English translation of this article yet" in _notice(page)
        _sign_in(c, db_url)
        admin = _notice(c.get(f"/article/{world.ru_untranslated}", headers={"Accept-Language": "en"}).text)
        assert "<code>newsdesk translate articles --lang ru --to en</code>" in admin
        assert "not set up" not in admin
        # a language the site does not translate into: the admin is told to add it
        other = _notice(c.get(f"/article/{world.en_article}", headers={"Accept-Language": "de"}).text)
        assert "<code>de</code> to <code>NEWSDESK_TARGET_LANGUAGES</code>" in other


def _teaser_titles(page: str) -> dict[str, str]:
    return {html.unescape(t): lang for lang, t in
            re.findall(r'class="headline" lang="(\w+)"><a href="/article/\d+">([^<]+)</a>', page)}


def test_lists_show_translated_teasers(client: TestClient, world: TranslatedWorld) -> None:
    en = {"Accept-Language": "en"}
    pages = {
        "front": client.get("/", headers=en).text,
        "source": client.get(f"/source/{world.source_id}", headers=en).text,
        "section": client.get("/section/City", headers=en).text,
        "author": client.get("/author/%D0%9C%D0%B0%D1%80%D0%B8%D1%8F%20%D0%A1%D0%BE%D0%BA%D0%BE%D0%BB%D0%BE%D0%B2%D0%B0",
                             headers=en).text,
        "search": client.get("/search?q=harbour", headers=en).text,
        "rail": client.get(f"/article/{world.en_article}", headers=en).text.split('class="rail"')[1],
    }
    for name, page in pages.items():
        titles = _teaser_titles(page)
        assert titles.get(EN_TITLE) == "en", name
        assert RU_TITLE not in titles, name
        if name != "search":  # the search for "harbour" does not find it
            assert titles.get("Рыбаки вышли в море") == "ru", name  # no translation: the original, marked ru
        if name != "rail":  # the rails leave out the article shown
            assert titles.get("Harbour museum opens") == "en", name
        assert page.count('<span class="badge">translated</span>') == 1, name
        assert '<span class="orig-lang">Russian</span>' in page, name
    teaser_snippets = pages["source"]
    assert EN_TEASER in teaser_snippets
    # a reader of Russian gets the originals, unmarked
    ru_front = client.get("/", headers={"Accept-Language": "ru"}).text
    assert RU_TITLE in ru_front and "translated</span>" not in ru_front


def test_list_translations_load_in_one_query(db_url: str, world: TranslatedWorld) -> None:
    engine = engine_for(db_url)
    statements: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def lookups(reader: views.Reader) -> tuple[list[str], int]:
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            with session_scope(engine) as session:
                view = views.front_view(session, reader=reader)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return [t.title for t in view.teasers if t.original_lang], sum("FROM translations" in s for s in statements)

    with session_scope(engine) as session:
        known = views.nav_view(session).translated_langs
    assert known == frozenset({"en"})
    assert lookups(views.Reader(accepted=("en",))) == ([EN_TITLE], 1)
    assert lookups(views.Reader(accepted=("en",)).knowing(known)) == ([EN_TITLE], 1)
    # no translation into German exists anywhere: the list does not look
    assert lookups(views.Reader(accepted=("de",)).knowing(known)) == ([], 0)


def test_feeds_carry_translations(client: TestClient, world: TranslatedWorld) -> None:
    for path in (f"/source/{world.source_id}/feed", "/section/City/feed", "/feed", "/search/feed"):
        query = "?lang=en" + ("&q=harbour" if path.startswith("/search") else "")
        rss = client.get(f"{path}.rss{query}")
        parsed = feedparser.parse(rss.content)
        assert not parsed.bozo, (path, parsed.bozo_exception)
        titles = [e.title for e in parsed.entries]
        assert EN_TITLE in titles and RU_TITLE not in titles, path
        item = next(e for e in parsed.entries if e.title == EN_TITLE)
        assert "Machine-translated from Russian by tiny-mt" in item.summary
        assert item.link.endswith(f"/article/{world.ru_translated}?lang=en")
        assert '<category domain="original-language">ru</category>' in rss.text
    plain = feedparser.parse(client.get(f"/source/{world.source_id}/feed.rss").content)
    assert RU_TITLE in [e.title for e in plain.entries] and EN_TITLE not in [e.title for e in plain.entries]
    atom = client.get(f"/source/{world.source_id}/feed.atom?lang=en")
    parsed = feedparser.parse(atom.content)
    assert not parsed.bozo
    entry = next(e for e in parsed.entries if e.title == EN_TITLE)
    assert entry.title_detail.language == "en"
    assert any(link.get("hreflang") == "ru" and link.href.endswith("?lang=original") for link in entry.links)
    feed = json.loads(client.get(f"/source/{world.source_id}/feed.json?lang=en").text)
    item = next(i for i in feed["items"] if i["title"] == EN_TITLE)
    assert item["language"] == "en" and item["summary"] == EN_TEASER
    assert item["_newsdesk"]["original_language"] == "ru" and item["_newsdesk"]["translated_by"] == "tiny-mt"
    # the front feed's ?lang= is "in this language": English originals and English translations
    front = [e.title for e in feedparser.parse(client.get("/feed.rss?lang=en").content).entries]
    assert sorted(front) == sorted([EN_TITLE, "Harbour museum opens"])


def test_api_article_translations(client: TestClient, world: TranslatedWorld) -> None:
    path = f"/api/v1/articles/{world.ru_translated}"
    as_published = client.get(path).json()
    assert as_published["title"] == RU_TITLE and as_published["lang"] == "ru"
    assert as_published["original_lang"] == "ru" and as_published["translated_by"] is None
    assert set(as_published["translations"]) == {"en"}
    en = as_published["translations"]["en"]
    assert en["title"] == EN_TITLE and en["teaser"] == EN_TEASER and en["engine"] == "tiny-mt"
    assert "The ferry at the pier" in en["html"] and 'href="https://vestnik.example/port"' in en["html"]
    translated = client.get(path, params={"lang": "en"}).json()
    assert translated["title"] == EN_TITLE and translated["lang"] == "en"
    assert translated["original_lang"] == "ru" and translated["translated_by"] == "tiny-mt"
    assert translated["teaser"] == EN_TEASER and "The mayor thanked the fishermen" in translated["html"]
    assert translated["text"].startswith("The city ferry")
    assert client.get(path, params={"lang": "original"}).json()["title"] == RU_TITLE
    assert client.get(path, params={"lang": "fr"}).json()["lang"] == "ru"  # no French: as published
    bad = client.get(path, params={"lang": "en!"})
    assert bad.status_code == 422 and "error" in bad.json()
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    props = schema["ArticleOut"]["properties"]
    assert props["translations"]["type"] == "object"
    assert props["translations"]["additionalProperties"]["$ref"].endswith("/TranslationOut")
    assert {"title", "teaser", "html", "engine"} <= set(schema["TranslationOut"]["properties"])
    assert "original_lang" in props and "translated_by" in schema["TeaserOut"]["properties"]
