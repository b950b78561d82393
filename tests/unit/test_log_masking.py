"""bot.log_masking: no phone number and no API token in a log line, whoever writes it.

The end-to-end check over every log file of a running assistant is
tests/e2e/test_log_masking.py; here the masking itself, in this process and in a fresh one.
"""
from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

import pytest
import structlog

from bot import log_masking
from bot.log_masking import mask_log_text
from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.unit

PHONE = "13912340079"
MASKED = "139****0079"


@pytest.fixture(autouse=True)
def _installed() -> None:
    log_masking.install()  # importing `bot` did it already; installing again changes nothing


def _handler_added_later(logger: logging.Logger) -> io.StringIO:
    """A handler configured after install, as Rasa and Sanic do when they start."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return stream


@pytest.mark.parametrize(
    "line",
    [
        f"用户说：我的电话{PHONE}",
        f"号码{PHONE}",
        # structlog's JSONRenderer escapes Chinese: the digit of the escape touches the number.
        json.dumps({"parse_data_text": f"号码{PHONE}"}),
        # repr of UTF-8 bytes, and a URL: \x81 and %B7 end in digits too.
        repr(f"号{PHONE}".encode()),
        f"/conversations/%E5%8F%B7{PHONE}/tracker",
        f"50%{PHONE}",
        f"{PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}",
        # full-width digits, as typed and as JSON escapes them
        PHONE.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        "".join(f"\\u{0xFF10 + int(d):04x}" for d in PHONE),
        "\\u7801" + "".join(f"\\u{0xFF10 + int(d):04x}" for d in PHONE),  # 码１３９…
    ],
)
def test_phone_numbers_are_masked_in_every_form_a_log_line_takes(line: str) -> None:
    masked = mask_log_text(line)
    assert PHONE not in masked.replace(" ", "")
    assert MASKED in masked


def test_text_without_a_phone_number_is_left_as_it_is() -> None:
    line = 'ticket 2026120100001 {"intent": "inform", "confidence": 0.99} \\u4f60\\u597d'
    assert mask_log_text(line) == line


def test_the_api_token_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s3cr3t-token-value-0123456789"
    monkeypatch.setenv("RASA_API_TOKEN", secret)
    assert mask_log_text(f"GET /status?token={secret} 200") == "GET /status?token=*** 200"
    assert mask_log_text("Cannot connect to http://127.0.0.1:5005/conversations/a/tracker/events?token=abc&x=1") \
        .endswith("?token=***&x=1")
    assert secret not in mask_log_text(f"configured with {secret}")


def test_a_handler_configured_later_writes_masked_lines_and_tracebacks() -> None:
    logger = logging.getLogger("test_log_masking.later")
    stream = _handler_added_later(logger)
    logger.info("message %s", f"我的手机{PHONE}")
    try:
        raise ValueError(f"bad input 号码{PHONE}")
    except ValueError:
        logger.exception("failed for %r", {"text": f"号码{PHONE}"})
    output = stream.getvalue()
    assert PHONE not in output
    assert output.count(MASKED) == 3  # the message, the formatted argument, the exception


def test_the_record_itself_is_masked_for_handlers_that_do_not_format() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("test_log_masking.records")
    logger.addHandler(Keep())
    logger.propagate = False
    logger.warning("%s", PHONE)
    assert records[0].getMessage() == MASKED


def test_structlog_as_rasa_configures_it_is_masked() -> None:
    """Rasa 3.6 renders structlog events as JSON into stdlib logging (configure_structlog)."""
    stream = _handler_added_later(logging.getLogger("test_log_masking.structlog"))
    logger = structlog.wrap_logger(
        logging.getLogger("test_log_masking.structlog"),
        processors=[structlog.processors.JSONRenderer()],
    )
    logger.debug("processor.message", parse_data_text=f"号码{PHONE}")
    assert MASKED in stream.getvalue() and PHONE not in stream.getvalue()


def test_a_fresh_process_masks_its_uncaught_traceback_and_its_warnings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    program = (
        "import logging, warnings\n"
        "import bot\n"  # what every process of the assistant imports
        "logging.basicConfig(level=logging.INFO, format='%(name)s %(message)s')\n"
        f"logging.getLogger('rasa.core').info('user said 号码{PHONE}')\n"
        f"warnings.warn('号码{PHONE}')\n"
        f"raise RuntimeError('号码{PHONE}')\n"
    )
    log_file = tmp_path / "process.log"
    with open(log_file, "wb") as output:
        result = subprocess.run([sys.executable, "-c", program], cwd=PROJECT_ROOT,
                                stdout=output, stderr=subprocess.STDOUT, timeout=60)
    text = log_file.read_text(encoding="utf-8")
    assert result.returncode == 1
    assert PHONE not in text
    assert "py.warnings" in text  # the warning went through logging (pytest keeps its own here)
    assert text.count(MASKED) >= 3, text
