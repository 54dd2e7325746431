{{ stage_dsr_statement('dsr_spotify', 'spotify') }}
