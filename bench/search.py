"""Benchmark search: a worker's question against 100,000 and 1,000,000 open postings, SQLite and PostgreSQL.

The shelf is synthetic but reads like the real one: the demo county's job texts (storage/demo/data/jobs.yaml:
titles, pay texts, descriptions, requirements, age limits, benefits of 26 trades) varied with shift, term, pay
form, board and experience phrases, 40,000 distinct texts in all, 1 posting in 20 from a new enterprise (names
from brands, places and trades), places across the county's townships (15 %) and 60 cities of 12 provinces,
3 % near-duplicates (same enterprise, title and place), 7 % closed, 2 % awaiting approval, 4 % past their
deadline. Every posting's derived columns come from the product's `storage.posting_index.derive` (cached per
distinct text, as identical inputs give identical outputs); rows go in by bulk inserts (sqlite3 executemany,
PostgreSQL COPY) with the shelf's triggers and index dropped, then the index is built: that is `build_s`
(listing every posting + FTS5 rebuild + triggers; on PostgreSQL listing + GIN index + triggers + VACUUM ANALYZE).

Timed: `storage.queries.search.search_postings` (count, tiers, one page of ORM postings with their enterprise)
for 60 worker questions read by the trained NLU into criteria exactly as the chat does
(`flows.jobs.shelf_query`), some by a worker at home in 双福镇 aged 52, pages 1–3, after one warm-up pass;
`--rounds` passes. Also the import of a 20,000-row sheet (`bench/imports.py`'s `import_20k_rows_s`).
`--sizes 100000` runs smaller; without PostgreSQL installed its part is skipped with a message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import text

from storage import posting_index
from storage.db import Database
from storage.demo.reference import data, destinations, townships
from storage.migrate import upgrade
from storage.models import Enterprise, Posting
from storage.queries.search import ShelfQuery, search_postings, unlist_expired
from storage.queries.token_counts import fold
from storage.shelf import create_shelf, drop_shelf
from storage.states import PostingState

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)
VARIANTS = 40_000
# The throwaway server gets a production-like buffer cache (the default 128 MB would hold a tenth of the shelf).
PG_SETTINGS = {"shared_buffers": "1GB"}
CHUNK = 20_000
PROVINCES: dict[str, list[str]] = {
    "四川": ["成都", "乐山", "眉山", "雅安", "宜宾", "自贡", "内江", "绵阳", "德阳", "南充", "泸州", "达州"],
    "浙江": ["绍兴", "宁波", "杭州", "义乌", "温州", "嘉兴", "湖州", "台州"],
    "广东": ["东莞", "深圳", "广州", "佛山", "中山", "惠州", "珠海", "江门"],
    "江苏": ["苏州", "无锡", "常州", "南京", "昆山"],
    "福建": ["福州", "厦门", "泉州", "晋江"],
    "上海": ["上海"],
    "新疆": ["乌鲁木齐", "昌吉", "阿克苏"],
    "重庆": ["重庆"],
    "云南": ["昆明", "曲靖"],
    "贵州": ["贵阳", "遵义"],
    "湖北": ["武汉", "宜昌"],
    "山东": ["青岛", "济南", "潍坊"],
}
EXTRA = {
    "shift": ["", "", "长白班，", "两班倒，", "需上夜班，", "白班为主，", "三班倒，"],
    "term": ["", "", "长期稳定，", "短期用工，", "临时工，干完即结，", "签订劳动合同，", "旺季用工，"],
    "pay_form": ["", "", "工资日结，", "当天结算，", "工资月结，", "按件计酬，", "一周一结，"],
    "board": ["", "", "包吃住。", "提供食宿。", "包住不包吃。", "包午饭。", "提供员工宿舍。", "吃住自理。"],
    "insurance": ["", "", "购买五险。", "五险一金。", "缴纳社保。", "购买工伤保险。"],
    "experience": ["", "", "无经验可培训。", "新手可带学徒。", "有经验者优先。", "零基础包教包会。"],
    "extras": ["", "", "", "班车接送。", "夫妻可安排夫妻房。", "报销来回车费。"],
}
BRANDS = ["鑫源", "宏达", "金顶", "佛光", "天府", "瑞丰", "华西", "蜀信", "锦程", "福临", "安泰", "兴峨", "绿野", "茗香",
          "恒达", "永盛", "华美", "新宇", "长城", "东方", "嘉禾", "顺通", "汇丰", "创新", "德福", "利民"]
KINDS = {"茶叶": ["茶业有限公司", "茶叶专业合作社"], "纺织": ["纺织有限公司", "印染有限公司"], "电子": ["电子科技有限公司"],
         "建筑": ["建筑工程有限公司", "路桥工程项目部"], "酒店": ["酒店管理有限公司", "大酒店"], "物流": ["物流有限公司"],
         "家政": ["家政服务有限公司"], "农业": ["农业开发有限公司", "生态农场"], "制造": ["机械制造有限公司", "制衣厂"]}


@dataclass(frozen=True)
class Variant:
    category: str
    title: str
    description: str
    requirements: str
    benefits: str
    salary: tuple[int | None, int | None, str, str]
    seasonal: bool


def _texts(entries: list[Any]) -> list[str]:
    return [entry if isinstance(entry, str) else entry["t"] for entry in entries]


def _variant(rng: random.Random, category: str, spec: dict[str, Any], place: str) -> Variant:
    title = rng.choice(_texts(spec["titles"])).format(township=place, village="", city=place)
    option = rng.choice(spec["pay"])
    step = option.get("step") or 1
    low = rng.randrange(option["min"][0], option["min"][1] + 1, step)
    high = max(low, rng.randrange(option["max"][0], option["max"][1] + 1, step))
    salary = (None, None, option["unit"], "面议") if rng.random() < 0.05 else (
        low, high, option["unit"], option["text"].format(min=low, max=high))
    extra = "".join(rng.choice(EXTRA[k]) for k in ("pay_form", "term", "shift", "board", "insurance", "extras"))
    description = rng.choice(_texts(spec["descriptions"])).format(place=place, enterprise="本单位") + extra
    requirements = rng.sample(spec["requirements"], k=min(len(spec["requirements"]), rng.randint(1, 3)))
    ages = rng.choice(spec["ages"])
    if ages:
        requirements.insert(0, rng.choice(["年龄{0}-{1}岁", "{0}至{1}周岁", "年龄要求{0}～{1}岁"]).format(*ages))
    elif rng.random() < 0.3:
        requirements.insert(0, rng.choice(["50岁以下", "55周岁以内", "年满18周岁", "年龄不限"]))
    requirements.append(rng.choice(EXTRA["experience"]))
    benefits = "，".join(rng.sample(spec["benefits"], k=rng.randint(1, min(3, len(spec["benefits"])))))
    return Variant(category, title, description, "；".join(r for r in requirements if r), benefits, salary,
                   bool(spec["seasonal"]))


class Shelf:
    """Postings as rows (every column, derived ones included), enterprises as rows, deterministic by seed."""

    def __init__(self, seed: int = 13) -> None:
        self.rng = random.Random(seed)
        jobs = data("jobs")
        self.categories = list(jobs)
        self.weights = [4 if c in ("普工", "采茶工", "建筑工") else 2 if c in ("服务员", "保洁", "搬运工") else 1
                        for c in self.categories]
        county = list(townships())
        self.places: list[tuple[str | None, str, str]] = [(t, "峨眉山市", "四川") for t in county]
        self.places += [(None, city, province) for province, cities in PROVINCES.items() for city in cities]
        self.places += [(None, city, province) for city, province in destinations().items()
                        if (None, city, province) not in self.places]
        variants: dict[str, list[tuple[Variant, tuple[str | None, str, str]]]] = {c: [] for c in self.categories}
        per = VARIANTS // len(self.categories)
        for category in self.categories:
            for _ in range(per):
                place = self._place()
                variants[category].append((_variant(self.rng, category, jobs[category], place[0] or place[1]), place))
        self.variants = variants
        self.enterprises: list[dict[str, Any]] = []
        self.next_posting = 1

    def _place(self) -> tuple[str | None, str, str]:
        county = self.rng.random() < 0.15
        return self.rng.choice(self.places[:18] if county else self.places[18:])

    def _enterprise(self, place: tuple[str | None, str, str]) -> dict[str, Any]:
        industry = self.rng.choice(list(KINDS))
        number = len(self.enterprises) + 1
        name = f"{place[1]}{self.rng.choice(BRANDS)}{self.rng.choice(KINDS[industry])}{number}"
        row = {"id": number, "name": name, "industry": industry, "township": place[0], "city": place[1],
               "province": place[2], "address": "", "contact_name": "", "contact_phone": "", "description": "",
               "created_at": NOW - timedelta(days=120)}
        self.enterprises.append(row)
        return row

    def postings(self, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """`count` more postings and the enterprises they brought."""
        rng = self.rng
        known = len(self.enterprises)
        rows: list[dict[str, Any]] = []
        recent: list[dict[str, Any]] = []
        for _ in range(count):
            pid = self.next_posting
            self.next_posting += 1
            if recent and rng.random() < 0.03:
                row = dict(rng.choice(recent))  # a near-duplicate: re-posted by the same employer
                row.update(id=pid, external_id=None, deadline=TODAY + timedelta(days=rng.randint(1, 60)))
            else:
                category = rng.choices(self.categories, self.weights)[0]
                variant, place = rng.choice(self.variants[category])
                if self.enterprises and rng.random() > 0.05:
                    enterprise = rng.choice(self.enterprises)
                else:
                    enterprise = self._enterprise(place)
                low, high, unit, salary_text = variant.salary
                row = {
                    "id": pid, "external_id": None, "enterprise_id": enterprise["id"], "title": variant.title,
                    "job_category": category, "township": place[0], "village": None, "city": place[1],
                    "province": place[2], "address": "",
                    "openings": rng.randint(1, 60), "salary_min": low, "salary_max": high, "salary_unit": unit,
                    "salary_text": salary_text, "description": variant.description,
                    "requirements": variant.requirements, "age_min": None, "age_max": None,
                    "benefits": variant.benefits, "contact_name": "", "contact_phone": "", "start_date": None,
                    "deadline": TODAY + timedelta(days=rng.randint(-10, 60)) if rng.random() < 0.06
                    else TODAY + timedelta(days=rng.randint(1, 60)),
                    "seasonal": variant.seasonal, "enterprise": enterprise["name"],
                }
            row["status"] = rng.choices((PostingState.OPEN, PostingState.CLOSED, PostingState.PENDING), (91, 7, 2))[0]
            row["created_at"] = NOW - timedelta(seconds=(10_000_000 - pid) * 5)
            row.update(_derived(row))
            rows.append(row)
            recent.append(row)
            if len(recent) > 200:
                recent.pop(0)
        return rows, self.enterprises[known:]


# The product caches what it read of the last few thousand texts; the shelf repeats 40,000 of them.
posting_index.read_text = lru_cache(maxsize=None)(posting_index.read_text.__wrapped__)


def _derived(row: dict[str, Any]) -> dict[str, Any]:
    return {**posting_index.derive({**row, "age_min": None, "age_max": None}).columns(), "listed": False}


POSTING_COLUMNS = [c.name for c in Posting.__table__.columns]
ENTERPRISE_COLUMNS = [c.name for c in Enterprise.__table__.columns]
# A column the generated rows do not set gets the model's own scalar default (a bulk insert skips the ORM's), so a
# column added to the models later (review_note …) needs nothing here.
DEFAULTS = {table.name: {c.name: c.default.arg for c in table.columns if c.default is not None and c.default.is_scalar}
            for table in (Posting.__table__, Enterprise.__table__)}


def _values(rows: list[dict[str, Any]], columns: list[str], *, sqlite: bool) -> list[tuple[Any, ...]]:
    defaults = DEFAULTS["posting" if columns is POSTING_COLUMNS else "enterprise"]

    def cell(row: dict[str, Any], name: str) -> Any:
        value = row[name] if name in row else defaults.get(name)
        if sqlite and isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        if sqlite and isinstance(value, date):
            return value.isoformat()
        return value
    return [tuple(cell(row, name) for name in columns) for row in rows]


async def load(db: Database, size: int, shelf: Shelf) -> tuple[float, float]:
    """Fill an upgraded, empty database with `size` postings; returns (load seconds, index build seconds)."""
    async with db.engine.begin() as conn:
        await conn.run_sync(drop_shelf)
    start = time.perf_counter()
    if db.is_sqlite:
        path = db.url.database
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        for done in range(0, size, CHUNK):
            rows, enterprises = shelf.postings(min(CHUNK, size - done))
            if enterprises:
                conn.executemany(f"INSERT INTO enterprise ({','.join(ENTERPRISE_COLUMNS)}) VALUES "
                                 f"({','.join('?' * len(ENTERPRISE_COLUMNS))})",
                                 _values(enterprises, ENTERPRISE_COLUMNS, sqlite=True))
            conn.executemany(f"INSERT INTO posting ({','.join(POSTING_COLUMNS)}) VALUES "
                             f"({','.join('?' * len(POSTING_COLUMNS))})", _values(rows, POSTING_COLUMNS, sqlite=True))
            conn.commit()
            _progress(done + len(rows), size, start)
        conn.close()
    else:
        import asyncpg

        conn = await asyncpg.connect(db.url.set(drivername="postgresql").render_as_string(hide_password=False))
        for done in range(0, size, CHUNK):
            rows, enterprises = shelf.postings(min(CHUNK, size - done))
            if enterprises:
                await conn.copy_records_to_table("enterprise", records=_values(enterprises, ENTERPRISE_COLUMNS,
                                                                               sqlite=False),
                                                 columns=ENTERPRISE_COLUMNS)
            await conn.copy_records_to_table("posting", records=_values(rows, POSTING_COLUMNS, sqlite=False),
                                             columns=POSTING_COLUMNS)
            _progress(done + len(rows), size, start)
        await conn.execute("SELECT setval(pg_get_serial_sequence('posting', 'id'), (SELECT max(id) FROM posting))")
        await conn.execute("SELECT setval(pg_get_serial_sequence('enterprise', 'id'), "
                           "(SELECT max(id) FROM enterprise))")
        await conn.close()
    loaded = time.perf_counter() - start
    print(f"\n  loaded {size:,} postings in {loaded:.0f} s")
    start = time.perf_counter()
    async with db.engine.begin() as conn:
        await conn.run_sync(create_shelf)
    if db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    else:
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE posting"))
    built = time.perf_counter() - start
    print(f"  index built in {built:.1f} s")
    async with db.session() as session:  # the daily check, as the scheduler runs it (flows.shelf_search.daily_check)
        print(f"  daily check: {await unlist_expired(session, TODAY):,} postings past their deadline unlisted")
        await fold(session)
    return loaded, built


def _progress(done: int, size: int, start: float) -> None:
    print(f"\r  {done:,}/{size:,} postings ({time.perf_counter() - start:.0f} s)", end="", flush=True)


# --- questions ---------------------------------------------------------------------------------------------

# (question, asked by the worker at home in 双福镇 aged 52?) — what workers type, as in tests/data/dialogues
QUESTIONS: list[tuple[str, bool]] = [
    ("有没有采茶的工作", False), ("双福镇有采茶的活吗", False), ("日结的零工有没有", False), ("包吃住的普工", False),
    ("离家近的", True), ("我55了有没有活", False), ("有没有进厂的活路", False), ("绍兴有没有厂里的工作", False),
    ("东莞电子厂招人不", False), ("想去宁波进厂，包吃住那种", False), ("有没有夜班的活", False),
    ("有没有长期稳定的工作", False), ("不要经验的工作有没有", False), ("电焊工有没有", False), ("有没有保安的工作", False),
    ("保洁的活有吗", True), ("找个开车的工作", False), ("有没有月薪5000以上的", False), ("一天200以上的小工", False),
    ("工地上的活有没有", False), ("有没有五险一金的工作", False), ("成都有没有服务员的工作", False),
    ("有没有临时工，干几天那种", False), ("有没有两班倒的普工", False), ("印染厂有没有", False), ("有没有纺织厂", False),
    ("有没有计件的缝纫工", False), ("有没有夫妻房", False), ("有班车接送的工作吗", False), ("有没有家政保姆的活", True),
    ("养老护理有没有招人的", False), ("有没有厨师的工作", False), ("景区有招人的吗", False), ("导游有没有", False),
    ("有没有适合五十岁以上的岗位", False), ("50岁能做的活", False), ("离家近的保洁", True), ("近点的采茶工作", True),
    ("符溪镇附近有什么活", False), ("峨眉山市的工作", False), ("浙江包吃住的工作", False), ("广东有没有日结的", False),
    ("有没有快递员", False), ("送外卖的有没有", False), ("搬运工有没有日结的", False), ("木工活有没有", False),
    ("有没有装配工，计件的", False), ("服务员包吃住", False), ("酒店前台", False), ("有没有种植基地的工作", False),
    ("养猪场招人吗", False), ("销售工作有没有", False), ("钢筋工一天多少钱", False), ("制茶师傅有没有", False),
    ("有没有茶厂的活", False), ("有没有白班的工作", False), ("找工作", True), ("有没有活", False),
    ("新疆摘棉花有没有", False), ("有没有公益性岗位", False),
    # ordered by pay ("工资高点的": strictly by the figure, highest first)
    ("工资高点的普工", False), ("有没有工资高的活", False),
]


async def questions(county_home: str = "双福镇", age: int = 52) -> list[tuple[str, ShelfQuery]]:
    """The questions read by the trained NLU into shelf queries, as the chat reads them."""
    from flows.ranking import SearchCriteria
    from flows.shelf_search import shelf_query
    from nlu import load_nlu

    nlu = load_nlu()
    found = []
    for question, at_home in QUESTIONS:
        parse = nlu.parse(question, today=TODAY)
        criteria = SearchCriteria.from_parse(parse)
        found.append((question, shelf_query(criteria, today=TODAY, home=county_home if at_home else None,
                                            age=age if at_home else None)))
    return found


async def measure(db: Database, asked: list[tuple[str, ShelfQuery]], rounds: int,
                  label: str) -> tuple[dict[str, float], dict[str, int]]:
    """p50/p99 of `search_postings` over the questions, pages 1–3, after a warm-up pass; and each total."""
    times: list[float] = []
    slowest: dict[str, float] = {}
    totals: dict[str, int] = {}
    for round_ in range(rounds + 1):  # the first pass warms the caches and is not counted
        for question, query in asked:
            for page in (1, 2, 3):
                async with db.session() as session:
                    start = time.perf_counter()
                    found = await search_postings(session, query, page=page, page_size=5)
                    elapsed = (time.perf_counter() - start) * 1000
                if round_:
                    times.append(elapsed)
                    slowest[question] = max(slowest.get(question, 0.0), elapsed)
                totals[question] = found.total
    times.sort()
    p50 = statistics.median(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"  {label}: {len(times)} searches, p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {times[-1]:.1f} ms")
    print("  slowest questions: " + ", ".join(
        f"{q} ({ms:.0f} ms, {totals[q]:,} found)" for q, ms in sorted(slowest.items(), key=lambda kv: -kv[1])[:5]))
    return {"p50": round(p50, 2), "p99": round(p99, 2)}, totals


async def run_backend(backend: str, size: int, rounds: int, asked: list[tuple[str, ShelfQuery]],
                      base_url: str | None) -> tuple[dict[str, float], dict[str, int]]:
    label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}m"
    print(f"{backend}, {size:,} postings:")
    with tempfile.TemporaryDirectory(prefix="mishu-bench-search-") as folder:
        if backend == "sqlite":
            url = f"sqlite:///{Path(folder) / 'search.db'}"
        else:
            assert base_url is not None
            url = await _fresh_postgres(base_url)
        db = Database(url)
        await upgrade(db)
        _loaded, built = await load(db, size, Shelf())
        result, totals = await measure(db, asked, rounds, f"{backend} {label}")
        await db.dispose()
    return {f"search_p50_ms_{label}_{backend}": result["p50"], f"search_p99_ms_{label}_{backend}": result["p99"],
            f"index_build_s_{label}_{backend}": round(built, 1)}, totals


async def _fresh_postgres(base_url: str) -> str:
    name = f"bench_search_{os.getpid()}_{random.randrange(10**6)}"
    admin = Database(base_url)
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return base_url.rsplit("/", 1)[0] + f"/{name}"


def import_figure() -> float:
    """Seconds for the 20,000-row posting import into a fresh SQLite database (bench/imports.py)."""
    from bench.imports import import_20k_rows_s

    return float(import_20k_rows_s())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench search")
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated shelf sizes")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-import", action="store_true", help="skip the 20,000-row import")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    backends = [b for b in args.backends.split(",") if b]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    asked = asyncio.run(questions())
    figures: dict[str, Any] = {"questions": len(asked), "pages": 3}
    server = None
    if "postgresql" in backends:
        try:
            from tests.pg_server import PostgresServer

            server = PostgresServer(settings=PG_SETTINGS).start()
        except RuntimeError as exc:
            print(f"postgresql: skipped — {exc}", file=sys.stderr)
            backends.remove("postgresql")
    try:
        for size in sizes:
            seen: dict[str, dict[str, int]] = {}
            for backend in backends:
                found, seen[backend] = asyncio.run(run_backend(backend, size, args.rounds, asked,
                                                               server.url if server else None))
                figures.update(found)
            if len(seen) == 2:  # the same shelf on both: the same answers
                differ = [q for q, n in seen["sqlite"].items() if seen["postgresql"].get(q) != n]
                figures[f"totals_differ_{size}"] = len(differ)
                if differ:
                    print(f"  totals differ between the backends for: {', '.join(differ[:5])}")
    finally:
        if server is not None:
            server.stop()
    if not args.no_import:
        figures["import_20k_rows_s"] = round(import_figure(), 1)
    figures["load_average_end"] = round(os.getloadavg()[0], 1)
    print(json.dumps(figures, ensure_ascii=False))
    return 0
