"""`daxing retention`: purge personal data older than the retention period (ops.retention)."""
from __future__ import annotations

import click

from ops.cli.context import command_services


@click.command()
@click.option("--days", type=int, help="Keep this many days (default: RETENTION_DAYS, 180).")
def retention(days: int | None) -> None:
    """Purge conversations, past sessions' applications, closed tickets and feedback older than the period."""
    import datetime as dt

    from core.db import migrate
    from ops.retention import purge

    settings = command_services().settings
    migrate(settings.database_url)
    counts = purge(settings.database_url, dt.timedelta(days=days or settings.retention_days))
    click.echo(", ".join(f"{kind}: {n}" for kind, n in counts.items()))

