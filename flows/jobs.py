"""Job search in chat: the question searched on the shelf (flows/shelf_search.py, storage/queries/search.py);
results page by page, each with why it fits, and details."""

from __future__ import annotations

from flows.ranking import SearchCriteria
from flows.router import Router
from flows.shelf_search import age_note, attribute_label, offer_easing, query_for, reason_line
from flows.turn import Turn
from storage.models import Posting
from storage.queries.postings import posting_by_id
from storage.queries.search import postings_in_order, search_postings

router = Router("jobs")

# How many posting ids a result list remembers for "more" (ids only: a page loads its own postings).
RESULT_MEMORY = 60


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


def describe_criteria(turn: Turn, criteria: SearchCriteria) -> str:
    words = [f"“{w}”" for w in criteria.words]
    attributes = [attribute_label(turn, a) for a in criteria.attributes]
    return "、".join([*criteria.places, *criteria.categories, *attributes, *words])


async def show_page(turn: Turn, ids: list[int], offset: int, *, filters: str, total: int | str,
                    criteria: SearchCriteria, note: str = "") -> None:
    page = await postings_in_order(turn.session, ids[offset : offset + turn.settings.page_size])
    if offset == 0:
        filters_text = turn.t("jobs.filters", what=filters) if filters else ""
        turn.say("\n".join(line for line in (turn.t("jobs.found", total=total, filters=filters_text), note) if line))
    for posting in page:
        buttons = [
            turn.button(turn.t("jobs.details"), "job.details", posting=posting.id),
            turn.button(turn.t("jobs.apply"), "job.apply", posting=posting.id),
        ]
        reason = reason_line(turn, posting, criteria)
        turn.say(posting_card(turn, posting) + (f"\n✓ {reason}" if reason else ""), [buttons])
    rest = ids[offset + len(page) :]
    if rest:
        more = turn.button(turn.t("jobs.more"), "job.more", ids=ids, offset=offset + len(page), filters=filters,
                           criteria=criteria.to_dict())
        turn.say("…", [[more]])


async def search(turn: Turn, criteria: SearchCriteria) -> None:
    """Search the shelf (storage/queries/search.py): how many fit, why some are left out, the first page."""
    query = query_for(turn, criteria)
    if criteria.order == "near" and not query.nearest:
        turn.say(turn.t("search.near_unknown"))
    found = await search_postings(turn.session, query, page=1, page_size=turn.settings.page_size,
                                  remember=RESULT_MEMORY)
    filters = describe_criteria(turn, criteria)
    if not found.total:
        await offer_easing(turn, criteria, query, turn.t("jobs.filters", what=filters) if filters else "")
        return
    await show_page(turn, found.ids, 0, filters=filters, total=found.total, criteria=criteria,
                    note=age_note(turn, criteria, query))


@router.intent("job_search")
async def job_search(turn: Turn) -> None:
    await search(turn, SearchCriteria.from_parse(turn.parse))


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
    await show_page(turn, ids, offset, filters=args.get("filters", ""), total=len(ids),
                    criteria=SearchCriteria.from_dict(dict(args.get("criteria") or {})))


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
