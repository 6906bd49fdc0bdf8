"""Column schemas of the importable sheets: the Chinese headers staff use, their English names, and parsers.

A header matches a column when it equals one of the column's names (spaces, a leading '*' and a trailing
'（元）'-style note ignored), so '企业名称', '单位名称' and 'enterprise' all fill `enterprise`.

What a row does not say leaves the stored value alone: a column the sheet does not have, and an empty cell, change
nothing on an existing row (a new row gets the default). To erase a stored value, write `CLEAR` (清空) in the cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage.importing import fields
from storage.models import Enterprise, Person, Posting, WorkerProfile
from storage.states import EmploymentStatus

CLEAR = "清空"


def _length(model: Any, name: str) -> int | None:
    return getattr(model.__table__.c[name].type, "length", None)


@dataclass(frozen=True)
class Column:
    key: str
    names: tuple[str, ...]
    required: bool = False  # the sheet must have the column, and a new row a value in it
    parse: Callable[[str], Any] | None = None
    max_length: int | None = None  # for text stored as typed: the database column's length
    text_only: bool = False  # a cell that held a number cannot be trusted (ID numbers lose digits)
    description: str = ""

    def read(self, text: str, *, was_number: bool = False) -> Any:
        """The cell's value (FieldError when it cannot be used)."""
        if self.text_only and was_number:
            return fields.parse_id_number(text, was_number=True)
        if self.max_length is not None and len(text) > self.max_length:
            raise fields.FieldError("too_long", most=self.max_length, length=len(text))
        return self.parse(text) if self.parse else text


@dataclass(frozen=True)
class Schema:
    kind: str
    columns: tuple[Column, ...]

    def column_for(self, header: str) -> Column | None:
        wanted = _plain(header)
        for column in self.columns:
            if wanted in (_plain(name) for name in (column.key, *column.names)):
                return column
        return None

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def _plain(header: str) -> str:
    return re.sub(r"[\s*＊]|[（(][^）)]*[）)]$", "", fields.fold(header)).lower()


POSTINGS = Schema(
    "postings",
    (
        Column("external_id", ("岗位编号", "编号", "序号ID", "外部编号", "id"), max_length=_length(Posting, "external_id"),
               description="stable id for re-imports"),
        Column("enterprise", ("企业名称", "单位名称", "用人单位", "公司名称", "招聘单位"), required=True,
               max_length=_length(Enterprise, "name")),
        Column("title", ("岗位名称", "招聘岗位", "职位", "岗位", "工作岗位"), required=True, max_length=_length(Posting, "title")),
        # Optional: without it (or in an empty cell) the category is inferred from the title and the text.
        Column("job_category", ("工种", "岗位类别", "职业类别", "岗位类型"), parse=fields.parse_job_category),
        Column("openings", ("招聘人数", "人数", "需求人数", "招工人数", "用工人数"), parse=fields.parse_openings),
        Column("pay", ("薪资待遇", "工资待遇", "薪酬", "月薪", "工资", "薪资", "薪酬待遇"),
               parse=lambda text: _fits(fields.parse_pay(text), text, _length(Posting, "salary_text"))),
        Column("place", ("工作地点", "工作地址", "地点", "务工地点"), required=True,
               parse=lambda text: _fits(fields.parse_place(text), text, _length(Posting, "address"))),
        Column("contact_name", ("联系人",), max_length=_length(Posting, "contact_name")),
        Column("contact_phone", ("联系电话", "电话", "联系方式", "手机"), parse=fields.parse_phone),
        Column("deadline", ("截止日期", "截止时间", "报名截止", "有效期至"), parse=fields.parse_deadline),
        Column("start_date", ("到岗时间", "上岗时间", "开始日期"), parse=fields.parse_date),
        Column("requirements", ("岗位要求", "招聘条件", "任职要求", "要求", "任职条件")),
        Column("description", ("岗位描述", "工作内容", "岗位职责", "备注")),
        Column("benefits", ("福利待遇", "福利", "其他待遇"), max_length=_length(Posting, "benefits")),
        Column("age", ("年龄要求", "年龄"), parse=fields.parse_age),
    ),
)

ENTERPRISES = Schema(
    "enterprises",
    (
        Column("external_id", ("企业编号", "编号", "id"), max_length=_length(Enterprise, "external_id")),
        Column("name", ("企业名称", "单位名称", "公司名称"), required=True, max_length=_length(Enterprise, "name")),
        Column("credit_code", ("统一社会信用代码", "信用代码"), max_length=_length(Enterprise, "credit_code")),
        Column("industry", ("所属行业", "行业"), max_length=_length(Enterprise, "industry")),
        Column("place", ("所在地", "企业地址", "地址", "所在乡镇"),
               parse=lambda text: _fits(fields.parse_place(text), text, _length(Enterprise, "address"))),
        Column("contact_name", ("联系人",), max_length=_length(Enterprise, "contact_name")),
        Column("contact_phone", ("联系电话", "电话"), parse=fields.parse_phone),
        Column("description", ("企业简介", "简介", "备注")),
    ),
)


def _categories(text: str) -> list[str]:
    return [fields.parse_job_category(part) for part in fields.split_list(text)]


def _monthly_pay(text: str) -> int:
    pay = fields.parse_pay(text)
    if pay.min is None and pay.max is None:
        raise fields.FieldError("amount_none", raw=text.strip())
    return int(pay.min if pay.min is not None else pay.max)  # type: ignore[arg-type]


WORKERS = Schema(
    "workers",
    (
        Column("name", ("姓名",), required=True, max_length=_length(Person, "name")),
        Column("phone", ("手机号码", "联系电话", "电话", "手机"), required=True,
               parse=lambda text: fields.parse_phone(text, mobile_only=True)),
        Column("id_number", ("身份证号", "身份证号码", "公民身份号码"), parse=fields.parse_id_number, text_only=True),
        Column("township", ("乡镇", "所在乡镇", "乡镇（街道）", "镇"), required=True, parse=lambda text: parse_township(text)),
        Column("village", ("村", "村（社区）", "所在村", "村社区"), max_length=_length(Person, "village")),
        Column("wanted_categories", ("求职意向", "意向工种", "希望从事"), parse=_categories),
        Column("min_monthly_pay", ("期望月薪", "期望工资", "最低月薪"), parse=_monthly_pay),
        Column("returnee_origin", ("返乡前务工地", "原务工地", "务工地"), max_length=_length(WorkerProfile, "returnee_origin")),
        Column("status", ("就业状态", "状态"), parse=lambda text: parse_status(text)),
    ),
)

SCHEMAS = {schema.kind: schema for schema in (POSTINGS, ENTERPRISES, WORKERS)}


def _fits(value: Any, text: str, limit: int | None) -> Any:
    """A parsed value whose text is also stored as written (pay text, address) must fit its column."""
    if limit is not None and len(text.strip()) > limit:
        raise fields.FieldError("too_long", most=limit, length=len(text.strip()))
    return value


def parse_township(text: str) -> str:
    from storage.vocabulary import geography

    township = geography().township_of(fields.fold(text))
    if township is None:
        raise fields.FieldError("township_unknown", raw=text.strip(), county=geography().county)
    return township


_STATUSES = {"求职": EmploymentStatus.SEEKING, "未就业": EmploymentStatus.SEEKING, "待业": EmploymentStatus.SEEKING,
             "已就业": EmploymentStatus.PLACED, "就业": EmploymentStatus.PLACED, "已上岗": EmploymentStatus.PLACED,
             "培训": EmploymentStatus.TRAINING, "不找工作": EmploymentStatus.NOT_SEEKING,
             "无意向": EmploymentStatus.NOT_SEEKING}


def parse_status(text: str) -> EmploymentStatus:
    raw = fields.fold(text)
    for word, status in _STATUSES.items():
        if word in raw:
            return status
    if raw in EmploymentStatus.STATED:
        return EmploymentStatus(raw)
    raise fields.FieldError("status_unread", raw=raw)
