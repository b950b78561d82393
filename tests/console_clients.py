"""The two sides of a take-over as the e2e and system tests play them, over the real protocols:
`ConsoleAgent`, a member of staff in the console (a cookie session, the pages' CSRF tokens,
server-sent events), and `WidgetCitizen`, a citizen on the widget's socket.io channel."""
from __future__ import annotations

import json
import queue
import re
import time
from collections.abc import Callable
from typing import Any

import requests

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class ConsoleAgent:
    """Logged in to the console at `url` as `name` (login headers: e.g. a forged X-Real-IP)."""

    def __init__(self, url: str, name: str, password: str, login_headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.http = requests.Session()
        page = self.http.get(f"{url}/login", timeout=10)
        assert page.status_code == 200, page.text
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        self.login = self.http.post(f"{url}/login", data={"name": name, "password": password, "csrf_token": token},
                                    headers=login_headers or {}, allow_redirects=False, timeout=10)
        assert self.login.status_code == 302, self.login.text

    def first_event(self, path: str, wanted: Callable[[Any], bool], timeout: float = 30) -> Any:
        """Read the server-sent events of `path` until one's data satisfies `wanted`."""
        deadline = time.monotonic() + timeout
        with self.http.get(f"{self.url}{path}", stream=True, timeout=timeout,
                           headers={"Accept": "text/event-stream"}) as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            for line in stream.iter_lines(decode_unicode=True):
                if line and line.startswith("data: ") and wanted(data := json.loads(line[6:])):
                    return data
                if time.monotonic() > deadline:
                    break
        raise AssertionError(f"no event of {path} came")

    def post(self, number: str, action: str, **fields: str) -> dict:
        """POST /tickets/<number>/<action> with the ticket page's CSRF token; its JSON answer."""
        page = self.http.get(f"{self.url}/tickets/{number}", timeout=10)
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        answer = self.http.post(f"{self.url}/tickets/{number}/{action}", data={"csrf_token": token, **fields},
                                headers={"Accept": "application/json"}, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()


class WidgetCitizen:
    """A citizen in the website widget: Rasa's socket.io channel at `url` (polling, as the
    widget falls back to), a new session."""

    def __init__(self, url: str) -> None:
        import socketio

        self.events: "queue.Queue[dict]" = queue.Queue()
        confirmed: "queue.Queue[str]" = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self.events.put)
        self.client.on("session_confirm", confirmed.put)
        self.client.connect(url, socketio_path="socket.io", transports=["polling"])
        self.client.emit("session_request", {"session_id": None})
        self.session_id = confirmed.get(timeout=10)

    def say(self, text: str) -> list[dict]:
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        return self.received(first_timeout=60)

    def received(self, first_timeout: float = 30) -> list[dict]:
        """The messages that arrive now (the first within `first_timeout`, the rest 1.5 s apart)."""
        got = [self.events.get(timeout=first_timeout)]
        while True:
            try:
                got.append(self.events.get(timeout=1.5))
            except queue.Empty:
                return got


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)
