"""A translated article in a real browser: the notice, "Read the original", and the language switcher.

Chromium (driven by Playwright) asks for English; the Russian article arrives in its English
translation with "Machine-translated from Russian by tiny-mt". "Read the original" shows the
Russian text marked ``lang="ru"``; a pick in the language switcher (a plain link that sets a
cookie) holds on the next visit though the browser still asks for English. A screenshot goes to
``test-output/translated-article.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.store.db import engine_for, upgrade
from tests.support.site import served_site
from tests.support.webdata import EN_TITLE, RU_TITLE, TranslatedWorld, seed_translated
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, _need_browser

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, TranslatedWorld]]:
    _need_browser()
    url = f"sqlite:///{tmp_path / 'site.db'}"
    upgrade(url)
    world = seed_translated(url)
    engine_for(url).dispose()
    with served_site(url, tmp_path, NEWSDESK_SECRET_KEY="browser-test-secret",
                     NEWSDESK_TARGET_LANGUAGES="en") as base:
        yield base, world


def test_translated_article_and_its_original(served: tuple[str, TranslatedWorld]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, world = served
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                    extra_http_headers={"Accept-Language": "en-GB,en;q=0.9"})
            # the front page lists the translation, marked
            page.goto(base + "/")
            item = page.locator("article.teaser", has_text=EN_TITLE)
            expect(item.locator(".headline")).to_have_attribute("lang", "en")
            expect(item.locator(".translated-mark")).to_contain_text("translated from Russian")
            page.screenshot(path=str(OUTPUT / "translated-front.png"), full_page=True)
            item.locator(".headline a").click()

            title = page.locator("h1.story-title")
            expect(title).to_have_text(EN_TITLE)
            expect(title).to_have_attribute("lang", "en")
            expect(page.locator(".notice.translated")).to_contain_text("Machine-translated from Russian by tiny-mt")
            expect(page.locator(".story-body figcaption")).to_have_text("The ferry at the pier")
            page.screenshot(path=str(OUTPUT / "translated-article.png"), full_page=True)

            page.get_by_role("link", name="Read the original", exact=True).click()
            expect(title).to_have_text(RU_TITLE)
            expect(title).to_have_attribute("lang", "ru")
            body = page.locator(".story-body")
            expect(body).to_have_attribute("lang", "ru")
            expect(body).to_contain_text("Паром у причала")
            expect(page.locator(".notice.translated")).to_have_count(0)
            assert page.url.endswith(f"/article/{world.ru_translated}?lang=original")
            page.screenshot(path=str(OUTPUT / "original-article.png"), full_page=True)

            # the switcher's plain links set a cookie: the choice holds on later visits without ?lang=
            page.locator("nav.langs a[hreflang=en]").click()
            expect(title).to_have_text(EN_TITLE)
            page.locator("nav.langs a[hreflang=ru]").click()
            expect(title).to_have_text(RU_TITLE)
            assert page.url.endswith(f"/article/{world.ru_translated}")
            page.goto(base + f"/article/{world.ru_translated}")  # the browser still asks for English
            expect(title).to_have_attribute("lang", "ru")
            expect(page.locator("nav.langs strong")).to_have_attribute("lang", "ru")
        finally:
            browser.close()
