"""The website chat widget in a real headless Chromium, against the real running servers.

Debian's /usr/bin/chromium (installed by `make setup`) driven by Playwright's Python
package; no browser is downloaded (never `playwright install`). The widget is served by the
Rasa server itself (bot/channels/widget.py) and talks to Rasa's socketio channel.

Helpers `send(page, text)` and `click_button(page, title)` return the assistant's reply,
so a conversation (e.g. a sign-up with the demo schedule) reads as a list of steps.
"""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.channels.widget import parse_feedback
from handoff.service import HandoffService
from tests.browser_fixtures import browser  # noqa: F401  (fixture)
from tests.conftest import RunningAssistant

from playwright.sync_api import Browser, Locator, Page, expect

SCREENS = Path("/tmp/widget-screens")
REPLY_TIMEOUT_MS = 30_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

HOT_QUESTIONS = ["医保政策宣讲讲什么？", "政务开放日有哪些开放点？", "最近有什么活动？",
                 "怎么报名参加活动？", "我要找人工客服"]


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def new_page(browser: Browser, running_assistant: RunningAssistant) -> Iterator[Callable[..., Page]]:
    """Pages in fresh browser contexts (empty localStorage) that fail the test on JS errors."""
    contexts = []
    errors: list[str] = []

    def make(viewport: dict = DESKTOP, **options) -> Page:  # type: ignore[type-arg]
        context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(REPLY_TIMEOUT_MS)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript errors or dialogs in the page: {errors}"


def demo_url(assistant: RunningAssistant) -> str:
    return f"{assistant.base_url}/widget/demo"


# ---------------------------------------------------------------- helpers


def open_widget(page: Page) -> None:
    """Open the chat panel (if a reload has not already reopened it)."""
    if page.locator(".dxw-panel").is_hidden():
        page.get_by_role("button", name="打开大兴政务咨询助手").click()
    expect(page.get_by_role("dialog", name="大兴政务咨询助手")).to_be_visible()


def chat_log(page: Page) -> Locator:
    return page.get_by_role("log", name="对话记录")


def _reply_to(page: Page, act: Callable[[], None]) -> str:
    """Do `act`, wait for the assistant's whole reply (it may come in several messages)."""
    turns = page.locator(".dxw-turn")
    before = turns.count()
    act()
    page.wait_for_function(
        "n => document.querySelectorAll('.dxw-turn').length > n", arg=before,
        timeout=REPLY_TIMEOUT_MS,
    )
    # Rasa sends each paragraph and the buttons as separate socket.io events.
    text, stable_since = "", time.monotonic()
    deadline = time.monotonic() + REPLY_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        now = "\n".join(turns.nth(i).inner_text() for i in range(before, turns.count()))
        if now != text:
            text, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since > 0.6:
            break
        time.sleep(0.1)
    expect(page.locator(".dxw-typing")).to_be_hidden()
    return text


def send(page: Page, text: str) -> str:
    """Type `text`, press Enter; return the assistant's reply as shown."""
    def act() -> None:
        box = page.get_by_role("textbox", name="输入您的问题")
        box.fill(text)
        box.press("Enter")
        expect(chat_log(page).locator(".dxw-user").last).to_have_text(f"我：{text}")

    return _reply_to(page, act)


def click_button(page: Page, title: str) -> str:
    """Click the newest button `title` in the conversation; return the assistant's reply."""
    def act() -> None:
        chat_log(page).get_by_role("button", name=title, exact=True).last.click()
        expect(chat_log(page).locator(".dxw-user").last).to_have_text(f"我：{title}")

    return _reply_to(page, act)


def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path))
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENS / name)
    return path


def session_id(page: Page) -> str:
    return page.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('daxing-chat-widget:')))).sessionId"
    )


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize(
    "body, problem",
    [
        (b"{not json", "JSON"),
        (b"[1]", "object"),
        (b'{"sender_id": "s", "text": "t", "rating": "good"}', "rating"),
        (b'{"text": "t", "rating": "satisfied"}', "sender_id"),
        (b'{"sender_id": "s", "rating": "satisfied"}', "message_id or text"),
        (b'{"sender_id": 5, "text": "t", "rating": "satisfied"}', "string"),
    ],
)
def test_bad_feedback_is_refused(body: bytes, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_feedback(body)


def test_feedback_fields_are_mapped_for_storage() -> None:
    fields = parse_feedback(
        '{"sender_id": "s1", "message_id": "t1", "text": "答复", "question": "问", "rating": "unsatisfied"}'.encode()
    )
    assert fields == {"sender_id": "s1", "satisfied": False, "message_id": "t1", "answer": "答复", "question": "问"}
    with pytest.raises(ValueError, match="longer"):
        parse_feedback(('{"sender_id": "s", "text": "%s", "rating": "satisfied"}' % ("长" * 4001)).encode())


def test_assets_are_served_by_the_rasa_server(running_assistant: RunningAssistant) -> None:
    import urllib.error
    import urllib.request

    # widget.js loads its parts (conversation.js, connection.js, messages.js) from /widget/.
    for name, kind in [("widget.js", "javascript"), ("conversation.js", "javascript"),
                       ("connection.js", "javascript"), ("messages.js", "javascript"),
                       ("widget.css", "text/css"), ("socket.io.min.js", "javascript"),
                       ("demo", "text/html")]:
        with urllib.request.urlopen(f"{running_assistant.base_url}/widget/{name}") as response:
            assert response.status == 200 and kind in response.headers["Content-Type"]
            assert response.headers["Cache-Control"] == "public, max-age=300"
    bad = urllib.request.Request(
        f"{running_assistant.base_url}/widget/feedback", data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(bad)
    assert error.value.code == 400


def test_conversation_with_citations_buttons_feedback_and_reload(
    new_page: Callable[..., Page], running_assistant: RunningAssistant, tmp_path: Path
) -> None:
    page = new_page()
    page.goto(demo_url(running_assistant))
    expect(page.get_by_role("heading", name="北京市大兴区人民政府")).to_be_visible()
    open_widget(page)
    expect(page.get_by_role("textbox", name="输入您的问题")).to_be_focused()
    expect(chat_log(page)).to_contain_text("热点问题")
    for question in HOT_QUESTIONS:
        expect(chat_log(page).get_by_role("button", name=question, exact=True)).to_be_visible()

    answer = send(page, "医保宣讲是哪个单位负责的")
    assert "医保局" in answer and "来源：" in answer

    # The answer suggests related questions as buttons; a click asks the first one.
    turn = page.locator(".dxw-turn").last
    suggestion = turn.locator(".dxw-choice").first.inner_text()
    follow_up = click_button(page, suggestion)
    assert "来源：" in follow_up or "12345" in follow_up
    # Older buttons stay usable.
    expect(turn.locator(".dxw-choice").first).to_be_enabled()

    # 满意 on the first answer: the POST succeeds and the rating is stored.
    first = page.locator(".dxw-turn").first
    with page.expect_response(lambda r: r.url.endswith("/widget/feedback")) as posted:
        first.get_by_role("button", name="评价：满意").click()
    assert posted.value.status == 200
    expect(first.get_by_role("button", name="评价：满意")).to_have_attribute("aria-pressed", "true")
    sender = session_id(page)
    [rating] = HandoffService(running_assistant.settings.database_url, False).feedback_of(sender)
    assert rating.satisfied and "医保局" in (rating.answer or "")
    assert rating.question == "医保宣讲是哪个单位负责的"

    screenshot(page, tmp_path, "widget-desktop.png")

    # After a reload the same conversation is shown (and continues in the same session).
    shown = chat_log(page).inner_text()
    page.reload()
    open_widget(page)
    expect(chat_log(page)).to_contain_text("医保宣讲是哪个单位负责的")
    assert chat_log(page).inner_text() == shown
    expect(page.locator(".dxw-turn").first.get_by_role("button", name="评价：满意")) \
        .to_have_attribute("aria-pressed", "true")
    send(page, "它讲啥内容")
    assert session_id(page) == sender
    tracker = running_assistant.tracker(sender)
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said[0] == "医保宣讲是哪个单位负责的" and said[-1] == "它讲啥内容"


def test_two_unsatisfied_ratings_hand_off_but_typing_the_payload_does_not(
    new_page: Callable[..., Page], running_assistant: RunningAssistant
) -> None:
    """The widget's own /negative_feedback (after two 不满意) is marked as the widget's and
    hands the conversation to a person; the same text typed into the box is a typed command."""
    from bot.channels.inbound import CHANNEL_PAYLOAD, TYPED_COMMAND
    from bot.channels.polite import reply_text

    page = new_page()
    page.goto(demo_url(running_assistant))
    open_widget(page)
    assert "医保局" in send(page, "医保宣讲是哪个单位负责的")
    assert reply_text(TYPED_COMMAND) in send(page, "/negative_feedback")
    sender = session_id(page)
    assert not HandoffService(running_assistant.settings.database_url, False).open_ticket_of(sender)

    unsatisfied = chat_log(page).get_by_role("button", name="评价：不满意")
    for index in range(2):
        with page.expect_response(lambda r: r.url.endswith("/widget/feedback")) as posted:
            unsatisfied.nth(index).click()
        assert posted.value.status == 200
    expect(chat_log(page).locator(".dxw-user").last).to_have_text("我：转人工服务")
    expect(chat_log(page)).to_contain_text("转接人工服务", timeout=REPLY_TIMEOUT_MS)
    deadline = time.monotonic() + 10  # the reply is shown before the turn is stored
    while True:
        said = [e for e in running_assistant.tracker(sender)["events"] if e["event"] == "user"]
        if len(said) > 1 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [e["text"] for e in said] == ["医保宣讲是哪个单位负责的", "/negative_feedback"]
    assert said[-1]["parse_data"]["intent"]["name"] == "negative_feedback"
    assert said[-1]["metadata"][CHANNEL_PAYLOAD] == "/negative_feedback"


def test_message_text_is_shown_as_text_never_as_html(
    new_page: Callable[..., Page], running_assistant: RunningAssistant
) -> None:
    page = new_page()
    page.goto(demo_url(running_assistant))
    open_widget(page)
    attack = "<img src=x onerror=alert(1)>"
    send(page, attack)
    expect(chat_log(page).locator(".dxw-user").last).to_have_text(f"我：{attack}")
    assert chat_log(page).locator("img, script").count() == 0

    # A bot message with markup, as the history would replay it after a reload.
    key = page.evaluate("() => Object.keys(localStorage).find(k => k.startsWith('daxing-chat-widget:'))")
    page.evaluate(
        """key => {
            const state = JSON.parse(localStorage.getItem(key));
            state.entries.push({type: "bot", turn: "evil", text:
              "<script>alert(2)</script><b>粗体</b>\\n详见 https://www.bjdx.gov.cn/zwgk/ 。",
              buttons: [{title: "<img src=y onerror=alert(3)>", payload: "x"}]});
            localStorage.setItem(key, JSON.stringify(state));
        }""",
        key,
    )
    page.reload()
    open_widget(page)
    bubble = page.locator(".dxw-turn").last.locator(".dxw-bubble")
    expect(bubble).to_contain_text("<script>alert(2)</script><b>粗体</b>")
    assert chat_log(page).locator("img, script, b").count() == 0
    # Line breaks are kept and a URL becomes a link (without the sentence's full stop).
    assert bubble.locator("br").count() == 1
    link = bubble.get_by_role("link")
    expect(link).to_have_attribute("href", "https://www.bjdx.gov.cn/zwgk/")
    expect(link).to_have_attribute("rel", "noopener noreferrer")


def test_keyboard_only_use(new_page: Callable[..., Page], running_assistant: RunningAssistant) -> None:
    page = new_page()
    page.goto(demo_url(running_assistant))
    launcher = page.get_by_role("button", name="打开大兴政务咨询助手")
    launcher.focus()
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name="输入您的问题")
    expect(box).to_be_focused()
    expect(page.get_by_role("button", name="收起大兴政务咨询助手")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Shift+Tab")  # back into the conversation: the hot questions
    expect(chat_log(page).get_by_role("button").last).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(".dxw-panel")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_full_screen_on_a_phone(
    new_page: Callable[..., Page], running_assistant: RunningAssistant, tmp_path: Path
) -> None:
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(demo_url(running_assistant))
    open_widget(page)
    reply = click_button(page, "政务开放日有哪些开放点？")
    assert "开放点" in reply
    box = page.locator(".dxw-panel").bounding_box()
    assert box is not None
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, PHONE["width"], PHONE["height"])
    screenshot(page, tmp_path, "widget-phone.png")
    page.get_by_role("button", name="关闭对话窗口").click()
    expect(page.get_by_role("button", name="打开大兴政务咨询助手")).to_be_visible()


def test_sign_up_for_a_demo_session_in_the_widget_with_a_correction(
    new_page: Callable[..., Page], running_assistant: RunningAssistant, catalogue, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    import sqlalchemy as sa

    from activities.models import ActivitySessionRow, ApplicationRow
    from activities.schedule import import_demo
    from core.db import engine_for

    url = running_assistant.settings.database_url
    with engine_for(url).begin() as connection:
        connection.execute(sa.delete(ApplicationRow.__table__))
        connection.execute(sa.delete(ActivitySessionRow.__table__))
    import_demo(url, catalogue)

    page = new_page()
    page.goto(demo_url(running_assistant))
    open_widget(page)
    choices = send(page, "我想报名参加活动")
    assert "【演示】" in choices and "报名第1场" in choices
    assert "请问您的姓名" in click_button(page, "报名第1场")
    assert "手机号" in send(page, "张小红")
    assert "身份" in send(page, "13912345678")
    assert "单位" in click_button(page, "其他")
    assert "同意" in click_button(page, "无")
    summary = click_button(page, "同意")
    assert "139****5678" in summary and "13912345678" not in summary
    # A correction by the summary's button: the detail is asked again, the summary shown again.
    assert "姓名" in click_button(page, "改姓名")
    corrected = send(page, "张晓红")
    assert "姓名：张晓红" in corrected and "请核对报名信息" in corrected
    saved = click_button(page, "确认提交")
    assert "报名成功" in saved and "演示场次" in saved and "待遴选" in saved
    screenshot(page, tmp_path, "widget-signup.png")
    with engine_for(url).connect() as connection:
        [row] = connection.execute(sa.select(ApplicationRow.__table__)).all()
    assert (row.name, row.phone, row.status, row.channel) == ("张晓红", "13912345678", "待遴选", "socketio")
