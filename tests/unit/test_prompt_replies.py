"""activities.applicants.reply_kind: what a message typed at a form's prompt is — the same
reading for the sign-up, check/cancel and hand-off forms."""
from __future__ import annotations

import pytest

from activities.applicants import (
    ANSWER, ASIDE, CONTACT_PHONE, LEAVE, NAME, ORGANISATION, PHONE, REFERENCE, SESSION, declines_number,
    leaves_form,
    reply_kind,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("expects", "intent", "text", "kind"),
    [
        # The hand-off's call-back question: no number, but hand off ...
        (CONTACT_PHONE, "deny", "不用", ANSWER),
        (CONTACT_PHONE, "inform", "不留电话", ANSWER),
        (CONTACT_PHONE, "deny", "不用回电", ANSWER),
        (CONTACT_PHONE, "nlu_fallback", "没有手机", ANSWER),
        (CONTACT_PHONE, "stop", "算了，电话就不留了", ANSWER),
        (CONTACT_PHONE, "inform", "139１２３４００８２", ANSWER),
        # ... or no hand-off any more ...
        (CONTACT_PHONE, "stop", "算了", LEAVE),
        (CONTACT_PHONE, "deny", "不用了", LEAVE),
        (CONTACT_PHONE, "stop", "取消", LEAVE),
        (CONTACT_PHONE, "cancel_application", "取消", LEAVE),  # the prompt's own offer
        (CONTACT_PHONE, "deny", "不转了", LEAVE),
        (CONTACT_PHONE, "request_human", "不转人工了", LEAVE),
        # ... courtesies around the word of leaving do not hide it ...
        (CONTACT_PHONE, "thank", "不用了，谢谢", LEAVE),
        (CONTACT_PHONE, "thank", "那就不用了谢谢", LEAVE),
        (CONTACT_PHONE, "thank", "谢谢,不用了", LEAVE),
        (CONTACT_PHONE, "stop", "算了吧，不麻烦了", LEAVE),
        (CONTACT_PHONE, "goodbye", "没事了", LEAVE),
        (CONTACT_PHONE, "deny", "我不需要了", LEAVE),
        # ... while "不用"/"不需要" without "了" is the prompt's own offer: no number.
        (CONTACT_PHONE, "deny", "不需要", ANSWER),
        (CONTACT_PHONE, "thank", "不需要，谢谢", ANSWER),
        # ... or a question first.
        (CONTACT_PHONE, "ask_hotline", "热线电话是多少", ASIDE),
        (CONTACT_PHONE, "ask_medical_insurance", "医保宣讲是哪个单位负责的", ASIDE),
        (CONTACT_PHONE, "request_human", "我要找真人", ASIDE),
        (CONTACT_PHONE, "nlu_fallback", "开放日都有哪些地方", ASIDE),
        # a year is no phone number attempted
        (CONTACT_PHONE, "nlu_fallback", "2026年还搞不搞这个", ASIDE),
        (PHONE, "ask_open_day", "2027年的开放日呢", ASIDE),
        (CONTACT_PHONE, "nlu_fallback", "138 1234", ANSWER),
        # A phone prompt of the sign-up or check form.
        (PHONE, "ask_hotline", "热线电话是多少", ASIDE),
        (PHONE, "check_application", "我想查一下我的报名", ASIDE),
        (PHONE, "inform", "1381234", ANSWER),
        (PHONE, "inform", "王小明", ANSWER),
        (PHONE, "ask_hotline", "13812345678 热线是多少", ANSWER),
        (PHONE, "stop", "不报了", LEAVE),
        (PHONE, "deny", "不用了", LEAVE),
        (PHONE, "thank", "不报了谢谢", LEAVE),
        (NAME, "thank", "好的，不用了", LEAVE),
        (REFERENCE, "inform", "dx 7k3q9m", ANSWER),
        (REFERENCE, "ask_open_day", "开放日在哪", ASIDE),
        # Free text: almost anything is the answer, questions are not.
        (NAME, "inform", "王小明", ANSWER),
        (NAME, "nlu_fallback", "欧阳娜娜", ANSWER),
        (NAME, "ask_hotline", "热线电话是多少", ASIDE),
        (NAME, "stop", "算了", LEAVE),
        (ORGANISATION, "deny", "不用了", ANSWER),  # the prompt offers to skip: no organisation
        (ORGANISATION, "inform", "大兴区第一中学", ANSWER),
    ],
)
def test_reply_kinds(expects: str, intent: str, text: str, kind: str) -> None:
    assert reply_kind(expects, intent, text) == kind


@pytest.mark.parametrize(
    ("intent", "text", "chosen", "kind"),
    [
        # A session choice: a name (whatever intent the NLU gives it), a position, a button ...
        ("ask_open_day", "开放点9", True, ANSWER),
        ("sign_up", "报名开放点9", True, ANSWER),
        ("inform", "1", True, ANSWER),
        ("nlu_fallback", "就报第一个吧", True, ANSWER),
        ("ask_followup", "第一个可以吗", True, ANSWER),
        ("sign_up", '/sign_up{"activity_session": "INTERRUPT9"}', True, ANSWER),
        # ... a question or request, even one naming a session ...
        ("ask_open_day", "我想问问开放点9在哪", True, ASIDE),
        ("ask_medical_insurance", "医保宣讲是哪个单位负责的", True, ASIDE),
        ("request_human", "开放点9 转人工", True, ASIDE),
        ("ask_hotline", "热线电话是多少", False, ASIDE),
        ("request_human", "转人工", False, ASIDE),
        ("check_application", "查询报名", False, ASIDE),
        ("nlu_fallback", "你们几点上班", False, ASIDE),
        # ... leaving, with or without courtesies ...
        ("stop", "算了", False, LEAVE),
        ("thank", "不报了谢谢", False, LEAVE),
        # ... and what is neither: the form says it found no session and lists them again.
        ("inform", "随便", False, ANSWER),
    ],
)
def test_session_prompt_reply_kinds(intent: str, text: str, chosen: bool, kind: str) -> None:
    assert reply_kind(SESSION, intent, text, chosen) == kind


def test_leaving_words_are_the_same_for_every_form() -> None:
    for text in ("算了", "不用了", "取消", "不报了", "不查了", "退出", "不报了谢谢", "多谢，不用了", "没事了"):
        assert leaves_form("thank", text), text
    for text in ("谢谢", "好的", "不用", "不需要"):
        assert not leaves_form("thank", text), text
    assert not leaves_form("ask_medical_insurance", "算了 我问问医保宣讲是哪个单位负责")
    assert not leaves_form("inform", "王小明")


@pytest.mark.parametrize("text", ["不用", "不需要", "不留电话", "不用回电了", "没有手机", "谢谢", "电话就不留了"])
def test_declining_the_number(text: str) -> None:
    assert declines_number(text)


@pytest.mark.parametrize("text", ["算了", "不用了 不转了", "13812345678", "热线电话是多少"])
def test_not_declining_the_number(text: str) -> None:
    assert not declines_number(text)
