"""What people type into the console's filters, URLs and sign-in forms, as they would type it (hypothesis):
nothing they type makes a filter fail, and the sign-in rules hold for any input."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.privacy import masked_phone
from bot.web.paging import MAX_PAGE, page_number
from bot.web.workers import NAME_LIMIT, worker_filter
from flows.overview import LONGEST_DAYS, parse_period, week_starts, weekly
from flows.signin import LOGIN_CHARS, backoff, normal_login, password_problem
from storage.models import WORKER_STATUSES
from storage.vocabulary import job_categories, townships, villages

ZONE = ZoneInfo("Asia/Shanghai")
typed = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
query_keys = st.sampled_from(["township", "village", "status", "category", "origin", "secretary", "since", "q", "x"])
query_values = st.one_of(typed, st.sampled_from(townships()), st.sampled_from(WORKER_STATUSES),
                         st.sampled_from(list(job_categories())), st.dates().map(date.isoformat),
                         st.integers(-5, 10**12).map(str))


@given(st.dictionaries(query_keys, query_values))
def test_any_query_string_gives_a_filter_of_known_values(query: dict[str, str]) -> None:
    flt = worker_filter(query, ZONE)
    assert flt.township is None or flt.township in townships()
    assert flt.village is None or (flt.township is not None and flt.village in villages(flt.township))
    assert flt.status is None or flt.status in WORKER_STATUSES
    assert flt.category is None or flt.category in job_categories()
    assert flt.secretary_id is None or 1 <= flt.secretary_id < 2**31
    assert flt.name is None or (0 < len(flt.name) <= NAME_LIMIT and flt.name == flt.name.strip())


def test_a_typed_filter_is_read_as_meant() -> None:
    flt = worker_filter({"township": "符溪镇", "status": "seeking", "since": "2026-03-01", "q": "  刘 ",
                         "secretary": "12", "category": "采茶工"}, ZONE)
    assert (flt.township, flt.status, flt.name, flt.secretary_id, flt.category) == ("符溪镇", "seeking", "刘", 12, "采茶工")
    assert flt.registered_since is not None and flt.registered_since.utcoffset() == timedelta(hours=8)


@given(st.one_of(typed, st.integers(-10, 10**9).map(str)))
def test_a_page_number_is_always_a_page(text: str) -> None:
    number = page_number(text)
    assert 1 <= number <= MAX_PAGE


@given(st.one_of(st.none(), typed, st.dates().map(date.isoformat)),
       st.one_of(st.none(), typed, st.dates().map(date.isoformat)), st.dates(date(2020, 1, 1), date(2035, 1, 1)))
def test_any_typed_period_is_a_period_up_to_today(start: str | None, end: str | None, today: date) -> None:
    period = parse_period(start, end, today)
    assert period.start <= period.end <= today
    assert (period.end - period.start).days < LONGEST_DAYS
    weeks = week_starts(period)
    assert weeks[0] <= period.start and weeks[-1] <= period.end and all(w.weekday() == 0 for w in weeks)
    daily = {day: 1 for day in period.days}
    assert sum(weekly(daily, period)) == len(period.days)


@given(typed)
def test_a_login_is_lower_case_from_the_allowed_characters(text: str) -> None:
    login = normal_login(text)
    assert login is None or (3 <= len(login) <= 64 and set(login) <= LOGIN_CHARS and login == login.lower())


@given(typed, typed)
def test_a_short_or_login_like_password_is_refused(password: str, login: str) -> None:
    problem = password_problem(password, login)
    if len(password) < 8 or password.strip().lower() == login.lower():
        assert problem is not None
    if problem is None:
        assert len(password) >= 8


@given(st.integers(0, 200), st.integers(1, 20), st.floats(1, 600), st.floats(600, 86400))
def test_back_off_starts_at_the_threshold_doubles_and_is_capped(failures: int, threshold: int, base: float,
                                                               cap: float) -> None:
    wait = backoff(failures, threshold, base, cap)
    if failures < threshold:
        assert wait is None
        return
    assert wait is not None and min(base, cap) - 1e-3 <= wait.total_seconds() <= cap + 1e-3  # µs rounding
    following = backoff(failures + 1, threshold, base, cap)
    assert following is not None and following >= wait


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_a_masked_mobile_hides_its_middle(phone: str) -> None:
    masked = masked_phone(phone)
    assert masked[:3] == phone[:3] and masked[-2:] == phone[-2:] and masked[3:-2] == "*" * 6
