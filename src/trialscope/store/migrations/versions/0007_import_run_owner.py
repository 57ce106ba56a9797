"""import_runs.owner: the host and process of a run, so a run left 'running' by a killed process is marked
'interrupted' when the next run starts on that host.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_runs") as batch:
        batch.add_column(sa.Column("owner", sa.String(255)))


def downgrade() -> None:
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("owner")
