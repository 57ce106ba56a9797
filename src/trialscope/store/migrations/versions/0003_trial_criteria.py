"""Structured criteria stored with each trial.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trial_criteria",
        sa.Column("nct_id", sa.String(11), primary_key=True),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("engine_version", sa.String(40), nullable=False),
        sa.Column("constraints", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("unparsed_share", sa.Float, nullable=False),
        sa.Column("parsed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("trial_criteria")
