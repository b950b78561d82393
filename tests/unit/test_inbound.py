"""bot/channels/inbound.py: the rules every channel applies to what it hands to Rasa —
invalid Unicode repaired, smileys answered, typed text never an intent payload."""
from __future__ import annotations

import re
import unicodedata

import pytest
import yaml
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.channels import inbound
from bot.channels.inbound import (
    CHANNEL_PAYLOAD,
    EMOJI_ONLY,
    SMILEYS_FILE,
    TYPED_COMMAND,
    WIDGET_PAYLOADS,
    Offered,
    Route,
    channel_payloads,
    clean_data,
    clean_text,
    is_command,
    is_kaomoji,
    looks_like_payload,
    marked_payload,
    offered_payloads,
    plain,
    route,
    smileys,
)
from bot.settings import PROJECT_ROOT
from kb.normalise import normalise

pytestmark = pytest.mark.unit

QUESTION = "医保宣讲是哪个单位负责的"
SMILEY_DATA = yaml.safe_load(SMILEYS_FILE.read_text(encoding="utf-8"))
COMMANDS = ["/restart", "/session_start", '/sign_up{"activity_session":"x"}', "/nlu_fallback",
            "/greet", "/ask_open_day", '/inform{"identity": "x"}', "/affirm@0.99", "/ restart ",
            "／restart", "\u200b/restart", "\u3000/restart", "//restart", "/\u200b/restart"]


def rasa_intent(text_for_rasa: str) -> object:
    """The intent Rasa's RegexMessageHandler would unpack from this text, after our
    normaliser (bot/nlu/normaliser.py leaves "/"-texts alone and normalises the rest)."""
    seen = text_for_rasa if text_for_rasa.startswith("/") else normalise(text_for_rasa)
    return YAMLStoryReader.unpack_regex_message(Message(data={TEXT: seen})).get(INTENT)


# --- 1. invalid Unicode ----------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "clean"), [
    (QUESTION + "\ud83d", QUESTION),  # half an emoji (high surrogate) cut by a client
    ("\udc4d" + QUESTION, QUESTION),  # a lone low surrogate
    ("医保\x00宣讲\x07\x1b\x7f\x9f", "医保宣讲"),  # C0, DEL and C1 controls
    ("第一行\r\n第二行\r第三行\n\t缩进", "第一行\n第二行\n第三行\n\t缩进"),
    ("医保\ufffe\uffff\ufdd0\U0001fffe\U0010ffff", "医保"),  # non-characters
    ("医保👍🏻😊\u200d", "医保👍🏻😊\u200d"),  # emoji and their joiners stay
    ("\U0001fae8", "\U0001fae8"),  # an emoji newer than this Python's Unicode tables stays
    ("ascii only", "ascii only"),
])
def test_clean_text_drops_what_cannot_be_encoded_or_shown(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
    clean_text(raw).encode("utf-8")  # never raises


def test_clean_data_cleans_every_string_of_the_metadata_keys_included() -> None:
    metadata = {"client\ud83d": {"names": ["a\ud83d", 3, None, {"k": "v\x00"}], "ok": True}, 7: 1.5}
    assert clean_data(metadata) == {"client": {"names": ["a", 3, None, {"k": "v"}], "ok": True}, 7: 1.5}
    assert clean_data(None) is None and clean_data("x\udfff") == "x"


# --- 2. smileys ----------------------------------------------------------------------------

def test_the_data_file_lists_wechats_105_smileys_each_once() -> None:
    codes = SMILEY_DATA["wechat_codes"]
    text = SMILEYS_FILE.read_text(encoding="utf-8")
    keys = re.findall(r'^  "(/:[^"]+)":', text, flags=re.MULTILINE)
    assert len(keys) == len(set(keys)) == len(codes) == 105
    assert all(code.startswith("/:") and names for code, names in codes.items())
    names = [n for ns in codes.values() for n in ns] + SMILEY_DATA["bracket_names"]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("code", list(SMILEY_DATA["wechat_codes"]))
def test_every_wechat_smiley_alone_gets_the_friendly_reply(code: str) -> None:
    assert route(code, "wechat") == Route(reply=EMOJI_ONLY)
    assert route(code + code, "rest") == Route(reply=EMOJI_ONLY)
    for name in SMILEY_DATA["wechat_codes"][code]:
        assert route(f"[{name}]", "socketio") == Route(reply=EMOJI_ONLY)


@pytest.mark.parametrize("message", [
    "/::)", "/::D", "/::)/::D /:rose", "::)", ":rose", "[微笑]", "[捂脸][旺柴]", "👍", "👍😊", "👍🏻",
    "👨‍👩‍👧", "🇨🇳", "❤️", "😀😀😀🙏", "👍！", "/::) ～", ":)", ":-D", "^_^", "^_^ ^_^", "orz",
])
def test_messages_of_only_smileys_or_emoji_get_the_friendly_reply(message: str) -> None:
    assert smileys().only_smileys(message)
    assert route(message, "rest") == Route(reply=EMOJI_ONLY)


@pytest.mark.parametrize(("message", "passed_on"), [
    ("/::)" + QUESTION, QUESTION),
    (QUESTION + "/::D/::D", QUESTION),
    ("[微笑]" + QUESTION + "[抱拳]", QUESTION),
    ("好的/:ok", "好的"),
    ("::)" + QUESTION, QUESTION),  # a client dropped the first code's "/"
    (QUESTION + "👍", QUESTION + "👍"),  # Unicode emoji inside text stay for NLU
    ("ID:D123 怎么查", "ID:D123 怎么查"),  # emoticons count only alone
    ("[通知]" + QUESTION, "[通知]" + QUESTION),  # a bracket that is no smiley stays
])
def test_smiley_codes_are_removed_from_a_message_with_text(message: str, passed_on: str) -> None:
    assert route(message, "wechat") == Route(text=passed_on)


@pytest.mark.parametrize("message", ["?", "？！", "1️⃣", "666", "哈哈", "~",
                                     # punctuation alone is a question mark, not a face
                                     "？？？", "……", "。。。", "!!!",
                                     # a phone number, also in full width, and words
                                     "13800138000", "１３８００１３８０００", "010-12345678",
                                     "ok", "OK!", "ＯＫ", "ω", "안녕하세요", "привет", "ありがとう",
                                     "สวัสดี", "مرحبا", "(^o^)/", "(医保)"])
def test_punctuation_digits_and_words_are_not_smileys(message: str) -> None:
    assert not smileys().only_smileys(message)
    assert route(message, "rest") == Route(text=message)


KAOMOJI = ["(๑•̀ㅂ•́)و✧", "(*^▽^*)", "╮(╯▽╰)╭", "(╯°□°）╯︵ ┻━┻", "ಠ_ಠ", "(。_。)", "ヽ(✿ﾟ▽ﾟ)ノ",
           "Σ(っ °Д °;)っ", "(づ｡◕‿‿◕｡)づ", "(ಥ_ಥ)", "(´･ω･`)", "(ノ｀Д´)ノ", "(＾▽＾)", "┻━┻",
           "╮(╯▽╰)╭ ╮(╯▽╰)╭", "～(￣▽￣)～", "(￣▽￣)/"]


@pytest.mark.parametrize("message", KAOMOJI)
def test_kaomoji_get_the_friendly_reply_on_every_channel(message: str) -> None:
    assert is_kaomoji(message) and smileys().only_smileys(message)
    for channel in ("rest", "socketio", "wechat"):
        assert route(message, channel) == Route(reply=EMOJI_ONLY)
    assert not inbound.needs_offered(message)


@pytest.mark.parametrize("message", ["👍(*^▽^*)", "/::)╮(╯▽╰)╭", "[微笑] (๑•̀ㅂ•́)و✧", "^_^ (ಥ_ಥ)", "(*^▽^*)！！"])
def test_kaomoji_mixed_with_smileys_and_emoji_get_the_friendly_reply(message: str) -> None:
    assert route(message, "wechat") == Route(reply=EMOJI_ONLY)


@pytest.mark.parametrize("kaomoji", KAOMOJI)
def test_a_question_with_a_kaomoji_keeps_the_question(kaomoji: str) -> None:
    assert route(QUESTION + kaomoji, "rest") == Route(text=QUESTION + kaomoji)
    assert route(kaomoji + " 13800138000", "rest") == Route(text=kaomoji + " 13800138000")


# --- 3. payloads ---------------------------------------------------------------------------

@pytest.mark.parametrize("command", COMMANDS)
def test_a_typed_command_is_answered_by_the_channel(command: str) -> None:
    assert looks_like_payload(command) and is_command(command)
    assert route(command, "rest") == Route(reply=TYPED_COMMAND)
    assert route(command, "socketio", Offered(frozenset({"/other"}))) == Route(reply=TYPED_COMMAND)


@pytest.mark.parametrize(("message", "plain_text"), [
    ("/" + QUESTION, QUESTION),
    ("／ " + QUESTION, QUESTION),
    ("/restart 是什么意思", "restart 是什么意思"),
    ("//:: 医保", ":: 医保"),
])
def test_other_slash_text_goes_to_nlu_as_plain_text(message: str, plain_text: str) -> None:
    assert not is_command(message)
    assert route(message, "rest") == Route(text=plain_text) and plain(message) == plain_text


@pytest.mark.parametrize("message", [
    *COMMANDS, "/" + QUESTION, "／" + QUESTION, "/::)/restart", "[微笑]/restart", "👍 /restart",
    "/::)/::D", QUESTION + "/restart", "\u2028/restart", "\x00/restart", "\ud83d/restart",
])
def test_nothing_typed_reaches_rasa_as_an_intent(message: str) -> None:
    decided = route(clean_text(message), "rest")
    assert decided.reply is not None or rasa_intent(decided.text) is None


def test_offered_buttons_pass_unchanged_older_ones_stand_for_their_title() -> None:
    def bot(*payloads: str) -> BotUttered:
        return BotUttered("选一个", data={"buttons": [{"title": f"按钮{p}", "payload": p} for p in payloads]})

    events = [bot("/ask_open_day", "/old"), UserUttered("1"), bot("/mid"), SlotSet("x", 1)]
    for turn in range(2, 7):
        events += [UserUttered(str(turn)), BotUttered("嗯")]
    events += [UserUttered("7"), BotUttered("再选", data={"quick_replies": [{"title": "快", "payload": "/quick"}]}),
               bot('/sign_up{"activity_session": "S1"}', "/ask_open_day")]
    offered = offered_payloads(events, recent_turns=5)
    assert offered.recent == {"/quick", '/sign_up{"activity_session": "S1"}', "/ask_open_day"}
    assert offered.older == {"/old": "按钮/old", "/mid": "按钮/mid"}

    assert route('/sign_up{"activity_session": "S1"}', "rest", offered) == Route(text='/sign_up{"activity_session": "S1"}')
    assert route(' /quick ', "rest", offered) == Route(text="/quick")
    assert route("/old", "rest", offered) == Route(text="按钮/old")
    assert route('/sign_up{"activity_session": "S2"}', "rest", offered) == Route(reply=TYPED_COMMAND)
    assert route("/ask_help", "rest", offered) == Route(reply=TYPED_COMMAND)


def test_malformed_buttons_in_the_tracker_are_ignored() -> None:
    events = [BotUttered("x", data={"buttons": ["/a", {"title": "t"}, {"payload": 5}, {"payload": "/ok"}]})]
    assert offered_payloads(events) == Offered(frozenset({"/ok"}), {})
    assert offered_payloads([]) == Offered()


def test_the_channels_own_payloads_pass_only_when_the_channel_marked_them() -> None:
    from bot.channels.wechat import DEFAULT_MENU_FILE, GREET_PAYLOAD, load_click_payloads

    wechat = channel_payloads("wechat")
    assert set(load_click_payloads(DEFAULT_MENU_FILE).values()) <= wechat and GREET_PAYLOAD in wechat
    assert route("/request_human", "wechat", marked="/request_human") == Route(text="/request_human")
    assert route("/greet", "wechat", marked="/greet") == Route(text="/greet")
    assert channel_payloads("socketio") == WIDGET_PAYLOADS
    assert channel_payloads("rest") == frozenset() and channel_payloads(None) == frozenset()
    assert route("/negative_feedback", "socketio", marked="/negative_feedback") == Route(text="/negative_feedback")
    # a marker names another payload, or a payload the channel never generates: refused
    assert route("/negative_feedback", "socketio", marked="/greet") == Route(reply=TYPED_COMMAND)
    assert route("/restart", "socketio", marked="/restart") == Route(reply=TYPED_COMMAND)
    assert route("/negative_feedback", "rest", marked="/negative_feedback") == Route(reply=TYPED_COMMAND)
    assert route("/sign_up", "socketio", marked="/sign_up") == Route(reply=TYPED_COMMAND)


@pytest.mark.parametrize(("channel", "payload"), [
    ("wechat", "/sign_up"), ("wechat", "/greet"), ("wechat", "/ask_open_day"), ("wechat", "/request_human"),
    ("wechat", "/wechat_unsupported"), ("socketio", "/negative_feedback"), ("socketio", " /negative_feedback "),
])
def test_a_channels_payload_typed_by_the_citizen_is_a_typed_command(channel: str, payload: str) -> None:
    assert route(payload, channel) == Route(reply=TYPED_COMMAND)
    assert route(payload, channel, marked=None) == Route(reply=TYPED_COMMAND)
    # ... unless the assistant itself offered it as a button just now
    assert route(payload, channel, Offered(frozenset({payload.strip()}))) == Route(text=payload.strip())


def test_the_mark_is_read_from_the_metadata() -> None:
    assert marked_payload({CHANNEL_PAYLOAD: " /negative_feedback "}) == "/negative_feedback"
    assert marked_payload({"wechat": {"event": "click"}, CHANNEL_PAYLOAD: "/sign_up"}) == "/sign_up"
    for metadata in [None, {}, "x", ["/sign_up"], {CHANNEL_PAYLOAD: True}, {CHANNEL_PAYLOAD: " "},
                     {"turn": "t1-1", "shown": "/negative_feedback"}]:
        assert marked_payload(metadata) is None


def test_every_payload_the_widget_sends_on_its_own_is_accepted_from_the_widget() -> None:
    script = (PROJECT_ROOT / "widget" / "widget.js").read_text(encoding="utf-8")
    sent = set(re.findall(r"""sendMessage\(\s*["'](/[^"']*)["']""", script))
    assert sent and sent <= WIDGET_PAYLOADS
    # ... and each is sent marked as the widget's own (the input box never marks)
    marked = set(re.findall(r"""sendMessage\(\s*["'](/[^"']*)["'][^()]*,\s*true\s*\)""", script))
    assert marked == sent


def test_the_widget_keeps_only_its_own_payloads_mark() -> None:
    from bot.channels.widget import widget_metadata

    sent = {"turn": "tabc-1", "shown": "转人工服务", "retry": False, CHANNEL_PAYLOAD: "/negative_feedback"}
    assert widget_metadata(sent) == {"turn": "tabc-1", "shown": "转人工服务", CHANNEL_PAYLOAD: "/negative_feedback"}
    assert CHANNEL_PAYLOAD not in widget_metadata({**sent, CHANNEL_PAYLOAD: "/restart"})
    assert CHANNEL_PAYLOAD not in widget_metadata({**sent, CHANNEL_PAYLOAD: ["/negative_feedback"]})


def test_payload_detection_matches_what_the_normaliser_makes_of_the_text() -> None:
    for text in ["／restart", "\u200b/restart", "\u3000 /restart", "\ufeff/restart"]:
        assert normalise(text).strip().startswith("/") and looks_like_payload(text)
    for text in [QUESTION, "医保/就业", "a/b"]:
        assert not looks_like_payload(text)
    assert all(unicodedata.category(c) != "Cs" for c in clean_text("\ud83d/x"))


def test_needs_offered_only_for_slash_texts_that_are_not_smileys() -> None:
    assert inbound.needs_offered("/ask_open_day") and inbound.needs_offered("／x")
    assert not inbound.needs_offered("/::)") and not inbound.needs_offered(QUESTION)


def test_a_channel_can_declare_more_payloads_of_its_own() -> None:
    assert route("/extra_click", "wechat", marked="/extra_click") == Route(reply=TYPED_COMMAND)
    inbound.accept_channel_payloads("wechat", ["/extra_click "])
    try:
        assert route("/extra_click", "wechat", marked="/extra_click") == Route(text="/extra_click")
        assert route("/extra_click", "wechat") == Route(reply=TYPED_COMMAND)  # typed
        assert route("/extra_click", "rest", marked="/extra_click") == Route(reply=TYPED_COMMAND)
    finally:
        inbound._declared.pop("wechat")
