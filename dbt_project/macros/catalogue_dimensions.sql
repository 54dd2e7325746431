{#- Shared definitions of the catalogue's dimensions (models/marts/core/dim_*.sql), so a fact or another
    dimension computes the very same key. -#}

{#- The date a dated export writes in its file name (catalogue_tracks_2026-05-01.csv -> 2026-05-01); NULL when
    the name carries none (the initial, undated export). regexp_replace returns the input unchanged when the
    pattern does not match, hence the nullif. -#}
{% macro date_in_file_name(column) -%}
    {{ return(adapter.dispatch('date_in_file_name', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__date_in_file_name(column) -%}
    cast(nullif(
        regexp_replace({{ column }}, '^.*[^0-9]([0-9]{4}-[0-9]{2}-[0-9]{2})\.[A-Za-z]+$', '\1'),
        {{ column }}
    ) as date)
{%- endmacro %}

{% macro clickhouse__date_in_file_name(column) -%}
    toDateOrNull(nullIf(
        replaceRegexpOne({{ column }}, '^.*[^0-9]([0-9]{4}-[0-9]{2}-[0-9]{2})\\.[A-Za-z]+$', '\\1'),
        {{ column }}
    ))
{%- endmacro %}

{#- The main artist of a credit as written, without its featured artists: "Zoë Marceau feat. 佐藤健二" ->
    "Zoë Marceau" (display form; normalize_artist_name gives the matching form). -#}
{% macro main_artist_credit(column) -%}
    trim({{ er_regexp_replace(column, '[[:space:]]+([Ff]eat\\.?|[Ff]t\\.?|[Ff]eaturing)[[:space:]].*$', '') }})
{%- endmacro %}

{#- An artist is a person, not a name: two artists may share one (the two "Nova"s), and only the registrant of
    their ISRCs tells them apart (a label records under its registrant code; a sub-label under its parent's).
    So the key is the main artist's normal form together with the ISRC's country + registrant code. -#}
{% macro artist_key(artist_name_column, isrc_column) -%}
    {{ surrogate_key([primary_artist_name(normalize_artist_name(artist_name_column)), isrc_registrant(isrc_column)]) }}
{%- endmacro %}

{#- The matching form of an artist name as dim_artist stores it (main artist only). -#}
{% macro artist_match_name(artist_name_column) -%}
    {{ primary_artist_name(normalize_artist_name(artist_name_column)) }}
{%- endmacro %}

{#- A label's key: its name, exactly as dim_track has always keyed the owning label (facts join on it). -#}
{% macro label_key(label_name_column) -%}
    {{ surrogate_key([label_name_column]) }}
{%- endmacro %}

{#- A release's key: the GTIN-14 form of its UPC/EAN, so a UPC-A and the 13-digit form of it are one release. -#}
{% macro release_key(upc_column) -%}
    {{ surrogate_key(["lpad(" ~ upc_column ~ ", 14, '0')"]) }}
{%- endmacro %}


{#- The catalogue's artists whose normal-form name no other artist shares, one row per name, with the artist's
    key and label: a source that names an artist without an identifier (a social account, an audience report, a
    marketing export) is matched on the name only where the name identifies one artist; a shared name (the two
    "Nova"s) matches nothing. `artists` is a relation or CTE with artist_name_normalised, artist_key, label_key. -#}
{% macro artists_named_once(artists) -%}
    select
        artist_name_normalised,
        min(artist_key) as artist_key,
        min(label_key) as label_key

    from {{ artists }}
    group by artist_name_normalised
    having count(*) = 1
{%- endmacro %}
