"""bandit (static security analysis) finds nothing in the application's code that is not justified in place.

A justification is a `# nosec BXXX - reason` comment on the line: it names the check it silences and says why.
A bare `# nosec` (which silences every check on the line) or one without a reason fails this test.
"""

from __future__ import annotations

import json
import re
import subprocess  # nosec B404 - the test runs bandit itself
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["coi", "registry", "screening"]
JUSTIFIED = re.compile(r"#\s*nosec\s+B\d{3}(?:\s*,\s*B\d{3})*\s+-\s+\S.{5,}")


def test_bandit_finds_nothing_unjustified():
    pytest.importorskip("bandit", reason="bandit is in the test extra: pip install -e '.[test]'")
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", *PACKAGES, "-q", "-f", "json"],  # nosec B603 - fixed argv
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stdout)
    assert not report["errors"], report["errors"]
    findings = [f"{r['test_id']} {r['filename']}:{r['line_number']} {r['issue_text']}" for r in report["results"]]
    assert not findings, "bandit findings (fix them, or justify with '# nosec BXXX - reason'):\n" + "\n".join(findings)
    assert report["metrics"]["_totals"]["loc"] > 1000, "bandit read the code"


def test_every_nosec_names_its_check_and_says_why():
    bare = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if "nosec" in line and not JUSTIFIED.search(line):
                    bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bare, "a nosec without a check id and a reason:\n" + "\n".join(bare)
