"""sources.extraction_mode, body_selector, drop_selectors: where a source's article bodies come from

Revision ID: 0008
Revises: 0007

``auto`` (the automatic extraction, what every source had until now), ``feed`` (the feed entry's
own content) or ``rules`` (a CSS selector for the body, selectors of elements to drop).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extraction_mode", sa.String(16), nullable=False, server_default="auto"))
        batch_op.add_column(sa.Column("body_selector", sa.String(500), nullable=True))
        batch_op.add_column(sa.Column("drop_selectors", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("drop_selectors")
        batch_op.drop_column("body_selector")
        batch_op.drop_column("extraction_mode")
