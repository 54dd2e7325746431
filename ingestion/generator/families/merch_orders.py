"""Merchandise orders from the label's web shop, the records an Airbyte connection syncs (a stand-in stream).

A shop's order export has no public standard; the stream keeps what D2C reporting needs: order id, when, the
artist, the product type and SKU, quantity, unit price with its ISO 4217 currency and the buyer's ISO 3166
country (no person: no name, address or e-mail). Written as the *source system's* records under
``<landing>/../api_fixtures/airbyte/merch_orders.jsonl``; the fake Airbyte destination
(ingestion/collectors/fake_airbyte_api.py) writes them into ``<landing>/airbyte/merch_orders/`` when a sync job
succeeds. The truth is ``ctx.truth["merch_orders"]``.
"""

from __future__ import annotations

import datetime as dt
import json

from ingestion.generator.context import GenerationContext, micros_text
from ingestion.generator.families._fixtures import api_fixtures_dir, stable_id

STREAM = "merch_orders"
COLUMNS: tuple[str, ...] = ("order_id", "ordered_at", "artist_name", "product_type", "sku", "quantity", "unit_price",
                            "currency", "country_code")
# product type -> price in EUR cents
PRODUCTS: dict[str, int] = {"vinyl": 2999, "cd": 1499, "cassette": 1199, "t-shirt": 2500, "hoodie": 5500,
                            "poster": 1200}
# currency -> (share of orders, price factor, countries)
_SHOPS = {"EUR": (0.5, 1.0, ("DE", "FR", "ES", "IT", "NL")), "USD": (0.35, 1.1, ("US", "CA")),
          "GBP": (0.15, 0.87, ("GB",))}


def write_merch_orders(ctx: GenerationContext) -> None:
    rng = ctx.rng("merch_orders")
    artists = sorted({t.artist for t in ctx.tracks})
    currencies = list(_SHOPS)
    shares = [_SHOPS[c][0] for c in currencies]
    products = list(PRODUCTS)
    records = []
    day = ctx.params.start_date
    while day <= ctx.params.end_date:
        for _ in range(int(rng.poisson(3.0))):
            currency = currencies[int(rng.choice(len(currencies), p=shares))]
            _share, factor, countries = _SHOPS[currency]
            product = products[int(rng.integers(len(products)))]
            artist = artists[int(rng.integers(len(artists)))]
            at = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=int(rng.integers(86_400)))
            cents = round(PRODUCTS[product] * factor)
            records.append({
                "order_id": stable_id("ord_", day, len(records)),
                "ordered_at": at.isoformat().replace("+00:00", "Z"),
                "artist_name": artist,
                "product_type": product,
                "sku": f"{stable_id('', artist)[:6].upper()}-{product.upper()}",
                "quantity": 1 + int(rng.poisson(0.3)),
                "unit_price": f"{cents // 100}.{cents % 100:02d}",
                "currency": currency,
                "country_code": countries[int(rng.integers(len(countries)))],
            })
        day += dt.timedelta(days=1)
    folder = api_fixtures_dir(ctx.landing_dir, "airbyte", fresh=True)
    with (folder / f"{STREAM}.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
    revenue: dict[str, int] = {}
    for r in records:
        units, cents = r["unit_price"].split(".")
        revenue[r["currency"]] = revenue.get(r["currency"], 0) + r["quantity"] * (int(units) * 100 + int(cents))
    ctx.truth["merch_orders"] = {
        "fixtures": f"api_fixtures/airbyte/{STREAM}.jsonl",
        "stream": STREAM,
        "rows": len(records),
        "quantity": sum(r["quantity"] for r in records),
        "revenue_by_currency": {c: micros_text(v * 10_000) for c, v in sorted(revenue.items())},
    }
