"""End to end: the running assistant (Rasa server, action server, hand-off worker, at DEBUG,
where Rasa quotes every message) writes no whole phone number into any of its log files.

Phone numbers go in as a citizen writes them — in a sentence after a Chinese character (the
JSON escape of 码 ends in a digit: \\u7801), with spaces, in full-width digits — in plain
messages, a hand-off with a call-back number (ticket, hotline delivery, hand-back through the
API) and a sign-up. Then every log file of the run is read.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from activities.catalogue import Catalogue
from activities.models import ActivitySessionRow, ApplicationRow
from activities.schedule import parse_rows, store
from core.clock import beijing_now
from activities.workdays import add_working_days
from handoff.models import TicketRow
from handoff.service import HandoffService
from core.db import engine_for
from tests.conftest import RunningAssistant, wait_for

pytestmark = pytest.mark.e2e

# Numbers nobody else's test uses, so each can be looked for on its own.
IN_SENTENCE = "13912340079"
SPACED = "13912340081"
FULL_WIDTH = "13912340083"
HANDOFF_PHONE = "13912340085"
SIGNUP_PHONE = "13912340087"
ALL = [IN_SENTENCE, SPACED, FULL_WIDTH, HANDOFF_PHONE, SIGNUP_PHONE]
SESSION = "MASKLOG9"

# A whole mainland mobile number, not glued to other digits, once escapes are taken out.
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\x[0-9a-fA-F]{2}|%[0-9a-fA-F]{2}")


def _wide(digits: str) -> str:
    return digits.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


@pytest.fixture
def open_session(running_assistant: RunningAssistant, catalogue: Catalogue) -> Iterator[RunningAssistant]:
    """One open-day session open for sign-up; removed afterwards with its applications."""
    url = running_assistant.settings.database_url
    today = beijing_now().date()
    rows = [{"code": SESSION, "activity": "开放点9",
             "starts_at": f"{add_working_days(today, 10):%Y-%m-%d} 09:30",
             "venue": "区劳动人事争议仲裁院", "announced_on": today.isoformat()}]
    store(url, parse_rows(rows, catalogue, today))
    yield running_assistant
    with engine_for(url).begin() as connection:
        connection.execute(sa.delete(ApplicationRow.__table__))
        connection.execute(sa.delete(ActivitySessionRow.__table__).where(ActivitySessionRow.code == SESSION))


def _sign_up(assistant: RunningAssistant, sender: str) -> str:
    choices = [b for m in assistant.say(sender, "我要报名") for b in m.get("buttons") or []]
    session = next((b for b in choices if SESSION in b["payload"]), None)
    if session is None:
        return ""
    assistant.say(sender, session["payload"])
    assistant.say(sender, "我叫王小明")
    assistant.say(sender, SIGNUP_PHONE)
    assistant.say(sender, '/inform{"identity": "群众代表（家长或企业代表）"}')
    assistant.say(sender, "大兴区第一中学")
    assistant.say(sender, "同意")
    return assistant.texts(sender, "确认提交")


def _log_files(assistant: RunningAssistant) -> list[Path]:
    assert assistant.assistant.log_dir is not None
    return sorted(p for p in assistant.assistant.log_dir.rglob("*") if p.is_file())


def test_no_log_file_of_the_run_holds_a_whole_phone_number(open_session: RunningAssistant) -> None:
    assistant = open_session
    assert assistant.settings.log_level.upper() == "DEBUG"  # Rasa logs every message's text

    assistant.say("mask-plain", f"我的手机号码{IN_SENTENCE}，医保宣讲是哪个单位负责的")
    assistant.say("mask-plain", f"电话 {SPACED[:3]} {SPACED[3:7]} {SPACED[7:]}")
    assistant.say("mask-plain", f"号码{_wide(FULL_WIDTH)}")

    # Hand-off with a call-back number: ticket, delivery to the hotline, hand-back through
    # the Rasa API (the worker sends the token). The dialogue's own results are asserted
    # after the logs, so that the logs are checked whatever the dialogue did.
    asked_phone = "手机号" in assistant.texts("mask-handoff", "我要找人工客服")
    assistant.say("mask-handoff", HANDOFF_PHONE)
    with engine_for(assistant.settings.database_url).connect() as connection:
        tickets = connection.execute(
            sa.select(TicketRow.__table__).where(TicketRow.sender_id == "mask-handoff")
        ).all()
    handed_back = False
    if tickets:
        HandoffService(assistant.settings.database_url, webhook_configured=True).close(tickets[0].number)
        handed_back = wait_for(lambda: not assistant.tracker("mask-handoff")["paused"])
    signed_up = _sign_up(assistant, "mask-signup")
    time.sleep(1.0)  # let the servers flush their last lines

    logs = {path.name: path.read_text(encoding="utf-8", errors="replace") for path in _log_files(assistant)}
    assert {"rasa.log", "actions.log", "handoff.log"} <= set(logs)
    everything = "\n".join(logs.values())
    for phone in ALL:
        assert phone not in everything, f"{phone} unmasked in the logs"
    wide = _wide(FULL_WIDTH)
    assert wide not in everything
    assert "".join(f"\\u{ord(c):04x}" for c in wide) not in everything.lower()  # JSON-escaped
    assert _masked(IN_SENTENCE) in logs["rasa.log"]  # the messages were logged, masked
    assert _masked(SIGNUP_PHONE) in everything
    for name, text in logs.items():
        unescaped = _ESCAPE.sub(" ", text)
        for line in unescaped.splitlines():
            assert not _MOBILE.search(line), f"{name}: {line[:300]}"

    assert asked_phone and [t.contact_phone for t in tickets] == [HANDOFF_PHONE]
    assert handed_back
    assert "DX-" in signed_up
