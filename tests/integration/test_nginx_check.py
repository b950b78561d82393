"""The production profile's nginx configuration (ops/nginx.conf.j2, rendered as in
tests/unit/test_nginx_config.py) is accepted by the nginx binary itself (`nginx -t`)."""
from __future__ import annotations

import subprocess
from pathlib import Path

from ops.nginx import find_nginx
from tests.unit.test_nginx_config import _profile_config


def test_nginx_accepts_the_profile_config(tmp_path: Path) -> None:
    config = tmp_path / "nginx.conf"
    config.write_text(_profile_config(tmp_path), encoding="utf-8")
    check = subprocess.run(
        [find_nginx(), "-t", "-q", "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")],
        capture_output=True, text=True,
    )
    assert check.returncode == 0, check.stderr
