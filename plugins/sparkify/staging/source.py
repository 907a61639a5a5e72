"""Find and open the JSON objects a stage reads, on S3 or on local disk.

The source root is a URL (``s3://udacity-dend`` or ``file:///abs/path``) opened with Airflow's
ObjectStoragePath, so S3 goes through the aws connection and local files need none. Keys are
relative to the root and follow S3's rules: a prefix is a plain string prefix, not a folder, so
``song_data/A/A`` also matches ``song_data/A/AB...``, exactly as Redshift COPY reads it.

Every object comes from a listing, with its size and version (S3's ETag, a file's modification
time): what a stage needs to tell whether an object changed since it was staged. An exact key
is resolved with one listing of its folder, which also shows any other object whose key starts
with it (Redshift's COPY FROM would load those too).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, replace

from airflow.sdk import ObjectStoragePath

from sparkify.errors import PipelineConfigError, SourceDataError


@dataclass(frozen=True)
class SourceObject:
    """One object under the source root."""

    key: str
    url: str
    root: ObjectStoragePath | None  # the source root it lies under
    size: int | None = None  # bytes, where the listing told
    version: str | None = None  # the listing's ETag (S3) or modification time (disk)
    # For an exact key: other objects whose keys start with it (a COPY FROM it loads them too).
    sharing_prefix: tuple[str, ...] = ()

    @property
    def path(self) -> ObjectStoragePath:
        """The object, to open. Made when asked: a kept catalogue of thousands never is."""
        return self.root / self.key

    @property
    def fs_path(self) -> str:
        """The object's path in its filesystem (``bucket/key``, ``/abs/key``)."""
        return f"{self.root.path.rstrip('/')}/{self.key}"


def storage_path(url: str, conn_id: str | None) -> ObjectStoragePath:
    """``url`` as an ObjectStoragePath, through ``conn_id`` where the scheme needs a connection.

    A local path gets none: a connection there is unused, and would name the files
    ``file://<conn_id>@/...`` in the lineage Airflow collects from ObjectStoragePath reads.
    """
    return ObjectStoragePath(url, conn_id=None if url.startswith("file:") else conn_id)


class SourceRoot:
    """The data root named by a URL, read through an Airflow connection where it needs one."""

    def __init__(self, url: str, conn_id: str | None = None) -> None:
        if "://" not in url:
            raise SourceDataError(
                f"source root {url!r} is not a URL: expected s3://bucket[/path] or file:///abs/path"
            )
        self.url = url.rstrip("/")
        self.conn_id = conn_id
        self._root = storage_path(self.url, conn_id)

    def select(self, keys: Sequence[str], prefix: bool) -> Selection:
        """The objects at exactly ``keys`` (each must exist), or under them as prefixes (each
        must match at least one)."""
        if not keys:
            raise PipelineConfigError("s3_key names no object")
        found: list[SourceObject] = []
        for key in keys:
            found.extend(self.objects_under(key) if prefix else [self.object(key)])
        return Selection(self, tuple(k.lstrip("/") for k in keys), prefix, tuple(found))

    def object(self, key: str) -> SourceObject:
        """The object at exactly ``key``; it must exist."""
        key = key.lstrip("/")
        url = f"{self.url}/{key}"
        folder = self._root / posixpath.dirname(key) if posixpath.dirname(key) else self._root
        try:
            # refresh: s3fs caches listings per process, and the object may have changed since
            entries = folder.fs.ls(folder.path, detail=True, refresh=True)
        except FileNotFoundError:
            entries = []
        root_path = self._root.path.rstrip("/") + "/"
        exact, others = None, []
        for info in entries:
            entry_key = _key_of(info["name"], root_path)
            if entry_key == key and info.get("type") != "directory":
                exact = info
            elif entry_key is not None and entry_key.startswith(key):
                others.append(f"{self.url}/{entry_key}")
        if exact is None:
            raise SourceDataError(f"source object {url} does not exist")
        return SourceObject(
            key=key,
            url=url,
            root=self._root,
            size=exact.get("size"),
            version=_version(exact),
            sharing_prefix=tuple(sorted(others)),
        )

    def objects_under(self, prefix: str) -> list[SourceObject]:
        """Every object whose key starts with ``prefix``, in key order; at least one must exist."""
        prefix = prefix.lstrip("/")
        folder = self._root / posixpath.dirname(prefix) if posixpath.dirname(prefix) else self._root
        root_path = self._root.path.rstrip("/") + "/"
        found = []
        for full_path, info in _find(folder).items():
            key = _key_of(full_path, root_path)
            if key is not None and key.startswith(prefix):
                found.append(
                    SourceObject(
                        key=key,
                        url=f"{self.url}/{key}",
                        root=self._root,
                        size=info.get("size"),
                        version=_version(info),
                    )
                )
        if not found:
            raise SourceDataError(f"no source objects under prefix {self.url}/{prefix}")
        return sorted(found, key=lambda o: o.key)


@dataclass(frozen=True)
class Selection:
    """What a stage asked for under a root (exact keys, or prefixes) and the objects found."""

    root: SourceRoot
    keys: tuple[str, ...]
    prefix: bool
    objects: tuple[SourceObject, ...]

    @property
    def requested(self) -> str:
        """The keys or prefixes asked for, as URLs: how a whole-table load is recorded."""
        return ", ".join(f"{self.root.url}/{key}" for key in self.keys)

    def only(self, objects: Sequence[SourceObject]) -> Selection:
        """The same request narrowed to some of its objects, named by their keys."""
        return replace(self, keys=tuple(o.key for o in objects), objects=tuple(objects))


def _find(folder: ObjectStoragePath) -> dict[str, dict]:
    """Every file under ``folder``, with what the listing says of it (size, version).

    On local disk, a walk of the folder with one stat per file: for a catalogue of 20,000
    files, fsspec's ``find`` spends four times as long building the same answer.
    """
    if folder.protocol not in ("file", "local", ""):
        return folder.fs.find(folder.path, withdirs=False, detail=True) if folder.exists() else {}
    found = {}
    for directory, _, names in os.walk(folder.path, followlinks=True):
        for name in names:
            full_path = os.path.join(directory, name)
            status = os.stat(full_path)
            found[full_path] = {"size": status.st_size, "mtime": status.st_mtime}
    return found


def _key_of(full_path: str, root_path: str) -> str | None:
    return full_path[len(root_path) :] if full_path.startswith(root_path) else None


def _version(info: dict) -> str | None:
    """What changes when the object does: S3's ETag, else the file's modification time."""
    if info.get("ETag"):
        return str(info["ETag"])
    if info.get("mtime") is not None:
        return repr(info["mtime"])
    return None
