"""Monthly DDEX DSR statements (Digital Sales Reports) of Spotify, Apple Music, Amazon Music and Deezer.

The platform side of the DSR connectors: ``ingestion/connectors/dsr.py`` parses these files on its own.
The layout follows shared/domain.md ("DDEX DSR flat files"), i.e. a DSRF flat file in the spirit of the
Basic Audio Profile (``dsrf/1.1.2/1.6/1.0``). The full record layouts of the profile are DDEX's; the
DSPs' own files are not public, so every record here keeps the cells domain.md lists, in that order, and
the file announces them in ``#`` column-header lines: tab-separated, one HEAD, summary records (SY02 for
a subscription offer, SY03 for an ad-supported offer, both with the same cells), blocks (RE01 release,
AS02 resources, SU02 stream usages) and one FOOT with the number of record lines (HEAD to FOOT, comment
lines not counted) and of blocks.

One file per DSP and month covering every territory (``WW`` in the file name; each usage's territory is
in the summary record it points to): a DSP's monthly statement is one accounting document, a restatement
replaces the month as a whole (the ledger's delivery version is keyed by source, period and territory),
and 4 files a month instead of 80 keeps landing cheap; per-territory files would change nothing else.

Units are accounting usages, not the daily analytics: for the three daily platforms each month's usages
per track and territory are drawn with this family's own random stream from the same usage model as the
daily feeds (Poisson over the month's summed intensity), so statements and analytics agree closely but
not exactly, as domain.md says they do. The marketing touches' lift is in both (it is listening).
What happens to the analytics feeds only (their anomalies: spikes, drops and missing days of one
series; a month's report never delivered) is not in the statements, which count the listening itself.
Amazon Music reports only by statement (a 0.12 share, USD rates).
Revenue is usages x a per-usage rate in micro-units of the DSP's currency: exact integers, 6 decimals.

Faults when ``inject_faults``: one restatement (a corrected second version of a month for one DSP: later
created date-time, other revenue), one truncated delivery (the last block's records are missing but the
FOOT still counts them: refused as incomplete; the complete file follows a day later) and one usage of a
recording the label's catalogue does not know (a well-formed ISRC: it must land, matching comes later).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import numpy as np

from ingestion.generator.catalogue import Track
from ingestion.generator.context import GenerationContext, micros_text
from ingestion.generator.params import PLATFORMS
from ingestion.generator.usage import daily_intensity
from ingestion.identifiers import format_isrc

FAMILY = "dsr_statements"
MESSAGE_VERSION = "dsrf/1.1.2/1.6/1.0"
PROFILE, PROFILE_VERSION = "BasicAudioProfile", "1.0"
RECIPIENT, RECIPIENT_ID = "TuneMantra", "PADPIDA0000TUNEMANTRA"
SERVICE = "Streaming"  # the file name's ServiceDescription element (no underscores)
MODELS = ("SubscriptionModel", "AdvertisementSupportedModel")
SUMMARY_RECORD = {"SubscriptionModel": "SY02", "AdvertisementSupportedModel": "SY03"}
USE_TYPE = "OnDemandStream"
AMAZON_SHARE = 0.12  # of all streams, beside the daily platforms' shares (usage model)
AMAZON_RATE_MICROS = (4_200, 7_400)  # USD per stream
SUBSCRIPTION_RATE, AD_RATE = (115, 100), (40, 100)  # x the model's per-stream rate (numerator, denominator)
RESTATED_RATE = (103, 100)  # the corrected subscription rate of the restatement

LAYOUTS: dict[str, tuple[str, ...]] = {
    "HEAD": ("MessageVersion", "Profile", "ProfileVersion", "MessageId", "MessageCreatedDateTime", "FileNumber",
             "NumberOfFiles", "UsageStartDate", "UsageEndDate", "SenderPartyId", "SenderName",
             "ServiceDescription", "RecipientPartyId", "RecipientName"),
    "SY02": ("SummaryRecordId", "CommercialModel", "UseType", "Territory", "ServiceDescription", "Usages",
             "NetRevenue", "Currency"),
    "SY03": ("SummaryRecordId", "CommercialModel", "UseType", "Territory", "ServiceDescription", "Usages",
             "NetRevenue", "Currency"),
    "RE01": ("BlockId", "ReleaseReference", "DspReleaseId", "ProprietaryReleaseId", "CatalogNumber", "ICPN",
             "DisplayArtistName", "Title"),
    "AS02": ("BlockId", "ResourceReference", "DspResourceId", "ISRC", "Title", "DisplayArtistName", "Duration"),
    "SU02": ("BlockId", "SalesTransactionId", "SummaryRecordId", "ReleaseReference", "ResourceReference",
             "IsRoyaltyBearing", "NumberOfUsages", "NetRevenue"),
    "FOOT": ("NumberOfLinesInFile", "NumberOfBlocksInFile"),
}


@dataclasses.dataclass(frozen=True)
class Dsp:
    source: str
    platform: str  # the usage model's platform code (Amazon Music has none: it only sends statements)
    sender: str  # SenderName and file-name element
    party_id: str  # a made-up DDEX party id
    services: tuple[str, str]  # summary ServiceDescription per commercial model
    subscription_share: float  # share of usages on the subscription tier
    created_day: int  # day of the following month the statement is created
    line_end: str

    @property
    def currency(self) -> str:
        return PLATFORMS[self.platform][1] if self.platform in PLATFORMS else "USD"


DSPS: tuple[Dsp, ...] = (
    Dsp("dsr_spotify", "spotify", "Spotify", "PADPIDA0000SPOTIFY", ("Premium", "Free"), 0.62, 6, "\n"),
    Dsp("dsr_apple_music", "apple_music", "AppleMusic", "PADPIDA0000APPLEMUSIC", ("AppleMusic", "-"), 1.0, 10,
        "\r\n"),
    Dsp("dsr_amazon_music", "amazon_music", "AmazonMusic", "PADPIDA0000AMAZONMUSIC", ("Unlimited", "FreeTier"),
        0.8, 12, "\n"),
    Dsp("dsr_deezer", "deezer", "Deezer", "PADPIDA0000DEEZER", ("Premium", "Free"), 0.75, 8, "\n"),
)


@dataclasses.dataclass
class Statement:
    """What one written file holds: the truth its landing must reproduce."""

    path: Path
    message_id: str
    created: dt.datetime
    usage_records: int = 0  # SU records written
    usages: int = 0
    revenue_micros: int = 0
    summary_records: int = 0
    blocks: int = 0
    lines: int = 0  # record lines the FOOT declares (HEAD .. FOOT)
    missing_records: int = 0  # SU records the FOOT counts but the file lacks (a truncated delivery)
    su_lines: dict[str, list[int]] = dataclasses.field(default_factory=dict)  # watched ISRC -> SU line numbers


def _month_mean(ctx: GenerationContext, platform: str, days: list[dt.date], by_day: np.ndarray,
                intensity: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Expected usages (tracks, territories) of one platform over a month: the summed intensity, plus what the
    marketing touches add to it (the listening they cause is in the statements as in the daily feeds; a pitch
    to another platform is not)."""
    mean = intensity[:, None] * weights
    for i, day in enumerate(days):
        lift = ctx.model.lift(platform, day)
        if lift is not None:
            mean = mean + by_day[i][:, None] * weights * lift
    return mean


def write_dsr_statements(ctx: GenerationContext) -> None:
    rng = ctx.rng(FAMILY)
    dsps = [d for d in DSPS if d.platform in ctx.model.territory_weight or d.platform not in PLATFORMS]
    weights, rates = _weights_and_rates(ctx, rng, dsps)
    months = ctx.months
    plan = _fault_plan(dsps, len(months)) if ctx.params.inject_faults else {}
    entries: list[dict] = []
    for month_index, month in enumerate(months):
        days = ctx.days_of(month)
        by_day = daily_intensity(ctx.model, days, ctx.params.start_date)  # (days, tracks)
        intensity = by_day.sum(axis=0)  # (tracks,)
        for dsp in dsps:
            total = rng.poisson(_month_mean(ctx, dsp.platform, days, by_day, intensity, weights[dsp.source]))
            subscription = rng.binomial(total, dsp.subscription_share)
            units = np.stack([subscription, total - subscription], axis=2).astype(np.int64)  # (T, R, models)
            tracks = list(ctx.tracks)
            if plan.get("unknown_isrc") == (dsp.source, month_index):
                tracks, units = _with_unknown_recording(tracks, units)
            created = dt.datetime.combine(_next_month(month).replace(day=dsp.created_day), dt.time(6, 0))
            if plan.get("truncated") == (dsp.source, month_index):
                early = _write_statement(ctx, dsp, month, days, tracks, units, rates[dsp.source],
                                         created - dt.timedelta(days=1), truncate=True)
                entries.append(_entry(ctx, dsp, month, early, status="incomplete"))
            statement = _write_statement(ctx, dsp, month, days, tracks, units, rates[dsp.source], created)
            entries.append(_entry(ctx, dsp, month, statement))
            if plan.get("restatement") == (dsp.source, month_index):
                corrected = rates[dsp.source].copy()
                corrected[:, 0] = corrected[:, 0] * RESTATED_RATE[0] // RESTATED_RATE[1]
                again = _write_statement(ctx, dsp, month, days, tracks, units, corrected,
                                         created + dt.timedelta(days=35))
                entries.append(_entry(ctx, dsp, month, again, version=2, supersedes=entries[-1]["file"]))
                entries[-2]["superseded_by"] = entries[-1]["file"]
    ctx.truth[FAMILY] = _truth(entries, dsps)


def _weights_and_rates(ctx: GenerationContext, rng: np.random.Generator,
                       dsps: list[Dsp]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per DSP: expected share of each track's streams per territory, and the per-usage rate per territory
    and commercial model (micro-units; the ad-supported tier pays less)."""
    n_t, n_r = len(ctx.tracks), len(ctx.params.territories)
    presence = np.zeros((n_t, n_r), dtype=bool)
    for weight in ctx.model.territory_weight.values():
        presence |= weight > 0
    if not ctx.model.territory_weight:
        presence[:] = True
    amazon_weight = AMAZON_SHARE * (rng.dirichlet(np.full(n_r, 0.9)) * n_r)[None, :] * presence
    amazon_rate = rng.integers(*AMAZON_RATE_MICROS, size=n_r)
    weights, rates = {}, {}
    for dsp in dsps:
        known = dsp.platform in ctx.model.territory_weight
        weights[dsp.source] = ctx.model.territory_weight[dsp.platform] if known else amazon_weight
        base = (ctx.model.rate_micros[dsp.platform] if known else amazon_rate).astype(np.int64)
        rates[dsp.source] = np.stack([base * SUBSCRIPTION_RATE[0] // SUBSCRIPTION_RATE[1],
                                      base * AD_RATE[0] // AD_RATE[1]], axis=1)  # (territories, models)
    return weights, rates


def _fault_plan(dsps: list[Dsp], n_months: int) -> dict[str, tuple[str, int]]:
    """(source, month index) of each fault, on different DSPs when there are several."""
    last = n_months - 1
    return {
        "restatement": (dsps[0].source, min(1, last)),
        "truncated": (dsps[1 % len(dsps)].source, min(2, last)),
        "unknown_isrc": (dsps[-1].source, min(1, last)),
    }


def _with_unknown_recording(tracks: list[Track], units: np.ndarray) -> tuple[list[Track], np.ndarray]:
    """A bonus track of a catalogue release that the label's catalogue lacks: well-formed, unknown ISRC."""
    with_usage = np.flatnonzero(units.reshape(len(tracks), -1).any(axis=1))
    host = tracks[int(with_usage[0])] if len(with_usage) else tracks[0]
    unknown = dataclasses.replace(host, isrc=format_isrc("GB", "ZZX", host.release_date.year, 99_001),
                                  title=f"{host.title} (Demo)", duration_seconds=187)
    extra = np.zeros((1, *units.shape[1:]), dtype=units.dtype)
    extra[0, 0, 0] = 417  # in the first territory, on the subscription tier
    return [*tracks, unknown], np.concatenate([units, extra])


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _opaque(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"PT{minutes}M{rest}S"


def _write_statement(ctx: GenerationContext, dsp: Dsp, month: dt.date, days: list[dt.date], tracks: list[Track],
                     units: np.ndarray, rates: np.ndarray, created: dt.datetime, *,
                     truncate: bool = False) -> Statement:
    """Stream one DSR file to disk: records are written as they are made, the FOOT from running counts."""
    stamp = f"{created:%Y%m%dT%H%M%S}"
    name = f"DSR_{RECIPIENT}_{dsp.sender}_{SERVICE}_{month:%Y-%m}_WW_1of1_{stamp}.tsv"
    path = ctx.landing_dir / dsp.source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    statement = Statement(path=path, message_id=f"{dsp.sender.upper()}-{month:%Y%m}-{stamp}", created=created)
    revenue = units * rates[None, :, :]  # exact integer micro-units
    territories = ctx.params.territories
    summaries = [(m, r) for m in range(len(MODELS)) for r in range(len(territories)) if units[:, r, m].any()]
    if not summaries:  # a month without usage still carries its summary (and no blocks)
        summaries = [(0, 0)]
    summary_id = {key: f"S{i + 1:04d}" for i, key in enumerate(summaries)}
    releases: dict[str, list[int]] = {}
    for t, track in enumerate(tracks):
        if units[t].any():
            releases.setdefault(track.upc, []).append(t)
    watched = {t.isrc for t in tracks[len(ctx.tracks):]}
    line_no = 0
    with path.open("w", encoding="utf-8", newline="") as fh:

        def emit(*cells: str, write: bool = True) -> None:
            nonlocal line_no
            if write:
                line_no += 1
                fh.write("\t".join(cells) + dsp.line_end)
            if not cells[0].startswith("#"):
                statement.lines += 1

        for kind, layout in LAYOUTS.items():
            emit(f"#{kind}", *layout)
        emit("HEAD", MESSAGE_VERSION, PROFILE, PROFILE_VERSION, statement.message_id, f"{created:%Y-%m-%dT%H:%M:%S}Z",
             "1", "1", days[0].isoformat(), days[-1].isoformat(), dsp.party_id, dsp.sender, SERVICE, RECIPIENT_ID,
             RECIPIENT)
        for m, r in summaries:
            emit(SUMMARY_RECORD[MODELS[m]], summary_id[(m, r)], MODELS[m], USE_TYPE, territories[r], dsp.services[m],
                 str(int(units[:, r, m].sum())), micros_text(int(revenue[:, r, m].sum())), dsp.currency)
            statement.summary_records += 1
        transaction = 0
        for b, (upc, members) in enumerate(releases.items()):
            write = not (truncate and b == len(releases) - 1)
            block = f"B{b + 1:05d}"
            first = tracks[members[0]]
            emit("RE01", block, "R1", f"{dsp.platform}:release:{_opaque(dsp.source, upc)}",
                 f"{RECIPIENT}::{upc}", f"CAT-{upc[-7:-1]}", upc, first.artist, first.release_title, write=write)
            for a, t in enumerate(members):
                track = tracks[t]
                emit("AS02", block, f"A{a + 1}", f"{dsp.platform}:track:{_opaque(dsp.source, track.isrc)}",
                     track.isrc, track.title, track.artist, _duration(track.duration_seconds), write=write)
            for a, t in enumerate(members):
                for r, m in zip(*np.nonzero(units[t]), strict=True):
                    transaction += 1
                    n, money = int(units[t, r, m]), int(revenue[t, r, m])
                    emit("SU02", block, f"T{transaction:08d}", summary_id[(int(m), int(r))], "R1", f"A{a + 1}",
                         "true", str(n), micros_text(money), write=write)
                    if write:
                        statement.usage_records += 1
                        statement.usages += n
                        statement.revenue_micros += money
                        if tracks[t].isrc in watched:
                            statement.su_lines.setdefault(tracks[t].isrc, []).append(line_no)
                    else:
                        statement.missing_records += 1
            statement.blocks += 1
        emit("FOOT", str(statement.lines + 1), str(statement.blocks))
    return statement


def _entry(ctx: GenerationContext, dsp: Dsp, month: dt.date, statement: Statement, *, status: str = "landed",
           version: int = 1, supersedes: str | None = None) -> dict:
    """The manifest entry: what the landing contract must report for this file."""
    landed = status == "landed"
    entry = ctx.add_file(
        statement.path, dsp.source, statement.usage_records if landed else 0,
        period=f"{month:%Y-%m}", territory="WW", currency=dsp.currency, message_id=statement.message_id,
        created=statement.created.isoformat(), usage_records=statement.usage_records, usages=statement.usages,
        revenue=micros_text(statement.revenue_micros), revenue_micros=statement.revenue_micros,
        summary_records=statement.summary_records, blocks=statement.blocks, lines=statement.lines,
        supersedes=supersedes, superseded_by=None,
        unknown_isrcs=[{"isrc": isrc, "lines": lines} for isrc, lines in sorted(statement.su_lines.items())],
    )
    entry["expected"] = {"landed": entry["data_lines"], "quarantined": 0, "duplicates": 0, "status": status,
                         "delivery_version": version if landed else None}
    if not landed:
        entry["missing_usage_records"] = statement.missing_records
    return entry


def _truth(entries: list[dict], dsps: list[Dsp]) -> dict:
    """Per file and per DSP. ``by_source`` is the statements' truth (the latest version of each month);
    ``landed_by_source`` adds up every version that lands (a restated month counts twice there)."""

    def totals(rows: list[dict], dsp: Dsp) -> dict:
        return {"currency": dsp.currency, "files": len(rows), "usage_records": sum(e["usage_records"] for e in rows),
                "usages": sum(e["usages"] for e in rows),
                "revenue": micros_text(sum(e["revenue_micros"] for e in rows))}

    landed = [e for e in entries if e["expected"]["status"] == "landed"]
    faults = {
        "restatement": [{"file": e["file"], "supersedes": e["supersedes"], "period": e["period"],
                         "source": e["source"]} for e in landed if e["supersedes"]],
        "incomplete": [{"file": e["file"], "period": e["period"], "source": e["source"],
                        "missing_usage_records": e["missing_usage_records"]}
                       for e in entries if e["expected"]["status"] == "incomplete"],
        "unknown_isrcs": [{"file": e["file"], **u} for e in entries for u in e["unknown_isrcs"]],
    }
    return {
        "files": {e["file"]: {k: e[k] for k in ("source", "period", "message_id", "usage_records", "usages",
                                                "revenue", "currency", "summary_records", "blocks", "lines")}
                  | {"status": e["expected"]["status"], "delivery_version": e["expected"]["delivery_version"]}
                  for e in entries},
        "by_source": {d.source: totals([e for e in landed if e["source"] == d.source and not e["superseded_by"]], d)
                      for d in dsps},
        "landed_by_source": {d.source: totals([e for e in landed if e["source"] == d.source], d) for d in dsps},
        **faults,
    }

