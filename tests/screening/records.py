"""Practice rows for the screening tests' small directories, as epraccur gives them (open, active, a GP practice)."""

from datetime import date

from screening import PracticeRecord


def practice(code, name, region, icb, lines, postcode, commissioner, setting="4") -> PracticeRecord:
    return PracticeRecord(
        code=code,
        name=name,
        region=region,
        icb=icb,
        address_lines=tuple(lines),
        postcode=postcode,
        open_date=date(1974, 4, 1),
        close_date=None,
        status="A",
        subtype="B",
        commissioner=commissioner,
        prescribing_setting=setting,
    )
