with source as (

    select * from {{ source('fx', 'monthly_rates') }}

),

renamed as (

    select
        cast(rate_month as date) as rate_month,
        upper(trim(currency)) as currency,
        cast(eur_per_unit as decimal(18, 6)) as eur_per_unit,
        _file_name as file_name,
        _line_number as line_number

    from source

)

select * from renamed
