"""Running the custom actions (`actions/*.py`) in-process, as the action server runs them.

No Rasa server, no action server, no HTTP: an action gets rasa-sdk's own `Tracker` and
`CollectingDispatcher` and the domain as a dict, exactly what rasa-sdk's executor hands it.

- `domain()` / `domain_dict()`: the REAL domain, `bot/domain/*.yml` merged by Rasa itself
  (`rasa.shared.core.domain.Domain.load`), with every slot's initial value.
- `said(...)`, `bot_said(...)`: the events Rasa logs for a citizen's message (the typed
  text in the user event, the normalised text in its parse data, as `bot/nlu/normaliser.py`
  leaves them) and for an earlier reply; `at_prompt(...)`, `at_activation(...)`: a reply
  typed at a form's prompt, or the message starting a form, as the form's validation action
  receives it.
- `tracker_for(events, slots)`: the rasa-sdk `Tracker` Rasa would send: built by Rasa's own
  `DialogueStateTracker` from those events and dumped with `current_state(ALL)`.
- `run_action(action, tracker, domain)`: `await action.run(dispatcher, tracker, domain)`,
  returning (messages, events); `act(...)` runs it from a synchronous test.
- `rendered(messages, slots)`: the messages as the citizen sees them, responses filled in
  by Rasa's templated NLG from the domain (as Rasa does with an action's messages).
- `Conversation`: turns carried over as Rasa carries them (slots, bot replies, events);
  `Conversation.in_form(...)` starts inside a form asking for a slot.
- `action_services(...)`: the settings the actions read (`bot.services.services()`) pointed
  at a private copy of the session's knowledge base (`knowledge_db`, built once per session
  with `kb.store.build`), with the process's services (`bot.services.reset_services`)
  reset before and after.
"""
from __future__ import annotations

import asyncio
import sqlite3
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet, UserUttered, deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import make_url

from bot.settings import PROJECT_ROOT
from kb.normalise import normalise

DOMAIN_DIR = PROJECT_ROOT / "bot" / "domain"
SENDER = "citizen"
CHANNEL = "rest"
# Not the default 12345: a reply naming it can only have taken it from HOTLINE_NUMBER.
TEST_HOTLINE = "96119"

Messages = list[dict[str, Any]]
Events = list[dict[str, Any]]


# --- the domain -------------------------------------------------------------------------

@lru_cache(maxsize=1)
def domain() -> Domain:
    """`bot/domain/` merged the way Rasa merges a domain directory."""
    with warnings.catch_warnings():
        # Rasa 3.6 says this of every domain with a from_intent mapping; `rasa data
        # validate` (make test) is where the domain's own warnings are checked.
        warnings.filterwarnings("ignore", message="Slot auto-fill has been removed", category=UserWarning)
        return Domain.load(str(DOMAIN_DIR))


def domain_dict() -> dict[str, Any]:
    """The domain as the action server receives it (a fresh dict: actions may not change it)."""
    return domain().as_dict()


# --- events and trackers ----------------------------------------------------------------

def said(
    text: str, intent: str, entities: Iterable[dict[str, Any]] = (), confidence: float = 1.0,
) -> list[Event]:
    """The events of one citizen message: `action_listen`, then the user event keeping what
    was typed, with the parse data NLU gives the actions — its text normalised
    (`kb.normalise.normalise`; a "/intent" payload untouched), the intent and `entities`
    (dicts with at least "entity" and "value")."""
    parse_text = text if text.startswith("/") else normalise(text)
    intent_data = {"name": intent, "confidence": confidence}
    entity_list = [{"start": 0, "end": 0, "extractor": "DIETClassifier", **e} for e in entities]
    parse_data = {"text": parse_text, "intent": intent_data, "entities": entity_list,
                  "intent_ranking": [intent_data]}
    return [ActionExecuted(ACTION_LISTEN_NAME),
            UserUttered(text, intent_data, entity_list, parse_data, input_channel=CHANNEL)]


def bot_said(response: str, **values: Any) -> list[Event]:
    """An earlier reply of the assistant, a domain `response` filled with `values`, as Rasa
    logs it (its action, then the bot event naming the response in its metadata)."""
    message = _nlg().generate_from_slots(response, {}, CHANNEL, **values)
    assert message is not None, f"no response {response} in the domain"
    return [ActionExecuted(response),
            BotUttered(message.get("text"), {"buttons": message.get("buttons")},
                       {"utter_action": response})]


def at_prompt(
    form: str, slot: str, text: str, intent: str, entities: Iterable[dict[str, Any]] = (),
    candidates: dict[str, Any] | None = None,
) -> list[Event]:
    """A reply typed while `form` asks for `slot`, as the form's validation action sees it:
    the form active and asking, its prompt, the citizen's message, `action_extract_slots`,
    then what Rasa's FormAction appends for the validation call (`_temporary_tracker`):
    the requested slot, the form's own action and the slot `candidates` it extracted."""
    return [
        ActionExecuted(form), ActiveLoop(form), SlotSet(REQUESTED_SLOT, slot),
        BotUttered("(prompt)", {}, {"utter_action": f"utter_ask_{slot}"}),
        *said(text, intent, entities),
        ActionExecuted("action_extract_slots"),
        SlotSet(REQUESTED_SLOT, slot), ActionExecuted(form),
        *(SlotSet(name, value) for name, value in (candidates or {}).items()),
    ]


def at_activation(
    form: str, text: str, intent: str, entities: Iterable[dict[str, Any]] = (),
    candidates: dict[str, Any] | None = None,
) -> list[Event]:
    """The message that starts `form` ("我要报名开放点9"), as the form's validation action
    sees it when the form activates: the message, `action_extract_slots`, then what Rasa's
    FormAction appends (no requested slot yet, the form's action, the slot `candidates`)."""
    return [
        *said(text, intent, entities), ActionExecuted("action_extract_slots"),
        SlotSet(REQUESTED_SLOT, None), ActionExecuted(form),
        *(SlotSet(name, value) for name, value in (candidates or {}).items()),
    ]


def rasa_tracker(events: Iterable[Event], slots: dict[str, Any] | None = None) -> DialogueStateTracker:
    """Rasa's own tracker of `events`, after `slots` set earlier in the conversation; every
    other slot has the domain's initial value."""
    earlier = [SlotSet(name, value) for name, value in (slots or {}).items()]
    return DialogueStateTracker.from_events(SENDER, [*earlier, *events], slots=domain().slots)


def tracker_for(events: Iterable[Event], slots: dict[str, Any] | None = None) -> Tracker:
    """The rasa-sdk `Tracker` Rasa would send for `events` (its `current_state(ALL)`)."""
    return Tracker.from_dict(rasa_tracker(events, slots).current_state(EventVerbosity.ALL))


# --- running actions --------------------------------------------------------------------

async def run_action(action: Action, tracker: Tracker, domain: dict[str, Any]) -> tuple[Messages, Events]:
    """Run `action` as rasa-sdk's executor does; returns what it uttered (the dispatcher's
    messages) and the events it returned."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain)
    return dispatcher.messages, list(events or [])


def act(action: Action, tracker: Tracker, domain: dict[str, Any] | None = None) -> tuple[Messages, Events]:
    """`run_action` from synchronous code (the real domain unless `domain` is given)."""
    return asyncio.run(run_action(action, tracker, domain_dict() if domain is None else domain))


@lru_cache(maxsize=1)
def _nlg() -> TemplatedNaturalLanguageGenerator:
    return TemplatedNaturalLanguageGenerator(domain().responses)


def rendered(messages: Messages, slots: dict[str, Any] | None = None) -> Messages:
    """What the citizen sees of an action's messages, as Rasa makes bot messages of them
    (`RemoteAction._utter_responses`): a named response taken from the domain and filled
    with the message's values and the `slots`, buttons added, other values kept. Each has
    "text", "buttons" (a list) and, for a domain response, "response"."""
    shown = []
    for message in messages:
        message = dict(message)
        response = message.pop("response", None)
        draft: dict[str, Any] = {}
        if response:
            draft = _nlg().generate_from_slots(response, dict(slots or {}), CHANNEL, **message) or {}
            assert draft, f"no response {response} in the domain"
            draft["response"] = response
        draft["buttons"] = [*(draft.get("buttons") or []), *(message.pop("buttons", None) or [])]
        draft.update({key: value for key, value in message.items() if value})
        draft.setdefault("text", "")
        shown.append(draft)
    return shown


def responses(messages: Messages) -> list[str | None]:
    """The domain responses named, in order (None for a message with its own text)."""
    return [m.get("response") for m in messages]


def slots_set(events: Events) -> dict[str, Any]:
    """{slot: value} of the SlotSet events returned (the last value of each)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def followup(events: Events) -> str | None:
    """The FollowupAction returned, if any."""
    return next((e["name"] for e in events if e.get("event") == "followup"), None)


@dataclass
class Turn:
    """One action's run: its messages, events, and the messages as the citizen sees them."""

    messages: Messages
    events: Events
    shown: Messages

    @property
    def text(self) -> str:
        return "\n".join(m["text"] for m in self.shown)

    @property
    def responses(self) -> list[str | None]:
        return responses(self.messages)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [b for m in self.shown for b in m["buttons"]]

    @property
    def slots(self) -> dict[str, Any]:
        return slots_set(self.events)


@dataclass
class Conversation:
    """A conversation carried over turns the way Rasa carries it: each action's run is
    logged as Rasa logs it (its action, the bot messages, the events it returned), so the
    slots it set (`kb_context`, `listed_sessions`…) reach the next turn."""

    events: list[Event] = field(default_factory=list)

    @classmethod
    def in_form(cls, form: str, slot: str, **slots: Any) -> "Conversation":
        """A conversation in which `form` is active and asks for `slot`, after `slots`."""
        return cls(events=[ActionExecuted(form), ActiveLoop(form)]).set(**slots, requested_slot=slot)

    def set(self, **slots: Any) -> "Conversation":
        """Slots set earlier in the conversation (by actions not run here)."""
        self.events += [SlotSet(name, value) for name, value in slots.items()]
        return self

    def say(self, text: str, intent: str, entities: Iterable[dict[str, Any]] = ()) -> "Conversation":
        self.events += said(text, intent, entities)
        return self

    def tracker(self) -> Tracker:
        return tracker_for(self.events)

    @property
    def slots(self) -> dict[str, Any]:
        return rasa_tracker(self.events).current_slot_values()

    def run(self, action: Action) -> Turn:
        """Run `action` on the conversation so far and log it."""
        messages, events = act(action, self.tracker())
        shown = rendered(messages, self.slots)
        self.events.append(ActionExecuted(action.name()))
        self.events += [BotUttered(m["text"], {"buttons": m["buttons"] or None},
                                   {"utter_action": m.get("response")}) for m in shown]
        self.events += deserialise_events(events)
        return Turn(messages, events, shown)

    def ask(self, action: Action, text: str, intent: str, entities: Iterable[dict[str, Any]] = ()) -> Turn:
        """The citizen says `text` (NLU: `intent`, `entities`), then `action` runs."""
        return self.say(text, intent, entities).run(action)


# --- the services the actions read from the settings --------------------------------------

def copy_database(source_url: str, target: Path) -> str:
    """A private copy of a SQLite database (the backup API: a consistent snapshot, written-
    ahead pages included); returns its URL."""
    source_path = make_url(source_url).database
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


@contextmanager
def action_services(knowledge_db: str, var_dir: Path, **environment: str) -> Iterator[str]:
    """The environment the action server would have, for the actions' own services
    (`bot.services.services()`): DATABASE_URL a private copy of `knowledge_db` (the real
    plans, built once per session by tests/conftest.py), DAXING_VAR_DIR `var_dir`,
    HOTLINE_NUMBER `TEST_HOTLINE`, no hotline webhook, and `environment`. The process's
    services are reset on entry and exit (`reset_services`), so they are built from this
    environment and no later test sees them. Yields the URL."""
    from bot.services import reset_services

    url = copy_database(knowledge_db, var_dir / "actions.db")
    values = {"DATABASE_URL": url, "DAXING_VAR_DIR": str(var_dir), "HOTLINE_NUMBER": TEST_HOTLINE,
              **environment}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in values.items():
            patch.setenv(name, value)
        for name in ("HOTLINE_WEBHOOK_URL", "HOTLINE_WEBHOOK_SECRET"):
            patch.delenv(name, raising=False)
        reset_services()
        try:
            yield url
        finally:
            reset_services()
