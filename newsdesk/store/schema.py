"""The database schema (SQLAlchemy 2 declarative). Alembic migrations in ``migrations/`` create it.

Times are stored as aware UTC (``UTCDateTime`` normalises on the way in and out, since SQLite keeps
no zone). Lists (authors, cited sources) are JSON. The ``entries`` table is the crawl queue: a
feed's new entries are queued in the same transaction that records the feed's new ETag, and each
entry is marked done in the same transaction that stores its article, so a crawl killed at any
moment resumes with nothing lost and nothing written twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from newsdesk.models import MAX_URL_CHARS


def utcnow() -> datetime:
    return datetime.now(UTC)

class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Newsdesk stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

class Base(DeclarativeBase):
    pass

class Source(Base):
    """An outlet: a publisher Newsdesk follows through one or more feeds."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    home_url: Mapped[str | None] = mapped_column(String(MAX_URL_CHARS))
    lang: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(8))
    # who owns the outlet (free text, "Gazprom-Media") and whether it is state media (None: unknown)
    ownership: Mapped[str | None] = mapped_column(String(300))
    state_media: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # where article bodies come from: auto, feed or rules (extract/modes.py); selectors for rules
    extraction_mode: Mapped[str] = mapped_column(String(16), default="auto", server_default="auto")
    body_selector: Mapped[str | None] = mapped_column(String(500))
    drop_selectors: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    feeds: Mapped[list[Feed]] = relationship(back_populates="source", cascade="all, delete-orphan")

class Feed(Base):
    """A URL polled for entries: RSS/Atom/JSON Feed, a sitemap, or a single page."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_CHARS), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(500))
    folder: Mapped[str | None] = mapped_column(String(300))  # OPML folder path, "World/Europe"
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # seconds between two checks while healthy, learned from the feed (fetch/schedule.py poll_interval)
    poll_interval: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[Source] = relationship(back_populates="feeds")

class Entry(Base):
    """The crawl queue: one row per article URL a feed pointed to (normalized URL, unique)."""

    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_CHARS), unique=True)
    guid: Mapped[str | None] = mapped_column(String(MAX_URL_CHARS))
    hints: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what the feed said (title, date…)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending/done/failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

class Article(Base):
    """One article, stored once however many URLs or feeds led to it."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_CHARS))  # the first URL it was reached by
    canonical_url: Mapped[str] = mapped_column(String(MAX_URL_CHARS), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lang: Mapped[str | None] = mapped_column(String(16), index=True)
    html: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    teaser: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str | None] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(String(MAX_URL_CHARS))
    section: Mapped[str | None] = mapped_column(String(200), index=True)
    site_name: Mapped[str | None] = mapped_column(String(300))
    cited_sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    # the outlets its text came from (an aggregator's closing "Источник: Газета.Ru"), not citations
    text_sources: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # the story it belongs to (NULL: not clustered yet, the enrichment stages' queue); the earliest
    # copy of the same text when this one is a reprint (its own page stays, lists fold it)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), index=True)
    reprint_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    # when the entities stage looked at it (NULL: its queue); set again to NULL by `entities rebuild`
    entities_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    source: Mapped[Source | None] = relationship()
    urls: Mapped[list[ArticleUrl]] = relationship(back_populates="article", cascade="all, delete-orphan")
    translations: Mapped[list[Translation]] = relationship(
        back_populates="article", cascade="all, delete-orphan"
    )

class Story(Base):
    """One event as every outlet and language covered it: the unit a reader browses.

    ``id`` is the id of the story's first article (its seed), not a sequence: the same input
    clustered again gives the same ids, so links, feeds and exports stay valid across a rebuild.
    The counts are kept here (updated with each article) so lists never count on the fly.
    """

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # headline per language: {"en": "...", "ru": "..."}, the first article's title in each language
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    outlet_count: Mapped[int] = mapped_column(Integer, default=0, index=True)
    language_count: Mapped[int] = mapped_column(Integer, default=0)
    reprint_count: Mapped[int] = mapped_column(Integer, default=0)
    languages: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # {"en": 3, "ru": 2}
    # set when an explicit merge folded this story into another; its page redirects there
    merged_into: Mapped[int | None] = mapped_column(Integer, index=True)

class ArticleFeatures(Base):
    """What the enrichment stages computed for an article and keep for the next article's match.

    The embedding (float16 bytes) and the MinHash signature (uint32 bytes) are stored so an index
    can be reloaded after a restart, or by another worker, without embedding the texts again;
    ``model`` names what made the embedding, so a model change re-embeds instead of mixing spaces.
    """

    __tablename__ = "article_features"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str | None] = mapped_column(String(64))
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    # why the article joined its story: the match score and the signals that agreed (explainable)
    story_score: Mapped[float | None] = mapped_column(Float)
    story_signals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

class ArticleUrl(Base):
    """Every normalized URL that led to an article (feed links, redirects, canonical, og:url)."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_CHARS), unique=True)

    article: Mapped[Article] = relationship(back_populates="urls")

class Translation(Base):
    """An article's title and body in another language, with the engine that made it."""

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("article_id", "lang", name="uq_translation_article_lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    teaser: Mapped[str] = mapped_column(Text, default="")
    engine: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="translations")

class TranslationCache(Base):
    """Translated segments keyed by (text hash, engine, language pair), so nothing is translated twice."""

    __tablename__ = "translation_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of engine|src|tgt|text
    engine: Mapped[str] = mapped_column(String(100))
    source_lang: Mapped[str] = mapped_column(String(16))
    target_lang: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TranslationJob(Base):
    """The state of translating one article into one language; failures are kept and retried later."""

    __tablename__ = "translation_jobs"
    __table_args__ = (UniqueConstraint("article_id", "lang", name="uq_translation_job_article_lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending/done/failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FetchLog(Base):
    """One row per request made (or refused), with its outcome; the CLI and admin show these."""

    __tablename__ = "fetch_log"
    __table_args__ = (Index("ix_fetch_log_feed_at", "feed_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_CHARS))
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # feed, page, robots
    status: Mapped[int | None] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(40))  # ok, not_modified, stage.reason…
    error: Mapped[str | None] = mapped_column(Text)

class Meta(Base):
    """Small key/value facts about the database (e.g. when it was created)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

__all__ = [
    "Article",
    "ArticleUrl",
    "Base",
    "Entry",
    "Feed",
    "FetchLog",
    "Meta",
    "Source",
    "Translation",
    "TranslationCache",
    "TranslationJob",
    "UTCDateTime",
    "utcnow",
]


# --- reader site (issue 4): comments, admin users, search index, change counter -------------------
# Composite indexes for the site's lists (newest first within a source, section or language).
Index("ix_articles_source_published", Article.source_id, Article.published_at, Article.id)
Index("ix_articles_section_published", Article.section, Article.published_at, Article.id)
Index("ix_articles_lang_published", Article.lang, Article.published_at, Article.id)
Index("ix_articles_published_id", Article.published_at, Article.id)


class Comment(Base):
    """A reader's comment: plain text, shown escaped; ``status`` is pending, published or rejected."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_article_status", "article_id", "status", "created_at"),
        Index("ix_comments_ip_created", "ip_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    author_name: Mapped[str | None] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    ip_hash: Mapped[str] = mapped_column(String(64))  # keyed hash: rate limits without keeping IPs
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class User(Base):
    """A person with an account: an ``admin`` (moderates, manages sources) or a ``reader`` (their own
    subscriptions and reading state). The password is kept only as an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # admin or reader; the users made before roles existed were all admins
    role: Mapped[str] = mapped_column(String(16), default="reader", server_default="admin")
    # the Fever API's key: md5 of "username:app password" (the protocol's own scheme), set with an
    # app password so the account password never travels in that weak form
    fever_key: Mapped[str | None] = mapped_column(String(32))  # unique: index uq_users_fever_key
    # the reader's key bindings where they differ from the defaults ({"next": "j", ...})
    keymap: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")

Index("uq_users_fever_key", User.fever_key, unique=True)
# a reader's stream of one source and its unread count (articles newer than read_before) are
# ranges of this index, in the streams' (fetched_at, id) order
Index("ix_articles_source_fetched", Article.source_id, Article.fetched_at, Article.id)

class ApiToken(Base):
    """A token an app signs in with (the Google Reader API's ClientLogin ``Auth``), kept on the
    server as a hash so ending it (log-out, password change, user deleted) really ends it."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # greader
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

class Subscription(Base):
    """A reader follows one of the site's sources, in a folder of their own (OPML in and out)."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "source_id", name="uq_subscription_user_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    folder: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(500))  # the reader's own name for it
    # every article of this source fetched at or before this time counts as read ("mark all read up
    # to"), without a row per article; item_states rows say otherwise for single articles
    read_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

class ItemState(Base):
    """One reader's state of one article, where it differs from the default (unread, not starred).

    ``source_id`` and ``fetched_at`` are the article's, copied so the unread counts per source and
    folder are index-only counts; ``filtered_by`` is the rule that hid it (undone by deleting the rule's rows).
    """

    __tablename__ = "item_states"
    __table_args__ = (
        Index("ix_item_states_user_source", "user_id", "source_id", "read", "fetched_at", "filtered_by"),
        Index("ix_item_states_user_starred", "user_id", "starred", "starred_at"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    source_id: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read: Mapped[bool] = mapped_column(default=False)
    starred: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    starred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filtered_by: Mapped[int | None] = mapped_column(ForeignKey("filter_rules.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

class FilterRule(Base):
    """A reader's rule: keep or block articles whose field matches words or a regular expression,
    everywhere, in one folder or for one source."""

    __tablename__ = "filter_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(16))  # global, folder, source
    scope_value: Mapped[str | None] = mapped_column(String(300))  # the folder path or the source id
    action: Mapped[str] = mapped_column(String(8))  # keep, block
    field: Mapped[str] = mapped_column(String(16))  # title, url, author, content, lang, section
    pattern: Mapped[str] = mapped_column(String(1000))
    is_regex: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchDoc(Base):
    """One searchable text: an article in its own language, or one of its translations.

    The text itself lives in the FTS5 table ``search_fts`` (SQLite, rowid = ``id``) or in the
    ``tsv`` tsvector column this table has on PostgreSQL; both are created by migration 0002.
    """

    __tablename__ = "search_docs"
    __table_args__ = (
        UniqueConstraint("article_id", "lang", name="uq_search_doc_article_lang"),
        Index("ix_search_docs_published", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(16))  # language of this text
    is_translation: Mapped[bool] = mapped_column(default=False)
    source_id: Mapped[int | None] = mapped_column(Integer, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ArticleAuthor(Base):
    """Author name → articles, so author pages are an index lookup instead of a JSON scan."""

    __tablename__ = "article_authors"
    __table_args__ = (
        UniqueConstraint("article_id", "name", name="uq_article_author"),
        Index("ix_article_authors_name_published", "name", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SiteChange(Base):
    """A counter bumped by triggers on every write the site shows; the response cache keys on it.

    On PostgreSQL the triggers advance the sequence ``site_change_seq`` instead (no row lock for
    concurrent writers to queue on); this one-row table is then unused.
    """

    __tablename__ = "site_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    counter: Mapped[int] = mapped_column(Integer, default=0)


__all__ += ["ArticleAuthor", "Comment", "SearchDoc", "SiteChange", "User"]
__all__ += ["ApiToken", "ArticleFeatures", "FilterRule", "ItemState", "Story", "Subscription"]


class AdminSession(Base):
    """A logged-in admin's session, kept on the server so logging out, a new password or deleting
    the user ends it (a copied cookie stops working). ``id`` is a hash of the cookie's token."""

    __tablename__ = "admin_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LoginAttempt(Base):
    """One counted login attempt, shared by every web worker; both keys are keyed hashes (of the
    address, and of the address with the username), so the table holds neither."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account", "account_key", "created_at"),
        Index("ix_login_attempts_address", "address_key", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    address_key: Mapped[str] = mapped_column(String(64))
    account_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


__all__ += ["AdminSession", "LoginAttempt"]


class SchedulerLease(Base):
    """Who runs a background job now (``name``: "crawl"): one row per job, taken and renewed with a
    conditional UPDATE by whichever web worker holds it, so several workers run one scheduler; a
    crashed holder's lease simply expires (store/lease.py)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


__all__ += ["SchedulerLease"]


class WebSubSubscription(Base):
    """A feed's WebSub (https://www.w3.org/TR/websub/) subscription: the hub and topic its last
    fetch advertised, and where our subscription stands. One per feed. ``token`` is the callback
    path's unguessable part and ``secret`` the HMAC key the hub signs pushes with; both are made
    anew for every subscription (a new hub or topic). ``state``: discovered (not yet asked),
    pending (asked, awaiting the hub's verification), active (verified, until ``expires_at``),
    denied (the hub refused; ``last_error`` says why)."""

    __tablename__ = "websub_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), unique=True)
    hub_url: Mapped[str] = mapped_column(String(MAX_URL_CHARS))
    topic_url: Mapped[str] = mapped_column(String(MAX_URL_CHARS))
    token: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), default="discovered", index=True)
    lease_seconds: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pushes: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


__all__ += ["WebSubSubscription"]


class Entity(Base):
    """A person, organisation or place, one row however many languages name it. ``name`` is the
    display name (the most used one); ``names`` holds every spelling per language. An entity merged
    into another (by the cross-language merge or an admin) keeps its row with ``merged_into`` set,
    so old links and URLs still resolve."""

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(3), index=True)  # PER, ORG, LOC
    name: Mapped[str] = mapped_column(String(300))
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    merged_into: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EntityName(Base):
    """One spelling of an entity in one language: ``name`` as shown ("Песков"), ``key`` the folded
    lookup form (lemmatised, lower-case, ё→е) that NER output is matched on. ``origin`` says how it
    came to this entity: ner (found in an article), merge (another entity's name folded in) or admin."""

    __tablename__ = "entity_names"
    __table_args__ = (UniqueConstraint("type", "lang", "key", name="uq_entity_names_type_lang_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(3))
    lang: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300))
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str] = mapped_column(String(16), default="ner")


class ArticleEntity(Base):
    """An entity in an article: ``name`` as the article spells it (its language's name), how many
    mentions. The entities stage writes these; ``articles.entities_at`` marks an article done."""

    __tablename__ = "article_entities"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    name: Mapped[str] = mapped_column(String(300))
    mentions: Mapped[int] = mapped_column(Integer, default=1)


class EntityMerge(Base):
    """Why two entities are one (or were split): the explanation shown on the entity page. ``kind``:
    transliteration, alias, cooccurrence, admin-merge, admin-split; ``evidence`` the names and
    figures behind it."""

    __tablename__ = "entity_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, index=True)  # the entity kept
    other_id: Mapped[int] = mapped_column(Integer, index=True)  # the entity folded in (or split off)
    kind: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    by: Mapped[str | None] = mapped_column(String(100))  # the admin's username, None for the pipeline
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Collection(Base):
    """A group of sources, as Media Cloud's collections: by hand (``kind`` manual, members in
    ``collection_sources``) or by a source field (``kind`` country or language, ``value`` "ru"),
    whose members are whatever sources have that value now."""

    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16), default="manual")  # manual, country, language
    value: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CollectionSource(Base):
    """A source in a manual collection."""

    __tablename__ = "collection_sources"

    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


__all__ += ["ArticleEntity", "Collection", "CollectionSource", "Entity", "EntityMerge", "EntityName"]
