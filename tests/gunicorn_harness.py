"""The app under a real gunicorn, driven over loopback: for the deployment and fault tests and benchmarks/load.py.

Standard library only: a gunicorn subprocess in its own process group (so the whole server can be killed at
once, as in a crash), an HTTP client with a cookie jar built on http.client, the register's forms as a member
fills them in, and a check of what the database holds against what the clients were told was saved.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Optional
from urllib.parse import urlencode

CHECKOUT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(database_url: str, instance: Path, **settings: str) -> dict[str, str]:
    """The environment a deployment gives gunicorn: COI_ settings only, nothing from the test process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COI_")}
    env.update(
        {
            "COI_DATABASE_URL": database_url,
            "COI_INSTANCE_PATH": str(instance),
            "COI_SECRET_KEY": secrets.token_hex(32),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({f"COI_{k}": str(v) for k, v in settings.items()})
    return env


def proc_stat(pid: int) -> Optional[list[str]]:
    """The fields of /proc/PID/stat after the command name (state first), or None if it has gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def children(pid: int) -> list[int]:
    """Live (not zombie) child processes of `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = proc_stat(int(entry.name))
            if fields and int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def cpu_seconds(pid: int, reaped_children: bool = False) -> float:
    """User + system CPU of a process so far; with reaped_children, also that of children it has waited for."""
    fields = proc_stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped_children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime: fields 14-17 of stat


class Gunicorn:
    """`gunicorn coi.wsgi:app` on 127.0.0.1 with sync workers, started and killed like the real thing."""

    def __init__(
        self,
        env: dict[str, str],
        workers: int = 2,
        port: Optional[int] = None,
        log: Optional[Path] = None,
        extra_args: tuple[str, ...] = (),
    ):
        self.env = env
        self.workers = workers
        self.port = port or free_port()
        self.log = log
        self.extra_args = extra_args
        self.proc: Optional[subprocess.Popen] = None
        self.restarts = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "Gunicorn":
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--no-control-socket",
            *self.extra_args,
            "coi.wsgi:app",
        ]
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                cmd, cwd=CHECKOUT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )  # its own process group: kill_all takes every worker
        finally:
            if self.log:
                out.close()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/sign-in")
                status = conn.getresponse().status
                conn.close()
                if status == 200 and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer on port {self.port} within {timeout} s; see {self.log}")

    def worker_pids(self) -> list[int]:
        """The master's children, from /proc (the workers; gunicorn forks nothing else)."""
        return children(self.proc.pid) if self.proc is not None else []

    def workers_cpu_seconds(self) -> float:
        """User + system CPU the live workers have used so far."""
        return sum(cpu_seconds(pid) for pid in self.worker_pids())

    def kill_worker(self, rng: random.Random) -> Optional[int]:
        """SIGKILL one worker, mid-request or not; the master forks a replacement."""
        pids = self.worker_pids()
        if not pids:
            return None
        victim = rng.choice(pids)
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return victim

    def kill_all(self) -> None:
        """SIGKILL the master and every worker at once, as a crash or an OOM kill of the whole service would."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def restart(self, timeout: float = 60) -> None:
        self.kill_all()
        self.restarts += 1
        self.start(timeout)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    """One person's browser: a cookie jar, no automatic redirects, a new connection per request (sync workers
    close the connection after each response anyway)."""

    def __init__(self, port: int, timeout: float = 60):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: Optional[dict] = None) -> Response:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            data = raw.read()
            response_headers = {k.lower(): v for k, v in raw.getheaders()}
            for name, value in raw.getheaders():
                if name.lower() == "set-cookie":
                    cookie = SimpleCookie()
                    cookie.load(value)
                    for key, morsel in cookie.items():
                        if morsel["expires"] and "1970" in morsel["expires"] or morsel["max-age"] == "0":
                            self.cookies.pop(key, None)
                        else:
                            self.cookies[key] = morsel.value
        finally:
            conn.close()
        return Response(raw.status, response_headers, data, time.perf_counter() - started)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> Response:
        return self.request("POST", path, form)


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')


def _first(pattern: re.Pattern, html: str, what: str) -> str:
    match = pattern.search(html)
    if not match:
        raise AssertionError(f"no {what} on the page")
    return next(g for g in match.groups() if g)


def form_tokens(html: str) -> dict[str, str]:
    """The hidden fields a real form post carries: the CSRF token and the form's idempotency key."""
    return {
        "csrf_token": _first(CSRF, html, "CSRF token"),
        "idempotency_key": _first(IDEMPOTENCY, html, "idempotency key"),
    }


def page_version(html: str) -> str:
    return _first(VERSION, html, "version field")


def sign_in_form(html: str, email: str, password: str) -> dict[str, str]:
    return {"csrf_token": _first(CSRF, html, "CSRF token"), "email": email, "password": password}


def interest_form(description: str, started: date, role: str = "partner", organisation: str = "") -> dict[str, str]:
    # a name typed freely is kept only when marked as not in the directory (the type-ahead's last choice)
    return {
        "interest_type": "financial",
        "organisation": organisation,
        "organisation_id": "",
        "role": role,
        "not_in_directory": "y" if organisation else "",
        "share_percent": "",
        "holder_name": "",
        "relationship": "",
        "description": description,
        "date_from[day]": str(started.day),
        "date_from[month]": str(started.month),
        "date_from[year]": str(started.year),
        "date_to[day]": "",
        "date_to[month]": "",
        "date_to[year]": "",
    }


EDIT_LINK = re.compile(
    r'href="/declarations/interests/(\d+)/edit">Edit<span class="nhsuk-u-visually-hidden"> ([^<]*)</span>'
)


def my_interest_ids(html: str) -> dict[str, int]:
    """Description -> id, from the member's own declarations page."""
    import html as html_module

    return {html_module.unescape(desc): int(i) for i, desc in EDIT_LINK.findall(html)}


# --- What the database must hold ----------------------------------------------------------------------


@dataclass
class Expected:
    """One declaration a client was told was saved (a redirect to /declarations/)."""

    marker: str  # unique text at the start of the description, kept by every edit
    descriptions: set[str] = field(default_factory=set)  # acceptable final descriptions
    min_version: int = 1  # the highest version a client was told was saved
    max_version: int = 1  # the highest version an attempt might have made (an unanswered edit may have saved)
    role: str = "partner"
    person_id: Optional[int] = None


def check_register(engine, expected: list[Expected], marker_prefix: str) -> list[str]:
    """Problems in what the database holds; [] when everything acknowledged is there exactly once and whole.

    - no partial declaration: every interest has its 'created' history row and an audit row per history row;
      no history row or interest audit event without its interest;
    - histories consistent: versions contiguous from 1 up to the interest's version;
    - every acknowledged declaration is there exactly once, with the content it was last saved with;
    - the audit chain is intact.
    """
    from sqlmodel import Session, select

    from registry.models import AuditEvent, Interest, InterestHistory
    from registry.services import audit

    problems: list[str] = []
    with Session(engine) as s:
        interests = {i.id: i for i in s.exec(select(Interest))}
        history: dict[int, list[InterestHistory]] = {}
        for h in s.exec(select(InterestHistory).order_by(InterestHistory.interest_id, InterestHistory.version)):
            history.setdefault(h.interest_id, []).append(h)
        audited: set[tuple[int, int, str]] = set()
        for event in s.exec(select(AuditEvent).where(AuditEvent.action.like("interest.%"))):
            audited.add((event.object_id, (event.detail or {}).get("version"), event.action))
            if event.object_id not in interests:
                problems.append(
                    f"audit event {event.id} ({event.action}) names interest {event.object_id}, which does not exist"
                )
        for interest_id in set(history) - set(interests):
            problems.append(f"history rows for interest {interest_id}, which does not exist")
        for interest in interests.values():
            rows = history.get(interest.id, [])
            versions = [h.version for h in rows]
            if versions != list(range(1, interest.version + 1)):
                problems.append(
                    f"interest {interest.id} is at version {interest.version} but its history has {versions}"
                )
                continue
            if rows[0].change != "created":
                problems.append(f"interest {interest.id}'s first history row is {rows[0].change!r}, not 'created'")
            if rows[-1].after.get("description") != interest.description:
                problems.append(f"interest {interest.id}'s last history row does not match the row")
            for h in rows:
                if (interest.id, h.version, f"interest.{h.change}") not in audited:
                    problems.append(f"interest {interest.id} version {h.version} ({h.change}) has no audit row")
        by_marker: dict[str, list[Interest]] = {}
        for interest in interests.values():
            if interest.description.startswith(marker_prefix):
                by_marker.setdefault(interest.description.split(" ", 1)[0], []).append(interest)
        for want in expected:
            found = by_marker.get(want.marker, [])
            if not found:
                problems.append(f"acknowledged declaration {want.marker} is missing")
                continue
            if len(found) > 1:
                problems.append(
                    f"declaration {want.marker} is in the database {len(found)} times: ids {[i.id for i in found]}"
                )
                continue
            got = found[0]
            if got.description not in want.descriptions:
                problems.append(
                    f"{want.marker}: description {got.description!r}, expected one of {sorted(want.descriptions)}"
                )
            if not want.min_version <= got.version <= want.max_version:
                problems.append(
                    f"{want.marker}: version {got.version}, expected {want.min_version}..{want.max_version}"
                )
            if got.role != want.role or got.interest_type != "financial":
                problems.append(f"{want.marker}: saved as {got.interest_type}/{got.role!r}")
            if want.person_id is not None and got.person_id != want.person_id:
                problems.append(f"{want.marker}: belongs to person {got.person_id}, not {want.person_id}")
        # duplicates among declarations no client heard back about count too
        for marker, found in by_marker.items():
            if len(found) > 1 and all(w.marker != marker for w in expected):
                problems.append(f"unacknowledged declaration {marker} is in the database {len(found)} times")
        chain = audit.verify_chain(s)
        if not chain.intact:
            problems.append(f"audit chain broken at event {chain.first_bad_id} of {chain.rows}")
    return problems


# --- A member declaring and editing, as the load and fault tests drive it ----------------------------


class GaveUp(Exception):
    """The server did not answer within the member's patience (connection errors all the way)."""


class Member:
    """A signed-in member who declares and edits interests; posts are retried with the same idempotency key on
    a connection error (a lost response), so a retry can only ever be answered, never carried out twice."""

    def __init__(
        self,
        port: int,
        email: str,
        password: str,
        marker_prefix: str,
        person_id: Optional[int] = None,
        patience: float = 45,
        record=None,
        rng: Optional[random.Random] = None,
    ):
        self.browser = Browser(port)
        self.email, self.password = email, password
        self.marker_prefix = marker_prefix
        self.person_id = person_id
        self.patience = patience
        self.record = record or (lambda kind, response: None)  # called with every response
        self.rng = rng or random.Random()
        self.expected: list[Expected] = []
        self.ids: dict[str, int] = {}  # marker -> interest id
        self.counter = 0
        self.connection_retries = 0
        self.deliberate_retries = 0
        self.server_errors: list[tuple[str, int, str]] = []

    def send(self, kind: str, method: str, path: str, form: Optional[dict] = None) -> Response:
        deadline = time.monotonic() + self.patience
        delay = 0.05
        while True:
            try:
                response = self.browser.request(method, path, form)
            except (OSError, http.client.HTTPException):
                if time.monotonic() > deadline:
                    raise GaveUp(f"{method} {path}")
                self.connection_retries += 1
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
                continue
            self.record(kind, response)
            if response.status >= 500:
                self.server_errors.append((kind, response.status, response.text[:300]))
            return response

    def sign_in(self) -> None:
        for _ in range(5):
            page = self.send("sign_in_form", "GET", "/sign-in")
            response = self.send("sign_in", "POST", "/sign-in", sign_in_form(page.text, self.email, self.password))
            if response.status == 302:
                return
        raise AssertionError(f"{self.email} could not sign in: {response.status}")

    def _saved(self, response: Response) -> bool:
        return response.status in (302, 303) and response.location.endswith("/declarations/")

    def declare(self, retry_deliberately: bool = False) -> Optional[Expected]:
        """Declare a new interest; the Expected if the server said it was saved, else None."""
        self.counter += 1
        marker = f"{self.marker_prefix}{self.counter:05d}-{self.rng.randrange(16**6):06x}"
        description = f"{marker} Partner at Loadtest Medical Centre"
        form = self.send("declare_form", "GET", "/declarations/interests/new")
        if form.status != 200:
            return None
        data = {**form_tokens(form.text), **interest_form(description, date(2022, 1, 1 + self.counter % 28))}
        response = self.send("declare", "POST", "/declarations/interests/new", data)
        if not self._saved(response):
            return None
        if retry_deliberately:  # as if the response had been lost: the same post again must not add a second row
            self.deliberate_retries += 1
            again = self.send("retry", "POST", "/declarations/interests/new", data)
            assert again.status == 303 and again.location == response.location, (again.status, again.location)
        want = Expected(marker, {description}, person_id=self.person_id)
        self.expected.append(want)
        return want

    def find_ids(self) -> None:
        page = self.send("my_declarations", "GET", "/declarations/")
        for description, interest_id in my_interest_ids(page.text).items():
            self.ids[description.split(" ", 1)[0]] = interest_id

    def edit(self, want: Expected, retry_deliberately: bool = False) -> bool:
        """Edit a declaration this member was told was saved; True if the edit was acknowledged."""
        if want.marker not in self.ids:
            self.find_ids()
        interest_id = self.ids.get(want.marker)
        if interest_id is None or len(want.descriptions) != 1:
            return False  # not on the page yet, or an earlier edit's fate is unknown
        page = self.send("edit_form", "GET", f"/declarations/interests/{interest_id}/edit")
        if page.status != 200:
            return False
        version = int(page_version(page.text))
        description = f"{want.marker} Partner (edit {version}) at Loadtest Medical Centre"
        data = {
            **form_tokens(page.text),
            "version": str(version),
            **interest_form(description, date(2022, 1, 1 + self.counter % 28)),
        }
        want.max_version = max(want.max_version, version + 1)
        try:
            response = self.send("edit", "POST", f"/declarations/interests/{interest_id}/edit", data)
        except GaveUp:
            want.descriptions.add(description)  # it may or may not have been saved
            raise
        if not self._saved(response):
            want.max_version = max(want.min_version, version)
            return False
        if retry_deliberately:
            self.deliberate_retries += 1
            again = self.send("retry", "POST", f"/declarations/interests/{interest_id}/edit", data)
            assert again.status == 303, again.status
        want.descriptions = {description}
        want.min_version = version + 1
        return True
