-- the churn model's scores (ml.churn_scores) with the label each scored track or artist belongs to, so that a
-- label's users see their own: a track's label from dim_track; an artist's only when every catalogue track of the
-- artist is on one label (an artist recording for several labels is scored on all of them: platform admins only)
with scores as (
    select * from {{ source('ml', 'churn_scores') }}
),

tracks as (
    select * from {{ ref('dim_track') }}
),

single_label_artists as (
    select
        artist_key,
        min(label_key) as label_key,
        min(label_name) as label_name
    from tracks
    group by artist_key
    having count(distinct label_key) = 1
),

labelled as (
    -- an ISRC never equals an artist_key (a 32-digit hex digest): each score meets at most one of the two
    select
        scores.*,
        coalesce(tracks.label_key, single_label_artists.label_key) as label_key,
        coalesce(tracks.label_name, single_label_artists.label_name) as label_name
    from scores
    left join tracks
        on scores.entity_id = tracks.isrc
    left join single_label_artists
        on scores.entity_id = single_label_artists.artist_key
)

select
    cast(entity_type as varchar) as entity_type,
    cast(entity_id as varchar) as entity_id,
    cast(entity_name as varchar) as entity_name,
    label_key,
    label_name,
    cast(as_of_date as date) as as_of_date,
    cast(churn_probability as double precision) as churn_probability,
    cast(risk_band as varchar) as risk_band,
    cast(top_reason as varchar) as top_reason
from labelled
