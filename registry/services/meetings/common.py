"""What every part of a meeting shares: the chair's actions in words, and the error a rule raises."""

from __future__ import annotations

from registry.models import ManagementAction

ACTIONS = tuple(a.value for a in ManagementAction if a is not ManagementAction.none)
ACTION_WORDS = {
    "exclude": "leave the meeting for the item",
    "no-vote": "take part in the discussion but not the decision",
    "declare": "declare the interest and take part",
    "none": "no conflict (flag dismissed)",
}
OUTCOMES = ("left the room", "did not vote", "took part", "absent")
SPOUSE_WORDS = ("spouse", "wife", "husband", "civil partner", "partner")


class MeetingError(ValueError):
    """A request about a meeting that breaks a rule; the message is safe to show."""
