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
    looks_like_payload,
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


@pytest.mark.parametrize("message", ["?", "？！", "1️⃣", "666", "哈哈", "~"])
def test_punctuation_digits_and_words_are_not_smileys(message: str) -> None:
    assert not smileys().only_smileys(message)
    assert route(message, "rest") == Route(text=message)


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


def test_the_channels_own_payloads() -> None:
    from bot.channels.wechat import DEFAULT_MENU_FILE, GREET_PAYLOAD, load_click_payloads

    wechat = channel_payloads("wechat")
    assert set(load_click_payloads(DEFAULT_MENU_FILE).values()) <= wechat and GREET_PAYLOAD in wechat
    assert route("/request_human", "wechat") == Route(text="/request_human")
    assert channel_payloads("socketio") == WIDGET_PAYLOADS
    assert channel_payloads("rest") == frozenset() and channel_payloads(None) == frozenset()
    assert route("/negative_feedback", "socketio") == Route(text="/negative_feedback")
    assert route("/negative_feedback", "rest") == Route(reply=TYPED_COMMAND)


def test_every_payload_the_widget_sends_on_its_own_is_accepted_from_the_widget() -> None:
    script = (PROJECT_ROOT / "widget" / "widget.js").read_text(encoding="utf-8")
    sent = set(re.findall(r"""sendMessage\(\s*["'](/[^"']*)["']""", script))
    assert sent and sent <= WIDGET_PAYLOADS


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
    assert route("/extra_click", "wechat") == Route(reply=TYPED_COMMAND)
    inbound.accept_channel_payloads("wechat", ["/extra_click "])
    try:
        assert route("/extra_click", "wechat") == Route(text="/extra_click")
        assert route("/extra_click", "rest") == Route(reply=TYPED_COMMAND)
    finally:
        inbound._declared.pop("wechat")
