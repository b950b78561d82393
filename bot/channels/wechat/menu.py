"""`daxing wechat-menu`: publish the official account's custom menu from bot/wechat_menu.yml.

The same file, read by the same reader (config.py's `read_menu_file`), tells the WeChat
channel which payload a menu click sends to the assistant (buttons with `key` and
`payload`), so the menu citizens see and what the assistant does with it cannot drift
apart. The command checks WeChat's limits and that every payload's intent exists in the
domain before it calls `/cgi-bin/menu/create`; the credentials come from `WeChatConfig`.
"""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import click
import yaml

from bot.channels.wechat.api import WeChatApi, WeChatApiError
from bot.channels.wechat.config import (
    DEFAULT_MENU_FILE,
    ConfigurationError,
    WeChatConfig,
    read_menu_file,
)
from bot.settings import PROJECT_ROOT, load_settings

DOMAIN_DIR = PROJECT_ROOT / "bot" / "domain"

# https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Creating_Custom-Defined_Menu.html
MAX_TOP_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_TOP_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024

_PAYLOAD = re.compile(r"/([A-Za-z0-9_\-]+)(\{.*\})?\s*", re.DOTALL)

ERROR_HINTS = {
    40164: "this machine's IP is not in the account's IP allowlist (公众平台 → 基本配置 → IP白名单)",
    48001: "the account has no permission for custom menus (unverified subscription account?)",
    40013: "WECHAT_APP_ID is wrong",
    40125: "WECHAT_APP_SECRET is wrong",
}


class MenuError(ValueError):
    """The menu file breaks WeChat's rules or names an unknown intent; one problem a line."""


def domain_intents(domain_dir: Path = DOMAIN_DIR) -> set[str]:
    """Every intent the domain files in `domain_dir` declare."""
    intents: set[str] = set()
    for path in sorted(domain_dir.glob("*.yml")):
        for intent in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or []:
            intents.update(intent if isinstance(intent, dict) else [intent])
    return intents


def _size(text: Any) -> int:
    return len(str(text).encode("utf-8"))


def check_menu(data: Any, intents: set[str]) -> list[str]:
    """Every problem of a menu definition (empty: fine)."""
    if not isinstance(data, dict) or not isinstance(data.get("button"), list):
        return ["the file must have a `button:` list"]
    problems: list[str] = []
    top = data["button"]
    if not 1 <= len(top) <= MAX_TOP_BUTTONS:
        problems.append(f"{len(top)} top-level buttons (WeChat allows 1–{MAX_TOP_BUTTONS})")
    keys: set[str] = set()

    def check(button: Any, where: str, limit: int, may_have_subs: bool) -> None:
        if not isinstance(button, dict):
            problems.append(f"{where}: not a mapping")
            return
        name = button.get("name")
        if not name:
            problems.append(f"{where}: no name")
        elif _size(name) > limit:
            problems.append(f"{where} {name!r}: name is {_size(name)} bytes (max {limit})")
        label = f"{where} {name!r}" if name else where
        subs = button.get("sub_button")
        if subs is not None:
            if not may_have_subs:
                problems.append(f"{label}: sub-buttons cannot have sub-buttons")
            elif not isinstance(subs, list) or not 1 <= len(subs) <= MAX_SUB_BUTTONS:
                problems.append(f"{label}: needs 1–{MAX_SUB_BUTTONS} sub-buttons")
            else:
                for i, sub in enumerate(subs, 1):
                    check(sub, f"{label} › {i}", MAX_SUB_NAME_BYTES, False)
            if button.get("key") or button.get("url"):
                problems.append(f"{label}: a button with sub-buttons has no key or url")
            return
        key, url, payload = button.get("key"), button.get("url"), button.get("payload")
        if bool(key) == bool(url):
            problems.append(f"{label}: needs exactly one of `key` (click) or `url` (web page)")
        if key:
            if _size(key) > MAX_KEY_BYTES:
                problems.append(f"{label}: key longer than {MAX_KEY_BYTES} bytes")
            if key in keys:
                problems.append(f"{label}: key {key} is used twice")
            keys.add(str(key))
            match = _PAYLOAD.fullmatch(str(payload or ""))
            if not payload:
                problems.append(f"{label}: a click button needs a `payload` for the assistant")
            elif not match:
                problems.append(f"{label}: payload {payload!r} is not /intent or /intent{{...}}")
            elif match.group(1) not in intents:
                problems.append(f"{label}: intent {match.group(1)} is not in the domain")
        if url and (not str(url).startswith(("http://", "https://")) or _size(url) > MAX_URL_BYTES):
            problems.append(f"{label}: url must be http(s) and at most {MAX_URL_BYTES} bytes")

    for i, button in enumerate(top, 1):
        check(button, f"button {i}", MAX_TOP_NAME_BYTES, True)
    return problems


def wechat_body(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON for /cgi-bin/menu/create: types added, our `payload` left out."""

    def convert(button: dict[str, Any]) -> dict[str, Any]:
        if button.get("sub_button"):
            return {"name": button["name"], "sub_button": [convert(b) for b in button["sub_button"]]}
        if button.get("key"):
            return {"type": "click", "name": button["name"], "key": str(button["key"])}
        return {"type": "view", "name": button["name"], "url": str(button["url"])}

    return {"button": [convert(b) for b in data["button"]]}


def load_menu(path: Path = DEFAULT_MENU_FILE, domain_dir: Path = DOMAIN_DIR) -> dict[str, Any]:
    """The checked menu as WeChat's JSON; MenuError lists every problem."""
    try:
        data = read_menu_file(path)
    except yaml.YAMLError as error:
        raise MenuError(f"{path.name} is not valid YAML: {error}") from error
    problems = check_menu(data, domain_intents(domain_dir))
    if problems:
        raise MenuError("\n".join(problems))
    return wechat_body(data)


async def publish(menu: dict[str, Any], base_url: str, app_id: str, app_secret: str) -> None:
    """Publish `menu` (WeChat's JSON) through /cgi-bin/menu/create; WeChatApiError if refused."""
    api = WeChatApi(base_url, app_id, app_secret)
    try:
        await api.create_menu(menu)
    finally:
        await api.close()


@click.command("wechat-menu")
@click.option(
    "--file", "menu_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=DEFAULT_MENU_FILE, show_default=True, help="The menu definition.",
)
@click.option("--dry-run", is_flag=True, help="Check the menu and print WeChat's JSON; publish nothing.")
def menu_command(menu_file: Path, dry_run: bool) -> None:
    """Publish the WeChat official account's menu (needs WECHAT_APP_ID, WECHAT_APP_SECRET)."""
    try:
        menu = load_menu(menu_file)
    except MenuError as error:
        raise click.ClickException(f"{menu_file.name} was not published:\n{error}") from error
    if dry_run:
        click.echo(json.dumps(menu, ensure_ascii=False, indent=2))
        return
    try:
        config = WeChatConfig.from_env(load_settings().wechat_environment)
    except ConfigurationError as error:
        raise click.ClickException(f"{error} (see docs/wechat.md)") from error
    if not config.can_call_api:
        raise click.ClickException("set WECHAT_APP_ID and WECHAT_APP_SECRET (see docs/wechat.md)")
    try:
        asyncio.run(publish(menu, config.api_base_url, config.app_id, config.app_secret))
    except WeChatApiError as error:
        hint = ERROR_HINTS.get(error.errcode)
        raise click.ClickException(f"{error}" + (f" — {hint}" if hint else "")) from error
    count = sum(len(b.get("sub_button", [])) or 1 for b in menu["button"])
    click.echo(f"published the menu from {menu_file.name}: {len(menu['button'])} top-level "
               f"buttons, {count} actions (clients show it within minutes)")
