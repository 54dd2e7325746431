{#- Grain: one row per label or sub-label. The hierarchy is distributor -> label -> sub-label: a row names its
    parent label (NULL for a top-level label), the top-level label it rolls up to (itself for a top-level label)
    and its distributor. labels.csv is the master list (its latest export); a label the tracks name but
    labels.csv lacks is added from the tracks so that every track's label has a row. label_key is the key
    dim_track and the facts carry: the label's name (see the label_key macro). -#}
with labels as (

    select * from {{ ref('stg_catalogue__labels') }}

),

tracks as (

    select * from {{ ref('stg_catalogue__tracks') }}

),

labels_ranked as (

    select
        *,
        row_number() over (partition by label_id order by loaded_at desc, batch_id desc) as export_recency

    from labels

),

labels_latest as (

    select label_id, label_name, parent_label_id, distributor_name, 'labels_export' as label_source
    from labels_ranked
    where export_recency = 1

),

labels_named_by_tracks as (

    {#- the owning label (top level) and, when any, its sub-label as the tracks write them -#}
    select distinct
        case when sub_label_name is null then label_id end as label_id,
        label_name,
        cast(null as {{ dbt.type_string() }}) as parent_label_name,
        distributor_name
    from tracks

    union all

    select distinct
        label_id,
        sub_label_name as label_name,
        label_name as parent_label_name,
        distributor_name
    from tracks
    where sub_label_name is not null

),

labels_missing_from_export as (

    select
        coalesce(
            labels_named_by_tracks.label_id,
            min(labels_named_by_tracks.label_id) over (partition by labels_named_by_tracks.label_name)
        ) as label_id,
        labels_named_by_tracks.label_name,
        parents.label_id as parent_label_id,
        labels_named_by_tracks.parent_label_name,
        labels_named_by_tracks.distributor_name

    from labels_named_by_tracks
    left join labels_latest as parents on parents.label_name = labels_named_by_tracks.parent_label_name
    where labels_named_by_tracks.label_name not in (select label_name from labels_latest)

),

all_labels as (

    select
        labels_latest.label_id,
        labels_latest.label_name,
        labels_latest.parent_label_id,
        parents.label_name as parent_label_name,
        labels_latest.distributor_name,
        labels_latest.label_source

    from labels_latest
    left join labels_latest as parents on parents.label_id = labels_latest.parent_label_id

    union all

    select distinct
        label_id,
        label_name,
        parent_label_id,
        parent_label_name,
        distributor_name,
        'catalogue_tracks' as label_source

    from labels_missing_from_export

),

with_ancestors as (

    {#- up to three levels of labels: a label, its parent and its grandparent -#}
    select
        labels.*,
        grandparents.parent_label_name as grandparent_label_name

    from all_labels as labels
    left join all_labels as grandparents on grandparents.label_name = labels.parent_label_name

),

final as (

    select
        {{ label_key('label_name') }} as label_key,
        label_id,
        label_name,
        case when parent_label_name is not null then {{ label_key('parent_label_name') }} end as parent_label_key,
        parent_label_id,
        parent_label_name,
        {{ label_key('coalesce(grandparent_label_name, parent_label_name, label_name)') }} as top_label_key,
        coalesce(grandparent_label_name, parent_label_name, label_name) as top_label_name,
        {{ surrogate_key(['distributor_name']) }} as distributor_key,
        distributor_name,
        cast(case
            when parent_label_name is null then 1
            when grandparent_label_name is null then 2
            else 3
        end as integer) as hierarchy_level,
        parent_label_name is null as is_top_level,
        distributor_name
            || coalesce(' > ' || grandparent_label_name, '')
            || coalesce(' > ' || parent_label_name, '')
            || ' > ' || label_name as label_path,
        label_source

    from with_ancestors

)

select * from final
