"""Readers' filter rules as rows, the articles they are tried on, and the rows that hide articles.

A hidden article is an ``item_states`` row with ``filtered_by`` = the rule that hid it, for that
user only (``store/reading.py`` leaves such articles out of every stream and count). The row
keeps the article's read and starred state: hiding writes the state the article had (its own row,
or the source's ``read_before``), so deleting the rule (:func:`delete_rule`) brings the article
back as it was; rows left at the default (unread, or read by ``read_before``, and not starred) are
removed then, as ``item_states`` holds only what differs from the default.

The decisions are made in ``enrich/rules.py`` (pure) and sequenced in ``pipeline/filtering.py``;
this module only reads and writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from newsdesk.errors import UsageError
from newsdesk.store.schema import Article, FilterRule, ItemState, Subscription

_CHUNK: Final = 500  # why: ids per IN (...) list, well under every backend's bound-parameter limit


@dataclass(frozen=True, slots=True)
class RuleRow:
    """A stored rule and how many articles it hides now."""

    id: int
    user_id: int
    scope: str
    scope_value: str | None
    action: str
    field: str
    pattern: str
    is_regex: bool
    created_at: datetime
    hidden: int = 0


@dataclass(frozen=True, slots=True)
class RuleArticle:
    """One article as one reader's rules see it: its fields, the reader's folder for its source, and
    the read state ``read_before`` gives it (what a hiding row must keep)."""

    user_id: int
    article_id: int
    source_id: int | None
    folder: str | None
    title: str | None
    url: str
    authors: Sequence[str]
    content: str
    lang: str | None
    section: str | None
    fetched_at: datetime
    published_at: datetime | None
    default_read: bool
    hidden_by: int | None = None


def _row(rule: FilterRule, hidden: int = 0) -> RuleRow:
    return RuleRow(rule.id, rule.user_id, rule.scope, rule.scope_value, rule.action, rule.field, rule.pattern,
                   rule.is_regex, rule.created_at, hidden)


def rules_of(session: Session, user_id: int) -> list[RuleRow]:
    """The user's rules in id order, each with the number of articles it hides."""
    counted = session.execute(
        select(ItemState.filtered_by, func.count()).where(ItemState.user_id == user_id,
                                                          ItemState.filtered_by.is_not(None))
        .group_by(ItemState.filtered_by))
    hidden = {rule_id: int(n) for rule_id, n in counted}
    rules = session.scalars(select(FilterRule).where(FilterRule.user_id == user_id).order_by(FilterRule.id))
    return [_row(r, hidden.get(r.id, 0)) for r in rules]


def rule_of(session: Session, user_id: int, rule_id: int) -> RuleRow | None:
    """The user's rule ``rule_id``; None when there is none (or it is another user's)."""
    rule = session.get(FilterRule, rule_id)
    return _row(rule) if rule is not None and rule.user_id == user_id else None


def rules_for_users(session: Session, user_ids: Iterable[int]) -> dict[int, list[RuleRow]]:
    """Every rule of each of ``user_ids`` that has any, in id order."""
    out: dict[int, list[RuleRow]] = {}
    wanted = list(dict.fromkeys(user_ids))
    for start in range(0, len(wanted), _CHUNK):
        query = (select(FilterRule).where(FilterRule.user_id.in_(wanted[start:start + _CHUNK]))
                 .order_by(FilterRule.id))
        for rule in session.scalars(query):
            out.setdefault(rule.user_id, []).append(_row(rule))
    return out


def count_rules(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(FilterRule).where(FilterRule.user_id == user_id))
               or 0)


def insert_rule(session: Session, user_id: int, *, scope: str, scope_value: str | None, action: str, field: str,
                pattern: str, is_regex: bool, now: datetime) -> RuleRow:
    """Store an already validated rule (``pipeline.filtering.add_rule`` validates)."""
    rule = FilterRule(user_id=user_id, scope=scope, scope_value=scope_value, action=action, field=field,
                      pattern=pattern, is_regex=is_regex, created_at=now)
    session.add(rule)
    session.flush()
    return _row(rule)


def delete_rule(session: Session, user_id: int, rule_id: int) -> int:
    """Delete the user's rule and bring back every article it hid; returns how many came back.

    UsageError when the user has no such rule (another user's rule is "no such rule" too)."""
    rule = session.get(FilterRule, rule_id)
    if rule is None or rule.user_id != user_id:
        raise UsageError("rules: no such rule")
    back = unhide(session, user_id, rule_id)
    session.delete(rule)
    session.flush()
    return back


def unhide(session: Session, user_id: int, rule_id: int) -> int:
    """Clear the rule's hiding rows: rows at the default state go, the others keep their state."""
    hidden = ItemState.__table__.alias("hidden")
    rows = session.execute(
        select(hidden.c.article_id, hidden.c.read, hidden.c.starred, hidden.c.fetched_at, Subscription.read_before)
        .outerjoin(Subscription, (Subscription.user_id == hidden.c.user_id)
                   & (Subscription.source_id == hidden.c.source_id))
        .where(hidden.c.user_id == user_id, hidden.c.filtered_by == rule_id)).all()
    to_delete = [r.article_id for r in rows
                 if not r.starred and r.read == (r.read_before is not None and r.fetched_at <= r.read_before)]
    for start in range(0, len(to_delete), _CHUNK):
        session.execute(delete(ItemState).where(ItemState.user_id == user_id, ItemState.filtered_by == rule_id,
                                                ItemState.article_id.in_(to_delete[start:start + _CHUNK])))
    session.execute(update(ItemState).where(ItemState.user_id == user_id, ItemState.filtered_by == rule_id)
                    .values(filtered_by=None))
    return len(rows)


def hide(session: Session, hits: Sequence[tuple[RuleArticle, int]], *, now: datetime) -> int:
    """Hide each article from its user by the rule given (articles already hidden keep their rule);
    returns how many rows were written."""
    if not hits:
        return 0
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    written = 0
    for start in range(0, len(hits), _CHUNK):
        chunk = hits[start:start + _CHUNK]
        values = [{"user_id": a.user_id, "article_id": a.article_id, "source_id": a.source_id,
                   "fetched_at": a.fetched_at, "read": a.default_read, "starred": False, "read_at": None,
                   "starred_at": None, "filtered_by": rule_id, "updated_at": now} for a, rule_id in chunk]
        statement = insert(ItemState).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=[ItemState.user_id, ItemState.article_id],
            set_={"filtered_by": statement.excluded.filtered_by, "updated_at": statement.excluded.updated_at},
            where=ItemState.filtered_by.is_(None)).returning(ItemState.article_id)
        written += len(session.execute(statement).all())  # why RETURNING: PostgreSQL's rowcount is -1 here
    return written


def _article_query(text_chars: int) -> Any:
    """The fields a rule reads, with the user's folder and the row's state; content capped in SQL
    (why: a rule reads the opening only, and a 200 kB text need not cross the wire)."""
    return (select(Subscription.user_id, Subscription.folder, Subscription.read_before, Article.id,
                   Article.source_id, Article.title, Article.url, Article.authors,
                   func.substr(Article.text, 1, text_chars).label("content"), Article.lang, Article.section,
                   Article.fetched_at, Article.published_at, ItemState.filtered_by)
            .join(Subscription, Subscription.source_id == Article.source_id)
            .outerjoin(ItemState, (ItemState.user_id == Subscription.user_id)
                       & (ItemState.article_id == Article.id)))


def _article(row: Any) -> RuleArticle:
    default_read = row.read_before is not None and row.fetched_at <= row.read_before
    return RuleArticle(row.user_id, row.id, row.source_id, row.folder, row.title, row.url, list(row.authors or []),
                       row.content or "", row.lang, row.section, row.fetched_at, row.published_at, default_read,
                       row.filtered_by)


def new_articles_for_rules(session: Session, article_ids: Sequence[int], *, text_chars: int) -> list[RuleArticle]:
    """Each of ``article_ids`` once for every subscriber of its source who has rules."""
    ids = list(dict.fromkeys(article_ids))
    users_with_rules = select(FilterRule.user_id).distinct()
    out: list[RuleArticle] = []
    for start in range(0, len(ids), _CHUNK):
        query = _article_query(text_chars).where(Article.id.in_(ids[start:start + _CHUNK]),
                                                 Subscription.user_id.in_(users_with_rules))
        out.extend(_article(row) for row in session.execute(query))
    return out


def user_articles(session: Session, user_id: int, *, text_chars: int, limit: int,
                  before: tuple[datetime, int] | None = None) -> list[RuleArticle]:
    """The user's subscribed articles, newest first by (fetched_at, id), from ``before`` on (a keyset
    cursor: the last article of the previous page); hidden ones included (``hidden_by``)."""
    query = _article_query(text_chars).where(Subscription.user_id == user_id)
    if before is not None:
        at, article_id = before
        query = query.where((Article.fetched_at < at) | ((Article.fetched_at == at) & (Article.id < article_id)))
    query = query.order_by(Article.fetched_at.desc(), Article.id.desc()).limit(limit)
    return [_article(row) for row in session.execute(query)]


__all__ = [
    "RuleArticle", "RuleRow", "count_rules", "delete_rule", "hide", "insert_rule", "new_articles_for_rules",
    "rule_of", "rules_for_users", "rules_of", "unhide", "user_articles",
]
