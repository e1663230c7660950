"""One spelling per wire and outlet; a closing "Source: X" line is where the text came from, not a citation."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from newsdesk.cli import main
from newsdesk.extract.article import extract_article
from newsdesk.extract.citations import OUTLET_ALIASES, canonical_source, cited_wires, known_outlet
from newsdesk.settings import load_settings
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.queries import get_article
from newsdesk.store.repo import insert_article
from newsdesk.store.schema import Source
from newsdesk.web.app import create_app
from tests.test_extract import RU_PARAGRAPHS, page

EN_PARAGRAPHS = [
    "The central bank raised its key interest rate by half a point on Thursday, Reuters reported, citing "
    "two people familiar with the decision who asked not to be named.",
    "Officials told AP News that further increases were possible if inflation stays high through the "
    "winter months, a view shared by most private economists.",
    "Markets had largely expected the move, and the currency was little changed in afternoon trading "
    "in the capital, according to data compiled by analysts.",
]


@pytest.mark.parametrize(("written", "canonical"), [
    ("AP", "Associated Press"), ("The Associated Press", "Associated Press"), ("(AP)", "Associated Press"),
    ("Associated Press", "Associated Press"), ("Reuters", "Reuters"), ("Рейтер", "Reuters"),
    ("AFP", "AFP"), ("Agence France-Presse", "AFP"), ("Франс Пресс", "AFP"),
    ("РИА Новости", "RIA Novosti"), ("RIA News", "RIA Novosti"), ("RIA-Novosti", "RIA Novosti"),
    ("ТАСС", "TASS"), ("ИТАР-ТАСС", "TASS"), ("Интерфакс", "Interfax"),
    ("Газета.Ru", "Gazeta.Ru"), ("Gazeta.ru", "Gazeta.Ru"), ("Gazeta", "Gazeta.Ru"), ("«Газета.Ru»", "Gazeta.Ru"),
    ("Газета.ру", "Gazeta.Ru"), ("GAZETA.RU", "Gazeta.Ru"),
])
def test_every_spelling_has_one_canonical_name(written: str, canonical: str) -> None:
    assert canonical_source(written) == canonical


def test_unknown_names_are_kept_tidied() -> None:
    assert canonical_source("  «Вечерний   Вестник» ") == "Вечерний Вестник"
    assert canonical_source("Example (UK)") == "Example (UK)"
    assert known_outlet("Вечерний Вестник") is None


def test_the_alias_table_names_each_spelling_once() -> None:
    seen: dict[str, str] = {}
    for canonical, aliases in OUTLET_ALIASES.items():
        for alias in (canonical, *aliases):
            assert canonical_source(alias) == canonical, alias
            assert seen.setdefault(alias.casefold(), canonical) == canonical, alias


def test_running_text_wires_use_the_canonical_names() -> None:
    text = "Об этом сообщает Газета.Ru со ссылкой на РИА Новости; позже новость подтвердил ТАСС."
    assert cited_wires(text) == ["RIA Novosti", "TASS", "Gazeta.Ru"]
    assert cited_wires("Officials told AP News and The Associated Press.") == ["Associated Press"]


def test_closing_source_line_is_the_text_source_not_a_citation() -> None:
    article = extract_article(page(RU_PARAGRAPHS, after="<p>Источник: Газета.Ru</p>"), "https://vestnik.example/1")
    assert article.text_sources == ("Gazeta.Ru",)
    assert "Gazeta.Ru" not in article.cited_sources and "Газета.Ru" not in article.cited_sources
    assert "RIA Novosti" in article.cited_sources  # named in the running text
    assert "Источник" not in article.text


def test_closing_source_line_in_english_after_a_line_break() -> None:
    last = EN_PARAGRAPHS[-1] + "<br>Source: Gazeta"
    article = extract_article(page([*EN_PARAGRAPHS[:-1], last], title="Rates rise", lang="en"),
                              "https://news.example/rates")
    assert article.text_sources == ("Gazeta.Ru",)
    assert set(article.cited_sources) == {"Reuters", "Associated Press"}
    assert "Source:" not in article.text and "Source:" not in article.html


def test_source_line_followed_by_text_is_a_citation() -> None:
    paragraphs = [EN_PARAGRAPHS[0], "Source: AFP", *EN_PARAGRAPHS[1:]]
    article = extract_article(page(paragraphs, title="Rates rise", lang="en"), "https://news.example/rates")
    assert article.text_sources == ()
    assert "AFP" in article.cited_sources
    assert "Source:" not in article.text


def test_several_closing_outlets_are_kept_in_order() -> None:
    article = extract_article(page(EN_PARAGRAPHS, title="Rates rise", lang="en", after="<p>Sources: AP, Reuters</p>"),
                              "https://news.example/rates")
    assert article.text_sources == ("Associated Press", "Reuters")


def test_site_name_of_a_known_outlet_is_canonical() -> None:
    head = '<meta property="og:site_name" content="Газета.Ru">'
    article = extract_article(page(RU_PARAGRAPHS, head=head), "https://www.gazeta.example/1")
    assert article.site_name == "Gazeta.Ru"
    other = extract_article(page(RU_PARAGRAPHS, head='<meta property="og:site_name" content="Вестник">'),
                            "https://vestnik.example/2")
    assert other.site_name == "Вестник"


def test_text_sources_are_stored_exported_and_shown(db_url: str) -> None:
    extracted = extract_article(page(RU_PARAGRAPHS, after="<p>Источник: Газета.Ru</p>"), "https://vestnik.example/1")
    engine = engine_for(db_url)
    with session_scope(engine) as session:
        source = Source(name="Вестник")
        session.add(source)
        session.flush()
        article_id = insert_article(session, extracted=extracted, url="https://vestnik.example/1",
                                    canonical_url="https://vestnik.example/1", other_urls=(),
                                    content_hash="0" * 64, source_id=source.id).id
    with session_scope(engine) as session:
        detail = get_article(session, article_id)
        assert detail is not None
        assert detail.text_sources == ("Gazeta.Ru",)
        assert "Gazeta.Ru" not in detail.cited_sources
    result = CliRunner().invoke(main, ["--db", db_url, "export"])
    assert result.exit_code == 0, result.output
    exported = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert exported[0]["text_sources"] == ["Gazeta.Ru"]
    with TestClient(create_app(load_settings(database_url=db_url, secret_key="test-secret"))) as client:
        html = client.get(f"/article/{article_id}").text
        assert re.search(r'<span class="label">Text from</span> <span class="cite">Gazeta.Ru</span>', html)
        assert client.get(f"/api/v1/articles/{article_id}").json()["text_sources"] == ["Gazeta.Ru"]
