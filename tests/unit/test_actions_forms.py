"""The sign-up, check/cancel and hand-off forms' actions in-process: their validate_* actions
given the tracker Rasa's FormAction sends them (tests/unit/actions_support.py `at_prompt`,
`at_activation`), and the actions around the forms, over the real plans and sessions loaded
into a private database. No server.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from actions.forms import ActionStopForm
from actions.handoff import ValidateHandoffForm
from actions.policy import ActionFollowUp, ActionShowActivities
from actions.applications import ActionHandleApplication, ActionStartApplication, ValidateApplicationForm
from actions.signup import (
    ActionAnswerFormInput, ActionAskActivitySession, ActionAskSignupConfirmed, ActionSubmitSignup,
    ValidateSignupForm,
)
from tests.unit.actions_support import (
    TEST_HOTLINE, Conversation, act, action_services, at_activation, at_prompt, followup, rendered, responses,
    slots_set, tracker_for,
)

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("services")]

PHONE = "13912340082"
# A sign-up that has its session and name, at the phone prompt.
NAMED = {"activity_session": "S9", "applicant_name": "王小明"}
ALL_BUT_CONSENT = {**NAMED, "applicant_phone": PHONE, "applicant_identity": "其他", "applicant_organisation": "无"}


@pytest.fixture(scope="module")
def services(knowledge_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The actions' settings on a private copy of the plans' database, hotline TEST_HOTLINE."""
    with action_services(knowledge_db, tmp_path_factory.mktemp("actions-forms")) as url:
        yield url


@pytest.fixture()
def sessions(services: str) -> Iterator[list[str]]:
    """Two sessions open for sign-up a month from now (开放点9 and 政策公开讲4), loaded the
    way operators load a schedule; removed, with their applications, afterwards."""
    from actions.knowledge import activity_service
    from activities.models import ActivitySessionRow, ApplicationRow
    from core.clock import beijing_now
    from core.db import engine_for
    from tests.activity_support import load

    today = beijing_now().date()
    starts = dt.datetime.combine(today + dt.timedelta(days=30), dt.time(9, 30))
    announced = str(today - dt.timedelta(days=1))
    load(activity_service(),
         {"code": "S9", "activity": "开放点9", "starts_at": f"{starts:%Y-%m-%d %H:%M}",
          "venue": "区劳动人事争议仲裁院", "capacity": 30, "announced_on": announced},
         {"code": "S4", "activity": "政策公开讲4", "starts_at": f"{starts + dt.timedelta(days=2):%Y-%m-%d %H:%M}",
          "venue": "区医保局", "capacity": 30, "announced_on": announced})
    yield ["S9", "S4"]
    with engine_for(services).begin() as connection:
        connection.execute(sa.delete(ApplicationRow.__table__))
        connection.execute(sa.delete(ActivitySessionRow.__table__))


def validate(action, events, slots=None):  # type: ignore[no-untyped-def]
    """Run a form's validation action on `events` after `slots`; (responses, slots it set, events)."""
    messages, returned = act(action, tracker_for(events, slots))
    return responses(messages), slots_set(returned), returned


# --- validate_signup_form: what is typed at the prompts --------------------------------------

@pytest.mark.parametrize("typed", ["139 1234 0082", "１３９１２３４００８２", "139-1234-0082", "我的手机是 13912340082"])
def test_a_phone_typed_with_spaces_or_full_width_digits_is_stored_canonical(typed: str) -> None:
    said, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", "applicant_phone", typed, "inform"), NAMED)
    assert said == [] and slots == {"applicant_phone": PHONE}


def test_a_number_that_is_no_mobile_is_refused_politely_and_asked_again() -> None:
    said, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", "applicant_phone", "010-6924 1234", "inform"), NAMED)
    assert said == ["utter_invalid_phone"] and slots == {"applicant_phone": None}


def test_a_question_typed_at_the_name_prompt_is_not_stored_as_a_name() -> None:
    said, slots, returned = validate(
        ValidateSignupForm(), at_prompt("signup_form", "applicant_name", "开放日在哪里报名", "ask_participation"),
        {"activity_session": "S9"})
    # No slot at all: Rasa rejects the form, the question's own rule answers it, the prompt is asked again.
    assert said == [] and "applicant_name" not in slots and returned == []


def test_a_name_is_stored_without_its_prefix_and_digits_are_no_name() -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", "applicant_name", "我叫 王小明", "inform"),
                           {"activity_session": "S9"})
    assert slots == {"applicant_name": "王小明"}
    said, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", "applicant_name", "12345", "inform"),
                              {"activity_session": "S9"})
    assert said == ["utter_invalid_name"] and slots == {"applicant_name": None}


def test_the_identity_comes_from_the_buttons_entity_or_the_words_typed() -> None:
    button = at_prompt("signup_form", "applicant_identity", '/inform{"identity": "人大代表"}', "inform",
                       entities=[{"entity": "identity", "value": "人大代表"}])
    assert validate(ValidateSignupForm(), button, {**NAMED, "applicant_phone": PHONE})[1] == {"applicant_identity": "人大代表"}
    typed = at_prompt("signup_form", "applicant_identity", "我是学生家长", "inform")
    assert validate(ValidateSignupForm(), typed, {**NAMED, "applicant_phone": PHONE})[1] == {
        "applicant_identity": "群众代表（家长或企业代表）"}


def test_an_organisation_may_be_left_out() -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", "applicant_organisation", "没有", "deny"),
                           {**NAMED, "applicant_phone": PHONE, "applicant_identity": "其他"})
    assert slots == {"applicant_organisation": "无"}


def test_consent_is_stored_with_its_time_and_a_refusal_ends_the_form() -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "data_consent", "同意", "affirm", candidates={"data_consent": True}), ALL_BUT_CONSENT)
    assert slots["data_consent"] is True and dt.datetime.fromisoformat(slots["consent_at"])
    said, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "data_consent", "不同意", "deny", candidates={"data_consent": False}), ALL_BUT_CONSENT)
    assert said == ["utter_signup_consent_declined"]
    assert slots == {"data_consent": False, "signup_outcome": "consent_declined", "requested_slot": None}


@pytest.mark.parametrize("typed", ["算了", "不用了，谢谢"])
def test_leaving_at_a_prompt_rejects_the_form_and_stops_it(typed: str) -> None:
    said, slots, returned = validate(ValidateSignupForm(), at_prompt("signup_form", "applicant_phone", typed, "stop"), NAMED)
    assert said == [] and slots == {}
    assert returned[0]["event"] == "action_execution_rejected" and returned[0]["name"] == "signup_form"
    assert followup(returned) == "action_stop_form"


def test_stopping_the_sign_up_forgets_what_was_typed() -> None:
    turn = Conversation.in_form("signup_form", "applicant_phone", **NAMED).ask(ActionStopForm(), "算了", "stop")
    assert turn.responses == ["utter_signup_stopped"]
    assert turn.slots["activity_session"] is None and turn.slots["applicant_name"] is None
    assert followup(turn.events) == "action_listen"


# --- the sign-up with sessions loaded ----------------------------------------------------------

def test_a_sign_up_naming_an_activity_with_one_open_session_picks_it(sessions: list[str]) -> None:
    said, slots, _ = validate(ValidateSignupForm(), at_activation("signup_form", "我想报名开放点9", "sign_up"))
    assert said == [] and slots == {"activity_session": "S9"}


def test_a_sign_up_with_no_session_open_is_refused_with_how_people_are_chosen() -> None:
    messages, returned = act(ValidateSignupForm(), tracker_for(at_activation("signup_form", "我要报名开放日", "sign_up")))
    assert responses(messages)[0] == "utter_no_open_sessions"
    shown = rendered(messages)
    assert "公开遴选" in shown[1]["text"] and "来源" in shown[1]["text"]
    assert slots_set(returned)["signup_outcome"] == "refused"


def test_the_session_prompt_offers_one_button_per_open_session(sessions: list[str]) -> None:
    turn = Conversation().ask(ActionAskActivitySession(), "我要报名", "sign_up")
    assert turn.responses == ["utter_choose_session"]
    assert [b["payload"] for b in turn.buttons] == [f'/sign_up{{"activity_session": "{code}"}}' for code in sessions]
    assert "开放点9" in turn.text and "医保惠民政策宣讲" in turn.text
    assert turn.slots == {"listed_sessions": sessions}


def test_a_position_in_the_list_shown_picks_that_session(sessions: list[str]) -> None:
    conversation = Conversation().set(listed_sessions=sessions)
    said, slots, _ = validate(ValidateSignupForm(), [*conversation.events, *at_prompt(
        "signup_form", "activity_session", "第2场", "inform")])
    assert said == [] and slots == {"activity_session": "S4"}
    said, slots, _ = validate(ValidateSignupForm(), [*conversation.events, *at_prompt(
        "signup_form", "activity_session", "5", "inform")])
    assert said == ["utter_invalid_session"] and slots == {"activity_session": None}


def test_the_summary_before_confirming_masks_the_phone(sessions: list[str]) -> None:
    turn = Conversation().set(**ALL_BUT_CONSENT, data_consent=True).ask(ActionAskSignupConfirmed(), "同意", "affirm")
    assert turn.responses == ["utter_signup_summary"]
    assert "139****0082" in turn.text and PHONE not in turn.text and "王小明" in turn.text


def test_a_confirmed_sign_up_is_saved_once_and_told_its_reference(sessions: list[str]) -> None:
    filled = {**ALL_BUT_CONSENT, "data_consent": True, "signup_confirmed": True,
              "consent_at": dt.datetime(2026, 1, 1, 9, 0).isoformat()}
    first = Conversation().set(**filled).ask(ActionSubmitSignup(), "确认", "affirm")
    assert first.responses == ["utter_signup_saved"]
    reference = first.messages[0]["reference"]
    assert reference.startswith("DX-") and f"报名编号：{reference}" in first.text and "139****0082" in first.text
    assert all(value is None for value in first.slots.values())  # the form's slots are forgotten
    again = Conversation().set(**filled).ask(ActionSubmitSignup(), "确认", "affirm")
    assert again.responses == ["utter_signup_existing"] and reference in again.text
    status = Conversation().set(application_request="check", application_phone=PHONE,
                                application_reference=reference).run(ActionHandleApplication())
    assert status.responses == ["utter_application_status"] and reference in status.text
    assert "姓名：王小明" in status.text  # shown only to whoever gave phone and reference


def test_the_sessions_listed_answer_a_follow_up_by_position(sessions: list[str]) -> None:
    conversation = Conversation()
    listed = conversation.ask(ActionShowActivities(), "最近有什么活动可以参加", "ask_activity_schedule")
    assert listed.responses == ["utter_sessions_list"] and listed.slots["listed_sessions"] == sessions
    second = conversation.ask(ActionFollowUp(), "第二个呢", "ask_followup")
    assert second.responses == ["utter_session_detail"] and "医保惠民政策宣讲" in second.text
    assert second.slots == {"kb_ref": "京兴政务公开办发〔2023〕2号#lecture:4"}  # the list is kept
    assert [b["payload"] for b in second.buttons] == ['/sign_up{"activity_session": "S4"}']


# --- the check/cancel form -----------------------------------------------------------------------

def test_a_personal_record_question_is_refused_instead_of_opening_the_check_form() -> None:
    turn = Conversation().ask(ActionStartApplication(), "我公司上个月的政府采购投标结果出来没", "check_application")
    assert turn.responses == [None]
    assert "没有写到" in turn.text and f"{TEST_HOTLINE}市民服务热线" in turn.text
    assert followup(turn.events) == "action_listen"  # the rule's application_form does not run


@pytest.mark.parametrize("text", ["我公司申请的补贴在京策上卡了仨月没动静", "上礼拜我店里被抽了两样 结果上哪查"])
def test_a_citizens_own_case_is_refused_instead_of_opening_the_check_form(text) -> None:
    turn = Conversation().ask(ActionStartApplication(), text, "check_application")
    assert turn.responses == [None] and f"{TEST_HOTLINE}市民服务热线" in turn.text
    assert followup(turn.events) == "action_listen"


@pytest.mark.parametrize(("text", "intent"), [("我报了三回都没选上 你们这里头是不是有猫腻", "check_application"),
                                            ("我上回报了名没选上 凭啥啊", "check_application"),
                                            ("上回说好的活动临时取消了也没人通知 太不像话了", "cancel_application")])
def test_a_complaint_about_a_sign_up_goes_to_12345_instead_of_the_form(text, intent) -> None:
    """Found with debug24/25: the NLU took these for a check or a cancellation."""
    turn = Conversation().ask(ActionStartApplication(), text, intent)
    assert "接诉即办" in turn.text and f"{TEST_HOTLINE}市民服务热线" in turn.text
    assert followup(turn.events) == "action_listen"


def test_whether_a_unit_was_chosen_is_no_check_of_ones_application() -> None:
    turn = Conversation().ask(ActionStartApplication(), "政务公开标准化试点 我们街道被选上没有", "check_application")
    assert turn.events and followup(turn.events) == "action_listen" and TEST_HOTLINE in turn.text


def test_a_question_taken_for_a_cancellation_is_answered_instead_of_opening_the_form() -> None:
    turn = Conversation().ask(ActionStartApplication(), "养老驿站那个开放日去了看啥呀", "cancel_application")
    assert "幸福晚年驿站" in turn.text and followup(turn.events) == "action_listen"


@pytest.mark.parametrize(("text", "intent"), [("那天有事去不成了 把我的报名撤了吧", "cancel_application"),
                                            ("报名一直没消息 太气人了 帮我查一下", "check_application")])
def test_a_request_to_cancel_or_check_lets_the_form_start_even_in_anger(text, intent) -> None:
    turn = Conversation().ask(ActionStartApplication(), text, intent)
    assert turn.messages == [] and turn.events == []


def test_a_request_to_check_an_application_lets_the_form_start() -> None:
    turn = Conversation().ask(ActionStartApplication(), "我要查一下我的报名", "check_application")
    assert turn.messages == [] and turn.events == []


def test_the_phone_and_reference_sent_with_the_request_fill_the_check_form() -> None:
    events = at_activation("application_form", "用139 1234 0082报的名 编号dx-7k3q9m 帮我查查", "check_application")
    said, slots, _ = validate(ValidateApplicationForm(), events)
    assert said == [] and slots == {"application_phone": PHONE, "application_reference": "DX-7K3Q9M"}


def test_a_bad_reference_at_its_prompt_is_asked_again() -> None:
    said, slots, _ = validate(ValidateApplicationForm(), at_prompt(
        "application_form", "application_reference", "DX-1234", "inform"), {"application_phone": PHONE})
    assert said == ["utter_invalid_reference"] and slots == {"application_reference": None}


def test_an_application_not_found_is_said_with_the_masked_phone_and_the_hotline() -> None:
    turn = Conversation().set(application_request="cancel", application_phone=PHONE,
                              application_reference="DX-7K3Q9M").run(ActionHandleApplication())
    assert turn.responses == ["utter_application_not_found"]
    assert "139****0082" in turn.text and "DX-7K3Q9M" in turn.text and TEST_HOTLINE in turn.text
    assert turn.slots == {"application_request": None, "application_phone": None, "application_reference": None}


# --- the hand-off's call-back question and form input outside a form -----------------------------

@pytest.mark.parametrize(("typed", "intent", "stored"), [
    ("139 1234 0082", "inform", PHONE), ("不用", "deny", "无"), ("不留电话", "inform", "无")])
def test_the_call_back_prompt_takes_a_number_or_no_number(typed: str, intent: str, stored: str) -> None:
    said, slots, _ = validate(ValidateHandoffForm(), at_prompt("handoff_form", "handoff_phone", typed, intent),
                              {"handoff_reason": "requested"})
    assert said == [] and slots == {"handoff_phone": stored}


def test_cancelling_at_the_call_back_prompt_stops_the_hand_off() -> None:
    said, _, returned = validate(ValidateHandoffForm(), at_prompt("handoff_form", "handoff_phone", "不转了", "deny"),
                                 {"handoff_reason": "requested"})
    assert said == [] and followup(returned) == "action_stop_form"


def test_a_name_typed_outside_any_form_asks_what_to_do_with_it() -> None:
    turn = Conversation().ask(ActionAnswerFormInput(), "王小明", "inform")
    assert turn.responses == ["utter_what_to_do_with_it"]
    assert [b["payload"] for b in turn.buttons] == ["/sign_up", "/check_application", "/cancel_application"]


@pytest.mark.parametrize(("text", "said", "ref"), [
    ("计量服务那个开放点是哪个部门的呀 我是学计量的想去看看", "市场监管局", "site:14"),
    ("我想报名仲裁那个开放日 是哪个单位办的", "人保局", "site:9"),
])
def test_a_question_asked_with_a_sign_up_is_answered_before_the_sign_up_goes_on(text, said, ref) -> None:
    messages, returned = act(ValidateSignupForm(), tracker_for(at_activation("signup_form", text, "sign_up")))
    shown = rendered(messages)
    assert said in shown[0]["text"] and "来源" in shown[0]["text"]
    assert responses(messages)[-1] == "utter_signup_pending"  # nothing open: how it will be announced
    slots = slots_set(returned)
    assert slots["signup_outcome"] == "refused" and slots["kb_ref"].endswith(ref)


@pytest.mark.parametrize("text", ["职业技能培训在哪报名", "俺想学电焊 技能培训咋报名"])
def test_signing_up_for_something_none_of_our_activities_is_refused_without_the_form(text) -> None:
    """Found with debug22: job training is work item 4's information, nothing to sign up for here."""
    messages, returned = act(ValidateSignupForm(), tracker_for(at_activation("signup_form", text, "sign_up")))
    shown = rendered(messages)
    assert len(shown) == 1 and "没有写到" in shown[0]["text"] and TEST_HOTLINE in shown[0]["text"]
    assert slots_set(returned)["signup_outcome"] == "refused"


def test_a_question_the_nlu_took_for_a_sign_up_is_answered_from_the_plans() -> None:
    # "开放日里是不是也有个政府采购的" asks whether that site exists: the plans say it does
    # (开放点16), and no form starts; the record becomes what a follow-up refers to.
    messages, returned = act(ValidateSignupForm(), tracker_for(at_activation(
        "signup_form", "开放日里是不是也有个政府采购的", "sign_up")))
    shown = rendered(messages)
    assert len(shown) == 1 and "开放点16" in shown[0]["text"] and "来源" in shown[0]["text"]
    slots = slots_set(returned)
    assert slots["signup_outcome"] == "refused" and slots["kb_ref"].endswith("site:16")
