"""``python -m orchestration.serving_api [--port 8090]``: the read API on 127.0.0.1 over the serving layer of the
configured target (the DuckDB serving copy, or PostgreSQL's ``serving`` schema when TM_TARGET=postgres). The
tenants' tokens are printed where they are kept (``<var>/api/tokens.json``), never on the console."""

from __future__ import annotations

import argparse

from orchestration import tenancy
from orchestration.settings import get_settings


def build_app():
    from orchestration.serving_api.app import create_app
    from orchestration.serving_api.readers import DuckDBReader, PostgresReader
    from orchestration.serving_api.tokens import issue_tokens

    settings = get_settings()
    if settings.target == "postgres":
        reader = PostgresReader(settings.postgres_dsn)
    elif settings.target == "duckdb":
        reader = DuckDBReader(settings.serving_path)
    else:
        raise SystemExit(f"the read API serves the duckdb and postgres targets, not {settings.target!r}")
    tokens_path = settings.var_dir / "api" / "tokens.json"
    tokens = issue_tokens(tokens_path, [t.name for t in tenancy.load().tenants])
    return create_app(reader, tokens), tokens_path


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    app, tokens_path = build_app()
    print(f"read API on http://127.0.0.1:{args.port} (spec: /openapi.json, docs: /docs); tokens in {tokens_path}")
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
