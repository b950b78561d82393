"""The console process: `python -m console` (started by `daxing run` and the production
profile). Its composition root: the settings read once, the services built once, the
database migrated, then the app served on CONSOLE_HOST:CONSOLE_PORT until SIGINT/SIGTERM."""
from __future__ import annotations

import logging

from aiohttp import web

from bot import log_masking
from bot.services import Services
from bot.settings import load_settings, rasa_api_token
from console.app import create_app
from core.db import migrate


def run() -> None:
    log_masking.install()  # phone numbers and the API token never reach its log
    services = Services.from_settings(load_settings())
    settings = services.settings
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    migrate(settings.database_url)
    app = create_app(services, settings.rasa_api_url, rasa_api_token(settings))
    web.run_app(app, host=settings.console_host, port=settings.console_port, print=None,
                access_log_format='%a "%r" %s %Tf')


if __name__ == "__main__":
    run()
