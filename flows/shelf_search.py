"""Job search on the shelf: a question's criteria as a database query, the line saying why each result fits, and
what to offer when nothing fits.

- `shelf_query` adds what the chat knows of the worker: their age (said in the question, else from the profile's
  birth year: postings whose age limits exclude them are left out, and the heading says so) and their township
  (for "离家近的", the county's townships nearest first).
- `reason_line`: "日结 · 包吃住 · 离双福镇 6 公里" — the attributes asked for first, then the posting's others, and
  the distance from the worker's township.
- `offer_easing`: nothing fits → which condition removed them all (a count with each one dropped), offered as
  numbered choices (buttons, or type the number) with "notify me of new jobs".
"""

from __future__ import annotations

from datetime import date, datetime

from flows.matching import county_geography
from flows.ranking import SearchCriteria
from flows.router import Router
from flows.turn import FlowSettings, Turn
from storage.attributes import BY_NAME, names_of
from storage.db import Database
from storage.models import Posting
from storage.pay import monthly
from storage.queries.search import ShelfQuery, counts_without, unlist_expired
from storage.queries.token_counts import fold

router = Router("shelf_search")

MAX_REASON_ATTRIBUTES = 3
MAX_EASINGS = 3


def worker_age(turn: Turn) -> int | None:
    """The worker's age from their profile's birth year (this year's), when they gave it."""
    profile = turn.person.profile if turn.person else None
    if profile is None or not profile.birth_year:
        return None
    return turn.today.year - profile.birth_year


def nearest_townships(home: str | None) -> tuple[str, ...]:
    """The county's townships by distance from `home`, itself first; for a home the county does not know (or
    none), the county's townships from the most central out: "near" then still puts the county's postings first."""
    geo = county_geography()
    index = geo.index(home)
    if index < 0:
        spread = {name: float(geo.km[geo.index(name)].sum()) for name in geo.names}
        return tuple(sorted(geo.names, key=lambda name: (spread[name], name)))
    distances = geo.km[index]
    return tuple(sorted(geo.names, key=lambda name: (distances[geo.index(name)], name)))


def knows_home(query: ShelfQuery) -> bool:
    """Whether "near" goes by the worker's own township (else by the county's centre)."""
    return bool(query.home) and query.nearest[:1] == (query.home,)


def shelf_query(criteria: SearchCriteria, *, today: date, home: str | None = None,
                age: int | None = None) -> ShelfQuery:
    """What to look for: the criteria, with the worker's age (the question's, else `age`) and home township."""
    pay = None
    if criteria.min_pay and criteria.pay_unit != "piece":
        pay = monthly(float(criteria.min_pay), criteria.pay_unit)
    asked_age = None if criteria.any_age else (criteria.age or age)
    nearest = nearest_townships(home) if criteria.order == "near" else ()
    return ShelfQuery(
        today=today, categories=criteria.categories, places=criteria.places, attributes=criteria.attributes,
        min_monthly_pay=pay, age=asked_age, words=criteria.words, order=criteria.order, home=home, nearest=nearest,
    )


def query_for(turn: Turn, criteria: SearchCriteria) -> ShelfQuery:
    return shelf_query(criteria, today=turn.today, home=turn.person.township, age=worker_age(turn))


def attribute_label(turn: Turn, name: str) -> str:
    return turn.t(f"search.attribute.{name}")


def reason_line(turn: Turn, posting: Posting, criteria: SearchCriteria) -> str:
    """Why this posting is worth a look: the attributes asked for, its others, and how far from home."""
    held = set(names_of(posting.attribute_mask))
    held_parts = {part for name in held for part in (BY_NAME[name].requires or (name,))}
    shown: list[str] = []
    for name in criteria.attributes:
        parts = BY_NAME[name].requires or (name,) if name in BY_NAME else ()
        if parts and all(p in held_parts for p in parts) and name not in shown:
            shown.append(name)
    covered = {p for name in shown for p in (BY_NAME[name].requires or (name,))}
    for name in names_of(posting.attribute_mask):
        if len(shown) >= MAX_REASON_ATTRIBUTES:
            break
        parts = BY_NAME[name].requires or (name,)
        if not set(parts) <= covered and name not in shown:
            shown.append(name)
    labels = [attribute_label(turn, name) for name in shown]
    distance = _distance(turn, posting)
    if distance:
        labels.append(distance)
    return turn.t("search.separator").join(labels)


def _distance(turn: Turn, posting: Posting) -> str:
    home = turn.person.township if turn.person else None
    geo = county_geography()
    here, there = geo.index(home), geo.index(posting.township)
    if here < 0 or there < 0:
        return ""
    if here == there:
        return turn.t("search.same_township", township=home)
    return turn.t("search.distance", township=home, km=max(1, round(float(geo.km[here][there]))))


def age_note(turn: Turn, criteria: SearchCriteria, query: ShelfQuery) -> str:
    """Why postings are missing: the worker's age leaves out those whose limits exclude it."""
    if query.age is None:
        return ""
    key = "search.age_said" if criteria.age else "search.age_known"
    return turn.t(key, age=query.age)


def condition_label(turn: Turn, criteria: SearchCriteria, query: ShelfQuery, condition: str) -> str:
    """A condition in words, as "不限…" offers to drop it."""
    sep = turn.t("search.list_separator")
    if condition.startswith("attribute:"):
        return attribute_label(turn, condition.split(":", 1)[1])
    if condition == "categories":
        return sep.join(criteria.categories)
    if condition == "places":
        return sep.join(criteria.places)
    if condition == "pay":
        amount = int(criteria.min_pay) if criteria.min_pay and float(criteria.min_pay).is_integer() else criteria.min_pay
        return turn.t("search.pay_at_least", amount=amount, unit=turn.t(f"jobs.per_{criteria.pay_unit}"))
    if condition == "age":
        return turn.t("search.age_limit", age=query.age)
    return sep.join(criteria.words)


async def offer_easing(turn: Turn, criteria: SearchCriteria, query: ShelfQuery, filters: str, *,
                       heading: str | None = None) -> None:
    """Nothing fits: say which conditions removed them all (after `heading`, when a follow-up said what it
    understood) and offer to drop one, or to be told of new jobs — as numbered buttons that a typed number
    presses too."""
    counts = await counts_without(turn.session, query)
    easings = sorted(((n, c) for c, n in counts.items() if n > 0), key=lambda nc: -nc[0])[:MAX_EASINGS]
    lines = [heading or turn.t("search.none", filters=filters)]
    labels = [turn.t("search.ease", what=condition_label(turn, criteria, query, c), count=n) for n, c in easings]
    if not easings and len(counts) > 1:
        lines.append(turn.t("search.none_with_any_dropped"))
    if turn.in_group:
        turn.say("\n".join([*lines, *(f"· {label}" for label in labels)]))
        return
    buttons = [turn.button(f"{n}. {label}", "jobs.ease", criteria=criteria.to_dict(), drop=c)
               for n, (label, (_, c)) in enumerate(zip(labels, easings, strict=True), 1)]
    buttons.append(turn.button(f"{len(buttons) + 1}. {turn.t('jobs.subscribe')}", "jobs.subscribe",
                               categories=list(criteria.categories), attributes=list(criteria.attributes)))
    lines.extend(b.label for b in buttons)
    lines.append(turn.t("search.type_number"))
    turn.say("\n".join(lines), [[b] for b in buttons])
    turn.offer(buttons)


@router.action("jobs.ease")
async def ease(turn: Turn) -> None:
    """Search again without the condition the worker chose to drop."""
    from flows import jobs  # jobs shows results and offers this: imported when it runs

    criteria = SearchCriteria.from_dict(dict(turn.args.get("criteria") or {}))
    await jobs.search(turn, criteria.without(str(turn.args.get("drop", ""))))


async def daily_check(db: Database, now: datetime, settings: FlowSettings) -> int:
    """The shelf's daily check (scheduler, just after midnight bureau time): postings past their deadline leave
    it. Search leaves them out meanwhile too, but each one still listed costs every search a little. The per-token
    counts take in the many changes at once (PostgreSQL), not a minute later."""
    async with db.session() as session:
        unlisted = await unlist_expired(session, now.astimezone(settings.zone).date())
        await fold(session)
        return unlisted


async def fold_tokens(db: Database) -> int:
    """The shelf's per-token changes folded into its per-token counts (scheduler, every `token_fold_seconds`;
    PostgreSQL only: nothing to do, and no write lock taken, on SQLite); how many changes were folded."""
    if db.is_sqlite:
        return 0
    async with db.session() as session:
        return await fold(session)
