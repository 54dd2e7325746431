{{ stage_usage_feed('deezer', 'deezer') }}
