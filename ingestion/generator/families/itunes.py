"""iTunes Store download sales: one monthly CSV of units and proceeds per product, territory and currency.

Modelled on the columns of Apple's monthly financial reports for music (the exact layout is not public in a
standard; Apple sends them tab-separated, here as CSV): the sale period, the product's UPC and, for a song,
its ISRC (an album row has none), the quantity (a return is a row of its own with a negative quantity and
``Sales or Return`` = ``R``), the partner share per unit and extended (quantity x share), both in the
territory's currency, the customer price and currency, and ``Product Type Identifier`` ``S`` (song) or
``A`` (album). UPCs are written as UPC-A (12 digits) when the product has one. Truth: units sold, returned
and net, proceeds per currency, per file and in total (``families.itunes``). Extra ``itunes``.
"""

from __future__ import annotations

import numpy as np

from ingestion.generator import names
from ingestion.generator.catalogue import platform_upc
from ingestion.generator.context import GenerationContext
from ingestion.generator.families._platform import (
    LOCAL_CURRENCY,
    TableFile,
    catalogue_as_of,
    minor_unit,
    money,
    month_demand,
    period_end,
    record,
    sum_money,
)

SOURCE = "itunes"
HEADER = ("Start Date", "End Date", "UPC", "ISRC/ISBN", "Vendor Identifier", "Quantity", "Partner Share",
          "Extended Partner Share", "Partner Share Currency", "Sales or Return", "Artist/Show/Developer/Author",
          "Title", "Label/Studio/Network/Developer/Publisher", "Product Type Identifier", "Country Of Sale",
          "Customer Price", "Customer Currency")
# currency -> (song price, song share, album price, album share) in minor units
PRICES = {
    "USD": (129, 91, 999, 699), "EUR": (129, 90, 999, 699), "GBP": (99, 69, 799, 559),
    "BRL": (290, 203, 2990, 2093), "JPY": (150, 105, 1500, 1050), "MXN": (1500, 1050, 15000, 10500),
    "CAD": (129, 90, 1299, 909), "AUD": (169, 118, 1699, 1189), "SEK": (1200, 840, 11900, 8330),
    "PLN": (449, 314, 4499, 3149), "INR": (1500, 1050, 15000, 10500), "KRW": (900, 630, 9000, 6300),
    "ZAR": (1599, 1119, 15999, 11199), "TRY": (2099, 1469, 20999, 14699),
}
DOWNLOADS_PER_STREAM = 0.0015
ALBUMS_PER_STREAM = 0.0002
RETURN_SHARE = 0.03


def _row(period: tuple[str, str], proceeds: dict[str, int], upc: str, isrc: str, vendor: str, quantity: int,
         kind: str, artist: str, title: str, label: str, territory: str) -> list[str]:
    """One line; adds its extended partner share to ``proceeds`` (micro-units per currency)."""
    currency = LOCAL_CURRENCY[territory]
    price, share = PRICES[currency][:2] if kind == "S" else PRICES[currency][2:]
    unit = minor_unit(currency)
    proceeds[currency] = proceeds.get(currency, 0) + quantity * share * unit
    return [*period, upc, isrc, vendor, str(quantity), money(share * unit, currency),
            money(quantity * share * unit, currency), currency, "S" if quantity > 0 else "R", artist,
            title, label, kind, territory, money(price * unit, currency), currency]


def write_itunes(ctx: GenerationContext) -> None:
    if not ctx.params.has(SOURCE):
        return
    artists = names.spellings(ctx.shared, SOURCE, ctx.tracks)
    territories = ctx.params.territories
    releases: dict[str, list[int]] = {}
    for i, t in enumerate(ctx.tracks):
        releases.setdefault(t.upc, []).append(i)
    taste = ctx.rng(SOURCE).lognormal(0.0, 0.5, size=len(ctx.tracks))  # some tracks sell better than they stream
    entries = []
    for month in ctx.months:
        rng = ctx.rng(f"{SOURCE}/{month:%Y-%m}")
        demand = month_demand(ctx, month) * taste[:, None]
        titles, labels = catalogue_as_of(ctx, month)
        period = (f"{month:%m/%d/%Y}", f"{period_end(month):%m/%d/%Y}")
        table = TableFile(ctx.landing_dir / SOURCE / f"itunes_sales_{month:%Y-%m}.csv", HEADER)
        sold = returned = song_rows = album_rows = 0
        proceeds: dict[str, int] = {}
        units = rng.poisson(demand * DOWNLOADS_PER_STREAM)
        back = rng.binomial(units, RETURN_SHARE)
        for t, r in zip(*np.nonzero(units), strict=True):
            track = ctx.tracks[t]
            common = (platform_upc(track.upc), track.isrc, f"{track.registrant}-{track.isrc[-5:]}")
            cells = (artists[t], titles[t], labels[t], territories[r])
            table.add(_row(period, proceeds, *common, int(units[t, r]), "S", *cells))
            sold += int(units[t, r])
            song_rows += 1
            if back[t, r]:
                table.add(_row(period, proceeds, *common, -int(back[t, r]), "S", *cells))
                returned += int(back[t, r])
                song_rows += 1
        for upc, members in releases.items():
            first = members[0]
            track = ctx.tracks[first]
            albums = rng.poisson(demand[members].sum(axis=0) / len(members) * ALBUMS_PER_STREAM)
            for r in np.flatnonzero(albums):
                table.add(_row(period, proceeds, platform_upc(upc), "", f"{track.registrant}-{upc[-7:-1]}",
                                 int(albums[r]), "A", artists[first], track.release_title, labels[first],
                                 territories[r]))
                sold += int(albums[r])
                album_rows += 1
        table.close()
        entries.append(record(ctx, table, SOURCE, month, 20, units=sold - returned, units_sold=sold,
                              units_returned=returned, song_rows=song_rows, album_rows=album_rows,
                              proceeds_micros=dict(sorted(proceeds.items())),
                              proceeds={c: money(m, c) for c, m in sorted(proceeds.items())}))
    entries = [e for e in entries if e is not None]
    ctx.truth[SOURCE] = {
        "files": len(entries),
        "months_without_rows": ctx.shared.get("months_without_rows", {}).get(SOURCE, []),
        "rows": sum(e["data_lines"] for e in entries),
        "song_rows": sum(e["song_rows"] for e in entries),
        "album_rows": sum(e["album_rows"] for e in entries),
        "units": sum(e["units"] for e in entries),
        "units_sold": sum(e["units_sold"] for e in entries),
        "units_returned": sum(e["units_returned"] for e in entries),
        "proceeds_by_currency": sum_money(entries, "proceeds_micros"),
    }

