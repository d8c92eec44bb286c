"""The wheel carries the templates, migrations and demo data, and the app runs from it alone."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_app_runs_from_an_installed_wheel(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("coi-*.whl"))
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import sys; sys.path = [p for p in sys.path if p and p != %r]; sys.path.insert(0, %r)\n"
        "sys.meta_path = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]\n"
        "import coi; from coi import create_app, templates_dir\n"
        "assert str(templates_dir()).startswith(%r), templates_dir()\n"
        "from registry.migrate import upgrade; from registry.db import make_engine\n"
        "app = create_app({'DATABASE_URL': 'sqlite:///%s', 'SECRET_KEY': 'k'})\n"
        "upgrade(make_engine(app.config['DATABASE_URL']))\n"
        "r = app.test_client().get('/sign-in'); assert r.status_code == 200, r.status_code\n"
        "assert b'Sign in' in r.data\n"
        "print('ok')\n"
    ) % (str(ROOT), str(site), str(site), tmp_path / "w.sqlite")
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"COI_INSTANCE_PATH": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
