"""The hand-off worker: delivers due tickets to the hotline system, hands conversations back
to the bot (`action_handed_back`, which tells the citizen and resumes the conversation in
the same run; Rasa's `resume` event after it, since Rasa answers the run 200 even when the
action server failed) when
a ticket is closed or nobody took it over, and relays staff replies the console could not
(Rasa was unreachable when they were written).

Runs as the assistant's third process (`ops.supervisor`); `python -m ops.handoff_worker`.
It lives in ops, not in handoff, because it is a process that reads the settings, the Rasa
API token and installs log masking (bot); the tickets themselves are `handoff.service`. Its
composition root is `run()`: the settings read once, the services built once from them.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal

import aiohttp

from bot import log_masking
from bot.services import Services
from bot.settings import Settings, load_settings, rasa_api_token
from console.rasa import RasaApi
from core.db import migrate

log = logging.getLogger("handoff.worker")  # the name its log lines have always had
POLL_SECONDS = 2.0
# Staff replies the console has not relayed this long after they were written are relayed here.
RELAY_AFTER_SECONDS = 5


class Worker:
    """One round at a time: deliver due tickets, time out, hand conversations back.

    `services`: the process's (`run()` builds them); by default built from `settings`.
    """

    def __init__(
        self, settings: Settings, http: aiohttp.ClientSession, services: Services | None = None
    ) -> None:
        self.settings = settings
        self.http = http
        services = services or Services.from_settings(settings)
        self.service = services.handoff
        self.takeover = services.takeover
        # The Rasa HTTP API requires the token (RASA_API_TOKEN from the runner, else var/).
        self.rasa = RasaApi(settings.rasa_api_url, rasa_api_token(settings), http)

    async def post_to_hotline(self, body: bytes, headers: dict[str, str]) -> int:
        timeout = aiohttp.ClientTimeout(total=self.settings.hotline_timeout_seconds)
        async with self.http.post(
            self.settings.hotline_webhook_url, data=body, headers=headers, timeout=timeout
        ) as response:
            return response.status

    async def run_once(self) -> None:
        if self.settings.hotline_webhook_url:
            await self.service.deliver_due(self.post_to_hotline, self.settings.hotline_webhook_secret)
        self.service.time_out(dt.timedelta(minutes=self.settings.handoff_timeout_minutes))
        await self.relay_staff_replies()
        for number, sender_id in self.service.to_hand_back():
            # Said and resumed in one run of the action (actions/takeover.py); the resume
            # after it changes nothing then, and still hands the conversation back if the
            # action could not run.
            await self.rasa.run(sender_id, "action_handed_back")  # "本次人工服务已结束…"
            if await self.rasa.resume(sender_id):
                self.service.handed_back(number)
                log.info("conversation %s handed back to the bot (ticket %s)", sender_id, number)

    async def relay_staff_replies(self) -> None:
        """Relay the staff replies still waiting (the console relays at once; these are the ones
        it could not), one action run per conversation; count a failed attempt."""
        waiting: dict[str, list[int]] = {}
        for message in self.takeover.undelivered(older_than=dt.timedelta(seconds=RELAY_AFTER_SECONDS)):
            waiting.setdefault(message.sender_id, []).append(message.id)
        for sender_id, ids in waiting.items():
            if not await self.rasa.run(sender_id, "action_relay_staff_replies"):
                self.takeover.relay_failed(ids)


async def main(services: Services) -> None:
    """Run rounds every POLL_SECONDS until SIGINT or SIGTERM. SystemExit for a hotline
    webhook without its secret."""
    settings = services.settings
    if settings.hotline_webhook_url and not settings.hotline_webhook_secret:
        raise SystemExit("HOTLINE_WEBHOOK_URL is set but HOTLINE_WEBHOOK_SECRET is not: refusing to send unsigned tickets")
    migrate(settings.database_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with aiohttp.ClientSession() as http:
        worker = Worker(settings, http, services)
        log.info("hand-off worker started (hotline webhook %s)",
                 "configured" if settings.hotline_webhook_url else "not configured: tickets wait for operators")
        while not stop.is_set():
            try:
                await worker.run_once()
            except Exception:  # the database may be restarting: log, wait, try again
                log.exception("hand-off worker round failed")
            try:
                await asyncio.wait_for(stop.wait(), POLL_SECONDS)
            except asyncio.TimeoutError:
                pass


def run() -> None:
    """The worker process: its settings read once, its services built once from them."""
    log_masking.install()  # phone numbers and the API token never reach its log
    services = Services.from_settings(load_settings())
    logging.basicConfig(level=services.settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(main(services))


if __name__ == "__main__":
    run()
