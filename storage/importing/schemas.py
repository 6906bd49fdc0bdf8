"""Column schemas of the importable sheets: the Chinese headers staff use, their English names, and parsers.

A header matches a column when it equals one of the column's names (spaces and a trailing '（元）'-style
note ignored), so '企业名称', '单位名称' and 'enterprise' all fill `enterprise`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage.importing import fields


@dataclass(frozen=True)
class Column:
    key: str
    names: tuple[str, ...]
    required: bool = False
    parse: Callable[[str], Any] | None = None
    description: str = ""


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


def _plain(header: str) -> str:
    return re.sub(r"[\s*＊]|[（(][^）)]*[）)]$", "", header).lower()


POSTINGS = Schema(
    "postings",
    (
        Column("external_id", ("岗位编号", "编号", "序号ID", "外部编号", "id"), description="stable id for re-imports"),
        Column("enterprise", ("企业名称", "单位名称", "用人单位", "公司名称", "招聘单位"), required=True),
        Column("title", ("岗位名称", "招聘岗位", "职位", "岗位"), required=True),
        Column("job_category", ("工种", "岗位类别", "职业类别", "岗位类型"), required=True,
               parse=fields.parse_job_category),
        Column("openings", ("招聘人数", "人数", "需求人数", "招工人数"), required=True, parse=fields.parse_count),
        Column("pay", ("薪资待遇", "工资待遇", "薪酬", "月薪", "工资", "薪资"), required=True, parse=fields.parse_pay),
        Column("place", ("工作地点", "工作地址", "地点", "务工地点"), required=True, parse=fields.parse_place),
        Column("contact_name", ("联系人",)),
        Column("contact_phone", ("联系电话", "电话", "联系方式"), parse=fields.parse_phone),
        Column("deadline", ("截止日期", "截止时间", "报名截止"), parse=fields.parse_date),
        Column("start_date", ("到岗时间", "上岗时间", "开始日期"), parse=fields.parse_date),
        Column("requirements", ("岗位要求", "招聘条件", "任职要求", "要求")),
        Column("description", ("岗位描述", "工作内容", "岗位职责", "备注")),
        Column("benefits", ("福利待遇", "福利", "其他待遇")),
        Column("age", ("年龄要求", "年龄"), parse=lambda text: fields_age(text)),
    ),
)

ENTERPRISES = Schema(
    "enterprises",
    (
        Column("external_id", ("企业编号", "编号", "id")),
        Column("name", ("企业名称", "单位名称", "公司名称"), required=True),
        Column("credit_code", ("统一社会信用代码", "信用代码")),
        Column("industry", ("所属行业", "行业")),
        Column("place", ("所在地", "企业地址", "地址", "所在乡镇"), parse=fields.parse_place),
        Column("contact_name", ("联系人",)),
        Column("contact_phone", ("联系电话", "电话"), parse=fields.parse_phone),
        Column("description", ("企业简介", "简介", "备注")),
    ),
)

WORKERS = Schema(
    "workers",
    (
        Column("name", ("姓名",), required=True),
        Column("phone", ("手机号码", "联系电话", "电话", "手机"), required=True,
               parse=lambda text: fields.parse_phone(text, mobile_only=True)),
        Column("id_number", ("身份证号", "身份证号码", "公民身份号码"), parse=lambda text: fields_id_number(text)),
        Column("township", ("乡镇", "所在乡镇", "乡镇（街道）", "镇"), required=True, parse=lambda text: fields_township(text)),
        Column("village", ("村", "村（社区）", "所在村", "村社区")),
        Column("wanted_categories", ("求职意向", "意向工种", "希望从事"),
               parse=lambda text: [fields.parse_job_category(part) for part in fields.split_list(text)]),
        Column("min_monthly_pay", ("期望月薪", "期望工资", "最低月薪"), parse=lambda text: fields.parse_pay(text).min),
        Column("returnee_origin", ("返乡前务工地", "原务工地", "务工地")),
        Column("status", ("就业状态", "状态"), parse=lambda text: fields_status(text)),
    ),
)

SCHEMAS = {schema.kind: schema for schema in (POSTINGS, ENTERPRISES, WORKERS)}


def fields_age(text: str) -> tuple[int | None, int | None]:
    """'18-55岁', '55岁以下', '45周岁以内' → (min, max)."""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if len(numbers) >= 2:
        return min(numbers[:2]), max(numbers[:2])
    if len(numbers) == 1:
        return (numbers[0], None) if "以上" in text else (None, numbers[0])
    if text.strip() in ("", "不限"):
        return None, None
    raise fields.FieldError(f"age '{text}' not understood; write e.g. 18-55")


_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")


def fields_id_number(text: str) -> str:
    raw = text.strip().upper()
    if not _ID_NUMBER.match(raw):
        raise fields.FieldError("ID number must be 18 characters (17 digits and a digit or X)")
    return raw


def fields_township(text: str) -> str:
    from storage.vocabulary import geography

    township = geography().township_of(text)
    if township is None:
        raise fields.FieldError(f"unknown township '{text.strip()}' in {geography().county}")
    return township


_STATUSES = {"求职": "seeking", "未就业": "seeking", "待业": "seeking", "已就业": "placed", "就业": "placed",
             "已上岗": "placed", "培训": "training", "不找工作": "not_seeking", "无意向": "not_seeking"}


def fields_status(text: str) -> str:
    raw = text.strip()
    for word, status in _STATUSES.items():
        if word in raw:
            return status
    if raw in ("seeking", "placed", "training", "not_seeking"):
        return raw
    raise fields.FieldError(f"status '{raw}' not understood; use 求职中, 已就业, 培训中 or 无意向")
