"""Pure conflicts-of-interest screening engine (stdlib + rapidfuzz; no Flask, no database)."""

from .csvio import read_agenda_csv, read_register_csv
from .directory import Directory
from .engine import Engine, screen, screen_all_pairs
from .model import AgendaItem, Flag, Interest
from .orgfiles import FileProblem, InputFileError, PcnMapRow, PracticeRecord, read_epraccur, read_pcn_map

__all__ = [
    "AgendaItem",
    "Directory",
    "Engine",
    "FileProblem",
    "Flag",
    "InputFileError",
    "Interest",
    "PcnMapRow",
    "PracticeRecord",
    "read_agenda_csv",
    "read_epraccur",
    "read_pcn_map",
    "read_register_csv",
    "screen",
    "screen_all_pairs",
]
