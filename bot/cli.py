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
from bot.settings import (
    PROJECT_ROOT,
    Settings,
    action_server_environment,
    load_settings,
    subprocess_environment,
)

if TYPE_CHECKING:
    from activities.service import ActivityService
    from handoff.service import HandoffService
    from kb.store import BuildResult


def _run_rasa(command: list[str]) -> None:
    settings = load_settings()
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=subprocess_environment(settings))
    if result.returncode != 0:
        sys.exit(result.returncode)


@click.group()
def main() -> None:
    """大兴政务咨询助手 — operator commands."""
    from bot import log_masking

    log_masking.install()  # phone numbers and the API token never reach a log line
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
    """Check domain, NLU data, rules and stories; warnings count as failures.

    Except one kind: Rasa's validator calls a response "unused" when only custom actions,
    channels and forms use it (it reads stories and rules only). Those responses are checked
    here instead: each must be named in actions/ or bot/channels/, or be a form's utter_ask_<slot>.
    """
    result = subprocess.run(
        rasa_project.validate_command(),
        cwd=PROJECT_ROOT,
        env=subprocess_environment(load_settings()),
        capture_output=True,
        text=True,
    )
    click.echo(result.stdout + result.stderr)
    problems = rasa_project.validation_problems(result.stdout + result.stderr)
    for problem in problems:
        click.echo(f"FAILED: {problem}", err=True)
    if problems or "Project validation completed with errors" in result.stdout + result.stderr:
        sys.exit(1)


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
    """One line per plan file; for an added plan or a preview, what was extracted and the
    parser's warnings (a plan of a known kind with no sites, rules without a number, …)."""
    p = result.preview
    click.echo(f"{result.path.name}: {result.number} {result.status} — {p.year or '?'}年 {p.kind}, "
               f"{p.items} items, {p.sites} sites, {p.lectures} lectures, {p.passages} passages")
    if result.status in ("added", "updated", "restored", "preview"):
        click.echo(f"  标题：{p.title}")
        click.echo(f"  发文：{p.issuer or '（未找到）'}，{p.issued_on or '（日期未找到）'}")
        if p.rules:
            click.echo("  参与规则：" + "，".join(f"{k} {'（未找到）' if v in (None, '') else v}"
                                             for k, v in p.rules.items()))
        if p.months:
            click.echo("  写到的时间：" + "、".join(p.months))
        for warning in p.warnings:
            click.echo(f"  警告：{warning}", err=True)


@kb.command("build")
def kb_build() -> None:
    """Parse the bundled plans (kb/sources) and the added ones into the database
    (unchanged plans are skipped, withdrawn ones stay withdrawn)."""
    from kb.store import build, deployment_plan_files

    settings = load_settings()
    build(settings.database_url, deployment_plan_files(settings.plans_dir), on_progress=_report)


@kb.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be extracted; store nothing.")
def kb_add(path: Path, dry_run: bool) -> None:
    """Add a plan (.txt/.docx/.pdf), kept in the data directory; the running assistant
    answers from it without retraining. Prints what was extracted and any warnings."""
    from kb.loaders import UnsupportedPlanFormat
    from kb.store import add_plan_file, preview_plan_file

    settings = load_settings()
    try:
        result = preview_plan_file(path) if dry_run else add_plan_file(
            settings.database_url, path, settings.plans_dir)
    except UnsupportedPlanFormat as error:
        raise click.ClickException(str(error)) from None
    _report(result)
    if dry_run:
        click.echo("（预览：未保存。去掉 --dry-run 即添加。）")


@kb.command("list")
def kb_list() -> None:
    """The stored plans by year: 文号, kind, title, counts, and whether withdrawn."""
    from kb.db import UnitOfWork, migrate
    from kb.store import KnowledgeRepository

    settings = load_settings()
    migrate(settings.database_url)
    with UnitOfWork(settings.database_url).session() as session:
        for row in KnowledgeRepository(session).listed():
            state = f"已撤下 {row.withdrawn_at:%Y-%m-%d}" if row.withdrawn_at else "在用"
            click.echo(f"{row.year or '?'}  {row.number}  {row.kind}  《{row.title}》  "
                       f"{len(row.items)} items, {len(row.sites)} sites, {len(row.lectures)} lectures  "
                       f"[{state}] {row.source_file}")


@kb.command("remove")
@click.argument("number")
def kb_remove(number: str) -> None:
    """Withdraw the plan with this 文号 (e.g. 京兴政务公开办发〔2026〕3号)."""
    from kb.store import remove_plan

    settings = load_settings()
    title = remove_plan(settings.database_url, number, settings.plans_dir)
    if title is None:
        raise click.ClickException(f"no stored plan has the number {number}; see `daxing kb list`")
    click.echo(f"withdrawn: {number} 《{title}》")


@kb.command("unanswered")
@click.option("--limit", default=50, show_default=True)
def kb_unanswered(limit: int) -> None:
    """Questions the plans could not answer, newest first, for review."""
    from kb.db import UnitOfWork
    from kb.store import KnowledgeRepository

    with UnitOfWork(load_settings().database_url).session() as session:
        for row in KnowledgeRepository(session).unanswered(limit):
            click.echo(f"{row.asked_at:%Y-%m-%d %H:%M}  [{row.reason}] {row.intent or '-'}  {row.question}")


def _activity_service(settings: Settings) -> "ActivityService":
    """The service over a built knowledge base: activities come from the plans, and an
    operator may import a schedule before the assistant ever ran (build skips unchanged plans)."""
    from actions.knowledge import activity_service
    from kb.store import build, deployment_plan_files

    build(settings.database_url, deployment_plan_files(settings.plans_dir))
    return activity_service()


@main.group()
def schedule() -> None:
    """Activity sessions: import the organisers' schedule files, list them, the demo."""


@schedule.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def schedule_import(path: Path) -> None:
    """Import sessions from a YAML or CSV file (all or nothing; same code = update)."""
    from activities.schedule import ScheduleError, import_file

    service = _activity_service(load_settings())
    try:
        added, updated = import_file(load_settings().database_url, path, service.catalogue)
    except ScheduleError as error:
        raise click.ClickException(f"{path.name} was not imported:\n{error}") from error
    click.echo(f"{path.name}: {added} sessions added, {updated} updated")


@schedule.command("demo")
@click.option("--remove", is_flag=True, help="Delete the demo sessions and their applications.")
def schedule_demo(remove: bool) -> None:
    """Load (or remove) the clearly labelled DEMO sessions, dated from today, to try sign-up."""
    from activities.schedule import import_demo, remove_demo

    settings = load_settings()
    service = _activity_service(settings)
    if remove:
        click.echo(f"removed {remove_demo(settings.database_url)} demo sessions")
        return
    added, updated = import_demo(settings.database_url, service.catalogue)
    click.echo(f"demo schedule: {added} sessions added, {updated} updated (codes start with DEMO-)")


@schedule.command("list")
def schedule_list() -> None:
    """Every session with its registration window and application counts."""
    service = _activity_service(load_settings())
    for row, counts in service.sessions():
        window = service.window(row)
        summary = ", ".join(f"{status} {n}" for status, n in counts.items()) or "no applications"
        click.echo(
            f"{row.code}  {row.starts_at:%Y-%m-%d %H:%M}  {row.kind}{row.record_number}  {row.mode}  "
            f"capacity {row.capacity}  announced {row.announced_on}  closes {window.closes_on}  "
            f"[{window.state}]  {summary}"
        )


@main.group()
def applications() -> None:
    """Citizens' applications: list, export, select, invite, delete a person's data."""


@applications.command("list")
@click.option("--session", "code", help="Only this session's applications.")
def applications_list(code: str | None) -> None:
    """Applications with masked phone numbers (export for the full list)."""
    from activities.privacy import mask_phone

    for row in _activity_service(load_settings()).applications(code):
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
        count = _activity_service(load_settings()).export_csv(stream, code)
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
        result = _activity_service(load_settings()).select(code, method, seed)
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
    click.echo(f"{_activity_service(load_settings()).mark_invited(code)} applicants marked invited")


@applications.command("forget")
@click.argument("phone")
def applications_forget(phone: str) -> None:
    """Delete a person's applications and mask their number in stored conversations."""
    from activities.privacy import mask_phone, normalise_phone

    normalised = normalise_phone(phone)
    if normalised is None:
        raise click.ClickException("not a mainland mobile number")
    deleted = _activity_service(load_settings()).forget(normalised)
    click.echo(f"deleted {deleted} applications of {mask_phone(normalised)}")


def _handoff_service() -> "HandoffService":
    from handoff.service import HandoffService
    from kb.db import migrate

    settings = load_settings()
    migrate(settings.database_url)
    return HandoffService.from_settings(settings)


@main.group()
def tickets() -> None:
    """Hand-off tickets: list, show with transcript, close (hands the chat back to the bot)."""


@tickets.command("list")
@click.option("--status", type=click.Choice(["open", "closed", "timed_out"]))
def tickets_list(status: str | None) -> None:
    """Newest first, with reason, channel and delivery to the hotline system."""
    for ticket in _handoff_service().tickets(status):
        delivery = {None: "not sent (no webhook)", True: "delivered", False: "delivery pending"}
        click.echo(
            f"{ticket.number}  {ticket.created_at:%Y-%m-%d %H:%M}  {ticket.status:9}  {ticket.reason:17}  "
            f"{ticket.channel:8}  {ticket.sender_id}  {ticket.masked_phone or '-'}  {delivery[ticket.delivered]}"
        )


@tickets.command("show")
@click.argument("number")
def tickets_show(number: str) -> None:
    """One ticket with the conversation that led to it."""
    ticket = _handoff_service().ticket(number)
    if ticket is None:
        raise click.ClickException(f"no ticket {number}")
    click.echo(f"ticket {ticket.number} ({ticket.status}, {ticket.reason}) from {ticket.sender_id} via {ticket.channel}")
    click.echo(f"contact phone: {ticket.masked_phone or '-'}")
    for line in ticket.transcript:
        click.echo(f"  [{line['at'] or ''}] {line['role']}: {line['text']}")


@tickets.command("close")
@click.argument("number")
@click.option("--note", help="What was done, for the record.")
def tickets_close(number: str, note: str | None) -> None:
    """Close a ticket; the hand-off worker gives the conversation back to the bot."""
    ticket = _handoff_service().close(number, note)
    if ticket is None:
        raise click.ClickException(f"no ticket {number}")
    click.echo(f"ticket {ticket.number}: {ticket.status}")


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("var/report.png"), show_default=True, help="Where to write the chart.")
@click.option("--top", default=10, show_default=True, help="How many unanswered questions.")
def report(output: Path, top: int) -> None:
    """Satisfaction, tickets and the most frequent unanswered questions, with a chart."""
    from handoff.report import build_report, draw_chart

    data = build_report(_handoff_service(), top)
    rate = data.satisfaction_rate
    click.echo(f"满意 {data.satisfied}  不满意 {data.unsatisfied}  "
               f"满意率 {'-' if rate is None else f'{rate:.0%}'}")
    click.echo(f"tickets by reason: {data.tickets_by_reason or '-'}; by status: {data.tickets_by_status or '-'}")
    click.echo("most frequent unanswered questions:")
    for question, count in data.unanswered:
        click.echo(f"  {count:4}  {question}")
    click.echo(f"chart: {draw_chart(data, output)}")


@main.command()
@click.option("--days", type=int, help="Keep this many days (default: RETENTION_DAYS, 180).")
def retention(days: int | None) -> None:
    """Purge conversations, past sessions' applications, closed tickets and feedback older than the period."""
    import datetime as dt

    from bot.retention import purge
    from kb.db import migrate

    settings = load_settings()
    migrate(settings.database_url)
    counts = purge(settings.database_url, dt.timedelta(days=days or settings.retention_days))
    click.echo(", ".join(f"{kind}: {n}" for kind, n in counts.items()))


def _prepare(settings: Settings) -> Path:
    """What must exist before the servers start: the knowledge base and a trained model."""
    from kb.store import build, deployment_plan_files

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    build(settings.database_url, deployment_plan_files(settings.plans_dir), on_progress=_report)
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
            env=action_server_environment(settings),
            stdout=open(Path(logs) / "actions.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            _run_rasa(
                rasa_project.rasa_command(
                    "shell", "--model", str(model), "--endpoints", str(rasa_project.ENDPOINTS),
                    # Its server (REST only, no HTTP API) is for this terminal, not the network.
                    "--interface", "127.0.0.1",
                )
            )
        finally:
            actions.terminate()
            actions.wait()


@main.command("api-token")
@click.option("--rotate", is_flag=True, help="Replace the generated token (restart the assistant after).")
def api_token(rotate: bool) -> None:
    """Print the Rasa HTTP API token (RASA_API_TOKEN, or the one generated in var/).

    Every API call needs it as ?token=…: curl "localhost:5005/status?token=$(daxing api-token)".
    """
    from bot.settings import rasa_api_token, rotate_api_token

    settings = load_settings()
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


from bot.wechat_menu import menu_command  # noqa: E402  (registered after the group exists)

main.add_command(menu_command)  # daxing wechat-menu [--file PATH] [--dry-run]


if __name__ == "__main__":
    main()
