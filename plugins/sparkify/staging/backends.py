"""Which COPY backend a warehouse gets (the interface: ``copy_target``).

- ``redshift_copy``: Redshift runs ``COPY ... FROM 's3://...'`` itself, as the COPY role;
- ``postgres_copy``: PostgreSQL, standing in for Redshift: the objects are streamed,
  mapped with COPY's rules and sent with ``COPY ... FROM STDIN``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from sparkify.warehouse import Dialect


def copy_backend(dialect: Dialect, copy_role_conn_id: str) -> Callable[..., int]:
    """The backend's ``copy_objects`` for ``dialect``, imported only when a stage runs.

    Redshift's reads S3 as the COPY role of connection ``copy_role_conn_id``; PostgreSQL's
    reads the objects through the source root's own connection, and needs no role.
    """
    if dialect is Dialect.REDSHIFT:
        from sparkify.staging.redshift_copy.copy_from_s3 import copy_objects

        return functools.partial(copy_objects, copy_role_conn_id=copy_role_conn_id)
    from sparkify.staging.postgres_copy.copy_from_stdin import copy_objects

    return copy_objects
