"""deploy/nginx.conf (docker-compose) and the production profile's nginx come from one
template (ops/nginx.conf.j2): the checked-in file is what the template renders, and both
route the same paths the same way."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ops.nginx import COMPOSE_CONFIG, NginxPorts, compose_config, render_config

pytestmark = pytest.mark.unit


def _profile_config(prefix: Path) -> str:
    return render_config(prefix, NginxPorts(public=18080, api=18081, actions=18082, console=18083),
                         [15005, 15006], [15055], 15010)


def test_deploy_nginx_conf_is_what_the_template_renders() -> None:
    assert COMPOSE_CONFIG.read_text(encoding="utf-8") == compose_config(), (
        "deploy/nginx.conf is out of date: run `make nginx-conf` after editing ops/nginx.conf.j2"
    )


def _routes(config: str) -> list[str]:
    """Every location and proxy_pass line, in order: what each server does with a path."""
    return re.findall(r"^\s*((?:location|proxy_pass|return) [^\n]*)$", config, re.MULTILINE)


def test_compose_and_profile_route_every_path_alike(tmp_path: Path) -> None:
    compose, profile = compose_config(), _profile_config(tmp_path)

    assert _routes(profile) == _routes(compose)
    assert "location /socket.io/" in compose and "proxy_pass http://rasa_socketio;" in compose
    # Where they differ on purpose: the rate limit in production, the upstream header for tests.
    assert "limit_req zone=messages" in compose and "limit_req" not in profile
    assert "X-Daxing-Upstream" in profile and "X-Daxing-Upstream" not in compose
    assert "server 127.0.0.1:15005 " in profile and "server 127.0.0.1:15006 " in profile
    assert "listen 127.0.0.1:18081;" in profile and "listen 8081;" in compose


def _servers(config: str) -> list[str]:
    """The text of each `server { … }` block of the http block (nested braces followed)."""
    blocks, depth, start = [], 0, None
    for match in re.finditer(r"\bserver\s*\{|\{|\}", config):
        if match.group().startswith("server") and start is None and depth == 1:
            start = match.start()
        if match.group().endswith("{"):
            depth += 1
        else:
            depth -= 1
            if start is not None and depth == 1:
                blocks.append(config[start:match.end()])
                start = None
    return blocks


def test_the_console_has_its_own_internal_server_and_never_the_public_one(tmp_path: Path) -> None:
    compose, profile = compose_config(), _profile_config(tmp_path)
    for config, listen_console, console in ((compose, "8082", "console:5010"),
                                            (profile, "127.0.0.1:18083", "127.0.0.1:15010")):
        servers = _servers(config)
        assert [re.search(r"listen ([^;]+);", s).group(1) for s in servers][1:] == [  # type: ignore[union-attr]
            *(["8081", "5056"] if config is compose else ["127.0.0.1:18081", "127.0.0.1:18082"]), listen_console,
        ]
        public, *internal = servers
        assert "console" not in public  # citizens never reach it
        [console_server] = [s for s in internal if "http://console" in s]
        assert f"server {console};" in config
        # The console audits X-Real-IP: set in its server, with no location dropping it.
        assert "proxy_set_header X-Real-IP $remote_addr;" in console_server
        locations = re.findall(r"location ([^{]+)\{([^}]*)\}", console_server)
        assert all("proxy_set_header" not in body for _, body in locations)
        # Server-sent events unbuffered, for the inbox and a conversation.
        [(stream_path, stream)] = [(path, body) for path, body in locations if "stream" in path]
        assert "proxy_buffering off;" in stream
        pattern = re.compile(stream_path.split()[-1])
        assert pattern.search("/tickets/stream") and pattern.search("/tickets/T20240101-0001/stream")
        assert not pattern.search("/tickets/T1") and not pattern.search("/tickets/T1/reply")
