"""Materialise a load's SELECT into a temporary table, inside the load's transaction.

Both loads (fact and dimension) first put the rows their query produces in ``incoming_rows``,
then check them and replace what they cover. Reading the column names back from the temporary
table lets a query define its columns once, in its SELECT list, and insert by name.
"""

from __future__ import annotations

from sparkify.identifiers import quote_identifier

INCOMING = quote_identifier("incoming_rows")


def create_incoming_rows(cursor, select_sql: str) -> list[str]:
    """Run ``select_sql`` into the temporary table; return its column names."""
    query = select_sql.strip().rstrip(";")
    cursor.execute(f"CREATE TEMP TABLE {INCOMING} AS\n{query}")
    cursor.execute(f"SELECT * FROM {INCOMING} LIMIT 0")
    columns = [description[0] for description in cursor.description]
    for name in columns:
        quote_identifier(name)
    return columns


def insert_incoming_rows(cursor, table_sql: str, columns: list[str]) -> int:
    """Insert every incoming row into ``table_sql`` by column name; return the row count."""
    column_list = ", ".join(quote_identifier(name) for name in columns)
    cursor.execute(f"INSERT INTO {table_sql} ({column_list}) SELECT {column_list} FROM {INCOMING}")
    inserted = cursor.rowcount
    cursor.execute(f"DROP TABLE {INCOMING}")
    return inserted
