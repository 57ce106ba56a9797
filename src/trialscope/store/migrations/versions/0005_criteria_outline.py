"""The compact evaluation form of each trial's stored constraints (criteria/outline.py). Existing rows are
filled the first time matching reads them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trial_criteria") as batch:
        batch.add_column(sa.Column("outline", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("trial_criteria") as batch:
        batch.drop_column("outline")
