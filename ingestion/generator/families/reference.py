"""The label group's reference data: the catalogue export(s), the label hierarchy and the monthly FX rates.

* ``catalogue/catalogue_tracks.csv``: one row per track, as the catalogue stood at the start of the window.
* ``catalogue/catalogue_tracks_<yyyy-mm-dd>.csv`` (extra ``catalogue_history``): the full export again on a
  later date, carrying a title correction and a label transfer (``families.catalogue.changes``). Its ledger
  period is the export date.
* ``catalogue/labels.csv`` (extra ``labels``): distributors -> labels -> sub-labels.

The catalogue keeps canonical artist names (the display credit, with "feat."); the hidden truth holds the
artists behind them (``hidden.artists``), the two artists sharing one name (``hidden.homonyms``), and the
catalogue changes.
"""

from __future__ import annotations

from ingestion.generator.catalogue import (
    LABEL_TREE,
    LABELS_BY_ID,
    CatalogueChange,
    Track,
    catalogue_changes,
    label_fields,
    second_export_date,
)
from ingestion.generator.context import GenerationContext, micros_text, write_lines

CATALOGUE_HEADER = ("isrc", "track_title", "artist_name", "release_title", "upc", "release_date", "label_name",
                    "genre", "duration_seconds", "sub_label_name", "distributor", "label_id", "iswc")


def _csv(text: str) -> str:
    return f'"{text}"' if "," in text else text


def _row(t: Track, changed: dict[str, str]) -> str:
    fields = {"track_title": t.title, **label_fields(t.label_id), **changed}
    return ",".join([
        t.isrc, _csv(fields["track_title"]), _csv(t.display_artist), _csv(t.release_title), t.upc,
        t.release_date.isoformat(), _csv(fields["label_name"]), _csv(t.genre), str(t.duration_seconds),
        _csv(fields["sub_label_name"]), _csv(fields["distributor"]), fields["label_id"], t.iswc])


def _export(ctx: GenerationContext, name: str, changes: list[CatalogueChange], *, after: bool,
            as_of: str) -> dict:
    by_isrc: dict[str, dict[str, str]] = {}
    for change in changes:
        for isrc in change.isrcs:
            by_isrc.setdefault(isrc, {}).update(change.after if after else change.before)
    path = ctx.landing_dir / "catalogue" / name
    lines = [_row(t, by_isrc.get(t.isrc, {})) for t in ctx.tracks]
    write_lines(path, ",".join(CATALOGUE_HEADER), lines)
    entry = ctx.add_file(path, "catalogue", len(lines), as_of=as_of, delivered_on=as_of,
                         period=as_of if after else None)
    entry["expected"] = {**entry["expected"], "read": len(lines), "status": "landed"}
    return entry


def write_catalogue(ctx: GenerationContext) -> None:
    """The catalogue export(s) and, with the ``labels`` extra, the label hierarchy."""
    params = ctx.params
    changes = catalogue_changes(ctx.tracks, params.start_date, params.end_date) \
        if params.has("catalogue_history") else []
    ctx.shared["catalogue_changes"] = changes
    exports = [_export(ctx, "catalogue_tracks.csv", changes, after=False, as_of=params.start_date.isoformat())]
    if changes:
        day = second_export_date(params.start_date, params.end_date)
        exports.append(_export(ctx, f"catalogue_tracks_{day.isoformat()}.csv", changes, after=True,
                               as_of=day.isoformat()))
    truth: dict = {
        "exports": [{"file": e["file"], "as_of": e["as_of"], "period": e["period"], "rows": e["data_lines"]}
                    for e in exports],
        "latest_export": exports[-1]["file"],
        "changes": [c.as_dict() for c in changes],
    }
    if params.has("labels"):
        truth["labels"] = _write_labels(ctx)
    ctx.truth["catalogue"] = truth
    _hidden_artists(ctx)


def _write_labels(ctx: GenerationContext) -> dict:
    path = ctx.landing_dir / "catalogue" / "labels.csv"
    lines = [f"{label.label_id},{_csv(label.name)},{label.parent_id or ''},{_csv(label.distributor)}"
             for label in LABEL_TREE]
    write_lines(path, "label_id,label_name,parent_label_id,distributor", lines)
    entry = ctx.add_file(path, "catalogue_labels", len(lines), delivered_on=ctx.params.start_date.isoformat())
    entry["expected"] = {**entry["expected"], "read": len(lines), "status": "landed"}
    tops = [label for label in LABEL_TREE if label.parent_id is None]
    return {
        "file": entry["file"],
        "distributors": sorted({label.distributor for label in LABEL_TREE}),
        "labels": len(tops),
        "sub_labels": len(LABEL_TREE) - len(tops),
        "tree": {d: {top.label_id: [s.label_id for s in LABEL_TREE if s.parent_id == top.label_id]
                     for top in tops if top.distributor == d}
                 for d in sorted({label.distributor for label in LABEL_TREE})},
    }


def _hidden_artists(ctx: GenerationContext) -> None:
    """Who is behind each credit: the catalogue has no artist identifier, the truth does."""
    artists: dict[str, dict] = {}
    for t in ctx.tracks:
        entry = artists.setdefault(t.artist_id, {"name": t.artist, "label_id": t.label_id,
                                                 "registrant": t.registrant, "tracks": 0})
        entry["tracks"] += 1
    by_name: dict[str, list[str]] = {}
    for artist_id, a in artists.items():
        by_name.setdefault(a["name"], []).append(artist_id)
    homonyms = [{"name": name, "artist_ids": ids, "registrants": [artists[i]["registrant"] for i in ids],
                 "labels": [LABELS_BY_ID[artists[i]["label_id"]].name for i in ids]}
                for name, ids in sorted(by_name.items()) if len(ids) > 1]
    hidden = ctx.shared.setdefault("hidden", {})
    hidden["artists"] = artists
    hidden["homonyms"] = homonyms


def write_fx(ctx: GenerationContext) -> None:
    path = ctx.landing_dir / "fx" / "fx_rates_monthly.csv"
    lines = [f"{month},{currency},{micros_text(rate)}" for (month, currency), rate in sorted(ctx.fx_micros.items())]
    write_lines(path, "month,currency,eur_per_unit", lines)
    ctx.add_file(path, "fx", len(lines))
