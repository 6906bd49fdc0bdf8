"""Validating a sheet against its schema and writing it in one transaction: every row or none.

Re-importing the same file changes nothing (rows are matched by their external id, else by a natural key:
posting = enterprise + title + place, enterprise = name, worker = mobile number).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.importing.fields import FieldError
from storage.importing.schemas import SCHEMAS, Schema
from storage.importing.sheets import Sheet, read_sheet
from storage.models import Enterprise, Person, Posting, WorkerProfile

Progress = Callable[[int, int], None]


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "header"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class Parsed:
    row: int
    values: dict[str, Any]


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    added_posting_ids: list[int] = field(default_factory=list)
    added_worker_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(sheet: Sheet, schema: Schema) -> tuple[list[Parsed], list[RowError], list[str]]:
    """Parse every row; all problems are collected so staff fix the whole file in one pass."""
    errors = [RowError(row, "", message) for row, message in sheet.problems]
    warnings: list[str] = []
    mapping: dict[str, str] = {}
    for header in sheet.headers:
        if not header:
            continue
        column = schema.column_for(header)
        if column is None:
            warnings.append(f"column '{header}' is not used")
        elif column.key in mapping.values():
            errors.append(RowError(0, header, f"a second column for {column.key}"))
        else:
            mapping[header] = column.key
    present = set(mapping.values())
    for column in schema.columns:
        if column.required and column.key not in present:
            errors.append(RowError(0, column.names[0], f"required column missing (headers accepted: "
                                   f"{', '.join(column.names)})"))
    if errors and any(e.row == 0 for e in errors):
        return [], errors, warnings
    by_key = {c.key: c for c in schema.columns}
    parsed: list[Parsed] = []
    for row in sheet.rows:
        values: dict[str, Any] = {}
        for header, key in mapping.items():
            column = by_key[key]
            text = row.values.get(header, "").strip()
            if not text:
                if column.required:
                    errors.append(RowError(row.number, header, "empty"))
                continue
            try:
                values[key] = column.parse(text) if column.parse else text
            except FieldError as exc:
                errors.append(RowError(row.number, header, str(exc)))
        parsed.append(Parsed(row.number, values))
    return parsed, errors, warnings


def _natural_key(kind: str, values: dict[str, Any]) -> tuple[Any, ...]:
    if values.get("external_id"):
        return ("id", values["external_id"])
    if kind == "postings":
        place = values.get("place")
        return (values.get("enterprise"), values.get("title"), place.township or place.city if place else None)
    if kind == "enterprises":
        return (values.get("name"),)
    return (values.get("phone"),)


def find_duplicates(kind: str, rows: list[Parsed]) -> list[RowError]:
    seen: dict[tuple[Any, ...], int] = {}
    errors = []
    for row in rows:
        key = _natural_key(kind, row.values)
        if key in seen:
            errors.append(RowError(row.row, "", f"duplicates row {seen[key]}"))
        else:
            seen[key] = row.row
    return errors


def _set(obj: Any, changes: dict[str, Any]) -> bool:
    changed = False
    for name, value in changes.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


async def _enterprise(session: AsyncSession, name: str, cache: dict[str, Enterprise]) -> Enterprise:
    if name not in cache:
        found = (await session.execute(select(Enterprise).where(Enterprise.name == name))).scalar_one_or_none()
        if found is None:
            found = Enterprise(name=name)
            session.add(found)
            await session.flush()
        cache[name] = found
    return cache[name]


async def _write_posting(session: AsyncSession, values: dict[str, Any], report: ImportReport,
                         cache: dict[str, Enterprise], now: datetime) -> None:
    enterprise = await _enterprise(session, values["enterprise"], cache)
    place, pay = values["place"], values["pay"]
    age_min, age_max = values.get("age", (None, None))
    changes = {
        "title": values["title"], "job_category": values["job_category"], "openings": values["openings"],
        "salary_min": pay.min, "salary_max": pay.max, "salary_unit": pay.unit, "salary_text": pay.text,
        "township": place.township, "city": place.city, "province": place.province or "",
        "contact_name": values.get("contact_name", ""), "contact_phone": values.get("contact_phone", ""),
        "deadline": values.get("deadline"), "start_date": values.get("start_date"),
        "requirements": values.get("requirements", ""), "description": values.get("description", ""),
        "benefits": values.get("benefits", ""), "age_min": age_min, "age_max": age_max,
    }
    stmt = select(Posting)
    if values.get("external_id"):
        stmt = stmt.where(Posting.external_id == values["external_id"])
    else:
        stmt = stmt.where(Posting.enterprise_id == enterprise.id, Posting.title == values["title"],
                          Posting.external_id.is_(None),
                          (Posting.township == place.township) if place.township else (Posting.city == place.city))
    existing = (await session.execute(stmt.limit(1))).scalar_one_or_none()
    if existing is None:
        posting = Posting(enterprise_id=enterprise.id, external_id=values.get("external_id"), created_at=now, **changes)
        session.add(posting)
        await session.flush()
        report.added += 1
        report.added_posting_ids.append(posting.id)
    elif _set(existing, {"enterprise_id": enterprise.id, **changes}):
        report.updated += 1
    else:
        report.unchanged += 1


async def _write_enterprise(session: AsyncSession, values: dict[str, Any], report: ImportReport) -> None:
    place = values.get("place")
    changes = {
        "name": values["name"], "credit_code": values.get("credit_code"), "industry": values.get("industry", ""),
        "township": place.township if place else None, "city": place.city if place else "",
        "province": (place.province if place else "") or "四川",
        "contact_name": values.get("contact_name", ""), "contact_phone": values.get("contact_phone", ""),
        "description": values.get("description", ""),
    }
    stmt = select(Enterprise)
    stmt = stmt.where(Enterprise.external_id == values["external_id"]) if values.get("external_id") else stmt.where(
        Enterprise.name == values["name"])
    existing = (await session.execute(stmt)).scalar_one_or_none()
    if existing is None:
        session.add(Enterprise(external_id=values.get("external_id"), **changes))
        report.added += 1
    elif _set(existing, changes):
        report.updated += 1
    else:
        report.unchanged += 1


async def _write_worker(session: AsyncSession, values: dict[str, Any], report: ImportReport, now: datetime) -> None:
    person_fields = {"name": values["name"], "phone": values["phone"], "township": values["township"],
                     "village": values.get("village"), "id_number": values.get("id_number")}
    origin = values.get("returnee_origin")
    profile_fields = {
        "wanted_categories": values.get("wanted_categories", []), "min_monthly_pay": values.get("min_monthly_pay"),
        "is_returnee": bool(origin), "returnee_origin": origin, "hardest_hit": bool(origin and "湖北" in origin),
    }
    if "status" in values:
        profile_fields["status"] = values["status"]
    stmt = select(Person).where(Person.role == "worker", Person.phone == values["phone"], Person.forgotten_at.is_(None))
    existing = (await session.execute(stmt.limit(1))).scalar_one_or_none()
    if existing is None:
        person = Person(role="worker", created_at=now, **person_fields)
        # Staff import what workers told them in person: consent was obtained by the bureau, on paper.
        person.profile = WorkerProfile(registered_at=now, consent_at=now, consent_how="bureau_import", **profile_fields)
        session.add(person)
        await session.flush()
        report.added += 1
        report.added_worker_ids.append(person.id)
        return
    profile = (await session.execute(select(WorkerProfile).where(WorkerProfile.person_id == existing.id))).scalar_one_or_none()
    changed = _set(existing, person_fields)
    if profile is None:
        existing.profile = WorkerProfile(registered_at=now, consent_at=now, consent_how="bureau_import", **profile_fields)
        changed = True
    else:
        changed = _set(profile, profile_fields) or changed
    if changed:
        report.updated += 1
    else:
        report.unchanged += 1


async def import_rows(session: AsyncSession, kind: str, rows: list[Parsed], *, now: datetime,
                      progress: Progress | None = None) -> ImportReport:
    """Write validated rows in the caller's transaction (rolled back by the caller if anything fails)."""
    report = ImportReport(kind, rows=len(rows))
    cache: dict[str, Enterprise] = {}
    for done, row in enumerate(rows, start=1):
        if kind == "postings":
            await _write_posting(session, row.values, report, cache, now)
        elif kind == "enterprises":
            await _write_enterprise(session, row.values, report)
        else:
            await _write_worker(session, row.values, report, now)
        if progress:
            progress(done, len(rows))
    return report


def check_file(kind: str, path: Path) -> tuple[list[Parsed], ImportReport]:
    """Read and validate a file without touching the database."""
    schema = SCHEMAS[kind]
    sheet = read_sheet(path)
    rows, errors, warnings = validate(sheet, schema)
    errors += find_duplicates(kind, rows) if not errors else []
    report = ImportReport(kind, rows=len(sheet.rows), errors=errors, warnings=warnings)
    return rows, report
