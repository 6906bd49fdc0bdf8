"""Exporting the bureau's reports to XLSX: workers, follow-up outcomes, placements (Chinese headers).

`mishu export` writes every row; the console passes the reader's `Visibility`, so a secretary's download holds
their own workers and their townships' (the same rule as the workers table).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import FollowUp, Person, StatusChange, WorkerProfile
from storage.queries.worker_file import Visibility

REPORTS = ("workers", "followups", "placements")
ZONE = ZoneInfo("Asia/Shanghai")


def _local(value: Any) -> Any:
    return value.astimezone(ZONE).replace(tzinfo=None) if hasattr(value, "astimezone") and value else value


def _scope(visible: Visibility | None, worker: Any) -> list[Any]:
    """Rows of workers the reader may see (`worker` is the Person alias of the report's worker)."""
    if visible is None or visible.secretary_id is None:
        return []
    mine = WorkerProfile.secretary_id == visible.secretary_id
    return [or_(mine, worker.township.in_(sorted(visible.townships))) if visible.townships else mine]


async def _workers(session: AsyncSession, visible: Visibility | None) -> tuple[list[str], list[list[Any]]]:
    secretary = aliased(Person)
    stmt = (
        select(Person, WorkerProfile, secretary.name)
        .join(WorkerProfile, WorkerProfile.person_id == Person.id)
        .outerjoin(secretary, secretary.id == WorkerProfile.secretary_id)
        .where(Person.role == "worker", Person.forgotten_at.is_(None), *_scope(visible, Person))
        .order_by(Person.township, Person.village, Person.id)
    )
    headers = ["编号", "姓名", "手机号码", "乡镇", "村", "就业状态", "求职意向", "期望月薪", "返乡人员", "返乡前务工地",
               "就业秘书", "登记时间", "就业单位"]
    rows = [
        [p.id, p.name, p.phone, p.township, p.village, w.status, "、".join(w.wanted_categories or []),
         w.min_monthly_pay, "是" if w.is_returnee else "否", w.returnee_origin, sec, _local(w.registered_at),
         w.placed_employer]
        for p, w, sec in (await session.execute(stmt)).all()
    ]
    return headers, rows


async def _followups(session: AsyncSession, visible: Visibility | None) -> tuple[list[str], list[list[Any]]]:
    worker, secretary = aliased(Person), aliased(Person)
    stmt = (
        select(FollowUp, worker.name, worker.township, secretary.name)
        .join(worker, worker.id == FollowUp.worker_id)
        .outerjoin(secretary, secretary.id == FollowUp.secretary_id)
        .outerjoin(WorkerProfile, WorkerProfile.person_id == FollowUp.worker_id)
        .where(worker.forgotten_at.is_(None), *_scope(visible, worker))
        .order_by(FollowUp.due_at)
    )
    headers = ["编号", "劳动者", "乡镇", "就业秘书", "类型", "应回访时间", "状态", "劳动者回复", "结果", "备注", "完成时间"]
    rows = [
        [f.id, name, township, sec, f.kind, _local(f.due_at), f.state, f.worker_answer, f.outcome, f.note,
         _local(f.completed_at)]
        for f, name, township, sec in (await session.execute(stmt)).all()
    ]
    return headers, rows


async def _placements(session: AsyncSession, visible: Visibility | None) -> tuple[list[str], list[list[Any]]]:
    worker = aliased(Person)
    stmt = (
        select(StatusChange, worker.name, worker.township, WorkerProfile.placed_employer)
        .join(worker, worker.id == StatusChange.worker_id)
        .outerjoin(WorkerProfile, WorkerProfile.person_id == worker.id)
        .where(StatusChange.new_status == "placed", worker.forgotten_at.is_(None), *_scope(visible, worker))
        .order_by(StatusChange.created_at)
    )
    headers = ["劳动者", "乡镇", "就业单位", "原状态", "登记就业时间", "来源"]
    rows = [[name, township, employer, c.old_status, _local(c.created_at), c.reason]
            for c, name, township, employer in (await session.execute(stmt)).all()]
    return headers, rows


async def report_rows(session: AsyncSession, report: str, visible: Visibility | None = None) -> tuple[
        list[str], list[list[Any]]]:
    """One report's headers and rows (only the workers `visible` allows, when given)."""
    builders = {"workers": _workers, "followups": _followups, "placements": _placements}
    return await builders[report](session, visible)


async def export_report(session: AsyncSession, report: str, path: Path | BinaryIO,
                        visible: Visibility | None = None) -> int:
    """Write one report to an XLSX file (a path or an open binary file); returns the number of rows written."""
    headers, rows = await report_rows(session, report, visible)
    write_xlsx(path, report, headers, rows)
    return len(rows)


def write_xlsx(path: Path | BinaryIO, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header)) * 2] + [len(str(r[index - 1] or "")) for r in rows[:200]])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 40)
    sheet.freeze_panes = "A2"
    workbook.save(path)
