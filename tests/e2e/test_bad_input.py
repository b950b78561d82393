"""Bad input over REST gets a polite Chinese reply or a clean HTTP error, never a crash;
a failing action server gets a polite reply, not silence."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from bot.channels.inbound import EMOJI_ONLY
from bot.channels.polite import BUSY, EMPTY, TOO_LONG, reply_text
from core.db import engine_for
from tests.conftest import RunningAssistant


def post(assistant: RunningAssistant, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"{assistant.base_url}/webhooks/rest/webhook", data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def texts_of(body: bytes) -> str:
    return "\n".join(m.get("text", "") for m in json.loads(body))


@pytest.mark.parametrize(
    ("message", "expected"),
    [("", EMPTY), ("   ", EMPTY), ("长" * 10_000, TOO_LONG), ("😀😀😀🙏", EMOJI_ONLY)],
)
def test_empty_and_huge_messages_get_a_polite_reply(
    running_assistant: RunningAssistant, message: str, expected: str
) -> None:
    status, body = post(running_assistant, json.dumps({"sender": "bad-1", "message": message}).encode())
    assert status == 200 and texts_of(body) == reply_text(expected)


@pytest.mark.parametrize(
    "message",
    ["'; DROP TABLE events; --", "<script>alert('x')</script>", "１２３４５６７８９０" * 5, "\u0000\u200b"],
)
def test_odd_messages_are_answered_and_stored(running_assistant: RunningAssistant, message: str) -> None:
    status, body = post(running_assistant, json.dumps({"sender": "bad-2", "message": message}).encode())
    assert status == 200 and texts_of(body).strip()
    assert "<script>" not in texts_of(body)
    with engine_for(running_assistant.settings.database_url).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = 'bad-2'")).scalar() > 0


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\x00binary", b"{not json", b"[1, 2]", b'{"message": "hi"}', b'{"sender": "", "message": "hi"}',
     b'{"sender": "s", "message": 5}', b'{"sender": ["s"], "message": "hi"}'],
)
def test_malformed_requests_are_clean_400s(running_assistant: RunningAssistant, body: bytes) -> None:
    status, _ = post(running_assistant, body)
    assert status == 400


def test_oversized_requests_are_refused(running_assistant: RunningAssistant) -> None:
    body = json.dumps({"sender": "bad-3", "message": "长" * 40_000}).encode()
    assert len(body) > 64 * 1024
    status, _ = post(running_assistant, body)
    assert status == 413


def test_a_dead_action_server_gets_a_polite_reply_then_recovers(running_assistant: RunningAssistant) -> None:
    assistant = running_assistant.assistant
    actions = assistant.processes["actions"]
    actions.kill()
    actions.wait()
    try:
        reply = running_assistant.texts("bad-4", "医保宣讲是哪个单位负责的")
        assert reply == reply_text(BUSY)
    finally:
        assistant.restart("actions")
    assert "医保局" in running_assistant.texts("bad-4", "医保宣讲是哪个单位负责的")


def test_a_long_conversation_keeps_reaching_its_actions(running_assistant: RunningAssistant) -> None:
    """Each action call carries the whole tracker: the 64 KB request limit is for citizens'
    messages to the Rasa server, not for the action server (it broke turn 10 once)."""
    for turn in range(14):
        reply = running_assistant.texts("bad-long", "医保宣讲是哪个单位负责的")
        assert "医保局" in reply, f"turn {turn + 1}: {reply}"
