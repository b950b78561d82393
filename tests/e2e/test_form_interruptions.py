"""End to end over REST: what a citizen types at a form's prompt — the hand-off's call-back
question, the sign-up form, the check/cancel form — is read the same way everywhere:

- "算了/不用了/取消/不转了" leaves the form (for the hand-off: no ticket, the assistant goes
  on answering), with courtesies around it too ("不用了，谢谢", "算了吧，不麻烦了"), while
  "不用/不需要/不留电话" at the call-back question hands off without a number;
- a question is answered, then the prompt is asked again, and the form then completes —
  the sign-up's first prompt (which session) included: only a session choice fills it;
- a phone number in any written form (full-width or mixed digits, +86, dashes) is stored as
  its canonical 11 digits.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from activities.catalogue import Catalogue
from activities.schedule import parse_rows, store
from core.clock import beijing_now
from activities.workdays import add_working_days
from tests.conftest import RunningAssistant
from tests.e2e.stored import applications_of, clear_sessions, tickets_of

pytestmark = pytest.mark.e2e

# The prompts (bot/domain/handoff.yml, activities.yml).
CALL_BACK_QUESTION = "如需工作人员回电"
SIGNUP_PHONE_PROMPT = "请留一个手机号"
SESSION_PROMPT = "请选择您要报名的一场"
NAME_PROMPT = "请问您的姓名"
NO_SESSION_FOUND = "没能确定您要报名哪一场"
CHECK_PHONE_PROMPT = "请提供报名时填写的手机号"
REFERENCE_PROMPT = "请提供报名编号"
# A question the plans answer, and what the answer names.
QUESTION, ANSWERED = "医保宣讲是哪个单位负责的", "医保局"
INVALID_PHONE = "手机号格式不对"
_senders = itertools.count()


def new_sender(kind: str) -> str:
    return f"interrupt-{kind}-{next(_senders)}"


@pytest.fixture
def open_session(running_assistant: RunningAssistant, catalogue: Catalogue) -> Iterator[RunningAssistant]:
    """One open-day session open for sign-up (announced today, ten working days ahead)."""
    clear_sessions(running_assistant)
    today = beijing_now().date()
    starts = add_working_days(today, 10)
    session = [{"code": "INTERRUPT9", "activity": "开放点9", "starts_at": f"{starts:%Y-%m-%d} 09:30",
                "venue": "区劳动人事争议仲裁院", "announced_on": today.isoformat()}]
    store(running_assistant.settings.database_url, parse_rows(session, catalogue, today))
    yield running_assistant
    clear_sessions(running_assistant)


def asks_again(reply: str, prompt: str, before: str) -> None:
    """`before` was said, then the prompt again, and nothing complained about the format."""
    assert before in reply and prompt in reply, reply
    assert reply.index(before) < reply.rindex(prompt), reply
    assert INVALID_PHONE not in reply and "11位" not in reply.split(prompt)[0], reply


# --- 1. Leaving the hand-off at the call-back question ------------------------------------

@pytest.mark.parametrize("leaving", [
    "算了", "不用了", "取消", "算了 不转了", "不转人工了",
    # Courtesies around the word of leaving do not hide it; "了" tells it from "不需要".
    "不用了，谢谢", "那就不用了谢谢", "谢谢，不用了", "算了吧，不麻烦了", "没事了", "我不需要了",
])
def test_changing_ones_mind_at_the_call_back_question_opens_no_ticket(
    running_assistant: RunningAssistant, leaving: str
) -> None:
    sender = new_sender("cancel")
    assert CALL_BACK_QUESTION in running_assistant.texts(sender, "转人工")
    reply = running_assistant.texts(sender, leaving)
    assert "不转人工了" in reply and running_assistant.settings.hotline_number in reply, reply
    assert "工单号" not in reply
    assert tickets_of(running_assistant, sender) == []
    assert not running_assistant.tracker(sender)["paused"]
    # The assistant keeps answering.
    assert ANSWERED in running_assistant.texts(sender, QUESTION)
    assert tickets_of(running_assistant, sender) == []


@pytest.mark.parametrize("no_number", ["不用", "不需要", "不需要，谢谢", "不留电话", "不用回电", "没有手机"])
def test_declining_only_the_number_still_hands_off(running_assistant: RunningAssistant, no_number: str) -> None:
    sender = new_sender("no-number")
    running_assistant.say(sender, "转人工")
    reply = running_assistant.texts(sender, no_number)
    [ticket] = tickets_of(running_assistant, sender)
    assert ticket.number in reply and ticket.contact_phone is None and ticket.consent_at is None


# --- 2. A question at each form's phone prompt, then the form completes --------------------

def test_questions_at_the_call_back_question_then_a_mixed_width_number(
    running_assistant: RunningAssistant,
) -> None:
    sender = new_sender("handoff")
    hotline = running_assistant.settings.hotline_number
    running_assistant.say(sender, "转人工")
    asks_again(running_assistant.texts(sender, "热线电话是多少"), CALL_BACK_QUESTION, hotline)
    asks_again(running_assistant.texts(sender, QUESTION), CALL_BACK_QUESTION, ANSWERED)
    assert tickets_of(running_assistant, sender) == []
    reply = running_assistant.texts(sender, "139１２３４００８２")
    [ticket] = tickets_of(running_assistant, sender)
    assert ticket.number in reply
    assert ticket.contact_phone == "13912340082" and ticket.consent_at is not None


def sign_up_to_the_phone_prompt(assistant: RunningAssistant, sender: str) -> None:
    assistant.say(sender, "我要报名")
    assert "请问您的姓名" in assistant.texts(sender, '/sign_up{"activity_session": "INTERRUPT9"}')
    assert SIGNUP_PHONE_PROMPT in assistant.texts(sender, "王小明")


def test_questions_at_the_sign_up_phone_prompt_then_a_full_width_number(open_session: RunningAssistant) -> None:
    sender = new_sender("signup")
    hotline = open_session.settings.hotline_number
    sign_up_to_the_phone_prompt(open_session, sender)
    asks_again(open_session.texts(sender, "热线电话是多少"), SIGNUP_PHONE_PROMPT, hotline)
    asks_again(open_session.texts(sender, QUESTION), SIGNUP_PHONE_PROMPT, ANSWERED)
    assert "身份" in open_session.texts(sender, "＋８６ １３９－１２３４－００８２")
    assert "单位" in open_session.texts(sender, '/inform{"identity": "群众代表（家长或企业代表）"}')
    assert "同意" in open_session.texts(sender, "无")
    summary = open_session.texts(sender, "同意")
    assert "139****0082" in summary and "13912340082" not in summary
    assert "报名成功" in open_session.texts(sender, "确认提交")
    [application] = applications_of(open_session, sender)
    assert application.phone == "13912340082"


def test_leaving_the_sign_up_at_the_phone_prompt_stores_nothing(open_session: RunningAssistant) -> None:
    sender = new_sender("signup-leave")
    sign_up_to_the_phone_prompt(open_session, sender)
    assert "已停止报名" in open_session.texts(sender, "不用了")
    assert applications_of(open_session, sender) == []
    assert ANSWERED in open_session.texts(sender, QUESTION)


def test_questions_at_the_check_form_prompts_then_the_application_is_found(open_session: RunningAssistant) -> None:
    applicant = new_sender("applicant")
    sign_up_to_the_phone_prompt(open_session, applicant)
    open_session.say(applicant, "13912340082")
    open_session.say(applicant, '/inform{"identity": "群众代表（家长或企业代表）"}')
    open_session.say(applicant, "无")
    open_session.say(applicant, "同意")
    open_session.say(applicant, "确认提交")
    [application] = applications_of(open_session, applicant)

    sender = new_sender("check")
    hotline = open_session.settings.hotline_number
    assert CHECK_PHONE_PROMPT in open_session.texts(sender, "我想查一下我的报名")
    asks_again(open_session.texts(sender, "热线电话是多少"), CHECK_PHONE_PROMPT, hotline)
    asks_again(open_session.texts(sender, QUESTION), CHECK_PHONE_PROMPT, ANSWERED)
    assert REFERENCE_PROMPT in open_session.texts(sender, "139 1234 ００８２")
    asks_again(open_session.texts(sender, "热线电话是多少"), REFERENCE_PROMPT, hotline)
    status = open_session.texts(sender, application.reference)
    assert "待遴选" in status and "139****0082" in status

    # "算了" leaves the check form too, and the assistant goes on.
    sender = new_sender("check-leave")
    open_session.say(sender, "查询报名")
    left = open_session.texts(sender, "算了")
    assert "不查了" in left and CHECK_PHONE_PROMPT not in left
    assert ANSWERED in open_session.texts(sender, QUESTION)


@pytest.mark.parametrize("leaving", ["不报了谢谢", "好的，不用了"])
def test_leaving_the_sign_up_with_courtesies_stores_nothing(open_session: RunningAssistant, leaving: str) -> None:
    sender = new_sender("signup-leave-politely")
    sign_up_to_the_phone_prompt(open_session, sender)
    reply = open_session.texts(sender, leaving)
    assert "已停止报名" in reply and SIGNUP_PHONE_PROMPT not in reply, reply
    assert applications_of(open_session, sender) == []


# --- 3. The sign-up's first prompt: which session ------------------------------------------

def at_the_session_prompt(assistant: RunningAssistant, kind: str) -> str:
    sender = new_sender(kind)
    assert SESSION_PROMPT in assistant.texts(sender, "我要报名")
    return sender


def chosen_session(assistant: RunningAssistant, sender: str) -> str | None:
    return assistant.tracker(sender)["slots"].get("activity_session")


def test_questions_at_the_session_prompt_then_a_number_from_the_list(open_session: RunningAssistant) -> None:
    sender = at_the_session_prompt(open_session, "session")
    hotline = open_session.settings.hotline_number
    for question, answered in [("热线电话是多少", hotline), (QUESTION, ANSWERED), ("我想问问开放点9在哪", "开放点9")]:
        reply = open_session.texts(sender, question)
        asks_again(reply, SESSION_PROMPT, answered)
        assert NO_SESSION_FOUND not in reply and NAME_PROMPT not in reply, reply
        assert chosen_session(open_session, sender) is None
    assert NAME_PROMPT in open_session.texts(sender, "1")
    assert chosen_session(open_session, sender) == "INTERRUPT9"


@pytest.mark.parametrize("choice", ["开放点9", "报名第1场", "第一个", '/sign_up{"activity_session": "INTERRUPT9"}'])
def test_a_session_choice_at_the_session_prompt(open_session: RunningAssistant, choice: str) -> None:
    sender = at_the_session_prompt(open_session, "session-choice")
    assert NAME_PROMPT in open_session.texts(sender, choice)
    assert chosen_session(open_session, sender) == "INTERRUPT9"


def test_something_that_is_no_session_at_the_session_prompt_lists_them_again(open_session: RunningAssistant) -> None:
    sender = at_the_session_prompt(open_session, "session-none")
    reply = open_session.texts(sender, "第5场")
    assert NO_SESSION_FOUND in reply and SESSION_PROMPT in reply, reply
    assert chosen_session(open_session, sender) is None


def test_requests_at_the_session_prompt_go_their_own_way(open_session: RunningAssistant) -> None:
    sender = at_the_session_prompt(open_session, "session-human")
    reply = open_session.texts(sender, "转人工")
    assert CALL_BACK_QUESTION in reply and NO_SESSION_FOUND not in reply, reply
    assert "不转人工了" in open_session.texts(sender, "不用了，谢谢")
    assert tickets_of(open_session, sender) == [] and applications_of(open_session, sender) == []

    sender = at_the_session_prompt(open_session, "session-check")
    reply = open_session.texts(sender, "查询报名")
    assert CHECK_PHONE_PROMPT in reply and NO_SESSION_FOUND not in reply, reply


@pytest.mark.parametrize("leaving", ["算了", "不报了谢谢"])
def test_leaving_at_the_session_prompt(open_session: RunningAssistant, leaving: str) -> None:
    sender = at_the_session_prompt(open_session, "session-leave")
    reply = open_session.texts(sender, leaving)
    assert "已停止报名" in reply and SESSION_PROMPT not in reply, reply
    assert chosen_session(open_session, sender) is None
    assert ANSWERED in open_session.texts(sender, QUESTION)
