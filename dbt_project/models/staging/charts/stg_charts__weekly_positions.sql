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
        _batch_id as batch_id,
        _file_name as file_name,
        _line_number as line_number,
        _delivery_version as delivery_version,
        _loaded_at as loaded_at

    from source

)

select * from renamed
