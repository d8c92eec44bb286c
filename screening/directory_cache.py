"""The built directory kept on disk between runs of the command line (`coi screen`, `python -m screening`).

Reading and indexing NHS Digital's files takes about 5 s; a screen of one meeting takes a tenth of that, so a
chair or a script screening meeting after meeting would spend nearly all its time rebuilding the same index. The
index is kept under a key made of the files' bytes and the screening code's source: any change to either builds
it again. It is only read back from a folder that belongs to this user and that nobody else can write to, and
only this package's own classes are unpickled from it.

``COI_SCREENING_CACHE`` names the folder (default ``$XDG_CACHE_HOME/coi-screening``, else
``~/.cache/coi-screening``); ``off`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle  # nosec B403 - reads back only files this user wrote, in a folder only this user can write; see _Reader
import stat
import tempfile
from pathlib import Path

from .directory import Directory, resolve_folder

CACHE_ENV = "COI_SCREENING_CACHE"
_PACKAGE = Path(__file__).resolve().parent
# what the directory is built of: only these classes may come back from a cache file
_ALLOWED = {
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "dict"),
    ("builtins", "list"),
    ("builtins", "tuple"),
    ("collections", "defaultdict"),
    ("datetime", "date"),
}


class _Reader(pickle.Unpickler):
    def find_class(self, module, name):
        if module.startswith("screening.") or (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a directory")


def cache_folder() -> Path | None:
    setting = os.environ.get(CACHE_ENV, "")
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "coi-screening"


def _key(files: list[str]) -> str:
    digest = hashlib.sha256()
    for source in sorted(_PACKAGE.rglob("*.py")):
        digest.update(source.read_bytes())
    for name in files:
        digest.update(name.encode())
        if os.path.isfile(name):
            with open(name, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:32]


def _private(path: Path) -> bool:
    """Owned by this user and writable by nobody else."""
    info = path.stat()
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def directory_from_files(organisations) -> Directory:
    """``Directory.from_files(organisations)``, read from the cache when the files and the code are unchanged."""
    folder = cache_folder()
    if folder is None:
        return Directory.from_files(organisations)
    org_dir = resolve_folder(organisations)
    path = folder / f"directory-{_key([os.path.join(org_dir, 'epraccur.csv'), os.path.join(org_dir, 'pcn_map.csv')])}"
    try:
        if path.is_file() and _private(folder) and _private(path):
            with open(path, "rb") as handle:
                found = _Reader(handle).load()  # nosec B301 - see _Reader and _private
            if isinstance(found, Directory):
                return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        pass  # a damaged or foreign file is built again below
    directory = Directory.from_files(organisations)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if _private(folder):
            descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".directory-")
            with os.fdopen(descriptor, "wb") as out:
                pickle.dump(directory, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
            for old in folder.glob("directory-*"):
                if old != path:
                    old.unlink(missing_ok=True)  # one version of the files is kept
    except OSError:
        pass  # no cache where the folder cannot be written: the next run builds again
    return directory
