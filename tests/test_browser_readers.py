"""A reader's pages in Chromium at desktop (1280 px) and phone (390 px) widths: My feed with its
unread toggle, j/k moving the selection, m marking read and unread and s starring through the
item's own form (the unread count changes, after a reload too); keyboard reading on the public
lists (o opens, / searches, ? shows the keys in a dialog), a remapped key that
works and the defaults back, the filter rules page with a preview, a rule added, applied and
deleted (the articles come back), a bad expression refused with the reason; and, with JavaScript
off, the same pages doing their job through their forms (mark read with the button). Screenshots go to
``test-output/readers-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsdesk.store import reading
from newsdesk.store.db import engine_for, session_scope, upgrade
from newsdesk.store.schema import Article
from newsdesk.store.users import create_user
from tests.support.site import served_site
from tests.support.webdata import Seeded, seed_articles
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, _need_browser

pytestmark = pytest.mark.browser

PASSWORD = "reader-browser-passphrase"
WIDTHS = {"desktop": 1280, "phone": 390}
MARKED = 3  # articles whose title carries the word a rule is tried with


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Seeded]]:
    _need_browser()
    url = f"sqlite:///{tmp_path / 'site.db'}"
    upgrade(url)
    seeded = seed_articles(url, 12, sources=2)
    with session_scope(engine_for(url)) as session:
        ann = create_user(session, "ann", PASSWORD, role="reader").id
        for source_id in seeded.source_ids:
            reading.subscribe(session, ann, source_id, folder="News")
        for article_id in seeded.article_ids[:MARKED]:
            article = session.get(Article, article_id)
            assert article is not None
            article.title = f"Quokka sighting: {article.title}"
    engine_for(url).dispose()
    with served_site(url, tmp_path, NEWSDESK_SECRET_KEY="browser-readers-secret") as base:
        yield base, seeded


def log_in(page: Any, base: str, then: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/login?next={then}")
    page.fill("input[name=username]", "ann")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    expect(page).to_have_url(f"{base}{then}")


def no_sideways_scroll(page: Any) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url}: the page is {scroll} px wide in a {inner} px window"


def selected_index(page: Any) -> int:
    return int(page.evaluate(
        "Array.from(document.querySelectorAll('#main article.teaser')).findIndex(e => e.classList.contains('is-selected'))"))


def test_keys_and_rules_at_desktop_and_phone_width(served: tuple[str, Seeded]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, seeded = served
    source = f"{base}/source/{seeded.source_ids[0]}"
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        errors: list[str] = []  # script errors on any page, at any width
        try:
            for name, width in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
                page = context.new_page()
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                log_in(page, base, "/my/keys")

                # the keys on a public list: j/k move the selection, ? shows them, / searches, o opens
                page.goto(source)
                assert selected_index(page) == -1
                page.keyboard.press("j")
                assert selected_index(page) == 0
                page.keyboard.press("j")
                page.keyboard.press("j")
                assert selected_index(page) == 2
                page.keyboard.press("k")
                assert selected_index(page) == 1
                expect(page.locator("#main article.teaser.is-selected")).to_have_attribute("aria-current", "true")
                page.keyboard.press("?")
                dialog = page.get_by_role("dialog", name="Keyboard keys")
                expect(dialog).to_be_visible()
                expect(dialog.locator("tbody tr")).to_have_count(7)
                expect(dialog.locator("tbody tr").first).to_contain_text("Next item")
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"readers-keys-help-{name}.png"))
                page.keyboard.press("Escape")
                expect(dialog).to_be_hidden()
                page.keyboard.press("/")
                assert page.evaluate("document.activeElement.type") == "search"
                page.keyboard.press("j")  # typing in the search box is typing, not a key
                assert page.input_value("input[type=search]") == "j"
                page.evaluate("document.activeElement.blur()")
                page.keyboard.press("k")  # k from the search box: the selection is where it was
                assert selected_index(page) == 0
                href = page.locator("#main article.teaser.is-selected .headline a").get_attribute("href")
                page.keyboard.press("o")
                expect(page).to_have_url(f"{base}{href}")

                # a remapped key: "n" for next; "j" then does nothing
                page.goto(f"{base}/my/keys")
                page.fill("#key-next", "n")
                page.click("text=Save keys")
                expect(page.locator(".notice[role=status]")).to_have_text("Your keys are saved.")
                expect(page.locator("#key-next")).to_have_value("n")
                page.goto(source)
                page.keyboard.press("j")
                assert selected_index(page) == -1
                page.keyboard.press("n")
                page.keyboard.press("n")
                assert selected_index(page) == 1
                page.keyboard.press("?")
                expect(page.get_by_role("dialog").locator("tbody tr").first.locator("kbd")).to_have_text("n")
                page.keyboard.press("Escape")

                # a duplicate is refused with the reason; the defaults come back with one button
                page.goto(f"{base}/my/keys")
                page.fill("#key-star", "m")
                page.click("text=Save keys")
                expect(page.locator(".notice.error")).to_contain_text("The key 'm' is given to both Mark read / unread and Star")
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"readers-keys-{name}.png"), full_page=True)
                page.click("text=Back to the defaults")
                expect(page.locator("#key-next")).to_have_value("j")
                expect(page.locator("#key-star")).to_have_value("s")

                # the rules page: preview, add and apply, delete brings the articles back
                page.goto(f"{base}/my/rules")
                page.fill("input[name=pattern]", "quokka")
                page.click("button[value=preview]")
                preview = page.locator(".rule-preview")
                expect(preview.locator(".preview-count")).to_contain_text(
                    f"{MARKED} of your newest 12 articles would be hidden")
                expect(preview.locator(".preview-list.blocked li")).to_have_count(MARKED)
                expect(page.locator("input[name=pattern]")).to_have_value("quokka")  # the form as typed
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"readers-rules-preview-{name}.png"), full_page=True)
                page.check("input[name=apply_existing]")
                page.click("button[value=add]")
                expect(page.locator(".notice[role=status]")).to_contain_text(f"It hid {MARKED} articles already here")
                expect(page.locator(".rule")).to_have_count(1)
                expect(page.locator(".rule .rule-meta")).to_have_text(f"Hides {MARKED} articles now")
                page.fill("input[name=pattern]", "(unclosed")
                page.check("input[name=is_regex]")
                page.click("button[value=preview]")
                expect(page.locator("#rule-error")).to_contain_text("Not a valid regular expression")
                expect(page.locator("input[name=pattern]")).to_have_attribute("aria-invalid", "true")
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"readers-rules-{name}.png"), full_page=True)
                page.click(".rule button:has-text('Delete')")
                expect(page.locator(".notice[role=status]")).to_have_text(
                    f"Rule deleted: {MARKED} articles are back in your feed.")
                expect(page.locator(".rule")).to_have_count(0)
                assert errors == [], errors
                context.close()
        finally:
            browser.close()


def unread_total(page: Any) -> int:
    return int(page.locator("[data-unread=total]").inner_text())


def test_my_feed_with_keys_at_desktop_and_phone_width(served: tuple[str, Seeded]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, seeded = served
    total = len(seeded.article_ids)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, width in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
                page = context.new_page()
                log_in(page, base, "/my")
                items = page.locator("#main article.teaser")
                expect(page.locator("[data-unread=total]")).to_have_text(str(total))
                # the unread toggle: all shows the read ones too, unread only the unread
                page.click("text=Show all")
                expect(page).to_have_url(f"{base}/my?state=all")
                page.click("text=Show unread only")
                expect(page).to_have_url(f"{base}/my?state=unread")
                first = items.nth(0).locator(".headline a").inner_text()
                second = items.nth(1).locator(".headline a").inner_text()
                # j selects, m marks read through the item's own form: after the reload the count
                # is one less, the read item has left the unread list and the next one is selected
                page.keyboard.press("j")
                assert selected_index(page) == 0
                page.keyboard.press("m")
                expect(page.locator("[data-unread=total]")).to_have_text(str(total - 1))
                expect(page.locator("#main article.teaser .headline a", has_text=first)).to_have_count(0)
                expect(page.locator("#main article.teaser.is-selected .headline a")).to_have_text(second)
                page.reload()
                expect(page.locator("[data-unread=total]")).to_have_text(str(total - 1))
                # s stars the selected item (and it stays selected after the reload)
                page.keyboard.press("j")
                page.keyboard.press("s")
                selected = page.locator("#main article.teaser.is-selected")
                expect(selected.locator(".starred")).to_have_text("★ starred")
                expect(selected.locator(".headline a")).to_have_text(second)
                page.keyboard.press("s")  # and unstars it
                expect(page.locator("#main article.teaser.is-selected .headline a")).to_have_text(second)
                expect(page.locator("#main .starred")).to_have_count(0)
                page.keyboard.press("?")
                expect(page.get_by_role("dialog", name="Keyboard keys")).to_be_visible()
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"readers-my-help-{name}.png"), full_page=True)
                page.keyboard.press("Escape")
                # the read one is back with "Show all", and m on it marks it unread again
                page.goto(f"{base}/my?state=all")
                read_item = page.locator("#main article.teaser.is-read")
                expect(read_item).to_have_count(1)
                index = int(read_item.evaluate(
                    "e => Array.from(document.querySelectorAll('#main article.teaser')).indexOf(e)"))
                for _ in range(index + 1):
                    page.keyboard.press("j")
                page.keyboard.press("m")
                expect(page.locator("[data-unread=total]")).to_have_text(str(total))
                expect(page.locator("#main article.teaser.is-read")).to_have_count(0)
                no_sideways_scroll(page)
                page.screenshot(path=str(OUTPUT / f"readers-my-{name}.png"), full_page=True)
                context.close()
        finally:
            browser.close()


def test_the_pages_work_without_javascript(served: tuple[str, Seeded]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, seeded = served
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 900}, java_script_enabled=False)
            page = context.new_page()
            log_in(page, base, "/my")
            total = unread_total(page)
            page.locator("#main article.teaser").first.locator("button[value=read]").click()
            expect(page.locator("[data-unread=total]")).to_have_text(str(total - 1))
            page.reload()
            expect(page.locator("[data-unread=total]")).to_have_text(str(total - 1))
            page.keyboard.press("j")  # no script: the list is a plain list
            expect(page.locator(".is-selected")).to_have_count(0)
            page.goto(f"{base}/my/keys")
            page.fill("#key-open", "v")
            page.click("text=Save keys")
            expect(page.locator("#key-open")).to_have_value("v")
            page.goto(f"{base}/my/rules")
            page.fill("input[name=pattern]", "quokka")
            page.click("button[value=preview]")
            expect(page.locator(".preview-list.blocked li")).to_have_count(MARKED)
            page.click("button[value=add]")
            expect(page.locator(".rule")).to_have_count(1)
            page.click(".rule button:has-text('Apply')")
            expect(page.locator(".notice[role=status]")).to_have_text(f"Applied: {MARKED} more articles hidden.")
            page.click(".rule button:has-text('Delete')")
            expect(page.locator(".rule")).to_have_count(0)
            context.close()
        finally:
            browser.close()
