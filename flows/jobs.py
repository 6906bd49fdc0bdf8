"""Job search in chat: the question searched on the shelf (flows/shelf_search.py, storage/queries/search.py);
results page by page, each with why it fits, and details.

Follow-ups continue the last search (flows/dialogue.py): "符溪镇的呢" and "工资高点的" refine it, "还有吗"
pages on, "第二个" shows a posting, "要带啥" asks about what was shown, "不是这个" goes back. A result list
remembers the ids of its first postings (RESULT_MEMORY), numbered across pages so a typed number names the
posting; a page loads only its own postings. Groups and channels without buttons get the whole page as one
numbered message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flows.dialogue import Move, Topic
from flows.ranking import SearchCriteria
from flows.resume import continue_in_private
from flows.router import Router
from flows.shelf_search import age_note, attribute_label, knows_home, offer_easing, query_for, reason_line
from flows.turn import Turn
from storage.models import Posting
from storage.queries.postings import posting_by_id
from storage.queries.search import postings_in_order, search_postings
from storage.states import PostingState

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


def compact_line(turn: Turn, number: int, posting: Posting, criteria: SearchCriteria) -> str:
    """One posting on one line of a numbered list, with why it fits."""
    line = turn.t(
        "jobs.line", number=number, title=posting.title, place=place_text(posting), salary=salary_text(turn, posting)
    )
    reason = reason_line(turn, posting, criteria)
    return f"{line} · {reason}" if reason else line


def describe_criteria(turn: Turn, criteria: SearchCriteria, *, noun: bool = True) -> str:
    """What is being looked for, in words: "双福镇的采茶工（包吃住、工资高的排前面）"; with neither place nor
    category, "岗位（包吃住）" (`noun`) or just "包吃住"."""
    sep = turn.t("jobs.separator")
    places, categories = sep.join(criteria.places), sep.join(criteria.categories)
    if places and categories:
        what = turn.t("jobs.what_place_category", places=places, categories=categories)
    elif places:
        what = turn.t("jobs.what_place", places=places)
    else:
        what = categories
    extras = [attribute_label(turn, a) for a in criteria.attributes] + [f"“{w}”" for w in criteria.words]
    if criteria.min_pay:
        amount = int(criteria.min_pay) if float(criteria.min_pay).is_integer() else criteria.min_pay
        extras.append(turn.t("jobs.min_pay", amount=amount, unit=turn.t(f"jobs.per_{criteria.pay_unit}")))
    if criteria.order != "relevance":
        extras.append(turn.t(f"jobs.order_{criteria.order}"))
    if extras and not what and not noun:
        return sep.join(extras)
    if extras:
        what = (what or turn.t("jobs.what_any")) + turn.t("jobs.what_extras", extras=sep.join(extras))
    return what


def _hint(turn: Turn, rest: bool) -> str:
    """How to go on by typing, under a numbered list."""
    return turn.t("jobs.hint_group" if turn.in_group else "jobs.hint_more" if rest else "jobs.hint")


async def show_page(turn: Turn, ids: Sequence[int], offset: int, *, heading: str, criteria: dict[str, Any],
                    page: Sequence[Posting] | None = None) -> None:
    """One page of a result list, numbered from offset + 1: cards with buttons and why each fits, or one
    numbered message. Only the page's postings are loaded (`page`, when the search already loaded them)."""
    page_ids = list(ids[offset : offset + turn.settings.page_size])
    postings = list(page) if page is not None else await postings_in_order(turn.session, page_ids)
    rest = len(ids) > offset + len(page_ids)
    wanted = SearchCriteria.from_dict(criteria)
    if turn.compact:
        lines = [heading, *(compact_line(turn, offset + i + 1, p, wanted) for i, p in enumerate(postings))]
        lines.append(_hint(turn, rest))
        turn.say("\n".join(line for line in lines if line), continue_in_private(turn) if turn.in_group else [])
        return
    if heading:
        turn.say(heading)
    for number, posting in enumerate(postings, start=offset + 1):
        buttons = [
            turn.button(turn.t("jobs.details"), "job.details", posting=posting.id),
            turn.button(turn.t("jobs.apply"), "job.apply", posting=posting.id),
        ]
        reason = reason_line(turn, posting, wanted)
        turn.say(f"{number}. {posting_card(turn, posting)}" + (f"\n✓ {reason}" if reason else ""), [buttons])
    if rest:
        more = turn.button(
            turn.t("jobs.more"), "job.more", ids=list(ids), offset=offset + len(page_ids), criteria=criteria
        )
        turn.say("…", [[more]])


async def search(turn: Turn, criteria: SearchCriteria, *, move: Move = Move.NEW,
                 previous: dict[str, Any] | None = None) -> None:
    """Search the shelf (storage/queries/search.py), show the first page, and remember the list; the heading says
    how many fit and what was understood; nothing fitting says which condition removed them all."""
    query = query_for(turn, criteria)
    found = await search_postings(turn.session, query, page=1, page_size=turn.settings.page_size,
                                  remember=RESULT_MEMORY)
    notes = [turn.t("search.near_unknown")] if criteria.order == "near" and not knows_home(query) else []
    what = describe_criteria(turn, criteria)
    ids = list(found.ids)
    turn.remember(Topic.JOBS, criteria.to_dict(), ids, seen=min(turn.settings.page_size, len(ids)), previous=previous)
    plain = describe_criteria(turn, criteria, noun=False)
    filters = turn.t("jobs.filters", what=plain) if plain else ""
    if not found.total:
        heading = None if move is Move.NEW else turn.t("jobs.none_refined", what=what or turn.t("jobs.what_any"))
        for note in notes:
            turn.say(note)
        await offer_easing(turn, criteria, query, filters, heading=heading)
        return
    if move is Move.NEW:
        heading = turn.t("jobs.found", total=found.total, filters=filters)
    else:
        key = "jobs.back_to" if move is Move.UNDO else "jobs.refined"
        heading = turn.t(key, what=what or turn.t("jobs.what_any"), total=found.total)
    lines = [*notes, heading, age_note(turn, criteria, query)]
    await show_page(turn, ids, 0, heading="\n".join(line for line in lines if line), criteria=criteria.to_dict(),
                    page=found.items)


@router.intent("job_search")
async def job_search(turn: Turn) -> None:
    await search(turn, SearchCriteria.from_parse(turn.parse))


async def next_page(turn: Turn, ids: list[int], offset: int, criteria: dict[str, Any], *, edit: bool) -> None:
    if offset >= len(ids):
        turn.say(turn.t("jobs.no_more"))
        return
    last = min(offset + turn.settings.page_size, len(ids))
    heading = turn.t("jobs.page", first=offset + 1, last=last, total=len(ids))
    shown = turn.context.shown if turn.context is not None and turn.context.topic == Topic.JOBS else None
    if shown is not None and list(shown.items) == ids:
        turn.paged(offset, last)
    else:  # an older list's "more" button: that list is what the person sees now
        turn.remember(Topic.JOBS, criteria, ids, seen=last, page_start=offset)
    if edit and not turn.compact:
        # The "…" message loses its button (pressing it again would repeat this page) and says what follows.
        turn.say(heading, edit=True)
        heading = ""
    await show_page(turn, ids, offset, heading=heading, criteria=criteria)


@router.action("job.more")
async def more(turn: Turn) -> None:
    args = turn.args
    await next_page(turn, list(args["ids"]), int(args["offset"]), dict(args.get("criteria") or {}), edit=True)


async def show_posting(turn: Turn, posting_id: int, number: int | None = None) -> None:
    """A posting in full (phone only in private), with the apply button or, in a group, the private link."""
    posting = await posting_by_id(turn.session, posting_id)
    if posting is None or posting.status not in PostingState.SHOWN:
        turn.say(turn.t("apply.closed"))
        return
    turn.look_at(Topic.JOBS, posting.id)
    card = posting_card(turn, posting)
    lines = [f"{number}. {card}" if number else card]
    for text in (posting.description, posting.requirements):
        if text:
            lines.append(text)
    if not turn.in_group and posting.contact_phone:
        lines.append(f"☎ {posting.contact_name} {posting.contact_phone}")
    if turn.in_group:
        turn.say("\n".join(lines), continue_in_private(turn))
    elif turn.compact:
        turn.say("\n".join([*lines, turn.t("jobs.hint_apply", number=number or 1)]))
    else:
        turn.say("\n".join(lines), [[turn.button(turn.t("jobs.apply"), "job.apply", posting=posting.id)]])


@router.action("job.details")
async def details(turn: Turn) -> None:
    shown = turn.context.shown if turn.context and turn.context.topic == Topic.JOBS else None
    posting_id = int(turn.args["posting"])
    number = shown.items.index(posting_id) + 1 if shown and posting_id in shown.items else None
    await show_posting(turn, posting_id, number)


def _attribute_text(turn: Turn, posting: Posting, attribute: str) -> str:
    if attribute == "requirements":
        return posting.requirements or turn.t("jobs.no_requirements")
    if attribute == "seats":
        return turn.t("jobs.openings", openings=posting.openings)
    if attribute == "pay":
        return salary_text(turn, posting)
    if attribute == "place":
        return place_text(posting)
    if attribute == "time" and posting.deadline:
        return turn.t("jobs.deadline", day=posting.deadline.isoformat())
    if attribute == "contact" and not turn.in_group and posting.contact_phone:
        return f"☎ {posting.contact_name} {posting.contact_phone}"
    return posting.description or posting.benefits or "—"


async def answer_about(turn: Turn, attribute: str, item: int | None) -> None:
    """"要带啥", "工资多少", "还招人吗" about the posting looked at, else about each posting of the page shown."""
    if attribute == "how":
        turn.say(turn.t("jobs.how_to_apply"))
        return
    if item is not None and attribute in ("details", "contact", "requirements"):
        await show_posting(turn, int(item))
        return
    shown = turn.context.shown if turn.context else None
    if item is not None:
        ids = [int(item)]
    elif shown:
        ids = [int(i) for i in shown.items[shown.page_start : shown.seen]]
    else:
        ids = []
    postings = await postings_in_order(turn.session, ids)
    if not postings:
        turn.say(turn.t("jobs.no_more"))
        return
    lines = [turn.t(f"jobs.about_{attribute}") if attribute in ("requirements", "seats", "pay", "place", "time",
                                                               "contact") else turn.t("jobs.about_details")]
    for posting in postings:
        number = shown.items.index(posting.id) + 1 if shown and posting.id in shown.items else 1
        lines.append(turn.t("jobs.about_line", number=number, title=posting.title, enterprise=posting.enterprise.name,
                            text=_attribute_text(turn, posting, attribute)))
    if attribute == "contact" and turn.in_group:
        lines.append(turn.t("jobs.contact_in_private"))
    turn.say("\n".join(lines), continue_in_private(turn) if turn.in_group else [])


@router.continuation(Topic.JOBS)
async def continue_jobs(turn: Turn) -> None:
    """A follow-up of a job search: refine, go back, page on, show one, or answer about what was shown."""
    resolution = turn.resolution
    context = turn.context
    assert resolution is not None and context is not None
    if resolution.move in (Move.REFINE, Move.UNDO) and resolution.criteria is not None:
        previous = context.criteria if resolution.move is Move.REFINE else None
        await search(turn, SearchCriteria.from_dict(resolution.criteria), move=resolution.move, previous=previous)
    elif resolution.move is Move.UNDO:
        turn.say(turn.t("jobs.say_again"))
    elif resolution.move is Move.MORE and context.shown:
        await next_page(turn, [int(i) for i in context.shown.items], context.shown.seen, context.criteria, edit=False)
    elif resolution.move is Move.SHOW and context.shown:
        shown = context.shown
        last = shown.seen
        heading = turn.t("jobs.page", first=shown.page_start + 1, last=last, total=len(shown.items))
        await show_page(turn, [int(i) for i in shown.items], shown.page_start, heading=heading,
                        criteria=context.criteria)
    elif resolution.move is Move.REFER and resolution.item is not None:
        await show_posting(turn, int(resolution.item), resolution.number)
    elif resolution.move is Move.ASK and resolution.attribute:
        await answer_about(turn, resolution.attribute, int(resolution.item) if resolution.item is not None else None)
    else:
        await job_search(turn)
