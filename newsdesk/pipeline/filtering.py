"""Readers' filter rules, sequenced: validate and store, preview, apply to new and existing articles.

The decisions are ``enrich/rules.py``'s (pure); the rows are ``store/rules.py``'s. Three paths:

- :func:`rules_stage` is the enrichment stage after storing (``pipeline/enrichment.py``): each new
  article is tried against the rules of every subscriber of its source who has any, and hidden
  from those whose rules say so. Counted as ``rules.hidden`` / ``rules.shown`` per (user, article)
  and ``rules.undecided`` per search that ran out of time.
- :func:`apply_existing` (on request, from ``/my/rules``): one rule over the articles already
  there. An article is hidden *by that rule* when the reader's rules as a whole would hide it and
  this rule alone would too, so deleting the rule brings back exactly what applying it hid.
- :func:`preview`: what a rule not stored yet would keep and block among the newest articles of
  the reader's subscriptions (that rule alone, the others not consulted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from newsdesk.enrich.rules import Matcher, RuleError, RuleSpec, compile_all, compile_rule, decide, verdict
from newsdesk.models import Outcomes
from newsdesk.settings import Settings
from newsdesk.store import rules as rule_store
from newsdesk.store.db import session_scope
from newsdesk.store.rules import RuleArticle, RuleRow

STAGE = "rules"
APPLY_BATCH = 500  # why: articles loaded per query when applying a rule to what is there; a few MB


def spec_of(row: RuleRow) -> RuleSpec:
    return RuleSpec(row.id, row.scope, row.scope_value, row.action, row.field, row.pattern, row.is_regex)


def _matchers(rows: Sequence[RuleRow], settings: Settings) -> list[Matcher]:
    return compile_all((spec_of(r) for r in rows), timeout=settings.rules_regex_timeout)


def add_rule(session: Session, user_id: int, spec: RuleSpec, settings: Settings, *, now: datetime) -> RuleRow:
    """Validate (RuleError says why not) and store the user's rule; new articles obey it from now."""
    matcher = compile_rule(spec, timeout=settings.rules_regex_timeout)
    if rule_store.count_rules(session, user_id) >= settings.rules_max_per_user:
        raise RuleError(f"rules: at most {settings.rules_max_per_user} rules per reader; delete one first")
    s = matcher.spec
    return rule_store.insert_rule(session, user_id, scope=s.scope, scope_value=s.scope_value, action=s.action,
                                  field=s.field, pattern=s.pattern, is_regex=s.is_regex, now=now)


def rules_stage(engine: Engine, settings: Settings, article_ids: Sequence[int], outcomes: Outcomes, *,
                now: datetime) -> int:
    """The enrichment stage: hide the new ``article_ids`` from the readers whose rules block them.
    Returns how many (user, article) pairs were hidden. Idempotent: an article already hidden keeps its rule."""
    if not article_ids:
        return 0
    with session_scope(engine) as session:
        return apply_new(session, article_ids, settings, outcomes, now=now)


def apply_new(session: Session, article_ids: Sequence[int], settings: Settings, outcomes: Outcomes, *,
              now: datetime) -> int:
    """:func:`rules_stage` inside a session the caller holds."""
    candidates = rule_store.new_articles_for_rules(session, article_ids, text_chars=settings.rules_text_chars)
    if not candidates:
        return 0
    by_user = rule_store.rules_for_users(session, {a.user_id for a in candidates})
    matchers = {user: _matchers(rows, settings) for user, rows in by_user.items()}
    hits: list[tuple[RuleArticle, int]] = []
    for article in candidates:
        if article.hidden_by is not None:
            continue
        decision = decide(matchers.get(article.user_id, []), article, text_chars=settings.rules_text_chars)
        for _ in range(decision.undecided):
            outcomes.add(STAGE, "undecided")
        if decision.hidden_by is None:
            outcomes.add(STAGE, "shown")
        else:
            outcomes.add(STAGE, "hidden")
            hits.append((article, decision.hidden_by))
    rule_store.hide(session, hits, now=now)
    return len(hits)


def apply_existing(session: Session, user_id: int, rule_id: int, settings: Settings, *, now: datetime) -> int:
    """Apply the user's rule ``rule_id`` to every article of their subscriptions already stored;
    returns how many it hid. UsageError when there is no such rule."""
    rows = rule_store.rules_of(session, user_id)
    target = next((r for r in rows if r.id == rule_id), None)
    if target is None:
        raise RuleError("rules: no such rule")
    matchers = _matchers(rows, settings)
    this = next((m for m in matchers if m.spec.id == rule_id), None)
    if this is None:
        return 0
    chars = settings.rules_text_chars
    hidden = 0
    cursor: tuple[datetime, int] | None = None
    while True:
        page = rule_store.user_articles(session, user_id, text_chars=chars, limit=APPLY_BATCH, before=cursor)
        if not page:
            return hidden
        cursor = (page[-1].fetched_at, page[-1].article_id)
        hits = [(a, rule_id) for a in page if a.hidden_by is None
                and decide(matchers, a, text_chars=chars).hidden_by is not None
                and verdict(this, a, text_chars=chars) == "block"]
        hidden += rule_store.hide(session, hits, now=now)


@dataclass(frozen=True)
class Preview:
    """What a rule would do to the newest ``tried`` articles: the ones it blocks (hides) and keeps."""

    spec: RuleSpec
    tried: int
    blocked: list[RuleArticle] = field(default_factory=list)
    kept: list[RuleArticle] = field(default_factory=list)
    undecided: int = 0


def preview(session: Session, user_id: int, spec: RuleSpec, settings: Settings) -> Preview:
    """Try ``spec`` (validated; RuleError says why not) on the user's newest articles, hidden ones too."""
    matcher = compile_rule(spec, timeout=settings.rules_regex_timeout)
    chars = settings.rules_text_chars
    articles = rule_store.user_articles(session, user_id, text_chars=chars, limit=settings.rules_preview_articles)
    blocked, kept, undecided = [], [], 0
    for article in articles:
        outcome = verdict(matcher, article, text_chars=chars)
        if outcome == "block":
            blocked.append(article)
        else:
            kept.append(article)
            undecided += outcome == "undecided"
    return Preview(matcher.spec, len(articles), blocked, kept, undecided)


__all__ = ["Preview", "add_rule", "apply_existing", "apply_new", "preview", "rules_stage", "spec_of"]
