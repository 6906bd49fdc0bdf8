"""Writing checked posting rows: match each to the shelf, then insert and update in bulk statements.

A row is matched by its 岗位编号, else by enterprise + title + place (a posting found that way without a 编号 takes
the row's). Only what the row says is written: a column the sheet lacks and an empty cell leave the stored value,
`清空` erases it. Enterprises named in the sheet are created when new. Conflicts that only the database can show
(a key matching two postings, two rows updating one) are row errors, and the caller then rolls everything back.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.importing.bulk import chunks, insert_rows, reserve_ids, update_by_id
from storage.importing.fields import Pay, Place
from storage.importing.rows import ImportReport, Parsed, RowError
from storage.models import Enterprise, Posting
from storage.posting_index import READ_FROM, derived_columns, reindex_postings
from storage.states import PostingState

# Sheet key → the posting columns it fills, and their values when the sheet does not say (new rows, 清空).
DEFAULTS: dict[str, dict[str, Any]] = {
    "title": {"title": ""},
    "job_category": {"job_category": ""},
    "openings": {"openings": None},
    "pay": {"salary_min": None, "salary_max": None, "salary_unit": "month", "salary_text": ""},
    "place": {"township": None, "village": None, "city": "", "province": "", "address": ""},
    "contact_name": {"contact_name": ""},
    "contact_phone": {"contact_phone": ""},
    "deadline": {"deadline": None},
    "start_date": {"start_date": None},
    "requirements": {"requirements": ""},
    "description": {"description": ""},
    "benefits": {"benefits": ""},
    "age": {"age_min": None, "age_max": None},
}
COMPARED = tuple(column for columns in DEFAULTS.values() for column in columns) + ("enterprise_id", "external_id")


def columns_of(key: str, value: Any) -> dict[str, Any]:
    """The posting columns one parsed cell sets."""
    if key == "pay":
        pay: Pay = value
        return {"salary_min": pay.min, "salary_max": pay.max, "salary_unit": pay.unit, "salary_text": pay.text}
    if key == "place":
        place: Place = value
        return {"township": place.township, "village": place.village, "city": place.city,
                "province": place.province, "address": place.text}
    if key == "age":
        return {"age_min": value[0], "age_max": value[1]}
    return {key: value}


def posting_changes(row: Parsed) -> dict[str, Any]:
    """The posting columns a checked row sets (and those it clears with 清空): the import's and the console's edit."""
    changes: dict[str, Any] = {}
    for key in row.cleared:
        changes.update(DEFAULTS[key])
    for key, value in row.values.items():
        if key in DEFAULTS:
            changes.update(columns_of(key, value))
    return changes


def read_ahead(rows: list[Parsed]) -> None:
    """What each row's posting says, as a new posting would be written (`Parsed.derived`): CPU work done before
    the write lock, which chat turns wait for (a row that updates a stored posting is read again in the write)."""
    defaults = {column: default for columns in DEFAULTS.values() for column, default in columns.items()}
    for row in rows:
        row.derived = derived_columns({**defaults, **posting_changes(row), "enterprise": row.values["enterprise"]})


async def enterprise_ids(session: AsyncSession, rows: list[Parsed], report: ImportReport, now: datetime) -> dict[str, int]:
    """Enterprise name → id for every enterprise the rows name, creating the new ones (with the first row's place)."""
    names = sorted({row.values["enterprise"] for row in rows})
    found: dict[str, int] = {}
    for part in chunks(names):
        stmt = select(Enterprise.name, Enterprise.id).where(Enterprise.name.in_(part))
        found.update({name: eid for name, eid in (await session.execute(stmt)).all()})
    new: dict[str, dict[str, Any]] = {}
    for row in rows:
        name = row.values["enterprise"]
        if name in found or name in new:
            continue
        place: Place | None = row.values.get("place")
        new[name] = {"name": name, "township": place.township if place else None, "city": place.city if place else "",
                     "province": (place.province if place else "") or "四川", "created_at": now}
    if new:
        ids = await reserve_ids(session, Enterprise, len(new))
        rows_to_add = [{**values, "id": eid} for eid, values in zip(ids, new.values(), strict=True)]
        await insert_rows(session, Enterprise, rows_to_add)
        found.update({row["name"]: row["id"] for row in rows_to_add})
        report.enterprises_added = len(new)
    return found


async def _existing(session: AsyncSession, rows: list[Parsed], enterprises: dict[str, int]) -> tuple[
        dict[str, dict[str, Any]], dict[tuple[Any, ...], list[dict[str, Any]]]]:
    columns = [Posting.id, *(getattr(Posting, name) for name in COMPARED)]
    by_id: dict[str, dict[str, Any]] = {}
    ids = sorted({row.values["external_id"] for row in rows if row.values.get("external_id")})
    for part in chunks(ids):
        for found in (await session.execute(select(*columns).where(Posting.external_id.in_(part)))).mappings():
            by_id[found["external_id"]] = dict(found)
    by_key: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for part in chunks(sorted(set(enterprises.values()))):
        for found in (await session.execute(select(*columns).where(Posting.enterprise_id.in_(part)))).mappings():
            by_key[(found["enterprise_id"], found["title"], found["township"] or found["city"])].append(dict(found))
    return by_id, by_key


def _match(row: Parsed, enterprise_id: int, by_id: dict[str, dict[str, Any]],
           by_key: dict[tuple[Any, ...], list[dict[str, Any]]]) -> tuple[dict[str, Any] | None, int]:
    """The stored posting this row is about (or None for a new one), or how many it could be (an error)."""
    external_id = row.values.get("external_id")
    if external_id and external_id in by_id:
        return by_id[external_id], 0
    place: Place = row.values["place"]
    candidates = by_key.get((enterprise_id, row.values["title"], place.township or place.city), [])
    if external_id:
        unnamed = [p for p in candidates if p["external_id"] is None]
        return (unnamed[0] if len(unnamed) == 1 else None), 0
    if len(candidates) > 1:
        unnamed = [p for p in candidates if p["external_id"] is None]
        if len(unnamed) == 1:
            return unnamed[0], 0
        return None, len(candidates)
    return (candidates[0] if candidates else None), 0


async def write_postings(session: AsyncSession, rows: list[Parsed], *, now: datetime) -> ImportReport:
    """Insert and update the rows' postings in the caller's transaction; errors leave the caller to roll back."""
    report = ImportReport("postings", rows=len(rows))
    enterprises = await enterprise_ids(session, rows, report, now)
    by_id, by_key = await _existing(session, rows, enterprises)
    inserts: list[dict[str, Any]] = []
    updates: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    claimed: dict[int, int] = {}
    for row in rows:
        enterprise_id = enterprises[row.values["enterprise"]]
        existing, ambiguous = _match(row, enterprise_id, by_id, by_key)
        if ambiguous:
            report.errors.append(RowError(row.row, "", "ambiguous", {"count": ambiguous}))
            continue
        changes = {**posting_changes(row), "enterprise_id": enterprise_id}
        if row.values.get("external_id"):
            changes["external_id"] = row.values["external_id"]
        if existing is None:
            new = {column: default for defaults in DEFAULTS.values() for column, default in defaults.items()}
            new.update(changes)
            # read once as it is written: attributes, age limits, search tokens (storage/posting_index.py)
            new.update(row.derived or derived_columns({**new, "enterprise": row.values["enterprise"]}))
            inserts.append({**new, "external_id": row.values.get("external_id"),
                            "status": PostingState.OPEN, "created_at": now})
            continue
        if existing["id"] in claimed:
            report.errors.append(RowError(row.row, "", "same_posting", {"first": claimed[existing["id"]]}))
            continue
        claimed[existing["id"]] = row.row
        changed = {column: value for column, value in changes.items() if existing[column] != value}
        if changed:
            updates[frozenset(changed)].append({"b_id": existing["id"], **changed})
            report.updated += 1
        else:
            report.unchanged += 1
    if report.errors:
        return report
    if inserts:
        ids = await reserve_ids(session, Posting, len(inserts))
        await insert_rows(session, Posting, [{**row, "id": pid} for pid, row in zip(ids, inserts, strict=True)])
        report.added_posting_ids = ids
        report.added = len(inserts)
    await update_by_id(session, Posting, updates)
    reread = sorted({p["b_id"] for columns, params in updates.items() if columns & READ_FROM for p in params})
    await reindex_postings(session, reread)
    return report

