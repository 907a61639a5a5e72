"""The compose stack's secrets, made on its first ``up`` and kept in its volume.

Every Airflow container must share three secrets: the JWT secret (the scheduler signs each
task's token, the api-server checks it; whoever knows it can sign an admin's token), the API
secret key (log requests between containers) and the Fernet key (connection passwords in the
metadata database). None is committed: each stack makes its own from ``secrets`` and
``os.urandom`` the first time it comes up, so two installs never share one, and keeps them in
the volume ``airflow-secrets`` (read-only in every other container, readable by the Airflow
user alone), so that ``down`` and ``up`` keep them.

A value given in the environment (``AIRFLOW_JWT_SECRET``, ``AIRFLOW_API_SECRET_KEY``,
``AIRFLOW_FERNET_KEY``, e.g. from ``.env``) is written instead, on every ``up``: that is how a
user brings their own or rotates one (for the Fernet key, ``new,old`` while
``airflow rotate-fernet-key`` runs; see docs/security.md).

    python -m tools.compose_secrets /opt/airflow/secrets 50000
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

# The file each Airflow component reads (its *_CMD setting), the variable that may give it,
# and how a new one is made.
SECRETS = {
    "jwt_secret": ("AIRFLOW_JWT_SECRET", lambda: secrets.token_urlsafe(64)),
    "api_secret_key": ("AIRFLOW_API_SECRET_KEY", lambda: secrets.token_urlsafe(48)),
    "fernet_key": ("AIRFLOW_FERNET_KEY", lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()),
}


def ensure_secrets(folder: Path, owner_uid: int, environ=os.environ) -> dict[str, str]:
    """Write each secret that is given, or missing; say for each what was done."""
    folder.mkdir(parents=True, exist_ok=True)
    done = {}
    for name, (variable, make) in SECRETS.items():
        path = folder / name
        given = environ.get(variable, "").strip()
        if given:
            value, done[name] = given, f"from {variable}"
        elif path.exists() and path.read_text().strip():
            done[name] = "kept"
            continue
        else:
            value, done[name] = make(), "made"
        written = path.with_name(f".{name}.new")  # replaced whole, never half-written
        written.write_text(value)
        os.chown(written, owner_uid, 0)
        written.chmod(0o400)
        written.replace(path)
    return done


def main() -> None:
    folder, owner_uid = Path(sys.argv[1]), int(sys.argv[2])
    for name, done in ensure_secrets(folder, owner_uid).items():
        print(f"{name}: {done}")


if __name__ == "__main__":
    main()
