"""Schedules, registration windows, applications and selection, on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from activities.catalogue import Catalogue
from activities.models import CANCELLED, NOT_SELECTED, PENDING, SELECTED
from activities.schedule import ScheduleError, demo_rows, import_file, parse_rows
from activities.service import CLOSED, ONLINE, OPEN, ActivityService, RegistrationRefused, UnknownSession
from tests.activity_support import NOW, Clock, load, request, session_row

# --- schedule files ------------------------------------------------------------------


def test_yaml_and_csv_schedules_import_and_reimport_updates(
    service: ActivityService, tmp_path: Path
) -> None:
    yaml_file = tmp_path / "schedule.yml"
    yaml_file.write_text(
        "sessions:\n"
        "  - activity: 开放点9\n    starts_at: 2026-12-15 09:30\n    venue: 仲裁院\n"
        "    announced_on: 2026-11-30\n"
        "  - activity: 政策公开讲4\n    starts_at: 2026-12-18 14:30\n    mode: 线上直播\n"
        "    live_details: 北京大兴视频号\n    announced_on: 2026-11-30\n",
        encoding="utf-8",
    )
    csv_file = tmp_path / "schedule.csv"
    csv_file.write_text(
        "\ufeffcode,activity,starts_at,venue,mode,capacity,announced_on,live_details\r\n"
        "L3,政策公开讲3,2026-12-22 10:00,区人保局报告厅,线上线下结合,40,2026-12-01,视频号同步直播\r\n",
        encoding="utf-8",
    )
    url = service.database_url
    assert import_file(url, yaml_file, service.catalogue, today=NOW.date()) == (2, 0)
    assert import_file(url, csv_file, service.catalogue, today=NOW.date()) == (1, 0)
    assert import_file(url, yaml_file, service.catalogue, today=NOW.date()) == (0, 2)
    sessions = {row.code: row for row, _ in service.sessions()}
    assert set(sessions) == {"site9-20261215-0930", "lecture4-20261218-1430", "L3"}
    assert sessions["L3"].capacity == 40 and sessions["L3"].mode == "线上线下结合"
    assert sessions["site9-20261215-0930"].capacity == 30  # the plan's "约30人" default


def test_a_bad_schedule_reports_every_error_and_imports_nothing(service: ActivityService) -> None:
    rows = [
        session_row(code="A", mode="线下讲座"),
        session_row(code="B", activity="开放点99"),
        session_row(code="C", announced_on="2026-12-10"),
        session_row(code="D", venue=""),
        session_row(code="E", mode="线上直播", live_details=""),
        session_row(code="F", capacity="三十"),
        session_row(code="G"),
    ]
    with pytest.raises(ScheduleError) as raised:
        parse_rows(rows, service.catalogue, NOW.date())
    errors = raised.value.errors
    assert [e.split("：")[0] for e in errors] == [f"第{n}行" for n in range(1, 7)]
    assert "须至少提前 5 个工作日公告，即不晚于 2026-12-08" in errors[2]
    assert service.sessions() == []


def test_announcement_deadline_counts_statutory_holidays_and_makeup_days(
    service: ActivityService,
) -> None:
    """2026 Spring Festival: 15–23 Feb off, Saturday 14 Feb a make-up working day.

    An offline session on Wed 25 Feb must be announced by 11 Feb (plain weekdays would say 18 Feb).
    """
    late = session_row(starts_at="2026-02-25 09:30", announced_on="2026-02-12")
    with pytest.raises(ScheduleError, match="即不晚于 2026-02-11"):
        parse_rows([late], service.catalogue, dt.date(2026, 2, 1))
    on_time = session_row(starts_at="2026-02-25 09:30", announced_on="2026-02-11")
    assert parse_rows([on_time], service.catalogue, dt.date(2026, 2, 1))[0].announced_on == dt.date(2026, 2, 11)
    # A live stream needs only 3 working days (24 Feb, Sat 14 Feb, 13 Feb): 13 Feb is the last day.
    live = dict(on_time, mode="线上直播", live_details="视频号", venue="")
    assert parse_rows([dict(live, announced_on="2026-02-13")], service.catalogue, dt.date(2026, 2, 1))
    with pytest.raises(ScheduleError, match="提前 3 个工作日公告，即不晚于 2026-02-13"):
        parse_rows([dict(live, announced_on="2026-02-14")], service.catalogue, dt.date(2026, 2, 1))


def test_demo_schedule_is_labelled_and_dated_from_today(catalogue: Catalogue) -> None:
    rows = demo_rows(NOW.date())
    specs = parse_rows(rows, catalogue, NOW.date(), demo=True)
    assert specs and all(s.demo and s.code.startswith("DEMO-") for s in specs)
    assert all(s.starts_at.date() > NOW.date() for s in specs)
    with pytest.raises(ScheduleError, match="留给演示场次"):
        parse_rows([session_row(code="DEMO-1")], catalogue, NOW.date())


# --- what citizens see ---------------------------------------------------------------


def test_only_announced_future_sessions_are_visible(service: ActivityService, clock: Clock) -> None:
    load(
        service,
        session_row(code="NOW"),
        session_row(code="LATER", starts_at="2027-03-10 09:30", announced_on="2027-02-01"),
    )
    assert [s.code for s in service.upcoming()] == ["NOW"]
    assert service.session("LATER") is None
    clock.now = dt.datetime(2026, 12, 15, 9, 30)  # the session has started
    assert service.upcoming() == []


def test_registration_window_opens_at_announcement_and_closes_two_working_days_before(
    service: ActivityService, clock: Clock
) -> None:
    load(service, session_row(), session_row(code="LIVE", mode="线上直播", venue="", live_details="视频号"))
    session = service.session("S1")
    assert session.window.state == OPEN and session.window.closes_on == dt.date(2026, 12, 11)
    assert service.session("LIVE").window.state == ONLINE
    clock.now = dt.datetime(2026, 12, 11, 23, 59)
    assert service.session("S1").window.state == OPEN
    clock.now = dt.datetime(2026, 12, 14, 8, 0)
    assert service.session("S1").window.state == CLOSED


def test_queries_filter_by_kind_unit_topic_month_and_number(service: ActivityService) -> None:
    load(
        service,
        session_row(code="SITE9"),
        session_row(code="LEC4", activity="政策公开讲4", starts_at="2027-01-12 14:30", venue="医保局"),
        session_row(code="SITE7", activity="开放点7", starts_at="2026-12-22 09:00", venue="司法局"),
    )
    today = NOW.date()

    def codes(text: str) -> list[str]:
        return [s.code for s in service.upcoming(service.catalogue.query(text, {}, today))]

    assert codes("最近有什么活动") == ["SITE9", "SITE7", "LEC4"]
    assert codes("政务开放日哪天举办") == ["SITE9", "SITE7"]
    assert codes("医保的宣讲什么时候") == ["LEC4"]
    assert codes("司法局的开放日") == ["SITE7"]
    assert codes("开放点9几号开放") == ["SITE9"]
    assert codes("明年1月有啥活动") == ["LEC4"]
    assert codes("12月有什么活动") == ["SITE9", "SITE7"]
    assert codes("下个月有活动吗") == ["LEC4"]
    assert codes("开放点3什么时候") == []


# --- applications --------------------------------------------------------------------


def test_apply_saves_pending_with_reference_and_consent_time(service: ActivityService) -> None:
    load(service, session_row())
    outcome = service.apply(request())
    application = outcome.application
    assert outcome.created and application.status == PENDING
    assert application.reference.startswith("DX-") and len(application.reference) == 9
    assert application.masked_phone == "138****5678"
    assert application.consent_at == NOW - dt.timedelta(minutes=1)
    found = service.find_application("13812345678", application.reference)
    assert found is not None and found.name == "王小明"


def test_same_phone_same_session_returns_the_existing_application(service: ActivityService) -> None:
    load(service, session_row(), session_row(code="S2", activity="开放点7"))
    first = service.apply(request())
    again = service.apply(request(name="王晓明"))
    other_session = service.apply(request(code="S2"))
    assert not again.created and again.application.reference == first.application.reference
    assert again.application.name == "王小明"
    assert other_session.created
    assert len(service.applications("S1")) == 1


def test_refusals_for_closed_online_and_unknown_sessions(service: ActivityService, clock: Clock) -> None:
    load(service, session_row(), session_row(code="LIVE", mode="线上直播", venue="", live_details="视频号"))
    with pytest.raises(RegistrationRefused) as online:
        service.apply(request(code="LIVE"))
    assert online.value.session.window.state == ONLINE
    with pytest.raises(UnknownSession):
        service.apply(request(code="NOPE"))
    clock.now = dt.datetime(2026, 12, 14, 9, 0)
    with pytest.raises(RegistrationRefused) as closed:
        service.apply(request())
    assert closed.value.session.window.state == CLOSED
    assert service.applications() == []


def test_check_and_cancel_need_phone_and_reference_and_reapplying_reactivates(
    service: ActivityService,
) -> None:
    load(service, session_row())
    reference = service.apply(request()).application.reference
    assert service.find_application("13900000000", reference) is None
    assert service.cancel("13900000000", reference) is None
    assert service.cancel("13812345678", reference).status == CANCELLED
    assert service.find_application("13812345678", reference).status == CANCELLED
    again = service.apply(request())
    assert again.created and again.application.reference == reference
    assert again.application.status == PENDING


# --- operators -----------------------------------------------------------------------


def _fill(service: ActivityService, count: int, code: str = "S1") -> list[str]:
    references = []
    for i in range(count):
        service.clock.now = NOW + dt.timedelta(minutes=i)
        references.append(service.apply(request(code, phone=f"139{i:08d}")).application.reference)
    service.clock.now = NOW + dt.timedelta(hours=2)
    return references


def test_first_come_selection_fills_capacity_in_order(service: ActivityService) -> None:
    load(service, session_row(capacity=5))
    references = _fill(service, 8)
    result = service.select("S1")
    assert (result.selected, result.not_selected, result.capacity) == (5, 3, 5)
    status = {a.reference: a.status for a in service.applications("S1")}
    assert [status[r] for r in references] == [SELECTED] * 5 + [NOT_SELECTED] * 3
    # A cancellation frees a seat; a later applicant can be selected into it, never more.
    service.cancel("13900000000", references[0])
    service.apply(request(phone="13700000000"))
    assert service.select("S1").selected == 1
    assert sum(a.status == SELECTED for a in service.applications("S1")) == 5


def test_lottery_is_reproducible_with_its_seed(service: ActivityService) -> None:
    load(service, session_row(capacity=4), session_row(code="S2", capacity=4), session_row(code="S3", capacity=4))
    winners = {}
    for code, seed in (("S1", 7), ("S2", 7), ("S3", 8)):
        _fill(service, 12, code)
        service.select(code, "lottery", seed)
        winners[code] = sorted(a.phone for a in service.applications(code) if a.status == SELECTED)
    assert len(winners["S1"]) == 4
    assert winners["S1"] == winners["S2"]  # same applicants, same seed
    assert winners["S3"] != winners["S1"]
    with pytest.raises(ValueError, match="seed"):
        service.select("S1", "lottery")


def test_export_is_excel_friendly_csv_with_every_application(service: ActivityService) -> None:
    load(service, session_row())
    _fill(service, 3)
    stream = io.StringIO()
    assert service.export_csv(stream, "S1") == 3
    text = stream.getvalue()
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["报名编号", "场次", "姓名", "手机号"]
    assert [r[3] for r in rows[1:]] == ["13900000000", "13900000001", "13900000002"]


def test_invite_marks_only_selected_and_forget_deletes_one_persons_data(service: ActivityService) -> None:
    load(service, session_row(capacity=2), session_row(code="S2", activity="开放点7"))
    _fill(service, 3)
    service.apply(request(code="S2", phone="13900000001"))
    service.select("S1")
    assert service.mark_invited("S1") == 2
    assert service.mark_invited("S1") == 0
    assert service.forget("13900000001") == 2
    phones = sorted(a.phone for a in service.applications())
    assert phones == ["13900000000", "13900000002"]


def test_forget_masks_the_person_in_stored_conversations(service: ActivityService) -> None:
    """The Rasa tracker store shares the database: the conversation is redacted, not kept."""
    import asyncio

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import UrlSQLTrackerStore

    load(service, session_row())
    service.apply(request())  # sender "citizen", name 王小明
    store_ = UrlSQLTrackerStore(domain=Domain.empty(), host=service.database_url)
    said = ["王小明", "我的手机是138 1234 5678", "开放点9在哪"]
    tracker = DialogueStateTracker.from_events(
        "citizen", [ActionExecuted("action_listen"), *(UserUttered(t) for t in said)]
    )
    asyncio.run(store_.save(tracker))
    other = DialogueStateTracker.from_events("neighbour", [UserUttered("王小明是我邻居")])
    asyncio.run(store_.save(other))
    # The same number typed in full-width digits in another conversation (a hand-off).
    elsewhere = DialogueStateTracker.from_events("elsewhere", [UserUttered("回电打１３８１２３４５６７８")])
    asyncio.run(store_.save(elsewhere))

    assert service.forget("13812345678") == 1
    assert asyncio.run(store_.retrieve("elsewhere")).latest_message.text == "回电打138****5678"

    texts = [e.text for e in asyncio.run(store_.retrieve("citizen")).events if isinstance(e, UserUttered)]
    assert texts == ["**", "我的手机是138****5678", "开放点9在哪"]
    neighbour = asyncio.run(store_.retrieve("neighbour")).latest_message.text
    assert neighbour == "王小明是我邻居"  # only the applicant's own conversations lose the name


def test_an_activity_is_called_by_the_first_word_of_its_title_only_when_no_other_has_it(catalogue: Catalogue) -> None:
    """"司法那个" is 开放点7 (司法服务); 政务 is in six titles and 服务 in several: no head word."""
    heads = {a.title: catalogue.head_word(a) for a in catalogue.activities()}
    assert heads["司法服务（便民惠民服务）"] == "司法" and heads["仲裁调解（保障改善民生）"] == "仲裁"
    assert heads["医保惠民政策宣讲"] == "医保"
    assert heads["政务服务体验（优化营商环境）"] is None and heads["服务创城（创建文明城区）"] is None
    assert heads["政府采购宣讲"] is None  # 政府采购 is also an open-day site
