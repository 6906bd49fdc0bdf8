"""Job search in chat: entities filter and rank open postings; results page by page with details."""

from __future__ import annotations

from flows.ranking import SearchCriteria, rank
from flows.router import Router
from flows.turn import Turn
from storage.models import Posting
from storage.queries.postings import count_open_postings, open_postings, posting_by_id

router = Router("jobs")

# How many ranked posting ids a result list remembers for "more".
RESULT_MEMORY = 60
# How many of the newest matching postings are ranked for one question (a province may have 100,000s open).
SEARCH_LIMIT = 500


def salary_text(turn: Turn, posting: Posting) -> str:
    low, high = posting.salary_min, posting.salary_max
    if low is None and high is None:
        return posting.salary_text or turn.t("jobs.salary_negotiable")
    unit = turn.t(f"jobs.per_{posting.salary_unit}")
    amount = f"{low}-{high}" if low and high and low != high else str(low or high)
    return f"{amount}{unit}"


def place_text(posting: Posting) -> str:
    if posting.township:
        return posting.township
    return posting.city if posting.city.startswith(posting.province) else f"{posting.province}{posting.city}"


def posting_card(turn: Turn, posting: Posting) -> str:
    return turn.t(
        "jobs.card",
        title=posting.title,
        enterprise=posting.enterprise.name,
        salary=salary_text(turn, posting),
        place=place_text(posting),
        openings=posting.openings if posting.openings is not None else turn.t("jobs.openings_unknown"),
        benefits=posting.benefits,
    ).rstrip()


def describe_criteria(criteria: SearchCriteria) -> str:
    return "、".join([*criteria.places, *criteria.categories])


async def show_page(turn: Turn, ids: list[int], offset: int, *, filters: str, total: int | str) -> None:
    page = ids[offset : offset + turn.settings.page_size]
    if offset == 0:
        filters_text = turn.t("jobs.filters", what=filters) if filters else ""
        turn.say(turn.t("jobs.found", total=total, filters=filters_text))
    for posting_id in page:
        posting = await posting_by_id(turn.session, posting_id)
        if posting is None:
            continue
        buttons = [
            turn.button(turn.t("jobs.details"), "job.details", posting=posting_id),
            turn.button(turn.t("jobs.apply"), "job.apply", posting=posting_id),
        ]
        turn.say(posting_card(turn, posting), [buttons])
    rest = ids[offset + len(page) :]
    if rest:
        turn.say(
            "…",
            [[turn.button(turn.t("jobs.more"), "job.more", ids=ids, offset=offset + len(page), filters=filters)]],
        )


@router.intent("job_search")
async def job_search(turn: Turn) -> None:
    criteria = SearchCriteria.from_entities(turn.parse.entities if turn.parse else [])
    postings = await open_postings(
        turn.session, today=turn.today, categories=criteria.categories, places=criteria.places, limit=SEARCH_LIMIT
    )
    ranked = rank(postings, criteria)
    total: int | str = len(ranked)
    if len(postings) >= SEARCH_LIMIT:  # more matched than were ranked: say how many there are
        total = await count_open_postings(
            turn.session, today=turn.today, categories=criteria.categories, places=criteria.places
        ) if criteria.min_pay is None else f"{len(ranked)}+"
    filters = describe_criteria(criteria)
    if not ranked:
        filters_text = turn.t("jobs.filters", what=filters) if filters else ""
        subscribe = turn.button(turn.t("jobs.subscribe"), "jobs.subscribe", categories=criteria.categories)
        turn.say(turn.t("jobs.none", filters=filters_text), [[subscribe]])
        return
    ids = [p.id for p in ranked[:RESULT_MEMORY]]
    await show_page(turn, ids, 0, filters=filters, total=total)


@router.action("job.more")
async def more(turn: Turn) -> None:
    args = turn.args
    ids, offset = list(args["ids"]), int(args["offset"])
    if offset >= len(ids):
        turn.say(turn.t("jobs.no_more"))
        return
    # The "…" message loses its button (pressing it again would repeat this page) and says what follows.
    last = min(offset + turn.settings.page_size, len(ids))
    turn.say(turn.t("jobs.page", first=offset + 1, last=last, total=len(ids)), edit=True)
    await show_page(turn, ids, offset, filters=args.get("filters", ""), total=len(ids))


@router.action("job.details")
async def details(turn: Turn) -> None:
    posting = await posting_by_id(turn.session, int(turn.args["posting"]))
    if posting is None or posting.status != "open":
        turn.say(turn.t("common.unknown_button"))
        return
    lines = [posting_card(turn, posting)]
    for text in (posting.description, posting.requirements):
        if text:
            lines.append(text)
    if not turn.in_group and posting.contact_phone:
        lines.append(f"☎ {posting.contact_name} {posting.contact_phone}")
    turn.say("\n".join(lines), [[turn.button(turn.t("jobs.apply"), "job.apply", posting=posting.id)]])
