"""Social engagement per day, artist and network, as a paged HTTP API serves it (aggregated counts only).

The networks' own analytics APIs are not public in a common format; the records follow the shape most of them
share (one aggregate per account and day: followers at the end of the day, and the day's posts, likes, comments,
shares and video views). No person is identifiable: there is no listener- or fan-level field.

The data is the *remote API's*: it is written as JSON pages under ``<landing>/../api_fixtures/social/``
(``index.json`` plus ``pages/<yyyy-mm-dd>_<k>.json``, at most ``PAGE_SIZE`` records a page, pages never spanning
days), served by ingestion/collectors/fake_social_api.py and pulled into the landing folder by
ingestion/collectors/social_api.py. The truth is ``ctx.truth["social_engagement"]``.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator

import numpy as np

from ingestion.generator.context import GenerationContext
from ingestion.generator.families._fixtures import api_fixtures_dir, json_text, stable_id, write_json

NETWORKS: tuple[str, ...] = ("instagram", "tiktok", "x", "facebook")
METRICS: tuple[str, ...] = ("followers", "posts", "likes", "comments", "shares", "video_views")
PAGE_SIZE = 10
# network -> (follower scale, posts a day, likes per follower and post, video views per follower and post)
_PROFILE = {
    "instagram": (1.0, 0.6, 0.035, 0.25),
    "tiktok": (1.4, 1.1, 0.060, 2.50),
    "x": (0.5, 1.5, 0.008, 0.05),
    "facebook": (0.7, 0.4, 0.010, 0.12),
}


def _daily_values(rng: np.random.Generator, n_days: int, start: np.ndarray, post_rate: np.ndarray,
                  like_rate: np.ndarray, view_rate: np.ndarray) -> Iterator[np.ndarray]:
    """Each day's counts (artist, network, metric), in ``METRICS`` order, leaving ``rng`` where it would be after
    drawing the window's blocks: the daily growth of every day, then the posts of every day, then the likes,
    comments, shares and video views.

    The blocks are drawn a day at a time — a vector of draws split into consecutive chunks gives the same
    numbers — so no (days, artists, networks) array is ever held (there were a dozen, 20 MB each at 1e8 usage
    rows). A block's first draw is only known once the blocks before it are drawn, so the window is gone through
    once per block: each pass draws one more block from ``rng`` and redraws the earlier ones from copies of the
    generator taken where they began; the last pass, with every block, yields the days. Six passes over a few
    million cheap draws cost far less than writing the pages."""
    shape = start.shape
    starts: list[np.random.Generator] = []

    def days(gens: list[np.random.Generator]) -> Iterator[list[np.ndarray]]:
        level = np.zeros(shape)
        for d in range(n_days):
            growth = gens[0].normal(0.0015, 0.006, shape)
            level = growth if d == 0 else level + growth  # the cumulative sum over days
            followers = np.maximum(np.round(start * np.exp(level)), 1).astype(np.int64)
            out = [followers]
            if len(gens) > 1:
                posts = gens[1].poisson(np.broadcast_to(post_rate, shape))
                out.append(posts)
            if len(gens) > 2:
                likes = gens[2].poisson(followers * like_rate * (posts + 0.2))
                out.append(likes)
            if len(gens) > 3:
                out.append(gens[3].binomial(likes, 0.04))  # comments
            if len(gens) > 4:
                out.append(gens[4].binomial(likes, 0.06))  # shares
            if len(gens) > 5:
                out.append(gens[5].poisson(followers * view_rate * (posts + 0.3)))  # video views
            yield out

    for block in range(len(METRICS) - 1):
        starts.append(copy.deepcopy(rng))
        for _ in days([copy.deepcopy(g) for g in starts[:block]] + [rng]):
            pass
    starts.append(copy.deepcopy(rng))
    for out in days([copy.deepcopy(g) for g in starts[:-1]] + [rng]):
        yield np.stack(out, axis=-1)


def write_social_engagement(ctx: GenerationContext) -> None:
    rng = ctx.rng("social_engagement")
    artists = sorted({t.artist for t in ctx.tracks})
    popularity = np.array([sum(t.popularity for t in ctx.tracks if t.artist == a) for a in artists])
    days = [ctx.params.start_date + dt.timedelta(days=i) for i in range(ctx.params.days)]
    n_d, n_a, n_n = len(days), len(artists), len(NETWORKS)
    scale, post_rate, like_rate, view_rate = (np.array([_PROFILE[n][i] for n in NETWORKS]) for i in range(4))

    start = popularity[:, None] * 400.0 * scale[None, :] * rng.lognormal(0.0, 0.4, (n_a, n_n))
    daily = _daily_values(rng, n_d, start, post_rate, like_rate, view_rate)

    glitch = None  # a platform glitch: a negative count, which the landing contract must quarantine
    if ctx.params.inject_faults and n_d > 2:
        glitch = (2, 0, NETWORKS.index("x"))

    ids = [stable_id("art_", a) for a in artists]
    folder = api_fixtures_dir(ctx.landing_dir, "social", fresh=True)
    sums = {n: dict.fromkeys(METRICS, 0) for n in NETWORKS}
    by_month: dict[str, dict[str, int]] = {}
    quarantined: list[dict] = []
    last_day = np.zeros((n_a, n_n, len(METRICS)), dtype=np.int64)
    pages = 0
    # index.json is write_json's {"page_size": ..., "pages": [...]} (keys sorted), written a page at a time: it
    # lists every page of the window, a quarter of a million at 1e8 usage rows
    with (folder / "index.json").open("w", encoding="utf-8") as index:
        index.write(f'{{"page_size":{json_text(PAGE_SIZE)},"pages":[')
        for d, (day, values) in enumerate(zip(days, daily, strict=True)):
            last_day = values
            records = []
            for a in range(n_a):
                for k, network in enumerate(NETWORKS):
                    counts = [int(v) for v in values[a, k]]
                    if (d, a, k) == glitch:
                        counts[METRICS.index("likes")] = -1
                    records.append({"date": day.isoformat(), "network": network, "artist_id": ids[a],
                                    "artist_name": artists[a], **dict(zip(METRICS, counts, strict=True))})
            month = by_month.setdefault(f"{day:%Y-%m}", {"rows": 0, "landed": 0, "likes": 0, "video_views": 0})
            for record in records:
                month["rows"] += 1
                if record["likes"] < 0:
                    quarantined.append({"date": record["date"], "network": record["network"],
                                        "artist_id": record["artist_id"], "reason": "invalid_integer"})
                    continue
                month["landed"] += 1
                month["likes"] += record["likes"]
                month["video_views"] += record["video_views"]
                for metric in METRICS:
                    sums[record["network"]][metric] += record[metric]
            for k, first in enumerate(range(0, len(records), PAGE_SIZE), start=1):
                page = records[first:first + PAGE_SIZE]
                page_id = f"{day.isoformat()}_{k}"
                write_json(folder / "pages" / f"{page_id}.json", {"page_id": page_id, "date": day.isoformat(),
                                                                  "data": page})
                index.write(("," if pages else "") + json_text({"id": page_id, "date": day.isoformat(),
                                                                "file": f"pages/{page_id}.json", "records": len(page)}))
                pages += 1
        index.write("]}\n")
    rows = n_d * n_a * n_n
    ctx.truth["social_engagement"] = {
        "fixtures": "api_fixtures/social",
        "rows": rows,
        "pages": pages,
        "page_size": PAGE_SIZE,
        "first_date": days[0].isoformat(),
        "last_date": days[-1].isoformat(),
        "artists": n_a,
        "networks": list(NETWORKS),
        "expected": {"landed": rows - len(quarantined), "quarantined": len(quarantined)},
        "quarantined": quarantined,
        # over the rows that land; followers is a level (end of day), so also its value on the last day
        "sums_by_network": sums,
        "followers_last_day": {n: int(last_day[:, k, 0].sum()) for k, n in enumerate(NETWORKS)},
        "by_month": by_month,
    }
