"""The custom menu: bot/wechat_menu.yml is valid for WeChat and for the assistant, and
`daxing wechat-menu` publishes it through the menu API (against the local stand-in)."""
from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from bot.channels.wechat import load_click_payloads
from bot.channels.wechat.menu import DEFAULT_MENU_FILE, check_menu, domain_intents, load_menu, menu_command
from tests.wechat_fixtures import wechat_environment
from tests.wechat_standin import WeChatApiStandIn

MENU = yaml.safe_load(DEFAULT_MENU_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def standin() -> Iterator[WeChatApiStandIn]:
    api = WeChatApiStandIn()
    api.start()
    yield api
    api.stop()


def test_the_menu_file_is_valid_and_its_intents_exist() -> None:
    assert check_menu(MENU, domain_intents()) == []
    body = load_menu()
    assert len(body["button"]) <= 3
    assert "payload" not in str(body)


def test_the_channel_maps_the_menu_keys_to_intents() -> None:
    payloads = load_click_payloads(DEFAULT_MENU_FILE)
    assert payloads["POLICY_MEDICAL"] == "/ask_medical_insurance"
    assert payloads["ACTIVITIES"] == "/ask_activity_schedule"
    assert payloads["SIGN_UP"] == "/sign_up"
    assert payloads["HUMAN"] == "/request_human"


def broken(change: Any) -> list[str]:
    menu = copy.deepcopy(MENU)
    change(menu)
    return check_menu(menu, domain_intents())


def test_check_menu_names_each_problem() -> None:
    assert any("top-level" in p for p in broken(lambda m: m["button"].append(dict(m["button"][2], key="X"))))
    assert any("bytes" in p for p in broken(lambda m: m["button"][2].update(name="人工服务热线电话")))
    assert any("not in the domain" in p for p in broken(lambda m: m["button"][2].update(payload="/no_such_intent")))
    assert any("used twice" in p for p in broken(lambda m: m["button"][0]["sub_button"][1].update(key="POLICY_MEDICAL")))
    assert any("needs a `payload`" in p for p in broken(lambda m: m["button"][2].pop("payload")))
    assert any("exactly one" in p for p in broken(lambda m: m["button"][2].update(url="https://x.example")))
    assert any("sub-buttons" in p for p in broken(lambda m: m["button"][0]["sub_button"].extend(
        [{"name": f"b{i}", "key": f"K{i}", "payload": "/greet"} for i in range(3)])))
    assert check_menu({"nothing": 1}, set()) == ["the file must have a `button:` list"]


def test_dry_run_prints_wechat_json() -> None:
    result = CliRunner().invoke(menu_command, ["--dry-run"])
    assert result.exit_code == 0, result.output
    assert '"key": "POLICY_MEDICAL"' in result.output and '"type": "click"' in result.output


def test_publish_through_the_menu_api(standin: WeChatApiStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in wechat_environment(standin.base_url).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(menu_command, [])
    assert result.exit_code == 0, result.output
    assert standin.menus[-1] == load_menu()
    assert standin.menus[-1]["button"][2] == {"type": "click", "name": "人工服务", "key": "HUMAN"}

    standin.fail_next(40164, api="token")
    result = CliRunner().invoke(menu_command, [])
    assert result.exit_code != 0 and "IP allowlist" in result.output

    monkeypatch.delenv("WECHAT_APP_SECRET")
    result = CliRunner().invoke(menu_command, [])
    assert result.exit_code != 0 and "WECHAT_APP_SECRET" in result.output


def test_an_invalid_menu_file_is_not_published(tmp_path: Any) -> None:
    menu = copy.deepcopy(MENU)
    menu["button"][2]["payload"] = "/no_such_intent"
    path = tmp_path / "menu.yml"
    path.write_text(yaml.safe_dump(menu, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(menu_command, ["--file", str(path), "--dry-run"])
    assert result.exit_code != 0 and "no_such_intent" in result.output
