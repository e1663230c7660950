"""stories, articles.story_id / reprint_of, article_features: the story layer

Revision ID: 0009
Revises: 0008

A story's id is its first article's id (stable across a rebuild). ``articles.story_id`` NULL
means "not clustered yet": the enrichment stages pick those up, in order, on the next pass.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsdesk.store.schema import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("first_seen", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_updated", UTCDateTime(timezone=True), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("outlet_count", sa.Integer(), nullable=False),
        sa.Column("language_count", sa.Integer(), nullable=False),
        sa.Column("reprint_count", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
    )
    op.create_index("ix_stories_first_seen", "stories", ["first_seen"])
    op.create_index("ix_stories_last_updated", "stories", ["last_updated"])
    op.create_index("ix_stories_outlet_count", "stories", ["outlet_count"])
    op.create_index("ix_stories_merged_into", "stories", ["merged_into"])
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reprint_of", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_articles_story_id", "stories", ["story_id"], ["id"], ondelete="SET NULL")
        batch_op.create_foreign_key("fk_articles_reprint_of", "articles", ["reprint_of"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_index("ix_articles_story_id", ["story_id"])
        batch_op.create_index("ix_articles_reprint_of", ["reprint_of"])
    _watch_for_the_page_cache(("articles", "stories"))
    op.create_table(
        "article_features",
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("model", sa.String(64), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("minhash", sa.LargeBinary(), nullable=True),
        sa.Column("story_score", sa.Float(), nullable=True),
        sa.Column("story_signals", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("article_features")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS site_change_stories ON stories")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_reprint_of")
        batch_op.drop_index("ix_articles_story_id")
        batch_op.drop_constraint("fk_articles_reprint_of", type_="foreignkey")
        batch_op.drop_constraint("fk_articles_story_id", type_="foreignkey")
        batch_op.drop_column("reprint_of")
        batch_op.drop_column("story_id")
    _watch_for_the_page_cache(("articles",))
    op.drop_table("stories")


def _watch_for_the_page_cache(tables: tuple[str, ...]) -> None:
    """The site-change triggers of 0002 on ``tables`` (the web's page cache is cleared by them).

    Why here: on SQLite a batch ALTER copies the table and the copy has none of its triggers, so
    ``articles``' are made again; ``stories`` is new, and a story's counts and titles are on pages.
    """
    if op.get_bind().dialect.name == "postgresql":
        for table in tables:
            op.execute(f"DROP TRIGGER IF EXISTS site_change_{table} ON {table}")
            op.execute(f"CREATE TRIGGER site_change_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION newsdesk_site_change()")
        return
    for table in tables:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER IF NOT EXISTS site_change_{table}_{event.lower()} AFTER {event} ON {table} "
                       "BEGIN UPDATE site_changes SET counter = counter + 1 WHERE id = 1; END")
