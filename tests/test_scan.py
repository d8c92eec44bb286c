"""The dynamic scan (benchmarks/security_scan.py): Wapiti, signed in, against the app under gunicorn on loopback
with the demo data, finds no injection and no missing security header, and the app logs no unhandled error."""

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent


def _scanner():
    spec = importlib.util.spec_from_file_location("security_scan", ROOT / "benchmarks" / "security_scan.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.scan
def test_wapiti_finds_no_injection_and_no_missing_header(tmp_path):
    scanner = _scanner()
    if scanner.find_wapiti() is None:
        skip_or_fail("Wapiti is not installed (make install-test puts it in .venv-wapiti)")
    result = scanner.scan(out_dir=tmp_path / "scan")
    assert result["signed_in"], f"Wapiti could not sign in; see {result['log']}"
    assert (result["crawled"] or 0) >= 30, f"Wapiti crawled only {result['crawled']} pages; see {result['log']}"
    assert not result["injections"], "\n".join(result["injections"])
    assert not result["headers"], "\n".join(result["headers"])
    assert not result["server_errors"], "\n".join(result["server_errors"])
