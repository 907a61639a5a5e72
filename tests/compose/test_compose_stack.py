"""``docker compose up`` with a real Docker engine, as a new user would run the stack.

The project's compose files run unmodified (only the host ports move) on stand-in images built
from Debian and PyPI under the official names (see standins.py). Each check below would fail on
the compose file before issue 9:

1. every Airflow container shares one JWT secret, API secret key and Fernet key: runs succeed,
   which needs the api-server to accept the tokens the scheduler signs;
2. every image can be had (here: has a stand-in), so ``up`` gets past pulling;
3. task logs live on a shared volume: a task's log is read through the REST API;
4. a second ``up`` works, and the seeded data and the warehouse are unchanged by it;
5. nothing is pip-installed when a container starts;
6. the services have health checks (``up --wait`` waits for them) and restart policies;
7. the UI's default logical date (now) and the scheduled run that unpausing starts succeed,
   on the day file the sample feed keeps writing; so does an hour of November 2018.

And what issue 20 asked of a stack that is safe by default: a token signed with the secret
the repository once shipped is refused (one signed with the stack's own is accepted); every
published port answers on loopback and on no other address of the machine; a daily report
outlives ``down``.

The Celery variant, scaled to three workers, runs a six-hour backfill, six runs at a time,
with ``docker compose run --rm backfill``: its tasks land on more than one worker, and more of
them run at once than one worker's slots allow. Every warehouse is checked against counts
computed from the sample data, and ``down -v`` must leave no container, network or volume
behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import jwt
import pytest

from tests.compose.compose_project import CELERY_FILE, LOCAL_FILE, ComposeProject, host_addresses
from tests.support.raw_counts import actual_warehouse, expected_warehouse
from tests.support.warehouse_db import WAREHOUSE_TABLES
from tools.airflow_api import AirflowApi
from tools.sample_data import NOVEMBER_2018, SampleApp, write_sample_dataset

pytestmark = pytest.mark.slow  # a Docker engine and two compose stacks: not in make check

DAG_ID = "sparkify_etl"
REPORT_DAG_ID = "sparkify_daily_report"
DAY = "2018-11-21"  # the day of the hour the test triggers, and of its report
# What .env shipped until issue 20: public, so a stack must never accept what it signs.
PUBLIC_PLACEHOLDER_SECRET = "change-me-jwt-secret-for-local-use-only-0000000000"
ENDED = ("success", "failed")
NOTHING_LEFT = {"containers": [], "networks": [], "volumes": []}


def all_runs_ended(api: AirflowApi, timeout: float = 600) -> list[dict]:
    """Every run of the DAG, once none is queued or running."""
    deadline = time.monotonic() + timeout
    while True:
        runs = api.dag_runs(DAG_ID)
        if runs and all(r["state"] in ENDED for r in runs):
            return runs
        assert time.monotonic() < deadline, f"runs still going: {runs}"
        time.sleep(3)


def wait_for_scheduled_run(api: AirflowApi, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not any(r["run_type"] == "scheduled" for r in api.dag_runs(DAG_ID)):
        assert time.monotonic() < deadline, "unpausing started no scheduled run"
        time.sleep(2)


def loaded_hours(runs: list[dict]) -> list[dt.datetime]:
    assert {r["state"] for r in runs} == {"success"}, [(r["dag_run_id"], r["state"]) for r in runs]
    return sorted({dt.datetime.fromisoformat(r["data_interval_start"]) for r in runs})


def sample_copy(root: Path, hours: list[dt.datetime]) -> Path:
    """The stack's data, written here: November 2018, and every other day of ``hours`` whole."""
    write_sample_dataset(root)
    app = SampleApp.create()
    first, days = NOVEMBER_2018
    for day in {h.date() for h in hours} - {first + dt.timedelta(d) for d in range(days)}:
        key, data = app.day_file(day)
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(data)
    return root


def assert_warehouse_matches_the_data(stack: ComposeProject, runs: list[dict], root: Path):
    hours = loaded_hours(runs)
    expected = expected_warehouse(sample_copy(root, hours), hours)
    assert actual_warehouse(stack.warehouse()) == expected
    assert expected.songplays > 0


def admin_token(secret: str) -> str:
    """A token for user admin, as the api-server signs them (HS512, audience apache-airflow)."""
    now = int(time.time())
    claims = {"sub": "admin", "role": "admin", "aud": "apache-airflow", "iat": now, "nbf": now}
    return jwt.encode({**claims, "exp": now + 600}, secret, algorithm="HS512")


def status_with_token(stack: ComposeProject, token: str) -> int:
    url = f"http://127.0.0.1:{stack.ports['SPARKIFY_API_PORT']}/api/v2/connections"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def answers(address: str, port: int) -> bool:
    try:
        socket.create_connection((address, port), timeout=3).close()
        return True
    except OSError:
        return False


def november_objects(listing: dict[str, tuple[int, str]]) -> dict[str, tuple[int, str]]:
    return {k: v for k, v in listing.items() if not k.startswith("log_data/") or "/2018/11/" in k}


def test_compose_up_runs_the_pipeline_and_comes_back_after_down_and_up(compose_project, tmp_path):
    stack = compose_project(LOCAL_FILE)
    stack.up()
    assert "Installing additional requirements" not in stack.logs()  # 5
    for service in ("airflow-apiserver", "airflow-scheduler", "warehouse", "s3"):  # 6
        assert stack.config()["services"][service]["restart"] == "always"

    # The bucket holds November 2018 exactly as the generator writes it.
    seeded = stack.s3_listing()
    local = write_sample_dataset(tmp_path / "november")
    november = {
        str(p.relative_to(local)): (p.stat().st_size, hashlib.md5(p.read_bytes()).hexdigest())
        for p in local.rglob("*")
        if p.is_file()
    }
    assert november_objects(seeded) == november

    # Issue 20: a token signed with the public placeholder is refused; the stack's own secret,
    # made on this first up, signs one that is accepted (so the refusal means something).
    assert status_with_token(stack, admin_token(PUBLIC_PLACEHOLDER_SECRET)) in (401, 403)
    own = stack("exec", "-T", "airflow-apiserver", "cat", "/opt/airflow/secrets/jwt_secret")
    assert status_with_token(stack, admin_token(own.stdout.strip())) == 200
    # ... and every published port answers on loopback, and on no other address of the machine.
    published = stack.published_ports()
    assert {"airflow-apiserver", "warehouse", "s3"} <= set(published), published
    elsewhere = host_addresses()
    assert elsewhere, "no address but loopback to try"
    for service, port in published.items():
        assert answers("127.0.0.1", port), service
        assert [a for a in elsewhere if answers(a, port)] == [], service

    api = stack.api()  # 1..3
    password = stack.password()
    api.wait_for_dag(DAG_ID)
    api.unpause(DAG_ID)
    api.trigger(DAG_ID, dt.datetime.now(dt.UTC).isoformat())  # 7: the UI's default date
    triggered = api.trigger(DAG_ID, "2018-11-21T08:00:00Z")  # loads 07:00-08:00
    wait_for_scheduled_run(api)  # 7: what unpausing starts
    runs = all_runs_ended(api)
    assert_warehouse_matches_the_data(stack, runs, tmp_path / "data")

    log = api.call(
        "GET",
        f"/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(triggered['dag_run_id'])}"
        "/taskInstances/stage_events/logs/1",
    )  # 3
    day_file = local / "log_data/2018/11/2018-11-21-events.json"
    events = len(day_file.read_text().splitlines())
    assert f"Staged {events} row(s) into staging_events" in json.dumps(log)

    # The daily report of that day, triggered by its partition key, onto the reports volume.
    api.unpause(REPORT_DAG_ID)
    report = api.call(
        "POST", f"/dags/{REPORT_DAG_ID}/dagRuns", {"logical_date": None, "partition_key": DAY}
    )
    assert api.wait_for_runs(REPORT_DAG_ID, [report["dag_run_id"]]) == {
        report["dag_run_id"]: "success"
    }
    page = stack.report_page(DAY)
    assert "<html" in page and DAY in page

    # 4: down and up again: same data in S3 (moto restarts empty; the feed seeds it again), the
    # same warehouse, the same password, and the next run loads on top. Paused first, so that
    # an hour that ends meanwhile is not loaded by the scheduler in between.
    api.call("PATCH", f"/dags/{DAG_ID}", {"is_paused": True})
    all_runs_ended(api)
    before = stack.warehouse().snapshot(WAREHOUSE_TABLES)
    stack("down")
    assert stack.leftovers()["containers"] == []
    stack.up()
    assert november_objects(stack.s3_listing()) == november
    assert stack.warehouse().snapshot(WAREHOUSE_TABLES) == before
    assert stack.password() == password
    assert stack.report_page(DAY) == page  # issue 20: reports on S3's stand-in were lost
    kept = stack("exec", "-T", "airflow-apiserver", "cat", "/opt/airflow/secrets/jwt_secret")
    assert kept.stdout == own.stdout  # the same secrets after down and up
    api = stack.api()
    api.unpause(DAG_ID)
    api.trigger(DAG_ID, "2018-11-22T20:00:00Z")
    runs = all_runs_ended(api)
    assert dt.datetime(2018, 11, 22, 19, tzinfo=dt.UTC) in loaded_hours(runs)
    assert_warehouse_matches_the_data(stack, runs, tmp_path / "data")

    stack("down", "-v")
    assert stack.leftovers() == NOTHING_LEFT


def most_at_once(intervals: list[tuple[str, str]]) -> int:
    """The most of ``intervals`` (ISO start, end) that were open at one moment."""
    edges = sorted(
        [(dt.datetime.fromisoformat(start), 1) for start, _ in intervals]
        + [(dt.datetime.fromisoformat(end), -1) for _, end in intervals]
    )  # at a tie an end (-1) sorts first: touching is not overlapping
    open_now = most = 0
    for _, step in edges:
        open_now += step
        most = max(most, open_now)
    return most


def test_celery_variant_scaled_to_three_workers_runs_more_at_once_than_one(
    compose_project, tmp_path
):
    stack = compose_project(LOCAL_FILE, CELERY_FILE)
    stack.up()
    stack("up", "-d", "--wait", "--scale", "airflow-worker=3", timeout=900)  # as documented
    config = stack.config()["services"]
    environment = config["airflow-scheduler"]["environment"]
    assert environment["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    one_workers_slots = int(environment["AIRFLOW__CELERY__WORKER_CONCURRENCY"])
    workers = stack.container_hostnames("airflow-worker")
    assert len(workers) == 3

    api = stack.api()
    api.wait_for_dag(DAG_ID)
    api.unpause(DAG_ID)
    followed = stack(
        "run", "--rm", "-T", "backfill", "2018-11-20T10:00", "2018-11-20T15:00",
        "--max-active-runs", "6", timeout=900,
    )  # fmt: skip
    assert "6 runs of sparkify_etl" in followed.stdout
    assert followed.stdout.rstrip().endswith("all 6 runs succeeded."), followed.stdout

    runs = all_runs_ended(api)
    backfilled = [r for r in runs if r["run_type"] == "backfill"]
    assert len(backfilled) == 6
    ran_on, intervals = set(), []
    for run in backfilled:
        path = f"/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(run['dag_run_id'])}/taskInstances"
        for task in api.call("GET", path)["task_instances"]:
            if task["operator"] != "EmptyOperator":
                ran_on.add(task["hostname"])
                intervals.append((task["start_date"], task["end_date"]))
    assert ran_on <= workers and len(ran_on) >= 2, (ran_on, workers)
    # More tasks ran at once than one worker has slots for: the workers added throughput
    # (with the base file's parallelism of 4, the scheduler would never run more than 4).
    assert most_at_once(intervals) > one_workers_slots, intervals
    assert_warehouse_matches_the_data(stack, runs, tmp_path / "data")

    stack("down", "-v")
    assert stack.leftovers() == NOTHING_LEFT
