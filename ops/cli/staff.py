"""`daxing staff …`: console accounts (add, list, disable, enable, reset-password).

Run on the server by its operator; each command is written to the audit log with the actor
"cli". Passwords are typed at a hidden prompt (twice) or, for scripts, read from standard
input with --password-stdin; never given as an argument (it would stay in the shell history).
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ops.cli.context import command_services

if TYPE_CHECKING:
    from bot.services import Services


def _services() -> "Services":
    from core.db import migrate

    services = command_services()
    migrate(services.settings.database_url)
    return services


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")


@click.group()
def staff() -> None:
    """Staff accounts of the web console (roles: agent, organiser, admin)."""


@staff.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["agent", "organiser", "admin"]), required=True)
@click.option("--display-name", help="The person's name; citizens see it masked (王**). Default: NAME.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def staff_add(name: str, role: str, display_name: str | None, password_stdin: bool) -> None:
    """Create an account."""
    from staff.accounts import AccountError
    from staff.audit import CLI

    services = _services()
    try:
        account = services.staff.add(name, role, _password(password_stdin), display_name)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    services.audit.record(CLI, "staff.add", f"staff:{account.name}", {"role": role})
    click.echo(f"account {account.name} ({account.role}) created")


@staff.command("list")
def staff_list() -> None:
    """Every account: name, role, state."""
    for account in _services().staff.all():
        state = "disabled" if account.disabled else ("locked" if account.locked_until else "active")
        click.echo(f"{account.name:24} {account.role:10} {state:9} {account.display_name}")


def _set_disabled(name: str, disabled: bool) -> None:
    from staff.accounts import AccountError
    from staff.audit import CLI

    services = _services()
    try:
        services.staff.set_disabled(name, disabled)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    services.audit.record(CLI, "staff.disable" if disabled else "staff.enable", f"staff:{name}")
    click.echo(f"account {name} {'disabled' if disabled else 'enabled'}")


@staff.command("disable")
@click.argument("name")
def staff_disable(name: str) -> None:
    """Disable an account; its console sessions end at once."""
    _set_disabled(name, True)


@staff.command("enable")
@click.argument("name")
def staff_enable(name: str) -> None:
    """Enable an account again (and lift a lock-out)."""
    _set_disabled(name, False)


@staff.command("reset-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def staff_reset(name: str, password_stdin: bool) -> None:
    """Set a new password (and lift a lock-out)."""
    from staff.accounts import AccountError
    from staff.audit import CLI

    services = _services()
    try:
        services.staff.reset_password(name, _password(password_stdin))
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    services.audit.record(CLI, "staff.reset_password", f"staff:{name}")
    click.echo(f"password of {name} reset")
