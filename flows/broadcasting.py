"""Staff broadcasts in chat: /broadcast → text → audience (with a live count) → preview → now or later.

Admins only, in private chat. The same audience words as `mishu broadcast` are accepted when typed; the
notice leaves through the outbox, and the sender can refresh a progress report or withdraw what has not gone.
`queue_broadcast` makes every broadcast, here, in the console (bot/web/broadcasts.py) and from the command line.
A preview's send buttons keep what it showed (audience, count, text version): pressed after the audience changed,
they send nothing and a fresh preview is shown. A notice one message cannot hold on some recipient's channel is
refused before the preview.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from flows import forms
from flows.answers import TOWNSHIP_SUFFIXES, match_name, parse_yes_no
from flows.audience import AudienceError, describe_audience, parse_audience
from flows.channels import too_long_for
from flows.forms import END, Data, Form, Invalid, Step
from flows.messages import Reply, reply_to_dict
from flows.router import Router
from flows.secretary import staff_only
from flows.turn import Turn
from storage.models import Broadcast
from storage.queries.broadcasts import (
    audience_recipients,
    broadcast_report,
    cancel_broadcast,
    create_broadcast,
)
from storage.states import Role
from storage.vocabulary import townships

router = Router("broadcasting")
log = logging.getLogger(__name__)

FORM = "broadcast"
ADMINS = (Role.ADMIN,)
MORNING = time(9, 0)
BY_TOWNSHIP = "__township"
SEND_WORDS = frozenset({"发", "发送", "发吧", "立即发送", "马上发", "现在发", "send", "send now"})


@router.command("broadcast")
async def begin(turn: Turn) -> None:
    if not staff_only(turn, ADMINS):
        return
    await forms.start(turn, BROADCAST)


async def ask_text(turn: Turn, data: Data) -> None:
    turn.say(turn.t("broadcast.ask_text"))


async def answer_text(turn: Turn, data: Data, value: str, pressed: bool) -> str:
    return value.strip()


async def ask_audience(turn: Turn, data: Data) -> None:
    choices = [
        forms.choice(turn, turn.t("broadcast.all"), "all"),
        forms.choice(turn, turn.t("broadcast.seeking"), "status=seeking"),
        forms.choice(turn, turn.t("broadcast.by_township"), BY_TOWNSHIP),
        forms.choice(turn, turn.t("broadcast.groups"), "groups"),
    ]
    turn.say(turn.t("broadcast.ask_audience"), forms.rows(choices, 2))


async def answer_audience(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if value == BY_TOWNSHIP:
        return BY_TOWNSHIP
    township = None if pressed else match_name(value, townships(), TOWNSHIP_SUFFIXES)
    if township is not None:
        return await _fitting(turn, data, {"township": [township]})
    try:
        return await _fitting(turn, data, parse_audience(value))
    except AudienceError as exc:
        return Invalid("broadcast.bad_audience", reason=str(exc))


async def ask_township(turn: Turn, data: Data) -> None:
    choices = [forms.choice(turn, name, name) for name in townships()]
    turn.say(turn.t("broadcast.ask_township"), forms.rows(choices, 3))


async def answer_township(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    township = match_name(value, townships(), TOWNSHIP_SUFFIXES)
    if not township:
        return Invalid("broadcast.bad_township", example=townships()[0])
    return await _fitting(turn, data, {"township": [township]})


async def _fitting(turn: Turn, data: Data, audience: dict[str, Any]) -> Any:
    """The audience, or END when the notice is longer than one message on some recipient's channel (a broadcast
    is one message for everyone: refused rather than sent in pieces)."""
    recipients = await audience_recipients(turn.session, audience)
    narrow = too_long_for(str(data.get("text", "")), (r.channel for r in recipients))
    if narrow is None:
        return audience
    turn.say(turn.t("broadcast.too_long", most=narrow.characters))
    return END


def _audience(data: Data) -> dict[str, Any]:
    chosen = data.get("township") if data.get("audience") == BY_TOWNSHIP else data.get("audience")
    return dict(chosen or {})


def text_version(text: str) -> str:
    """A short fingerprint of the notice's text, kept in the preview's buttons."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def ask_confirm(turn: Turn, data: Data) -> None:
    """The preview; its send buttons keep the audience, count and text version it shows."""
    audience = _audience(data)
    count = len(await audience_recipients(turn.session, audience))
    shown = {"audience": audience, "count": count, "version": text_version(str(data.get("text", "")))}
    turn.say(
        turn.t("broadcast.preview", count=count, audience=describe_audience(audience), text=data.get("text", "")),
        [[forms.choice(turn, turn.t("broadcast.send_now"), "now", **shown),
          forms.choice(turn, turn.t("broadcast.send_morning"), "morning", **shown)],
         [forms.choice(turn, turn.t("broadcast.cancel"), "cancel")]],
    )


async def _changed_since_preview(turn: Turn, data: Data) -> str | None:
    """Why the pressed preview no longer shows what would be sent (None: it still does)."""
    shown, audience = turn.args, _audience(data)
    if shown.get("audience") != audience:
        return turn.t("broadcast.stale_audience", audience=describe_audience(shown.get("audience") or {}))
    if shown.get("version") != text_version(str(data.get("text", ""))):
        return turn.t("broadcast.stale_text")
    count = len(await audience_recipients(turn.session, audience))
    if count != shown.get("count"):
        return turn.t("broadcast.stale_count", shown=shown.get("count"), count=count)
    return None


async def answer_confirm(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if pressed and value in ("now", "morning"):
        if turn.token is not None and turn.token.action == "form.answer":  # a button, not a typed "1"
            changed = await _changed_since_preview(turn, data)
            if changed is not None:
                return Invalid("broadcast.stale", reason=changed)  # said, then a fresh preview
        return value
    if value == "cancel" or not pressed and parse_yes_no(value) is False:
        turn.say(turn.t("common.cancelled"))
        return END
    if not pressed and (value.strip().lower() in SEND_WORDS or parse_yes_no(value) is True):
        return "now"
    return Invalid("broadcast.use_buttons")


def next_morning(now: datetime, zone: ZoneInfo) -> datetime:
    """The "tomorrow morning" choice: 09:00 bureau time today if it is not yet 09:00, else tomorrow."""
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=1 if local.time() >= MORNING else 0)
    return datetime.combine(day, MORNING, tzinfo=zone)


def _send_at(turn: Turn, when: str) -> datetime:
    return next_morning(turn.now, turn.settings.zone) if when == "morning" else turn.now


async def queue_broadcast(
    session: AsyncSession, *, author_id: int | None, text: str, audience: dict[str, Any], send_at: datetime,
    now: datetime,
) -> tuple[Broadcast, int]:
    """The one way a broadcast is made (the chat, the console, `mishu broadcast`): stored with its audience, and
    one outbox message per recipient held until `send_at` (a time already past means now). Returns the broadcast
    and how many messages were queued."""
    send_at = max(send_at, now)
    broadcast, queued = await create_broadcast(
        session, author_id=author_id, text=text, audience=audience, send_at=send_at,
        payload=reply_to_dict(Reply(text=text)), now=now,
    )
    log.info("broadcast %s queued: %s messages by %s", broadcast.id, queued, author_id or "the command line")
    return broadcast, queued


async def send(turn: Turn, data: Data) -> None:
    """The admin confirmed: the notice is queued for everyone in the audience."""
    if not staff_only(turn, ADMINS):
        return
    send_at = _send_at(turn, str(data.get("confirm")))
    broadcast, queued = await queue_broadcast(turn.session, author_id=turn.person.id, text=data["text"],
                                              audience=_audience(data), send_at=send_at, now=turn.now)
    local = send_at.astimezone(turn.settings.zone).strftime("%m-%d %H:%M")
    turn.say(turn.t("broadcast.queued", id=broadcast.id, count=queued, at=local), _progress_buttons(turn, broadcast.id))


BROADCAST = forms.register_form(Form(FORM, (
    Step("text", ask_text, answer_text, relay=True, sample="双福镇春茶采摘下周开始，有意者请联系就业秘书。"),
    Step("audience", ask_audience, answer_audience, sample="按乡镇"),
    Step("township", ask_township, answer_township, when=lambda data: data.get("audience") == BY_TOWNSHIP,
         sample="双福镇"),
    Step("confirm", ask_confirm, answer_confirm, sample="立即发送"),
), send))


def _progress_buttons(turn: Turn, broadcast_id: int) -> list[list]:  # type: ignore[type-arg]
    return [[turn.button(turn.t("broadcast.refresh"), "broadcast.progress", id=broadcast_id),
             turn.button(turn.t("broadcast.withdraw"), "broadcast.withdraw", id=broadcast_id)]]


@router.action("broadcast.progress")
async def progress(turn: Turn) -> None:
    if not staff_only(turn, ADMINS):
        return
    broadcast_id = int(turn.args["id"])
    report = await broadcast_report(turn.session, broadcast_id)
    turn.say(turn.t("broadcast.report", id=broadcast_id, **report), _progress_buttons(turn, broadcast_id), edit=True)


@router.action("broadcast.withdraw", once=True)
async def withdraw(turn: Turn) -> None:
    if not staff_only(turn, ADMINS):
        return
    withdrawn = await cancel_broadcast(turn.session, int(turn.args["id"]))
    turn.say(turn.t("broadcast.withdrawn", count=withdrawn))


