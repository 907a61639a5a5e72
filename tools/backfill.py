"""Backfill sparkify_etl on a running stack, and follow it until every run has ended.

Airflow 3's ``airflow backfill create`` only queues the runs and returns. This creates the
backfill through the REST API, then prints its progress (succeeded / failed / running / queued
of N, elapsed, an estimate of the time left) until every run has ended. It exits 0 when all of
them succeeded, and 1 naming each failed run and its first failed task. On Ctrl-C it stops
following, leaves the backfill running in the stack, and prints how to watch or cancel it.

    python -m tools.backfill 2018-11-02T10:00 2018-11-02T15:00     # make backfill FROM= TO=
    python -m tools.backfill --watch 7                             # follow backfill 7 again
    python -m tools.backfill --cancel 7

Both dates are logical dates, inclusive, UTC unless they say otherwise; a backfill run with
logical date X loads [X, X + 1h). Where the stack is: SPARKIFY_AIRFLOW_API (its URL) and
SPARKIFY_AIRFLOW_PASSWORDS (the simple auth manager's password file) when set, as in the
compose stack's ``backfill`` service; else the running ``make airflow``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import urllib.error
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tools.airflow_api import AirflowApi

DAG_ID = "sparkify_etl"
POLL_SECONDS = 3
ENDED = ("success", "failed")


@dataclass(frozen=True)
class Stack:
    url: str
    password: str
    watch_command: str  # how a user runs this tool against that stack, for the hints


def find_stack() -> Stack:
    """The stack named by SPARKIFY_AIRFLOW_API, else the running ``make airflow``."""
    url = os.environ.get("SPARKIFY_AIRFLOW_API")
    if url:
        passwords = Path(os.environ["SPARKIFY_AIRFLOW_PASSWORDS"])
        command = os.environ.get("SPARKIFY_BACKFILL_COMMAND", "python -m tools.backfill")
        return Stack(url, json.loads(passwords.read_text())["admin"], command)
    from tools.airflow_stack import STACK_ENV

    if not STACK_ENV.exists():
        raise SystemExit("No local Airflow is running: start it with `make airflow` first.")
    env = json.loads(STACK_ENV.read_text())
    passwords = Path(env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"
    url = f"http://127.0.0.1:{env['AIRFLOW__API__PORT']}"
    return Stack(
        url, json.loads(passwords.read_text())["admin"], ".venv/bin/python -m tools.backfill"
    )


def logical_date(text: str) -> str:
    """An ISO date-time for the API; UTC when ``text`` names no offset."""
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


class Backfill:
    """One backfill of sparkify_etl on a stack, and the runs it owns."""

    def __init__(self, api: AirflowApi, backfill_id: int, logical_dates: list[str]) -> None:
        self.api = api
        self.id = backfill_id
        self.logical_dates = logical_dates

    @classmethod
    def create(cls, api: AirflowApi, body: dict) -> Backfill:
        """Create it; the dry run first tells which logical dates it will run."""
        planned = api.call("POST", "/backfills/dry_run", body)["backfills"]
        dates = sorted(logical_date(b["logical_date"]) for b in planned)
        created = api.call("POST", "/backfills", body)
        return cls(api, created["id"], dates)

    @classmethod
    def existing(cls, api: AirflowApi, backfill_id: int) -> Backfill:
        """A backfill created earlier: its runs are the backfill runs in its date range."""
        found = api.call("GET", f"/backfills/{backfill_id}")
        runs = cls._runs_between(api, found["from_date"], found["to_date"])
        dates = sorted(d for d, run in runs.items() if run["run_type"] == "backfill")
        return cls(api, backfill_id, dates)

    @staticmethod
    def _runs_between(api: AirflowApi, start: str, end: str) -> dict[str, dict]:
        runs, offset = {}, 0
        while True:
            query = urllib.parse.urlencode(
                {
                    "logical_date_gte": start,
                    "logical_date_lte": end,
                    "limit": 100,
                    "offset": offset,
                    "order_by": "logical_date",
                }
            )
            page = api.call("GET", f"/dags/{DAG_ID}/dagRuns?{query}")["dag_runs"]
            runs.update({logical_date(r["logical_date"]): r for r in page})
            if len(page) < 100:
                return runs
            offset += 100

    def runs(self) -> dict[str, dict]:
        """Logical date -> its run, for this backfill's dates."""
        between = self._runs_between(self.api, self.logical_dates[0], self.logical_dates[-1])
        return {d: between[d] for d in self.logical_dates if d in between}

    def first_failed_task(self, run: dict) -> str:
        tasks = self.api.call(
            "GET", f"/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances?state=failed"
        )["task_instances"]
        if not tasks:
            return "no task failed (the run was failed as a whole)"
        first = min(tasks, key=lambda t: t["end_date"] or "")
        return f"{first['task_id']} failed"


def progress_line(states: Counter, total: int, elapsed: float) -> str:
    done = states["success"] + states["failed"]
    line = (
        f"succeeded {states['success']} / failed {states['failed']} / running "
        f"{states['running']} / queued {total - done - states['running']} of {total}, "
        f"elapsed {clock(elapsed)}"
    )
    if 0 < done < total:
        line += f", about {clock(elapsed / done * (total - done))} left"
    return line


def patiently(call, patience: float = 120):
    """``call()``, retried while the API does not answer (an api-server restarting, say)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return call()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            if isinstance(exc, urllib.error.HTTPError) and exc.code < 500:
                raise
            if time.monotonic() > deadline:
                raise
            print(f"(the API did not answer: {exc}; retrying)", file=sys.stderr)
            time.sleep(POLL_SECONDS)


def follow(backfill: Backfill, stack: Stack, out=sys.stdout) -> int:
    """Print progress until every run has ended; 0 if all succeeded, else 1."""
    total = len(backfill.logical_dates)
    started = time.monotonic()
    interactive = out.isatty()
    last = ""
    try:
        while True:
            runs = patiently(backfill.runs)
            states = Counter(r["state"] for r in runs.values())
            line = progress_line(states, total, time.monotonic() - started)
            if interactive:
                out.write("\r" + line.ljust(len(last)))
            elif line.split(", elapsed")[0] != last.split(", elapsed")[0]:
                out.write(line + "\n")
            out.flush()
            last = line
            if len(runs) == total and all(r["state"] in ENDED for r in runs.values()):
                break
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        out.write(
            f"\n\nStopped following. Backfill {backfill.id} keeps running in the stack.\n"
            f"  watch it again:  {stack.watch_command} --watch {backfill.id}\n"
            f"  cancel it:       {stack.watch_command} --cancel {backfill.id}\n"
            f"  or in the UI:    {stack.url}/dags/{DAG_ID} (Backfills)\n"
        )
        return 130
    if interactive:
        out.write("\n")
    failed = {d: r for d, r in runs.items() if r["state"] == "failed"}
    if not failed:
        out.write(f"Backfill {backfill.id}: all {total} runs succeeded.\n")
        return 0
    out.write(f"Backfill {backfill.id}: {len(failed)} of {total} runs failed:\n")
    for date, run in sorted(failed.items()):
        out.write(f"  {run['dag_run_id']} ({date}): {backfill.first_failed_task(run)}\n")
    return 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("from_date", nargs="?", help="first logical date, e.g. 2018-11-02T10:00")
    parser.add_argument("to_date", nargs="?", help="last logical date (inclusive)")
    parser.add_argument("--max-active-runs", type=int, default=3)
    parser.add_argument("--run-backwards", action="store_true")
    parser.add_argument(
        "--reprocess-behavior", choices=["none", "failed", "completed"], default="none"
    )
    parser.add_argument("--watch", type=int, metavar="ID", help="follow an existing backfill")
    parser.add_argument("--cancel", type=int, metavar="ID", help="cancel a backfill")
    args = parser.parse_args()
    stack = find_stack()
    api = AirflowApi(stack.url, "admin", stack.password)

    if args.cancel is not None:
        api.call("PUT", f"/backfills/{args.cancel}/cancel")
        print(f"Backfill {args.cancel} cancelled: its queued runs will not start.")
        return
    if args.watch is not None:
        sys.exit(follow(Backfill.existing(api, args.watch), stack))
    if not (args.from_date and args.to_date):
        parser.error("give FROM_DATE and TO_DATE, or --watch ID, or --cancel ID")
    body = {
        "dag_id": DAG_ID,
        "from_date": logical_date(args.from_date),
        "to_date": logical_date(args.to_date),
        "max_active_runs": args.max_active_runs,
        "run_backwards": args.run_backwards,
        "reprocess_behavior": args.reprocess_behavior,
    }
    try:
        backfill = Backfill.create(api, body)
    except urllib.error.HTTPError as exc:
        sys.exit(refusal(api, exc, stack))
    print(
        f"Backfill {backfill.id}: {len(backfill.logical_dates)} runs of {DAG_ID}, "
        f"{body['from_date']} to {body['to_date']}, {args.max_active_runs} at a time"
    )
    sys.exit(follow(backfill, stack))


def refusal(api: AirflowApi, error: urllib.error.HTTPError, stack: Stack) -> str:
    """Why Airflow refused the backfill, in a sentence a user can act on."""
    detail = error.read().decode(errors="replace")
    if error.code == 409:
        active = [
            b
            for b in api.call("GET", f"/backfills?dag_id={DAG_ID}")["backfills"]
            if b["completed_at"] is None
        ]
        ids = ", ".join(str(b["id"]) for b in active) or "?"
        return (
            f"Airflow runs one backfill per DAG at a time, and backfill {ids} is still active.\n"
            f"  watch it:  {stack.watch_command} --watch {ids}\n"
            f"  cancel it: {stack.watch_command} --cancel {ids}"
        )
    return f"Airflow refused the backfill ({error.code}): {detail}"


if __name__ == "__main__":
    main()
