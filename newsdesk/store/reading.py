"""Each reader's subscriptions, folders and reading state: the one store API the web pages, the
Google Reader API and the Fever API all call, with the user's id passed explicitly every time.

A reader follows *sources* (outlets). What a user sees ("visible") is every article of a subscribed
source that none of the user's rules hid. The reading state is stored sparsely:

- ``subscriptions.read_before``: every article of that source fetched at or before it is read
  ("mark all as read up to"), with no row per article;
- ``item_states``: one row per (user, article) only where the state differs from that default
  (read although newer, unread although older, starred) or where a rule hid it (``filtered_by``).
  A row's ``read`` always wins over ``read_before``.

So an unread count is ``articles newer than read_before`` (an index range count on
``articles(source_id, fetched_at)``) corrected by the user's few rows; nothing is counted per article
per user on the write side, and a newly crawled article is unread for every subscriber at once.

The time order of every stream is (``fetched_at``, ``id``): crawl time, what feed readers sort by
(the Google Reader API's ``crawlTimeMsec``), and a total order, so keyset pages neither repeat nor
skip an item when new articles arrive. A cursor is that pair, ``(fetched_at, article_id)``, of the
last item of a page; pass it back as ``after=``.

A story is read once: marking an article read (or unread) does the same to the other copies of its
text (``articles.reprint_of`` links both ways) the user can see. Stars are per article.
``mark_all_read`` marks exactly the chosen range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import ColumnElement, Select, and_, case, delete, false, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from newsdesk.errors import UsageError
from newsdesk.store.schema import Article, Feed, FilterRule, ItemState, Source, Subscription

State = Literal["all", "unread", "read", "starred"]
Cursor = tuple[datetime, int]  # (fetched_at, article id) of the last item of a page
STATES: Final = ("all", "unread", "read", "starred")
MAX_PAGE: Final = 1000  # why: the largest page any client asks for (GReader n= up to 1000); bounds memory
_CHUNK: Final = 500  # why: ids per IN (...) list, well under every backend's bound-parameter limit
MAX_FOLDER_CHARS: Final = 300  # the column's width
MAX_TITLE_CHARS: Final = 500


class _Unchanged:
    """The "leave it as it is" default of ``edit_subscription`` (None means "no folder")."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = _Unchanged()


@dataclass(frozen=True)
class SubscriptionView:
    """One subscription as every client shows it; ``title`` is the reader's name or the source's."""

    source_id: int
    name: str
    title: str
    folder: str | None
    feed_url: str | None
    home_url: str | None
    lang: str | None
    unread: int


@dataclass(frozen=True)
class ItemView:
    """One article with this user's state of it."""

    article_id: int
    source_id: int | None
    title: str | None
    url: str
    authors: list[str]
    published_at: datetime | None
    fetched_at: datetime
    html: str
    teaser: str
    lang: str | None
    story_id: int | None
    read: bool
    starred: bool


# --- subscriptions and folders ------------------------------------------------------------------


def clean_folder(folder: str | None) -> str | None:
    """A folder path as stored: trimmed, no empty or leading/trailing "/" parts; "" → None."""
    if folder is None:
        return None
    parts = [part.strip() for part in folder.split("/")]
    cleaned = "/".join(part for part in parts if part)
    if len(cleaned) > MAX_FOLDER_CHARS:
        raise UsageError(f"subscriptions: a folder name is at most {MAX_FOLDER_CHARS} characters")
    return cleaned or None


def _clean_title(title: str | None) -> str | None:
    title = (title or "").strip()
    if len(title) > MAX_TITLE_CHARS:
        raise UsageError(f"subscriptions: a title is at most {MAX_TITLE_CHARS} characters")
    return title or None


def _subscription(session: Session, user_id: int, source_id: int) -> Subscription | None:
    return session.execute(select(Subscription).where(
        Subscription.user_id == user_id, Subscription.source_id == source_id)).scalar_one_or_none()


def subscribe(session: Session, user_id: int, source_id: int, *, folder: str | None = None,
              title: str | None = None, now: datetime | None = None) -> None:
    """Follow a source (idempotent: following it again changes nothing, not even its folder).

    UsageError when there is no such source. Concurrent calls for the same pair may race on the
    unique (user, source) constraint; the loser's transaction fails and a retry is a no-op.
    """
    if session.get(Source, source_id) is None:
        raise UsageError(f"subscriptions: no source {source_id}")
    if _subscription(session, user_id, source_id) is not None:
        return
    values: dict[str, Any] = {"user_id": user_id, "source_id": source_id,
                              "folder": clean_folder(folder), "title": _clean_title(title)}
    if now is not None:
        values["created_at"] = now
    session.add(Subscription(**values))
    session.flush()


def unsubscribe(session: Session, user_id: int, source_id: int) -> None:
    """Stop following a source (nothing when not followed). Its article states stay, hidden with
    it, so following it again brings back the stars (its ``read_before`` is gone: older is unread)."""
    session.execute(delete(Subscription).where(
        Subscription.user_id == user_id, Subscription.source_id == source_id))


def edit_subscription(session: Session, user_id: int, source_id: int, *,
                      folder: str | None | _Unchanged = UNCHANGED,
                      title: str | None | _Unchanged = UNCHANGED) -> None:
    """Move a subscription to a folder (None: out of any) and/or rename it (None: the source's name)."""
    subscription = _subscription(session, user_id, source_id)
    if subscription is None:
        raise UsageError(f"subscriptions: source {source_id} is not followed")
    if not isinstance(folder, _Unchanged):
        subscription.folder = clean_folder(folder)
    if not isinstance(title, _Unchanged):
        subscription.title = _clean_title(title)
    session.flush()


def _first_feed_urls(session: Session, source_ids: Sequence[int]) -> dict[int, str]:
    first = (select(Feed.source_id, func.min(Feed.id).label("feed_id"))
             .where(Feed.source_id.in_(source_ids)).group_by(Feed.source_id).subquery())
    rows = session.execute(select(Feed.source_id, Feed.url).join(first, first.c.feed_id == Feed.id))
    return {source_id: url for source_id, url in rows}


def subscriptions(session: Session, user_id: int) -> list[SubscriptionView]:
    """The user's subscriptions with their unread counts, by folder then title."""
    rows = session.execute(
        select(Subscription.source_id, Source.name, Subscription.title, Subscription.folder,
               Source.home_url, Source.lang)
        .join(Source, Source.id == Subscription.source_id).where(Subscription.user_id == user_id)).all()
    if not rows:
        return []
    per_source, _, _ = unread_counts(session, user_id)
    feed_urls = _first_feed_urls(session, [row.source_id for row in rows])
    views = [SubscriptionView(source_id=row.source_id, name=row.name, title=row.title or row.name,
                              folder=row.folder, feed_url=feed_urls.get(row.source_id), home_url=row.home_url,
                              lang=row.lang, unread=per_source.get(row.source_id, 0)) for row in rows]
    return sorted(views, key=lambda v: ((v.folder or "").casefold(), v.title.casefold(), v.source_id))


def folders(session: Session, user_id: int) -> list[str]:
    """The user's folders (those that hold at least one subscription), sorted."""
    names = session.scalars(select(Subscription.folder).distinct().where(
        Subscription.user_id == user_id, Subscription.folder.is_not(None)))
    return sorted((name for name in names if name), key=str.casefold)


def rename_folder(session: Session, user_id: int, old: str, new: str) -> None:
    """Rename a folder; its subscriptions and the rules scoped to it follow. Renaming onto an
    existing folder merges the two."""
    old_name, new_name = clean_folder(old), clean_folder(new)
    if old_name is None or new_name is None:
        raise UsageError("subscriptions: a folder name cannot be empty")
    session.execute(update(Subscription).where(Subscription.user_id == user_id, Subscription.folder == old_name)
                    .values(folder=new_name))
    session.execute(update(FilterRule).where(FilterRule.user_id == user_id, FilterRule.scope == "folder",
                                             FilterRule.scope_value == old_name).values(scope_value=new_name))


def delete_folder(session: Session, user_id: int, folder: str) -> None:
    """Remove a folder: its subscriptions stay, out of any folder (as Google Reader's disable-tag)."""
    name = clean_folder(folder)
    session.execute(update(Subscription).where(Subscription.user_id == user_id, Subscription.folder == name)
                    .values(folder=None))


# --- counts -------------------------------------------------------------------------------------


def _scoped_subscriptions(user_id: int, source_id: int | None, folder: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Subscription.user_id == user_id]
    if source_id is not None:
        where.append(Subscription.source_id == source_id)
    if folder is not None:
        where.append(Subscription.folder == clean_folder(folder))
    return where


def _unread_per_source(session: Session, user_id: int, *, source_id: int | None = None,
                       folder: str | None = None) -> dict[int, int]:
    """Unread counts of the (chosen) subscriptions: an index range count of the articles newer than
    ``read_before``, corrected by the user's state rows."""
    scope = _scoped_subscriptions(user_id, source_id, folder)
    counts = {sid: 0 for sid in session.scalars(select(Subscription.source_id).where(*scope))}
    if not counts:
        return counts
    newer = or_(Subscription.read_before.is_(None), Article.fetched_at > Subscription.read_before)
    base = session.execute(
        select(Subscription.source_id, func.count()).select_from(Subscription)
        .join(Article, Article.source_id == Subscription.source_id)
        .where(*scope, newer).group_by(Subscription.source_id))
    for sid, n in base:
        counts[sid] = n
    state_newer = or_(Subscription.read_before.is_(None), ItemState.fetched_at > Subscription.read_before)
    correction = func.sum(case(
        (and_(state_newer, or_(ItemState.read == true(), ItemState.filtered_by.is_not(None))), -1),
        (and_(~state_newer, ItemState.read == false(), ItemState.filtered_by.is_(None)), 1),
        else_=0))
    adjust = session.execute(
        select(Subscription.source_id, correction).select_from(Subscription)
        .join(ItemState, and_(ItemState.user_id == Subscription.user_id,
                              ItemState.source_id == Subscription.source_id))
        .where(*scope).group_by(Subscription.source_id))
    for sid, n in adjust:
        counts[sid] += int(n or 0)
    return counts


def unread_counts(session: Session, user_id: int) -> tuple[dict[int, int], dict[str, int], int]:
    """(unread per subscribed source, per folder, total); every subscription and folder appears,
    with 0 when all is read."""
    per_source = _unread_per_source(session, user_id)
    per_folder: dict[str, int] = {}
    for sid, folder in session.execute(select(Subscription.source_id, Subscription.folder)
                                       .where(Subscription.user_id == user_id)):
        if folder:
            per_folder[folder] = per_folder.get(folder, 0) + per_source.get(sid, 0)
    return per_source, per_folder, sum(per_source.values())


# --- streams ------------------------------------------------------------------------------------


def _read_expr() -> ColumnElement[bool]:
    """This user's read state of the joined article: its row, else ``read_before``."""
    return case((ItemState.article_id.is_not(None), ItemState.read),
                (and_(Subscription.read_before.is_not(None), Article.fetched_at <= Subscription.read_before), true()),
                else_=false())


# A folder holding at least this share of the user's subscriptions is paged by walking the
# articles' time index (a page needs about limit / share rows); a smaller one by its sources'
# (source_id, fetched_at) ranges, sorted. why 1/20: at 100,000 articles both cost under 2 ms there.
TIME_WALK_SHARE: Final = 0.05


def visible_articles(user_id: int, columns: Sequence[Any], *, time_walk: bool = False) -> Select[Any]:
    """The user's visible articles (subscribed, not hidden), their state row outer-joined.

    ``time_walk``: join on ``source_id + 0``, which keeps the planner off the per-source index
    for the join, so a page is read newest first from the time index and stops after ``limit``
    rows (else SQLite gathers every subscribed article and sorts them: 120 ms at 100,000).
    """
    article_source: Any = Article.source_id + 0 if time_walk else Article.source_id
    return (select(*columns).select_from(Article)
            .join(Subscription, and_(Subscription.source_id == article_source, Subscription.user_id == user_id))
            .outerjoin(ItemState, and_(ItemState.user_id == user_id, ItemState.article_id == Article.id))
            .where(ItemState.filtered_by.is_(None)))


def _filtered(query: Select[Any], *, source_id: int | None, folder: str | None, state: str,
              newer_than: datetime | None, older_than: datetime | None, oldest_first: bool,
              after: Cursor | None) -> Select[Any]:
    if state not in STATES:
        raise UsageError(f"reading: state must be one of {', '.join(STATES)}, not {state!r}")
    if source_id is not None:
        query = query.where(Article.source_id == source_id)
    if folder is not None:
        query = query.where(Subscription.folder == clean_folder(folder))
    # the state as one expression compared to a constant: PostgreSQL's planner then expects many
    # matches and reads the time index with the LIMIT (an OR of outer-join NULL tests it estimated
    # at one row, and sorted all 70,000 unread articles of a 100,000: 240 ms)
    if state == "unread":
        query = query.where(_read_expr() == false())
    elif state == "read":
        query = query.where(_read_expr() == true())
    elif state == "starred":
        query = query.where(ItemState.starred == true())
    if newer_than is not None:
        query = query.where(Article.fetched_at > newer_than)
    if older_than is not None:
        query = query.where(Article.fetched_at < older_than)
    if after is not None:
        at, last_id = after
        if oldest_first:  # the first term keeps it an index range
            query = query.where(Article.fetched_at >= at, or_(Article.fetched_at > at, Article.id > last_id))
        else:
            query = query.where(Article.fetched_at <= at, or_(Article.fetched_at < at, Article.id < last_id))
    if oldest_first:
        return query.order_by(Article.fetched_at.asc(), Article.id.asc())
    return query.order_by(Article.fetched_at.desc(), Article.id.desc())


def _time_walk(session: Session, user_id: int, source_id: int | None, folder: str | None) -> bool:
    """Whether a stream is best read from the time index (see ``TIME_WALK_SHARE``)."""
    if source_id is not None:
        return False  # one source: its own (source_id, fetched_at) range is already in order
    if folder is None:
        return True
    counts = session.execute(select(func.count(), func.count(case((Subscription.folder == clean_folder(folder), 1))))
                             .where(Subscription.user_id == user_id)).one()
    return bool(counts[0]) and counts[1] >= TIME_WALK_SHARE * counts[0]


def _page_size(limit: int | None) -> int:
    if limit is None:
        return MAX_PAGE
    return max(1, min(int(limit), MAX_PAGE))


_ITEM_COLUMNS = (Article.id, Article.source_id, Article.title, Article.url, Article.authors,
                 Article.published_at, Article.fetched_at, Article.html, Article.teaser, Article.lang,
                 Article.story_id)


def _item(row: Any) -> ItemView:
    return ItemView(article_id=row.id, source_id=row.source_id, title=row.title, url=row.url,
                    authors=list(row.authors or []), published_at=row.published_at, fetched_at=row.fetched_at,
                    html=row.html or "", teaser=row.teaser or "", lang=row.lang, story_id=row.story_id,
                    read=bool(row.is_read), starred=bool(row.starred))


def stream(session: Session, user_id: int, *, source_id: int | None = None, folder: str | None = None,
           state: State | str = "all", newer_than: datetime | None = None, older_than: datetime | None = None,
           oldest_first: bool = False, limit: int = 50,
           after: Cursor | None = None) -> tuple[list[ItemView], Cursor | None]:
    """One page of the user's visible articles, newest first (or oldest first), and the cursor of
    the next page (None when this was the last)."""
    size = _page_size(limit)
    columns = (*_ITEM_COLUMNS, _read_expr().label("is_read"),
               func.coalesce(ItemState.starred, false()).label("starred"))
    walk = _time_walk(session, user_id, source_id, folder)
    query = _filtered(visible_articles(user_id, columns, time_walk=walk), source_id=source_id, folder=folder, state=state,
                      newer_than=newer_than, older_than=older_than, oldest_first=oldest_first, after=after)
    rows = session.execute(query.limit(size + 1)).all()
    page = [_item(row) for row in rows[:size]]
    cursor = (page[-1].fetched_at, page[-1].article_id) if len(rows) > size else None
    return page, cursor


def item_ids(session: Session, user_id: int, *, source_id: int | None = None, folder: str | None = None,
             state: State | str = "all", newer_than: datetime | None = None, older_than: datetime | None = None,
             oldest_first: bool = False, limit: int | None = None,
             after: Cursor | None = None) -> list[tuple[int, datetime]]:
    """(article id, fetched_at) of the user's visible articles, in stream order; ``limit`` None
    means every match (the ids-only calls of the apps ask for up to 10,000 at a time). The next
    page's cursor is ``(fetched_at, id)`` of the last pair."""
    walk = _time_walk(session, user_id, source_id, folder)
    query = _filtered(visible_articles(user_id, (Article.id, Article.fetched_at), time_walk=walk), source_id=source_id,
                      folder=folder,
                      state=state, newer_than=newer_than, older_than=older_than, oldest_first=oldest_first,
                      after=after)
    if limit is not None:
        query = query.limit(max(0, int(limit)))
    return [(row.id, row.fetched_at) for row in session.execute(query)]


def items(session: Session, user_id: int, article_ids: Iterable[int]) -> list[ItemView]:
    """The user's visible articles among ``article_ids``, in the order asked (each once); others
    (not subscribed, hidden, unknown) are left out."""
    wanted = list(dict.fromkeys(int(i) for i in article_ids))
    columns = (*_ITEM_COLUMNS, _read_expr().label("is_read"),
               func.coalesce(ItemState.starred, false()).label("starred"))
    found: dict[int, ItemView] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        for row in session.execute(visible_articles(user_id, columns).where(Article.id.in_(chunk))):
            found[row.id] = _item(row)
    return [found[i] for i in wanted if i in found]


# --- marks --------------------------------------------------------------------------------------


@dataclass
class _Target:
    article_id: int
    source_id: int
    fetched_at: datetime
    read_before: datetime | None
    row: tuple[bool, bool, datetime | None, datetime | None] | None  # read, starred, read_at, starred_at

    @property
    def default_read(self) -> bool:
        return self.read_before is not None and self.fetched_at <= self.read_before

    @property
    def read(self) -> bool:
        return self.row[0] if self.row is not None else self.default_read

    @property
    def starred(self) -> bool:
        return self.row[1] if self.row is not None else False


def _targets(session: Session, user_id: int, where: ColumnElement[bool]) -> dict[int, _Target]:
    """The user's visible articles matching ``where``, with their state."""
    query = visible_articles(user_id, (Article.id, Article.source_id, Article.fetched_at, Subscription.read_before,
                               ItemState.article_id.label("has_row"), ItemState.read, ItemState.starred,
                               ItemState.read_at, ItemState.starred_at)).where(where)
    return {row.id: _Target(row.id, row.source_id, row.fetched_at, row.read_before,
                            None if row.has_row is None else (bool(row.read), bool(row.starred), row.read_at,
                                                              row.starred_at))
            for row in session.execute(query)}


def _with_reprints(session: Session, user_id: int, targets: dict[int, _Target]) -> dict[int, _Target]:
    """``targets`` and every other visible copy of their texts (an article, what it reprints, and
    every reprint of that original)."""
    ids = list(targets)
    roots: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for article_id, reprint_of in session.execute(
                select(Article.id, Article.reprint_of).where(Article.id.in_(chunk))):
            roots.add(reprint_of or article_id)
    root_list = sorted(roots)
    copies: set[int] = set(root_list)
    for start in range(0, len(root_list), _CHUNK):
        # the articles table alone first: joined to the subscriptions, SQLite's planner walked
        # every subscribed source for this (200 ms at 100,000 articles)
        copies.update(session.scalars(select(Article.id).where(Article.reprint_of.in_(root_list[start:start + _CHUNK]))))
    result = dict(targets)
    missing = sorted(copies - set(result))
    for start in range(0, len(missing), _CHUNK):
        result.update(_targets(session, user_id, Article.id.in_(missing[start:start + _CHUNK])))
    return result


def _upsert_states(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(rows), _CHUNK):
        statement = insert(ItemState).values(rows[start:start + _CHUNK])
        statement = statement.on_conflict_do_update(
            index_elements=[ItemState.user_id, ItemState.article_id],
            set_={name: statement.excluded[name]
                  for name in ("read", "starred", "read_at", "starred_at", "updated_at")})
        session.execute(statement)


def mark(session: Session, user_id: int, article_ids: Iterable[int], *, read: bool | None = None,
         starred: bool | None = None, now: datetime) -> int:
    """Set read and/or starred on the user's visible articles among ``article_ids`` (others are
    ignored); read or unread also applies to the other copies of the same text. Returns how many
    articles' state changed."""
    wanted = list(dict.fromkeys(int(i) for i in article_ids))
    if not wanted or (read is None and starred is None):
        return 0
    targets: dict[int, _Target] = {}
    for start in range(0, len(wanted), _CHUNK):
        targets.update(_targets(session, user_id, Article.id.in_(wanted[start:start + _CHUNK])))
    expanded = _with_reprints(session, user_id, targets) if read is not None and targets else targets
    upserts: list[dict[str, Any]] = []
    to_default: list[int] = []
    changed = 0
    for article_id, target in expanded.items():
        new_read = target.read if read is None else read
        # stars apply to the articles asked for only, never to their copies
        new_starred = starred if (starred is not None and article_id in targets) else target.starred
        if (new_read, new_starred) == (target.read, target.starred):
            continue
        changed += 1
        if new_read == target.default_read and not new_starred:
            to_default.append(article_id)  # the default again: no row (hidden rows are never here)
            continue
        old_read_at = target.row[2] if target.row else None
        old_starred_at = target.row[3] if target.row else None
        upserts.append({
            "user_id": user_id, "article_id": article_id, "source_id": target.source_id,
            "fetched_at": target.fetched_at, "read": new_read, "starred": new_starred,
            "read_at": (old_read_at if target.read else now) if new_read else None,
            "starred_at": (old_starred_at if target.starred else now) if new_starred else None,
            "filtered_by": None, "updated_at": now,
        })
    for start in range(0, len(to_default), _CHUNK):
        session.execute(delete(ItemState).where(ItemState.user_id == user_id,
                                                ItemState.article_id.in_(to_default[start:start + _CHUNK]),
                                                ItemState.filtered_by.is_(None)))
    _upsert_states(session, upserts)
    return changed


def mark_all_read(session: Session, user_id: int, *, before: datetime, source_id: int | None = None,
                  folder: str | None = None, now: datetime) -> int:
    """Mark read every article fetched at or before ``before`` of the user's subscriptions (all,
    one source or one folder); returns how many turned read. Articles newer than ``before`` keep
    their state, so "mark all as read" up to the newest item shown spares what arrived meanwhile."""
    scope = _scoped_subscriptions(user_id, source_id, folder)
    source_ids = list(session.scalars(select(Subscription.source_id).where(*scope)))
    if not source_ids:
        return 0
    unread_before = sum(_unread_per_source(session, user_id, source_id=source_id, folder=folder).values())
    session.execute(update(Subscription).where(
        *scope, or_(Subscription.read_before.is_(None), Subscription.read_before < before))
        .values(read_before=before))
    for start in range(0, len(source_ids), _CHUNK):
        chunk = source_ids[start:start + _CHUNK]
        in_range = and_(ItemState.user_id == user_id, ItemState.source_id.in_(chunk),
                        ItemState.fetched_at <= before)
        # read and not starred is now the default there: the rows go; starred ones turn read
        session.execute(delete(ItemState).where(in_range, ItemState.starred == false(),
                                                ItemState.filtered_by.is_(None)))
        session.execute(update(ItemState).where(in_range, ItemState.read == false())
                        .values(read=True, read_at=now, updated_at=now))
    unread_after = sum(_unread_per_source(session, user_id, source_id=source_id, folder=folder).values())
    return unread_before - unread_after


__all__ = [
    "MAX_PAGE", "STATES", "UNCHANGED", "Cursor", "ItemView", "State", "SubscriptionView", "clean_folder",
    "delete_folder", "edit_subscription", "folders", "item_ids", "items", "mark", "mark_all_read",
    "rename_folder", "stream", "subscribe", "subscriptions", "unread_counts", "unsubscribe",
]
