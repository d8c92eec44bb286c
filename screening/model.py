"""Plain data types of the screening engine's public API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

ACTIONS = ("exclude", "no-vote", "declare")
SEVERITY = {"exclude": 3, "no-vote": 2, "declare": 1}
INTEREST_TYPES = ("financial", "non-financial professional", "non-financial personal", "indirect")


@dataclass
class Interest:
    member_id: str
    name: str
    position: str
    interest_type: str  # one of INTEREST_TYPES, or '' for a nil return
    description: str
    date_from: date | None = None
    date_to: date | None = None
    interest_id: str | None = None  # e.g. register row number, or the web app's primary key
    organisation_code: str | None = None  # structured data the caller already has (else parsed)
    role: str | None = None
    holder: str | None = None  # 'self' | 'spouse' | 'family'
    relationship: str | None = None


@dataclass
class AgendaItem:
    item_id: str
    title: str
    description: str = ""
    meeting_date: date | None = None
    reference: str | None = None  # as printed on the agenda ("4.2") when item_id is a key of the caller's own


@dataclass
class Flag:
    item_id: str
    member_id: str
    interests: list = field(default_factory=list)  # interest ids (register row numbers for CSV input)
    action: str = "declare"
    score: float = 0.0
    evidence: list = field(default_factory=list)  # one plain-English sentence for the chair
    path: list = field(default_factory=list)  # how this was found: each link's matching path and rule
    possible: bool = False  # the name fits several practices; the member's is one of them (see Engine.screen)

    def to_dict(self) -> dict:
        out = {
            "item_id": self.item_id,
            "member_id": self.member_id,
            "interests": list(self.interests),
            "action": self.action,
            "score": round(self.score, 3),
            "evidence": list(self.evidence),
            "path": list(self.path),
        }
        if self.possible:
            out["possible"] = True
        return out
