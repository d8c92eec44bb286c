"""Auditing a year of contract awards against every register: the batched audit against a naive loop, same run.

    python benchmarks/award_audit_bench.py [--orgs ../shared/data/organisations] [--awards 10000 --interests 20000]

Seeded synthetic data from the real national directory (the two largest NHS regions, with their commissioners as
the committees' area): awards through a year to practices (by name), PCNs, GP provider companies and unrelated
suppliers, some with several suppliers; interests that begin and end through the
year, held by members of ten committees. The batched audit (registry.services.award_audit.audit_awards) screens each
award on its own date. The naive loop screens each award alone with every interest on the award's date (a prebuilt
engine, the directory indexed once); it is timed on a sample of awards and extrapolated, and its conflicts on that
sample are compared with the batched audit's.
"""

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from registry.outside.awards import Award, Supplier  # noqa: E402
from registry.services.award_audit import Register, Seat, _items, audit_awards  # noqa: E402
from screening import Directory, Engine, Interest  # noqa: E402

YEAR = 2025
DECLARATIONS = [
    "Partner, {n}",
    "Salaried GP at {n}",
    "My husband is a partner at {n}",
    "Director of {w} Health Ltd",
    "Shareholder (10%) in {w} Healthcare Limited",
    "Clinical Director, {p}",
    "Registered patient at {n}",
    "Trustee, {w} Carers Trust (unpaid)",
    "Speaker fees from a pharmaceutical company",
]
SUPPLIERS = [
    "{n}",
    "{p}",
    "{w} Health Ltd",
    "{w} Healthcare Limited",
    "{x} Facilities Management Ltd",
    "{x} Consulting LLP",
    "Dr {x} and Partners",
]


def generate(directory, n_awards, n_interests, seed=7):
    rnd = random.Random(seed)
    # one auditing body's patch, as in production: the practices of the two largest NHS regions, and the committees'
    # area is their commissioners (the database audit passes each committee's own area the same way)
    open_practices = [p for p in directory.practices.values() if p.rec.status == "A"]
    sizes = {}
    for p in open_practices:
        sizes[p.rec.region] = sizes.get(p.rec.region, 0) + 1
    regions = sorted(sizes, key=lambda r: -sizes[r])[:2]
    practices = [p for p in open_practices if p.rec.region in regions]
    codes = {p.code for p in practices}
    pcns = sorted({v["name"] for v in directory.pcns.values() if v.get("members", set()) & codes})
    area = sorted({p.rec.commissioner for p in practices if p.rec.commissioner})
    other_words = ["Apex", "Beacon", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbour", "Iris", "Juniper"]

    generic = {
        "MEDICAL",
        "SURGERY",
        "CENTRE",
        "HEALTH",
        "PRACTICE",
        "GROUP",
        "FAMILY",
        "HEALTHCARE",
        "PARTNERSHIP",
        "CLINIC",
        "STREET",
        "ROAD",
        "LANE",
        "HOUSE",
        "PARK",
        "GREEN",
        "NORTH",
        "SOUTH",
        "EAST",
        "WEST",
    }

    def fill(template):
        p = rnd.choice(practices)
        # a company is named after a distinctive word of a practice's name, as GP provider companies usually are
        words = [w for w in p.name.split() if len(w) > 3 and w not in generic]
        return template.format(
            n=p.name.title(),
            p=rnd.choice(pcns).title(),
            w=(words[0].title() if words else "North"),
            x=rnd.choice(other_words),
        )

    start = date(YEAR, 1, 1)
    awards = []
    for n in range(n_awards):
        day = start + timedelta(days=rnd.randrange(365))
        suppliers = [Supplier(fill(rnd.choice(SUPPLIERS))) for _ in range(1 if rnd.random() < 0.9 else 3)]
        awards.append(
            Award(
                f"ocds-bench-{n}",
                f"{n}",
                day,
                suppliers,
                Decimal(rnd.randrange(1_000, 5_000_000)) / 100,
                "GBP",
                "Contract",
                "NHS Example ICB",
            )
        )
    interests, seats = [], {}
    for i in range(n_interests):
        member = f"M{i // 3}"
        seats.setdefault(member, [Seat(f"Committee {int(member[1:]) % 10 + 1}")])
        begins = start + timedelta(days=rnd.randrange(-3650, 365))
        ends = None if rnd.random() < 0.7 else begins + timedelta(days=rnd.randrange(30, 1500))
        text = rnd.choice(DECLARATIONS)
        interests.append(
            Interest(
                member,
                f"Member {member}",
                "GP member",
                rnd.choice(["financial", "indirect", "non-financial professional"]),
                fill(text),
                begins,
                ends,
                interest_id=str(i + 1),
            )
        )
    return awards, Register(interests, seats, {m: f"Member {m}" for m in seats}, area), len(practices), regions


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--orgs", default=os.path.join(os.path.dirname(HERE), "..", "shared", "data", "organisations"))
    ap.add_argument("--awards", type=int, default=10_000)
    ap.add_argument("--interests", type=int, default=20_000)
    ap.add_argument("--naive-sample", type=int, default=8)
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    engine = Engine(Directory.from_files(a.orgs))
    t_index = time.perf_counter() - t0
    awards, register, n_practices, regions = generate(engine.directory, a.awards, a.interests)
    steps = []
    t0 = time.perf_counter()
    report = audit_awards(engine, awards, register, progress=lambda done, total: steps.append(time.perf_counter() - t0))
    t_batched = time.perf_counter() - t0
    conflicted = [r for r in report.results if r.conflicts]

    by_award = {r.award.award_id: {(c.member_id, c.action) for c in r.conflicts} for r in report.results}
    rnd = random.Random(3)
    # half the sample from conflicted awards, so the comparison means something
    sample = rnd.sample(conflicted, min(len(conflicted), a.naive_sample // 2))
    sample = [r.award for r in sample] + rnd.sample(awards, a.naive_sample - len(sample))
    mismatches = 0
    t0 = time.perf_counter()
    for award in sample:
        items, owner = _items([award])
        naive = set()
        for flag in engine.screen(register.interests, items, award.date, area=register.area):
            naive.add((flag.member_id, flag.action))
        # several suppliers: a member keeps the most severe action, as the audit reports it
        best = {}
        for member, action in naive:
            if member not in best or ["declare", "no-vote", "exclude"].index(action) > [
                "declare",
                "no-vote",
                "exclude",
            ].index(best[member]):
                best[member] = action
        if set(best.items()) != by_award[award.award_id]:
            mismatches += 1
            print(
                f"differs: award {award.award_id} on {award.date} to {award.supplier_names}: naive "
                f"{sorted(best.items())}, batched {sorted(by_award[award.award_id])}"
            )
    t_naive_each = (time.perf_counter() - t0) / len(sample)
    t_naive = t_naive_each * len(awards)

    print(f"directory indexed once: {t_index:.1f} s")
    print(f"regions {', '.join(regions)}: {n_practices:,} open practices, {len(register.area)} commissioner areas")
    print(
        f"{len(awards):,} awards ({sum(len(x.suppliers) for x in awards):,} suppliers, "
        f"{len({x.date for x in awards})} award dates) x {len(register.interests):,} interests "
        f"({len(register.seats):,} members, 10 committees)"
    )
    print(
        f"batched audit: {t_batched:.1f} s (first pass {steps[0]:.1f} s, then {len(steps) - 1} award dates "
        f"{t_batched - steps[0]:.1f} s); {len(conflicted):,} awards with a conflict, worth "
        f"£{report.totals['conflicted']['value']:,.2f}"
    )
    print(
        f"naive loop (each award screened alone against every interest on its date): {t_naive_each:.2f} s an award "
        f"over {len(sample)} awards, so about {t_naive:,.0f} s for all ({t_naive / t_batched:,.0f}x slower)"
    )
    print(f"sampled awards whose conflicts differ between the two: {mismatches} of {len(sample)}")
    return 0 if mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
