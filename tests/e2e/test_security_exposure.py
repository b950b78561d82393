"""End to end: a running assistant exposes nothing but its channels and the widget without
the API token, and its action server listens on the loopback interface only.

Every route the Rasa server registered (it lists them in its DEBUG log at start) outside the
public ones must refuse a request without the token, or with a wrong one; the API works with
the token; the channels and the widget work without it. The action server's listening
socket is read from /proc/net/tcp{,6}, and a connection to the machine's own non-loopback
address, when it has one, is refused.
"""
from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

import pytest

from bot import rasa_project
from bot.settings import load_settings, rasa_api_token, rotate_api_token
from ops.supervisor import authenticated, rasa_server_command
from tests.conftest import RunningAssistant

pytestmark = pytest.mark.e2e

# Served to anybody: the channels, the widget, socket.io, Rasa's greeting and version.
PUBLIC = re.compile(r"^/(?:webhooks(?:/.*)?|widget(?:/.*)?|socket\.io(?:/.*)?|version)?$")
# The Rasa 3.6 HTTP API (rasa/server.py): all of it must be among the refused routes.
API_ROUTES = {
    ("GET", "/status"), ("GET", "/domain"),
    ("GET", "/conversations/x/tracker"), ("POST", "/conversations/x/tracker/events"),
    ("PUT", "/conversations/x/tracker/events"), ("GET", "/conversations/x/story"),
    ("POST", "/conversations/x/execute"), ("POST", "/conversations/x/trigger_intent"),
    ("POST", "/conversations/x/predict"), ("POST", "/conversations/x/messages"),
    ("POST", "/model/train"), ("POST", "/model/test/stories"), ("POST", "/model/test/intents"),
    ("POST", "/model/predict"), ("POST", "/model/parse"), ("PUT", "/model"), ("DELETE", "/model"),
}
_ROUTE_LINE = re.compile(r"^(/\S*)\s+((?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)(?:,\s*[A-Z]+)*)\s+\S+\s*$")


def request(url: str, method: str = "GET", body: Optional[object] = None, timeout: float = 60) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def registered_routes(assistant: RunningAssistant) -> set[tuple[str, str]]:
    """(method, path) of every route in the Rasa server's route table (its DEBUG log)."""
    assert assistant.assistant.log_dir is not None
    log = (assistant.assistant.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    routes = set()
    for line in log.splitlines():
        match = _ROUTE_LINE.match(line)
        if match:
            path = re.sub(r"<[^>]+>", "x", match.group(1))
            routes |= {(method.strip(), path) for method in match.group(2).split(",")}
    return routes


def test_every_api_route_refuses_a_request_without_the_token(running_assistant: RunningAssistant) -> None:
    routes = registered_routes(running_assistant)
    protected = {(m, p) for m, p in routes if not PUBLIC.match(p)}
    assert API_ROUTES <= protected, f"route table not found or API routes public: {API_ROUTES - protected}"
    for method, path in sorted(protected):
        url = f"{running_assistant.base_url}{path}"
        body = None if method in {"GET", "DELETE"} else {}
        assert request(url, method, body)[0] == 401, f"{method} {path} without a token"
        assert request(authenticated(url, "not-the-token-0123456789"), method, body)[0] == 401, \
            f"{method} {path} with a wrong token"


def test_the_api_works_with_the_token(running_assistant: RunningAssistant) -> None:
    api = running_assistant.api_url
    events = [{"event": "slot", "name": "requested_slot", "value": None}]
    assert request(api("/conversations/security-api/tracker/events"), "POST", events)[0] == 200
    status, tracker = request(api("/conversations/security-api/tracker"))
    assert status == 200 and json.loads(tracker)["sender_id"] == "security-api"
    status, body = request(api("/status"))
    assert status == 200 and json.loads(body)["model_file"]
    assert request(api("/domain"))[0] == 200
    status, parsed = request(api("/model/parse"), "POST", {"text": "你好"})
    assert status == 200 and json.loads(parsed)["intent"]["name"]


def test_channels_and_widget_work_without_the_token(running_assistant: RunningAssistant) -> None:
    base = running_assistant.base_url
    status, replies = request(f"{base}/webhooks/rest/webhook", "POST", {"sender": "security-rest", "message": "你好"})
    assert status == 200 and json.loads(replies)
    for asset in ("/widget/widget.js", "/widget/widget.css", "/widget/demo"):
        assert request(f"{base}{asset}")[0] == 200, asset
    status, handshake = request(f"{base}/socket.io/?EIO=4&transport=polling")
    assert status == 200 and handshake.startswith(b"0{") and b'"sid"' in handshake
    assert request(f"{base}/")[0] == 200  # Rasa's greeting: the health check of load balancers


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        path = Path(table)
        if not path.exists():
            continue
        for row in path.read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            # The kernel prints each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            family = socket.AF_INET if width == 8 else socket.AF_INET6
            found.add(socket.inet_ntop(family, raw))
    return found


def _non_loopback_address() -> Optional[str]:
    """An IPv4 address of this machine that is not loopback, if it has one."""
    candidates = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: a UDP "connect" sends nothing
            candidates.append(probe.getsockname()[0])
        except OSError:
            pass
    try:
        candidates += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    return next((a for a in candidates if not a.startswith("127.") and a != "0.0.0.0"), None)


def test_the_action_server_listens_on_loopback_only(running_assistant: RunningAssistant) -> None:
    port = running_assistant.settings.actions_port
    addresses = _listening_addresses(port)
    assert addresses == {"127.0.0.1"}, f"action server listens on {addresses}"
    other = _non_loopback_address()
    if other is None:
        pytest.skip("this machine has no non-loopback address to try")
    with socket.socket() as client:
        client.settimeout(3)
        with pytest.raises(OSError):
            client.connect((other, port))


def test_the_default_settings_bind_the_action_server_to_loopback_and_require_a_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("ACTIONS_HOST", "RASA_API_TOKEN", "BOT_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DAXING_VAR_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.actions_host == "127.0.0.1"
    command = rasa_server_command(settings, rasa_project.model_path(settings))
    [token] = [arg.removeprefix("--auth-token=") for arg in command if arg.startswith("--auth-token=")]
    token_file = tmp_path / "rasa-api-token"
    assert token_file.read_text().strip() == token and len(token) >= 32
    assert token_file.stat().st_mode & 0o777 == 0o600
    # Reused on the next run, not generated again.
    assert rasa_server_command(load_settings(), rasa_project.model_path(settings))[-1] == f"--auth-token={token}"
    # `daxing api-token --rotate` replaces it (the servers take it at their next start).
    rotate_api_token(settings)
    assert rasa_api_token(settings) != token and token_file.stat().st_mode & 0o777 == 0o600
    # RASA_API_TOKEN wins, is never rotated here, and must not be trivially short.
    monkeypatch.setenv("RASA_API_TOKEN", "configured-token-0123456789")
    assert rasa_api_token(load_settings()) == "configured-token-0123456789"
    with pytest.raises(ValueError):
        rotate_api_token(load_settings())
    monkeypatch.setenv("RASA_API_TOKEN", "short")
    with pytest.raises(ValueError):
        rasa_api_token(load_settings())


def test_a_token_beginning_with_a_dash_reaches_rasa_whole(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """token_urlsafe may begin with "-": Rasa's own argument parser must read it as the value."""
    from rasa.__main__ import create_argument_parser

    monkeypatch.setenv("DAXING_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RASA_API_TOKEN", "-starts-with-a-dash-0123456789")
    settings = load_settings()
    command = rasa_server_command(settings, rasa_project.model_path(settings))
    arguments = create_argument_parser().parse_args(command[3:])  # after "python -m rasa"
    assert arguments.auth_token == "-starts-with-a-dash-0123456789"

