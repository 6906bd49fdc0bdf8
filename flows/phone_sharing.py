"""After applying for a posting an employer submitted itself: may that employer see the worker's phone number?

Asked once per application, in private chat; no answer, or anything but yes, means no (the employer sees the
name, village and trades only, and the worker's secretary still gets the application as always). Asked as a
one-step form so it can be answered by typing (是/可以/不用); when another form is open, as buttons only, so that
form is not lost.
"""

from __future__ import annotations

import logging
from typing import Any

from flows import forms
from flows.answers import parse_yes_no
from flows.forms import Data, Form, Invalid, Step
from flows.router import Router
from flows.turn import Turn
from storage.models import Application, Posting
from storage.queries.employers import set_phone_shared

router = Router("phone_sharing")
log = logging.getLogger(__name__)

FORM = "phone_share"


async def offer(turn: Turn, posting: Posting, application: Application) -> None:
    """Ask, when the posting is an employer's own and the worker has a phone to share (private chat only)."""
    if posting.submitted_by_id is None or turn.in_group or not turn.person.phone:
        return
    if turn.state.form:
        dialog = turn.dialog()  # yes and no are one decision: once one is pressed, neither acts again
        turn.say(turn.t("phone_share.ask", enterprise=posting.enterprise.name), [[
            turn.button(turn.t("phone_share.agree"), "phone_share.answer", dialog=dialog,
                        application=application.id, share=True),
            turn.button(turn.t("phone_share.decline"), "phone_share.answer", dialog=dialog,
                        application=application.id, share=False),
        ]])
        return
    await forms.start(turn, SHARE_FORM, application=application.id, enterprise=posting.enterprise.name)


async def ask(turn: Turn, data: Data) -> None:
    turn.say(turn.t("phone_share.ask", enterprise=data.get("enterprise", "")), [[
        forms.choice(turn, turn.t("phone_share.agree"), "yes"),
        forms.choice(turn, turn.t("phone_share.decline"), "no"),
    ]])


async def answer(turn: Turn, data: Data, value: str, pressed: bool) -> Any:
    if pressed:
        return value == "yes"
    said = parse_yes_no(value)
    return said if said is not None else Invalid("phone_share.yes_or_no")


async def record(turn: Turn, application_id: int, share: bool) -> None:
    if not await set_phone_shared(turn.session, application_id, turn.person.id, share, turn.now):
        turn.say(turn.t("common.unknown_button"))
        return
    log.info("worker %s %s their phone with the employer (application %s)", turn.person.id,
             "shares" if share else "does not share", application_id)
    turn.say(turn.t("phone_share.shared" if share else "phone_share.kept"))


async def done(turn: Turn, data: Data) -> None:
    await record(turn, int(data["application"]), bool(data["share"]))


@router.action("phone_share.answer", once=True)
async def pressed_outside_form(turn: Turn) -> None:
    await record(turn, int(turn.args["application"]), bool(turn.args["share"]))


SHARE_FORM = forms.register_form(Form(FORM, (
    Step("share", ask, answer, sample="可以"),
), done))
