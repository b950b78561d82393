"""The composition root (`bot.services`): built once per process, reset only by `reset_services`,
and the one reader of the domain's responses for every channel (`bot.responses`)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot import rasa_project
from bot.responses import Responses
from bot.services import Services, reset_services, services
from bot.settings import Settings
from core.db import migrate
from handoff.service import TicketRequest

pytestmark = pytest.mark.unit


@pytest.fixture()
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """This process's environment pointed at an empty, migrated SQLite database."""
    url = f"sqlite:///{tmp_path / 'services.db'}"
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DAXING_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("HOTLINE_NUMBER", "96156")
    return url


def test_services_are_built_once_per_process(environment: str, monkeypatch: pytest.MonkeyPatch) -> None:
    built = services()
    assert services() is built
    assert built.settings.database_url == environment and built.settings.hotline_number == "96156"
    assert built.handoff is services().handoff and built.answers is services().answers
    assert built.responses is services().responses and built.database is services().database

    monkeypatch.setenv("HOTLINE_NUMBER", "12315")  # read once: a running process keeps its settings
    assert services() is built and services().settings.hotline_number == "96156"

    reset_services()  # the one way to read the environment again (tests only)
    assert services() is not built and services().settings.hotline_number == "12315"


def test_polite_uses_the_process_hand_off_service_on_every_turn(environment: str) -> None:
    from bot.channels import polite

    handoff = services().handoff
    assert not polite._handed_to_a_person("citizen-1")
    handoff.open_ticket(TicketRequest("rest", "citizen-1", "requested", []))
    assert polite._handed_to_a_person("citizen-1")
    assert polite._handed_to_a_person("citizen-1")
    assert services().handoff is handoff  # the same object across turns, never rebuilt


def test_nothing_is_built_before_it_is_used(environment: str) -> None:
    built = Services.from_settings(Settings.from_env({"DATABASE_URL": environment}))
    assert not {"answers", "handoff", "database", "responses"} & set(vars(built))
    assert built.handoff.uow is not None and set(vars(built)) == {"settings", "handoff"}


def test_the_activity_service_is_over_the_current_engine(knowledge_db: str) -> None:
    built = Services.from_settings(Settings.from_env({"DATABASE_URL": knowledge_db, "SIGNUP_CLOSE_WORKING_DAYS": "3"}))
    first, second = built.activity_service(), built.activity_service()
    assert first.close_working_days == 3 and first.database_url == knowledge_db
    assert first.catalogue.engine is second.catalogue.engine is built.answer_engine()
    assert {a.kind for a in first.catalogue.activities()} == {"site", "lecture"}


# --------------------------------------------------------------------------- responses


def test_the_channels_read_the_domain_responses_with_the_hotline_setting(environment: str) -> None:
    from bot.channels import polite
    from bot.channels.wechat.channel import domain_texts

    domain = {}
    for path in sorted(rasa_project.DOMAIN.glob("*.yml")):
        domain.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {})
    busy = polite.reply_text(polite.BUSY)
    assert busy == domain[polite.BUSY][0]["text"].replace("{hotline}", "96156")
    assert "{max_chars}" not in polite.reply_text(polite.TOO_LONG)
    text = domain_texts()
    assert text("utter_wechat_rate_limited") == domain["utter_wechat_rate_limited"][0]["text"]
    assert text("utter_no_such_response") is None


def test_a_channel_gets_its_own_variants_first() -> None:
    responses = Responses(
        {
            "utter_hello": [{"text": "您好，请拨打{hotline}。{unknown}"},
                            {"text": "微信您好", "channel": "wechat"}],
            "utter_plain": [{"text": "只有一种"}],
            "utter_image_only": [{"image": "https://example.org/a.png"}],
        },
        {"hotline": "12345"},
    )
    assert responses.render("utter_hello") == "您好，请拨打12345。{unknown}"
    assert responses.render("utter_hello", hotline="96156") == "您好，请拨打96156。{unknown}"
    assert responses.render("utter_hello", "wechat") == "微信您好"
    assert responses.choose("utter_plain", "wechat") == "只有一种"
    assert responses.variants("utter_hello", "socketio") == ["您好，请拨打{hotline}。{unknown}"]
    for missing in ("utter_image_only", "utter_none"):
        assert responses.variants(missing) == []
        with pytest.raises(KeyError):
            responses.render(missing)
