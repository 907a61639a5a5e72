"""Setting an Airflow connection from a task, through Airflow's REST API.

A task in Airflow 3 reaches the metadata database only through the API server, so the admin
DAG sets the pipeline's ``redshift`` connection, when asked, as a user of the public REST API:
``DELETE /api/v2/connections/<id>`` then ``POST /api/v2/connections``. Not PATCH: it keeps a
password that the new connection does not have (the Data API form has none), since a null
password in its body means "unchanged". A task that reads the connection between the two
calls fails and is retried.

It logs in as connection ``airflow_api`` (type http: host = the API server's URL; login and
password of a user who may edit connections), through the http provider's HttpHook. The body,
which holds the warehouse password, is never logged.
"""

from __future__ import annotations

import json
import os

from airflow.providers.http.hooks.http import HttpHook
from airflow.sdk import BaseHook
from requests.auth import AuthBase

API_CONN_ID = "airflow_api"


def api_body(connection_id: str, fields: dict) -> dict:
    """A connection as the REST API takes it: fields of ``AIRFLOW_CONN_*`` JSON, extra as text."""
    body = {"connection_id": connection_id, **fields}
    if isinstance(body.get("extra"), dict):
        body["extra"] = json.dumps(body["extra"])
    return body


def put_connection(connection_id: str, fields: dict, http_conn_id: str = API_CONN_ID) -> str:
    """Create or replace connection ``connection_id``; say which ("created" or "replaced").

    A replaced connection keeps nothing of the old one.
    """
    api = BaseHook.get_connection(http_conn_id)
    token = (
        HttpHook("POST", http_conn_id)
        .run("/auth/token", json={"username": api.login, "password": api.password})
        .json()["access_token"]
    )
    bearer = _bearer(token)
    deleted = HttpHook("DELETE", http_conn_id, auth_type=bearer).run(
        f"/api/v2/connections/{connection_id}", extra_options={"check_response": False}
    )
    if deleted.status_code != 404:
        deleted.raise_for_status()
    HttpHook("POST", http_conn_id, auth_type=bearer).run(
        "/api/v2/connections", json=api_body(connection_id, fields)
    )
    return "created" if deleted.status_code == 404 else "replaced"


def _bearer(token: str) -> type[AuthBase]:
    """An auth type for HttpHook that sends the API's token (HttpHook would send basic auth)."""

    class Bearer(AuthBase):
        def __init__(self, *_login_and_password) -> None:
            pass

        def __call__(self, request):
            request.headers["Authorization"] = f"Bearer {token}"
            return request

    return Bearer


def shadowed_by_environment(connection_id: str) -> bool:
    """Whether an ``AIRFLOW_CONN_<ID>`` variable here hides what the metadata database holds."""
    return f"AIRFLOW_CONN_{connection_id.upper()}" in os.environ
