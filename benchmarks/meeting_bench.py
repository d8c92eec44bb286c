"""The chair's screen, end to end through the database: a 30-item agenda and a 25-member committee.

    python benchmarks/meeting_bench.py [--epraccur ../shared/data/organisations/epraccur.csv --pcn-map ...]

Loads the national directory into a fresh SQLite database, builds a committee of 25 members with 4 interests
each (real practices, PCNs and companies) and a 30-item agenda naming real organisations, then times:
indexing the directory from the database (once per directory change), and screen_meeting (each screen).
The baseline, measured in the same run, is RapidFuzz partial_ratio over every (interest, item) pair.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402
from rapidfuzz.utils import default_process  # noqa: E402
from sqlmodel import select  # noqa: E402

from registry.db import make_engine, session_scope  # noqa: E402
from registry.migrate import upgrade  # noqa: E402
from registry.models import Committee, Meeting, Membership, Organisation, Person  # noqa: E402
from registry.services import accounts, interests, meetings  # noqa: E402
from registry.services.directory import import_directory  # noqa: E402
from screening.engine import Engine  # noqa: E402

accounts.configure_hasher(time_cost=1, memory_cost=1024)  # accounts are set-up here, not what is measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = ROOT.parent / "shared" / "data" / "organisations"
    parser.add_argument("--epraccur", default=str(shared / "epraccur.csv"))
    parser.add_argument("--pcn-map", default=str(shared / "pcn_map.csv"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rnd = random.Random(7)
    engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite")
    upgrade(engine)
    with session_scope(engine) as s:
        import_directory(s, Path(args.epraccur), Path(args.pcn_map))
    today = date.today()
    with session_scope(engine) as s:
        practices = (
            s.exec(
                select(Organisation).where(
                    Organisation.kind == "practice", Organisation.status == "A", Organisation.icb == "QWE"
                )
            ).all()
            or s.exec(select(Organisation).where(Organisation.kind == "practice", Organisation.status == "A")).all()[
                :400
            ]
        )
        committee = Committee(name="Bench committee")
        s.add(committee)
        s.flush()
        texts = []
        for n in range(25):
            person = accounts.create_person(s, email=f"m{n}@example.nhs.uk", full_name=f"Member {n}", password=None)
            s.add(Membership(person_id=person.id, committee_id=committee.id, date_from=today - timedelta(days=100)))
            for k in range(4):
                org = rnd.choice(practices)
                role = rnd.choice(["partner", "salaried GP", "patient"])
                description = f"{role.capitalize()} at {org.name.title()}"
                interests.declare_interest(
                    s,
                    person.id,
                    actor_id=None,
                    interest_type="financial" if role != "patient" else "non-financial personal",
                    description=description,
                    role=role,
                    organisation_id=org.id,
                    date_from=date(2018, 1, 1),
                )
                texts.append(description)
        meeting = Meeting(committee_id=committee.id, title="Bench meeting", meeting_date=today + timedelta(days=7))
        s.add(meeting)
        s.flush()
        titles = [
            f"{rnd.choice(practices).name.title()}: {rnd.choice(['contract variation', 'premises grant', 'merger', 'list dispersal'])}"
            for _ in range(30)
        ]
        item = type("Item", (), {})
        parsed = []
        for n, title in enumerate(titles, 1):
            p = item()
            p.item_id, p.title, p.description = str(n), title, ""
            parsed.append(p)
        meetings.add_items(s, meeting, parsed, None)
        meeting_id = meeting.id

    with session_scope(engine) as s:
        started = time.perf_counter()
        screening_engine = meetings.directory_engine(s)
        index_seconds = time.perf_counter() - started
        # what a web worker does next at start-up (coi.meetings.build_screening_index): read today's declarations
        started = time.perf_counter()
        people = s.exec(select(Person)).all()
        screening_engine.prepare(meetings.engine_interests(s, people, today), [], today)
        declarations_seconds = time.perf_counter() - started
    # the engine's own share of each screen (reading the agenda and the declarations, linking, evidence)
    engine_timings = []
    screen = Engine.screen

    def timed_screen(self, *a, **k):
        started = time.perf_counter()
        try:
            return screen(self, *a, **k)
        finally:
            engine_timings.append(time.perf_counter() - started)

    Engine.screen = timed_screen
    timings = []
    for _ in range(args.repeats):
        with session_scope(engine) as s:
            meeting = s.get(Meeting, meeting_id)
            started = time.perf_counter()
            meetings.screen_meeting(s, meeting)
            found = meetings.conflicts(s, meeting)
            meetings.quorum(s, meeting, found)
            timings.append(time.perf_counter() - started)
    Engine.screen = screen
    started = time.perf_counter()
    naive = sum(1 for t in texts for title in titles if fuzz.partial_ratio(t, title, processor=default_process) >= 90)
    baseline = time.perf_counter() - started
    best, median = min(timings), statistics.median(timings)
    print(f"Directory rows: {len(practices)} practices in the committee's area; national file loaded.")
    print(f"Index the directory from the database (once per directory change): {index_seconds:.2f} s")
    print(f"Read today's declarations (a web worker does both at start-up): {declarations_seconds * 1000:.0f} ms")
    print(
        f"Screen 30 items x 25 members (100 interests), with decisions and quorum: best {best * 1000:.0f} ms, "
        f"median {median * 1000:.0f} ms over {args.repeats} runs (target < 1000 ms)"
    )
    print(
        f"  of which the screening engine: first screen {engine_timings[0] * 1000:.0f} ms (reads the agenda), "
        f"re-screens (texts already read) best {min(engine_timings[1:] or engine_timings) * 1000:.0f} ms "
        "(target < 50 ms after indexing)"
    )
    print(
        f"Naive baseline (partial_ratio over all {len(texts) * len(titles)} pairs, {naive} hits): "
        f"{baseline * 1000:.0f} ms; screen / baseline = {median / baseline:.1f}x"
    )


if __name__ == "__main__":
    main()
