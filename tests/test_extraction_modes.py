"""A source's extraction mode (auto, feed, rules) through the crawl, `fetch-url`, the CLI and the
admin, its preview, and `extract --explain`. A real loopback origin, real databases (both backends)."""

from __future__ import annotations

import json
import re
from html import escape, unescape
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from starlette.testclient import TestClient

from newsdesk.cli import main
from newsdesk.errors import UsageError
from newsdesk.extract.modes import ExtractionRules, check_rules, extract_with
from newsdesk.extract.trace import Trace
from newsdesk.pipeline.crawl import crawl
from newsdesk.pipeline.extraction import get_extraction, preview, set_extraction
from newsdesk.pipeline.follow import follow
from newsdesk.pipeline.ingest import fetch_url
from newsdesk.settings import Settings, load_settings
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article
from newsdesk.store.users import create_user
from newsdesk.web.app import create_app
from tests.support.origin import Origin, Response
from tests.support.pages import LOREM

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TITLE = "Harbour breakwater to be rebuilt"
PROMO = "Sign up for our morning newsletter and never miss the biggest stories of the day."
RAIL = ("Elsewhere in the region the ferry timetable changed again this week after complaints from "
        "commuters about the late evening crossings and the fares.")
FEED_TEXT = ("In the feed alone: the harbour board met on Tuesday evening and voted to rebuild the northern "
             "breakwater, a decision the fishermen's association had asked for since the winter storms.")
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def story(n: int) -> list[str]:
    """Page ``n``'s story paragraphs (they differ per page: the store would take the same text as a duplicate)."""
    return [f"Report {n}: {LOREM[0]}", LOREM[1], LOREM[2]]


def rules_text(n: int) -> str:
    return "\n".join(story(n))  # the story body, minus the dropped promo


def page(n: int = 0) -> str:
    """An article page with furniture inside the article (a share prompt, a newsletter promo) and a
    rail of other text outside it: what each mode keeps differs."""
    title = f"{TITLE} {n}"
    first, second, third = story(n)
    body = f"<p>{first}</p><p class=\"promo\">{PROMO}</p><p>{second}</p><p>{third}</p>"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="2026-11-20T10:00:00+00:00"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<div class="layout"><article class="story"><h1>{title}</h1><div class="share-tools">Share this article</div>
<div class="story-body">{body}</div></article>
<div class="rail"><p>{RAIL}</p></div></div></body></html>"""


def feed(origin: Origin, count: int = 1) -> str:
    items = "".join(
        f"<item><title>{TITLE} {i}</title><link>{origin.url(f'/news/{i}.html')}</link>"
        f"<content:encoded><![CDATA[<p>{FEED_TEXT}</p><p>Story {i}.</p>]]></content:encoded></item>"
        for i in range(count))
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Harbour News</title>'
            f"<link>{origin.url('/')}</link><language>en</language>{items}</channel></rss>")


def serve(origin: Origin, count: int = 1) -> None:
    for i in range(count):
        origin.route(f"/news/{i}.html", page(i))
    origin.route("/feed.xml", feed(origin, count), content_type="application/rss+xml")


def make_settings(db_url: str) -> Settings:
    return load_settings(database_url=db_url, fetch_allow_private_networks=True, fetch_per_host_delay=0.0,
                         fetch_timeout=2.0, fetch_connect_timeout=1.0, fetch_read_timeout=1.0, extract_workers=1,
                         secret_key="test-secret")


def stored_texts(settings: Settings) -> list[str]:
    with session_scope(engine_for(settings.database_url)) as session:
        return list(session.scalars(select(Article.text).order_by(Article.id)))


@pytest.mark.parametrize("mode", ["auto", "feed", "rules"])
def test_each_mode_through_the_crawl(db_url: str, origin: Origin, mode: str) -> None:
    serve(origin)
    settings = make_settings(db_url)
    source_id = follow(settings, origin.url("/feed.xml")).source_id
    set_extraction(settings, source_id, mode, ".story-body", [".promo"])
    report = crawl(settings)
    assert report.articles_stored == 1, report
    [text] = stored_texts(settings)
    if mode == "rules":  # only the selected body, minus the dropped parts
        assert text == rules_text(0)
    elif mode == "feed":  # the entry's own content, not the page's
        assert text == f"{FEED_TEXT}\nStory 0."
    else:  # the automatic extraction: the story, its furniture and the rail left out
        assert LOREM[0] in text and LOREM[2] in text and FEED_TEXT not in text
        assert PROMO not in text and "Share this article" not in text and RAIL not in text


def atom_feed(origin: Origin) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Harbour News</title>'
            f'<id>{origin.url("/")}</id><updated>2026-11-20T10:00:00Z</updated><entry><title>{TITLE} 0</title>'
            f'<id>urn:story:0</id><link href="{origin.url("/news/0.html")}"/><updated>2026-11-20T10:00:00Z</updated>'
            f'<content type="html">{escape(f"<p>{FEED_TEXT}</p><p>Story 0.</p>")}</content></entry></feed>')


def json_feed(origin: Origin) -> str:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Harbour News",
                       "items": [{"id": "0", "url": origin.url("/news/0.html"), "title": f"{TITLE} 0",
                                  "content_html": f"<p>{FEED_TEXT}</p><p>Story 0.</p>"}]})


@pytest.mark.parametrize("fmt", ["atom", "json"])
def test_feed_mode_reads_atom_and_json_feed_content(db_url: str, origin: Origin, fmt: str) -> None:
    origin.route("/news/0.html", page(0))
    body, kind = (atom_feed(origin), "application/atom+xml") if fmt == "atom" else (json_feed(origin),
                                                                                     "application/feed+json")
    origin.route("/feed", body, content_type=kind)
    settings = make_settings(db_url)
    source_id = follow(settings, origin.url("/feed")).source_id
    set_extraction(settings, source_id, "feed")
    assert crawl(settings).articles_stored == 1
    assert stored_texts(settings) == [f"{FEED_TEXT}\nStory 0."]


def test_fetch_url_applies_the_hosts_source_mode(db_url: str, origin: Origin) -> None:
    serve(origin, 2)
    settings = make_settings(db_url)
    source_id = follow(settings, origin.url("/feed.xml")).source_id
    set_extraction(settings, source_id, "rules", "article.story", [".share-tools", ".promo", "h1"])
    report = fetch_url(settings, origin.url("/news/1.html"))
    assert report.articles_stored == 1, report
    assert stored_texts(settings) == [rules_text(1)]


def test_rules_mode_with_no_match_is_a_counted_failure(db_url: str, origin: Origin) -> None:
    serve(origin)
    settings = make_settings(db_url)
    source_id = follow(settings, origin.url("/feed.xml")).source_id
    set_extraction(settings, source_id, "rules", ".no-such-body")
    report = crawl(settings)
    assert report.articles_stored == 0 and report.entries_failed == 1
    assert report.outcomes.counts[("extract", "rules_no_match")] == 1


def test_bad_rules_are_refused_with_a_clear_message() -> None:
    with pytest.raises(UsageError, match=r"bad CSS selector 'div\['"):
        check_rules("rules", "div[")
    with pytest.raises(UsageError, match="bad CSS selector 'p::first-line'"):
        check_rules("rules", "article", ("p::first-line",))
    with pytest.raises(UsageError, match="needs a body selector"):
        check_rules("rules")
    with pytest.raises(UsageError, match="unknown mode 'magic'"):
        check_rules("magic")
    assert check_rules(" RULES ", " main ", ("", " .ad ")) == ExtractionRules("rules", "main", (".ad",))


def test_feed_mode_without_feed_content_says_so() -> None:
    with pytest.raises(Exception, match="carries no content") as caught:
        extract_with(ExtractionRules("feed"), page(), "http://outlet.test/a")
    assert getattr(caught.value, "reason", None) == "no_feed_content"


# --- CLI ---------------------------------------------------------------------------------------------


def cli(db_url: str, *args: str) -> Result:
    env = {"NEWSDESK_DATABASE_URL": db_url, "NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS": "true",
           "NEWSDESK_FETCH_PER_HOST_DELAY": "0", "NEWSDESK_EXTRACT_WORKERS": "1"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_sources_set_stores_the_mode_and_refuses_a_bad_selector(db_url: str, origin: Origin) -> None:
    serve(origin)
    settings = make_settings(db_url)
    source_id = follow(settings, origin.url("/feed.xml")).source_id
    bad = cli(db_url, "sources", "set", str(source_id), "--extraction", "rules", "--body-selector", "div[")
    assert bad.exit_code == 2 and "bad CSS selector 'div['" in bad.stderr
    assert get_extraction(settings, source_id) == ExtractionRules()  # nothing saved
    missing = cli(db_url, "sources", "set", str(source_id), "--extraction", "rules")
    assert missing.exit_code == 2 and "needs a body selector" in missing.stderr
    ok = cli(db_url, "sources", "set", str(source_id), "--extraction", "rules", "--body-selector", ".story-body",
             "--drop-selector", ".promo", "--drop-selector", ".ad")
    assert ok.exit_code == 0 and "extraction rules" in ok.stdout
    assert get_extraction(settings, source_id) == ExtractionRules("rules", ".story-body", (".promo", ".ad"))
    back = cli(db_url, "sources", "set", str(source_id), "--extraction", "auto", "--json")
    assert json.loads(back.stdout) == {"id": source_id, "extraction": "auto", "body_selector": ".story-body",
                                       "drop_selectors": [".promo", ".ad"]}  # selectors kept for later
    cleared = cli(db_url, "sources", "set", str(source_id), "--no-drop-selectors", "--json")
    assert json.loads(cleared.stdout)["drop_selectors"] == []
    unknown = cli(db_url, "sources", "set", "999", "--extraction", "feed")
    assert unknown.exit_code == 2 and "no source with id 999" in unknown.stderr


def test_extract_explain_lists_a_dropped_furniture_block_and_a_kept_paragraph(tmp_path: Path) -> None:
    saved = tmp_path / "page.html"
    saved.write_text(page(), encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(saved), "--explain"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    promo = [line for line in lines if "Sign up for our morning" in line]
    assert promo and "dropped" in promo[0] and "furniture" in promo[0] and "short prompt (share" in promo[0]
    kept = [line for line in lines if LOREM[1][:23] in line and "│" in line]
    assert kept and "kept" in kept[0] and "final" in kept[0]
    as_json = CliRunner().invoke(main, ["extract", str(saved), "--explain", "--json"], catch_exceptions=False)
    steps = json.loads(as_json.stdout)["explain"]
    assert {"path": "p", "words": "Sign up for our morning newsletter and never miss the biggest stories …",
            "verdict": "dropped", "step": "furniture", "reason": "a short prompt (share, subscribe, read more…)"} in steps
    assert any(s["verdict"] == "kept" and s["words"].startswith(LOREM[1][:30]) for s in steps)
    assert any(s["verdict"] == "dropped" and s["step"] == "prestrip" and s["path"] == "nav" for s in steps)
    share = [s for s in steps if s["words"] == "Share this article"]
    assert share and share[0]["verdict"] == "dropped" and share[0]["path"].endswith("div.share-tools")


def test_extract_explain_with_rules_shows_the_selectors_steps(tmp_path: Path) -> None:
    saved = tmp_path / "page.html"
    saved.write_text(page(), encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(saved), "--extraction", "rules", "--body-selector",
                                       ".story-body", "--drop-selector", ".promo", "--explain", "--json"],
                                catch_exceptions=False)
    data = json.loads(result.stdout)
    assert data["text"] == rules_text(0)
    assert any(s["step"] == "drop selector" and s["path"].endswith("p.promo") and s["reason"] == "matches '.promo'"
               for s in data["explain"])
    bad = CliRunner().invoke(main, ["extract", str(saved), "--extraction", "rules", "--body-selector", "a[b"])
    assert bad.exit_code == 2 and "bad CSS selector" in bad.stderr


def test_no_trace_no_steps_and_same_article() -> None:
    """Tracing observes only: the article is the same with and without it."""
    trace = Trace()
    assert extract_with(ExtractionRules(), page(), "http://o.test/a", trace=trace) == \
        extract_with(ExtractionRules(), page(), "http://o.test/a")
    assert trace.steps


# --- admin -------------------------------------------------------------------------------------------


def admin_client(settings: Settings) -> TestClient:
    with session_scope(engine_for(settings.database_url)) as session:
        create_user(session, "admin", "s3cret-passphrase")
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    token = csrf(client.get("/admin/login").text)
    r = client.post("/admin/login", data={"csrf": token, "username": "admin", "password": "s3cret-passphrase"},
                    follow_redirects=False)
    assert r.status_code == 303
    return client


def csrf(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "form has no CSRF field"
    return unescape(match.group(1))


def crawled_source(db_url: str, origin: Origin, count: int = 2) -> tuple[Settings, int]:
    serve(origin, count)
    settings = make_settings(db_url)
    source_id = follow(settings, origin.url("/feed.xml")).source_id
    assert crawl(settings).articles_stored == count
    return settings, source_id


def test_admin_preview_shows_each_modes_text_for_the_latest_articles(db_url: str, origin: Origin) -> None:
    settings, source_id = crawled_source(db_url, origin)
    client = admin_client(settings)
    assert f'href="/admin/sources/{source_id}/extraction"' in client.get("/admin/sources").text
    form = client.get(f"/admin/sources/{source_id}/extraction")
    assert form.status_code == 200 and 'value="preview"' in form.text
    r = client.post(f"/admin/sources/{source_id}/extraction",
                    data={"csrf": csrf(form.text), "mode": "rules", "body_selector": ".story-body",
                          "drop_selectors": ".promo\n", "action": "preview"})
    assert r.status_code == 200
    pages = r.text.split('class="preview-page"')[1:]
    assert len(pages) == 2 and all(any(f"{TITLE} {i}<" in html for html in pages) for i in (0, 1))
    for html in pages:
        modes = dict(re.findall(r'data-mode="(\w+)">(.*?)</div>\s*</div>', html, re.S))
        assert set(modes) == {"auto", "feed", "rules"}
        assert escape(FEED_TEXT, quote=False).replace("'", "&#39;") in modes["feed"]
        assert LOREM[1] in modes["auto"] and escape(PROMO) not in modes["auto"]
        assert LOREM[1] in modes["rules"] and PROMO not in modes["rules"] and "(chosen)" in modes["rules"]
    assert get_extraction(settings, source_id) == ExtractionRules()  # a preview saves nothing
    previews = preview(settings, source_id, ExtractionRules("rules", ".story-body", (".promo",)), limit=1)
    assert len(previews) == 1 and [m.mode for m in previews[0].modes] == ["auto", "feed", "rules"]
    assert previews[0].modes[2].text == rules_text(int(previews[0].url.split("/")[-1].split(".")[0]))
    client.close()


def test_admin_saves_the_mode_and_refuses_a_bad_selector(db_url: str, origin: Origin) -> None:
    settings, source_id = crawled_source(db_url, origin, 1)
    client = admin_client(settings)
    path = f"/admin/sources/{source_id}/extraction"
    token = csrf(client.get(path).text)
    bad = client.post(path, data={"csrf": token, "mode": "rules", "body_selector": "div[", "action": "save"})
    assert bad.status_code == 422 and "bad CSS selector" in bad.text
    assert 'value="div["' in bad.text  # what was typed is kept
    assert get_extraction(settings, source_id) == ExtractionRules()
    ok = client.post(path, data={"csrf": token, "mode": "rules", "body_selector": "article",
                                 "drop_selectors": ".promo\n.share-tools", "action": "save"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == f"{path}?msg=saved"
    assert get_extraction(settings, source_id) == ExtractionRules("rules", "article", (".promo", ".share-tools"))
    assert "Saved." in client.get(ok.headers["location"]).text
    forged = client.post(path, data={"mode": "auto", "action": "save"})
    assert forged.status_code == 403
    assert client.get("/admin/sources/999/extraction").status_code == 404
    client.close()
    anonymous = TestClient(create_app(settings), raise_server_exceptions=False)
    assert anonymous.get(path, follow_redirects=False).headers["location"] == "/admin/login"
    anonymous.close()


def test_preview_shows_a_page_that_cannot_be_fetched_again(db_url: str, origin: Origin) -> None:
    settings, source_id = crawled_source(db_url, origin)
    origin.route("/news/0.html", Response("gone", status=404))
    pages = {p.url.rsplit("/", 1)[-1]: p for p in preview(settings, source_id, ExtractionRules())}
    assert pages["0.html"].modes == () and "404" in (pages["0.html"].fetch_error or "")
    assert [m.mode for m in pages["1.html"].modes] == ["auto", "feed", "rules"]
    rules = pages["1.html"].modes[2]
    assert rules.text is None and "no body selector" in (rules.error or "")  # each mode's failure in its column
