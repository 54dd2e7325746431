{#- The current catalogue: one row per track, from the latest export that carries it. -#}
with track_exports as (

    select * from {{ ref('stg_catalogue__track_exports') }}

),

ranked as (

    {#- a later export restates the catalogue (title corrections, label transfers). Exports are ordered by the
        date in their file name, the undated initial export first, then by landing time: files do not
        necessarily land in the order they were exported. The history of changes is dim_track_history's job. -#}
    select
        *,
        row_number() over (
            partition by isrc
            order by
                case when export_date is null then 0 else 1 end desc,
                export_date desc,
                loaded_at desc,
                file_name desc
        ) as export_recency

    from track_exports

),

latest_export as (

    select
        isrc,
        track_title,
        artist_name,
        release_title,
        upc,
        release_date,
        label_name,
        sub_label_name,
        distributor_name,
        label_id,
        iswc,
        genre,
        duration_seconds,
        export_date,
        batch_id,
        file_name,
        line_number,
        loaded_at

    from ranked
    where export_recency = 1

)

select * from latest_export
