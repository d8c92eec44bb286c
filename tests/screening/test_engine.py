import subprocess
import sys
from datetime import date


from screening import AgendaItem, Engine, Interest, screen

D = date(2025, 5, 1)


def I(member, itype, desc, date_from=date(2015, 1, 1), date_to=None):
    return Interest(member, "Dr " + member, "GP Member", itype, desc, date_from, date_to)


def A(item_id, title, desc=""):
    return AgendaItem(item_id, title, desc, D)


def flags_of(interests, items, directory):
    return {(f.item_id, f.member_id): f.action for f in screen(interests, items, directory, D)}


def test_import_is_pure():
    code = (
        'import sys, screening; bad=[m for m in sys.modules if m.split(".")[0] in '
        '("flask","sqlalchemy","sqlmodel","registry","coi")]; print(bad); sys.exit(1 if bad else 0)'
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_exact_name_excludes_partner(directory):
    f = flags_of(
        [I("M1", "financial", "GP partner, Bodey Medical Centre")],
        [A("1", "Contract variation: Bodey Medical Centre")],
        directory,
    )
    assert f == {("1", "M1"): "exclude"}


def test_variant_and_typo(directory):
    f = flags_of(
        [I("M1", "financial", "Salaried GP – Ladybarn Grp Pract."), I("M2", "financial", "Partner, Borchardt Med Ctr")],
        [A("1", "Remedial notice – Ladybran Group Practice"), A("2", "Rent review: The Borchardt Medical Centre")],
        directory,
    )
    assert f == {("1", "M1"): "exclude", ("2", "M2"): "exclude"}


def test_ods_code_only(directory):
    f = flags_of(
        [I("M1", "financial", "Partner at practice code p84012")],
        [A("1", "Northenden Group Practice: branch closure")],
        directory,
    )
    assert f == {("1", "M1"): "exclude"}


def test_site_building(directory):
    f = flags_of(
        [I("M1", "financial", "Salaried GP, Vallance Medical")],
        [A("1", "The Vallance Centre – head lease renewal")],
        directory,
    )
    assert f == {("1", "M1"): "exclude"}


def test_pcn_item_no_vote_via_map_and_role(directory):
    f = flags_of(
        [
            I("M1", "financial", "Partner – Parkside Surgery, Longsight"),
            I("M2", "financial", "Clinical Director, Ardwick and Longsight PCN"),
            I("M3", "non-financial personal", "Registered patient at Ailsa Craig Medical Centre"),
        ],
        [A("1", "Ardwick & Longsight Primary Care Network: ARRS workforce plan")],
        directory,
    )
    assert f == {("1", "M1"): "no-vote", ("1", "M2"): "no-vote"}


def test_pcn_role_does_not_conflict_on_single_practice(directory):
    f = flags_of(
        [I("M2", "financial", "Clinical Director, Ardwick and Longsight PCN")],
        [A("1", "Breach notice: Ailsa Craig Medical Centre")],
        directory,
    )
    assert f == {}


def test_areawide_no_vote_and_exclusions(directory):
    f = flags_of(
        [
            I("M1", "financial", "Partner, Northenden Group Practice"),
            I("M2", "indirect", "My wife is a salaried GP at Bodey Medical Centre"),
            I("M3", "indirect", "Husband is practice manager at Ladybarn Group Practice"),
            I("M4", "non-financial personal", "Patient – Parkside Surgery, Longsight"),
            I("M5", "financial", "Partner, Parkside Surgery, Burnley"),
        ],
        [A("1", "Local enhanced service 2025-26 – Manchester", "Offered to all GP practices in Manchester.")],
        directory,
    )
    assert f == {("1", "M1"): "no-vote", ("1", "M2"): "no-vote"}


def test_indirect_and_patient(directory):
    f = flags_of(
        [
            I("M1", "indirect", "Daughter – partner, Bodey Medical Centre"),
            I("M2", "non-financial personal", "Registered with Bodey Medical Centre (patient)"),
        ],
        [A("1", "Bodey Medical Centre: premises grant")],
        directory,
    )
    assert f == {("1", "M1"): "exclude", ("1", "M2"): "declare"}


def test_company_suffix_and_initialism(directory):
    f = flags_of(
        [
            I("M1", "financial", "Director & shareholder – Manchester Primary Care Partnership Ltd"),
            I("M2", "indirect", "Husband is a director of MPCP Ltd"),
            I("M3", "non-financial professional", "Unpaid adviser to Manchester Primary Care Partnership"),
            I("M4", "financial", "Director – Manchester Primary Care Services Limited"),
        ],
        [A("1", "Extended access: award to Manchester Primary Care Partnership Limited")],
        directory,
    )
    assert f == {("1", "M1"): "exclude", ("1", "M2"): "exclude", ("1", "M3"): "declare"}


def test_nearmiss_generic_expired_nil_samename(directory):
    interests = [
        I("M1", "financial", "Partner, Ladybarn Group Practice"),
        I("M2", "financial", "Former partner, Bodey Medical Centre", date(2005, 1, 1), date(2020, 3, 31)),
        I("M3", "", "Nil return", None, None),
        I("M4", "financial", "Partner, Parkside Surgery (P84644)"),
    ]
    items = [
        A("1", "Breach notice: Bodey Medical Centre"),  # expired (M2), near-miss? no
        A("2", "Medical practice cyber security returns"),  # generic
        A("3", "Learning from elsewhere: Parkside Surgery, Burnley (P81047)"),  # same name elsewhere
        A("4", "Ladybarn Lane premises: Bodey Medical Centre"),
    ]  # shares a word with M1's practice
    assert flags_of(interests, items, directory) == {}


def test_determinism_and_sorting(directory):
    interests = [
        I("M2", "financial", "Partner, Bodey Medical Centre"),
        I("M1", "financial", "Partner – P84035"),
        I("M10", "financial", "Partner, Bodey Medical Centre"),
    ]
    for k, it in enumerate(interests, 1):
        it.interest_id = str(k)
    items = [A("10", "Bodey Medical Centre: lease"), A("2", "Bodey Medical Centre: rent")]
    a = [f.to_dict() for f in screen(interests, items, directory, D)]
    b = [f.to_dict() for f in screen(list(reversed(interests)), list(reversed(items)), directory, D)]
    assert a == b
    assert [(f["item_id"], f["member_id"]) for f in a] == [
        ("2", "M1"),
        ("2", "M2"),
        ("2", "M10"),
        ("10", "M1"),
        ("10", "M2"),
        ("10", "M10"),
    ]
    assert all(f["evidence"] for f in a)


def test_evidence_names_the_path(directory):
    fl = screen(
        [I("M1", "financial", "Partner – Ladybarn Group Practice – P84017")],
        [A("1", "Contract sanction: Ladybran Group Practice")],
        directory,
        D,
    )
    # one plain sentence for the chair, then how it was found (also on its own as ``path``)
    assert fl[0].evidence[0] == "Dr M1 is a partner at Ladybarn Group Practice (P84017), which item 1 names."
    assert "LADYBARN GROUP PRACTICE (P84017)" in fl[0].path[0] and "typo" in fl[0].path[0]
    assert fl[0].evidence[1:] == fl[0].path and fl[0].to_dict()["path"] == fl[0].path


def test_oracle_equals_pruned_on_generated_sample(directory):
    import random

    rnd = random.Random(7)
    names = [p.name.title() for p in __import__("tests.screening.conftest", fromlist=["PRACTICES"]).PRACTICES]
    roles = [
        "Partner, {}",
        "Salaried GP at {}",
        "Registered patient at {}",
        "Wife is a partner at {}",
        "Director – {} Health Ltd",
        "Clinical Director, Ardwick and Longsight PCN",
    ]
    interests = [
        I(
            f"M{i % 15}",
            rnd.choice(["financial", "indirect", "non-financial personal"]),
            rnd.choice(roles).format(rnd.choice(names)),
        )
        for i in range(60)
    ]
    titles = [
        "Contract variation: {}",
        "Breach notice – {}",
        "Award to {} Health Limited",
        "Ardwick and Longsight PCN: plan",
        "Enhanced services – all practices in Manchester",
    ]
    items = [A(str(i), rnd.choice(titles).format(rnd.choice(names))) for i in range(25)]
    e = Engine(directory)
    pruned = [f.to_dict() for f in e.screen(interests, items, D)]
    oracle = [f.to_dict() for f in e.screen(interests, items, D, all_pairs=True)]
    assert pruned == oracle
    assert len(pruned) > 10


def _resolved(directory, interest, item, area=None):
    e = Engine(directory)
    rints, ritems = e.prepare([interest], [item], D, area=area)
    return e, rints[0], ritems[0]


def test_practice_rule_and_site_rule_are_named_parts_with_their_evidence(directory):
    from screening.engine import Link, PracticeRule, SiteRule

    by_name = _resolved(
        directory, I("M1", "financial", "Salaried GP, Vallance Medical"), A("1", "Vallance Medical: rent")
    )
    e, ri, item = by_name
    link = e.practice.link(ri, item, "P84005")
    assert isinstance(e.practice, PracticeRule) and isinstance(link, Link)
    assert link.action == "exclude" and "VALLANCE MEDICAL (P84005)" in link.path
    assert link.sentence == "Dr M1 is a salaried GP at Vallance Medical (P84005), which item 1 names."
    assert e.site.link(ri, item, "P84005") is None  # named, not found by its building
    e, ri, item = _resolved(
        directory,
        I("M1", "financial", "Salaried GP, Ailsa Craig Medical Centre"),
        A("1", "Dickenson Road surgery: lease"),
    )
    link = e.site.link(ri, item, "P84009")
    assert isinstance(e.site, SiteRule) and link.action == "exclude" and "by street" in link.path
    assert link.sentence == (
        "Dr M1 is a salaried GP at Ailsa Craig Medical Centre (P84009), which item 1 names by its street "
        '("Dickenson Road surgery").'
    )
    assert e.practice.link(ri, item, "P84009") is None
    assert SiteRule.__doc__ and "address" in SiteRule.__doc__


def test_pcn_and_area_rules_answer_with_a_link(directory):
    e, ri, item = _resolved(
        directory,
        I("M1", "financial", "Partner – Parkside Surgery, Longsight"),
        A("1", "Ardwick & Longsight Primary Care Network: ARRS workforce plan"),
    )
    (pcn,) = item.pcns
    (code,) = ri.practices
    link = e.pcn_through_practice.link(ri, item, code, pcn)
    assert link.action == "no-vote" and "per the PCN map" in link.path and "a member practice of" in link.sentence
    assert e.pcn_role.link(ri, item, pcn) is None  # no role in the PCN itself
    e, ri, item = _resolved(
        directory,
        I("M2", "financial", "Clinical Director, Ardwick and Longsight PCN"),
        A("1", "Ardwick & Longsight Primary Care Network: ARRS workforce plan"),
    )
    link = e.pcn_role.link(ri, item, pcn)
    assert link.action == "no-vote" and link.sentence.startswith("Dr M2 is clinical director of")
    e, ri, item = _resolved(
        directory,
        I("M1", "financial", "Partner, Northenden Group Practice"),
        A("1", "Local enhanced service 2025-26 – Manchester", "Offered to all GP practices in Manchester."),
    )
    (area,) = [a for a in item.areas if a in directory.practice_area("P84012")]
    link = e.area.link(ri, item, "P84012", area)
    assert link.action == "no-vote" and "area-wide scheme" in link.sentence


def test_company_rule_links_written_names(directory):
    e, ri, item = _resolved(
        directory,
        I("M2", "indirect", "Husband is a director of MPCP Ltd"),
        A("1", "Extended access: award to Manchester Primary Care Partnership Limited"),
    )
    links = [e.company.link(ri, item, d, o) for d in ri.orgs for o in item.orgs]
    link = next(lk for lk in links if lk)
    assert link.action == "exclude" and "MPCP" in link.path and link.sentence.startswith("Dr M2's husband is")


def test_both_paths_ask_the_same_rule_objects(directory):
    """A rule object swapped on the engine changes the pruned path and the oracle alike."""
    from screening.engine import Link

    class Asked:
        def __init__(self, rule):
            self.rule, self.calls = rule, 0

        def link(self, *args):
            self.calls += 1
            found = self.rule.link(*args)
            return found and Link(found.action, found.score, found.path, "Asked: " + found.sentence)

    interests = [I("M1", "financial", "Partner, Bodey Medical Centre"), I("M2", "financial", "Director – MPCP Ltd")]
    items = [A("1", "Bodey Medical Centre: rent"), A("2", "Award to Manchester Primary Care Partnership Limited")]
    for all_pairs in (False, True):
        e = Engine(directory)
        e.practice, e.company = Asked(e.practice), Asked(e.company)
        flags = e.screen(interests, items, D, all_pairs=all_pairs)
        assert e.practice.calls and e.company.calls
        assert [f.evidence[0][:7] for f in flags] == ["Asked: ", "Asked: "]


def test_a_batch_read_on_two_workers_gives_the_same_flags(directory, monkeypatch):
    import screening.engine as engine_module

    interests = [
        I("M1", "financial", "Partner, Bodey Medical Centre"),
        I("M2", "indirect", "Husband is a director of MPCP Ltd"),
        I("M3", "financial", "Clinical Director, Ardwick and Longsight PCN"),
        I("M4", "financial", "Partner, Northenden Group Practice"),
    ]
    items = [
        A("1", "Bodey Medical Centre: rent"),
        A("2", "Award to Manchester Primary Care Partnership Limited"),
        A("3", "Ardwick & Longsight Primary Care Network: ARRS workforce plan"),
        A("4", "Local enhanced service 2025-26 – Manchester", "Offered to all GP practices in Manchester."),
    ]
    alone = [f.to_dict() for f in Engine(directory).screen(interests, items, D)]
    monkeypatch.setattr(engine_module, "PARALLEL_FROM", 1)  # this small batch is split as a large one would be
    together = [f.to_dict() for f in Engine(directory, workers=2).screen(interests, items, D)]
    assert together == alone and len(alone) >= 4


def test_the_collector_is_paused_during_a_screen_and_comes_back(directory):
    import gc

    from screening.engine import collector_paused

    seen = []

    class Watch:
        def link(self, *args):
            seen.append(gc.isenabled())
            return None

    e = Engine(directory)
    e.practice = Watch()
    assert gc.isenabled()
    e.screen([I("M1", "financial", "Partner, Bodey Medical Centre")], [A("1", "Bodey Medical Centre: rent")], D)
    assert seen == [False] and gc.isenabled()
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()  # the outer pause still holds it
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left off as it was
    finally:
        gc.enable()


def test_texts_read_by_an_earlier_screen_are_not_read_again(directory, monkeypatch):
    e = Engine(directory)
    read = []
    original = e._mentions
    monkeypatch.setattr(e, "_mentions", lambda text, want_areas=False: read.append(text) or original(text, want_areas))
    interests = [
        I("M1", "financial", "Partner, Bodey Medical Centre"),
        I("M2", "financial", "Partner, Bodey Medical Centre"),
    ]
    first = [f.to_dict() for f in e.screen(interests, [A("1", "Bodey Medical Centre: rent")], D)]
    assert read == ["Partner, Bodey Medical Centre", "Bodey Medical Centre: rent | "]  # the same wording read once
    read.clear()
    again = [
        f.to_dict() for f in e.screen(interests, [A("1", "Bodey Medical Centre: rent"), A("2", "Vallance Medical")], D)
    ]
    assert read == ["Vallance Medical | "] and again[: len(first)] == first


def test_the_directory_answers_the_engines_lookups(directory):
    assert directory.is_practice("P84005") and not directory.is_practice("U07506")
    assert directory.is_pcn("U07506") and not directory.is_pcn("P84005")
    assert directory.practice_name("P84005") == "VALLANCE MEDICAL" and directory.practice_name("U07506") is None
    assert directory.pcn_name("U07506") == "ARDWICK AND LONGSIGHT PCN" and directory.pcn_name("P84005") is None
    assert directory.practice_icb("P81047") == "QE1" and directory.practice_icb("NOPE") is None
    assert directory.practice_open_on("P84005", D) and not directory.practice_open_on("NOPE", D)
    assert {"P84005", "P84009"} <= directory.pcn_members("U07506") and directory.pcn_members("NOPE") == set()
    assert "P81047" in directory.practices_at_place("burnley") and directory.practices_at_place("nowhere") == set()
    assert directory.is_place_name(("burnley",)) and not directory.is_place_name(("vallance",))


def test_the_site_rule_links_a_practice_named_by_its_building():
    from screening import Directory
    from tests.screening.conftest import PCN, PRACTICES, _p

    # a real epraccur row (NHS Digital, OGL): the practice is at a health centre with a name of its own
    clayton = _p(
        "P84032",
        "DRS HANIF & BANNURU",
        "QOP",
        ["CLAYTON HEALTH CENTRE", "89 NORTH ROAD, CLAYTON", "MANCHESTER", "LANCASHIRE"],
        "M11 4EJ",
        "14L",
    )
    d = Directory.from_records(PRACTICES + [clayton], PCN)
    e, ri, item = _resolved(
        d, I("M1", "financial", "GP partner – practice code P84032"), A("1", "Clayton Health Centre: lease renewal")
    )
    assert item.practices["P84032"][0] == "building"
    link = e.site.link(ri, item, "P84032")
    assert link.action == "exclude" and "by building" in link.path
    assert link.sentence.endswith('which item 1 names by its building ("Clayton health centre").')
    assert e.practice.link(ri, item, "P84032") is None


def test_a_batch_uses_a_second_worker_only_when_a_core_is_idle(monkeypatch):
    import os

    from screening.engine import available_cores

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.0, 1.0, 1.0))  # this process alone
    assert available_cores() == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (4.5, 4.0, 4.0))  # the cores busy with other work
    assert available_cores() == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert available_cores() == 4  # at most four
