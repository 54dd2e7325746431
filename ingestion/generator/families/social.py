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

import datetime as dt

import numpy as np

from ingestion.generator.context import GenerationContext
from ingestion.generator.families._fixtures import api_fixtures_dir, stable_id, write_json

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


def write_social_engagement(ctx: GenerationContext) -> None:
    rng = ctx.rng("social_engagement")
    artists = sorted({t.artist for t in ctx.tracks})
    popularity = np.array([sum(t.popularity for t in ctx.tracks if t.artist == a) for a in artists])
    days = [ctx.params.start_date + dt.timedelta(days=i) for i in range(ctx.params.days)]
    n_d, n_a, n_n = len(days), len(artists), len(NETWORKS)
    scale, post_rate, like_rate, view_rate = (np.array([_PROFILE[n][i] for n in NETWORKS]) for i in range(4))

    start = popularity[:, None] * 400.0 * scale[None, :] * rng.lognormal(0.0, 0.4, (n_a, n_n))
    growth = rng.normal(0.0015, 0.006, (n_d, n_a, n_n))
    followers = np.maximum(np.round(start[None] * np.exp(np.cumsum(growth, axis=0))), 1).astype(np.int64)
    posts = rng.poisson(np.broadcast_to(post_rate, (n_d, n_a, n_n)))
    likes = rng.poisson(followers * like_rate * (posts + 0.2))
    comments = rng.binomial(likes, 0.04)
    shares = rng.binomial(likes, 0.06)
    views = rng.poisson(followers * view_rate * (posts + 0.3))
    values = np.stack([followers, posts, likes, comments, shares, views], axis=-1)  # (day, artist, network, m)

    glitch = None  # a platform glitch: a negative count, which the landing contract must quarantine
    if ctx.params.inject_faults and n_d > 2:
        glitch = (2, 0, NETWORKS.index("x"))

    ids = [stable_id("art_", a) for a in artists]
    folder = api_fixtures_dir(ctx.landing_dir, "social", fresh=True)
    index: list[dict] = []
    sums = {n: dict.fromkeys(METRICS, 0) for n in NETWORKS}
    by_month: dict[str, dict[str, int]] = {}
    quarantined: list[dict] = []
    for d, day in enumerate(days):
        records = []
        for a in range(n_a):
            for k, network in enumerate(NETWORKS):
                counts = [int(v) for v in values[d, a, k]]
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
            index.append({"id": page_id, "date": day.isoformat(), "file": f"pages/{page_id}.json",
                          "records": len(page)})
    write_json(folder / "index.json", {"page_size": PAGE_SIZE, "pages": index})
    rows = n_d * n_a * n_n
    ctx.truth["social_engagement"] = {
        "fixtures": "api_fixtures/social",
        "rows": rows,
        "pages": len(index),
        "page_size": PAGE_SIZE,
        "first_date": days[0].isoformat(),
        "last_date": days[-1].isoformat(),
        "artists": n_a,
        "networks": list(NETWORKS),
        "expected": {"landed": rows - len(quarantined), "quarantined": len(quarantined)},
        "quarantined": quarantined,
        # over the rows that land; followers is a level (end of day), so also its value on the last day
        "sums_by_network": sums,
        "followers_last_day": {n: int(values[-1, :, k, 0].sum()) for k, n in enumerate(NETWORKS)},
        "by_month": by_month,
    }
