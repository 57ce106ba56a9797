"""Request rate limits counted in the database (``rate_limits``, migration 0010), so every worker of every
server of one database shares them: ``--workers 4`` does not make four limits of one.

Counts are kept per limit, client and fixed window; a request is weighed against a sliding window
estimated from the current window's count and the previous one's, weighted by how much of it still falls
inside (the "sliding window counter"): no burst of twice the limit across a window's edge. A count is one
upsert; rows outlive their window by one more and are deleted by ``purge``."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from trialscope.store.schema import rate_limits


class SharedCounts:
    """Hits per limit and client, in the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def hit(self, name: str, client: str, limit: int, window: float) -> bool:
        """Count one request of ``client`` under the limit ``name``; whether it is within ``limit`` per
        ``window`` seconds (a refused request counts too: a flood does not earn its way back in)."""
        moment = time.time()
        number = int(moment // window)
        current, previous = f"{name}|{client}|{number}"[:200], f"{name}|{client}|{number - 1}"[:200]
        expires = dt.datetime.fromtimestamp((number + 2) * window, dt.UTC)
        insert = postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(rate_limits)
            .values(bucket=current, hits=1, expires_at=expires)
            .on_conflict_do_update(index_elements=["bucket"], set_={"hits": rate_limits.c.hits + 1})
            .returning(rate_limits.c.hits)
        )
        with self.engine.begin() as conn:
            hits = int(conn.execute(statement).scalar_one())
            before = conn.execute(select(rate_limits.c.hits).where(rate_limits.c.bucket == previous)).scalar()
        still_inside = 1.0 - (moment - number * window) / window
        return hits + int(before or 0) * still_inside <= limit

    def forget(self, name: str) -> None:
        """Every client's counts under the limit ``name``."""
        with self.engine.begin() as conn:
            conn.execute(delete(rate_limits).where(rate_limits.c.bucket.startswith(f"{name}|", autoescape=True)))

    def purge(self) -> int:
        """Delete the counts of windows long past."""
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            return int(conn.execute(delete(rate_limits).where(rate_limits.c.expires_at <= now)).rowcount)
