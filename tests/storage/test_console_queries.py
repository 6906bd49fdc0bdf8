"""The console's counts and lists (storage/queries/figures.py, worker_file.py) give what counting every row by
hand gives, on both backends: the overview's series per local day, channel and secretary, the workers table for
any filters a person types and any reader's scope, and the returnee origins."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from flows.overview import parse_period
from storage.db import Database
from storage.migrate import upgrade
from storage.models import FollowUp, Person, SecretaryCoverage, ServiceRecord, StatusChange, WorkerProfile
from storage.queries import figures, worker_file
from storage.queries.worker_file import Visibility, WorkerFilter, list_workers, returnee_origins
from storage.states import FollowUpState
from tests.conftest import _fresh_postgres

ZONE = "Asia/Shanghai"
NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)
TOWNSHIPS = ["双福镇", "绥山镇", "符溪镇", "峨山街道"]
VILLAGES = ["一村", "二村", None]
STATUSES = ["seeking", "placed", "training", "not_seeking", "unreachable"]
ORIGINS = [None, None, "浙江", "广东", "", "新疆"]
NAME_CHARS = "刘王李张陈秀英华明%_ aB"  # LIKE's own characters and a space are typed too
CHANNELS = ["telegram", "phone", "in_person"]


@dataclass
class County:
    """What was written, kept in Python to count by hand."""

    url: str
    secretaries: dict[int, frozenset[str]] = field(default_factory=dict)  # id → covered townships
    people: dict[int, dict] = field(default_factory=dict)
    profiles: dict[int, dict] = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)
    followups: list[dict] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)

    def live_workers(self) -> list[int]:
        return [pid for pid, p in self.people.items()
                if p["role"] == "worker" and p["forgotten_at"] is None and pid in self.profiles]


def local_day(moment: datetime) -> date:
    return (moment + timedelta(hours=8)).date()  # Asia/Shanghai: no daylight saving


async def build(url: str, seed: int = 14) -> County:
    rng = random.Random(seed)
    db = Database(url)
    await upgrade(db)
    county = County(url)
    rows: list[dict] = []
    for pid in range(1, 5):
        rows.append({"id": pid, "role": "secretary", "name": f"秘书{pid}", "township": None, "village": None,
                     "forgotten_at": None})
        county.secretaries[pid] = frozenset(rng.sample(TOWNSHIPS, rng.randint(0, 2)))
    for pid in range(5, 305):
        role = "worker" if rng.random() < 0.95 else "observer"  # an observer keeping an old profile
        township = rng.choice([*TOWNSHIPS, None])
        rows.append({"id": pid, "role": role, "name": "".join(rng.choices(NAME_CHARS, k=rng.randint(1, 4))),
                     "township": township, "village": rng.choice(VILLAGES) if township else None,
                     "forgotten_at": NOW - timedelta(days=1) if rng.random() < 0.05 else None})
        if rng.random() < 0.95:
            county.profiles[pid] = {
                "person_id": pid, "status": rng.choice(STATUSES), "returnee_origin": rng.choice(ORIGINS),
                "secretary_id": rng.choice([1, 2, 3, 4, None]), "skills": [], "wanted_categories": [],
                "registered_at": NOW - timedelta(days=rng.uniform(0, 120)),
            }
            for _ in range(rng.randint(0, 2)):
                county.changes.append({
                    "worker_id": pid, "old_status": rng.choice([None, "seeking", "placed"]),
                    "new_status": rng.choice(["placed", "placed", "seeking"]), "reason": "",
                    "created_at": NOW - timedelta(days=rng.uniform(0, 100))})
            for _ in range(rng.randint(0, 2)):
                state = rng.choice(list(FollowUpState))
                due = NOW + timedelta(days=rng.uniform(-40, 20))
                county.followups.append({
                    "worker_id": pid, "secretary_id": rng.choice([1, 2, 3, 4, None]), "kind": "seeking",
                    "due_at": due, "state": state, "prompts_sent": 0, "note": "",
                    "completed_at": due if state == FollowUpState.DONE else None, "created_at": due})
    for _ in range(600):
        county.contacts.append({
            "person_id": rng.choice([None, *range(5, 305)]), "channel": rng.choice(CHANNELS), "kind": "job_search",
            "chat_type": "private", "created_at": NOW - timedelta(days=rng.uniform(0, 100))})
    county.people = {row["id"]: row for row in rows}
    async with db.session() as session:
        await session.execute(insert(Person), rows)
        coverage = [{"secretary_id": sid, "township": t} for sid, ts in county.secretaries.items() for t in ts]
        if coverage:
            await session.execute(insert(SecretaryCoverage), coverage)
        await session.execute(insert(WorkerProfile), list(county.profiles.values()))
        await session.execute(insert(StatusChange), county.changes)
        await session.execute(insert(FollowUp), county.followups)
        await session.execute(insert(ServiceRecord), county.contacts)
    await db.dispose()
    return county


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def county(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    """One county per backend for the module (the tests only read it)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('console') / 'mishu.db'}"
    else:
        url = asyncio.run(_fresh_postgres(request.getfixturevalue("postgres_url")))
    yield asyncio.run(build(url))


def reading(url: str, read):  # type: ignore[no-untyped-def]
    """Run `read(session)` against the county in a loop of its own (the tests are synchronous for hypothesis)."""

    async def go():  # type: ignore[no-untyped-def]
        db = Database(url)
        try:
            async with db.session() as session:
                return await read(session)
        finally:
            await db.dispose()

    return asyncio.run(go())


def in_township(county: County, person_id: int | None, township: str | None) -> bool:
    return township is None or (person_id in county.people and county.people[person_id]["township"] == township)


def live(county: County, person_id: int) -> bool:
    p = county.people[person_id]
    return p["role"] == "worker" and p["forgotten_at"] is None


PERIOD = parse_period(None, None, TODAY)


class TestOverviewSeries:
    @pytest.mark.parametrize("township", [None, "双福镇"])
    def test_placements_per_day(self, county: County, township: str | None) -> None:
        start, end = PERIOD.bounds(ZoneInfo(ZONE))
        expected = Counter(
            local_day(c["created_at"]) for c in county.changes
            if c["new_status"] == "placed" and c["old_status"] != "placed" and start <= c["created_at"] < end
            and live(county, c["worker_id"]) and in_township(county, c["worker_id"], township))
        found = reading(county.url, lambda s: figures.placements_by_day(
            s, start, end, township=township, zone=ZONE, offset_minutes=480))
        assert found == dict(expected) and sum(found.values()) > 0

    @pytest.mark.parametrize("township", [None, "双福镇"])
    def test_contacts_per_day_and_channel(self, county: County, township: str | None) -> None:
        start, end = PERIOD.bounds(ZoneInfo(ZONE))
        expected = Counter(
            (local_day(c["created_at"]), c["channel"]) for c in county.contacts
            if start <= c["created_at"] < end and (township is None or in_township(county, c["person_id"], township)))
        found = reading(county.url, lambda s: figures.contacts_by_day(
            s, start, end, township=township, zone=ZONE, offset_minutes=480))
        assert {(d, ch): n for d, ch, n in found} == dict(expected) and len(found) == len(expected) > 0

    @pytest.mark.parametrize("township", [None, "双福镇"])
    def test_followups_per_secretary(self, county: County, township: str | None) -> None:
        start, end = PERIOD.bounds(ZoneInfo(ZONE))
        done: Counter[int] = Counter()
        overdue: Counter[int] = Counter()
        for f in county.followups:
            if f["secretary_id"] is None or not in_township(county, f["worker_id"], township):
                continue
            if f["state"] == FollowUpState.DONE and start <= f["completed_at"] < end:
                done[f["secretary_id"]] += 1
            if f["state"] not in FollowUpState.CLOSED and f["due_at"] < NOW:
                overdue[f["secretary_id"]] += 1
        expected = sorted(((sid, f"秘书{sid}", done[sid], overdue[sid]) for sid in done.keys() | overdue.keys()),
                          key=lambda row: (-row[3], row[1]))
        found = reading(county.url, lambda s: figures.followups_by_secretary(s, start, end, now=NOW,
                                                                            township=township))
        assert found == expected and expected

    def test_a_period_across_statements_is_counted_whole(self, county: County, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        monkeypatch.setattr(figures, "DAYS_PER_STATEMENT", 7)  # 84 days: twelve statements on SQLite
        start, end = PERIOD.bounds(ZoneInfo(ZONE))
        found = reading(county.url, lambda s: figures.contacts_by_day(
            s, start, end, township=None, zone=ZONE, offset_minutes=480))
        assert sum(n for _, _, n in found) == sum(1 for c in county.contacts if start <= c["created_at"] < end)

    def test_local_days_cover_the_period_exactly(self) -> None:
        start, end = PERIOD.bounds(ZoneInfo(ZONE))
        days = figures.local_days(start, end, ZONE)
        assert [d for d, _, _ in days] == PERIOD.days
        assert days[0][1] == start and days[-1][2] == end
        assert all(a[2] == b[1] for a, b in zip(days, days[1:], strict=False))


def contains(county: County, name: str, typed: str) -> bool:
    """LIKE '%…%' as each backend reads it: SQLite folds ASCII letters' case, PostgreSQL does not."""
    if county.url.startswith("sqlite"):
        def fold(text: str) -> str:
            return "".join(c.lower() if c.isascii() else c for c in text)
        return fold(typed) in fold(name)
    return typed in name


def expected_page(county: County, flt: WorkerFilter, visible: Visibility, limit: int, offset: int) -> tuple[list[int], int]:
    """The table counted by hand: newest first, all filters, the reader's scope."""
    matches = []
    for pid in county.live_workers():
        person, profile = county.people[pid], county.profiles[pid]
        if visible.secretary_id is not None and not (
                profile["secretary_id"] == visible.secretary_id or person["township"] in visible.townships):
            continue
        if flt.township and person["township"] != flt.township:
            continue
        if flt.status and profile["status"] != flt.status:
            continue
        if flt.origin and profile["returnee_origin"] != flt.origin:
            continue
        if flt.secretary_id is not None and profile["secretary_id"] != flt.secretary_id:
            continue
        if flt.name and not contains(county, person["name"], flt.name):
            continue
        matches.append(pid)
    matches.sort(reverse=True)
    return matches[offset:offset + limit], len(matches)


readers = st.one_of(st.just(None), st.sampled_from([1, 2, 3, 4]))
filters = st.builds(
    WorkerFilter,
    township=st.one_of(st.none(), st.sampled_from(TOWNSHIPS)),
    status=st.one_of(st.none(), st.sampled_from(STATUSES)),
    origin=st.one_of(st.none(), st.sampled_from(["浙江", "广东", "新疆"])),
    secretary_id=st.one_of(st.none(), st.sampled_from([1, 2, 3])),
    name=st.one_of(st.none(), st.text(alphabet=NAME_CHARS + "Ab", min_size=1, max_size=3)),
)


class TestWorkersTable:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(flt=filters, reader=readers, page=st.integers(0, 3), limit=st.sampled_from([1, 5, 20]),
           count_limit=st.sampled_from([3, 40, 10_000]))
    def test_any_filters_and_scope_give_the_rows_counted_by_hand(
        self, county: County, monkeypatch, flt: WorkerFilter, reader: int | None, page: int, limit: int,  # type: ignore[no-untyped-def]
        count_limit: int,
    ) -> None:
        monkeypatch.setattr(worker_file, "COUNT_LIMIT", count_limit)
        visible = Visibility() if reader is None else Visibility(reader, county.secretaries[reader])
        rows, total = expected_page(county, flt, visible, limit, page * limit)
        found = reading(county.url, lambda s: list_workers(s, flt, visible, limit=limit, offset=page * limit))
        assert [row.id for row in found.rows] == rows
        assert found.total == min(total, count_limit + 1)

    def test_a_secretary_sees_own_workers_elsewhere_and_covered_townships_once(self, county: County) -> None:
        sid = next(s for s, ts in county.secretaries.items() if ts)
        visible = Visibility(sid, county.secretaries[sid])
        rows, total = expected_page(county, WorkerFilter(), visible, 500, 0)
        found = reading(county.url, lambda s: list_workers(s, WorkerFilter(), visible, limit=500, offset=0))
        assert [row.id for row in found.rows] == rows and found.total == total
        elsewhere = [pid for pid in rows if county.people[pid]["township"] not in county.secretaries[sid]]
        assert elsewhere and len(set(rows)) == len(rows)

    def test_returnee_origins_are_every_origin_once_in_order(self, county: County) -> None:
        expected = sorted({p["returnee_origin"] for p in county.profiles.values() if p["returnee_origin"]})
        assert reading(county.url, returnee_origins) == expected == ["广东", "新疆", "浙江"]
