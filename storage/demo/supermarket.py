"""The job supermarket of the demo county: enterprises and their postings, trainings and return-to-work buses."""

from __future__ import annotations

import random
from datetime import date, time
from typing import Any

from storage.demo.reference import COUNTY, data, days, destinations, local_time, townships
from storage.models import BusDeparture, Enterprise, Posting, Training
from storage.states import PostingState

CONTACT_TITLES = ("经理", "主任", "会计", "女士", "先生", "师傅", "部长", "主管")


class Phones:
    """Fictional phone numbers 1380000xxxx, each handed out once."""

    def __init__(self, rng: random.Random) -> None:
        self._pool = rng.sample(range(10000), 10000)

    def next(self) -> str:
        return f"1380000{self._pool.pop():04d}"


def contact_name(rng: random.Random) -> str:
    return rng.choice(data("people")["surnames"]) + rng.choice(CONTACT_TITLES)


def build_enterprises(rng: random.Random, today: date, phones: Phones) -> list[Enterprise]:
    """The employers of data/enterprises.yaml, each with its postings (reachable as `enterprise.postings`)."""
    enterprises = []
    counter = 0
    for index, spec in enumerate(data("enterprises"), start=1):
        inside = spec["place"] in townships()
        enterprise = Enterprise(
            external_id=f"demo-e{index:03d}",
            name=spec["name"],
            industry=spec["industry"],
            township=spec["place"] if inside else None,
            city=COUNTY if inside else spec["place"],
            province="四川" if inside else destinations()[spec["place"]],
            address=_address(rng, spec, inside),
            contact_name=contact_name(rng),
            contact_phone=phones.next(),
            description=spec["description"],
            created_at=local_time(today - days(rng.randint(20, 60)), time(rng.randint(8, 17), rng.choice((0, 30)))),
        )
        count = spec["postings"] + rng.randint(0, 1)
        weights = [3] + [1] * (len(spec["hires"]) - 1)
        categories = list(spec["hires"]) + rng.choices(spec["hires"], weights=weights, k=max(0, count - len(spec["hires"])))
        used_titles: set[str] = set()
        for category in categories:
            counter += 1
            enterprise.postings.append(
                _posting(rng, today, phones, enterprise, spec, category, used_titles, f"demo-p{counter:04d}")
            )
        enterprises.append(enterprise)
    return enterprises


def _address(rng: random.Random, spec: dict[str, Any], inside: bool) -> str:
    if inside:
        village = rng.choice(townships()[spec["place"]])
        return f"四川省乐山市{COUNTY}{spec['place']}{village}{rng.randint(1, 12)}组"
    return f"{destinations()[spec['place']]}省{spec['place']}市" if spec["place"] not in ("上海", "新疆") else spec["place"]


def _posting(
    rng: random.Random,
    today: date,
    phones: Phones,
    enterprise: Enterprise,
    spec: dict[str, Any],
    category: str,
    used_titles: set[str],
    external_id: str,
) -> Posting:
    job = data("jobs")[category]
    inside = enterprise.township is not None
    township = rng.choice(spec.get("sites") or [spec["place"]]) if inside else None
    village = rng.choice(townships()[township]) if township else None
    tags = {enterprise.industry, "本地" if inside else "外地"}
    title = _title(rng, _fitting(job["titles"], tags), used_titles, township, village, enterprise.city)
    place = f"{township}{village}" if township else enterprise.city
    salary_min, salary_max, unit, salary_text = _pay(rng, job["pay"], negotiable=category != "公益性岗位")
    ages = rng.choice(job["ages"])
    requirements = rng.sample(job["requirements"], k=min(len(job["requirements"]), rng.randint(1, 3)))
    if ages:
        requirements.insert(0, f"年龄{ages[0]}-{ages[1]}岁")
    created_day = today - days(rng.randint(0, 20))
    low, high = job["openings"]
    own_contact = rng.random() < 0.7
    return Posting(
        external_id=external_id,
        title=title,
        job_category=category,
        township=township,
        city=enterprise.city,
        province=enterprise.province,
        openings=rng.randint(low, high),
        salary_min=salary_min,
        salary_max=salary_max,
        salary_unit=unit,
        salary_text=salary_text,
        description=rng.choice(_fitting(job["descriptions"], tags)).format(place=place, enterprise=enterprise.name),
        requirements="；".join(requirements),
        age_min=ages[0] if ages else None,
        age_max=ages[1] if ages else None,
        benefits="，".join(rng.sample(job["benefits"], k=rng.randint(1, min(3, len(job["benefits"]))))),
        contact_name=enterprise.contact_name if own_contact else contact_name(rng),
        contact_phone=enterprise.contact_phone if own_contact else phones.next(),
        start_date=today + days(rng.randint(*job["start"])),
        deadline=today + days(rng.randint(7, 45)),
        seasonal=bool(job["seasonal"]),
        status=PostingState.OPEN,
        created_at=local_time(created_day, time(rng.randint(8, 18), rng.randrange(0, 60, 5))),
    )


def _fitting(entries: list[Any], tags: set[str]) -> list[str]:
    """The texts that suit an employer: plain ones, and tagged ones whose `only`/`where` match its tags."""
    texts = []
    for entry in entries:
        if isinstance(entry, str):
            texts.append(entry)
        elif set(entry.get("only", tags)) & tags and entry.get("where", next(iter(tags))) in tags:
            texts.append(entry["t"])
    return texts


def _title(
    rng: random.Random, titles: list[str], used: set[str], township: str | None, village: str | None, city: str
) -> str:
    candidates = [t for t in titles if township or "{" not in t]
    title = ""
    for _ in range(12):
        template = rng.choice(candidates)
        title = template.format(township=township, village=village, city=city)
        roll = rng.random()
        if roll < 0.12:
            title = f"急招{title}"
        elif roll < 0.25 and "（" not in title and "{" not in template:
            title = f"{title}（{township or city}）"
        if title not in used:
            break
    else:
        title = f"{title}（{village or city}）"
    used.add(title)
    return title


def _pay(rng: random.Random, options: list[dict[str, Any]], *, negotiable: bool) -> tuple[int | None, int | None, str, str]:
    option = rng.choice(options)
    if negotiable and rng.random() < 0.06:
        return None, None, option["unit"], "面议"
    step = option["step"]
    low = _draw(rng, option["min"], step)
    high = max(low, _draw(rng, option["max"], step))
    return low, high, option["unit"], option["text"].format(min=low, max=high)


def _draw(rng: random.Random, bounds: list[int], step: int) -> int:
    return rng.randrange(bounds[0], bounds[1] + 1, step) if bounds[1] > bounds[0] else bounds[0]


def build_trainings(today: date) -> list[Training]:
    """The eight courses of data/services.yaml, starting in the coming weeks."""
    trainings = []
    for spec in data("services")["trainings"]:
        starts = local_time(today + days(spec["day"]), spec["at"])
        trainings.append(
            Training(
                title=spec["title"],
                topic=spec["topic"],
                mode=spec["mode"],
                location=spec["location"],
                organiser=spec["organiser"],
                description=spec["description"],
                requirements=spec["requirements"],
                subsidy=spec["subsidy"],
                capacity=spec["capacity"],
                starts_at=starts,
                ends_at=local_time(today + days(spec["day"] + spec["days"] - 1), "17:30"),
            )
        )
    return trainings


def build_departures(today: date) -> list[BusDeparture]:
    """The point-to-point return-to-work buses (春风行动) of data/services.yaml."""
    services = data("services")
    return [
        BusDeparture(
            origin=COUNTY,
            destination=spec["destination"],
            destination_province=spec["province"],
            departs_at=local_time(today + days(spec["day"]), spec["at"]),
            seats=spec["seats"],
            pickup_points=list(spec["pickup"]),
            requirements=services["bus_requirements"][index % len(services["bus_requirements"])],
            price=spec["price"],
            employer=spec["employer"],
        )
        for index, spec in enumerate(services["buses"])
    ]
