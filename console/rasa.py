"""The console's calls to Rasa's HTTP API (token from `bot.settings.rasa_api_token`).

`RasaApi.conversation(sender_id)` reads a conversation's user and bot messages from the
tracker; `RasaApi.run(sender_id, action)` runs an action in it (`execute`, output channel
`latest`: the citizen's own channel), as the relay of staff replies and the hand-back need;
`RasaApi.resume(sender_id)` hands a paused conversation back to the bot (the hand-off worker).
Network errors and non-200 answers come back as False / None, logged: the console says the
reply is waiting, the hand-off worker retries.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from core.privacy import mask_phones_in

log = logging.getLogger(__name__)
# How a relayed staff reply starts (utter_staff_reply): shown as the line's label instead.
_STAFF_PREFIX = re.compile(r"^工作人员（[^）\n]{1,20}）：")
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Line:
    """One message of a conversation as staff see it: role "user", "bot" or "staff"; the text
    with phone numbers masked; `at` a Unix time (seconds)."""

    role: str
    text: str
    at: float | None
    author: str | None = None  # a staff reply's masked name


def lines_of(events: list[dict[str, Any]]) -> list[Line]:
    """The user and bot messages of tracker events (as the HTTP API returns them), in order."""
    lines = []
    for event in events:
        kind = event.get("event")
        text = event.get("text") or ""
        if kind == "user" and text:
            lines.append(Line("user", mask_phones_in(text), event.get("timestamp")))
        elif kind == "bot" and text:
            staff = (event.get("metadata") or {}).get("staff")
            if isinstance(staff, dict) and staff:  # "工作人员（王**）：…": the label says who
                lines.append(Line("staff", mask_phones_in(_STAFF_PREFIX.sub("", text)), event.get("timestamp"),
                                  staff.get("shown_as")))
            else:
                lines.append(Line("bot", mask_phones_in(text), event.get("timestamp")))
    return lines


class RasaApi:
    def __init__(self, base_url: str, token: str, http: aiohttp.ClientSession) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = http

    def _url(self, sender_id: str, path: str) -> str:
        return f"{self.base_url}/conversations/{quote(sender_id, safe='')}/{path}"

    async def conversation(self, sender_id: str) -> list[Line] | None:
        """The conversation's messages, or None when Rasa cannot be asked now."""
        try:
            async with self.http.get(self._url(sender_id, "tracker"),
                                     params={"token": self.token, "include_events": "ALL"},
                                     timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as response:
                if response.status != 200:
                    log.warning("could not read conversation %s: HTTP %s", sender_id, response.status)
                    return None
                return lines_of((await response.json()).get("events") or [])
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("could not read conversation %s: %s", sender_id, error)
            return None

    async def resume(self, sender_id: str) -> bool:
        """Append Rasa's `resume` event: the bot answers this conversation again.

        Messages sent while paused got no action; an `action_listen` closes that turn, so
        the policies see the next message as a new question, not as a turn left unanswered.
        """
        events = [{"event": "action", "name": "action_listen"}, {"event": "resume"}]
        try:
            async with self.http.post(self._url(sender_id, "tracker/events"), json=events,
                                      params={"token": self.token},
                                      timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as response:
                if response.status != 200:  # 401: this process's token is not the server's
                    log.warning("could not resume conversation %s: HTTP %s", sender_id, response.status)
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("could not resume conversation %s: %s", sender_id, error)
            return False

    async def run(self, sender_id: str, action: str) -> bool:
        """Run `action` in the conversation, its messages sent on the citizen's channel."""
        try:
            async with self.http.post(self._url(sender_id, "execute"), json={"name": action},
                                      params={"token": self.token, "output_channel": "latest"},
                                      timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as response:
                if response.status != 200:
                    log.warning("could not run %s in %s: HTTP %s", action, sender_id, response.status)
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("could not run %s in %s: %s", action, sender_id, error)
            return False
