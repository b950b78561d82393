"""The trained model on phrasings the way citizens write them (loaded in-process, no server).

Traditional characters, pinyin, typos and full-width digits reach the model through the
pipeline's first component, bot.nlu.normaliser.TextNormaliser (kb.normalise).
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from bot import rasa_project
from bot.settings import load_settings

pytestmark = pytest.mark.integration

POLICY = {"ask_medical_insurance", "ask_employment_social_security", "ask_open_day",
          "ask_policy_lecture", "ask_participation", "ask_work_plan"}


@pytest.fixture(scope="module")
def agent() -> Iterator[object]:
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from rasa.core.agent import Agent

    yield Agent.load(str(rasa_project.train_if_needed(load_settings())))


def parse(agent, text: str) -> dict:  # type: ignore[no-untyped-def]
    return asyncio.run(agent.parse_message(text))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # personal problems and requests for service: people (12345), not plan answers
        ("我们楼道灯坏了一个月没人修", "complaint"),
        ("邻居装修天天吵", "complaint"),
        ("小区下水道堵了", "complaint"),
        ("老板拖欠工资不给", "complaint"),
        ("路灯不亮 垃圾也没人清", "complaint"),
        ("物业不管事", "complaint"),
        # outside the plans
        ("幼儿园入园材料都要啥", "out_of_scope"),
        ("明天天气咋样", "out_of_scope"),
        ("办护照去哪", "out_of_scope"),
        # a greeting or thanks around a question gets the question's intent
        ("您好，请问医保宣讲是哪个单位负责的？", "ask_medical_insurance"),
        ("你好", "greet"),
        ("我要查报名", "check_application"),
        ("查一下我报的名", "check_application"),
        ("我报名成功没", "check_application"),
        ("不想跟机器说话", "request_human"),
        ("找个真人", "request_human"),
        ("那我打什么电话", "ask_hotline"),
        ("热线多少", "ask_hotline"),
        ("16呢", "ask_followup"),
        ("那第三个呢", "ask_followup"),
        ("这俩谁办的", "ask_followup"),
        ("最后一个呢", "ask_followup"),
        # written in traditional characters, pinyin, with sound-alike typos
        ("醫保宣講是哪個單位負責的", "ask_medical_insurance"),
        ("區醫保局的宣講講什麼", "ask_medical_insurance"),
        ("yibao xuanjiang 是哪个单位负责的", "ask_medical_insurance"),
        ("医宝怎么报销", "ask_medical_insurance"),
        ("kaifangdian 9 是哪个单位的", "ask_open_day"),
        ("开方点有几个", "ask_open_day"),
    ],
)
def test_intent(agent, text: str, intent: str) -> None:  # type: ignore[no-untyped-def]
    assert parse(agent, text)["intent"]["name"] == intent


@pytest.mark.parametrize(
    "text",
    ["你们这信息都是哪年的", "2026年还有政策公开讲吗", "统计局和财政局的宣讲有什么不一样",
     "哪些开放点是镇街办的", "10月底前要完成的有哪些", "shiyebaoxian 谁公开"],
)
def test_plan_questions_reach_a_policy_intent(agent, text: str) -> None:  # type: ignore[no-untyped-def]
    """All policy intents go to the same answer action: any of them is right."""
    assert parse(agent, text)["intent"]["name"] in POLICY


def test_full_width_phone_number_is_found(agent) -> None:  # type: ignore[no-untyped-def]
    result = parse(agent, "我的手机号是１３８１２３４５６７８")
    assert result["intent"]["name"] == "inform"
    phones = {(e["value"], e["extractor"]) for e in result["entities"]
              if e["entity"] == "phone_number"}
    assert ("13812345678", "RegexEntityExtractor") in phones
    assert {value for value, _ in phones} == {"13812345678"}


def test_entities_are_read_from_the_normalised_text(agent) -> None:  # type: ignore[no-untyped-def]
    result = parse(agent, "區醫保局的宣講講什麼")
    assert result["text"] == "区医保局的宣讲讲什么"
    assert {(e["entity"], e["value"]) for e in result["entities"]} >= {("unit", "区医疗保障局")}


def test_tracker_keeps_the_original_words(agent) -> None:  # type: ignore[no-untyped-def]
    from rasa.core.channels.channel import UserMessage

    async def log() -> object:
        message = UserMessage("醫保宣講ｙｉｂａｏ", sender_id="normalised-vs-original")
        return await agent.processor.log_message(message)

    tracker = asyncio.run(log())
    uttered = tracker.latest_message
    assert uttered.text == "醫保宣講ｙｉｂａｏ"  # what the citizen wrote, as stored
    assert uttered.parse_data["text"] == "医保宣讲医保"  # what NLU, actions and the KB read


def test_button_payloads_are_left_alone(agent) -> None:  # type: ignore[no-untyped-def]
    result = parse(agent, '/sign_up{"phone_number": "１３８"}')
    assert result["intent"]["name"] == "sign_up"
    assert result["text"] == '/sign_up{"phone_number": "１３８"}'


def test_training_examples_keep_their_entity_annotations() -> None:
    """The component moves annotations with the text (no model needed)."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    from bot.nlu.normaliser import TextNormaliser

    data = RasaYAMLReader().reads(
        'version: "3.1"\nnlu:\n- intent: ask_medical_insurance\n  examples: |\n'
        "    - [ｙｉｂａｏ](topic)宣讲\u200b在[區醫保局](unit)嗎\n"
        '    - 我是[家長]{"entity": "identity", "value": "群众代表（家长或企业代表）"}\n'
        "    - /greet\n"
    )
    TextNormaliser().process_training_data(data)
    first, second, payload = data.training_examples
    assert first.get("text") == "医保宣讲在区医保局吗"
    assert [(e["start"], e["end"], e["value"]) for e in first.get("entities")] == [
        (0, 2, "医保"), (5, 9, "区医保局")]
    assert second.get("text") == "我是家长"
    assert [(e["start"], e["end"], e["value"]) for e in second.get("entities")] == [
        (2, 4, "群众代表（家长或企业代表）")]
    assert payload.get("text") == "/greet"
