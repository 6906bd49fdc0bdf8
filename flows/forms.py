"""The form engine: steps that ask, read what was typed or pressed, and re-ask, kept in ConversationState.

A `Form` is an ordered list of `Step`s; a run may use a subset of them (editing one profile field reuses the
registration's steps). Each step asks its question, and its `answer` turns typed text, a shared contact or
a pressed choice button into a value, an `Invalid` reason (said, then the question is asked again), `STAY`
(the step already answered the person, e.g. a toggled choice) or `END` (the step closed the form, e.g.
consent refused). Every form a person can be in is registered here (`register_form`), so the assistant,
the tests and the fuzzing of every step all see the same list.

What the engine guarantees at every step, whatever is typed:
- "取消" (and 算了, 不要了, cancel, /cancel …: `answers.is_cancel`) ends the form (the assistant checks it first);
- a question (`answers.looks_like_question`, or an intent the NLU is sure about that the step cannot take
  as its answer) is answered by its own handler through `turn.route`, and the same question is asked again;
- a choice offered as a button can be typed: its number ("2", "第二个") or its label ("双福" for 双福镇),
  because WeChat and SMS have no buttons;
- anything else is the step's answer, or a re-ask that says what is expected.
Choice buttons carry the run id and the step, so a button from a finished, expired or earlier form says
so (and the current question is asked again) instead of acting, and a button pressed twice acts once.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from flows.answers import looks_like_question, match_choice
from flows.messages import Button
from flows.router import Router
from flows.turn import Turn, form_expiry

router = Router("forms")

# Intents that interrupt a form: answered, then the form resumes.
INTERRUPTS = frozenset(
    {
        "job_search", "policy_question", "training_question", "transport_question", "help",
        "wage_arrears", "human_handoff", "bot_challenge", "bureau_info", "other_service",
    }
)
# A plainly asked question may also be one we cannot help with: that handler says so.
ANSWERABLE = INTERRUPTS | {"out_of_scope"}


class Invalid:
    """The answer was not usable: `reason` is a message key (filled with `values`), said before the question
    is asked again."""

    __slots__ = ("reason", "values")

    def __init__(self, reason: str, /, **values: Any) -> None:  # positional: a message may have a {reason}
        self.reason = reason
        self.values = values

    def __repr__(self) -> str:
        return f"Invalid({self.reason!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Invalid) and (self.reason, self.values) == (other.reason, other.values)

    def __hash__(self) -> int:
        return hash(self.reason)


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
    """One question of a form.

    `free_text`: any words are an answer (a name, a village), so a question is recognised before it.
    `relay`: the text is a message for someone else (a reply to a worker, a broadcast, a note), delivered as
    typed: a question in it is part of the message, not something to answer.
    `typed_choices`: a typed number or label answers as the matching choice button would (off for steps that
    read numbers themselves, such as picking several job categories).
    `sample`: an answer this step accepts when typed, for the help text and the tests that walk every form.
    """

    name: str
    ask: Asker
    answer: Answerer
    when: Callable[[Data], bool] = _always  # skipped when this is false for the data so far
    free_text: bool = False
    takes_contact: bool = False  # a contact shared through the channel answers this step
    relay: bool = False
    typed_choices: bool = True
    sample: str = ""


@dataclass(frozen=True)
class Form:
    """A named sequence of steps and what to do with the answers."""

    name: str
    steps: tuple[Step, ...]
    done: Callable[[Turn, Data], Awaitable[None]]
    # Where a question the NLU cannot place goes while this form is open ("要带啥子" while booking a bus).
    topic: str | None = None

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


def data_of(turn: Turn) -> Data:
    return dict(turn.state.data or {})


def reported_name(turn: Turn) -> str:
    """What a turn inside the current run is recorded as (`handled_as` "form:<name>", the service record's
    kind): the run's own `_as` when it borrows another form's steps (a profile edit runs the registration
    form's steps but is a profile edit from its menu to its last step), else the form's name."""
    return str(data_of(turn).get("_as") or turn.state.form or "")


def save(turn: Turn, data: Data, step: str | None) -> None:
    """Store the run (a fresh dict: JSON columns only notice a new value) and push the expiry on."""
    turn.state.data = dict(data)
    turn.state.step = step
    turn.state.expires_at = form_expiry(turn)


def end(turn: Turn) -> None:
    turn.state.form = None
    turn.state.step = None
    turn.state.data = {}
    turn.state.expires_at = None


def current(turn: Turn) -> tuple[Form, Step] | None:
    """The form and step this person is at, when they are in a registered form."""
    form = FORMS.get(turn.state.form or "")
    if form is None:
        return None
    try:
        return form, form.step(turn.state.step or "")
    except KeyError:
        return None


async def _ask(turn: Turn, step: Step, data: Data) -> None:
    """Save the run at `step` and ask its question; the choices it offers are remembered for typed answers."""
    save(turn, {**data, "_choices": []}, step.name)
    await step.ask(turn, data)


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
    await _ask(turn, first, run)


def choice(
    turn: Turn, label: str, value: str, *, single_use: bool = True, typed: bool = True, **shown: Any
) -> Button:
    """A button answering the current step of the current form run with `value`; typing its number or label
    does the same unless `typed` is false (a "cancel" beside seat counts: typing "5" means five seats).

    The single-use choices of a question share the step's dialog, also when the question is asked again, so
    one press answers it and the others are dead (toggles, `single_use=False`, stay live). `shown` keeps what
    the screen showed with the button (the step's answer reads it as `turn.args`)."""
    data = dict(turn.state.data or {})
    if typed:
        data["_choices"] = [*data.get("_choices", []), [label, value]]
    run, step = data.get("_run"), turn.state.step
    dialog = None
    if single_use:
        if data.get("_dialog_step") != step or not data.get("_dialog"):
            data["_dialog"], data["_dialog_step"] = turn.dialog(), step
        dialog = data["_dialog"]
    turn.state.data = data
    return turn.button(
        label, "form.answer", single_use=single_use, dialog=dialog,
        form=turn.state.form, run=run, step=step, value=value, **shown,
    )


def rows(buttons: list[Button], per_row: int) -> list[list[Button]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


async def ask_current(turn: Turn) -> None:
    found = current(turn)
    if found is None:
        return
    await _ask(turn, found[1], data_of(turn))


async def remind(turn: Turn) -> None:
    """Say where the person is ("we were registering you: …") and ask the current question again."""
    found = current(turn)
    if found is None:
        return
    title = (turn.state.data or {}).get("_title") or f"forms.title.{found[0].name}"
    turn.say(turn.t("forms.resume", what=turn.t(title)))
    await ask_current(turn)


_UNSET = _Marker("UNSET")


async def _apply(
    turn: Turn, form: Form, step: Step, value: str, pressed: bool, result: Any = _UNSET, data: Data | None = None
) -> None:
    """Run the step's answer (unless `result` is given, read from `data`) and move the form on."""
    data = data_of(turn) if data is None else data
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
        await _ask(turn, step, data)
        return
    data[step.name] = result
    following = form.next_step(data, step.name)
    if following is None:
        end(turn)
        await form.done(turn, data)
        return
    await _ask(turn, following, data)


def _sure_intent(turn: Turn) -> str | None:
    """The intent the NLU is sure about, when it is one a form may be interrupted for."""
    parse = turn.parse
    if parse is None or turn.route is None:
        return None
    if parse.intent in INTERRUPTS and parse.confidence >= turn.settings.group_threshold:
        return parse.intent
    return None


def _question_intent(turn: Turn, form: Form) -> str:
    """Where a plainly asked question goes: its intent when the NLU leans that way, else the form's own topic,
    else the fallback (which offers the main options)."""
    parse = turn.parse
    if parse is not None and parse.intent in ANSWERABLE and parse.confidence >= turn.settings.fallback_threshold:
        return parse.intent
    return form.topic or "nlu_fallback"


async def _interrupt(turn: Turn, intent: str) -> None:
    """Answer the question asked mid-form, then ask the form's question again."""
    assert turn.route is not None
    form, step, data = turn.state.form, turn.state.step, data_of(turn)
    await turn.route(intent)
    if turn.state.form != form or turn.state.step != step:
        return  # the question's handler started something else
    turn.state.data = data
    await remind(turn)


def _typed_choice(step: Step, data: Data, text: str) -> str | None:
    """The value of the offered choice that typed text names (its number or label), if any."""
    offered = data.get("_choices") or []
    if not step.typed_choices or not offered:
        return None
    index = match_choice(text, [str(label) for label, _ in offered])
    return None if index is None else str(offered[index][1])


async def continue_form(turn: Turn) -> None:
    """The router entry of every form: the person's next message answers the current step."""
    found = current(turn)
    if found is None:
        end(turn)
        turn.say(turn.t("forms.expired"))
        return
    form, step = found
    data = data_of(turn)
    contact = turn.inbound.contact
    if contact is not None:
        if not step.takes_contact:
            turn.say(turn.t("forms.unexpected_contact"))
            await _ask(turn, step, data)
            return
        await _apply(turn, form, step, contact.phone, False)
        return
    text = turn.inbound.text.strip()
    if not text:
        turn.say(turn.t("forms.empty"))
        await _ask(turn, step, data)
        return
    if step.relay:
        await _apply(turn, form, step, text, False)
        return
    question = looks_like_question(text) and turn.route is not None
    sure = _sure_intent(turn)
    if step.free_text and question:
        await _interrupt(turn, sure or _question_intent(turn, form))
        return
    value = None if question else _typed_choice(step, data, text)
    if value is not None:
        await _apply(turn, form, step, value, True)
        return
    result = await step.answer(turn, data, text, False)
    if isinstance(result, Invalid) and (question or sure):
        await _interrupt(turn, sure or _question_intent(turn, form))
        return
    if question and sure and result is not END and result is not STAY:
        # "有没有采茶的工作" at the job-categories step is a question about jobs, not the answer.
        await _interrupt(turn, sure)
        return
    await _apply(turn, form, step, text, False, result, data)


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
        await remind(turn)
        return
    if state.step != args.get("step"):
        turn.say(turn.t("forms.answered"))
        await remind(turn)
        return
    form = FORMS[state.form]
    if turn.token is not None and turn.token.dialog is not None and data.get("_dialog") == turn.token.dialog:
        state.data = {**data, "_dialog": None}  # pressing used it up: a question asked again gets a new one
    await _apply(turn, form, form.step(state.step), str(args.get("value", "")), True)
