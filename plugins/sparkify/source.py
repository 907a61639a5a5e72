"""Find and open the JSON objects a stage reads, on S3 or on local disk.

The source root is a URL (``s3://udacity-dend`` or ``file:///abs/path``) opened with Airflow's
ObjectStoragePath, so S3 goes through the aws connection and local files need none. Keys are
relative to the root and follow S3's rules: a prefix is a plain string prefix, not a folder, so
``song_data/A/A`` also matches ``song_data/A/AB...``, exactly as Redshift COPY reads it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from airflow.sdk import ObjectStoragePath

from sparkify.errors import SourceDataError


@dataclass(frozen=True)
class SourceObject:
    """One object under the source root."""

    key: str
    url: str
    path: ObjectStoragePath
    size: int | None = None  # bytes, where the listing told
    version: str | None = None  # the listing's ETag (S3) or modification time (disk)


class SourceRoot:
    """The data root named by a URL, read through an Airflow connection where it needs one."""

    def __init__(self, url: str, conn_id: str | None = None) -> None:
        if "://" not in url:
            raise SourceDataError(
                f"source root {url!r} is not a URL: expected s3://bucket[/path] or file:///abs/path"
            )
        self.url = url.rstrip("/")
        self._root = ObjectStoragePath(self.url, conn_id=conn_id)

    def object(self, key: str) -> SourceObject:
        """The object at exactly ``key``; it must exist."""
        key = key.lstrip("/")
        path = self._root / key
        found = SourceObject(key=key, url=f"{self.url}/{key}", path=path)
        if not path.is_file():
            raise SourceDataError(f"source object {found.url} does not exist")
        return found

    def objects_under(self, prefix: str) -> list[SourceObject]:
        """Every object whose key starts with ``prefix``, in key order; at least one must exist."""
        prefix = prefix.lstrip("/")
        folder = self._root / posixpath.dirname(prefix) if posixpath.dirname(prefix) else self._root
        root_path = self._root.path.rstrip("/") + "/"
        found = []
        if folder.exists():
            listing = folder.fs.find(folder.path, withdirs=False, detail=True)
            for full_path, info in listing.items():
                key = full_path[len(root_path) :] if full_path.startswith(root_path) else None
                if key is not None and key.startswith(prefix):
                    found.append(
                        SourceObject(
                            key=key,
                            url=f"{self.url}/{key}",
                            path=self._root / key,
                            size=info.get("size"),
                            version=_version(info),
                        )
                    )
        if not found:
            raise SourceDataError(f"no source objects under prefix {self.url}/{prefix}")
        return sorted(found, key=lambda o: o.key)


def _version(info: dict) -> str | None:
    """What changes when the object does: S3's ETag, else the file's modification time."""
    if info.get("ETag"):
        return str(info["ETag"])
    if info.get("mtime") is not None:
        return repr(info["mtime"])
    return None
