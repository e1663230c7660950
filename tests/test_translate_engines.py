"""Engines at their boundary: the LibreTranslate client against a real loopback server, the output
checks every engine passes through, engine selection from settings, and hostile HTML."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdesk.errors import ConfigError, TranslationFailed
from newsdesk.settings import Settings
from newsdesk.translate import ArticleContent, MemoryCache, make_translator, translate_article_content
from newsdesk.translate.base import check_output
from newsdesk.translate.engines.dictionary import DictionaryTranslator
from newsdesk.translate.engines.libretranslate import MAX_BATCH, LibreTranslateTranslator
from newsdesk.translate.engines.local import LocalTranslator
from newsdesk.translate.service import translate_texts
from tests.support.libretranslate import LibreTranslateServer


@pytest.fixture
def server() -> Iterator[LibreTranslateServer]:
    with LibreTranslateServer(api_key="k") as s:
        yield s


def test_libretranslate_batches_and_sends_the_documented_fields(server: LibreTranslateServer) -> None:
    engine = LibreTranslateTranslator(server.url, api_key="k", retries=0)
    texts = [f"Мэр открыл мост номер {i}." for i in range(MAX_BATCH + 5)]
    out = engine.translate(texts, "ru", "en")
    assert out == [DictionaryTranslator().translate_one(t) for t in texts]
    assert len(server.requests) == 2  # count-capped batches
    first = server.requests[0]
    assert first["q"] == texts[:MAX_BATCH] and first["source"] == "ru" and first["target"] == "en"
    assert first["format"] == "text" and first["api_key"] == "k"
    long_texts = ["Мэр открыл мост. " * 100] * 4  # ~1,700 characters each: the character cap splits them
    engine.translate(long_texts, "ru", "en")
    assert [len(r["q"]) for r in server.requests[2:]] == [2, 2]


def test_very_long_texts_reach_the_engine_in_pieces(server: LibreTranslateServer) -> None:
    sentences = " ".join(f"Мэр открыл мост номер {i}." for i in range(200))  # ~5,000 characters
    html = f'<p>Начало. <a href="/all">{sentences}</a></p>'  # one link over 200 sentences: one segment
    engine = LibreTranslateTranslator(server.url, api_key="k", retries=0)
    cache = MemoryCache()
    out = translate_article_content(engine, cache, ArticleContent(title=None, html=html), source="ru", target="en")
    sent = [t for r in server.requests for t in r["q"]]
    assert sent and max(len(t) for t in sent) <= 2000
    link = lxml.html.fragment_fromstring(out.html, create_parent="div").find(".//a")
    assert link is not None and link.get("href") == "/all"
    assert link.text_content().lower().count("bridge opened mayor") == 200
    requests = len(server.requests)
    translate_article_content(engine, cache, ArticleContent(title=None, html=html), source="ru", target="en")
    assert len(server.requests) == requests  # the pieces and the whole are cached


def test_libretranslate_errors_become_translation_failures(server: LibreTranslateServer) -> None:
    with pytest.raises(TranslationFailed) as info:
        LibreTranslateTranslator(server.url, api_key="wrong", retries=0).translate(["Мэр"], "ru", "en")
    assert info.value.reason == "auth" and "Invalid API key" in str(info.value)
    server.requests.clear()
    server.mode = "flaky"  # 500 on every other request: one retry is enough
    engine = LibreTranslateTranslator(server.url, api_key="k", retries=1, backoff=0.01)
    assert engine.translate(["Мэр"], "ru", "en") == ["Mayor"]
    assert engine.requests == 2


def test_single_text_answers_as_a_string_are_accepted() -> None:
    answers: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            answers.append(body)
            status, data = (429, {"error": "slow down"}) if len(answers) == 1 else (200, {"translatedText": "Mayor"})
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        engine = LibreTranslateTranslator(f"http://127.0.0.1:{httpd.server_address[1]}", retries=1, backoff=0.01)
        assert engine.translate(["Мэр"], "ru", "en") == ["Mayor"]
        assert len(answers) == 2 and "api_key" not in answers[0]
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize(
    ("outputs", "reason"),
    [
        ("just a string", "bad_response"),
        (["one"], "wrong_count"),
        (["one", "  "], "empty"),
        (["one", "<p>two</p>"], "html_in_text"),
        (["one", "x" * 500], "runaway"),
    ],
)
def test_garbage_output_is_refused(outputs: object, reason: str) -> None:
    with pytest.raises(TranslationFailed) as info:
        check_output(["Мэр.", "Дума."], outputs, engine="test")
    assert info.value.reason == reason


def test_output_checks_accept_real_answers() -> None:
    assert check_output(["Мэр.", "2024", "a < b"], ["Mayor.", "", "a < b"], engine="t") == ["Mayor.", "", "a < b"]


def test_engine_exceptions_are_retries_and_nothing_bad_is_cached() -> None:
    class Broken(DictionaryTranslator):
        def translate(self, texts: Any, source: str, target: str) -> list[str]:
            raise RuntimeError("model exploded")

    cache = MemoryCache()
    with pytest.raises(TranslationFailed) as info:
        translate_texts(Broken(), ["Мэр открыл мост."], "ru", "en", cache)
    assert info.value.reason == "engine_error" and len(cache) == 0
    texts, stats = translate_texts(DictionaryTranslator(), ["Мэр.", "Мэр.", "2024", " "], "ru", "en", cache)
    assert texts == {"Мэр.": "Mayor.", "2024": "2024"}
    assert (stats.requested, stats.unique, stats.engine_texts, stats.engine_calls) == (4, 1, 1, 1)


def test_make_translator_follows_settings(tmp_path: Any) -> None:
    assert make_translator(Settings(translate_engine="none")) is None
    with pytest.raises(ConfigError):
        make_translator(Settings(translate_engine="libretranslate"))
    libre = make_translator(Settings(translate_engine="libretranslate", libretranslate_url="http://127.0.0.1:9"))
    assert isinstance(libre, LibreTranslateTranslator) and libre.name == "libretranslate:127.0.0.1:9"
    local = make_translator(Settings(translate_engine="local", translate_models_dir=str(tmp_path)))
    assert isinstance(local, LocalTranslator) and not local.supports("ru", "en")
    with pytest.raises(TranslationFailed) as info:
        local.translate(["Мэр"], "ru", "en")
    assert info.value.reason == "no_model" and "translate install ru-en" in str(info.value)


HOSTILE = st.recursive(
    st.sampled_from(["Мэр открыл мост.", " Дума ", "&lt;script&gt;", "a < b & c", "Ким. Чен!", "2024", ""]),
    lambda inner: st.tuples(
        st.sampled_from(["a", "em", "strong", "span", "p", "div", "li", "q", "code", "b", "pre", "table"]),
        st.lists(inner, max_size=4),
    ).map(lambda t: f'<{t[0]}{" href=/x" if t[0] == "a" else ""}>{"".join(t[1])}</{t[0]}>'),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(HOSTILE, min_size=1, max_size=4).map("".join))
def test_any_html_keeps_every_element(html: str) -> None:
    out = translate_article_content(
        DictionaryTranslator(), MemoryCache(), ArticleContent(title=None, html=html), source="ru", target="en"
    ).html

    def tags(fragment: str) -> Counter[str]:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
        return Counter(str(e.tag) for e in root.iter() if isinstance(e.tag, str))

    before, after = tags(html), tags(out)
    assert after["a"] == before["a"]  # links: never lost, never duplicated
    # other elements are all kept; emphasis over several whole sentences is repeated per sentence
    assert set(after) == set(before) and all(after[t] >= n for t, n in before.items())

    def worded_links(fragment: str) -> int:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
        return sum(1 for a in root.iter("a") if any(ch.isalnum() for ch in a.text_content()))

    assert worded_links(out) == worded_links(html)  # no link emptied
    assert "<script" not in out
