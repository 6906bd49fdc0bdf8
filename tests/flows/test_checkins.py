"""Follow-ups over weeks of simulated time: automated asks, answers, prompts, reminders, escalations, digests,
a restart and downtime in the middle, the National Day week, and two claimers racing on the same rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.checkins import run_due_scan, send_digests
from flows.followups import FollowUpRules, next_due, schedule_first_checkin
from flows.messages import ChatType
from flows.turn import FlowSettings
from flows.workcal import WorkingTime, add_working_days, in_working_hours
from storage.db import Database
from storage.models import (
    Case,
    ChannelIdentity,
    FollowUp,
    OutboxMessage,
    Person,
    SecretaryCoverage,
    StatusChange,
    WorkerNote,
    WorkerProfile,
)
from tests.factories import add_people
from tests.scripted_nlu import ScriptedNLU

ZONE = ZoneInfo("Asia/Shanghai")
SETTINGS = FlowSettings()
RULES: FollowUpRules = SETTINGS.followups
HOURS = WorkingTime()


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZONE).astimezone(UTC)


REGISTERED = local(2026, 3, 2, 9, 30)  # Monday


async def simulate(
    db: Database, start: datetime, end: datetime, *, step: timedelta = timedelta(minutes=30), claimer: str = "t"
) -> list[tuple[datetime, int, str]]:
    """Tick the due scan from start to end; returns (tick, follow-up id, step) for everything done."""
    done: list[tuple[datetime, int, str]] = []
    now = start
    while now <= end:
        report = await run_due_scan(db, now=now, settings=SETTINGS, claimer=claimer, keep_log=True)
        done += [(now, fid, what) for fid, what in report.handled or []]
        now += step
    return done


async def purposes(db: Database) -> list[tuple[str, str]]:
    async with db.session() as session:
        rows = await session.execute(select(OutboxMessage.purpose, OutboxMessage.chat_id).order_by(OutboxMessage.id))
        return [(p, c) for p, c in rows.all()]


async def first_checkin(db: Database, ids: dict[str, int], worker: str = "worker1", at: datetime = REGISTERED) -> int:
    async with db.session() as session:
        followup = await schedule_first_checkin(session, ids[worker], ids["sec1" if worker != "worker3" else "sec2"],
                                                at, SETTINGS)
        return followup.id


@pytest.fixture
async def people(sqlite_db: Database) -> dict[str, int]:
    return await add_people(sqlite_db, registered_at=REGISTERED)


@pytest.fixture
def assistant(sqlite_db: Database) -> Assistant:
    return Assistant(sqlite_db, ScriptedNLU(), SETTINGS)


def chat(assistant: Assistant, user: str, now: datetime) -> Conversation:
    return Conversation(assistant, user_id=user, now=now)


class TestScheduling:
    async def test_first_check_in_is_scheduled_once(self, sqlite_db: Database, people: dict[str, int]) -> None:
        first = await first_checkin(sqlite_db, people)
        again = await first_checkin(sqlite_db, people)
        assert first == again
        async with sqlite_db.session() as session:
            row = await session.get(FollowUp, first)
            assert row is not None and row.due_at == local(2026, 3, 5, 9, 30) and row.kind == "first"

    async def test_on_placed_cancels_seeking_and_sets_stability(self, sqlite_db: Database, people: dict[str, int]) -> None:
        from flows.followups import on_placed

        first = await first_checkin(sqlite_db, people)
        placed_at = local(2026, 3, 3, 11, 0)
        async with sqlite_db.session() as session:
            stability = await on_placed(session, people["worker1"], placed_at, SETTINGS)
            again = await on_placed(session, people["worker1"], placed_at, SETTINGS)
            assert stability.id == again.id and stability.due_at == next_due("stability", placed_at, RULES)
            assert (await session.get(FollowUp, first)).state == "cancelled"  # type: ignore[union-attr]


class TestWeeksOfCheckins:
    async def test_silent_worker_is_asked_then_secretary_prompted_reminded_and_admin_told_once_each(
        self, sqlite_db: Database, people: dict[str, int]
    ) -> None:
        fid = await first_checkin(sqlite_db, people)
        done = await simulate(sqlite_db, REGISTERED, REGISTERED + timedelta(weeks=3))
        assert [(when, what) for when, f, what in done if f == fid] == [
            (local(2026, 3, 5, 9, 30), "ask"),  # due Thursday 09:30
            # 8 office hours without an answer end at Thursday's closing time: the next office hour, Friday.
            (local(2026, 3, 6, 9, 0), "prompt"),
            (local(2026, 3, 9, 9, 0), "remind"),  # one working day later (Monday)
            (local(2026, 3, 10, 9, 0), "escalate"),  # two working days after the first prompt
        ]
        sent = await purposes(sqlite_db)
        assert sent == [
            (f"checkin:{fid}:ask", "worker1"), (f"checkin:{fid}:prompt", "sec1"),
            (f"checkin:{fid}:remind", "sec1"), (f"checkin:{fid}:escalate", "admin1"),
        ]
        assert all(in_working_hours(when, HOURS) for when, _, _ in done)

    async def test_worker_answers_weekly_and_a_third_still_seeking_prompts_the_secretary(
        self, sqlite_db: Database, people: dict[str, int], assistant: Assistant
    ) -> None:
        await first_checkin(sqlite_db, people)
        worker = chat(assistant, "worker1", REGISTERED)
        answered_at = []
        now = REGISTERED
        for _ in range(3):
            ask_time = None
            while ask_time is None:  # tick until the assistant asks, then the worker answers within minutes
                report = await run_due_scan(sqlite_db, now=now, settings=SETTINGS, claimer="t", keep_log=True)
                assert [what for _, what in report.handled or []] in ([], ["ask"])
                ask_time = now if report.handled else None
                now += timedelta(minutes=30)
            worker.now = ask_time + timedelta(minutes=20)
            worker.last = []
            asks = await worker.inbox()
            assert len(asks) == 1 and "王秘书" in asks[0].text
            await worker.press("还在找")
            answered_at.append(worker.now)
            now = worker.now
        # First (Thursday 03-05) then weekly, each seven days after the previous answer.
        assert [a.astimezone(ZONE).date().isoformat() for a in answered_at] == ["2026-03-05", "2026-03-12", "2026-03-19"]
        assert "已请" not in worker.text()
        secretary = chat(assistant, "sec1", now)
        prompts = await secretary.inbox()
        assert len(prompts) == 1 and "已连续3次" in prompts[0].text and "tel: 13812345678" in prompts[0].text
        async with sqlite_db.session() as session:
            outcomes = (await session.execute(select(FollowUp.outcome).where(FollowUp.state == "done"))).scalars()
            assert list(outcomes) == ["seeking", "seeking"]

    async def test_restart_in_the_middle_changes_nothing(self, tmp_path, people: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
        """Two identical counties: one runs without a stop, the other is stopped and reopened mid-way."""
        from storage.migrate import upgrade

        runs = []
        for name, stop_at in (("straight", None), ("restarted", local(2026, 3, 6, 9, 45))):
            db = Database(f"sqlite:///{tmp_path / name}.db")
            await upgrade(db)
            ids = await add_people(db, registered_at=REGISTERED)
            await first_checkin(db, ids, "worker1")
            await first_checkin(db, ids, "worker3")  # no private chat: straight to the secretary
            end = REGISTERED + timedelta(weeks=3)
            if stop_at is None:
                done = await simulate(db, REGISTERED, end)
            else:
                done = await simulate(db, REGISTERED, stop_at)
                await db.dispose()
                db = Database(f"sqlite:///{tmp_path / name}.db")  # a new process on the same file
                done += await simulate(db, stop_at + timedelta(minutes=15), end, claimer="after-restart")
            runs.append(([(w, f, s) for w, f, s in done], await purposes(db)))
            await db.dispose()
        straight, restarted = runs
        assert [(f, s) for _, f, s in restarted[0]] == [(f, s) for _, f, s in straight[0]]
        assert restarted[1] == straight[1] and len(set(restarted[1])) == len(restarted[1])

    async def test_after_days_of_downtime_an_overdue_check_in_gets_one_ask(
        self, sqlite_db: Database, people: dict[str, int]
    ) -> None:
        fid = await first_checkin(sqlite_db, people)
        back = local(2026, 3, 16, 10, 0)  # eleven days after it fell due, nothing ran meanwhile
        done = await simulate(sqlite_db, back, back + timedelta(hours=2), step=timedelta(minutes=1))
        assert [(when, what) for when, f, what in done if f == fid] == [(back, "ask")]
        assert await purposes(sqlite_db) == [(f"checkin:{fid}:ask", "worker1")]

    async def test_national_day_week_is_skipped_and_the_make_up_saturday_works(
        self, sqlite_db: Database, people: dict[str, int]
    ) -> None:
        registered = local(2026, 9, 28, 10, 0)  # Monday before National Day (10-01..07; 10-10 is a working Saturday)
        fid = await first_checkin(sqlite_db, people, at=registered)
        done = await simulate(sqlite_db, registered, local(2026, 10, 16, 0, 0))
        assert [(when, what) for when, f, what in done if f == fid] == [
            (local(2026, 10, 8, 9, 0), "ask"),  # due 10-01, a holiday: first office hour after it
            (local(2026, 10, 8, 17, 0), "prompt"),  # 8 office hours later, same day
            (local(2026, 10, 9, 17, 0), "remind"),
            (local(2026, 10, 10, 17, 0), "escalate"),  # Saturday 10-10 is a make-up working day
        ]
        assert all(in_working_hours(when, HOURS) for when, _, _ in done)


class TestNoSecretary:
    async def test_a_worker_without_a_secretary_is_escalated_to_the_admins(
        self, sqlite_db: Database, people: dict[str, int], assistant: Assistant
    ) -> None:
        """worker3 has no private chat (cannot be asked) and here no secretary either: an admin must act."""
        async with sqlite_db.session() as session:
            followup = await schedule_first_checkin(session, people["worker3"], None, REGISTERED, SETTINGS)
            fid = followup.id
        done = await simulate(sqlite_db, REGISTERED, REGISTERED + timedelta(days=7))
        assert [(when, what) for when, f, what in done if f == fid] == [(local(2026, 3, 5, 9, 30), "escalate")]
        [alert] = await chat(assistant, "admin1", local(2026, 3, 5, 9, 31)).inbox()
        assert "杨师傅" in alert.text and "没有能联系到的就业秘书" in alert.text


class TestSecretaryPrompt:
    async def ask_and_answer(self, db: Database, assistant: Assistant, answer: str) -> tuple[int, Conversation]:
        fid = await first_checkin(db, await add_people(db, registered_at=REGISTERED))
        due = local(2026, 3, 5, 10, 0)
        await run_due_scan(db, now=due, settings=SETTINGS, claimer="t")
        worker = chat(assistant, "worker1", due)
        await worker.inbox()
        await worker.press(answer)
        return fid, worker

    async def test_call_me_reaches_the_secretary_with_the_card_and_an_outcome_sets_the_next(
        self, sqlite_db: Database, assistant: Assistant
    ) -> None:
        fid, worker = await self.ask_and_answer(sqlite_db, assistant, "请秘书联系我")
        assert "王秘书" in worker.text() and "打电话" in worker.text()
        secretary = chat(assistant, "sec1", local(2026, 3, 5, 10, 5))
        [prompt] = await secretary.inbox()
        for part in ("刘大姐", "tel: 13812345678", "双福镇", "求职中", "请秘书联系我"):
            assert part in prompt.text
        await secretary.press("还在找")
        assert "下次回访：2026-03-12 10:05" in secretary.text()
        async with sqlite_db.session() as session:
            row = await session.get(FollowUp, fid)
            assert row is not None and (row.state, row.outcome, row.worker_answer) == ("done", "seeking", "call_me")
            history = (await session.execute(select(StatusChange.reason))).scalars().all()
            assert history == ["checkin:seeking"]
            nxt = (await session.execute(select(FollowUp).where(FollowUp.state == "pending"))).scalar_one()
            assert nxt.kind == "seeking" and nxt.due_at == local(2026, 3, 12, 10, 5)
        secretary.last = [prompt]
        await secretary.press("还在找")  # the same card's button a second time
        assert "已经有结果" in secretary.text()

    async def test_call_me_at_night_waits_for_office_hours(self, sqlite_db: Database, assistant: Assistant) -> None:
        await first_checkin(sqlite_db, await add_people(sqlite_db, registered_at=REGISTERED))
        await run_due_scan(sqlite_db, now=local(2026, 3, 5, 10, 0), settings=SETTINGS, claimer="t")
        worker = chat(assistant, "worker1", local(2026, 3, 5, 22, 40))
        await worker.inbox()
        await worker.press("请秘书联系我")
        assert await chat(assistant, "sec1", local(2026, 3, 5, 23, 0)).inbox() == []
        assert len(await chat(assistant, "sec1", local(2026, 3, 6, 9, 0)).inbox()) == 1

    async def test_placed_asks_the_employer_and_sets_a_stability_check_in(
        self, sqlite_db: Database, assistant: Assistant
    ) -> None:
        fid, _ = await self.ask_and_answer(sqlite_db, assistant, "请秘书联系我")
        secretary = chat(assistant, "sec1", local(2026, 3, 5, 11, 0))
        await secretary.inbox()
        await secretary.press("已就业")
        assert "哪家单位" in secretary.text()
        await secretary.say("双福茶叶专业合作社")
        assert "下次回访：2026-04-07 09:00（稳岗回访）" in secretary.text()
        async with sqlite_db.session() as session:
            profile = (await session.execute(select(WorkerProfile).join(Person, Person.id == WorkerProfile.person_id)
                                             .where(Person.name == "刘大姐"))).scalar_one()
            assert profile.status == "placed" and profile.placed_employer == "双福茶叶专业合作社"
            assert (await session.get(FollowUp, fid)).outcome == "placed"  # type: ignore[union-attr]

    async def test_worker_saying_placed_is_recorded_and_shown_in_the_digest(
        self, sqlite_db: Database, assistant: Assistant
    ) -> None:
        await self.ask_and_answer(sqlite_db, assistant, "已上班")
        async with sqlite_db.session() as session:
            kinds = (await session.execute(select(FollowUp.kind, FollowUp.state).order_by(FollowUp.id))).all()
        assert [tuple(k) for k in kinds] == [("first", "done"), ("stability", "pending")]
        assert await send_digests(sqlite_db, now=local(2026, 3, 6, 8, 30), settings=SETTINGS) == 1
        [digest] = await chat(assistant, "sec1", local(2026, 3, 6, 8, 31)).inbox()
        assert "自动回访收到的回复" in digest.text and "刘大姐" in digest.text and "已上班" in digest.text

    async def test_reschedule_then_the_manual_check_in_prompts_the_secretary(
        self, sqlite_db: Database, assistant: Assistant
    ) -> None:
        await self.ask_and_answer(sqlite_db, assistant, "请秘书联系我")
        now = local(2026, 3, 5, 11, 0)
        secretary = chat(assistant, "sec1", now)
        await secretary.inbox()
        await secretary.press("改期")
        await secretary.press("+3")
        due = add_working_days(now, 3, HOURS)
        assert due == local(2026, 3, 10, 11, 0) and "2026-03-10 11:00" in secretary.text()
        done = await simulate(sqlite_db, now, due + timedelta(hours=1))
        assert [what for _, _, what in done] == ["prompt"]  # a secretary's own date: no automated ask

    async def test_note_is_saved_and_shown_on_the_card(self, sqlite_db: Database, assistant: Assistant) -> None:
        await self.ask_and_answer(sqlite_db, assistant, "请秘书联系我")
        secretary = chat(assistant, "sec1", local(2026, 3, 5, 11, 0))
        await secretary.inbox()
        await secretary.press("加备注")
        await secretary.say("想在镇上找活，不出省")
        assert "备注已保存" in secretary.text()
        async with sqlite_db.session() as session:
            worker_id = (await session.execute(select(WorkerNote.worker_id))).scalar_one()
        await secretary.say(f"/worker {worker_id}")
        assert "想在镇上找活，不出省" in secretary.text() and "tel: 13812345678" in secretary.text()


class TestCommands:
    async def test_today_and_overdue_lists(self, sqlite_db: Database, people: dict[str, int], assistant: Assistant) -> None:
        await first_checkin(sqlite_db, people, "worker1")  # due Thursday 03-05 09:30
        await first_checkin(sqlite_db, people, "worker2", at=REGISTERED - timedelta(days=1))  # due Wednesday
        secretary = chat(assistant, "sec1", local(2026, 3, 5, 8, 0))
        await secretary.say("/today")
        assert "今天的回访（1）" in secretary.text() and "刘大姐" in secretary.text()
        await secretary.say("/overdue")
        assert "逾期的回访（1）" in secretary.text() and "陈大哥" in secretary.text()
        await secretary.press("陈大哥")
        assert "tel: 13900001111" in secretary.text()

    @pytest.mark.parametrize("command", ["/today", "/overdue", "/worker 4", "/reply 1 你好", "/reassign 4 2"])
    async def test_workers_are_refused(self, people: dict[str, int], assistant: Assistant, command: str) -> None:
        worker = chat(assistant, "worker1", local(2026, 3, 5, 10, 0))
        await worker.say(command)
        assert "只有" in worker.text() and "tel:" not in worker.text()

    async def test_a_secretary_sees_only_their_own_workers(self, people: dict[str, int], assistant: Assistant) -> None:
        other = chat(assistant, "sec2", local(2026, 3, 5, 10, 0))
        await other.say(f"/worker {people['worker1']}")
        assert "不归您负责" in other.text() and "13812345678" not in other.text()

    async def test_commands_are_refused_in_groups(self, people: dict[str, int], assistant: Assistant) -> None:
        group = Conversation(assistant, user_id="sec1", chat_type=ChatType.GROUP, chat_id="g1", now=REGISTERED)
        await group.say(f"/worker {people['worker1']}")
        assert "私聊" in group.text() and "13812345678" not in group.text()

    async def test_reply_relays_a_hand_off_answer_to_the_worker(
        self, sqlite_db: Database, people: dict[str, int], assistant: Assistant
    ) -> None:
        async with sqlite_db.session() as session:
            case = Case(kind="handoff", worker_id=people["worker1"], secretary_id=people["sec1"], text="补贴怎么领")
            session.add(case)
            await session.flush()
            case_id = case.id
        secretary = chat(assistant, "sec1", local(2026, 3, 5, 10, 0))
        await secretary.say(f"/reply {case_id} 明天带身份证到镇上社保所办理")
        assert "已转给刘大姐" in secretary.text()
        [relayed] = await chat(assistant, "worker1", local(2026, 3, 5, 10, 1)).inbox()
        assert "王秘书" in relayed.text and "明天带身份证" in relayed.text
        other = chat(assistant, "sec2", local(2026, 3, 5, 10, 0))
        await other.say(f"/reply {case_id} 我也来回")
        assert "不归您负责" in other.text()
        async with sqlite_db.session() as session:
            assert (await session.get(Case, case_id)).status == "answered"  # type: ignore[union-attr]


class TestReassignment:
    async def test_admin_reassigns_one_worker_who_is_told(
        self, sqlite_db: Database, people: dict[str, int], assistant: Assistant
    ) -> None:
        fid = await first_checkin(sqlite_db, people)
        admin = chat(assistant, "admin1", local(2026, 3, 3, 10, 0))
        await admin.say(f"/reassign {people['worker1']} {people['sec2']}")
        assert "李秘书" in admin.text()
        [told] = await chat(assistant, "worker1", local(2026, 3, 3, 10, 1)).inbox()
        assert "李秘书" in told.text
        async with sqlite_db.session() as session:
            assert (await session.get(FollowUp, fid)).secretary_id == people["sec2"]  # type: ignore[union-attr]
            assert (await session.get(WorkerProfile, people["worker1"])).secretary_id == people["sec2"]  # type: ignore[union-attr]

    async def test_secretaries_cannot_reassign(self, people: dict[str, int], assistant: Assistant) -> None:
        secretary = chat(assistant, "sec1", REGISTERED)
        await secretary.say(f"/reassign {people['worker1']} {people['sec2']}")
        assert "只有管理员" in secretary.text()

    async def test_handover_spreads_by_coverage_then_load(
        self, sqlite_db: Database, people: dict[str, int], assistant: Assistant
    ) -> None:
        async with sqlite_db.session() as session:
            sec3 = Person(role="secretary", name="赵秘书")
            sec3.identities.append(ChannelIdentity(channel="terminal", external_id="sec3", chat_id="sec3"))
            session.add(sec3)
            await session.flush()
            session.add(SecretaryCoverage(secretary_id=sec3.id, township="双福镇"))
            sec3_id = sec3.id
        admin = chat(assistant, "admin1", REGISTERED)
        await admin.say(f"/handover {people['sec1']}")
        assert "2位求职者" in admin.text() and "赵秘书 2" in admin.text()
        async with sqlite_db.session() as session:
            owners = (await session.execute(
                select(WorkerProfile.secretary_id).where(WorkerProfile.person_id.in_((people["worker1"], people["worker2"])))
            )).scalars().all()
        assert owners == [sec3_id, sec3_id]  # sec3 covers 双福镇; sec2 (绥山镇) is not chosen
        assert len(await chat(assistant, "worker2", REGISTERED).inbox()) == 1


class TestDigest:
    async def test_one_digest_per_secretary_and_working_day(
        self, sqlite_db: Database, people: dict[str, int], assistant: Assistant
    ) -> None:
        await first_checkin(sqlite_db, people, "worker1")  # due Thursday 03-05
        await first_checkin(sqlite_db, people, "worker2", at=REGISTERED - timedelta(days=1))  # due Wednesday 03-04
        morning = local(2026, 3, 5, 8, 30)
        assert await send_digests(sqlite_db, now=morning, settings=SETTINGS) == 1
        assert await send_digests(sqlite_db, now=morning + timedelta(minutes=5), settings=SETTINGS) == 0
        [digest] = await chat(assistant, "sec1", morning).inbox()
        assert "今天要回访1人，逾期1人" in digest.text
        assert await send_digests(sqlite_db, now=local(2026, 3, 8, 8, 30), settings=SETTINGS) == 0  # Sunday


class TestTwoClaimers:
    async def test_two_processes_never_handle_the_same_check_in(self, any_db: Database) -> None:
        """Two engines (as two processes would have) scan the same due rows at the same time."""
        count = 240
        due = local(2026, 3, 5, 9, 30)
        async with any_db.session() as session:
            secretary = Person(role="secretary", name="王秘书")
            secretary.identities.append(ChannelIdentity(channel="terminal", external_id="sec", chat_id="sec"))
            session.add(secretary)
            await session.flush()
            for i in range(count):
                worker = Person(role="worker", name=f"w{i}")
                worker.identities.append(ChannelIdentity(channel="terminal", external_id=f"w{i}", chat_id=f"w{i}"))
                session.add(worker)
                await session.flush()
                session.add(WorkerProfile(person_id=worker.id, secretary_id=secretary.id))
                session.add(FollowUp(worker_id=worker.id, secretary_id=secretary.id, kind="first", due_at=due))
        url = any_db.url.render_as_string(hide_password=False)
        one, two = Database(url), Database(url)
        try:
            now = local(2026, 3, 5, 10, 0)
            reports = await asyncio.gather(
                run_due_scan(one, now=now, settings=SETTINGS, claimer="one", batch=15, keep_log=True),
                run_due_scan(two, now=now, settings=SETTINGS, claimer="two", batch=15, keep_log=True),
            )
        finally:
            await one.dispose()
            await two.dispose()
        handled = [fid for report in reports for fid, _ in report.handled or []]
        assert len(handled) == count and len(set(handled)) == count
        if not any_db.is_sqlite:
            assert all(report.handled for report in reports)  # both really worked in parallel
        async with any_db.session() as session:
            asks = await session.execute(select(func.count()).select_from(OutboxMessage))
            assert asks.scalar() == count
            states = await session.execute(select(FollowUp.state, func.count()).group_by(FollowUp.state))
            assert dict(states.all()) == {"asked_worker": count}
