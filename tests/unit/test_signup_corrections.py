"""Corrections at any prompt and at the summary, and several details in one message, in the
sign-up and check/cancel forms' validation actions (issue 17), run in-process over the real
plans and sessions (tests/unit/test_actions_forms.py's fixtures)."""
from __future__ import annotations

import pytest

from actions.applications import ValidateApplicationForm
from actions.signup import ValidateSignupForm
from tests.unit.actions_support import Conversation, act, at_activation, at_prompt, rendered, tracker_for
from tests.unit.test_actions_forms import ALL_BUT_CONSENT, NAMED, PHONE, services, sessions, validate

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("services")]
__all__ = ["services", "sessions"]  # the fixtures, used by name

READY = {**ALL_BUT_CONSENT, "data_consent": True, "consent_at": "2026-12-01T09:00:00"}


def test_a_name_corrected_at_the_phone_prompt_changes_the_name_and_asks_the_phone_again() -> None:
    said, slots, returned = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "applicant_phone", "不对 名字写错了 是赵莉", "deny"), {**NAMED, "applicant_name": "赵丽"})
    assert slots["applicant_name"] == "赵莉" and "applicant_phone" not in slots
    assert said == ["utter_detail_corrected"]


def test_a_correction_without_the_new_value_asks_for_that_field_again() -> None:
    said, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "applicant_organisation", "身份选错了", "deny"), {**NAMED, "applicant_phone": PHONE,
                                                                          "applicant_identity": "其他"})
    assert slots["applicant_identity"] is None
    assert said == ["utter_detail_to_correct"]


@pytest.mark.parametrize("typed, intent, slot, value", [
    ("手机号填错了 应该是13800002223", "deny", "applicant_phone", "13800002223"),
    ("身份选错了 我是记者", "inform", "applicant_identity", "媒体记者"),
    ("名字寫錯了 是趙莉", "deny", "applicant_name", "趙莉"),
    ("单位改成大兴一中", "inform", "applicant_organisation", "大兴一中"),
])
def test_a_correction_at_the_summary_changes_the_detail_and_shows_the_summary_again(typed, intent, slot, value) -> None:
    candidates = {"signup_confirmed": False} if intent == "deny" else {}
    said, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "signup_confirmed", typed, intent, candidates=candidates), READY)
    assert slots[slot] == value
    # the "no" the deny mapping read is undone: the form asks to confirm again (the summary)
    assert "signup_confirmed" in slots and slots["signup_confirmed"] is None
    assert "signup_outcome" not in slots


def test_the_summarys_change_buttons_ask_for_that_detail_again() -> None:
    said, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "signup_confirmed", "改手机号", "inform"), READY)
    assert slots["applicant_phone"] is None


def test_no_at_the_summary_asks_which_detail_is_wrong_and_stores_nothing() -> None:
    said, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "signup_confirmed", "有误", "deny", candidates={"signup_confirmed": False}), READY)
    assert said == ["utter_which_detail_wrong"]
    assert slots["signup_confirmed"] is None and "signup_outcome" not in slots


def test_a_session_changed_at_the_summary_by_its_place_in_the_list(sessions) -> None:
    conversation = Conversation().set(listed_sessions=sessions)
    said, slots, _ = validate(ValidateSignupForm(), [*conversation.events, *at_prompt(
        "signup_form", "signup_confirmed", "不对 应该是第二场", "deny", candidates={"signup_confirmed": False})], READY)
    assert slots["activity_session"] == "S4" and slots["signup_confirmed"] is None


def test_several_details_in_one_message_at_the_name_prompt_fill_them_all(sessions) -> None:
    said, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "applicant_name", "我叫王芳 手机13800002222 家长代表", "inform"), {"activity_session": "S9"})
    assert slots["applicant_name"] == "王芳" and slots["applicant_phone"] == "13800002222"
    assert slots["applicant_identity"] == "群众代表（家长或企业代表）"
    assert "applicant_organisation" not in slots  # only what is missing is asked (Rasa's FormAction)


def test_the_request_that_starts_the_form_fills_every_detail_it_gives(sessions) -> None:
    conversation = Conversation().set(listed_sessions=sessions)
    said, slots, _ = validate(ValidateSignupForm(), [*conversation.events, *at_activation(
        "signup_form", "我叫王芳 手机13800002222 家长代表 想报名第二场", "sign_up")])
    assert slots["activity_session"] == "S4" and slots["applicant_name"] == "王芳"
    assert slots["applicant_phone"] == "13800002222" and slots["applicant_identity"].startswith("群众代表")


@pytest.mark.parametrize("typed", ["这个要钱吗", "在哪里举行", "我是替我老伴报的"])
def test_a_question_or_a_sentence_at_the_name_prompt_is_never_stored_as_a_name(typed) -> None:
    said, slots, returned = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "applicant_name", typed, "inform"), {"activity_session": "S9"})
    assert slots.get("applicant_name") is None


@pytest.mark.parametrize("typed, name", [("禤晓晴", "禤晓晴"), ("买买提·艾力", "买买提·艾力"), ("龚燚", "龚燚"),
                                         ("阿依古丽•吐尔逊", "阿依古丽·吐尔逊")])
def test_rare_characters_and_middle_dots_are_names(typed, name) -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", "applicant_name", typed, "inform"),
                           {"activity_session": "S9"})
    assert slots["applicant_name"] == name


def test_the_check_forms_phone_is_corrected_at_the_reference_prompt() -> None:
    said, slots, _ = validate(ValidateApplicationForm(), at_prompt(
        "application_form", "application_reference", "手机号输错了 是13912340083", "deny"), {"application_phone": PHONE})
    assert slots["application_phone"] == "13912340083" and "application_reference" not in slots


def test_the_corrected_value_is_said_with_the_phone_masked() -> None:
    messages, _ = act(ValidateSignupForm(), tracker_for(
        at_prompt("signup_form", "signup_confirmed", "手机号改成13800002223", "inform"), READY))
    text = "\n".join(m.get("text") or "" for m in rendered(messages))
    assert "138****2223" in text and "13800002223" not in text


@pytest.mark.parametrize("typed, intent", [("报名医保宣讲", "ask_medical_insurance"),
                                           ("我叫王芳 手机13800002222 家长代表 想报名第二场", "inform")])
def test_a_sign_up_request_labelled_as_something_else_starts_the_sign_up(typed, intent) -> None:
    from actions.policy import ActionAnswerPolicyQuestion
    from actions.signup import ActionAnswerFormInput
    from tests.unit.actions_support import followup

    action = ActionAnswerPolicyQuestion() if intent != "inform" else ActionAnswerFormInput()
    turn = Conversation().ask(action, typed, intent)
    assert turn.messages == [] and followup(turn.events) == "signup_form"


def test_a_question_about_signing_up_is_still_answered() -> None:
    from actions.policy import ActionAnswerPolicyQuestion

    turn = Conversation().ask(ActionAnswerPolicyQuestion(), "医保宣讲报名要什么条件", "ask_medical_insurance")
    assert turn.messages and "signup_form" not in str(turn.events)


@pytest.mark.parametrize("typed", ["这个必须填吗", "单位写啥都行吗", "没有单位怎么办"])
def test_a_question_at_the_organisation_prompt_is_never_stored_as_one(typed) -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", "applicant_organisation", typed, "inform"),
                           {**NAMED, "applicant_phone": PHONE, "applicant_identity": "其他"})
    assert slots.get("applicant_organisation") in (None, "无")


def test_an_activity_with_several_sessions_open_lists_only_its_own(sessions) -> None:
    import datetime as dt

    from actions.knowledge import activity_service
    from actions.signup import ActionAskActivitySession
    from core.clock import beijing_now
    from tests.activity_support import load

    later = dt.datetime.combine(beijing_now().date() + dt.timedelta(days=40), dt.time(9, 30))
    load(activity_service(), {"code": "S9B", "activity": "开放点9", "starts_at": f"{later:%Y-%m-%d %H:%M}",
                              "venue": "区劳动人事争议仲裁院", "capacity": 30,
                              "announced_on": str(beijing_now().date() - dt.timedelta(days=1))})
    turn = Conversation().ask(ActionAskActivitySession(), "报名仲裁调解的开放日", "sign_up")
    assert turn.slots["listed_sessions"] == ["S9", "S9B"]  # not the 医保 lecture
    assert len(turn.buttons) == 2


@pytest.mark.parametrize("slot, typed, intent, filled, value", [
    ("applicant_name", "钱卫国", "ask_medical_insurance", {"activity_session": "S9"}, "钱卫国"),
    ("applicant_organisation", "中国劳动关系学院", "ask_employment_social_security",
     {**NAMED, "applicant_phone": PHONE, "applicant_identity": "其他"}, "中国劳动关系学院"),
])
def test_a_plain_value_is_taken_whatever_the_nlu_labelled_it(slot, typed, intent, filled, value) -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", slot, typed, intent), filled)
    assert slots[slot] == value


def test_a_plan_term_at_the_name_prompt_is_no_name() -> None:
    _, slots, returned = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "applicant_name", "医保", "ask_medical_insurance",
        entities=[{"entity": "topic", "value": "医保"}]), {"activity_session": "S9"})
    assert "applicant_name" not in slots


def test_a_correction_at_the_consent_prompt_asks_for_consent_again() -> None:
    said, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "data_consent", "学校写错了 是北京印刷学院", "deny", candidates={"data_consent": False}),
        ALL_BUT_CONSENT)
    assert slots["applicant_organisation"] == "北京印刷学院" and slots["data_consent"] is None
    assert "signup_outcome" not in slots and "utter_signup_consent_declined" not in said


def test_another_activity_named_with_a_word_of_correcting_changes_the_session(sessions) -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "applicant_phone", "等下 我搞错了 我想报的是医保局讲医保报销的那个讲座", "ask_medical_insurance"),
        NAMED)
    assert slots["activity_session"] == "S4"


def test_the_session_and_details_in_one_message_at_the_session_prompt(sessions) -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "activity_session", "仲裁那个 我叫马国强 手机14700000013", "inform"))
    assert slots == {"activity_session": "S9", "applicant_name": "马国强", "applicant_phone": "14700000013"}


def test_a_name_typed_with_the_phone_at_the_name_prompt_fills_both(sessions) -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "applicant_name", "罗晓燕 14700000028", "inform"), {"activity_session": "S9"})
    assert slots["applicant_name"] == "罗晓燕" and slots["applicant_phone"] == "14700000028"


def test_a_session_is_found_by_the_venue_a_citizen_names(sessions) -> None:
    from actions.knowledge import activity_service

    service = activity_service()
    assert [s.code for s in service.open_at_venue("我想去劳动人事争议仲裁院参观")] == ["S9"]
    assert service.open_at_venue("区里的开放活动") == []  # 区 alone names no venue


def test_phone_and_reference_in_one_message_at_the_check_forms_phone_prompt() -> None:
    _, slots, _ = validate(ValidateApplicationForm(), at_prompt(
        "application_form", "application_phone", "14700000028 DX-K43JHJ", "inform"))
    assert slots == {"application_phone": "14700000028", "application_reference": "DX-K43JHJ"}


def test_a_company_word_without_a_name_is_no_organisation() -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "applicant_identity", "我是开公司的 算企业代表", "inform"), {**NAMED, "applicant_phone": PHONE})
    assert slots == {"applicant_identity": "群众代表（家长或企业代表）"}


def test_this_one_after_a_question_about_one_activity_signs_up_for_it(sessions) -> None:
    conversation = Conversation().set(kb_ref="京兴政务公开办发〔2023〕2号#lecture:4")
    _, slots, _ = validate(ValidateSignupForm(), [*conversation.events, *at_activation(
        "signup_form", "那挺好，就报这个吧", "sign_up")])
    assert slots["activity_session"] == "S4"


def test_a_name_is_stored_as_typed_not_as_the_nlu_normalised_it() -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", "applicant_name", "陳志明", "inform"),
                           {"activity_session": "S9"})
    assert slots["applicant_name"] == "陳志明"


def test_a_phone_typed_at_the_name_prompt_is_kept_for_the_phone() -> None:
    said, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", "applicant_name", "14400000022", "inform"),
                              {"activity_session": "S9"})
    assert slots == {"applicant_phone": "14400000022"} and said == []


def test_details_in_the_request_do_not_narrow_the_activity(sessions) -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_activation(
        "signup_form", "人大的 司马红梅 14400000021 魏善庄镇半壁店村村委会 报名医保讲座", "sign_up"))
    assert slots["activity_session"] == "S4" and slots["applicant_name"] == "司马红梅"
    assert slots["applicant_identity"] == "人大代表" and slots["applicant_organisation"] == "魏善庄镇半壁店村村委会"


@pytest.mark.parametrize("typed", ["你们这个报名弄得挺方便的 比打电话强多了 点个赞", "这个讲座网上有直播吗 万一去不了能看不"])
def test_remarks_and_questions_at_the_organisation_prompt_are_no_organisation(typed) -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", "applicant_organisation", typed, "inform"),
                           {**NAMED, "applicant_phone": PHONE, "applicant_identity": "其他"})
    assert "applicant_organisation" not in slots


@pytest.mark.parametrize("slot, typed, intent, value", [
    ("data_consent", "明白了 同意", "thank", True), ("data_consent", "同意的", "inform", True),
    ("data_consent", "同意什么啊 我的个人信息会给谁看", "ask_help", None),
    ("signup_confirmed", "没问题 提交吧", "inform", True),
])
def test_yes_in_words_at_the_consent_and_summary_prompts(slot, typed, intent, value) -> None:
    filled = {**ALL_BUT_CONSENT} if slot == "data_consent" else READY
    _, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", slot, typed, intent), filled)
    assert slots.get(slot) is value


@pytest.mark.parametrize("typed, session", [("2 我叫张秀英 电话14300000015", "S4"), ("换成1", "S9")])
def test_a_place_in_the_list_typed_first_at_the_session_prompt(sessions, typed, session) -> None:
    conversation = Conversation().set(listed_sessions=sessions)
    _, slots, _ = validate(ValidateSignupForm(), [*conversation.events, *at_prompt(
        "signup_form", "activity_session", typed, "inform")])
    assert slots["activity_session"] == session


@pytest.mark.parametrize("slot, typed, filled, value", [
    ("applicant_organisation", "没有 退休了 写无吧", {**NAMED, "applicant_phone": PHONE, "applicant_identity": "其他"}, "无"),
    ("applicant_identity", "群众代表是啥意思啊 我就是个打工的 能选这个吗", {**NAMED, "applicant_phone": PHONE}, None),
    ("applicant_organisation", "嗯嗯知道了", {**NAMED, "applicant_phone": PHONE, "applicant_identity": "其他"}, None),
])
def test_no_organisation_in_a_sentence_and_questions_and_remarks_at_prompts(slot, typed, filled, value) -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt("signup_form", slot, typed, "stop" if "写无" in typed else "inform"),
                           filled)
    assert slots.get(slot) == value


def test_undoing_a_name_change_at_the_summary() -> None:
    _, slots, _ = validate(ValidateSignupForm(), at_prompt(
        "signup_form", "signup_confirmed", "哎不对不对 还是改回原来的王磊吧 刚才弄错了", "deny",
        candidates={"signup_confirmed": False}), {**READY, "applicant_name": "王小磊"})
    assert slots["applicant_name"] == "王磊" and slots["signup_confirmed"] is None
