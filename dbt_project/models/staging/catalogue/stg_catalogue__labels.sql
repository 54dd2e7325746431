with source as (

    select * from {{ source('catalogue', 'labels') }}

),

renamed as (

    select
        trim(label_id) as label_id,
        trim(label_name) as label_name,
        trim(parent_label_id) as parent_label_id,
        trim(distributor) as distributor_name,
        {{ lineage_columns() }}

    from source

)

select * from renamed
