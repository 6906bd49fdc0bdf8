"""The `mishu` command line: clear one-line errors for bad input, stats, scripted chat."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def mishu(*args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path | None = None):  # type: ignore[no-untyped-def]
    full_env = {**os.environ, **(env or {})}
    full_env.pop("MISHU_DATABASE__URL", None) if env is None or "MISHU_DATABASE__URL" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
        env=full_env, cwd=cwd or ROOT, timeout=120,
    )


class TestBadInput:
    @pytest.mark.parametrize("url", ["nonsense", "mysql://u@h/db", "postgresql://nobody@127.0.0.1:1/x"])
    def test_wrong_db_url_is_one_line(self, url: str) -> None:
        result = mishu("stats", "--db", url)
        assert result.returncode == 2
        assert result.stderr.strip().startswith("error:")
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1

    def test_missing_config_key_names_the_key_and_file(self, tmp_path: Path) -> None:
        config = (ROOT / "config.yaml").read_text(encoding="utf-8").replace("  hotline: \"12333\"\n", "")
        path = tmp_path / "config.yaml"
        path.write_text(config, encoding="utf-8")
        result = mishu("stats", env={"MISHU_CONFIG": str(path)})
        assert result.returncode == 2
        assert "bureau.hotline" in result.stderr and str(path) in result.stderr.replace("\n", "")
        assert "Traceback" not in result.stderr

    def test_unreadable_config_is_one_line(self, tmp_path: Path) -> None:
        result = mishu("stats", env={"MISHU_CONFIG": str(tmp_path / "absent.yaml")})
        assert result.returncode == 2 and "cannot read the config file" in result.stderr
        broken = tmp_path / "broken.yaml"
        broken.write_text("database: [unclosed\n", encoding="utf-8")
        result = mishu("stats", env={"MISHU_CONFIG": str(broken)})
        assert result.returncode == 2 and "not valid YAML" in result.stderr and "Traceback" not in result.stderr

    def test_secrets_in_the_config_file_are_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "config.yaml"
        path.write_text((ROOT / "config.yaml").read_text(encoding="utf-8") + "telegram_token: 1:abc\n", encoding="utf-8")
        result = mishu("stats", env={"MISHU_CONFIG": str(path)})
        assert result.returncode == 2 and "MISHU_TELEGRAM_TOKEN" in result.stderr

    def test_environment_overrides_the_file(self, tmp_path: Path) -> None:
        result = mishu("stats", env={"MISHU_DATABASE__URL": "mysql://x/y"})
        assert result.returncode == 2 and "mysql" in result.stderr


class TestDemoChat:
    def test_greeting_and_tea_postings_from_the_demo(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'demo.db'}"
        result = mishu("chat", "--db", url, stdin="你好\n有没有采茶的工作\n")
        assert result.returncode == 0, result.stderr
        assert "您好" in result.stdout
        assert "采茶" in result.stdout and "元/天" in result.stdout

    def test_stats_json_counts_the_demo(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'demo.db'}"
        assert mishu("demo", "load", "--db", url).returncode == 0
        result = mishu("stats", "--json", "--db", url)
        assert result.returncode == 0, result.stderr
        figures = json.loads(result.stdout)
        assert figures["enterprises"] >= 60 and figures["postings_open"] >= 300 and figures["workers"] >= 200

    def test_health_is_one_json_line_and_an_exit_code(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'demo.db'}"
        assert mishu("demo", "load", "--db", url).returncode == 0
        result = mishu("health", "--db", url)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["database"] == "ok"
        down = mishu("health", "--db", "postgresql://nobody@127.0.0.1:1/mishu")
        assert down.returncode == 1 and json.loads(down.stdout)["status"] == "unavailable"

    def test_outdated_database_is_refused(self, tmp_path: Path) -> None:
        import sqlite3

        path = tmp_path / "old.db"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
            conn.execute("INSERT INTO alembic_version VALUES ('0000old')")
        result = mishu("stats", "--db", f"sqlite:///{path}")
        assert result.returncode == 2 and "mishu db upgrade" in result.stderr

    def test_db_upgrade_brings_it_to_head(self, tmp_path: Path) -> None:
        result = mishu("db", "upgrade", "--db", f"sqlite:///{tmp_path / 'x.db'}")
        assert result.returncode == 0 and "schema revision" in result.stdout


class TestImportPolicies:
    def test_folder_imports_then_updates(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'p.db'}"
        assert mishu("db", "upgrade", "--db", url).returncode == 0
        first = mishu("import", "policies", "storage/demo/policies", "--db", url)
        assert first.returncode == 0 and "added" in first.stdout and " 0 updated" in first.stdout
        again = mishu("import", "policies", "storage/demo/policies", "--db", url)
        assert again.returncode == 0 and "0 added" in again.stdout

    def test_an_invalid_file_imports_nothing(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'p.db'}"
        assert mishu("db", "upgrade", "--db", url).returncode == 0
        folder = tmp_path / "policies"
        folder.mkdir()
        good = (ROOT / "storage/demo/policies/wengang_fanhuan.yaml").read_text(encoding="utf-8")
        (folder / "a.yaml").write_text(good, encoding="utf-8")
        (folder / "b.yaml").write_text("key: 半截政策\n", encoding="utf-8")
        result = mishu("import", "policies", str(folder), "--db", url)
        assert result.returncode == 2 and "b.yaml: missing required field 'title'" in result.stderr
        assert "0 added" not in result.stdout
        check = mishu("import", "policies", str(folder / "a.yaml"), "--db", url, "--dry-run")
        assert check.returncode == 0 and "nothing imported" in check.stdout
        stats = mishu("import", "policies", str(folder / "a.yaml"), "--db", url)
        assert "1 added" in stats.stdout  # the failed run above left nothing behind


class TestImportSheets:
    def test_example_spreadsheet_imports_once(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'i.db'}"
        assert mishu("db", "upgrade", "--db", url).returncode == 0
        first = mishu("import", "postings", "docs/examples/postings.xlsx", "--db", url)
        assert first.returncode == 0 and "6 added" in first.stdout, first.stderr
        again = mishu("import", "postings", "docs/examples/postings.csv", "--db", url)
        assert "0 added, 0 updated, 6 unchanged" in again.stdout

    def test_errors_have_row_numbers_and_nothing_is_imported(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'i.db'}"
        assert mishu("db", "upgrade", "--db", url).returncode == 0
        lines = (ROOT / "docs/examples/postings.csv").read_text(encoding="utf-8").splitlines()
        lines[3] = lines[3].replace(",40,", ",很多,")
        bad = tmp_path / "bad.csv"
        bad.write_text("\n".join(lines), encoding="utf-8")
        result = mishu("import", "postings", str(bad), "--db", url)
        assert result.returncode == 2 and "row 4, 招聘人数" in result.stderr and "nothing imported" in result.stderr
        stats = json.loads(mishu("stats", "--json", "--db", url).stdout)
        assert stats["postings_open"] == 0 and stats["enterprises"] == 0


    def test_the_enterprises_sheet_without_categories_dry_runs_then_imports(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'i.db'}"
        assert mishu("db", "upgrade", "--db", url).returncode == 0
        dry = mishu("import", "postings", "docs/examples/postings_from_enterprises.xlsx", "--db", url, "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert "row 2: 春茶采摘工 → 采茶工" in dry.stdout and "row 7: 叉车司机 → 司机" in dry.stdout
        assert "? unsure" in dry.stdout and "7 added" in dry.stdout and "nothing imported" in dry.stdout
        assert json.loads(mishu("stats", "--json", "--db", url).stdout)["postings_open"] == 0
        real = mishu("import", "postings", "docs/examples/postings_from_enterprises.xlsx", "--db", url, "--no-push")
        assert real.returncode == 0 and "postings: 7 added, 0 updated, 0 unchanged; 4 new enterprises" in real.stdout
        assert "row 2: 春茶采摘工" not in real.stdout  # an import lists only the unsure rows
        assert json.loads(mishu("stats", "--json", "--db", url).stdout)["postings_open"] == 7

    def test_database_conflicts_are_row_errors_in_the_dry_run_and_the_import(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'i.db'}"
        assert mishu("db", "upgrade", "--db", url).returncode == 0
        first = tmp_path / "e1.csv"
        first.write_text("企业编号,企业名称\nE1,双福茶厂\n", encoding="utf-8")
        assert mishu("import", "enterprises", str(first), "--db", url).returncode == 0
        second = tmp_path / "e2.csv"
        second.write_text("企业编号,企业名称\nE2,双福茶厂\n", encoding="utf-8")
        for extra in (["--dry-run"], []):
            result = mishu("import", "enterprises", str(second), "--db", url, *extra)
            assert result.returncode == 2 and "Traceback" not in result.stderr
            assert "row 2, 企业名称: '双福茶厂' is already the name of enterprise 编号 E1" in result.stderr


def test_export_workers_to_xlsx(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    url = f"sqlite:///{tmp_path / 'e.db'}"
    assert mishu("db", "upgrade", "--db", url).returncode == 0
    assert mishu("import", "workers", "docs/examples/workers.csv", "--db", url).returncode == 0
    out = tmp_path / "workers.xlsx"
    result = mishu("export", "workers", str(out), "--db", url)
    assert result.returncode == 0 and "3 rows" in result.stdout
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "姓名" and {r[1] for r in rows[1:]} == {"张德明", "李秀芳", "王建军"}


async def test_a_broadcast_one_message_cannot_hold_is_refused(tmp_path: Path) -> None:
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.models import ChannelIdentity, Person, WorkerProfile

    db = f"sqlite:///{tmp_path / 'notice.db'}"
    database = Database(db)
    await upgrade(database)
    async with database.session() as session:  # one worker on Telegram: 4,096 characters a message
        worker = Person(role="worker", name="张三", township="双福镇", profile=WorkerProfile())
        worker.identities.append(ChannelIdentity(channel="telegram", external_id="5001", chat_id="5001"))
        session.add(worker)
    await database.dispose()
    notice = tmp_path / "notice.md"
    notice.write_text("春茶采摘下周开始，请有意者联系就业秘书。" * 250, encoding="utf-8")  # 5,000 characters
    result = mishu("broadcast", "--audience", "all", "--file", str(notice), "--db", db)
    assert result.returncode == 2 and "too long for one telegram message" in result.stderr
    assert "Traceback" not in result.stderr
    notice.write_text("春茶采摘下周开始，请有意者联系就业秘书。", encoding="utf-8")
    result = mishu("broadcast", "--audience", "all", "--file", str(notice), "--db", db, "--dry-run")
    assert result.returncode == 0 and "1 recipients" in result.stdout
