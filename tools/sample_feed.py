"""The data a local stack reads: all of November 2018, and today's day file as the day goes.

``make airflow`` and the compose stack hold the sample dataset for every day of November 2018
(the month of the real data), so any hour of it triggered in the UI succeeds. So that the hourly
schedule can be seen working, the feed also plays the app: it keeps the current UTC day's log
file written as its events happen, together with yesterday's (complete), so the run that the
scheduler starts after unpausing finds its day file. Each write holds the day's events up to a
little ahead of the clock (``LEAD``), longer than the time between writes (``INTERVAL``): the
run the scheduler starts at the top of an hour then finds every event of the hour before.

Every round makes the store hold the whole dataset, and writes only the objects whose bytes
differ from what is stored: seeding twice changes nothing, a day file only ever grows (the
generator is a function of the seed and the date), and a store that lost its objects (moto, the
compose stack's S3 server, keeps them in memory, so a restart empties it) is whole again after
the next round.

    python -m tools.sample_feed s3://sparkify --ready-file /tmp/sample-feed.ready
    python -m tools.sample_feed file:///path/to/data --once
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import threading
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from tools.sample_data import NOVEMBER_2018, SampleApp

INTERVAL = dt.timedelta(seconds=30)
LEAD = dt.timedelta(seconds=90)


class Store(Protocol):
    """Where the stack's source root lives: a folder, or an S3 bucket."""

    def exists(self, key: str) -> bool: ...

    def put_all(self, objects: Iterable[tuple[str, bytes]]) -> int:
        """Write each object whose bytes differ from the stored ones; return how many."""


class FolderStore:
    """A folder on disk. Files are replaced atomically: a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def exists(self, key: str) -> bool:
        return (self.root / key).is_file()

    def put_all(self, objects: Iterable[tuple[str, bytes]]) -> int:
        written = 0
        for key, data in objects:
            target = self.root / key
            if target.is_file() and target.read_bytes() == data:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")
            partial.write_bytes(data)
            os.replace(partial, target)
            written += 1
        return written


class BucketStore:
    """An S3 bucket, through the Airflow connection the pipeline reads it with.

    An object is rewritten only when its ETag (the MD5 of its bytes, for a single-part upload)
    differs. The bucket is created when it is missing.
    """

    def __init__(self, bucket: str, aws_conn_id: str = "aws_default") -> None:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        self.bucket = bucket
        self.client = S3Hook(aws_conn_id=aws_conn_id).get_conn()

    def exists(self, key: str) -> bool:
        listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix=key, MaxKeys=1)
        return any(item["Key"] == key for item in listed.get("Contents", []))

    def put_all(self, objects: Iterable[tuple[str, bytes]]) -> int:
        self._ensure_bucket()
        stored = self._etags()
        written = 0
        for key, data in objects:
            if stored.get(key) == hashlib.md5(data).hexdigest():
                continue
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
            written += 1
        return written

    def _ensure_bucket(self) -> None:
        names = {b["Name"] for b in self.client.list_buckets().get("Buckets", [])}
        if self.bucket not in names:
            self.client.create_bucket(Bucket=self.bucket)

    def _etags(self) -> dict[str, str]:
        etags = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                etags[item["Key"]] = item["ETag"].strip('"')
        return etags


def open_store(url: str, aws_conn_id: str = "aws_default") -> Store:
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FolderStore(Path(parts.path))
    if parts.scheme == "s3" and parts.netloc and parts.path in ("", "/"):
        return BucketStore(parts.netloc, aws_conn_id)
    raise ValueError(f"the feed writes to file:///folder or s3://bucket, not {url!r}")


def live_days(now: dt.datetime) -> list[dt.date]:
    """Yesterday, today, and tomorrow once the lead reaches past midnight."""
    return sorted({(now - dt.timedelta(days=1)).date(), now.date(), (now + LEAD).date()})


def live_files(app: SampleApp, now: dt.datetime) -> list[tuple[str, bytes]]:
    """The live day files as they stand at ``now``: every event up to ``now + LEAD``."""
    return [app.day_file(day, until=now + LEAD) for day in live_days(now)]


class SampleFeed:
    """Keeps a store holding November 2018 and the live day files, one round at a time."""

    def __init__(
        self,
        store: Store,
        app: SampleApp | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        log: Callable[[str], None] = print,
    ) -> None:
        self.store = store
        self.app = app or SampleApp.create()
        self.clock = clock
        self.log = log
        self.november = list(self.app.files(*NOVEMBER_2018))  # about 3 MB, made once

    def step(self) -> int:
        """One round: write whatever differs (all of it, into an empty store)."""
        written = self.store.put_all([*self.november, *live_files(self.app, self.clock())])
        if written:
            self.log(f"sample feed: {written} objects written")
        return written

    def run(self, stop: threading.Event, ready: Path | None = None) -> None:
        """Rounds every INTERVAL until ``stop`` is set; a failed round is retried the next time.

        ``ready`` is touched after each good round (and removed first): a health check.
        """
        if ready is not None:
            ready.unlink(missing_ok=True)
        while True:
            try:
                self.step()
                if ready is not None:
                    ready.touch()
            except Exception:  # the store may be (re)starting; the next round tries again
                self.log("sample feed: this round failed, retrying:\n" + traceback.format_exc())
            if stop.wait(INTERVAL.total_seconds()):
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="file:///folder or s3://bucket")
    parser.add_argument("--aws-conn-id", default="aws_default")
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    parser.add_argument("--ready-file", type=Path, help="touched after each good round")
    args = parser.parse_args()
    feed = SampleFeed(open_store(args.root, args.aws_conn_id), log=lambda x: print(x, flush=True))
    if args.once:
        feed.step()
        return
    print(f"sample feed: writing to {args.root} every {INTERVAL.total_seconds():.0f} s", flush=True)
    feed.run(threading.Event(), args.ready_file)


if __name__ == "__main__":
    main()
