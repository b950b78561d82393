"""Cleaning what citizens type into the sign-up and lookup forms (no Rasa here), and what
a reply to any form's prompt is (`reply_kind`: the answer, leaving, or a question asked in
between).

Each cleaning function returns the clean value or None when the input cannot be one, so the
form can ask again politely instead of storing junk.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from activities.models import IDENTITIES
from activities.service import normalise_reference
from core.privacy import find_phone, phone_of
from kb.normalise import to_simplified

IDENTITIES_FILE = Path(__file__).parent / "data" / "identities.yml"
NO_ORGANISATION = "无"
_NAME_PREFIX = re.compile(r"^(?:我的?名字?(?:是|叫)?|我叫|我是|姓名(?:是|：|:)?|名字(?:是|：|:)?|本人)\s*")
# Han characters, letters and the middle dots of minority and foreign names.
_NAME = re.compile(r"[\u3400-\u9fff\U00020000-\U0002fa1fA-Za-z·•．. ]{2,20}")
# Characters that make a reply a sentence, not a name: particles, pronouns, question words
# and verbs of asking; the first character is a surname, and a few of these are surnames
# too (那, 么), so it is checked against the shorter list.
_SENTENCE_CHARACTERS = re.compile(r"[吗呢吧啊嘛呀哦么的了我你您他她它这那哪什怎谁几没不要想能会在是有个报问查请咋啥挺很太]")
_NOT_A_SURNAME = re.compile(r"[没不这哪什怎谁我你您他她它是在要想报问查请咋啥好对嗯哦啊]")
# Words of the forms' own buttons and commands: typed at the name prompt they are no name.
_COMMAND_WORDS = re.compile(r"确认|提交|同意|报名|取消|修改|其他|其它|没有|可以|谢谢|你好|您好|人工|客服|电话|手机|身份|单位"
                            r"|学校|代表|委员|记者|开放|宣讲|讲座|活动")
# "我姓司马 名长风", "姓王，叫王小明" is not this (the given name repeats the surname: read as typed).
_SURNAME_THEN_GIVEN = re.compile(r"(?:我|本人)?姓\s*([\u3400-\u9fff]{1,2})[\s，,、]*(?:名字?|单名|名叫)(?:是|叫)?\s*"
                                 r"([\u3400-\u9fff]{1,2})[。.!！]?")
_HAN_NAME = re.compile(r"[\u3400-\u9fff\U00020000-\U0002fa1f]{2,5}")
_DOTTED_NAME = re.compile(r"[\u3400-\u9fff]{1,12}(?:[·•．.][\u3400-\u9fff]{1,12}){1,3}")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z .'-]{1,19}")
# How a sentence about oneself starts ("我是开公司的"): no organisation's name.
_SAYS_SOMETHING = re.compile(r"(?:我|俺|咱|你|他|她|是|开|在|做|就)")
_HAN_ONLY = re.compile(r"[\u3400-\u9fff]{4,20}")
_SPACE_IN_HAN = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_ORG_PREFIX = re.compile(r"^(?:我的?)?(?:工作)?(?:单位|学校|公司)(?:是|在|：|:)?\s*|^我?(?:是)?在\s*")
# "在顺达物流干活", "在大兴区第七中学上班", "在兴丰街道当网格员": the organisation without
# what one does there.
_ORG_VERB = re.compile(r"(?:上班|工作|上学|干活|打工|读书|教书|任职|当[\u4e00-\u9fff]{1,4})(?:的|呢|啊)?$")
_NO_ORG = re.compile(r"^(?:无|没有|没|暂无|不填|跳过|不用填?了?|不需要了?|不方便|无单位|没单位|没有单位|无业|待业|退休了?)[。.!！]?$")
# Saying there is none, inside a sentence ("没有 退休了 写无吧", "在工地干活没固定单位 就写无吧").
_NO_ORG_SAID = re.compile(r"写无|填无|写个无|就无|没有单位|没单位|无单位|没固定单位|没有固定单位|不用写单位|单位没有|单位无|单位就不写")
_REFERENCE_IN_TEXT = re.compile(r"[Dd][Xx][\s-]?[0-9A-Za-z]{6}(?![0-9A-Za-z])")


def clean_name(text: str) -> str | None:
    """"我叫 王小明" → "王小明"; None for digits, symbols, or a length no name has."""
    name = _NAME_PREFIX.sub("", (text or "").strip()).strip(" 。.,，!！")
    return name if _NAME.fullmatch(name) else None


def person_name(text: str) -> str | None:
    """A name as typed at the name prompt ("我叫 王小明" → "王小明"), or None for a sentence,
    digits or symbols: 2–5 Han characters with none of the particles, pronouns and question
    words sentences have ("这个要钱吗" is no name); a minority or foreign name with middle
    dots ("买买提·艾力", "阿依古丽·吐尔逊"); a Latin-letter name. Rare characters (禤, 燚,
    the CJK extensions) are accepted."""
    if surname_and_given := _SURNAME_THEN_GIVEN.fullmatch((text or "").strip()):
        text = surname_and_given.group(1) + surname_and_given.group(2)  # "我姓司马 名长风"
    name = clean_name(text)
    if name is None:
        return None
    name = _SPACE_IN_HAN.sub("", name.replace("•", "·").replace("．", "·").strip())
    if _DOTTED_NAME.fullmatch(name) or _LATIN_NAME.fullmatch(name):
        return name
    if _HAN_NAME.fullmatch(name) and not _NOT_A_SURNAME.match(name) \
            and not _SENTENCE_CHARACTERS.search(name[1:]) and not _COMMAND_WORDS.search(name):
        return name
    return None


@lru_cache(maxsize=1)
def _identity_words() -> dict[str, list[str]]:
    words = yaml.safe_load(IDENTITIES_FILE.read_text(encoding="utf-8"))
    assert set(words) == set(IDENTITIES), "identities.yml must list exactly models.IDENTITIES"
    return words


def identity_of(text: str) -> str | None:
    """The plan's identity a reply names: "我是家长" → 群众代表（家长或企业代表）."""
    text = (text or "").strip()
    if text in IDENTITIES:
        return text
    for identity, words in _identity_words().items():
        if any(word in text for word in words):
            return identity
    return None


def organisation_of(text: str) -> str | None:
    """The organisation as typed, `NO_ORGANISATION` for "无/没有/跳过", None if unusable."""
    value = _ORG_VERB.sub("", _ORG_PREFIX.sub("", (text or "").strip()).strip(" 。.")).strip()
    plain = to_simplified(value)  # "無", "沒有單位": none, in traditional characters too
    if not value or _NO_ORG.match(plain) or _NO_ORG_SAID.search(plain):
        return NO_ORGANISATION
    return value if len(value) <= 100 else None


def find_reference(text: str) -> str | None:
    """A reference number inside a message ("编号是dx 7k3q9m" → "DX-7K3Q9M")."""
    match = _REFERENCE_IN_TEXT.search(text or "")
    return normalise_reference(match.group(0)) if match else normalise_reference(text)


# --- What a message typed at a form's prompt is --------------------------------------------
# Every form (sign-up, check/cancel, the hand-off's call-back question) reads its prompts'
# replies here, so all share one notion of an answer, of leaving and of a question asked
# in between (actions.forms.PromptedForm applies it; nlu_data/rules answer the question and
# Rasa then asks the prompt again).
ANSWER, LEAVE, ASIDE = "answer", "leave", "aside"
# What a prompt expects. Shaped values have a form a message either has or not; free ones
# (a name, an organisation) can be almost any text.
PHONE, CONTACT_PHONE, REFERENCE, NAME, IDENTITY, ORGANISATION = (
    "phone", "contact_phone", "reference", "name", "identity", "organisation")
# The sign-up's first prompt: which session (a button, a position in the list, a name).
SESSION = "session"
_SHAPED = {PHONE, CONTACT_PHONE, REFERENCE}
# Questions and requests: never a value, whatever the prompt; each has its own rule.
ASIDE_INTENTS = frozenset({
    "ask_medical_insurance", "ask_employment_social_security", "ask_open_day",
    "ask_policy_lecture", "ask_participation", "ask_work_plan", "ask_activity_schedule",
    "ask_followup", "ask_help", "ask_hotline", "ask_identity", "request_human", "complaint",
    "negative_feedback", "check_application", "cancel_application", "sign_up", "greet", "thank",
    "goodbye", "out_of_scope",
})
# At a shaped prompt, these intents are a (possibly malformed) attempt at the value: the
# form says what is wrong with it and asks again. Any other intent is asked in between.
_ATTEMPT_INTENTS = frozenset({"inform", "affirm", "deny"})
# Leaving: the same words at every prompt of every form ("算了", "不用了", "不转了").
_LEAVE_WORDS = re.compile(
    r"算了|取消|不报了|不查了|不填了|不弄了|不办了|不用了|不需要了|不要了|没事了|退出"
    r"|不想(?:报|查|填|弄|办)了|先不(?:报|查|填|弄|办)"
)
# ... and alone, whatever the NLU made of it (a bare "取消" may look like cancelling an
# application, "不用了，谢谢" like thanks, "没事了" like a goodbye): once the courtesies around
# it are set aside, the message is nothing but one or more of these. "了" is what tells
# leaving ("不用了", "我不需要了") from the call-back question's own offer ("不用", "不需要":
# hand off without a number, `declines_number`).
_LEAVE_REPLY = re.compile(
    r"(?:(?:我|我们)?(?:还是|就)?(?:取消|算了|退出|停止?|没事了|不转了|先不(?:报|查|填|弄|办|转)了?"
    r"|不(?:想|要)?(?:报|查|填|弄|办|用|需要|要|转人工)了))+"
)
# The courtesies around a word of leaving: "那就不用了谢谢", "算了吧，不麻烦了", "好的，没事了".
_COURTESY = re.compile(
    r"(?:多|感|非常感)?谢(?:谢|了)?(?:您|你|啦)?|不(?:麻烦|打扰)(?:您|你)?了|麻烦(?:您|你)?了|好(?:的|吧)"
    r"|那就|那|吧|啊|呀|啦|哈|哦|噢|嗯|哎|唉|[\s，,。.、!！?？~～…]"
)
# Not wanting a person any more, whatever the NLU made of it ("不转人工了" may look like a
# request for one).
_NO_HANDOFF = re.compile(r"不(?:用|要|想|需要)?(?:转|找)(?:人工|真人|客服|了|啦|吧|$)|不(?:用|要|需要)人工")
# Declining the call-back number (the hand-off goes ahead without one): said about the
# number or the call-back ("不留电话", "不用回电", "没有手机") ...
_NO_NUMBER = re.compile(
    r"不(?:用|需要|要|必|想|方便)?(?:留|回电|回访)|不(?:用|需要|要|必)(?:打|给我打)(?:电话|回来|给我)?"
    r"|没有?(?:手机|电话)|(?:电话|手机|号码|联系方式)(?:就|还是)?(?:不留|不给|不方便|算了|没有|不用)|跳过"
)
# ... or the reply the prompt itself offers ("不用"), alone, or a goodbye.
_NO_NUMBER_REPLY = re.compile(
    r"(?:不用|不需要|不要|无|没有|没|不留|谢谢|谢了|再见|拜拜)[啦吧呀。.,，!！~～\s]*(?:谢谢|再见|拜拜)?[。.!！~～\s]*")
# Three digits or more, not a year ("2026年还搞不搞这个" at the phone prompt is a question).
_DIGITS = re.compile(r"[0-9\uff10-\uff19]{3}(?![0-9\uff10-\uff19]*\s*年)")
# At the session prompt, a message that names a session may still ask about it ("我想问问开放点9
# 在哪", "医保宣讲是哪个单位负责的") or ask for something else ("开放点9 转人工"): then it is
# no choice. "第一个可以吗" only checks the choice.
_ASKING = re.compile(
    r"[?？吗呢嘛么]|(\w)不\1|[不没][\s。.!！]*$|[不没][\s，,]|什么|啥|哪|几|多少|怎么|怎样|如何|是否|有没有|能不能|谁|问|咨询|请教|电话|热线|人工|客服|真人"
    r"|上班|下班|地址|在哪|负责|介绍|查|取消"
)
# A question, whatever else it says ("单位必须填吗", "写学校可以不").
_QUESTION = re.compile(r"[?？]|[吗呢嘛](?=[\s，,。.!！]|$)|(\w)不\1|(?<![要还就])不[\s。.!！]*$|什么|啥|哪|几|多少|怎么|怎样|如何"
                       r"|是否|有没有|能不能|必须|一定要|可以不|要不要")
# A remark, not a value: addressed to the assistant, or several particles of speech.
_REMARK = re.compile(r"你们|您们|你|您|咱|挺|真|太|嗯|哦|噢|知道|明白|好的|[了吧啊呀哈的].*[了吧啊呀哈的]")
_CHECKING_CHOICE = re.compile(r"(?:可以|行|好)[吗吧嘛么][?？]?$")
REQUEST_INTENTS = frozenset({"request_human", "complaint", "check_application", "cancel_application", "ask_hotline"})


# Asking to be signed up, in its short and colloquial forms: "报名医保宣讲", "仲裁那个开放日
# 我要报", "给我报上开放点7", "报第2个", "报那个", "…想报名第二场".
_SIGN_UP_REQUEST = re.compile(
    r"(?:^|[，,。；;\s])(?:请|麻烦|劳驾)?(?:你|您)?(?:帮忙|帮个忙)?(?:帮我|给我|替我|我要|我想|想|我也要|我也想|我|俺)?"
    r"(?:给自己|给我自己|自己)?(?:报个名|报名|报上|报一下|报一个|报)(?!销|告|道|纸|表|价|案|警|税|关|账|修)"
    r"|(?:我要|我想|想|我也要|给我|帮我)(?:给自己|给我自己|自己)?(?:报名|报个名|报上|报)"
    r"(?:[了吧啊呀哈]*[。！!]?$|第|这|那|[\u4e00-\u9fff\d])"
    r"|(?:我要报|我也要报|我报名|我报一个|报上我|报一个|报名|报个名)[了吧啊呀哈]*[。！!]?$"
    r"|(?:讲座|宣讲|开放日|开放点\d*|活动|那个|这个|那场|这场)\s*(?:我要|我想|我也要)?(?:报名|报个名|报一个)"
    r"|(?:我|俺)?(?:想|要|也想|也要)(?:去|参加)(?:看看|瞅瞅|参观|听听)?[了吧啊呀哈]*[。！!]?$"
    r"|^(?:那|那么)?(?:我|俺)?(?:想|要)去[^，。？?]{1,20}(?:参观|看看|瞅瞅|听听|旁听)"
)
# Wanting to go and asking how to sign up ("那我想去 司法那个咋报"): a sign-up, whose form
# shows the way; a bare "开放日怎么报名" asks about the rules and is answered from the plan.
_WANTS_TO_GO_HOW = re.compile(r"(?:想|要)(?:去|参加|报)[^。？?]{0,20}(?:咋|怎么|怎样|如何)(?:报名?|参加)")
# "司法局开放日还能报吗", "仲裁那个能报不": asking whether one can sign up means signing up
# (the form says at once when nothing is open).
_CAN_I_SIGN_UP = re.compile(r"(?:能|可以|还能|能不能|可不可以)(?:报|报名|报个名)(?:吗|不|嘛|么|没)?[？?。！!]*$")
# ... unless it asks whether some kind of person may ("外地人能报名吗": who may take part).
_PERSON_KINDS = re.compile(r"外地|外国|老人|老年|孩子|小孩|儿童|学生|残疾|党员|农民工|退休|个体户|企业|公司|单位|人大代表|政协委员"
                           r"|记者|家长|外籍|港澳|台湾|谁|什么人|哪些人")
# ... unless the message asks about signing up ("报名要什么条件", "开放日怎么报名") or is about
# an application already made ("我要查报名", "取消报名").
_ABOUT_SIGNING_UP = re.compile(
    r"[?？吗呢么嘛]|什么|啥|哪里|哪儿|几|多少|怎么|怎样|如何|是否|有没有|能不能|可不可以|可以吗|要不要|条件|截止|流程|规则|方式"
    r"|查|取消|撤销|撤回|退|改期|结果|咋|有这(?:种|个|样)|真的假的|(?<=[\u4e00-\u9fff])不$"
)


def asks_to_sign_up(text: str) -> bool:
    """Whether a message asks to be signed up for something, whatever the NLU labelled it
    ("报名医保宣讲" may look like a question about 医保): then the sign-up form starts."""
    text = (text or "").strip()
    return bool(_CAN_I_SIGN_UP.search(text) and not _PERSON_KINDS.search(text)) or (
        bool(_SIGN_UP_REQUEST.search(text)) and not _ABOUT_SIGNING_UP.search(text)) or (
        bool(_WANTS_TO_GO_HOW.search(text)) and not _PERSON_KINDS.search(text))


# Checking or cancelling an application ("帮我查一下报名情况", "取消报名", "报名不去了 帮我撤了").
_CANCEL_APPLICATION = re.compile(r"(?:取消|撤销|撤回|撤掉|退掉|不去了|去不了|不参加了)[^。？?]{0,6}(?:报名|预约|申请)"
                                 r"|(?:报名|预约|申请)[^。？?]{0,6}(?:取消|撤销|撤回|撤了|撤掉|退掉|退了)")
_CHECK_APPLICATION = re.compile(r"查[一下询查看个]{0,3}[^。？?]{0,6}(?:报名|报的名|预约|申请)|(?:报名|申请)(?:的)?(?:情况|状态|结果|进度)"
                                r"|(?:报上|选上|通过)了?(?:没|吗|没有)")


def application_request_in(text: str) -> str | None:
    """"cancel" or "check" when a message asks to cancel or check an application and carries
    the details to find it (a phone number or a reference: "取消报名 手机号142… 编号DX-…"),
    whatever the NLU labelled it; None otherwise (a bare "怎么取消报名" is a question)."""
    text = (text or "").strip()
    if find_phone(text) is None and not _REFERENCE_IN_TEXT.search(text):
        return None
    if _CANCEL_APPLICATION.search(text):
        return "cancel"
    if _CHECK_APPLICATION.search(text):
        return "check"
    return None


# How organisations' names end ("中国劳动关系学院", "北京青年报", "钱记小吃店").
_ORGANISATION_END = re.compile(r"(?:学院|学校|大学|中学|小学|[一二三四五六七八九十\d]+中|附中|职高|技校|幼儿园|公司|集团|局|委"
                               r"|委员会|政府|院|中心|报|报社|社|站|所|厂|店|商行|超市|部|办|会|队|馆|台|村|社区|街道|镇"
                               r"|银行|医院|协会|工作室|合作社|农场)$")


def value_despite_label(expects: str, text: str) -> bool:
    """Whether a reply at the name or organisation prompt is plainly the value, whatever
    the NLU labelled it ("钱卫国" may look like a question about money, "中国劳动关系学院"
    like one about employment): a name, or a name of an organisation, that asks nothing."""
    text = (text or "").strip()
    if _QUESTION.search(text):
        return False
    if expects == NAME:
        return person_name(text) is not None
    if expects == ORGANISATION:
        name = _ORG_PREFIX.sub("", text).strip(" 。.")
        return len(name) <= 40 and (bool(_ORGANISATION_END.search(name)) or (
            bool(_HAN_ONLY.fullmatch(name)) and not _SENTENCE_CHARACTERS.search(name)))
    return False


def organisation_named(text: str) -> str | None:
    """`text` when it is plainly an organisation's name ("北京兴旺达商贸有限公司"): four or more
    characters ending the way organisations' names end, asking nothing; else None."""
    text = (text or "").strip(" 。.")
    return text if 4 <= len(text) <= 40 and _ORGANISATION_END.search(text) and not _QUESTION.search(text) \
        and not _SAYS_SOMETHING.match(text) else None


def looks_like_form_input(text: str) -> bool:
    """Whether a message is what a form's prompt takes (a phone number, a reference, a
    bare name) rather than a question: typed as if a form were running."""
    text = (text or "").strip()
    return phone_of(text) is not None or bool(_REFERENCE_IN_TEXT.search(text)) or person_name(text) is not None


# Giving up the activity itself ("那天要接孙子，还是不去了"), whatever the NLU labelled it
# (it may look like cancelling an application): leaving, unless it is a question.
# ... but "我想换成医保那个讲座 仲裁那天去不了" switches to another activity.
_SWITCHING = re.compile(r"换成|改成|换到|改报|换个|换一|改为")
_GIVING_UP = re.compile(r"不去了|去不了了?|不参加了|不想去了|来不了了?|不报了|不报名了|不想报了")


def leaves_form(intent: str | None, text: str) -> bool:
    """True when the message asks to stop the form: the `stop` intent, a word of leaving
    ("算了", "不用了", "取消", "不转了", "没事了") with at most courtesies around it ("不用了，
    谢谢", "算了吧，不麻烦了"), or one in a message that asks nothing else."""
    text = text or ""
    return intent == "stop" or bool(_NO_HANDOFF.search(text) or _LEAVE_REPLY.fullmatch(_COURTESY.sub("", text))) or (
        intent not in ASIDE_INTENTS and bool(_LEAVE_WORDS.search(text))) or (
        bool(_GIVING_UP.search(text)) and not _QUESTION.search(text) and not _SWITCHING.search(text))


def declines_number(text: str) -> bool:
    """True when the citizen will not leave a call-back number but still wants the hand-off:
    "不留电话", "不用回电", "没有手机", or just "不用" (the prompt's own offer)."""
    text = (text or "").strip()
    return bool(_NO_NUMBER.search(text) or _NO_NUMBER_REPLY.fullmatch(text))


def gives_value(expects: str, text: str) -> bool:
    """Whether the reply has the shape of the value the prompt expects (a number, a
    reference, "写无吧" for no organisation): then it is the answer, even with a word of
    leaving or a label of stopping around it."""
    text = text or ""
    if expects in (PHONE, CONTACT_PHONE):
        return phone_of(text) is not None or (expects == CONTACT_PHONE and bool(_NO_NUMBER.search(text)))
    if expects == REFERENCE:
        return find_reference(text) is not None
    if expects == ORGANISATION:
        return bool(_NO_ORG.match(_ORG_PREFIX.sub("", text.strip()).strip(" 。.")) or _NO_ORG_SAID.search(text))
    return False


def asks_something(text: str) -> bool:
    """Whether a reply is a question ("同意什么啊 会不会公开", "收不收费")."""
    return bool(_QUESTION.search(text or ""))


def says_no_organisation(text: str) -> bool:
    """"没有单位", "就写无吧" (or in traditional characters): the citizen has no organisation to give."""
    return bool(_NO_ORG_SAID.search(to_simplified(text or "")))


def _session_reply(intent: str | None, text: str, chosen: bool) -> str:
    asks = bool(_ASKING.search(_CHECKING_CHOICE.sub("", text.strip())))
    if chosen:
        # The NLU may read a bare name as a question about it ("开放点9": ask_open_day).
        return ASIDE if asks or intent in REQUEST_INTENTS else ANSWER
    return ASIDE if asks or intent in ASIDE_INTENTS else ANSWER


def reply_kind(expects: str, intent: str | None, text: str, chosen: bool = False) -> str:
    """What a message typed at a prompt expecting `expects` is: ANSWER (the form checks it,
    and says so politely if it is malformed), LEAVE (stop the form, nothing stored) or ASIDE
    (a question or request: answered, then the prompt is asked again).

    The value itself always counts ("算了 电话不留了" declines the number, "13812345678
    热线是多少" gives it); then leaving; then questions and requests by their intent. At a
    shaped prompt (a number, a reference) only something like an attempt is an answer.
    At the SESSION prompt, `chosen` says the message names a session (the caller knows the
    sessions): it is the answer unless it also asks something or requests something else;
    a message naming none is the answer (the form says it found no session and lists them
    again) only when it asks nothing either.
    """
    text = text or ""
    if gives_value(expects, text):
        return ANSWER
    if leaves_form(intent, text):
        return LEAVE
    if expects == SESSION:
        return _session_reply(intent, text, chosen)
    if expects == CONTACT_PHONE and declines_number(text):
        return ANSWER
    if intent in ASIDE_INTENTS:
        return ASIDE
    if expects == NAME and person_name(text) is None and _ASKING.search(text):
        return ASIDE  # "这个要钱吗", "在哪里举行" at the name prompt: a question, never a name
    if expects == IDENTITY and _QUESTION.search(text):
        return ASIDE  # "群众代表是啥意思啊 能选这个吗": a question, never the identity it names
    if expects == ORGANISATION and (_QUESTION.search(text) or (
            organisation_named(text) is None and _REMARK.search(text) and not _NO_ORG.match(text.strip()))):
        return ASIDE  # "这个必须填吗", "你们这个报名弄得挺方便的": never an organisation
    if expects in _SHAPED:
        return ANSWER if intent in _ATTEMPT_INTENTS or _DIGITS.search(text) else ASIDE
    return ANSWER
