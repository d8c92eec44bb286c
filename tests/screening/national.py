"""The national directory and the small helpers the naming-rule tests share (test_naming_rules.py,
test_recall_rules.py; `nat` reaches them through conftest.py): NHS Digital's files from ../shared/data/organisations, skipped without them and failing
under CI (tests/conftest.py::shared_data)."""

import os
from datetime import date

import pytest

from screening import AgendaItem, Directory, Interest
from screening.engine import Engine
from tests.conftest import shared_data

D = date(2025, 6, 1)


def organisations_folder() -> str:
    return os.path.dirname(shared_data("organisations", "epraccur.csv"))


@pytest.fixture(scope="module")
def nat():
    """The whole national directory, as a committee's screen sees it (a fixture: tests/screening/conftest.py
    offers it to every test there)."""
    return Directory.from_files(organisations_folder())


def I(mid, text, itype="financial"):  # noqa: E743 - the tests read as I(...) for an interest, A(...) for an item
    return Interest(mid, "Member " + mid, "GP member", itype, text, date(2015, 1, 1), None, interest_id=mid)


def A(iid, title, desc=""):
    return AgendaItem(iid, title, desc, D)


def flags(d, interests, items, **kw):
    out = Engine(d).screen(interests, items, D, **kw)
    oracle = Engine(d).screen(interests, items, D, all_pairs=True, **kw)
    assert [f.to_dict() for f in out] == [f.to_dict() for f in oracle]  # pruning loses nothing
    return {(f.item_id, f.member_id): f.action for f in out}
