"""Faults injected into the real PostgreSQL warehouse while a real Airflow run works on it.

- ``BackendKiller`` terminates (``pg_terminate_backend``) the first session of the warehouse
  seen running a statement that starts with a given text, as a failover or an operator would.
- ``SlowStatement`` makes every INSERT into a table take a few seconds (a statement trigger
  that sleeps), so that a load can be caught in the middle of its transaction.
- ``ClientKiller`` kills (SIGKILL) the process on this machine whose warehouse session is
  running a statement that starts with a given text: a task process dying mid-load;
- ``IntervalReader`` queries the warehouse in a loop, as an analyst would, and keeps every
  distinct answer, to show that no one ever sees a partial interval.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import psycopg


class BackendKiller(threading.Thread):
    def __init__(self, url: str, statement_prefix: str, timeout: float = 600) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.prefix = statement_prefix
        self.timeout = timeout
        self.killed: str | None = None  # the statement that was running when it was killed

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout
        with psycopg.connect(self.url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                found = conn.execute(
                    "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state = 'active' AND starts_with(query, %s)",
                    [self.prefix],
                ).fetchone()
                if found:
                    conn.execute("SELECT pg_terminate_backend(%s)", [found[0]])
                    self.killed = found[1]
                    return
                time.sleep(0.01)


class ClientKiller(threading.Thread):
    def __init__(self, url: str, statement_prefix: str, timeout: float = 600) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.prefix = statement_prefix
        self.timeout = timeout
        self.killed_pid: int | None = None
        self.killed_at: float | None = None  # time.time() of the kill

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout
        with psycopg.connect(self.url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                found = conn.execute(
                    "SELECT client_port FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state = 'active' AND starts_with(query, %s)",
                    [self.prefix],
                ).fetchone()
                pid = found and process_with_local_port(found[0])
                if pid:
                    os.kill(pid, signal.SIGKILL)
                    self.killed_pid, self.killed_at = pid, time.time()
                    return
                time.sleep(0.02)


def process_with_local_port(port: int) -> int | None:
    """The process holding the TCP socket whose local port is ``port`` (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                if os.readlink(fd) in inodes:
                    return int(fd_dir.parent.name)
        except OSError:  # the process ended, or is not ours to read
            continue
    return None


class SlowStatement:
    """Within the block, every INSERT into ``table`` sleeps ``seconds`` after it has run."""

    def __init__(self, url: str, table: str, seconds: float = 3) -> None:
        self.url, self.table, self.seconds = url, table, seconds

    def __enter__(self) -> SlowStatement:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(
                "CREATE OR REPLACE FUNCTION fault_sleep() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN PERFORM pg_sleep({float(self.seconds)}); RETURN NULL; END $$"
            )
            conn.execute(
                f'CREATE TRIGGER fault_slow_insert AFTER INSERT ON "{self.table}" '
                "FOR EACH STATEMENT EXECUTE FUNCTION fault_sleep()"
            )
        return self

    def __exit__(self, *exc_info) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP TRIGGER IF EXISTS fault_slow_insert ON "{self.table}"')
            conn.execute("DROP FUNCTION IF EXISTS fault_sleep()")


class IntervalReader(threading.Thread):
    """Runs ``sql`` (one statement, one row) in a loop; ``seen`` is every distinct answer."""

    def __init__(self, url: str, sql: str) -> None:
        super().__init__(daemon=True)
        self.url, self.sql = url, sql
        self.seen: set[tuple] = set()
        self.reads = 0
        self.error: Exception | None = None
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                while not self._stopping.is_set():
                    self.seen.add(tuple(conn.execute(self.sql).fetchone()))
                    self.reads += 1
                    time.sleep(0.005)
        except Exception as exc:  # noqa: BLE001 - reported by stop()
            self.error = exc

    def stop(self) -> set[tuple]:
        """Every distinct answer; raises what stopped the reader, if anything did."""
        self._stopping.set()
        self.join(timeout=30)
        if self.error is not None:
            raise self.error
        return self.seen
