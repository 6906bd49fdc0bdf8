"""The whole demo county built deterministically from a seed and `today`: rows to insert and the links between them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from storage.demo.people import Names, Worker, build_employer, build_observers, build_staff, build_workers
from storage.demo.reference import days, local_time
from storage.demo.supermarket import Phones, build_departures, build_enterprises, build_trainings
from storage.models import (
    Application,
    Booking,
    BusDeparture,
    Enrollment,
    Enterprise,
    FollowUp,
    Person,
    Posting,
    SecretaryCoverage,
    ServiceRecord,
    StatusChange,
    Training,
    WorkerNote,
)
from storage.states import ApplicationState, EmploymentStatus, FollowUpState
from storage.trades import TRAINING_TOPIC_OF_CATEGORY

SEED = 20200301  # the spring the reference story happened
NOTES = (
    "家里有老人要照顾，希望在本镇附近做事。", "想去绍兴进厂，已问过点对点包车。", "会开车，有C1驾照。",
    "去年在东莞电子厂做过两年装配。", "腰不太好，不能干重活。", "想学电焊考证，再去高速工地。",
    "娃娃在读小学，只能做白班。", "夫妻两个想一起出去，要夫妻房。", "手机不常看，打电话比较好找。",
    "采茶季结束后想找长期工作。", "湖北回来的，已居家观察期满，健康码绿码。", "有厨师证，在成都餐馆做过。",
)
SERVICE_KINDS = ("job_search", "policy_question", "bus_question", "training_question", "apply", "greet")


@dataclass
class DemoCounty:
    """Rows in two stages: `first` needs no foreign key, `second` gets theirs from `links` once `first` is flushed."""

    today: date
    enterprises: list[Enterprise]
    trainings: list[Training]
    departures: list[BusDeparture]
    admins: list[Person]
    secretaries: list[Person]
    observers: list[Person]
    workers: list[Worker]
    employers: list[Person] = field(default_factory=list)  # enterprises' hiring contacts (emp1)
    second: list[Any] = field(default_factory=list)
    links: list[tuple[Any, str, Any]] = field(default_factory=list)

    @property
    def postings(self) -> list[Posting]:
        return [posting for enterprise in self.enterprises for posting in enterprise.postings]

    @property
    def first(self) -> list[Any]:
        people = self.admins + self.secretaries + self.observers + [w.person for w in self.workers] + self.employers
        return [*self.enterprises, *self.trainings, *self.departures, *people]

    def add(self, row: Any, **targets: Any) -> Any:
        """Queue a second-stage row whose `<name>_id` columns point at the given first-stage rows."""
        self.second.append(row)
        for attr, target in targets.items():
            if target is not None:
                self.links.append((row, f"{attr}_id", target))
        return row

    def count(self, kind: type) -> int:
        return sum(isinstance(row, kind) for row in self.second)


def build_county(today: date, *, seed: int = SEED) -> DemoCounty:
    """The demo county as of `today`: the same rows every time for the same `today` and seed."""
    rng = random.Random(seed)
    phones = Phones(rng)
    staff = build_staff(today, phones)
    names = Names(rng, taken={p.name for p in staff.admins + staff.secretaries})
    enterprises = build_enterprises(rng, today, phones)
    observers = build_observers(rng, today, phones, names)
    workers = build_workers(rng, today, phones, names, staff, observers)
    county = DemoCounty(
        today=today,
        enterprises=enterprises,
        trainings=build_trainings(today),
        departures=build_departures(today),
        admins=staff.admins,
        secretaries=staff.secretaries,
        observers=[o.person for o in observers],
        workers=workers,
    )
    employer = build_employer(enterprises[0], today)
    county.employers.append(employer)
    county.links.append((employer, "enterprise_id", enterprises[0]))
    for secretary, township in staff.coverage_rows:
        county.add(SecretaryCoverage(township=township), secretary=secretary)
    _profiles(county)
    _secretaries_work(rng, county)
    # Policies plug in here: the knowledge base lives in storage/demo/policies/ (see load_demo).
    return county


def _profiles(county: DemoCounty) -> None:
    for worker in county.workers:
        county.add(worker.profile, person=worker.person, secretary=worker.secretary,
                   registered_by=worker.registered_by)


def _secretaries_work(rng: random.Random, county: DemoCounty) -> None:
    """Contacts so far, outcomes, applications, enrolments, bookings, notes and the follow-ups now pending."""
    today = county.today
    now = local_time(today, "09:00")
    by_category: dict[str, list[Posting]] = {}
    for posting in county.postings:
        by_category.setdefault(posting.job_category, []).append(posting)
    by_topic = {training.topic: training for training in county.trainings}
    applied = 0
    booked = 0
    for worker in county.workers:
        person, profile, secretary = worker.person, worker.profile, worker.secretary
        registered = profile.registered_at
        channel = "telegram" if profile.consent_how == "self" else "in_person"
        county.add(ServiceRecord(channel=channel, kind="register", created_at=registered), person=person)
        contacted = None
        if now - registered > timedelta(days=3) and rng.random() < 0.7:
            contacted = _between(rng, registered + timedelta(days=1), now)
            profile.last_contact_at = contacted
            county.add(ServiceRecord(channel="phone", kind="follow_up", created_at=contacted), person=person)
            county.add(FollowUp(kind="first", due_at=contacted - timedelta(hours=rng.randint(1, 30)),
                                state=FollowUpState.DONE,
                                outcome="seeking" if profile.status == EmploymentStatus.SEEKING else profile.status,
                                prompted_at=contacted, prompts_sent=1, completed_at=contacted, created_at=registered),
                       worker=person, secretary=secretary)
        for _ in range(rng.randint(0, 3)):
            county.add(ServiceRecord(channel="telegram", kind=rng.choice(SERVICE_KINDS),
                                     created_at=_between(rng, registered, now)), person=person)
        if rng.random() < 0.1:
            county.add(WorkerNote(text=rng.choice(NOTES), created_at=contacted or registered),
                       worker=person, author=secretary)
        wanted = [p for c in profile.wanted_categories for p in by_category.get(c, [])]
        changed = contacted or _between(rng, registered, now)
        if profile.status == EmploymentStatus.SEEKING:
            overdue = rng.random() < 0.15
            due_day = today + days(rng.randint(-3, -1) if overdue else rng.randint(0, 6))
            county.add(FollowUp(kind="seeking" if contacted else "first",
                                due_at=local_time(due_day, time(rng.randint(9, 16), rng.choice((0, 30)))),
                                created_at=contacted or registered),
                       worker=person, secretary=secretary)
            if wanted and applied < 12 and rng.random() < 0.12:
                applied += 1
                county.add(Application(status=rng.choice((ApplicationState.SUBMITTED, ApplicationState.SUBMITTED,
                                                          ApplicationState.CONTACTED)),
                                       created_at=_between(rng, registered, now)),
                           posting=rng.choice(wanted), worker=person)
            if worker.archetype.name == "factory" and booked < 8 and rng.random() < 0.2:
                booked += 1
                departure = county.departures[booked % 4]  # 绍兴, 东莞, 深圳, 宁波
                county.add(Booking(seats=1, created_at=_between(rng, registered, now)), departure=departure,
                           worker=person)
        elif profile.status == EmploymentStatus.PLACED:
            posting = rng.choice(wanted or county.postings)
            profile.placed_employer = posting.enterprise.name
            county.add(Application(status=ApplicationState.HIRED, created_at=changed - timedelta(days=1)),
                       posting=posting, worker=person)
            county.add(StatusChange(old_status=EmploymentStatus.SEEKING, new_status=EmploymentStatus.PLACED,
                                    reason="follow_up_outcome",
                                    created_at=changed), worker=person, changed_by=secretary)
            county.add(FollowUp(kind="stability", due_at=local_time(today + days(rng.randint(7, 30)), "10:00"),
                                created_at=changed), worker=person, secretary=secretary)
        elif profile.status == EmploymentStatus.TRAINING:
            topics = [TRAINING_TOPIC_OF_CATEGORY[c] for c in profile.wanted_categories if TRAINING_TOPIC_OF_CATEGORY.get(c) in by_topic]
            training = by_topic[topics[0]] if topics else rng.choice(county.trainings)
            county.add(Enrollment(created_at=changed), training=training, worker=person)
            county.add(StatusChange(old_status=EmploymentStatus.SEEKING, new_status=EmploymentStatus.TRAINING,
                                    reason="enrolled",
                                    created_at=changed), worker=person, changed_by=secretary)
            ends = training.ends_at or training.starts_at
            county.add(FollowUp(kind="seeking", due_at=ends + timedelta(days=2), created_at=changed),
                       worker=person, secretary=secretary)
        else:
            county.add(StatusChange(old_status=EmploymentStatus.SEEKING, new_status=profile.status,
                                    reason="follow_up_outcome",
                                    created_at=changed), worker=person, changed_by=secretary)


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    return start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))
