"""entities, entity_names, article_entities, entity_merges, articles.entities_at; collections,
collection_sources, sources.ownership / state_media

Revision ID: 0011
Revises: 0010

``articles.entities_at`` NULL is the entities stage's queue, so every article stored before this
migration is queued for entity extraction the first time the stage runs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsdesk.store.schema import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN and separate indexes (no batch copy: on SQLite a copied table loses its triggers)
    op.add_column("sources", sa.Column("ownership", sa.String(300), nullable=True))
    op.add_column("sources", sa.Column("state_media", sa.Boolean(), nullable=True))
    op.add_column("articles", sa.Column("entities_at", UTCDateTime(timezone=True), nullable=True))
    op.create_index("ix_articles_entities_at", "articles", ["entities_at"])
    op.create_table(
        "entities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("type", sa.String(3), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_entities_type", "entities", ["type"])
    op.create_index("ix_entities_merged_into", "entities", ["merged_into"])
    op.create_table(
        "entity_names",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entity_id", sa.Integer(), sa.ForeignKey("entities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("type", sa.String(3), nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.UniqueConstraint("type", "lang", "key", name="uq_entity_names_type_lang_key"),
    )
    op.create_index("ix_entity_names_entity_id", "entity_names", ["entity_id"])
    op.create_table(
        "article_entities",
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("entity_id", sa.Integer(), sa.ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
    )
    op.create_index("ix_article_entities_entity_id", "article_entities", ["entity_id"])
    op.create_table(
        "entity_merges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("by", sa.String(100), nullable=True),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_entity_merges_entity_id", "entity_merges", ["entity_id"])
    op.create_index("ix_entity_merges_other_id", "entity_merges", ["other_id"])
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False, unique=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(16), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "collection_sources",
        sa.Column("collection_id", sa.Integer(), sa.ForeignKey("collections.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_collection_sources_source_id", "collection_sources", ["source_id"])


def downgrade() -> None:
    op.drop_table("collection_sources")
    op.drop_table("collections")
    op.drop_table("entity_merges")
    op.drop_table("article_entities")
    op.drop_table("entity_names")
    op.drop_table("entities")
    op.drop_index("ix_articles_entities_at", table_name="articles")
    # plain DROP COLUMN (SQLite 3.35+), not a batch copy: articles and sources keep their triggers
    op.drop_column("articles", "entities_at")
    op.drop_column("sources", "state_media")
    op.drop_column("sources", "ownership")
