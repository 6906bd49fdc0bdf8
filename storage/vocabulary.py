"""The county's fixed vocabularies: townships and villages, destinations, canonical job categories."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

_DEMO = Path(__file__).resolve().parent / "demo"


@dataclass(frozen=True)
class Township:
    name: str
    lat: float
    lon: float
    villages: tuple[str, ...]


@dataclass(frozen=True)
class Geography:
    county: str
    townships: dict[str, Township]
    destinations: dict[str, str]  # city → province
    prefecture: str = ""  # the prefecture-level city the county belongs to (乐山市)

    def township_of(self, text: str) -> str | None:
        """The canonical township for '双福镇', '双福', or None."""
        text = text.strip()
        if text in self.townships:
            return text
        for name in self.townships:
            short = name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
            if text == short or (len(short) >= 2 and text.startswith(short)):
                return name
        return None


@cache
def geography() -> Geography:
    data = yaml.safe_load((_DEMO / "geography.yaml").read_text(encoding="utf-8"))
    townships = {
        name: Township(name, float(info["lat"]), float(info["lon"]), tuple(info.get("villages", ())))
        for name, info in data["townships"].items()
    }
    return Geography(data["county"], townships, dict(data.get("destinations", {})), data.get("prefecture", ""))


def county() -> str:
    return geography().county


def townships() -> list[str]:
    """The county's townships in the order the bureau lists them."""
    return list(geography().townships)


def villages(township: str) -> list[str]:
    """The villages (and urban communities) of one township; empty for an unknown township."""
    found = geography().townships.get(township)
    return list(found.villages) if found else []


@cache
def job_categories() -> dict[str, tuple[str, ...]]:
    """Canonical job category → the colloquial names people use for it."""
    data = yaml.safe_load((_DEMO / "job_categories.yaml").read_text(encoding="utf-8"))
    return {name: tuple(aliases or ()) for name, aliases in data.items()}


@cache
def _category_names() -> dict[str, str]:
    """Every name and alias, lower-cased → its canonical category (a name wins over another's alias)."""
    names: dict[str, str] = {}
    for name, aliases in job_categories().items():
        for alias in aliases:
            names.setdefault(alias.lower(), name)
    names.update({name.lower(): name for name in job_categories()})
    return names


def canonical_job_category(text: str) -> str | None:
    """'采茶' → '采茶工'; an unknown name → None."""
    return _category_names().get(text.strip().lower())


# A posting whose job category nothing in its title or text names: on the shelf, found by its words, pushed to no one.
OTHER_CATEGORY = "其他"

# Provinces, autonomous regions and municipalities of mainland China (short name → full name), for place text
# like 浙江省绍兴市柯桥区 or 广东东莞.
PROVINCES: dict[str, str] = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市", "河北": "河北省", "山西": "山西省",
    "辽宁": "辽宁省", "吉林": "吉林省", "黑龙江": "黑龙江省", "江苏": "江苏省", "浙江": "浙江省", "安徽": "安徽省",
    "福建": "福建省", "江西": "江西省", "山东": "山东省", "河南": "河南省", "湖北": "湖北省", "湖南": "湖南省",
    "广东": "广东省", "海南": "海南省", "四川": "四川省", "贵州": "贵州省", "云南": "云南省", "陕西": "陕西省",
    "甘肃": "甘肃省", "青海": "青海省", "台湾": "台湾省", "内蒙古": "内蒙古自治区", "广西": "广西壮族自治区",
    "西藏": "西藏自治区", "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区",
    "澳门": "澳门特别行政区",
}
