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


class TestEmployers:
    """Binding employers, codes, and reviewing what they submit, from the command line."""

    POSTING = "明前茶采摘工\n对\n30人\n计件，月均3500元\n双福镇\n18-55岁\n包午饭\n刘会计 13800001111\n长期\n提交\n"

    def setup_db(self, tmp_path: Path) -> str:
        url = f"sqlite:///{tmp_path / 'e.db'}"
        assert mishu("db", "upgrade", "--db", url).returncode == 0
        sheet = tmp_path / "e.csv"
        sheet.write_text("企业编号,企业名称,所在乡镇\nE1,双福茶厂,双福镇\nE2,双福茶叶合作社,双福镇\nE3,绍兴纺织,\n",
                         encoding="utf-8")
        assert mishu("import", "enterprises", str(sheet), "--db", url).returncode == 0
        assert mishu("user", "grant", "--role", "admin", "--telegram-id", "1", "--db", url).returncode == 0
        return url

    def test_grant_binds_an_employer_to_one_enterprise(self, tmp_path: Path) -> None:
        url = self.setup_db(tmp_path)
        result = mishu("user", "grant", "--role", "employer", "--telegram-id", "555", "--enterprise", "绍兴",
                       "--db", url)
        assert result.returncode == 0 and "now employer of 绍兴纺织" in result.stdout, result.stderr
        for args, says in (  # (each call starts Python: a few cases, the rest are in tests/flows)
            (["--role", "employer"], "needs --enterprise"),
            (["--role", "employer", "--enterprise", "双福"], "matches several enterprises"),
        ):
            bad = mishu("user", "grant", "--telegram-id", "556", *args, "--db", url)
            assert bad.returncode == 2 and says in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, args

    def test_code_chat_pending_approve_reject_export(self, tmp_path: Path) -> None:
        url = self.setup_db(tmp_path)
        issued = mishu("employer", "code", "--enterprise", "双福茶厂", "--days", "3", "--db", url)
        assert issued.returncode == 0, issued.stderr
        code = issued.stdout.splitlines()[0]
        assert len(code) == 9 and code[4] == "-" and "valid until" in issued.stdout

        chat = mishu("chat", "--user", "boss", "--db", url,
                     stdin=f"我是企业，绑定码 {code}\n发布岗位\n{self.POSTING}发布岗位\n{self.POSTING}我的岗位\n")
        assert chat.returncode == 0, chat.stderr
        assert "绑定成功" in chat.stdout and chat.stdout.count("已提交") == 2 and "待审核" in chat.stdout

        pending = mishu("postings", "pending", "--db", url)
        assert pending.returncode == 0 and pending.stdout.count("明前茶采摘工") == 2 and "双福茶厂" in pending.stdout
        first, second = (line.split()[0].lstrip("#") for line in pending.stdout.splitlines())
        approved = mishu("postings", "approve", first, "--db", url)
        assert approved.returncode == 0 and "approved and published" in approved.stdout
        again = mishu("postings", "approve", first, "--db", url)
        assert again.returncode == 2 and "not waiting for review (it is open)" in again.stderr
        assert mishu("postings", "reject", second, "--db", url).returncode == 2  # --reason is required
        rejected = mishu("postings", "reject", second, "--reason", "请写明工作时间", "--db", url)
        assert rejected.returncode == 0 and "rejected" in rejected.stdout

        told = mishu("chat", "--as", "employer", "--user", "boss", "--db", url, stdin=f"查看岗位 {second}\n")
        assert "审核通过" in told.stdout and "请写明工作时间" in told.stdout  # the outbox, shown to the employer
        assert "未通过" in told.stdout

        exported = mishu("export", "postings", str(tmp_path / "p.xlsx"), "--db", url)
        assert exported.returncode == 0 and "postings: 1 rows" in exported.stdout
        figures = json.loads(mishu("stats", "--json", "--db", url).stdout)
        assert figures["postings_open"] == 1 and figures["openings"] == 30

    def test_the_demo_employer_in_the_terminal(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'demo.db'}"
        assert mishu("demo", "load", "--db", url).returncode == 0
        result = mishu("chat", "--as", "employer", "--db", url, stdin="你好\n我的岗位\n")
        assert result.returncode == 0, result.stderr
        assert "招聘联系人" in result.stdout and "招聘中" in result.stdout


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
