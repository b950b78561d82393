"""What every `daxing` command works with: the services of this invocation.

The CLI's composition root: the first command (or the group) that asks builds
`bot.services.Services` from `load_settings()` and keeps it in click's root context, so one
`daxing …` reads its environment once, and each invocation (a test's `CliRunner().invoke`
with its own environment too) gets its own.
"""
from __future__ import annotations

import click

from bot.services import Services
from bot.settings import SettingsError, load_settings


def command_services() -> Services:
    """The services of the running `daxing` invocation, built on first use.

    Needs a click context (inside a command). Raises click.ClickException, naming the
    variable, when the environment holds an unusable value.
    """
    root = click.get_current_context().find_root()
    if not isinstance(root.obj, Services):
        try:
            root.obj = Services.from_settings(load_settings())
        except SettingsError as error:
            raise click.ClickException(str(error)) from None
    return root.obj
