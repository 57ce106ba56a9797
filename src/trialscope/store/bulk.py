"""Bulk inserts for the store's tables (the trial store's writes and the criteria import's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, insert


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Bulk insert: PostgreSQL's COPY (one stream instead of a statement per row), else executemany.

    Runs in the caller's transaction either way, so a batch stays all-or-nothing.
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        columns = list(rows[0])
        cursor = conn.connection.cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    conn.execute(insert(table), rows)
