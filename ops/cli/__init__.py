"""`daxing`: the operator's command line for running, training and testing the assistant.

The group and its entry point (`daxing = "ops.cli:main"`); the commands live one module
per group: `model` (train, gazetteer, validate, test-conversations), `kb`, `activities`
(schedule, applications), `tickets` (tickets, report), `staff` (console accounts), `retention`, `run` (run, shell,
api-token); `wechat-menu` comes from the WeChat channel's menu module. Nothing here imports
`actions` (the action server's package). Every command takes its settings and services from
`ops.cli.context.command_services()`: built once per invocation.
"""
from __future__ import annotations

import logging

import click

from bot.channels.wechat.menu import menu_command
from ops.cli import activities, kb, model, retention, run, staff, tickets
from ops.cli.context import command_services


@click.group()
def main() -> None:
    """大兴政务咨询助手 — operator commands."""
    from bot import log_masking

    log_masking.install()  # phone numbers and the API token never reach a log line
    # This invocation's settings, read once; its commands use the same (ops/cli/context.py).
    logging.basicConfig(level=command_services().settings.log_level, format="%(levelname)s %(message)s")


for command in (
    model.train, model.gazetteer, model.validate, model.test_conversations,
    kb.kb,
    activities.schedule, activities.applications,
    tickets.tickets, tickets.report,
    staff.staff,
    retention.retention,
    run.run, run.shell, run.api_token,
    menu_command,  # daxing wechat-menu [--file PATH] [--dry-run]
):
    main.add_command(command)


if __name__ == "__main__":
    main()
