{{ stage_usage_feed('apple_music', 'apple_music') }}
