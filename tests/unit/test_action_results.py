"""Rasa's check of the action server's responses, with the schema compiled once (issue 19):
the same responses pass and fail as with Rasa's own one-shot check, with Rasa's message."""
from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot import action_results

pytestmark = pytest.mark.unit

GOOD = [
    {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "您好"}]},
    {"events": [], "responses": []},
    {},
]
BAD = [
    {"events": [{"event": "slot", "name": 3}], "responses": []},
    {"events": [], "responses": "您好"},
    {"events": [{"event": "no_such_event"}]},
]


@pytest.fixture(scope="module")
def action() -> RemoteAction:
    action_results.install()
    assert RemoteAction._validate_action_result is action_results.validate_action_result
    return RemoteAction("action_answer", None)


@pytest.mark.parametrize("result", GOOD)
def test_valid_responses_pass_as_with_rasa(action: RemoteAction, result: dict) -> None:
    assert action_results._RASA_VALIDATOR(action, result)
    assert action._validate_action_result(result)


@pytest.mark.parametrize("result", BAD)
def test_invalid_responses_fail_as_with_rasa_and_with_its_message(action: RemoteAction, result: dict) -> None:
    with pytest.raises(jsonschema.ValidationError):
        action_results._RASA_VALIDATOR(action, result)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(result)


def test_installing_twice_is_harmless() -> None:
    action_results.install()
    action_results.install()
    assert RemoteAction._validate_action_result is action_results.validate_action_result
