"""End to end over REST (a fresh conversation per test): what a citizen reads when handed to
people, when asking a question at the call-back prompt, when signing up for an activity that
has no session yet, and when complaining about a personal matter.

The hotline number is always the one in the settings (HOTLINE_NUMBER), never a literal.
Phrasings marked "NLU" rely on training examples; each such test also runs with a phrasing
the model already knew, so the dialogue behaviour is tested either way.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from activities.catalogue import Catalogue
from activities.schedule import import_demo, parse_rows, remove_demo, store
from core.clock import beijing_now
from activities.workdays import add_working_days
from tests.conftest import RunningAssistant
from tests.rasa_api import trigger_intent
from tests.e2e.stored import applications_of, clear_sessions, tickets_of

NLU_FALLBACK, NEGATIVE_FEEDBACK = "nlu_fallback", "negative_feedback"

pytestmark = pytest.mark.e2e

# The call-back question (utter_ask_handoff_phone), asked again after an interjection.
PHONE_QUESTION = "如需工作人员回电"
# The reply to a form answer typed outside any form: never after a refused sign-up.
WHAT_TO_DO = "请问您是想报名活动"
_senders = itertools.count()


def new_sender(kind: str) -> str:
    return f"wording-{kind}-{next(_senders)}"


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages if m.get("text"))


def hotline_then_phone_question(reply: str, hotline: str) -> None:
    """The hotline number is named, and before the call-back question (which comes last)."""
    assert hotline in reply and PHONE_QUESTION in reply, reply
    assert reply.index(hotline) < reply.index(PHONE_QUESTION), reply
    assert reply.rstrip().endswith("不需要回电请回复“不用”。"), reply


@pytest.fixture
def no_sessions(running_assistant: RunningAssistant) -> Iterator[RunningAssistant]:
    clear_sessions(running_assistant)
    yield running_assistant
    clear_sessions(running_assistant)


@pytest.fixture
def demo_schedule(running_assistant: RunningAssistant, catalogue: Catalogue) -> Iterator[RunningAssistant]:
    """`daxing schedule demo`: four labelled demo sessions dated from today."""
    clear_sessions(running_assistant)
    import_demo(running_assistant.settings.database_url, catalogue)
    yield running_assistant
    remove_demo(running_assistant.settings.database_url)
    clear_sessions(running_assistant)


@pytest.fixture
def open_session(running_assistant: RunningAssistant, catalogue: Catalogue) -> Iterator[RunningAssistant]:
    """One open-day session open for sign-up (announced today, ten working days ahead)."""
    clear_sessions(running_assistant)
    today = beijing_now().date()
    starts = add_working_days(today, 10)
    rows = [{"code": "WORDING9", "activity": "开放点9", "starts_at": f"{starts:%Y-%m-%d} 09:30",
             "venue": "区劳动人事争议仲裁院", "announced_on": today.isoformat()}]
    store(running_assistant.settings.database_url, parse_rows(rows, catalogue, today))
    yield running_assistant
    clear_sessions(running_assistant)


# 1. The first reply of every hand-off: acknowledged, the hotline named first, then the
#    optional call-back question; "不用" then opens the ticket.

@pytest.mark.parametrize(
    ("turns", "reason", "acknowledged"),
    [
        (["转人工"], "requested", "转接人工"),
        (["不想跟机器说话"], "requested", "转接人工"),  # NLU
        (["找真人"], "requested", "转接人工"),
        (["我要投诉"], "complaint", "接诉即办"),
        ([NLU_FALLBACK, NLU_FALLBACK], "not_understood", "转接人工"),
        ([NEGATIVE_FEEDBACK], "negative_feedback", "转接人工"),  # the widget's 不满意 button
        (["你这回答我不满意"], "negative_feedback", "转接人工"),  # typed dissatisfaction
    ],
)
def test_the_first_hand_off_reply_names_the_hotline_before_the_call_back_question(
    running_assistant: RunningAssistant, turns: list[str], reason: str, acknowledged: str
) -> None:
    sender = new_sender("first")
    hotline = running_assistant.settings.hotline_number
    for turn in turns:
        if turn in (NLU_FALLBACK, NEGATIVE_FEEDBACK):  # typed "/…" is plain text (issue 15)
            reply = trigger_intent(running_assistant, sender, turn)
        else:
            reply = running_assistant.texts(sender, turn)
    assert acknowledged in reply
    hotline_then_phone_question(reply, hotline)
    assert not tickets_of(running_assistant, sender)  # not before the citizen answered

    done = running_assistant.texts(sender, "不用")
    [ticket] = tickets_of(running_assistant, sender)
    assert ticket.reason == reason and ticket.contact_phone is None
    assert ticket.number in done and hotline in done


# 2. A question at the call-back prompt is answered, then the prompt is asked again.

@pytest.mark.parametrize("question", ["那我打什么电话", "热线电话是多少"])  # the first: NLU
def test_asking_for_the_number_at_the_call_back_prompt_gets_it_then_the_prompt_again(
    running_assistant: RunningAssistant, question: str
) -> None:
    sender = new_sender("hotline")
    hotline = running_assistant.settings.hotline_number
    hotline_then_phone_question(running_assistant.texts(sender, "我要投诉"), hotline)

    reply = running_assistant.texts(sender, question)
    assert "11位" not in reply  # not taken for a wrong phone number
    hotline_then_phone_question(reply, hotline)
    assert "请说“转人工”" not in reply  # the transfer is already under way
    assert not tickets_of(running_assistant, sender)

    done = running_assistant.texts(sender, "不用")
    [ticket] = tickets_of(running_assistant, sender)
    assert ticket.reason == "complaint" and ticket.contact_phone is None and ticket.number in done


def test_a_policy_question_at_the_call_back_prompt_is_answered_then_a_number_opens_the_ticket(
    running_assistant: RunningAssistant,
) -> None:
    sender = new_sender("policy")
    hotline = running_assistant.settings.hotline_number
    hotline_then_phone_question(running_assistant.texts(sender, "转人工"), hotline)

    answer = running_assistant.texts(sender, "医保宣讲是哪个单位负责的")
    assert "医保局" in answer and "11位" not in answer
    assert answer.index("医保局") < answer.index(PHONE_QUESTION) and answer.rstrip().endswith("“不用”。")

    help_menu = running_assistant.texts(sender, "你都能帮我干点啥")
    assert "我可以帮您" in help_menu and help_menu.index("我可以帮您") < help_menu.index(PHONE_QUESTION)

    done = running_assistant.texts(sender, "13812345678")
    [ticket] = tickets_of(running_assistant, sender)
    assert ticket.reason == "requested" and ticket.contact_phone == "13812345678"
    assert ticket.number in done
    assert "医保宣讲是哪个单位负责的" in [line["text"] for line in ticket.transcript]


# 3. Sign-up for an activity with no session yet: one clean sentence with the plan's rule;
#    a name and a phone number typed next continue that attempt, and nothing is stored.

def assert_clean_pending_sentence(reply: str, named: str) -> None:
    assert named in reply and "还没有可以报名的场次" in reply
    assert "时间待公告的具体时间" not in reply and "——" not in reply and "1. " not in reply
    assert "5个工作日" in reply and "区政府网站" in reply and "政务新媒体" in reply
    assert "京兴政务公开办发〔2023〕2号" in reply  # the rule's source, read from the plan
    assert reply.count("。") == 1 and reply.endswith("。")  # one sentence
    assert "{" not in reply and "None" not in reply


def assert_nothing_stored_again(reply: str) -> None:
    assert WHAT_TO_DO not in reply
    assert "还没有可以报名的场次" in reply and "没有登记保存" in reply
    assert "区政府网站" in reply and "政务新媒体" in reply and "5个工作日" in reply
    assert "{" not in reply


@pytest.mark.parametrize(
    ("request_", "named"),
    [
        ("帮我报个名 政府采购宣讲", "“政策公开讲”第2讲“政府采购宣讲”"),
        ("我要报名开放点3", "“政务开放日”开放点3"),
    ],
)
def test_sign_up_without_sessions_says_so_once_and_stores_nothing(
    no_sessions: RunningAssistant, request_: str, named: str
) -> None:
    sender = new_sender("pending")
    messages = no_sessions.say(sender, request_)
    assert len([m for m in messages if m.get("text")]) == 1
    assert_clean_pending_sentence(texts(messages), named)

    for detail in ("陈晓东", "13900001111"):
        reply = no_sessions.texts(sender, detail)
        assert_nothing_stored_again(reply)
        assert named in reply
        assert "13900001111" not in reply

    assert applications_of(no_sessions, sender) == []
    slots = no_sessions.tracker(sender)["slots"]
    assert all(slots.get(s) is None for s in ("applicant_name", "applicant_phone", "application_phone"))
    # The attempt is over once the citizen moves on: a later stray answer is asked about.
    no_sessions.texts(sender, "医保宣讲是哪个单位负责的")
    assert WHAT_TO_DO in no_sessions.texts(sender, "陈晓东")


def test_sign_up_wording_with_the_demo_schedule(demo_schedule: RunningAssistant) -> None:
    # A lecture the demo has no session for: the same clean sentence.
    sender = new_sender("demo-pending")
    assert_clean_pending_sentence(
        demo_schedule.texts(sender, "帮我报个名 政府采购宣讲"), "“政策公开讲”第2讲“政府采购宣讲”"
    )
    assert_nothing_stored_again(demo_schedule.texts(sender, "陈晓东"))

    # A live stream (demo lecture 3): no sign-up, how to watch, and nothing stored after.
    sender = new_sender("demo-online")
    online = demo_schedule.texts(sender, "我要报名政策公开讲3")
    assert "无需报名" in online and "观看方式：" in online and "【演示】" in online
    again = demo_schedule.texts(sender, "13900001111")
    assert WHAT_TO_DO not in again and "没有登记保存" in again and "观看方式：" in again

    # An open demo session still starts the form.
    sender = new_sender("demo-open")
    assert "请问您的姓名" in demo_schedule.texts(sender, "我要报名开放点9")
    assert applications_of(demo_schedule, sender) == []


# 4. A complaint about a personal matter goes to 12345 (接诉即办) and a person, never into
#    the sign-up or application forms.

COMPLAINTS = ["我们楼道灯坏了一个月没人修", "我要投诉窗口工作人员态度太差"]  # the first: NLU


def assert_complaint_path(reply: str, hotline: str) -> None:
    assert "接诉即办" in reply and "转接人工" in reply
    hotline_then_phone_question(reply, hotline)
    for form_prompt in ("姓名", "报名编号", "11位", WHAT_TO_DO):
        assert form_prompt not in reply, reply


@pytest.mark.parametrize("complaint", COMPLAINTS)
def test_a_personal_complaint_goes_to_12345_and_a_person(
    running_assistant: RunningAssistant, complaint: str
) -> None:
    sender = new_sender("complaint")
    hotline = running_assistant.settings.hotline_number
    assert_complaint_path(running_assistant.texts(sender, complaint), hotline)
    running_assistant.texts(sender, "不用")
    [ticket] = tickets_of(running_assistant, sender)
    assert ticket.reason == "complaint"
    assert applications_of(running_assistant, sender) == []


@pytest.mark.parametrize("complaint", COMPLAINTS)
def test_a_complaint_in_the_middle_of_a_form_leaves_the_form(
    open_session: RunningAssistant, complaint: str
) -> None:
    hotline = open_session.settings.hotline_number
    # At the name prompt of the sign-up form.
    sender = new_sender("complaint-signup")
    open_session.say(sender, "我要报名")
    assert "请问您的姓名" in open_session.texts(sender, '/sign_up{"activity_session": "WORDING9"}')
    assert_complaint_path(open_session.texts(sender, complaint), hotline)
    open_session.texts(sender, "不用")
    [ticket] = tickets_of(open_session, sender)
    assert ticket.reason == "complaint"
    assert applications_of(open_session, sender) == []

    # At the phone prompt of the check form.
    sender = new_sender("complaint-check")
    assert "手机号" in open_session.texts(sender, "查询报名")
    assert_complaint_path(open_session.texts(sender, complaint), hotline)
    open_session.texts(sender, "不用")
    [ticket] = tickets_of(open_session, sender)
    assert ticket.reason == "complaint"
