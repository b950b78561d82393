"""A conversation's tracker whose per-turn work does not grow with the conversation.

Rasa 3.6 rebuilds three things from the whole session at every prediction and action call:
- `applied_events()`: the session's events without the reverted ones, several times a turn;
- `past_states(domain)`: the policies' states, by replaying every applied event into a fresh
  tracker (RulePolicy and MemoizationPolicy, twice a turn);
- `copy()`: a replay of every event, before each action is run, then every event turned into a
  dict for the action server (`current_state(ALL)`).

At turn 200 of one conversation these were two thirds of the Rasa server's time for a turn
(docs/performance.md). `ConversationTracker` gives the same results, computed once per event:
- applied events are carried on as events are appended. Whenever events are not just appended,
  or a new loop name appears (Rasa decides which loop executions to undo from all the loop names
  of the session), they are worked out again the way Rasa does;
- the policies' states are carried on by the same replay Rasa runs (`Domain.states_for_tracker
  _history`, whose loop body `_StatesSoFar.step` follows line by line), one replay per set of
  arguments. When the applied events lose events (a form's happy path undoes the turns between its
  executions, a revert, a restart, a new session) the replay starts again;
- `copy()` copies the tracker's current state instead of replaying its events, and
  `current_state` keeps each event's dict, keyed by the event object and its metadata dict.

Equivalence with Rasa's own methods is tested on the trackers of every training story and rule
and on long conversations (`tests/unit/test_conversation_tracker.py`). The module follows Rasa
3.6.21 (`rasa.shared.core.trackers`, `rasa.shared.core.domain`); the tests fail if Rasa's
originals change behaviour.
"""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Text

from rasa.shared.core.constants import PREVIOUS_ACTION, USER
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DEFAULT_SENDER_ID, DialogueStateTracker, EventVerbosity

# Event dicts kept per conversation; a turn adds about seven events.
_DICTS_KEPT = 20_000


class _AppliedEvents:
    """Rasa's `applied_events()` of a growing event list, carried on event by event."""

    def __init__(self) -> None:
        self.events: List[Event] = []
        self._seen = 0
        self._first: Optional[Event] = None
        self._last: Optional[Event] = None
        self._loop_names: set[str] = set()
        self.generation = 0  # grows whenever events already applied are taken back

    def catch_up(self, tracker: DialogueStateTracker) -> List[Event]:
        """The applied events of `tracker.events` (the list kept here; callers copy it)."""
        events = tracker.events
        appended = (
            len(events) >= self._seen
            and (self._seen == 0 or (events[0] is self._first and events[self._seen - 1] is self._last))
        )
        new = list(itertools.islice(events, self._seen, None)) if appended else list(events)
        names = {event.name for event in new if isinstance(event, ActiveLoop) and event.name}
        if not appended or not names <= self._loop_names:
            # Rasa decides with all the session's loop names: start again with the new ones.
            if appended:
                new = list(events)
                names = {event.name for event in new if isinstance(event, ActiveLoop) and event.name}
            self.events = []
            self._loop_names = names
            self.generation += 1
        for event in new:
            self._apply(tracker, event)
        self._seen = len(events)
        self._first = events[0] if events else None
        self._last = events[-1] if events else None
        return self.events

    def _apply(self, tracker: DialogueStateTracker, event: Event) -> None:
        """The body of Rasa's `DialogueStateTracker.applied_events` loop for one event."""
        applied = self.events
        if isinstance(event, (Restarted, SessionStarted)):
            self.events = []
            self.generation += 1
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
            self.generation += 1
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
            self.generation += 1
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in self._loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            before = len(applied)
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
            if len(applied) != before:
                self.generation += 1
        else:
            applied.append(event)


@dataclass
class _StatesSoFar:
    """One replay of `Domain.states_for_tracker_history` for one set of arguments."""

    domain: Domain
    omit_unset_slots: bool
    ignore_rule_only_turns: bool
    rule_only_data: Optional[Dict[Text, Any]]
    replay: DialogueStateTracker
    generation: int
    consumed: int = 0
    states: List[State] = field(default_factory=list)
    last_ml_action_sub_state: Optional[Dict[Text, Any]] = None
    turn_was_hidden: bool = False

    def carry_on(self, applied: List[Event]) -> List[State]:
        """The states of the applied events: a new list of the states kept, and the last one.

        The states kept are handed out to every call, as the policies' featurizers leave them:
        the user's text is dropped where the intent is given (`_remove_user_text_if_intent`,
        which the featurizers apply to every state they are given, in place). This is the one
        difference from Rasa's `past_states`, whose states keep the text until the featurizer
        drops it; the last state is made afresh at every call, text and all, since
        `_choose_last_user_input` may keep its text rather than its intent.
        """
        for event in applied[self.consumed:]:
            if isinstance(event, ActionExecuted) and self.step(event.hide_rule_turn, self.states):
                _as_featurized(self.states[-1])
            self.replay.update(event)
        self.consumed = len(applied)
        # Rasa's last `yield tracker, False`: the loop's variables are left as they were.
        carried = self.last_ml_action_sub_state, self.turn_was_hidden
        states = list(self.states)
        self.step(False, states)
        self.last_ml_action_sub_state, self.turn_was_hidden = carried
        return states

    def step(self, hide_rule_turn: bool, states: List[State]) -> bool:
        """The loop body of Rasa 3.6.21's `Domain.states_for_tracker_history`, for the replay as
        it stands (Rasa's prior tracker); False when the turn is hidden (no state added)."""
        domain, tr = self.domain, self.replay
        if self.ignore_rule_only_turns:
            if not self.turn_was_hidden:
                self.last_ml_action_sub_state = domain._get_prev_action_sub_state(tr)
            if not tr.followup_action and not tr.latest_action_name == tr.active_loop_name:
                self.turn_was_hidden = hide_rule_turn
            if self.turn_was_hidden:
                return False
        state = domain.get_active_state(tr, omit_unset_slots=self.omit_unset_slots)
        if self.ignore_rule_only_turns:
            domain._remove_rule_only_features(state, self.rule_only_data)
            if states:
                domain._substitute_rule_only_user_input(state, states[-1])
            if self.last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = self.last_ml_action_sub_state  # type: ignore[assignment]
        states.append(domain._clean_state(state))
        return True


class ConversationTracker(DialogueStateTracker):
    """`DialogueStateTracker` with the same results, at a cost per turn that does not grow.

    Built by the tracker store (`bot.tracker_store`) for every conversation it reads or creates.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._applied = _AppliedEvents()
        self._states: Dict[Any, _StatesSoFar] = {}
        self._dicts: Dict[int, tuple[Event, Any, Any, Dict[Text, Any]]] = {}

    # --- applied events and the policies' states ------------------------------------------

    def applied_events(self) -> List[Event]:
        """Rasa's applied events (a new list each call, as Rasa's)."""
        return list(self._applied.catch_up(self))

    def past_states(
        self,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        """Rasa's `past_states`, carried on from the last call with the same arguments."""
        applied = self._applied.catch_up(self)
        key = (id(domain), omit_unset_slots, ignore_rule_only_turns, _frozen(rule_only_data))
        so_far = self._states.get(key)
        if so_far is None or so_far.domain is not domain or so_far.generation != self._applied.generation:
            so_far = _StatesSoFar(
                domain, omit_unset_slots, ignore_rule_only_turns, copy.deepcopy(rule_only_data),
                self._replay_tracker(), self._applied.generation,
            )
            self._states[key] = so_far
        return so_far.carry_on(applied)

    def _replay_tracker(self) -> DialogueStateTracker:
        """What Rasa's `generate_all_prior_trackers` replays into: `init_copy()`, Rasa's class."""
        return DialogueStateTracker(
            self.sender_id or DEFAULT_SENDER_ID,
            self.slots.values(),
            self._max_event_history,
            is_rule_tracker=self.is_rule_tracker,
        )

    # --- copies and the action server's view ------------------------------------------------

    def copy(self) -> "ConversationTracker":
        """What Rasa's `copy()` (a replay of every event into `init_copy()`) gives, by copying.

        Every part of a tracker's state is set by its events, so replaying them all gives the
        state this tracker has: slots (copied, sharing their values as a replay does), the latest
        message and bot utterance (the same event objects), the latest action, the active loop,
        the follow-up action and the pause. Like Rasa's copy it has no model or assistant id.
        """
        twin = ConversationTracker(
            self.sender_id or DEFAULT_SENDER_ID, None, self._max_event_history, is_rule_tracker=self.is_rule_tracker
        )
        twin.slots = {name: copy.copy(slot) for name, slot in self.slots.items()}
        twin.events = self._create_events(list(self.events))
        twin._paused = self._paused
        twin.followup_action = self.followup_action
        twin.latest_action = dict(self.latest_action) if self.latest_action is not None else None
        twin.latest_message = self.latest_message
        twin.latest_bot_utterance = self.latest_bot_utterance
        twin.active_loop = copy.copy(self.active_loop)
        twin._dicts = self._dicts
        return twin

    def travel_back_in_time(self, target_time: float) -> DialogueStateTracker:
        """Rasa's, except that `copy()` (an infinite target time) is the copy above."""
        if target_time == float("inf"):
            return self.copy()
        return super().travel_back_in_time(target_time)

    def current_state(self, event_verbosity: EventVerbosity = EventVerbosity.NONE) -> Dict[Text, Any]:
        """Rasa's `current_state`, with each event's dict made once."""
        state = super().current_state(EventVerbosity.NONE)
        events = self._events_for_verbosity(event_verbosity)
        state["events"] = [self._event_dict(event) for event in events] if events is not None else None
        return state

    def _event_dict(self, event: Event) -> Dict[Text, Any]:
        """`event.as_dict()`, made again when the event may have changed since.

        Events are changed in place in three ways: `update()` gives them new metadata (a new
        dict), and `EntitiesAdded` and `DefinePrevUserUtteredFeaturization` change the latest
        user message's entities and featurization flag; all three are part of the key.
        """
        changes = (len(event.entities), event.use_text_for_featurization) if isinstance(event, UserUttered) else None
        kept = self._dicts.get(id(event))
        if kept is not None and kept[0] is event and kept[1] is event.metadata and kept[2] == changes:
            return kept[3]
        made = event.as_dict()
        if len(self._dicts) >= _DICTS_KEPT:
            self._dicts.clear()
        self._dicts[id(event)] = (event, event.metadata, changes, made)
        return made


def _as_featurized(state: State) -> None:
    """Rasa's `TrackerFeaturizer._remove_user_text_if_intent` for one state, in place."""
    user = state.get(USER)
    if user and user.get(INTENT) and user.get(TEXT):
        del user[TEXT]


def _frozen(rule_only_data: Optional[Dict[Text, Any]]) -> str:
    return json.dumps(rule_only_data, sort_keys=True, default=str)

