"""The keys every server of one database shares (signing links, CSRF), and unguessable identifiers."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from trialscope.store.schema import site_secrets


def new_id() -> str:
    """An unguessable identifier for a link (128 bits), in hex: an id that began with "-" (as one in 64
    URL-safe tokens does) would read as an option to ``trialscope leads delete``."""
    return secrets.token_hex(16)


class SiteKeys:
    """Named keys kept in the database, so every server and worker of it signs and checks alike."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def secret(self, name: str) -> bytes:
        """The key called ``name``, made (32 random bytes) the first time any process asks."""
        with self.engine.begin() as conn:
            value = conn.execute(select(site_secrets.c.value).where(site_secrets.c.name == name)).scalar()
            if value is None:
                try:
                    with conn.begin_nested():
                        value = secrets.token_hex(32)
                        conn.execute(insert(site_secrets).values(name=name, value=value))
                except IntegrityError:  # another process made it first: use theirs
                    value = conn.execute(select(site_secrets.c.value).where(site_secrets.c.name == name)).scalar_one()
        return bytes.fromhex(value)
