"""Staff sign-in to the web console: one-time links, argon2 passwords, sessions with expiry, lockout with back-off.

The rules are pure functions (`backoff`, `session_alive`, `password_problem`); the shells read and write the
rows through storage/queries/staff.py. Who may sign in: secretaries and admins (employers later). A wrong
password and an unknown login are answered alike and take the same time (a dummy hash is verified).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, StaffAccount, StaffSession
from storage.queries import staff as rows
from storage.states import Role

CONSOLE_ROLES = Role.STAFF  # employers later
MIN_PASSWORD = 8
LOGIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often (one UPDATE per minute, not per page)

# Argon2id at OWASP's recommended setting (19 MiB, 2 passes, 1 lane): costly to guess offline, and a sign-in
# stays well under a second on the bureau's small server; hashes made with other settings are re-made at sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY_HASH = _hasher.hash("not a password anyone has")


@dataclass(frozen=True)
class SignInPolicy:
    """The `web:` section's sign-in rules (bot/web/app.py fills it in from the settings)."""

    session_hours: float = 12
    idle_minutes: float = 120
    invite_hours: float = 24
    account_failures: int = 5
    client_failures: int = 20
    backoff_seconds: float = 60
    backoff_max_seconds: float = 3600


# --- pure rules -------------------------------------------------------------------------------------------


def backoff(failures: int, threshold: int, base_seconds: float, max_seconds: float) -> timedelta | None:
    """How long to lock after `failures` failures in a row: none below the threshold, then base, doubling each
    further failure, capped."""
    if failures < threshold:
        return None
    return timedelta(seconds=min(max_seconds, base_seconds * 2 ** min(failures - threshold, 30)))


def session_alive(row: StaffSession, now: datetime, policy: SignInPolicy) -> bool:
    """Within its absolute lifetime and not idle for longer than allowed."""
    return row.expires_at > now and now - row.last_seen_at <= timedelta(minutes=policy.idle_minutes)


def password_problem(password: str, login: str) -> str | None:
    """Why a new password is refused (a catalogue key under web.password.), or None."""
    if len(password) < MIN_PASSWORD:
        return "too_short"
    if password.strip().lower() == login.lower() or len(set(password)) < 4:
        return "too_simple"
    return None


def normal_login(text: str) -> str | None:
    """A login name as stored (lower case, 3–64 of a–z 0–9 . _ - @), or None when it cannot be one."""
    login = text.strip().lower()
    if not 3 <= len(login) <= 64 or not set(login) <= LOGIN_CHARS:
        return None
    return login


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


# --- invites ----------------------------------------------------------------------------------------------


class InviteStatus(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    NOT_STAFF = "not_staff"
    BAD_LOGIN = "bad_login"
    LOGIN_TAKEN = "login_taken"
    WEAK_PASSWORD = "weak_password"


@dataclass(frozen=True)
class InviteCheck:
    status: InviteStatus
    person: Person | None = None
    account: StaffAccount | None = None
    problem: str = ""  # with WEAK_PASSWORD: which rule (web.password.<problem>)


async def suggested_login(session: AsyncSession, person: Person) -> str:
    """A login to offer: the person's first channel id (tg12345, sec1), else staff<id>; made unique."""
    identity = await rows.first_identity(session, person.id)
    if identity is None:
        base = f"staff{person.id}"
    elif identity.channel == "telegram":
        base = f"tg{identity.external_id}"
    else:
        base = normal_login(identity.external_id) or f"staff{person.id}"
    login, n = base, 1
    while await rows.login_taken(session, login, by_other_than=person.id):
        n += 1
        login = f"{base}-{n}"
    return login


async def issue_invite(session: AsyncSession, person: Person, *, now: datetime, policy: SignInPolicy) -> str | None:
    """A one-time sign-in token for a staff member (None when they are not staff); their account is created
    with a suggested login if they have none. Only the token's hash is stored."""
    if person.role not in CONSOLE_ROLES or person.forgotten_at is not None:
        return None
    if await rows.account_of(session, person.id) is None:
        rows.add_account(session, person.id, await suggested_login(session, person), at=now)
    token = new_token()
    rows.add_invite(session, token_hash=token_hash(token), person_id=person.id, at=now,
                    expires_at=now + timedelta(hours=policy.invite_hours))
    return token


async def check_invite(session: AsyncSession, token: str, *, now: datetime) -> InviteCheck:
    invite = await rows.invite_for_update(session, token_hash(token))
    if invite is None:
        return InviteCheck(InviteStatus.UNKNOWN)
    if invite.used_at is not None:
        return InviteCheck(InviteStatus.USED)
    if invite.expires_at <= now:
        return InviteCheck(InviteStatus.EXPIRED)
    person = await session.get(Person, invite.person_id)
    account = await rows.account_of(session, invite.person_id)
    if person is None or account is None or person.role not in CONSOLE_ROLES or person.forgotten_at is not None:
        return InviteCheck(InviteStatus.NOT_STAFF)
    return InviteCheck(InviteStatus.OK, person, account)


async def redeem_invite(
    session: AsyncSession, token: str, *, login: str, password: str, now: datetime
) -> InviteCheck:
    """Set the login and password through a one-time link; the link is spent and older sessions end."""
    check = await check_invite(session, token, now=now)
    if check.status != InviteStatus.OK or check.person is None or check.account is None:
        return check
    chosen = normal_login(login)
    if chosen is None:
        return InviteCheck(InviteStatus.BAD_LOGIN, check.person, check.account)
    if await rows.login_taken(session, chosen, by_other_than=check.person.id):
        return InviteCheck(InviteStatus.LOGIN_TAKEN, check.person, check.account)
    problem = password_problem(password, chosen)
    if problem is not None:
        return InviteCheck(InviteStatus.WEAK_PASSWORD, check.person, check.account, problem)
    invite = await rows.invite_for_update(session, token_hash(token))
    assert invite is not None
    invite.used_at = now
    check.account.login = chosen
    check.account.password_hash = _hasher.hash(password)
    check.account.password_set_at = now
    await rows.end_sessions_of(session, check.person.id)
    await rows.clear_throttle(session, f"account:{chosen}")
    return check


# --- signing in ---------------------------------------------------------------------------------------------


class SignInStatus(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # wrong login or password (never said which)
    LOCKED = "locked"  # too many failures: try again after `retry_after`


@dataclass(frozen=True)
class SignInResult:
    status: SignInStatus
    person: Person | None = None
    retry_after: timedelta | None = None
    failures: int = 0  # the account's failures in a row (for the audit log)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def sign_in(
    session: AsyncSession, login: str, password: str, *, client: str, now: datetime, policy: SignInPolicy
) -> SignInResult:
    """Check a login and password, counting failures per account and per client address; locked means
    no password is even checked until the lock ends."""
    name = (normal_login(login) or login.strip().lower())[:64]
    keys = [f"account:{name}", f"client:{client}"[:128]]
    found = await rows.throttles(session, keys)
    locks = [row.locked_until for row in found.values() if row.locked_until is not None and row.locked_until > now]
    if locks:
        return SignInResult(SignInStatus.LOCKED, retry_after=max(locks) - now,
                            failures=found[keys[0]].failures if keys[0] in found else 0)
    match = await rows.account_by_login(session, name)
    account, person = match if match is not None else (None, None)
    good = _verify(account.password_hash if account else None, password)
    if good and person is not None and person.role in CONSOLE_ROLES and person.forgotten_at is None:
        assert account is not None
        for key in keys:
            await rows.clear_throttle(session, key)
        if _hasher.check_needs_rehash(account.password_hash or ""):
            account.password_hash = _hasher.hash(password)
        return SignInResult(SignInStatus.OK, person)
    lock: timedelta | None = None
    failures = 0
    for key, threshold in zip(keys, (policy.account_failures, policy.client_failures), strict=True):
        row = found.get(key) or rows.add_throttle(session, key)
        row.failures = (row.failures or 0) + 1
        row.last_failure_at = now
        wait = backoff(row.failures, threshold, policy.backoff_seconds, policy.backoff_max_seconds)
        if wait is not None:
            row.locked_until = now + wait
            lock = max(lock, wait) if lock is not None else wait
        if key == keys[0]:
            failures = row.failures
    if lock is not None:
        return SignInResult(SignInStatus.LOCKED, person, retry_after=lock, failures=failures)
    return SignInResult(SignInStatus.WRONG, person, failures=failures)


@dataclass(frozen=True)
class OpenedSession:
    token: str  # goes into the cookie; only its hash is stored
    csrf_token: str


async def open_session(
    session: AsyncSession, person: Person, *, client: str, now: datetime, policy: SignInPolicy
) -> OpenedSession:
    token, csrf = new_token(), new_token()
    rows.add_session(session, token_hash=token_hash(token), person_id=person.id, csrf_token=csrf, client=client,
                     at=now, expires_at=now + timedelta(hours=policy.session_hours))
    return OpenedSession(token, csrf)


async def current_session(
    session: AsyncSession, token: str, *, now: datetime, policy: SignInPolicy
) -> tuple[StaffSession, Person] | None:
    """The live session a cookie names, with its person; an expired, idle or no-longer-staff one ends here."""
    found = await rows.session_with_person(session, token_hash(token))
    if found is None:
        return None
    row, person = found
    if not session_alive(row, now, policy) or person.role not in CONSOLE_ROLES or person.forgotten_at is not None:
        await rows.end_session(session, row.token_hash)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row, person


async def sign_out(session: AsyncSession, token: str) -> None:
    await rows.end_session(session, token_hash(token))
