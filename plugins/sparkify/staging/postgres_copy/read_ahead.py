"""Run an iterator in a worker thread, a bounded number of items ahead of its consumer.

The stage's fast path is CPU-bound in Arrow (which releases the GIL) while sending to
PostgreSQL is bound by the server, so producing block N+1 while block N is being sent keeps
both cores busy. The queue is bounded, so memory holds at most ``depth`` items in flight.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_ITEM, _DONE, _ERROR = "item", "done", "error"


def read_ahead(items: Iterator[T], depth: int) -> Iterator[T]:
    """Yield what ``items`` yields, produced in a worker thread up to ``depth`` items ahead.

    An exception in the worker is raised here. If the consumer stops early (``break``, an error,
    or closing the generator), the worker stops at its next item and is joined.
    """
    handoff: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def hand_over(kind: str, value: object) -> bool:
        while not stopped.is_set():
            try:
                handoff.put((kind, value), timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand_over(_ITEM, item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises
            hand_over(_ERROR, exc)
            return
        hand_over(_DONE, None)

    worker = threading.Thread(target=produce, name="read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == _ITEM:
                yield value  # type: ignore[misc]
            elif kind == _ERROR:
                raise value  # type: ignore[misc]
            else:
                return
    finally:
        stopped.set()
        worker.join()
