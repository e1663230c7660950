"""Translating stored articles: jobs, the database cache, failures recorded and retried, the CLI.

Runs on SQLite and PostgreSQL (``db_url``). Engines are the dictionary engine and the
LibreTranslate engine against a LibreTranslate-compatible server on 127.0.0.1 that can be made
slow, down or garbage-answering.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator, Sequence
from datetime import timedelta

import lxml.html
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from newsdesk.cli import main
from newsdesk.pipeline.translate import translate_article, translate_new_articles, translate_pending
from newsdesk.settings import Settings
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Translation, TranslationCache, TranslationJob, utcnow
from newsdesk.store.translations import DbTranslationCache, retry_delay
from newsdesk.translate.engines.dictionary import DictionaryTranslator
from newsdesk.translate.engines.libretranslate import LibreTranslateTranslator
from newsdesk.translate.languages import attribution, language_name
from tests.support.libretranslate import LibreTranslateServer

BODY = (
    '<p>8 мая северокорейский лидер <a href="/kim">Ким Чен Ын</a> поздравил президента России.</p>'
    '<p>Мэр <em>открыл</em> новый мост через <a href="/river">реку</a>.</p>'
)


def add_article(db_url: str, n: int, *, lang: str = "ru", title: str = "Мэр открыл мост", html: str = BODY) -> int:
    with session_scope(engine_for(db_url)) as session:
        article = Article(
            url=f"https://example.org/{n}",
            canonical_url=f"https://example.org/{n}",
            title=title,
            lang=lang,
            html=html,
            text="",
            teaser="Мэр открыл новый мост…",
            content_hash=f"hash{n}",
        )
        session.add(article)
        session.flush()
        return article.id


def jobs(db_url: str) -> dict[int, TranslationJob]:
    with session_scope(engine_for(db_url)) as session:
        return {job.article_id: job for job in session.scalars(select(TranslationJob))}


def translations(db_url: str) -> dict[int, Translation]:
    with session_scope(engine_for(db_url)) as session:
        return {t.article_id: t for t in session.scalars(select(Translation))}


@pytest.fixture
def server() -> Iterator[LibreTranslateServer]:
    with LibreTranslateServer() as s:
        yield s


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_pending_articles_are_translated_stored_and_cached(db_url: str) -> None:
    first, second = add_article(db_url, 1), add_article(db_url, 2, title="Дума приняла закон")
    english = add_article(db_url, 3, lang="en", title="Already English", html="<p>Hello.</p>")
    engine = DictionaryTranslator()
    db = engine_for(db_url)
    report = translate_pending(db, engine, target_langs=["en"])
    assert (report.done, report.failed, report.jobs_created) == (2, 0, 2)
    stored = translations(db_url)
    assert set(stored) == {first, second} and english not in jobs(db_url)
    row = stored[first]
    assert row.lang == "en" and row.engine == "Newsdesk dictionary test engine"
    assert row.title == "Bridge opened mayor" and row.teaser == "Bridge new opened mayor…"
    root = lxml.html.fragment_fromstring(row.html, create_parent="div")
    assert {a.get("href"): a.text_content() for a in root.iter("a")} == {"/kim": "Yn Chen Kim", "/river": "River"}
    assert row.text.startswith("Russia president congratulated Yn Chen Kim leader north-korean may 8.")
    assert all(job.status == "done" and job.attempts == 1 for job in jobs(db_url).values())
    # both articles shared their body: its sentences reached the engine once
    with session_scope(db) as session:
        cached = session.scalar(select(func.count()).select_from(TranslationCache))
    assert cached == engine.texts_seen

    # a new article with the same body at ingest: only its new title goes to the engine
    seen = engine.texts_seen
    third = add_article(db_url, 4, title="Жители довольны")
    report = translate_pending(db, engine, target_langs=["en"], article_ids=[third])
    assert report.done == 1 and engine.texts_seen - seen == 1
    # the same content again: no engine call at all (the cache is the database)
    calls = engine.calls
    fourth = add_article(db_url, 5, title="Жители довольны")
    assert translate_pending(db, DictionaryTranslator(), target_langs=["en"], article_ids=[fourth]).done == 1
    assert translate_pending(db, engine, target_langs=["en"]).done == 0  # nothing left to do
    assert engine.calls == calls
    assert translations(db_url)[fourth].html == translations(db_url)[third].html


@pytest.mark.parametrize("mode", ["down", "slow", "empty", "wrong_count", "html", "error500"])
def test_failing_engine_keeps_the_article_and_retries_later(
    sqlite_url: str, server: LibreTranslateServer, mode: str
) -> None:
    check_failure_and_retry(sqlite_url, server, mode)


@pytest.mark.parametrize("mode", ["slow", "html"])
def test_failures_and_retries_on_each_backend(db_url: str, server: LibreTranslateServer, mode: str) -> None:
    check_failure_and_retry(db_url, server, mode)


def check_failure_and_retry(db_url: str, server: LibreTranslateServer, mode: str) -> None:
    ids = [add_article(db_url, n, title=f"Мэр открыл мост {n}") for n in range(3)]
    url = closed_port_url() if mode == "down" else server.url
    server.mode, server.delay = mode, 2.0
    engine = LibreTranslateTranslator(url, timeout=0.4, connect_timeout=0.4, retries=1, backoff=0.01)
    db = engine_for(db_url)
    now = utcnow()
    report = translate_pending(db, engine, target_langs=["en"], now=now, batch_articles=2)
    assert report.done == 0 and report.failed >= 1
    state = jobs(db_url)
    failed = [state[i] for i in ids if state[i].status == "failed"]
    assert failed, state
    for job in failed:
        assert job.attempts == 1 and job.last_error and job.next_attempt_at > now
    expected_reason = {"down": "engine_down", "slow": "timeout", "empty": "empty", "wrong_count": "wrong_count",
                       "html": "html_in_text", "error500": "http_500"}[mode]
    assert report.outcomes.get("translate", expected_reason) == report.failed
    if mode in ("down", "slow"):
        # a dead engine stops the run after one batch; the rest stays pending, untouched
        assert report.stopped == expected_reason and report.failed == 2
        assert state[ids[2]].status == "pending" and state[ids[2]].attempts == 0
    else:
        assert report.failed == 3  # garbage is tried article by article, each one recorded
    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 3  # nothing lost
        assert session.scalar(select(func.count()).select_from(Translation)) == 0
        assert session.scalar(select(func.count()).select_from(TranslationCache)) == 0  # no garbage cached
    engine.close()

    # before the retry time, failed jobs are left alone
    requests = len(server.requests)
    if mode not in ("down", "slow"):
        assert translate_pending(db, engine_ok(server), target_langs=["en"], now=now).failed == 0
        assert len(server.requests) == requests
    # once the engine is back and the retry time has come, everything is translated
    server.mode = "ok"
    report = translate_pending(db, engine_ok(server), target_langs=["en"], now=now + timedelta(days=2))
    assert report.done == 3 and report.failed == 0
    assert all(job.status == "done" and job.last_error is None for job in jobs(db_url).values())
    assert set(translations(db_url)) == set(ids)


def engine_ok(server: LibreTranslateServer) -> LibreTranslateTranslator:
    return LibreTranslateTranslator(server.url, timeout=5, retries=0)


class PoisonedEngine(DictionaryTranslator):
    """Answers garbage (an empty string) for any text with the word ``яд`` in it."""

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        out = super().translate(texts, source, target)
        return ["" if "яд" in text.lower() else t for text, t in zip(texts, out, strict=True)]


def test_one_poisoned_article_does_not_fail_its_batch(db_url: str) -> None:
    good = add_article(db_url, 1)
    bad = add_article(db_url, 2, title="Яд в реке")
    report = translate_pending(engine_for(db_url), PoisonedEngine(), target_langs=["en"])
    assert (report.done, report.failed) == (1, 1)
    state = jobs(db_url)
    assert state[good].status == "done"
    assert state[bad].status == "failed" and "empty translation" in (state[bad].last_error or "")


def test_large_runs_go_page_by_page(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import newsdesk.pipeline.translate as pipeline

    monkeypatch.setattr(pipeline, "PAGE", 2)
    ids = [add_article(db_url, n, title=f"Новости {n}") for n in range(5)]
    db = engine_for(db_url)
    with session_scope(db) as session:  # an article whose language became unknown after its job was made
        from newsdesk.store.translations import ensure_jobs

        ensure_jobs(session, ids, ["en"])
        session.get(Article, ids[0]).lang = None  # type: ignore[union-attr]
    progress: list[tuple[int, int]] = []
    report = translate_pending(db, DictionaryTranslator(), target_langs=["en"], batch_articles=1,
                               on_progress=lambda done, total: progress.append((done, total)))
    assert (report.done, report.skipped) == (4, 1) and progress[-1] == (5, 5)
    assert set(jobs(db_url)) == set(ids[1:])  # the job with nothing to translate from is gone


def test_time_limit_leaves_the_rest_pending(db_url: str) -> None:
    ids = [add_article(db_url, n) for n in range(2)]
    engine = DictionaryTranslator()
    report = translate_pending(engine_for(db_url), engine, target_langs=["en"], max_seconds=0)
    assert report.stopped == "time_limit" and report.done == 0 and engine.calls == 0
    assert {j.status for j in jobs(db_url).values()} == {"pending"} and set(jobs(db_url)) == set(ids)
    assert translate_pending(engine_for(db_url), engine, target_langs=["en"], max_seconds=60).done == 2


def test_ingest_hook_uses_the_settings(db_url: str, server: LibreTranslateServer) -> None:
    article_id = add_article(db_url, 1)
    db = engine_for(db_url)
    report = translate_new_articles(db, [article_id], Settings(translate_engine="none"))
    assert report.stopped == "not_configured" and jobs(db_url) == {}
    configured = Settings(translate_engine="libretranslate", libretranslate_url=server.url, target_languages="en,de")
    report = translate_new_articles(db, [article_id], configured)
    assert report.done == 2 and {t.lang for t in _all_translations(db_url)} == {"en", "de"}


def _all_translations(db_url: str) -> list[Translation]:
    with session_scope(engine_for(db_url)) as session:
        return list(session.scalars(select(Translation)))


def test_search_finds_an_article_by_words_of_its_translation(db_url: str) -> None:
    from newsdesk.store.search import search

    article_id = add_article(db_url, 1)
    translate_pending(engine_for(db_url), DictionaryTranslator(), target_langs=["en"])
    with session_scope(engine_for(db_url)) as session:
        assert [hit.article_id for hit in search(session, "congratulated")] == [article_id]


def test_attribution_line() -> None:
    assert attribution("ru", "LibreTranslate (lt.example)") == (
        "Machine-translated from Russian by LibreTranslate (lt.example)"
    )
    assert language_name("pt-BR") == "Portuguese" and language_name("xx") == "xx"


def test_translate_article_in_the_callers_session(db_url: str) -> None:
    article_id = add_article(db_url, 1)
    db = engine_for(db_url)
    with session_scope(db) as session:
        result = translate_article(session, article_id, "en", PoisonedEngine(), DbTranslationCache(session))
    assert result.status == "done" and result.engine_texts > 0
    with session_scope(db) as session:
        result = translate_article(
            session, article_id, "de", LibreTranslateTranslator(closed_port_url(), retries=0, timeout=0.3),
            DbTranslationCache(session),
        )
        skipped = translate_article(session, article_id, "ru", PoisonedEngine(), DbTranslationCache(session))
    assert result.status == "failed" and result.reason == "engine_down"
    assert skipped.status == "skipped" and skipped.reason == "same_language"
    state = {(j.article_id, j.lang): j for j in _all_jobs(db_url)}
    assert state[(article_id, "en")].status == "done" and state[(article_id, "de")].status == "failed"


def _all_jobs(db_url: str) -> list[TranslationJob]:
    with session_scope(engine_for(db_url)) as session:
        return list(session.scalars(select(TranslationJob)))


def test_retry_delay_doubles_and_is_capped() -> None:
    assert [retry_delay(n, base=300, cap=3600).total_seconds() for n in (1, 2, 3, 4, 5)] == [
        300, 600, 1200, 2400, 3600,
    ]


def test_cli_translate_articles(sqlite_url: str, server: LibreTranslateServer) -> None:
    ru = add_article(sqlite_url, 1)
    add_article(sqlite_url, 2, lang="de", title="Neue Brücke", html="<p>Der Bürgermeister sprach.</p>")
    runner = CliRunner()
    env = {"NEWSDESK_DATABASE_URL": sqlite_url, "NEWSDESK_TRANSLATE_ENGINE": "none"}
    result = runner.invoke(main, ["translate", "articles"], env=env)
    assert result.exit_code == 2 and "translation is not set up" in result.output
    env.update(NEWSDESK_TRANSLATE_ENGINE="libretranslate", NEWSDESK_LIBRETRANSLATE_URL=server.url,
               NEWSDESK_TARGET_LANGUAGES="en")
    result = runner.invoke(main, ["translate", "articles", "--lang", "ru", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["done"] == 1
    assert set(translations(sqlite_url)) == {ru}
    result = runner.invoke(main, ["translate", "articles", "--since", "2000-01-01"], env=env)
    assert result.exit_code == 0 and "translated 1, failed 0" in result.output  # the German one
    server.mode = "error500"
    add_article(sqlite_url, 3, title="Новости дня")
    result = runner.invoke(main, ["translate", "articles"], env={**env, "NEWSDESK_TRANSLATE_RETRIES": "0"})
    assert result.exit_code == 1 and "translated 0, failed 1" in result.output
    env["NEWSDESK_TRANSLATE_RETRIES"] = "0"
    result = runner.invoke(main, ["translate", "text", "--from", "ru", "Мэр открыл мост"], env=env)
    assert result.exit_code == 1 and "HTTP 500" in result.output
    result = runner.invoke(main, ["translate", "status"], env=env)
    assert result.exit_code == 0 and "done 2, failed 1" in result.output and "HTTP 500" in result.output
    status = json.loads(runner.invoke(main, ["translate", "status", "--json"], env=env).output)
    assert status["jobs"] == {"done": 2, "failed": 1} and status["failures"][0]["attempts"] == 1
