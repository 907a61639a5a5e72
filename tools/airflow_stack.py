"""``make airflow`` and ``make backfill``: the project's DAG in a local Airflow 3.

``make airflow`` starts the four Airflow components (see ``local_airflow``) with this project's
dags/ and plugins/, the warehouse and the sample data (the same as ``make demo``: the server
SPARKIFY_PG_URL names, else a private PostgreSQL), prints the UI address and the admin login,
and runs until Ctrl-C, which stops everything it started.

``make backfill FROM=... TO=...`` runs ``airflow backfill create`` against that running stack.

The warehouse and Airflow's metadata live in databases ``sparkify_local`` and ``airflow_local``
(kept between runs, so the UI keeps its history); SPARKIFY_WAREHOUSE_DATABASE and
SPARKIFY_AIRFLOW_DATABASE name others.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tools.airflow_env import AIRFLOW, PROJECT, airflow_environment
from tools.local_airflow import LocalAirflow, local_airflow_environment
from tools.local_warehouse import airflow_connection, database_url, postgres_server
from tools.sample_data import write_sample_dataset

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


def stack_environment(admin_url: str, port: int) -> dict[str, str]:
    source = write_sample_dataset(STACK_DIR / "data").resolve().as_uri()
    warehouse = airflow_connection(ensure_database(admin_url, WAREHOUSE_DATABASE))
    metadata = sqlalchemy_url(ensure_database(admin_url, METADATA_DATABASE))
    env = airflow_environment(STACK_DIR / "home", warehouse, source)
    return local_airflow_environment(env, metadata, port)


def run_stack(port: int) -> None:
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    with postgres_server(STACK_DIR / "pgdata") as admin_url:
        env = stack_environment(admin_url, port)
        overrides = {k: v for k, v in env.items() if os.environ.get(k) != v}
        print("Starting Airflow (api-server, scheduler, dag-processor, triggerer)...")
        with LocalAirflow(env, port) as airflow:
            STACK_ENV.write_text(json.dumps(overrides))
            print(f"\nAirflow is ready: {airflow.url}")
            print(f"Log in as admin / {airflow.admin_password()}")
            print("DAG sparkify_etl starts paused: unpause it, or trigger one hour by hand.")
            print(f"Component logs: {airflow.home / 'component-logs'}")
            print("Press Ctrl-C to stop everything.\n")
            stopping.wait()
            print("Stopping Airflow...")
        STACK_ENV.unlink(missing_ok=True)
    print("Stopped; nothing left running.")


def backfill(start: str, end: str, extra: list[str]) -> int:
    if not STACK_ENV.exists():
        print("No local Airflow is running: start it with `make airflow` first.", file=sys.stderr)
        return 2
    env = {**os.environ, **json.loads(STACK_ENV.read_text())}
    command = [
        AIRFLOW, "backfill", "create", "--dag-id", "sparkify_etl",
        "--from-date", start, "--to-date", end, "--max-active-runs", "3", *extra,
    ]  # fmt: skip
    print("$", " ".join(command[1:]))
    return subprocess.run(command, env=env).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start Airflow until Ctrl-C")
    run.add_argument("--port", type=int, default=8080)
    fill = commands.add_parser("backfill", help="airflow backfill create on the running stack")
    fill.add_argument("--from-date", required=True)
    fill.add_argument("--to-date", required=True)
    args, extra = parser.parse_known_args()
    if args.command == "run":
        run_stack(args.port)
    else:
        sys.exit(backfill(args.from_date, args.to_date, extra))


if __name__ == "__main__":
    main()
