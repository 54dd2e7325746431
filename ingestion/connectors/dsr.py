"""Monthly DDEX DSR statements (Digital Sales Reports) of Spotify, Apple Music, Amazon Music and Deezer.

The four connectors are declarations only; ``read_dsr`` holds the format knowledge (shared/domain.md,
"DDEX DSR flat files"). A DSRF flat file is tab-separated: ``#`` column-header comment lines, one HEAD,
summary records (SY02/SY03: one per commercial model and territory, with control totals), blocks (RE01
release, AS02 resources, SU02 stream usages sharing a block id) and one FOOT (number of record lines
from HEAD to FOOT, comment and blank lines not counted, and number of blocks). The reader emits one row
per SU02 record, at the SU line's physical line number, with its HEAD, summary, release and resource
resolved; the contract casts and quarantines the values like any other connector's.

What the reader decides:

- a data record (RE01, AS02, SU02) with the wrong number of cells, an unknown record type, a repeated
  reference or sales transaction id, or a usage pointing at a summary, release or resource the file does
  not define is rejected with its line, a reason code and its raw text; the rest of the file lands;
- the file's own control records must hold: exactly one HEAD, first; exactly one FOOT, last, whose line
  and block counts match the file; every summary's usages and net revenue equal the sum of its usage
  records (quarantined ones included: they are in the file). A disagreement makes the file incomplete,
  with a reason naming the numbers, and the batch is refused whole. A summary whose total cannot be
  checked because a usage line's amounts or summary id are unreadable is not a disagreement (that line
  is quarantined, and the FOOT still proves nothing is missing);
- an incomplete file returns no rows: the contract refuses the batch, and the ledger's counts stay
  balanced (read 0 = landed 0 + quarantined 0 + duplicates 0); the reason carries the numbers;
- a file of another profile, version or layout (a ``#`` column header naming other cells) is rejected
  whole (``LandingError``), as a wrong header is for a delimited report. Multi-file reports (``1of3``)
  are refused too: their summaries span files, so one file's totals cannot be checked.
"""

from __future__ import annotations

import dataclasses
import gzip
import re
from pathlib import Path
from typing import IO

from ingestion import fields as f
from ingestion.contract import Connector
from ingestion.readers import LandingError, ReadResult, Reject, SchemaDriftError, check_header

PROFILE = "BasicAudioProfile"
RECORDS: dict[str, tuple[str, ...]] = {
    "HEAD": ("MessageVersion", "Profile", "ProfileVersion", "MessageId", "MessageCreatedDateTime", "FileNumber",
             "NumberOfFiles", "UsageStartDate", "UsageEndDate", "SenderPartyId", "SenderName",
             "ServiceDescription", "RecipientPartyId", "RecipientName"),
    "SY02": ("SummaryRecordId", "CommercialModel", "UseType", "Territory", "ServiceDescription", "Usages",
             "NetRevenue", "Currency"),
    "RE01": ("BlockId", "ReleaseReference", "DspReleaseId", "ProprietaryReleaseId", "CatalogNumber", "ICPN",
             "DisplayArtistName", "Title"),
    "AS02": ("BlockId", "ResourceReference", "DspResourceId", "ISRC", "Title", "DisplayArtistName", "Duration"),
    "SU02": ("BlockId", "SalesTransactionId", "SummaryRecordId", "ReleaseReference", "ResourceReference",
             "IsRoyaltyBearing", "NumberOfUsages", "NetRevenue"),
    "FOOT": ("NumberOfLinesInFile", "NumberOfBlocksInFile"),
}
RECORDS["SY03"] = RECORDS["SY02"]  # subscription and ad-supported offers share the summary layout
SUMMARIES = ("SY02", "SY03")
_CELL = {kind: {name: i + 1 for i, name in enumerate(layout)} for kind, layout in RECORDS.items()}

# the logical columns of one usage row, in the order read_dsr builds them
COLUMNS: tuple[str, ...] = (
    "message_id", "usage_period_start", "usage_period_end", "service_description", "commercial_model", "use_type",
    "territory", "currency", "summary_record_id", "block_id", "sales_transaction_id", "dsp_release_id", "upc",
    "catalog_number", "release_title", "dsp_resource_id", "isrc", "resource_title", "display_artist", "duration",
    "royalty_bearing", "usages", "net_revenue",
)

_BOOLEAN = f.Field("royalty_bearing", "BOOLEAN",
                   "CASE lower(trim({c})) WHEN 'true' THEN true WHEN 'false' THEN false END",
                   "invalid_boolean", "true or false")
# ISO 8601 duration of a recording (PT3M20S) as seconds; optional, as DSPs often leave it out
_DURATION = f.Field(
    "duration_seconds", "INTEGER",
    "CASE WHEN regexp_full_match(trim({c}), 'PT([0-9]+H)?([0-9]+M)?([0-9]+S)?') AND trim({c}) <> 'PT' THEN "
    "coalesce(try_cast(nullif(regexp_extract(trim({c}), '([0-9]+)H', 1), '') AS INTEGER), 0) * 3600 + "
    "coalesce(try_cast(nullif(regexp_extract(trim({c}), '([0-9]+)M', 1), '') AS INTEGER), 0) * 60 + "
    "coalesce(try_cast(nullif(regexp_extract(trim({c}), '([0-9]+)S', 1), '') AS INTEGER), 0) END",
    "invalid_duration", "an ISO 8601 duration such as PT3M20S", required=False)

FIELDS: tuple[f.Field, ...] = (
    f.text("message_id"),
    f.date("usage_period_start", "%Y-%m-%d"),
    f.date("usage_period_end", "%Y-%m-%d"),
    f.text("service_description", required=False),
    f.text("commercial_model"),
    f.text("use_type"),
    f.code("territory", 2, "ISO 3166-1 alpha-2 territory"),
    f.code("currency", 3, "ISO 4217 currency"),
    f.text("summary_record_id"),
    f.text("block_id"),
    f.text("sales_transaction_id"),
    f.text("dsp_release_id", required=False),
    dataclasses.replace(f.upc("upc"), required=False),  # a release without ICPN still carries its usages
    f.text("catalog_number", required=False),
    f.text("release_title", required=False),
    f.text("dsp_resource_id", required=False),
    f.isrc("isrc"),
    f.text("resource_title"),
    f.text("display_artist"),
    _DURATION,
    _BOOLEAN,
    f.integer("usages"),
    f.decimal("net_revenue"),  # may be negative (a correction)
)

# DSR_<Recipient>_<Sender>_<ServiceDescription>_<Period>_<Territory>_<x>of<y>_<CreatedDateTime>.tsv[.gz];
# an omitted territory (``__``) leaves the group empty
NAME_PATTERN = (r"^DSR_[^_]*_[^_]*_[^_]*_(?P<period>[^_]+)_(?P<territory>[A-Za-z]{2})?_[0-9]+of[0-9]+_"
                r"[^_]*\.tsv(\.gz)?$")


_COUNT = re.compile(r"[0-9]{1,18}")
_AMOUNT = re.compile(r"(-?)([0-9]{1,18})(?:\.([0-9]{1,12}))?")
_SCALE = 10**12  # amounts are compared exactly, in 1e-12 units


def _count(text: str) -> int | None:
    return int(text) if _COUNT.fullmatch(text) else None


def _amount(text: str) -> int | None:
    match = _AMOUNT.fullmatch(text)
    if match is None:
        return None
    sign, whole, frac = match.groups()
    value = int(whole) * _SCALE + int((frac or "").ljust(12, "0"))
    return -value if sign else value


def _amount_text(value: int) -> str:
    whole, frac = divmod(abs(value), _SCALE)
    text = f"{whole}.{frac:012d}".rstrip("0").rstrip(".")
    return f"-{text}" if value < 0 else text


@dataclasses.dataclass
class _Summary:
    kind: str
    cells: list[str]
    line: int
    usages: int
    revenue: int
    sum_usages: int = 0
    sum_revenue: int = 0
    checkable: bool = True


@dataclasses.dataclass
class _Block:
    block_id: str
    releases: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    resources: dict[str, list[str]] = dataclasses.field(default_factory=dict)


class _DsrReader:
    """A single pass over the lines; memory holds the summaries, the current block and the rows."""

    def __init__(self, file_name: str, header: tuple[str, ...]) -> None:
        unknown = [h for h in header if h not in COLUMNS]
        if unknown:
            raise SchemaDriftError(f"{file_name}: the DSR reader has no column {', '.join(map(repr, unknown))}")
        self.file_name = file_name
        self.order = [COLUMNS.index(h) for h in header]
        self.line_numbers: list[int] = []
        self.columns: list[list[str]] = [[] for _ in header]
        self.rejects: list[Reject] = []
        self.problems: list[str] = []
        self.head: list[str] | None = None
        self.heads = self.records = self.blocks = 0
        self.foot: tuple[int, list[str]] | None = None
        self.after_foot: int | None = None
        self.summaries: dict[str, _Summary] = {}
        self.unattributed = 0  # rejected lines that may be usages of any summary
        self.block: _Block | None = None
        self.transactions: set[str] = set()
        self.last_line = 0

    # -- lines -----------------------------------------------------------------------------------------
    def feed(self, number: int, raw: bytes, encoding: str) -> None:
        self.last_line = number
        raw = raw.rstrip(b"\n")
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            return  # a blank line carries nothing
        if self.foot is not None and not raw.startswith(b"#"):
            self.records += 1
            self.after_foot = self.after_foot or number
            return
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            if raw.startswith(b"#"):
                return
            self.records += 1
            self.unattributed += 1
            self._reject(number, "encoding", f"the line is not {encoding}", raw.decode("utf-8", "replace"))
            return
        if text.startswith("#"):
            self._comment(text)
            return
        self.records += 1
        cells = text.split("\t")
        kind = cells[0]
        if self.records == 1 and kind != "HEAD":
            self.problems.append(f"the first record (line {number}) is {kind[:20]!r}, not HEAD")
        layout = RECORDS.get(kind)
        if layout is None:
            self.unattributed += 1
            self._reject(number, "unsupported_record",
                         f"record type {kind[:20]!r} is not one the {PROFILE} reader knows", text)
            return
        if len(cells) != len(layout) + 1:
            detail = f"a {kind} record has {len(layout) + 1} cells, got {len(cells)}"
            if kind in ("HEAD", "FOOT", *SUMMARIES):
                self.problems.append(f"line {number}: {detail}")
            else:
                self.unattributed += kind == "SU02"
                self._reject(number, "column_count", detail, text)
            return
        if kind == "HEAD":
            self._head(number, cells)
        elif kind in SUMMARIES:
            self._summary(number, kind, cells)
        elif kind == "FOOT":
            self._foot(number, cells)
        elif kind == "SU02":
            self._usage(number, cells, text)
        else:
            self._resource(number, kind, cells, text)

    def _reject(self, number: int, code: str, detail: str, text: str) -> None:
        self.rejects.append(Reject(number, code, f"{code}: {detail}", text))

    def _comment(self, text: str) -> None:
        """A column-header line of a record type the reader knows must name the cells it expects."""
        cells = text[1:].split("\t")
        if cells[0] in RECORDS:
            check_header(cells[1:], RECORDS[cells[0]], f"{self.file_name}: {cells[0]} record")

    # -- control records -------------------------------------------------------------------------------
    def _head(self, number: int, cells: list[str]) -> None:
        self.heads += 1
        if self.heads > 1:
            self.problems.append(f"a second HEAD record at line {number}")
            return
        cell = _CELL["HEAD"]
        if not cells[cell["MessageVersion"]].startswith("dsrf/"):
            raise LandingError(f"{self.file_name}: message version {cells[cell['MessageVersion']][:40]!r} "
                               "is not a DSRF flat file")
        if cells[cell["Profile"]] != PROFILE:
            raise LandingError(f"{self.file_name}: profile {cells[cell['Profile']][:40]!r} is not {PROFILE}")
        if (cells[cell["FileNumber"]], cells[cell["NumberOfFiles"]]) != ("1", "1"):
            raise LandingError(f"{self.file_name}: file {cells[cell['FileNumber']][:10]!r} of "
                               f"{cells[cell['NumberOfFiles']][:10]!r}: multi-file reports are not supported")
        self.head = cells

    def _summary(self, number: int, kind: str, cells: list[str]) -> None:
        cell = _CELL[kind]
        summary_id = cells[cell["SummaryRecordId"]]
        usages, revenue = _count(cells[cell["Usages"]]), _amount(cells[cell["NetRevenue"]])
        if summary_id in self.summaries:
            self.problems.append(f"line {number}: summary record {summary_id[:20]!r} is defined twice")
        elif usages is None or revenue is None:
            self.problems.append(f"line {number}: summary record {summary_id[:20]!r} totals "
                                 f"{cells[cell['Usages']][:20]!r} / {cells[cell['NetRevenue']][:20]!r} are not numbers")
        else:
            self.summaries[summary_id] = _Summary(kind, cells, number, usages, revenue)

    def _foot(self, number: int, cells: list[str]) -> None:
        lines, blocks = _count(cells[1]), _count(cells[2])
        if lines is None or blocks is None:
            self.problems.append(f"line {number}: FOOT counts {cells[1][:20]!r} / {cells[2][:20]!r} are not numbers")
            lines = blocks = -1
        self.foot = (number, [str(lines), str(blocks)])

    # -- blocks ----------------------------------------------------------------------------------------
    def _enter(self, block_id: str) -> _Block:
        """A block is a run of consecutive records sharing a block id."""
        if self.block is None or self.block.block_id != block_id:
            self.block = _Block(block_id)
            self.blocks += 1
        return self.block

    def _resource(self, number: int, kind: str, cells: list[str], text: str) -> None:
        block = self._enter(cells[1])
        known = block.releases if kind == "RE01" else block.resources
        if cells[2] in known:
            self._reject(number, "duplicate_reference",
                         f"{kind} reference {cells[2][:20]!r} is already defined in block {block.block_id[:20]!r}",
                         text)
        else:
            known[cells[2]] = cells

    def _usage(self, number: int, cells: list[str], text: str) -> None:
        cell = _CELL["SU02"]
        block = self._enter(cells[cell["BlockId"]])
        summary = self.summaries.get(cells[cell["SummaryRecordId"]])
        usages, revenue = _count(cells[cell["NumberOfUsages"]]), _amount(cells[cell["NetRevenue"]])
        if summary is None:
            self.unattributed += 1
        elif usages is None or revenue is None:
            summary.checkable = False
        else:
            summary.sum_usages += usages
            summary.sum_revenue += revenue
        transaction = cells[cell["SalesTransactionId"]]
        if transaction in self.transactions:
            self._reject(number, "duplicate_transaction",
                         f"sales transaction {transaction[:20]!r} appears earlier in the message", text)
            return
        self.transactions.add(transaction)
        release = block.releases.get(cells[cell["ReleaseReference"]])
        resource = block.resources.get(cells[cell["ResourceReference"]])
        if summary is None:
            self._reject(number, "unresolved_summary",
                         f"summary record {cells[cell['SummaryRecordId']][:20]!r} is not in the file", text)
        elif release is None or resource is None:
            which, ref = (("release", cells[cell["ReleaseReference"]]) if release is None
                          else ("resource", cells[cell["ResourceReference"]]))
            self._reject(number, "unresolved_reference",
                         f"{which} {ref[:20]!r} is not defined before it in block {block.block_id[:20]!r}", text)
        else:
            self._row(number, cells, summary, release, resource)

    def _row(self, number: int, cells: list[str], summary: _Summary, release: list[str], resource: list[str]) -> None:
        head = self.head or [""] * (len(RECORDS["HEAD"]) + 1)
        h, s, re_, as_, su = _CELL["HEAD"], _CELL[summary.kind], _CELL["RE01"], _CELL["AS02"], _CELL["SU02"]
        sc = summary.cells
        row = (
            head[h["MessageId"]], head[h["UsageStartDate"]], head[h["UsageEndDate"]], sc[s["ServiceDescription"]],
            sc[s["CommercialModel"]], sc[s["UseType"]], sc[s["Territory"]], sc[s["Currency"]], sc[s["SummaryRecordId"]],
            cells[su["BlockId"]], cells[su["SalesTransactionId"]], release[re_["DspReleaseId"]], release[re_["ICPN"]],
            release[re_["CatalogNumber"]], release[re_["Title"]], resource[as_["DspResourceId"]], resource[as_["ISRC"]],
            resource[as_["Title"]], resource[as_["DisplayArtistName"]], resource[as_["Duration"]],
            cells[su["IsRoyaltyBearing"]], cells[su["NumberOfUsages"]], cells[su["NetRevenue"]],
        )
        self.line_numbers.append(number)
        for column, index in zip(self.columns, self.order, strict=True):
            column.append(row[index])

    # -- the end ---------------------------------------------------------------------------------------
    def result(self) -> ReadResult:
        problems = list(self.problems)
        if self.heads == 0:
            problems.insert(0, "no HEAD record")
        if self.foot is None:
            problems.append(f"no FOOT record: the file ends at line {self.last_line} (truncated?)")
        else:
            number, (lines, blocks) = self.foot
            if self.after_foot is not None:
                problems.append(f"records after the FOOT (line {number}), from line {self.after_foot}")
            if lines != str(self.records) or blocks != str(self.blocks):
                problems.append(f"the FOOT declares {lines} lines and {blocks} blocks, the file has {self.records} "
                                f"lines and {self.blocks} blocks")
        if not self.unattributed:
            for summary_id, s in self.summaries.items():
                if s.checkable and (s.usages, s.revenue) != (s.sum_usages, s.sum_revenue):
                    cell = _CELL[s.kind]
                    problems.append(
                        f"{s.kind} {summary_id[:20]} (line {s.line}, {s.cells[cell['Territory']][:10]} "
                        f"{s.cells[cell['CommercialModel']][:30]}) declares {s.usages} usages and "
                        f"{_amount_text(s.revenue)} {s.cells[cell['Currency']][:10]}; its usage records sum to "
                        f"{s.sum_usages} usages and {_amount_text(s.sum_revenue)}")
        if problems:
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            read = len(self.line_numbers) + len(self.rejects)
            return ReadResult([], [[] for _ in self.columns], [], method="dsr",
                              incomplete=f"{shown} ({read} usage and rejected records read, none landed)")
        return ReadResult(self.line_numbers, self.columns, self.rejects, method="dsr")


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def read_dsr(path: Path, connector: Connector) -> ReadResult:
    """One row per SU02 usage record (see the module docstring); raises LandingError for a foreign file."""
    path = Path(path)
    reader = _DsrReader(path.name, connector.header)
    try:
        with _open(path) as fh:
            for number, raw in enumerate(fh, start=1):
                reader.feed(number, raw, connector.encoding)
    except (OSError, EOFError) as exc:  # a damaged gzip stream
        raise LandingError(f"{path.name}: unreadable: {exc}") from exc
    return reader.result()


def _connector(dsp: str) -> Connector:
    """Monthly statements, due within a month of the period's end (the DSPs' usual accounting terms)."""
    return Connector(source=f"dsr_{dsp}", table=f"dsr_{dsp}__sales", file_patterns=("DSR_*.tsv", "DSR_*.tsv.gz"),
                     header=COLUMNS, fields=FIELDS, delimiter="\t", name_pattern=NAME_PATTERN, reader=read_dsr,
                     cadence="monthly", due_days=30)


DSR_SPOTIFY = _connector("spotify")
DSR_APPLE_MUSIC = _connector("apple_music")
DSR_AMAZON_MUSIC = _connector("amazon_music")
DSR_DEEZER = _connector("deezer")
DSR_CONNECTORS: tuple[Connector, ...] = (DSR_SPOTIFY, DSR_APPLE_MUSIC, DSR_AMAZON_MUSIC, DSR_DEEZER)
