"""The built directory kept between command-line runs (screening/directory_cache.py): the same answers as a fresh
build, built again when the files or the code change, and never read from a folder others can write to."""

import os

from screening import Directory
from screening.directory_cache import CACHE_ENV, directory_from_files

EPRACCUR = (
    '"A81001","THE DENSHAM SURGERY","Y63","QHM","THE HEALTH CENTRE","LAWSON STREET","STOCKTON-ON-TEES","CLEVELAND",'
    '"","TS18 1HU","19740401","","A","B","16W","20130401","","01642 672351","","","","0","","16W","","4",""\n'
)


def organisations(tmp_path, text=EPRACCUR):
    folder = tmp_path / "orgs"
    folder.mkdir(exist_ok=True)
    (folder / "epraccur.csv").write_text(text)
    return folder


def test_a_second_run_reads_the_cache_and_a_changed_file_builds_again(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    orgs = organisations(tmp_path)
    first = directory_from_files(orgs)
    assert [p.name for p in (tmp_path / "cache").iterdir()] != []
    second = directory_from_files(orgs)
    assert second is not first and second.practice_name("A81001") == first.practice_name("A81001")
    assert vars(second).keys() == vars(Directory.from_files(orgs)).keys()
    organisations(tmp_path, EPRACCUR.replace("THE DENSHAM SURGERY", "THE NEW DENSHAM SURGERY"))
    assert directory_from_files(orgs).practice_name("A81001").upper() == "THE NEW DENSHAM SURGERY"
    assert len(list((tmp_path / "cache").glob("directory-*"))) == 1  # one version kept


def test_a_damaged_cache_file_is_built_again(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    orgs = organisations(tmp_path)
    directory_from_files(orgs)
    (cached,) = (tmp_path / "cache").glob("directory-*")
    cached.write_bytes(b"not a directory")
    assert directory_from_files(orgs).practice_name("A81001").upper() == "THE DENSHAM SURGERY"


def test_a_folder_others_can_write_to_is_never_read(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    orgs = organisations(tmp_path)
    directory_from_files(orgs)
    (cached,) = (tmp_path / "cache").glob("directory-*")
    os.chmod(tmp_path / "cache", 0o777)
    # someone else's file under the right name: it is not unpickled, the files are read instead
    cached.write_bytes(b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00.")
    monkeypatch.setattr("screening.directory_cache._Reader.load", lambda self: (_ for _ in ()).throw(AssertionError))
    assert directory_from_files(orgs).practice_name("A81001").upper() == "THE DENSHAM SURGERY"


def test_off_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    directory_from_files(organisations(tmp_path))
    assert not (tmp_path / "xdg").exists()
