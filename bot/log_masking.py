"""No phone number and no API token in any log line of any process of the assistant.

`install()` runs when a process imports the `bot` package (bot/__init__.py) or the actions
package (actions/__init__.py): the Rasa server (its channels, stores and NLU component are in
`bot`), the action server, the hand-off worker and the `daxing` CLI. It masks at three
places, so that handlers Rasa and Sanic configure later are covered too:

- a log-record factory: every record's message is masked when it is created, whoever
  logs it (`logging.setLogRecordFactory`);
- `logging.Formatter.format`, patched on the class: the finished line, tracebacks and stack
  included, of every formatter (Rasa's coloredlogs, Sanic's dictConfig, basicConfig);
- `warnings` go through logging (`logging.captureWarnings`), and `sys.stderr`, when it is a
  file or pipe (a log, not a terminal), masks what is written to it directly (uncaught
  tracebacks). `sys.stdout` is left alone: it is the CLI's output (listings are masked by
  the CLI itself), and every log handler on it formats through the patched Formatter.

Phone numbers are masked by `core.privacy.mask_phones_in` (13912340079 →
139****0079), also next to JSON or repr escapes (structlog renders "号码13912340079" as
`\\u780113912340079`, where the digit before the number hid it from a plain search). Secrets:
the value of RASA_API_TOKEN in this process's environment and any `token=` query parameter.
"""
from __future__ import annotations

import io
import logging
import os
import re
import sys
from typing import Any, Callable, TextIO

from core.privacy import mask_phones_in

MASK = "***"

# Escapes that renderers put in front of text: \uXXXX (JSON), \UXXXXXXXX and \xNN (repr),
# %XX (URLs). ASCII digits are never escaped, so a number is between escapes, never inside one.
_ESCAPE = re.compile(r"(\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\x[0-9a-fA-F]{2}|%[0-9a-fA-F]{2})")
# JSON-escaped full-width digits (\uff10-\uff19) are decoded so that the phone masking sees them.
_ESCAPED_WIDE_DIGIT = re.compile(r"\\u(ff1[0-9])", re.IGNORECASE)
_TOKEN_PARAMETER = re.compile(r"([?&;]token=)[^&\s\"'<>]+", re.IGNORECASE)
_TOKEN_VARIABLE = "RASA_API_TOKEN"


def _mask_phones_between_escapes(text: str) -> str:
    text = mask_phones_in(text)  # first as plain text: "50%13912340079" is not "%13" + …
    if "\\" not in text and "%" not in text:
        return text
    decoded = _ESCAPED_WIDE_DIGIT.sub(lambda m: chr(int(m.group(1), 16)), text)
    parts = _ESCAPE.split(decoded)
    # split() with a group: even indexes are text, odd ones the escapes between them.
    masked = "".join(part if index % 2 else mask_phones_in(part) for index, part in enumerate(parts))
    return text if masked == decoded else masked  # escapes stay unless they hid a number


def mask_log_text(text: str) -> str:
    """A log line as it may be stored: phone numbers and secrets masked.

    Input: any text (a message, a formatted line with its traceback). Output: the same text
    with mainland mobile numbers masked (139****0079), also where escapes stand before them,
    the API token (RASA_API_TOKEN of this process) and any `token=` URL parameter as ***.
    Never raises for a str.
    """
    masked = _mask_phones_between_escapes(text)
    if "token=" in masked.lower():
        masked = _TOKEN_PARAMETER.sub(lambda m: m.group(1) + MASK, masked)
    secret = os.environ.get(_TOKEN_VARIABLE, "")
    if len(secret) >= 8 and secret in masked:
        masked = masked.replace(secret, MASK)
    return masked


def _masking_record_factory(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def create(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is for logging to report, not for us
            return record
        masked = mask_log_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return record

    create.masks_log_text = True  # type: ignore[attr-defined]
    return create


def _masking_format(format_record: Callable[[logging.Formatter, logging.LogRecord], str]):  # type: ignore[no-untyped-def]
    def format(self: logging.Formatter, record: logging.LogRecord) -> str:
        return mask_log_text(format_record(self, record))

    format.masks_log_text = True  # type: ignore[attr-defined]
    return format


class MaskingStream(io.TextIOBase):
    """A text stream that masks what is written and passes everything else to `stream`."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:  # type: ignore[override]
        self._stream.write(mask_log_text(text) if isinstance(text, str) else text)
        return len(text)

    def writelines(self, lines) -> None:  # type: ignore[no-untyped-def, override]
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._stream.flush()

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._stream.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self._stream.errors

    def __getattr__(self, name: str) -> Any:  # buffer, reconfigure, mode, name …
        return getattr(self._stream, name)


def _wrap_stream(stream: TextIO | None) -> TextIO | None:
    if stream is None or isinstance(stream, MaskingStream):
        return stream
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        return stream
    return stream if interactive else MaskingStream(stream)  # type: ignore[return-value]


def install() -> None:
    """Mask phone numbers and secrets in everything this process logs; idempotent.

    Inputs: none (reads RASA_API_TOKEN from the environment at each line). Effects: the
    record factory, `logging.Formatter.format`, `logging.captureWarnings(True)` and
    `sys.stderr` when it is not a terminal. Raises nothing.
    """
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "masks_log_text", False):
        logging.setLogRecordFactory(_masking_record_factory(factory))
    if not getattr(logging.Formatter.format, "masks_log_text", False):
        logging.Formatter.format = _masking_format(logging.Formatter.format)  # type: ignore[method-assign]
    logging.captureWarnings(True)
    sys.stderr = _wrap_stream(sys.stderr)  # type: ignore[assignment]
