"""Every step of every registered form, driven with anything a person can type or press (hypothesis, real NLU).

For each way into each form (tests/flows/forms_walk.py), the form is walked with valid answers to step k, then
one arbitrary input is sent (each from the same stored run: the run is put back before every input): text (CJK, Latin, digits, huge numbers, emoji, blanks, control characters, very
long text), commands (/start, /cancel, /apply 99999999999999999999 …), or a button: the current one, one of an
earlier step, of an earlier or another form's run, of an expired run, or a token nobody issued. Whatever it
was: no exception, at least one reply, and the form advanced, asked the same question again, or ended.

CI runs a fixed, derandomised profile (a few examples per step); `MISHU_FORM_FUZZ=deep` runs many more.
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.forms import FORMS
from flows.messages import Button, Reply
from storage.db import Database
from storage.migrate import upgrade
from storage.queries.conversation import find_token, issue_token
from tests.flows.forms_walk import (
    ENTRIES,
    NOW,
    Entry,
    Env,
    Walked,
    make_env,
    position,
    restore,
    steps_of,
    walk,
)

settings.register_profile(
    "forms-ci", max_examples=5, derandomize=True, deadline=None, database=None,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile("forms-deep", max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
PROFILE = "forms-deep" if os.environ.get("MISHU_FORM_FUZZ") == "deep" else "forms-ci"

# What people actually type at a form, besides random text: every step's sample (so each step also gets the
# answers of the others), questions, yes/no, cancel in its variants, numbers of every shape, dates out of range.
TYPED = sorted(
    {step.sample for form in FORMS.values() for step in form.steps if step.sample}
    | {
        "取消", "取消。", "算了吧", "不要了！", "ＣＡＮＣＥＬ", "cancel", "/cancel", "退出", "取消!!",
        "有没有采茶的工作", "包车几点走？", "稳岗补贴怎么申请", "你是机器人吗", "找人工", "工资拖欠了咋办",
        "符溪镇的呢", "订座", "订票", "帮我订车", "订阅", "退订", "我要登记", "我要报名培训",
        "是", "不是", "没", "没有", "没问题", "没听懂", "好的", "嗯", "不", "否", "OK", "no",
        "2", "１", "第一个", "二号", "0", "-1", "1.5", "4", "5", "10", "两个", "99",
        "9999年1月1号", "2026-13-45", "0000-00-00", "昨天", "去年", "明年", "3月10号",
        "😀", "👍", "🙏🙏", "", " ", "\n", "\u3000", "\t", "。。。", "？？", "……",
        "Ｊｏｈｎ", "阿依古丽·买买提", "王a", "x", "null", "None", "<script>", "' OR 1=1 --",
    }
)
COMMANDS = [
    "/start", "/start register", "/start apply_99999999999999999999", "/help", "/register", "/profile",
    "/mydata", "/apply 99999999999999999999", "/apply ²", "/apply -1", "/jobs", "/bus", "/training",
    "/worker 99999999999999999999", "/reply 1 你好", "/today", "/broadcast", "/lang", "/subscribe",
    "/unsubscribe", "/nonsense", "/",
]
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=12),
    st.sampled_from(TYPED),
    st.sampled_from(COMMANDS),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.integers(min_value=1, max_value=400).map(lambda n: "9" * n),
    st.builds(lambda n: f"/apply {n}", st.integers(min_value=0, max_value=10**25)),
    st.builds(lambda piece, n: piece * n, st.sampled_from(["采", "a ", "😀", "\x00", "1"]), st.integers(200, 4000)),
    st.builds(lambda a, b: a + b, st.sampled_from(TYPED), st.text(max_size=8)),
)
PRESSES = ("current", "answered", "earlier_run", "other_form", "unknown", "expired_run", "old_token")
ACTION = st.one_of(TEXT.map(lambda text: ("say", text)), st.sampled_from(PRESSES).map(lambda p: ("press", p)))


def test_every_registered_form_has_a_way_in() -> None:
    """A form added to the registry without an entry in forms_walk.ENTRIES fails here, not silently unfuzzed."""
    assert {entry.form for entry in ENTRIES} == set(FORMS)


async def _token(env: Env, walked: Walked, *, form: str, run: str, step: str, hours: float = 1) -> str:
    async with env.db.session() as session:
        return issue_token(
            session, channel=walked.chat.channel, user_id=walked.chat.user_id, action="form.answer",
            args={"form": form, "run": run, "step": step, "value": "1"},
            expires_at=(walked.chat.now or NOW) + timedelta(hours=hours), single_use=True,
        )


async def _press(env: Env, entry: Entry, walked: Walked, kind: str) -> tuple[list[Any], bool]:
    """Press a button of the given kind; returns the replies and whether it was a live button of this step."""
    chat, at = walked.chat, walked.at
    current = chat.buttons()
    assert at.step is not None
    if kind == "current" and current:
        return await chat.press(1), True
    if kind == "answered" and walked.earlier_buttons:
        chat.last = []
        return await chat._send(chat._inbound(callback=walked.earlier_buttons[0].callback)), False
    if kind == "other_form":
        other = next(name for name in sorted(FORMS) if name != entry.form)
        token = await _token(env, walked, form=other, run="0badc0de", step=FORMS[other].steps[0].name)
    elif kind == "expired_run" and current:
        chat.now = (chat.now or NOW) + timedelta(hours=3)  # the form timed out; its buttons have not
        return await chat.press(1), True
    elif kind == "old_token" and current:
        chat.now = (chat.now or NOW) + timedelta(days=4)  # past the buttons' lifetime too
        return await chat.press(1), True
    elif kind == "unknown":
        token = "no-such-token"
    else:  # an earlier run of this very form, at this very step
        token = await _token(env, walked, form=entry.form, run="0badc0de", step=at.step)
    return await chat._send(chat._inbound(callback=token)), False


async def _fresh_current_button(env: Env, walked: Walked) -> None:
    """The current question's first button again, as a new token (an earlier example may have used it)."""
    chat = walked.chat
    buttons = chat.buttons()
    if not buttons:
        return
    async with env.db.session() as session:
        token = await find_token(session, buttons[0].callback or "")
        assert token is not None
        fresh = issue_token(session, channel=token.channel, user_id=token.user_id, action=token.action,
                            args=dict(token.args), expires_at=token.expires_at, single_use=token.single_use)
    chat.last = [Reply(text=walked.question, buttons=[[Button(label=buttons[0].label, callback=fresh)]])]


def _fingerprint(reply: Reply) -> tuple[object, ...]:
    """The same question asked again: the same choices, else the same first line (the rest may show live data,
    such as the seats left, which other inputs may have changed meanwhile)."""
    labels = tuple(button.label for row in reply.buttons for button in row)
    return labels if labels else (reply.text.split("\n", 1)[0],)


async def _check(env: Env, entry: Entry, steps: list[str], walked: Walked, action: tuple[str, str]) -> None:
    await restore(env, walked)
    chat, before = walked.chat, walked.at
    if action[0] == "press" and action[1] in ("current", "expired_run", "old_token"):
        await _fresh_current_button(env, walked)
    kind, what = action
    if kind == "say":
        replies, live = await chat.say(what), False
    else:
        replies, live = await _press(env, entry, walked, what)
    after = await position(env, chat)
    said = f"{entry.name} at {before.step}: {action!r} → {chat.text()[:300]!r}"
    assert replies, f"no reply: {said}"
    if after.form != before.form or after.run != before.run or after.form is None:
        return  # ended (done, cancelled, declined, expired) or replaced by another form the person asked for
    assert after.step in steps, said
    if after.step == before.step:
        if not live:  # a live button may toggle a choice in place; anything else asks the question again
            assert _fingerprint(chat.last[-1]) == _fingerprint(walked.replies[-1]), f"not asked again: {said}"
    else:
        assert steps.index(after.step) > steps.index(before.step), f"went backwards: {said}"


def _fuzzer(loop: asyncio.AbstractEventLoop, env: Env, entry: Entry, steps: list[str], walked: Walked) -> Any:
    """A hypothesis test of one step of the entry's form (one per step, so every step gets its examples)."""

    @settings(settings.get_profile(PROFILE))
    @given(action=ACTION)
    def fuzz(action: tuple[str, str]) -> None:
        loop.run_until_complete(_check(env, entry, steps, walked, action))

    return fuzz


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.name for entry in ENTRIES])
def test_any_input_at_any_step(entry: Entry, tmp_path: Any, trained_nlu: Any) -> None:
    loop = asyncio.new_event_loop()
    db = Database(f"sqlite:///{tmp_path / 'forms.db'}")
    try:
        loop.run_until_complete(upgrade(db))
        env = loop.run_until_complete(make_env(db, trained_nlu))
        steps = loop.run_until_complete(steps_of(env, entry))
        assert steps, entry.name
        for k in range(len(steps)):
            walked = loop.run_until_complete(walk(env, entry, k))
            _fuzzer(loop, env, entry, steps, walked)()
    finally:
        loop.run_until_complete(db.dispose())
        loop.close()
