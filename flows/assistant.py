"""The assistant: one inbound message in, channel-neutral replies out, everything in one transaction.

Order of business for a message: a pressed button runs its stored action; a person in the middle of a
form continues it (unless they cancel); otherwise the text is understood by the NLU, read in the light of
what this chat was about (flows/dialogue.py: a follow-up continues the last topic, "第一个" names an item of
the last list), and routed by intent or to the topic's continuation, with low confidence going to the
fallback. Every handled message is a service contact.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from flows import (
    account,
    alerts,
    applications,
    broadcasting,
    bureau,
    cases,
    employers,
    employment,
    forms,
    jobs,
    other_services,
    phone_sharing,
    policy,
    posting_form,
    posting_review,
    push,
    registration,
    resume,
    secretary,
    shelf_search,
    smalltalk,
    training,
    transport,
)
from flows.answers import is_cancel, match_choice
from flows.categories import category_reader
from flows.commands import command_of
from flows.dialogue import Move, Resolution, read_context, resolve, store_context
from flows.i18n import LANGUAGES, detect_language, in_script
from flows.messages import ChatType, Inbound, Reply
from flows.router import Router, continuation_key
from flows.turn import FlowSettings, ParseLike, Turn
from storage.db import Database
from storage.importing.rows import Categorise
from storage.queries.conversation import find_token, load_state, record_service, use_token
from storage.queries.groups import leave_group, move_group, remember_group
from storage.queries.people import get_or_create_person

log = logging.getLogger(__name__)

# In a group, the assistant speaks unasked only on these topics (and only when sure).
GROUP_TOPICS = frozenset({"job_search", "policy_question", "training_question", "transport_question"})
HISTORY_LENGTH = 10
# Control characters other than tab and newline: PostgreSQL refuses NUL in text, terminals misbehave.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclasses.dataclass(frozen=True, slots=True)
class Response:
    """What one inbound message produced: the replies, and what the turn was handled as (an intent such as
    "job_search", "form:registration", "button:job.apply", "command:today"; empty when nothing answered)."""

    replies: list[Reply]
    handled_as: str
    parse: ParseLike | None = None  # what the NLU read (None: a button, a command, a form's answer …)


class Understanding(Protocol):
    def parse(self, text: str, **options: Any) -> ParseLike: ...


def default_router() -> Router:
    root = Router("assistant")
    root.include(
        smalltalk.router, jobs.router, shelf_search.router, policy.router, forms.router, registration.router,
        applications.router,
        alerts.router, employment.router, account.router, training.router, transport.router, cases.router,
        secretary.router, push.router, broadcasting.router, bureau.router,
        other_services.router, resume.router, employers.router, posting_form.router, posting_review.router,
        phone_sharing.router,
    )
    return root


class Assistant:
    """Handles inbound messages from any channel with one set of flows."""

    def __init__(
        self, db: Database, nlu: Understanding, settings: FlowSettings | None = None, router: Router | None = None,
        categorise: Categorise | None = None,
    ) -> None:
        self.db = db
        self.nlu = nlu
        self.categorise = categorise or category_reader(nlu)
        self.settings = settings or FlowSettings()
        self.router = router or default_router()

    async def handle(self, inbound: Inbound, *, now: datetime | None = None) -> list[Reply]:
        return (await self.respond(inbound, now=now)).replies

    async def respond(self, inbound: Inbound, *, now: datetime | None = None) -> Response:
        """Handle one message and say what it was handled as (tests and the dialogue scorer read that)."""
        async with self.db.session() as session:
            return await self.respond_in(session, inbound, now=now)

    async def respond_in(self, session: AsyncSession, inbound: Inbound, *, now: datetime | None = None) -> Response:
        """The same, in the caller's transaction (the console's "ask as a worker" rolls it back)."""
        now = now or datetime.now(UTC)
        if _CONTROL.search(inbound.text):
            inbound = dataclasses.replace(inbound, text=_CONTROL.sub("", inbound.text))
        person = await get_or_create_person(
            session, inbound.channel, inbound.user_id,
            chat_id=inbound.chat_id if inbound.chat_type == ChatType.PRIVATE else None,
            display_name=inbound.display_name,
        )
        if inbound.chat_type == ChatType.GROUP:
            await remember_group(session, inbound.channel, inbound.chat_id, inbound.chat_title)
        elif not person.reachable:
            person.reachable = True  # they wrote to us privately: the bot is no longer blocked
        state = await load_state(session, inbound.channel, inbound.user_id)
        context = read_context(state.context, inbound.chat_id, now, self.settings.context_minutes)
        turn = Turn(
            session=session, settings=self.settings, inbound=inbound, person=person, state=state,
            language=self._language(inbound, person.language, state.language), now=now, context=context,
            categorise=self.categorise,
        )
        turn.continue_topic = lambda resolution: self._continue(turn, resolution)
        form_before = self._open_form(turn)
        await self._dispatch(turn)
        if form_before is not None and form_before == self._open_form(turn) and not turn.asked_in_form and \
                not turn.handled_as.startswith(("form:", "button:form.")):
            # Something else was answered (a command, a button of an earlier message): the form goes on.
            await forms.remind(turn)
        if turn.context is not context or (turn.resolution is not None and turn.resolution.follows_up):
            # Saved with the rest of the state row (updated every turn anyway): no statement of its own.
            kept = dataclasses.replace(turn.context, at=now) if turn.context is not None else None
            state.context = store_context(state.context, inbound.chat_id, kept)
        if turn.handled_as:
            record_service(
                session, person_id=person.id, channel=inbound.channel, kind=turn.handled_as,
                chat_type=str(inbound.chat_type), at=now,
            )
            self._remember(turn)
        # The one place a turn's replies are put in the reader's script, data from the database included.
        return Response([in_script(reply, turn.language) for reply in turn.replies], turn.handled_as, turn.parse)

    async def group_moved(self, channel: str, old_chat_id: str, new_chat_id: str) -> None:
        """The channel moved a group to a new id (Telegram: group → supergroup)."""
        async with self.db.session() as session:
            await move_group(session, channel, old_chat_id, new_chat_id)

    async def group_left(self, channel: str, chat_id: str) -> None:
        """The bot was removed from a group: no more broadcasts there."""
        async with self.db.session() as session:
            await leave_group(session, channel, chat_id)

    def _language(self, inbound: Inbound, setting: str | None, last: str | None) -> str:
        if setting in LANGUAGES:
            return setting
        # A command ("/start register") says nothing about the language the person reads.
        text = inbound.text
        detected = detect_language(text, last or inbound.language_hint) if text and not text.startswith("/") else None
        return detected or last or inbound.language_hint or self.settings.default_language

    def _remember(self, turn: Turn) -> None:
        state = turn.state
        state.language = turn.language
        state.updated_at = turn.now
        if turn.inbound.text:
            state.history = [*(state.history or []), {"at": turn.now.isoformat(), "text": turn.inbound.text[:500]}][
                -HISTORY_LENGTH:
            ]

    async def _dispatch(self, turn: Turn) -> None:
        inbound = turn.inbound
        if inbound.callback is not None:
            await self._press(turn, inbound.callback)
            return
        text = inbound.text.strip()
        command = self._command(text)
        if command is not None:
            turn.handled_as = f"command:{command}"
            await self.router.commands[command](turn)
            return
        # Forms continue in private chat only: personal answers never go through a group.
        private = inbound.chat_type == ChatType.PRIVATE
        if inbound.attachment and not text:
            # A voice note, photo or sticker: say what we can read instead (a form stays where it was).
            if private or inbound.addressed:
                turn.handled_as = "attachment"
                await self.router.intents["attachment"](turn)
            return
        if turn.state.form and self._form_alive(turn) and private:
            if is_cancel(text):
                self._end_form(turn)
                turn.say(turn.t("common.cancelled"))
                turn.handled_as = "cancel"
                return
            handler = self.router.forms.get(turn.state.form)
            if handler is not None and command_of(text) is None:
                turn.handled_as = f"form:{forms.reported_name(turn)}"
                if text:
                    # A clear question mid-form is answered by its own handler, then the form resumes.
                    turn.parse = self.nlu.parse(text, today=turn.today)
                    turn.route = lambda intent: self._route(turn, intent)
                await handler(turn)
                # A question answered mid-form was handled as that question (the form asked its own again).
                turn.handled_as = turn.asked_in_form or turn.handled_as
                return
        command = command_of(text)
        spoken_to = private or inbound.addressed or text.startswith("/")
        if command is not None and command[0] in self.router.intents and spoken_to:
            turn.command_argument = command[1]
            turn.handled_as = command[0]
            await self.router.intents[command[0]](turn)
            return
        offered = self._offered(turn, text)
        if offered is not None:
            await self._press(turn, offered)
            return
        if not text and inbound.contact is None:
            if inbound.chat_type == ChatType.PRIVATE:
                turn.say(turn.t("common.empty"))
                turn.handled_as = "empty"
            return
        turn.parse = self.nlu.parse(text, today=turn.today)
        resolution = resolve(turn.parse, turn.context, self._intent(turn.parse))
        if inbound.chat_type == ChatType.GROUP and not inbound.addressed:
            # Unasked, a group hears only confident questions on its topics, and a person's follow-ups of
            # what they just asked (their context in this group).
            if resolution.move is Move.NEW:
                if resolution.intent not in GROUP_TOPICS or turn.parse.confidence < self.settings.group_threshold:
                    return
            elif resolution.move is Move.UNDO or resolution.problem:
                return
        turn.resolution = resolution
        turn.handled_as = resolution.intent
        await self._continue(turn, resolution)

    async def _continue(self, turn: Turn, resolution: Resolution) -> None:
        """Answer a resolved message: a new question by its intent, a follow-up by its topic's continuation."""
        turn.resolution = resolution
        if resolution.problem:
            context = turn.context
            seen = context.shown.seen if context and context.shown else 0
            turn.say(turn.t(f"dialogue.{resolution.problem}", seen=seen))
            return
        if resolution.move is Move.NEW or resolution.topic is None:
            handler = self.router.intents.get(resolution.intent) or self.router.intents["nlu_fallback"]
        else:
            continuations = self.router.continuations
            handler = continuations.get(continuation_key(resolution.topic, act=resolution.act)) or continuations[
                continuation_key(resolution.topic)]
        await handler(turn)

    async def _route(self, turn: Turn, intent: str) -> None:
        """A question asked in the middle of a form: one that only looks at what was shown ("要带啥子东西" while
        booking, "第二个呢") is read in context; anything else by its intent. The form then goes on."""
        if turn.parse is not None:
            resolution = resolve(turn.parse, turn.context, intent)
            looks = resolution.move in (Move.ASK, Move.MORE) or resolution.move is Move.REFER and not resolution.act
            if looks and resolution.problem is None:
                turn.asked_in_form = resolution.intent
                await self._continue(turn, resolution)
                return
        handler = self.router.intents.get(intent)
        turn.asked_in_form = intent if handler is not None else "nlu_fallback"
        await (handler or self.router.intents["nlu_fallback"])(turn)

    @staticmethod
    def _offered(turn: Turn, text: str) -> str | None:
        """The button a typed number (or label) presses when the last reply offered buttons (`Turn.offer`);
        the offer answers one message either way."""
        offer = (turn.state.data or {}).get("offer") if not turn.state.form else None
        if not offer:
            return None
        turn.state.data = {}
        chosen = match_choice(text, [str(label) for _, label in offer])
        return str(offer[chosen][0]) if chosen is not None else None

    def _command(self, text: str) -> str | None:
        """The registered command a text starts with (`/today`, `/worker@mishu_bot 12`), if any."""
        if not text.startswith("/"):
            return None
        name = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""
        return name if name in self.router.commands else None

    def _intent(self, parse: ParseLike) -> str:
        if parse.confidence < self.settings.fallback_threshold:
            return "nlu_fallback"
        return parse.intent

    @staticmethod
    def _open_form(turn: Turn) -> tuple[str, str, str] | None:
        """(form, run, step) of the form this person is filling in privately and that is still alive."""
        state = turn.state
        if not state.form or turn.inbound.chat_type != ChatType.PRIVATE:
            return None
        if state.expires_at is not None and state.expires_at < turn.now:
            return None
        return state.form, str((state.data or {}).get("_run", "")), state.step or ""

    def _form_alive(self, turn: Turn) -> bool:
        expires = turn.state.expires_at
        if expires is not None and expires < turn.now:
            self._end_form(turn)
            if turn.inbound.chat_type == ChatType.PRIVATE:
                turn.say(turn.t("forms.expired"))
            return False
        return True

    @staticmethod
    def _end_form(turn: Turn) -> None:
        turn.state.form = None
        turn.state.step = None
        turn.state.data = {}
        turn.state.expires_at = None

    async def _press(self, turn: Turn, callback: str) -> None:
        token = await find_token(turn.session, callback)
        inbound = turn.inbound
        if token is None or token.expires_at < turn.now or token.channel != inbound.channel:
            turn.say(turn.t("common.unknown_button"))
            return
        if token.user_id != inbound.user_id:
            log.warning("button of another user pressed (action %s)", token.action)
            turn.say(turn.t("common.not_your_button"))
            return
        handler = self.router.actions.get(token.action)
        if handler is None:
            turn.say(turn.t("common.unknown_button"))
            return
        if token.single_use or token.action in self.router.once:
            # Atomic: of two presses at once (or a press of another button of the same dialog), one goes on.
            if not await use_token(turn.session, token, turn.now):
                turn.say(turn.t("common.decided" if token.dialog else "common.used_button"))
                return
        turn.token = token
        turn.handled_as = f"button:{token.action}"
        await handler(turn)
