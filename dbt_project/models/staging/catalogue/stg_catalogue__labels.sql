with source as (

    select * from {{ source('catalogue', 'labels') }}

),

renamed as (

    select
        trim(label_id) as label_id,
        trim(label_name) as label_name,
        trim(parent_label_id) as parent_label_id,
        trim(distributor) as distributor_name,
        _batch_id as batch_id,
        _file_name as file_name,
        _line_number as line_number,
        _delivery_version as delivery_version,
        _loaded_at as loaded_at

    from source

)

select * from renamed
