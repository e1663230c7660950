"""The admin's feed-health page in a real browser (Chromium, JavaScript off) at desktop and phone
width: no sideways scrolling, every cell inside the window and legible, even with long feed URLs
and long server messages. Screenshots go to ``test-output/health-*.png``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsdesk.errors import FetchGone, FetchRejected, ParseError, RobotsDisallowed
from newsdesk.pipeline.report import describe
from newsdesk.store import repo
from newsdesk.store.db import engine_for, session_scope, upgrade
from newsdesk.store.users import create_user
from tests.support.site import served_site
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, _need_browser
from tests.test_browser_pages import WIDTHS, no_sideways_scroll

pytestmark = pytest.mark.browser

PASSWORD = "browser-health-passphrase"
CHECKED = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
LONG_URL = "https://news.example.org/" + "/".join(f"section-{n}-with-a-long-name" for n in range(8)) + "/feed.xml"
FAILURES = {
    "Bot wall": FetchRejected(f"{LONG_URL} answered 403 with a bot-protection challenge page instead of the content",
                              reason="bot_wall"),
    "Robots": RobotsDisallowed("robots.txt of news.example.org disallows https://news.example.org/private/feed"),
    "Gone": FetchGone("https://gone.example.org/rss answered 404", reason="not_found"),
    "Not a feed": ParseError("an HTML page was served where a feed was expected", reason="html_not_feed"),
}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    _need_browser()
    url = f"sqlite:///{tmp_path / 'site.db'}"
    upgrade(url)
    with session_scope(engine_for(url)) as session:
        create_user(session, "editor", PASSWORD)
        healthy = repo.add_source(session, name="Healthy Outlet with a rather long name for a phone")
        feed = repo.add_feed(session, healthy, url=LONG_URL.replace("feed.xml", "ok.xml"), kind="rss")
        feed.last_success_at = feed.last_checked_at = CHECKED
        feed.next_check_at = CHECKED + timedelta(minutes=15)
        for name, error in FAILURES.items():
            source = repo.add_source(session, name=name)
            failing = repo.add_feed(session, source, url=LONG_URL.replace("feed.xml", f"{len(name)}.xml"), kind="rss")
            failing.status, failing.consecutive_failures, failing.last_error = "failing", 3, describe(error)
            failing.last_checked_at, failing.next_check_at = CHECKED, CHECKED + timedelta(hours=2)
    engine_for(url).dispose()
    with served_site(url, tmp_path, NEWSDESK_SECRET_KEY="browser-test-secret") as base:
        yield base


def test_health_page_at_desktop_and_phone_width_without_javascript(served: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, width in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
                page = context.new_page()
                page.goto(f"{served}/admin/login")
                page.fill("input[name=username]", "editor")
                page.fill("input[name=password]", PASSWORD)
                page.click("form.stack button[type=submit]")
                expect(page).to_have_url(f"{served}/admin/comments")
                page.goto(f"{served}/admin/sources")
                page.click("text=Feed health >> nth=0")
                expect(page).to_have_url(f"{served}/admin/health")
                rows = page.locator(".health-table tbody tr")
                expect(rows).to_have_count(len(FAILURES) + 1)
                expect(page.locator(".failure-bot_wall")).to_contain_text("403 from a bot wall")
                expect(page.locator(".failure-robots")).to_contain_text("robots.txt disallows")
                expect(page.locator(".failure-gone")).to_contain_text("404 not found")
                expect(page.locator(".failure-not_a_feed")).to_contain_text("not a feed")
                no_sideways_scroll(page)
                cells = page.eval_on_selector_all(
                    ".health-table td",
                    "cells => cells.map(c => { const r = c.getBoundingClientRect();"
                    " return [r.left, r.right, parseFloat(getComputedStyle(c).fontSize)]; })")
                for left, right, size in cells:
                    assert left >= 0 and right <= width + 0.5, (name, left, right)
                    assert size >= 12, (name, size)
                # words stay whole: a badge, a header, a time is never broken mid-word
                for selector in (".feed-status", ".health-table th", ".health-table time"):
                    broken = page.eval_on_selector_all(
                        selector, "els => els.filter(e => { const w = e.scrollWidth;"
                        " return w > e.getBoundingClientRect().width + 1; }).length")
                    assert broken == 0, (name, selector)
                words = page.eval_on_selector_all(
                    ".feed-status", "els => els.map(e => e.getClientRects().length === 1 &&"
                    " e.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(e).lineHeight || 16))")
                assert all(words), (name, words)
                if name == "phone":  # one card per feed, each value under its label
                    label = page.locator(".health-table td[data-label=Failures]").first.evaluate(
                        "c => getComputedStyle(c, '::before').content")
                    assert label == '"Failures"'
                page.screenshot(path=str(OUTPUT / f"health-{name}.png"), full_page=True)
                context.close()
        finally:
            browser.close()
