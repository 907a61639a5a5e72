"""``make demo``: run sparkify_etl end to end on generated sample data, through Airflow.

1. Writes the sample dataset to .demo/data (deterministic; see tools/sample_data.py).
2. Uses the warehouse of AIRFLOW_CONN_REDSHIFT if set; else a fresh database ``sparkify_demo``
   on the PostgreSQL server SPARKIFY_PG_URL names; else a private PostgreSQL it starts itself.
3. Runs several hourly DAG runs through Airflow, each with ``dag.test()`` (a whole DAG run,
   its tasks executed in this process; SQLite metadata in .demo/airflow), one after another in
   one process, so Airflow starts once; then re-runs the first hour to show that a re-run
   changes nothing. What Airflow logs goes to .demo/airflow/dag-test.log.
4. Prints the row count of every table and a few analyst queries.

To run the same on the real Sparkify files, set SPARKIFY_SOURCE_URL to their root, for
example ``file:///path/to/shared/data/sparkify``, and SPARKIFY_DEMO_HOURS to the logical dates
to run (comma-separated, e.g. ``2018-11-15T14:00:00+00:00,2018-11-15T15:00:00+00:00``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tools.airflow_env import PROJECT, airflow_environment, migrate_metadata_db
from tools.local_warehouse import (
    airflow_connection,
    postgres_server,
    recreate_database,
)
from tools.sample_data import write_sample_dataset

DEMO_DIR = Path(os.environ.get("SPARKIFY_DEMO_DIR", PROJECT / ".demo"))
# Manual runs load the hour that ends at their logical date: these load 2018-11-02 14:00-20:00.
DEFAULT_HOURS = [f"2018-11-02T{hour:02d}:00:00+00:00" for hour in range(15, 21)]
TABLES = ["staging_events", "staging_songs", "songplays", "users", "songs", "artists", "time"]

ANALYST_QUERIES = {
    "Most played songs (catalogue matches)": """
        SELECT s.title, a.name AS artist, COUNT(*) AS plays
        FROM songplays p JOIN songs s ON s.song_id = p.song_id
        JOIN artists a ON a.artist_id = p.artist_id
        GROUP BY s.title, a.name ORDER BY plays DESC, s.title LIMIT 5""",
    "Busiest hours (UTC)": """
        SELECT t.hour, COUNT(*) AS plays
        FROM songplays p JOIN time t ON t.start_time = p.start_time
        GROUP BY t.hour ORDER BY plays DESC, t.hour LIMIT 5""",
    "Paid versus free plays": """
        SELECT level, COUNT(*) AS plays, COUNT(DISTINCT user_id) AS listeners
        FROM songplays GROUP BY level ORDER BY level""",
}


def print_table(title: str, header: list[str], rows: list[tuple]) -> None:
    print(f"\n{title}")
    cells = [header] + [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for number, row in enumerate(cells):
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if number == 0:
            print("  " + "  ".join("-" * width for width in widths))


def query(sql: str) -> tuple[list[str], list[tuple]]:
    """Run ``sql`` on the warehouse the runs loaded; return (column names, rows)."""
    from airflow.sdk import BaseHook

    hook = BaseHook.get_connection("redshift").get_hook()
    with contextlib.closing(hook.get_conn()) as conn:
        cursor = conn.cursor()
        cursor.execute(sql)
        return [d[0] for d in cursor.description], cursor.fetchall()


def table_counts() -> dict[str, int]:
    return {table: query(f'SELECT COUNT(*) FROM "{table}"')[1][0][0] for table in TABLES}


def report() -> dict[str, int]:
    counts = table_counts()
    print_table("Row counts", ["table", "rows"], list(counts.items()))
    for title, sql in ANALYST_QUERIES.items():
        print_table(title, *query(sql))
    return counts


@contextlib.contextmanager
def output_to(log: Path) -> Iterator[None]:
    """Send this process's stdout and stderr (file descriptors included) to ``log``."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with log.open("ab") as target:
        os.dup2(target.fileno(), 1)
        os.dup2(target.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in zip((1, 2), saved, strict=True):
                os.dup2(copy, fd)
                os.close(copy)


def run_hours(dag, hours: list[str], log: Path) -> None:
    """``dag.test()`` for each logical date in turn; stop at the first run that fails."""
    import pendulum

    for logical_date in hours:
        started = time.monotonic()
        with output_to(log):
            run = dag.test(logical_date=pendulum.parse(logical_date))
        took = time.monotonic() - started
        print(f"  dag.test sparkify_etl {logical_date}: {run.state} in {took:.1f} s")
        if run.state != "success":
            print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise SystemExit(1)


def main() -> None:
    source_url = os.environ.get("SPARKIFY_SOURCE_URL")
    if not source_url:
        data = write_sample_dataset(DEMO_DIR / "data")
        source_url = data.resolve().as_uri()
        print(f"Sample dataset written to {data}")
    hours_setting = os.environ.get("SPARKIFY_DEMO_HOURS")
    hours = hours_setting.split(",") if hours_setting else DEFAULT_HOURS

    with postgres_server(DEMO_DIR / "pgdata") as admin_url:
        warehouse_conn = os.environ.get("AIRFLOW_CONN_REDSHIFT")
        if warehouse_conn:
            print("Warehouse: the connection in AIRFLOW_CONN_REDSHIFT")
        else:
            warehouse_conn = airflow_connection(recreate_database(admin_url, "sparkify_demo"))
            print("Warehouse: database sparkify_demo on a local PostgreSQL")
        home = DEMO_DIR / "airflow"
        env = airflow_environment(home, warehouse_conn, source_url)
        migrate_metadata_db(env)
        os.environ.update(env)  # Airflow reads its configuration when first imported, below
        log = home / "dag-test.log"
        log.unlink(missing_ok=True)
        with output_to(log):
            from airflow.dag_processing.dagbag import DagBag

            dag = DagBag(dag_folder=env["AIRFLOW__CORE__DAGS_FOLDER"]).dags["sparkify_etl"]

        print(f"Running {len(hours)} hourly DAG runs from {source_url}:")
        run_hours(dag, hours, log)
        before = report()

        print(f"\nRe-running the first hour ({hours[0]}) changes nothing:")
        run_hours(dag, hours[:1], log)
        after = table_counts()
        if after != before:
            raise SystemExit(f"a re-run changed the warehouse: {before} -> {after}")
        print("  row counts unchanged")


if __name__ == "__main__":
    main()
