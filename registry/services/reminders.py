"""Reminders to people whose annual declaration is overdue."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlmodel import Session

from registry import policy as guidance
from registry.services import audit, timeliness


@dataclass(frozen=True)
class Reminder:
    person_id: int
    to: str
    subject: str
    body: str


def overdue_reminders(session: Session, service_url: str, organisation: str, today: Optional[date] = None,
                      policy: timeliness.TimelinessPolicy = timeliness.TimelinessPolicy()) -> tuple[list[Reminder], list[str]]:
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
        reminders.append(Reminder(status.person_id, status.email,
                                  "Your declaration of interests is overdue", body))
    return reminders, no_email


def record_sent(session: Session, reminders: list[Reminder], actor_id: Optional[int] = None) -> None:
    audit.record(session, "reminders.sent", actor_id=actor_id,
                 detail={"count": len(reminders), "people": [r.person_id for r in reminders]})
