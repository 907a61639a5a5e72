"""The Redshift backend's entry point: Redshift runs ``COPY ... FROM 's3://...'`` itself.

One COPY per exact object, or one per prefix. COPY reads every object whose key *starts with*
its FROM, so an exact key is only used once its listing shows that no other object shares it as
a prefix (``...events.json.bak`` fails the task). Rows of an exact object are tagged with its
key where the target has a source column; a prefix cannot say which object a row came from, so
it cannot be combined with one. A COPY that loads no rows from bytes that are there fails: the
format or the JSONPaths file does not fit the data. The statement and credentials are
in ``statement``; reading what Redshift recorded of a failed load is in ``load_errors``.
"""

from __future__ import annotations

import logging

from sparkify.errors import PipelineConfigError, SourceDataError
from sparkify.identifiers import quote_identifier
from sparkify.masking import mask_credentials
from sparkify.staging.copy_options import CopyOptions
from sparkify.staging.copy_target import CopyTarget
from sparkify.staging.redshift_copy.statement import (
    copy_access,
    copy_statement,
    run_copy,
)
from sparkify.staging.source import Selection

log = logging.getLogger(__name__)


def copy_objects(
    cursor, target: CopyTarget, selection: Selection, options: CopyOptions, copy_role_conn_id: str
) -> int:
    """COPY the selected objects from S3 into the target; return the rows Redshift loaded.

    Redshift reads them as the IAM role of connection ``copy_role_conn_id``.
    """
    root = selection.root
    if not root.url.startswith("s3://"):
        raise PipelineConfigError("Redshift COPY reads from S3: source_url must be s3://")
    if selection.prefix and target.source_column:
        raise PipelineConfigError(
            "on Redshift, source_column needs exact keys: COPY from a prefix cannot tell "
            "which object a row came from"
        )
    if selection.prefix:
        loads = [
            (f"{root.url}/{key}", None, _bytes_under(selection, key)) for key in selection.keys
        ]
    else:
        for source in selection.objects:
            if source.sharing_prefix:
                raise SourceDataError(
                    f"COPY FROM {source.url} would also load {len(source.sharing_prefix)} other "
                    f"object(s) whose keys start with it, e.g. {source.sharing_prefix[0]}; "
                    "move them away or rename the key"
                )
        loads = [(o.url, o.key, o.size) for o in selection.objects]
    credentials, region = copy_access(copy_role_conn_id)
    jsonpaths = root.object(options.jsonpaths_key).url if options.jsonpaths_key else None
    names = [c.name for c in target.columns]
    rows = 0
    for from_url, key, size in loads:
        statement = copy_statement(
            target.table_sql, names, from_url, options, credentials, region, jsonpaths
        )
        log.info("Running %s", mask_credentials(statement))
        loaded = run_copy(cursor, statement)
        if loaded == 0 and size:
            raise SourceDataError(
                f"COPY FROM {from_url} loaded 0 rows from {size} bytes: its records do not fit "
                f"FORMAT AS JSON {jsonpaths or options.json_format!r}"
            )
        rows += loaded
        if target.source_column:
            tag = quote_identifier(target.source_column)
            cursor.execute(f"UPDATE {target.table_sql} SET {tag} = %s WHERE {tag} IS NULL", [key])
    return rows


def _bytes_under(selection: Selection, prefix: str) -> int:
    """The bytes the listing found under ``prefix``: what a COPY FROM it reads."""
    return sum(o.size or 0 for o in selection.objects if o.key.startswith(prefix))
