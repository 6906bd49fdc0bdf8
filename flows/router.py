"""Routers: which handler answers which intent, button action or form (after aiogram's routers).

Handlers are plain async functions taking the `Turn`; topics each have a router, and the assistant's
root router includes them all, so adding a topic never touches the dispatcher.

What a button may do is declared where its action is registered: `once=True` for an action that must take
effect at most once per button (applying, cancelling a booking, withdrawing a broadcast, answering a check-in):
the assistant consumes such a button atomically before the handler runs, whatever the button was issued with.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.turn import Turn

Handler = Callable[["Turn"], Awaitable[None]]


class Router:
    """Maps intent names, button actions and form names to handlers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.intents: dict[str, Handler] = {}
        self.actions: dict[str, Handler] = {}
        self.forms: dict[str, Handler] = {}
        self.commands: dict[str, Handler] = {}
        self.once: set[str] = set()  # actions whose buttons are consumed when pressed (single use)

    def _register(self, table: dict[str, Handler], keys: tuple[str, ...]) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            for key in keys:
                if key in table:
                    raise ValueError(f"{self.name}: '{key}' already has a handler")
                table[key] = handler
            return handler

        return decorator

    def intent(self, *names: str) -> Callable[[Handler], Handler]:
        """Handle messages whose parse has one of these intents."""
        return self._register(self.intents, names)

    def action(self, *names: str, once: bool = False) -> Callable[[Handler], Handler]:
        """Handle pressed buttons whose stored action is one of these; `once`: each button acts at most once."""
        if once:
            self.once.update(names)
        return self._register(self.actions, names)

    def form(self, name: str) -> Callable[[Handler], Handler]:
        """Handle the next message of a person who is filling in this form."""
        return self._register(self.forms, (name,))

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        """Handle texts starting with /name (staff commands), before the NLU sees them."""
        return self._register(self.commands, names)

    def include(self, *routers: Router) -> None:
        for router in routers:
            tables = (
                (self.intents, router.intents), (self.actions, router.actions), (self.forms, router.forms),
                (self.commands, router.commands),
            )
            for table, other in tables:
                for key, handler in other.items():
                    if key in table:
                        raise ValueError(f"'{key}' is handled by both {self.name} and {router.name}")
                    table[key] = handler
            self.once |= router.once
