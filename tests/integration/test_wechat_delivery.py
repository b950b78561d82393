"""Late WeChat replies are never lost, and no reply crosses citizens.

The bridge in-process with a scripted Rasa, against the WeChat API stand-in told to fail
(errcodes -1, 45015, 45047, 40003, HTTP 502): the hand-off's ticket number reaches the
citizen — through the retrying sender, or in the passive reply itself; what cannot be sent
is logged with the openid shortened and kept for operators; two citizens whose messages
carry the same MsgId each get their own reply.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot.channels.wechat import WeChatApi, WeChatConfig, WeChatInput, decode_post
from bot.channels.wechat.delivery import DeliveryPolicy, RetryingSender
from tests.integration.wechat_channel_support import Harness, ScriptedRasa, config, echo, run, server
from tests.wechat_fixtures import api_standin, standin, wechat_environment  # noqa: F401  (fixtures)
from tests.wechat_standin import (
    TEST_APP_ID,
    TEST_APP_SECRET,
    WeChatApiStandIn,
    message_xml,
    next_msg_id,
)

TICKET = "DX20261201-0042"
TICKET_TEXT = f"已为您转接人工服务，工单号：{TICKET}。您也可以直接拨打12345市民服务热线（24小时），报上工单号即可。"
HOURS_TEXT = "现在是工作时间，工作人员会尽快在这里回复您。"
HANDOFF = [{"text": TICKET_TEXT}, {"custom": {"handoff": {"ticket": TICKET, "reason": "requested"}}},
           {"text": HOURS_TEXT}]


def handing_off(text: str) -> list[dict[str, Any]]:
    return HANDOFF if text == "转人工" else echo(text)


def fast(**overrides: Any) -> WeChatConfig:
    """Short passive budget, quick retries (the production backoff starts at 5 s)."""
    values: dict[str, Any] = dict(delivery_backoff_seconds=0.05, delivery_max_attempts=6)
    values.update(overrides)
    return config(**values)


def texts_to(standin: WeChatApiStandIn, openid: str) -> list[str]:
    return [m["text"]["content"] for m in standin.messages_to(openid) if m["msgtype"] == "text"]


def failed_attempts(standin: WeChatApiStandIn, openid: str) -> list[Any]:
    return [a.get("http_status") or a["errcode"] for a in standin.attempts
            if a.get("touser") == openid and a["errcode"] != 0]


# ------------------------------------------------------------------------------ the ticket number


def test_a_late_handoff_reaches_the_citizen_after_the_api_failed_several_times(
    standin: WeChatApiStandIn,
) -> None:
    """The dialogue is slower than the passive window: `success` now, the ticket message
    through the API, whose first four attempts fail (HTTP 502, system busy, 45015, 45047)."""
    openid = "o-late-handoff-1"
    rasa = ScriptedRasa(handing_off, delay=0.4)
    standin.fail_next(-1, times=3)  # one attempt: WeChatApi retries "system busy" twice itself
    standin.fail_next(45015)
    standin.fail_next(45047)
    standin.fail_next_http(502, times=3)  # one attempt: three 5xx answers

    async def scenario(h: Harness) -> list[tuple[int, dict[str, Any], str]]:
        first = await h.text(openid, "转人工")
        await h.bridge.drain(10)
        second = await h.text(openid, "我要投诉物业")
        return [first, second]

    first, second = run(rasa, fast(passive_reply_seconds=0.1), standin, scenario)
    assert first[2] == "success"
    assert texts_to(standin, openid) == [TICKET_TEXT, HOURS_TEXT]  # each once, in order
    assert failed_attempts(standin, openid) == [502, 502, 502, -1, -1, -1, 45015, 45047]
    assert second[1]["MsgType"] == "transfer_customer_service"  # then the human agents


def test_an_in_time_handoff_with_the_api_down_puts_the_ticket_in_the_passive_reply(
    standin: WeChatApiStandIn,
) -> None:
    """The answer is ready in time but the API refuses the text: the passive XML reply is
    the text with the ticket number (not a bare transfer), nothing is sent twice, and the
    citizen's next message goes to the human agents."""
    openid = "o-passive-handoff"
    standin.fail_always(-1)
    rasa = ScriptedRasa(handing_off)

    async def scenario(h: Harness) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        _, first, _ = await h.text(openid, "转人工")
        standin.fail_always(None)  # the API is back: no late duplicate may follow
        await h.bridge.drain(5)
        _, second, _ = await h.text(openid, "在吗")
        return first, second, h.bridge.status()

    first, second, status = run(rasa, fast(), standin, scenario)
    assert first["MsgType"] == "text"
    assert first["Content"] == f"{TICKET_TEXT}\n\n{HOURS_TEXT}"
    assert standin.messages_to(openid) == []
    assert second["MsgType"] == "transfer_customer_service"
    assert status == {"queued": 0, "undelivered": 0}


def test_a_handoff_retried_by_wechat_gets_the_same_passive_reply(standin: WeChatApiStandIn) -> None:
    openid = "o-handoff-retry"
    standin.fail_always(45047)
    rasa = ScriptedRasa(handing_off, delay=0.1)
    xml = message_xml(openid, "text", {"Content": "转人工"}, msg_id=next_msg_id())

    async def scenario(h: Harness) -> list[dict[str, Any]]:
        replies = await asyncio.gather(h.push(xml), h.push(xml, "compatible"))
        return [r[1] for r in replies] + [(await h.push(xml, "plain"))[1]]

    replies = run(rasa, fast(), standin, scenario)
    assert [r["Content"] for r in replies] == [f"{TICKET_TEXT}\n\n{HOURS_TEXT}"] * 3
    assert rasa.texts == ["转人工"]


# ------------------------------------------------------------------------------ never lost silently


def test_a_late_reply_that_always_fails_is_logged_masked_and_kept(
    standin: WeChatApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """The API refuses every attempt: after the bounded attempts the hand-off message is
    logged (openid shortened, ticket number, no text) and kept whole; nothing crashes.
    When the citizen writes again (and the API works again) it is sent after all."""
    openid = "o-always-failing-7f3a9c"
    standin.fail_always(-1)
    rasa = ScriptedRasa(handing_off, delay=0.3)

    async def scenario(h: Harness) -> tuple[dict[str, Any], Any, dict[str, Any], dict[str, Any]]:
        status, _, raw = await h.text(openid, "转人工")
        assert (status, raw) == (200, "success")
        await h.bridge.drain(10)
        sender = h.bridge.sender
        assert sender is not None
        given_up, kept = h.bridge.status(), list(sender.undelivered)
        standin.fail_always(None)
        # The channel carries on: the next message goes to the human agents, and the kept
        # ticket message is queued again because the citizen wrote.
        _, after, _ = await h.text(openid, "还在吗")
        await h.bridge.drain(5)
        return given_up, kept, after, h.bridge.status()

    with caplog.at_level(logging.INFO, logger="bot.channels.wechat"):
        given_up, kept, after, status = run(
            rasa, fast(passive_reply_seconds=0.1, delivery_max_attempts=3), standin, scenario
        )
    assert given_up == {"queued": 0, "undelivered": 1}
    [undelivered] = kept
    assert (undelivered.openid, undelivered.label, undelivered.ticket, undelivered.attempts,
            undelivered.errcode) == (openid, "hand-off", TICKET, 3, -1)
    assert [b["text"]["content"] for b in undelivered.bodies] == [TICKET_TEXT, HOURS_TEXT]  # whole
    assert failed_attempts(standin, openid) == [-1] * 9  # 3 attempts, each retried twice by the client
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("NOT delivered" in e and TICKET in e and "o-alwa…" in e for e in errors), errors
    assert openid not in caplog.text  # the openid is shortened in every log line
    assert TICKET_TEXT not in caplog.text and HOURS_TEXT not in caplog.text  # no reply text
    assert after["MsgType"] == "transfer_customer_service"
    assert texts_to(standin, openid) == [TICKET_TEXT, HOURS_TEXT]
    assert status == {"queued": 0, "undelivered": 0}


def test_a_final_errcode_is_not_retried_and_is_kept(standin: WeChatApiStandIn) -> None:
    openid = "o-invalid-openid"
    standin.fail_next(40003)  # invalid openid: the same body can never be sent
    rasa = ScriptedRasa(echo, delay=0.3)

    async def scenario(h: Harness) -> Any:
        await h.text(openid, "慢问题")
        await h.bridge.drain(5)
        return list(h.bridge.sender.undelivered)  # type: ignore[union-attr]

    [kept] = run(rasa, fast(passive_reply_seconds=0.1), standin, scenario)
    assert failed_attempts(standin, openid) == [40003]
    assert kept.attempts == 1 and "40003" in kept.reason


def test_follow_ups_after_a_passive_reply_are_retried_too(standin: WeChatApiStandIn) -> None:
    long_text = "\n".join(["关于医保政策的详细说明。" * 30] * 3)  # three chunks: two follow up
    rasa = ScriptedRasa(lambda _: [{"text": long_text}])
    standin.fail_next_http(503, times=3)
    standin.fail_next(-1, times=3)

    async def scenario(h: Harness) -> dict[str, Any]:
        _, reply, _ = await h.text("o-followups", "医保")
        await h.bridge.drain(10)
        return reply

    reply = run(rasa, fast(), standin, scenario)
    sent = texts_to(standin, "o-followups")
    assert "\n".join([reply["Content"], *sent]).replace("\n", "") == long_text.replace("\n", "")
    assert len(sent) == 2


def test_a_message_from_the_citizen_retries_a_waiting_reply_at_once(standin: WeChatApiStandIn) -> None:
    """45047: too many messages without the citizen writing. The retry would wait a long
    backoff; the citizen's next message lifts the limit and the reply goes at once."""
    openid = "o-wakes-the-queue"
    standin.fail_next(45047)
    rasa = ScriptedRasa(echo, delay=0.3)  # slower than the passive window: through the API

    async def scenario(h: Harness) -> float:
        await h.text(openid, "慢")
        await asyncio.sleep(0.5)  # the first attempt failed: now waiting about 60 s
        assert texts_to(standin, openid) == []
        loop = asyncio.get_running_loop()
        started = loop.time()
        await h.text(openid, "快")
        await h.bridge.drain(5)
        return loop.time() - started

    elapsed = run(rasa, fast(passive_reply_seconds=0.1, delivery_backoff_seconds=60.0), standin, scenario)
    assert elapsed < 5
    assert texts_to(standin, openid) == ["收到：慢", "收到：快"]
    assert failed_attempts(standin, openid) == [45047]


def test_the_sender_keeps_order_and_respects_the_48_hour_window(standin: WeChatApiStandIn) -> None:
    now = [1_000_000.0]

    async def main() -> tuple[list[bool], list[str], str]:
        api = WeChatApi(standin.base_url, TEST_APP_ID, TEST_APP_SECRET, backoff=0.01, retries=0)
        sender = RetryingSender(api.send_custom, DeliveryPolicy(backoff_seconds=0.02),
                                wall_clock=lambda: now[0])
        try:
            standin.fail_next(-1, times=2)
            first = sender.submit("o-order", [{"touser": "o-order", "msgtype": "text", "text": {"content": "一"}}],
                                  label="late reply")
            second = sender.submit("o-order", [{"touser": "o-order", "msgtype": "text", "text": {"content": "二"}}],
                                   label="late reply")
            # A reply to a citizen who last wrote 48 hours ago can no longer be sent.
            stale = sender.submit("o-stale", [{"touser": "o-stale", "msgtype": "text", "text": {"content": "晚"}}],
                                  label="late reply", window_start=now[0] - 48 * 3600)
            await sender.drain(5)
            return ([first.delivered, second.delivered, stale.delivered],
                    texts_to(standin, "o-order"), sender.undelivered[0].reason)
        finally:
            await sender.close()
            await api.close()

    delivered, order, reason = asyncio.run(main())
    assert delivered == [True, True, False]
    assert order == ["一", "二"]
    assert "48-hour" in reason
    assert [a["touser"] for a in standin.attempts if a["touser"] == "o-stale"] == []


def test_what_is_queued_at_shutdown_is_kept(standin: WeChatApiStandIn) -> None:
    standin.fail_always(45015)

    async def main() -> tuple[dict[str, int], dict[str, int]]:
        api = WeChatApi(standin.base_url, TEST_APP_ID, TEST_APP_SECRET, backoff=0.01)
        sender = RetryingSender(api.send_custom, DeliveryPolicy(backoff_seconds=30))
        sender.submit("o-shutdown", [{"touser": "o-shutdown", "msgtype": "text", "text": {"content": "一"}}],
                      label="hand-off", ticket=TICKET)
        await asyncio.sleep(0.3)
        before = sender.status()
        await sender.close()
        await api.close()
        return before, sender.status()

    assert asyncio.run(main()) == ({"queued": 1, "undelivered": 0}, {"queued": 0, "undelivered": 1})


# ------------------------------------------------------------------------------ per-citizen keys


def test_two_citizens_with_the_same_msgid_each_get_their_own_reply(standin: WeChatApiStandIn) -> None:
    msg_id = next_msg_id()
    rasa = ScriptedRasa(echo, delay=0.2)

    def xml(openid: str, content: str) -> str:
        return message_xml(openid, "text", {"Content": content}, msg_id=msg_id)

    async def scenario(h: Harness) -> list[dict[str, Any]]:
        replies = await asyncio.gather(
            h.push(xml("o-citizen-a", "问题A")), h.push(xml("o-citizen-b", "问题B")),
            h.push(xml("o-citizen-a", "问题A"), "compatible"),  # WeChat's retry of A's message
        )
        later = [await h.push(xml("o-citizen-b", "问题B"), "plain"), await h.push(xml("o-citizen-c", "问题C"))]
        return [r[1] for r in [*replies, *later]]

    replies = run(rasa, fast(), standin, scenario)
    assert [(r["ToUserName"], r["Content"]) for r in replies] == [
        ("o-citizen-a", "收到：问题A"), ("o-citizen-b", "收到：问题B"), ("o-citizen-a", "收到：问题A"),
        ("o-citizen-b", "收到：问题B"), ("o-citizen-c", "收到：问题C"),
    ]
    assert sorted((m.sender_id, m.text) for m in rasa.received) == [
        ("o-citizen-a", "问题A"), ("o-citizen-b", "问题B"), ("o-citizen-c", "问题C")]
    # The MsgId is stored in each citizen's own tracker: one user event per citizen.
    assert {m.message_id for m in rasa.received} == {str(msg_id)}


def test_two_citizens_with_the_same_msgid_each_get_their_own_late_reply(standin: WeChatApiStandIn) -> None:
    msg_id = next_msg_id()
    rasa = ScriptedRasa(echo, delay=0.3)

    async def scenario(h: Harness) -> None:
        await asyncio.gather(*(h.push(message_xml(o, "text", {"Content": f"慢{o[-1]}"}, msg_id=msg_id))
                               for o in ("o-late-a", "o-late-b")))
        await h.bridge.drain(5)

    run(rasa, fast(passive_reply_seconds=0.1), standin, scenario)
    assert texts_to(standin, "o-late-a") == ["收到：慢a"]
    assert texts_to(standin, "o-late-b") == ["收到：慢b"]


def test_events_of_two_citizens_at_the_same_second_are_both_answered() -> None:
    rasa = ScriptedRasa(echo)

    async def scenario(h: Harness) -> list[dict[str, Any]]:
        return [(await h.push(message_xml(o, "event", {"Event": "subscribe"}, create_time=1_700_000_000)))[1]
                for o in ("o-sub-a", "o-sub-b", "o-sub-a")]

    replies = run(rasa, config(), None, scenario)
    assert [r["ToUserName"] for r in replies] == ["o-sub-a", "o-sub-b", "o-sub-a"]
    assert [m.sender_id for m in rasa.received] == ["o-sub-a", "o-sub-b"]


def test_the_dedup_key_names_the_account_the_citizen_and_the_message() -> None:
    cfg = config()

    def incoming(openid: str, account: str, msg_id: int) -> Any:
        xml = message_xml(openid, "text", {"Content": "你好"}, msg_id=msg_id, account=account)
        query, body = server.request_for(xml, "plain")
        return decode_post(cfg, None, query, body)

    base = incoming("o-key-citizen-a", "gh_one", 42)
    assert base.dedup_key() == ("msg", "gh_one", "o-key-citizen-a", "42")
    assert base.dedup_key() != incoming("o-key-citizen-b", "gh_one", 42).dedup_key()
    assert base.dedup_key() != incoming("o-key-citizen-a", "gh_two", 42).dedup_key()
    assert base.dedup_key() == incoming("o-key-citizen-a", "gh_one", 42).dedup_key()
    assert base.message_id() == "42"
    assert base.log_key() == "msg:o-key-…:42"  # logs never carry the whole openid


# ------------------------------------------------------------------------------ configuration


def test_delivery_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in wechat_environment("http://127.0.0.1:9/").items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("WECHAT_DELIVERY_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("WECHAT_DELIVERY_BACKOFF_SECONDS", raising=False)  # the e2e fixture sets it
    assert WeChatInput.from_credentials(None).config.delivery_policy() == DeliveryPolicy()
    monkeypatch.setenv("WECHAT_DELIVERY_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("WECHAT_DELIVERY_BACKOFF_SECONDS", "0.5")
    policy = WeChatInput.from_credentials(None).config.delivery_policy()
    assert (policy.max_attempts, policy.backoff_seconds) == (4, 0.5)
    monkeypatch.setenv("WECHAT_DELIVERY_MAX_ATTEMPTS", "many")
    assert "number" in (WeChatInput.from_credentials(None).problem or "")
