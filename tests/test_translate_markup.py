"""Markup survives translation: links and emphasis end up around the translation of their own words.

Every case runs through the deterministic dictionary engine directly and through the
LibreTranslate engine talking to a LibreTranslate-compatible server on 127.0.0.1. The dictionary
engine reverses word order inside each clause, so an element placed by position would land on
the wrong words; the assertions check the words inside each element.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdesk.translate import ArticleContent, MemoryCache, translate_article_content
from newsdesk.translate.base import Translator
from newsdesk.translate.engines.dictionary import RU_EN, DictionaryTranslator
from newsdesk.translate.engines.libretranslate import LibreTranslateTranslator
from newsdesk.translate.markup import prepare_html, split_sentences
from tests.support.libretranslate import LibreTranslateServer

DICT = DictionaryTranslator()


def words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+(?:[-'’]\w+)*", text)}


def translated_words(source_phrase: str) -> set[str]:
    return words(DICT.translate_one(source_phrase))


@pytest.fixture(scope="module")
def libre_server() -> Iterator[LibreTranslateServer]:
    with LibreTranslateServer(api_key="secret") as server:
        yield server


@pytest.fixture(params=["dictionary", "libretranslate"])
def engine(request: pytest.FixtureRequest, libre_server: LibreTranslateServer) -> Iterator[Translator]:
    if request.param == "dictionary":
        yield DictionaryTranslator()
    else:
        client = LibreTranslateTranslator(libre_server.url, api_key="secret", timeout=5, retries=0)
        yield client
        client.close()


def translate(engine: Translator, html: str) -> str:
    result = translate_article_content(
        engine, MemoryCache(), ArticleContent(title=None, html=html), source="ru", target="en"
    )
    return result.html


def elements(html: str, tag: str) -> list[lxml.html.HtmlElement]:
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return list(root.iter(tag))


def assert_wraps(html_out: str, tag: str, source_phrase: str, **attrs: str) -> lxml.html.HtmlElement:
    """There is a ``tag`` element with ``attrs`` whose words are the translation of ``source_phrase``."""
    want = translated_words(source_phrase)
    candidates = [e for e in elements(html_out, tag) if all(e.get(k) == v for k, v in attrs.items())]
    assert candidates, f"no <{tag} {attrs}> in {html_out}"
    got = [words(e.text_content()) for e in candidates]
    assert want in got, f"<{tag} {attrs}> should wrap {want}, wraps {got} in {html_out}"
    return candidates[got.index(want)]


def assert_links_kept(html_in: str, html_out: str) -> None:
    before = Counter((a.get("href"), a.get("rel"), bool(a.get("title"))) for a in elements(html_in, "a"))
    after = Counter((a.get("href"), a.get("rel"), bool(a.get("title"))) for a in elements(html_out, "a"))
    assert before == after, f"links changed:\n{html_in}\n{html_out}"

    def empty(html: str) -> int:
        return sum(1 for a in elements(html, "a") if not a.text_content().strip() and not len(a))

    assert empty(html_out) <= empty(html_in), f"a link was emptied in {html_out}"


KIM = (
    '<p>8 мая северокорейский лидер <a href="/kim" title="Ким">Ким Чен Ын</a> поздравил президента '
    'России. Ранее <a href="/kim2">Ким Чен Ын</a> впервые побывал на публичном мероприятии.</p>'
)


def test_link_in_the_middle_keeps_the_sentence_whole(engine: Translator, libre_server: LibreTranslateServer) -> None:
    seen: list[str] = []
    if isinstance(engine, DictionaryTranslator):
        original = engine.translate

        def spy(texts, source, target):  # type: ignore[no-untyped-def]
            seen.extend(texts)
            return original(texts, source, target)

        engine.translate = spy  # type: ignore[method-assign]
    libre_server.requests.clear()
    out = translate(engine, KIM)
    if isinstance(engine, LibreTranslateTranslator):
        seen = [text for request in libre_server.requests for text in request["q"]]
    assert_links_kept(KIM, out)
    assert_wraps(out, "a", "Ким Чен Ын", href="/kim", title="Kim")  # the tooltip is translated too
    assert_wraps(out, "a", "Ким Чен Ын", href="/kim2")
    # one capital per sentence, not one per piece between links
    text = elements(out, "p")[0].text_content()
    assert text.startswith("Russia president congratulated Yn Chen Kim leader north-korean may 8.")
    assert seen
    if seen:
        assert "8 мая северокорейский лидер Ким Чен Ын поздравил президента России." in seen
        assert not any(t.endswith("лидер") or t.startswith("поздравил") for t in seen)


def test_link_at_start(engine: Translator) -> None:
    html = '<p><a href="/moscow" rel="nofollow">Москва</a> открыла новый мост через реку.</p>'
    out = translate(engine, html)
    assert_links_kept(html, out)
    link = assert_wraps(out, "a", "Москва", href="/moscow", rel="nofollow")
    assert link.text_content() == "moscow"  # the word moved to the end with the reordering
    assert out.endswith("</a>.</p>")


def test_link_at_end(engine: Translator) -> None:
    html = '<p>Мэр открыл новый мост через <a href="/river">реку</a>.</p>'
    out = translate(engine, html)
    assert_links_kept(html, out)
    assert_wraps(out, "a", "реку", href="/river")
    assert out.startswith('<p><a href="/river">River</a>')


def test_nested_emphasis(engine: Translator) -> None:
    html = "<p>Мэр <em>открыл <strong>новый</strong> мост</em> через реку.</p>"
    out = translate(engine, html)
    em = assert_wraps(out, "em", "открыл новый мост")
    strong = em.find("strong")
    assert strong is not None and strong.text_content() == "new"


def test_two_links_in_one_sentence(engine: Translator) -> None:
    html = '<p>Мост открыл мэр, сообщили <a href="/ria">РИА</a> и <a href="/paper">газета</a>.</p>'
    out = translate(engine, html)
    assert_links_kept(html, out)
    assert_wraps(out, "a", "РИА", href="/ria")
    assert_wraps(out, "a", "газета", href="/paper")


def test_link_over_several_words(engine: Translator) -> None:
    html = '<p>Лидер поздравил <a href="/putin">президента Российской Федерации</a> с победой.</p>'
    out = translate(engine, html)
    assert_links_kept(html, out)
    link = assert_wraps(out, "a", "президента Российской Федерации", href="/putin")
    assert words(link.text_content()) == {"president", "russian", "federation"}


def test_whole_sentence_emphasis_and_link_over_two_sentences(engine: Translator) -> None:
    html = (
        '<p><strong>Очень важное решение.</strong> Дума приняла закон. '
        '<a href="/more">Читайте также. Подробнее здесь.</a></p>'
    )
    out = translate(engine, html)
    assert_links_kept(html, out)
    strong = assert_wraps(out, "strong", "Очень важное решение.")
    assert strong.text_content().endswith(".")
    link = assert_wraps(out, "a", "Читайте также. Подробнее здесь.", href="/more")
    assert link.text_content().count(".") == 2


def test_breaks_images_code_and_mixed_containers(engine: Translator) -> None:
    html = (
        '<div>Текст <b>жирный</b><p>Фото <a href="/p"><img src="/i.jpg" alt="x"></a> мэр.</p>хвост</div>'
        '<p>Строка один<br>Строка <a href="/x">два</a></p>'
        "<ul><li>Пункт <code>x = 1 &lt; 2</code> здесь</li></ul><pre>код не трогать</pre>"
    )
    out = translate(engine, html)
    assert_links_kept(html, out)
    assert len(elements(out, "img")) == 1 and elements(out, "img")[0].getparent().get("href") == "/p"
    assert len(elements(out, "br")) == 1
    assert elements(out, "code")[0].text == "x = 1 < 2"
    assert "&lt;" in out and "<pre>код не трогать</pre>" in out
    assert_wraps(out, "b", "жирный")
    assert "data-newsdesk-run" not in out


def test_image_descriptions_and_tooltips_are_translated(engine: Translator) -> None:
    html = (
        '<figure><img src="/m.jpg" alt="Новый мост"><figcaption>Мэр открыл мост.</figcaption></figure>'
        '<p><abbr title="Государственная дума">ГД</abbr> приняла закон.</p><pre title="мост">мост</pre>'
    )
    out = translate(engine, html)
    assert elements(out, "img")[0].get("alt") == "Bridge new"
    assert elements(out, "figcaption")[0].text_content() == "Bridge opened mayor."
    assert elements(out, "abbr")[0].get("title") == "Duma state"
    assert elements(out, "pre")[0].get("title") == "мост"  # skipped elements stay as they are


class TableTranslator:
    """A fake engine at the boundary answering like a real one: fixed translations of whole texts."""

    name = "table"
    max_batch = 50

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    def supports(self, source: str, target: str) -> bool:
        return True

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        return [self.table[t] for t in texts]


def test_links_follow_inflected_and_rephrased_words() -> None:
    """Real engines translate a phrase alone differently from inside its sentence; stems still match."""
    html = (
        '<p>8 мая северокорейский лидер <a href="/kim">Ким Чен Ын</a> поздравил '
        '<a href="/putin">президента Российской Федерации</a>. Ранее он впервые '
        '<a href="/event">побывал на публичном мероприятии</a>.</p>'
    )
    engine = TableTranslator({
        "8 мая северокорейский лидер Ким Чен Ын поздравил президента Российской Федерации.":
            "On May 8, North Korean leader Kim Jong-un congratulated the Russian President.",
        "Ким Чен Ын": "Kim Jong Un",
        "президента Российской Федерации": "President of the Russian Federation",
        "Ранее он впервые побывал на публичном мероприятии.": "Earlier, he appeared at a public event for the first time.",
        "побывал на публичном мероприятии": "attended a public event",
    })
    out = translate_article_content(
        engine, MemoryCache(), ArticleContent(title=None, html=html), source="ru", target="en"
    ).html
    assert out == (
        '<p>On May 8, North Korean leader <a href="/kim">Kim Jong-un</a> congratulated '
        '<a href="/putin">the Russian President</a>. Earlier, he appeared at <a href="/event">a public event</a> '
        "for the first time.</p>"
    )


def test_repeated_text_is_served_from_the_cache() -> None:
    engine = DictionaryTranslator()
    cache = MemoryCache()
    content = ArticleContent(title="Мэр открыл мост", html=KIM, teaser="Мэр открыл новый мост…")
    first = translate_article_content(engine, cache, content, source="ru", target="en")
    calls, texts = engine.calls, engine.texts_seen
    assert first.engine_texts == texts > 0 and first.cache_hits == 0
    second = translate_article_content(engine, cache, content, source="ru", target="en")
    assert (engine.calls, engine.texts_seen) == (calls, texts)  # no engine call at all
    assert second.html == first.html and second.cache_hits == first.engine_texts
    assert first.title == "Bridge opened mayor" and first.teaser == "Bridge new opened mayor…"
    # another engine or language pair is another cache entry
    other = DictionaryTranslator(name="dictionary-2")
    translate_article_content(other, cache, content, source="ru", target="en")
    assert other.calls == 1


def test_sentence_splitter_keeps_abbreviations_and_initials() -> None:
    text = "В. В. Путин прибыл в г. Москву. Он сказал: «Да!» Затем ушёл. Mr. Smith left."
    parts = [text[s:e] for s, e in split_sentences(text)]
    assert parts == ["В. В. Путин прибыл в г. Москву.", "Он сказал: «Да!»", "Затем ушёл.", "Mr. Smith left."]


def test_plan_lists_whole_sentences_and_link_phrases() -> None:
    plan = prepare_html('<p>Мэр открыл <a href="/m">новый мост</a>. Дума приняла закон.</p>')
    assert plan.texts == ["Мэр открыл новый мост.", "новый мост", "Дума приняла закон."]


def test_real_news_bodies_keep_every_link() -> None:
    """Bodies extracted from real news pages (shared AEB dev set): every link survives."""
    import gzip

    from newsdesk.extract import extract_article
    from tests.conftest import shared_path

    pages = sorted(shared_path("bench", "extraction", "aeb-dev", "html").glob("*.html.gz"))[:40]
    total = 0
    for page in pages:
        body = extract_article(gzip.decompress(page.read_bytes()).decode("utf-8", "replace"), None).html
        out = translate(DictionaryTranslator(), body)
        assert_links_kept(body, out)
        total += len(elements(body, "a"))
    assert total > 100  # the sample really has links to keep


VOCAB = sorted(w for w in RU_EN if " " not in w)


@st.composite
def linked_paragraph(draw: st.DrawFn) -> str:
    sentences = []
    for _ in range(draw(st.integers(1, 3))):
        n = draw(st.integers(2, 9))
        tokens = [draw(st.sampled_from(VOCAB)) for _ in range(n)]
        tokens[0] = tokens[0].capitalize()
        spans = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, 3)), max_size=3))
        out, i, link = [], 0, 0
        starts = {s: length for s, length in sorted(spans)}
        while i < n:
            if i in starts:
                length = min(starts[i], n - i)
                tag = draw(st.sampled_from(["a", "em", "strong"]))
                attr = f' href="/l{len(sentences)}-{link}"' if tag == "a" else ""
                link += 1
                out.append(f"<{tag}{attr}>{' '.join(tokens[i : i + length])}</{tag}>")
                i += length
            else:
                out.append(tokens[i])
                i += 1
        sentences.append(" ".join(out) + draw(st.sampled_from([".", "!", "?", ", а также."])))
    return "<p>" + " ".join(sentences) + "</p>"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(linked_paragraph())
def test_no_link_is_lost_duplicated_or_emptied(html: str) -> None:
    out = translate(DictionaryTranslator(), html)
    assert_links_kept(html, out)
    for a in elements(html, "a"):
        assert_wraps(out, "a", a.text_content(), href=a.get("href"))
    assert Counter(e.tag for e in elements(out, "*")) == Counter(e.tag for e in elements(html, "*"))
