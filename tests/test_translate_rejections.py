"""A language pair the engine cannot translate is a permanent rejection, recorded once.

Runs on SQLite and PostgreSQL (``db_url``), with the offline dictionary engine narrowed to the
pairs a test allows, and through the CLI with the local engine and no installed model.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from newsdesk.cli import main
from newsdesk.pipeline.translate import translate_article, translate_pending
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import TranslationJob, utcnow
from newsdesk.store.translations import DbTranslationCache
from newsdesk.translate.engines.dictionary import DictionaryTranslator
from tests.test_translate_pipeline import add_article


class NarrowEngine(DictionaryTranslator):
    """The dictionary engine, able to translate only the given pairs (like a LibreTranslate
    server or a local install that lacks a model)."""

    def __init__(self, pairs: set[tuple[str, str]]) -> None:
        super().__init__()
        self.pairs = pairs

    def supports(self, source: str, target: str) -> bool:
        return (source, target) in self.pairs


def job_states(db_url: str) -> dict[int, TranslationJob]:
    with session_scope(engine_for(db_url)) as session:
        return {job.article_id: job for job in session.scalars(select(TranslationJob))}


def test_an_unsupported_pair_is_rejected_once_and_not_retried(db_url: str) -> None:
    ru = add_article(db_url, 1)
    de = add_article(db_url, 2, lang="de", title="Neue Brücke", html="<p>Der Bürgermeister sprach.</p>")
    db = engine_for(db_url)
    engine = NarrowEngine({("ru", "en")})
    now = utcnow()

    first = translate_pending(db, engine, target_langs=["en"], now=now)
    assert (first.done, first.failed, first.rejected) == (1, 0, 1)
    assert first.outcomes.get("translate", "unsupported_pair") == 1
    state = job_states(db_url)
    assert state[ru].status == "done"
    rejected = state[de]
    assert rejected.status == "rejected" and rejected.attempts == 1 and rejected.next_attempt_at is None
    assert "cannot translate de-en" in (rejected.last_error or "")

    # long after any retry time, the rejection is not tried again (nor counted again)
    calls = engine.calls
    later = translate_pending(db, engine, target_langs=["en"], now=now + timedelta(days=60))
    assert (later.done, later.failed, later.rejected) == (0, 0, 0)
    assert job_states(db_url)[de].attempts == 1 and engine.calls == calls

    # once the engine can do the pair (a model was installed), the job is taken up again
    wider = NarrowEngine({("ru", "en"), ("de", "en")})
    reopened = translate_pending(db, wider, target_langs=["en"], now=now + timedelta(days=61))
    assert reopened.reopened == 1 and reopened.done == 1
    assert job_states(db_url)[de].status == "done"


def test_translate_article_records_a_rejection(db_url: str) -> None:
    article_id = add_article(db_url, 1)
    with session_scope(engine_for(db_url)) as session:
        result = translate_article(session, article_id, "en", NarrowEngine(set()), DbTranslationCache(session))
    assert result.status == "rejected" and result.reason == "unsupported_pair"
    job = job_states(db_url)[article_id]
    assert job.status == "rejected" and job.next_attempt_at is None


def test_cli_shows_a_rejection_as_such(sqlite_url: str, tmp_path: Path) -> None:
    article_id = add_article(sqlite_url, 1)
    env = {"NEWSDESK_DATABASE_URL": sqlite_url, "NEWSDESK_TRANSLATE_ENGINE": "local",
           "NEWSDESK_TRANSLATE_MODELS_DIR": str(tmp_path / "no-models"), "NEWSDESK_TARGET_LANGUAGES": "en"}
    runner = CliRunner()
    result = runner.invoke(main, ["translate", "articles"], env=env)
    assert result.exit_code == 1, result.output
    assert "failed 0, rejected 1" in result.output and "unsupported language pair" in result.output
    again = runner.invoke(main, ["translate", "articles", "--json"], env=env)
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["rejected"] == 0 and json.loads(again.output)["failed"] == 0
    status = runner.invoke(main, ["translate", "status"], env=env)
    assert "rejected 1" in status.output and "rejected, not retried" in status.output
    assert "translate:" not in status.output  # plain words, the stage is in the reason code
    assert job_states(sqlite_url)[article_id].attempts == 1
