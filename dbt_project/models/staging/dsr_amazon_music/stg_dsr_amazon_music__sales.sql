{{ stage_dsr_statement('dsr_amazon_music', 'amazon_music') }}
