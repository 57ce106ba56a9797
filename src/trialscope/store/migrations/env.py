"""Alembic environment: run migrations on the connection trialscope hands over (see store/database.py)."""

from __future__ import annotations

from alembic import context

from trialscope.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when alembic is run by hand without trialscope
    raise RuntimeError("run migrations through trialscope (trialscope migrate), which passes a connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
