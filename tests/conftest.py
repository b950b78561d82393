"""Shared fixtures: isolated settings, and one real running assistant per test session."""
from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot import rasa_project
from bot.services import reset_services
from bot.settings import Settings, SettingsError, load_settings, rasa_api_token
from kb.store import build, plan_files
from ops.supervisor import Assistant, authenticated, free_port
from tests.wechat_fixtures import wechat, wechat_api  # noqa: F401  (fixtures)

if TYPE_CHECKING:
    from activities.catalogue import Catalogue
    from activities.service import ActivityService
    from kb.answers import AnswerEngine
    from tests.activity_support import Clock
    from tests.hotline_standin import HotlineStandIn
    from tests.wechat_standin import WeChatApiStandIn


TIERS = ("unit", "integration", "e2e", "system")
TESTS_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/<tier>/ with its tier (registered in pyproject.toml).

    The directory decides: a tier marker a module or class sets itself that names another
    tier is dropped, so `-m <tier>` selects exactly what `pytest tests/<tier>` runs. Tests
    outside the four directories keep their markers."""
    for item in items:
        path = item.path.resolve()
        parts = path.relative_to(TESTS_DIR).parts if path.is_relative_to(TESTS_DIR) else ()
        tier = parts[0] if len(parts) > 1 and parts[0] in TIERS else None
        if tier is None:
            continue
        for node in item.listchain():
            node.own_markers[:] = [m for m in node.own_markers if m.name not in TIERS or m.name == tier]
        item.add_marker(tier)


@dataclass
class RunningAssistant:
    """A started assistant and a tiny REST client for it."""

    settings: Settings
    assistant: Assistant

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.bot_port}"

    def say(self, sender: str, text: str) -> list[dict]:
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def texts(self, sender: str, text: str) -> str:
        """All reply texts of one turn joined, for assertions on content."""
        return "\n".join(m.get("text", "") for m in self.say(sender, text))

    @property
    def api_token(self) -> str:
        """The Rasa HTTP API's token (generated into the test var/ directory)."""
        return rasa_api_token(self.settings)

    def api_url(self, path: str) -> str:
        """`path` of the Rasa HTTP API, with the token (everything but channels needs it)."""
        return authenticated(f"{self.base_url}{path}", self.api_token)

    def tracker(self, sender: str) -> dict:
        with urllib.request.urlopen(self.api_url(f"/conversations/{sender}/tracker")) as r:
            return json.loads(r.read())


def wait_for(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    """Whether `condition()` became true within `timeout` seconds (polled every 0.3 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


@pytest.fixture(scope="session")
def test_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


HOTLINE_SECRET = "test-hotline-secret"


@pytest.fixture(scope="session")
def hotline() -> Iterator["HotlineStandIn"]:
    """The stand-in 12345 hotline system the running assistant delivers tickets to."""
    from tests.hotline_standin import HotlineStandIn

    standin = HotlineStandIn(secret=HOTLINE_SECRET).start()
    yield standin
    standin.stop()


@pytest.fixture(scope="session")
def running_assistant(
    test_var_dir: Path,
    session_monkeypatch: pytest.MonkeyPatch,
    hotline: "HotlineStandIn",
    wechat_api: "WeChatApiStandIn",
) -> Iterator[RunningAssistant]:
    """The real servers and hand-off worker on free ports, with a throw-away database."""
    monkeypatch = session_monkeypatch
    monkeypatch.setenv("HOTLINE_WEBHOOK_URL", hotline.url)
    monkeypatch.setenv("HOTLINE_WEBHOOK_SECRET", HOTLINE_SECRET)
    monkeypatch.setenv("BOT_PORT", str(free_port()))
    monkeypatch.setenv("ACTIONS_PORT", str(free_port()))
    monkeypatch.setenv("CONSOLE_PORT", str(free_port()))
    monkeypatch.setenv("BOT_HOST", "127.0.0.1")
    # Debug logs quote every message: the privacy tests check no phone number shows in them.
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("DAXING_VAR_DIR", str(test_var_dir))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{test_var_dir / 'daxing.db'}")
    settings = load_settings()
    build(settings.database_url, plan_files())
    assistant = Assistant(
        settings=settings,
        model=rasa_project.train_if_needed(settings),
        log_dir=test_var_dir / "logs",
    )
    assistant.start()
    try:
        yield RunningAssistant(settings, assistant)
    finally:
        assistant.stop()


@pytest.fixture(scope="session")
def session_monkeypatch() -> Iterator[pytest.MonkeyPatch]:
    """monkeypatch is function-scoped; the session-wide assistant needs its own."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch


# The settings of the environment the previous test started in (None: unusable).
_previous_environment: list[Settings | None] = [None]


@pytest.fixture(autouse=True)
def services_follow_the_environment(request: pytest.FixtureRequest) -> Iterator[None]:
    """`bot.services.services()` reads the environment once per process, like the servers
    do. Tests change it, so its services are reset (`reset_services`, the one way) before a
    test that runs in another environment than the previous one (a session or module
    fixture changed it), and before and after a test that may change it itself (it uses
    `monkeypatch`, directly or through a fixture). Tests in one environment share them."""
    try:
        environment: Settings | None = Settings.from_env(os.environ)
    except SettingsError:
        environment = None
    changes_environment = "monkeypatch" in request.fixturenames
    if changes_environment or environment is None or environment != _previous_environment[0]:
        reset_services()
    _previous_environment[0] = environment
    yield
    if changes_environment:
        reset_services()


@pytest.fixture(scope="session")
def knowledge_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database holding the real plans of kb/sources, built once per test session."""
    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'kb.db'}"
    build(url, plan_files())
    return url


@pytest.fixture(scope="session")
def engine(knowledge_db: str) -> "AnswerEngine":
    from kb.answers import AnswerEngine, KnowledgeBase
    from core.db import UnitOfWork
    from kb.store import KnowledgeRepository

    with UnitOfWork(knowledge_db).session() as session:
        return AnswerEngine(KnowledgeBase(KnowledgeRepository(session).documents()))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private PostgreSQL cluster (Debian's binaries) for this test session."""
    from tests.postgres import local_postgres

    with local_postgres() as url:
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database at the newest schema, on each backend the assistant supports."""
    from core.db import migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('act') / 'activities.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    migrate(url)
    return url


@pytest.fixture
def activity_db(migrated_db: str) -> str:
    """`migrated_db` with no sessions or applications left over from an earlier test."""
    import sqlalchemy as sa

    from activities.models import ActivitySessionRow, ApplicationRow
    from core.db import engine_for

    with engine_for(migrated_db).begin() as connection:
        connection.execute(sa.delete(ApplicationRow.__table__))
        connection.execute(sa.delete(ActivitySessionRow.__table__))
    return migrated_db


@pytest.fixture
def catalogue(engine) -> "Catalogue":  # type: ignore[no-untyped-def]
    from activities.catalogue import Catalogue

    return Catalogue(engine)


@pytest.fixture
def clock() -> "Clock":
    from tests.activity_support import NOW, Clock

    return Clock(NOW)


@pytest.fixture
def service(activity_db: str, catalogue, clock) -> "ActivityService":  # type: ignore[no-untyped-def]
    """The activity service on each database backend, at the test clock's time."""
    from activities.service import ActivityService

    return ActivityService(activity_db, catalogue, close_working_days=2, clock=clock)
