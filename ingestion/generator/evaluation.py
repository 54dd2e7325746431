"""The entity-resolution evaluation set: a catalogue, usage lines full of hard cases, and the truth per line.

``python -m ingestion.generator.evaluation --out DIR --seed 7 [--tracks 400] [--lines 6000]`` writes

* ``catalogue_tracks.csv``: the label's catalogue in the catalogue export's layout (the columns of
  ``catalogue/catalogue_tracks.csv``), canonical artist credits (with "feat."), valid ISRCs and GTINs;
* ``usage/<platform>.csv``: usage lines in the raw daily-feed columns (``report_date, territory_code, isrc,
  track_title, artist_name, streams, revenue, currency``), as platforms would report them;
* ``truth.csv``: for every usage line (file and physical line, the header being line 1) the true catalogue ISRC,
  empty when the line is not the label's recording, the case it was written for and the artist's traits;
* ``manifest.json``: the parameters, what each case means and how many lines each has, file hashes.

It is drawn from its own random stream (``evaluation/entity_resolution``), never from the sample's families,
so the sample's bytes do not change; the same seed gives byte-identical files. ``make evaluate`` uses a
different seed (7) from the sample (42).

The cases are the ones that make matching hard (shared/domain.md, "Identifiers"): ISRCs written in every
style, missing, malformed, or well-formed under one of the label's registrants but mis-keyed; artist credits
with case, diacritics, "feat."/"ft."/"featuring", a featured artist moved into the title or dropped, "&"/"and",
a leading "The", typos, extra whitespace, Cyrillic and Japanese names transliterated (two Latin systems for
Cyrillic); titles with versions written several ways ("(Remastered 2011)", "- Remastered 2011",
"(2011 Remaster)") and typos. Namesakes: two catalogue artists share a name and a title and are told apart
only by the registrant of their ISRCs, and artists of other labels share our artists' names. "DJ X" beside
"DJ X & Y", both ways round. Lines that are not ours: other labels' recordings (some sharing our titles),
our artists' recordings the catalogue does not hold (a live version, an unreleased title), and a foreign
recording reported under one of our ISRCs (conflicting identifiers).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import numpy as np

from ingestion.generator.catalogue import LABEL_TREE, LABELS_BY_ID, Label, label_fields
from ingestion.generator.context import stream_for
from ingestion.generator.params import PLATFORMS, TERRITORIES
from ingestion.identifiers import format_isrc, gtin_check_digit, make_upc

CATALOGUE_COLUMNS = ("isrc", "track_title", "artist_name", "release_title", "upc", "release_date", "label_name",
                     "genre", "duration_seconds", "sub_label_name", "distributor", "label_id", "iswc")
USAGE_COLUMNS = ("report_date", "territory_code", "isrc", "track_title", "artist_name", "streams", "revenue",
                 "currency")
TRUTH_COLUMNS = ("file_name", "line_number", "platform", "true_isrc", "case", "traits")

# registrants of other labels (country, registrant): none is one of LABEL_TREE's
FOREIGN_REGISTRANTS = (("US", "RC1"), ("GB", "AHT"), ("DE", "A61"), ("FR", "Z03"), ("NL", "B8X"),
                       ("US", "UM7"), ("JP", "TO2"), ("BR", "WMB"), ("SE", "XLR"), ("QM", "Z9K"))

CASES = {
    "isrc_clean": "the catalogue ISRC, written in one of the platforms' styles (hyphens, 'ISRC' prefix, case, "
                  "spaces); names spelled any way",
    "isrc_missing": "no ISRC; artist and title spelled any way",
    "isrc_malformed": "an ISRC cell that is not a well-formed ISRC (truncated, letter O for zero, an extra "
                      "digit, registrant left out, 'N/A')",
    "isrc_miskeyed": "a well-formed ISRC under the track's own registrant that the catalogue does not hold "
                     "(the platform mis-keyed the designation); namesakes with a shared title are told apart "
                     "only by it",
    "foreign_recording": "not ours: another label's recording, valid foreign ISRC or none; some share a title "
                         "with one of ours",
    "foreign_namesake": "not ours: an artist of another label with the same name as one of ours (a valid "
                        "foreign ISRC, or none and a title ours does not have)",
    "foreign_dj_pair": "not ours: 'DJ X & Y' where the catalogue has 'DJ X', or 'DJ X' where it has "
                       "'DJ X & Y', often with the same title; valid foreign ISRC or none",
    "own_artist_other_recording": "not ours: our artist's recording the catalogue does not hold (a live or "
                                  "acoustic version of a catalogue title, an unreleased title); no ISRC",
    "conflicting_isrc": "not ours: another label's recording reported under one of our ISRCs",
}
NEGATIVE_CASES = ("foreign_recording", "foreign_namesake", "foreign_dj_pair", "own_artist_other_recording",
                  "conflicting_isrc")
POSITIVE_WEIGHTS = {"isrc_clean": 0.34, "isrc_missing": 0.28, "isrc_malformed": 0.18, "isrc_miskeyed": 0.20}
NEGATIVE_WEIGHTS = {"foreign_recording": 0.34, "foreign_namesake": 0.18, "foreign_dj_pair": 0.18,
                    "own_artist_other_recording": 0.22, "conflicting_isrc": 0.08}
POSITIVE_SHARE = 0.75

_WORDS = ("Night", "Drive", "Heart", "Fire", "Dream", "Rain", "City", "Lights", "Summer", "Gold", "Wave",
          "Signal", "Runaway", "Mirror", "Falling", "Home", "Stranger", "Fever", "Shadow", "Bloom", "Paradise",
          "Weekend", "Ghost", "Static", "Honey", "Thunder", "Velocity", "Afterglow", "River", "Silence",
          "Electric", "Highway", "Ocean", "Neon", "Velvet", "Midnight", "Horizon", "Echo", "Satellite",
          "Wildfire", "Harbour", "Crystal", "Paper", "Moon", "Orbit", "Copper", "Lantern", "Garden", "Winter",
          "Spring", "Autumn", "Canyon", "Desert", "Island", "Runway", "Letters", "Promise", "Rebel", "Sugar",
          "Tokyo", "Lisbon", "Berlin", "Rio")
_FIRST = ("Beyoncé", "Zoë", "Chloé", "Joël", "Renée", "Mía", "Björn", "Åsa", "Gaël", "Inès", "Sérgio", "Tomás",
          "Léa", "Raúl", "Jürgen", "Noémie", "Ana", "Lucas", "Maya", "Omar", "Ada", "Ivy", "Kai", "Nina", "Theo",
          "Rosa", "Felix", "Elif", "Marek", "Sofía")
_LAST = ("Ferreira", "Marceau", "Dubois", "Núñez", "Åberg", "Okafor", "Lindqvist", "Gómez", "Martín", "Müller",
         "Novák", "Søndergaard", "Kowalski", "Reyes", "Costa", "Yılmaz", "Haddad", "Moreau", "Silva", "Ek",
         "Brandão", "Čapek", "Grønlund", "Duarte")
_ADJ = ("Midnight", "Velvet", "Neon", "Crimson", "Paper", "Electric", "Silver", "Golden", "Quiet", "Wild",
        "Hollow", "Lunar", "Static", "Coastal", "Northern", "Broken", "Secret", "Atomic", "Glass", "Savage")
_NOUN = ("Foxes", "Tides", "Parade", "Lanterns", "Orchard", "Motel", "Saints", "Satellites", "Cartel", "Gardens",
         "Wolves", "Society", "Engines", "Ravens", "Pilots", "Strangers", "Machines", "Arrows", "Comets",
         "Harbours")
# native script -> (first Latin system, second Latin system): platforms do not agree on one
_CYRILLIC = (("Алина Орлова", "Alina Orlova", "Alina Orlova"),
             ("Юлия Жукова", "Yuliya Zhukova", "Iouliia Joukova"),
             ("Дмитрий Волков", "Dmitriy Volkov", "Dmitrii Volkov"),
             ("Ксения Щербакова", "Kseniya Shcherbakova", "Ksenia Chtcherbakova"),
             ("Григорий Хмельницкий", "Grigoriy Khmelnitskiy", "Grigori Hmelnitski"),
             ("Ярослава Белых", "Yaroslava Belykh", "Iaroslava Belyh"),
             ("Сергей Чайкин", "Sergey Chaykin", "Sergei Tchaikine"),
             ("Татьяна Ёлкина", "Tatyana Yolkina", "Tatiana Elkina"))
_JAPANESE = (("佐藤健二", "Kenji Sato"), ("山田花子", "Hanako Yamada"), ("鈴木一郎", "Ichiro Suzuki"),
             ("高橋美咲", "Misaki Takahashi"), ("中村蓮", "Ren Nakamura"), ("小林陽菜", "Hina Kobayashi"))
# (ours, the other label's): "DJ X" beside "DJ X & Y" both ways round; the first pair are both ours
_DJ_PAIRS = (("DJ Kobra", "DJ Kobra & Lumi", "both_ours"), ("DJ Vega", "DJ Vega & Rhea", "ours_first"),
             ("DJ Orion & Mira", "DJ Orion", "ours_first"), ("MC Dusk", "MC Dusk x Solace", "ours_first"))
# two catalogue artists of one name, at labels with different registrants; the same name at other labels too
_NAMESAKES = (("Nova", "L001", "L003"), ("Sienna", "L002", "L004"), ("Atlas", "L005", "L001"))
_FOREIGN_NAMESAKES = ("Nova", "Sienna", "Atlas", "Ana Costa", "The Midnight Foxes")
_VERSIONS = ("Remastered {year}", "Live", "Acoustic", "Radio Edit", "Extended Mix", "Remix", "Demo")
_GENRES = ("Pop", "Hip-Hop", "Electronic", "Rock", "Latin", "R&B", "Indie", "Jazz")
_KEYBOARD = {c: n for c, n in zip("qwertyuiopasdfghjklzxcvbnm", "wertyuiopqsdfghjklaxcvbnmz", strict=True)}


@dataclasses.dataclass(frozen=True)
class EvalArtist:
    key: str
    name: str  # canonical credit as the owner's catalogue writes it
    label_id: str  # '' for another label's artist
    traits: tuple[str, ...]  # diacritics, leading_the, ampersand, cyrillic, japanese, namesake, dj_pair
    latin: tuple[str, ...] = ()  # Latin spellings platforms write for a non-Latin name
    registrant: tuple[str, str] | None = None  # (country, registrant) of another label's artist


@dataclasses.dataclass(frozen=True)
class EvalTrack:
    isrc: str
    title: str
    base_title: str
    version: str  # '' for the original
    artist: EvalArtist
    featured: EvalArtist | None
    release_title: str
    upc: str
    release_date: dt.date
    label_id: str
    iswc: str

    @property
    def credit(self) -> str:
        return self.artist.name + (f" feat. {self.featured.name}" if self.featured else "")


@dataclasses.dataclass
class EvalSet:
    catalogue: list[EvalTrack]
    foreign: list[EvalTrack]
    lines: list[dict]  # platform, cells (USAGE_COLUMNS), true_isrc, case, traits


def _pick(rng: np.random.Generator, items):
    return items[int(rng.integers(len(items)))]


def _choose(rng: np.random.Generator, weights: dict[str, float]) -> str:
    names = list(weights)
    p = np.array([weights[n] for n in names], dtype=float)
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _title(rng: np.random.Generator, taken: set[str]) -> str:
    for _ in range(1000):
        n = 1 + int(rng.integers(3))
        title = " ".join(_pick(rng, _WORDS) for _ in range(n))
        if title not in taken:
            taken.add(title)
            return title
    raise RuntimeError("no free title")


# --- the catalogue -----------------------------------------------------------------------------------------------

def _artists(rng: np.random.Generator, n_artists: int) -> tuple[list[EvalArtist], list[EvalArtist]]:
    """Ours (every special case first, then people and bands) and other labels' (namesakes, DJ counterparts,
    unrelated)."""
    labels = [label.label_id for label in LABEL_TREE]
    ours: list[EvalArtist] = []
    for native, latin1, latin2 in _CYRILLIC:
        ours.append(EvalArtist(f"A{len(ours):04d}", native, _pick(rng, labels), ("cyrillic",),
                               latin=(latin1, latin2)))
    for native, latin in _JAPANESE:
        ours.append(EvalArtist(f"A{len(ours):04d}", native, _pick(rng, labels), ("japanese",), latin=(latin,)))
    for name, first, second in _NAMESAKES:
        ours.append(EvalArtist(f"A{len(ours):04d}", name, first, ("namesake",)))
        ours.append(EvalArtist(f"A{len(ours):04d}", name, second, ("namesake",)))
    for first, second, kind in _DJ_PAIRS:
        ours.append(EvalArtist(f"A{len(ours):04d}", first, _pick(rng, labels), ("dj_pair",)))
        if kind == "both_ours":
            ours.append(EvalArtist(f"A{len(ours):04d}", second, _pick(rng, labels), ("dj_pair",)))
    ours.append(EvalArtist(f"A{len(ours):04d}", "The Midnight Foxes", "L001", ("leading_the", "namesake")))
    ours.append(EvalArtist(f"A{len(ours):04d}", "Ana Costa", "L002", ("namesake",)))
    ours.append(EvalArtist(f"A{len(ours):04d}", "Echo & The Tides", "L006", ("ampersand", "leading_the")))
    names = {a.name for a in ours}
    while len(ours) < n_artists:
        kind = rng.random()
        if kind < 0.45:
            name = f"{_pick(rng, _FIRST)} {_pick(rng, _LAST)}"
        elif kind < 0.65:
            name = f"The {_pick(rng, _ADJ)} {_pick(rng, _NOUN)}"
        elif kind < 0.75:
            name = f"{_pick(rng, _FIRST)} & {_pick(rng, _FIRST)}"
        elif kind < 0.8:
            name = f"{_pick(rng, _ADJ)} & The {_pick(rng, _NOUN)}"
        else:
            name = f"{_pick(rng, _ADJ)} {_pick(rng, _NOUN)}"
        if name in names:
            continue
        names.add(name)
        ours.append(EvalArtist(f"A{len(ours):04d}", name, _pick(rng, labels), _traits(name)))
    theirs: list[EvalArtist] = []
    for name in _FOREIGN_NAMESAKES:
        theirs.append(EvalArtist(f"F{len(theirs):04d}", name, "", ("namesake",),
                                 registrant=_pick(rng, FOREIGN_REGISTRANTS)))
    for _first, second, kind in _DJ_PAIRS:
        if kind == "ours_first":
            theirs.append(EvalArtist(f"F{len(theirs):04d}", second, "", ("dj_pair",),
                                     registrant=_pick(rng, FOREIGN_REGISTRANTS)))
    while len(theirs) < max(12, n_artists // 2):
        name = f"{_pick(rng, _FIRST)} {_pick(rng, _LAST)}" if rng.random() < 0.5 else \
            f"{_pick(rng, _ADJ)} {_pick(rng, _NOUN)}"
        if name in names:
            continue
        names.add(name)
        theirs.append(EvalArtist(f"F{len(theirs):04d}", name, "", _traits(name),
                                 registrant=_pick(rng, FOREIGN_REGISTRANTS)))
    return ours, theirs


def _traits(name: str) -> tuple[str, ...]:
    traits = []
    if name != _ascii(name):
        traits.append("diacritics")
    if name.startswith("The "):
        traits.append("leading_the")
    if " & " in name:
        traits.append("ampersand")
    return tuple(traits) or ("plain",)


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _gtin(label: Label, release_date: dt.date, release_no: int) -> str:
    year = f"{release_date.year % 100:02d}"
    if len(label.gtin_prefix) == 1:
        upc = make_upc(f"{label.gtin_prefix}{year}{release_no:08d}")
        return "0" + upc if label.padded_upc else upc
    data = f"{label.gtin_prefix}{year}{release_no:0{10 - len(label.gtin_prefix)}d}"
    return data + str(gtin_check_digit(data))


def _iswc(number: int) -> str:
    digits = f"{number:09d}"
    check = (10 - (1 + sum(i * int(d) for i, d in enumerate(digits, start=1))) % 10) % 10
    return f"T-{digits[:3]}.{digits[3:6]}.{digits[6:]}-{check}"


def build_catalogue(rng: np.random.Generator, n_tracks: int) -> tuple[list[EvalTrack], list[EvalTrack]]:
    """The label's tracks and other labels' tracks. Namesake pairs and DJ pairs share a title."""
    ours, theirs = _artists(rng, max(40, n_tracks // 5))
    designation: dict[tuple[str, str], int] = {}
    catalogue: list[EvalTrack] = []
    titles_of: dict[str, set[str]] = {}
    release_no = 0

    def add(artist: EvalArtist, title: str, version: str, country: str, registrant: str, label_id: str,
            featured: EvalArtist | None, into: list[EvalTrack], release_date: dt.date) -> EvalTrack:
        nonlocal release_no
        release_no += 1
        key = (country, registrant)
        designation[key] = designation.get(key, 0) + 1 + int(rng.integers(3))  # gaps, as real catalogues have
        full = f"{title} ({version})" if version else title
        label = LABELS_BY_ID.get(label_id) or LABEL_TREE[0]
        track = EvalTrack(
            isrc=format_isrc(country, registrant, release_date.year, designation[key]),
            title=full, base_title=title, version=version, artist=artist, featured=featured,
            release_title=full, upc=_gtin(label, release_date, release_no), release_date=release_date,
            label_id=label_id, iswc=_iswc(100_000_000 + 7 * release_no))
        into.append(track)
        titles_of.setdefault(artist.key, set()).add(full)
        return track

    def date() -> dt.date:
        return dt.date(2012, 1, 1) + dt.timedelta(days=int(rng.integers(0, 14 * 365)))

    def label_of(artist: EvalArtist) -> Label:
        return LABELS_BY_ID[artist.label_id]

    # the shared titles first: each namesake pair and the DJ pair that are both ours record one title each
    by_name: dict[str, list[EvalArtist]] = {}
    for a in ours:
        by_name.setdefault(a.name, []).append(a)
    shared: dict[str, str] = {}
    for name, artists in by_name.items():
        if len(artists) > 1:
            shared[name] = _title(rng, set())
            for a in artists:
                lab = label_of(a)
                add(a, shared[name], "", lab.isrc_country, lab.registrant, a.label_id, None, catalogue, date())
    for first, second, _kind in _DJ_PAIRS:
        shared[first] = shared[second] = _title(rng, set())
        for a in ours:
            if a.name in (first, second):
                lab = label_of(a)
                add(a, shared[first], "", lab.isrc_country, lab.registrant, a.label_id, None, catalogue, date())
    # then every artist gets tracks until the catalogue is full; some with a featured artist, some with a
    # version of an earlier title (a remaster, a live recording...) beside the original
    while len(catalogue) < n_tracks:
        a = ours[int(rng.integers(len(ours)))]
        lab = label_of(a)
        taken = titles_of.setdefault(a.key, set())
        originals = [t for t in catalogue if t.artist.key == a.key and not t.version]
        if originals and rng.random() < 0.12:
            original = _pick(rng, originals)
            year = min(2025, original.release_date.year + 1 + int(rng.integers(12)))
            version = _pick(rng, _VERSIONS).format(year=year)
            if f"{original.base_title} ({version})" in taken:
                continue
            add(a, original.base_title, version, lab.isrc_country, lab.registrant, a.label_id, original.featured,
                catalogue, date())
            continue
        featured = None
        if rng.random() < 0.12:
            other = _pick(rng, ours)
            featured = other if other.key != a.key and " & " not in other.name else None
        add(a, _title(rng, taken), "", lab.isrc_country, lab.registrant, a.label_id, featured, catalogue, date())
    foreign: list[EvalTrack] = []
    for a in theirs:
        country, registrant = a.registrant or FOREIGN_REGISTRANTS[0]
        for _ in range(2 + int(rng.integers(4))):
            taken = titles_of.setdefault(a.key, set())
            title = _title(rng, taken)
            add(a, title, "", country, registrant, "", None, foreign, date())
    return catalogue, foreign


# --- how platforms write a line ----------------------------------------------------------------------------------

def misspell(rng: np.random.Generator, text: str) -> str:
    """One typo in a letter of ``text``: two neighbours swapped, a letter dropped, doubled or replaced by the
    key next to it."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 4:
        return text
    i = letters[int(rng.integers(1, len(letters)))]  # the first letter is seldom the one mistyped
    kind = int(rng.integers(4))
    if kind == 0 and i + 1 < len(text) and text[i + 1].isalpha() and text[i] != text[i + 1]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == 1:
        return text[:i] + text[i + 1:]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    near = _KEYBOARD.get(text[i].lower())
    if near is None:
        return text[:i] + text[i + 1:]
    return text[:i] + (near.upper() if text[i].isupper() else near) + text[i + 1:]


def _latin(rng: np.random.Generator, artist: EvalArtist) -> str:
    """A non-Latin name as a platform writes it: mostly transliterated (either system), sometimes native."""
    if not artist.latin or rng.random() < 0.15:
        return artist.name
    return artist.latin[0] if len(artist.latin) == 1 or rng.random() < 0.7 else artist.latin[1]


def spell_credit(rng: np.random.Generator, track: EvalTrack, title: str) -> tuple[str, str]:
    """(artist cell, title cell) with the variations platforms make."""
    main = _latin(rng, track.artist)
    if rng.random() < 0.22:
        main = misspell(rng, main)
    if main.startswith("The ") and rng.random() < 0.4:
        main = main[4:]
    if " & " in main and rng.random() < 0.4:
        main = main.replace(" & ", " and ")
    credit = main
    if track.featured is not None:
        guest = _latin(rng, track.featured)
        form = _choose(rng, {"feat.": 0.2, "ft.": 0.2, "featuring": 0.15, "feat": 0.1, "Feat.": 0.05,
                             "in_title": 0.15, "dropped": 0.15})
        if form == "in_title":
            title = f"{title} (feat. {guest})"
        elif form != "dropped":
            credit = f"{main} {form} {guest}"
    if rng.random() < 0.35:
        credit = _ascii(credit)
    style = rng.random()
    if style < 0.12:
        credit = credit.upper()
    elif style < 0.2:
        credit = credit.lower()
    if rng.random() < 0.1:
        credit = credit.replace(" ", "  ", 1) if rng.random() < 0.5 else f" {credit} "
    return credit, title


def spell_title(rng: np.random.Generator, track: EvalTrack) -> str:
    title = track.base_title
    if rng.random() < 0.12 and len(title) >= 5:
        title = misspell(rng, title)
    if track.version:
        version = track.version
        if version.startswith("Remastered ") and rng.random() < 0.3:
            version = f"{version.split()[1]} Remaster"
        style = rng.random()
        title = f"{title} - {version}" if style < 0.4 else f"{title} [{version}]" if style < 0.5 else \
            f"{title} ({version})"
    style = rng.random()
    if style < 0.1:
        title = title.upper()
    elif style < 0.18:
        title = title.lower()
    return title


def isrc_cell(rng: np.random.Generator, isrc: str) -> str:
    style = rng.random()
    if style < 0.4:
        return isrc
    if style < 0.7:
        return f"{isrc[:2]}-{isrc[2:5]}-{isrc[5:7]}-{isrc[7:]}"
    if style < 0.8:
        return f"ISRC {isrc}"
    if style < 0.9:
        return isrc.lower()
    return f"{isrc[:2]} {isrc[2:5]} {isrc[5:7]} {isrc[7:]}"


def malformed_isrc(rng: np.random.Generator, isrc: str) -> str:
    kind = int(rng.integers(6))
    if kind == 0:
        return isrc[:-1 - int(rng.integers(2))]  # truncated
    if kind == 1:
        return isrc[:7] + isrc[7:].replace("0", "O", 1) if "0" in isrc[7:] else isrc[:7] + "O" + isrc[8:]
    if kind == 2:
        return isrc + str(int(rng.integers(10)))  # an extra digit
    if kind == 3:
        return f"{isrc[:2]}-{isrc[5:7]}-{isrc[7:]}"  # registrant left out
    if kind == 4:
        return _pick(rng, ("N/A", "-", "0", "unknown", "TBC"))
    return isrc[2:]  # country element left out


# --- the lines ---------------------------------------------------------------------------------------------------

def build_lines(rng: np.random.Generator, catalogue: list[EvalTrack], foreign: list[EvalTrack],
                n_lines: int) -> list[dict]:
    held = {t.isrc for t in catalogue}
    ours_by_name: dict[str, list[EvalTrack]] = {}
    for t in catalogue:
        ours_by_name.setdefault(t.artist.name, []).append(t)
    # the hard artists are drawn more often than their share of the catalogue, so each case has lines enough
    weights = np.array([(4.0 if set(t.artist.traits) & {"cyrillic", "japanese", "namesake", "dj_pair"} else 1.0)
                        * (2.0 if t.featured or t.version else 1.0) for t in catalogue])
    weights /= weights.sum()
    namesake_foreign = [t for t in foreign if "namesake" in t.artist.traits]
    dj_foreign = [t for t in foreign if "dj_pair" in t.artist.traits]
    other_foreign = [t for t in foreign if t not in namesake_foreign and t not in dj_foreign]
    lines: list[dict] = []
    while len(lines) < n_lines:
        positive = rng.random() < POSITIVE_SHARE
        case = _choose(rng, POSITIVE_WEIGHTS if positive else NEGATIVE_WEIGHTS)
        line = _line(rng, case, catalogue, weights, held, ours_by_name, namesake_foreign, dj_foreign,
                     other_foreign)
        if line is not None:
            lines.append(line)
    return lines


def _miskeyed(rng: np.random.Generator, isrc: str, held: set[str]) -> str:
    while True:
        candidate = format_isrc(isrc[:2], isrc[2:5], int(isrc[5:7]), int(rng.integers(1, 99_999)))
        if candidate not in held:
            return candidate


def _line(rng, case, catalogue, weights, held, ours_by_name, namesake_foreign, dj_foreign, other_foreign):
    traits: tuple[str, ...] = ()
    if case in POSITIVE_WEIGHTS:
        track = catalogue[int(rng.choice(len(catalogue), p=weights))]
        title = spell_title(rng, track)
        artist, title = spell_credit(rng, track, title)
        isrc = {"isrc_clean": lambda: isrc_cell(rng, track.isrc),
                "isrc_missing": lambda: "",
                "isrc_malformed": lambda: malformed_isrc(rng, track.isrc),
                "isrc_miskeyed": lambda: isrc_cell(rng, _miskeyed(rng, track.isrc, held))}[case]()
        true_isrc = track.isrc
        traits = track.artist.traits + (("featured",) if track.featured else ()) + \
            (("version",) if track.version else ())
    elif case == "foreign_namesake":
        track = _pick(rng, namesake_foreign)
        ours = ours_by_name.get(track.artist.name, [])
        if rng.random() < 0.6:  # a valid foreign ISRC, and a title ours has, when there is one
            if ours and rng.random() < 0.6:
                own = _pick(rng, ours)
                track = dataclasses.replace(track, title=own.title, base_title=own.base_title, version=own.version)
            isrc = isrc_cell(rng, track.isrc)
        else:  # no ISRC: then nothing but the title tells them apart, and the title is not one of ours
            if any(o.base_title == track.base_title for o in ours):
                return None
            isrc = ""
        artist, title = spell_credit(rng, track, spell_title(rng, track))
        true_isrc, traits = "", ("namesake",)
    elif case == "foreign_dj_pair":
        track = _pick(rng, dj_foreign)
        counterpart = next((a for a, b, _ in _DJ_PAIRS if b == track.artist.name), None) or \
            next(b for a, b, _ in _DJ_PAIRS if a == track.artist.name)
        ours = ours_by_name.get(counterpart, [])
        if ours and rng.random() < 0.6:
            own = _pick(rng, ours)
            track = dataclasses.replace(track, title=own.title, base_title=own.base_title, version=own.version)
        isrc = isrc_cell(rng, track.isrc) if rng.random() < 0.5 else ""
        artist, title = spell_credit(rng, track, spell_title(rng, track))
        true_isrc, traits = "", ("dj_pair",)
    elif case == "own_artist_other_recording":
        own = catalogue[int(rng.choice(len(catalogue), p=weights))]
        held_titles = {t.title for t in ours_by_name[own.artist.name]}
        if rng.random() < 0.5:
            version = _pick(rng, ("Live", "Acoustic", "Live at Wembley", "Instrumental"))
            full = f"{own.base_title} ({version})"
            if full in held_titles:
                return None
            base, ver = own.base_title, version
        else:
            base, ver = _title(rng, set(held_titles)), ""
            if any(_close(base, t.base_title) for t in ours_by_name[own.artist.name]):
                return None
            full = base
        track = dataclasses.replace(own, title=full, base_title=base, version=ver)
        artist, title = spell_credit(rng, track, spell_title(rng, track))
        isrc, true_isrc, traits = "", "", own.artist.traits
    elif case == "conflicting_isrc":
        track = _pick(rng, other_foreign)
        own = _pick(rng, catalogue)
        artist, title = spell_credit(rng, track, spell_title(rng, track))
        isrc, true_isrc, traits = isrc_cell(rng, own.isrc), "", ("conflict",)
    else:  # foreign_recording
        track = _pick(rng, other_foreign)
        if rng.random() < 0.3:  # a title one of ours has
            own = _pick(rng, catalogue)
            track = dataclasses.replace(track, title=own.base_title, base_title=own.base_title, version="")
        artist, title = spell_credit(rng, track, spell_title(rng, track))
        isrc = isrc_cell(rng, track.isrc) if rng.random() < 0.5 else ""
        true_isrc, traits = "", track.artist.traits
    platform = _pick(rng, tuple(PLATFORMS))
    currency = PLATFORMS[platform][1]
    streams = int(np.ceil(rng.lognormal(3.0, 1.4)))
    low, high = PLATFORMS[platform][2]
    revenue = streams * int(rng.integers(low, high))
    day = dt.date(2025, 9, 1) + dt.timedelta(days=int(rng.integers(0, 426)))
    return {"platform": platform, "true_isrc": true_isrc, "case": case, "traits": "|".join(traits),
            "cells": {"report_date": day.isoformat(), "territory_code": _pick(rng, TERRITORIES), "isrc": isrc,
                      "track_title": title, "artist_name": artist, "streams": str(streams),
                      "revenue": f"{revenue // 1_000_000}.{revenue % 1_000_000:06d}", "currency": currency}}


def _close(a: str, b: str) -> bool:
    """Titles one typo apart count as the same title (an unreleased title must not be one of those)."""
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    if abs(len(a) - len(b)) > 2:
        return False
    return sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b)) <= 2


# --- writing -----------------------------------------------------------------------------------------------------

def generate_evaluation(out: Path, seed: int = 7, n_tracks: int = 400, n_lines: int = 6000) -> dict:
    """Write the evaluation set under ``out`` and return its manifest."""
    out = Path(out)
    rng = stream_for(seed, "evaluation/entity_resolution")
    catalogue, foreign = build_catalogue(rng, n_tracks)
    lines = build_lines(rng, catalogue, foreign, n_lines)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    files["catalogue_tracks.csv"] = _write_csv(out / "catalogue_tracks.csv", CATALOGUE_COLUMNS,
                                               [_catalogue_row(t) for t in catalogue])
    truth_rows: list[list[str]] = []
    for platform in PLATFORMS:
        mine = [line for line in lines if line["platform"] == platform]
        name = f"usage/{platform}.csv"
        files[name] = _write_csv(out / name, USAGE_COLUMNS, [[m["cells"][c] for c in USAGE_COLUMNS] for m in mine])
        truth_rows += [[f"evaluation/{name}", str(i + 2), platform, m["true_isrc"], m["case"], m["traits"]]
                       for i, m in enumerate(mine)]
    files["truth.csv"] = _write_csv(out / "truth.csv", TRUTH_COLUMNS, truth_rows)
    counts: dict[str, int] = {}
    for line in lines:
        counts[line["case"]] = counts.get(line["case"], 0) + 1
    manifest = {
        "seed": seed, "tracks": len(catalogue), "other_labels_tracks": len(foreign), "lines": len(lines),
        "lines_ours": sum(1 for line in lines if line["true_isrc"]),
        "lines_not_ours": sum(1 for line in lines if not line["true_isrc"]),
        "lines_by_case": dict(sorted(counts.items())), "cases": CASES, "negative_cases": list(NEGATIVE_CASES),
        "files": files,
        "truth": "truth.csv: (file_name, line_number) -> true_isrc ('' when the line is not the label's "
                 "recording); file_name is how the evaluation warehouse's raw tables name the usage files",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    return manifest


def _catalogue_row(t: EvalTrack) -> list[str]:
    fields = label_fields(t.label_id)
    return [t.isrc, t.title, t.credit, t.release_title, t.upc, t.release_date.isoformat(), fields["label_name"],
            _GENRES[int(hashlib.sha256(t.isrc.encode()).digest()[0]) % len(_GENRES)], "200",
            fields["sub_label_name"], fields["distributor"], fields["label_id"], t.iswc]


def _write_csv(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the entity-resolution evaluation set.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tracks", type=int, default=400)
    parser.add_argument("--lines", type=int, default=6000)
    args = parser.parse_args(argv)
    manifest = generate_evaluation(args.out, args.seed, args.tracks, args.lines)
    print(f"evaluation set: {manifest['tracks']} catalogue tracks, {manifest['lines']} usage lines "
          f"({manifest['lines_ours']} ours, {manifest['lines_not_ours']} not ours) -> {args.out}")


if __name__ == "__main__":
    main()
