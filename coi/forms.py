"""Shared form helpers."""
from __future__ import annotations

from typing import Optional

from flask_wtf import FlaskForm


def form_error_list(form: Optional[FlaskForm], extra: Optional[str] = None, extra_href: str = "#email") -> list[dict]:
    """The error summary's list: each field's first error, linked to the field."""
    errors = []
    if extra:
        errors.append({"text": extra, "href": extra_href})
    if form is not None:
        for field in form:
            if field.errors and field.type != "CSRFTokenField":
                errors.append({"text": field.errors[0], "href": f"#{field.id}"})
    return errors
