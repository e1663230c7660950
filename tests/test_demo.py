"""``newsdesk demo`` crawls the four bundled sample outlets into the database, end to end."""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from newsdesk.cli import main
from newsdesk.demo.corpus import DEMO_STORIES, demo_slug
from newsdesk.demo.outlet import demo_articles
from newsdesk.demo.outlets import OUTLETS
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Source

# Words of every outlet's furniture that must never reach a stored text.
FURNITURE = (
    "What are you thinking", "Что вы думаете", "We value your privacy", "Advertisement", "More Coverage",
    "Читайте также", "Самое читаемое", "Ctrl+Enter", "Поделиться", "Share on", "cookie",
)


def test_demo_crawls_the_sample_outlets(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    runner = CliRunner()
    first = runner.invoke(main, ["--db", db, "demo", "--no-serve", "--outlet-port", "0"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    corpus = demo_articles()
    expected = len({a.slug for a in corpus})
    with session_scope(engine_for(db)) as session:
        sources = {s.id: s for s in session.scalars(select(Source))}
        assert sorted((s.name, s.lang, s.country) for s in sources.values()) == sorted(
            (o.name, o.lang, o.country) for o in OUTLETS
        )
        assert sorted(f.kind for s in sources.values() for f in s.feeds) == sorted(o.feed_kind for o in OUTLETS)
        articles = session.scalars(select(Article)).all()
        assert len(articles) == expected, first.output
        by_slug = {demo_slug(a.url): a for a in articles}
        assert set(by_slug) == {a.slug for a in corpus}
        outlet_of = {a.slug: a.outlet for a in corpus}
        names = {o.key: o.name for o in OUTLETS}
        by_corpus = {a.slug: a for a in corpus}
        for slug, stored in by_slug.items():  # each article under its own outlet, with its byline and time
            assert sources[stored.source_id].name == names[outlet_of[slug]], slug
            assert tuple(stored.authors) == by_corpus[slug].authors, slug
            when = stored.published_at
            assert when is not None and when.replace(tzinfo=when.tzinfo or UTC) == by_corpus[slug].published_at, slug
        assert Counter(sources[a.source_id].name for a in articles) == Counter(names[a.outlet] for a in corpus)
        for story in DEMO_STORIES:  # every article of the answer key is there for the stories stage
            assert all(slug in by_slug for slug in story.slugs), story.key
        ru = [a for a in articles if a.lang == "ru"]
        assert ru and all("Источник:" not in a.text for a in ru)
        assert any(a.cited_sources for a in ru)
        assert all("Source:" not in a.text for a in articles if a.lang == "en")
        for a in articles:
            assert not [phrase for phrase in FURNITURE if phrase in a.text], (a.url, a.text[:80])
        assert all(a.published_at is not None and a.title for a in articles)
    assert "articles stored" in first.output
    for outlet in OUTLETS:
        count = sum(a.outlet == outlet.key for a in corpus)
        assert f"{outlet.name}: {count} articles stored" in first.output
