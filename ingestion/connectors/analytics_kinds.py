"""Values the analytics connectors share (the column kinds themselves live in ingestion/fields.py)."""

PLATFORM_CODES = ("spotify", "apple_music", "deezer")
TERRITORY = "ISO 3166-1 alpha-2 territory"
