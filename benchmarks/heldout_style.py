"""Generate a held-out-style stress set for the screening engine (regions Y56 London, Y59 South East, Y62 North
West), in the dev set's file layout, written in a third wording style that the dev sets do not use.

    python benchmarks/heldout_style.py OUTDIR [--meetings 12] [--seed 7] [--orgs ../shared/data/organisations]
    python /work/shared/tools/score_screening.py OUTDIR --cmd 'coi screen --register {register} ...'

Truth is labelled from the structured choices made here (what each item is about, what each declaration is
about, who holds it, the role, the dates) by the dev README's rules; the engine is never run.  Organisation names
are real (epraccur / PCN map); people, agendas and registers are synthetic.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
from collections import defaultdict
from datetime import date, timedelta

REGIONS = ("Y56", "Y59", "Y62")
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ORGS = os.path.join(HERE, "..", "..", "shared", "data", "organisations")

GENERIC = set(
    "medical centre center surgery surgeries health healthcare practice group primary care nhs the and of "
    "family clinic gp doctors partnership partners unit general dr drs".split()
)
BUILDINGISH = re.compile(
    r"\b(CENTRE|CTR|HOUSE|CLINIC|SURGERY|HALL|LODGE|COURT|RESOURCE|HUB|PAVILION|VILLAGE|"
    r"BUILDING|CHAMBERS|COTTAGE|MANOR)\b"
)


def words(s):
    return re.findall(r"[A-Z0-9]+", s.upper().replace("'", ""))


def core(name):
    name = re.sub(r"\([^)]*\)", " ", name)
    return tuple(w for w in words(name) if w.lower() not in GENERIC and len(w) > 1)


def osa(a, b):
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            c = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + c)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


# ---------------------------------------------------------------------------------------------------- directory
class Orgs:
    def __init__(self, orgdir):
        with open(os.path.join(orgdir, "epraccur.csv"), encoding="latin-1", newline="") as f:
            self.rows = [r for r in csv.reader(f) if len(r) >= 26]
        with open(os.path.join(orgdir, "pcn_map.csv"), encoding="utf-8-sig", newline="") as f:
            rd = csv.DictReader(f)
            self.map_header = rd.fieldnames
            self.map_rows = list(rd)
        self.region_rows = [r for r in self.rows if r[2] in REGIONS]
        self.region_map = [m for m in self.map_rows if m["COMM_REGION_CODE"] in REGIONS]
        self.pcn_of, self.pcn_name, self.pcn_members, self.area_name = {}, {}, defaultdict(set), {}
        for m in self.region_map:
            self.pcn_of[m["PRACTICE_CODE"]] = m["PCN_CODE"]
            self.pcn_name[m["PCN_CODE"]] = m["PCN_NAME"]
            self.pcn_members[m["PCN_CODE"]].add(m["PRACTICE_CODE"])
            self.area_name[m["CCG_CODE"]] = m["CCG_NAME"]
        self.active = {r[0]: r for r in self.region_rows if r[12] == "A" and r[25] == "4"}
        self.by_core = defaultdict(set)  # every practice in the folder (any status) by name core
        for r in self.region_rows:
            if r[25] == "4":
                self.by_core[core(r[1])].add(r[0])
        self.building_core = defaultdict(set)
        for r in self.region_rows:
            if r[25] == "4" and r[12] == "A":
                self.building_core[core(r[4])].add(r[0])
        self.cores = list(self.by_core)
        # non-practice provider companies in the directory (federations, CICs, Ltds)
        self.companies = sorted(
            {
                re.sub(r"\s*\(.*$", "", r[1]).strip()
                for r in self.region_rows
                if r[12] == "A"
                and r[25] != "4"
                and re.search(r"\b(FEDERATION|LTD|LIMITED|CIC|LLP)\b", r[1])
                and re.search(r"\b(FEDERATION|HEALTH|HEALTHCARE|GP|GPS|PRIMARY|MEDICAL|CARE)\b", r[1])
                and not re.search(r"\b(OOH|NMP|HUB|GPWSI|CLINIC|SERVICE|DERMATOLOGY)\b", r[1])
            }
        )

    def usable(self, code):
        r = self.active[code]
        c = core(r[1])
        if not c or any(ch.isdigit() for w in c for ch in w) or code not in self.pcn_of:
            return False
        if re.search(r"\b(DR|DRS)\b", r[1]) and not re.search(r"PARTNERS?$", r[1]):
            return False
        # the name must point at one practice among the committee's ICB's practices
        same = [x for x in self.by_core[c] if x in self.active and self.active[x][3] == r[3]]
        return len(same) == 1 and sum(len(w) for w in c) >= 5

    def icb(self, code):
        return self.active[code][3]

    def town(self, code):
        r = self.active[code]
        lines = [
            x
            for x in r[4:9]
            if x
            and not any(ch.isdigit() for ch in x)
            and not re.search(r"\b(FLOOR|FLR|UNIT|ROAD|STREET|LANE|AVENUE|HOUSE|CENTRE|SURGERY|PRACTICE)\b", x)
        ]
        lines = [x for x in lines if x.upper() not in ("LONDON",) or len(lines) == 1]
        return (
            lines[-2]
            if len(lines) >= 2
            and lines[-1]
            in (
                "LANCASHIRE",
                "KENT",
                "SURREY",
                "MERSEYSIDE",
                "CHESHIRE",
                "ESSEX",
                "MIDDLESEX",
                "HAMPSHIRE",
                "WEST SUSSEX",
                "EAST SUSSEX",
                "CUMBRIA",
                "GREATER MANCHESTER",
                "BERKSHIRE",
            )
            else (lines[-1] if lines else "")
        )

    def site(self, code):
        """A building (address line 1) that names exactly this practice, or ''."""
        r = self.active[code]
        b = r[4]
        bc = core(b)
        if not bc or any(ch.isdigit() for ch in b) or bc == core(r[1]) or not BUILDINGISH.search(b):
            return ""
        if set(self.building_core[bc]) != {code} or self.by_core.get(bc):
            return ""
        if re.search(r"\b(ROAD|STREET|LANE|AVENUE)\b", b) and not re.search(r"CENTRE|HOUSE|SURGERY", b):
            return ""
        return b

    def unique_typo_ok(self, code, typo_core):
        j = "".join(typo_core)
        k = 2 if len(j) >= 10 else 1
        for c in self.cores:
            cj = "".join(c)
            if abs(len(cj) - len(j)) <= k and osa(cj, j) <= k and code not in self.by_core[c]:
                return False
        return True


# ---------------------------------------------------------------------------------------------------- wording
def title(s):
    out = []
    for w in s.split(" "):
        if re.fullmatch(r"[A-Z]{1,2}\d\w*", w) or w in ("GP", "PCN", "NHS", "CIC", "LLP"):
            out.append(w)
        else:
            out.append(w[:1].upper() + w[1:].lower())
    return " ".join(out).replace("'S ", "'s ")


TYPE_VARIANTS = [  # (pattern on the official upper-case name, replacements) -- this style's own habits
    (r"\bMEDICAL CENTRE\b", ["Medical Center", "Med. Ctr", "Medical Cntr", "Med Centre"]),
    (r"\bHEALTH CENTRE\b", ["Health Center", "Hlth. Centre", "Health Ctre"]),
    (r"\bGROUP PRACTICE\b", ["Group Practise", "Grp. Practice", "Group Pract."]),
    (r"\bMEDICAL PRACTICE\b", ["Medical Practise", "Med. Practice", "Medical Pract."]),
    (r"\bSURGERY\b", ["Surgery", "Surg.", "surgery"]),
    (r"\bPRACTICE\b", ["Practise", "Pract."]),
    (r"\bPARTNERS\b", ["Ptnrs", "partners"]),
]
SWAPS = ["Surgery", "Medical Practice", "GP Practice", "Health Centre", "Medical Centre"]
KEYBOARD = dict(zip("qwertyuiopasdfghjklzxcvbnm", "wertyuiopqsdfghjklaxcvbnmz"))


def typo(word, rng):
    w = word
    i = rng.randrange(1, len(w) - 1)
    op = rng.choice(["swap", "drop", "double", "key"])
    if op == "swap" and w[i] != w[i + 1]:
        return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    if op == "drop":
        return w[:i] + w[i + 1 :]
    if op == "double":
        return w[:i] + w[i] + w[i:]
    lo = w[i].lower()
    return w[:i] + KEYBOARD.get(lo, lo).upper() + w[i + 1 :]


def variant_name(orgs, code, rng, with_town=False):
    """A variant of a practice's name (this style's habits) that still names only this practice; returns text."""
    name = orgs.active[code][1]
    name = re.sub(r"\s*\([^)]*\)\s*$", "", name)
    c = core(name)
    for _ in range(20):
        s = name
        ops = rng.sample(["type", "the", "and", "typo", "swap", "saint", "case", "inv"], 2)
        if "type" in ops:
            for pat, reps in TYPE_VARIANTS:
                if re.search(pat, s):
                    s = re.sub(pat, rng.choice(reps).upper() if s.isupper() else rng.choice(reps), s, count=1)
                    break
        if "swap" in ops and len(c) >= 2 and not re.search(r"\bDR\b", s):
            s2 = re.sub(
                r"\b(MEDICAL CENTRE|HEALTH CENTRE|MEDICAL PRACTICE|GROUP PRACTICE|SURGERY|PRACTICE)\b$",
                rng.choice(SWAPS).upper(),
                s,
            )
            s = s2
        if "the" in ops:
            s = s[4:] if s.startswith("THE ") else "THE " + s
        if "and" in ops:
            s = s.replace(" & ", " AND ") if " & " in s else s.replace(" AND ", " + ")
        if "saint" in ops:
            s = re.sub(r"\bST\.? ", "SAINT ", s) if rng.random() < 0.5 else re.sub(r"\bSAINT ", "ST. ", s)
        if "typo" in ops:
            cand = [w for w in c if len(w) >= 6 and w.isalpha()]
            if cand:
                w = rng.choice(cand)
                t = typo(w, rng)
                tc = tuple(t if x == w else x for x in c)
                if orgs.unique_typo_ok(code, tc):
                    s = re.sub(r"\b" + w + r"\b", t, s, count=1)
        if s != name and core(s) == c or "typo" in ops and s != name:
            break
    if "inv" in ops and s.startswith("THE ") and not with_town:
        s = s[4:] + ", THE"
    mode = rng.random()
    if mode < 0.35:
        s = title(s)
    elif mode < 0.5:
        s = s.lower()
    return s


def official(orgs, code, rng):
    name = orgs.active[code][1]
    return name if rng.random() < 0.5 else title(name)


def pcn_written(orgs, pcn, rng):
    n = orgs.pcn_name[pcn]
    base = re.sub(r"\s*PCN$", "", re.sub(r"\s*\([^)]*\)", "", n)).strip()
    tag = re.search(r"\(([^)]*)\)", n)
    if tag and rng.random() < 0.4:
        base = base + " (" + tag.group(1) + ")"
    b = title(base)
    return rng.choice(
        [
            b + " PCN",
            b + " Primary Care Network",
            b + " pcn",
            b.upper() + " PCN",
            b + " P.C.N.",
            "the " + b + " Network",
        ]
    )


def area_written(orgs, area, rng):
    n = re.sub(r"^NHS |\s*CCG$", "", orgs.area_name[area]).strip()
    if rng.random() < 0.3:
        n = n.replace(" and ", " & ")
    return n


# ---------------------------------------------------------------------------------------------------- people
FIRST = [
    "Aisha",
    "Tomasz",
    "Priya",
    "Declan",
    "Funmi",
    "Gareth",
    "Nadia",
    "Rhys",
    "Mei",
    "Oskar",
    "Yasmin",
    "Callum",
    "Ifeoma",
    "Hamish",
    "Zara",
    "Ruairi",
    "Sana",
    "Bethan",
    "Kwame",
    "Elif",
    "Dominic",
    "Lowri",
]
LAST = [
    "Okonkwo",
    "Brennan",
    "Sandhu",
    "Whitfield",
    "Karimi",
    "Lindqvist",
    "Ashworth",
    "Mensah",
    "Pearce",
    "Nakamura",
    "Gallagher",
    "Chaudhry",
    "Fairbairn",
    "Osei",
    "Hargreaves",
    "Rahman",
    "Tregear",
    "Duffy",
]
NILS = [
    "Nil return",
    "No interests to declare",
    "None.",
    "N/A",
    "nothing to declare at this time",
    "I have no interests that require declaring",
    "No relevant or material interests",
    "Nil - see form dated 1/4",
    "None held",
    "—",
    "No declarable interests (form returned)",
    "not applicable",
]
REL = {
    "spouse": ["Spouse", "My wife", "My husband", "Civil partner", "My partner (spouse)", "Husband", "Wife"],
    "family": ["My son", "Daughter", "My brother", "Sister", "My mother", "Son-in-law", "Brother-in-law"],
}
ROLE_PHRASE = {
    "partner": [
        "GP partner at {o}",
        "Partner, {o}",
        "Equity partner – {o}",
        "{o}: partner (GMS)",
        "I am one of the partners at {o}",
        "Partnership share held in {o}",
        "Senior partner @ {o}",
        "Contract-holding GP partner, {o}",
        "Partner in the practice at {o}",
    ],
    "salaried": [
        "Salaried GP, {o}",
        "Employed GP at {o} (salaried, 6 sessions)",
        "{o} – salaried doctor",
        "Sessional GP employed by {o}",
        "Salaried general practitioner – {o}",
        "I work as a salaried GP at {o}",
    ],
    "pm": ["Practice manager at {o}", "Business manager, {o}"],
    "patient": [
        "Patient registered at {o}",
        "My family and I are registered with {o}",
        "{o} – I am a patient there",
        "Registered patient ({o})",
    ],
}
REL_ROLE = {
    "partner": ["{r} is a GP partner at {o}", "{r} – partner, {o}", "{r}: partner at {o}"],
    "salaried": ["{r} is a salaried GP at {o}", "{r} works as a salaried GP at {o}", "{r} – salaried GP, {o}"],
    "pm": ["{r} is practice manager at {o}", "{r} – practice manager, {o}"],
}
PCN_ROLE = [
    "Clinical Director, {p}",
    "CD for {p}",
    "Deputy Clinical Director – {p}",
    "{p}: clinical director (paid)",
    "Board member of {p}",
]
COMPANY_ROLE = {
    "director": ["Director, {c}", "{c} – non-executive director (paid)", "Board director of {c}"],
    "shareholder": ["Shareholder in {c}", "{c}: shareholder (1 share of 40)", "Holds shares in {c}"],
    "salaried": ["Sessional GP for {c}", "Paid clinical lead for {c}"],
}
CHARITY_ROLE = ["Trustee (unpaid), {c}", "Unpaid trustee of {c}", "Volunteer board member – {c}"]
TRUST_ROLE = ["Public governor, {c}", "Elected governor of {c} (unpaid)"]
UNRELATED = [
    ("financial", "Speaker fees from AstraZeneca (2024)"),
    ("non-financial professional", "Member of the RCGP"),
    ("financial", "NHS pension"),
    ("non-financial professional", "LMC representative (observer)"),
    ("financial", "Employed by the ICB as Associate Director"),
    ("non-financial personal", "Member of the National Trust"),
    ("financial", "Shares in Tesco plc (ISA)"),
]
CHARITIES = ["Age UK", "Mind", "Citizens Advice", "Carers Trust", "Home-Start"]
TRUSTS = [
    "Manchester University NHS Foundation Trust (MFT)",
    "Guy's and St Thomas' NHS Foundation Trust (GSTT)",
    "Kent Community Health NHS Foundation Trust (KCHFT)",
    "Barts Health NHS Trust",
    "Lancashire Teaching Hospitals NHS Foundation Trust (LTHTR)",
    "Surrey and Sussex Healthcare NHS Trust (SASH)",
]

# agenda wording (third style)
T_PRACTICE = [
    (
        "Paper {n}: {o} – request to close list to new registrations",
        "The practice asks to close its list for 6 months.",
    ),
    (
        "{o} – APMS contract: direct award recommendation",
        "Recommend a direct award (PSR process B) to the current provider.",
    ),
    ("Contract variation – {o}", "Variation to reflect a change in the partnership at {o}."),
    ("Premises improvement grant application ({o})", "Bid of £{m},000 towards a new consulting room."),
    (
        "Remedial notice: {o}",
        "Breach of contract relating to access; the committee is asked to agree a remedial notice.",
    ),
    ("Practice merger proposal", "Proposed merger of {o} with a neighbouring practice; approval sought."),
    ("Boundary change – {o}", "Request to reduce the practice boundary."),
    ("Resilience support payment", "One-off resilience payment of £{m},000 to {o}."),
]
T_SITE = [
    (
        "Lease renewal and rent reimbursement – {s}",
        "Renewal of the head lease for {s}; the District Valuer has reported.",
    ),
    ("Premises: {s} refurbishment", "Improvement grant for the GP premises at {s}."),
]
T_ODS = [
    ("Closed list application (practice {c})", "Practice code {c} asks to close its list."),
    ("Branch surgery closure – ods {c}", "Proposed closure of the branch surgery of practice {c}."),
]
T_PCN = [
    ("PCN DES: {p} – ARRS workforce plan", "Approve the ARRS recruitment plan submitted by {p}."),
    ("Enhanced Access – {p} delivery plan 2025/26", "Sign-off of the Enhanced Access offer for {p}."),
    ("Capacity and Access Improvement Payment: {p}", "Confirm {p} has met the CAIP requirements."),
    ("{p} – request to change core network practice", "Approval of change to the network agreement."),
]
T_AREA = [
    ("{a} Primary Care Quality Scheme 2025/26", "Offer of the quality scheme to all practices in {a}."),
    (
        "Locally Commissioned Service specification – {a}",
        "LCS (phlebotomy, ECG, wound care) for every GP practice in {a}.",
    ),
    ("QOF+ local framework ({a})", "Local alternative to QOF for all {a} practices."),
    ("{a}-wide GP enhanced service offer", "Enhanced services offered to every practice in {a} from 1 April."),
    ("Practice sustainability payment – all GP practices in {a}", "Per-patient payment to every practice."),
    ("Local Incentive Scheme 2025-26 for {a} practices", "Renewal of the LIS for all member practices."),
]
T_COMPANY = [
    ("Contract award: {c}", "Award of the same-day access hub contract to {c}."),
    ("{c} – extension of the out-of-hospital service contract", "Twelve-month extension for {c}."),
    ("Grant to {c}", "Non-recurrent grant to {c} for social prescribing."),
]
T_GENERIC = [
    ("Medical Centre estates strategy – national guidance", "For information."),
    ("General practice workforce update", "Health and care workforce figures for primary care."),
    ("Surgery opening hours: national reminder", "For noting."),
    ("Network Contract DES 2025/26 – national changes", "Summary of national changes; no decision."),
    ("Health Centre fire safety – national guidance", "Guidance for practices; for noting."),
    ("Primary care access recovery plan – update", "Progress report (for information)."),
]
ROUTINE = [
    ("Welcome, apologies, quoracy", ""),
    ("Declarations of interest", "Members to declare interests."),
    ("Minutes of last meeting and action log", ""),
    ("Finance report – month 5", "For information."),
    ("Risk register", "For noting."),
    ("AOB and close", ""),
]


# ---------------------------------------------------------------------------------------------------- generation
def make_meeting(orgs, rng, mid, mdate, used):
    icbs = sorted({orgs.icb(c) for c in orgs.active if orgs.usable(c)})
    icb = rng.choice(icbs)
    pool = sorted(c for c in orgs.active if orgs.icb(c) == icb and orgs.usable(c) and c not in used)
    rng.shuffle(pool)
    members, interests = [], []  # interest: dict(member, kind, target, role, holder, current, ref, text, itype)
    regs = []
    mcount = 0

    def new_member(position):
        nonlocal mcount
        mcount += 1
        m = {
            "id": f"{mid.upper()}-{mcount:02d}",
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "position": position,
        }
        if "GP" in position:
            m["name"] = "Dr " + m["name"]
        members.append(m)
        return m

    def add(m, itype, text, kind=None, target=None, role=None, holder="self", current=True, ref="exact"):
        if current:
            df = mdate - timedelta(days=rng.randrange(200, 4000))
            dt = ""
        else:
            dt_d = mdate - timedelta(days=rng.randrange(400, 1800))
            df = dt_d - timedelta(days=rng.randrange(300, 3000))
            dt = dt_d.isoformat()
            if rng.random() < 0.5:
                text = text + f" (left {dt_d.strftime('%m/%Y')})"
        regs.append([m["id"], m["name"], m["position"], itype, text, df.isoformat() if itype else "", dt])
        if kind:
            interests.append(
                dict(member=m["id"], kind=kind, target=target, role=role, holder=holder, current=current, ref=ref)
            )

    def practice_ref(code, allow_site=True):
        r = rng.random()
        if r < 0.3:
            return official(orgs, code, rng), "exact"
        if r < 0.45:
            c = code.lower() if rng.random() < 0.6 else code
            return rng.choice(["practice code {c}", "ODS {c}", "the practice with code {c}", "{c}"]).format(c=c), "ods"
        if r < 0.6 and allow_site and orgs.site(code):
            return "the practice at " + title(orgs.site(code)), "site"
        if r < 0.7:
            t = orgs.town(code)
            if t:
                sep = rng.choice([", ", " in ", " ("])
                return variant_name(orgs, code, rng, True) + sep + title(t) + (")" if sep == " (" else ""), "variant"
        return variant_name(orgs, code, rng), "variant"

    n_gp = rng.randint(5, 7)
    gp_practices = pool[:n_gp]
    others = pool[n_gp:]
    company_pool = list(orgs.companies)
    companies = rng.sample(company_pool, 2) if len(company_pool) >= 2 else []
    charity = rng.choice(CHARITIES) + " " + title(orgs.town(gp_practices[0]) or "Borough")
    trust = rng.choice(TRUSTS)
    gps = []
    for k, code in enumerate(gp_practices):
        m = new_member(rng.choice(["GP Member", "GP Partner Member", "Clinical Member (GP)", "Primary Care GP Lead"]))
        role = "partner" if rng.random() < 0.65 else "salaried"
        txt, ref = practice_ref(code)
        add(m, "financial", rng.choice(ROLE_PHRASE[role]).format(o=txt), "practice", code, role, ref=ref)
        gps.append((m, code))
        if rng.random() < 0.45 and others:
            o = others.pop()
            r2 = rng.choice(["partner", "salaried", "pm"])
            h = rng.choice(["spouse", "family"])
            txt, ref = practice_ref(o)
            add(
                m,
                "indirect",
                rng.choice(REL_ROLE[r2]).format(r=rng.choice(REL[h]), o=txt),
                "practice",
                o,
                r2,
                holder=h,
                ref=ref,
            )
        if rng.random() < 0.35:
            p = orgs.pcn_of[code] if rng.random() < 0.7 else orgs.pcn_of[rng.choice(pool)]
            add(m, "financial", rng.choice(PCN_ROLE).format(p=pcn_written(orgs, p, rng)), "pcn", p, "pcn_role")
        if rng.random() < 0.35 and others:
            o = others.pop()
            txt, ref = practice_ref(o)
            add(
                m,
                "financial",
                rng.choice(ROLE_PHRASE["partner"]).format(o=txt),
                "practice",
                o,
                "partner",
                current=False,
                ref=ref,
            )
        if rng.random() < 0.3 and companies:
            c = rng.choice(companies)
            r3 = rng.choice(list(COMPANY_ROLE))
            add(m, "financial", rng.choice(COMPANY_ROLE[r3]).format(c=company_written(c, rng)), "org", c, r3)
        if rng.random() < 0.3:
            add(m, *rng.choice(UNRELATED))
    for _ in range(rng.randint(2, 3)):
        m = new_member(
            rng.choice(
                ["Lay Member (Patient & Public)", "Independent Non-Executive Member", "Healthwatch representative"]
            )
        )
        if others:
            o = others.pop()
            txt, ref = practice_ref(o)
            add(
                m,
                "non-financial personal",
                rng.choice(ROLE_PHRASE["patient"]).format(o=txt),
                "practice",
                o,
                "patient",
                ref=ref,
            )
        if rng.random() < 0.5:
            add(m, "non-financial personal", rng.choice(CHARITY_ROLE).format(c=charity), "org", charity, "trustee")
        if rng.random() < 0.5:
            add(m, "non-financial professional", rng.choice(TRUST_ROLE).format(c=trust), "org", trust, "trustee")
    for _ in range(rng.randint(2, 3)):
        m = new_member(
            rng.choice(
                [
                    "Director of Primary Care (ICB)",
                    "Chief Finance Officer",
                    "LMC Secretary",
                    "Head of Primary Care Contracting",
                ]
            )
        )
        if rng.random() < 0.6:
            add(m, "", rng.choice(NILS))
        else:
            add(m, *rng.choice(UNRELATED))
    used.update(gp_practices)

    # ---------------- items
    items = []  # dict(title, desc, about={'practice':{code:ref}, 'pcn':set, 'area':set, 'org':set}, neg=...)
    for t, dsc in ROUTINE[:3]:
        items.append(dict(title=t, desc=dsc, about={}))
    current_practice_interests = [i for i in interests if i["kind"] == "practice"]
    rng.shuffle(current_practice_interests)
    n_pr = 0
    for i in current_practice_interests:
        if n_pr >= 7:
            break
        code = i["target"]
        mode = rng.random()
        if mode < 0.2 and orgs.site(code):
            t, dsc = rng.choice(T_SITE)
            s = title(orgs.site(code)) if rng.random() < 0.7 else orgs.site(code)
            items.append(dict(title=t.format(s=s), desc=dsc.format(s=s), about={"practice": {code: "site"}}))
        elif mode < 0.35:
            t, dsc = rng.choice(T_ODS)
            c = code.lower() if rng.random() < 0.5 else code
            items.append(dict(title=t.format(c=c), desc=dsc.format(c=c), about={"practice": {code: "ods"}}))
        else:
            exact = mode < 0.55
            o = official(orgs, code, rng) if exact else variant_name(orgs, code, rng)
            t, dsc = rng.choice(T_PRACTICE)
            items.append(
                dict(
                    title=t.format(o=o, n=rng.randint(10, 99)),
                    desc=dsc.format(o=o, m=rng.randint(5, 90)),
                    about={"practice": {code: "exact" if exact else "variant"}},
                )
            )
        n_pr += 1
    # PCN items
    gp_pcns = sorted({orgs.pcn_of[c] for _, c in gps})
    for p in rng.sample(gp_pcns, min(2, len(gp_pcns))):
        t, dsc = rng.choice(T_PCN)
        w = pcn_written(orgs, p, rng)
        items.append(dict(title=t.format(p=w), desc=dsc.format(p=w), about={"pcn": {p}}))
    # area-wide items
    areas = sorted({orgs.active[c][14] for _, c in gps if orgs.active[c][14] in orgs.area_name})
    for a in rng.sample(areas, min(2, len(areas))):
        t, dsc = rng.choice(T_AREA)
        w = area_written(orgs, a, rng)
        items.append(dict(title=t.format(a=w), desc=dsc.format(a=w), about={"area": {a}}))
    # company / charity / trust
    for c in companies:
        t, dsc = rng.choice(T_COMPANY)
        w = company_written(c, rng)
        items.append(dict(title=t.format(c=w), desc=dsc.format(c=w), about={"org": {c}}))
    items.append(dict(title=f"Social prescribing grant: {charity}", desc="Grant of £20,000.", about={"org": {charity}}))
    tw = trust if rng.random() < 0.5 else re.sub(r"\s*\((\w+)\)$", "", trust)
    items.append(
        dict(
            title=f"Community phlebotomy – contract with {tw}",
            desc="Variation to the block contract.",
            about={"org": {trust}},
        )
    )
    # near-miss: a different practice in the same ICB sharing a distinctive word with a member's practice
    for m, code in gps:
        c = set(core(orgs.active[code][1]))
        cands = [
            x
            for x in orgs.active
            if orgs.icb(x) == icb
            and x != code
            and set(core(orgs.active[x][1])) & c
            and core(orgs.active[x][1]) != core(orgs.active[code][1])
            and orgs.usable(x)
        ]
        if cands:
            x = rng.choice(sorted(cands))
            o = official(orgs, x, rng)
            if rng.random() < 0.4:
                o += rng.choice([f" ({x})", f", {orgs.active[x][9]}"])
            t, dsc = rng.choice(T_PRACTICE)
            items.append(
                dict(
                    title=t.format(o=o, n=rng.randint(10, 99)),
                    desc=dsc.format(o=o, m=rng.randint(5, 90)),
                    about={"practice": {x: "exact"}},
                    neg=("N-nearmiss", m["id"], code),
                )
            )
            break
    # same name elsewhere (in the folder, other ICB), given with its town / postcode / code
    for m, code in gps:
        cc = core(orgs.active[code][1])
        els = [x for x in orgs.by_core[cc] if x in orgs.active and orgs.icb(x) != icb]
        if els:
            x = rng.choice(sorted(els))
            r = orgs.active[x]
            q = rng.choice([f" ({title(orgs.town(x))})", f", {r[9]}", f" – ODS {x}", f" in {title(orgs.town(x))}"])
            o = title(r[1]) + q
            items.append(
                dict(
                    title=f"For information: {o} has merged",
                    desc=f"{o} is in another ICB; no action.",
                    about={"practice": {x: "exact"}},
                    neg=("N-samename-elsewhere", m["id"], code),
                )
            )
            break
    # federation named after a place that is also a member practice's whole distinctive name
    for m, code in gps:
        cc = core(orgs.active[code][1])
        if len(cc) == 1 and len(cc[0]) >= 5:
            fed = title(cc[0]) + rng.choice(
                [" GP Federation Ltd", " Healthcare Ltd", " Primary Care Alliance CIC", " GP Collaborative"]
            )
            items.append(
                dict(
                    title=f"Contract award: {fed}",
                    desc=f"Award of the wound-care hub to {fed}.",
                    about={"org": {fed}},
                    neg=("N-nearmiss", m["id"], code),
                )
            )
            break
    # expired links
    for i in interests:
        if not i["current"] and i["kind"] == "practice":
            o = variant_name(orgs, i["target"], rng)
            t, dsc = rng.choice(T_PRACTICE)
            items.append(
                dict(
                    title=t.format(o=o, n=rng.randint(10, 99)),
                    desc=dsc.format(o=o, m=rng.randint(5, 90)),
                    about={"practice": {i["target"]: "variant"}},
                    neg=("N-expired", i["member"], ""),
                )
            )
    for t, dsc in rng.sample(T_GENERIC, 2):
        items.append(dict(title=t, desc=dsc, about={}, neg=("N-generic", None, "")))
    body = items[3:]
    rng.shuffle(body)
    items = items[:3] + body + [dict(title=t, desc=d, about={}) for t, d in ROUTINE[3:]]
    style = rng.choice(["num", "paper", "sec"])
    for k, it in enumerate(items):
        it["id"] = {
            "num": f"{k + 1}",
            "paper": f"PCC/{mdate.year % 100}/{k + 1:03d}",
            "sec": f"{'ABCDEFGH'[k // 6]}.{k % 6 + 1}",
        }[style]
    return members, regs, interests, items, icb


def company_written(c, rng):
    base = re.sub(r"\s+(LTD|LIMITED|CIC|LLP|C\.I\.C\.?)$", "", c.strip(), flags=re.I)
    if c.isupper() and rng.random() < 0.7:
        base = title(base)
    if base in CHARITIES or " NHS " in c or "(" in c or re.search(r"\d", c):
        return c
    suf = (
        rng.choice(["Ltd", "Limited", "Ltd.", "", "LTD"])
        if not re.search(r"CIC$", c, re.I)
        else rng.choice(["CIC", "C.I.C.", "Community Interest Company", ""])
    )
    return (base + " " + suf).strip()


def label(orgs, members, interests, items, mdate):
    """Truth rows from the structured choices, by the dev README's rules."""
    by_member = defaultdict(list)
    for i in interests:
        by_member[i["member"]].append(i)
    rows = []
    sev = {"exclude": 3, "no-vote": 2, "declare": 1}
    for it in items:
        ab = it["about"]
        for m in members:
            best = None
            for i in by_member[m["id"]]:
                if not i["current"]:
                    continue
                act = cat = None
                if i["kind"] == "practice" and i["target"] in ab.get("practice", {}):
                    if i["role"] in ("partner", "salaried", "pm"):
                        act = "exclude"
                    elif i["role"] == "patient":
                        act = "declare"
                    refs = {ab["practice"][i["target"]], i["ref"]}
                    cat = (
                        "P-ods"
                        if "ods" in refs
                        else "P-site"
                        if "site" in refs
                        else "P-variant"
                        if "variant" in refs
                        else "P-exact"
                    )
                elif (
                    i["kind"] == "practice"
                    and i["role"] in ("partner", "salaried")
                    and any(i["target"] in orgs.pcn_members[p] for p in ab.get("pcn", ()))
                ):
                    act, cat = "no-vote", "P-pcn"
                elif i["kind"] == "pcn" and i["target"] in ab.get("pcn", ()):
                    act, cat = "no-vote", "P-pcn"
                elif (
                    i["kind"] == "practice"
                    and i["role"] in ("partner", "salaried")
                    and orgs.active[i["target"]][14] in ab.get("area", ())
                ):
                    act, cat = "no-vote", "P-areawide"
                elif i["kind"] == "org" and i["target"] in ab.get("org", ()):
                    act = "declare" if i["role"] == "trustee" else "exclude"
                    cat = "P-company"
                if act is None:
                    continue
                if i["holder"] != "self":
                    cat = "P-indirect"
                if best is None or sev[act] > sev[best[0]]:
                    best = (act, cat, i)
            if best:
                i = best[2]
                rows.append(
                    [it["id"], m["id"], 1, best[1], best[0], f"{i['role']} ({i['holder']}) {i['kind']} {i['target']}"]
                )
    pos = {(r[0], r[1]) for r in rows}
    nil_members = [m["id"] for m in members if not by_member[m["id"]]]
    practice_members = [m["id"] for m in members if any(i["kind"] == "practice" for i in by_member[m["id"]])]
    for it in items:
        neg = it.get("neg")
        if neg:
            cat, mem, _ = neg
            targets = [mem] if mem else practice_members
            for t in targets:
                if (it["id"], t) not in pos:
                    rows.append([it["id"], t, 0, cat, "", "hard negative"])
    pos_items = sorted({r[0] for r in rows if r[2] == 1})
    for mem in nil_members:
        for iid in pos_items[:3]:
            rows.append([iid, mem, 0, "N-nil", "", "nil return"])
    return rows


def build(outdir, n, seed, orgdir):
    rng = random.Random(seed)
    orgs = Orgs(orgdir)
    os.makedirs(os.path.join(outdir, "organisations"), exist_ok=True)
    with open(os.path.join(outdir, "organisations", "epraccur.csv"), "w", encoding="latin-1", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        for r in orgs.region_rows:
            w.writerow(r)
    with open(os.path.join(outdir, "organisations", "pcn_map.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=orgs.map_header, lineterminator="\r\n")
        w.writeheader()
        w.writerows(orgs.region_map)
    used = set()
    for k in range(n):
        mid = f"h{k + 1:02d}"
        mdate = date(2025, 4, 1) + timedelta(days=rng.randrange(0, 300))
        members, regs, interests, items, icb = make_meeting(orgs, rng, mid, mdate, used)
        d = os.path.join(outdir, mid)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "register.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["member_id", "name", "position", "interest_type", "description", "date_from", "date_to"])
            w.writerows(regs)
        with open(os.path.join(d, "agenda.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["item_id", "title", "description", "meeting_date"])
            for it in items:
                w.writerow([it["id"], it["title"], it["desc"], mdate.isoformat()])
        with open(os.path.join(d, "truth.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["item_id", "member_id", "conflict", "category", "expected_action", "note"])
            w.writerows(label(orgs, members, interests, items, mdate))
        with open(os.path.join(d, "baseline_orgs.csv"), "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerow(["member_id", "interest_row", "org_name_as_written"])
    return outdir


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--meetings", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--orgs", default=DEFAULT_ORGS)
    a = ap.parse_args(argv)
    build(a.outdir, a.meetings, a.seed, a.orgs)
    print(a.outdir)


if __name__ == "__main__":
    main()
