"""End to end over REST: schedule lookup, sign-up, check and cancel with the real servers.

Sessions are dated from today (Beijing time), so the registration windows are real ones.
"""
from __future__ import annotations

from collections.abc import Iterator

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from activities.catalogue import Catalogue
from activities.models import ActivitySessionRow, ApplicationRow
from core.privacy import mask_phone
from activities.schedule import parse_rows, store
from core.clock import beijing_now
from activities.workdays import add_working_days, subtract_working_days
from core.db import engine_for
from tests.conftest import RunningAssistant

PHONE = "13812345678"
DATE = re.compile(r"\d{1,2}月\d{1,2}日")


def _at(working_days: int, time: str) -> dt.datetime:
    day = add_working_days(beijing_now().date(), working_days)
    return dt.datetime.combine(day, dt.time.fromisoformat(time))


def schedule_rows() -> list[dict]:
    today = beijing_now().date()
    closed_start = _at(1, "09:00")
    return [
        {"code": "LIVE3", "activity": "政策公开讲3", "starts_at": f"{_at(6, '10:00'):%Y-%m-%d %H:%M}",
         "mode": "线上直播", "live_details": "“北京大兴”微信视频号直播", "announced_on": today.isoformat()},
        {"code": "SITE9", "activity": "开放点9", "starts_at": f"{_at(10, '09:30'):%Y-%m-%d %H:%M}",
         "venue": "区劳动人事争议仲裁院", "announced_on": today.isoformat()},
        {"code": "LEC4", "activity": "政策公开讲4", "starts_at": f"{_at(12, '14:30'):%Y-%m-%d %H:%M}",
         "venue": "区医保局报告厅", "mode": "线上线下结合", "live_details": "视频号同步直播",
         "announced_on": today.isoformat()},
        {"code": "SITE7", "activity": "开放点7", "starts_at": f"{closed_start:%Y-%m-%d %H:%M}",
         "venue": "区公共法律服务中心",
         "announced_on": subtract_working_days(closed_start.date(), 5).isoformat()},
    ]


def _clear(url: str) -> None:
    with engine_for(url).begin() as connection:
        connection.execute(sa.delete(ApplicationRow.__table__))
        connection.execute(sa.delete(ActivitySessionRow.__table__))


@pytest.fixture
def no_sessions(running_assistant: RunningAssistant) -> RunningAssistant:
    _clear(running_assistant.settings.database_url)
    return running_assistant


@pytest.fixture
def scheduled(running_assistant: RunningAssistant, catalogue: Catalogue) -> Iterator[RunningAssistant]:
    """Two sessions loaded for the test, removed after it: the assistant is shared by every
    e2e module, and the others expect no session announced unless they load their own."""
    url = running_assistant.settings.database_url
    _clear(url)
    store(url, parse_rows(schedule_rows(), catalogue, beijing_now().date()))
    yield running_assistant
    _clear(url)


def applications(assistant: RunningAssistant) -> list[sa.Row]:
    with engine_for(assistant.settings.database_url).connect() as connection:
        return connection.execute(sa.select(ApplicationRow.__table__)).all()


def buttons(messages: list[dict]) -> list[dict]:
    return [b for m in messages for b in m.get("buttons", [])]


def sign_up(assistant: RunningAssistant, sender: str, phone: str = PHONE) -> str:
    """The whole form for the open-day session; returns the final reply."""
    choices = buttons(assistant.say(sender, "我要报名"))
    site9 = next(b for b in choices if "SITE9" in b["payload"])
    assert "请问您的姓名" in assistant.texts(sender, site9["payload"])
    assert "手机号" in assistant.texts(sender, "我叫王小明")
    assert "身份" in assistant.texts(sender, phone)
    assert "单位" in assistant.texts(sender, '/inform{"identity": "群众代表（家长或企业代表）"}')
    assert "同意" in assistant.texts(sender, "大兴区第一中学")
    summary = assistant.texts(sender, "同意")
    assert "王小明" in summary and mask_phone(phone) in summary and phone not in summary
    return assistant.texts(sender, "确认提交")


def test_without_sessions_no_date_is_shown_only_the_announcement_rule(no_sessions: RunningAssistant) -> None:
    reply = no_sessions.texts("act-1", "政务开放日什么时候举办？")
    assert "时间待公告" in reply
    assert "5个工作日" in reply and "3个工作日" in reply
    assert not DATE.search(reply)


def test_lookup_lists_announced_sessions_and_follows_up_by_position(scheduled: RunningAssistant) -> None:
    messages = scheduled.say("act-2", "最近有什么活动可以参加")
    text = "\n".join(m.get("text", "") for m in messages)
    assert "1. " in text and "2. " in text and DATE.search(text)
    assert any(b["title"].startswith("报名第") for b in buttons(messages))
    # Soonest first: the closed open-day session, then the live stream, then the open day.
    assert text.index("开放点7") < text.index("第3讲") < text.index("开放点9")
    detail = scheduled.texts("act-2", "那第二个呢")
    assert "人社普法" in detail and "无需报名" in detail and "微信视频号" in detail
    detail = scheduled.texts("act-2", "第三个呢")
    assert "区劳动人事争议仲裁院" in detail and "正在报名" in detail


def test_sign_up_with_a_question_in_the_middle_saves_a_pending_application(
    scheduled: RunningAssistant,
) -> None:
    sender = "act-3"
    choices = buttons(scheduled.say(sender, "我想报名参加活动"))
    site9 = next(b for b in choices if "SITE9" in b["payload"])
    scheduled.say(sender, site9["payload"])
    scheduled.say(sender, "王小明")
    assert "手机号格式不对" in scheduled.texts(sender, "123456")
    assert "身份" in scheduled.texts(sender, "我的手机号是138 1234 5678")
    interjection = scheduled.texts(sender, "人大代表可以报名吗")
    assert "人大代表" in interjection
    assert "单位" in scheduled.texts(sender, "我是家长")
    scheduled.say(sender, "无")
    scheduled.say(sender, "同意")
    reply = scheduled.texts(sender, "确认")
    assert "报名成功" in reply and "待遴选" in reply and "138****5678" in reply
    reference = re.search(r"DX-[0-9A-Z]{6}", reply).group(0)
    [row] = applications(scheduled)
    assert (row.reference, row.phone, row.status, row.name) == (reference, PHONE, "待遴选", "王小明")
    assert row.identity == "群众代表（家长或企业代表）" and row.organisation is None
    assert row.consent_at is not None and row.sender_id == sender

    again = sign_up(scheduled, "act-3b")
    assert "已经报名过" in again and reference in again
    assert len(applications(scheduled)) == 1


def test_stopping_midway_saves_nothing(scheduled: RunningAssistant) -> None:
    sender = "act-4"
    choices = buttons(scheduled.say(sender, "我要报名"))
    scheduled.say(sender, next(b for b in choices if "SITE9" in b["payload"])["payload"])
    scheduled.say(sender, "李四")
    assert "已停止报名" in scheduled.texts(sender, "算了，不报了")
    assert applications(scheduled) == []


def test_refusals_say_why_and_what_to_do(scheduled: RunningAssistant) -> None:
    online = scheduled.texts("act-5", "我要报名人社普法宣讲")
    assert "线上直播" in online and "无需报名" in online and "微信视频号" in online
    closed = scheduled.texts("act-6", "我要报名开放点7")
    assert "已于" in closed and "截止" in closed
    pending = scheduled.texts("act-7", "帮我报名第3个开放点")
    assert "时间待公告" in pending and "5个工作日" in pending
    assert applications(scheduled) == []


def test_check_and_cancel_with_phone_and_reference(scheduled: RunningAssistant) -> None:
    reference = re.search(r"DX-[0-9A-Z]{6}", sign_up(scheduled, "act-8")).group(0)
    assert "手机号" in scheduled.texts("act-9", "查询报名")
    assert "编号" in scheduled.texts("act-9", PHONE)
    status = scheduled.texts("act-9", reference.lower().replace("-", ""))
    assert "待遴选" in status and "138****5678" in status
    scheduled.say("act-9", "帮我取消报名")
    scheduled.say("act-9", PHONE)
    assert "已为您取消报名" in scheduled.texts("act-9", f"编号{reference}")
    [row] = applications(scheduled)
    assert row.status == "已取消"
    scheduled.say("act-10", "查一下我的报名")
    scheduled.say("act-10", "13900001111")
    assert "没有找到" in scheduled.texts("act-10", reference)


def test_logs_never_contain_a_full_phone_number(scheduled: RunningAssistant, test_var_dir) -> None:  # type: ignore[no-untyped-def]
    sign_up(scheduled, "act-11", phone="13987654321")
    logs = "".join(p.read_text(errors="replace") for p in (test_var_dir / "logs").glob("*"))
    assert "139****4321" in logs  # the debug logs quote the message, masked
    assert "13987654321" not in logs
