"""Dynamic security scan: the app under gunicorn on loopback, a seeded demo database, and Wapiti against it.

    .venv/bin/python benchmarks/security_scan.py [--max-scan-time 300] [--keep]

Wapiti (pinned in benchmarks/wapiti-requirements.txt) cannot share the app's virtualenv: it pins older Flask,
SQLAlchemy and MarkupSafe than the app does. `make install-test` puts it in .venv-wapiti; WAPITI=/path/to/wapiti
overrides that.

Steps: a fresh SQLite database in a temporary folder (`coi init-db`, `coi seed-demo`, and a scan account with
every role made with `coi create-user`); gunicorn on 127.0.0.1 and a free port; Wapiti signs in through the
sign-in form (it reads the CSRF token from the page), crawls (sign-out excluded), and attacks with the injection
modules (sql, xss, permanentxss, exec, file, crlf), redirect, and the security-header modules (http_headers,
csp). The JSON report goes to the temporary folder; a summary is printed. Exit status 1 if Wapiti reports an
injection or a missing or weak security header, 2 if the scan could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess  # nosec B404 - runs the app's own commands and Wapiti with fixed argument lists
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ["sql", "xss", "permanentxss", "exec", "file", "crlf", "redirect", "http_headers", "csp"]
INJECTION = {
    "SQL Injection",
    "Blind SQL Injection",
    "Cross Site Scripting",
    "Stored Cross Site Scripting",
    "Command execution",
    "Path Traversal",
    "CRLF Injection",
    "Open Redirect",
    "Potentially dangerous file",
    "Reflected Cross Site Scripting",
    "Server Side Request Forgery",
    "XML External Entity",
}
HEADERS = {
    "HTTP Secure Headers",
    "Content Security Policy Configuration",
    "Clickjacking Protection",
    "MIME Type Confusion",
    "Unencrypted Channels",
}
SCAN_USER = "security-scan@example.nhs.uk"
PAGES_PER_FOLDER = 3  # enough to reach every kind of page under a folder; the rest repeat a form


def find_wapiti() -> str | None:
    for candidate in (os.environ.get("WAPITI"), ROOT / ".venv-wapiti" / "bin" / "wapiti", shutil.which("wapiti")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _coi(env: dict, *args: str) -> str:
    coi = Path(sys.executable).parent / "coi"
    result = subprocess.run([str(coi), *args], env=env, capture_output=True, text=True, timeout=120)  # nosec B603 - fixed argv
    if result.returncode != 0:
        raise RuntimeError(f"coi {' '.join(args[:1])} failed: {result.stderr[-2000:]}")
    return result.stdout


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # nosec B310 - a loopback http URL we built
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the app did not answer at {url}")


def summarise(report: dict) -> tuple[list[str], list[str], dict[str, int]]:
    """(injection findings, header findings, count per category) from a Wapiti JSON report."""
    injections, headers, counts = [], [], {}
    for category, found in report.get("vulnerabilities", {}).items():
        counts[category] = len(found)
        for item in found:
            line = f"{category}: {item.get('info', '')} [{item.get('method', '')} {item.get('path', '')}]"
            if category in INJECTION:
                injections.append(line)
            elif category in HEADERS:
                headers.append(line)
    for category, found in report.get("anomalies", {}).items():
        counts[f"anomaly: {category}"] = len(found)
    return injections, headers, counts


def scan(max_scan_time: int = 300, keep: bool = False, out_dir: Path | None = None) -> dict:
    """Run the whole scan; returns {'report': path, 'injections': [...], 'headers': [...], 'counts': {...}}."""
    wapiti = find_wapiti()
    if wapiti is None:
        raise FileNotFoundError("Wapiti is not installed: make install-test (or WAPITI=/path/to/wapiti)")
    folder = Path(out_dir or tempfile.mkdtemp(prefix="coi-scan-"))
    folder.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    env = {
        **os.environ,
        "COI_INSTANCE_PATH": str(folder / "instance"),
        "COI_DATABASE_URL": f"sqlite:///{folder / 'scan.sqlite'}",
        "COI_SECRET_KEY": secrets.token_hex(32),
        "PYTHONUNBUFFERED": "1",
        "COI_MFA_REQUIRED": "false",
    }  # Wapiti signs in with a password form; the second factor is tested elsewhere
    _coi(env, "init-db")
    _coi(env, "seed-demo")
    _coi(
        env,
        "create-user",
        SCAN_USER,
        "--name",
        "Security Scan",
        "--role",
        "member",
        "--role",
        "governance",
        "--password",
        password,
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",  # nosec B603 - fixed argv
            "--timeout",
            "60",
            "coi.wsgi:app",
        ],
        env=env,
        cwd=ROOT,
        stdout=open(folder / "gunicorn.log", "w"),
        stderr=subprocess.STDOUT,
    )
    report_path = folder / "wapiti-report.json"
    try:
        _wait_for(f"{base}/healthz")
        command = [
            wapiti,
            "--url",
            f"{base}/",
            "--scope",
            "folder",
            "--module",
            ",".join(MODULES),
            "--form-url",
            f"{base}/sign-in",
            "--form-user",
            SCAN_USER,
            "--form-password",
            password,
            "--exclude",
            f"{base}/sign-out",
            "--exclude",
            f"{base}/nhsuk/*",
            "--exclude",
            f"{base}/static/*",
            # The crawl is bounded by its shape (depth, links per page, pages per folder: the demo's many
            # /governance/people/N pages are the same form), not by a clock: Wapiti 3.2.3 cancels a module that
            # reaches --max-attack-time in the middle of writing its session database and then dies on "database
            # is locked" without a report. The clock limits below are a safety net far above the usual run.
            "--depth",
            "3",
            "--max-links-per-page",
            "25",
            "--max-files-per-dir",
            str(PAGES_PER_FOLDER),
            "--scan-force",
            "polite",
            "--max-scan-time",
            str(max_scan_time),
            "--max-attack-time",
            str(max_scan_time),
            # Wapiti's out-of-band endpoints default to its authors' servers; the scan never leaves loopback.
            "--endpoint",
            f"{base}/wapiti-endpoint/",
            "--dns-endpoint",
            "localhost",
            "--timeout",
            "10",
            "--flush-session",
            "--store-session",
            str(folder / "session"),
            "--store-config",
            str(folder / "config"),
            "--format",
            "json",
            "--output",
            str(report_path),
            "--verbose",
            "1",
        ]
        with open(folder / "wapiti.log", "w") as log:
            result = subprocess.run(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,  # nosec B603 - fixed argv
                timeout=max_scan_time * 4,  # crawl plus the attacks; only a hung Wapiti reaches it
                cwd=folder,
            )
        if not report_path.exists():
            tail = "\n".join((folder / "wapiti.log").read_text(errors="replace").splitlines()[-30:])
            raise RuntimeError(f"Wapiti wrote no report (exit {result.returncode}); the end of its log:\n{tail}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    report = json.loads(report_path.read_text())
    injections, headers, counts = summarise(report)
    log_text = (folder / "wapiti.log").read_text(errors="replace")
    info = report.get("infos", {})
    return {
        "folder": folder,
        "report": report_path,
        "injections": injections,
        "headers": headers,
        "counts": counts,
        "crawled": info.get("crawled_pages_nbr"),
        "signed_in": "Login success" in log_text or "Login successful" in log_text or "logged in" in log_text.lower(),
        "log": folder / "wapiti.log",
        "server_errors": _server_errors(folder / "gunicorn.log"),
    }


def _server_errors(log: Path) -> list[str]:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return [line for line in lines if "unhandled error" in line or "Traceback" in line][:20]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-scan-time", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (always printed)")
    args = parser.parse_args()
    try:
        result = scan(args.max_scan_time, args.keep)
    except (FileNotFoundError, RuntimeError, subprocess.TimeoutExpired) as error:
        print(f"scan could not run: {error}", file=sys.stderr)
        return 2
    print(f"Wapiti report: {result['report']} (log {result['log']})")
    print(f"signed in: {result['signed_in']}; pages crawled: {result['crawled']}")
    for category, n in sorted(result["counts"].items()):
        if n:
            print(f"  {category}: {n}")
    print(
        f"injection findings: {len(result['injections'])}; security-header findings: {len(result['headers'])}; "
        f"server errors logged: {len(result['server_errors'])}"
    )
    for line in result["injections"] + result["headers"] + result["server_errors"]:
        print("  " + line)
    return 1 if result["injections"] or result["headers"] else 0


if __name__ == "__main__":
    sys.exit(main())
