"""An uploaded file waiting between its preview and its confirmation (register and people imports).

The bytes wait in the instance folder under a random token; only the token is kept in the (signed) session,
and only for the person who uploaded it. Uploads hold personal data, so one waiting longer than
REGISTER_IMPORT_MAX_AGE_SECONDS is deleted, and abandoned ones are swept away when the next upload arrives.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Optional

from flask import current_app, flash, session
from flask_login import current_user

TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def remove_file(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def max_age() -> int:
    return int(current_app.config["REGISTER_IMPORT_MAX_AGE_SECONDS"])


class PendingUploads:
    """One kind of waiting upload: its own folder under instance/imports and its own session key."""

    def __init__(self, session_key: str, subfolder: str = ""):
        self.session_key = session_key
        self.subfolder = subfolder

    def folder(self) -> Path:
        folder = Path(current_app.instance_path) / "imports"
        if self.subfolder:
            folder = folder / self.subfolder
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder

    def sweep(self) -> None:
        """Uploads abandoned (never confirmed or cancelled) hold personal data: delete them once expired."""
        cutoff = time.time() - max_age()
        for path in self.folder().glob("*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
            except FileNotFoundError:
                pass

    def path(self) -> Optional[Path]:
        """The current user's waiting upload (whether or not it has expired), or None."""
        pending = session.get(self.session_key)
        if not isinstance(pending, dict) or pending.get("person") != current_user.id:
            return None
        token = str(pending.get("token", ""))
        if not TOKEN.fullmatch(token):
            return None
        return self.folder() / f"{token}.bin"

    def forget(self) -> None:
        path = self.path()
        if path is not None:
            remove_file(path)
        session.pop(self.session_key, None)

    def pending(self) -> Optional[tuple[Path, str]]:
        """(path, original file name) of a live waiting upload; an expired one is deleted and reported."""
        path = self.path()
        if path is None:
            return None
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            session.pop(self.session_key, None)
            return None
        if age > max_age():
            self.forget()
            flash(
                "The uploaded file was waiting for more than an hour, so it has been deleted. Upload it again.", "info"
            )
            return None
        return path, str(session[self.session_key].get("filename", "upload"))

    def claim(self) -> Optional[tuple[Path, Path, str]]:
        """Take the waiting upload for confirmation: (its path, the claimed path to read and to rename back to the
        first if the import is refused, the original name), or None with a message why.
        The rename is atomic, so a second click (or a second tab) finds nothing to import."""
        pending = self.pending()
        if pending is None:
            flash(
                "There is no import waiting: it was already imported or cancelled. Upload the file again if needed.",
                "info",
            )
            return None
        path, filename = pending
        claimed = path.with_suffix(".claimed")
        try:
            path.rename(claimed)
        except FileNotFoundError:
            flash("This import has already been confirmed or cancelled.", "info")
            return None
        return path, claimed, filename

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)
