"""The production profile's topology: PostgreSQL, Redis, N Rasa servers, M action servers,
the hand-off worker, the staff console and nginx in front, all local processes from Debian's
packages.

Every server and worker is an `ops.supervisor.Component` (its own process group, its log
file, its health URL); PostgreSQL is run by its own `pg_ctl` (`ops.postgres`), Redis and
nginx through `ops.redis` and `ops.nginx` (also Components). `stop()` leaves no process and
no port behind, and removes the runtime directory (logs stay in `log_dir` when one is given).
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Optional

import yaml

from bot import rasa_project
from bot.settings import (
    ACTION_SERVER_REQUEST_MAX_SIZE,
    Settings,
    console_environment,
    rasa_api_token,
    subprocess_environment,
)
from ops.nginx import NginxPorts, NginxServer, render_config
from ops.postgres import PostgresCluster
from ops.redis import RedisServer
from ops.supervisor import (
    Component,
    StartupError,
    answers,
    authenticated,
    free_port,
    rasa_server_command,
)

log = logging.getLogger("ops.profile")

LOCK_STORE_TYPE = "bot.lock_store.UrlLockStore"

# Connections per process: Rasa's tracker store defaults to 50 + 100 overflow per process,
# far more than a few servers sharing one PostgreSQL need (docs/production.md).
DEFAULT_SQL_POOL_SIZE = 10
DEFAULT_SQL_MAX_OVERFLOW = 20


def profile_endpoints(source: Path = rasa_project.ENDPOINTS) -> dict:
    """endpoints.yml with the Redis-capable lock store, whatever the checked-in file says."""
    endpoints = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    endpoints["lock_store"] = {"type": LOCK_STORE_TYPE}
    return endpoints


@dataclass
class ProductionProfile:
    """The whole production topology as local processes.

    `rasa_servers` × `rasa run` (each with `sanic_workers` Sanic workers), `action_servers`
    × `rasa run actions`, one hand-off worker, one staff console (`python -m console`, reached
    through nginx's console server: `console_url`), PostgreSQL (tracker store, knowledge base,
    applications, tickets, staff accounts), Redis (conversation locks, and the socket.io
    emits the Rasa servers share) and nginx. `env` adds or overrides environment variables of
    every component (e.g. HOTLINE_WEBHOOK_URL; CONSOLE_SECURE_COOKIES, off by default: the
    profile has no TLS). `model`: a trained model; default: `train_if_needed` (trains when the
    training data changed, ~6 min).
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
    console: Optional[Component] = field(default=None, init=False)
    settings: Optional[Settings] = field(default=None, init=False)
    timings: dict[str, float] = field(default_factory=dict, init=False)
    _rasa_ports: list[int] = field(default_factory=list, init=False, repr=False)
    _action_ports: list[int] = field(default_factory=list, init=False, repr=False)
    _console_port: Optional[int] = field(default=None, init=False, repr=False)
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
    def console_url(self) -> str:
        """The staff console through nginx's console server (staff only, never the public one)."""
        assert self.ports is not None, "profile not started"
        return f"http://127.0.0.1:{self.ports.console}"

    @property
    def console_direct_url(self) -> str:
        """The console process itself (what nginx proxies to)."""
        assert self._console_port is not None, "profile not started"
        return f"http://127.0.0.1:{self._console_port}"

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
        if self._console_port is not None:
            ports.append(self._console_port)
        if self.ports is not None:
            ports += [self.ports.public, self.ports.api, self.ports.actions, self.ports.console]
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
        self._console_port = free_port()
        self.ports = NginxPorts(
            public=self.public_port or free_port(), api=free_port(), actions=free_port(), console=free_port()
        )
        endpoints_file = self.workdir / "endpoints.yml"
        endpoints_file.write_text(
            "# Generated by ops/profile from endpoints.yml.\n"
            + yaml.safe_dump(profile_endpoints(), allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        self._endpoints_file = endpoints_file

        step = time.monotonic()
        self.nginx = NginxServer(
            self.workdir / "nginx",
            render_config(
                self.workdir / "nginx", self.ports, self._rasa_ports, self._action_ports,
                self._console_port, log_dir=self.log_dir,
            ),
            log_file=self.log_dir / "nginx.log",
        ).start(health_url=f"{self.url}/health")
        self.timings["nginx"] = time.monotonic() - step

        self.actions = [self._action_component(i) for i in range(self.action_servers)]
        self.rasa = [self._rasa_component(i) for i in range(self.rasa_servers)]
        self.handoff = self._handoff_component()
        self.console = self._console_component()
        step = time.monotonic()
        for component in [*self.actions, *self.rasa, self.handoff, self.console]:
            component.start()
        for component in [*self.actions, *self.rasa, self.console]:
            component.wait_until_up()
        if not self.handoff.is_running():  # no health URL: it just must not have crashed
            raise StartupError(f"handoff exited; see {self.handoff.log_file}")
        self._wait_for(f"{self.url}/health", "nginx → Rasa")
        self._wait_for(f"{self.console_url}/health", "nginx → console")
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
        components = [*self.rasa, *self._workers(), *self.actions]
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
        self.rasa[index].restart()

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
        return [c.name for c in [*self.rasa, *self.actions, *self._workers()]
                if c.process is not None and c.process.poll() is not None]

    def _workers(self) -> list[Component]:
        """The hand-off worker and the console, those that were made."""
        return [c for c in (self.handoff, self.console) if c is not None]

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
        """This process's settings with the profile's variables on top (os.environ untouched)."""
        return Settings.from_env({**os.environ, **self._profile_env()})

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
        from core.db import engine_for
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
            health_url=authenticated(f"{settings.local_rasa_url}/status", self.api_token),
        )

    def _handoff_component(self) -> Component:
        assert self.settings is not None and self.log_dir is not None and self.ports is not None
        # The worker reaches Rasa through nginx's internal API server (RASA_API_URL), so
        # either Rasa server may answer it.
        env = self._api_client_environment(self.settings)
        env["RASA_API_URL"] = self.api_url
        return Component(
            name="handoff",
            command=rasa_project.handoff_worker_command(),
            env=env,
            log_file=self.log_dir / "handoff.log",
        )

    def _console_component(self) -> Component:
        assert self.settings is not None and self.log_dir is not None and self.ports is not None
        assert self._console_port is not None
        # Secure cookies only when `env` asks (no TLS here).
        settings = dataclasses.replace(
            self.settings,
            console_port=self._console_port,
            console_host="127.0.0.1",
            console_secure_cookies=Settings.from_env(dict(self.env)).console_secure_cookies,
        )
        env = console_environment(settings)  # with RASA_API_TOKEN: it calls the Rasa API
        env.update(self._profile_env())
        env["RASA_API_URL"] = self.api_url  # nginx's internal API server, as for the hand-off worker
        return Component(
            name="console",
            command=rasa_project.console_command(),
            env=env,
            log_file=self.log_dir / "console.log",
            health_url=f"{settings.console_url}/health",
        )

    def _wait_for(self, url: str, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not answers(url):
            if time.monotonic() > deadline:
                raise StartupError(f"{what} not answering at {url} after {timeout:.0f}s")
            time.sleep(0.25)
