{#- The daily incremental path. Two kinds of incremental model hold usage lines:

    1. By batch (int_usage_daily_unioned, int_usage_unified): a landed batch's lines never change, so a build
       deletes the lines of batches that stopped counting (superseded by a restatement) and inserts the lines of
       current batches not stored yet. prepare_batch_rebuild + new_batches_filter.

    2. By slice (fct_usage_daily, fct_usage): a fact's line also depends on the catalogue (label, match), so a
       build rebuilds every line that
       - falls in the date window passed as --vars '{usage_from: YYYY-MM-DD, usage_to: YYYY-MM-DD}' (Dagster's
         daily partitions and backfills pass theirs);
       - belongs to a platform-month a batch landed since the fact was last built (a late file for a past date,
         a restatement of a past month);
       - reports a recording whose resolution or label changed since then (the model's changed_isrcs query);
       and deletes the lines of superseded batches. prepare_usage_rebuild + usage_rebuild_filter.

    What is rebuilt is decided BEFORE anything is deleted: the model's SQL is compiled (which runs these
    read-only queries) before its pre-hook runs, and the pre-hook asks the same questions of the same state, so
    the insert returns exactly the lines the delete removed, rebuilt: an incremental build ends where a full
    refresh would (tests/e2e/test_incremental.py compares them row for row). The answers are written into the
    SQL as literals (batch numbers, date ranges, ISRCs), so the warehouse prunes its scans to the blocks that
    hold them instead of probing every stored line: a day's build reads a day. -#}

{#- The current batches of the named sources not stored yet (empty outside an incremental build). -#}
{% macro new_current_batches(deliveries_relation, sources) %}
    {%- if not (execute and is_incremental()) %}{{ return([]) }}{% endif %}
    {%- set found = run_query("select batch_id from " ~ deliveries_relation ~ " where is_current and source_name in ('"
                              ~ sources | join("', '") ~ "') and batch_id not in (select distinct batch_id from "
                              ~ this ~ ") order by batch_id") %}
    {#- by rows: an empty result has no columns on dbt-clickhouse -#}
    {{ return(found.rows | map(attribute=0) | list) }}
{% endmacro %}

{% macro prepare_batch_rebuild(deliveries_relation) %}
    {%- if is_incremental() %}
    delete from {{ this }}
    where batch_id not in (select batch_id from {{ deliveries_relation }} where is_current)
    {%- endif %}
{% endmacro %}

{#- Appended to the model's own `where batch_id in (current batches)`: only the batches of its sources (the
    ledger's source names) not stored yet. -#}
{% macro new_batches_filter(alias, deliveries_relation, sources) %}
    {%- if is_incremental() %}
    {%- set batches = new_current_batches(deliveries_relation, sources) %}
    and {% if batches %}{{ alias }}.batch_id in ('{{ batches | join("', '") }}'){% else %}false{% endif %}
    {%- endif %}
{% endmacro %}

{#- What a slice-incremental build rebuilds: {'months': [(platform_code, 'YYYY-MM-01'), ...], 'isrcs': [...]}.
    source_relation: the lines the fact is built from (platform_code, usage_date, batch_id); changed_isrcs: a
    query returning `isrc` (a reported ISRC, '' for lines reported without one) of every recording whose stored
    resolution or label differs from the catalogue's now (it reads {{ this }}). -#}
{% macro usage_rebuild_scope(source_relation, deliveries_relation, changed_isrcs) %}
    {%- if not (execute and is_incremental()) %}{{ return({'months': [], 'isrcs': []}) }}{% endif %}
    {%- set months = run_query("select distinct platform_code, cast(" ~ month_start('usage_date') ~ " as varchar)"
        ~ " from " ~ source_relation ~ " where batch_id in (select batch_id from " ~ deliveries_relation
        ~ " where is_current and landed_at > (select coalesce(max(landed_at), cast('1900-01-01' as timestamp))"
        ~ " from " ~ this ~ ")) order by 1, 2") %}
    {%- set isrcs = run_query(changed_isrcs) %}
    {{ return({'months': months.rows | map('list') | list, 'isrcs': isrcs.rows | map(attribute=0) | list}) }}
{% endmacro %}

{#- The lines a build rebuilds, as a predicate of literals: the window's days, the new batches' platform-months
    (each a date range, so blocks outside it are skipped), the changed recordings. isrc_column: the reported
    ISRC. -#}
{% macro usage_rebuild_predicate(scope, isrc_column, alias=none) %}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {%- set usage_from = var('usage_from', none) -%}
    {%- set usage_to = var('usage_to', usage_from) -%}
    {%- set terms = [] -%}
    {%- if usage_from -%}
        {%- do terms.append(prefix ~ "usage_date between cast('" ~ usage_from ~ "' as date) and cast('"
                            ~ usage_to ~ "' as date)") -%}
    {%- endif -%}
    {%- for platform_code, month in scope['months'] -%}
        {%- set first = modules.datetime.date.fromisoformat(month[:10]) -%}
        {%- set following = (first.replace(day=28) + modules.datetime.timedelta(days=4)).replace(day=1) -%}
        {%- do terms.append("(" ~ prefix ~ "platform_code = '" ~ platform_code ~ "' and " ~ prefix ~ "usage_date >= cast('"
                            ~ first ~ "' as date) and " ~ prefix ~ "usage_date < cast('" ~ following ~ "' as date))") -%}
    {%- endfor -%}
    {%- if scope['isrcs'] -%}
        {%- do terms.append("coalesce(" ~ prefix ~ isrc_column ~ ", '') in ('" ~ scope['isrcs'] | join("', '") ~ "')") -%}
    {%- endif -%}
    ({{ terms | join('\n        or ') if terms else 'false' }})
{%- endmacro %}

{% macro prepare_usage_rebuild(source_relation, deliveries_relation, changed_isrcs, isrc_column='isrc') %}
    {%- if is_incremental() %}
    {%- set scope = usage_rebuild_scope(source_relation, deliveries_relation, changed_isrcs) %}
    delete from {{ this }}
    where {{ usage_rebuild_predicate(scope, isrc_column) }}
        or batch_id in (select batch_id from {{ deliveries_relation }} where not is_current)
    {%- endif %}
{% endmacro %}

{#- The model's filter matching prepare_usage_rebuild. -#}
{% macro usage_rebuild_filter(alias, source_relation, deliveries_relation, changed_isrcs, isrc_column='isrc') %}
    {%- if is_incremental() %}
    where {{ usage_rebuild_predicate(usage_rebuild_scope(source_relation, deliveries_relation, changed_isrcs),
                                     isrc_column, alias) }}
    {%- endif %}
{% endmacro %}

{#- fct_usage_daily matches by exact ISRC: a recording changed when it entered or left the catalogue or moved to
    another label. -#}
{% macro fct_usage_daily_changed_isrcs(tracks_relation) %}
    with stored as (
        select distinct isrc, label_key, is_catalogue_match from {{ this }}
    )
    select distinct coalesce(stored.isrc, '') as isrc
    from stored
    left join {{ tracks_relation }} as tracks on tracks.isrc = stored.isrc
    where (tracks.isrc is not null) <> stored.is_catalogue_match
        or coalesce(tracks.label_key, '') <> coalesce(stored.label_key, '')
{%- endmacro %}

{#- fct_usage resolves daily-feed lines through the entity resolution (a new override or catalogue entry can
    re-match them) and the other families by exact ISRC: a reported recording changed when the set of
    (resolved recording, label) it maps to now differs from the stored one. (label_key_at_usage follows
    dim_track_history; a label transfer also moves label_key, which is what is compared.) -#}
{% macro fct_usage_changed_isrcs(resolutions_relation, tracks_relation) %}
    with stored as (
        select distinct
            source_family = 'daily_feed' as is_daily_feed,
            coalesce(reported_isrc, '') as reported_isrc,
            coalesce(isrc, '') as resolved_isrc,
            coalesce(label_key, '') as label_key
        from {{ this }}
    ),
    tracks as (
        select isrc, label_key from {{ tracks_relation }}
    ),
    daily_now as (
        select distinct
            true as is_daily_feed,
            coalesce(resolutions.isrc, '') as reported_isrc,
            coalesce(resolutions.resolved_isrc, '') as resolved_isrc,
            coalesce(tracks.label_key, '') as label_key
        from {{ resolutions_relation }} as resolutions
        left join tracks on tracks.isrc = resolutions.resolved_isrc
    ),
    exact_now as (
        select distinct
            false as is_daily_feed,
            stored.reported_isrc,
            case when tracks.isrc is not null then stored.reported_isrc else '' end as resolved_isrc,
            coalesce(tracks.label_key, '') as label_key
        from stored
        left join tracks on tracks.isrc = stored.reported_isrc
        where not stored.is_daily_feed
    ),
    now_mapped as (
        select * from daily_now
        union all
        select * from exact_now
    ),
    differences as (
        (select * from stored except select * from now_mapped)
        union all
        (select * from now_mapped except select * from stored)
    )
    select distinct reported_isrc as isrc from differences
{%- endmacro %}
