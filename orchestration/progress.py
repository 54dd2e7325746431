"""A plain progress display for long steps.

It writes to the terminal the process started with (``sys.__stdout__``), so it stays visible while the
demo runner sends the tools' own chatter (dbt's log lines, MLflow's notices) to a log file.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
EVERY_SECONDS = 3.0


def say(message: str) -> None:
    stream = sys.__stdout__ or sys.stdout
    print(message, file=stream, flush=True)


def progress(items: Iterable[T], label: str) -> Iterator[T]:
    """Yield items; report `label: i/n` every few seconds on long steps and once at the end."""
    items = list(items)
    total = len(items)
    started = last = time.perf_counter()
    for i, item in enumerate(items, 1):
        yield item
        now = time.perf_counter()
        if i == total or now - last >= EVERY_SECONDS:
            say(f"  {label}: {i}/{total} files ({now - started:.1f}s)")
            last = now
