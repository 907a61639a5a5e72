"""read_ahead: the producer runs in a thread, bounded, and never outlives its consumer."""

from __future__ import annotations

import threading

import pytest
from sparkify.staging.postgres_copy.read_ahead import read_ahead


def test_yields_every_item_in_order():
    assert list(read_ahead(iter(range(1000)), depth=2)) == list(range(1000))


def test_the_producer_stays_within_depth_of_the_consumer():
    produced = []

    def items():
        for n in range(100):
            produced.append(n)
            yield n

    reader = read_ahead(items(), depth=2)
    assert next(reader) == 0
    threading.Event().wait(0.3)  # time for the producer to run as far ahead as it may
    # one consumed, two queued, one produced and waiting for room
    assert len(produced) <= 4
    reader.close()


def test_an_error_in_the_producer_is_raised_to_the_consumer():
    def items():
        yield 1
        raise ValueError("broken block")

    reader = read_ahead(items(), depth=2)
    assert next(reader) == 1
    with pytest.raises(ValueError, match="broken block"):
        next(reader)


def test_a_consumer_that_stops_early_stops_and_joins_the_producer():
    def endless():
        n = 0
        while True:
            yield n
            n += 1

    before = {t.ident for t in threading.enumerate()}
    for n in read_ahead(endless(), depth=2):
        if n == 5:
            break
    assert not [
        t for t in threading.enumerate() if t.ident not in before and t.name == "read-ahead"
    ]
