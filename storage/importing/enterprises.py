"""Writing checked enterprise rows: matched by 企业编号, else by name; names and ids stay unique.

An enterprise found by name that has no 编号 yet takes the row's; one that has another 编号, or a rename onto a
name another enterprise holds, is a row error (the database would refuse it with a traceback otherwise).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.importing.bulk import chunks, insert_rows, reserve_ids, update_by_id
from storage.importing.fields import Place
from storage.importing.rows import ImportReport, Parsed, RowError
from storage.models import Enterprise

DEFAULTS: dict[str, dict[str, Any]] = {
    "credit_code": {"credit_code": None},
    "industry": {"industry": ""},
    "place": {"township": None, "city": "", "province": "四川", "address": ""},
    "contact_name": {"contact_name": ""},
    "contact_phone": {"contact_phone": ""},
    "description": {"description": ""},
}
COMPARED = ("name", "external_id", *(column for columns in DEFAULTS.values() for column in columns))


def _changes(row: Parsed) -> dict[str, Any]:
    changes: dict[str, Any] = {"name": row.values["name"]}
    for key in row.cleared:
        changes.update(DEFAULTS.get(key, {}))
    for key, value in row.values.items():
        if key == "place":
            place: Place = value
            changes.update({"township": place.township, "city": place.city, "province": place.province or "四川",
                            "address": place.text})
        elif key in DEFAULTS:
            changes[key] = value
    if row.values.get("external_id"):
        changes["external_id"] = row.values["external_id"]
    return changes


def _label(enterprise: dict[str, Any]) -> str:
    return f"编号 {enterprise['external_id']}" if enterprise["external_id"] else f"id {enterprise['id']}"


async def write_enterprises(session: AsyncSession, rows: list[Parsed], *, now: datetime) -> ImportReport:
    report = ImportReport("enterprises", rows=len(rows))
    names = sorted({row.values["name"] for row in rows})
    ids = sorted({row.values["external_id"] for row in rows if row.values.get("external_id")})
    columns = [Enterprise.id, *(getattr(Enterprise, name) for name in COMPARED)]
    by_name: dict[str, dict[str, Any]] = {}
    by_id: dict[str, dict[str, Any]] = {}
    lookups = [Enterprise.name.in_(part) for part in chunks(names)]
    lookups += [Enterprise.external_id.in_(part) for part in chunks(ids)]
    for condition in lookups:
        for found in (await session.execute(select(*columns).where(condition))).mappings():
            by_name[found["name"]] = dict(found)
            if found["external_id"]:
                by_id[found["external_id"]] = by_name[found["name"]]
    inserts: list[dict[str, Any]] = []
    updates: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        name, external_id = row.values["name"], row.values.get("external_id")
        named = by_name.get(name)
        target = by_id.get(external_id) if external_id else named
        if external_id and target is None and named is not None:
            if named["external_id"] is not None:
                report.errors.append(RowError(row.row, "企业名称", "name_taken_use_id",
                                              {"name": name, "enterprise": _label(named)}))
                continue
            target = named  # known by name, without a 编号 until now: it takes this one
        if target is not None and named is not None and named["id"] != target["id"]:
            report.errors.append(RowError(row.row, "企业名称", "name_taken",
                                          {"name": name, "enterprise": _label(named)}))
            continue
        changes = _changes(row)
        if target is None:
            new = {column: default for defaults in DEFAULTS.values() for column, default in defaults.items()}
            inserts.append({**new, **changes, "external_id": external_id, "created_at": now})
            continue
        changed = {column: value for column, value in changes.items() if target[column] != value}
        if changed:
            updates[frozenset(changed)].append({"b_id": target["id"], **changed})
            report.updated += 1
        else:
            report.unchanged += 1
    if report.errors:
        return report
    if inserts:
        ids = await reserve_ids(session, Enterprise, len(inserts))
        await insert_rows(session, Enterprise, [{**row, "id": eid} for eid, row in zip(ids, inserts, strict=True)])
        report.added = len(inserts)
    await update_by_id(session, Enterprise, updates)
    return report
