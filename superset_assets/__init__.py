"""The Superset dashboards as code.

``superset_assets/reports/`` declares one dashboard per standard report (its datasets, charts, native filters and
layout) in Python; ``python -m superset_assets.build`` renders them into the asset bundle beside this file
(``databases/``, ``datasets/``, ``charts/``, ``dashboards/``, ``metadata.yaml``): the YAML Superset's importer reads,
which ``infra/superset/bootstrap.py`` imports. Both are committed; ``tests/unit/test_superset_assets.py`` fails when
the YAML is not what the declarations render, so a review sees the declaration and its effect together.
"""
