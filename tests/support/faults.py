"""Faults injected into the real PostgreSQL warehouse while a real Airflow run works on it.

- ``WhenRunning`` acts on the first session of the warehouse seen running a statement that
  starts with a given text: ``terminate_backend`` (``pg_terminate_backend``, as a failover or
  an operator would), ``kill_client`` (SIGKILL to the process on this machine that holds the
  connection: a task process dying mid-load), or any other act (a server restart);
- ``SlowStatement`` makes every INSERT into a table take a few seconds (a statement trigger
  that sleeps), so that a load can be caught in the middle of its transaction.
- ``HOUR_COUNTS`` is what such a reader asks of the hour 2018-11-15 13:00 the fault tests load;
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

_IN_HOUR = "'2018-11-15 13:00' AND start_time < '2018-11-15 14:00'"
HOUR_COUNTS = f"""
SELECT (SELECT COUNT(*) FROM songplays WHERE start_time >= {_IN_HOUR}),
       (SELECT COUNT(*) FROM users),
       (SELECT COUNT(*) FROM "time" WHERE start_time >= {_IN_HOUR})
"""


class WhenRunning(threading.Thread):
    """Once a session of the warehouse is seen running a statement that starts with
    ``statement_prefix``, does ``act(backend_pid, client_port)`` to it, once.

    ``act`` may return False to say it could not act yet; it is then called again.
    ``done_at`` is the time.time() it acted, ``statement`` what the session was running.
    """

    def __init__(self, url: str, statement_prefix: str, act, timeout: float = 600) -> None:
        super().__init__(daemon=True)
        self.url, self.prefix, self.act, self.timeout = url, statement_prefix, act, timeout
        self.done_at: float | None = None
        self.statement: str | None = None

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout
        with psycopg.connect(self.url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                found = conn.execute(
                    "SELECT pid, client_port, query FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state = 'active' AND starts_with(query, %s)",
                    [self.prefix],
                ).fetchone()
                if found and self.act(found[0], found[1]) is not False:
                    self.done_at, self.statement = time.time(), found[2]
                    return
                time.sleep(0.01)


def terminate_backend(url: str):
    """An act: ``pg_terminate_backend`` of the session, as a failover or an operator would."""

    def act(backend_pid: int, client_port: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", [backend_pid])

    return act


def kill_client(backend_pid: int, client_port: int) -> bool:
    """An act: SIGKILL to the process on this machine that holds the session's connection."""
    pid = process_with_local_port(client_port)
    if pid is None:
        return False
    os.kill(pid, signal.SIGKILL)
    return True


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
    """Runs ``sql`` (one statement, one row) in a loop; ``seen`` is every distinct answer.

    With ``reconnect``, a lost connection (a server restarting) is opened again until it
    answers; ``interruptions`` counts how often.
    """

    def __init__(self, url: str, sql: str, reconnect: bool = False) -> None:
        super().__init__(daemon=True)
        self.url, self.sql, self.reconnect = url, sql, reconnect
        self.seen: set[tuple] = set()
        self.reads = 0
        self.interruptions = 0
        self.error: Exception | None = None
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    while not self._stopping.is_set():
                        self.seen.add(tuple(conn.execute(self.sql).fetchone()))
                        self.reads += 1
                        time.sleep(0.005)
            except psycopg.OperationalError as exc:
                if not self.reconnect:
                    self.error = exc
                    return
                self.interruptions += 1
                time.sleep(0.2)
            except Exception as exc:  # noqa: BLE001 - reported by stop()
                self.error = exc
                return

    def stop(self) -> set[tuple]:
        """Every distinct answer; raises what stopped the reader, if anything did."""
        self._stopping.set()
        self.join(timeout=30)
        if self.error is not None:
            raise self.error
        return self.seen
