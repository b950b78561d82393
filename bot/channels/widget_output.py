"""`WidgetOutput`: how the website widget's replies leave the Rasa server (socket.io).

Used by `bot.channels.widget.WidgetSocketIOInput` for every reply of a widget conversation,
its own turns and those Rasa's HTTP API runs (`execute?output_channel=latest`: a staff reply,
the hand-back, actions/takeover.py).
"""
from __future__ import annotations

from typing import Any, Text

from rasa.core.channels.socketio import SocketIOOutput


class WidgetOutput(SocketIOOutput):
    """Rasa's socketio output, with what the widget needs to show who speaks and the state:

    - a text carries the marks of its message's metadata: `staff` (a member of staff's reply,
      actions/takeover.py), `handback` (the assistant takes over again);
    - a custom JSON message (`json_message`, e.g. the hand-off's {"handoff": {...}}) is sent as
      the event's data to the session's room. Rasa 3.6 passes its keys to `sio.emit` as
      keyword arguments (`emit(event, handoff=…, room=…)`), which python-socketio refuses.
    """

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        marks = citizens_marks(kwargs)
        if not marks:
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        await self._send_message(recipient_id, {"text": text, **marks})

    async def send_custom_json(self, recipient_id: Text, json_message: dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, dict(json_message))


def citizens_marks(metadata: Any) -> dict[str, Any]:
    """What a citizen's channel may carry of a message's marks: `staff` as {"shown_as",
    "ticket"} only (the member of staff's login name and the message id stay in the tracker),
    `handback`. {} for an ordinary message."""
    if not isinstance(metadata, dict):
        return {}
    marks: dict[str, Any] = {}
    staff = metadata.get("staff")
    if isinstance(staff, dict) and staff:
        marks["staff"] = {key: staff[key] for key in ("shown_as", "ticket") if key in staff}
    if metadata.get("handback"):
        marks["handback"] = True
    return marks
