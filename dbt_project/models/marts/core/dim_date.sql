with spine as (

    {{ date_spine(var('date_spine_start'), var('date_spine_end')) }}

),

final as (

    select
        date_day,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(quarter from date_day) as integer) as quarter_number,
        cast(extract(month from date_day) as integer) as month_number,
        {{ month_start('date_day') }} as month_start_date,
        cast(extract(week from date_day) as integer) as iso_week_number,
        cast(extract(isodow from date_day) as integer) as iso_day_of_week,
        extract(isodow from date_day) in (6, 7) as is_weekend

    from spine

)

select * from final
