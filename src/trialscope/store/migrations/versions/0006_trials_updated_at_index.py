"""An index on trials.updated_at: the search index asks for the newest change before every search (at
most every few seconds), which must not scan the whole table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_trials_updated_at", "trials", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_trials_updated_at", table_name="trials")
