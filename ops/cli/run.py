"""`daxing run`, `shell`, `api-token`: the running assistant (ops.supervisor) and its API token."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from bot import rasa_project
from bot.settings import Settings, action_server_environment
from ops.cli.context import command_services
from ops.cli.kb import report_build
from ops.cli.model import run_rasa
from ops.supervisor import Assistant, Component, StartupError


def _prepare(settings: Settings) -> Path:
    """What must exist before the servers start: the knowledge base and a trained model."""
    from kb.store import build, deployment_plan_files

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    build(settings.database_url, deployment_plan_files(settings.plans_dir), on_progress=report_build)
    return rasa_project.train_if_needed(settings)


@click.command()
def run() -> None:
    """Train if needed, then run the action server, the Rasa server, the hand-off worker and the
    staff console until Ctrl-C."""
    settings = command_services().settings
    model = _prepare(settings)
    assistant = Assistant(settings=settings, model=model)
    click.echo("正在启动助手（首次启动约需半分钟）…")
    try:
        assistant.start()
    except (StartupError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        "\n助手已启动:\n"
        f"  REST:     POST {settings.rest_webhook_url}  "
        '(JSON: {"sender": "me", "message": "你好"})\n'
        f"  socketio: http://localhost:{settings.bot_port}/socket.io\n"
        f"  网页聊天演示: http://localhost:{settings.bot_port}/widget/demo\n"
        f"  Rasa HTTP API: http://localhost:{settings.bot_port} (需 ?token=，见 `daxing api-token`)\n"
        f"  动作服务器: {settings.actions_url} (仅供 Rasa 服务器调用)\n"
        f"  工作台（人工接管、数据概览）: {settings.console_url} (账号: `daxing staff add 名字 --role agent`)\n"
        "按 Ctrl-C 停止。\n"
    )
    sys.exit(assistant.wait())


@click.command()
def shell() -> None:
    """Chat with the assistant in this terminal (starts the action server too)."""
    settings = command_services().settings
    model = _prepare(settings)
    with tempfile.TemporaryDirectory() as logs:
        actions = Component(
            name="actions",
            command=rasa_project.action_server_command(settings),
            env=action_server_environment(settings),
            log_file=Path(logs) / "actions.log",
            own_group=False,
        )
        actions.start()
        try:
            run_rasa(
                rasa_project.rasa_command(
                    "shell", "--model", str(model), "--endpoints", str(rasa_project.ENDPOINTS),
                    # Its server (REST only, no HTTP API) is for this terminal, not the network.
                    "--interface", "127.0.0.1",
                )
            )
        finally:
            actions.stop()


@click.command("api-token")
@click.option("--rotate", is_flag=True, help="Replace the generated token (restart the assistant after).")
def api_token(rotate: bool) -> None:
    """Print the Rasa HTTP API token (RASA_API_TOKEN, or the one generated in var/).

    Every API call needs it as ?token=…: curl "localhost:5005/status?token=$(daxing api-token)".
    """
    from bot.settings import rasa_api_token, rotate_api_token

    settings = command_services().settings
    if rotate:
        try:
            path = rotate_api_token(settings)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"new token written to {path}; restart the assistant (make run) to use it", err=True)
    try:
        click.echo(rasa_api_token(settings))
    except ValueError as error:
        raise click.ClickException(str(error)) from error
