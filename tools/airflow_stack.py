"""``make airflow`` and ``make backfill``: the project's DAG in a local Airflow 3.

``make airflow`` starts the four Airflow components (see ``local_airflow``) with this project's
dags/ and plugins/ and the warehouse (as for ``make demo``: the server SPARKIFY_PG_URL names,
else a private PostgreSQL), prints the UI address and the admin login, and runs until Ctrl-C,
which stops everything it started. Its source root holds the sample data for all of November
2018 and today's day file, kept current by the sample feed (``tools/sample_feed.py``), so both
a triggered hour of November 2018 and the scheduled hourly runs after unpausing succeed.

``make backfill FROM=... TO=...`` (``tools/backfill.py``) backfills on that running stack.

The warehouse and Airflow's metadata live in databases ``sparkify_local`` and ``airflow_local``
(kept between runs, so the UI keeps its history); SPARKIFY_WAREHOUSE_DATABASE and
SPARKIFY_AIRFLOW_DATABASE name others.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from pathlib import Path

from tools.airflow_env import PROJECT, airflow_environment
from tools.local_airflow import LocalAirflow, local_airflow_environment
from tools.local_warehouse import airflow_connection, database_url, postgres_server
from tools.sample_feed import FolderStore, SampleFeed

STACK_DIR = Path(os.environ.get("SPARKIFY_AIRFLOW_DIR", PROJECT / ".airflow"))
WAREHOUSE_DATABASE = os.environ.get("SPARKIFY_WAREHOUSE_DATABASE", "sparkify_local")
METADATA_DATABASE = os.environ.get("SPARKIFY_AIRFLOW_DATABASE", "airflow_local")
STACK_ENV = STACK_DIR / "stack-env.json"


def ensure_database(admin_url: str, name: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(admin_url, name)


def sqlalchemy_url(conninfo: str) -> str:
    """A psycopg2 SQLAlchemy URL for a libpq connection string (Unix sockets included)."""
    from psycopg.conninfo import conninfo_to_dict

    parts = conninfo_to_dict(conninfo)
    user = parts.get("user", "postgres")
    password = f":{parts['password']}" if parts.get("password") else ""
    host = parts.get("host", "localhost")
    if host.startswith("/"):
        return f"postgresql+psycopg2://{user}{password}@/{parts['dbname']}?host={host}"
    return (
        f"postgresql+psycopg2://{user}{password}@{host}:{parts.get('port', 5432)}/{parts['dbname']}"
    )


def stack_environment(admin_url: str, port: int, source: str) -> dict[str, str]:
    warehouse = airflow_connection(ensure_database(admin_url, WAREHOUSE_DATABASE))
    metadata = sqlalchemy_url(ensure_database(admin_url, METADATA_DATABASE))
    env = airflow_environment(STACK_DIR / "home", warehouse, source)
    return local_airflow_environment(env, metadata, port)


def run_stack(port: int) -> None:
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    data = (STACK_DIR / "data").resolve()
    feed = SampleFeed(FolderStore(data))
    feed.step()  # November 2018 and today's file, before the scheduler can look for them
    feeding = threading.Thread(target=feed.run, args=(stopping,), name="sample-feed")
    feeding.start()
    try:
        with postgres_server(STACK_DIR / "pgdata") as admin_url:
            serve(stack_environment(admin_url, port, data.as_uri()), port, stopping)
    finally:
        stopping.set()
        feeding.join()
    print("Stopped; nothing left running.")


def serve(env: dict[str, str], port: int, stopping: threading.Event) -> None:
    """Airflow with ``env`` until ``stopping`` is set; then everything it started is stopped."""
    overrides = {k: v for k, v in env.items() if os.environ.get(k) != v}
    print("Starting Airflow (api-server, scheduler, dag-processor, triggerer)...")
    with LocalAirflow(env, port) as airflow:
        STACK_ENV.write_text(json.dumps(overrides))
        print(f"\nAirflow is ready: {airflow.url}")
        print("DAG sparkify_etl starts paused: unpause it for the hourly runs (today's data is")
        print("written as the day goes), or trigger any hour of November 2018 by hand.")
        print(f"Component logs: {airflow.home / 'component-logs'}")
        print("Press Ctrl-C to stop everything.")
        print(f"Log in as admin / {airflow.admin_password()}\n")
        stopping.wait()
        print("Stopping Airflow...")
    STACK_ENV.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    run_stack(parser.parse_args().port)


if __name__ == "__main__":
    main()
