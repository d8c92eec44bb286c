"""The Flask application: app factory, configuration, sign-in, blueprints and the `coi` command."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any, Mapping, Optional

from flask import Flask
from werkzeug.routing import IntegerConverter
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader

from coi.settings import BY_NAME

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent


def templates_dir() -> Path:
    """Top-level templates/ in a checkout; coi/templates inside an installed wheel."""
    checkout = CHECKOUT_DIR / "templates"
    return checkout if checkout.is_dir() else PACKAGE_DIR / "templates"


def default_assets_dir() -> Path:
    """Where the set-up puts the compiled NHS.UK frontend (fetched with npm, never committed)."""
    return CHECKOUT_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"


def _keep_indentation(text, width=4, first=False, blank=False):
    return text


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in routes, limited to what an INTEGER column can hold."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _secret_key(instance_path: Path, name: str = "secret_key") -> str:
    """Generated into the instance folder on first run, so no secret is ever in the repository."""
    key_file = instance_path / name
    if not key_file.exists():
        # gunicorn's workers start together: write aside and link into place, so exactly one key wins and no
        # worker reads a half-written file (two keys would make each worker reject the other's cookies).
        fd, temp = tempfile.mkstemp(dir=instance_path, prefix=f".{name}.")
        try:
            os.write(fd, secrets.token_hex(32).encode())
            os.close(fd)
            os.link(temp, key_file)
        except FileExistsError:
            pass  # another worker got there first: use its key
        finally:
            os.unlink(temp)
    return key_file.read_text().strip()


def _env_overrides(defaults: Mapping[str, Any], prefix: str = "COI_") -> dict[str, Any]:
    """COI_FOO=bar sets FOO, typed like FOO's default: a secret or password of digits stays text."""
    out: dict[str, Any] = {}
    for key, raw in os.environ.items():
        if not key.startswith(prefix) or key == "COI_INSTANCE_PATH":
            continue
        name = key[len(prefix) :]
        default = defaults.get(name)
        declared = BY_NAME.get(name)
        kind = declared.kind if declared is not None else type(default)
        if kind is bool:
            if raw.lower() not in {"true", "false", "1", "0", "yes", "no"}:
                raise ValueError(f"{key} must be true or false, not {raw!r}")
            out[name] = raw.lower() in {"true", "1", "yes"}
        elif kind is int:
            if not raw.strip().isdigit():
                raise ValueError(f"{key} must be a whole number, not {raw!r}")
            out[name] = int(raw)
        else:
            out[name] = raw
    return out


def create_app(test_config: Optional[Mapping[str, Any]] = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=None,
        static_folder=str(PACKAGE_DIR / "static"),
        instance_path=os.environ.get("COI_INSTANCE_PATH") or None,
    )
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)

    from coi.settings import defaults

    app.config.from_mapping(defaults())  # every key, its default and meaning: coi/settings.py
    app.config.from_mapping(DATABASE_URL=f"sqlite:///{instance / 'coi.sqlite'}", ASSETS_DIR=str(default_assets_dir()))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_mapping(_env_overrides(app.config))
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.config["REMEMBER_COOKIE_SECURE"] = True

    if app.config.get("TRUSTED_PROXIES"):
        # Behind a reverse proxy (COI_TRUSTED_PROXIES=1 for one nginx in front): take the client's address, scheme
        # and host from the X-Forwarded-* headers that many proxies set, so the per-address sign-in limit counts
        # clients rather than the proxy. Off by default: without a proxy those headers are whatever a client sent.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask documents this wrapping
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )

    app.url_map.converters["int"] = DatabaseIntConverter  # ids beyond a database integer are a 404, not a 500

    from coi import components

    design_system = PackageLoader("nhsuk_frontend_jinja")
    app.jinja_options = {
        # Strict in our templates (a typo raises), lenient inside the design system's, whose macros read chained
        # optional parameters (coi/components.py).
        "undefined": components.DesignSystemUndefined,
        "loader": ChoiceLoader(
            [FileSystemLoader(str(templates_dir())), components.CachedComponentLoader(design_system), design_system]
        ),
        "autoescape": True,  # every template, .jinja included (Flask's default covers only .html and friends)
    }
    # The design system's macros re-indent nested HTML at every level, which dominated form rendering; the
    # indentation is cosmetic (and inside a <textarea> it would change the value), so leave text as it is.
    app.jinja_env.filters["indent"] = _keep_indentation

    from coi import database, dates, errors, idempotency, navigation, security
    from coi.account import bp as account_bp
    from coi.admin import bp as admin_bp
    from coi.auth import bp as auth_bp, init_login
    from coi.declarations import bp as declarations_bp, directory_bp
    from coi.governance import bp as governance_bp
    from coi.meetings import bp as meetings_bp
    from coi.public import bp as public_bp
    from coi.register_import import bp as register_import_bp
    from coi.people_import import bp as people_import_bp
    from coi.outside import bp as outside_bp
    from coi.views import bp as main_bp
    from coi import sso

    database.init_app(app)
    init_login(app)
    security.init_app(app)
    idempotency.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    components.init_app(app)
    dates.init_app(app)
    app.register_blueprint(auth_bp)
    sso.init_app(app)
    app.register_blueprint(sso.bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(declarations_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(governance_bp)
    app.register_blueprint(register_import_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(people_import_bp)
    app.register_blueprint(outside_bp)
    _register_assets(app)
    return app


def _register_assets(app: Flask) -> None:
    from flask import abort, send_from_directory

    assets = Path(app.config["ASSETS_DIR"])
    app.config["HAVE_NHSUK_ASSETS"] = (assets / "nhsuk-frontend.min.css").is_file()

    autocomplete = CHECKOUT_DIR / "node_modules" / "accessible-autocomplete" / "dist"
    app.config["HAVE_AUTOCOMPLETE"] = (autocomplete / "accessible-autocomplete.min.js").is_file()

    @app.get("/vendor/accessible-autocomplete/<path:filename>", endpoint="autocomplete_assets")
    def serve_autocomplete(filename: str):
        """GOV.UK's accessible-autocomplete (pinned in package.json): the organisation type-ahead."""
        if not app.config["HAVE_AUTOCOMPLETE"]:
            abort(404)
        return send_from_directory(autocomplete, filename, max_age=86400)

    @app.get("/nhsuk/<path:filename>", endpoint="nhsuk_assets")
    def serve_asset(filename: str):
        if not app.config["HAVE_NHSUK_ASSETS"]:
            abort(404)
        return send_from_directory(assets, filename, max_age=86400)
