"""``danvan db``: schema management (Alembic is imported when a command runs)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Create, upgrade and inspect the database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target Alembic revision.")) -> None:
    """Create the database or migrate it to REVISION (default: the newest)."""
    from danvan_shared.migrate import upgrade_database
    from danvan_shared.settings import get_settings

    settings = get_settings()
    upgrade_database(settings.database_url, revision)
    typer.echo(f"database at {settings.database_url.split('@')[-1]} is at {revision}")


@app.command()
def current() -> None:
    """Show the database's current revision."""
    from alembic import command

    from danvan_shared.migrate import alembic_config

    command.current(alembic_config())
