{{ stage_dsr_statement('dsr_deezer', 'deezer') }}
