"""End to end in a real browser: Playwright drives Debian's Chromium against ``newsdesk serve`` on 127.0.0.1.

Front page → article → the "More from" rail → search → a comment holding a script tag (shown
escaped, never run) → admin log-in → approve → the comment on the page → the admin follows an
outlet by its home page. Screenshots of the front and article pages go to ``test-output/``. With
CI=true a missing browser fails the test; elsewhere it skips with the command that installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from newsdesk.store.db import engine_for, session_scope, upgrade
from newsdesk.store.users import create_user
from newsdesk.web.site import relative_time
from tests.conftest import IN_CI, ROOT
from tests.support.origin import Origin, Response
from tests.support.pages import rss
from tests.support.site import served_site
from tests.support.webdata import BASE_TIME, RELATIVE_CASES, SITE_NOW, seed_articles

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
OUTPUT = ROOT / "test-output"
PASSWORD = "browser-test-passphrase"
SITE_JS = ROOT / "newsdesk" / "web" / "static" / "site.js"
COLOURS = ["#1d3557", "#457b9d", "#2a9d8f", "#e76f51", "#6d597a", "#b56576"]


def _need_browser() -> None:
    hint = "Chromium is not installed: run `apt-get install -y chromium` (make install-test does it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        hint = "Playwright is not installed: pip install 'newsdesk[test]'"
    else:
        if os.path.exists(CHROMIUM):
            return
    if IN_CI:
        pytest.fail(hint)
    pytest.skip(hint)


def _svg(n: int) -> str:
    colour = COLOURS[n % len(COLOURS)]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675" viewBox="0 0 1200 675">'
        f'<rect width="1200" height="675" fill="{colour}"/>'
        f'<circle cx="{300 + 90 * n}" cy="260" r="150" fill="#ffffff" fill-opacity="0.18"/>'
        '<path d="M0 520 Q300 440 600 520 T1200 520 V675 H0Z" fill="#ffffff" fill-opacity="0.25"/></svg>'
    )


@pytest.fixture
def images() -> Iterator[Origin]:
    """Lead images served on 127.0.0.1, so the page loads nothing from elsewhere."""
    with Origin() as origin:
        for n in range(len(COLOURS)):
            origin.route(f"/img/{n}.svg", Response(_svg(n), content_type="image/svg+xml"))
        # and an outlet home page for the admin to follow: its feed is found by autodiscovery
        origin.route("/", '<!doctype html><html><head><title>Image Outlet</title><link rel="alternate" '
                          'type="application/rss+xml" href="/feed.xml"></head><body>Pictures</body></html>')
        origin.route("/feed.xml", rss([{"title": "Picture", "link": origin.url("/p/1")}], title="Image Outlet"),
                     content_type="application/rss+xml")
        yield origin


@pytest.fixture
def server(tmp_path: Path, images: Origin) -> Iterator[str]:
    _need_browser()
    url = f"sqlite:///{tmp_path / 'site.db'}"
    upgrade(url)
    seed_articles(url, 36)
    with session_scope(engine_for(url)) as session:
        session.execute(text("UPDATE articles SET image = :base || '/img/' || (id % 6) || '.svg'"),
                        {"base": images.base})
        create_user(session, "editor", PASSWORD)
    engine_for(url).dispose()
    with served_site(url, tmp_path, NEWSDESK_SECRET_KEY="browser-test-secret",
                     NEWSDESK_COMMENTS_MODERATION="hold") as base:
        yield base


def test_reader_journey_in_chromium(server: str, images: Origin) -> None:
    from playwright.sync_api import expect, sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    console: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                    timezone_id="Europe/Berlin")
            page.clock.set_fixed_time(SITE_NOW)  # the script's "now", next to the seeded articles' dates
            page.on("console", lambda msg: console.append(msg.text))

            # front page
            page.goto(server + "/")
            expect(page).to_have_title("Newsdesk")
            expect(page.locator(".section-title").first).to_be_visible()
            expect(page.locator(".lead-story img")).to_be_visible()
            page.screenshot(path=str(OUTPUT / "front.png"), full_page=True)

            # open the top story
            lead = page.locator(".lead-story .headline a")
            lead_title = lead.inner_text()
            lead.click()
            expect(page.locator("h1.story-title")).to_have_text(lead_title)
            expect(page.locator(".byline a[rel=author]")).to_have_count(1)
            local = page.locator(".dateline time[data-local]")
            expect(local).to_contain_text("CET")  # rewritten to the reader's zone by /static/site.js
            expect(page.locator(".ago")).to_have_text(relative_time(BASE_TIME, SITE_NOW))  # "3 hours ago"
            page.screenshot(path=str(OUTPUT / "article.png"), full_page=True)

            # follow the rail
            rail = page.locator(".more-from .headline a")
            assert 4 <= rail.count() <= 6
            next_title = rail.first.inner_text()
            rail.first.click()
            expect(page.locator("h1.story-title")).to_have_text(next_title)
            article_url = page.url

            # search from the header box
            page.fill(".searchbox input[name=q]", "ferry")
            page.press(".searchbox input[name=q]", "Enter")
            expect(page).to_have_url(server + "/search?q=ferry")
            expect(page.locator(".results mark").first).to_be_visible()

            # post a comment holding a script tag
            page.goto(article_url)
            payload = "<script>window.__pwned = 1</script> Good reporting, see https://example.org/more"
            page.fill(".comment-form input[name=name]", "Browser Reader")
            page.fill(".comment-form textarea[name=body]", payload)
            page.click(".comment-form button[type=submit]")
            expect(page.locator("#comments .notice")).to_contain_text("once a moderator has approved it")
            expect(page.locator(".comment-list")).to_have_count(0)

            # an admin approves it
            page.goto(server + "/admin/login")
            page.fill("input[name=username]", "editor")
            page.fill("input[name=password]", PASSWORD)
            page.click("form.stack button[type=submit]")
            expect(page).to_have_url(server + "/admin/comments")
            item = page.locator(".mod-item").first
            expect(item.locator(".comment-body")).to_contain_text("<script>window.__pwned = 1</script>")
            item.locator("button.approve").click()
            expect(page.locator(".mod-item")).to_have_count(0)

            # the comment is on the page, escaped, its link rel="nofollow ugc", the script never ran
            page.goto(article_url)
            comment = page.locator(".comment-list .comment").first
            expect(comment.locator(".comment-body")).to_contain_text("<script>window.__pwned = 1</script>")
            expect(comment.locator("a")).to_have_attribute("rel", "nofollow ugc noopener")
            assert comment.locator("script").count() == 0
            assert page.evaluate("typeof window.__pwned") == "undefined"

            # the admin follows an outlet by its home page; its feed is discovered
            page.goto(server + "/admin/sources")
            page.fill("form.add-source input[name=url]", images.url("/"))
            page.click("form.add-source button[type=submit]")
            expect(page.locator("p.notice[role=status]")).to_contain_text("Source added")
            expect(page.locator(".sources-table")).to_contain_text(images.url("/feed.xml"))
            # a URL that cannot be read is explained on the form, the input kept
            page.fill("form.add-source input[name=url]", images.url("/missing"))
            page.click("form.add-source button[type=submit]")
            expect(page.locator("p.notice.error")).to_contain_text("answered 404")
            expect(page.locator("form.add-source input[name=url]")).to_have_value(images.url("/missing"))
        finally:
            browser.close()
    assert not [m for m in console if "Content Security Policy" in m], console
    assert (OUTPUT / "front.png").stat().st_size > 10_000 and (OUTPUT / "article.png").stat().st_size > 10_000


def _script_labels(html_lang: str, browser_locale: str, seconds: list[float]) -> list[str]:
    """What site.js writes into ``data-ago`` labels dated ``seconds`` before SITE_NOW, in a page of
    ``html_lang`` read in a browser set to ``browser_locale``."""
    from playwright.sync_api import sync_playwright

    spans = "".join(f'<span data-ago="{(SITE_NOW - timedelta(seconds=s)).isoformat()}">?</span>' for s in seconds)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale=browser_locale, timezone_id="Pacific/Kiritimati")
            page.clock.set_fixed_time(SITE_NOW)
            page.set_content(f'<!doctype html><html lang="{html_lang}"><body>{spans}</body></html>')
            page.add_script_tag(content=SITE_JS.read_text())
            return [str(t) for t in page.eval_on_selector_all("[data-ago]", "els => els.map(e => e.textContent)")]
        finally:
            browser.close()


def test_script_relative_times_match_the_server() -> None:
    """site.js rewrites the server's labels with the same rule (rounded down), so "3 days ago"
    stays "3 days ago" when the script runs, at every unit's edge."""
    _need_browser()
    seconds = [s for s, _ in RELATIVE_CASES]
    assert _script_labels("en", "en-GB", seconds) == [relative_time(SITE_NOW - timedelta(seconds=s), SITE_NOW)
                                                      for s in seconds]


def test_script_speaks_the_page_language_not_the_browser_one() -> None:
    _need_browser()
    day = 86400
    assert _script_labels("ru", "en-GB", [3.9 * day, day, 2 * 3600]) == ["3 дня назад", "вчера", "2 часа назад"]
    assert _script_labels("de", "fr-FR", [3 * 3600]) == ["vor 3 Stunden"]
