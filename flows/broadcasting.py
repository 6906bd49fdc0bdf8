"""Staff broadcasts in chat: /broadcast → text → audience (with a live count) → preview → now or later.

Admins only, in private chat. The same audience words as `mishu broadcast` are accepted when typed; the
notice leaves through the outbox, and the sender can refresh a progress report or withdraw what has not gone.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, time, timedelta
from typing import Any

from flows.audience import AudienceError, describe_audience, parse_audience
from flows.channels import too_long_for
from flows.messages import Reply, reply_to_dict
from flows.router import Router
from flows.secretary import staff_only
from flows.turn import Turn, form_expiry
from storage.queries.broadcasts import (
    audience_recipients,
    broadcast_report,
    cancel_broadcast,
    create_broadcast,
)
from storage.vocabulary import townships

router = Router("broadcasting")
log = logging.getLogger(__name__)

FORM = "broadcast"
ADMINS = ("admin",)
MORNING = time(9, 0)


def _start(turn: Turn, step: str, **data: object) -> None:
    turn.state.form, turn.state.step = FORM, step
    turn.state.data = {**(turn.state.data or {}), **data}
    turn.state.expires_at = form_expiry(turn)


def _end(turn: Turn) -> None:
    turn.state.form = turn.state.step = None
    turn.state.data = {}
    turn.state.expires_at = None


@router.command("broadcast")
async def begin(turn: Turn) -> None:
    if not staff_only(turn, ADMINS):
        return
    _start(turn, "text")
    turn.state.data = {}
    turn.say(turn.t("broadcast.ask_text"))


def _audience_buttons(turn: Turn) -> list[list]:  # type: ignore[type-arg]
    return [
        [turn.button(turn.t("broadcast.all"), "broadcast.audience", audience="all"),
         turn.button(turn.t("broadcast.seeking"), "broadcast.audience", audience="status=seeking")],
        [turn.button(turn.t("broadcast.by_township"), "broadcast.townships"),
         turn.button(turn.t("broadcast.groups"), "broadcast.audience", audience="groups")],
    ]


@router.form(FORM)
async def typed(turn: Turn) -> None:
    text = turn.inbound.text.strip()
    if turn.state.step == "text":
        if not text:
            turn.say(turn.t("broadcast.ask_text"))
            return
        _start(turn, "audience", text=text)
        turn.say(turn.t("broadcast.ask_audience"), _audience_buttons(turn))
    elif turn.state.step == "audience":
        await _preview(turn, text)
    else:
        turn.say(turn.t("broadcast.use_buttons"))


@router.action("broadcast.townships")
async def choose_township(turn: Turn) -> None:
    if not staff_only(turn, ADMINS):
        return
    names = townships()
    buttons = [[turn.button(n, "broadcast.audience", audience=f"township={n}") for n in names[i : i + 3]]
               for i in range(0, len(names), 3)]
    turn.say(turn.t("broadcast.ask_township"), buttons)


@router.action("broadcast.audience")
async def chosen(turn: Turn) -> None:
    if not staff_only(turn, ADMINS) or turn.state.form != FORM:
        if turn.state.form != FORM:
            turn.say(turn.t("common.unknown_button"))
        return
    await _preview(turn, str(turn.args["audience"]))


async def _preview(turn: Turn, audience_text: str) -> None:
    try:
        audience = parse_audience(audience_text)
    except AudienceError as exc:
        turn.say(turn.t("broadcast.bad_audience", reason=str(exc)), _audience_buttons(turn))
        return
    await _show_preview(turn, audience)


def text_version(text: str) -> str:
    """A short fingerprint of the notice's text, kept in the preview's buttons."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def _show_preview(turn: Turn, audience: dict[str, Any]) -> None:
    """The preview with its decision buttons. Each button keeps what the screen showed (audience, count, text
    version); every preview of one composition shares one dialog, so one press decides the composition."""
    recipients = await audience_recipients(turn.session, audience)
    text = turn.state.data["text"]
    narrow = too_long_for(text, (r.channel for r in recipients))
    if narrow is not None:
        _start(turn, "text", audience=None, dialog=None)
        turn.say(turn.t("broadcast.too_long", most=narrow.characters))
        return
    count = len(recipients)
    dialog = turn.state.data.get("dialog") or turn.dialog()
    _start(turn, "confirm", audience=audience, dialog=dialog)
    shown = {"audience": audience, "count": count, "version": text_version(text)}
    turn.say(
        turn.t("broadcast.preview", count=count, audience=describe_audience(audience), text=text),
        [[turn.button(turn.t("broadcast.send_now"), "broadcast.send", dialog=dialog, when="now", **shown),
          turn.button(turn.t("broadcast.send_morning"), "broadcast.send", dialog=dialog, when="morning", **shown)],
         [turn.button(turn.t("broadcast.cancel"), "broadcast.abort", dialog=dialog)]],
    )


async def _changed_since_preview(turn: Turn) -> str | None:
    """Why the pressed preview no longer shows what would be sent (None: it still does)."""
    data, shown = turn.state.data, turn.args
    if shown.get("audience") != data["audience"]:
        return turn.t("broadcast.stale_audience", audience=describe_audience(shown.get("audience") or {}))
    if shown.get("version") != text_version(data["text"]):
        return turn.t("broadcast.stale_text")
    count = len(await audience_recipients(turn.session, data["audience"]))
    if count != shown.get("count"):
        return turn.t("broadcast.stale_count", shown=shown.get("count"), count=count)
    return None


def _send_at(turn: Turn, when: str) -> datetime:
    if when != "morning":
        return turn.now
    local = turn.now.astimezone(turn.settings.zone)
    day = local.date() + timedelta(days=1 if local.time() >= MORNING else 0)
    return datetime.combine(day, MORNING, tzinfo=turn.settings.zone)


@router.action("broadcast.send", once=True)
async def send(turn: Turn) -> None:
    if not staff_only(turn, ADMINS):
        return
    data = turn.state.data
    pressed = turn.token.dialog if turn.token else None
    if turn.state.form != FORM or turn.state.step != "confirm" or data.get("dialog") != pressed:
        turn.say(turn.t("broadcast.gone"))  # sent, cancelled, or a new /broadcast begun since this preview
        return
    changed = await _changed_since_preview(turn)
    if changed is not None:
        turn.say(turn.t("broadcast.stale", reason=changed))
        turn.state.data = {**data, "dialog": None}  # the pressed dialog is used up: a new one for the new preview
        await _show_preview(turn, data["audience"])
        return
    send_at = _send_at(turn, str(turn.args.get("when")))
    broadcast, queued = await create_broadcast(
        turn.session, author_id=turn.person.id, text=data["text"], audience=data["audience"], send_at=send_at,
        payload=reply_to_dict(Reply(text=data["text"])), now=turn.now,
    )
    log.info("broadcast %s queued: %s messages by admin %s", broadcast.id, queued, turn.person.id)
    _end(turn)
    local = send_at.astimezone(turn.settings.zone).strftime("%m-%d %H:%M")
    turn.say(turn.t("broadcast.queued", id=broadcast.id, count=queued, at=local), _progress_buttons(turn, broadcast.id))


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


@router.action("broadcast.abort")
async def abort(turn: Turn) -> None:
    if turn.state.form == FORM and turn.token and turn.state.data.get("dialog") == turn.token.dialog:
        _end(turn)  # the preview's own composition (a newer /broadcast is left alone)
    turn.say(turn.t("common.cancelled"))
