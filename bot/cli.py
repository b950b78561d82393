"""`daxing`: the operator's command line for running, training and testing the assistant."""
from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot import rasa_project
from bot.runner import Assistant, StartupError
from bot.settings import PROJECT_ROOT, Settings, load_settings, subprocess_environment

if TYPE_CHECKING:
    from kb.store import BuildResult


def _run_rasa(command: list[str]) -> None:
    settings = load_settings()
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=subprocess_environment(settings))
    if result.returncode != 0:
        sys.exit(result.returncode)


@click.group()
def main() -> None:
    """大兴政务咨询助手 — operator commands."""
    logging.basicConfig(level=load_settings().log_level, format="%(levelname)s %(message)s")


@main.command()
@click.option("--force", is_flag=True, help="Train even if a model for these inputs exists.")
def train(force: bool) -> None:
    """Train the Rasa model if config, domain or training data changed."""
    model = rasa_project.train_if_needed(load_settings(), force=force)
    click.echo(f"model: {model}")


@main.command()
def gazetteer() -> None:
    """Regenerate the jieba user dictionary and NLU synonyms from kb/data/gazetteer.yml."""
    from kb.gazetteer import Gazetteer

    terms = Gazetteer.from_file()
    rasa_project.JIEBA_USERDICT.write_text(terms.jieba_userdict(), encoding="utf-8")
    rasa_project.GAZETTEER_NLU.write_text(terms.nlu_training_data(), encoding="utf-8")
    click.echo(f"wrote {rasa_project.JIEBA_USERDICT} and {rasa_project.GAZETTEER_NLU}")


@main.command()
def validate() -> None:
    """Check domain, NLU data, rules and stories; warnings count as failures."""
    _run_rasa(rasa_project.validate_command())


@main.command("test-conversations")
def test_conversations() -> None:
    """Replay tests/conversations with the trained model; any wrong prediction fails."""
    settings = load_settings()
    model = rasa_project.train_if_needed(settings)
    out_dir = settings.var_dir / "conversation-test-results"
    _run_rasa(rasa_project.conversation_test_command(model, out_dir))


@main.group()
def kb() -> None:
    """Knowledge base built from the district's plans (kb/sources)."""


def _report(result: BuildResult) -> None:
    click.echo(
        f"{result.path.name}: {result.number} {result.status} — {result.items} items, "
        f"{result.sites} sites, {result.lectures} lectures, {result.passages} passages"
    )


@kb.command("build")
def kb_build() -> None:
    """Parse every plan in kb/sources into the database (unchanged plans are skipped)."""
    from kb.store import build, plan_files

    build(load_settings().database_url, plan_files(), on_progress=_report)


@kb.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def kb_add(path: Path) -> None:
    """Add a plan (.txt/.docx/.pdf); the running assistant answers from it without retraining."""
    from kb.store import add_plan_file

    _report(add_plan_file(load_settings().database_url, path))


@kb.command("unanswered")
@click.option("--limit", default=50, show_default=True)
def kb_unanswered(limit: int) -> None:
    """Questions the plans could not answer, newest first, for review."""
    from kb.db import UnitOfWork
    from kb.store import KnowledgeRepository

    with UnitOfWork(load_settings().database_url).session() as session:
        for row in KnowledgeRepository(session).unanswered(limit):
            click.echo(f"{row.asked_at:%Y-%m-%d %H:%M}  [{row.reason}] {row.intent or '-'}  {row.question}")


def _prepare(settings: Settings) -> Path:
    """What must exist before the servers start: the knowledge base and a trained model."""
    from kb.store import build, plan_files

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    build(settings.database_url, plan_files(), on_progress=_report)
    return rasa_project.train_if_needed(settings)


@main.command()
def run() -> None:
    """Train if needed, then run the action server and the Rasa server until Ctrl-C."""
    settings = load_settings()
    model = _prepare(settings)
    assistant = Assistant(settings=settings, model=model)
    click.echo("正在启动助手（首次启动约需半分钟）…")
    try:
        assistant.start()
    except StartupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        "\n助手已启动:\n"
        f"  REST:     POST {settings.rest_webhook_url}  "
        '(JSON: {"sender": "me", "message": "你好"})\n'
        f"  socketio: http://localhost:{settings.bot_port}/socket.io\n"
        "按 Ctrl-C 停止。\n"
    )
    sys.exit(assistant.wait())


@main.command()
def shell() -> None:
    """Chat with the assistant in this terminal (starts the action server too)."""
    settings = load_settings()
    model = _prepare(settings)
    with tempfile.TemporaryDirectory() as logs:
        actions = subprocess.Popen(
            rasa_project.action_server_command(settings),
            cwd=PROJECT_ROOT,
            env=subprocess_environment(settings),
            stdout=open(Path(logs) / "actions.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            _run_rasa(
                rasa_project.rasa_command(
                    "shell", "--model", str(model), "--endpoints", str(rasa_project.ENDPOINTS)
                )
            )
        finally:
            actions.terminate()
            actions.wait()


if __name__ == "__main__":
    main()
