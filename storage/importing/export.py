"""Exporting the bureau's reports to XLSX: workers, follow-up outcomes, placements, open postings (Chinese headers).

`mishu export` writes every row; the console passes the reader's `Visibility`, so a secretary's download holds
their own workers and their townships' (the same rule as the workers table). The postings report is the public
shelf and is the same for every reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Enterprise, FollowUp, Person, Posting, StatusChange, WorkerProfile
from storage.queries.worker_file import Visibility
from storage.states import EmploymentStatus, PostingState, Role

REPORTS = ("workers", "followups", "placements", "postings")
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
        .where(Person.role == Role.WORKER, Person.forgotten_at.is_(None), *_scope(visible, Person))
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
        .where(StatusChange.new_status == EmploymentStatus.PLACED, worker.forgotten_at.is_(None),
               *_scope(visible, worker))
        .order_by(StatusChange.created_at)
    )
    headers = ["劳动者", "乡镇", "就业单位", "原状态", "登记就业时间", "来源"]
    rows = [[name, township, employer, c.old_status, _local(c.created_at), c.reason]
            for c, name, township, employer in (await session.execute(stmt)).all()]
    return headers, rows


async def _postings(session: AsyncSession, today: date) -> tuple[list[str], list[list[Any]]]:
    """The shelf as it is: open postings not past their deadline (waiting, rejected and closed ones are not)."""
    stmt = (
        select(Posting, Enterprise.name)
        .join(Enterprise, Enterprise.id == Posting.enterprise_id)
        .where(Posting.status.in_(sorted(PostingState.SHOWN)), or_(Posting.deadline.is_(None), Posting.deadline >= today))
        .order_by(Posting.id)
    )
    headers = ["编号", "企业名称", "岗位名称", "工种", "招聘人数", "薪资待遇", "工作地点", "岗位要求", "福利待遇", "联系人",
               "联系电话", "截止日期", "上架时间", "来源"]
    rows = [
        [p.id, enterprise, p.title, p.job_category, "若干" if p.openings is None else p.openings,
         p.salary_text or _pay(p), p.address or p.township or p.city, p.requirements, p.benefits, p.contact_name,
         p.contact_phone, p.deadline, _local(p.created_at), "企业提交" if p.submitted_by_id else "导入"]
        for p, enterprise in (await session.execute(stmt)).all()
    ]
    return headers, rows


def _pay(posting: Posting) -> str:
    low, high = posting.salary_min, posting.salary_max
    if low is None and high is None:
        return "面议"
    unit = {"month": "元/月", "day": "元/天", "hour": "元/小时", "piece": "元/件"}.get(posting.salary_unit, "元")
    return f"{low}-{high}{unit}" if low and high and low != high else f"{low or high}{unit}"


async def report_rows(session: AsyncSession, report: str, visible: Visibility | None = None, *,
                      today: date | None = None) -> tuple[list[str], list[list[Any]]]:
    """One report's headers and rows (only the workers `visible` allows, when given; `today`: the bureau's date,
    for which postings are still open; now by default)."""
    if report == "postings":
        return await _postings(session, today or datetime.now(ZONE).date())
    builders = {"workers": _workers, "followups": _followups, "placements": _placements}
    return await builders[report](session, visible)


async def export_report(session: AsyncSession, report: str, path: Path | BinaryIO,
                        visible: Visibility | None = None, *, today: date | None = None) -> int:
    """Write one report to an XLSX file (a path or an open binary file); returns the number of rows written."""
    headers, rows = await report_rows(session, report, visible, today=today)
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
