"""Phone and ID numbers never reach the logs: masking rules over every shape people type, the masking factory
under any logger, and whole `mishu chat` sessions with SQL logging on."""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.harness import Conversation
from bot.privacy import mask, setup_logging
from flows.assistant import Assistant
from storage.db import Database
from tests.bot.test_cli import mishu
from tests.conftest import NOW
from tests.flows.registration_helpers import add_staff, scripted

PHONE = "13812345678"
ID_NUMBER = "51118119800101123X"
FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789+-.X"}


def digits_of(text: str) -> str:
    """The text with widths folded and separators gone: a number in any shape becomes its bare digits."""
    return re.sub(r"[\s\-.·+]", "", unicodedata.normalize("NFKC", text)).upper()


# --- shapes people type ------------------------------------------------------------------------------------

SEPARATORS = st.sampled_from(["", " ", "-", ".", " - ", "－", "．", "  "])


@st.composite
def phones(draw: st.DrawFn) -> tuple[str, str]:
    """(as typed, bare digits): 3-4-4 groups or none, +86/0086/86 before it, half or full width."""
    number = "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    sep = draw(SEPARATORS)
    typed = sep.join((number[:3], number[3:7], number[7:])) if draw(st.booleans()) else number
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "+86-", "0086", "86 ", "＋８６"]))
    typed = prefix + typed
    if draw(st.booleans()):
        typed = typed.translate(FULL_WIDTH)
    return typed, number


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(as typed, bare): 18 characters ending in a digit or X (x), or 15 digits; grouped or not; any width."""
    if draw(st.booleans()):
        number = draw(st.text("0123456789", min_size=17, max_size=17)) + draw(st.sampled_from("0123456789Xx"))
    else:
        number = draw(st.text("0123456789", min_size=15, max_size=15))
    typed = " ".join((number[:6], number[6:14], number[14:])) if draw(st.booleans()) else number
    if draw(st.booleans()):
        typed = typed.translate(FULL_WIDTH)
    return typed, number.upper()


def _digit_like(ch: str) -> bool:
    return any(c.isdecimal() or c in "Xx" for c in unicodedata.normalize("NFKC", ch))


# Words around the number: anything that does not run into it (a digit right next to it makes a longer number).
BEFORE = st.text(max_size=15).filter(lambda s: not _digit_like(s[-1:]))
AFTER = st.text(max_size=15).filter(lambda s: not _digit_like(s[:1]))


class TestMask:
    @pytest.mark.parametrize(
        ("text", "masked"),
        [
            ("call 13812345678", "call 138****5678"),
            ("+86 138-1234-5678", "+86 138****5678"),
            ("id 51118119800101123X ok", "id 511181********123X ok"),
            ("old id 511181800101123.", "old id 511181*****1123."),
            ("１３８１２３４５６７８", "138****5678"),
            ("138.1234.5678", "138****5678"),
            ("order 2026030212345678", "order 2026030212345678"),  # not a phone: a longer digit run
            ("at 2026-03-02 01:30:00.123456 chat -1001234567890", "at 2026-03-02 01:30:00.123456 chat -1001234567890"),
        ],
    )
    def test_rules(self, text: str, masked: str) -> None:
        assert mask(text) == masked

    @given(phones(), BEFORE, AFTER)
    def test_no_phone_in_any_shape_survives(self, phone: tuple[str, str], before: str, after: str) -> None:
        typed, number = phone
        out = mask(f"{before}{typed}{after}")
        assert number not in digits_of(out)
        assert out.startswith(before[:-1]) and out.endswith(after[1:])  # the words around it stay

    @given(id_numbers(), BEFORE, AFTER)
    def test_no_id_number_in_any_shape_survives(self, id_number: tuple[str, str], before: str, after: str) -> None:
        typed, number = id_number
        assert number not in digits_of(mask(f"{before}{typed}{after}"))

    @given(st.lists(st.one_of(phones(), id_numbers()), min_size=1, max_size=4), st.text(max_size=10))
    def test_several_in_one_line(self, numbers: list[tuple[str, str]], glue: str) -> None:
        line = ("，" + glue + "，").join(typed for typed, _ in numbers)
        out = digits_of(mask(line))
        assert all(number not in out for _, number in numbers)


class TestEveryLoggerIsMasked:
    def test_a_library_logger_with_its_own_handler(self) -> None:
        """Masking happens where records are made: a handler nobody filtered (SQLAlchemy's echo) is masked too."""
        stream = io.StringIO()
        logger = logging.getLogger("some.library")
        own = logging.StreamHandler(stream)
        logger.addHandler(own)
        logger.propagate = False
        try:
            logger.warning("params: %r", ("１３８ １２３４ ５６７８", ID_NUMBER))
            try:
                raise ValueError(f"bad id {ID_NUMBER}")
            except ValueError:
                logger.exception("failed for %s", "138.1234.5678")
        finally:
            logger.removeHandler(own)
            logger.propagate = True
        out = stream.getvalue()
        assert "Traceback" in out and "138****5678" in out
        assert PHONE not in digits_of(out) and ID_NUMBER not in digits_of(out)


async def test_a_full_session_logs_no_personal_numbers(sqlite_db: Database) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    handler = setup_logging("DEBUG", stream, sql=True)  # SQL parameters carry the phone number
    try:
        await add_staff(sqlite_db)
        chat = Conversation(Assistant(sqlite_db, scripted()), user_id="w1", now=NOW)
        await chat.say("我要登记")
        await chat.press("同意")
        await chat.say("刘大姐")
        await chat.say("１３８ １２３４ ５６７８")
        await chat.press("双福镇")
        logging.getLogger("mishu.test").info("worker %s gave id %s", PHONE, ID_NUMBER)
    finally:
        handler.flush()
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
        root.handlers[:], root.level = saved
    log = stream.getvalue()
    assert "INSERT INTO" in log and "138****5678" in log  # the numbers were there to be masked
    assert PHONE not in digits_of(log) and ID_NUMBER not in digits_of(log)


class TestTheCommandLine:
    SESSION = "\n".join([
        "我要登记", "同意", "刘大姐", "138.1234.5678", "双福镇", "永兴村", "采茶", "跳过", "跳过", "未外出",
        f"我的身份证号是 {ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}，老身份证 511181800101123",
        "我的电话是 +86-138-1234-5678，也可以打１３８１２３４５６７８", "/mydata",
    ]) + "\n"

    def test_mishu_chat_with_sql_echo_logs_no_personal_numbers(self, tmp_path: Path) -> None:
        result = mishu(
            "chat", "--user", "newcomer", "--db", f"sqlite:///{tmp_path / 'echo.db'}", stdin=self.SESSION,
            env={"MISHU_DATABASE__ECHO": "true", "MISHU_LOGGING__LEVEL": "INFO"},
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert "登记好了" in result.stdout and "13812345678" in result.stdout  # /mydata shows the person their data
        logs = result.stderr
        assert "INSERT INTO person" in logs and "UPDATE person SET" in logs  # SQL was logged, parameters too
        assert "138****5678" in logs
        bare = digits_of(logs)
        assert PHONE not in bare and ID_NUMBER not in bare and "511181800101123" not in bare

    def test_mishu_chat_follows_the_configured_level(self, tmp_path: Path) -> None:
        db = f"sqlite:///{tmp_path / 'level.db'}"
        quiet = mishu("chat", "--db", db, stdin="你好\n", env={"MISHU_LOGGING__LEVEL": "ERROR"})
        assert quiet.returncode == 0 and " INFO " not in quiet.stderr and " DEBUG " not in quiet.stderr
        chatty = mishu("chat", "--db", db, stdin="你好\n", env={"MISHU_LOGGING__LEVEL": "DEBUG"})
        assert chatty.returncode == 0 and " DEBUG " in chatty.stderr
