"""General naming rules found with the national sweep (benchmarks/national_sweep.py, issue 12).

Every test reads its practices from NHS Digital's national files in ../shared/data/organisations (epraccur and the
January 2022 PCN map, OGL) -- the whole directory, as a committee's screen sees it -- and writes an item or a
declaration the way people write them. The names are real; the wording is ours.
"""
import os
from datetime import date

import pytest

from screening import AgendaItem, Directory, Interest, screen
from screening.engine import Engine

ORGS = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'data', 'organisations')
D = date(2025, 6, 1)

pytestmark = pytest.mark.skipif(not os.path.isfile(os.path.join(ORGS, 'epraccur.csv')),
                                reason='national organisation files not present')


@pytest.fixture(scope='module')
def nat():
    return Directory.from_files(ORGS)


def I(mid, text, itype='financial'):
    return Interest(mid, 'Member ' + mid, 'GP member', itype, text, date(2015, 1, 1), None, interest_id=mid)


def A(iid, title, desc=''):
    return AgendaItem(iid, title, desc, D)


def flags(d, interests, items, **kw):
    out = Engine(d).screen(interests, items, D, **kw)
    oracle = Engine(d).screen(interests, items, D, all_pairs=True, **kw)
    assert [f.to_dict() for f in out] == [f.to_dict() for f in oracle]   # pruning loses nothing
    return {(f.item_id, f.member_id): f.action for f in out}


def row(d, code):
    return d.practices[code].rec


# ------------------------------------------------------------------ 12. areas: places and the committee's own area
def test_area_wide_item_naming_no_area_means_the_committees_own_area(nat):
    # H83006 NEW ADDINGTON GROUP PRACTICE is in sub-ICB 36L (South West London); G82013 AMHERST is in 91Q (Kent)
    assert row(nat, 'H83006').commissioner == '36L' and row(nat, 'G82013').commissioner == '91Q'
    decls = [I('M1', 'GP partner – practice code H83006'), I('M2', 'GP partner – practice code G82013')]
    items = [A('1', 'Primary Care Network DES sign-up for all PCNs in the ICB'),
             A('2', 'Local enhanced service offer for all practices 2027/28')]
    assert flags(nat, decls, items) == {}                                # no area: nobody
    assert flags(nat, decls, items, area={'36L'}) == {('1', 'M1'): 'no-vote', ('2', 'M1'): 'no-vote'}
    assert flags(nat, decls, items, area=['91Q']) == {('1', 'M2'): 'no-vote', ('2', 'M2'): 'no-vote'}
    assert flags(nat, decls, items, area='QWE') == {('1', 'M1'): 'no-vote', ('2', 'M1'): 'no-vote'}  # an ICB code


def test_borough_wide_scheme_reaches_the_practices_of_that_place_only(nat):
    # the six South West London boroughs share one sub-ICB code (36L); the borough is the town on the address
    assert row(nat, 'H83006').address_lines[2] == 'CROYDON' and row(nat, 'H85018').address_lines[2] == 'SUTTON'
    assert row(nat, 'H85018').commissioner == row(nat, 'H83006').commissioner
    decls = [I('M1', 'Partner, practice code H83006'), I('M2', 'Salaried GP – practice code H85018')]
    items = [A('1', 'Croydon Local Incentive Scheme 2027/28 for all Croydon practices'), A('2', 'LIS – all Sutton practices')]
    assert flags(nat, decls, items) == {('1', 'M1'): 'no-vote', ('2', 'M2'): 'no-vote'}
    # passed as the committee's area by place name, an area-wide item naming none reaches that borough only
    assert flags(nat, decls, [A('3', 'Enhanced service offer to all practices')], area=['Sutton']) == {
        ('3', 'M2'): 'no-vote'}


def test_area_identifiers_resolve(nat):
    assert nat.area_keys(['36l']) == {'36L'}
    assert nat.area_keys('Croydon') == {'place:croydon'}
    assert 'H83006' in nat.area_practices('place:croydon') and 'H85018' not in nat.area_practices('place:croydon')
    assert nat.area_keys(['no such place']) == set()
