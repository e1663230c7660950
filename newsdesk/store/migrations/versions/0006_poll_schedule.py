"""feeds.poll_interval (learned from each feed) and scheduler_leases (one scheduler across web workers)

Revision ID: 0006
Revises: 0005

Feeds checked before keep a NULL interval until their next check, which then uses
``feed_interval`` as its starting guess.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import newsdesk.store.schema

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("poll_interval", sa.Integer(), nullable=True))
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("expires_at", newsdesk.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("scheduler_leases")
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_column("poll_interval")
