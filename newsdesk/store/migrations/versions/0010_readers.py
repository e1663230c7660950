"""readers: users.role / fever_key / keymap, api_tokens, subscriptions, item_states, filter_rules

Revision ID: 0010
Revises: 0009

Users made before this migration were all admins, so ``role`` defaults to admin for them; new
users are readers unless made with ``--admin``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsdesk.store.schema import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy: on SQLite a copied table loses its triggers); the unique
    # Fever key is a unique index, which SQLite can add without copying the table
    op.add_column("users", sa.Column("role", sa.String(16), nullable=False, server_default="admin"))
    op.add_column("users", sa.Column("fever_key", sa.String(32), nullable=True))
    op.add_column("users", sa.Column("keymap", sa.JSON(), nullable=False, server_default="{}"))
    op.create_index("uq_users_fever_key", "users", ["fever_key"], unique=True)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("folder", sa.String(300), nullable=True),
        sa.Column("title", sa.String(500), nullable=True),
        sa.Column("read_before", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "source_id", name="uq_subscription_user_source"),
    )
    op.create_index("ix_subscriptions_user_id", "subscriptions", ["user_id"])
    op.create_index("ix_subscriptions_source_id", "subscriptions", ["source_id"])
    op.create_table(
        "filter_rules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("scope_value", sa.String(300), nullable=True),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("pattern", sa.String(1000), nullable=False),
        sa.Column("is_regex", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_filter_rules_user_id", "filter_rules", ["user_id"])
    op.create_table(
        "item_states",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("fetched_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("read", sa.Boolean(), nullable=False),
        sa.Column("starred", sa.Boolean(), nullable=False),
        sa.Column("read_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("starred_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("filtered_by", sa.Integer(), sa.ForeignKey("filter_rules.id", ondelete="SET NULL"), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_item_states_article_id", "item_states", ["article_id"])
    op.create_index("ix_item_states_filtered_by", "item_states", ["filtered_by"])
    # filtered_by last: the unread counts' corrections read this index alone (covering)
    op.create_index("ix_item_states_user_source", "item_states",
                    ["user_id", "source_id", "read", "fetched_at", "filtered_by"])
    op.create_index("ix_item_states_user_starred", "item_states", ["user_id", "starred", "starred_at"])
    # per-source streams and unread counts: ranges of (source, fetched_at, id)
    op.create_index("ix_articles_source_fetched", "articles", ["source_id", "fetched_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_articles_source_fetched", table_name="articles")
    op.drop_table("item_states")
    op.drop_table("filter_rules")
    op.drop_table("subscriptions")
    op.drop_table("api_tokens")
    op.drop_index("uq_users_fever_key", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:  # users has no triggers to lose
        batch_op.drop_column("keymap")
        batch_op.drop_column("fever_key")
        batch_op.drop_column("role")
