"""What staff do in the console reaching a worker on Telegram: `mishu run` polling the Bot API emulator (a real Bot
API server process) with the console beside it; a worker registers in the emulator's chat, an admin composes a
broadcast in the browser and it arrives in that chat; the worker asks for a person, a reply typed on the request's
page arrives there too. Both leave through the outbox and the delivery worker, as in production."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import EmulatorUser, ServedBot, set_password, shot

pytestmark = pytest.mark.browser

WORKER = 710001
NAME = "刘浏览"


@pytest.fixture(scope="module")
def worker(served_bot: ServedBot) -> EmulatorUser:
    """A worker registered through the chat (shared contact, 双福镇), as tests/bot/test_telegram.py registers one."""
    user = served_bot.user(WORKER)
    user.say("/start register", expect="同意")
    user.press("同意", expect="怎么称呼")
    user.say(NAME, expect="手机")
    user.say(contact={"phone_number": "+8613812340001", "user_id": WORKER, "first_name": NAME}, expect="乡镇")
    user.press("双福镇", expect="村")
    user.press("永兴村", expect="工作")
    user.press("采茶工", expect="✓ 采茶工")
    user.press("选好了", expect="工资")
    user.say("三千以上", expect="什么时候")
    user.press("明天", expect="返乡")
    user.press("没有外出", expect="登记好了")
    return user


def admin_page(served_bot: ServedBot, new_page, login: str):  # type: ignore[no-untyped-def]
    page = new_page()
    set_password(page, served_bot.console.invite(login), login)
    return page


def test_a_broadcast_composed_in_the_browser_reaches_the_worker_in_the_emulator(  # type: ignore[no-untyped-def]
    served_bot: ServedBot, worker: EmulatorUser, new_page
) -> None:
    page = admin_page(served_bot, new_page, "admin1")
    page.click("text=广播")
    page.wait_for_selector("#compose-form")
    text = "浏览器测试广播：明天上午九点双福镇采茶专场招聘会"
    page.fill("#compose-form textarea[name=text]", text)
    page.click("#compose-form details:has(input[name=township]) summary")  # the townships fold open
    page.check("#compose-form input[name=township][value=双福镇]")
    page.wait_for_selector("#audience-workers")  # the live count
    page.click("#preview")
    page.wait_for_selector("#as-seen")
    assert text in page.inner_text("#as-seen")
    before = worker.snapshot()
    page.click("#send")
    page.wait_for_url(re.compile(r".*/broadcasts/\d+.*"))
    arrived = worker.wait_for(text, before)  # delivered by `mishu run`'s outbox worker to the Bot API server
    assert text in arrived
    shot(page, "14-broadcast-sent")


def test_a_reply_to_a_hand_off_typed_in_the_browser_arrives_in_the_emulator_chat(  # type: ignore[no-untyped-def]
    served_bot: ServedBot, worker: EmulatorUser, new_page
) -> None:
    worker.say("我要找人工", expect="就业秘书")
    page = admin_page(served_bot, new_page, "admin2")
    page.click("text=求助")
    page.wait_for_selector(f"text={NAME}")
    page.click(f"text={NAME}")
    page.wait_for_selector("#reply-form")
    assert "我要找人工" in page.content()  # the conversation so far
    reply = "刘大姐您好，我是就业服务中心的，明天上午给您打电话"
    page.fill("#reply-text", reply)
    before = worker.snapshot()
    page.click("#send-reply")
    page.wait_for_selector(f"#thread >> text={reply}")
    assert reply in worker.wait_for(reply, before)
    shot(page, "15-request-replied")
