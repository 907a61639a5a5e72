"""The compose stack's secrets (tools/compose_secrets.py): made once per stack, never shared."""

from __future__ import annotations

import os
import stat

from cryptography.fernet import Fernet

from tools.compose_secrets import SECRETS, ensure_secrets

NAMES = sorted(SECRETS)


def read(folder) -> dict[str, str]:
    return {name: (folder / name).read_text() for name in NAMES}


def test_made_on_the_first_up_kept_on_the_next_and_readable_by_the_owner_alone(tmp_path):
    folder = tmp_path / "secrets"
    assert ensure_secrets(folder, os.getuid(), environ={}) == dict.fromkeys(NAMES, "made")
    made = read(folder)
    Fernet(made["fernet_key"].encode())  # a valid key
    assert len(made["jwt_secret"]) >= 64 and len(made["api_secret_key"]) >= 48
    for name in NAMES:
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o400
    assert ensure_secrets(folder, os.getuid(), environ={}) == dict.fromkeys(NAMES, "kept")
    assert read(folder) == made


def test_two_stacks_never_share_one(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    ensure_secrets(first, os.getuid(), environ={})
    ensure_secrets(second, os.getuid(), environ={})
    for name in NAMES:
        assert read(first)[name] != read(second)[name]


def test_a_given_value_replaces_the_stacks_own_on_every_up(tmp_path):
    """How a user brings their own, or rotates one (the Fernet key as new,old)."""
    folder = tmp_path / "secrets"
    ensure_secrets(folder, os.getuid(), environ={})
    old = read(folder)["fernet_key"]
    new = Fernet.generate_key().decode()
    given = {"AIRFLOW_FERNET_KEY": f"{new},{old}", "AIRFLOW_JWT_SECRET": "  "}
    done = ensure_secrets(folder, os.getuid(), environ=given)
    assert done == {"jwt_secret": "kept", "api_secret_key": "kept", "fernet_key": (
        "from AIRFLOW_FERNET_KEY"
    )}  # fmt: skip
    assert read(folder)["fernet_key"] == f"{new},{old}"
