"""Employers and their postings: binding a person to an enterprise (by staff or a one-time code), the postings an
enterprise submitted, staff review (approve/reject acting once), closing, and what an employer may see of the
workers its postings reached and who applied.

Review and redemption are single conditional UPDATEs (`… WHERE status = 'pending'`, `… WHERE used_at IS NULL`):
on PostgreSQL a second concurrent UPDATE waits for the first and then matches nothing; on SQLite every transaction
holds the write lock from its BEGIN (storage/db.py), so the second runs after the first has committed.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Application, EmployerCode, Enterprise, Person, Posting, PushRecord, WorkerProfile
from storage.states import PostingState, Role

# Codes are typed by people reading them off paper or a phone: no 0/O, 1/I/L look-alikes, no case.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 31**8 ≈ 8.5e11 codes
MAX_MATCHES = 5


class EmployerError(ValueError):
    """A binding that cannot be made; the message says why (for staff at the command line)."""


# --- enterprises --------------------------------------------------------------------------------------------


async def find_enterprises(session: AsyncSession, name_or_id: str) -> list[Enterprise]:
    """Enterprises named by an id ("12", "#12"), their exact name, or a part of their name (up to a few)."""
    text = unicodedata.normalize("NFKC", name_or_id).strip().lstrip("#")
    if not text:
        return []
    if text.isascii() and text.isdigit() and len(text) <= 10:
        found = await session.get(Enterprise, int(text))
        if found is not None:
            return [found]
    exact = (await session.execute(select(Enterprise).where(Enterprise.name == text))).scalar_one_or_none()
    if exact is not None:
        return [exact]
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = (select(Enterprise).where(Enterprise.name.like(f"%{escaped}%", escape="\\"))
            .order_by(Enterprise.name).limit(MAX_MATCHES + 1))
    return list((await session.execute(stmt)).scalars())


async def one_enterprise(session: AsyncSession, name_or_id: str) -> Enterprise:
    """The one enterprise `name_or_id` names, or EmployerError saying there is none or which ones match."""
    found = await find_enterprises(session, name_or_id)
    if not found:
        raise EmployerError(f"no enterprise matches '{name_or_id}' (give its id or its name)")
    if len(found) > 1:
        names = "; ".join(f"{e.id} {e.name}" for e in found[:MAX_MATCHES])
        raise EmployerError(f"'{name_or_id}' matches several enterprises: {names}; give the id")
    return found[0]


def bind(person: Person, enterprise: Enterprise) -> None:
    """Make `person` the employer contact of `enterprise` (their postings will be this enterprise's)."""
    person.role = Role.EMPLOYER
    person.enterprise_id = enterprise.id


# --- one-time codes ------------------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """The code as typed ("k7mq 2xpd", "Ｋ７ＭＱ-２ＸＰＤ") in its stored form, or None when it cannot be one."""
    folded = unicodedata.normalize("NFKC", text).upper()
    code = "".join(ch for ch in folded if ch not in " -_.·—")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def shown_code(code: str) -> str:
    """ABCD-EFGH: easier to read aloud and copy."""
    return f"{code[:4]}-{code[4:]}"


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def create_code(
    session: AsyncSession, enterprise: Enterprise, *, now: datetime, days: int, created_by_id: int | None = None
) -> tuple[str, EmployerCode]:
    """A fresh one-time code for `enterprise`, valid `days` days; only its hash is stored."""
    code = new_code()
    row = EmployerCode(code_hash=_hash(code), enterprise_id=enterprise.id, created_by_id=created_by_id,
                       created_at=now, expires_at=now + timedelta(days=days))
    session.add(row)
    await session.flush()
    return code, row


async def redeem_code(session: AsyncSession, code: str, person: Person, *, now: datetime) -> Enterprise | None:
    """Use a code once: binds `person` to its enterprise and returns it; None when the code is unknown, used or
    expired (two people typing the same code at once: one gets it)."""
    used = await session.execute(
        update(EmployerCode)
        .where(EmployerCode.code_hash == _hash(code), EmployerCode.used_at.is_(None), EmployerCode.expires_at > now)
        .values(used_at=now, used_by_id=person.id)
        .returning(EmployerCode.enterprise_id)
    )
    enterprise_id = used.scalar_one_or_none()
    if enterprise_id is None:
        return None
    enterprise = await session.get(Enterprise, enterprise_id)
    if enterprise is not None:
        bind(person, enterprise)
    return enterprise


# --- postings ------------------------------------------------------------------------------------------------


async def posting_with_enterprise(session: AsyncSession, posting_id: int) -> Posting | None:
    stmt = (select(Posting).where(Posting.id == posting_id).options(selectinload(Posting.enterprise))
            .execution_options(populate_existing=True))
    return (await session.execute(stmt)).scalar_one_or_none()


async def enterprise_postings(session: AsyncSession, enterprise_id: int, *, limit: int = 20) -> list[Posting]:
    """An enterprise's postings, waiting and open first, then the newest."""
    waiting_first = func.coalesce(Posting.submitted_at, Posting.created_at)
    order = (Posting.status.not_in(sorted(PostingState.LIVE)), waiting_first.desc(), Posting.id.desc())
    stmt = (select(Posting).where(Posting.enterprise_id == enterprise_id).options(selectinload(Posting.enterprise))
            .order_by(*order).limit(limit))
    return list((await session.execute(stmt)).scalars())


async def pending_postings(session: AsyncSession, *, limit: int = 200) -> list[Posting]:
    """Postings waiting for staff review, the longest-waiting first."""
    stmt = (select(Posting).where(Posting.status == PostingState.PENDING).options(selectinload(Posting.enterprise))
            .order_by(Posting.submitted_at, Posting.id).limit(limit))
    return list((await session.execute(stmt)).scalars())


async def review(
    session: AsyncSession, posting_id: int, *, approve: bool, by_id: int | None, at: datetime, note: str = "",
    revision: int | None = None,
) -> bool:
    """Approve (open, on the shelf from `at`) or reject a pending posting; False when it is no longer pending (or
    no longer the `revision` the reviewer saw), so of two reviewers acting at once exactly one acts."""
    values: dict[str, Any] = {"status": PostingState.OPEN if approve else PostingState.REJECTED,
                              "reviewed_by_id": by_id, "reviewed_at": at, "review_note": note}
    if approve:
        values["created_at"] = at
    conditions = [Posting.id == posting_id, Posting.status == PostingState.PENDING]
    if revision is not None:
        conditions.append(Posting.revision == revision)
    result = await session.execute(
        update(Posting).where(*conditions).values(**values).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def close(session: AsyncSession, posting_id: int, enterprise_id: int) -> bool:
    """An employer closes its posting (filled, or withdrawn while pending); False when it was not open/pending."""
    result = await session.execute(
        update(Posting)
        .where(Posting.id == posting_id, Posting.enterprise_id == enterprise_id,
               Posting.status.in_(sorted(PostingState.LIVE)))
        .values(status=PostingState.CLOSED)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


# --- what an employer sees ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    """A worker who applied, as the employer may see them: the phone only when the worker agreed."""

    application_id: int
    name: str
    township: str | None
    village: str | None
    categories: tuple[str, ...]
    phone: str | None  # None until the worker agrees to share it
    applied_at: datetime


async def reach_counts(session: AsyncSession, posting_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Posting id → (workers it was pushed to, applications)."""
    if not posting_ids:
        return {}
    pushed = dict((await session.execute(
        select(PushRecord.posting_id, func.count()).where(PushRecord.posting_id.in_(posting_ids))
        .group_by(PushRecord.posting_id))).tuples().all())
    applied = dict((await session.execute(
        select(Application.posting_id, func.count()).where(Application.posting_id.in_(posting_ids))
        .group_by(Application.posting_id))).tuples().all())
    return {pid: (int(pushed.get(pid, 0)), int(applied.get(pid, 0))) for pid in posting_ids}


async def applicants(session: AsyncSession, posting_id: int, *, limit: int = 50) -> list[Applicant]:
    """Who applied for a posting (workers who asked to be forgotten are left out), the newest first."""
    stmt = (
        select(Application, Person, WorkerProfile)
        .join(Person, Person.id == Application.worker_id)
        .outerjoin(WorkerProfile, WorkerProfile.person_id == Person.id)
        .where(Application.posting_id == posting_id, Person.forgotten_at.is_(None))
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(limit)
    )
    found = []
    for application, person, profile in (await session.execute(stmt)).tuples():
        categories = tuple(dict.fromkeys([*(profile.wanted_categories or []), *(profile.skills or [])])) if profile \
            else ()
        found.append(Applicant(
            application.id, person.name, person.township, person.village, categories,
            person.phone if application.phone_shared_at is not None else None, application.created_at,
        ))
    return found


async def application_of(session: AsyncSession, posting_id: int, worker_id: int) -> Application | None:
    stmt = select(Application).where(Application.posting_id == posting_id, Application.worker_id == worker_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def employers_of(session: AsyncSession, enterprise_id: int) -> list[int]:
    """The people bound to an enterprise as its employer contacts."""
    stmt = select(Person.id).where(Person.enterprise_id == enterprise_id, Person.role == Role.EMPLOYER,
                                   Person.forgotten_at.is_(None)).order_by(Person.id)
    return list((await session.execute(stmt)).scalars())


async def count_pending(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Posting)
                                    .where(Posting.status == PostingState.PENDING)) or 0)



async def last_contact(session: AsyncSession, person_id: int) -> tuple[str, str] | None:
    """(name, phone) of the contact on the last posting this employer submitted, when it had a phone."""
    stmt = (select(Posting.contact_name, Posting.contact_phone)
            .where(Posting.submitted_by_id == person_id, Posting.contact_phone != "")
            .order_by(Posting.submitted_at.desc(), Posting.id.desc()).limit(1))
    row = (await session.execute(stmt)).first()
    return (str(row[0]), str(row[1])) if row is not None else None


async def set_phone_shared(session: AsyncSession, application_id: int, worker_id: int, share: bool,
                           at: datetime) -> bool:
    """The worker's answer on sharing their phone with the employer (only their own application); False if none."""
    result = await session.execute(
        update(Application).where(Application.id == application_id, Application.worker_id == worker_id)
        .values(phone_shared_at=at if share else None).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)
