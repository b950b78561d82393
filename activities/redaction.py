"""Forgetting a person in the conversations the Rasa tracker store keeps in the same
database: their phone number (however typed) masked everywhere, their name in the
conversations they applied from."""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.privacy import mask_phone_in
from core.rasa_events import EVENTS as _EVENTS
from core.rasa_events import has_events, mark_changed

REDACTED_NAME = "**"


def redact_conversations(session: Session, phone: str, names: dict[str, str]) -> int:
    """Mask `phone` (however it was typed: full-width digits too) in every stored event, and
    the applicant's name in the events of the conversations they applied from."""
    if not has_events(session):
        return 0
    candidates = session.execute(
        sa.select(_EVENTS.c.id, _EVENTS.c.sender_id, _EVENTS.c.data).where(
            sa.or_(_EVENTS.c.data.like(f"%{phone[-4:]}%"), _EVENTS.c.sender_id.in_(list(names)),
                   # Rasa stores events as JSON with non-ASCII escaped: full-width digits
                   # (０-９, a Chinese IME's) are written \uff10-\uff19.
                   _EVENTS.c.data.like("%\\uff1%", escape="!"))
        )
    ).all()
    changed: set[str] = set()
    count = 0
    for event_id, sender_id, data in candidates:
        redacted = _redacted_event(data or "", phone, names.get(sender_id))
        if redacted != data:
            session.execute(sa.update(_EVENTS).where(_EVENTS.c.id == event_id).values(data=redacted))
            changed.add(sender_id)
            count += 1
    for sender_id in changed:  # a running Rasa server must not keep showing the old text
        mark_changed(session, sender_id)
    return count


def _redacted_event(data: str, phone: str, name: str | None) -> str:
    """One stored event (Rasa's JSON) with `phone` masked in every string it holds, and
    `name` replaced; the same JSON text when nothing changed."""
    def redact(value: Any) -> Any:
        if isinstance(value, str):
            value = mask_phone_in(value, phone)
            return value.replace(name, REDACTED_NAME) if name else value
        if isinstance(value, list):
            return [redact(v) for v in value]
        if isinstance(value, dict):
            return {k: redact(v) for k, v in value.items()}
        return value

    try:
        event = json.loads(data)
    except ValueError:  # not JSON: mask the text as it is
        return redact(data)
    redacted = redact(event)
    return data if redacted == event else json.dumps(redacted)
