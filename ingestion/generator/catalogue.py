"""A small catalogue: labels, artists, releases with valid UPCs and tracks with well-formed ISRCs."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from ingestion.identifiers import format_isrc, make_upc

LABELS = ("Northern Pulse Records", "Saudade Music", "Kōgen Sound")
GENRES = ("Pop", "Hip-Hop", "Electronic", "Rock", "Latin", "R&B", "Indie", "Jazz")
_FIRST = ("Luna", "Neon", "Velvet", "Echo", "Solar", "Crystal", "Midnight", "Golden", "Silver", "Wild",
          "Electric", "Paper", "Ocean", "Crimson", "Quiet", "Blue")
_SECOND = ("Harbour", "Foxes", "Parade", "Static", "Lanterns", "Orchard", "Motel", "Riot", "Saints",
           "Satellites", "Tides", "Cartel", "Gardens", "Horizon", "Wolves", "Society")
_PEOPLE = ("Zoë Marceau", "Beyoncé Ferreira", "Jonas Åberg", "Mía Núñez", "Kenji Sato", "Ada Okafor",
           "Chloé Dubois", "Rafael Gómez", "Ana Lúcia", "Björn Ek", "Léa Martin", "Tomás Rivera")
_WORDS = ("Night", "Drive", "Heart", "Fire", "Dream", "Rain", "City", "Lights", "Summer", "Gold", "Wave",
          "Signal", "Runaway", "Mirror", "Falling", "Home", "Stranger", "Fever", "Shadow", "Bloom",
          "Paradise", "Weekend", "Ghost", "Static", "Honey", "Thunder", "Velocity", "Afterglow")
_REGISTRANTS = ("NPR", "SDM", "KGS")
_COUNTRIES = ("GB", "BR", "JP")


@dataclasses.dataclass(frozen=True)
class Track:
    isrc: str
    title: str
    artist: str
    release_title: str
    upc: str
    release_date: dt.date
    label: str
    genre: str
    duration_seconds: int
    popularity: float  # hidden: mean daily streams at maturity over all platforms and territories
    archetype: str  # hidden: evergreen, viral, seasonal or decaying


def build_catalogue(rng: np.random.Generator, n_tracks: int, start: dt.date, end: dt.date) -> list[Track]:
    """Tracks grouped into releases of 1-5 tracks; about a third released inside the reporting window."""
    n_artists = max(4, n_tracks // 5)
    artists: list[str] = []
    for i in range(n_artists):
        if i < len(_PEOPLE):
            name = _PEOPLE[i]
        else:
            name = f"{_FIRST[i % len(_FIRST)]} {_SECOND[(i // len(_FIRST)) % len(_SECOND)]}"
            if i >= len(_FIRST) * len(_SECOND):
                name = f"{name} {i}"
        artists.append(name)
    artist_label = [LABELS[i % len(LABELS)] for i in range(n_artists)]
    artist_genre = [GENRES[int(rng.integers(len(GENRES)))] for _ in range(n_artists)]

    tracks: list[Track] = []
    used_titles: set[str] = set()
    designation = {registrant: 0 for registrant in _REGISTRANTS}
    release_no = 0
    window = (end - start).days
    while len(tracks) < n_tracks:
        release_no += 1
        a = int(rng.integers(n_artists))
        label_idx = LABELS.index(artist_label[a])
        registrant, country = _REGISTRANTS[label_idx], _COUNTRIES[label_idx]
        if rng.random() < 0.35:
            release_date = start + dt.timedelta(days=int(rng.integers(0, window - 30)))
        else:
            release_date = start - dt.timedelta(days=int(rng.integers(30, 3 * 365)))
        size = min(int(rng.integers(1, 6)), n_tracks - len(tracks))
        release_title = _title(rng, used_titles)
        upc = make_upc(f"{7 + label_idx}{release_date.year % 100:02d}{release_no:08d}")
        popularity = float(rng.pareto(1.3) + 0.4) * 60.0
        archetype = ("evergreen", "viral", "seasonal", "decaying")[int(rng.integers(4))]
        for position in range(size):
            designation[registrant] += 1
            title = release_title if position == 0 else _title(rng, used_titles)
            tracks.append(
                Track(
                    isrc=format_isrc(country, registrant, release_date.year, designation[registrant]),
                    title=title,
                    artist=artists[a],
                    release_title=release_title,
                    upc=upc,
                    release_date=release_date,
                    label=artist_label[a],
                    genre=artist_genre[a],
                    duration_seconds=int(rng.integers(140, 300)),
                    popularity=popularity / (1 + position),
                    archetype=archetype,
                )
            )
    return tracks


def _title(rng: np.random.Generator, used: set[str]) -> str:
    while True:
        n = 1 + int(rng.integers(3))
        title = " ".join(_WORDS[int(rng.integers(len(_WORDS)))] for _ in range(n))
        if title not in used:
            used.add(title)
            return title
