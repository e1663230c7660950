"""articles.text_sources: the outlets an article's text came from (its closing "Source: X" line)

Revision ID: 0005
Revises: 0004

Until now such a line's names were merged into ``cited_sources``; articles stored before keep them
there (nothing here can tell which of their cited names was the closing line) until re-extracted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_sources", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("text_sources")
