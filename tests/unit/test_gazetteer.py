"""The gazetteer links what people write to canonical units and topics, and feeds the NLU."""
from __future__ import annotations

import pytest

from bot import rasa_project
from kb.gazetteer import TOPIC, UNIT, Gazetteer, default_gazetteer


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("人保局的劳动仲裁开放点在哪", UNIT, ["区人力资源社会保障局"]),
        ("区医保局讲不讲异地就医", UNIT, ["区医疗保障局"]),
        ("（区人力资源社会保障局负责落实，完成时限", UNIT, ["区人力资源社会保障局"]),
        ("主责单位：采育镇、榆垡镇、兴丰街道、政务服务局", UNIT,
         ["采育镇", "榆垡镇", "兴丰街道", "区政务服务局"]),
        ("医疗保险和惠民保有宣讲吗", TOPIC, ["医保", "惠民保", "政策公开讲"]),
        ("开放日什么时候", TOPIC, ["政务开放日"]),
        # A unit named without 区 and 局/委员会 (issue 13), written nowhere in gazetteer.yml.
        ("园林绿化和农业农村各负责啥", UNIT, ["区园林绿化局", "区农业农村局"]),
        ("国防动员那个开放点", UNIT, ["区国防动员办公室"]),
        ("医保和人社的宣讲", UNIT, ["区人力资源社会保障局"]),
        # ...but never an everyday word (统计) or a word another term holds (政务服务体验).
        ("统计数字有吗", UNIT, []),
        ("政务服务体验开放点", UNIT, []),
    ],
)
def test_mentions_resolve_to_canonical_ids(text: str, label: str, expected: list[str]) -> None:
    assert default_gazetteer().ids(text, label) == expected


def test_text_without_known_names_has_no_mentions() -> None:
    assert default_gazetteer().mentions("今天天气怎么样") == []
    assert default_gazetteer().mentions("   ") == []


def test_every_alias_belongs_to_one_term_only() -> None:
    forms = [f for term in Gazetteer.from_file().terms for f in term.surface_forms]
    assert len(forms) == len(set(forms))


def test_generated_nlu_files_are_in_sync_with_the_gazetteer() -> None:
    gazetteer = Gazetteer.from_file()
    assert rasa_project.JIEBA_USERDICT.read_text(encoding="utf-8") == gazetteer.jieba_userdict()
    assert rasa_project.GAZETTEER_NLU.read_text(encoding="utf-8") == gazetteer.nlu_training_data(), (
        "run `make gazetteer` after editing kb/data/gazetteer.yml"
    )
