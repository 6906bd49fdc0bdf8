"""Ask as a worker: what the assistant would answer a question, and why, with nothing kept.

The console's 政策 page lets staff type a question as a worker would. It goes through the assistant itself
(`Assistant.respond_in`: the same NLU, dialogue rules, flows and knowledge base as the chat) as the first message
of a new worker on the chat channel, inside a SAVEPOINT that is rolled back — so no person, conversation, service
contact or button token is left behind — and the knowledge base's top matches for the same text are read with the
function the policy flow answers from (`flows.policy.policy_matches`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from flows.assistant import Assistant
from flows.messages import Inbound, Reply
from flows.policy import PolicyMatch, policy_matches
from flows.turn import ParseLike

CHANNEL = "telegram"  # the worker's channel as the bureau runs it: replies with buttons
MAX_CHARS = 500  # a question, not a document


@dataclass(frozen=True)
class Probe:
    """What a worker asking `text` would get (`replies`, in the reader's script), what the turn was handled as,
    the NLU's reading of it, and the knowledge base's best policies with their scores."""

    text: str
    replies: list[Reply]
    handled_as: str
    parse: ParseLike | None
    matches: list[PolicyMatch]


def _hints(parse: ParseLike | None) -> list[str]:
    if parse is None:
        return []
    return [str(entity.value) for entity in parse.entities if entity.entity == "policy"]


async def ask_as_worker(
    session: AsyncSession, assistant: Assistant, text: str, *, asker: str, language: str, now: datetime,
) -> Probe:
    """The assistant's answer to `text` from a new worker (`asker` makes the probe's chat id, per staff member),
    computed in the caller's transaction and rolled back."""
    text = text.strip()[:MAX_CHARS]
    user = f"console-probe-{asker}"
    inbound = Inbound(channel=CHANNEL, user_id=user, chat_id=user, text=text, language_hint=language)
    savepoint = await session.begin_nested()
    try:
        response = await assistant.respond_in(session, inbound, now=now)
        today = now.astimezone(assistant.settings.zone).date()
        matches = await policy_matches(session, text, _hints(response.parse), today)
    finally:
        await savepoint.rollback()
    return Probe(text, response.replies, response.handled_as, response.parse, matches)
