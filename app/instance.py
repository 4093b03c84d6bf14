"""Secrets made once and kept in the instance folder, when the environment sets none."""

from __future__ import annotations

import secrets
from pathlib import Path


def kept_secret(instance_path: str, name: str, nbytes: int = 32) -> str:
    """The secret in instance/<name>, made on first use and readable by its owner only."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()
