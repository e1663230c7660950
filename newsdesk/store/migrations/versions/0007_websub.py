"""websub_subscriptions: a feed's WebSub hub, topic and subscription state

Revision ID: 0007
Revises: 0006

A table of its own rather than columns on ``feeds``: a subscription has its own life (requested,
verified, renewed, denied) and its own secret, and most feeds never have one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsdesk.store.schema import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "websub_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("feed_id", sa.Integer(), sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("hub_url", sa.String(2000), nullable=False),
        sa.Column("topic_url", sa.String(2000), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lease_seconds", sa.Integer(), nullable=True),
        sa.Column("requested_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_push_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("pushes", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_websub_subscriptions_state", "websub_subscriptions", ["state"])


def downgrade() -> None:
    op.drop_index("ix_websub_subscriptions_state", table_name="websub_subscriptions")
    op.drop_table("websub_subscriptions")
