"""The domain's responses for what the channels say without a dialogue turn.

Rasa renders the responses the actions name. The channels also say a few things themselves:
the polite replies to empty, over-long, typed-command or unhandled messages
(bot/channels/polite.py) and the WeChat channel's notices (bot/channels/wechat/). They all
read them here, from the files the model is trained on (bot/domain/*.yml), once per process
(`bot.services.Services.responses`):

- `Responses.from_domain(directory, values)`: every `responses:` entry of the domain files,
  with the values every text may name (`{hotline}`: HOTLINE_NUMBER);
- `variants(name, channel)`: the texts of a response as Rasa picks them for a channel (its
  own `channel:` variants, otherwise those without a channel);
- `render(name, channel, **values)`: the first of them with its `{placeholders}` filled;
  `choose(...)` the same with a variant chosen at random, as Rasa does.
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

import yaml

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Responses:
    """The texts of the domain's responses, by name, with their channel variants."""

    def __init__(self, responses: Mapping[str, Sequence[Mapping[str, Any]]],
                 values: Optional[Mapping[str, Any]] = None) -> None:
        """`responses`: name -> variants as in a domain file (dicts with "text" and
        optionally "channel"); `values`: what every text may name, e.g. {"hotline": "12345"}."""
        self._responses = {name: list(variants or []) for name, variants in responses.items()}
        self._values = dict(values or {})

    @classmethod
    def from_domain(cls, directory: Path, values: Optional[Mapping[str, Any]] = None) -> "Responses":
        """The responses of every domain file (*.yml) in `directory`; a later file's response
        of the same name replaces an earlier one. Raises OSError or yaml.YAMLError for an
        unreadable file."""
        responses: dict[str, list[Mapping[str, Any]]] = {}
        for path in sorted(directory.glob("*.yml")):
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            responses.update(content.get("responses") or {})
        return cls(responses, values)

    def variants(self, name: str, channel: Optional[str] = None) -> list[str]:
        """The texts of response `name` for `channel`: its `channel:` variants when it has
        any, otherwise those without a channel; [] for a response the domain lacks."""
        variants = [v for v in self._responses.get(name, []) if v.get("text")]
        own = [v["text"] for v in variants if channel and v.get("channel") == channel]
        return own or [v["text"] for v in variants if not v.get("channel")]

    def render(self, name: str, channel: Optional[str] = None,
               pick: Callable[[list[str]], str] = lambda texts: texts[0], **values: Any) -> str:
        """Response `name` for `channel` (the variant `pick` takes, the first by default),
        its `{placeholders}` filled from `values` and the values given at construction (a
        placeholder named in neither stays as written). KeyError when the domain has no text
        for `name`."""
        texts = self.variants(name, channel)
        if not texts:
            raise KeyError(name)
        known = {**self._values, **values}
        return _PLACEHOLDER.sub(
            lambda m: str(known[m.group(1)]) if m.group(1) in known else m.group(0), pick(texts)
        )

    def choose(self, name: str, channel: Optional[str] = None, **values: Any) -> str:
        """`render` with a variant chosen at random, as Rasa chooses among variants."""
        return self.render(name, channel, random.choice, **values)
