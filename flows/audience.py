"""Broadcast audiences written by staff: 'all', 'township=双福镇', 'status=seeking', 'category=采茶工', 'groups'.

Pure parsing shared by the command line and the chat, so both accept the same words.
"""

from __future__ import annotations

from typing import Any

from storage.states import EmploymentStatus
from storage.vocabulary import canonical_job_category, geography

STATUS_WORDS = {"求职": EmploymentStatus.SEEKING, "求职中": EmploymentStatus.SEEKING, "seeking": EmploymentStatus.SEEKING,
                "已就业": EmploymentStatus.PLACED, "placed": EmploymentStatus.PLACED,
                "培训": EmploymentStatus.TRAINING, "training": EmploymentStatus.TRAINING}
KEY_WORDS = {"township": "township", "乡镇": "township", "status": "status", "状态": "status",
             "category": "job_category", "job_category": "job_category", "工种": "job_category",
             "origin": "returnee_origin", "返乡地": "returnee_origin"}


class AudienceError(ValueError):
    """The audience text names something unknown; the message says what is accepted."""


def parse_audience(text: str) -> dict[str, Any]:
    """'township=双福镇,桂花桥镇;status=seeking;groups' → {'township': [...], 'status': [...], 'groups': True}."""
    audience: dict[str, Any] = {}
    for part in [p.strip() for p in text.replace("；", ";").split(";") if p.strip()]:
        if part in ("all", "全部", "所有人"):
            audience["all"] = True
            continue
        if part in ("groups", "群", "群聊"):
            audience["groups"] = True
            continue
        key, _, values = part.replace("＝", "=").partition("=")
        name = KEY_WORDS.get(key.strip())
        if name is None or not values.strip():
            raise AudienceError(
                f"'{part}' is not an audience; use all, groups, township=…, status=…, category=… or origin=… "
                "(several joined with ;)"
            )
        items = [v.strip() for v in values.replace("，", ",").split(",") if v.strip()]
        audience[name] = [_canonical(name, item) for item in items]
    if not audience:
        raise AudienceError("the audience is empty; use all, groups, township=…, status=…, category=… or origin=…")
    return audience


def _canonical(name: str, value: str) -> str:
    if name == "township":
        township = geography().township_of(value)
        if township is None:
            raise AudienceError(f"unknown township '{value}'")
        return township
    if name == "status":
        if value not in STATUS_WORDS:
            raise AudienceError(f"unknown status '{value}'; use seeking, placed or training")
        return STATUS_WORDS[value]
    if name == "job_category":
        category = canonical_job_category(value)
        if category is None:
            raise AudienceError(f"unknown job category '{value}'")
        return category
    return value


def describe_audience(audience: dict[str, Any]) -> str:
    """A short human description, e.g. '双福镇 · seeking · groups'."""
    if audience.get("all") and len(audience) == 1:
        return "all"
    parts = [", ".join(audience[k]) for k in ("township", "status", "job_category", "returnee_origin") if audience.get(k)]
    if audience.get("groups"):
        parts.append("groups")
    return " · ".join(parts) or "all"
