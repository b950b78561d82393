"""The operators' `daxing` commands against a real database: schedule, applications,
tickets and the report (with its chart)."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.clock import beijing_now
from activities.workdays import add_working_days
from handoff.service import HandoffService, TicketRequest, transcript_line
from kb.store import build, plan_files
from ops.cli import main


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'operator.db'}"
    build(url, plan_files())
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("HOTLINE_WEBHOOK_URL", raising=False)
    # The services are built once per process; fresh ones for this database.
    from bot.services import reset_services

    reset_services()
    return url


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_schedule_applications_select_and_export(cli_db: str, tmp_path: Path) -> None:
    start = dt.datetime.combine(add_working_days(beijing_now().date(), 10), dt.time(9, 30))
    schedule = tmp_path / "sessions.csv"
    schedule.write_text(
        "code,activity,starts_at,venue\n"
        f"S9,开放点9,{start:%Y-%m-%d %H:%M},区劳动人事争议仲裁院\n",
        encoding="utf-8",
    )
    assert "1 sessions added" in run("schedule", "import", str(schedule))
    bad = tmp_path / "bad.yml"
    bad.write_text("sessions:\n  - activity: 开放点99\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["schedule", "import", str(bad)])
    assert result.exit_code != 0 and "第1行" in result.output

    from actions.knowledge import activity_service
    from activities.service import ApplicationRequest

    service = activity_service()
    for i in range(3):
        service.apply(ApplicationRequest("S9", f"申请人{i}", f"1370000000{i}", "其他", None, beijing_now()))
    listing = run("applications", "list", "--session", "S9")
    assert "137****0001" in listing and "13700000001" not in listing
    assert "3 selected" in run("applications", "select", "S9", "--method", "lottery", "--seed", "7")
    out = tmp_path / "applications.csv"
    run("applications", "export", "--session", "S9", "-o", str(out))
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert len(rows) == 4 and rows[1][3].startswith("137") and rows[1][6] == "已入选"
    assert "deleted 1 applications" in run("applications", "forget", "137 0000 0001")


def test_tickets_and_report(cli_db: str, tmp_path: Path) -> None:
    service = HandoffService(cli_db, webhook_configured=False)
    ticket = service.open_ticket(
        TicketRequest("socketio", "citizen-9", "complaint", [transcript_line("user", "我要投诉", None)])
    )
    service.record_feedback("citizen-9", False, answer="答复")
    assert ticket.number in run("tickets", "list", "--status", "open")
    assert "我要投诉" in run("tickets", "show", ticket.number)
    assert "closed" in run("tickets", "close", ticket.number, "--note", "已回电")
    chart = tmp_path / "report.png"
    report = run("report", "-o", str(chart))
    assert "不满意 1" in report and "complaint" in report
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_schedule_commands_work_before_the_assistant_ever_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator may load sessions into a brand-new database: the plans are built first."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    from bot.services import reset_services

    reset_services()
    assert "4 sessions added" in run("schedule", "demo")
    assert "DEMO-site9" in run("schedule", "list")


def test_staff_accounts_and_a_taken_over_ticket(cli_db: str) -> None:
    def run_in(stdin: str, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args), input=stdin)
        return result.exit_code, result.output

    assert run_in("a long passphrase\n", "staff", "add", "wang", "--role", "agent", "--display-name", "王小明",
                  "--password-stdin") == (0, "account wang (agent) created\n")
    code, output = run_in("short\n", "staff", "add", "li", "--role", "admin", "--password-stdin")
    assert code != 0 and "密码至少" in output
    code, output = run_in("another passphrase\n", "staff", "add", "wang", "--role", "admin", "--password-stdin")
    assert code != 0 and "已存在" in output
    assert "wang" in run("staff", "disable", "wang") and "disabled" in run("staff", "list")
    run("staff", "enable", "wang")
    assert run_in("a new passphrase 2\n", "staff", "reset-password", "wang", "--password-stdin")[0] == 0

    from bot.services import services

    assert services().staff.log_in("wang", "a new passphrase 2").display_name == "王小明"
    assert [e.action for e in reversed(services().audit.entries(actor="cli"))] == [
        "staff.add", "staff.disable", "staff.enable", "staff.reset_password"]

    ticket = HandoffService(cli_db, webhook_configured=False).open_ticket(
        TicketRequest("socketio", "citizen-10", "requested", [transcript_line("user", "转人工", None)]))
    services().takeover.reply(ticket.number, "wang", "王**", "您好，我来帮您")
    shown = run("tickets", "show", ticket.number)
    assert "taken over by wang" in shown and "staff wang (王**, waiting to be relayed): 您好，我来帮您" in shown
