"""The app as it is deployed: gunicorn with several workers in front of PostgreSQL, migrated by `coi init-db`.

Nothing here uses Flask's test client: a real gunicorn subprocess on a loopback port, spoken to over HTTP.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from datetime import date

import pytest

from registry.db import make_engine, session_scope
from registry.services.accounts import create_person
from tests.conftest import PASSWORD
from tests.gunicorn_harness import (
    CHECKOUT,
    Browser,
    Gunicorn,
    app_env,
    form_tokens,
    interest_form,
    my_interest_ids,
    page_version,
    sign_in_form,
)


def coi_command(env: dict, *args: str) -> subprocess.CompletedProcess:
    """The installed `coi` command, as a deployment script runs it."""
    return subprocess.run(
        [sys.executable, "-c", "from coi.cli import main; main()", *args],
        cwd=CHECKOUT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def sign_in(browser: Browser, email: str) -> None:
    page = browser.get("/sign-in")
    assert page.status == 200
    response = browser.post("/sign-in", sign_in_form(page.text, email, PASSWORD))
    assert response.status == 302, response.text[:500]


@pytest.mark.postgres
def test_gunicorn_on_postgresql(pg_cluster, tmp_path):
    url = pg_cluster.create_database(f"coi_deploy_{os.getpid()}")
    env = app_env(url, tmp_path / "instance", MFA_REQUIRED="false")  # the second factor: tests/test_second_factor.py

    ran = coi_command(env, "init-db")  # every deploy runs this; the second run finds nothing to do
    assert ran.returncode == 0, ran.stderr
    assert coi_command(env, "init-db").returncode == 0
    engine = make_engine(url)
    with session_scope(engine) as s:
        member = create_person(
            s, email="gp@example.nhs.uk", full_name="Dr Ada Deploy", password=PASSWORD, position="GP partner"
        )
        create_person(
            s,
            email="lead@example.nhs.uk",
            full_name="Grace Governance",
            password=PASSWORD,
            roles=("governance",),
            decision_maker=False,
        )
        member_id = member.id

    with Gunicorn(env, workers=2, log=tmp_path / "gunicorn.log").start() as server:
        assert len(server.worker_pids()) == 2
        gp = Browser(server.port)
        sign_in(gp, "gp@example.nhs.uk")

        # Declare: the form's CSRF token and idempotency key go back with the post.
        form = gp.get("/declarations/interests/new")
        assert form.status == 200
        declared = {
            **form_tokens(form.text),
            **interest_form(
                "Partner at Deployment Medical Centre", date(2023, 4, 1), organisation="Deployment Medical Centre"
            ),
        }
        saved = gp.post("/declarations/interests/new", declared)
        assert saved.status == 302 and saved.location.endswith("/declarations/")
        assert gp.post("/declarations/interests/new", declared).status == 303  # a retry is answered, not repeated

        # Read it back, from whichever worker answers, and edit it.
        mine = gp.get("/declarations/")
        assert mine.status == 200
        ids = my_interest_ids(mine.text)
        assert list(ids) == ["Partner at Deployment Medical Centre"]
        interest_id = ids["Partner at Deployment Medical Centre"]
        edit = gp.get(f"/declarations/interests/{interest_id}/edit")
        assert page_version(edit.text) == "1"
        edited = gp.post(
            f"/declarations/interests/{interest_id}/edit",
            {
                **form_tokens(edit.text),
                "version": "1",
                **interest_form(
                    "Senior partner at Deployment Medical Centre",
                    date(2023, 4, 1),
                    role="senior partner",
                    organisation="Deployment Medical Centre",
                ),
            },
        )
        assert edited.status == 302
        history = gp.get(f"/declarations/interests/{interest_id}/history")
        assert history.status == 200 and "Senior partner at Deployment Medical Centre" in history.text

        # The public register shows only what governance published.
        before = Browser(server.port).get("/register")
        assert before.status == 200 and "Deployment Medical Centre" not in before.text
        lead = Browser(server.port)
        sign_in(lead, "lead@example.nhs.uk")
        publish_page = lead.get("/governance/publish/preview")  # publishing is confirmed from its preview
        assert publish_page.status == 200
        fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', publish_page.text).group(1)
        published = lead.post("/governance/publish", {**form_tokens(publish_page.text), "fingerprint": fingerprint})
        assert published.status == 302

        public = Browser(server.port)
        register = public.get("/register?name=Ada")
        assert register.status == 200 and "Senior partner at Deployment Medical Centre" in register.text
        export = public.get("/register.csv")
        assert export.status == 200 and export.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(export.body.decode("utf-8-sig"))))
        header = next(i for i, row in enumerate(rows) if row and row[0] == "Publication date")
        entries = [dict(zip(rows[header], row)) for row in rows[header + 1 :]]
        assert [(e["Name"], e["Description of interest"], e["Nature of interest"]) for e in entries] == [
            ("Dr Ada Deploy", "Senior partner at Deployment Medical Centre", "senior partner")
        ]
        assert entries[0]["Publication date"] == date.today().isoformat()

    from sqlmodel import Session, func, select

    from registry.models import AuditEvent, Interest, InterestHistory

    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Interest).where(Interest.person_id == member_id)).one() == 1
        assert [h.change for h in s.exec(select(InterestHistory).order_by(InterestHistory.version))] == [
            "created",
            "updated",
        ]
        actions = set(s.exec(select(AuditEvent.action)))
        assert {"interest.created", "interest.updated", "register.published", "register.exported"} <= actions
    engine.dispose()


@pytest.mark.parametrize("trusted_proxies, recorded", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_client_address_behind_a_proxy_is_opt_in(tmp_path, migrated_sqlite, trusted_proxies, recorded):
    """COI_TRUSTED_PROXIES=1 behind one reverse proxy: sign-in limits count the client, not the proxy.
    Without it a client-sent X-Forwarded-For is ignored (it could otherwise dodge the per-address limit)."""
    import shutil

    from sqlmodel import Session, select

    from coi.database import engine
    from registry.models import SignInAttempt
    from tests.conftest import make_app, sign_in as test_sign_in

    shutil.copyfile(migrated_sqlite, tmp_path / "proxy.sqlite")
    app = make_app(f"sqlite:///{tmp_path / 'proxy.sqlite'}", migrate=False, TRUSTED_PROXIES=trusted_proxies)
    with app.app_context(), session_scope(engine()) as s:
        create_person(s, email="proxied@example.nhs.uk", full_name="Proxied", password=PASSWORD)
    client = app.test_client()
    client.environ_base.update(
        {
            "HTTP_X_FORWARDED_FOR": "203.0.113.7",
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_REFERER": "https://localhost/sign-in",
        }
    )  # CSRF checks the referrer over HTTPS
    assert test_sign_in(client, "proxied@example.nhs.uk").status_code == 302
    with app.app_context(), Session(engine()) as s:
        assert [a.ip for a in s.exec(select(SignInAttempt))] == [recorded]
        engine().dispose()
