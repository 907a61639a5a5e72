"""Airflow's share of an hourly run: sparkify_etl beside a no-op DAG of the same shape.

Both DAGs are measured in the same run, on the same machine and metadata database:

- ``airflow dags test`` of one hour: the wall clock of the command, and the time each task
  spent running as the metadata database records it (start to end of the task instance);
- a one-day backfill, 24 runs, through the real scheduler (LocalExecutor, parallelism 4,
  ``--max-active-runs 4``), from ``backfill create`` until the backfill is complete. The DAG is
  unpaused first and the one run that schedules for the current hour is let finish (for the
  pipeline it fails: the sample has no day file for today), so it does not share the timing.

The pipeline reads the real sample (``../shared/data/sparkify``) where it is present, else two
days of the project's generated sample. The no-op DAG is written from the real one
(``noop_shape``) into a DAG folder of the bench's own, beside a link to the real DAG file, so the
project's DAG folder never shows it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import psycopg

from tools.airflow_api import AirflowApi
from tools.airflow_env import AIRFLOW, PROJECT, airflow_environment
from tools.airflow_stack import sqlalchemy_url
from tools.local_airflow import LocalAirflow, local_airflow_environment
from tools.local_warehouse import airflow_connection, drop_database, recreate_database
from tools.noop_shape import NOOP_DAG_ID
from tools.sample_data import write_sample_dataset

REAL_DATA = PROJECT.parent / "shared" / "data" / "sparkify"
DAGS = {"noop": NOOP_DAG_ID, "pipeline": "sparkify_etl"}
DAGS_TEST_DAY = dt.date(2018, 11, 15)
DAGS_TEST_HOUR = f"{DAGS_TEST_DAY}T13:00:00+00:00"
BACKFILL_DAY = dt.date(2018, 11, 16)  # not the dags test's day: a backfill skips existing runs
BACKFILL_RUNS = 24
MAX_ACTIVE_RUNS = 4


def measure(
    workdir: Path,
    admin_url: str,
    backfill_runs: int = BACKFILL_RUNS,
    day_source: str | None = None,
    day: dt.date | None = None,
) -> dict:
    """Both DAGs, ``dags test`` and a backfill of ``backfill_runs`` hours; the figures.

    With ``day_source``, also the pipeline's backfill of ``day`` read from there (the bench's
    generated day): the day file not staged yet, the catalogue staged just before (timed on its
    own), as a backfill of a past day finds it. How long the backfill takes beside the no-op
    floor, and how often its runs staged the day file and how often they kept it.
    """
    if REAL_DATA.is_dir():
        source = REAL_DATA.as_uri()
    else:
        sample = write_sample_dataset(workdir / "overhead-sample", start=DAGS_TEST_DAY, days=2)
        source = sample.resolve().as_uri()
    dags_folder = workdir / "overhead-dags"
    dags_folder.mkdir(parents=True, exist_ok=True)
    pipeline_file = PROJECT / "dags" / "sparkify_etl.py"
    link = dags_folder / pipeline_file.name
    link.unlink(missing_ok=True)
    link.symlink_to(pipeline_file)

    warehouse_url = recreate_database(admin_url, "sparkify_bench_overhead")
    metadata_url = recreate_database(admin_url, "sparkify_bench_airflow")
    try:
        port = _free_port()
        home = workdir / "overhead-home"
        shutil.rmtree(home, ignore_errors=True)  # task logs of an earlier run would be read
        env = local_airflow_environment(
            airflow_environment(home, airflow_connection(warehouse_url), source),
            sqlalchemy_url(metadata_url),
            port,
        )
        noop_dag = dags_folder / f"{NOOP_DAG_ID}.py"
        subprocess.run(
            [sys.executable, "-m", "tools.noop_shape", str(noop_dag)],
            cwd=PROJECT, env=env, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder)
        # The source root lives in the metadata database, not the environment, so that the
        # day's backfill can read another one on the same stack.
        del env["AIRFLOW_VAR_SPARKIFY_SOURCE_URL"]
        results: dict = {"source": source, "dags_test_hour": DAGS_TEST_HOUR}
        first = dt.datetime.combine(BACKFILL_DAY, dt.time(), dt.UTC)
        with LocalAirflow(env, port) as airflow:
            api = AirflowApi(airflow.url, "admin", airflow.admin_password())
            _set_source_url(api, source)
            for dag_id in DAGS.values():
                api.wait_for_dag(dag_id)
            for name, dag_id in DAGS.items():
                results[f"{name}_dags_test"] = _dags_test(env, dag_id, metadata_url)
            for name, dag_id in DAGS.items():
                _unpause_and_settle(api, dag_id)
                backfill = _backfill(env, api, dag_id, first, backfill_runs)
                run_ids = backfill.pop("run_ids")
                backfill["task_seconds"] = _total_task_seconds(metadata_url, dag_id, run_ids)
                results[f"{name}_backfill"] = backfill
            if day_source is not None:
                _set_source_url(api, day_source)
                _empty_staging(warehouse_url)
                start = dt.datetime.combine(day, dt.time(), dt.UTC)
                catalogue_s = _stage_catalogue(env, start)
                day_backfill = _backfill(env, api, DAGS["pipeline"], start, backfill_runs)
                run_ids = day_backfill.pop("run_ids")
                results["day_backfill"] = {
                    **day_backfill,
                    "source": day_source,
                    "catalogue_staged_before_s": catalogue_s,
                    "stage_events": _stage_outcomes(home, run_ids),
                    "task_seconds": _total_task_seconds(metadata_url, DAGS["pipeline"], run_ids),
                }
    finally:
        drop_database(admin_url, "sparkify_bench_overhead")
        drop_database(admin_url, "sparkify_bench_airflow")
    results["dags_test_vs_floor"] = round(
        results["pipeline_dags_test"]["seconds"] / results["noop_dags_test"]["seconds"], 2
    )
    results["backfill_vs_floor"] = round(
        results["pipeline_backfill"]["seconds"] / results["noop_backfill"]["seconds"], 2
    )
    if "day_backfill" in results:
        results["day_backfill_vs_floor"] = round(
            results["day_backfill"]["seconds"] / results["noop_backfill"]["seconds"], 2
        )
    return results


def _total_task_seconds(metadata_url: str, dag_id: str, run_ids: list[str]) -> dict:
    """Per task, the seconds its instances of these runs spent running, added up."""
    with psycopg.connect(metadata_url) as conn:
        rows = conn.execute(
            """
            SELECT task_id, SUM(EXTRACT(EPOCH FROM end_date - start_date))
            FROM task_instance WHERE dag_id = %s AND run_id = ANY(%s)
            GROUP BY task_id
            """,
            (dag_id, run_ids),
        ).fetchall()
    return {task_id: round(float(seconds), 1) for task_id, seconds in sorted(rows)}


def _set_source_url(api: AirflowApi, url: str) -> None:
    body = {"key": "sparkify_source_url", "value": url}
    try:
        api.call("PATCH", "/variables/sparkify_source_url", body)
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise
        api.call("POST", "/variables", body)


def _stage_catalogue(env: dict[str, str], hour: dt.datetime) -> float:
    """Stage the day source's catalogue (``airflow tasks test``), as the first hour ever loaded
    would have: the day's backfill then meets the steady state, a catalogue already staged.
    Returns the seconds it took."""
    started = time.perf_counter()
    subprocess.run(
        [AIRFLOW, "tasks", "test", DAGS["pipeline"], "stage_songs", hour.isoformat()],
        env=env, check=True, capture_output=True, timeout=1800,
    )  # fmt: skip
    return round(time.perf_counter() - started, 1)


def _empty_staging(warehouse_url: str) -> None:
    """Forget every staged day file and catalogue, so that the day's backfill starts afresh."""
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        for table in ("staging_events", "staged_sources", "staged_source_uses"):
            if conn.execute("SELECT to_regclass(%s)", [table]).fetchone()[0]:
                conn.execute(f'DELETE FROM "{table}"')


def _stage_outcomes(home: Path, run_ids: list[str]) -> dict[str, int]:
    """How the runs' stage_events tasks ended, from their logs: staged or kept."""
    outcomes = {"staged": 0, "kept": 0}
    for run_id in run_ids:
        folder = home / "logs" / "dag_id=sparkify_etl" / f"run_id={run_id}"
        text = "".join(p.read_text() for p in (folder / "task_id=stage_events").glob("*.log"))
        if "Unchanged since staged" in text:
            outcomes["kept"] += 1
        elif "Staged " in text:
            outcomes["staged"] += 1
    return outcomes


def _dags_test(env: dict[str, str], dag_id: str, metadata_url: str) -> dict:
    started = time.perf_counter()
    completed = subprocess.run(
        [AIRFLOW, "dags", "test", dag_id, DAGS_TEST_HOUR],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"dags test {dag_id} failed: {completed.stdout[-3000:]}")
    return {"seconds": round(seconds, 2), "tasks": _task_seconds(metadata_url, dag_id)}


def _task_seconds(metadata_url: str, dag_id: str) -> dict[str, float]:
    """Seconds each task of the DAG's latest run spent running, from the metadata database."""
    with psycopg.connect(metadata_url) as conn:
        rows = conn.execute(
            """
            SELECT ti.task_id, EXTRACT(EPOCH FROM ti.end_date - ti.start_date)
            FROM task_instance AS ti
            WHERE ti.dag_id = %s
              AND ti.run_id = (
                  SELECT run_id FROM dag_run WHERE dag_id = %s ORDER BY id DESC LIMIT 1
              )
            """,
            (dag_id, dag_id),
        ).fetchall()
    return {task_id: round(float(seconds), 2) for task_id, seconds in sorted(rows)}


def _unpause_and_settle(api: AirflowApi, dag_id: str) -> None:
    """Unpause the DAG (the scheduler queues no task of a paused one) and let the run it
    schedules at once for the latest hour (catchup is off) finish before the timing starts."""
    api.unpause(dag_id)
    deadline = time.monotonic() + 300
    seen = False
    while time.monotonic() < deadline:
        scheduled = [r for r in api.dag_runs(dag_id) if r["run_type"] == "scheduled"]
        seen = seen or bool(scheduled)
        if seen and all(r["state"] in ("success", "failed") for r in scheduled):
            return
        if not seen and time.monotonic() > deadline - 270:
            return  # nothing was scheduled within 30 s
        time.sleep(1)
    raise TimeoutError(f"the scheduled run of {dag_id} did not finish")


def _backfill(
    env: dict[str, str], api: AirflowApi, dag_id: str, first: dt.datetime, runs_wanted: int
) -> dict:
    last = first + dt.timedelta(hours=runs_wanted - 1)
    started = time.perf_counter()
    subprocess.run(
        [AIRFLOW, "backfill", "create", "--dag-id", dag_id,
         "--from-date", first.isoformat(), "--to-date", last.isoformat(),
         "--max-active-runs", str(MAX_ACTIVE_RUNS)],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    deadline = started + 1800
    while True:
        backfills = api.call("GET", f"/backfills?dag_id={dag_id}")["backfills"]
        if backfills and all(b["completed_at"] for b in backfills):
            break
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the {dag_id} backfill did not complete: {backfills}")
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    dates = {(first + dt.timedelta(hours=n)).isoformat() for n in range(runs_wanted)}
    runs = [
        r
        for r in api.dag_runs(dag_id)
        if r["run_type"] == "backfill"
        and dt.datetime.fromisoformat(r["logical_date"]).isoformat() in dates
    ]
    states = sorted({r["state"] for r in runs})
    if len(runs) != runs_wanted or states != ["success"]:
        raise RuntimeError(f"the {dag_id} backfill ended with {len(runs)} runs in {states}")
    return {
        "seconds": round(seconds, 1),
        "runs": len(runs),
        "run_ids": sorted(r["dag_run_id"] for r in runs),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
