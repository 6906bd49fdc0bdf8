"""`mishu postings …`: the postings employers submitted, waiting for review; approve (publish and push) or reject."""

from __future__ import annotations

from typing import Any

import typer

from bot.settings import Settings

app = typer.Typer(help="Postings employers submitted: list those waiting, approve, reject.", no_args_is_help=True)
DbOption = typer.Option(None, "--db", help="Database URL.")


@app.command("pending")
def pending(db: str | None = DbOption) -> None:
    """List the postings waiting for review, the longest-waiting first."""
    from bot.cli import run_async, settings_for

    rows = run_async(_pending)(settings_for(db))
    if not rows:
        typer.echo("no postings are waiting for review")
        return
    for row in rows:
        typer.echo("#{id}  {submitted}  {enterprise}  {title} ({category})  {openings} · {pay} · {place}  "
                   "contact {contact}".format(**row))


async def _pending(settings: Settings) -> list[dict[str, Any]]:
    from zoneinfo import ZoneInfo

    from bot.app import open_database
    from storage.queries.employers import pending_postings

    database = await open_database(settings)
    zone = ZoneInfo(settings.timezone)
    try:
        async with database.session() as session:
            return [
                {"id": p.id, "enterprise": p.enterprise.name, "title": p.title, "category": p.job_category,
                 "openings": "若干" if p.openings is None else p.openings, "pay": p.salary_text or "-",
                 "place": p.address or p.township or p.city, "contact": p.contact_name or "-",
                 "submitted": p.submitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if p.submitted_at else "-"}
                for p in await pending_postings(session)
            ]
    finally:
        await database.dispose()


@app.command("approve")
def approve(posting_id: int = typer.Argument(..., min=1, help="The posting's number."), db: str | None = DbOption) -> None:
    """Publish a pending posting: it goes on the shelf, is pushed to the workers it fits, and the employer is told."""
    from bot.cli import run_async, settings_for

    typer.echo(run_async(_review)(settings_for(db), posting_id, True, ""))


@app.command("reject")
def reject(
    posting_id: int = typer.Argument(..., min=1, help="The posting's number."),
    reason: str = typer.Option(..., "--reason", help="Why (the employer is told)."),
    db: str | None = DbOption,
) -> None:
    """Turn a pending posting down; the employer is told the reason and may change it and send it again."""
    from bot.cli import run_async, settings_for

    typer.echo(run_async(_review)(settings_for(db), posting_id, False, reason))


async def _review(settings: Settings, posting_id: int, approving: bool, reason: str) -> str:
    from datetime import UTC, datetime

    from bot.app import open_database
    from bot.cli import fail
    from flows.posting_review import Outcome, approve, reject
    from flows.push import PushPolicy

    database = await open_database(settings)
    now = datetime.now(UTC)
    try:
        async with database.session() as session:
            if approving:
                reviewed = await approve(session, posting_id, reviewer=None, now=now,
                                         policy=PushPolicy.coerce(settings), default_language=settings.language.default)
            else:
                reviewed = await reject(session, posting_id, reviewer=None, reason=reason, now=now,
                                        default_language=settings.language.default)
        posting = reviewed.posting
        if reviewed.outcome == Outcome.APPROVED and posting is not None and reviewed.push is not None:
            return (f"#{posting.id} {posting.title} approved and published; pushed to {reviewed.push.queued} workers "
                    f"({reviewed.push.matched} matched, {reviewed.push.no_chat} without a private chat)")
        if reviewed.outcome == Outcome.REJECTED and posting is not None:
            return f"#{posting.id} {posting.title} rejected; the employer is told why"
        if reviewed.outcome == Outcome.NO_REASON:
            fail("a rejection needs a reason: --reason TEXT")
        if reviewed.outcome == Outcome.ALREADY and posting is not None:
            fail(f"posting #{posting_id} is not waiting for review (it is {posting.status})")
        fail(f"no posting #{posting_id}")
        raise AssertionError  # unreachable: fail exits
    finally:
        await database.dispose()
