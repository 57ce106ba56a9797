"""Columns matching filters on before evaluating criteria: age limits in years, sex, and the concepts
the trial's conditions and title name. Existing rows are filled from their stored records.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trials") as batch:
        batch.add_column(sa.Column("min_age_years", sa.Float))
        batch.add_column(sa.Column("max_age_years", sa.Float))
        batch.add_column(sa.Column("sex", sa.String(10)))
        batch.add_column(sa.Column("condition_concepts", sa.Text))
    from trialscope.model.study import parse_study
    from trialscope.store.prepared import matching_columns

    connection = op.get_bind()
    table = sa.table(
        "trials",
        sa.column("nct_id", sa.String),
        sa.column("record", sa.Text),
        sa.column("min_age_years", sa.Float),
        sa.column("max_age_years", sa.Float),
        sa.column("sex", sa.String),
        sa.column("condition_concepts", sa.Text),
    )
    rows = connection.execute(sa.select(table.c.nct_id, table.c.record)).all()
    for nct_id, record in rows:
        columns = matching_columns(parse_study(orjson.loads(record)))
        connection.execute(sa.update(table).where(table.c.nct_id == nct_id).values(**columns))


def downgrade() -> None:
    with op.batch_alter_table("trials") as batch:
        for column in ("condition_concepts", "sex", "max_age_years", "min_age_years"):
            batch.drop_column(column)
