"""Rasa validates every action server response against one JSON schema, compiled once here.

Rasa 3.6's `RemoteAction._validate_action_result` calls `jsonschema.validate(result,
schema)` for each response of the action server (every custom action and every form
validation). That one-shot helper checks the schema against the JSON Schema meta-schema and
builds a new validator each time; measured with py-spy at 16 concurrent conversations it was
about a fifth of the Rasa server's busy time (docs/performance.md). The schema never changes,
so `install()` makes the same check — the same schema, the same `ValidationError` with
Rasa's own message — with a validator built once per process.

This is the one place we replace a Rasa method (Rasa has no extension point for it);
`install()` refuses to patch a Rasa whose method it does not know, so an upgrade cannot
silently lose the validation.
"""
from __future__ import annotations

import functools
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction

_RASA_VALIDATOR = RemoteAction._validate_action_result


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(action: RemoteAction, result: dict[str, Any]) -> bool:
    """True when `result` (an action server response: {"events": [...], "responses": [...]})
    fits Rasa's response schema; raises jsonschema.ValidationError as Rasa's own check does."""
    error = best_match(_validator().iter_errors(result))
    if error is None:
        return True
    try:  # Rasa's own wording of the error, from Rasa's own method
        _RASA_VALIDATOR(action, result)
    except jsonschema.ValidationError:
        raise
    raise error  # pragma: no cover - both checks use the same schema


def install() -> None:
    """Make every RemoteAction validate with the compiled schema (idempotent)."""
    if RemoteAction._validate_action_result is validate_action_result:
        return
    if RemoteAction._validate_action_result is not _RASA_VALIDATOR or \
            getattr(_RASA_VALIDATOR, "__qualname__", "") != "RemoteAction._validate_action_result":
        raise RuntimeError("RemoteAction._validate_action_result is not Rasa 3.6's: review bot/action_results.py")
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
