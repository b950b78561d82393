"""Sessions and applications as citizens read them, from the templates in data/texts.yml."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from activities.catalogue import Activity
from activities.models import ONLINE_ONLY
from activities.service import CLOSED, ONLINE, OPEN, ApplicationView, SessionView

TEXTS_FILE = Path(__file__).parent / "data" / "texts.yml"


@lru_cache(maxsize=1)
def texts() -> dict[str, Any]:
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))


def _t(key: str, **values: Any) -> str:
    return texts()[key].format(**values)


def day(value: dt.date) -> str:
    return _t("date", month=value.month, day=value.day)


def kind(activity: Activity) -> str:
    return _t(f"kind_{activity.kind}", number=activity.number)


def units(activity: Activity) -> str:
    return "、".join(activity.units)


def activity_line(activity: Activity) -> str:
    return _t("activity", kind=kind(activity), title=activity.title, units=units(activity))


def pending_lines(activities: list[Activity]) -> str:
    """A numbered list, one activity a line, for a reply that says after it that these have
    no dates yet. Never put inside a sentence: use `activity_names` there."""
    return "\n".join(
        _t("pending_line", index=i, kind=kind(a), title=a.title, units=units(a))
        for i, a in enumerate(activities, start=1)
    )


def activity_name(activity: Activity) -> str:
    """"“政策公开讲”第2讲“政府采购宣讲”": an activity named inside a sentence."""
    return _t("activity_name", kind=kind(activity), title=activity.title)


def activity_names(activities: list[Activity], most: int = 3) -> str:
    """Activities named inside a sentence, joined with 、; beyond `most`, "…等N项活动"."""
    names = "、".join(activity_name(a) for a in activities[:most])
    return _t("activity_names_more", names=names, count=len(activities)) if len(activities) > most else names


def according_to(source: str) -> str:
    """"按照《…》（…），" before a rule read from a plan; nothing when no plan states it."""
    return _t("according_to", source=source) if source else ""


def demo_notice(session: SessionView) -> str:
    return texts()["demo_notice"] if session.demo else ""


def kinds_pending(kinds: tuple[str, ...]) -> str:
    """"“政务开放日”各开放点的活动、“政策公开讲”各场宣讲" when no single activity was named."""
    return "、".join(texts()["kinds_pending"][k] for k in kinds)


def _demo(session: SessionView) -> str:
    return texts()["demo_label"] if session.demo else ""


def when(session: SessionView) -> str:
    end = f"—{session.ends_at:%H:%M}" if session.ends_at else ""
    return _t(
        "session_time",
        date=day(session.starts_at.date()),
        weekday=texts()["weekdays"][session.starts_at.weekday()],
        time=f"{session.starts_at:%H:%M}",
        end=end,
    )


def session_label(session: SessionView) -> str:
    """"【演示】“政策公开讲”第4讲“医保惠民政策宣讲”，12月14日（周一）14:30—16:30"."""
    return f"{_demo(session)}{kind(session.activity)}“{session.activity.title}”，{when(session)}"


def venue(session: SessionView, piece: str) -> str:
    """The venue `piece` of a line or detail; nothing for a live stream, which has no venue
    (the schedule stores "线上" there; how to watch is said separately)."""
    return "" if session.mode == ONLINE_ONLY else _t(piece, venue=session.venue)


def session_line(session: SessionView, index: int) -> str:
    return _t(
        "session_line",
        index=index,
        demo=_demo(session),
        date=day(session.starts_at.date()),
        weekday=texts()["weekdays"][session.starts_at.weekday()],
        time=f"{session.starts_at:%H:%M}",
        kind=kind(session.activity),
        title=session.activity.title,
        mode=session.mode,
        venue=venue(session, "venue_in_line"),
    )


def registration(session: SessionView) -> str:
    state = session.window.state
    if state == ONLINE:
        return texts()["registration_online"]
    if state == CLOSED:
        return _t("registration_closed", closes_on=day(session.window.closes_on))
    return _t("registration_open", closes_on=day(session.window.closes_on), capacity=session.capacity)


def session_detail(session: SessionView) -> str:
    text = _t(
        "session_detail",
        demo=_demo(session),
        kind=kind(session.activity),
        title=session.activity.title,
        when=when(session),
        mode=session.mode,
        venue=venue(session, "venue_in_detail"),
        units=units(session.activity),
        registration=registration(session),
        summary=session.activity.summary,
        document=session.activity.document_title,
        document_number=session.activity.document_number,
    )
    if session.live_details:
        text += "\n" + how_to_watch(session.live_details)
    return text


def how_to_watch(live_details: str | None) -> str:
    """"观看方式：…" for a reply that ends with it; nothing when the organisers gave none."""
    return _t("live_line", live=live_details) if live_details else ""


def session_buttons(sessions: list[SessionView]) -> list[dict[str, str]]:
    """One button per session: sign up where registration is open, otherwise details."""
    buttons = []
    for index, session in enumerate(sessions, start=1):
        open_ = session.window.state == OPEN
        title = _t("registration_button" if open_ else "detail_button", index=index)
        intent = "sign_up" if open_ else "ask_activity_schedule"
        buttons.append({"title": title, "payload": f'/{intent}{{"activity_session": "{session.code}"}}'})
    return buttons


def status_note(application: ApplicationView) -> str:
    return texts()["status_notes"][application.status]


def organisation(application: ApplicationView) -> str:
    return application.organisation or texts()["none"]


