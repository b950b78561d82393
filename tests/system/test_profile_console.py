"""The staff console in the production profile: one console process behind nginx's own
internal console server, two Rasa servers, and a staff reply reaching the citizen's widget
socket whichever Rasa process runs the relay (socket.io emits shared through Redis,
bot/channels/socketio_sharing.py `socketio_manager`).

One profile for the module (about a minute to start on two cores); the last test stops it
and checks that the console leaves nothing behind.
"""
from __future__ import annotations

import os
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from handoff.service import HandoffService
from handoff.takeover import Takeover
from ops.profile import ProductionProfile
from tests.system.profile_support import running_profile
from ops.supervisor import authenticated
from staff.accounts import StaffAccounts
from staff.audit import AuditLog
from tests.console_clients import ConsoleAgent, WidgetCitizen, texts

PASSWORD = "profile console password"
AGENT = "agent-profile"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STAFF_PREFIX = "工作人员（王**）："
FORGED_ADDRESS = "203.0.113.9"


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductionProfile]:
    with running_profile(tmp_path_factory, "profile-console-logs", action_servers=1) as running:
        yield running


@pytest.fixture(scope="module")
def agent(profile: ProductionProfile) -> ConsoleAgent:
    """The agent through nginx's console server; the login's X-Real-IP is forged (nginx must
    replace it with the real address)."""
    StaffAccounts(profile.database_url).add(AGENT, "agent", PASSWORD, display_name="王小明")
    return ConsoleAgent(profile.console_url, AGENT, PASSWORD, login_headers={"X-Real-IP": FORGED_ADDRESS})


class Citizen(WidgetCitizen):
    """A citizen in the website widget (socket.io), who can ask for a person."""

    def hand_off(self, profile: ProductionProfile) -> str:
        """Ask for a person and decline to leave a number: the ticket's number."""
        assert "手机号" in texts(self.say("我要找人工客服"))
        assert any(m.get("handoff") for m in self.say("不留电话"))
        ticket = HandoffService.from_settings(profile.settings).open_ticket_of(self.session_id)  # type: ignore[arg-type]
        assert ticket is not None
        return ticket.number


def execute_upstreams(profile: ProductionProfile, session_id: str) -> list[str]:
    """Which Rasa server (host:port) ran each `execute` of the conversation that came through
    nginx's API server (its access log: `upstream=`)."""
    assert profile.log_dir is not None
    log = (Path(profile.log_dir) / "nginx-access.log").read_text(errors="replace")
    # The log masks what looks like a mobile number: in a hex session id too.
    sender = "".join("[0-9*]" if c.isdigit() else c for c in session_id)
    return re.findall(rf"/conversations/{sender}/execute\S* HTTP/1\.1\" 200 .* upstream=(\S+)", log)


def _status(url: str, **headers: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


# --------------------------------------------------------------------------- the console behind nginx


def test_the_console_is_served_by_its_own_nginx_server_and_never_the_public_one(
    profile: ProductionProfile, agent: ConsoleAgent,
) -> None:
    for path in ("/login", "/tickets", "/tickets/stream", "/static/console.css", "/health/"):
        assert _status(f"{profile.url}{path}") == 404, path
    assert _status(f"{profile.console_url}/health") == 200
    assert profile.console_url != profile.console_direct_url

    # Logged in through nginx: the session cookie, HttpOnly and SameSite=Strict; not Secure
    # in the profile (no TLS; CONSOLE_SECURE_COOKIES is off unless its env sets it).
    cookie = agent.login.headers["Set-Cookie"]
    assert "dx_console=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie
    assert agent.http.get(f"{profile.console_url}/tickets", timeout=10).status_code == 200

    # The audit log has the address nginx saw, not what the client claimed in X-Real-IP.
    [login] = AuditLog(profile.database_url).entries(actor=AGENT, action="login")
    assert login.address == "127.0.0.1"


def test_server_sent_events_come_through_nginx_unbuffered(profile: ProductionProfile, agent: ConsoleAgent) -> None:
    began = time.monotonic()
    inbox = agent.first_event("/tickets/stream", lambda _: True, timeout=10)
    assert isinstance(inbox, list)
    # Buffered, a few hundred bytes would wait for nginx's buffer to fill: never, here.
    assert time.monotonic() - began < 5


# --------------------------------------------------------------------------- staff replies across processes


def test_staff_replies_through_the_console_reach_the_widget_through_nginx(
    profile: ProductionProfile, agent: ConsoleAgent,
) -> None:
    citizen = Citizen(profile.url)  # socket.io through nginx (ip_hash: one of the servers)
    try:
        number = citizen.hand_off(profile)
        inbox = agent.first_event("/tickets/stream", lambda tickets: any(t["number"] == number for t in tickets))
        assert next(t for t in inbox if t["number"] == number)["channel"] == "网站"

        for text in ("您好，我是区政务服务局的工作人员。", "请问您想咨询哪方面的事情？"):
            assert agent.post(number, "reply", text=text)["delivered"]
            [staff] = citizen.received()
            assert staff["text"] == STAFF_PREFIX + text
            assert staff["staff"]["ticket"] == number
        # nginx's API server spreads the console's calls (least_conn, then round robin):
        # whichever server ran them, the socket got both replies.
        upstreams = execute_upstreams(profile, citizen.session_id)
        print(f"\nthe console's two relays ran on {upstreams}")
        assert len(upstreams) == 2
        assert set(upstreams) <= {url.removeprefix("http://") for url in profile.rasa_urls}
    finally:
        citizen.client.disconnect()


def test_a_reply_run_by_the_other_rasa_process_reaches_the_socket(profile: ProductionProfile, agent: ConsoleAgent) -> None:
    import redis

    first, second = profile.rasa_urls
    citizen = Citizen(first)  # the socket lives in Rasa server 0 only
    try:
        number = citizen.hand_off(profile)
        # Rasa server 0 subscribed to the shared socket.io channel when the socket connected.
        client = redis.Redis.from_url(profile.lock_store_url)
        try:
            assert b"daxing-socketio" in client.pubsub_channels()
        finally:
            client.close()

        # A reply stored as the console stores it, relayed by Rasa server 1 (the HTTP API's
        # execute on the citizen's latest channel): its emit reaches server 0's socket.
        text = "这条回复由另一个 Rasa 进程转发。"
        Takeover(profile.database_url).reply(number, AGENT, "王**", text)
        began = time.monotonic()
        response = requests.post(f"{second}/conversations/{citizen.session_id}/execute",
                                 params={"token": profile.api_token, "output_channel": "latest"},
                                 json={"name": "action_relay_staff_replies"}, timeout=30)
        assert response.status_code == 200, response.text
        [staff] = citizen.received(first_timeout=10)
        print(f"\nrelayed by the other process in {time.monotonic() - began:.2f}s")
        assert staff["text"] == STAFF_PREFIX + text
        assert staff["staff"]["ticket"] == number

        # And through the console (nginx picks either server): it arrives too.
        assert agent.post(number, "reply", text="还有其他问题吗？")["delivered"]
        [again] = citizen.received()
        assert again["text"] == STAFF_PREFIX + "还有其他问题吗？"
        # The tracker (PostgreSQL) holds both as staff messages, once each.
        tracker = requests.get(authenticated(f"{profile.api_url}/conversations/{citizen.session_id}/tracker",
                                             profile.api_token), timeout=30).json()
        staff_texts = [e["text"] for e in tracker["events"]
                       if e["event"] == "bot" and (e.get("metadata") or {}).get("staff")]
        assert staff_texts == [STAFF_PREFIX + text, STAFF_PREFIX + "还有其他问题吗？"]
    finally:
        citizen.client.disconnect()


# --------------------------------------------------------------------------- stopping


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_stopping_the_profile_stops_the_console(profile: ProductionProfile) -> None:
    assert profile.console is not None and profile.console.process is not None
    pid = profile.console.process.pid
    ports = profile.listening_ports()
    assert profile.ports is not None and profile.ports.console in ports
    assert all(_listening(port) for port in ports)
    assert profile.crashed_components() == []

    profile.stop()

    assert [port for port in ports if _listening(port)] == []
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
