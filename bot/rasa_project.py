"""Where the Rasa project's pieces live, and how to train it only when its inputs changed.

Rasa's own fingerprinting does not look at the jieba user dictionary and re-reads every
file on each call; naming the model after a hash of everything that shapes it lets
`make run` and `make test` skip training in one stat call and keeps runs reproducible.
"""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from bot.settings import PROJECT_ROOT, Settings, subprocess_environment

CONFIG = PROJECT_ROOT / "config.yml"
DOMAIN = PROJECT_ROOT / "bot" / "domain"
DATA = PROJECT_ROOT / "nlu_data"
ENDPOINTS = PROJECT_ROOT / "endpoints.yml"
CREDENTIALS = PROJECT_ROOT / "bot" / "credentials.yml"
ACTIONS_PACKAGE = "actions"
JIEBA_USERDICT = DATA / "jieba" / "userdict.txt"
GAZETTEER_NLU = DATA / "nlu" / "gazetteer.yml"
CONVERSATION_TESTS = PROJECT_ROOT / "tests" / "conversations"


def rasa_command(*args: str) -> list[str]:
    """Run Rasa with the interpreter of this virtual environment, whatever PATH says."""
    return [sys.executable, "-m", "rasa", *args]


def training_inputs() -> list[Path]:
    """Every file whose content changes the trained model."""
    files = [CONFIG, *(PROJECT_ROOT / "bot" / "nlu").glob("*.py")]  # our pipeline components
    for folder in (DOMAIN, DATA):
        files.extend(p for p in folder.rglob("*") if p.is_file())
    return sorted(files)


def model_fingerprint() -> str:
    """The trained inputs' digest: Rasa's version, the files of `training_inputs()` and what
    the pipeline's first step normalises text against (kb.normalise: its code, the
    gazetteer's vocabulary, answering.yml's pinyin words, the plans' words), so a new plan
    or vocabulary trains a new model instead of one that read the text differently."""
    from kb.normalise import default_normaliser  # jieba, OpenCC, pypinyin: only when asked

    digest = hashlib.sha256(f"rasa=={version('rasa')}".encode())
    digest.update(default_normaliser().fingerprint.encode())
    for path in training_inputs():
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def model_path(settings: Settings) -> Path:
    return settings.models_dir / f"daxing-{model_fingerprint()}.tar.gz"


def train_if_needed(settings: Settings, force: bool = False) -> Path:
    """Train unless a model for exactly these inputs exists; return the model's path."""
    target = model_path(settings)
    if target.exists() and not force:
        return target
    subprocess.run(
        rasa_command(
            "train",
            "--config", str(CONFIG),
            "--domain", str(DOMAIN),
            "--data", str(DATA),
            "--out", str(settings.models_dir),
            "--fixed-model-name", target.name.removesuffix(".tar.gz"),
        ),
        check=True,
        cwd=PROJECT_ROOT,
        env=subprocess_environment(settings),
    )
    return target


def validate_command() -> list[str]:
    return rasa_command(
        "data", "validate",
        "--config", str(CONFIG),
        "--domain", str(DOMAIN),
        "--data", str(DATA),
    )


_UNUSED_RESPONSE = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
_WARNING = re.compile(r"UserWarning: (.*)")


def validation_problems(output: str) -> list[str]:
    """Rasa validator warnings that are real problems (see `daxing validate`)."""
    code = [*(PROJECT_ROOT / ACTIONS_PACKAGE).glob("*.py"), *(PROJECT_ROOT / "bot" / "channels").rglob("*.py")]
    used_in_code = set(re.findall(r"utter_\w+", "".join(path.read_text(encoding="utf-8") for path in code)))
    problems = []
    for warning in _WARNING.findall(output):
        unused = _UNUSED_RESPONSE.search(warning)
        if unused and (unused.group(1) in used_in_code or unused.group(1).startswith("utter_ask_")):
            continue
        problems.append(warning)
    return problems


def _verbosity(settings: Settings) -> list[str]:
    """LOG_LEVEL=DEBUG makes both servers log every message (phone numbers masked)."""
    return ["--debug"] if settings.log_level.upper() == "DEBUG" else []


def action_server_command(settings: Settings) -> list[str]:
    return rasa_command(
        "run", "actions", "--actions", ACTIONS_PACKAGE, "--port", str(settings.actions_port),
        *_verbosity(settings),
    )


def handoff_worker_command() -> list[str]:
    """Delivers tickets to the hotline system and hands conversations back (ops.handoff_worker)."""
    return [sys.executable, "-m", "ops.handoff_worker"]


def console_command() -> list[str]:
    """The staff console (console/main.py), on CONSOLE_HOST:CONSOLE_PORT."""
    return [sys.executable, "-m", "console"]


def rasa_server_command(settings: Settings, model: Path) -> list[str]:
    return rasa_command(
        "run",
        "--model", str(model),
        "--enable-api",
        "--cors", "*",
        "--interface", settings.host,
        "--port", str(settings.bot_port),
        "--credentials", str(CREDENTIALS),
        "--endpoints", str(ENDPOINTS),
        *_verbosity(settings),
    )


def conversation_test_command(model: Path, out_dir: Path) -> list[str]:
    return rasa_command(
        "test", "core",
        "--model", str(model),
        "--stories", str(CONVERSATION_TESTS),
        "--endpoints", str(ENDPOINTS),
        "--out", str(out_dir),
        "--fail-on-prediction-errors",
    )
