"""After ``newsdesk demo`` the four sample outlets' articles form the demo's stories: every event's
articles in one story across both languages, the wire reprint folded into its original, the two
Rotterdam events apart, every other article a story of its own; the site shows them."""

from __future__ import annotations

from collections import defaultdict

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from newsdesk.cli import main
from newsdesk.demo.corpus import REPRINT_PAIRS, SAME_CITY_EVENTS, demo_slug, expected_stories
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Story


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    result = CliRunner().invoke(main, ["--db", db, "demo", "--no-serve", "--outlet-port", "0"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return db


def _stories(db: str) -> tuple[dict[int, set[str]], dict[str, str | None]]:
    with session_scope(engine_for(db)) as session:
        articles = session.scalars(select(Article)).all()
        slug_of = {a.id: demo_slug(a.url) for a in articles}
        members: dict[int, set[str]] = defaultdict(set)
        for a in articles:
            assert a.story_id is not None, a.url
            members[a.story_id].add(str(slug_of[a.id]))
        reprint_of = {str(slug_of[a.id]): slug_of.get(a.reprint_of) if a.reprint_of else None for a in articles}
    return members, reprint_of


def test_the_demo_events_form_its_stories(demo_db: str) -> None:
    members, _ = _stories(demo_db)
    assert sorted(sorted(m) for m in members.values()) == sorted(sorted(s) for s in expected_stories())


def test_the_wire_reprint_is_folded_into_its_original(demo_db: str) -> None:
    _, reprint_of = _stories(demo_db)
    assert sorted((original, copy) for copy, original in reprint_of.items() if original) == sorted(REPRINT_PAIRS)


def test_the_same_city_events_stay_apart_and_counts_are_kept(demo_db: str) -> None:
    members, _ = _stories(demo_db)
    story_of = {slug: story for story, slugs in members.items() for slug in slugs}
    from newsdesk.demo.corpus import DEMO_STORIES

    first = {s.key: s.slugs[0] for s in DEMO_STORIES}
    for one, other in SAME_CITY_EVENTS:
        assert story_of[first[one]] != story_of[first[other]]
    with session_scope(engine_for(demo_db)) as session:
        for story in session.scalars(select(Story)):
            articles = session.scalars(select(Article).where(Article.story_id == story.id)).all()
            assert story.article_count == len(articles)
            assert story.outlet_count == len({a.source_id for a in articles})
            assert story.language_count == len({a.lang for a in articles})
            assert story.id in {a.id for a in articles}  # a story's id is its first article's
