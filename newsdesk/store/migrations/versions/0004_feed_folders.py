"""feed folders: the OPML folder a followed feed sits in

Revision ID: 0004
Revises: 0003

An OPML import kept only the feeds, so a list organised in folders came back flat on export. The
folder path (``World/Europe``) is stored on the feed, the way the OPML outline nesting gives it.
The feed's kind already has a column; ``atom`` is a new value in it, not a schema change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch_op:
        batch_op.add_column(sa.Column("folder", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch_op:
        batch_op.drop_column("folder")
