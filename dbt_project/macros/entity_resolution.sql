{#- Entity resolution: identifier validity and the normal forms and similarity that name matching uses
    (models/intermediate/entity_resolution/). shared/domain.md, "Identifiers": identifiers first, names only
    where identifiers are missing or conflict.

    Every macro dispatches: `default__` is DuckDB (the embedded default), `postgres__` and `clickhouse__` are the
    other warehouses. The normal forms are built once, in `normalize_artist_name` / `normalize_track_title` /
    `track_title_version`, from a few dialect primitives (`er_regexp_replace`, `er_regexp_extract`, `ascii_fold`,
    `sort_words`), so the three dialects share one definition of what a normal form is. Regular expressions
    avoid `\b` (a word boundary in RE2, a backspace in PostgreSQL) and `\p{..}` classes (RE2 only): words are
    matched between the spaces of a padded string instead. -#}


{#- ---- identifiers ------------------------------------------------------------------------------------------ -#}

{#- ISO 3901: 2 letters (country element), 3 letters or digits (registrant), 7 digits (year and designation).
    No check digit, so validity is the shape of the canonical form (see normalize_isrc). NULL is not valid. -#}
{% macro is_valid_isrc(column) -%}
    {{ return(adapter.dispatch('is_valid_isrc', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__is_valid_isrc(column) -%}
    coalesce(regexp_full_match({{ normalize_isrc(column) }}, '[A-Z]{2}[A-Z0-9]{3}[0-9]{7}'), false)
{%- endmacro %}

{% macro postgres__is_valid_isrc(column) -%}
    coalesce({{ normalize_isrc(column) }} ~ '^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$', false)
{%- endmacro %}

{% macro clickhouse__is_valid_isrc(column) -%}
    match(coalesce({{ normalize_isrc(column) }}, ''), '^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$')
{%- endmacro %}

{#- The first five characters of a canonical ISRC: country element and registrant. Registrant codes are
    allocated per country, so together they name the registrant (a label, or its distributor). -#}
{% macro isrc_registrant(column) -%}
    substr({{ normalize_isrc(column) }}, 1, 5)
{%- endmacro %}

{#- GS1 GTIN (UPC-A 12, EAN-13 13, GTIN-14 14 digits) with a correct mod-10 check digit: weights 3, 1, 3, …
    from the rightmost data digit, check = (10 - sum mod 10) mod 10. The digits are read from the GTIN-14 form
    (normalize_gtin in identifiers.sql: left-padded with zeros, which changes no weighted sum), so a UPC-A and
    the EAN-13 with a leading 0 are both valid or both not. -#}
{% macro is_valid_gtin(column) -%}
    {{ return(adapter.dispatch('is_valid_gtin', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro _gtin_check_expression(padded, digit) -%}
    (10 - ({% for i in range(1, 14) %}{{ digit(padded, i) }} * {{ 3 if i % 2 == 1 else 1 }}{% if not loop.last %} + {% endif %}{% endfor %}) % 10) % 10 = {{ digit(padded, 14) }}
{%- endmacro %}

{% macro _duckdb_digit(padded, i) -%}try_cast(substr({{ padded }}, {{ i }}, 1) as integer){%- endmacro %}
{% macro _postgres_digit(padded, i) -%}cast(substr({{ padded }}, {{ i }}, 1) as integer){%- endmacro %}
{% macro _clickhouse_digit(padded, i) -%}toUInt8OrZero(substring({{ padded }}, {{ i }}, 1)){%- endmacro %}

{% macro default__is_valid_gtin(column) -%}
    coalesce(regexp_full_match(trim({{ column }}), '[0-9]{12,14}')
        and {{ _gtin_check_expression(normalize_gtin(column), _duckdb_digit) }}, false)
{%- endmacro %}

{% macro postgres__is_valid_gtin(column) -%}
    {#- CASE evaluates lazily in PostgreSQL: no cast of a non-digit -#}
    coalesce(case when trim({{ column }}) ~ '^[0-9]{12,14}$'
        then {{ _gtin_check_expression(normalize_gtin(column), _postgres_digit) }} else false end, false)
{%- endmacro %}

{% macro clickhouse__is_valid_gtin(column) -%}
    (match(coalesce(trim({{ column }}), ''), '^[0-9]{12,14}$')
        and {{ _gtin_check_expression(normalize_gtin(column), _clickhouse_digit) }})
{%- endmacro %}

{#- ---- dialect primitives ---------------------------------------------------------------------------------- -#}

{#- Replace every match of a regular expression (RE2 in DuckDB and ClickHouse, POSIX ARE in PostgreSQL: the
    patterns used here mean the same in both). `pattern` and `replacement` are plain strings; \1 refers to a
    group. -#}
{% macro er_regexp_replace(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('er_regexp_replace', 'tunemantra')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__er_regexp_replace(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern | replace("'", "''") }}', '{{ replacement | replace("'", "''") }}', 'g')
{%- endmacro %}

{% macro clickhouse__er_regexp_replace(expression, pattern, replacement) -%}
    {#- ClickHouse string literals read backslash escapes: double them -#}
    replaceRegexpAll({{ expression }}, '{{ pattern | replace("\\", "\\\\") | replace("'", "''") }}', '{{ replacement | replace("\\", "\\\\") | replace("'", "''") }}')
{%- endmacro %}

{#- The first group of the first match, '' when none. -#}
{% macro er_regexp_extract(expression, pattern) -%}
    {{ return(adapter.dispatch('er_regexp_extract', 'tunemantra')(expression, pattern)) }}
{%- endmacro %}

{% macro default__er_regexp_extract(expression, pattern) -%}
    coalesce(regexp_extract({{ expression }}, '{{ pattern | replace("'", "''") }}', 1), '')
{%- endmacro %}

{% macro postgres__er_regexp_extract(expression, pattern) -%}
    coalesce(substring({{ expression }} from '{{ pattern | replace("'", "''") }}'), '')
{%- endmacro %}

{% macro clickhouse__er_regexp_extract(expression, pattern) -%}
    extract({{ expression }}, '{{ pattern | replace("\\", "\\\\") | replace("'", "''") }}')
{%- endmacro %}

{#- The constants of the normal forms: letters spelt out, accents and capitals (for PostgreSQL), punctuation. -#}
{% macro er_constants() -%}
    {{ return({
        'cyrillic_multi': [('щ', 'shch'), ('ж', 'zh'), ('х', 'kh'), ('ц', 'ts'), ('ч', 'ch'), ('ш', 'sh'),
                           ('ю', 'yu'), ('я', 'ya'), ('ё', 'yo'), ('ъ', ''), ('ь', ''),
                           ('æ', 'ae'), ('œ', 'oe'), ('ß', 'ss'), ('þ', 'th')],
        'single_from': 'абвгдезийклмнопрстуфыэøłđðı',
        'single_to': 'abvgdeziyklmnoprstufyeolddi',
        'accents_from': 'áàâäãåāăąçćčďéèêëēėęěíìîïīįñńňóòôöõōőřśšşťúùûüūůűųýÿźžżğ',
        'accents_to': 'aaaaaaaaacccdeeeeeeeeiiiiiinnnooooooorssstuuuuuuuuyyzzzg',
        'upper_from': 'АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЁÁÀÂÄÃÅĀĂĄÇĆČĎÉÈÊËĒĖĘĚÍÌÎÏĪĮÑŃŇÓÒÔÖÕŌŐŘŚŠŞŤÚÙÛÜŪŮŰŲÝŸŹŽŻĞØŁĐÆŒÞÐ',
        'upper_to': 'абвгдежзийклмнопрстуфхцчшщъыьэюяёáàâäãåāăąçćčďéèêëēėęěíìîïīįñńňóòôöõōőřśšşťúùûüūůűųýÿźžżğøłđæœþð',
        'punctuation': '[.;:!?"(){}_*#@$%^~|<>=“”«»¡¿…–—·\\[\\]-]',
        'apostrophes': "['’‘`´]",
    }) }}
{%- endmacro %}

{#- Lower case, folded to ASCII where a Latin reading exists: accents removed (Beyoncé -> beyonce, Åberg ->
    aberg), letters without a decomposition spelt out (ø -> o, ß -> ss, ı -> i), and Cyrillic transliterated
    with the common English practice (Юлия Жукова -> yuliya zhukova; other systems, such as the French
    "Iouliia Joukova", stay a few edits apart and are left to the similarity). Scripts without a letter-by-
    letter reading (Japanese, Chinese) are kept as they are: they match by identifiers or by registrant and
    title, not by name. -#}
{% macro ascii_fold(column) -%}
    {{ return(adapter.dispatch('ascii_fold', 'tunemantra')(column)) }}
{%- endmacro %}

{#- function(function(expression, from1, to1), from2, to2)…: Jinja's loop scoping keeps a variable set in a loop
    from outliving it, so the nesting is written out instead of accumulated. -#}
{% macro _er_replace_each(expression, pairs, function) -%}
    {%- for native, latin in pairs -%}{{ function }}({%- endfor -%}
    {{ expression }}
    {%- for native, latin in pairs -%}, '{{ native }}', '{{ latin }}'){%- endfor -%}
{%- endmacro %}

{% macro default__ascii_fold(column) -%}
    {%- set c = er_constants() -%}
    strip_accents(translate({{ _er_replace_each('lower(' ~ column ~ ')', c['cyrillic_multi'], 'replace') }}, '{{ c['single_from'] }}', '{{ c['single_to'] }}'))
{%- endmacro %}

{% macro postgres__ascii_fold(column) -%}
    {%- set c = er_constants() -%}
    {#- lower() of a database with the C locale lowers ASCII only: the other capitals first, by table -#}
    {%- set lowered = "lower(translate(" ~ column ~ ", '" ~ c['upper_from'] ~ "', '" ~ c['upper_to'] ~ "'))" -%}
    translate(translate({{ _er_replace_each(lowered, c['cyrillic_multi'], 'replace') }}, '{{ c['single_from'] }}', '{{ c['single_to'] }}'), '{{ c['accents_from'] }}', '{{ c['accents_to'] }}')
{%- endmacro %}

{% macro clickhouse__ascii_fold(column) -%}
    {%- set c = er_constants() -%}
    {#- NFD splits a letter from its accents; \p{Mn} (RE2) is every combining mark -#}
    replaceRegexpAll(normalizeUTF8NFD(translateUTF8({{ _er_replace_each('lowerUTF8(' ~ column ~ ')', c['cyrillic_multi'], 'replaceAll') }}, '{{ c['single_from'] }}', '{{ c['single_to'] }}')), '\\p{Mn}', '')
{%- endmacro %}

{#- The space-separated words of a string in alphabetical order ("2011 remaster" for "remaster 2011"). -#}
{% macro sort_words(expression) -%}
    {{ return(adapter.dispatch('sort_words', 'tunemantra')(expression)) }}
{%- endmacro %}

{% macro default__sort_words(expression) -%}
    array_to_string(list_sort(string_split({{ expression }}, ' ')), ' ')
{%- endmacro %}

{% macro postgres__sort_words(expression) -%}
    array_to_string(array(select word from unnest(string_to_array({{ expression }}, ' ')) as word order by word), ' ')
{%- endmacro %}

{% macro clickhouse__sort_words(expression) -%}
    arrayStringConcat(arraySort(splitByChar(' ', {{ expression }})), ' ')
{%- endmacro %}


{#- ---- normal forms ---------------------------------------------------------------------------------------- -#}

{#- Padded with one space each side and inner whitespace collapsed, so whole words match as ' word '. -#}
{% macro _er_padded(expression) -%}
    {{ er_regexp_replace("' ' || " ~ expression ~ " || ' '", '[[:space:]]+', ' ') }}
{%- endmacro %}

{#- An artist credit in one canonical form: ASCII-folded lower case; "feat." / "ft." / "featuring" -> "feat";
    "&" / "and" / "+" / "," / "/" / "vs" / "x" between two names -> "&"; the leading "The" of each name
    dropped; punctuation and whitespace collapsed. "Zoë Marceau ft. Kenji Sato" -> "zoe marceau feat kenji sato",
    "Echo and The Tides" -> "echo & tides". A duo stays a duo: "DJ Kobra & Lumi" -> "dj kobra & lumi", which
    is not "dj kobra" (only "feat" separates a main artist from a guest, see primary_artist_name). A trailing
    "x" is a name ("DJ X"), not a separator. With keep_leading_the, "The" stays: the form to compare when the
    article itself was mistyped ("Thee Midnight Foxes" is one edit from "the midnight foxes"). -#}
{% macro normalize_artist_name(column, keep_leading_the=false) -%}
    {%- set s = er_regexp_replace(ascii_fold(column), '[&+,/]', ' & ') -%}
    {%- set s = er_regexp_replace(s, er_constants()['apostrophes'], '') -%}
    {%- set s = er_regexp_replace(s, er_constants()['punctuation'], ' ') -%}
    {%- set s = _er_padded(s) -%}
    {%- set s = er_regexp_replace(s, ' (featuring|feat|ft) ', ' feat ') -%}
    {%- set s = er_regexp_replace(s, ' (and|vs|versus) ', ' & ') -%}
    {%- set s = er_regexp_replace(s, ' x ([^ &])', ' & \\1') -%}
    {%- if not keep_leading_the -%}
        {%- set s = er_regexp_replace(s, '(^ |& |feat )the ', '\\1') -%}
    {%- endif -%}
    {%- set s = er_regexp_replace(s, '( &)+ ', ' & ') -%}
    trim({{ er_regexp_replace(s, '[[:space:]]+', ' ') }})
{%- endmacro %}

{#- The main artist of a normalised credit: what precedes "feat" ("zoe marceau feat kenji sato" -> "zoe
    marceau"). A joint credit ("dj kobra & lumi") is its own main artist. -#}
{% macro primary_artist_name(normalised_credit) -%}
    {{ er_regexp_replace(normalised_credit, ' feat .*$', '') }}
{%- endmacro %}

{#- A title without its featured-artist part ("(feat. X)", "[ft. X]", "feat. X" at the end), ASCII-folded
    lower case, padded. The shared first step of the two title forms below. -#}
{% macro _er_title_without_guests(column) -%}
    {%- set s = er_regexp_replace(ascii_fold(column), '[(\\[] *(featuring|feat|ft|with)[. ][^)\\]]*[)\\]]', ' ') -%}
    {{ er_regexp_replace(s, ' (featuring|feat\\.|ft\\.) .*$', '') }}
{%- endmacro %}

{#- The version a title names at its end: "(Remastered 2011)", "[Live]", or after " - " ("Song - Remastered
    2011"). -#}
{% macro _er_title_version_text(column) -%}
    {%- set t = _er_title_without_guests(column) -%}
    case when {{ er_regexp_extract(t, '[(\\[]([^()\\[\\]]*)[)\\]] *$') }} <> ''
        then {{ er_regexp_extract(t, '[(\\[]([^()\\[\\]]*)[)\\]] *$') }}
        else {{ er_regexp_extract(t, ' - (.*)$') }} end
{%- endmacro %}

{#- A title's base: without its version and guests, "&" read as "and", punctuation and whitespace collapsed.
    "Runaway (Remastered 2011)" and "RUNAWAY - 2011 Remaster" are both "runaway". -#}
{% macro normalize_track_title(column) -%}
    {%- set s = _er_title_without_guests(column) -%}
    {%- set s = er_regexp_replace(s, '[(\\[][^()\\[\\]]*[)\\]] *$', '') -%}
    {%- set s = er_regexp_replace(s, ' - .*$', '') -%}
    {%- set s = er_regexp_replace(s, '&', ' and ') -%}
    {%- set s = er_regexp_replace(s, er_constants()['apostrophes'], '') -%}
    {%- set s = er_regexp_replace(s, er_constants()['punctuation'], ' ') -%}
    trim({{ er_regexp_replace(s, '[[:space:]]+', ' ') }})
{%- endmacro %}

{#- A title's version as sorted words, '' for none: "(Remastered 2011)", "- Remastered 2011" and
    "(2011 Remaster)" are all "2011 remaster"; "Live" is "live". Two recordings match only when their versions
    are equal. -#}
{% macro track_title_version(column) -%}
    {%- set s = er_regexp_replace(_er_title_version_text(column), er_constants()['apostrophes'], '') -%}
    {%- set s = er_regexp_replace(s, er_constants()['punctuation'], ' ') -%}
    {%- set s = _er_padded(s) -%}
    {%- set s = er_regexp_replace(s, ' (remastered|remasterizado|remasterise|remasterisee) ', ' remaster ') -%}
    {%- set s = er_regexp_replace(s, ' (version|versao) ', ' ') -%}
    {{ sort_words("trim(" ~ er_regexp_replace(s, '[[:space:]]+', ' ') ~ ")") }}
{%- endmacro %}


{#- ---- similarity ---------------------------------------------------------------------------------------- -#}

{#- Edit distance with adjacent transpositions (a swapped pair is one typo). DuckDB: damerau_levenshtein.
    ClickHouse: damerauLevenshteinDistance (counts bytes, so a non-ASCII letter left after ascii_fold counts
    2-3). PostgreSQL: levenshtein from the fuzzystrmatch extension (contrib; `create extension fuzzystrmatch`),
    which counts a transposition as two edits; where the extension cannot be installed, pg_trgm's similarity()
    is the usual stand-in, and without either only equal normal forms can match (a 0/1 distance). -#}
{% macro name_edit_distance(a, b) -%}
    {{ return(adapter.dispatch('name_edit_distance', 'tunemantra')(a, b)) }}
{%- endmacro %}

{% macro default__name_edit_distance(a, b) -%}
    damerau_levenshtein({{ a }}, {{ b }})
{%- endmacro %}

{% macro postgres__name_edit_distance(a, b) -%}
    levenshtein({{ a }}, {{ b }})
{%- endmacro %}

{#- What name_edit_distance needs in the warehouse before a model uses it: a pre_hook of those models. Nothing
    on DuckDB and ClickHouse (built in); fuzzystrmatch on PostgreSQL (a trusted extension since PostgreSQL 13: the
    database's owner may create it, no superuser needed). -#}
{% macro name_edit_distance_setup() -%}
    {{ return(adapter.dispatch('name_edit_distance_setup', 'tunemantra')()) }}
{%- endmacro %}

{% macro default__name_edit_distance_setup() -%}{%- endmacro %}

{% macro postgres__name_edit_distance_setup() -%}
    create extension if not exists fuzzystrmatch
{%- endmacro %}

{% macro clickhouse__name_edit_distance(a, b) -%}
    damerauLevenshteinDistance({{ a }}, {{ b }})
{%- endmacro %}

{#- 1 - edit distance / length of the longer string, in [0, 1]; 1 for equal strings, NULL when either is NULL.
    Chosen over Jaro-Winkler (jaro_winkler_similarity in DuckDB, jaroWinklerSimilarity in ClickHouse), whose
    bonus for a shared prefix scores "dj kobra" against "dj kobra & lumi" 0.91: this scores it 0.53. -#}
{% macro name_similarity(a, b) -%}
    {{ return(adapter.dispatch('name_similarity', 'tunemantra')(a, b)) }}
{%- endmacro %}

{% macro default__name_similarity(a, b) -%}
    (1.0 - cast({{ name_edit_distance(a, b) }} as double) / greatest(length({{ a }}), length({{ b }}), 1))
{%- endmacro %}

{% macro postgres__name_similarity(a, b) -%}
    (1.0 - cast({{ name_edit_distance(a, b) }} as double precision) / greatest(length({{ a }}), length({{ b }}), 1))
{%- endmacro %}

{% macro clickhouse__name_similarity(a, b) -%}
    (1.0 - toFloat64({{ name_edit_distance(a, b) }}) / greatest(length({{ a }}), length({{ b }}), 1))
{%- endmacro %}

{#- The distinct values of a column joined by ', ' in alphabetical order (an aggregate). -#}
{% macro string_agg_distinct(column) -%}
    {{ return(adapter.dispatch('string_agg_distinct', 'tunemantra')(column)) }}
{%- endmacro %}

{% macro default__string_agg_distinct(column) -%}
    string_agg(distinct {{ column }}, ', ' order by {{ column }})
{%- endmacro %}

{% macro clickhouse__string_agg_distinct(column) -%}
    arrayStringConcat(arraySort(groupUniqArray({{ column }})), ', ')
{%- endmacro %}
