"""What visitors leave with their consent and the mail sent for them: leads, the outbox, operators,
alert subscriptions, private notes, and the keys every server of one database shares.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from trialscope.store import schema

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = (schema.site_secrets, schema.leads, schema.outbox, schema.operators, schema.subscriptions, schema.notes)


def upgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(TABLES):
        table.drop(bind)
