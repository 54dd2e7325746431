"""Tenancy: which labels each tenant sees, from ``infra/tenancy.yml``, for every place data is read (Superset's
row-level security, PostgreSQL's policies, the read API). Standard library and PyYAML only, so that Superset's own
environment can load it too (infra/superset/bootstrap.py imports it by path).

A tenant is a distributor (every label it delivers) or a label (the label and its sub-labels, to any depth). What
a tenant may see is a set of ``label_key`` values, computed from the served ``dim_label`` rows, so the keys are the
warehouse's own (never re-derived here) and a label added to the catalogue joins its distributor's tenant on the
next build. Rows without a label (usage nobody matched to the catalogue) belong to no tenant: only the platform
admin sees them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO_ROOT / "infra" / "tenancy.yml"
ROLES = ("platform_admin", "distributor", "label_analyst", "executive")
KINDS = ("distributor", "label")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_KEY = re.compile(r"^[0-9a-f]{32}$")  # label_key: an md5 hex digest (macros/surrogate_key.sql)


class TenancyError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Tenant:
    name: str
    kind: str
    distributor: str | None = None
    label_id: str | None = None

    @property
    def role_name(self) -> str:
        """The Superset role (and PostgreSQL role) that carries this tenant's data access."""
        return f"tenant_{self.name}"


@dataclasses.dataclass(frozen=True)
class User:
    username: str
    role: str
    email: str
    tenant: str | None = None


@dataclasses.dataclass(frozen=True)
class Tenancy:
    tenants: tuple[Tenant, ...]
    users: tuple[User, ...]

    def tenant(self, name: str) -> Tenant:
        for t in self.tenants:
            if t.name == name:
                return t
        raise KeyError(name)


def load(path: Path = DEFAULT_CONFIG) -> Tenancy:
    """The tenancy config, checked: every name well formed and unique, every user's role and tenant known."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    tenants = []
    for raw in doc.get("tenants") or []:
        kind = raw.get("kind")
        if kind not in KINDS:
            raise TenancyError(f"{path}: tenant {raw.get('name')!r} has kind {kind!r} (one of {', '.join(KINDS)})")
        tenant = Tenant(str(raw.get("name", "")), kind, raw.get("distributor"), raw.get("label_id"))
        if not _NAME.match(tenant.name):
            raise TenancyError(f"{path}: tenant name {tenant.name!r} must be lowercase letters, digits, underscores")
        if (kind == "distributor") != bool(tenant.distributor) or (kind == "label") != bool(tenant.label_id):
            raise TenancyError(f"{path}: tenant {tenant.name!r}: a distributor tenant names its distributor, a "
                               "label tenant its label_id")
        tenants.append(tenant)
    names = [t.name for t in tenants]
    if len(set(names)) != len(names):
        raise TenancyError(f"{path}: tenant names repeat: {sorted(n for n in names if names.count(n) > 1)}")
    users = []
    for raw in doc.get("users") or []:
        user = User(str(raw.get("username", "")), str(raw.get("role", "")), str(raw.get("email", "")),
                    raw.get("tenant"))
        if user.role not in ROLES:
            raise TenancyError(f"{path}: user {user.username!r} has role {user.role!r} (one of {', '.join(ROLES)})")
        if (user.role == "platform_admin") != (user.tenant is None):
            raise TenancyError(f"{path}: user {user.username!r}: every role but platform_admin belongs to a tenant")
        if user.tenant is not None and user.tenant not in names:
            raise TenancyError(f"{path}: user {user.username!r} names an unknown tenant {user.tenant!r}")
        if user.role == "label_analyst" and next(t for t in tenants if t.name == user.tenant).kind != "label":
            raise TenancyError(f"{path}: user {user.username!r}: a label analyst belongs to a label tenant")
        users.append(user)
    usernames = [u.username for u in users]
    if len(set(usernames)) != len(usernames):
        raise TenancyError(f"{path}: usernames repeat")
    return Tenancy(tuple(tenants), tuple(users))


LABEL_COLUMNS = ("label_key", "label_id", "parent_label_id", "distributor_name")  # of dim_label, what label_keys reads


def labels_query(relation: str) -> str:
    """The query of the ``dim_label`` rows :func:`label_keys` needs, from ``relation`` (e.g. ``marts.dim_label``)."""
    return f"SELECT {', '.join(LABEL_COLUMNS)} FROM {relation}"


def label_rows(rows: Iterable[Sequence[str | None]]) -> list[dict[str, str | None]]:
    """The result rows of :func:`labels_query` as the mappings :func:`label_keys` takes."""
    return [dict(zip(LABEL_COLUMNS, r, strict=True)) for r in rows]


def label_keys(tenant: Tenant, labels: Iterable[Mapping[str, str | None]]) -> list[str]:
    """The label_key values the tenant sees, from ``dim_label`` rows (label_key, label_id, parent_label_id,
    distributor_name): a distributor's labels, or a label with every label below it."""
    rows = list(labels)
    if tenant.kind == "distributor":
        keys = {r["label_key"] for r in rows if r["distributor_name"] == tenant.distributor}
    else:
        wanted = {tenant.label_id}
        while True:  # sub-labels, to any depth
            more = {r["label_id"] for r in rows if r["parent_label_id"] in wanted} - wanted
            if not more:
                break
            wanted |= more
        keys = {r["label_key"] for r in rows if r["label_id"] in wanted}
    if not keys:
        raise TenancyError(f"tenant {tenant.name!r} matches no label in dim_label")
    bad = sorted(k for k in keys if not (isinstance(k, str) and _KEY.match(k)))
    if bad:
        raise TenancyError(f"label keys that are not md5 digests: {bad}")
    return sorted(keys)


def label_clause(keys: Iterable[str], column: str = "label_key") -> str:
    """``label_key IN ('…', …)``: the row-level filter of a tenant. Keys are checked to be hex digests, so the
    literal cannot carry SQL."""
    keys = sorted(set(keys))
    if not keys or not all(_KEY.match(k) for k in keys):
        raise TenancyError("a tenant's clause needs at least one label key, each an md5 hex digest")
    return f"{column} IN ({', '.join(repr(k) for k in keys)})"


def kept_secrets(path: Path, names: Iterable[str], env_prefix: str, length: int = 16) -> dict[str, str]:
    """One secret per name: ``<env_prefix><NAME>`` from the environment, else the one kept in ``path`` (a JSON
    file of mode 0600 under var/, never in the repository), else a new random one, written there."""
    path = Path(path)
    stored = json.loads(path.read_text()) if path.exists() else {}
    out = {n: os.environ.get(f"{env_prefix}{n.upper()}") or stored.get(n) or secrets.token_urlsafe(length)
           for n in names}
    if out != stored:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(out, fh, indent=1)
    return out


def passwords(path: Path, usernames: Iterable[str]) -> dict[str, str]:
    """The tenant users' passwords (TM_TENANT_PASSWORD_<USERNAME> or kept in ``path``)."""
    return kept_secrets(path, usernames, "TM_TENANT_PASSWORD_")
