"""Phone numbers: normalised for storage, masked everywhere people or logs can see them."""
from __future__ import annotations

import logging
import re

# Mainland mobile numbers: 1[3-9] and nine more digits, optionally written with +86,
# spaces or hyphens ("138 1234 5678", "+86-138-1234-5678").
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_PHONE_EXACT = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")


def normalise_phone(text: str) -> str | None:
    """"138 1234-5678" / "+8613812345678" → "13812345678"; None if not a mainland mobile."""
    compact = re.sub(r"[\s\-()（）]", "", text or "")
    match = _PHONE_EXACT.fullmatch(compact)
    return match.group(1) if match else None


def find_phone(text: str) -> str | None:
    """The first mainland mobile number inside a longer message ("我的手机是138…")."""
    match = _PHONE_IN_TEXT.search(text or "")
    return "".join(match.groups()) if match else None


def phone_of(text: str) -> str | None:
    """The number a citizen gave, whether they typed only the number or a sentence."""
    return normalise_phone(text) or find_phone(text)


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678 (the form citizens know from bank and delivery apps)."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_phones_in(text: str) -> str:
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone("".join(m.groups())), text)


def mask_phone_in(text: str, phone: str) -> str:
    """Mask one particular number wherever it occurs in `text`, in any of its written forms."""
    return _PHONE_IN_TEXT.sub(
        lambda m: mask_phone(phone) if "".join(m.groups()) == phone else m.group(0), text
    )


def install_log_masking() -> None:
    """Mask phone numbers in every log record of this process, whoever logs it.

    A record factory (not a handler filter) so it also covers handlers that libraries such
    as Rasa and Sanic configure after we are imported. Installing twice is harmless.
    """
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_phones", False):
        return

    def masking_factory(*args, **kwargs):  # type: ignore[no-untyped-def]
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem to report, not ours
            return record
        masked = mask_phones_in(message)
        if masked != message:
            record.msg, record.args = masked, None
        return record

    masking_factory.masks_phones = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masking_factory)
