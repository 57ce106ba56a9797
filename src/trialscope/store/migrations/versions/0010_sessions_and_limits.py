"""Operator sessions kept on the server (a session row per log-in: logout and a password change end them),
and request rate limits counted in the database, so every worker of every server shares them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

from trialscope.store import schema

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = (schema.operator_sessions, schema.rate_limits)


def upgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(TABLES):
        table.drop(bind)
