"""The admin's extraction preview in Chromium, at desktop and phone width: the modes side by side on
a wide screen, stacked on a phone, nothing wider than the screen, no script needed, no CSP error.
A loopback origin serves the outlet; ``newsdesk serve`` runs the site."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.pipeline.crawl import crawl
from newsdesk.pipeline.follow import follow
from newsdesk.settings import load_settings
from newsdesk.store.db import engine_for, session_scope, upgrade
from newsdesk.store.users import create_user
from tests.support.origin import Origin
from tests.support.pages import LOREM
from tests.support.site import served_site
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, _need_browser
from tests.test_extraction_modes import FEED_TEXT, PROMO, serve

pytestmark = pytest.mark.browser

PASSWORD = "browser-test-passphrase"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def site(tmp_path: Path, origin: Origin) -> Iterator[tuple[str, int]]:
    _need_browser()
    url = f"sqlite:///{tmp_path / 'site.db'}"
    upgrade(url)
    serve(origin, 2)
    settings = load_settings(database_url=url, fetch_allow_private_networks=True, fetch_per_host_delay=0.0,
                             extract_workers=1)
    source_id = follow(settings, origin.url("/feed.xml")).source_id
    assert crawl(settings).articles_stored == 2
    with session_scope(engine_for(url)) as session:
        create_user(session, "editor", PASSWORD)
    engine_for(url).dispose()
    with served_site(url, tmp_path, NEWSDESK_SECRET_KEY="browser-test-secret",
                     NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS="true", NEWSDESK_FETCH_PER_HOST_DELAY="0") as base:
        yield base, source_id


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_extraction_preview_at_desktop_and_phone_width(site: tuple[str, int], width: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, source_id = site
    OUTPUT.mkdir(exist_ok=True)
    console: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            w, h = WIDTHS[width]
            page = browser.new_page(viewport={"width": w, "height": h}, locale="en-GB")
            page.on("console", lambda msg: console.append(msg.text))
            page.goto(base + "/admin/login")
            page.fill("input[name=username]", "editor")
            page.fill("input[name=password]", PASSWORD)
            page.click("form.stack button[type=submit]")
            page.goto(base + "/admin/sources")
            page.click(f"a[href='/admin/sources/{source_id}/extraction']")
            page.check("input[name=mode][value=rules]")
            page.fill("input[name=body_selector]", ".story-body")
            page.fill("textarea[name=drop_selectors]", ".promo")
            page.click("button[value=preview]")

            previews = page.locator(".preview-page")
            expect(previews).to_have_count(2)
            first = previews.first
            expect(first.locator(".preview-mode[data-mode=rules]")).to_contain_text(LOREM[1][:40])
            expect(first.locator(".preview-mode[data-mode=rules]")).not_to_contain_text(PROMO[:30])
            expect(first.locator(".preview-mode[data-mode=feed]")).to_contain_text(FEED_TEXT[:40])
            expect(first.locator(".preview-mode[data-mode=auto]")).to_contain_text(LOREM[1][:40])
            expect(first.locator(".preview-mode.chosen h4")).to_have_text("rules (chosen)")
            expect(page.locator("input[name=body_selector]")).to_have_value(".story-body")  # typed, kept

            boxes = [first.locator(f".preview-mode[data-mode={m}]").bounding_box() for m in ("auto", "feed", "rules")]
            assert all(box is not None for box in boxes)
            tops = {round(box["y"]) for box in boxes if box}
            if width == "desktop":
                assert len(tops) == 1, boxes  # side by side
            else:
                assert len(tops) == 3, boxes  # stacked
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"the page is {overflow}px wider than the {width} screen"
            page.screenshot(path=str(OUTPUT / f"extraction-preview-{width}.png"), full_page=True)
        finally:
            browser.close()
    assert not [m for m in console if "Content Security Policy" in m], console
