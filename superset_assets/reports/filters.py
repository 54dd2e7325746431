"""The reporting dimensions as native filters, shared by the dashboards: each filter reads its options from one
dataset and acts on every chart of the dashboard whose dataset has the column (model.NativeFilter)."""

from superset_assets.model import Dataset, NativeFilter, select_filter, time_filter


def time_range(description: str = "Reporting period") -> NativeFilter:
    return time_filter(description)


def label(ds: Dataset) -> NativeFilter:
    return select_filter("label", "Label", ds, "label_name", description="Record label")


def drill_down(ds: Dataset, *, release: str = "release_title", track: str | None = "track_title"
               ) -> tuple[NativeFilter, ...]:
    """Label -> artist -> release -> track: each filter's options follow the one above it."""
    out = [label(ds), select_filter("artist", "Artist", ds, "artist_name", parent="label", description="Artist")]
    if release:
        out.append(select_filter("release", "Release", ds, release, parent="artist", description="Release"))
    if track:
        out.append(select_filter("track", "Track", ds, track, parent="release" if release else "artist",
                                 description="Recording"))
    return tuple(out)


def platform(ds: Dataset, column: str = "platform_name") -> NativeFilter:
    return select_filter("platform", "Platform", ds, column, description="Streaming platform or store")


def territory(ds: Dataset, column: str = "territory_name") -> NativeFilter:
    return select_filter("territory", "Territory", ds, column, description="Country")


def region(ds: Dataset) -> NativeFilter:
    return select_filter("region", "Region", ds, "region", description="World region")


def genre(ds: Dataset) -> NativeFilter:
    return select_filter("genre", "Genre", ds, "genre", description="Catalogue genre")
