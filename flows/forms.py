"""A small form engine: steps that ask, parse and re-ask, kept in ConversationState between messages.

A `Form` is an ordered list of `Step`s; a run may use a subset of them (editing one profile field reuses the
registration's steps). Each step asks its question, and its `answer` turns typed text, a shared contact or
a pressed choice button into a value, an `Invalid` reason (the question is asked again), `STAY` (the step
already answered the person, e.g. a toggled choice) or `END` (the step closed the form, e.g. consent refused).
Choice buttons carry the run id and the step, so a button from a finished, expired or earlier form says
so instead of acting, and a button pressed twice acts once.
A clear question asked in the middle of a form (a job or policy question the NLU is sure about) is
answered through `turn.route`, then the form's current question is asked again.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from flows.messages import Button
from flows.router import Router
from flows.turn import Turn, form_expiry

router = Router("forms")

# Intents that interrupt a form when the NLU is sure: answered, then the form resumes.
INTERRUPTS = frozenset(
    {
        "job_search", "policy_question", "training_question", "transport_question", "help",
        "wage_arrears", "human_handoff", "bot_challenge",
    }
)


@dataclass(frozen=True)
class Invalid:
    """The answer was not usable: `reason` is a message key, said before the question is asked again."""

    reason: str
    values: dict[str, Any] = field(default_factory=dict)


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


STAY = _Marker("STAY")  # the step handled the input itself; keep waiting on the same step
END = _Marker("END")  # the step ended the form (it said why)

Data = dict[str, Any]
Asker = Callable[[Turn, Data], Awaitable[None]]
Answerer = Callable[[Turn, Data, str, bool], Awaitable[Any]]  # (turn, data, value, pressed) -> result


def _always(_: Data) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    """One question of a form."""

    name: str
    ask: Asker
    answer: Answerer
    when: Callable[[Data], bool] = _always  # skipped when this is false for the data so far
    free_text: bool = False  # any text is an answer, so a mid-form question is recognised before it
    takes_contact: bool = False  # a contact shared through the channel answers this step


@dataclass(frozen=True)
class Form:
    """A named sequence of steps and what to do with the answers."""

    name: str
    steps: tuple[Step, ...]
    done: Callable[[Turn, Data], Awaitable[None]]

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"form {self.name} has no step {name}")

    def next_step(self, data: Data, after: str | None) -> Step | None:
        """The first step after `after` that this run uses and whose condition holds."""
        chosen = data.get("_steps")
        names = [s.name for s in self.steps]
        start = names.index(after) + 1 if after is not None else 0
        for step in self.steps[start:]:
            if (chosen is None or step.name in chosen) and step.when(data):
                return step
        return None


FORMS: dict[str, Form] = {}


def register_form(form: Form) -> Form:
    """Make a form known to the engine; its router entry sends its messages here."""
    if form.name in FORMS:
        raise ValueError(f"form {form.name} is defined twice")
    FORMS[form.name] = form
    router.form(form.name)(continue_form)
    return form


def _expiry(turn: Turn) -> Any:
    return form_expiry(turn)


def data_of(turn: Turn) -> Data:
    return dict(turn.state.data or {})


def save(turn: Turn, data: Data, step: str | None) -> None:
    """Store the run (a fresh dict: JSON columns only notice a new value) and push the expiry on."""
    turn.state.data = dict(data)
    turn.state.step = step
    turn.state.expires_at = _expiry(turn)


def end(turn: Turn) -> None:
    turn.state.form = None
    turn.state.step = None
    turn.state.data = {}
    turn.state.expires_at = None


async def start(turn: Turn, form: Form, *, steps: list[str] | None = None, **data: Any) -> None:
    """Begin a run of `form` (replacing any form in progress) and ask its first question."""
    run: Data = {**data, "_run": secrets.token_hex(4)}
    if steps is not None:
        run["_steps"] = list(steps)
    turn.state.form = form.name
    first = form.next_step(run, None)
    if first is None:
        end(turn)
        await form.done(turn, run)
        return
    save(turn, run, first.name)
    await first.ask(turn, run)


def choice(turn: Turn, label: str, value: str, *, single_use: bool = True) -> Button:
    """A button answering the current step of the current form run with `value`; the single-use choices of one
    question share a dialog, so only one of them answers it (toggles, `single_use=False`, stay live)."""
    data = turn.state.data or {}
    run, step = data.get("_run"), turn.state.step
    return turn.button(
        label, "form.answer", single_use=single_use, dialog=turn.dialog(("form", run, step)) if single_use else None,
        form=turn.state.form, run=run, step=step, value=value,
    )


def rows(buttons: list[Button], per_row: int) -> list[list[Button]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


async def ask_current(turn: Turn) -> None:
    form = FORMS[turn.state.form or ""]
    await form.step(turn.state.step or "").ask(turn, data_of(turn))


_UNSET = _Marker("UNSET")


async def _apply(turn: Turn, form: Form, step: Step, value: str, pressed: bool, result: Any = _UNSET) -> None:
    data = data_of(turn)
    if result is _UNSET:
        result = await step.answer(turn, data, value, pressed)
    if result is END:
        end(turn)
        return
    if result is STAY:
        save(turn, data, step.name)
        return
    if isinstance(result, Invalid):
        turn.say(turn.t(result.reason, **result.values))
        save(turn, data, step.name)
        await step.ask(turn, data)
        return
    data[step.name] = result
    following = form.next_step(data, step.name)
    if following is None:
        end(turn)
        await form.done(turn, data)
        return
    save(turn, data, following.name)
    await following.ask(turn, data)


def _interrupting(turn: Turn) -> str | None:
    parse = turn.parse
    if parse is None or turn.route is None:
        return None
    if parse.intent in INTERRUPTS and parse.confidence >= turn.settings.group_threshold:
        return parse.intent
    return None


async def _interrupt(turn: Turn, intent: str) -> None:
    """Answer the question asked mid-form, then ask the form's question again."""
    assert turn.route is not None
    form, step, data, expires = turn.state.form, turn.state.step, data_of(turn), turn.state.expires_at
    await turn.route(intent)
    if turn.state.form != form or turn.state.step != step:
        return  # the question's handler started something else
    turn.state.data, turn.state.expires_at = data, expires
    turn.say(turn.t("forms.resume"))
    save(turn, data, step)
    await ask_current(turn)


async def continue_form(turn: Turn) -> None:
    """The router entry of every form: the person's next message answers the current step."""
    form = FORMS[turn.state.form or ""]
    step = form.step(turn.state.step or "")
    contact = turn.inbound.contact
    if contact is not None:
        if not step.takes_contact:
            turn.say(turn.t("forms.unexpected_contact"))
            save(turn, data_of(turn), step.name)
            await step.ask(turn, data_of(turn))
            return
        await _apply(turn, form, step, contact.phone, False)
        return
    text = turn.inbound.text.strip()
    interrupt = _interrupting(turn)
    if interrupt and step.free_text:
        await _interrupt(turn, interrupt)
        return
    if interrupt:
        result = await step.answer(turn, data_of(turn), text, False)
        if isinstance(result, Invalid):
            await _interrupt(turn, interrupt)
            return
        await _apply(turn, form, step, text, False, result)
        return
    await _apply(turn, form, step, text, False)


@router.action("form.answer")
async def press(turn: Turn) -> None:
    """A choice button of a form: acts only on the run and step it was made for."""
    args = turn.args
    state = turn.state
    if state.expires_at is not None and state.expires_at < turn.now and state.form:
        end(turn)
        turn.say(turn.t("forms.expired"))
        return
    data = state.data or {}
    if state.form != args.get("form") or data.get("_run") != args.get("run") or state.form not in FORMS:
        turn.say(turn.t("forms.gone"))
        return
    if state.step != args.get("step"):
        turn.say(turn.t("forms.answered"))
        return
    form = FORMS[state.form]
    await _apply(turn, form, form.step(state.step), str(args.get("value", "")), True)
