"""A plan as a document: its outline (parts and their sub-headings, kb.knowledge.outline),
the part a question names, what a part says first, and the parts of its cover notice (to
whom it is sent, its publication note, its preamble). Input: the document's Record and the
Reading of the question; output: the sentence shown, from answering.yml `texts`."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from core.numerals import CN_SMALL
from kb.knowledge import KnowledgeBase, Record, to_number
from kb.question import Reading

_ADDRESSEE = re.compile(r"的通知\s*([^：:。，]{2,30})[：:]")
_NOTE = re.compile(r"[（(](此件[^）)]{2,12})[）)]")
_EXCEPT = re.compile(r"除(了)?[^，。？]{0,6}$")  # just before the part named: "除了总体要求以外"


class DocumentParts:
    """Wording of a plan's own parts; `t(key, **values)` formats an answering.yml text."""

    def __init__(self, kb: KnowledgeBase, config: Mapping[str, Any], t: Callable[..., str]) -> None:
        self.kb, self.config, self.t = kb, config, t
        self.sep = config["texts"]["list_separator"]

    def structure(self, document: Record, reading: Reading) -> str:
        """The plan's parts with their sub-headings, or the one part the question names
        ("第四部分", "深化重点领域信息公开那部分"); '' when the plan's outline is not whole."""
        parts = self.kb.outline(document.document)
        if not parts:
            return ""
        title = document.document.title
        named = re.search(rf"第([{CN_SMALL}0-9]+)部分", reading.text)
        index = (to_number(named.group(1)) or 0) - 1 if named else -1
        if re.search(r"(最后|最末|末)(那)?(一)?(大)?部分", reading.text):
            index = len(parts) - 1  # "要点最后那一大部分讲的是什么"
        elif re.search(r"(头|首|开头)(那)?(一)?(大)?部分", reading.text):
            index = 0  # "要点头一部分讲的啥"
        if not 0 <= index < len(parts):
            # A part named by its heading, whole or six characters of it in a row.
            bodies = [heading.split("、", 1)[-1] for heading, _ in parts]
            index = next((i for i, body in enumerate(bodies)
                          if body in reading.text or any(body[j:j + 6] in reading.text
                                                         for j in range(max(0, len(body) - 5)))), -1)
        if 0 <= index < len(parts) and _EXCEPT.search(reading.text.split(parts[index][0].split("、", 1)[-1][:4])[0]):
            # "除了总体要求以外，正文还分了哪几大部分": every part but the one named.
            rest = [(h, s) for i, (h, s) in enumerate(parts) if i != index]
            lines = "\n".join(self.t("structure_line", heading=h, subs=self.sep.join(s)) if s else h
                              for h, s in rest)
            return self.t("structure_except", title=title, excluded=parts[index][0], count=len(rest), lines=lines)
        if 0 <= index < len(parts):
            heading, subs = parts[index]
            if not subs and (opening := self._opening_of(document, heading)):
                # "方案第三部分讲的啥" of a part without sub-headings: what it says first.
                return self.t("section", title=title, section=heading, text=opening)
            return self.t("structure_part", title=title, heading=heading,
                          subs=self.sep.join(subs) or heading)
        lines = "\n".join(self.t("structure_line", heading=h, subs=self.sep.join(s)) if s else h
                          for h, s in parts)
        return self.t("structure", title=title, count=len(parts), lines=lines)

    def _opening_of(self, document: Record, heading: str) -> str:
        """The first sentence of the part of `document` under `heading`; '' if none."""
        said = next((p.text for p in document.document.passages if p.section.startswith(heading)), "")
        return said.split("。", 1)[0] + "。" if said else ""

    def notice_parts(self, notice: Record, reading: Reading) -> str:
        """To whom the plan is sent, its publication note (此件主动公开) or its preamble, when
        the question asks for one (answering.yml `notice_parts`); '' when none is asked or
        the notice does not hold it."""
        text, found = notice.row.text, []
        asked = {part for part, words in self.config["notice_parts"].items()
                 if any(re.search(w, reading.text) for w in words)}
        if "addressee" in asked and (m := _ADDRESSEE.search(text)):
            found.append(self.t("document_addressee", addressee=m.group(1)))
        note = _NOTE.search(text)
        if "note" in asked and note:
            found.append(self.t("document_note", note=note.group(1)))
        if "preamble" in asked and note:
            body = text[note.end():]
            title = notice.document.title
            body = body[body.index(title) + len(title):] if title in body else body
            if body.strip():
                found.append(self.t("document_preamble", title=title, text=body.strip()))
        return "".join(found)

