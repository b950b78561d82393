"""A private redis-server (Debian's `redis-server` package) for the production profile.

No persistence (`--save ''`, `--appendonly no`): it holds only conversation locks, which
are worthless after a restart. Listens on 127.0.0.1 on a free port; `stop()` and `start()`
keep the port, so clients reconnect to the same URL.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import IO, Optional

START_TIMEOUT = 20
STOP_TIMEOUT = 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def find_redis_server() -> str:
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
    def __init__(self, workdir: Path, log_file: Optional[Path] = None, port: int = 0) -> None:
        self.workdir = Path(workdir)
        self.log_file = log_file or self.workdir / "redis.log"
        self.port = port or _free_port()
        self.process: Optional[subprocess.Popen] = None
        self._log: Optional[IO[bytes]] = None

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
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_file, "ab")
        self.process = subprocess.Popen(
            self.command(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ping():
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited ({self.process.returncode}); see {self.log_file}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server not ready after {START_TIMEOUT}s; see {self.log_file}")
            time.sleep(0.05)
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
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM (redis exits at once without persistence), SIGKILL if it lingers."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
