"""The one process supervisor: `Component` (a supervised process) and the `Assistant`.

`Component` spawns a command with its log file, waits until its health check passes,
stops it with SIGTERM then SIGKILL, and restarts it. Both the `Assistant` (what
`daxing run`, the end-to-end tests and the benchmarks start: action server, Rasa server,
hand-off worker) and the production profile (`ops.profile`: N Rasa and M action servers,
the hand-off worker, Redis, nginx) supervise their processes with it, so what the tests
exercise is what operators run.

Exposure (README "Security"): the Rasa server listens on BOT_HOST (default 0.0.0.0) and
requires the API token (`bot.settings.rasa_api_token`) for everything but the channels
and the widget; the action server listens on ACTIONS_HOST (default 127.0.0.1), reached only
by the Rasa server. The token reaches the Rasa server as Rasa's `--auth-token` and the
hand-off worker as RASA_API_TOKEN; the action server does not get it.
"""
from __future__ import annotations

import contextlib
import logging
import os
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
    console_environment,
    rasa_api_token,
)

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_SECONDS = 300
STOP_TIMEOUT_SECONDS = 15


class StartupError(RuntimeError):
    """A process exited or never became ready; the message says which and where its log is."""


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


def answers(url: str, timeout: float = 2) -> bool:
    """Whether a GET of `url` answers 200 now (False on any error, refusal or timeout)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _exited(pid: int, timeout: float) -> bool:
    """Wait up to `timeout` for our child `pid` to exit, without reaping it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


@dataclass
class Component:
    """One supervised process.

    `command` runs in `cwd` with `env` (None: this process's environment); its output goes
    to `log_file` (appended, with a line per start; None: this process's stdout/stderr).
    It is ready when `ready()` is true, else when `health_url` answers 200, else as soon as
    it runs. `own_group`: it runs in its own process group, so stopping it stops its children
    too (Sanic workers, nginx workers) and a terminal's Ctrl-C does not reach it directly;
    without it, signals go to the process alone (`daxing run`: Ctrl-C reaches every process).
    """

    name: str
    command: list[str]
    env: Optional[dict[str, str]] = None
    log_file: Optional[Path] = None
    health_url: Optional[str] = None
    ready: Optional[Callable[[], bool]] = None
    own_group: bool = True
    cwd: Path = PROJECT_ROOT
    process: Optional[subprocess.Popen] = None
    _log: Optional[IO[bytes]] = field(default=None, repr=False)
    _stop_requested: bool = field(default=False, repr=False)

    def start(self) -> None:
        """Spawn the command (OSError when it cannot be executed)."""
        self._stop_requested = False
        self._close_log()
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_file, "ab")
            self._log.write(f"\n=== {time.strftime('%H:%M:%S')} starting {self.name} ===\n".encode())
            self._log.flush()
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT if self._log else None,
            stdin=subprocess.DEVNULL,
            start_new_session=self.own_group,
        )

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def is_ready(self) -> bool:
        """The readiness check alone (the process may have exited)."""
        if self.ready is not None:
            return self.ready()
        return self.health_url is None or answers(self.health_url)

    def wait_until_up(self, timeout: float = STARTUP_TIMEOUT_SECONDS, interval: float = 0.25) -> None:
        """Return once ready; StartupError if it exits first or is not ready within `timeout`
        (it is left as it is: the caller stops it, or everything it supervises)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.is_running():
                code = self.process.returncode if self.process else None
                raise StartupError(f"{self.name} exited early ({code}); see {self.log_hint}")
            if self.is_ready():
                return
            time.sleep(interval)
        raise StartupError(f"{self.name} not ready after {timeout:.0f}s; see {self.log_hint}")

    @property
    def log_hint(self) -> str:
        return str(self.log_file) if self.log_file is not None else "the output above"

    def kill(self) -> None:
        """SIGKILL it, as a crash would: no clean-up in the process."""
        self._end(signal.SIGKILL, timeout=STOP_TIMEOUT_SECONDS)

    def request_stop(self) -> None:
        """Send SIGTERM and return: stopping several components then takes the longest."""
        process = self.process
        if process is not None and process.returncode is None and not self._stop_requested:
            self._signal(signal.SIGTERM)
            self._stop_requested = True

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM, wait up to `timeout`, then SIGKILL whatever is left; close the log."""
        self.request_stop()
        self._end(None, timeout)

    def restart(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        """Stop it if it runs (after a crash, or a fault test's kill, it does not), start it
        again and wait until it is ready (StartupError as `wait_until_up`)."""
        self.stop()
        self.start()
        self.wait_until_up(timeout)

    def _signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            if self.own_group:
                os.killpg(self.process.pid, sig)
            else:
                self.process.send_signal(sig)

    def _end(self, first: Optional[signal.Signals], timeout: float) -> None:
        process = self.process
        if process is not None and process.returncode is None:
            if first is not None:
                self._signal(first)
            if not _exited(process.pid, timeout):
                log.warning("%s did not stop in %.0fs: killing it", self.name, timeout)
            # Until the process is reaped (below) its id cannot be reused, so this SIGKILL
            # reaches only what is left of this component (e.g. Sanic workers in its group).
            self._signal(signal.SIGKILL)
            process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


_ENVIRONMENTS: dict[str, Callable[[Settings], dict[str, str]]] = {
    "actions": action_server_environment,  # no API token: it never calls the Rasa API
    "rasa": api_client_environment,
    "handoff": api_client_environment,
    "console": console_environment,
}


@dataclass
class Assistant:
    """The processes of a running assistant: `actions`, `rasa` and `handoff` components,
    logging to `log_dir/<name>.log` (None: to this process's output)."""

    settings: Settings
    model: Path
    log_dir: Optional[Path] = None
    components: dict[str, Component] = field(default_factory=dict)

    @property
    def processes(self) -> dict[str, subprocess.Popen]:
        """The running processes by component name (tests kill or pause one)."""
        return {name: c.process for name, c in self.components.items() if c.process is not None}

    @property
    def commands(self) -> dict[str, list[str]]:
        return {name: c.command for name, c in self.components.items()}

    def _component(self, name: str, command: list[str], health_url: Optional[str]) -> Component:
        return Component(
            name=name,
            command=command,
            env=_ENVIRONMENTS[name](self.settings),
            log_file=self.log_dir / f"{name}.log" if self.log_dir is not None else None,
            health_url=health_url,
            own_group=False,  # `daxing run`: Ctrl-C in the terminal reaches every process
        )

    def start(self) -> None:
        """Start the four processes (action server, Rasa server, hand-off worker, staff console)
        and wait until the three servers answer.

        Raises StartupError (a server exited or never answered; all are stopped again) and
        ValueError (an API token shorter than 16 characters; nothing was started).
        """
        token = rasa_api_token(self.settings)  # generated, or refused, before anything starts
        # /status answers once the model is loaded; it needs the token (`/` would not).
        status = authenticated(f"{self.settings.local_rasa_url}/status", token)
        self.components = {
            "actions": self._component("actions", rasa_project.action_server_command(self.settings),
                                       f"{self.settings.actions_url}/health"),
            "rasa": self._component("rasa", rasa_server_command(self.settings, self.model), status),
            "handoff": self._component("handoff", rasa_project.handoff_worker_command(), None),
            "console": self._component("console", rasa_project.console_command(),
                                       f"{self.settings.console_url}/health"),
        }
        try:
            for component in self.components.values():
                component.start()
            for name in ("actions", "rasa", "console"):
                self.components[name].wait_until_up()
        except BaseException:
            self.stop()
            raise

    def restart(self, name: str) -> None:
        """Start one process again (after a crash, or a fault test's kill) and wait for it."""
        component = self.components[name]
        component.env = _ENVIRONMENTS[name](self.settings)
        component.restart()

    def stop(self) -> None:
        """SIGTERM all, wait, then SIGKILL what is left, so no port stays taken."""
        for component in self.components.values():
            component.request_stop()
        for component in self.components.values():
            component.stop()

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
