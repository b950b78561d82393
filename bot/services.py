"""The composition root: what the assistant's processes build from their settings, once.

`Services.from_settings(settings)` holds what the actions, the channels, the tracker store,
the `daxing` commands and the hand-off worker use, each built on first use and then kept:

- `answers`: the answer engine over the stored plans (`kb.answers.CachedEngine`, which
  reloads it when `daxing kb add` changes them); `answer_engine()` the current engine;
- `activity_service()`: sessions and applications over the activities of the plans the
  engine holds now (the one factory, for the action server and the CLI);
- `handoff`: hand-off tickets and feedback (`handoff.service.HandoffService`);
- `takeover`: staff claiming tickets and replying (`handoff.takeover.Takeover`);
- `staff`, `login_sessions`, `audit`: the console's accounts, logins and audit log (`staff`);
- `database`: a unit of work on DATABASE_URL (unanswered questions);
- `responses`: the domain's responses the channels say themselves (`bot.responses`), with
  `{hotline}` from the settings.

Who builds it:
- the Rasa server and the action server load our code by class name and cannot pass it
  arguments: they call `services()`, which builds it from `load_settings()` (the process's
  environment) the first time and returns the same object afterwards;
- the `daxing` CLI builds one per command (`ops.cli`), the hand-off worker one per process
  (`ops.handoff_worker`), each from `load_settings()`.

Tests: `reset_services()` is the one way to make `services()` read the environment again
(tests/conftest.py and tests/unit/actions_support.py call it after changing it).
"""
from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING, Optional

from bot.settings import Settings, load_settings

if TYPE_CHECKING:
    from activities.service import ActivityService
    from bot.responses import Responses
    from core.db import UnitOfWork
    from handoff.service import HandoffService
    from handoff.takeover import Takeover
    from kb.answers import AnswerEngine, CachedEngine
    from staff.accounts import StaffAccounts
    from staff.audit import AuditLog
    from staff.sessions import LoginSessions


class Services:
    """The services of one set of settings; each is built once, on first use (the imports
    too: a command that lists tickets never loads the answer engine)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @classmethod
    def from_settings(cls, settings: Settings) -> "Services":
        """The services for `settings`; nothing is built or connected yet."""
        return cls(settings)

    @cached_property
    def answers(self) -> "CachedEngine":
        """The answer engine over the stored plans, rebuilt only when they change."""
        from kb.answers import CachedEngine

        return CachedEngine(self.settings.database_url, hotline=self.settings.hotline_number)

    def answer_engine(self) -> "AnswerEngine":
        """The engine over the plans stored now (reads the knowledge base's version)."""
        return self.answers.get()

    def activity_service(self) -> "ActivityService":
        """Sessions and applications, over the activities of the plans the engine holds now.
        A new service per call, cheap: its catalogue is the current engine's."""
        from activities.catalogue import Catalogue
        from activities.service import ActivityService

        return ActivityService(
            self.settings.database_url,
            Catalogue(self.answer_engine()),
            close_working_days=self.settings.signup_close_working_days,
        )

    @cached_property
    def handoff(self) -> "HandoffService":
        """Tickets, their outbox and feedback, as the settings configure them."""
        from handoff.service import HandoffService

        return HandoffService.from_settings(self.settings)

    @cached_property
    def takeover(self) -> "Takeover":
        """Staff claiming tickets and their replies (`handoff.takeover`)."""
        from handoff.takeover import Takeover

        return Takeover(self.settings.database_url)

    @cached_property
    def staff(self) -> "StaffAccounts":
        """Staff accounts and their logins (`staff.accounts`)."""
        from staff.accounts import StaffAccounts

        return StaffAccounts(self.settings.database_url)

    @cached_property
    def login_sessions(self) -> "LoginSessions":
        """The console's login sessions (`staff.sessions`)."""
        from staff.sessions import LoginSessions

        return LoginSessions(self.settings.database_url)

    @cached_property
    def audit(self) -> "AuditLog":
        """The audit log of staff actions (`staff.audit`)."""
        from staff.audit import AuditLog

        return AuditLog(self.settings.database_url)

    @cached_property
    def database(self) -> "UnitOfWork":
        """A unit of work on DATABASE_URL."""
        from core.db import UnitOfWork

        return UnitOfWork(self.settings.database_url)

    @cached_property
    def responses(self) -> "Responses":
        """The domain's responses (bot/domain/*.yml), `{hotline}` filled from the settings."""
        from bot import rasa_project
        from bot.responses import Responses

        return Responses.from_domain(rasa_project.DOMAIN, {"hotline": self.settings.hotline_number})


_lock = threading.Lock()
_current: Optional[Services] = None


def services() -> Services:
    """This process's services, for code Rasa loads (actions, channels, the tracker store).

    Built from `load_settings()` on the first call, from whichever thread; every later call
    returns the same object. Raises `bot.settings.SettingsError` when the environment holds
    an unusable value (and again on the next call: nothing half-built is kept).
    """
    global _current
    current = _current
    if current is None:
        with _lock:
            if _current is None:
                _current = Services.from_settings(load_settings())
            current = _current
    return current


def reset_services() -> None:
    """Forget this process's services: the next `services()` reads the environment again.

    For tests, which change the environment between cases; the running assistant never
    calls it. Connections already open stay in `core.db`'s engine cache.
    """
    global _current
    with _lock:
        _current = None
