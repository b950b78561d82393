"""The website chat widget, served by the Rasa server itself.

`WidgetAssets` is a Rasa input channel that handles no messages: conversations go through
the socketio channel (`WidgetSocketIOInput`, Rasa's own with one fix, see below). It only
serves, under /widget/:

- widget.js, widget.css     the widget (widget/ in the repository)
- socket.io.min.js          the socket.io 4 client, installed by `npm ci --prefix widget`
- demo                      a Daxing-government-style demo page with the widget embedded
- feedback (POST)           满意 / 不满意 ratings (handoff.service); repeated 不满意 hand off

Any page embeds it with one tag:
    <script src="http://HOST:5005/widget/widget.js" data-title="大兴政务咨询助手" defer></script>
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
import uuid
from functools import partial
from pathlib import Path
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.polite import polite
from bot.settings import PROJECT_ROOT, load_settings
from handoff.service import NEGATIVE_FEEDBACK_HANDOFF, HandoffService

log = logging.getLogger(__name__)

WIDGET_DIR = PROJECT_ROOT / "widget"
SOCKET_IO_DIST = WIDGET_DIR / "node_modules" / "socket.io-client" / "dist"
MAX_FEEDBACK_BYTES = 16 * 1024
SATISFIED, UNSATISFIED = "satisfied", "unsatisfied"
# Column sizes of ho_feedback: longer values are refused, not truncated.
MAX_ID_LENGTH = 128
MAX_TEXT_LENGTH = 4000

# URL path under /widget/ -> (file, content type)
ASSETS: dict[str, tuple[Path, str]] = {
    "widget.js": (WIDGET_DIR / "widget.js", "application/javascript; charset=utf-8"),
    "widget.css": (WIDGET_DIR / "widget.css", "text/css; charset=utf-8"),
    "demo": (WIDGET_DIR / "demo.html", "text/html; charset=utf-8"),
    "socket.io.min.js": (SOCKET_IO_DIST / "socket.io.min.js", "application/javascript; charset=utf-8"),
    "socket.io.min.js.map": (SOCKET_IO_DIST / "socket.io.min.js.map", "application/json"),
}
# Short enough that a new widget version reaches visitors quickly.
CACHE_CONTROL = "public, max-age=300"


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
        settings = load_settings()
        feedback = HandoffService.from_settings(settings)
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

        return widget


# What Rasa's socketio channel issues as a session_id: uuid4().hex.
SESSION_ID = re.compile(r"[0-9a-f]{32}")


class WidgetSocketIOInput(SocketIOInput):
    """Rasa's socketio channel (same name, settings and events), with session persistence fixed.

    Rasa 3.6 calls `sio.enter_room()` without `await`; since python-socketio 5.10 that is a
    coroutine, so the client never joins its session's room and, with
    `session_persistence: true`, never receives a reply (RasaHQ/rasa#13027, unfixed in 3.6).
    This replaces the `session_request` handler with one that awaits it. It also accepts only
    session ids of the form Rasa issues (anything else gets a new one), and ignores a message
    whose session_id the sending socket has not joined, so a client can speak only in its own
    conversation, not in someone else's (e.g. a REST sender id).
    """

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        blueprint = super().blueprint(polite(on_new_message))
        sio = self.sio
        assert sio is not None
        namespace = self.namespace or "/"
        handle_message = sio.handlers[namespace][self.user_message_evt]

        async def session_request(sid: Text, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            valid = isinstance(requested, str) and SESSION_ID.fullmatch(requested)
            session_id = requested if valid else uuid.uuid4().hex
            if self.session_persistence:
                entered = sio.enter_room(sid, session_id, namespace=namespace)
                if inspect.isawaitable(entered):
                    await entered
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        async def user_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence and data.get("session_id") not in sio.rooms(sid, namespace):
                log.warning("socketio message for a session this client did not request; ignored")
                return
            await handle_message(sid, data)

        sio.on("session_request", handler=session_request, namespace=namespace)
        sio.on(self.user_message_evt, handler=user_message, namespace=namespace)
        return blueprint
