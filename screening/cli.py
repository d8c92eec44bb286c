"""Command line: screen a register against an agenda (``python -m screening`` / ``coi screen``)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date

from .csvio import read_agenda_csv, read_register_csv
from .directory import Directory
from .directory_cache import directory_from_files
from .engine import Engine, available_cores, collector_paused
from .orgfiles import InputFileError


def _render(flags, items, interests, fmt):
    maybe = [f for f in flags if f.possible]
    flags = [f for f in flags if not f.possible]
    if fmt == "json":
        # possible flags (a name that fits several practices) are listed apart from the flags
        return (
            json.dumps(
                {"flags": [f.to_dict() for f in flags], "possible": [f.to_dict() for f in maybe]},
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["item_id", "member_id", "action", "score", "interests", "evidence"])
        for f in flags:
            w.writerow(
                [f.item_id, f.member_id, f.action, f"{f.score:.2f}", ";".join(f.interests), " | ".join(f.evidence)]
            )
        return buf.getvalue()
    names = {}
    for it in interests:
        names.setdefault(it.member_id, it.name)
    titles = {it.item_id: it.title for it in items}
    lines = []
    if not flags:
        lines.append("No conflicts of interest found.")
    n_items = len({f.item_id for f in flags})
    if flags:
        lines.append(f"{len(flags)} conflict(s) across {n_items} agenda item(s).")
    cur = None
    for f in flags:
        if f.item_id != cur:
            cur = f.item_id
            lines.append("")
            lines.append(f"Item {f.item_id}: {titles.get(f.item_id, '')}")
        label = {
            "exclude": "EXCLUDE – leave for the item",
            "no-vote": "NO VOTE – may discuss, not vote",
            "declare": "DECLARE – declare and take part",
        }[f.action]
        lines.append(f"  {names.get(f.member_id, '')} ({f.member_id}): {label}")
        # the plain sentence, then the matching path (what the web app keeps behind "How this was found")
        lines.append(f"    {f.evidence[0]}")
        for step in f.path:
            lines.append(f"      how this was found: {step}")
    if maybe:
        lines.append("")
        lines.append(f"{len(maybe)} possible conflict(s): names that fit several practices of the area.")
        for f in maybe:
            lines.append(f"  Item {f.item_id}, {names.get(f.member_id, '')} ({f.member_id}): {f.evidence[0]}")
    return "\n".join(lines) + "\n"


def run_screen(
    register, agenda, organisations=None, meeting_date=None, fmt="text", out=sys.stdout, err=sys.stderr, area=None
) -> int:
    """Screen files; ``area`` is the committee's own area (identifiers as :meth:`Engine.screen` takes them, or
    one comma-separated string such as ``'36L,Croydon'``)."""
    try:
        interests = read_register_csv(register)
        items = read_agenda_csv(agenda)
        if isinstance(meeting_date, str) and meeting_date:
            try:
                meeting_date = date.fromisoformat(meeting_date)
            except ValueError:
                raise InputFileError("--date", "not a date (expected YYYY-MM-DD)")
        with collector_paused():  # the index is millions of small objects that live as long as the run
            directory = directory_from_files(organisations) if organisations else Directory()
        if isinstance(area, str):
            area = [a.strip() for a in area.split(",") if a.strip()]
        engine = Engine(directory, workers=available_cores())
        flags = engine.screen(interests, items, meeting_date, area=area or None, possible=True)
        text = _render(flags, items, interests, fmt)
    except InputFileError as e:
        err.write(f"error: {e}\n")
        return 2
    out.write(text)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m screening", description="Screen a register of interests against a meeting agenda."
    )
    ap.add_argument("--register", required=True)
    ap.add_argument("--agenda", required=True)
    ap.add_argument("--organisations", default=None, help="folder with epraccur.csv and pcn_map.csv")
    ap.add_argument("--date", default=None, help="meeting date YYYY-MM-DD (default: the agenda's)")
    ap.add_argument("--format", default="text", choices=("text", "json", "csv"))
    ap.add_argument(
        "--area",
        default=None,
        help="the committee's own area for area-wide items that name none: commissioner / sub-ICB codes "
        "or place names, comma-separated (e.g. 36L,Croydon)",
    )
    a = ap.parse_args(argv)
    return run_screen(a.register, a.agenda, a.organisations, a.date, a.format, area=a.area)
