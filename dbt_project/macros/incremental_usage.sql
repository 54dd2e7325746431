{#- The daily incremental path. Two kinds of incremental model hold usage lines:

    1. By batch (int_usage_daily_unioned, int_usage_unified): a landed batch's lines never change, so a build
       inserts the lines of current batches not stored yet and deletes the lines of the batches they supersede
       (a restatement replaces its period's earlier version). prepare_batch_rebuild + new_batches_filter.

    2. By slice (fct_usage_daily, fct_usage): a fact's line also depends on the catalogue and the entity
       resolution (label, match), so a build rebuilds every line that
       - falls in the date window passed as --vars '{usage_from: YYYY-MM-DD, usage_to: YYYY-MM-DD}' (Dagster's
         daily partitions and backfills pass theirs);
       - belongs to a platform-month of a batch that landed since the fact was last built (a late file for a
         past date, a restatement of a past month);
       - reports a recording whose mapping changed since then: the model's mapping query says what each
         reported recording resolves to now (its recording, its label), and the mapping as the last build used
         it is kept beside the model (save_usage_mapping, a post-hook), so the change is a difference of two
         small tables, not a scan of every stored line;
       and deletes the lines of the batches the new ones supersede. prepare_usage_rebuild + usage_rebuild_filter.

    What is rebuilt is decided BEFORE anything is deleted: the model's SQL is compiled (which runs these
    read-only queries) before its pre-hook runs, and the pre-hook asks the same questions of the same state, so
    the insert returns exactly the lines the delete removed, rebuilt: an incremental build ends where a full
    refresh would (tests/e2e/test_incremental.py compares them row for row). The answers are written into the
    SQL as literals (batch ids, date ranges, ISRCs), so the warehouse prunes its scans to the blocks that hold
    them instead of probing every stored line: a day's build reads a day.

    Which batches are new is read from the landing time: rows are stored in landing order, so the batches
    landed since the newest stored one (less a day: loads that commit out of order) are the only candidates,
    and checking which of them are stored reads only the last day's rows. -#}

{#- The ledger's source names of the usage each line table holds. -#}
{% macro daily_feed_sources() %}{{ return(['spotify', 'apple_music', 'deezer']) }}{% endmacro %}

{% macro unified_usage_sources() %}
    {{ return(daily_feed_sources() + ['dsr_spotify', 'dsr_apple_music', 'dsr_amazon_music', 'dsr_deezer', 'itunes',
                                      'beatport', 'youtube', 'tiktok', 'instagram']) }}
{% endmacro %}

{% macro _literals(values) -%}
    ('{{ values | join("', '") }}')
{%- endmacro %}

{#- The current batches of the named sources (the ledger's source names) not stored in this model yet; `stamp`
    is the model's landing-time column. Empty outside an incremental build. -#}
{% macro new_current_batches(deliveries_relation, sources, stamp) %}
    {%- if not (execute and is_incremental()) %}{{ return([]) }}{% endif %}
    {%- set newest = run_query("select max(" ~ stamp ~ ") from " ~ this).rows[0][0] %}
    {%- set query = "select batch_id from " ~ deliveries_relation ~ " where is_current and source_name in "
                    ~ _literals(sources) %}
    {%- if newest is not none %}
        {#- as a literal, so the scan of the stored rows is pruned to the last day's blocks; whole seconds, which
            every warehouse parses -#}
        {%- set since = (newest - modules.datetime.timedelta(days=1)).replace(microsecond=0).isoformat(sep=' ') %}
        {%- set query = query ~ " and landed_at >= cast('" ~ since ~ "' as timestamp) and batch_id not in (select "
                        ~ "distinct batch_id from " ~ this ~ " where " ~ stamp ~ " >= cast('" ~ since
                        ~ "' as timestamp))" %}
    {%- endif %}
    {#- by rows: an empty result has no columns on dbt-clickhouse -#}
    {{ return(run_query(query ~ " order by batch_id").rows | map(attribute=0) | list) }}
{% endmacro %}

{#- The batches the given (new, current) ones supersede: earlier versions of their periods. -#}
{% macro superseded_batches(deliveries_relation, batches) %}
    {%- if not batches %}{{ return([]) }}{% endif %}
    {%- set found = run_query("select batch_id from " ~ deliveries_relation ~ " where not is_current and "
                              ~ "superseded_by_batch_id in " ~ _literals(batches) ~ " order by batch_id") %}
    {{ return(found.rows | map(attribute=0) | list) }}
{% endmacro %}

{% macro prepare_batch_rebuild(deliveries_relation, sources, stamp='loaded_at') %}
    {%- if is_incremental() %}
    {%- set gone = superseded_batches(deliveries_relation, new_current_batches(deliveries_relation, sources, stamp)) %}
    {%- if gone %}
    delete from {{ this }} where batch_id in {{ _literals(gone) }}
    {%- endif %}
    {%- endif %}
{% endmacro %}

{#- Appended to the model's own `where batch_id in (current batches)`: only the new ones. -#}
{% macro new_batches_filter(alias, deliveries_relation, sources, stamp='loaded_at') %}
    {%- if is_incremental() %}
    {%- set batches = new_current_batches(deliveries_relation, sources, stamp) %}
    and {% if batches %}{{ alias }}.batch_id in {{ _literals(batches) }}{% else %}false{% endif %}
    {%- endif %}
{% endmacro %}

{#- Where a slice-incremental model keeps the mapping its last build used: beside the deliveries (the
    intermediate schema, which is not served). -#}
{% macro usage_mapping_relation(deliveries_relation) %}
    {{ return(api.Relation.create(database=deliveries_relation.database, schema=deliveries_relation.schema,
                                  identifier=this.identifier ~ '__mapping_as_built')) }}
{% endmacro %}

{#- Post-hook: keep the mapping this build used (replacing the previous one). -#}
{% macro save_usage_mapping(deliveries_relation, mapping) %}
    {%- set relation = usage_mapping_relation(deliveries_relation) %}
    {%- do run_query("drop table if exists " ~ relation) %}
    {%- do run_query(create_plain_table_as(relation, mapping)) %}
{% endmacro %}

{% macro create_plain_table_as(relation, sql) %}
    {{ return(adapter.dispatch('create_plain_table_as', 'tunemantra')(relation, sql)) }}
{% endmacro %}

{% macro default__create_plain_table_as(relation, sql) -%}
    create table {{ relation }} as {{ sql }}
{%- endmacro %}

{% macro clickhouse__create_plain_table_as(relation, sql) -%}
    create table {{ relation }} engine = MergeTree order by tuple() as {{ sql }}
{%- endmacro %}

{#- The reported recordings (the mapping's `mapping_key`) whose mapping differs from the last build's; none when
    there was no last build to compare with (then every line is rebuilt). -#}
{% macro changed_mapping_keys(deliveries_relation, mapping) %}
    {%- set built = usage_mapping_relation(deliveries_relation) %}
    {%- if adapter.get_relation(database=built.database, schema=built.schema, identifier=built.identifier) is none %}
        {{ return(none) }}
    {%- endif %}
    {%- set found = run_query("with now_mapped as (" ~ mapping ~ "), built as (select * from " ~ built ~ ")"
        ~ " select distinct mapping_key from ((select * from now_mapped except select * from built)"
        ~ " union all (select * from built except select * from now_mapped)) as differences order by 1") %}
    {{ return(found.rows | map(attribute=0) | list) }}
{% endmacro %}

{#- What a slice-incremental build rebuilds: {'months': [(platform_code, 'YYYY-MM-01'), ...], 'isrcs': [...] or
    none (everything), 'gone': [superseded batch ids]}. source_relation: the lines the fact is built from
    (platform_code, usage_date, batch_id, loaded_at) and sources the ledger's names of their deliveries; the
    fact's own landing-time column is landed_at. -#}
{% macro usage_rebuild_scope(source_relation, deliveries_relation, sources, mapping) %}
    {%- if not (execute and is_incremental()) %}{{ return({'months': [], 'isrcs': [], 'gone': []}) }}{% endif %}
    {%- set new = new_current_batches(deliveries_relation, sources, 'landed_at') %}
    {%- set months = [] %}
    {%- if new %}
        {%- set first_landed = run_query("select min(landed_at) from " ~ deliveries_relation ~ " where batch_id in "
                                         ~ _literals(new)).rows[0][0] %}
        {%- set months = run_query("select distinct platform_code, cast(" ~ month_start('usage_date')
            ~ " as varchar) from " ~ source_relation ~ " where loaded_at >= cast('"
            ~ first_landed.replace(microsecond=0).isoformat(sep=' ') ~ "' as timestamp) and batch_id in " ~ _literals(new)
            ~ " order by 1, 2").rows | map('list') | list %}
    {%- endif %}
    {{ return({'months': months, 'isrcs': changed_mapping_keys(deliveries_relation, mapping),
               'gone': superseded_batches(deliveries_relation, new)}) }}
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
    {%- if scope['isrcs'] is none -%}
        {%- do terms.append("true") -%}
    {%- elif scope['isrcs'] -%}
        {%- do terms.append("coalesce(" ~ prefix ~ isrc_column ~ ", '') in " ~ _literals(scope['isrcs'])) -%}
    {%- endif -%}
    ({{ terms | join('\n        or ') if terms else 'false' }})
{%- endmacro %}

{% macro prepare_usage_rebuild(source_relation, deliveries_relation, sources, mapping, isrc_column='isrc') %}
    {%- if is_incremental() %}
    {%- set scope = usage_rebuild_scope(source_relation, deliveries_relation, sources, mapping) %}
    delete from {{ this }}
    where {{ usage_rebuild_predicate(scope, isrc_column) }}
    {%- if scope['gone'] %}
        or batch_id in {{ _literals(scope['gone']) }}
    {%- endif %}
    {%- endif %}
{% endmacro %}

{#- The model's filter matching prepare_usage_rebuild. -#}
{% macro usage_rebuild_filter(alias, source_relation, deliveries_relation, sources, mapping, isrc_column='isrc') %}
    {%- if is_incremental() %}
    where {{ usage_rebuild_predicate(usage_rebuild_scope(source_relation, deliveries_relation, sources, mapping),
                                     isrc_column, alias) }}
    {%- endif %}
{% endmacro %}

{#- fct_usage_daily matches by exact ISRC: a reported recording's line depends on whether the catalogue holds
    it and on its label. -#}
{% macro fct_usage_daily_mapping(tracks_relation) -%}
    select isrc as mapping_key, coalesce(label_key, '') as label_key from {{ tracks_relation }}
{%- endmacro %}

{#- fct_usage resolves daily-feed lines through the entity resolution (a new override or catalogue entry can
    re-match them) and the other families by exact ISRC: a reported recording's lines depend on the recordings
    it resolves to and their labels. (label_key_at_usage follows dim_track_history; a label transfer also moves
    label_key, which is in the mapping.) -#}
{% macro fct_usage_mapping(resolutions_relation, tracks_relation) -%}
    select
        coalesce(resolutions.isrc, '') as mapping_key,
        'resolved' as matched_by,
        coalesce(resolutions.resolved_isrc, '') as resolved_isrc,
        coalesce(tracks.label_key, '') as label_key
    from {{ resolutions_relation }} as resolutions
    left join {{ tracks_relation }} as tracks on tracks.isrc = resolutions.resolved_isrc
    union all
    select isrc as mapping_key, 'exact_isrc' as matched_by, isrc as resolved_isrc, coalesce(label_key, '') as label_key
    from {{ tracks_relation }}
{%- endmacro %}
