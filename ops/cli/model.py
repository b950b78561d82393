"""`daxing train`, `gazetteer`, `validate`, `test-conversations`: the Rasa model and its data."""
from __future__ import annotations

import subprocess
import sys

import click

from bot import rasa_project
from bot.settings import PROJECT_ROOT, subprocess_environment
from ops.cli.context import command_services


def run_rasa(command: list[str]) -> None:
    """Run a Rasa command in the project with the assistant's environment; exit with its
    code when it fails."""
    settings = command_services().settings
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=subprocess_environment(settings))
    if result.returncode != 0:
        sys.exit(result.returncode)


@click.command()
@click.option("--force", is_flag=True, help="Train even if a model for these inputs exists.")
def train(force: bool) -> None:
    """Train the Rasa model if config, domain or training data changed."""
    model = rasa_project.train_if_needed(command_services().settings, force=force)
    click.echo(f"model: {model}")


@click.command()
def gazetteer() -> None:
    """Regenerate the jieba user dictionary and NLU synonyms from kb/data/gazetteer.yml."""
    from kb.gazetteer import Gazetteer

    terms = Gazetteer.from_file()
    rasa_project.JIEBA_USERDICT.write_text(terms.jieba_userdict(), encoding="utf-8")
    rasa_project.GAZETTEER_NLU.write_text(terms.nlu_training_data(), encoding="utf-8")
    click.echo(f"wrote {rasa_project.JIEBA_USERDICT} and {rasa_project.GAZETTEER_NLU}")


@click.command()
def validate() -> None:
    """Check domain, NLU data, rules and stories; warnings count as failures.

    Except one kind: Rasa's validator calls a response "unused" when only custom actions,
    channels and forms use it (it reads stories and rules only). Those responses are checked
    here instead: each must be named in actions/ or bot/channels/, or be a form's utter_ask_<slot>.
    """
    result = subprocess.run(
        rasa_project.validate_command(),
        cwd=PROJECT_ROOT,
        env=subprocess_environment(command_services().settings),
        capture_output=True,
        text=True,
    )
    click.echo(result.stdout + result.stderr)
    problems = rasa_project.validation_problems(result.stdout + result.stderr)
    for problem in problems:
        click.echo(f"FAILED: {problem}", err=True)
    if problems or "Project validation completed with errors" in result.stdout + result.stderr:
        sys.exit(1)


@click.command("test-conversations")
def test_conversations() -> None:
    """Replay tests/conversations with the trained model; any wrong prediction fails."""
    settings = command_services().settings
    model = rasa_project.train_if_needed(settings)
    out_dir = settings.var_dir / "conversation-test-results"
    run_rasa(rasa_project.conversation_test_command(model, out_dir))

