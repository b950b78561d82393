"""`WeChatBridge`: everything between WeChat's HTTP requests and Rasa, without Sanic.

Inputs: each request's query and body (`verify_url`, `handle_post`), Rasa's
`on_new_message`, the API client (None: passive replies only). Output: a `Reply`.
`handle_post` never raises: malformed XML is a 400, a bad signature a 403, and any
unexpected exception is logged and answered with `success`.

- **The 5-second limit.** A reply ready within `WECHAT_PASSIVE_REPLY_SECONDS` (4 s) is the
  HTTP response ("passive reply"); otherwise the bridge answers `success` at once (WeChat
  neither retries nor shows "该公众号暂时无法提供服务") and the reply goes through the
  customer-service API, via the one retrying sender (delivery.py): late replies are not lost.
- **Exactly once, per citizen.** WeChat retries a message up to three times; by
  `Incoming.dedup_key()` Rasa sees each once and a retry gets the same reply (state.py).
- **Conversations.** The sender id is the openid; voice uses WeChat's `Recognition`; the
  subscribe event greets (`/greet`), menu clicks send the menu file's payloads, other types
  get `utter_wechat_unsupported`. Only text the channel generated is marked as its own
  payload (metadata `channel_payload`), never typed text: the inbound rules all channels
  share (bot/channels/inbound.py, via polite) judge a typed `/sign_up` like any command.
- **Hand-off.** A custom payload `{"handoff": {...}}` makes the bridge send the text (the
  ticket number) through the API and answer `transfer_customer_service`; if that send has
  not succeeded within the passive window, the text is the passive reply and the transfer
  comes on the citizen's next message: the ticket number always reaches the citizen.
- **Abuse.** A token bucket per openid (`WECHAT_RATE_LIMIT_PER_MINUTE`) answers floods with
  `utter_wechat_rate_limited` without running the dialogue.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Mapping, Optional

from rasa.core.channels.channel import UserMessage

from bot.channels import inbound as inbound_rules
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.config import CHANNEL_NAME, WeChatConfig
from bot.channels.wechat.delivery import Delivery, RetryingSender
from bot.channels.wechat.delivery import short as _short
from bot.channels.wechat.inbound import (
    GREET_PAYLOAD,
    MAX_BODY_BYTES,
    UNSUPPORTED_PAYLOAD,
    VOICE_UNRECOGNISED_PAYLOAD,
    Incoming,
    RequestRejected,
    check_request_signature,
    decode_post,
)
from bot.channels.wechat.replies import (
    SUCCESS,
    BotMessage,
    Outcome,
    Reply,
    WeChatCollector,
    api_messages,
    chosen_button,
    not_configured,
    outcome_from,
    plan_passive,
    render_passive,
)
from bot.channels.wechat.state import DedupKey, InMemoryState, Pending, WeChatState

log = logging.getLogger(__name__)

# Domain responses the channel renders itself (no dialogue turn).
RATE_LIMITED_RESPONSE = "utter_wechat_rate_limited"
NUMBER_HINT_RESPONSE = "utter_wechat_reply_with_number"
# A passive reply should leave the HTTP response before the rest goes through the API.
API_AFTER_PASSIVE_DELAY_SECONDS = 0.3

# The text of a domain response by name (None: the domain has none).
ResponseTexts = Callable[[str], Optional[str]]

# Inbound messages after which WeChat lets the account message the citizen for 48 hours.
_WINDOW_EVENTS = {"subscribe", "scan", "click", "scancode_push", "scancode_waitmsg"}


class WeChatBridge:
    """Everything between WeChat's HTTP requests and Rasa, without Sanic (testable alone)."""

    def __init__(
        self,
        config: WeChatConfig,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        api: Optional[WeChatApi] = None,
        clock: Callable[[], float] = time.monotonic,
        state: Optional[WeChatState] = None,
    ) -> None:
        self.config = config
        self.on_new_message = on_new_message
        self.api = api
        self.crypto = config.crypto()
        self._clock = clock
        self.state: WeChatState = state if state is not None else InMemoryState(
            config.rate_limit_per_minute, clock=clock,
            max_undelivered=config.delivery_policy().max_undelivered,
        )
        self._background: set[asyncio.Future[Any]] = set()
        self._processing: set[asyncio.Future[Any]] = set()
        self._warned: set[str] = set()
        self._sender: Optional[RetryingSender] = None
        self._sender_api: Optional[WeChatApi] = None

    @property
    def sender(self) -> Optional[RetryingSender]:
        """The retrying sender every API message goes through (None without the API)."""
        if self.api is None:
            return None
        if self._sender is None or self._sender_api is not self.api:
            self._sender = RetryingSender(self.api.send_custom, self.config.delivery_policy(),
                                          undelivered=self.state.undelivered)
            self._sender_api = self.api
        return self._sender

    # -- HTTP ----------------------------------------------------------------------------

    def verify_url(self, query: Mapping[str, str]) -> Reply:
        """WeChat's server URL check when the operator saves the configuration."""
        if not self.config.enabled:
            return not_configured()
        try:
            check_request_signature(self.config, query)
        except RequestRejected as rejected:
            log.warning("WeChat URL verification refused: %s", rejected.reason)
            return Reply(rejected.status, rejected.reason)
        return Reply(200, query.get("echostr") or "")

    async def handle_post(
        self, query: Mapping[str, str], body: bytes, texts: ResponseTexts,
        content_length: Optional[int] = None,
    ) -> Reply:
        """Answer one pushed message; never raises."""
        if not self.config.enabled:
            return not_configured()
        started = self._clock()
        try:
            if content_length is not None and content_length > MAX_BODY_BYTES:
                raise RequestRejected(413, "request body too large")
            incoming = decode_post(self.config, self.crypto, query, body)
        except RequestRejected as rejected:
            if rejected.status == 503:
                self._warn_once(rejected.reason)
            else:
                log.info("WeChat request refused (%s): %s", rejected.status, rejected.reason)
            return Reply(rejected.status, rejected.reason)
        try:
            return await self._answer(incoming, texts, started)
        except Exception:
            log.exception("WeChat message %s could not be answered", incoming.log_key())
            return Reply(200, SUCCESS)

    # -- answering -----------------------------------------------------------------------

    async def _answer(self, incoming: Incoming, texts: ResponseTexts, started: float) -> Reply:
        key = incoming.dedup_key()
        entry = self.state.entry(key)
        if entry is None:
            if not await self.state.claim(key):
                return await self._answer_elsewhere(incoming, key, started)
            entry = await self._start(incoming, texts)
            self.state.add_entry(key, entry)
        else:
            log.info("WeChat retry of %s: answering with the same reply", incoming.log_key())
        reply, shared = await self._reply(incoming, texts, started, entry)
        await self.state.publish_reply(key, shared)  # for retries that reach another process
        return reply

    async def _answer_elsewhere(self, incoming: Incoming, key: DedupKey, started: float) -> Reply:
        """A retry of a message another process owns: its passive reply, or `success`."""
        log.info("WeChat retry of %s: another process answers it", incoming.log_key())
        budget = self.config.passive_reply_seconds - (self._clock() - started)
        shared = await self.state.reply_of(key, max(budget, 0.0))
        if shared and "text" in shared:
            return render_passive(incoming, shared["text"], self.crypto)
        if shared and shared.get("transfer"):
            return render_passive(incoming, None, self.crypto)
        return Reply(200, SUCCESS)

    async def _reply(
        self, incoming: Incoming, texts: ResponseTexts, started: float, entry: Pending
    ) -> tuple[Reply, dict[str, Any]]:
        """This process's reply to a message it owns, and what retries elsewhere answer:
        {"text": …}, {"transfer": True}, or {} for `success`."""
        budget = self.config.passive_reply_seconds - (self._clock() - started)
        if not entry.task.done() and budget > 0:
            await asyncio.wait({entry.task}, timeout=budget)
        if not entry.task.done():
            if not entry.via_api:
                entry.via_api = True
                log.info("WeChat %s: no reply within %.1f s; it will come through the API",
                         incoming.log_key(), self.config.passive_reply_seconds)
                entry.task.add_done_callback(
                    lambda task: self._spawn(self._deliver_late(incoming.openid, task, entry))
                )
            return Reply(200, SUCCESS), {}
        if entry.via_api or entry.task.cancelled() or entry.task.exception() is not None:
            return Reply(200, SUCCESS), {}
        outcome = entry.task.result()
        if outcome is None:
            return Reply(200, SUCCESS), {}
        if outcome.transfer_only:
            return render_passive(incoming, None, self.crypto), {"transfer": True}
        if outcome.handoff:
            return await self._hand_off(incoming, entry, outcome, started), {}
        passive, followups = plan_passive(
            incoming.openid, outcome.messages, texts(NUMBER_HINT_RESPONSE)
        )
        if followups and not entry.followups_sent:
            entry.followups_sent = True
            self._submit(incoming.openid, followups, "follow-up", entry,
                         delay=API_AFTER_PASSIVE_DELAY_SECONDS)
        if passive is None:
            return Reply(200, SUCCESS), {}
        return render_passive(incoming, passive, self.crypto), {"text": passive}

    async def _start(self, incoming: Incoming, texts: ResponseTexts) -> Pending:
        loop = asyncio.get_running_loop()
        openid = incoming.openid
        if self.sender is not None and (incoming.msg_type != "event" or incoming.event in _WINDOW_EVENTS):
            # The 48-hour window reopens; replies waiting to be retried go now.
            self.sender.citizen_wrote(openid)
        if await self.state.take_handoff(openid):
            # The hand-off could not be answered passively last time: this message goes
            # to the human agents with transfer_customer_service.
            return Pending(_done(loop, Outcome(transfer_only=True)))
        text = await self.user_text(incoming)
        if text is None:
            return Pending(_done(loop, None))
        if not await self.state.allow(openid):
            log.warning("WeChat: %s sends too fast; rate-limited", _short(openid))
            notice = texts(RATE_LIMITED_RESPONSE)
            return Pending(_done(loop, Outcome([BotMessage(notice)]) if notice else None))
        task = loop.create_task(self._process(incoming, text))
        self._processing.add(task)
        task.add_done_callback(self._processing.discard)
        return Pending(task)

    async def user_text(self, incoming: Incoming) -> Optional[str]:
        """What the citizen said, as the message for Rasa; None: nothing to answer."""
        message, kind, openid = incoming.message, incoming.msg_type, incoming.openid
        if kind == "text":
            content = str(getattr(message, "content", "") or "").strip()
            choice = await self._button_choice(openid, content, incoming.fields.get("bizmsgmenuid"))
            if choice is not None:
                return choice
            # Typed "/sign_up{...}" is judged by the inbound rules all channels share.
            return content or None
        if kind == "voice":
            recognised = str(incoming.fields.get("Recognition") or "").strip()
            return recognised or VOICE_UNRECOGNISED_PAYLOAD
        if kind == "event":
            event = incoming.event
            if event in {"subscribe", "subscribe_scan"}:
                return GREET_PAYLOAD
            if event == "click":
                key = str(incoming.fields.get("EventKey") or "")
                payload = self.config.click_payloads.get(key)
                if payload is None:
                    log.warning("WeChat menu click with unknown EventKey %r", key[:64])
                return payload
            return None  # unsubscribe, VIEW, LOCATION, template/mass-send reports, ...
        # image, location, link, video, file, ... and types WeChat adds later
        return UNSUPPORTED_PAYLOAD

    async def _button_choice(self, openid: str, content: str, menu_id: Any) -> Optional[str]:
        buttons = await self.state.buttons(openid)
        return chosen_button(buttons, content, menu_id) if buttons else None

    async def _process(self, incoming: Incoming, text: str) -> Optional[Outcome]:
        collector = WeChatCollector()
        # Only what the channel generated (events, ...) is marked as its own payload; typed
        # text never is, so a typed "/sign_up" is judged like any typed "/"-text.
        marker = {inbound_rules.CHANNEL_PAYLOAD: text} if incoming.generated_by_wechat() else {}
        await self.on_new_message(
            UserMessage(
                text,
                collector,
                sender_id=incoming.openid,
                input_channel=CHANNEL_NAME,
                message_id=incoming.message_id(),
                metadata={
                    "wechat": {
                        "msg_type": incoming.msg_type,
                        "event": incoming.event or None,
                        "account": incoming.account,
                        "encrypted": incoming.encrypted,
                    },
                    **marker,
                },
            )
        )
        outcome = outcome_from(collector.messages)
        # Numbers refer to the buttons of the latest reply only (none: numbers choose nothing).
        await self.state.set_buttons(
            incoming.openid, {b.number: b.payload for m in outcome.messages for b in m.buttons}
        )
        return outcome

    async def _hand_off(
        self, incoming: Incoming, entry: Pending, outcome: Outcome, started: float
    ) -> Reply:
        """The text (the ticket number) through the API, then transfer_customer_service; if
        the API has not taken the text in time, the text is the passive reply and the
        transfer happens on the next message. Decided once; retries get the same answer."""
        if entry.handoff_reply is None:
            deadline = started + self.config.passive_reply_seconds
            entry.handoff_reply = self._spawn(self._decide_hand_off(incoming, entry, outcome, deadline))
        # No timeout here: the decision keeps to the deadline itself, and a reply that had
        # given up waiting would lose the text the decision put into the passive reply.
        await asyncio.wait({entry.handoff_reply})
        if entry.handoff_reply.cancelled() or entry.handoff_reply.exception() is not None:
            return Reply(200, SUCCESS)
        return render_passive(incoming, entry.handoff_reply.result(), self.crypto)

    async def _decide_hand_off(
        self, incoming: Incoming, entry: Pending, outcome: Outcome, deadline: float
    ) -> Optional[str]:
        """The hand-off's passive reply: None (transfer) when the API delivered the text in
        time, else the text, with the transfer left to the citizen's next message."""
        openid = incoming.openid
        sender = self.sender
        if sender is not None:
            delivery = sender.submit(openid, api_messages(openid, outcome.messages),
                                     label="hand-off", ticket=outcome.ticket,
                                     window_start=entry.received_at)
            remaining = deadline - self._clock()
            if not delivery.first_attempt.done() and remaining > 0:
                await asyncio.wait({delivery.first_attempt}, timeout=remaining)
            if delivery.delivered:
                log.info("WeChat: conversation of %s transferred to the human agents", _short(openid))
                return None
            # The passive reply carries it now; no second copy later.
            delivery.withdraw()
            log.warning("WeChat: the hand-off text for %s (ticket %s) did not go through the API "
                        "in time (errcode %s): it is the passive reply, the transfer comes on "
                        "the next message", _short(openid), outcome.ticket, delivery.errcode)
        await self.state.mark_handoff(openid)
        passive, rest = plan_passive(openid, outcome.messages, None)
        if rest:
            self._submit(openid, rest, "hand-off", entry, ticket=outcome.ticket,
                         delay=API_AFTER_PASSIVE_DELAY_SECONDS)
        return passive

    async def _deliver_late(
        self, openid: str, task: "asyncio.Future[Optional[Outcome]]", entry: Pending
    ) -> None:
        if task.cancelled() or task.exception() is not None:
            log.error("WeChat message of %s failed: %r", _short(openid),
                      None if task.cancelled() else task.exception())
            return
        outcome = task.result()
        if outcome is None or not outcome.messages and not outcome.handoff:
            return
        if self.api is None:
            self._warn_once("replies later than the passive window are dropped: "
                            "set WECHAT_APP_ID and WECHAT_APP_SECRET for the customer-service API")
            return
        self._submit(openid, api_messages(openid, outcome.messages),
                     "hand-off" if outcome.handoff else "late reply", entry, ticket=outcome.ticket)
        if outcome.handoff:
            # transfer_customer_service exists only as a passive reply: do it next time.
            await self.state.mark_handoff(openid)

    def _submit(
        self, openid: str, bodies: list[dict[str, Any]], label: str, entry: Optional[Pending],
        ticket: Optional[str] = None, delay: float = 0.0,
    ) -> Optional[Delivery]:
        """Queue API messages on the retrying sender (None: no API, the parts are dropped)."""
        sender = self.sender
        if sender is None:
            if bodies:
                self._warn_once("a reply part was dropped: set WECHAT_APP_ID and "
                                "WECHAT_APP_SECRET for the customer-service API")
            return None
        return sender.submit(openid, bodies, label=label, ticket=ticket, delay=delay,
                             window_start=entry.received_at if entry is not None else None)

    async def _send_all(self, bodies: list[dict[str, Any]], delay: float = 0.0) -> bool:
        """Queue `bodies` (one citizen's) on the retrying sender and wait for the first
        attempt; True if it delivered them all. Failures are retried in the background."""
        if not bodies:
            return True
        delivery = self._submit(str(bodies[0].get("touser") or ""), bodies, "reply", None, delay=delay)
        if delivery is None:
            return False
        await asyncio.wait({delivery.first_attempt})
        return delivery.delivered

    def _spawn(self, coroutine: Awaitable[Any]) -> "asyncio.Future[Any]":
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)

        def finished(done: "asyncio.Future[Any]") -> None:
            self._background.discard(done)
            if not done.cancelled() and done.exception() is not None:
                log.error("WeChat background delivery failed", exc_info=done.exception())

        task.add_done_callback(finished)
        return task

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            log.error("WeChat channel: %s", message)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for messages in processing and their deliveries, retries included (tests,
        shutdown), at most `timeout` seconds."""
        deadline = self._clock() + timeout
        while (self._processing or self._background) and self._clock() < deadline:
            await asyncio.wait(self._processing | self._background, timeout=deadline - self._clock())
        if self._sender is not None and self._clock() < deadline:
            await self._sender.drain(deadline - self._clock())

    async def close(self) -> None:
        """At shutdown: replies still waiting for a retry are logged and kept as undelivered."""
        if self._sender is not None:
            await self._sender.close()

    def status(self) -> dict[str, Any]:
        """Late-reply counts for operators: queued for (re)sending, and given up."""
        sender = self._sender
        return sender.status() if sender is not None else {"queued": 0, "undelivered": 0}


def _done(loop: asyncio.AbstractEventLoop, value: Optional[Outcome]) -> "asyncio.Future[Optional[Outcome]]":
    future: "asyncio.Future[Optional[Outcome]]" = loop.create_future()
    future.set_result(value)
    return future
