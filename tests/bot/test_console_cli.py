"""`mishu user invite` (a one-time sign-in link for a staff member) and the HTTP server's address settings."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import load_settings
from tests.bot.test_cli import ROOT, mishu


def test_invite_prints_a_link_for_staff_and_refuses_others(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'invite.db'}"
    assert mishu("db", "upgrade", "--db", db).returncode == 0
    granted = mishu("user", "grant", "--role", "secretary", "--telegram-id", "777001", "--name", "王秘书", "--db", db)
    assert granted.returncode == 0, granted.stderr
    done = mishu("user", "invite", "--telegram-id", "777001", "--db", db,
                 env={"MISHU_WEB__PUBLIC_URL": "https://mishu.example.gov.cn/console"})
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"https://mishu\.example\.gov\.cn/console/invite/[A-Za-z0-9_-]{40,}\n", done.stdout)
    plain = mishu("user", "invite", "--telegram-id", "777001", "--db", db)
    assert plain.stdout.startswith("http://127.0.0.1:8081/console/invite/")  # web.listen_host / listen_port
    assert plain.stdout != done.stdout  # a new link each time
    nobody = mishu("user", "invite", "--telegram-id", "5", "--db", db)
    assert nobody.returncode == 2 and "grant a role first" in nobody.stderr
    assert mishu("user", "grant", "--role", "worker", "--telegram-id", "777002", "--db", db).returncode == 0
    worker = mishu("user", "invite", "--telegram-id", "777002", "--db", db)
    assert worker.returncode == 2 and "only secretaries and admins" in worker.stderr


def test_the_webhooks_old_listen_keys_are_still_read(tmp_path: Path) -> None:
    config = (ROOT / "config.yaml").read_text(encoding="utf-8")
    old = config.replace("  listen_host: 127.0.0.1\n  listen_port: 8081\n", "").replace(
        "    path: /telegram/webhook", "    listen_host: 0.0.0.0\n    listen_port: 9090\n    path: /telegram/webhook")
    assert old != config
    path = tmp_path / "config.yaml"
    path.write_text(old, encoding="utf-8")
    settings = load_settings(path)
    assert settings.http_address == ("0.0.0.0", 9090)
    assert settings.console_url == "http://127.0.0.1:9090/console"
    assert load_settings(ROOT / "config.yaml", web__listen_port=8090).http_address == ("127.0.0.1", 8090)
