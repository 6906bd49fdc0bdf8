"""Pay in comparable terms: day, hourly and monthly pay as a month's pay (piece rates cannot be compared)."""

from __future__ import annotations

# A working month, to compare day and hourly pay with a monthly minimum.
WORKING_DAYS_PER_MONTH = 26
HOURS_PER_DAY = 8


def monthly(amount: float, unit: str) -> float:
    """Pay per month for comparison; piece rates cannot be compared and pass unchanged."""
    if unit == "day":
        return amount * WORKING_DAYS_PER_MONTH
    if unit == "hour":
        return amount * HOURS_PER_DAY * WORKING_DAYS_PER_MONTH
    return amount


def best_monthly(salary_min: int | None, salary_max: int | None, unit: str) -> float | None:
    """The most a posting pays per month, or None when it names no figure or pays by the piece."""
    best = salary_max or salary_min
    if best is None or unit == "piece":
        return None
    return monthly(best, unit)
