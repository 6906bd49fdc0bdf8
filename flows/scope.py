"""Which workers a staff member may see and act on: one rule for the chat and the console.

A secretary sees their own workers and the workers of the townships they cover, and acts (records outcomes,
reschedules, replies) on their own; an admin sees and acts on everyone. Lists are filtered with the same
scope in SQL (`StaffScope.secretary_id` / `.townships`), and a page naming one worker is checked with `may_see`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person
from storage.queries.roles import townships_of
from storage.states import Role


def acts_for(staff: Person, worker_secretary_id: int | None) -> bool:
    """May this staff member act on a worker looked after by `worker_secretary_id`? (admins: anyone)"""
    if staff.role == Role.ADMIN:
        return True
    return staff.role == Role.SECRETARY and worker_secretary_id == staff.id


@dataclass(frozen=True)
class StaffScope:
    """What one staff member may see: everyone (admins), or their own workers and their townships' workers."""

    person_id: int
    role: str
    townships: frozenset[str] = frozenset()

    @property
    def everyone(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def secretary_id(self) -> int | None:
        """For SQL filters: the secretary whose own workers are visible (None: no restriction)."""
        return None if self.everyone else self.person_id

    def may_see(self, worker_secretary_id: int | None, worker_township: str | None) -> bool:
        if self.everyone:
            return True
        if self.role not in Role.STAFF:
            return False
        return worker_secretary_id == self.person_id or (worker_township is not None and worker_township in self.townships)

    def may_act(self, worker_secretary_id: int | None) -> bool:
        return self.everyone or (self.role == Role.SECRETARY and worker_secretary_id == self.person_id)


async def scope_of(session: AsyncSession, staff: Person) -> StaffScope:
    townships = await townships_of(session, staff.id) if staff.role == Role.SECRETARY else []
    return StaffScope(staff.id, staff.role, frozenset(townships))
