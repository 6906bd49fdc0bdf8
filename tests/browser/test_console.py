"""The console in a real browser on the demo county: sign in through a link (the overview's charts drawn),
lockout, a refused URL, a form without its CSRF token, a secretary's follow-up recorded on the day page and seen
on the worker's card, and a sheet with an error previewed, fixed and imported."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD, ConsoleServer, set_password, shot
from tests.storage.sheet_files import write_csv, write_xlsx

pytestmark = pytest.mark.browser


def test_sign_in_through_a_link_and_look_around(console_server: ConsoleServer, new_page) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    page.goto(console_server.links["admin1"])
    assert "设置密码" in page.content()
    shot(page, "01-invite")
    set_password(page, console_server.links["admin1"], "admin1")
    page.wait_for_selector("#chart-weekly canvas")  # ECharts drew into a canvas
    assert page.locator(".figure").count() >= 10 and "登记劳动者" in page.content()
    shot(page, "02-overview")
    page.click("text=劳动者")
    page.wait_for_selector("#workers-table")
    assert page.locator("#workers-table tbody tr").count() == 50  # one page of the demo's 200
    shot(page, "03-workers")
    page.click("#workers-table tbody tr:first-child a")
    page.wait_for_selector("#phone")
    masked = page.inner_text("#phone")
    assert "*" in masked
    page.click("#reveal-phone")
    page.wait_for_selector("#phone-full")
    assert re.fullmatch(r"\d{11}", page.inner_text("#phone-full"))
    shot(page, "04-worker")
    page.click("text=审计日志")
    page.wait_for_selector("#audit-table")
    assert "worker.phone" in page.content() and "password.set" in page.content()
    shot(page, "05-audit")
    phone = new_page(390, 844)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(console_server.base + "/followups")
    shot(phone, "06-followups-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than a phone


def test_five_wrong_passwords_lock_the_account(console_server: ConsoleServer, new_page) -> None:  # type: ignore[no-untyped-def]
    first = new_page()
    set_password(first, console_server.invite("sec3"), "sec3")
    page = new_page()
    page.goto(console_server.base + "/signin")
    for attempt in range(5):
        page.fill("input[name=login]", "sec3")
        page.fill("input[name=password]", f"not-it-{attempt}")
        page.click("button.primary")
        page.wait_for_selector("#signin-message")
    message = page.inner_text("#signin-message")
    assert "登录失败次数过多" in message and "1 分钟后再试" in message
    page.fill("input[name=login]", "sec3")
    page.fill("input[name=password]", PASSWORD)  # the right one: still locked
    page.click("button.primary")
    page.wait_for_selector("#signin-message")
    assert "分钟后再试" in page.inner_text("#signin-message")
    shot(page, "07-locked")


def _visible_ids(page, base: str) -> set[int]:  # type: ignore[no-untyped-def]
    ids: set[int] = set()
    number = 1
    while True:
        data = json.loads(page.goto(f"{base}/workers?format=json&page={number}").text())
        ids |= {row["id"] for row in data["workers"]}
        if len(ids) >= data["total"] or not data["workers"]:
            return ids
        number += 1


def test_a_secretary_opening_another_townships_worker_by_url_is_refused(  # type: ignore[no-untyped-def]
    console_server: ConsoleServer, new_page
) -> None:
    admin = new_page()
    set_password(admin, console_server.invite("admin2"), "admin2")
    everyone = _visible_ids(admin, console_server.base)
    secretary = new_page()
    set_password(secretary, console_server.links["sec1"], "sec1")
    mine = _visible_ids(secretary, console_server.base)
    assert mine and len(mine) < len(everyone)
    other = min(everyone - mine)
    response = secretary.goto(f"{console_server.base}/workers/{other}")
    assert response.status == 403 and "此次访问已记录" in secretary.content()
    shot(secretary, "08-refused")
    admin.goto(f"{console_server.base}/audit?action=refused.scope")
    assert f"worker {other}" in admin.inner_text("#audit-table")


def test_a_form_posted_without_its_csrf_token_is_refused(console_server: ConsoleServer, new_page) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    set_password(page, console_server.invite("sec2"), "sec2")
    page.goto(console_server.base + "/workers")
    page.click("#workers-table tbody tr:first-child a")
    page.wait_for_selector("textarea[name=text]")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    page.fill("textarea[name=text]", "这条备注没有令牌")
    page.click("text=保存备注")
    page.wait_for_selector("#refusal")
    assert "安全令牌" in page.inner_text("#refusal")
    page.go_back()
    page.reload()
    assert "这条备注没有令牌" not in page.content()


def test_an_outcome_on_the_day_page_shows_on_the_workers_card(console_server: ConsoleServer, new_page) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    set_password(page, console_server.invite("sec1"), "sec1")
    page.goto(console_server.base + "/followups")
    row = page.locator("li.followup").first
    row.wait_for()
    worker_href = row.locator("a").first.get_attribute("href")
    worker_name = row.locator("a").first.inner_text()
    shot(page, "09-followups")
    row.locator("button[data-outcome=training]").click()
    page.wait_for_selector("li.followup.done")
    assert "已记录：需要培训" in page.locator("li.followup.done").first.inner_text()
    page.goto(f"{console_server.base.removesuffix('/console')}{worker_href}")
    assert worker_name in page.inner_text("h1")
    assert "培训中" in page.inner_text("h1")  # the status the outcome set
    followups = page.inner_text("#followups")
    assert "需培训" in followups or "需要培训" in followups
    shot(page, "10-worker-after-outcome")


SHEET_HEADER = ["岗位编号", "企业名称", "岗位名称", "工种", "招聘人数", "薪资待遇", "工作地点", "联系电话", "截止日期"]
SHEET_GOOD = [
    ["E2E-1", "浏览器测试茶业有限公司", "浏览器春茶采摘工", "采茶工", "30", "130-170元/天", "双福镇", "0833-5521234",
     "2027-03-31"],
    ["E2E-2", "浏览器测试印染有限公司", "浏览器印染操作工", "普工", "12", "5000-6500元/月", "浙江绍兴", "13800005678",
     "2027-02-28"],
]
# Row 3 (the second data row): openings that are not a number, no place, a day February does not have.
SHEET_BAD = [SHEET_GOOD[0], [*SHEET_GOOD[1][:4], "很多", SHEET_GOOD[1][5], "", SHEET_GOOD[1][7], "2027-02-30"]]


def test_a_sheet_with_an_error_is_previewed_fixed_and_imported(  # type: ignore[no-untyped-def]
    console_server: ConsoleServer, new_page, tmp_path: Path
) -> None:
    page = new_page()
    set_password(page, console_server.invite("admin2"), "admin2")
    page.goto(console_server.base + "/postings")
    page.click("#to-import")
    page.wait_for_selector("#import-file")
    page.set_input_files("#import-file", str(write_csv(tmp_path / "岗位.csv", [SHEET_HEADER, *SHEET_BAD], "gbk")))
    page.click("#import-preview")
    page.wait_for_selector("#row-errors")
    assert "什么都没有导入" in page.inner_text("#import-failed")
    errors = [tuple(cell.strip() for cell in row.inner_text().split("\t")[:2])
              for row in page.locator("#row-errors tbody tr").all()]
    assert ("3", "招聘人数") in errors and ("3", "工作地点") in errors and ("3", "截止日期") in errors
    assert page.locator("#import-confirm").count() == 0  # nothing to import from a sheet with errors
    shot(page, "11-import-errors")
    fixed = write_xlsx(tmp_path / "岗位.xlsx", [SHEET_HEADER, *SHEET_GOOD])
    page.set_input_files("#import-file", str(fixed))
    page.click("#import-preview")
    page.wait_for_selector("#import-ready")
    assert "检查通过：共 2 行，将新增 2" in page.inner_text("#import-ready")
    page.goto(console_server.base + "/postings?q=浏览器")
    assert "浏览器春茶采摘工" not in page.content()  # the preview wrote nothing
    page.go_back()
    page.wait_for_selector("#import-file")
    page.set_input_files("#import-file", str(fixed))
    page.click("#import-preview")
    page.click("#import-confirm")
    page.wait_for_selector("#import-done")
    assert "导入完成：新增 2" in page.inner_text("#import-done")
    shot(page, "12-import-done")
    page.goto(console_server.base + "/postings?q=浏览器")
    listed = page.content()
    assert "浏览器春茶采摘工" in listed and "浏览器印染操作工" in listed


def test_asking_as_a_worker_on_the_policies_page_shows_the_answer_and_the_top_match(  # type: ignore[no-untyped-def]
    console_server: ConsoleServer, new_page
) -> None:
    page = new_page()
    set_password(page, console_server.invite("sec2"), "sec2")
    page.click("text=政策")
    page.wait_for_selector("#policies-table")
    assert page.locator("#policies-table tbody tr").count() >= 10  # the demo county's knowledge base
    assert page.locator("#policy-import-form").count() == 0  # importing is for admins
    page.fill("#ask-question", "回乡开个农家乐有没有补助")
    page.click("#ask")
    page.wait_for_selector("#probe-matches")  # swapped in by htmx, no reload
    first = page.locator("#probe-matches tbody tr").first
    assert first.get_attribute("data-key") == "返乡创业补贴"
    assert float(first.locator(".score").inner_text()) > 0
    assert page.inner_text("#probe-intent") == "policy_question"
    assert "返乡入乡创业一次性补贴" in page.inner_text("#probe-replies")
    shot(page, "13-policies-ask")
