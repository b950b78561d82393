"""Load: many simulated citizens for a fixed time, on one Rasa server and on two.

Each simulated REST citizen repeats a scenario in a fresh conversation: a few policy
questions (60 %), a whole sign-up for a demo session (25 %), or a complaint handed to a
person (15 %). A share of the citizens (`--wechat-share`, default a quarter) write through
WeChat instead: signed, encrypted messages as WeChat's servers push them (the stand-in of
tests/wechat_standin.py, the channel's API pointed at its API stand-in), three questions
each; for them the bench counts the replies given passively, within WeChat's 5-second
window, against those that had to come through the customer-service API (`success`).
For each number of citizens (default 16 and 64) and each profile size (default 1 and 2 Rasa
servers behind nginx, with PostgreSQL and Redis; ops/profile/) it prints turns,
turns/second, latency percentiles, errors and the WeChat passive share, then the throughput
ratio — the baseline is the one-server run of the same run and number of citizens.

Usage: python bench/load.py [--seconds 60] [--citizens 16,64] [--workers 1,2] [--wechat-share 0.25] [--url URL]
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import urllib.parse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUESTIONS = [
    "医保宣讲是哪个单位负责的", "政务开放日有哪些开放点", "最近有什么活动", "开放点9是干什么的",
    "就业方面有什么政策公开", "怎么参加政策公开讲", "工作要点第5项是什么", "你好", "谢谢",
]


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    scenarios: dict[str, int] = field(default_factory=dict)
    completed_sign_ups: int = 0
    wechat_passive: int = 0  # WeChat replies given within the 5-second window
    wechat_later: int = 0  # "success": the reply comes through the customer-service API
    wechat_errors: int = 0

    def wechat_summary(self) -> str:
        asked = self.wechat_passive + self.wechat_later + self.wechat_errors
        if not asked:
            return "no WeChat messages"
        return (f"WeChat: {asked} messages, {self.wechat_passive / asked:.1%} answered passively within "
                f"the 5 s window, {self.wechat_later} through the API, {self.wechat_errors} errors")

    def summary(self, seconds: float) -> str:
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive") if len(self.latencies) > 1 else [0] * 99
        return (
            f"{len(self.latencies)} turns in {seconds:.0f} s = {len(self.latencies) / seconds:6.1f} turns/s; "
            f"p50 {cuts[49]:6.0f} ms  p95 {cuts[94]:6.0f} ms  p99 {cuts[98]:6.0f} ms; errors {self.errors}; "
            f"scenarios {self.scenarios}; sign-ups completed {self.completed_sign_ups}"
        )


class Citizen:
    def __init__(self, http: aiohttp.ClientSession, url: str, figures: Figures, number: int) -> None:
        self.http, self.url, self.figures, self.number = http, url, figures, number
        self.runs = 0

    async def say(self, sender: str, text: str) -> list[dict]:
        started = time.perf_counter()
        try:
            async with self.http.post(f"{self.url}/webhooks/rest/webhook",
                                      json={"sender": sender, "message": text}) as response:
                body = await response.read()
                if response.status != 200:
                    self.figures.errors += 1
                    return []
        except (aiohttp.ClientError, asyncio.TimeoutError):
            self.figures.errors += 1
            return []
        self.figures.latencies.append((time.perf_counter() - started) * 1000)
        return json.loads(body)

    async def questions(self, sender: str) -> None:
        for text in random.sample(QUESTIONS, 3):
            await self.say(sender, text)

    async def sign_up(self, sender: str) -> None:
        replies = await self.say(sender, "我要报名")
        buttons = [b for m in replies for b in m.get("buttons", []) if b["payload"].startswith("/sign_up")]
        if not buttons:
            return
        phone = f"15{self.number:03d}{self.runs:06d}"[:11]
        replies = []
        for text in (buttons[0]["payload"], "王小明", phone, '/inform{"identity": "其他"}', "无", "同意", "确认提交"):
            replies = await self.say(sender, text)
        if any("报名成功" in m.get("text", "") for m in replies):
            self.figures.completed_sign_ups += 1

    async def complaint(self, sender: str) -> None:
        await self.say(sender, "我要投诉窗口工作人员态度差")
        await self.say(sender, "不用")

    async def run(self, until: float) -> None:
        scenarios = [(self.questions, 0.60), (self.sign_up, 0.25), (self.complaint, 0.15)]
        while time.monotonic() < until:
            scenario = random.choices([s for s, _ in scenarios], [w for _, w in scenarios])[0]
            self.runs += 1
            await scenario(f"load-{self.number}-{self.runs}-{random.randrange(10**9)}")
            name = scenario.__name__
            self.figures.scenarios[name] = self.figures.scenarios.get(name, 0) + 1


class WeChatCitizen(Citizen):
    """A citizen writing through WeChat: each message signed and encrypted as WeChat's
    servers push it, a new MsgId each time."""

    message_ids = itertools.count(int(time.time() * 1000))

    async def ask(self, openid: str, text: str) -> None:
        from tests.wechat_standin import WeChatServerStandIn, message_xml

        server = WeChatServerStandIn(f"{self.url}/webhooks/wechat/webhook")
        xml = message_xml(openid, "text", {"Content": text}, msg_id=next(self.message_ids))
        query, body = server.request_for(xml, "safe")
        started = time.perf_counter()
        try:
            async with self.http.post(f"{server.webhook_url}?{urllib.parse.urlencode(query)}", data=body,
                                      headers={"Content-Type": "text/xml"}) as response:
                data = await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError):
            self.figures.errors += 1
            self.figures.wechat_errors += 1
            return
        self.figures.latencies.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            self.figures.errors += 1
            self.figures.wechat_errors += 1
        elif data.strip().startswith(b"<xml") and server.decode_reply(data, query).get("Content"):
            self.figures.wechat_passive += 1
        else:
            self.figures.wechat_later += 1

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            self.runs += 1
            openid = f"o-load-{self.number}-{self.runs}-{random.randrange(10**9)}"
            for text in random.sample(QUESTIONS, 3):
                await self.ask(openid, text)
            self.figures.scenarios["wechat"] = self.figures.scenarios.get("wechat", 0) + 1


async def load(url: str, seconds: float, citizens: int, wechat_share: float = 0.0) -> Figures:
    figures = Figures()
    timeout = aiohttp.ClientTimeout(total=60)
    on_wechat = round(citizens * wechat_share)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        until = time.monotonic() + seconds
        await asyncio.gather(*((WeChatCitizen if n < on_wechat else Citizen)(http, url, figures, n).run(until)
                               for n in range(citizens)))
    return figures


def run_profile(workers: int, seconds: float, citizens: int, wechat_share: float = 0.0) -> Figures:
    from activities.catalogue import Catalogue
    from activities.schedule import import_demo
    from kb.answers import CachedEngine
    from ops.profile import ProductionProfile
    from tests.wechat_fixtures import wechat_environment
    from tests.wechat_standin import WeChatApiStandIn

    api = WeChatApiStandIn()  # WeChat's token and customer-service APIs, for late replies
    env = wechat_environment(api.start())
    try:
        with ProductionProfile(rasa_servers=workers, action_servers=2, env=env) as profile:
            # Open sessions to sign up for: the labelled demo schedule, in this profile's database.
            import_demo(profile.database_url, Catalogue(CachedEngine(profile.database_url).get()))
            return asyncio.run(load(profile.url, seconds, citizens, wechat_share))
    finally:
        api.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--citizens", default="16,64", help="simulated citizens per run, comma-separated")
    parser.add_argument("--workers", default="1,2", help="Rasa servers per profile run, comma-separated")
    parser.add_argument("--wechat-share", type=float, default=0.25, help="share of citizens on WeChat")
    parser.add_argument("--url", help="Load an assistant that is already running instead (REST only)")
    args = parser.parse_args()
    random.seed(2023)
    counts = [int(c) for c in args.citizens.split(",")]
    if args.url:
        for citizens in counts:
            print(f"{args.url}: {asyncio.run(load(args.url, args.seconds, citizens)).summary(args.seconds)}")
        return
    for citizens in counts:
        throughput = {}
        for workers in (int(w) for w in args.workers.split(",")):
            figures = run_profile(workers, args.seconds, citizens, args.wechat_share)
            throughput[workers] = len(figures.latencies) / args.seconds
            print(f"{workers} Rasa server(s), {citizens} citizens: {figures.summary(args.seconds)}\n"
                  f"    {figures.wechat_summary()}")
        baseline = min(throughput)
        for workers, value in throughput.items():
            print(f"{citizens} citizens: throughput with {workers} vs {baseline} server(s): "
                  f"x{value / throughput[baseline]:.2f}")


if __name__ == "__main__":
    main()
