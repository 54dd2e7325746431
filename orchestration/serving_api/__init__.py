"""The read API over the served marts: what a label's or distributor's own programs call instead of a dashboard.

Token authentication per tenant (tokens.py), the same tenant isolation as Superset's row-level filters and
PostgreSQL's policies (every row a tenant reads carries one of its label keys), pagination, filters on the
reporting dimensions, and an OpenAPI spec generated from the served tables themselves (catalogue.py). Run it with
``make api`` (``python -m orchestration.serving_api``, 127.0.0.1 only); the spec is at ``/openapi.json``.
"""
