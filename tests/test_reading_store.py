"""Readers' subscriptions and reading state (store/reading.py) and app access (store/users.py), on
SQLite and PostgreSQL: idempotent follows, keyset pages that neither repeat nor skip while articles
arrive, marks and "mark all read", reprints read together, and unread counts that match a recount
after any sequence of marks."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsdesk.errors import UsageError
from newsdesk.store import reading, users
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Feed, FilterRule, ItemState, Source, User

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def _source(session: Session, name: str) -> int:
    source = Source(name=name, home_url=f"https://{name}.example/", lang="en")
    session.add(source)
    session.flush()
    session.add(Feed(source_id=source.id, url=f"https://{name}.example/feed.xml", kind="rss"))
    session.flush()
    return source.id


def _article(session: Session, source_id: int, n: int, *, at: datetime, reprint_of: int | None = None) -> int:
    article = Article(source_id=source_id, url=f"https://s{source_id}.example/{n}",
                      canonical_url=f"https://s{source_id}.example/{n}", title=f"Title {n}", html=f"<p>{n}</p>",
                      text=str(n), teaser=str(n), content_hash=f"h{source_id}-{n}", fetched_at=at,
                      reprint_of=reprint_of, authors=["Ann"])
    session.add(article)
    session.flush()
    return article.id


def _user(session: Session, name: str, role: str = "reader") -> int:
    return users.create_user(session, name, "a-long-passphrase", role=role).id


def _hide(session: Session, user_id: int, article_id: int) -> None:
    """What a block rule does to an article (the rules module writes these rows)."""
    rule = FilterRule(user_id=user_id, scope="global", action="block", field="title", pattern="x", is_regex=False)
    session.add(rule)
    session.flush()
    article = session.get(Article, article_id)
    assert article is not None
    state = session.get(ItemState, (user_id, article_id))
    if state is None:
        session.add(ItemState(user_id=user_id, article_id=article_id, source_id=article.source_id,
                              fetched_at=article.fetched_at, read=False, starred=False, filtered_by=rule.id,
                              updated_at=NOW))
    else:
        state.filtered_by = rule.id
    session.flush()


def test_subscribe_is_idempotent_and_unsubscribe_too(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        uid = _user(session, "ann")
        sid = _source(session, "alpha")
        reading.subscribe(session, uid, sid, folder=" World / Europe/ ")
        reading.subscribe(session, uid, sid, folder="Other")  # again: nothing changes
        subs = reading.subscriptions(session, uid)
        assert [(s.source_id, s.folder, s.title, s.name) for s in subs] == [(sid, "World/Europe", "alpha", "alpha")]
        assert subs[0].feed_url == "https://alpha.example/feed.xml" and subs[0].unread == 0
        assert reading.folders(session, uid) == ["World/Europe"]
        reading.edit_subscription(session, uid, sid, title="A")
        assert reading.subscriptions(session, uid)[0].folder == "World/Europe"  # unchanged folder
        reading.edit_subscription(session, uid, sid, folder=None)
        assert reading.subscriptions(session, uid)[0].title == "A" and reading.folders(session, uid) == []
        reading.unsubscribe(session, uid, sid)
        reading.unsubscribe(session, uid, sid)
        assert reading.subscriptions(session, uid) == []
        with pytest.raises(UsageError):
            reading.subscribe(session, uid, sid + 999)
        with pytest.raises(UsageError):
            reading.edit_subscription(session, uid, sid, title="x")


def test_folders_rename_merge_and_delete(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        uid = _user(session, "ann")
        a, b, c = (_source(session, n) for n in ("alpha", "beta", "gamma"))
        reading.subscribe(session, uid, a, folder="News")
        reading.subscribe(session, uid, b, folder="Tech")
        reading.subscribe(session, uid, c)
        reading.rename_folder(session, uid, "News", "Tech")
        assert reading.folders(session, uid) == ["Tech"]
        reading.delete_folder(session, uid, "Tech")
        assert reading.folders(session, uid) == [] and len(reading.subscriptions(session, uid)) == 3


def test_keyset_pages_neither_repeat_nor_skip_while_articles_arrive(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        uid = _user(session, "ann")
        sources = [_source(session, f"s{i}") for i in range(3)]
        for sid in sources:
            reading.subscribe(session, uid, sid)
        # several articles share a fetched_at: the id breaks the tie
        expected = [_article(session, sources[n % 3], n, at=T0 + timedelta(minutes=n // 4)) for n in range(40)]
        seen: list[int] = []
        after = None
        arrived = 100
        while True:
            page, after = reading.stream(session, uid, limit=7, after=after)
            seen += [item.article_id for item in page]
            # new articles arrive between two pages (newer than all): never in the older pages
            _article(session, sources[0], arrived, at=T0 + timedelta(days=1, minutes=arrived))
            arrived += 1
            if after is None:
                break
        assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
        order = [(session.get(Article, i).fetched_at, i) for i in seen]  # type: ignore[union-attr]
        assert order == sorted(order, reverse=True)
        # oldest first, and the ids-only form agree with the same filters
        forward: list[int] = []
        after = None
        while True:
            page, after = reading.stream(session, uid, limit=9, after=after, oldest_first=True,
                                         older_than=T0 + timedelta(hours=1))
            forward += [item.article_id for item in page]
            if after is None:
                break
        assert forward == list(reversed(seen))
        ids = reading.item_ids(session, uid, oldest_first=True, older_than=T0 + timedelta(hours=1))
        assert [i for i, _ in ids] == forward
        assert [i for i, _ in reading.item_ids(session, uid, source_id=sources[1], limit=3)] == [
            i for i in seen if session.get(Article, i).source_id == sources[1]][:3]  # type: ignore[union-attr]


def test_states_marks_and_mark_all_read_up_to_a_time(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        uid = _user(session, "ann")
        a, b = _source(session, "alpha"), _source(session, "beta")
        reading.subscribe(session, uid, a, folder="F")
        reading.subscribe(session, uid, b)
        arts = [_article(session, a if n % 2 else b, n, at=T0 + timedelta(hours=n)) for n in range(10)]
        assert reading.unread_counts(session, uid) == ({a: 5, b: 5}, {"F": 5}, 10)
        assert reading.mark(session, uid, arts[:3], read=True, now=NOW) == 3
        assert reading.mark(session, uid, arts[:3], read=True, now=NOW) == 0  # already read
        assert reading.mark(session, uid, [arts[4]], starred=True, now=NOW) == 1
        assert reading.unread_counts(session, uid)[2] == 7
        starred, _ = reading.stream(session, uid, state="starred")
        assert [i.article_id for i in starred] == [arts[4]] and starred[0].starred and not starred[0].read
        read_ids = {i.article_id for i in reading.stream(session, uid, state="read")[0]}
        assert read_ids == set(arts[:3])
        # mark all read up to article 6's time: 3..6 turn read (4 of them), 7..9 stay unread
        assert reading.mark_all_read(session, uid, before=T0 + timedelta(hours=6), now=NOW) == 4
        unread = [i.article_id for i in reading.stream(session, uid, state="unread", oldest_first=True)[0]]
        assert unread == arts[7:]
        assert reading.items(session, uid, [arts[4]])[0].starred  # the star survives
        # an old article marked unread again is unread despite read_before
        assert reading.mark(session, uid, [arts[1]], read=False, now=NOW) == 1
        assert reading.unread_counts(session, uid) == ({a: 3, b: 1}, {"F": 3}, 4)
        # one folder only, then one source only
        assert reading.mark_all_read(session, uid, before=NOW, folder="F", now=NOW) == 3
        assert reading.unread_counts(session, uid) == ({a: 0, b: 1}, {"F": 0}, 1)
        assert reading.mark_all_read(session, uid, before=NOW, source_id=b, now=NOW) == 1
        assert reading.unread_counts(session, uid)[2] == 0
        # a later article is unread although everything before was marked
        late = _article(session, a, 99, at=NOW + timedelta(minutes=1))
        assert reading.unread_counts(session, uid)[0][a] == 1
        assert [i.article_id for i in reading.stream(session, uid, state="unread")[0]] == [late]
        with pytest.raises(UsageError):
            reading.stream(session, uid, state="bogus")


def test_reading_an_article_marks_its_reprints_read(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        uid = _user(session, "ann")
        a, b, c = (_source(session, n) for n in ("alpha", "beta", "gamma"))
        for sid in (a, b):
            reading.subscribe(session, uid, sid)
        original = _article(session, a, 1, at=T0)
        copy_b = _article(session, b, 2, at=T0 + timedelta(minutes=5), reprint_of=original)
        copy_c = _article(session, c, 3, at=T0 + timedelta(minutes=6), reprint_of=original)  # not followed
        copy_b2 = _article(session, b, 4, at=T0 + timedelta(minutes=7), reprint_of=original)
        other = _article(session, b, 5, at=T0 + timedelta(minutes=8))
        # reading one copy reads the original and the other visible copies; stars stay per article
        assert reading.mark(session, uid, [copy_b], read=True, starred=True, now=NOW) == 3
        states = {i.article_id: (i.read, i.starred) for i in reading.items(session, uid, [original, copy_b, copy_b2,
                                                                                           other, copy_c])}
        assert states == {original: (True, False), copy_b: (True, True), copy_b2: (True, False),
                          other: (False, False)}
        assert reading.unread_counts(session, uid)[2] == 1
        assert reading.mark(session, uid, [original], read=False, now=NOW) == 3  # unread together too
        assert reading.unread_counts(session, uid)[2] == 4


def test_two_users_never_see_each_others_state(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        ann, bob = _user(session, "ann"), _user(session, "bob")
        a, b = _source(session, "alpha"), _source(session, "beta")
        reading.subscribe(session, ann, a)
        reading.subscribe(session, bob, a)
        reading.subscribe(session, bob, b)
        arts_a = [_article(session, a, n, at=T0 + timedelta(hours=n)) for n in range(4)]
        arts_b = [_article(session, b, 10 + n, at=T0 + timedelta(hours=n)) for n in range(3)]
        assert reading.mark(session, ann, arts_a[:2] + arts_b, read=True, starred=True, now=NOW) == 2  # b: not ann's
        reading.mark_all_read(session, ann, before=NOW, now=NOW)
        assert reading.unread_counts(session, ann)[2] == 0
        assert reading.unread_counts(session, bob) == ({a: 4, b: 3}, {}, 7)
        assert reading.stream(session, bob, state="starred")[0] == []
        assert reading.items(session, ann, arts_b) == []
        assert {i.article_id for i in reading.stream(session, ann)[0]} == set(arts_a)


def test_hidden_articles_are_neither_shown_nor_counted(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        uid = _user(session, "ann")
        a = _source(session, "alpha")
        reading.subscribe(session, uid, a)
        arts = [_article(session, a, n, at=T0 + timedelta(hours=n)) for n in range(5)]
        reading.mark(session, uid, [arts[0]], read=True, now=NOW)
        _hide(session, uid, arts[0])  # a read article hidden
        _hide(session, uid, arts[1])  # an unread one
        assert reading.unread_counts(session, uid)[2] == 3
        assert {i.article_id for i in reading.stream(session, uid)[0]} == set(arts[2:])
        assert reading.items(session, uid, arts[:2]) == []
        assert reading.mark(session, uid, [arts[1]], read=True, now=NOW) == 0  # hidden: ignored
        reading.mark(session, uid, [arts[3]], read=True, now=NOW)
        reading.mark_all_read(session, uid, before=T0 + timedelta(hours=2), now=NOW)
        assert reading.unread_counts(session, uid)[2] == 1
        assert session.get(ItemState, (uid, arts[1])) is not None  # the hiding stays


def _recount(session: Session, user_id: int) -> tuple[dict[int, int], int]:
    """Unread counts the slow way: every visible article's state, one by one."""
    per: dict[int, int] = {}
    subs = {s.source_id: s for s in reading.subscriptions(session, user_id)}
    for article_id, _ in reading.item_ids(session, user_id):
        [item] = reading.items(session, user_id, [article_id])
        if not item.read:
            assert item.source_id is not None
            per[item.source_id] = per.get(item.source_id, 0) + 1
    return {sid: per.get(sid, 0) for sid in subs}, sum(per.values())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_unread_counts_match_a_recount_after_any_sequence(db_url: str, seed: int) -> None:
    """Random marks, stars, mark-all (everywhere, per folder, per source), arrivals, reprints,
    hidings and follows for two users, checked after every step against a model and a recount."""
    rng = random.Random(seed)
    with session_scope(engine_for(db_url)) as session:
        people = [_user(session, "ann"), _user(session, "bob")]
        sources = [_source(session, f"s{i}") for i in range(5)]
        folders = ["F1", "F2", None]
        follows: dict[int, dict[int, str | None]] = {u: {} for u in people}
        for u in people:
            for sid in rng.sample(sources, 3):
                folder = rng.choice(folders)
                reading.subscribe(session, u, sid, folder=folder)
                follows[u][sid] = folder
        arts: list[int] = []
        info: dict[int, tuple[int, datetime, int | None]] = {}
        model: dict[int, dict[int, bool]] = {u: {} for u in people}  # explicit read state
        hidden: dict[int, set[int]] = {u: set() for u in people}
        clock = T0

        def add_article() -> None:
            nonlocal clock
            clock += timedelta(minutes=rng.choice([0, 1, 5]))  # ties on purpose
            sid = rng.choice(sources)
            root = None
            if arts and rng.random() < 0.3:
                pick = rng.choice(arts)
                root = info[pick][2] or pick
            aid = _article(session, sid, len(arts), at=clock, reprint_of=root)
            arts.append(aid)
            info[aid] = (sid, clock, root)
            for u in people:
                model[u][aid] = False

        def visible(u: int, aid: int) -> bool:
            return info[aid][0] in follows[u] and aid not in hidden[u]

        def group(u: int, aid: int) -> list[int]:
            root = info[aid][2] or aid
            return [x for x in arts if (x == root or info[x][2] == root) and visible(u, x)]

        for _ in range(30):
            add_article()
        for _step in range(60):
            u = rng.choice(people)
            op = rng.random()
            if op < 0.35:
                chosen = rng.sample(arts, rng.randint(1, 6))
                value = rng.random() < 0.7
                reading.mark(session, u, chosen, read=value, now=NOW)
                for aid in chosen:
                    if visible(u, aid):
                        for x in group(u, aid):
                            model[u][x] = value
            elif op < 0.45:
                reading.mark(session, u, rng.sample(arts, 3), starred=rng.random() < 0.5, now=NOW)
            elif op < 0.6:
                before = T0 + timedelta(minutes=rng.randint(0, int((clock - T0).total_seconds() // 60) + 1))
                scope = rng.choice(["all", "folder", "source"])
                folder = rng.choice(["F1", "F2"]) if scope == "folder" else None
                source = rng.choice(sources) if scope == "source" else None
                reading.mark_all_read(session, u, before=before, folder=folder, source_id=source, now=NOW)
                for aid in arts:
                    sid, at, _ = info[aid]
                    if sid in follows[u] and at <= before and (folder is None or follows[u][sid] == folder) \
                            and (source is None or sid == source):
                        model[u][aid] = True
            elif op < 0.75:
                add_article()
            elif op < 0.85:
                target = rng.choice(arts)
                if target not in hidden[u]:
                    _hide(session, u, target)
                    hidden[u].add(target)
            else:
                sid = rng.choice([s for s in sources if s not in follows[u]] or sources)
                if sid not in follows[u]:
                    folder = rng.choice(folders)
                    reading.subscribe(session, u, sid, folder=folder)
                    follows[u][sid] = folder
            for person in people:
                per_source, per_folder, total = reading.unread_counts(session, person)
                expected = {sid: sum(1 for aid in arts if info[aid][0] == sid and visible(person, aid)
                                     and not model[person][aid]) for sid in follows[person]}
                assert per_source == expected, (seed, _step)
                assert total == sum(expected.values())
                assert per_folder == {f: sum(n for sid, n in expected.items() if follows[person][sid] == f)
                                      for f in {f for f in follows[person].values() if f}}
                unread_ids = {i for i, _ in reading.item_ids(session, person, state="unread")}
                assert len(unread_ids) == total
        for person in people:
            assert _recount(session, person) == (reading.unread_counts(session, person)[0],
                                                 reading.unread_counts(session, person)[2])


# --- app access (store/users.py) ----------------------------------------------------------------


def test_api_tokens_and_app_passwords(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        ann, bob = _user(session, "ann"), _user(session, "bob")
        token = users.issue_api_token(session, ann, now=NOW)
        assert len(token) == 64 and users.api_token_user(session, token, now=NOW) == ann
        assert users.api_token_user(session, token + "x") is None and users.api_token_user(session, "") is None
        other = users.issue_api_token(session, bob)
        users.end_api_tokens(session, ann)
        assert users.api_token_user(session, token) is None and users.api_token_user(session, other) == bob
        # the Fever key: md5 of "username:app password", as the protocol defines it
        users.set_app_password(session, ann, "app-secret-123")
        assert users.fever_user(session, "7c6b5e7a0fa1e1d0ff0fb8c4c9b45b48") is None
        key = users.fever_key("ann", "app-secret-123")
        assert users.fever_user(session, key) == ann and users.fever_user(session, key.upper()) == ann
        assert users.fever_user(session, "") is None
        # ClientLogin: the account password or the app password, nothing else
        assert users.authenticate_app(session, "ann", "a-long-passphrase") is not None
        assert users.authenticate_app(session, "ann", "app-secret-123") is not None
        assert users.authenticate_app(session, "ann", "app-secret-124") is None
        assert users.authenticate_app(session, "bob", "app-secret-123") is None
        with pytest.raises(UsageError):
            users.set_app_password(session, ann, "short")
        # a new account password ends the app tokens too (not the app password)
        token = users.issue_api_token(session, ann)
        users.create_user(session, "ann", "another-passphrase", replace=True)
        assert users.api_token_user(session, token) is None and users.fever_user(session, key) == ann
        users.delete_user(session, "ann")
        assert users.fever_user(session, key) is None


def test_roles(db_url: str) -> None:
    with session_scope(engine_for(db_url)) as session:
        users.create_user(session, "root", "a-long-passphrase")
        users.create_user(session, "reader", "a-long-passphrase", role="reader")
        roles = {u.username: u.role for u in session.scalars(select(User))}
        assert roles == {"root": "admin", "reader": "reader"}
        with pytest.raises(UsageError):
            users.create_user(session, "x", "a-long-passphrase", role="owner")
