"""`daxing tickets …` and `daxing report`: hand-off tickets and the satisfaction report."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from core.clock import BEIJING, beijing_epoch
from core.privacy import mask_phones_in
from core.rasa_events import messages_of

from ops.cli.context import command_services

if TYPE_CHECKING:
    from handoff.service import HandoffService


def _handoff_service() -> "HandoffService":
    """This invocation's hand-off service, over a database migrated to the newest schema."""
    from core.db import migrate

    services = command_services()
    migrate(services.settings.database_url)
    return services.handoff


@click.group()
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
    """One ticket with the conversation that led to it and what was said since (staff too)."""
    ticket = _handoff_service().ticket(number)
    if ticket is None:
        raise click.ClickException(f"no ticket {number}")
    click.echo(f"ticket {ticket.number} ({ticket.status}, {ticket.reason}) from {ticket.sender_id} via {ticket.channel}")
    click.echo(f"contact phone: {ticket.masked_phone or '-'}")
    for line in ticket.transcript:
        click.echo(f"  [{line['at'] or ''}] {line['role']}: {line['text']}")
    services = command_services()
    with services.database.session() as session:
        since = messages_of(session, ticket.sender_id, beijing_epoch(ticket.created_at))
    if since:
        click.echo("since the ticket (the conversation as stored; staff messages marked):")
    for kind, text, metadata, at in since:
        staff = metadata.get("staff") if isinstance(metadata.get("staff"), dict) else None
        role = "user" if kind == "user" else (f"staff {staff.get('name')}" if staff else "bot")
        click.echo(f"  [{dt.datetime.fromtimestamp(at, BEIJING):%Y-%m-%d %H:%M:%S}] {role}: {mask_phones_in(text)}")
    waiting = [r for r in services.takeover.messages(number) if r.delivered_at is None]
    if ticket.claimed_by:
        click.echo(f"taken over by {ticket.claimed_by} in the console")
    for reply in waiting:  # stored, not yet in the conversation
        click.echo(f"  [{reply.created_at:%Y-%m-%d %H:%M:%S}] staff {reply.staff_name} ({reply.shown_as}, "
                   f"waiting to be relayed): {reply.text}")
    if ticket.note:
        click.echo(f"note: {ticket.note}")


@tickets.command("close")
@click.argument("number")
@click.option("--note", help="What was done, for the record.")
def tickets_close(number: str, note: str | None) -> None:
    """Close a ticket; the hand-off worker gives the conversation back to the bot."""
    ticket = _handoff_service().close(number, note)
    if ticket is None:
        raise click.ClickException(f"no ticket {number}")
    click.echo(f"ticket {ticket.number}: {ticket.status}")


@click.command()
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

