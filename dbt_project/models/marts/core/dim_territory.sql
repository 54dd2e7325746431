with territories as (

    select * from {{ ref('territories') }}

),

final as (

    select
        {{ surrogate_key(['territory_code']) }} as territory_key,
        territory_code,
        territory_name,
        region,
        sub_region

    from territories

)

select * from final
