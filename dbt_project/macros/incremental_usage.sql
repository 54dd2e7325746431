{#- What an incremental build of a daily usage fact rebuilds, decided BEFORE anything is deleted and kept in a
    temporary table of (platform_code, usage_date) slices:
    - the date window passed as --vars '{usage_from: YYYY-MM-DD, usage_to: YYYY-MM-DD}' (Dagster's daily
      partitions and backfills pass theirs);
    - every platform-month that a batch landed since the fact was last built belongs to (a late file for a past
      date, a restatement of a past month);
    - every day holding a recording whose catalogue attributes (label, match) changed since then.
    Rows of superseded batches are deleted too. The model's select returns exactly the rows of these slices,
    so an incremental build ends where a full refresh would (tests/e2e/test_incremental.py). -#}
{% macro prepare_usage_rebuild(source_relation, tracks_relation, deliveries_relation) %}
    {%- if is_incremental() %}
    {%- set usage_from = var('usage_from', none) %}
    {%- set usage_to = var('usage_to', usage_from) %}
    drop table if exists _tm_usage_rebuild;
    create temporary table _tm_usage_rebuild as
    with built as (
        select max(landed_at) as built_until from {{ this }}
    ),
    new_batches as (
        select batch_id from {{ deliveries_relation }}, built
        where is_current and (built.built_until is null or landed_at > built.built_until)
    ),
    new_months as (
        select distinct platform_code, {{ month_start('usage_date') }} as usage_month
        from {{ source_relation }}
        where batch_id in (select batch_id from new_batches)
    ),
    stored_tracks as (
        select distinct isrc, label_key, is_catalogue_match from {{ this }}
    ),
    changed_tracks as (
        select stored_tracks.isrc
        from stored_tracks
        left join {{ tracks_relation }} as tracks on tracks.isrc = stored_tracks.isrc
        where (tracks.isrc is not null) <> stored_tracks.is_catalogue_match
            or coalesce(tracks.label_key, '') <> coalesce(stored_tracks.label_key, '')
    )
    select distinct platform_code, usage_date from {{ this }}
    where (platform_code, {{ month_start('usage_date') }}) in (select platform_code, usage_month from new_months)
        {%- if usage_from %}
        or usage_date between cast('{{ usage_from }}' as date) and cast('{{ usage_to }}' as date)
        {%- endif %}
        or isrc in (select isrc from changed_tracks)
    union
    select distinct platform_code, usage_date from {{ source_relation }}
    where (platform_code, {{ month_start('usage_date') }}) in (select platform_code, usage_month from new_months)
        {%- if usage_from %}
        or usage_date between cast('{{ usage_from }}' as date) and cast('{{ usage_to }}' as date)
        {%- endif %};
    delete from {{ this }}
    where (platform_code, usage_date) in (select platform_code, usage_date from _tm_usage_rebuild)
        or batch_id in (select batch_id from {{ deliveries_relation }} where not is_current);
    {%- endif %}
{% endmacro %}

{#- The model's filter matching prepare_usage_rebuild: only the slices being rebuilt. -#}
{% macro usage_rebuild_filter(alias) %}
    {%- if is_incremental() %}
    where ({{ alias }}.platform_code, {{ alias }}.usage_date) in (
        select platform_code, usage_date from _tm_usage_rebuild)
    {%- endif %}
{% endmacro %}
