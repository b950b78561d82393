"""The hotline number citizens are told is the setting HOTLINE_NUMBER, never a literal.

Every text the assistant can say — domain responses (bot/domain/*.yml), the answer
engine's texts and suggested questions (kb/data/answering.yml), the activities' and
channels' data files, the web widget (widget/) — names the hotline through a variable
filled from the settings: `{hotline}` in responses and answer texts, GET /widget/config in
the widget, `{{hotline}}` in the demo page. A literal "12345" is allowed only where it
RECOGNISES what a citizen types ("打12345有用吗"): listed in RECOGNISERS below.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from bot.channels.widget import HOTLINE_MARK, demo_page, widget_config
from bot.settings import PROJECT_ROOT, load_settings

pytestmark = pytest.mark.unit

# The default number, as a whole number (not inside a phone number like 13812345678).
LITERAL = re.compile(r"(?<!\d)12345(?!\d)")
OTHER_NUMBER = "96156"

# Data files holding what the assistant says or listens for (comments are not read).
DATA_FILES = sorted(
    [*PROJECT_ROOT.glob("bot/domain/*.yml"), *PROJECT_ROOT.glob("bot/*.yml"),
     *PROJECT_ROOT.glob("bot/channels/*.yml"), *PROJECT_ROOT.glob("kb/data/*.yml"),
     *PROJECT_ROOT.glob("activities/data/*.yml")]
)
# (file, where in it, the string): literals that recognise a citizen's words, never said.
RECOGNISERS = {
    # The gazetteer's topic "12345热线": names citizens use for the hotline in a question.
    ("kb/data/gazetteer.yml", "topics/21/aliases/0", "12345热线"),
    ("kb/data/gazetteer.yml", "topics/21/aliases/3", "打了12345"),
    ("kb/data/gazetteer.yml", "topics/21/aliases/4", "打12345"),
}
# The widget's own files (its texts get the number from GET /widget/config).
WIDGET_FILES = sorted(p for p in (PROJECT_ROOT / "widget").iterdir()
                      if p.suffix in {".js", ".html", ".css"})
DOMAIN_DIR = PROJECT_ROOT / "bot" / "domain"
ANSWERING = PROJECT_ROOT / "kb" / "data" / "answering.yml"
# The sections of answering.yml the engine says (kb/rendering.py); the rest recognises.
ANSWER_SECTIONS = ("texts", "related")
# utter_message calls in actions/ whose response is not a constant and that pass no
# hotline: the responses each can say (none names the hotline).
DYNAMIC_WITHOUT_HOTLINE = {
    ("basics.py", "self.full_response"): ["utter_greet", "utter_you_are_welcome"],
    ("basics.py", "self.brief_response"): ["utter_greet_brief", "utter_you_are_welcome_brief"],
    ("forms.py", "invalid"): ["utter_invalid_handoff_phone", "utter_invalid_name", "utter_invalid_phone",
                              "utter_invalid_identity", "utter_invalid_organisation", "utter_invalid_reference"],
    ("signup.py", "NOTHING_STORED[refusal['why']]"): [
        "utter_signup_nothing_stored_pending", "utter_signup_nothing_stored_closed",
        "utter_signup_nothing_stored_online"],
}


def strings(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a parsed YAML value, with its path ("responses/utter_x/0/text")."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{where}/{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{where}/{index}")
    elif isinstance(value, str):
        yield where, value


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def responses() -> dict[str, list[Any]]:
    """Every domain response: name -> its variants."""
    found: dict[str, list[Any]] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        found.update(load(path).get("responses") or {})
    return found


def hotline_responses() -> set[str]:
    return {name for name, variants in responses().items()
            if any("{hotline}" in text for _, text in strings(variants))}


# ------------------------------------------------------------------ no literal said


def test_no_domain_response_writes_the_number() -> None:
    said = [(name, text) for name, variants in responses().items()
            for _, text in strings(variants) if LITERAL.search(text)]
    assert said == [], "use {hotline} (actions pass hotline=HOTLINE_NUMBER)"


def test_no_answer_text_writes_the_number() -> None:
    config = load(ANSWERING)
    said = [(section, where, text) for section in ANSWER_SECTIONS
            for where, text in strings(config[section]) if LITERAL.search(text)]
    assert said == [], "use {hotline} (kb/rendering.py fills it from the engine's hotline)"


def test_the_number_is_written_only_in_recognisers() -> None:
    found = {(str(path.relative_to(PROJECT_ROOT)), where, text)
             for path in DATA_FILES for where, text in strings(load(path)) if LITERAL.search(text)}
    assert found == RECOGNISERS


def test_the_widget_files_write_no_number() -> None:
    assert WIDGET_FILES, "widget/ has no files"
    written = [(path.name, number + 1, line.strip())
               for path in WIDGET_FILES
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines())
               if LITERAL.search(line)]
    assert written == [], "the widget reads the number from GET /widget/config"


# ------------------------------------------------------------------ every {hotline} is filled


def test_replies_naming_the_hotline_are_said_by_code_that_fills_it() -> None:
    """A rule or story saying a {hotline} response itself would show "{hotline}": only
    actions (which pass hotline=) and the polite channel wrapper say them."""
    named = hotline_responses()
    assert "utter_hotline" in named  # the test reads the domain it means to
    dialogue = "\n".join(p.read_text(encoding="utf-8")
                         for p in (PROJECT_ROOT / "nlu_data").rglob("*.yml"))
    code = "\n".join(p.read_text(encoding="utf-8")
                     for p in [*(PROJECT_ROOT / "actions").glob("*.py"),
                               *(PROJECT_ROOT / "bot" / "channels").rglob("*.py")])
    said_by_rules = sorted(n for n in named if re.search(rf"\b{n}\b", dialogue))
    assert said_by_rules == []
    assert sorted(n for n in named if not re.search(rf"\b{n}\b", code)) == []


def _utterances() -> Iterator[tuple[str, ast.Call]]:
    for path in sorted((PROJECT_ROOT / "actions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "utter_message":
                yield path.name, node


def _passes_hotline(call: ast.Call) -> bool:
    """hotline=… given, or **notice_values(…) (actions/activities.py, which holds it)."""
    return any(k.arg == "hotline" or (k.arg is None and "notice_values" in ast.unparse(k.value))
               for k in call.keywords)


def test_actions_pass_the_hotline_with_every_response_naming_it() -> None:
    named = hotline_responses()
    missing, unlisted = [], []
    for module, call in _utterances():
        response = next((k.value for k in call.keywords if k.arg == "response"), None)
        if response is None or _passes_hotline(call):
            continue
        if isinstance(response, ast.Constant):
            if response.value in named:
                missing.append((module, call.lineno, response.value))
        elif (module, ast.unparse(response)) not in DYNAMIC_WITHOUT_HOTLINE:
            unlisted.append((module, call.lineno, ast.unparse(response)))
    assert missing == [], "pass hotline=load_settings().hotline_number"
    assert unlisted == [], "pass hotline=, or list the responses it can say in DYNAMIC_WITHOUT_HOTLINE"
    known = responses()
    for listed in DYNAMIC_WITHOUT_HOTLINE.values():
        assert set(listed) <= set(known) and not set(listed) & named


def test_notice_values_carry_the_hotline() -> None:
    source = (PROJECT_ROOT / "actions" / "activities.py").read_text(encoding="utf-8")
    function = next(node for node in ast.walk(ast.parse(source))
                    if isinstance(node, ast.FunctionDef) and node.name == "notice_values")
    assert "hotline_number" in ast.unparse(function)


# ------------------------------------------------------------------ the widget's number


def test_the_widget_config_is_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_NUMBER", OTHER_NUMBER)
    assert widget_config(load_settings()) == {"hotline": OTHER_NUMBER}
    monkeypatch.delenv("HOTLINE_NUMBER")
    assert widget_config(load_settings()) == {"hotline": "12345"}  # the default, unchanged


def test_the_demo_page_names_the_setting() -> None:
    page = demo_page(OTHER_NUMBER)
    assert page.count(OTHER_NUMBER) == 2 and HOTLINE_MARK not in page and not LITERAL.search(page)
    assert "拨打 12345 市民服务热线" in demo_page("12345")
    assert "&lt;b&gt;" in demo_page("<b>") and "<b>" not in demo_page("<b>")
