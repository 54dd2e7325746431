"""How platforms spell an artist: the catalogue keeps the canonical name, each platform writes its own variant.

shared/domain.md: artists arrive under many spellings (case, diacritics, "feat."/"ft."/"featuring", "&"/"and",
a leading "The", extra whitespace). Each source has *habits* (Deezer folds to ASCII and drops a leading "The",
Spotify writes "ft." …) and, per artist, a little *noise* (a typo, upper case, a doubled space), both fixed
for a given source and artist so that one platform spells one artist the same way in every file. Every
variant written is recorded (``record``) for the manifest's hidden truth: which variant belongs to which
artist, and of which kinds it is. Variants never contain a delimiter (comma, semicolon, tab) or a quote.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from ingestion.generator.catalogue import TRANSLITERATIONS, Track, misspell

FEAT = " feat. "


def _replace_feat(text: str, by: str) -> str:
    return text.replace(FEAT, by)


def _fold(text: str) -> str:
    """Diacritics removed (Beyoncé -> Beyonce, Zoë -> Zoe, Åberg -> Aberg); ø/ł and the like kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _transliterate(text: str) -> str:
    for native, latin in TRANSLITERATIONS.items():
        text = text.replace(native, latin)
    return text


# kind -> transformation; a kind is recorded only when it changed the text
HABITS = {
    "ft": ("featuring", lambda s: _replace_feat(s, " ft. ")),
    "featuring": ("featuring", lambda s: _replace_feat(s, " featuring ")),
    "and": ("ampersand", lambda s: s.replace(" & ", " and ")),
    "no_the": ("leading_the", lambda s: s[4:] if s.startswith("The ") else s),
    "transliterate": ("transliteration", _transliterate),
    "fold": ("diacritics", _fold),
    "upper": ("case", str.upper),
    "lower": ("case", str.lower),
    "spaces": ("whitespace", lambda s: s.replace(" ", "  ", 1)),
}

# what each source does to every name it writes (the platforms' own conventions, as modelled here)
SOURCE_HABITS: dict[str, tuple[str, ...]] = {
    "spotify": ("ft",),
    "apple_music": ("and",),
    "deezer": ("transliterate", "fold", "no_the"),
    "itunes": ("and",),
    "beatport": ("featuring", "fold"),
    "youtube": ("no_the",),
    "tiktok": ("lower",),
    "instagram": ("featuring", "transliterate"),
}
_SOURCE_OFFSET = {"spotify": 0, "apple_music": 2, "deezer": 4, "itunes": 1, "beatport": 3, "youtube": 5,
                  "tiktok": 0, "instagram": 2}
# per (source, artist) noise, cycling over the artists so that every kind occurs in the daily feeds
_NOISE = ("typo", "upper", "spaces", None, None, None)


def spell(source: str, track: Track, artist_index: int) -> tuple[str, list[str]]:
    """The display artist as ``source`` writes it, and the kinds of variation applied (empty: canonical)."""
    text, kinds = track.display_artist, []
    noise = _NOISE[(artist_index + _SOURCE_OFFSET.get(source, 0)) % len(_NOISE)]
    if noise == "typo" and text.startswith(track.artist):  # in the main artist's name, not in "feat."
        changed = misspell(track.artist, _key(source, track.artist_id)) + text[len(track.artist):]
        if changed != text:
            text = changed
            kinds.append("typo")
    for habit in SOURCE_HABITS.get(source, ()):
        kind, transform = HABITS[habit]
        changed = transform(text)
        if changed != text:
            text = changed
            kinds.append(kind)
    if noise is not None and noise != "typo":
        kind, transform = HABITS[noise]
        changed = transform(text)
        if changed != text:
            text = changed
            kinds.append(kind)
    return text, kinds


def artist_number(artist_id: str) -> int:
    """``ART0007`` -> 6: the artist's position in the catalogue."""
    return int(artist_id[3:]) - 1


def _key(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:4], "big")


def spellings(shared: dict[str, Any], source: str, tracks: list[Track]) -> list[str]:
    """The artist cell ``source`` writes for each track, recorded in ``shared["hidden"]["artist_variants"]``."""
    variants = shared.setdefault("hidden", {}).setdefault("artist_variants", {})
    cells, seen = [], set()
    for t in tracks:
        text, kinds = spell(source, t, artist_number(t.artist_id))
        cells.append(text)
        if kinds and (text, t.artist_id, t.display_artist) not in seen:
            seen.add((text, t.artist_id, t.display_artist))
            _record(variants, text, t, kinds, source)
    return cells


def _record(variants: dict[str, list[dict]], text: str, track: Track, kinds: list[str], source: str) -> None:
    for entry in variants.setdefault(text, []):
        if entry["artist_id"] == track.artist_id and entry["canonical"] == track.display_artist:
            if source not in entry["sources"]:
                entry["sources"].append(source)
            return
    variants[text].append({"artist_id": track.artist_id, "featured_artist_ids": list(track.featured_ids),
                           "canonical": track.display_artist, "kinds": kinds, "sources": [source]})
