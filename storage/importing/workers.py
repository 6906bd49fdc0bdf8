"""Writing checked worker rows: matched by mobile number; only what a row says changes a stored worker.

A worker sheet without a 身份证号 column, or with an empty cell, leaves the ID number, village, categories,
minimum pay, returnee status and employment status a worker already has (清空 erases one). New workers are
recorded as consenting through the bureau (they gave their details to staff in person). The report names the
workers who became registered and those still without a secretary: flows assign them and schedule the first
check-in with the same code as registration in chat.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.importing.bulk import chunks, insert_rows, reserve_ids, update_by_id
from storage.importing.rows import ImportReport, Parsed, RowError
from storage.models import Person, StatusChange, WorkerProfile
from storage.states import EmploymentStatus, Role
from storage.worker_index import reindex

PERSON_DEFAULTS: dict[str, Any] = {"village": None, "id_number": None}
PROFILE_DEFAULTS: dict[str, dict[str, Any]] = {
    "wanted_categories": {"wanted_categories": []},
    "min_monthly_pay": {"min_monthly_pay": None},
    "returnee_origin": {"returnee_origin": None, "is_returnee": False, "hardest_hit": False},
    "status": {"status": EmploymentStatus.SEEKING},
}
HARDEST_HIT = ("湖北",)


def _person_changes(row: Parsed) -> dict[str, Any]:
    changes = {key: PERSON_DEFAULTS[key] for key in row.cleared if key in PERSON_DEFAULTS}
    changes.update({key: row.values[key] for key in ("name", "phone", "township", "village", "id_number")
                    if key in row.values})
    return changes


def _profile_changes(row: Parsed) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in row.cleared:
        changes.update(PROFILE_DEFAULTS.get(key, {}))
    for key in ("wanted_categories", "min_monthly_pay", "status"):
        if key in row.values:
            changes[key] = row.values[key]
    origin = row.values.get("returnee_origin")
    if origin:
        changes.update(returnee_origin=origin, is_returnee=True,
                       hardest_hit=any(place in origin for place in HARDEST_HIT))
    return changes


async def _existing(session: AsyncSession, phones: list[str]) -> dict[str, list[dict[str, Any]]]:
    profile_columns = [WorkerProfile.person_id.label("profile_of"), WorkerProfile.secretary_id, WorkerProfile.skills,
                       *(getattr(WorkerProfile, c) for columns in PROFILE_DEFAULTS.values() for c in columns)]
    columns = [Person.id, Person.role, Person.name, Person.phone, Person.township, Person.village, Person.id_number,
               *profile_columns]
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for part in chunks(phones):
        stmt = (select(*columns).outerjoin(WorkerProfile, WorkerProfile.person_id == Person.id)
                .where(Person.phone.in_(part), Person.forgotten_at.is_(None)).order_by(Person.id))
        for person in (await session.execute(stmt)).mappings():
            found[person["phone"]].append(dict(person))
    return found


def _new_profile(person_id: int, changes: dict[str, Any], now: datetime) -> dict[str, Any]:
    profile = {column: value for defaults in PROFILE_DEFAULTS.values() for column, value in defaults.items()}
    profile.update(changes)
    return {**profile, "person_id": person_id, "registered_at": now, "consent_at": now,
            "consent_how": "bureau_import", "skills": [], "subscribed": True}


async def write_workers(session: AsyncSession, rows: list[Parsed], *, now: datetime) -> ImportReport:
    report = ImportReport("workers", rows=len(rows))
    existing = await _existing(session, sorted({row.values["phone"] for row in rows}))
    new_rows: list[Parsed] = []
    new_profiles: list[dict[str, Any]] = []
    person_updates: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    profile_updates: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    status_changes: list[dict[str, Any]] = []
    to_index: list[tuple[int, Any, Any]] = []
    for row in rows:
        people = existing.get(row.values["phone"], [])
        staff = [p for p in people if p["role"] != Role.WORKER]
        if staff:
            report.errors.append(RowError(row.row, "手机号码", f"staff_number.{staff[0]['role']}"))
            continue
        if len(people) > 1:
            report.errors.append(RowError(row.row, "手机号码", "shared_number", {"count": len(people)}))
            continue
        person_changes, profile_changes = _person_changes(row), _profile_changes(row)
        if not people:
            new_rows.append(row)
            continue
        person = people[0]
        changed = {c: v for c, v in person_changes.items() if person[c] != v}
        if changed:
            person_updates[frozenset(changed)].append({"b_id": person["id"], **changed})
        if person["profile_of"] is None:
            new_profiles.append(_new_profile(person["id"], profile_changes, now))
            report.registered.append((person["id"], row.values["township"]))
            status = new_profiles[-1]["status"]
            status_changes.append({"worker_id": person["id"], "old_status": None, "new_status": status})
            if status == EmploymentStatus.PLACED:
                report.placed.append(person["id"])
            to_index.append((person["id"], new_profiles[-1]["wanted_categories"], []))
            report.updated += 1
            continue
        profile_changed = {c: v for c, v in profile_changes.items() if person[c] != v}
        if profile_changed:
            profile_updates[frozenset(profile_changed)].append({"b_id": person["id"], **profile_changed})
        if "status" in profile_changed:
            status_changes.append({"worker_id": person["id"], "old_status": person["status"],
                                   "new_status": profile_changed["status"]})
            if profile_changed["status"] == EmploymentStatus.PLACED:
                report.placed.append(person["id"])
        if "wanted_categories" in profile_changed:
            to_index.append((person["id"], profile_changed["wanted_categories"], person["skills"]))
        if person["secretary_id"] is None:
            report.without_secretary.append((person["id"], person_changes.get("township", person["township"])))
        if changed or profile_changed:
            report.updated += 1
        else:
            report.unchanged += 1
    if report.errors:
        return report
    if new_rows:
        people_rows = [{**PERSON_DEFAULTS, **_person_changes(row), "role": Role.WORKER, "created_at": now}
                       for row in new_rows]
        ids = await reserve_ids(session, Person, len(new_rows))
        await insert_rows(session, Person, [{**row, "id": pid} for pid, row in zip(ids, people_rows, strict=True)])
        for person_id, row in zip(ids, new_rows, strict=True):
            new_profiles.append(_new_profile(person_id, _profile_changes(row), now))
            report.registered.append((person_id, row.values["township"]))
            status = new_profiles[-1]["status"]
            status_changes.append({"worker_id": person_id, "old_status": None, "new_status": status})
            if status == EmploymentStatus.PLACED:
                report.placed.append(person_id)
            to_index.append((person_id, new_profiles[-1]["wanted_categories"], []))
        report.added_worker_ids = ids
        report.added = len(ids)
    await update_by_id(session, Person, person_updates)
    if new_profiles:
        await insert_rows(session, WorkerProfile, new_profiles)
    await update_by_id(session, WorkerProfile, profile_updates, key="person_id")
    if status_changes:
        ids = await reserve_ids(session, StatusChange, len(status_changes))
        await insert_rows(session, StatusChange, [{**change, "id": sid, "reason": "import", "created_at": now}
                                                  for sid, change in zip(ids, status_changes, strict=True)])
    await reindex(session, to_index)
    return report
