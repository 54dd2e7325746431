{{ stage_usage_feed('spotify', 'spotify') }}
