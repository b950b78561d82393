"""All runtime settings in one place, read from an environment mapping with development defaults.

`Settings.from_env(environ)` is pure: it reads only the mapping it is given, checks every
value once and raises one `SettingsError` naming the variable whose value is unusable.
`load_settings()` is `Settings.from_env(os.environ)`: this process's environment, read by
the composition root (`bot.services`: once per process for what Rasa loads, once per
command for the `daxing` CLI), so a deployment changes behaviour only through environment
variables and nothing reads them on its own.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The Rasa HTTP API's token when RASA_API_TOKEN is not set: generated on first use, in var/.
API_TOKEN_FILE_NAME = "rasa-api-token"
MIN_API_TOKEN_LENGTH = 16
_LOOPBACK = "127.0.0.1"
_ALL_INTERFACES = {"", "0.0.0.0", "::", "[::]"}
# The WeChat channel's variables (bot/channels/wechat/config.py reads and checks them).
WECHAT_PREFIX = "WECHAT_"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")

log = logging.getLogger(__name__)

T = TypeVar("T")


class SettingsError(ValueError):
    """An environment variable has a value the assistant cannot use.

    `variable` is its name; the message names it, the value and what is expected.
    """

    def __init__(self, variable: str, value: str, expected: str) -> None:
        super().__init__(f"{variable}={value!r} is not usable: expected {expected}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    """Values that differ between a laptop, CI and production (README: Configuration)."""

    bot_port: int
    actions_port: int
    host: str
    database_url: str
    var_dir: Path
    models_dir: Path
    log_level: str
    # Sign-up closes this many working days before a session starts (the organisers need
    # the time to select participants and notify them).
    signup_close_working_days: int
    hotline_number: str
    # The 12345 hotline system's endpoint for new tickets; empty: tickets wait for operators.
    hotline_webhook_url: str
    hotline_webhook_secret: str
    hotline_timeout_seconds: float
    # Office hours of the human agents (working days); outside them citizens are told so.
    office_hours: tuple[str, str]
    # A handed-off conversation nobody took over returns to the bot after this long.
    handoff_timeout_minutes: int
    # Conversations, applications, tickets and feedback older than this are purged.
    retention_days: int
    # Interface the action server listens on: only the Rasa server calls it.
    actions_host: str = _LOOPBACK
    # The Rasa HTTP API's token (RASA_API_TOKEN); empty: `rasa_api_token` generates one.
    api_token: str = ""
    # How long the tracker store retries while a database server is unreachable (0: never).
    tracker_store_retry_seconds: float = 5.0
    # Redis lock store (bot/lock_store.py); empty: in memory, one process only.
    lock_store_url: str = ""
    # Where the hand-off worker and the staff console reach Rasa's HTTP API (RASA_API_URL),
    # e.g. through nginx in front of several Rasa servers; empty: this machine's Rasa server.
    rasa_api_base: str = ""
    # Redis for the WeChat channel's shared state (bot/channels/wechat/shared_state.py: one
    # processing per message across processes, buttons, hand-offs, rate limit); empty: the
    # lock store's Redis, and without either, this process's memory.
    state_store_url: str = ""
    # Sanic worker processes per Rasa server (more than one needs `lock_store_url`).
    sanic_workers: int = 1
    # The staff console (console/): its port and interface, and whether its session cookie is
    # marked Secure (production, behind nginx with TLS: CONSOLE_SECURE_COOKIES=1).
    console_port: int = 5010
    console_host: str = _LOOPBACK
    console_secure_cookies: bool = False
    # The WECHAT_* variables, as given: `WeChatConfig.from_env` (bot/channels/wechat/config.py)
    # checks them where the channel is built, so that an unusable one disables the WeChat
    # channel only (its endpoint says 503 and why) instead of stopping the whole server.
    wechat_environment: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "Settings":
        """The settings `environ` describes, defaults for the variables it lacks.

        Input: any mapping of variable names to values (os.environ, a dict in a test); it
        is only read. Output: the settings. Raises `SettingsError` naming the first variable
        whose value is unusable: a number that is not one or out of range, a LOG_LEVEL that
        is not a level name, OFFICE_HOURS that are not `HH:MM-HH:MM`.
        """
        read = _Reader(environ)
        var_dir = Path(read.text("DAXING_VAR_DIR", str(PROJECT_ROOT / "var")))
        return cls(
            bot_port=read.number("BOT_PORT", 5005, int, minimum=0, maximum=65535),
            actions_port=read.number("ACTIONS_PORT", 5055, int, minimum=0, maximum=65535),
            host=read.text("BOT_HOST", "0.0.0.0"),
            database_url=read.text("DATABASE_URL", f"sqlite:///{var_dir / 'daxing.db'}"),
            var_dir=var_dir,
            models_dir=Path(read.text("DAXING_MODELS_DIR", str(PROJECT_ROOT / "models"))),
            log_level=read.log_level("LOG_LEVEL", "INFO"),
            signup_close_working_days=read.number("SIGNUP_CLOSE_WORKING_DAYS", 2, int, minimum=0),
            hotline_number=read.text("HOTLINE_NUMBER", "12345"),
            hotline_webhook_url=read.text("HOTLINE_WEBHOOK_URL", ""),
            hotline_webhook_secret=read.text("HOTLINE_WEBHOOK_SECRET", ""),
            hotline_timeout_seconds=read.number("HOTLINE_TIMEOUT_SECONDS", 5.0, float, minimum=0.001),
            office_hours=read.office_hours("OFFICE_HOURS", "09:00-17:30"),
            handoff_timeout_minutes=read.number("HANDOFF_TIMEOUT_MINUTES", 30, int, minimum=0),
            retention_days=read.number("RETENTION_DAYS", 180, int, minimum=1),
            actions_host=read.text("ACTIONS_HOST", _LOOPBACK),
            api_token=read.text("RASA_API_TOKEN", ""),
            tracker_store_retry_seconds=read.number("TRACKER_STORE_RETRY_SECONDS", 5.0, float, minimum=0),
            lock_store_url=read.text("LOCK_STORE_URL", ""),
            rasa_api_base=read.http_url("RASA_API_URL", ""),
            state_store_url=read.text("STATE_STORE_URL", ""),
            sanic_workers=read.number("SANIC_WORKERS", 1, int, minimum=1),
            console_port=read.number("CONSOLE_PORT", 5010, int, minimum=0, maximum=65535),
            console_host=read.text("CONSOLE_HOST", _LOOPBACK),
            console_secure_cookies=read.flag("CONSOLE_SECURE_COOKIES", False),
            wechat_environment=MappingProxyType(
                {name: value for name, value in environ.items() if name.startswith(WECHAT_PREFIX)}
            ),
        )

    @property
    def plans_dir(self) -> Path:
        """Where `daxing kb add` keeps the plans this deployment added (not the code tree)."""
        return self.var_dir / "plans"

    @property
    def shared_state_url(self) -> str:
        """The Redis the WeChat channel shares its state in ('' : this process's memory)."""
        return self.state_store_url or self.lock_store_url

    @property
    def actions_url(self) -> str:
        """Where this machine reaches the action server (its interface, or loopback)."""
        return f"http://{_reachable(self.actions_host)}:{self.actions_port}"

    @property
    def action_endpoint_url(self) -> str:
        return f"{self.actions_url}/webhook"

    @property
    def api_token_file(self) -> Path:
        """Where the generated API token is kept when RASA_API_TOKEN is not set."""
        return self.var_dir / API_TOKEN_FILE_NAME

    @property
    def rasa_api_url(self) -> str:
        """Where the hand-off worker and the console reach Rasa's HTTP API: RASA_API_URL, or
        this machine's Rasa server (`local_rasa_url`)."""
        return self.rasa_api_base.rstrip("/") or self.local_rasa_url

    @property
    def local_rasa_url(self) -> str:
        """Where this machine reaches its own Rasa server (its interface, or loopback)."""
        return f"http://{_reachable(self.host)}:{self.bot_port}"

    @property
    def console_url(self) -> str:
        """Where this machine reaches the staff console."""
        return f"http://{_reachable(self.console_host)}:{self.console_port}"

    @property
    def rest_webhook_url(self) -> str:
        return f"http://localhost:{self.bot_port}/webhooks/rest/webhook"


class _Reader:
    """Values of one environment mapping, each checked the same way (`SettingsError`)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def text(self, name: str, default: str) -> str:
        """The stripped value; `default` when the variable is unset or blank."""
        return (self.environ.get(name) or "").strip() or default

    def number(
        self, name: str, default: T, kind: Callable[[str], T],
        minimum: float | None = None, maximum: float | None = None,
    ) -> T:
        raw = self.text(name, "")
        if not raw:
            return default
        bounds = " and ".join(
            text for text in (f">= {minimum}" if minimum is not None else "",
                              f"<= {maximum}" if maximum is not None else "") if text
        )
        expected = f"{'an integer' if kind is int else 'a number'}{f' {bounds}' if bounds else ''}"
        try:
            value = kind(raw)
        except ValueError:
            raise SettingsError(name, raw, expected) from None
        if value != value or (minimum is not None and value < minimum) or (  # type: ignore[operator]
            maximum is not None and value > maximum  # type: ignore[operator]
        ):
            raise SettingsError(name, raw, expected)
        return value

    def http_url(self, name: str, default: str) -> str:
        """An http:// or https:// URL with a host; SettingsError otherwise."""
        raw = self.text(name, default)
        if raw and not re.fullmatch(r"https?://[^/\s:]+(:\d{1,5})?(/\S*)?", raw):
            raise SettingsError(name, raw, "an http:// or https:// URL, e.g. http://127.0.0.1:8081")
        return raw

    def flag(self, name: str, default: bool) -> bool:
        """1/true/yes/on or 0/false/no/off (any case); SettingsError otherwise."""
        value = self.text(name, "1" if default else "0").strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(name, value, "1 or 0 (true/false, yes/no, on/off)")

    def log_level(self, name: str, default: str) -> str:
        raw = self.text(name, default)
        if raw.upper() not in LOG_LEVELS:
            raise SettingsError(name, raw, f"one of {', '.join(LOG_LEVELS)}")
        return raw.upper()

    def office_hours(self, name: str, default: str) -> tuple[str, str]:
        raw = self.text(name, default)
        opens, _, closes = (part.strip() for part in raw.partition("-"))
        try:
            start, end = dt.time.fromisoformat(opens), dt.time.fromisoformat(closes)
        except ValueError:
            raise SettingsError(name, raw, "opening and closing time as HH:MM-HH:MM") from None
        if not start < end:
            raise SettingsError(name, raw, "opening and closing time as HH:MM-HH:MM, opening first")
        return opens, closes


def _reachable(interface: str) -> str:
    """The host part of a URL that reaches a server listening on `interface` from here."""
    if interface in _ALL_INTERFACES:
        return _LOOPBACK
    return f"[{interface}]" if ":" in interface else interface


def load_settings() -> Settings:
    """This process's settings: `Settings.from_env(os.environ)`, read now (not at import).

    Called by the composition root (`bot.services`) and by the processes' entry points; a
    test that changes the environment calls it again. Raises `SettingsError`.
    """
    return Settings.from_env(os.environ)


def rasa_api_token(settings: Settings) -> str:
    """The token the Rasa HTTP API requires (Rasa's `--auth-token`, sent as `?token=`).

    Input: settings. Output: RASA_API_TOKEN when set; otherwise the token in
    `settings.api_token_file` (var/rasa-api-token), generated there on first use (mode 0600,
    created atomically, so concurrent first runs agree on one token) and reused afterwards.
    Raises ValueError for a token shorter than 16 characters, OSError if var/ is not writable.
    """
    if settings.api_token:
        return _checked(settings.api_token, "RASA_API_TOKEN")
    path = settings.api_token_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_token(path, secrets.token_urlsafe(32), replace=False)
    return _read_token(path)


def rotate_api_token(settings: Settings) -> Path:
    """Replace the generated token with a new one (the servers use it after a restart).

    Output: the file written. Raises ValueError when RASA_API_TOKEN is set: that token is
    rotated where it is configured, not here.
    """
    if settings.api_token:
        raise ValueError("RASA_API_TOKEN is set: change it where it is configured, then restart")
    settings.api_token_file.parent.mkdir(parents=True, exist_ok=True)
    _write_token(settings.api_token_file, secrets.token_urlsafe(32), replace=True)
    return settings.api_token_file


def _write_token(path: Path, token: str, replace: bool) -> None:
    """Write a 0600 temporary file, then link it into place (or rename over the old one)."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(token + "\n")
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # fails if another process created it first
            except FileExistsError:
                pass
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _read_token(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        log.warning("%s was readable by other users: setting its mode to 0600", path)
        path.chmod(0o600)
    return _checked(path.read_text(encoding="ascii").strip(), str(path))


def _checked(token: str, source: str) -> str:
    if len(token) < MIN_API_TOKEN_LENGTH:
        raise ValueError(f"the Rasa API token from {source} must have at least {MIN_API_TOKEN_LENGTH} characters")
    return token


def subprocess_environment(settings: Settings) -> dict[str, str]:
    """The environment handed to Rasa processes: endpoints.yml reads these variables."""
    env = dict(os.environ)
    env.update(
        {
            "BOT_PORT": str(settings.bot_port),
            "ACTIONS_PORT": str(settings.actions_port),
            "ACTION_ENDPOINT_URL": settings.action_endpoint_url,
            "DATABASE_URL": settings.database_url,
            "DAXING_VAR_DIR": str(settings.var_dir),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
            # Sanic refuses bigger request bodies with 413 (no chat message needs more).
            "SANIC_REQUEST_MAX_SIZE": env.get("SANIC_REQUEST_MAX_SIZE", str(64 * 1024)),
            # Rasa and TensorFlow are chatty; keep the operator's terminal readable.
            "TF_CPP_MIN_LOG_LEVEL": env.get("TF_CPP_MIN_LOG_LEVEL", "2"),
            "RASA_TELEMETRY_ENABLED": "false",
        }
    )
    return env


# An action server receives the whole tracker and the domain with every call (~26 KB plus
# ~3 KB per turn): the 64 KB limit meant for citizens' messages would make custom actions
# fail from about the 10th message of a conversation on.
ACTION_SERVER_REQUEST_MAX_SIZE = 16 * 1024 * 1024


def action_server_environment(settings: Settings) -> dict[str, str]:
    """`subprocess_environment` with the request size and interface of an action server.

    rasa-sdk 3.6 has no --interface option; it listens on SANIC_HOST (its default 0.0.0.0).
    The API token is not passed: the action server never calls the Rasa API.
    """
    env = subprocess_environment(settings)
    env["SANIC_REQUEST_MAX_SIZE"] = str(ACTION_SERVER_REQUEST_MAX_SIZE)
    env["SANIC_HOST"] = settings.actions_host
    env.pop("RASA_API_TOKEN", None)
    return env


def api_client_environment(settings: Settings) -> dict[str, str]:
    """`subprocess_environment` plus RASA_API_TOKEN, for the Rasa server and the hand-off
    worker (which calls the Rasa API). Creates the token file on first use (`rasa_api_token`).
    """
    env = subprocess_environment(settings)
    env["RASA_API_TOKEN"] = rasa_api_token(settings)
    return env


def console_environment(settings: Settings) -> dict[str, str]:
    """`api_client_environment` plus the console's own settings, for the console process
    (console/main.py), which calls the Rasa API to relay staff replies."""
    env = api_client_environment(settings)
    env.update({
        "CONSOLE_PORT": str(settings.console_port),
        "CONSOLE_HOST": settings.console_host,
        "CONSOLE_SECURE_COOKIES": "1" if settings.console_secure_cookies else "0",
        "BOT_HOST": settings.host,
    })
    return env
