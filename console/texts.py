"""The console's Chinese words outside its templates, from console/texts.yml (read once).

`names(group)` → {code: name} (e.g. "channels"); `text(key, **values)` → a message with its
{placeholders} filled. KeyError for a group or key the file lacks (a typo must fail loudly).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yml")


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))


def names(group: str) -> dict[str, str]:
    return _texts()["names"][group]


def text(key: str, **values: Any) -> str:
    return _texts()["messages"][key].format(**values)
