"""End to end: with HOTLINE_NUMBER set, every channel names that number, never 12345.

An assistant of its own (the real Rasa server, action server and hand-off worker on free
ports, a throw-away database) started with HOTLINE_NUMBER=96156 — the shared
`running_assistant` keeps the default, which older tests assert. Replies over REST (the
actions' {hotline}, the answer engine's refusals, the hand-off and sign-up paths), over
WeChat (the stand-in of WeChat's servers), and in the web widget in headless Chromium (its
own texts from GET /widget/config, the demo page, answers over socket.io).
"""
from __future__ import annotations

import itertools
import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bot import rasa_project
from bot.settings import load_settings
from kb.store import build, plan_files
from ops.supervisor import Assistant, free_port
from tests.browser_fixtures import browser  # noqa: F401  (fixture)
from tests.conftest import RunningAssistant
from tests.rasa_api import trigger_intent
from tests.wechat_standin import WeChatApiStandIn, WeChatServerStandIn

pytestmark = pytest.mark.system

NUMBER = "96156"
DEFAULT = re.compile(r"(?<!\d)12345(?!\d)")
TIMEOUT_MS = 30_000
_senders = itertools.count(1)


@pytest.fixture(scope="module")
def hotline_assistant(
    tmp_path_factory: pytest.TempPathFactory, wechat_api: WeChatApiStandIn
) -> Iterator[RunningAssistant]:
    """The assistant with HOTLINE_NUMBER=96156 (the WeChat channel on, pointed at the
    session's API stand-in by `wechat_api`); the environment is restored afterwards."""
    var_dir = tmp_path_factory.mktemp("var-hotline")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOTLINE_NUMBER", NUMBER)
        env.delenv("HOTLINE_WEBHOOK_URL", raising=False)  # tickets wait for operators
        env.delenv("HOTLINE_WEBHOOK_SECRET", raising=False)
        env.setenv("BOT_PORT", str(free_port()))
        env.setenv("ACTIONS_PORT", str(free_port()))
        env.setenv("CONSOLE_PORT", str(free_port()))
        env.setenv("BOT_HOST", "127.0.0.1")
        env.setenv("DAXING_VAR_DIR", str(var_dir))
        env.setenv("DATABASE_URL", f"sqlite:///{var_dir / 'daxing.db'}")
        settings = load_settings()
        assert settings.hotline_number == NUMBER
        build(settings.database_url, plan_files())
        assistant = Assistant(settings=settings, model=rasa_project.train_if_needed(settings),
                              log_dir=var_dir / "logs")
        assistant.start()
        try:
            yield RunningAssistant(settings, assistant)
        finally:
            assistant.stop()


def sender() -> str:
    return f"hotline-setting-{next(_senders)}"


def named(reply: str) -> bool:
    """The reply names the configured number and never the default one."""
    return NUMBER in reply and not DEFAULT.search(reply)


# ------------------------------------------------------------------ REST


@pytest.mark.parametrize("turns", [
    ["热线电话是多少"],  # action_tell_hotline: utter_hotline
    ["你是机器人吗"],  # utter_identity
    ["帮我订一张去上海的机票"],  # utter_out_of_scope
    ["孩子上幼儿园要交啥材料"],  # the answer engine: a detail the plans never give
    ["医保讲座在哪开啊具体哪天"],  # the answer engine: no date or place in the plans
    ["今年的开放日报名开始了没"],  # the answer engine: only an older year's plans
    ["我们楼道灯坏了一个月没人修"],  # utter_complaint_to_hotline
    ["转人工"],  # utter_handoff_requested
    ["转人工", "热线电话是多少"],  # utter_hotline_during_handoff
    ["转人工", "不用"],  # utter_handoff with the ticket, and the office-hours reply
    ["转人工", "算了"],  # utter_handoff_cancelled
    ["我要报名"],  # utter_no_open_sessions (no session imported)
], ids=lambda turns: "→".join(turns))
def test_rest_replies_name_the_configured_number(
    hotline_assistant: RunningAssistant, turns: list[str]
) -> None:
    who = sender()
    replies = [hotline_assistant.texts(who, turn) for turn in turns]
    assert all(not DEFAULT.search(reply) for reply in replies), replies
    assert named(replies[-1]), replies


def test_two_misunderstandings_name_the_configured_number(hotline_assistant: RunningAssistant) -> None:
    """utter_default, then utter_not_understood_twice (triggered as NLU fallback)."""
    who = sender()
    replies = [trigger_intent(hotline_assistant, who, "nlu_fallback") for _ in range(2)]
    assert all(named(reply) for reply in replies), replies


# ------------------------------------------------------------------ WeChat


def test_wechat_replies_name_the_configured_number(
    hotline_assistant: RunningAssistant, wechat_api: WeChatApiStandIn
) -> None:
    hotline_assistant.say("hotline-warm-up", "医保宣讲是哪个单位负责的")  # the KB snapshot
    wechat = WeChatServerStandIn(f"{hotline_assistant.base_url}/webhooks/wechat/webhook")
    openid = f"o-hotline-{next(_senders)}"
    result = wechat.text(openid, "热线电话是多少")
    text = result.text
    if not text:  # later than WeChat's 5 seconds: delivered through the customer-service API
        sent = wechat_api.wait_for(lambda s: any(m.get("touser") == openid for m in s))
        text = "\n".join(str(m.get("text", {}).get("content", "")) for m in sent if m.get("touser") == openid)
    assert result.status == 200 and named(text), text


# ------------------------------------------------------------------ the web widget


def test_widget_config_and_demo_page_carry_the_configured_number(
    hotline_assistant: RunningAssistant,
) -> None:
    with urllib.request.urlopen(f"{hotline_assistant.base_url}/widget/config", timeout=30) as response:
        assert response.status == 200 and "application/json" in response.headers["Content-Type"]
        assert json.loads(response.read()) == {"hotline": NUMBER}
    with urllib.request.urlopen(f"{hotline_assistant.base_url}/widget/demo", timeout=30) as response:
        page = response.read().decode("utf-8")
        assert response.headers["Cache-Control"] == "public, max-age=300"
    assert page.count(NUMBER) == 2 and "{{hotline}}" not in page and not DEFAULT.search(page)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context that fails the test on JavaScript errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    errors: list[str] = []
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], errors


def open_widget(page: Page, assistant: RunningAssistant) -> None:
    page.goto(f"{assistant.base_url}/widget/demo")
    page.get_by_role("button", name="打开大兴政务咨询助手").click()
    expect(page.get_by_role("dialog", name="大兴政务咨询助手")).to_be_visible()


def test_the_widget_names_the_configured_number(page: Page, hotline_assistant: RunningAssistant) -> None:
    open_widget(page, hotline_assistant)
    expect(page.locator(".dxw-subtitle")).to_have_text(f"依据区政务公开工作方案答复 · 人工服务请拨打 {NUMBER}")
    expect(page.locator("footer")).to_contain_text(f"北京 {NUMBER} 市民服务热线")
    box = page.get_by_role("textbox", name="输入您的问题")
    box.fill("热线电话是多少")
    box.press("Enter")
    answer = page.get_by_role("log", name="对话记录").locator(".dxw-bot").last
    expect(answer).to_contain_text(NUMBER)
    assert not DEFAULT.search(page.locator(".dxw-root").inner_text())


def test_the_widget_offline_texts_name_the_configured_number(
    page: Page, hotline_assistant: RunningAssistant
) -> None:
    """Without the socket.io client: the connection's status, then (30 s later, on the
    page's fake clock) the no-answer notice, both with the configured number."""
    page.route("**/socket.io.min.js", lambda route: route.abort())
    page.clock.install()
    open_widget(page, hotline_assistant)
    expect(page.locator(".dxw-status")).to_have_text(f"聊天服务暂时不可用，请稍后再试，或拨打 {NUMBER} 市民服务热线。")
    box = page.get_by_role("textbox", name="输入您的问题")
    box.fill("医保宣讲是哪个单位负责的")
    box.press("Enter")
    page.clock.run_for(31_000)
    expect(page.locator(".dxw-notice").last).to_have_text(f"暂时没有收到答复，请稍后再试，或拨打 {NUMBER} 市民服务热线。")
