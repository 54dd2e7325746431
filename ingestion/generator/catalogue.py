"""The catalogue of a small label group: distributors -> labels -> sub-labels, artists, releases, tracks, works.

* Two distributors (the tenants), five labels, four sub-labels (``LABEL_TREE``). A label registers its ISRCs
  under its own registrant code; a sub-label records under its parent's code.
* Artists with the names that make matching hard (``SHOWCASE``): diacritics, a leading "The", an "&", a name
  in Cyrillic and one in Japanese that platforms transliterate, a featured-artist credit, and two distinct
  artists both called "Nova", told apart only by the registrant of their ISRCs. The catalogue keeps the
  canonical name; platforms write variants (ingestion/generator/names.py).
* Releases with valid GTINs: UPC-A (12 digits) for most labels, EAN-13 for the Brazilian and Swedish labels,
  and one label whose export writes its UPC-A codes as 13 digits with a leading zero (the same product:
  shared/domain.md). Tracks with well-formed ISRCs; works with ISWCs whose check digit is valid.
* Changes over time (``catalogue_changes``): a title correction and a label transfer, which a second, dated
  catalogue export carries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from ingestion.identifiers import format_isrc, gtin_check_digit, make_upc

DISTRIBUTORS = ("Meridian Distribution", "Atlas Music Group")


@dataclasses.dataclass(frozen=True)
class Label:
    label_id: str
    name: str
    parent_id: str | None
    distributor: str
    registrant: str  # ISRC registrant code; a sub-label records under its parent's
    isrc_country: str  # ISRC country element (QZ: a US overflow code)
    gtin_prefix: str  # 1 digit: UPC-A company prefix; 2-3 digits: GS1 country prefix of an EAN-13
    padded_upc: bool = False  # its export writes a UPC-A as 13 digits with a leading zero


_M, _A = DISTRIBUTORS
LABEL_TREE: tuple[Label, ...] = (
    Label("L001", "Northern Pulse Records", None, _M, "NPR", "GB", "7"),
    Label("L002", "Saudade Music", None, _M, "SDM", "BR", "789"),
    Label("L003", "Kōgen Sound", None, _A, "KGS", "JP", "8", padded_upc=True),
    Label("L004", "Polar Night Records", None, _A, "PNR", "SE", "73"),
    Label("L005", "Harbour Lights Music", None, _M, "HLM", "QZ", "6"),
    Label("L006", "Pulse Underground", "L001", _M, "NPR", "GB", "7"),
    Label("L007", "Saudade Jazz Club", "L002", _M, "SDM", "BR", "789"),
    Label("L008", "Kōgen Beats", "L003", _A, "KGS", "JP", "8", padded_upc=True),
    Label("L009", "Aurora Sessions", "L004", _A, "PNR", "SE", "73"),
)
LABELS_BY_ID: dict[str, Label] = {label.label_id: label for label in LABEL_TREE}
LABELS = tuple(label.name for label in LABEL_TREE if label.parent_id is None)
GENRES = ("Pop", "Hip-Hop", "Electronic", "Rock", "Latin", "R&B", "Indie", "Jazz")

# native script -> the Latin transliteration platforms write
TRANSLITERATIONS = {"Алина Орлова": "Alina Orlova", "佐藤健二": "Kenji Sato"}
# (canonical name, label id): every one gets a single of its own, so each case is in every sample
SHOWCASE: tuple[tuple[str, str], ...] = (
    ("Beyoncé Ferreira", "L002"),  # diacritics
    ("The Midnight Foxes", "L001"),  # a leading "The"
    ("Echo & The Tides", "L006"),  # "&" / "and"
    ("Алина Орлова", "L004"),  # transliteration
    ("Nova", "L001"),  # two distinct artists named "Nova": registrant NPR ...
    ("Nova", "L003"),  # ... and KGS
    ("Zoë Marceau", "L005"),  # her single features 佐藤健二: "feat." / "ft." / "featuring"
    ("佐藤健二", "L008"),  # transliteration (Japanese)
)
_FIRST = ("Luna", "Neon", "Velvet", "Echo", "Solar", "Crystal", "Midnight", "Golden", "Silver", "Wild",
          "Electric", "Paper", "Ocean", "Crimson", "Quiet", "Blue")
_SECOND = ("Harbour", "Foxes", "Parade", "Static", "Lanterns", "Orchard", "Motel", "Riot", "Saints",
           "Satellites", "Tides", "Cartel", "Gardens", "Horizon", "Wolves", "Society")
_PEOPLE = ("Jonas Åberg", "Mía Núñez", "Ada Okafor", "Chloé Dubois", "Rafael Gómez", "Ana Lúcia", "Björn Ek",
           "Léa Martin", "Tomás Rivera")
_WORDS = ("Night", "Drive", "Heart", "Fire", "Dream", "Rain", "City", "Lights", "Summer", "Gold", "Wave",
          "Signal", "Runaway", "Mirror", "Falling", "Home", "Stranger", "Fever", "Shadow", "Bloom",
          "Paradise", "Weekend", "Ghost", "Static", "Honey", "Thunder", "Velocity", "Afterglow")
FEATURE_SHARE = 0.08  # tracks (beyond the showcase) crediting a featured artist


@dataclasses.dataclass(frozen=True)
class Artist:
    artist_id: str
    name: str
    label_id: str
    genre: str


@dataclasses.dataclass(frozen=True)
class Track:
    isrc: str
    title: str
    artist: str  # the main artist's canonical name (not unique: see SHOWCASE)
    release_title: str
    upc: str  # as the label's export writes it (UPC-A, EAN-13, or a UPC-A padded to 13 digits)
    release_date: dt.date
    label: str  # the top-level label
    genre: str
    duration_seconds: int
    popularity: float  # hidden: mean daily streams at maturity over all platforms and territories
    archetype: str  # hidden: evergreen, viral, seasonal or decaying
    artist_id: str = ""  # hidden: the catalogue has no artist identifier
    display_artist: str = ""  # the credit as the catalogue writes it, with a featured artist
    featured_ids: tuple[str, ...] = ()
    label_id: str = ""  # the owning label or sub-label
    sub_label: str = ""  # the sub-label's name, empty when the label owns the track directly
    distributor: str = ""
    iswc: str = ""  # the musical work

    @property
    def registrant(self) -> str:
        return self.isrc[2:5]


@dataclasses.dataclass(frozen=True)
class CatalogueChange:
    """A change a later catalogue export carries: the fields of some tracks before and after ``effective``."""

    kind: str  # title_correction | label_transfer
    effective: dt.date  # the date of the export that first carries it
    isrcs: tuple[str, ...]
    upc: str
    before: dict[str, str]
    after: dict[str, str]

    def as_dict(self) -> dict:
        return {"kind": self.kind, "effective": self.effective.isoformat(), "isrcs": list(self.isrcs),
                "upc": self.upc, "before": self.before, "after": self.after}


def platform_upc(upc: str) -> str:
    """The form platforms write: a UPC-A padded to 13 digits loses its leading zero."""
    return upc[1:] if len(upc) == 13 and upc.startswith("0") else upc


def iswc_check_digit(digits: str) -> int:
    """ISO 15707: S = 1 + sum(i * d_i) over the nine digits; C = (10 - S mod 10) mod 10."""
    total = 1 + sum(i * int(d) for i, d in enumerate(digits, start=1))
    return (10 - total % 10) % 10


def format_iswc(number: int) -> str:
    digits = f"{number:09d}"
    return f"T-{digits[:3]}.{digits[3:6]}.{digits[6:]}-{iswc_check_digit(digits)}"


def is_valid_iswc(value: str) -> bool:
    text = value.strip().upper().replace("-", "").replace(".", "").replace(" ", "")
    if len(text) != 11 or text[0] != "T" or not text[1:].isdigit():
        return False
    return iswc_check_digit(text[1:10]) == int(text[10])


def misspell(text: str, key: int) -> str:
    """Two adjacent letters swapped, at a position fixed by ``key``; unchanged when no pair differs."""
    pairs = [i for i in range(len(text) - 1) if text[i].isalpha() and text[i + 1].isalpha()
             and text[i] != text[i + 1]]
    if not pairs:
        return text
    i = pairs[key % len(pairs)]
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def build_artists(rng: np.random.Generator, n_artists: int) -> list[Artist]:
    names = [(name, label_id) for name, label_id in SHOWCASE]
    ids = [label.label_id for label in LABEL_TREE]
    for i in range(len(names), n_artists):
        k = i - len(SHOWCASE)
        if k < len(_PEOPLE):
            name = _PEOPLE[k]
        else:
            k -= len(_PEOPLE)
            name = f"{_FIRST[k % len(_FIRST)]} {_SECOND[(k // len(_FIRST)) % len(_SECOND)]}"
            if k >= len(_FIRST) * len(_SECOND):
                name = f"{name} {k}"
        names.append((name, ids[i % len(ids)]))
    return [Artist(f"ART{i + 1:04d}", name, label_id, GENRES[int(rng.integers(len(GENRES)))])
            for i, (name, label_id) in enumerate(names)]


def build_catalogue(rng: np.random.Generator, n_tracks: int, start: dt.date, end: dt.date) -> list[Track]:
    """Tracks grouped into releases of 1-5 tracks; about a third released inside the reporting window.
    The first releases are one single per showcase artist."""
    artists = build_artists(rng, max(len(SHOWCASE), n_tracks // 5))
    tracks: list[Track] = []
    used_titles: set[str] = set()
    designation: dict[str, int] = {}
    release_no = 0
    window = (end - start).days
    work_base = int(rng.integers(10_000_000, 800_000_000))
    while len(tracks) < n_tracks:
        release_no += 1
        showcase = release_no <= len(SHOWCASE)
        a = release_no - 1 if showcase else int(rng.integers(len(artists)))
        artist = artists[a]
        label = LABELS_BY_ID[artist.label_id]
        top = LABELS_BY_ID[label.parent_id] if label.parent_id else label
        if rng.random() < 0.35:
            release_date = start + dt.timedelta(days=int(rng.integers(0, window - 30)))
        else:
            release_date = start - dt.timedelta(days=int(rng.integers(30, 3 * 365)))
        size = 1 if showcase else min(int(rng.integers(1, 6)), n_tracks - len(tracks))
        release_title = _title(rng, used_titles)
        upc = _gtin(label, release_date, release_no)
        popularity = float(rng.pareto(1.3) + 0.4) * 60.0
        archetype = ("evergreen", "viral", "seasonal", "decaying")[int(rng.integers(4))]
        for position in range(size):
            designation[label.registrant] = designation.get(label.registrant, 0) + 1
            title = release_title if position == 0 else _title(rng, used_titles)
            featured: tuple[str, ...] = ()
            if showcase and artist.name == "Zoë Marceau":
                featured = (next(x.artist_id for x in artists if x.name == "佐藤健二"),)
            elif not showcase and rng.random() < FEATURE_SHARE:
                other = artists[int(rng.integers(len(artists)))]
                featured = (other.artist_id,) if other.artist_id != artist.artist_id else ()
            display = artist.name + "".join(
                " feat. " + next(x.name for x in artists if x.artist_id == f) for f in featured)
            tracks.append(
                Track(
                    isrc=format_isrc(label.isrc_country, label.registrant, release_date.year,
                                     designation[label.registrant]),
                    title=title,
                    artist=artist.name,
                    release_title=release_title,
                    upc=upc,
                    release_date=release_date,
                    label=top.name,
                    genre=artist.genre,
                    duration_seconds=int(rng.integers(140, 300)),
                    popularity=popularity / (1 + position),
                    archetype=archetype,
                    artist_id=artist.artist_id,
                    display_artist=display,
                    featured_ids=featured,
                    label_id=label.label_id,
                    sub_label=label.name if label.parent_id else "",
                    distributor=label.distributor,
                    iswc=format_iswc(work_base + 7 * len(tracks)),
                )
            )
    return tracks


def _gtin(label: Label, release_date: dt.date, release_no: int) -> str:
    year = f"{release_date.year % 100:02d}"
    if len(label.gtin_prefix) == 1:  # UPC-A: 11 data digits and the check digit
        upc = make_upc(f"{label.gtin_prefix}{year}{release_no:08d}")
        return "0" + upc if label.padded_upc else upc
    data = f"{label.gtin_prefix}{year}{release_no:0{10 - len(label.gtin_prefix)}d}"  # EAN-13: 12 data digits
    return data + str(gtin_check_digit(data))


def _title(rng: np.random.Generator, used: set[str]) -> str:
    while True:
        n = 1 + int(rng.integers(3))
        title = " ".join(_WORDS[int(rng.integers(len(_WORDS)))] for _ in range(n))
        if title not in used:
            used.add(title)
            return title


def second_export_date(start: dt.date, end: dt.date) -> dt.date:
    """The dated second catalogue export: the first of the month about three fifths into the window."""
    return (start + dt.timedelta(days=(end - start).days * 3 // 5)).replace(day=1)


def label_fields(label_id: str) -> dict[str, str]:
    label = LABELS_BY_ID[label_id]
    top = LABELS_BY_ID[label.parent_id] if label.parent_id else label
    return {"label_id": label.label_id, "label_name": top.name, "sub_label_name": label.name if label.parent_id
            else "", "distributor": label.distributor}


def catalogue_changes(tracks: list[Track], start: dt.date, end: dt.date) -> list[CatalogueChange]:
    """A title correction (the first export had a typo) and a label transfer of one whole release to a label of
    the other distributor, both effective on the second export's date. Deterministic given the tracks."""
    effective = second_export_date(start, end)
    streamed = [t for t in tracks if t.release_date < effective - dt.timedelta(days=60)] or tracks
    fixed = max(streamed, key=lambda t: (t.popularity, t.isrc))
    typo = misspell(fixed.title, len(fixed.title))
    if typo == fixed.title:  # a one-letter title: a doubled letter instead
        typo = fixed.title + fixed.title[-1]
    changes = [CatalogueChange("title_correction", effective, (fixed.isrc,), fixed.upc,
                               {"track_title": typo}, {"track_title": fixed.title})]
    releases: dict[str, list[Track]] = {}
    for t in tracks:
        releases.setdefault(t.upc, []).append(t)
    candidates = [upc for upc in releases if upc != fixed.upc] or list(releases)
    moved = max(candidates, key=lambda upc: (len(releases[upc]), upc))
    source = releases[moved][0]
    target = next(label for label in LABEL_TREE
                  if label.parent_id is None and label.distributor != source.distributor)
    changes.append(CatalogueChange("label_transfer", effective, tuple(t.isrc for t in releases[moved]), moved,
                                   label_fields(source.label_id), label_fields(target.label_id)))
    return changes


def catalogue_counts(tracks: list[Track]) -> dict[str, int]:
    """manifest["catalogue"]: what the catalogue holds (artists are distinct people, not distinct names)."""
    labels = {t.label_id for t in tracks}
    return {
        "tracks": len(tracks),
        "releases": len({t.upc for t in tracks}),
        "artists": len({t.artist_id for t in tracks}),
        "artist_names": len({t.artist for t in tracks}),
        "labels": len({t.label for t in tracks}),
        "sub_labels": len({t.sub_label for t in tracks if t.sub_label}),
        "label_ids": len(labels),
        "distributors": len({t.distributor for t in tracks}),
        "releases_upc_a": len({t.upc for t in tracks if len(t.upc) == 12}),
        "releases_ean13": len({t.upc for t in tracks if len(t.upc) == 13 and not t.upc.startswith("0")}),
        "releases_upc_a_as_13_digits": len({t.upc for t in tracks if len(t.upc) == 13 and t.upc.startswith("0")}),
        "works": len({t.iswc for t in tracks}),
        "featured_credits": sum(1 for t in tracks if t.featured_ids),
    }
