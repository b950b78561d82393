"""The WeChat channel's configuration: `WeChatConfig`, and the one reader of the menu file.

Settings come from the environment only (never from credentials.yml, so the server starts
without WeChat credentials; without `WECHAT_TOKEN` the endpoint answers 503), read once by
`WeChatConfig.from_env`: `WECHAT_TOKEN`, `WECHAT_APP_ID`, `WECHAT_APP_SECRET`,
`WECHAT_AES_KEY`, `WECHAT_API_BASE_URL` (https://api.weixin.qq.com),
`WECHAT_PASSIVE_REPLY_SECONDS` (4.0, at most 4.5), `WECHAT_RATE_LIMIT_PER_MINUTE` (10,
0 = off), `WECHAT_REQUIRE_ENCRYPTION` (false), `WECHAT_TIMESTAMP_WINDOW_SECONDS` (300),
`WECHAT_DELIVERY_MAX_ATTEMPTS` (12), `WECHAT_DELIVERY_BACKOFF_SECONDS` (5.0).

The menu file (bot/wechat_menu.yml) is read here for both of its users: the channel maps
the EventKey of a menu click to the button's `payload` (`click_payloads`), and
`daxing wechat-menu` (menu.py) checks and publishes the same buttons (`read_menu_file`).
The credentials.yml entry may name another menu file (`menu_file`) and add or override
mappings (`click_payloads`): `WeChatConfig.from_credentials`.
"""
from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat.delivery import DeliveryPolicy
from bot.settings import PROJECT_ROOT

CHANNEL_NAME = "wechat"
DEFAULT_API_BASE_URL = "https://api.weixin.qq.com"
DEFAULT_MENU_FILE = PROJECT_ROOT / "bot" / "wechat_menu.yml"


class ConfigurationError(ValueError):
    """A WeChat setting is present but unusable; the message says which and why."""


@dataclass(frozen=True)
class WeChatConfig:
    """The channel's settings (module docstring: the variables and their defaults)."""

    token: str = ""
    app_id: str = ""
    app_secret: str = ""
    aes_key: str = ""
    api_base_url: str = DEFAULT_API_BASE_URL
    passive_reply_seconds: float = 4.0
    rate_limit_per_minute: int = 10
    require_encryption: bool = False
    timestamp_window_seconds: int = 300
    click_payloads: Mapping[str, str] = field(default_factory=dict)
    # Late replies (customer-service API): attempts per reply and the first backoff.
    delivery_max_attempts: int = 12
    delivery_backoff_seconds: float = 5.0

    def delivery_policy(self) -> DeliveryPolicy:
        return DeliveryPolicy(
            max_attempts=self.delivery_max_attempts, backoff_seconds=self.delivery_backoff_seconds
        )

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @property
    def can_decrypt(self) -> bool:
        return bool(self.aes_key and self.app_id)

    @property
    def can_call_api(self) -> bool:
        return bool(self.app_id and self.app_secret)

    def crypto(self) -> Optional[WeChatCrypto]:
        return WeChatCrypto(self.token, self.aes_key, self.app_id) if self.can_decrypt else None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] = os.environ, click_payloads: Mapping[str, str] = {}
    ) -> "WeChatConfig":
        """The settings from `environ`; ConfigurationError when one is unusable (a
        malformed EncodingAESKey, a key without app id, a number that is not one)."""

        def get(name: str, default: str = "") -> str:
            return (environ.get(name) or "").strip() or default

        aes_key = get("WECHAT_AES_KEY")
        if aes_key:
            _check_aes_key(aes_key)
        if aes_key and not get("WECHAT_APP_ID"):
            raise ConfigurationError("WECHAT_AES_KEY is set but WECHAT_APP_ID is not")
        try:
            passive = float(get("WECHAT_PASSIVE_REPLY_SECONDS", "4.0"))
            rate = int(get("WECHAT_RATE_LIMIT_PER_MINUTE", "10"))
            window = int(get("WECHAT_TIMESTAMP_WINDOW_SECONDS", "300"))
            attempts = int(get("WECHAT_DELIVERY_MAX_ATTEMPTS", "12"))
            backoff = float(get("WECHAT_DELIVERY_BACKOFF_SECONDS", "5.0"))
        except ValueError as error:
            raise ConfigurationError(f"a WECHAT_* number setting is not a number: {error}")
        return cls(
            token=get("WECHAT_TOKEN"),
            app_id=get("WECHAT_APP_ID"),
            app_secret=get("WECHAT_APP_SECRET"),
            aes_key=aes_key,
            api_base_url=get("WECHAT_API_BASE_URL", DEFAULT_API_BASE_URL).rstrip("/"),
            # WeChat gives up after 5 s; leave room for the network and the encryption.
            passive_reply_seconds=min(max(passive, 0.1), 4.5),
            rate_limit_per_minute=max(rate, 0),
            require_encryption=get("WECHAT_REQUIRE_ENCRYPTION").lower() in {"1", "true", "yes"},
            timestamp_window_seconds=max(window, 1),
            click_payloads=dict(click_payloads),
            delivery_max_attempts=min(max(attempts, 1), 100),
            delivery_backoff_seconds=min(max(backoff, 0.01), 3600.0),
        )

    @classmethod
    def from_credentials(
        cls, credentials: Optional[Mapping[str, Any]], environ: Mapping[str, str] = os.environ
    ) -> tuple["WeChatConfig", Optional[str]]:
        """The settings for the credentials.yml entry (`menu_file`, `click_payloads`) and
        `environ`, and the problem, if any. Never raises ConfigurationError: with an
        unusable setting the config is disabled (the endpoint says 503) and keeps the
        click payloads, and the problem says why."""
        credentials = credentials or {}
        payloads = load_click_payloads(menu_path(credentials.get("menu_file")))
        payloads.update({str(k): str(v) for k, v in (credentials.get("click_payloads") or {}).items()})
        try:
            return cls.from_env(environ, click_payloads=payloads), None
        except ConfigurationError as error:
            return cls(click_payloads=payloads), str(error)


def _check_aes_key(aes_key: str) -> None:
    """The EncodingAESKey is 43 characters of base64 for 32 bytes (WeChat's console shows it)."""
    try:
        key = base64.b64decode(aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(aes_key) != 43 or len(key) != 32:
        raise ConfigurationError("WECHAT_AES_KEY must be the 43-character EncodingAESKey")


# --------------------------------------------------------------------------- the menu file


def menu_path(value: Any = None) -> Path:
    """The menu file a credentials entry names (relative to the project), or the default."""
    path = Path(value or DEFAULT_MENU_FILE)
    return path if path.is_absolute() else PROJECT_ROOT / path


def read_menu_file(path: Path = DEFAULT_MENU_FILE) -> Any:
    """The menu file as YAML data (None when the file does not exist or is empty).
    Errors: yaml.YAMLError when it is not valid YAML, OSError when it cannot be read."""
    if not path.exists():
        return None
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def click_payloads(menu: Any) -> dict[str, str]:
    """EventKey -> payload of the buttons (and sub-buttons) with `key` and `payload` in
    menu data as `read_menu_file` returns it; anything malformed is skipped."""
    payloads: dict[str, str] = {}

    def walk(buttons: Any) -> None:
        for button in buttons or []:
            if not isinstance(button, dict):
                continue
            if button.get("key") and button.get("payload"):
                payloads[str(button["key"])] = str(button["payload"])
            walk(button.get("sub_button"))

    if isinstance(menu, dict):
        walk(menu.get("button"))
    return payloads


def load_click_payloads(menu_file: Path = DEFAULT_MENU_FILE) -> dict[str, str]:
    """EventKey -> payload from the menu file ({} when there is none)."""
    return click_payloads(read_menu_file(menu_file))
