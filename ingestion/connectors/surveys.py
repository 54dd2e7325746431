"""Consumer-panel survey waves (ingestion/generator/families/surveys.py): respondents and the shares who know
and who streamed each artist, per territory, age band and gender. ``respondents`` repeats over the artists of a
cell: count a cell once when summing respondents."""

from __future__ import annotations

from ingestion import fields as f
from ingestion.connectors.analytics_kinds import TERRITORY
from ingestion.contract import Connector
from ingestion.fields import one_of, share

SURVEYS = Connector(
    source="surveys",
    table="surveys__artist_awareness",
    file_patterns=("survey_wave_*.csv",),
    name_pattern=r"survey_wave_(?P<period>\d{4}-Q[1-4])\.csv$",
    header=("wave", "fieldwork_start", "fieldwork_end", "country", "age_band", "gender", "artist_ref", "artist",
            "respondents", "aware_share", "streamed_last_month_share"),
    fields=(
        f.text("wave"),
        f.date("fieldwork_start", "%Y-%m-%d"),
        f.date("fieldwork_end", "%Y-%m-%d"),
        f.code("territory_code", 2, TERRITORY),
        one_of("age_band", ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")),
        one_of("gender", ("female", "male", "non-binary")),
        f.text("artist_ref"),
        f.text("artist_name"),
        f.integer("respondents", minimum=1),
        share("aware_share"),
        share("streamed_last_month_share"),
    ),
)
