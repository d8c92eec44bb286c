"""Home page and service pages that belong to no other section."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy import text

from coi.database import db

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    return render_template("home.jinja", roles=current_user.roles)


@bp.get("/healthz")
def health():
    """For the load balancer: 200 when the database answers."""
    db().exec(text("SELECT 1"))
    return jsonify(status="ok")


@bp.get("/accessibility")
def accessibility():
    return render_template("accessibility.jinja")
