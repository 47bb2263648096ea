"""Schedules with a controllable clock: calendar, misfires, overlap, one firing per schedule."""

from __future__ import annotations

import re
import textwrap
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from teller import ConfigError
from teller.schedule import (
    BankingCalendar,
    ConsoleQueue,
    DropFolder,
    FireResult,
    Schedule,
    catch_up,
    claim_firing,
    fire,
    firing_history,
    load_calendar,
    load_schedule,
    load_schedules,
    misfire_decision,
    next_fire_times,
    take_files,
)
from teller.store import Store

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def nightly(**changes: object) -> Schedule:
    data: dict[str, object] = {
        "name": "payroll-nightly",
        "flow": "payroll",
        "owner": "clerk",
        "cron": "0 22 * * *",
        "input": {"folder": "var/inbox/payroll"},
    }
    return Schedule.model_validate({**data, **changes})


# --- the banking calendar of 2026 -----------------------------------------------------


def test_national_day_is_skipped_and_adjusted_saturday_is_worked() -> None:
    times = next_fire_times(nightly(), at("2026-09-30 23:00"), 4, BankingCalendar())
    days = [t.astimezone(SHANGHAI).date() for t in times]
    assert date(2026, 10, 1) not in days  # National Day
    assert days[0] == date(2026, 10, 8)  # first working day after the Golden Week
    assert date(2026, 10, 10) in days  # Saturday, an adjusted working day
    assert all(t.astimezone(SHANGHAI).hour == 22 for t in times)


def test_adjusted_working_sunday_before_the_holiday_runs() -> None:
    times = next_fire_times(nightly(), at("2026-09-19 23:00"), 1, BankingCalendar())
    assert times == [at("2026-09-20 22:00")]  # a Sunday, worked in 2026


def test_every_day_calendar_keeps_holidays() -> None:
    times = next_fire_times(
        nightly(calendar="every_day"), at("2026-09-30 23:00"), 1, BankingCalendar()
    )
    assert times == [at("2026-10-01 22:00")]


def test_bank_closures_file_closes_a_working_day(tmp_path: Path) -> None:
    closures = tmp_path / "closures.toml"
    closures.write_text('[[closure]]\ndate = 2026-10-08\nreason = "system migration"\n')
    calendar = load_calendar(closures)
    assert calendar.closed(date(2026, 10, 8)) == "bank closure: system migration"
    assert "holiday" in (calendar.closed(date(2026, 10, 1)) or "")
    times = next_fire_times(nightly(), at("2026-09-30 23:00"), 1, calendar)
    assert times == [at("2026-10-09 22:00")]


def test_a_year_the_package_lacks_is_closed_until_the_bank_enters_it(tmp_path: Path) -> None:
    new_year, saturday_worked, monday = date(2027, 1, 1), date(2027, 2, 6), date(2027, 1, 4)
    unknown = BankingCalendar()
    assert "no holiday calendar for 2027" in (unknown.closed(monday) or "")
    closures = tmp_path / "closures.toml"
    closures.write_text(
        "years = [2027]\n"
        '[[holiday]]\ndate = 2027-01-01\nname = "New Year"\n'
        '[[working_day]]\ndate = 2027-02-06\nreason = "Spring Festival"\n',
        encoding="utf-8",
    )
    entered = load_calendar(closures)
    assert entered.closed(new_year) == "public holiday (New Year)"
    assert entered.closed(monday) is None
    assert entered.closed(saturday_worked) is None
    assert entered.closed(date(2027, 1, 2)) == "weekend"
    assert entered.closed(date(2026, 10, 1)) is not None  # known years still come from the package
    closures.write_text('years = []\n[[holiday]]\ndate = 2027-01-01\nname = "x"\n')
    with pytest.raises(ConfigError, match="years does not list"):
        load_calendar(closures)


def test_interval_fire_times_are_the_same_in_every_process() -> None:
    every = nightly(cron=None, interval=900, calendar="every_day")
    first = next_fire_times(every, at("2026-10-01 09:07"), 2, BankingCalendar())
    assert first == [at("2026-10-01 09:15"), at("2026-10-01 09:30")]


# --- schedule files -------------------------------------------------------------------


def test_shipped_schedules_load() -> None:
    schedules = {s.name: s for s in load_schedules(ROOT / "schedules")}
    payroll = schedules["payroll-nightly"]
    assert payroll.enabled and payroll.cron == "0 22 * * *" and payroll.calendar == "banking"
    assert payroll.owner == schedules["account-loss-sweep"].owner == "ops.scheduler"
    assert payroll.input == DropFolder(folder=Path("var/inbox/payroll"))
    sweep = schedules["account-loss-sweep"]
    assert sweep.enabled and sweep.flow == "account-loss" and sweep.misfire.policy == "skip"
    assert sweep.input == ConsoleQueue(console="servicedesk")


HEAD = 'name = "x"\nflow = "payroll"\nowner = "clerk"\n'  # lines 1-3 of a schedule file


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        (HEAD + 'cron = "0 22 * *"\ninput = "a.xlsx"\n', 4, "cron"),
        (HEAD + 'interval = 60\ninput = "a.xlsx"\ncalendr = "x"\n', 6, "calendr"),
        (
            HEAD + 'interval = 60\ninput = "a.xlsx"\n\n[misfire]\npolicy = "later"\n',
            8,
            "misfire.policy",
        ),
        (HEAD + 'interval = 60\ninput = "a.xlsx"\ntimezone = "Mars/Base"\n', 6, "timezone"),
    ],
)
def test_bad_schedule_file_names_file_line_and_field(
    tmp_path: Path, body: str, line: int, field: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as caught:
        load_schedule(path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: field {field}")


def test_cron_and_interval_together_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "both.toml"
    path.write_text(HEAD + 'cron = "0 22 * * *"\ninterval = 5\ninput = "a"\n')
    with pytest.raises(ConfigError, match="exactly one of cron and interval"):
        load_schedule(path)


# --- misfires -------------------------------------------------------------------------


def test_misfire_within_grace_runs_on_time() -> None:
    decision = misfire_decision(nightly(), at("2026-10-09 22:00"), at("2026-10-09 22:04"))
    assert decision.action == "run" and decision.runs


def test_misfire_run_once_runs_late_and_says_so() -> None:
    schedule = nightly(misfire={"policy": "run_once", "grace": 60})
    decision = misfire_decision(schedule, at("2026-10-09 22:00"), at("2026-10-10 07:00"))
    assert decision.action == "run_late" and decision.runs
    assert decision.reason.startswith("misfired, run once: 32400 s late")


def test_misfire_skip_skips_and_says_so() -> None:
    schedule = nightly(misfire={"policy": "skip", "grace": 60})
    decision = misfire_decision(schedule, at("2026-10-09 22:00"), at("2026-10-09 22:02"))
    assert decision.action == "skip" and not decision.runs
    assert "skipped: 120 s late" in decision.reason


# --- firings: claims, overlap, drop folders ------------------------------------------


def test_two_schedulers_claim_one_firing_once(store: Store) -> None:
    fire_time = at("2026-10-09 22:00")
    results: list[int | None] = []
    start = threading.Barrier(2)

    def claimer(who: str) -> None:
        other = Store(store.engine.url.render_as_string(hide_password=False))
        start.wait()
        results.append(claim_firing(other, "payroll-nightly", fire_time, by=who))
        other.close()

    threads = [threading.Thread(target=claimer, args=(w,)) for w in ("a:1", "b:2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r is not None for r in results) == [False, True]
    history = firing_history(store, "payroll-nightly")
    assert [(f.fire_time, f.status) for f in history] == [(fire_time, "running")]


def firing(
    store: Store, schedule: Schedule, project: Path, worked: list[Path], **kw: object
) -> FireResult:
    def record(path: Path) -> str:
        worked.append(path)
        return f"run-{len(worked)}"

    options: dict[str, object] = {
        "now": at("2026-10-09 22:00:01"),
        "calendar": BankingCalendar(),
        "project": project,
        "work": record,
    }
    options.update(kw)
    return fire(store, schedule, at("2026-10-09 22:00"), **options)  # type: ignore[arg-type]


def test_drop_folder_file_is_taken_once_by_two_firings(store: Store, tmp_path: Path) -> None:
    inbox = tmp_path / "var/inbox/payroll"
    inbox.mkdir(parents=True)
    (inbox / "october.xlsx").write_bytes(b"workbook")
    worked: list[Path] = []
    first = firing(store, nightly(), tmp_path, worked)
    second = firing(store, nightly(), tmp_path, worked)
    assert first.status == "done" and first.run_ids == ["run-1"]
    assert second.status == "taken_elsewhere"
    assert worked == [inbox / "taken" / "october.xlsx"]
    assert not (inbox / "october.xlsx").exists()
    assert firing_history(store, "payroll-nightly")[0].run_ids == ["run-1"]


def test_take_files_leaves_nothing_for_a_second_taker(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_bytes(b"a")
    (tmp_path / "b.xlsx").write_bytes(b"b")
    (tmp_path / ".partial").write_bytes(b"being copied")
    assert [p.name for p in take_files(tmp_path)] == ["a.xlsx", "b.xlsx"]
    assert take_files(tmp_path) == []
    (tmp_path / "a.xlsx").write_bytes(b"again")  # the same name dropped again: both kept
    taken = take_files(tmp_path)
    assert len(taken) == 1 and taken[0].name.startswith("a.") and taken[0].name != "a.xlsx"


def test_holiday_firing_is_skipped_and_recorded(store: Store, tmp_path: Path) -> None:
    worked: list[Path] = []
    holiday = at("2026-10-01 22:00")
    result = fire(
        store,
        nightly(),
        holiday,
        now=holiday,
        calendar=BankingCalendar(),
        project=tmp_path,
        work=lambda p: worked.append(p) or "x",  # type: ignore[func-returns-value]
    )
    assert result.status == "skipped_closed" and "National Day" in result.detail
    assert worked == []
    assert firing_history(store, "payroll-nightly")[0].status == "skipped_closed"


def test_skipped_misfire_is_recorded_not_dropped(store: Store, tmp_path: Path) -> None:
    worked: list[Path] = []
    schedule = nightly(misfire={"policy": "skip", "grace": 1})
    result = firing(store, schedule, tmp_path, worked, now=at("2026-10-09 23:00"))
    assert result.status == "skipped_misfire" and worked == []
    [row] = firing_history(store, "payroll-nightly")
    assert row.status == "skipped_misfire" and "3600 s late" in row.detail


def test_late_firing_with_run_once_runs(store: Store, tmp_path: Path) -> None:
    (tmp_path / "in.xlsx").write_bytes(b"x")
    worked: list[Path] = []
    schedule = nightly(input="in.xlsx", misfire={"policy": "run_once", "grace": 1})
    result = firing(store, schedule, tmp_path, worked, now=at("2026-10-10 06:00"))
    assert result.status == "done" and worked == [tmp_path / "in.xlsx"]
    assert "misfired, run once" in firing_history(store, "payroll-nightly")[0].detail


def test_no_overlap_while_an_earlier_firing_runs(store: Store, tmp_path: Path) -> None:
    every = nightly(cron=None, interval=60, input="in.xlsx", calendar="every_day")
    (tmp_path / "in.xlsx").write_bytes(b"x")
    earlier = at("2026-10-09 21:59")
    # still running in this (living) process: the next firing must not start beside it
    assert claim_firing(store, every.name, earlier) is not None
    worked: list[Path] = []
    result = firing(store, every, tmp_path, worked)
    assert result.status == "skipped_overlap" and worked == []
    assert "still running" in firing_history(store, every.name)[0].detail


def test_running_row_of_a_dead_scheduler_does_not_block(store: Store, tmp_path: Path) -> None:
    every = nightly(cron=None, interval=60, input="in.xlsx", calendar="every_day")
    (tmp_path / "in.xlsx").write_bytes(b"x")
    import socket

    claim_firing(store, every.name, at("2026-10-09 21:59"), by=f"{socket.gethostname()}:999999")
    worked: list[Path] = []
    assert firing(store, every, tmp_path, worked).status == "done"


def test_empty_drop_folder_is_said(store: Store, tmp_path: Path) -> None:
    result = firing(store, nightly(), tmp_path, [])
    assert result.status == "nothing"
    assert firing_history(store, "payroll-nightly")[0].status == "nothing"


def test_a_console_queue_schedule_asks_the_flow_to_fetch_its_work(
    store: Store, tmp_path: Path
) -> None:
    sweep = nightly(name="sweep", flow="account-loss", input={"console": "servicedesk"})
    assert sweep.input_path(tmp_path) is None
    asked: list[Path | None] = []

    def intake(path: Path | None) -> str | None:
        asked.append(path)
        return "run-1" if len(asked) > 1 else None  # nothing new, then one run

    first = firing(store, sweep, tmp_path, [], work=intake)
    assert (first.status, first.detail) == ("nothing", "no new work on the console")
    later = fire(
        store,
        sweep,
        at("2026-10-09 22:15"),
        now=at("2026-10-09 22:15:01"),
        calendar=BankingCalendar(),
        project=tmp_path,
        work=intake,
    )
    assert (later.status, later.run_ids, asked) == ("done", ["run-1"], [None, None])


def test_a_failing_file_marks_the_firing_failed(store: Store, tmp_path: Path) -> None:
    inbox = tmp_path / "var/inbox/payroll"
    inbox.mkdir(parents=True)
    (inbox / "bad.xlsx").write_bytes(b"x")

    def broken(path: Path) -> str:
        raise ConfigError(str(path), "not a workbook")

    result = firing(store, nightly(), tmp_path, [], work=broken)
    assert result.status == "failed" and "bad.xlsx" in result.detail


def test_history_times_are_utc_and_aware(store: Store) -> None:
    claim_firing(store, "s", datetime(2026, 10, 9, 14, 0, tzinfo=UTC) + timedelta(0))
    [row] = firing_history(store, "s")
    assert row.fire_time == at("2026-10-09 22:00")


def test_firings_missed_while_stopped_are_said_and_the_latest_runs_once(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "in.xlsx").write_bytes(b"x")
    schedule = nightly(input="in.xlsx", misfire={"policy": "run_once", "grace": 60})
    claim_firing(store, schedule.name, at("2026-10-08 22:00"), status="done")
    worked: list[Path] = []

    def record(path: Path) -> str:
        worked.append(path)
        return "run-1"

    # the scheduler was down from Thursday night to Monday morning
    result = catch_up(
        store,
        schedule,
        at("2026-10-12 08:00"),
        calendar=BankingCalendar(),
        project=tmp_path,
        work=record,
    )
    assert result is not None and result.status == "done" and len(worked) == 1
    history = {f.fire_time: f for f in firing_history(store, schedule.name)}
    assert history[at("2026-10-09 22:00")].status == "missed"
    assert history[at("2026-10-10 22:00")].status == "done"  # the adjusted Saturday, late
    assert "misfired, run once" in history[at("2026-10-10 22:00")].detail
    assert at("2026-10-11 22:00") not in history  # a Sunday: nothing was due


def test_catch_up_with_skip_policy_runs_nothing_but_says_all(store: Store, tmp_path: Path) -> None:
    schedule = nightly(misfire={"policy": "skip", "grace": 60})
    claim_firing(store, schedule.name, at("2026-10-08 22:00"), status="done")
    result = catch_up(
        store,
        schedule,
        at("2026-10-12 08:00"),
        calendar=BankingCalendar(),
        project=tmp_path,
        work=lambda p: pytest.fail("nothing may run"),
    )
    assert result is not None and result.status == "skipped_misfire"
    statuses = [f.status for f in firing_history(store, schedule.name)]
    assert statuses == ["skipped_misfire", "missed", "done"]


def test_readme_examples_load(tmp_path: Path) -> None:
    text = (ROOT / "schedules" / "README.md").read_text(encoding="utf-8")
    schedule_toml, closures_toml, new_year_toml = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    (tmp_path / "s.toml").write_text(schedule_toml, encoding="utf-8")
    assert load_schedule(tmp_path / "s.toml").name == "payroll-nightly"
    (tmp_path / "closures.toml").write_text(textwrap.dedent(closures_toml), encoding="utf-8")
    assert load_calendar(tmp_path / "closures.toml").closed(date(2026, 12, 31)) == (
        "bank closure: year-end closing of the books"
    )
    (tmp_path / "closures.toml").write_text(textwrap.dedent(new_year_toml), encoding="utf-8")
    entered = load_calendar(tmp_path / "closures.toml")
    assert entered.closed(date(2027, 1, 1)) == "public holiday (New Year's Day)"
    assert entered.closed(date(2027, 2, 7)) is None  # the Sunday worked
