"""The age limits by the one age rule (model/age.py): a limit counts completed units of its own unit, so
"18-70 Years" admits someone aged 70 years and 5 months, and "6 Months" a baby of 8 months. The matcher's
filter compared the limits in years with the raw age (70.5 > 70: left out, while the same trial asked for by
name was evaluated in completed years). The trials table now keeps the limits as the record writes them
(``minimum_age``, ``maximum_age``: the evaluator needs their unit) and the ages in years the rule admits
(``age_from_years``, up to but not including ``age_below_years``), in place of ``min_age_years`` and
``max_age_years``. Existing rows are filled from their stored records.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_NEW = {"minimum_age": sa.Text, "maximum_age": sa.Text, "age_from_years": sa.Float, "age_below_years": sa.Float}


def upgrade() -> None:
    from trialscope.store.prepared import age_columns

    for name, kind in _NEW.items():
        op.add_column("trials", sa.Column(name, kind))
    connection = op.get_bind()
    table = sa.table(
        "trials",
        sa.column("nct_id", sa.String),
        sa.column("record", sa.Text),
        *(sa.column(n, k) for n, k in _NEW.items()),
    )
    rows = connection.execute(sa.select(table.c.nct_id, table.c.record)).all()
    for nct_id, record in rows:
        eligibility = (orjson.loads(record).get("protocolSection") or {}).get("eligibilityModule") or {}
        columns = age_columns(eligibility.get("minimumAge"), eligibility.get("maximumAge"))
        connection.execute(sa.update(table).where(table.c.nct_id == nct_id).values(**columns))
    for name in ("min_age_years", "max_age_years"):
        op.drop_column("trials", name)  # SQLite 3.35 and later drop a column in place


def downgrade() -> None:
    from trialscope.model.age import age_in_years

    op.add_column("trials", sa.Column("min_age_years", sa.Float))
    op.add_column("trials", sa.Column("max_age_years", sa.Float))
    connection = op.get_bind()
    table = sa.table(
        "trials",
        sa.column("nct_id", sa.String),
        sa.column("minimum_age", sa.Text),
        sa.column("maximum_age", sa.Text),
        sa.column("min_age_years", sa.Float),
        sa.column("max_age_years", sa.Float),
    )
    for nct_id, minimum, maximum in connection.execute(
        sa.select(table.c.nct_id, table.c.minimum_age, table.c.maximum_age)
    ).all():
        connection.execute(
            sa.update(table)
            .where(table.c.nct_id == nct_id)
            .values(min_age_years=age_in_years(minimum), max_age_years=age_in_years(maximum))
        )
    for name in reversed(list(_NEW)):
        op.drop_column("trials", name)
