"""Start the action server, the Rasa server and the hand-off worker together; stop all cleanly.

`make run`, the end-to-end tests and the benchmarks all start the assistant through this
one supervisor, so what the tests exercise is what operators run.

Exposure (README "Security"): the Rasa server listens on BOT_HOST (default 0.0.0.0) and
requires the API token (`bot.settings.rasa_api_token`) for everything but the channels
and the widget; the action server listens on ACTIONS_HOST (default 127.0.0.1), reached only
by the Rasa server. The token reaches the Rasa server as Rasa's `--auth-token` and the
hand-off worker as RASA_API_TOKEN; the action server does not get it.
"""
from __future__ import annotations

import logging
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Callable, Optional
from urllib.parse import quote

from bot import rasa_project
from bot.settings import (
    PROJECT_ROOT,
    Settings,
    action_server_environment,
    api_client_environment,
    rasa_api_token,
)

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_SECONDS = 300
STOP_TIMEOUT_SECONDS = 15


class StartupError(RuntimeError):
    """A server exited or never became ready; the message says which and where its log is."""


def free_port() -> int:
    """A port nothing listens on now, for tests and benchmarks that start their own servers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rasa_server_command(settings: Settings, model: Path) -> list[str]:
    """`rasa run` of bot.rasa_project with the API token (Rasa's --auth-token).

    One `--auth-token=…` argument: a token may begin with "-", which argparse would take
    for an option if it came as a separate argument.
    """
    return [*rasa_project.rasa_server_command(settings, model), f"--auth-token={rasa_api_token(settings)}"]


def authenticated(url: str, token: str) -> str:
    """`url` with the Rasa API token as its `token` query parameter (how Rasa 3.6 reads it)."""
    return f"{url}{'&' if '?' in url else '?'}token={quote(token, safe='')}"


_ENVIRONMENTS: dict[str, Callable[[Settings], dict[str, str]]] = {
    "actions": action_server_environment,  # no API token: it never calls the Rasa API
    "rasa": api_client_environment,
    "handoff": api_client_environment,
}


def _is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@dataclass
class Assistant:
    """The processes of a running assistant."""

    settings: Settings
    model: Path
    log_dir: Optional[Path] = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)
    _logs: list[IO[bytes]] = field(default_factory=list)

    def _spawn(self, name: str, command: list[str]) -> None:
        self.commands[name] = command
        environment = _ENVIRONMENTS[name]
        output: Optional[IO[bytes]] = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")
            self._logs.append(output)
        self.processes[name] = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=environment(self.settings),
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            stdin=subprocess.DEVNULL,
        )

    def _health_urls(self) -> dict[str, str]:
        # /status answers once the model is loaded; it needs the token (`/` would not).
        status = f"{self.settings.rasa_api_url}/status"
        return {
            "actions": f"{self.settings.actions_url}/health",
            "rasa": authenticated(status, rasa_api_token(self.settings)),
        }

    def start(self) -> None:
        """Start the three processes and wait until both servers answer.

        Raises StartupError (a server exited or never answered; all are stopped again) and
        ValueError (an API token shorter than 16 characters; nothing was started).
        """
        rasa_api_token(self.settings)  # generated, or refused, before anything starts
        self._spawn("actions", rasa_project.action_server_command(self.settings))
        self._spawn("rasa", rasa_server_command(self.settings, self.model))
        self._spawn("handoff", rasa_project.handoff_worker_command())
        for name, url in self._health_urls().items():
            self._wait_until_up(name, url)

    def restart(self, name: str) -> None:
        """Start one process again (after a crash, or a fault test's kill) and wait for it."""
        process = self.processes[name]
        if process.poll() is None:
            process.terminate()
            process.wait(STOP_TIMEOUT_SECONDS)
        self._spawn(name, self.commands[name])
        if name in self._health_urls():
            self._wait_until_up(name, self._health_urls()[name])

    def _wait_until_up(self, name: str, url: str) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                self.stop()
                raise StartupError(f"{name} server exited early; see {self._log_hint(name)}")
            if _is_up(url):
                return
            time.sleep(0.5)
        self.stop()
        raise StartupError(f"{name} server not ready after {STARTUP_TIMEOUT_SECONDS}s")

    def _log_hint(self, name: str) -> str:
        return str(self.log_dir / f"{name}.log") if self.log_dir else "the output above"

    def stop(self) -> None:
        """SIGTERM all, wait, then SIGKILL what is left, so no port stays taken."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for output in self._logs:
            output.close()
        self._logs.clear()

    def wait(self) -> int:
        """Block until a process exits or a signal asks to stop; return an exit code."""
        stop_requested = False

        def request_stop(signum: int, _frame: Optional[FrameType]) -> None:
            nonlocal stop_requested
            stop_requested = True

        previous = {
            sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            while not stop_requested:
                for name, process in self.processes.items():
                    if process.poll() is not None:
                        log.error("%s server exited with code %s", name, process.returncode)
                        return process.returncode or 1
                time.sleep(0.5)
            return 0
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
