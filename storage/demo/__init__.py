"""The demo county (峨眉山市, spring 2020): `load_demo(db, today=…)` fills an empty database in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date

from sqlalchemy import func, select

from storage.bureau_file import load_bureau_file
from storage.db import Database
from storage.demo.county import DemoCounty, build_county
from storage.demo.reference import BUREAU_FILE, POLICY_FOLDER, local_time
from storage.models import (
    Application,
    Booking,
    ChannelIdentity,
    Enrollment,
    Enterprise,
    FollowUp,
    Person,
    ServiceRecord,
    StatusChange,
    WorkerNote,
)
from storage.policy_files import load_policy_files
from storage.queries.bureau import replace_bureau_facts
from storage.queries.policies import upsert_policies
from storage.states import Role

__all__ = ["BUREAU_FILE", "POLICY_FOLDER", "DemoSummary", "build_county", "load_demo"]


@dataclass(frozen=True)
class DemoSummary:
    """What load_demo inserted (all zero, with a reason, when it did nothing)."""

    loaded: bool
    reason: str = ""
    enterprises: int = 0
    postings: int = 0
    openings: int = 0
    trainings: int = 0
    departures: int = 0
    admins: int = 0
    secretaries: int = 0
    observers: int = 0
    employers: int = 0
    workers: int = 0
    follow_ups: int = 0
    applications: int = 0
    enrollments: int = 0
    bookings: int = 0
    status_changes: int = 0
    notes: int = 0
    service_records: int = 0
    policies: int = 0
    offices: int = 0  # the bureau's service halls and township stations (storage/demo/bureau.yaml)

    def __str__(self) -> str:
        if not self.loaded:
            return f"demo not loaded: {self.reason}"
        counts = ", ".join(f"{f.name.replace('_', ' ')} {getattr(self, f.name)}" for f in fields(self)[2:])
        return f"峨眉山市 — {counts}"

    @classmethod
    def of(cls, county: DemoCounty) -> DemoSummary:
        postings = county.postings
        return cls(
            loaded=True,
            enterprises=len(county.enterprises),
            postings=len(postings),
            openings=sum(p.openings for p in postings),
            trainings=len(county.trainings),
            departures=len(county.departures),
            admins=len(county.admins),
            secretaries=len(county.secretaries),
            observers=len(county.observers),
            employers=len(county.employers),
            workers=len(county.workers),
            follow_ups=county.count(FollowUp),
            applications=county.count(Application),
            enrollments=county.count(Enrollment),
            bookings=county.count(Booking),
            status_changes=county.count(StatusChange),
            notes=county.count(WorkerNote),
            service_records=county.count(ServiceRecord),
        )


async def load_demo(db: Database, *, today: date) -> DemoSummary:
    """Insert the demo county dated from `today`; does nothing if enterprises or staff are already there."""
    async with db.session() as session:
        enterprises = (await session.execute(select(func.count()).select_from(Enterprise))).scalar_one()
        staff = (
            await session.execute(select(func.count()).select_from(Person).where(Person.role.in_(sorted(Role.STAFF))))
        ).scalar_one()
        if enterprises or staff:
            return DemoSummary(loaded=False, reason=f"the database already has {enterprises} enterprises and "
                                                    f"{staff} staff")
        county = build_county(today)
        taken = set(
            (await session.execute(select(ChannelIdentity.external_id).where(ChannelIdentity.channel == "terminal")))
            .scalars()
        )
        if taken:  # someone already chatted in the terminal under a demo worker's id: they keep it
            for worker in county.workers:
                worker.person.identities[:] = [i for i in worker.person.identities if i.external_id not in taken]
            for employer in county.employers:
                employer.identities[:] = [i for i in employer.identities if i.external_id not in taken]
        session.add_all(county.first)
        await session.flush()
        for row, column, target in county.links:
            setattr(row, column, target.id)
        session.add_all(county.second)
        await session.flush()
        docs = load_policy_files(POLICY_FOLDER)
        await upsert_policies(session, docs, now=local_time(today, "09:00"))
        facts = load_bureau_file(BUREAU_FILE)
        await replace_bureau_facts(session, facts, now=local_time(today, "09:00"))
        return replace(DemoSummary.of(county), policies=len(docs), offices=len(facts.offices))
