"""`Settings.from_env`: pure, every value checked once, one `SettingsError` naming the variable."""
from __future__ import annotations

import os
from pathlib import Path
from types import MappingProxyType

import pytest

from bot.settings import PROJECT_ROOT, Settings, SettingsError, load_settings

pytestmark = pytest.mark.unit

# Every numeric variable, with values that are not numbers or out of range.
BAD_NUMBERS = {
    "BOT_PORT": ("http", "70000", "-1", "5005.5"),
    "ACTIONS_PORT": ("x", "65536"),
    "SIGNUP_CLOSE_WORKING_DAYS": ("two", "-1", "1.5"),
    "HOTLINE_TIMEOUT_SECONDS": ("fast", "0", "-3", "nan"),
    "HANDOFF_TIMEOUT_MINUTES": ("half an hour", "-5"),
    "RETENTION_DAYS": ("forever", "0"),
    "TRACKER_STORE_RETRY_SECONDS": ("5s", "-1"),
    "SANIC_WORKERS": ("many", "0"),
}
BAD_OTHERS = {
    "LOG_LEVEL": ("LOUD", "verbose"),
    "OFFICE_HOURS": ("9-5", "09:00", "17:30-09:00", "09:00-25:00"),
}


def test_the_defaults() -> None:
    settings = Settings.from_env({})
    assert (settings.bot_port, settings.actions_port, settings.host) == (5005, 5055, "0.0.0.0")
    assert settings.var_dir == PROJECT_ROOT / "var"
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'daxing.db'}"
    assert settings.models_dir == PROJECT_ROOT / "models"
    assert settings.log_level == "INFO"
    assert settings.signup_close_working_days == 2
    assert settings.hotline_number == "12345"
    assert (settings.hotline_webhook_url, settings.hotline_webhook_secret) == ("", "")
    assert settings.hotline_timeout_seconds == 5.0
    assert settings.office_hours == ("09:00", "17:30")
    assert settings.handoff_timeout_minutes == 30
    assert settings.retention_days == 180
    assert settings.actions_host == "127.0.0.1" and settings.api_token == ""
    assert settings.tracker_store_retry_seconds == 5.0
    assert settings.lock_store_url == "" and settings.sanic_workers == 1
    assert dict(settings.wechat_environment) == {}


def test_blank_values_are_the_defaults() -> None:
    assert Settings.from_env({"BOT_PORT": "  ", "HOTLINE_NUMBER": "", "LOG_LEVEL": " "}) == Settings.from_env({})


def test_from_env_reads_only_the_mapping_it_is_given() -> None:
    before = dict(os.environ)
    first = Settings.from_env(MappingProxyType({
        "BOT_PORT": "6001", "HOTLINE_NUMBER": "96156", "DAXING_VAR_DIR": "/srv/a",
        "TRACKER_STORE_RETRY_SECONDS": "0", "LOCK_STORE_URL": "redis://r:6379/1",
        "SANIC_WORKERS": "4", "LOG_LEVEL": "debug", "OFFICE_HOURS": "08:30-17:00",
        "WECHAT_TOKEN": "t", "WECHAT_APP_ID": "wx1", "OTHER": "ignored",
    }))
    second = Settings.from_env({"BOT_PORT": "6002", "DATABASE_URL": "postgresql://u@h/db"})

    assert os.environ == before  # nothing written
    assert (first.bot_port, second.bot_port) == (6001, 6002)
    assert first.hotline_number == "96156" and second.hotline_number == "12345"
    assert first.var_dir == Path("/srv/a") and first.database_url == "sqlite:////srv/a/daxing.db"
    assert second.database_url == "postgresql://u@h/db"
    assert first.tracker_store_retry_seconds == 0.0
    assert (first.lock_store_url, first.sanic_workers) == ("redis://r:6379/1", 4)
    assert first.log_level == "DEBUG"
    assert first.office_hours == ("08:30", "17:00")
    assert dict(first.wechat_environment) == {"WECHAT_TOKEN": "t", "WECHAT_APP_ID": "wx1"}
    assert dict(second.wechat_environment) == {}


def test_load_settings_is_this_process_environment() -> None:
    assert load_settings() == Settings.from_env(os.environ)


@pytest.mark.parametrize(
    "variable, value",
    [(name, value) for table in (BAD_NUMBERS, BAD_OTHERS) for name, values in table.items() for value in values],
)
def test_an_unusable_value_raises_one_error_naming_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})
    assert raised.value.variable == variable
    assert variable in str(raised.value) and repr(value) in str(raised.value)
    assert isinstance(raised.value, ValueError)  # callers that catch ValueError keep working


@pytest.mark.parametrize("variable", sorted(BAD_NUMBERS))
def test_every_numeric_variable_is_read(variable: str) -> None:
    """Each variable of the table above is a setting (a good value is taken as given)."""
    settings = Settings.from_env({variable: "7"})
    assert 7 in [getattr(settings, field) for field in settings.__dataclass_fields__]


def test_rasa_api_url_says_where_the_worker_and_console_reach_rasa() -> None:
    local = Settings.from_env({"BOT_PORT": "5105"})
    assert local.rasa_api_url == local.local_rasa_url == "http://127.0.0.1:5105"
    behind = Settings.from_env({"BOT_PORT": "5105", "RASA_API_URL": "http://10.0.0.5:8081/"})
    assert behind.rasa_api_url == "http://10.0.0.5:8081"
    assert behind.local_rasa_url == "http://127.0.0.1:5105"  # health checks: this machine's own server


@pytest.mark.parametrize("value", ["10.0.0.5:8081", "ftp://x", "http://", "http://a b"])
def test_an_unusable_rasa_api_url_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="RASA_API_URL"):
        Settings.from_env({"RASA_API_URL": value})


def test_the_wechat_state_is_shared_in_the_state_store_or_the_lock_stores_redis() -> None:
    assert Settings.from_env({}).shared_state_url == ""
    assert Settings.from_env({"LOCK_STORE_URL": "redis://r:6379/1"}).shared_state_url == "redis://r:6379/1"
    both = Settings.from_env({"LOCK_STORE_URL": "redis://r:6379/1", "STATE_STORE_URL": "redis://s:6379/2"})
    assert both.shared_state_url == "redis://s:6379/2"
