"""Every configuration key the code reads is declared once in coi/settings.py, and the README lists it."""

import re
from pathlib import Path

from coi.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(r"""\b(?:config|cfg)(?:\.get\(|\[)\s*["']([A-Z][A-Z_]+)["']""")
FLASK_OWN = {
    "SECRET_KEY",
    "TESTING",
    "REMEMBER_COOKIE_SECURE",
    "HAVE_NHSUK_ASSETS",
    "HAVE_AUTOCOMPLETE",
}  # set by create_app itself


def test_every_configuration_key_read_is_declared_once():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    read = set()
    for package in ("coi", "registry"):
        for path in (ROOT / package).rglob("*.py"):
            read |= set(READ.findall(path.read_text()))
    undeclared = read - set(names) - FLASK_OWN
    assert not undeclared, f"configuration keys read but not declared in coi/settings.py: {sorted(undeclared)}"


def test_the_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text()
    missing = [s.name for s in SETTINGS if f"`COI_{s.name}`" not in readme]
    assert not missing, f"README's configuration table lacks {missing}"
