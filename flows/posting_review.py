"""Staff review of the postings employers submit: who is asked, approving (which publishes and pushes the posting)
and rejecting with a reason, the employer told either way — the same rules for the chat, `mishu postings` and the
staff console.

`approve` and `reject` act once: of two admins pressing at the same moment, one acts and the other is told who did
(storage/queries/employers.review is a single conditional UPDATE). A button carries the revision it showed, so a
posting the employer changed since is not approved unseen; the changed one was sent for review again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from flows import forms
from flows.answers import parse_record_id
from flows.forms import Data, Form, Invalid, Step
from flows.i18n import t
from flows.messages import Reply
from flows.notify import Recipient, notify, recipient
from flows.push import PushPolicy, PushReport, push_posting_in
from flows.router import Router
from flows.secretary import staff_only
from flows.turn import Turn
from storage.models import Person, Posting
from storage.queries import employers as q
from storage.queries.conversation import new_dialog
from storage.queries.followups import admin_ids
from storage.states import PostingState, Role

router = Router("posting_review")
log = logging.getLogger(__name__)

ADMINS = (Role.ADMIN,)
REJECT_FORM = "review_reject"
REASON_LIMIT = 500
LIST_LIMIT = 10


class Outcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    NOT_FOUND = "not_found"
    NOT_ADMIN = "not_admin"
    ALREADY = "already"  # reviewed (or closed) before this reviewer acted
    CHANGED = "changed"  # the employer edited it after the reviewer's copy was sent; the new one was sent
    NO_REASON = "no_reason"


@dataclass(frozen=True)
class Reviewed:
    """What a review did, and the posting as it is now (None when there is none)."""

    outcome: Outcome
    posting: Posting | None = None
    push: PushReport | None = None
    reviewer_name: str = ""  # who reviewed it, when ALREADY

    @property
    def acted(self) -> bool:
        return self.outcome in (Outcome.APPROVED, Outcome.REJECTED)


def _language(to: Recipient, person: Person | None, default: str) -> str:
    return (person.language if person else None) or to.language or default


def review_card(posting: Posting, language: str) -> str:
    """Everything an admin needs to decide: the posting as submitted, with the enterprise and the contact."""
    openings = t("posting_form.openings_unknown", language) if posting.openings is None else str(posting.openings)
    deadline = posting.deadline.isoformat() if posting.deadline else t("posting_form.open_ended", language)
    age = _age_text(posting, language)
    return t("posting_review.card", language, id=posting.id, title=posting.title, category=posting.job_category,
             enterprise=posting.enterprise.name, openings=openings, pay=posting.salary_text or "-",
             place=posting.address or posting.township or posting.city, requirements=posting.requirements or "-",
             age=age, benefits=posting.benefits or "-", contact=f"{posting.contact_name} {posting.contact_phone}".strip()
             or "-", deadline=deadline)


def _age_text(posting: Posting, language: str) -> str:
    if posting.age_min is None and posting.age_max is None:
        return t("posting_form.age_none", language)
    if posting.age_min is None:
        return t("posting_form.age_max", language, age=posting.age_max)
    if posting.age_max is None:
        return t("posting_form.age_min", language, age=posting.age_min)
    return t("posting_form.age_range", language, low=posting.age_min, high=posting.age_max)


async def ask_admins(session: AsyncSession, posting: Posting, *, now: datetime, default_language: str) -> int:
    """Send a submitted (or resubmitted) posting to every admin with approve/reject buttons; returns how many."""
    submitter = await session.get(Person, posting.submitted_by_id) if posting.submitted_by_id else None
    asked = 0
    for admin_id in await admin_ids(session):
        to = await recipient(session, admin_id)
        if to is None:
            continue
        language = _language(to, await session.get(Person, admin_id), default_language)
        text = t("posting_review.ask", language, card=review_card(posting, language),
                 submitter=(submitter.name if submitter else "") or "-",
                 resubmitted=t("posting_review.resubmitted", language) if posting.revision else "")
        dialog = new_dialog()
        # One admin's approve/reject is one decision: pressing either uses both (two admins have a dialog each,
        # and the posting's conditional UPDATE acts once).
        buttons = [[
            to.button(session, t("posting_review.approve", language), "posting.approve", now=now, dialog=dialog,
                      posting=posting.id, revision=posting.revision),
            to.button(session, t("posting_review.reject", language), "posting.reject", now=now, dialog=dialog,
                      posting=posting.id, revision=posting.revision),
        ]]
        # About the employer who sent it (their name is on the card).
        if await notify(session, to, Reply(text=text, buttons=buttons),
                        purpose=f"posting-review:{posting.id}:{posting.revision}", about=(posting.submitted_by_id,)):
            asked += 1
    log.info("posting %s (revision %s) sent to %s admins for review", posting.id, posting.revision, asked)
    return asked


async def _not_acted(session: AsyncSession, posting_id: int, revision: int | None) -> Reviewed:
    posting = await q.posting_with_enterprise(session, posting_id)
    if posting is None:
        return Reviewed(Outcome.NOT_FOUND)
    if posting.status == PostingState.PENDING and revision is not None and posting.revision != revision:
        return Reviewed(Outcome.CHANGED, posting)
    reviewer = await session.get(Person, posting.reviewed_by_id) if posting.reviewed_by_id else None
    return Reviewed(Outcome.ALREADY, posting, reviewer_name=reviewer.name if reviewer else "")


def _may_review(reviewer: Person | None) -> bool:
    """Admins in chat and the console; None is staff at the command line (`mishu postings`)."""
    return reviewer is None or reviewer.role == Role.ADMIN


async def approve(
    session: AsyncSession, posting_id: int, *, reviewer: Person | None, now: datetime, policy: PushPolicy | None,
    revision: int | None = None, default_language: str = "zh-hans",
) -> Reviewed:
    """Publish a pending posting (status open, on the shelf from now), push it to the workers it fits as an
    imported posting is, and tell the employer how many it reached."""
    if not _may_review(reviewer):
        return Reviewed(Outcome.NOT_ADMIN)
    if not await q.review(session, posting_id, approve=True, by_id=reviewer.id if reviewer else None, at=now,
                          revision=revision):
        return await _not_acted(session, posting_id, revision)
    posting = await q.posting_with_enterprise(session, posting_id)
    assert posting is not None
    report = await push_posting_in(session, posting_id, now, policy or PushPolicy())
    log.info("posting %s approved by %s: pushed to %s", posting_id, reviewer.id if reviewer else "cli", report.queued)
    await _tell_employers(session, posting, "posting_review.approved_employer", f"posting-approved:{posting.id}",
                          default_language, reached=report.queued)
    return Reviewed(Outcome.APPROVED, posting, report)


async def reject(
    session: AsyncSession, posting_id: int, *, reviewer: Person | None, reason: str, now: datetime,
    revision: int | None = None, default_language: str = "zh-hans",
) -> Reviewed:
    """Turn a pending posting down with a reason the employer is told (they may change it and send it again)."""
    if not _may_review(reviewer):
        return Reviewed(Outcome.NOT_ADMIN)
    reason = " ".join(reason.split())[:REASON_LIMIT]
    if not reason:
        return Reviewed(Outcome.NO_REASON)
    if not await q.review(session, posting_id, approve=False, by_id=reviewer.id if reviewer else None, at=now,
                          note=reason, revision=revision):
        return await _not_acted(session, posting_id, revision)
    posting = await q.posting_with_enterprise(session, posting_id)
    assert posting is not None
    log.info("posting %s rejected by %s", posting_id, reviewer.id if reviewer else "cli")
    await _tell_employers(session, posting, "posting_review.rejected_employer",
                          f"posting-rejected:{posting.id}:{posting.revision}", default_language, reason=reason)
    return Reviewed(Outcome.REJECTED, posting)


async def _tell_employers(session: AsyncSession, posting: Posting, key: str, purpose: str, default_language: str,
                          **values: object) -> int:
    """The employer who submitted it (else every employer contact of the enterprise), through the outbox."""
    people = [posting.submitted_by_id] if posting.submitted_by_id else await q.employers_of(session,
                                                                                             posting.enterprise_id)
    told = 0
    for person_id in people:
        to = await recipient(session, person_id)
        if to is None:
            continue
        language = _language(to, await session.get(Person, person_id), default_language)
        text = t(key, language, id=posting.id, title=posting.title, **values)
        if await notify(session, to, Reply(text=text), purpose=purpose, about=()):
            told += 1
    return told


# --- admins in chat: the buttons, and the same by typing (/pending, /approve 12, /reject 12 原因) -------------------


def _say_outcome(turn: Turn, reviewed: Reviewed, posting_id: int) -> None:
    posting = reviewed.posting
    if reviewed.outcome == Outcome.APPROVED and posting is not None and reviewed.push is not None:
        turn.say(turn.t("posting_review.approved", id=posting.id, title=posting.title, pushed=reviewed.push.queued,
                        no_chat=reviewed.push.no_chat))
    elif reviewed.outcome == Outcome.REJECTED and posting is not None:
        turn.say(turn.t("posting_review.rejected", id=posting.id, title=posting.title))
    elif reviewed.outcome == Outcome.ALREADY and posting is not None:
        status = turn.t(f"employer.status.{posting.status}")
        turn.say(turn.t("posting_review.already", id=posting.id, status=status, by=reviewed.reviewer_name or "-"))
    elif reviewed.outcome == Outcome.CHANGED:
        turn.say(turn.t("posting_review.changed", id=posting_id))
    elif reviewed.outcome == Outcome.NO_REASON:
        turn.say(turn.t("posting_review.reason_needed", id=posting_id))
    else:
        turn.say(turn.t("posting_review.not_found", id=posting_id))


async def approve_in_chat(turn: Turn, posting_id: int, revision: int | None) -> None:
    reviewed = await approve(turn.session, posting_id, reviewer=turn.person, now=turn.now, policy=turn.settings.push,
                             revision=revision, default_language=turn.settings.default_language)
    _say_outcome(turn, reviewed, posting_id)


@router.action("posting.approve", once=True)
async def approve_button(turn: Turn) -> None:
    if staff_only(turn, ADMINS):
        await approve_in_chat(turn, int(turn.args["posting"]), int(turn.args["revision"]))


@router.action("posting.reject", once=True)
async def reject_button(turn: Turn) -> None:
    """Rejecting needs a reason: asked for by typing (a form), then the posting is rejected if still pending."""
    if not staff_only(turn, ADMINS):
        return
    posting_id, revision = int(turn.args["posting"]), int(turn.args["revision"])
    posting = await q.posting_with_enterprise(turn.session, posting_id)
    if posting is None or posting.status != PostingState.PENDING or posting.revision != revision:

        _say_outcome(turn, await _not_acted(turn.session, posting_id, revision), posting_id)
        return
    await forms.start(turn, REJECT_FORM_DEF, posting=posting_id, revision=revision, title=posting.title)


async def ask_reason(turn: Turn, data: Data) -> None:
    turn.say(turn.t("posting_review.ask_reason", id=data["posting"], title=data.get("title", "")))


async def answer_reason(turn: Turn, data: Data, value: str, pressed: bool) -> object:
    reason = " ".join(value.split())
    if len(reason) < 2:
        return Invalid("posting_review.reason_short")
    return reason[:REASON_LIMIT]


async def reject_with_reason(turn: Turn, data: Data) -> None:
    if not staff_only(turn, ADMINS):
        return
    posting_id = int(data["posting"])
    reviewed = await reject(turn.session, posting_id, reviewer=turn.person, reason=str(data["reason"]), now=turn.now,
                            revision=int(data["revision"]), default_language=turn.settings.default_language)
    _say_outcome(turn, reviewed, posting_id)


REJECT_FORM_DEF = forms.register_form(Form(REJECT_FORM, (
    Step("reason", ask_reason, answer_reason, relay=True, sample="工资写得不清楚，请写明是月薪还是日薪。"),
), reject_with_reason))


@router.command("pending")
async def pending_command(turn: Turn) -> None:
    """/pending: the postings waiting for review, each with its buttons."""
    if not staff_only(turn, ADMINS):
        return
    postings = await q.pending_postings(turn.session, limit=LIST_LIMIT + 1)
    if not postings:
        turn.say(turn.t("posting_review.none_pending"))
        return
    turn.say(turn.t("posting_review.pending_title", count=await q.count_pending(turn.session)))
    for posting in postings[:LIST_LIMIT]:
        dialog = turn.dialog()  # one decision per posting: approve or reject, acted on once
        buttons = [[
            turn.button(turn.t("posting_review.approve"), "posting.approve", dialog=dialog, posting=posting.id,
                        revision=posting.revision),
            turn.button(turn.t("posting_review.reject"), "posting.reject", dialog=dialog, posting=posting.id,
                        revision=posting.revision),
        ]]
        turn.say(review_card(posting, turn.language), buttons)
    if len(postings) > LIST_LIMIT:
        turn.say(turn.t("posting_review.more_pending"))


def _typed(turn: Turn) -> tuple[int | None, str]:
    parts = turn.inbound.text.split(maxsplit=2)
    posting_id = parse_record_id(parts[1].lstrip("#")) if len(parts) > 1 else None
    return posting_id, parts[2] if len(parts) > 2 else ""


@router.command("approve")
async def approve_command(turn: Turn) -> None:
    """/approve 12: as the button, for channels without buttons."""
    if not staff_only(turn, ADMINS):
        return
    posting_id, _ = _typed(turn)
    if posting_id is None:
        turn.say(turn.t("posting_review.usage_approve"))
        return
    await approve_in_chat(turn, posting_id, None)


@router.command("reject")
async def reject_command(turn: Turn) -> None:
    """/reject 12 原因: as the button with the reason typed after the number."""
    if not staff_only(turn, ADMINS):
        return
    posting_id, reason = _typed(turn)
    if posting_id is None:
        turn.say(turn.t("posting_review.usage_reject"))
        return
    reviewed = await reject(turn.session, posting_id, reviewer=turn.person, reason=reason, now=turn.now,
                            default_language=turn.settings.default_language)
    _say_outcome(turn, reviewed, posting_id)
