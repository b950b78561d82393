"""A private redis-server (Debian's `redis-server` package) for the production profile.

No persistence (`--save ''`, `--appendonly no`): it holds only conversation locks, which
are worthless after a restart. Listens on 127.0.0.1 on a free port; `stop()` and `start()`
keep the port, so clients reconnect to the same URL. The process is an
`ops.supervisor.Component`, ready when it answers PING.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path
from typing import Optional

from ops.supervisor import Component, StartupError, free_port

START_TIMEOUT = 20
STOP_TIMEOUT = 10


def find_redis_server() -> str:
    """The redis-server binary; RuntimeError (saying how to install it) when there is none."""
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").is_file() else None
    )
    if binary is None:
        raise RuntimeError(
            "redis-server not found. Run `make setup` (scripts/install-system-packages.sh "
            "installs the Debian package 'redis-server')."
        )
    return binary


class RedisServer:
    """redis-server in `workdir`, output to `log_file` (default workdir/redis.log), on
    `port` (0: a free one, kept across stop and start)."""

    def __init__(self, workdir: Path, log_file: Optional[Path] = None, port: int = 0) -> None:
        self.workdir = Path(workdir)
        self.log_file = log_file or self.workdir / "redis.log"
        self.port = port or free_port()
        self.component = Component(
            name="redis", command=[], log_file=self.log_file, ready=self.ping, cwd=self.workdir,
        )

    @property
    def process(self) -> Optional[subprocess.Popen]:
        return self.component.process

    def url(self, db: int = 1) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def command(self) -> list[str]:
        return [
            find_redis_server(),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--daemonize", "no",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
            "--logfile", "",  # stdout, captured in log_file
        ]

    def start(self) -> "RedisServer":
        """Start it and wait until it answers PING; RuntimeError (StartupError) when it exits
        or does not answer within START_TIMEOUT seconds (it is stopped again)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.component.command = self.command()
        self.component.start()
        try:
            self.component.wait_until_up(START_TIMEOUT, interval=0.05)
        except StartupError:
            self.stop()
            raise
        return self

    def ping(self) -> bool:
        """True when the server answers PING (raw RESP, no client library needed)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def is_running(self) -> bool:
        return self.component.is_running()

    def stop(self) -> None:
        """SIGTERM (redis exits at once without persistence), SIGKILL if it lingers."""
        self.component.stop(STOP_TIMEOUT)
