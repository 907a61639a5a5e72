"""sparkify_etl's shape with nothing in it: a DAG file written from the real DAG, for the bench.

The no-op DAG has the same tasks (its EmptyOperator markers kept, every other task a Python
task that does nothing), the same dependencies, timetable, start date, catchup and
max_active_runs. ``make bench`` runs it beside the real DAG: the difference between the two is
what the pipeline's work costs, and the rest is Airflow's. It is written from the DAG each time,
so it cannot drift from it, into the bench's own DAG folder (never the project's):

    python -m tools.noop_shape OUT.py      (with the environment that runs the project's DAG)
"""

from __future__ import annotations

import sys
from pathlib import Path

from airflow.providers.standard.operators.empty import EmptyOperator

NOOP_DAG_ID = "sparkify_noop_shape"

_TEMPLATE = '''"""Written by tools/noop_shape.py from {dag_id}: its shape, with nothing in it."""

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, task
from {timetable_module} import {timetable_class}


@task
def nothing() -> None:
    """A Python task that does no work."""


with DAG(
    dag_id={noop_dag_id!r},
    schedule={timetable_class}.deserialize({timetable!r}),
    start_date=pendulum.parse({start_date!r}),
    catchup={catchup!r},
    max_active_runs={max_active_runs!r},
    tags=["benchmark"],
):
    tasks = {{
        task_id: EmptyOperator(task_id=task_id)
        if task_id in {markers!r}
        else nothing.override(task_id=task_id)()
        for task_id in {task_ids!r}
    }}
    for upstream, downstream in {edges!r}:
        tasks[upstream] >> tasks[downstream]
'''


def write_noop_dag(dag, path: Path) -> Path:
    """Write the no-op twin of ``dag`` to ``path``; return it."""
    timetable = type(dag.timetable)
    path.write_text(
        _TEMPLATE.format(
            dag_id=dag.dag_id,
            noop_dag_id=NOOP_DAG_ID,
            timetable_module=timetable.__module__,
            timetable_class=timetable.__name__,
            timetable=dag.timetable.serialize(),
            start_date=dag.start_date.isoformat(),
            catchup=dag.catchup,
            max_active_runs=dag.max_active_runs,
            markers=sorted(t.task_id for t in dag.tasks if isinstance(t, EmptyOperator)),
            task_ids=[t.task_id for t in dag.topological_sort()],
            edges=sorted((t.task_id, d) for t in dag.tasks for d in t.downstream_task_ids),
        )
    )
    return path


def main() -> None:
    """``python -m tools.noop_shape OUT``, in an environment where Airflow finds the project."""
    from airflow.dag_processing.dagbag import DagBag

    from tools.airflow_env import PROJECT

    dag = DagBag(dag_folder=str(PROJECT / "dags")).dags["sparkify_etl"]
    write_noop_dag(dag, Path(sys.argv[1]))


if __name__ == "__main__":
    main()
