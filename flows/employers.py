"""Employers in chat: binding to an enterprise with the bureau's one-time code, their postings (/myjobs), what each
reached and who applied (/job ID), closing a filled one (招满了), and editing one that waits for review.

An employer is a person with role `employer` and an `enterprise_id`; every handler checks both on each call
(`employer_only`) and that the posting named is their enterprise's, so an id typed by hand or a button kept from
before a re-binding acts on nothing else. Phone numbers of applicants appear only when the worker agreed, and only
in private chat.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flows.access import private_chat_buttons
from flows.answers import parse_record_id
from flows.messages import Button
from flows.router import Router
from flows.turn import Turn
from storage.models import Enterprise, Posting
from storage.queries import employers as q
from storage.queries.conversation import count_service_since
from storage.states import PostingState, Role

router = Router("employers")
log = logging.getLogger(__name__)

STAFF_ROLES = Role.STAFF | {Role.OBSERVER}  # may not bind to an enterprise
LIST_LIMIT = 10
BIND_FAILED = "employer_bind_failed"  # what a wrong code is recorded as (a service record; attempts are counted)


# --- guards --------------------------------------------------------------------------------------------------


def is_employer(turn: Turn) -> bool:
    return turn.person.role == Role.EMPLOYER and turn.person.enterprise_id is not None


def employer_only(turn: Turn) -> bool:
    """True when the person is a bound employer in private chat; otherwise says why not."""
    if not is_employer(turn):
        turn.say(turn.t("employer.not_employer"))
        return False
    if turn.in_group:
        turn.say(turn.t("employer.private_only"), private_chat_buttons(turn))
        return False
    return True


async def own_posting(turn: Turn, posting_id: int | None) -> Posting | None:
    """The posting, when it exists and belongs to this employer's enterprise; otherwise says why not."""
    if posting_id is None:
        turn.say(turn.t("employer.which"))
        return None
    posting = await q.posting_with_enterprise(turn.session, posting_id)
    if posting is None or posting.enterprise_id != turn.person.enterprise_id:
        if posting is not None:
            log.warning("employer %s refused posting %s of another enterprise", turn.person.id, posting_id)
        turn.say(turn.t("employer.not_yours", id=posting_id))
        return None
    return posting


def menu_buttons(turn: Turn) -> list[list[Button]]:
    return [[turn.button(turn.t("employer.menu_post"), "employer.post"),
             turn.button(turn.t("employer.menu_list"), "employer.list")]]


def say_menu(turn: Turn, enterprise: Enterprise | None) -> None:
    turn.say(turn.t("employer.menu", enterprise=enterprise.name if enterprise else "-"), menu_buttons(turn))


async def greet_employer(turn: Turn) -> None:
    """Hello to an employer: their enterprise and what they can do."""
    say_menu(turn, await turn.session.get(Enterprise, turn.person.enterprise_id))


# --- binding --------------------------------------------------------------------------------------------------


@router.intent("employer_bind")
async def bind(turn: Turn) -> None:
    """`/employer CODE` or "我是企业，绑定码 CODE": a one-time code from the bureau binds this chat to its enterprise."""
    if turn.in_group:
        turn.say(turn.t("employer.bind_in_group"), private_chat_buttons(turn))
        return
    typed = turn.command_argument.strip()
    if not typed:
        if is_employer(turn):
            say_menu(turn, await turn.session.get(Enterprise, turn.person.enterprise_id))
        else:
            turn.say(turn.t("employer.bind_how"))
        return
    if turn.person.role in STAFF_ROLES:
        turn.say(turn.t("employer.bind_staff"))
        return
    since = turn.now - timedelta(days=1)
    failures = await count_service_since(turn.session, turn.person.id, BIND_FAILED, since)
    if failures >= turn.settings.employer_bind_attempts:
        log.warning("binding refused: person %s typed %s wrong codes today", turn.person.id, failures)
        turn.say(turn.t("employer.bind_too_many"))
        return
    code = q.normalise_code(typed)
    enterprise = await q.redeem_code(turn.session, code, turn.person, now=turn.now) if code else None
    if enterprise is None:
        turn.handled_as = BIND_FAILED
        turn.say(turn.t("employer.bind_failed"))
        return
    log.info("person %s bound as employer of enterprise %s", turn.person.id, enterprise.id)
    turn.say(turn.t("employer.bound", enterprise=enterprise.name))
    say_menu(turn, enterprise)


# --- the enterprise's postings -----------------------------------------------------------------------------------


def status_text(turn: Turn, posting: Posting) -> str:
    return turn.t(f"employer.status.{posting.status}")


@router.intent("employer_postings")
@router.action("employer.list")
async def list_postings(turn: Turn) -> None:
    """/myjobs, 我的岗位: the enterprise's postings with their state, reach and applications."""
    if not employer_only(turn):
        return
    postings = await q.enterprise_postings(turn.session, turn.person.enterprise_id or 0, limit=LIST_LIMIT)
    if not postings:
        turn.say(turn.t("employer.none_yet"), [[turn.button(turn.t("employer.menu_post"), "employer.post")]])
        return
    counts = await q.reach_counts(turn.session, [p.id for p in postings])
    lines = [turn.t("employer.list_title", enterprise=postings[0].enterprise.name)]
    buttons = []
    for posting in postings:
        pushed, applied = counts[posting.id]
        lines.append(turn.t("employer.list_line", id=posting.id, title=posting.title, status=status_text(turn, posting),
                            pushed=pushed, applied=applied))
        buttons.append([turn.button(turn.t("employer.open", id=posting.id), "employer.posting", posting=posting.id)])
    lines.append(turn.t("employer.list_hint"))
    turn.say("\n".join(lines), buttons)


@router.intent("employer_posting")
async def posting_command(turn: Turn) -> None:
    """/job 12, 查看岗位 12."""
    if employer_only(turn):
        await show_posting(turn, parse_record_id(turn.command_argument.lstrip("#")))


@router.action("employer.posting")
async def posting_button(turn: Turn) -> None:
    if employer_only(turn):
        await show_posting(turn, int(turn.args["posting"]))


async def show_posting(turn: Turn, posting_id: int | None) -> None:
    """One posting as its employer sees it: state, how many workers it reached, and who applied (a phone number
    only when that worker agreed to share it)."""
    posting = await own_posting(turn, posting_id)
    if posting is None:
        return
    pushed, applied = (await q.reach_counts(turn.session, [posting.id]))[posting.id]
    lines = [turn.t("employer.detail", id=posting.id, title=posting.title, category=posting.job_category,
                    status=status_text(turn, posting), pushed=pushed, applied=applied)]
    if posting.status == PostingState.REJECTED and posting.review_note:
        lines.append(turn.t("employer.rejected_because", reason=posting.review_note))
    for number, person in enumerate(await q.applicants(turn.session, posting.id), 1):
        place = "".join(part for part in (person.township, person.village) if part) or "-"
        phone = person.phone or turn.t("employer.phone_hidden")
        lines.append(turn.t("employer.applicant", number=number, name=person.name or "-", place=place,
                            categories="、".join(person.categories[:3]) or "-", phone=phone))
    if applied:
        lines.append(turn.t("employer.phone_note"))
    turn.say("\n".join(lines), posting_buttons(turn, posting))


def posting_buttons(turn: Turn, posting: Posting) -> list[list[Button]]:
    row = []
    if posting.status == PostingState.OPEN:
        row.append(turn.button(turn.t("employer.close_filled"), "employer.close", single_use=True, posting=posting.id))
    if posting.status in PostingState.EDITABLE:
        row.append(turn.button(turn.t("employer.edit"), "employer.edit", posting=posting.id))
    if posting.status == PostingState.PENDING:
        row.append(turn.button(turn.t("employer.withdraw"), "employer.close", single_use=True, posting=posting.id))
    return [row] if row else []


# --- closing ----------------------------------------------------------------------------------------------------


@router.intent("employer_close")
async def close_command(turn: Turn) -> None:
    """/close 12, 招满了 12; "招满了" alone closes the only open posting, or asks which."""
    if not employer_only(turn):
        return
    posting_id = parse_record_id(turn.command_argument.lstrip("#"))
    if posting_id is None and turn.command_argument.strip():
        turn.say(turn.t("employer.which"))
        return
    if posting_id is None:
        postings = [p for p in await q.enterprise_postings(turn.session, turn.person.enterprise_id or 0,
                                                            limit=LIST_LIMIT) if p.status == PostingState.OPEN]
        if len(postings) != 1:
            key = "employer.close_none" if not postings else "employer.close_which"
            lines = [turn.t(key)] + [turn.t("employer.close_line", id=p.id, title=p.title) for p in postings]
            buttons = [[turn.button(turn.t("employer.close_this", id=p.id), "employer.close", single_use=True,
                                    posting=p.id)] for p in postings]
            turn.say("\n".join(lines), buttons)
            return
        posting_id = postings[0].id
    await close_posting(turn, posting_id)


@router.action("employer.close", once=True)
async def close_button(turn: Turn) -> None:
    if employer_only(turn):
        await close_posting(turn, int(turn.args["posting"]))


async def close_posting(turn: Turn, posting_id: int) -> None:
    posting = await own_posting(turn, posting_id)
    if posting is None:
        return
    was = posting.status
    if not await q.close(turn.session, posting.id, posting.enterprise_id):
        turn.say(turn.t("employer.not_open", id=posting.id, status=status_text(turn, posting)))
        return
    log.info("employer %s closed posting %s (%s)", turn.person.id, posting.id, was)
    turn.say(turn.t("employer.closed" if was == PostingState.OPEN else "employer.withdrawn", id=posting.id,
                    title=posting.title))



@router.intent("employer_help")
async def employer_help(turn: Turn) -> None:
    """What an employer can do here (also where a question the NLU cannot place goes while the posting form is
    open: it says what happens to a submitted posting)."""
    if is_employer(turn):
        turn.say(turn.t("employer.help"))
    else:
        turn.say(turn.t("employer.bind_how"))
