"""Each trial's criteria text as segmented into items (criteria/segment.py), stored with its structured
criteria: a trial page shows the text item by item beside what was understood in each, and need not
segment it again. Existing rows are filled the first time a trial page reads them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trial_criteria") as batch:
        batch.add_column(sa.Column("segmentation", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("trial_criteria") as batch:
        batch.drop_column("segmentation")
