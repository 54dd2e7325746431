"""Collectors fetch data from where it lives (an HTTP API, a webhook sender, a database, Airbyte) and write what
they fetched as files under ``<landing>/<source>/``. They never write to the warehouse: the one landing contract
(ingestion/contract.py) lands those files like any delivered report, with its ledger, quarantine and lineage.

A collector writes each file under a temporary ``.part`` name and renames it when complete, so the contract
(whose connectors match only final names) never sees a half-written file. What a collector must remember between
runs (a cursor, a watermark) lives in a small JSON file under ``<landing>/_state/``, updated only after the file
it describes has been renamed into place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

STATE_DIR = "_state"


class CollectorError(RuntimeError):
    """A collection run failed; nothing of it was written to the landing folder and its state is unchanged."""


def state_path(landing_dir: Path, name: str) -> Path:
    return Path(landing_dir) / STATE_DIR / f"{name}.json"


def load_state(landing_dir: Path, name: str) -> dict[str, Any]:
    path = state_path(landing_dir, name)
    return json.loads(path.read_text()) if path.exists() else {}


def save_state(landing_dir: Path, name: str, state: dict[str, Any]) -> None:
    """Replace the state file atomically (write a temporary file, then rename it over the old one)."""
    path = state_path(landing_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def publish(part: Path, final: Path) -> Path:
    """Rename a completed ``.part`` file to its final name (never over an existing file)."""
    if final.exists():
        raise CollectorError(f"{final} already exists: refusing to overwrite a delivered file")
    os.replace(part, final)
    return final


def free_name(folder: Path, stem: str, suffix: str) -> Path:
    """``<stem><suffix>``, or ``<stem>_2<suffix>``… when a file (or its .part) of that name already exists."""
    candidate, k = folder / f"{stem}{suffix}", 1
    while candidate.exists() or candidate.with_name(candidate.name + ".part").exists():
        k += 1
        candidate = folder / f"{stem}_{k}{suffix}"
    return candidate
