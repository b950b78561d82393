"""End to end over REST (issue 17): a sign-up citizens can steer — corrections at any prompt
and at the summary, in words and by the summary's buttons; everything in one message;
short starts ("报名医保宣讲"); misunderstandings during a sign-up never hand the citizen to a
person, and a number typed for a form is never taken as a call-back number. The stored
application always equals the last summary the citizen confirmed (SQLite here; the same
conversation on PostgreSQL: tests/system/test_production_profile.py)."""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from activities.catalogue import Catalogue
from activities.models import ApplicationRow
from activities.schedule import parse_rows, store
from activities.workdays import add_working_days
from core.clock import beijing_now
from core.privacy import mask_phone
from handoff.models import TicketRow
from tests.conftest import RunningAssistant
from tests.e2e.stored import clear_sessions, rows_of

pytestmark = pytest.mark.e2e

SUMMARY = "请核对报名信息"
_senders = itertools.count()


def new_sender(kind: str) -> str:
    return f"steer-{kind}-{next(_senders)}"


@pytest.fixture
def two_sessions(running_assistant: RunningAssistant, catalogue: Catalogue) -> Iterator[RunningAssistant]:
    """The arbitration open day (开放点9) and the 医保 lecture (政策公开讲4) open for sign-up."""
    clear_sessions(running_assistant)
    today = beijing_now().date()
    sessions = [
        {"code": "STEER9", "activity": "开放点9", "starts_at": f"{add_working_days(today, 10):%Y-%m-%d} 09:30",
         "venue": "区劳动人事争议仲裁院", "announced_on": today.isoformat()},
        {"code": "STEER4", "activity": "政策公开讲4", "starts_at": f"{add_working_days(today, 12):%Y-%m-%d} 14:30",
         "venue": "区医保局报告厅", "announced_on": today.isoformat()},
    ]
    store(running_assistant.settings.database_url, parse_rows(sessions, catalogue, today))
    yield running_assistant
    clear_sessions(running_assistant)


def summary_fields(text: str) -> dict[str, str]:
    """The summary's lines ("姓名：赵莉") as a dict."""
    block = text[text.index(SUMMARY):]
    return dict(re.findall(r"^(活动|姓名|手机号|身份|单位)：(.*)$", block, re.M))


def assert_stored_equals_summary(assistant: RunningAssistant, sender: str, summary: dict[str, str]) -> sa.Row:
    stored = rows_of(assistant, ApplicationRow.__table__, sender)
    assert len(stored) == 1
    row = stored[0]
    assert summary["姓名"] == row.name and summary["手机号"] == mask_phone(row.phone)
    assert summary["身份"] == row.identity and summary["单位"] == (row.organisation or "无")
    return row


def test_a_name_corrected_at_the_phone_prompt_is_what_is_stored(two_sessions: RunningAssistant) -> None:
    me = new_sender("name")
    assert "姓名" in two_sessions.texts(me, "我想报名仲裁调解的开放日")
    assert "手机号" in two_sessions.texts(me, "我叫赵丽")
    corrected = two_sessions.texts(me, "不对 名字写错了 是赵莉")
    assert "赵莉" in corrected and "格式不对" not in corrected and "请留一个手机号" in corrected
    two_sessions.texts(me, "13912345678")
    two_sessions.texts(me, "其他")
    two_sessions.texts(me, "无")
    summary = two_sessions.texts(me, "同意")
    assert summary_fields(summary)["姓名"] == "赵莉"
    assert "报名成功" in two_sessions.texts(me, "确认提交")
    assert assert_stored_equals_summary(two_sessions, me, summary_fields(summary)).name == "赵莉"


def _to_summary(assistant: RunningAssistant, me: str, phone: str) -> str:
    assistant.texts(me, "报名开放点9")
    assistant.texts(me, "王芳")
    assistant.texts(me, phone)
    assistant.texts(me, "其他")
    assistant.texts(me, "无")
    return assistant.texts(me, "同意")


def test_a_phone_corrected_in_words_at_the_summary_is_shown_again_then_stored(two_sessions: RunningAssistant) -> None:
    me = new_sender("summary-words")
    first = _to_summary(two_sessions, me, "13800002222")
    assert summary_fields(first)["手机号"] == "138****2222"
    again = two_sessions.texts(me, "手机号填错了 应该是13800002223")
    assert summary_fields(again)["手机号"] == "138****2223"  # the corrected summary, before storing
    assert rows_of(two_sessions, ApplicationRow.__table__, me) == []
    assert "报名成功" in two_sessions.texts(me, "确认提交")
    assert assert_stored_equals_summary(two_sessions, me, summary_fields(again)).phone == "13800002223"


def test_the_summarys_buttons_change_one_detail(two_sessions: RunningAssistant) -> None:
    me = new_sender("summary-button")
    _to_summary(two_sessions, me, "13800003333")
    summary_buttons = [b["title"] for m in two_sessions.say(me, "有误") for b in m.get("buttons") or []]
    assert {"确认提交", "改姓名", "改手机号", "改身份", "改单位", "不报了"} <= set(summary_buttons)
    assert "身份" in two_sessions.texts(me, "改身份")
    summary = two_sessions.texts(me, "媒体记者")
    assert summary_fields(summary)["身份"] == "媒体记者"
    two_sessions.texts(me, "确认提交")
    assert assert_stored_equals_summary(two_sessions, me, summary_fields(summary)).identity == "媒体记者"


def test_everything_in_one_message_after_the_list_asks_only_what_is_missing(two_sessions: RunningAssistant) -> None:
    me = new_sender("all-in-one")
    assert "医保" in two_sessions.texts(me, "最近有什么活动可以参加")
    reply = two_sessions.texts(me, "我叫王芳 手机13800002224 家长代表 想报名第二场")
    assert "单位" in reply and "姓名" not in reply.split("\n")[-1]
    two_sessions.texts(me, "无")
    summary = two_sessions.texts(me, "同意")
    fields = summary_fields(summary)
    assert fields["姓名"] == "王芳" and fields["手机号"] == "138****2224" and "医保" in fields["活动"]
    assert fields["身份"] == "群众代表（家长或企业代表）"


def test_a_short_start_signs_up_and_its_answers_never_become_a_call_back(two_sessions: RunningAssistant) -> None:
    me = new_sender("short")
    assert "姓名" in two_sessions.texts(me, "报名医保宣讲")
    assert "手机号" in two_sessions.texts(me, "王芳")
    assert "身份" in two_sessions.texts(me, "13800002225")
    assert rows_of(two_sessions, TicketRow.__table__, me) == []


def test_an_activity_by_the_first_word_of_its_title_and_a_cancel_with_its_details(two_sessions: RunningAssistant) -> None:
    """"我想报名 仲裁那个" chooses 开放点9 among the open sessions (its title's first word);
    "那天有事 取消报名 <phone> <reference>" cancels it whatever the NLU labelled it."""
    me = new_sender("head-cancel")
    assert "姓名" in two_sessions.texts(me, "我想报名 仲裁那个")
    two_sessions.texts(me, "王芳")
    two_sessions.texts(me, "13800002226")
    two_sessions.texts(me, "其他")
    two_sessions.texts(me, "無")  # none, in traditional characters
    summary = summary_fields(two_sessions.texts(me, "同意"))
    assert "开放点9" in summary["活动"] and summary["单位"] == "无"
    done = two_sessions.texts(me, "确认提交")
    reference = re.search(r"报名编号：(DX-[A-Z0-9]{6})", done).group(1)
    cancelled = two_sessions.texts(me, f"那天孩子考试 取消报名 13800002226 {reference}")
    assert "已为您取消报名" in cancelled and "当前状态：已取消" in cancelled
    assert rows_of(two_sessions, ApplicationRow.__table__, me)[0].status == "已取消"


def test_misunderstandings_after_a_sign_up_that_could_not_start_hand_off_nobody(
        running_assistant: RunningAssistant) -> None:
    clear_sessions(running_assistant)  # nothing open: the sign-up cannot start
    me = new_sender("nothing-open")
    running_assistant.texts(me, "报名医保宣讲")
    for typed in ("陈晓东", "13900001111", "嗯嗯嗯", "啊啊啊"):
        reply = running_assistant.texts(me, typed)
        assert "为您转接人工" not in reply
    assert rows_of(running_assistant, TicketRow.__table__, me) == []
    assert rows_of(running_assistant, ApplicationRow.__table__, me) == []
    assert (running_assistant.tracker(me).get("active_loop") or {}).get("name") != "handoff_form"


def test_a_corrected_sign_up_on_wechat_with_numbered_buttons(two_sessions: RunningAssistant, wechat) -> None:  # type: ignore[no-untyped-def]
    me = f"o-steer-{next(_senders)}"
    assert "姓名" in wechat.text(me, "报名开放点9").text
    wechat.text(me, "刘洋")
    identity = wechat.text(me, "13800005555").text
    assert "回复数字即可" in identity
    other = re.search(r"(\d+)\. 其他", identity)
    assert other is not None
    wechat.text(me, other.group(1))
    wechat.text(me, "无")
    summary = wechat.text(me, "同意").text
    change_phone = re.search(r"(\d+)\. 改手机号", summary)
    assert change_phone is not None and summary_fields(summary)["手机号"] == "138****5555"
    assert "手机号" in wechat.text(me, change_phone.group(1)).text
    again = wechat.text(me, "13800005556").text
    assert summary_fields(again)["手机号"] == "138****5556"
    confirm = re.search(r"(\d+)\. 确认提交", again)
    assert confirm is not None
    assert "报名成功" in wechat.text(me, confirm.group(1)).text
    assert assert_stored_equals_summary(two_sessions, me, summary_fields(again)).phone == "13800005556"
