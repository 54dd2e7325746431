{{ stage_dsr_statement('dsr_apple_music', 'apple_music') }}
