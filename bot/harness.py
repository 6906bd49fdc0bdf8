"""A conversation you can drive from code: `await chat.say("有没有采茶的工作")` returns the replies.

Tests and the terminal channel use the same harness, so a test reads like the dialogue it checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flows.assistant import Assistant
from flows.messages import Button, ChatType, Contact, Inbound, Reply, reply_from_dict
from storage.models import utcnow
from storage.queries.outbox import mark_sent, pending_for_chat


@dataclass
class Conversation:
    """One person talking to the assistant on one channel."""

    assistant: Assistant
    user_id: str
    channel: str = "terminal"
    chat_type: ChatType = ChatType.PRIVATE
    chat_id: str | None = None
    display_name: str = ""
    now: datetime | None = None
    last: list[Reply] = field(default_factory=list)
    handled_as: str = ""  # what the last message was handled as ("job_search", "form:registration" …)
    buttons_shown: bool = True  # False: a channel without buttons (SMS, some WeChat replies) — lists come numbered

    async def _send(self, inbound: Inbound) -> list[Reply]:
        response = await self.assistant.respond(inbound, now=self.now)
        self.last, self.handled_as = response.replies, response.handled_as
        return self.last

    def _inbound(self, **fields: object) -> Inbound:
        return Inbound(
            channel=self.channel, user_id=self.user_id, chat_id=self.chat_id or self.user_id,
            chat_type=self.chat_type, display_name=self.display_name, buttons=self.buttons_shown,
            **fields,  # type: ignore[arg-type]
        )

    async def say(self, text: str, *, addressed: bool = False) -> list[Reply]:
        return await self._send(self._inbound(text=text, addressed=addressed))

    async def send(self, attachment: str, *, addressed: bool = False) -> list[Reply]:
        """Send something that is not text: "voice", "photo", "sticker" … (flows.messages.ATTACHMENTS)."""
        return await self._send(self._inbound(attachment=attachment, addressed=addressed))

    async def share_contact(self, phone: str) -> list[Reply]:
        contact = Contact(phone=phone, user_id=self.user_id)
        return await self._send(self._inbound(contact=contact))

    async def press(self, label: str | int) -> list[Reply]:
        """Press a button of the last replies, by its label (or a part of it) or its number from 1."""
        button = self.find_button(label)
        return await self._send(self._inbound(callback=button.callback))

    async def inbox(self, *, due_only: bool = True) -> list[Reply]:
        """Outbox messages for this person whose time has come by the conversation's clock (asks, prompts,
        notices), marked sent; their buttons join the last replies' so they can be pressed like any other."""
        now = self.now or utcnow()
        async with self.assistant.db.session() as session:
            messages = await pending_for_chat(
                session, self.channel, self.chat_id or self.user_id, due_by=now if due_only else None
            )
            for message in messages:
                mark_sent(message, at=now)
            delivered = [reply_from_dict(message.payload) for message in messages]
        self.last = [*self.last, *delivered]
        return delivered

    def buttons(self) -> list[Button]:
        return [b for reply in self.last for row in reply.buttons for b in row if b.callback]

    def find_button(self, label: str | int) -> Button:
        buttons = self.buttons()
        if isinstance(label, int):
            if not 1 <= label <= len(buttons):
                raise LookupError(f"no button {label}; there are {len(buttons)}")
            return buttons[label - 1]
        for button in buttons:
            if label in button.label:
                return button
        raise LookupError(f"no button labelled {label!r} among {[b.label for b in buttons]}")

    def text(self) -> str:
        return "\n".join(reply.text for reply in self.last)
