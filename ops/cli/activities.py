"""`daxing schedule …` and `daxing applications …`: activity sessions and citizens' applications."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ops.cli.context import command_services

if TYPE_CHECKING:
    from activities.service import ActivityService


def _activity_service() -> "ActivityService":
    """The service over a built knowledge base: activities come from the plans, and an
    operator may import a schedule before the assistant ever ran (build skips unchanged plans).
    Built by the same factory as the action server's (`Services.activity_service`)."""
    from kb.store import build, deployment_plan_files

    services = command_services()
    build(services.settings.database_url, deployment_plan_files(services.settings.plans_dir))
    return services.activity_service()


@click.group()
def schedule() -> None:
    """Activity sessions: import the organisers' schedule files, list them, the demo."""


@schedule.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def schedule_import(path: Path) -> None:
    """Import sessions from a YAML or CSV file (all or nothing; same code = update)."""
    from activities.schedule import ScheduleError, import_file

    service = _activity_service()
    try:
        added, updated = import_file(service.database_url, path, service.catalogue)
    except ScheduleError as error:
        raise click.ClickException(f"{path.name} was not imported:\n{error}") from error
    click.echo(f"{path.name}: {added} sessions added, {updated} updated")


@schedule.command("demo")
@click.option("--remove", is_flag=True, help="Delete the demo sessions and their applications.")
def schedule_demo(remove: bool) -> None:
    """Load (or remove) the clearly labelled DEMO sessions, dated from today, to try sign-up."""
    from activities.schedule import import_demo, remove_demo

    service = _activity_service()
    if remove:
        click.echo(f"removed {remove_demo(service.database_url)} demo sessions")
        return
    added, updated = import_demo(service.database_url, service.catalogue)
    click.echo(f"demo schedule: {added} sessions added, {updated} updated (codes start with DEMO-)")


@schedule.command("list")
def schedule_list() -> None:
    """Every session with its registration window and application counts."""
    service = _activity_service()
    for row, counts in service.sessions():
        window = service.window(row)
        summary = ", ".join(f"{status} {n}" for status, n in counts.items()) or "no applications"
        click.echo(
            f"{row.code}  {row.starts_at:%Y-%m-%d %H:%M}  {row.kind}{row.record_number}  {row.mode}  "
            f"capacity {row.capacity}  announced {row.announced_on}  closes {window.closes_on}  "
            f"[{window.state}]  {summary}"
        )


@click.group()
def applications() -> None:
    """Citizens' applications: list, export, select, invite, delete a person's data."""


@applications.command("list")
@click.option("--session", "code", help="Only this session's applications.")
def applications_list(code: str | None) -> None:
    """Applications with masked phone numbers (export for the full list)."""
    from core.privacy import mask_phone

    for row in _activity_service().applications(code):
        click.echo(
            f"{row.reference}  {row.session.code}  {row.name}  {mask_phone(row.phone)}  "
            f"{row.identity}  {row.status}  {row.applied_at:%Y-%m-%d %H:%M}"
        )


@applications.command("export")
@click.option("--session", "code", help="Only this session's applications.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
def applications_export(code: str | None, output: Path) -> None:
    """Write applications to a CSV file that Excel opens correctly (UTF-8 with BOM)."""
    with output.open("w", encoding="utf-8", newline="") as stream:
        count = _activity_service().export_csv(stream, code)
    click.echo(f"wrote {count} applications to {output}")


@applications.command("select")
@click.argument("code")
@click.option("--method", type=click.Choice(["first_come", "lottery"]), default="first_come",
              show_default=True)
@click.option("--seed", type=int, help="Lottery seed (required for a lottery; publish it).")
def applications_select(code: str, method: str, seed: int | None) -> None:
    """Select up to the session's capacity from 待遴选; the rest become 未入选."""
    from activities.service import UnknownSession

    try:
        result = _activity_service().select(code, method, seed)
    except (UnknownSession, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"{code}: {result.selected} selected, {result.not_selected} not selected "
        f"({result.already_selected} were already selected; capacity {result.capacity})"
    )


@applications.command("invite")
@click.argument("code")
def applications_invite(code: str) -> None:
    """Record that the selected applicants of a session were sent their invitations."""
    click.echo(f"{_activity_service().mark_invited(code)} applicants marked invited")


@applications.command("forget")
@click.argument("phone")
def applications_forget(phone: str) -> None:
    """Delete a person's applications and mask their number in stored conversations."""
    from core.privacy import mask_phone, normalise_phone

    normalised = normalise_phone(phone)
    if normalised is None:
        raise click.ClickException("not a mainland mobile number")
    deleted = _activity_service().forget(normalised)
    click.echo(f"deleted {deleted} applications of {mask_phone(normalised)}")

