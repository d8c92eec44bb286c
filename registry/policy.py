"""Every number the product applies from NHS England's guidance, in one place, each with its source.

Source: NHS England, "Managing Conflicts of Interest in the NHS: Guidance for staff and organisations" (2017,
updated 2024), and "Conflicts of interest: guidance for ICBs" (2022). Section numbers are those of the staff
guidance. Gift and hospitality amounts can be overridden per deployment (GIFT_POLICY); the rest are the law's
and guidance's own periods. Templates, forms, emails and the browser read these through `words()`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    value: int
    unit: str  # "pence", "days", "months", "years", "percent"
    source: str  # where the guidance says it


DECLARE_WITHIN_DAYS = Rule(28, "days", "§5.1: declare an interest within 28 days of it arising, and on appointment")
DECLARE_AT_LEAST_EVERY_MONTHS = Rule(12, "months", "§5.1: a declaration at least annually (a nil return counts)")
PUBLIC_AFTER_END_MONTHS = Rule(
    6, "months", "§6.2: an interest stays on the published register for 6 months after it ends"
)
KEEP_RECORDS_YEARS = Rule(6, "years", "§6.4: records are kept for 6 years after an interest ends")
SHAREHOLDING_DECLARABLE_PERCENT = Rule(5, "percent", "§7.8: shareholdings of more than 5% are declared")

SUPPLIER_GIFT_MAX_PENCE = Rule(
    600,
    "pence",
    "§8.2: gifts from suppliers or contractors are declined, except low-cost branded promotional aids worth £6 or less",
)
GIFT_DECLARE_FROM_PENCE = Rule(
    5000, "pence", "§8.3: modest gifts under £50 need not be declared; from £50 they are declared"
)
GIFT_ON_BEHALF_OVER_PENCE = Rule(
    5000, "pence", "§8.3: gifts over £50 are accepted only on behalf of the organisation, never personally"
)
GIFT_REPEAT_WINDOW_DAYS = Rule(365, "days", "§8.3: several gifts from one source in a year are added together")
HOSPITALITY_DECLARE_FROM_PENCE = Rule(2500, "pence", "§8.6: hospitality under £25 need not be declared")
HOSPITALITY_APPROVAL_OVER_PENCE = Rule(
    7500,
    "pence",
    "§8.6: hospitality from £25 to £75 is declared; over £75 it is refused unless a senior manager approves it",
)


def pounds(pence: int) -> str:
    """£6, £49.99, £1,200 — whole pounds without pence, as the guidance writes them."""
    text = f"£{pence / 100:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def period(rule: Rule) -> str:
    unit = rule.unit[:-1] if rule.value == 1 else rule.unit
    return f"{rule.value} {unit}"


def words() -> dict[str, str]:
    """The numbers as templates and emails say them, so no page restates one by hand."""
    return {
        "declare_within": period(DECLARE_WITHIN_DAYS),
        "public_after_end": period(PUBLIC_AFTER_END_MONTHS),
        "keep_records": period(KEEP_RECORDS_YEARS),
        "shareholding": f"{SHAREHOLDING_DECLARABLE_PERCENT.value}%",
        "supplier_gift_max": pounds(SUPPLIER_GIFT_MAX_PENCE.value),
        "gift_declare_from": pounds(GIFT_DECLARE_FROM_PENCE.value),
        "hospitality_declare_from": pounds(HOSPITALITY_DECLARE_FROM_PENCE.value),
        "hospitality_approval_over": pounds(HOSPITALITY_APPROVAL_OVER_PENCE.value),
    }
