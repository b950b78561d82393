"""nginx in front of the Rasa servers, the action servers and the staff console: one layout, two renderings, and the process.

`ops/nginx.conf.j2` is the one nginx configuration of the assistant. It renders as
deploy/nginx.conf (docker-compose: `compose_config()`, written by `make nginx-conf`, i.e.
`python -m ops.nginx`; tests/unit/test_nginx_config.py fails when the file is out of date) and
as the production profile's configuration with local ports (`render_config`):

- public server (citizens): /webhooks/ (REST, WeChat) and /widget/ to any Rasa server
  (least connections: the shared tracker store and the Redis lock store make every server
  equivalent), /socket.io/ sticky by client address (ip_hash: a socket.io session, polling
  or websocket, must stay on the server that holds it), /health; nothing else (the Rasa
  HTTP API is not public);
- internal API server: the whole Rasa HTTP API (hand-off worker, operators, tests), which
  Rasa guards with its token (`?token=`; never written to nginx's log);
- action endpoint: Rasa servers call their custom actions here; nginx spreads the calls
  over the action servers and retries another one when one is down;
- console server (staff only, never published with the citizens' port): the staff console
  (`python -m console`), with the client's address in X-Real-IP (the console audits it) and
  unbuffered server-sent events (/tickets/stream, /tickets/<n>/stream).

What differs is only where things are (`NginxLayout`): compose's service names and ports,
logs to stdout/stderr and a per-address rate limit on messages; the profile's loopback
ports, files under its runtime directory and an `X-Daxing-Upstream` header for the tests.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import jinja2

from bot.settings import PROJECT_ROOT
from ops.supervisor import Component, StartupError

TEMPLATE = Path(__file__).with_name("nginx.conf.j2")
COMPOSE_CONFIG = PROJECT_ROOT / "deploy" / "nginx.conf"
START_TIMEOUT = 20
STOP_TIMEOUT = 10
MAX_BODY = "64k"  # citizens' messages are short; Sanic is limited the same way


@dataclass(frozen=True)
class NginxPorts:
    """The profile's nginx ports: public (citizens), api (Rasa HTTP API), actions, console
    (the staff console)."""

    public: int
    api: int
    actions: int
    console: int


@dataclass(frozen=True)
class NginxLayout:
    """The template's variables: where nginx listens, logs and finds its upstreams."""

    kind: str  # "compose" or "profile": only the header comment differs
    worker_processes: str
    worker_connections: int
    pid: str
    error_log: str
    access_log: str
    rasa_servers: list[str]
    action_servers: list[str]
    console_server: str  # the staff console (one process)
    listen_public: str
    listen_api: str
    listen_actions: str
    listen_console: str
    rate_limit: bool = False  # per-address limit on /webhooks/ (5 r/s, burst 20)
    upstream_header: bool = False  # X-Daxing-Upstream: which Rasa server answered
    temp_dir: Optional[str] = None  # nginx's temp files (default: its compiled-in paths)
    user: Optional[str] = None
    max_body: str = field(default=MAX_BODY)


def render(layout: NginxLayout) -> str:
    """The configuration text of `layout` (jinja2 errors if the template needs a variable
    the layout lacks)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE.parent),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    return environment.get_template(TEMPLATE.name).render(**asdict(layout))


def compose_config() -> str:
    """What deploy/nginx.conf must contain (docker-compose's services `rasa`, `actions` and
    `console`)."""
    return render(NginxLayout(
        kind="compose",
        worker_processes="auto",
        worker_connections=4096,
        pid="/run/nginx.pid",
        error_log="/dev/stderr",
        access_log="/dev/stdout",
        rasa_servers=["rasa:5005"],
        action_servers=["actions:5055"],
        console_server="console:5010",
        listen_public="80",
        listen_api="8081",
        listen_actions="5056",
        listen_console="8082",
        rate_limit=True,
    ))


def render_config(
    prefix: Path,
    ports: NginxPorts,
    rasa_ports: list[int],
    action_ports: list[int],
    console_port: int,
    listen_host: str = "127.0.0.1",
    log_dir: Optional[Path] = None,
) -> str:
    """The profile's nginx.conf: pid and temp files under `prefix`, logs in `log_dir`
    (default `prefix`), public server on `listen_host`, the others on loopback; the console
    process listens on `console_port` (nginx's console server on `ports.console`)."""
    logs = log_dir or prefix
    return render(NginxLayout(
        kind="profile",
        user="root" if os.geteuid() == 0 else None,
        worker_processes="1",
        worker_connections=1024,
        pid=f"{prefix}/nginx.pid",
        error_log=f"{logs}/nginx-error.log",
        access_log=f"{logs}/nginx-access.log",
        temp_dir=str(prefix),
        rasa_servers=[f"127.0.0.1:{port}" for port in rasa_ports],
        action_servers=[f"127.0.0.1:{port}" for port in action_ports],
        console_server=f"127.0.0.1:{console_port}",
        listen_public=f"{listen_host}:{ports.public}",
        listen_api=f"127.0.0.1:{ports.api}",
        listen_actions=f"127.0.0.1:{ports.actions}",
        listen_console=f"127.0.0.1:{ports.console}",
        upstream_header=True,
    ))


def find_nginx() -> str:
    """The nginx binary; RuntimeError (saying how to install it) when there is none."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)
    if binary is None:
        raise RuntimeError(
            "nginx not found. Run `make setup` (scripts/install-system-packages.sh installs "
            "the Debian package 'nginx')."
        )
    return binary


def _responds(url: str) -> bool:
    """nginx answered at all (an error status counts: its upstreams may still be starting)."""
    try:
        urllib.request.urlopen(url, timeout=2).close()
        return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


class NginxServer:
    """nginx in the foreground (`daemon off`) with everything under its own prefix dir,
    supervised as an `ops.supervisor.Component` (its own process group: master and workers)."""

    def __init__(self, prefix: Path, config: str, log_file: Optional[Path] = None) -> None:
        self.prefix = Path(prefix)
        self.config = config
        self.log_file = log_file or self.prefix / "nginx.out"
        self.component = Component(name="nginx", command=[], log_file=self.log_file, cwd=self.prefix)

    @property
    def process(self) -> Optional[subprocess.Popen]:
        return self.component.process

    @property
    def error_log(self) -> Path:
        """Where render_config(log_dir=log_file's folder) sends nginx's errors."""
        return self.log_file.parent / "nginx-error.log"

    @property
    def config_file(self) -> Path:
        return self.prefix / "nginx.conf"

    def _command(self, *extra: str) -> list[str]:
        return [
            find_nginx(), "-p", str(self.prefix), "-c", str(self.config_file),
            "-e", str(self.error_log), *extra,
        ]

    def start(self, health_url: Optional[str] = None) -> "NginxServer":
        """Write the configuration, have nginx check it (RuntimeError with nginx's message
        when it refuses it), start nginx and, given `health_url`, wait until it answers there
        (StartupError, a RuntimeError, when it exits or does not within START_TIMEOUT)."""
        self.prefix.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(self.config, encoding="utf-8")
        check = subprocess.run(self._command("-t", "-q"), capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx rejects {self.config_file}:\n{check.stderr}")
        self.component.command = self._command("-g", "daemon off;")
        self.component.ready = (lambda: _responds(health_url)) if health_url else None
        self.component.start()
        try:
            self.component.wait_until_up(START_TIMEOUT, interval=0.05)
        except StartupError as error:
            self.stop()
            raise StartupError(f"{error} (nginx's errors: {self.error_log})") from None
        return self

    def is_running(self) -> bool:
        return self.component.is_running()

    def stop(self) -> None:
        """SIGTERM (nginx's fast shutdown: open websockets would hold a graceful one);
        SIGKILL its process group (master and workers) if it lingers."""
        self.component.stop(STOP_TIMEOUT)


def main(argv: Optional[list[str]] = None) -> int:
    """`python -m ops.nginx [--check]`: write deploy/nginx.conf from the template, or with
    --check only say whether it is up to date (exit code 1 when not)."""
    parser = argparse.ArgumentParser(prog="python -m ops.nginx", description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    args = parser.parse_args(argv)
    expected = compose_config()
    current = COMPOSE_CONFIG.read_text(encoding="utf-8") if COMPOSE_CONFIG.exists() else None
    if args.check:
        if current != expected:
            print(f"{COMPOSE_CONFIG} is out of date: run `make nginx-conf`", file=sys.stderr)
            return 1
        print(f"{COMPOSE_CONFIG} is up to date")
        return 0
    COMPOSE_CONFIG.write_text(expected, encoding="utf-8")
    print(f"wrote {COMPOSE_CONFIG}" if current != expected else f"{COMPOSE_CONFIG} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
