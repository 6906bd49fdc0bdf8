"""Staff keeping the job supermarket's shelf: closing a posting, and editing one with the importer's own field rules
(a posting edited in the console is read exactly as the same cells in a sheet would be: pay, place, age, dates).

Admins only. Each action returns a `ShelfAction` saying what happened or why not; the console words it.
Reviewing employers' pending postings (approve, reject) is flows/posting_review.py's once employers submit
postings; this module does not decide it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from storage.importing.postings import posting_changes
from storage.importing.rows import RowError
from storage.importing.schemas import CLEAR, POSTINGS
from storage.importing.sheets import Row, Sheet
from storage.importing.validation import validate
from storage.models import Enterprise, Person, Posting
from storage.queries.locking import lock_row
from storage.states import PostingState, Role

# What the console's edit form offers: the sheet's columns (keys of storage/importing/schemas.py's POSTINGS).
EDITABLE = ("title", "job_category", "openings", "pay", "place", "age", "deadline", "start_date", "contact_name",
            "contact_phone", "benefits", "requirements", "description")
UNITS = {"month": "月", "day": "天", "hour": "小时", "piece": "件"}


class ShelfRefusal(StrEnum):
    NOT_ADMIN = "not_admin"
    NO_POSTING = "no_posting"
    NOT_OPEN = "not_open"
    INVALID = "invalid"  # the edit has field errors (`errors`)


@dataclass(frozen=True)
class ShelfAction:
    posting: Posting | None = None
    refusal: ShelfRefusal | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.refusal is None


async def _in_hand(session: AsyncSession, staff: Person, posting_id: int) -> ShelfAction:
    if staff.role != Role.ADMIN:
        return ShelfAction(refusal=ShelfRefusal.NOT_ADMIN)
    posting = await lock_row(session, Posting, posting_id)
    if posting is None:
        return ShelfAction(refusal=ShelfRefusal.NO_POSTING)
    return ShelfAction(posting)


async def close_posting(session: AsyncSession, staff: Person, posting_id: int) -> ShelfAction:
    """Take an open posting off the shelf: search, pushes and the figures stop counting it."""
    handled = await _in_hand(session, staff, posting_id)
    if not handled.ok or handled.posting is None:
        return handled
    if handled.posting.status != PostingState.OPEN:
        return ShelfAction(handled.posting, ShelfRefusal.NOT_OPEN)
    handled.posting.status = PostingState.CLOSED
    return handled


def typed_values(posting: Posting) -> dict[str, str]:
    """A posting as the edit form shows it: each field as a sheet's cell would say it."""
    def pay() -> str:
        if posting.salary_text:
            return posting.salary_text
        low, high = posting.salary_min, posting.salary_max
        if low is None and high is None:
            return ""
        amount = f"{low}-{high}" if low is not None and high is not None and low != high else str(low or high)
        return f"{amount}元/{UNITS.get(posting.salary_unit, '月')}"

    def age() -> str:
        low, high = posting.age_min, posting.age_max
        if low and high:
            return f"{low}-{high}岁"
        return f"{low}岁以上" if low else (f"{high}岁以下" if high else "")

    place = posting.address or "".join(part for part in (posting.township, posting.village) if part) or posting.city
    return {
        "title": posting.title, "job_category": posting.job_category,
        "openings": "" if posting.openings is None else str(posting.openings), "pay": pay(), "place": place,
        "age": age(), "deadline": posting.deadline.isoformat() if posting.deadline else "",
        "start_date": posting.start_date.isoformat() if posting.start_date else "",
        "contact_name": posting.contact_name, "contact_phone": posting.contact_phone, "benefits": posting.benefits,
        "requirements": posting.requirements, "description": posting.description,
    }


async def edit_posting(session: AsyncSession, staff: Person, posting_id: int, typed: Mapping[str, str]) -> ShelfAction:
    """Change a posting from the edit form: each field is checked as the importer checks the same cell (an empty
    field clears it, like 清空 in a sheet); any error changes nothing."""
    handled = await _in_hand(session, staff, posting_id)
    if not handled.ok or handled.posting is None:
        return handled
    posting = handled.posting
    enterprise = await session.get(Enterprise, posting.enterprise_id)
    cells = {"enterprise": enterprise.name if enterprise else str(posting.enterprise_id)}
    for key in EDITABLE:
        text = " ".join(str(typed.get(key, "")).split()) if key not in ("requirements", "description") \
            else str(typed.get(key, "")).strip()
        required = POSTINGS.column(key).required or key == "job_category"
        cells[key] = text if text or required else CLEAR
    checked = validate(Sheet(list(cells), [Row(2, cells)]), POSTINGS)
    if not checked.ok:
        return ShelfAction(posting, ShelfRefusal.INVALID, list(checked.errors))
    for column, value in posting_changes(checked.rows[0]).items():
        setattr(posting, column, value)
    return ShelfAction(posting)
