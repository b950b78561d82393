"""The website chat widget, served by the Rasa server itself.

`WidgetAssets` is a Rasa input channel that handles no messages: conversations go through
the socketio channel (`WidgetSocketIOInput`, Rasa's own with one fix, see below). It only
serves, under /widget/:

- widget.js, widget.css     the widget (widget/ in the repository); widget.js, the one file a
                            page embeds, loads its parts from here: conversation.js (the
                            record kept in the browser), connection.js (socketio, history,
                            feedback) and messages.js (the log), then starts
- socket.io.min.js          the socket.io 4 client, installed by `npm ci --prefix widget`
- config                    {"hotline": HOTLINE_NUMBER}: what the widget says in its own texts
                            (subtitle, "no answer yet", "service unavailable"); widget.js
                            reads it before it shows itself, so no number is written in widget/
- demo                      a Daxing-government-style demo page with the widget embedded, its
                            {{hotline}} marks filled with HOTLINE_NUMBER
- feedback (POST)           满意 / 不满意 ratings (handoff.service); repeated 不满意 hand off
- history?session_id=ID     the conversation's user and bot messages from the tracker store
                            (never slots or other events), so the widget shows what the server
                            holds after a reload and in every tab. The session id (uuid4 hex,
                            issued by the socketio channel) is the capability: no token, and
                            not Rasa's HTTP API (/conversations/...), which may require one.

Any page embeds it with one tag:
    <script src="http://HOST:5005/widget/widget.js" data-title="大兴政务咨询助手" defer></script>
"""
from __future__ import annotations

import asyncio
import html
import inspect
import json
import logging
import re
import uuid
from collections import OrderedDict
from functools import partial
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from rasa.shared.core.events import BotUttered, ConversationPaused, ConversationResumed, Event, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import inbound
from bot.channels.polite import polite
from bot.channels.socketio_sharing import share_emits, socketio_manager
from bot.channels.widget_output import WidgetOutput
from bot.services import services
from bot.settings import PROJECT_ROOT, Settings
from handoff.service import NEGATIVE_FEEDBACK_HANDOFF

log = logging.getLogger(__name__)

WIDGET_DIR = PROJECT_ROOT / "widget"
SOCKET_IO_DIST = WIDGET_DIR / "node_modules" / "socket.io-client" / "dist"
MAX_FEEDBACK_BYTES = 16 * 1024
SATISFIED, UNSATISFIED = "satisfied", "unsatisfied"
# Column sizes of ho_feedback: longer values are refused, not truncated.
MAX_ID_LENGTH = 128
MAX_TEXT_LENGTH = 4000

# The history endpoint returns at most this many messages (the newest), each text cut to
# MAX_TEXT_LENGTH, at most MAX_BUTTONS buttons per message: the widget keeps 200 entries.
MAX_HISTORY_MESSAGES = 200
MAX_BUTTONS = 20
MAX_BUTTON_TEXT = 500
# The channel name Rasa's socketio channel (and WidgetSocketIOInput) gives its messages.
WIDGET_CHANNEL = "socketio"
# What the widget sends as metadata with a message: the turn id it made (t<base36 ms>-<n>)
# and the text it showed for a button click (the button's title, not its payload).
TURN_ID = re.compile(r"t[0-9a-z]{1,12}-[0-9]{1,9}")
MAX_SHOWN_LENGTH = 500
# How many (session, turn) pairs a Rasa process remembers to ignore a message sent twice.
RECENT_TURNS = 10_000

# URL path under /widget/ -> (file, content type)
ASSETS: dict[str, tuple[Path, str]] = {
    "widget.js": (WIDGET_DIR / "widget.js", "application/javascript; charset=utf-8"),
    # The parts widget.js loads (as ...?v=<its PARTS_VERSION>).
    "conversation.js": (WIDGET_DIR / "conversation.js", "application/javascript; charset=utf-8"),
    "connection.js": (WIDGET_DIR / "connection.js", "application/javascript; charset=utf-8"),
    "messages.js": (WIDGET_DIR / "messages.js", "application/javascript; charset=utf-8"),
    "widget.css": (WIDGET_DIR / "widget.css", "text/css; charset=utf-8"),
    "socket.io.min.js": (SOCKET_IO_DIST / "socket.io.min.js", "application/javascript; charset=utf-8"),
    "socket.io.min.js.map": (SOCKET_IO_DIST / "socket.io.min.js.map", "application/json"),
}
# Short enough that a new widget version reaches visitors quickly.
CACHE_CONTROL = "public, max-age=300"
# The demo page, with HOTLINE_MARK where the hotline number goes (settings' HOTLINE_NUMBER).
DEMO_PAGE = WIDGET_DIR / "demo.html"
HOTLINE_MARK = "{{hotline}}"


def widget_config(settings: Settings) -> dict[str, str]:
    """What GET /widget/config returns: the settings the widget's own texts need.

    Input: the settings. Output: {"hotline": settings.hotline_number}. No secrets: anybody
    may read it, as anybody may read the widget.
    """
    return {"hotline": settings.hotline_number}


def demo_page(hotline: str, page: Path = DEMO_PAGE) -> str:
    """The demo page's HTML with every HOTLINE_MARK replaced by `hotline` (HTML-escaped).

    Input: the hotline number, the page file. Output: the HTML. Errors: OSError when the
    file cannot be read.
    """
    return page.read_text(encoding="utf-8").replace(HOTLINE_MARK, html.escape(hotline))


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def parse_feedback(body: bytes) -> dict[str, Any]:
    """The fields of a feedback request body; ValueError says what is wrong with it."""
    if len(body) > MAX_FEEDBACK_BYTES:
        raise ValueError("request body too large")
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError("body must be JSON") from error
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    fields: dict[str, Any] = {}
    for name in ("sender_id", "message_id", "text", "question"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be a string")
        fields[name] = value.strip() if isinstance(value, str) else None
    rating = data.get("rating")
    if rating not in (SATISFIED, UNSATISFIED):
        raise ValueError(f"rating must be one of: {SATISFIED}, {UNSATISFIED}")
    if not fields["sender_id"]:
        raise ValueError("sender_id is required")
    if not fields["message_id"] and not fields["text"]:
        raise ValueError("message_id or text is required")
    for name, limit in (("sender_id", MAX_ID_LENGTH), ("message_id", MAX_ID_LENGTH),
                        ("text", MAX_TEXT_LENGTH), ("question", MAX_TEXT_LENGTH)):
        if fields[name] and len(fields[name]) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
    return {
        "sender_id": fields["sender_id"],
        "satisfied": rating == SATISFIED,
        "message_id": fields["message_id"],
        "answer": fields["text"],
        "question": fields["question"],
    }


def _short_text(value: Any, limit: int = MAX_TEXT_LENGTH) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _buttons(data: dict[str, Any]) -> list[dict[str, str]]:
    found = data.get("buttons") or data.get("quick_replies") or []
    buttons = []
    for button in found if isinstance(found, list) else []:
        if isinstance(button, dict) and isinstance(button.get("title"), str):
            title = _short_text(button["title"], MAX_BUTTON_TEXT)
            payload = button.get("payload")
            buttons.append({"title": title,
                            "payload": _short_text(payload, MAX_BUTTON_TEXT) if isinstance(payload, str) else title})
    return buttons[:MAX_BUTTONS]


def _image(data: dict[str, Any]) -> Optional[str]:
    attachment = data.get("attachment")
    src = data.get("image")
    if isinstance(attachment, dict) and attachment.get("type") == "image":
        src = (attachment.get("payload") or {}).get("src") if isinstance(attachment.get("payload"), dict) else None
    return src if isinstance(src, str) and re.match(r"https?://", src) and len(src) <= MAX_TEXT_LENGTH else None


def _as_sent(
    text: Optional[str], buttons: list[dict[str, str]], image: Optional[str]
) -> list[tuple[str, list[dict[str, str]], Optional[str]]]:
    """A bot message as Rasa's socketio channel sends it, so history and live replies match:
    one message per paragraph (split at blank lines), the buttons on the last one, an
    image as a message of its own; empty paragraphs are not sent."""
    sent = [(_short_text(part), [], None) for part in (text or "").strip().split("\n\n")]
    sent[-1] = (sent[-1][0], buttons, None)
    if image:
        sent.append(("", [], image))
    return [message for message in sent if message[0] or message[1] or message[2]]


def _is_staff(metadata: Any) -> bool:
    """Written by a member of staff: the relay action's {"staff": {...}} (actions/takeover.py),
    or {"staff": true} / {"sender": "staff"}."""
    if not isinstance(metadata, dict):
        return False
    staff = metadata.get("staff")
    return staff is True or (isinstance(staff, dict) and bool(staff)) or metadata.get("sender") == "staff"


def widget_history(events: Iterable[Event]) -> Optional[dict[str, Any]]:
    """The messages of a widget conversation as the widget renders them, from tracker events.

    Input: a tracker's events (all sessions). Output: None when the conversation did not
    start in the widget (its first user message came through another channel, or it has
    none); else {"messages": [...], "truncated": bool, "handed_off": bool} with the newest MAX_HISTORY_MESSAGES
    messages in order (whole turns: starting with a user message when truncated), each bot
    message split as Rasa's socketio channel sends it (`_as_sent`):
      {"type": "user", "turn": id, "text": what the widget showed (a button's title)}
      {"type": "bot", "turn": id, "text": ..., "buttons": [{"title", "payload"}],
       "image": url or None, "from": "staff" | "bot"}
    Only user and bot messages: never slots, intents, entities, actions or metadata. A
    turn id is the one the widget sent in the message's metadata, else "u<N>" (N-th user
    message); bot messages belong to the turn of the user message before them. Bot
    messages are "from": "staff" when their metadata says so ({"staff": true} or
    {"sender": "staff"}). `handed_off`: a person holds the conversation now (the hand-off paused
    it and it has not been resumed). Texts are returned as stored (the bot's replies already mask
    phone numbers), cut to MAX_TEXT_LENGTH characters.
    """
    messages: list[dict[str, Any]] = []
    turn, users = "u0", 0
    handed_off = False
    last_buttons: dict[str, str] = {}
    for event in events:
        if isinstance(event, UserUttered):
            if users == 0 and event.input_channel != WIDGET_CHANNEL:
                return None
            users += 1
            metadata = event.metadata if isinstance(event.metadata, dict) else {}
            sent_turn = metadata.get("turn")
            turn = sent_turn if isinstance(sent_turn, str) and TURN_ID.fullmatch(sent_turn) else f"u{users}"
            text = event.text or ""
            shown = metadata.get("shown")
            if isinstance(shown, str) and shown.strip():
                text = shown[:MAX_SHOWN_LENGTH]
            else:
                text = last_buttons.get(text, text)
            messages.append({"type": "user", "turn": turn, "text": _short_text(text)})
        elif isinstance(event, BotUttered):
            data = event.data if isinstance(event.data, dict) else {}
            buttons = _buttons(data)
            last_buttons = {b["payload"]: b["title"] for b in buttons} or last_buttons
            author = "staff" if _is_staff(event.metadata) else "bot"
            for text, message_buttons, image in _as_sent(event.text, buttons, _image(data)):
                messages.append({"type": "bot", "turn": turn, "text": text, "buttons": message_buttons,
                                 "image": image, "from": author})
        elif isinstance(event, (ConversationPaused, ConversationResumed)):
            handed_off = isinstance(event, ConversationPaused)
    if users == 0:
        return None
    if len(messages) <= MAX_HISTORY_MESSAGES:
        return {"messages": messages, "truncated": False, "handed_off": handed_off}
    newest = messages[-MAX_HISTORY_MESSAGES:]
    while newest and newest[0]["type"] != "user":  # no turn without its question
        newest.pop(0)
    return {"messages": newest, "truncated": True, "handed_off": handed_off}


class WidgetAssets(InputChannel):
    """Serves the chat widget's files, its demo page and its feedback endpoint."""

    @classmethod
    def name(cls) -> Text:
        return "widget"

    def url_prefix(self) -> Text:
        # Rasa mounts channels at urljoin("/webhooks/", prefix): an absolute path wins.
        return "/widget"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        widget = Blueprint("widget_assets", __name__)
        built = services()  # the process's settings and hand-off service, built once
        settings, feedback = built.settings, built.handoff
        if not ASSETS["socket.io.min.js"][0].exists():
            log.warning(
                "The web widget's socket.io client is missing: run `npm ci --prefix widget` "
                "(make setup does)."
            )

        @widget.route("/", methods=["GET"])
        async def index(_: Request) -> HTTPResponse:
            return response.redirect("/widget/demo")

        def serve(name: str, path: Path, content_type: str) -> Callable[[Request], Awaitable[HTTPResponse]]:
            async def asset(_: Request) -> HTTPResponse:
                if not path.exists():
                    hint = " (run `npm ci --prefix widget`)" if "socket.io" in name else ""
                    return response.text(f"{name} not found{hint}", status=404)
                return await response.file(
                    path,
                    mime_type=content_type,
                    headers={"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
                )

            return asset

        for name, (path, content_type) in ASSETS.items():
            widget.add_route(
                serve(name, path, content_type), f"/{name}", methods=["GET"],
                name="asset_" + name.replace(".", "_"),
            )

        @widget.route("/config", methods=["GET"])
        async def get_config(_: Request) -> HTTPResponse:
            return response.json(widget_config(settings), headers={"Cache-Control": CACHE_CONTROL})

        @widget.route("/demo", methods=["GET"])
        async def get_demo(_: Request) -> HTTPResponse:
            return response.html(
                demo_page(settings.hotline_number),
                headers={"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
            )

        @widget.route("/feedback", methods=["POST"])
        async def post_feedback(request: Request) -> HTTPResponse:
            try:
                fields = parse_feedback(request.body)
            except ValueError as error:
                return _error(400, str(error))
            loop = asyncio.get_running_loop()
            streak = await loop.run_in_executor(None, partial(feedback.record_feedback, **fields))
            log.info("widget feedback %s from %s", fields["satisfied"], fields["sender_id"])
            # The widget then sends /negative_feedback, which hands the conversation to a person.
            return response.json(
                {"status": "ok", "negative_streak": streak, "handoff": streak >= NEGATIVE_FEEDBACK_HANDOFF}
            )

        @widget.route("/history", methods=["GET"])
        async def get_history(request: Request) -> HTTPResponse:
            """The widget conversation `session_id` (the capability: only its holder knows it).

            400 for an id not of the form the socketio channel issues, 404 for one that is
            not a widget conversation held by the tracker store, 503 while no model is loaded;
            else widget_history's JSON. Never cached.
            """
            session_id = request.args.get("session_id")
            if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
                return _error(400, "session_id must be the 32-character id the widget was given")
            agent = getattr(request.app.ctx, "agent", None)
            store = getattr(agent, "tracker_store", None)
            if store is None:
                return _error(503, "the assistant is starting")
            tracker = await store.retrieve_full_tracker(session_id)
            history = widget_history(tracker.events) if tracker is not None else None
            if history is None:
                return response.json({"error": "unknown session", "messages": []}, status=404,
                                     headers={"Cache-Control": "no-store"})
            return response.json(history, headers={"Cache-Control": "no-store"})

        return widget


# What Rasa's socketio channel issues as a session_id: uuid4().hex.
SESSION_ID = re.compile(r"[0-9a-f]{32}")


def widget_metadata(sent: Any) -> dict[str, str]:
    """The metadata of a widget message as stored with it: what widget_history reads, and
    the widget's mark on a payload it generated itself.

    Input: what the client sent (anything). Output: {"turn": id} when it sent a turn id of
    the widget's form, {"shown": text} when it sent the text it showed (at most
    MAX_SHOWN_LENGTH characters), {"channel_payload": payload} when it marked the message
    as the widget's own payload (its 不满意 hand-off; the inbound rules accept only the
    widget's own payloads so marked, see inbound.CHANNEL_PAYLOAD); nothing else reaches the
    tracker.
    """
    kept: dict[str, str] = {}
    if isinstance(sent, dict):
        marked = inbound.marked_payload(sent)
        if marked is not None and marked in inbound.channel_payloads(WIDGET_CHANNEL):
            kept[inbound.CHANNEL_PAYLOAD] = marked
        turn, shown = sent.get("turn"), sent.get("shown")
        if isinstance(turn, str) and TURN_ID.fullmatch(turn):
            kept["turn"] = turn
        if isinstance(shown, str) and shown.strip():
            kept["shown"] = shown[:MAX_SHOWN_LENGTH]
    return kept


async def _maybe_await(result: Any) -> None:
    if inspect.isawaitable(result):
        await result


class WidgetSocketIOInput(SocketIOInput):
    """Rasa's socketio channel (same name, settings and events), with session persistence fixed.

    Rasa 3.6 calls `sio.enter_room()` without `await`; since python-socketio 5.10 that is a
    coroutine, so the client never joins its session's room and, with
    `session_persistence: true`, never receives a reply (RasaHQ/rasa#13027, unfixed in 3.6).
    This replaces the `session_request` handler with one that awaits it. It also accepts only
    session ids of the form Rasa issues (anything else gets a new one), and ignores a message
    whose session_id the sending socket has not joined, so a client can speak only in its own
    conversation, not in someone else's (e.g. a REST sender id). A socket is in one session
    at a time: a new `session_request` leaves the session it joined before. A message's
    metadata keeps only the widget's turn id and shown text (`widget_metadata`), and a
    message whose turn was already received is not handled twice (`_seen`). Replies go out
    through `WidgetOutput`, for the widget's own messages and for those the HTTP API's
    `execute?output_channel=latest` sends (a staff reply, the hand-back). With LOCK_STORE_URL
    set, the socket.io server's manager is python-socketio's Redis one (`socketio_manager`):
    an emit in one Rasa process reaches a client connected to another.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._recent: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._app: Any = None

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        answer = polite(on_new_message)

        async def with_widget_output(message: UserMessage) -> None:
            output = self.get_output_channel()
            if output is not None:
                message.output_channel = output
            await answer(message)

        blueprint = super().blueprint(with_widget_output)
        sio = self.sio
        assert sio is not None
        # Several Rasa processes: emits go through Redis, so a reply run by any of them (the
        # HTTP API's execute, a staff reply) reaches the socket connected to another.
        manager = socketio_manager(services().settings.lock_store_url)
        share_emits(sio, manager)
        if manager is not None:
            log.info("socket.io emits shared through Redis (channel %s)", manager.channel)
        namespace = self.namespace or "/"
        handle_message = sio.handlers[namespace][self.user_message_evt]

        async def session_request(sid: Text, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            valid = isinstance(requested, str) and SESSION_ID.fullmatch(requested)
            session_id = requested if valid else uuid.uuid4().hex
            if self.session_persistence:
                # A widget tab that adopts its other tabs' session leaves the one it had.
                for room in list(sio.rooms(sid, namespace) or []):
                    if room not in (sid, session_id) and isinstance(room, str) and SESSION_ID.fullmatch(room):
                        await _maybe_await(sio.leave_room(sid, room, namespace=namespace))
                await _maybe_await(sio.enter_room(sid, session_id, namespace=namespace))
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        async def user_message(sid: Text, data: Any) -> bool:
            # The return value is the acknowledgement a client may ask for, sent once the turn
            # is handled and stored: True when it was (now or before), False when ignored.
            if not isinstance(data, dict):
                return False
            session_id = data.get("session_id")
            if self.session_persistence and session_id not in sio.rooms(sid, namespace):
                log.warning("socketio message for a session this client did not request; ignored")
                return False
            sent = data.get(self.metadata_key)
            metadata = widget_metadata(sent)
            retry = isinstance(sent, dict) and sent.get("retry") is True
            if "turn" in metadata and await self._seen(str(session_id), metadata["turn"], retry):
                log.info("socketio message sent again (turn %s); already handled", metadata["turn"])
                return True
            await handle_message(sid, {**data, self.metadata_key: metadata})
            return True

        @blueprint.listener("after_server_start")
        async def keep_app(app: Any, _: Any) -> None:
            self._app = app

        sio.on("session_request", handler=session_request, namespace=namespace)
        sio.on(self.user_message_evt, handler=user_message, namespace=namespace)
        return blueprint

    def get_output_channel(self) -> Optional[OutputChannel]:
        """The widget's output (`WidgetOutput`) on this channel's socket.io server."""
        if self.sio is None:
            return None
        return WidgetOutput(self.sio, self.bot_message_evt)

    async def _seen(self, session_id: str, turn: str, retry: bool) -> bool:
        """Whether the widget's message `turn` of `session_id` was received before (and record it).

        The widget sends a question again (`retry`) when it never got the acknowledgement —
        e.g. the page was reloaded just after sending — so a message is handled once: turns
        received by this process are remembered (the newest RECENT_TURNS), and a retry is also
        looked up in the tracker store (another process, a restart). A lookup that fails
        counts as not seen: a question answered twice beats one lost.
        """
        recent = self._recent
        key = (session_id, turn)
        if key in recent:
            return True
        recent[key] = None
        while len(recent) > RECENT_TURNS:
            recent.popitem(last=False)
        if not retry:
            return False
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        try:
            tracker = await agent.tracker_store.retrieve_full_tracker(session_id) if agent else None
        except Exception:  # noqa: BLE001 - see the docstring
            log.exception("could not look up a widget message sent again")
            return False
        return tracker is not None and any(
            isinstance(e, UserUttered) and isinstance(e.metadata, dict) and e.metadata.get("turn") == turn
            for e in tracker.events
        )
