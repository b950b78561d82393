"""The pieces sign-up and hand-off replies are built from: activity names inside a sentence
(never a list line with a placeholder), the announcement rule's source, live streams without a
made-up venue, and when a typed name or number continues a refused sign-up."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker

from actions.signup import refusal_being_answered
from activities import formatting
from activities.catalogue import Activity
from activities.service import CLOSED, ONLINE, SessionView, Window

DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain"


def activity(kind: str = "lecture", number: int = 2, title: str = "政府采购宣讲") -> Activity:
    return Activity(kind, number, title, ("财政局",), "内容", "京兴政务公开办发〔2023〕2号", "方案")


def session(mode: str = "线上直播", venue: str = "线上", state: str = ONLINE) -> SessionView:
    day = dt.date(2026, 12, 10)
    return SessionView(
        code="S", activity=activity("lecture", 3, "人社普法知识宣讲"),
        starts_at=dt.datetime(2026, 12, 10, 10, 0), ends_at=None, venue=venue, mode=mode,
        capacity=30, live_details="视频号直播", announced_on=day, demo=False,
        window=Window(state, day, day),
    )


def response(name: str) -> str:
    for path in DOMAIN.glob("*.yml"):
        responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}
        if name in responses:
            return responses[name][0]["text"]
    raise KeyError(name)


def test_activities_are_named_inside_a_sentence_without_list_numbers_or_placeholders() -> None:
    assert formatting.activity_names([activity()]) == "“政策公开讲”第2讲“政府采购宣讲”"
    several = formatting.activity_names([activity(number=n, title=f"宣讲{n}") for n in range(1, 6)])
    assert several.startswith("“政策公开讲”第1讲“宣讲1”、") and several.endswith("等5项活动")
    for text in (formatting.activity_names([activity()]), several):
        assert "时间待公告" not in text and "1. " not in text and "\n" not in text


def test_the_pending_sign_up_reply_is_one_clean_sentence() -> None:
    text = response("utter_signup_pending").format(
        activities=formatting.activity_names([activity()]),
        according=formatting.according_to("《方案》（京兴政务公开办发〔2023〕2号）"),
        offline=5, online=3,
    )
    assert text.startswith("“政策公开讲”第2讲“政府采购宣讲”目前还没有可以报名的场次")
    assert "时间待公告的" not in text and text.count("。") == 1
    assert "按照《方案》（京兴政务公开办发〔2023〕2号），线下活动会至少提前5个工作日在区政府网站" in text


def test_no_source_means_no_dangling_according_to() -> None:
    assert formatting.according_to("") == ""
    text = response("utter_no_sessions_pending").format(activities="x", according="", offline=5, online=3,
                                                      hotline="12345")
    assert "按照，" not in text


def test_a_live_stream_has_no_placeholder_venue() -> None:
    live = session()
    assert not formatting.session_line(live, 1).endswith("｜线上")
    assert "地点" not in formatting.session_detail(live)
    assert formatting.how_to_watch(None) == "" and formatting.how_to_watch("视频号") == "观看方式：视频号"
    onsite = session(mode="线下", venue="区医保局报告厅", state=CLOSED)
    assert formatting.session_line(onsite, 1).endswith("｜线下｜区医保局报告厅")
    assert "\n地点：区医保局报告厅\n" in formatting.session_detail(onsite)


@pytest.mark.parametrize("name", ["utter_identity", "utter_out_of_scope", "utter_default",
                                  "utter_signup_failed", "utter_application_not_found",
                                  "utter_complaint_to_hotline", "utter_handoff_requested",
                                  "utter_not_understood_twice", "utter_hotline_during_handoff"])
def test_replies_take_the_hotline_from_the_settings(name: str) -> None:
    text = response(name)
    assert "{hotline}" in text and "12345" not in text


def _events(*turns: tuple[str, str | None]) -> list[dict]:
    """("user", intent) or ("action", name) in order."""
    events = []
    for kind, value in turns:
        if kind == "user":
            events.append({"event": "user", "text": "x", "parse_data": {"intent": {"name": value}}})
        else:
            events.append({"event": "action", "name": value})
    return events


def tracker(events: list[dict], refusal: dict | None) -> Tracker:
    return Tracker("s", {"signup_refusal": refusal}, {}, events, False, None, {}, "action_listen")


PENDING = {"why": "pending", "activities": "“政策公开讲”第2讲“政府采购宣讲”"}
REFUSED = [("user", "sign_up"), ("action", "signup_form"), ("action", "action_submit_signup"),
           ("action", "action_listen")]


def test_a_name_then_a_number_right_after_a_refused_sign_up_continue_it() -> None:
    name = _events(*REFUSED, ("user", "inform"))
    assert refusal_being_answered(tracker(name, PENDING)) == PENDING
    number = name + _events(("action", "action_answer_form_input"), ("action", "action_listen"),
                            ("user", "inform"))
    assert refusal_being_answered(tracker(number, PENDING)) == PENDING


def test_anything_else_in_between_ends_the_attempt() -> None:
    later = _events(*REFUSED, ("user", "ask_medical_insurance"),
                    ("action", "action_answer_policy_question"), ("action", "action_listen"),
                    ("user", "inform"))
    assert refusal_being_answered(tracker(later, PENDING)) is None
    assert refusal_being_answered(tracker(_events(*REFUSED, ("user", "inform")), None)) is None
