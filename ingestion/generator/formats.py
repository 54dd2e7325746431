"""How each platform writes its report files (the platform side; the connectors parse them independently).

These daily analytics exports are modelled on what the platforms' label portals offer; their exact
layouts are not public, so each keeps the shape the domain notes describe: one row per day, track and
territory, units plus the platform's own estimate of revenue in its payout currency.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable


def _micros(value: int, sep: str = ".") -> str:
    return f"{value // 1_000_000}{sep}{value % 1_000_000:06d}"


@dataclasses.dataclass(frozen=True)
class ReportFormat:
    platform: str
    file_name: Callable[[dt.date], str]
    header: tuple[str, ...]
    delimiter: str
    line_end: str
    date: Callable[[dt.date], str]
    territory: Callable[[str], str]
    isrc: Callable[[str], str]
    money: Callable[[int], str]

    def block(self, day: dt.date, cells: dict[str, list[str]], t_idx: list[int], r_idx: list[int],
              streams: list[int], revenue_micros: list[int], currency: str) -> list[str]:
        """The lines of one day, fast: ``cells`` holds the per-track ``isrc``, ``title`` and ``artist`` texts and
        the per-territory ``territory`` texts, formatted once instead of once per line."""
        d, sep, money = self.date(day), self.delimiter, self.money
        isrcs, titles, artists, terr = cells["isrc"], cells["title"], cells["artist"], cells["territory"]
        tail = sep + currency if len(self.header) == 8 else ""
        return [f"{d}{sep}{terr[r]}{sep}{isrcs[t]}{sep}{titles[t]}{sep}{artists[t]}{sep}{s}{sep}{money(m)}{tail}"
                for t, r, s, m in zip(t_idx, r_idx, streams, revenue_micros, strict=True)]

    def line(self, day: dt.date, territory: str, isrc: str, title: str, artist: str, streams: int,
             revenue_micros: int, currency: str) -> str:
        cells = [self.date(day), self.territory(territory), self.isrc(isrc), title, artist, str(streams),
                 self.money(revenue_micros)]
        if len(self.header) == 8:
            cells.append(currency)
        return self.delimiter.join(cells)


FORMATS: dict[str, ReportFormat] = {
    "spotify": ReportFormat(
        platform="spotify",
        file_name=lambda month: f"spotify_daily_streams_{month:%Y-%m}.csv",
        header=("date", "country", "isrc", "track_name", "artist_name", "streams", "estimated_revenue_eur"),
        delimiter=",",
        line_end="\n",
        date=lambda d: d.isoformat(),
        territory=lambda t: t,
        isrc=lambda i: i,
        money=_micros,
    ),
    "apple_music": ReportFormat(
        platform="apple_music",
        file_name=lambda month: f"AppleMusic_DailyPlays_{month:%Y%m}.txt",
        header=("Report Date", "Storefront", "ISRC", "Song Name", "Artist Name", "Plays",
                "Estimated Proceeds", "Proceeds Currency"),
        delimiter="\t",
        line_end="\r\n",
        date=lambda d: f"{d:%m/%d/%Y}",
        territory=lambda t: t.lower(),
        isrc=lambda i: f"{i[:2]}-{i[2:5]}-{i[5:7]}-{i[7:]}",
        money=_micros,
    ),
    "deezer": ReportFormat(
        platform="deezer",
        file_name=lambda month: f"deezer_streams_{month:%Y%m}.csv",
        header=("Day", "Territory", "ISRC", "Title", "Artist", "Streams", "Revenue", "Currency"),
        delimiter=";",
        line_end="\n",
        date=lambda d: f"{d:%d/%m/%Y}",
        territory=lambda t: t,
        isrc=lambda i: i,
        money=lambda m: _micros(m, ","),
    ),
}
