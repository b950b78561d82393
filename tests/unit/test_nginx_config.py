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
    return render_config(prefix, NginxPorts(public=18080, api=18081, actions=18082), [15005, 15006], [15055])


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
