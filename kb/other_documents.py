"""Questions about what another document says (the district's 政府工作报告, the city's own
工作要点, the 政府信息公开条例): the knowledge base holds only the district's published
plans, so such a question is refused, naming the plans' record that mentions that document
when one does — never answered from our plans as if they were that document.

The names citizens use for other documents and the phrases that ask for a document's
contents are data (answering.yml `other_documents`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from kb.knowledge import KnowledgeBase, Record

_QUOTED_TITLE = re.compile(r"《([^》]{2,40})》")
# What does not tell one plan's title from a citizen's name for it.
_TITLE_NOISE = re.compile(r"北京市大兴区|大兴区|\d{4}\s*年|关于印发|的通知|[《》\s]")


def _core(title: str) -> str:
    return _TITLE_NOISE.sub("", title)


class OtherDocuments:
    """Finds a question about the contents of a document that is not one of the stored plans.

    config: answering.yml's `other_documents` ({"names": [regex…], "issued_elsewhere":
    [regex…], "ours": [regex…], "contents_asked": regex}).
    """

    def __init__(self, kb: KnowledgeBase, config: Mapping[str, Any]) -> None:
        self.kb = kb
        self.names = [re.compile(p) for p in config["names"]]
        self.issued_elsewhere = [re.compile(p) for p in config["issued_elsewhere"]]
        self.ours = [re.compile(p) for p in config["ours"]]
        self.contents_asked = re.compile(config["contents_asked"])
        self.titles = [_core(r.document.title) for r in kb.records if r.kind == "document"]

    def asked(self, text: str) -> tuple[str, list[Record]] | None:
        """(the document's name as the citizen wrote it, the plans' records that mention it)
        when `text` asks what a document that is not a stored plan says; None otherwise."""
        for name, end in self._named(text):
            if not self.contents_asked.match(text[end:]):
                continue
            core = _core(name)
            mentioning = [r for r in self.kb.records
                          if r.kind in ("item", "site", "lecture") and core and core in r.text]
            return name, mentioning[:1]
        return None

    def _named(self, text: str) -> Sequence[tuple[str, int]]:
        found = [(m.group(1), m.end()) for m in _QUOTED_TITLE.finditer(text) if not self._is_ours(m.group(1))]
        for pattern in self.names:
            found += [(m.group(0), m.end()) for m in pattern.finditer(text)]
        for pattern in self.issued_elsewhere:
            found += [(m.group(0), m.end()) for m in pattern.finditer(text)
                      if not any(p.search(m.group(0)) for p in self.ours)]
        return found

    def _is_ours(self, title: str) -> bool:
        """Whether a quoted title is a stored plan's, as citizens shorten it."""
        core = _core(title)
        return any(p.search(title) for p in self.ours) or any(core and core in own for own in self.titles)
