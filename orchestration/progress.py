"""A plain progress display for long steps, on stdout so it survives Dagster's log routing."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def say(message: str) -> None:
    print(message, file=sys.stdout, flush=True)


def progress(items: Iterable[T], label: str) -> Iterator[T]:
    """Yield items while printing `label [i/n] elapsed` lines (at most ~10 per step)."""
    items = list(items)
    total = len(items)
    started = time.perf_counter()
    every = max(1, total // 10)
    for i, item in enumerate(items, 1):
        yield item
        if i == total or i % every == 0:
            say(f"  {label}: {i}/{total} files ({time.perf_counter() - started:.1f}s)")
