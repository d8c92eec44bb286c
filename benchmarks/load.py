"""Load: the app under gunicorn (4 sync workers), once on SQLite in WAL mode and once on PostgreSQL in a
throwaway cluster, driven by concurrent members on loopback. Prints figures; it is not a test.

    .venv/bin/python benchmarks/load.py                      # both databases, 16 clients, 30 s each
    .venv/bin/python benchmarks/load.py --seconds 60 --json  # machine-readable

Before the clients start, 10,000 interests (held by 400 decision makers) are written through the services and
published, so register reads are measured against a register of that size. Each client is a member who signs
in, then (at random) declares an interest, edits one of theirs, lists their own declarations, reads the public
register (a page, or filtered by a name) or exports it as CSV; now and then one starts a new browser session
and signs in again. Every form post carries the idempotency key its form page was served with, and about one
post in ten is deliberately sent twice, as after a lost response.

Afterwards it checks: no 5xx responses; every declaration the clients were told was saved (a redirect to
/declarations/) is in the database exactly once, with the content it was last saved with, its history rows
(versions contiguous from 1) and its audit rows; the audit chain is intact. Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.db import make_engine, session_scope  # noqa: E402
from registry.migrate import upgrade  # noqa: E402
from tests.gunicorn_harness import (
    Browser,
    GaveUp,
    Gunicorn,
    Member,
    app_env,
    check_register,  # noqa: E402
    children,
    cpu_seconds,
)
from tests.pgcluster import ThrowawayCluster, find_pg_bin  # noqa: E402

WRITE_KINDS = ("declare", "edit")
READ_KINDS = ("register", "register_filtered")
MARKER = "L"
FIRST = [
    "Ada",
    "Amara",
    "Bilal",
    "Chloe",
    "Daniel",
    "Fatima",
    "George",
    "Hannah",
    "Ibrahim",
    "Jasmine",
    "Kwame",
    "Laura",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Rhys",
    "Sofia",
    "Tomasz",
    "Yusuf",
]
LAST = [
    "Adeyemi",
    "Brennan",
    "Chowdhury",
    "Davies",
    "Evans",
    "Fitzgerald",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Nowak",
    "Okafor",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Thomas",
]
ROLES = ["partner", "senior partner", "director", "shareholder", "trustee", "adviser", "employee", "clinical director"]
ORGS = [
    "Canbury Medical Centre",
    "Wandle Valley PCN",
    "Croydon GP Collaborative Ltd",
    "Thornton Road Surgery",
    "Merton Health Federation",
    "Sutton Primary Care Network",
    "Kingston Diagnostics Ltd",
    "Balham Park Surgery",
]


def seed(engine, people: int, interests_each: int, clients: int) -> tuple[list[tuple[str, str, int]], list[str]]:
    """Accounts for the clients (argon2 at the production cost) and a register of people × interests, published."""
    from registry.services import interests, publication
    from registry.services.accounts import create_person

    rng = random.Random(1)
    accounts, surnames = [], set()
    with session_scope(engine) as s:
        lead = create_person(
            s,
            email="lead@load.example.nhs.uk",
            full_name="Load Governance Lead",
            password=secrets.token_urlsafe(16),
            roles=("governance",),
            decision_maker=False,
        )
        for n in range(clients):
            password = secrets.token_urlsafe(16)
            person = create_person(
                s,
                email=f"member{n}@load.example.nhs.uk",
                full_name=f"Load Member {n:02d}",
                password=password,
                position="GP partner",
            )
            accounts.append((person.email, password, person.id))
        lead_id = lead.id
    started = date(2015, 1, 1)
    for batch in range(0, people, 50):
        with session_scope(engine) as s:
            for n in range(batch, min(batch + 50, people)):
                last = LAST[n % len(LAST)] + ("" if n < len(LAST) else f"-{LAST[(n // len(LAST)) % len(LAST)]}")
                surnames.add(last)
                person = create_person(
                    s, email=None, full_name=f"Dr {FIRST[n % len(FIRST)]} {last}", password=None, position="GP partner"
                )
                for i in range(interests_each):
                    org = rng.choice(ORGS)
                    interests.declare_interest(
                        s,
                        person.id,
                        actor_id=lead_id,
                        interest_type=rng.choice(["financial", "non-financial professional"]),
                        description=f"{rng.choice(ROLES).capitalize()} at {org}",
                        organisation_text=org,
                        role=rng.choice(ROLES),
                        date_from=started + timedelta(days=rng.randrange(3000)),
                    )
    with session_scope(engine) as s:
        snapshot = publication.publish(s, lead_id)
        assert len(snapshot.rows) >= people * interests_each, len(snapshot.rows)
    return accounts, sorted(surnames)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK"), sum(fields) / os.sysconf("SC_CLK_TCK")


def process_tree_cpu(pid: int) -> float:
    """CPU of a process, its live children and the children it has reaped (PostgreSQL's backends)."""
    return cpu_seconds(pid, reaped_children=True) + sum(cpu_seconds(child) for child in children(pid))


def postmaster_pid(cluster) -> int:
    return int((cluster.data / "postmaster.pid").read_text().split()[0])


class Recorder:
    def __init__(self):
        self.latencies: dict[str, list[float]] = {}
        self.statuses: dict[str, dict[int, int]] = {}
        self.lock = threading.Lock()
        self.acknowledged_writes = 0

    def __call__(self, kind: str, response) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(response.seconds)
            counts = self.statuses.setdefault(kind, {})
            counts[response.status] = counts.get(response.status, 0) + 1
            if kind in WRITE_KINDS and response.status == 302 and response.location.endswith("/declarations/"):
                self.acknowledged_writes += 1


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def drive(
    port: int, accounts, surnames, seconds: float, recorder: Recorder, mix: str = "mixed"
) -> tuple[list[Member], list[str]]:
    stop = threading.Event()
    errors: list[str] = []
    members = [
        Member(
            port,
            email,
            password,
            f"{MARKER}{n:02d}-",
            person_id=person_id,
            patience=30,
            record=recorder,
            rng=random.Random(100 + n),
        )
        for n, (email, password, person_id) in enumerate(accounts)
    ]

    def run(member: Member) -> None:
        rng = member.rng
        try:
            member.sign_in()
            while not stop.is_set():
                roll = rng.random() if mix == "mixed" else rng.random() * 0.55
                if roll < 0.35:
                    member.declare(retry_deliberately=rng.random() < 0.1)
                elif roll < 0.55:
                    editable = [w for w in member.expected if len(w.descriptions) == 1]
                    if editable:
                        member.edit(rng.choice(editable), retry_deliberately=rng.random() < 0.1)
                    else:
                        member.declare()
                elif roll < 0.63:
                    member.send("my_declarations", "GET", "/declarations/")
                elif roll < 0.78:
                    member.send("register", "GET", f"/register?page={rng.randrange(1, 200)}")
                elif roll < 0.93:
                    member.send("register_filtered", "GET", f"/register?name={rng.choice(surnames)}")
                elif roll < 0.98:
                    member.send("export_csv", "GET", "/register.csv")
                else:
                    member.browser = Browser(port)  # a new browser: sign in again
                    member.ids.clear()
                    member.sign_in()
        except GaveUp as gave_up:
            errors.append(f"{member.email} gave up on {gave_up}")
        except Exception as error:  # noqa: BLE001 - reported in the summary
            errors.append(f"{member.email}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=run, args=(m,), daemon=True) for m in members]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    return members, errors


def read_phase(port: int, surnames, seconds: float, clients: int) -> dict[str, list[float]]:
    """Anonymous visitors reading the public register (a page, or filtered by a name), with no other clients."""
    found: dict[str, list[float]] = {"register": [], "register_filtered": []}
    statuses: list[int] = []
    deadline = time.monotonic() + seconds

    def run(n: int) -> None:
        rng, browser = random.Random(500 + n), Browser(port)
        while time.monotonic() < deadline:
            if rng.random() < 0.5:
                kind, path = "register", f"/register?page={rng.randrange(1, 200)}"
            else:
                kind, path = "register_filtered", f"/register?name={rng.choice(surnames)}"
            response = browser.get(path)
            statuses.append(response.status)
            found[kind].append(response.seconds)

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    found["server_errors"] = [s for s in statuses if s >= 500]
    return found


def run_backend(backend: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"coi-load-{backend}-"))
    cluster = None
    try:
        if backend == "sqlite":
            url = f"sqlite:///{workdir / 'load.sqlite'}"
        else:
            bin_dir = find_pg_bin()
            if bin_dir is None:
                raise SystemExit("PostgreSQL binaries (initdb, pg_ctl) not found")
            cluster = ThrowawayCluster(bin_dir).start()
            url = cluster.create_database("coi_load")
        engine = make_engine(url)
        upgrade(engine)
        t0 = time.perf_counter()
        people = max(1, args.interests // 25)
        accounts, surnames = seed(engine, people, args.interests // people, args.clients)
        seeded_in = time.perf_counter() - t0
        print(f"[{backend}] seeded {args.interests} interests and published them in {seeded_in:.1f} s", file=sys.stderr)

        recorder = Recorder()
        log = workdir / "gunicorn.log"
        server = Gunicorn(
            app_env(url, workdir / "instance", MFA_REQUIRED="false"), workers=args.workers, log=log
        ).start()
        cpu_before = os.times()
        workers_cpu_before = server.workers_cpu_seconds()
        database_cpu_before = process_tree_cpu(postmaster_pid(cluster)) if cluster else 0.0
        machine_before = machine_cpu()
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        try:
            members, errors = drive(server.port, accounts, surnames, args.seconds, recorder, args.mix)
            elapsed = time.perf_counter() - started
            workers_cpu = server.workers_cpu_seconds() - workers_cpu_before
            database_cpu = process_tree_cpu(postmaster_pid(cluster)) - database_cpu_before if cluster else None
            machine_busy, machine_total = (after - before for after, before in zip(machine_cpu(), machine_before))
            load_after = os.getloadavg()[0]
            read_alone = (
                read_phase(server.port, surnames, args.read_seconds, args.read_clients) if args.read_seconds else None
            )
        finally:
            server.stop()
        expected = [w for m in members for w in m.expected]
        problems = check_register(engine, expected, MARKER)
        engine.dispose()
        server_errors = [e for m in members for e in m.server_errors]
        kinds = {}
        for kind, values in sorted(recorder.latencies.items()):
            kinds[kind] = {
                "requests": len(values),
                "per_second": len(values) / elapsed,
                "p50_ms": percentile(values, 50) * 1000,
                "p95_ms": percentile(values, 95) * 1000,
                "p99_ms": percentile(values, 99) * 1000,
                "statuses": recorder.statuses[kind],
            }
        everything = [v for values in recorder.latencies.values() for v in values]
        writes = [v for k in WRITE_KINDS for v in recorder.latencies.get(k, [])]
        reads = [v for k in READ_KINDS for v in recorder.latencies.get(k, [])]
        result = {
            "backend": backend,
            "database": "SQLite (WAL)" if backend == "sqlite" else "PostgreSQL (throwaway cluster)",
            "workers": args.workers,
            "clients": args.clients,
            "seconds": round(elapsed, 1),
            "register_interests": args.interests,
            "seed_seconds": round(seeded_in, 1),
            "requests": len(everything),
            "requests_per_second": len(everything) / elapsed,
            "writes_acknowledged": recorder.acknowledged_writes,
            "writes_per_second": recorder.acknowledged_writes / elapsed,
            "p50_ms": percentile(everything, 50) * 1000,
            "p95_ms": percentile(everything, 95) * 1000,
            "p99_ms": percentile(everything, 99) * 1000,
            "write_p99_ms": percentile(writes, 99) * 1000 if writes else None,
            "register_read_p95_ms": percentile(reads, 95) * 1000 if reads else None,
            "kinds": kinds,
            "declarations_acknowledged": len(expected),
            "edits_acknowledged": sum(w.min_version - 1 for w in expected),
            "deliberate_retries": sum(m.deliberate_retries for m in members),
            "connection_retries": sum(m.connection_retries for m in members),
            "server_errors": len(server_errors),
            "server_error_samples": server_errors[:3],
            "client_errors": errors,
            "integrity_problems": problems,
            "load_generator_cpu_seconds": round(
                os.times().user - cpu_before.user + os.times().system - cpu_before.system, 1
            ),
            "cpus": os.cpu_count(),
            "workers_cpu_seconds": round(workers_cpu, 1),
            "workers_cpu_ms_per_request": workers_cpu * 1000 / max(1, len(everything)),
            "database_server_cpu_seconds": None if database_cpu is None else round(database_cpu, 1),
            "machine_busy_percent": round(100 * machine_busy / machine_total, 1) if machine_total else None,
        }
        result["load_average_before_after"] = [round(load_before, 2), round(load_after, 2)]
        result["mix"] = args.mix
        if read_alone is not None:
            both = read_alone["register"] + read_alone["register_filtered"]
            result["read_phase"] = {
                "clients": args.read_clients,
                "seconds": args.read_seconds,
                "server_errors": len(read_alone["server_errors"]),
                **{
                    kind: {
                        "requests": len(v),
                        "p50_ms": percentile(v, 50) * 1000,
                        "p95_ms": percentile(v, 95) * 1000,
                        "p99_ms": percentile(v, 99) * 1000,
                    }
                    for kind, v in read_alone.items()
                    if kind != "server_errors" and v
                },
                "p95_ms": percentile(both, 95) * 1000 if both else None,
            }
            server_errors += [("read phase", code, "") for code in read_alone["server_errors"]]
            result["server_errors"] = len(server_errors)
        result["targets"] = {
            "writes_per_second>=50": result["writes_per_second"] >= 50,
            "p99<1500ms": result["p99_ms"] < 1500,
            "register_read_p95<200ms": (
                (result.get("read_phase") or {}).get("p95_ms") or result["register_read_p95_ms"] or 0
            )
            < 200,
        }
        result["checks_passed"] = not problems and not server_errors and not errors
        return result
    finally:
        if cluster is not None:
            cluster.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def print_table(result: dict) -> None:
    print(
        f"\n{result['database']}: {result['workers']} gunicorn workers, {result['clients']} clients, "
        f"{result['seconds']} s, {result['register_interests']:,} interests on the published register, "
        f"{result['cpus']} CPUs shared with the load generator"
    )
    print(f"{'kind':<18}{'requests':>9}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    for kind, k in result["kinds"].items():
        statuses = " ".join(f"{code}×{n}" for code, n in sorted(k["statuses"].items()))
        print(
            f"{kind:<18}{k['requests']:>9}{k['per_second']:>8.1f}{k['p50_ms']:>9.0f}{k['p95_ms']:>9.0f}"
            f"{k['p99_ms']:>9.0f}  {statuses}"
        )
    print(
        f"{'all':<18}{result['requests']:>9}{result['requests_per_second']:>8.1f}{result['p50_ms']:>9.0f}"
        f"{result['p95_ms']:>9.0f}{result['p99_ms']:>9.0f}"
    )
    print(
        f"writes acknowledged: {result['writes_acknowledged']} ({result['writes_per_second']:.1f}/s: "
        f"{result['declarations_acknowledged']} declarations, {result['edits_acknowledged']} edits); "
        f"deliberate retries: {result['deliberate_retries']}, answered without a duplicate"
    )
    phase = result.get("read_phase")
    if phase:
        print(
            f"register reads alone ({phase['clients']} visitors, {phase['seconds']:.0f} s, no other clients): "
            + "; ".join(
                f"{kind} {phase[kind]['requests']} requests, p50 {phase[kind]['p50_ms']:.0f} ms, "
                f"p95 {phase[kind]['p95_ms']:.0f} ms, p99 {phase[kind]['p99_ms']:.0f} ms"
                for kind in ("register", "register_filtered")
                if kind in phase
            )
        )
    database = (
        ""
        if result["database_server_cpu_seconds"] is None
        else f"; PostgreSQL server {result['database_server_cpu_seconds']} CPU s"
    )
    print(
        f"CPU while the clients ran: gunicorn workers {result['workers_cpu_seconds']} s "
        f"({result['workers_cpu_ms_per_request']:.1f} ms a request){database}; load generator "
        f"{result['load_generator_cpu_seconds']} s; the machine was {result['machine_busy_percent']}% busy "
        f"({result['cpus']} CPUs; load average before/after {result['load_average_before_after']})"
    )
    print(
        f"register reads p95 under load: {result['register_read_p95_ms']:.0f} ms; 5xx responses: {result['server_errors']}; "
        f"client errors: {len(result['client_errors'])}; integrity problems: {len(result['integrity_problems'])}"
    )
    print("targets: " + ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in result["targets"].items()))
    for line in result["integrity_problems"][:10] + result["client_errors"][:5]:
        print(f"  ! {line}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="how long the clients run, per database (default 30)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument(
        "--interests", type=int, default=10_000, help="interests on the published register (default 10,000)"
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--mix",
        choices=["mixed", "writes"],
        default="mixed",
        help="mixed (the default) or writes: members only declare and edit, to find the write ceiling",
    )
    parser.add_argument(
        "--read-seconds",
        type=float,
        default=10,
        help="then measure register reads alone for this long (default 10; 0 skips)",
    )
    parser.add_argument("--read-clients", type=int, default=4, help="visitors in the read phase (default 4)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (database, gunicorn log)")
    args = parser.parse_args(argv)
    if not 1 <= args.seconds <= 600 or not 0 <= args.read_seconds <= 600:
        parser.error("--seconds and --read-seconds must be between 1 and 600")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = [run_backend(backend, args) for backend in backends]
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        for result in results:
            print_table(result)
    return 0 if all(r["checks_passed"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
