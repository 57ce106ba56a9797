"""The trial feed: one row per change to a trial, numbered in commit order and written in the same
transaction as the change (``store/trial_store.py``). Each server's search index follows it by number and
remembers the last number it applied, instead of asking for trials "stored since" a time, which missed
rows committed behind the page it had reached. The index on ``trials.updated_at`` (0006) served only that
question and goes. Existing search indexes, which recorded a time, are rebuilt once on open.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trial_feed",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=False),
        sa.Column("nct_id", sa.String(11), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.drop_index("ix_trials_updated_at", table_name="trials")


def downgrade() -> None:
    op.create_index("ix_trials_updated_at", "trials", ["updated_at"])
    op.drop_table("trial_feed")
