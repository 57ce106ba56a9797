"""Live sync: configured queries and per-query checkpoints.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    queries = op.create_table(
        "sync_queries",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    # The queries sync follows until the user changes them: from data/sync-queries.json.
    defaults = json.loads(resources.files("trialscope").joinpath("data/sync-queries.json").read_text("utf-8"))
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(
        queries,
        [
            {"name": q["name"], "params": json.dumps(q["params"]), "created_at": now + dt.timedelta(microseconds=i)}
            for i, q in enumerate(defaults["queries"])
        ],
    )
    op.create_table(
        "sync_state",
        sa.Column("query_name", sa.String(80), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("run_since", sa.Date),
        sa.Column("run_data_timestamp", sa.String(40)),
        sa.Column("page_token", sa.Text),
        sa.Column("pages_done", sa.Integer, nullable=False),
        sa.Column("records_seen", sa.Integer, nullable=False),
        sa.Column("run_started_at", TZ),
        sa.Column("last_success_at", TZ),
        sa.Column("last_data_timestamp", sa.String(40)),
        sa.Column("next_since", sa.Date),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_table("sync_queries")
