"""The answering actions in-process: rasa-sdk's Tracker and CollectingDispatcher, the real
domain and the real 2023 plans (tests/unit/actions_support.py), no server.

Each test gives the intent the NLU would give (nlu_data/rules: which action follows which
intent) and checks what the citizen is told — the responses named, their text as the
domain renders it, the buttons — and the slots and follow-up actions Rasa would apply.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa.shared.core.events import SlotSet

from actions.basics import ActionAnythingElse, ActionGoodbye, ActionHelp, ActionThank
from actions.forms import ActionStopForm
from actions.handoff import (
    ActionFallback, ActionHandoff, ActionIdentity, ActionOutOfScope, ActionStartHandoff, ActionTellHotline,
)
from actions.policy import ActionAnswerPolicyQuestion, ActionFollowUp, ActionShowActivities
from tests.unit.actions_support import (
    TEST_HOTLINE, Conversation, act, action_services, bot_said, domain_dict, followup, rendered, responses,
    slots_set, tracker_for,
)

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("services")]

INTERACTION = "京兴政务公开办发〔2023〕2号"
WORK_POINTS = "京兴政务公开发〔2023〕1号"
CITATION = f"来源：《大兴区2023年政民互动工作总体方案》（{INTERACTION}）"


@pytest.fixture(scope="module")
def services(knowledge_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The actions' settings on a private copy of the plans' database, hotline TEST_HOTLINE."""
    with action_services(knowledge_db, tmp_path_factory.mktemp("actions-answers")) as url:
        yield url


def handoff_form_asking() -> Conversation:
    """A conversation in which the hand-off form asks for a call-back number."""
    return Conversation.in_form("handoff_form", "handoff_phone", handoff_reason="complaint")


# --- action_answer_policy_question ------------------------------------------------------

def test_a_plan_question_is_answered_with_its_citation_and_related_questions() -> None:
    turn = Conversation().ask(ActionAnswerPolicyQuestion(), "医保宣讲是哪个单位负责的", "ask_medical_insurance")
    assert turn.responses == [None]  # the engine's own text, not a domain response
    assert "医保惠民政策宣讲" in turn.text and "医保局" in turn.text
    assert f"{CITATION}“政策公开讲”第4讲" in turn.text
    assert turn.buttons and all(b["payload"] == b["title"] for b in turn.buttons)
    assert "“医保惠民政策宣讲”讲什么内容？" in [b["title"] for b in turn.buttons]
    assert followup(turn.events) is None


def test_the_answer_sets_the_context_slots_and_forgets_a_session_list() -> None:
    turn = Conversation().set(listed_sessions=["S1", "S2"]).ask(
        ActionAnswerPolicyQuestion(), "医保宣讲是哪个单位负责的", "ask_medical_insurance")
    ref = f"{INTERACTION}#lecture:4"
    assert turn.slots["kb_ref"] == ref
    assert turn.slots["kb_context"] == {"recent": [ref], "listed": [], "facet": "unit"}
    assert "listed_sessions" in turn.slots and turn.slots["listed_sessions"] is None


def test_an_other_year_question_is_refused_with_the_hotline_of_the_settings(services: str) -> None:
    from core.db import UnitOfWork
    from kb.store import KnowledgeRepository

    typed = "２０２５年的政务开放日有哪些开放点"  # full-width digits: normalised for the engine
    turn = Conversation().ask(ActionAnswerPolicyQuestion(), typed, "ask_open_day")
    assert "还没有2025年的安排" in turn.text and "不能把2023年的内容当作2025年的" in turn.text
    assert f"{TEST_HOTLINE}市民服务热线" in turn.text and "12345" not in turn.text
    assert "开放点1" not in turn.text and "来源" not in turn.text
    assert turn.slots["kb_context"]["recent"] == [] and turn.slots["kb_ref"] is None
    # Kept for review as the citizen typed it, with the reason.
    with UnitOfWork(services).session() as session:
        kept = [(row.question, row.reason) for row in KnowledgeRepository(session).unanswered()]
    assert (typed, "other_year") in kept


def test_a_detail_the_plans_never_give_is_refused_honestly() -> None:
    turn = Conversation().ask(ActionAnswerPolicyQuestion(), "惠民保一年交多少钱", "ask_medical_insurance")
    assert "没有写到" in turn.text and TEST_HOTLINE in turn.text and "12345" not in turn.text


# --- action_follow_up -------------------------------------------------------------------

def test_a_follow_up_reads_the_record_discussed_from_the_kb_context_slot() -> None:
    conversation = Conversation()
    first = conversation.ask(ActionAnswerPolicyQuestion(), "开放点15是啥", "ask_open_day")
    assert "部门预算" in first.text and f"{CITATION}“政务开放日”开放点15" in first.text
    second = conversation.ask(ActionFollowUp(), "16呢", "ask_followup")
    assert "开放点16" in second.text and "政府采购" in second.text and "国资委" in second.text
    assert second.slots["kb_context"]["recent"] == [f"{INTERACTION}#site:16", f"{INTERACTION}#site:15"]
    both = conversation.ask(ActionFollowUp(), "这俩谁办的", "ask_followup")
    assert "财政局" in both.text and "国资委" in both.text


def test_a_follow_up_without_the_slot_has_nothing_to_follow() -> None:
    turn = Conversation().ask(ActionFollowUp(), "16呢", "ask_followup")
    assert "国资委" not in turn.text and "开放点16" not in turn.text


# --- action_help --------------------------------------------------------------------------

def test_a_request_for_help_gets_the_help_menu_with_topic_buttons() -> None:
    turn = Conversation().ask(ActionHelp(), "你能干啥", "ask_help")
    assert turn.responses == ["utter_help"]
    assert "我可以帮您" in turn.text
    assert {"/ask_medical_insurance", "/ask_open_day", "/ask_policy_lecture"} <= {b["payload"] for b in turn.buttons}
    assert turn.events == []


def test_a_plan_question_labelled_ask_help_is_answered_from_the_plans() -> None:
    turn = Conversation().ask(ActionHelp(), "开放日参加的人怎么选的", "ask_help")
    assert turn.responses == [None]
    assert "公开遴选" in turn.text and CITATION in turn.text
    assert turn.slots["kb_ref"] == f"{INTERACTION}#rules"


def test_asking_what_the_assistant_can_do_after_a_plan_question_is_no_follow_up() -> None:
    conversation = Conversation()
    conversation.ask(ActionAnswerPolicyQuestion(), "医保宣讲是哪个单位负责的", "ask_medical_insurance")
    turn = conversation.ask(ActionHelp(), "你还能干点啥", "ask_help")
    assert turn.responses == ["utter_help"]


@pytest.mark.parametrize(("first", "text", "said"), [
    ("养老驿站的开放日 是哪个镇搞的", "去了能干啥 光看吗", "体验驿站日常工作"),
    ("司法局的开放日", "进去能了解点啥", "走进局机关"),
])
def test_what_one_does_at_the_activity_just_discussed_labelled_ask_help_is_answered(first, text, said) -> None:
    conversation = Conversation()
    conversation.ask(ActionAnswerPolicyQuestion(), first, "ask_open_day")
    turn = conversation.ask(ActionHelp(), text, "ask_help")
    assert turn.responses == [None] and said in turn.text


# --- action_tell_hotline, action_out_of_scope, action_identity -----------------------------

def test_the_hotline_number_told_is_the_setting() -> None:
    turn = Conversation().ask(ActionTellHotline(), "热线电话多少", "ask_hotline")
    assert turn.responses == ["utter_hotline"]
    assert turn.messages[0]["hotline"] == TEST_HOTLINE
    assert f"北京{TEST_HOTLINE}市民服务热线" in turn.text and "12345" not in turn.text
    assert "转人工" in turn.text


def test_the_hotline_asked_during_a_hand_off_does_not_offer_another_transfer() -> None:
    turn = handoff_form_asking().ask(ActionTellHotline(), "热线电话多少", "ask_hotline")
    assert turn.responses == ["utter_hotline_during_handoff"]
    assert f"北京{TEST_HOTLINE}市民服务热线" in turn.text and "也在为您转接" in turn.text


def test_a_plan_question_labelled_a_hotline_request_is_answered_from_the_plans() -> None:
    turn = Conversation().ask(ActionTellHotline(), "有没有规定电话必须接 接听率要达到多少", "ask_hotline")
    assert turn.responses == [None]
    assert "首次接听率100%" in turn.text and "工作要点第15项" in turn.text
    assert turn.slots["kb_ref"] == f"{WORK_POINTS}#item:15"


def test_out_of_scope_is_said_honestly_with_the_hotline() -> None:
    turn = Conversation().ask(ActionOutOfScope(), "今天天气怎么样", "out_of_scope")
    assert turn.responses == ["utter_out_of_scope"]
    assert "不在我能回答的范围内" in turn.text and f"北京{TEST_HOTLINE}市民服务热线" in turn.text
    assert turn.events == []


def test_a_plan_question_labelled_out_of_scope_is_answered() -> None:
    turn = Conversation().ask(ActionOutOfScope(), "医保宣讲是哪个单位负责的", "out_of_scope")
    assert turn.responses == [None] and "医保局" in turn.text and CITATION in turn.text


def test_who_are_you_says_it_is_a_machine_and_where_the_people_are() -> None:
    turn = Conversation().ask(ActionIdentity(), "你是机器人吗", "ask_identity")
    assert turn.responses == ["utter_identity"]
    assert "不是真人" in turn.text and TEST_HOTLINE in turn.text
    assert "/ask_open_day" in [b["payload"] for b in turn.buttons]


# --- courtesies -----------------------------------------------------------------------------

def test_thanks_around_a_question_thank_briefly_and_answer() -> None:
    turn = Conversation().ask(ActionThank(), "谢谢 那开放点9是干啥的", "thank")
    assert turn.responses == ["utter_you_are_welcome_brief", None]
    assert "仲裁" in turn.shown[1]["text"] and f"{CITATION}“政务开放日”开放点9" in turn.shown[1]["text"]


def test_an_acknowledgement_taken_for_a_goodbye_still_gets_its_question_answered() -> None:
    # debug14: "哦這樣啊 去了能了解啥" was labelled goodbye and got "好的，再见！"
    turn = Conversation().ask(ActionGoodbye(), "哦这样啊 开放点13去了能了解啥", "goodbye")
    assert turn.responses == [None] and "养老" in turn.shown[0]["text"]


def test_a_bare_goodbye_says_goodbye() -> None:
    turn = Conversation().ask(ActionGoodbye(), "再见", "goodbye")
    assert turn.responses == ["utter_goodbye"]


def test_a_bare_yes_outside_a_question_asks_whether_there_is_anything_else() -> None:
    turn = Conversation().ask(ActionAnythingElse(), "好的", "affirm")
    assert turn.responses == ["utter_anything_else"] and turn.events == []


@pytest.mark.parametrize("text", ["招牌多大尺寸以内不用审批", "门头牌匾多宽以内不用办证"])
def test_a_question_without_a_question_word_taken_for_a_no_is_honestly_refused(text) -> None:
    turn = Conversation().ask(ActionAnythingElse(), text, "deny")
    assert turn.responses == [None] and "没有写到" in turn.text and TEST_HOTLINE in turn.text


# --- action_start_handoff, action_fallback, action_handoff ---------------------------------

def test_a_complaint_that_asks_a_plan_question_is_answered_without_a_hand_off() -> None:
    turn = Conversation().ask(
        ActionStartHandoff(), "办手续老跑好几趟 太麻烦了 有个讲帮办代办的开放日是哪家搞的", "complaint")
    assert turn.responses == [None, "utter_complaint_still_open"]
    assert "开放点5" in turn.shown[0]["text"] and "观音寺街道" in turn.shown[0]["text"]
    assert TEST_HOTLINE in turn.shown[1]["text"] and "转人工" in turn.shown[1]["text"]
    assert followup(turn.events) == "action_listen"
    assert "handoff_reason" not in turn.slots


@pytest.mark.parametrize("text", ["瀛海镇政务服务中心门口好停车不", "开放日那天管不管午饭"])
def test_a_question_the_plans_do_not_answer_labelled_a_complaint_is_refused_without_a_hand_off(text) -> None:
    """Found with debug25: the NLU took a question about parking for a complaint."""
    turn = Conversation().ask(ActionStartHandoff(), text, "complaint")
    assert "没有写到" in turn.text and TEST_HOTLINE in turn.text
    assert followup(turn.events) == "action_listen" and "handoff_reason" not in turn.slots


@pytest.mark.parametrize("text", ["你说我这事是打仲裁好还是私了好", "你说俺种玉米好还是种菜好"])
def test_a_choice_asked_of_the_assistant_labelled_a_complaint_is_refused_without_a_hand_off(text) -> None:
    """Found talking to it after debug28: "…好还是…好" asks which of two, an opinion the
    assistant does not give; the NLU took it for a complaint."""
    turn = Conversation().ask(ActionStartHandoff(), text, "complaint")
    assert "没有对它们作评价" in turn.text and TEST_HOTLINE in turn.text
    assert followup(turn.events) == "action_listen" and "handoff_reason" not in turn.slots


def test_a_complaint_goes_to_the_hand_off_form_naming_the_hotline_first() -> None:
    turn = Conversation().ask(ActionStartHandoff(), "楼道灯坏了好几天没人管", "complaint")
    assert turn.responses == ["utter_complaint_to_hotline"]
    assert turn.text.startswith(f"投诉、举报请拨打北京{TEST_HOTLINE}市民服务热线")
    assert turn.slots == {"handoff_reason": "complaint"}
    assert followup(turn.events) == "handoff_form"


def test_a_request_for_a_person_starts_the_hand_off_form_naming_the_hotline() -> None:
    turn = Conversation().ask(ActionStartHandoff(), "我要找人工客服", "request_human")
    assert turn.responses == ["utter_handoff_requested"]
    assert "转接人工服务" in turn.text and f"北京{TEST_HOTLINE}市民服务热线" in turn.text
    assert turn.slots == {"handoff_reason": "requested"}
    assert followup(turn.events) == "handoff_form"


def test_a_plan_question_labelled_a_request_for_a_person_is_answered() -> None:
    turn = Conversation().ask(ActionStartHandoff(), "开放日都请哪些人参加", "request_human")
    assert turn.responses == [None] and "区人大代表" in turn.text and CITATION in turn.text
    assert followup(turn.events) == "action_listen" and "handoff_reason" not in turn.slots


def test_a_hand_off_during_a_sign_up_drops_what_the_sign_up_collected() -> None:
    conversation = Conversation.in_form("signup_form", "applicant_phone", activity_session="S9", applicant_name="王小明")
    turn = conversation.ask(ActionStartHandoff(), "我要找人工", "request_human")
    assert turn.responses == ["utter_handoff_requested"]
    assert turn.slots["applicant_name"] is None and turn.slots["activity_session"] is None
    assert followup(turn.events) == "handoff_form"


def test_asking_for_a_person_again_at_the_call_back_prompt_keeps_the_reason() -> None:
    turn = handoff_form_asking().ask(ActionStartHandoff(), "快给我转人工", "request_human")
    assert turn.responses == ["utter_handoff_in_progress"] and TEST_HOTLINE in turn.text
    assert turn.slots == {"handoff_reason": "complaint"} and followup(turn.events) == "handoff_form"


def test_not_understood_once_asks_again_and_twice_hands_off() -> None:
    once = Conversation().ask(ActionFallback(), "啊啊啊啊", "nlu_fallback")
    assert once.responses == ["utter_default"] and TEST_HOTLINE in once.text and once.events == []
    twice = Conversation(events=bot_said("utter_default", hotline=TEST_HOTLINE)).ask(
        ActionFallback(), "啊啊啊啊", "nlu_fallback")
    assert twice.responses == ["utter_not_understood_twice"] and TEST_HOTLINE in twice.text
    assert twice.slots == {"handoff_reason": "not_understood"} and followup(twice.events) == "handoff_form"


@pytest.mark.parametrize("typed", ["王芳", "13800002222"])
def test_a_name_or_number_after_a_sign_up_that_could_not_start_hands_off_nobody(typed: str) -> None:
    """Issue 17: "报名医保宣讲 / 王芳 / 13800002222" — no automatic hand-off, and the number is
    never taken as a call-back number; a person only by the button."""
    conversation = Conversation().say("报名医保宣讲", "sign_up").set(signup_refusal={"why": "pending"})
    conversation.events += bot_said("utter_default", hotline=TEST_HOTLINE)
    turn = conversation.ask(ActionFallback(), typed, "nlu_fallback")
    assert turn.responses == ["utter_not_understood_again"] and followup(turn.events) is None
    assert "handoff_reason" not in turn.slots
    assert [b["payload"] for b in turn.buttons] == ["/sign_up", "/request_human"]


def test_a_request_to_sign_up_the_nlu_did_not_understand_starts_the_sign_up() -> None:
    turn = Conversation().ask(ActionFallback(), "报第2个", "nlu_fallback")
    assert turn.messages == [] and followup(turn.events) == "signup_form"


def test_cancelling_the_hand_off_at_the_call_back_prompt_opens_no_ticket() -> None:
    turn = handoff_form_asking().ask(ActionStopForm(), "算了", "stop")
    assert turn.responses == ["utter_handoff_cancelled"] and "没有为您登记工单" in turn.text
    assert TEST_HOTLINE in turn.text
    assert {"event": "active_loop", "name": None, "timestamp": None} in turn.events
    assert turn.slots == {"requested_slot": None, "handoff_reason": None, "handoff_phone": None}
    assert followup(turn.events) == "action_listen"


def test_the_hand_off_opens_a_ticket_with_the_transcript_and_pauses(services: str) -> None:
    from handoff.service import HandoffService

    conversation = Conversation()
    conversation.ask(ActionStartHandoff(), "楼道灯坏了好几天没人管", "complaint")
    conversation.set(handoff_phone="13912340082")  # validate_handoff_form accepted it
    turn = conversation.run(ActionHandoff())
    assert turn.responses[0] == "utter_handoff"
    number = turn.messages[0]["ticket"]
    assert f"工单号：{number}" in turn.text and TEST_HOTLINE in turn.text
    # The channels read the ticket from the message's custom payload (the widget, WeChat).
    assert turn.shown[0]["custom"] == {"handoff": {"ticket": number, "reason": "complaint"}}
    assert turn.responses[1] in ("utter_handoff_office_hours", "utter_handoff_after_hours")
    assert {"event": "pause", "timestamp": None} in turn.events
    assert turn.slots == {"handoff_reason": None, "handoff_phone": None}
    ticket = HandoffService(services, webhook_configured=False).ticket(number)
    assert ticket is not None and (ticket.reason, ticket.channel, ticket.sender_id) == ("complaint", "rest", "citizen")
    assert ticket.masked_phone == "139****0082"
    said = [line["text"] for line in ticket.transcript]
    assert any("楼道灯坏了" in text for text in said) and any("投诉、举报请拨打" in text for text in said)


# --- action_show_activities (no session loaded) ---------------------------------------------

def test_a_schedule_question_with_no_session_loaded_says_when_they_are_announced() -> None:
    turn = Conversation().ask(ActionShowActivities(), "医保宣讲什么时候举办", "ask_activity_schedule")
    assert "utter_no_sessions_pending" in turn.responses
    assert turn.slots["listed_sessions"] is None


# --- the helpers themselves ------------------------------------------------------------------

def test_the_tracker_is_the_one_rasa_sends_with_the_domains_initial_slot_values() -> None:
    events = Conversation().say("开放点１５是啥？", "ask_open_day").events
    tracker = tracker_for(events, slots={"kb_ref": "x"})
    assert tracker.latest_message["text"] == "开放点15是啥?"  # normalised, as the actions read it
    assert tracker.latest_message["intent"]["name"] == "ask_open_day"
    assert tracker.events[-1]["text"] == "开放点１５是啥？"  # as typed
    assert tracker.get_slot("kb_ref") == "x" and tracker.get_slot("listed_sessions") is None
    assert set(domain_dict()["slots"]) <= set(tracker.slots)
    assert tracker.get_latest_input_channel() == "rest" and tracker.active_loop == {}
    messages, events_out = act(ActionAnswerPolicyQuestion(), tracker)
    assert responses(messages) == [None] and "部门预算" in rendered(messages)[0]["text"]
    assert slots_set(events_out)["kb_ref"].endswith("#site:15")


def test_slots_an_earlier_action_set_reach_the_next_one() -> None:
    conversation = Conversation(events=[SlotSet("kb_ref", f"{INTERACTION}#site:15")])
    turn = conversation.ask(ActionFollowUp(), "谁负责", "ask_followup")
    assert "财政局" in turn.text and "开放点15" in turn.text


# --- action_stop_form outside a form ------------------------------------------------------

@pytest.mark.parametrize("text", ["俺家的低保咋说停就停了 也没人来说一声", "政务大厅办事排队太久了 太气人了"])
def test_a_complaint_labelled_stop_outside_a_form_gets_the_complaint_reply(text: str) -> None:
    turn = Conversation().ask(ActionStopForm(), text, "stop")
    assert "接诉即办" in turn.text and TEST_HOTLINE in turn.text
    assert "utter_anything_else" not in turn.responses


def test_a_question_labelled_stop_outside_a_form_is_answered_or_refused() -> None:
    """Found with debug24 ("2024年有没有接着搞" after item 20)."""
    turn = Conversation().ask(ActionStopForm(), "一把手解读2024年有没有接着搞", "stop")
    assert "2024" in turn.text and TEST_HOTLINE in turn.text and "utter_anything_else" not in turn.responses


def test_stopping_the_hand_off_with_a_question_stops_it_and_answers() -> None:
    """Found with debug21: "算了 公示栏这事到底归谁负责" at the call-back prompt."""
    turn = handoff_form_asking().ask(ActionStopForm(), "算了 老旧小区改造的信息到底归谁发布", "stop")
    assert turn.responses[0] == "utter_handoff_cancelled" and "第5项" in turn.text
    assert {"event": "active_loop", "name": None, "timestamp": None} in turn.events
    assert followup(turn.events) == "action_listen"


def test_a_plain_stop_outside_a_form_asks_what_else() -> None:
    turn = Conversation().ask(ActionStopForm(), "算了不用了", "stop")
    assert turn.responses == ["utter_anything_else"]


def test_a_grumble_labelled_a_complaint_during_a_sign_up_lets_the_form_go_on() -> None:
    turn = Conversation.in_form("signup_form", "applicant_name", activity_session="S9").ask(
        ActionStartHandoff(), "这两天热死了，工地上站都站不住", "complaint")
    assert turn.responses == ["utter_complaint_in_form"] and TEST_HOTLINE in turn.text
    assert followup(turn.events) == "signup_form" and "handoff_reason" not in turn.slots


def test_asking_for_a_person_during_a_sign_up_still_hands_off() -> None:
    turn = Conversation.in_form("signup_form", "applicant_name", activity_session="S9").ask(
        ActionStartHandoff(), "我要投诉 给我转人工", "complaint")
    assert followup(turn.events) == "handoff_form"


def test_a_question_labelled_a_request_for_a_person_during_a_sign_up_is_answered() -> None:
    turn = Conversation.in_form("signup_form", "applicant_phone", activity_session="S9", applicant_name="唐晓梅").ask(
        ActionStartHandoff(), "我能带我家孩子一块去吗，上初二了", "request_human")
    assert followup(turn.events) == "signup_form" and "handoff_reason" not in turn.slots
    assert turn.text  # answered, or honestly not, from the plans


def test_a_real_complaint_during_a_sign_up_still_leaves_the_form() -> None:
    turn = Conversation.in_form("signup_form", "applicant_name", activity_session="S9").ask(
        ActionStartHandoff(), "我们楼道灯坏了一个月没人修", "complaint")
    assert followup(turn.events) == "handoff_form"


def test_a_detail_question_labelled_out_of_scope_gets_the_plans_refusal() -> None:
    conversation = Conversation().set(kb_context={"recent": ["京兴政务公开办发〔2023〕2号#site:13"], "listed": [],
                                                  "facet": "content"})
    turn = conversation.ask(ActionOutOfScope(), "要不要门票", "out_of_scope")
    assert "没有写到" in turn.text and TEST_HOTLINE in turn.text


def test_a_question_right_after_a_sign_up_that_could_not_start_is_answered_not_taken_for_details() -> None:
    """Found with debug17: "我想带孩子参加开放日 咋报名 / 孩子才8岁能进去不"."""
    from rasa.shared.core.events import ActionExecuted

    from actions.signup import ActionAnswerFormInput

    conversation = Conversation().say("我想带孩子参加开放日 咋报名", "sign_up").set(signup_refusal={"why": "pending"})
    conversation.events += [ActionExecuted("action_submit_signup")]
    turn = conversation.ask(ActionAnswerFormInput(), "孩子才8岁能进去不", "inform")
    assert "没有写到" in turn.text and "群众代表" in turn.text and "没有为您报名" not in turn.text


def test_a_question_only_a_work_item_answers_labelled_a_schedule_question_is_answered() -> None:
    """Found with debug17: "政策一般通过啥渠道发" listed the activities' sessions."""
    turn = Conversation().ask(ActionShowActivities(), "政策一般通过啥渠道发", "ask_activity_schedule")
    assert "第24项" in turn.text and "utter_no_sessions_pending" not in turn.responses


def test_the_hand_back_says_so_and_resumes_in_the_same_run() -> None:
    """One locked step in Rasa: a question typed the moment the message shows is answered
    (found by tests/system/test_console_browser.py when saying and resuming were two calls).
    The events, applied by Rasa's own tracker, leave it unpaused and listening."""
    from rasa.shared.core.events import ConversationPaused, deserialise_events

    from actions.takeover import ActionHandedBack
    from tests.unit.actions_support import rasa_tracker

    messages, events = act(ActionHandedBack(), tracker_for([ConversationPaused()]))
    assert "本次人工服务已结束" in rendered(messages)[0]["text"] and messages[0]["handback"]
    tracker = rasa_tracker([ConversationPaused(), *deserialise_events(events)])
    assert not tracker.is_paused() and tracker.latest_action_name == "action_listen"
