"""The reader site in a real browser at desktop (1280 px) and phone (390 px) widths.

Playwright drives Debian's Chromium against ``newsdesk serve`` on 127.0.0.1. An English article
read by a Russian reader carries the "no translation" notice (and, for a signed-in admin, the
set-up steps in ``<code>``): the page never scrolls sideways. The search page's language select
shows "Any language" whole and is the page's only search form; the 404 status is not drawn as the
admin's green badge; the favicon answers. Screenshots go to ``test-output/pages-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsdesk.store.db import engine_for, session_scope, upgrade
from newsdesk.store.users import create_user
from tests.support.site import served_site
from tests.support.webdata import TranslatedWorld, seed_translated
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, _need_browser

pytestmark = pytest.mark.browser

PASSWORD = "browser-pages-passphrase"
WIDTHS = {"desktop": 1280, "phone": 390}

# The select's own width, and the width it takes when left to size itself to its longest option
# (Chromium reports a select's scrollWidth equal to its clientWidth even when the text is cut).
SELECT_WIDTHS = """sel => {
  const free = sel.cloneNode(true);
  Object.assign(free.style, {width: "auto", minWidth: "0", maxWidth: "none", position: "absolute",
                             visibility: "hidden"});
  document.body.appendChild(free);
  const needed = free.offsetWidth;
  free.remove();
  return {scroll: sel.scrollWidth, client: sel.clientWidth, offset: sel.offsetWidth, needed: needed};
}"""
BADGE = "el => { const s = getComputedStyle(el); return [s.backgroundColor, parseFloat(s.fontSize)]; }"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, TranslatedWorld]]:
    _need_browser()
    url = f"sqlite:///{tmp_path / 'site.db'}"
    upgrade(url)
    world = seed_translated(url)
    with session_scope(engine_for(url)) as session:
        create_user(session, "editor", PASSWORD)
    engine_for(url).dispose()
    with served_site(url, tmp_path, NEWSDESK_SECRET_KEY="browser-test-secret",
                     NEWSDESK_TARGET_LANGUAGES="en") as base:
        yield base, world


def no_sideways_scroll(page: Any) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url}: the page is {scroll} px wide in a {inner} px window"


def test_reader_pages_at_desktop_and_phone_width(served: tuple[str, TranslatedWorld]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, world = served
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, width in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": 900}, locale="ru-RU",
                                              extra_http_headers={"Accept-Language": "ru"})
                page = context.new_page()

                # an English article read in Russian: plain reader words, no operator instructions
                article = f"{base}/article/{world.en_article}"
                page.goto(article)
                notice = page.locator(".notice.not-translated")
                expect(notice).to_contain_text("No Russian translation of this article; "
                                               "read the original in English below.")
                expect(notice.locator("code")).to_have_count(0)
                assert "`" not in notice.inner_text()
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"pages-article-{name}.png"), full_page=True)

                # the search page: one search form, the language select's text whole
                page.goto(f"{base}/search?q=harbour")
                expect(page.locator("[role=search]")).to_have_count(1)
                expect(page.locator(".searchbox")).to_have_count(0)
                for select in ("lang", "source"):
                    sizes = page.locator(f".search-form select[name={select}]").evaluate(SELECT_WIDTHS)
                    assert sizes["scroll"] <= sizes["client"], (name, select, sizes)
                    assert sizes["offset"] >= sizes["needed"], (name, select, sizes)
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"pages-search-{name}.png"), full_page=True)

                # the 404 page: its status is big and red, not the admin's green badge
                response = page.goto(f"{base}/no/such/page")
                assert response is not None and response.status == 404
                status = page.locator(".error-page .error-status")
                expect(status).to_have_text("404")
                background, size = status.evaluate(BADGE)
                assert background == "rgba(0, 0, 0, 0)" and size >= 48, (background, size)
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"pages-404-{name}.png"), full_page=True)

                # the favicon, linked and at the address browsers ask for anyway
                href = page.locator("link[rel=icon]").get_attribute("href")
                for path in (href, "/favicon.ico"):
                    icon = context.request.get(base + str(path))
                    assert icon.status == 200 and icon.headers["content-type"] == "image/svg+xml", path
                    assert "max-age=" in icon.headers["cache-control"], path

                # a signed-in admin sees the set-up steps, marked up, for the pair en-ru
                page.goto(f"{base}/admin/login")
                page.fill("input[name=username]", "editor")
                page.fill("input[name=password]", PASSWORD)
                page.click("form.stack button[type=submit]")
                expect(page).to_have_url(f"{base}/admin/comments")
                page.goto(f"{base}/admin/sources")
                badge = page.locator(".feed-status").first
                assert badge.evaluate(BADGE)[0] == "rgb(230, 244, 234)"  # the admin's badge, kept
                page.goto(article)
                hint = page.locator(".notice.not-translated .admin-hint")
                expect(hint.locator("code", has_text="newsdesk translate install en-ru")).to_have_count(1)
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"pages-article-admin-{name}.png"), full_page=True)
                context.close()
        finally:
            browser.close()
