"""Direct access to a test warehouse: queries, counts and whole-table snapshots."""

from __future__ import annotations

import psycopg

WAREHOUSE_TABLES = ["songplays", "users", "songs", "artists", "time"]
ALL_TABLES = ["staging_events", "staging_songs", *WAREHOUSE_TABLES]


class WarehouseDb:
    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, sql: str, params=None) -> list[tuple]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchall()

    def execute(self, sql: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql)

    def count(self, table: str) -> int:
        return self.query(f'SELECT COUNT(*) FROM "{table}"')[0][0]

    def snapshot(self, tables=ALL_TABLES) -> dict[str, list[tuple]]:
        """Every row of every existing table, sorted: equal snapshots mean equal warehouses."""
        existing = {row[0] for row in self.query("SELECT tablename FROM pg_tables")}
        return {
            table: sorted(self.query(f'SELECT * FROM "{table}"'), key=repr)
            for table in tables
            if table in existing
        }
