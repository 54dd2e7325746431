"""API tokens: one per tenant of infra/tenancy.yml, plus one for the platform (every row, every table).

Tokens are generated once per installation into ``<var>/api/tokens.json`` (mode 0600; never in the repository) or
taken from ``TM_API_TOKEN_<TENANT>`` (``TM_API_TOKEN_PLATFORM`` for the platform). The server keeps only their
SHA-256 digests and compares digests in constant time, so a timing attack learns nothing and a memory dump no token.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from orchestration.tenancy import kept_secrets

PLATFORM = "platform"  # the token of the platform's own operators: no row filter


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def issue_tokens(path: Path, tenants: list[str]) -> dict[str, str]:
    """{tenant: token} for every tenant and the platform: from the environment, else the file, else new ones."""
    return kept_secrets(path, [PLATFORM, *tenants], "TM_API_TOKEN_", length=32)


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
