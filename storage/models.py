"""The tables: people and their roles, the job supermarket, policies, trainings, buses, follow-ups, outbox.

Times are stored in UTC (`UtcDateTime` makes them timezone-aware on the way out, also on SQLite);
lists that are only ever read whole (skills, wanted categories, key points) are JSON columns. Text columns are
`BoundedString(n)` / `CleanText` (storage/columns.py): a value longer than its column is cut, not refused, the
same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.columns import BoundedString, CleanText, EnumString, TokenList
from storage.states import (
    ApplicationState,
    BookingState,
    BroadcastState,
    CaseKind,
    CaseState,
    EmploymentStatus,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpState,
    OfficeKind,
    OutboxState,
    PostingState,
    Role,
    WorkerAnswer,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[str]: JSON, list[Any]: JSON}


# --- people -------------------------------------------------------------------------------------

ROLES = tuple(Role)
WORKER_STATUSES = tuple(EmploymentStatus)


class Person(Base):
    """Anyone Mishu knows: worker, observer, secretary, admin or employer (the role decides what they may do); an
    employer is an enterprise's contact, bound to that enterprise (`enterprise_id`)."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(EnumString(Role, 16), default=Role.WORKER, index=True)
    name: Mapped[str] = mapped_column(BoundedString(64), default="")
    phone: Mapped[str | None] = mapped_column(BoundedString(20))
    id_number: Mapped[str | None] = mapped_column(BoundedString(20))
    language: Mapped[str | None] = mapped_column(BoundedString(8))  # zh-hans | zh-hant | en; None = follow the user
    township: Mapped[str | None] = mapped_column(BoundedString(32), index=True)
    village: Mapped[str | None] = mapped_column(BoundedString(32))
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    # An employer's enterprise (set with the role, by staff or a one-time binding code); None for everyone else.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    forgotten_at: Mapped[datetime | None] = mapped_column()  # /forget: personal fields wiped

    identities: Mapped[list[ChannelIdentity]] = relationship(back_populates="person", cascade="all, delete-orphan")
    profile: Mapped[WorkerProfile | None] = relationship(
        back_populates="person", foreign_keys="WorkerProfile.person_id", uselist=False, cascade="all, delete-orphan"
    )


class PersonNameGram(Base):
    """A piece (one or two characters, lower-cased) of a person's name: the console's name search reads these
    instead of every name. Written only by the database's triggers (storage/name_index.py)."""

    __tablename__ = "person_name_gram"

    gram: Mapped[str] = mapped_column(BoundedString(2), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True)


class NameGramOffset(Base):
    """Where the pieces of a name start and how long they are (fixed rows: storage/name_index.py)."""

    __tablename__ = "name_gram_offset"

    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    width: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class ChannelIdentity(Base):
    """A person's account on a channel (a Telegram user id today, others later)."""

    __tablename__ = "channel_identity"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(BoundedString(16))
    external_id: Mapped[str] = mapped_column(BoundedString(64))
    chat_id: Mapped[str | None] = mapped_column(BoundedString(64))  # private chat to reach them proactively
    display_name: Mapped[str] = mapped_column(BoundedString(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="identities")


class SecretaryCoverage(Base):
    """Townships a secretary covers; assignment prefers a covering secretary with the lightest load."""

    __tablename__ = "secretary_coverage"
    __table_args__ = (UniqueConstraint("secretary_id", "township"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    secretary_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    township: Mapped[str] = mapped_column(BoundedString(32), index=True)


class WorkerProfile(Base):
    """What a registered worker told us, plus their employment status and their secretary."""

    __tablename__ = "worker_profile"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(EnumString(EmploymentStatus, 16), default=EmploymentStatus.SEEKING, index=True)
    skills: Mapped[list[str]] = mapped_column(default=list)
    wanted_categories: Mapped[list[str]] = mapped_column(default=list)
    # What every pushed posting must offer (canonical attributes, storage/attributes.py): 日结, 包吃住 …
    wanted_attributes: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    min_monthly_pay: Mapped[int | None] = mapped_column(Integer)
    available_from: Mapped[date | None] = mapped_column(Date)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(BoundedString(8))
    is_returnee: Mapped[bool] = mapped_column(Boolean, default=False)
    returnee_origin: Mapped[str | None] = mapped_column(BoundedString(32), index=True)  # where they worked before returning
    hardest_hit: Mapped[bool] = mapped_column(Boolean, default=False)  # from the hardest-hit areas
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    paused_until: Mapped[datetime | None] = mapped_column()
    digest_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    consent_at: Mapped[datetime | None] = mapped_column()
    consent_how: Mapped[str | None] = mapped_column(BoundedString(32))  # "self" | "in_person_by_observer"
    placed_employer: Mapped[str | None] = mapped_column(BoundedString(128))
    last_contact_at: Mapped[datetime | None] = mapped_column()
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="profile", foreign_keys=[person_id])


class WorkerCategory(Base):
    """One job category a worker wants or knows: the indexed prefilter of push matching, so a posting reads only
    the workers of its category. Kept in step with WorkerProfile.wanted_categories/skills by storage/worker_index.py."""

    __tablename__ = "worker_category"
    __table_args__ = (Index("ix_worker_category_lookup", "category", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("worker_profile.person_id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(BoundedString(64))
    wanted: Mapped[bool] = mapped_column(Boolean, default=True)  # False: a skill, not a wish


class StatusChange(Base):
    """History of a worker's employment status (who changed it, why)."""

    __tablename__ = "status_change"
    # The overview's placements per day read the changes into one status in a period from this index.
    __table_args__ = (Index("ix_status_change_new_status_at", "new_status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[str | None] = mapped_column(EnumString(EmploymentStatus, 16))
    new_status: Mapped[str] = mapped_column(EnumString(EmploymentStatus, 16))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(BoundedString(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkerNote(Base):
    """A secretary's note on a worker, shown on the worker's card."""

    __tablename__ = "worker_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(CleanText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- job supermarket -----------------------------------------------------------------------------


class Enterprise(Base):
    """An employer that put postings on the shelf."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(BoundedString(64), unique=True)
    name: Mapped[str] = mapped_column(BoundedString(128), unique=True)
    credit_code: Mapped[str | None] = mapped_column(BoundedString(32))
    industry: Mapped[str] = mapped_column(BoundedString(32), default="")
    township: Mapped[str | None] = mapped_column(BoundedString(32))
    city: Mapped[str] = mapped_column(BoundedString(32), default="")  # 峨眉山市, 绍兴, 东莞 ...
    province: Mapped[str] = mapped_column(BoundedString(16), default="四川")
    address: Mapped[str] = mapped_column(BoundedString(256), default="")
    contact_name: Mapped[str] = mapped_column(BoundedString(32), default="")
    contact_phone: Mapped[str] = mapped_column(BoundedString(32), default="")
    description: Mapped[str] = mapped_column(CleanText, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    postings: Mapped[list[Posting]] = relationship(back_populates="enterprise")


class Posting(Base):
    """A job opening on the shelf of the job supermarket."""

    __tablename__ = "posting"
    __table_args__ = (
        Index("ix_posting_open_category", "status", "job_category"),
        # Near-duplicates (same enterprise, title and place): the shelf triggers find a posting's group by it.
        Index("ix_posting_duplicates", "enterprise_id", "title", text("coalesce(township, city)")),
        Index("ix_posting_listed_deadline", "listed", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(BoundedString(64), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(BoundedString(128))
    job_category: Mapped[str] = mapped_column(BoundedString(32), index=True)
    township: Mapped[str | None] = mapped_column(BoundedString(32))  # inside the county
    village: Mapped[str | None] = mapped_column(BoundedString(32))  # when the place names one (双福镇青春村茶园)
    city: Mapped[str] = mapped_column(BoundedString(32), default="峨眉山市")
    province: Mapped[str] = mapped_column(BoundedString(16), default="四川")
    address: Mapped[str] = mapped_column(BoundedString(128), default="")  # the work place as the employer wrote it
    # None: not said (若干); evaluates_none: an explicit None is stored as NULL, not replaced by the default.
    openings: Mapped[int | None] = mapped_column(Integer().evaluates_none(), default=1)
    salary_min: Mapped[int | None] = mapped_column(Integer)
    salary_max: Mapped[int | None] = mapped_column(Integer)
    salary_unit: Mapped[str] = mapped_column(BoundedString(8), default="month")  # month | day | piece | hour
    salary_text: Mapped[str] = mapped_column(BoundedString(64), default="")  # as the employer wrote it ("面议")
    description: Mapped[str] = mapped_column(CleanText, default="")
    requirements: Mapped[str] = mapped_column(CleanText, default="")
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    benefits: Mapped[str] = mapped_column(BoundedString(256), default="")
    contact_name: Mapped[str] = mapped_column(BoundedString(32), default="")
    contact_phone: Mapped[str] = mapped_column(BoundedString(32), default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    seasonal: Mapped[bool] = mapped_column(Boolean, default=False)
    # storage/states.py PostingState: pending (an employer's, waiting for staff) → open (on the shelf) → closed;
    # or pending → rejected. Only open postings reach search, pushes, the figures and the exports.
    status: Mapped[str] = mapped_column(EnumString(PostingState, 8), default=PostingState.OPEN, index=True)
    # When it went on the shelf: for an employer's posting, reset to the approval time (newest first, and the
    # daily push's look-back, count from there; `submitted_at` keeps when the employer sent it).
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column()
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str] = mapped_column(CleanText, default="", server_default="")  # why it was rejected
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # employer's edits while pending
    # Read from the fields above whenever the posting is written (storage/posting_index.py), never set by hand:
    attribute_mask: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # storage/attributes.py
    monthly_pay: Mapped[int | None] = mapped_column(Integer)  # best pay a month, to the ten yuan; None: no figure
    search_tokens: Mapped[str] = mapped_column(TokenList, default="", server_default="")  # storage/search_text.py
    # On the shelf search reads: open, the one shown of its near-duplicates, and not past its deadline when the
    # daily check last ran. Kept by database triggers (storage/shelf.py), whoever writes the posting.
    listed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    enterprise: Mapped[Enterprise] = relationship(back_populates="postings")


class ShelfCount(Base):
    """How many listed postings share one group of what search filters on besides words: category, place, the
    attributes, pay and age limits (a missing value is '' or -1). Kept by the shelf's triggers in the same
    transaction as the postings (storage/shelf.py); a question without free-text words sums the groups that fit
    instead of counting postings (storage/queries/search.py)."""

    __tablename__ = "shelf_count"
    # Questions read in pay order sum the groups per pay figure: this covering index gives them in that order
    # (no sort of every group; storage/queries/search.py `grouped`).
    # (named as storage/queries/search.py COUNT_PAY_INDEX, which reads it)
    __table_args__ = (Index("ix_shelf_count_pay", "monthly_pay", "job_category", "township", "city", "province",
                            "attribute_mask", "age_min", "age_max", "postings"),)

    job_category: Mapped[str] = mapped_column(BoundedString(32), primary_key=True)
    township: Mapped[str] = mapped_column(BoundedString(32), primary_key=True)
    city: Mapped[str] = mapped_column(BoundedString(32), primary_key=True)
    province: Mapped[str] = mapped_column(BoundedString(16), primary_key=True)
    attribute_mask: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    monthly_pay: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # -1: no figure
    age_min: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # -1: none
    age_max: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # -1: none
    postings: Mapped[int] = mapped_column(Integer, default=0)


class ShelfToken(Base):
    """PostgreSQL only: how many listed postings hold each search token (their `search_document`), as of the last
    fold. Writers never touch it: the shelf's trigger records each change in `shelf_token_change`, and
    `storage.queries.token_counts.fold` adds the changes up here; a token's exact count is this row plus its
    changes not folded yet (`token_total`). A question whose only condition is one token is totalled from these
    instead of visiting every matching posting (storage/queries/search.py)."""

    __tablename__ = "shelf_token"

    token: Mapped[str] = mapped_column(Text, primary_key=True)
    postings: Mapped[int] = mapped_column(Integer)


class ShelfTokenChange(Base):
    """PostgreSQL only: a listed posting's tokens came on the shelf (+1) or left it (-1), not folded into
    `shelf_token` yet (rows are only ever inserted by the trigger and deleted by the fold: no row is updated)."""

    __tablename__ = "shelf_token_change"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    document: Mapped[Any] = mapped_column(TSVECTOR)
    change: Mapped[int] = mapped_column(SmallInteger)


class EmployerCode(Base):
    """A one-time code the bureau gives an enterprise's contact to bind their chat to it (`/employer CODE`).

    Only a hash of the code is kept; it works once (`used_at`), until `expires_at`."""

    __tablename__ = "employer_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(BoundedString(64), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))


class Application(Base):
    """A worker applied for a posting; their secretary is told."""

    __tablename__ = "application"
    __table_args__ = (UniqueConstraint("posting_id", "worker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(EnumString(ApplicationState, 16), default=ApplicationState.SUBMITTED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The worker agreed that the posting's employer may see their phone number (asked after applying to an
    # employer's own posting; no answer is no).
    phone_shared_at: Mapped[datetime | None] = mapped_column()

    posting: Mapped[Posting] = relationship()


class PushRecord(Base):
    """A posting pushed to a worker: never the same posting twice, daily caps, per-posting caps."""

    __tablename__ = "push_record"
    __table_args__ = (UniqueConstraint("posting_id", "worker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("posting.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str] = mapped_column(BoundedString(256), default="")
    response: Mapped[str | None] = mapped_column(BoundedString(16))  # applied | not_interested | paused
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# --- policies ------------------------------------------------------------------------------------


class Policy(Base):
    """A policy document in the knowledge base (worker- or employer-side)."""

    __tablename__ = "policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(BoundedString(32), unique=True)  # canonical name, also the NLU entity value
    title: Mapped[str] = mapped_column(BoundedString(128))
    aliases: Mapped[list[str]] = mapped_column(default=list)
    audience: Mapped[str] = mapped_column(BoundedString(8), default="worker")  # worker | employer | both
    issuer: Mapped[str] = mapped_column(BoundedString(128), default="")
    document_number: Mapped[str] = mapped_column(BoundedString(64), default="")
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(BoundedString(256), default="")
    summary: Mapped[str] = mapped_column(CleanText, default="")
    key_points: Mapped[list[str]] = mapped_column(default=list)
    eligibility: Mapped[list[str]] = mapped_column(default=list)
    how_to_apply: Mapped[list[str]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    faq: Mapped[list[PolicyFaq]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", order_by="PolicyFaq.id"
    )


class PolicyFaq(Base):
    """A question and answer attached to a policy."""

    __tablename__ = "policy_faq"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(CleanText)
    answer: Mapped[str] = mapped_column(CleanText)

    policy: Mapped[Policy] = relationship(back_populates="faq")


# --- the bureau's own facts (storage/bureau_file.py; `mishu import bureau FILE` replaces them all) ---------


class BureauProfile(Base):
    """The bureau itself: its name, hotline and the notice shown under answers about it (one row)."""

    __tablename__ = "bureau_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(BoundedString(128))
    hotline: Mapped[str] = mapped_column(BoundedString(32))
    hotline_hours: Mapped[str] = mapped_column(BoundedString(128), default="")
    notice: Mapped[str] = mapped_column(CleanText, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BureauOffice(Base):
    """The bureau's service hall (kind office) or a township's service station (kind station)."""

    __tablename__ = "bureau_office"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(BoundedString(32), unique=True)  # a station's key is its township
    kind: Mapped[str] = mapped_column(EnumString(OfficeKind, 8))
    name: Mapped[str] = mapped_column(BoundedString(128))
    township: Mapped[str] = mapped_column(BoundedString(32), default="")
    address: Mapped[str] = mapped_column(BoundedString(256), default="")
    phone: Mapped[str] = mapped_column(BoundedString(32), default="")
    map_url: Mapped[str] = mapped_column(BoundedString(512), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    hours: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"open": "09:00", "close": …, "lunch": "12:00-14:00"}
    services: Mapped[list[str]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(CleanText, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the file


class BureauService(Base):
    """A service of the bureau's world the assistant does not handle, and where people get it."""

    __tablename__ = "bureau_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(BoundedString(64), unique=True)
    en: Mapped[str] = mapped_column(BoundedString(128), default="")
    aliases: Mapped[list[str]] = mapped_column(default=list)
    offices: Mapped[list[str]] = mapped_column(default=list)  # keys of bureau_office
    stations: Mapped[bool] = mapped_column(Boolean, default=False)
    hotline: Mapped[str] = mapped_column(BoundedString(32), default="")
    elsewhere: Mapped[str] = mapped_column(BoundedString(256), default="")
    bring: Mapped[str] = mapped_column(CleanText, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class BureauSpecialDay(Base):
    """A day the offices differ from the holiday calendar (closed on a working day, open on a day off)."""

    __tablename__ = "bureau_special_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    open: Mapped[bool] = mapped_column(Boolean)
    hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    offices: Mapped[list[str]] = mapped_column(default=list)  # empty: every office and station
    note: Mapped[str] = mapped_column(CleanText, default="")


# --- trainings and buses ---------------------------------------------------------------------------


class Training(Base):
    """A (often subsidised) skills course, online or in a classroom."""

    __tablename__ = "training"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(BoundedString(128))
    topic: Mapped[str] = mapped_column(BoundedString(32), index=True)  # canonical training topic (NLU entity)
    mode: Mapped[str] = mapped_column(BoundedString(8), default="offline")  # online | offline
    location: Mapped[str] = mapped_column(BoundedString(128), default="")
    organiser: Mapped[str] = mapped_column(BoundedString(128), default="")
    description: Mapped[str] = mapped_column(CleanText, default="")
    requirements: Mapped[str] = mapped_column(CleanText, default="")
    subsidy: Mapped[str] = mapped_column(BoundedString(128), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=30)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()


class Enrollment(Base):
    """A worker enrolled in a training; a reminder goes out before it starts."""

    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("training_id", "worker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column()

    training: Mapped[Training] = relationship()


class BusDeparture(Base):
    """A point-to-point return-to-work bus (春风行动), with a health-check requirement."""

    __tablename__ = "bus_departure"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(BoundedString(64))
    destination: Mapped[str] = mapped_column(BoundedString(64))
    destination_province: Mapped[str] = mapped_column(BoundedString(16), default="")
    departs_at: Mapped[datetime] = mapped_column(index=True)
    seats: Mapped[int] = mapped_column(Integer)
    pickup_points: Mapped[list[str]] = mapped_column(default=list)
    requirements: Mapped[str] = mapped_column(CleanText, default="")
    price: Mapped[str] = mapped_column(BoundedString(32), default="免费")
    employer: Mapped[str] = mapped_column(BoundedString(128), default="")


class Booking(Base):
    """Seats booked on a bus by a worker."""

    __tablename__ = "booking"
    __table_args__ = (UniqueConstraint("departure_id", "worker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    departure_id: Mapped[int] = mapped_column(ForeignKey("bus_departure.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    seats: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(EnumString(BookingState, 16), default=BookingState.BOOKED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column()  # the day-before reminder went out

    departure: Mapped[BusDeparture] = relationship()


# --- secretaries' work -----------------------------------------------------------------------------


class FollowUp(Base):
    """A scheduled check-in with a worker; claimed with a row lock when due so it runs once."""

    __tablename__ = "follow_up"
    # Due and overdue rows per state (the due scan, the secretaries' lists, overdue counts per secretary) and
    # done ones per completion time (done per secretary in a period): both read from the index alone.
    __table_args__ = (
        Index("ix_follow_up_due", "state", "due_at", "secretary_id"),
        Index("ix_follow_up_done", "state", "completed_at", "secretary_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(EnumString(FollowUpKind, 16))
    due_at: Mapped[datetime] = mapped_column()
    # storage/states.py FollowUpState: pending → asked_worker → prompted → escalated → done; or cancelled
    state: Mapped[str] = mapped_column(EnumString(FollowUpState, 16), default=FollowUpState.PENDING)
    asked_worker_at: Mapped[datetime | None] = mapped_column()
    worker_answer: Mapped[str | None] = mapped_column(EnumString(WorkerAnswer, 16))
    prompted_at: Mapped[datetime | None] = mapped_column()
    prompts_sent: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(EnumString(FollowUpOutcome, 16))
    note: Mapped[str] = mapped_column(CleanText, default="")
    completed_at: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(BoundedString(64))
    claimed_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Case(Base):
    """Something a secretary must handle: a hand-off request or a wage-arrears case, with context.

    A person has at most one open case of each kind (a partial unique index): a further request joins it, and
    the secretary hears of it at most once per quiet period (`last_notice_at`, `notice_messages`)."""

    __tablename__ = "case"
    __table_args__ = (
        Index("uq_case_open_per_kind", "worker_id", "kind", unique=True,
              sqlite_where=text(f"status = '{CaseState.OPEN}'"),
              postgresql_where=text(f"status = '{CaseState.OPEN}'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(EnumString(CaseKind, 16))
    worker_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(CleanText, default="")
    context: Mapped[list[Any]] = mapped_column(default=list)  # the last messages
    status: Mapped[str] = mapped_column(EnumString(CaseState, 16), default=CaseState.OPEN)  # open → answered → closed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The secretary's notices: how many were queued, when the latest goes (or went) out, and how many of the
    # person's messages it carries (a notice waiting for its time takes in the messages that arrive meanwhile).
    notices: Mapped[int] = mapped_column(default=0, server_default="0")
    last_notice_at: Mapped[datetime | None] = mapped_column()
    notice_messages: Mapped[int] = mapped_column(default=0, server_default="0")
    # Marked resolved (status closed) by a staff member, in the console or the chat.
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))


class ServiceRecord(Base):
    """One service contact (every handled message, call or check-in): the bureau's figures count these."""

    __tablename__ = "service_record"
    # The console's contacts-per-day-and-channel chart reads only these two columns: the index alone answers it.
    __table_args__ = (Index("ix_service_record_day_channel", "created_at", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(BoundedString(16))
    kind: Mapped[str] = mapped_column(BoundedString(32))  # the intent or action handled
    chat_type: Mapped[str] = mapped_column(BoundedString(8), default="private")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ChatGroup(Base):
    """A group chat the bot is in (broadcast audience; moved when Telegram migrates it)."""

    __tablename__ = "chat_group"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(BoundedString(16))
    chat_id: Mapped[str] = mapped_column(BoundedString(64))
    title: Mapped[str] = mapped_column(BoundedString(128), default="")
    township: Mapped[str | None] = mapped_column(BoundedString(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Broadcast(Base):
    """A notice staff send to an audience, now or at a time; delivered through the outbox."""

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(CleanText)
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    send_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(EnumString(BroadcastState, 16), default=BroadcastState.SCHEDULED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- delivery and conversation ----------------------------------------------------------------------

# pending → (claimed: claimed_by/claimed_until set) → sending → sent | pending (retry) | failed | unreachable;
# a 'sending' row whose lease ran out (its process died mid-send) becomes 'uncertain' (at-most-once purposes)
# or 'pending' again (at-least-once purposes). See bot/delivery.py.
OUTBOX_STATES = tuple(OutboxState)


class OutboxMessage(Base):
    """A message nobody is waiting for, persisted before sending so a restart neither loses nor repeats it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_outbox_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(BoundedString(160))  # purpose + recipient
    purpose: Mapped[str] = mapped_column(BoundedString(64), index=True)  # push:12, prompt:7, broadcast:3 ...
    channel: Mapped[str] = mapped_column(BoundedString(16))
    chat_id: Mapped[str] = mapped_column(BoundedString(64), index=True)
    chat_type: Mapped[str] = mapped_column(BoundedString(8), default="private")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # a serialised Reply
    state: Mapped[str] = mapped_column(EnumString(OutboxState, 16), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(BoundedString(256), default="")
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcast.id", ondelete="SET NULL"), index=True)
    claimed_by: Mapped[str | None] = mapped_column(BoundedString(64))
    claimed_until: Mapped[datetime | None] = mapped_column()  # lease: after it, the claimer is presumed dead
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class OutboxSubject(Base):
    """A person a queued message is about (a worker's card to their secretary, a digest line, an escalation):
    /forget withdraws and wipes messages about the person as well as those to them."""

    __tablename__ = "outbox_subject"

    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True)


class DeliveryWorker(Base):
    """A delivery process, seen at its last heartbeat: the live ones share the bot's rate limit equally."""

    __tablename__ = "delivery_worker"

    name: Mapped[str] = mapped_column(BoundedString(64), primary_key=True)  # the same name as OutboxMessage.claimed_by
    channel: Mapped[str] = mapped_column(BoundedString(16))
    seen_at: Mapped[datetime] = mapped_column(index=True)


class ConversationState(Base):
    """Where a person is in a form, per channel user (in a group too: per user, not per group), and what each of
    their chats is about."""

    __tablename__ = "conversation_state"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(BoundedString(16))
    user_id: Mapped[str] = mapped_column(BoundedString(64))
    form: Mapped[str | None] = mapped_column(BoundedString(32))
    step: Mapped[str | None] = mapped_column(BoundedString(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    history: Mapped[list[Any]] = mapped_column(default=list)  # the last messages, for hand-off context
    # What the conversation is about, per chat (flows/dialogue.py): the last topic, its criteria, the list shown.
    context: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    language: Mapped[str | None] = mapped_column(BoundedString(8))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()


class CallbackToken(Base):
    """What a button does, stored server-side: a pressed button carries only this random token."""

    __tablename__ = "callback_token"

    token: Mapped[str] = mapped_column(BoundedString(24), primary_key=True)
    channel: Mapped[str] = mapped_column(BoundedString(16))
    user_id: Mapped[str] = mapped_column(BoundedString(64))  # only this user may press it
    action: Mapped[str] = mapped_column(BoundedString(32))
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    single_use: Mapped[bool] = mapped_column(Boolean, default=False)
    # Buttons shown together for one decision (confirm / cancel) share a dialog: pressing one uses them all.
    dialog: Mapped[str | None] = mapped_column(BoundedString(24), index=True)
    used_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)


# --- the staff console (bot/web/) ------------------------------------------------------------------


class StaffAccount(Base):
    """A staff member's sign-in to the web console: a login name, an argon2 password hash, the console language."""

    __tablename__ = "staff_account"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    login: Mapped[str] = mapped_column(BoundedString(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(BoundedString(256))  # None until set through a sign-in link
    password_set_at: Mapped[datetime | None] = mapped_column()
    language: Mapped[str | None] = mapped_column(BoundedString(8))  # the console's language; None = the bureau's default
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffInvite(Base):
    """A one-time sign-in link (`mishu user invite`, /console in the bot): only a hash of its token is kept."""

    __tablename__ = "staff_invite"

    token_hash: Mapped[str] = mapped_column(BoundedString(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class StaffSession(Base):
    """A signed-in browser: the cookie carries a random token, the table its hash, the CSRF token and deadlines."""

    __tablename__ = "staff_session"

    token_hash: Mapped[str] = mapped_column(BoundedString(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(BoundedString(64))
    client: Mapped[str] = mapped_column(BoundedString(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SignInThrottle(Base):
    """Failed sign-ins in a row for one account ("account:<login>") or one client address ("client:<ip>")."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(BoundedString(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_failure_at: Mapped[datetime | None] = mapped_column()


class AuditEntry(Base):
    """One staff action in the console (who, what, when, on what), refusals included; admins read them."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(BoundedString(48), index=True)  # signin, worker.phone, followup.outcome, refused …
    target_type: Mapped[str] = mapped_column(BoundedString(24), default="")
    target_id: Mapped[str] = mapped_column(BoundedString(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    client: Mapped[str] = mapped_column(BoundedString(64), default="")


# The worker_category index follows profile changes (a flush hook); imported last, it needs the classes above.
import storage.posting_index  # noqa: E402, F401
import storage.worker_index  # noqa: E402, F401
