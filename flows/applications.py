"""Applying for a posting: registered workers apply at once, others register first and apply at the end."""

from __future__ import annotations

from flows import phone_sharing
from flows.dialogue import Topic
from flows.jobs import job_search, salary_text
from flows.registration import (
    assign_secretary,
    is_registered,
    private_link,
    staff_language,
    start_registration,
    tell_secretary,
    worker_card,
)
from flows.router import Router
from flows.turn import Turn
from storage.models import Person
from storage.numbers import read_id
from storage.queries.postings import posting_by_id
from storage.queries.workers import create_application, person_by_id
from storage.states import PostingState, Role

router = Router("applications")


async def apply_to(turn: Turn, worker: Person, posting_id: int) -> None:
    """Create the application (once), confirm to the worker, tell their secretary through the outbox."""
    posting = await posting_by_id(turn.session, posting_id)
    if posting is None or posting.status not in PostingState.SHOWN or (posting.deadline and posting.deadline < turn.today):
        turn.say(turn.t("apply.closed"))
        return
    application = await create_application(turn.session, posting_id=posting.id, worker_id=worker.id, at=turn.now)
    if application is None:
        turn.say(turn.t("apply.already", title=posting.title))
        return
    profile = worker.profile
    assert profile is not None
    secretary = await person_by_id(turn.session, profile.secretary_id) if profile.secretary_id else None
    if secretary is None:
        secretary = await assign_secretary(turn, worker.township)
        profile.secretary_id = secretary.id if secretary else None
    if turn.in_group:
        turn.say(turn.t("apply.done_group", title=posting.title))
    else:
        turn.say(turn.t("apply.done", title=posting.title, enterprise=posting.enterprise.name,
                        secretary=secretary.name if secretary else turn.t("apply.the_bureau")))
    if secretary is not None:
        language = staff_language(turn, secretary)
        await tell_secretary(
            turn, secretary, "apply.secretary", f"apply:{application.id}", about=worker,
            card=worker_card(worker, language), title=posting.title, enterprise=posting.enterprise.name,
            salary=salary_text(turn, posting), contact=f"{posting.contact_name} {posting.contact_phone}".strip() or "-",
        )
    await phone_sharing.offer(turn, posting, application)


async def apply_or_register(turn: Turn, posting_id: int) -> None:
    person = turn.person
    if is_registered(person) and person.role == Role.WORKER:
        await apply_to(turn, person, posting_id)
        return
    if turn.in_group:
        private_link(turn, f"apply_{posting_id}")
        return
    posting = await posting_by_id(turn.session, posting_id)
    if posting is None or posting.status not in PostingState.SHOWN:
        turn.say(turn.t("apply.closed"))
        return
    turn.say(turn.t("apply.register_first", title=posting.title))
    await start_registration(turn, apply=posting_id)


@router.action("job.apply", once=True)
async def apply_button(turn: Turn) -> None:
    await apply_or_register(turn, int(turn.args["posting"]))


@router.intent("apply_posting")
async def apply_command(turn: Turn) -> None:
    """`/apply 12` or the deep link `/start apply_12` from a group's private-chat button."""
    posting_id = read_id(turn.command_argument)
    if posting_id is None:
        turn.say(turn.t("apply.how"))
        return
    await apply_or_register(turn, posting_id)


@router.continuation(Topic.JOBS, act=True)
async def apply_typed(turn: Turn) -> None:
    """"我要报第一个", or "我要报名" after a posting's details: apply as the button would (once)."""
    resolution = turn.resolution
    assert resolution is not None and resolution.item is not None
    turn.look_at(Topic.JOBS, int(resolution.item))
    await apply_or_register(turn, int(resolution.item))


@router.intent("job_apply")
async def job_apply(turn: Turn) -> None:
    """"我要报名" typed: show matching postings (each has an apply button), or explain how to apply."""
    if turn.entity_values("job_category") or turn.entity_values("location"):
        await job_search(turn)
        return
    turn.say(turn.t("apply.how"))

