"""`daxing kb …`: the knowledge base built from the district's plans."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ops.cli.context import command_services

if TYPE_CHECKING:
    from kb.store import BuildResult


@click.group()
def kb() -> None:
    """Knowledge base built from the district's plans (kb/sources)."""


def report_build(result: BuildResult) -> None:
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

    settings = command_services().settings
    build(settings.database_url, deployment_plan_files(settings.plans_dir), on_progress=report_build)


@kb.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be extracted; store nothing.")
def kb_add(path: Path, dry_run: bool) -> None:
    """Add a plan (.txt/.docx/.pdf), kept in the data directory; the running assistant
    answers from it without retraining. Prints what was extracted and any warnings."""
    from kb.loaders import UnsupportedPlanFormat
    from kb.store import add_plan_file, preview_plan_file

    settings = command_services().settings
    try:
        result = preview_plan_file(path) if dry_run else add_plan_file(
            settings.database_url, path, settings.plans_dir)
    except UnsupportedPlanFormat as error:
        raise click.ClickException(str(error)) from None
    report_build(result)
    if dry_run:
        click.echo("（预览：未保存。去掉 --dry-run 即添加。）")


@kb.command("list")
def kb_list() -> None:
    """The stored plans by year: 文号, kind, title, counts, and whether withdrawn."""
    from core.db import migrate
    from kb.store import KnowledgeRepository

    services = command_services()
    migrate(services.settings.database_url)
    with services.database.session() as session:
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

    settings = command_services().settings
    title = remove_plan(settings.database_url, number, settings.plans_dir)
    if title is None:
        raise click.ClickException(f"no stored plan has the number {number}; see `daxing kb list`")
    click.echo(f"withdrawn: {number} 《{title}》")


@kb.command("unanswered")
@click.option("--limit", default=50, show_default=True)
def kb_unanswered(limit: int) -> None:
    """Questions the plans could not answer, newest first, for review."""
    from kb.store import KnowledgeRepository

    with command_services().database.session() as session:
        for row in KnowledgeRepository(session).unanswered(limit):
            click.echo(f"{row.asked_at:%Y-%m-%d %H:%M}  [{row.reason}] {row.intent or '-'}  {row.question}")

