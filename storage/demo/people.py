"""People of the demo county: admins, employment secretaries, village observers and registered workers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time

from storage.demo.reference import data, days, local_time, townships
from storage.demo.supermarket import Phones
from storage.models import ChannelIdentity, Enterprise, Person, WorkerProfile
from storage.states import EmploymentStatus, Role

WORKERS = 200
RETURNEE_SHARE = 0.6
HARDEST_HIT = 6  # returnees from 湖北, flagged hardest_hit
VILLAGES_PER_OBSERVER = 3
TERMINAL_WORKERS = 3
ORIGINS = {"浙江": 30, "广东": 32, "福建": 10, "江苏": 10, "上海": 5, "新疆": 6, "重庆": 3, "北京": 2}
STATUSES = {EmploymentStatus.SEEKING: 72, EmploymentStatus.PLACED: 14, EmploymentStatus.TRAINING: 9,
            EmploymentStatus.NOT_SEEKING: 3, EmploymentStatus.UNREACHABLE: 2}


@dataclass(frozen=True)
class Archetype:
    """A kind of worker the county has: what they can do, want, earn, and who they tend to be."""

    name: str
    weight: int
    skills: tuple[str, ...]
    wants: tuple[str, ...]
    pay: tuple[int, int]
    born: tuple[int, int]
    male_share: float


ARCHETYPES = (
    Archetype("factory", 30, ("普工", "装配工", "缝纫工"), ("普工", "装配工", "缝纫工", "搬运工", "快递员"),
              (4000, 6000), (1975, 2001), 0.5),
    Archetype("construction", 20, ("建筑工", "钢筋工", "电焊工", "木工", "电工"), ("建筑工", "钢筋工", "电焊工", "木工",
              "电工", "司机"), (5000, 8000), (1966, 1995), 0.92),
    Archetype("tea", 18, ("采茶工", "制茶工", "种植工"), ("采茶工", "制茶工", "种植工"), (1800, 3500), (1962, 1990), 0.3),
    Archetype("service", 12, ("服务员", "厨师", "保洁", "酒店前台", "销售"), ("服务员", "厨师", "酒店前台", "景区服务",
              "导游", "销售", "保洁"), (2500, 4500), (1980, 2002), 0.4),
    Archetype("transport", 8, ("司机", "快递员", "搬运工"), ("司机", "快递员", "搬运工"), (4500, 7000), (1972, 1998), 0.95),
    Archetype("care", 6, ("家政", "护工", "保洁"), ("家政", "护工", "保洁"), (3000, 5000), (1966, 1988), 0.1),
    Archetype("farm", 4, ("种植工", "养殖工"), ("种植工", "养殖工", "采茶工"), (2500, 4000), (1962, 1985), 0.6),
    Archetype("hard_to_employ", 6, ("保洁", "保安"), ("公益性岗位", "保洁", "保安"), (1500, 2500), (1960, 1972), 0.55),
)


@dataclass
class Staff:
    """The bureau's admins and secretaries, with the townships each secretary covers."""

    admins: list[Person] = field(default_factory=list)
    secretaries: list[Person] = field(default_factory=list)
    coverage: dict[str, list[Person]] = field(default_factory=dict)  # township → covering secretaries
    coverage_rows: list[tuple[Person, str]] = field(default_factory=list)


@dataclass
class Observer:
    """A village employment observer and the villages they register workers in."""

    person: Person
    villages: tuple[str, ...]


@dataclass
class Worker:
    """A registered worker with their profile and who looks after them (linked by object until flushed)."""

    person: Person
    profile: WorkerProfile
    archetype: Archetype
    secretary: Person
    registered_by: Person | None


class Names:
    """Realistic Chinese names, each used once."""

    def __init__(self, rng: random.Random, taken: set[str] | None = None) -> None:
        self._rng = rng
        self._people = data("people")
        self._used: set[str] = set(taken or ())

    def draw(self, male: bool) -> str:
        given = self._people["given_male" if male else "given_female"]
        for _ in range(50):
            name = self._rng.choice(self._people["surnames"]) + self._rng.choice(given)
            if name not in self._used:
                break
        self._used.add(name)
        return name


def build_staff(today: date, phones: Phones) -> Staff:
    """The two admins and ten secretaries of data/people.yaml, with terminal identities admin1…, sec1…"""
    staff = Staff()
    joined = local_time(today - days(120), "09:00")
    for index, spec in enumerate(data("people")["admins"], start=1):
        admin = _staff_person(Role.ADMIN, spec, phones, joined, f"admin{index}")
        staff.admins.append(admin)
    for index, spec in enumerate(data("people")["secretaries"], start=1):
        secretary = _staff_person(Role.SECRETARY, spec, phones, joined, f"sec{index}")
        secretary.township = spec["townships"][0]
        staff.secretaries.append(secretary)
        for township in spec["townships"]:
            staff.coverage.setdefault(township, []).append(secretary)
            staff.coverage_rows.append((secretary, township))
    missing = set(townships()) - set(staff.coverage)
    assert not missing, f"townships without a secretary: {sorted(missing)}"
    return staff


def _staff_person(role: Role, spec: dict[str, str], phones: Phones, joined: datetime, terminal_id: str) -> Person:
    person = Person(role=role, name=spec["name"], phone=phones.next(), created_at=joined)
    person.identities.append(
        ChannelIdentity(channel="terminal", external_id=terminal_id, chat_id=terminal_id,
                        display_name=f"{spec['name']}（{spec['office']}）", created_at=joined)
    )
    return person


def build_employer(enterprise: Enterprise, today: date) -> Person:
    """The hiring contact of one demo enterprise, with terminal id emp1 (`mishu chat --as employer`); bound to the
    enterprise once it has an id (DemoCounty.links). Draws nothing at random, so the rest of the county is as
    before."""
    person = Person(role=Role.EMPLOYER, name=enterprise.contact_name, phone=enterprise.contact_phone,
                    township=enterprise.township, created_at=local_time(today - days(10), "10:00"))
    person.identities.append(ChannelIdentity(channel="terminal", external_id="emp1", chat_id="emp1",
                                             display_name=f"{enterprise.contact_name}（{enterprise.name}）"))
    return person


def build_observers(rng: random.Random, today: date, phones: Phones, names: Names) -> list[Observer]:
    """One observer for every few villages of each township; the first has terminal id obs1."""
    observers = []
    for township, villages in townships().items():
        for start in range(0, len(villages), VILLAGES_PER_OBSERVER):
            group = tuple(villages[start:start + VILLAGES_PER_OBSERVER])
            male = rng.random() < 0.6
            person = Person(role=Role.OBSERVER, name=names.draw(male), phone=phones.next(), township=township,
                            village=group[0], created_at=local_time(today - days(rng.randint(60, 90)), "10:00"))
            observers.append(Observer(person, group))
    first = observers[0].person
    first.identities.append(ChannelIdentity(channel="terminal", external_id="obs1", chat_id="obs1",
                                            display_name=f"{first.name}（{first.village}就业观察员）"))
    return observers


def build_workers(
    rng: random.Random, today: date, phones: Phones, names: Names, staff: Staff, observers: list[Observer]
) -> list[Worker]:
    """200 registered workers spread over every township, each with a covering secretary of the lightest load."""
    all_townships = list(townships())
    weights = [3 if t in ("双福镇", "桂花桥镇", "龙池镇", "绥山镇", "符溪镇", "胜利街道") else 2 for t in all_townships]
    places = all_townships + rng.choices(all_townships, weights=weights, k=WORKERS - len(all_townships))
    observer_of = {village: obs for obs in observers for village in obs.villages}
    load = {id(secretary): 0 for secretary in staff.secretaries}
    workers = []
    for index, township in enumerate(places):
        archetype = rng.choices(ARCHETYPES, weights=[a.weight for a in ARCHETYPES])[0]
        village = rng.choice(townships()[township])
        secretary = min(staff.coverage[township], key=lambda s: load[id(s)])
        load[id(secretary)] += 1
        observer = observer_of.get(village)
        by_observer = index >= TERMINAL_WORKERS and observer is not None and rng.random() < 0.35
        workers.append(_worker(rng, today, phones, names, archetype, township, village, secretary,
                               observer.person if by_observer and observer else None, index))
    _returnees(rng, workers)
    return workers


def _worker(
    rng: random.Random,
    today: date,
    phones: Phones,
    names: Names,
    archetype: Archetype,
    township: str,
    village: str,
    secretary: Person,
    observer: Person | None,
    index: int,
) -> Worker:
    male = rng.random() < archetype.male_share
    registered = local_time(today - days(rng.randint(0, 60)), time(rng.randint(8, 21), rng.randrange(0, 60)))
    person = Person(role=Role.WORKER, name=names.draw(male), phone=phones.next(), township=township, village=village,
                    created_at=registered)
    skills = rng.sample(archetype.skills, k=rng.randint(0 if archetype.name == "hard_to_employ" else 1, 2))
    wanted = list(dict.fromkeys(skills[:1] + rng.sample(archetype.wants, k=rng.randint(1, 3))))[:3]
    status = (EmploymentStatus.SEEKING if index < TERMINAL_WORKERS
              else rng.choices(list(STATUSES), weights=list(STATUSES.values()))[0])
    low, high = archetype.pay
    profile = WorkerProfile(
        status=status,
        skills=skills,
        wanted_categories=wanted,
        min_monthly_pay=rng.randrange(low, high + 1, 100) if rng.random() < 0.85 else None,
        available_from=today + days(rng.randint(-10, 20)),
        birth_year=rng.randint(*archetype.born),
        gender="male" if male else "female",
        subscribed=index < TERMINAL_WORKERS or rng.random() < 0.9,
        consent_at=registered,
        consent_how="in_person_by_observer" if observer else "self",
        registered_at=registered,
    )
    if status == EmploymentStatus.UNREACHABLE:
        person.reachable = False
    if index < TERMINAL_WORKERS:
        person.identities.append(ChannelIdentity(channel="terminal", external_id=f"worker{index + 1}",
                                                 chat_id=f"worker{index + 1}", display_name=person.name,
                                                 created_at=registered))
    return Worker(person, profile, archetype, secretary, observer)


def _returnees(rng: random.Random, workers: list[Worker]) -> None:
    """About 60% came back from work elsewhere; a handful from 湖北 are flagged as from the hardest-hit areas."""
    candidates = [w for w in workers if w.archetype.name != "hard_to_employ"]
    returnees = rng.sample(candidates, k=round(RETURNEE_SHARE * len(workers)))
    for worker in returnees:
        worker.profile.is_returnee = True
        worker.profile.returnee_origin = rng.choices(list(ORIGINS), weights=list(ORIGINS.values()))[0]
    for worker in rng.sample(returnees, k=HARDEST_HIT):
        worker.profile.returnee_origin = "湖北"
        worker.profile.hardest_hit = True
