"""One turn of a conversation: who spoke, what they meant, and the replies being built.

A handler reads `turn.parse`, `turn.person`, `turn.state` and calls `turn.say(...)`; buttons made with
`turn.button(...)` carry only a random token, and what they do is stored server-side, so callback
data cannot be forged to act on someone else's data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from flows.dialogue import Context, Resolution, Shown
from flows.followups import FollowUpRules
from flows.i18n import t
from flows.messages import Button, ChatType, Inbound, Outgoing, Reply
from storage.models import CallbackToken, ConversationState, Person
from storage.queries.conversation import issue_token, new_dialog

if TYPE_CHECKING:
    from flows.push import PushPolicy
    from storage.importing.rows import Categorise


class EntityLike(Protocol):
    entity: str
    value: Any
    start: int
    end: int


class ParseLike(Protocol):
    """What flows need of an NLU parse (nlu.Parse satisfies it)."""

    text: str
    intent: str
    confidence: float
    entities: list[Any]


@dataclass(frozen=True)
class FlowSettings:
    """The configuration flows read, handed over by bot/ (flows never import the settings module)."""

    bureau_name: str = "峨眉山市人力资源和社会保障局"
    hotline: str = "12333"
    default_language: str = "zh-hans"
    timezone: str = "Asia/Shanghai"
    fallback_threshold: float = 0.45
    ambiguity_margin: float = 0.08
    group_threshold: float = 0.75
    form_timeout_minutes: int = 60
    page_size: int = 3
    button_ttl_hours: int = 72
    context_minutes: int = 30
    case_quiet_minutes: int = 30  # a case's secretary hears of further messages at most once per this period
    bot_username: str = ""
    console_url: str = ""  # the staff console's address (web.public_url …), for sign-in links sent in chat
    console_invite_hours: float = 24
    followups: FollowUpRules = field(default_factory=FollowUpRules)
    push: PushPolicy | None = None  # None: flows.push.PushPolicy's defaults (an approved posting is pushed with it)
    employer_code_days: int = 14
    employer_bind_attempts: int = 5  # wrong binding codes a person may type in a day
    token_fold_seconds: float = 60  # PostgreSQL: the scheduler folds the shelf's per-token counts this often

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass
class Turn:
    """Everything a handler needs for one inbound message, and what it says back."""

    session: AsyncSession
    settings: FlowSettings
    inbound: Inbound
    person: Person
    state: ConversationState
    language: str
    now: datetime
    parse: ParseLike | None = None
    token: CallbackToken | None = None
    replies: list[Reply] = field(default_factory=list)
    outgoing: list[Outgoing] = field(default_factory=list)
    handled_as: str = ""
    # Set by the assistant while a form is open: answers `turn.parse` as this intent would be outside the form.
    route: Callable[[str], Awaitable[None]] | None = None
    asked_in_form: str = ""  # set by `route`: the intent of a question answered in the middle of a form
    command_argument: str = ""  # what followed a command ("/start apply_12" → "12")
    # What this chat's conversation is about (flows/dialogue.py), and how the message was read against it;
    # handlers set `context` to what the person now sees, and the assistant saves it after the turn.
    context: Context | None = None
    resolution: Resolution | None = None
    # Set by the assistant: continues the context's topic as a resolution says (a deep link's "show it again").
    continue_topic: Callable[[Resolution], Awaitable[None]] | None = None
    # Reads a posting's job category from its title (flows/categories.py), for the employer's posting form.
    categorise: Categorise | None = None

    @property
    def today(self) -> date:
        return self.now.astimezone(self.settings.zone).date()

    @property
    def in_group(self) -> bool:
        return self.inbound.chat_type == ChatType.GROUP

    @property
    def compact(self) -> bool:
        """Lists go as one numbered message: in groups (one message per answer, not five) and on channels
        without buttons."""
        return self.in_group or not self.inbound.buttons

    @property
    def args(self) -> dict[str, Any]:
        """The stored arguments of the pressed button."""
        return dict(self.token.args) if self.token else {}

    def t(self, key: str, **values: Any) -> str:
        return t(key, self.language, **values)

    def say(self, text: str, buttons: list[list[Button]] | None = None, **options: Any) -> Reply:
        reply = Reply(text=text, buttons=buttons or [], **options)
        self.replies.append(reply)
        return reply

    def button(
        self, label: str, action: str, *, single_use: bool = False, dialog: str | None = None, **args: Any
    ) -> Button:
        """A button that runs `action` with `args` for this user only, until it expires; with `dialog` (from
        `turn.dialog()`), pressing it or any other button of that dialog uses them all."""
        token = issue_token(
            self.session,
            channel=self.inbound.channel,
            user_id=self.inbound.user_id,
            action=action,
            args=args,
            expires_at=self.now + timedelta(hours=self.settings.button_ttl_hours),
            single_use=single_use,
            dialog=dialog,
        )
        return Button(label=label, callback=token)

    def remember(
        self, topic: str, criteria: dict[str, Any], items: Sequence[int | str], *, seen: int, page_start: int = 0,
        previous: dict[str, Any] | None = None,
    ) -> None:
        """The person now sees this list: "第一个" … "第{seen}个" name its items, "还有吗" pages on."""
        shown = Shown(topic, tuple(items), min(seen, len(items)), page_start)
        self.context = Context(topic, dict(criteria), self.now, shown, None, previous)

    def paged(self, page_start: int, seen: int) -> None:
        """The person paged on in the list they were shown."""
        if self.context is not None and self.context.shown is not None:
            shown = replace(self.context.shown, page_start=page_start, seen=min(max(seen, self.context.shown.seen),
                                                                               len(self.context.shown.items)))
            self.context = replace(self.context, shown=shown, at=self.now)

    def look_at(self, topic: str, item: int | str) -> None:
        """The person is looking at one item: "这个", "我要报名" and "要带啥" now mean it."""
        if self.context is None or self.context.topic != topic:
            self.context = Context(topic, {}, self.now, Shown(topic, (item,), 1), item)
        else:
            self.context = replace(self.context, focus=item, previous=None, at=self.now)

    def offer(self, buttons: list[Button]) -> None:
        """Let the next message press one of these buttons by typing its number ("1", "第二个") or its label:
        channels without buttons (WeChat, SMS) answer that way. Outside a form only; any other message drops the
        offer."""
        if not self.state.form:
            self.state.data = {"offer": [[b.callback, b.label] for b in buttons if b.callback]}

    def dialog(self) -> str:
        """An id for the buttons of one decision ("确认" / "取消"): once one is pressed the others are dead."""
        return new_dialog()

    def entity_values(self, name: str) -> list[Any]:
        if self.parse is None:
            return []
        return [e.value for e in self.parse.entities if e.entity == name]


def form_expiry(turn: Turn) -> datetime:
    """When a form started or continued now is forgotten if the person goes quiet."""
    return turn.now + timedelta(minutes=turn.settings.form_timeout_minutes)
