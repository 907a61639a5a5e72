"""``make bench``: the event loader measured against the limit and the naive way, in one run.

On one PostgreSQL server, for the same generated day of N events:

- the project's staging (stage_events through the real operator, in a child process that
  reports its own peak RSS, the kernel's VmHWM), rows/s and MB/s of input;
- the raw COPY limit: the same rows, already converted to CSV, sent with COPY FROM STDIN;
- PostgresHook.insert_rows (executemany, a commit every 1,000 rows) on a sample;
- the SQL steps of one hour (fact, the four dimensions, the checks) over that staged day, each
  timed, with the plan PostgreSQL chose for each load's query;
- the song catalogue: M small objects served by moto's S3 server, staged by stage_songs,
  against fetching the same objects one by one, serially; then staged again unchanged, as the
  next hour's run would;
- Airflow's overhead: the DAG beside a no-op DAG of its shape, with ``airflow dags test`` and a
  one-day backfill through the scheduler, then the DAG's backfill of the generated day, which
  must stage its day file once (``tools.airflow_overhead``).

Prints a table and writes the results, with a description of the machine, to
bench/results/latest.json. Not part of ``make test``; a small smoke run of it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from tools import airflow_overhead
from tools.airflow_env import PROJECT, airflow_environment
from tools.local_warehouse import airflow_connection, postgres_server, recreate_database

DAY = dt.date(2018, 11, 1)
INSERT_ROWS_SAMPLE = 20_000
COPY_CHUNK = 1 << 20


def generate(root: Path, events: int, songs: int) -> Path:
    """The dataset for these sizes, generated once and reused (it is deterministic).

    The generator runs in a process of its own, so its memory never counts as this one's.
    """
    marker = root / "sizes.json"
    wanted = {"events": events, "songs": songs}
    if not (marker.exists() and json.loads(marker.read_text()) == wanted):
        subprocess.run(
            [sys.executable, "-m", "tools.sample_data", str(root), "--start", DAY.isoformat(),
             "--days", "1", "--events", str(events), "--songs", str(songs),
             "--users", str(max(40, events // 200))],
            cwd=PROJECT, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        marker.write_text(json.dumps(wanted))
    return root


def run_stage_child(task_id: str, source_url: str, env: dict[str, str]) -> dict:
    """A stage task for DAY in a child process: its rows, seconds and peak RSS (MB)."""
    return run_child(["stage-child", task_id, source_url], env)


def run_child(arguments: list[str], env: dict[str, str]) -> dict:
    """``tools.bench`` with ``arguments`` in a child process; the JSON it prints last."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tools.bench", *arguments],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    output, _ = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"child {arguments[0]} failed ({child.returncode}): {output[-2000:]}")
    return json.loads(output.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """This process's peak resident set since it started (VmHWM; unlike ru_maxrss, it does
    not carry over the parent's size from before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def stage_child(task_id: str, source_url: str) -> None:
    """In the child: render and run ``task_id`` for DAY's first hour; print what it did."""
    from airflow.dag_processing.dagbag import DagBag

    from tools.task_runner import run_task

    dag = DagBag(dag_folder=str(PROJECT / "dags")).dags["sparkify_etl"]
    hour = dt.datetime(DAY.year, DAY.month, DAY.day, tzinfo=dt.UTC)
    run_task(dag, "create_tables", hour, source_url)
    started = time.perf_counter()
    rows = run_task(dag, task_id, hour, source_url)
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}))


SQL_STEP_HOUR = 12  # an hour in the middle of DAY, with the day file fully staged


def sql_steps_child(source_url: str, conninfo: str) -> None:
    """In the child: stage the catalogue from disk, then time each SQL step of one hour and
    record the plan PostgreSQL chose for each load's query; print them as JSON."""
    import psycopg
    from airflow.dag_processing.dagbag import DagBag

    from tools.task_runner import render_task, run_task, steps_after_staging

    dag = DagBag(dag_folder=str(PROJECT / "dags")).dags["sparkify_etl"]
    hour = dt.datetime(DAY.year, DAY.month, DAY.day, SQL_STEP_HOUR, tzinfo=dt.UTC)
    run_task(dag, "stage_songs", hour, source_url)
    steps = {}
    for task_id in steps_after_staging(dag):
        task, context = render_task(dag, task_id, hour, source_url)
        plan = None
        if hasattr(task, "sql"):
            with psycopg.connect(conninfo) as conn:
                explained = conn.execute("EXPLAIN " + task.sql.strip().rstrip(";")).fetchall()
            plan = [row[0] for row in explained]
        started = time.perf_counter()
        task.execute(context)
        steps[task_id] = {"seconds": round(time.perf_counter() - started, 3), "plan": plan}
    print(json.dumps(steps))


def raw_copy(conninfo: str) -> dict:
    """COPY FROM STDIN of the staged rows, already CSV: the floor of any loader's cost."""
    import psycopg

    with psycopg.connect(conninfo) as conn:
        buffer = bytearray()
        with conn.cursor().copy("COPY staging_events TO STDOUT (FORMAT csv)") as out:
            for chunk in out:
                buffer += chunk
        conn.execute("CREATE TABLE raw_copy_target (LIKE staging_events)")
        conn.commit()
        rows = conn.execute("SELECT COUNT(*) FROM staging_events").fetchone()[0]
        started = time.perf_counter()
        with conn.cursor().copy("COPY raw_copy_target FROM STDIN (FORMAT csv)") as copy:
            view = memoryview(buffer)
            for offset in range(0, len(view), COPY_CHUNK):
                copy.write(view[offset : offset + COPY_CHUNK])
        conn.commit()
        return {"rows": rows, "seconds": time.perf_counter() - started, "csv_bytes": len(buffer)}


def insert_rows(conninfo: str) -> dict:
    """PostgresHook.insert_rows on a sample of the staged rows."""
    import psycopg
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    with psycopg.connect(conninfo) as conn:
        conn.execute("CREATE TABLE insert_rows_target (LIKE staging_events)")
        conn.commit()
        cursor = conn.execute(f"SELECT * FROM staging_events LIMIT {INSERT_ROWS_SAMPLE}")
        columns = [d.name for d in cursor.description]
        sample = cursor.fetchall()
    hook = PostgresHook(postgres_conn_id="redshift")
    started = time.perf_counter()
    hook.insert_rows("insert_rows_target", sample, target_fields=columns, commit_every=1000)
    return {"rows": len(sample), "seconds": time.perf_counter() - started}


SONG_BUCKET = "bench-songs"


def serve_songs(endpoint: str, data: Path) -> int:
    """Upload the generated song objects to moto; return how many."""
    from concurrent.futures import ThreadPoolExecutor

    import boto3

    s3 = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="bench", aws_secret_access_key="bench",
        region_name="us-east-1",
    )  # fmt: skip
    s3.create_bucket(Bucket=SONG_BUCKET)
    files = sorted((data / "song_data").rglob("*.json"))
    with ThreadPoolExecutor(16) as pool:
        for future in [
            pool.submit(s3.upload_file, str(f), SONG_BUCKET, str(f.relative_to(data)))
            for f in files
        ]:
            future.result()
    return len(files)


def fetch_serially(aws_conn: str) -> float:
    """Seconds to list song_data/ and GET every object, one after another (the baseline)."""
    os.environ["AIRFLOW_CONN_AWS_DEFAULT"] = aws_conn
    from airflow.sdk import ObjectStoragePath

    started = time.perf_counter()
    folder = ObjectStoragePath(f"s3://{SONG_BUCKET}/song_data", conn_id="aws_default")
    for key in folder.fs.find(folder.path, withdirs=False):
        folder.fs.cat_file(key)
    return time.perf_counter() - started


def machine() -> dict:
    import psutil

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command")
    child = commands.add_parser("stage-child")
    child.add_argument("task_id")
    child.add_argument("source_url")
    sql_child = commands.add_parser("sql-steps-child")
    sql_child.add_argument("source_url")
    sql_child.add_argument("conninfo")
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--songs", type=int, default=2_000)
    parser.add_argument("--backfill-runs", type=int, default=airflow_overhead.BACKFILL_RUNS)
    parser.add_argument("--workdir", type=Path, default=PROJECT / ".bench")
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    if args.command == "stage-child":
        stage_child(args.task_id, args.source_url)
        return
    if args.command == "sql-steps-child":
        sql_steps_child(args.source_url, args.conninfo)
        return

    data = generate(args.workdir / f"data-{args.events}-{args.songs}", args.events, args.songs)
    day_file = data / f"log_data/{DAY:%Y/%m}/{DAY:%Y-%m-%d}-events.json"
    with postgres_server(args.workdir / "pgdata") as admin_url:
        conninfo = recreate_database(admin_url, "sparkify_bench")
        source_url = data.resolve().as_uri()
        env = airflow_environment(
            args.workdir / "airflow", airflow_connection(conninfo), source_url
        )
        os.environ["AIRFLOW_CONN_REDSHIFT"] = env["AIRFLOW_CONN_REDSHIFT"]
        import psycopg

        with psycopg.connect(conninfo) as conn:
            server = conn.execute("SHOW server_version").fetchone()[0]
        staging = run_stage_child("stage_events", source_url, env)
        sql_steps = run_child(["sql-steps-child", source_url, conninfo], env)
        copy = raw_copy(conninfo)
        naive = insert_rows(conninfo)
        songs = songs_benchmark(data, env)
        overhead = airflow_overhead.measure(
            args.workdir, admin_url, args.backfill_runs, day_source=source_url, day=DAY
        )

    input_mb = day_file.stat().st_size / 2**20
    results = {
        "events": staging["rows"],
        "input_mb": round(input_mb, 1),
        "staging_events_s": round(staging["seconds"], 3),
        "staging_events_rows_per_s": round(staging["rows"] / staging["seconds"]),
        "staging_events_mb_per_s": round(input_mb / staging["seconds"], 1),
        "staging_peak_rss_mb": round(staging["peak_rss_mb"], 1),
        "raw_copy_rows_per_s": round(copy["rows"] / copy["seconds"]),
        "raw_copy_mb_per_s": round(copy["csv_bytes"] / 2**20 / copy["seconds"], 1),
        "insert_rows_rows": naive["rows"],
        "insert_rows_rows_per_s": round(naive["rows"] / naive["seconds"]),
        "sql_steps_hour": f"{DAY}T{SQL_STEP_HOUR:02d}:00Z",
        "sql_steps": sql_steps,
        "songs_objects": songs["objects"],
        "songs_staging_s": round(songs["staging_s"], 3),
        "songs_serial_s": round(songs["serial_s"], 3),
        "songs_speedup": round(songs["serial_s"] / songs["staging_s"], 1),
        "songs_unchanged_s": round(songs["unchanged_s"], 3),
        "songs_unchanged_speedup": round(songs["serial_s"] / songs["unchanged_s"], 1),
        "airflow": overhead,
        "machine": {**machine(), "postgresql": server},
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    results["staging_vs_raw_copy"] = round(
        results["staging_events_rows_per_s"] / results["raw_copy_rows_per_s"], 3
    )
    results["staging_vs_insert_rows"] = round(
        results["staging_events_rows_per_s"] / results["insert_rows_rows_per_s"], 1
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(format_results(results))


def songs_benchmark(data: Path, env: dict[str, str]) -> dict:
    """stage_songs from moto's S3 server against fetching the objects one by one."""
    from moto.server import ThreadedMotoServer

    # One INFO line per request would cost the server CPU that both sides are timed against.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        objects = serve_songs(endpoint, data)
        aws_conn = json.dumps(
            {"conn_type": "aws", "login": "bench", "password": "bench",
             "extra": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
        )  # fmt: skip
        serial_s = fetch_serially(aws_conn)
        s3_env = {**env, "AIRFLOW_CONN_AWS_DEFAULT": aws_conn}
        staged = run_stage_child("stage_songs", f"s3://{SONG_BUCKET}", s3_env)
        # The next hour's run, with the catalogue unchanged: a listing, and nothing to load.
        unchanged = run_stage_child("stage_songs", f"s3://{SONG_BUCKET}", s3_env)
    finally:
        server.stop()
    for run in (staged, unchanged):
        if run["rows"] != objects:
            raise RuntimeError(f"staged {run['rows']} songs of {objects}")
    return {
        "objects": objects,
        "staging_s": staged["seconds"],
        "unchanged_s": unchanged["seconds"],
        "serial_s": serial_s,
    }


def format_results(r: dict) -> str:
    rows = [
        ("events staged", f"{r['events']:,}", f"{r['input_mb']} MB of JSON"),
        ("staging (this project)", f"{r['staging_events_rows_per_s']:,} rows/s",
         f"{r['staging_events_mb_per_s']} MB/s, peak RSS {r['staging_peak_rss_mb']} MB"),
        ("raw COPY limit (CSV)", f"{r['raw_copy_rows_per_s']:,} rows/s",
         f"staging is {r['staging_vs_raw_copy']}x of it"),
        ("insert_rows (sample)", f"{r['insert_rows_rows_per_s']:,} rows/s",
         f"staging is {r['staging_vs_insert_rows']}x faster"),
        ("songs over S3 (moto)", f"{r['songs_objects']:,} objects",
         f"staged in {r['songs_staging_s']} s; serial fetch {r['songs_serial_s']} s "
         f"({r['songs_speedup']}x)"),
        ("  next run, unchanged", f"{r['songs_unchanged_s']} s",
         f"listing only ({r['songs_unchanged_speedup']}x the serial fetch)"),
    ]  # fmt: skip
    rows += [("SQL steps of one hour", r["sql_steps_hour"], "plans in latest.json")]
    rows += [
        (f"  {task_id}", f"{step['seconds']} s", "") for task_id, step in r["sql_steps"].items()
    ]
    a = r["airflow"]
    runs = a["pipeline_backfill"]["runs"]
    rows += [
        ("airflow dags test, one hour", f"{a['pipeline_dags_test']['seconds']} s",
         f"no-op DAG {a['noop_dags_test']['seconds']} s: {a['dags_test_vs_floor']}x the floor"),
        (f"backfill of {runs} runs", f"{a['pipeline_backfill']['seconds']} s",
         f"no-op DAG {a['noop_backfill']['seconds']} s: {a['backfill_vs_floor']}x the floor"),
        (f"  of this day ({r['events']:,} events)", f"{a['day_backfill']['seconds']} s",
         f"{a['day_backfill_vs_floor']}x the floor; day file staged "
         f"{a['day_backfill']['stage_events']['staged']}x, kept "
         f"{a['day_backfill']['stage_events']['kept']}x"),
    ]  # fmt: skip
    width = max(len(name) for name, _, _ in rows)
    return "\n".join(f"{name:<{width}}  {speed:>18}  {note}" for name, speed, note in rows)


if __name__ == "__main__":
    main()
