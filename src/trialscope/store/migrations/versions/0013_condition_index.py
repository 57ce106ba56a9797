"""The matcher's first filter as an index: one row per disease concept a trial's conditions name, with its
status, age limits (as written, and the ages they admit by the age rule of migration 0012), sex, title and
concepts (``store/schema.py`` ``condition_index``). A patient's trials were found by a pattern match on
``trials.condition_concepts`` over every trial of the statuses asked (at 600,000 trials: 0.4 s for the open
ones, 2-3 s for all, more when the file is not in memory); the index on (concept, status) finds them directly
(0.05 s and 0.3 s). Existing trials are indexed from their columns.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_COLUMNS = (
    "overall_status",
    "minimum_age",
    "maximum_age",
    "age_from_years",
    "age_below_years",
    "sex",
    "brief_title",
    "condition_concepts",
)


def upgrade() -> None:
    index = op.create_table(
        "condition_index",
        sa.Column("concept", sa.String(200), primary_key=True),
        sa.Column("nct_id", sa.String(11), primary_key=True),
        sa.Column("overall_status", sa.String(40)),
        sa.Column("minimum_age", sa.Text),
        sa.Column("maximum_age", sa.Text),
        sa.Column("age_from_years", sa.Float),
        sa.Column("age_below_years", sa.Float),
        sa.Column("sex", sa.String(10)),
        sa.Column("brief_title", sa.Text),
        sa.Column("condition_concepts", sa.Text),
    )
    assert index is not None
    trials = sa.table("trials", sa.column("nct_id", sa.String), *(sa.column(c) for c in _COLUMNS))
    connection = op.get_bind()
    last = ""
    while True:  # in pages, in NCT ID order: a large catalogue is never held in memory
        rows = connection.execute(
            sa.select(trials.c.nct_id, *(trials.c[c] for c in _COLUMNS))
            .where(trials.c.nct_id > last, trials.c.condition_concepts.is_not(None))
            .order_by(trials.c.nct_id)
            .limit(5_000)
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        entries = [
            {"concept": concept, "nct_id": row[0], **dict(zip(_COLUMNS, row[1:], strict=True))}
            for row in rows
            for concept in dict.fromkeys(c for c in (row[-1] or "").split("|") if c)
        ]
        if entries:
            connection.execute(sa.insert(index), entries)
    op.create_index("ix_condition_index_concept_status", "condition_index", ["concept", "overall_status"])
    op.create_index("ix_condition_index_nct_id", "condition_index", ["nct_id"])


def downgrade() -> None:
    op.drop_table("condition_index")
