"""What citizens type into the forms, and the masking of phone numbers everywhere."""
from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activities.applicants import NO_ORGANISATION, clean_name, find_reference, identity_of, organisation_of
from core.privacy import find_phone, mask_phone, mask_phones_in, normalise_phone
from bot.log_masking import install as install_log_masking
from activities.service import new_reference, normalise_reference

mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text("0123456789", min_size=9, max_size=9),
)


@pytest.mark.parametrize(
    "typed", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 13812345678", "8613812345678"]
)
def test_mainland_mobiles_are_normalised(typed: str) -> None:
    assert normalise_phone(typed) == "13812345678"


@pytest.mark.parametrize("typed", ["12812345678", "1381234567", "138123456789", "010-12345678", "电话", ""])
def test_other_numbers_are_not_mobiles(typed: str) -> None:
    assert normalise_phone(typed) is None


@given(mobiles)
def test_any_mobile_in_a_sentence_is_found_and_masked(phone: str) -> None:
    sentence = f"我的手机号是{phone[:3]} {phone[3:7]} {phone[7:]}，谢谢"
    assert find_phone(sentence) == phone
    masked = mask_phones_in(sentence)
    assert phone not in masked.replace(" ", "")
    assert mask_phone(phone) in masked


def test_log_records_are_masked_whoever_logs_them(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking()
    install_log_masking()  # twice is harmless
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.some.module").info("Received user message '%s'", "13812345678")
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text


@pytest.mark.parametrize(
    ("typed", "name"),
    [("王小明", "王小明"), ("我叫 李四", "李四"), ("姓名：欧阳娜娜", "欧阳娜娜"), ("阿依古丽·买买提", "阿依古丽·买买提")],
)
def test_names(typed: str, name: str) -> None:
    assert clean_name(typed) == name


@pytest.mark.parametrize("typed", ["王", "13812345678", "张三123", "<script>alert(1)</script>", "x" * 30])
def test_not_names(typed: str) -> None:
    assert clean_name(typed) is None


@pytest.mark.parametrize(
    ("typed", "identity"),
    [
        ("人大代表", "人大代表"),
        ("我是区政协委员", "政协委员"),
        ("家长", "群众代表（家长或企业代表）"),
        ("我是企业代表", "群众代表（家长或企业代表）"),
        ("报社记者", "媒体记者"),
        ("都不是", "其他"),
        ("群众代表（家长或企业代表）", "群众代表（家长或企业代表）"),
    ],
)
def test_identities(typed: str, identity: str) -> None:
    assert identity_of(typed) == identity


def test_unknown_identity() -> None:
    assert identity_of("随便") is None


@pytest.mark.parametrize("typed", ["无", "没有", "跳过", "暂无。"])
def test_no_organisation(typed: str) -> None:
    assert organisation_of(typed) == NO_ORGANISATION


def test_organisation_prefix_is_dropped() -> None:
    assert organisation_of("单位是大兴区第一中学") == "大兴区第一中学"


@given(st.integers(min_value=0, max_value=50))
def test_references_round_trip_however_typed(_: int) -> None:
    reference = new_reference()
    assert normalise_reference(reference) == reference
    assert find_reference(f"编号是{reference.lower().replace('-', ' ')}") == reference
    assert find_reference(f"报名号：{reference[3:]}") is None  # without DX it could be anything


def test_references_avoid_ambiguous_characters() -> None:
    assert normalise_reference("DX-0O1IL5") is None
