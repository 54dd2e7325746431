with source as (

    select * from {{ source('charts', 'weekly_positions') }}

),

renamed as (

    select
        cast(chart_week_ending as date) as chart_week_ending,
        upper(trim(territory_code)) as territory_code,
        cast(this_week as integer) as chart_position,
        cast(last_week as integer) as previous_position,
        cast(peak as integer) as peak_position,
        cast(weeks_on_chart as integer) as weeks_on_chart,
        trim(title) as track_title,
        trim(artist) as artist_name,
        trim(label_name) as label_name,
        {{ lineage_columns() }}

    from source

)

select * from renamed
