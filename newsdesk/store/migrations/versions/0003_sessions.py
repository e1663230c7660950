"""admin sessions kept on the server; login attempts counted in the database

Revision ID: 0003
Revises: 0002

``admin_sessions`` lets logging out, a new password or deleting a user end a session (a signed
cookie alone stays valid until it expires). ``login_attempts`` makes the login throttle one count
shared by every web worker process instead of a dictionary in each.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import newsdesk.store.schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC = newsdesk.store.schema.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "admin_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_admin_sessions_user_id", "admin_sessions", ["user_id"])
    op.create_index("ix_admin_sessions_expires_at", "admin_sessions", ["expires_at"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_attempts_account", "login_attempts", ["account_key", "created_at"])
    op.create_index("ix_login_attempts_address", "login_attempts", ["address_key", "created_at"])
    op.create_index("ix_login_attempts_created_at", "login_attempts", ["created_at"])


def downgrade() -> None:
    op.drop_table("login_attempts")
    op.drop_table("admin_sessions")
