"""A PostgreSQL server to stand in for Redshift on a laptop, and databases on it.

The server is the one ``SPARKIFY_PG_URL`` names (an admin URL, for example
``postgresql://postgres@127.0.0.1:5432/postgres``) or, when it is unset, a private server
started from the pgserver wheel (PostgreSQL in a pip package, on a Unix socket, no install).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

SERVER_URL_ENV = "SPARKIFY_PG_URL"


@contextlib.contextmanager
def postgres_server(data_dir: Path) -> Iterator[str]:
    """Yield an admin connection string: the named server's, or a private server's."""
    named = os.environ.get(SERVER_URL_ENV)
    if named:
        yield named
        return
    # pgserver logs every start and stop at INFO, even from its exit hook, after the program's
    # own last line (and into pytest's closed stream): its warnings are enough.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # Where XDG_RUNTIME_DIR is unset (CI, containers), platformdirs warns that it uses /tmp.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
        import pgserver

        server = pgserver.get_server(data_dir, cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def recreate_database(admin_url: str, name: str) -> str:
    """Drop and create database ``name``; return a connection string for it."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def database_url(admin_url: str, name: str) -> str:
    return make_conninfo(admin_url, dbname=name)


def airflow_connection(conninfo: str) -> str:
    """The ``AIRFLOW_CONN_REDSHIFT`` value (JSON) for a PostgreSQL connection string.

    JSON rather than a URI, because a Unix-socket host is a path that a URI cannot carry.
    """
    parts = conninfo_to_dict(conninfo)
    return json.dumps(
        {
            "conn_type": "postgres",
            "host": parts.get("host", "localhost"),
            "port": int(parts.get("port", 5432)),
            "login": parts.get("user", "postgres"),
            "password": parts.get("password") or None,
            "schema": parts.get("dbname", "postgres"),
        }
    )
