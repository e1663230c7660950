"""reader site: comments, admin users, search index, author index, change counter

Revision ID: 0002
Revises: 0001

SQLite gets an FTS5 table ``search_fts`` (rowid = ``search_docs.id``) holding Python-stemmed text;
PostgreSQL gets a ``tsvector`` column on ``search_docs`` with a GIN index. Triggers on the tables
the site shows bump a change counter (a one-row table on SQLite, a sequence on PostgreSQL) that the
web response cache keys on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import newsdesk.store.schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = newsdesk.store.schema.UTCDateTime(timezone=True)
WATCHED = ("articles", "comments", "sources", "translations")


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index("ix_articles_source_published", ["source_id", "published_at", "id"])
        batch_op.create_index("ix_articles_section_published", ["section", "published_at", "id"])
        batch_op.create_index("ix_articles_lang_published", ["lang", "published_at", "id"])
        batch_op.create_index("ix_articles_published_id", ["published_at", "id"])

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.String(length=80), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("moderated_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_comments_article_status", "comments", ["article_id", "status", "created_at"])
    op.create_index("ix_comments_ip_created", "comments", ["ip_hash", "created_at"])
    op.create_index("ix_comments_status", "comments", ["status"])

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_login_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )

    op.create_table(
        "search_docs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("is_translation", sa.Boolean(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("published_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "lang", name="uq_search_doc_article_lang"),
    )
    op.create_index("ix_search_docs_article_id", "search_docs", ["article_id"])
    op.create_index("ix_search_docs_source_id", "search_docs", ["source_id"])
    op.create_index("ix_search_docs_published", "search_docs", ["published_at"])

    op.create_table(
        "article_authors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("published_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "name", name="uq_article_author"),
    )
    op.create_index("ix_article_authors_article_id", "article_authors", ["article_id"])
    op.create_index("ix_article_authors_name_published", "article_authors", ["name", "published_at"])

    op.create_table(
        "site_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO site_changes (id, counter) VALUES (1, 0)")

    if op.get_bind().dialect.name == "postgresql":
        _postgres_upgrade()
    else:
        _sqlite_upgrade()


def _sqlite_upgrade() -> None:
    # why remove_diacritics 2: "café" in a query finds "cafe" and back; stems are made in Python.
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER search_docs_fts_delete AFTER DELETE ON search_docs "
        "BEGIN DELETE FROM search_fts WHERE rowid = old.id; END"
    )
    for table in WATCHED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER site_change_{table}_{event.lower()} AFTER {event} ON {table} "
                "BEGIN UPDATE site_changes SET counter = counter + 1 WHERE id = 1; END"
            )


def _postgres_upgrade() -> None:
    op.execute("ALTER TABLE search_docs ADD COLUMN tsv tsvector")
    op.execute("CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)")
    op.execute("CREATE SEQUENCE site_change_seq")
    op.execute(
        "CREATE FUNCTION newsdesk_site_change() RETURNS trigger AS $$ "
        "BEGIN PERFORM nextval('site_change_seq'); RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    for table in WATCHED:
        # why per statement: one bump per write, however many rows it touched
        op.execute(
            f"CREATE TRIGGER site_change_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION newsdesk_site_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS site_change_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS newsdesk_site_change()")
        op.execute("DROP SEQUENCE IF EXISTS site_change_seq")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS site_change_{table}_{event}")
        op.execute("DROP TRIGGER IF EXISTS search_docs_fts_delete")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("site_changes")
    op.drop_table("article_authors")
    op.drop_table("search_docs")
    op.drop_table("users")
    op.drop_table("comments")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        for name in ("ix_articles_published_id", "ix_articles_lang_published",
                     "ix_articles_section_published", "ix_articles_source_published"):
            batch_op.drop_index(name)
