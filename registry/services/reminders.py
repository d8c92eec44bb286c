"""Reminders to people whose annual declaration is overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlmodel import Session

from registry import policy as guidance
from registry.services import audit, committees, timeliness


@dataclass(frozen=True)
class Reminder:
    person_id: int
    to: str
    subject: str
    body: str


def overdue_reminders(
    session: Session,
    service_url: str,
    organisation: str,
    today: Optional[date] = None,
    policy: timeliness.TimelinessPolicy = timeliness.TimelinessPolicy(),
) -> tuple[list[Reminder], list[str]]:
    """Reminders for everyone overdue, and the names of overdue people who have no email address."""
    today = today or date.today()
    reminders, no_email = [], []
    for status in sorted(timeliness.statuses(session, today, policy=policy).values(), key=lambda s: s.full_name):
        if not status.overdue:
            continue
        if not status.email:
            no_email.append(status.full_name)
            continue
        body = (
            f"Dear {status.full_name},\n\n"
            f"Your annual declaration of interests for {organisation} was due by {status.due_by.strftime('%-d %B %Y')}.\n\n"
            "Please sign in, check your interests, gifts and hospitality, and either confirm that they are complete "
            "and correct or make a nil return if you have nothing to declare:\n\n"
            f"  {service_url.rstrip('/')}/declarations/\n\n"
            "NHS England's guidance requires a declaration at least once a year, and within "
            f"{guidance.period(guidance.DECLARE_WITHIN_DAYS)} of any new interest. If you have questions, reply to this "
            "email to reach the governance team.\n"
        )
        reminders.append(Reminder(status.person_id, status.email, "Your declaration of interests is overdue", body))
    return reminders, no_email


def record_sent(session: Session, reminders: list[Reminder], actor_id: Optional[int] = None) -> None:
    audit.record(
        session,
        "reminders.sent",
        actor_id=actor_id,
        detail={"count": len(reminders), "people": [r.person_id for r in reminders]},
    )


# --- The annual declaration round: reminders on a schedule ------------------------------------------------------
# A governance lead sets the round's date (a Setting); each year on that day (or the first run after it) `coi remind
# --if-due`, run daily by cron or a systemd timer, emails everyone overdue, once per round.


def _same_day_in(year: int, day: date) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return date(year, 2, 28)


def round_date(session: Session) -> Optional[date]:
    value = committees.setting(session, committees.ANNUAL_ROUND_DATE)
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def set_round_date(session: Session, day: date, actor_id: Optional[int]) -> None:
    committees.set_setting(session, committees.ANNUAL_ROUND_DATE, day.isoformat(), actor_id)


def current_round(session: Session, today: Optional[date] = None) -> Optional[date]:
    """The latest occurrence of the round on or before today; None before the first round (or with no date)."""
    first, today = round_date(session), today or date.today()
    if first is None or today < first:
        return None
    this_year = _same_day_in(today.year, first)
    return this_year if this_year <= today else _same_day_in(today.year - 1, first)


def next_round(session: Session, today: Optional[date] = None) -> Optional[date]:
    """The next occurrence of the round after today (or the first round, while it is still to come)."""
    first, today = round_date(session), today or date.today()
    if first is None:
        return None
    if today < first:
        return first
    this_year = _same_day_in(today.year, first)
    return this_year if this_year > today else _same_day_in(today.year + 1, first)


def round_due(session: Session, today: Optional[date] = None) -> Optional[date]:
    """The round whose reminders are due now (it has come and they have not gone), or None."""
    due = current_round(session, today)
    if due is None or committees.setting(session, committees.ANNUAL_ROUND_REMINDED) >= due.isoformat():
        return None
    return due


def mark_round_reminded(session: Session, day: date, actor_id: Optional[int] = None) -> None:
    committees.set_setting(session, committees.ANNUAL_ROUND_REMINDED, day.isoformat(), actor_id)
