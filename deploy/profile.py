"""The production profile on one machine: PostgreSQL, Redis, N Rasa servers, M action
servers, the hand-off worker and nginx in front, all from Debian's packages.

The same topology as deploy/docker-compose.yml, started as local processes so that tests
(tests/test_production_profile.py) and developers can run it, kill parts of it and watch
the assistant cope::

    with ProductionProfile(rasa_servers=2, action_servers=2) as profile:
        profile.url                  # nginx: POST {url}/webhooks/rest/webhook
        profile.api_url              # nginx: the Rasa HTTP API (internal; ?token=profile.api_token)
        profile.kill_action_server(0); profile.restart_action_server(0)
        profile.restart_postgres(); profile.stop_redis(); profile.start_redis()

    python -m deploy.profile --rasa 2 --actions 2      # until Ctrl-C; prints the URL

Every component runs in its own process group and is stopped by its id; `stop()` leaves
no process and no port behind, and removes the runtime directory (logs stay in `log_dir`
when one is given).
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Optional

import yaml

from bot import rasa_project
from bot.runner import authenticated, free_port, rasa_server_command
from bot.settings import (
    ACTION_SERVER_REQUEST_MAX_SIZE,
    PROJECT_ROOT,
    Settings,
    load_settings,
    rasa_api_token,
    subprocess_environment,
)
from deploy.nginx import NginxPorts, NginxServer, render_config
from deploy.postgres import PostgresCluster
from deploy.redis import RedisServer

log = logging.getLogger("deploy.profile")

STARTUP_TIMEOUT_SECONDS = 300
STOP_TIMEOUT_SECONDS = 15
LOCK_STORE_TYPE = "bot.lock_store.UrlLockStore"

# Connections per process: Rasa's tracker store defaults to 50 + 100 overflow per process,
# far more than a few servers sharing one PostgreSQL need (docs/production.md).
DEFAULT_SQL_POOL_SIZE = 10
DEFAULT_SQL_MAX_OVERFLOW = 20


class ProfileError(RuntimeError):
    """A component exited or never became ready; the message says which and where its log is."""


def _answers(url: str, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def profile_endpoints(source: Path = rasa_project.ENDPOINTS) -> dict:
    """endpoints.yml with the Redis-capable lock store, whatever the checked-in file says."""
    endpoints = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    endpoints["lock_store"] = {"type": LOCK_STORE_TYPE}
    return endpoints


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
    """One supervised process (its own process group) with a log file and a health URL."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_file: Path
    health_url: Optional[str] = None
    process: Optional[subprocess.Popen] = None
    _log: Optional[IO[bytes]] = None
    _stop_requested: bool = False

    def start(self) -> None:
        self._stop_requested = False
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_file, "ab")
        self._log.write(f"\n=== {time.strftime('%H:%M:%S')} starting {self.name} ===\n".encode())
        self._log.flush()
        self.process = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own group: stopping it stops its children too
        )

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_until_up(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.is_running():
                code = self.process.returncode if self.process else None
                raise ProfileError(f"{self.name} exited ({code}); see {self.log_file}")
            if self.health_url is None or _answers(self.health_url):
                return
            time.sleep(0.25)
        raise ProfileError(f"{self.name} not ready after {timeout:.0f}s; see {self.log_file}")

    def kill(self) -> None:
        """SIGKILL the process group, as a crash would: no clean-up in the process."""
        self._end(signal.SIGKILL, timeout=STOP_TIMEOUT_SECONDS)

    def request_stop(self) -> None:
        """Send SIGTERM and return: stopping several components then takes the longest."""
        process = self.process
        if process is not None and process.returncode is None and not self._stop_requested:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            self._stop_requested = True

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM the process group, wait, then SIGKILL whatever is left of it."""
        self.request_stop()
        self._end(None, timeout)

    def _end(self, first: Optional[signal.Signals], timeout: float) -> None:
        process = self.process
        if process is not None and process.returncode is None:
            if first is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, first)
            if not _exited(process.pid, timeout):
                log.warning("%s did not stop in %.0fs: killing it", self.name, timeout)
            # Until the leader is reaped (below) its group id cannot be reused, so this
            # SIGKILL reaches only what is left of this component (e.g. Sanic workers).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass
class ProductionProfile:
    """The whole production topology as local processes.

    `rasa_servers` × `rasa run` (each with `sanic_workers` Sanic workers), `action_servers`
    × `rasa run actions`, one hand-off worker, PostgreSQL (tracker store, knowledge base,
    applications, tickets), Redis (conversation locks) and nginx. `env` adds or overrides
    environment variables of every component (e.g. HOTLINE_WEBHOOK_URL). `model`: a trained
    model; default: `train_if_needed` (trains when the training data changed, ~6 min).
    """

    rasa_servers: int = 2
    action_servers: int = 2
    sanic_workers: int = 1
    public_port: int = 0  # 0: a free port
    log_dir: Optional[Path] = None
    model: Optional[Path] = None
    env: Mapping[str, str] = field(default_factory=dict)
    log_level: str = "INFO"
    sql_pool_size: int = DEFAULT_SQL_POOL_SIZE
    sql_max_overflow: int = DEFAULT_SQL_MAX_OVERFLOW

    workdir: Optional[Path] = field(default=None, init=False)
    postgres: Optional[PostgresCluster] = field(default=None, init=False)
    redis: Optional[RedisServer] = field(default=None, init=False)
    nginx: Optional[NginxServer] = field(default=None, init=False)
    ports: Optional[NginxPorts] = field(default=None, init=False)
    rasa: list[Component] = field(default_factory=list, init=False)
    actions: list[Component] = field(default_factory=list, init=False)
    handoff: Optional[Component] = field(default=None, init=False)
    settings: Optional[Settings] = field(default=None, init=False)
    timings: dict[str, float] = field(default_factory=dict, init=False)
    _rasa_ports: list[int] = field(default_factory=list, init=False, repr=False)
    _action_ports: list[int] = field(default_factory=list, init=False, repr=False)
    _endpoints_file: Optional[Path] = field(default=None, init=False, repr=False)

    # ------------------------------------------------------------------ addresses
    @property
    def url(self) -> str:
        """What citizens reach: nginx's public server."""
        assert self.ports is not None, "profile not started"
        return f"http://127.0.0.1:{self.ports.public}"

    @property
    def api_url(self) -> str:
        """The Rasa HTTP API through nginx (internal: hand-off worker, operators, tests)."""
        assert self.ports is not None, "profile not started"
        return f"http://127.0.0.1:{self.ports.api}"

    @property
    def api_token(self) -> str:
        """The token every Rasa API call needs (RASA_API_TOKEN, or generated in the runtime dir)."""
        assert self.settings is not None, "profile not started"
        return rasa_api_token(self.settings)

    @property
    def action_endpoint_url(self) -> str:
        assert self.ports is not None, "profile not started"
        return f"http://127.0.0.1:{self.ports.actions}/webhook"

    @property
    def database_url(self) -> str:
        assert self.postgres is not None, "profile not started"
        return self.postgres.url

    @property
    def lock_store_url(self) -> str:
        assert self.redis is not None, "profile not started"
        return self.redis.url(db=1)

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self._rasa_ports]

    @property
    def action_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self._action_ports]

    def listening_ports(self) -> list[int]:
        """Every TCP port the profile's components listen on (for leak checks)."""
        ports = [*self._rasa_ports, *self._action_ports]
        if self.ports is not None:
            ports += [self.ports.public, self.ports.api, self.ports.actions]
        if self.redis is not None:
            ports.append(self.redis.port)
        return ports

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "ProductionProfile":
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def start(self) -> "ProductionProfile":
        """Start everything and wait until nginx answers through every Rasa server."""
        began = time.monotonic()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.timings["start_total"] = time.monotonic() - began
        return self

    def _start(self) -> None:
        if self.rasa_servers < 1 or self.action_servers < 1:
            raise ValueError("the profile needs at least one Rasa server and one action server")
        self.workdir = Path(tempfile.mkdtemp(prefix="daxing-profile-"))
        if self.log_dir is None:
            self.log_dir = self.workdir / "logs"
        self.log_dir = Path(self.log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)

        step = time.monotonic()
        self.postgres = PostgresCluster().start()
        self.timings["postgres"] = time.monotonic() - step

        self.settings = self._base_settings()
        step = time.monotonic()
        self._build_knowledge_base()
        self.timings["knowledge_base"] = time.monotonic() - step
        step = time.monotonic()
        if self.model is None:
            self.model = rasa_project.train_if_needed(self.settings)
        self.timings["model"] = time.monotonic() - step

        step = time.monotonic()
        self.redis = RedisServer(self.workdir / "redis", log_file=self.log_dir / "redis.log").start()
        self.timings["redis"] = time.monotonic() - step

        self._rasa_ports = [free_port() for _ in range(self.rasa_servers)]
        self._action_ports = [free_port() for _ in range(self.action_servers)]
        self.ports = NginxPorts(public=self.public_port or free_port(), api=free_port(), actions=free_port())
        endpoints_file = self.workdir / "endpoints.yml"
        endpoints_file.write_text(
            "# Generated by deploy/profile.py from endpoints.yml.\n"
            + yaml.safe_dump(profile_endpoints(), allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        self._endpoints_file = endpoints_file

        step = time.monotonic()
        self.nginx = NginxServer(
            self.workdir / "nginx",
            render_config(
                self.workdir / "nginx", self.ports, self._rasa_ports, self._action_ports,
                log_dir=self.log_dir,
            ),
            log_file=self.log_dir / "nginx.log",
        ).start(health_url=f"{self.url}/health")
        self.timings["nginx"] = time.monotonic() - step

        self.actions = [self._action_component(i) for i in range(self.action_servers)]
        self.rasa = [self._rasa_component(i) for i in range(self.rasa_servers)]
        self.handoff = self._handoff_component()
        step = time.monotonic()
        for component in [*self.actions, *self.rasa, self.handoff]:
            component.start()
        for component in [*self.actions, *self.rasa]:
            component.wait_until_up()
        if not self.handoff.is_running():  # no health URL: it just must not have crashed
            raise ProfileError(f"handoff exited; see {self.handoff.log_file}")
        self._wait_for(f"{self.url}/health", "nginx → Rasa")
        self.timings["servers"] = time.monotonic() - step
        log.info("production profile up at %s (%s)", self.url, self.describe_timings())

    def describe_timings(self) -> str:
        return ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.timings.items())

    def stop(self) -> None:
        """Stop every component (nginx first, PostgreSQL last) and remove the runtime dir."""
        began = time.monotonic()
        errors: list[str] = []

        def attempt(name: str, action: Callable[[], None]) -> None:
            try:
                action()
            except Exception as error:  # keep stopping the others
                errors.append(f"{name}: {error}")

        if self.nginx is not None:
            attempt("nginx", self.nginx.stop)
        components = [*self.rasa, *([self.handoff] if self.handoff else []), *self.actions]
        for component in components:  # all at once: Rasa takes ~3 s to shut down
            attempt(component.name, component.request_stop)
        for component in components:
            attempt(component.name, component.stop)
        if self.redis is not None:
            attempt("redis", self.redis.stop)
        if self.postgres is not None:
            attempt("postgres", self.postgres.stop_server)
            if self.log_dir is not None and self.postgres.workdir is not None:
                with contextlib.suppress(OSError):  # the server log outlives the cluster
                    shutil.copyfile(self.postgres.log_file, Path(self.log_dir) / "postgres.log")
            attempt("postgres", self.postgres.stop)
        if self.workdir is not None:  # logs inside it (the default log_dir) go too
            shutil.rmtree(self.workdir, ignore_errors=True)
        self.timings["stop"] = time.monotonic() - began
        if errors:
            log.warning("while stopping the profile: %s", "; ".join(errors))

    # ------------------------------------------------------------------ faults
    def kill_action_server(self, index: int) -> None:
        """SIGKILL action server `index`, as a crash would."""
        self.actions[index].kill()

    def start_action_server(self, index: int) -> None:
        component = self.actions[index]
        if not component.is_running():
            component.start()
        component.wait_until_up()

    def restart_action_server(self, index: int) -> None:
        self.actions[index].stop()
        self.start_action_server(index)

    def kill_rasa_server(self, index: int) -> None:
        self.rasa[index].kill()

    def restart_rasa_server(self, index: int) -> None:
        self.rasa[index].stop()
        self.rasa[index].start()
        self.rasa[index].wait_until_up()

    def stop_postgres(self) -> None:
        assert self.postgres is not None
        self.postgres.stop_server()

    def start_postgres(self) -> None:
        assert self.postgres is not None
        self.postgres.start_server()

    def restart_postgres(self) -> None:
        """Stop (fast: clients are disconnected) and start PostgreSQL; data is kept."""
        assert self.postgres is not None
        self.postgres.restart()

    def stop_redis(self) -> None:
        assert self.redis is not None
        self.redis.stop()

    def start_redis(self) -> None:
        """Start Redis again on the same port (empty: locks are not persisted)."""
        assert self.redis is not None
        self.redis.start()

    def crashed_components(self) -> list[str]:
        """Names of supervised processes that exited without being asked to."""
        return [c.name for c in [*self.rasa, *self.actions, *([self.handoff] if self.handoff else [])]
                if c.process is not None and c.process.poll() is not None]

    # ------------------------------------------------------------------ internals
    def _profile_env(self) -> dict[str, str]:
        """What every component shares (ports come from each component's Settings)."""
        assert self.workdir is not None and self.postgres is not None
        env = {
            "DATABASE_URL": self.postgres.url,
            "DAXING_VAR_DIR": str(self.workdir / "var"),
            "BOT_HOST": "127.0.0.1",
            "LOG_LEVEL": self.log_level,
            "SANIC_WORKERS": str(self.sanic_workers),
            "SQL_POOL_SIZE": str(self.sql_pool_size),
            "SQL_MAX_OVERFLOW": str(self.sql_max_overflow),
        }
        if self.redis is not None:
            env["LOCK_STORE_URL"] = self.lock_store_url
        env.update(self.env)
        return env

    def _base_settings(self) -> Settings:
        with _environ(self._profile_env()):
            return load_settings()

    def _environment(self, settings: Settings) -> dict[str, str]:
        env = subprocess_environment(settings)
        env.update(self._profile_env())
        return env

    def _api_client_environment(self, settings: Settings) -> dict[str, str]:
        """For the Rasa servers and the hand-off worker: with RASA_API_TOKEN (log masking
        hides it; the worker sends it)."""
        env = self._environment(settings)
        env["RASA_API_TOKEN"] = self.api_token
        return env

    def _build_knowledge_base(self) -> None:
        from kb.db import engine_for
        from kb.store import build, deployment_plan_files

        assert self.settings is not None
        build(self.settings.database_url, deployment_plan_files(self.settings.plans_dir))
        engine_for(self.settings.database_url).dispose()  # no idle connections in this process

    def _action_component(self, index: int) -> Component:
        assert self.settings is not None and self.log_dir is not None
        settings = dataclasses.replace(self.settings, actions_port=self._action_ports[index])
        env = self._environment(settings)
        # Same as bot.settings.action_server_environment; nginx allows it too (client_max_body_size 16m).
        env["SANIC_REQUEST_MAX_SIZE"] = str(ACTION_SERVER_REQUEST_MAX_SIZE)
        env["SANIC_HOST"] = settings.actions_host  # 127.0.0.1: only nginx's action endpoint calls it
        env.pop("RASA_API_TOKEN", None)  # it never calls the Rasa API
        return Component(
            name=f"actions-{index}",
            command=rasa_project.action_server_command(settings),
            env=env,
            log_file=self.log_dir / f"actions-{index}.log",
            health_url=f"{settings.actions_url}/health",
        )

    def _rasa_component(self, index: int) -> Component:
        assert self.settings is not None and self.log_dir is not None and self.ports is not None
        assert self.model is not None and self._endpoints_file is not None
        # ACTIONS_PORT → ACTION_ENDPOINT_URL: the action servers' nginx upstream.
        settings = dataclasses.replace(
            self.settings, bot_port=self._rasa_ports[index], actions_port=self.ports.actions
        )
        command = rasa_server_command(settings, self.model)  # with --auth-token
        command[command.index("--endpoints") + 1] = str(self._endpoints_file)
        return Component(
            name=f"rasa-{index}",
            command=command,
            env=self._api_client_environment(settings),
            log_file=self.log_dir / f"rasa-{index}.log",
            health_url=authenticated(f"{settings.rasa_api_url}/status", self.api_token),
        )

    def _handoff_component(self) -> Component:
        assert self.settings is not None and self.log_dir is not None and self.ports is not None
        # BOT_PORT → the worker's Rasa API URL: nginx's internal API server.
        settings = dataclasses.replace(self.settings, bot_port=self.ports.api)
        return Component(
            name="handoff",
            command=rasa_project.handoff_worker_command(),
            env=self._api_client_environment(settings),
            log_file=self.log_dir / "handoff.log",
        )

    def _wait_for(self, url: str, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not _answers(url):
            if time.monotonic() > deadline:
                raise ProfileError(f"{what} not answering at {url} after {timeout:.0f}s")
            time.sleep(0.25)


@contextlib.contextmanager
def _environ(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.profile",
        description="Run the production profile (PostgreSQL, Redis, N Rasa servers, M action "
        "servers, hand-off worker, nginx) on this machine until Ctrl-C.",
    )
    parser.add_argument("--rasa", type=int, default=2, help="Rasa servers (default 2)")
    parser.add_argument("--actions", type=int, default=2, help="action servers (default 2)")
    parser.add_argument("--sanic-workers", type=int, default=1, help="Sanic workers per Rasa server")
    parser.add_argument("--port", type=int, default=8080, help="nginx's public port (0: a free one)")
    parser.add_argument(
        "--log-dir", type=Path, default=PROJECT_ROOT / "var" / "profile-logs",
        help="where the components' logs go (default var/profile-logs)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    stop_requested = False

    def request_stop(signum: int, _frame: Optional[FrameType]) -> None:
        nonlocal stop_requested
        stop_requested = True

    profile = ProductionProfile(
        rasa_servers=args.rasa,
        action_servers=args.actions,
        sanic_workers=args.sanic_workers,
        public_port=args.port,
        log_dir=args.log_dir,
        log_level=os.environ.get("LOG_LEVEL", "INFO"),
    )
    print(f"Starting the production profile ({args.rasa} Rasa, {args.actions} action servers)…", flush=True)
    try:
        profile.start()
    except (ProfileError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, request_stop)
    print(
        f"\nProduction profile up ({profile.describe_timings()}):\n"
        f"  REST:        POST {profile.url}/webhooks/rest/webhook  "
        '(JSON: {"sender": "me", "message": "你好"})\n'
        f"  widget demo: {profile.url}/widget/demo\n"
        f"  socket.io:   {profile.url}/socket.io\n"
        f"  Rasa API:    {profile.api_url}  (internal; ?token= from {profile.settings.api_token_file}"
        " or RASA_API_TOKEN)\n"
        f"  PostgreSQL:  {profile.database_url}\n"
        f"  Redis:       {profile.lock_store_url}\n"
        f"  logs:        {profile.log_dir}\n"
        "Ctrl-C stops everything.\n",
        flush=True,
    )
    reported: set[str] = set()
    try:
        while not stop_requested:
            for name in set(profile.crashed_components()) - reported:
                print(f"warning: {name} exited; see {profile.log_dir}/{name}.log", file=sys.stderr, flush=True)
                reported.add(name)
            time.sleep(0.5)
    finally:
        print("Stopping…", flush=True)
        profile.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
