"""The Rasa HTTP API as tests use it for what a citizen cannot type (issue 15: typed "/"
payloads never drive the dialogue): an intent the NLU or a widget button would give."""
from __future__ import annotations

import json
import urllib.request

from tests.conftest import RunningAssistant


def trigger_intent(assistant: RunningAssistant, sender: str, intent: str) -> str:
    """The reply texts, joined, of a turn in which the citizen's message was `intent`
    (POST /conversations/<sender>/trigger_intent, with the API token)."""
    request = urllib.request.Request(
        assistant.api_url(f"/conversations/{sender}/trigger_intent?output_channel=latest"),
        data=json.dumps({"name": intent}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        messages = json.loads(response.read()).get("messages") or []
    return "\n".join(m.get("text", "") for m in messages)
