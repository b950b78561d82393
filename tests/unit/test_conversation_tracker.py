"""`ConversationTracker` (issue 19) gives what Rasa's own `DialogueStateTracker` gives, event by
event: applied events, the policies' states (the states before the last as the featurizers
leave them) (also through the policies' featurizers, which
change the states they are given, call after call on one tracker), copies and the tracker as
the action server gets it. Checked on the trackers of every training story and rule, on one
long conversation made of them, and on the events that take applied events back (a form's
happy path, reverts, restarts, a new session, a loop name seen late)."""
from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import pytest
from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.importers.importer import TrainingDataImporter

from bot.conversation_tracker import ConversationTracker

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "bot" / "domain"))


@pytest.fixture(scope="module")
def conversations(domain: Domain) -> list[list[Event]]:
    """The events of every tracker Rasa's training makes of our stories, rules and conversation
    tests (which have the citizens' texts and the forms' turns)."""
    paths = [ROOT / "nlu_data" / "stories", ROOT / "nlu_data" / "rules", ROOT / "tests" / "conversations"]
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "bot" / "domain"), [str(path) for path in paths]
    )
    graph = importer.get_stories()
    trackers = TrainingDataGenerator(graph, domain, remove_duplicates=False, augmentation_factor=0).generate()
    return [list(tracker.events) for tracker in trackers]


def rule_only_data(domain: Domain) -> list[dict[str, Any] | None]:
    loops = list(domain.form_names)
    return [None, {"rule_only_slots": ["requested_slot"], "rule_only_loops": loops[:1]}]


def view(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Everything a replay sets, and the events as the same objects."""
    return {
        "state": tracker.current_state(EventVerbosity.ALL),
        "events": [id(event) for event in tracker.events],
        "slots": {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()},
        "latest_message": untimed(tracker.latest_message),
        "latest_bot_utterance": untimed(tracker.latest_bot_utterance),
        "latest_action": tracker.latest_action,
        "active_loop": dataclasses.asdict(tracker.active_loop) if tracker.active_loop else None,
        "followup": tracker.followup_action,
        "paused": tracker.is_paused(),
        "ids": (tracker.model_id, tracker.assistant_id, tracker.sender_source),
    }


def untimed(event: Event | None) -> dict[str, Any] | None:
    """The event's dict; an empty one made by the tracker (no message yet) has its own time."""
    return {k: v for k, v in event.as_dict().items() if k != "timestamp"} if event is not None else None


def as_featurized(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rasa's states as its featurizers leave them (the user's text dropped where the intent is
    given), but for the last, which `ConversationTracker` hands out as Rasa makes it."""
    if states:
        MaxHistoryTrackerFeaturizer._remove_user_text_if_intent([states[:-1]])
    return states


def assert_same(ours: ConversationTracker, rasa: DialogueStateTracker, domain: Domain, full: bool = True) -> None:
    assert [id(e) for e in ours.applied_events()] == [id(e) for e in rasa.applied_events()]
    for omit, ignore, only in itertools.product([False, True], [False, True], rule_only_data(domain)):
        assert ours.past_states(domain, omit, ignore, only) == as_featurized(rasa.past_states(domain, omit, ignore, only))
    # the policies' own path: RulePolicy (all history, text then intent) and MemoizationPolicy (5)
    for max_history, ignore, use_text in [(None, False, True), (None, False, False), (5, True, False)]:
        featurizer = MaxHistoryTrackerFeaturizer(max_history=max_history)
        for only in rule_only_data(domain):
            got = featurizer.prediction_states([ours], domain, use_text, ignore, only)
            assert got == featurizer.prediction_states([rasa], domain, use_text, ignore, only)
    if full:
        assert ours.current_state(EventVerbosity.ALL) == rasa.current_state(EventVerbosity.ALL)
        assert view(ours.copy()) == view(rasa.copy())
        assert type(ours.copy()) is ConversationTracker


def replay(events: list[Event], domain: Domain, every: int = 1) -> tuple[ConversationTracker, DialogueStateTracker]:
    ours = ConversationTracker("citizen", domain.slots)
    rasa = DialogueStateTracker("citizen", domain.slots)
    for number, event in enumerate(events, 1):
        ours.update(event)
        rasa.update(event)
        if number % every == 0 or number == len(events):
            assert_same(ours, rasa, domain, full=number % (every * 5) == 0 or number == len(events))
    return ours, rasa


def test_every_story_and_rule_gives_rasas_results_event_by_event(conversations: list[list[Event]], domain: Domain) -> None:
    assert len(conversations) > 50
    assert any(e.text for events in conversations for e in events if isinstance(e, UserUttered))
    assert any(isinstance(e, ActiveLoop) for events in conversations for e in events)  # forms are in
    for events in conversations:
        replay(events, domain)


def test_a_long_conversation_of_all_stories_gives_rasas_results(conversations: list[list[Event]], domain: Domain) -> None:
    once = [event for conversation in conversations for event in conversation if not isinstance(event, SessionStarted)]
    events = [Event.from_parameters(event.as_dict()) for _ in range(3) for event in once]  # new objects
    assert len(events) > 1000
    replay(events, domain, every=37)


def test_events_that_take_back_applied_events_give_rasas_results(domain: Domain) -> None:
    form = next(iter(domain.form_names))
    said = lambda text, intent: UserUttered(text, {"name": intent, "confidence": 1.0})  # noqa: E731
    events: list[Event] = [
        ActionExecuted("action_listen"),
        said("你好", "greet"),
        ActionExecuted(form),  # the loop's name seen before its ActiveLoop
        ActionExecuted("action_listen"),
        said("报名", "signup"),
        ActionExecuted(form),
        ActiveLoop(form),
        SlotSet("requested_slot", "name"),
        ActionExecuted("action_listen"),
        said("张三", "inform"),
        ActionExecuted(form),  # the happy path: the turn since the last execution is undone
        SlotSet("requested_slot", "phone"),
        ActionExecuted("action_listen"),
        said("取消", "deny"),
        ActionExecuted("action_deactivate_loop"),
        ActiveLoop(None),
        ActionExecuted("action_listen"),
        said("说错了", "inform"),
        UserUtteranceReverted(),
        ActionExecuted("utter_greet"),
        ActionReverted(),
        ActionExecuted("action_listen"),
        said("重来", "restart"),
        Restarted(),
        ActionExecuted("action_listen"),
        said("你好", "greet"),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        said("医保", "ask_policy"),
    ]
    replay(events, domain)


def test_events_replaced_rather_than_appended_are_read_again(domain: Domain) -> None:
    events = [ActionExecuted("action_listen"), UserUttered("a", {"name": "greet"}), ActionExecuted("utter_greet")]
    ours, _ = replay(events, domain)
    other = [ActionExecuted("action_listen"), UserUttered("b", {"name": "deny"}), ActionExecuted("action_listen")]
    ours.events = ours._create_events(other)
    rasa = DialogueStateTracker("citizen", domain.slots)
    for event in other:
        rasa.update(event)
    assert [id(e) for e in ours.applied_events()] == [id(e) for e in other]
    assert ours.past_states(domain) == as_featurized(rasa.past_states(domain))


def test_an_event_changed_in_place_is_sent_as_it_is_now(domain: Domain) -> None:
    message = UserUttered("医保", {"name": "ask_policy"})
    tracker = ConversationTracker("citizen", domain.slots)
    tracker.update(message)
    assert tracker.current_state(EventVerbosity.ALL)["events"][0]["metadata"] == {}
    message.metadata = {"model_id": "m1"}
    message.entities.append({"entity": "topic", "value": "医保", "start": 0, "end": 2})
    sent = tracker.current_state(EventVerbosity.ALL)["events"][0]
    assert sent == message.as_dict()
    assert sent["metadata"] == {"model_id": "m1"}


def test_the_tracker_store_hands_out_conversation_trackers(domain: Domain) -> None:
    from bot.tracker_store import UrlSQLTrackerStore

    assert type(UrlSQLTrackerStore.init_tracker(_Store(domain), "citizen")) is ConversationTracker


@dataclasses.dataclass
class _Store:
    domain: Domain
    max_event_history: int | None = None
