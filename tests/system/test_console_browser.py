"""The take-over loop in Chromium (Debian's, driven by Playwright): the citizen in the website
widget, the agent in the staff console, both pages in the real browser against the running
assistant and the console its supervisor starts. Screenshots go to /tmp/console-screens
(docs/console.md uses them)."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from handoff.service import HandoffService
from staff.accounts import AccountError, StaffAccounts
from tests.browser_fixtures import browser  # noqa: F401  (fixture)
from tests.conftest import RunningAssistant
from tests.system.test_widget_browser import (  # noqa: F401  (new_page is a fixture)
    REPLY_TIMEOUT_MS, PHONE, chat_log, demo_url, new_page, open_widget, send,
)

from playwright.sync_api import Page, expect

pytestmark = pytest.mark.system
SCREENS = Path("/tmp/console-screens")
PASSWORD = "browser test passphrase"


def logged_in_console(page: Page, assistant: RunningAssistant, name: str = "agent-browser") -> Page:
    try:
        StaffAccounts(assistant.settings.database_url).add(name, "agent", PASSWORD, display_name="李晓华")
    except AccountError:
        pass  # made by an earlier test of this session
    page.goto(f"{assistant.settings.console_url}/login")
    page.get_by_label("登录名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("待处理的人工服务工单"))).to_be_visible()
    return page


def test_a_citizen_in_the_widget_and_an_agent_in_the_console_take_turns_then_the_assistant_answers(
    new_page: Callable[..., Page], running_assistant: RunningAssistant  # noqa: F811
) -> None:
    SCREENS.mkdir(exist_ok=True)
    console = logged_in_console(new_page(), running_assistant)
    expect(console.locator("#live")).to_be_visible()  # the inbox follows the server's events

    citizen = new_page(PHONE)
    citizen.goto(demo_url(running_assistant))
    open_widget(citizen)
    assert "手机号" in send(citizen, "我要找人工客服")
    send(citizen, "不留电话")
    expect(citizen.get_by_role("status").filter(has_text="已转人工")).to_be_visible()
    session = citizen.evaluate("() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
                               ".find(k => k.startsWith('daxing-chat-widget:')))).sessionId")
    ticket = HandoffService.from_settings(running_assistant.settings).open_ticket_of(session)
    assert ticket is not None

    # The ticket appears in the inbox without a reload.
    row = console.get_by_role("row").filter(has_text=ticket.number)
    expect(row).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    expect(row).to_contain_text("网站")
    console.screenshot(path=str(SCREENS / "inbox.png"), full_page=True)
    row.get_by_role("link", name=ticket.number).click()
    expect(console.get_by_role("heading", name=re.compile(ticket.number))).to_be_visible()

    console.get_by_role("button", name="接手此会话").click()
    expect(console.locator("#claimed")).to_have_text("李晓华")  # the name, not the login
    console.get_by_label(re.compile("回复群众")).fill("您好，我是工作人员，请问您想咨询什么？")
    console.get_by_role("button", name="发送").click()
    expect(console.locator("#message")).to_have_text("已发送给群众")

    staff_message = chat_log(citizen).locator(".dxw-staff").last
    expect(staff_message).to_contain_text("您好，我是工作人员，请问您想咨询什么？", timeout=REPLY_TIMEOUT_MS)
    expect(staff_message.locator(".dxw-staff-label")).to_have_text("工作人员（李**）")
    citizen.screenshot(path=str(SCREENS / "widget-staff.png"))

    box = citizen.get_by_role("textbox", name="输入您的问题")
    box.fill("我想问开放日可以带孩子去吗")
    box.press("Enter")
    expect(console.locator("#conversation li.user").last).to_have_text(
        re.compile("我想问开放日可以带孩子去吗"), timeout=REPLY_TIMEOUT_MS)
    console.screenshot(path=str(SCREENS / "ticket.png"), full_page=True)

    # The reload keeps the staff message and the 已转人工 state (the server's history).
    citizen.reload()
    open_widget(citizen)
    expect(chat_log(citizen).locator(".dxw-staff")).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(citizen.get_by_role("status").filter(has_text="已转人工")).to_be_visible()

    console.get_by_label("办结说明（记入工单）").fill("已电话答复：可以带孩子")
    console.get_by_role("button", name="结束人工服务，交回智能助手").click()
    expect(console.locator("#status")).to_have_text("已结束", timeout=REPLY_TIMEOUT_MS)
    expect(chat_log(citizen)).to_contain_text("本次人工服务已结束", timeout=REPLY_TIMEOUT_MS)
    expect(citizen.get_by_role("status").filter(has_text="已转人工")).to_be_hidden()
    assert "医保局" in send(citizen, "医保宣讲是哪个单位负责的")


def test_in_the_browser_a_wrong_password_is_refused_and_five_lock_the_account(
    new_page: Callable[..., Page], running_assistant: RunningAssistant  # noqa: F811
) -> None:
    try:
        StaffAccounts(running_assistant.settings.database_url).add("agent-locked", "agent", PASSWORD)
    except AccountError:
        pass
    page = new_page()
    page.goto(f"{running_assistant.settings.console_url}/tickets")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()  # not logged in: the login page
    for attempt in range(5):
        page.get_by_label("登录名").fill("agent-locked")
        page.get_by_label("密码").fill(f"wrong password {attempt}")
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("已锁定")
    page.get_by_label("登录名").fill("agent-locked")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("已锁定")  # even the right password, for 15 minutes
    page.screenshot(path=str(SCREENS / "locked.png"))
