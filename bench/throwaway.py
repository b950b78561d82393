"""The real assistant on free ports over a throw-away SQLite database, for the benches.

`throwaway_assistant()` sets the environment (ports, var dir, database) before the settings
are read, builds the knowledge base from kb/sources (and, on request, loads the demo
schedule), trains if needed, starts the Rasa and action servers, and stops them and removes
the directory on leaving.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings


@dataclass(frozen=True)
class Throwaway:
    settings: "Settings"
    url: str  # the Rasa server, e.g. http://127.0.0.1:40123
    token: str  # the Rasa HTTP API token
    model: Path
    var_dir: Path


@contextmanager
def throwaway_assistant(plans: bool = True, demo_schedule: bool = False) -> Iterator[Throwaway]:
    from bot import rasa_project
    from ops.supervisor import Assistant, free_port

    with tempfile.TemporaryDirectory() as var_dir:
        os.environ.update(BOT_PORT=str(free_port()), ACTIONS_PORT=str(free_port()), CONSOLE_PORT=str(free_port()),
                          BOT_HOST="127.0.0.1", DAXING_VAR_DIR=var_dir,
                          DATABASE_URL=f"sqlite:///{var_dir}/daxing.db")
        from bot.settings import load_settings, rasa_api_token

        settings = load_settings()
        if plans or demo_schedule:
            from kb.store import build, plan_files

            build(settings.database_url, plan_files())
        if demo_schedule:
            from activities.schedule import import_demo
            from bot.services import services

            import_demo(settings.database_url, services().activity_service().catalogue)
        model = rasa_project.train_if_needed(settings)
        assistant = Assistant(settings, model, log_dir=Path(var_dir) / "logs")
        assistant.start()
        try:
            yield Throwaway(settings, f"http://127.0.0.1:{settings.bot_port}", rasa_api_token(settings),
                            model, Path(var_dir))
        finally:
            assistant.stop()
