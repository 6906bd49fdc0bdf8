"""`python -m bench telegram`: updates through aiogram's dispatcher + NLU + flows + SQLite, against a bare echo bot.

Outgoing Bot API calls are captured in process by a session that answers like Telegram without a network,
so the figure is our own cost per update. Both bots run in the same process, one after the other, on the
same update texts; `ratio` = ours / bare throughput.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Chat, Message, User

TEXTS = ["你好", "有没有采茶的工作", "稳岗补贴咋个申请", "双福镇有没得活路", "有没有电焊培训", "去东莞的车好久走",
         "谢谢", "老板欠我工资", "我要找人工", "有没有工厂的活 五千以上"]
BOT_USER = User(id=42, is_bot=True, first_name="Mishu", username="mishu_bench_bot")


class CapturingSession(BaseSession):
    """Answers every Bot API call in process, as Telegram would for a successful send."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self._message_id = 0

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        self.calls += 1
        if isinstance(method, SendMessage):
            self._message_id += 1
            chat_id = int(method.chat_id)
            return Message(message_id=self._message_id, date=datetime.now(UTC), text=method.text,
                           chat=Chat(id=chat_id, type="private" if chat_id > 0 else "supergroup"), from_user=BOT_USER)
        if method.__api_method__ == "getMe":
            return BOT_USER
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no downloads in the benchmark")

    async def close(self) -> None:
        return None


def update(n: int, text: str, user: int) -> dict[str, Any]:
    return {"update_id": n, "message": {"message_id": n, "date": 1_700_000_000, "text": text,
                                        "chat": {"id": user, "type": "private", "first_name": "w"},
                                        "from": {"id": user, "is_bot": False, "first_name": "w"}}}


async def feed(dispatcher: Dispatcher, bot: Bot, count: int) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for n in range(count):
        raw = update(n + 1, TEXTS[n % len(TEXTS)], 10_000 + n % 50)
        t0 = time.perf_counter()
        await dispatcher.feed_raw_update(bot, raw)
        latencies.append((time.perf_counter() - t0) * 1000)
    return time.perf_counter() - started, latencies


def bare_dispatcher() -> Dispatcher:
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def run(count: int) -> dict[str, Any]:
    from bot.app import build_app
    from bot.channels.telegram.inbound import BotIdentity
    from bot.channels.telegram.service import build_dispatcher
    from bot.settings import load_settings
    from storage.demo import load_demo

    folder = Path(tempfile.mkdtemp(prefix="mishu-bench-"))
    settings = load_settings(database__url=f"sqlite:///{folder / 'bench.db'}")
    app = await build_app(settings, create_if_empty=True)
    await load_demo(app.db, today=date.today())
    print(f"demo county loaded; feeding {count} updates to each bot", flush=True)
    ours_session, bare_session = CapturingSession(), CapturingSession()
    ours_bot = Bot("42:BENCH", session=ours_session)
    bare_bot = Bot("42:BENCH", session=bare_session)
    ours, _ = build_dispatcher(app, BotIdentity(id=42, username="mishu_bench_bot"))
    bare = bare_dispatcher()
    await feed(ours, ours_bot, 20)  # warm up: model load, first queries
    await feed(bare, bare_bot, 20)
    ours_s, ours_lat = await feed(ours, ours_bot, count)
    bare_s, _ = await feed(bare, bare_bot, count)
    await app.close()
    ours_rate, bare_rate = count / ours_s, count / bare_s
    quantiles = statistics.quantiles(ours_lat, n=100)
    return {
        "updates_per_s": round(ours_rate, 1),
        "p50_ms": round(statistics.median(ours_lat), 2),
        "p99_ms": round(quantiles[98], 2),
        "bare_updates_per_s": round(bare_rate, 1),
        "ratio": round(ours_rate / bare_rate, 4),
        "bot_api_calls": ours_session.calls,
    }


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 1000
    figures = asyncio.run(run(count))
    print(json.dumps(figures))
    return 0
