"""What the benchmarks share: their own PostgreSQL database and Django set up on it."""

import os


def database_prepare(url: str, *, fresh: bool) -> None:
    """Create the database at `url` if missing; with `fresh`, drop it first."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        if fresh:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str, **environment: str) -> None:
    """Set Django up on the database at `url`, with extra environment variables."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret")
    os.environ["DJANGO_SETTINGS_MODULE"] = "core.settings"
    os.environ.update(environment)
    import django

    django.setup()
