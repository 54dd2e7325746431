with platforms as (

    select * from {{ ref('platforms') }}

),

final as (

    select
        {{ surrogate_key(['platform_code']) }} as platform_key,
        platform_code,
        platform_name,
        service_type,
        access_method,
        tiers,
        payout_currency,
        stream_counting_rule

    from platforms

)

select * from final
