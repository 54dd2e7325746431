"""Where families put what a *remote system* holds (an API's pages, a webhook sender's queue, a database's rows).

That data is not a delivery: it lives next to the landing folder, under ``<landing>/../api_fixtures/<system>/``,
and reaches the landing folder only through a collector (ingestion/collectors/).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any


def api_fixtures_dir(landing_dir: Path, system: str, *, fresh: bool = False) -> Path:
    folder = Path(landing_dir).resolve().parent / "api_fixtures" / system
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stable_id(prefix: str, *parts: object) -> str:
    return prefix + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12]


def json_text(payload: Any) -> str:
    """A payload as the fixtures write it: sorted keys, no spaces, UTF-8 text as is."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json_text(payload) + "\n", encoding="utf-8")
