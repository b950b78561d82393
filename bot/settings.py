"""All runtime settings in one place, read from the environment with development defaults.

Every process of the assistant (Rasa server, action server, operator CLI, tests) builds its
settings here, so a deployment changes behaviour only through environment variables.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    """Values that differ between a laptop, CI and production."""

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

    @property
    def plans_dir(self) -> Path:
        """Where `daxing kb add` keeps the plans this deployment added (not the code tree)."""
        return self.var_dir / "plans"

    @property
    def action_endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}/webhook"

    @property
    def rasa_api_url(self) -> str:
        return f"http://127.0.0.1:{self.bot_port}"

    @property
    def rest_webhook_url(self) -> str:
        return f"http://localhost:{self.bot_port}/webhooks/rest/webhook"


def load_settings() -> Settings:
    """Read the environment now (not at import), so tests and the runner can override it."""
    var_dir = Path(_env("DAXING_VAR_DIR", str(PROJECT_ROOT / "var")))
    return Settings(
        bot_port=int(_env("BOT_PORT", "5005")),
        actions_port=int(_env("ACTIONS_PORT", "5055")),
        host=_env("BOT_HOST", "0.0.0.0"),
        database_url=_env("DATABASE_URL", f"sqlite:///{var_dir / 'daxing.db'}"),
        var_dir=var_dir,
        models_dir=Path(_env("DAXING_MODELS_DIR", str(PROJECT_ROOT / "models"))),
        log_level=_env("LOG_LEVEL", "INFO"),
        signup_close_working_days=int(_env("SIGNUP_CLOSE_WORKING_DAYS", "2")),
        hotline_number=_env("HOTLINE_NUMBER", "12345"),
        hotline_webhook_url=_env("HOTLINE_WEBHOOK_URL", ""),
        hotline_webhook_secret=_env("HOTLINE_WEBHOOK_SECRET", ""),
        hotline_timeout_seconds=float(_env("HOTLINE_TIMEOUT_SECONDS", "5")),
        office_hours=tuple(_env("OFFICE_HOURS", "09:00-17:30").split("-", 1)),  # type: ignore[arg-type]
        handoff_timeout_minutes=int(_env("HANDOFF_TIMEOUT_MINUTES", "30")),
        retention_days=int(_env("RETENTION_DAYS", "180")),
    )


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
    """`subprocess_environment` with the request size an action server needs."""
    env = subprocess_environment(settings)
    env["SANIC_REQUEST_MAX_SIZE"] = str(ACTION_SERVER_REQUEST_MAX_SIZE)
    return env
