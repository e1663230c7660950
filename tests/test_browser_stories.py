"""Stories in a real browser at desktop (1280 px) and phone (390 px) widths.

Playwright drives Debian's Chromium against ``newsdesk serve`` on 127.0.0.1 over the stories of
``tests/support/storydata.py``: the front page leads with the top stories (headline, "N outlets ·
M languages", the first outlets), a card leads to its story page, whose timeline, reprints,
language and country split and blindspot line show; nothing scrolls sideways; the article page's
"Full coverage" link goes back to the story. Screenshots go to ``test-output/stories-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.store.db import engine_for, upgrade
from tests.support.site import served_site
from tests.support.storydata import FERRY_EN, FISHERS_RU, StoryWorld, seed_stories
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, _need_browser
from tests.test_browser_pages import WIDTHS, no_sideways_scroll

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, StoryWorld]]:
    _need_browser()
    url = f"sqlite:///{tmp_path / 'site.db'}"
    upgrade(url)
    world = seed_stories(url)
    engine_for(url).dispose()
    # The server runs on the real clock: top stories are ranked against the newest story's time
    # (never later than now), so the seeded stories rank the same on any day after they were written.
    with served_site(url, tmp_path, NEWSDESK_SECRET_KEY="browser-test-secret", NEWSDESK_TARGET_LANGUAGES="en") as base:
        yield base, world


def test_top_stories_and_story_page_at_desktop_and_phone_width(served: tuple[str, StoryWorld]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, world = served
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, width in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB",
                                              extra_http_headers={"Accept-Language": "en"})
                page = context.new_page()

                page.goto(base + "/")
                cards = page.locator(".top-stories .story-card")
                expect(cards.first.locator(".headline")).to_have_text(FERRY_EN)
                expect(cards.first.locator(".coverage-count")).to_contain_text("5 outlets · 2 languages")
                expect(cards.first.locator(".outlets")).to_contain_text("Вестник, Северная правда")
                fishers = page.locator(".story-card", has_text=FISHERS_RU)
                expect(fishers.locator(".translated-mark")).to_contain_text("Russian")
                for i in range(cards.count()):  # every card fits in the window
                    box = cards.nth(i).bounding_box()
                    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (name, i, box)
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"stories-front-{name}.png"), full_page=True)

                cards.first.locator(".headline a").click()
                expect(page).to_have_url(f"{base}/story/{world.stories['ferry']}")
                expect(page.locator("h1")).to_have_text(FERRY_EN)
                expect(page.locator(".first-reported")).to_contain_text("First reported by Вестник")
                expect(page.locator(".timeline-item")).to_have_count(4)
                reprints = page.locator(".timeline-item").first.locator("details.reprints")
                expect(reprints.locator("summary")).to_have_text("Reprinted by 1 more outlet")
                reprints.locator("summary").click()
                expect(reprints.locator("a")).to_have_text("Северная правда")
                expect(page.locator(".split").first).to_contain_text("English")
                expect(page.locator(".split").nth(1)).to_contain_text("United Kingdom")
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"stories-story-{name}.png"), full_page=True)

                # an article of the story links back to its full coverage
                page.locator(".timeline-item .headline a").nth(1).click()
                expect(page).to_have_url(f"{base}/article/{world.articles['ferry_en']}")
                page.locator(".full-coverage a").click()
                expect(page).to_have_url(f"{base}/story/{world.stories['ferry']}")

                page.goto(f"{base}/story/{world.stories['fishers']}")
                expect(page.locator(".blindspot")).to_have_text("Reported only by Russian-language outlets")
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"stories-blindspot-{name}.png"), full_page=True)

                response = page.goto(f"{base}/story/{world.stories['merged']}")  # merged: redirected
                assert response is not None and response.status == 200
                expect(page).to_have_url(f"{base}/story/{world.stories['ferry']}")
                context.close()
        finally:
            browser.close()
