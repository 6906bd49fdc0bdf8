"""Paging of the console's tables: `?page=N` in, offset and the links' numbers out."""

from __future__ import annotations

from dataclasses import dataclass, replace

from aiohttp import web

from storage.numbers import Bounds, read_int

MAX_PAGE = 100_000
PAGES = Bounds(1, MAX_PAGE)


def page_number(text: str | None) -> int:
    """A page number as typed in the URL: digits from 1, anything else is the first page."""
    number = read_int(text, PAGES)
    return number if number is not None else 1


@dataclass(frozen=True)
class Paging:
    number: int
    size: int
    total: int = 0

    @classmethod
    def of(cls, request: web.Request, size: int) -> Paging:
        return cls(page_number(request.query.get("page")), size)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None

    def with_total(self, total: int) -> Paging:
        return replace(self, total=total)
