"""Initial schema: trials, their versions, locations, change events, import runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sources", sa.Text, nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("added", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("older", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_table(
        "trials",
        sa.Column("nct_id", sa.String(11), primary_key=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("partial", sa.Boolean, nullable=False),
        sa.Column("brief_title", sa.Text),
        sa.Column("overall_status", sa.String(40)),
        sa.Column("study_type", sa.String(40)),
        sa.Column("phases", sa.String(80)),
        sa.Column("lead_sponsor", sa.Text),
        sa.Column("sponsor_class", sa.String(40)),
        sa.Column("has_results", sa.Boolean, nullable=False),
        sa.Column("start_date", sa.Date),
        sa.Column("last_update", sa.Date),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("raw", sa.Text),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("first_seen_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("import_run_id", sa.Integer, sa.ForeignKey("import_runs.id")),
    )
    op.create_index("ix_trials_overall_status", "trials", ["overall_status"])
    op.create_index("ix_trials_last_update", "trials", ["last_update"])
    op.create_table(
        "trial_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("nct_id", sa.String(11), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("partial", sa.Boolean, nullable=False),
        sa.Column("last_update", sa.Date),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("raw", sa.Text),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("stored_at", TZ, nullable=False),
        sa.Column("superseded_at", TZ, nullable=False),
        sa.UniqueConstraint("nct_id", "version", name="uq_trial_versions_nct_version"),
    )
    op.create_table(
        "trial_locations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("nct_id", sa.String(11), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("facility", sa.Text),
        sa.Column("status", sa.String(40)),
        sa.Column("city", sa.Text),
        sa.Column("state", sa.Text),
        sa.Column("zip", sa.String(40)),
        sa.Column("country", sa.Text),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
    )
    op.create_index("ix_trial_locations_nct_id", "trial_locations", ["nct_id"])
    op.create_index("ix_trial_locations_country", "trial_locations", ["country"])
    op.create_table(
        "change_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("nct_id", sa.String(11), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("old_value", sa.Text),
        sa.Column("new_value", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("detected_at", TZ, nullable=False),
        sa.Column("import_run_id", sa.Integer, sa.ForeignKey("import_runs.id")),
    )
    op.create_index("ix_change_events_nct_id", "change_events", ["nct_id"])
    op.create_index("ix_change_events_detected_at", "change_events", ["detected_at"])


def downgrade() -> None:
    for table in ("change_events", "trial_locations", "trial_versions", "trials", "import_runs"):
        op.drop_table(table)
