"""WeChat in the production profile with its state in Redis (issue 19): two Rasa servers,
each with two Sanic workers (SANIC_WORKERS=2), behind nginx, the WeChat channel on and
pointed at the API stand-in. WeChat's retries of one message reach both servers directly
and nginx: the message is processed once, and every retry gets the same reply."""
from __future__ import annotations

import concurrent.futures
import json
import time
import urllib.request
from collections.abc import Iterator

import pytest


from ops.profile import ProductionProfile
from ops.supervisor import authenticated
from tests.wechat_fixtures import wechat_environment
from tests.wechat_standin import WeChatApiStandIn, WeChatServerStandIn, message_xml


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory, wechat_api: WeChatApiStandIn) -> Iterator[ProductionProfile]:
    running = ProductionProfile(
        rasa_servers=2, action_servers=1, sanic_workers=2,
        log_dir=tmp_path_factory.mktemp("profile-wechat-logs"),
        env={"HOTLINE_WEBHOOK_URL": "", "HOTLINE_WEBHOOK_SECRET": "", **wechat_environment(wechat_api.base_url)},
    )
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _user_texts(profile: ProductionProfile, openid: str) -> list[str]:
    url = authenticated(f"{profile.api_url}/conversations/{openid}/tracker", profile.api_token)
    with urllib.request.urlopen(url, timeout=30) as response:
        events = json.loads(response.read())["events"]
    return [e["text"] for e in events if e["event"] == "user"]


def test_retries_of_one_message_reaching_both_servers_are_processed_once(
        profile: ProductionProfile, wechat_api: WeChatApiStandIn) -> None:
    openid = f"o-profile-retry-{int(time.time())}"
    xml = message_xml(openid, "text", {"Content": "医保宣讲是哪个单位负责的"}, msg_id=int(time.time() * 1000))
    targets = [*profile.rasa_urls, *profile.rasa_urls, profile.url]  # each server twice, then nginx

    def push(base_url: str) -> dict:
        wechat = WeChatServerStandIn(f"{base_url}/webhooks/wechat/webhook")
        query, body = wechat.request_for(xml, "safe")  # a retry: the same message, a new signature
        result = wechat.post(query, body, timeout=30)
        assert result.status == 200
        return result.reply or {}

    with concurrent.futures.ThreadPoolExecutor(len(targets)) as pool:
        futures = []
        for url in targets:
            futures.append(pool.submit(push, url))
            time.sleep(0.15)  # WeChat retries while the first is being answered
        replies = [f.result() for f in futures]

    # The turn is stored when it ends, which on a loaded machine may be after the replies
    # (WeChat's 5-second window): wait for it, then check it is there once, in one process.
    deadline = time.monotonic() + 60
    while not _user_texts(profile, openid) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # time for a second processing to be stored, were there one
    assert _user_texts(profile, openid) == ["医保宣讲是哪个单位负责的"]  # once, in one process
    answered = {r["Content"] for r in replies if r.get("Content")}
    assert len(answered) <= 1  # every retry answered within the window: the same reply
    if answered:
        assert "医保局" in answered.pop()
    else:
        # The turn ran past the window (a server's first turn on a busy machine): every retry
        # got "success", and the answer went out once through the customer-service API.
        sent = wechat_api.wait_for(lambda s: any(m.get("touser") == openid for m in s), timeout=30)
        delivered = [m for m in sent if m.get("touser") == openid]
        texts = [m["text"]["content"] if m["msgtype"] == "text" else m["msgmenu"]["head_content"]
                 for m in delivered]
        assert len(delivered) == 1 and "医保局" in texts[0]


def test_numbered_buttons_chosen_on_the_other_server(profile: ProductionProfile) -> None:
    # The buttons of a reply given by one server; the citizen's "1" reaches the other.
    openid = f"o-profile-buttons-{int(time.time())}"
    first, second = (WeChatServerStandIn(f"{url}/webhooks/wechat/webhook") for url in profile.rasa_urls)
    menu = first.text(openid, "你能做什么", msg_id=int(time.time() * 1000))
    assert menu.status == 200 and "1" in (menu.reply or {}).get("Content", "")
    chosen = second.text(openid, "1", msg_id=int(time.time() * 1000) + 1)
    assert chosen.status == 200
    texts = _user_texts(profile, openid)
    assert texts[0] == "你能做什么" and texts[1] != "1"  # the number became the button's payload
