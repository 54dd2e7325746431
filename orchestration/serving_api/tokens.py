"""API tokens: one per tenant of infra/tenancy.yml, plus one for the platform (every row, every table).

Tokens are generated once per installation into ``<var>/api/tokens.json`` (mode 0600; never in the repository) or
taken from ``TM_API_TOKEN_<TENANT>`` (``TM_API_TOKEN_PLATFORM`` for the platform). The server keeps only their
SHA-256 digests and compares digests in constant time, so a timing attack learns nothing and a memory dump no token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

PLATFORM = "platform"  # the token of the platform's own operators: no row filter


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def issue_tokens(path: Path, tenants: list[str]) -> dict[str, str]:
    """{tenant: token} for every tenant and the platform: from the environment, else the file, else new ones."""
    path = Path(path)
    stored = json.loads(path.read_text()) if path.exists() else {}
    out = {name: os.environ.get(f"TM_API_TOKEN_{name.upper()}") or stored.get(name) or secrets.token_urlsafe(32)
           for name in [PLATFORM, *tenants]}
    if out != stored:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(out, fh, indent=1)
    return out


class TokenBook:
    """Digest -> tenant name."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self._digests = [(_digest(token), name) for name, token in tokens.items()]

    def tenant_of(self, token: str) -> str | None:
        presented = _digest(token)
        found = None
        for digest, name in self._digests:  # every digest compared: the time does not depend on which matched
            if hmac.compare_digest(digest, presented):
                found = name
        return found
