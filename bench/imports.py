"""Benchmark imports: a 20,000-row posting sheet as enterprises send it (no 工种 column), SQLite and PostgreSQL.

The sheet has the columns enterprises use — 企业名称, 岗位名称, 招聘人数, 薪资待遇, 工作地点, 联系人, 联系电话, 截止日期,
岗位要求 — and no 工种: titles, pay texts, descriptions and requirements are the demo county's job texts
(storage/demo/data/jobs.yaml) with varied shifts and grades, 2,000 enterprises, places written every way staff
see them (峨眉山市双福镇永兴村茶园, 峨眉山景区, 浙江省绍兴市柯桥区, 东莞), openings sometimes 若干, dates in six forms.

Timed, as `mishu import postings FILE` does it before pushing: read the file (XLSX, then CSV), check every cell,
read each row's job category from its title and text (the guesser built from the trained NLU and loaded from its
cache, as the command does), and write everything in one transaction (`flows.imports.run_import`) into an empty
database; then the same file again (nothing changes: the idempotent re-import). `write_s` is how long the write
transaction — and so SQLite's write lock — lasted. `--backend postgresql` (the default runs both) starts a
throwaway server (tests/pg_server.py) unless `--db` gives one; without PostgreSQL installed that part is skipped
with a message. `measure_import(url, path)` and `import_20k_rows_s()` are importable (`bench search` reports the
figure too).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from storage.demo.reference import data, destinations, townships

ROWS = 20_000
NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
HEADER = ["企业名称", "岗位名称", "招聘人数", "薪资待遇", "工作地点", "联系人", "联系电话", "截止日期", "岗位要求"]
GRADES = ["", "", "", "（长白班）", "（两班倒）", "（夜班）", "学徒", "熟手", "（临时）", "（长期）", "储备", "（计件）"]
BRANDS = ["鑫源", "宏达", "金顶", "佛光", "天府", "瑞丰", "华西", "蜀信", "锦程", "福临", "安泰", "兴峨", "绿野", "茗香"]
KINDS = ["有限公司", "有限责任公司", "专业合作社", "厂", "项目部", "酒店", "物业服务有限公司"]
PROVINCE_OF = {"浙江": "浙江省", "广东": "广东省", "江苏": "江苏省", "福建": "福建省", "四川": "四川省", "上海": "", "新疆": ""}


def _fill(text: str, township: str, village: str, city: str, enterprise: str) -> str:
    return text.format(township=township, village=village, city=city, place=f"{township}{village}",
                       enterprise=enterprise, min="", max="")


def _texts(entries: list[Any]) -> list[str]:
    return [entry if isinstance(entry, str) else entry["t"] for entry in entries]


def _pay(rng: random.Random, spec: dict[str, Any]) -> str:
    low = rng.randrange(spec["min"][0], spec["min"][1] + 1, spec.get("step", 1) or 1)
    high = max(low, rng.randrange(spec["max"][0], spec["max"][1] + 1, spec.get("step", 1) or 1))
    roll = rng.random()
    if roll < 0.05:
        return "面议"
    if roll < 0.1 and spec["unit"] == "month":
        return f"计件,月均{high}元"
    if roll < 0.15 and spec["unit"] == "month":
        return f"{low}元/月以上"
    return spec["text"].format(min=low, max=high)


def _place(rng: random.Random) -> tuple[str, str, str, str]:
    """(as written, township, village, city) for a work place inside or outside the county."""
    county = townships()
    if rng.random() < 0.75:
        township = rng.choice(list(county))
        village = rng.choice(county[township]) if county[township] else ""
        form = rng.random()
        if form < 0.3:
            written = f"峨眉山市{township}{village}{rng.choice(['茶园', '基地', '', '厂区', '工地'])}"
        elif form < 0.5:
            written = f"{township}{village}"
        elif form < 0.6:
            written = "峨眉山景区"
        elif form < 0.8:
            written = township
        else:
            written = f"四川省乐山市峨眉山市{township}"
        return written, township, village, "峨眉山市"
    city, province = rng.choice(sorted(destinations().items()))
    prefix = PROVINCE_OF.get(province, f"{province}省")
    district = rng.choice(["", "", "柯桥区", "高新区", "经济开发区", "长安镇"])
    written = rng.choice([f"{prefix}{city}市{district}", f"{province}{city}", city]) if prefix else city
    return written, "", "", city


def _deadline(rng: random.Random, day: date) -> str:
    return rng.choice([day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}.{day.month}.{day.day}",
                       f"{day.year}年{day.month}月{day.day}日", f"{day.year}年{day.month}月{day.day}号", "长期"])


def generate_rows(count: int = ROWS, seed: int = 7) -> list[list[str]]:
    """`count` distinct posting rows in the enterprises' sheet shape (no 工种 column)."""
    rng = random.Random(seed)
    jobs = data("jobs")
    categories = list(jobs)
    weights = [6 if c == "采茶工" else 3 if c in ("普工", "建筑工", "制茶工") else 1 for c in categories]
    enterprises = [f"{rng.choice(['峨眉山', '峨眉山市', '乐山', '绍兴', '东莞'])}{rng.choice(BRANDS)}"
                   f"{rng.choice(['茶业', '电子', '建材', '纺织', '旅游', '建设', '餐饮', '农业'])}{rng.choice(KINDS)}{i}"
                   for i in range(2000)]
    rows, seen = [], set()
    start = date(2027, 3, 1)
    while len(rows) < count:
        category = rng.choices(categories, weights)[0]
        job = jobs[category]
        enterprise = rng.choice(enterprises)
        written, township, village, city = _place(rng)
        title = _fill(rng.choice(_texts(job["titles"])), township or "双福镇", village or "永兴村", city, enterprise)
        title += rng.choice(GRADES)
        key = (enterprise, title, township or city)
        if key in seen:
            continue
        seen.add(key)
        low, high = job["openings"]
        openings = "若干" if rng.random() < 0.1 else rng.choice([f"{rng.randint(low, high)}", f"{rng.randint(low, high)}人"])
        requirements = "；".join(rng.sample(job["requirements"], k=min(2, len(job["requirements"]))))
        description = _fill(rng.choice(_texts(job["descriptions"])), township, village, city, enterprise)
        rows.append([enterprise, title, openings, _pay(rng, rng.choice(job["pay"])), written,
                     rng.choice(["王经理", "李主任", "张女士", "陈师傅"]), f"1380000{rng.randrange(10000):04d}",
                     _deadline(rng, start + timedelta(days=rng.randint(0, 120))), f"{requirements}。{description}"])
    return rows


def write_xlsx(rows: list[list[str]], path: Path) -> Path:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("岗位需求")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(rows: list[list[str]], path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def load_guesser() -> Any:
    """The category guesser as `mishu import` loads it (trained NLU and guesser from their caches)."""
    from flows.categories import JobCategoryGuesser
    from nlu import load_nlu

    return JobCategoryGuesser.cached(load_nlu())


async def _time_import(url: str, path: Path, guesser: Any) -> dict[str, Any]:
    from flows.imports import run_import
    from flows.turn import FlowSettings
    from storage.db import Database
    from storage.importing.importer import check_file
    from storage.migrate import upgrade

    db = Database(url)
    try:
        await upgrade(db)
        figures: dict[str, Any] = {}
        for attempt in ("first", "again"):
            started = time.perf_counter()
            checked = check_file("postings", path, guesser)
            checked_at = time.perf_counter()
            outcome = await run_import(db, checked, now=NOW, settings=FlowSettings())
            done = time.perf_counter()
            if not outcome.ok:
                raise RuntimeError(f"the generated sheet did not import: {outcome.report.errors[:3]}")
            report = outcome.report
            figures[attempt] = {"total_s": round(done - started, 2), "read_check_s": round(checked_at - started, 2),
                                "write_s": round(outcome.write_seconds, 2), "added": report.added,
                                "updated": report.updated, "unchanged": report.unchanged,
                                "unsure": sum(1 for r in checked.rows if r.inferred and not r.inferred.sure),
                                "other": sum(1 for r in checked.rows if r.values["job_category"] == "其他")}
        return figures
    finally:
        await db.dispose()


def measure_import(url: str, path: Path, guesser: Any | None = None) -> dict[str, Any]:
    """Import `path` into the empty database at `url` twice; the figures of both runs (seconds, counts)."""
    return asyncio.run(_time_import(url, path, guesser or load_guesser()))


def import_20k_rows_s(folder: Path | None = None, guesser: Any | None = None) -> float:
    """The headline figure: seconds to import the generated 20,000-row XLSX into a fresh SQLite database."""
    with tempfile.TemporaryDirectory() as temporary:
        where = Path(folder or temporary)
        path = write_xlsx(generate_rows(), where / "postings_20k.xlsx")
        return float(measure_import(f"sqlite:///{where / 'import.db'}", path, guesser)["first"]["total_s"])


def _postgres(args: argparse.Namespace) -> tuple[str | None, Any]:
    if args.db and args.db.startswith("postgres"):
        return args.db, None
    try:
        from tests.pg_server import PostgresServer

        server = PostgresServer().start()
    except (RuntimeError, OSError) as exc:
        print(f"skipping PostgreSQL: {exc}", file=sys.stderr)
        return None, None
    return server.url, server


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench imports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--db", help="an empty PostgreSQL database URL (default: a throwaway server)")
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"rows": args.rows}
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        rows = generate_rows(args.rows)
        xlsx, csv_path = write_xlsx(rows, Path(folder) / "postings.xlsx"), write_csv(rows, Path(folder) / "postings.csv")
        print(f"generated {len(rows)} rows in {time.perf_counter() - started:.1f} s "
              f"({xlsx.stat().st_size // 1024} KB XLSX, {csv_path.stat().st_size // 1024} KB CSV)", file=sys.stderr)
        started = time.perf_counter()
        guesser = load_guesser()
        figures["guesser_load_s"] = round(time.perf_counter() - started, 2)
        runs: dict[str, dict[str, Any]] = {}
        if args.backend in ("both", "sqlite"):
            for name, path in (("xlsx", xlsx), ("csv", csv_path)):
                runs[f"sqlite_{name}"] = measure_import(f"sqlite:///{Path(folder) / f'{name}.db'}", path, guesser)
                print(f"sqlite {name}: {runs[f'sqlite_{name}']}", file=sys.stderr)
        if args.backend in ("both", "postgresql"):
            url, server = _postgres(args)
            try:
                if url:
                    runs["postgresql_xlsx"] = measure_import(url, xlsx, guesser)
                    print(f"postgresql xlsx: {runs['postgresql_xlsx']}", file=sys.stderr)
            finally:
                if server is not None:
                    server.stop()
    key = "import_20k_rows_s" if args.rows == ROWS else f"import_{args.rows}_rows_s"
    if "sqlite_xlsx" in runs:
        figures[key] = runs["sqlite_xlsx"]["first"]["total_s"]
        figures[f"{key.removesuffix('_s')}_write_s"] = runs["sqlite_xlsx"]["first"]["write_s"]
        figures[f"reimport_{key.removeprefix('import_')}"] = runs["sqlite_xlsx"]["again"]["total_s"]
        figures[f"{key.removesuffix('_s')}_csv_s"] = runs["sqlite_csv"]["first"]["total_s"]
        figures["unsure_rows"] = runs["sqlite_xlsx"]["first"]["unsure"]
        figures["other_rows"] = runs["sqlite_xlsx"]["first"]["other"]
    if "postgresql_xlsx" in runs:
        figures[f"{key}_postgresql"] = runs["postgresql_xlsx"]["first"]["total_s"]
        figures[f"{key.removesuffix('_s')}_write_s_postgresql"] = runs["postgresql_xlsx"]["first"]["write_s"]
        figures[f"reimport_{key.removeprefix('import_')}_postgresql"] = runs["postgresql_xlsx"]["again"]["total_s"]
    print(json.dumps(figures, ensure_ascii=False))
    return 0
