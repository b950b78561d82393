"""core.privacy: the one reading of phone numbers (full-width and mixed digits,
separators, +86/0086 prefixes, parentheses) and the masking of every written form."""
from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from core.privacy import find_phone, mask_phone, mask_phone_in, mask_phones_in, normalise_phone, phone_of

pytestmark = pytest.mark.unit

_WIDE = {str(d): chr(0xFF10 + d) for d in range(10)}

mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text("0123456789", min_size=9, max_size=9),
)
separators = st.sampled_from(["", " ", "-", " - ", ".", "\u3000", "\uff0d", "\u2014", "\u00a0"])
prefixes = st.sampled_from(["", "+86", "+86 ", "86", "86-", "0086", "0086 ", "(+86)", "（+86）", "\uff0b\uff18\uff16 "])


@st.composite
def written(draw: st.DrawFn) -> tuple[str, str]:
    """A mobile number as a citizen may type it, and its canonical form."""
    phone = draw(mobiles)
    wide = draw(st.lists(st.booleans(), min_size=11, max_size=11))
    digits = [(_WIDE[d] if w else d) for d, w in zip(phone, wide)]
    groups = ["".join(digits[:3]), "".join(digits[3:7]), "".join(digits[7:])]
    gap = draw(separators)
    return draw(prefixes) + gap.join(groups), phone


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678", "138 1234 5678", "138-1234-5678", "138.1234.5678", "+86 13812345678",
        "8613812345678", "0086 13812345678", "(+86) 138-1234-5678", "（+86）138 1234 5678",
        "１３８１２３４５６７８", "138１２３４５６７８", "＋８６　１３８－１２３４－５６７８", "138\u30001234\u30005678",
        " 138 1234 5678 ",
    ],
)
def test_every_written_form_is_read_as_the_canonical_number(typed: str) -> None:
    assert normalise_phone(typed) == "13812345678"
    assert find_phone(f"我的手机号是{typed}，谢谢") == "13812345678"
    assert phone_of(typed) == "13812345678"


def test_the_issues_mixed_number() -> None:
    assert phone_of("139１２３４００８２") == "13912340082"


@pytest.mark.parametrize(
    "typed", ["12812345678", "1381234567", "138123456789", "010-12345678", "电话", "", "１２８１２３４５６７８"]
)
def test_other_numbers_are_not_mobiles(typed: str) -> None:
    assert normalise_phone(typed) is None
    assert find_phone(typed) is None


@pytest.mark.parametrize(
    "text", ["订单号2023121513812345678", "13812345678901", "第13项 2023年12月15日", "热线12345", "10:30-11:45"]
)
def test_numbers_glued_to_other_digits_or_no_mobile_at_all_are_left_alone(text: str) -> None:
    assert find_phone(text) is None
    assert mask_phones_in(text) == text


@given(written())
@example(("139１２３４００８２", "13912340082"))
def test_any_written_form_is_found_canonical_and_masked(typed_and_phone: tuple[str, str]) -> None:
    typed, phone = typed_and_phone
    assert normalise_phone(typed) == phone
    sentence = f"您好，我的电话是{typed}，白天都能打通"
    assert find_phone(sentence) == phone
    masked = mask_phones_in(sentence)
    assert mask_phone(phone) in masked
    assert find_phone(masked) is None
    assert masked.startswith("您好，我的电话是") and masked.endswith("，白天都能打通")
    assert mask_phone_in(sentence, phone) == masked


@given(written(), mobiles)
def test_masking_one_number_leaves_the_others(typed_and_phone: tuple[str, str], other: str) -> None:
    typed, phone = typed_and_phone
    text = f"{typed} 和 {other}"
    masked = mask_phone_in(text, other)
    if other != phone:
        assert find_phone(masked) == phone
    assert other not in masked
