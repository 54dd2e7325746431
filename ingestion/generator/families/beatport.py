"""Beatport download sales: one monthly tab-separated file, one row per sale day, track, format and country.

Modelled on the columns of the sales statements Beatport gives labels (not a public standard): sale date,
Beatport's own track id, title and mix name ("Original Mix", "Extended Mix"), artists, label, catalogue
number, ISRC (written lower-case with hyphens: the landing keeps it, staging normalises it), UPC, file format
(MP3, WAV, AIFF), quantity, the label's net per unit, the net amount and its currency (EUR in the euro area,
GBP in the UK, USD elsewhere) and the buyer's country. Beatport sells club music: the catalogue's
electronic tracks (at least three tracks, the most popular, when it has fewer). Truth: units and net amount
per currency, per file and in total (``families.beatport``). Extra ``beatport``.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ingestion.generator import names
from ingestion.generator.catalogue import platform_upc
from ingestion.generator.context import GenerationContext
from ingestion.generator.families._platform import (
    TableFile,
    catalogue_as_of,
    minor_unit,
    money,
    month_demand,
    record,
    sum_money,
)
from ingestion.generator.usage import WEEKLY

SOURCE = "beatport"
HEADER = ("Sale Date", "Beatport Track ID", "Track Title", "Mix Name", "Artists", "Label", "Catalog Number",
          "ISRC", "UPC", "Format", "Quantity", "Unit Net", "Net Amount", "Currency", "Country")
FORMATS = (("MP3", 0.7, 95), ("WAV", 0.2, 120), ("AIFF", 0.1, 120))  # (format, share of sales, net in cents)
EURO = {"DE", "FR", "ES", "IT", "NL"}
SALES_PER_STREAM = 0.004


def _currency(territory: str) -> str:
    return "EUR" if territory in EURO else "GBP" if territory == "GB" else "USD"


def _track_id(isrc: str) -> str:
    return str(10_000_000 + int(hashlib.sha256(isrc.encode()).hexdigest()[:8], 16) % 9_000_000)


def write_beatport(ctx: GenerationContext) -> None:
    if not ctx.params.has(SOURCE):
        return
    chosen = [i for i, t in enumerate(ctx.tracks) if t.genre == "Electronic"]
    if len(chosen) < 3:
        by_popularity = sorted(range(len(ctx.tracks)), key=lambda i: -ctx.tracks[i].popularity)
        chosen = sorted(set(chosen) | set(by_popularity[:3]))
    tracks = [ctx.tracks[i] for i in chosen]
    artists = names.spellings(ctx.shared, SOURCE, tracks)
    mix = ["Extended Mix" if int(t.isrc[-1]) % 3 == 0 else "Original Mix" for t in tracks]
    territories = ctx.params.territories
    entries = []
    for month in ctx.months:
        rng = ctx.rng(f"{SOURCE}/{month:%Y-%m}")
        days = ctx.days_of(month)
        demand = month_demand(ctx, month)[chosen] * SALES_PER_STREAM / len(days)
        titles, labels = catalogue_as_of(ctx, month)
        table = TableFile(ctx.landing_dir / SOURCE / f"beatport_sales_{month:%Y-%m}.tsv", HEADER, delimiter="\t")
        units = 0
        net: dict[str, int] = {}
        for day in days:
            counts = rng.poisson(demand * WEEKLY[day.weekday()])  # (tracks, territories)
            for k, r in zip(*np.nonzero(counts), strict=True):
                track, i, territory = tracks[k], chosen[k], territories[r]
                split = rng.multinomial(int(counts[k, r]), [share for _, share, _ in FORMATS])
                currency = _currency(territory)
                for (fmt, _, cents), quantity in zip(FORMATS, split, strict=True):
                    if not quantity:
                        continue
                    unit = cents * minor_unit(currency)
                    net[currency] = net.get(currency, 0) + int(quantity) * unit
                    units += int(quantity)
                    table.add([day.isoformat(), _track_id(track.isrc), titles[i], mix[k], artists[k], labels[i],
                                 f"{track.registrant}{track.upc[-5:-1]}",
                                 f"{track.isrc[:2]}-{track.isrc[2:5]}-{track.isrc[5:7]}-{track.isrc[7:]}".lower(),
                                 platform_upc(track.upc), fmt, str(int(quantity)), money(unit, currency),
                                 money(int(quantity) * unit, currency), currency, territory])
        table.close()
        entries.append(record(ctx, table, SOURCE, month, 10, units=units, net_micros=dict(sorted(net.items())),
                              net={c: money(m, c) for c, m in sorted(net.items())}))
    entries = [e for e in entries if e is not None]
    ctx.truth[SOURCE] = {
        "files": len(entries),
        "months_without_rows": ctx.shared.get("months_without_rows", {}).get(SOURCE, []),
        "tracks": len(tracks),
        "rows": sum(e["data_lines"] for e in entries),
        "units": sum(e["units"] for e in entries),
        "net_by_currency": sum_money(entries, "net_micros"),
    }
