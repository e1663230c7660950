"""Readers' filter rules: the pure matching (enrich/rules.py), and on SQLite and PostgreSQL the rules'
rows (store/rules.py) as the pipeline applies them (pipeline/filtering.py): to new articles through
the enrichment stage, to existing ones on request, the preview, undo by deleting the rule, two
readers kept apart, and bad expressions refused with a message that says why."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsdesk.enrich.rules import (
    MAX_PATTERN_CHARS,
    ArticleFields,
    RuleError,
    RuleSpec,
    compile_rule,
    decide,
    repeat_product,
    verdict,
)
from newsdesk.errors import UsageError
from newsdesk.models import Outcomes
from newsdesk.pipeline import filtering
from newsdesk.settings import Settings
from newsdesk.store import reading
from newsdesk.store import rules as rule_store
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, ItemState, Source, Subscription, User

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
TIMEOUT = 0.05


def _fields(i: int = 1, **kw: object) -> ArticleFields:
    values: dict[str, object] = {
        "article_id": i, "source_id": 10, "folder": None, "title": "Markets rally as rates fall",
        "url": "https://news.example/business/markets-rally", "authors": ["Jane Roe"],
        "content": "Stocks rose on Monday.", "lang": "en", "section": "Business"}
    values.update(kw)
    return ArticleFields(**values)  # type: ignore[arg-type]


def _spec(pattern: str, *, field: str = "title", action: str = "block", regex: bool = False,
          scope: str = "global", value: str | None = None, rule_id: int | None = 1) -> RuleSpec:
    return RuleSpec(rule_id, scope, value, action, field, pattern, regex)


def _hit(spec: RuleSpec, article: ArticleFields) -> bool | None:
    return compile_rule(spec, timeout=TIMEOUT).matches(article, text_chars=20000)


# --- pure matching ---------------------------------------------------------------------------------


def test_plain_words_match_whole_words_case_insensitively() -> None:
    article = _fields(title="Bitcoin slumps; the ARTICLE of faith breaks")
    assert _hit(_spec("bitcoin"), article)
    assert _hit(_spec("article of faith"), article)
    assert _hit(_spec("art"), article) is False  # a part of a word is no match
    assert _hit(_spec("gold, bitcoin"), article)  # commas separate alternatives
    assert _hit(_spec("gold,  silver"), article) is False
    assert _hit(_spec("of   faith"), _fields(title="of\nfaith"))  # any whitespace between words


def test_plain_words_in_other_scripts() -> None:
    assert _hit(_spec("выборы"), _fields(title="Выборы в Думу пройдут в сентябре"))
    assert _hit(_spec("выбор"), _fields(title="Выборы в Думу")) is False
    assert _hit(_spec("選挙"), _fields(title="東京都知事選挙の結果"))  # no spaces in Japanese: anywhere
    assert _hit(_spec("股市"), _fields(title="今天股市大涨"))


def test_url_lang_author_section_and_content_fields() -> None:
    article = _fields(authors=["Ann Lee", "Jane Roe"], content="x" * 30 + " hidden gem")
    assert _hit(_spec("/business/", field="url"), article)
    assert _hit(_spec("NEWS.EXAMPLE/bus", field="url"), article)  # a substring on the URL
    assert _hit(_spec("en", field="lang"), _fields(lang="en-GB"))
    assert _hit(_spec("en", field="lang"), _fields(lang="eng")) is False
    assert _hit(_spec("fr, de", field="lang"), _fields(lang="de"))
    assert _hit(_spec("jane roe", field="author"), article)
    assert _hit(_spec("business", field="section"), article)
    assert _hit(_spec("hidden gem", field="content"), article)
    capped = compile_rule(_spec("hidden gem", field="content"), timeout=TIMEOUT)
    assert capped.matches(article, text_chars=20) is False  # only the opening is read


def test_regular_expressions() -> None:
    article = _fields(title="Q3 earnings: ACME beats estimates")
    assert _hit(_spec(r"q\d earnings", regex=True), article)  # case-insensitive
    assert _hit(_spec(r"^acme", regex=True), article) is False
    assert _hit(_spec(r"\p{Lu}{4}", regex=True), article)  # Unicode properties (the regex package)


def test_block_then_keep_order() -> None:
    block = compile_rule(_spec("sport", field="section", rule_id=1), timeout=TIMEOUT)
    keep = compile_rule(_spec("markets, rates", action="keep", rule_id=2), timeout=TIMEOUT)
    keep2 = compile_rule(_spec("elections", action="keep", rule_id=3), timeout=TIMEOUT)
    rules = [block, keep, keep2]
    assert decide(rules, _fields(), text_chars=100).hidden_by is None  # a keep rule matches
    assert decide(rules, _fields(title="Elections called"), text_chars=100).hidden_by is None
    assert decide(rules, _fields(title="Weather today"), text_chars=100).hidden_by == 2  # no keep matched
    sport = _fields(title="Markets for football shirts", section="Sport")
    assert decide(rules, sport, text_chars=100).hidden_by == 1  # block wins over keep
    assert decide([], _fields(), text_chars=100).hidden_by is None


def test_scopes() -> None:
    in_folder = compile_rule(_spec("markets", scope="folder", value="World/Europe"), timeout=TIMEOUT)
    in_source = compile_rule(_spec("markets", scope="source", value="10"), timeout=TIMEOUT)
    assert verdict(in_folder, _fields(folder="World/Europe"), text_chars=100) == "block"
    assert verdict(in_folder, _fields(folder="World"), text_chars=100) == "keep"
    assert verdict(in_source, _fields(source_id=10), text_chars=100) == "block"
    assert verdict(in_source, _fields(source_id=11), text_chars=100) == "keep"
    keep_other = compile_rule(_spec("nothing", action="keep", scope="source", value="11"), timeout=TIMEOUT)
    assert decide([keep_other], _fields(source_id=10), text_chars=100).hidden_by is None  # out of its scope


@pytest.mark.parametrize(("spec", "message"), [
    (_spec("(unclosed", regex=True), "not a valid regular expression"),
    (_spec("a" * (MAX_PATTERN_CHARS + 1)), "at most 1,000"),
    (_spec("x*", regex=True), "matches empty text"),
    (_spec("(a{1000}){1000}", regex=True), "repeats too deeply"),
    (_spec("   "), "pattern is empty"),
    (_spec(" , ,"), "has no words"),
    (_spec("x", field="colour"), "field must be one of"),
    (_spec("x", action="hide"), "keep or block"),
    (_spec("x", scope="folder"), "needs the folder"),
    (_spec("x", scope="source", value="abc"), "source's number"),
])
def test_bad_rules_are_refused_with_a_reason(spec: RuleSpec, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        compile_rule(spec, timeout=TIMEOUT)


def test_repeat_product_scan() -> None:
    assert repeat_product("a{1000}") == 1000
    assert repeat_product("((a{10}){10}){10}") == 1000
    assert repeat_product(r"\{99999}x{2}") == 2  # an escaped brace is a literal
    assert repeat_product("[{]{5}(b{3,}){2,50}") == 150
    assert repeat_product("(?:x{10}|y{200}){5}") == 1000


def test_a_runaway_expression_is_stopped_and_leaves_the_article_shown() -> None:
    block = compile_rule(_spec(r"(a+)+$", field="content", regex=True), timeout=TIMEOUT)
    article = _fields(content="a" * 5000 + "!")
    started = time.perf_counter()
    assert block.matches(article, text_chars=20000) is None
    decision = decide([block], article, text_chars=20000)
    assert decision.hidden_by is None and decision.undecided == 1
    assert time.perf_counter() - started < 5  # the timeout, not 2**5000 steps
    keep = compile_rule(_spec(r"(a+)+$", field="content", regex=True, action="keep"), timeout=TIMEOUT)
    assert decide([keep], article, text_chars=20000).hidden_by is None  # a keep rule that cannot decide keeps


# --- the store, on both backends ---------------------------------------------------------------------


def _settings(db_url: str, **values: Any) -> Settings:
    return Settings(database_url=db_url, **values)


def _user(session: Session, name: str) -> int:
    user = User(username=name, password_hash="x", role="reader")
    session.add(user)
    session.flush()
    return user.id


def _source(session: Session, name: str) -> int:
    source = Source(name=name, home_url=f"https://{name}.example/", lang="en")
    session.add(source)
    session.flush()
    return source.id


def _follow(session: Session, user_id: int, source_id: int, folder: str | None = None,
            read_before: datetime | None = None) -> None:
    session.add(Subscription(user_id=user_id, source_id=source_id, folder=folder, read_before=read_before))
    session.flush()


def _article(session: Session, source_id: int, n: int, title: str, *, section: str | None = None) -> int:
    article = Article(source_id=source_id, url=f"https://s{source_id}.example/{n}",
                      canonical_url=f"https://s{source_id}.example/{n}", title=title, html="<p>x</p>",
                      text=f"{title}. Body text.", teaser="", content_hash=f"h{source_id}-{n}",
                      fetched_at=T0 + timedelta(minutes=n), section=section, authors=[])
    session.add(article)
    session.flush()
    return article.id


def _hidden(session: Session, user_id: int) -> dict[int, int | None]:
    rows = session.execute(select(ItemState.article_id, ItemState.filtered_by)
                           .where(ItemState.user_id == user_id, ItemState.filtered_by.is_not(None)))
    return {article_id: rule_id for article_id, rule_id in rows}


def _states(session: Session, user_id: int) -> list[tuple[int, bool, bool, int | None]]:
    rows = session.execute(select(ItemState.article_id, ItemState.read, ItemState.starred, ItemState.filtered_by)
                           .where(ItemState.user_id == user_id).order_by(ItemState.article_id))
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_new_articles_hidden_by_the_stage_and_back_on_delete(db_url: str) -> None:
    engine = engine_for(db_url)
    settings = _settings(db_url)
    with session_scope(engine) as session:
        ann, bob = _user(session, "ann"), _user(session, "bob")
        alpha, beta = _source(session, "alpha"), _source(session, "beta")
        _follow(session, ann, alpha, folder="News")
        _follow(session, ann, beta)
        _follow(session, bob, alpha)
        rule = filtering.add_rule(session, ann, _spec("football", rule_id=None), settings, now=NOW)
        folder_rule = filtering.add_rule(session, ann, _spec("rain", rule_id=None, scope="folder", value="News"),
                                         settings, now=NOW)
    with session_scope(engine) as session:
        ids = [_article(session, alpha, 1, "Football final tonight"),
               _article(session, beta, 2, "Football in the rain"),
               _article(session, alpha, 3, "Rain all week"),
               _article(session, beta, 4, "Rain in the hills"),
               _article(session, alpha, 5, "Budget passes")]
    outcomes = Outcomes()
    assert filtering.rules_stage(engine, settings, ids, outcomes, now=NOW) == 3
    assert outcomes.get("rules", "hidden") == 3 and outcomes.get("rules", "shown") == 2
    assert filtering.rules_stage(engine, settings, ids, Outcomes(), now=NOW) == 0  # idempotent
    with session_scope(engine) as session:
        assert _hidden(session, ann) == {ids[0]: rule.id, ids[1]: rule.id, ids[2]: folder_rule.id}
        assert _hidden(session, bob) == {}  # bob has no rules: ann's never touch him
        ann_sees = [i.article_id for i in reading.stream(session, ann, limit=50)[0]]
        bob_sees = [i.article_id for i in reading.stream(session, bob, limit=50)[0]]
        assert sorted(ann_sees) == [ids[3], ids[4]]
        assert sorted(bob_sees) == [ids[0], ids[2], ids[4]]  # all of alpha, his one source
        assert reading.unread_counts(session, ann)[2] == 2
        listed = {r.id: r.hidden for r in rule_store.rules_of(session, ann)}
        assert listed == {rule.id: 2, folder_rule.id: 1}
        assert rule_store.rules_of(session, bob) == []
        assert rule_store.delete_rule(session, ann, rule.id) == 2  # undo: they come back
        assert _hidden(session, ann) == {ids[2]: folder_rule.id}
        assert reading.unread_counts(session, ann)[2] == 4  # the two are back, unread
        assert _states(session, ann) == [(ids[2], False, False, folder_rule.id)]  # no default rows left
        with pytest.raises(UsageError, match="no such rule"):
            rule_store.delete_rule(session, bob, folder_rule.id)  # another reader's rule is not bob's


def test_hiding_keeps_read_and_star_state(db_url: str) -> None:
    engine = engine_for(db_url)
    settings = _settings(db_url)
    with session_scope(engine) as session:
        ann = _user(session, "ann")
        alpha = _source(session, "alpha")
        _follow(session, ann, alpha, read_before=T0 + timedelta(minutes=2))
        old = _article(session, alpha, 1, "Storm warning (old, read by read_before)")
        starred = _article(session, alpha, 3, "Storm damage (starred)")
        session.add(ItemState(user_id=ann, article_id=starred, source_id=alpha, fetched_at=T0 + timedelta(minutes=3),
                              read=True, starred=True, read_at=NOW, starred_at=NOW, updated_at=NOW))
        rule = filtering.add_rule(session, ann, _spec("storm", rule_id=None), settings, now=NOW)
    with session_scope(engine) as session:
        assert filtering.apply_existing(session, ann, rule.id, settings, now=NOW) == 2
        assert _states(session, ann) == [(old, True, False, rule.id), (starred, True, True, rule.id)]
    with session_scope(engine) as session:
        assert rule_store.delete_rule(session, ann, rule.id) == 2
        assert _states(session, ann) == [(starred, True, True, None)]  # the star stays; the old row is default


def test_apply_existing_on_request_and_keep_rules(db_url: str) -> None:
    engine = engine_for(db_url)
    settings = _settings(db_url)
    with session_scope(engine) as session:
        ann, bob = _user(session, "ann"), _user(session, "bob")
        alpha = _source(session, "alpha")
        _follow(session, ann, alpha)
        _follow(session, bob, alpha)
        ids = [_article(session, alpha, n, t) for n, t in enumerate(
            ["Election results", "Cup final", "Election turnout", "Weather"], start=1)]
        keep = filtering.add_rule(session, ann, _spec("election", action="keep", rule_id=None), settings, now=NOW)
        assert _hidden(session, ann) == {}  # adding a rule alone leaves what is there
        assert filtering.apply_existing(session, ann, keep.id, settings, now=NOW) == 2
        assert _hidden(session, ann) == {ids[1]: keep.id, ids[3]: keep.id}
        assert _hidden(session, bob) == {}
        block = filtering.add_rule(session, ann, _spec("turnout", rule_id=None), settings, now=NOW)
        assert filtering.apply_existing(session, ann, block.id, settings, now=NOW) == 1
        assert rule_store.delete_rule(session, ann, keep.id) == 2
        assert _hidden(session, ann) == {ids[2]: block.id}
        with pytest.raises(RuleError, match="no such rule"):
            filtering.apply_existing(session, bob, block.id, settings, now=NOW)


def test_preview_shows_what_a_rule_would_block_among_the_newest(db_url: str) -> None:
    engine = engine_for(db_url)
    settings = _settings(db_url, rules_preview_articles=10)
    with session_scope(engine) as session:
        ann, bob = _user(session, "ann"), _user(session, "bob")
        alpha, beta = _source(session, "alpha"), _source(session, "beta")
        _follow(session, ann, alpha)
        _follow(session, bob, beta)
        for n in range(1, 16):
            _article(session, alpha, n, f"Transfer rumour {n}" if n % 3 == 0 else f"Council meeting {n}")
        _article(session, beta, 99, "Transfer rumour in bob's feed")
        shown = filtering.preview(session, ann, _spec("transfer", rule_id=None), settings)
        assert shown.tried == 10  # the newest ten: articles 6..15
        assert [a.title for a in shown.blocked] == ["Transfer rumour 15", "Transfer rumour 12", "Transfer rumour 9",
                                                   "Transfer rumour 6"]
        assert len(shown.kept) == 6
        keep = filtering.preview(session, ann, _spec("transfer", action="keep", rule_id=None), settings)
        assert len(keep.blocked) == 6 and len(keep.kept) == 4
        assert rule_store.rules_of(session, ann) == []  # a preview stores nothing
        empty = filtering.preview(session, _user(session, "cy"), _spec("transfer", rule_id=None), settings)
        assert empty.tried == 0 and empty.blocked == []
        with pytest.raises(RuleError, match="not a valid regular expression"):
            filtering.preview(session, ann, _spec("[a-", regex=True, rule_id=None), settings)


def test_bad_rules_are_not_stored_and_the_count_is_capped(db_url: str) -> None:
    engine = engine_for(db_url)
    settings = _settings(db_url, rules_max_per_user=2)
    with session_scope(engine) as session:
        ann = _user(session, "ann")
        with pytest.raises(RuleError, match="not a valid regular expression"):
            filtering.add_rule(session, ann, _spec("(a|b", regex=True, rule_id=None), settings, now=NOW)
        with pytest.raises(RuleError, match="at most 1,000"):
            filtering.add_rule(session, ann, _spec("x" * 1001, rule_id=None), settings, now=NOW)
        filtering.add_rule(session, ann, _spec("a", rule_id=None), settings, now=NOW)
        filtering.add_rule(session, ann, _spec("b", rule_id=None), settings, now=NOW)
        with pytest.raises(RuleError, match="at most 2 rules"):
            filtering.add_rule(session, ann, _spec("c", rule_id=None), settings, now=NOW)
        assert [r.pattern for r in rule_store.rules_of(session, ann)] == ["a", "b"]


def test_the_enrichment_list_runs_the_rules_stage(db_url: str) -> None:
    from newsdesk.pipeline.enrichment import STAGES, enrich

    assert STAGES[0].name == "rules"
    engine = engine_for(db_url)
    settings = _settings(db_url, stories_enabled=False)
    with session_scope(engine) as session:
        ann = _user(session, "ann")
        alpha = _source(session, "alpha")
        _follow(session, ann, alpha)
        filtering.add_rule(session, ann, _spec("sport", field="section", rule_id=None), settings, now=NOW)
        ids = [_article(session, alpha, 1, "Derby day", section="Sport"), _article(session, alpha, 2, "Budget")]
    report = enrich(settings, ids, clock=lambda: NOW)
    assert report.outcomes.get("rules", "hidden") == 1
    with session_scope(engine) as session:
        assert set(_hidden(session, ann)) == {ids[0]}


def test_the_rules_pages_keep_readers_apart_and_check_csrf(db_url: str, tmp_path: Any) -> None:
    from starlette.testclient import TestClient

    from newsdesk.store.users import create_user
    from newsdesk.web.app import create_app

    engine = engine_for(db_url)
    settings = _settings(db_url, scheduler=False)
    with session_scope(engine) as session:
        ann = create_user(session, "ann", "ann-passphrase", role="reader").id
        create_user(session, "bob", "bob-passphrase", role="reader")
        alpha = _source(session, "alpha")
        _follow(session, ann, alpha)
        _article(session, alpha, 1, "Quokka sighting")
        rule = filtering.add_rule(session, ann, _spec("quokka", rule_id=None), settings, now=NOW)
    app = create_app(settings, secret="rules-pages-secret", clock=lambda: NOW)

    def signed_in(name: str) -> tuple[TestClient, str]:
        client = TestClient(app, base_url="http://testserver")
        page = client.get("/login")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        answer = client.post("/login", data={"csrf": csrf, "username": name, "password": f"{name}-passphrase",
                                             "next": "/my/rules"}, headers={"Origin": "http://testserver"})
        assert answer.status_code == 200 and answer.url.path == "/my/rules"
        return client, csrf

    bob, bob_csrf = signed_in("bob")
    assert "No rules yet" in bob.get("/my/rules").text  # ann's rule is not on bob's page
    origin = {"Origin": "http://testserver"}
    refused = bob.post(f"/my/rules/{rule.id}/delete", data={"csrf": bob_csrf}, headers=origin,
                       follow_redirects=False)
    assert refused.status_code == 404
    client, csrf = signed_in("ann")
    no_token = client.post(f"/my/rules/{rule.id}/delete", data={}, headers=origin, follow_redirects=False)
    assert no_token.status_code == 403
    cross_site = client.post(f"/my/rules/{rule.id}/delete", data={"csrf": csrf},
                             headers={"Origin": "https://elsewhere.example"}, follow_redirects=False)
    assert cross_site.status_code == 403
    bad = client.post("/my/rules", data={"csrf": csrf, "intent": "add", "pattern": "(x", "is_regex": "1",
                                         "field": "title", "action": "block", "scope": "global"}, headers=origin)
    assert bad.status_code == 400 and "Not a valid regular expression" in bad.text
    keys = client.post("/my/keys", data={"csrf": csrf, "key_next": "jj"}, headers=origin)
    assert keys.status_code == 400 and "one printable character" in keys.text
    with session_scope(engine) as session:
        assert [r.id for r in rule_store.rules_of(session, ann)] == [rule.id]
