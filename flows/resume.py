"""Carrying a conversation from a group into the private chat: a deep link that restores the list shown.

A group gets one compact numbered list and a link button `https://t.me/<bot>?start=ctx_<token>`; the token
stores that list and its criteria (readable by whoever opens the link: a group's lists are public there), and
`/start ctx_<token>` in the private chat makes it that chat's context and shows it again, so "第一个" works.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flows.access import private_chat_buttons
from flows.dialogue import TOPIC_INTENT, Context, Move, Resolution
from flows.messages import Button
from flows.router import Router
from flows.turn import Turn
from storage.queries.conversation import find_token, issue_token

router = Router("resume")

RESTORE = "context.restore"
PAYLOAD_PREFIX = "ctx"  # /start ctx_<token>
ANYONE = "*"  # the token's user: anyone who opens the link


def continue_in_private(turn: Turn) -> list[list[Button]]:
    """A link button into the private chat that picks up this chat's context there (none without a bot name)."""
    if not turn.settings.bot_username or turn.context is None:
        return []
    token = issue_token(
        turn.session, channel=turn.inbound.channel, user_id=ANYONE, action=RESTORE,
        args={"context": turn.context.to_dict()},
        expires_at=turn.now + timedelta(hours=turn.settings.button_ttl_hours),
    )
    return private_chat_buttons(turn, f"{PAYLOAD_PREFIX}_{token}", "dialogue.continue_private")


@router.intent("resume_context")
async def resume(turn: Turn) -> None:
    """`/start ctx_<token>`: the list from the group, shown again here (or a greeting if the link is stale)."""
    token = await find_token(turn.session, turn.command_argument.strip()) if turn.command_argument else None
    stored = token.args.get("context") if token and token.action == RESTORE and token.expires_at >= turn.now else None
    context = Context.from_dict(stored) if isinstance(stored, dict) else None
    if context is None or turn.continue_topic is None:
        turn.say(turn.t("dialogue.link_expired"))
        return
    turn.context = replace(context, at=turn.now, focus=None, previous=None)
    turn.handled_as = TOPIC_INTENT[context.topic]
    await turn.continue_topic(Resolution(Move.SHOW, turn.handled_as, context.topic))
