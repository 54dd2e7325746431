"""Audience overlap between the label's artists: how many listeners two artists have in common.

``landing/audience_overlap/artist_overlap_<yyyy-mm>.csv`` (comma-separated, one per month)::

    month,platform,artist_id,artist_name,related_artist_id,related_artist_name,artist_listeners,
    related_artist_listeners,shared_listeners,overlap_share

Ids are the platform's artist ids (as in ``audience``). ``shared_listeners`` listened to both artists in the 28
days ending on the month's last day; ``overlap_share`` is the share of the *combined* audience that listens to
both: ``shared / (artist + related - shared)`` (6 decimals). Each unordered pair appears once per platform and
month. Only related pairs are reported (each artist's 10 closest), like the platforms' "fans also like".

The model (hidden truth): every artist has a hidden taste vector; the *affinity* of two artists —
``0.05 + 0.45 * sigmoid(2.5 cos(u_a, u_b) + 1.0 [same genre] - 1.0)`` — is the share of the smaller audience
that also listens to the other, and ``shared = Binomial(min(listeners), affinity)``. A random fifth of the
related pairs is **held out**: never written to any file, listed with their affinity and the shares they would
have had under ``ctx.truth["audience_overlap"]["hidden"]["held_out"]``, so that a collaboration recommender
trained on the files can be judged on pairs it has never seen.
"""

from __future__ import annotations

import numpy as np

from ingestion.generator.context import GenerationContext
from ingestion.generator.families._analytics import csv_line, platform_artist_id, write_report

RELATED = 10
HELD_OUT_SHARE = 0.2
HEADER = ("month,platform,artist_id,artist_name,related_artist_id,related_artist_name,artist_listeners,"
          "related_artist_listeners,shared_listeners,overlap_share")


def write_audience_overlap(ctx: GenerationContext) -> None:
    rng = ctx.rng("audience_overlap")
    audience = ctx.shared.get("audience")
    if audience is None:
        raise RuntimeError("audience_overlap needs audience to run first (ctx.shared['audience'])")
    keys, names, genres = audience["artists"], audience["names"], audience["genres"]
    n_a = len(keys)
    taste = rng.normal(0.0, 1.0, (n_a, 4))
    unit = taste / np.linalg.norm(taste, axis=1, keepdims=True)
    # affinity = 0.05 + 0.45 / (1 + exp(-(2.5 cos + 1.0 [same genre] - 1.0))), computed in place on the cosines:
    # (artists x artists) arrays are 18 MB each at 1e8 usage rows (1,500 artists), and the formula's temporaries
    # held several of them; the same operations in the same order give the same numbers
    affinity = unit @ unit.T
    genre_code = {g: i for i, g in enumerate(dict.fromkeys(genres))}
    codes = np.array([genre_code[g] for g in genres], dtype=np.int64)
    affinity *= 2.5
    affinity += codes[:, None] == codes[None, :]
    affinity -= 1.0
    np.negative(affinity, out=affinity)
    np.exp(affinity, out=affinity)
    affinity += 1.0
    np.divide(0.45, affinity, out=affinity)
    affinity += 0.05
    related: set[tuple[int, int]] = set()
    for a in range(n_a):
        order = [b for b in np.argsort(-affinity[a], kind="stable").tolist() if b != a][:RELATED]
        related.update((min(a, b), max(a, b)) for b in order)
    pairs = sorted(related)
    n_held = max(1, round(HELD_OUT_SHARE * len(pairs))) if len(pairs) >= 3 else 0
    held = set(map(tuple, np.array(pairs)[rng.choice(len(pairs), size=n_held, replace=False)].tolist())) \
        if n_held else set()
    held_truth: dict[tuple[int, int], dict] = {
        pair: {"artist_a": keys[pair[0]], "artist_b": keys[pair[1]], "names": [names[pair[0]], names[pair[1]]],
               "affinity": round(float(affinity[pair]), 6), "overlap_share": {}} for pair in sorted(held)}

    rows_total = shared_total = 0
    for month in ctx.months:
        key_m = f"{month:%Y-%m}"
        if key_m not in audience["listeners"]:
            continue
        lines = []
        for platform in ctx.params.platforms:
            listeners = audience["listeners"][key_m].get(platform, {})
            for a, b in pairs:
                la, lb = listeners.get(keys[a], 0), listeners.get(keys[b], 0)
                if la == 0 or lb == 0:
                    continue
                shared = int(rng.binomial(min(la, lb), affinity[a, b]))
                share = shared / (la + lb - shared)
                if (a, b) in held:
                    held_truth[(a, b)]["overlap_share"].setdefault(key_m, {})[platform] = round(share, 6)
                    continue
                lines.append(csv_line([key_m, platform, platform_artist_id(platform, keys[a]), names[a],
                                       platform_artist_id(platform, keys[b]), names[b], la, lb, shared,
                                       f"{share:.6f}"]))
                shared_total += shared
        path = ctx.landing_dir / "audience_overlap" / f"artist_overlap_{key_m}.csv"
        write_report(ctx, path, "audience_overlap", HEADER, lines, period=key_m)
        rows_total += len(lines)
    ctx.truth["audience_overlap"] = {
        "rows": rows_total,
        "pairs_reported": len(pairs) - len(held),
        "shared_listeners": shared_total,
        "hidden": {
            "affinity_definition": "share of the smaller audience that also listens to the other artist",
            "held_out": list(held_truth.values()),
            "reported_pairs_affinity": [{"artist_a": keys[a], "artist_b": keys[b],
                                         "affinity": round(float(affinity[a, b]), 6)}
                                        for a, b in pairs if (a, b) not in held],
        },
    }
