"""``newsdesk demo`` crawls the bundled sample outlet into the database, end to end."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from newsdesk.cli import main
from newsdesk.demo.outlet import demo_articles
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article


def test_demo_crawls_the_sample_outlet(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    runner = CliRunner()
    first = runner.invoke(main, ["--db", db, "demo", "--no-serve", "--outlet-port", "0"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    expected = len({a.slug for a in demo_articles()})
    with session_scope(engine_for(db)) as session:
        articles = session.scalars(select(Article)).all()
        assert len(articles) == expected, first.output
        ru = [a for a in articles if a.lang == "ru"]
        assert ru and all("Источник:" not in a.text for a in ru)
        assert any(a.cited_sources for a in ru)
        assert all("What are you thinking" not in a.text and "Что вы думаете" not in a.text for a in articles)
        assert all(a.published_at is not None and a.title for a in articles)
    assert f"{expected} articles stored" in first.output
