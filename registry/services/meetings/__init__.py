"""Meetings, in the order a chair meets them: the agenda, who attends, the screen, the chair's decisions, the
quorum forecast, notices to members, and what the meeting produces (minutes, procurement records).

Callers use this package's names (`meetings.screen_meeting`, `meetings.quorum`…); each lives in one module.
"""

from registry.services.meetings.agenda import add_items, items_of, update_item
from registry.services.meetings.attendance import (
    AttendanceError,
    Seat,
    attending_deputies,
    confirm_attendance,
    members_on,
    people_screened,
    record_expected,
    seats,
)
from registry.services.meetings.common import ACTION_WORDS, ACTIONS, OUTCOMES, MeetingError
from registry.services.meetings.decisions import (
    EXPECTED_OUTCOMES,
    Conflict,
    conflicts,
    decide,
    decision_history,
    outcomes_of,
    record_outcome,
)
from registry.services.meetings.notices import MemberNotice, member_notices
from registry.services.meetings.outputs import (
    AttendanceRecord,
    MinuteLine,
    Minutes,
    approve_minutes,
    attendance_record,
    minutes_csv,
    minutes_docx,
    minutes_lines,
    minutes_of,
    procurement_csv,
    procurement_rows,
)
from registry.services.meetings.quorum import QuorumForecast, quorum
from registry.services.meetings.screening import (
    DriftAlert,
    ScreenSummary,
    committee_area,
    directory_engine,
    engine_interests,
    rescreen_for_person,
    screen_meeting,
)

__all__ = [
    "ACTIONS",
    "ACTION_WORDS",
    "OUTCOMES",
    "EXPECTED_OUTCOMES",
    "MeetingError",
    "add_items",
    "items_of",
    "update_item",
    "AttendanceError",
    "Seat",
    "attending_deputies",
    "confirm_attendance",
    "members_on",
    "people_screened",
    "record_expected",
    "seats",
    "Conflict",
    "conflicts",
    "decide",
    "decision_history",
    "outcomes_of",
    "record_outcome",
    "MemberNotice",
    "member_notices",
    "AttendanceRecord",
    "MinuteLine",
    "Minutes",
    "approve_minutes",
    "minutes_of",
    "attendance_record",
    "minutes_csv",
    "minutes_docx",
    "minutes_lines",
    "procurement_csv",
    "procurement_rows",
    "QuorumForecast",
    "quorum",
    "DriftAlert",
    "ScreenSummary",
    "committee_area",
    "directory_engine",
    "engine_interests",
    "rescreen_for_person",
    "screen_meeting",
]
